//! Asynchronous invocation (`InvocationType=Event`): the 202, the durable queue, retries with
//! AWS's backoff on the sandbox clock, `MaximumRetryAttempts`, `MaximumEventAgeInSeconds`,
//! throttled events, destinations (SQS queue and function) with the exact invocation record,
//! `DeadLetterConfig`, restart with pending events, and S3 notifications through this path
//! with the function policy checked under `--auth strict`.

use std::time::Duration;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    DeadLetterConfig, DestinationConfig, InvocationType, OnFailure, OnSuccess,
};
use aws_sdk_sqs::types::MessageSystemAttributeName;
use nimbus_testkit::TestSandbox;
use serde_json::Value;

use super::python;

/// A handler that logs each attempt and fails when the event says so.
const HANDLER: &str = "def lambda_handler(event, context):\n    print('attempt', context.aws_request_id)\n    if event.get('fail'):\n        raise Exception('boom ' + str(event.get('n')))\n    return {'ok': True, 'n': event.get('n')}\n";

/// A handler that prints the event it gets (a destination function).
const PRINTER: &str = "import json\ndef lambda_handler(event, context):\n    print('RECORD ' + json.dumps(event))\n    return None\n";

async fn queue(sb: &TestSandbox, name: &str) -> (String, String) {
    let url = sb
        .sqs()
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let arn = format!("arn:aws:sqs:us-east-1:{}:{name}", account_of(&url));
    (url, arn)
}

fn account_of(queue_url: &str) -> String {
    queue_url
        .rsplit('/')
        .nth(1)
        .unwrap_or("000000000000")
        .to_owned()
}

fn function_arn(account: &str, name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:{account}:function:{name}")
}

