//! Query fields: a `summary` field whose schema holds a query (`properties.query`, with
//! `summary_default`, `summary_field` and `summary_value`). A site's web UI computes them; api3
//! returns `null` for them. The definition is read here once: codegen checks and documents it,
//! the client computes it, the local site keeps it (and answers `null`, as a site does).
//!
//! A definition's filters are the api3 filter form (`{"logical_operator", "conditions"}`) with
//! two additions of the UI's: a condition or group may carry `"active": "false"` (skipped), and
//! a value `{"type": "Entity", "id": 0, "valid": "parent_entity_token"}` stands for the record
//! the field belongs to (the parent).

use crate::data_type::{DataType, FieldKind};
use crate::methods::read::{Condition, Direction, FilterItem, Filters, LogicalOperator};
use crate::schema::{FieldSchema, Schema};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// The `valid` of the value that stands for the parent record.
pub const PARENT_TOKEN: &str = "parent_entity_token";

/// A query field's definition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueryDefinition {
    /// The entity type the query reads.
    pub entity_type: String,
    /// The query's filters, as the schema stores them.
    #[serde(default)]
    pub filters: Value,
    /// `summary_default`: `record_count`, `sum`, `single_record`, ...
    pub summary_type: String,
    /// `summary_field`: the field of `entity_type` summarized (`id` for counts).
    pub summary_field: String,
    /// `summary_value`: the status a `status_percentage` measures, or a `single_record`'s
    /// `{"column", "direction", "limit"}`.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub summary_value: Value,
    /// The data types of the fields along the path the parent token is compared with (one per
    /// hop: `["entity"]`, `["multi_entity"]`, `["entity", "entity"]`), from the schema; empty
    /// when unknown. It decides how the client computes the field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub token_hops: Vec<String>,
}

/// What a query field summarizes, from `summary_default` (and `summary_value`).
#[derive(Clone, Debug, PartialEq)]
pub enum SummaryKind {
    /// An aggregate `summarize` computes: `record_count`, `count`, `sum`, `average`,
    /// `minimum`, `maximum`, `earliest`, `latest`, `percentage`, `status_percentage`,
    /// `status_percentage_as_float`, `status_list`, `checked`, `unchecked`.
    Aggregate(String),
    /// `single_record`: the summary field of the first `limit` records in `order`.
    SingleRecord {
        /// The sort: a field and direction (none: the site's own order).
        order: Option<(String, Direction)>,
        /// How many records (1: a single value, else a list).
        limit: usize,
    },
}

/// The aggregates a site's `summarize` takes, with the field kinds each applies to.
pub const AGGREGATES: &[&str] = &[
    "record_count",
    "count",
    "sum",
    "average",
    "minimum",
    "maximum",
    "earliest",
    "latest",
    "percentage",
    "status_percentage",
    "status_percentage_as_float",
    "status_list",
    "checked",
    "unchecked",
];

/// Whether aggregate `kind` applies to a field of kind `of`; `None` for an aggregate this table
/// does not know. The local site refuses what this refuses, and codegen types what it accepts.
pub fn aggregate_applies(kind: &str, of: FieldKind) -> Option<bool> {
    let numeric = [FieldKind::NUMBER, FieldKind::FLOAT, FieldKind::MEASURE].contains(&of);
    let dated = [FieldKind::DATE, FieldKind::DATE_TIME].contains(&of);
    Some(match kind {
        "record_count" | "count" => true,
        "sum" | "average" => numeric,
        "maximum" | "minimum" => numeric || dated,
        "earliest" | "latest" => dated,
        "checked" | "unchecked" | "percentage" => of == FieldKind::CHECKBOX,
        "status_percentage" | "status_percentage_as_float" | "status_list" => of == FieldKind::LIST,
        _ => return None,
    })
}

