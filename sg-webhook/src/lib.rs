//! A webhook receiver a studio can run: a site POSTs deliveries to it; it verifies each (the
//! signature over the raw bytes, before anything is parsed), answers at once, and hands the
//! events to a handler on worker threads, each event once: deliveries the site repeats are
//! dropped by event id, across restarts. What the webhook did not deliver (the receiver was
//! down, a delivery failed) is read back from the event log through the event stream, on start
//! and when a delivery shows a gap, and handed over too: one checkpoint records both ways in.
//!
//! ```no_run
//! use sg_webhook::{Receiver, Subscription};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let client = sg_runtime::Client::from_env("https://studio.shotgrid.autodesk.com")?;
//! let receiver = Receiver::builder("0.0.0.0:8080")
//!     .secret(std::env::var("SG_WEBHOOK_SECRET")?)
//!     .checkpoint("/var/lib/sg-webhook/checkpoint.json")
//!     .backfill(&client, Subscription::new(["Shot"], ["create", "update"]))
//!     .start(|event| {
//!         println!("{} on {:?}", event.event_type, event.entity);
//!         Ok(())
//!     })?;
//! receiver.wait();
//! # Ok(())
//! # }
//! ```
//!
//! The HTTP server is `tiny_http`: small, blocking like the rest of this toolkit, and widely
//! used; nothing here parses HTTP.

use sg_runtime::events::{Event, EventStream, Start};
use sg_runtime::webhook;
use sg_runtime::{Client, Secret};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// What a handler returns: an error is logged and counted, never answered to the site (the
/// delivery was taken), and the event counts as handled.
pub type HandlerResult = Result<(), String>;

/// Which events the webhook was made for, so that the back-fill from the event log reads the
/// same ones: entity types and operations (`create`, `update`, `delete`, `revive`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subscription {
    entity_types: Vec<String>,
    operations: Vec<String>,
}

impl Subscription {
    /// The events of `entity_types` for `operations` (either empty: all).
    pub fn new<T: Into<String>, O: Into<String>>(
        entity_types: impl IntoIterator<Item = T>,
        operations: impl IntoIterator<Item = O>,
    ) -> Subscription {
        Subscription {
            entity_types: entity_types.into_iter().map(Into::into).collect(),
            operations: operations.into_iter().map(Into::into).collect(),
        }
    }

    /// The event log's `event_type`s these are (`Shotgun_Shot_New`, ...); empty for "all".
    fn event_types(&self) -> Vec<String> {
        if self.entity_types.is_empty() {
            return Vec::new();
        }
        let operations = sg_runtime::webhook::OPERATIONS
            .iter()
            .map(|(op, _)| *op)
            .filter(|o| self.operations.is_empty() || self.operations.iter().any(|x| x == o));
        operations
            .flat_map(|op| {
                self.entity_types
                    .iter()
                    .filter_map(move |t| sg_runtime::webhook::event_type(t, op))
            })
            .collect()
    }
}

/// An event for the workers: delivered (to be claimed), or read from the log (claimed already).
enum Work {
    /// With the delivery's id, for its acknowledgement.
    Delivered(Event, String),
    FromLog(Event),
}

/// Counts of what the receiver did, for monitoring and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Requests answered 200.
    pub accepted: u64,
    /// Requests refused: bad or missing signature (401).
    pub unauthorized: u64,
    /// Requests refused: not a delivery (400), too large (413), not a POST (405).
    pub refused: u64,
    /// Events handed to the handler from deliveries.
    pub handled_from_webhook: u64,
    /// Events handed to the handler from the event log (missed by the webhook).
    pub handled_from_log: u64,
    /// Deliveries of events already handled, dropped.
    pub repeats_dropped: u64,
    /// Handler errors (logged; the events count as handled).
    pub handler_errors: u64,
    /// Deliveries far past the checkpoint (after a long outage), left to the back-fill.
    pub deferred_to_log: u64,
    /// Deliveries acknowledged to the site.
    pub acknowledged: u64,
    /// Acknowledgements the site did not take (logged).
    pub acknowledgement_errors: u64,
}

