//! Notes and search: `note_thread_read` (sent as `note_thread_contents`) and `text_search`
//! (sent as `query_display_name_cache`), as the official client sends them.

use crate::client::Client;
use crate::error::{Error, Result};
use crate::records::parse_records;
use crate::request::Filter;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

impl Client {
    /// A note's thread: the Note, then its Replies and Attachments in the order they were made,
    /// each with the site's default fields plus those named in `entity_fields` (by entity type:
    /// `Note`, `Reply`, `Attachment`). The official client's `note_thread_read`.
    pub fn note_thread_read(
        &self,
        note_id: i64,
        entity_fields: &BTreeMap<String, Vec<String>>,
    ) -> Result<Vec<Value>> {
        let r = self.call(
            "note_thread_contents",
            Some(json!({"note_id": note_id, "entity_fields": entity_fields})),
        )?;
        match r {
            Value::Array(mut items) => {
                parse_records(&mut items);
                Ok(items)
            }
            other => Err(Error::Malformed {
                method: "note_thread_contents".into(),
                entity_type: Some("Note".into()),
                detail: format!("expected the thread's records, got {other}"),
            }),
        }
    }

    /// Searches the display names of records of the given entity types for every word of
    /// `text`, each type within its filter (`None`: all its records), within `project_ids`
    /// (empty: all), at most `limit` matches. Answers `{"matches": [{type, id, name, ...}],
    /// "terms": [...]}`. The official client's `text_search`.
    pub fn text_search(
        &self,
        text: &str,
        entity_types: &BTreeMap<String, Option<Filter>>,
        project_ids: &[i64],
        limit: Option<usize>,
    ) -> Result<Value> {
        if entity_types.is_empty() {
            return Err(Error::InvalidRequest(
                "text_search: name at least one entity type".into(),
            ));
        }
        let types: Map<String, Value> = entity_types
            .iter()
            .map(|(t, f)| {
                let wire = f.as_ref().map_or_else(
                    || json!({"logical_operator": "and", "conditions": []}),
                    Filter::to_wire,
                );
                (t.clone(), wire)
            })
            .collect();
        let mut r = self.call(
            "query_display_name_cache",
            Some(json!({
                "text": text,
                "entity_types": types,
                "project_ids": project_ids,
                "max_results": limit,
            })),
        )?;
        if let Some(Value::Array(matches)) = r.get_mut("matches") {
            parse_records(matches);
        }
        Ok(r)
    }
}
