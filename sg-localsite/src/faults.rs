//! Faults the site plays instead of, or around, answering a request: injected per request (by
//! api3 method or route name) or blowing as a seeded storm over a share of all requests. [`play`]
//! is the one seam where a fault meets a request, for api3 and the file routes alike.

use crate::http::Response;
use std::io::{self, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

/// A fault the server plays instead of (or around) handling a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this HTTP status (502, 503, 504, ...) without handling the request.
    Status(u16),
    /// Read the request, then close the connection without handling it or answering.
    DropBeforeHandling,
    /// Handle the request (its changes are made), then close the connection without answering.
    DropAfterHandling,
    /// Wait this long, then handle the request and answer (longer than the client's timeout, the
    /// client gives up while the server still makes the change).
    Delay(Duration),
    /// Handle the request (its changes are made), then answer with this HTTP status, as a
    /// gateway does when the site answered after the gateway's own timeout (502, 504).
    StatusAfterHandling(u16),
    /// Answer with this HTTP status (429 or 503) and a `Retry-After` of this many seconds,
    /// without handling the request: a site that throttles its clients.
    Throttle(u16, u64),
    /// Answer with this HTTP status and raw body, without handling the request (malformed answers).
    Body(u16, String),
    /// Write these bytes as the whole answer (status line, headers and body, as given: redirects,
    /// compressed, chunked or cut bodies), without handling the request; then close the
    /// connection. A whole answer should say `Connection: close`, as a server that closes does:
    /// without it a client may send its next request on the connection before the close
    /// reaches it, and that request is lost unanswered (a fault of its own).
    Raw(Vec<u8>),
    /// Write these bytes as the answer, without handling the request, and keep the connection
    /// open for the next request. Bytes past the end the answer's headers declare stay on the
    /// wire, where a client that reused the connection would read them as its next answer: a
    /// server or proxy that miscounts a body.
    RawKeepAlive(Vec<u8>),
    /// Handle the request and answer it, with these bytes behind the answer in the same write,
    /// and keep the connection open: a proxy that answers twice, or a server whose body was
    /// longer than it said. A client that reused the connection would read them as its next
    /// answer.
    AnswerThenMore(Vec<u8>),
}

impl Fault {
    /// Whether a request this fault is played on is handled (its changes made) all the same.
    pub fn handles_request(&self) -> bool {
        match self {
            Fault::DropAfterHandling
            | Fault::Delay(_)
            | Fault::StatusAfterHandling(_)
            | Fault::AnswerThenMore(_) => true,
            Fault::Status(_)
            | Fault::DropBeforeHandling
            | Fault::Throttle(..)
            | Fault::Body(..)
            | Fault::Raw(_)
            | Fault::RawKeepAlive(_) => false,
        }
    }
}

/// Faults played at random on a share of all requests: see [`LocalSite::storm`](crate::LocalSite::storm).
pub(crate) struct Storm {
    /// The state of a splitmix64 generator: the same seed plays the same faults on the same
    /// sequence of requests.
    state: u64,
    /// Of every 1,000,000 requests, how many are faulted.
    per_million: u64,
    faults: Vec<Fault>,
    /// Faults played so far.
    played: u64,
}

impl Storm {
    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick(&mut self) -> Option<Fault> {
        if self.faults.is_empty() || self.next() % 1_000_000 >= self.per_million {
            return None;
        }
        self.played += 1;
        let i = (self.next() % self.faults.len() as u64) as usize;
        Some(self.faults[i].clone())
    }
}

struct FaultRule {
    method: Option<String>,
    remaining: usize,
    fault: Fault,
}

/// The faults set on a site: rules first, then the storm.
#[derive(Default)]
pub(crate) struct Faults {
    rules: Vec<FaultRule>,
    storm: Option<Storm>,
}

