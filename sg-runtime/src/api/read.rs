//! `read`: `find`, `find_all`, `find_one`, and one page of a read for [`FindIter`].

use crate::client::{Answered, Client};
use crate::error::{Error, Result};
use crate::find::{FindIter, ReadPage};
use crate::records::parse_records;
use crate::request::Query;
use crate::typed::{decode, Readable};
use serde_json::Value;

/// One page of a `read`.
pub(crate) struct Page<R> {
    /// The records, through the official client's record rules.
    pub(crate) entities: Vec<R>,
    /// Their ids (to notice a site serving the same page again).
    pub(crate) ids: Vec<i64>,
    /// Whether the site says another page follows.
    pub(crate) has_next: bool,
    /// The site's count of matching records, where it gave one.
    pub(crate) entity_count: Option<u64>,
}

impl Client {
    /// A lazy iterator over the records `query` matches, fetched one page at a time, so memory
    /// holds one page whatever the size of the result.
    pub fn find(&self, query: &Query) -> Result<FindIter> {
        self.find_as(query, Client::read_page)
    }

    /// [`Client::find`] with pages read and decoded by `read`.
    pub(crate) fn find_as<R>(&self, query: &Query, read: ReadPage<R>) -> Result<FindIter<R>> {
        let page_size = match query.page_size {
            Some(n) if n > 0 => n,
            _ => self.page_size()?,
        };
        Ok(FindIter::new(self.clone(), query.clone(), page_size, read))
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
    /// whether another page follows.
    pub(crate) fn read_page(
        &self,
        params: Value,
        current_page: usize,
        entities_per_page: usize,
    ) -> Result<Page<Value>> {
        let entity_type = params["type"].as_str().unwrap_or_default().to_owned();
        let results = self.call("read", Some(params))?;
        let (entities, info) = entities_of(results, entity_type)?;
        let ids = entities
            .iter()
            .filter_map(|r| r.get("id").and_then(Value::as_i64))
            .collect();
        let (has_next, entity_count) = paging(info.as_ref(), current_page, entities_per_page);
        Ok(Page {
            entities,
            ids,
            has_next,
            entity_count,
        })
    }

    /// `read` of one page decoded into `R`, straight from the answer's bytes; an answer that
    /// does not decode that way (an error, a value of the wrong shape) is read as
    /// [`Client::read_page`] reads it, so its errors are the same and name the record.
    pub(crate) fn read_page_typed<R: Readable>(
        &self,
        params: Value,
        current_page: usize,
        entities_per_page: usize,
    ) -> Result<Page<R>> {
        let entity_type = params["type"].as_str().unwrap_or_default().to_owned();
        match self.call_with("read", Some(params), &decode::read_answer::<R>)? {
            Answered::Fast(page) => {
                let (has_next, entity_count) =
                    paging(page.paging_info.as_ref(), current_page, entities_per_page);
                Ok(Page {
                    entities: page.entities,
                    ids: page.ids,
                    has_next,
                    entity_count,
                })
            }
            Answered::Results(results) => {
                let (records, info) = entities_of(results, entity_type)?;
                let (entities, ids) = decode::decode_records::<R>(records)?;
                let (has_next, entity_count) =
                    paging(info.as_ref(), current_page, entities_per_page);
                Ok(Page {
                    entities,
                    ids,
                    has_next,
                    entity_count,
                })
            }
        }
    }
}

/// A read's records (through the official client's record rules) and its paging info.
fn entities_of(mut results: Value, entity_type: String) -> Result<(Vec<Value>, Option<Value>)> {
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
    Ok((entities, results.get_mut("paging_info").map(Value::take)))
}

/// Whether another page follows, and the site's count. Sites that predate `has_next_page`
/// answer with `entity_count` (and `page_count`); a read of a single page may come without
/// paging info.
fn paging(
    info: Option<&Value>,
    current_page: usize,
    entities_per_page: usize,
) -> (bool, Option<u64>) {
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
    (has_next, number("entity_count"))
}
