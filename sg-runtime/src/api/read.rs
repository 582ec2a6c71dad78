//! `read`: `find`, `find_all`, `find_one`, and one page of a read for [`FindIter`].

use crate::client::Client;
use crate::error::{Error, Result};
use crate::find::FindIter;
use crate::records::parse_records;
use crate::request::Query;
use serde_json::Value;

/// One page of a `read`.
pub(crate) struct Page {
    /// The records, through the official client's record rules.
    pub(crate) entities: Vec<Value>,
    /// Whether the site says another page follows.
    pub(crate) has_next: bool,
    /// The site's count of matching records, where it gave one.
    pub(crate) entity_count: Option<u64>,
}

impl Client {
    /// A lazy iterator over the records `query` matches, fetched one page at a time, so memory
    /// holds one page whatever the size of the result.
    pub fn find(&self, query: &Query) -> Result<FindIter> {
        let page_size = match query.page_size {
            Some(n) if n > 0 => n,
            _ => self.page_size()?,
        };
        Ok(FindIter::new(self.clone(), query.clone(), page_size))
    }

    /// Every record `query` matches, collected.
    pub fn find_all(&self, query: &Query) -> Result<Vec<Value>> {
        self.find(query)?.collect()
    }

    /// The first record `query` matches, if any.
    pub fn find_one(&self, query: &Query) -> Result<Option<Value>> {
        self.find(&query.clone().limit(1))?.next().transpose()
    }

    /// `read` of one page: the records (through the official client's record rules) and
    /// whether another page follows. Sites that predate `has_next_page` answer with
    /// `entity_count` (and `page_count`); a read of a single page may come without paging info.
    pub(crate) fn read_page(
        &self,
        params: Value,
        current_page: usize,
        entities_per_page: usize,
    ) -> Result<Page> {
        let entity_type = params["type"].as_str().unwrap_or_default().to_owned();
        let mut results = self.call("read", Some(params))?;
        let mut entities = match results.get_mut("entities").map(Value::take) {
            Some(Value::Array(items)) => items,
            _ => {
                return Err(Error::Malformed {
                    method: "read".into(),
                    entity_type: Some(entity_type),
                    detail: "no `entities` list in the results".into(),
                })
            }
        };
        parse_records(&mut entities);
        let info = results.get("paging_info");
        let number = |k: &str| info.and_then(|i| i.get(k)).and_then(Value::as_u64);
        let has_next = match info
            .and_then(|i| i.get("has_next_page"))
            .and_then(Value::as_bool)
        {
            Some(next) => next,
            None => match (number("page_count"), number("entity_count")) {
                (Some(pages), _) => (current_page as u64) < pages,
                (None, Some(count)) => ((current_page * entities_per_page) as u64) < count,
                // No paging info: the answer is the only page.
                (None, None) => false,
            },
        };
        Ok(Page {
            entities,
            has_next,
            entity_count: number("entity_count"),
        })
    }
}
