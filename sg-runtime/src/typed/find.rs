//! Typed reads: `Shot::find().filter(...).sort(...).all(&client)`.

use super::decode::RecordReader;
use super::filter::{Condition, Sort};
use super::kind::Kind;
use super::{Entity, EntityField, EntityType, FieldRef, Id, Link, Returnable};
use crate::error::{Error, Result};
use crate::request::{Filter, Query};
use crate::{Client, FindIter, IdIter};
use serde::de::MapAccess;
use serde_json::{Map, Value};
use std::marker::PhantomData;

/// A type records of one entity type decode into: a generated entity struct, or a projection
/// deriving `sg_derive::Select`. `Send` and `'static`, since the pages of a read are fetched and
/// decoded on threads of their own, ahead of the caller.
pub trait Readable: Sized + Send + 'static {
    /// The entity type's marker.
    type Type: EntityType;
    /// The return fields that fill `Self` (paths, deep links included).
    fn return_fields() -> Vec<String>;
    /// Reads one record's fields from `r`, straight from the answer's bytes (see
    /// [`RecordReader`]).
    #[doc(hidden)]
    fn read_fields<'de, A: MapAccess<'de>>(
        r: &mut RecordReader<'de, A>,
    ) -> std::result::Result<Self, A::Error>;
    /// Decodes one record already parsed into a map.
    fn decode(record: Map<String, Value>) -> Result<Self> {
        super::decode::from_map(record)
    }
    /// The query fields among the return fields, each with its definition (JSON, as
    /// generated): a projection names them, and a read fills them. None for a whole struct
    /// (a read fills its query fields only when [`Find::with_query_fields`] names them).
    fn query_fields() -> Vec<(String, &'static str)> {
        Vec::new()
    }
}

impl<T: Entity> Readable for T {
    type Type = T::Type;
    fn return_fields() -> Vec<String> {
        <T::Field as EntityField>::ALL
            .iter()
            .map(|f| f.wire_name().to_string())
            .collect()
    }
    fn read_fields<'de, A: MapAccess<'de>>(
        r: &mut RecordReader<'de, A>,
    ) -> std::result::Result<Self, A::Error> {
        T::read_fields(r)
    }
}

/// A typed read of `R`'s entity type. Filters, sorts and return fields must be of that type.
/// It asks for every field `R` holds: a generated struct read this way is whole, so a `None`
/// is a field empty on the site.
///
/// What that costs: a whole struct asks for every field of its entity type (36 for the demo's
/// Shot, often over a hundred on a production site), which the site reads, resolves (links,
/// query fields, images) and sends for every record, where a Python line that asks for `["id"]`
/// costs one. Read only what is used: [`ids`](Find::ids), [`exists`](Find::exists) and
/// [`count`](Find::count) for identity, existence and counts; [`fields`](Find::fields) (records
/// come back as [`Partial`]) or a projection (`#[derive(Select)]`) for some fields.
pub struct Find<R: Readable> {
    query: Query,
    conditions: Vec<Filter>,
    /// Query fields named by `.fields` or `with_query_fields`, with their definitions.
    queries: Vec<(String, &'static str)>,
    /// Read by id ([`Find::by_id`]).
    by_id: bool,
    _r: PhantomData<fn() -> R>,
}

impl<R: Readable> Clone for Find<R> {
    fn clone(&self) -> Self {
        Find {
            query: self.query.clone(),
            conditions: self.conditions.clone(),
            queries: self.queries.clone(),
            by_id: self.by_id,
            _r: PhantomData,
        }
    }
}

impl<R: Readable> Default for Find<R> {
    fn default() -> Self {
        Find::new()
    }
}

impl<R: Readable> Find<R> {
    /// Every active record.
    pub fn new() -> Find<R> {
        Find {
            query: Query::new(<R::Type as EntityType>::NAME).fields(R::return_fields()),
            conditions: Vec::new(),
            queries: Vec::new(),
            by_id: false,
            _r: PhantomData,
        }
    }

    /// The same read decoding into `R2` with the return fields `fields`.
    fn into_read<R2: Readable<Type = R::Type>>(self, fields: Vec<String>) -> Find<R2> {
        let mut query = self.query;
        query.fields = fields;
        Find {
            query,
            conditions: self.conditions,
            queries: self.queries,
            by_id: self.by_id,
            _r: PhantomData,
        }
    }

