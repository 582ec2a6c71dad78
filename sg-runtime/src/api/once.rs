//! Exactly-once creates. A create whose outcome is unknown ([`Error::MayHaveBeenApplied`]) is
//! never sent again blind; with an idempotency key (a text or uuid field whose value the caller
//! keeps unique) the client finds out itself: it looks for a record with that key, retired ones
//! included, for up to the reconcile window (a request still running on the site lands within
//! it), and returns the record found, or sends the create again once the window shows it was
//! not applied.

use crate::client::Client;
use crate::error::{Error, Result};
use crate::request::{BatchRequest, Filter, Query};
use serde_json::{Map, Value};
use std::time::{Duration, Instant};

/// The first wait between two lookups; it doubles up to [`MAX_LOOKUP_WAIT`].
const FIRST_LOOKUP_WAIT: Duration = Duration::from_millis(25);
const MAX_LOOKUP_WAIT: Duration = Duration::from_secs(2);

/// What a lookup after an unknown outcome found.
enum Settled<T> {
    /// The write was applied: what it made.
    Applied(T),
    /// Not there after the whole window: the write was not applied. The last answer.
    NotApplied(T),
}

impl Client {
    /// `create` that lands exactly once whatever fails on the way, given `key_field`: a field
    /// of `fields` (text or uuid) whose value no other record has, such as a UUID the caller
    /// makes for this create. Answers as [`create`](Client::create) does.
    ///
    /// When the create fails with an unknown outcome (a 502/504 from a gateway, a timeout, a
    /// connection cut after sending), the client reads the records with that key, active and
    /// retired, until one appears or the reconcile window
    /// ([`ClientBuilder::reconcile_window`](crate::ClientBuilder::reconcile_window)) has passed:
    /// a record found is returned as the create's answer; none found means the site did not
    /// apply it, and the create is sent again (up to the retry policy's tries). A create still
    /// running on the site after the window could land twice: make the window longer than the
    /// site's own request timeout. If the lookups themselves fail, the create's
    /// [`Error::MayHaveBeenApplied`] is returned.
    pub fn create_once(
        &self,
        entity_type: &str,
        fields: &Map<String, Value>,
        return_fields: &[&str],
        key_field: &str,
    ) -> Result<Value> {
        let key = Key::of(
            entity_type,
            fields,
            key_field,
            return_fields.iter().copied(),
        )?;
        self.send_once(
            &format!("create {entity_type}"),
            &[key],
            || self.create(entity_type, fields, return_fields),
            |found| Ok(found.into_iter().next().unwrap_or_default()),
        )
    }

    /// A batch whose creates all carry an idempotency key: as [`create_once`](Client::create_once),
    /// for the whole transaction (it lands whole or not at all, so its creates are found all
    /// together or none). The results of its updates are read back, its deletes answer `true`.
    pub(crate) fn batch_once(&self, requests: &[BatchRequest]) -> Result<Vec<Value>> {
        let mut keys = Vec::new();
        for r in requests {
            if let BatchRequest::Create {
                entity_type,
                fields,
                return_fields,
                idempotency_key,
            } = r
            {
                let Some(key_field) = idempotency_key else {
                    return Err(Error::InvalidRequest(format!(
                        "batch: a create of {entity_type} has no idempotency key while others have one; give every create of the batch a key, or none"
                    )));
                };
                let read = return_fields.iter().map(String::as_str);
                keys.push(Key::of(entity_type, fields, key_field, read)?);
            }
        }
        self.send_once(
            "batch",
            &keys,
            || self.batch_as_sent(requests),
            |found| self.batch_results(requests, found.into_iter()),
        )
    }

    /// Sends a write until it lands exactly once: after an unknown outcome, looks for `keys`
    /// until all are found (the write was applied: `answer` makes its result from the records
    /// found) or the window shows none is there (sent again, up to the policy's tries).
    fn send_once<T>(
        &self,
        what: &str,
        keys: &[Key],
        send: impl Fn() -> Result<T>,
        answer: impl Fn(Vec<Value>) -> Result<T>,
    ) -> Result<T> {
        let tries = self.retry_policy().max_attempts.max(1);
        let mut attempt = 1;
        loop {
            let unknown = match send() {
                Err(e) if e.may_have_been_applied() => e,
                done => return done,
            };
            let lookup = || {
                keys.iter()
                    .map(|k| self.find_by_key(k))
                    .collect::<Result<Vec<Option<Value>>>>()
            };
            match self.settle(lookup) {
                Ok(Settled::Applied(found)) => {
                    log::info!("api3 {what}: the outcome was unknown ({unknown}); found it by its idempotency keys");
                    return answer(found.into_iter().flatten().collect());
                }
                Ok(Settled::NotApplied(found)) if found.iter().any(Option::is_some) => {
                    // One write cannot land in part: the keys are not unique.
                    log::warn!("api3 {what}: only some of its idempotency keys are on the site; they are not unique");
                    return Err(unknown);
                }
                Ok(Settled::NotApplied(_)) if attempt < tries => {
                    log::info!("api3 {what}: not applied (its idempotency keys are not on the site); sending it again");
                    attempt += 1;
                }
                Ok(Settled::NotApplied(_)) => return Err(not_applied(unknown, attempt)),
                Err(lookup_error) => {
                    log::warn!(
                        "api3 {what}: looking up its idempotency keys failed: {lookup_error}"
                    );
                    return Err(unknown);
                }
            }
        }
    }

