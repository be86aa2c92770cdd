//! Dead-letter queues: RedrivePolicy validation, RedriveAllowPolicy, the move on the receive
//! after maxReceiveCount, what the moved message keeps, and restart.

use std::time::Duration;

use aws_sdk_sqs::types::{
    MessageAttributeValue, MessageSystemAttributeName as S, QueueAttributeName as A,
};
use nimbus_testkit::TestSandbox;

use super::{attribute, counts, err, queue, receive};

fn policy(arn: &str, max: u32) -> String {
    format!(r#"{{"deadLetterTargetArn":"{arn}","maxReceiveCount":{max}}}"#)
}

async fn arn(sb: &TestSandbox, url: &str) -> String {
    attribute(sb, url, "QueueArn").await.unwrap()
}

async fn with_dlq(sb: &TestSandbox, source: &str, dlq_url: &str, max: u32) -> String {
    let dlq_arn = arn(sb, dlq_url).await;
    sb.sqs()
        .create_queue()
        .queue_name(source)
        .attributes(A::RedrivePolicy, policy(&dlq_arn, max))
        .attributes(A::VisibilityTimeout, "10")
        .send()
        .await
        .expect("source queue")
        .queue_url
        .unwrap()
}

#[tokio::test]
async fn redrive_policy_is_checked_against_the_queues() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let missing = "arn:aws:sqs:us-east-1:000000000000:nowhere";
    let (c, m) = err(sqs
        .create_queue()
        .queue_name("src")
        .attributes(A::RedrivePolicy, policy(missing, 3))
        .send()
        .await);
    assert_eq!(c, "InvalidParameterValue");
    assert!(m.contains("Dead letter target does not exist"), "{m}");
    let other_account = "arn:aws:sqs:us-east-1:111122223333:dlq";
    assert_eq!(
        err(sqs
            .create_queue()
            .queue_name("src")
            .attributes(A::RedrivePolicy, policy(other_account, 3))
            .send()
            .await)
        .0,
        "InvalidParameterValue"
    );
    assert_eq!(
        err(sqs
            .create_queue()
            .queue_name("src")
            .attributes(
                A::RedrivePolicy,
                policy("arn:aws:sqs:us-east-1:000000000000:dlq", 1001)
            )
            .send()
            .await)
        .0,
        "InvalidParameterValue"
    );
    // FIFO sources need FIFO dead-letter queues and the reverse.
    let dlq = queue(&sb, "dlq").await;
    let dlq_arn = arn(&sb, &dlq).await;
    let (c, m) = err(sqs
        .create_queue()
        .queue_name("src.fifo")
        .attributes(A::FifoQueue, "true")
        .attributes(A::RedrivePolicy, policy(&dlq_arn, 3))
        .send()
        .await);
    assert_eq!(c, "InvalidParameterValue");
    assert!(m.contains("same type"), "{m}");
    // RedriveAllowPolicy is enforced when a source names the queue.
    sqs.set_queue_attributes()
        .queue_url(&dlq)
        .attributes(A::RedriveAllowPolicy, r#"{"redrivePermission":"denyAll"}"#)
        .send()
        .await
        .unwrap();
    let src = queue(&sb, "src").await;
    let src_arn = arn(&sb, &src).await;
    assert_eq!(
        err(sqs
            .set_queue_attributes()
            .queue_url(&src)
            .attributes(A::RedrivePolicy, policy(&dlq_arn, 3))
            .send()
            .await)
        .0,
        "InvalidParameterValue"
    );
    sqs.set_queue_attributes()
        .queue_url(&dlq)
        .attributes(
            A::RedriveAllowPolicy,
            format!(r#"{{"redrivePermission":"byQueue","sourceQueueArns":["{src_arn}"]}}"#),
        )
        .send()
        .await
        .unwrap();
    sqs.set_queue_attributes()
        .queue_url(&src)
        .attributes(A::RedrivePolicy, policy(&dlq_arn, 3))
        .send()
        .await
        .unwrap();
    let other = queue(&sb, "other").await;
    assert_eq!(
        err(sqs
            .set_queue_attributes()
            .queue_url(&other)
            .attributes(A::RedrivePolicy, policy(&dlq_arn, 3))
            .send()
            .await)
        .0,
        "InvalidParameterValue"
    );
    let listed = sqs
        .list_dead_letter_source_queues()
        .queue_url(&dlq)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.queue_urls().len(), 1);
    assert!(listed.queue_urls()[0].ends_with("/src"));
}

#[tokio::test]
async fn message_moves_on_the_receive_after_max_receive_count() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let dlq = queue(&sb, "dlq").await;
    let src = with_dlq(&sb, "src", &dlq, 3).await;
    let src_arn = arn(&sb, &src).await;
    let sent = sqs
        .send_message()
        .queue_url(&src)
        .message_body("poison")
        .message_attributes(
            "kind",
            MessageAttributeValue::builder()
                .data_type("String")
                .string_value("bad")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let id = sent.message_id.unwrap();
    for n in 1..=3 {
        let got = receive(&sb, &src, 1).await;
        assert_eq!(got.len(), 1, "receive {n}");
        assert_eq!(
            got[0].attributes().unwrap()[&S::ApproximateReceiveCount],
            n.to_string()
        );
        sb.clock().advance(Duration::from_secs(10));
    }
    // The visibility lapse alone does not move it: it is back in the source.
    assert_eq!(counts(&sb, &src).await, (1, 0, 0));
    assert_eq!(counts(&sb, &dlq).await, (0, 0, 0));
    // The fourth receive moves it instead of delivering it.
    assert!(receive(&sb, &src, 10).await.is_empty());
    assert_eq!(counts(&sb, &src).await, (0, 0, 0));
    assert_eq!(counts(&sb, &dlq).await, (1, 0, 0));
    let got = receive(&sb, &dlq, 10).await;
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m.message_id(), Some(id.as_str()));
    assert_eq!(m.body(), Some("poison"));
    assert_eq!(
        m.message_attributes().unwrap()["kind"].string_value(),
        Some("bad")
    );
    assert_eq!(sent.md5_of_message_attributes, m.md5_of_message_attributes);
    let attrs = m.attributes().unwrap();
    assert_eq!(attrs[&S::ApproximateReceiveCount], "1");
    assert_eq!(attrs[&S::DeadLetterQueueSourceArn], src_arn);
}

