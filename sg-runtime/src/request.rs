//! The untyped request vocabulary: filters, queries, sorts, updates, batches and summaries, each
//! serialising to the exact api3 parameter shape. The typed layer builds these.

use crate::value::EntityRef;
use serde_json::{Map, Value};
use sg_api3::methods::read::{Condition, FilterItem, Filters, Paging, ReadParams, SortKey};
pub use sg_api3::methods::read::{Direction, LogicalOperator};
use sg_api3::methods::summarize::{GroupingSpec, SummarySpec};
pub use sg_api3::methods::write::UpdateMode;
use sg_api3::methods::write::{BatchItem, CreateParams, FieldValue, RecordParams, UpdateParams};

/// A filter: one condition, or a group of filters under `and`/`or`, nested to any depth.
#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    /// `{"path", "relation", "values"}`.
    Condition {
        /// A field name or deep-link path (`sg_sequence.Sequence.code`).
        path: String,
        /// The relation: `is`, `contains`, `in_last`, ...
        relation: String,
        /// The relation's operands.
        values: Vec<Value>,
    },
    /// `{"logical_operator", "conditions"}`.
    Group {
        /// How the members combine.
        operator: LogicalOperator,
        /// The members.
        filters: Vec<Filter>,
    },
}

impl Filter {
    /// One condition.
    pub fn cond<V: Into<Value>>(
        path: impl Into<String>,
        relation: impl Into<String>,
        values: impl IntoIterator<Item = V>,
    ) -> Filter {
        Filter::Condition {
            path: path.into(),
            relation: relation.into(),
            values: values.into_iter().map(Into::into).collect(),
        }
    }

    /// All of `filters`.
    pub fn and(filters: impl IntoIterator<Item = Filter>) -> Filter {
        Filter::Group {
            operator: LogicalOperator::And,
            filters: filters.into_iter().collect(),
        }
    }

    /// Any of `filters`.
    pub fn or(filters: impl IntoIterator<Item = Filter>) -> Filter {
        Filter::Group {
            operator: LogicalOperator::Or,
            filters: filters.into_iter().collect(),
        }
    }

    /// The api3 form: a group (a bare condition at the top is wrapped in an `and` group, as
    /// the server needs).
    pub fn to_filters(&self) -> Filters {
        match self.to_item() {
            FilterItem::Group(g) => g,
            condition => Filters {
                logical_operator: LogicalOperator::And,
                conditions: vec![condition],
            },
        }
    }

    /// [`Filter::to_filters`] as JSON.
    pub fn to_wire(&self) -> Value {
        serde_json::to_value(self.to_filters()).unwrap_or(Value::Null)
    }

    /// The filter an api3 filter group reads as.
    pub fn from_filters(filters: &Filters) -> Filter {
        fn item(i: &FilterItem) -> Filter {
            match i {
                FilterItem::Condition(c) => Filter::Condition {
                    path: c.path.clone(),
                    relation: c.relation.clone(),
                    values: c.values.clone(),
                },
                FilterItem::Group(g) => Filter::from_filters(g),
            }
        }
        Filter::Group {
            operator: filters.logical_operator,
            filters: filters.conditions.iter().map(item).collect(),
        }
    }

    fn to_item(&self) -> FilterItem {
        match self {
            Filter::Condition {
                path,
                relation,
                values,
            } => FilterItem::Condition(Condition {
                path: path.clone(),
                relation: relation.clone(),
                values: values.clone(),
            }),
            Filter::Group { operator, filters } => FilterItem::Group(Filters {
                logical_operator: *operator,
                conditions: filters.iter().map(Filter::to_item).collect(),
            }),
        }
    }
}

/// The filters of an optional filter: every record when none.
pub(crate) fn filters_of(filter: Option<&Filter>) -> Filters {
    filter.map_or_else(Filters::all, Filter::to_filters)
}

/// One sort key.
#[derive(Clone, Debug, PartialEq)]
pub struct Sort {
    /// A field name or deep-link path.
    pub field: String,
    /// The direction.
    pub direction: Direction,
}

/// Which records a read returns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReturnOnly {
    /// Live records (the default).
    #[default]
    Active,
    /// Retired (deleted) records only.
    Retired,
}

