//! The schema: `schema_read`, `schema_entity_read`, `schema_field_read`, and the field edits
//! `schema_field_create`, `schema_field_update`, `schema_field_delete`.

use crate::client::Client;
use crate::error::Result;
use crate::value::EntityRef;
use serde_json::{json, Map, Value};

impl Client {
    /// `schema_read`: every field of every entity type (for `project`'s view of the schema).
    pub fn schema_read(&self, project: Option<&EntityRef>) -> Result<Value> {
        self.call("schema_read", project_params(project))
    }

    /// `schema_entity_read`: every entity type with its display name.
    pub fn schema_entity_read(&self, project: Option<&EntityRef>) -> Result<Value> {
        self.call("schema_entity_read", project_params(project))
    }

    /// `schema_field_read`: the fields of `entity_type`, or only `field`.
    pub fn schema_field_read(
        &self,
        entity_type: &str,
        field: Option<&str>,
        project: Option<&EntityRef>,
    ) -> Result<Value> {
        let mut p = Map::new();
        p.insert("type".into(), entity_type.into());
        if let Some(f) = field {
            p.insert("field_name".into(), f.into());
        }
        if let Some(project) = project {
            p.insert(
                "project".into(),
                json!({"type": project.entity_type, "id": project.id}),
            );
        }
        self.call("schema_field_read", Some(Value::Object(p)))
    }
}

fn project_params(project: Option<&EntityRef>) -> Option<Value> {
    project.map(|p| json!({"project": {"type": p.entity_type, "id": p.id}}))
}
