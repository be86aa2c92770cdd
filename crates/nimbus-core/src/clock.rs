//! The clock every timed behaviour goes through.
//!
//! Visibility timeouts, delays, retention, retries and long polls read the time from a
//! [`Clock`] and wait on it with [`Clock::sleep_until`]. Production uses [`SystemClock`];
//! tests use [`ManualClock`] and move time forward with [`ManualClock::advance`], which wakes
//! every sleeper whose deadline has passed, so timed semantics are tested exactly and at once.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;
use tokio::sync::oneshot;

/// A future returned by [`Clock::sleep_until`].
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// A source of wall-clock time that can also be waited on.
pub trait Clock: Send + Sync + 'static {
    /// Milliseconds since the Unix epoch.
    fn now_millis(&self) -> u64;

    /// A future that resolves once [`Clock::now_millis`] is at or past `deadline_millis`.
    fn sleep_until(&self, deadline_millis: u64) -> Sleep;

    /// Seconds since the Unix epoch.
    fn now_secs(&self) -> u64 {
        self.now_millis() / 1000
    }
}

/// The clock shared by every part of a running sandbox.
pub type SharedClock = Arc<dyn Clock>;

/// The real clock: `SystemTime` for reading, tokio timers for waiting.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl SystemClock {
    /// A [`SharedClock`] backed by the system time.
    pub fn shared() -> SharedClock {
        Arc::new(SystemClock)
    }
}

impl Clock for SystemClock {
    fn now_millis(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0)
    }

    fn sleep_until(&self, deadline_millis: u64) -> Sleep {
        let now = self.now_millis();
        let wait = Duration::from_millis(deadline_millis.saturating_sub(now));
        Box::pin(tokio::time::sleep(wait))
    }
}

/// A clock that only moves when told to. Sleepers wake when [`ManualClock::advance`] or
/// [`ManualClock::set_millis`] moves the time to or past their deadline.
pub struct ManualClock {
    now: AtomicU64,
    next_id: AtomicU64,
    sleepers: Mutex<BTreeMap<(u64, u64), oneshot::Sender<()>>>,
}

impl std::fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManualClock")
            .field("now", &self.now.load(Ordering::SeqCst))
            .finish()
    }
}

impl ManualClock {
    /// 2026-01-01T00:00:00Z, a fixed and readable start for tests.
    pub const DEFAULT_START_MILLIS: u64 = 1_767_225_600_000;

    /// A manual clock starting at `start_millis` since the epoch.
    pub fn new(start_millis: u64) -> Arc<ManualClock> {
        Arc::new(ManualClock {
            now: AtomicU64::new(start_millis),
            next_id: AtomicU64::new(0),
            sleepers: Mutex::new(BTreeMap::new()),
        })
    }

    /// A manual clock starting at the current system time (so signatures made by real
    /// clients are not judged skewed).
    pub fn starting_now() -> Arc<ManualClock> {
        Self::new(SystemClock.now_millis())
    }

    /// A manual clock starting at [`ManualClock::DEFAULT_START_MILLIS`].
    pub fn at_default_start() -> Arc<ManualClock> {
        Self::new(Self::DEFAULT_START_MILLIS)
    }

    /// Moves time forward by `by` and wakes the sleepers that are due.
    pub fn advance(&self, by: Duration) {
        let target = self.now.load(Ordering::SeqCst) + by.as_millis() as u64;
        self.set_millis(target);
    }

    /// Sets the time (never backwards) and wakes the sleepers that are due.
    pub fn set_millis(&self, millis: u64) {
        self.now.fetch_max(millis, Ordering::SeqCst);
        let now = self.now.load(Ordering::SeqCst);
        let due = {
            let mut sleepers = self.sleepers.lock();
            let later = sleepers.split_off(&(now + 1, 0));
            std::mem::replace(&mut *sleepers, later)
        };
        for (_, tx) in due {
            let _ = tx.send(());
        }
    }

    /// How many sleepers are waiting (tests use it to know a long poll has started waiting).
    pub fn sleepers(&self) -> usize {
        let mut sleepers = self.sleepers.lock();
        sleepers.retain(|_, tx| !tx.is_closed());
        sleepers.len()
    }
}

impl Clock for ManualClock {
    fn now_millis(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }

    fn sleep_until(&self, deadline_millis: u64) -> Sleep {
        if deadline_millis <= self.now_millis() {
            return Box::pin(std::future::ready(()));
        }
        let (tx, rx) = oneshot::channel();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        {
            let mut sleepers = self.sleepers.lock();
            // Re-check under the lock: a concurrent advance may have passed the deadline.
            if deadline_millis <= self.now_millis() {
                return Box::pin(std::future::ready(()));
            }
            sleepers.retain(|_, tx| !tx.is_closed());
            sleepers.insert((deadline_millis, id), tx);
        }
        Box::pin(async move {
            let _ = rx.await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_clock_wakes_due_sleepers_only() {
        let clock = ManualClock::new(1_000);
        let early = tokio::spawn(clock.sleep_until(2_000));
        let late = tokio::spawn(clock.sleep_until(5_000));
        tokio::task::yield_now().await;
        assert_eq!(clock.sleepers(), 2);
        clock.advance(Duration::from_millis(1_000));
        early.await.unwrap();
        assert!(!late.is_finished());
        assert_eq!(clock.sleepers(), 1);
        clock.set_millis(10_000);
        late.await.unwrap();
        assert_eq!(clock.now_millis(), 10_000);
    }

    #[tokio::test]
    async fn past_deadlines_resolve_at_once() {
        let clock = ManualClock::new(1_000);
        clock.sleep_until(999).await;
        clock.sleep_until(1_000).await;
    }

    #[test]
    fn time_never_goes_back() {
        let clock = ManualClock::new(1_000);
        clock.set_millis(500);
        assert_eq!(clock.now_millis(), 1_000);
    }
}
