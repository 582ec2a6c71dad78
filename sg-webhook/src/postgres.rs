//! A ledger on PostgreSQL, shared by any number of receivers (feature `postgres`): each event is
//! claimed by exactly one node, a node that dies has its claims taken over, and one node at a
//! time holds the back-fill lease (the event stream's place lives in the database too).
//!
//! Every state change is one statement in its own transaction, committed (and so, with the
//! server's default `synchronous_commit`, on the server's disk) before the call returns:
//! - **accept**: `INSERT .. ON CONFLICT DO NOTHING`: a repeat, from the site or from a balancer
//!   that retried on another node, inserts nothing and is answered as a repeat;
//! - **claim**: one `UPDATE .. WHERE state = 'accepted' OR (claimed by a node that stopped
//!   beating)`: PostgreSQL's row lock makes two nodes that claim at once see each other, and the
//!   second finds the row taken. A claim counts itself: a second claim of the same event is a
//!   takeover, reported "may have run";
//! - **done**: only by the node holding the claim.
//!
//! Nodes beat every `node_timeout / 5` (`sg_webhook_nodes`); a node not seen for `node_timeout`
//! is dead, and what it accepted or claimed is offered to the others ([`Ledger::takeovers`]).
//! The back-fill lease (`sg_webhook_leases`) is taken and renewed on the same beat, with the
//! database's clock; a node trusts its lease for half its length after the renewal was sent,
//! so it stops before another can take it. Each new holder starts a new term, kept in
//! `sg_webhook_lease_terms` with when it began and when it was last renewed: one holder at a
//! time can be checked from the database. The place is saved only by the holder of the
//! lease (the save checks it in the same statement).
//!
//! The tables are created and migrated by [`PgLedger::connect`], under an advisory lock, so any
//! number of nodes may start at once; `sg_webhook_schema` holds the version.

use crate::ledger::{Claim, EventState, Lease, Ledger, LedgerError, Unfinished};
use crate::HandlerResult;
use sg_runtime::events::Event;

/// The PostgreSQL driver the ledger uses (rust-postgres), for handlers that write in the ledger's
/// transaction ([`PgLedger::in_transaction`]).
pub use ::postgres as driver;
use serde_json::Value;
use sg_runtime::events::{Checkpoint, PlaceStore};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The version of the tables this build creates and reads.
pub const SCHEMA_VERSION: i32 = 1;

/// The lease the back-fill runs under.
pub const BACKFILL_LEASE: &str = "backfill";

