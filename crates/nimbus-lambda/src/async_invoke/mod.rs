//! Asynchronous (`Event`) invocation, as AWS runs it.
//!
//! An accepted event is first committed to a durable internal queue ([`queue::EventQueue`]:
//! SQLite under the data dir, memory with `--in-memory`), and only then does `Invoke`
//! answer 202. A worker ([`worker`]) takes due events and runs them through the synchronous
//! path, honouring the function's concurrency:
//! - a function error or timeout is retried up to `MaximumRetryAttempts` (0–2, default 2)
//!   times, about 1 minute before the first retry and 2 minutes before the second;
//! - a throttled event (no concurrency left) goes back to the queue and is retried with
//!   exponential backoff (1 second, doubling up to 5 minutes), without counting as an attempt;
//! - an event older than `MaximumEventAgeInSeconds` (60–21600, default 21600) is discarded
//!   with condition `EventAgeExceeded`.
//!
//! Outcomes go to the destinations of the function's event invoke configuration (`OnSuccess`,
//! `OnFailure`: an SQS queue or another function) as AWS's invocation record, and failed
//! events' payloads to the function's dead-letter queue when no `OnFailure` destination takes
//! them ([`destinations`]). Every step is traced; each attempt writes the usual
//! `START`/`END`/`REPORT` lines to the function's log stream.

pub mod destinations;
pub mod queue;
pub mod worker;

use serde_json::Value;

use crate::model::FunctionRecord;

/// `MaximumRetryAttempts` when none is configured.
pub const DEFAULT_MAX_RETRY_ATTEMPTS: u32 = 2;
/// `MaximumEventAgeInSeconds` when none is configured (6 hours).
pub const DEFAULT_MAX_EVENT_AGE_SECS: u32 = 21_600;
/// The wait before the first and the second retry after a function error, ms.
pub const RETRY_DELAYS_MS: [u64; 2] = [60_000, 120_000];
/// The first wait after a throttle, ms (doubled for each further throttle).
pub const THROTTLE_FIRST_BACKOFF_MS: u64 = 1_000;
/// The longest wait after a throttle, ms.
pub const THROTTLE_MAX_BACKOFF_MS: u64 = 300_000;
/// The most events the queue holds (queued and running) before `Event` invocations are
/// throttled.
pub const MAX_QUEUED_EVENTS: usize = 100_000;
/// The most payload bytes the queue holds (queued and running) before `Event` invocations
/// are throttled.
pub const MAX_QUEUED_BYTES: usize = 512 * 1024 * 1024;
/// The most asynchronous invocations the worker runs at once, over all functions.
pub const MAX_CONCURRENT_DISPATCH: usize = 64;

/// The settings one event runs with: the function's configuration or AWS's defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Retries after a function error.
    pub max_retries: u32,
    /// How long an event may wait, ms.
    pub max_age_ms: u64,
    /// The `OnSuccess` destination.
    pub on_success: Option<String>,
    /// The `OnFailure` destination.
    pub on_failure: Option<String>,
    /// `DeadLetterConfig.TargetArn`.
    pub dead_letter: Option<String>,
}

impl Settings {
    /// The settings of `f`.
    pub fn of(f: &FunctionRecord) -> Settings {
        let c = f.event_invoke_config.clone().unwrap_or_default();
        Settings {
            max_retries: c
                .maximum_retry_attempts
                .unwrap_or(DEFAULT_MAX_RETRY_ATTEMPTS),
            max_age_ms: u64::from(
                c.maximum_event_age_in_seconds
                    .unwrap_or(DEFAULT_MAX_EVENT_AGE_SECS),
            ) * 1000,
            on_success: c.on_success,
            on_failure: c.on_failure,
            dead_letter: f
                .echoed
                .get("DeadLetterConfig")
                .and_then(|d| d.get("TargetArn"))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        }
    }
}
