//! Schema edits, mirroring the client's `api/schema.rs`: `schema_field_create`,
//! `schema_field_update`, `schema_field_delete` change the server's schema, so the schema reads,
//! validation and `sg-codegen --check` against the server all see the change.

use super::Call;
use crate::records::{bad, Exception, Records};
use serde_json::{json, Map, Value};
use sg_api3::methods::schema::{
    EntityFields, FieldCreateParams, FieldDeleteParams, FieldReadParams, FieldUpdateParams,
    ProjectScope, Property, SchemaEntities, SchemaFields,
};
use sg_api3::methods::{
    Handler, SchemaEntityRead, SchemaFieldCreate, SchemaFieldDelete, SchemaFieldRead,
    SchemaFieldUpdate, SchemaRead,
};
use sg_api3::schema::{Attr, FieldSchema};
use std::collections::BTreeMap;

/// The data types a field can be created with (a site's list, less the system-only ones).
const CREATABLE: &[&str] = &[
    "checkbox",
    "currency",
    "date",
    "date_time",
    "duration",
    "entity",
    "float",
    "footage",
    "list",
    "multi_entity",
    "number",
    "percent",
    "status_list",
    "tag_list",
    "text",
    "timecode",
    "url",
    "calculated",
    "serializable",
];

/// `[{property_name, value}]` as a map.
fn properties(props: &[Property]) -> Map<String, Value> {
    props
        .iter()
        .map(|p| (p.property_name.clone(), p.value.clone()))
        .collect()
}

/// Applies `props` to `field`: the display name, the description, and the rest as properties.
fn apply(field: &mut FieldSchema, props: Map<String, Value>) {
    for (k, v) in props {
        match k.as_str() {
            "name" => {
                if let Some(name) = v.as_str() {
                    field.name.value = name.to_string();
                }
            }
            "description" => {
                field.description = Some(Attr {
                    value: v.as_str().map(str::to_owned),
                    editable: Some(true),
                })
            }
            _ => {
                field
                    .properties
                    .insert(k, json!({"value": v, "editable": true}));
            }
        }
    }
}

/// The wire name a site gives a new field: `sg_` and its display name in snake case.
fn wire_name(display: &str) -> String {
    let mut out = String::from("sg_");
    let mut gap = false;
    for c in display.trim().chars() {
        if c.is_ascii_alphanumeric() {
            if gap && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            gap = false;
        } else {
            gap = true;
        }
    }
    out
}

impl Records {
    pub(crate) fn schema_field_read(&self, p: &FieldReadParams) -> Result<EntityFields, Exception> {
        let m = "schema_field_read";
        let entity_type = p.entity_type.as_str();
        let es = self.entity(m, entity_type)?;
        Ok(match p.field_name.as_deref() {
            Some(f) => {
                let fs = self.field(m, entity_type, f)?;
                BTreeMap::from([(f.to_string(), fs.clone())])
            }
            None => es.fields.clone(),
        })
    }

    pub(crate) fn schema_field_create(
        &mut self,
        p: &FieldCreateParams,
    ) -> Result<String, Exception> {
        let m = "schema_field_create";
        let entity_type = p.entity_type.clone();
        let data_type = p.data_type.clone();
        self.entity(m, &entity_type)?;
        if !CREATABLE.contains(&data_type.as_str()) {
            return Err(bad(format!(
                "API {m}(): data type '{data_type}' cannot be created; one of: {}",
                CREATABLE.join(", ")
            )));
        }
        let props = properties(&p.properties);
        let display = props
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let mut name = wire_name(&display);
        if name == "sg_" {
            return Err(bad(format!("API {m}(): the field needs a display name")));
        }
        let es = &self.schema().entities[&entity_type];
        // A site numbers a name already taken.
        let base = name.clone();
        let mut n = 1;
        while es.fields.contains_key(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        let mut field = FieldSchema {
            data_type: Attr {
                value: data_type,
                editable: Some(false),
            },
            name: Attr {
                value: display,
                editable: Some(true),
            },
            editable: Attr {
                value: true,
                editable: Some(false),
            },
            description: None,
            mandatory: Some(Attr {
                value: false,
                editable: Some(false),
            }),
            unique: Some(Attr {
                value: false,
                editable: Some(false),
            }),
            entity_type: Some(Attr {
                value: entity_type.clone(),
                editable: Some(false),
            }),
            properties: Default::default(),
            other: Default::default(),
        };
        apply(&mut field, props);
        self.schema_mut()
            .entities
            .get_mut(&entity_type)
            .expect("checked above")
            .fields
            .insert(name.clone(), field);
        Ok(name)
    }

    pub(crate) fn schema_field_update(&mut self, p: &FieldUpdateParams) -> Result<bool, Exception> {
        let m = "schema_field_update";
        let entity_type = p.entity_type.clone();
        let field_name = p.field_name.clone();
        self.field(m, &entity_type, &field_name)?;
        let props = properties(&p.properties);
        let field = self
            .schema_mut()
            .entities
            .get_mut(&entity_type)
            .and_then(|e| e.fields.get_mut(&field_name))
            .expect("checked above");
        apply(field, props);
        Ok(true)
    }

    pub(crate) fn schema_field_delete(&mut self, p: &FieldDeleteParams) -> Result<bool, Exception> {
        let m = "schema_field_delete";
        let entity_type = p.entity_type.clone();
        let field_name = p.field_name.clone();
        self.field(m, &entity_type, &field_name)?;
        if !field_name.starts_with("sg_") {
            return Err(bad(format!(
                "API {m}(): {entity_type}.{field_name} is a built-in field and cannot be deleted"
            )));
        }
        self.schema_mut()
            .entities
            .get_mut(&entity_type)
            .expect("checked above")
            .fields
            .remove(&field_name);
        // The records lose the field's values, as on a site.
        if let Some(t) = self.tables_mut().get_mut(&entity_type) {
            let ids: Vec<i64> = t.rows.keys().copied().collect();
            for id in ids {
                if let Some(row) = t.rows.get_mut(&id) {
                    row.fields.remove(&field_name);
                }
            }
        }
        Ok(true)
    }
}

impl Handler<SchemaRead> for Call<'_> {
    fn handle(&mut self, _: Option<ProjectScope>) -> Result<SchemaFields, Exception> {
        Ok(self
            .state
            .records
            .schema()
            .entities
            .iter()
            .map(|(t, e)| (t.clone(), e.fields.clone()))
            .collect())
    }
}

impl Handler<SchemaEntityRead> for Call<'_> {
    fn handle(&mut self, _: Option<ProjectScope>) -> Result<SchemaEntities, Exception> {
        Ok(self
            .state
            .records
            .schema()
            .entities
            .iter()
            .map(|(t, e)| (t.clone(), e.attributes.clone()))
            .collect())
    }
}

impl Handler<SchemaFieldRead> for Call<'_> {
    fn handle(&mut self, p: FieldReadParams) -> Result<EntityFields, Exception> {
        self.state.records.schema_field_read(&p)
    }
}

impl Handler<SchemaFieldCreate> for Call<'_> {
    fn handle(&mut self, p: FieldCreateParams) -> Result<String, Exception> {
        self.state.records.schema_field_create(&p)
    }
}

impl Handler<SchemaFieldUpdate> for Call<'_> {
    fn handle(&mut self, p: FieldUpdateParams) -> Result<bool, Exception> {
        self.state.records.schema_field_update(&p)
    }
}

impl Handler<SchemaFieldDelete> for Call<'_> {
    fn handle(&mut self, p: FieldDeleteParams) -> Result<bool, Exception> {
        self.state.records.schema_field_delete(&p)
    }
}
