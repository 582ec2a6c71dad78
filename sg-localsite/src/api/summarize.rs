//! `summarize`, mirroring the client's `api/summarize.rs`: aggregates over the records a filter
//! matches, optionally grouped.

use super::Call;
use crate::records::query::{compare, link_key, moment, Path};
use crate::records::{bad, Exception, Records};
use chrono::Datelike;
use serde_json::{json, Map, Value};
use sg_api3::data_type::FieldKind;
use sg_api3::methods::read::Direction;
use sg_api3::methods::summarize::{SummarizeAnswer, SummarizeParams};
use sg_api3::methods::{Handler, Summarize};
use std::collections::{BTreeMap, BTreeSet};

/// One summary asked for: the field, its aggregate, the resolved path, the `value` it measures
/// against (`status_percentage`).
type Summary<'s> = (String, String, Path<'s>, Value);

/// The width of a number grouping's buckets.
fn bucket_size(grouping: &str) -> Option<f64> {
    Some(match grouping {
        "tens" => 10.0,
        "hundreds" => 100.0,
        "thousands" => 1_000.0,
        "tensofthousands" => 10_000.0,
        "hundredsofthousands" => 100_000.0,
        "millions" => 1_000_000.0,
        _ => return None,
    })
}

impl Records {
    pub(crate) fn summarize(&self, p: &SummarizeParams) -> Result<SummarizeAnswer, Exception> {
        let m = "summarize";
        let entity_type = p.entity_type.as_str();
        let skip_archived = p.include_archived_projects == Some(false);
        let ids = self.matching(m, entity_type, &p.filters, skip_archived, false)?;
        let mut summaries = Vec::new();
        for s in &p.summaries {
            let field = s.field.as_str();
            let kind = s.summary_type.as_str();
            let path = self.resolve_path(m, entity_type, field)?;
            let dt = path.field.data_type();
            let of = FieldKind::of(dt);
            let Some(ok) = sg_api3::query::aggregate_applies(kind, of) else {
                return Err(bad(format!(
                    "API summarize(): unknown summary type '{kind}'"
                )));
            };
            if !ok {
                return Err(bad(format!("API summarize(): summary '{kind}' does not apply to {entity_type}.{field} ({dt})")));
            }
            if kind.starts_with("status_percentage")
                && !s.value.as_ref().is_some_and(Value::is_string)
            {
                return Err(bad(format!(
                    "API summarize(): status_percentage of {entity_type}.{field} needs the status as `value`"
                )));
            }
            let against = s.value.clone().unwrap_or(Value::Null);
            summaries.push((field.to_string(), kind.to_string(), path, against));
        }
        let mut groupings = Vec::new();
        for g in &p.grouping {
            let field = g.field.as_str();
            let kind = g.grouping_type.clone();
            let path = self.resolve_path(m, entity_type, field)?;
            let of = FieldKind::of(path.field.data_type());
            let fits = match kind.as_str() {
                "exact" => true,
                "tens"
                | "hundreds"
                | "thousands"
                | "tensofthousands"
                | "hundredsofthousands"
                | "millions" => {
                    [FieldKind::NUMBER, FieldKind::FLOAT, FieldKind::MEASURE].contains(&of)
                }
                "day" | "week" | "month" | "quarter" | "year" | "clustered_date" | "oneday"
                | "fivedays" => [FieldKind::DATE, FieldKind::DATE_TIME].contains(&of),
                "entitytype" => [FieldKind::ENTITY, FieldKind::MULTI_ENTITY].contains(&of),
                "firstletter" => of == FieldKind::TEXT,
                _ => {
                    return Err(bad(format!(
                        "API summarize(): unknown grouping type '{kind}'"
                    )))
                }
            };
            if !fits {
                return Err(bad(format!(
                    "API summarize(): grouping '{kind}' does not apply to {entity_type}.{field}"
                )));
            }
            let desc = g.direction == Direction::Desc;
            groupings.push((path, kind, desc));
        }
        let summaries_out = match self.aggregate(entity_type, &ids, &summaries) {
            Value::Object(o) => o,
            _ => Map::new(),
        };
        Ok(SummarizeAnswer {
            summaries: summaries_out,
            groups: self.group(entity_type, &ids, &summaries, &groupings),
        })
    }

