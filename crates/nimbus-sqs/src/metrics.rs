//! SQS's CloudWatch metrics (`AWS/SQS`, dimension `QueueName`), as AWS defines them.
//!
//! - Counters (`NumberOfMessagesSent`, `…Received`, `…Deleted`, `NumberOfEmptyReceives`,
//!   `NumberOfDeduplicatedSentMessages`) and `SentMessageSize` are counted by the engine where
//!   the operation happens, in each queue's [`QueueCounters`]: a few relaxed atomic additions
//!   per call (never per message, never a lock or an allocation). Deliveries from S3 and
//!   Lambda count like any send, Lambda's pollers like any receive; a message moved to a
//!   dead-letter queue is not counted as sent there (AWS counts only messages sent to it).
//!   Every delete with a valid receipt handle counts, repeated ones included.
//! - Gauges (`ApproximateNumberOfMessagesVisible`, `…NotVisible`, `…Delayed`,
//!   `ApproximateAgeOfOldestMessage`, and on FIFO queues
//!   `ApproximateNumberOfGroupsWithInflightMessages`) are read from the engine's indexes when
//!   CloudWatch samples [`SqsMetrics`] at each clock minute.
//!
//! Only active queues report: a queue is active for six hours after any action on it, and
//! while it holds messages. An active queue reports every counter and gauge each minute,
//! zeros included; `SentMessageSize` only for minutes with sends; the age of the oldest
//! message only while a message counts for it: a message received three or more times
//! without being deleted no longer does (a poison pill), and in a dead-letter queue a
//! message's age counts from its move there.

use std::sync::Weak;
use std::sync::atomic::{AtomicU64, Ordering};

use nimbus_core::bus::metrics::{MetricDatum, MetricSource, MetricUnit};

use crate::engine::Engine;
use crate::engine::queue::Queue;

/// The metric namespace.
pub const NAMESPACE: &str = "AWS/SQS";
/// How long a queue stays active after its last action, ms (six hours).
pub const ACTIVE_FOR_MS: u64 = 6 * 3_600_000;
/// Receives after which an undeleted message no longer counts as the oldest.
pub const POISON_RECEIVES: u32 = 3;
/// The most retention-index entries one age computation visits.
const MAX_AGE_VISITS: usize = 100_000;

/// A queue's counters since the last sample. Lock-free: the engine adds under whatever it
/// holds, the sampler swaps them back to zero.
#[derive(Debug)]
pub struct QueueCounters {
    sent: AtomicU64,
    deduplicated: AtomicU64,
    received: AtomicU64,
    deleted: AtomicU64,
    empty_receives: AtomicU64,
    size_sum: AtomicU64,
    size_min: AtomicU64,
    size_max: AtomicU64,
    last_active: AtomicU64,
}

/// What one send call added: messages, their sizes, duplicates.
#[derive(Clone, Copy, Debug, Default)]
pub struct SendTally {
    /// Messages added to the queue.
    pub sent: u64,
    /// FIFO duplicates accepted but not added.
    pub deduplicated: u64,
    /// The sizes' sum, bytes.
    pub size_sum: u64,
    /// The smallest size.
    pub size_min: u64,
    /// The largest size.
    pub size_max: u64,
}

impl SendTally {
    /// Counts one message of `size` bytes added to the queue.
    pub fn add(&mut self, size: u64) {
        if self.sent == 0 {
            self.size_min = size;
            self.size_max = size;
        } else {
            self.size_min = self.size_min.min(size);
            self.size_max = self.size_max.max(size);
        }
        self.sent += 1;
        self.size_sum += size;
    }
}

/// The counters read (and reset) by one sample.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CounterSample {
    /// `NumberOfMessagesSent`.
    pub sent: u64,
    /// `NumberOfDeduplicatedSentMessages`.
    pub deduplicated: u64,
    /// `NumberOfMessagesReceived`.
    pub received: u64,
    /// `NumberOfMessagesDeleted`.
    pub deleted: u64,
    /// `NumberOfEmptyReceives`.
    pub empty_receives: u64,
    /// `SentMessageSize`: (sum, min, max), with `sent` samples.
    pub size: Option<(u64, u64, u64)>,
}