/// Messages of the log group whose text contains `needle`.
async fn log_lines(sb: &TestSandbox, function: &str, needle: &str) -> Vec<String> {
    let out = sb
        .logs()
        .filter_log_events()
        .log_group_name(format!("/aws/lambda/{function}"))
        .send()
        .await;
    match out {
        Ok(o) => o
            .events()
            .iter()
            .filter_map(|e| e.message())
            .filter(|m| m.contains(needle))
            .map(str::to_owned)
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Waits (real time, up to 30 s) until `function` has finished `n` invocations (`REPORT`
/// lines), then a little longer so the worker has decided what comes next.
async fn wait_for_runs(sb: &TestSandbox, function: &str, n: usize) {
    for _ in 0..600 {
        if log_lines(sb, function, "REPORT RequestId").await.len() >= n {
            tokio::time::sleep(Duration::from_millis(200)).await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{function} did not run {n} times");
}

async fn runs(sb: &TestSandbox, function: &str) -> usize {
    log_lines(sb, function, "REPORT RequestId").await.len()
}

/// Receives one message (polling without long-poll waits, which follow the sandbox clock).
async fn receive(sb: &TestSandbox, url: &str) -> aws_sdk_sqs::types::Message {
    for _ in 0..600 {
        let out = sb
            .sqs()
            .receive_message()
            .queue_url(url)
            .message_attribute_names("All")
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .unwrap();
        if let Some(m) = out.messages.and_then(|mut v| v.pop()) {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no message arrived on {url}");
}

async fn assert_empty(sb: &TestSandbox, url: &str) {
    let out = sb
        .sqs()
        .receive_message()
        .queue_url(url)
        .send()
        .await
        .unwrap();
    assert!(
        out.messages().is_empty(),
        "unexpected message: {:?}",
        out.messages()
    );
}

async fn invoke_event(sb: &TestSandbox, function: &str, payload: &str) -> String {
    let out = sb
        .lambda()
        .invoke()
        .function_name(function)
        .invocation_type(InvocationType::Event)
        .payload(Blob::new(payload.as_bytes().to_vec()))
        .send()
        .await
        .expect("Event invoke accepted");
    assert_eq!(out.status_code(), 202);
    assert!(out.payload().is_none_or(|p| p.as_ref().is_empty()));
    use aws_sdk_lambda::operation::RequestId;
    out.request_id().expect("request id").to_owned()
}

async fn configure(
    sb: &TestSandbox,
    function: &str,
    retries: Option<i32>,
    max_age: Option<i32>,
    on_success: Option<&str>,
    on_failure: Option<&str>,
) {
    let mut dc = DestinationConfig::builder();
    if let Some(d) = on_success {
        dc = dc.on_success(OnSuccess::builder().destination(d).build());
    }
    if let Some(d) = on_failure {
        dc = dc.on_failure(OnFailure::builder().destination(d).build());
    }
    sb.lambda()
        .put_function_event_invoke_config()
        .function_name(function)
        .set_maximum_retry_attempts(retries)
        .set_maximum_event_age_in_seconds(max_age)
        .destination_config(dc.build())
        .send()
        .await
        .expect("event invoke config saved");
}

fn body_json(m: &aws_sdk_sqs::types::Message) -> Value {
    serde_json::from_str(m.body().unwrap()).unwrap()
}

#[tokio::test]
async fn event_answers_202_and_runs_with_success_record_on_queue() {
    let sb = TestSandbox::start().await;
    python(&sb, "worker", HANDLER).await;
    let (url, arn) = queue(&sb, "success-q").await;
    configure(&sb, "worker", None, None, Some(&arn), None).await;

    let id = invoke_event(&sb, "worker", r#"{"n": 7}"#).await;
    let m = receive(&sb, &url).await;
    let r = body_json(&m);
    assert_eq!(r["version"], "1.0");
    let ts = r["timestamp"].as_str().unwrap();
    assert!(
        ts.len() == 24 && ts.ends_with('Z') && ts.as_bytes()[10] == b'T',
        "{ts}"
    );
    assert_eq!(r["requestContext"]["requestId"], id.as_str());
    assert_eq!(
        r["requestContext"]["functionArn"],
        "arn:aws:lambda:us-east-1:000000000000:function:worker:$LATEST"
    );
    assert_eq!(r["requestContext"]["condition"], "Success");
    assert_eq!(r["requestContext"]["approximateInvokeCount"], 1);
    assert_eq!(r["requestPayload"], serde_json::json!({"n": 7}));
    assert_eq!(
        r["responseContext"],
        serde_json::json!({"statusCode": 200, "executedVersion": "$LATEST"})
    );
    assert_eq!(
        r["responsePayload"],
        serde_json::json!({"ok": true, "n": 7})
    );
    let keys: Vec<&String> = r.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 6, "{keys:?}");
    // The attempt ran under the request id Invoke answered.
    assert_eq!(
        log_lines(&sb, "worker", &format!("attempt {id}"))
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn failures_are_retried_after_one_then_two_minutes() {
    let sb = TestSandbox::start().await;
    python(&sb, "flaky", HANDLER).await;
    let (url, arn) = queue(&sb, "failure-q").await;
    configure(&sb, "flaky", None, None, None, Some(&arn)).await;

    let id = invoke_event(&sb, "flaky", r#"{"fail": true, "n": 1}"#).await;
    wait_for_runs(&sb, "flaky", 1).await;
    sb.clock().advance(Duration::from_secs(59));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(runs(&sb, "flaky").await, 1, "no retry before a minute");
    sb.clock().advance(Duration::from_secs(1));
    wait_for_runs(&sb, "flaky", 2).await;

    sb.clock().advance(Duration::from_secs(119));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        runs(&sb, "flaky").await,
        2,
        "no second retry before two more minutes"
    );
    assert_empty(&sb, &url).await;
    sb.clock().advance(Duration::from_secs(1));
    wait_for_runs(&sb, "flaky", 3).await;

    let r = body_json(&receive(&sb, &url).await);
    assert_eq!(r["requestContext"]["requestId"], id.as_str());
    assert_eq!(r["requestContext"]["condition"], "RetriesExhausted");
    assert_eq!(r["requestContext"]["approximateInvokeCount"], 3);
    assert_eq!(
        r["requestPayload"],
        serde_json::json!({"fail": true, "n": 1})
    );
    assert_eq!(
        r["responseContext"],
        serde_json::json!({"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"})
    );
    assert_eq!(r["responsePayload"]["errorMessage"], "boom 1");
    assert_eq!(r["responsePayload"]["errorType"], "Exception");

    // Nothing more happens afterwards.
    sb.clock().advance(Duration::from_secs(600));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(runs(&sb, "flaky").await, 3);
}

#[tokio::test]
async fn zero_retry_attempts_fail_after_one_run() {
    let sb = TestSandbox::start().await;
    python(&sb, "once", HANDLER).await;
    let (url, arn) = queue(&sb, "once-q").await;
    configure(&sb, "once", Some(0), None, None, Some(&arn)).await;
    invoke_event(&sb, "once", r#"{"fail": true, "n": 2}"#).await;
    let r = body_json(&receive(&sb, &url).await);
    assert_eq!(r["requestContext"]["condition"], "RetriesExhausted");
    assert_eq!(r["requestContext"]["approximateInvokeCount"], 1);
    assert_eq!(r["responsePayload"]["errorMessage"], "boom 2");
    assert_eq!(runs(&sb, "once").await, 1);
}

#[tokio::test]
async fn events_older_than_the_maximum_age_are_discarded() {
    let sb = TestSandbox::start().await;
    python(&sb, "aging", HANDLER).await;
    let (url, arn) = queue(&sb, "aging-q").await;
    configure(&sb, "aging", None, Some(100), None, Some(&arn)).await;
    invoke_event(&sb, "aging", r#"{"fail": true, "n": 3}"#).await;
    wait_for_runs(&sb, "aging", 1).await;
    sb.clock().advance(Duration::from_secs(60));
    wait_for_runs(&sb, "aging", 2).await;
    assert_empty(&sb, &url).await;
    // The second retry would come at 180 s; the event expires at 100 s.
    sb.clock().advance(Duration::from_secs(40));
    let r = body_json(&receive(&sb, &url).await);
    assert_eq!(r["requestContext"]["condition"], "EventAgeExceeded");
    assert_eq!(r["requestContext"]["approximateInvokeCount"], 2);
    assert_eq!(r["responseContext"]["functionError"], "Unhandled");
    assert_eq!(runs(&sb, "aging").await, 2);
}

#[tokio::test]
async fn throttled_events_wait_in_the_queue_until_concurrency_frees() {
    let sb = TestSandbox::start().await;
    python(&sb, "throttled", HANDLER).await;
    let (url, arn) = queue(&sb, "throttled-q").await;
    configure(&sb, "throttled", None, None, Some(&arn), None).await;
    sb.lambda()
        .put_function_concurrency()
        .function_name("throttled")
        .reserved_concurrent_executions(0)
        .send()
        .await
        .unwrap();
    let id = invoke_event(&sb, "throttled", r#"{"n": 4}"#).await;
    for _ in 0..5 {
        sb.clock().advance(Duration::from_secs(1));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(runs(&sb, "throttled").await, 0);
    assert_empty(&sb, &url).await;
    sb.lambda()
        .delete_function_concurrency()
        .function_name("throttled")
        .send()
        .await
        .unwrap();
    // The backoff doubles from one second; within five minutes of clock it runs. Each clock
    // second gets 250 ms of real time: the cold start that follows must finish within the
    // 10-second init limit on this clock, even on a loaded machine.
    let mut got = None;
    for _ in 0..300 {
        sb.clock().advance(Duration::from_secs(1));
        tokio::time::sleep(Duration::from_millis(250)).await;
        let out = sb
            .sqs()
            .receive_message()
            .queue_url(&url)
            .send()
            .await
            .unwrap();
        if let Some(m) = out.messages.and_then(|mut v| v.pop()) {
            got = Some(m);
            break;
        }
    }
    let r = body_json(&got.expect("the throttled event ran"));
    assert_eq!(r["requestContext"]["requestId"], id.as_str());
    assert_eq!(r["requestContext"]["condition"], "Success");
    assert_eq!(
        r["requestContext"]["approximateInvokeCount"], 1,
        "throttles are not attempts"
    );
}

#[tokio::test]
async fn throttled_events_expire_with_event_age_exceeded() {
    let sb = TestSandbox::start().await;
    python(&sb, "never", HANDLER).await;
    let (url, arn) = queue(&sb, "never-q").await;
    configure(&sb, "never", None, Some(60), None, Some(&arn)).await;
    sb.lambda()
        .put_function_concurrency()
        .function_name("never")
        .reserved_concurrent_executions(0)
        .send()
        .await
        .unwrap();
    invoke_event(&sb, "never", r#"{"n": 5}"#).await;
    for _ in 0..61 {
        sb.clock().advance(Duration::from_secs(1));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let r = body_json(&receive(&sb, &url).await);
    assert_eq!(r["requestContext"]["condition"], "EventAgeExceeded");
    assert_eq!(r["requestContext"]["approximateInvokeCount"], 0);
    assert!(r.get("responseContext").is_none(), "{r}");
    assert_eq!(runs(&sb, "never").await, 0);
}

#[tokio::test]
async fn destinations_can_be_functions() {
    let sb = TestSandbox::start().await;
    python(&sb, "source", HANDLER).await;
    python(&sb, "on-ok", PRINTER).await;
    python(&sb, "on-fail", PRINTER).await;
    configure(
        &sb,
        "source",
        Some(0),
        None,
        Some(&function_arn("000000000000", "on-ok")),
        Some(&function_arn("000000000000", "on-fail")),
    )
    .await;
    let ok_id = invoke_event(&sb, "source", r#"{"n": 8}"#).await;
    let fail_id = invoke_event(&sb, "source", r#"{"fail": true, "n": 9}"#).await;
    wait_for_runs(&sb, "on-ok", 1).await;
    wait_for_runs(&sb, "on-fail", 1).await;
    let ok = log_lines(&sb, "on-ok", "RECORD ").await;
    let rec: Value = serde_json::from_str(ok[0].trim().strip_prefix("RECORD ").unwrap()).unwrap();
    assert_eq!(rec["requestContext"]["requestId"], ok_id.as_str());
    assert_eq!(rec["requestContext"]["condition"], "Success");
    assert_eq!(rec["responsePayload"]["n"], 8);
    let failed = log_lines(&sb, "on-fail", "RECORD ").await;
    let rec: Value =
        serde_json::from_str(failed[0].trim().strip_prefix("RECORD ").unwrap()).unwrap();
    assert_eq!(rec["requestContext"]["requestId"], fail_id.as_str());
    assert_eq!(rec["requestContext"]["condition"], "RetriesExhausted");
    assert_eq!(rec["responseContext"]["functionError"], "Unhandled");
    assert_eq!(rec["requestPayload"]["n"], 9);
}

#[tokio::test]
async fn dead_letter_queue_gets_the_failed_event() {
    let sb = TestSandbox::start().await;
    let (url, arn) = queue(&sb, "dlq").await;
    python(&sb, "dlq-fn", HANDLER).await;
    sb.lambda()
        .update_function_configuration()
        .function_name("dlq-fn")
        .dead_letter_config(DeadLetterConfig::builder().target_arn(&arn).build())
        .send()
        .await
        .unwrap();
    configure(&sb, "dlq-fn", Some(0), None, None, None).await;
    let id = invoke_event(&sb, "dlq-fn", r#"{"fail": true, "n": 10}"#).await;
    let m = receive(&sb, &url).await;
    assert_eq!(
        m.body(),
        Some(r#"{"fail": true, "n": 10}"#),
        "the original event"
    );
    let attrs = m.message_attributes().expect("attributes");
    assert_eq!(attrs["RequestID"].string_value(), Some(id.as_str()));
    assert_eq!(attrs["RequestID"].data_type(), "String");
    assert_eq!(attrs["ErrorCode"].data_type(), "Number");
    assert_eq!(attrs["ErrorCode"].string_value(), Some("200"));
    assert_eq!(attrs["ErrorMessage"].string_value(), Some("boom 10"));

    // An OnFailure destination takes precedence over the dead-letter queue.
    let (url2, arn2) = queue(&sb, "on-failure").await;
    configure(&sb, "dlq-fn", Some(0), None, None, Some(&arn2)).await;
    invoke_event(&sb, "dlq-fn", r#"{"fail": true, "n": 11}"#).await;
    let r = body_json(&receive(&sb, &url2).await);
    assert_eq!(r["requestContext"]["condition"], "RetriesExhausted");
    assert_empty(&sb, &url).await;
}

#[tokio::test]
async fn pending_events_survive_a_restart() {
    let mut sb = TestSandbox::start().await;
    python(&sb, "durable", HANDLER).await;
    let (url, arn) = queue(&sb, "durable-q").await;
    configure(&sb, "durable", None, None, Some(&arn), Some(&arn)).await;
    // A failing event waiting for its retry, and one held back by concurrency 0.
    let failing = invoke_event(&sb, "durable", r#"{"fail": true, "n": 12}"#).await;
    wait_for_runs(&sb, "durable", 1).await;
    sb.lambda()
        .put_function_concurrency()
        .function_name("durable")
        .reserved_concurrent_executions(0)
        .send()
        .await
        .unwrap();
    let held = invoke_event(&sb, "durable", r#"{"n": 13}"#).await;

    sb.restart().await;
    sb.lambda()
        .delete_function_concurrency()
        .function_name("durable")
        .send()
        .await
        .unwrap();
    let mut seen = std::collections::BTreeMap::new();
    for _ in 0..400 {
        sb.clock().advance(Duration::from_secs(1));
        // Until the held event has run, each clock second gets 250 ms of real time, so its
        // cold start finishes within the 10-second init limit on this clock even on a
        // loaded machine; the failing event's retries then need only the clock.
        let pause = if seen.contains_key(&held) { 20 } else { 250 };
        tokio::time::sleep(Duration::from_millis(pause)).await;
        let out = sb
            .sqs()
            .receive_message()
            .queue_url(&url)
            .send()
            .await
            .unwrap();
        for m in out.messages() {
            let r = body_json(m);
            seen.insert(
                r["requestContext"]["requestId"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                r["requestContext"]["condition"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        if seen.len() == 2 {
            break;
        }
    }
    assert_eq!(
        seen.get(&held).map(String::as_str),
        Some("Success"),
        "{seen:?}"
    );
    assert_eq!(
        seen.get(&failing).map(String::as_str),
        Some("RetriesExhausted"),
        "{seen:?}"
    );
}

#[tokio::test]
async fn event_invoke_validates_the_payload() {
    let sb = TestSandbox::start().await;
    python(&sb, "strict-payload", HANDLER).await;
    let r = sb
        .lambda()
        .invoke()
        .function_name("strict-payload")
        .invocation_type(InvocationType::Event)
        .payload(Blob::new(b"not json".to_vec()))
        .send()
        .await;
    let (code, _, status) = super::err(r);
    assert_eq!(
        (code.as_str(), status),
        ("InvalidRequestContentException", 400)
    );
    let big = format!("{{\"a\": \"{}\"}}", "x".repeat(1024 * 1024));
    let r = sb
        .lambda()
        .invoke()
        .function_name("strict-payload")
        .invocation_type(InvocationType::Event)
        .payload(Blob::new(big.into_bytes()))
        .send()
        .await;
    let (code, _, status) = super::err(r);
    assert_eq!((code.as_str(), status), ("RequestTooLargeException", 413));
    let r = sb
        .lambda()
        .invoke()
        .function_name("missing")
        .invocation_type(InvocationType::Event)
        .send()
        .await;
    let (code, _, status) = super::err(r);
    assert_eq!((code.as_str(), status), ("ResourceNotFoundException", 404));
}

#[tokio::test]
async fn s3_notifications_need_the_function_policy_under_strict_auth() {
    use aws_sdk_s3::types::{Event, LambdaFunctionConfiguration, NotificationConfiguration};
    let account = "111122223333";
    let sb = TestSandbox::builder()
        .strict_auth(vec![("AKIDASYNC", "async-secret", account)])
        .start()
        .await;
    python(&sb, "on-upload", HANDLER).await;
    let (url, qarn) = queue(&sb, "uploads").await;
    configure(&sb, "on-upload", None, None, Some(&qarn), None).await;
    sb.s3()
        .create_bucket()
        .bucket("photos")
        .send()
        .await
        .unwrap();
    let fn_arn = function_arn(account, "on-upload");
    let cfg = NotificationConfiguration::builder()
        .lambda_function_configurations(
            LambdaFunctionConfiguration::builder()
                .lambda_function_arn(&fn_arn)
                .events(Event::S3ObjectCreated)
                .build()
                .unwrap(),
        )
        .build();
    let put = || async {
        sb.s3()
            .put_bucket_notification_configuration()
            .bucket("photos")
            .notification_configuration(cfg.clone())
            .send()
            .await
    };
    let e = put().await.expect_err("no permission for S3 yet");
    let e = e.into_service_error();
    assert_eq!(e.meta().code(), Some("InvalidArgument"), "{e:?}");
    assert_eq!(
        e.meta().message(),
        Some("Unable to validate the following destination configurations")
    );

    // A permission for another bucket does not help.
    sb.lambda()
        .add_permission()
        .function_name("on-upload")
        .statement_id("other-bucket")
        .action("lambda:InvokeFunction")
        .principal("s3.amazonaws.com")
        .source_arn("arn:aws:s3:::other")
        .send()
        .await
        .unwrap();
    assert!(put().await.is_err());

    sb.lambda()
        .add_permission()
        .function_name("on-upload")
        .statement_id("photos")
        .action("lambda:InvokeFunction")
        .principal("s3.amazonaws.com")
        .source_arn("arn:aws:s3:::photos")
        .source_account(account)
        .send()
        .await
        .unwrap();
    put()
        .await
        .expect("configuration accepted once the policy allows S3");

    sb.s3()
        .put_object()
        .bucket("photos")
        .key("cat.jpg")
        .body(aws_sdk_s3::primitives::ByteStream::from_static(b"meow"))
        .send()
        .await
        .unwrap();
    let r = body_json(&receive(&sb, &url).await);
    assert_eq!(r["requestContext"]["condition"], "Success");
    assert_eq!(
        r["requestContext"]["functionArn"],
        format!("{fn_arn}:$LATEST").as_str()
    );
    assert_eq!(
        r["requestPayload"]["Records"][0]["s3"]["object"]["key"],
        "cat.jpg"
    );
    assert_eq!(r["requestPayload"]["Records"][0]["eventSource"], "aws:s3");

    // Removing the permission refuses later deliveries.
    sb.lambda()
        .remove_permission()
        .function_name("on-upload")
        .statement_id("photos")
        .send()
        .await
        .unwrap();
    sb.s3()
        .put_object()
        .bucket("photos")
        .key("dog.jpg")
        .body(aws_sdk_s3::primitives::ByteStream::from_static(b"woof"))
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(
        runs(&sb, "on-upload").await,
        1,
        "the second upload was refused"
    );
}

#[tokio::test]
async fn many_events_each_run_once_in_memory_too() {
    let sb = TestSandbox::builder().in_memory().start().await;
    python(&sb, "burst", HANDLER).await;
    let (url, arn) = queue(&sb, "burst-q").await;
    configure(&sb, "burst", None, None, Some(&arn), None).await;
    let mut ids = std::collections::BTreeSet::new();
    for n in 0..20 {
        ids.insert(invoke_event(&sb, "burst", &format!(r#"{{"n": {n}}}"#)).await);
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut ns = std::collections::BTreeSet::new();
    for _ in 0..600 {
        let out = sb
            .sqs()
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        for m in out.messages() {
            let r = body_json(m);
            assert!(
                seen.insert(
                    r["requestContext"]["requestId"]
                        .as_str()
                        .unwrap()
                        .to_owned()
                ),
                "a record twice: {r}"
            );
            ns.insert(r["responsePayload"]["n"].as_i64().unwrap());
        }
        if seen.len() == 20 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen, ids);
    assert_eq!(ns, (0..20).collect());
    assert_eq!(runs(&sb, "burst").await, 20);
}
