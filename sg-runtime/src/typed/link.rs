//! Typed ids and links, and the values a field of each kind accepts.
//!
//! * [`Id<M>`]: the id of a record of entity type `M`. Generated structs hold one, and `update`,
//!   `delete` and `revive` take one, so a `Version`'s id cannot update a `Playlist`.
//! * [`Link<M>`]: a link to an `M` (its id and display name), the value of a link field whose
//!   schema names one entity type.
//! * [`TargetRef<S>`]: a link to one of the entity types of the target set `S`, the value of a
//!   link field whose schema names several (or none: [`AnyEntity`]). It keeps whatever type the
//!   site sent, so a type added on the site since the bindings were generated still reads.
//!
//! A link goes into a field when the compiler can prove it fits ([`IntoTarget`]): a `Link<M>`
//! when `M` is among the field's valid types, a `TargetRef<S>` when every type of `S` is. Other
//! links convert with `try_into()` into a `Link<M>` or, from an untyped [`EntityRef`], into a
//! `TargetRef<S>`; a failed conversion ([`LinkTypeError`]) names the type it was and the types
//! allowed.

use super::kind;
use super::{AnyEntity, EntityType, LinkTarget};
pub use crate::error::LinkTypeError;
use crate::value::{EntityRef, FileLink, ValueError, WireValue};
use serde_json::{Map, Value};
use std::marker::PhantomData;

/// The id of a record of entity type `M`: `Id<markers::Shot>`. Get one from a decoded record
/// (`shot.id`), or, for an id that comes from outside (a command line, another system), from
/// the raw number with [`Id::new`].
pub struct Id<M> {
    raw: i64,
    _m: PhantomData<fn() -> M>,
}

impl<M> Clone for Id<M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M> Copy for Id<M> {}

impl<M> PartialEq for Id<M> {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl<M> Eq for Id<M> {}

impl<M> PartialOrd for Id<M> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<M> Ord for Id<M> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.raw.cmp(&other.raw)
    }
}

impl<M> std::hash::Hash for Id<M> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.raw.hash(state)
    }
}

impl<M: EntityType> std::fmt::Debug for Id<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} #{}", M::NAME, self.raw)
    }
}

/// The bare number, as the site shows it.
impl<M> std::fmt::Display for Id<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.raw)
    }
}

impl<M> Id<M> {
    /// The id `raw` of an `M`: for ids from outside the typed API. Nothing checks that the
    /// record exists or is an `M` until a request uses it.
    pub const fn new(raw: i64) -> Id<M> {
        Id {
            raw,
            _m: PhantomData,
        }
    }

    /// The raw number.
    pub const fn get(self) -> i64 {
        self.raw
    }
}

impl<M: EntityType> Id<M> {
    /// A link to this record (with no display name).
    pub fn link(self) -> Link<M> {
        Link::new(self)
    }
}

/// The id travels as a bare number (an `id` filter value).
impl<M: 'static> WireValue for Id<M> {
    fn to_wire(&self) -> Value {
        Value::from(self.raw)
    }
    fn from_wire(v: &Value) -> Result<Self, ValueError> {
        i64::from_wire(v).map(Id::new)
    }
    fn read_wire<'de, D: serde::Deserializer<'de>>(
        d: D,
        top_level: bool,
    ) -> std::result::Result<Option<Self>, D::Error> {
        Ok(i64::read_wire(d, top_level)?.map(Id::new))
    }
}

/// A link to a record of entity type `M`, checked against link fields' valid types at compile
/// time: the value of a link field whose schema names only `M`. Links read from the site carry
/// the record's display name.
pub struct Link<M> {
    id: Id<M>,
    name: Option<String>,
}

impl<M> Clone for Link<M> {
    fn clone(&self) -> Self {
        Link {
            id: self.id,
            name: self.name.clone(),
        }
    }
}

impl<M: EntityType> std::fmt::Debug for Link<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{} #{} ({name:?})", M::NAME, self.id.raw),
            None => write!(f, "{} #{}", M::NAME, self.id.raw),
        }
    }
}

