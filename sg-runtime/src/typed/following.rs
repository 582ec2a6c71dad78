//! Following, typed: the user is a `HumanUser` id, so that the user and the record followed
//! cannot be swapped; the record is any link (the official client's `follow`, `unfollow`,
//! `followers`, `following`).

use super::link::AnyLink;
use super::{AnyEntity, EntityType, Id, Link, TargetRef};
use crate::error::Result;
use crate::Client;

/// The `HumanUser` entity type: generated bindings implement it for their `HumanUser` marker.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the `HumanUser` entity type",
    note = "a follower is a person: give the `Id` of a `HumanUser` first, then the record followed"
)]
pub trait IsHumanUser: EntityType {}

/// The `Project` entity type: generated bindings implement it for their `Project` marker.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the `Project` entity type",
    note = "give an `Id` of the bindings' `Project`"
)]
pub trait IsProject: EntityType {}

/// `user` follows `entity` (the official client's `follow`); true when the site says so.
pub fn follow<U: IsHumanUser>(client: &Client, user: Id<U>, entity: impl AnyLink) -> Result<bool> {
    client.follow(
        &Link::new(user).into_entity_ref(),
        &entity.into_entity_ref(),
    )
}

/// `user` stops following `entity` (the official client's `unfollow`).
pub fn unfollow<U: IsHumanUser>(
    client: &Client,
    user: Id<U>,
    entity: impl AnyLink,
) -> Result<bool> {
    client.unfollow(
        &Link::new(user).into_entity_ref(),
        &entity.into_entity_ref(),
    )
}

/// The people following `entity` (the official client's `followers`), as links that keep
/// the type the site sent (`.link::<markers::HumanUser>()` types one).
pub fn followers(client: &Client, entity: impl AnyLink) -> Result<Vec<TargetRef<AnyEntity>>> {
    Ok(client
        .followers(&entity.into_entity_ref())?
        .into_iter()
        .map(TargetRef::from_ref)
        .collect())
}

/// What `user` follows (the official client's `following`): every record, or with
/// [`Following::of`] those of one entity type, with [`Following::in_project`] within a project.
pub fn following<U: IsHumanUser>(user: Id<U>) -> Following {
    Following {
        user: Link::new(user).into_entity_ref(),
        project: None,
        entity_type: None,
    }
}

/// A typed `following` read; see [`following`].
#[derive(Clone, Debug)]
#[must_use = "a read does nothing until it is sent"]
pub struct Following {
    user: crate::EntityRef,
    project: Option<crate::EntityRef>,
    entity_type: Option<&'static str>,
}

impl Following {
    /// Only what is followed within `project`.
    pub fn in_project<P: IsProject>(mut self, project: Id<P>) -> Following {
        self.project = Some(Link::new(project).into_entity_ref());
        self
    }

    /// Only records of entity type `M`.
    pub fn of<M: EntityType>(mut self) -> Following {
        self.entity_type = Some(M::NAME);
        self
    }

    /// Reads it.
    pub fn send(&self, client: &Client) -> Result<Vec<TargetRef<AnyEntity>>> {
        Ok(client
            .following(&self.user, self.project.as_ref(), self.entity_type)?
            .into_iter()
            .map(TargetRef::from_ref)
            .collect())
    }
}
