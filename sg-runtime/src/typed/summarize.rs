//! Typed `summarize` (the official client's `Shotgun.summarize`): each aggregate and grouping
//! exists only on the kinds of field it fits, and the result reads each aggregate back typed by
//! its field (a `sum` of a number field is an `i64`, the `latest` of a date a `NaiveDate`).

use super::filter::{Condition, Dated, Ordered};
use super::kind::{self, Kind};
use super::{EntityType, FieldRef, TargetSet};
use crate::error::{Error, Result};
use crate::request::{Direction, Filter, Grouping, Summary};
use crate::value::WireValue;
use crate::Client;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::Arc;

/// Kinds whose values add up: `sum`, `average`, and the number groupings.
#[diagnostic::on_unimplemented(
    message = "`sum`, `average` and number groupings apply to numeric fields, not to a `{Self}` field",
    note = "they apply to number, float, currency, percent, duration and timecode fields"
)]
pub trait Numeric: Kind {
    /// The Rust type of a sum: whole numbers add up to an `i64`, decimals to an `f64`.
    type Sum: WireValue;
}
impl Numeric for kind::Number {
    type Sum = i64;
}
impl Numeric for kind::Measure {
    type Sum = i64;
}
impl Numeric for kind::Float {
    type Sum = f64;
}

/// Link kinds: grouped by the linked record's entity type.
#[diagnostic::on_unimplemented(
    message = "`group_by_entity_type` applies to link fields, not to a `{Self}` field"
)]
pub trait Linked: Kind {}
#[diagnostic::do_not_recommend]
impl<T: TargetSet> Linked for kind::Entity<T> {}
#[diagnostic::do_not_recommend]
impl<T: TargetSet> Linked for kind::MultiEntity<T> {}

/// List kinds (`list`, `status_list`): `status_percentage` and `status_list`.
#[diagnostic::on_unimplemented(
    message = "`status_percentage` and `status_list` apply to status and list fields, not to a `{Self}` field"
)]
pub trait Listed: Kind {}
#[diagnostic::do_not_recommend]
impl<V: WireValue + 'static> Listed for kind::List<V> {}

/// How date groups are cut (`group_by_date`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateGrouping {
    /// By calendar day (`day`).
    Day,
    /// By ISO week (`week`).
    Week,
    /// By month (`month`).
    Month,
    /// By quarter (`quarter`).
    Quarter,
    /// By year (`year`).
    Year,
    /// Dates clustered relative to today: overdue, today, this week, later (`clustered_date`).
    Clustered,
    /// By periods of one day (`oneday`).
    OneDay,
    /// By periods of five days (`fivedays`).
    FiveDays,
}

impl DateGrouping {
    fn wire(self) -> &'static str {
        match self {
            DateGrouping::Day => "day",
            DateGrouping::Week => "week",
            DateGrouping::Month => "month",
            DateGrouping::Quarter => "quarter",
            DateGrouping::Year => "year",
            DateGrouping::Clustered => "clustered_date",
            DateGrouping::OneDay => "oneday",
            DateGrouping::FiveDays => "fivedays",
        }
    }
}

/// How number groups are cut (`group_by_number`): buckets of 10, 100, ... 1,000,000.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberGrouping {
    /// Buckets of 10 (`tens`).
    Tens,
    /// Buckets of 100 (`hundreds`).
    Hundreds,
    /// Buckets of 1,000 (`thousands`).
    Thousands,
    /// Buckets of 10,000 (`tensofthousands`).
    TensOfThousands,
    /// Buckets of 100,000 (`hundredsofthousands`).
    HundredsOfThousands,
    /// Buckets of 1,000,000 (`millions`).
    Millions,
}

impl NumberGrouping {
    fn wire(self) -> &'static str {
        match self {
            NumberGrouping::Tens => "tens",
            NumberGrouping::Hundreds => "hundreds",
            NumberGrouping::Thousands => "thousands",
            NumberGrouping::TensOfThousands => "tensofthousands",
            NumberGrouping::HundredsOfThousands => "hundredsofthousands",
            NumberGrouping::Millions => "millions",
        }
    }
}

