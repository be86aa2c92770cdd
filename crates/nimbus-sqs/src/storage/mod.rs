//! Durable SQS state in SQLite, written by one thread with group commit.
//!
//! The database lives at `<data-dir>/sqs/sqs.db` in WAL mode (`synchronous=NORMAL` for
//! [`Durability::Process`], `FULL` for [`Durability::Fsync`]). One writer thread owns the
//! connection: the core's [`GroupCommit`], which SQS gives its [`Effect`] type, how they are
//! written (`writer.rs`) and its bounds (`writer::BOUNDS`). Requests apply their effect to
//! the in-memory engine and, under the same queue lock, hand the matching [`Effect`]s to the
//! writer with [`Storage::submit`]; the writer drains everything pending into one
//! transaction, commits, and only then acknowledges each submission, so an operation
//! answers its client only after its effect is committed and concurrent requests share one
//! commit.
//!
//! The schema is built for a fast bulk load: messages are keyed by their global sequence
//! number (the rowid, in send order), with the rarely used fields packed into one nullable
//! column. Purges and queue deletions commit a marker first (a `purged_through` sequence or
//! the queue row's removal) and delete the message rows afterwards in small background
//! transactions, so a purge of a million messages does not stall other writers.
//!
//! In memory (`--in-memory`) there is no writer: [`Storage::submit`] acknowledges at once and
//! the engine behaves identically otherwise.

mod load;
mod writer;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use nimbus_core::Durability;
use nimbus_core::storage::group_commit::GroupCommit;

pub use load::{Loaded, StoredMessage};

use crate::engine::message::Payload;

/// A queue as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueRow {
    /// The internal queue id.
    pub id: u64,
    /// The owning account.
    pub account: String,
    /// The region.
    pub region: String,
    /// The queue name.
    pub name: String,
    /// The settable attributes, as GetQueueAttributes would list them.
    pub attributes: Vec<(String, String)>,
    /// The tags.
    pub tags: BTreeMap<String, String>,
    /// Creation time, ms.
    pub created_at: u64,
    /// Last attribute change, ms.
    pub modified_at: u64,
    /// The last purge, ms.
    pub purged_at: Option<u64>,
    /// Messages with a sequence number at or below this were purged.
    pub purged_through: u64,
}

/// The durable part of a message's state, as inserted.
#[derive(Clone, Debug)]
pub struct MessageRow {
    /// The payload.
    pub payload: Arc<Payload>,
    /// `SentTimestamp`, ms.
    pub sent_at: u64,
    /// Start of retention, ms.
    pub enqueued_at: u64,
    /// Visible from, ms.
    pub visible_at: u64,
    /// Receives so far.
    pub receive_count: u32,
    /// First receive, ms (0: never).
    pub first_receive_at: u64,
}

/// One change to the stored state.
#[derive(Clone, Debug)]
pub enum Effect {
    /// Creates or replaces a queue row.
    PutQueue(Box<QueueRow>),
    /// Removes a queue; its messages are cleaned up by a following [`Effect::Forget`].
    DeleteQueue {
        /// The queue id.
        id: u64,
    },
    /// Marks every message of a queue up to `through_seq` as purged.
    Purge {
        /// The queue id.
        queue_id: u64,
        /// The highest sequence number purged.
        through_seq: u64,
        /// When, ms.
        at: u64,
    },
    /// Inserts a message.
    Insert {
        /// The queue id.
        queue_id: u64,
        /// The message's sequence number.
        seq: u64,
        /// The message.
        row: MessageRow,
    },
    /// Records a receive.
    Receive {
        /// The message's sequence number.
        seq: u64,
        /// The new visibility deadline.
        visible_at: u64,
        /// The new receive count.
        receive_count: u32,
        /// The first receive time.
        first_receive_at: u64,
    },
    /// Changes a message's visibility deadline.
    SetVisibility {
        /// The message's sequence number.
        seq: u64,
        /// The new deadline.
        visible_at: u64,
    },
    /// Deletes a message.
    Delete {
        /// The message's sequence number.
        seq: u64,
    },
    /// Deletes message rows whose removal is already recorded by a marker (purge, queue
    /// deletion) or that expired; done in the background, in small transactions.
    Forget(Vec<u64>),
    /// Records a FIFO deduplication id in the window.
    PutDedup {
        /// The queue id.
        queue_id: u64,
        /// The scoped key.
        key: String,
        /// The first message's id.
        message_id: uuid::Uuid,
        /// The first message's sequence number.
        seq: u64,
        /// When the entry expires, ms.
        expires_at: u64,
    },
    /// Forgets a queue's deduplication ids (PurgeQueue).
    ClearDedup {
        /// The queue id.
        queue_id: u64,
    },
    /// Deletes the deduplication entries (of any queue) with a sequence number up to
    /// `through_seq` that expired at or before `before`, ms (entries are keyed by the
    /// sequence number of their message, so this is a range at the table's start).
    ExpireDedup {
        /// The highest sequence number to look at.
        through_seq: u64,
        /// The cutoff, ms.
        before: u64,
    },
    /// Remembers a FIFO receive under its `ReceiveRequestAttemptId` (and drops expired
    /// attempts of every queue).
    PutAttempt {
        /// The queue id.
        queue_id: u64,
        /// The attempt id.
        attempt_id: String,
        /// When the attempt expires, ms.
        expires_at: u64,
        /// The receipts it issued, `seq:receive_count:received_at` joined by commas.
        receipts: String,
        /// Now, ms: attempts that expired by then are deleted.
        now: u64,
    },
    /// Creates or replaces a message move task (its state as JSON).
    PutMoveTask {
        /// The task id.
        id: String,
        /// The task's state.
        json: String,
    },
}

