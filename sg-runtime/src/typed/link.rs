//! Typed links and the values a field of each kind accepts.

use super::kind;
use super::{AnyEntity, EntityType, LinkTarget};
use crate::value::{EntityRef, FileLink, WireValue};
use serde_json::Value;
use std::marker::PhantomData;

/// A link to record `id` of entity type `M`, checked against link fields' `valid_types` at
/// compile time. Get one from a decoded record (`shot.link()`), from an id
/// (`Link::<markers::Shot>::new(42)`), or from an [`EntityRef`] the server sent
/// ([`Link::from_ref`], checked at run time).
pub struct Link<M> {
    id: i64,
    _m: PhantomData<fn() -> M>,
}

impl<M> Clone for Link<M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M> Copy for Link<M> {}

impl<M: EntityType> std::fmt::Debug for Link<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} #{}", M::NAME, self.id)
    }
}

impl<M: EntityType> PartialEq for Link<M> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl<M: EntityType> Link<M> {
    /// A link to `M` #`id`.
    pub const fn new(id: i64) -> Link<M> {
        Link {
            id,
            _m: PhantomData,
        }
    }

    /// The record's id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// A link from a reference the server sent, if it points at an `M`.
    pub fn from_ref(r: &EntityRef) -> Option<Link<M>> {
        (r.entity_type == M::NAME).then(|| Link::new(r.id))
    }

    /// The untyped reference.
    pub fn to_ref(&self) -> EntityRef {
        EntityRef::new(M::NAME, self.id)
    }
}

/// A link that fits the target set `T` of a link field: made from a [`Link<M>`] whose `M` is
/// among the field's `valid_types`, or, for fields whose schema names none, from any
/// [`EntityRef`].
pub struct TargetRef<T> {
    reference: EntityRef,
    _t: PhantomData<fn() -> T>,
}

impl<T> TargetRef<T> {
    /// The untyped reference.
    pub fn into_ref(self) -> EntityRef {
        self.reference
    }
}

impl<M: EntityType + LinkTarget<T>, T> From<Link<M>> for TargetRef<T> {
    fn from(l: Link<M>) -> Self {
        TargetRef {
            reference: l.to_ref(),
            _t: PhantomData,
        }
    }
}

impl<M: EntityType + LinkTarget<T>, T> From<&Link<M>> for TargetRef<T> {
    fn from(l: &Link<M>) -> Self {
        (*l).into()
    }
}

impl From<EntityRef> for TargetRef<AnyEntity> {
    fn from(r: EntityRef) -> Self {
        TargetRef {
            reference: r,
            _t: PhantomData,
        }
    }
}

/// A value that can be written to (or compared with) a field of kind `K`.
#[diagnostic::on_unimplemented(
    message = "a `{Self}` cannot be a value of a `{K}` field",
    label = "wrong value type for this field",
    note = "text takes strings, number/measure fields any integer, float fields f64 or an integer, list fields their generated enum, link fields a `Link<...>` to one of their valid types"
)]
pub trait Settable<K> {
    /// The wire value.
    fn to_value(self) -> Value;
}

macro_rules! settable {
    ($kind:ty => $($t:ty),* $(,)?) => {$(
        impl Settable<$kind> for $t {
            fn to_value(self) -> Value {
                self.to_wire()
            }
        }
    )*};
}

macro_rules! settable_as {
    ($kind:ty => $target:ty: $($t:ty),* $(,)?) => {$(
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
settable_as!(kind::Number => i64: i64, i32, i16, i8, u32, u16, u8);
settable_as!(kind::Measure => i64: i64, i32, i16, i8, u32, u16, u8);
settable_as!(kind::Float => f64: f64, f32, i32, i16, i8, u32, u16, u8);

/// Integer types with no lossless `i64` conversion (`usize` from `len()`, `u64`, `isize`) go on
/// the wire as JSON integers, as large as they are: a site refuses one out of its range.
macro_rules! settable_wide_int {
    ($($kind:ty),*) => {$(
        impl Settable<$kind> for usize {
            fn to_value(self) -> Value {
                Value::from(self)
            }
        }
        impl Settable<$kind> for u64 {
            fn to_value(self) -> Value {
                Value::from(self)
            }
        }
        impl Settable<$kind> for isize {
            fn to_value(self) -> Value {
                Value::from(self)
            }
        }
    )*};
}
settable_wide_int!(kind::Number, kind::Measure, kind::Float);

// Whole numbers are numbers of a float or currency field too (a site takes `5` for `5.0`).
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

impl<V: WireValue + 'static> Settable<kind::List<V>> for V {
    fn to_value(self) -> Value {
        self.to_wire()
    }
}

impl<I: IntoIterator<Item = S>, S: Into<String>> Settable<kind::TagList> for I {
    fn to_value(self) -> Value {
        Value::Array(self.into_iter().map(|s| Value::String(s.into())).collect())
    }
}

impl<T: 'static, R: Into<TargetRef<T>>> Settable<kind::Entity<T>> for R {
    fn to_value(self) -> Value {
        self.into().reference.to_wire()
    }
}

impl<T: 'static, I, R> Settable<kind::MultiEntity<T>> for I
where
    I: IntoIterator<Item = R>,
    R: Into<TargetRef<T>>,
{
    fn to_value(self) -> Value {
        Value::Array(
            self.into_iter()
                .map(|r| r.into().reference.to_wire())
                .collect(),
        )
    }
}

/// One link of a multi-entity field, for `is`/`is_not` and membership relations.
pub(crate) fn link_value<T, R: Into<TargetRef<T>>>(r: R) -> Value {
    r.into().reference.to_wire()
}
