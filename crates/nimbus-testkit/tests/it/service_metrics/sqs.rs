//! `AWS/SQS` through the API: counters counted at the operations (batches count each
//! message), gauges sampled at the minute, the queue's name as the only dimension.

use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, SendMessageBatchRequestEntry};
use nimbus_testkit::TestSandbox;

use super::value;

#[tokio::test]
async fn send_ten_receive_four_delete_three_through_the_api() {
    let sb = TestSandbox::builder()
        .in_memory()
        .record_metrics()
        .start()
        .await;
    let sqs = sb.sqs();
    let url = sqs
        .create_queue()
        .queue_name("orders")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let mut batch = sqs.send_message_batch().queue_url(&url);
    for i in 0..10 {
        batch = batch.entries(
            SendMessageBatchRequestEntry::builder()
                .id(format!("m{i}"))
                .message_body(format!("message {i:02}"))
                .build()
                .unwrap(),
        );
    }
    batch.send().await.unwrap();
    let got = sqs
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(4)
        .visibility_timeout(60)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap();
    assert_eq!(got.len(), 4);
    let mut del = sqs.delete_message_batch().queue_url(&url);
    for (i, m) in got.iter().take(3).enumerate() {
        del = del.entries(
            DeleteMessageBatchRequestEntry::builder()
                .id(format!("d{i}"))
                .receipt_handle(m.receipt_handle().unwrap())
                .build()
                .unwrap(),
        );
    }
    del.send().await.unwrap();
    // An empty receive (the queue's other messages are visible: ask an empty queue).
    let empty = sqs
        .create_queue()
        .queue_name("empty")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let none = sqs
        .receive_message()
        .queue_url(&empty)
        .send()
        .await
        .unwrap();
    assert!(none.messages.unwrap_or_default().is_empty());

    let data = sb.sample_this_minute();
    let q = [("QueueName", "orders")];
    assert_eq!(value(&data, "NumberOfMessagesSent", &q), 10.0);
    assert_eq!(value(&data, "NumberOfMessagesReceived", &q), 4.0);
    assert_eq!(value(&data, "NumberOfMessagesDeleted", &q), 3.0);
    assert_eq!(value(&data, "NumberOfEmptyReceives", &q), 0.0);
    assert_eq!(value(&data, "ApproximateNumberOfMessagesVisible", &q), 6.0);
    assert_eq!(
        value(&data, "ApproximateNumberOfMessagesNotVisible", &q),
        1.0
    );
    assert_eq!(value(&data, "ApproximateNumberOfMessagesDelayed", &q), 0.0);
    let e = [("QueueName", "empty")];
    assert_eq!(value(&data, "NumberOfEmptyReceives", &e), 1.0);
    assert_eq!(value(&data, "NumberOfMessagesSent", &e), 0.0);
    assert!(data.iter().all(|d| d.namespace == "AWS/SQS"));
    // SentMessageSize: ten bodies of 10 bytes.
    let sizes = super::of(&data, "SentMessageSize", &q);
    let sum: f64 = sizes.iter().map(|d| d.value).sum();
    let n: u64 = sizes.iter().map(|d| d.sample_count).sum();
    assert_eq!((sum, n), (100.0, 10));
    // SQS publishes no event metric through the sink: counters are read per minute.
    assert!(sb.metrics().events().is_empty());
}