/// Where the parent token sits in a definition's filters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenPlace {
    /// Nowhere: the query is the same for every record.
    Absent,
    /// Once, as `path is <parent>`, in a condition that must hold (only `and` groups above it):
    /// the records of several parents are those where `path in <parents>`.
    Conjunct {
        /// The path compared with the parent.
        path: String,
    },
    /// Anywhere else (under an `or`, with another relation, twice): each parent is its own query.
    Elsewhere,
}

/// One node of a definition's filters, inactive members dropped.
#[derive(Clone, Debug, PartialEq)]
enum Node {
    Cond {
        path: String,
        relation: String,
        values: Vec<Value>,
    },
    Group {
        or: bool,
        members: Vec<Node>,
    },
}

fn is_token(v: &Value) -> bool {
    v.get("valid").and_then(Value::as_str) == Some(PARENT_TOKEN)
}

fn active(o: &Map<String, Value>) -> bool {
    match o.get("active") {
        Some(Value::String(s)) => s != "false",
        Some(Value::Bool(b)) => *b,
        _ => true,
    }
}

impl QueryDefinition {
    /// The definition of `field`, when it is a `summary` field with a query; `None` for any other
    /// field (a summary field without a query is an ordinary computed field).
    pub fn of(field: &FieldSchema) -> Option<QueryDefinition> {
        if field.data_type() != DataType::SUMMARY.wire_name() {
            return None;
        }
        let query = field.property("query")?.as_object()?;
        let entity_type = query.get("entity_type")?.as_str()?.to_string();
        Some(QueryDefinition {
            entity_type,
            filters: query.get("filters").cloned().unwrap_or(Value::Null),
            summary_type: field
                .property("summary_default")
                .and_then(Value::as_str)
                .unwrap_or("none")
                .to_string(),
            summary_field: field
                .property("summary_field")
                .and_then(Value::as_str)
                .unwrap_or("id")
                .to_string(),
            summary_value: field
                .property("summary_value")
                .cloned()
                .unwrap_or(Value::Null),
            token_hops: Vec::new(),
        })
    }

    /// [`QueryDefinition::of`] with `token_hops` filled from `schema` (where the path resolves).
    pub fn of_in(field: &FieldSchema, schema: &Schema) -> Option<QueryDefinition> {
        let mut d = QueryDefinition::of(field)?;
        if let Ok(TokenPlace::Conjunct { path }) = d.token_place() {
            d.token_hops = hops(schema, &d.entity_type, &path)
                .map(|h| h.into_iter().map(|(_, dt)| dt).collect())
                .unwrap_or_default();
        }
        Some(d)
    }

    /// The definition from its JSON (as generated bindings keep it).
    pub fn from_json(text: &str) -> Result<QueryDefinition, String> {
        serde_json::from_str(text)
            .map_err(|e| format!("a query definition that does not read: {e}"))
    }

    /// The definition as compact JSON, keys in order (generated bindings keep it).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// What is summarized.
    pub fn kind(&self) -> Result<SummaryKind, String> {
        if self.summary_type == "single_record" {
            let v = &self.summary_value;
            let order = v.get("column").and_then(Value::as_str).map(|c| {
                let dir = match v.get("direction").and_then(Value::as_str) {
                    Some("desc") => Direction::Desc,
                    _ => Direction::Asc,
                };
                (c.to_string(), dir)
            });
            let limit = v.get("limit").and_then(Value::as_u64).unwrap_or(1).max(1);
            return Ok(SummaryKind::SingleRecord {
                order,
                limit: usize::try_from(limit).unwrap_or(1),
            });
        }
        if AGGREGATES.contains(&self.summary_type.as_str()) {
            Ok(SummaryKind::Aggregate(self.summary_type.clone()))
        } else {
            Err(format!(
                "summary `{}` is not one this crate knows",
                self.summary_type
            ))
        }
    }