/// Links are equal when they point at the same record, whatever name they carry.
impl<M> PartialEq for Link<M> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl<M> Eq for Link<M> {}

impl<M> std::hash::Hash for Link<M> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id.hash(state)
    }
}

impl<M: EntityType> Link<M> {
    /// A link to the record `id`.
    pub const fn new(id: Id<M>) -> Link<M> {
        Link { id, name: None }
    }

    /// The record's id.
    pub fn id(&self) -> Id<M> {
        self.id
    }

    /// The record's id as a bare number, as [`TargetRef::raw_id`] gives it (for a log line, a
    /// path, or an untyped call).
    pub fn raw_id(&self) -> i64 {
        self.id.raw
    }

    /// The record's display name, when the site sent it.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The untyped reference.
    pub fn to_ref(&self) -> EntityRef {
        EntityRef {
            entity_type: M::NAME.into(),
            id: self.id.raw,
            name: self.name.clone(),
        }
    }
}

impl<M: EntityType> From<Id<M>> for Link<M> {
    fn from(id: Id<M>) -> Self {
        Link::new(id)
    }
}

impl<M: EntityType> WireValue for Link<M> {
    fn to_wire(&self) -> Value {
        EntityRef::new(M::NAME, self.id.raw).to_wire()
    }
    fn from_wire(v: &Value) -> Result<Self, ValueError> {
        Self::from_wire_owned(v.clone())
    }
    fn from_wire_owned(v: Value) -> Result<Self, ValueError> {
        let r = EntityRef::from_wire_owned(v)?;
        Self::from_parts(&r.entity_type, r.id, r.name)
    }
    fn read_wire<'de, D: serde::Deserializer<'de>>(
        d: D,
        _: bool,
    ) -> std::result::Result<Option<Self>, D::Error> {
        // The type is only compared: no copy of it is made.
        match crate::value::read_link(d)? {
            None => Ok(None),
            Some((t, id, name)) => Self::from_parts(&t, id, name)
                .map(Some)
                .map_err(serde::de::Error::custom),
        }
    }
}

impl<M: EntityType> Link<M> {
    /// A link read from the wire: its type must be `M`'s.
    fn from_parts(entity_type: &str, id: i64, name: Option<String>) -> Result<Self, ValueError> {
        if entity_type == M::NAME {
            Ok(Link {
                id: Id::new(id),
                name,
            })
        } else {
            Err(ValueError {
                expected: format!("a link to {}", M::NAME).into(),
                found: format!("a link to {entity_type} #{id}"),
            })
        }
    }
}

/// Serialized as the bare number.
impl<M> serde::Serialize for Id<M> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.raw)
    }
}

/// Serialized as the site sends it: `{"type", "id", "name"?}`.
impl<M: EntityType> serde::Serialize for Link<M> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_ref().serialize(s)
    }
}

/// Serialized as the site sends it: `{"type", "id", "name"?}`.
impl<T> serde::Serialize for TargetRef<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.reference.serialize(s)
    }
}

impl<M: EntityType> TryFrom<EntityRef> for Link<M> {
    type Error = LinkTypeError;
    fn try_from(r: EntityRef) -> Result<Self, LinkTypeError> {
        if r.entity_type == M::NAME {
            Ok(Link {
                id: Id::new(r.id),
                name: r.name,
            })
        } else {
            Err(LinkTypeError {
                found: r.entity_type,
                id: r.id,
                allowed: <M as TargetSet>::NAMES,
                field: None,
            })
        }
    }
}

impl<M: EntityType> TryFrom<&EntityRef> for Link<M> {
    type Error = LinkTypeError;
    fn try_from(r: &EntityRef) -> Result<Self, LinkTypeError> {
        Link::try_from(r.clone())
    }
}

impl<S: TargetSet, M: EntityType> TryFrom<TargetRef<S>> for Link<M> {
    type Error = LinkTypeError;
    fn try_from(r: TargetRef<S>) -> Result<Self, LinkTypeError> {
        Link::try_from(r.reference)
    }
}

