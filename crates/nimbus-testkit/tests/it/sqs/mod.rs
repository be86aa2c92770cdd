//! SQS tests, one module per group of operations.

mod access;
mod batches;
mod cli;
mod dead_letter;
mod durability;
mod fifo;
mod long_poll;
mod messages;
mod move_tasks;
mod query_protocol;
mod queues;
mod s3_notifications;
mod visibility;

use std::time::Duration;

use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use nimbus_testkit::TestSandbox;

/// Creates a queue with default attributes; returns its URL.
pub async fn queue(sb: &TestSandbox, name: &str) -> String {
    sb.sqs()
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .expect("queue created")
        .queue_url
        .expect("queue url")
}

/// The error code (as the SDK reads it: the legacy awsQuery code) and HTTP status of a call
/// that must fail.
pub fn err<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
    r: Result<T, SdkError<E, R>>,
) -> (String, String) {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => (
            e.code().unwrap_or("<no code>").to_owned(),
            e.message().unwrap_or("").to_owned(),
        ),
    }
}

/// The error code of a call that must fail.
pub fn code<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
    r: Result<T, SdkError<E, R>>,
) -> String {
    err(r).0
}

/// The value of one queue attribute.
pub async fn attribute(sb: &TestSandbox, url: &str, name: &str) -> Option<String> {
    let name = aws_sdk_sqs::types::QueueAttributeName::from(name);
    sb.sqs()
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(name.clone())
        .send()
        .await
        .expect("attributes")
        .attributes
        .and_then(|m| m.get(&name).cloned())
}

/// (visible, not visible, delayed) message counts of a queue.
pub async fn counts(sb: &TestSandbox, url: &str) -> (u64, u64, u64) {
    let n = |s: Option<String>| s.and_then(|s| s.parse().ok()).unwrap_or(u64::MAX);
    (
        n(attribute(sb, url, "ApproximateNumberOfMessages").await),
        n(attribute(sb, url, "ApproximateNumberOfMessagesNotVisible").await),
        n(attribute(sb, url, "ApproximateNumberOfMessagesDelayed").await),
    )
}

/// Receives up to `max` messages at once (no wait).
pub async fn receive(sb: &TestSandbox, url: &str, max: i32) -> Vec<aws_sdk_sqs::types::Message> {
    sb.sqs()
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(max)
        .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
        .message_attribute_names("All")
        .send()
        .await
        .expect("receive")
        .messages
        .unwrap_or_default()
}

/// Sends one message; returns its id.
pub async fn send(sb: &TestSandbox, url: &str, body: &str) -> String {
    sb.sqs()
        .send_message()
        .queue_url(url)
        .message_body(body)
        .send()
        .await
        .expect("send")
        .message_id
        .expect("message id")
}

/// Waits (bounded, in real time) until more than `base` sleepers wait on the sandbox clock,
/// i.e. a long poll has started waiting.
pub async fn wait_for_sleepers(sb: &TestSandbox, base: usize) {
    for _ in 0..2_000 {
        if sb.clock().sleepers() > base {
            return;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    panic!("no long poll started waiting");
}

/// A form-encoded awsQuery request to `path`; returns (status, body).
pub async fn query(sb: &TestSandbox, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let body: String = form
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    let r = sb
        .raw(
            "POST",
            path,
            &[("content-type", "application/x-www-form-urlencoded")],
            body,
        )
        .await;
    (r.status, r.body)
}

/// An awsJson 1.0 request; returns (status, x-amzn-query-error header, body).
pub async fn json(sb: &TestSandbox, op: &str, body: &str) -> (u16, String, String) {
    let target = format!("AmazonSQS.{op}");
    let r = sb
        .raw(
            "POST",
            "/",
            &[
                ("content-type", "application/x-amz-json-1.0"),
                ("x-amz-target", &target),
            ],
            body.to_owned(),
        )
        .await;
    let q = r
        .headers
        .get("x-amzn-query-error")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (r.status, q, r.body)
}

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The text of the first `<tag>` element of an XML document.
pub fn xml_text<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&close)? + start;
    Some(&xml[start..end])
}
