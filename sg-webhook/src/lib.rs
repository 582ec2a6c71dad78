//! A webhook receiver a studio can run on the open internet: a site POSTs deliveries to it; it
//! verifies each (the signature over the raw bytes, before anything is parsed), records its
//! events durably, answers, and hands the events to a handler on worker threads, each event
//! once: deliveries the site repeats are dropped by event id, across restarts. What the webhook
//! did not deliver (the receiver was down, a delivery failed) is read back from the event log
//! through the event stream, on start and when a delivery shows a gap, and handed over too.
//!
//! ```no_run
//! use sg_webhook::{Receiver, Subscription};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let client = sg_runtime::Client::from_env("https://studio.shotgrid.autodesk.com")?;
//! let receiver = Receiver::builder("0.0.0.0:8080")
//!     .path("/sg/webhook")
//!     .secret(std::env::var("SG_WEBHOOK_SECRET")?)
//!     .checkpoint("/var/lib/sg-webhook/ledger")
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
//! **Every byte from the socket is hostile** (`http.rs`): hyper on tokio parses HTTP; a request
//! head has a size, a field count and a deadline; a body is refused on its announced length
//! before anything is read, and held to the limit and a deadline while it is read; open
//! connections are bounded and the accept loop survives running out of descriptors; only the
//! configured path takes deliveries; answers carry no internals. A slow client costs its own
//! connection, never another's delivery.
//!
//! **Nothing answered 200 is lost, and once means once** ([`ledger`]): a delivery's events
//! are written and synced before the answer; each is claimed (synced) before its handler runs
//! and marked done (synced) after. After a crash, accepted events are handled, with or without
//! a site to back-fill from; the only events that can run again are those whose handler was
//! running (claimed and not yet recorded done): they are handed over again, logged, and
//! counted as [`Stats::may_have_run`].
//!
//! **Several receivers, one database** (feature `postgres`): [`postgres::PgLedger`] keeps the
//! states in PostgreSQL, so that any number of receivers behind a load balancer handle each
//! event once; a node that dies has its events taken over (and those it was running reported
//! "may have run"), and one node at a time reads the event log, under a lease.
//!
//! **Mounted in an application of one's own**: [`ReceiverBuilder::mount`] starts the ledger and
//! workers without a listener, and [`Receiver::service`] is a tower service for a route of an
//! axum (or any tower) application.

mod http;
pub mod ledger;
#[cfg(feature = "postgres")]
pub mod postgres;
mod receiver;

pub use http::WebhookService;
pub use ledger::{FileLedger, Ledger, LedgerError};
pub use receiver::{Receiver, ReceiverBuilder, ReceiverError};

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

    /// The events of entity type `M`, named by the bindings (`markers::Shot`), for `operations`
    /// (empty: all four): a typo is a compile error, where a string names nothing and reads
    /// nothing. More entity types with [`and`](Subscription::and).
    pub fn of<M: sg_runtime::typed::EntityType>(
        operations: &[sg_runtime::webhook::Operation],
    ) -> Subscription {
        use sg_runtime::webhook::Operation as Op;
        let operations = operations
            .iter()
            .filter_map(|o| match o {
                Op::Create => Some("create"),
                Op::Update => Some("update"),
                Op::Delete => Some("delete"),
                Op::Revive => Some("revive"),
                Op::Other(_) => None,
            })
            .map(str::to_owned)
            .collect();
        Subscription {
            entity_types: vec![M::NAME.to_string()],
            operations,
        }
    }

    /// Adds entity type `M` (`markers::Version`), for the same operations.
    pub fn and<M: sg_runtime::typed::EntityType>(mut self) -> Subscription {
        self.entity_types.push(M::NAME.to_string());
        self
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

/// Counts of what the receiver did, for monitoring and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Requests answered 200 (their events recorded).
    pub accepted: u64,
    /// Requests refused: bad or missing signature (401).
    pub unauthorized: u64,
    /// Requests refused: not a delivery (400), too large (413), too slow (408), another path
    /// (404) or method (405).
    pub refused: u64,
    /// Requests answered 503: the ledger could not record them, or the receiver was stopping.
    pub unavailable: u64,
    /// Events handed to the handler from deliveries.
    pub handled_from_webhook: u64,
    /// Events handed to the handler from the event log (missed by the webhook).
    pub handled_from_log: u64,
    /// Deliveries of events already accepted, running or done, dropped.
    pub repeats_dropped: u64,
    /// Handler errors (logged; the events count as handled).
    pub handler_errors: u64,
    /// Events handed over again after a restart because their handler was running when the
    /// receiver stopped: they may have run twice.
    pub may_have_run: u64,
    /// Events of the log the webhook does not deliver (field changes made while a record was
    /// created), passed over by the back-fill.
    pub not_delivered_by_webhooks: u64,
    /// Deliveries acknowledged to the site.
    pub acknowledged: u64,
    /// Acknowledgements the site did not take (logged).
    pub acknowledgement_errors: u64,
    /// Ledger writes that failed (logged; a delivery so affected was answered 503).
    pub ledger_errors: u64,
}
