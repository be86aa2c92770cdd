//! Long polling on the controlled clock: a waiting receive returns the moment a message
//! becomes available (a send, a visibility expiry, a delay expiry) and empty at its deadline.

use std::time::Duration;

use aws_sdk_sqs::types::QueueAttributeName as A;
use nimbus_testkit::TestSandbox;
use tokio::task::JoinHandle;

use super::{queue, receive, send, wait_for_sleepers};

type Polled = Vec<aws_sdk_sqs::types::Message>;

/// Starts a receive waiting up to `wait` seconds (`None`: the queue's default) and returns
/// once it is waiting on the clock.
async fn start_poll(sb: &TestSandbox, url: &str, wait: Option<i32>) -> JoinHandle<Polled> {
    let base = sb.clock().sleepers();
    let sqs = sb.sqs();
    let url = url.to_owned();
    let h = tokio::spawn(async move {
        sqs.receive_message()
            .queue_url(url)
            .set_wait_time_seconds(wait)
            .max_number_of_messages(10)
            .send()
            .await
            .expect("receive")
            .messages
            .unwrap_or_default()
    });
    wait_for_sleepers(sb, base).await;
    h
}

async fn finish(h: JoinHandle<Polled>) -> Polled {
    tokio::time::timeout(Duration::from_secs(10), h)
        .await
        .expect("the long poll returned")
        .expect("task")
}

#[tokio::test]
async fn a_send_wakes_a_waiting_receive() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let url = queue(&sb, "lp").await;
    let h = start_poll(&sb, &url, Some(20)).await;
    assert!(!h.is_finished());
    send(&sb, &url, "wake up").await;
    let got = finish(h).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body(), Some("wake up"));
}

#[tokio::test]
async fn an_empty_poll_returns_at_its_deadline() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let url = queue(&sb, "lp-empty").await;
    let h = start_poll(&sb, &url, Some(5)).await;
    sb.clock().advance(Duration::from_millis(4_999));
    tokio::task::yield_now().await;
    assert!(!h.is_finished());
    sb.clock().advance(Duration::from_millis(1));
    assert!(finish(h).await.is_empty());
}

#[tokio::test]
async fn a_visibility_expiry_wakes_a_waiting_receive() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = queue(&sb, "lp-vis").await;
    send(&sb, &url, "again").await;
    sqs.receive_message()
        .queue_url(&url)
        .visibility_timeout(5)
        .send()
        .await
        .unwrap();
    let h = start_poll(&sb, &url, Some(20)).await;
    sb.clock().advance(Duration::from_secs(5));
    let got = finish(h).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body(), Some("again"));
}

#[tokio::test]
async fn a_delay_expiry_wakes_a_waiting_receive() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = queue(&sb, "lp-delay").await;
    sqs.send_message()
        .queue_url(&url)
        .message_body("later")
        .delay_seconds(3)
        .send()
        .await
        .unwrap();
    let h = start_poll(&sb, &url, Some(20)).await;
    sb.clock().advance(Duration::from_secs(3));
    let got = finish(h).await;
    assert_eq!(got[0].body(), Some("later"));
}

#[tokio::test]
async fn the_queue_default_wait_applies() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let url = sb
        .sqs()
        .create_queue()
        .queue_name("lp-default")
        .attributes(A::ReceiveMessageWaitTimeSeconds, "20")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let h = start_poll(&sb, &url, None).await;
    sb.clock().advance(Duration::from_secs(19));
    tokio::task::yield_now().await;
    assert!(!h.is_finished());
    send(&sb, &url, "x").await;
    assert_eq!(finish(h).await.len(), 1);
    // WaitTimeSeconds=0 overrides the queue's default: returns at once.
    let got = sb
        .sqs()
        .receive_message()
        .queue_url(&url)
        .wait_time_seconds(0)
        .send()
        .await
        .unwrap();
    assert!(got.messages().is_empty());
}

#[tokio::test]
async fn many_waiters_share_the_messages() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let url = queue(&sb, "lp-many").await;
    let mut polls = Vec::new();
    for _ in 0..4 {
        polls.push(start_poll(&sb, &url, Some(20)).await);
    }
    for i in 0..4 {
        send(&sb, &url, &format!("m{i}")).await;
    }
    // Every message reaches exactly one waiter; waiters left without one return at the
    // deadline.
    sb.clock().advance(Duration::from_secs(20));
    let mut total = 0;
    for p in polls {
        total += finish(p).await.len();
    }
    assert_eq!(total + receive(&sb, &url, 10).await.len(), 4);
    assert!(total >= 1);
}