    /// The results an applied batch would have answered with: the records found for its
    /// creates, its updates read back, `true` for its deletes. The batch landed (its keys were
    /// found), so nothing here is an error that would invite a resend: an update that cannot be
    /// read back is `{"type", "id", "read_back_error"}`, naming what could not be read.
    fn batch_results(
        &self,
        requests: &[BatchRequest],
        mut created: impl Iterator<Item = Value>,
    ) -> Result<Vec<Value>> {
        Ok(requests
            .iter()
            .map(|r| match r {
                BatchRequest::Create { .. } => created.next().unwrap_or_default(),
                BatchRequest::Update {
                    entity_type,
                    id,
                    fields,
                } => {
                    let query = Query::new(entity_type.as_str())
                        .filter(Filter::cond("id", "is", [*id]))
                        .fields(fields.iter().map(|f| f.field.as_str()));
                    match self.find_one(&query) {
                        Ok(found) => found.unwrap_or_default(),
                        Err(e) => {
                            log::warn!("api3 batch: landed (found by its idempotency keys); the update of {entity_type} #{id} could not be read back: {e}");
                            serde_json::json!({
                                "type": entity_type,
                                "id": id,
                                "read_back_error": e.to_string(),
                            })
                        }
                    }
                }
                BatchRequest::Delete { .. } => Value::Bool(true),
            })
            .collect())
    }

    /// The record holding `key`, active or retired, with the fields the write would return.
    fn find_by_key(&self, key: &Key) -> Result<Option<Value>> {
        let Key {
            entity_type,
            field,
            value,
            read,
        } = key;
        let mut query = Query::new(entity_type.as_str())
            .filter(Filter::cond(field.as_str(), "is", [value.clone()]))
            .fields(read.iter().map(String::as_str))
            .limit(2);
        for _retired in [false, true] {
            let found: Vec<Value> = self.find(&query)?.collect::<Result<_>>()?;
            match found.len() {
                0 => {}
                1 => return Ok(found.into_iter().next()),
                _ => {
                    return Err(Error::InvalidRequest(format!(
                        "{entity_type}: more than one record has `{field}` = {value}; an idempotency key must be unique"
                    )))
                }
            }
            query = query.retired_only();
        }
        Ok(None)
    }

    /// Runs `lookup` (one record or none per key) until every key is found, or the reconcile
    /// window has passed, waiting longer between lookups each time. A lookup that fails, or
    /// finds some keys and not others (a transaction that committed between two reads of one
    /// round), is undecided: tried again within the window, and after it a few more times. The
    /// answer is "not applied" only when a whole round after the window found no key.
    fn settle(
        &self,
        lookup: impl Fn() -> Result<Vec<Option<Value>>>,
    ) -> Result<Settled<Vec<Option<Value>>>> {
        let deadline = Instant::now() + self.reconcile_window();
        let mut wait = FIRST_LOOKUP_WAIT;
        let mut late_tries = self.retry_policy().max_attempts;
        loop {
            let answer = lookup();
            let decided = match &answer {
                Ok(found) if found.iter().all(Option::is_some) => {
                    return answer.map(Settled::Applied)
                }
                Ok(found) => found.iter().all(Option::is_none),
                Err(e) => {
                    log::debug!("api3: a lookup of a write whose outcome is unknown failed: {e}");
                    false
                }
            };
            let now = Instant::now();
            if now >= deadline {
                if decided || late_tries == 0 {
                    return answer.map(Settled::NotApplied);
                }
                late_tries -= 1;
            }
            std::thread::sleep(
                wait.min(
                    deadline
                        .saturating_duration_since(now)
                        .max(FIRST_LOOKUP_WAIT),
                ),
            );
            wait = (wait * 2).min(MAX_LOOKUP_WAIT);
        }
    }
}

/// What identifies one create: its entity type, key field and value, and the fields its answer holds.
struct Key {
    entity_type: String,
    field: String,
    value: Value,
    read: Vec<String>,
}

impl Key {
    /// The key of a create setting `fields`, whose value must be a non-empty string.
    fn of<'a>(
        entity_type: &str,
        fields: &Map<String, Value>,
        key_field: &str,
        return_fields: impl Iterator<Item = &'a str>,
    ) -> Result<Key> {
        let value = match fields.get(key_field) {
            Some(v @ Value::String(s)) if !s.is_empty() => v.clone(),
            Some(other) => {
                return Err(Error::InvalidRequest(format!(
                    "create of {entity_type}: the idempotency key `{key_field}` must be a non-empty text, not {other}"
                )))
            }
            None => {
                return Err(Error::InvalidRequest(format!(
                    "create of {entity_type}: the idempotency key `{key_field}` is not among the fields set"
                )))
            }
        };
        Ok(Key {
            entity_type: entity_type.into(),
            field: key_field.into(),
            value,
            read: fields
                .keys()
                .cloned()
                .chain(return_fields.map(str::to_owned))
                .collect(),
        })
    }
}

/// The error of a write the lookups proved was not applied, after the last try.
fn not_applied(unknown: Error, attempt: u32) -> Error {
    match unknown {
        Error::MayHaveBeenApplied {
            method,
            entity_type,
            cause,
            ..
        } => Error::NotApplied {
            method,
            entity_type,
            tries: attempt,
            cause,
        },
        other => other,
    }
}
