//! `EventLogEntry.meta`, typed: what an event says happened, by kind, with a catch-all for the
//! kinds and shapes this crate does not know (a site's own event types, a newer site's fields).

use crate::value::{EntityRef, ValueError, WireValue};
use serde_json::{Map, Value};

/// The `meta` of an `EventLogEntry`, as the site writes it for its own events (the event
/// daemons' `meta["type"]`). Values are as the site sent them; the event stream types them by
/// the field's data type.
#[derive(Clone, Debug, PartialEq)]
pub enum EventMeta {
    /// `attribute_change`: a field of a record changed.
    AttributeChange {
        /// The record's entity type.
        entity_type: String,
        /// The record's id.
        entity_id: i64,
        /// The field's wire name.
        attribute_name: String,
        /// The field's data type, when the site says it.
        field_data_type: Option<String>,
        /// The value before (`null` when it was empty or the field is multi-entity).
        old_value: Value,
        /// The value after.
        new_value: Value,
        /// Links added to a multi-entity field.
        added: Vec<EntityRef>,
        /// Links removed from a multi-entity field.
        removed: Vec<EntityRef>,
        /// Whether the change was part of the record's creation.
        in_create: bool,
    },
    /// `new_entity`: a record was created.
    NewEntity {
        /// Its entity type.
        entity_type: String,
        /// Its id.
        entity_id: i64,
    },
    /// `entity_retirement`: a record was deleted (retired).
    Retirement {
        /// Its entity type.
        entity_type: String,
        /// Its id.
        entity_id: i64,
        /// Its display name, when the site says it.
        display_name: Option<String>,
    },
    /// `entity_revival`: a retired record was brought back.
    Revival {
        /// Its entity type.
        entity_type: String,
        /// Its id.
        entity_id: i64,
        /// Its display name, when the site says it.
        display_name: Option<String>,
    },
    /// `connection_change`: a link between two records (a connection entity such as
    /// `ShotAssetConnection`) was made or broken.
    ConnectionChange {
        /// The record whose link changed: entity type.
        entity_type: String,
        /// Its id.
        entity_id: i64,
        /// The link field, when the site says it.
        attribute_name: Option<String>,
        /// Links made.
        added: Vec<EntityRef>,
        /// Links broken.
        removed: Vec<EntityRef>,
    },
    /// Any other kind, or a known kind whose shape differs from the above: the `meta` as sent.
    Other(Value),
}

fn text(m: &Map<String, Value>, key: &str) -> Option<String> {
    m.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn links(m: &Map<String, Value>, key: &str) -> Option<Vec<EntityRef>> {
    match m.get(key) {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::Array(items)) => items.iter().map(|i| EntityRef::from_wire(i).ok()).collect(),
        Some(_) => None,
    }
}

impl EventMeta {
    /// Reads a `meta`: a kind it knows with the fields that kind needs, otherwise
    /// [`EventMeta::Other`]. Never fails.
    pub fn from_value(v: Value) -> EventMeta {
        Self::known(&v).unwrap_or(EventMeta::Other(v))
    }

    fn known(v: &Value) -> Option<EventMeta> {
        let m = v.as_object()?;
        let entity_type = text(m, "entity_type")?;
        let entity_id = m.get("entity_id")?.as_i64()?;
        Some(match m.get("type")?.as_str()? {
            "attribute_change" => EventMeta::AttributeChange {
                entity_type,
                entity_id,
                attribute_name: text(m, "attribute_name")?,
                field_data_type: text(m, "field_data_type"),
                old_value: m.get("old_value").cloned().unwrap_or(Value::Null),
                new_value: m.get("new_value").cloned().unwrap_or(Value::Null),
                added: links(m, "added")?,
                removed: links(m, "removed")?,
                in_create: m.get("in_create").and_then(Value::as_bool).unwrap_or(false),
            },
            "new_entity" => EventMeta::NewEntity {
                entity_type,
                entity_id,
            },
            "entity_retirement" => EventMeta::Retirement {
                entity_type,
                entity_id,
                display_name: text(m, "display_name"),
            },
            "entity_revival" => EventMeta::Revival {
                entity_type,
                entity_id,
                display_name: text(m, "display_name"),
            },
            "connection_change" => EventMeta::ConnectionChange {
                entity_type,
                entity_id,
                attribute_name: text(m, "attribute_name"),
                added: links(m, "added")?,
                removed: links(m, "removed")?,
            },
            _ => return None,
        })
    }

    /// The record the event is about, for the kinds that name one.
    pub fn entity(&self) -> Option<EntityRef> {
        match self {
            EventMeta::AttributeChange {
                entity_type,
                entity_id,
                ..
            }
            | EventMeta::NewEntity {
                entity_type,
                entity_id,
            }
            | EventMeta::Retirement {
                entity_type,
                entity_id,
                ..
            }
            | EventMeta::Revival {
                entity_type,
                entity_id,
                ..
            }
            | EventMeta::ConnectionChange {
                entity_type,
                entity_id,
                ..
            } => Some(EntityRef::new(entity_type.as_str(), *entity_id)),
            EventMeta::Other(_) => None,
        }
    }
}

