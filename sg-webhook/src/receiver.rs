//! The receiver: the HTTP side records each delivery's events in the ledger before answering;
//! workers claim, handle and finish them; the back-fill reads what the webhook missed from the
//! event log.

use crate::http::{Limits, WebhookService};
use crate::ledger::{Claim, EventState, FileLedger, Lease, Ledger, LedgerError, Unfinished};
use crate::{HandlerResult, Stats, Subscription};
use sg_runtime::events::{Event, EventStream, Start};
use sg_runtime::typed::EventMeta;
use sg_runtime::webhook;
use sg_runtime::{Client, Secret};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// An event for the workers, with the delivery to acknowledge when it came by webhook.
struct Work {
    event: Event,
    delivery: Option<String>,
}

/// The HTTP side's verdict on a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    /// Recorded durably: 200.
    Accepted,
    /// Signature missing or wrong: 401.
    Unauthorized,
    /// Not a delivery, too large, too slow, another path or method: 4xx.
    Refused,
    /// The ledger could not record it: 503 (the site counts a failure, and nothing is lost).
    Unavailable,
}

#[derive(Default)]
struct Counters {
    accepted: AtomicU64,
    unauthorized: AtomicU64,
    refused: AtomicU64,
    unavailable: AtomicU64,
    from_webhook: AtomicU64,
    from_log: AtomicU64,
    repeats: AtomicU64,
    errors: AtomicU64,
    may_have_run: AtomicU64,
    not_delivered_by_webhooks: AtomicU64,
    acked: AtomicU64,
    ack_errors: AtomicU64,
    ledger_errors: AtomicU64,
}

/// Configures a [`Receiver`].
pub struct ReceiverBuilder {
    addr: String,
    path: String,
    secret: Option<Secret>,
    workers: usize,
    limits: Limits,
    checkpoint: Option<PathBuf>,
    repeat_window: u64,
    ledger: Option<Box<dyn Ledger>>,
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

