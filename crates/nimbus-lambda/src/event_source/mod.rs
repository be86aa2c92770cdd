//! Event source mappings: SQS queues polled by Lambda, batches invoked synchronously.
//!
//! - [`MappingRecord`]: a mapping as stored and as the API shows it
//!   (`EventSourceMappingConfiguration`);
//! - [`EventSources`]: every mapping of the sandbox, their state transitions (`Creating` →
//!   `Enabled`, `Enabling`, `Disabling` → `Disabled`, `Updating`, `Deleting`), persisted in
//!   [`store`] and resumed after a restart, each run by a [`poller`];
//! - [`filter`]: `FilterCriteria` patterns.
//!
//! Transitions are asynchronous as on AWS: an operation stores the transitional state, answers,
//! and a background task completes it; a later update or delete waits for a running
//! transition instead of failing with `ResourceInUseException`, since nimbus's transitions take
//! microseconds.

pub mod filter;
pub mod poller;
pub mod store;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, LazyLock, Weak};

use nimbus_core::ServiceEnv;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::LambdaService;
use crate::error::{LambdaError, LambdaErrorCode};
use crate::model::FunctionKey;

/// The `MetricsConfig` value that turns on a mapping's event counts.
pub const EVENT_COUNT: &str = "EventCount";

/// `State` values.
pub mod state {
    /// Being created.
    pub const CREATING: &str = "Creating";
    /// Polling.
    pub const ENABLED: &str = "Enabled";
    /// Being enabled.
    pub const ENABLING: &str = "Enabling";
    /// Being disabled.
    pub const DISABLING: &str = "Disabling";
    /// Not polling.
    pub const DISABLED: &str = "Disabled";
    /// Being updated.
    pub const UPDATING: &str = "Updating";
    /// Being deleted.
    pub const DELETING: &str = "Deleting";
}

/// A mapping as nimbus stores it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MappingRecord {
    /// The mapping's id.
    pub uuid: String,
    /// Creation time, ms (list order).
    pub created: u64,
    /// The function.
    pub function: FunctionKey,
    /// The queue's ARN.
    pub event_source_arn: String,
    /// `BatchSize`.
    pub batch_size: u32,
    /// `MaximumBatchingWindowInSeconds`.
    pub batching_window_secs: u32,
    /// Whether the user wants it polling.
    pub enabled: bool,
    /// `State`.
    pub state: String,
    /// `StateTransitionReason`.
    pub state_reason: String,
    /// `FilterCriteria.Filters[].Pattern`, as given.
    pub filters: Option<Vec<String>>,
    /// `FunctionResponseTypes`.
    pub function_response_types: Vec<String>,
    /// `ScalingConfig.MaximumConcurrency`.
    pub maximum_concurrency: Option<u32>,
    /// `MetricsConfig.Metrics` (`EventCount`); `None` when never configured.
    #[serde(default)]
    pub metrics_config: Option<Vec<String>>,
    /// `LastModified`, ms.
    pub last_modified: u64,
}

impl MappingRecord {
    /// The mapping's ARN.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:lambda:{}:{}:event-source-mapping:{}",
            self.function.region, self.function.account, self.uuid
        )
    }

    /// Whether `ReportBatchItemFailures` is on.
    pub fn reports_item_failures(&self) -> bool {
        self.function_response_types
            .iter()
            .any(|t| t == "ReportBatchItemFailures")
    }

    /// Whether the state is a transition in progress.
    pub fn in_transition(&self) -> bool {
        !matches!(self.state.as_str(), state::ENABLED | state::DISABLED)
    }

    /// `EventSourceMappingConfiguration`.
    pub fn configuration(&self) -> Value {
        let mut v = json!({
            "UUID": self.uuid,
            "BatchSize": self.batch_size,
            "MaximumBatchingWindowInSeconds": self.batching_window_secs,
            "EventSourceArn": self.event_source_arn,
            "FunctionArn": self.function.arn(),
            "LastModified": self.last_modified as f64 / 1000.0,
            "State": self.state,
            "StateTransitionReason": self.state_reason,
            "FunctionResponseTypes": self.function_response_types,
            "EventSourceMappingArn": self.arn(),
        });
        if let Some(filters) = &self.filters {
            let list: Vec<Value> = filters.iter().map(|p| json!({ "Pattern": p })).collect();
            v["FilterCriteria"] = json!({ "Filters": list });
        }
        if let Some(n) = self.maximum_concurrency {
            v["ScalingConfig"] = json!({ "MaximumConcurrency": n });
        }
        if let Some(m) = &self.metrics_config {
            v["MetricsConfig"] = json!({ "Metrics": m });
        }
        v
    }

    /// Whether the mapping publishes its event counts (`MetricsConfig` lists `EventCount`).
    pub fn counts_events(&self) -> bool {
        self.metrics_config
            .iter()
            .flatten()
            .any(|m| m == EVENT_COUNT)
    }
}

