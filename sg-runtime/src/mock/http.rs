//! A minimal HTTP/1.1 server for the api3 endpoint: keep-alive, `Content-Length` bodies, one
//! thread per connection. Written here rather than taken from a crate so that faults can be
//! injected at the socket: a connection dropped before or after the request is handled.

use super::{Fault, Shared};
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// How often an idle connection checks whether the server is stopping.
const IDLE_POLL: Duration = Duration::from_millis(100);
/// The largest request body accepted (a big batch fits easily).
const MAX_BODY: usize = 64 * 1024 * 1024;

pub(crate) fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let shared = shared.clone();
        std::thread::spawn(move || {
            let _ = serve_connection(stream, &shared);
        });
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

/// Reads more bytes into `buf`; `Ok(false)` when the peer closed or the server is stopping.
/// Read timeouts are the idle poll: they only check the stop flag.
fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>, shared: &Shared) -> io::Result<bool> {
    let mut chunk = [0u8; 16 * 1024];
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
                if shared.stopping.load(Ordering::SeqCst) {
                    return Ok(false);
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// Reads one request; `Ok(None)` when the peer closed or the server is stopping.
fn read_request(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    shared: &Shared,
) -> io::Result<Option<Request>> {
    let head_end = loop {
        if let Some(i) = find(buf, b"\r\n\r\n") {
            break i + 4;
        }
        if !fill(stream, buf, shared)? {
            return Ok(None);
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split_whitespace();
    let method = first.next().unwrap_or("").to_string();
    let path = first.next().unwrap_or("").to_string();
    let mut len = 0usize;
    let mut close = false;
    let mut headers = Vec::new();
    for line in lines {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
        headers.push((k.clone(), v.to_string()));
        if k == "content-length" {
            len = v
                .parse()
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad content-length"))?;
        } else if k == "connection" && v.eq_ignore_ascii_case("close") {
            close = true;
        }
    }
    if len > MAX_BODY {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "body too large"));
    }
    while buf.len() < head_end + len {
        if !fill(stream, buf, shared)? {
            return Ok(None);
        }
    }
    let body = buf[head_end..head_end + len].to_vec();
    buf.drain(..head_end + len);
    Ok(Some(Request {
        method,
        path,
        headers,
        body,
        close,
    }))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn write_response(
    stream: &mut TcpStream,
    status: u16,
    content_type: &str,
    body: &[u8],
) -> io::Result<()> {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: keep-alive\r\n\r\n",
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
    while let Some(req) = read_request(&mut stream, &mut buf, shared)? {
        // The query is ignored, so that a redirect to `/api3/json?moved` lands here again.
        if req.path.split('?').next() != Some("/api3/json") {
            write_response(&mut stream, 404, "text/plain", b"not found")?;
            continue;
        }
        if req.method != "POST" {
            write_response(&mut stream, 405, "text/plain", b"api3 takes POST")?;
            continue;
        }
        shared.record(&req);
        let api_method = serde_json::from_slice::<serde_json::Value>(&req.body)
            .ok()
            .and_then(|v| v.get("method_name")?.as_str().map(str::to_owned))
            .unwrap_or_default();
        match shared.next_fault(&api_method) {
            Some(Fault::Status(code)) => {
                let body = format!(
                    "<html><body><h1>{code}</h1>injected by the local server</body></html>"
                );
                write_response(&mut stream, code, "text/html", body.as_bytes())?;
            }
            Some(Fault::StatusAfterHandling(code)) => {
                let _ = shared.handle(&req.body);
                let body = format!(
                    "<html><body><h1>{code}</h1>the gateway gave up; the request was handled</body></html>"
                );
                write_response(&mut stream, code, "text/html", body.as_bytes())?;
            }
            Some(Fault::DropBeforeHandling) => {
                let _ = stream.shutdown(Shutdown::Both);
                return Ok(());
            }
            Some(Fault::DropAfterHandling) => {
                let _ = shared.handle(&req.body);
                let _ = stream.shutdown(Shutdown::Both);
                return Ok(());
            }
            Some(Fault::Delay(d)) => {
                std::thread::sleep(d);
                let answer = shared.handle(&req.body);
                write_response(&mut stream, 200, "application/json", answer.as_bytes())?;
            }
            Some(Fault::Body(code, body)) => {
                write_response(&mut stream, code, "application/json", body.as_bytes())?;
            }
            Some(Fault::Raw(bytes)) => {
                stream.write_all(&bytes)?;
                stream.flush()?;
                let _ = stream.shutdown(Shutdown::Both);
                return Ok(());
            }
            None => {
                let answer = shared.handle(&req.body);
                write_response(&mut stream, 200, "application/json", answer.as_bytes())?;
            }
        }
        if req.close {
            break;
        }
    }
    Ok(())
}
