//! SQS's CloudWatch metrics, read as CloudWatch reads them (the engine's minute sample) on a
//! manual clock: the exact points of a send / receive / delete sequence, empty receives, the
//! age of the oldest message with a poison pill and a dead-letter move, FIFO deduplication,
//! and the six-hour activity rule.

use std::sync::Arc;

use nimbus_core::bus::metrics::{MetricDatum, MetricUnit};
use nimbus_core::{AccountId, Clock, ManualClock};
use nimbus_sqs::engine::Engine;
use nimbus_sqs::engine::message::{Payload, PayloadExtra};
use nimbus_sqs::engine::messages::{Outgoing, ReceiveRequest};
use nimbus_sqs::engine::queue::{Queue, QueueKey};
use nimbus_sqs::queue_attributes::QueueAttributes;

/// A minute boundary to start from.
const T0: u64 = 1_800_000_000_000;

fn engine() -> (Engine, Arc<ManualClock>) {
    let clock = ManualClock::new(T0);
    (Engine::in_memory(clock.clone()), clock)
}

fn queue(engine: &Engine, name: &str, attrs: &[(&str, &str)]) -> Arc<Queue> {
    let attrs: Vec<(String, String)> = attrs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let key = QueueKey::new(AccountId::default(), "us-east-1", name);
    let attributes = QueueAttributes::for_create(name, &attrs).unwrap();
    engine
        .create_queue(key, &attrs, attributes, Default::default())
        .unwrap()
        .queue
}

fn send(engine: &Engine, q: &Queue, bodies: &[&str]) {
    let out = bodies
        .iter()
        .map(|b| Outgoing::plain((*b).to_owned(), Arc::from("000000000000")))
        .collect();
    let (results, _) = engine.send(q, out).unwrap();
    assert!(results.iter().all(|r| r.is_ok()));
}

fn receive(engine: &Engine, q: &Queue, max: usize, visibility: u32) -> Vec<String> {
    let req = ReceiveRequest {
        max_messages: max,
        visibility_timeout: Some(visibility),
        wait_time_seconds: Some(0),
    };
    let (got, _, _) = engine.try_receive(q, &req).unwrap();
    got.into_iter().map(|d| d.receipt_handle).collect()
}

/// The minute's data, sampled at the end of the minute the clock is in.
fn sample(engine: &Engine, clock: &ManualClock) -> Vec<MetricDatum> {
    let now = clock.now_millis();
    let minute_end = now - now % 60_000 + 60_000;
    let mut out = Vec::new();
    engine.sample_metrics(minute_end, &mut out);
    out
}

/// The data of `metric` for `queue`, as (value, sample count).
fn points(data: &[MetricDatum], queue: &str, metric: &str) -> Vec<(f64, u64)> {
    data.iter()
        .filter(|d| d.metric_name == metric && d.dimensions == [("QueueName", queue.to_owned())])
        .map(|d| (d.value, d.sample_count))
        .collect()
}

fn one(data: &[MetricDatum], queue: &str, metric: &str) -> f64 {
    let p = points(data, queue, metric);
    assert_eq!(p.len(), 1, "{metric} of {queue}: {p:?}");
    p[0].0
}

