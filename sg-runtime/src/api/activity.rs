//! The activity stream: `activity_stream_read` (sent as `activity_stream`). Wire shapes in
//! `sg_api3::methods::activity`; the local site's side in `sg-localsite/src/api/activity.rs`.

use crate::client::Client;
use crate::error::Result;
use crate::records::parse_records;
use serde_json::Value;
use sg_api3::methods::activity::ActivityStreamParams;
use sg_api3::methods::ActivityStream;
use std::collections::BTreeMap;

impl Client {
    /// The activity stream of a record, newest first: `{"entity_type", "entity_id",
    /// "latest_update_id", "earliest_update_id", "updates": [{id, update_type, meta,
    /// created_at, created_by, primary_entity, ...}]}`, between `min_id` and `max_id`, at most
    /// `limit` updates, with `entity_fields` more fields of the entities named (sent as
    /// `activity_stream`). The official client's `activity_stream_read`.
    pub fn activity_stream_read(
        &self,
        entity_type: &str,
        entity_id: i64,
        entity_fields: &BTreeMap<String, Vec<String>>,
        min_id: Option<i64>,
        max_id: Option<i64>,
        limit: Option<usize>,
    ) -> Result<Value> {
        let mut r = self.call_method::<ActivityStream>(ActivityStreamParams {
            entity_type: entity_type.to_string(),
            id: entity_id,
            max_id,
            min_id,
            limit: limit.map(|l| l as u64),
            entity_fields: entity_fields.clone(),
        })?;
        if let Some(Value::Array(updates)) = r.get_mut("updates") {
            parse_records(updates);
        }
        Ok(r)
    }
}
