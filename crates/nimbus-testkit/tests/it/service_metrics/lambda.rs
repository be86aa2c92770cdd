//! `AWS/Lambda` through the API: each invocation's Invocations, Errors, Throttles and Duration
//! for the function, the account and (qualified) the resource, stamped with its start;
//! ConcurrentExecutions per minute; the asynchronous metrics; event source mapping counts
//! only with `MetricsConfig`.

use std::time::Duration;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{EventSourceMappingMetric, EventSourceMappingMetricsConfig};
use nimbus_core::Clock;
use nimbus_core::bus::metrics::MetricUnit;
use nimbus_testkit::TestSandbox;

use super::of;
use crate::lambda::{err, python};

const HANDLER: &str = r#"
def lambda_handler(event, context):
    if event.get('fail'):
        raise ValueError('asked to fail')
    return {'ok': True}
"#;

async fn sandbox() -> TestSandbox {
    TestSandbox::builder()
        .in_memory()
        .record_metrics()
        .start()
        .await
}

/// Waits (real time: functions are real processes) until `f` holds, up to 30 s.
async fn until(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..3000 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn an_invocation_publishes_invocations_errors_and_duration_at_its_start() {
    let sb = sandbox().await;
    python(&sb, "worker", HANDLER).await;
    // Start at a minute's first second, so both invocations fall in one clock minute.
    let now = sb.clock().now_millis();
    sb.clock().set_millis(now - now % 60_000 + 60_000);
    let lambda = sb.lambda();
    let started = sb.clock().now_millis();
    lambda
        .invoke()
        .function_name("worker")
        .payload(Blob::new(b"{}".to_vec()))
        .send()
        .await
        .unwrap();
    sb.clock().advance(Duration::from_secs(1));
    let failed = lambda
        .invoke()
        .function_name("worker:$LATEST")
        .payload(Blob::new(br#"{"fail": true}"#.to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(failed.function_error(), Some("Unhandled"));

    let m = sb.metrics();
    let f = [("FunctionName", "worker")];
    let values = |name: &str, dims: &[(&str, &str)]| -> Vec<f64> {
        m.of(name, dims).iter().map(|d| d.value).collect()
    };
    assert_eq!(values("Invocations", &f), [1.0, 1.0]);
    assert_eq!(values("Errors", &f), [0.0, 1.0]);
    assert_eq!(values("Throttles", &f), [0.0, 0.0]);
    // The account-wide series counts the same invocations.
    assert_eq!(values("Invocations", &[]), [1.0, 1.0]);
    assert_eq!(values("Errors", &[]), [0.0, 1.0]);
    // Only the qualified invocation has a Resource series.
    let r = [("FunctionName", "worker"), ("Resource", "worker:$LATEST")];
    assert_eq!(values("Invocations", &r), [1.0]);
    assert_eq!(values("Errors", &r), [1.0]);
    let durations = m.of("Duration", &f);
    assert_eq!(durations.len(), 2);
    assert!(
        durations
            .iter()
            .all(|d| d.value > 0.0 && d.unit == MetricUnit::Milliseconds && d.sample_count == 1)
    );
    // Stamped with each invocation's start on the sandbox clock.
    let inv = m.of("Invocations", &f);
    assert_eq!(inv[0].timestamp_millis, started);
    assert_eq!(inv[1].timestamp_millis, started + 1000);
    assert!(m.events().iter().all(|d| d.namespace == "AWS/Lambda"
        && d.account == "000000000000"
        && d.region == "us-east-1"));

    // The minute's concurrency peak: one at a time.
    let data = sb.sample_this_minute();
    assert_eq!(super::value(&data, "ConcurrentExecutions", &f), 1.0);
    assert_eq!(super::value(&data, "ConcurrentExecutions", &[]), 1.0);
    assert_eq!(
        super::value(&data, "UnreservedConcurrentExecutions", &[]),
        1.0
    );
    // Nothing ran since: no concurrency data for the next minute.
    let data = sb.sample_this_minute();
    assert!(of(&data, "ConcurrentExecutions", &f).is_empty());
}

#[tokio::test]
async fn a_throttled_request_is_a_throttle_not_an_invocation() {
    let sb = sandbox().await;
    python(&sb, "closed", HANDLER).await;
    sb.lambda()
        .put_function_concurrency()
        .function_name("closed")
        .reserved_concurrent_executions(0)
        .send()
        .await
        .unwrap();
    let (code, _, status) = err(sb
        .lambda()
        .invoke()
        .function_name("closed")
        .payload(Blob::new(b"{}".to_vec()))
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("TooManyRequestsException", 429));
    let m = sb.metrics();
    let f = [("FunctionName", "closed")];
    // One Throttles point per request (the SDK retries a throttled request).
    let throttles = m.of("Throttles", &f);
    assert!(!throttles.is_empty());
    assert!(throttles.iter().all(|d| d.value == 1.0));
    assert!(m.of("Invocations", &f).is_empty());
    assert!(m.of("Duration", &f).is_empty());
}

#[tokio::test]
async fn asynchronous_events_report_received_and_age() {
    let sb = sandbox().await;
    python(&sb, "later", HANDLER).await;
    sb.lambda()
        .invoke()
        .function_name("later")
        .invocation_type(aws_sdk_lambda::types::InvocationType::Event)
        .payload(Blob::new(b"{}".to_vec()))
        .send()
        .await
        .unwrap();
    let f = [("FunctionName", "later")];
    until("the event runs", || {
        !sb.metrics().of("Invocations", &f).is_empty()
    })
    .await;
    let m = sb.metrics();
    assert_eq!(m.of("AsyncEventsReceived", &f).len(), 1);
    let age = m.of("AsyncEventAge", &f);
    assert_eq!(age.len(), 1);
    assert_eq!(age[0].unit, MetricUnit::Milliseconds);
    assert!(m.of("AsyncEventsDropped", &f).is_empty());
}

#[tokio::test]
async fn mapping_event_counts_only_with_metrics_config() {
    let sb = sandbox().await;
    python(&sb, "consumer", HANDLER).await;
    let mut uuids = Vec::new();
    let mut urls = Vec::new();
    for (name, counted) in [("counted", true), ("quiet", false)] {
        let url = sb
            .sqs()
            .create_queue()
            .queue_name(name)
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        let mut req = sb
            .lambda()
            .create_event_source_mapping()
            .function_name("consumer")
            .event_source_arn(format!("arn:aws:sqs:us-east-1:000000000000:{name}"))
            .batch_size(10);
        if counted {
            req = req.metrics_config(
                EventSourceMappingMetricsConfig::builder()
                    .metrics(EventSourceMappingMetric::EventCount)
                    .build(),
            );
        }
        let m = req.send().await.unwrap();
        assert_eq!(
            m.metrics_config().map(|c| c.metrics().len()),
            counted.then_some(1)
        );
        uuids.push(m.uuid.unwrap());
        urls.push(url);
    }
    for url in &urls {
        for i in 0..3 {
            sb.sqs()
                .send_message()
                .queue_url(url)
                .message_body(format!("{{\"n\": {i}}}"))
                .send()
                .await
                .unwrap();
        }
    }
    let counted = [("EventSourceMappingUUID", uuids[0].as_str())];
    let total = |metric: &str, dims: &[(&str, &str)]| -> f64 {
        sb.metrics().of(metric, dims).iter().map(|d| d.value).sum()
    };
    until("the counted mapping deletes its three messages", || {
        total("DeletedEventCount", &counted) == 3.0
    })
    .await;
    assert_eq!(total("PolledEventCount", &counted), 3.0);
    assert_eq!(total("InvokedEventCount", &counted), 3.0);
    assert_eq!(total("FailedInvokeEventCount", &counted), 0.0);
    assert_eq!(total("FilteredOutEventCount", &counted), 0.0);
    // The other mapping polled and invoked too, but publishes nothing of its own.
    until("the quiet mapping's batch runs", || {
        total("Invocations", &[("FunctionName", "consumer")]) >= 2.0
    })
    .await;
    let quiet = [("EventSourceMappingUUID", uuids[1].as_str())];
    assert!(sb.metrics().of("PolledEventCount", &quiet).is_empty());

    // MetricsConfig is validated as AWS does: the model's values, EventCount for SQS.
    let (code, _, status) = err(sb
        .lambda()
        .update_event_source_mapping()
        .uuid(&uuids[1])
        .metrics_config(
            EventSourceMappingMetricsConfig::builder()
                .metrics(EventSourceMappingMetric::KafkaMetrics)
                .build(),
        )
        .send()
        .await);
    assert_eq!(
        (code.as_str(), status),
        ("InvalidParameterValueException", 400)
    );
    let (code, _, _) = err(sb
        .lambda()
        .update_event_source_mapping()
        .uuid(&uuids[1])
        .metrics_config(
            EventSourceMappingMetricsConfig::builder()
                .metrics(EventSourceMappingMetric::from("Everything"))
                .build(),
        )
        .send()
        .await);
    assert_eq!(code, "ValidationException");
    // Turned on by an update, and shown by Get.
    sb.lambda()
        .update_event_source_mapping()
        .uuid(&uuids[1])
        .metrics_config(
            EventSourceMappingMetricsConfig::builder()
                .metrics(EventSourceMappingMetric::EventCount)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let got = sb
        .lambda()
        .get_event_source_mapping()
        .uuid(&uuids[1])
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.metrics_config().unwrap().metrics(),
        [EventSourceMappingMetric::EventCount]
    );
}