/// A typed `summarize` over records of entity type `E`:
///
/// ```ignore
/// let r = Shot::summarize()
///     .filter(Shot::F.project.is(project.id))
///     .record_count(&Shot::F.id)
///     .sum(&Shot::F.sg_cut_duration)
///     .group_by(&Shot::F.sg_sequence, Direction::Asc)
///     .send(&client)?;
/// let frames: Option<i64> = r.totals().sum(&Shot::F.sg_cut_duration)?;
/// for g in r.groups() {
///     let sequence = g.value(&Shot::F.sg_sequence)?; // Option<Link<markers::Sequence>>
///     println!("{:?}: {}", sequence, g.summaries().record_count(&Shot::F.id)?);
/// }
/// ```
pub struct Summarize<E> {
    conditions: Vec<Filter>,
    summaries: Vec<Summary>,
    grouping: Vec<Grouping>,
    include_archived_projects: bool,
    _e: PhantomData<fn() -> E>,
}

impl<E: EntityType> Default for Summarize<E> {
    fn default() -> Self {
        Summarize::new()
    }
}

impl<E: EntityType> Summarize<E> {
    /// No aggregate yet, over every active record.
    pub fn new() -> Summarize<E> {
        Summarize {
            conditions: Vec::new(),
            summaries: Vec::new(),
            grouping: Vec::new(),
            include_archived_projects: true,
            _e: PhantomData,
        }
    }

    /// Only records matching `condition` (several must all hold).
    pub fn filter(mut self, condition: Condition<E>) -> Summarize<E> {
        self.conditions.push(condition.into_filter());
        self
    }

    /// One aggregate per field (a site keeps one): a second on the same field replaces the first.
    fn add(mut self, summary: Summary) -> Summarize<E> {
        self.summaries.retain(|s| s.field != summary.field);
        self.summaries.push(summary);
        self
    }

    fn of<K, A>(self, field: &FieldRef<E, K, A>, kind: &str) -> Summarize<E> {
        self.add(Summary::new(field.path(), kind))
    }

    /// The number of records (reported under `field`'s name, usually `id`).
    pub fn record_count<K, A>(self, field: &FieldRef<E, K, A>) -> Summarize<E> {
        self.of(field, "record_count")
    }

    /// The number of records where `field` is set.
    pub fn count<K, A>(self, field: &FieldRef<E, K, A>) -> Summarize<E> {
        self.of(field, "count")
    }

    /// The sum of a numeric field.
    pub fn sum<K: Numeric, A>(self, field: &FieldRef<E, K, A>) -> Summarize<E> {
        self.of(field, "sum")
    }

    /// The average of a numeric field.
    pub fn average<K: Numeric, A>(self, field: &FieldRef<E, K, A>) -> Summarize<E> {
        self.of(field, "average")
    }

    /// The largest value of an ordered field.
    pub fn maximum<K: Ordered, A>(self, field: &FieldRef<E, K, A>) -> Summarize<E> {
        self.of(field, "maximum")
    }

    /// The smallest value of an ordered field.
    pub fn minimum<K: Ordered, A>(self, field: &FieldRef<E, K, A>) -> Summarize<E> {
        self.of(field, "minimum")
    }

    /// The earliest date.
    pub fn earliest<K: Dated, A>(self, field: &FieldRef<E, K, A>) -> Summarize<E> {
        self.of(field, "earliest")
    }

    /// The latest date.
    pub fn latest<K: Dated, A>(self, field: &FieldRef<E, K, A>) -> Summarize<E> {
        self.of(field, "latest")
    }

    /// The number of records with the checkbox ticked.
    pub fn checked<A>(self, field: &FieldRef<E, kind::Checkbox, A>) -> Summarize<E> {
        self.of(field, "checked")
    }

    /// The number of records with the checkbox not ticked.
    pub fn unchecked<A>(self, field: &FieldRef<E, kind::Checkbox, A>) -> Summarize<E> {
        self.of(field, "unchecked")
    }

    /// The percentage (0 to 100) of records with the checkbox ticked.
    pub fn percentage<A>(self, field: &FieldRef<E, kind::Checkbox, A>) -> Summarize<E> {
        self.of(field, "percentage")
    }

    /// The percentage (0 to 100) of records whose status (or list value) is `value`.
    pub fn status_percentage<K: Listed, A>(
        self,
        field: &FieldRef<E, K, A>,
        value: K::Value,
    ) -> Summarize<E> {
        self.add(Summary::new(field.path(), "status_percentage").value(value.to_wire()))
    }

