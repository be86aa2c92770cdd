//! Durable, at-least-once delivery of event notifications.
//!
//! An operation that causes events writes them to the `outbox` table in the same
//! transaction as its metadata; once committed they are handed to [`Outbox::enqueue`]. A
//! background task delivers them through the core bus (SQS `send_message`, Lambda
//! `invoke_async`), deletes each delivered row, and retries failures with exponential
//! backoff on the sandbox clock. Rows still in the table at start are delivered again, so a
//! crash or restart loses nothing (a delivery interrupted after sending but before its row
//! was deleted is sent twice, as S3's own at-least-once delivery allows). A failure never
//! reaches the request that caused the event.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use nimbus_core::bus::{DeliveryError, DeliverySource, ServiceBus};
use nimbus_core::{Arn, SharedClock};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use super::config::DestinationKind;
use crate::store::db::{Db, Effect};

/// First retry delay.
const FIRST_BACKOFF_MS: u64 = 1_000;
/// Longest retry delay.
const MAX_BACKOFF_MS: u64 = 5 * 60 * 1_000;
/// Attempts before a delivery whose destination is gone is dropped (logged).
const MAX_ATTEMPTS_MISSING: u32 = 5;
/// Attempts before any delivery is dropped (logged): about a day at the longest backoff.
const MAX_ATTEMPTS: u32 = 300;
/// Deliveries in flight at once.
const CONCURRENCY: usize = 64;

/// One message to deliver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// Queue or function.
    pub kind: DestinationKind,
    /// The destination ARN.
    pub arn: String,
    /// The message body (event JSON).
    pub body: String,
    /// Failed attempts so far.
    #[serde(default)]
    pub attempts: u32,
    /// The bucket owner's account, when the body does not name it (`s3:TestEvent`), for
    /// the destination's policy (`aws:SourceAccount`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_account: Option<String>,
}

struct Pending {
    due: u64,
    delivery: Delivery,
}

