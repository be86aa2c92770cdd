//! The minute sampler: once the sandbox clock has passed a minute's end, every
//! `MetricSource` on the bus is asked for that minute and its data is stored; the retention
//! runs; what changed is handed to the writer. The services' queued datums are aggregated and
//! written in the background each second.
//!
//! The task looks at the clock every [`TICK`] of real time rather than sleeping on the clock
//! with `sleep_until`: a sleeper registered on the manual clock would be counted by the
//! tests that wait for a long poll to start (`ManualClock::sleepers`), and re-registered
//! each minute it would make them race. So a minute is sampled at most [`TICK`] after the
//! clock passed it, and reads (`statistics`, `list`, the Prometheus text) first sample any
//! minute the clock has passed, so a test that advances the manual clock reads the minute at
//! once. Minutes missed while the clock jumped are sampled one by one, in order (at most a
//! day's worth: beyond that, only the last day).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use nimbus_core::ServiceEnv;
use nimbus_core::bus::ServiceBus;
use parking_lot::Mutex;
use tokio::sync::watch;

use super::MetricStore;
use super::series::MINUTE;

/// How often the task looks at the clock, in real time.
pub const TICK: Duration = Duration::from_millis(200);
/// How many ticks between two background writes (one second).
const TICKS_PER_FLUSH: u32 = 5;
/// Most missed minutes sampled at once.
const MAX_MISSED_MINUTES: u64 = 24 * 60;

/// The sampler's state.
pub struct Sampler {
    /// The bus and the next minute end to sample, once started.
    state: Mutex<Option<(Arc<ServiceBus>, u64)>>,
    /// Set to stop the task.
    stop: watch::Sender<bool>,
    /// The last minute end sampled.
    sampled: watch::Sender<u64>,
    /// The clock minute (ms / 60,000) the retention last ran in.
    expired: AtomicU64,
}

impl Default for Sampler {
    fn default() -> Sampler {
        Sampler {
            state: Mutex::new(None),
            stop: watch::channel(false).0,
            sampled: watch::channel(0).0,
            expired: AtomicU64::new(0),
        }
    }
}

impl Sampler {
    /// Stops the task.
    pub fn stop(&self) {
        self.stop.send_replace(true);
    }
}

impl MetricStore {
    /// Starts the task that, at each clock minute, samples every `MetricSource` registered on
    /// the bus into the store (see the module's documentation for when); it ends at
    /// [`MetricStore::shutdown`]. The first minute sampled is the one that ends after the call.
    pub fn spawn_sampler(self: &Arc<MetricStore>, env: &ServiceEnv) {
        {
            let mut state = self.sampler.state.lock();
            if state.is_some() {
                return;
            }
            let next = (self.clock.now_millis() / MINUTE + 1) * MINUTE;
            *state = Some((env.bus.clone(), next));
        }
        let store = self.clone();
        let mut stop = self.sampler.stop.subscribe();
        tokio::spawn(async move {
            let mut ticks = 0u32;
            loop {
                tokio::select! {
                    _ = stop.wait_for(|s| *s) => return,
                    _ = tokio::time::sleep(TICK) => {}
                }
                store.catch_up();
                ticks += 1;
                if ticks >= TICKS_PER_FLUSH {
                    ticks = 0;
                    store.drain();
                    store.flush_background();
                }
            }
        });
    }

    /// Waits until the minute ending at `minute_end_millis` has been sampled (tests; the
    /// sampler must run and the clock must have passed the minute).
    pub async fn sampled_through(&self, minute_end_millis: u64) {
        let mut rx = self.sampler.sampled.subscribe();
        let _ = rx.wait_for(|m| *m >= minute_end_millis).await;
    }

    /// Samples every minute that ended by now and was not sampled yet, then applies the
    /// retention (once per clock minute).
    pub(super) fn catch_up(&self) {
        let now = self.clock.now_millis();
        let mut state = self.sampler.state.lock();
        if self.sampler.expired.swap(now / MINUTE, Ordering::Relaxed) != now / MINUTE {
            self.index.lock().expire(now);
            // What the retention changed goes to the writer now, so it never piles up (even
            // in a store whose task was not started).
            self.flush_background();
        }
        let Some((bus, next)) = state.as_mut() else {
            return;
        };
        if *next > now {
            return;
        }
        let last = now / MINUTE * MINUTE;
        *next = (*next).max(last.saturating_sub((MAX_MISSED_MINUTES - 1) * MINUTE));
        let sources = bus.metric_sources();
        let mut out = Vec::new();
        while *next <= now {
            for source in &sources {
                source.sample(*next, &mut out);
            }
            let mut index = self.index.lock();
            for datum in out.drain(..) {
                super::record_datum(&mut index, datum, now);
            }
            *next += MINUTE;
        }
        self.index.lock().expire(now);
        self.sampler.sampled.send_replace(*next - MINUTE);
    }
}