#[test]
fn send_ten_receive_four_delete_three() {
    let (engine, clock) = engine();
    let q = queue(&engine, "orders", &[]);
    let bodies: Vec<String> = (0..10).map(|i| "x".repeat(10 + i)).collect();
    let refs: Vec<&str> = bodies.iter().map(String::as_str).collect();
    send(&engine, &q, &refs);
    clock.advance(std::time::Duration::from_secs(5));
    let handles = receive(&engine, &q, 4, 30);
    assert_eq!(handles.len(), 4);
    let hs: Vec<&str> = handles[..3].iter().map(String::as_str).collect();
    let (results, _) = engine.delete_messages(&q, &hs).unwrap();
    assert!(results.iter().all(|r| r.is_ok()));

    let data = sample(&engine, &clock);
    assert!(data.iter().all(|d| d.namespace == "AWS/SQS"
        && d.account == "000000000000"
        && d.region == "us-east-1"
        && d.timestamp_millis == T0));
    assert_eq!(one(&data, "orders", "NumberOfMessagesSent"), 10.0);
    assert_eq!(one(&data, "orders", "NumberOfMessagesReceived"), 4.0);
    assert_eq!(one(&data, "orders", "NumberOfMessagesDeleted"), 3.0);
    assert_eq!(one(&data, "orders", "NumberOfEmptyReceives"), 0.0);
    assert_eq!(
        one(&data, "orders", "ApproximateNumberOfMessagesVisible"),
        6.0
    );
    assert_eq!(
        one(&data, "orders", "ApproximateNumberOfMessagesNotVisible"),
        1.0
    );
    assert_eq!(
        one(&data, "orders", "ApproximateNumberOfMessagesDelayed"),
        0.0
    );
    // Sampled at the minute's end, 60 s after the sends.
    assert_eq!(one(&data, "orders", "ApproximateAgeOfOldestMessage"), 60.0);
    let sent = data
        .iter()
        .find(|d| d.metric_name == "NumberOfMessagesSent")
        .unwrap();
    assert_eq!((sent.sample_count, sent.unit), (10, MetricUnit::Count));
    // SentMessageSize: sizes 10..=19 → Sum 145, Min 10, Max 19, SampleCount 10.
    let size = points(&data, "orders", "SentMessageSize");
    let sum: f64 = size.iter().map(|p| p.0).sum();
    let count: u64 = size.iter().map(|p| p.1).sum();
    assert_eq!((sum, count), (145.0, 10));
    assert!(size.contains(&(10.0, 1)) && size.contains(&(19.0, 1)));
    assert!(
        size.iter()
            .all(|(v, n)| v / *n as f64 >= 10.0 && v / *n as f64 <= 19.0)
    );
    assert!(
        data.iter()
            .filter(|d| d.metric_name == "SentMessageSize")
            .all(|d| d.unit == MetricUnit::Bytes)
    );
    // Not a FIFO queue: no FIFO metrics.
    assert!(points(&data, "orders", "NumberOfDeduplicatedSentMessages").is_empty());

    // The next minute: counters were reset, gauges stay; no size without sends. The
    // in-flight message's visibility lapsed meanwhile.
    clock.advance(std::time::Duration::from_secs(60));
    let data = sample(&engine, &clock);
    assert_eq!(one(&data, "orders", "NumberOfMessagesSent"), 0.0);
    assert_eq!(one(&data, "orders", "NumberOfMessagesReceived"), 0.0);
    assert_eq!(one(&data, "orders", "NumberOfMessagesDeleted"), 0.0);
    assert_eq!(
        one(&data, "orders", "ApproximateNumberOfMessagesVisible"),
        7.0
    );
    assert_eq!(
        one(&data, "orders", "ApproximateNumberOfMessagesNotVisible"),
        0.0
    );
    assert!(points(&data, "orders", "SentMessageSize").is_empty());
}

#[test]
fn every_delete_with_a_valid_handle_counts_repeats_included() {
    let (engine, clock) = engine();
    let q = queue(&engine, "q", &[]);
    send(&engine, &q, &["a"]);
    let h = receive(&engine, &q, 1, 30);
    let (r, _) = engine
        .delete_messages(&q, &[h[0].as_str(), h[0].as_str(), "not-a-handle"])
        .unwrap();
    assert!(r[0].is_ok() && r[1].is_ok() && r[2].is_err());
    let data = sample(&engine, &clock);
    assert_eq!(one(&data, "q", "NumberOfMessagesDeleted"), 2.0);
}

#[tokio::test]
async fn empty_receives_count_calls_that_returned_nothing() {
    let (engine, clock) = engine();
    let q = queue(&engine, "idle", &[]);
    let req = ReceiveRequest {
        max_messages: 10,
        visibility_timeout: None,
        wait_time_seconds: Some(0),
    };
    for _ in 0..3 {
        assert!(engine.receive(&q, req).await.unwrap().is_empty());
    }
    send(&engine, &q, &["m"]);
    assert_eq!(engine.receive(&q, req).await.unwrap().len(), 1);
    let data = sample(&engine, &clock);
    assert_eq!(one(&data, "idle", "NumberOfEmptyReceives"), 3.0);
    assert_eq!(one(&data, "idle", "NumberOfMessagesReceived"), 1.0);
}

#[test]
fn age_of_oldest_skips_a_poison_pill_and_restarts_in_the_dead_letter_queue() {
    let (engine, clock) = engine();
    let secs = |s| std::time::Duration::from_secs(s);
    let dlq = queue(&engine, "dlq", &[]);
    let q = queue(&engine, "work", &[]);
    send(&engine, &q, &["poison"]);
    clock.advance(secs(10));
    send(&engine, &q, &["second"]);
    // The first message, received twice, still counts: age from T0.
    for _ in 0..2 {
        assert_eq!(receive(&engine, &q, 1, 0).len(), 1);
    }
    let data = sample(&engine, &clock);
    assert_eq!(one(&data, "work", "ApproximateAgeOfOldestMessage"), 60.0);
    // Received a third time without a delete: a poison pill; the age is the next message's.
    assert_eq!(receive(&engine, &q, 1, 0).len(), 1);
    let data = sample(&engine, &clock);
    assert_eq!(one(&data, "work", "ApproximateAgeOfOldestMessage"), 50.0);

    // With a redrive policy (maxReceiveCount 3), the next receive moves it to the
    // dead-letter queue, where its age starts at the move.
    let policy = format!(
        r#"{{"deadLetterTargetArn":"{}","maxReceiveCount":3}}"#,
        dlq.arn
    );
    engine
        .set_attributes(&q, &[("RedrivePolicy".to_owned(), policy)])
        .unwrap();
    clock.advance(secs(100)); // T0 + 110 s
    let got = receive(&engine, &q, 1, 30);
    assert_eq!(got.len(), 1, "the second message is delivered");
    let data = sample(&engine, &clock); // minute ending at T0 + 120 s
    assert_eq!(one(&data, "dlq", "ApproximateAgeOfOldestMessage"), 10.0);
    assert_eq!(one(&data, "dlq", "ApproximateNumberOfMessagesVisible"), 1.0);
    // A move is not a send.
    assert_eq!(one(&data, "dlq", "NumberOfMessagesSent"), 0.0);
    assert_eq!(one(&data, "work", "ApproximateAgeOfOldestMessage"), 110.0);
}

