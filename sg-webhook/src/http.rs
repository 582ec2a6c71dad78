//! The side that faces the internet: hyper on tokio, with every byte treated as hostile. A
//! request's head has a size, a count and a deadline; its body a limit checked on the announced
//! length before anything is read, and again while reading, and a deadline of its own; open
//! connections are bounded, and the accept loop outlives every error. A slow or stalled client
//! costs its own connection, never another's delivery. Answers say what was wrong in a few
//! words; the details go to the log.

use crate::receiver::{Answer, Shared};
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// The limits every connection and request is held to.
#[derive(Clone, Debug)]
pub(crate) struct Limits {
    /// The largest body taken.
    pub max_body: usize,
    /// The most bytes a request head may take (hyper answers 431 past it).
    pub max_head: usize,
    /// The most header fields a request may have.
    pub max_headers: usize,
    /// How long a client may take to send a request head (and, between requests on a kept
    /// connection, to start the next).
    pub head_timeout: Duration,
    /// How long a client may take to send a body.
    pub body_timeout: Duration,
    /// Connections open at once; past it, new ones wait in the listen queue.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body: 64 << 20,
            max_head: 64 << 10,
            max_headers: 100,
            head_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            max_connections: 768,
        }
    }
}

/// The receiver as a tower service, to mount at a route of an application of one's own
/// (`axum::Router::new().route_service("/sg/webhook", receiver.service())`): POSTed deliveries
/// are verified, recorded and answered as by the receiver's own listener, with its body limit
/// and body deadline. The application's server keeps its own head limits and timeouts.
#[derive(Clone)]
pub struct WebhookService {
    shared: Arc<Shared>,
}

impl WebhookService {
    pub(crate) fn new(shared: Arc<Shared>) -> WebhookService {
        WebhookService { shared }
    }
}

type Answered = Response<Full<Bytes>>;

/// Of a body announced too large, at most this much is read (and dropped) before the 413.
const DRAIN_BYTES: usize = 256 << 10;

/// ... within at most this long.
const DRAIN_TIME: Duration = Duration::from_secs(1);

impl<B> tower_service::Service<Request<B>> for WebhookService
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Answered;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Answered, Infallible>> + Send>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Infallible>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let shared = self.shared.clone();
        Box::pin(async move { Ok(deliver(shared, request).await) })
    }
}

fn answer(status: StatusCode, text: &'static str) -> Answered {
    let mut r = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// One request to the delivery path: method, announced length, the body within its limit and
/// deadline, then the receiver's verdict (verify, decode, record durably) off the runtime.
async fn deliver<B>(shared: Arc<Shared>, request: Request<B>) -> Answered
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let limits = shared.limits.clone();
    if request.method() != Method::POST {
        shared.count(Answer::Refused);
        return answer(StatusCode::METHOD_NOT_ALLOWED, "deliveries are POSTed\n");
    }
    let announced = request
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().parse::<u64>());
    match announced {
        // Refused on the announced length: nothing of the body is read or allocated.
        Some(Ok(n)) if n > limits.max_body as u64 => {
            shared.count(Answer::Refused);
            log::warn!(
                "webhook receiver: a body of {n} bytes announced, over the limit of {}",
                limits.max_body
            );
            // A little of it is read and dropped (bounded in bytes and time), so that a client
            // still sending a body slightly too large reads the 413 rather than a reset; the
            // rest is never read, and the connection is closed.
            let drain = http_body_util::Limited::new(request.into_body(), DRAIN_BYTES).collect();
            let _ = tokio::time::timeout(DRAIN_TIME, drain).await;
            return answer(StatusCode::PAYLOAD_TOO_LARGE, "the body is too large\n");
        }
        Some(Err(_)) => {
            shared.count(Answer::Refused);
            return answer(StatusCode::BAD_REQUEST, "not a webhook delivery\n");
        }
        _ => {}
    }
    let signature = request
        .headers()
        .get(sg_runtime::webhook::SIGNATURE_HEADER)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let body = Limited::new(request.into_body(), limits.max_body);
    let body = match tokio::time::timeout(limits.body_timeout, body.collect()).await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) => {
            shared.count(Answer::Refused);
            if e.is::<http_body_util::LengthLimitError>() {
                return answer(StatusCode::PAYLOAD_TOO_LARGE, "the body is too large\n");
            }
            log::warn!("webhook receiver: the body could not be read: {e}");
            return answer(StatusCode::BAD_REQUEST, "the body could not be read\n");
        }
        Err(_) => {
            shared.count(Answer::Refused);
            log::warn!(
                "webhook receiver: a body not sent within {:?}",
                limits.body_timeout
            );
            return answer(StatusCode::REQUEST_TIMEOUT, "the body came too slowly\n");
        }
    };
    // Verifying, decoding and the ledger's synced write are blocking work: off the runtime.
    let verdict = {
        let shared = shared.clone();
        tokio::task::spawn_blocking(move || shared.take(signature.as_deref(), &body)).await
    };
    let verdict = verdict.unwrap_or_else(|e| {
        log::error!("webhook receiver: taking a delivery failed: {e}");
        Answer::Unavailable
    });
    shared.count(verdict);
    match verdict {
        Answer::Accepted => answer(StatusCode::OK, "taken\n"),
        Answer::Unauthorized => answer(StatusCode::UNAUTHORIZED, "signature missing or wrong\n"),
        Answer::Refused => answer(StatusCode::BAD_REQUEST, "not a webhook delivery\n"),
        Answer::Unavailable => answer(
            StatusCode::SERVICE_UNAVAILABLE,
            "the delivery could not be recorded\n",
        ),
    }
}

