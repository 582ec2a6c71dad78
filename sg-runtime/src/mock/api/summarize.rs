//! `summarize`, mirroring the client's `api/summarize.rs`: aggregates over the records a filter
//! matches, optionally grouped.

use crate::mock::query::{compare, link_key, moment, Path};
use crate::mock::store::{bad, str_param, ApiError, Store};
use chrono::Datelike;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

impl Store {
    pub(crate) fn summarize(&self, p: &Value) -> Result<Value, ApiError> {
        let m = "summarize";
        let entity_type = str_param(p, "type", m)?;
        let ids = self.matching(m, entity_type, p, false)?;
        let mut summaries = Vec::new();
        for s in p
            .get("summaries")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let field = str_param(s, "field", m)?;
            let kind = str_param(s, "type", m)?;
            let path = self.resolve_path(m, entity_type, field)?;
            let dt = path.field.data_type();
            let numeric = matches!(
                dt,
                "number" | "integer" | "float" | "currency" | "percent" | "duration" | "timecode"
            );
            let ok = match kind {
                "record_count" | "count" => true,
                "sum" | "average" => numeric,
                "maximum" | "minimum" => numeric || matches!(dt, "date" | "date_time"),
                "earliest" | "latest" => matches!(dt, "date" | "date_time"),
                "checked" | "unchecked" => dt == "checkbox",
                _ => {
                    return Err(bad(format!(
                        "API summarize(): unknown summary type '{kind}'"
                    )))
                }
            };
            if !ok {
                return Err(bad(format!("API summarize(): summary '{kind}' does not apply to {entity_type}.{field} ({dt})")));
            }
            summaries.push((field.to_string(), kind.to_string(), path));
        }
        let mut groupings = Vec::new();
        for g in p
            .get("grouping")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let field = str_param(g, "field", m)?;
            let kind = g
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("exact")
                .to_string();
            let path = self.resolve_path(m, entity_type, field)?;
            let dated = matches!(path.field.data_type(), "date" | "date_time");
            if !(kind == "exact"
                || dated && matches!(kind.as_str(), "day" | "week" | "month" | "year"))
            {
                return Err(bad(format!(
                    "API summarize(): grouping '{kind}' does not apply to {entity_type}.{field}"
                )));
            }
            let desc = g.get("direction").and_then(Value::as_str) == Some("desc");
            groupings.push((path, kind, desc));
        }
        let mut out = Map::new();
        out.insert(
            "summaries".into(),
            self.aggregate(entity_type, &ids, &summaries),
        );
        out.insert(
            "groups".into(),
            Value::Array(self.group(entity_type, &ids, &summaries, &groupings)),
        );
        Ok(Value::Object(out))
    }

    fn aggregate(
        &self,
        entity_type: &str,
        ids: &[i64],
        summaries: &[(String, String, Path)],
    ) -> Value {
        let mut out = Map::new();
        for (field, kind, path) in summaries {
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
                _ => json!(values.iter().filter(|v| v.as_bool() != Some(true)).count()),
            };
            out.insert(field.clone(), v);
        }
        Value::Object(out)
    }

    fn group(
        &self,
        entity_type: &str,
        ids: &[i64],
        summaries: &[(String, String, Path)],
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
                ("day", Some(t)) => json!(t.format("%Y-%m-%d").to_string()),
                ("week", Some(t)) => json!(format!(
                    "{}-W{:02}",
                    t.iso_week().year(),
                    t.iso_week().week()
                )),
                ("month", Some(t)) => json!(t.format("%Y-%m").to_string()),
                ("year", Some(t)) => json!(t.format("%Y").to_string()),
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
