//! The one HTTP transport of the workspace: keep-alive ureq 3 connections posting api3 envelopes.
//!
//! Redirects and content encodings are handled here rather than by ureq, so that they follow the
//! official client (shotgun_api3's httplib2 connection) and not a browser's rules:
//! * a POST is never turned into a GET: 307 and 308 are followed with the same method and body
//!   (httplib2 follows a 308 for any method), 301/302/303 fail with the new location named;
//! * `accept-encoding: gzip, deflate` is sent and both are decoded (httplib2's `_decompressContent`,
//!   which also takes raw deflate streams).
//!
//! ureq 3's protocol crate logs every byte it writes and reads at trace level (target
//! `ureq_proto::util`): the api3 body with its script key or password, a session cookie, a
//! server's echo of them; and ureq, when its own trace level is on, prints a redirect's
//! `location` whole (a server may echo a secret there). No request is sent while the process's
//! logger would print those lines: see [`refuse_wire_logging`].

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;
use ureq::unversioned::transport::{ConnectionDetails, Connector, DefaultConnector};

/// Redirects followed for one request, at most (httplib2's `DEFAULT_MAX_REDIRECTS`).
const MAX_REDIRECTS: usize = 5;
/// How much of an error page is kept for the error message.
const ERROR_BODY_LIMIT: u64 = 64 * 1024;
/// Characters of an error page's text shown in an error.
const ERROR_TEXT_CHARS: usize = 300;

/// How one HTTP exchange failed, in the terms the retry policy needs.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The server answered with this status (4xx, 5xx) and this page, and with a 429 or 503,
    /// how long it asked the client to wait (`Retry-After`).
    Status {
        status: u16,
        page: ErrorPage,
        retry_after: Option<Duration>,
    },
    /// A redirect that is not followed: a 301/302/303 to a POST, a loop, or a downgrade to http.
    Redirect {
        status: u16,
        location: String,
        why: &'static str,
    },
    /// The request never left: connection refused, DNS, proxy.
    NotSent(String),
    /// The request may have reached the server; then the connection broke.
    AfterSent(String),
    /// No answer in time, after the request was sent.
    TimedOut,
    /// The exchange is impossible as asked (bad URL and the like): not worth a retry.
    Fatal(String),
    /// The answer is larger than the client's limit: refused while reading.
    TooLarge(String),
}

/// The page of an HTTP error answer, as read: at most [`ERROR_BODY_LIMIT`] bytes, unmasked
/// (the client masks secrets before it shortens it to text).
pub(crate) struct ErrorPage {
    pub(crate) text: String,
    /// Whether the page was longer than what was read.
    pub(crate) truncated: bool,
}

impl ErrorPage {
    /// A page already reduced to text.
    pub(crate) fn text(text: String) -> ErrorPage {
        ErrorPage {
            text,
            truncated: false,
        }
    }
}

impl std::fmt::Debug for ErrorPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Only ever printed after masking (the retry log line).
        write!(f, "{:?}", self.text)
    }
}

/// A 2xx answer, read to its declared end, with the connection it came on.
pub(crate) struct Answer<'t> {
    /// The body, decoded from gzip or deflate.
    pub(crate) bytes: Vec<u8>,
    /// Whether it came chunked: a chunked body cut short reads as a short body (ureq's decoder
    /// ends quietly on EOF), so a body that is not whole JSON was cut, not malformed.
    pub(crate) chunked: bool,
    /// The `content-type`, for error messages.
    pub(crate) content_type: String,
    /// The connection, closed when the answer is dropped unless [`Answer::accept`]ed.
    lease: Lease<'t>,
}

impl Answer<'_> {
    /// The caller read this answer as what it asked for: its connection may carry the next
    /// request. An answer that is dropped instead (it did not decode, or was not the api3
    /// envelope) closes its connection: see [`Lease`].
    pub(crate) fn accept(self) {
        self.lease.keep();
    }
}

