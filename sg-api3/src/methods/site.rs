//! `info`, the session token, and the site-wide methods: work schedules, preferences, the last
//! project accessed, subscriptions.

use crate::wire::EntityRef;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// `info`'s answer: what a client reads of it, and every other key as sent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InfoAnswer {
    /// The server's version, `[major, minor, patch]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub version: Vec<Value>,
    /// Records per page, at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_max_entities_per_page: Option<u64>,
    /// Whether uploads go to cloud storage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_uploads_enabled: Option<bool>,
    /// Whether uploads go straight to cloud storage (the cloud upload route).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_direct_uploads_enabled: Option<bool>,
    /// Which uploads take the cloud route (`{"Version": ["sg_uploaded_movie"], ...}`, or
    /// `_default`), where the site lists them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_enabled_upload_types: Option<Value>,
    /// Every other key.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `get_session_token`'s answer.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionToken {
    /// The token.
    pub session_id: String,
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(***)")
    }
}

/// `work_schedule_read`'s params (`project` and `user` sent as `null` when not given, as the
/// official client sends them).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkScheduleReadParams {
    /// The first day.
    pub start_date: NaiveDate,
    /// The last day.
    pub end_date: NaiveDate,
    /// A project's schedule.
    #[serde(default)]
    pub project: Option<EntityRef>,
    /// A person's schedule.
    #[serde(default)]
    pub user: Option<EntityRef>,
}

/// One day of a work schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkDay {
    /// Whether it is a working day.
    pub working: bool,
    /// Why, in words, where an exception says.
    pub description: Option<String>,
    /// `STUDIO_WORK_WEEK`, `STUDIO_EXCEPTION`, `PROJECT_EXCEPTION` or `USER_EXCEPTION`.
    pub reason: String,
}

/// `work_schedule_read`'s answer: each day, by `YYYY-MM-DD`.
pub type WorkSchedule = BTreeMap<String, WorkDay>;

/// `work_schedule_update`'s params (nulls sent as the official client sends them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkScheduleUpdateParams {
    /// The day.
    pub date: NaiveDate,
    /// Whether it is a working day.
    pub working: bool,
    /// Why.
    #[serde(default)]
    pub description: Option<String>,
    /// A project's schedule.
    #[serde(default)]
    pub project: Option<EntityRef>,
    /// A person's schedule.
    #[serde(default)]
    pub user: Option<EntityRef>,
    /// Sent as `null` by the official client.
    #[serde(default)]
    pub recalculate_field: Option<Value>,
}

/// `preferences_read`'s params.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreferencesParams {
    /// The preferences asked for (all the API exposes when empty).
    #[serde(default)]
    pub prefs: Vec<String>,
}

/// `update_project_last_accessed_by_current_user`'s params.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastAccessedParams {
    /// The project's id.
    pub project_id: i64,
    /// The person's id (default: the person the client acts as).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
}

/// `user_subscriptions_create`'s params.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionsParams {
    /// `{"humanUserId": 1, "subscription": ...}` each.
    pub users: Vec<Value>,
}

/// An answer that says how it went: `{"status": "success"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// `success`, or what went wrong.
    pub status: String,
}
