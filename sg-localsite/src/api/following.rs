//! Following, mirroring the client's `api/following.rs`: who follows which record.

use super::{Call, State};
use crate::records::{bad, Exception, Records};
use serde_json::{json, Value};
use sg_api3::methods::following::{
    FollowAnswer, FollowParams, FollowersParams, FollowingParams, UnfollowAnswer,
};
use sg_api3::methods::{Follow, Followers, Following, Handler, Unfollow};
use sg_api3::wire::EntityRef;
use std::collections::BTreeSet;

/// A link param as `(type, id)`, checked live.
fn link(store: &Records, e: &EntityRef, method: &str) -> Result<(String, i64), Exception> {
    store.entity(method, &e.entity_type)?;
    if !store.is_live(&e.entity_type, e.id) {
        return Err(bad(format!(
            "API {method}(): {} #{} does not exist",
            e.entity_type, e.id
        )));
    }
    Ok((e.entity_type.clone(), e.id))
}

/// Who follows what: (user type, user id, entity type, entity id).
#[derive(Clone, Debug, Default)]
pub(crate) struct Follows(BTreeSet<(String, i64, String, i64)>);

impl Follows {
    /// `follow`, or `unfollow`: the pair as it stands after.
    fn follow(
        &mut self,
        records: &Records,
        p: &FollowParams,
        follow: bool,
    ) -> Result<(EntityRef, EntityRef), Exception> {
        let m = if follow { "follow" } else { "unfollow" };
        let user = link(records, &p.user, m)?;
        if user.0 != "HumanUser" {
            return Err(bad(format!(
                "API {m}(): only a HumanUser can follow, not a {}",
                user.0
            )));
        }
        let entity = link(records, &p.entity, m)?;
        let key = (user.0.clone(), user.1, entity.0.clone(), entity.1);
        if follow {
            self.0.insert(key);
        } else {
            self.0.remove(&key);
        }
        Ok((
            EntityRef::new(user.0, user.1),
            EntityRef::new(entity.0, entity.1),
        ))
    }

    fn followers(
        &self,
        records: &Records,
        p: &FollowersParams,
    ) -> Result<Vec<EntityRef>, Exception> {
        let (t, id) = link(records, &p.entity, "followers")?;
        Ok(self
            .0
            .iter()
            .filter(|(_, _, et, eid)| *et == t && *eid == id)
            .map(|(ut, uid, _, _)| named(records, ut, *uid))
            .collect())
    }

    fn following(
        &self,
        records: &Records,
        p: &FollowingParams,
    ) -> Result<Vec<EntityRef>, Exception> {
        let (ut, uid) = link(records, &p.user, "following")?;
        let project = match &p.project {
            Some(project) => Some(link(records, project, "following")?),
            None => None,
        };
        let only_type = p.entity_type.as_deref();
        Ok(self
            .0
            .iter()
            .filter(|(t, id, _, _)| *t == ut && *id == uid)
            .filter(|(_, _, et, _)| only_type.is_none_or(|o| o == et))
            .filter(|(_, _, et, eid)| match &project {
                None => true,
                Some((_, pid)) => {
                    records
                        .row(et, *eid)
                        .and_then(|r| r.fields.get("project"))
                        .and_then(|l| l.get("id"))
                        .and_then(Value::as_i64)
                        == Some(*pid)
                }
            })
            .map(|(_, _, et, eid)| named(records, et, *eid))
            .collect())
    }
}

/// A link to `entity_type` #`id` with its display name, as a site sends links.
fn named(records: &Records, entity_type: &str, id: i64) -> EntityRef {
    let link = records.link_out(&json!({"type": entity_type, "id": id}));
    EntityRef {
        entity_type: entity_type.to_string(),
        id,
        name: link.get("name").and_then(Value::as_str).map(str::to_owned),
    }
}

impl Handler<Follow> for Call<'_> {
    fn handle(&mut self, p: FollowParams) -> Result<FollowAnswer, Exception> {
        let State {
            records, follows, ..
        } = &mut *self.state;
        let (user, entity) = follows.follow(records, &p, true)?;
        Ok(FollowAnswer {
            followed: true,
            user: Some(user),
            entity: Some(entity),
        })
    }
}

impl Handler<Unfollow> for Call<'_> {
    fn handle(&mut self, p: FollowParams) -> Result<UnfollowAnswer, Exception> {
        let State {
            records, follows, ..
        } = &mut *self.state;
        let (user, entity) = follows.follow(records, &p, false)?;
        Ok(UnfollowAnswer {
            unfollowed: true,
            user: Some(user),
            entity: Some(entity),
        })
    }
}

impl Handler<Followers> for Call<'_> {
    fn handle(&mut self, p: FollowersParams) -> Result<Vec<EntityRef>, Exception> {
        self.state.follows.followers(&self.state.records, &p)
    }
}

impl Handler<Following> for Call<'_> {
    fn handle(&mut self, p: FollowingParams) -> Result<Vec<EntityRef>, Exception> {
        self.state.follows.following(&self.state.records, &p)
    }
}