    /// The status of the records taken together (`ip` when they differ).
    pub fn status_list<K: Listed, A>(self, field: &FieldRef<E, K, A>) -> Summarize<E> {
        self.of(field, "status_list")
    }

    fn group(mut self, field: &str, grouping_type: &str, direction: Direction) -> Summarize<E> {
        self.grouping.push(Grouping {
            field: field.into(),
            grouping_type: grouping_type.into(),
            direction,
        });
        self
    }

    /// Groups by the exact value of `field` (one level per call, outermost first); read each
    /// group's value typed with [`Group::value`].
    pub fn group_by<K, A>(self, field: &FieldRef<E, K, A>, direction: Direction) -> Summarize<E> {
        self.group(field.path(), "exact", direction)
    }

    /// Groups a date or date-time field by day, week, month, quarter, year or cluster.
    pub fn group_by_date<K: Dated, A>(
        self,
        field: &FieldRef<E, K, A>,
        by: DateGrouping,
        direction: Direction,
    ) -> Summarize<E> {
        self.group(field.path(), by.wire(), direction)
    }

    /// Groups a numeric field into buckets of 10, 100, ... 1,000,000.
    pub fn group_by_number<K: Numeric, A>(
        self,
        field: &FieldRef<E, K, A>,
        by: NumberGrouping,
        direction: Direction,
    ) -> Summarize<E> {
        self.group(field.path(), by.wire(), direction)
    }

    /// Groups a link field by the entity type of the record it links to.
    pub fn group_by_entity_type<K: Linked, A>(
        self,
        field: &FieldRef<E, K, A>,
        direction: Direction,
    ) -> Summarize<E> {
        self.group(field.path(), "entitytype", direction)
    }

    /// Groups a text field by its first letter.
    pub fn group_by_first_letter<A>(
        self,
        field: &FieldRef<E, kind::Text, A>,
        direction: Direction,
    ) -> Summarize<E> {
        self.group(field.path(), "firstletter", direction)
    }

    /// Whether records of archived projects count (default: yes, as on the site).
    pub fn include_archived_projects(mut self, include: bool) -> Summarize<E> {
        self.include_archived_projects = include;
        self
    }

    /// Runs it.
    pub fn send(&self, client: &Client) -> Result<SummaryResult<E>> {
        let filter = super::filter::all_of(&self.conditions);
        let answer = client.summarize(
            E::NAME,
            filter.as_ref(),
            &self.summaries,
            &self.grouping,
            self.include_archived_projects,
        )?;
        let asked: Arc<BTreeMap<String, String>> = Arc::new(
            self.summaries
                .iter()
                .map(|s| (s.field.clone(), s.summary_type.clone()))
                .collect(),
        );
        SummaryResult::decode(answer, &asked, &self.grouping)
    }
}

/// The answer of a typed `summarize`: the totals, and the groups when grouped.
pub struct SummaryResult<E> {
    totals: Summaries<E>,
    groups: Vec<Group<E>>,
}

// By hand: a derive would ask the entity marker `E` for `Clone` and `Debug`.
impl<E> Clone for SummaryResult<E> {
    fn clone(&self) -> Self {
        SummaryResult {
            totals: self.totals.clone(),
            groups: self.groups.clone(),
        }
    }
}

impl<E> std::fmt::Debug for SummaryResult<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SummaryResult")
            .field("totals", &self.totals)
            .field("groups", &self.groups)
            .finish()
    }
}

impl<E: EntityType> SummaryResult<E> {
    fn decode(
        answer: Value,
        asked: &Arc<BTreeMap<String, String>>,
        levels: &[Grouping],
    ) -> Result<Self> {
        let Value::Object(mut o) = answer else {
            return Err(malformed::<E>(format!("expected an object, got {answer}")));
        };
        Ok(SummaryResult {
            totals: Summaries::decode(o.remove("summaries"), asked)?,
            groups: Group::decode_all(o.remove("groups"), asked, levels)?,
        })
    }

    /// The aggregates over every record the filter matched.
    pub fn totals(&self) -> &Summaries<E> {
        &self.totals
    }

    /// The groups of the first grouping level, in the order asked for (empty when not grouped).
    pub fn groups(&self) -> &[Group<E>] {
        &self.groups
    }
}

fn malformed<E: EntityType>(detail: String) -> Error {
    Error::Malformed {
        method: "summarize".into(),
        entity_type: Some(E::NAME.into()),
        detail,
    }
}

