//! The durable queue of asynchronous events: an in-memory index of what is due when, written
//! through to SQLite (`<data-dir>/lambda/async-events.sqlite`) before an event is
//! acknowledged, rewritten on each retry and removed once the event is done. After a restart
//! (even a `kill -9`) every stored event is queued again, due at once.

use std::collections::{BTreeMap, BTreeSet};

use nimbus_core::ServiceEnv;
use nimbus_core::storage::sqlite;
use parking_lot::Mutex;
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::error::{LambdaError, LambdaErrorCode};
use crate::model::FunctionKey;

/// What the last attempt of an event answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastAttempt {
    /// Whether it was a function error (`Unhandled`).
    pub function_error: bool,
    /// The response or error document.
    pub payload: String,
}

/// One queued event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedEvent {
    /// The request id `Invoke` answered (and every attempt runs under).
    pub id: String,
    /// The function.
    pub key: FunctionKey,
    /// The event (JSON text).
    pub payload: String,
    /// When the event was accepted, ms.
    pub enqueued_at: u64,
    /// Attempts that ran the function so far.
    pub attempts: u32,
    /// Throttles so far (for the backoff).
    pub throttles: u32,
    /// When the event is next due, ms.
    pub due_at: u64,
    /// What the last attempt answered.
    pub last: Option<LastAttempt>,
}

struct State {
    /// Waiting events by id.
    waiting: BTreeMap<String, QueuedEvent>,
    /// `(due_at, id)` of every waiting event.
    due: BTreeSet<(u64, String)>,
    /// Events taken by the worker and not yet finished or rescheduled.
    running: usize,
    /// Payload bytes of waiting and running events.
    bytes: usize,
}

/// The queue.
pub struct EventQueue {
    state: Mutex<State>,
    db: Option<Mutex<Connection>>,
}

fn db_err(e: rusqlite::Error) -> LambdaError {
    LambdaError::new(LambdaErrorCode::Service, format!("storage error: {e}"))
}

impl EventQueue {
    /// Opens (or creates) the queue for `env` and loads the stored events, all due at once.
    pub fn open(env: &ServiceEnv) -> Result<EventQueue, Box<dyn std::error::Error + Send + Sync>> {
        let db = match env.storage.service_dir("lambda")? {
            Some(dir) => {
                let conn = sqlite::open(&dir.join("async-events.sqlite"), env.storage.durability)?;
                conn.execute_batch(
                    "CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, record TEXT NOT NULL)",
                )?;
                Some(conn)
            }
            None => None,
        };
        let mut state = State {
            waiting: BTreeMap::new(),
            due: BTreeSet::new(),
            running: 0,
            bytes: 0,
        };
        if let Some(conn) = &db {
            let mut stmt = conn.prepare("SELECT record FROM events")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            for row in rows {
                match serde_json::from_str::<QueuedEvent>(&row?) {
                    Ok(mut ev) => {
                        ev.due_at = 0;
                        state.bytes += ev.payload.len();
                        state.due.insert((0, ev.id.clone()));
                        state.waiting.insert(ev.id.clone(), ev);
                    }
                    Err(e) => {
                        tracing::warn!("skipping an unreadable stored asynchronous event: {e}")
                    }
                }
            }
            if !state.waiting.is_empty() {
                tracing::info!(
                    events = state.waiting.len(),
                    "resuming pending asynchronous invocations"
                );
            }
            drop(stmt);
        }
        Ok(EventQueue {
            state: Mutex::new(state),
            db: db.map(Mutex::new),
        })
    }

    fn persist(&self, ev: &QueuedEvent) -> Result<(), LambdaError> {
        if let Some(db) = &self.db {
            let json = serde_json::to_string(ev)
                .map_err(|e| LambdaError::new(LambdaErrorCode::Service, e.to_string()))?;
            db.lock()
                .execute(
                    "INSERT OR REPLACE INTO events (id, record) VALUES (?1, ?2)",
                    params![ev.id, json],
                )
                .map_err(db_err)?;
        }
        Ok(())
    }

    /// Events queued or running.
    pub fn len(&self) -> usize {
        let s = self.state.lock();
        s.waiting.len() + s.running
    }

    /// Events waiting (not running).
    pub fn waiting(&self) -> usize {
        self.state.lock().waiting.len()
    }

