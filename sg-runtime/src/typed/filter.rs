//! Typed filters and sorts: each relation exists only on the kinds of field it fits, and takes
//! values of the field's Rust type.

use super::kind::{self, Kind};
use super::link::{link_value, Settable, TargetRef};
use super::{EntityType, FieldRef, LinkTarget};
use crate::request::{Direction, Filter};
use serde_json::Value;
use std::marker::PhantomData;

/// A filter on records of entity type `E`: built from `E`'s field handles, combined with
/// [`Condition::and`] / [`Condition::or`] to any depth. A condition on another entity's field
/// does not fit where a `Condition<E>` is wanted.
pub struct Condition<E> {
    filter: Filter,
    _e: PhantomData<fn() -> E>,
}

impl<E> Clone for Condition<E> {
    fn clone(&self) -> Self {
        Condition {
            filter: self.filter.clone(),
            _e: PhantomData,
        }
    }
}

impl<E: EntityType> std::fmt::Debug for Condition<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} where {:?}", E::NAME, self.filter)
    }
}

impl<E> Condition<E> {
    fn new(path: &str, relation: &str, values: Vec<Value>) -> Condition<E> {
        Condition {
            filter: Filter::Condition {
                path: path.to_string(),
                relation: relation.to_string(),
                values,
            },
            _e: PhantomData,
        }
    }

    /// An untyped filter, for the odd case the schema snapshot does not cover. The server checks it.
    pub fn raw(filter: Filter) -> Condition<E> {
        Condition {
            filter,
            _e: PhantomData,
        }
    }

    /// All of `conditions`.
    pub fn all(conditions: impl IntoIterator<Item = Condition<E>>) -> Condition<E> {
        Condition::raw(Filter::and(conditions.into_iter().map(|c| c.filter)))
    }

    /// Any of `conditions`.
    pub fn any(conditions: impl IntoIterator<Item = Condition<E>>) -> Condition<E> {
        Condition::raw(Filter::or(conditions.into_iter().map(|c| c.filter)))
    }

    /// This and `other`.
    pub fn and(self, other: Condition<E>) -> Condition<E> {
        Condition::all([self, other])
    }

    /// This or `other`.
    pub fn or(self, other: Condition<E>) -> Condition<E> {
        Condition::any([self, other])
    }

    /// The untyped filter this compiles to.
    pub fn into_filter(self) -> Filter {
        self.filter
    }
}

/// Conditions added one by one, which must all hold: none, the one, or an `and` group.
pub(crate) fn all_of(conditions: &[Filter]) -> Option<Filter> {
    match conditions {
        [] => None,
        [one] => Some(one.clone()),
        many => Some(Filter::and(many.iter().cloned())),
    }
}

/// A sort key on a field of entity type `E`.
pub struct Sort<E> {
    pub(crate) field: String,
    pub(crate) direction: Direction,
    _e: PhantomData<fn() -> E>,
}

impl<E> Sort<E> {
    pub(crate) fn new(field: String, direction: Direction) -> Sort<E> {
        Sort {
            field,
            direction,
            _e: PhantomData,
        }
    }
}

/// A unit of time for `in_last` / `in_next`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateUnit {
    /// Hours.
    Hour,
    /// Days.
    Day,
    /// Weeks.
    Week,
    /// Months.
    Month,
    /// Years.
    Year,
}

impl DateUnit {
    fn wire(self) -> &'static str {
        match self {
            DateUnit::Hour => "HOUR",
            DateUnit::Day => "DAY",
            DateUnit::Week => "WEEK",
            DateUnit::Month => "MONTH",
            DateUnit::Year => "YEAR",
        }
    }
}

