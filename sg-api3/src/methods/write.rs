//! `create`, `update`, `delete`, `revive` and `batch`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How an update treats a multi-entity field's current list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UpdateMode {
    /// Replace the list.
    Set,
    /// Add these entities to the list.
    Add,
    /// Remove these entities from the list.
    Remove,
}

impl UpdateMode {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            UpdateMode::Set => "set",
            UpdateMode::Add => "add",
            UpdateMode::Remove => "remove",
        }
    }
}

/// One field of a create or update: `{"field_name", "value"}`, with an update's
/// `multi_entity_update_mode`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldValue {
    /// The field's wire name.
    pub field_name: String,
    /// The value (`null` clears the field; for `add`/`remove`, the entities).
    #[serde(default)]
    pub value: Value,
    /// How an update treats a multi-entity field (none: `set`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_entity_update_mode: Option<UpdateMode>,
}

/// `create`'s params.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreateParams {
    /// The entity type.
    #[serde(rename = "type")]
    pub entity_type: String,
    /// The field values.
    pub fields: Vec<FieldValue>,
    /// The fields to return besides `type`, `id` and those set (`["id"]` when none).
    #[serde(default)]
    pub return_fields: Vec<String>,
}

/// `update`'s params.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UpdateParams {
    /// The entity type.
    #[serde(rename = "type")]
    pub entity_type: String,
    /// The record.
    pub id: i64,
    /// The field changes.
    pub fields: Vec<FieldValue>,
}

/// The params of `delete` and `revive`: one record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordParams {
    /// The entity type.
    #[serde(rename = "type")]
    pub entity_type: String,
    /// The record.
    pub id: i64,
}

/// One request of a `batch`, by its `request_type`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "request_type", rename_all = "lowercase")]
pub enum BatchItem {
    /// A `create`.
    Create(CreateParams),
    /// An `update`.
    Update(UpdateParams),
    /// A `delete`.
    Delete(RecordParams),
}