    fn nodes(&self) -> Result<Node, String> {
        fn group(o: &Map<String, Value>) -> Result<Node, String> {
            let or = match o.get("logical_operator").and_then(Value::as_str) {
                None | Some("and") => false,
                Some("or") => true,
                Some(other) => return Err(format!("logical operator `{other}`")),
            };
            let mut members = Vec::new();
            for c in o
                .get("conditions")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                let Some(c) = c.as_object() else {
                    return Err(format!("a condition that is not an object: {c}"));
                };
                if !active(c) {
                    continue;
                }
                if c.contains_key("conditions") {
                    members.push(group(c)?);
                    continue;
                }
                let path = c.get("path").and_then(Value::as_str);
                let relation = c.get("relation").and_then(Value::as_str);
                let (Some(path), Some(relation)) = (path, relation) else {
                    return Err(format!(
                        "a condition without path or relation: {}",
                        Value::Object(c.clone())
                    ));
                };
                let values = match c.get("values") {
                    Some(Value::Array(a)) => a.clone(),
                    None | Some(Value::Null) => Vec::new(),
                    Some(one) => vec![one.clone()],
                };
                members.push(Node::Cond {
                    path: path.to_string(),
                    relation: relation.to_string(),
                    values,
                });
            }
            Ok(Node::Group { or, members })
        }
        match &self.filters {
            Value::Null => Ok(Node::Group {
                or: false,
                members: Vec::new(),
            }),
            Value::Array(a) if a.is_empty() => Ok(Node::Group {
                or: false,
                members: Vec::new(),
            }),
            Value::Object(o) => group(o),
            other => Err(format!("filters that are not a filter group: {other}")),
        }
    }

    /// Where the parent token sits.
    pub fn token_place(&self) -> Result<TokenPlace, String> {
        fn count(n: &Node) -> usize {
            match n {
                Node::Cond { values, .. } => values.iter().filter(|v| is_token(v)).count(),
                Node::Group { members, .. } => members.iter().map(count).sum(),
            }
        }
        let root = self.nodes()?;
        match count(&root) {
            0 => return Ok(TokenPlace::Absent),
            1 => {}
            _ => return Ok(TokenPlace::Elsewhere),
        }
        fn conjunct(n: &Node) -> Option<String> {
            match n {
                Node::Cond {
                    path,
                    relation,
                    values,
                } if relation == "is" && values.len() == 1 && is_token(&values[0]) => {
                    Some(path.clone())
                }
                Node::Group { or: false, members } => members.iter().find_map(conjunct),
                Node::Group { or: true, members } if members.len() == 1 => {
                    members.iter().find_map(conjunct)
                }
                _ => None,
            }
        }
        Ok(match conjunct(&root) {
            Some(path) => TokenPlace::Conjunct { path },
            None => TokenPlace::Elsewhere,
        })
    }

    /// The filters of the query for one parent record (`{type, id}`): inactive members dropped,
    /// the token replaced by the parent, other links cut to `{type, id}`. This is the
    /// per-record query a site computes the field with.
    pub fn filters_for(&self, parent: &Value) -> Result<Filters, String> {
        self.filters_with(&|values: &[Value]| {
            values
                .iter()
                .map(|v| {
                    if is_token(v) {
                        parent.clone()
                    } else {
                        v.clone()
                    }
                })
                .collect::<Vec<_>>()
                .into()
        })
    }

    /// The filters for several parents at once, for a token at a [`TokenPlace::Conjunct`]: its
    /// condition becomes `path in parents`.
    pub fn filters_for_many(&self, parents: &[Value]) -> Result<Filters, String> {
        let parents = parents.to_vec();
        self.filters_with(&move |values: &[Value]| {
            if values.iter().any(is_token) {
                Replaced::Condition(("in".to_string(), parents.clone()))
            } else {
                Replaced::Values(values.to_vec())
            }
        })
    }

    fn filters_with(&self, values_of: &dyn Fn(&[Value]) -> Replaced) -> Result<Filters, String> {
        fn link(v: &Value) -> Value {
            match v.as_object() {
                Some(o) if o.contains_key("type") && o.contains_key("id") => {
                    json!({"type": o["type"], "id": o["id"]})
                }
                _ => v.clone(),
            }
        }
        fn walk(n: &Node, values_of: &dyn Fn(&[Value]) -> Replaced) -> FilterItem {
            match n {
                Node::Cond {
                    path,
                    relation,
                    values,
                } => {
                    let (relation, values) = match values_of(values) {
                        Replaced::Values(v) => (relation.clone(), v),
                        Replaced::Condition((r, v)) => (r, v),
                    };
                    FilterItem::Condition(Condition {
                        path: path.clone(),
                        relation,
                        values: values.iter().map(link).collect(),
                    })
                }
                Node::Group { or, members } => FilterItem::Group(Filters {
                    logical_operator: if *or {
                        LogicalOperator::Or
                    } else {
                        LogicalOperator::And
                    },
                    conditions: members.iter().map(|m| walk(m, values_of)).collect(),
                }),
            }
        }
        match walk(&self.nodes()?, values_of) {
            FilterItem::Group(g) => Ok(g),
            c => Ok(Filters {
                logical_operator: LogicalOperator::And,
                conditions: vec![c],
            }),
        }
    }

    /// Checks the definition against `schema`: the entity type, every condition's path and
    /// relation, the summary field and that the summary applies to it. The error says what
    /// does not hold.
    pub fn check(&self, schema: &Schema) -> Result<(), String> {
        let Some(entity) = schema.entities.get(&self.entity_type) else {
            return Err(format!(
                "the query reads `{}`, which is not an entity type of the schema",
                self.entity_type
            ));
        };
        fn walk(n: &Node, schema: &Schema, entity_type: &str) -> Result<(), String> {
            match n {
                Node::Group { members, .. } => members
                    .iter()
                    .try_for_each(|m| walk(m, schema, entity_type)),
                Node::Cond { path, relation, .. } => {
                    let hops = hops(schema, entity_type, path)?;
                    let (_, last) = hops.last().cloned().unwrap_or_default();
                    let relations = FieldKind::of(&last).relations();
                    if relations.contains(&relation.as_str()) {
                        Ok(())
                    } else {
                        Err(format!("the condition on `{path}` ({last}) uses `{relation}`, which a `{last}` field does not take"))
                    }
                }
            }
        }
        walk(&self.nodes()?, schema, &self.entity_type)?;
        let Some(field) = entity.fields.get(&self.summary_field) else {
            return Err(format!(
                "the summary field `{}.{}` is not in the schema",
                self.entity_type, self.summary_field
            ));
        };
        if let SummaryKind::Aggregate(kind) = self.kind()? {
            let of = FieldKind::of(field.data_type());
            if aggregate_applies(&kind, of) != Some(true) {
                return Err(format!(
                    "summary `{kind}` does not apply to `{}.{}` ({})",
                    self.entity_type,
                    self.summary_field,
                    field.data_type()
                ));
            }
        }
        if let Ok(SummaryKind::SingleRecord {
            order: Some((column, _)),
            ..
        }) = self.kind()
        {
            if !entity.fields.contains_key(&column) {
                return Err(format!(
                    "the sort field `{}.{column}` is not in the schema",
                    self.entity_type
                ));
            }
        }
        Ok(())
    }

    /// The query in words, for docs: "the number of Note records where note_links is this
    /// record and (sg_status_list is "opn" or ...)".
    pub fn describe(&self) -> String {
        fn value(v: &Value) -> String {
            if is_token(v) {
                return "this record".into();
            }
            match v {
                Value::String(s) => format!("\"{s}\""),
                Value::Object(o) if o.contains_key("type") => format!(
                    "{} #{}",
                    o["type"].as_str().unwrap_or("?"),
                    o.get("id").map(Value::to_string).unwrap_or_default()
                ),
                other => other.to_string(),
            }
        }
        fn words(n: &Node, top: bool) -> String {
            match n {
                Node::Cond {
                    path,
                    relation,
                    values,
                } => {
                    let vs: Vec<String> = values.iter().map(value).collect();
                    format!("{path} {} {}", relation.replace('_', " "), vs.join(", "))
                }
                Node::Group { or, members } => {
                    let parts: Vec<String> = members.iter().map(|m| words(m, false)).collect();
                    let joined = parts.join(if *or { " or " } else { " and " });
                    if top || members.len() < 2 {
                        joined
                    } else {
                        format!("({joined})")
                    }
                }
            }
        }
        let filter = match self.nodes() {
            Ok(n) => words(&n, true),
            Err(e) => format!("(filters not read: {e})"),
        };
        let (t, f) = (&self.entity_type, &self.summary_field);
        let what = match self.kind() {
            Ok(SummaryKind::Aggregate(k)) => match k.as_str() {
                "record_count" => format!("the number of {t} records"),
                "count" => format!("the number of {t} records with a {f}"),
                "checked" => format!("the number of {t} records with {f} checked"),
                "unchecked" => format!("the number of {t} records with {f} unchecked"),
                "percentage" => format!("the percentage of {t} records with {f} checked"),
                "status_percentage" | "status_percentage_as_float" => format!(
                    "the percentage of {t} records whose {f} is {}",
                    self.summary_value
                ),
                "status_list" => format!(
                    "the {f} of the {t} records taken together (one status, or ip when they differ)"
                ),
                other => format!("the {other} of {f} over {t} records"),
            },
            Ok(SummaryKind::SingleRecord { order, limit }) => {
                let which = if limit == 1 {
                    format!("the first {t} record")
                } else {
                    format!("the first {limit} {t} records")
                };
                let by = order
                    .map(|(c, d)| format!(" by {c} {}", d.as_str()))
                    .unwrap_or_default();
                format!("{f} of {which}{by}")
            }
            Err(e) => e,
        };
        if filter.is_empty() {
            format!("{what} (no filter)")
        } else {
            format!("{what} where {filter}")
        }
    }
}