#[derive(Default)]
struct Counters {
    accepted: AtomicU64,
    unauthorized: AtomicU64,
    refused: AtomicU64,
    from_webhook: AtomicU64,
    from_log: AtomicU64,
    repeats: AtomicU64,
    errors: AtomicU64,
    acked: AtomicU64,
    ack_errors: AtomicU64,
    deferred: AtomicU64,
}

/// Configures a [`Receiver`].
pub struct ReceiverBuilder {
    addr: String,
    secret: Option<Secret>,
    workers: usize,
    max_body: usize,
    checkpoint: Option<PathBuf>,
    backfill: Option<(Client, Subscription)>,
    backfill_every: Duration,
    acknowledge: Option<Client>,
}

impl ReceiverBuilder {
    /// Reports each delivered event's outcome to the site as its delivery's acknowledgement
    /// (`{"status": "succeeded"}`, or `"failed"` with the handler's error), through `client`'s
    /// REST requests. A failed acknowledgement is logged and counted, never retried.
    pub fn acknowledge(mut self, client: &Client) -> Self {
        self.acknowledge = Some(client.clone());
        self
    }

    /// The webhook's secret token: every delivery must carry its signature (401 otherwise).
    /// Without one, deliveries are taken unsigned, as a webhook without a secret sends them.
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = Some(Secret::new(secret));
        self
    }

    /// Threads handling events (default 4).
    pub fn workers(mut self, n: usize) -> Self {
        self.workers = n.max(1);
        self
    }

    /// The largest body taken (default 64 MiB: 50 deliveries of up to 1 MB, and room); 413
    /// beyond, before the body is read.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// The file that records which events were handled, so that a restart hands none twice
    /// (written atomically after each event).
    pub fn checkpoint(mut self, path: impl Into<PathBuf>) -> Self {
        self.checkpoint = Some(path.into());
        self
    }

    /// Reads what the webhook missed from `client`'s event log: on start (since the
    /// checkpoint, before [`start`](ReceiverBuilder::start) returns), when a delivery shows a
    /// gap, and every [`backfill_every`] (default 10 s).
    /// Without it, events the webhook never delivered are not seen.
    ///
    /// [`backfill_every`]: ReceiverBuilder::backfill_every
    pub fn backfill(mut self, client: &Client, subscription: Subscription) -> Self {
        self.backfill = Some((client.clone(), subscription));
        self
    }

    /// How often the event log is read for missed events.
    pub fn backfill_every(mut self, every: Duration) -> Self {
        self.backfill_every = every;
        self
    }

    /// Starts listening, and hands each event to `handler` once.
    pub fn start(
        self,
        handler: impl Fn(&Event) -> HandlerResult + Send + Sync + 'static,
    ) -> Result<Receiver, ReceiverError> {
        let server = tiny_http::Server::http(&self.addr)
            .map_err(|e| ReceiverError::Listen(format!("{}: {e}", self.addr)))?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| ReceiverError::Listen(format!("{}: not an IP address", self.addr)))?;
        let ledger = Ledger::open(self.checkpoint.clone(), self.backfill.as_ref())?;
        let shared = Arc::new(Shared {
            ledger: Mutex::new(ledger),
            handler: Box::new(handler),
            counters: Counters::default(),
            stopping: AtomicBool::new(false),
            wake: (Mutex::new(false), Condvar::new()),
            secret: self.secret,
            max_body: self.max_body,
            can_backfill: self.backfill.is_some(),
            queue: Mutex::new(None),
            acknowledge: self.acknowledge,
        });
        let (tx, rx) = mpsc::channel::<Work>();
        *shared.queue.lock().unwrap_or_else(|p| p.into_inner()) = Some(tx.clone());
        let rx = Arc::new(Mutex::new(rx));
        let mut threads = Vec::new();
        for i in 0..self.workers {
            let (shared, rx) = (shared.clone(), rx.clone());
            threads.push(spawn(&format!("sg-webhook-worker-{i}"), move || {
                work(&shared, &rx)
            })?);
        }
        if self.backfill.is_some() {
            // What was missed while down is queued before `start` returns; the thread reads
            // again on a gap and every `backfill_every`.
            let more = match backfill(&shared) {
                Ok((_, more)) => more,
                Err(e) => {
                    log::warn!("webhook back-fill from the event log at start: {e}");
                    false
                }
            };
            let s = shared.clone();
            let every = self.backfill_every;
            threads.push(spawn("sg-webhook-backfill", move || {
                backfill_loop(&s, every, more)
            })?);
        }
        let server = Arc::new(server);
        let (s, srv) = (shared.clone(), server.clone());
        threads.push(spawn("sg-webhook-http", move || serve(&s, &srv, tx))?);
        Ok(Receiver {
            addr,
            shared,
            server,
            threads,
        })
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> Result<JoinHandle<()>, ReceiverError> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(f)
        .map_err(|e| ReceiverError::Listen(format!("a thread: {e}")))
}