impl QueueCounters {
    /// Counters at zero, the queue active since `now`.
    pub fn new(now: u64) -> QueueCounters {
        QueueCounters {
            sent: AtomicU64::new(0),
            deduplicated: AtomicU64::new(0),
            received: AtomicU64::new(0),
            deleted: AtomicU64::new(0),
            empty_receives: AtomicU64::new(0),
            size_sum: AtomicU64::new(0),
            size_min: AtomicU64::new(u64::MAX),
            size_max: AtomicU64::new(0),
            last_active: AtomicU64::new(now),
        }
    }

    /// Records an action on the queue at `now` (it keeps the queue active).
    #[inline]
    pub fn touch(&self, now: u64) {
        self.last_active.fetch_max(now, Ordering::Relaxed);
    }

    /// The last action, ms.
    pub fn last_active(&self) -> u64 {
        self.last_active.load(Ordering::Relaxed)
    }

    /// Counts one send call.
    #[inline]
    pub fn sent(&self, t: &SendTally) {
        if t.deduplicated > 0 {
            self.deduplicated
                .fetch_add(t.deduplicated, Ordering::Relaxed);
        }
        if t.sent > 0 {
            self.size_sum.fetch_add(t.size_sum, Ordering::Relaxed);
            self.size_min.fetch_min(t.size_min, Ordering::Relaxed);
            self.size_max.fetch_max(t.size_max, Ordering::Relaxed);
            // Last, so a sample that sees the count sees its sizes.
            self.sent.fetch_add(t.sent, Ordering::Release);
        }
    }

