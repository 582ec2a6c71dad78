//! Typed records decoded straight from a read's answer: from the response bytes into generated
//! structs and projections, with no `serde_json::Value` tree in between.
//!
//! The work per field is here, table-driven; generated code (and `#[derive(Select)]`) is one
//! short `match` arm per field: [`RecordReader::next_field`] finds the key's index in the
//! field table, [`RecordReader::read`] decodes the value into the field's slot through
//! [`WireValue::read_wire`]. The same reader runs over a `Map` of an already-parsed record
//! ([`from_map`]), so there is one decoder, whatever the source.
//!
//! A read's answer is decoded this way when it is a plain answer; anything else (an exception,
//! a cut body, a value of the wrong shape) is read again through `serde_json::Value`, so that
//! errors are exactly those of the untyped layer and a decode error names the entity, the id
//! and the field.

use super::{EntityType, FieldInfo, FieldRef, ProjectionOf, Readable, Returnable};
use crate::api::read::DecodedPage;
use crate::error::{Error, Result};
use crate::value::{Key, Plain, WireValue};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use sg_api3::methods::read::PagingInfo;
use std::marker::PhantomData;

/// Reads one record's fields for a generated `read_fields` (or a projection's): the keys in
/// the order the site sent them, `id` kept aside, keys the type does not hold skipped. The
/// first error is kept and ends the reading, so that generated code has no `?` per field
/// (each one is a trait lookup for the type checker): it loops on [`next_field`], reads each
/// field, and ends with [`finish`].
///
/// [`next_field`]: RecordReader::next_field
/// [`finish`]: RecordReader::finish
pub struct RecordReader<'de, A: MapAccess<'de>> {
    map: A,
    entity_type: &'static str,
    id: Option<i64>,
    /// The field being read, for errors.
    field: &'static str,
    /// The first error met; nothing more is read after it.
    error: Option<A::Error>,
    /// The first decode error, with the entity, id and field (for [`from_map`]).
    failure: Option<Error>,
    /// The field index of each key of the previous record, in its order (`SKIPPED` for a key
    /// the type does not hold): records of one answer come with their keys in the same order,
    /// so a key is checked against one name instead of searched for.
    order: Vec<u32>,
    /// Keys read so far.
    position: usize,
    _de: PhantomData<&'de ()>,
}

const SKIPPED: u32 = u32::MAX;

