//! Filters, as `read` and `summarize` (in `api/`) evaluate them: nested groups, each data
//! type's relations, deep links; and the comparisons sorts and groups use.

use crate::records::{bad, Exception, Records};
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use serde_json::Value;
use sg_api3::data_type::FieldKind;
use sg_api3::methods::read::{FilterItem, Filters, LogicalOperator};
use sg_api3::schema::FieldSchema;
use sg_api3::wire::{format_date_time, parse_date, parse_date_time};
use std::cmp::Ordering;

/// A field path resolved against the schema: `sg_sequence.Sequence.code` is one hop
/// (`sg_sequence` to `Sequence`) and the field `code` of `Sequence`.
pub(crate) struct Path<'s> {
    hops: Vec<(String, String)>,
    last: String,
    pub(crate) field: &'s FieldSchema,
}

enum Compiled<'s> {
    Group {
        or: bool,
        members: Vec<Compiled<'s>>,
    },
    Cond {
        path: Path<'s>,
        relation: String,
        values: Vec<Value>,
    },
}

pub(crate) fn link_key(v: &Value) -> Option<(&str, i64)> {
    Some((v.get("type")?.as_str()?, v.get("id")?.as_i64()?))
}

pub(crate) fn lower(v: &Value) -> Option<String> {
    v.as_str().map(str::to_lowercase)
}

/// A moment for date relations: date-times as they are, dates at midnight UTC.
pub(crate) fn moment(v: &Value) -> Option<DateTime<Utc>> {
    let s = v.as_str()?;
    parse_date_time(s).or_else(|| {
        parse_date(s)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|n| n.and_utc())
    })
}

fn span_back(now: DateTime<Utc>, n: i64, unit: &str, forward: bool) -> Option<DateTime<Utc>> {
    let months = |m: i64| Months::new(m.unsigned_abs() as u32);
    match unit {
        "HOUR" | "DAY" | "WEEK" => {
            let d = match unit {
                "HOUR" => Duration::hours(n),
                "DAY" => Duration::days(n),
                _ => Duration::weeks(n),
            };
            Some(if forward { now + d } else { now - d })
        }
        "MONTH" | "YEAR" => {
            let m = if unit == "YEAR" { n * 12 } else { n };
            if forward {
                now.checked_add_months(months(m))
            } else {
                now.checked_sub_months(months(m))
            }
        }
        _ => None,
    }
}

fn shift_months(d: NaiveDate, offset: i64) -> Option<NaiveDate> {
    let m = Months::new(offset.unsigned_abs() as u32);
    if offset >= 0 {
        d.checked_add_months(m)
    } else {
        d.checked_sub_months(m)
    }
}

/// Orders two wire values of one field: null first, then numbers, strings (case-insensitive),
/// links by name.
pub(crate) fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => {
            x.to_lowercase().cmp(&y.to_lowercase()).then(x.cmp(y))
        }
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Object(_), Value::Object(_)) => {
            compare(&a["name"], &b["name"]).then_with(|| compare(&a["id"], &b["id"]))
        }
        _ => a.to_string().cmp(&b.to_string()),
    }
}