/// One group of a grouped `summarize`: its value, its aggregates, and its subgroups.
pub struct Group<E> {
    name: String,
    value: Value,
    /// The field and grouping type of this group's level.
    grouped_on: Arc<(String, String)>,
    summaries: Summaries<E>,
    groups: Vec<Group<E>>,
}

impl<E> Clone for Group<E> {
    fn clone(&self) -> Self {
        Group {
            name: self.name.clone(),
            value: self.value.clone(),
            grouped_on: self.grouped_on.clone(),
            summaries: self.summaries.clone(),
            groups: self.groups.clone(),
        }
    }
}

impl<E> std::fmt::Debug for Group<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Group")
            .field("grouped_on", &self.grouped_on.0)
            .field("name", &self.name)
            .field("value", &self.value)
            .field("summaries", &self.summaries)
            .field("groups", &self.groups)
            .finish()
    }
}

impl<E: EntityType> Group<E> {
    fn decode_all(
        v: Option<Value>,
        asked: &Arc<BTreeMap<String, String>>,
        levels: &[Grouping],
    ) -> Result<Vec<Self>> {
        let Some((level, inner)) = levels.split_first() else {
            return match v {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(a)) if a.is_empty() => Ok(Vec::new()),
                Some(other) => Err(malformed::<E>(format!(
                    "groups past the levels asked for: {other}"
                ))),
            };
        };
        let grouped_on = Arc::new((level.field.clone(), level.grouping_type.clone()));
        match v {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|g| {
                    let Value::Object(mut g) = g else {
                        return Err(malformed::<E>(format!("a group is not an object: {g}")));
                    };
                    Ok(Group {
                        name: match g.remove("group_name") {
                            Some(Value::String(s)) => s,
                            Some(Value::Null) | None => String::new(),
                            Some(other) => other.to_string(),
                        },
                        value: g.remove("group_value").unwrap_or(Value::Null),
                        grouped_on: grouped_on.clone(),
                        summaries: Summaries::decode(g.remove("summaries"), asked)?,
                        groups: Group::decode_all(g.remove("groups"), asked, inner)?,
                    })
                })
                .collect(),
            Some(other) => Err(malformed::<E>(format!("groups is not a list: {other}"))),
        }
    }

    /// The group's display name (a linked record's name, a date bucket's label).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The group's value as the site sent it.
    pub fn raw_value(&self) -> &Value {
        &self.value
    }

    /// The group's value typed by the field grouped on `exact`ly: a link grouping gives a
    /// `Link`/`TargetRef`, a status grouping the status enum. `None` is the group of records
    /// where the field is empty. Another field than this level's, or a level grouped into
    /// buckets, is [`Error::NotGrouped`].
    pub fn value<K: Kind, A>(&self, field: &FieldRef<E, K, A>) -> Result<Option<K::Value>> {
        let (grouped_on, grouping_type) = &*self.grouped_on;
        if field.path() != grouped_on || grouping_type != "exact" {
            return Err(Error::NotGrouped {
                entity_type: E::NAME.into(),
                field: field.path().into(),
                grouped_on: grouped_on.clone(),
                grouping_type: grouping_type.clone(),
            });
        }
        if self.value.is_null() {
            return Ok(None);
        }
        K::Value::from_wire(&self.value)
            .map(Some)
            .map_err(|e| Error::Decode {
                entity_type: E::NAME.into(),
                id: 0,
                field: format!("{} (group value)", field.path()),
                message: e.to_string(),
            })
    }

    /// The group's aggregates.
    pub fn summaries(&self) -> &Summaries<E> {
        &self.summaries
    }

    /// The next grouping level's groups within this one.
    pub fn groups(&self) -> &[Group<E>] {
        &self.groups
    }
}

/// The aggregates of a `summarize` (its totals, or one group's), read back typed by the field
/// and aggregate asked for; reading one that was not asked for is [`Error::NotSummarized`].
pub struct Summaries<E> {
    values: Map<String, Value>,
    asked: Arc<BTreeMap<String, String>>,
    _e: PhantomData<fn() -> E>,
}

impl<E> Clone for Summaries<E> {
    fn clone(&self) -> Self {
        Summaries {
            values: self.values.clone(),
            asked: self.asked.clone(),
            _e: PhantomData,
        }
    }
}

impl<E> std::fmt::Debug for Summaries<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.values.fmt(f)
    }
}

