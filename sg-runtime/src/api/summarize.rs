//! `summarize`: aggregates, optionally grouped. Wire shapes in `sg_api3::methods::summarize`;
//! the local site's side in `sg-localsite/src/api/summarize.rs`.

use crate::client::Client;
use crate::error::Result;
use crate::request::{filters_of, Filter, Grouping, Summary};
use serde_json::Value;
use sg_api3::methods::summarize::SummarizeParams;

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
        let answer = self.call_method::<sg_api3::methods::Summarize>(SummarizeParams {
            entity_type: entity_type.to_string(),
            filters: filters_of(filter),
            summaries: summaries.iter().map(Summary::to_wire).collect(),
            grouping: grouping.iter().map(Grouping::to_wire).collect(),
            // Sent only when false: the site's default is true (the official client's
            // `summarize`).
            include_archived_projects: (!include_archived_projects).then_some(false),
        })?;
        Ok(serde_json::to_value(answer).unwrap_or(Value::Null))
    }
}
