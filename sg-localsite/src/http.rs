//! HTTP/1.1 on the connection: requests read (heads parsed by `httparse`; `Content-Length` and
//! chunked bodies), responses written, keep-alive, one thread per connection. It knows nothing of
//! api3, routes or faults: each request is handed to the [`Serve`] function the site starts it
//! with (`routes::serve`), which answers it (or plays a fault on the connection) and says whether
//! the connection stays open.
//!
//! It is a service tools are pointed at, so hostile input gets an HTTP error, not memory or
//! threads: a request head is looked for in linear time up to [`MAX_HEAD`] (431 beyond), bodies
//! are taken up to the site's body limit (413 beyond, refused before reading), a duplicated or
//! bad `Content-Length` is 400, idle connections are closed after the idle timeout, connections
//! beyond the site's limit (512 by default) are answered 503 and closed, and a failing `accept`
//! (out of file descriptors) backs off instead of spinning.

use crate::Shared;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often an idle connection checks whether the site is stopping or idle too long.
const IDLE_POLL: Duration = Duration::from_millis(100);
/// The largest request head (request line and headers).
const MAX_HEAD: usize = 64 * 1024;
/// The most headers a request may have.
const MAX_HEADERS: usize = 100;

/// How long a request head may take from its first byte.
const HEAD_DEADLINE: Duration = Duration::from_secs(10);

/// How long a request body may take from the end of its head.
const BODY_DEADLINE: Duration = Duration::from_secs(60);

/// Answers one request on the connection; `Ok(false)` when it closed the connection.
pub(crate) type Serve = fn(&mut TcpStream, &Shared, &Request) -> io::Result<bool>;