impl<'de, A: MapAccess<'de>> RecordReader<'de, A> {
    fn new(map: A, entity_type: &'static str, id: Option<i64>, order: Vec<u32>) -> Self {
        RecordReader {
            map,
            entity_type,
            id,
            field: "id",
            error: None,
            failure: None,
            order,
            position: 0,
            _de: PhantomData,
        }
    }

    /// The next field the type holds: its index in `fields` (sorted by wire name, as a field
    /// enum's `INFO`); `None` after the last key, or after an error.
    pub fn next_field(&mut self, fields: &'static [FieldInfo]) -> Option<usize> {
        self.next_by(
            |i| fields[i].wire_name,
            |key| fields.binary_search_by(|f| f.wire_name.cmp(key)).ok(),
        )
    }

    /// The next field the type holds: its index in `names` (a projection's return fields, in
    /// any order); `None` after the last key, or after an error.
    pub fn next_of(&mut self, names: &'static [&'static str]) -> Option<usize> {
        self.next_by(|i| names[i], |key| names.iter().position(|n| *n == key))
    }

    /// The index of `key`: first the index the key at this position had in the previous
    /// record, then a search.
    fn index_of(
        &mut self,
        key: &str,
        name_at: impl Fn(usize) -> &'static str,
        search: impl Fn(&str) -> Option<usize>,
    ) -> Option<usize> {
        let position = self.position;
        self.position += 1;
        if let Some(&i) = self.order.get(position) {
            if i != SKIPPED && name_at(i as usize) == key {
                return Some(i as usize);
            }
        }
        let found = search(key);
        self.note(position, found.map_or(SKIPPED, |i| i as u32));
        found
    }

    /// Keeps `index` as the key at `position`, for the next record.
    fn note(&mut self, position: usize, index: u32) {
        if position < self.order.len() {
            self.order[position] = index;
        } else if position == self.order.len() {
            self.order.push(index);
        }
    }

    fn next_by(
        &mut self,
        name_at: impl Fn(usize) -> &'static str,
        search: impl Fn(&str) -> Option<usize>,
    ) -> Option<usize> {
        match self.try_next(name_at, search) {
            Ok(next) => next,
            Err(e) => {
                self.error.get_or_insert(e);
                None
            }
        }
    }

    fn try_next(
        &mut self,
        name_at: impl Fn(usize) -> &'static str,
        search: impl Fn(&str) -> Option<usize>,
    ) -> Result<Option<usize>, A::Error> {
        if self.error.is_some() {
            return Ok(None);
        }
        while let Some(key) = self.map.next_key_seed(Key)? {
            if key == "id" {
                self.note(self.position, SKIPPED);
                self.position += 1;
                self.field = "id";
                match self.map.next_value_seed(Plain::<i64>::new())? {
                    Some(id) => self.id = Some(id),
                    None => return Err(self.fail("expected an integer, found null".into())),
                }
                continue;
            }
            match self.index_of(&key, &name_at, &search) {
                Some(i) => {
                    self.field = name_at(i);
                    return Ok(Some(i));
                }
                None => {
                    self.map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(None)
    }

    /// Decodes the current field's value into `slot` (generated code: a field that is not a
    /// multi-entity link).
    pub fn value<T: WireValue>(&mut self, slot: &mut Option<T>) {
        self.read(slot)
    }

    /// Decodes the current field's value into `slot` (generated code: a multi-entity field;
    /// `null` is empty).
    pub fn list<T: WireValue>(&mut self, slot: &mut Vec<T>) {
        self.read(slot)
    }

    /// Decodes the current field's value into `slot` (an `Option<V>` or a `Vec<V>`).
    pub fn read<S: FieldSlot>(&mut self, slot: &mut S) {
        if let Err(e) = self.map.next_value_seed(SlotInto(slot)) {
            let e = self.fail(e.to_string());
            self.error.get_or_insert(e);
        }
    }

    /// Decodes the current field's value into `slot`, a projection's field of the entity field
    /// whose handle's types are `field`: checked to fit it, and to be a field a read can return
    /// (`#[derive(Select)]` generated code).
    pub fn read_projected<E, K, F: Returnable, S: ProjectionOf<K>>(
        &mut self,
        field: HandleTypes<E, K, F>,
        slot: &mut S,
    ) {
        let _ = field;
        self.read(slot)
    }

    /// Skips the current field's value.
    pub fn skip(&mut self) {
        if let Err(e) = self.map.next_value::<IgnoredAny>() {
            self.error.get_or_insert(e);
        }
    }

    /// The record's id, typed ([`super::Id`]) or raw (0, with an error kept, when the record
    /// has none).
    pub fn id<I: RecordId>(&mut self) -> I {
        match self.id {
            Some(id) => I::from_raw(id),
            None => {
                if self.error.is_none() {
                    self.field = "id";
                    let e = self.fail("the record has no id".into());
                    self.error = Some(e);
                }
                I::from_raw(0)
            }
        }
    }

    /// `value`, or the first error met.
    pub fn finish<T>(&mut self, value: T) -> Result<T, A::Error> {
        match self.error.take() {
            None => Ok(value),
            Some(e) => Err(e),
        }
    }

    /// The record's remaining keys as a map, through the official client's record rules (what
    /// a [`super::Partial`] keeps).
    pub fn rest(&mut self) -> Map<String, Value> {
        let mut record = Map::new();
        if let Err(e) = self.try_rest(&mut record) {
            self.error.get_or_insert(e);
        }
        record
    }

    fn try_rest(&mut self, record: &mut Map<String, Value>) -> Result<(), A::Error> {
        while let Some(key) = self.map.next_key_seed(Key)? {
            let mut v: Value = self.map.next_value()?;
            if key == "id" {
                self.id = v.as_i64();
            }
            crate::records::parse_value(&mut v);
            record.insert(key.into_owned(), v);
        }
        Ok(())
    }

    fn fail(&mut self, message: String) -> A::Error {
        // serde_json adds where in the text the value was; the field says it better.
        let message = match message.rfind(" at line ") {
            Some(i) => message[..i].to_string(),
            None => message,
        };
        self.failure.get_or_insert(Error::Decode {
            entity_type: self.entity_type.into(),
            id: self.id.unwrap_or(0),
            field: self.field.into(),
            message: message.clone(),
        });
        de::Error::custom(message)
    }
}

/// A Rust type a record's id decodes into: a typed [`super::Id`], or a bare `i64`
/// (projections).
pub trait RecordId {
    /// From the raw number.
    fn from_raw(raw: i64) -> Self;
}
impl RecordId for i64 {
    fn from_raw(raw: i64) -> Self {
        raw
    }
}
impl<M> RecordId for super::Id<M> {
    fn from_raw(raw: i64) -> Self {
        super::Id::new(raw)
    }
}

/// A Rust type a record's field decodes into: `Option<V>` (missing or `null` is `None`), or, for
/// a multi-entity field, `Vec<V>` (missing or `null` is empty).
#[diagnostic::on_unimplemented(
    message = "a record field cannot decode into a `{Self}`",
    note = "a record field is `Option<V>` (a multi-entity field: `Vec<V>`)"
)]
pub trait FieldSlot: Sized {
    /// Decodes a record's own value into `self`.
    fn read_from<'de, D: Deserializer<'de>>(&mut self, d: D) -> Result<(), D::Error>;
}
impl<T: WireValue> FieldSlot for Option<T> {
    fn read_from<'de, D: Deserializer<'de>>(&mut self, d: D) -> Result<(), D::Error> {
        *self = T::read_wire(d, true)?;
        Ok(())
    }
}
impl<T: WireValue> FieldSlot for Vec<T> {
    fn read_from<'de, D: Deserializer<'de>>(&mut self, d: D) -> Result<(), D::Error> {
        *self = Vec::<T>::read_wire(d, true)?.unwrap_or_default();
        Ok(())
    }
}

