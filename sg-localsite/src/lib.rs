//! A local ShotGrid site: real HTTP on 127.0.0.1, in memory, loaded with a schema. A stateful
//! fake of a site (as LocalStack is of a cloud), for tests, examples and any language's client.
//!
//! It behaves as a site does, so that code tested against it works on a site: it checks
//! credentials (a bad key is `error_code` 102), entity types, field names, value types,
//! `valid_types`, `valid_values` and read-only fields; it implements `read` (nested and/or
//! filters, the relations of each data type, deep links, sorting, paging, retired records,
//! archived projects), `create`, `update` with the three multi-entity modes, `delete`, `revive`,
//! `batch` as one transaction, `summarize` with grouping, the schema reads and edits, both upload
//! routes and downloads, note threads, text search, activity streams, following, work schedules,
//! preferences, subscriptions, page export, navigation and `info`: one file per area in `api/`,
//! as the client's `api/` in sg-runtime. Faults can be injected per request, per method or
//! route, or as a seeded storm ([`Fault`], [`LocalSite::storm`]), to test retries over real
//! sockets.
//!
//! It shares only the api3 vocabulary (`sg-api3`: the schema model, the data-type table, the
//! method registry) with the client, not the client itself: the official Python client's tests
//! and the response corpus check it from outside.
//!
//! ```
//! use sg_localsite::{LocalSite, SCRIPT_KEY, SCRIPT_NAME};
//! use sg_runtime::{schema::Schema, Client, Credentials, Query};
//!
//! let site = LocalSite::start(Schema::demo())?;
//! let client = Client::builder(site.url())
//!     .credentials(Credentials::script(SCRIPT_NAME, SCRIPT_KEY))
//!     .build()?;
//! client.create("Shot", &serde_json::json!({"code": "sh010"}).as_object().unwrap(), &[])?;
//! assert_eq!(client.find_all(&Query::new("Shot"))?.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod api;
mod faults;
mod http;
mod records;
mod routes;
pub mod webhooks;

use serde_json::{Map, Value};
use sg_api3::schema::Schema;
use std::collections::{BTreeMap, HashSet};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

pub use faults::Fault;
pub use records::events::EventCommits;
pub use records::SeedError;

/// The script name the server accepts unless told otherwise.
pub const SCRIPT_NAME: &str = "mock_script";
/// The script key the server accepts unless told otherwise.
pub const SCRIPT_KEY: &str = "mock-script-key-4f1b2c";

/// One request the server received, as sent (credentials included: keep these to tests).
#[derive(Clone, PartialEq)]
pub struct RecordedRequest {
    /// The HTTP method (`POST`).
    pub http_method: String,
    /// The request path, query included.
    pub path: String,
    /// The HTTP headers, names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// `method_name`.
    pub method: String,
    /// The AUTH object, when one was sent.
    pub auth: Option<Value>,
    /// The PARAMS, when sent.
    pub params: Option<Value>,
    /// The fault played on it, if any.
    pub fault: Option<Fault>,
}

impl RecordedRequest {
    /// Whether the site handled it (made its changes): no fault, or one played around handling.
    pub fn handled(&self) -> bool {
        self.fault.as_ref().is_none_or(Fault::handles_request)
    }
}

impl std::fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordedRequest")
            .field("http_method", &self.http_method)
            .field("path", &self.path)
            .field("method", &self.method)
            .field("auth", &self.auth.as_ref().map(|_| "***"))
            .field("params", &self.params)
            .field("fault", &self.fault)
            .finish()
    }
}

