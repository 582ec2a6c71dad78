//! The api3 envelope: credentials, then one method on the store.

mod activity;
pub(crate) mod files;
mod following;
pub(crate) mod nav;
mod notes;
mod read;
pub(crate) mod read_cache;
mod schema;
pub(crate) mod site;
mod summarize;
mod write;

use super::store::ApiError;
use super::{RecordedRequest, Shared};
use serde_json::{json, Value};

/// The server version `info` reports: recent enough that the official clients take their modern
/// paths (paging without counts, archived-project filtering).
pub(crate) const SERVER_VERSION: [u64; 3] = [8, 50, 0];
/// Records per page, at most, unless the builder says otherwise (a site's default).
pub(crate) const MAX_PAGE: u64 = 500;

/// A session token nobody can guess: 128 bits from the operating system's generator.
/// Without randomness, no token: a guessable one is worse than none.
fn session_token() -> Result<String, ApiError> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|e| {
        ApiError::new(
            100,
            format!("the server's random generator failed, no session token made: {e}"),
        )
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

impl Shared {
    /// Handles one api3 request body; returns the answer's JSON text.
    pub(crate) fn handle(&self, body: &[u8]) -> String {
        let answer = match self.dispatch(body) {
            Ok(results) => json!({ "results": results }),
            Err(e) => json!({"exception": true, "message": e.message, "error_code": e.code}),
        };
        answer.to_string()
    }

    /// Records a request of an upload or download route, by its route name, before any fault
    /// is played on it: a form's credentials as `auth`, its other fields (a file part as its
    /// file name) as `params`.
    pub(crate) fn record_route(&self, req: &super::http::Request, route: &str) {
        if !self.record_requests {
            return;
        }
        let (auth, params) = files::recorded_form(req).unzip();
        self.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(RecordedRequest {
                http_method: req.method.clone(),
                path: req.path.clone(),
                headers: req.headers.clone(),
                method: route.to_string(),
                auth,
                params,
            });
    }

    /// Records a request as received, before any fault is played on it.
    pub(crate) fn record(&self, req: &super::http::Request) {
        if !self.record_requests {
            return;
        }
        let Ok(v) = serde_json::from_slice::<Value>(&req.body) else {
            return;
        };
        let method = v
            .get("method_name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let mut params = v
            .get("params")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let auth = if method == "info" || params.is_empty() {
            None
        } else {
            Some(params.remove(0))
        };
        self.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(RecordedRequest {
                http_method: req.method.clone(),
                path: req.path.clone(),
                headers: req.headers.clone(),
                method,
                auth,
                params: params.pop(),
            });
    }

    fn dispatch(&self, body: &[u8]) -> Result<Value, ApiError> {
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::new(103, format!("the request is not JSON: {e}")))?;
        let method = v
            .get("method_name")
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::new(103, "the request has no method_name"))?
            .to_string();
        let mut params = match v.get("params") {
            None => Vec::new(),
            Some(Value::Array(p)) => p.clone(),
            Some(_) => return Err(ApiError::new(103, "params must be a list")),
        };
        let (auth, params) = if method == "info" {
            (None, params.pop())
        } else {
            if params.is_empty() {
                return Err(ApiError::new(
                    102,
                    format!("API {method}(): no credentials were sent"),
                ));
            }
            let auth = params.remove(0);
            (Some(auth), params.pop())
        };
        if let Some(auth) = &auth {
            self.authenticate(&method, auth)?;
        }
        if self.refuse_writes
            && !(sg_api3::methods::kind_of(&method) == sg_api3::methods::Kind::ReadOnly)
        {
            return Err(ApiError::new(
                104,
                format!("API {method}(): this server is read-only: it was started without a key of its own (sg-localsite --insecure allows writes)"),
            ));
        }
        let p = params.unwrap_or(Value::Null);
        let cloud = self.files.lock().unwrap_or_else(|p| p.into_inner()).cloud;
        let mut store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        if method != "read" {
            // Whatever else runs may change what a query matches.
            store.read_cache.clear();
        }
        match method.as_str() {
            "info" => Ok(json!({
                "version": SERVER_VERSION,
                "full_version": [SERVER_VERSION[0], SERVER_VERSION[1], SERVER_VERSION[2], 0],
                "api_max_entities_per_page": store.page_size,
                "s3_uploads_enabled": cloud,
                "s3_direct_uploads_enabled": cloud,
                "s3_enabled_upload_types": if cloud { files::cloud_upload_types() } else { Value::Null },
                "user_authentication_method": "default",
                "local_server": true,
            })),
            "get_session_token" => {
                let token = session_token()?;
                self.sessions
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(token.clone());
                Ok(json!({ "session_id": token }))
            }
            "read" => store.read(&p),
            "create" => store.create(&p),
            "update" => store.update(&p),
            "delete" => store.delete(&p, true),
            "revive" => store.delete(&p, false),
            "batch" => store.batch(&p),
            "summarize" => store.summarize(&p),
            "schema_read" => Ok(store.schema.schema_read_value()),
            "schema_entity_read" => Ok(store.schema.schema_entity_read_value()),
            "schema_field_read" => store.schema_field_read(&p),
            "work_schedule_read" => store.work_schedule_read(&p),
            "work_schedule_update" => store.work_schedule_update(&p),
            "preferences_read" => store.preferences_read(&p),
            "update_project_last_accessed_by_current_user" => {
                store.update_project_last_accessed(&p)
            }
            "user_subscriptions_read" => store.user_subscriptions_read(),
            "user_subscriptions_create" => store.user_subscriptions_create(&p),
            "nav_expand" => store.nav_expand(&p),
            "nav_search" => store.nav_search(&p),
            "export_page" => store.export_page(&p, &self.pages),
            "note_thread_contents" => store.note_thread_contents(&p),
            "activity_stream" => store.activity_stream(&p),
            "query_display_name_cache" => store.query_display_name_cache(&p),
            "follow" => store.follow(&p, true),
            "unfollow" => store.follow(&p, false),
            "followers" => store.followers(&p),
            "following" => store.following(&p),
            "schema_field_create" => store.schema_field_create(&p),
            "schema_field_update" => store.schema_field_update(&p),
            "schema_field_delete" => store.schema_field_delete(&p),
            other => Err(ApiError::new(
                103,
                format!("API {other}(): unknown method (the local server does not implement it)"),
            )),
        }
    }

    pub(crate) fn authenticate(&self, method: &str, auth: &Value) -> Result<(), ApiError> {
        let s = |k: &str| auth.get(k).and_then(Value::as_str);
        if let (Some(name), Some(key)) = (s("script_name"), s("script_key")) {
            return match self.scripts.get(name) {
                Some(k) if k == key => Ok(()),
                _ => Err(ApiError::new(
                    102,
                    format!("API {method}(): can't authenticate script '{name}'"),
                )),
            };
        }
        if let (Some(login), Some(password)) = (s("user_login"), s("user_password")) {
            let bad = || {
                ApiError::new(
                    102,
                    format!("API {method}(): can't authenticate user '{login}'"),
                )
            };
            let user = self
                .users
                .get(login)
                .filter(|u| u.password == password)
                .ok_or_else(bad)?;
            return match (&user.two_factor, s("auth_token")) {
                (None, _) => Ok(()),
                (Some(_), None) => Err(ApiError::new(
                    106,
                    format!(
                        "API {method}(): two-factor authentication is required for user '{login}'"
                    ),
                )),
                (Some(code), Some(given)) if code == given => Ok(()),
                (Some(_), Some(_)) => Err(bad()),
            };
        }
        if let Some(token) = s("session_token") {
            let known = self
                .sessions
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .contains(token);
            return if known {
                Ok(())
            } else {
                Err(ApiError::new(
                    102,
                    format!("API {method}(): the session token is not valid or has expired"),
                ))
            };
        }
        Err(ApiError::new(
            102,
            format!("API {method}(): no usable credentials were sent"),
        ))
    }
}
