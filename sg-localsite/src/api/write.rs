//! `create`, `update`, `delete`/`revive` and `batch`, mirroring the client's `api/write.rs`:
//! every value checked as a site checks it (in `store.rs`), a batch as one transaction.

use super::Call;
use crate::records::{bad, now_wire, Exception, Records, Row, CREATED_AT, UPDATED_AT};
use serde_json::{json, Map, Value};
use sg_api3::methods::write::{BatchItem, CreateParams, RecordParams, UpdateMode, UpdateParams};
use sg_api3::methods::{Batch, Create, Delete, Handler, Revive, Update};
use std::collections::BTreeSet;

impl Records {
    pub(crate) fn create(&mut self, p: &CreateParams) -> Result<Value, Exception> {
        let m = "create";
        let entity_type = p.entity_type.clone();
        let schema = self.shared_schema();
        self.entity(m, &entity_type)?;
        let es = &schema.entities[&entity_type];
        let mut fields = Map::new();
        let mut sent = Vec::new();
        for item in &p.fields {
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
        let table = self.tables_mut().entry(entity_type.clone()).or_default();
        let id = table.next_id.max(1);
        if id > crate::records::MAX_ID {
            return Err(Exception::new(
                103,
                format!(
                    "{entity_type}: no id left to give (the highest is {})",
                    crate::records::MAX_ID
                ),
            ));
        }
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
        wanted.extend(p.return_fields.iter().cloned());
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

    pub(crate) fn update(&mut self, p: &UpdateParams) -> Result<Value, Exception> {
        let m = "update";
        let entity_type = p.entity_type.clone();
        let id = p.id;
        self.entity(m, &entity_type)?;
        if !self.is_live(&entity_type, id) {
            return Err(bad(format!(
                "API {m}(): {entity_type} #{id} does not exist"
            )));
        }
        let mut changes = Vec::new();
        for item in &p.fields {
            let (name, fs, v) = self.check_write(m, &entity_type, item)?;
            let mode = item.multi_entity_update_mode.unwrap_or(UpdateMode::Set);
            if mode != UpdateMode::Set && fs.data_type() != "multi_entity" {
                return Err(bad(format!(
                    "API {m}(): {entity_type}.{name} is a {} field; multi_entity_update_mode '{}' is only for multi_entity fields",
                    fs.data_type(),
                    mode.as_str()
                )));
            }
            changes.push((name.to_string(), v, mode));
        }
        let has_updated_at = self
            .schema()
            .field(&entity_type, UPDATED_AT)
            .is_some_and(|f| f.data_type() == "date_time");
        let row = self
            .tables_mut()
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
                UpdateMode::Add => {
                    let mut list = current.as_array().cloned().unwrap_or_default();
                    for item in v.as_array().into_iter().flatten() {
                        if !list.iter().any(|x| key(x) == key(item)) {
                            list.push(item.clone());
                        }
                    }
                    Value::Array(list)
                }
                UpdateMode::Remove => {
                    let gone: BTreeSet<_> = v.as_array().into_iter().flatten().map(key).collect();
                    let list = current.as_array().cloned().unwrap_or_default();
                    Value::Array(
                        list.into_iter()
                            .filter(|x| !gone.contains(&key(x)))
                            .collect(),
                    )
                }
                UpdateMode::Set => v,
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
    pub(crate) fn delete(&mut self, p: &RecordParams, retire: bool) -> Result<bool, Exception> {
        let m = if retire { "delete" } else { "revive" };
        let entity_type = p.entity_type.clone();
        let id = p.id;
        self.entity(m, &entity_type)?;
        let row = self
            .tables_mut()
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
        Ok(changed)
    }

    /// Runs every request on a copy; the copy replaces the store only if all succeed.
    pub(crate) fn batch(&mut self, requests: &[BatchItem]) -> Result<Vec<Value>, Exception> {
        let mut work = self.clone();
        let mut results = Vec::with_capacity(requests.len());
        for (i, r) in requests.iter().enumerate() {
            let (what, res) = match r {
                BatchItem::Create(p) => (format!("create {}", p.entity_type), work.create(p)),
                BatchItem::Update(p) => (format!("update {}", p.entity_type), work.update(p)),
                BatchItem::Delete(p) => (
                    format!("delete {}", p.entity_type),
                    work.delete(p, true).map(Value::Bool),
                ),
            };
            match res {
                Ok(v) => results.push(v),
                Err(e) => {
                    return Err(Exception::new(
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
        Ok(results)
    }
}

impl Handler<Create> for Call<'_> {
    fn handle(&mut self, p: CreateParams) -> Result<Value, Exception> {
        self.state.records.create(&p)
    }
}

impl Handler<Update> for Call<'_> {
    fn handle(&mut self, p: UpdateParams) -> Result<Value, Exception> {
        self.state.records.update(&p)
    }
}

impl Handler<Delete> for Call<'_> {
    fn handle(&mut self, p: RecordParams) -> Result<bool, Exception> {
        self.state.records.delete(&p, true)
    }
}

impl Handler<Revive> for Call<'_> {
    fn handle(&mut self, p: RecordParams) -> Result<bool, Exception> {
        self.state.records.delete(&p, false)
    }
}

impl Handler<Batch> for Call<'_> {
    fn handle(&mut self, p: Vec<BatchItem>) -> Result<Vec<Value>, Exception> {
        self.state.records.batch(&p)
    }
}
