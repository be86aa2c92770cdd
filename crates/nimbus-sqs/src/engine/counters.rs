//! Each queue's CloudWatch counters: what the operations count (a few relaxed atomic
//! additions per call, never a lock or an allocation), read and reset once per clock minute
//! by [`crate::metrics`].

use std::sync::atomic::{AtomicU64, Ordering};

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