    /// Counts messages delivered by a receive.
    #[inline]
    pub fn received(&self, n: u64) {
        if n > 0 {
            self.received.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Counts successful deletes (valid receipt handles).
    #[inline]
    pub fn deleted(&self, n: u64) {
        if n > 0 {
            self.deleted.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Counts a ReceiveMessage call that returned no message.
    #[inline]
    pub fn empty_receive(&self) {
        self.empty_receives.fetch_add(1, Ordering::Relaxed);
    }

    /// Reads the counters and resets them to zero.
    pub fn take(&self) -> CounterSample {
        let sent = self.sent.swap(0, Ordering::Acquire);
        let sum = self.size_sum.swap(0, Ordering::Relaxed);
        let min = self.size_min.swap(u64::MAX, Ordering::Relaxed);
        let max = self.size_max.swap(0, Ordering::Relaxed);
        CounterSample {
            sent,
            deduplicated: self.deduplicated.swap(0, Ordering::Relaxed),
            received: self.received.swap(0, Ordering::Relaxed),
            deleted: self.deleted.swap(0, Ordering::Relaxed),
            empty_receives: self.empty_receives.swap(0, Ordering::Relaxed),
            size: (sent > 0).then_some((sum, min.min(max), max)),
        }
    }
}

/// The gauges of one queue at one instant.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GaugeSample {
    /// `ApproximateNumberOfMessagesVisible`.
    pub visible: usize,
    /// `ApproximateNumberOfMessagesNotVisible`.
    pub not_visible: usize,
    /// `ApproximateNumberOfMessagesDelayed`.
    pub delayed: usize,
    /// The arrival of the oldest message that counts for `ApproximateAgeOfOldestMessage`.
    pub oldest_arrival: Option<u64>,
    /// `ApproximateNumberOfGroupsWithInflightMessages` (FIFO queues).
    pub groups_in_flight: Option<usize>,
    /// Whether the queue holds any message.
    pub holds_messages: bool,
}

impl Engine {
    /// The gauges of `queue` now (after bringing its indexes up to now); `None` once deleted.
    pub fn gauges(&self, queue: &Queue) -> Option<GaugeSample> {
        let now = self.now();
        let mut st = queue.state.lock();
        if queue.is_deleted() {
            return None;
        }
        self.tick(&mut st, now);
        let (visible, not_visible, delayed) = st.messages.counts();
        Some(GaugeSample {
            visible,
            not_visible,
            delayed,
            oldest_arrival: st.messages.oldest_arrival(POISON_RECEIVES, MAX_AGE_VISITS),
            groups_in_flight: st
                .attributes
                .fifo_queue
                .then(|| st.messages.groups_in_flight()),
            holds_messages: !st.messages.is_empty(),
        })
    }

    /// Appends the `AWS/SQS` data of every active queue for the minute ending at
    /// `minute_end` (see the module documentation).
    pub fn sample_metrics(&self, minute_end: u64, out: &mut Vec<MetricDatum>) {
        let at = minute_end.saturating_sub(60_000);
        let mut queues = self.all_queues();
        queues.sort_by(|a, b| a.key.cmp(&b.key));
        for q in queues {
            let counters = q.counters.take();
            let Some(g) = self.gauges(&q) else {
                continue;
            };
            let active = g.holds_messages
                || q.counters.last_active() + ACTIVE_FOR_MS > at
                || counters != CounterSample::default();
            if !active {
                continue;
            }
            let account = q.key.account.to_string();
            let datum = |metric_name: &'static str, value: f64, samples: u64, unit| MetricDatum {
                account: account.clone(),
                region: q.key.region.clone(),
                namespace: NAMESPACE,
                metric_name,
                dimensions: vec![("QueueName", q.key.name.clone())],
                timestamp_millis: at,
                value,
                sample_count: samples,
                unit,
            };
            let count = |name, n: u64| datum(name, n as f64, n.max(1), MetricUnit::Count);
            let gauge = |name, n: usize| datum(name, n as f64, 1, MetricUnit::Count);
            out.push(gauge("ApproximateNumberOfMessagesVisible", g.visible));
            out.push(gauge(
                "ApproximateNumberOfMessagesNotVisible",
                g.not_visible,
            ));
            out.push(gauge("ApproximateNumberOfMessagesDelayed", g.delayed));
            if let Some(arrived) = g.oldest_arrival {
                let age = minute_end.saturating_sub(arrived) / 1000;
                out.push(datum(
                    "ApproximateAgeOfOldestMessage",
                    age as f64,
                    1,
                    MetricUnit::Seconds,
                ));
            }
            out.push(count("NumberOfMessagesSent", counters.sent));
            out.push(count("NumberOfMessagesReceived", counters.received));
            out.push(count("NumberOfMessagesDeleted", counters.deleted));
            out.push(count("NumberOfEmptyReceives", counters.empty_receives));
            if let Some((sum, min, max)) = counters.size {
                size_data(counters.sent, sum, min, max, &mut |value, samples| {
                    out.push(datum("SentMessageSize", value, samples, MetricUnit::Bytes));
                });
            }
            if let Some(groups) = g.groups_in_flight {
                out.push(gauge(
                    "ApproximateNumberOfGroupsWithInflightMessages",
                    groups,
                ));
                out.push(count(
                    "NumberOfDeduplicatedSentMessages",
                    counters.deduplicated,
                ));
            }
        }
    }
}

/// `SentMessageSize` for `n` messages with these sum, minimum and maximum, as data whose
/// sums, counts, minimum and maximum are the minute's: the smallest alone, the largest alone,
/// and the rest as one sum (each of them lies between the two).
fn size_data(n: u64, sum: u64, min: u64, max: u64, push: &mut dyn FnMut(f64, u64)) {
    match n {
        0 => {}
        1 => push(sum as f64, 1),
        _ => {
            push(min as f64, 1);
            push(max as f64, 1);
            if n > 2 {
                push(sum.saturating_sub(min + max) as f64, n - 2);
            }
        }
    }
}

/// SQS as a CloudWatch [`MetricSource`]: samples every queue once per clock minute.
pub struct SqsMetrics {
    service: Weak<crate::SqsService>,
}

impl SqsMetrics {
    /// The source for `service` (held weakly: a stopped service reports nothing).
    pub fn new(service: Weak<crate::SqsService>) -> SqsMetrics {
        SqsMetrics { service }
    }
}

impl MetricSource for SqsMetrics {
    fn sample(&self, minute_end_millis: u64, out: &mut Vec<MetricDatum>) {
        if let Some(svc) = self.service.upgrade() {
            svc.engine().sample_metrics(minute_end_millis, out);
        }
    }
}
