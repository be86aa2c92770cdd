//! The worker that runs queued asynchronous events: it takes the due ones (at most
//! [`super::MAX_CONCURRENT_DISPATCH`] running at once), runs each through the synchronous
//! path under the function's concurrency limit, and reschedules, finishes or sends each
//! outcome to its destination. It sleeps on the sandbox clock until the next event is due or
//! a new one arrives.

use nimbus_core::bus::metrics::MetricUnit;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

use bytes::Bytes;
use nimbus_core::{ServiceEnv, SharedClock};
use serde_json::json;
use tokio::sync::Notify;

use super::destinations::Condition;
use super::queue::{EventQueue, LastAttempt, QueuedEvent};
use super::{
    MAX_CONCURRENT_DISPATCH, RETRY_DELAYS_MS, Settings, THROTTLE_FIRST_BACKOFF_MS,
    THROTTLE_MAX_BACKOFF_MS,
};
use crate::LambdaService;
use crate::error::{LambdaError, LambdaErrorCode, MAX_ASYNC_PAYLOAD};
use crate::model::FunctionKey;

/// The asynchronous invocation machinery of one Lambda service: the queue and its worker.
pub struct AsyncEvents {
    queue: Arc<EventQueue>,
    wake: Arc<Notify>,
    stopping: Arc<AtomicBool>,
}

impl AsyncEvents {
    /// Opens the queue for `env` (the worker starts with [`AsyncEvents::start`]).
    pub fn open(env: &ServiceEnv) -> Result<AsyncEvents, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AsyncEvents {
            queue: Arc::new(EventQueue::open(env)?),
            wake: Arc::new(Notify::new()),
            stopping: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The queue.
    pub fn queue(&self) -> &Arc<EventQueue> {
        &self.queue
    }

    /// Starts the worker for `service` (needs a Tokio runtime; without one, events wait).
    pub(crate) fn start(&self, service: Weak<LambdaService>, clock: SharedClock) {
        let (queue, wake, stopping) =
            (self.queue.clone(), self.wake.clone(), self.stopping.clone());
        match tokio::runtime::Handle::try_current() {
            Ok(h) => {
                h.spawn(run(service, queue, wake, stopping, clock));
            }
            Err(_) => tracing::warn!("no runtime to run asynchronous invocations"),
        }
    }

    /// Stops the worker; running and queued events stay stored for the next start.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }

    fn wake(&self) {
        self.wake.notify_one();
    }
}

async fn run(
    service: Weak<LambdaService>,
    queue: Arc<EventQueue>,
    wake: Arc<Notify>,
    stopping: Arc<AtomicBool>,
    clock: SharedClock,
) {
    loop {
        if stopping.load(Ordering::SeqCst) {
            break;
        }
        let Some(svc) = service.upgrade() else { break };
        let now = clock.now_millis();
        let running = queue.len().saturating_sub(queue.waiting());
        let taken = queue.take_due(now, MAX_CONCURRENT_DISPATCH.saturating_sub(running));
        for ev in taken {
            let (svc, wake) = (svc.clone(), wake.clone());
            tokio::spawn(async move {
                svc.run_event(ev).await;
                wake.notify_one();
            });
        }
        drop(svc);
        match queue.next_due() {
            Some(due) if due > now => {
                tokio::select! {
                    _ = wake.notified() => {}
                    _ = clock.sleep_until(due) => {}
                }
            }
            // Nothing waiting, or due events held back by the dispatch limit: a new event or
            // a finished one wakes the worker.
            _ => wake.notified().await,
        }
    }
}

fn throttle_backoff(throttles: u32) -> u64 {
    (THROTTLE_FIRST_BACKOFF_MS << throttles.saturating_sub(1).min(20)).min(THROTTLE_MAX_BACKOFF_MS)
}

impl LambdaService {
    /// Validates and commits an asynchronous event for `key`; returns its request id once it
    /// is stored (AWS's 202).
    pub async fn enqueue_event(
        &self,
        key: &FunctionKey,
        payload: Bytes,
    ) -> Result<String, LambdaError> {
        if payload.len() > MAX_ASYNC_PAYLOAD {
            return Err(LambdaError::new(
                LambdaErrorCode::RequestTooLarge,
                format!(
                    "Request must be smaller than {MAX_ASYNC_PAYLOAD} bytes for the InvokeFunction operation"
                ),
            ));
        }
        crate::ops::invoke::check_payload(&payload)?;
        self.function(key)?;
        let text = if payload.iter().all(u8::is_ascii_whitespace) {
            "{}".to_owned()
        } else {
            String::from_utf8(payload.to_vec()).map_err(|_| {
                LambdaError::new(LambdaErrorCode::InvalidRequestContent,
                    "Could not parse request body into json: Could not parse payload into json: invalid UTF-8",
                )
            })?
        };
        let now = self.env.clock.now_millis();
        let id = nimbus_core::ids::request_id();
        self.async_events.queue.push(QueuedEvent {
            id: id.clone(),
            key: key.clone(),
            payload: text,
            enqueued_at: now,
            attempts: 0,
            throttles: 0,
            due_at: now,
            last: None,
        })?;
        tracing::info!(function = %key.name, request_id = %id, "asynchronous invocation queued");
        self.publish(
            key,
            None,
            &[("AsyncEventsReceived", 1.0, MetricUnit::Count)],
            now,
        );
        self.async_events.wake();
        Ok(id)
    }

