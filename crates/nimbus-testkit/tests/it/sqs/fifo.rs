//! FIFO queues: attributes, send rules, deduplication, order, groups, sequence numbers,
//! receive request attempt ids, purge and restart.

use std::time::Duration;

use aws_sdk_sqs::types::{
    MessageSystemAttributeName as S, QueueAttributeName as A, SendMessageBatchRequestEntry,
};
use nimbus_testkit::TestSandbox;

use super::{attribute, code, counts, err};

/// Creates a FIFO queue with extra attributes; returns its URL.
async fn fifo(sb: &TestSandbox, name: &str, extra: &[(A, &str)]) -> String {
    let mut req = sb
        .sqs()
        .create_queue()
        .queue_name(name)
        .attributes(A::FifoQueue, "true");
    for (k, v) in extra {
        req = req.attributes(k.clone(), *v);
    }
    req.send().await.expect("fifo queue").queue_url.unwrap()
}

/// Sends `body` to group `group` with deduplication id `dedup`; returns (id, sequence).
async fn put(
    sb: &TestSandbox,
    url: &str,
    group: &str,
    dedup: &str,
    body: &str,
) -> (String, String) {
    let out = sb
        .sqs()
        .send_message()
        .queue_url(url)
        .message_body(body)
        .message_group_id(group)
        .message_deduplication_id(dedup)
        .send()
        .await
        .expect("send");
    (
        out.message_id.unwrap(),
        out.sequence_number
            .expect("a FIFO send returns a sequence number"),
    )
}

/// Receives up to `max` with every system attribute; returns (body, handle, attributes).
async fn take(
    sb: &TestSandbox,
    url: &str,
    max: i32,
) -> Vec<(String, String, std::collections::HashMap<S, String>)> {
    sb.sqs()
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(max)
        .message_system_attribute_names(S::All)
        .send()
        .await
        .expect("receive")
        .messages
        .unwrap_or_default()
        .into_iter()
        .map(|m| {
            (
                m.body.unwrap_or_default(),
                m.receipt_handle.unwrap_or_default(),
                m.attributes.unwrap_or_default(),
            )
        })
        .collect()
}

fn bodies<T, U>(v: &[(String, T, U)]) -> Vec<&str> {
    v.iter().map(|(b, _, _)| b.as_str()).collect()
}

async fn delete(sb: &TestSandbox, url: &str, handle: &str) {
    sb.sqs()
        .delete_message()
        .queue_url(url)
        .receipt_handle(handle)
        .send()
        .await
        .expect("delete");
}

