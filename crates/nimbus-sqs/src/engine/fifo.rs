//! What a FIFO queue keeps besides its messages: the 5-minute deduplication window and the
//! `ReceiveRequestAttemptId` cache, each a map with an expiry queue (entries expire in
//! insertion order, since every entry lives exactly five minutes), and the sequence numbers
//! it reports.
//!
//! The deduplication window survives the deletion of the first copy (a duplicate sent after
//! the delete is still accepted, reported with the original `MessageId`, and never
//! delivered); PurgeQueue clears it. Its entries are persisted (table `dedup`); the attempt
//! cache lives in memory only.

use std::collections::{HashMap, VecDeque};

use super::receipt::Receipt;

/// How long a deduplication id and a receive request attempt id are remembered, ms.
pub const DEDUP_WINDOW_MS: u64 = 300_000;
/// Most entries of the attempt cache per queue (the oldest are dropped beyond it).
pub const MAX_ATTEMPTS: usize = 100_000;

/// A deduplication id in the window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DedupEntry {
    /// The first message's id.
    pub message_id: uuid::Uuid,
    /// The first message's sequence number.
    pub seq: u64,
    /// When the entry expires, ms.
    pub expires_at: u64,
}

/// A remembered receive: the receipts it issued.
#[derive(Clone, Debug)]
pub struct Attempt {
    /// When it expires, ms.
    pub expires_at: u64,
    /// The receipts, in delivery order.
    pub receipts: Vec<Receipt>,
}

/// A FIFO queue's deduplication window and receive attempt cache.
#[derive(Default)]
pub struct FifoState {
    dedup: HashMap<String, DedupEntry>,
    dedup_expiry: VecDeque<(u64, String)>,
    attempts: HashMap<String, Attempt>,
    attempt_expiry: VecDeque<(u64, String)>,
    /// When expired entries were last deleted from storage, ms.
    pub last_cleanup: u64,
    /// The highest sequence number among the entries expired so far.
    pub expired_through: u64,
    /// `expired_through` at the last deletion from storage.
    pub cleaned_through: u64,
}

/// The key of a deduplication id under the queue's `DeduplicationScope`: the id alone
/// (`queue`), or the group and the id (`messageGroup`).
pub fn dedup_key(per_group: bool, group: &str, dedup_id: &str) -> String {
    if per_group {
        format!("{group}\u{0}{dedup_id}")
    } else {
        dedup_id.to_owned()
    }
}

/// The `SequenceNumber` SQS reports for a message with internal sequence `seq`: 20 digits,
/// increasing with `seq`.
pub fn sequence_number(seq: u64) -> String {
    format!("{:020}", 10_000_000_000_000_000_000u64.saturating_add(seq))
}

/// The content-based deduplication id of `body`: its SHA-256, in hex.
pub fn content_dedup_id(body: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(body.as_bytes()))
}

impl FifoState {
    /// Drops the entries expired at `now`; returns whether any deduplication entry went.
    pub fn expire(&mut self, now: u64) -> bool {
        let mut any = false;
        while let Some((at, _)) = self.dedup_expiry.front() {
            if *at > now {
                break;
            }
            let Some((at, key)) = self.dedup_expiry.pop_front() else {
                break;
            };
            if self.dedup.get(&key).is_some_and(|e| e.expires_at == at)
                && let Some(e) = self.dedup.remove(&key)
            {
                self.expired_through = self.expired_through.max(e.seq);
                any = true;
            }
        }
        while let Some((at, _)) = self.attempt_expiry.front() {
            if *at > now && self.attempt_expiry.len() <= MAX_ATTEMPTS {
                break;
            }
            let Some((at, key)) = self.attempt_expiry.pop_front() else {
                break;
            };
            if self.attempts.get(&key).is_some_and(|a| a.expires_at == at) {
                self.attempts.remove(&key);
            }
        }
        any
    }

