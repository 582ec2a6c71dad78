//! Site-wide methods, mirroring the client's `api/site.rs`: work schedules (a Monday-to-Friday
//! studio week with exceptions by studio, project or person), preferences, the last project a
//! person accessed, and user subscriptions.

use crate::store::{bad, ApiError, Store};
use chrono::{Datelike, NaiveDate, Weekday};
use serde_json::{json, Map, Value};

/// A work-schedule exception: (date, project id, user id) -> (working, description).
pub(crate) type Exceptions =
    std::collections::BTreeMap<(NaiveDate, Option<i64>, Option<i64>), (bool, Option<String>)>;

/// The preferences the API exposes, with a new site's values.
fn preferences() -> Value {
    json!({
        "date_component_order": "month_day",
        "format_currency_fields_decimal_options": "$1,000.99",
        "format_currency_fields_display_dollar_sign": false,
        "format_currency_fields_negative_options": "- $1,000",
        "format_date_fields": "08/04/22 OR 04/08/22 (depending on the Month order preference)",
        "format_float_fields": "9,999.99",
        "format_float_fields_rounding": "9.999999",
        "format_footage_fields": "10-05",
        "format_number_fields": "1,000",
        "format_time_hour_fields": "12 hour",
        "hours_per_day": 8.0,
        "support_local_storage": true,
        "view_master_settings": "{}",
    })
}

fn date_param(p: &Value, key: &str, m: &str) -> Result<NaiveDate, ApiError> {
    p.get(key)
        .and_then(Value::as_str)
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .ok_or_else(|| bad(format!("API {m}(): `{key}` must be a date YYYY-MM-DD")))
}

fn id_of(p: &Value, key: &str) -> Option<i64> {
    p.get(key).and_then(|v| v.get("id")).and_then(Value::as_i64)
}

impl Store {
    pub(crate) fn work_schedule_read(&self, p: &Value) -> Result<Value, ApiError> {
        let m = "work_schedule_read";
        let (start, end) = (
            date_param(p, "start_date", m)?,
            date_param(p, "end_date", m)?,
        );
        if end < start || (end - start).num_days() > 366 * 2 {
            return Err(bad(format!(
                "API {m}(): end_date must follow start_date, within two years"
            )));
        }
        let (project, user) = (id_of(p, "project"), id_of(p, "user"));
        let mut out = Map::new();
        let mut d = start;
        while d <= end {
            // The most specific exception wins: the person's, the project's, the studio's.
            let found = [
                (user.map(|_| (d, None, user)), "USER_EXCEPTION"),
                (project.map(|_| (d, project, None)), "PROJECT_EXCEPTION"),
                (Some((d, None, None)), "STUDIO_EXCEPTION"),
            ]
            .into_iter()
            .find_map(|(key, reason)| Some((self.work_exceptions.get(&key?)?, reason)));
            let day = match found {
                Some(((working, description), reason)) => {
                    json!({"working": working, "description": description, "reason": reason})
                }
                None => {
                    let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
                    json!({"working": !weekend, "description": null, "reason": "STUDIO_WORK_WEEK"})
                }
            };
            out.insert(d.format("%Y-%m-%d").to_string(), day);
            match d.succ_opt() {
                Some(next) => d = next,
                None => break,
            }
        }
        Ok(Value::Object(out))
    }

    pub(crate) fn work_schedule_update(&mut self, p: &Value) -> Result<Value, ApiError> {
        let m = "work_schedule_update";
        let date = date_param(p, "date", m)?;
        let working = p
            .get("working")
            .and_then(Value::as_bool)
            .ok_or_else(|| bad(format!("API {m}(): `working` must be true or false")))?;
        let description = p
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let (project, user) = (id_of(p, "project"), id_of(p, "user"));
        if project.is_some() && user.is_some() {
            return Err(bad(format!(
                "API {m}(): give a project or a user, not both"
            )));
        }
        for (t, id) in [("Project", project), ("HumanUser", user)] {
            if let Some(id) = id {
                if !self.is_live(t, id) {
                    return Err(bad(format!("API {m}(): {t} #{id} does not exist")));
                }
            }
        }
        self.work_exceptions
            .insert((date, project, user), (working, description.clone()));
        Ok(json!({
            "date": date.format("%Y-%m-%d").to_string(),
            "working": working,
            "description": description,
            "project": p.get("project").cloned().unwrap_or(Value::Null),
            "user": p.get("user").cloned().unwrap_or(Value::Null),
        }))
    }

    pub(crate) fn preferences_read(&self, p: &Value) -> Result<Value, ApiError> {
        let all = preferences();
        let asked: Vec<&str> = p["prefs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if asked.is_empty() {
            return Ok(all);
        }
        Ok(Value::Object(
            asked
                .iter()
                .filter_map(|k| Some((k.to_string(), all.get(*k)?.clone())))
                .collect(),
        ))
    }

    pub(crate) fn update_project_last_accessed(&mut self, p: &Value) -> Result<Value, ApiError> {
        let m = "update_project_last_accessed_by_current_user";
        let project = p
            .get("project_id")
            .and_then(Value::as_i64)
            .ok_or_else(|| bad(format!("API {m}(): `project_id` must be a number")))?;
        if !self.is_live("Project", project) {
            return Err(bad(format!("API {m}(): Project #{project} does not exist")));
        }
        let user = p.get("user_id").and_then(Value::as_i64);
        let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        self.last_accessed.insert((project, user), now.clone());
        Ok(json!([{"type": "Project", "id": project, "last_accessed_by_current_user": now}]))
    }

    /// When a person (or the script, `None`) last accessed a project.
    pub(crate) fn last_accessed(&self, project: i64, user: Option<i64>) -> Option<&String> {
        self.last_accessed.get(&(project, user))
    }

    pub(crate) fn user_subscriptions_read(&self) -> Result<Value, ApiError> {
        Ok(self
            .subscriptions
            .iter()
            .map(|(user, sub)| json!({"humanUserId": user, "subscription": sub}))
            .collect())
    }

    pub(crate) fn user_subscriptions_create(&mut self, p: &Value) -> Result<Value, ApiError> {
        let m = "user_subscriptions_create";
        let users = p
            .get("users")
            .and_then(Value::as_array)
            .ok_or_else(|| bad(format!("API {m}(): `users` must be a list")))?;
        let mut next = self.subscriptions.clone();
        for u in users {
            let id = u
                .get("humanUserId")
                .and_then(Value::as_i64)
                .ok_or_else(|| bad(format!("API {m}(): each entry needs a `humanUserId`")))?;
            if !self.is_live("HumanUser", id) {
                return Err(bad(format!("API {m}(): HumanUser #{id} does not exist")));
            }
            next.insert(id, u.get("subscription").cloned().unwrap_or(Value::Null));
        }
        self.subscriptions = next;
        Ok(json!({"status": "success"}))
    }
}