/// A `read` of one entity type: filters, fields, sorts, limits.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    /// The entity type.
    pub(crate) entity_type: String,
    /// The filter; `None` matches every record.
    pub(crate) filter: Option<Filter>,
    /// Return fields; `type` and `id` always come back. Empty sends `["id"]`, as the official
    /// client does.
    pub(crate) fields: Vec<String>,
    /// Sort keys, most significant first.
    pub(crate) sorts: Vec<Sort>,
    /// At most this many records (`None`: all). See [`FindIter`](crate::FindIter) for how
    /// `limit` and `page` pick the requests, as in the official client.
    pub(crate) limit: Option<usize>,
    /// Only this page (1-based), of `limit` records when the limit fits a page, else of a full page.
    pub(crate) page: Option<usize>,
    /// Active or retired records.
    pub(crate) return_only: ReturnOnly,
    /// Whether records of archived projects are included (the server's default: yes).
    pub(crate) include_archived_projects: bool,
    /// Records per request; `None` uses the site's `api_max_entities_per_page`.
    pub(crate) page_size: Option<usize>,
    /// The site's named filter presets (`additional_filter_presets`), ANDed with the filter:
    /// `{"preset_name": "LATEST", "latest_by": "ENTITIES_CREATED_AT"}`, ...
    pub presets: Vec<Value>,
    /// Query fields the client computes (a site returns them empty): each a field or a
    /// `link.Type.field` path, with its definition, or `None` to read it from the site's schema.
    pub(crate) query_fields: Vec<(String, Option<sg_api3::query::QueryDefinition>)>,
}

impl Query {
    /// Every active record of `entity_type`, returning `type` and `id` only.
    pub fn new(entity_type: impl Into<String>) -> Query {
        Query {
            entity_type: entity_type.into(),
            filter: None,
            fields: Vec::new(),
            sorts: Vec::new(),
            limit: None,
            page: None,
            return_only: ReturnOnly::Active,
            include_archived_projects: true,
            page_size: None,
            presets: Vec::new(),
            query_fields: Vec::new(),
        }
    }

    /// Computes these query fields (`summary` fields with a query, such as
    /// `open_notes_count`, or through a link: `entity.Shot.open_notes_count`), which a site
    /// returns empty through the API. Their definitions come from the site's schema (read once
    /// per client); each value equals what the field's query gives for the record, asked for
    /// in far fewer requests than one per record (see [`Client::fill_query_fields`](crate::Client::fill_query_fields)).
    /// The paths are returned too.
    pub fn with_query_fields<S: Into<String>>(
        mut self,
        fields: impl IntoIterator<Item = S>,
    ) -> Query {
        for f in fields {
            let f = f.into();
            if !self.query_fields.iter().any(|(p, _)| *p == f) {
                self.query_fields.push((f, None));
            }
        }
        self
    }

    /// A query field with its definition known (the typed API's, from generated bindings).
    pub(crate) fn with_query_definition(
        mut self,
        path: String,
        definition: sg_api3::query::QueryDefinition,
    ) -> Query {
        self.query_fields.retain(|(p, _)| *p != path);
        self.query_fields.push((path, Some(definition)));
        self
    }

    /// Sets the filter.
    pub fn filter(mut self, filter: Filter) -> Query {
        self.filter = Some(filter);
        self
    }

    /// Adds return fields.
    pub fn fields<S: Into<String>>(mut self, fields: impl IntoIterator<Item = S>) -> Query {
        self.fields.extend(fields.into_iter().map(Into::into));
        self
    }

    /// Adds a sort key.
    pub fn sort(mut self, field: impl Into<String>, direction: Direction) -> Query {
        self.sorts.push(Sort {
            field: field.into(),
            direction,
        });
        self
    }

    /// At most `n` records. A read with `limit(0)` is refused with [`Error::InvalidRequest`](crate::Error::InvalidRequest)
    /// (in the typed API too): the official client's `find(limit=0)` reads every record, while
    /// `limit(0)` reads as "none" to anyone else, so neither meaning would be safe to guess.
    /// Leave the limit out to read every record.
    pub fn limit(mut self, n: usize) -> Query {
        self.limit = Some(n);
        self
    }

    /// Refuses `limit(0)` (see [`Query::limit`]) before anything is sent.
    pub(crate) fn check_limit(&self) -> crate::Result<()> {
        if self.limit == Some(0) {
            return Err(crate::Error::InvalidRequest(format!(
                "read of {}: limit(0) has two meanings (the official client's limit=0 reads every record; \"at most 0\" reads none), so it is refused; leave the limit out to read every record",
                self.entity_type
            )));
        }
        Ok(())
    }

    /// Only page `n` (1-based). `0` means every page, as in the official client's `find(page=0)`.
    pub fn page(mut self, n: usize) -> Query {
        self.page = (n > 0).then_some(n);
        self
    }

    /// Retired records only.
    pub fn retired_only(mut self) -> Query {
        self.return_only = ReturnOnly::Retired;
        self
    }