#[tokio::test]
async fn names_and_attributes_follow_aws_rules() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    // A .fifo name needs FifoQueue=true, and FifoQueue=true needs a .fifo name.
    assert_eq!(
        code(sqs.create_queue().queue_name("q.fifo").send().await),
        "InvalidParameterValue"
    );
    assert_eq!(
        code(
            sqs.create_queue()
                .queue_name("q")
                .attributes(A::FifoQueue, "true")
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
    // FIFO-only attributes on a standard queue.
    assert_eq!(
        code(
            sqs.create_queue()
                .queue_name("std")
                .attributes(A::ContentBasedDeduplication, "true")
                .send()
                .await
        ),
        "InvalidAttributeName"
    );
    // perMessageGroupId needs DeduplicationScope messageGroup.
    assert_eq!(
        code(
            sqs.create_queue()
                .queue_name("hi.fifo")
                .attributes(A::FifoQueue, "true")
                .attributes(A::FifoThroughputLimit, "perMessageGroupId")
                .send()
                .await
        ),
        "InvalidAttributeValue"
    );
    assert_eq!(
        code(
            sqs.create_queue()
                .queue_name("bad.fifo")
                .attributes(A::FifoQueue, "true")
                .attributes(A::DeduplicationScope, "everything")
                .send()
                .await
        ),
        "InvalidAttributeValue"
    );
    let url = fifo(
        &sb,
        "hi.fifo",
        &[
            (A::DeduplicationScope, "messageGroup"),
            (A::FifoThroughputLimit, "perMessageGroupId"),
        ],
    )
    .await;
    assert_eq!(
        attribute(&sb, &url, "FifoQueue").await.as_deref(),
        Some("true")
    );
    assert_eq!(
        attribute(&sb, &url, "ContentBasedDeduplication")
            .await
            .as_deref(),
        Some("false")
    );
    assert_eq!(
        attribute(&sb, &url, "DeduplicationScope").await.as_deref(),
        Some("messageGroup")
    );
    assert_eq!(
        attribute(&sb, &url, "FifoThroughputLimit").await.as_deref(),
        Some("perMessageGroupId")
    );
    // The queue type cannot change; the FIFO settings can.
    assert_eq!(
        code(
            sqs.set_queue_attributes()
                .queue_url(&url)
                .attributes(A::FifoQueue, "false")
                .send()
                .await
        ),
        "InvalidAttributeValue"
    );
    sqs.set_queue_attributes()
        .queue_url(&url)
        .attributes(A::ContentBasedDeduplication, "true")
        .send()
        .await
        .unwrap();
    assert_eq!(
        attribute(&sb, &url, "ContentBasedDeduplication")
            .await
            .as_deref(),
        Some("true")
    );
}

#[tokio::test]
async fn send_rules() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = fifo(&sb, "s.fifo", &[]).await;
    let (c, m) = err(sqs
        .send_message()
        .queue_url(&url)
        .message_body("x")
        .message_deduplication_id("d")
        .send()
        .await);
    assert_eq!(c, "MissingParameter");
    assert_eq!(m, "The request must contain the parameter MessageGroupId.");
    let (c, m) = err(sqs
        .send_message()
        .queue_url(&url)
        .message_body("x")
        .message_group_id("g")
        .send()
        .await);
    assert_eq!(c, "InvalidParameterValue");
    assert!(m.contains("ContentBasedDeduplication"), "{m}");
    let (c, m) = err(sqs
        .send_message()
        .queue_url(&url)
        .message_body("x")
        .message_group_id("g")
        .message_deduplication_id("d")
        .delay_seconds(5)
        .send()
        .await);
    assert_eq!(c, "InvalidParameterValue");
    assert!(m.contains("DelaySeconds"), "{m}");
    assert_eq!(
        code(
            sqs.send_message()
                .queue_url(&url)
                .message_body("x")
                .message_group_id("g")
                .message_deduplication_id("d".repeat(129))
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
    assert_eq!(
        code(
            sqs.send_message()
                .queue_url(&url)
                .message_body("x")
                .message_group_id("g g")
                .message_deduplication_id("d")
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
    // DelaySeconds 0 is accepted, and the queue's delay still applies.
    sqs.set_queue_attributes()
        .queue_url(&url)
        .attributes(A::DelaySeconds, "10")
        .send()
        .await
        .unwrap();
    sqs.send_message()
        .queue_url(&url)
        .message_body("late")
        .message_group_id("g")
        .message_deduplication_id("late")
        .delay_seconds(0)
        .send()
        .await
        .unwrap();
    assert_eq!(counts(&sb, &url).await, (0, 0, 1));
    assert!(take(&sb, &url, 10).await.is_empty());
    sb.clock().advance(Duration::from_secs(10));
    assert_eq!(bodies(&take(&sb, &url, 10).await), vec!["late"]);
    // In a batch, each entry fails alone.
    let out = sqs
        .send_message_batch()
        .queue_url(&url)
        .entries(
            SendMessageBatchRequestEntry::builder()
                .id("ok")
                .message_body("a")
                .message_group_id("g")
                .message_deduplication_id("b1")
                .build()
                .unwrap(),
        )
        .entries(
            SendMessageBatchRequestEntry::builder()
                .id("nogroup")
                .message_body("b")
                .message_deduplication_id("b2")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(out.successful().len(), 1);
    assert!(out.successful()[0].sequence_number().is_some());
    assert_eq!(out.failed()[0].id(), "nogroup");
    assert_eq!(out.failed()[0].code(), "MissingParameter");
}

#[tokio::test]
async fn deduplication_window_outlives_the_delete() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let url = fifo(&sb, "d.fifo", &[]).await;
    let (id, seq) = put(&sb, &url, "g", "same", "first").await;
    // A duplicate is accepted and reported with the first copy's id and sequence number.
    let (id2, seq2) = put(&sb, &url, "g", "same", "second").await;
    assert_eq!((id2.as_str(), seq2.as_str()), (id.as_str(), seq.as_str()));
    let got = take(&sb, &url, 10).await;
    assert_eq!(bodies(&got), vec!["first"]);
    delete(&sb, &url, &got[0].1).await;
    // After the delete, still a duplicate within five minutes: never delivered again.
    sb.clock().advance(Duration::from_secs(200));
    let (id3, _) = put(&sb, &url, "other-group", "same", "third").await;
    assert_eq!(id3, id);
    assert!(take(&sb, &url, 10).await.is_empty());
    // Once the window has passed the id is new again.
    sb.clock().advance(Duration::from_secs(101));
    let (id4, seq4) = put(&sb, &url, "g", "same", "fourth").await;
    assert_ne!(id4, id);
    assert!(seq4 > seq);
    assert_eq!(bodies(&take(&sb, &url, 10).await), vec!["fourth"]);
}

#[tokio::test]
async fn content_based_and_per_group_deduplication() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = fifo(&sb, "c.fifo", &[(A::ContentBasedDeduplication, "true")]).await;
    let send = |body: &'static str, group: &'static str| {
        let sqs = sqs.clone();
        let url = url.clone();
        async move {
            sqs.send_message()
                .queue_url(url)
                .message_body(body)
                .message_group_id(group)
                .send()
                .await
                .unwrap()
                .message_id
                .unwrap()
        }
    };
    let a = send("same body", "g1").await;
    assert_eq!(send("same body", "g2").await, a, "scope queue: any group");
    let b = send("other body", "g1").await;
    assert_ne!(a, b);
    let got = take(&sb, &url, 10).await;
    assert_eq!(bodies(&got), vec!["same body", "other body"]);
    // The content-based id is the body's SHA-256.
    assert_eq!(
        got[0].2[&S::MessageDeduplicationId],
        "8f6372a8b1509601faa57ff3a292cfcccb95aa2325c18b8e50b0c035ea1648fe"
    );

    // Scope messageGroup: the same id in two groups is two messages.
    let url = fifo(&sb, "pg.fifo", &[(A::DeduplicationScope, "messageGroup")]).await;
    let (x, _) = put(&sb, &url, "g1", "d", "x").await;
    let (y, _) = put(&sb, &url, "g2", "d", "y").await;
    let (x2, _) = put(&sb, &url, "g1", "d", "x again").await;
    assert_ne!(x, y);
    assert_eq!(x2, x);
    let mut got = bodies(&take(&sb, &url, 10).await)
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    got.sort();
    assert_eq!(got, vec!["x", "y"]);
}

#[tokio::test]
async fn order_within_groups_and_blocked_groups() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = fifo(&sb, "o.fifo", &[(A::VisibilityTimeout, "30")]).await;
    for (g, b) in [
        ("A", "a1"),
        ("B", "b1"),
        ("A", "a2"),
        ("A", "a3"),
        ("B", "b2"),
    ] {
        put(&sb, &url, g, b, b).await;
    }
    // One at a time: A's head, then B's head; then both groups are blocked.
    let first = take(&sb, &url, 1).await;
    assert_eq!(bodies(&first), vec!["a1"]);
    let second = take(&sb, &url, 1).await;
    assert_eq!(bodies(&second), vec!["b1"]);
    assert!(take(&sb, &url, 10).await.is_empty());
    assert_eq!(counts(&sb, &url).await, (3, 2, 0));
    // Deleting a1 unblocks A: a2 and a3 come together, in order.
    delete(&sb, &url, &first[0].1).await;
    let run = take(&sb, &url, 10).await;
    assert_eq!(bodies(&run), vec!["a2", "a3"]);
    // Every visibility lapses: each group starts again from its head, in order.
    sb.clock().advance(Duration::from_secs(30));
    let again = take(&sb, &url, 10).await;
    let names = bodies(&again);
    let pos = |b: &str| names.iter().position(|n| *n == b).unwrap();
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(pos("b1") < pos("b2") && pos("a2") < pos("a3"), "{names:?}");
    let b1 = again.iter().find(|m| m.0 == "b1").unwrap();
    let b2 = again.iter().find(|m| m.0 == "b2").unwrap();
    assert_eq!(b1.2[&S::ApproximateReceiveCount], "2");
    // A FIFO handle whose receive is over can no longer delete.
    let (c, m) = err(sqs
        .delete_message()
        .queue_url(&url)
        .receipt_handle(&second[0].1)
        .send()
        .await);
    assert_eq!(c, "InvalidParameterValue");
    assert!(m.contains("The receipt handle has expired"), "{m}");
    // b1 visible again while b2 is still in flight: B stays blocked.
    let hide = |handle: String| {
        let sqs = sqs.clone();
        let url = url.clone();
        async move {
            sqs.change_message_visibility()
                .queue_url(url)
                .receipt_handle(handle)
                .visibility_timeout(0)
                .send()
                .await
                .unwrap();
        }
    };
    hide(b1.1.clone()).await;
    assert!(take(&sb, &url, 10).await.is_empty());
    hide(b2.1.clone()).await;
    assert_eq!(bodies(&take(&sb, &url, 10).await), vec!["b1", "b2"]);
}

#[tokio::test]
async fn sequence_numbers_and_system_attributes() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = fifo(&sb, "n.fifo", &[]).await;
    let (_, s1) = put(&sb, &url, "g", "1", "one").await;
    let (_, s2) = put(&sb, &url, "g", "2", "two").await;
    assert_eq!(s1.len(), 20);
    assert!(s1.bytes().all(|b| b.is_ascii_digit()));
    assert!(s2 > s1);
    // A batch keeps order within the group, with increasing sequence numbers.
    let mut batch = sqs.send_message_batch().queue_url(&url);
    for i in 0..10 {
        batch = batch.entries(
            SendMessageBatchRequestEntry::builder()
                .id(format!("e{i}"))
                .message_body(format!("batch-{i}"))
                .message_group_id("g")
                .message_deduplication_id(format!("b{i}"))
                .build()
                .unwrap(),
        );
    }
    let out = batch.send().await.unwrap();
    let seqs: Vec<&str> = out
        .successful()
        .iter()
        .map(|e| e.sequence_number().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    assert!(seqs[0] > s2.as_str());
    let got = take(&sb, &url, 10).await;
    assert_eq!(got.len(), 10);
    assert_eq!(got[0].0, "one");
    assert_eq!(got[0].2[&S::SequenceNumber], s1);
    assert_eq!(got[0].2[&S::MessageGroupId], "g");
    assert_eq!(got[0].2[&S::MessageDeduplicationId], "1");
    let mut expected = vec!["one".to_owned(), "two".to_owned()];
    expected.extend((0..8).map(|i| format!("batch-{i}")));
    assert_eq!(bodies(&got), expected);
    let received: Vec<&String> = got.iter().map(|m| &m.2[&S::SequenceNumber]).collect();
    assert!(received.windows(2).all(|w| w[0] < w[1]));
}

#[tokio::test]
async fn receive_request_attempt_id_returns_the_same_messages() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = fifo(&sb, "r.fifo", &[]).await;
    for i in 0..4 {
        put(
            &sb,
            &url,
            &format!("g{i}"),
            &i.to_string(),
            &format!("m{i}"),
        )
        .await;
    }
    let recv = |attempt: &'static str| {
        let sqs = sqs.clone();
        let url = url.clone();
        async move {
            sqs.receive_message()
                .queue_url(url)
                .max_number_of_messages(2)
                .receive_request_attempt_id(attempt)
                .send()
                .await
                .unwrap()
                .messages
                .unwrap_or_default()
                .into_iter()
                .map(|m| (m.body.unwrap(), m.receipt_handle.unwrap()))
                .collect::<Vec<_>>()
        }
    };
    let first = recv("attempt-1").await;
    assert_eq!(first.len(), 2);
    sb.clock().advance(Duration::from_secs(5));
    assert_eq!(
        recv("attempt-1").await,
        first,
        "a retry gets the same messages and handles"
    );
    let other = recv("attempt-2").await;
    assert_eq!(other.len(), 2);
    assert!(other.iter().all(|m| !first.contains(m)));
    assert_eq!(
        code(
            sqs.receive_message()
                .queue_url(&url)
                .receive_request_attempt_id("bad id")
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
}

#[tokio::test]
async fn receive_request_attempts_survive_a_restart() {
    let mut sb = TestSandbox::start().await;
    let url = fifo(&sb, "ra.fifo", &[]).await;
    for i in 0..4 {
        put(
            &sb,
            &url,
            &format!("g{i}"),
            &i.to_string(),
            &format!("m{i}"),
        )
        .await;
    }
    let recv = |sb: &TestSandbox, attempt: &'static str| {
        let sqs = sb.sqs();
        let url = url.clone();
        async move {
            sqs.receive_message()
                .queue_url(url)
                .max_number_of_messages(2)
                .receive_request_attempt_id(attempt)
                .send()
                .await
                .unwrap()
                .messages
                .unwrap_or_default()
                .into_iter()
                .map(|m| (m.body.unwrap(), m.receipt_handle.unwrap()))
                .collect::<Vec<_>>()
        }
    };
    let first = recv(&sb, "attempt-1").await;
    assert_eq!(first.len(), 2);
    sb.restart().await;
    sb.clock().advance(Duration::from_secs(10));
    assert_eq!(
        recv(&sb, "attempt-1").await,
        first,
        "a retry after a restart gets the same messages and handles"
    );
    // The handles still work.
    for (_, handle) in &first {
        sb.sqs()
            .delete_message()
            .queue_url(&url)
            .receipt_handle(handle)
            .send()
            .await
            .unwrap();
    }
    // Past the five-minute window the attempt id is forgotten: a new receive.
    sb.clock().advance(Duration::from_secs(301));
    let later = recv(&sb, "attempt-1").await;
    assert_eq!(later.len(), 2);
    assert!(later.iter().all(|m| !first.iter().any(|f| f.0 == m.0)));
}

#[tokio::test]
async fn purge_clears_deduplication_ids() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let url = fifo(&sb, "p.fifo", &[]).await;
    let (id, _) = put(&sb, &url, "g", "d", "before").await;
    sb.sqs().purge_queue().queue_url(&url).send().await.unwrap();
    let (id2, _) = put(&sb, &url, "g", "d", "after").await;
    assert_ne!(id, id2);
    assert_eq!(bodies(&take(&sb, &url, 10).await), vec!["after"]);
}

