//! [`Client`]: authentication, the api3 envelope, retries, and the untyped methods.

use crate::credentials::{Credentials, Secret};
use crate::error::{Error, Result};
use crate::find::FindIter;
use crate::request::{fields_wire, BatchRequest, FieldUpdate, Filter, Grouping, Query, Summary};
use crate::retry::{is_read_only, RetryPolicy};
use crate::site::Site;
use crate::transport::{Failure, Transport};
use crate::value::EntityRef;
use serde_json::{json, Map, Value};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The page size when the site does not say (`info().api_max_entities_per_page`).
pub const DEFAULT_PAGE_SIZE: usize = 500;

/// Secrets shorter than this are not searched for in server messages (they would match ordinary
/// words); real keys, passwords and tokens are far longer.
const MIN_REDACTED_LEN: usize = 4;

/// Builds a [`Client`].
#[derive(Debug)]
pub struct ClientBuilder {
    site: String,
    credentials: Option<Credentials>,
    sudo_as_login: Option<String>,
    session_uuid: Option<String>,
    retry: RetryPolicy,
    connect_timeout: Duration,
    read_timeout: Duration,
}

impl ClientBuilder {
    /// Sets the credentials.
    pub fn credentials(mut self, credentials: Credentials) -> ClientBuilder {
        self.credentials = Some(credentials);
        self
    }

    /// Takes the credentials from the `SG_*` environment variables (see [`Credentials::from_env`]).
    pub fn credentials_from_env(mut self) -> Result<ClientBuilder> {
        self.credentials = Some(Credentials::from_env()?);
        Ok(self)
    }

    /// Acts as this person: the server checks permissions and records changes as theirs.
    pub fn sudo_as_login(mut self, login: impl Into<String>) -> ClientBuilder {
        self.sudo_as_login = Some(login.into());
        self
    }

    /// Sends this `session_uuid` so the web UI can follow the changes live.
    pub fn session_uuid(mut self, uuid: impl Into<String>) -> ClientBuilder {
        self.session_uuid = Some(uuid.into());
        self
    }

    /// Sets the retry policy (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> ClientBuilder {
        self.retry = policy;
        self
    }

    /// How long to wait for a connection (default 10 s).
    pub fn connect_timeout(mut self, d: Duration) -> ClientBuilder {
        self.connect_timeout = d;
        self
    }

    /// How long one request may take, from sending to the last byte of the answer (default
    /// 120 s; a large site's `schema_read` can take a while).
    pub fn read_timeout(mut self, d: Duration) -> ClientBuilder {
        self.read_timeout = d;
        self
    }

    /// Builds the client. Makes no request.
    pub fn build(self) -> Result<Client> {
        let site = Site::parse(&self.site)?;
        let credentials = self.credentials.ok_or_else(|| {
            Error::Credentials(
                "no credentials given: use `.credentials(...)` or `.credentials_from_env()`".into(),
            )
        })?;
        // Loopback servers (tests, the local server) are never reached through a proxy.
        let host = site.base_url().split("://").nth(1).unwrap_or("");
        let loopback = ["127.", "localhost", "[::1]"]
            .iter()
            .any(|p| host.starts_with(p));
        let transport = Transport::new(
            site.endpoint(),
            self.connect_timeout,
            self.read_timeout,
            !loopback,
        );
        Ok(Client {
            inner: Arc::new(Inner {
                site,
                credentials,
                sudo_as_login: self.sudo_as_login,
                session_uuid: self.session_uuid,
                transport,
                retry: self.retry,
                exchanged_token: Mutex::new(None),
                exchange: Mutex::new(()),
                page_size: OnceLock::new(),
            }),
        })
    }
}