/// Why a receiver could not start.
#[derive(Debug, thiserror::Error)]
pub enum ReceiverError {
    /// The address could not be listened on.
    #[error("cannot listen on {0}")]
    Listen(String),
    /// The event log or the checkpoint could not be read.
    #[error(transparent)]
    Site(#[from] sg_runtime::Error),
}

/// A running receiver. Dropping it (or [`Receiver::stop`]) stops it; events already taken are
/// handled first.
pub struct Receiver {
    addr: std::net::SocketAddr,
    shared: Arc<Shared>,
    server: Arc<tiny_http::Server>,
    threads: Vec<JoinHandle<()>>,
}

impl Receiver {
    /// A builder listening on `addr` (`0.0.0.0:8080`, or `127.0.0.1:0` for any free port).
    pub fn builder(addr: impl Into<String>) -> ReceiverBuilder {
        ReceiverBuilder {
            addr: addr.into(),
            secret: None,
            workers: 4,
            max_body: 64 << 20,
            checkpoint: None,
            backfill: None,
            backfill_every: Duration::from_secs(10),
            acknowledge: None,
        }
    }

    /// The address it listens on.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    /// The URL to give the site: `http://ADDR/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// What it did so far.
    pub fn stats(&self) -> Stats {
        let c = &self.shared.counters;
        let get = |a: &AtomicU64| a.load(Ordering::SeqCst);
        Stats {
            accepted: get(&c.accepted),
            unauthorized: get(&c.unauthorized),
            refused: get(&c.refused),
            handled_from_webhook: get(&c.from_webhook),
            handled_from_log: get(&c.from_log),
            repeats_dropped: get(&c.repeats),
            handler_errors: get(&c.errors),
            deferred_to_log: get(&c.deferred),
            acknowledged: get(&c.acked),
            acknowledgement_errors: get(&c.ack_errors),
        }
    }

    /// Reads the event log for missed events now, page after page to its end, and queues them
    /// for the workers; returns how many.
    pub fn backfill_now(&self) -> Result<usize, sg_runtime::Error> {
        let mut queued = 0;
        loop {
            let (n, more) = backfill(&self.shared)?;
            queued += n;
            if !more {
                return Ok(queued);
            }
        }
    }

    /// Blocks until the receiver stops (it does not stop on its own: run it as a service).
    pub fn wait(mut self) {
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }

    /// Stops taking requests, hands the events already taken, and returns.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        self.shared
            .queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        self.server.unblock();
        self.shared.poke();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        self.shared.ledger().flush();
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.halt();
    }
}

struct Shared {
    ledger: Mutex<Ledger>,
    handler: Box<dyn Fn(&Event) -> HandlerResult + Send + Sync>,
    counters: Counters,
    stopping: AtomicBool,
    /// Wakes the back-fill thread (a gap was seen, or the receiver stops).
    wake: (Mutex<bool>, Condvar),
    secret: Option<Secret>,
    max_body: usize,
    can_backfill: bool,
    /// The workers' queue, for the back-fill (dropped at stop).
    queue: Mutex<Option<mpsc::Sender<Work>>>,
    /// Where deliveries are acknowledged, if they are.
    acknowledge: Option<Client>,
}

impl Shared {
    fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn poke(&self) {
        let (flag, cv) = &self.wake;
        *flag.lock().unwrap_or_else(|p| p.into_inner()) = true;
        cv.notify_all();
    }

