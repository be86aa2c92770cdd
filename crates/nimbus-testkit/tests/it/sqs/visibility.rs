//! Visibility timeouts, ChangeMessageVisibility, delays and retention, on the controlled
//! clock.

use std::time::Duration;

use aws_sdk_sqs::types::{MessageSystemAttributeName as S, QueueAttributeName as A};
use nimbus_testkit::TestSandbox;

use super::{code, counts, err, queue, receive, send};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[tokio::test]
async fn received_messages_come_back_after_the_visibility_timeout() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let url = queue(&sb, "vt").await;
    send(&sb, &url, "m").await;
    assert_eq!(receive(&sb, &url, 1).await.len(), 1);
    assert!(receive(&sb, &url, 1).await.is_empty());
    sb.clock().advance(secs(29));
    assert!(receive(&sb, &url, 1).await.is_empty());
    assert_eq!(counts(&sb, &url).await, (0, 1, 0));
    sb.clock().advance(secs(1));
    assert_eq!(counts(&sb, &url).await, (1, 0, 0));
    let again = receive(&sb, &url, 1).await;
    assert_eq!(
        again[0].attributes().unwrap()[&S::ApproximateReceiveCount],
        "2"
    );
}

#[tokio::test]
async fn per_call_and_queue_visibility_timeouts() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = sqs
        .create_queue()
        .queue_name("vt2")
        .attributes(A::VisibilityTimeout, "100")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    send(&sb, &url, "a").await;
    send(&sb, &url, "b").await;
    // The queue's timeout.
    sqs.receive_message().queue_url(&url).send().await.unwrap();
    // The call's timeout.
    sqs.receive_message()
        .queue_url(&url)
        .visibility_timeout(10)
        .send()
        .await
        .unwrap();
    assert_eq!(counts(&sb, &url).await, (0, 2, 0));
    sb.clock().advance(secs(10));
    assert_eq!(counts(&sb, &url).await, (1, 1, 0));
    sb.clock().advance(secs(90));
    assert_eq!(counts(&sb, &url).await, (2, 0, 0));
    // A zero timeout leaves the message visible.
    let got = sqs
        .receive_message()
        .queue_url(&url)
        .visibility_timeout(0)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap();
    assert_eq!(got.messages().len(), 2);
    assert_eq!(counts(&sb, &url).await, (2, 0, 0));
}

