//! `summarize`: aggregates, optionally grouped.

use crate::client::Client;
use crate::error::Result;
use crate::request::{Filter, Grouping, Summary};
use serde_json::{json, Map, Value};

impl Client {
    /// `summarize`: aggregates over the records `filter` matches, optionally grouped, with or
    /// without the records of archived projects (the site's default: with).
    pub fn summarize(
        &self,
        entity_type: &str,
        filter: Option<&Filter>,
        summaries: &[Summary],
        grouping: &[Grouping],
        include_archived_projects: bool,
    ) -> Result<Value> {
        let mut p = Map::new();
        p.insert("type".into(), entity_type.into());
        p.insert(
            "filters".into(),
            filter.map_or_else(
                || json!({"logical_operator": "and", "conditions": []}),
                Filter::to_wire,
            ),
        );
        p.insert(
            "summaries".into(),
            summaries
                .iter()
                .map(|s| match &s.value {
                    None => json!({"field": s.field, "type": s.summary_type}),
                    Some(v) => json!({"field": s.field, "type": s.summary_type, "value": v}),
                })
                .collect(),
        );
        if !grouping.is_empty() {
            p.insert(
                "grouping".into(),
                grouping
                    .iter()
                    .map(|g| json!({"field": g.field, "type": g.grouping_type, "direction": g.direction.as_str()}))
                    .collect(),
            );
        }
        // Sent only when false: the site's default is true (the official client's `summarize`).
        if !include_archived_projects {
            p.insert("include_archived_projects".into(), false.into());
        }
        self.call("summarize", Some(Value::Object(p)))
    }
}
