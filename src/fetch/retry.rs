//! When to try again: exponential backoff with jitter, the server's `Retry-After` (capped),
//! a retry budget shared by every URL of a run, and the time budget of one URL.
//!
//! Hand-written on purpose (about forty lines). The retry crates (`backoff`, unmaintained;
//! `backon`, `tokio-retry`) own the retry loop, but here each attempt must re-enter the
//! per-host politeness gate, a `Retry-After` from the server must replace the computed delay
//! and also hold back the other requests to that host, and every retry draws on one
//! run-wide budget. Fitting those into a crate's loop costs more code than the arithmetic.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

/// Retries left in this run, shared by all URLs: a site that is down costs a few retries,
/// not hours.
#[derive(Debug)]
pub(crate) struct Budget(AtomicU32);

impl Budget {
    pub(crate) fn new(retries: u32) -> Budget {
        Budget(AtomicU32::new(retries))
    }

    /// Takes one retry from the budget; false when none is left.
    pub(crate) fn take(&self) -> bool {
        self.0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

/// The time one URL has left (`FetchConfig::max_url_time`): what its attempts took on the
/// wire and the waits between them are taken off; the wait for the host's turn behind other
/// URLs is not, since the URL's own server did not cause it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    left: Duration,
}

impl Clock {
    pub(crate) fn new(limit: Duration) -> Clock {
        Clock { left: limit }
    }

    pub(crate) fn spend(&mut self, spent: Duration) {
        self.left = self.left.saturating_sub(spent);
    }

    pub(crate) fn left(&self) -> Duration {
        self.left
    }
}

/// The wait before attempt `failed + 1`, after `failed` failed attempts (1-based):
/// `base * 2^(failed-1)` with "equal jitter" (half fixed, half random, so that many clients
/// retrying together spread out but none retries at once), at least the server's
/// `Retry-After`, and never more than `max`.
pub(crate) fn wait_before_retry(
    failed: u32,
    retry_after: Option<Duration>,
    base: Duration,
    max: Duration,
) -> Duration {
    let factor = 1u32
        .checked_shl(failed.saturating_sub(1))
        .unwrap_or(u32::MAX);
    let exponential = base.saturating_mul(factor).min(max);
    let half = exponential / 2;
    let jitter_ms = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
    let jittered = half + Duration::from_millis(random_up_to(jitter_ms));
    jittered.max(retry_after.unwrap_or_default()).min(max)
}

fn random_up_to(max: u64) -> u64 {
    rand::random_range(0..=max)
}

/// A `Retry-After` header value: delay-seconds or an HTTP date (RFC 9110 §10.2.3), never
/// more than `cap` (`FetchConfig::backoff_max`): seconds too many for any integer type and
/// dates centuries ahead are a long wait, so they become `cap`, not "no Retry-After". A date
/// in the past means now; anything else unreadable is ignored.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime, cap: Duration) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        let secs = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs).min(cap));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO).min(cap))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: Duration = Duration::from_millis(500);
    const MAX: Duration = Duration::from_secs(60);

    #[test]
    fn backoff_doubles_per_attempt_within_its_jitter_band() {
        for failed in 1..=5 {
            let full = BASE * (1 << (failed - 1));
            for _ in 0..50 {
                let wait = wait_before_retry(failed, None, BASE, MAX);
                assert!(wait >= full / 2 && wait <= full, "{failed}: {wait:?}");
            }
        }
    }

    #[test]
    fn backoff_is_capped_by_max_even_after_many_attempts() {
        assert!(wait_before_retry(40, None, BASE, MAX) <= MAX);
        assert!(wait_before_retry(u32::MAX, None, BASE, MAX) <= MAX);
    }

    #[test]
    fn retry_after_raises_the_wait_but_is_capped_by_max() {
        let wait = wait_before_retry(1, Some(Duration::from_secs(5)), BASE, MAX);
        assert_eq!(wait, Duration::from_secs(5));
        let wait = wait_before_retry(1, Some(Duration::from_secs(600)), BASE, MAX);
        assert_eq!(wait, MAX);
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = httpdate::parse_http_date("Sun, 29 Nov 2026 10:00:00 GMT").unwrap();
        assert_eq!(
            parse_retry_after(" 120 ", now, MAX),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after(" 12 ", now, MAX),
            Some(Duration::from_secs(12))
        );
        assert_eq!(
            parse_retry_after("Sun, 29 Nov 2026 10:00:30 GMT", now, MAX),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Sun, 29 Nov 2026 09:00:00 GMT", now, MAX),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now, MAX), None);
        assert_eq!(parse_retry_after("-1", now, MAX), None);
        assert_eq!(parse_retry_after("+5", now, MAX), None);
    }

    #[test]
    fn retry_after_too_big_for_u64_or_far_ahead_is_capped_not_ignored() {
        let now = httpdate::parse_http_date("Sun, 29 Nov 2026 10:00:00 GMT").unwrap();
        let huge = "99999999999999999999999999999999999999";
        assert_eq!(parse_retry_after(huge, now, MAX), Some(MAX));
        assert_eq!(
            parse_retry_after(&u64::MAX.to_string(), now, MAX),
            Some(MAX)
        );
        assert_eq!(
            parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now, MAX),
            Some(MAX)
        );
    }

    #[test]
    fn clock_counts_down_to_zero_and_stays_there() {
        let mut clock = Clock::new(Duration::from_secs(2));
        clock.spend(Duration::from_millis(1500));
        assert_eq!(clock.left(), Duration::from_millis(500));
        clock.spend(Duration::from_secs(1));
        assert_eq!(clock.left(), Duration::ZERO);
    }

    #[test]
    fn budget_runs_out() {
        let budget = Budget::new(2);
        assert!(budget.take());
        assert!(budget.take());
        assert!(!budget.take());
    }
}