pub(crate) fn accept_loop(listener: TcpListener, shared: Arc<Shared>, serve: Serve) {
    let mut backoff = Duration::from_millis(1);
    loop {
        let accepted = listener.accept();
        if shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        let mut stream = match accepted {
            Ok((stream, _)) => {
                backoff = Duration::from_millis(1);
                stream
            }
            Err(e) => {
                // Out of file descriptors (or another resource): wait for connections to
                // close rather than spin on a listener that stays readable.
                log::warn!("local site: accept failed: {e}; waiting {backoff:?}");
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_millis(500));
                continue;
            }
        };
        shared.accepted.fetch_add(1, Ordering::SeqCst);
        if shared.open.fetch_add(1, Ordering::SeqCst) >= shared.max_connections {
            shared.open.fetch_sub(1, Ordering::SeqCst);
            let _ = Response::text(503, "too many connections").write(&mut stream, true);
            continue;
        }
        let spawned = std::thread::Builder::new().spawn({
            let shared = shared.clone();
            move || {
                let _ = serve_connection(stream, &shared, serve);
                shared.open.fetch_sub(1, Ordering::SeqCst);
            }
        });
        if spawned.is_err() {
            shared.open.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// One request, as read.
pub(crate) struct Request {
    pub(crate) method: String,
    pub(crate) path: String,
    /// Header names in lower case, in the order received.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    /// Whether the client asked to close the connection after the answer.
    pub(crate) close: bool,
}

impl Request {
    /// The value of header `name` (lower case), if sent.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// An answer to write: status, content type, more headers, body.
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) content_type: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Response {
    /// A plain-text answer.
    pub(crate) fn text(status: u16, body: impl Into<String>) -> Response {
        Response::with(status, "text/plain", body.into().into_bytes())
    }

    /// An answer of `content_type`.
    pub(crate) fn with(status: u16, content_type: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            content_type: content_type.into(),
            headers: Vec::new(),
            body,
        }
    }

    /// Writes the answer, saying whether the connection closes after it.
    pub(crate) fn write(&self, stream: &mut TcpStream, close: bool) -> io::Result<()> {
        self.write_then(stream, close, &[])
    }

    /// Writes the answer with `more` bytes behind it, in the same write (a fault).
    pub(crate) fn write_then(
        &self,
        stream: &mut TcpStream,
        close: bool,
        more: &[u8],
    ) -> io::Result<()> {
        let reason = match self.status {
            200 => "OK",
            400 => "Bad Request",
            403 => "Forbidden",
            404 => "Not Found",
            405 => "Method Not Allowed",
            413 => "Content Too Large",
            431 => "Request Header Fields Too Large",
            500 => "Internal Server Error",
            501 => "Not Implemented",
            502 => "Bad Gateway",
            503 => "Service Unavailable",
            504 => "Gateway Timeout",
            _ => "Status",
        };
        let connection = if close { "close" } else { "keep-alive" };
        let extra: String = self
            .headers
            .iter()
            .map(|(k, v)| format!("{k}: {v}\r\n"))
            .collect();
        let head = format!(
            "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{extra}Connection: {connection}\r\n\r\n",
            self.status,
            self.content_type,
            self.body.len()
        );
        // One write: the answer leaves in as few segments as the stack allows.
        let mut bytes = Vec::with_capacity(head.len() + self.body.len() + more.len());
        bytes.extend_from_slice(head.as_bytes());
        bytes.extend_from_slice(&self.body);
        bytes.extend_from_slice(more);
        stream.write_all(&bytes)?;
        stream.flush()
    }
}

/// Why a request could not be read: answered with this status, then the connection closes.
struct Refusal(u16, &'static str);

/// What reading a request gave.
enum Incoming {
    Request(Request),
    /// The peer closed, the site is stopping, or the connection idled out.
    Gone,
    Refused(Refusal),
}

fn serve_connection(mut stream: TcpStream, shared: &Shared, serve: Serve) -> io::Result<()> {
    stream.set_read_timeout(Some(IDLE_POLL))?;
    stream.set_nodelay(true)?;
    let mut buf = Vec::new();
    loop {
        let req = match read_request(&mut stream, &mut buf, shared)? {
            Incoming::Request(req) => req,
            Incoming::Gone => break,
            Incoming::Refused(Refusal(status, why)) => {
                Response::text(status, why).write(&mut stream, true)?;
                break;
            }
        };
        let close = req.close;
        if !serve(&mut stream, shared, &req)? || close {
            break;
        }
    }
    Ok(())
}

/// Reads more bytes into `buf`; `Ok(false)` when the peer closed, the site is stopping, or
/// nothing came for the idle timeout (between requests, or in the middle of one: a client that
/// sends half a request and stops holds a thread no longer than an idle one).
fn fill(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    shared: &Shared,
    deadline: Option<Instant>,
) -> io::Result<bool> {
    let mut chunk = [0u8; 16 * 1024];
    let waiting_since = Instant::now();
    loop {
        // A head or a body trickled a byte at a time meets its deadline, however often bytes
        // come.
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(false);
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Ok(false),
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                return Ok(true);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                if shared.stopping.load(Ordering::SeqCst)
                    || waiting_since.elapsed() >= shared.idle_timeout
                {
                    return Ok(false);
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// Reads one request from `buf` and the stream, leaving what follows it in `buf`.
fn read_request(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    shared: &Shared,
) -> io::Result<Incoming> {
    // The end of the head, searched for in the bytes not yet searched (three back, for a
    // terminator split between reads): linear however slowly the head arrives.
    let mut searched = 0;
    // The head's deadline runs from its first byte (before it, the idle timeout applies).
    let mut head_deadline = (!buf.is_empty()).then(|| Instant::now() + HEAD_DEADLINE);
    let head_end = loop {
        if let Some(i) = find(&buf[searched..], b"\r\n\r\n") {
            break searched + i + 4;
        }
        searched = buf.len().saturating_sub(3);
        if buf.len() > MAX_HEAD {
            return Ok(Incoming::Refused(Refusal(
                431,
                "request header fields too large",
            )));
        }
        if !fill(stream, buf, shared, head_deadline)? {
            return Ok(Incoming::Gone);
        }
        head_deadline = head_deadline.or_else(|| Some(Instant::now() + HEAD_DEADLINE));
    };
    let mut header_slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut head = httparse::Request::new(&mut header_slots);
    match head.parse(&buf[..head_end]) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => {
            return Ok(Incoming::Refused(Refusal(400, "bad request head")))
        }
        Err(httparse::Error::TooManyHeaders) => {
            return Ok(Incoming::Refused(Refusal(431, "too many header fields")))
        }
        Err(_) => return Ok(Incoming::Refused(Refusal(400, "bad request head"))),
    }
    let method = head.method.unwrap_or("").to_string();
    let path = head.path.unwrap_or("").to_string();
    let mut length: Option<usize> = None;
    let mut chunked = false;
    let mut close = false;
    let mut headers = Vec::with_capacity(head.headers.len());
    for h in head.headers.iter() {
        let name = h.name.to_ascii_lowercase();
        let value = String::from_utf8_lossy(h.value).trim().to_string();
        match name.as_str() {
            "content-length" => {
                if length.is_some() {
                    return Ok(Incoming::Refused(Refusal(
                        400,
                        "more than one content-length",
                    )));
                }
                match value.parse() {
                    Ok(n) => length = Some(n),
                    Err(_) => return Ok(Incoming::Refused(Refusal(400, "bad content-length"))),
                }
            }
            "transfer-encoding" => {
                if !value.eq_ignore_ascii_case("chunked") {
                    return Ok(Incoming::Refused(Refusal(
                        501,
                        "only chunked transfer-encoding is taken",
                    )));
                }
                chunked = true;
            }
            "connection" if value.eq_ignore_ascii_case("close") => close = true,
            _ => {}
        }
        headers.push((name, value));
    }
    if chunked && length.is_some() {
        // Both framings at once is how requests are smuggled (RFC 9112 6.3).
        return Ok(Incoming::Refused(Refusal(
            400,
            "content-length with transfer-encoding",
        )));
    }
    buf.drain(..head_end);
    let body_deadline = Some(Instant::now() + BODY_DEADLINE);
    let body = if chunked {
        match read_chunked(stream, buf, shared, body_deadline)? {
            Ok(Some(body)) => body,
            Ok(None) => return Ok(Incoming::Gone),
            Err(refusal) => return Ok(Incoming::Refused(refusal)),
        }
    } else {
        let len = length.unwrap_or(0);
        if len > shared.max_body {
            return Ok(Incoming::Refused(Refusal(413, "request body too large")));
        }
        while buf.len() < len {
            if !fill(stream, buf, shared, body_deadline)? {
                return Ok(Incoming::Gone);
            }
        }
        buf.drain(..len).collect()
    };
    Ok(Incoming::Request(Request {
        method,
        path,
        headers,
        body,
        close,
    }))
}

/// Reads a chunked body from `buf` (and the stream), leaving what follows it in `buf`.
fn read_chunked(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    shared: &Shared,
    deadline: Option<Instant>,
) -> io::Result<Result<Option<Vec<u8>>, Refusal>> {
    let mut body = Vec::new();
    loop {
        // The chunk-size line (extensions ignored).
        let (line_len, size) = loop {
            match httparse::parse_chunk_size(buf) {
                Ok(httparse::Status::Complete((n, size))) => break (n, size),
                Ok(httparse::Status::Partial) if buf.len() <= 1024 => {}
                _ => return Ok(Err(Refusal(400, "bad chunk size"))),
            }
            if !fill(stream, buf, shared, deadline)? {
                return Ok(Ok(None));
            }
        };
        let Ok(size) = usize::try_from(size) else {
            return Ok(Err(Refusal(413, "request body too large")));
        };
        if body.len().saturating_add(size) > shared.max_body {
            return Ok(Err(Refusal(413, "request body too large")));
        }
        buf.drain(..line_len);
        if size == 0 {
            // Trailers, if any, end with an empty line.
            loop {
                if let Some(i) = find(buf, b"\r\n") {
                    let empty = i == 0;
                    buf.drain(..i + 2);
                    if empty {
                        return Ok(Ok(Some(body)));
                    }
                    continue;
                }
                if buf.len() > MAX_HEAD {
                    return Ok(Err(Refusal(431, "trailers too large")));
                }
                if !fill(stream, buf, shared, deadline)? {
                    return Ok(Ok(None));
                }
            }
        }
        while buf.len() < size + 2 {
            if !fill(stream, buf, shared, deadline)? {
                return Ok(Ok(None));
            }
        }
        if &buf[size..size + 2] != b"\r\n" {
            return Ok(Err(Refusal(400, "chunk not followed by CRLF")));
        }
        body.extend(buf.drain(..size));
        buf.drain(..2);
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
