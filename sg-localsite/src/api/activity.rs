//! The activity stream, mirroring the client's `activity_stream_read` (sent as
//! `activity_stream`): what happened to a record (created, fields changed, replies to its
//! notes), newest first, as a site's web page shows it.

use super::Call;
use crate::records::{bad, Exception, Records};
use serde_json::{json, Value};
use sg_api3::methods::activity::ActivityStreamParams;
use sg_api3::methods::{ActivityStream, Handler};

impl Records {
    /// Appends an activity update of `entity_type` #`id`. Replies also count on their note, and
    /// new notes on the records they are linked to.
    pub(crate) fn record_activity(
        &mut self,
        entity_type: &str,
        id: i64,
        update_type: &str,
        meta: Value,
    ) {
        let now = chrono::Utc::now()
            .format("%Y-%m-%d %H:%M:%S UTC")
            .to_string();
        let mut primaries = vec![json!({"type": entity_type, "id": id})];
        let row = self
            .row(entity_type, id)
            .map(|r| r.fields.clone())
            .unwrap_or_default();
        let mut kind = update_type.to_string();
        if update_type == "create" && entity_type == "Reply" {
            if let Some(note) = row.get("entity").filter(|v| v.is_object()) {
                primaries = vec![json!({"type": note["type"], "id": note["id"]})];
                kind = "create_reply".into();
            }
        }
        if update_type == "create" && entity_type == "Note" {
            for link in row
                .get("note_links")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                primaries.push(json!({"type": link["type"], "id": link["id"]}));
            }
        }
        for primary in primaries {
            let n = self.activity.len() as i64 + 1;
            self.activity.push_back(json!({
                "id": n,
                "update_type": kind,
                "meta": meta.clone(),
                "created_at": now,
                "created_by": null,
                "read": false,
                "primary_entity": primary,
                "subject": {"type": entity_type, "id": id},
            }));
        }
    }

    pub(crate) fn activity_stream(&self, p: &ActivityStreamParams) -> Result<Value, Exception> {
        let m = "activity_stream";
        let entity_type = p.entity_type.as_str();
        let id = p.id;
        if !self.is_live(entity_type, id) {
            return Err(bad(format!(
                "API {m}(): {entity_type} #{id} does not exist"
            )));
        }
        let (min, max) = (p.min_id, p.max_id);
        let limit = p.limit.unwrap_or(25) as usize;
        let updates: Vec<Value> = self
            .activity
            .iter()
            .rev()
            .filter(|u| u["primary_entity"] == json!({"type": entity_type, "id": id}))
            .filter(|u| {
                let n = u["id"].as_i64().unwrap_or(0);
                min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m)
            })
            .take(limit)
            .map(|u| {
                let mut u = u.clone();
                for k in ["primary_entity", "subject"] {
                    u[k] = self.link_out(&u[k]);
                }
                u
            })
            .collect();
        let ids: Vec<i64> = updates.iter().filter_map(|u| u["id"].as_i64()).collect();
        Ok(json!({
            "entity_type": entity_type,
            "entity_id": id,
            "latest_update_id": ids.first(),
            "earliest_update_id": ids.last(),
            "updates": updates,
        }))
    }
}

impl Handler<ActivityStream> for Call<'_> {
    fn handle(&mut self, p: ActivityStreamParams) -> Result<Value, Exception> {
        self.state.records.activity_stream(&p)
    }
}