impl std::fmt::Debug for Answer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answer")
            .field("bytes", &self.bytes.len())
            .field("chunked", &self.chunked)
            .field("content_type", &self.content_type)
            .finish_non_exhaustive()
    }
}

/// One connection, taken from the idle list for one exchange.
///
/// A connection carries a second request only when its first exchange ended cleanly; otherwise
/// the next request could read what is left of the first answer as its own (another request's
/// records, or a write's result handed to a read). Two rules together:
/// * ureq 3 pools a connection only when its answer was framed (by a length or a final chunk),
///   read to that end, and nothing came after it: neither in its read buffer nor on the socket,
///   which it probes again before reuse. A server or proxy that answers twice or miscounts a
///   body has its connection closed.
/// * The lease goes back to the idle list only through [`Lease::keep`], called when the caller
///   accepted the answer. Any other end drops it, which closes the connection: an error status
///   (its page capped at [`ERROR_BODY_LIMIT`] or read whole), an answer refused as too large, a
///   body cut short or timed out, a body that would not decode, a redirect. After a failure the
///   connection is suspect; a new one costs one handshake.
///
/// `tests/tests/connections.rs` plays each of these ends, and clean answers followed by a second
/// answer, on every read and write path, and checks that each request gets its own answer.
struct Lease<'t> {
    transport: &'t Transport,
    agent: Option<ureq::Agent>,
}

impl Lease<'_> {
    /// Returns the connection to the idle list.
    fn keep(mut self) {
        if let Some(agent) = self.agent.take() {
            self.transport.checkin(agent);
        }
    }

    fn agent(&self) -> &ureq::Agent {
        self.agent
            .as_ref()
            .expect("a lease holds its agent until kept")
    }
}

/// Per-request headers that can change during a client's life.
pub(crate) struct RequestHeaders<'a> {
    pub(crate) user_agent: &'a str,
    /// Sends `locale: auto`, so display names come back in the user's language (the official
    /// client's `config.localized`).
    pub(crate) localized: bool,
}

/// Idle keep-alive connections kept, at most (one per thread that calls at once, usually).
const MAX_IDLE_CONNECTIONS: usize = 16;

/// The settings of a [`Transport`].
#[derive(Clone, Debug)]
pub(crate) struct TransportConfig {
    pub(crate) endpoint: String,
    pub(crate) connect_timeout: Duration,
    /// The deadline of one whole exchange.
    pub(crate) read_timeout: Duration,
    /// A keep-alive connection idle longer than this is closed rather than used.
    pub(crate) idle_timeout: Duration,
    pub(crate) use_env_proxy: bool,
    /// The largest answer body read, after decoding.
    pub(crate) max_response_bytes: u64,
}

/// Keep-alive connections to the api3 endpoint, each with the time it was last used.
///
/// Each connection is a ureq agent holding at most one: ureq does not say how long a pooled
/// connection has been idle, and a site (or its load balancer) closes idle connections. ureq
/// notices a close whose FIN has arrived, but not one that crosses the request on the wire: then
/// a write would fail "after it was sent" and could not be repeated. So connections idle longer
/// than `idle_timeout` (shorter than a site's) are dropped before use.
#[derive(Debug)]
pub(crate) struct Transport {
    config: TransportConfig,
    idle: std::sync::Mutex<Vec<(ureq::Agent, std::time::Instant)>>,
    /// Shared by every agent, so that the TLS settings are built once.
    connector: Arc<DefaultConnector>,
}

/// ureq's connector, with its failures marked as [`NotConnected`]: a request whose connection
/// (TCP, proxy or TLS handshake) never opened was not sent, and may be sent again. ureq 3 reports
/// a refused or reset socket as the same `Io` error before and after sending.
#[derive(Debug)]
struct MarkConnectFailures(Arc<DefaultConnector>);

