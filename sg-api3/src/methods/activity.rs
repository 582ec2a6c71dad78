//! The activity stream: `activity_stream` (the official client's `activity_stream_read`).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `activity_stream`'s params.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityStreamParams {
    /// The entity type.
    #[serde(rename = "type")]
    pub entity_type: String,
    /// The record.
    pub id: i64,
    /// Updates up to this id.
    #[serde(default)]
    pub max_id: Option<i64>,
    /// Updates from this id.
    #[serde(default)]
    pub min_id: Option<i64>,
    /// At most this many updates.
    #[serde(default)]
    pub limit: Option<u64>,
    /// More fields of the entities named, by entity type.
    #[serde(default)]
    pub entity_fields: BTreeMap<String, Vec<String>>,
}
