//! Typed filters and sorts: each relation exists only on the kinds of field it fits, and takes
//! values of the field's Rust type.

use super::kind::{self, Kind};
use super::link::{link_value, IntoTarget, Settable};
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

// The relations are methods of every handle, each bounded by the trait of the kinds it fits,
// so that a relation on the wrong kind is an error in the user's terms (the trait's message),
// never "the method exists but its bounds were not satisfied".

/// Kinds compared with `is` / `is_not`.
#[diagnostic::on_unimplemented(
    message = "`is`/`is_not` do not apply to a `{Self}` field",
    label = "a site cannot filter this field by its value",
    note = "sites do not filter on password, url, serializable and computed (summary, pivot, calculated) fields"
)]
pub trait Equatable: Kind {}
/// Kinds that take `is_in` / `not_in`.
#[diagnostic::on_unimplemented(
    message = "`is_in`/`not_in` do not apply to a `{Self}` field",
    note = "they apply to text, number, float, measure, date, date_time, list and status fields, ids and links"
)]
pub trait Membership: Kind {}
/// Kinds with an order: `less_than`, `greater_than`, `between`.
#[diagnostic::on_unimplemented(
    message = "a `{Self}` field has no order: `less_than`, `greater_than` and `between` do not apply",
    note = "they apply to number, float, currency, percent, duration, timecode, date and date_time fields, and ids"
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
#[diagnostic::on_unimplemented(
    message = "a `{Self}` field cannot be filtered",
    note = "sites do not filter on password, url, serializable and computed (summary, pivot, calculated) fields"
)]
pub trait Nullable: Kind {}

/// Kinds compared with a value of their own Rust type (not a tag, not a link).
#[diagnostic::on_unimplemented(
    message = "a `{Self}` field is not compared with a value",
    note = "sites do not filter on password, url, serializable and computed (summary, pivot, calculated) fields"
)]
pub trait ByValue: Kind {}

/// A value a field of kind `K` is compared with by `is`, `is_not`, `is_in` and `not_in`: a
/// value of the field's type; for a tag list one tag; for a link field one link (`None`: empty).
#[diagnostic::on_unimplemented(
    message = "a `{Self}` cannot be compared with a `{K}` field",
    label = "wrong value type for this field",
    note = "compare text with strings, numbers with integers, list fields with their generated enum, ids with ids of the same entity type, tag lists with one tag, link fields with a `Link`/`Id` of one of their valid types (a link read from a field with other types: `FIELD.is(FIELD.fit(link)?)`)"
)]
pub trait Compare<K> {
    /// The wire value.
    fn compare_value(self) -> Value;
}

impl<K: ByValue, V: Settable<K>> Compare<K> for V {
    fn compare_value(self) -> Value {
        self.to_value()
    }
}

impl<S: Into<String>> Compare<kind::TagList> for S {
    fn compare_value(self) -> Value {
        Value::String(self.into())
    }
}

impl<T: 'static, R: IntoTarget<T>> Compare<kind::Entity<T>> for R {
    fn compare_value(self) -> Value {
        link_value(self)
    }
}

impl<T: 'static, R: IntoTarget<T>> Compare<kind::MultiEntity<T>> for R {
    fn compare_value(self) -> Value {
        link_value(self)
    }
}

