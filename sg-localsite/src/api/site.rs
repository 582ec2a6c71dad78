//! Site-wide methods, mirroring the client's `api/site.rs`: work schedules (a Monday-to-Friday
//! studio week with exceptions by studio, project or person), preferences, the last project a
//! person accessed, and user subscriptions.

use super::{Call, State};
use crate::records::{bad, Exception, Records};
use chrono::{Datelike, NaiveDate, Weekday};
use serde_json::{json, Map, Value};
use sg_api3::methods::site::{InfoAnswer, SessionToken};
use sg_api3::methods::site::{
    LastAccessedParams, PreferencesParams, Status, SubscriptionsParams, WorkDay, WorkSchedule,
    WorkScheduleReadParams, WorkScheduleUpdateParams,
};
use sg_api3::methods::{
    GetSessionToken, Handler, Info, NoParams, PreferencesRead, UpdateProjectLastAccessed,
    UserSubscriptionsCreate, UserSubscriptionsRead, WorkScheduleRead, WorkScheduleUpdate,
};
use sg_api3::wire::EntityRef;
use std::collections::BTreeMap;

/// A work-schedule exception: (date, project id, user id) -> (working, description).
type Exceptions =
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

fn id_of(e: &Option<EntityRef>) -> Option<i64> {
    e.as_ref().map(|e| e.id)
}

/// The site's settings people and projects change: work-schedule exceptions, when each project
/// was last opened, and subscriptions.
#[derive(Clone, Debug, Default)]
pub(crate) struct Settings {
    work_exceptions: Exceptions,
    /// (project id, user id) -> when last accessed.
    last_accessed: BTreeMap<(i64, Option<i64>), String>,
    /// HumanUser id -> subscription.
    subscriptions: BTreeMap<i64, Value>,
}

impl Settings {
    fn work_schedule_read(&self, p: &WorkScheduleReadParams) -> Result<WorkSchedule, Exception> {
        let m = "work_schedule_read";
        let (start, end) = (p.start_date, p.end_date);
        if end < start || (end - start).num_days() > 366 * 2 {
            return Err(bad(format!(
                "API {m}(): end_date must follow start_date, within two years"
            )));
        }
        let (project, user) = (id_of(&p.project), id_of(&p.user));
        let mut out = WorkSchedule::new();
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
                Some(((working, description), reason)) => WorkDay {
                    working: *working,
                    description: description.clone(),
                    reason: reason.into(),
                },
                None => {
                    let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
                    WorkDay {
                        working: !weekend,
                        description: None,
                        reason: "STUDIO_WORK_WEEK".into(),
                    }
                }
            };
            out.insert(d.format("%Y-%m-%d").to_string(), day);
            match d.succ_opt() {
                Some(next) => d = next,
                None => break,
            }
        }
        Ok(out)
    }

    fn work_schedule_update(
        &mut self,
        records: &Records,
        p: &WorkScheduleUpdateParams,
    ) -> Result<Value, Exception> {
        let m = "work_schedule_update";
        let (date, working) = (p.date, p.working);
        let description = p.description.clone();
        let (project, user) = (id_of(&p.project), id_of(&p.user));
        if project.is_some() && user.is_some() {
            return Err(bad(format!(
                "API {m}(): give a project or a user, not both"
            )));
        }
        for (t, id) in [("Project", project), ("HumanUser", user)] {
            if let Some(id) = id {
                if !records.is_live(t, id) {
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
            "project": p.project,
            "user": p.user,
        }))
    }

    fn preferences_read(p: &PreferencesParams) -> Result<Map<String, Value>, Exception> {
        let Value::Object(all) = preferences() else {
            unreachable!("the preferences are an object")
        };
        if p.prefs.is_empty() {
            return Ok(all);
        }
        Ok(p.prefs
            .iter()
            .filter_map(|k| Some((k.clone(), all.get(k)?.clone())))
            .collect())
    }

    fn update_project_last_accessed(
        &mut self,
        records: &Records,
        p: &LastAccessedParams,
    ) -> Result<Value, Exception> {
        let m = "update_project_last_accessed_by_current_user";
        let project = p.project_id;
        if !records.is_live("Project", project) {
            return Err(bad(format!("API {m}(): Project #{project} does not exist")));
        }
        let user = p.user_id;
        let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        self.last_accessed.insert((project, user), now.clone());
        Ok(json!([{"type": "Project", "id": project, "last_accessed_by_current_user": now}]))
    }

    /// When a person (or the script, `None`) last accessed a project.
    pub(crate) fn last_accessed(&self, project: i64, user: Option<i64>) -> Option<&String> {
        self.last_accessed.get(&(project, user))
    }

    fn user_subscriptions_read(&self) -> Result<Vec<Value>, Exception> {
        Ok(self
            .subscriptions
            .iter()
            .map(|(user, sub)| json!({"humanUserId": user, "subscription": sub}))
            .collect())
    }

    fn user_subscriptions_create(
        &mut self,
        records: &Records,
        p: &SubscriptionsParams,
    ) -> Result<Status, Exception> {
        let m = "user_subscriptions_create";
        let mut next = self.subscriptions.clone();
        for u in &p.users {
            let id = u
                .get("humanUserId")
                .and_then(Value::as_i64)
                .ok_or_else(|| bad(format!("API {m}(): each entry needs a `humanUserId`")))?;
            if !records.is_live("HumanUser", id) {
                return Err(bad(format!("API {m}(): HumanUser #{id} does not exist")));
            }
            next.insert(id, u.get("subscription").cloned().unwrap_or(Value::Null));
        }
        self.subscriptions = next;
        Ok(Status {
            status: "success".into(),
        })
    }
}