    /// Adds a condition; several conditions must all hold.
    pub fn filter(mut self, condition: Condition<R::Type>) -> Find<R> {
        self.conditions.push(condition.into_filter());
        self
    }

    /// Adds a sort key: `Shot::F.code.asc()`, or a deep link's `.desc()`.
    #[doc(alias = "order")]
    pub fn sort(mut self, sort: Sort<R::Type>) -> Find<R> {
        self.query.sorts.push(crate::request::Sort {
            field: sort.field,
            direction: sort.direction,
        });
        self
    }

    /// At most `n` records. A read with `limit(0)` is refused with
    /// [`Error::InvalidRequest`](crate::Error::InvalidRequest), as in the untyped
    /// [`Query::limit`]: the official client's `find(limit=0)` reads every record, which is not
    /// what `limit(0)` says to a reader. Leave the limit out to read every record.
    pub fn limit(mut self, n: usize) -> Find<R> {
        self.query.limit = Some(n);
        self
    }

    /// Only page `n` (1-based) of `limit` records (or a full page).
    pub fn page(mut self, n: usize) -> Find<R> {
        self.query.page = Some(n);
        self
    }

    /// Only the records one of the site's named filter presets keeps, ANDed with the filters
    /// (the official client's `additional_filter_presets`): `Preset::LatestByEntity` keeps the
    /// latest Version of each shot or asset.
    pub fn preset(mut self, preset: Preset) -> Find<R> {
        self.query.presets.push(preset.to_wire());
        self
    }

    /// Retired records only.
    pub fn retired_only(mut self) -> Find<R> {
        self.query.return_only = crate::request::ReturnOnly::Retired;
        self
    }

    /// Whether records of archived projects are included (default: yes).
    pub fn include_archived_projects(mut self, include: bool) -> Find<R> {
        self.query.include_archived_projects = include;
        self
    }

    /// Records per request (default: the site's maximum).
    pub fn page_size(mut self, n: usize) -> Find<R> {
        self.query.page_size = Some(n);
        self
    }

    /// Reads in id order, each page after the last id read, so that records created or deleted
    /// during the read cannot make it skip or repeat one: every record that exists throughout
    /// the read comes exactly once. For reads that must be whole on a busy site; see
    /// [`Client::find_by_id`]. A read by id takes no sorts and no page number.
    pub fn by_id(mut self) -> Find<R> {
        self.by_id = true;
        self
    }

    /// Computes these query fields in each record read: query-field handles of the entity
    /// (`Shot::F.open_notes_count`), or through a link (`Version::F.entity.via(Shot::F.open_notes_count)`,
    /// for a projection or [`Partial`]). A site returns them empty through the API; the client
    /// asks for their queries, in far fewer requests than one per record (see
    /// [`Client::fill_query_fields`]). `.fields` and projections that name a query field fill
    /// it without this call; a whole struct's query fields stay `None` unless named here. A
    /// handle of another kind is taken as a return field.
    pub fn with_query_fields(mut self, fields: impl ReturnFields<R::Type>) -> Find<R> {
        fields.push_queries(&mut self.queries);
        let mut paths = Vec::new();
        fields.push_paths(&mut paths);
        for p in paths {
            if !self.query.fields.contains(&p) {
                self.query.fields.push(p);
            }
        }
        self
    }

    /// The untyped query this compiles to (query fields with their definitions included).
    pub fn to_query(&self) -> Query {
        let mut q = self.query.clone();
        q.filter = super::filter::all_of(&self.conditions);
        for (path, json) in R::query_fields().iter().chain(&self.queries) {
            q = match sg_api3::query::QueryDefinition::from_json(json) {
                Ok(def) => q.with_query_definition(path.clone(), def),
                // Bindings of another version: the site's own definition, from its schema.
                Err(_) => q.with_query_fields([path.clone()]),
            };
        }
        q
    }

