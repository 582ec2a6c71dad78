//! The one HTTP transport of the workspace: a keep-alive ureq agent posting api3 envelopes.

use std::io::Read;
use std::time::Duration;

/// How one HTTP exchange failed, in the terms the retry policy needs.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The server answered with this non-200 status.
    Status(u16),
    /// The request never left: connection refused, DNS, proxy.
    NotSent(String),
    /// The request may have reached the server; then the connection broke.
    AfterSent(String),
    /// No answer in time, after the request was sent.
    TimedOut,
    /// The exchange is impossible as asked (bad URL and the like): not worth a retry.
    Fatal(String),
}

/// A shared keep-alive agent and the endpoint it posts to.
#[derive(Debug)]
pub(crate) struct Transport {
    agent: ureq::Agent,
    endpoint: String,
    pub(crate) read_timeout: Duration,
}

impl Transport {
    pub(crate) fn new(
        endpoint: String,
        connect_timeout: Duration,
        read_timeout: Duration,
        use_env_proxy: bool,
    ) -> Transport {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(connect_timeout)
            // A deadline for the whole exchange: ureq applies it on pooled connections too,
            // which a per-read timeout alone is not (a reused connection would wait forever).
            .timeout(read_timeout)
            .user_agent(crate::USER_AGENT)
            .try_proxy_from_env(use_env_proxy)
            .build();
        Transport {
            agent,
            endpoint,
            read_timeout,
        }
    }

    /// Posts `body` (JSON text) and returns the 200 answer's bytes.
    pub(crate) fn post(&self, body: &str) -> Result<Vec<u8>, Failure> {
        let result = self
            .agent
            .post(&self.endpoint)
            .set("Content-Type", "application/json; charset=utf-8")
            .set("Accept", "application/json")
            .send_string(body);
        match result {
            Ok(resp) => {
                let mut bytes = Vec::new();
                resp.into_reader()
                    .read_to_end(&mut bytes)
                    .map_err(|e| classify_io(&e))?;
                Ok(bytes)
            }
            Err(ureq::Error::Status(code, _)) => Err(Failure::Status(code)),
            Err(ureq::Error::Transport(t)) => Err(classify_transport(&t)),
        }
    }
}

fn classify_io(e: &std::io::Error) -> Failure {
    match e.kind() {
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => Failure::TimedOut,
        _ => Failure::AfterSent(e.to_string()),
    }
}

fn classify_transport(t: &ureq::Transport) -> Failure {
    use ureq::ErrorKind as K;
    let detail = t.to_string();
    match t.kind() {
        K::Dns | K::ConnectionFailed | K::ProxyConnect | K::ProxyUnauthorized => {
            Failure::NotSent(detail)
        }
        K::Io => {
            let io = std::error::Error::source(t).and_then(|s| s.downcast_ref::<std::io::Error>());
            match io {
                Some(e) => classify_io(e),
                None => Failure::AfterSent(detail),
            }
        }
        // A broken or empty status line: the server may have handled the request.
        K::BadStatus | K::BadHeader => Failure::AfterSent(detail),
        _ => Failure::Fatal(detail),
    }
}
