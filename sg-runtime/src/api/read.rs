//! `read`: `find`, `find_all`, `find_one`, the lazy page-by-page [`FindIter`], and one page of
//! a read, untyped or decoded by a reader the typed layer gives (so this layer never names the
//! typed one).

use crate::client::{Answered, Client};
use crate::error::{Error, Result};
use crate::records::parse_records;
use crate::request::Query;
use serde_json::Value;
use sg_api3::methods::read::{PagingInfo, ReadAnswer, ReadParams};
use sg_api3::methods::Read;
use std::collections::VecDeque;

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

/// A page's records and ids as a reader decoded them, with the answer's paging info.
pub(crate) struct DecodedPage<R> {
    pub(crate) entities: Vec<R>,
    pub(crate) ids: Vec<i64>,
    pub(crate) paging_info: Option<PagingInfo>,
}

/// How one page is read and decoded: untyped (`Client::read_page`) or typed.
pub(crate) type ReadPage<R> = fn(&Client, ReadParams) -> Result<Page<R>>;

/// Decodes a page's records from the answer's bytes (`None`: read them through `Value`).
pub(crate) type FastRead<'a, R> = dyn Fn(&[u8]) -> Option<DecodedPage<R>> + 'a;

/// Decodes records already parsed (and put through the record rules) into `R`s, with their ids.
pub(crate) type SlowRead<R> = fn(Vec<Value>) -> Result<(Vec<R>, Vec<i64>)>;

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
    pub(crate) fn read_page(&self, params: ReadParams) -> Result<Page<Value>> {
        self.read_page_as(params, &|_| None, |records| {
            let ids = records
                .iter()
                .filter_map(|r| r.get("id").and_then(Value::as_i64))
                .collect();
            Ok((records, ids))
        })
    }

    /// `read` of one page decoded into `R`: straight from the answer's bytes by `fast`, else
    /// (an error, a value of the wrong shape) through `Value` by `slow`, so that errors are the
    /// same as [`Client::read_page`]'s and name the record.
    pub(crate) fn read_page_as<R>(
        &self,
        params: ReadParams,
        fast: &FastRead<'_, R>,
        slow: SlowRead<R>,
    ) -> Result<Page<R>> {
        let Some(paging) = params.paging else {
            return Err(Error::InvalidRequest(
                "read: a page read needs paging".into(),
            ));
        };
        let decoded = match self.call_with::<Read, _>(params, fast)? {
            Answered::Fast(page) => page,
            Answered::Results(ReadAnswer {
                mut entities,
                paging_info,
            }) => {
                parse_records(&mut entities);
                let (entities, ids) = slow(entities)?;
                DecodedPage {
                    entities,
                    ids,
                    paging_info,
                }
            }
        };
        let (has_next, entity_count) = has_next(
            decoded.paging_info.as_ref(),
            paging.current_page,
            paging.entities_per_page,
        );
        Ok(Page {
            entities: decoded.entities,
            ids: decoded.ids,
            has_next,
            entity_count,
        })
    }
}

/// Whether another page follows, and the site's count. Sites that predate `has_next_page`
/// answer with `entity_count` (and `page_count`); a read of a single page may come without
/// paging info.
fn has_next(info: Option<&PagingInfo>, current_page: u64, per_page: u64) -> (bool, Option<u64>) {
    let count = info.and_then(|i| i.entity_count);
    let next = match info.and_then(|i| i.has_next_page) {
        Some(next) => next,
        None => match (info.and_then(|i| i.page_count), count) {
            (Some(pages), _) => current_page < pages,
            (None, Some(count)) => current_page * per_page < count,
            // No paging info: the answer is the only page.
            (None, None) => false,
        },
    };
    (next, count)
}

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
        let page = (self.read)(&self.client, params)?;
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
