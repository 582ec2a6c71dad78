//! Typed reads: `Shot::find().filter(...).sort(...).all(&client)`.

use super::filter::{Condition, Sort};
use super::{Entity, EntityField, EntityType};
use crate::error::{Error, Result};
use crate::request::{Filter, Query};
use crate::{Client, FindIter};
use serde_json::{Map, Value};
use std::marker::PhantomData;

/// A type records of one entity type decode into: a generated entity struct, or a projection
/// deriving `sg_derive::Select`.
pub trait Readable: Sized {
    /// The entity type's marker.
    type Type: EntityType;
    /// The return fields that fill `Self` (paths, deep links included).
    fn return_fields() -> Vec<String>;
    /// Decodes one record, taking it.
    fn decode(record: Map<String, Value>) -> Result<Self>;
}

impl<T: Entity> Readable for T {
    type Type = T::Type;
    fn return_fields() -> Vec<String> {
        <T::Field as EntityField>::ALL
            .iter()
            .map(|f| f.wire_name().to_string())
            .collect()
    }
    fn decode(record: Map<String, Value>) -> Result<Self> {
        T::from_map(record)
    }
}

/// A typed read of `R`'s entity type. Filters, sorts and return fields must be of that type;
/// by default it returns every field `R` holds.
pub struct Find<R: Readable> {
    query: Query,
    conditions: Vec<Filter>,
    custom_fields: bool,
    _r: PhantomData<fn() -> R>,
}

impl<R: Readable> Clone for Find<R> {
    fn clone(&self) -> Self {
        Find {
            query: self.query.clone(),
            conditions: self.conditions.clone(),
            custom_fields: self.custom_fields,
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
            custom_fields: false,
            _r: PhantomData,
        }
    }

    /// Adds a condition; several conditions must all hold.
    pub fn filter(mut self, condition: Condition<R::Type>) -> Find<R> {
        self.conditions.push(condition.into_filter());
        self
    }

    /// Returns only these fields of `R`'s entity (and `type`, `id`); the others decode as `None`.
    pub fn fields<F>(mut self, fields: impl IntoIterator<Item = F>) -> Find<R>
    where
        F: EntityField<Type = R::Type>,
    {
        if !self.custom_fields {
            self.query.fields.clear();
            self.custom_fields = true;
        }
        self.query
            .fields
            .extend(fields.into_iter().map(|f| f.wire_name().to_string()));
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

    /// At most `n` records.
    pub fn limit(mut self, n: usize) -> Find<R> {
        self.query.limit = Some(n);
        self
    }

    /// Only page `n` (1-based) of `limit` records (or a full page).
    pub fn page(mut self, n: usize) -> Find<R> {
        self.query.page = Some(n);
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

    /// The untyped query this compiles to.
    pub fn to_query(&self) -> Query {
        let mut q = self.query.clone();
        q.filter = super::filter::all_of(&self.conditions);
        q
    }

    /// A lazy iterator of decoded records, one page in memory at a time.
    pub fn iter(&self, client: &Client) -> Result<TypedIter<R>> {
        Ok(TypedIter {
            inner: client.find(&self.to_query())?,
            _r: PhantomData,
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
}

/// Decoded records of a typed read, fetched page by page.
pub struct TypedIter<R> {
    inner: FindIter,
    _r: PhantomData<fn() -> R>,
}

impl<R: Readable> Iterator for TypedIter<R> {
    type Item = Result<R>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(self.inner.next()?.and_then(|v| match v {
            Value::Object(m) => R::decode(m),
            other => Err(Error::Decode {
                entity_type: <R::Type as EntityType>::NAME.into(),
                id: 0,
                field: "(record)".into(),
                message: format!("expected a record object, found {other}"),
            }),
        }))
    }
}