    /// A lazy iterator of decoded records, fetched page by page, the pages after the first
    /// ahead of the caller (see [`FindIter`]).
    pub fn iter(&self, client: &Client) -> Result<TypedIter<R>> {
        let query = self.to_query();
        if !query.query_fields.is_empty() {
            return Ok(TypedIter {
                inner: if self.by_id {
                    Pages::FilledById(client.find_by_id(&query)?)
                } else {
                    Pages::Filled(client.find(&query)?)
                },
            });
        }
        Ok(TypedIter {
            inner: if self.by_id {
                Pages::ById(client.find_by_id_as(&query, read_page::<R>)?)
            } else {
                Pages::ByNumber(client.find_as(&query, read_page::<R>)?)
            },
        })
    }

    /// Every matching record.
    pub fn all(&self, client: &Client) -> Result<Vec<R>> {
        self.iter(client)?.collect()
    }

    /// The first matching record, if any.
    #[doc(alias = "find_one")]
    pub fn first(&self, client: &Client) -> Result<Option<R>> {
        self.clone().limit(1).iter(client)?.next().transpose()
    }

    /// The ids of the matching records, in the read's order, reading `id` alone: the cheap
    /// form of `all` when only the records' identity is wanted (the official client's
    /// `find(type, filters)` with no fields). Sorts, limit, page and presets apply.
    pub fn ids(&self, client: &Client) -> Result<Vec<Id<R::Type>>> {
        let mut query = self.to_query();
        query.fields = vec!["id".into()];
        query.query_fields.clear();
        let records = if self.by_id {
            client.find_by_id(&query)?.collect::<Result<Vec<_>>>()?
        } else {
            client.find_all(&query)?
        };
        records
            .iter()
            .map(|r| {
                let record = r.as_object().cloned().unwrap_or_default();
                super::record_id(&record, <R::Type as EntityType>::NAME).map(Id::new)
            })
            .collect()
    }

    /// Whether any record matches: one request for one `id`.
    pub fn exists(&self, client: &Client) -> Result<bool> {
        Ok(!self.clone().limit(1).ids(client)?.is_empty())
    }

    /// How many records match. One `summarize` (`record_count` of `id`), whatever the count,
    /// when the read is of active records with no limit, page or preset (a site's summarize
    /// knows none of those); else the matching ids, read in pages, counted.
    pub fn count(&self, client: &Client) -> Result<usize> {
        let query = self.to_query();
        let summarizable = query.return_only == crate::request::ReturnOnly::Active
            && query.limit.is_none()
            && query.page.is_none()
            && query.presets.is_empty();
        if !summarizable {
            return Ok(self.ids(client)?.len());
        }
        let answer = client.summarize(
            <R::Type as EntityType>::NAME,
            query.filter.as_ref(),
            &[crate::request::Summary {
                field: "id".into(),
                summary_type: "record_count".into(),
                value: None,
            }],
            &[],
            query.include_archived_projects,
        )?;
        let count = &answer["summaries"]["id"];
        count
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| Error::Malformed {
                method: "summarize".into(),
                entity_type: Some(<R::Type as EntityType>::NAME.into()),
                detail: format!("a record_count of id answered {count}"),
            })
    }
}

/// Decoded records of a typed read, fetched page by page and decoded straight from each
/// answer's bytes.
pub struct TypedIter<R> {
    inner: Pages<R>,
}

/// How a typed read's pages are asked for.
enum Pages<R> {
    ByNumber(FindIter<R>),
    ById(IdIter<R>),
    /// Read untyped, query fields filled, then decoded.
    Filled(FindIter<Value>),
    /// [`Pages::Filled`], read by id.
    FilledById(IdIter<Value>),
}

impl<R: Readable> Iterator for TypedIter<R> {
    type Item = Result<R>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            Pages::ByNumber(pages) => pages.next(),
            Pages::ById(pages) => pages.next(),
            Pages::Filled(pages) => Some(pages.next()?.and_then(decode_record::<R>)),
            Pages::FilledById(pages) => Some(pages.next()?.and_then(decode_record::<R>)),
        }
    }
}

/// A record read untyped (its query fields filled) decoded into `R`.
fn decode_record<R: Readable>(record: Value) -> Result<R> {
    match record {
        Value::Object(map) => R::decode(map),
        other => Err(Error::Malformed {
            method: "read".into(),
            entity_type: Some(<R::Type as EntityType>::NAME.into()),
            detail: format!("a record that is not an object: {other}"),
        }),
    }
}

