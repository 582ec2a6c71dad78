//! The schema: `schema_read`, `schema_entity_read`, `schema_field_read`, and the field edits.

use crate::schema::FieldSchema;
use crate::wire::EntityRef;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// A project's view of the schema (the official client sends it only when given one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectScope {
    /// The project.
    pub project: EntityRef,
}

/// `schema_read`'s answer: every field of every entity type, by type and wire name.
pub type SchemaFields = BTreeMap<String, BTreeMap<String, FieldSchema>>;

/// `schema_entity_read`'s answer: every entity type's attributes (`name`, `visible`, ...).
pub type SchemaEntities = BTreeMap<String, BTreeMap<String, Value>>;

/// `schema_field_read`'s answer: the fields by wire name.
pub type EntityFields = BTreeMap<String, FieldSchema>;

/// `schema_field_read`'s params.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldReadParams {
    /// The entity type.
    #[serde(rename = "type")]
    pub entity_type: String,
    /// One field, or all when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_name: Option<String>,
    /// A project's view of the schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<EntityRef>,
}

/// One property of a field edit: `{"property_name", "value"}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Property {
    /// `name` (the display name), `description`, `valid_values`, `valid_types`, ...
    pub property_name: String,
    /// Its value.
    #[serde(default)]
    pub value: Value,
}

/// `schema_field_create`'s params.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldCreateParams {
    /// The entity type.
    #[serde(rename = "type")]
    pub entity_type: String,
    /// The data type (`text`, `list`, `entity`, ...).
    pub data_type: String,
    /// The properties, `name` first.
    #[serde(default)]
    pub properties: Vec<Property>,
}

/// `schema_field_update`'s params.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldUpdateParams {
    /// The entity type.
    #[serde(rename = "type")]
    pub entity_type: String,
    /// The field.
    pub field_name: String,
    /// The properties changed.
    #[serde(default)]
    pub properties: Vec<Property>,
    /// A project's view of the schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<EntityRef>,
}

/// `schema_field_delete`'s params.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDeleteParams {
    /// The entity type.
    #[serde(rename = "type")]
    pub entity_type: String,
    /// The field.
    pub field_name: String,
}
