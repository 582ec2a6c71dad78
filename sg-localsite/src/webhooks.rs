//! Webhooks, delivered as a site delivers them: each webhook reads the committed event log
//! (apart from the writes, as a site's delivery service does, so a batch's events go out only
//! once it committed) and POSTs the events it subscribes to, one per request or up to 50 in the
//! batched format, with the site's headers, signature, timeouts, 1 MB rule and failed status.

use crate::Shared;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Deliveries in one batched request, at most (a site's limit).
pub const MAX_BATCH: usize = 50;
/// Failed deliveries within 24 hours that mark a webhook failed (a site's rule).
pub const FAILURES_TO_FAIL: usize = 100;
/// A delivery's payload above this has `new_value` and `old_value` removed (a site's rule).
pub const MAX_PAYLOAD: usize = 1_000_000;

/// A webhook: where to deliver, which events, and how.
#[derive(Clone, Debug, Default)]
pub struct Webhook {
    /// The consumer URL.
    pub url: String,
    /// Entity types whose events it takes (empty: all).
    pub entity_types: Vec<String>,
    /// Operations it takes: `create`, `update`, `delete`, `revive` (empty: all).
    pub operations: Vec<String>,
    /// For updates, the fields it takes (empty: all).
    pub fields: Vec<String>,
    /// Only events of this project.
    pub project: Option<i64>,
    /// The secret token: deliveries are signed with it (`x-sg-signature`).
    pub secret: Option<String>,
    /// Up to 50 deliveries per request, in the batched format.
    pub batched: bool,
    /// Sends every `n`-th request twice, as a site may (deliveries can arrive more than once).
    pub repeat_every: Option<u32>,
}

/// One request a webhook made, as recorded for tests.
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryRecord {
    /// The deliveries it carried.
    pub delivery_ids: Vec<String>,
    /// Their events' ids.
    pub event_ids: Vec<i64>,
    /// The consumer's status code (`None`: no answer: refused, cut or timed out).
    pub status: Option<u16>,
    /// How long the consumer took to answer.
    pub elapsed: Duration,
    /// Whether a delivery was cut for size (the `warning` key).
    pub cut: bool,
}

/// A webhook's delivery state.
pub(crate) struct Hook {
    pub(crate) id: usize,
    pub(crate) config: Webhook,
    pub(crate) state: Mutex<HookState>,
}

#[derive(Default)]
pub(crate) struct HookState {
    /// Events with ids up to this one were all taken.
    floor: i64,
    /// Events above the floor already taken.
    taken: BTreeSet<i64>,
    /// Events taken, waiting to be sent.
    pending: Vec<Value>,
    pub(crate) deliveries: Vec<DeliveryRecord>,
    failures: Vec<Instant>,
    pub(crate) failed: bool,
    requests: u32,
    /// Acknowledgements received, by delivery id (in delivery order).
    pub(crate) acks: Vec<(String, String)>,
    /// The ids of the deliveries sent or being sent (an acknowledgement can arrive before the
    /// request that carried its delivery is recorded).
    sent_ids: std::collections::HashSet<String>,
    /// Whether the worker is sending (so that "idle" means nothing is on its way).
    sending: bool,
}

impl Hook {
    pub(crate) fn new(id: usize, config: Webhook, floor: i64) -> Hook {
        Hook {
            id,
            config,
            state: Mutex::new(HookState {
                floor,
                ..HookState::default()
            }),
        }
    }

    /// Records an acknowledgement of one of this webhook's deliveries; false if it made none
    /// with that id.
    pub(crate) fn acknowledge(&self, delivery: &str, text: &str) -> bool {
        let mut s = self.state();
        if !s.sent_ids.contains(delivery) {
            return false;
        }
        match s.acks.iter_mut().find(|(id, _)| id == delivery) {
            Some(ack) => ack.1 = text.to_string(),
            None => s.acks.push((delivery.to_string(), text.to_string())),
        }
        true
    }

    fn state(&self) -> std::sync::MutexGuard<'_, HookState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether every committed event it takes has been sent (or it failed).
    pub(crate) fn idle(&self, shared: &Shared) -> bool {
        let last = shared.last_event_id();
        let s = self.state();
        s.failed || (!s.sending && s.pending.is_empty() && s.floor >= last)
    }
}

/// The webhook's worker: takes new committed events, sends them, until the site stops.
pub(crate) fn run(hook: Arc<Hook>, shared: Arc<Shared>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(5)))
        // Every answer is a status to record, not an error.
        .http_status_as_error(false)
        .build()
        .into();
    let mut batch_serial: u64 = 0;
    while !shared.stopping.load(Ordering::SeqCst) {
        take_new_events(&hook, &shared);
        let batch: Vec<Value> = {
            let mut s = hook.state();
            if s.failed || s.pending.is_empty() {
                None
            } else {
                let n = if hook.config.batched { MAX_BATCH } else { 1 };
                let n = n.min(s.pending.len());
                s.sending = true;
                let batch: Vec<Value> = s.pending.drain(..n).collect();
                for d in &batch {
                    if let Some(id) = d["id"].as_str() {
                        s.sent_ids.insert(id.to_string());
                    }
                }
                Some(batch)
            }
        }
        .unwrap_or_default();
        if batch.is_empty() {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        }
        batch_serial += 1;
        let times = {
            let mut s = hook.state();
            s.requests += 1;
            match hook.config.repeat_every {
                Some(n) if n > 0 && s.requests % n == 0 => 2,
                _ => 1,
            }
        };
        for _ in 0..times {
            let record = post(&agent, &hook, &shared, &batch, batch_serial);
            let mut s = hook.state();
            if record.status.is_none_or(|c| !(200..300).contains(&c)) {
                let now = Instant::now();
                s.failures.push(now);
                s.failures
                    .retain(|t| now.duration_since(*t) < Duration::from_secs(24 * 3600));
                if s.failures.len() >= FAILURES_TO_FAIL {
                    s.failed = true;
                }
            }
            s.deliveries.push(record);
        }
        hook.state().sending = false;
    }
}

