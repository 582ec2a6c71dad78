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
use std::sync::Arc;

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

/// Work on a page's records once read: query fields.
pub(crate) type Fill<R> = Arc<dyn Fn(&Client, &mut Vec<R>) -> Result<()> + Send + Sync>;

/// How one page is read and decoded: untyped (`Client::read_page`) or typed.
pub(crate) type ReadPage<R> = fn(&Client, ReadParams) -> Result<Page<R>>;

/// Decodes a page's records from the answer's bytes (`None`: read them through `Value`).
pub(crate) type FastRead<'a, R> = dyn Fn(&[u8]) -> Option<DecodedPage<R>> + 'a;

/// Decodes records already parsed (and put through the record rules) into `R`s, with their ids.
pub(crate) type SlowRead<R> = fn(Vec<Value>) -> Result<(Vec<R>, Vec<i64>)>;

impl Client {
    /// A lazy iterator over the records `query` matches, fetched one page at a time, so memory
    /// holds one page whatever the size of the result.
    ///
    /// Query fields the query names ([`Query::with_query_fields`]) are computed for each page
    /// as it arrives (see [`Client::fill_query_fields`]).
    pub fn find(&self, query: &Query) -> Result<FindIter> {
        if query.query_fields.is_empty() {
            return self.find_as(query, Client::read_page);
        }
        let (read, fill) = self.query_fields_read(query)?;
        let mut pages = self.find_as(&read, Client::read_page)?;
        pages.fill = Some(fill);
        Ok(pages)
    }

