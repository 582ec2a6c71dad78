//! The lazy, page-by-page result iterator of `find`.

use crate::api::read::Page;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::request::Query;
use serde_json::Value;
use std::collections::VecDeque;

/// How one page is read and decoded: untyped (`Client::read_page`) or typed.
pub(crate) type ReadPage<R> = fn(&Client, Value, usize, usize) -> Result<Page<R>>;

/// Records of a [`Query`], fetched one page at a time as the iterator is advanced. At most one
/// page is held in memory. After an error it yields nothing more. Records are
/// `serde_json::Value`s from [`Client::find`], typed from a typed read
/// ([`crate::typed::Find::iter`]), decoded straight from each answer's bytes.
///
/// Which pages are asked for follows the official client's `find` exactly:
/// * pages hold the site's `records_per_page` (`api_max_entities_per_page`, or the query's
///   [`page_size`](Query::page_size)); a `limit` at or under that size asks for `limit` records
///   per page and, with no `page`, reads one page only;
/// * with a `page`, that one page is read (of `limit` records when the limit fits a page, else of
///   a full page) and returned whole;
/// * otherwise pages are read until the site says there is no next page, and the records are
///   cut at `limit`.
///
/// A site that always says another page follows cannot keep it reading forever: it stops with an
/// error when a page repeats the previous one, when more pages were read than the site's
/// `entity_count` allows (where it gives one), or after
/// [`ClientBuilder::max_pages`](crate::ClientBuilder::max_pages) pages.
pub struct FindIter<R = Value> {
    client: Client,
    read: ReadPage<R>,
    query: Query,
    entities_per_page: usize,
    next_page: usize,
    /// Only this one page is read (the official client's "page != 0" path).
    single_page: bool,
    buffer: VecDeque<R>,
    remaining: Option<usize>,
    done: bool,
    /// The ids of the last page read, to notice a site that serves the same page again.
    last_ids: Vec<i64>,
    /// Pages read so far.
    pages_read: usize,
}

impl<R> std::fmt::Debug for FindIter<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FindIter")
            .field("query", &self.query)
            .field("next_page", &self.next_page)
            .field("buffered", &self.buffer.len())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<R> FindIter<R> {
    pub(crate) fn new(
        client: Client,
        query: Query,
        records_per_page: usize,
        read: ReadPage<R>,
    ) -> FindIter<R> {
        let records_per_page = records_per_page.max(1);
        let mut entities_per_page = records_per_page;
        let mut page = query.page;
        if let Some(limit) = query.limit.filter(|l| *l <= records_per_page) {
            entities_per_page = limit;
            // "If page isn't set and the limit doesn't require pagination, then trigger the
            // faster code path" (shotgun_api3 `find`).
            page.get_or_insert(1);
        }
        FindIter {
            // A single page comes back whole, as from the official client.
            remaining: if page.is_some() { None } else { query.limit },
            single_page: page.is_some(),
            next_page: page.unwrap_or(1),
            client,
            read,
            query,
            entities_per_page,
            buffer: VecDeque::new(),
            done: false,
            last_ids: Vec::new(),
            pages_read: 0,
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
        let params =
            self.query
                .read_params(self.entities_per_page, self.next_page, !self.single_page);
        let page = (self.read)(&self.client, params, self.next_page, self.entities_per_page)?;
        self.pages_read += 1;
        let ids = page.ids;
        let endless = |why: String| Error::Malformed {
            method: "read".into(),
            entity_type: Some(self.query.entity_type.clone()),
            detail: format!(
                "stopped paging at page {}: {why}; the site keeps saying another page follows",
                self.next_page
            ),
        };
        if !ids.is_empty() && ids == self.last_ids {
            return Err(endless("it repeats the previous page".into()));
        }
        if let Some(count) = page.entity_count {
            // Records added while paging shift pages: allow a tenth more, and one page.
            let bound = (count + count / 10) / self.entities_per_page as u64 + 2;
            if self.pages_read as u64 > bound {
                return Err(endless(format!("the site counted {count} records")));
            }
        }
        let max_pages = self.client.max_pages();
        if page.has_next && self.pages_read >= max_pages {
            return Err(endless(format!(
                "{max_pages} pages read, the most this client reads for one query (`ClientBuilder::max_pages`)"
            )));
        }
        self.last_ids = ids;
        self.next_page += 1;
        if self.single_page || !page.has_next || page.entities.is_empty() {
            self.done = true;
        }
        self.buffer = page.entities.into();
        Ok(())
    }
}

impl<R> Iterator for FindIter<R> {
    type Item = Result<R>;

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
