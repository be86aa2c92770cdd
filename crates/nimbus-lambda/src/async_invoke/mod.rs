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
use nimbus_core::bus::InvokeCaller;

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

/// `*`/`?` wildcard matching, as `ArnLike` and `StringLike` do.
pub fn wildcard_match(pattern: &str, value: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let v: Vec<char> = value.chars().collect();
    let (mut pi, mut vi) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while vi < v.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == v[vi]) {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = vi;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            vi = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

fn strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn principal_matches(p: &Value, caller: &InvokeCaller) -> bool {
    match p {
        Value::String(s) => s == "*",
        Value::Object(m) => m
            .get("Service")
            .is_some_and(|s| strings(s).contains(&caller.principal.as_str())),
        _ => false,
    }
}

fn condition_matches(cond: Option<&Value>, caller: &InvokeCaller) -> bool {
    let Some(Value::Object(ops)) = cond else {
        return cond.is_none();
    };
    for (op, keys) in ops {
        let Value::Object(keys) = keys else {
            return false;
        };
        for (k, expected) in keys {
            let actual = match k.to_ascii_lowercase().as_str() {
                "aws:sourcearn" => caller.source_arn.as_deref(),
                "aws:sourceaccount" => caller.source_account.as_deref(),
                _ => None,
            };
            let Some(actual) = actual else { return false };
            let wanted = strings(expected);
            let ok = match op.as_str() {
                "ArnLike" | "StringLike" => wanted.iter().any(|w| wildcard_match(w, actual)),
                "ArnEquals" | "StringEquals" => wanted.contains(&actual),
                _ => false,
            };
            if !ok {
                return false;
            }
        }
    }
    true
}

/// Whether `f`'s resource-based policy allows `caller` to invoke it: an `Allow` statement for
/// the caller's service principal (or `*`), an action covering `lambda:InvokeFunction`, and
/// conditions on `AWS:SourceArn` / `AWS:SourceAccount` that the caller meets. Conditions on
/// other keys are not met.
pub fn policy_allows(f: &FunctionRecord, caller: &InvokeCaller) -> bool {
    f.policy.iter().any(|st| {
        st.get("Effect").and_then(Value::as_str) == Some("Allow")
            && st
                .get("Principal")
                .is_some_and(|p| principal_matches(p, caller))
            && st.get("Action").is_some_and(|a| {
                strings(a)
                    .iter()
                    .any(|a| matches!(*a, "*" | "lambda:*" | "lambda:InvokeFunction"))
            })
            && condition_matches(st.get("Condition"), caller)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("arn:aws:s3:::b*", "arn:aws:s3:::bucket"));
        assert!(wildcard_match("a?c", "abc"));
        assert!(!wildcard_match("arn:aws:s3:::b", "arn:aws:s3:::bucket"));
        assert!(wildcard_match("*", ""));
    }

    #[test]
    fn conditions() {
        let caller = InvokeCaller {
            principal: "s3.amazonaws.com".into(),
            source_arn: Some("arn:aws:s3:::photos".into()),
            source_account: Some("111122223333".into()),
        };
        assert!(condition_matches(None, &caller));
        assert!(condition_matches(
            Some(&json!({"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::photos"},
                         "StringEquals": {"AWS:SourceAccount": "111122223333"}})),
            &caller
        ));
        assert!(!condition_matches(
            Some(&json!({"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::other"}})),
            &caller
        ));
        assert!(!condition_matches(
            Some(&json!({"StringEquals": {"lambda:EventSourceToken": "x"}})),
            &caller
        ));
        assert!(principal_matches(
            &json!({"Service": "s3.amazonaws.com"}),
            &caller
        ));
        assert!(!principal_matches(
            &json!({"AWS": "arn:aws:iam::1:root"}),
            &caller
        ));
    }
}