impl Connector for MarkConnectFailures {
    type Out = <DefaultConnector as Connector>::Out;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<()>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        self.0
            .connect(details, chained)
            .map_err(|e| ureq::Error::Other(Box::new(NotConnected(e))))
    }
}

/// The log targets under which ureq 3 prints what may hold a secret, at trace level: the raw
/// bytes of every exchange, and (when its own trace is on) redirect locations unmasked.
const WIRE_LOG_TARGETS: [&str; 2] = ["ureq_proto::util", "ureq::util"];

/// Refuses to send while the logger would print what ureq shows at trace level (credentials in
/// it): a secret never reaches a log line, whatever the logger's settings. The message says how
/// to keep tracing everything else.
fn refuse_wire_logging() -> Result<(), Failure> {
    let traced = WIRE_LOG_TARGETS
        .iter()
        .any(|t| log::log_enabled!(target: t, log::Level::Trace));
    if traced {
        return Err(Failure::Fatal(
            "not sent: the logger prints ureq's trace level, the raw HTTP bytes of every request \
             and answer, which hold the credentials; keep ureq at debug at most (with env_logger: \
             RUST_LOG=trace,ureq=debug,ureq_proto=off)"
                .into(),
        ));
    }
    Ok(())
}

/// A connection that could not be opened: nothing was sent on it.
#[derive(Debug)]
struct NotConnected(ureq::Error);

impl std::fmt::Display for NotConnected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "could not connect: {}", self.0)
    }
}

impl std::error::Error for NotConnected {}

impl Transport {
    pub(crate) fn new(config: TransportConfig) -> Transport {
        Transport {
            config,
            idle: std::sync::Mutex::new(Vec::new()),
            connector: Arc::new(DefaultConnector::default()),
        }
    }

    /// The deadline of one whole exchange.
    pub(crate) fn read_timeout(&self) -> Duration {
        self.config.read_timeout
    }

    /// The idle connection used last, if used within the idle timeout, else a new one.
    fn checkout(&self) -> ureq::Agent {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        while let Some((agent, last_used)) = idle.pop() {
            if last_used.elapsed() < self.config.idle_timeout {
                return agent;
            }
            // Dropping the agent closes its connection.
        }
        drop(idle);
        self.new_agent()
    }

    /// An agent with no connection yet: it opens one at its first request.
    fn new_agent(&self) -> ureq::Agent {
        let config = ureq::Agent::config_builder()
            .timeout_connect(Some(self.config.connect_timeout))
            // A deadline for the whole exchange, body included, on pooled connections too
            // (a per-read timeout alone would let a trickling answer run forever).
            .timeout_global(Some(self.config.read_timeout))
            // Redirects are ours to follow (see the module doc): ureq refuses a 307 to a POST.
            .max_redirects(0)
            .max_redirects_will_error(false)
            // An error status is an answer with a page to read, not a transport error.
            .http_status_as_error(false)
            .max_idle_connections(1)
            .max_idle_connections_per_host(1)
            .max_idle_age(self.config.idle_timeout)
            .proxy(if self.config.use_env_proxy {
                ureq::Proxy::try_from_env()
            } else {
                None
            })
            // The official client's httplib2 sends no `accept`; content encodings are ours.
            .accept(ureq::config::AutoHeaderValue::None)
            .accept_encoding(ureq::config::AutoHeaderValue::None)
            .build();
        ureq::Agent::with_parts(
            config,
            MarkConnectFailures(self.connector.clone()),
            ureq::unversioned::resolver::DefaultResolver::default(),
        )
    }