    /// Whether records of archived projects are included.
    pub fn include_archived_projects(mut self, include: bool) -> Query {
        self.include_archived_projects = include;
        self
    }

    /// Adds one of the site's named filter presets (`additional_filter_presets`).
    pub fn preset(mut self, preset: Value) -> Query {
        self.presets.push(preset);
        self
    }

    /// Records per request.
    pub fn page_size(mut self, n: usize) -> Query {
        self.page_size = Some(n);
        self
    }

    /// The `read` params for one page, as the official client's `find` and
    /// `_construct_read_parameters` build them. `paging_info`: whether the site is asked whether
    /// a next page follows (the official client asks only when it reads page after page).
    pub(crate) fn read_params(
        &self,
        entities_per_page: usize,
        current_page: usize,
        paging_info: bool,
    ) -> ReadParams {
        ReadParams {
            entity_type: self.entity_type.clone(),
            return_fields: return_fields_wire(&self.fields),
            filters: filters_of(self.filter.as_ref()),
            return_only: match self.return_only {
                ReturnOnly::Active => "active",
                ReturnOnly::Retired => "retired",
            }
            .into(),
            paging: Some(Paging {
                entities_per_page: entities_per_page as u64,
                current_page: current_page as u64,
            }),
            return_paging_info_without_counts: paging_info,
            // Without it a site returns attachment ids, not URLs, for `image` fields.
            api_return_image_urls: true,
            sorts: self
                .sorts
                .iter()
                .map(|s| SortKey {
                    field_name: s.field.clone(),
                    direction: s.direction,
                })
                .collect(),
            // Sent only when there are some, as the official client's `_construct_read_parameters`.
            additional_filter_presets: self.presets.clone(),
            include_archived_projects: (!self.include_archived_projects).then_some(false),
        }
    }
}

/// One field of an update.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldUpdate {
    /// The field's wire name.
    pub field: String,
    /// The new value (for `add`/`remove`, the entities to add or remove).
    pub value: Value,
    /// The multi-entity update mode; `None` sends none (the server then sets).
    pub mode: Option<UpdateMode>,
}

impl FieldUpdate {
    /// Sets `field` to `value`.
    pub fn set(field: impl Into<String>, value: impl Into<Value>) -> FieldUpdate {
        FieldUpdate {
            field: field.into(),
            value: value.into(),
            mode: None,
        }
    }

    /// Adds `entities` to a multi-entity field.
    pub fn add(field: impl Into<String>, entities: &[EntityRef]) -> FieldUpdate {
        Self::with_mode(field, entities, UpdateMode::Add)
    }

    /// Removes `entities` from a multi-entity field.
    pub fn remove(field: impl Into<String>, entities: &[EntityRef]) -> FieldUpdate {
        Self::with_mode(field, entities, UpdateMode::Remove)
    }

    fn with_mode(
        field: impl Into<String>,
        entities: &[EntityRef],
        mode: UpdateMode,
    ) -> FieldUpdate {
        use crate::value::WireValue;
        FieldUpdate {
            field: field.into(),
            value: entities.to_vec().to_wire(),
            mode: Some(mode),
        }
    }

    pub(crate) fn to_wire(&self) -> FieldValue {
        FieldValue {
            field_name: self.field.clone(),
            value: self.value.clone(),
            multi_entity_update_mode: self.mode,
        }
    }
}

/// Return fields as sent: `["id"]` when none are asked for (the official client's `find`,
/// `create` and `batch` default), never `[]`.
pub(crate) fn return_fields_wire<S: AsRef<str>>(fields: &[S]) -> Vec<String> {
    if fields.is_empty() {
        vec!["id".to_string()]
    } else {
        fields.iter().map(|f| f.as_ref().to_string()).collect()
    }
}

/// `[{field_name, value}]` from a map of field values, in the map's order.
pub(crate) fn fields_wire(fields: &Map<String, Value>) -> Vec<FieldValue> {
    fields
        .iter()
        .map(|(k, v)| FieldValue {
            field_name: k.clone(),
            value: v.clone(),
            multi_entity_update_mode: None,
        })
        .collect()
}

