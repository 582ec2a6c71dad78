//! Schema edits, mirroring the client's `api/schema.rs`: `schema_field_create`,
//! `schema_field_update`, `schema_field_delete` change the server's schema, so the schema reads,
//! validation and `sg-codegen --check` against the server all see the change.

use crate::store::{bad, str_param, ApiError, Store};
use serde_json::{json, Map, Value};
use sg_api3::schema::{Attr, FieldSchema};
use std::collections::BTreeMap;
use std::sync::Arc;

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
fn properties(p: &Value, method: &str) -> Result<Map<String, Value>, ApiError> {
    let mut out = Map::new();
    for item in p
        .get("properties")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = item
            .get("property_name")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                bad(format!(
                    "API {method}(): each property needs a `property_name`"
                ))
            })?;
        out.insert(
            name.to_string(),
            item.get("value").cloned().unwrap_or(Value::Null),
        );
    }
    Ok(out)
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

impl Store {
    pub(crate) fn schema_field_read(&self, p: &Value) -> Result<Value, ApiError> {
        let m = "schema_field_read";
        let entity_type = str_param(p, "type", m)?;
        let es = self.entity(m, entity_type)?;
        let fields = match p.get("field_name").and_then(Value::as_str) {
            Some(f) => {
                let fs = self.field(m, entity_type, f)?;
                BTreeMap::from([(f, fs)])
            }
            None => es.fields.iter().map(|(k, v)| (k.as_str(), v)).collect(),
        };
        Ok(serde_json::to_value(fields).unwrap_or(Value::Null))
    }

    pub(crate) fn schema_field_create(&mut self, p: &Value) -> Result<Value, ApiError> {
        let m = "schema_field_create";
        let entity_type = str_param(p, "type", m)?.to_string();
        let data_type = str_param(p, "data_type", m)?.to_string();
        self.entity(m, &entity_type)?;
        if !CREATABLE.contains(&data_type.as_str()) {
            return Err(bad(format!(
                "API {m}(): data type '{data_type}' cannot be created; one of: {}",
                CREATABLE.join(", ")
            )));
        }
        let props = properties(p, m)?;
        let display = props
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let mut name = wire_name(&display);
        if name == "sg_" {
            return Err(bad(format!("API {m}(): the field needs a display name")));
        }
        let es = &self.schema.entities[&entity_type];
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
        Arc::make_mut(&mut self.schema)
            .entities
            .get_mut(&entity_type)
            .expect("checked above")
            .fields
            .insert(name.clone(), field);
        Ok(Value::String(name))
    }

    pub(crate) fn schema_field_update(&mut self, p: &Value) -> Result<Value, ApiError> {
        let m = "schema_field_update";
        let entity_type = str_param(p, "type", m)?.to_string();
        let field_name = str_param(p, "field_name", m)?.to_string();
        self.field(m, &entity_type, &field_name)?;
        let props = properties(p, m)?;
        let field = Arc::make_mut(&mut self.schema)
            .entities
            .get_mut(&entity_type)
            .and_then(|e| e.fields.get_mut(&field_name))
            .expect("checked above");
        apply(field, props);
        Ok(Value::Bool(true))
    }

    pub(crate) fn schema_field_delete(&mut self, p: &Value) -> Result<Value, ApiError> {
        let m = "schema_field_delete";
        let entity_type = str_param(p, "type", m)?.to_string();
        let field_name = str_param(p, "field_name", m)?.to_string();
        self.field(m, &entity_type, &field_name)?;
        if !field_name.starts_with("sg_") {
            return Err(bad(format!(
                "API {m}(): {entity_type}.{field_name} is a built-in field and cannot be deleted"
            )));
        }
        Arc::make_mut(&mut self.schema)
            .entities
            .get_mut(&entity_type)
            .expect("checked above")
            .fields
            .remove(&field_name);
        // The records lose the field's values, as on a site.
        if let Some(t) = self.tables.get_mut(&entity_type) {
            for row in t.rows.values_mut() {
                row.fields.remove(&field_name);
            }
        }
        Ok(Value::Bool(true))
    }
}