    fn checkin(&self, agent: ureq::Agent) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE_CONNECTIONS {
            idle.push((agent, std::time::Instant::now()));
        }
    }

    /// A connection for one exchange (see [`Lease`]).
    fn lease(&self) -> Lease<'_> {
        Lease {
            transport: self,
            agent: Some(self.checkout()),
        }
    }

    /// Posts `body` (JSON text) to the api3 endpoint, following 307/308 redirects, and returns
    /// the 2xx answer; the caller [`accept`](Answer::accept)s it once it has decoded it.
    pub(crate) fn post_json(&self, body: &str, h: &RequestHeaders) -> Result<Answer<'_>, Failure> {
        refuse_wire_logging()?;
        let mut url = self.config.endpoint.clone();
        let mut lease = self.lease();
        for _ in 0..=MAX_REDIRECTS {
            // The headers of the official client's `_call_rpc` and `_make_call`.
            let mut req = lease
                .agent()
                .post(&url)
                .header("content-type", "application/json; charset=utf-8")
                .header("connection", "keep-alive")
                .header("user-agent", h.user_agent)
                .header("accept-encoding", "gzip, deflate");
            if h.localized {
                req = req.header("locale", "auto");
            }
            let resp = req.send(body).map_err(failure_of)?;
            let status = resp.status().as_u16();
            if status >= 400 {
                return Err(status_failure(resp));
            }
            if (300..400).contains(&status) {
                let location = header(&resp, "location").unwrap_or("").to_string();
                let redirect = |why| Failure::Redirect {
                    status,
                    location: location.clone(),
                    why,
                };
                if !matches!(status, 307 | 308) {
                    return Err(redirect(
                        "a redirect that would turn the POST into a GET is not followed",
                    ));
                }
                let next = resolve(&url, &location).ok_or_else(|| redirect("no valid location"))?;
                if url.starts_with("https:") && next.starts_with("http:") {
                    return Err(redirect("a redirect from https to http is not followed"));
                }
                log::debug!("api3: HTTP {status}: following to {next}");
                url = next;
                // The redirect's connection is not reused (see `Lease`): the next hop opens one.
                drop(resp);
                lease = Lease {
                    transport: self,
                    agent: Some(self.new_agent()),
                };
                continue;
            }
            let (bytes, chunked, content_type) = read_answer(resp, self.config.max_response_bytes)?;
            return Ok(Answer {
                bytes,
                chunked,
                content_type,
                lease,
            });
        }
        Err(Failure::Redirect {
            status: 310,
            location: url,
            why: "too many redirects",
        })
    }
}

/// What a request other than an api3 call sends: a stream of known length (a form, a file or
/// a part of one), never held whole in memory.
pub(crate) enum Payload<'a> {
    Stream {
        reader: &'a mut dyn Read,
        len: u64,
        content_type: &'a str,
    },
}

/// The answer to a request other than an api3 call: its status, `etag` and text (bounded).
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) etag: Option<String>,
    pub(crate) text: String,
}

/// The text of a form answer kept, at most (they are one or a few short lines).
const REPLY_TEXT_LIMIT: u64 = 64 * 1024;

impl Transport {
    /// `path` on the site (`/upload/upload_file`), as a URL.
    pub(crate) fn site_url(&self, path: &str) -> String {
        resolve(&self.config.endpoint, path).unwrap_or_else(|| path.to_string())
    }

    /// Sends `method` to `url` with `headers` and `payload`, and reads a short text answer:
    /// the upload routes' form posts and part PUTs. Redirects are not followed.
    pub(crate) fn request(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        payload: Payload,
    ) -> Result<Reply, Failure> {
        refuse_wire_logging()?;
        let lease = self.lease();
        let agent = lease.agent();
        let answer = (|| {
            let mut req = ureq::http::Request::builder().method(method).uri(url);
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            let sent = match payload {
                Payload::Stream {
                    reader,
                    len,
                    content_type,
                } => req
                    .header("content-type", content_type)
                    .header("content-length", len)
                    .body(ureq::SendBody::from_reader(reader))
                    .map_err(|e| Failure::Fatal(format!("the request could not be built: {e}")))?,
            };
            let resp = agent.run(sent).map_err(failure_of)?;
            if resp.status().as_u16() >= 400 {
                return Err(status_failure(resp));
            }
            let etag = header(&resp, "etag").map(str::to_owned);
            let mut raw = Vec::new();
            let mut reader = resp.into_body().into_reader();
            (&mut reader)
                .take(REPLY_TEXT_LIMIT)
                .read_to_end(&mut raw)
                .map_err(|e| classify_io(&e))?;
            // A form answer is one or a few short lines; one longer than the cap was not
            // read to its end, so its connection is not kept (see `Lease`).
            let mut rest = [0u8; 1];
            let whole = matches!(reader.read(&mut rest), Ok(0));
            Ok((
                Reply {
                    etag,
                    text: String::from_utf8_lossy(&raw).into_owned(),
                },
                whole,
            ))
        })();
        match answer {
            Ok((reply, whole)) => {
                if whole {
                    lease.keep();
                }
                Ok(reply)
            }
            Err(f) => Err(f),
        }
    }

