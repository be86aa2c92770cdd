//! One queue: its identity, its state behind its own lock, and the notifier long polls wait on.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use nimbus_core::access::policy::Policy;

use nimbus_core::{AccountId, Arn};
use parking_lot::Mutex;
use tokio::sync::Notify;

use super::counters::QueueCounters;
use super::index::MessageSet;
use crate::queue_attributes::QueueAttributes;
use crate::storage::QueueRow;

/// What names a queue: account, region and name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QueueKey {
    /// The owning account.
    pub account: AccountId,
    /// The region.
    pub region: String,
    /// The queue name.
    pub name: String,
}

impl QueueKey {
    /// A key.
    pub fn new(account: AccountId, region: &str, name: &str) -> QueueKey {
        QueueKey {
            account,
            region: region.to_owned(),
            name: name.to_owned(),
        }
    }

    /// The queue's ARN.
    pub fn arn(&self) -> String {
        Arn::new("sqs", &self.region, self.account.as_str(), &self.name).to_string()
    }

    /// The queue's URL on `host` (the `Host` the client used).
    pub fn url(&self, host: &str) -> String {
        format!("http://{host}/{}/{}", self.account, self.name)
    }
}

/// Everything about a queue that changes, guarded by the queue's lock.
pub struct QueueState {
    /// The settable attributes.
    pub attributes: QueueAttributes,
    /// The tags.
    pub tags: BTreeMap<String, String>,
    /// Creation time, ms.
    pub created_at: u64,
    /// Last attribute change, ms.
    pub modified_at: u64,
    /// Time of the last purge, ms.
    pub purged_at: Option<u64>,
    /// Every message with a sequence number at or below this was purged.
    pub purged_through: u64,
    /// The messages.
    pub messages: MessageSet,
    /// FIFO queues: the deduplication window and receive attempt cache.
    pub fifo: super::fifo::FifoState,
}

/// A queue.
pub struct Queue {
    /// Internal id, never reused within a data directory.
    pub id: u64,
    /// Account, region and name.
    pub key: QueueKey,
    /// The ARN.
    pub arn: String,
    pub(crate) state: Mutex<QueueState>,
    /// Woken when messages may have become available (sends, visibility changes) and when
    /// the queue is deleted or the service stops.
    pub(crate) notify: Notify,
    deleted: AtomicBool,
    /// Whether the queue has a `Policy`: lets [`Queue::policy`] answer the common case
    /// (none) without taking the queue's lock.
    has_policy: AtomicBool,
    /// The CloudWatch counters and the time of the last action.
    pub counters: QueueCounters,
}

impl Queue {
    /// A queue with `state`.
    pub(crate) fn new(id: u64, key: QueueKey, state: QueueState) -> Queue {
        let has_policy = state.attributes.policy.is_some();
        let counters = QueueCounters::new(state.modified_at);
        Queue {
            id,
            arn: key.arn(),
            key,
            state: Mutex::new(state),
            notify: Notify::new(),
            deleted: AtomicBool::new(false),
            has_policy: AtomicBool::new(has_policy),
            counters,
        }
    }

    /// The queue's compiled `Policy`, if it has one (a stored document that no longer
    /// compiles counts as an empty policy: it grants nothing). Without a policy this reads
    /// one atomic flag and takes no lock.
    pub fn policy(&self) -> Option<Arc<Policy>> {
        if !self.has_policy.load(Ordering::Acquire) {
            return None;
        }
        let st = self.state.lock();
        let p = st.attributes.policy.as_ref()?;
        Some(p.compiled.clone().unwrap_or_else(grants_nothing))
    }

    /// Records whether the state (just changed under the lock) has a policy.
    pub(crate) fn sync_policy_flag(&self, st: &QueueState) {
        self.has_policy
            .store(st.attributes.policy.is_some(), Ordering::Release);
    }

    /// Whether the queue was deleted (a request that looked it up before the deletion may
    /// still hold it).
    pub fn is_deleted(&self) -> bool {
        self.deleted.load(Ordering::Acquire)
    }

    pub(crate) fn mark_deleted(&self) {
        self.deleted.store(true, Ordering::Release);
    }

    /// Whether this is a FIFO queue (fixed at creation).
    pub fn is_fifo(&self) -> bool {
        self.key.name.ends_with(".fifo")
    }

    /// Runs `f` on the state under the queue's lock.
    pub fn with_state<T>(&self, f: impl FnOnce(&QueueState) -> T) -> T {
        f(&self.state.lock())
    }
}

/// The policy a stored document that no longer compiles stands for: one that allows
/// nothing (a statement for a principal no request has).
fn grants_nothing() -> Arc<Policy> {
    static NOTHING: OnceLock<Arc<Policy>> = OnceLock::new();
    NOTHING
        .get_or_init(|| {
            let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/nimbus-no-one"},"Action":"sqs:NoSuchAction","Resource":"*"}]}"#;
            Arc::new(Policy::resource(doc).expect("the grant-nothing policy parses"))
        })
        .clone()
}

impl QueueState {
    /// The stored form of the queue.
    pub fn row(&self, id: u64, key: &QueueKey) -> QueueRow {
        QueueRow {
            id,
            account: key.account.to_string(),
            region: key.region.clone(),
            name: key.name.clone(),
            attributes: self.attributes.to_map(),
            tags: self.tags.clone(),
            created_at: self.created_at,
            modified_at: self.modified_at,
            purged_at: self.purged_at,
            purged_through: self.purged_through,
        }
    }
}