impl<T: Entity> Find<T> {
    /// Reads only `fields` (and `id`): field handles (`Shot::F.code`, deep links through
    /// single-entity links), field enum values (`ShotField::Code`, for fields chosen at run
    /// time), or a tuple, array or `Vec` of them: handles of different kinds (`code` is text,
    /// `sg_cut_in` a number) go in a tuple, `(Shot::F.code, Shot::F.sg_cut_in)`, or in
    /// `.fields` calls one after another. Records come back as [`Partial`], whose
    /// [`get`](Partial::get) refuses a field that was not read rather than calling it empty;
    /// to read several fields into variables, a projection (`#[derive(Select)]`) is shorter.
    #[doc(alias = "return_fields")]
    pub fn fields(mut self, fields: impl ReturnFields<T::Type>) -> Find<Partial<T>> {
        let mut names = Vec::new();
        fields.push_queries(&mut self.queries);
        fields.push_paths(&mut names);
        self.into_read(names)
    }
}

impl<T: Entity> Find<Partial<T>> {
    /// Reads these fields too: `.fields(Shot::F.code).fields(Shot::F.sg_cut_in)` reads both,
    /// as `.fields((Shot::F.code, Shot::F.sg_cut_in))` does (handles of different kinds go in a
    /// tuple, or in calls one after another; an array holds handles of one kind).
    pub fn fields(mut self, fields: impl ReturnFields<T::Type>) -> Find<Partial<T>> {
        fields.push_queries(&mut self.queries);
        fields.push_paths(&mut self.query.fields);
        self
    }
}