/// The outbox: pending deliveries and the task that sends them.
pub struct Outbox {
    next_id: AtomicU64,
    pending: Mutex<BTreeMap<u64, Pending>>,
    wake: Notify,
    stopping: AtomicBool,
    clock: SharedClock,
    bus: Arc<ServiceBus>,
    db: Arc<Db>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Outbox {
    /// An outbox holding the rows `loaded` from storage (delivered again at start).
    pub fn new(
        loaded: Vec<(u64, Delivery)>,
        clock: SharedClock,
        bus: Arc<ServiceBus>,
        db: Arc<Db>,
    ) -> Arc<Outbox> {
        let now = clock.now_millis();
        let next = loaded.iter().map(|(id, _)| id + 1).max().unwrap_or(1);
        let pending = loaded
            .into_iter()
            .map(|(id, delivery)| (id, Pending { due: now, delivery }))
            .collect();
        Arc::new(Outbox {
            next_id: AtomicU64::new(next),
            pending: Mutex::new(pending),
            wake: Notify::new(),
            stopping: AtomicBool::new(false),
            clock,
            bus,
            db,
            task: Mutex::new(None),
        })
    }

    /// A fresh outbox id.
    pub fn allocate_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// The effect storing `delivery` under `id`.
    pub fn effect(id: u64, delivery: &Delivery) -> Effect {
        Effect::PutOutbox {
            id,
            json: serde_json::to_string(delivery).unwrap_or_default(),
        }
    }

    /// Hands committed deliveries to the task.
    pub fn enqueue(&self, committed: Vec<(u64, Delivery)>) {
        if committed.is_empty() {
            return;
        }
        let now = self.clock.now_millis();
        let mut p = self.pending.lock();
        for (id, delivery) in committed {
            p.insert(id, Pending { due: now, delivery });
        }
        drop(p);
        self.wake.notify_one();
    }

    /// How many deliveries are waiting (tests, health).
    pub fn len(&self) -> usize {
        self.pending.lock().len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Starts the delivery task (needs a tokio runtime).
    pub fn start(self: &Arc<Self>) {
        let me = self.clone();
        let handle = tokio::spawn(async move { me.run().await });
        *self.task.lock() = Some(handle);
    }

    /// Stops the task; undelivered rows stay stored for the next start.
    pub async fn shutdown(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.wake.notify_one();
        let handle = self.task.lock().take();
        if let Some(h) = handle {
            h.abort();
            let _ = h.await;
        }
    }

    async fn run(self: Arc<Self>) {
        loop {
            if self.stopping.load(Ordering::SeqCst) {
                return;
            }
            let now = self.clock.now_millis();
            let (due, next_due) = {
                let mut p = self.pending.lock();
                let ids: Vec<u64> = p
                    .iter()
                    .filter(|(_, e)| e.due <= now)
                    .map(|(id, _)| *id)
                    .take(CONCURRENCY)
                    .collect();
                let due: Vec<(u64, Delivery)> = ids
                    .into_iter()
                    .filter_map(|id| p.remove(&id).map(|e| (id, e.delivery)))
                    .collect();
                let next_due = p.values().map(|e| e.due).min();
                (due, next_due)
            };
            if due.is_empty() {
                let deadline = next_due.unwrap_or(u64::MAX);
                let sleep = self.clock.sleep_until(deadline);
                tokio::select! {
                    _ = self.wake.notified() => {}
                    _ = sleep => {}
                }
                continue;
            }
            let me = &self;
            let results = futures_util::future::join_all(
                due.into_iter()
                    .map(|(id, d)| async move { (id, me.deliver(&d).await, d) }),
            )
            .await;
            let mut done = Vec::new();
            let now = self.clock.now_millis();
            for (id, result, mut d) in results {
                match result {
                    Ok(()) => done.push(Effect::DeleteOutbox(id)),
                    Err(e) => {
                        d.attempts += 1;
                        let limit = match e {
                            DeliveryError::NoSuchDestination(_) => MAX_ATTEMPTS_MISSING,
                            // As S3 does when the destination's policy no longer allows
                            // it: the event is dropped (and logged), not retried.
                            DeliveryError::AccessDenied(_) => 1,
                            _ => MAX_ATTEMPTS,
                        };
                        if d.attempts >= limit {
                            tracing::error!(destination = %d.arn, attempts = d.attempts, error = %e,
                                body = %d.body, "S3 event notification dropped after retries");
                            done.push(Effect::DeleteOutbox(id));
                        } else {
                            let backoff =
                                (FIRST_BACKOFF_MS << (d.attempts - 1).min(20)).min(MAX_BACKOFF_MS);
                            tracing::warn!(destination = %d.arn, attempts = d.attempts, error = %e,
                                retry_in_ms = backoff, "S3 event notification delivery failed; will retry");
                            self.db.submit_background(vec![Outbox::effect(id, &d)]);
                            self.pending.lock().insert(
                                id,
                                Pending {
                                    due: now + backoff,
                                    delivery: d,
                                },
                            );
                        }
                    }
                }
            }
            self.db.submit_background(done);
        }
    }

    async fn deliver(&self, d: &Delivery) -> Result<(), DeliveryError> {
        let arn: Arn = d
            .arn
            .parse()
            .map_err(|_| DeliveryError::NoSuchDestination(d.arn.clone()))?;
        match d.kind {
            DestinationKind::Queue => {
                let mut caller = s3_caller(&d.body);
                if caller.source_account.is_none() {
                    caller.source_account.clone_from(&d.source_account);
                }
                self.bus
                    .queues()?
                    .send_message(&arn, d.body.clone(), &DeliverySource::Service(caller))
                    .await?;
            }
            DestinationKind::Function => {
                let caller = s3_caller(&d.body);
                self.bus
                    .functions()?
                    .invoke_async(&arn, bytes::Bytes::from(d.body.clone()), Some(&caller))
                    .await?;
            }
            DestinationKind::Topic => {
                return Err(DeliveryError::Unavailable("sns"));
            }
        }
        Ok(())
    }
}

/// S3 as the caller of a function or a queue (for its resource-based policy): the bucket's
/// ARN and owner account, read from the event itself (an `s3:TestEvent` names only the
/// bucket).
pub fn s3_caller(body: &str) -> nimbus_core::bus::InvokeCaller {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let bucket = &v["Records"][0]["s3"]["bucket"];
    let source_arn = bucket["arn"].as_str().map(str::to_owned).or_else(|| {
        v["Bucket"]
            .as_str()
            .map(|name| format!("arn:aws:s3:::{name}"))
    });
    nimbus_core::bus::InvokeCaller {
        principal: "s3.amazonaws.com".into(),
        source_arn,
        source_account: bucket["ownerIdentity"]["principalId"]
            .as_str()
            .map(str::to_owned),
    }
}