/// One request of a `batch`.
#[derive(Clone, Debug, PartialEq)]
pub enum BatchRequest {
    /// Create an entity.
    Create {
        /// The entity type.
        entity_type: String,
        /// Field values.
        fields: Map<String, Value>,
        /// Fields to return besides `type` and `id` (none sends `["id"]`).
        return_fields: Vec<String>,
        /// The field of `fields` whose value identifies this create (a text or uuid field the
        /// caller keeps unique): after a failure that leaves the batch's fate unknown, the client
        /// looks for it instead of guessing (see [`Client::batch`](crate::Client::batch)). Not sent.
        idempotency_key: Option<String>,
    },
    /// Update an entity.
    Update {
        /// The entity type.
        entity_type: String,
        /// The id.
        id: i64,
        /// The field updates.
        fields: Vec<FieldUpdate>,
    },
    /// Retire an entity.
    Delete {
        /// The entity type.
        entity_type: String,
        /// The id.
        id: i64,
    },
}

impl BatchRequest {
    pub(crate) fn to_wire(&self) -> BatchItem {
        match self {
            BatchRequest::Create {
                entity_type,
                fields,
                return_fields,
                ..
            } => BatchItem::Create(CreateParams {
                entity_type: entity_type.clone(),
                fields: fields_wire(fields),
                return_fields: return_fields_wire(return_fields),
            }),
            BatchRequest::Update {
                entity_type,
                id,
                fields,
            } => BatchItem::Update(UpdateParams {
                entity_type: entity_type.clone(),
                id: *id,
                fields: fields.iter().map(FieldUpdate::to_wire).collect(),
            }),
            BatchRequest::Delete { entity_type, id } => BatchItem::Delete(RecordParams {
                entity_type: entity_type.clone(),
                id: *id,
            }),
        }
    }
}

/// One aggregate of a `summarize`: `{field, type[, value]}` with a type among `record_count`,
/// `count`, `sum`, `maximum`, `minimum`, `average`, `earliest`, `latest`, `percentage`,
/// `status_percentage` (with the status as `value`), `status_list`, `checked`, `unchecked`.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// The field.
    pub field: String,
    /// The aggregate.
    pub summary_type: String,
    /// The value the aggregate measures against (`status_percentage`: the status).
    pub value: Option<Value>,
}

impl Summary {
    pub(crate) fn to_wire(&self) -> SummarySpec {
        SummarySpec {
            field: self.field.clone(),
            summary_type: self.summary_type.clone(),
            value: self.value.clone(),
        }
    }

    /// `summary_type` of `field`.
    pub fn new(field: impl Into<String>, summary_type: impl Into<String>) -> Summary {
        Summary {
            field: field.into(),
            summary_type: summary_type.into(),
            value: None,
        }
    }

    /// With the value the aggregate measures against.
    pub fn value(mut self, value: impl Into<Value>) -> Summary {
        self.value = Some(value.into());
        self
    }
}

/// One grouping level of a `summarize`: `{field, type, direction}`, type `exact`, a number
/// bucket (`tens`, `hundreds`, `thousands`, `tensofthousands`, `hundredsofthousands`,
/// `millions`), a date bucket (`day`, `week`, `month`, `quarter`, `year`, `clustered_date`,
/// `oneday`, `fivedays`), `entitytype` or `firstletter`.
#[derive(Clone, Debug, PartialEq)]
pub struct Grouping {
    /// The field.
    pub field: String,
    /// The grouping type.
    pub grouping_type: String,
    /// The order of the groups.
    pub direction: Direction,
}

impl Grouping {
    pub(crate) fn to_wire(&self) -> GroupingSpec {
        GroupingSpec {
            field: self.field.clone(),
            grouping_type: self.grouping_type.clone(),
            direction: self.direction,
        }
    }

    /// Groups by the exact value of `field`, ascending.
    pub fn exact(field: impl Into<String>) -> Grouping {
        Grouping {
            field: field.into(),
            grouping_type: "exact".into(),
            direction: Direction::Asc,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_filters_have_the_api3_shape() {
        let f = Filter::and([
            Filter::cond("sg_status_list", "is", ["ip"]),
            Filter::or([
                Filter::cond("code", "starts_with", ["sh01"]),
                Filter::cond("sg_cut_in", "between", [1001, 1100]),
            ]),
        ]);
        assert_eq!(
            f.to_wire(),
            json!({"logical_operator": "and", "conditions": [
                {"path": "sg_status_list", "relation": "is", "values": ["ip"]},
                {"logical_operator": "or", "conditions": [
                    {"path": "code", "relation": "starts_with", "values": ["sh01"]},
                    {"path": "sg_cut_in", "relation": "between", "values": [1001, 1100]},
                ]},
            ]})
        );
        assert_eq!(
            Filter::cond("id", "is", [1]).to_wire(),
            json!({"logical_operator": "and", "conditions": [{"path": "id", "relation": "is", "values": [1]}]})
        );
    }
}