    /// The live entry for `key`, if any.
    pub fn dedup(&self, key: &str, now: u64) -> Option<&DedupEntry> {
        self.dedup.get(key).filter(|e| e.expires_at > now)
    }

    /// Remembers `key` (restored entries keep their expiry).
    pub fn remember(&mut self, key: String, entry: DedupEntry) {
        self.dedup_expiry.push_back((entry.expires_at, key.clone()));
        self.dedup.insert(key, entry);
    }

    /// Number of deduplication ids in the window.
    pub fn dedup_len(&self) -> usize {
        self.dedup.len()
    }

    /// The receive remembered under `attempt_id`, if live.
    pub fn attempt(&self, attempt_id: &str, now: u64) -> Option<&Attempt> {
        self.attempts.get(attempt_id).filter(|a| a.expires_at > now)
    }

    /// Remembers a receive under `attempt_id`; returns when it expires.
    pub fn remember_attempt(&mut self, attempt_id: &str, receipts: Vec<Receipt>, now: u64) -> u64 {
        let expires_at = now + DEDUP_WINDOW_MS;
        self.restore_attempt(attempt_id, receipts, expires_at);
        expires_at
    }

    /// Puts back a receive attempt read from storage (or just made) expiring at `expires_at`.
    pub fn restore_attempt(&mut self, attempt_id: &str, receipts: Vec<Receipt>, expires_at: u64) {
        self.attempt_expiry
            .push_back((expires_at, attempt_id.to_owned()));
        self.attempts.insert(
            attempt_id.to_owned(),
            Attempt {
                expires_at,
                receipts,
            },
        );
    }

    /// Forgets everything (PurgeQueue, which also clears the stored attempts).
    pub fn clear(&mut self) {
        let (a, b, c) = (
            self.last_cleanup,
            self.expired_through,
            self.cleaned_through,
        );
        *self = FifoState::default();
        (
            self.last_cleanup,
            self.expired_through,
            self.cleaned_through,
        ) = (a, b, c);
    }
}

/// The receipts of a receive attempt as stored: `seq:receive_count:received_at`, joined by
/// commas (the queue id is the row's).
pub fn encode_attempt_receipts(receipts: &[Receipt]) -> String {
    let parts: Vec<String> = receipts
        .iter()
        .map(|r| format!("{}:{}:{}", r.seq, r.receive_count, r.received_at))
        .collect();
    parts.join(",")
}

/// Reads back [`encode_attempt_receipts`] for queue `queue_id`; malformed parts are skipped.
pub fn decode_attempt_receipts(queue_id: u64, s: &str) -> Vec<Receipt> {
    s.split(',')
        .filter_map(|part| {
            let mut it = part.split(':');
            let seq = it.next()?.parse().ok()?;
            let receive_count = it.next()?.parse().ok()?;
            let received_at = it.next()?.parse().ok()?;
            Some(Receipt {
                queue_id,
                seq,
                receive_count,
                received_at,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_numbers_are_twenty_digits_and_increase() {
        let a = sequence_number(1);
        let b = sequence_number(2);
        assert_eq!(a.len(), 20);
        assert!(a < b);
        assert_eq!(sequence_number(u64::MAX).len(), 20);
    }

    #[test]
    fn window_expires_in_order() {
        let mut f = FifoState::default();
        let e = |t| DedupEntry {
            message_id: uuid::Uuid::nil(),
            seq: 1,
            expires_at: t,
        };
        f.remember("a".into(), e(100));
        f.remember("b".into(), e(200));
        assert!(f.dedup("a", 50).is_some());
        assert!(f.expire(150));
        assert!(f.dedup("a", 150).is_none());
        assert!(f.dedup("b", 150).is_some());
        assert_eq!(dedup_key(true, "g", "d"), "g\u{0}d");
        assert_eq!(dedup_key(false, "g", "d"), "d");
        assert_eq!(content_dedup_id("x").len(), 64);
    }
}
