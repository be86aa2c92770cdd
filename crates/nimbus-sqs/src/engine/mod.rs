//! The queues and their messages, in memory, with every change handed to storage.
//!
//! Each queue keeps its state behind its own lock ([`queue::Queue`]); the map of queues has a
//! read-mostly lock taken only to find, create or delete a queue. No lock is held across an
//! await: an operation applies its change under the queue's lock, hands the matching storage
//! effects to the writer under the same lock (so they are committed in the order they were
//! applied), releases it, and then waits for the commit before answering.
//!
//! Time comes only from the injected clock. Nothing runs in the background: due in-flight and
//! delayed messages become visible, and expired ones are dropped, when a request touches the
//! queue ([`Engine::tick`]), each in O(log n).
//!
//! Messages are numbered by one sequence shared by all queues (the storage rowid, in send
//! order), never reused; receipt handles name (queue id, sequence, receive count).
//!
//! FIFO queues and dead-letter redrive:
//! - FIFO order lives behind [`index::MessageSet`]'s stage changes (`insert`, `make_ready`,
//!   `set_inflight`, `remove`), which keep per-group member sets, in-flight counts and a
//!   round-robin queue of deliverable groups, so a receive pops groups without scanning and
//!   a slow consumer holding one group never delays the others. The deduplication window and
//!   the `ReceiveRequestAttemptId` cache are per-queue maps with expiry queues
//!   ([`fifo::FifoState`]); deduplication entries are persisted. FIFO `SequenceNumber`s are
//!   derived from the global message sequence (20 digits, increasing).
//! - Redrive happens in `Engine::try_receive_attempt` ([`redrive`]): a message whose receive
//!   count reached the policy's `maxReceiveCount` is taken out of the source under its lock,
//!   and put into the dead-letter queue under that queue's lock afterwards (never both locks
//!   at once); both storage effects go into the same commit.
//! - Message move tasks ([`move_tasks`]) move a dead-letter queue's messages back in paced
//!   batches on a background task, persisted and resumed after a restart.

pub mod counters;
pub mod fifo;
pub mod index;
pub mod long_poll;
pub mod message;
pub mod messages;
pub mod move_tasks;
pub mod queue;
pub mod receipt;
pub mod redrive;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use nimbus_core::{AccountId, Arn, Durability, SharedClock};
use parking_lot::{Mutex, RwLock};

use self::index::MessageSet;
use self::message::Message;
use self::queue::{Queue, QueueKey, QueueState};
use self::receipt::ReceiptKey;
use crate::error::{Result, SqsError};
use crate::queue_attributes::QueueAttributes;
use crate::storage::{Ack, Effect, Storage, StoredMessage};

/// How long a deleted queue's name stays unavailable (`QueueDeletedRecently`), ms.
pub const QUEUE_DELETED_RECENTLY_MS: u64 = 60_000;
/// How long after a purge another purge is refused (`PurgeQueueInProgress`), ms.
pub const PURGE_INTERVAL_MS: u64 = 60_000;

/// All queues of one sandbox.
pub struct Engine {
    clock: SharedClock,
    storage: Storage,
    receipts: ReceiptKey,
    queues: RwLock<HashMap<QueueKey, Arc<Queue>>>,
    recently_deleted: Mutex<HashMap<QueueKey, u64>>,
    next_queue_id: AtomicU64,
    next_seq: AtomicU64,
    stopping: AtomicBool,
    tasks: move_tasks::MoveTasks,
}

/// The outcome of CreateQueue.
pub struct Created {
    /// The queue (new or existing).
    pub queue: Arc<Queue>,
    /// Resolves when the creation is committed.
    pub ack: Ack,
}

impl Engine {
    /// An engine keeping everything in memory.
    pub fn in_memory(clock: SharedClock) -> Engine {
        Engine {
            clock,
            storage: Storage::in_memory(),
            receipts: ReceiptKey::random(),
            queues: RwLock::new(HashMap::new()),
            recently_deleted: Mutex::new(HashMap::new()),
            next_queue_id: AtomicU64::new(1),
            next_seq: AtomicU64::new(1),
            stopping: AtomicBool::new(false),
            tasks: move_tasks::MoveTasks::default(),
        }
    }