/// What a condition's values become.
enum Replaced {
    Values(Vec<Value>),
    Condition((String, Vec<Value>)),
}

impl From<Vec<Value>> for Replaced {
    fn from(v: Vec<Value>) -> Replaced {
        Replaced::Values(v)
    }
}

/// The fields along `path` from `entity_type` (`entity.Shot.sg_sequence`: Version.entity,
/// Shot.sg_sequence), each with its data type; an error names the hop that does not resolve.
pub fn hops(
    schema: &Schema,
    entity_type: &str,
    path: &str,
) -> Result<Vec<(String, String)>, String> {
    let parts: Vec<&str> = path.split('.').collect();
    if parts.len() % 2 == 0 {
        return Err(format!(
            "`{path}` is not a field or a `link.Type.field` path"
        ));
    }
    let mut out = Vec::new();
    let mut at = entity_type.to_string();
    for chunk in parts.chunks(2) {
        let f = chunk[0];
        let Some(fs) = schema.field(&at, f) else {
            return Err(format!("`{at}.{f}` (in `{path}`) is not in the schema"));
        };
        out.push((format!("{at}.{f}"), fs.data_type().to_string()));
        if let Some(next) = chunk.get(1) {
            let of = FieldKind::of(fs.data_type());
            if of != FieldKind::ENTITY && of != FieldKind::MULTI_ENTITY {
                return Err(format!("`{at}.{f}` (in `{path}`) is not a link"));
            }
            let valid = fs.valid_types();
            if !valid.is_empty() && !valid.iter().any(|t| t == next) {
                return Err(format!("`{at}.{f}` (in `{path}`) does not link to {next}"));
            }
            at = (*next).to_string();
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of tk-core's `open_notes_count` (an inactive condition added).
    fn open_notes() -> QueryDefinition {
        let field: FieldSchema = serde_json::from_value(json!({
            "data_type": {"value": "summary", "editable": false},
            "name": {"value": "Open Notes Count", "editable": true},
            "editable": {"value": false, "editable": false},
            "properties": {
                "query": {"editable": false, "value": {"entity_type": "Note", "filters": {
                    "logical_operator": "and",
                    "conditions": [
                        {"path": "note_links", "relation": "is", "values": [
                            {"id": 0, "name": "Current Entity", "type": "Entity", "valid": "parent_entity_token"}]},
                        {"active": "false", "path": "subject", "relation": "is", "values": ["x"]},
                        {"active": "true", "logical_operator": "or", "qb_multivalued_condition_subgroup": true,
                         "conditions": [
                            {"active": "true", "path": "sg_status_list", "relation": "is", "values": ["opn"]},
                            {"active": "true", "path": "sg_status_list", "relation": "is", "values": ["ip"]}]}
                    ]}}},
                "summary_default": {"editable": false, "value": "record_count"},
                "summary_field": {"editable": false, "value": "id"},
                "summary_value": {"editable": false, "value": null}
            }
        }))
        .unwrap();
        QueryDefinition::of(&field).unwrap()
    }

    #[test]
    fn reads_the_definition_and_its_token() {
        let d = open_notes();
        assert_eq!(d.entity_type, "Note");
        assert_eq!(
            d.kind().unwrap(),
            SummaryKind::Aggregate("record_count".into())
        );
        assert_eq!(
            d.token_place().unwrap(),
            TokenPlace::Conjunct {
                path: "note_links".into()
            }
        );
        assert_eq!(
            d.describe(),
            "the number of Note records where note_links is this record and (sg_status_list is \"opn\" or sg_status_list is \"ip\")"
        );
        let back = QueryDefinition::from_json(&d.to_json()).unwrap();
        assert_eq!(back, d);
    }

    #[test]
    fn one_parent_replaces_the_token_and_drops_inactive_members() {
        let f = open_notes()
            .filters_for(&json!({"type": "Shot", "id": 7}))
            .unwrap();
        assert_eq!(
            serde_json::to_value(&f).unwrap(),
            json!({"logical_operator": "and", "conditions": [
                {"path": "note_links", "relation": "is", "values": [{"type": "Shot", "id": 7}]},
                {"logical_operator": "or", "conditions": [
                    {"path": "sg_status_list", "relation": "is", "values": ["opn"]},
                    {"path": "sg_status_list", "relation": "is", "values": ["ip"]}]}
            ]})
        );
        let many = open_notes()
            .filters_for_many(&[
                json!({"type": "Shot", "id": 7}),
                json!({"type": "Shot", "id": 8}),
            ])
            .unwrap();
        assert_eq!(
            serde_json::to_value(&many).unwrap()["conditions"][0],
            json!({"path": "note_links", "relation": "in", "values": [{"type": "Shot", "id": 7}, {"type": "Shot", "id": 8}]})
        );
    }

    #[test]
    fn a_token_under_or_or_twice_is_elsewhere() {
        let mut d = open_notes();
        d.filters = json!({"logical_operator": "or", "conditions": [
            {"path": "note_links", "relation": "is", "values": [{"type": "Entity", "id": 0, "valid": "parent_entity_token"}]},
            {"path": "subject", "relation": "is", "values": ["x"]}]});
        assert_eq!(d.token_place().unwrap(), TokenPlace::Elsewhere);
        d.filters = json!({"logical_operator": "and", "conditions": [
            {"path": "note_links", "relation": "is_not", "values": [{"type": "Entity", "id": 0, "valid": "parent_entity_token"}]}]});
        assert_eq!(d.token_place().unwrap(), TokenPlace::Elsewhere);
        d.filters = json!([]);
        assert_eq!(d.token_place().unwrap(), TokenPlace::Absent);
    }

    #[test]
    fn single_record_reads_its_order_and_limit() {
        let mut d = open_notes();
        d.summary_type = "single_record".into();
        d.summary_value = json!({"column": "created_at", "direction": "desc", "limit": 3});
        assert_eq!(
            d.kind().unwrap(),
            SummaryKind::SingleRecord {
                order: Some(("created_at".into(), Direction::Desc)),
                limit: 3
            }
        );
    }
}