    /// The path deliveries are POSTed to (default `/`); any other path is answered 404.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        let path = path.into();
        self.path = if path.starts_with('/') {
            path
        } else {
            format!("/{path}")
        };
        self
    }

    /// Threads handling events (default 4).
    pub fn workers(mut self, n: usize) -> Self {
        self.workers = n.max(1);
        self
    }

    /// The largest body taken (default 64 MiB: 50 deliveries of up to 1 MB, and room): 413
    /// past it, on the announced length before anything is read, or as soon as a body without
    /// one passes it.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.limits.max_body = bytes;
        self
    }

    /// How long a client may take to send a request's head, and on a kept connection to start
    /// the next one (default 10 s): the connection is closed after it.
    pub fn head_timeout(mut self, d: Duration) -> Self {
        self.limits.head_timeout = d;
        self
    }

    /// How long a client may take to send a body (default 30 s): 408 after it.
    pub fn body_timeout(mut self, d: Duration) -> Self {
        self.limits.body_timeout = d;
        self
    }

    /// The most bytes of a request head (default 64 KiB; 431 past it) and header fields
    /// (default 100).
    pub fn max_head(mut self, bytes: usize, fields: usize) -> Self {
        self.limits.max_head = bytes;
        self.limits.max_headers = fields.max(1);
        self
    }

    /// Connections open at once (default 768, under a usual limit of 1,024 open files); past
    /// it, new connections wait to be accepted.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.limits.max_connections = n.max(1);
        self
    }

    /// The file that records each event's state (accepted, claimed, done: a journal), so that a
    /// restart loses none that was answered 200 and runs none twice but those whose handler was
    /// running; with a back-fill, `<file>.place` beside it holds the event stream's place.
    /// Without one, the states are kept in memory and a restart forgets them.
    pub fn checkpoint(mut self, path: impl Into<PathBuf>) -> Self {
        self.checkpoint = Some(path.into());
        self
    }

    /// How many done events' ids the file ledger remembers to drop repeats (default 10,000).
    pub fn repeat_window(mut self, events: u64) -> Self {
        self.repeat_window = events;
        self
    }

    /// Records events' states in `ledger` instead of the file ledger (a store shared by several
    /// receivers). [`checkpoint`](Self::checkpoint) then names only the event stream's place.
    pub fn ledger(mut self, ledger: impl Ledger + 'static) -> Self {
        self.ledger = Some(Box::new(ledger));
        self
    }

    /// Reads what the webhook missed from `client`'s event log: on start (since the
    /// checkpoint, before [`start`](ReceiverBuilder::start) returns), when a delivery shows a
    /// gap, and every [`backfill_every`] (default 10 s). Only what the webhook would have
    /// delivered is handed over: the subscription's events, without the field changes made
    /// while a record was created (the site delivers the creation alone).
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
        let runtime = runtime()?;
        let listen_error = |e: std::io::Error| ReceiverError::Listen(format!("{}: {e}", self.addr));
        let at = std::net::ToSocketAddrs::to_socket_addrs(&self.addr)
            .map_err(listen_error)?
            .next()
            .ok_or_else(|| ReceiverError::Listen(format!("{}: no address", self.addr)))?;
        let listener = runtime
            .block_on(async {
                let socket = if at.is_ipv4() {
                    tokio::net::TcpSocket::new_v4()
                } else {
                    tokio::net::TcpSocket::new_v6()
                }?;
                socket.set_reuseaddr(true)?;
                socket.bind(at)?;
                // A deep accept queue: with the usual 128, a burst of connections (a site's
                // batch of deliveries, or a flood) overflows it, and a dropped SYN costs a
                // well-behaved sender a 1 s retransmission. The kernel caps it at somaxconn.
                socket.listen(ACCEPT_QUEUE)
            })
            .map_err(listen_error)?;
        let addr = listener
            .local_addr()
            .map_err(|e| ReceiverError::Listen(format!("{}: {e}", self.addr)))?;
        let path = self.path.clone();
        let mut receiver = self.build(Box::new(handler), Some(addr))?;
        let (stop, stop_rx) = tokio::sync::watch::channel(false);
        let served = runtime.spawn(crate::http::serve(
            listener,
            path,
            receiver.shared.clone(),
            stop_rx,
            Duration::from_secs(5),
        ));
        receiver.listening = Some(Listening {
            runtime,
            stop,
            served,
        });
        Ok(receiver)
    }

    /// Starts without a listener of its own: mount [`Receiver::service`] at a route of an
    /// application of yours (axum, or any tower server). Events go to `handler` once.
    pub fn mount(
        self,
        handler: impl Fn(&Event) -> HandlerResult + Send + Sync + 'static,
    ) -> Result<Receiver, ReceiverError> {
        // The application's runtime serves it: the receiver keeps none of its own.
        self.build(Box::new(handler), None)
    }

    fn build(
        self,
        handler: Box<dyn Fn(&Event) -> HandlerResult + Send + Sync>,
        addr: Option<std::net::SocketAddr>,
    ) -> Result<Receiver, ReceiverError> {
        let ledger: Box<dyn Ledger> = match (self.ledger, &self.checkpoint) {
            (Some(l), _) => l,
            (None, Some(p)) => Box::new(FileLedger::open(p.clone(), self.repeat_window)?),
            (None, None) => Box::new(FileLedger::in_memory(self.repeat_window)),
        };
        let source = match self.backfill {
            Some((client, subscription)) => {
                let place_file = self.checkpoint.as_ref().map(|p| {
                    let mut name = p.clone().into_os_string();
                    name.push(".place");
                    PathBuf::from(name)
                });
                let source = Backfill {
                    client,
                    subscription,
                    place_file,
                    stream: Mutex::new(None),
                };
                // Opened now where this node may back-fill: a checkpoint that cannot be read
                // fails the start.
                source.open_if_held(&*ledger)?;
                Some(source)
            }
            None => None,
        };
        let unfinished = ledger.unfinished();
        let takeover_every = ledger.takeover_every();
        let shared = Arc::new(Shared {
            ledger,
            backfill: source,
            to_place: Mutex::new(Vec::new()),
            handler,
            counters: Counters::default(),
            stopping: AtomicBool::new(false),
            wake: (Mutex::new(false), Condvar::new()),
            secret: self.secret,
            limits: self.limits,
            queue: Mutex::new(None),
            acknowledge: self.acknowledge,
        });
        let (tx, rx) = mpsc::channel::<Work>();
        *shared.queue.lock().unwrap_or_else(|p| p.into_inner()) = Some(tx);
        // What was accepted and not done before a stop or a crash goes first.
        let resumed = shared.resume(unfinished);
        if resumed > 0 {
            log::info!(
                "webhook receiver: {resumed} events accepted before a restart are handled now"
            );
        }
        let rx = Arc::new(Mutex::new(rx));
        let mut threads = Vec::new();
        for i in 0..self.workers {
            let (shared, rx) = (shared.clone(), rx.clone());
            threads.push(spawn(&format!("sg-webhook-worker-{i}"), move || {
                work(&shared, &rx)
            })?);
        }
        if let Some(every) = takeover_every {
            let s = shared.clone();
            threads.push(spawn("sg-webhook-takeover", move || {
                takeover_loop(&s, every)
            })?);
        }
        if shared.backfill.is_some() {
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
        Ok(Receiver {
            addr,
            path: self.path,
            shared,
            listening: None,
            threads,
        })
    }
}

