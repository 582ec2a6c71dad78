//! `info`, and the site-wide methods: work schedules, preferences, subscriptions, the last
//! project accessed. Wire shapes in `sg_api3::methods::site`; the local site's side in
//! `sg-localsite/src/api/site.rs`.

use crate::client::Client;
use crate::error::Result;
use crate::value::EntityRef;
use chrono::NaiveDate;
use serde_json::Value;
use sg_api3::methods::site::{
    LastAccessedParams, PreferencesParams, SubscriptionsParams, WorkScheduleReadParams,
    WorkScheduleUpdateParams,
};
use sg_api3::methods::{
    Info, NoParams, PreferencesRead, UpdateProjectLastAccessed, UserSubscriptionsCreate,
    UserSubscriptionsRead, WorkScheduleRead, WorkScheduleUpdate,
};

/// A link as the official client sends it: type and id.
fn bare(e: Option<&EntityRef>) -> Option<EntityRef> {
    e.map(|e| EntityRef::new(e.entity_type.clone(), e.id))
}

/// A typed answer as JSON, for the methods that hand the site's answer over as it came.
fn json(answer: impl serde::Serialize) -> Value {
    serde_json::to_value(answer).unwrap_or(Value::Null)
}

impl Client {
    /// `info`: the server's version and capabilities. Sent without credentials.
    pub fn info(&self) -> Result<Value> {
        self.call_method::<Info>(NoParams).map(json)
    }

    /// `work_schedule_read`: for each day from `start` to `end`, whether it is a working day
    /// and why (`{"2026-11-28": {"working": false, "description": null, "reason":
    /// "STUDIO_WORK_WEEK"}, ...}`), for the studio, a project's or a person's schedule. The
    /// official client's `work_schedule_read`.
    pub fn work_schedule_read(
        &self,
        start: NaiveDate,
        end: NaiveDate,
        project: Option<&EntityRef>,
        user: Option<&EntityRef>,
    ) -> Result<Value> {
        self.call_method::<WorkScheduleRead>(WorkScheduleReadParams {
            start_date: start,
            end_date: end,
            project: bare(project),
            user: bare(user),
        })
        .map(json)
    }

    /// `work_schedule_update`: makes `date` a working day or not (with a description), for the
    /// studio, a project or a person. The official client's `work_schedule_update`.
    pub fn work_schedule_update(
        &self,
        date: NaiveDate,
        working: bool,
        description: Option<&str>,
        project: Option<&EntityRef>,
        user: Option<&EntityRef>,
    ) -> Result<Value> {
        self.call_method::<WorkScheduleUpdate>(WorkScheduleUpdateParams {
            date,
            working,
            description: description.map(str::to_owned),
            project: bare(project),
            user: bare(user),
            recalculate_field: None,
        })
    }

    /// `preferences_read`: the site preferences named (all the API exposes when `prefs` is
    /// empty). The official client's `preferences_read`.
    pub fn preferences_read(&self, prefs: &[&str]) -> Result<Value> {
        self.call_method::<PreferencesRead>(PreferencesParams {
            prefs: prefs.iter().map(|p| p.to_string()).collect(),
        })
        .map(Value::Object)
    }

    /// Records that `user` (default: the person this client acts as) opened `project` now, as
    /// the web UI does (sent as `update_project_last_accessed_by_current_user`). The official
    /// client's `update_project_last_accessed`.
    pub fn update_project_last_accessed(
        &self,
        project: &EntityRef,
        user: Option<&EntityRef>,
    ) -> Result<()> {
        self.call_method::<UpdateProjectLastAccessed>(LastAccessedParams {
            project_id: project.id,
            user_id: user.map(|u| u.id),
        })?;
        Ok(())
    }

    /// `user_subscriptions_read`: each person's subscriptions (`[{"humanUserId": 1,
    /// "subscription": ...}]`). The official client's `user_subscriptions_read`.
    pub fn user_subscriptions_read(&self) -> Result<Value> {
        self.call_method::<UserSubscriptionsRead>(NoParams)
            .map(Value::Array)
    }

    /// `user_subscriptions_create`: assigns subscriptions (`{"humanUserId": 1, "subscription":
    /// "..."}` each; `subscription` a string, a list of them, or null). True when the site says
    /// `success`. The official client's `user_subscriptions_create`.
    pub fn user_subscriptions_create(&self, users: &[Value]) -> Result<bool> {
        let status = self.call_method::<UserSubscriptionsCreate>(SubscriptionsParams {
            users: users.to_vec(),
        })?;
        Ok(status.status == "success")
    }
}