#[tokio::test]
async fn other_messages_of_the_receive_are_still_delivered() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let dlq = queue(&sb, "dlq").await;
    let src = with_dlq(&sb, "src", &dlq, 1).await;
    super::send(&sb, &src, "old").await;
    assert_eq!(receive(&sb, &src, 1).await.len(), 1);
    sb.clock().advance(Duration::from_secs(10));
    super::send(&sb, &src, "new").await;
    let got = receive(&sb, &src, 10).await;
    let bodies: Vec<_> = got.iter().map(|m| m.body().unwrap()).collect();
    assert_eq!(bodies, vec!["new"]);
    assert_eq!(receive(&sb, &dlq, 10).await[0].body(), Some("old"));
}

#[tokio::test]
async fn standard_dead_letter_queue_keeps_the_enqueue_time() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let dlq = sqs
        .create_queue()
        .queue_name("short-dlq")
        .attributes(A::MessageRetentionPeriod, "60")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let src = with_dlq(&sb, "src", &dlq, 1).await;
    super::send(&sb, &src, "m").await;
    receive(&sb, &src, 1).await;
    sb.clock().advance(Duration::from_secs(50));
    assert!(receive(&sb, &src, 1).await.is_empty());
    assert_eq!(counts(&sb, &dlq).await, (1, 0, 0));
    // Retention counts from the original send: 60 s after it, the message is gone.
    sb.clock().advance(Duration::from_secs(11));
    assert_eq!(counts(&sb, &dlq).await, (0, 0, 0));
}

#[tokio::test]
async fn fifo_dead_letter_queue() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let dlq = sqs
        .create_queue()
        .queue_name("dlq.fifo")
        .attributes(A::FifoQueue, "true")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let dlq_arn = arn(&sb, &dlq).await;
    let src = sqs
        .create_queue()
        .queue_name("src.fifo")
        .attributes(A::FifoQueue, "true")
        .attributes(A::VisibilityTimeout, "5")
        .attributes(A::RedrivePolicy, policy(&dlq_arn, 1))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    for (i, b) in ["first", "second"].iter().enumerate() {
        sqs.send_message()
            .queue_url(&src)
            .message_body(*b)
            .message_group_id("g")
            .message_deduplication_id(format!("d{i}"))
            .send()
            .await
            .unwrap();
    }
    let got = receive(&sb, &src, 1).await;
    assert_eq!(got[0].body(), Some("first"));
    let id = got[0].message_id().unwrap().to_owned();
    sb.clock().advance(Duration::from_secs(5));
    // "first" moves; "second" is delivered in its place, in order.
    let got = receive(&sb, &src, 1).await;
    assert_eq!(got[0].body(), Some("second"));
    let dead = receive(&sb, &dlq, 1).await;
    assert_eq!(dead[0].message_id(), Some(id.as_str()));
    let attrs = dead[0].attributes().unwrap();
    assert_eq!(attrs[&S::MessageGroupId], "g");
    assert_eq!(attrs[&S::MessageDeduplicationId], id);
}

#[tokio::test]
async fn receive_counts_survive_restart() {
    let mut sb = TestSandbox::start().await;
    let dlq = queue(&sb, "dlq").await;
    let src = with_dlq(&sb, "src", &dlq, 2).await;
    super::send(&sb, &src, "m").await;
    receive(&sb, &src, 1).await;
    sb.clock().advance(Duration::from_secs(10));
    receive(&sb, &src, 1).await;
    sb.restart().await;
    sb.clock().advance(Duration::from_secs(10));
    assert!(receive(&sb, &src, 1).await.is_empty());
    assert_eq!(counts(&sb, &dlq).await, (1, 0, 0));
    sb.restart().await;
    let got = receive(&sb, &dlq, 1).await;
    assert_eq!(got[0].body(), Some("m"));
    assert!(got[0].attributes().unwrap()[&S::DeadLetterQueueSourceArn].ends_with(":src"));
}