impl<S: TargetSet, M: EntityType> TryFrom<&TargetRef<S>> for Link<M> {
    type Error = LinkTypeError;
    fn try_from(r: &TargetRef<S>) -> Result<Self, LinkTypeError> {
        Link::try_from(r.reference.clone())
    }
}

/// The entity types a link field may point at, as a type: an entity marker (one type), a
/// generated target set (`markers::VersionEntityTargets`) or [`AnyEntity`].
pub trait TargetSet: 'static {
    /// The entity types' wire names, sorted; empty for [`AnyEntity`].
    const NAMES: &'static [&'static str];
    /// The Rust type of one link of a field with these targets: [`Link<M>`] for a single
    /// entity type, [`TargetRef<Self>`] otherwise.
    type Link: WireValue + Clone + std::fmt::Debug + PartialEq;
    /// The member markers as a type list, `(Asset, (Sequence, (Shot, ())))`: what
    /// [`Within`] checks, member by member, where a link is used (a list costs nothing to
    /// compile until then, unlike one bound per member on every set).
    type Members;
    /// Whether a link to `entity_type` fits.
    fn allows(entity_type: &str) -> bool {
        Self::NAMES.contains(&entity_type)
    }
}

impl<M: EntityType> TargetSet for M {
    const NAMES: &'static [&'static str] = &[M::NAME];
    type Link = Link<M>;
    type Members = (M, ());
}

impl TargetSet for AnyEntity {
    const NAMES: &'static [&'static str] = &[];
    type Link = TargetRef<AnyEntity>;
    type Members = EveryEntity;
    fn allows(_: &str) -> bool {
        true
    }
}

/// The members of [`AnyEntity`]: every entity type, a set no other set contains.
pub enum EveryEntity {}

/// Every member of a type list is a target of `T` (see [`TargetSet::Members`]).
pub trait AllIn<T> {}
impl<T> AllIn<T> for () {}
impl<T, H: LinkTarget<T>, R: AllIn<T>> AllIn<T> for (H, R) {}
impl AllIn<AnyEntity> for EveryEntity {}

/// The type list `(A, (B, (C, ())))` of `A, B, C`: how generated code writes a target set's
/// [`TargetSet::Members`]. Written as nested tuples, the bindings' layout indented each member
/// one step deeper (most of a large site's `mod.rs` was that indentation). Sixteen members per
/// step of expansion, so that a set of a thousand types stays within the recursion limit.
#[macro_export]
macro_rules! type_list {
    () => { () };
    ($a:ty, $b:ty, $c:ty, $d:ty, $e:ty, $f:ty, $g:ty, $h:ty,
     $i:ty, $j:ty, $k:ty, $l:ty, $m:ty, $n:ty, $o:ty, $p:ty $(, $rest:ty)* $(,)?) => {
        ($a, ($b, ($c, ($d, ($e, ($f, ($g, ($h,
        ($i, ($j, ($k, ($l, ($m, ($n, ($o, ($p, $crate::type_list!($($rest),*)))))))))))))))))
    };
    ($a:ty $(, $rest:ty)* $(,)?) => { ($a, $crate::type_list!($($rest),*)) };
}

/// Every entity type of the target set `Self` is in the target set `T`: a [`TargetRef<Self>`]
/// fits a field whose targets are `T`. It holds when every member of
/// [`TargetSet::Members`] is a [`LinkTarget<T>`], checked type by type.
#[diagnostic::on_unimplemented(
    message = "a link that may point at any of `{Self}` does not fit a field whose targets are `{T}`",
    label = "not every entity type of this link is allowed here",
    note = "check it at run time with the field handle's `fit`: `.set(FIELD, FIELD.fit(link)?)`, or in a filter `FIELD.is(FIELD.fit(link)?)`, an error naming the link and the field if it does not fit"
)]
pub trait Within<T> {}

