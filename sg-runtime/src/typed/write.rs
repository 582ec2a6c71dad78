//! Typed writes: creates, updates with multi-entity modes, and batches. Read-only fields cannot
//! be set; `add`/`remove` exist only for multi-entity fields.

use super::find::{Partial, ReturnFields};
use super::kind::{self, Kind};
use super::link::Settable;
use super::{Entity, EntityField, EntityType, FieldRef, Id, Readable, Writable};
use crate::error::{Error, Result};
use crate::request::{BatchRequest, FieldUpdate, Filter, Query, UpdateMode};
use crate::{BulkReport, BulkWrite, Client};
use serde_json::{Map, Value};
use std::marker::PhantomData;

/// Field access that allows writing. Only [`Writable`] fields implement it.
#[diagnostic::on_unimplemented(
    message = "this field is read-only: it cannot be set through the API",
    label = "a read-only field",
    note = "the schema marks the field as not editable (computed, system-managed or UI-only)"
)]
pub trait WritableAccess {}
#[diagnostic::do_not_recommend]
impl WritableAccess for Writable {}

/// Kinds that take `add` / `remove`.
#[diagnostic::on_unimplemented(
    message = "`add`/`remove` apply to multi-entity fields only, not to a `{Self}` field",
    note = "set the field's whole value with `set` instead"
)]
pub trait MultiLink: Kind {}
#[diagnostic::do_not_recommend]
impl<T: super::TargetSet> MultiLink for kind::MultiEntity<T> {}

/// Kinds whose values can identify a create: text and uuid-like fields (compared whole).
#[diagnostic::on_unimplemented(
    message = "an idempotency key must be a text or uuid field, not a `{Self}` field",
    note = "add a text field (or use a uuid field) whose value you keep unique, such as `sg_uuid`"
)]
pub trait KeyKind: Kind {}
#[diagnostic::do_not_recommend]
impl KeyKind for kind::Text {}
#[diagnostic::do_not_recommend]
impl KeyKind for kind::Opaque {}

/// A typed `create` of a `T`: `Shot::create().set(Shot::F.code, "sh010").send(&client)`.
///
/// The new record comes back as a [`Partial`] with `id`, the fields set, and the fields named
/// with [`returning`](Create::returning); nothing else is asked for (the official client's
/// `create` sends `return_fields: ["id"]` by default).
pub struct Create<T: Entity> {
    fields: Map<String, Value>,
    returning: Vec<String>,
    /// The field named by [`idempotency_key`](Create::idempotency_key).
    key: Option<String>,
    _t: PhantomData<fn() -> T>,
}

impl<T: Entity> Default for Create<T> {
    fn default() -> Self {
        Create::new()
    }
}

impl<T: Entity> Create<T> {
    /// A create with no field set yet.
    pub fn new() -> Create<T> {
        Create {
            fields: Map::new(),
            returning: Vec::new(),
            key: None,
            _t: PhantomData,
        }
    }

    /// Also returns these fields of the new record (the api3 `return_fields`). `image` fields
    /// are read back afterwards through a `read` that asks for URLs, as the official client
    /// reads `image` after a create: a create answers with an attachment id at most. If that
    /// read fails, the new record is still returned, its images `None` (a logged warning): a
    /// create the site applied is never reported as failed, so it is never sent again. In a
    /// [`Batch`], `image` fields are not read back (read them after the batch).
    #[doc(alias = "return_fields")]
    pub fn returning(mut self, fields: impl ReturnFields<T::Type>) -> Create<T> {
        fields.push_paths(&mut self.returning);
        self
    }

    /// Whether the return field `path` is an `image` field.
    fn is_image(path: &str) -> bool {
        <T::Field as EntityField>::ALL
            .iter()
            .any(|f| f.wire_name() == path && f.data_type() == "image")
    }

    /// The return fields sent: those named, images aside.
    fn return_fields(&self) -> Vec<String> {
        self.returning
            .iter()
            .filter(|f| !Self::is_image(f))
            .cloned()
            .collect()
    }

