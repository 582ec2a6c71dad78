//! `read`, mirroring the client's `api/read.rs`: filters (evaluated in `query.rs`), sorts
//! and paging over the store. A query's matches are kept between its pages (`read_cache.rs`),
//! so a page costs O(page) and not a re-run of the query over the whole table.

use super::read_cache::{split_query, IdRanges};
use crate::query::compare;
use crate::store::{bad, str_param, ApiError, Store};
use serde_json::{json, Value};
use std::cmp::Ordering;
use std::sync::Arc;

impl Store {
    pub(crate) fn read(&mut self, p: &Value) -> Result<Value, ApiError> {
        let m = "read";
        let entity_type = str_param(p, "type", m)?;
        let (ranges, rest) = split_query(p);
        let key = rest.to_string();
        let ordered = match self.read_cache.get(&key) {
            Some(ids) => ids,
            None => {
                let ids = Arc::new(self.ordered_ids(&rest)?);
                self.read_cache.put(key, ids.clone());
                ids
            }
        };
        // In id order (no sort, or `id` ascending), the id bounds cut slices out by binary
        // search; in any other order they filter.
        let by_id = match rest.get("sorts").and_then(Value::as_array) {
            None => true,
            Some(s) => {
                s.is_empty()
                    || (s.len() == 1
                        && s[0].get("field_name").and_then(Value::as_str) == Some("id")
                        && s[0].get("direction").and_then(Value::as_str) != Some("desc"))
            }
        };
        let filtered: Vec<i64>;
        let selected: Vec<&[i64]> = if by_id {
            ranges.slices(&ordered).collect()
        } else if ranges == IdRanges::all() {
            vec![&ordered[..]]
        } else {
            filtered = ordered
                .iter()
                .copied()
                .filter(|id| ranges.contains(*id))
                .collect();
            vec![&filtered[..]]
        };
        let total: usize = selected.iter().map(|s| s.len()).sum();
        let paging = p.get("paging");
        let max = self.page_size;
        let per_page = paging
            .and_then(|p| p.get("entities_per_page"))
            .and_then(Value::as_u64)
            .unwrap_or(max);
        if per_page == 0 || per_page > max {
            return Err(bad(format!(
                "API read(): entities_per_page must be from 1 to {max}, got {per_page}"
            )));
        }
        let image_urls = p.get("api_return_image_urls").and_then(Value::as_bool) == Some(true);
        let page = paging
            .and_then(|p| p.get("current_page"))
            .and_then(Value::as_u64)
            .unwrap_or(1)
            .max(1);
        let start = ((page - 1) * per_page) as usize;
        let end = (start + per_page as usize).min(total);
        let fields: Vec<String> = p
            .get("return_fields")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|f| f.as_str().map(str::to_owned))
            .collect();
        let entities = selected
            .iter()
            .flat_map(|s| s.iter())
            .skip(start)
            .take(end.saturating_sub(start))
            .map(|id| self.output(m, entity_type, *id, &fields, image_urls))
            .collect::<Result<Vec<_>, _>>()?;
        let has_next = end < total;
        let paging_info = if p
            .get("return_paging_info_without_counts")
            .and_then(Value::as_bool)
            == Some(true)
        {
            json!({ "has_next_page": has_next })
        } else {
            json!({
                "entity_count": total,
                "current_page": page,
                "page_count": total.div_ceil(per_page as usize),
                "entities_per_page": per_page,
                "has_next_page": has_next,
            })
        };
        Ok(json!({ "entities": entities, "paging_info": paging_info }))
    }

    /// The ids `p` matches (paging aside), in its order: filters, presets, sorts.
    fn ordered_ids(&self, p: &Value) -> Result<Vec<i64>, ApiError> {
        let m = "read";
        let entity_type = str_param(p, "type", m)?;
        let retired = match p
            .get("return_only")
            .and_then(Value::as_str)
            .unwrap_or("active")
        {
            "active" => false,
            "retired" => true,
            other => {
                return Err(bad(format!(
                    "API read(): return_only must be 'active' or 'retired', got '{other}'"
                )))
            }
        };
        let mut ids = self.matching(m, entity_type, p, retired)?;
        for preset in p
            .get("additional_filter_presets")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            ids = self.preset(entity_type, ids, preset)?;
        }
        let mut keys = Vec::new();
        for s in p
            .get("sorts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let field = str_param(s, "field_name", m)?;
            let desc = match s.get("direction").and_then(Value::as_str).unwrap_or("asc") {
                "asc" => false,
                "desc" => true,
                other => {
                    return Err(bad(format!(
                        "API read(): sort direction must be 'asc' or 'desc', got '{other}'"
                    )))
                }
            };
            keys.push((self.resolve_path(m, entity_type, field)?, desc));
        }
        if !keys.is_empty() {
            let sort_values = |id: i64| -> Vec<Value> {
                keys.iter()
                    .map(|(path, _)| {
                        let v = self
                            .values_at(entity_type, id, path)
                            .into_iter()
                            .next()
                            .unwrap_or(Value::Null);
                        self.value_out(path.field.data_type(), &v)
                    })
                    .collect()
            };
            let mut decorated: Vec<(Vec<Value>, i64)> =
                ids.iter().map(|id| (sort_values(*id), *id)).collect();
            decorated.sort_by(|(a, ia), (b, ib)| {
                keys.iter()
                    .enumerate()
                    .map(|(i, (_, desc))| {
                        let o = compare(&a[i], &b[i]);
                        if *desc {
                            o.reverse()
                        } else {
                            o
                        }
                    })
                    .find(|o| *o != Ordering::Equal)
                    .unwrap_or(Ordering::Equal)
                    .then(ia.cmp(ib))
            });
            ids = decorated.into_iter().map(|(_, id)| id).collect();
        }
        Ok(ids)
    }
}