    /// [`Client::find`] with pages read and decoded by `read`.
    pub(crate) fn find_as<R: Send + 'static>(
        &self,
        query: &Query,
        read: ReadPage<R>,
    ) -> Result<FindIter<R>> {
        query.check_limit()?;
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

/// Page `params` read by `read`, then `fill`ed.
pub(crate) fn read_filled<R>(
    client: &Client,
    read: ReadPage<R>,
    fill: Option<&Fill<R>>,
    params: sg_api3::methods::read::ReadParams,
) -> Result<Page<R>> {
    let mut page = read(client, params)?;
    if let Some(fill) = fill {
        fill(client, &mut page.entities)?;
    }
    Ok(page)
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

/// Records of a [`Query`], fetched page by page. Records are `serde_json::Value`s from
/// [`Client::find`], typed from a typed read ([`crate::typed::Find::iter`]), decoded straight
/// from each answer's bytes. After an error it yields nothing more.
///
/// The pages after the first are fetched ahead of the caller, several at once (up to the
/// client's [`max_concurrent_requests`](crate::ClientBuilder::max_concurrent_requests)), and
/// handed over in order: a read of many pages waits about one round trip per that many pages,
/// not one per page, and the caller works on one page while the next ones arrive. Memory holds
/// the page being handed over and the pages in flight, at most. To ask for no page past the
/// end, the first page of such a read asks the site for its counts (as the official client's
/// `find` did before `return_paging_info_without_counts`), and the pages it counted are then
/// asked for; should more follow (records created meanwhile), they are read on as usual. A
/// page that fails is tried again on its own, as any read is; if it still fails, the error
/// names the page ([`Error::Page`]). A client limited to one request at a time reads page after
/// page, sending exactly what the official client sends.
///
/// Which pages are asked for follows the official client's `find` exactly, and so do the
/// records and their order:
/// * pages hold the site's `records_per_page` (`api_max_entities_per_page`, or the query's
///   [`page_size`](Query::page_size)); a `limit` at or under that size asks for `limit` records
///   per page and, with no `page`, reads one page only;
/// * with a `page`, that one page is read (of `limit` records when the limit fits a page, else of
///   a full page) and returned whole;
/// * otherwise pages are read until the site says there is no next page, and the records are
///   cut at `limit`.
///
/// Page numbers over a table that changes while it is read can skip or repeat records (a record
/// created or deleted before the page being read shifts the pages after it); a read that must
/// not, reads by id: [`Client::find_by_id`].
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
    /// The page the next fetch hands over (1-based).
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
    /// Pages asked for ahead and not yet handed over, in order, from `next_page` on.
    ahead: VecDeque<std::thread::JoinHandle<Result<Page<R>>>>,
    /// How many pages to keep asked for ahead (0: page after page).
    window: usize,
    /// The last page worth asking for: what a `limit` needs, or what the site counted.
    last_page: Option<usize>,
    /// Work on each page's records before they are handed over (query fields), on the thread
    /// that read the page.
    fill: Option<Fill<R>>,
}

impl<R> std::fmt::Debug for FindIter<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FindIter")
            .field("query", &self.query)
            .field("next_page", &self.next_page)
            .field("buffered", &self.buffer.len())
            .field("ahead", &self.ahead.len())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<R: Send + 'static> FindIter<R> {
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
        let remaining = if page.is_some() { None } else { query.limit };
        let window = match client.max_concurrent_requests() {
            1 => 0,
            n => n,
        };
        FindIter {
            // A single page comes back whole, as from the official client.
            remaining,
            single_page: page.is_some(),
            next_page: page.unwrap_or(1),
            last_page: remaining.map(|l| l.div_ceil(entities_per_page).max(1)),
            window,
            client,
            read,
            query,
            entities_per_page,
            buffer: VecDeque::new(),
            done: false,
            last_ids: Vec::new(),
            pages_read: 0,
            ahead: VecDeque::new(),
            fill: None,
        }
    }

    /// Pages read so far.
    pub(crate) fn pages_read(&self) -> usize {
        self.pages_read
    }

    /// Records fetched and not yet yielded: at most one page.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// The number of the page the next fetch will hand over (1-based).
    pub fn next_page(&self) -> usize {
        self.next_page
    }

    /// Pages asked for ahead of the caller and not yet handed over.
    pub fn pages_ahead(&self) -> usize {
        self.ahead.len()
    }

    /// The params of page `n`. The official client asks whether another page follows, without
    /// the counts; a read that fetches ahead asks the first page for the counts instead, to ask
    /// for no page past the end.
    fn params(&self, n: usize) -> sg_api3::methods::read::ReadParams {
        let counts = self.window > 0 && n == 1;
        self.query
            .read_params(self.entities_per_page, n, !self.single_page && !counts)
    }

    /// Reads page `n` on a thread of its own.
    fn ask(&self, n: usize) -> std::thread::JoinHandle<Result<Page<R>>> {
        let params = self.params(n);
        let (client, read, fill) = (self.client.clone(), self.read, self.fill.clone());
        std::thread::spawn(move || read_filled(&client, read, fill.as_ref(), params))
    }

    /// Asks for the pages after `next_page - 1`, up to the window, the last page worth asking
    /// for and the client's page cap.
    fn ask_ahead(&mut self) {
        let cap = self
            .last_page
            .unwrap_or(usize::MAX)
            .min(self.client.max_pages());
        while self.ahead.len() < self.window {
            let n = self.next_page + self.ahead.len();
            if n > cap {
                break;
            }
            let handle = self.ask(n);
            self.ahead.push_back(handle);
        }
    }

    fn fetch(&mut self) -> Result<()> {
        let number = self.next_page;
        let mut inline = false;
        let page = match self.ahead.pop_front() {
            Some(handle) => handle.join().unwrap_or_else(|_| {
                Err(Error::InvalidRequest(
                    "read: a page's thread panicked".into(),
                ))
            }),
            // Read here, and filled below, once the pages after it are asked for.
            None => {
                inline = true;
                (self.read)(&self.client, self.params(number))
            }
        };
        // Past the first page of a read of many, an error says which page failed.
        let single_page = self.single_page;
        let at_page = move |e: Error| match number {
            1 => e,
            _ if single_page => e,
            _ => Error::Page {
                page: number,
                cause: Box::new(e),
            },
        };
        let page = page.map_err(at_page)?;
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
        // Records the limit still wants once this page is handed over.
        let wanted = self
            .remaining
            .map(|r| r.saturating_sub(page.entities.len()));
        if self.single_page || !page.has_next || page.entities.is_empty() || wanted == Some(0) {
            self.done = true;
            // Pages asked for past the end: their answers are not wanted.
            self.ahead.clear();
        } else {
            if let (1, Some(count)) = (number, page.entity_count) {
                // The pages the site counted; past them, pages are asked for only if the last
                // one says more follow.
                let counted = (count as usize).div_ceil(self.entities_per_page).max(1);
                self.last_page = Some(self.last_page.map_or(counted, |l| l.min(counted)));
            }
            if self.next_page > self.last_page.unwrap_or(usize::MAX) && self.ahead.is_empty() {
                // More follow than were counted or than the limit's pages held (records
                // created or deleted meanwhile): read on, as far as the limit still needs.
                self.last_page =
                    wanted.map(|w| self.next_page - 1 + w.div_ceil(self.entities_per_page));
            }
            self.ask_ahead();
        }
        let mut entities = page.entities;
        if let (true, Some(fill)) = (inline, &self.fill) {
            fill(&self.client, &mut entities).map_err(at_page)?;
        }
        self.buffer = entities.into();
        Ok(())
    }
}

impl<R: Send + 'static> Iterator for FindIter<R> {
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
                self.ahead.clear();
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
