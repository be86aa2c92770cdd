//! Event notifications to SQS: configuration, validation, the test event, the exact event
//! JSON, filters, retries.

use std::time::Duration;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    Event, FilterRule, FilterRuleName, NotificationConfiguration, NotificationConfigurationFilter,
    QueueConfiguration, S3KeyFilter,
};
use aws_sdk_sqs::types::QueueAttributeName;
use nimbus_testkit::TestSandbox;
use serde_json::Value;

use super::{bucket, err, put};

/// Creates queue `name`; returns its URL and ARN.
pub(crate) async fn queue_arn(sb: &TestSandbox, name: &str) -> (String, String) {
    let url = sb
        .sqs()
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let attrs = sb
        .sqs()
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap();
    let arn = attrs.attributes().unwrap()[&QueueAttributeName::QueueArn].clone();
    (url, arn)
}

/// Receives one message body (long poll, bounded in real time).
pub(crate) async fn receive(sb: &TestSandbox, url: &str) -> Value {
    let fut = async {
        loop {
            let out = sb
                .sqs()
                .receive_message()
                .queue_url(url)
                .wait_time_seconds(20)
                .send()
                .await
                .unwrap();
            if let Some(m) = out.messages().first() {
                sb.sqs()
                    .delete_message()
                    .queue_url(url)
                    .receipt_handle(m.receipt_handle().unwrap())
                    .send()
                    .await
                    .unwrap();
                return serde_json::from_str(m.body().unwrap()).unwrap();
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), fut)
        .await
        .expect("a notification arrives")
}

fn config(
    arn: &str,
    events: &[Event],
    prefix: Option<&str>,
    suffix: Option<&str>,
) -> NotificationConfiguration {
    let mut rules = Vec::new();
    if let Some(p) = prefix {
        rules.push(
            FilterRule::builder()
                .name(FilterRuleName::Prefix)
                .value(p)
                .build(),
        );
    }
    if let Some(s) = suffix {
        rules.push(
            FilterRule::builder()
                .name(FilterRuleName::Suffix)
                .value(s)
                .build(),
        );
    }
    let mut q = QueueConfiguration::builder()
        .id("to-queue")
        .queue_arn(arn)
        .set_events(Some(events.to_vec()));
    if !rules.is_empty() {
        q = q.filter(
            NotificationConfigurationFilter::builder()
                .key(S3KeyFilter::builder().set_filter_rules(Some(rules)).build())
                .build(),
        );
    }
    NotificationConfiguration::builder()
        .queue_configurations(q.build().unwrap())
        .build()
}

#[tokio::test]
async fn object_created_event_has_the_exact_shape() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "events").await;
    let (url, arn) = queue_arn(&sb, "s3-events").await;
    sb.s3()
        .put_bucket_notification_configuration()
        .bucket("events")
        .notification_configuration(config(
            &arn,
            &[Event::S3ObjectCreated],
            Some("images/"),
            Some(".jpg"),
        ))
        .send()
        .await
        .unwrap();
    let test = receive(&sb, &url).await;
    assert_eq!(test["Service"], "Amazon S3");
    assert_eq!(test["Event"], "s3:TestEvent");
    assert_eq!(test["Bucket"], "events");
    assert!(test["Time"].as_str().unwrap().ends_with('Z'));
    assert!(test["RequestId"].is_string() && test["HostId"].is_string());

    let got = sb
        .s3()
        .get_bucket_notification_configuration()
        .bucket("events")
        .send()
        .await
        .unwrap();
    let q = &got.queue_configurations()[0];
    assert_eq!(q.queue_arn(), arn);
    assert_eq!(q.id(), Some("to-queue"));
    assert_eq!(q.events(), [Event::S3ObjectCreated]);

    // Not matching the filter: no event (the next message is the matching one's).
    put(&sb, "events", "images/skip.png", b"x").await;
    put(&sb, "events", "other/skip.jpg", b"x").await;
    let etag = put(&sb, "events", "images/red flower.jpg", b"abc").await;
    let v = receive(&sb, &url).await;
    let records = v["Records"].as_array().unwrap();
    assert_eq!(records.len(), 1);
    let r = &records[0];
    let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "awsRegion",
            "eventName",
            "eventSource",
            "eventTime",
            "eventVersion",
            "requestParameters",
            "responseElements",
            "s3",
            "userIdentity"
        ]
    );
    assert_eq!(r["eventVersion"], "2.1");
    assert_eq!(r["eventSource"], "aws:s3");
    assert_eq!(r["awsRegion"], "us-east-1");
    assert_eq!(r["eventName"], "ObjectCreated:Put");
    let time = r["eventTime"].as_str().unwrap();
    assert_eq!(time.len(), 24, "{time}");
    assert!(time.ends_with('Z'));
    assert!(r["userIdentity"]["principalId"].is_string());
    assert_eq!(r["requestParameters"]["sourceIPAddress"], "127.0.0.1");
    assert!(r["responseElements"]["x-amz-request-id"].is_string());
    assert!(r["responseElements"]["x-amz-id-2"].is_string());
    let s3 = &r["s3"];
    assert_eq!(s3["s3SchemaVersion"], "1.0");
    assert_eq!(s3["configurationId"], "to-queue");
    assert_eq!(s3["bucket"]["name"], "events");
    assert_eq!(s3["bucket"]["arn"], "arn:aws:s3:::events");
    assert_eq!(s3["bucket"]["ownerIdentity"]["principalId"], "000000000000");
    let o = &s3["object"];
    assert_eq!(o["key"], "images/red+flower.jpg");
    assert_eq!(o["size"], 3);
    assert_eq!(format!("\"{}\"", o["eTag"].as_str().unwrap()), etag);
    assert!(o.get("versionId").is_none());
    let seq1 = o["sequencer"].as_str().unwrap().to_owned();
    put(&sb, "events", "images/red flower.jpg", b"abcd").await;
    let v = receive(&sb, &url).await;
    let seq2 = v["Records"][0]["s3"]["object"]["sequencer"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(seq2 > seq1, "{seq1} {seq2}");
}

