//! `read`, mirroring the client's `api/read.rs`: filters (evaluated in `mock/query.rs`), sorts
//! and paging over the store.

use crate::mock::query::compare;
use crate::mock::store::{bad, str_param, ApiError, Store};
use serde_json::{json, Value};
use std::cmp::Ordering;

impl Store {
    pub(crate) fn read(&self, p: &Value) -> Result<Value, ApiError> {
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
        let end = (start + per_page as usize).min(ids.len());
        let fields: Vec<String> = p
            .get("return_fields")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|f| f.as_str().map(str::to_owned))
            .collect();
        let entities = ids
            .get(start..end)
            .unwrap_or(&[])
            .iter()
            .map(|id| self.output(m, entity_type, *id, &fields, image_urls))
            .collect::<Result<Vec<_>, _>>()?;
        let has_next = end < ids.len();
        let paging_info = if p
            .get("return_paging_info_without_counts")
            .and_then(Value::as_bool)
            == Some(true)
        {
            json!({ "has_next_page": has_next })
        } else {
            json!({
                "entity_count": ids.len(),
                "current_page": page,
                "page_count": ids.len().div_ceil(per_page as usize),
                "entities_per_page": per_page,
                "has_next_page": has_next,
            })
        };
        Ok(json!({ "entities": entities, "paging_info": paging_info }))
    }
}
