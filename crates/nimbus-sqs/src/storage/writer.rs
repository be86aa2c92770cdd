//! How SQS's effects are written: [`SqsWriter`], the [`Apply`] half of the core's
//! group-commit writer (which drains every pending submission into one transaction,
//! commits, then acknowledges them all), and SQS's [`BOUNDS`].

use std::collections::VecDeque;

use nimbus_core::storage::group_commit::{Apply, Bounds};
use rusqlite::{Transaction, params};

use super::Effect;
use super::load::{encode_extra, put_meta_u64};

/// SQS's bounds: up to 8,192 submissions per transaction; the checkpointer is woken every
/// 2,000 effects (no timer: SQS writes are many and small); the log restarts past 64 MiB.
/// The checkpointer's passive checkpoints copy frames into the database but cannot reset a
/// log that is written without pause, so under sustained load it would grow without bound (a
/// million sends left a 900 MB log), and a start after `kill -9` must read and checksum all
/// of it.
pub(super) const BOUNDS: Bounds = Bounds {
    name: "sqs",
    max_jobs_per_commit: 8_192,
    checkpoint_after: 2_000,
    checkpoint_interval: None,
    wal_restart_bytes: 64 * 1024 * 1024,
};
/// Background row deletions done per transaction.
const CLEANUP_PER_COMMIT: usize = 2_000;
/// Sequence numbers reserved at a time in the stored counter, so the counter is written
/// once per this many messages rather than with every commit.
const SEQ_RESERVATION: u64 = 1_000_000;

/// The writer's side of SQS: its counters and the backlog of message rows to delete.
pub(super) struct SqsWriter {
    backlog: VecDeque<u64>,
    counters: Counters,
}

struct Counters {
    next_seq_stored: u64,
    next_queue_id_stored: u64,
    next_seq: u64,
    next_queue_id: u64,
}

impl SqsWriter {
    /// A writer that starts with `initial_cleanup` rows to delete and the stored sequence
    /// reservation `next_seq`.
    pub(super) fn new(initial_cleanup: Vec<u64>, next_seq: u64) -> SqsWriter {
        SqsWriter {
            backlog: initial_cleanup.into(),
            counters: Counters {
                next_seq_stored: next_seq,
                next_queue_id_stored: 0,
                next_seq,
                next_queue_id: 0,
            },
        }
    }
}

impl Apply for SqsWriter {
    type Effect = Effect;

    fn apply(&mut self, tx: &Transaction<'_>, effect: &Effect) -> rusqlite::Result<()> {
        apply(tx, effect, &mut self.backlog, &mut self.counters)
    }

    /// Deletes a slice of the backlog and stores the counters if they moved.
    fn before_commit(&mut self, tx: &Transaction<'_>) -> rusqlite::Result<()> {
        let (backlog, counters) = (&mut self.backlog, &mut self.counters);
        if !backlog.is_empty() {
            let mut stmt = tx.prepare_cached("DELETE FROM messages WHERE seq = ?1")?;
            for _ in 0..CLEANUP_PER_COMMIT {
                let Some(seq) = backlog.pop_front() else {
                    break;
                };
                stmt.execute([seq as i64])?;
            }
        }
        if counters.next_seq > counters.next_seq_stored {
            let reserved = counters.next_seq + SEQ_RESERVATION;
            put_meta_u64(tx, "next_seq", reserved)?;
            counters.next_seq_stored = reserved;
        }
        if counters.next_queue_id > counters.next_queue_id_stored {
            put_meta_u64(tx, "next_queue_id", counters.next_queue_id)?;
            counters.next_queue_id_stored = counters.next_queue_id;
        }
        Ok(())
    }

    /// Rows left behind by purges and queue deletions: deleted between requests, and
    /// finished at shutdown so the next start loads only live rows.
    fn has_background_work(&self) -> bool {
        !self.backlog.is_empty()
    }
}