impl<E: EntityType> Summaries<E> {
    fn decode(v: Option<Value>, asked: &Arc<BTreeMap<String, String>>) -> Result<Self> {
        let values = match v {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m,
            Some(other) => return Err(malformed::<E>(format!("summaries: {other}"))),
        };
        Ok(Summaries {
            values,
            asked: asked.clone(),
            _e: PhantomData,
        })
    }

    /// The value of aggregate `summary` of `field`, decoded as `T` (`None` when the site sent
    /// nothing for it: the aggregate of no record).
    fn read<T: WireValue>(&self, field: &str, summary: &str) -> Result<Option<T>> {
        if self.asked.get(field).map(String::as_str) != Some(summary) {
            return Err(Error::NotSummarized {
                entity_type: E::NAME.into(),
                field: field.into(),
                summary: summary.into(),
            });
        }
        match self.values.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => T::from_wire(v).map(Some).map_err(|e| Error::Decode {
                entity_type: E::NAME.into(),
                id: 0,
                field: format!("{field} ({summary})"),
                message: e.to_string(),
            }),
        }
    }

    fn counted(&self, field: &str, summary: &str) -> Result<i64> {
        Ok(self.read::<i64>(field, summary)?.unwrap_or(0))
    }

    /// `record_count`: the number of records.
    pub fn record_count<K, A>(&self, field: &FieldRef<E, K, A>) -> Result<i64> {
        self.counted(field.path(), "record_count")
    }

    /// `count`: the number of records where `field` is set.
    pub fn count<K, A>(&self, field: &FieldRef<E, K, A>) -> Result<i64> {
        self.counted(field.path(), "count")
    }

    /// `sum`: an `i64` for whole-number fields, an `f64` for decimal ones.
    pub fn sum<K: Numeric, A>(&self, field: &FieldRef<E, K, A>) -> Result<Option<K::Sum>> {
        self.read(field.path(), "sum")
    }

    /// `average`.
    pub fn average<K: Numeric, A>(&self, field: &FieldRef<E, K, A>) -> Result<Option<f64>> {
        self.read(field.path(), "average")
    }

    /// `maximum`, of the field's type.
    pub fn maximum<K: Ordered, A>(&self, field: &FieldRef<E, K, A>) -> Result<Option<K::Value>> {
        self.read(field.path(), "maximum")
    }

    /// `minimum`, of the field's type.
    pub fn minimum<K: Ordered, A>(&self, field: &FieldRef<E, K, A>) -> Result<Option<K::Value>> {
        self.read(field.path(), "minimum")
    }

    /// `earliest`, of the field's type.
    pub fn earliest<K: Dated, A>(&self, field: &FieldRef<E, K, A>) -> Result<Option<K::Value>> {
        self.read(field.path(), "earliest")
    }

    /// `latest`, of the field's type.
    pub fn latest<K: Dated, A>(&self, field: &FieldRef<E, K, A>) -> Result<Option<K::Value>> {
        self.read(field.path(), "latest")
    }

    /// `checked`: the number of records with the checkbox ticked.
    pub fn checked<A>(&self, field: &FieldRef<E, kind::Checkbox, A>) -> Result<i64> {
        self.counted(field.path(), "checked")
    }

    /// `unchecked`: the number of records with the checkbox not ticked.
    pub fn unchecked<A>(&self, field: &FieldRef<E, kind::Checkbox, A>) -> Result<i64> {
        self.counted(field.path(), "unchecked")
    }

    /// `percentage`: the percentage of records with the checkbox ticked.
    pub fn percentage<A>(&self, field: &FieldRef<E, kind::Checkbox, A>) -> Result<Option<f64>> {
        self.read(field.path(), "percentage")
    }

    /// `status_percentage`: the percentage of records with the status asked about.
    pub fn status_percentage<K: Listed, A>(
        &self,
        field: &FieldRef<E, K, A>,
    ) -> Result<Option<f64>> {
        self.read(field.path(), "status_percentage")
    }

    /// `status_list`: the status of the records taken together, as a site's field summary
    /// gives it: `na` and `omt` are left out; then none is `na`, all the same is that status,
    /// and more than one is `ip`. `None` when no record matched.
    pub fn status_list<K: Listed, A>(&self, field: &FieldRef<E, K, A>) -> Result<Option<K::Value>> {
        self.read(field.path(), "status_list")
    }
}
