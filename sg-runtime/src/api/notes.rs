//! Notes and search: `note_thread_read` (sent as `note_thread_contents`) and `text_search`
//! (sent as `query_display_name_cache`), as the official client sends them. Wire shapes in
//! `sg_api3::methods::notes`; the local site's side in `sg-localsite/src/api/notes.rs`.

use crate::client::Client;
use crate::error::{Error, Result};
use crate::records::parse_records;
use crate::request::{filters_of, Filter};
use serde_json::Value;
use sg_api3::methods::notes::{NoteThreadParams, TextSearchParams};
use sg_api3::methods::{NoteThreadContents, QueryDisplayNameCache};
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
        let mut items = self.call_method::<NoteThreadContents>(NoteThreadParams {
            note_id,
            entity_fields: entity_fields.clone(),
        })?;
        parse_records(&mut items);
        Ok(items)
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
        let mut found = self.call_method::<QueryDisplayNameCache>(TextSearchParams {
            text: text.to_string(),
            entity_types: entity_types
                .iter()
                .map(|(t, f)| (t.clone(), filters_of(f.as_ref())))
                .collect(),
            project_ids: project_ids.to_vec(),
            max_results: limit.map(|l| l as u64),
        })?;
        parse_records(&mut found.matches);
        Ok(serde_json::to_value(found).unwrap_or(Value::Null))
    }
}