/// The receiver's own listener: its runtime, the signal that stops it, and the serving task.
struct Listening {
    runtime: tokio::runtime::Runtime,
    stop: tokio::sync::watch::Sender<bool>,
    served: tokio::task::JoinHandle<()>,
}

fn runtime() -> Result<tokio::runtime::Runtime, ReceiverError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("sg-webhook-http")
        .enable_all()
        .build()
        .map_err(|e| ReceiverError::Listen(format!("an HTTP runtime: {e}")))
}

/// Where the back-fill reads from, and its stream while this node may read.
struct Backfill {
    client: Client,
    subscription: Subscription,
    /// The place's file beside the checkpoint, when the ledger keeps no place of its own.
    place_file: Option<PathBuf>,
    /// The stream, with the lease it was opened under; `None` while another node back-fills.
    stream: Mutex<Option<(Lease, EventStream)>>,
}

impl Backfill {
    fn lock(&self) -> MutexGuard<'_, Option<(Lease, EventStream)>> {
        self.stream.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens the stream (reading the place again) when this node holds the lease under a term
    /// it has not opened it under; drops it when another node holds the lease. Returns whether
    /// this node may read now.
    fn open_if_held(&self, ledger: &dyn Ledger) -> Result<bool, ReceiverError> {
        let lease = ledger.backfill_lease();
        let mut slot = self.lock();
        if lease == Lease::NotHeld {
            if slot.take().is_some() {
                log::warn!("webhook back-fill: another node holds the lease; this one stops reading the event log");
            }
            return Ok(false);
        }
        if slot.as_ref().map(|(l, _)| *l) != Some(lease) {
            let mut b = EventStream::builder(&self.client)
                .start(Start::Now)
                .poll_interval(Duration::from_millis(100));
            let types = self.subscription.event_types();
            if !types.is_empty() {
                b = b.event_types(types);
            }
            let store = ledger.place_store();
            b = match (store, &self.place_file) {
                (Some(store), _) => b.place_store(store),
                (None, Some(p)) => b.checkpoint(p.clone()),
                (None, None) => b,
            };
            // Saved at most every 100 ms (and when idle, and at stop): the ledger, not the
            // place, is what keeps an event from running twice.
            let mut stream = b.save_at_most_every(SAVE_EVERY).open()?;
            // Where it starts is kept at once: an outage before the first event is handled must
            // not move the start to "now" and skip what happened meanwhile.
            stream.save_place()?;
            if let Lease::Held(term) = lease {
                log::info!(
                    "webhook back-fill: this node reads the event log (lease term {term}), from #{}",
                    stream.place().contiguous
                );
            }
            *slot = Some((lease, stream));
        }
        Ok(true)
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
    /// The ledger could not be opened.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The event log or the stream's checkpoint could not be read.
    #[error(transparent)]
    Site(#[from] sg_runtime::Error),
}

/// A running receiver. Dropping it (or [`Receiver::stop`]) stops it: no new connection is
/// taken, requests in flight are answered, the events accepted are handled, and the place is
/// saved.
pub struct Receiver {
    addr: Option<std::net::SocketAddr>,
    path: String,
    shared: Arc<Shared>,
    /// The listener of its own (`None` when mounted in an application's server).
    listening: Option<Listening>,
    threads: Vec<JoinHandle<()>>,
}

impl Receiver {
    /// A builder listening on `addr` (`0.0.0.0:8080`, or `127.0.0.1:0` for any free port).
    pub fn builder(addr: impl Into<String>) -> ReceiverBuilder {
        ReceiverBuilder {
            addr: addr.into(),
            path: "/".into(),
            secret: None,
            workers: 4,
            limits: Limits::default(),
            checkpoint: None,
            repeat_window: FileLedger::DEFAULT_REPEAT_WINDOW,
            ledger: None,
            backfill: None,
            backfill_every: Duration::from_secs(10),
            acknowledge: None,
        }
    }

    /// The address it listens on (`None` when mounted in an application of one's own).
    pub fn addr(&self) -> Option<std::net::SocketAddr> {
        self.addr
    }

    /// The URL to give the site: `http://ADDR/PATH` (the path alone when mounted).
    pub fn url(&self) -> String {
        match self.addr {
            Some(a) => format!("http://{a}{}", self.path),
            None => self.path.clone(),
        }
    }

    /// The receiver as a tower service, to mount in an application of one's own (see
    /// [`ReceiverBuilder::mount`]).
    pub fn service(&self) -> WebhookService {
        WebhookService::new(self.shared.clone())
    }

    /// What it did so far.
    pub fn stats(&self) -> Stats {
        let c = &self.shared.counters;
        let get = |a: &AtomicU64| a.load(Ordering::SeqCst);
        Stats {
            accepted: get(&c.accepted),
            unauthorized: get(&c.unauthorized),
            refused: get(&c.refused),
            unavailable: get(&c.unavailable),
            handled_from_webhook: get(&c.from_webhook),
            handled_from_log: get(&c.from_log),
            repeats_dropped: get(&c.repeats),
            handler_errors: get(&c.errors),
            may_have_run: get(&c.may_have_run),
            not_delivered_by_webhooks: get(&c.not_delivered_by_webhooks),
            acknowledged: get(&c.acked),
            acknowledgement_errors: get(&c.ack_errors),
            ledger_errors: get(&c.ledger_errors),
        }
    }

    /// Reads the event log for missed events now, page after page to its end, and queues them
    /// for the workers; returns how many (none while another node holds the back-fill lease).
    pub fn backfill_now(&self) -> Result<usize, ReceiverError> {
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

    /// Stops taking requests, answers those in flight, hands the events already taken, and
    /// returns.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        if let Some(l) = self.listening.take() {
            let _ = l.stop.send(true);
            let _ = l.runtime.block_on(l.served);
        }
        self.shared.stopping.store(true, Ordering::SeqCst);
        self.shared
            .queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        self.shared.poke();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        self.shared.save_place();
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.halt();
    }
}

pub(crate) struct Shared {
    ledger: Box<dyn Ledger>,
    /// The back-fill's source, and its reader of the event log with its place.
    backfill: Option<Backfill>,
    /// Ids handled and not yet recorded in the place (it was busy).
    to_place: Mutex<Vec<i64>>,
    handler: Box<dyn Fn(&Event) -> HandlerResult + Send + Sync>,
    counters: Counters,
    stopping: AtomicBool,
    /// Wakes the back-fill thread (a gap was seen, or the receiver stops).
    wake: (Mutex<bool>, Condvar),
    secret: Option<Secret>,
    pub(crate) limits: Limits,
    /// The workers' queue (dropped at stop).
    queue: Mutex<Option<mpsc::Sender<Work>>>,
    /// Where deliveries are acknowledged, if they are.
    acknowledge: Option<Client>,
}

impl Shared {
    fn ledger(&self) -> &dyn Ledger {
        &*self.ledger
    }

