//! `create`, `update`, `delete`/`revive` and `batch`, mirroring the client's `api/write.rs`:
//! every value checked as a site checks it (in `store.rs`), a batch as one transaction.

use crate::store::{
    bad, id_param, now_wire, str_param, ApiError, Row, Store, CREATED_AT, UPDATED_AT,
};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

impl Store {
    pub(crate) fn create(&mut self, p: &Value) -> Result<Value, ApiError> {
        let m = "create";
        let entity_type = str_param(p, "type", m)?.to_string();
        let schema = self.schema.clone();
        let es = self.entity(m, &entity_type)?;
        let mut fields = Map::new();
        let mut sent = Vec::new();
        for item in p
            .get("fields")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (name, _, v) = self.check_write(m, &entity_type, item)?;
            fields.insert(name.to_string(), v);
            sent.push(name.to_string());
        }
        for (name, fs) in &es.fields {
            if !fields.contains_key(name) && fs.is_editable() {
                if let Some(d) = fs.default_value() {
                    fields.insert(name.clone(), d.clone());
                }
            }
        }
        let now = now_wire();
        for stamp in [CREATED_AT, UPDATED_AT] {
            if schema
                .field(&entity_type, stamp)
                .is_some_and(|f| f.data_type() == "date_time")
            {
                fields.insert(stamp.into(), now.clone().into());
            }
        }
        let table = self.tables.entry(entity_type.clone()).or_default();
        let id = table.next_id.max(1);
        table.next_id = id + 1;
        fields.insert("id".into(), id.into());
        table.rows.insert(
            id,
            Row {
                fields,
                retired: false,
            },
        );
        let sent_count = sent.len();
        let mut wanted = sent;
        for f in p
            .get("return_fields")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(f) = f.as_str() {
                wanted.push(f.to_string());
            }
        }
        self.record_activity(&entity_type, id, "create", json!({"type": "new_entity"}));
        self.log_event(
            &entity_type,
            id,
            "New",
            json!({"type": "new_entity", "entity_type": entity_type, "entity_id": id}),
        );
        // A site writes the fields set on creation as changes too, marked `in_create`.
        let created = self.row(&entity_type, id).map(|r| r.fields.clone());
        for name in wanted.iter().take(sent_count) {
            let new = created
                .as_ref()
                .and_then(|r| r.get(name))
                .cloned()
                .unwrap_or(Value::Null);
            let meta = self.change_meta(&entity_type, id, name, &Value::Null, &new, true);
            self.log_event(&entity_type, id, "Change", meta);
        }
        self.output(m, &entity_type, id, &wanted, false)
    }

    pub(crate) fn update(&mut self, p: &Value) -> Result<Value, ApiError> {
        let m = "update";
        let entity_type = str_param(p, "type", m)?.to_string();
        let id = id_param(p, m)?;
        self.entity(m, &entity_type)?;
        if !self.is_live(&entity_type, id) {
            return Err(bad(format!(
                "API {m}(): {entity_type} #{id} does not exist"
            )));
        }
        let mut changes = Vec::new();
        for item in p
            .get("fields")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (name, fs, v) = self.check_write(m, &entity_type, item)?;
            let mode = item
                .get("multi_entity_update_mode")
                .and_then(Value::as_str)
                .unwrap_or("set");
            if mode != "set" && fs.data_type() != "multi_entity" {
                return Err(bad(format!(
                    "API {m}(): {entity_type}.{name} is a {} field; multi_entity_update_mode '{mode}' is only for multi_entity fields",
                    fs.data_type()
                )));
            }
            if !matches!(mode, "set" | "add" | "remove") {
                return Err(bad(format!(
                    "API {m}(): unknown multi_entity_update_mode '{mode}'"
                )));
            }
            changes.push((name.to_string(), v, mode));
        }
        let has_updated_at = self
            .schema
            .field(&entity_type, UPDATED_AT)
            .is_some_and(|f| f.data_type() == "date_time");
        let row = self
            .tables
            .get_mut(&entity_type)
            .and_then(|t| t.rows.get_mut(&id))
            .expect("checked above");
        let key = |v: &Value| {
            (
                v["type"].as_str().unwrap_or("").to_string(),
                v["id"].as_i64(),
            )
        };
        let mut names = Vec::new();
        let mut activity = Vec::new();
        for (name, v, mode) in changes {
            let current = row.fields.get(&name).cloned().unwrap_or(json!([]));
            let new = match mode {
                "add" => {
                    let mut list = current.as_array().cloned().unwrap_or_default();
                    for item in v.as_array().into_iter().flatten() {
                        if !list.iter().any(|x| key(x) == key(item)) {
                            list.push(item.clone());
                        }
                    }
                    Value::Array(list)
                }
                "remove" => {
                    let gone: BTreeSet<_> = v.as_array().into_iter().flatten().map(key).collect();
                    let list = current.as_array().cloned().unwrap_or_default();
                    Value::Array(
                        list.into_iter()
                            .filter(|x| !gone.contains(&key(x)))
                            .collect(),
                    )
                }
                _ => v,
            };
            let old = row.fields.insert(name.clone(), new.clone());
            activity.push((name.clone(), old.unwrap_or(Value::Null), new));
            names.push(name);
        }
        if has_updated_at {
            row.fields.insert(UPDATED_AT.into(), now_wire().into());
        }
        for (name, old, new) in activity {
            self.record_activity(
                &entity_type,
                id,
                "update",
                json!({"type": "attribute_change", "attribute_name": name,
                       "old_value": old, "new_value": new}),
            );
            let meta = self.change_meta(&entity_type, id, &name, &old, &new, false);
            self.log_event(&entity_type, id, "Change", meta);
        }
        self.output(m, &entity_type, id, &names, false)
    }

    /// `delete` (retire) or `revive`.
    pub(crate) fn delete(&mut self, p: &Value, retire: bool) -> Result<Value, ApiError> {
        let m = if retire { "delete" } else { "revive" };
        let entity_type = str_param(p, "type", m)?.to_string();
        let id = id_param(p, m)?;
        self.entity(m, &entity_type)?;
        let row = self
            .tables
            .get_mut(&entity_type)
            .and_then(|t| t.rows.get_mut(&id))
            .ok_or_else(|| bad(format!("API {m}(): {entity_type} #{id} does not exist")))?;
        let changed = row.retired != retire;
        row.retired = retire;
        if changed {
            let (kind, meta_type) = if retire {
                ("Retirement", "entity_retirement")
            } else {
                ("Revival", "entity_revival")
            };
            let name = self.name_of(&entity_type, id);
            self.log_event(
                &entity_type,
                id,
                kind,
                json!({"type": meta_type, "entity_type": entity_type, "entity_id": id,
                       "display_name": name}),
            );
        }
        Ok(Value::Bool(changed))
    }

    /// Runs every request on a copy; the copy replaces the store only if all succeed.
    pub(crate) fn batch(&mut self, p: &Value) -> Result<Value, ApiError> {
        let requests = p
            .as_array()
            .ok_or_else(|| bad("API batch(): params must be a list of requests"))?;
        let mut work = self.clone();
        let mut results = Vec::with_capacity(requests.len());
        for (i, r) in requests.iter().enumerate() {
            let kind = r.get("request_type").and_then(Value::as_str).unwrap_or("");
            let what = format!(
                "{kind} {}",
                r.get("type").and_then(Value::as_str).unwrap_or("?")
            );
            let res = match kind {
                "create" => work.create(r),
                "update" => work.update(r),
                "delete" => work.delete(r, true),
                other => Err(bad(format!("unknown request_type '{other}'"))),
            };
            match res {
                Ok(v) => results.push(v),
                Err(e) => {
                    return Err(ApiError::new(
                        e.code,
                        format!(
                            "API batch(): request {i} ({what}) failed, nothing was changed: {}",
                            e.message
                        ),
                    ))
                }
            }
        }
        *self = work;
        Ok(Value::Array(results))
    }
}
