//! The schema: `schema_read`, `schema_entity_read`, `schema_field_read`, and the field edits
//! `schema_field_create`, `schema_field_update`, `schema_field_delete`. Wire shapes in
//! `sg_api3::methods::schema`; the local site's side in `sg-localsite/src/api/schema.rs`.

use crate::client::Client;
use crate::error::{Error, Result};
use crate::value::EntityRef;
use serde_json::{json, Map, Value};
use sg_api3::methods::schema::{
    FieldCreateParams, FieldDeleteParams, FieldReadParams, FieldUpdateParams, ProjectScope,
    Property,
};
use sg_api3::methods::{
    SchemaEntityRead, SchemaFieldCreate, SchemaFieldDelete, SchemaFieldRead, SchemaFieldUpdate,
    SchemaRead,
};
use sg_api3::schema::Schema;

/// A project as the official client sends it: type and id.
fn bare(project: Option<&EntityRef>) -> Option<EntityRef> {
    project.map(|p| EntityRef::new(p.entity_type.clone(), p.id))
}

/// The project scope, sent only when there is a project.
fn scope(project: Option<&EntityRef>) -> Option<ProjectScope> {
    bare(project).map(|project| ProjectScope { project })
}

/// `{property_name, value}` each.
fn properties(props: &Map<String, Value>) -> Vec<Property> {
    props
        .iter()
        .map(|(k, v)| Property {
            property_name: k.clone(),
            value: v.clone(),
        })
        .collect()
}

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
        let fields = self.call_method::<SchemaRead>(scope(project))?;
        Ok(serde_json::to_value(fields).unwrap_or(Value::Null))
    }

    /// `schema_entity_read`: every entity type with its display name.
    pub fn schema_entity_read(&self, project: Option<&EntityRef>) -> Result<Value> {
        let entities = self.call_method::<SchemaEntityRead>(scope(project))?;
        Ok(serde_json::to_value(entities).unwrap_or(Value::Null))
    }

    /// `schema_field_read`: the fields of `entity_type`, or only `field`.
    pub fn schema_field_read(
        &self,
        entity_type: &str,
        field: Option<&str>,
        project: Option<&EntityRef>,
    ) -> Result<Value> {
        let fields = self.call_method::<SchemaFieldRead>(FieldReadParams {
            entity_type: entity_type.to_string(),
            field_name: field.map(str::to_owned),
            project: bare(project),
        })?;
        Ok(serde_json::to_value(fields).unwrap_or(Value::Null))
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
        let mut props = vec![Property {
            property_name: "name".into(),
            value: json!(display_name),
        }];
        props.extend(self::properties(properties));
        self.call_method::<SchemaFieldCreate>(FieldCreateParams {
            entity_type: entity_type.to_string(),
            data_type: data_type.to_string(),
            properties: props,
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
        self.call_method::<SchemaFieldUpdate>(FieldUpdateParams {
            entity_type: entity_type.to_string(),
            field_name: field_name.to_string(),
            properties: self::properties(properties),
            project: bare(project),
        })
    }

    /// `schema_field_delete`: retires a custom field (and its values). The official client's
    /// `schema_field_delete`.
    pub fn schema_field_delete(&self, entity_type: &str, field_name: &str) -> Result<bool> {
        self.call_method::<SchemaFieldDelete>(FieldDeleteParams {
            entity_type: entity_type.to_string(),
            field_name: field_name.to_string(),
        })
    }
}