impl RecordedRequest {
    /// The value of header `name` (lower case), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A person's login the server accepts.
#[derive(Clone)]
struct UserLogin {
    password: String,
    /// The two-factor code, when the account has two-factor authentication.
    two_factor: Option<String>,
}

/// State shared by the connection threads.
pub(crate) struct Shared {
    pub(crate) stopping: AtomicBool,
    state: Mutex<api::State>,
    faults: Mutex<faults::Faults>,
    log: Mutex<Vec<RecordedRequest>>,
    scripts: BTreeMap<String, String>,
    users: BTreeMap<String, UserLogin>,
    sessions: Mutex<HashSet<String>>,
    /// Connections accepted so far.
    pub(crate) accepted: AtomicU64,
    /// Connections being served.
    pub(crate) open: AtomicUsize,
    /// A connection that sends nothing for this long is closed.
    pub(crate) idle_timeout: Duration,
    /// How long each request waits before it is answered: a link's round trip.
    pub(crate) latency: Duration,
    /// The largest request body taken (413 beyond).
    pub(crate) max_body: usize,
    /// Connections served at once (503 beyond).
    pub(crate) max_connections: usize,
    /// Whether requests are kept for [`LocalSite::requests`].
    record_requests: bool,
    /// Whether every method that changes data is refused.
    pub(crate) refuse_writes: bool,
    /// Uploads and downloads.
    pub(crate) files: Mutex<api::files::Files>,
    /// The pages `export_page` exports, by id.
    pub(crate) pages: BTreeMap<i64, api::nav::Page>,
    /// `http://127.0.0.1:PORT`, for the links the file routes hand out.
    base_url: String,
    /// The webhooks registered, each with its worker.
    webhooks: Mutex<Vec<Arc<webhooks::Hook>>>,
    /// REST bearer tokens given out.
    pub(crate) rest_tokens: Mutex<HashSet<String>>,
}

impl Shared {
    /// The committed events with ids above `floor`, in id order.
    pub(crate) fn events_after(&self, floor: i64) -> Vec<Map<String, Value>> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state
            .records
            .tables()
            .get("EventLogEntry")
            .map(|t| {
                t.rows
                    .range(floor + 1..)
                    .map(|(_, row)| row.fields.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Records `text` as the acknowledgement of webhook delivery `delivery` (replacing an
    /// earlier one); false when no webhook made that delivery.
    pub(crate) fn acknowledge_delivery(&self, delivery: &str, text: &str) -> bool {
        let hooks = self
            .webhooks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        hooks.iter().any(|h| h.acknowledge(delivery, text))
    }

    /// The highest committed event id (0 when none).
    pub(crate) fn last_event_id(&self) -> i64 {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state
            .records
            .tables()
            .get("EventLogEntry")
            .and_then(|t| t.rows.get_max().map(|(id, _)| *id))
            .unwrap_or(0)
    }
}

impl Shared {
    /// The fault for a request of `name` (an api3 method or a route), if one is set.
    pub(crate) fn next_fault(&self, name: &str) -> Option<Fault> {
        self.faults
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .next(name)
    }

    /// `http://127.0.0.1:PORT`.
    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }
}

/// Configures and starts a [`LocalSite`].
pub struct LocalSiteBuilder {
    schema: Schema,
    scripts: BTreeMap<String, String>,
    users: BTreeMap<String, UserLogin>,
    seed: Option<Value>,
    port: u16,
    page_size: u64,
    idle_timeout: Duration,
    latency: Duration,
    max_body: usize,
    max_connections: usize,
    record_requests: bool,
    refuse_writes: bool,
    cloud_uploads: bool,
    pages: BTreeMap<i64, api::nav::Page>,
    event_commits: EventCommits,
}

impl LocalSiteBuilder {
    /// Closes a connection that sends nothing for this long, between requests or within one
    /// (default 30 s), as a site's load balancer does.
    pub fn idle_timeout(mut self, d: Duration) -> Self {
        self.idle_timeout = d;
        self
    }

    /// The largest request body taken, in bytes (default 64 MiB): a larger one is answered 413
    /// before it is read.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Connections served at once, each by a thread (default 512); one more is answered 503 and
    /// closed, so idle or slow clients cannot exhaust threads.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// Makes every request wait `d` before it is answered, as a link to a cloud site does (a
    /// studio's round trip to one is 50 to 200 ms): requests wait side by side, each on its own
    /// connection, not one after another, so that code reading pages concurrently gains as it
    /// would on a real link. Default: none.
    pub fn latency(mut self, d: Duration) -> Self {
        self.latency = d;
        self
    }

    /// Advertises the cloud-storage upload route in `info` (`s3_direct_uploads_enabled`, with
    /// `s3_enabled_upload_types` as a site sets them: `Version.sg_uploaded_movie`, Attachments,
    /// `this_file`); uploads the client sends that way PUT their bytes to this server's
    /// `/storage/...` links. Default: the direct route only.
    pub fn cloud_uploads(mut self, cloud: bool) -> Self {
        self.cloud_uploads = cloud;
        self
    }

    /// Registers page `id`, listing the records of `entity_type`, as an API-exportable page for
    /// `export_page`, with `layouts` (name, field columns), the first being the default.
    pub fn page(
        mut self,
        id: i64,
        entity_type: impl Into<String>,
        layouts: &[(&str, &[&str])],
    ) -> Self {
        self.pages.insert(
            id,
            api::nav::Page {
                entity_type: entity_type.into(),
                layouts: layouts
                    .iter()
                    .map(|(n, cols)| (n.to_string(), cols.iter().map(|c| c.to_string()).collect()))
                    .collect(),
            },
        );
        self
    }

    /// Refuses every method that changes data (api3 error 104, as a site refuses a script
    /// without write permission). The server binary does this when it has no key of its own.
    pub fn refuse_writes(mut self, refuse: bool) -> Self {
        self.refuse_writes = refuse;
        self
    }

    /// Whether every request is kept for [`LocalSite::requests`] (default: yes, for tests;
    /// a long-running server turns it off so memory stays flat).
    pub fn record_requests(mut self, record: bool) -> Self {
        self.record_requests = record;
        self
    }

    /// Commits event log ids out of order, as a busy site does: every `every`-th event is
    /// readable only after `later` more events are written (see [`LocalSite::commit_events`]).
    pub fn event_commits(mut self, every: u32, later: u32) -> Self {
        self.event_commits = EventCommits { every, later };
        self
    }

    /// Records per page, at most: `info` advertises it as `api_max_entities_per_page` and a
    /// read asking for more per page is refused (default 500, as on a site).
    pub fn page_size(mut self, records: u64) -> Self {
        self.page_size = records.max(1);
        self
    }

    /// Accepts this script name and key (besides [`SCRIPT_NAME`] / [`SCRIPT_KEY`]).
    pub fn script(mut self, name: impl Into<String>, key: impl Into<String>) -> Self {
        self.scripts.insert(name.into(), key.into());
        self
    }

    /// Accepts only the scripts given with [`LocalSiteBuilder::script`], not the default one.
    pub fn without_default_script(mut self) -> Self {
        self.scripts.remove(SCRIPT_NAME);
        self
    }

    /// Accepts this person's login and password.
    pub fn user(mut self, login: impl Into<String>, password: impl Into<String>) -> Self {
        self.users.insert(
            login.into(),
            UserLogin {
                password: password.into(),
                two_factor: None,
            },
        );
        self
    }

    /// Accepts this person's login and password with this two-factor code (error_code 106 without it).
    pub fn user_2fa(
        mut self,
        login: impl Into<String>,
        password: impl Into<String>,
        code: impl Into<String>,
    ) -> Self {
        self.users.insert(
            login.into(),
            UserLogin {
                password: password.into(),
                two_factor: Some(code.into()),
            },
        );
        self
    }

    /// Loads these records before serving: `{"Shot": [{"id": 1, "code": "sh010", ...}], ...}`.
    /// Ids are optional; links may point at records seeded later in the same call.
    pub fn seed(mut self, records: Value) -> Self {
        self.seed = Some(records);
        self
    }

    /// Listens on this port of 127.0.0.1 (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Starts serving on 127.0.0.1.
    pub fn start(self) -> Result<LocalSite, LocalSiteError> {
        let mut store = records::Records::new(self.schema);
        store.page_size = self.page_size;
        store.set_event_commits(self.event_commits);
        if let Some(seed) = &self.seed {
            store.seed(seed).map_err(LocalSiteError::Seed)?;
        }
        let listener = TcpListener::bind(("127.0.0.1", self.port)).map_err(LocalSiteError::Io)?;
        let addr = listener.local_addr().map_err(LocalSiteError::Io)?;
        // Uploaded files live here (made at the first upload) until the server stops.
        let files_dir = std::env::temp_dir().join(format!(
            "sg-localsite-files-{}-{}",
            std::process::id(),
            addr.port()
        ));
        let shared = Arc::new(Shared {
            stopping: AtomicBool::new(false),
            state: Mutex::new(api::State::new(store)),
            faults: Mutex::new(faults::Faults::default()),
            log: Mutex::new(Vec::new()),
            scripts: self.scripts,
            users: self.users,
            sessions: Mutex::new(HashSet::new()),
            accepted: AtomicU64::new(0),
            open: AtomicUsize::new(0),
            idle_timeout: self.idle_timeout,
            latency: self.latency,
            max_body: self.max_body,
            max_connections: self.max_connections,
            record_requests: self.record_requests,
            refuse_writes: self.refuse_writes,
            files: Mutex::new(api::files::Files::new(files_dir, self.cloud_uploads)),
            pages: self.pages,
            base_url: format!("http://{addr}"),
            webhooks: Mutex::new(Vec::new()),
            rest_tokens: Mutex::new(HashSet::new()),
        });
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("sg-localsite-{}", addr.port()))
            .spawn(move || http::accept_loop(listener, s, routes::serve))
            .map_err(LocalSiteError::Io)?;
        Ok(LocalSite {
            addr,
            shared,
            thread: Some(thread),
        })
    }
}

/// Why the local server could not start.
#[derive(Debug, thiserror::Error)]
pub enum LocalSiteError {
    /// The socket could not be opened.
    #[error("local api3 server: {0}")]
    Io(std::io::Error),
    /// The seed records were refused.
    #[error("local api3 server seed: {0}")]
    Seed(SeedError),
}

/// A running local api3 server. Stops when dropped.
pub struct LocalSite {
    addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for LocalSite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalSite")
            .field("url", &self.url())
            .finish()
    }
}

impl LocalSite {
    /// A builder serving `schema`, accepting [`SCRIPT_NAME`] / [`SCRIPT_KEY`].
    pub fn builder(schema: Schema) -> LocalSiteBuilder {
        LocalSiteBuilder {
            schema,
            scripts: BTreeMap::from([(SCRIPT_NAME.to_string(), SCRIPT_KEY.to_string())]),
            users: BTreeMap::new(),
            seed: None,
            port: 0,
            page_size: records::MAX_PAGE,
            idle_timeout: Duration::from_secs(30),
            latency: Duration::ZERO,
            max_body: 64 * 1024 * 1024,
            max_connections: 512,
            record_requests: true,
            refuse_writes: false,
            cloud_uploads: false,
            pages: BTreeMap::new(),
            event_commits: EventCommits::default(),
        }
    }