impl Faults {
    /// Plays `fault` on the next `times` requests (of `name` only, when given).
    pub(crate) fn inject(&mut self, name: Option<&str>, fault: Fault, times: usize) {
        self.rules.push(FaultRule {
            method: name.map(str::to_owned),
            remaining: times,
            fault,
        });
    }

    /// Starts (or replaces) the storm.
    pub(crate) fn storm(&mut self, seed: u64, rate: f64, faults: Vec<Fault>) {
        self.storm = Some(Storm {
            state: seed,
            per_million: (rate.clamp(0.0, 1.0) * 1_000_000.0) as u64,
            faults,
            played: 0,
        });
    }

    /// The faults the storm has played.
    pub(crate) fn storm_played(&self) -> u64 {
        self.storm.as_ref().map_or(0, |s| s.played)
    }

    /// The plays of injected faults still to come.
    pub(crate) fn pending(&self) -> usize {
        self.rules.iter().map(|r| r.remaining).sum()
    }

    /// Removes every fault not yet played, and ends the storm.
    pub(crate) fn clear(&mut self) {
        self.rules.clear();
        self.storm = None;
    }

    /// The fault for a request of `name` (an api3 method or a route): a rule's, else the
    /// storm's (if one blows).
    pub(crate) fn next(&mut self, name: &str) -> Option<Fault> {
        let rule = self
            .rules
            .iter()
            .position(|r| r.remaining > 0 && r.method.as_deref().is_none_or(|m| m == name));
        if let Some(i) = rule {
            self.rules[i].remaining -= 1;
            let fault = self.rules[i].fault.clone();
            if self.rules[i].remaining == 0 {
                self.rules.remove(i);
            }
            return Some(fault);
        }
        self.storm.as_mut().and_then(Storm::pick)
    }
}

/// A gateway's error page.
fn gateway_page(status: u16, text: &str) -> Response {
    Response::with(
        status,
        "text/html",
        format!("<html><body><h1>{status}</h1>{text}</body></html>").into_bytes(),
    )
}

/// Answers a request through `handle`, playing `fault` around it: `handle` runs (and its
/// changes are made) unless the fault says the request was never handled. `body_type` is the
/// content type of a [`Fault::Body`] on this route. `Ok(false)` when the connection was closed
/// on purpose.
pub(crate) fn play(
    stream: &mut TcpStream,
    fault: Option<Fault>,
    close: bool,
    body_type: &str,
    handle: impl FnOnce() -> Response,
) -> io::Result<bool> {
    let answer = match fault {
        None => handle(),
        Some(Fault::Status(code)) => gateway_page(code, "injected by the local server"),
        Some(Fault::Throttle(code, seconds)) => {
            let mut page = gateway_page(code, "too many requests: slow down");
            page.headers
                .push(("Retry-After".into(), seconds.to_string()));
            page
        }
        Some(Fault::StatusAfterHandling(code)) => {
            let _ = handle();
            gateway_page(code, "the gateway gave up; the request was handled")
        }
        Some(Fault::DropBeforeHandling) => {
            let _ = stream.shutdown(Shutdown::Both);
            return Ok(false);
        }
        Some(Fault::DropAfterHandling) => {
            let _ = handle();
            let _ = stream.shutdown(Shutdown::Both);
            return Ok(false);
        }
        Some(Fault::Delay(d)) => {
            std::thread::sleep(d);
            handle()
        }
        Some(Fault::Body(code, body)) => Response::with(code, body_type, body.into_bytes()),
        Some(Fault::Raw(bytes)) => {
            stream.write_all(&bytes)?;
            stream.flush()?;
            let _ = stream.shutdown(Shutdown::Both);
            return Ok(false);
        }
        Some(Fault::RawKeepAlive(bytes)) => {
            stream.write_all(&bytes)?;
            stream.flush()?;
            return Ok(true);
        }
        Some(Fault::AnswerThenMore(more)) => {
            handle().write_then(stream, false, &more)?;
            return Ok(true);
        }
    };
    answer.write(stream, close)?;
    Ok(true)
}