/// A stored FIFO receive attempt.
#[derive(Clone, Debug)]
pub struct AttemptRow {
    /// The queue id.
    pub queue_id: u64,
    /// The `ReceiveRequestAttemptId`.
    pub attempt_id: String,
    /// Expiry, ms.
    pub expires_at: u64,
    /// The receipts, as in [`Effect::PutAttempt`].
    pub receipts: String,
}

/// A stored FIFO deduplication entry.
#[derive(Clone, Debug)]
pub struct DedupRow {
    /// The queue id.
    pub queue_id: u64,
    /// The scoped key.
    pub key: String,
    /// The first message's id.
    pub message_id: uuid::Uuid,
    /// Its sequence number.
    pub seq: u64,
    /// Expiry, ms.
    pub expires_at: u64,
}

/// A pending acknowledgement: resolves once the submitted effects are committed (a failed
/// commit is an `InternalError`, through `From<CommitError> for SqsError`).
pub use nimbus_core::storage::group_commit::Ack;

/// The storage handle the engine writes through.
pub struct Storage {
    writer: GroupCommit<Effect>,
}

impl Storage {
    /// Storage that keeps nothing (`--in-memory`).
    pub fn in_memory() -> Storage {
        Storage {
            writer: GroupCommit::in_memory(),
        }
    }

    /// Opens (creating if needed) the database in `dir`, loads everything through
    /// `on_message`, and starts the writer.
    pub fn open(
        dir: &Path,
        durability: Durability,
        on_message: impl FnMut(StoredMessage),
    ) -> Result<(Storage, Loaded), rusqlite::Error> {
        let path = dir.join("sqs.db");
        let mut conn = load::open(&path, durability)?;
        let loaded = load::load(&mut conn, on_message)?;
        // The writer maps no file memory (the map only speeds up the load); the kit leaves
        // checkpoints to a second connection.
        conn.pragma_update(None, "mmap_size", 0)?;
        let checkpoint_conn = load::open(&path, durability)?;
        let applier = writer::SqsWriter::new(loaded.cleanup.clone(), loaded.next_seq);
        let writer = GroupCommit::start(conn, checkpoint_conn, applier, writer::BOUNDS)?;
        Ok((Storage { writer }, loaded))
    }

    /// Whether effects are persisted.
    pub fn is_durable(&self) -> bool {
        self.writer.is_durable()
    }

    /// Hands `effects` to the writer. Call it while holding the lock under which the effects
    /// were applied in memory, so the writer sees them in the same order. The returned
    /// [`Ack`] resolves after the commit.
    pub fn submit(&self, effects: Vec<Effect>) -> Ack {
        self.writer.submit(effects)
    }

    /// Hands `effects` to the writer without waiting for their commit (cleanups whose loss
    /// in a crash is harmless: they are redone at the next start).
    pub fn submit_background(&self, effects: Vec<Effect>) {
        self.writer.submit_background(effects)
    }

    /// Commits what is pending (and the background cleanup) and stops the writer.
    pub async fn shutdown(&self) {
        self.writer.shutdown().await
    }
}
