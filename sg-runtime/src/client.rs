//! [`Client`]: authentication, the api3 envelope, retries, and the untyped methods.

use crate::credentials::{Credentials, Secret};
use crate::envelope::{self, Decoded};
use crate::error::{Error, Result};
use crate::redact::Redactor;
use crate::retry::{self, Request, RetryPolicy};
use crate::site::Site;
use crate::transport::{ErrorPage, Failure, RequestHeaders, Transport, TransportConfig};
use serde_json::{Map, Value};
use sg_api3::methods::{Method, MethodKind};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;

/// Pages one query reads at most unless told otherwise (10 million records at 500 a page).
pub const DEFAULT_MAX_PAGES: usize = 20_000;

/// The largest answer read unless told otherwise: 128 MiB (a page of 500 wide records is about
/// 1 MB, a large site's `schema_read` tens of MB).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 128 * 1024 * 1024;

/// The page size when the site does not say (`info().api_max_entities_per_page`).
pub const DEFAULT_PAGE_SIZE: usize = 500;

/// Requests one client has in flight at once, unless told otherwise: the pages of a read after
/// the first, and the chunks of a bulk write, go this many at a time. Eight is where a read of
/// 500-record pages at a cloud site's round trip (150 ms) stops waiting on the link (measured in
/// BENCHMARKS.md section 8), and no more than a few browser tabs of the web UI ask of a site,
/// whose capacity the studio shares: lower it for scripts that run in many copies at once.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 8;

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
    localized: bool,
    reconcile_window: Duration,
    max_pages: usize,
    idle_timeout: Duration,
    max_response_bytes: u64,
    max_concurrent_requests: usize,
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

    /// Asks the site for display names in the user's language (sends `locale: auto`, as the
    /// official client does when its `config.localized` is set). Default: off.
    pub fn localized(mut self, localized: bool) -> ClientBuilder {
        self.localized = localized;
        self
    }

    /// How long, after a keyed write's outcome is unknown, the client keeps looking for its key
    /// before it concludes the write was not applied and sends it again (default 20 s; see
    /// [`Client::create_once`]). Longer than the site's own request timeout is safe.
    pub fn reconcile_window(mut self, d: Duration) -> ClientBuilder {
        self.reconcile_window = d;
        self
    }

    /// How long a keep-alive connection may sit idle and still be used (default 15 s). Sites
    /// and their load balancers close idle connections; one closed just as a write goes out
    /// leaves the write's fate unknown, so the client closes its own first. Keep it below the
    /// site's idle timeout.
    pub fn idle_timeout(mut self, d: Duration) -> ClientBuilder {
        self.idle_timeout = d;
        self
    }

    /// The largest answer read, in bytes after decoding (default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`]): a larger one is refused while it is read, so a runaway
    /// answer cannot exhaust memory.
    pub fn max_response_bytes(mut self, bytes: u64) -> ClientBuilder {
        self.max_response_bytes = bytes;
        self
    }

    /// Requests this client (and its clones) has in flight at once, at most (default
    /// [`DEFAULT_MAX_CONCURRENT_REQUESTS`]): the pages of a read after the first are fetched this
    /// many at a time, ahead of the caller, and a bulk write sends this many chunks at once. `1`
    /// reads page after page, as the official client does.
    pub fn max_concurrent_requests(mut self, n: usize) -> ClientBuilder {
        self.max_concurrent_requests = n.max(1);
        self
    }

    /// The most pages one query reads (default [`DEFAULT_MAX_PAGES`]): a site that always says
    /// another page follows stops there with an error instead of being read forever.
    pub fn max_pages(mut self, pages: usize) -> ClientBuilder {
        self.max_pages = pages.max(1);
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
        let transport = Transport::new(TransportConfig {
            endpoint: site.endpoint(),
            connect_timeout: self.connect_timeout,
            read_timeout: self.read_timeout,
            idle_timeout: self.idle_timeout,
            use_env_proxy: !loopback,
            max_response_bytes: self.max_response_bytes,
        });
        Ok(Client {
            inner: Arc::new(Inner {
                site,
                credentials,
                sudo_as_login: self.sudo_as_login,
                session_uuid: self.session_uuid,
                transport,
                retry: self.retry,
                exchanged_token: Mutex::new(None),
                issued_token: Mutex::new(None),
                rest_token: Mutex::new(None),
                rest_fetch: Mutex::new(()),
                exchange: Mutex::new(()),
                page_size: OnceLock::new(),
                query_schema: Mutex::new(None),
                user_agents: RwLock::new(vec![default_user_agent()]),
                localized: self.localized,
                reconcile_window: self.reconcile_window,
                max_pages: self.max_pages,
                throttle: retry::Throttle::default(),
                slots: Slots::new(self.max_concurrent_requests),
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
    /// The session token [`Client::session_token`] asked the site for, kept (as the official
    /// client keeps it in its config) so that it is asked once and masked in every message.
    issued_token: Mutex<Option<Secret>>,
    /// The REST bearer token (`api/rest.rs`) and when to stop using it.
    pub(crate) rest_token: Mutex<Option<(Secret, std::time::Instant)>>,
    /// Held while a REST token is asked for, so that concurrent first requests ask once (the
    /// token's own lock is never held across a request: error masking reads it).
    rest_fetch: Mutex<()>,
    /// Held while exchanging, so concurrent first calls exchange once.
    exchange: Mutex<()>,
    page_size: OnceLock<usize>,
    /// The site's schema, read once for query fields' definitions.
    query_schema: Mutex<Option<Arc<sg_api3::schema::Schema>>>,
    /// The parts of the `user-agent` header, joined with `; ` as the official client does.
    user_agents: RwLock<Vec<String>>,
    localized: bool,
    reconcile_window: Duration,
    max_pages: usize,
    /// A pause the site asked for, which every request waits out.
    throttle: retry::Throttle,
    /// The requests in flight, against the client's limit.
    slots: Slots,
}

/// A counting semaphore: the requests one client has in flight, at most its limit.
struct Slots {
    limit: usize,
    used: Mutex<usize>,
    freed: std::sync::Condvar,
}

/// One request's place among a client's requests in flight; given back when dropped.
pub(crate) struct Slot<'a>(&'a Slots);

impl Slots {
    fn new(limit: usize) -> Slots {
        Slots {
            limit: limit.max(1),
            used: Mutex::new(0),
            freed: std::sync::Condvar::new(),
        }
    }

    /// Waits for a place.
    fn take(&self) -> Slot<'_> {
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        while *used >= self.limit {
            used = self.freed.wait(used).unwrap_or_else(|p| p.into_inner());
        }
        *used += 1;
        Slot(self)
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        *self.0.used.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
        self.0.freed.notify_one();
    }
}

/// The user agent a client starts with: `sg-runtime/VERSION (Rust; OS)`.
pub fn default_user_agent() -> String {
    format!(
        "sg-runtime/{} (Rust; {})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS
    )
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
            localized: false,
            reconcile_window: Duration::from_secs(20),
            max_pages: DEFAULT_MAX_PAGES,
            idle_timeout: Duration::from_secs(15),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
        }
    }

    /// A client for `site` with credentials from the `SG_*` environment variables.
    pub fn from_env(site: impl Into<String>) -> Result<Client> {
        Client::builder(site).credentials_from_env()?.build()
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// How long a keyed write's outcome is looked for (see [`ClientBuilder::reconcile_window`]).
    pub fn reconcile_window(&self) -> Duration {
        self.inner.reconcile_window
    }

    /// The most pages one query reads (see [`ClientBuilder::max_pages`]).
    pub fn max_pages(&self) -> usize {
        self.inner.max_pages
    }

    /// Requests this client has in flight at once, at most (see
    /// [`ClientBuilder::max_concurrent_requests`]).
    pub fn max_concurrent_requests(&self) -> usize {
        self.inner.slots.limit
    }

    /// Runs `work` on each of `items` side by side, on at most the client's
    /// [`max_concurrent_requests`](Client::max_concurrent_requests) threads, and hands each
    /// result to `done` (on the caller's thread, in the order they finish) with its item's
    /// index: the one worker pool of the calls that send many requests at once (bulk chunks,
    /// query fields per record).
    pub(crate) fn side_by_side<T: Sync, R: Send>(
        &self,
        items: &[T],
        work: impl Fn(&T) -> R + Sync,
        mut done: impl FnMut(usize, R),
    ) {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let workers = self.max_concurrent_requests().min(items.len());
        std::thread::scope(|scope| {
            let (sender, answers) = std::sync::mpsc::channel();
            for _ in 0..workers {
                let (sender, next, work) = (sender.clone(), &next, &work);
                scope.spawn(move || loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(item) = items.get(i) else {
                        return;
                    };
                    if sender.send((i, work(item))).is_err() {
                        return;
                    }
                });
            }
            drop(sender);
            for (i, answer) in answers {
                done(i, answer);
            }
        });
    }

    /// What is left of a pause the site asked for (the `Retry-After` of a 429 or 503 answer),
    /// which every request of this client and its clones waits out before it is sent; `None`
    /// when there is none. For a progress display: a long read that seems stuck may be waiting.
    pub fn paused_for(&self) -> Option<Duration> {
        self.inner.throttle.left()
    }

    /// The site this client talks to.
    pub fn site(&self) -> &Site {
        &self.inner.site
    }

    /// Appends `agent` (`"publish_tool 2.1"`) to the `user-agent` header of every request from
    /// this client and its clones (the official client's `add_user_agent`).
    pub fn add_user_agent(&self, agent: impl Into<String>) {
        self.inner
            .user_agents
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(agent.into());
    }

    /// Puts the `user-agent` header back to [`default_user_agent`] (the official client's
    /// `reset_user_agent`).
    pub fn reset_user_agent(&self) {
        *self
            .inner
            .user_agents
            .write()
            .unwrap_or_else(|p| p.into_inner()) = vec![default_user_agent()];
    }

    /// The `user-agent` header sent: its parts joined with `; `.
    pub fn user_agent(&self) -> String {
        self.inner
            .user_agents
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .join("; ")
    }

    /// Calls any api3 method with `params` (omitted when `None`) and returns its `results`.
    /// The escape hatch under every other method: it is retried as the registry says the
    /// method may be (`sg_api3::methods`; a method not there as a write).
    ///
    /// When the client logs in with a two-factor code, it exchanges the code once for a session
    /// token. When that token expires (the site answers error 102), the client exchanges again
    /// and repeats the call once: the site refused it before applying it, so a write is safe to
    /// repeat.
    pub fn call(&self, method: &str, params: Option<Value>) -> Result<Value> {
        let info = sg_api3::methods::info_of(method);
        self.call_as(method, info.kind, info.auth, params, &no_fast)
            .map(Answered::into_results)
    }

    /// Calls method `M` of the registry with `params` and reads its answer as `M::Answer`.
    pub(crate) fn call_method<M: Method>(&self, params: M::Params) -> Result<M::Answer> {
        let params = params_of::<M>(&params)?;
        let entity_type = entity_type_of(params.as_ref());
        let results = self
            .call_as(M::NAME, M::KIND, M::AUTH, params.clone(), &no_fast)?
            .into_results();
        answer_of::<M>(results, entity_type, params)
    }

    /// [`Client::call_method`], trying `fast` on the answer's bytes first: what it returns is
    /// the answer (typed reads decode records straight from the bytes); when it returns `None`
    /// the answer is read as `M::Answer`, errors included.
    pub(crate) fn call_with<M: Method, T>(
        &self,
        params: M::Params,
        fast: &dyn Fn(&[u8]) -> Option<T>,
    ) -> Result<Answered<T, M::Answer>> {
        let params = params_of::<M>(&params)?;
        let entity_type = entity_type_of(params.as_ref());
        match self.call_as(M::NAME, M::KIND, M::AUTH, params.clone(), fast)? {
            Answered::Fast(t) => Ok(Answered::Fast(t)),
            Answered::Results(v) => answer_of::<M>(v, entity_type, params).map(Answered::Results),
        }
    }

    /// A call of the method sent as `method`, with the session token renewed once if the site
    /// refuses it.
    fn call_as<T>(
        &self,
        method: &str,
        kind: MethodKind,
        auth: bool,
        params: Option<Value>,
        fast: &dyn Fn(&[u8]) -> Option<T>,
    ) -> Result<Answered<T>> {
        let entity_type = entity_type_of(params.as_ref());
        let entity_type = entity_type.as_deref();
        let request = Request::from(kind);
        if !auth {
            return self.send(method, request, entity_type, None, params, fast);
        }
        let auth = self.auth_object()?;
        let Some(used_token) = self.exchanged_token() else {
            // No session token of ours: nothing to renew, so the params need no copy.
            return self.send(method, request, entity_type, Some(auth), params, fast);
        };
        match self.send(
            method,
            request,
            entity_type,
            Some(auth),
            params.clone(),
            fast,
        ) {
            Err(Error::Authentication { .. }) => {
                log::debug!("api3 {method}: the session token was refused; logging in again");
                self.forget_token(&used_token);
                let auth = self.auth_object()?;
                self.send(method, request, entity_type, Some(auth), params, fast)
            }
            other => other,
        }
    }

    /// Drops the exchanged session token, unless another thread has already replaced it.
    fn forget_token(&self, stale: &Secret) {
        let mut token = self
            .inner
            .exchanged_token
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if token.as_ref().map(Secret::expose) == Some(stale.expose()) {
            *token = None;
        }
    }

    /// `sudo_as_login` and `session_uuid`, added to every AUTH object (the official client's
    /// `_auth_params`), the two-factor exchange included.
    fn with_session_options(&self, mut auth: Map<String, Value>) -> Map<String, Value> {
        if let Some(login) = &self.inner.sudo_as_login {
            auth.insert("sudo_as_login".into(), login.clone().into());
        }
        if let Some(uuid) = &self.inner.session_uuid {
            auth.insert("session_uuid".into(), uuid.clone().into());
        }
        auth
    }

    fn auth_object(&self) -> Result<Map<String, Value>> {
        let inner = &self.inner;
        let auth = match &inner.credentials {
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
                        use sg_api3::methods::GetSessionToken;
                        let results = self
                            .send(
                                GetSessionToken::NAME,
                                GetSessionToken::KIND.into(),
                                None,
                                Some(self.with_session_options(inner.credentials.auth_object())),
                                None,
                                &no_fast,
                            )?
                            .into_results();
                        let token = answer_of::<GetSessionToken>(results, None, None)?;
                        let t = Secret::new(token.session_id);
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
        Ok(self.with_session_options(auth))
    }

    fn exchanged_token(&self) -> Option<Secret> {
        self.inner
            .exchanged_token
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Masks every secret of this client (and an exchanged session token), in every form.
    fn redactor(&self) -> Redactor {
        let exchanged = self.exchanged_token();
        let issued = self
            .inner
            .issued_token
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let rest = self
            .inner
            .rest_token
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|(t, _)| t.clone());
        let mut secrets: Vec<&str> = self.inner.credentials.secrets();
        for t in [&exchanged, &issued, &rest].into_iter().flatten() {
            secrets.push(t.expose());
        }
        Redactor::new(secrets)
    }

    /// `text` with every secret masked.
    pub(crate) fn redact(&self, text: &str) -> String {
        self.redactor().redact(text)
    }

    /// A failure with its error page reduced to a masked, bounded text: masked before it is
    /// shortened, so that no cut leaves half a secret showing.
    fn masked(&self, failure: Failure) -> Failure {
        match failure {
            Failure::Status {
                status,
                page,
                retry_after,
            } => {
                let r = self.redactor();
                let masked = if page.truncated {
                    r.redact_cut(&page.text)
                } else {
                    r.redact(&page.text)
                };
                Failure::Status {
                    status,
                    page: ErrorPage::text(crate::transport::page_text(&masked)),
                    retry_after,
                }
            }
            Failure::Redirect {
                status,
                location,
                why,
            } => Failure::Redirect {
                status,
                location: self.redact(&location),
                why,
            },
            Failure::NotSent(d) => Failure::NotSent(self.redact(&d)),
            Failure::AfterSent(d) => Failure::AfterSent(self.redact(&d)),
            Failure::Fatal(d) => Failure::Fatal(self.redact(&d)),
            Failure::TooLarge(d) => Failure::TooLarge(d),
            Failure::TimedOut => Failure::TimedOut,
        }
    }

    /// Sends one call, tried again as [`retry::decide`] allows, and reads its answer: `fast` on
    /// the bytes first, else the envelope's `results`.
    fn send<T>(
        &self,
        method: &str,
        request: Request,
        entity_type: Option<&str>,
        auth: Option<Map<String, Value>>,
        params: Option<Value>,
        fast: &dyn Fn(&[u8]) -> Option<T>,
    ) -> Result<Answered<T>> {
        let body = envelope::body(method, auth, params.as_ref())?;
        let sent_at = chrono::Utc::now();
        // A write whose outcome is unknown carries what was sent, never the AUTH object.
        let unknown_outcome = |cause: Error| Error::MayHaveBeenApplied {
            method: method.into(),
            entity_type: entity_type.map(str::to_owned),
            params: params.clone().unwrap_or(Value::Null),
            sent_at,
            cause: Box::new(cause),
        };
        let user_agent = self.user_agent();
        let headers = RequestHeaders {
            user_agent: &user_agent,
            localized: self.inner.localized,
        };
        let what = || {
            format!(
                "api3 {method}{}",
                entity_type.map(|t| format!(" {t}")).unwrap_or_default()
            )
        };
        // Each try ends in an answer read (its results, or the site's error: final), or in a
        // failure the retry rules decide on. An answer's connection carries the next request
        // only when the answer decoded as api3; one that did not is dropped with it.
        let tried = retry::run(
            &self.inner.retry,
            &self.inner.throttle,
            request,
            &what,
            || {
                let _slot = self.inner.slots.take();
                let answer = self
                    .inner
                    .transport
                    .post_json(&body, &headers)
                    .map_err(|f| self.masked(f))?;
                if let Some(t) = fast(&answer.bytes) {
                    answer.accept();
                    return Ok(Ok(Answered::Fast(t)));
                }
                match envelope::results(method, entity_type, &answer, &self.redactor()) {
                    Ok(results) => {
                        answer.accept();
                        Ok(Ok(Answered::Results(results)))
                    }
                    Err(Decoded::Cut(detail)) => Err(Failure::AfterSent(detail)),
                    Err(Decoded::Error(e @ Error::Malformed { .. })) => Ok(Err(e)),
                    Err(Decoded::Error(e)) => {
                        answer.accept();
                        Ok(Err(e))
                    }
                }
            },
        );
        match tried {
            Ok(Ok(answered)) => Ok(answered),
            // A 2xx answer that is not an api3 envelope: the site may have applied a write.
            Ok(Err(e @ Error::Malformed { .. })) if request == Request::Write => {
                Err(unknown_outcome(e))
            }
            Ok(Err(e)) => Err(e),
            Err(stopped) => {
                let error = self.error_of(method, entity_type, stopped.failure);
                Err(if stopped.may_have_been_applied {
                    unknown_outcome(error)
                } else {
                    error
                })
            }
        }
    }

    /// The error a (masked) failure of `method` becomes.
    fn error_of(&self, method: &str, entity_type: Option<&str>, failure: Failure) -> Error {
        let entity = || entity_type.map(str::to_owned);
        match failure {
            Failure::Status {
                status,
                page,
                retry_after,
            } => Error::Http {
                method: method.into(),
                entity_type: entity(),
                status,
                text: page.text,
                pause: retry_after
                    .filter(|_| matches!(status, 429 | 503))
                    .map(|d| d.min(self.retry_policy().max_pause)),
            },
            Failure::Redirect {
                status,
                location,
                why,
            } => Error::Redirect {
                method: method.into(),
                entity_type: entity(),
                status,
                location,
                why: why.into(),
            },
            Failure::TimedOut => Error::Timeout {
                method: method.into(),
                entity_type: entity(),
                after: self.inner.transport.read_timeout(),
            },
            Failure::NotSent(d) => Error::Connection {
                method: method.into(),
                entity_type: entity(),
                sent: false,
                detail: d,
            },
            Failure::AfterSent(d) => Error::Connection {
                method: method.into(),
                entity_type: entity(),
                sent: true,
                detail: d,
            },
            Failure::Fatal(d) => Error::InvalidRequest(d),
            Failure::TooLarge(d) => Error::Malformed {
                method: method.into(),
                entity_type: entity(),
                detail: d,
            },
        }
    }

    /// The transport, for the upload and download routes.
    pub(crate) fn credentials(&self) -> &Credentials {
        &self.inner.credentials
    }

    /// Held while a REST token is asked for.
    pub(crate) fn rest_fetch(&self) -> std::sync::MutexGuard<'_, ()> {
        self.inner
            .rest_fetch
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// The REST bearer token kept, if any.
    pub(crate) fn rest_token_slot(
        &self,
    ) -> std::sync::MutexGuard<'_, Option<(Secret, std::time::Instant)>> {
        self.inner
            .rest_token
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// The AUTH object as form fields, as the official client's `_auth_params` adds them to
    /// the upload routes' forms.
    pub(crate) fn auth_form(&self) -> Result<Vec<(String, String)>> {
        Ok(self
            .auth_object()?
            .into_iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s,
                    // Python's `str(True)`, as urlencode and the multipart encoder write it.
                    Value::Bool(true) => "True".into(),
                    Value::Bool(false) => "False".into(),
                    other => other.to_string(),
                };
                (k, text)
            })
            .collect())
    }

    /// A session token for these credentials, to hand the session to another program (RV, a
    /// browser, a subprocess) or to authenticate a download by cookie; the official client's
    /// `get_session_token`. It is the token the client was given, the one a login with a
    /// two-factor code was exchanged for, or one the site issues on the first call (api3
    /// `get_session_token`), kept for the next calls. The returned [`Secret`] prints as `***`;
    /// [`Secret::expose`] gives the token itself. Every error message of this client masks it.
    ///
    /// ```no_run
    /// # fn main() -> sg_runtime::Result<()> {
    /// let client = sg_runtime::Client::from_env("https://studio.shotgrid.autodesk.com")?;
    /// let token = client.session_token()?;
    /// std::process::Command::new("rv")
    ///     .env("SG_SESSION_TOKEN", token.expose())
    ///     .status()
    ///     .ok();
    /// # Ok(())
    /// # }
    /// ```
    pub fn session_token(&self) -> Result<Secret> {
        if let Credentials::SessionToken(t) = &self.inner.credentials {
            return Ok(t.clone());
        }
        if let Some(t) = self.exchanged_token() {
            return Ok(t);
        }
        let issued = || {
            self.inner
                .issued_token
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone()
        };
        if let Some(t) = issued() {
            return Ok(t);
        }
        let token =
            self.call_method::<sg_api3::methods::GetSessionToken>(sg_api3::methods::NoParams)?;
        if token.session_id.is_empty() {
            // The official client raises "Could not extract session_id" here too.
            return Err(Error::Malformed {
                method: "get_session_token".into(),
                entity_type: None,
                detail: "the answer has no session_id".into(),
            });
        }
        let mut kept = self
            .inner
            .issued_token
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        // Two threads may both have asked; the first token kept is the one every caller gets.
        Ok(kept.get_or_insert(Secret::new(token.session_id)).clone())
    }

    /// Runs one exchange of an upload or download route (`what` names it in errors), tried again
    /// as [`retry::decide`] allows: always when the request never left; when `repeatable` (a
    /// part PUT, a request for an upload link, a download), also after a 500, 502, 503 or 504,
    /// a timeout or a cut connection. A step that is not repeatable (linking the file, which
    /// creates the Attachment) fails with [`Error::MayHaveBeenApplied`] where its outcome is
    /// unknown.
    pub(crate) fn exchange<T>(
        &self,
        what: &str,
        repeatable: bool,
        mut attempt_once: impl FnMut() -> std::result::Result<T, Failure>,
    ) -> Result<T> {
        let request = if repeatable {
            Request::Transfer
        } else {
            Request::Write
        };
        let sent_at = chrono::Utc::now();
        retry::run(
            &self.inner.retry,
            &self.inner.throttle,
            request,
            &|| what.to_string(),
            || {
                let _slot = self.inner.slots.take();
                attempt_once().map_err(|f| self.masked(f))
            },
        )
        .map_err(|stopped| {
            let error = self.error_of(what, None, stopped.failure);
            if stopped.may_have_been_applied {
                Error::MayHaveBeenApplied {
                    method: what.into(),
                    entity_type: None,
                    params: Value::Null,
                    sent_at,
                    cause: Box::new(error),
                }
            } else {
                error
            }
        })
    }

    /// The schema kept for query fields (`api/query_fields.rs`).
    pub(crate) fn query_schema(&self) -> &Mutex<Option<Arc<sg_api3::schema::Schema>>> {
        &self.inner.query_schema
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
}