macro_rules! mark {
    ($tr:ident: $($k:ty),*) => {$( #[diagnostic::do_not_recommend] impl $tr for $k {} )*};
}
mark!(ByValue: kind::Text, kind::Number, kind::Float, kind::Measure, kind::Checkbox, kind::Date, kind::DateTime, kind::Opaque);
mark!(Equatable: kind::Text, kind::Number, kind::Float, kind::Measure, kind::Checkbox, kind::Date, kind::DateTime, kind::Opaque, kind::TagList);
mark!(Membership: kind::Text, kind::Number, kind::Float, kind::Measure, kind::Date, kind::DateTime);
mark!(Ordered: kind::Number, kind::Float, kind::Measure, kind::Date, kind::DateTime);
mark!(NotBetween: kind::Number, kind::Float);
mark!(Dated: kind::Date, kind::DateTime);
mark!(Nullable: kind::Text, kind::Number, kind::Float, kind::Measure, kind::Checkbox, kind::Date, kind::DateTime, kind::Opaque, kind::Image, kind::TagList);
#[diagnostic::do_not_recommend]
impl<M: 'static> ByValue for kind::Id<M> {}
#[diagnostic::do_not_recommend]
impl<M: 'static> Equatable for kind::Id<M> {}
#[diagnostic::do_not_recommend]
impl<M: 'static> Membership for kind::Id<M> {}
#[diagnostic::do_not_recommend]
impl<M: 'static> Ordered for kind::Id<M> {}
#[diagnostic::do_not_recommend]
impl<V: crate::WireValue + 'static> ByValue for kind::List<V> {}
#[diagnostic::do_not_recommend]
impl<V: crate::WireValue + 'static> Equatable for kind::List<V> {}
#[diagnostic::do_not_recommend]
impl<V: crate::WireValue + 'static> Membership for kind::List<V> {}
#[diagnostic::do_not_recommend]
impl<V: crate::WireValue + 'static> Nullable for kind::List<V> {}
#[diagnostic::do_not_recommend]
impl<T: super::TargetSet> Equatable for kind::Entity<T> {}
#[diagnostic::do_not_recommend]
impl<T: super::TargetSet> Membership for kind::Entity<T> {}
#[diagnostic::do_not_recommend]
impl<T: super::TargetSet> Nullable for kind::Entity<T> {}
#[diagnostic::do_not_recommend]
impl<T: super::TargetSet> Equatable for kind::MultiEntity<T> {}
#[diagnostic::do_not_recommend]
impl<T: super::TargetSet> Membership for kind::MultiEntity<T> {}
#[diagnostic::do_not_recommend]
impl<T: super::TargetSet> Nullable for kind::MultiEntity<T> {}

fn compared<K, V: Compare<K>>(items: impl IntoIterator<Item = V>) -> Vec<Value> {
    items.into_iter().map(Compare::compare_value).collect()
}

impl<E, K, A> FieldRef<E, K, A> {
    /// `is null` (for lists and links: empty).
    pub fn is_null(&self) -> Condition<E>
    where
        K: Nullable,
    {
        Condition::new(self.path(), "is", vec![Value::Null])
    }

    /// `is_not null` (for lists and links: not empty).
    pub fn is_not_null(&self) -> Condition<E>
    where
        K: Nullable,
    {
        Condition::new(self.path(), "is_not", vec![Value::Null])
    }

    /// `is`: equal to `value` (text compares without case, as the server does); for a tag list,
    /// has the tag; for a link, links to exactly this record; for a multi-entity field, holds
    /// it. `None` matches an empty field.
    pub fn is(&self, value: impl Compare<K>) -> Condition<E>
    where
        K: Equatable,
    {
        Condition::new(self.path(), "is", vec![value.compare_value()])
    }

    /// `is_not`: the negation of `is`.
    pub fn is_not(&self, value: impl Compare<K>) -> Condition<E>
    where
        K: Equatable,
    {
        Condition::new(self.path(), "is_not", vec![value.compare_value()])
    }

    /// `in`: equal to one of `values` (for links: links to one of them). An empty list matches
    /// nothing.
    pub fn is_in<V: Compare<K>>(&self, values: impl IntoIterator<Item = V>) -> Condition<E>
    where
        K: Membership,
    {
        Condition::new(self.path(), "in", compared(values))
    }

    /// `not_in`: equal to none of `values`. An empty list matches everything.
    pub fn not_in<V: Compare<K>>(&self, values: impl IntoIterator<Item = V>) -> Condition<E>
    where
        K: Membership,
    {
        Condition::new(self.path(), "not_in", compared(values))
    }

    /// `less_than`.
    pub fn less_than(&self, value: impl Settable<K>) -> Condition<E>
    where
        K: Ordered,
    {
        Condition::new(self.path(), "less_than", vec![value.to_value()])
    }

    /// `greater_than`.
    pub fn greater_than(&self, value: impl Settable<K>) -> Condition<E>
    where
        K: Ordered,
    {
        Condition::new(self.path(), "greater_than", vec![value.to_value()])
    }

    /// `between`, both ends included.
    pub fn between(&self, low: impl Settable<K>, high: impl Settable<K>) -> Condition<E>
    where
        K: Ordered,
    {
        Condition::new(
            self.path(),
            "between",
            vec![low.to_value(), high.to_value()],
        )
    }

    /// `not_between`.
    pub fn not_between(&self, low: impl Settable<K>, high: impl Settable<K>) -> Condition<E>
    where
        K: NotBetween,
    {
        Condition::new(
            self.path(),
            "not_between",
            vec![low.to_value(), high.to_value()],
        )
    }

    fn span(&self, relation: &str, n: i64, unit: DateUnit) -> Condition<E> {
        Condition::new(self.path(), relation, vec![n.into(), unit.wire().into()])
    }

    /// `in_last n unit`: from `n` units ago until now.
    pub fn in_last(&self, n: i64, unit: DateUnit) -> Condition<E>
    where
        K: Dated,
    {
        self.span("in_last", n, unit)
    }

    /// `not_in_last n unit`.
    pub fn not_in_last(&self, n: i64, unit: DateUnit) -> Condition<E>
    where
        K: Dated,
    {
        self.span("not_in_last", n, unit)
    }

    /// `in_next n unit`: from now until `n` units ahead.
    pub fn in_next(&self, n: i64, unit: DateUnit) -> Condition<E>
    where
        K: Dated,
    {
        self.span("in_next", n, unit)
    }

    /// `not_in_next n unit`.
    pub fn not_in_next(&self, n: i64, unit: DateUnit) -> Condition<E>
    where
        K: Dated,
    {
        self.span("not_in_next", n, unit)
    }

    /// `in_calendar_day offset`: today (0), yesterday (-1), tomorrow (1), ...
    pub fn in_calendar_day(&self, offset: i64) -> Condition<E>
    where
        K: Dated,
    {
        Condition::new(self.path(), "in_calendar_day", vec![offset.into()])
    }

    /// `in_calendar_week offset`: this week (0), last week (-1), ...
    pub fn in_calendar_week(&self, offset: i64) -> Condition<E>
    where
        K: Dated,
    {
        Condition::new(self.path(), "in_calendar_week", vec![offset.into()])
    }

    /// `in_calendar_month offset`.
    pub fn in_calendar_month(&self, offset: i64) -> Condition<E>
    where
        K: Dated,
    {
        Condition::new(self.path(), "in_calendar_month", vec![offset.into()])
    }

    /// `in_calendar_year offset`.
    pub fn in_calendar_year(&self, offset: i64) -> Condition<E>
    where
        K: Dated,
    {
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

/// The relations only link fields (`entity` and `multi_entity`) take, on the target set `T`.
macro_rules! link_relations {
    ($k:ident) => {
        impl<E, T: 'static, A> FieldRef<E, kind::$k<T>, A> {
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

link_relations!(Entity);
link_relations!(MultiEntity);

impl<E, T: 'static, A> FieldRef<E, kind::Entity<T>, A> {
    /// `name_is`: the linked record's display name is `s`.
    pub fn name_is(&self, s: impl Into<String>) -> Condition<E> {
        Condition::new(self.path(), "name_is", vec![Value::String(s.into())])
    }
}

impl<E, A> FieldRef<E, kind::TagList, A> {
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

/// The typed API offers, on each kind, exactly the filter relations the data-type table
/// (`sg_api3::data_type`) says a site takes on it: the operator traits above are checked against
/// the table here, so that neither changes without the other.
#[cfg(test)]
mod table_agreement {
    use super::*;
    use crate::typed::{AnyEntity, Writable};
    use sg_api3::data_type::FieldKind;
    use std::collections::BTreeSet;

    enum Shot {}
    impl EntityType for Shot {
        const NAME: &'static str = "Shot";
        type Attachment = crate::typed::AnyEntity;
    }

    type Handle<K> = FieldRef<Shot, K, Writable>;

    fn handle<K>() -> Handle<K> {
        FieldRef::new("f")
    }

    /// The relation a condition sends.
    fn rel(c: Condition<Shot>) -> String {
        match c.into_filter() {
            Filter::Condition { relation, .. } => relation,
            other => panic!("not one condition: {other:?}"),
        }
    }

    /// Whether `$k` implements operator trait `$tr`: an inherent method where the bound holds,
    /// the fallback trait's where it does not.
    macro_rules! has {
        ($k:ty: $tr:ident) => {{
            struct Probe<T>(PhantomData<T>);
            // One of the two `yes` is the one called; the other is unused by design.
            #[allow(dead_code)]
            trait Fallback {
                fn yes(&self) -> bool {
                    false
                }
            }
            impl<T> Fallback for Probe<T> {}
            #[allow(dead_code)]
            impl<T: $tr> Probe<T> {
                fn yes(&self) -> bool {
                    true
                }
            }
            Probe::<$k>(PhantomData).yes()
        }};
    }

    /// The relations each operator trait's methods send, read from the conditions they make.
    struct Families {
        eq: Vec<String>,
        membership: Vec<String>,
        ordered: Vec<String>,
        not_between: Vec<String>,
        dated: Vec<String>,
    }

    fn families() -> Families {
        let n = handle::<kind::Number>();
        let d = handle::<kind::Date>();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        Families {
            eq: vec![
                rel(n.is(1)),
                rel(n.is_not(1)),
                rel(n.is_null()),
                rel(n.is_not_null()),
            ],
            membership: vec![rel(n.is_in([1])), rel(n.not_in([1]))],
            ordered: vec![
                rel(n.less_than(1)),
                rel(n.greater_than(1)),
                rel(n.between(1, 2)),
            ],
            not_between: vec![rel(n.not_between(1, 2))],
            dated: vec![
                rel(d.in_last(1, DateUnit::Day)),
                rel(d.not_in_last(1, DateUnit::Day)),
                rel(d.in_next(1, DateUnit::Day)),
                rel(d.not_in_next(1, DateUnit::Day)),
                rel(d.in_calendar_day(0)),
                rel(d.in_calendar_week(0)),
                rel(d.in_calendar_month(0)),
                rel(d.in_calendar_year(0)),
                rel(d.is(day)),
            ],
        }
    }

    /// What the typed API offers on kind `$k`, plus the relations of its own methods.
    macro_rules! offered {
        ($f:expr, $k:ty, [$($own:expr),*]) => {{
            let f: &Families = $f;
            let mut r: BTreeSet<String> = BTreeSet::new();
            if has!($k: Equatable) || has!($k: Nullable) {
                r.extend(f.eq.iter().cloned());
            }
            if has!($k: Membership) {
                r.extend(f.membership.iter().cloned());
            }
            if has!($k: Ordered) {
                r.extend(f.ordered.iter().cloned());
            }
            if has!($k: NotBetween) {
                r.extend(f.not_between.iter().cloned());
            }
            if has!($k: Dated) {
                r.extend(f.dated.iter().cloned());
            }
            $(r.insert($own);)*
            (std::any::type_name::<$k>(), r)
        }};
    }

    #[test]
    fn each_kind_offers_the_relations_of_the_table() {
        let f = &families();
        let text = handle::<kind::Text>();
        let link = handle::<kind::Entity<AnyEntity>>();
        let links = handle::<kind::MultiEntity<AnyEntity>>();
        let tags = handle::<kind::TagList>();
        let rows: Vec<(FieldKind, (&str, BTreeSet<String>))> = vec![
            (
                FieldKind::TEXT,
                offered!(
                    f,
                    kind::Text,
                    [
                        rel(text.contains("a")),
                        rel(text.not_contains("a")),
                        rel(text.starts_with("a")),
                        rel(text.ends_with("a"))
                    ]
                ),
            ),
            (FieldKind::NUMBER, offered!(f, kind::Number, [])),
            (FieldKind::FLOAT, offered!(f, kind::Float, [])),
            (FieldKind::MEASURE, offered!(f, kind::Measure, [])),
            (FieldKind::CHECKBOX, offered!(f, kind::Checkbox, [])),
            (FieldKind::DATE, offered!(f, kind::Date, [])),
            (FieldKind::DATE_TIME, offered!(f, kind::DateTime, [])),
            (FieldKind::LIST, offered!(f, kind::List<String>, [])),
            (
                FieldKind::ENTITY,
                offered!(
                    f,
                    kind::Entity<AnyEntity>,
                    [
                        rel(link.type_is::<Shot>()),
                        rel(link.type_is_not::<Shot>()),
                        rel(link.name_contains("a")),
                        rel(link.name_not_contains("a")),
                        rel(link.name_is("a"))
                    ]
                ),
            ),
            (
                FieldKind::MULTI_ENTITY,
                offered!(
                    f,
                    kind::MultiEntity<AnyEntity>,
                    [
                        rel(links.type_is::<Shot>()),
                        rel(links.type_is_not::<Shot>()),
                        rel(links.name_contains("a")),
                        rel(links.name_not_contains("a"))
                    ]
                ),
            ),
            (
                FieldKind::TAG_LIST,
                offered!(
                    f,
                    kind::TagList,
                    [
                        rel(tags.name_contains("a")),
                        rel(tags.name_not_contains("a"))
                    ]
                ),
            ),
            (FieldKind::URL, offered!(f, kind::Url, [])),
            (FieldKind::IMAGE, offered!(f, kind::Image, [])),
            (FieldKind::OPAQUE, offered!(f, kind::Opaque, [])),
            (FieldKind::PASSWORD, offered!(f, kind::Password, [])),
            (FieldKind::SERIALIZABLE, offered!(f, kind::Serializable, [])),
            (FieldKind::COMPUTED, offered!(f, kind::Computed, [])),
        ];
        for (kind, (type_name, offered)) in &rows {
            let table: BTreeSet<String> = kind.relations().iter().map(|r| r.to_string()).collect();
            assert_eq!(
                offered, &table,
                "{kind:?}: the typed API offers these relations, the table says those"
            );
            // Codegen names the marker `kind::{name}` from the table.
            let bare = type_name.split('<').next().unwrap_or(type_name);
            assert!(
                bare.ends_with(&format!("::kind::{}", kind.name())),
                "{kind:?} is generated as kind::{}, which is {type_name}",
                kind.name()
            );
        }
        let covered: BTreeSet<FieldKind> = rows.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            covered.len(),
            FieldKind::ALL.len(),
            "every kind of the table"
        );
    }
}
