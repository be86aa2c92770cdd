//! The common path end to end with the AWS CLI and boto3 (both check MD5s of bodies and
//! attributes): create, send, receive, delete, purge, attributes.

use std::process::Command;

use nimbus_testkit::TestSandbox;

/// Runs a program with credentials and region for the sandbox; returns (success, stdout,
/// stderr).
async fn run(program: &str, args: Vec<String>) -> (bool, String, String) {
    let program = program.to_owned();
    tokio::task::spawn_blocking(move || {
        let out = Command::new(&program)
            .args(&args)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env_remove("AWS_PROFILE")
            .output()
            .unwrap_or_else(|e| panic!("{program} runs: {e}"));
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

async fn aws(sb: &TestSandbox, args: &[&str]) -> serde_json::Value {
    let mut all = vec![
        "--endpoint-url".to_owned(),
        sb.endpoint(),
        "--output".to_owned(),
        "json".to_owned(),
        "sqs".to_owned(),
    ];
    all.extend(args.iter().map(|s| (*s).to_owned()));
    let (ok, out, err) = run("aws", all).await;
    assert!(ok, "aws sqs {args:?} failed: {err}");
    if out.trim().is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
    }
}

#[tokio::test]
async fn aws_cli_common_path() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let created = aws(
        &sb,
        &[
            "create-queue",
            "--queue-name",
            "cli",
            "--attributes",
            "VisibilityTimeout=45",
        ],
    )
    .await;
    let url = created["QueueUrl"].as_str().unwrap().to_owned();
    assert!(url.ends_with("/000000000000/cli"));
    let sent = aws(
        &sb,
        &[
            "send-message",
            "--queue-url",
            &url,
            "--message-body",
            "hello from the cli",
            "--message-attributes",
            r#"{"kind":{"DataType":"String","StringValue":"greeting"}}"#,
        ],
    )
    .await;
    assert!(sent["MessageId"].is_string());
    let got = aws(
        &sb,
        &[
            "receive-message",
            "--queue-url",
            &url,
            "--attribute-names",
            "All",
            "--message-attribute-names",
            "All",
        ],
    )
    .await;
    let m = &got["Messages"][0];
    assert_eq!(m["Body"], "hello from the cli");
    assert_eq!(m["MessageAttributes"]["kind"]["StringValue"], "greeting");
    assert_eq!(m["Attributes"]["ApproximateReceiveCount"], "1");
    let handle = m["ReceiptHandle"].as_str().unwrap().to_owned();
    aws(
        &sb,
        &[
            "delete-message",
            "--queue-url",
            &url,
            "--receipt-handle",
            &handle,
        ],
    )
    .await;
    let attrs = aws(
        &sb,
        &[
            "get-queue-attributes",
            "--queue-url",
            &url,
            "--attribute-names",
            "All",
        ],
    )
    .await;
    assert_eq!(attrs["Attributes"]["VisibilityTimeout"], "45");
    assert_eq!(attrs["Attributes"]["ApproximateNumberOfMessages"], "0");
    aws(
        &sb,
        &["send-message", "--queue-url", &url, "--message-body", "x"],
    )
    .await;
    aws(&sb, &["purge-queue", "--queue-url", &url]).await;
    let listed = aws(&sb, &["list-queues"]).await;
    assert_eq!(listed["QueueUrls"][0], url.as_str());
    aws(&sb, &["delete-queue", "--queue-url", &url]).await;
}

const BOTO3_SCRIPT: &str = r#"
import sys, boto3
endpoint = sys.argv[1]
sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="test", aws_secret_access_key="test")
url = sqs.create_queue(QueueName="boto", Attributes={"DelaySeconds": "0"}, tags={"a": "b"})["QueueUrl"]
# botocore verifies MD5OfMessageBody and MD5OfMessageAttributes of sends and receives.
sqs.send_message(QueueUrl=url, MessageBody="héllo <world> & 😀",
                 MessageAttributes={
                     "s": {"DataType": "String", "StringValue": "v"},
                     "n": {"DataType": "Number.int", "StringValue": "42"},
                     "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
                 })
batch = sqs.send_message_batch(QueueUrl=url, Entries=[
    {"Id": "one", "MessageBody": "1", "MessageAttributes": {"k": {"DataType": "String", "StringValue": "x"}}},
    {"Id": "two", "MessageBody": "2"},
])
assert len(batch["Successful"]) == 2, batch
seen = {}
while len(seen) < 3:
    r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                            AttributeNames=["All"])
    for m in r.get("Messages", []):
        seen[m["Body"]] = m
assert seen["héllo <world> & 😀"]["MessageAttributes"]["b"]["BinaryValue"] == b"\x00\x01\xff"
sqs.delete_message_batch(QueueUrl=url, Entries=[
    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(seen.values())])
attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
assert attrs["ApproximateNumberOfMessages"] == "0", attrs
assert attrs["ApproximateNumberOfMessagesNotVisible"] == "0", attrs
sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "99"})
assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"]["VisibilityTimeout"] == "99"
assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"a": "b"}
sqs.send_message(QueueUrl=url, MessageBody="gone soon")
sqs.purge_queue(QueueUrl=url)
try:
    sqs.purge_queue(QueueUrl=url)
    raise SystemExit("second purge accepted")
except sqs.exceptions.PurgeQueueInProgress:
    pass
try:
    sqs.get_queue_url(QueueName="missing")
    raise SystemExit("missing queue found")
except sqs.exceptions.QueueDoesNotExist:
    pass
sqs.delete_queue(QueueUrl=url)
print("OK")
"#;

#[tokio::test]
async fn boto3_common_path() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let (ok, out, err) = run(
        "python3",
        vec!["-c".into(), BOTO3_SCRIPT.into(), sb.endpoint()],
    )
    .await;
    assert!(
        ok && out.trim() == "OK",
        "boto3 script failed:\n{out}\n{err}"
    );
}