impl Handler<Info> for Call<'_> {
    fn handle(&mut self, _: NoParams) -> Result<InfoAnswer, Exception> {
        let cloud = self
            .site
            .files
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .cloud;
        let [major, minor, patch] = SERVER_VERSION;
        let mut other = Map::new();
        other.insert("full_version".into(), json!([major, minor, patch, 0]));
        other.insert("user_authentication_method".into(), "default".into());
        other.insert("local_server".into(), true.into());
        Ok(InfoAnswer {
            version: vec![major.into(), minor.into(), patch.into()],
            api_max_entities_per_page: Some(self.state.records.page_size),
            s3_uploads_enabled: Some(cloud),
            s3_direct_uploads_enabled: Some(cloud),
            s3_enabled_upload_types: Some(if cloud {
                super::files::cloud_upload_types()
            } else {
                Value::Null
            }),
            other,
        })
    }
}

impl Handler<GetSessionToken> for Call<'_> {
    fn handle(&mut self, _: NoParams) -> Result<SessionToken, Exception> {
        let token = session_token()?;
        self.site
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(token.clone());
        Ok(SessionToken { session_id: token })
    }
}

impl Handler<WorkScheduleRead> for Call<'_> {
    fn handle(&mut self, p: WorkScheduleReadParams) -> Result<WorkSchedule, Exception> {
        self.state.settings.work_schedule_read(&p)
    }
}

impl Handler<WorkScheduleUpdate> for Call<'_> {
    fn handle(&mut self, p: WorkScheduleUpdateParams) -> Result<Value, Exception> {
        let State {
            records, settings, ..
        } = &mut *self.state;
        settings.work_schedule_update(records, &p)
    }
}

impl Handler<PreferencesRead> for Call<'_> {
    fn handle(&mut self, p: PreferencesParams) -> Result<Map<String, Value>, Exception> {
        Settings::preferences_read(&p)
    }
}

impl Handler<UpdateProjectLastAccessed> for Call<'_> {
    fn handle(&mut self, p: LastAccessedParams) -> Result<Value, Exception> {
        let State {
            records, settings, ..
        } = &mut *self.state;
        settings.update_project_last_accessed(records, &p)
    }
}

impl Handler<UserSubscriptionsRead> for Call<'_> {
    fn handle(&mut self, _: NoParams) -> Result<Vec<Value>, Exception> {
        self.state.settings.user_subscriptions_read()
    }
}

impl Handler<UserSubscriptionsCreate> for Call<'_> {
    fn handle(&mut self, p: SubscriptionsParams) -> Result<Status, Exception> {
        let State {
            records, settings, ..
        } = &mut *self.state;
        settings.user_subscriptions_create(records, &p)
    }
}

/// The server version `info` reports: recent enough that the official clients take their modern
/// paths (paging without counts, archived-project filtering).
pub(crate) const SERVER_VERSION: [u64; 3] = [8, 50, 0];

/// A session token nobody can guess: 128 bits from the operating system's generator.
/// Without randomness, no token: a guessable one is worse than none.
pub(crate) fn session_token() -> Result<String, Exception> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|e| {
        Exception::new(
            100,
            format!("the server's random generator failed, no session token made: {e}"),
        )
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
