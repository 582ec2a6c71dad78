//! `read`: one page of the records a query matches; and the filter shape `read`, `summarize`
//! and `query_display_name_cache` share.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How the members of a filter group combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LogicalOperator {
    /// Every member holds.
    #[serde(rename = "and", alias = "all")]
    And,
    /// At least one member holds.
    #[serde(rename = "or", alias = "any")]
    Or,
}

impl LogicalOperator {
    /// The wire name: `and` or `or`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogicalOperator::And => "and",
            LogicalOperator::Or => "or",
        }
    }
}

/// A sort or grouping direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

impl Direction {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Asc => "asc",
            Direction::Desc => "desc",
        }
    }
}

/// `filters` as sent: a group, `{"logical_operator", "conditions"}`, of conditions and groups.
/// The official client translates its list and dict forms into this one before sending
/// (`_translate_filters`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Filters {
    /// How the members combine.
    pub logical_operator: LogicalOperator,
    /// The members.
    pub conditions: Vec<FilterItem>,
}

impl Filters {
    /// No condition: every record.
    pub fn all() -> Filters {
        Filters {
            logical_operator: LogicalOperator::And,
            conditions: Vec::new(),
        }
    }
}

impl Default for Filters {
    fn default() -> Filters {
        Filters::all()
    }
}

/// A member of a filter group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FilterItem {
    /// A nested group.
    Group(Filters),
    /// One condition.
    Condition(Condition),
}

/// One condition: `{"path", "relation", "values"}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    /// A field name or deep-link path (`sg_sequence.Sequence.code`).
    pub path: String,
    /// The relation: `is`, `contains`, `in_last`, ... (the data-type table lists each type's).
    pub relation: String,
    /// The relation's operands.
    pub values: Vec<Value>,
}

/// Which page, of how many records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paging {
    /// Records per page (at most the site's `api_max_entities_per_page`).
    pub entities_per_page: u64,
    /// The page, from 1.
    pub current_page: u64,
}

/// One sort key: `{"field_name", "direction"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SortKey {
    /// A field name or deep-link path.
    pub field_name: String,
    /// The direction.
    #[serde(default)]
    pub direction: Direction,
}

/// `read`'s params, as the official client's `find` and `_construct_read_parameters` build them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReadParams {
    /// The entity type.
    #[serde(rename = "type")]
    pub entity_type: String,
    /// The fields to return besides `type` and `id` (`["id"]` when none).
    #[serde(default)]
    pub return_fields: Vec<String>,
    /// The filters.
    #[serde(default)]
    pub filters: Filters,
    /// `active` (live records, the default) or `retired`.
    #[serde(default = "active")]
    pub return_only: String,
    /// The page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paging: Option<Paging>,
    /// Whether the answer says only whether another page follows (no counts).
    #[serde(default)]
    pub return_paging_info_without_counts: bool,
    /// Whether `image` fields come back as URLs (else as attachment ids): the official client
    /// always sends `true`.
    #[serde(default)]
    pub api_return_image_urls: bool,
    /// The sort keys, sent only when there are some.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sorts: Vec<SortKey>,
    /// Filter presets (`{"preset_name": "LATEST", "latest_by": ...}`), sent only when there
    /// are some.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_filter_presets: Vec<Value>,
    /// Whether records of archived projects are read; sent only when false (the site's default
    /// is true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_archived_projects: Option<bool>,
}

fn active() -> String {
    "active".into()
}

/// `read`'s answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReadAnswer {
    /// The page's records, each `{type, id, ...fields}`.
    pub entities: Vec<Value>,
    /// Whether another page follows, and the counts where the read asked for them. Sites that
    /// predate `has_next_page` answer with `entity_count` and `page_count`; a read of a single
    /// page may come without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paging_info: Option<PagingInfo>,
}

/// `paging_info` of a `read` answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PagingInfo {
    /// Whether another page follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_next_page: Option<bool>,
    /// Records matched in all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_count: Option<u64>,
    /// The page answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_page: Option<u64>,
    /// Pages in all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_count: Option<u64>,
    /// Records per page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entities_per_page: Option<u64>,
}
