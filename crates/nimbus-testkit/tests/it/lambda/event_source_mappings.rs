//! SQS event source mappings: the five operations, their states and validation errors, and
//! the pollers (batches, the event shape, deletes, redelivery, partial batch failures, the
//! batching window, filters, scaling, restart), with the sandbox's ManualClock.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Environment, Filter, FilterCriteria, FunctionCode, FunctionResponseType, Runtime, ScalingConfig,
};
use aws_sdk_sqs::types::{MessageAttributeValue, QueueAttributeName, SendMessageBatchRequestEntry};
use nimbus_core::Clock;
use nimbus_testkit::TestSandbox;
use serde_json::Value;

use super::{ROLE, err, zip};

/// Writes each event it gets to `$OUT/<request id>.json`; raises when a body says `raise`;
/// reports the bodies containing `bad` as failures when a body says `partial`; answers an
/// unknown item identifier when a body says `invalid`.
const RECORDER: &str = r#"
import json, os
def lambda_handler(event, context):
    out = os.environ['OUT']
    tmp = os.path.join(out, '.' + context.aws_request_id)
    with open(tmp, 'w') as f:
        json.dump(event, f)
    os.rename(tmp, os.path.join(out, context.aws_request_id + '.json'))
    bodies = [r['body'] for r in event['Records']]
    if any('raise' in b for b in bodies):
        raise ValueError('consumer failed')
    if any('partial' in b for b in bodies):
        return {'batchItemFailures': [{'itemIdentifier': r['messageId']} for r in event['Records'] if 'bad' in r['body']]}
    if any('invalid' in b for b in bodies):
        return {'batchItemFailures': [{'itemIdentifier': 'not-a-message-id'}]}
    return {'ok': len(bodies)}
"#;

struct Fixture {
    sb: TestSandbox,
    out: tempfile::TempDir,
    queue_url: String,
    queue_arn: String,
}

async fn recorder(sb: &TestSandbox, name: &str, out: &Path) {
    sb.lambda()
        .create_function()
        .function_name(name)
        .runtime(Runtime::Python312)
        .role(ROLE)
        .handler("lambda_function.lambda_handler")
        .timeout(900)
        .environment(
            Environment::builder()
                .variables("OUT", out.to_string_lossy())
                .build(),
        )
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(zip(&[("lambda_function.py", RECORDER)])))
                .build(),
        )
        .send()
        .await
        .expect("function created");
}

async fn make_queue(
    sb: &TestSandbox,
    name: &str,
    attrs: &[(QueueAttributeName, &str)],
) -> (String, String) {
    let mut req = sb.sqs().create_queue().queue_name(name);
    for (k, v) in attrs {
        req = req.attributes(k.clone(), *v);
    }
    let url = req.send().await.expect("queue").queue_url.unwrap();
    let arn = format!("arn:aws:sqs:us-east-1:000000000000:{name}");
    (url, arn)
}

async fn fixture_with(sb: TestSandbox) -> Fixture {
    let out = tempfile::tempdir().unwrap();
    recorder(&sb, "consumer", out.path()).await;
    let (queue_url, queue_arn) = make_queue(
        &sb,
        "jobs",
        &[(QueueAttributeName::VisibilityTimeout, "30")],
    )
    .await;
    Fixture {
        sb,
        out,
        queue_url,
        queue_arn,
    }
}

async fn fixture() -> Fixture {
    fixture_with(TestSandbox::start().await).await
}

/// Every event the recorder got, in no particular order.
fn events(out: &Path) -> Vec<Value> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(out).unwrap().flatten() {
        let p: PathBuf = e.path();
        if p.extension().is_some_and(|x| x == "json") {
            v.push(serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap());
        }
    }
    v
}

