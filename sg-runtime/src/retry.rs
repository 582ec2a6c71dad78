//! When and how long to wait before trying a request again.

use crate::transport::Failure;
use sg_api3::methods::MethodKind;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The retry policy of a [`Client`](crate::Client).
///
/// A request is tried again, up to `max_attempts` tries in all, only where trying again cannot
/// apply it twice:
/// * a read-only method (`read`, `summarize`, the schema reads, `info`, ...) after an HTTP 502,
///   503 or 504, a timeout, or a connection cut after sending (its body cut short included);
/// * any method, writes included, when the connection failed before the request left (refused,
///   DNS, TLS, proxy): the site never saw it.
///
/// A write (`create`, `update`, `delete`, `revive`, `batch`, and any method not known to be
/// read-only) is never sent again otherwise: a 5xx, a timeout, a cut connection or a 2xx that
/// is not an api3 envelope fail with [`Error::MayHaveBeenApplied`](crate::Error::MayHaveBeenApplied),
/// since a gateway answers 502/504 to a request the site goes on to apply. 4xx answers and
/// redirects are errors as they are (the site did not handle the request). Creates with an
/// idempotency key ([`Client::create_once`](crate::Client::create_once)) look for their key
/// and are sent again only once it shows they were not applied.
///
/// The wait before try `n + 1` is `min(max_delay, base_delay * 2^(n-1))`, scaled by a random
/// factor in `[0.5, 1.0]` when `jitter` is on, so that many clients do not retry in step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included (at least 1).
    pub max_attempts: u32,
    /// The wait after the first failure.
    pub base_delay: Duration,
    /// The longest wait.
    pub max_delay: Duration,
    /// Whether waits are randomised.
    pub jitter: bool,
    /// The longest pause a site's `Retry-After` (on a 429 or 503) is honoured for; a longer one
    /// is cut to it (default 600 s). The pause holds every request of the client and its
    /// clones, and each try waits it out first: a read can wait `max_attempts - 1` pauses
    /// before it gives up, 20 minutes at the defaults (2 x 600 s, plus the tries themselves),
    /// and the client's next requests wait out the last pause too. A write is not tried again
    /// after a 503, but the pause it was told still holds the client. A service that must
    /// answer sooner sets a shorter one.
    pub max_pause: Duration,
}

impl Default for RetryPolicy {
    /// Three tries, waits from 0.75 s (as the official Python client) doubling up to 10 s, jittered.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(750),
            max_delay: Duration::from_secs(10),
            jitter: true,
            max_pause: Duration::from_secs(600),
        }
    }
}

impl RetryPolicy {
    /// One try, no retries.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The wait after failed try number `attempt` (1-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(20);
        let d = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        if self.jitter {
            d.mul_f64(0.5 + 0.5 * unit_random())
        } else {
            d
        }
    }
}

/// A number in `[0, 1)`, random enough to spread retries (no crate needed for that).
fn unit_random() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// A request as the retry rules see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Request {
    /// An api3 method that changes nothing (the registry's `ReadOnly`).
    Read,
    /// A request that changes the site: an api3 write, or the upload step that links a file
    /// (it creates the Attachment).
    Write,
    /// A storage or upload-route exchange that can be repeated: a part PUT, a request for an
    /// upload link, a download. Storage answers 500 to a transient fault and asks clients to
    /// try again, which a site's 500 to an api3 read does not call for.
    Transfer,
}

impl From<MethodKind> for Request {
    fn from(kind: MethodKind) -> Request {
        match kind {
            MethodKind::ReadOnly => Request::Read,
            MethodKind::Write => Request::Write,
        }
    }
}

/// What to do after a failed try.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Try again, if the policy has tries left.
    Retry,
    /// Stop: the site did not apply the request (or it changes nothing).
    Fail,
    /// Stop: the site may have applied the request ([`Error::MayHaveBeenApplied`](crate::Error::MayHaveBeenApplied)).
    MayHaveBeenApplied,
}

