//! The one schema model of the workspace.
//!
//! [`Schema`] holds a site's schema exactly as the server gave it: the `schema_entity_read`
//! attributes of each entity type and the `schema_read` definition of each field, with every
//! attribute the server sent (unknown ones included), so that nothing is lost between a live read,
//! a snapshot file and the code generator. Maps are ordered, so everything built from a `Schema`
//! is deterministic.
//!
//! # The snapshot format
//!
//! A snapshot is one pretty-printed JSON file with sorted keys and a trailing newline:
//!
//! ```json
//! {
//!   "entities": { "Shot": { "name": { "editable": false, "value": "Shot" } } },
//!   "fields": { "Shot": { "code": { "data_type": { "editable": false, "value": "text" }, "...": "..." } } },
//!   "format": "sg-schema-snapshot",
//!   "version": 1
//! }
//! ```
//!
//! `entities` is the `results` of `schema_entity_read`, `fields` the `results` of `schema_read`,
//! both untouched. [`Schema::load`] also reads a directory (or either file of a pair) holding raw
//! `schema_read.json` and `schema_entity_read.json`, bare or inside their `{"results": ...}`
//! envelope.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The `format` value of a snapshot file.
pub const SNAPSHOT_FORMAT: &str = "sg-schema-snapshot";
/// The snapshot format version this crate writes and reads.
pub const SNAPSHOT_VERSION: u64 = 1;

/// The bundled demo schema (a snapshot): the standard entities of a studio with fields of every
/// data type. Written by this project.
pub const DEMO_SNAPSHOT: &str = include_str!("../schemas/demo.json");

/// One `{"value": ..., "editable": ...}` attribute, as the server sends every schema attribute.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attr<T> {
    /// The attribute's value.
    pub value: T,
    /// Whether a site admin may edit the attribute (not whether the field is writable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub editable: Option<bool>,
}

/// One field definition from `schema_read`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldSchema {
    /// The data type: `text`, `entity`, `status_list`, ...
    pub data_type: Attr<String>,
    /// The display name.
    pub name: Attr<String>,
    /// Whether the field can be written through the API.
    pub editable: Attr<bool>,
    /// The description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Attr<Option<String>>>,
    /// Whether a value is required on create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mandatory: Option<Attr<bool>>,
    /// Whether values must be unique.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique: Option<Attr<bool>>,
    /// The entity type that owns the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<Attr<String>>,
    /// `properties`: `default_value`, `valid_types`, `valid_values`, `summary_default`, ...
    #[serde(default)]
    pub properties: BTreeMap<String, Value>,
    /// Every other attribute the server sent, kept as is.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

impl FieldSchema {
    /// The data type name.
    pub fn data_type(&self) -> &str {
        &self.data_type.value
    }

    /// The display name.
    pub fn display_name(&self) -> &str {
        &self.name.value
    }

    /// Whether the API may write the field.
    pub fn is_editable(&self) -> bool {
        self.editable.value
    }

    /// The description, if any and not blank.
    pub fn description(&self) -> Option<&str> {
        self.description
            .as_ref()
            .and_then(|d| d.value.as_deref())
            .map(str::trim)
            .filter(|d| !d.is_empty())
    }

    /// The value of a property, unwrapped from its `{"value": ...}` attribute.
    pub fn property(&self, name: &str) -> Option<&Value> {
        let p = self.properties.get(name)?;
        match p {
            Value::Object(o) if o.contains_key("value") => o.get("value"),
            other => Some(other),
        }
    }

    /// `valid_types` of an entity or multi-entity field, as the server lists them.
    pub fn valid_types(&self) -> Vec<String> {
        self.string_list("valid_types")
    }

    /// `valid_values` of a list or status-list field.
    pub fn valid_values(&self) -> Vec<String> {
        self.string_list("valid_values")
    }

    /// `display_values` of a list or status-list field: each value's display name on the site
    /// (`ip` is "In Progress"), where the schema gives them.
    pub fn display_values(&self) -> std::collections::BTreeMap<String, String> {
        match self.property("display_values") {
            Some(Value::Object(m)) => m
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect(),
            _ => Default::default(),
        }
    }

    /// The default value, when it is not `null`.
    pub fn default_value(&self) -> Option<&Value> {
        self.property("default_value").filter(|v| !v.is_null())
    }

