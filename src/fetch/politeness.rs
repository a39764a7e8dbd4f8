//! Per-host politeness, enforced for every caller of one `Fetcher` at once: one request at a
//! time per host, at least the host's delay between the end of one request and the start of
//! the next, a `Retry-After` holding back the whole host, and at most `concurrency` requests
//! in flight over all hosts.
//!
//! Hosts are keyed by host name without the port: two ports of one county server are one
//! machine to be polite to. The delay is counted from the END of the previous request (the
//! whole body read), which is the kinder reading of "at least 1 s between requests" for a slow
//! server, and which makes the gap at the server never shorter than the delay.
//!
//! Hand-written: rate-limiter crates (`governor`) model a fixed quota per key; here a host's
//! delay changes at run time (robots.txt `Crawl-delay`), a server can defer a host
//! (`Retry-After`), and requests must also be serialised per host. Waiting is a tokio sleep
//! while queued on a fair (FIFO) tokio mutex: nothing spins.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

#[derive(Debug)]
pub(crate) struct Politeness {
    hosts: Mutex<HashMap<String, Arc<Host>>>,
    permits: Arc<Semaphore>,
    default_delay: Duration,
}

#[derive(Debug)]
struct Host {
    /// The host's delay: the configured one, raised by robots.txt's Crawl-delay.
    delay: Mutex<Duration>,
    /// Held for the whole of one request; queued callers wait here in FIFO order.
    turn: Arc<AsyncMutex<Timing>>,
}

#[derive(Debug, Default)]
struct Timing {
    last_end: Option<Instant>,
    not_before: Option<Instant>,
}

/// The right to send one request to one host. Dropping it (the request done, failed or
/// cancelled) records the time, from which the host's next delay counts.
#[derive(Debug)]
pub(crate) struct Turn {
    timing: OwnedMutexGuard<Timing>,
    _permit: Option<OwnedSemaphorePermit>,
}

impl Turn {
    /// Holds back every request to this host for `wait` from now (the server's Retry-After).
    pub(crate) fn defer(&mut self, wait: Duration) {
        let until = Instant::now() + wait;
        self.timing.not_before = Some(self.timing.not_before.map_or(until, |t| t.max(until)));
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.timing.last_end = Some(Instant::now());
    }
}

impl Politeness {
    pub(crate) fn new(delay: Duration, concurrency: usize) -> Politeness {
        Politeness {
            hosts: Mutex::new(HashMap::new()),
            permits: Arc::new(Semaphore::new(concurrency.clamp(1, Semaphore::MAX_PERMITS))),
            default_delay: delay,
        }
    }

    fn host(&self, key: &str) -> Arc<Host> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        hosts
            .entry(key.to_string())
            .or_insert_with(|| {
                Arc::new(Host {
                    delay: Mutex::new(self.default_delay),
                    turn: Arc::new(AsyncMutex::new(Timing::default())),
                })
            })
            .clone()
    }

    /// Raises `key`'s delay to `delay` if that is longer (robots.txt Crawl-delay).
    pub(crate) fn raise_delay(&self, key: &str, delay: Duration) {
        let host = self.host(key);
        let mut current = host.delay.lock().unwrap_or_else(|e| e.into_inner());
        *current = (*current).max(delay);
    }

    /// The current delay of `key`.
    #[cfg(test)]
    pub(crate) fn delay(&self, key: &str) -> Duration {
        let host = self.host(key);
        let delay = *host.delay.lock().unwrap_or_else(|e| e.into_inner());
        delay
    }

    /// Waits for this host's turn: the previous request to it done, its delay passed, any
    /// Retry-After passed, and a free slot among `concurrency`.
    pub(crate) async fn acquire(&self, key: &str) -> Turn {
        let host = self.host(key);
        let timing = host.turn.clone().lock_owned().await;
        let delay = *host.delay.lock().unwrap_or_else(|e| e.into_inner());
        let ready = [timing.last_end.map(|t| t + delay), timing.not_before]
            .into_iter()
            .flatten()
            .max();
        if let Some(ready) = ready {
            tokio::time::sleep_until(ready).await;
        }
        // The semaphore is never closed, so this only fails in theory; then go on unbounded
        // rather than panic.
        let permit = self.permits.clone().acquire_owned().await.ok();
        Turn {
            timing,
            _permit: permit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn second_turn_on_a_host_waits_the_delay_after_the_first_ends() {
        let p = Politeness::new(Duration::from_secs(1), 8);
        let start = Instant::now();
        drop(p.acquire("a.test").await);
        drop(p.acquire("a.test").await);
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn other_hosts_do_not_wait() {
        let p = Politeness::new(Duration::from_secs(1), 8);
        let start = Instant::now();
        drop(p.acquire("a.test").await);
        drop(p.acquire("b.test").await);
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn raised_delay_and_deferral_hold_the_host_back() {
        let p = Politeness::new(Duration::from_secs(1), 8);
        p.raise_delay("a.test", Duration::from_secs(3));
        p.raise_delay("a.test", Duration::from_secs(2));
        assert_eq!(p.delay("a.test"), Duration::from_secs(3));
        let start = Instant::now();
        let mut turn = p.acquire("a.test").await;
        turn.defer(Duration::from_secs(10));
        drop(turn);
        drop(p.acquire("a.test").await);
        assert_eq!(start.elapsed(), Duration::from_secs(10));
    }
}
