//! Webhook deliveries, verified and typed, with no HTTP framework: give the raw body and the
//! `x-sg-signature` header of a POST a site made to your consumer URL.
//!
//! A site signs a delivery, when its webhook has a secret token, with
//! `x-sg-signature: sha1=<hex HMAC-SHA1 of the raw body>`. [`verify`] checks it in constant time
//! over the raw bytes, before anything is parsed; [`decode`] reads both formats (one delivery in
//! `data`, or up to 50 in `data.deliveries`) into [`Delivery`]s, each carrying the same
//! [`Event`] the event stream gives, so that one handler serves both
//! (`delivery.event.change_of::<Shot>()`).

// `Operation` lives with the event stream (which filters by it); re-exported here, where a
// delivery names it.
pub use crate::events::Operation;
use crate::events::{kind_of as kind, Event};
use crate::typed::EventMeta;
use crate::value::{EntityRef, WireValue};
use serde_json::Value;

/// Why a delivery was refused. Messages never hold the secret or the body's signature.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// The signature is missing, malformed or wrong: answer 401.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// The body is not a delivery of either format: answer 400.
    #[error("malformed delivery: {0}")]
    Malformed(String),
}

pub use sg_api3::routes::MAX_ACKNOWLEDGEMENT_BYTES;
pub use sg_api3::webhook::{
    event_type, operation_of, sign, SignatureError, OPERATIONS, SIGNATURE_HEADER,
};

/// Checks the `x-sg-signature` header of a delivery against `body` (the raw bytes, as
/// received) and the webhook's `secret`, in constant time. Call it before parsing the body.
pub fn verify(secret: &[u8], signature: Option<&str>, body: &[u8]) -> Result<(), WebhookError> {
    Ok(sg_api3::webhook::verify(secret, signature, body)?)
}

/// One delivery of a webhook: one event of the site's event log.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    /// The delivery's id (`"11777.3065.0"`): what an acknowledgement names.
    pub id: String,
    /// What happened to the record.
    pub operation: Operation,
    /// The event, as the event stream gives it: `event.id` is the event log entry's id (the
    /// key that makes handling idempotent across webhook and event log), `event.meta` the
    /// typed meta, `event.change_of::<Shot>()` the typed change.
    pub event: Event,
    /// The session that made the change, when the site says.
    pub session_uuid: Option<String>,
    /// Set when the site cut the payload (over 1 MB): `new_value` and `old_value` were removed
    /// from the meta, so read the record itself for the values.
    pub warning: Option<String>,
}

/// Reads a delivery body of either format: `{"data": {...}, "timestamp": ...}` (one delivery)
/// or `{"data": {"deliveries": [...]}, "timestamp": ...}` (1 to 50). Verify it first.
pub fn decode(body: &[u8]) -> Result<Vec<Delivery>, WebhookError> {
    let deliveries = split(body)?;
    let batch = deliveries.len() > 1;
    deliveries
        .iter()
        .enumerate()
        .map(|(i, d)| {
            delivery(d).map_err(|m| match batch {
                true => WebhookError::Malformed(format!("delivery {i} of the batch: {m}")),
                false => WebhookError::Malformed(m),
            })
        })
        .collect()
}

/// A delivery body's deliveries as the site sent them: each one delivery's `data` object (the
/// form [`decode_one`] reads), to keep before handling (a receiver's ledger) and read later.
pub fn split(body: &[u8]) -> Result<Vec<Value>, WebhookError> {
    let malformed = |m: String| WebhookError::Malformed(m);
    let mut root: Value =
        serde_json::from_slice(body).map_err(|e| malformed(format!("not JSON: {e}")))?;
    let data = root
        .get_mut("data")
        .filter(|d| d.is_object())
        .map(Value::take)
        .ok_or_else(|| malformed("no `data` object".into()))?;
    match data {
        Value::Object(mut map) => match map.remove("deliveries") {
            // Each delivery of a batch has the format of a single delivery's `data`.
            Some(Value::Array(items)) => Ok(items
                .into_iter()
                .map(|mut d| match d.get_mut("data").filter(|x| x.is_object()) {
                    Some(inner) => inner.take(),
                    None => d,
                })
                .collect()),
            Some(other) => Err(malformed(format!(
                "`data.deliveries` is not a list: {}",
                kind(&other)
            ))),
            None => Ok(vec![Value::Object(map)]),
        },
        _ => Err(malformed("no `data` object".into())),
    }
}

/// Reads one delivery's `data` object (as [`split`] gives it).
pub fn decode_one(data: &Value) -> Result<Delivery, WebhookError> {
    delivery(data).map_err(WebhookError::Malformed)
}

fn delivery(d: &Value) -> Result<Delivery, String> {
    if !d.is_object() {
        return Err(format!("a delivery is {}, not an object", kind(d)));
    }
    let text = |k: &str| d.get(k).and_then(Value::as_str).map(str::to_owned);
    let link = |k: &str| -> Result<Option<EntityRef>, String> {
        match d.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => EntityRef::from_wire(v)
                .map(Some)
                .map_err(|e| format!("`{k}`: {e}")),
        }
    };
    let event_id = d
        .get("event_log_entry_id")
        .and_then(Value::as_i64)
        .ok_or("no integer `event_log_entry_id`")?;
    let id = match d.get("id") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(format!("event {event_id}: no delivery `id`")),
    };
    let operation = text("operation").ok_or(format!("event {event_id}: no `operation`"))?;
    let meta = match d.get("meta") {
        None | Some(Value::Null) => Value::Object(Default::default()),
        Some(m @ Value::Object(_)) => m.clone(),
        Some(other) => return Err(format!("event {event_id}: `meta` is {}", kind(other))),
    };
    let warning = text("warning").or_else(|| {
        meta.get("warning")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    Ok(Delivery {
        id,
        operation: Operation::from_wire(&operation),
        event: Event {
            id: event_id,
            event_type: text("event_type").unwrap_or_default(),
            entity: link("entity")?,
            attribute_name: text("attribute_name"),
            meta: EventMeta::from_value(meta),
            project: link("project")?,
            user: link("user")?,
            created_at: text("created_at"),
        },
        session_uuid: text("session_uuid"),
        warning,
    })
}