fn apply(
    tx: &Transaction<'_>,
    e: &Effect,
    backlog: &mut VecDeque<u64>,
    counters: &mut Counters,
) -> rusqlite::Result<()> {
    match e {
        Effect::Insert { queue_id, seq, row } => {
            counters.next_seq = counters.next_seq.max(seq + 1);
            let p = &row.payload;
            tx.prepare_cached(
                "INSERT OR REPLACE INTO messages (seq, queue_id, message_id, body, md5, sender, \
                 extra, sent_at, enqueued_at, visible_at, receive_count, first_receive_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                *seq as i64,
                *queue_id as i64,
                &p.id.as_bytes()[..],
                &*p.body,
                &p.md5_of_body[..],
                &*p.sender_id,
                encode_extra(p),
                row.sent_at as i64,
                row.enqueued_at as i64,
                row.visible_at as i64,
                row.receive_count as i64,
                row.first_receive_at as i64,
            ])?;
        }
        Effect::Receive {
            seq,
            visible_at,
            receive_count,
            first_receive_at,
        } => {
            tx.prepare_cached(
                "UPDATE messages SET visible_at = ?2, receive_count = ?3, first_receive_at = ?4 \
                 WHERE seq = ?1",
            )?
            .execute(params![
                *seq as i64,
                *visible_at as i64,
                *receive_count as i64,
                *first_receive_at as i64
            ])?;
        }
        Effect::SetVisibility { seq, visible_at } => {
            tx.prepare_cached("UPDATE messages SET visible_at = ?2 WHERE seq = ?1")?
                .execute(params![*seq as i64, *visible_at as i64])?;
        }
        Effect::Delete { seq } => {
            tx.prepare_cached("DELETE FROM messages WHERE seq = ?1")?
                .execute([*seq as i64])?;
        }
        Effect::Forget(seqs) => backlog.extend(seqs.iter().copied()),
        Effect::PutQueue(q) => {
            counters.next_queue_id = counters.next_queue_id.max(q.id + 1);
            let attributes = serde_json::to_string(&q.attributes).unwrap_or_else(|_| "[]".into());
            let tags = serde_json::to_string(&q.tags).unwrap_or_else(|_| "{}".into());
            tx.prepare_cached(
                "INSERT OR REPLACE INTO queues (id, account, region, name, attributes, tags, \
                 created_at, modified_at, purged_at, purged_through) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                q.id as i64,
                q.account,
                q.region,
                q.name,
                attributes,
                tags,
                q.created_at as i64,
                q.modified_at as i64,
                q.purged_at.map(|v| v as i64),
                q.purged_through as i64,
            ])?;
        }
        Effect::DeleteQueue { id } => {
            tx.prepare_cached("DELETE FROM queues WHERE id = ?1")?
                .execute([*id as i64])?;
            tx.prepare_cached("DELETE FROM dedup WHERE queue_id = ?1")?
                .execute([*id as i64])?;
            tx.prepare_cached("DELETE FROM receive_attempts WHERE queue_id = ?1")?
                .execute([*id as i64])?;
        }
        Effect::PutDedup {
            queue_id,
            key,
            message_id,
            seq,
            expires_at,
        } => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO dedup (queue_id, key, message_id, seq, expires_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                *queue_id as i64,
                key,
                &message_id.as_bytes()[..],
                *seq as i64,
                *expires_at as i64
            ])?;
        }
        Effect::ClearDedup { queue_id } => {
            tx.prepare_cached("DELETE FROM dedup WHERE queue_id = ?1")?
                .execute([*queue_id as i64])?;
            tx.prepare_cached("DELETE FROM receive_attempts WHERE queue_id = ?1")?
                .execute([*queue_id as i64])?;
        }
        Effect::PutAttempt {
            queue_id,
            attempt_id,
            expires_at,
            receipts,
            now,
        } => {
            tx.prepare_cached("DELETE FROM receive_attempts WHERE expires_at <= ?1")?
                .execute([*now as i64])?;
            tx.prepare_cached(
                "INSERT OR REPLACE INTO receive_attempts (queue_id, attempt_id, expires_at, receipts) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![*queue_id as i64, attempt_id, *expires_at as i64, receipts])?;
        }
        Effect::ExpireDedup {
            through_seq,
            before,
        } => {
            tx.prepare_cached("DELETE FROM dedup WHERE seq <= ?1 AND expires_at <= ?2")?
                .execute(params![*through_seq as i64, *before as i64])?;
        }
        Effect::PutMoveTask { id, json } => {
            tx.prepare_cached("INSERT OR REPLACE INTO move_tasks (id, state) VALUES (?1, ?2)")?
                .execute(params![id, json])?;
        }
        Effect::Purge {
            queue_id,
            through_seq,
            at,
        } => {
            tx.prepare_cached(
                "UPDATE queues SET purged_through = ?2, purged_at = ?3 WHERE id = ?1",
            )?
            .execute(params![*queue_id as i64, *through_seq as i64, *at as i64])?;
        }
    }
    Ok(())
}
