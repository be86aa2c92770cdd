//! Message move tasks: errors, moving back to each message's source or to a destination,
//! pacing by the clock, cancellation, listing, and resuming after a restart.

use std::time::Duration;

use aws_sdk_sqs::types::QueueAttributeName as A;
use nimbus_testkit::TestSandbox;

use super::{attribute, code, counts, err, queue, receive};

async fn arn(sb: &TestSandbox, url: &str) -> String {
    attribute(sb, url, "QueueArn").await.unwrap()
}

/// A source queue sending to `dlq` after one receive; returns (url, arn).
async fn source(sb: &TestSandbox, name: &str, dlq_arn: &str) -> (String, String) {
    let url = sb
        .sqs()
        .create_queue()
        .queue_name(name)
        .attributes(A::VisibilityTimeout, "1")
        .attributes(
            A::RedrivePolicy,
            format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":1}}"#),
        )
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let a = arn(sb, &url).await;
    (url, a)
}

/// Sends `bodies` to `src` and drives each into the dead-letter queue.
async fn dead_letter(sb: &TestSandbox, src: &str, bodies: &[&str]) {
    for b in bodies {
        super::send(sb, src, b).await;
    }
    while !receive(sb, src, 10).await.is_empty() {
        sb.clock().advance(Duration::from_secs(1));
    }
    sb.clock().advance(Duration::from_secs(1));
    assert!(receive(sb, src, 10).await.is_empty());
}