    /// Sets a writable field of `T`'s entity to `value` (of the field's type; links must point
    /// at one of the field's valid types).
    pub fn set<K: Kind, A: WritableAccess>(
        mut self,
        field: FieldRef<T::Type, K, A>,
        value: impl Settable<K>,
    ) -> Create<T> {
        self.fields
            .insert(field.path().to_string(), value.to_value());
        self
    }

    /// Makes this create land exactly once whatever fails: sets `field` (a writable text or
    /// uuid field) to `value`, which the caller keeps unique (a fresh UUID), and names it as the
    /// key the client looks for when a failure leaves the outcome unknown (see
    /// [`Client::create_once`]). In a [`Batch`], give every create a key.
    pub fn idempotency_key<K: KeyKind, A: WritableAccess>(
        mut self,
        field: FieldRef<T::Type, K, A>,
        value: impl Into<String>,
    ) -> Create<T> {
        self.fields
            .insert(field.path().to_string(), Value::String(value.into()));
        self.key = Some(field.path().to_string());
        self
    }

    /// The untyped request.
    pub fn to_batch_request(&self) -> BatchRequest {
        BatchRequest::Create {
            entity_type: <T::Type as EntityType>::NAME.into(),
            fields: self.fields.clone(),
            return_fields: self.return_fields(),
            idempotency_key: self.key.clone(),
        }
    }

    /// Creates the record; returns it with `id`, the fields set and those named with
    /// [`returning`](Create::returning).
    pub fn send(&self, client: &Client) -> Result<Partial<T>> {
        let fields = self.return_fields();
        let names: Vec<&str> = fields.iter().map(String::as_str).collect();
        let entity_type = <T::Type as EntityType>::NAME;
        let mut v = match &self.key {
            Some(key) => client.create_once(entity_type, &self.fields, &names, key)?,
            None => client.create(entity_type, &self.fields, &names)?,
        };
        let images: Vec<&str> = self
            .returning
            .iter()
            .filter(|f| Self::is_image(f))
            .map(String::as_str)
            .collect();
        if !images.is_empty() {
            if let Err(e) = read_back::<T>(client, &mut v, &images) {
                log::warn!(
                    "{} #{} was created; reading back {images:?} failed: {e}",
                    <T::Type as EntityType>::NAME,
                    v.get("id").unwrap_or(&Value::Null)
                );
            }
        }
        decode::<Partial<T>>(v, "create")
    }
}

/// Reads `fields` of the record `record` describes and puts them into it.
fn read_back<T: Entity>(client: &Client, record: &mut Value, fields: &[&str]) -> Result<()> {
    let Some(id) = record.get("id").and_then(Value::as_i64) else {
        return Ok(());
    };
    let query = Query::new(<T::Type as EntityType>::NAME)
        .filter(Filter::cond("id", "is", [id]))
        .fields(fields.iter().copied());
    if let (Some(Value::Object(found)), Value::Object(out)) = (client.find_one(&query)?, record) {
        for f in fields {
            out.insert(
                (*f).to_string(),
                found.get(*f).cloned().unwrap_or(Value::Null),
            );
        }
    }
    Ok(())
}

fn decode<T: Readable>(v: Value, method: &str) -> Result<T> {
    match v {
        Value::Object(m) => T::decode(m),
        other => Err(Error::Malformed {
            method: method.into(),
            entity_type: Some(<T::Type as EntityType>::NAME.into()),
            detail: format!("expected a record, got {other}"),
        }),
    }
}

/// A typed `update` of record `id` of a `T`.
pub struct Update<T: Entity> {
    id: Id<T::Type>,
    fields: Vec<FieldUpdate>,
    _t: PhantomData<fn() -> T>,
}

impl<T: Entity> Update<T> {
    /// An update of record `id` with no change yet.
    pub fn new(id: Id<T::Type>) -> Update<T> {
        Update {
            id,
            fields: Vec::new(),
            _t: PhantomData,
        }
    }