    /// Runs the handler on `event`, counting an error; the event is handled either way.
    fn handle(&self, event: &Event, counter: &AtomicU64) -> HandlerResult {
        let outcome = (self.handler)(event);
        if let Err(e) = &outcome {
            self.counters.errors.fetch_add(1, Ordering::SeqCst);
            log::error!("webhook handler failed on event #{}: {e}", event.id);
        }
        counter.fetch_add(1, Ordering::SeqCst);
        outcome
    }

    /// Tells the site how delivery `delivery` went, when asked to.
    fn acknowledge(&self, delivery: &str, outcome: &HandlerResult) {
        let Some(client) = &self.acknowledge else {
            return;
        };
        let text = match outcome {
            Ok(()) => serde_json::json!({"status": "succeeded"}).to_string(),
            Err(e) => {
                // Within the site's 4 KB, on a character boundary.
                let mut error = e.clone();
                let room = sg_runtime::webhook::MAX_ACKNOWLEDGEMENT_BYTES - 64;
                if error.len() > room {
                    let mut cut = room;
                    while !error.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    error.truncate(cut);
                }
                serde_json::json!({"status": "failed", "error": error}).to_string()
            }
        };
        match client.acknowledge_webhook_delivery(delivery, &text) {
            Ok(()) => {
                self.counters.acked.fetch_add(1, Ordering::SeqCst);
            }
            Err(e) => {
                self.counters.ack_errors.fetch_add(1, Ordering::SeqCst);
                log::warn!("the acknowledgement of webhook delivery {delivery} failed: {e}");
            }
        }
    }
}

/// Which events are handled: the event stream's place (with the back-fill) or a set of its
/// own, saved to the checkpoint; and the events being handled now.
struct Ledger {
    stream: Option<EventStream>,
    /// Without a stream: the ids handled, and where they are saved.
    handled: BTreeSet<i64>,
    path: Option<PathBuf>,
    in_flight: BTreeSet<i64>,
}

impl Ledger {
    fn open(
        path: Option<PathBuf>,
        backfill: Option<&(Client, Subscription)>,
    ) -> Result<Ledger, ReceiverError> {
        let mut ledger = Ledger {
            stream: None,
            handled: BTreeSet::new(),
            path: path.clone(),
            in_flight: BTreeSet::new(),
        };
        if let Some((client, subscription)) = backfill {
            let mut b = EventStream::builder(client)
                .start(Start::Now)
                .poll_interval(Duration::from_millis(100));
            let types = subscription.event_types();
            if !types.is_empty() {
                b = b.event_types(types);
            }
            if let Some(p) = &path {
                // Many workers: saved at most every 100 ms (and when idle, and at stop), not
                // once per event under the ledger's lock.
                b = b.checkpoint(p.clone()).save_at_most_every(SAVE_EVERY);
            }
            let mut stream = b.open()?;
            // Where it starts is kept at once: an outage before the first event is handled
            // must not move the start to "now" and skip what happened meanwhile.
            stream.save_place()?;
            ledger.stream = Some(stream);
        } else if let Some(p) = &path {
            ledger.handled = match std::fs::read_to_string(p) {
                Ok(text) => serde_json::from_str(&text).map_err(|e| {
                    ReceiverError::Listen(format!("checkpoint {}: {e}", p.display()))
                })?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeSet::new(),
                Err(e) => {
                    return Err(ReceiverError::Listen(format!(
                        "checkpoint {}: {e}",
                        p.display()
                    )))
                }
            };
        }
        Ok(ledger)
    }

    fn is_handled(&self, id: i64) -> bool {
        match &self.stream {
            Some(s) => s.is_handled(id),
            None => self.handled.contains(&id),
        }
    }

    /// Claims `id` for handling: false when it is handled or being handled.
    fn claim(&mut self, id: i64) -> bool {
        !self.is_handled(id) && self.in_flight.insert(id)
    }

