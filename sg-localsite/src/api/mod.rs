//! The api3 envelope: credentials, then one method of the registry, answered by its area's handler.

mod activity;
pub(crate) mod files;
mod following;
pub(crate) mod nav;
mod notes;
mod read;
pub(crate) mod rest;
mod schema;
pub(crate) mod site;
mod summarize;
mod write;

use super::{RecordedRequest, Shared};
use crate::records::{Exception, Records};
use serde_json::{json, Value};
use sg_api3::methods::{self, MethodKind};
use std::sync::MutexGuard;

/// The site's state, by area: the records (with their events, activity and read cache), who
/// follows what, and the site-wide settings. One lock holds it all for a request, so that a
/// request sees one state; each area's handlers change only their own part (and the records).
#[derive(Clone, Debug)]
pub(crate) struct State {
    pub(crate) records: Records,
    pub(crate) follows: following::Follows,
    pub(crate) settings: site::Settings,
}

impl State {
    pub(crate) fn new(records: Records) -> State {
        State {
            records,
            follows: Default::default(),
            settings: Default::default(),
        }
    }
}

/// One api3 request being answered: the site, and its state, held for the request.
pub(crate) struct Call<'a> {
    pub(crate) site: &'a Shared,
    pub(crate) state: MutexGuard<'a, State>,
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
    pub(crate) fn record_route(&self, req: &crate::http::Request, route: &str) {
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
    pub(crate) fn record(&self, req: &crate::http::Request) {
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

    fn dispatch(&self, body: &[u8]) -> Result<Value, Exception> {
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| Exception::new(103, format!("the request is not JSON: {e}")))?;
        let method = v
            .get("method_name")
            .and_then(Value::as_str)
            .ok_or_else(|| Exception::new(103, "the request has no method_name"))?
            .to_string();
        let mut params = match v.get("params") {
            None => Vec::new(),
            Some(Value::Array(p)) => p.clone(),
            Some(_) => return Err(Exception::new(103, "params must be a list")),
        };
        let info = methods::info_of(&method);
        let params = if info.auth {
            if params.is_empty() {
                return Err(Exception::new(
                    102,
                    format!("API {method}(): no credentials were sent"),
                ));
            }
            let auth = params.remove(0);
            self.authenticate(&method, &auth)?;
            params.pop()
        } else {
            params.pop()
        };
        if self.refuse_writes && info.kind == MethodKind::Write {
            return Err(Exception::new(
                104,
                format!("API {method}(): this server is read-only: it was started without a key of its own (sg-localsite --insecure allows writes)"),
            ));
        }
        let mut call = Call {
            site: self,
            state: self.state.lock().unwrap_or_else(|p| p.into_inner()),
        };
        methods::dispatch(&mut call, &method, params.unwrap_or(Value::Null))
    }

    pub(crate) fn authenticate(&self, method: &str, auth: &Value) -> Result<(), Exception> {
        let s = |k: &str| auth.get(k).and_then(Value::as_str);
        if let (Some(name), Some(key)) = (s("script_name"), s("script_key")) {
            return match self.scripts.get(name) {
                Some(k) if k == key => Ok(()),
                _ => Err(Exception::new(
                    102,
                    format!("API {method}(): can't authenticate script '{name}'"),
                )),
            };
        }
        if let (Some(login), Some(password)) = (s("user_login"), s("user_password")) {
            let bad = || {
                Exception::new(
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
                (Some(_), None) => Err(Exception::new(
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
                Err(Exception::new(
                    102,
                    format!("API {method}(): the session token is not valid or has expired"),
                ))
            };
        }
        Err(Exception::new(
            102,
            format!("API {method}(): no usable credentials were sent"),
        ))
    }
}