/// An answer of [`Client::call_with`]: decoded by its fast path, or the `results` read as `R`.
pub(crate) enum Answered<T, R = Value> {
    Fast(T),
    Results(R),
}

impl<R> Answered<std::convert::Infallible, R> {
    fn into_results(self) -> R {
        match self {
            Answered::Results(v) => v,
            Answered::Fast(never) => match never {},
        }
    }
}

/// No fast path: every answer is read through its envelope.
fn no_fast(_: &[u8]) -> Option<std::convert::Infallible> {
    None
}

/// `M`'s params as sent: `None` (omitted) when they serialise to `null`.
fn params_of<M: Method>(params: &M::Params) -> Result<Option<Value>> {
    match serde_json::to_value(params) {
        Ok(Value::Null) => Ok(None),
        Ok(v) => Ok(Some(v)),
        Err(e) => Err(Error::InvalidRequest(format!(
            "{}: params not serialisable: {e}",
            M::NAME
        ))),
    }
}

/// The entity type a call is about, for its errors: its params' `type`.
fn entity_type_of(params: Option<&Value>) -> Option<String> {
    params
        .and_then(|p| p.get("type"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// `results` read as `M::Answer`. A write whose answer does not read so was applied, most
/// likely, but not as the caller can tell: [`Error::MayHaveBeenApplied`].
fn answer_of<M: Method>(
    results: Value,
    entity_type: Option<String>,
    params: Option<Value>,
) -> Result<M::Answer> {
    serde_path_to_error::deserialize(results).map_err(|e| {
        let at = match e.path().to_string() {
            p if p == "." => String::new(),
            p => format!(" at `{p}`"),
        };
        let malformed = Error::Malformed {
            method: M::NAME.into(),
            entity_type: entity_type.clone(),
            detail: format!(
                "the results are not what `{}` answers{at}: {}",
                M::NAME,
                e.inner()
            ),
        };
        match M::KIND {
            MethodKind::ReadOnly => malformed,
            MethodKind::Write => Error::MayHaveBeenApplied {
                method: M::NAME.into(),
                entity_type,
                params: params.unwrap_or(Value::Null),
                sent_at: chrono::Utc::now(),
                cause: Box::new(malformed),
            },
        }
    })
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
