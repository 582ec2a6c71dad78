//! When and how long to wait before trying a request again.

use std::time::Duration;

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
}

impl Default for RetryPolicy {
    /// Three tries, waits from 0.75 s (as the official Python client) doubling up to 10 s, jittered.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(750),
            max_delay: Duration::from_secs(10),
            jitter: true,
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

/// Whether `method` (its name on the wire) changes nothing on the site, so that a try whose fate
/// is unknown may be repeated: the registry's kind ([`sg_api3::methods`]).
pub(crate) fn is_read_only(method: &str) -> bool {
    sg_api3::methods::kind_of(method) == sg_api3::methods::Kind::ReadOnly
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap() {
        let p = RetryPolicy {
            jitter: false,
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

    #[test]
    fn writes_are_not_read_only() {
        for m in [
            "create",
            "update",
            "delete",
            "revive",
            "batch",
            "follow",
            "unfollow",
            "schema_field_create",
            "schema_field_update",
            "schema_field_delete",
            "work_schedule_update",
            "update_project_last_accessed_by_current_user",
            "user_subscriptions_create",
            "some_method_added_later",
        ] {
            assert!(!is_read_only(m), "{m}");
        }
        // The names on the wire, not the official client's Python names.
        for m in [
            "query_display_name_cache",
            "activity_stream",
            "note_thread_contents",
            "nav_search",
        ] {
            assert!(is_read_only(m), "{m}");
        }
        for python_name in ["text_search", "activity_stream_read", "note_thread_read"] {
            assert!(!is_read_only(python_name), "{python_name} is never sent");
        }
    }
}