    /// Opens the database in `dir`, loads every queue and message and rebuilds the indexes
    /// (in-flight messages keep their deadlines and receive counts).
    pub fn open(
        clock: SharedClock,
        dir: &std::path::Path,
        durability: Durability,
    ) -> std::result::Result<Engine, rusqlite::Error> {
        let now = clock.now_millis();
        let mut loaded_messages: HashMap<u64, Vec<(u64, Message)>> = HashMap::new();
        let on_message = |m: StoredMessage| {
            let stage = Message::stage_at(m.row.visible_at, m.row.receive_count, now);
            let msg = Message {
                payload: m.row.payload,
                sent_at: m.row.sent_at,
                enqueued_at: m.row.enqueued_at,
                visible_at: m.row.visible_at,
                receive_count: m.row.receive_count,
                first_receive_at: m.row.first_receive_at,
                stage,
                arrived_at: m.row.enqueued_at,
            };
            loaded_messages
                .entry(m.queue_id)
                .or_default()
                .push((m.seq, msg));
        };
        let (storage, loaded) = Storage::open(dir, durability, on_message)?;
        let mut dedup: HashMap<u64, Vec<crate::storage::DedupRow>> = HashMap::new();
        for d in loaded.dedup {
            dedup.entry(d.queue_id).or_default().push(d);
        }
        let mut attempts: HashMap<u64, Vec<crate::storage::AttemptRow>> = HashMap::new();
        for a in loaded.attempts {
            attempts.entry(a.queue_id).or_default().push(a);
        }
        let mut entries: Vec<_> = dedup.values_mut().collect();
        for e in entries.iter_mut() {
            e.sort_by_key(|d| d.expires_at);
        }
        let mut queues = HashMap::new();
        for row in loaded.queues {
            let Some(account) = AccountId::parse(&row.account) else {
                continue;
            };
            let attributes =
                QueueAttributes::restore(&row.name, &row.attributes).unwrap_or_default();
            let key = QueueKey {
                account,
                region: row.region,
                name: row.name,
            };
            let fifo = attributes.fifo_queue;
            let mut fifo_state = fifo::FifoState::default();
            for d in dedup.remove(&row.id).unwrap_or_default() {
                if d.expires_at > now {
                    fifo_state.remember(
                        d.key,
                        fifo::DedupEntry {
                            message_id: d.message_id,
                            seq: d.seq,
                            expires_at: d.expires_at,
                        },
                    );
                }
            }
            let mut live_attempts = attempts.remove(&row.id).unwrap_or_default();
            live_attempts.retain(|a| a.expires_at > now);
            live_attempts.sort_by_key(|a| a.expires_at);
            for a in live_attempts {
                let receipts = fifo::decode_attempt_receipts(row.id, &a.receipts);
                fifo_state.restore_attempt(&a.attempt_id, receipts, a.expires_at);
            }
            let state = QueueState {
                attributes,
                tags: row.tags,
                created_at: row.created_at,
                modified_at: row.modified_at,
                purged_at: row.purged_at,
                purged_through: row.purged_through,
                messages: MessageSet::from_loaded(
                    loaded_messages.remove(&row.id).unwrap_or_default(),
                    fifo,
                ),
                fifo: fifo_state,
            };
            queues.insert(key.clone(), Arc::new(Queue::new(row.id, key, state)));
        }
        Ok(Engine {
            clock,
            storage,
            receipts: ReceiptKey::new(loaded.secret),
            queues: RwLock::new(queues),
            recently_deleted: Mutex::new(HashMap::new()),
            next_queue_id: AtomicU64::new(loaded.next_queue_id),
            next_seq: AtomicU64::new(loaded.next_seq),
            stopping: AtomicBool::new(false),
            tasks: move_tasks::MoveTasks::restore(&loaded.move_tasks),
        })
    }

    /// The clock.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// The current time, ms.
    pub fn now(&self) -> u64 {
        self.clock.now_millis()
    }

    pub(crate) fn storage(&self) -> &Storage {
        &self.storage
    }

    pub(crate) fn receipts(&self) -> &ReceiptKey {
        &self.receipts
    }