/// Moves the committed events this webhook takes, not taken before, to its pending list.
fn take_new_events(hook: &Hook, shared: &Shared) {
    let events: Vec<Map<String, Value>> = {
        let floor = hook.state().floor;
        shared.events_after(floor)
    };
    let mut s = hook.state();
    for e in events {
        let Some(id) = e.get("id").and_then(Value::as_i64) else {
            continue;
        };
        if id <= s.floor || !s.taken.insert(id) {
            continue;
        }
        if let Some(d) = delivery(hook, &e) {
            s.pending.push(d);
        }
    }
    // The floor rises over every id taken in a row; an event held back (committed late, with
    // a lower id) stays above it and is taken when it commits.
    let mut floor = s.floor;
    while s.taken.remove(&(floor + 1)) {
        floor += 1;
    }
    s.floor = floor;
    s.pending.sort_by_key(|d| d["event_log_entry_id"].as_i64());
}

/// The `data` of one delivery of event `e`, if the webhook takes it.
fn delivery(hook: &Hook, e: &Map<String, Value>) -> Option<Value> {
    let c = &hook.config;
    let event_type = e.get("event_type").and_then(Value::as_str).unwrap_or("");
    let entity = e.get("entity").cloned().unwrap_or(Value::Null);
    let entity_type = entity["type"].as_str().unwrap_or("");
    let operation = sg_api3::webhook::operation_of(event_type)?;
    let attribute = e.get("attribute_name").cloned().unwrap_or(Value::Null);
    let project = e.get("project").cloned().unwrap_or(Value::Null);
    let takes = (c.entity_types.is_empty() || c.entity_types.iter().any(|t| t == entity_type))
        && (c.operations.is_empty() || c.operations.iter().any(|o| o == operation))
        && (operation != "update"
            || c.fields.is_empty()
            || attribute
                .as_str()
                .is_some_and(|a| c.fields.iter().any(|f| f == a)))
        && c.project.is_none_or(|p| project["id"].as_i64() == Some(p));
    // The site's docs: field changes made while a record is created are not delivered (the
    // creation is).
    let in_create = e
        .get("meta")
        .and_then(|m| m.get("in_create"))
        .and_then(Value::as_bool)
        == Some(true);
    if !takes || in_create {
        return None;
    }
    let id = e.get("id").and_then(Value::as_i64)?;
    let delivery_id = format!("{}.{id}.0", hook.id);
    let mut data = json!({
        "id": delivery_id,
        "delivery_id": delivery_id,
        "event_log_entry_id": id,
        "event_type": event_type,
        "operation": operation,
        "user": {"type": "ApiUser", "id": 1},
        "entity": entity,
        "project": project,
        "meta": e.get("meta").cloned().unwrap_or(Value::Null),
        "created_at": e.get("created_at").cloned().unwrap_or(Value::Null),
        "attribute_name": attribute,
        "session_uuid": Value::Null,
    });
    if serde_json::to_vec(&data).map_or(0, |b| b.len()) > MAX_PAYLOAD {
        if let Some(meta) = data["meta"].as_object_mut() {
            meta.remove("new_value");
            meta.remove("old_value");
        }
        data["warning"] =
            "The payload was larger than 1 MB: new_value and old_value were removed".into();
    }
    Some(data)
}

/// Sends one request of `batch` and records how it went.
fn post(
    agent: &ureq::Agent,
    hook: &Hook,
    shared: &Shared,
    batch: &[Value],
    serial: u64,
) -> DeliveryRecord {
    let body = if hook.config.batched {
        json!({"data": {"deliveries": batch}, "timestamp": timestamp()})
    } else {
        json!({"data": batch[0], "timestamp": timestamp()})
    };
    let body = serde_json::to_vec(&body).unwrap_or_default();
    // The consumer's allowance: 6 s, or in the batched format 1 s per event if more.
    let allowance = if hook.config.batched {
        Duration::from_secs(6.max(batch.len() as u64))
    } else {
        Duration::from_secs(6)
    };
    let delivery_ids: Vec<String> = batch
        .iter()
        .filter_map(|d| d["id"].as_str().map(str::to_owned))
        .collect();
    let mut request = agent
        .post(&hook.config.url)
        .config()
        .timeout_global(Some(allowance))
        .build()
        .header("content-type", "application/json; charset=utf-8")
        .header("x-sg-webhook-id", hook.id.to_string())
        .header(
            "x-sg-delivery-id",
            delivery_ids.first().map_or("", String::as_str),
        )
        .header("x-sg-event-batch-id", serial.to_string())
        .header("x-sg-event-batch-size", batch.len().to_string())
        .header("x-sg-event-batch-index", "0")
        .header("x-sg-webhook-site-url", &shared.base_url);
    if let Some(secret) = &hook.config.secret {
        request = request.header(
            sg_api3::webhook::SIGNATURE_HEADER,
            sg_api3::webhook::sign(secret.as_bytes(), &body),
        );
    }
    let started = Instant::now();
    let status = request.send(&body[..]).ok().map(|r| r.status().as_u16());
    DeliveryRecord {
        delivery_ids,
        event_ids: batch
            .iter()
            .filter_map(|d| d["event_log_entry_id"].as_i64())
            .collect(),
        status,
        elapsed: started.elapsed(),
        cut: batch.iter().any(|d| d.get("warning").is_some()),
    }
}

fn timestamp() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