/// Kinds compared with `is` / `is_not` by value.
#[diagnostic::on_unimplemented(
    message = "`is`/`is_not` by value do not apply to a `{Self}` field",
    note = "link fields compare with links (`is(link)`); url, serializable and computed fields cannot be filtered by value"
)]
pub trait Equatable: Kind {}
/// Kinds that take `is_in` / `not_in`.
#[diagnostic::on_unimplemented(message = "`is_in`/`not_in` do not apply to a `{Self}` field")]
pub trait Membership: Kind {}
/// Kinds with an order: `less_than`, `greater_than`, `between`.
#[diagnostic::on_unimplemented(
    message = "a `{Self}` field has no order: `less_than`, `greater_than` and `between` do not apply",
    note = "they apply to number, float, currency, percent, duration, timecode, date and date_time fields"
)]
pub trait Ordered: Kind {}
/// Kinds that take `not_between` (numbers).
#[diagnostic::on_unimplemented(
    message = "`not_between` does not apply to a `{Self}` field; it applies to number and float fields"
)]
pub trait NotBetween: Kind {}
/// Date kinds: `in_last`, `in_next`, `in_calendar_*`.
#[diagnostic::on_unimplemented(
    message = "`in_last`, `in_next` and `in_calendar_*` apply to date and date_time fields, not to a `{Self}` field"
)]
pub trait Dated: Kind {}
/// Kinds whose emptiness can be tested: `is_null` / `is_not_null`.
#[diagnostic::on_unimplemented(message = "a `{Self}` field cannot be filtered")]
pub trait Nullable: Kind {}

macro_rules! mark {
    ($tr:ident: $($k:ty),*) => {$( impl $tr for $k {} )*};
}
mark!(Equatable: kind::Text, kind::Number, kind::Float, kind::Measure, kind::Checkbox, kind::Date, kind::DateTime, kind::Opaque);
mark!(Membership: kind::Text, kind::Number, kind::Float, kind::Measure);
mark!(Ordered: kind::Number, kind::Float, kind::Measure, kind::Date, kind::DateTime);
mark!(NotBetween: kind::Number, kind::Float);
mark!(Dated: kind::Date, kind::DateTime);
mark!(Nullable: kind::Text, kind::Number, kind::Float, kind::Measure, kind::Checkbox, kind::Date, kind::DateTime, kind::Opaque, kind::Image, kind::TagList);
impl<V: crate::WireValue + 'static> Equatable for kind::List<V> {}
impl<V: crate::WireValue + 'static> Membership for kind::List<V> {}
impl<V: crate::WireValue + 'static> Nullable for kind::List<V> {}
impl<T: 'static> Nullable for kind::Entity<T> {}
impl<T: 'static> Nullable for kind::MultiEntity<T> {}

fn values<K, V: Settable<K>>(items: impl IntoIterator<Item = V>) -> Vec<Value> {
    items.into_iter().map(Settable::to_value).collect()
}

impl<E, K: Nullable, A> FieldRef<E, K, A> {
    /// `is null` (for lists and links: empty).
    pub fn is_null(&self) -> Condition<E> {
        Condition::new(self.path(), "is", vec![Value::Null])
    }

    /// `is_not null` (for lists and links: not empty).
    pub fn is_not_null(&self) -> Condition<E> {
        Condition::new(self.path(), "is_not", vec![Value::Null])
    }
}

impl<E, K: Equatable, A> FieldRef<E, K, A> {
    /// `is`: equal to `value` (text compares without case, as the server does).
    pub fn is(&self, value: impl Settable<K>) -> Condition<E> {
        Condition::new(self.path(), "is", vec![value.to_value()])
    }

    /// `is_not`.
    pub fn is_not(&self, value: impl Settable<K>) -> Condition<E> {
        Condition::new(self.path(), "is_not", vec![value.to_value()])
    }
}

impl<E, K: Membership, A> FieldRef<E, K, A> {
    /// `in`: equal to one of `values`.
    pub fn is_in<V: Settable<K>>(&self, values_: impl IntoIterator<Item = V>) -> Condition<E> {
        Condition::new(self.path(), "in", values(values_))
    }