/// Decoding never fails on a well-formed JSON value: unknown kinds are [`EventMeta::Other`].
impl WireValue for EventMeta {
    fn to_wire(&self) -> Value {
        let link_list = |l: &[EntityRef]| Value::Array(l.iter().map(WireValue::to_wire).collect());
        let mut m = Map::new();
        let mut base = |kind: &str, entity_type: &str, entity_id: i64| {
            m.insert("type".into(), kind.into());
            m.insert("entity_type".into(), entity_type.into());
            m.insert("entity_id".into(), entity_id.into());
        };
        match self {
            EventMeta::AttributeChange {
                entity_type,
                entity_id,
                attribute_name,
                field_data_type,
                old_value,
                new_value,
                added,
                removed,
                in_create,
            } => {
                base("attribute_change", entity_type, *entity_id);
                m.insert("attribute_name".into(), attribute_name.as_str().into());
                if let Some(t) = field_data_type {
                    m.insert("field_data_type".into(), t.as_str().into());
                }
                m.insert("old_value".into(), old_value.clone());
                m.insert("new_value".into(), new_value.clone());
                if !added.is_empty() {
                    m.insert("added".into(), link_list(added));
                }
                if !removed.is_empty() {
                    m.insert("removed".into(), link_list(removed));
                }
                m.insert("in_create".into(), (*in_create).into());
            }
            EventMeta::NewEntity {
                entity_type,
                entity_id,
            } => base("new_entity", entity_type, *entity_id),
            EventMeta::Retirement {
                entity_type,
                entity_id,
                display_name,
            }
            | EventMeta::Revival {
                entity_type,
                entity_id,
                display_name,
            } => {
                let kind = if matches!(self, EventMeta::Retirement { .. }) {
                    "entity_retirement"
                } else {
                    "entity_revival"
                };
                base(kind, entity_type, *entity_id);
                if let Some(n) = display_name {
                    m.insert("display_name".into(), n.as_str().into());
                }
            }
            EventMeta::ConnectionChange {
                entity_type,
                entity_id,
                attribute_name,
                added,
                removed,
            } => {
                base("connection_change", entity_type, *entity_id);
                if let Some(a) = attribute_name {
                    m.insert("attribute_name".into(), a.as_str().into());
                }
                m.insert("added".into(), link_list(added));
                m.insert("removed".into(), link_list(removed));
            }
            EventMeta::Other(v) => return v.clone(),
        }
        Value::Object(m)
    }

    fn from_wire(v: &Value) -> Result<Self, ValueError> {
        Ok(EventMeta::from_value(v.clone()))
    }

    fn from_wire_owned(v: Value) -> Result<Self, ValueError> {
        Ok(EventMeta::from_value(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn known_kinds_decode_and_round_trip() {
        let cases = [
            json!({"type": "attribute_change", "entity_type": "Shot", "entity_id": 4,
                   "attribute_name": "sg_status_list", "field_data_type": "status_list",
                   "old_value": "ip", "new_value": "fin", "in_create": false}),
            json!({"type": "attribute_change", "entity_type": "Playlist", "entity_id": 2,
                   "attribute_name": "versions", "field_data_type": "multi_entity",
                   "old_value": null, "new_value": null,
                   "added": [{"type": "Version", "id": 9}], "removed": [{"type": "Version", "id": 3}],
                   "in_create": false}),
            json!({"type": "new_entity", "entity_type": "Shot", "entity_id": 4}),
            json!({"type": "entity_retirement", "entity_type": "Shot", "entity_id": 4, "display_name": "sh010"}),
            json!({"type": "entity_revival", "entity_type": "Shot", "entity_id": 4, "display_name": "sh010"}),
            json!({"type": "connection_change", "entity_type": "Shot", "entity_id": 4,
                   "attribute_name": "assets", "added": [{"type": "Asset", "id": 1}], "removed": []}),
        ];
        for c in cases {
            let m = EventMeta::from_wire(&c).unwrap();
            assert!(!matches!(m, EventMeta::Other(_)), "{c}");
            assert_eq!(
                m.entity().map(|e| e.entity_type),
                Some(c["entity_type"].as_str().unwrap().to_string())
            );
            assert_eq!(EventMeta::from_value(m.to_wire()), m, "{c}");
        }
        let EventMeta::AttributeChange { added, removed, .. } = EventMeta::from_value(
            json!({"type": "attribute_change", "entity_type": "Playlist",
                "entity_id": 2, "attribute_name": "versions", "added": [{"type": "Version", "id": 9}]}),
        ) else {
            panic!("an attribute change")
        };
        assert_eq!((added.len(), removed.len()), (1, 0));
    }

    #[test]
    fn anything_else_is_kept_whole() {
        for c in [
            json!({"type": "my_studio_event", "entity_type": "Shot", "entity_id": 4}),
            json!({"type": "attribute_change", "entity_type": "Shot"}),
            json!({"type": "attribute_change", "entity_type": "Shot", "entity_id": 4,
                   "attribute_name": "x", "added": "not a list"}),
            json!("a string"),
            Value::Null,
        ] {
            assert_eq!(
                EventMeta::from_value(c.clone()),
                EventMeta::Other(c.clone())
            );
            assert_eq!(EventMeta::from_value(c.clone()).to_wire(), c);
        }
    }
}