#[test]
fn fifo_queues_report_deduplicated_sends_and_groups_in_flight() {
    let (engine, clock) = engine();
    let q = queue(
        &engine,
        "jobs.fifo",
        &[
            ("FifoQueue", "true"),
            ("ContentBasedDeduplication", "false"),
        ],
    );
    let msg = |group: &str, dedup: &str| Outgoing {
        payload: Arc::new(Payload::new(
            "body".to_owned(),
            Arc::from("000000000000"),
            PayloadExtra {
                group_id: Some(group.to_owned()),
                dedup_id: Some(dedup.to_owned()),
                ..PayloadExtra::default()
            },
        )),
        delay_seconds: None,
        size: 4,
    };
    let (r, _) = engine
        .send(
            &q,
            vec![msg("a", "1"), msg("a", "1"), msg("b", "2"), msg("b", "2")],
        )
        .unwrap();
    assert!(r.iter().all(|r| r.is_ok()));
    assert_eq!(receive(&engine, &q, 1, 30).len(), 1);
    let data = sample(&engine, &clock);
    assert_eq!(one(&data, "jobs.fifo", "NumberOfMessagesSent"), 2.0);
    assert_eq!(
        one(&data, "jobs.fifo", "NumberOfDeduplicatedSentMessages"),
        2.0
    );
    assert_eq!(
        one(
            &data,
            "jobs.fifo",
            "ApproximateNumberOfGroupsWithInflightMessages"
        ),
        1.0
    );
}

#[test]
fn only_queues_active_in_the_last_six_hours_report() {
    let (engine, clock) = engine();
    let q = queue(&engine, "quiet", &[]);
    let busy = queue(&engine, "holding", &[]);
    send(&engine, &busy, &["kept"]);
    let data = sample(&engine, &clock);
    assert_eq!(
        one(&data, "quiet", "ApproximateNumberOfMessagesVisible"),
        0.0
    );
    // No message and no action for six hours: no data.
    clock.advance(std::time::Duration::from_secs(6 * 3600 + 60));
    let data = sample(&engine, &clock);
    assert!(points(&data, "quiet", "ApproximateNumberOfMessagesVisible").is_empty());
    // A queue holding messages stays active.
    assert_eq!(
        one(&data, "holding", "ApproximateNumberOfMessagesVisible"),
        1.0
    );
    // Any action makes it active again.
    receive(&engine, &q, 1, 30);
    let data = sample(&engine, &clock);
    assert_eq!(one(&data, "quiet", "NumberOfEmptyReceives"), 0.0);
    assert_eq!(
        one(&data, "quiet", "ApproximateNumberOfMessagesVisible"),
        0.0
    );
}

#[test]
fn a_fifo_queue_keeps_a_failing_message_as_the_oldest() {
    let (engine, clock) = engine();
    let q = queue(&engine, "strict.fifo", &[("FifoQueue", "true")]);
    let out = Outgoing {
        payload: Arc::new(Payload::new(
            "body".to_owned(),
            Arc::from("000000000000"),
            PayloadExtra {
                group_id: Some("g".to_owned()),
                dedup_id: Some("d".to_owned()),
                ..PayloadExtra::default()
            },
        )),
        delay_seconds: None,
        size: 4,
    };
    engine.send(&q, vec![out]).unwrap();
    for _ in 0..3 {
        assert_eq!(receive(&engine, &q, 1, 30).len(), 1);
        clock.advance(std::time::Duration::from_secs(31));
    }
    // Received three times, not deleted: still the oldest (no reordering on FIFO queues).
    let data = sample(&engine, &clock);
    assert_eq!(
        one(&data, "strict.fifo", "ApproximateAgeOfOldestMessage"),
        120.0
    );
}