// Not recommended: a refusal is then one error that names the two sets, not one per member.
#[diagnostic::do_not_recommend]
impl<S: TargetSet, T> Within<T> for S where S::Members: AllIn<T> {}

/// A link to a record of one of the entity types of the set `S` (a link field's value when its
/// schema names several types, or none). It keeps the type the site sent, even one added since
/// the bindings were generated.
pub struct TargetRef<S> {
    reference: EntityRef,
    _s: PhantomData<fn() -> S>,
}

impl<S> Clone for TargetRef<S> {
    fn clone(&self) -> Self {
        TargetRef {
            reference: self.reference.clone(),
            _s: PhantomData,
        }
    }
}

impl<S> std::fmt::Debug for TargetRef<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = &self.reference;
        match &r.name {
            Some(name) => write!(f, "{} #{} ({name:?})", r.entity_type, r.id),
            None => write!(f, "{} #{}", r.entity_type, r.id),
        }
    }
}

/// Links are equal when they point at the same record, whatever name they carry.
impl<S> PartialEq for TargetRef<S> {
    fn eq(&self, other: &Self) -> bool {
        self.reference.entity_type == other.reference.entity_type
            && self.reference.id == other.reference.id
    }
}

impl<S> Eq for TargetRef<S> {}

impl<S> TargetRef<S> {
    /// The entity type it points at, such as `Shot`.
    pub fn entity_type(&self) -> &str {
        &self.reference.entity_type
    }

    /// The record's raw id (typed once the entity type is known: [`TargetRef::link`]).
    pub fn raw_id(&self) -> i64 {
        self.reference.id
    }

    /// The record's display name, when the site sent it.
    pub fn name(&self) -> Option<&str> {
        self.reference.name.as_deref()
    }

    /// A typed link, if this points at an `M` (one of the set's types).
    pub fn link<M: EntityType + LinkTarget<S>>(&self) -> Option<Link<M>> {
        Link::try_from(&self.reference).ok()
    }

    /// The untyped reference.
    pub fn to_ref(&self) -> &EntityRef {
        &self.reference
    }

    /// The untyped reference, taken.
    pub fn into_ref(self) -> EntityRef {
        self.reference
    }
}

impl TargetRef<AnyEntity> {
    /// Any reference, as a link of [`AnyEntity`] (which takes every entity type).
    pub(crate) fn from_ref(reference: EntityRef) -> TargetRef<AnyEntity> {
        TargetRef {
            reference,
            _s: PhantomData,
        }
    }
}

impl<S: TargetSet> TryFrom<EntityRef> for TargetRef<S> {
    type Error = LinkTypeError;
    fn try_from(r: EntityRef) -> Result<Self, LinkTypeError> {
        if S::allows(&r.entity_type) {
            Ok(TargetRef {
                reference: r,
                _s: PhantomData,
            })
        } else {
            Err(LinkTypeError {
                found: r.entity_type,
                id: r.id,
                allowed: S::NAMES,
                field: None,
            })
        }
    }
}

impl<M: EntityType + LinkTarget<S>, S> From<Link<M>> for TargetRef<S> {
    fn from(l: Link<M>) -> Self {
        TargetRef {
            reference: EntityRef {
                entity_type: M::NAME.into(),
                id: l.id.raw,
                name: l.name,
            },
            _s: PhantomData,
        }
    }
}

/// Decoding keeps any entity type (a type added on the site since the bindings were generated
/// still reads); only the shape is checked.
impl<S: 'static> WireValue for TargetRef<S> {
    fn to_wire(&self) -> Value {
        self.reference.to_wire()
    }
    fn from_wire(v: &Value) -> Result<Self, ValueError> {
        Self::from_wire_owned(v.clone())
    }
    fn from_wire_owned(v: Value) -> Result<Self, ValueError> {
        Ok(TargetRef {
            reference: EntityRef::from_wire_owned(v)?,
            _s: PhantomData,
        })
    }
    fn read_wire<'de, D: serde::Deserializer<'de>>(
        d: D,
        _: bool,
    ) -> std::result::Result<Option<Self>, D::Error> {
        Ok(
            crate::value::read_entity_ref(d)?.map(|reference| TargetRef {
                reference,
                _s: PhantomData,
            }),
        )
    }
}