#[tokio::test]
async fn removed_copy_and_multipart_events() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "evt").await;
    let (url, arn) = queue_arn(&sb, "q").await;
    let cfg = NotificationConfiguration::builder()
        .queue_configurations(
            QueueConfiguration::builder()
                .queue_arn(&arn)
                .events(Event::S3ObjectCreated)
                .events(Event::S3ObjectRemovedDelete)
                .build()
                .unwrap(),
        )
        .build();
    sb.s3()
        .put_bucket_notification_configuration()
        .bucket("evt")
        .notification_configuration(cfg)
        .send()
        .await
        .unwrap();
    assert_eq!(receive(&sb, &url).await["Event"], "s3:TestEvent");
    put(&sb, "evt", "a", b"1").await;
    assert_eq!(
        receive(&sb, &url).await["Records"][0]["eventName"],
        "ObjectCreated:Put"
    );
    sb.s3()
        .copy_object()
        .bucket("evt")
        .key("b")
        .copy_source("evt/a")
        .send()
        .await
        .unwrap();
    assert_eq!(
        receive(&sb, &url).await["Records"][0]["eventName"],
        "ObjectCreated:Copy"
    );
    let id = sb
        .s3()
        .create_multipart_upload()
        .bucket("evt")
        .key("m")
        .send()
        .await
        .unwrap()
        .upload_id
        .unwrap();
    let e = sb
        .s3()
        .upload_part()
        .bucket("evt")
        .key("m")
        .upload_id(&id)
        .part_number(1)
        .body(ByteStream::from_static(b"p"))
        .send()
        .await
        .unwrap()
        .e_tag
        .unwrap();
    sb.s3()
        .complete_multipart_upload()
        .bucket("evt")
        .key("m")
        .upload_id(&id)
        .multipart_upload(
            aws_sdk_s3::types::CompletedMultipartUpload::builder()
                .parts(
                    aws_sdk_s3::types::CompletedPart::builder()
                        .part_number(1)
                        .e_tag(e)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let v = receive(&sb, &url).await;
    assert_eq!(
        v["Records"][0]["eventName"],
        "ObjectCreated:CompleteMultipartUpload"
    );
    assert!(
        v["Records"][0]["s3"]["object"]["eTag"]
            .as_str()
            .unwrap()
            .ends_with("-1")
    );
    sb.s3()
        .delete_object()
        .bucket("evt")
        .key("a")
        .send()
        .await
        .unwrap();
    let v = receive(&sb, &url).await;
    let r = &v["Records"][0];
    assert_eq!(r["eventName"], "ObjectRemoved:Delete");
    assert!(r["s3"]["object"].get("size").is_none());
    assert!(r["s3"]["object"].get("eTag").is_none());
    // The configuration can be cleared.
    sb.s3()
        .put_bucket_notification_configuration()
        .bucket("evt")
        .notification_configuration(NotificationConfiguration::builder().build())
        .send()
        .await
        .unwrap();
    let got = sb
        .s3()
        .get_bucket_notification_configuration()
        .bucket("evt")
        .send()
        .await
        .unwrap();
    assert!(got.queue_configurations().is_empty());
}

#[tokio::test]
async fn destinations_are_validated_and_failed_deliveries_retried() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "val").await;
    let missing = "arn:aws:sqs:us-east-1:000000000000:later";
    let (code, status) = err(sb
        .s3()
        .put_bucket_notification_configuration()
        .bucket("val")
        .notification_configuration(config(missing, &[Event::S3ObjectCreatedPut], None, None))
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("InvalidArgument", 400));
    let raw = sb
        .raw(
            "PUT",
            "/val?notification",
            &[],
            format!("<NotificationConfiguration><QueueConfiguration><Queue>{missing}</Queue><Event>s3:ObjectCreated:*</Event></QueueConfiguration></NotificationConfiguration>"),
        )
        .await;
    assert!(
        raw.body
            .contains("Unable to validate the following destination configurations"),
        "{}",
        raw.body
    );
    assert!(
        raw.body
            .contains(&format!("<ArgumentName1>{missing}</ArgumentName1>")),
        "{}",
        raw.body
    );
    let (code, _) = err(sb
        .s3()
        .put_bucket_notification_configuration()
        .bucket("val")
        .notification_configuration(config(missing, &[Event::from("s3:Bogus:*")], None, None))
        .skip_destination_validation(true)
        .send()
        .await);
    assert_eq!(code, "InvalidArgument");
    sb.s3()
        .put_bucket_notification_configuration()
        .bucket("val")
        .notification_configuration(config(missing, &[Event::S3ObjectCreatedPut], None, None))
        .skip_destination_validation(true)
        .send()
        .await
        .unwrap();
    // The destination is missing: the upload still succeeds, the event waits for a retry.
    put(&sb, "val", "k", b"x").await;
    let (url, _) = queue_arn(&sb, "later").await;
    sb.clock().advance(Duration::from_secs(5));
    let v = receive(&sb, &url).await;
    assert_eq!(v["Records"][0]["s3"]["object"]["key"], "k");
}
