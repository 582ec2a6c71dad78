//! Following: `follow`, `unfollow`, `followers`, `following`. Wire shapes in
//! `sg_api3::methods::following`; the local site's side in `sg-localsite/src/api/following.rs`.

use crate::client::Client;
use crate::error::Result;
use crate::value::EntityRef;
use sg_api3::methods::following::{FollowParams, FollowersParams, FollowingParams};
use sg_api3::methods::{Follow, Followers, Following, Unfollow};

/// A link as the official client sends it: type and id.
fn bare(e: &EntityRef) -> EntityRef {
    EntityRef::new(e.entity_type.clone(), e.id)
}

impl Client {
    /// `follow`: `user` (a HumanUser) follows `entity`: the site notifies them of its changes.
    /// True when the site says so. The official client's `follow`.
    pub fn follow(&self, user: &EntityRef, entity: &EntityRef) -> Result<bool> {
        let params = FollowParams {
            user: bare(user),
            entity: bare(entity),
        };
        Ok(self.call_method::<Follow>(params)?.followed)
    }

    /// `unfollow`: `user` stops following `entity` (nothing happens if they did not follow it).
    /// The official client's `unfollow`.
    pub fn unfollow(&self, user: &EntityRef, entity: &EntityRef) -> Result<bool> {
        let params = FollowParams {
            user: bare(user),
            entity: bare(entity),
        };
        Ok(self.call_method::<Unfollow>(params)?.unfollowed)
    }

    /// `followers`: the people following `entity`. The official client's `followers`.
    pub fn followers(&self, entity: &EntityRef) -> Result<Vec<EntityRef>> {
        self.call_method::<Followers>(FollowersParams {
            entity: bare(entity),
        })
    }

    /// `following`: what `user` follows, within `project` and of `entity_type` when given.
    /// The official client's `following`.
    pub fn following(
        &self,
        user: &EntityRef,
        project: Option<&EntityRef>,
        entity_type: Option<&str>,
    ) -> Result<Vec<EntityRef>> {
        self.call_method::<Following>(FollowingParams {
            user: bare(user),
            project: project.map(bare),
            entity_type: entity_type.map(str::to_owned),
        })
    }
}