struct SlotInto<'s, S>(&'s mut S);

impl<'de, S: FieldSlot> DeserializeSeed<'de> for SlotInto<'_, S> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.0.read_from(d)
    }
}

/// One record into `R`, keeping its id and, on failure, the decode error.
struct RecordSeed<'f, R> {
    failure: &'f mut Option<Error>,
    /// The id, when known before reading (a record already parsed).
    id: Option<i64>,
    /// The previous record's key order, handed from record to record.
    order: &'f mut Vec<u32>,
    _r: PhantomData<fn() -> R>,
}

impl<'de, R: Readable> DeserializeSeed<'de> for RecordSeed<'_, R> {
    type Value = (R, Option<i64>);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, R: Readable> Visitor<'de> for RecordSeed<'_, R> {
    type Value = (R, Option<i64>);
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a record")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let order = std::mem::take(self.order);
        let mut reader = RecordReader::new(map, <R::Type as EntityType>::NAME, self.id, order);
        let result = R::read_fields(&mut reader);
        *self.order = std::mem::take(&mut reader.order);
        match result {
            Ok(r) => Ok((r, reader.id)),
            Err(e) => {
                *self.failure = reader.failure.take();
                Err(e)
            }
        }
    }
}

/// Decodes a record already parsed into a map: the same decoder as for the response bytes;
/// errors name the entity, the id and the field.
pub(crate) fn from_map<R: Readable>(record: Map<String, Value>) -> Result<R> {
    let entity_type = <R::Type as EntityType>::NAME;
    let id = super::record_id(&record, entity_type)?;
    let mut failure = None;
    let mut order = Vec::new();
    let seed = RecordSeed::<R> {
        failure: &mut failure,
        id: Some(id),
        order: &mut order,
        _r: PhantomData,
    };
    match seed.deserialize(Value::Object(record)) {
        Ok((r, _)) => Ok(r),
        Err(e) => Err(failure.unwrap_or_else(|| Error::Decode {
            entity_type: entity_type.into(),
            id,
            field: "(record)".into(),
            message: e.to_string(),
        })),
    }
}

/// The records of a `read` answer's bytes (`{"results": {"entities": [...]}}`), decoded as a
/// typed read decodes them: straight from the bytes, or, when that fails, through
/// `serde_json::Value`, so that a wrong value's error names the entity, the id and the field.
/// For tools that keep answers, and for the benchmarks.
pub fn decode_read<R: Readable>(bytes: &[u8]) -> Result<Vec<R>> {
    if let Some(records) = decode_read_direct::<R>(bytes) {
        return Ok(records);
    }
    let entity_type = <R::Type as EntityType>::NAME;
    let malformed = |detail: String| Error::Malformed {
        method: "read".into(),
        entity_type: Some(entity_type.into()),
        detail,
    };
    let mut answer: Value =
        crate::value::from_json_bytes(bytes).map_err(|e| malformed(format!("not JSON ({e})")))?;
    let Some(Value::Array(mut records)) = answer.pointer_mut("/results/entities").map(Value::take)
    else {
        return Err(malformed("no `results.entities` list".into()));
    };
    crate::records::parse_records(&mut records);
    Ok(decode_records::<R>(records)?.0)
}