impl Records {
    /// Resolves a field name or deep-link path of `entity_type`.
    pub(crate) fn resolve_path<'s>(
        &'s self,
        method: &str,
        entity_type: &str,
        path: &str,
    ) -> Result<Path<'s>, Exception> {
        let parts: Vec<&str> = path.split('.').collect();
        if parts.len() % 2 == 0 {
            return Err(bad(format!(
                "API {method}(): '{path}' is not a field path; a deep link reads field.EntityType.field"
            )));
        }
        let mut cur = entity_type.to_string();
        let mut hops = Vec::new();
        for pair in parts[..parts.len() - 1].chunks(2) {
            let (link, target) = (pair[0], pair[1]);
            let fs = self.field(method, &cur, link)?;
            if !matches!(fs.data_type(), "entity" | "multi_entity") {
                return Err(bad(format!(
                    "API {method}(): {cur}.{link} is a {} field, not a link; '{path}' cannot follow it",
                    fs.data_type()
                )));
            }
            let valid = fs.valid_types();
            if !valid.is_empty() && !valid.iter().any(|v| v == target) {
                return Err(bad(format!(
                    "API {method}(): {cur}.{link} cannot link to a {target}; valid types: {}",
                    valid.join(", ")
                )));
            }
            self.entity(method, target)?;
            hops.push((link.to_string(), target.to_string()));
            cur = target.to_string();
        }
        let last = parts[parts.len() - 1].to_string();
        let field = self.field(method, &cur, &last)?;
        Ok(Path { hops, last, field })
    }

    /// The values at `path` from record `entity_type` #`id`: one for a single-entity chain (null
    /// where it breaks), any number through multi-entity hops.
    pub(crate) fn values_at(&self, entity_type: &str, id: i64, path: &Path) -> Vec<Value> {
        let mut rows: Vec<(String, i64)> = vec![(entity_type.to_string(), id)];
        for (link, target) in &path.hops {
            let mut next = Vec::new();
            for (t, rid) in &rows {
                let Some(row) = self.row(t, *rid) else {
                    continue;
                };
                let v = row.fields.get(link).unwrap_or(&Value::Null);
                let links: Vec<&Value> = match v {
                    Value::Array(items) => items.iter().collect(),
                    Value::Object(_) => vec![v],
                    _ => vec![],
                };
                for l in links {
                    if let Some((lt, lid)) = link_key(l) {
                        if lt == target && self.is_live(lt, lid) {
                            next.push((lt.to_string(), lid));
                        }
                    }
                }
            }
            rows = next;
        }
        if rows.is_empty() {
            return vec![Value::Null];
        }
        rows.iter()
            .map(|(t, rid)| {
                self.row(t, *rid)
                    .and_then(|r| r.fields.get(&path.last))
                    .cloned()
                    .unwrap_or(Value::Null)
            })
            .collect()
    }

    fn compile<'s>(
        &'s self,
        method: &str,
        entity_type: &str,
        f: &FilterItem,
    ) -> Result<Compiled<'s>, Exception> {
        let c = match f {
            FilterItem::Group(g) => return self.compile_group(method, entity_type, g),
            FilterItem::Condition(c) => c,
        };
        let path_s = c.path.as_str();
        let relation = c.relation.clone();
        let values = c.values.clone();
        let path = self.resolve_path(method, entity_type, path_s)?;
        let dt = path.field.data_type();
        let null_check = matches!(relation.as_str(), "is" | "is_not")
            && values.len() == 1
            && values[0].is_null();
        if !null_check && !FieldKind::of(dt).relations().contains(&relation.as_str()) {
            let allowed = FieldKind::of(dt).relations();
            return Err(bad(format!(
                "API {method}(): relation '{relation}' is not valid for {entity_type}.{path_s} ({dt}); {}",
                if allowed.is_empty() { "this field cannot be filtered".to_string() } else { format!("valid relations: {}", allowed.join(", ")) }
            )));
        }
        let arity_ok = match relation.as_str() {
            "between" | "not_between" | "in_last" | "not_in_last" | "in_next" | "not_in_next" => {
                values.len() == 2
            }
            // An empty list matches nothing (`in`) or everything (`not_in`): the official
            // client sends `values: []` as it was given (`_translate_filters_simple`), and its
            // mockgun answers `lval in []`, false.
            "in" | "not_in" => true,
            _ => values.len() == 1,
        };
        if !arity_ok {
            return Err(bad(format!(
                "API {method}(): relation '{relation}' on {entity_type}.{path_s} got {} value(s)",
                values.len()
            )));
        }
        // Date-times compare as text once in the one wire form.
        let values =
            if dt == "date_time" && !relation.contains("_in_") && !relation.starts_with("in_") {
                values
                    .into_iter()
                    .map(|v| match v.as_str().and_then(parse_date_time) {
                        Some(t) => Value::String(format_date_time(&t)),
                        None => v,
                    })
                    .collect()
            } else {
                values
            };
        Ok(Compiled::Cond {
            path,
            relation,
            values,
        })
    }

    fn compile_group<'s>(
        &'s self,
        method: &str,
        entity_type: &str,
        g: &Filters,
    ) -> Result<Compiled<'s>, Exception> {
        let members = g
            .conditions
            .iter()
            .map(|c| self.compile(method, entity_type, c))
            .collect::<Result<_, _>>()?;
        Ok(Compiled::Group {
            or: g.logical_operator == LogicalOperator::Or,
            members,
        })
    }

    fn eval(&self, entity_type: &str, id: i64, c: &Compiled, now: DateTime<Utc>) -> bool {
        match c {
            Compiled::Group { or: true, members } => {
                members.iter().any(|m| self.eval(entity_type, id, m, now))
            }
            Compiled::Group { or: false, members } => {
                members.iter().all(|m| self.eval(entity_type, id, m, now))
            }
            Compiled::Cond {
                path,
                relation,
                values,
            } => {
                let dt = path.field.data_type();
                self.values_at(entity_type, id, path)
                    .iter()
                    .any(|v| self.test(dt, v, relation, values, now))
            }
        }
    }

    /// One condition on one value.
    fn test(
        &self,
        dt: &str,
        v: &Value,
        relation: &str,
        values: &[Value],
        now: DateTime<Utc>,
    ) -> bool {
        let first = values.first().unwrap_or(&Value::Null);
        let is_list = matches!(dt, "multi_entity" | "tag_list");
        let items: Vec<Value> = match v {
            Value::Array(a) => a.clone(),
            Value::Null => vec![],
            other => vec![other.clone()],
        };
        let name = |l: &Value| -> String {
            link_key(l)
                .map(|(t, i)| self.name_of(t, i))
                .and_then(|n| lower(&n))
                .unwrap_or_default()
        };
        let eq = |a: &Value, b: &Value| -> bool {
            match dt {
                "entity" | "multi_entity" => match (link_key(a), link_key(b)) {
                    (Some(x), Some(y)) => x == y,
                    _ => a.is_null() && b.is_null(),
                },
                "text" => match (lower(a), lower(b)) {
                    (Some(x), Some(y)) => x == y,
                    _ => a == b,
                },
                _ if a.is_number() && b.is_number() => a.as_f64() == b.as_f64(),
                _ => a == b,
            }
        };
        match relation {
            "is" if first.is_null() => {
                if is_list {
                    items.is_empty()
                } else {
                    v.is_null()
                }
            }
            "is_not" if first.is_null() => {
                if is_list {
                    !items.is_empty()
                } else {
                    !v.is_null()
                }
            }
            "is" if is_list => items.iter().any(|i| eq(i, first)),
            "is_not" if is_list => !items.iter().any(|i| eq(i, first)),
            "is" => eq(v, first),
            "is_not" => !eq(v, first),
            "in" if is_list => items.iter().any(|i| values.iter().any(|x| eq(i, x))),
            "not_in" if is_list => !items.iter().any(|i| values.iter().any(|x| eq(i, x))),
            "in" => values.iter().any(|x| eq(v, x)),
            "not_in" => !values.iter().any(|x| eq(v, x)),
            "contains" | "not_contains" | "starts_with" | "ends_with" => {
                let (Some(s), Some(needle)) = (lower(v), lower(first)) else {
                    return relation == "not_contains";
                };
                match relation {
                    "contains" => s.contains(&needle),
                    "not_contains" => !s.contains(&needle),
                    "starts_with" => s.starts_with(&needle),
                    _ => s.ends_with(&needle),
                }
            }
            "less_than" => !v.is_null() && compare(v, first) == Ordering::Less,
            "greater_than" => !v.is_null() && compare(v, first) == Ordering::Greater,
            "between" | "not_between" => {
                let inside = !v.is_null()
                    && compare(v, &values[0]) != Ordering::Less
                    && compare(v, &values[1]) != Ordering::Greater;
                inside == (relation == "between")
            }
            "type_is" | "type_is_not" => {
                let hit = items.iter().any(|i| i.get("type") == Some(first));
                hit == (relation == "type_is")
            }
            "name_contains" | "name_not_contains" | "name_is" => {
                let needle = lower(first).unwrap_or_default();
                let names: Vec<String> = if dt == "tag_list" {
                    items.iter().filter_map(lower).collect()
                } else {
                    items.iter().map(name).collect()
                };
                match relation {
                    "name_contains" => names.iter().any(|n| n.contains(&needle)),
                    "name_not_contains" => !names.iter().any(|n| n.contains(&needle)),
                    _ => names.contains(&needle),
                }
            }
            "in_last" | "not_in_last" | "in_next" | "not_in_next" => {
                let Some(t) = moment(v) else {
                    return relation.starts_with("not_");
                };
                let (n, unit) = (
                    first.as_i64().unwrap_or(0),
                    values[1].as_str().unwrap_or(""),
                );
                // A date field counts whole days: "today" lasts until midnight.
                let now = if dt == "date" {
                    now.date_naive()
                        .and_hms_opt(0, 0, 0)
                        .map_or(now, |n| n.and_utc())
                } else {
                    now
                };
                let forward = relation.ends_with("next");
                let Some(edge) = span_back(now, n, unit, forward) else {
                    return false;
                };
                let inside = if forward {
                    t >= now && t <= edge
                } else {
                    t >= edge && t <= now
                };
                inside != relation.starts_with("not_")
            }
            "in_calendar_day" | "in_calendar_week" | "in_calendar_month" | "in_calendar_year" => {
                let Some(t) = moment(v) else { return false };
                let (d, today, off) = (
                    t.date_naive(),
                    now.date_naive(),
                    first.as_i64().unwrap_or(0),
                );
                match relation {
                    "in_calendar_day" => Some(d) == today.checked_add_signed(Duration::days(off)),
                    "in_calendar_week" => today
                        .checked_add_signed(Duration::weeks(off))
                        .is_some_and(|w| w.iso_week() == d.iso_week()),
                    "in_calendar_month" => shift_months(today, off)
                        .is_some_and(|m| (m.year(), m.month()) == (d.year(), d.month())),
                    _ => i64::from(d.year()) == i64::from(today.year()) + off,
                }
            }
            _ => false,
        }
    }

    /// Ids of the records of `entity_type` that `filters` match.
    /// The ids of `entity_type`'s records (retired ones, or live ones) that `filters` match,
    /// less those of archived projects when `skip_archived`.
    pub(crate) fn matching(
        &self,
        method: &str,
        entity_type: &str,
        filters: &Filters,
        skip_archived: bool,
        retired: bool,
    ) -> Result<Vec<i64>, Exception> {
        self.entity(method, entity_type)?;
        let compiled = self.compile_group(method, entity_type, filters)?;
        let archived = |t: &str, id: i64| -> bool {
            self.row(t, id)
                .and_then(|r| r.fields.get("archived"))
                .and_then(Value::as_bool)
                == Some(true)
        };
        let now = Utc::now();
        let table = self.tables.get(entity_type).map(|t| &t.rows);
        Ok(table
            .into_iter()
            .flatten()
            .filter(|(_, r)| r.retired == retired)
            .filter(|(id, r)| {
                !skip_archived
                    || !(entity_type == "Project" && archived("Project", **id)
                        || r.fields
                            .get("project")
                            .and_then(link_key)
                            .is_some_and(|(t, pid)| archived(t, pid)))
            })
            .filter(|(id, _)| self.eval(entity_type, **id, &compiled, now))
            .map(|(id, _)| *id)
            .collect())
    }
}