    /// Sets a writable field to `value` (a multi-entity field's whole list).
    pub fn set<K: Kind, A: WritableAccess>(
        mut self,
        field: FieldRef<T::Type, K, A>,
        value: impl Settable<K>,
    ) -> Update<T> {
        self.fields.push(FieldUpdate {
            field: field.path().to_string(),
            value: value.to_value(),
            mode: None,
        });
        self
    }

    /// Empties a writable field.
    pub fn clear<K: Kind, A: WritableAccess>(
        mut self,
        field: FieldRef<T::Type, K, A>,
    ) -> Update<T> {
        self.fields.push(FieldUpdate {
            field: field.path().to_string(),
            value: Value::Null,
            mode: None,
        });
        self
    }

    /// Adds links to a multi-entity field, keeping those it has.
    pub fn add<K: MultiLink, A: WritableAccess>(
        self,
        field: FieldRef<T::Type, K, A>,
        links: impl Settable<K>,
    ) -> Update<T> {
        self.with_mode(field, links, UpdateMode::Add)
    }

    /// Removes links from a multi-entity field.
    pub fn remove<K: MultiLink, A: WritableAccess>(
        self,
        field: FieldRef<T::Type, K, A>,
        links: impl Settable<K>,
    ) -> Update<T> {
        self.with_mode(field, links, UpdateMode::Remove)
    }

    fn with_mode<K: MultiLink, A>(
        mut self,
        field: FieldRef<T::Type, K, A>,
        links: impl Settable<K>,
        mode: UpdateMode,
    ) -> Update<T> {
        self.fields.push(FieldUpdate {
            field: field.path().to_string(),
            value: links.to_value(),
            mode: Some(mode),
        });
        self
    }

    /// The untyped request.
    pub fn to_batch_request(&self) -> BatchRequest {
        BatchRequest::Update {
            entity_type: <T::Type as EntityType>::NAME.into(),
            id: self.id.get(),
            fields: self.fields.clone(),
        }
    }

    /// Sends the update; returns the record with the fields it changed (the others were not
    /// read: [`Partial::get`] refuses them).
    pub fn send(&self, client: &Client) -> Result<Partial<T>> {
        let v = client.update(<T::Type as EntityType>::NAME, self.id.get(), &self.fields)?;
        decode::<Partial<T>>(v, "update")
    }
}

/// A typed `batch`: creates, updates and deletes of any entity types, in one transaction. Each
/// request added gives a [`BatchSlot`] that reads its own result, typed, from the
/// [`BatchResults`]:
///
/// ```ignore
/// let mut batch = Batch::new();
/// let shot = batch.create(Shot::create().set(Shot::F.code, "sh010"));
/// let gone = batch.delete(old_version.id);
/// let results = batch.send(&client)?;
/// let shot: Partial<Shot> = results.get(&shot)?;
/// let was_live: bool = results.get(&gone)?;
/// ```
#[derive(Default)]
pub struct Batch {
    requests: Vec<BatchRequest>,
    serial: u64,
}

/// The numbers that tie slots to their batch.
static BATCHES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// The place of one request's result in a [`Batch`]'s results: `R` is [`Partial<T>`] for a
/// create or update of a `T`, `bool` for a delete.
pub struct BatchSlot<R> {
    index: usize,
    serial: u64,
    _r: PhantomData<fn() -> R>,
}

impl<R> Clone for BatchSlot<R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for BatchSlot<R> {}

impl<R> std::fmt::Debug for BatchSlot<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "request {} of batch {}", self.index, self.serial)
    }
}

/// A result a batch request returns.
pub trait BatchOutput: Sized {
    /// Decodes it from the site's answer for that request.
    fn from_result(v: Value) -> Result<Self>;
}

impl<T: Entity> BatchOutput for Partial<T> {
    fn from_result(v: Value) -> Result<Self> {
        decode::<Partial<T>>(v, "batch")
    }
}