    pub(crate) fn next_seq(&self) -> u64 {
        self.next_seq.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn peek_next_seq(&self) -> u64 {
        self.next_seq.load(Ordering::Relaxed)
    }

    /// Whether the service is stopping (long polls return at once).
    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Acquire)
    }

    /// Ends every long poll, commits what is pending and stops the writer.
    pub async fn shutdown(&self) {
        self.stopping.store(true, Ordering::Release);
        let queues: Vec<Arc<Queue>> = self.queues.read().values().cloned().collect();
        for q in queues {
            q.notify.notify_waiters();
        }
        self.tasks.wake.notify_waiters();
        self.storage.shutdown().await;
    }

    /// The queue named by `key`.
    pub fn queue(&self, key: &QueueKey) -> Option<Arc<Queue>> {
        self.queues.read().get(key).cloned()
    }

    /// The queue named by `key`, or `QueueDoesNotExist`.
    pub fn existing(&self, key: &QueueKey) -> Result<Arc<Queue>> {
        self.queue(key).ok_or_else(SqsError::queue_does_not_exist)
    }

    /// The queue with this ARN.
    pub fn queue_by_arn(&self, arn: &Arn) -> Option<Arc<Queue>> {
        let account = AccountId::parse(&arn.account)?;
        if arn.service != "sqs" {
            return None;
        }
        self.queue(&QueueKey::new(account, &arn.region, &arn.resource))
    }

    /// The queue with this ARN (as a string), if it parses and exists.
    pub fn queue_by_arn_str(&self, arn: &str) -> Option<Arc<Queue>> {
        self.queue_by_arn(&arn.parse::<Arn>().ok()?)
    }

    /// The queues of `account` in `region` whose names start with `prefix`, sorted by name.
    pub fn list(&self, account: &AccountId, region: &str, prefix: &str) -> Vec<Arc<Queue>> {
        let mut v: Vec<Arc<Queue>> = self
            .queues
            .read()
            .values()
            .filter(|q| {
                &q.key.account == account
                    && q.key.region == region
                    && q.key.name.starts_with(prefix)
            })
            .cloned()
            .collect();
        v.sort_by(|a, b| a.key.name.cmp(&b.key.name));
        v
    }

    /// Every queue (for the dead-letter source listing and tests).
    pub fn all_queues(&self) -> Vec<Arc<Queue>> {
        self.queues.read().values().cloned().collect()
    }

    /// CreateQueue: creates the queue, or returns the existing one when every given
    /// attribute has the existing value (`QueueNameExists` otherwise). `given` are the
    /// attributes as the request named them; `attributes` the validated attributes of a new
    /// queue built from them.
    pub fn create_queue(
        &self,
        key: QueueKey,
        given: &[(String, String)],
        attributes: QueueAttributes,
        tags: BTreeMap<String, String>,
    ) -> Result<Created> {
        let now = self.now();
        let mut map = self.queues.write();
        if let Some(existing) = map.get(&key) {
            let existing = existing.clone();
            drop(map);
            existing
                .state
                .lock()
                .attributes
                .check_create_matches(&existing.key.name, given)?;
            return Ok(Created {
                queue: existing,
                ack: Ack::Done,
            });
        }
        {
            let mut recent = self.recently_deleted.lock();
            recent.retain(|_, at| now < *at + QUEUE_DELETED_RECENTLY_MS);
            if recent.contains_key(&key) {
                return Err(SqsError::queue_deleted_recently());
            }
        }
        let id = self.next_queue_id.fetch_add(1, Ordering::Relaxed);
        let is_fifo = attributes.fifo_queue;
        let state = QueueState {
            attributes,
            tags,
            created_at: now,
            modified_at: now,
            purged_at: None,
            purged_through: 0,
            messages: MessageSet::with_kind(is_fifo),
            fifo: fifo::FifoState::default(),
        };
        let row = state.row(id, &key);
        let queue = Arc::new(Queue::new(id, key.clone(), state));
        map.insert(key, queue.clone());
        let ack = self.storage.submit(vec![Effect::PutQueue(Box::new(row))]);
        Ok(Created { queue, ack })
    }

    /// DeleteQueue: removes the queue and its messages; the name is unavailable for 60 s.
    pub fn delete_queue(&self, queue: &Arc<Queue>) -> Result<Ack> {
        let now = self.now();
        let mut map = self.queues.write();
        match map.get(&queue.key) {
            Some(q) if Arc::ptr_eq(q, queue) => {}
            _ => return Err(SqsError::queue_does_not_exist()),
        }
        map.remove(&queue.key);
        self.recently_deleted.lock().insert(queue.key.clone(), now);
        let ack = {
            let mut st = queue.state.lock();
            queue.mark_deleted();
            let seqs = st.messages.clear();
            self.storage.submit(vec![
                Effect::DeleteQueue { id: queue.id },
                Effect::Forget(seqs),
            ])
        };
        drop(map);
        queue.notify.notify_waiters();
        Ok(ack)
    }

    /// Brings a queue's indexes up to `now`: due in-flight and delayed messages become
    /// visible, messages past retention are dropped. Returns whether any became visible.
    pub(crate) fn tick(&self, st: &mut QueueState, now: u64) -> bool {
        let retention_ms = u64::from(st.attributes.message_retention_period) * 1000;
        if let Some(oldest) = st.messages.oldest_enqueued_at()
            && oldest + retention_ms <= now
        {
            let gone = st.messages.expire(now - retention_ms);
            self.storage.submit_background(vec![Effect::Forget(gone)]);
        }
        if st.attributes.fifo_queue {
            st.fifo.expire(now);
            // Stored entries past the window are ignored at load; delete them now and then.
            if st.fifo.expired_through > st.fifo.cleaned_through
                && now >= st.fifo.last_cleanup + 5_000
            {
                st.fifo.last_cleanup = now;
                st.fifo.cleaned_through = st.fifo.expired_through;
                self.storage.submit_background(vec![Effect::ExpireDedup {
                    through_seq: st.fifo.expired_through,
                    before: now,
                }]);
            }
        }
        st.messages.advance(now) > 0
    }

    /// Applies `f` to the state of a live queue and stores the queue row afterwards
    /// (SetQueueAttributes, tags, permissions).
    pub fn update_queue(
        &self,
        queue: &Queue,
        f: impl FnOnce(&mut QueueState) -> Result<()>,
    ) -> Result<Ack> {
        let mut st = queue.state.lock();
        if queue.is_deleted() {
            return Err(SqsError::queue_does_not_exist());
        }
        f(&mut st)?;
        queue.sync_policy_flag(&st);
        let row = st.row(queue.id, &queue.key);
        Ok(self.storage.submit(vec![Effect::PutQueue(Box::new(row))]))
    }

    /// SetQueueAttributes: applies `attrs` atomically and records the change time.
    pub fn set_attributes(&self, queue: &Queue, attrs: &[(String, String)]) -> Result<Ack> {
        let now = self.now();
        let ack = self.update_queue(queue, |st| {
            let mut next = st.attributes.clone();
            next.set(attrs)?;
            st.attributes = next;
            st.modified_at = now;
            Ok(())
        })?;
        // A shorter retention or other change may make waiting receives' view stale.
        queue.notify.notify_waiters();
        Ok(ack)
    }

    /// A snapshot of a queue for GetQueueAttributes: its settable attributes, the counts of
    /// visible, in-flight and delayed messages, and its timestamps.
    pub fn snapshot(&self, queue: &Queue) -> Result<QueueSnapshot> {
        let now = self.now();
        let mut st = queue.state.lock();
        if queue.is_deleted() {
            return Err(SqsError::queue_does_not_exist());
        }
        self.tick(&mut st, now);
        let (visible, not_visible, delayed) = st.messages.counts();
        Ok(QueueSnapshot {
            attributes: st.attributes.clone(),
            tags: st.tags.clone(),
            visible,
            not_visible,
            delayed,
            created_at: st.created_at,
            modified_at: st.modified_at,
        })
    }

    /// PurgeQueue: deletes every message; a second purge within 60 s is refused.
    pub fn purge(&self, queue: &Queue, queue_name: &str) -> Result<Ack> {
        let now = self.now();
        let mut st = queue.state.lock();
        if queue.is_deleted() {
            return Err(SqsError::queue_does_not_exist());
        }
        if let Some(at) = st.purged_at
            && now < at + PURGE_INTERVAL_MS
        {
            return Err(SqsError::purge_queue_in_progress(queue_name));
        }
        let through = self.peek_next_seq().saturating_sub(1);
        let seqs = st.messages.clear();
        st.purged_at = Some(now);
        st.purged_through = through;
        st.fifo.clear();
        Ok(self.storage.submit(vec![
            Effect::Purge {
                queue_id: queue.id,
                through_seq: through,
                at: now,
            },
            Effect::ClearDedup { queue_id: queue.id },
            Effect::Forget(seqs),
        ]))
    }
}

/// What GetQueueAttributes reports about a queue at one instant.
pub struct QueueSnapshot {
    /// The settable attributes.
    pub attributes: QueueAttributes,
    /// The tags.
    pub tags: BTreeMap<String, String>,
    /// `ApproximateNumberOfMessages`.
    pub visible: usize,
    /// `ApproximateNumberOfMessagesNotVisible`.
    pub not_visible: usize,
    /// `ApproximateNumberOfMessagesDelayed`.
    pub delayed: usize,
    /// `CreatedTimestamp`, ms.
    pub created_at: u64,
    /// `LastModifiedTimestamp`, ms.
    pub modified_at: u64,
}