/// A link value that fits a link field whose targets are `T`: checked at compile time.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a link this field can hold",
    label = "not a link to one of the field's valid types",
    note = "give a `Link<M>` or `Id<M>` of one of the field's valid types, a link read from a field with the same or fewer types, or `None` to clear; convert other links with `try_into()`"
)]
pub trait IntoTarget<T> {
    /// The wire value: `{type, id}`, or `null` for `None`.
    fn link_value(self) -> Value;
}

fn reference(entity_type: &str, id: i64) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), Value::String(entity_type.into()));
    m.insert("id".into(), Value::from(id));
    Value::Object(m)
}

impl<M: EntityType + LinkTarget<T>, T> IntoTarget<T> for Link<M> {
    fn link_value(self) -> Value {
        reference(M::NAME, self.id.raw)
    }
}

impl<M: EntityType + LinkTarget<T>, T> IntoTarget<T> for &Link<M> {
    fn link_value(self) -> Value {
        reference(M::NAME, self.id.raw)
    }
}

impl<M: EntityType + LinkTarget<T>, T> IntoTarget<T> for Id<M> {
    fn link_value(self) -> Value {
        reference(M::NAME, self.raw)
    }
}

/// Ids borrowed from a slice or a `Vec` (`remove(F, &ids[..1])`), as links are.
impl<M: EntityType + LinkTarget<T>, T> IntoTarget<T> for &Id<M> {
    fn link_value(self) -> Value {
        reference(M::NAME, self.raw)
    }
}

impl<S: Within<T>, T> IntoTarget<T> for TargetRef<S> {
    fn link_value(self) -> Value {
        self.reference.to_wire()
    }
}

impl<S: Within<T>, T> IntoTarget<T> for &TargetRef<S> {
    fn link_value(self) -> Value {
        self.reference.to_wire()
    }
}

/// An untyped reference fits only a field whose schema names no valid types.
impl IntoTarget<AnyEntity> for EntityRef {
    fn link_value(self) -> Value {
        self.to_wire()
    }
}

impl IntoTarget<AnyEntity> for &EntityRef {
    fn link_value(self) -> Value {
        self.to_wire()
    }
}

/// `None` clears the field (or, in a filter, matches an empty link).
impl<R: IntoTarget<T>, T> IntoTarget<T> for Option<R> {
    fn link_value(self) -> Value {
        self.map_or(Value::Null, IntoTarget::link_value)
    }
}

/// A value that can be written to (or compared with) a field of kind `K`.
///
/// Its impls are `do_not_recommend`: a refusal shows the trait's note, which says what each kind
/// takes in one line, instead of a list of impls that took a screen (issue 30).
#[diagnostic::on_unimplemented(
    message = "a `{Self}` cannot be a value of a `{K}` field",
    label = "wrong value type for this field",
    note = "text takes strings, number/measure fields any integer, float fields f64 or an integer, list fields their generated enum, link fields a `Link<...>` or `Id<...>` of one of their valid types, multi-entity fields a list of them (`[link]`, or `Links::of(a).and(b)` for several types); `None` clears"
)]
pub trait Settable<K> {
    /// The wire value.
    fn to_value(self) -> Value;
}

macro_rules! settable {
    ($kind:ty => $($t:ty),* $(,)?) => {$(
        #[diagnostic::do_not_recommend]
        impl Settable<$kind> for $t {
            fn to_value(self) -> Value {
                self.to_wire()
            }
        }
    )*};
}

macro_rules! settable_as {
    ($kind:ty => $target:ty: $($t:ty),* $(,)?) => {$(
        #[diagnostic::do_not_recommend]
        impl Settable<$kind> for $t {
            fn to_value(self) -> Value {
                <$target>::from(self).to_wire()
            }
        }
    )*};
}