/// How many batches a mapping's pollers ran concurrently, over time: the current number and
/// every scale change, readable by tests and diagnostics ([`scaling_history`]).
#[derive(Clone, Debug, Default)]
pub struct ScalingHistory {
    /// The concurrent batches now.
    pub current: usize,
    /// Each value it took, in order (at most [`MAX_HISTORY`] kept).
    pub changes: Vec<usize>,
}

/// The most scale changes kept per mapping.
pub const MAX_HISTORY: usize = 10_000;

static SCALING: LazyLock<Mutex<HashMap<String, ScalingHistory>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The scaling history of the mapping `uuid` in this process (empty if it never polled).
pub fn scaling_history(uuid: &str) -> ScalingHistory {
    SCALING.lock().get(uuid).cloned().unwrap_or_default()
}

pub(crate) fn record_scale(uuid: &str, n: usize, log: bool) {
    if log {
        tracing::info!("event source mapping {uuid}: scaling to {n} concurrent batches");
    }
    let mut map = SCALING.lock();
    let h = map.entry(uuid.to_owned()).or_default();
    h.current = n;
    if h.changes.len() < MAX_HISTORY {
        h.changes.push(n);
    }
}

/// One mapping's live handle: its record, published to its poller.
struct Handle {
    tx: watch::Sender<Option<MappingRecord>>,
}

/// Every event source mapping of the sandbox.
pub struct EventSources {
    env: ServiceEnv,
    store: store::MappingStore,
    mappings: Mutex<BTreeMap<String, Handle>>,
    service: Mutex<Option<Weak<LambdaService>>>,
}

impl EventSources {
    /// Opens the stored mappings (their pollers start with [`EventSources::start`]).
    pub fn open(
        env: &ServiceEnv,
    ) -> Result<EventSources, Box<dyn std::error::Error + Send + Sync>> {
        let (store, records) = store::MappingStore::open(env)?;
        let mut mappings = BTreeMap::new();
        for rec in records {
            let (tx, _) = watch::channel(Some(rec.clone()));
            mappings.insert(rec.uuid.clone(), Handle { tx });
        }
        Ok(EventSources {
            env: env.clone(),
            store,
            mappings: Mutex::new(mappings),
            service: Mutex::new(None),
        })
    }

    /// Starts the pollers of every mapping (once the other services are on the bus) and
    /// completes transitions a restart interrupted.
    pub fn start(&self, service: &Arc<LambdaService>) {
        *self.service.lock() = Some(Arc::downgrade(service));
        let handles: Vec<(String, watch::Receiver<Option<MappingRecord>>, bool)> = self
            .mappings
            .lock()
            .iter()
            .map(|(u, h)| {
                let transitional = h.tx.borrow().as_ref().is_some_and(|r| r.in_transition());
                (u.clone(), h.tx.subscribe(), transitional)
            })
            .collect();
        for (uuid, rx, transitional) in handles {
            self.spawn_poller(rx);
            if transitional {
                self.finish_transition(&uuid);
            }
        }
    }

    fn spawn_poller(&self, rx: watch::Receiver<Option<MappingRecord>>) {
        let Some(svc) = self.service.lock().clone() else {
            return;
        };
        poller::spawn(svc, self.env.clone(), rx);
    }

