//! `read`, mirroring the client's `api/read.rs`: filters (evaluated in `query.rs`), sorts
//! and paging over the store. A query's matches are kept between its pages (`read_cache.rs`),
//! so a page costs O(page) and not a re-run of the query over the whole table.

use super::Call;
use crate::records::query::compare;
use crate::records::read_cache::{split_query, IdRanges};
use crate::records::{bad, Exception, Records};
use serde_json::Value;
use sg_api3::methods::read::{Direction, PagingInfo, ReadAnswer, ReadParams};
use sg_api3::methods::{Handler, Read};
use std::cmp::Ordering;
use std::sync::Arc;

impl Records {
    pub(crate) fn read(&mut self, p: &ReadParams) -> Result<ReadAnswer, Exception> {
        let m = "read";
        let entity_type = p.entity_type.as_str();
        let (ranges, rest) = split_query(p);
        let key = serde_json::to_string(&rest).unwrap_or_default();
        let ordered = match self.cached_read(&key) {
            Some(ids) => ids,
            None => {
                let ids = Arc::new(self.ordered_ids(&rest)?);
                self.cache_read(key, ids.clone());
                ids
            }
        };
        // In id order (no sort, or `id` ascending), the id bounds cut slices out by binary
        // search; in any other order they filter.
        let by_id = match rest.sorts.as_slice() {
            [] => true,
            [only] => only.field_name == "id" && only.direction == Direction::Asc,
            _ => false,
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
        let max = self.page_size;
        let per_page = p.paging.map_or(max, |p| p.entities_per_page);
        if per_page == 0 || per_page > max {
            return Err(bad(format!(
                "API read(): entities_per_page must be from 1 to {max}, got {per_page}"
            )));
        }
        let page = p.paging.map_or(1, |p| p.current_page).max(1);
        let start = ((page - 1) * per_page) as usize;
        let end = (start + per_page as usize).min(total);
        let entities = selected
            .iter()
            .flat_map(|s| s.iter())
            .skip(start)
            .take(end.saturating_sub(start))
            .map(|id| {
                self.output(
                    m,
                    entity_type,
                    *id,
                    &p.return_fields,
                    p.api_return_image_urls,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let has_next = end < total;
        let paging_info = if p.return_paging_info_without_counts {
            PagingInfo {
                has_next_page: Some(has_next),
                ..PagingInfo::default()
            }
        } else {
            PagingInfo {
                has_next_page: Some(has_next),
                entity_count: Some(total as u64),
                current_page: Some(page),
                page_count: Some(total.div_ceil(per_page as usize) as u64),
                entities_per_page: Some(per_page),
            }
        };
        Ok(ReadAnswer {
            entities,
            paging_info: Some(paging_info),
        })
    }

    /// The ids `p` matches (paging aside), in its order: filters, presets, sorts.
    fn ordered_ids(&self, p: &ReadParams) -> Result<Vec<i64>, Exception> {
        let m = "read";
        let entity_type = p.entity_type.as_str();
        let retired = match p.return_only.as_str() {
            "active" => false,
            "retired" => true,
            other => {
                return Err(bad(format!(
                    "API read(): return_only must be 'active' or 'retired', got '{other}'"
                )))
            }
        };
        let skip_archived = p.include_archived_projects == Some(false);
        let mut ids = self.matching(m, entity_type, &p.filters, skip_archived, retired)?;
        for preset in &p.additional_filter_presets {
            ids = self.preset(entity_type, ids, preset)?;
        }
        let mut keys = Vec::new();
        for s in &p.sorts {
            let desc = s.direction == Direction::Desc;
            keys.push((self.resolve_path(m, entity_type, &s.field_name)?, desc));
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

impl Records {
    /// `additional_filter_presets`: the `LATEST` preset keeps, of the records linked (by
    /// `entity`) to the same record (and, by step, of the same pipeline step of their task),
    /// the one created last.
    fn preset(
        &self,
        entity_type: &str,
        ids: Vec<i64>,
        preset: &Value,
    ) -> Result<Vec<i64>, Exception> {
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

impl Handler<Read> for Call<'_> {
    fn handle(&mut self, p: ReadParams) -> Result<ReadAnswer, Exception> {
        self.state.records.read(&p)
    }
}
