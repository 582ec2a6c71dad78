//! Following: `follow`, `unfollow`, `followers`, `following`.

use crate::wire::EntityRef;
use serde::{Deserialize, Serialize};

/// The params of `follow` and `unfollow`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowParams {
    /// The person (a HumanUser).
    pub user: EntityRef,
    /// The record.
    pub entity: EntityRef,
}

/// `follow`'s answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowAnswer {
    /// Whether the person now follows the record.
    pub followed: bool,
    /// The person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<EntityRef>,
    /// The record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<EntityRef>,
}

/// `unfollow`'s answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnfollowAnswer {
    /// Whether the person no longer follows the record.
    pub unfollowed: bool,
    /// The person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<EntityRef>,
    /// The record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<EntityRef>,
}

/// `followers`' params.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowersParams {
    /// The record.
    pub entity: EntityRef,
}

/// `following`'s params.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowingParams {
    /// The person.
    pub user: EntityRef,
    /// Only records of this project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<EntityRef>,
    /// Only records of this entity type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<String>,
}