    /// Whether no event is queued or running.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Commits a new event; it is acknowledged once this returns.
    pub fn push(&self, ev: QueuedEvent) -> Result<(), LambdaError> {
        let full = {
            let s = self.state.lock();
            s.waiting.len() + s.running >= super::MAX_QUEUED_EVENTS
                || s.bytes + ev.payload.len() > super::MAX_QUEUED_BYTES
        };
        if full {
            return Err(LambdaError::too_many_requests(
                "Rate Exceeded.",
                crate::error::ThrottleReason::ConcurrentInvocationLimitExceeded,
            ));
        }
        self.persist(&ev)?;
        let mut s = self.state.lock();
        s.bytes += ev.payload.len();
        s.due.insert((ev.due_at, ev.id.clone()));
        s.waiting.insert(ev.id.clone(), ev);
        Ok(())
    }

    /// Takes up to `limit` events due at `now`, earliest first; each must be given back with
    /// [`EventQueue::reschedule`] or [`EventQueue::finish`].
    pub fn take_due(&self, now: u64, limit: usize) -> Vec<QueuedEvent> {
        let mut s = self.state.lock();
        let mut out = Vec::new();
        while out.len() < limit {
            let Some((due, id)) = s.due.first().cloned() else {
                break;
            };
            if due > now {
                break;
            }
            s.due.pop_first();
            if let Some(ev) = s.waiting.remove(&id) {
                out.push(ev);
            }
        }
        s.running += out.len();
        out
    }

    /// When the earliest waiting event is due.
    pub fn next_due(&self) -> Option<u64> {
        self.state.lock().due.first().map(|(d, _)| *d)
    }

    /// Puts a taken event back, due at `ev.due_at` (committed first).
    pub fn reschedule(&self, ev: QueuedEvent) {
        if let Err(e) = self.persist(&ev) {
            tracing::error!(request_id = %ev.id, "cannot store a retried asynchronous event: {e}");
        }
        let mut s = self.state.lock();
        s.running = s.running.saturating_sub(1);
        s.due.insert((ev.due_at, ev.id.clone()));
        s.waiting.insert(ev.id.clone(), ev);
    }

    /// Forgets a taken event for good.
    pub fn finish(&self, ev: &QueuedEvent) {
        let id = ev.id.as_str();
        if let Some(db) = &self.db
            && let Err(e) = db
                .lock()
                .execute("DELETE FROM events WHERE id = ?1", params![id])
        {
            tracing::error!(request_id = %id, "cannot remove a finished asynchronous event: {e}");
        }
        let mut s = self.state.lock();
        s.running = s.running.saturating_sub(1);
        s.bytes = s.bytes.saturating_sub(ev.payload.len());
    }

    /// Gives back a taken event without changing it (the service is stopping); it stays
    /// stored and runs again after a restart.
    pub fn release(&self, ev: QueuedEvent) {
        let mut s = self.state.lock();
        s.running = s.running.saturating_sub(1);
        s.due.insert((ev.due_at, ev.id.clone()));
        s.waiting.insert(ev.id.clone(), ev);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, due_at: u64) -> QueuedEvent {
        QueuedEvent {
            id: id.into(),
            key: FunctionKey {
                account: "000000000000".into(),
                region: "us-east-1".into(),
                name: "f".into(),
            },
            payload: "{}".into(),
            enqueued_at: 0,
            attempts: 0,
            throttles: 0,
            due_at,
            last: None,
        }
    }

    #[test]
    fn due_order_reschedule_and_finish() {
        let q = EventQueue::open(&ServiceEnv::in_memory()).unwrap();
        q.push(event("b", 20)).unwrap();
        q.push(event("a", 10)).unwrap();
        q.push(event("c", 30)).unwrap();
        assert_eq!(q.next_due(), Some(10));
        assert!(q.take_due(5, 10).is_empty());
        let taken = q.take_due(20, 1);
        assert_eq!(taken.len(), 1);
        assert_eq!(taken[0].id, "a");
        assert_eq!((q.len(), q.waiting()), (3, 2));
        let mut a = taken.into_iter().next().unwrap();
        a.due_at = 100;
        q.reschedule(a);
        let taken = q.take_due(50, 10);
        assert_eq!(
            taken.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
            ["b", "c"]
        );
        for e in &taken {
            q.finish(e);
        }
        assert_eq!((q.len(), q.next_due()), (1, Some(100)));
    }

    #[test]
    fn stored_events_come_back_due_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut env = ServiceEnv::in_memory();
        env.storage.data_dir = Some(dir.path().to_owned());
        {
            let q = EventQueue::open(&env).unwrap();
            q.push(event("kept", 500)).unwrap();
            q.push(event("done", 10)).unwrap();
            let done = q.take_due(10, 10);
            q.finish(&done[0]);
        }
        let q = EventQueue::open(&env).unwrap();
        assert_eq!(q.len(), 1);
        let back = q.take_due(0, 10);
        assert_eq!(back[0].id, "kept");
    }
}