    /// Publishes `AsyncEventsDropped` for an event leaving the queue without a successful run.
    fn event_dropped(&self, ev: &QueuedEvent) {
        let now = self.env.clock.now_millis();
        self.publish(
            &ev.key,
            None,
            &[("AsyncEventsDropped", 1.0, MetricUnit::Count)],
            now,
        );
    }

    /// Runs one attempt of a queued event and decides what happens next.
    async fn run_event(self: Arc<Self>, mut ev: QueuedEvent) {
        let queue = self.async_events.queue.clone();
        let Some(f) = self.store.get(&ev.key) else {
            tracing::warn!(function = %ev.key.name, request_id = %ev.id,
                "asynchronous event dropped: the function no longer exists");
            self.event_dropped(&ev);
            queue.finish(&ev);
            return;
        };
        let settings = Settings::of(&f);
        let expiry = ev.enqueued_at.saturating_add(settings.max_age_ms);
        if self.env.clock.now_millis() >= expiry {
            tracing::info!(function = %ev.key.name, request_id = %ev.id, attempts = ev.attempts,
                "asynchronous event discarded: older than MaximumEventAgeInSeconds");
            self.deliver_outcome(&ev, Condition::EventAgeExceeded, &settings)
                .await;
            self.event_dropped(&ev);
            queue.finish(&ev);
            return;
        }
        let started = self.env.clock.now_millis();
        self.publish(
            &ev.key,
            None,
            &[(
                "AsyncEventAge",
                started.saturating_sub(ev.enqueued_at) as f64,
                MetricUnit::Milliseconds,
            )],
            started,
        );
        let result = self
            .invoke_sync(&ev.key, &ev.id, Bytes::from(ev.payload.clone()), None)
            .await;
        if self.async_events.stopping.load(Ordering::SeqCst)
            && !matches!(&result, Ok(r) if !r.function_error)
        {
            queue.release(ev);
            return;
        }
        let now = self.env.clock.now_millis();
        let (function_error, payload) = match result {
            Ok(r) => (
                r.function_error,
                String::from_utf8_lossy(&r.payload).into_owned(),
            ),
            Err(ref e) if e.kind() == LambdaErrorCode::TooManyRequests => {
                ev.throttles += 1;
                let wait = throttle_backoff(ev.throttles);
                ev.due_at = now.saturating_add(wait).min(expiry);
                tracing::info!(function = %ev.key.name, request_id = %ev.id, retry_in_ms = wait,
                    "asynchronous invocation throttled; the event goes back to the queue");
                queue.reschedule(ev);
                return;
            }
            Err(ref e) if e.kind() == LambdaErrorCode::ResourceNotFound => {
                tracing::warn!(function = %ev.key.name, request_id = %ev.id,
                    "asynchronous event dropped: the function no longer exists");
                self.event_dropped(&ev);
                queue.finish(&ev);
                return;
            }
            Err(e) => (
                true,
                json!({ "errorMessage": e.to_string(), "errorType": e.code() }).to_string(),
            ),
        };
        ev.attempts += 1;
        ev.last = Some(LastAttempt {
            function_error,
            payload,
        });
        if !function_error {
            tracing::info!(function = %ev.key.name, request_id = %ev.id, attempts = ev.attempts,
                "asynchronous invocation succeeded");
            self.deliver_outcome(&ev, Condition::Success, &settings)
                .await;
            queue.finish(&ev);
            return;
        }
        let why = ev
            .last
            .as_ref()
            .map(|l| crate::runtime::error_summary(l.payload.as_bytes()))
            .unwrap_or_default();
        if ev.attempts > settings.max_retries {
            tracing::info!(function = %ev.key.name, request_id = %ev.id, attempts = ev.attempts,
                "asynchronous invocation failed ({why}); retries exhausted");
            self.deliver_outcome(&ev, Condition::RetriesExhausted, &settings)
                .await;
            self.event_dropped(&ev);
            queue.finish(&ev);
            return;
        }
        let wait = RETRY_DELAYS_MS[(ev.attempts as usize - 1).min(RETRY_DELAYS_MS.len() - 1)];
        ev.due_at = now.saturating_add(wait).min(expiry);
        tracing::info!(function = %ev.key.name, request_id = %ev.id, attempts = ev.attempts,
            retry_in_ms = wait, "asynchronous invocation failed ({why}); will retry");
        queue.reschedule(ev);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_backoff_doubles_up_to_five_minutes() {
        assert_eq!(throttle_backoff(1), 1_000);
        assert_eq!(throttle_backoff(2), 2_000);
        assert_eq!(throttle_backoff(5), 16_000);
        assert_eq!(throttle_backoff(30), 300_000);
    }
}