fn records(out: &Path) -> Vec<Value> {
    events(out)
        .into_iter()
        .flat_map(|e| e["Records"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// Waits (real time: functions are real processes) until `f` holds, up to 30 s.
async fn until(what: &str, mut f: impl AsyncFnMut() -> bool) {
    for _ in 0..3000 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn counts(sb: &TestSandbox, url: &str) -> (i64, i64) {
    let a = sb
        .sqs()
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .unwrap();
    let get = |k: QueueAttributeName| {
        a.attributes()
            .and_then(|m| m.get(&k))
            .and_then(|v| v.parse().ok())
            .unwrap_or(-1)
    };
    (
        get(QueueAttributeName::ApproximateNumberOfMessages),
        get(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
    )
}

async fn state(sb: &TestSandbox, uuid: &str) -> String {
    sb.lambda()
        .get_event_source_mapping()
        .uuid(uuid)
        .send()
        .await
        .unwrap()
        .state
        .unwrap_or_default()
}

async fn wait_state(sb: &TestSandbox, uuid: &str, want: &str) {
    until(&format!("state {want}"), async || {
        state(sb, uuid).await == want
    })
    .await;
}

/// Creates an enabled mapping from the fixture's queue to `consumer`; waits for `Enabled`.
async fn map(f: &Fixture, batch: i32, window: i32) -> String {
    let m =
        f.sb.lambda()
            .create_event_source_mapping()
            .function_name("consumer")
            .event_source_arn(&f.queue_arn)
            .batch_size(batch)
            .maximum_batching_window_in_seconds(window)
            .send()
            .await
            .expect("mapping created");
    let uuid = m.uuid.unwrap();
    wait_state(&f.sb, &uuid, "Enabled").await;
    uuid
}

async fn send_batch(sb: &TestSandbox, url: &str, bodies: &[&str]) {
    let mut req = sb.sqs().send_message_batch().queue_url(url);
    for (i, b) in bodies.iter().enumerate() {
        req = req.entries(
            SendMessageBatchRequestEntry::builder()
                .id(format!("m{i}"))
                .message_body(*b)
                .build()
                .unwrap(),
        );
    }
    let r = req.send().await.unwrap();
    assert!(r.failed().is_empty());
}

#[tokio::test]
async fn crud_and_state_transitions() {
    let f = fixture().await;
    let l = f.sb.lambda();
    let m = l
        .create_event_source_mapping()
        .function_name("consumer")
        .event_source_arn(&f.queue_arn)
        .send()
        .await
        .unwrap();
    let uuid = m.uuid.clone().unwrap();
    assert_eq!(m.state(), Some("Creating"));
    assert_eq!(m.batch_size(), Some(10));
    assert_eq!(m.maximum_batching_window_in_seconds(), Some(0));
    assert_eq!(m.event_source_arn(), Some(f.queue_arn.as_str()));
    assert_eq!(
        m.function_arn(),
        Some("arn:aws:lambda:us-east-1:000000000000:function:consumer")
    );
    assert_eq!(m.state_transition_reason(), Some("USER_INITIATED"));
    assert_eq!(
        m.event_source_mapping_arn(),
        Some(format!("arn:aws:lambda:us-east-1:000000000000:event-source-mapping:{uuid}").as_str())
    );
    assert!(m.last_modified().is_some());
    wait_state(&f.sb, &uuid, "Enabled").await;

    // A second queue and mapping, disabled from the start.
    let (_, arn2) = make_queue(&f.sb, "other", &[]).await;
    let m2 = l
        .create_event_source_mapping()
        .function_name("arn:aws:lambda:us-east-1:000000000000:function:consumer")
        .event_source_arn(&arn2)
        .enabled(false)
        .batch_size(100)
        .maximum_batching_window_in_seconds(5)
        .function_response_types(FunctionResponseType::ReportBatchItemFailures)
        .scaling_config(ScalingConfig::builder().maximum_concurrency(3).build())
        .filter_criteria(
            FilterCriteria::builder()
                .filters(
                    Filter::builder()
                        .pattern(r#"{"body": {"kind": ["order"]}}"#)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let uuid2 = m2.uuid.clone().unwrap();
    wait_state(&f.sb, &uuid2, "Disabled").await;
    let g = l
        .get_event_source_mapping()
        .uuid(&uuid2)
        .send()
        .await
        .unwrap();
    assert_eq!(g.batch_size(), Some(100));
    assert_eq!(g.maximum_batching_window_in_seconds(), Some(5));
    assert_eq!(
        g.function_response_types(),
        &[FunctionResponseType::ReportBatchItemFailures]
    );
    assert_eq!(
        g.scaling_config().and_then(|s| s.maximum_concurrency()),
        Some(3)
    );
    assert_eq!(
        g.filter_criteria().unwrap().filters()[0].pattern(),
        Some(r#"{"body": {"kind": ["order"]}}"#)
    );

    // List: all, by function, by source, paged.
    let all = l.list_event_source_mappings().send().await.unwrap();
    assert_eq!(all.event_source_mappings().len(), 2);
    let by_source = l
        .list_event_source_mappings()
        .event_source_arn(&arn2)
        .send()
        .await
        .unwrap();
    assert_eq!(by_source.event_source_mappings().len(), 1);
    assert_eq!(
        by_source.event_source_mappings()[0].uuid(),
        Some(uuid2.as_str())
    );
    let by_fn = l
        .list_event_source_mappings()
        .function_name("consumer")
        .send()
        .await
        .unwrap();
    assert_eq!(by_fn.event_source_mappings().len(), 2);
    let p1 = l
        .list_event_source_mappings()
        .max_items(1)
        .send()
        .await
        .unwrap();
    assert_eq!(p1.event_source_mappings().len(), 1);
    let marker = p1.next_marker().expect("a second page").to_owned();
    let p2 = l
        .list_event_source_mappings()
        .max_items(1)
        .marker(marker)
        .send()
        .await
        .unwrap();
    assert_eq!(p2.event_source_mappings().len(), 1);
    assert_eq!(p2.next_marker(), None);
    assert_ne!(
        p1.event_source_mappings()[0].uuid(),
        p2.event_source_mappings()[0].uuid()
    );
    let none = l
        .list_event_source_mappings()
        .function_name("nobody")
        .send()
        .await
        .unwrap();
    assert!(none.event_source_mappings().is_empty());

    // Disable, enable, update.
    let u = l
        .update_event_source_mapping()
        .uuid(&uuid)
        .enabled(false)
        .send()
        .await
        .unwrap();
    assert_eq!(u.state(), Some("Disabling"));
    wait_state(&f.sb, &uuid, "Disabled").await;
    let u = l
        .update_event_source_mapping()
        .uuid(&uuid)
        .enabled(true)
        .send()
        .await
        .unwrap();
    assert_eq!(u.state(), Some("Enabling"));
    wait_state(&f.sb, &uuid, "Enabled").await;
    let u = l
        .update_event_source_mapping()
        .uuid(&uuid)
        .batch_size(5)
        .send()
        .await
        .unwrap();
    assert_eq!(u.state(), Some("Updating"));
    assert_eq!(u.batch_size(), Some(5));
    wait_state(&f.sb, &uuid, "Enabled").await;

    // Delete.
    let d = l
        .delete_event_source_mapping()
        .uuid(&uuid)
        .send()
        .await
        .unwrap();
    assert_eq!(d.state(), Some("Deleting"));
    until("deletion", async || {
        l.get_event_source_mapping()
            .uuid(&uuid)
            .send()
            .await
            .is_err()
    })
    .await;
    let (code, msg, status) = err(l.get_event_source_mapping().uuid(&uuid).send().await);
    assert_eq!((code.as_str(), status), ("ResourceNotFoundException", 404));
    assert_eq!(msg, "The resource you requested does not exist.");
    let (code, _, status) = err(l.delete_event_source_mapping().uuid(&uuid).send().await);
    assert_eq!((code.as_str(), status), ("ResourceNotFoundException", 404));
    let (code, _, _) = err(l
        .update_event_source_mapping()
        .uuid(&uuid)
        .enabled(true)
        .send()
        .await);
    assert_eq!(code, "ResourceNotFoundException");

    // Another account sees none of them.
    let other = f.sb.lambda_as("111122223333");
    assert!(
        other
            .list_event_source_mappings()
            .send()
            .await
            .unwrap()
            .event_source_mappings()
            .is_empty()
    );
    let (code, _, _) = err(other.get_event_source_mapping().uuid(&uuid2).send().await);
    assert_eq!(code, "ResourceNotFoundException");
}

#[tokio::test]
async fn validation_errors() {
    let f = fixture().await;
    let l = f.sb.lambda();
    let create = || {
        l.create_event_source_mapping()
            .function_name("consumer")
            .event_source_arn(&f.queue_arn)
    };

    let (code, msg, status) = err(create().batch_size(0).send().await);
    assert_eq!((code.as_str(), status), ("ValidationException", 400));
    assert_eq!(
        msg,
        "1 validation error detected: Value '0' at 'batchSize' failed to satisfy constraint: Member must have value greater than or equal to 1"
    );
    let (code, _, _) = err(create()
        .batch_size(10_001)
        .maximum_batching_window_in_seconds(1)
        .send()
        .await);
    assert_eq!(code, "ValidationException");
    let (code, msg, status) = err(create().batch_size(11).send().await);
    assert_eq!(
        (code.as_str(), status),
        ("InvalidParameterValueException", 400)
    );
    assert_eq!(
        msg,
        "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"
    );
    let (code, _, _) = err(create()
        .maximum_batching_window_in_seconds(301)
        .send()
        .await);
    assert_eq!(code, "ValidationException");
    let (code, msg, _) = err(create()
        .scaling_config(ScalingConfig::builder().maximum_concurrency(1).build())
        .send()
        .await);
    assert_eq!(code, "ValidationException");
    assert!(msg.contains("'scalingConfig.maximumConcurrency'"), "{msg}");
    let (code, _, _) = err(create()
        .scaling_config(ScalingConfig::builder().maximum_concurrency(1001).build())
        .send()
        .await);
    assert_eq!(code, "ValidationException");
    let (code, _, _) = err(create()
        .function_response_types(FunctionResponseType::from("Everything"))
        .send()
        .await);
    assert_eq!(code, "ValidationException");
    let (code, msg, _) = err(create()
        .filter_criteria(
            FilterCriteria::builder()
                .filters(
                    Filter::builder()
                        .pattern(r#"{"body": "not-a-list"}"#)
                        .build(),
                )
                .build(),
        )
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValueException");
    assert_eq!(msg, "Invalid filter pattern definition.");
    let mut six = FilterCriteria::builder();
    for i in 0..6 {
        six = six.filters(
            Filter::builder()
                .pattern(format!(r#"{{"body": {{"n": [{i}]}}}}"#))
                .build(),
        );
    }
    let (code, _, _) = err(create().filter_criteria(six.build()).send().await);
    assert_eq!(code, "InvalidParameterValueException");
    let (code, msg, _) = err(create()
        .starting_position(aws_sdk_lambda::types::EventSourcePosition::Latest)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValueException");
    assert_eq!(
        msg,
        "Unsupported StartingPosition parameter for given event source."
    );

    // A queue that does not exist, a function that does not exist.
    let (code, msg, _) = err(l
        .create_event_source_mapping()
        .function_name("consumer")
        .event_source_arn("arn:aws:sqs:us-east-1:000000000000:missing")
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValueException");
    assert!(
        msg.contains("AWS.SimpleQueueService.NonExistentQueue"),
        "{msg}"
    );
    let (code, msg, status) = err(l
        .create_event_source_mapping()
        .function_name("ghost")
        .event_source_arn(&f.queue_arn)
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("ResourceNotFoundException", 404));
    assert!(msg.contains("function:ghost"), "{msg}");

    // One mapping per function and queue.
    let uuid = map(&f, 10, 0).await;
    let (code, msg, status) = err(create().send().await);
    assert_eq!((code.as_str(), status), ("ResourceConflictException", 409));
    assert!(msg.contains(&uuid), "{msg}");
    assert!(
        msg.starts_with("An event source mapping with SQS arn (\" arn:aws:sqs:"),
        "{msg}"
    );

    // Update keeps the combined rules.
    let (code, _, _) = err(l
        .update_event_source_mapping()
        .uuid(&uuid)
        .batch_size(50)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValueException");
    let (code, _, _) = err(l
        .update_event_source_mapping()
        .uuid("00000000-0000-0000-0000-000000000000")
        .batch_size(5)
        .send()
        .await);
    assert_eq!(code, "ResourceNotFoundException");
}

#[tokio::test]
async fn batches_carry_the_sqs_event_and_success_deletes() {
    let f = fixture().await;
    map(&f, 10, 0).await;
    let sent =
        f.sb.sqs()
            .send_message()
            .queue_url(&f.queue_url)
            .message_body(r#"{"hello": "world"}"#)
            .message_attributes(
                "colour",
                MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value("blue")
                    .build()
                    .unwrap(),
            )
            .message_attributes(
                "blob",
                MessageAttributeValue::builder()
                    .data_type("Binary")
                    .binary_value(aws_sdk_sqs::primitives::Blob::new(b"\x00\x01".to_vec()))
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    until("the invocation", async || records(f.out.path()).len() == 1).await;
    let r = &records(f.out.path())[0];
    assert_eq!(r["messageId"], sent.message_id().unwrap());
    assert!(r["receiptHandle"].as_str().is_some_and(|h| !h.is_empty()));
    assert_eq!(r["body"], r#"{"hello": "world"}"#);
    assert_eq!(r["md5OfBody"], sent.md5_of_message_body().unwrap());
    assert_eq!(
        r["md5OfMessageAttributes"],
        sent.md5_of_message_attributes().unwrap()
    );
    assert_eq!(r["eventSource"], "aws:sqs");
    assert_eq!(r["eventSourceARN"], f.queue_arn.as_str());
    assert_eq!(r["awsRegion"], "us-east-1");
    let a = &r["attributes"];
    assert_eq!(a["ApproximateReceiveCount"], "1");
    assert_eq!(a["SenderId"], "000000000000");
    let now = f.sb.clock().now_millis();
    assert_eq!(a["SentTimestamp"], now.to_string());
    assert_eq!(a["ApproximateFirstReceiveTimestamp"], now.to_string());
    assert_eq!(
        r["messageAttributes"]["colour"],
        serde_json::json!({"stringValue": "blue", "stringListValues": [], "binaryListValues": [], "dataType": "String"})
    );
    assert_eq!(
        r["messageAttributes"]["blob"],
        serde_json::json!({"binaryValue": "AAE=", "stringListValues": [], "binaryListValues": [], "dataType": "Binary"})
    );
    // Success deletes the message.
    until("the delete", async || {
        counts(&f.sb, &f.queue_url).await == (0, 0)
    })
    .await;

    // A batch send arrives as one batch.
    send_batch(&f.sb, &f.queue_url, &["a", "b", "c"]).await;
    until("the batch", async || records(f.out.path()).len() == 4).await;
    assert!(
        events(f.out.path())
            .iter()
            .any(|e| e["Records"].as_array().unwrap().len() == 3)
    );
    until("the delete", async || {
        counts(&f.sb, &f.queue_url).await == (0, 0)
    })
    .await;
}

#[tokio::test]
async fn function_errors_redeliver_after_the_visibility_timeout() {
    let f = fixture().await;
    map(&f, 10, 0).await;
    f.sb.sqs()
        .send_message()
        .queue_url(&f.queue_url)
        .message_body("please raise")
        .send()
        .await
        .unwrap();
    until("the first invocation", async || {
        events(f.out.path()).len() == 1
    })
    .await;
    until("the failed batch", async || {
        counts(&f.sb, &f.queue_url).await == (0, 1)
    })
    .await;
    // Hidden for the queue's 30 s visibility timeout, then delivered again.
    f.sb.clock().advance(Duration::from_secs(29));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(events(f.out.path()).len(), 1);
    f.sb.clock().advance(Duration::from_secs(1));
    until("the second invocation", async || {
        events(f.out.path()).len() == 2
    })
    .await;
    let counts_seen: Vec<String> = records(f.out.path())
        .iter()
        .map(|r| {
            r["attributes"]["ApproximateReceiveCount"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(counts_seen.contains(&"2".to_owned()), "{counts_seen:?}");
}

#[tokio::test]
async fn report_batch_item_failures_keeps_only_the_failed() {
    let f = fixture().await;
    let uuid = map(&f, 10, 0).await;
    f.sb.lambda()
        .update_event_source_mapping()
        .uuid(&uuid)
        .function_response_types(FunctionResponseType::ReportBatchItemFailures)
        .send()
        .await
        .unwrap();
    wait_state(&f.sb, &uuid, "Enabled").await;
    send_batch(
        &f.sb,
        &f.queue_url,
        &["partial ok", "partial bad", "partial ok too"],
    )
    .await;
    until("the invocation", async || events(f.out.path()).len() == 1).await;
    until("the partial delete", async || {
        counts(&f.sb, &f.queue_url).await == (0, 1)
    })
    .await;
    f.sb.clock().advance(Duration::from_secs(30));
    until("the redelivery", async || events(f.out.path()).len() == 2).await;
    let second: Vec<Value> = events(f.out.path())
        .into_iter()
        .filter(|e| e["Records"].as_array().unwrap().len() == 1)
        .collect();
    assert_eq!(second[0]["Records"][0]["body"], "partial bad");

    // An unknown item identifier fails the whole batch.
    let f = fixture().await;
    let uuid = map(&f, 10, 0).await;
    f.sb.lambda()
        .update_event_source_mapping()
        .uuid(&uuid)
        .function_response_types(FunctionResponseType::ReportBatchItemFailures)
        .send()
        .await
        .unwrap();
    wait_state(&f.sb, &uuid, "Enabled").await;
    send_batch(&f.sb, &f.queue_url, &["invalid 1", "invalid 2"]).await;
    until("the invocation", async || events(f.out.path()).len() == 1).await;
    until("the failed batch", async || {
        counts(&f.sb, &f.queue_url).await == (0, 2)
    })
    .await;
}

#[tokio::test]
async fn the_batching_window_gathers_messages() {
    let f = fixture().await;
    map(&f, 100, 10).await;
    send_batch(&f.sb, &f.queue_url, &["w1", "w2", "w3"]).await;
    until("the receive", async || {
        counts(&f.sb, &f.queue_url).await == (0, 3)
    })
    .await;
    f.sb.clock().advance(Duration::from_secs(9));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        events(f.out.path()).is_empty(),
        "invoked before the window closed"
    );
    f.sb.clock().advance(Duration::from_secs(1));
    until("the invocation", async || events(f.out.path()).len() == 1).await;
    assert_eq!(
        events(f.out.path())[0]["Records"].as_array().unwrap().len(),
        3
    );
    until("the delete", async || {
        counts(&f.sb, &f.queue_url).await == (0, 0)
    })
    .await;
}

#[tokio::test]
async fn filters_delete_what_matches_nothing_without_invoking() {
    let f = fixture().await;
    let m = f
        .sb
        .lambda()
        .create_event_source_mapping()
        .function_name("consumer")
        .event_source_arn(&f.queue_arn)
        .filter_criteria(
            FilterCriteria::builder()
                .filters(
                    Filter::builder()
                        .pattern(r#"{"body": {"kind": ["order"], "n": [{"numeric": [">", 3]}]}}"#)
                        .build(),
                )
                .filters(
                    Filter::builder()
                        .pattern(r#"{"body": {"kind": [{"prefix": "vip-"}]}}"#)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    wait_state(&f.sb, m.uuid().unwrap(), "Enabled").await;
    send_batch(
        &f.sb,
        &f.queue_url,
        &[
            r#"{"kind": "order", "n": 5}"#,
            r#"{"kind": "order", "n": 1}"#,
            r#"{"kind": "vip-refund"}"#,
            r#"{"kind": "refund"}"#,
            "plain text",
        ],
    )
    .await;
    until("the deletes", async || {
        counts(&f.sb, &f.queue_url).await == (0, 0)
    })
    .await;
    let mut bodies: Vec<String> = records(f.out.path())
        .iter()
        .map(|r| r["body"].as_str().unwrap().to_owned())
        .collect();
    bodies.sort();
    assert_eq!(
        bodies,
        vec![r#"{"kind": "order", "n": 5}"#, r#"{"kind": "vip-refund"}"#]
    );
}

#[tokio::test]
async fn pollers_scale_up_with_the_backlog_and_down_when_it_is_gone() {
    let f = fixture().await;
    let m =
        f.sb.lambda()
            .create_event_source_mapping()
            .function_name("consumer")
            .event_source_arn(&f.queue_arn)
            .batch_size(1)
            .scaling_config(ScalingConfig::builder().maximum_concurrency(8).build())
            .send()
            .await
            .unwrap();
    let uuid = m.uuid().unwrap().to_owned();
    wait_state(&f.sb, &uuid, "Enabled").await;
    until("5 pollers", async || {
        nimbus_lambda::event_source::scaling_history(&uuid).current == 5
    })
    .await;
    for chunk in 0..6 {
        let bodies: Vec<String> = (0..10).map(|i| format!("m{chunk}-{i}")).collect();
        let refs: Vec<&str> = bodies.iter().map(String::as_str).collect();
        send_batch(&f.sb, &f.queue_url, &refs).await;
    }
    until("the backlog drained", async || {
        counts(&f.sb, &f.queue_url).await == (0, 0)
    })
    .await;
    let h = nimbus_lambda::event_source::scaling_history(&uuid);
    let max = h.changes.iter().copied().max().unwrap();
    assert!(max > 5, "scaled up beyond 5: {:?}", h.changes);
    assert!(max <= 8, "MaximumConcurrency caps: {:?}", h.changes);
    assert_eq!(records(f.out.path()).len(), 60);
    // Empty long polls (20 s on the clock) retire the extra pollers.
    for _ in 0..3 {
        f.sb.clock().advance(Duration::from_secs(20));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    until("back to 5", async || {
        nimbus_lambda::event_source::scaling_history(&uuid).current == 5
    })
    .await;

    // Reserved concurrency caps too.
    f.sb.lambda()
        .put_function_concurrency()
        .function_name("consumer")
        .reserved_concurrent_executions(2)
        .send()
        .await
        .unwrap();
    f.sb.lambda()
        .update_event_source_mapping()
        .uuid(&uuid)
        .batch_size(2)
        .send()
        .await
        .unwrap();
    wait_state(&f.sb, &uuid, "Enabled").await;
    until("2 pollers", async || {
        nimbus_lambda::event_source::scaling_history(&uuid).current == 2
    })
    .await;
}

#[tokio::test]
async fn mappings_survive_a_restart_and_resume_polling() {
    let mut f = fixture().await;
    let uuid = map(&f, 10, 0).await;
    f.sb.restart().await;
    assert_eq!(state(&f.sb, &uuid).await, "Enabled");
    f.sb.sqs()
        .send_message()
        .queue_url(&f.queue_url)
        .message_body("after restart")
        .send()
        .await
        .unwrap();
    until("the invocation", async || records(f.out.path()).len() == 1).await;
    assert_eq!(records(f.out.path())[0]["body"], "after restart");
    until("the delete", async || {
        counts(&f.sb, &f.queue_url).await == (0, 0)
    })
    .await;

    // A disabled mapping stays disabled.
    f.sb.lambda()
        .update_event_source_mapping()
        .uuid(&uuid)
        .enabled(false)
        .send()
        .await
        .unwrap();
    wait_state(&f.sb, &uuid, "Disabled").await;
    f.sb.restart().await;
    assert_eq!(state(&f.sb, &uuid).await, "Disabled");
    f.sb.sqs()
        .send_message()
        .queue_url(&f.queue_url)
        .message_body("while disabled")
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(counts(&f.sb, &f.queue_url).await, (1, 0));
    let _ = &mut f;
}

#[tokio::test]
async fn fifo_queues_limit_batches_and_deliver_in_group_order() {
    let f = fixture().await;
    let l = f.sb.lambda();
    let (fifo_url, fifo_arn) = make_queue(
        &f.sb,
        "jobs.fifo",
        &[
            (QueueAttributeName::FifoQueue, "true"),
            (QueueAttributeName::ContentBasedDeduplication, "true"),
        ],
    )
    .await;
    let fifo_create = || {
        l.create_event_source_mapping()
            .function_name("consumer")
            .event_source_arn(&fifo_arn)
    };
    let (code, msg, _) = err(fifo_create().batch_size(20).send().await);
    assert_eq!(code, "InvalidParameterValueException");
    assert_eq!(msg, "Maximum batch size must be between 1 and 10 inclusive");
    let (code, msg, _) = err(fifo_create()
        .batch_size(5)
        .maximum_batching_window_in_seconds(1)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValueException");
    assert_eq!(msg, "Batching window is not supported for FIFO queues");

    // Messages of one group arrive in send order, each batch after the previous one.
    for i in 0..12 {
        f.sb.sqs()
            .send_message()
            .queue_url(&fifo_url)
            .message_body(format!("g{i:02}"))
            .message_group_id("g")
            .send()
            .await
            .unwrap();
    }
    let m = l
        .create_event_source_mapping()
        .function_name("consumer")
        .event_source_arn(&fifo_arn)
        .batch_size(5)
        .send()
        .await
        .unwrap();
    wait_state(&f.sb, m.uuid().unwrap(), "Enabled").await;
    until("every message", async || records(f.out.path()).len() == 12).await;
    let mut evs = events(f.out.path());
    evs.sort_by_key(|e| {
        e["Records"][0]["attributes"]["SequenceNumber"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    });
    let bodies: Vec<String> = evs
        .iter()
        .flat_map(|e| e["Records"].as_array().unwrap().clone())
        .map(|r| r["body"].as_str().unwrap().to_owned())
        .collect();
    let want: Vec<String> = (0..12).map(|i| format!("g{i:02}")).collect();
    assert_eq!(bodies, want);
    let r = &evs[0]["Records"][0];
    assert_eq!(r["attributes"]["MessageGroupId"], "g");
    assert!(r["attributes"]["MessageDeduplicationId"].is_string(), "{r}");
    assert!(r["attributes"]["SequenceNumber"].is_string(), "{r}");
}

#[tokio::test]
async fn what_keeps_failing_reaches_the_dead_letter_queue_after_max_receive_count() {
    let f = fixture().await;
    let (dlq_url, dlq_arn) = make_queue(&f.sb, "jobs-dlq", &[]).await;
    f.sb.sqs()
        .set_queue_attributes()
        .queue_url(&f.queue_url)
        .attributes(
            QueueAttributeName::RedrivePolicy,
            format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"3"}}"#),
        )
        .send()
        .await
        .unwrap();
    map(&f, 10, 0).await;
    f.sb.sqs()
        .send_message()
        .queue_url(&f.queue_url)
        .message_body("always raise")
        .send()
        .await
        .unwrap();
    for n in 1..=3 {
        until("an invocation", async || events(f.out.path()).len() == n).await;
        until("the failed batch", async || {
            counts(&f.sb, &f.queue_url).await == (0, 1)
        })
        .await;
        f.sb.clock().advance(Duration::from_secs(30));
    }
    // The fourth receive moves it to the dead-letter queue instead of delivering it.
    until("the move", async || counts(&f.sb, &dlq_url).await == (1, 0)).await;
    assert_eq!(counts(&f.sb, &f.queue_url).await, (0, 0));
    assert_eq!(events(f.out.path()).len(), 3);
    let m =
        f.sb.sqs()
            .receive_message()
            .queue_url(&dlq_url)
            .send()
            .await
            .unwrap();
    assert_eq!(m.messages()[0].body(), Some("always raise"));
}

#[tokio::test]
async fn batches_stay_within_the_invoke_payload_limit() {
    let f = fixture().await;
    // Ten 900 KB messages are more than one 6 MB invocation carries.
    let big = "x".repeat(900_000);
    for i in 0..10 {
        f.sb.sqs()
            .send_message()
            .queue_url(&f.queue_url)
            .message_body(format!("{i}{big}"))
            .send()
            .await
            .unwrap();
    }
    map(&f, 10, 0).await;
    until("every message", async || records(f.out.path()).len() == 10).await;
    let sizes: Vec<usize> = events(f.out.path())
        .iter()
        .map(|e| e["Records"].as_array().unwrap().len())
        .collect();
    assert!(sizes.iter().all(|n| *n <= 6), "{sizes:?}");
    until("the deletes", async || {
        counts(&f.sb, &f.queue_url).await == (0, 0)
    })
    .await;
}

#[tokio::test]
async fn the_wire_answers_202_and_validates_raw_bodies() {
    let f = fixture().await;
    let ct = [("content-type", "application/json")];
    let r =
        f.sb.raw(
            "POST",
            "/2015-03-31/event-source-mappings",
            &ct,
            r#"{"EventSourceArn": "arn:aws:sqs:us-east-1:000000000000:jobs"}"#,
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.headers["x-amzn-errortype"], "ValidationException");
    let r =
        f.sb.raw(
            "POST",
            "/2015-03-31/event-source-mappings",
            &ct,
            "{not json",
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(
        r.headers["x-amzn-errortype"],
        "InvalidRequestContentException"
    );
    let r =
        f.sb.raw(
            "POST",
            "/2015-03-31/event-source-mappings",
            &ct,
            format!(
                r#"{{"FunctionName": "consumer", "EventSourceArn": "{}"}}"#,
                f.queue_arn
            ),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["State"], "Creating");
    assert_eq!(v["FunctionResponseTypes"], serde_json::json!([]));
    assert!(v["LastModified"].is_number(), "{v}");
    let uuid = v["UUID"].as_str().unwrap().to_owned();
    wait_state(&f.sb, &uuid, "Enabled").await;
    let path = format!("/2015-03-31/event-source-mappings/{uuid}");
    let r = f.sb.raw("PUT", &path, &ct, r#"{"Enabled": false}"#).await;
    assert_eq!(r.status, 202, "{}", r.body);
    let r = f.sb.raw("DELETE", &path, &[], "").await;
    assert_eq!(r.status, 202, "{}", r.body);
    let r =
        f.sb.raw(
            "GET",
            "/2015-03-31/event-source-mappings?MaxItems=0",
            &[],
            "",
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
}