/// The rule: what a failure means for a request of this kind. Only a failure that proves the
/// site never saw the request lets a write be sent again: a gateway's 502/503/504 can come after
/// the site applied it (a load balancer answers 504 to a slow create that still completes), so
/// a write is never resent on those. The official client's `_make_call` likewise re-sends only
/// after SSL errors, and on no status. 4xx answers and redirects come before a site handles a
/// request; 5xx answers, timeouts, cut connections and answers too large to read may come after.
pub(crate) fn decide(failure: &Failure, request: Request) -> Decision {
    use Decision::*;
    match (failure, request) {
        (Failure::NotSent(_), _) => Retry,
        // Too many requests: the site refused this one before handling it, whatever it is.
        (Failure::Status { status: 429, .. }, _) => Retry,
        (
            Failure::Status {
                status: 502..=504, ..
            },
            Request::Read,
        ) => Retry,
        (
            Failure::Status {
                status: 500 | 502..=504,
                ..
            },
            Request::Transfer,
        ) => Retry,
        (Failure::Status { status, .. }, Request::Write) if *status >= 500 => MayHaveBeenApplied,
        (Failure::Status { .. }, _) => Fail,
        (Failure::AfterSent(_) | Failure::TimedOut, Request::Read | Request::Transfer) => Retry,
        (Failure::AfterSent(_) | Failure::TimedOut | Failure::TooLarge(_), Request::Write) => {
            MayHaveBeenApplied
        }
        (Failure::TooLarge(_) | Failure::Redirect { .. } | Failure::Fatal(_), _) => Fail,
    }
}

/// Why [`run`] stopped without a result.
#[derive(Debug)]
pub(crate) struct Stopped {
    /// The last try's failure.
    pub(crate) failure: Failure,
    /// Whether the site may have applied the request.
    pub(crate) may_have_been_applied: bool,
}

/// A pause a site asked a client for (the `Retry-After` of a 429 or 503): every request of the
/// client waits it out before it is sent, not only the one that was told, so that a client
/// reading many pages at once slows down as a whole.
#[derive(Debug, Default)]
pub(crate) struct Throttle {
    until: Mutex<Option<Instant>>,
}

impl Throttle {
    /// Waits until the pause, if any, is over.
    pub(crate) fn wait(&self) {
        loop {
            let until = *self.until.lock().unwrap_or_else(|p| p.into_inner());
            match until.map(|t| t.saturating_duration_since(Instant::now())) {
                Some(left) if !left.is_zero() => std::thread::sleep(left),
                _ => return,
            }
        }
    }

    /// What is left of the pause, if any.
    pub(crate) fn left(&self) -> Option<Duration> {
        let until = *self.until.lock().unwrap_or_else(|p| p.into_inner());
        until
            .map(|t| t.saturating_duration_since(Instant::now()))
            .filter(|d| !d.is_zero())
    }

    /// Pauses every request for `d` from now (a longer pause already set stays).
    pub(crate) fn slow_down(&self, d: Duration) {
        let mut until = self.until.lock().unwrap_or_else(|p| p.into_inner());
        let t = Instant::now() + d;
        if until.is_none_or(|u| u < t) {
            *until = Some(t);
        }
    }
}