    /// `not_in`.
    pub fn not_in<V: Settable<K>>(&self, values_: impl IntoIterator<Item = V>) -> Condition<E> {
        Condition::new(self.path(), "not_in", values(values_))
    }
}

impl<E, K: Ordered, A> FieldRef<E, K, A> {
    /// `less_than`.
    pub fn less_than(&self, value: impl Settable<K>) -> Condition<E> {
        Condition::new(self.path(), "less_than", vec![value.to_value()])
    }

    /// `greater_than`.
    pub fn greater_than(&self, value: impl Settable<K>) -> Condition<E> {
        Condition::new(self.path(), "greater_than", vec![value.to_value()])
    }

    /// `between`, both ends included.
    pub fn between(&self, low: impl Settable<K>, high: impl Settable<K>) -> Condition<E> {
        Condition::new(
            self.path(),
            "between",
            vec![low.to_value(), high.to_value()],
        )
    }
}

impl<E, K: NotBetween, A> FieldRef<E, K, A> {
    /// `not_between`.
    pub fn not_between(&self, low: impl Settable<K>, high: impl Settable<K>) -> Condition<E> {
        Condition::new(
            self.path(),
            "not_between",
            vec![low.to_value(), high.to_value()],
        )
    }
}

impl<E, K: Dated, A> FieldRef<E, K, A> {
    fn span(&self, relation: &str, n: i64, unit: DateUnit) -> Condition<E> {
        Condition::new(self.path(), relation, vec![n.into(), unit.wire().into()])
    }

    /// `in_last n unit`: from `n` units ago until now.
    pub fn in_last(&self, n: i64, unit: DateUnit) -> Condition<E> {
        self.span("in_last", n, unit)
    }

    /// `not_in_last n unit`.
    pub fn not_in_last(&self, n: i64, unit: DateUnit) -> Condition<E> {
        self.span("not_in_last", n, unit)
    }

    /// `in_next n unit`: from now until `n` units ahead.
    pub fn in_next(&self, n: i64, unit: DateUnit) -> Condition<E> {
        self.span("in_next", n, unit)
    }

    /// `not_in_next n unit`.
    pub fn not_in_next(&self, n: i64, unit: DateUnit) -> Condition<E> {
        self.span("not_in_next", n, unit)
    }

    /// `in_calendar_day offset`: today (0), yesterday (-1), tomorrow (1), ...
    pub fn in_calendar_day(&self, offset: i64) -> Condition<E> {
        Condition::new(self.path(), "in_calendar_day", vec![offset.into()])
    }

    /// `in_calendar_week offset`: this week (0), last week (-1), ...
    pub fn in_calendar_week(&self, offset: i64) -> Condition<E> {
        Condition::new(self.path(), "in_calendar_week", vec![offset.into()])
    }

    /// `in_calendar_month offset`.
    pub fn in_calendar_month(&self, offset: i64) -> Condition<E> {
        Condition::new(self.path(), "in_calendar_month", vec![offset.into()])
    }

    /// `in_calendar_year offset`.
    pub fn in_calendar_year(&self, offset: i64) -> Condition<E> {
        Condition::new(self.path(), "in_calendar_year", vec![offset.into()])
    }
}

impl<E, A> FieldRef<E, kind::Text, A> {
    fn text(&self, relation: &str, s: impl Into<String>) -> Condition<E> {
        Condition::new(self.path(), relation, vec![Value::String(s.into())])
    }

    /// `contains` (without case).
    pub fn contains(&self, s: impl Into<String>) -> Condition<E> {
        self.text("contains", s)
    }

    /// `not_contains`.
    pub fn not_contains(&self, s: impl Into<String>) -> Condition<E> {
        self.text("not_contains", s)
    }

    /// `starts_with`.
    pub fn starts_with(&self, s: impl Into<String>) -> Condition<E> {
        self.text("starts_with", s)
    }