#[tokio::test]
async fn many_groups_flow_past_a_slow_consumer() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = fifo(&sb, "fair.fifo", &[]).await;
    // 300 groups of two messages.
    for chunk in 0..60 {
        let mut batch = sqs.send_message_batch().queue_url(&url);
        for i in 0..10 {
            let n = chunk * 10 + i;
            let g = n % 300;
            batch = batch.entries(
                SendMessageBatchRequestEntry::builder()
                    .id(format!("e{i}"))
                    .message_body(format!("{g}:{}", n / 300))
                    .message_group_id(format!("g{g}"))
                    .message_deduplication_id(format!("d{n}"))
                    .build()
                    .unwrap(),
            );
        }
        batch.send().await.unwrap();
    }
    // The slow consumer holds group g0's head for ten minutes.
    let slow = take(&sb, &url, 1).await;
    assert_eq!(slow[0].0, "0:0");
    let mut per_group: std::collections::HashMap<String, Vec<u32>> = Default::default();
    loop {
        let got = take(&sb, &url, 10).await;
        if got.is_empty() {
            break;
        }
        for (body, handle, _) in got {
            let (g, i) = body.split_once(':').unwrap();
            assert_ne!(g, "0");
            per_group
                .entry(g.to_owned())
                .or_default()
                .push(i.parse().unwrap());
            delete(&sb, &url, &handle).await;
        }
    }
    assert_eq!(per_group.len(), 299);
    assert!(per_group.values().all(|v| v == &vec![0, 1]));
}