/// The one retry driver: runs `try_once` until it succeeds, or [`decide`] and `policy` say
/// stop. Each try first waits out a pause the site asked for (`throttle`); a failure that asks
/// for one sets it for the whole client, and is tried again after it rather than after the
/// policy's back-off. `what` names the request in log lines.
pub(crate) fn run<T>(
    policy: &RetryPolicy,
    throttle: &Throttle,
    request: Request,
    what: &dyn Fn() -> String,
    mut try_once: impl FnMut() -> Result<T, Failure>,
) -> Result<T, Stopped> {
    let started = std::time::Instant::now();
    let mut attempt = 1;
    loop {
        throttle.wait();
        let failure = match try_once() {
            Ok(v) => {
                log::debug!(
                    "{} ok in {} ms (try {attempt})",
                    what(),
                    started.elapsed().as_millis()
                );
                return Ok(v);
            }
            Err(f) => f,
        };
        let decision = decide(&failure, request);
        let asked = failure.retry_after().map(|d| d.min(policy.max_pause));
        if let Some(d) = asked {
            throttle.slow_down(d);
        }
        if decision == Decision::Retry && attempt < policy.max_attempts.max(1) {
            // The site's pause is waited out by `throttle.wait` above.
            let wait = if asked.is_some() {
                Duration::ZERO
            } else {
                policy.delay(attempt)
            };
            log::debug!(
                "{}: try {attempt} failed ({failure:?}); retrying in {} ms",
                what(),
                wait.as_millis()
            );
            std::thread::sleep(wait);
            attempt += 1;
            continue;
        }
        log::debug!(
            "{}: giving up after {attempt} tries in {} ms",
            what(),
            started.elapsed().as_millis()
        );
        return Err(Stopped {
            may_have_been_applied: decision == Decision::MayHaveBeenApplied,
            failure,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap() {
        let p = RetryPolicy {
            jitter: false,
            max_pause: std::time::Duration::from_secs(600),
            max_attempts: 9,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
        };
        let d: Vec<u128> = (1..=4).map(|a| p.delay(a).as_millis()).collect();
        assert_eq!(d, [100, 200, 350, 350]);
    }

    #[test]
    fn jitter_stays_within_half_and_full() {
        let p = RetryPolicy::default();
        for _ in 0..200 {
            let d = p.delay(1);
            assert!(
                d >= Duration::from_millis(375) && d <= Duration::from_millis(750),
                "{d:?}"
            );
        }
    }

    fn status(status: u16) -> Failure {
        Failure::Status {
            status,
            page: crate::transport::ErrorPage::text(String::new()),
            retry_after: None,
        }
    }

    #[test]
    fn the_decision_table() {
        use Decision::*;
        use Request::*;
        let redirect = || Failure::Redirect {
            status: 302,
            location: String::new(),
            why: "",
        };
        // (failure, read, write, transfer)
        let table: Vec<(&str, Failure, Decision, Decision, Decision)> = vec![
            (
                "not sent",
                Failure::NotSent("refused".into()),
                Retry,
                Retry,
                Retry,
            ),
            ("400", status(400), Fail, Fail, Fail),
            ("404", status(404), Fail, Fail, Fail),
            ("429", status(429), Retry, Retry, Retry),
            ("500", status(500), Fail, MayHaveBeenApplied, Retry),
            ("501", status(501), Fail, MayHaveBeenApplied, Fail),
            ("502", status(502), Retry, MayHaveBeenApplied, Retry),
            ("503", status(503), Retry, MayHaveBeenApplied, Retry),
            ("504", status(504), Retry, MayHaveBeenApplied, Retry),
            (
                "cut after sending",
                Failure::AfterSent("reset".into()),
                Retry,
                MayHaveBeenApplied,
                Retry,
            ),
            (
                "timed out",
                Failure::TimedOut,
                Retry,
                MayHaveBeenApplied,
                Retry,
            ),
            (
                "too large",
                Failure::TooLarge("big".into()),
                Fail,
                MayHaveBeenApplied,
                Fail,
            ),
            ("redirect", redirect(), Fail, Fail, Fail),
            ("fatal", Failure::Fatal("bad url".into()), Fail, Fail, Fail),
        ];
        for (what, failure, read, write, transfer) in table {
            assert_eq!(decide(&failure, Read), read, "{what}, read");
            assert_eq!(decide(&failure, Write), write, "{what}, write");
            assert_eq!(decide(&failure, Transfer), transfer, "{what}, transfer");
        }
    }

    #[test]
    fn the_driver_stops_at_the_policy_and_reports_the_last_failure() {
        let policy = RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
            jitter: false,
            max_pause: std::time::Duration::from_secs(600),
        };
        let mut tries = 0;
        let throttle = Throttle::default();
        let stopped = run(&policy, &throttle, Request::Read, &|| "read".into(), || {
            tries += 1;
            Err::<(), _>(status(503))
        })
        .unwrap_err();
        assert_eq!(tries, 3);
        assert!(!stopped.may_have_been_applied);
        // A write stops at the first ambiguous failure, and says so.
        let mut tries = 0;
        let stopped = run(
            &policy,
            &throttle,
            Request::Write,
            &|| "create".into(),
            || {
                tries += 1;
                Err::<(), _>(status(504))
            },
        )
        .unwrap_err();
        assert_eq!(tries, 1);
        assert!(stopped.may_have_been_applied);
        // A write whose request never left is sent again.
        let mut tries = 0;
        let ok = run(
            &policy,
            &throttle,
            Request::Write,
            &|| "create".into(),
            || {
                tries += 1;
                if tries < 3 {
                    Err(Failure::NotSent("refused".into()))
                } else {
                    Ok(7)
                }
            },
        );
        assert_eq!(ok.unwrap(), 7);
    }

    #[test]
    fn a_pause_the_site_asks_for_holds_every_request_of_the_client() {
        let throttle = Throttle::default();
        let policy = RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
            jitter: false,
            max_pause: std::time::Duration::from_secs(600),
        };
        let started = Instant::now();
        let mut tries = 0;
        let ok = run(
            &policy,
            &throttle,
            Request::Write,
            &|| "create".into(),
            || {
                tries += 1;
                if tries == 1 {
                    Err(Failure::Status {
                        status: 429,
                        page: crate::transport::ErrorPage::text(String::new()),
                        retry_after: Some(Duration::from_millis(300)),
                    })
                } else {
                    Ok(())
                }
            },
        );
        assert!(ok.is_ok() && tries == 2);
        assert!(started.elapsed() >= Duration::from_millis(300));
        // Another request of the same client waits too, until the pause is over.
        throttle.slow_down(Duration::from_millis(200));
        let other = Instant::now();
        throttle.wait();
        assert!(other.elapsed() >= Duration::from_millis(150));
    }
}