// Concrete impls (not `Into` blankets), so a wrong value type gets the trait's own message.
settable_as!(kind::Text => String: String, &str, &String, Box<str>, std::borrow::Cow<'_, str>);
settable_as!(kind::Opaque => String: String, &str, &String, Box<str>, std::borrow::Cow<'_, str>);
settable_as!(kind::Password => String: String, &str, &String, Box<str>, std::borrow::Cow<'_, str>);
settable_as!(kind::Number => i64: i64, i32, i16, i8, u32, u16, u8);
settable_as!(kind::Measure => i64: i64, i32, i16, i8, u32, u16, u8);
settable_as!(kind::Float => f64: f64, f32, i32, i16, i8, u32, u16, u8);

/// Integer types with no lossless `i64` conversion (`usize` from `len()`, `u64`, `isize`) go on
/// the wire as JSON integers, as large as they are: a site refuses one out of its range.
macro_rules! settable_wide_int {
    ($($kind:ty),*) => {$(
        #[diagnostic::do_not_recommend]
        impl Settable<$kind> for usize {
            fn to_value(self) -> Value {
                Value::from(self)
            }
        }
        #[diagnostic::do_not_recommend]
        impl Settable<$kind> for u64 {
            fn to_value(self) -> Value {
                Value::from(self)
            }
        }
        #[diagnostic::do_not_recommend]
        impl Settable<$kind> for isize {
            fn to_value(self) -> Value {
                Value::from(self)
            }
        }
    )*};
}
settable_wide_int!(kind::Number, kind::Measure, kind::Float);

// Whole numbers are numbers of a float or currency field too (a site takes `5` for `5.0`).
#[diagnostic::do_not_recommend]
impl Settable<kind::Float> for i64 {
    fn to_value(self) -> Value {
        Value::from(self)
    }
}
settable!(kind::Checkbox => bool);
settable!(kind::Date => chrono::NaiveDate);
settable!(kind::DateTime => chrono::DateTime<chrono::Utc>);
settable!(kind::Url => FileLink);
settable!(kind::Serializable => Value);

/// `None` clears the field (in a filter: `is null`). Per kind rather than one blanket, which
/// would overlap the tag-list and multi-entity impls (an `Option` is a list of at most one).
macro_rules! settable_option {
    ($($kind:ty),*) => {$(
        #[diagnostic::do_not_recommend]
        impl<T: Settable<$kind>> Settable<$kind> for Option<T> {
            fn to_value(self) -> Value {
                self.map_or(Value::Null, Settable::to_value)
            }
        }
    )*};
}
settable_option!(
    kind::Text,
    kind::Opaque,
    kind::Password,
    kind::Number,
    kind::Measure,
    kind::Float,
    kind::Checkbox,
    kind::Date,
    kind::DateTime,
    kind::Url,
    kind::Serializable
);

/// An `id` field takes ids of its own entity type.
#[diagnostic::do_not_recommend]
impl<M: 'static> Settable<kind::Id<M>> for Id<M> {
    fn to_value(self) -> Value {
        Value::from(self.raw)
    }
}

#[diagnostic::do_not_recommend]
impl<V: WireValue + 'static> Settable<kind::List<V>> for V {
    fn to_value(self) -> Value {
        self.to_wire()
    }
}

#[diagnostic::do_not_recommend]
impl<V: WireValue + 'static> Settable<kind::List<V>> for Option<V> {
    fn to_value(self) -> Value {
        self.map_or(Value::Null, |v| v.to_wire())
    }
}

/// A list field with no generated enum takes its values as text.
#[diagnostic::do_not_recommend]
impl Settable<kind::List<String>> for &str {
    fn to_value(self) -> Value {
        Value::String(self.into())
    }
}

#[diagnostic::do_not_recommend]
impl<I: IntoIterator<Item = S>, S: Into<String>> Settable<kind::TagList> for I {
    fn to_value(self) -> Value {
        Value::Array(self.into_iter().map(|s| Value::String(s.into())).collect())
    }
}