impl Store {
    /// `additional_filter_presets`: the `LATEST` preset keeps, of the records linked (by
    /// `entity`) to the same record (and, by step, of the same pipeline step of their task),
    /// the one created last.
    fn preset(
        &self,
        entity_type: &str,
        ids: Vec<i64>,
        preset: &Value,
    ) -> Result<Vec<i64>, ApiError> {
        let name = preset.get("preset_name").and_then(Value::as_str);
        let by = preset.get("latest_by").and_then(Value::as_str);
        let by_step = match (name, by) {
            (Some("LATEST"), Some("ENTITIES_CREATED_AT")) => false,
            (Some("LATEST"), Some("BY_PIPELINE_STEP_NUMBER_AND_ENTITIES_CREATED_AT")) => true,
            _ => return Err(bad(format!("API read(): unknown filter preset {preset}"))),
        };
        let field = |id: i64, name: &str| -> Value {
            self.row(entity_type, id)
                .and_then(|r| r.fields.get(name).cloned())
                .unwrap_or(Value::Null)
        };
        let step = |id: i64| -> Value {
            let task = field(id, "sg_task");
            match (
                task.get("type").and_then(Value::as_str),
                task.get("id").and_then(Value::as_i64),
            ) {
                (Some(t), Some(task_id)) => self
                    .row(t, task_id)
                    .and_then(|r| r.fields.get("step").cloned())
                    .unwrap_or(Value::Null),
                _ => Value::Null,
            }
        };
        let mut latest: std::collections::BTreeMap<String, (Value, i64)> = Default::default();
        for id in &ids {
            let mut key = field(*id, "entity").to_string();
            if by_step {
                key.push_str(&step(*id).to_string());
            }
            let created = field(*id, "created_at");
            let newer = match latest.get(&key) {
                None => true,
                Some((c, other)) => compare(&created, c).then(id.cmp(other)) == Ordering::Greater,
            };
            if newer {
                latest.insert(key, (created, *id));
            }
        }
        let keep: std::collections::BTreeSet<i64> = latest.values().map(|(_, id)| *id).collect();
        Ok(ids.into_iter().filter(|id| keep.contains(id)).collect())
    }
}
