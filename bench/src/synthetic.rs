//! A synthetic schema `n` times the size of a real one, with its data-type mix: each entity
//! type is copied `n` times under new names, links pointing within the same copy.

use serde_json::Value;
use sg_runtime::schema::{EntitySchema, Schema};

/// `base` copied `n` times (copy 0 keeps the original names).
pub fn scale(base: &Schema, n: usize) -> Schema {
    let mut out = Schema::default();
    for copy in 0..n {
        let rename = |name: &str| {
            if copy == 0 {
                name.to_string()
            } else {
                format!("{name}Copy{copy}")
            }
        };
        for (name, e) in &base.entities {
            let mut fields = e.fields.clone();
            for f in fields.values_mut() {
                for key in ["valid_types"] {
                    if let Some(Value::Object(attr)) = f.properties.get_mut(key) {
                        if let Some(Value::Array(types)) = attr.get_mut("value") {
                            for t in types.iter_mut() {
                                if let Some(s) = t.as_str() {
                                    *t = Value::String(rename(s));
                                }
                            }
                        }
                    }
                }
            }
            out.entities.insert(
                rename(name),
                EntitySchema {
                    attributes: e.attributes.clone(),
                    fields,
                },
            );
        }
    }
    out
}
