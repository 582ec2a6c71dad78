//! `create`, `update`, `delete`, `revive` and `batch`, each sent once (see
//! [`RetryPolicy`](crate::RetryPolicy)); exactly-once creates are in `once.rs`. Wire shapes in
//! `sg_api3::methods::write`; the local site's side in `sg-localsite/src/api/write.rs`.

use crate::client::Client;
use crate::error::{Error, Result};
use crate::records::{parse_record, parse_records};
use crate::request::{fields_wire, return_fields_wire, BatchRequest, FieldUpdate};
use serde_json::{Map, Value};
use sg_api3::methods::write::{BatchItem, CreateParams, RecordParams, UpdateParams};
use sg_api3::methods::{Batch, Create, Delete, Revive, Update};

impl Client {
    /// `create`: a new `entity_type` record with `fields`; returns it with `type`, `id`, the
    /// fields set and `return_fields` (none sends `["id"]`, as the official client).
    pub fn create(
        &self,
        entity_type: &str,
        fields: &Map<String, Value>,
        return_fields: &[&str],
    ) -> Result<Value> {
        let params = CreateParams {
            entity_type: entity_type.to_string(),
            fields: fields_wire(fields),
            return_fields: return_fields_wire(return_fields),
        };
        let sent = serde_json::to_value(&params).unwrap_or(Value::Null);
        let results = self.call_method::<Create>(params)?;
        // The site answered, so it applied the create, but not with a record.
        one_record("create", entity_type, results)
            .map_err(|e| applied_without_record("create", entity_type, sent, e))
    }

    /// `update` of record `id`: each field set, or for multi-entity fields added to or removed
    /// from, as its [`FieldUpdate`] says. Returns the updated fields.
    pub fn update(&self, entity_type: &str, id: i64, fields: &[FieldUpdate]) -> Result<Value> {
        if fields.is_empty() {
            return Err(Error::InvalidRequest(format!(
                "update of {entity_type} #{id} with no fields"
            )));
        }
        let params = UpdateParams {
            entity_type: entity_type.to_string(),
            id,
            fields: fields.iter().map(FieldUpdate::to_wire).collect(),
        };
        let sent = serde_json::to_value(&params).unwrap_or(Value::Null);
        let results = self.call_method::<Update>(params)?;
        one_record("update", entity_type, results)
            .map_err(|e| applied_without_record("update", entity_type, sent, e))
    }

    /// `delete`: retires record `id`. True when it was live.
    pub fn delete(&self, entity_type: &str, id: i64) -> Result<bool> {
        self.call_method::<Delete>(RecordParams {
            entity_type: entity_type.to_string(),
            id,
        })
    }

    /// `revive`: brings back retired record `id`. True when it was retired.
    pub fn revive(&self, entity_type: &str, id: i64) -> Result<bool> {
        self.call_method::<Revive>(RecordParams {
            entity_type: entity_type.to_string(),
            id,
        })
    }

    /// `batch`: all of `requests` in one transaction; one failure undoes them all. Returns one
    /// result per request (a record for a create or update, `true` for a delete).
    ///
    /// When its creates carry an idempotency key (every create of the batch, then), the batch
    /// lands exactly once as [`create_once`](Client::create_once) describes; otherwise a failure
    /// with an unknown outcome is [`Error::MayHaveBeenApplied`]. A keyed batch found on the site
    /// after an unknown outcome is reported landed even where an update's record cannot be read
    /// back afterwards: that update's result is then `{"type", "id", "read_back_error"}`.
    pub fn batch(&self, requests: &[BatchRequest]) -> Result<Vec<Value>> {
        let keyed = requests.iter().any(|r| {
            matches!(
                r,
                BatchRequest::Create {
                    idempotency_key: Some(_),
                    ..
                }
            )
        });
        if keyed {
            self.batch_once(requests)
        } else {
            self.batch_as_sent(requests)
        }
    }

    /// `batch` sent once (retried only where it cannot have reached the site).
    pub(crate) fn batch_as_sent(&self, requests: &[BatchRequest]) -> Result<Vec<Value>> {
        if requests.is_empty() {
            return Ok(Vec::new());
        }
        let wire: Vec<BatchItem> = requests.iter().map(BatchRequest::to_wire).collect();
        let sent = serde_json::to_value(&wire).unwrap_or(Value::Null);
        match self.call_method::<Batch>(wire)? {
            mut items if items.len() == requests.len() => {
                parse_records(&mut items);
                Ok(items)
            }
            other => Err(Error::MayHaveBeenApplied {
                method: "batch".into(),
                entity_type: None,
                params: sent,
                sent_at: chrono::Utc::now(),
                cause: Box::new(Error::Malformed {
                    method: "batch".into(),
                    entity_type: None,
                    detail: format!("expected {} results, got {}", requests.len(), other.len()),
                }),
            }),
        }
    }
}

/// The record a `create` or `update` answered with: a record, or a list holding one (the
/// official client's `_call_rpc(..., first=True)` and `_parse_records(...)[0]`), through the
/// official client's record rules.
fn one_record(method: &str, entity_type: &str, results: Value) -> Result<Value> {
    let mut record = match results {
        Value::Array(items) if !items.is_empty() => items.into_iter().next().unwrap_or_default(),
        other => other,
    };
    match &mut record {
        Value::Object(m) => {
            parse_record(m);
            Ok(record)
        }
        other => Err(Error::Malformed {
            method: method.into(),
            entity_type: Some(entity_type.into()),
            detail: format!(
                "expected the record, got {}",
                crate::value::ValueError::new("", other).found
            ),
        }),
    }
}

/// A write the site answered without the record it should have returned: applied, most likely,
/// but the caller cannot know what was made.
fn applied_without_record(method: &str, entity_type: &str, params: Value, e: Error) -> Error {
    Error::MayHaveBeenApplied {
        method: method.into(),
        entity_type: Some(entity_type.into()),
        params,
        sent_at: chrono::Utc::now(),
        cause: Box::new(e),
    }
}