/// The most recent task of `source_arn`, waited for (in real time, bounded) until `done`.
async fn task_until(
    sb: &TestSandbox,
    source_arn: &str,
    done: impl Fn(&aws_sdk_sqs::types::ListMessageMoveTasksResultEntry) -> bool,
) -> aws_sdk_sqs::types::ListMessageMoveTasksResultEntry {
    for _ in 0..1_000 {
        let out = sb
            .sqs()
            .list_message_move_tasks()
            .source_arn(source_arn)
            .send()
            .await
            .unwrap();
        if let Some(t) = out.results().first()
            && done(t)
        {
            return t.clone();
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the move task did not reach the expected state");
}

#[tokio::test]
async fn errors() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let plain = queue(&sb, "plain").await;
    let plain_arn = arn(&sb, &plain).await;
    let (c, m) = err(sqs
        .start_message_move_task()
        .source_arn(&plain_arn)
        .send()
        .await);
    assert_eq!(c, "InvalidParameterValue");
    assert!(m.contains("Dead Letter Queue"), "{m}");
    assert_eq!(
        code(
            sqs.start_message_move_task()
                .source_arn("arn:aws:sqs:us-east-1:000000000000:missing")
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
    assert_eq!(
        code(
            sqs.list_message_move_tasks()
                .source_arn("arn:aws:sqs:us-east-1:000000000000:missing")
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
    assert_eq!(
        code(
            sqs.cancel_message_move_task()
                .task_handle("nonsense")
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
    let dlq = queue(&sb, "dlq").await;
    let dlq_arn = arn(&sb, &dlq).await;
    source(&sb, "src", &dlq_arn).await;
    assert_eq!(
        code(
            sqs.start_message_move_task()
                .source_arn(&dlq_arn)
                .destination_arn("arn:aws:sqs:us-east-1:000000000000:missing")
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
    assert_eq!(
        code(
            sqs.start_message_move_task()
                .source_arn(&dlq_arn)
                .max_number_of_messages_per_second(501)
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
    assert_eq!(
        code(
            sqs.list_message_move_tasks()
                .source_arn(&dlq_arn)
                .max_results(11)
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
    // One active task per source: a paced task stays running while the clock stands.
    let (src_url, _) = source(&sb, "src2", &dlq_arn).await;
    dead_letter(&sb, &src_url, &["a", "b", "c"]).await;
    let handle = sqs
        .start_message_move_task()
        .source_arn(&dlq_arn)
        .max_number_of_messages_per_second(1)
        .send()
        .await
        .unwrap()
        .task_handle
        .unwrap();
    let (c, m) = err(sqs
        .start_message_move_task()
        .source_arn(&dlq_arn)
        .send()
        .await);
    assert_eq!(c, "InvalidParameterValue");
    assert!(m.contains("already a task running"), "{m}");
    let running = task_until(&sb, &dlq_arn, |t| {
        t.approximate_number_of_messages_moved() == 1
    })
    .await;
    assert_eq!(running.status(), Some("RUNNING"));
    assert_eq!(running.task_handle(), Some(handle.as_str()));
    assert_eq!(running.max_number_of_messages_per_second(), Some(1));
    assert_eq!(running.approximate_number_of_messages_to_move(), Some(3));
    // Cancel: moved so far is reported, the rest stays in the dead-letter queue.
    let moved = sqs
        .cancel_message_move_task()
        .task_handle(&handle)
        .send()
        .await
        .unwrap()
        .approximate_number_of_messages_moved();
    assert_eq!(moved, 1);
    let t = task_until(&sb, &dlq_arn, |t| t.status() == Some("CANCELLED")).await;
    assert!(t.task_handle().is_none());
    assert_eq!(counts(&sb, &dlq).await.0, 2);
    assert_eq!(counts(&sb, &src_url).await.0, 1);
    assert_eq!(
        code(
            sqs.cancel_message_move_task()
                .task_handle(&handle)
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
}

#[tokio::test]
async fn messages_go_back_to_their_sources() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let dlq = queue(&sb, "dlq").await;
    let dlq_arn = arn(&sb, &dlq).await;
    let (a, _) = source(&sb, "a", &dlq_arn).await;
    let (b, _) = source(&sb, "b", &dlq_arn).await;
    dead_letter(&sb, &a, &["a1", "a2"]).await;
    dead_letter(&sb, &b, &["b1"]).await;
    assert_eq!(counts(&sb, &dlq).await, (3, 0, 0));
    sqs.start_message_move_task()
        .source_arn(&dlq_arn)
        .send()
        .await
        .unwrap();
    let t = task_until(&sb, &dlq_arn, |t| t.status() == Some("COMPLETED")).await;
    assert_eq!(t.approximate_number_of_messages_moved(), 3);
    assert_eq!(t.approximate_number_of_messages_to_move(), Some(3));
    assert_eq!(t.source_arn(), Some(dlq_arn.as_str()));
    assert!(t.destination_arn().is_none());
    assert!(t.started_timestamp() > 0);
    assert_eq!(counts(&sb, &dlq).await, (0, 0, 0));
    let mut got: Vec<String> = receive(&sb, &a, 10)
        .await
        .iter()
        .map(|m| m.body().unwrap().to_owned())
        .collect();
    got.sort();
    assert_eq!(got, vec!["a1", "a2"]);
    let back = receive(&sb, &b, 10).await;
    assert_eq!(back[0].body(), Some("b1"));
    // The receive count starts again.
    assert_eq!(
        back[0].attributes().unwrap()
            [&aws_sdk_sqs::types::MessageSystemAttributeName::ApproximateReceiveCount],
        "1"
    );
}

#[tokio::test]
async fn to_a_destination_at_a_fixed_rate() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let dlq = queue(&sb, "dlq").await;
    let dlq_arn = arn(&sb, &dlq).await;
    let (src, _) = source(&sb, "src", &dlq_arn).await;
    let dest = queue(&sb, "dest").await;
    let dest_arn = arn(&sb, &dest).await;
    dead_letter(&sb, &src, &["1", "2", "3", "4"]).await;
    sqs.start_message_move_task()
        .source_arn(&dlq_arn)
        .destination_arn(&dest_arn)
        .max_number_of_messages_per_second(2)
        .send()
        .await
        .unwrap();
    let t = task_until(&sb, &dlq_arn, |t| {
        t.approximate_number_of_messages_moved() == 1
    })
    .await;
    assert_eq!(t.destination_arn(), Some(dest_arn.as_str()));
    // Two per second of clock time: without the clock moving, no more than the first.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(counts(&sb, &dest).await.0, 1);
    sb.clock().advance(Duration::from_millis(500));
    task_until(&sb, &dlq_arn, |t| {
        t.approximate_number_of_messages_moved() == 2
    })
    .await;
    sb.clock().advance(Duration::from_secs(2));
    let t = task_until(&sb, &dlq_arn, |t| t.status() == Some("COMPLETED")).await;
    assert_eq!(t.approximate_number_of_messages_moved(), 4);
    assert_eq!(counts(&sb, &dest).await.0, 4);
    assert_eq!(counts(&sb, &src).await.0, 0);
    // The list shows the most recent tasks first, up to MaxResults.
    sqs.start_message_move_task()
        .source_arn(&dlq_arn)
        .send()
        .await
        .unwrap();
    task_until(&sb, &dlq_arn, |t| {
        t.status() == Some("COMPLETED") && t.destination_arn().is_none()
    })
    .await;
    let all = sqs
        .list_message_move_tasks()
        .source_arn(&dlq_arn)
        .max_results(10)
        .send()
        .await
        .unwrap();
    assert_eq!(all.results().len(), 2);
    assert!(all.results()[0].destination_arn().is_none());
    assert_eq!(all.results()[1].destination_arn(), Some(dest_arn.as_str()));
}

#[tokio::test]
async fn a_failed_task_says_why() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let dlq = queue(&sb, "dlq").await;
    let dlq_arn = arn(&sb, &dlq).await;
    let (src, _) = source(&sb, "src", &dlq_arn).await;
    dead_letter(&sb, &src, &["x"]).await;
    // The original source is gone (another queue still names the DLQ).
    source(&sb, "keeper", &dlq_arn).await;
    sqs.delete_queue().queue_url(&src).send().await.unwrap();
    sqs.start_message_move_task()
        .source_arn(&dlq_arn)
        .send()
        .await
        .unwrap();
    let t = task_until(&sb, &dlq_arn, |t| t.status() == Some("FAILED")).await;
    assert_eq!(
        t.failure_reason(),
        Some("AWS.SimpleQueueService.NonExistentQueue")
    );
    assert_eq!(counts(&sb, &dlq).await.0, 1);
}

#[tokio::test]
async fn running_tasks_resume_after_restart() {
    let mut sb = TestSandbox::start().await;
    let sqs = sb.sqs();
    let dlq = queue(&sb, "dlq").await;
    let dlq_arn = arn(&sb, &dlq).await;
    let (src, _) = source(&sb, "src", &dlq_arn).await;
    dead_letter(&sb, &src, &["1", "2", "3"]).await;
    sqs.start_message_move_task()
        .source_arn(&dlq_arn)
        .max_number_of_messages_per_second(1)
        .send()
        .await
        .unwrap();
    task_until(&sb, &dlq_arn, |t| {
        t.approximate_number_of_messages_moved() == 1
    })
    .await;
    sb.restart().await;
    let t = task_until(&sb, &dlq_arn, |_| true).await;
    assert_eq!(t.status(), Some("RUNNING"));
    assert_eq!(t.approximate_number_of_messages_moved(), 1);
    sb.clock().advance(Duration::from_secs(3));
    let t = task_until(&sb, &dlq_arn, |t| t.status() == Some("COMPLETED")).await;
    assert_eq!(t.approximate_number_of_messages_moved(), 3);
    assert_eq!(counts(&sb, &src).await.0, 3);
}

#[tokio::test]
async fn query_protocol_shapes() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let dlq = queue(&sb, "dlq").await;
    let dlq_arn = arn(&sb, &dlq).await;
    let (src, _) = source(&sb, "src", &dlq_arn).await;
    dead_letter(&sb, &src, &["q"]).await;
    let (status, body) = super::query(
        &sb,
        "/",
        &[
            ("Action", "StartMessageMoveTask"),
            ("SourceArn", &dlq_arn),
            ("Version", "2012-11-05"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(super::xml_text(&body, "TaskHandle").is_some(), "{body}");
    task_until(&sb, &dlq_arn, |t| t.status() == Some("COMPLETED")).await;
    let (status, body) = super::query(
        &sb,
        "/",
        &[
            ("Action", "ListMessageMoveTasks"),
            ("SourceArn", &dlq_arn),
            ("MaxResults", "10"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<Results>"), "{body}");
    assert_eq!(super::xml_text(&body, "Status"), Some("COMPLETED"));
    assert_eq!(
        super::xml_text(&body, "ApproximateNumberOfMessagesMoved"),
        Some("1")
    );
    // A FIFO send answers its sequence number in XML too.
    let fifo = sb
        .sqs()
        .create_queue()
        .queue_name("x.fifo")
        .attributes(A::FifoQueue, "true")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let (status, body) = super::query(
        &sb,
        "/",
        &[
            ("Action", "SendMessage"),
            ("QueueUrl", &fifo),
            ("MessageBody", "b"),
            ("MessageGroupId", "g"),
            ("MessageDeduplicationId", "d"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        super::xml_text(&body, "SequenceNumber").map(str::len),
        Some(20)
    );
}
