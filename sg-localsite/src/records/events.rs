//! The site's event log: `EventLogEntry` records written for every create, update (one per
//! field), delete and revive, the way a site writes them for event daemons, with ids that can be
//! made to commit out of order (a site's do: a later id can be readable before an earlier one).

use crate::records::{now_wire, Records, Row};
use serde_json::{json, Map, Value};

/// How event ids commit: in order, or every `every`-th event held back until `later` more
/// events have been written (or [`crate::LocalSite::commit_events`] is called).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventCommits {
    /// Hold back one event in this many (0: none).
    pub every: u32,
    /// For how many later events.
    pub later: u32,
}

/// The event log's state: events written but not yet readable.
#[derive(Clone, Debug, Default)]
pub(crate) struct EventLog {
    pub(crate) commits: EventCommits,
    written: u64,
    /// (id, record, events still to be written before it commits)
    held: Vec<(i64, Map<String, Value>, u32)>,
}

const EVENTS: &str = "EventLogEntry";

impl Records {
    /// Writes the event `kind` (`New`, `Change`, `Retirement`, `Revival`) of `entity_type` #`id`
    /// with its `meta`, when the schema has an event log (and the record is not an event).
    pub(crate) fn log_event(&mut self, entity_type: &str, id: i64, kind: &str, meta: Value) {
        if entity_type == EVENTS || !self.schema.entities.contains_key(EVENTS) {
            return;
        }
        let row = self.row(entity_type, id).map(|r| r.fields.clone());
        let project = row
            .as_ref()
            .and_then(|r| r.get("project"))
            .filter(|p| p.is_object())
            .cloned()
            .unwrap_or(Value::Null);
        let attribute = meta.get("attribute_name").cloned().unwrap_or(Value::Null);
        let mut fields = Map::new();
        let mut put = |name: &str, v: Value| {
            if self.schema.field(EVENTS, name).is_some() {
                fields.insert(name.to_string(), v);
            }
        };
        put("event_type", format!("Shotgun_{entity_type}_{kind}").into());
        put("entity", json!({"type": entity_type, "id": id}));
        put("attribute_name", attribute);
        put("project", project);
        put("created_at", now_wire().into());
        put(
            "description",
            format!("{entity_type} #{id}: {}", kind.to_lowercase()).into(),
        );
        put("meta", meta);
        let (tables, log) = self.tables_and_events_mut();
        let table = tables.entry(EVENTS.into()).or_default();
        let event_id = table.next_id.max(1);
        table.next_id = event_id + 1;
        fields.insert("id".into(), event_id.into());

        // Events held back commit once enough later ones are written.
        log.written += 1;
        for h in &mut log.held {
            h.2 = h.2.saturating_sub(1);
        }
        let hold = log.commits.every > 0 && log.written % u64::from(log.commits.every) == 0;
        if hold {
            log.held.push((event_id, fields, log.commits.later.max(1)));
        } else {
            table.rows.insert(
                event_id,
                Row {
                    fields,
                    retired: false,
                },
            );
        }
        let (ready, still): (Vec<_>, Vec<_>) = std::mem::take(&mut log.held)
            .into_iter()
            .partition(|h| h.2 == 0);
        log.held = still;
        for (event_id, fields, _) in ready {
            table.rows.insert(
                event_id,
                Row {
                    fields,
                    retired: false,
                },
            );
        }
    }

    /// Makes every held-back event readable.
    pub(crate) fn commit_events(&mut self) {
        let (tables, log) = self.tables_and_events_mut();
        let held = std::mem::take(&mut log.held);
        let table = tables.entry(EVENTS.into()).or_default();
        for (event_id, fields, _) in held {
            table.rows.insert(
                event_id,
                Row {
                    fields,
                    retired: false,
                },
            );
        }
    }

    /// The event of a field change: `old_value`/`new_value`, or for a multi-entity field the
    /// links `added` and `removed`.
    pub(crate) fn change_meta(
        &self,
        entity_type: &str,
        id: i64,
        field: &str,
        old: &Value,
        new: &Value,
        in_create: bool,
    ) -> Value {
        let data_type = self
            .schema
            .field(entity_type, field)
            .map(|f| f.data_type().to_string())
            .unwrap_or_default();
        let mut meta = json!({
            "type": "attribute_change",
            "entity_type": entity_type,
            "entity_id": id,
            "attribute_name": field,
            "field_data_type": data_type,
            "in_create": in_create,
        });
        if data_type == "multi_entity" {
            let key = |v: &Value| (v["type"].as_str().map(str::to_owned), v["id"].as_i64());
            let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
            let (old, new) = (list(old), list(new));
            let added: Vec<Value> = new
                .iter()
                .filter(|n| !old.iter().any(|o| key(o) == key(n)))
                .map(|v| self.link_out(v))
                .collect();
            let removed: Vec<Value> = old
                .iter()
                .filter(|o| !new.iter().any(|n| key(o) == key(n)))
                .map(|v| self.link_out(v))
                .collect();
            meta["old_value"] = Value::Null;
            meta["new_value"] = Value::Null;
            meta["added"] = added.into();
            meta["removed"] = removed.into();
        } else {
            meta["old_value"] = self.value_out(&data_type, old);
            meta["new_value"] = self.value_out(&data_type, new);
        }
        meta
    }
}
