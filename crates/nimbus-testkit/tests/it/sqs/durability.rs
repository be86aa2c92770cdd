//! Restarts on the same data directory keep queues, messages, in-flight deadlines, receive
//! counts and receipt handles; deletions and purges stay done.

use std::time::Duration;

use aws_sdk_sqs::types::{MessageSystemAttributeName as S, QueueAttributeName as A};
use nimbus_testkit::TestSandbox;

use super::{attribute, code, counts, queue, receive, send};

#[tokio::test]
async fn state_survives_a_restart() {
    let mut sb = TestSandbox::start().await;
    let sqs = sb.sqs();
    let url = sqs
        .create_queue()
        .queue_name("durable")
        .attributes(A::VisibilityTimeout, "100")
        .tags("team", "red")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let gone = queue(&sb, "gone").await;
    sqs.delete_queue().queue_url(&gone).send().await.unwrap();
    for i in 0..6 {
        send(&sb, &url, &format!("m{i}")).await;
    }
    sqs.send_message()
        .queue_url(&url)
        .message_body("delayed")
        .delay_seconds(300)
        .send()
        .await
        .unwrap();
    // Two in flight (one received twice), one deleted.
    let first = receive(&sb, &url, 2).await;
    let deleted = receive(&sb, &url, 1).await;
    sqs.delete_message()
        .queue_url(&url)
        .receipt_handle(deleted[0].receipt_handle().unwrap())
        .send()
        .await
        .unwrap();
    sqs.change_message_visibility()
        .queue_url(&url)
        .receipt_handle(first[1].receipt_handle().unwrap())
        .visibility_timeout(0)
        .send()
        .await
        .unwrap();
    let again = receive(&sb, &url, 1).await;
    assert_eq!(again[0].body(), first[1].body());
    assert_eq!(
        again[0].attributes().unwrap()[&S::ApproximateReceiveCount],
        "2"
    );
    assert_eq!(counts(&sb, &url).await, (3, 2, 1));
    sb.clock().advance(Duration::from_secs(40));

    sb.restart().await;

    let sqs = sb.sqs();
    assert_eq!(counts(&sb, &url).await, (3, 2, 1));
    assert_eq!(
        attribute(&sb, &url, "VisibilityTimeout").await.as_deref(),
        Some("100")
    );
    let tags = sqs.list_queue_tags().queue_url(&url).send().await.unwrap();
    assert_eq!(tags.tags().unwrap()["team"], "red");
    assert_eq!(
        code(sqs.get_queue_url().queue_name("gone").send().await),
        "AWS.SimpleQueueService.NonExistentQueue"
    );
    // The in-flight messages keep their deadlines (100 s after their receives, 40 s ago).
    sb.clock().advance(Duration::from_secs(59));
    assert_eq!(counts(&sb, &url).await, (3, 2, 1));
    sb.clock().advance(Duration::from_secs(1));
    assert_eq!(counts(&sb, &url).await, (5, 0, 1));
    // ... and their receive counts.
    let all = receive(&sb, &url, 10).await;
    assert_eq!(all.len(), 5);
    let twice = all.iter().find(|m| m.body() == first[1].body()).unwrap();
    assert_eq!(
        twice.attributes().unwrap()[&S::ApproximateReceiveCount],
        "3"
    );
    let once = all.iter().find(|m| m.body() == first[0].body()).unwrap();
    assert_eq!(once.attributes().unwrap()[&S::ApproximateReceiveCount], "2");
    // The deleted message stays deleted.
    assert!(all.iter().all(|m| m.body() != deleted[0].body()));
    // The delayed one is still delayed until its time.
    for m in &all {
        sqs.delete_message()
            .queue_url(&url)
            .receipt_handle(m.receipt_handle().unwrap())
            .send()
            .await
            .unwrap();
    }
    sb.clock().advance(Duration::from_secs(199));
    assert!(receive(&sb, &url, 10).await.is_empty());
    sb.clock().advance(Duration::from_secs(1));
    let late = receive(&sb, &url, 10).await;
    assert_eq!(late.len(), 1);
    assert_eq!(late[0].body(), Some("delayed"));
}

#[tokio::test]
async fn receipt_handles_stay_valid_across_restarts() {
    let mut sb = TestSandbox::start().await;
    let url = queue(&sb, "handles").await;
    send(&sb, &url, "a").await;
    send(&sb, &url, "b").await;
    let got = receive(&sb, &url, 2).await;
    sb.restart().await;
    let sqs = sb.sqs();
    sqs.delete_message()
        .queue_url(&url)
        .receipt_handle(got[0].receipt_handle().unwrap())
        .send()
        .await
        .unwrap();
    sqs.change_message_visibility()
        .queue_url(&url)
        .receipt_handle(got[1].receipt_handle().unwrap())
        .visibility_timeout(0)
        .send()
        .await
        .unwrap();
    assert_eq!(counts(&sb, &url).await, (1, 0, 0));
    // A queue created again after deletion does not accept the old queue's handles.
    let h = receive(&sb, &url, 1).await[0]
        .receipt_handle()
        .unwrap()
        .to_owned();
    sqs.delete_queue().queue_url(&url).send().await.unwrap();
    sb.clock().advance(Duration::from_secs(61));
    sb.restart().await;
    let url2 = queue(&sb, "handles").await;
    assert_eq!(url, url2);
    assert_eq!(
        code(
            sb.sqs()
                .delete_message()
                .queue_url(&url2)
                .receipt_handle(&h)
                .send()
                .await
        ),
        "ReceiptHandleIsInvalid"
    );
}

#[tokio::test]
async fn purges_and_attribute_changes_survive() {
    let mut sb = TestSandbox::start().await;
    let url = queue(&sb, "purged").await;
    for i in 0..20 {
        send(&sb, &url, &format!("{i}")).await;
    }
    sb.sqs().purge_queue().queue_url(&url).send().await.unwrap();
    send(&sb, &url, "after").await;
    sb.sqs()
        .set_queue_attributes()
        .queue_url(&url)
        .attributes(A::DelaySeconds, "3")
        .send()
        .await
        .unwrap();
    sb.restart().await;
    assert_eq!(counts(&sb, &url).await, (1, 0, 0));
    assert_eq!(
        attribute(&sb, &url, "DelaySeconds").await.as_deref(),
        Some("3")
    );
    // The purge's 60 s window survives too.
    assert_eq!(
        code(sb.sqs().purge_queue().queue_url(&url).send().await),
        "AWS.SimpleQueueService.PurgeQueueInProgress"
    );
    assert_eq!(receive(&sb, &url, 10).await[0].body(), Some("after"));
}

#[tokio::test]
async fn in_memory_mode_has_the_same_semantics() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let url = queue(&sb, "mem").await;
    send(&sb, &url, "x").await;
    let m = receive(&sb, &url, 1).await;
    assert_eq!(m.len(), 1);
    sb.sqs()
        .delete_message()
        .queue_url(&url)
        .receipt_handle(m[0].receipt_handle().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(counts(&sb, &url).await, (0, 0, 0));
}
