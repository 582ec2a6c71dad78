//! Following, mirroring the client's `api/following.rs`: who follows which record.

use crate::store::{bad, ApiError, Store};
use serde_json::{json, Value};

/// A link param as `(type, id)`, checked live.
fn link(store: &Store, p: &Value, key: &str, method: &str) -> Result<(String, i64), ApiError> {
    let v = p.get(key);
    let t = v.and_then(|v| v.get("type")).and_then(Value::as_str);
    let id = v.and_then(|v| v.get("id")).and_then(Value::as_i64);
    let (Some(t), Some(id)) = (t, id) else {
        return Err(bad(format!(
            "API {method}(): `{key}` must be an entity {{type, id}}"
        )));
    };
    store.entity(method, t)?;
    if !store.is_live(t, id) {
        return Err(bad(format!("API {method}(): {t} #{id} does not exist")));
    }
    Ok((t.to_string(), id))
}

impl Store {
    pub(crate) fn follow(&mut self, p: &Value, follow: bool) -> Result<Value, ApiError> {
        let m = if follow { "follow" } else { "unfollow" };
        let user = link(self, p, "user", m)?;
        if user.0 != "HumanUser" {
            return Err(bad(format!(
                "API {m}(): only a HumanUser can follow, not a {}",
                user.0
            )));
        }
        let entity = link(self, p, "entity", m)?;
        let key = (user.0.clone(), user.1, entity.0.clone(), entity.1);
        if follow {
            self.follows.insert(key);
        } else {
            self.follows.remove(&key);
        }
        let done = if follow { "followed" } else { "unfollowed" };
        Ok(json!({
            done: true,
            "user": {"type": user.0, "id": user.1},
            "entity": {"type": entity.0, "id": entity.1},
        }))
    }

    pub(crate) fn followers(&self, p: &Value) -> Result<Value, ApiError> {
        let (t, id) = link(self, p, "entity", "followers")?;
        Ok(self
            .follows
            .iter()
            .filter(|(_, _, et, eid)| *et == t && *eid == id)
            .map(|(ut, uid, _, _)| self.link_out(&json!({"type": ut, "id": uid})))
            .collect())
    }

    pub(crate) fn following(&self, p: &Value) -> Result<Value, ApiError> {
        let (ut, uid) = link(self, p, "user", "following")?;
        let project = match p.get("project") {
            Some(v) if !v.is_null() => Some(link(self, p, "project", "following")?),
            _ => None,
        };
        let only_type = p.get("entity_type").and_then(Value::as_str);
        Ok(self
            .follows
            .iter()
            .filter(|(t, id, _, _)| *t == ut && *id == uid)
            .filter(|(_, _, et, _)| only_type.is_none_or(|o| o == et))
            .filter(|(_, _, et, eid)| match &project {
                None => true,
                Some((_, pid)) => {
                    self.row(et, *eid)
                        .and_then(|r| r.fields.get("project"))
                        .and_then(|l| l.get("id"))
                        .and_then(Value::as_i64)
                        == Some(*pid)
                }
            })
            .map(|(_, _, et, eid)| self.link_out(&json!({"type": et, "id": eid})))
            .collect())
    }
}