/// Each migration, from version 0: the statements that take the tables from the version before.
const MIGRATIONS: &[&str] = &[r"
CREATE TABLE sg_webhook_events (
    event_id    bigint PRIMARY KEY,
    state       text NOT NULL CHECK (state IN ('accepted', 'claimed', 'done')),
    delivery    text,
    accepted_by text,
    accepted_at timestamptz NOT NULL DEFAULT now(),
    node        text,
    claimed_at  timestamptz,
    claims      integer NOT NULL DEFAULT 0,
    done_at     timestamptz
);
CREATE INDEX sg_webhook_events_open ON sg_webhook_events (event_id) WHERE state <> 'done';
CREATE TABLE sg_webhook_nodes (
    instance   text PRIMARY KEY,
    name       text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    seen_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE sg_webhook_leases (
    name       text PRIMARY KEY,
    holder     text NOT NULL,
    expires_at timestamptz NOT NULL,
    term       bigint NOT NULL
);
CREATE TABLE sg_webhook_lease_terms (
    name       text NOT NULL,
    term       bigint NOT NULL,
    holder     text NOT NULL,
    since      timestamptz NOT NULL,
    until      timestamptz NOT NULL,
    PRIMARY KEY (name, term)
);
CREATE TABLE sg_webhook_places (
    name     text PRIMARY KEY,
    place    text NOT NULL,
    saved_by text NOT NULL,
    saved_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE sg_webhook_reruns (
    event_id bigint NOT NULL,
    node     text NOT NULL,
    at       timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE sg_webhook_floor (
    one   boolean PRIMARY KEY DEFAULT true CHECK (one),
    floor bigint NOT NULL
);
INSERT INTO sg_webhook_floor (floor) VALUES (0);
"];

/// The settings of a [`PgLedger`].
#[derive(Clone, Debug)]
pub struct PgOptions {
    /// This node's name, shown by the status (a host name; default: the host's). A node that
    /// starts under a name marks its earlier lives under that name dead at once, so give each
    /// node its own.
    pub node: String,
    /// How long a node may go unseen before it counts as dead and its events are taken over
    /// (default 10 s); also the length of the back-fill lease.
    pub node_timeout: Duration,
    /// How many done events' ids are kept to drop repeats when no node back-fills (default
    /// 10,000); with a back-fill, the event stream's place says which are behind.
    pub repeat_window: u64,
}

impl PgOptions {
    /// The defaults, for node `node`.
    pub fn new(node: impl Into<String>) -> PgOptions {
        PgOptions {
            node: node.into(),
            node_timeout: Duration::from_secs(10),
            repeat_window: 10_000,
        }
    }

    /// See [`PgOptions::node_timeout`].
    pub fn node_timeout(mut self, d: Duration) -> PgOptions {
        self.node_timeout = d.max(Duration::from_millis(500));
        self
    }

    /// See [`PgOptions::repeat_window`].
    pub fn repeat_window(mut self, events: u64) -> PgOptions {
        self.repeat_window = events.max(1);
        self
    }
}

/// A ledger in a PostgreSQL database, shared by several receivers (see the module doc).
///
/// Opened by URL (`postgres://user@host/db`); a password is best left out of the URL and given
/// by `PGPASSWORD` in the environment, which is read when the URL has none. Neither is ever
/// logged: errors name the host and database only.
#[derive(Clone)]
pub struct PgLedger {
    inner: Arc<Inner>,
}

struct Inner {
    config: postgres::Config,
    /// `host/db`, for messages (never the password).
    target: String,
    options: PgOptions,
    /// This process's id in the tables: a new one at each start.
    instance: String,
    /// Idle connections (a failed one is dropped, and the next call connects again: a
    /// database restart costs the calls made while it is down).
    pool: Mutex<Vec<postgres::Client>>,
    /// Ids offered by `takeovers` and not yet claimed: not offered again.
    offered: Mutex<BTreeSet<i64>>,
    /// Ids whose claim failed without an answer (the database went away at its commit): it may
    /// have been recorded, leaving the event claimed by this live node and run by none.
    uncertain: Mutex<BTreeSet<i64>>,
    /// Of those, the ones found claimed by this node: claimed again here, never run before.
    reclaim: Mutex<BTreeSet<i64>>,
    /// Whether this node competes for the back-fill lease (set when the receiver asks).
    wants_lease: AtomicBool,
    /// The lease as last renewed: its term, and until when (local clock) it is trusted.
    lease: Mutex<Option<(u64, Instant)>>,
    /// Dones not recorded (the database was down): retried on each beat.
    unrecorded: Mutex<Vec<i64>>,
    dones: AtomicU64,
    /// Set when the last handle goes: the beat stops.
    stop: Arc<(Mutex<bool>, Condvar)>,
}

impl std::fmt::Debug for PgLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgLedger")
            .field("target", &self.inner.target)
            .field("node", &self.inner.options.node)
            .field("instance", &self.inner.instance)
            .finish_non_exhaustive()
    }
}

fn db_error(target: &str, what: &str, e: impl std::fmt::Display) -> LedgerError {
    LedgerError::Database {
        target: target.to_string(),
        message: format!("{what}: {e}"),
    }
}

/// A driver error in words: the server's code and message where it sent one (the driver's
/// own text is only "db error"), never the statement's parameters.
fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

impl PgLedger {
    /// Connects to the database at `url`, creates or migrates the tables, registers this node,
    /// and starts its beat (and, once a receiver asks, its bid for the back-fill lease).
    pub fn connect(url: &str, options: PgOptions) -> Result<PgLedger, LedgerError> {
        let mut config: postgres::Config = url.parse().map_err(|e: postgres::Error| {
            // The parser's message does not quote the URL.
            db_error("(the URL)", "not a PostgreSQL URL", e)
        })?;
        if config.get_password().is_none() {
            if let Ok(p) = std::env::var("PGPASSWORD") {
                config.password(p);
            }
        }
        config.connect_timeout(Duration::from_secs(5));
        let host = config
            .get_hosts()
            .first()
            .map(|h| match h {
                postgres::config::Host::Tcp(h) => h.clone(),
                #[cfg(unix)]
                postgres::config::Host::Unix(p) => p.display().to_string(),
            })
            .unwrap_or_default();
        let target = format!("{host}/{}", config.get_dbname().unwrap_or(""));
        let inner = Arc::new(Inner {
            config,
            target,
            instance: instance_id(&options.node),
            options,
            pool: Mutex::new(Vec::new()),
            offered: Mutex::new(BTreeSet::new()),
            uncertain: Mutex::new(BTreeSet::new()),
            reclaim: Mutex::new(BTreeSet::new()),
            wants_lease: AtomicBool::new(false),
            lease: Mutex::new(None),
            unrecorded: Mutex::new(Vec::new()),
            dones: AtomicU64::new(0),
            stop: Arc::new((Mutex::new(false), Condvar::new())),
        });
        inner.with(migrate)?;
        inner.with(|c| {
            // Earlier lives of this node are dead: their claims are taken over now, not after
            // a timeout.
            c.execute(
                "DELETE FROM sg_webhook_nodes WHERE name = $1 AND instance <> $2",
                &[&inner.options.node, &inner.instance],
            )?;
            Ok(())
        })?;
        inner.beat();
        let (beat, stop, every) = (
            Arc::downgrade(&inner),
            inner.stop.clone(),
            inner.options.node_timeout / 5,
        );
        std::thread::Builder::new()
            .name("sg-webhook-pg-beat".into())
            .spawn(move || beat_loop(&beat, &stop, every))
            .map_err(|e| db_error("", "a thread", e))?;
        Ok(PgLedger { inner })
    }

    /// This process's id in the tables.
    pub fn instance(&self) -> &str {
        &self.inner.instance
    }

    /// The event stream's place as kept in the database, saved only while this node holds the
    /// back-fill lease.
    pub fn place_store(&self) -> Box<dyn PlaceStore> {
        Box::new(PgPlace {
            inner: self.inner.clone(),
            name: BACKFILL_LEASE.into(),
        })
    }

    /// What the database holds: each node, its claims, the lease holder, the place, and the
    /// events that may have run. The `sg-webhook-status` command prints it.
    pub fn status(&self) -> Result<Status, LedgerError> {
        self.inner.with(|c| {
            let timeout = self.inner.options.node_timeout.as_secs_f64();
            let nodes = c
                .query(
                    "SELECT n.instance, n.name, n.seen_at > now() - make_interval(secs => $1),
                            EXTRACT(EPOCH FROM now() - n.seen_at)::float8,
                            (SELECT count(*) FROM sg_webhook_events e
                              WHERE e.state = 'claimed' AND e.node = n.instance)
                       FROM sg_webhook_nodes n ORDER BY n.name, n.started_at",
                    &[&timeout],
                )?
                .iter()
                .map(|r| NodeStatus {
                    instance: r.get(0),
                    name: r.get(1),
                    alive: r.get(2),
                    seen_seconds_ago: r.get(3),
                    claims: r.get(4),
                })
                .collect();
            let lease = c
                .query_opt(
                    "SELECT holder, term, expires_at > now() FROM sg_webhook_leases WHERE name = $1",
                    &[&BACKFILL_LEASE],
                )?
                .map(|r| LeaseStatus {
                    holder: r.get(0),
                    term: r.get::<_, i64>(1) as u64,
                    valid: r.get(2),
                });
            let place = c
                .query_opt(
                    "SELECT place FROM sg_webhook_places WHERE name = $1",
                    &[&BACKFILL_LEASE],
                )?
                .and_then(|r| serde_json::from_str::<Value>(r.get::<_, &str>(0)).ok())
                .and_then(|v| v.get("contiguous").and_then(Value::as_i64));
            let counts = c.query_one(
                "SELECT count(*) FILTER (WHERE state = 'accepted'),
                        count(*) FILTER (WHERE state = 'claimed'),
                        count(*) FILTER (WHERE state = 'done')
                   FROM sg_webhook_events",
                &[],
            )?;
            let may_have_run = c
                .query(
                    "SELECT DISTINCT event_id FROM sg_webhook_reruns ORDER BY event_id",
                    &[],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect();
            let floor: i64 = c.query_one("SELECT floor FROM sg_webhook_floor", &[])?.get(0);
            Ok(Status {
                nodes,
                lease,
                place,
                floor,
                accepted: counts.get(0),
                claimed: counts.get(1),
                done: counts.get(2),
                may_have_run,
            })
        })
    }

    /// Every term of the back-fill lease so far: `(term, holder, since, until)`, the times in
    /// seconds since the epoch by the database's clock. Terms never overlap: a lease is granted
    /// only once the one before has expired.
    pub fn lease_terms(&self) -> Result<Vec<(u64, String, f64, f64)>, LedgerError> {
        self.inner.with(|c| {
            Ok(c.query(
                "SELECT term, holder, EXTRACT(EPOCH FROM since)::float8, EXTRACT(EPOCH FROM until)::float8
                   FROM sg_webhook_lease_terms WHERE name = $1 ORDER BY term",
                &[&BACKFILL_LEASE],
            )?
            .iter()
            .map(|r| (r.get::<_, i64>(0) as u64, r.get(1), r.get(2), r.get(3)))
            .collect())
        })
    }

    /// A handler for [`ReceiverBuilder::start`](crate::ReceiverBuilder::start) that writes its
    /// effects in the ledger's database, in the transaction that records the event done: the
    /// effects and the done commit together, or neither does. A crash before the commit leaves
    /// no effect (the event is run again, reported "may have run"); after it, the event is done
    /// and never runs again. If this node was taken for dead and another took the event over
    /// meanwhile, the done finds the claim gone and the effects are rolled back: the other
    /// node's run is the one that counts. A handler error rolls its effects back too (the event
    /// counts as handled with an error, as with any handler).
    ///
    /// ```no_run
    /// # use sg_webhook::postgres::{PgLedger, PgOptions};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let ledger = PgLedger::connect("postgres://sg@db/webhooks", PgOptions::new("node-a"))?;
    /// let handler = ledger.in_transaction(|event, tx| {
    ///     let shot = event.entity.as_ref().map(|e| e.id);
    ///     tx.execute("INSERT INTO shot_folders (shot_id) VALUES ($1)", &[&shot])
    ///         .map(|_| ())
    ///         .map_err(|e| e.to_string())
    /// });
    /// let receiver = sg_webhook::Receiver::builder("0.0.0.0:8080")
    ///     .ledger(ledger)
    ///     .start(handler)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn in_transaction<F>(
        &self,
        handler: F,
    ) -> impl Fn(&Event) -> HandlerResult + Send + Sync + 'static
    where
        F: Fn(&Event, &mut driver::Transaction<'_>) -> HandlerResult + Send + Sync + 'static,
    {
        let inner = self.inner.clone();
        move |event: &Event| {
            let id = event.id;
            let ran = inner.with(|c| {
                let mut tx = c.transaction()?;
                if let Err(e) = handler(event, &mut tx) {
                    tx.rollback()?;
                    return Ok(Err(e));
                }
                let held = tx.execute(
                    "UPDATE sg_webhook_events SET state = 'done', done_at = now()
                      WHERE event_id = $1 AND node = $2 AND state = 'claimed'",
                    &[&id, &inner.instance],
                )?;
                if held == 0 {
                    tx.rollback()?;
                    return Ok(Err(format!(
                        "event #{id}: another node took it over (this one was taken for dead); its effects here were rolled back"
                    )));
                }
                tx.commit()?;
                Ok(Ok(()))
            });
            match ran {
                Ok(outcome) => outcome,
                // Not committed, or committed with its answer lost: either way the claim says
                // what happened (done, or claimed and run again after a takeover).
                Err(e) => Err(format!("event #{id}: its transaction failed: {e}")),
            }
        }
    }

    /// Runs an event-stream daemon with a hot standby: start the same on several machines, each
    /// with its own node name, and the one holding the lease reads the event log and hands each
    /// event to `handler`, claimed and finished in the ledger as a receiver's are; the others
    /// wait, and the first to see the lease expire takes over from the place in the database.
    /// An event the killed holder was running is run again and listed "may have run"; none is
    /// lost. `stream` makes the stream's builder (client, filters, start for a first run); the
    /// place is kept in the database. Returns when `stop` is set, giving the lease up.
    pub fn run_stream(
        &self,
        stream: impl Fn() -> sg_runtime::events::EventStreamBuilder,
        handler: impl Fn(&Event) -> HandlerResult,
        stop: &AtomicBool,
    ) {
        let pause = self.inner.options.node_timeout / 5;
        while !stop.load(Ordering::SeqCst) {
            let Lease::Held(term) = self.backfill_lease() else {
                std::thread::sleep(pause);
                continue;
            };
            let opened = stream()
                .place_store(self.place_store())
                .open()
                .and_then(|mut s| s.save_place().map(|()| s));
            let mut s = match opened {
                Ok(s) => s,
                Err(e) => {
                    log::warn!("event daemon: the stream could not be opened: {e}");
                    std::thread::sleep(pause);
                    continue;
                }
            };
            log::info!(
                "event daemon: this node reads the event log (lease term {term}) from #{}",
                s.place().contiguous
            );
            while !stop.load(Ordering::SeqCst) && self.backfill_lease() == Lease::Held(term) {
                let (events, more) = match s.read_unhandled() {
                    Ok(read) => read,
                    Err(e) => {
                        log::warn!("event daemon: the event log could not be read: {e}");
                        std::thread::sleep(pause);
                        continue;
                    }
                };
                for event in events {
                    match self.claim(event.id) {
                        Ok(Claim::Taken) => {}
                        Ok(claim) => {
                            if claim == Claim::MayHaveRun {
                                log::warn!("event daemon: event #{} was being handled by a node that stopped: handled again (it may have run)", event.id);
                            }
                            if let Err(e) = handler(&event) {
                                log::error!(
                                    "event daemon: the handler failed on event #{}: {e}",
                                    event.id
                                );
                            }
                            if let Err(e) = self.done(event.id) {
                                log::error!("event daemon: event #{} handled, its done not recorded yet: {e}", event.id);
                            }
                        }
                        Err(e) => {
                            // Left open in the place: read again.
                            log::warn!("event daemon: event #{} not claimed: {e}", event.id);
                            continue;
                        }
                    }
                    if let Err(e) = s.mark_handled(event.id) {
                        log::error!(
                            "event daemon: event #{} not recorded in the place: {e}",
                            event.id
                        );
                    }
                }
                if s.has_unsaved() {
                    match s.save_place() {
                        Ok(()) => self.settled_through(s.place().contiguous),
                        // The lease went (the save checks it): the next holder reads from
                        // the last place saved.
                        Err(e) => log::warn!("event daemon: the place was not saved: {e}"),
                    }
                }
                if !more {
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
        self.release();
    }

    /// Gives up the back-fill lease at once (a node stopping cleanly), so that another takes it
    /// without waiting for it to expire.
    pub fn release(&self) {
        self.inner.release();
    }
}

/// A node as the database sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeStatus {
    /// The process's id.
    pub instance: String,
    /// The node's name.
    pub name: String,
    /// Seen within the node timeout.
    pub alive: bool,
    /// Since its last beat.
    pub seen_seconds_ago: f64,
    /// Events it has claimed and not finished.
    pub claims: i64,
}

/// The back-fill lease as the database holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseStatus {
    /// The instance holding it.
    pub holder: String,
    /// Its term (a new holder, a new term).
    pub term: u64,
    /// Not expired.
    pub valid: bool,
}

/// What [`PgLedger::status`] reports.
#[derive(Clone, Debug, PartialEq)]
pub struct Status {
    /// Every node registered.
    pub nodes: Vec<NodeStatus>,
    /// The back-fill lease, once taken.
    pub lease: Option<LeaseStatus>,
    /// The event stream's place (every id up to it is settled), once saved.
    pub place: Option<i64>,
    /// Ids at or below this are settled and forgotten.
    pub floor: i64,
    /// Events accepted and not claimed.
    pub accepted: i64,
    /// Events claimed and not done.
    pub claimed: i64,
    /// Events done (and not yet forgotten).
    pub done: i64,
    /// Events claimed more than once: their handler may have run twice.
    pub may_have_run: Vec<i64>,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "nodes:")?;
        for n in &self.nodes {
            writeln!(
                f,
                "  {:<20} {:<28} {:<5} seen {:.1} s ago, {} claims",
                n.name,
                n.instance,
                if n.alive { "alive" } else { "dead" },
                n.seen_seconds_ago,
                n.claims
            )?;
        }
        match &self.lease {
            Some(l) => writeln!(
                f,
                "back-fill lease: {} (term {}{})",
                l.holder,
                l.term,
                if l.valid { "" } else { ", expired" }
            )?,
            None => writeln!(f, "back-fill lease: never taken")?,
        }
        match self.place {
            Some(p) => writeln!(f, "event log place: every id up to {p} settled")?,
            None => writeln!(f, "event log place: none saved")?,
        }
        writeln!(
            f,
            "events: {} accepted, {} claimed, {} done (ids up to {} forgotten)",
            self.accepted, self.claimed, self.done, self.floor
        )?;
        write!(
            f,
            "may have run: {}",
            if self.may_have_run.is_empty() {
                "none".to_string()
            } else {
                format!("{} ({:?})", self.may_have_run.len(), self.may_have_run)
            }
        )
    }
}

/// `node-pid-nanos`: unique per start.
fn instance_id(node: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{node}-{}-{nanos:09}", std::process::id())
}

fn migrate(c: &mut postgres::Client) -> Result<(), postgres::Error> {
    let mut tx = c.transaction()?;
    // One node migrates at a time; the others wait, then find the tables current.
    tx.execute("SELECT pg_advisory_xact_lock(7315002640)", &[])?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS sg_webhook_schema (version integer NOT NULL)")?;
    let version: i32 = match tx.query_opt("SELECT version FROM sg_webhook_schema", &[])? {
        Some(r) => r.get(0),
        None => {
            tx.execute("INSERT INTO sg_webhook_schema (version) VALUES (0)", &[])?;
            0
        }
    };
    for (v, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
        tx.batch_execute(sql)?;
        tx.execute(
            "UPDATE sg_webhook_schema SET version = $1",
            &[&(v as i32 + 1)],
        )?;
    }
    tx.commit()
}

impl Inner {
    /// Runs `f` on a pooled connection; a connection that failed is dropped.
    fn with<T>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error>,
    ) -> Result<T, LedgerError> {
        let pooled = self.pool.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut client = match pooled {
            Some(c) if !c.is_closed() => c,
            _ => self
                .config
                .connect(postgres::NoTls)
                .map_err(|e| db_error(&self.target, "cannot connect", e))?,
        };
        match f(&mut client) {
            Ok(v) => {
                let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
                if pool.len() < 16 {
                    pool.push(client);
                }
                Ok(v)
            }
            Err(e) => Err(db_error(&self.target, "a statement failed", describe(&e))),
        }
    }

    fn timeout_secs(&self) -> f64 {
        self.options.node_timeout.as_secs_f64()
    }

    /// Records this node alive, retries dones the database missed, and takes or renews the
    /// back-fill lease when this node wants it.
    fn beat(&self) {
        let seen = self.with(|c| {
            c.execute(
                "INSERT INTO sg_webhook_nodes (instance, name) VALUES ($1, $2)
                 ON CONFLICT (instance) DO UPDATE SET seen_at = now()",
                &[&self.instance, &self.options.node],
            )
        });
        if let Err(e) = seen {
            log::warn!("webhook ledger: this node's beat was not recorded: {e}");
            return;
        }
        let missed =
            std::mem::take(&mut *self.unrecorded.lock().unwrap_or_else(|p| p.into_inner()));
        for id in missed {
            if let Err(e) = self.record_done(id) {
                log::warn!("webhook ledger: event #{id}'s done still not recorded: {e}");
                self.unrecorded
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(id);
            }
        }
        if self.wants_lease.load(Ordering::SeqCst) {
            self.renew_lease();
        }
    }

    fn renew_lease(&self) {
        let sent = Instant::now();
        let ttl = self.timeout_secs();
        let term = self.with(|c| {
            let mut tx = c.transaction()?;
            let row = tx.query_opt(
                "INSERT INTO sg_webhook_leases AS l (name, holder, expires_at, term)
                 VALUES ($1, $2, now() + make_interval(secs => $3), 1)
                 ON CONFLICT (name) DO UPDATE
                    SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at,
                        term = l.term + CASE WHEN l.holder = EXCLUDED.holder THEN 0 ELSE 1 END
                  WHERE l.holder = EXCLUDED.holder OR l.expires_at < now()
                 RETURNING term, expires_at",
                &[&BACKFILL_LEASE, &self.instance, &ttl],
            )?;
            if let Some(r) = &row {
                let term: i64 = r.get(0);
                tx.execute(
                    "INSERT INTO sg_webhook_lease_terms (name, term, holder, since, until)
                     VALUES ($1, $2, $3, now(), (SELECT expires_at FROM sg_webhook_leases WHERE name = $1))
                     ON CONFLICT (name, term) DO UPDATE SET until = EXCLUDED.until",
                    &[&BACKFILL_LEASE, &term, &self.instance],
                )?;
            }
            tx.commit()?;
            Ok(row.map(|r| r.get::<_, i64>(0) as u64))
        });
        let mut lease = self.lease.lock().unwrap_or_else(|p| p.into_inner());
        match term {
            Ok(Some(term)) => {
                if lease.map(|(t, _)| t) != Some(term) {
                    log::info!("webhook ledger: this node holds the back-fill lease (term {term})");
                }
                // Trusted for half its length from when the renewal left: the database's
                // expiry is later than that, so this node stops before another may start.
                *lease = Some((term, sent + self.options.node_timeout / 2));
            }
            Ok(None) => {
                if lease.take().is_some() {
                    log::warn!("webhook ledger: the back-fill lease went to another node");
                }
            }
            // Kept until it runs out: a beat that failed is not a lease lost.
            Err(e) => log::warn!("webhook ledger: the back-fill lease was not renewed: {e}"),
        }
    }

    fn release(&self) {
        if self
            .lease
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .is_some()
        {
            let _ = self.with(|c| {
                c.execute(
                    "UPDATE sg_webhook_leases SET expires_at = now() WHERE name = $1 AND holder = $2",
                    &[&BACKFILL_LEASE, &self.instance],
                )?;
                c.execute(
                    "UPDATE sg_webhook_lease_terms SET until = now()
                      WHERE name = $1 AND holder = $2 AND until > now()",
                    &[&BACKFILL_LEASE, &self.instance],
                )
            });
        }
    }

    fn record_done(&self, id: i64) -> Result<(), LedgerError> {
        let n = self.with(|c| {
            c.execute(
                "UPDATE sg_webhook_events SET state = 'done', done_at = COALESCE(done_at, now())
                  WHERE event_id = $1 AND node = $2",
                &[&id, &self.instance],
            )
        })?;
        if n == 0 {
            log::warn!(
                "webhook ledger: event #{id} finished here after another node took it over (this node was taken for dead)"
            );
        }
        Ok(())
    }

    /// Forgets done events past the repeat window, when no node keeps a place (with one, the
    /// place settles them).
    fn prune(&self) -> Result<(), LedgerError> {
        let window = self.options.repeat_window as i64;
        self.with(|c| {
            let mut tx = c.transaction()?;
            tx.execute(
                "UPDATE sg_webhook_floor SET floor = GREATEST(floor, cut.event_id)
                   FROM (SELECT event_id FROM sg_webhook_events WHERE state = 'done'
                          ORDER BY event_id DESC OFFSET $1 LIMIT 1) AS cut
                  WHERE NOT EXISTS (SELECT 1 FROM sg_webhook_places)",
                &[&window],
            )?;
            tx.execute(
                "DELETE FROM sg_webhook_events
                  WHERE state = 'done' AND event_id <= (SELECT floor FROM sg_webhook_floor)",
                &[],
            )?;
            tx.commit()
        })
    }
}

/// Beats every `every` until the ledger is dropped; holds the ledger only while it beats.
fn beat_loop(inner: &std::sync::Weak<Inner>, stop: &(Mutex<bool>, Condvar), every: Duration) {
    loop {
        {
            let (flag, cv) = stop;
            let stopped = flag.lock().unwrap_or_else(|p| p.into_inner());
            let (stopped, _) = cv
                .wait_timeout(stopped, every)
                .unwrap_or_else(|p| p.into_inner());
            if *stopped {
                return;
            }
        }
        match inner.upgrade() {
            Some(inner) => inner.beat(),
            None => return,
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        let (flag, cv) = &*self.stop;
        *flag.lock().unwrap_or_else(|p| p.into_inner()) = true;
        cv.notify_all();
        self.release();
    }
}

/// The floor (ids at or below it are settled and their rows gone), share-locked until `tx` ends.
///
/// Every insert of an event holds it: the settling transaction moves the floor and deletes the
/// rows below it under the exclusive lock, so an insert waits for it and then reads the new
/// floor. Without it, an insert that began before the settle read the old floor, waited on the
/// row being deleted, and then inserted it as new: an event settled a moment before was
/// accepted or claimed again, and ran twice (the fault test found it, 4 of 5,000).
fn lock_floor(tx: &mut postgres::Transaction<'_>) -> Result<i64, postgres::Error> {
    Ok(tx
        .query_one("SELECT floor FROM sg_webhook_floor FOR SHARE", &[])?
        .get(0))
}

impl Ledger for PgLedger {
    fn accept(&self, deliveries: &[(i64, Value)]) -> Result<Vec<bool>, LedgerError> {
        let ids: Vec<i64> = deliveries.iter().map(|(id, _)| *id).collect();
        let texts: Vec<String> = deliveries.iter().map(|(_, d)| d.to_string()).collect();
        let inserted: BTreeSet<i64> = self.inner.with(|c| {
            let mut tx = c.transaction()?;
            let floor = lock_floor(&mut tx)?;
            let rows = tx.query(
                "INSERT INTO sg_webhook_events (event_id, state, delivery, accepted_by)
                 SELECT i, 'accepted', d, $3 FROM unnest($1::bigint[], $2::text[]) AS t(i, d)
                  WHERE i > $4
                 ON CONFLICT (event_id) DO NOTHING
                 RETURNING event_id",
                &[&ids, &texts, &self.inner.instance, &floor],
            )?;
            tx.commit()?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })?;
        // A delivery that names one event twice is new once.
        let mut seen = BTreeSet::new();
        Ok(ids
            .iter()
            .map(|id| inserted.contains(id) && seen.insert(*id))
            .collect())
    }

    fn state(&self, id: i64) -> EventState {
        let found = self.inner.with(|c| {
            c.query_opt(
                "SELECT $1 <= (SELECT floor FROM sg_webhook_floor),
                        e.state,
                        EXISTS (SELECT 1 FROM sg_webhook_nodes n
                                 WHERE n.instance = CASE WHEN e.state = 'claimed' THEN e.node ELSE e.accepted_by END
                                   AND n.seen_at > now() - make_interval(secs => $2))
                   FROM (SELECT 1) AS one
                   LEFT JOIN sg_webhook_events e ON e.event_id = $1",
                &[&id, &self.inner.timeout_secs()],
            )
        });
        match found {
            Ok(Some(r)) => {
                let settled: bool = r.get(0);
                let state: Option<&str> = r.get(1);
                let alive: bool = r.get(2);
                match (settled, state) {
                    (_, Some("done")) | (true, None) => EventState::Done,
                    (_, Some(_)) if alive => EventState::InFlight,
                    _ => EventState::Open,
                }
            }
            Ok(None) => EventState::Open,
            Err(e) => {
                // Not known now: left for the next read.
                log::warn!("webhook ledger: the state of event #{id} could not be read: {e}");
                EventState::InFlight
            }
        }
    }

    fn claim(&self, id: i64) -> Result<Claim, LedgerError> {
        self.inner
            .offered
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
        let me = &self.inner.instance;
        let timeout = self.inner.timeout_secs();
        let lock =
            |m: &'_ Mutex<BTreeSet<i64>>| m.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
        if lock(&self.inner.reclaim) {
            // Claimed here by a claim whose answer was lost, and never run.
            let claims: Option<i32> = self.inner.with(|c| {
                Ok(c.query_opt(
                    "UPDATE sg_webhook_events SET claimed_at = now()
                      WHERE event_id = $1 AND node = $2 AND state = 'claimed' RETURNING claims",
                    &[&id, me],
                )?
                .map(|r| r.get(0)))
            })?;
            return Ok(match claims {
                None => Claim::Taken,
                Some(1) => Claim::Run,
                Some(_) => Claim::MayHaveRun,
            });
        }
        let claims: Result<Option<i32>, LedgerError> = self.inner.with(|c| {
            // A second claim (a takeover) is kept in `sg_webhook_reruns`, which outlives the
            // event's row: the status names every event that may have run twice.
            let row = c.query_opt(
                "WITH claimed AS (
                    UPDATE sg_webhook_events AS e
                       SET state = 'claimed', node = $2, claimed_at = now(), claims = e.claims + 1
                     WHERE e.event_id = $1
                       AND (e.state = 'accepted'
                            OR (e.state = 'claimed' AND e.node <> $2 AND NOT EXISTS (
                                  SELECT 1 FROM sg_webhook_nodes n
                                   WHERE n.instance = e.node
                                     AND n.seen_at > now() - make_interval(secs => $3))))
                    RETURNING e.event_id, e.claims),
                 rerun AS (
                    INSERT INTO sg_webhook_reruns (event_id, node)
                    SELECT event_id, $2 FROM claimed WHERE claims > 1)
                 SELECT claims FROM claimed",
                &[&id, me, &timeout],
            )?;
            if let Some(r) = row {
                return Ok(Some(r.get(0)));
            }
            // Read from the event log, never delivered: claimed by inserting it.
            let mut tx = c.transaction()?;
            let floor = lock_floor(&mut tx)?;
            let row = tx.query_opt(
                "INSERT INTO sg_webhook_events (event_id, state, node, claimed_at, claims)
                 SELECT $1::bigint, 'claimed', $2, now(), 1 WHERE $1::bigint > $3::bigint
                 ON CONFLICT (event_id) DO NOTHING
                 RETURNING claims",
                &[&id, me, &floor],
            )?;
            tx.commit()?;
            Ok(row.map(|r| r.get(0)))
        });
        let claims = claims.inspect_err(|_| {
            self.inner
                .uncertain
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(id);
        })?;
        Ok(match claims {
            None => Claim::Taken,
            Some(1) => Claim::Run,
            Some(_) => Claim::MayHaveRun,
        })
    }

    fn done(&self, id: i64) -> Result<(), LedgerError> {
        if let Err(e) = self.inner.record_done(id) {
            // Retried on each beat; until then the claim stands (no other node runs it).
            self.inner
                .unrecorded
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(id);
            return Err(e);
        }
        let n = self.inner.dones.fetch_add(1, Ordering::SeqCst) + 1;
        if n % 1_000 == 0 {
            if let Err(e) = self.inner.prune() {
                log::warn!("webhook ledger: old events not forgotten: {e}");
            }
        }
        Ok(())
    }

    fn settled_through(&self, id: i64) {
        let settled = self.inner.with(|c| {
            let mut tx = c.transaction()?;
            tx.execute(
                "UPDATE sg_webhook_floor SET floor = GREATEST(floor, $1)",
                &[&id],
            )?;
            tx.execute(
                "DELETE FROM sg_webhook_events WHERE state = 'done' AND event_id <= $1",
                &[&id],
            )?;
            tx.commit()
        });
        if let Err(e) = settled {
            log::warn!("webhook ledger: events up to #{id} not forgotten: {e}");
        }
    }

    fn unfinished(&self) -> Vec<Unfinished> {
        self.takeovers()
    }

    fn takeovers(&self) -> Vec<Unfinished> {
        let mut found = self.reclaims();
        found.extend(self.others_left());
        found
    }

    fn takeover_every(&self) -> Option<Duration> {
        Some(self.inner.options.node_timeout / 5)
    }

    fn backfill_lease(&self) -> Lease {
        if !self.inner.wants_lease.swap(true, Ordering::SeqCst) {
            self.inner.renew_lease();
        }
        match *self.inner.lease.lock().unwrap_or_else(|p| p.into_inner()) {
            Some((term, until)) if Instant::now() < until => Lease::Held(term),
            _ => Lease::NotHeld,
        }
    }

    fn place_store(&self) -> Option<Box<dyn PlaceStore>> {
        Some(PgLedger::place_store(self))
    }
}

impl PgLedger {
    /// The events whose claim here lost its answer and that the database holds as claimed by
    /// this node: handed over again (see [`Inner::uncertain`]).
    fn reclaims(&self) -> Vec<Unfinished> {
        let ids: Vec<i64> = std::mem::take(
            &mut *self
                .inner
                .uncertain
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
        )
        .into_iter()
        .collect();
        if ids.is_empty() {
            return Vec::new();
        }
        let rows = self.inner.with(|c| {
            c.query(
                "SELECT event_id, delivery FROM sg_webhook_events
                  WHERE event_id = ANY($1) AND state = 'claimed' AND node = $2",
                &[&ids, &self.inner.instance],
            )
        });
        let rows = match rows {
            Ok(rows) => rows,
            Err(e) => {
                log::warn!("webhook ledger: claims without an answer not checked yet: {e}");
                self.inner
                    .uncertain
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .extend(ids);
                return Vec::new();
            }
        };
        let mut reclaim = self.inner.reclaim.lock().unwrap_or_else(|p| p.into_inner());
        rows.iter()
            .map(|r| {
                let id: i64 = r.get(0);
                reclaim.insert(id);
                Unfinished {
                    id,
                    delivery: r
                        .get::<_, Option<&str>>(1)
                        .and_then(|d| serde_json::from_str(d).ok()),
                    may_have_run: false,
                }
            })
            .collect()
    }

    /// What dead nodes left, and what waited too long in a live node's queue.
    fn others_left(&self) -> Vec<Unfinished> {
        let offered: Vec<i64> = self
            .inner
            .offered
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .copied()
            .collect();
        let found = self.inner.with(|c| {
            c.query(
                "SELECT e.event_id, e.delivery, e.state = 'claimed' FROM sg_webhook_events e
                  WHERE e.state <> 'done' AND NOT (e.event_id = ANY($2))
                    AND ((e.state = 'accepted' AND e.accepted_at < now() - make_interval(secs => $1))
                         OR NOT EXISTS (
                           SELECT 1 FROM sg_webhook_nodes n
                            WHERE n.instance = CASE WHEN e.state = 'claimed' THEN e.node ELSE e.accepted_by END
                              AND n.seen_at > now() - make_interval(secs => $1)))
                  ORDER BY e.event_id LIMIT 500",
                &[&self.inner.timeout_secs(), &offered],
            )
        });
        let rows = match found {
            Ok(rows) => rows,
            Err(e) => {
                log::warn!("webhook ledger: events to take over could not be read: {e}");
                return Vec::new();
            }
        };
        let mut offered = self.inner.offered.lock().unwrap_or_else(|p| p.into_inner());
        rows.iter()
            .map(|r| {
                let id: i64 = r.get(0);
                offered.insert(id);
                Unfinished {
                    id,
                    delivery: r
                        .get::<_, Option<&str>>(1)
                        .and_then(|d| serde_json::from_str(d).ok()),
                    may_have_run: r.get(2),
                }
            })
            .collect()
    }
}

/// The event stream's place in `sg_webhook_places`, saved only under the lease.
struct PgPlace {
    inner: Arc<Inner>,
    name: String,
}

impl PgPlace {
    /// Where it is kept, for errors (never the credentials).
    fn source(&self) -> String {
        format!("{} (sg_webhook_places `{}`)", self.inner.target, self.name)
    }

    fn error(&self, problem: String) -> sg_runtime::Error {
        sg_runtime::Error::Checkpoint {
            path: self.source().into(),
            field: None,
            problem,
        }
    }
}

impl PlaceStore for PgPlace {
    fn load(&mut self) -> sg_runtime::Result<Option<Checkpoint>> {
        let text: Option<String> = self
            .inner
            .with(|c| {
                Ok(c.query_opt(
                    "SELECT place FROM sg_webhook_places WHERE name = $1",
                    &[&self.name],
                )?
                .map(|r| r.get(0)))
            })
            .map_err(|e| self.error(e.to_string()))?;
        let Some(text) = text else {
            return Ok(None);
        };
        let v: Value = serde_json::from_str(&text)
            .map_err(|_| self.error("the saved place is not JSON".into()))?;
        Checkpoint::from_value(&v, &self.source()).map(Some)
    }

    fn save(&mut self, place: &Checkpoint) -> sg_runtime::Result<()> {
        let text = place.to_value().to_string();
        let saved = self
            .inner
            .with(|c| {
                c.execute(
                    "INSERT INTO sg_webhook_places (name, place, saved_by) SELECT $1, $2, $3
                      WHERE EXISTS (SELECT 1 FROM sg_webhook_leases
                                     WHERE name = $1 AND holder = $3 AND expires_at > now())
                     ON CONFLICT (name) DO UPDATE
                        SET place = EXCLUDED.place, saved_by = EXCLUDED.saved_by, saved_at = now()",
                    &[&self.name, &text, &self.inner.instance],
                )
            })
            .map_err(|e| self.error(e.to_string()))?;
        if saved == 0 {
            return Err(self.error(format!(
                "not saved: this node ({}) does not hold the `{}` lease",
                self.inner.instance, self.name
            )));
        }
        Ok(())
    }
}
