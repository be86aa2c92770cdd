//! Where an asynchronous event's outcome goes: the invocation record AWS sends to an
//! `OnSuccess` / `OnFailure` destination (an SQS queue or a function), and the original
//! event to the function's dead-letter queue (with the `RequestID`, `ErrorCode` and
//! `ErrorMessage` message attributes) when no `OnFailure` destination takes a failed event.

use std::sync::Arc;

use bytes::Bytes;
use nimbus_core::Arn;
use nimbus_core::access::Caller;
use nimbus_core::bus::metrics::MetricUnit;
use nimbus_core::bus::{DeliverySource, MessageAttribute};
use serde_json::{Value, json};

use super::queue::{LastAttempt, QueuedEvent};
use crate::LambdaService;
use crate::model::{FunctionKey, LATEST};

/// Why a record is sent (`requestContext.condition`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    /// The function succeeded.
    Success,
    /// Every attempt failed.
    RetriesExhausted,
    /// The event waited longer than `MaximumEventAgeInSeconds`.
    EventAgeExceeded,
}

impl Condition {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::Success => "Success",
            Condition::RetriesExhausted => "RetriesExhausted",
            Condition::EventAgeExceeded => "EventAgeExceeded",
        }
    }
}

fn parsed(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

/// The invocation record: `version`, `timestamp`, `requestContext`, `requestPayload`,
/// `responseContext` and `responsePayload` (the last two only when the function ran).
pub fn record(ev: &QueuedEvent, condition: Condition, now_millis: u64) -> Value {
    let mut r = serde_json::Map::new();
    r.insert("version".into(), json!("1.0"));
    r.insert(
        "timestamp".into(),
        json!(nimbus_core::timefmt::iso8601_millis(now_millis)),
    );
    r.insert(
        "requestContext".into(),
        json!({
            "requestId": ev.id,
            "functionArn": format!("{}:{LATEST}", ev.key.arn()),
            "condition": condition.as_str(),
            "approximateInvokeCount": ev.attempts,
        }),
    );
    r.insert("requestPayload".into(), parsed(&ev.payload));
    if let Some(last) = &ev.last {
        let mut ctx = serde_json::Map::new();
        ctx.insert("statusCode".into(), json!(200));
        ctx.insert("executedVersion".into(), json!(LATEST));
        if last.function_error {
            ctx.insert("functionError".into(), json!("Unhandled"));
        }
        r.insert("responseContext".into(), Value::Object(ctx));
        r.insert("responsePayload".into(), parsed(&last.payload));
    }
    Value::Object(r)
}

fn function_key(arn: &Arn) -> Option<FunctionKey> {
    let rest = arn.resource.strip_prefix("function:")?;
    let name = rest.split(':').next()?;
    Some(FunctionKey {
        account: arn.account.clone(),
        region: arn.region.clone(),
        name: name.to_owned(),
    })
}

impl LambdaService {
    /// Whom Lambda acts as for the function `from`: its execution role (the account's root
    /// user if the function is gone).
    fn acting_as(&self, from: &FunctionKey) -> Caller {
        match self.function(from) {
            Ok(f) => crate::execution_role::caller(&self.env.bus, &f),
            Err(_) => Caller::root(&from.account),
        }
    }

    /// Sends `body` to a destination ARN (an SQS queue, or a function through the
    /// asynchronous path); SQS messages carry `attributes`.
    pub(crate) async fn send_to_destination(
        &self,
        from: &FunctionKey,
        destination: &str,
        body: String,
        attributes: Vec<MessageAttribute>,
    ) -> Result<(), String> {
        let arn: Arn = destination
            .parse()
            .map_err(|_| format!("{destination} is not an ARN"))?;
        match arn.service.as_str() {
            "sqs" => {
                let q = self.env.bus.queues().map_err(|e| e.to_string())?;
                // Lambda sends as the function's execution role: free in its account's
                // queues (unless `--enforce-iam` and the role's policies say otherwise),
                // granted by the queue's policy elsewhere.
                let source = DeliverySource::Principal(Arc::new(self.acting_as(from)));
                if attributes.is_empty() {
                    q.send_message(&arn, body, &source).await
                } else {
                    q.send_message_with_attributes(&arn, body, attributes, &source)
                        .await
                }
                .map(|_| ())
                .map_err(|e| e.to_string())
            }
            "lambda" => {
                let key =
                    function_key(&arn).ok_or_else(|| format!("{destination} names no function"))?;
                self.authorize_internal(&self.acting_as(from), &key, |_| {})
                    .map_err(|d| d.message())?;
                self.enqueue_event(&key, Bytes::from(body))
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
            other => Err(format!(
                "nimbus delivers destination records to SQS queues and Lambda functions only, not to {other}"
            )),
        }
    }

    /// Sends the outcome of `ev` where the function's configuration says.
    pub(crate) async fn deliver_outcome(
        &self,
        ev: &QueuedEvent,
        condition: Condition,
        settings: &super::Settings,
    ) {
        let now = self.env.clock.now_millis();
        let destination = match condition {
            Condition::Success => settings.on_success.as_deref(),
            _ => settings.on_failure.as_deref(),
        };
        if let Some(dest) = destination {
            let body = record(ev, condition, now).to_string();
            match self
                .send_to_destination(&ev.key, dest, body, Vec::new())
                .await
            {
                Ok(()) => tracing::info!(function = %ev.key.name, request_id = %ev.id,
                    condition = condition.as_str(), destination = %dest,
                    "asynchronous invocation record sent to its destination"),
                Err(e) => {
                    tracing::warn!(function = %ev.key.name, request_id = %ev.id,
                        condition = condition.as_str(), destination = %dest,
                        "cannot send the asynchronous invocation record: {e}");
                    self.publish(
                        &ev.key,
                        None,
                        &[("DestinationDeliveryFailures", 1.0, MetricUnit::Count)],
                        now,
                    );
                }
            }
            return;
        }
        if condition == Condition::Success {
            return;
        }
        let Some(dlq) = settings.dead_letter.as_deref() else {
            tracing::warn!(function = %ev.key.name, request_id = %ev.id,
                condition = condition.as_str(),
                "asynchronous event discarded (no OnFailure destination or dead-letter queue)");
            return;
        };
        let error_message: String = ev
            .last
            .as_ref()
            .map(|l: &LastAttempt| {
                parsed(&l.payload)
                    .get("errorMessage")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .unwrap_or_else(|| l.payload.clone())
            })
            .unwrap_or_else(|| "Event age exceeded before the function could run".into())
            .chars()
            .take(1024)
            .collect();
        let attributes = vec![
            MessageAttribute {
                name: "RequestID".into(),
                data_type: "String".into(),
                value: ev.id.clone(),
            },
            MessageAttribute {
                name: "ErrorCode".into(),
                data_type: "Number".into(),
                value: "200".into(),
            },
            MessageAttribute {
                name: "ErrorMessage".into(),
                data_type: "String".into(),
                value: if error_message.is_empty() {
                    "Unhandled".into()
                } else {
                    error_message
                },
            },
        ];
        match self
            .send_to_destination(&ev.key, dlq, ev.payload.clone(), attributes)
            .await
        {
            Ok(()) => tracing::info!(function = %ev.key.name, request_id = %ev.id,
                dead_letter_queue = %dlq, "failed asynchronous event sent to the dead-letter queue"),
            Err(e) => {
                tracing::warn!(function = %ev.key.name, request_id = %ev.id,
                    dead_letter_queue = %dlq, "cannot send the failed event to the dead-letter queue: {e}");
                self.publish(
                    &ev.key,
                    None,
                    &[("DeadLetterErrors", 1.0, MetricUnit::Count)],
                    self.env.clock.now_millis(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> QueuedEvent {
        QueuedEvent {
            id: "r1".into(),
            key: FunctionKey {
                account: "000000000000".into(),
                region: "us-east-1".into(),
                name: "f".into(),
            },
            payload: r#"{"a":1}"#.into(),
            enqueued_at: 0,
            attempts: 3,
            throttles: 0,
            due_at: 0,
            last: Some(LastAttempt {
                function_error: true,
                payload: r#"{"errorMessage":"boom","errorType":"Exception"}"#.into(),
            }),
        }
    }

    #[test]
    fn failure_record() {
        let r = record(&event(), Condition::RetriesExhausted, 1_767_225_600_123);
        assert_eq!(r["version"], "1.0");
        assert_eq!(r["timestamp"], "2026-01-01T00:00:00.123Z");
        assert_eq!(
            r["requestContext"]["functionArn"],
            "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST"
        );
        assert_eq!(r["requestContext"]["condition"], "RetriesExhausted");
        assert_eq!(r["requestContext"]["approximateInvokeCount"], 3);
        assert_eq!(r["requestPayload"]["a"], 1);
        assert_eq!(r["responseContext"]["functionError"], "Unhandled");
        assert_eq!(r["responsePayload"]["errorMessage"], "boom");
    }
}