    /// Streams the body of a GET of `url` into `sink`, calling `progress` with the bytes
    /// written so far; returns their number.
    pub(crate) fn download(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        sink: &mut dyn std::io::Write,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64, Failure> {
        refuse_wire_logging()?;
        let lease = self.lease();
        let agent = lease.agent();
        let answer = (|| {
            let mut req = agent.get(url);
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            let resp = req.call().map_err(failure_of)?;
            if resp.status().as_u16() >= 400 {
                return Err(status_failure(resp));
            }
            let mut reader = resp.into_body().into_reader();
            let mut buf = vec![0u8; 256 * 1024];
            let mut done = 0u64;
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(classify_io(&e)),
                };
                sink.write_all(&buf[..n])
                    .map_err(|e| Failure::Fatal(format!("writing the download failed: {e}")))?;
                done += n as u64;
                progress(done);
            }
            Ok(done)
        })();
        // Kept only when the body was read to its end (a failed write to the sink stops early).
        if answer.is_ok() {
            lease.keep();
        }
        answer
    }
}

/// `location` resolved against `base`.
fn resolve(base: &str, location: &str) -> Option<String> {
    let base = url::Url::parse(base).ok()?;
    let next = base.join(location).ok()?;
    matches!(next.scheme(), "http" | "https").then(|| next.to_string())
}

/// An answer as ureq 3 gives it.
type Response = ureq::http::Response<ureq::Body>;

/// The value of header `name`, when it is text.
fn header<'r>(resp: &'r Response, name: &str) -> Option<&'r str> {
    resp.headers().get(name).and_then(|v| v.to_str().ok())
}

fn read_answer(resp: Response, limit: u64) -> Result<(Vec<u8>, bool, String), Failure> {
    let chunked = header(&resp, "transfer-encoding").is_some();
    let encoding = header(&resp, "content-encoding")
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let content_type = header(&resp, "content-type").unwrap_or("").to_string();
    let too_large = |what: &str| {
        Failure::TooLarge(format!(
            "the answer's {what} is larger than the client's limit of {limit} bytes (`ClientBuilder::max_response_bytes`)"
        ))
    };
    if header(&resp, "content-length")
        .and_then(|n| n.trim().parse::<u64>().ok())
        .is_some_and(|n| n > limit)
    {
        return Err(too_large("content-length"));
    }
    // Read at most one byte past the limit, so that a larger body is refused, not held.
    let mut raw = Vec::new();
    resp.into_body()
        .into_reader()
        .take(limit.saturating_add(1))
        .read_to_end(&mut raw)
        .map_err(|e| classify_io(&e))?;
    if raw.len() as u64 > limit {
        return Err(too_large("body"));
    }
    let bytes = decode_content(&encoding, raw, limit.saturating_add(1)).map_err(|e| {
        // A compressed stream that ends early is a body cut short, as with any cut connection.
        Failure::AfterSent(format!("the {encoding} body could not be decoded: {e}"))
    })?;
    if bytes.len() as u64 > limit {
        return Err(too_large("decoded body"));
    }
    Ok((bytes, chunked, content_type))
}

