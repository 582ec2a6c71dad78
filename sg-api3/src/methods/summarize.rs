//! `summarize`: aggregates over the records a filter matches, optionally grouped.

use super::read::{Direction, Filters};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One aggregate: `{"field", "type"[, "value"]}`, a type among `record_count`, `count`, `sum`,
/// `maximum`, `minimum`, `average`, `earliest`, `latest`, `percentage`, `status_percentage`
/// (with the status as `value`), `status_list`, `checked`, `unchecked`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SummarySpec {
    /// The field.
    pub field: String,
    /// The aggregate.
    #[serde(rename = "type")]
    pub summary_type: String,
    /// The value the aggregate measures against (`status_percentage`: the status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

/// One grouping level: `{"field", "type", "direction"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupingSpec {
    /// The field.
    pub field: String,
    /// `exact`, a number bucket (`tens`, ..., `millions`), a date bucket (`day`, ...,
    /// `fivedays`), `entitytype` or `firstletter`.
    #[serde(rename = "type")]
    pub grouping_type: String,
    /// The order of the groups.
    #[serde(default)]
    pub direction: Direction,
}

/// `summarize`'s params.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SummarizeParams {
    /// The entity type.
    #[serde(rename = "type")]
    pub entity_type: String,
    /// The records aggregated.
    #[serde(default)]
    pub filters: Filters,
    /// The aggregates.
    pub summaries: Vec<SummarySpec>,
    /// The grouping levels, sent only when there are some.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grouping: Vec<GroupingSpec>,
    /// Sent only when false: the site's default is true (the official client's `summarize`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_archived_projects: Option<bool>,
}

/// `summarize`'s answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SummarizeAnswer {
    /// Each aggregate over all the records, by field.
    pub summaries: Map<String, Value>,
    /// The groups, with their own aggregates and nested groups.
    #[serde(default)]
    pub groups: Vec<Value>,
}