/// Records already parsed (the record rules applied) decoded into `R`, with their ids.
pub(crate) fn decode_records<R: Readable>(records: Vec<Value>) -> Result<(Vec<R>, Vec<i64>)> {
    let mut ids = Vec::with_capacity(records.len());
    let mut decoded = Vec::with_capacity(records.len());
    for r in records {
        let Value::Object(m) = r else {
            return Err(Error::Decode {
                entity_type: <R::Type as EntityType>::NAME.into(),
                id: 0,
                field: "(record)".into(),
                message: format!("expected a record object, found {r}"),
            });
        };
        ids.push(m.get("id").and_then(Value::as_i64).unwrap_or(0));
        decoded.push(R::decode(m)?);
    }
    Ok((decoded, ids))
}

/// The records of a `read` answer's bytes decoded straight from them, with no
/// `serde_json::Value`; `None` when they do not decode that way (an exception, a value of the
/// wrong shape: [`decode_read`] then names the error).
pub fn decode_read_direct<R: Readable>(bytes: &[u8]) -> Option<Vec<R>> {
    read_answer::<R>(bytes).map(|page| page.entities)
}

/// A read's page decoded straight from the answer's bytes.
type TypedPage<R> = DecodedPage<R>;

/// Decodes `{"results": {"entities": [...], "paging_info": {...}}}` into `R`s; `None` when the
/// bytes are anything else (an exception, a cut body, a value of the wrong shape), which the
/// caller then reads through `serde_json::Value` for its exact error.
pub(crate) fn read_answer<R: Readable>(bytes: &[u8]) -> Option<TypedPage<R>> {
    // UTF-8 checked once for the whole answer, not string by string (see `from_json_bytes`);
    // bytes that are not UTF-8 are not JSON: the caller's path words the error.
    let text = std::str::from_utf8(bytes).ok()?;
    let mut de = serde_json::Deserializer::from_str(text);
    let page = Answer::<R>(PhantomData).deserialize(&mut de).ok()??;
    de.end().ok()?;
    Some(page)
}

struct Answer<R>(PhantomData<fn() -> R>);

impl<'de, R: Readable> DeserializeSeed<'de> for Answer<R> {
    type Value = Option<TypedPage<R>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, R: Readable> Visitor<'de> for Answer<R> {
    type Value = Option<TypedPage<R>>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an api3 answer")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut page = None;
        let mut exception = false;
        while let Some(key) = map.next_key_seed(Key)? {
            match &*key {
                "results" => page = Some(map.next_value_seed(Results::<R>(PhantomData))?),
                "exception" => exception = map.next_value::<Value>()? == Value::Bool(true),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(if exception { None } else { page.flatten() })
    }
}

struct Results<R>(PhantomData<fn() -> R>);

impl<'de, R: Readable> DeserializeSeed<'de> for Results<R> {
    type Value = Option<TypedPage<R>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, R: Readable> Visitor<'de> for Results<R> {
    type Value = Option<TypedPage<R>>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a read's results")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut records = None;
        let mut paging_info = None;
        while let Some(key) = map.next_key_seed(Key)? {
            match &*key {
                "entities" => records = Some(map.next_value_seed(Records::<R>(PhantomData))?),
                "paging_info" => paging_info = map.next_value::<Option<PagingInfo>>()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(records.map(|(entities, ids)| TypedPage {
            entities,
            ids,
            paging_info,
        }))
    }
}

struct Records<R>(PhantomData<fn() -> R>);

impl<'de, R: Readable> DeserializeSeed<'de> for Records<R> {
    type Value = (Vec<R>, Vec<i64>);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, R: Readable> Visitor<'de> for Records<R> {
    type Value = (Vec<R>, Vec<i64>);
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut entities = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        let mut ids = Vec::with_capacity(entities.capacity());
        let mut failure = None;
        let mut order = Vec::new();
        while let Some((r, id)) = seq.next_element_seed(RecordSeed::<R> {
            failure: &mut failure,
            id: None,
            order: &mut order,
            _r: PhantomData,
        })? {
            entities.push(r);
            // A record without an id is an error of the slower path, which names it.
            ids.push(id.ok_or_else(|| de::Error::custom("a record has no id"))?);
        }
        Ok((entities, ids))
    }
}

/// The types of a field handle, from a closure that names it and is never called:
/// `#[derive(Select)]` reads a projected field through them (see
/// [`RecordReader::read_projected`]), so the handle is
/// checked and nothing of it runs.
pub fn handle_types<E, K, A>(_: impl FnOnce() -> FieldRef<E, K, A>) -> HandleTypes<E, K, A> {
    HandleTypes(PhantomData)
}

/// The types of a field handle; see [`handle_types`].
pub struct HandleTypes<E, K, A>(PhantomData<super::Types<E, K, A>>);
