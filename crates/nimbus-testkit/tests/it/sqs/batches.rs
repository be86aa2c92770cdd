//! SendMessageBatch, DeleteMessageBatch, ChangeMessageVisibilityBatch: the entry rules and
//! per-entry results.

use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry as CvEntry,
    DeleteMessageBatchRequestEntry as DelEntry, MessageAttributeValue,
    SendMessageBatchRequestEntry as SendEntry,
};
use nimbus_testkit::TestSandbox;

use super::{code, counts, err, queue, receive};

fn entry(id: &str, body: &str) -> SendEntry {
    SendEntry::builder()
        .id(id)
        .message_body(body)
        .build()
        .unwrap()
}

#[tokio::test]
async fn send_batch() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = queue(&sb, "batch").await;
    let mut req = sqs.send_message_batch().queue_url(&url);
    for i in 0..10 {
        req = req.entries(entry(&format!("e{i}"), &format!("body {i}")));
    }
    let out = req.send().await.unwrap();
    assert_eq!(out.successful().len(), 10);
    assert!(out.failed().is_empty());
    let first = &out.successful()[0];
    assert_eq!(first.id(), "e0");
    assert_eq!(
        first.md5_of_message_body(),
        "2c2f1edb5aac06c6c201d1fe8916de7d"
    );
    assert_eq!(counts(&sb, &url).await, (10, 0, 0));
}

#[tokio::test]
async fn batch_entry_rules() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = queue(&sb, "rules").await;
    let mut eleven = sqs.send_message_batch().queue_url(&url);
    for i in 0..11 {
        eleven = eleven.entries(entry(&format!("e{i}"), "x"));
    }
    assert_eq!(
        code(eleven.send().await),
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"
    );
    assert_eq!(
        code(
            sqs.send_message_batch()
                .queue_url(&url)
                .set_entries(Some(vec![]))
                .send()
                .await
        ),
        "AWS.SimpleQueueService.EmptyBatchRequest"
    );
    assert_eq!(
        code(
            sqs.send_message_batch()
                .queue_url(&url)
                .entries(entry("same", "a"))
                .entries(entry("same", "b"))
                .send()
                .await
        ),
        "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"
    );
    assert_eq!(
        code(
            sqs.send_message_batch()
                .queue_url(&url)
                .entries(entry("bad id!", "a"))
                .send()
                .await
        ),
        "AWS.SimpleQueueService.InvalidBatchEntryId"
    );
    // 1 MiB of payload in total at most.
    let big = "x".repeat(600_000);
    assert_eq!(
        code(
            sqs.send_message_batch()
                .queue_url(&url)
                .entries(entry("a", &big))
                .entries(entry("b", &big))
                .send()
                .await
        ),
        "AWS.SimpleQueueService.BatchRequestTooLong"
    );
    // Exactly 1 MiB passes (the body limit lets the largest legal request through).
    let half = "y".repeat(524_288);
    let ok = sqs
        .send_message_batch()
        .queue_url(&url)
        .entries(entry("a", &half))
        .entries(entry("b", &half))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.successful().len(), 2);
    assert_eq!(
        code(
            sqs.delete_message_batch()
                .queue_url(&url)
                .set_entries(Some(vec![]))
                .send()
                .await
        ),
        "AWS.SimpleQueueService.EmptyBatchRequest"
    );
    assert_eq!(
        code(
            sqs.change_message_visibility_batch()
                .queue_url(&url)
                .set_entries(Some(vec![]))
                .send()
                .await
        ),
        "AWS.SimpleQueueService.EmptyBatchRequest"
    );
}