#[diagnostic::do_not_recommend]
impl<T: 'static, R: IntoTarget<T>> Settable<kind::Entity<T>> for R {
    fn to_value(self) -> Value {
        self.link_value()
    }
}

/// A list of links; `None` is the empty list.
#[diagnostic::do_not_recommend]
impl<T: 'static, I, R> Settable<kind::MultiEntity<T>> for I
where
    I: IntoIterator<Item = R>,
    R: IntoTarget<T>,
{
    fn to_value(self) -> Value {
        Value::Array(self.into_iter().map(IntoTarget::link_value).collect())
    }
}

/// Links of several entity types for one multi-entity field: a Shot and a Version into a
/// Note's `note_links`, where an array must hold one type:
///
/// ```ignore
/// Note::create()
///     .set(Note::F.subject, "Notes from dailies")
///     .set(Note::F.note_links, Links::of(shot.link()).and(version.link()))
///     .send(&client)?;
/// ```
///
/// Each link is checked against the field's valid types at compile time, as one link is.
pub struct Links<T> {
    values: Vec<Value>,
    _t: std::marker::PhantomData<fn() -> T>,
}

impl<T> Links<T> {
    /// The list with `link` first.
    pub fn of(link: impl IntoTarget<T>) -> Links<T> {
        Links {
            values: vec![link.link_value()],
            _t: std::marker::PhantomData,
        }
    }

    /// The list with `link` added.
    pub fn and(mut self, link: impl IntoTarget<T>) -> Links<T> {
        self.values.push(link.link_value());
        self
    }
}

#[diagnostic::do_not_recommend]
impl<T: 'static> Settable<kind::MultiEntity<T>> for Links<T> {
    fn to_value(self) -> Value {
        Value::Array(self.values)
    }
}

/// One link of a multi-entity field, for `is`/`is_not` and membership relations.
pub(crate) fn link_value<T, R: IntoTarget<T>>(r: R) -> Value {
    r.link_value()
}

/// Any link, typed or not, as the reference it is: what a field handle's
/// [`fit`](super::FieldRef::fit) checks at run time.
pub trait AnyLink {
    /// The untyped reference.
    fn into_entity_ref(self) -> EntityRef;
}

impl AnyLink for EntityRef {
    fn into_entity_ref(self) -> EntityRef {
        self
    }
}

impl AnyLink for &EntityRef {
    fn into_entity_ref(self) -> EntityRef {
        self.clone()
    }
}

impl<M: EntityType> AnyLink for Link<M> {
    fn into_entity_ref(self) -> EntityRef {
        EntityRef {
            entity_type: M::NAME.into(),
            id: self.id.raw,
            name: self.name,
        }
    }
}

impl<M: EntityType> AnyLink for &Link<M> {
    fn into_entity_ref(self) -> EntityRef {
        self.to_ref()
    }
}

impl<S> AnyLink for TargetRef<S> {
    fn into_entity_ref(self) -> EntityRef {
        self.reference
    }
}

