//! The lazy, page-by-page result iterator of `find`.

use crate::client::Client;
use crate::error::Result;
use crate::request::Query;
use serde_json::Value;
use std::collections::VecDeque;

/// Records of a [`Query`], fetched one page at a time as the iterator is advanced. At most one
/// page is held in memory. After an error it yields nothing more.
#[derive(Debug)]
pub struct FindIter {
    client: Client,
    query: Query,
    entities_per_page: usize,
    next_page: usize,
    buffer: VecDeque<Value>,
    remaining: Option<usize>,
    done: bool,
}

impl FindIter {
    pub(crate) fn new(client: Client, query: Query, page_size: usize) -> FindIter {
        let (entities_per_page, next_page) = match query.page {
            // One given page of `limit` records (or a full page), as the official client does.
            Some(p) => (query.limit.unwrap_or(page_size).max(1), p.max(1)),
            None => (
                query.limit.map_or(page_size, |l| l.min(page_size)).max(1),
                1,
            ),
        };
        FindIter {
            remaining: query.limit,
            client,
            query,
            entities_per_page,
            next_page,
            buffer: VecDeque::new(),
            done: false,
        }
    }

    /// Records fetched and not yet yielded: at most one page.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// The number of the page the next fetch will ask for (1-based).
    pub fn next_page(&self) -> usize {
        self.next_page
    }

    fn fetch(&mut self) -> Result<()> {
        let params = self
            .query
            .read_params(self.entities_per_page, self.next_page);
        let (entities, has_next) = self.client.read_page(params)?;
        self.next_page += 1;
        if !has_next || entities.is_empty() || self.query.page.is_some() {
            self.done = true;
        }
        self.buffer = entities.into();
        Ok(())
    }
}

impl Iterator for FindIter {
    type Item = Result<Value>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == Some(0) {
            return None;
        }
        if self.buffer.is_empty() {
            if self.done {
                return None;
            }
            if let Err(e) = self.fetch() {
                self.done = true;
                self.buffer.clear();
                return Some(Err(e));
            }
        }
        let item = self.buffer.pop_front()?;
        if let Some(r) = &mut self.remaining {
            *r -= 1;
        }
        Some(Ok(item))
    }
}
