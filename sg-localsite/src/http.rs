//! A small HTTP/1.1 server for the api3 endpoint: keep-alive, `Content-Length` and chunked
//! request bodies, one thread per connection. Written here rather than taken from a crate so
//! that faults can be injected at the socket: a connection dropped before or after the request
//! is handled, a gateway's 502/504 after it was handled, raw bytes.
//!
//! It is a service tools are pointed at, so hostile input gets an HTTP error, not memory or
//! threads: headers are read in linear time up to [`MAX_HEAD`] (431 beyond), bodies up to the
//! server's body limit (413 beyond, refused before reading), a duplicated or bad
//! `Content-Length` is 400, idle connections are closed after the idle timeout, connections
//! beyond the server's limit (512 by default) are answered 503 and closed, and a failing `accept` (out of file
//! descriptors) backs off instead of spinning.

use super::{Fault, Shared};
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often an idle connection checks whether the server is stopping or idle too long.
const IDLE_POLL: Duration = Duration::from_millis(100);
/// The largest request head (request line and headers).
const MAX_HEAD: usize = 64 * 1024;

pub(crate) fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
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
                log::warn!("local api3 server: accept failed: {e}; waiting {backoff:?}");
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_millis(500));
                continue;
            }
        };
        shared.accepted.fetch_add(1, Ordering::SeqCst);
        if shared.open.fetch_add(1, Ordering::SeqCst) >= shared.max_connections {
            shared.open.fetch_sub(1, Ordering::SeqCst);
            let _ = write_response(
                &mut stream,
                503,
                "text/plain",
                b"too many connections",
                true,
            );
            continue;
        }
        let shared = shared.clone();
        let spawned = std::thread::Builder::new().spawn({
            let shared = shared.clone();
            move || {
                let _ = serve_connection(stream, &shared);
                shared.open.fetch_sub(1, Ordering::SeqCst);
            }
        });
        if spawned.is_err() {
            shared.open.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

pub(crate) struct Request {
    pub(crate) method: String,
    pub(crate) path: String,
    /// Header names in lower case, in the order received.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    close: bool,
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

/// Why a request could not be read: answered with this status, then the connection closes.
struct Refusal(u16, &'static str);

/// Reads more bytes into `buf`; `Ok(false)` when the peer closed, the server is stopping, or
/// nothing came for the idle timeout (between requests, or in the middle of one: a client that
/// sends half a request and stops holds a thread no longer than an idle one).
fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>, shared: &Shared) -> io::Result<bool> {
    let mut chunk = [0u8; 16 * 1024];
    let waiting_since = Instant::now();
    loop {
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

/// Reads one request; `Ok(Ok(None))` when the peer closed, the server is stopping or the
/// connection idled out.
fn read_request(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    shared: &Shared,
) -> io::Result<Result<Option<Request>, Refusal>> {
    // Search only the bytes not yet searched (three back, for a terminator split between reads).
    let mut searched = 0;
    let head_end = loop {
        if let Some(i) = find(&buf[searched..], b"\r\n\r\n") {
            break searched + i + 4;
        }
        searched = buf.len().saturating_sub(3);
        if buf.len() > MAX_HEAD {
            return Ok(Err(Refusal(431, "request header fields too large")));
        }
        if !fill(stream, buf, shared)? {
            return Ok(Ok(None));
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split_whitespace();
    let method = first.next().unwrap_or("").to_string();
    let path = first.next().unwrap_or("").to_string();
    let mut length: Option<usize> = None;
    let mut chunked = false;
    let mut close = false;
    let mut headers = Vec::new();
    for line in lines {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
        headers.push((k.clone(), v.to_string()));
        match k.as_str() {
            "content-length" => {
                if length.is_some() {
                    return Ok(Err(Refusal(400, "more than one content-length")));
                }
                match v.parse() {
                    Ok(n) => length = Some(n),
                    Err(_) => return Ok(Err(Refusal(400, "bad content-length"))),
                }
            }
            "transfer-encoding" => {
                if !v.eq_ignore_ascii_case("chunked") {
                    return Ok(Err(Refusal(501, "only chunked transfer-encoding is taken")));
                }
                chunked = true;
            }
            "connection" if v.eq_ignore_ascii_case("close") => close = true,
            _ => {}
        }
    }
    if chunked && length.is_some() {
        // Both framings at once is how requests are smuggled (RFC 9112 6.3).
        return Ok(Err(Refusal(400, "content-length with transfer-encoding")));
    }
    buf.drain(..head_end);
    let body = if chunked {
        match read_chunked(stream, buf, shared)? {
            Ok(Some(body)) => body,
            Ok(None) => return Ok(Ok(None)),
            Err(refusal) => return Ok(Err(refusal)),
        }
    } else {
        let len = length.unwrap_or(0);
        if len > shared.max_body {
            return Ok(Err(Refusal(413, "request body too large")));
        }
        while buf.len() < len {
            if !fill(stream, buf, shared)? {
                return Ok(Ok(None));
            }
        }
        buf.drain(..len).collect()
    };
    Ok(Ok(Some(Request {
        method,
        path,
        headers,
        body,
        close,
    })))
}

/// Reads a chunked body from `buf` (and the stream), leaving what follows it in `buf`.
fn read_chunked(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    shared: &Shared,
) -> io::Result<Result<Option<Vec<u8>>, Refusal>> {
    let mut body = Vec::new();
    loop {
        // The chunk-size line.
        let line_end = loop {
            if let Some(i) = find(buf, b"\r\n") {
                break i;
            }
            if buf.len() > 1024 {
                return Ok(Err(Refusal(400, "bad chunk size line")));
            }
            if !fill(stream, buf, shared)? {
                return Ok(Ok(None));
            }
        };
        let line = String::from_utf8_lossy(&buf[..line_end]).into_owned();
        let size_text = line.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            return Ok(Err(Refusal(400, "bad chunk size")));
        };
        if body.len().saturating_add(size) > shared.max_body {
            return Ok(Err(Refusal(413, "request body too large")));
        }
        buf.drain(..line_end + 2);
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
                if !fill(stream, buf, shared)? {
                    return Ok(Ok(None));
                }
            }
        }
        while buf.len() < size + 2 {
            if !fill(stream, buf, shared)? {
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

fn write_response(
    stream: &mut TcpStream,
    status: u16,
    content_type: &str,
    body: &[u8],
    close: bool,
) -> io::Result<()> {
    write_full_response(stream, status, content_type, &[], body, close)
}

fn write_full_response(
    stream: &mut TcpStream,
    status: u16,
    content_type: &str,
    extra: &[(String, String)],
    body: &[u8],
    close: bool,
) -> io::Result<()> {
    let reason = match status {
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
    let extra: String = extra.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect();
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra}Connection: {connection}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

fn serve_connection(mut stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_read_timeout(Some(IDLE_POLL))?;
    stream.set_nodelay(true)?;
    let mut buf = Vec::new();
    loop {
        if buf.is_empty() && !fill(&mut stream, &mut buf, shared)? {
            break;
        }
        let req = match read_request(&mut stream, &mut buf, shared)? {
            Ok(Some(req)) => req,
            Ok(None) => break,
            Err(Refusal(status, why)) => {
                write_response(&mut stream, status, "text/plain", why.as_bytes(), true)?;
                break;
            }
        };
        let keep = !req.close;
        // The query is ignored, so that a redirect to `/api3/json?moved` lands here again.
        if let Some(route) = super::api::files::route_name(&req.path) {
            if !answer_file_route(&mut stream, shared, &req, route)? {
                return Ok(());
            }
        } else if req.path.split('?').next() != Some(sg_api3::routes::API3_PATH) {
            write_response(&mut stream, 404, "text/plain", b"not found", !keep)?;
        } else if req.method != "POST" {
            write_response(&mut stream, 405, "text/plain", b"api3 takes POST", !keep)?;
        } else if !answer(&mut stream, shared, &req)? {
            return Ok(());
        }
        if !keep {
            break;
        }
    }
    Ok(())
}

/// Serves an upload or download route, playing a fault set for its route name; `false` when
/// the connection was closed on purpose.
fn answer_file_route(
    stream: &mut TcpStream,
    shared: &Shared,
    req: &Request,
    route: &str,
) -> io::Result<bool> {
    shared.record_route(req, route);
    let serve = |stream: &mut TcpStream| -> io::Result<()> {
        let a = shared.serve_file_route(req, route);
        write_full_response(
            stream,
            a.status,
            &a.content_type,
            &a.headers,
            &a.body,
            req.close,
        )
    };
    match shared.next_fault(route) {
        Some(Fault::Status(code)) => write_response(
            stream,
            code,
            "text/plain",
            b"injected by the local server",
            req.close,
        )?,
        Some(Fault::StatusAfterHandling(code)) => {
            let _ = shared.serve_file_route(req, route);
            write_response(
                stream,
                code,
                "text/plain",
                b"the gateway gave up",
                req.close,
            )?;
        }
        Some(Fault::DropBeforeHandling) => {
            let _ = stream.shutdown(Shutdown::Both);
            return Ok(false);
        }
        Some(Fault::DropAfterHandling) => {
            let _ = shared.serve_file_route(req, route);
            let _ = stream.shutdown(Shutdown::Both);
            return Ok(false);
        }
        Some(Fault::Delay(d)) => {
            std::thread::sleep(d);
            serve(stream)?;
        }
        Some(Fault::Body(code, body)) => {
            write_response(stream, code, "text/plain", body.as_bytes(), req.close)?
        }
        Some(Fault::Raw(bytes)) => {
            stream.write_all(&bytes)?;
            stream.flush()?;
            let _ = stream.shutdown(Shutdown::Both);
            return Ok(false);
        }
        Some(Fault::RawKeepAlive(bytes)) => {
            stream.write_all(&bytes)?;
            stream.flush()?;
        }
        None => serve(stream)?,
    }
    Ok(true)
}

/// Handles an api3 request, playing its fault if one is set; `false` when the connection
/// was closed on purpose.
fn answer(stream: &mut TcpStream, shared: &Shared, req: &Request) -> io::Result<bool> {
    shared.record(req);
    let api_method = serde_json::from_slice::<serde_json::Value>(&req.body)
        .ok()
        .and_then(|v| v.get("method_name")?.as_str().map(str::to_owned))
        .unwrap_or_default();
    let close = req.close;
    match shared.next_fault(&api_method) {
        Some(Fault::Status(code)) => {
            let body =
                format!("<html><body><h1>{code}</h1>injected by the local server</body></html>");
            write_response(stream, code, "text/html", body.as_bytes(), close)?;
        }
        Some(Fault::StatusAfterHandling(code)) => {
            let _ = shared.handle(&req.body);
            let body = format!(
                "<html><body><h1>{code}</h1>the gateway gave up; the request was handled</body></html>"
            );
            write_response(stream, code, "text/html", body.as_bytes(), close)?;
        }
        Some(Fault::DropBeforeHandling) => {
            let _ = stream.shutdown(Shutdown::Both);
            return Ok(false);
        }
        Some(Fault::DropAfterHandling) => {
            let _ = shared.handle(&req.body);
            let _ = stream.shutdown(Shutdown::Both);
            return Ok(false);
        }
        Some(Fault::Delay(d)) => {
            std::thread::sleep(d);
            let answer = shared.handle(&req.body);
            write_response(stream, 200, "application/json", answer.as_bytes(), close)?;
        }
        Some(Fault::Body(code, body)) => {
            write_response(stream, code, "application/json", body.as_bytes(), close)?;
        }
        Some(Fault::Raw(bytes)) => {
            stream.write_all(&bytes)?;
            stream.flush()?;
            let _ = stream.shutdown(Shutdown::Both);
            return Ok(false);
        }
        Some(Fault::RawKeepAlive(bytes)) => {
            stream.write_all(&bytes)?;
            stream.flush()?;
        }
        None => {
            let answer = shared.handle(&req.body);
            write_response(stream, 200, "application/json", answer.as_bytes(), close)?;
        }
    }
    Ok(true)
}