/// A blocking api3 client. `Send + Sync`; clones share one keep-alive connection pool.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    site: Site,
    credentials: Credentials,
    sudo_as_login: Option<String>,
    session_uuid: Option<String>,
    transport: Transport,
    retry: RetryPolicy,
    /// The session token a login + two-factor code was exchanged for.
    exchanged_token: Mutex<Option<Secret>>,
    /// Held while exchanging, so concurrent first calls exchange once.
    exchange: Mutex<()>,
    page_size: OnceLock<usize>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("site", &self.inner.site.base_url())
            .field("credentials", &self.inner.credentials)
            .field("sudo_as_login", &self.inner.sudo_as_login)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts building a client for `site`: a bare name (`studio` means
    /// `https://studio.shotgrid.autodesk.com`) or a full `http(s)://` URL.
    pub fn builder(site: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            site: site.into(),
            credentials: None,
            sudo_as_login: None,
            session_uuid: None,
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(120),
        }
    }

    /// A client for `site` with credentials from the `SG_*` environment variables.
    pub fn from_env(site: impl Into<String>) -> Result<Client> {
        Client::builder(site).credentials_from_env()?.build()
    }

    /// The site this client talks to.
    pub fn site(&self) -> &Site {
        &self.inner.site
    }

    /// Calls any api3 method with `params` (omitted when `None`) and returns its `results`.
    /// The escape hatch under every other method.
    pub fn call(&self, method: &str, params: Option<Value>) -> Result<Value> {
        let entity_type = params
            .as_ref()
            .and_then(|p| p.get("type"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let auth = if method == "info" {
            None
        } else {
            Some(self.auth_object()?)
        };
        self.send(method, entity_type.as_deref(), auth, params)
    }

    fn auth_object(&self) -> Result<Map<String, Value>> {
        let inner = &self.inner;
        let mut auth = match &inner.credentials {
            Credentials::User {
                auth_token: Some(_),
                ..
            } => {
                // A two-factor code is good once: exchange it for a session token, then use that.
                // One exchange at a time; the token's own lock is never held across a request,
                // since error handling reads it to redact messages.
                let _one_at_a_time = inner.exchange.lock().unwrap_or_else(|p| p.into_inner());
                let known = self.exchanged_token();
                let token = match known {
                    Some(t) => t,
                    None => {
                        let results = self.send(
                            "get_session_token",
                            None,
                            Some(inner.credentials.auth_object()),
                            None,
                        )?;
                        let id = results
                            .get("session_id")
                            .and_then(Value::as_str)
                            .ok_or_else(|| Error::Malformed {
                                method: "get_session_token".into(),
                                entity_type: None,
                                detail: "no `session_id` in the results".into(),
                            })?;
                        let t = Secret::new(id);
                        *inner
                            .exchanged_token
                            .lock()
                            .unwrap_or_else(|p| p.into_inner()) = Some(t.clone());
                        t
                    }
                };
                Credentials::SessionToken(token).auth_object()
            }
            c => c.auth_object(),
        };
        if let Some(login) = &inner.sudo_as_login {
            auth.insert("sudo_as_login".into(), login.clone().into());
        }
        if let Some(uuid) = &inner.session_uuid {
            auth.insert("session_uuid".into(), uuid.clone().into());
        }
        Ok(auth)
    }

    fn exchanged_token(&self) -> Option<Secret> {
        self.inner
            .exchanged_token
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces every secret of this client (and an exchanged session token) in `text` by `***`.
    fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        let exchanged = self.exchanged_token();
        let secrets = self
            .inner
            .credentials
            .secrets()
            .into_iter()
            .map(str::to_owned)
            .chain(exchanged.map(|s| s.expose().to_owned()));
        for s in secrets {
            if s.len() >= MIN_REDACTED_LEN {
                out = out.replace(&s, "***");
            }
        }
        out
    }

    fn send(
        &self,
        method: &str,
        entity_type: Option<&str>,
        auth: Option<Map<String, Value>>,
        params: Option<Value>,
    ) -> Result<Value> {
        let mut call_params = Vec::new();
        if let Some(a) = auth {
            call_params.push(Value::Object(a));
        }
        if let Some(p) = params {
            call_params.push(p);
        }
        let body = json!({"method_name": method, "params": call_params}).to_string();
        let policy = &self.inner.retry;
        let read_only = is_read_only(method);
        let started = Instant::now();
        let entity = || entity_type.map(str::to_owned);
        let mut attempt = 1;
        loop {
            let failure = match self.inner.transport.post(&body) {
                Ok(bytes) => {
                    log::debug!(
                        "api3 {method}{} ok in {} ms (try {attempt})",
                        entity_type.map(|t| format!(" {t}")).unwrap_or_default(),
                        started.elapsed().as_millis()
                    );
                    return self.decode_envelope(method, entity_type, &bytes);
                }
                Err(f) => f,
            };
            let retryable = match &failure {
                Failure::Status(s) => matches!(s, 502..=504),
                Failure::NotSent(_) => true,
                Failure::AfterSent(_) | Failure::TimedOut => read_only,
                Failure::Fatal(_) => false,
            };
            if retryable && attempt < policy.max_attempts.max(1) {
                let wait = policy.delay(attempt);
                log::debug!(
                    "api3 {method}{}: try {attempt} failed ({}); retrying in {} ms",
                    entity_type.map(|t| format!(" {t}")).unwrap_or_default(),
                    self.redact(&format!("{failure:?}")),
                    wait.as_millis()
                );
                std::thread::sleep(wait);
                attempt += 1;
                continue;
            }
            log::debug!(
                "api3 {method}: giving up after {attempt} tries in {} ms",
                started.elapsed().as_millis()
            );
            return Err(match failure {
                Failure::Status(status) => Error::Http {
                    method: method.into(),
                    entity_type: entity(),
                    status,
                },
                Failure::TimedOut => Error::Timeout {
                    method: method.into(),
                    entity_type: entity(),
                    after: self.inner.transport.read_timeout,
                },
                Failure::NotSent(d) => Error::Connection {
                    method: method.into(),
                    entity_type: entity(),
                    sent: false,
                    detail: self.redact(&d),
                },
                Failure::AfterSent(d) => Error::Connection {
                    method: method.into(),
                    entity_type: entity(),
                    sent: true,
                    detail: self.redact(&d),
                },
                Failure::Fatal(d) => Error::InvalidRequest(self.redact(&d)),
            });
        }
    }

    fn decode_envelope(
        &self,
        method: &str,
        entity_type: Option<&str>,
        bytes: &[u8],
    ) -> Result<Value> {
        let malformed = |detail: String| Error::Malformed {
            method: method.into(),
            entity_type: entity_type.map(str::to_owned),
            detail: self.redact(&detail),
        };
        let snippet = || {
            let text = String::from_utf8_lossy(&bytes[..bytes.len().min(120)]).into_owned();
            format!("body starts {text:?}")
        };
        let mut v: Value = serde_json::from_slice(bytes)
            .map_err(|e| malformed(format!("not JSON ({e}); {}", snippet())))?;
        let Some(obj) = v.as_object_mut() else {
            return Err(malformed(format!("not a JSON object; {}", snippet())));
        };
        if obj.get("exception").and_then(Value::as_bool) == Some(true) {
            let message = self.redact(
                obj.get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("(no message)"),
            );
            let code = obj.get("error_code").and_then(Value::as_i64).unwrap_or(0);
            let method = method.to_string();
            return Err(match code {
                102 => Error::Authentication { method, message },
                106 => Error::TwoFactorRequired { method, message },
                108 => Error::SsoSite { method, message },
                110 => Error::AutodeskIdentity { method, message },
                _ => Error::Server {
                    method,
                    entity_type: entity_type.map(str::to_owned),
                    code,
                    message,
                },
            });
        }
        obj.remove("results")
            .ok_or_else(|| malformed(format!("no `results` and no `exception`; {}", snippet())))
    }

    /// `info`: the server's version and capabilities. Sent without credentials.
    pub fn info(&self) -> Result<Value> {
        self.call("info", None)
    }

    /// Records per page: the site's `api_max_entities_per_page` (asked once), else 500.
    pub fn page_size(&self) -> Result<usize> {
        if let Some(n) = self.inner.page_size.get() {
            return Ok(*n);
        }
        let info = self.info()?;
        let n = info
            .get("api_max_entities_per_page")
            .and_then(Value::as_u64)
            .filter(|n| *n > 0)
            .map_or(DEFAULT_PAGE_SIZE, |n| n as usize);
        Ok(*self.inner.page_size.get_or_init(|| n))
    }

    /// A lazy iterator over the records `query` matches, fetched one page at a time, so memory
    /// holds one page whatever the size of the result.
    pub fn find(&self, query: &Query) -> Result<FindIter> {
        let page_size = match query.page_size {
            Some(n) if n > 0 => n,
            _ => self.page_size()?,
        };
        Ok(FindIter::new(self.clone(), query.clone(), page_size))
    }

    /// Every record `query` matches, collected.
    pub fn find_all(&self, query: &Query) -> Result<Vec<Value>> {
        self.find(query)?.collect()
    }

    /// The first record `query` matches, if any.
    pub fn find_one(&self, query: &Query) -> Result<Option<Value>> {
        self.find(&query.clone().limit(1))?.next().transpose()
    }

    /// `read` of one page: the records and whether another page follows.
    pub(crate) fn read_page(&self, params: Value) -> Result<(Vec<Value>, bool)> {
        let entity_type = params["type"].as_str().unwrap_or_default().to_owned();
        let mut results = self.call("read", Some(params))?;
        let malformed = |detail: &str| Error::Malformed {
            method: "read".into(),
            entity_type: Some(entity_type.clone()),
            detail: detail.into(),
        };
        let entities = match results.get_mut("entities").map(Value::take) {
            Some(Value::Array(items)) => items,
            _ => return Err(malformed("no `entities` list in the results")),
        };
        let has_next = results
            .pointer("/paging_info/has_next_page")
            .and_then(Value::as_bool)
            .ok_or_else(|| malformed("no `paging_info.has_next_page` in the results"))?;
        Ok((entities, has_next))
    }

    /// `create`: a new `entity_type` record with `fields`; returns it with `type`, `id` and
    /// `return_fields`.
    pub fn create(
        &self,
        entity_type: &str,
        fields: &Map<String, Value>,
        return_fields: &[&str],
    ) -> Result<Value> {
        self.call(
            "create",
            Some(json!({
                "type": entity_type,
                "fields": fields_wire(fields),
                "return_fields": return_fields,
            })),
        )
    }

    /// `update` of record `id`: each field set, or for multi-entity fields added to or removed
    /// from, as its [`FieldUpdate`] says. Returns the updated fields.
    pub fn update(&self, entity_type: &str, id: i64, fields: &[FieldUpdate]) -> Result<Value> {
        if fields.is_empty() {
            return Err(Error::InvalidRequest(format!(
                "update of {entity_type} #{id} with no fields"
            )));
        }
        self.call(
            "update",
            Some(json!({
                "type": entity_type,
                "id": id,
                "fields": fields.iter().map(FieldUpdate::to_wire).collect::<Vec<_>>(),
            })),
        )
    }

    /// `delete`: retires record `id`. True when it was live.
    pub fn delete(&self, entity_type: &str, id: i64) -> Result<bool> {
        let r = self.call("delete", Some(json!({"type": entity_type, "id": id})))?;
        Ok(r.as_bool().unwrap_or(false))
    }

    /// `revive`: brings back retired record `id`. True when it was retired.
    pub fn revive(&self, entity_type: &str, id: i64) -> Result<bool> {
        let r = self.call("revive", Some(json!({"type": entity_type, "id": id})))?;
        Ok(r.as_bool().unwrap_or(false))
    }

    /// `batch`: all of `requests` in one transaction; one failure undoes them all. Returns one
    /// result per request (a record for a create or update, `true` for a delete).
    pub fn batch(&self, requests: &[BatchRequest]) -> Result<Vec<Value>> {
        if requests.is_empty() {
            return Ok(Vec::new());
        }
        let wire: Vec<Value> = requests.iter().map(BatchRequest::to_wire).collect();
        match self.call("batch", Some(Value::Array(wire)))? {
            Value::Array(items) if items.len() == requests.len() => Ok(items),
            other => Err(Error::Malformed {
                method: "batch".into(),
                entity_type: None,
                detail: format!(
                    "expected {} results, got {}",
                    requests.len(),
                    other.as_array().map_or(0, Vec::len)
                ),
            }),
        }
    }

    /// `summarize`: aggregates over the records `filter` matches, optionally grouped.
    pub fn summarize(
        &self,
        entity_type: &str,
        filter: Option<&Filter>,
        summaries: &[Summary],
        grouping: &[Grouping],
    ) -> Result<Value> {
        let mut p = Map::new();
        p.insert("type".into(), entity_type.into());
        p.insert(
            "filters".into(),
            filter.map_or_else(
                || json!({"logical_operator": "and", "conditions": []}),
                Filter::to_wire,
            ),
        );
        p.insert(
            "summaries".into(),
            summaries
                .iter()
                .map(|s| json!({"field": s.field, "type": s.summary_type}))
                .collect(),
        );
        if !grouping.is_empty() {
            p.insert(
                "grouping".into(),
                grouping
                    .iter()
                    .map(|g| json!({"field": g.field, "type": g.grouping_type, "direction": g.direction.as_str()}))
                    .collect(),
            );
        }
        self.call("summarize", Some(Value::Object(p)))
    }

    /// `schema_read`: every field of every entity type (for `project`'s view of the schema).
    pub fn schema_read(&self, project: Option<&EntityRef>) -> Result<Value> {
        self.call("schema_read", project_params(project))
    }

    /// `schema_entity_read`: every entity type with its display name.
    pub fn schema_entity_read(&self, project: Option<&EntityRef>) -> Result<Value> {
        self.call("schema_entity_read", project_params(project))
    }

    /// `schema_field_read`: the fields of `entity_type`, or only `field`.
    pub fn schema_field_read(
        &self,
        entity_type: &str,
        field: Option<&str>,
        project: Option<&EntityRef>,
    ) -> Result<Value> {
        let mut p = Map::new();
        p.insert("type".into(), entity_type.into());
        if let Some(f) = field {
            p.insert("field_name".into(), f.into());
        }
        if let Some(project) = project {
            p.insert(
                "project".into(),
                json!({"type": project.entity_type, "id": project.id}),
            );
        }
        self.call("schema_field_read", Some(Value::Object(p)))
    }
}

fn project_params(project: Option<&EntityRef>) -> Option<Value> {
    project.map(|p| json!({"project": {"type": p.entity_type, "id": p.id}}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + Clone>() {}

    #[test]
    fn client_is_send_sync_and_clone() {
        assert_send_sync::<Client>();
    }

    #[test]
    fn debug_redacts_credentials() {
        let c = Client::builder("studio")
            .credentials(Credentials::script("pipeline", "0123456789abcdef"))
            .build()
            .unwrap();
        let d = format!("{c:?}");
        assert!(
            d.contains("pipeline") && !d.contains("0123456789abcdef"),
            "{d}"
        );
    }

    #[test]
    fn building_needs_credentials_and_a_valid_site() {
        assert!(matches!(
            Client::builder("studio").build(),
            Err(Error::Credentials(_))
        ));
        assert!(matches!(
            Client::builder("not a site")
                .credentials(Credentials::session_token("tttt"))
                .build(),
            Err(Error::InvalidSite { .. })
        ));
    }
}
