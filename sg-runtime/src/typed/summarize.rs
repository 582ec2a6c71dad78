//! Typed `summarize`: aggregates that fit each field's kind, with grouping.

use super::filter::{Condition, Dated, Ordered};
use super::kind::{self, Kind};
use super::{EntityType, FieldRef};
use crate::error::Result;
use crate::request::{Direction, Filter, Grouping, Summary};
use crate::Client;
use serde_json::Value;
use std::marker::PhantomData;

/// Kinds whose values add up: `sum`, `average`.
#[diagnostic::on_unimplemented(
    message = "`sum` and `average` apply to numeric fields, not to a `{Self}` field"
)]
pub trait Numeric: Kind {}
impl Numeric for kind::Number {}
impl Numeric for kind::Float {}
impl Numeric for kind::Measure {}

/// How date groups are cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateGrouping {
    /// By day.
    Day,
    /// By ISO week.
    Week,
    /// By month.
    Month,
    /// By year.
    Year,
}

/// A typed `summarize` over records of entity type `E`.
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

    fn add<K, A>(mut self, field: &FieldRef<E, K, A>, kind: &str) -> Summarize<E> {
        self.summaries.push(Summary::new(field.path(), kind));
        self
    }

    /// The number of records (reported under `field`'s name).
    pub fn record_count<K, A>(self, field: &FieldRef<E, K, A>) -> Summarize<E> {
        self.add(field, "record_count")
    }

    /// The number of records where `field` is set.
    pub fn count<K, A>(self, field: &FieldRef<E, K, A>) -> Summarize<E> {
        self.add(field, "count")
    }

    /// The sum of a numeric field.
    pub fn sum<K: Numeric, A>(self, field: &FieldRef<E, K, A>) -> Summarize<E> {
        self.add(field, "sum")
    }

    /// The average of a numeric field.
    pub fn average<K: Numeric, A>(self, field: &FieldRef<E, K, A>) -> Summarize<E> {
        self.add(field, "average")
    }

    /// The largest value of an ordered field.
    pub fn maximum<K: Ordered, A>(self, field: &FieldRef<E, K, A>) -> Summarize<E> {
        self.add(field, "maximum")
    }

    /// The smallest value of an ordered field.
    pub fn minimum<K: Ordered, A>(self, field: &FieldRef<E, K, A>) -> Summarize<E> {
        self.add(field, "minimum")
    }

    /// The earliest date.
    pub fn earliest<K: Dated, A>(self, field: &FieldRef<E, K, A>) -> Summarize<E> {
        self.add(field, "earliest")
    }

    /// The latest date.
    pub fn latest<K: Dated, A>(self, field: &FieldRef<E, K, A>) -> Summarize<E> {
        self.add(field, "latest")
    }

    /// The number of records with the checkbox ticked.
    pub fn checked<A>(self, field: &FieldRef<E, kind::Checkbox, A>) -> Summarize<E> {
        self.add(field, "checked")
    }

    /// The number of records with the checkbox not ticked.
    pub fn unchecked<A>(self, field: &FieldRef<E, kind::Checkbox, A>) -> Summarize<E> {
        self.add(field, "unchecked")
    }

    /// Groups by the exact value of `field` (one level per call, outermost first).
    pub fn group_by<K, A>(
        mut self,
        field: &FieldRef<E, K, A>,
        direction: Direction,
    ) -> Summarize<E> {
        self.grouping.push(Grouping {
            field: field.path().into(),
            grouping_type: "exact".into(),
            direction,
        });
        self
    }

    /// Groups a date field by day, week, month or year.
    pub fn group_by_date<K: Dated, A>(
        mut self,
        field: &FieldRef<E, K, A>,
        by: DateGrouping,
        direction: Direction,
    ) -> Summarize<E> {
        let t = match by {
            DateGrouping::Day => "day",
            DateGrouping::Week => "week",
            DateGrouping::Month => "month",
            DateGrouping::Year => "year",
        };
        self.grouping.push(Grouping {
            field: field.path().into(),
            grouping_type: t.into(),
            direction,
        });
        self
    }

    /// Whether records of archived projects count (default: yes, as on the site).
    pub fn include_archived_projects(mut self, include: bool) -> Summarize<E> {
        self.include_archived_projects = include;
        self
    }

    /// Runs it: `{"summaries": {...}, "groups": [{"group_name", "group_value", "summaries", "groups"?}]}`.
    pub fn send(&self, client: &Client) -> Result<Value> {
        let filter = super::filter::all_of(&self.conditions);
        client.summarize(
            E::NAME,
            filter.as_ref(),
            &self.summaries,
            &self.grouping,
            self.include_archived_projects,
        )
    }
}