#[tokio::test]
async fn change_message_visibility() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = queue(&sb, "cmv").await;
    send(&sb, &url, "m").await;
    let h = receive(&sb, &url, 1).await[0]
        .receipt_handle()
        .unwrap()
        .to_owned();
    let change = |t: i32| {
        sqs.change_message_visibility()
            .queue_url(&url)
            .receipt_handle(&h)
            .visibility_timeout(t)
            .send()
    };
    // Extend: 120 s from now.
    sb.clock().advance(secs(20));
    change(120).await.unwrap();
    sb.clock().advance(secs(119));
    assert_eq!(counts(&sb, &url).await, (0, 1, 0));
    sb.clock().advance(secs(1));
    assert_eq!(counts(&sb, &url).await, (1, 0, 0));
    // The handle's visibility lapsed: the change succeeds and does nothing.
    change(300).await.unwrap();
    assert_eq!(counts(&sb, &url).await, (1, 0, 0));

    // Zero makes it visible at once.
    let h2 = receive(&sb, &url, 1).await[0]
        .receipt_handle()
        .unwrap()
        .to_owned();
    sqs.change_message_visibility()
        .queue_url(&url)
        .receipt_handle(&h2)
        .visibility_timeout(0)
        .send()
        .await
        .unwrap();
    assert_eq!(counts(&sb, &url).await, (1, 0, 0));

    // A stale handle (the message was received again since) is refused.
    let h3 = receive(&sb, &url, 1).await[0]
        .receipt_handle()
        .unwrap()
        .to_owned();
    let (c, m) = err(change(60).await);
    assert_eq!(c, "InvalidParameterValue");
    assert!(
        m.contains("Message does not exist or is not available for visibility timeout change"),
        "{m}"
    );

    // Out of range.
    assert_eq!(
        code(
            sqs.change_message_visibility()
                .queue_url(&url)
                .receipt_handle(&h3)
                .visibility_timeout(43_201)
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
    // 12 hours counted from the receive: 43200 right after it is fine, but not 100 s later.
    sqs.change_message_visibility()
        .queue_url(&url)
        .receipt_handle(&h3)
        .visibility_timeout(43_200)
        .send()
        .await
        .unwrap();
    sb.clock().advance(secs(100));
    let (c, m) = err(sqs
        .change_message_visibility()
        .queue_url(&url)
        .receipt_handle(&h3)
        .visibility_timeout(43_200)
        .send()
        .await);
    assert_eq!(c, "InvalidParameterValue");
    assert!(m.contains("beyond the limit [43200 seconds]"), "{m}");
    sqs.change_message_visibility()
        .queue_url(&url)
        .receipt_handle(&h3)
        .visibility_timeout(43_100)
        .send()
        .await
        .unwrap();

    // After a delete: refused.
    sqs.delete_message()
        .queue_url(&url)
        .receipt_handle(&h3)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            sqs.change_message_visibility()
                .queue_url(&url)
                .receipt_handle(&h3)
                .visibility_timeout(10)
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
    assert_eq!(
        code(
            sqs.change_message_visibility()
                .queue_url(&url)
                .receipt_handle("nonsense")
                .visibility_timeout(10)
                .send()
                .await
        ),
        "ReceiptHandleIsInvalid"
    );
}

#[tokio::test]
async fn delays_from_queue_and_message() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = sqs
        .create_queue()
        .queue_name("delayed")
        .attributes(A::DelaySeconds, "10")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    send(&sb, &url, "queue-delay").await;
    sqs.send_message()
        .queue_url(&url)
        .message_body("own-delay")
        .delay_seconds(60)
        .send()
        .await
        .unwrap();
    sqs.send_message()
        .queue_url(&url)
        .message_body("no-delay")
        .delay_seconds(0)
        .send()
        .await
        .unwrap();
    assert_eq!(counts(&sb, &url).await, (1, 0, 2));
    // Received messages stay hidden for the rest of the test.
    let take = || async {
        sqs.receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .visibility_timeout(3600)
            .send()
            .await
            .unwrap()
            .messages
            .unwrap_or_default()
    };
    let now = take().await;
    assert_eq!(now.len(), 1);
    assert_eq!(now[0].body(), Some("no-delay"));
    sb.clock().advance(secs(9));
    assert!(take().await.is_empty());
    sb.clock().advance(secs(1));
    let later = take().await;
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].body(), Some("queue-delay"));
    sb.clock().advance(secs(50));
    let last = take().await;
    assert_eq!(last.len(), 1);
    assert_eq!(last[0].body(), Some("own-delay"));
}

#[tokio::test]
async fn messages_expire_after_the_retention_period() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = sqs
        .create_queue()
        .queue_name("short-lived")
        .attributes(A::MessageRetentionPeriod, "60")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    send(&sb, &url, "old").await;
    sb.clock().advance(secs(30));
    send(&sb, &url, "young").await;
    // In flight does not protect from expiry.
    assert_eq!(receive(&sb, &url, 1).await[0].body(), Some("old"));
    sb.clock().advance(secs(30));
    assert_eq!(counts(&sb, &url).await, (1, 0, 0));
    assert_eq!(receive(&sb, &url, 10).await[0].body(), Some("young"));
    sb.clock().advance(secs(30));
    assert_eq!(counts(&sb, &url).await, (0, 0, 0));

    // The default retention is 4 days.
    let url = queue(&sb, "default-retention").await;
    send(&sb, &url, "m").await;
    sb.clock().advance(secs(345_599));
    assert_eq!(counts(&sb, &url).await, (1, 0, 0));
    sb.clock().advance(secs(1));
    assert_eq!(counts(&sb, &url).await, (0, 0, 0));
}

#[tokio::test]
async fn a_shorter_retention_applies_to_stored_messages() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let url = queue(&sb, "shrink").await;
    send(&sb, &url, "m").await;
    sb.clock().advance(secs(120));
    sb.sqs()
        .set_queue_attributes()
        .queue_url(&url)
        .attributes(A::MessageRetentionPeriod, "60")
        .send()
        .await
        .unwrap();
    assert_eq!(counts(&sb, &url).await, (0, 0, 0));
}
