//! `read` by id: a query's records in id order, each page asked for as "id greater than the last
//! id read" rather than by page number, so that records created or deleted during the read
//! cannot shift the pages under it; id ranges are read side by side.

use super::read::{read_filled, Fill, Page, ReadPage};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::request::{Direction, Filter, Query, Sort};
use serde_json::Value;
use sg_api3::methods::read::ReadParams;
use std::collections::VecDeque;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

impl Client {
    /// The records `query` matches, in id order, read so that a table that changes during the
    /// read cannot make it skip or repeat a record: every record that exists from the start of
    /// the read to its end comes exactly once. Records created or deleted meanwhile may come
    /// or not.
    ///
    /// Use it for reads that must be whole on a busy site: a sync, an export, a report over a
    /// table others are writing to. [`Client::find`] asks for pages by number, as the official
    /// client does; a record deleted from a page already read shifts every later record one
    /// place back, and the next page starts one record late (one is skipped); a record created
    /// ahead of the pages read shifts them forward (one is read twice).
    ///
    /// Each page is asked for with the query's filter and `id greater than` the last id read,
    /// sorted by id. The first page also asks for the count and, beside it, the highest id;
    /// the ids past the first page are then cut into ranges of about a page each, read side
    /// by side (up to the client's
    /// [`max_concurrent_requests`](crate::ClientBuilder::max_concurrent_requests) at once),
    /// and handed over in id order. The last range has no upper bound, so records created
    /// past the highest id are read too. Memory holds at most two pages per range being read.
    /// `limit`
    /// applies; a query with sorts or a page number is refused (records come in id order, and
    /// pages are not numbered). Errors are as [`Client::find`]'s: a page that fails is tried
    /// again on its own, and then its error names its place in the read ([`Error::Page`]).
    ///
    /// Query fields the query names ([`Query::with_query_fields`]) are computed for each page,
    /// as [`Client::find`] does.
    pub fn find_by_id(&self, query: &Query) -> Result<IdIter> {
        if query.query_fields.is_empty() {
            return self.find_by_id_as(query, Client::read_page);
        }
        let (read, fill) = self.query_fields_read(query)?;
        let mut pages = self.find_by_id_as(&read, Client::read_page)?;
        pages.fill = Some(fill);
        Ok(pages)
    }

    /// [`Client::find_by_id`] with pages read and decoded by `read`.
    pub(crate) fn find_by_id_as<R: Send + 'static>(
        &self,
        query: &Query,
        read: ReadPage<R>,
    ) -> Result<IdIter<R>> {
        query.check_limit()?;
        let refuse = |what: &str| {
            Err(Error::InvalidRequest(format!(
                "read by id of {}: records come in id order, one page after an id; the query's {what} cannot apply",
                query.entity_type
            )))
        };
        if !query.sorts.is_empty() {
            let sorts: Vec<&str> = query.sorts.iter().map(|s| s.field.as_str()).collect();
            return refuse(&format!("sorts ({})", sorts.join(", ")));
        }
        if let Some(page) = query.page {
            return refuse(&format!("page number ({page})"));
        }
        let page_size = match query.page_size {
            Some(n) if n > 0 => n,
            _ => self.page_size()?,
        };
        let per_page = match query.limit {
            Some(limit) => limit.min(page_size),
            None => page_size,
        };
        Ok(IdIter {
            client: self.clone(),
            read,
            query: query.clone(),
            per_page: per_page.max(1),
            started: false,
            ranges: VecDeque::new(),
            pending: VecDeque::new(),
            buffer: VecDeque::new(),
            remaining: query.limit,
            pages_read: 0,
            done: false,
            fill: None,
        })
    }
}

/// What a range's thread hands over.
enum Message<R> {
    /// The next page of the range, or why it could not be read.
    Page(Result<Page<R>>),
    /// The range is read whole.
    End,
}

/// Records of a read by id ([`Client::find_by_id`]), in id order. After an error it yields
/// nothing more.
pub struct IdIter<R = Value> {
    client: Client,
    read: ReadPage<R>,
    query: Query,
    per_page: usize,
    /// Whether the first page was asked for.
    started: bool,
    /// The ranges being read, in id order, not yet handed over whole: the pages their
    /// threads read (at most the client's limit of them at once).
    ranges: VecDeque<Receiver<Message<R>>>,
    /// The ranges not yet asked for, in id order.
    pending: VecDeque<(i64, Option<i64>)>,
    buffer: VecDeque<R>,
    remaining: Option<usize>,
    /// Pages handed over so far.
    pages_read: usize,
    done: bool,
    /// Work on each page's records before they are handed over (query fields), on the thread
    /// that read the page.
    fill: Option<Fill<R>>,
}

