//! Bulk writes: any number of batch requests, sent as `batch` calls of a size a site takes,
//! several at once, and reported chunk by chunk.

use crate::client::Client;
use crate::error::Error;
use crate::request::BatchRequest;
use serde_json::Value;
use std::ops::Range;

/// Requests in one chunk of a bulk write, unless told otherwise. A chunk is one `batch`: one
/// transaction on the site, which holds its locks until the last request of the chunk is
/// done. A hundred creates take a site a second or two, far from the time after which a
/// gateway gives up on a request (and leaves its outcome unknown); ten times more gains little
/// once chunks go several at once.
pub const DEFAULT_CHUNK_SIZE: usize = 100;

/// The most bytes of JSON one chunk carries: a chunk of large requests (long descriptions,
/// many links) ends early, well under the request size a site takes.
pub const MAX_CHUNK_BYTES: usize = 8 * 1024 * 1024;

impl Client {
    /// A bulk write of `requests`, of any number: split into chunks of
    /// [`DEFAULT_CHUNK_SIZE`] requests (or [`BulkWrite::chunk_size`]), each sent as one
    /// [`batch`](Client::batch), up to the client's
    /// [`max_concurrent_requests`](crate::ClientBuilder::max_concurrent_requests) chunks at
    /// once. Nothing is sent until [`BulkWrite::send`].
    ///
    /// Each chunk is its own transaction: it lands whole or not at all, and a chunk that fails
    /// does not undo the others (nor stop them). The [`BulkReport`] says, chunk by chunk, what
    /// landed, what did not, and what may have. With an idempotency key on every create
    /// ([`BatchRequest::Create::idempotency_key`](crate::BatchRequest::Create)), a chunk left
    /// unknown by a fault is looked for and sent again only if it did not land, as
    /// [`create_once`](Client::create_once) does: every chunk then lands exactly once.
    pub fn bulk<'a>(&self, requests: &'a [BatchRequest]) -> BulkWrite<'a> {
        BulkWrite {
            client: self.clone(),
            requests,
            chunk_size: DEFAULT_CHUNK_SIZE,
            progress: None,
            serial: 0,
        }
    }
}

/// The progress callback of a bulk write.
type Progress<'a> = Box<dyn FnMut(&BulkProgress) + 'a>;

/// A bulk write waiting to be sent ([`Client::bulk`]).
pub struct BulkWrite<'a> {
    client: Client,
    requests: &'a [BatchRequest],
    chunk_size: usize,
    progress: Option<Progress<'a>>,
    /// The typed batch the requests come from (0: none).
    serial: u64,
}

impl std::fmt::Debug for BulkWrite<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkWrite")
            .field("requests", &self.requests.len())
            .field("chunk_size", &self.chunk_size)
            .finish_non_exhaustive()
    }
}

/// How far a bulk write has come, handed to its progress callback after each chunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BulkProgress {
    /// Chunks answered (landed or failed).
    pub chunks_done: usize,
    /// Chunks in all.
    pub chunks: usize,
    /// Requests in chunks that landed.
    pub landed: usize,
    /// Requests in chunks that failed.
    pub failed: usize,
    /// Requests in all.
    pub requests: usize,
}

/// What happened to one chunk of a bulk write.
#[derive(Debug)]
pub enum ChunkOutcome {
    /// It landed: one result per request, as [`Client::batch`] answers.
    Landed(Vec<Value>),
    /// It did not land (the site refused it, or it never left): nothing of it was applied.
    NotApplied(Error),
    /// It may have landed or not ([`Error::MayHaveBeenApplied`]): only chunks without
    /// idempotency keys end so.
    Unknown(Error),
}

/// One chunk of a bulk write: which requests, and what became of them.
#[derive(Debug)]
pub struct ChunkReport {
    /// The requests of the chunk, as indices into the requests given.
    pub requests: Range<usize>,
    /// What became of them.
    pub outcome: ChunkOutcome,
}

/// What a bulk write did, chunk by chunk, in the order of its requests.
#[derive(Debug)]
pub struct BulkReport {
    chunks: Vec<ChunkReport>,
    serial: u64,
}

impl<'a> BulkWrite<'a> {
    /// Requests per chunk (at least 1); a chunk also ends before [`MAX_CHUNK_BYTES`] of JSON.
    pub fn chunk_size(mut self, n: usize) -> Self {
        self.chunk_size = n.max(1);
        self
    }

    /// Calls `progress` after each chunk is answered, on the caller's thread: to draw a
    /// progress bar, or log.
    pub fn progress(mut self, progress: impl FnMut(&BulkProgress) + 'a) -> Self {
        self.progress = Some(Box::new(progress));
        self
    }

    pub(crate) fn for_batch(mut self, serial: u64) -> Self {
        self.serial = serial;
        self
    }