/// Decodes a `content-encoding` of gzip or deflate (zlib-wrapped, or raw as some servers send),
/// keeping at most `limit` decoded bytes.
fn decode_content(encoding: &str, raw: Vec<u8>, limit: u64) -> std::io::Result<Vec<u8>> {
    use flate2::read::{DeflateDecoder, MultiGzDecoder, ZlibDecoder};
    let mut out = Vec::new();
    match encoding {
        "gzip" | "x-gzip" => {
            MultiGzDecoder::new(&raw[..])
                .take(limit)
                .read_to_end(&mut out)?;
        }
        "deflate" => {
            if ZlibDecoder::new(&raw[..])
                .take(limit)
                .read_to_end(&mut out)
                .is_err()
            {
                out.clear();
                DeflateDecoder::new(&raw[..])
                    .take(limit)
                    .read_to_end(&mut out)?;
            }
        }
        _ => return Ok(raw),
    }
    Ok(out)
}

/// The page of an error answer: at most [`ERROR_BODY_LIMIT`] bytes, decoded. The client turns
/// it into a sentence with [`page_text`] (a 403's "API access is blocked" page, which the official
/// client appends to the error) after masking secrets.
fn error_page(resp: Response) -> ErrorPage {
    let encoding = header(&resp, "content-encoding").unwrap_or("").to_string();
    let mut raw = Vec::new();
    let _ = resp
        .into_body()
        .into_reader()
        .take(ERROR_BODY_LIMIT + 1)
        .read_to_end(&mut raw);
    let mut truncated = raw.len() as u64 > ERROR_BODY_LIMIT;
    raw.truncate(ERROR_BODY_LIMIT as usize);
    // Bounded after decoding too: a small compressed page can expand a thousandfold.
    let mut bytes = decode_content(&encoding, raw, ERROR_BODY_LIMIT + 1).unwrap_or_default();
    if bytes.len() as u64 > ERROR_BODY_LIMIT {
        truncated = true;
        bytes.truncate(ERROR_BODY_LIMIT as usize);
    }
    ErrorPage {
        text: String::from_utf8_lossy(&bytes).into_owned(),
        truncated,
    }
}

/// `html` without tags, scripts or styles, white space folded, at most [`ERROR_TEXT_CHARS`] characters.
pub(crate) fn page_text(html: &str) -> String {
    let mut text = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        text.push(' ');
        let tag = &rest[open..];
        let lower: String = tag.chars().take(8).collect::<String>().to_ascii_lowercase();
        // Skip the content of script and style elements with their tags.
        let end_marker = if lower.starts_with("<script") {
            "</script>"
        } else if lower.starts_with("<style") {
            "</style>"
        } else {
            ">"
        };
        let found = if end_marker == ">" {
            tag.find('>')
        } else {
            tag.to_ascii_lowercase().find(end_marker)
        };
        rest = match found {
            Some(i) => &tag[i + end_marker.len()..],
            None => "",
        };
    }
    text.push_str(rest);
    let text = text
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match folded.char_indices().nth(ERROR_TEXT_CHARS) {
        Some((i, _)) => format!("{}...", &folded[..i]),
        None => folded,
    }
}

/// An error status (4xx, 5xx) with its page and, with a 429 or 503, how long to wait.
fn status_failure(resp: Response) -> Failure {
    Failure::Status {
        status: resp.status().as_u16(),
        retry_after: header(&resp, "retry-after").and_then(retry_after),
        page: error_page(resp),
    }
}