impl<R> std::fmt::Debug for IdIter<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdIter")
            .field("query", &self.query)
            .field("ranges", &self.ranges.len())
            .field("buffered", &self.buffer.len())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// The params of one page: the query's filter and `after < id < before`, in id order (or
/// highest first, for the highest id).
fn params(
    query: &Query,
    per_page: usize,
    after: Option<i64>,
    before: Option<i64>,
    direction: Direction,
    counts: bool,
) -> ReadParams {
    let mut q = query.clone();
    let mut conditions: Vec<Filter> = q.filter.take().into_iter().collect();
    if let Some(after) = after {
        conditions.push(Filter::cond("id", "greater_than", [after]));
    }
    if let Some(before) = before {
        conditions.push(Filter::cond("id", "less_than", [before]));
    }
    q.filter = match conditions.len() {
        0 => None,
        1 => conditions.pop(),
        _ => Some(Filter::and(conditions)),
    };
    q.sorts = vec![Sort {
        field: "id".into(),
        direction,
    }];
    q.read_params(per_page, 1, !counts)
}

/// The bounds `(after, before)` of `n` ranges of about equal width over the ids after `low`
/// up to `high`; the last range has no upper bound.
fn ranges(low: i64, high: i64, n: usize) -> Vec<(i64, Option<i64>)> {
    let width = i128::from(high) - i128::from(low);
    let mut cuts: Vec<i64> = (1..n as i128)
        .map(|i| (i128::from(low) + width * i / n as i128 + 1) as i64)
        .filter(|c| *c > low + 1)
        .collect();
    cuts.dedup();
    let mut bounds = Vec::with_capacity(cuts.len() + 1);
    let mut after = low;
    for cut in cuts {
        bounds.push((after, Some(cut)));
        after = cut - 1;
    }
    bounds.push((after, None));
    bounds
}

/// Reads one range page after page, each after the last id of the one before, until the site
/// says no page follows or the iterator is gone.
fn read_range<R>(
    client: Client,
    read: ReadPage<R>,
    fill: Option<Fill<R>>,
    query: Query,
    per_page: usize,
    (mut after, before): (i64, Option<i64>),
    pages: SyncSender<Message<R>>,
) {
    loop {
        let page = read_filled(
            &client,
            read,
            fill.as_ref(),
            params(&query, per_page, Some(after), before, Direction::Asc, false),
        );
        let next = match &page {
            Ok(p) if p.has_next && !p.entities.is_empty() => p.ids.last().copied(),
            _ => None,
        };
        if let Some(last) = next.filter(|last| *last <= after) {
            let _ = pages.send(Message::Page(Err(Error::Malformed {
                method: "read".into(),
                entity_type: Some(query.entity_type.clone()),
                detail: format!(
                    "asked for ids greater than {after}, the site answered id {last} last"
                ),
            })));
            return;
        }
        let failed = page.is_err();
        if pages.send(Message::Page(page)).is_err() || failed {
            return;
        }
        match next {
            Some(last) => after = last,
            None => break,
        }
    }
    let _ = pages.send(Message::End);
}