    /// The clock's now, ms.
    pub fn now(&self) -> u64 {
        self.env.clock.now_millis()
    }

    /// Every mapping, in creation order.
    pub fn all(&self) -> Vec<MappingRecord> {
        let mut v: Vec<MappingRecord> = self
            .mappings
            .lock()
            .values()
            .filter_map(|h| h.tx.borrow().clone())
            .collect();
        v.sort_by(|a, b| (a.created, &a.uuid).cmp(&(b.created, &b.uuid)));
        v
    }

    /// One mapping.
    pub fn get(&self, uuid: &str) -> Option<MappingRecord> {
        self.mappings.lock().get(uuid)?.tx.borrow().clone()
    }

    /// Waits until `uuid` is not in a transition; returns it then (None if it is gone).
    pub async fn settled(&self, uuid: &str) -> Option<MappingRecord> {
        let mut rx = self.mappings.lock().get(uuid)?.tx.subscribe();
        let r = rx
            .wait_for(|r| r.as_ref().is_none_or(|r| !r.in_transition()))
            .await
            .ok()?;
        r.clone()
    }

    /// Adds a new mapping (in `Creating`) and starts its poller and transition.
    pub fn insert(&self, rec: MappingRecord) -> Result<MappingRecord, LambdaError> {
        self.store.put(&rec)?;
        let (tx, rx) = watch::channel(Some(rec.clone()));
        self.mappings.lock().insert(rec.uuid.clone(), Handle { tx });
        self.spawn_poller(rx);
        self.finish_transition(&rec.uuid);
        Ok(rec)
    }

    /// Replaces a mapping's record (in a transitional state) and completes the transition in
    /// the background.
    pub fn update(&self, rec: MappingRecord) -> Result<MappingRecord, LambdaError> {
        self.store.put(&rec)?;
        {
            let map = self.mappings.lock();
            let Some(h) = map.get(&rec.uuid) else {
                return Err(not_found());
            };
            h.tx.send_replace(Some(rec.clone()));
        }
        self.finish_transition(&rec.uuid);
        Ok(rec)
    }

    /// Completes `uuid`'s transition in a background task: `Creating`/`Enabling`/`Updating`
    /// become `Enabled` or `Disabled` (as the mapping's `Enabled` says), `Disabling` becomes
    /// `Disabled`, `Deleting` removes the mapping.
    fn finish_transition(&self, uuid: &str) {
        let Some(svc) = self.service.lock().as_ref().and_then(Weak::upgrade) else {
            return;
        };
        let uuid = uuid.to_owned();
        tokio::spawn(async move {
            let es = &svc.event_sources;
            let Some(mut rec) = es.get(&uuid) else { return };
            if rec.state == state::DELETING {
                if let Err(e) = es.store.delete(&uuid) {
                    tracing::warn!("event source mapping {uuid}: cannot delete: {e}");
                }
                if let Some(h) = es.mappings.lock().remove(&uuid) {
                    h.tx.send_replace(None);
                }
                SCALING.lock().remove(&uuid);
                return;
            }
            if !rec.in_transition() {
                return;
            }
            rec.state = if rec.enabled {
                state::ENABLED
            } else {
                state::DISABLED
            }
            .to_owned();
            if let Err(e) = es.store.put(&rec) {
                tracing::warn!("event source mapping {uuid}: cannot store its state: {e}");
            }
            if let Some(h) = es.mappings.lock().get(&uuid) {
                h.tx.send_if_modified(|cur| {
                    // Only if no newer change replaced the record meanwhile.
                    match cur {
                        Some(c) if c.last_modified == rec.last_modified && c.in_transition() => {
                            *cur = Some(rec.clone());
                            true
                        }
                        _ => false,
                    }
                });
            }
        });
    }

    /// Stops every poller (service shutdown).
    pub fn stop(&self) {
        for h in self.mappings.lock().values() {
            h.tx.send_replace(None);
        }
    }
}

/// `ResourceNotFoundException` for a mapping.
pub fn not_found() -> LambdaError {
    LambdaError::new(
        LambdaErrorCode::ResourceNotFound,
        "The resource you requested does not exist.",
    )
}