/// Serves `path` on `listener` until `stop` turns true; then stops accepting, lets what is in
/// flight finish (at most `drain`), and returns.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    path: String,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
    drain: Duration,
) {
    let limits = shared.limits.clone();
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.head_timeout)
        .max_buf_size(limits.max_head.max(8192))
        .max_headers(limits.max_headers)
        .keep_alive(true);
    let http = Arc::new(http);
    let mut connections = tokio::task::JoinSet::new();
    let mut accept_errors = 0u32;
    loop {
        // A slot first: past the bound, new connections wait in the kernel's queue.
        let slot = tokio::select! {
            s = slots.clone().acquire_owned() => match s {
                Ok(s) => s,
                Err(_) => break,
            },
            _ = stop.changed() => break,
        };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.changed() => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => {
                accept_errors = 0;
                a
            }
            Err(e) => {
                // Out of file descriptors, a connection reset before it was taken, ...: the
                // loop backs off and goes on; it never ends on an error.
                accept_errors = accept_errors.saturating_add(1);
                if accept_errors == 1 || accept_errors.is_power_of_two() {
                    log::warn!("webhook receiver: accept failed ({accept_errors} in a row): {e}");
                }
                let pause = Duration::from_millis(5 << accept_errors.min(6));
                tokio::time::sleep(pause).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let (shared, path, http, mut stop) =
            (shared.clone(), path.clone(), http.clone(), stop.clone());
        connections.spawn(async move {
            let _slot = slot;
            let service =
                hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
                    let shared = shared.clone();
                    let on_path = request.uri().path() == path;
                    async move {
                        if !on_path {
                            shared.count(Answer::Refused);
                            return Ok::<_, Infallible>(answer(
                                StatusCode::NOT_FOUND,
                                "not found\n",
                            ));
                        }
                        Ok(deliver(shared, request).await)
                    }
                });
            let connection = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::pin!(connection);
            let outcome = tokio::select! {
                r = connection.as_mut() => r,
                _ = stop.changed() => {
                    connection.as_mut().graceful_shutdown();
                    connection.as_mut().await
                }
            };
            if let Err(e) = outcome {
                log::debug!("webhook receiver: connection from {peer}: {e}");
            }
        });
        // Finished connections are reaped as we go, so the set holds what is open.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = tokio::time::timeout(drain, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    connections.abort_all();
}