/// A ureq error as the retry policy sees it. Only what certainly happened before the request
/// left is [`Failure::NotSent`] (a write may be sent again after it); anything else that is not
/// a mistake in the request itself may have reached the site.
fn failure_of(e: ureq::Error) -> Failure {
    use ureq::{Error as E, Timeout as T};
    let detail = e.to_string();
    match e {
        E::Other(inner) if inner.is::<NotConnected>() => Failure::NotSent(detail),
        E::HostNotFound | E::Timeout(T::Resolve | T::Connect) | E::ConnectProxyFailed(_) => {
            Failure::NotSent(detail)
        }
        E::Timeout(_) => Failure::TimedOut,
        E::Io(io) => classify_io(&io),
        E::Http(_)
        | E::BadUri(_)
        | E::InvalidProxyUrl
        | E::RequireHttpsOnly(_)
        | E::TlsRequired
        | E::BodyExceedsLimit(_) => Failure::Fatal(detail),
        // A broken status line or headers, a stalled body, a TLS fault after the handshake:
        // the server may have handled the request.
        _ => Failure::AfterSent(detail),
    }
}

/// A `Retry-After` in seconds (sites send seconds; an HTTP date is read as none), at most ten
/// minutes: a site cannot park a client for hours.
fn retry_after(value: &str) -> Option<Duration> {
    let seconds: u64 = value.trim().parse().ok()?;
    Some(Duration::from_secs(seconds.min(600)))
}

impl Failure {
    /// How long the site asked the client to wait before any request (`Retry-After` of a 429 or
    /// 503), if it did.
    pub(crate) fn retry_after(&self) -> Option<Duration> {
        match self {
            Failure::Status {
                status: 429 | 503,
                retry_after,
                ..
            } => *retry_after,
            _ => None,
        }
    }
}

fn classify_io(e: &std::io::Error) -> Failure {
    match e.kind() {
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => Failure::TimedOut,
        _ => Failure::AfterSent(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_pages_read_as_text() {
        let html = "<html><head><style>p{color:red}</style><script>var x = '<b>';</script></head>\
                    <body><h1>403 Forbidden</h1>\n<p>API access is   blocked &amp; logged</p></body></html>";
        assert_eq!(
            page_text(html),
            "403 Forbidden API access is blocked & logged"
        );
        let long = "x ".repeat(1000);
        assert_eq!(page_text(&long).chars().count(), ERROR_TEXT_CHARS + 3);
    }

    #[test]
    fn locations_resolve_against_the_request() {
        let base = "https://studio.shotgrid.autodesk.com/api3/json";
        assert_eq!(
            resolve(base, "/api3/json2").as_deref(),
            Some("https://studio.shotgrid.autodesk.com/api3/json2")
        );
        assert_eq!(
            resolve(base, "https://other.example/api3/json").as_deref(),
            Some("https://other.example/api3/json")
        );
        assert_eq!(resolve(base, "ftp://x/y"), None);
    }

    #[test]
    fn both_deflate_forms_decode() {
        use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
        use flate2::Compression;
        use std::io::Write;
        let text = b"{\"results\": 1}".to_vec();
        let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
        z.write_all(&text).unwrap();
        assert_eq!(
            decode_content("deflate", z.finish().unwrap(), u64::MAX).unwrap(),
            text
        );
        let mut d = DeflateEncoder::new(Vec::new(), Compression::default());
        d.write_all(&text).unwrap();
        assert_eq!(
            decode_content("deflate", d.finish().unwrap(), u64::MAX).unwrap(),
            text
        );
        let mut g = GzEncoder::new(Vec::new(), Compression::default());
        g.write_all(&text).unwrap();
        let mut gz = g.finish().unwrap();
        assert_eq!(decode_content("gzip", gz.clone(), u64::MAX).unwrap(), text);
        assert_eq!(
            decode_content("gzip", gz.clone(), 5).unwrap(),
            &text[..5],
            "bounded"
        );
        gz.truncate(gz.len() - 6);
        assert!(
            decode_content("gzip", gz, u64::MAX).is_err(),
            "a cut gzip stream is an error"
        );
        assert_eq!(decode_content("", text.clone(), u64::MAX).unwrap(), text);
    }
}
