//! The writer thread: drains every pending submission into one transaction (group commit),
//! commits, then acknowledges them all.

use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, TryRecvError};

use std::sync::Arc;

use parking_lot::Mutex;
use rusqlite::{Connection, params};
use tokio::sync::oneshot;

use super::load::{encode_extra, put_meta_u64};
use super::{Command, Effect};

/// Most submissions folded into one transaction, so one commit never grows without bound.
const MAX_JOBS_PER_COMMIT: usize = 8_192;
/// Background row deletions done per transaction.
const CLEANUP_PER_COMMIT: usize = 2_000;
/// Sequence numbers reserved at a time in the stored counter, so the counter is written
/// once per this many messages rather than with every commit.
const SEQ_RESERVATION: u64 = 1_000_000;
/// Effects committed between two requests to the checkpointer.
const CHECKPOINT_EVERY: usize = 2_000;
/// The write-ahead log size past which the writer restarts it. The checkpointer's passive
/// checkpoints copy frames into the database but cannot reset a log that is written
/// without pause, so under sustained load it would grow without bound (a million sends
/// left a 900 MB log), and a start after `kill -9` must read and checksum all of it.
const WAL_RESTART_BYTES: u64 = 64 * 1024 * 1024;

/// A submission: its effects and who waits for their commit.
type Job = (Vec<Effect>, Option<oneshot::Sender<Result<(), String>>>);

struct Counters {
    next_seq_stored: u64,
    next_queue_id_stored: u64,
    next_seq: u64,
    next_queue_id: u64,
}

/// Copies the write-ahead log into the database file on its own connection, so the
/// writer never pauses for it; woken by the writer after enough commits.
fn checkpointer(conn: Connection, wake: Receiver<()>, checkpointing: &Mutex<()>) {
    while wake.recv().is_ok() {
        let _checkpointing = checkpointing.lock();
        if let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE)") {
            tracing::warn!(error = %e, "SQS checkpoint failed");
        }
    }
}

/// Runs until a shutdown command arrives or every sender is gone. `checkpoint_conn` is a
/// second connection to the same database for the checkpointer.
pub(super) fn run(
    mut conn: Connection,
    checkpoint_conn: Connection,
    rx: Receiver<Command>,
    initial_cleanup: Vec<u64>,
    next_seq: u64,
) {
    let (wake_tx, wake_rx) = std::sync::mpsc::sync_channel::<()>(1);
    let checkpointing = Arc::new(Mutex::new(()));
    let busy = checkpointing.clone();
    let checkpoints = std::thread::Builder::new()
        .name("sqs-checkpoint".into())
        .spawn(move || checkpointer(checkpoint_conn, wake_rx, &busy))
        .ok();
    let mut since_checkpoint = 0usize;
    let wal_path = conn
        .path()
        .filter(|p| !p.is_empty())
        .map(|p| format!("{p}-wal"));
    let mut wal_check_due = false;
    let mut backlog: VecDeque<u64> = initial_cleanup.into();
    let mut counters = Counters {
        next_seq_stored: next_seq,
        next_queue_id_stored: 0,
        next_seq,
        next_queue_id: 0,
    };
    let mut jobs: Vec<Job> = Vec::new();
    let mut shutdown: Option<oneshot::Sender<()>> = None;
    loop {
        // Wait for work (or take what is there when cleanup is pending).
        let first = if backlog.is_empty() {
            match rx.recv() {
                Ok(c) => Some(c),
                Err(_) => break,
            }
        } else {
            match rx.try_recv() {
                Ok(c) => Some(c),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => break,
            }
        };
        let mut next = first;
        while let Some(cmd) = next.take() {
            match cmd {
                Command::Job { effects, ack } => jobs.push((effects, ack)),
                Command::Shutdown(done) => {
                    shutdown = Some(done);
                    break;
                }
            }
            if jobs.len() >= MAX_JOBS_PER_COMMIT {
                break;
            }
            next = rx.try_recv().ok();
        }

        since_checkpoint += jobs.iter().map(|(e, _)| e.len()).sum::<usize>();
        let result = commit(&mut conn, &jobs, &mut backlog, &mut counters);
        if since_checkpoint >= CHECKPOINT_EVERY {
            since_checkpoint = 0;
            wal_check_due = true;
            let _ = wake_tx.try_send(());
        }
        if let Err(e) = &result {
            tracing::error!(error = %e, "SQS storage commit failed");
        }
        let result = result.map_err(|e| e.to_string());
        for (_, ack) in jobs.drain(..) {
            if let Some(ack) = ack {
                let _ = ack.send(result.clone());
            }
        }
        if std::mem::take(&mut wal_check_due) {
            restart_wal_if_large(&conn, wal_path.as_deref(), &checkpointing);
        }
        if let Some(done) = shutdown.take() {
            // Finish the cleanup so the next start loads only live rows.
            while !backlog.is_empty() {
                if commit(&mut conn, &[], &mut backlog, &mut counters).is_err() {
                    break;
                }
            }
            drop(wake_tx);
            if let Some(h) = checkpoints {
                let _ = h.join();
            }
            let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
            let _ = done.send(());
            return;
        }
    }
}

/// Checkpoints and restarts the write-ahead log once it is larger than
/// [`WAL_RESTART_BYTES`] (after the acknowledgements went out, so no request waits for it;
/// the passive checkpoints have usually copied most frames already), and only when the
/// checkpointer is idle: waiting for it would go through SQLite's busy handler, which sleeps
/// in steps of up to 25 ms while requests queue behind the writer. The next commit then
/// writes from the start of the log, which `journal_size_limit` keeps small.
fn restart_wal_if_large(conn: &Connection, wal_path: Option<&str>, checkpointing: &Mutex<()>) {
    let Some(path) = wal_path else { return };
    let large = std::fs::metadata(path).is_ok_and(|m| m.len() > WAL_RESTART_BYTES);
    let Some(_checkpointing) = large.then(|| checkpointing.try_lock()).flatten() else {
        return;
    };
    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(())) {
        tracing::debug!(error = %e, "SQS log restart deferred");
    }
}

fn commit(
    conn: &mut Connection,
    jobs: &[Job],
    backlog: &mut VecDeque<u64>,
    counters: &mut Counters,
) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    for (effects, _) in jobs {
        for e in effects {
            apply(&tx, e, backlog, counters)?;
        }
    }
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
        put_meta_u64(&tx, "next_seq", reserved)?;
        counters.next_seq_stored = reserved;
    }
    if counters.next_queue_id > counters.next_queue_id_stored {
        put_meta_u64(&tx, "next_queue_id", counters.next_queue_id)?;
        counters.next_queue_id_stored = counters.next_queue_id;
    }
    tx.commit()
}

fn apply(
    tx: &rusqlite::Transaction<'_>,
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