    fn done(&mut self, id: i64) {
        self.in_flight.remove(&id);
        let saved = match &mut self.stream {
            Some(s) => s.mark_handled(id).map_err(|e| e.to_string()),
            None => {
                self.handled.insert(id);
                match &self.path {
                    Some(p) => save(p, &self.handled),
                    None => Ok(()),
                }
            }
        };
        if let Err(e) = saved {
            log::error!("event #{id} handled but not recorded: {e}");
        }
    }

    /// Saves the place if it changed since the last save.
    fn flush(&mut self) {
        if let Some(s) = self.stream.as_mut().filter(|s| s.has_unsaved()) {
            if let Err(e) = s.save_place() {
                log::error!("the webhook checkpoint could not be saved: {e}");
            }
        }
    }

    /// Whether `id` is so far past what the place knows (a long outage) that marking it would
    /// open a gap for every id between: such a delivery is left to the back-fill, which reads
    /// the log in order and comes to it.
    fn far_ahead(&self, id: i64) -> bool {
        self.stream.as_ref().is_some_and(|s| {
            let known = s
                .newest_known()
                .max(self.in_flight.last().copied().unwrap_or(0));
            id - known > FAR_AHEAD
        })
    }

    /// Whether a delivery of `id` leaves ids before it unaccounted for: neither handled nor
    /// being handled (a missed delivery, or another event the next back-fill passes over).
    fn gap_before(&self, id: i64) -> bool {
        self.stream.as_ref().is_some_and(|s| {
            let place = s.place();
            let from = place.contiguous + 1;
            id - from > 10_000
                || (from..id).any(|i| !place.handled.contains(&i) && !self.in_flight.contains(&i))
        })
    }
}

