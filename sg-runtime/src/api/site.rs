//! `info`, and the site-wide methods: work schedules, preferences, subscriptions, the last
//! project accessed.

use crate::client::Client;
use crate::error::Result;
use crate::value::{EntityRef, WireValue};
use chrono::NaiveDate;
use serde_json::{json, Value};

/// `YYYY-MM-DD`, as work schedules take dates.
fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn link(e: Option<&EntityRef>) -> Value {
    e.map_or(Value::Null, WireValue::to_wire)
}

impl Client {
    /// `info`: the server's version and capabilities. Sent without credentials.
    pub fn info(&self) -> Result<Value> {
        self.call("info", None)
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
        self.call(
            "work_schedule_read",
            Some(json!({
                "start_date": day(start),
                "end_date": day(end),
                "project": link(project),
                "user": link(user),
            })),
        )
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
        self.call(
            "work_schedule_update",
            Some(json!({
                "date": day(date),
                "working": working,
                "description": description,
                "project": link(project),
                "user": link(user),
                "recalculate_field": null,
            })),
        )
    }

    /// `preferences_read`: the site preferences named (all the API exposes when `prefs` is
    /// empty). The official client's `preferences_read`.
    pub fn preferences_read(&self, prefs: &[&str]) -> Result<Value> {
        self.call("preferences_read", Some(json!({ "prefs": prefs })))
    }

    /// Records that `user` (default: the person this client acts as) opened `project` now, as
    /// the web UI does (sent as `update_project_last_accessed_by_current_user`). The official
    /// client's `update_project_last_accessed`.
    pub fn update_project_last_accessed(
        &self,
        project: &EntityRef,
        user: Option<&EntityRef>,
    ) -> Result<()> {
        let mut p = json!({ "project_id": project.id });
        if let Some(u) = user {
            p["user_id"] = u.id.into();
        }
        self.call("update_project_last_accessed_by_current_user", Some(p))?;
        Ok(())
    }

    /// `user_subscriptions_read`: each person's subscriptions (`[{"humanUserId": 1,
    /// "subscription": ...}]`). The official client's `user_subscriptions_read`.
    pub fn user_subscriptions_read(&self) -> Result<Value> {
        self.call("user_subscriptions_read", None)
    }

    /// `user_subscriptions_create`: assigns subscriptions (`{"humanUserId": 1, "subscription":
    /// "..."}` each; `subscription` a string, a list of them, or null). True when the site says
    /// `success`. The official client's `user_subscriptions_create`.
    pub fn user_subscriptions_create(&self, users: &[Value]) -> Result<bool> {
        let r = self.call("user_subscriptions_create", Some(json!({ "users": users })))?;
        Ok(r.get("status").and_then(Value::as_str) == Some("success"))
    }
}