impl<S> AnyLink for &TargetRef<S> {
    fn into_entity_ref(self) -> EntityRef {
        self.reference.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_list_nests_pairs_past_sixteen_members() {
        fn same<T: 'static, U: 'static>() -> bool {
            std::any::TypeId::of::<T>() == std::any::TypeId::of::<U>()
        }
        assert!(same::<crate::type_list!(), ()>());
        assert!(same::<crate::type_list!(u8, u16), (u8, (u16, ()))>());
        assert!(same::<
            crate::type_list!(
                [u8; 1], [u8; 2], [u8; 3], [u8; 4], [u8; 5], [u8; 6], [u8; 7], [u8; 8], [u8; 9],
                [u8; 10], [u8; 11], [u8; 12], [u8; 13], [u8; 14], [u8; 15], [u8; 16], [u8; 17],
                [u8; 18], [u8; 19], [u8; 20]
            ),
            (
                [u8; 1],
                (
                    [u8; 2],
                    (
                        [u8; 3],
                        (
                            [u8; 4],
                            (
                                [u8; 5],
                                (
                                    [u8; 6],
                                    (
                                        [u8; 7],
                                        (
                                            [u8; 8],
                                            (
                                                [u8; 9],
                                                (
                                                    [u8; 10],
                                                    (
                                                        [u8; 11],
                                                        (
                                                            [u8; 12],
                                                            (
                                                                [u8; 13],
                                                                (
                                                                    [u8; 14],
                                                                    (
                                                                        [u8; 15],
                                                                        (
                                                                            [u8; 16],
                                                                            (
                                                                                [u8; 17],
                                                                                (
                                                                                    [u8; 18],
                                                                                    (
                                                                                        [u8; 19],
                                                                                        (
                                                                                            [u8;
                                                                                                20],
                                                                                            ()
                                                                                        )
                                                                                    )
                                                                                )
                                                                            )
                                                                        )
                                                                    )
                                                                )
                                                            )
                                                        )
                                                    )
                                                )
                                            )
                                        )
                                    )
                                )
                            )
                        )
                    )
                )
            ),
        >());
    }
    use serde_json::json;

    enum Shot {}
    impl EntityType for Shot {
        const NAME: &'static str = "Shot";
        type Attachment = crate::typed::AnyEntity;
    }
    enum Asset {}
    impl EntityType for Asset {
        const NAME: &'static str = "Asset";
        type Attachment = crate::typed::AnyEntity;
    }
    enum Both {}
    impl TargetSet for Both {
        const NAMES: &'static [&'static str] = &["Asset", "Shot"];
        type Link = TargetRef<Both>;
        type Members = (Asset, (Shot, ()));
    }
    impl LinkTarget<Both> for Shot {}
    impl LinkTarget<Both> for Asset {}

    #[test]
    fn links_decode_with_their_name_and_check_their_type() {
        let v = json!({"type": "Shot", "id": 4, "name": "sh010"});
        let l = Link::<Shot>::from_wire(&v).unwrap();
        assert_eq!(l.id(), Id::new(4));
        assert_eq!(l.name(), Some("sh010"));
        assert_eq!(format!("{l:?}"), "Shot #4 (\"sh010\")");
        let e = Link::<Asset>::from_wire(&v).unwrap_err();
        assert_eq!(
            e.to_string(),
            "expected a link to Asset, found a link to Shot #4"
        );
    }

    #[test]
    fn conversions_name_the_type_found_and_those_allowed() {
        let r = EntityRef::new("Version", 9);
        let e = TargetRef::<Both>::try_from(r.clone()).err().unwrap();
        assert_eq!(
            e.to_string(),
            "Version #9 is not a link to one of Asset, Shot"
        );
        let e = Link::<Shot>::try_from(&r).err().unwrap();
        assert_eq!(e.to_string(), "Version #9 is not a link to Shot");
        let t = TargetRef::<Both>::try_from(EntityRef::new("Asset", 3)).unwrap();
        assert_eq!(t.link::<Asset>().map(|l| l.id().get()), Some(3));
        assert!(t.link::<Shot>().is_none());
        let any = TargetRef::<AnyEntity>::try_from(r).unwrap();
        assert_eq!(any.entity_type(), "Version");
    }

    #[test]
    fn values_for_link_fields() {
        let id: Id<Shot> = Id::new(5);
        assert_eq!(
            Settable::<kind::Entity<Both>>::to_value(id),
            json!({"type": "Shot", "id": 5})
        );
        assert_eq!(
            Settable::<kind::Entity<Both>>::to_value(None::<Link<Shot>>),
            Value::Null
        );
        assert_eq!(
            Settable::<kind::MultiEntity<Both>>::to_value(vec![id.link()]),
            json!([{"type": "Shot", "id": 5}])
        );
        assert_eq!(Settable::<kind::Text>::to_value(None::<&str>), Value::Null);
        assert_eq!(Settable::<kind::Number>::to_value(Some(3usize)), json!(3));
    }
}