#[tokio::test]
async fn invalid_entries_fail_alone() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = queue(&sb, "partial").await;
    let out = sqs
        .send_message_batch()
        .queue_url(&url)
        .entries(entry("good", "fine"))
        .entries(entry("badchars", "\u{1}"))
        .entries(
            SendEntry::builder()
                .id("baddelay")
                .message_body("x")
                .delay_seconds(901)
                .build()
                .unwrap(),
        )
        .entries(
            SendEntry::builder()
                .id("badattr")
                .message_body("x")
                .message_attributes(
                    "AWS.reserved",
                    MessageAttributeValue::builder()
                        .data_type("String")
                        .string_value("v")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(out.successful().len(), 1);
    assert_eq!(out.successful()[0].id(), "good");
    let mut failed: Vec<(&str, &str, bool)> = out
        .failed()
        .iter()
        .map(|f| (f.id(), f.code(), f.sender_fault()))
        .collect();
    failed.sort();
    assert_eq!(
        failed,
        vec![
            ("badattr", "InvalidParameterValue", true),
            ("badchars", "InvalidMessageContents", true),
            ("baddelay", "InvalidParameterValue", true),
        ]
    );
    assert_eq!(counts(&sb, &url).await, (1, 0, 0));
}

#[tokio::test]
async fn delete_and_change_visibility_batches() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = queue(&sb, "dcv").await;
    let mut req = sqs.send_message_batch().queue_url(&url);
    for i in 0..4 {
        req = req.entries(entry(&format!("e{i}"), "m"));
    }
    req.send().await.unwrap();
    let got = receive(&sb, &url, 10).await;
    assert_eq!(got.len(), 4);
    let h: Vec<&str> = got.iter().map(|m| m.receipt_handle().unwrap()).collect();

    let cv = sqs
        .change_message_visibility_batch()
        .queue_url(&url)
        .entries(
            CvEntry::builder()
                .id("a")
                .receipt_handle(h[0])
                .visibility_timeout(0)
                .build()
                .unwrap(),
        )
        .entries(
            CvEntry::builder()
                .id("b")
                .receipt_handle("junk")
                .visibility_timeout(0)
                .build()
                .unwrap(),
        )
        .entries(
            CvEntry::builder()
                .id("c")
                .receipt_handle(h[1])
                .visibility_timeout(50_000)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(cv.successful().len(), 1);
    assert_eq!(cv.successful()[0].id(), "a");
    let mut failed: Vec<(&str, &str)> = cv.failed().iter().map(|f| (f.id(), f.code())).collect();
    failed.sort();
    assert_eq!(
        failed,
        vec![
            ("b", "ReceiptHandleIsInvalid"),
            ("c", "InvalidParameterValue")
        ]
    );
    assert_eq!(counts(&sb, &url).await, (1, 3, 0));

    let del = sqs
        .delete_message_batch()
        .queue_url(&url)
        .entries(
            DelEntry::builder()
                .id("x")
                .receipt_handle(h[1])
                .build()
                .unwrap(),
        )
        .entries(
            DelEntry::builder()
                .id("y")
                .receipt_handle(h[2])
                .build()
                .unwrap(),
        )
        .entries(
            DelEntry::builder()
                .id("z")
                .receipt_handle("nope")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let mut ok: Vec<&str> = del.successful().iter().map(|s| s.id()).collect();
    ok.sort();
    assert_eq!(ok, vec!["x", "y"]);
    assert_eq!(del.failed().len(), 1);
    assert_eq!(del.failed()[0].id(), "z");
    assert_eq!(del.failed()[0].code(), "ReceiptHandleIsInvalid");
    assert!(del.failed()[0].sender_fault());
    assert_eq!(counts(&sb, &url).await, (1, 1, 0));
    let (c, _) = err(sqs
        .delete_message_batch()
        .queue_url(&url)
        .entries(
            DelEntry::builder()
                .id("d")
                .receipt_handle(h[3])
                .build()
                .unwrap(),
        )
        .entries(
            DelEntry::builder()
                .id("d")
                .receipt_handle(h[3])
                .build()
                .unwrap(),
        )
        .send()
        .await);
    assert_eq!(c, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct");
}