    /// Queues events a ledger found unfinished (at start, or left by other nodes); returns how
    /// many.
    fn resume(&self, unfinished: Vec<Unfinished>) -> usize {
        let mut resumed = 0;
        for u in unfinished {
            match u.delivery.as_ref().map(webhook::decode_one) {
                Some(Ok(d)) => {
                    resumed += 1;
                    self.enqueue(Work {
                        event: d.event,
                        delivery: Some(d.id),
                    });
                }
                Some(Err(e)) => log::error!("webhook ledger: event #{} cannot be read: {e}", u.id),
                // Read from the log before: the back-fill reads it again.
                None if self.backfill.is_some() => {}
                None => log::error!(
                    "event #{} was claimed from the event log before a restart, and no back-fill is configured to read it again",
                    u.id
                ),
            }
        }
        resumed
    }

    fn poke(&self) {
        let (flag, cv) = &self.wake;
        *flag.lock().unwrap_or_else(|p| p.into_inner()) = true;
        cv.notify_all();
    }

    pub(crate) fn count(&self, answer: Answer) {
        let c = &self.counters;
        let counter = match answer {
            Answer::Accepted => &c.accepted,
            Answer::Unauthorized => &c.unauthorized,
            Answer::Refused => &c.refused,
            Answer::Unavailable => &c.unavailable,
        };
        counter.fetch_add(1, Ordering::SeqCst);
    }