impl BatchOutput for bool {
    fn from_result(v: Value) -> Result<Self> {
        v.as_bool().ok_or_else(|| Error::Malformed {
            method: "batch".into(),
            entity_type: None,
            detail: format!("a delete answered {v}, not true or false"),
        })
    }
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Batch {
        Batch {
            requests: Vec::new(),
            serial: BATCHES.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }

    fn push<R>(&mut self, request: BatchRequest) -> BatchSlot<R> {
        if self.serial == 0 {
            // `Batch::default()`: numbered on first use.
            self.serial = BATCHES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        self.requests.push(request);
        BatchSlot {
            index: self.requests.len() - 1,
            serial: self.serial,
            _r: PhantomData,
        }
    }

    /// Adds a create; its result is the new record.
    pub fn create<T: Entity>(&mut self, create: Create<T>) -> BatchSlot<Partial<T>> {
        self.push(create.to_batch_request())
    }

    /// Adds an update; its result is the record with the fields it changed.
    pub fn update<T: Entity>(&mut self, update: Update<T>) -> BatchSlot<Partial<T>> {
        self.push(update.to_batch_request())
    }

    /// Adds a delete (retire) of record `id`; its result says whether it was live. For a raw id,
    /// [`Record::delete_in`](super::Record::delete_in) names the entity type:
    /// `Shot::delete_in(&mut batch, Id::new(5))`.
    pub fn delete<M: EntityType>(&mut self, id: Id<M>) -> BatchSlot<bool> {
        self.push(BatchRequest::Delete {
            entity_type: M::NAME.into(),
            id: id.get(),
        })
    }

    /// The number of requests.
    pub fn len(&self) -> usize {
        self.requests.len()
    }

    /// Whether the batch is empty.
    pub fn is_empty(&self) -> bool {
        self.requests.is_empty()
    }

    /// The untyped requests.
    pub fn requests(&self) -> &[BatchRequest] {
        &self.requests
    }

    /// The batch as a bulk write ([`Client::bulk`]): sent in chunks, each its own transaction,
    /// several at once, for batches of thousands of requests. Read the results of the chunks
    /// that landed through the slots: [`BulkReport::get`].
    pub fn bulk<'a>(&'a self, client: &Client) -> BulkWrite<'a> {
        client.bulk(&self.requests).for_batch(self.serial)
    }

    /// Runs the batch: all or nothing.
    pub fn send(&self, client: &Client) -> Result<BatchResults> {
        let values = client.batch(&self.requests)?;
        if values.len() != self.requests.len() {
            return Err(Error::Malformed {
                method: "batch".into(),
                entity_type: None,
                detail: format!(
                    "{} requests were sent and {} results came back",
                    self.requests.len(),
                    values.len()
                ),
            });
        }
        Ok(BatchResults {
            values,
            serial: self.serial,
        })
    }
}

/// The results of a [`Batch`], one per request, read through the requests' [`BatchSlot`]s.
#[derive(Debug)]
pub struct BatchResults {
    values: Vec<Value>,
    serial: u64,
}

impl BatchResults {
    /// The result of the request at `slot`, typed.
    ///
    /// # Panics
    ///
    /// If `slot` came from another batch (a programming error, like an index out of bounds).
    pub fn get<R: BatchOutput>(&self, slot: &BatchSlot<R>) -> Result<R> {
        assert_eq!(
            slot.serial, self.serial,
            "this batch slot belongs to another batch"
        );
        R::from_result(self.values[slot.index].clone())
    }

    /// The number of results.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The results as the site sent them.
    pub fn into_values(self) -> Vec<Value> {
        self.values
    }
}

impl BulkReport {
    /// The result of the request at `slot` of the typed [`Batch`] this bulk write sent
    /// ([`Batch::bulk`]), typed; `None` when its chunk did not land (its
    /// [`ChunkReport`](crate::ChunkReport) says why).
    ///
    /// # Panics
    ///
    /// If `slot` came from another batch (a programming error, like an index out of bounds).
    pub fn get<R: BatchOutput>(&self, slot: &BatchSlot<R>) -> Option<Result<R>> {
        assert_eq!(
            slot.serial,
            self.serial(),
            "this batch slot belongs to another batch"
        );
        self.result(slot.index).cloned().map(R::from_result)
    }
}