/// Fields of entity type `E` to return: a field handle, a field enum value, or a tuple, array,
/// slice or `Vec` of them.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a list of fields of `{E}` to return",
    label = "return fields must be fields of the entity read",
    note = "give field handles of the entity read (`Shot::F.code`), its field enum values (`ShotField::Code`), or a tuple or array of them; a deep link through a multi-entity field cannot be returned (a site returns nothing for it)"
)]
pub trait ReturnFields<E> {
    /// Appends the wire paths.
    fn push_paths(self, out: &mut Vec<String>);
    /// Appends the query fields among them, each with its definition (JSON, as generated).
    fn push_queries(&self, out: &mut Vec<(String, &'static str)>) {
        let _ = out;
    }
}

#[diagnostic::do_not_recommend]
impl<F: EntityField> ReturnFields<F::Type> for F {
    fn push_paths(self, out: &mut Vec<String>) {
        out.push(self.wire_name().into());
    }
}

#[diagnostic::do_not_recommend]
impl<F: EntityField, const N: usize> ReturnFields<F::Type> for [F; N] {
    fn push_paths(self, out: &mut Vec<String>) {
        out.extend(self.iter().map(|f| f.wire_name().to_string()));
    }
}

#[diagnostic::do_not_recommend]
impl<F: EntityField> ReturnFields<F::Type> for &[F] {
    fn push_paths(self, out: &mut Vec<String>) {
        out.extend(self.iter().map(|f| f.wire_name().to_string()));
    }
}

#[diagnostic::do_not_recommend]
impl<F: EntityField> ReturnFields<F::Type> for Vec<F> {
    fn push_paths(self, out: &mut Vec<String>) {
        self.as_slice().push_paths(out)
    }
}

#[diagnostic::do_not_recommend]
impl<E, K, A: Returnable> ReturnFields<E> for FieldRef<E, K, A> {
    fn push_paths(self, out: &mut Vec<String>) {
        out.push(self.path().into());
    }
    fn push_queries(&self, out: &mut Vec<(String, &'static str)>) {
        out.extend(self.query_field_of());
    }
}

#[diagnostic::do_not_recommend]
impl<E, K, A: Returnable> ReturnFields<E> for &FieldRef<E, K, A> {
    fn push_paths(self, out: &mut Vec<String>) {
        out.push(self.path().into());
    }
    fn push_queries(&self, out: &mut Vec<(String, &'static str)>) {
        out.extend(self.query_field_of());
    }
}

#[diagnostic::do_not_recommend]
impl<E, K, A: Returnable, const N: usize> ReturnFields<E> for [FieldRef<E, K, A>; N] {
    fn push_paths(self, out: &mut Vec<String>) {
        out.extend(self.iter().map(|f| f.path().to_string()));
    }
    fn push_queries(&self, out: &mut Vec<(String, &'static str)>) {
        for f in self {
            out.extend(f.query_field_of());
        }
    }
}

macro_rules! return_tuples {
    ($(($($t:ident),+))*) => {$(
        #[diagnostic::do_not_recommend]
        impl<E, $($t: ReturnFields<E>),+> ReturnFields<E> for ($($t,)+) {
            #[allow(non_snake_case)]
            fn push_paths(self, out: &mut Vec<String>) {
                let ($($t,)+) = self;
                $( $t.push_paths(out); )+
            }
            #[allow(non_snake_case)]
            fn push_queries(&self, out: &mut Vec<(String, &'static str)>) {
                let ($($t,)+) = self;
                $( $t.push_queries(out); )+
            }
        }
    )*};
}
return_tuples! {
    (A)
    (A, B)
    (A, B, C)
    (A, B, C, D)
    (A, B, C, D, F)
    (A, B, C, D, F, G)
    (A, B, C, D, F, G, H)
    (A, B, C, D, F, G, H, I)
    (A, B, C, D, F, G, H, I, J)
    (A, B, C, D, F, G, H, I, J, K)
    (A, B, C, D, F, G, H, I, J, K, L)
    (A, B, C, D, F, G, H, I, J, K, L, M)
    (A, B, C, D, F, G, H, I, J, K, L, M, N)
    (A, B, C, D, F, G, H, I, J, K, L, M, N, O)
    (A, B, C, D, F, G, H, I, J, K, L, M, N, O, P)
    (A, B, C, D, F, G, H, I, J, K, L, M, N, O, P, Q)
}

/// A record of `T`'s entity type read with some of its fields: from [`Find::fields`], or the
/// answer of a create or update. [`get`](Partial::get) decodes a field that was read and
/// refuses one that was not ([`Error::NotRead`]), so "not read" is never taken for "empty".
pub struct Partial<T: Entity> {
    /// The record's id, as on a generated struct (`shot.id`).
    pub id: Id<T::Type>,
    record: Map<String, Value>,
}

impl<T: Entity> Clone for Partial<T> {
    fn clone(&self) -> Self {
        Partial {
            id: self.id,
            record: self.record.clone(),
        }
    }
}

/// `Shot #5 { code: "sh010", sg_cut_in: 1001 }`: the fields read, each value as the site sent
/// it in JSON (`type` and `id`, in the heading, are left out).
impl<T: Entity> std::fmt::Debug for Partial<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        struct Json<'a>(&'a Value);
        impl std::fmt::Debug for Json<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(self.0, f)
            }
        }
        let mut s = f.debug_struct(&format!("{:?}", self.id));
        for (name, value) in &self.record {
            if name != "type" && name != "id" {
                s.field(name, &Json(value));
            }
        }
        s.finish()
    }
}

impl<T: Entity> Partial<T> {
    /// The record's id.
    pub fn id(&self) -> Id<T::Type> {
        self.id
    }

    /// A link to the record.
    pub fn link(&self) -> Link<T::Type> {
        self.id.link()
    }

    /// Whether `field` was read.
    pub fn has<K, A>(&self, field: &FieldRef<T::Type, K, A>) -> bool {
        self.record.contains_key(field.path())
    }

    /// The value of `field`: `None` when it is empty on the site, [`Error::NotRead`] when it
    /// was not read, [`Error::Decode`] when the site sent a value of another shape.
    pub fn get<K: Kind, A: Returnable>(
        &self,
        field: &FieldRef<T::Type, K, A>,
    ) -> Result<Option<K::Value>> {
        let entity_type = <T::Type as EntityType>::NAME;
        match self.record.get(field.path()) {
            None => Err(Error::NotRead {
                entity_type: entity_type.into(),
                id: self.id.get(),
                field: field.path().into(),
            }),
            Some(Value::Null) => Ok(None),
            Some(v) => crate::WireValue::from_wire(v)
                .map(Some)
                .map_err(|e| Error::Decode {
                    entity_type: entity_type.into(),
                    id: self.id.get(),
                    field: field.path().into(),
                    message: e.to_string(),
                }),
        }
    }