    fn enqueue(&self, work: Work) -> bool {
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .is_some_and(|q| q.send(work).is_ok())
    }

    /// Takes one delivery body: verified, decoded, its new events recorded durably and queued.
    /// Blocking (a synced write): the HTTP side calls it off its runtime.
    pub(crate) fn take(&self, signature: Option<&str>, body: &[u8]) -> Answer {
        if self.stopping.load(Ordering::SeqCst) {
            return Answer::Unavailable;
        }
        if let Some(secret) = &self.secret {
            if let Err(e) = webhook::verify(secret.expose().as_bytes(), signature, body) {
                log::warn!("webhook receiver: a delivery refused: {e}");
                return Answer::Unauthorized;
            }
        }
        // Each delivery decoded, and kept as the site sent it for the ledger (moved, not copied:
        // a body may be 64 MiB).
        let decoded = webhook::split(body).and_then(|raw| {
            raw.into_iter()
                .map(|r| webhook::decode_one(&r).map(|d| (d, r)))
                .collect::<Result<Vec<_>, _>>()
        });
        let (deliveries, records): (Vec<_>, Vec<_>) = match decoded {
            Ok(d) => d
                .into_iter()
                .map(|(d, raw)| {
                    let id = d.event.id;
                    (d, (id, raw))
                })
                .unzip(),
            Err(e) => {
                log::warn!("webhook receiver: not a delivery: {e}");
                return Answer::Refused;
            }
        };
        let new = match self.ledger().accept(&records) {
            Ok(new) => new,
            Err(e) => {
                self.counters.ledger_errors.fetch_add(1, Ordering::SeqCst);
                log::error!("webhook receiver: a delivery not recorded, answered 503: {e}");
                return Answer::Unavailable;
            }
        };
        let mut gap = false;
        for (d, new) in deliveries.into_iter().zip(new) {
            if !new {
                self.counters.repeats.fetch_add(1, Ordering::SeqCst);
                continue;
            }
            // A gap below a delivery: a missed one, for the back-fill. Not waited for: the
            // back-fill may hold the stream while it reads the log.
            gap |= self
                .backfill
                .as_ref()
                .and_then(|b| b.stream.try_lock().ok())
                .is_some_and(|s| s.as_ref().is_some_and(|(_, s)| s.has_gap_below(d.event.id)));
            // Recorded: if the queue is gone (stopping), the next start handles it.
            self.enqueue(Work {
                event: d.event,
                delivery: Some(d.id),
            });
        }
        if gap {
            self.poke();
        }
        Answer::Accepted
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

    /// Records `id` done in the stream's place, and lets the ledger forget what the place has
    /// passed. A worker never waits for the place: while the back-fill holds it (reading the
    /// log), ids wait in `to_place` and the back-fill records them when its read is done.
    fn mark_in_place(&self, id: i64) {
        let Some(backfill) = &self.backfill else {
            return;
        };
        self.to_place
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(id);
        if let Ok(mut slot) = backfill.stream.try_lock() {
            self.record_in_place(&mut slot);
        }
    }

    /// Records the ids handled since in the place (held by the caller). While another node
    /// back-fills, they are dropped: that node finds them done in the ledger.
    fn record_in_place(&self, slot: &mut Option<(Lease, EventStream)>) {
        let ids = std::mem::take(&mut *self.to_place.lock().unwrap_or_else(|p| p.into_inner()));
        let Some((_, stream)) = slot else {
            return;
        };
        if ids.is_empty() {
            return;
        }
        for id in ids {
            if let Err(e) = stream.mark_handled(id) {
                log::error!("event #{id} handled, not recorded in the event stream's place: {e}");
            }
        }
        self.ledger().settled_through(stream.place().contiguous);
    }

    fn save_place(&self) {
        if let Some(backfill) = &self.backfill {
            let mut slot = backfill.lock();
            self.record_in_place(&mut slot);
            if let Some((_, s)) = slot.as_mut().filter(|(_, s)| s.has_unsaved()) {
                if let Err(e) = s.save_place() {
                    log::error!("the event stream's place could not be saved: {e}");
                }
            }
        }
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

/// A worker: claims, handles and finishes events, each once.
fn work(shared: &Shared, rx: &Mutex<mpsc::Receiver<Work>>) {
    loop {
        let next = rx
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .recv_timeout(Duration::from_millis(100));
        let Work { event, delivery } = match next {
            Ok(w) => w,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                // Idle: the place handled since the last save is saved now.
                shared.save_place();
                if shared.stopping.load(Ordering::SeqCst) {
                    return;
                }
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                shared.save_place();
                return;
            }
        };
        let claim = shared.ledger().claim(event.id);
        match claim {
            Ok(Claim::Taken) => {
                if delivery.is_some() {
                    shared.counters.repeats.fetch_add(1, Ordering::SeqCst);
                }
                continue;
            }
            Ok(Claim::MayHaveRun) => {
                shared.counters.may_have_run.fetch_add(1, Ordering::SeqCst);
                log::warn!(
                    "event #{} was being handled when the receiver stopped: handled again (it may have run)",
                    event.id
                );
            }
            Ok(Claim::Run) => {}
            Err(e) => {
                // Not claimed, so not run: it stays accepted, and the next start takes it.
                shared.counters.ledger_errors.fetch_add(1, Ordering::SeqCst);
                log::error!(
                    "event #{} not claimed, left for the next start: {e}",
                    event.id
                );
                continue;
            }
        }
        let counter = match delivery {
            Some(_) => &shared.counters.from_webhook,
            None => &shared.counters.from_log,
        };
        let outcome = shared.handle(&event, counter);
        if let Err(e) = shared.ledger().done(event.id) {
            shared.counters.ledger_errors.fetch_add(1, Ordering::SeqCst);
            log::error!(
                "event #{} handled, its done not recorded (a restart runs it again): {e}",
                event.id
            );
        }
        shared.mark_in_place(event.id);
        if let Some(delivery) = delivery {
            shared.acknowledge(&delivery, &outcome);
        }
    }
}

/// Whether the site's webhook would have delivered `event`: field changes made while a record
/// was created are not delivered (the creation is).
fn webhook_delivers(event: &Event) -> bool {
    !matches!(
        event.meta,
        EventMeta::AttributeChange {
            in_create: true,
            ..
        }
    )
}

/// Reads one page of what the webhook missed from the event log and queues what the ledger does
/// not know for the workers. Returns how many it queued, and whether more may be waiting (a
/// full page).
fn backfill(shared: &Shared) -> Result<(usize, bool), ReceiverError> {
    let Some(source) = &shared.backfill else {
        return Ok((0, false));
    };
    if !source.open_if_held(shared.ledger())? {
        return Ok((0, false));
    }
    let mut slot = source.lock();
    let Some((_, stream)) = slot.as_mut() else {
        return Ok((0, false));
    };
    let read = stream.read_unhandled();
    let (events, more) = read?;
    let mut missed = Vec::new();
    for event in events {
        if !webhook_delivers(&event) {
            shared
                .counters
                .not_delivered_by_webhooks
                .fetch_add(1, Ordering::SeqCst);
            stream.mark_handled(event.id)?;
            continue;
        }
        match shared.ledger().state(event.id) {
            // Handled, here or on another node.
            EventState::Done => stream.mark_handled(event.id)?,
            EventState::InFlight => {}
            EventState::Open => missed.push(event),
        }
    }
    // What the workers handled during the read.
    shared.record_in_place(&mut slot);
    drop(slot);
    let n = missed.len();
    for event in missed {
        // Stopping: left for the next start, which reads it again.
        if !shared.enqueue(Work {
            event,
            delivery: None,
        }) {
            break;
        }
    }
    Ok((n, more))
}

/// The listen backlog asked for (the kernel caps it at `net.core.somaxconn`).
const ACCEPT_QUEUE: u32 = 4096;

/// How often, at most, the stream's place is written while events are being handled.
const SAVE_EVERY: Duration = Duration::from_millis(100);

/// Back-fills at most this often, however many gaps deliveries show.
const BACKFILL_AT_MOST_EVERY: Duration = Duration::from_millis(500);

/// Queues what other nodes left, every `every`, until the receiver stops.
fn takeover_loop(shared: &Shared, every: Duration) {
    while !shared.stopping.load(Ordering::SeqCst) {
        let (flag, cv) = &shared.wake;
        let woken = flag.lock().unwrap_or_else(|p| p.into_inner());
        drop(cv.wait_timeout(woken, every));
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let n = shared.resume(shared.ledger().takeovers());
        if n > 0 {
            log::info!("webhook receiver: {n} events left by other nodes are handled here");
        }
    }
}

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
