//! The schema: `schema_read`, `schema_entity_read`, `schema_field_read`, and the field edits
//! `schema_field_create`, `schema_field_update`, `schema_field_delete`.

use crate::client::Client;
use crate::error::{Error, Result};
use crate::value::EntityRef;
use serde_json::{json, Map, Value};
use sg_api3::schema::Schema;

impl Client {
    /// The site's whole schema in the schema model: `schema_entity_read`, then `schema_read`.
    /// (A site whose schema is too large for one `schema_read` can be read a type at a time
    /// with [`Client::schema_field_read`] and [`Schema::from_parts`], as `sg-codegen
    /// --per-entity` does.)
    pub fn schema(&self) -> Result<Schema> {
        let entities = self.schema_entity_read(None)?;
        let fields = self.schema_read(None)?;
        Schema::from_parts(entities, fields).map_err(|e| Error::Malformed {
            method: "schema_read".into(),
            entity_type: None,
            detail: e.to_string(),
        })
    }

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

    /// `schema_field_create`: adds a field of `data_type` (`text`, `list`, `entity`, ...) named
    /// `display_name` to `entity_type`, with more `properties` (`description`, `valid_values`,
    /// `valid_types`, `default_value`, ...). Returns the new field's wire name, which the site
    /// makes from the display name (`Review Notes` -> `sg_review_notes`). The official client's
    /// `schema_field_create`.
    pub fn schema_field_create(
        &self,
        entity_type: &str,
        data_type: &str,
        display_name: &str,
        properties: &Map<String, Value>,
    ) -> Result<String> {
        let mut props = vec![json!({"property_name": "name", "value": display_name})];
        props.extend(
            properties
                .iter()
                .map(|(k, v)| json!({"property_name": k, "value": v})),
        );
        let r = self.call(
            "schema_field_create",
            Some(json!({"type": entity_type, "data_type": data_type, "properties": props})),
        )?;
        r.as_str()
            .map(str::to_owned)
            .ok_or_else(|| Error::Malformed {
                method: "schema_field_create".into(),
                entity_type: Some(entity_type.into()),
                detail: format!("expected the new field's name, got {r}"),
            })
    }

    /// `schema_field_update`: changes `properties` of a field (`name` for the display name,
    /// `description`, `valid_values`, ...), for the whole site or, with `project`, for that
    /// project's view of the schema. The official client's `schema_field_update`.
    pub fn schema_field_update(
        &self,
        entity_type: &str,
        field_name: &str,
        properties: &Map<String, Value>,
        project: Option<&EntityRef>,
    ) -> Result<bool> {
        let mut p = json!({
            "type": entity_type,
            "field_name": field_name,
            "properties": properties
                .iter()
                .map(|(k, v)| json!({"property_name": k, "value": v}))
                .collect::<Vec<_>>(),
        });
        if let Some(project) = project {
            p["project"] = json!({"type": project.entity_type, "id": project.id});
        }
        Ok(self
            .call("schema_field_update", Some(p))?
            .as_bool()
            .unwrap_or(false))
    }

    /// `schema_field_delete`: retires a custom field (and its values). The official client's
    /// `schema_field_delete`.
    pub fn schema_field_delete(&self, entity_type: &str, field_name: &str) -> Result<bool> {
        let r = self.call(
            "schema_field_delete",
            Some(json!({"type": entity_type, "field_name": field_name})),
        )?;
        Ok(r.as_bool().unwrap_or(false))
    }
}

fn project_params(project: Option<&EntityRef>) -> Option<Value> {
    project.map(|p| json!({"project": {"type": p.entity_type, "id": p.id}}))
}
