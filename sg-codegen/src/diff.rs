//! What changed between two schemas, in the terms that change the bindings.

use sg_api3::schema::Schema;
use std::fmt;

/// One difference between two schemas.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SchemaChange {
    /// A new entity type.
    EntityAdded(String),
    /// An entity type that is gone.
    EntityRemoved(String),
    /// A new field.
    FieldAdded {
        /// The entity type.
        entity: String,
        /// The field.
        field: String,
        /// Its data type.
        data_type: String,
    },
    /// A field that is gone.
    FieldRemoved {
        /// The entity type.
        entity: String,
        /// The field.
        field: String,
        /// Its data type.
        data_type: String,
    },
    /// A field whose data type changed.
    FieldRetyped {
        /// The entity type.
        entity: String,
        /// The field.
        field: String,
        /// The old data type.
        from: String,
        /// The new data type.
        to: String,
    },
    /// A field's other definition changed: `valid_types`, `valid_values`, editable.
    FieldChanged {
        /// The entity type.
        entity: String,
        /// The field.
        field: String,
        /// What changed.
        what: String,
    },
}

impl fmt::Display for SchemaChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaChange::EntityAdded(e) => write!(f, "+ entity {e}"),
            SchemaChange::EntityRemoved(e) => write!(f, "- entity {e}"),
            SchemaChange::FieldAdded {
                entity,
                field,
                data_type,
            } => write!(f, "+ field {entity}.{field} ({data_type})"),
            SchemaChange::FieldRemoved {
                entity,
                field,
                data_type,
            } => write!(f, "- field {entity}.{field} ({data_type})"),
            SchemaChange::FieldRetyped {
                entity,
                field,
                from,
                to,
            } => write!(f, "~ field {entity}.{field}: {from} -> {to}"),
            SchemaChange::FieldChanged {
                entity,
                field,
                what,
            } => write!(f, "~ field {entity}.{field}: {what}"),
        }
    }
}

/// The changes from `old` to `new`: grouped by kind, sorted by entity and field within each.
pub fn schema_diff(old: &Schema, new: &Schema) -> Vec<SchemaChange> {
    let mut out = Vec::new();
    for name in old
        .entities
        .keys()
        .filter(|k| !new.entities.contains_key(*k))
    {
        out.push(SchemaChange::EntityRemoved(name.clone()));
    }
    for (name, ne) in &new.entities {
        let Some(oe) = old.entities.get(name) else {
            out.push(SchemaChange::EntityAdded(name.clone()));
            continue;
        };
        for (field, of) in &oe.fields {
            if !ne.fields.contains_key(field) {
                out.push(SchemaChange::FieldRemoved {
                    entity: name.clone(),
                    field: field.clone(),
                    data_type: of.data_type().into(),
                });
            }
        }
        for (field, nf) in &ne.fields {
            let Some(of) = oe.fields.get(field) else {
                out.push(SchemaChange::FieldAdded {
                    entity: name.clone(),
                    field: field.clone(),
                    data_type: nf.data_type().into(),
                });
                continue;
            };
            if of.data_type() != nf.data_type() {
                out.push(SchemaChange::FieldRetyped {
                    entity: name.clone(),
                    field: field.clone(),
                    from: of.data_type().into(),
                    to: nf.data_type().into(),
                });
                continue;
            }
            let mut what = Vec::new();
            if of.valid_types() != nf.valid_types() {
                what.push(format!(
                    "valid_types [{}] -> [{}]",
                    of.valid_types().join(", "),
                    nf.valid_types().join(", ")
                ));
            }
            if of.valid_values() != nf.valid_values() {
                what.push(format!(
                    "valid_values [{}] -> [{}]",
                    of.valid_values().join(", "),
                    nf.valid_values().join(", ")
                ));
            }
            if of.is_editable() != nf.is_editable() {
                what.push(if nf.is_editable() {
                    "now writable".into()
                } else {
                    "now read-only".into()
                });
            }
            if !what.is_empty() {
                out.push(SchemaChange::FieldChanged {
                    entity: name.clone(),
                    field: field.clone(),
                    what: what.join("; "),
                });
            }
        }
    }
    out.sort();
    out
}