fn save(path: &std::path::Path, handled: &BTreeSet<i64>) -> Result<(), String> {
    let tmp = path.with_extension("tmp");
    let text = serde_json::to_string(handled).map_err(|e| e.to_string())?;
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// The HTTP side: verify, decode, hand over, answer; nothing waits on a handler.
fn serve(shared: &Shared, server: &tiny_http::Server, tx: mpsc::Sender<Work>) {
    while !shared.stopping.load(Ordering::SeqCst) {
        let mut request = match server.recv_timeout(Duration::from_millis(200)) {
            Ok(Some(r)) => r,
            Ok(None) => continue,
            Err(e) => {
                log::warn!("webhook receiver: {e}");
                continue;
            }
        };
        let (status, message) = take(shared, &mut request, &tx);
        let counter = match status {
            200 => &shared.counters.accepted,
            401 => &shared.counters.unauthorized,
            _ => &shared.counters.refused,
        };
        counter.fetch_add(1, Ordering::SeqCst);
        let response = tiny_http::Response::from_string(message).with_status_code(status);
        if let Err(e) = request.respond(response) {
            log::warn!("webhook receiver: answering: {e}");
        }
    }
}

/// Takes one request: its status code and message.
fn take(
    shared: &Shared,
    request: &mut tiny_http::Request,
    tx: &mpsc::Sender<Work>,
) -> (u16, String) {
    if *request.method() != tiny_http::Method::Post {
        return (405, "deliveries are POSTed".into());
    }
    if request.body_length().is_some_and(|n| n > shared.max_body) {
        return (
            413,
            format!("a delivery body is at most {} bytes", shared.max_body),
        );
    }
    let mut body = Vec::new();
    let limit = shared.max_body as u64 + 1;
    if let Err(e) = std::io::Read::read_to_end(
        &mut std::io::Read::take(request.as_reader(), limit),
        &mut body,
    ) {
        return (400, format!("the body could not be read: {e}"));
    }
    if body.len() > shared.max_body {
        return (
            413,
            format!("a delivery body is at most {} bytes", shared.max_body),
        );
    }
    if let Some(secret) = &shared.secret {
        let signature = request
            .headers()
            .iter()
            .find(|h| h.field.equiv(webhook::SIGNATURE_HEADER))
            .map(|h| h.value.as_str().to_owned());
        if let Err(e) = webhook::verify(secret.expose().as_bytes(), signature.as_deref(), &body) {
            return (401, e.to_string());
        }
    }
    let deliveries = match webhook::decode(&body) {
        Ok(d) => d,
        Err(e) => return (400, e.to_string()),
    };
    let n = deliveries.len();
    for d in deliveries {
        if tx.send(Work::Delivered(d.event, d.id)).is_err() {
            return (503, "the receiver is stopping".into());
        }
    }
    (200, format!("{n} taken"))
}

/// A worker: handles events once each.
fn work(shared: &Shared, rx: &Mutex<mpsc::Receiver<Work>>) {
    loop {
        let next = rx
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .recv_timeout(Duration::from_millis(100));
        let (event, counter, delivery) = match next {
            Ok(Work::FromLog(e)) => (e, &shared.counters.from_log, None),
            Ok(Work::Delivered(e, delivery)) => {
                let (claimed, gap) = {
                    let mut ledger = shared.ledger();
                    if ledger.far_ahead(e.id) {
                        drop(ledger);
                        shared.counters.deferred.fetch_add(1, Ordering::SeqCst);
                        shared.poke();
                        continue;
                    }
                    let gap = ledger.gap_before(e.id);
                    (ledger.claim(e.id), gap)
                };
                if !claimed {
                    shared.counters.repeats.fetch_add(1, Ordering::SeqCst);
                    continue;
                }
                if gap && shared.can_backfill {
                    shared.poke();
                }
                (e, &shared.counters.from_webhook, Some(delivery))
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                // Idle: what was handled since the last save is saved now.
                shared.ledger().flush();
                if shared.stopping.load(Ordering::SeqCst) {
                    return;
                }
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                shared.ledger().flush();
                return;
            }
        };
        let outcome = shared.handle(&event, counter);
        shared.ledger().done(event.id);
        if let Some(delivery) = delivery {
            shared.acknowledge(&delivery, &outcome);
        }
    }
}

/// Reads one page of what the webhook missed from the event log, claims it, and queues it for
/// the workers. Returns how many it queued, and whether more may be waiting (a full page).
fn backfill(shared: &Shared) -> Result<(usize, bool), sg_runtime::Error> {
    let (missed, more): (Vec<Event>, bool) = {
        let mut ledger = shared.ledger();
        let Some(stream) = ledger.stream.as_mut() else {
            return Ok((0, false));
        };
        let (events, more) = stream.read_unhandled()?;
        let claimed = events.into_iter().filter(|e| ledger.claim(e.id)).collect();
        (claimed, more)
    };
    let queue = shared
        .queue
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let n = missed.len();
    for event in missed {
        let id = event.id;
        let sent = queue
            .as_ref()
            .is_some_and(|q| q.send(Work::FromLog(event)).is_ok());
        if !sent {
            // Stopping: left for the next start, which reads it again.
            shared.ledger().in_flight.remove(&id);
        }
    }
    Ok((n, more))
}

/// How often, at most, the checkpoint is written while events are being handled.
const SAVE_EVERY: Duration = Duration::from_millis(100);

/// Ids past what the place knows beyond which a delivery is left to the back-fill.
const FAR_AHEAD: i64 = 2_000;

/// Back-fills at most this often, however many gaps deliveries show.
const BACKFILL_AT_MOST_EVERY: Duration = Duration::from_millis(500);

fn backfill_loop(shared: &Shared, every: Duration, mut more: bool) {
    let mut last = std::time::Instant::now();
    loop {
        // A full page read: the next one at once; else wait for a gap or the interval.
        if !more {
            let (flag, cv) = &shared.wake;
            let mut woken = flag.lock().unwrap_or_else(|p| p.into_inner());
            if !*woken {
                woken = cv
                    .wait_timeout(woken, every)
                    .map(|(g, _)| g)
                    .unwrap_or_else(|p| p.into_inner().0);
            }
            *woken = false;
            drop(woken);
            if let Some(rest) = BACKFILL_AT_MOST_EVERY.checked_sub(last.elapsed()) {
                std::thread::sleep(rest);
            }
        }
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        last = std::time::Instant::now();
        more = match backfill(shared) {
            Ok((_, more)) => more,
            Err(e) => {
                log::warn!("webhook back-fill from the event log: {e}");
                false
            }
        };
    }
}
