//! Following: `follow`, `unfollow`, `followers`, `following`.

use crate::client::Client;
use crate::error::{Error, Result};
use crate::value::{EntityRef, WireValue};
use serde_json::{json, Value};

impl Client {
    /// `follow`: `user` (a HumanUser) follows `entity`: the site notifies them of its changes.
    /// True when the site says so. The official client's `follow`.
    pub fn follow(&self, user: &EntityRef, entity: &EntityRef) -> Result<bool> {
        let r = self.call(
            "follow",
            Some(json!({"user": user.to_wire(), "entity": entity.to_wire()})),
        )?;
        Ok(r.get("followed").and_then(Value::as_bool).unwrap_or(false))
    }

    /// `unfollow`: `user` stops following `entity` (nothing happens if they did not follow it).
    /// The official client's `unfollow`.
    pub fn unfollow(&self, user: &EntityRef, entity: &EntityRef) -> Result<bool> {
        let r = self.call(
            "unfollow",
            Some(json!({"user": user.to_wire(), "entity": entity.to_wire()})),
        )?;
        Ok(r.get("unfollowed")
            .and_then(Value::as_bool)
            .unwrap_or(false))
    }

    /// `followers`: the people following `entity`. The official client's `followers`.
    pub fn followers(&self, entity: &EntityRef) -> Result<Vec<EntityRef>> {
        let r = self.call("followers", Some(json!({"entity": entity.to_wire()})))?;
        links("followers", r)
    }

    /// `following`: what `user` follows, within `project` and of `entity_type` when given.
    /// The official client's `following`.
    pub fn following(
        &self,
        user: &EntityRef,
        project: Option<&EntityRef>,
        entity_type: Option<&str>,
    ) -> Result<Vec<EntityRef>> {
        let mut p = json!({"user": user.to_wire()});
        if let Some(project) = project {
            p["project"] = project.to_wire();
        }
        if let Some(t) = entity_type {
            p["entity_type"] = t.into();
        }
        links("following", self.call("following", Some(p))?)
    }
}

/// A list of entity links from a results value.
fn links(method: &str, results: Value) -> Result<Vec<EntityRef>> {
    let items = match results {
        Value::Array(items) => items,
        other => {
            return Err(Error::Malformed {
                method: method.into(),
                entity_type: None,
                detail: format!("expected a list of entities, got {other}"),
            })
        }
    };
    items
        .iter()
        .map(|v| {
            EntityRef::from_wire(v).map_err(|e| Error::Malformed {
                method: method.into(),
                entity_type: None,
                detail: e.to_string(),
            })
        })
        .collect()
}