    fn aggregate(&self, entity_type: &str, ids: &[i64], summaries: &[Summary]) -> Value {
        let mut out = Map::new();
        for (field, kind, path, against) in summaries {
            let values: Vec<Value> = ids
                .iter()
                .map(|id| {
                    self.values_at(entity_type, *id, path)
                        .into_iter()
                        .next()
                        .unwrap_or(Value::Null)
                })
                .collect();
            let present: Vec<&Value> = values
                .iter()
                .filter(|v| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()))
                .collect();
            let nums: Vec<f64> = present.iter().filter_map(|v| v.as_f64()).collect();
            let as_num = |x: f64| {
                if x.fract() == 0.0 && x.abs() < 9e15 {
                    json!(x as i64)
                } else {
                    json!(x)
                }
            };
            let v = match kind.as_str() {
                "record_count" => json!(ids.len()),
                "count" => json!(present.len()),
                "sum" => as_num(nums.iter().sum()),
                "average" if nums.is_empty() => Value::Null,
                "average" => json!(nums.iter().sum::<f64>() / nums.len() as f64),
                "maximum" | "latest" => present
                    .iter()
                    .copied()
                    .max_by(|a, b| compare(a, b))
                    .cloned()
                    .unwrap_or(Value::Null),
                "minimum" | "earliest" => present
                    .iter()
                    .copied()
                    .min_by(|a, b| compare(a, b))
                    .cloned()
                    .unwrap_or(Value::Null),
                "checked" => json!(values.iter().filter(|v| v.as_bool() == Some(true)).count()),
                "unchecked" => {
                    json!(values.iter().filter(|v| v.as_bool() != Some(true)).count())
                }
                "percentage" | "status_percentage" | "status_percentage_as_float"
                    if values.is_empty() =>
                {
                    Value::Null
                }
                "percentage" => json!(
                    100.0 * values.iter().filter(|v| v.as_bool() == Some(true)).count() as f64
                        / values.len() as f64
                ),
                "status_percentage" | "status_percentage_as_float" => json!(
                    100.0 * values.iter().filter(|v| *v == against).count() as f64
                        / values.len() as f64
                ),
                // status_list, as the site's help page on field summaries gives it: the
                // statuses but `na` and `omt` ("ignored"); none: `na`; all the same: that one;
                // else `ip`. No record: null.
                _ => {
                    let statuses: BTreeSet<&str> = present
                        .iter()
                        .filter_map(|v| v.as_str())
                        .filter(|s| *s != "na" && *s != "omt")
                        .collect();
                    match statuses.len() {
                        _ if ids.is_empty() => Value::Null,
                        0 => json!("na"),
                        1 => json!(statuses.first()),
                        _ => json!("ip"),
                    }
                }
            };
            out.insert(field.clone(), v);
        }
        Value::Object(out)
    }

    fn group(
        &self,
        entity_type: &str,
        ids: &[i64],
        summaries: &[Summary],
        groupings: &[(Path, String, bool)],
    ) -> Vec<Value> {
        let Some(((path, kind, desc), rest)) = groupings.split_first() else {
            return Vec::new();
        };
        let dt = path.field.data_type();
        let mut groups: BTreeMap<String, (Value, Vec<i64>)> = BTreeMap::new();
        for id in ids {
            let raw = self
                .values_at(entity_type, *id, path)
                .into_iter()
                .next()
                .unwrap_or(Value::Null);
            let v = match (kind.as_str(), moment(&raw)) {
                ("day" | "oneday", Some(t)) => json!(t.format("%Y-%m-%d").to_string()),
                ("fivedays", Some(t)) => {
                    // Five-day periods counted from 1970-01-01, named by their first day.
                    let days = t
                        .date_naive()
                        .signed_duration_since(chrono::NaiveDate::default());
                    let first = chrono::NaiveDate::default()
                        + chrono::Duration::days(days.num_days().div_euclid(5) * 5);
                    json!(first.format("%Y-%m-%d").to_string())
                }
                ("quarter", Some(t)) => json!(format!("{}-Q{}", t.year(), t.month0() / 3 + 1)),
                ("clustered_date", Some(t)) => {
                    let today = chrono::Utc::now().date_naive();
                    let d = t.date_naive();
                    json!(if d < today {
                        "Overdue"
                    } else if d == today {
                        "Today"
                    } else if d.iso_week() == today.iso_week() {
                        "This week"
                    } else {
                        "Later"
                    })
                }
                ("week", Some(t)) => json!(format!(
                    "{}-W{:02}",
                    t.iso_week().year(),
                    t.iso_week().week()
                )),
                ("month", Some(t)) => json!(t.format("%Y-%m").to_string()),
                ("year", Some(t)) => json!(t.format("%Y").to_string()),
                (bucket, _) if bucket_size(bucket).is_some() => match raw.as_f64() {
                    // A bucket is named by its lower bound.
                    Some(x) => {
                        let size = bucket_size(bucket).unwrap_or(1.0);
                        json!(((x / size).floor() * size) as i64)
                    }
                    None => Value::Null,
                },
                ("entitytype", _) => raw
                    .get("type")
                    .cloned()
                    .or_else(|| raw.as_array()?.first()?.get("type").cloned())
                    .unwrap_or(Value::Null),
                ("firstletter", _) => match raw.as_str().and_then(|s| s.chars().next()) {
                    Some(c) => json!(c.to_uppercase().to_string()),
                    None => Value::Null,
                },
                _ => self.value_out(dt, &raw),
            };
            let key = match link_key(&v) {
                Some((t, i)) => format!("{t}#{i}"),
                None => v.to_string(),
            };
            groups
                .entry(key)
                .or_insert_with(|| (v, Vec::new()))
                .1
                .push(*id);
        }
        let mut list: Vec<(Value, Vec<i64>)> = groups.into_values().collect();
        list.sort_by(|a, b| {
            let o = compare(&a.0, &b.0);
            if *desc {
                o.reverse()
            } else {
                o
            }
        });
        list.into_iter()
            .map(|(value, members)| {
                let name = match &value {
                    Value::Null => String::new(),
                    Value::String(s) => s.clone(),
                    Value::Object(o) => o
                        .get("name")
                        .and_then(Value::as_str)
                        .map_or_else(|| value.to_string(), str::to_owned),
                    other => other.to_string(),
                };
                let mut g = Map::new();
                g.insert("group_name".into(), name.into());
                g.insert("group_value".into(), value);
                g.insert(
                    "summaries".into(),
                    self.aggregate(entity_type, &members, summaries),
                );
                if !rest.is_empty() {
                    g.insert(
                        "groups".into(),
                        Value::Array(self.group(entity_type, &members, summaries, rest)),
                    );
                }
                Value::Object(g)
            })
            .collect()
    }
}

impl Handler<Summarize> for Call<'_> {
    fn handle(&mut self, p: SummarizeParams) -> Result<SummarizeAnswer, Exception> {
        self.state.records.summarize(&p)
    }
}