#[tokio::test]
async fn dedup_window_groups_and_counts_survive_restart() {
    let mut sb = TestSandbox::start().await;
    let url = fifo(&sb, "durable.fifo", &[(A::VisibilityTimeout, "60")]).await;
    let (id, _) = put(&sb, &url, "g", "d1", "m1").await;
    put(&sb, &url, "g", "d2", "m2").await;
    let got = take(&sb, &url, 1).await;
    assert_eq!(bodies(&got), vec!["m1"]);
    delete(&sb, &url, &got[0].1).await;
    let got = take(&sb, &url, 1).await;
    assert_eq!(bodies(&got), vec!["m2"]);
    sb.restart().await;
    // m1's deduplication id is still in the window; m2 still blocks its group.
    let (again, _) = put(&sb, &url, "g", "d1", "m1 again").await;
    assert_eq!(again, id);
    put(&sb, &url, "g", "d3", "m3").await;
    assert!(take(&sb, &url, 10).await.is_empty());
    sb.clock().advance(Duration::from_secs(60));
    let got = take(&sb, &url, 10).await;
    assert_eq!(bodies(&got), vec!["m2", "m3"]);
    assert_eq!(got[0].2[&S::ApproximateReceiveCount], "2");
}

#[tokio::test]
async fn a_long_poll_wakes_when_a_delete_unblocks_the_group() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let url = fifo(&sb, "lp.fifo", &[]).await;
    put(&sb, &url, "g", "1", "first").await;
    put(&sb, &url, "g", "2", "second").await;
    let first = take(&sb, &url, 1).await;
    let base = sb.clock().sleepers();
    let sqs = sb.sqs();
    let u = url.clone();
    let waiting = tokio::spawn(async move {
        sqs.receive_message()
            .queue_url(u)
            .wait_time_seconds(20)
            .send()
            .await
            .unwrap()
            .messages
            .unwrap_or_default()
    });
    super::wait_for_sleepers(&sb, base).await;
    delete(&sb, &url, &first[0].1).await;
    let got = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("woken by the delete")
        .unwrap();
    assert_eq!(got[0].body(), Some("second"));
}