    /// Sends the chunks, several at once, and waits for every one of them.
    pub fn send(mut self) -> BulkReport {
        let chunks = chunks(self.requests, self.chunk_size, MAX_CHUNK_BYTES);
        let mut outcomes: Vec<Option<ChunkOutcome>> = chunks.iter().map(|_| None).collect();
        let mut done = BulkProgress {
            chunks_done: 0,
            chunks: chunks.len(),
            landed: 0,
            failed: 0,
            requests: self.requests.len(),
        };
        let (client, requests) = (&self.client, self.requests);
        let progress = &mut self.progress;
        client.side_by_side(
            &chunks,
            |range| client.batch(&requests[range.clone()]),
            |i, answer| {
                let size = chunks[i].len();
                let outcome = match answer {
                    Ok(results) => {
                        done.landed += size;
                        ChunkOutcome::Landed(results)
                    }
                    Err(e) => {
                        done.failed += size;
                        if e.may_have_been_applied() {
                            ChunkOutcome::Unknown(e)
                        } else {
                            ChunkOutcome::NotApplied(e)
                        }
                    }
                };
                outcomes[i] = Some(outcome);
                done.chunks_done += 1;
                if let Some(progress) = progress {
                    progress(&done);
                }
            },
        );
        BulkReport {
            chunks: chunks
                .into_iter()
                .zip(outcomes)
                .map(|(requests, outcome)| ChunkReport {
                    outcome: outcome.unwrap_or_else(|| {
                        ChunkOutcome::NotApplied(Error::InvalidRequest(
                            "bulk write: the chunk's thread stopped before sending it".into(),
                        ))
                    }),
                    requests,
                })
                .collect(),
            serial: self.serial,
        }
    }
}

/// The chunks of `requests`: `size` requests each, or fewer where the JSON would pass `bytes`
/// (a request larger than that alone is a chunk of its own).
fn chunks(requests: &[BatchRequest], size: usize, bytes: usize) -> Vec<Range<usize>> {
    let mut chunks = Vec::new();
    let (mut start, mut used) = (0, 0);
    for (i, r) in requests.iter().enumerate() {
        let len = serde_json::to_vec(&r.to_wire()).map_or(0, |v| v.len()) + 1;
        if i > start && (i - start == size || used + len > bytes) {
            chunks.push(start..i);
            (start, used) = (i, 0);
        }
        used += len;
    }
    if start < requests.len() {
        chunks.push(start..requests.len());
    }
    chunks
}

impl BulkReport {
    /// The chunks, in the order of the requests.
    pub fn chunks(&self) -> &[ChunkReport] {
        &self.chunks
    }

    /// Requests in chunks that landed.
    pub fn landed(&self) -> usize {
        self.count(|o| matches!(o, ChunkOutcome::Landed(_)))
    }

    /// Requests in chunks that did not land: safe to send again.
    pub fn not_applied(&self) -> usize {
        self.count(|o| matches!(o, ChunkOutcome::NotApplied(_)))
    }

    /// Requests in chunks that may have landed or not: look before sending them again.
    pub fn unknown(&self) -> usize {
        self.count(|o| matches!(o, ChunkOutcome::Unknown(_)))
    }

    fn count(&self, which: impl Fn(&ChunkOutcome) -> bool) -> usize {
        self.chunks
            .iter()
            .filter(|c| which(&c.outcome))
            .map(|c| c.requests.len())
            .sum()
    }

    /// Whether every chunk landed.
    pub fn is_complete(&self) -> bool {
        self.chunks
            .iter()
            .all(|c| matches!(c.outcome, ChunkOutcome::Landed(_)))
    }

    /// The result of request `index`, if its chunk landed.
    pub fn result(&self, index: usize) -> Option<&Value> {
        let chunk = self.chunks.iter().find(|c| c.requests.contains(&index))?;
        match &chunk.outcome {
            ChunkOutcome::Landed(results) => results.get(index - chunk.requests.start),
            _ => None,
        }
    }

    /// Every request's result, in order, if every chunk landed; else the first chunk that did
    /// not, as an error that says how much of the write landed ([`Error::Bulk`]). The results
    /// of the chunks that landed are in the report: keep it where they matter.
    pub fn into_results(self) -> Result<Vec<Value>, Error> {
        if !self.is_complete() {
            let (landed, not_applied, unknown) =
                (self.landed(), self.not_applied(), self.unknown());
            let first = self.chunks.into_iter().find_map(|c| match c.outcome {
                ChunkOutcome::Landed(_) => None,
                ChunkOutcome::NotApplied(e) | ChunkOutcome::Unknown(e) => Some((c.requests, e)),
            });
            let (requests, cause) = first.unwrap_or_else(|| {
                (
                    0..0,
                    Error::InvalidRequest("bulk write: no chunk failed".into()),
                )
            });
            return Err(Error::Bulk {
                landed,
                not_applied,
                unknown,
                requests,
                cause: Box::new(cause),
            });
        }
        Ok(self
            .chunks
            .into_iter()
            .flat_map(|c| match c.outcome {
                ChunkOutcome::Landed(results) => results,
                _ => Vec::new(),
            })
            .collect())
    }

    /// The typed batch this report is of (0: none).
    pub(crate) fn serial(&self) -> u64 {
        self.serial
    }
}

#[cfg(test)]
mod tests {
    use super::chunks;
    use crate::request::BatchRequest;

    fn delete(id: i64) -> BatchRequest {
        BatchRequest::Delete {
            entity_type: "Shot".into(),
            id,
        }
    }

    #[test]
    fn chunks_hold_the_size_or_the_bytes_and_every_request_once() {
        let requests: Vec<BatchRequest> = (0..250).map(delete).collect();
        assert_eq!(
            chunks(&requests, 100, usize::MAX),
            [0..100, 100..200, 200..250]
        );
        assert_eq!(chunks(&requests, 1000, usize::MAX), vec![(0..250)]);
        assert_eq!(chunks(&requests[..0], 100, usize::MAX), []);
        let one = serde_json::to_vec(&requests[0].to_wire()).unwrap().len() + 1;
        let by_bytes = chunks(&requests[..10], 100, 3 * one + 1);
        assert_eq!(by_bytes, [0..3, 3..6, 6..9, 9..10]);
        // A request larger than the bound goes alone.
        assert_eq!(chunks(&requests[..3], 100, 1), [0..1, 1..2, 2..3]);
    }
}
