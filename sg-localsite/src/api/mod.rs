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
    pub(crate) fn handle(&self, envelope: Result<Envelope<'_>, Exception>) -> String {
        let answer = match envelope.and_then(|e| self.dispatch(e)) {
            Ok(results) => json!({ "results": results }),
            Err(e) => json!({"exception": true, "message": e.message, "error_code": e.code}),
        };
        answer.to_string()
    }

    /// Records a request of an upload or download route, by its route name, with the fault
    /// about to be played on it: a form's credentials as `auth`, its other fields (a file part
    /// as its file name) as `params`.
    pub(crate) fn record_route(
        &self,
        req: &crate::http::Request,
        route: &str,
        fault: Option<&crate::Fault>,
    ) {
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
                fault: fault.cloned(),
            });
    }

    /// Records a request as received, with the fault about to be played on it. Its params are
    /// parsed only for a request whose credentials hold (or a method that takes none): a
    /// stranger's body is never built into a tree.
    pub(crate) fn record(
        &self,
        req: &crate::http::Request,
        envelope: Option<&Envelope<'_>>,
        fault: Option<&crate::Fault>,
    ) {
        if !self.record_requests {
            return;
        }
        let Some(envelope) = envelope else {
            return;
        };
        let info = methods::info_of(&envelope.method);
        let auth = info.auth.then(|| envelope.auth().ok().flatten()).flatten();
        let trusted = !info.auth
            || auth
                .as_ref()
                .is_some_and(|a| self.authenticate(&envelope.method, a).is_ok());
        let params = if trusted {
            envelope.params().ok().flatten()
        } else {
            None
        };
        self.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(RecordedRequest {
                http_method: req.method.clone(),
                path: req.path.clone(),
                headers: req.headers.clone(),
                method: envelope.method.clone(),
                auth,
                params,
                fault: fault.cloned(),
            });
    }

    /// Credentials first, then the params: a body is built into a tree only for a caller the
    /// site knows, and only within a bound on its size in values.
    fn dispatch(&self, envelope: Envelope<'_>) -> Result<Value, Exception> {
        let method = envelope.method.as_str();
        let info = methods::info_of(method);
        if info.auth {
            let auth = envelope.auth()?.ok_or_else(|| {
                Exception::new(102, format!("API {method}(): no credentials were sent"))
            })?;
            self.authenticate(method, &auth)?;
        }
        if self.refuse_writes && info.kind == MethodKind::Write {
            return Err(Exception::new(
                104,
                format!("API {method}(): this server is read-only: it was started without a key of its own (sg-localsite --insecure allows writes)"),
            ));
        }
        let params = envelope.params()?;
        let mut call = Call {
            site: self,
            state: self.state.lock().unwrap_or_else(|p| p.into_inner()),
        };
        methods::dispatch(&mut call, method, params.unwrap_or(Value::Null))
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

/// The most bytes of an api3 request's AUTH (credentials are a few hundred).
const MAX_AUTH_BYTES: usize = 64 * 1024;

/// The most JSON values a request's params may hold (a batch of 100 creates of 50 fields is
/// about 20,000): so a tree built from a body stays within a small multiple of its size.
const MAX_PARAM_VALUES: usize = 1_000_000;

/// An api3 body read without building its params: the method name, and each param as raw
/// JSON, so that AUTH is checked before the rest is parsed.
pub(crate) struct Envelope<'a> {
    pub(crate) method: String,
    params: Vec<&'a serde_json::value::RawValue>,
    auth: bool,
}

impl<'a> Envelope<'a> {
    pub(crate) fn read(body: &'a [u8]) -> Result<Envelope<'a>, Exception> {
        #[derive(serde::Deserialize)]
        struct Wire<'a> {
            method_name: Option<String>,
            #[serde(borrow)]
            params: Option<&'a serde_json::value::RawValue>,
        }
        let wire: Wire<'a> = serde_json::from_slice(body)
            .map_err(|e| Exception::new(103, format!("the request is not JSON: {e}")))?;
        let method = wire
            .method_name
            .ok_or_else(|| Exception::new(103, "the request has no method_name"))?;
        let params = match wire.params {
            None => Vec::new(),
            Some(raw) => serde_json::from_str::<Vec<&'a serde_json::value::RawValue>>(raw.get())
                .map_err(|_| Exception::new(103, "params must be a list"))?,
        };
        let auth = methods::info_of(&method).auth;
        Ok(Envelope {
            method,
            params,
            auth,
        })
    }

    /// The AUTH param, when the method takes one and it was sent.
    pub(crate) fn auth(&self) -> Result<Option<Value>, Exception> {
        if !self.auth {
            return Ok(None);
        }
        let Some(raw) = self.params.first() else {
            return Ok(None);
        };
        if raw.get().len() > MAX_AUTH_BYTES {
            return Err(Exception::new(
                102,
                format!("API {}(): the credentials are not valid", self.method),
            ));
        }
        serde_json::from_str(raw.get())
            .map(Some)
            .map_err(|e| Exception::new(103, format!("the credentials are not JSON: {e}")))
    }

    /// The method's params (the last param after AUTH), parsed.
    pub(crate) fn params(&self) -> Result<Option<Value>, Exception> {
        let rest = if self.auth {
            self.params.get(1..).unwrap_or(&[])
        } else {
            &self.params[..]
        };
        let Some(raw) = rest.last() else {
            return Ok(None);
        };
        let text = raw.get();
        // Every value but the first follows a `,` or opens after a `[`, `{` or `:`: an upper
        // bound on the values, counted without building anything.
        let values = text
            .bytes()
            .filter(|b| matches!(b, b',' | b'[' | b'{' | b':'))
            .count();
        if values > MAX_PARAM_VALUES {
            return Err(Exception::new(
                103,
                format!(
                    "API {}(): the params hold more than {MAX_PARAM_VALUES} values",
                    self.method
                ),
            ));
        }
        serde_json::from_str(text)
            .map(Some)
            .map_err(|e| Exception::new(103, format!("the params are not JSON: {e}")))
    }
}
