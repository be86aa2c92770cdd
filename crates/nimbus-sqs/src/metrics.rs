//! SQS's CloudWatch metrics (`AWS/SQS`, dimension `QueueName`), as AWS defines them.
//!
//! - Counters (`NumberOfMessagesSent`, `…Received`, `…Deleted`, `NumberOfEmptyReceives`,
//!   `NumberOfDeduplicatedSentMessages`) and `SentMessageSize` are counted by the engine where
//!   the operation happens, in each queue's
//!   [`QueueCounters`](crate::engine::counters::QueueCounters): a few relaxed atomic
//!   additions per call (never per message, never a lock or an allocation). Deliveries from S3 and
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
//! message only while a message counts for it: on a standard queue a message received three
//! or more times without being deleted no longer does (a poison pill; a FIFO queue does not
//! reorder, so there it stays the oldest), and in a dead-letter queue a message's age counts
//! from its move there (in memory: after a restart, from the start of its retention).

use std::sync::Weak;

use nimbus_core::bus::metrics::{MetricDatum, MetricSource, MetricUnit};

use crate::engine::Engine;
use crate::engine::counters::CounterSample;
use crate::engine::queue::Queue;

/// The metric namespace.
pub const NAMESPACE: &str = "AWS/SQS";
/// How long a queue stays active after its last action, ms (six hours).
pub const ACTIVE_FOR_MS: u64 = 6 * 3_600_000;
/// Receives after which an undeleted message no longer counts as the oldest.
pub const POISON_RECEIVES: u32 = 3;
/// The most retention-index entries one age computation visits.
const MAX_AGE_VISITS: usize = 100_000;

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
        // A FIFO queue does not reorder: a message that keeps failing blocks its group and
        // stays the oldest.
        let poison = if st.attributes.fifo_queue {
            u32::MAX
        } else {
            POISON_RECEIVES
        };
        Some(GaugeSample {
            visible,
            not_visible,
            delayed,
            oldest_arrival: st.messages.oldest_arrival(poison, MAX_AGE_VISITS),
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
