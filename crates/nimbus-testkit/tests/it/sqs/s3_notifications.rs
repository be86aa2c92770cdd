//! S3 event notifications into queues under the queue's policy: with `--auth strict` the
//! policy must allow `s3.amazonaws.com` (checked when the configuration is stored, and
//! again at each delivery); across accounts it must in every mode.

use std::time::Duration;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Event, NotificationConfiguration, QueueConfiguration};
use aws_sdk_sqs::types::QueueAttributeName;
use nimbus_testkit::TestSandbox;

use crate::s3::notifications::receive;

const ONE: &str = "111111111111";
const TWO: &str = "222222222222";

fn to_queue(arn: &str) -> NotificationConfiguration {
    NotificationConfiguration::builder()
        .queue_configurations(
            QueueConfiguration::builder()
                .queue_arn(arn)
                .events(Event::S3ObjectCreated)
                .build()
                .unwrap(),
        )
        .build()
}

/// A queue policy letting S3 send for `bucket` of `account`.
fn s3_may_send(queue_arn: &str, bucket: &str, account: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"s3","Effect":"Allow",
           "Principal":{{"Service":"s3.amazonaws.com"}},"Action":"sqs:SendMessage","Resource":"{queue_arn}",
           "Condition":{{"ArnLike":{{"aws:SourceArn":"arn:aws:s3:::{bucket}"}},
                         "StringEquals":{{"aws:SourceAccount":"{account}"}}}}}}]}}"#
    )
}

async fn queue(sqs: &aws_sdk_sqs::Client, name: &str) -> (String, String) {
    let url = sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap();
    let arn = attrs.attributes().unwrap()[&QueueAttributeName::QueueArn].clone();
    (url, arn)
}

async fn set_policy(sqs: &aws_sdk_sqs::Client, url: &str, policy: &str) {
    sqs.set_queue_attributes()
        .queue_url(url)
        .attributes(QueueAttributeName::Policy, policy)
        .send()
        .await
        .unwrap();
}

async fn configure(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    arn: &str,
) -> Result<(), (String, String)> {
    s3.put_bucket_notification_configuration()
        .bucket(bucket)
        .notification_configuration(to_queue(arn))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            let e = e.into_service_error();
            (
                e.meta().code().unwrap_or("").to_owned(),
                e.meta().message().unwrap_or("").to_owned(),
            )
        })
}

async fn upload(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) {
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from_static(b"data"))
        .send()
        .await
        .unwrap();
}

fn refused() -> Result<(), (String, String)> {
    Err((
        "InvalidArgument".into(),
        "Unable to validate the following destination configurations".into(),
    ))
}

#[tokio::test]
async fn strict_notifications_need_the_queue_policy() {
    let sb = TestSandbox::builder()
        .strict_auth(vec![("AK1", "SECRET", ONE), ("AK2", "SECRET", TWO)])
        .start()
        .await;
    let (s3, sqs) = (sb.s3_as("AK1"), sb.sqs_as("AK1"));
    s3.create_bucket().bucket("uploads").send().await.unwrap();
    let (url, arn) = queue(&sqs, "events").await;

    // No policy: refused at configuration, even in the bucket owner's own account.
    assert_eq!(configure(&s3, "uploads", &arn).await, refused());
    // A policy for another bucket does not do.
    set_policy(&sqs, &url, &s3_may_send(&arn, "elsewhere", ONE)).await;
    assert_eq!(configure(&s3, "uploads", &arn).await, refused());
    // Nor one for another source account.
    set_policy(&sqs, &url, &s3_may_send(&arn, "uploads", TWO)).await;
    assert_eq!(configure(&s3, "uploads", &arn).await, refused());

    set_policy(&sqs, &url, &s3_may_send(&arn, "uploads", ONE)).await;
    configure(&s3, "uploads", &arn)
        .await
        .expect("allowed by the policy");
    let test_event = receive(&sb, &url).await;
    assert_eq!(test_event["Event"], "s3:TestEvent");
    upload(&s3, "uploads", "a.txt").await;
    let event = receive(&sb, &url).await;
    assert_eq!(event["Records"][0]["s3"]["object"]["key"], "a.txt");
    assert_eq!(
        event["Records"][0]["s3"]["bucket"]["arn"],
        "arn:aws:s3:::uploads"
    );

    // The policy removed: later events are refused at delivery and dropped.
    set_policy(&sqs, &url, "").await;
    upload(&s3, "uploads", "b.txt").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    sb.clock().advance(Duration::from_secs(600));
    tokio::time::sleep(Duration::from_millis(500)).await;
    // (No long poll: its wait follows the sandbox's manual clock.)
    let got = sqs.receive_message().queue_url(&url).send().await.unwrap();
    assert!(got.messages().is_empty(), "{:?}", got.messages());
}

#[tokio::test]
async fn cross_account_notifications_need_the_policy_with_auth_off() {
    let sb = TestSandbox::start().await;
    let (s3_two, sqs_one) = (sb.s3_as(TWO), sb.sqs_as(ONE));
    s3_two
        .create_bucket()
        .bucket("theirs")
        .send()
        .await
        .unwrap();
    let (url, arn) = queue(&sqs_one, "inbox").await;
    assert_eq!(configure(&s3_two, "theirs", &arn).await, refused());

    set_policy(&sqs_one, &url, &s3_may_send(&arn, "theirs", TWO)).await;
    configure(&s3_two, "theirs", &arn)
        .await
        .expect("granted by the queue's policy");
    let read = |sb: &TestSandbox| {
        let sqs = sb.sqs_as(ONE);
        let url = url.clone();
        async move {
            let out = tokio::time::timeout(
                Duration::from_secs(10),
                sqs.receive_message()
                    .queue_url(&url)
                    .wait_time_seconds(20)
                    .send(),
            )
            .await
            .expect("a notification arrives")
            .unwrap();
            let m = out.messages().first().expect("a message").clone();
            sqs.delete_message()
                .queue_url(&url)
                .receipt_handle(m.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
            serde_json::from_str::<serde_json::Value>(m.body().unwrap()).unwrap()
        }
    };
    assert_eq!(read(&sb).await["Event"], "s3:TestEvent");
    upload(&s3_two, "theirs", "x").await;
    let event = read(&sb).await;
    assert_eq!(event["Records"][0]["s3"]["object"]["key"], "x");
    assert_eq!(
        event["Records"][0]["s3"]["bucket"]["ownerIdentity"]["principalId"],
        TWO
    );

    // The bucket owner's own queue needs no policy without --auth strict.
    let sqs_two = sb.sqs_as(TWO);
    let (_, own) = queue(&sqs_two, "own").await;
    configure(&s3_two, "theirs", &own)
        .await
        .expect("same account, auth off: no policy needed");
}
