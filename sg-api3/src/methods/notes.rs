//! Note threads (`note_thread_contents`) and text search (`query_display_name_cache`).

use super::read::Filters;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// `note_thread_contents`'s params (the official client's `note_thread_read`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteThreadParams {
    /// The Note.
    pub note_id: i64,
    /// More fields by entity type (`Note`, `Reply`, `Attachment`).
    #[serde(default)]
    pub entity_fields: BTreeMap<String, Vec<String>>,
}

/// `query_display_name_cache`'s params (the official client's `text_search`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TextSearchParams {
    /// The words searched for.
    pub text: String,
    /// The entity types searched, each within its filter.
    pub entity_types: BTreeMap<String, Filters>,
    /// The projects searched (all when empty).
    #[serde(default)]
    pub project_ids: Vec<i64>,
    /// At most this many matches.
    #[serde(default)]
    pub max_results: Option<u64>,
}

/// `query_display_name_cache`'s answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TextSearchAnswer {
    /// The records found: `{type, id, name, ...}`.
    pub matches: Vec<Value>,
    /// The words searched for, as the site split them.
    #[serde(default)]
    pub terms: Vec<Value>,
}