    /// `ends_with`.
    pub fn ends_with(&self, s: impl Into<String>) -> Condition<E> {
        self.text("ends_with", s)
    }
}

/// The relations of link fields (`entity` and `multi_entity`), on the link's target set `T`.
macro_rules! link_relations {
    ($k:ident, $is_doc:literal) => {
        impl<E, T: 'static, A> FieldRef<E, kind::$k<T>, A> {
            #[doc = $is_doc]
            pub fn is<R: Into<TargetRef<T>>>(&self, link: R) -> Condition<E> {
                Condition::new(self.path(), "is", vec![link_value(link)])
            }

            /// `is_not`: the negation of `is`.
            pub fn is_not<R: Into<TargetRef<T>>>(&self, link: R) -> Condition<E> {
                Condition::new(self.path(), "is_not", vec![link_value(link)])
            }

            /// `in`: links to one of `links`.
            pub fn is_in<R: Into<TargetRef<T>>>(
                &self,
                links: impl IntoIterator<Item = R>,
            ) -> Condition<E> {
                Condition::new(
                    self.path(),
                    "in",
                    links.into_iter().map(link_value).collect(),
                )
            }

            /// `not_in`.
            pub fn not_in<R: Into<TargetRef<T>>>(
                &self,
                links: impl IntoIterator<Item = R>,
            ) -> Condition<E> {
                Condition::new(
                    self.path(),
                    "not_in",
                    links.into_iter().map(link_value).collect(),
                )
            }

            /// `type_is M`: links to an `M` (one of the field's valid types).
            pub fn type_is<M: EntityType + LinkTarget<T>>(&self) -> Condition<E> {
                Condition::new(self.path(), "type_is", vec![M::NAME.into()])
            }

            /// `type_is_not M`.
            pub fn type_is_not<M: EntityType + LinkTarget<T>>(&self) -> Condition<E> {
                Condition::new(self.path(), "type_is_not", vec![M::NAME.into()])
            }

            /// `name_contains`: the linked record's display name contains `s` (without case).
            pub fn name_contains(&self, s: impl Into<String>) -> Condition<E> {
                Condition::new(self.path(), "name_contains", vec![Value::String(s.into())])
            }

            /// `name_not_contains`.
            pub fn name_not_contains(&self, s: impl Into<String>) -> Condition<E> {
                Condition::new(
                    self.path(),
                    "name_not_contains",
                    vec![Value::String(s.into())],
                )
            }
        }
    };
}

link_relations!(Entity, " `is`: links to exactly this record.");
link_relations!(MultiEntity, " `is`: the list holds this record.");

impl<E, T: 'static, A> FieldRef<E, kind::Entity<T>, A> {
    /// `name_is`: the linked record's display name is `s`.
    pub fn name_is(&self, s: impl Into<String>) -> Condition<E> {
        Condition::new(self.path(), "name_is", vec![Value::String(s.into())])
    }
}

impl<E, A> FieldRef<E, kind::TagList, A> {
    /// `is`: has the tag `tag`.
    pub fn is(&self, tag: impl Into<String>) -> Condition<E> {
        Condition::new(self.path(), "is", vec![Value::String(tag.into())])
    }

    /// `is_not`: does not have the tag.
    pub fn is_not(&self, tag: impl Into<String>) -> Condition<E> {
        Condition::new(self.path(), "is_not", vec![Value::String(tag.into())])
    }

    /// `name_contains`: a tag contains `s`.
    pub fn name_contains(&self, s: impl Into<String>) -> Condition<E> {
        Condition::new(self.path(), "name_contains", vec![Value::String(s.into())])
    }

    /// `name_not_contains`: no tag contains `s`.
    pub fn name_not_contains(&self, s: impl Into<String>) -> Condition<E> {
        Condition::new(
            self.path(),
            "name_not_contains",
            vec![Value::String(s.into())],
        )
    }
}