    fn string_list(&self, name: &str) -> Vec<String> {
        match self.property(name) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// One entity type: its `schema_entity_read` attributes and its fields.
#[derive(Clone, Debug, PartialEq)]
pub struct EntitySchema {
    /// The attributes from `schema_entity_read` (`name`, `visible`, ...), as sent.
    pub attributes: BTreeMap<String, Value>,
    /// The fields by wire name.
    pub fields: BTreeMap<String, FieldSchema>,
}

impl EntitySchema {
    /// The display name, if the server gave one.
    pub fn display_name(&self) -> Option<&str> {
        match self.attributes.get("name")? {
            Value::Object(o) => o.get("value")?.as_str(),
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

/// A site's schema.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schema {
    /// Entity types by type name.
    pub entities: BTreeMap<String, EntitySchema>,
}

/// A schema that could not be read: which file, where in the JSON, and why.
#[derive(Debug, thiserror::Error)]
#[error("{}{}: {message}", .file.as_ref().map(|f| f.display().to_string()).unwrap_or_else(|| "schema".into()), .json_path.as_ref().map(|p| format!(" at `{p}`")).unwrap_or_default())]
pub struct SchemaError {
    /// The file, when the schema came from one.
    pub file: Option<PathBuf>,
    /// The JSON path of the fault, when known.
    pub json_path: Option<String>,
    /// What was wrong.
    pub message: String,
}

impl SchemaError {
    fn new(
        file: Option<&Path>,
        json_path: Option<String>,
        message: impl Into<String>,
    ) -> SchemaError {
        SchemaError {
            file: file.map(Path::to_path_buf),
            json_path,
            message: message.into(),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct SnapshotFile {
    format: String,
    version: u64,
    entities: BTreeMap<String, BTreeMap<String, Value>>,
    fields: BTreeMap<String, BTreeMap<String, FieldSchema>>,
}

fn deserialize_at<T: serde::de::DeserializeOwned>(
    v: Value,
    file: Option<&Path>,
    prefix: &str,
) -> Result<T, SchemaError> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let inner = e.path().to_string();
        let path = match (prefix.is_empty(), inner.as_str()) {
            (true, p) => p.to_string(),
            (false, ".") => prefix.to_string(),
            (false, p) => format!("{prefix}.{p}"),
        };
        SchemaError::new(file, Some(path), e.into_inner().to_string())
    })
}

fn parse_json(text: &str, file: Option<&Path>) -> Result<Value, SchemaError> {
    serde_json::from_str(text).map_err(|e| {
        SchemaError::new(
            file,
            None,
            format!(
                "malformed JSON at line {} column {}: {e}",
                e.line(),
                e.column()
            ),
        )
    })
}

/// An api3 answer's `{"results": ...}`, for reading a saved answer straight from its text.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Results<T> {
    results: T,
}

/// `text` read straight into `T` (one pass, no `Value` tree), as a bare value or in
/// `{"results": ...}`; `None` when it does not read, and the caller words the error.
fn read_direct<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_str::<Results<T>>(text)
        .map(|r| r.results)
        .or_else(|_| serde_json::from_str(text))
        .ok()
}

/// Takes `results` out of an api3 envelope, or the value itself when it is bare.
fn unwrap_results(v: Value) -> Value {
    match v {
        Value::Object(mut o) if o.len() == 1 && o.contains_key("results") => {
            o.remove("results").unwrap_or(Value::Null)
        }
        other => other,
    }
}

impl Schema {
    /// Builds a schema from the `results` of `schema_entity_read` and `schema_read`.
    pub fn from_parts(entity_read: Value, schema_read: Value) -> Result<Schema, SchemaError> {
        Self::from_parts_in(entity_read, schema_read, None, None)
    }

    fn from_parts_in(
        entity_read: Value,
        schema_read: Value,
        entity_file: Option<&Path>,
        fields_file: Option<&Path>,
    ) -> Result<Schema, SchemaError> {
        let entities: BTreeMap<String, BTreeMap<String, Value>> =
            deserialize_at(unwrap_results(entity_read), entity_file, "")?;
        let fields: BTreeMap<String, BTreeMap<String, FieldSchema>> =
            deserialize_at(unwrap_results(schema_read), fields_file, "")?;
        Self::assemble(entities, fields, fields_file)
    }

    fn assemble(
        mut entities: BTreeMap<String, BTreeMap<String, Value>>,
        fields: BTreeMap<String, BTreeMap<String, FieldSchema>>,
        file: Option<&Path>,
    ) -> Result<Schema, SchemaError> {
        if fields.is_empty() {
            return Err(SchemaError::new(
                file,
                None,
                "the schema has no entity types",
            ));
        }
        let entities = fields
            .into_iter()
            .map(|(name, fields)| {
                let attributes = entities.remove(&name).unwrap_or_default();
                (name, EntitySchema { attributes, fields })
            })
            .collect();
        Ok(Schema { entities })
    }

    /// Reads a snapshot from its JSON text.
    pub fn from_snapshot_str(text: &str) -> Result<Schema, SchemaError> {
        Self::snapshot_from_text(text, None)
    }

    /// A snapshot read straight from its text; one that does not read is read again through a
    /// `Value` tree, which words what is wrong and where.
    fn snapshot_from_text(text: &str, file: Option<&Path>) -> Result<Schema, SchemaError> {
        match serde_json::from_str::<SnapshotFile>(text) {
            Ok(snap) if snap.format == SNAPSHOT_FORMAT && snap.version == SNAPSHOT_VERSION => {
                Self::assemble(snap.entities, snap.fields, file)
            }
            _ => Self::snapshot_from_value(parse_json(text, file)?, file),
        }
    }

    fn snapshot_from_value(v: Value, file: Option<&Path>) -> Result<Schema, SchemaError> {
        let format = v.get("format").and_then(Value::as_str);
        if format != Some(SNAPSHOT_FORMAT) {
            return Err(SchemaError::new(
                file,
                Some("format".into()),
                format!("not a schema snapshot: expected \"format\": \"{SNAPSHOT_FORMAT}\""),
            ));
        }
        match v.get("version").and_then(Value::as_u64) {
            Some(SNAPSHOT_VERSION) => {}
            other => {
                return Err(SchemaError::new(
                    file,
                    Some("version".into()),
                    format!("unsupported snapshot version {other:?}; this build reads version {SNAPSHOT_VERSION}"),
                ))
            }
        }
        let snap: SnapshotFile = deserialize_at(v, file, "")?;
        Self::assemble(snap.entities, snap.fields, file)
    }

    /// The bundled demo schema.
    pub fn demo() -> Schema {
        Self::from_snapshot_str(DEMO_SNAPSHOT).expect("the bundled demo snapshot is valid")
    }

    /// Reads a schema from `path`: a snapshot file, a directory holding `schema_read.json` and
    /// `schema_entity_read.json`, or either file of such a pair.
    pub fn load(path: &Path) -> Result<Schema, SchemaError> {
        let meta = std::fs::metadata(path)
            .map_err(|e| SchemaError::new(Some(path), None, format!("cannot read: {e}")))?;
        let pair_dir = if meta.is_dir() {
            Some(path.to_path_buf())
        } else {
            match path.file_name().and_then(|n| n.to_str()) {
                Some("schema_read.json" | "schema_entity_read.json") => {
                    path.parent().map(Path::to_path_buf)
                }
                _ => None,
            }
        };
        match pair_dir {
            Some(dir) => {
                let fields_file = dir.join("schema_read.json");
                let entity_file = dir.join("schema_entity_read.json");
                let (fields_text, entity_text) =
                    (read_text(&fields_file)?, read_text(&entity_file)?);
                // Straight from the text when both read; else through `Value`, for the error.
                if let (Some(fields), Some(entities)) =
                    (read_direct(&fields_text), read_direct(&entity_text))
                {
                    return Self::assemble(entities, fields, Some(&fields_file));
                }
                let fields = parse_json(&fields_text, Some(&fields_file))?;
                let entities = parse_json(&entity_text, Some(&entity_file))?;
                Self::from_parts_in(entities, fields, Some(&entity_file), Some(&fields_file))
            }
            None => Self::snapshot_from_text(&read_text(path)?, Some(path)),
        }
    }

    /// The snapshot text of this schema: pretty JSON, sorted keys, trailing newline.
    pub fn to_snapshot_string(&self) -> String {
        let snap = SnapshotFile {
            format: SNAPSHOT_FORMAT.into(),
            version: SNAPSHOT_VERSION,
            entities: self
                .entities
                .iter()
                .map(|(k, e)| (k.clone(), e.attributes.clone()))
                .collect(),
            fields: self
                .entities
                .iter()
                .map(|(k, e)| (k.clone(), e.fields.clone()))
                .collect(),
        };
        // Through `Value` so that every object's keys come out sorted.
        let v = serde_json::to_value(&snap).expect("a schema is always valid JSON");
        let mut s = serde_json::to_string_pretty(&v).expect("a Value always serialises");
        s.push('\n');
        s
    }

    /// `schema_read` results: entity type -> field name -> definition.
    pub fn schema_read_value(&self) -> Value {
        serde_json::to_value(
            self.entities
                .iter()
                .map(|(k, e)| (k, &e.fields))
                .collect::<BTreeMap<_, _>>(),
        )
        .expect("a schema is always valid JSON")
    }

    /// `schema_entity_read` results: entity type -> attributes.
    pub fn schema_entity_read_value(&self) -> Value {
        serde_json::to_value(
            self.entities
                .iter()
                .map(|(k, e)| (k, &e.attributes))
                .collect::<BTreeMap<_, _>>(),
        )
        .expect("a schema is always valid JSON")
    }

    /// The field `entity_type.field`, if both exist.
    pub fn field(&self, entity_type: &str, field: &str) -> Option<&FieldSchema> {
        self.entities.get(entity_type)?.fields.get(field)
    }

    /// The number of fields over all entity types.
    pub fn field_count(&self) -> usize {
        self.entities.values().map(|e| e.fields.len()).sum()
    }
}

fn read_text(path: &Path) -> Result<String, SchemaError> {
    std::fs::read_to_string(path)
        .map_err(|e| SchemaError::new(Some(path), None, format!("cannot read: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn read_straight_from_the_text_equals_read_through_value() {
        let through_value = |text: &str| {
            Schema::snapshot_from_value(parse_json(text, None).unwrap(), None).unwrap()
        };
        assert!(
            serde_json::from_str::<SnapshotFile>(DEMO_SNAPSHOT).is_ok(),
            "read straight"
        );
        assert_eq!(Schema::demo(), through_value(DEMO_SNAPSHOT));
        // A pair of saved answers, one in `{"results": ...}` and one bare.
        let snap: Value = serde_json::from_str(DEMO_SNAPSHOT).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let fields = json!({ "results": snap["fields"] });
        type Fields = BTreeMap<String, BTreeMap<String, FieldSchema>>;
        assert!(
            read_direct::<Fields>(&fields.to_string()).is_some(),
            "read straight"
        );
        let entities = snap["entities"].to_string();
        assert!(read_direct::<BTreeMap<String, BTreeMap<String, Value>>>(&entities).is_some());
        std::fs::write(dir.join("schema_read.json"), fields.to_string()).unwrap();
        std::fs::write(
            dir.join("schema_entity_read.json"),
            snap["entities"].to_string(),
        )
        .unwrap();
        let loaded = Schema::load(dir).unwrap();
        let parts = Schema::from_parts(snap["entities"].clone(), fields).unwrap();
        assert_eq!(loaded, parts);
        assert_eq!(loaded, Schema::demo());
    }

    #[test]
    fn demo_snapshot_round_trips_byte_for_byte() {
        let s = Schema::demo();
        assert_eq!(s.to_snapshot_string(), DEMO_SNAPSHOT);
    }

    #[test]
    fn unknown_attributes_survive() {
        let field = json!({
            "data_type": {"value": "text", "editable": false},
            "name": {"value": "Code", "editable": true},
            "editable": {"value": true, "editable": false},
            "ui_value_displayable": {"value": true, "editable": false},
            "properties": {"regex_validation": {"value": "", "editable": true}}
        });
        let s = Schema::from_parts(
            json!({"Shot": {"name": {"value": "Shot"}}}),
            json!({"Shot": {"code": field.clone()}}),
        )
        .unwrap();
        let back = &s.schema_read_value()["Shot"]["code"];
        assert_eq!(back, &field);
    }

    #[test]
    fn errors_name_the_json_path() {
        let e = Schema::from_parts(
            json!({}),
            json!({"Shot": {"code": {"data_type": {"value": 3}, "name": {"value": "Code"}, "editable": {"value": true}}}}),
        )
        .unwrap_err();
        assert_eq!(
            e.json_path.as_deref(),
            Some("Shot.code.data_type.value"),
            "{e}"
        );
        let e = Schema::from_snapshot_str("{\"format\": \"other\"}").unwrap_err();
        assert!(e.to_string().contains("not a schema snapshot"), "{e}");
        let e = Schema::from_parts(json!({}), json!({})).unwrap_err();
        assert!(e.to_string().contains("no entity types"), "{e}");
    }
}