    /// Starts a server for `schema` on a free port with the default script credentials.
    pub fn start(schema: Schema) -> Result<LocalSite, LocalSiteError> {
        Self::builder(schema).start()
    }

    /// The site URL: `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The folder uploaded files are kept in: made at the first upload, removed when the server
    /// is dropped. A process that exits without dropping it (`std::process::exit`) leaves the
    /// folder behind if anything was uploaded.
    pub fn files_dir(&self) -> std::path::PathBuf {
        self.shared
            .files
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .dir
            .clone()
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Plays `fault` on the next `times` requests (of `method` only, when given: an api3
    /// method's name, or a file route's: `upload_file`, `api_link_file`, `storage`,
    /// `file_serve`, ...).
    pub fn inject(&self, method: Option<&str>, fault: Fault, times: usize) {
        self.faults().inject(method, fault, times);
    }

    /// How many plays of the faults given to [`inject`](LocalSite::inject) are still to come:
    /// 0 once each was played on a request.
    pub fn faults_pending(&self) -> usize {
        self.faults().pending()
    }

    /// Plays one of `faults`, picked at random, on `rate` (0 to 1) of all requests from now on,
    /// after the faults given to [`inject`](LocalSite::inject). The generator is seeded: the
    /// same seed plays the same faults on the same sequence of requests. Replaces any storm
    /// blowing; an empty `faults` ends it. Returns nothing; [`storm_faults`](LocalSite::storm_faults)
    /// counts the faults played.
    pub fn storm(&self, seed: u64, rate: f64, faults: Vec<Fault>) {
        self.faults().storm(seed, rate, faults);
    }

    /// The faults the storm has played so far.
    pub fn storm_faults(&self) -> u64 {
        self.faults().storm_played()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, api::State> {
        self.shared.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn faults(&self) -> std::sync::MutexGuard<'_, faults::Faults> {
        self.shared.faults.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Ends every session: the tokens `get_session_token` gave out are refused from now on
    /// (error 102), as a site does when sessions expire.
    pub fn expire_sessions(&self) {
        self.shared
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// Removes every fault not yet played, and ends the storm.
    pub fn clear_faults(&self) {
        self.faults().clear();
    }

    /// When `user` (a HumanUser id; `None` for the script) last accessed Project `project`, as
    /// `update_project_last_accessed` recorded it.
    pub fn last_accessed(&self, project: i64, user: Option<i64>) -> Option<String> {
        self.state().settings.last_accessed(project, user).cloned()
    }

    /// Makes every event held back by [`LocalSiteBuilder::event_commits`] readable.
    pub fn commit_events(&self) {
        self.state().records.commit_events();
    }

    /// Connections accepted so far.
    pub fn connections_accepted(&self) -> u64 {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// Every request received so far, in order (faulted ones included).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared
            .log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        self.shared
            .log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// Every record of `entity_type`, retired ones included (with `"__retired": true`), by id.
    /// For assertions; reads through no API and no validation.
    pub fn records(&self, entity_type: &str) -> Vec<Map<String, Value>> {
        self.state().records.dump(entity_type)
    }

    /// Registers a webhook: from now on, each committed create, update, delete and revive it
    /// takes is POSTed to its URL by a worker of its own, apart from the writes. Returns its id.
    pub fn add_webhook(&self, webhook: webhooks::Webhook) -> usize {
        let mut hooks = self
            .shared
            .webhooks
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let id = hooks.len() + 1;
        let hook = Arc::new(webhooks::Hook::new(
            id,
            webhook,
            self.shared.last_event_id(),
        ));
        hooks.push(hook.clone());
        let shared = self.shared.clone();
        std::thread::Builder::new()
            .name(format!("sg-localsite-webhook-{id}"))
            .spawn(move || webhooks::run(hook, shared))
            .expect("a thread for the webhook");
        id
    }

    fn hook(&self, id: usize) -> Arc<webhooks::Hook> {
        let hooks = self
            .shared
            .webhooks
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        hooks
            .get(id.wrapping_sub(1))
            .cloned()
            .unwrap_or_else(|| panic!("no webhook {id}"))
    }

    /// The requests webhook `id` made so far, in order.
    pub fn webhook_deliveries(&self, id: usize) -> Vec<webhooks::DeliveryRecord> {
        let hook = self.hook(id);
        let state = hook.state.lock().unwrap_or_else(|p| p.into_inner());
        state.deliveries.clone()
    }

    /// The acknowledgements webhook `id`'s deliveries received: (delivery id, text), in the
    /// order of the deliveries.
    pub fn webhook_acknowledgements(&self, id: usize) -> Vec<(String, String)> {
        let hook = self.hook(id);
        let state = hook.state.lock().unwrap_or_else(|p| p.into_inner());
        state
            .acks
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// How many REST bearer tokens this site has given out.
    pub fn rest_tokens_issued(&self) -> usize {
        self.shared
            .rest_tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    /// Whether webhook `id` has failed (100 failed deliveries in 24 hours): no more deliveries.
    pub fn webhook_failed(&self, id: usize) -> bool {
        let hook = self.hook(id);
        let failed = hook.state.lock().unwrap_or_else(|p| p.into_inner()).failed;
        failed
    }

    /// Waits until every webhook has sent every committed event it takes (or failed); false if
    /// `timeout` passed first.
    pub fn wait_for_webhooks(&self, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let hooks = self
                .shared
                .webhooks
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            if hooks.iter().all(|h| h.idle(&self.shared)) {
                return true;
            }
            if std::time::Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Adds records as [`LocalSiteBuilder::seed`] does, while serving.
    pub fn seed(&self, records: &Value) -> Result<(), SeedError> {
        self.state().records.seed(records)
    }
}

impl Drop for LocalSite {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_dir_all(self.files_dir());
    }
}