impl<R: Send + 'static> IdIter<R> {
    /// Reads the first page (and, beside it, the highest id), then sets the ranges after it
    /// reading.
    fn start(&mut self) -> Result<()> {
        let window = self.client.max_concurrent_requests();
        // The highest id, untyped: only its id is read.
        let highest = (window > 1).then(|| {
            let (client, mut q) = (self.client.clone(), self.query.clone());
            q.fields.clear();
            std::thread::spawn(move || {
                client.read_page(params(&q, 1, None, None, Direction::Desc, false))
            })
        });
        let first = (self.read)(
            &self.client,
            params(&self.query, self.per_page, None, None, Direction::Asc, true),
        )?;
        self.pages_read = 1;
        let wanted = self
            .remaining
            .map(|r| r.saturating_sub(first.entities.len()));
        let last = first.ids.last().copied();
        let count = first.entity_count;
        let more = first.has_next && wanted != Some(0);
        self.buffer = first.entities.into();
        let Some(low) = last.filter(|_| more) else {
            return self.fill_first();
        };
        let high = match highest {
            Some(handle) => {
                let page = handle.join().unwrap_or_else(|_| {
                    Err(Error::InvalidRequest(
                        "read by id: the thread asking for the highest id panicked".into(),
                    ))
                })?;
                page.ids.first().copied().unwrap_or(low)
            }
            None => low,
        };
        // Ranges of about a page each (by the count and the limit), so that the client's limit
        // of them are read at once while they are handed over in order. A range denser than
        // the rest is read page after page by its own thread.
        let left = match (count, wanted) {
            (Some(c), Some(w)) => (c as usize).saturating_sub(self.buffer.len()).min(w),
            (Some(c), None) => (c as usize).saturating_sub(self.buffer.len()),
            (None, Some(w)) => w,
            (None, None) => window * self.per_page,
        };
        let n = left.div_ceil(self.per_page).max(1);
        self.pending = ranges(low, high, n).into();
        self.ask_ahead();
        // The first page is filled once the ranges after it are being read.
        self.fill_first()
    }

    /// Fills the first page, in the buffer.
    fn fill_first(&mut self) -> Result<()> {
        if let Some(fill) = &self.fill {
            let mut records: Vec<R> = self.buffer.drain(..).collect();
            fill(&self.client, &mut records)?;
            self.buffer = records.into();
        }
        Ok(())
    }

    /// Starts reading the pending ranges, in order, up to the client's limit at once.
    fn ask_ahead(&mut self) {
        let window = self.client.max_concurrent_requests();
        while self.ranges.len() < window {
            let Some(bounds) = self.pending.pop_front() else {
                return;
            };
            let (sender, receiver) = sync_channel(1);
            let (client, read, query) = (self.client.clone(), self.read, self.query.clone());
            let (per_page, fill) = (self.per_page, self.fill.clone());
            std::thread::spawn(move || {
                read_range(client, read, fill, query, per_page, bounds, sender)
            });
            self.ranges.push_back(receiver);
        }
    }

    /// Fills the buffer with the next page, in id order; `Ok(false)` at the end.
    fn fetch(&mut self) -> Result<bool> {
        if !self.started {
            self.started = true;
            self.start()?;
            return Ok(true);
        }
        loop {
            let Some(range) = self.ranges.front() else {
                return Ok(false);
            };
            match range.recv() {
                Ok(Message::Page(page)) => {
                    self.pages_read += 1;
                    let page = page.map_err(|e| Error::Page {
                        page: self.pages_read,
                        cause: Box::new(e),
                    })?;
                    self.buffer = page.entities.into();
                    return Ok(true);
                }
                Ok(Message::End) => {
                    self.ranges.pop_front();
                    self.ask_ahead();
                }
                Err(_) => {
                    return Err(Error::InvalidRequest(
                        "read by id: a range's thread stopped before its end".into(),
                    ))
                }
            }
        }
    }
}

impl<R: Send + 'static> Iterator for IdIter<R> {
    type Item = Result<R>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.remaining == Some(0) {
                return None;
            }
            if let Some(item) = self.buffer.pop_front() {
                if let Some(r) = &mut self.remaining {
                    *r -= 1;
                    if *r == 0 {
                        // The threads still reading stop at their next page.
                        self.ranges.clear();
                        self.pending.clear();
                    }
                }
                return Some(Ok(item));
            }
            if self.done {
                return None;
            }
            match self.fetch() {
                Ok(true) => {}
                Ok(false) => self.done = true,
                Err(e) => {
                    self.done = true;
                    self.ranges.clear();
                    self.pending.clear();
                    return Some(Err(e));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ranges;

    #[test]
    fn ranges_cover_every_id_after_the_first_page_once() {
        for (low, high, n) in [
            (10, 1000, 4),
            (10, 12, 8),
            (0, 1, 3),
            (5, 5, 2),
            (1, 100, 1),
        ] {
            let r = ranges(low, high, n);
            assert!(r.len() <= n.max(1), "{r:?}");
            assert_eq!(r[0].0, low);
            assert_eq!(r.last().unwrap().1, None, "the last range is open");
            for id in low + 1..high + 50 {
                let holding = r
                    .iter()
                    .filter(|(after, before)| id > *after && before.is_none_or(|b| id < b))
                    .count();
                assert_eq!(holding, 1, "id {id} in {r:?}");
            }
        }
        assert_eq!(
            ranges(0, 400, 4),
            [
                (0, Some(101)),
                (100, Some(201)),
                (200, Some(301)),
                (300, None)
            ]
        );
    }
}