    /// The value of `field`, which must have been read and be set: [`get`](Partial::get)
    /// without the `Option`, for a field the code cannot go on without. An empty field is
    /// [`Error::Empty`], naming the record and the field.
    pub fn require<K: Kind, A: Returnable>(
        &self,
        field: &FieldRef<T::Type, K, A>,
    ) -> Result<K::Value> {
        self.get(field)?.ok_or_else(|| Error::Empty {
            entity_type: <T::Type as EntityType>::NAME.into(),
            id: self.id.get(),
            field: field.path().into(),
        })
    }

    /// The record as the site sent it.
    pub fn into_map(self) -> Map<String, Value> {
        self.record
    }

    /// The whole record as `T`, if every field of `T` was read ([`Error::NotRead`] names the
    /// first that was not).
    pub fn into_whole(self) -> Result<T> {
        for f in <T::Field as EntityField>::ALL {
            if !self.record.contains_key(f.wire_name()) {
                return Err(Error::NotRead {
                    entity_type: <T::Type as EntityType>::NAME.into(),
                    id: self.id.get(),
                    field: f.wire_name().into(),
                });
            }
        }
        T::from_map(self.record)
    }
}

impl<T: Entity> Readable for Partial<T> {
    type Type = T::Type;
    /// None of its own: [`Find::fields`] names them.
    fn return_fields() -> Vec<String> {
        Vec::new()
    }
    fn read_fields<'de, A: MapAccess<'de>>(
        r: &mut RecordReader<'de, A>,
    ) -> std::result::Result<Self, A::Error> {
        let record = r.rest();
        let id = r.id();
        r.finish(Partial { id, record })
    }
}

/// One of a site's named filter presets (`additional_filter_presets` of the official client's
/// `find`), such as the latest Version of each entity.
#[derive(Clone, Debug, PartialEq)]
pub enum Preset {
    /// `LATEST` by `ENTITIES_CREATED_AT`: of the records linked (by `entity`) to the same shot,
    /// asset or other entity, only the one created last.
    LatestByEntity,
    /// `LATEST` by `BY_PIPELINE_STEP_NUMBER_AND_ENTITIES_CREATED_AT`: the one created last for
    /// each entity and pipeline step (of its task).
    LatestByStepAndEntity,
    /// Another preset the site knows: `preset_name` and its parameters.
    Named {
        /// The preset's name.
        preset_name: String,
        /// Its parameters.
        params: Map<String, Value>,
    },
}

impl Preset {
    /// The wire form: `{"preset_name": ..., params...}`.
    pub fn to_wire(&self) -> Value {
        let (name, params) = match self {
            Preset::LatestByEntity => ("LATEST", [("latest_by", "ENTITIES_CREATED_AT")].as_slice()),
            Preset::LatestByStepAndEntity => (
                "LATEST",
                [(
                    "latest_by",
                    "BY_PIPELINE_STEP_NUMBER_AND_ENTITIES_CREATED_AT",
                )]
                .as_slice(),
            ),
            Preset::Named {
                preset_name,
                params,
            } => {
                let mut p = params.clone();
                p.insert("preset_name".into(), preset_name.as_str().into());
                return Value::Object(p);
            }
        };
        let mut p: Map<String, Value> = params
            .iter()
            .map(|(k, v)| ((*k).to_string(), Value::from(*v)))
            .collect();
        p.insert("preset_name".into(), name.into());
        Value::Object(p)
    }
}

/// `read` of one page decoded into `R`: straight from the answer's bytes, else (an error, a
/// value of the wrong shape) through `Value`, so that errors are the untyped read's and name
/// the record.
fn read_page<R: Readable>(
    client: &Client,
    params: sg_api3::methods::read::ReadParams,
) -> Result<crate::api::read::Page<R>> {
    client.read_page_as(
        params,
        &super::decode::read_answer::<R>,
        super::decode::decode_records::<R>,
    )
}
