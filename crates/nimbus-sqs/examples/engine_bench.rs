//! The engine and its storage without HTTP: how many sends, batch sends and
//! receive-and-delete cycles per second the engine sustains with durable storage, the cost
//! of a receive at depth, and how long reopening a data directory with many messages takes.
//!
//! ```text
//! cargo run --release -p nimbus-sqs --example engine_bench -- [messages]
//! cargo run --release -p nimbus-sqs --example engine_bench -- fill <dir> <messages>
//! cargo run --release -p nimbus-sqs --example engine_bench -- open <dir>
//! ```

use std::sync::Arc;
use std::time::Instant;

use nimbus_core::{AccountId, Durability, SystemClock};
use nimbus_sqs::engine::Engine;
use nimbus_sqs::engine::messages::{Outgoing, ReceiveRequest};
use nimbus_sqs::engine::queue::QueueKey;
use nimbus_sqs::queue_attributes::QueueAttributes;

const TASKS: usize = 16;

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))?
                .split_whitespace()
                .nth(1)?
                .parse::<f64>()
                .ok()
        })
        .unwrap_or(0.0)
        / 1024.0
}

/// Fills one queue in `dir` with `n` messages.
async fn fill(dir: &std::path::Path, n: u64) {
    let engine = Engine::open(SystemClock::shared(), dir, Durability::Process).unwrap();
    let key = QueueKey::new(AccountId::default(), "us-east-1", "filled");
    let q = engine
        .create_queue(key, &[], QueueAttributes::default(), Default::default())
        .unwrap()
        .queue;
    let body = "x".repeat(256);
    let sender: Arc<str> = Arc::from("000000000000");
    let mut left = n;
    while left > 0 {
        let k = left.min(10);
        let batch = (0..k)
            .map(|_| Outgoing::plain(body.clone(), sender.clone()))
            .collect();
        let (_, ack) = engine.send(&q, batch).unwrap();
        if left.is_multiple_of(10_000) {
            ack.wait().await.unwrap();
        }
        left -= k;
    }
    println!("filled with {n} messages, RSS {:.0} MiB", rss_mib());
    engine.shutdown().await;
}

/// Opens `dir` and reports how long loading took.
async fn open(dir: &std::path::Path) {
    let t = Instant::now();
    let engine = Engine::open(SystemClock::shared(), dir, Durability::Process).unwrap();
    let el = t.elapsed();
    let n: usize = engine
        .all_queues()
        .iter()
        .map(|q| q.with_state(|st| st.messages.len()))
        .sum();
    println!(
        "opened {n} messages in {:.0} ms, RSS {:.0} MiB",
        el.as_secs_f64() * 1000.0,
        rss_mib()
    );
    engine.shutdown().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("fill") => {
            return fill(std::path::Path::new(&args[2]), args[3].parse().unwrap()).await;
        }
        Some("open") => return open(std::path::Path::new(&args[2])).await,
        _ => {}
    }
    let deep: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let engine =
        Arc::new(Engine::open(SystemClock::shared(), dir.path(), Durability::Process).unwrap());
    let key = |n: &str| QueueKey::new(AccountId::default(), "us-east-1", n);
    let mk = |n: &str| {
        let c = engine
            .create_queue(key(n), &[], QueueAttributes::default(), Default::default())
            .unwrap();
        c.queue
    };
    let body = "x".repeat(256);
    let sender: Arc<str> = Arc::from("000000000000");

    // Single sends.
    let q = mk("single");
    let per = 20_000;
    let t = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let (e, q, b, s) = (engine.clone(), q.clone(), body.clone(), sender.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..per {
                let (_, ack) = e
                    .send(&q, vec![Outgoing::plain(b.clone(), s.clone())])
                    .unwrap();
                ack.wait().await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let n = (TASKS * per) as f64;
    println!(
        "send:          {:>9.0} msgs/s",
        n / t.elapsed().as_secs_f64()
    );

    // Batches of ten.
    let q = mk("batch");
    let per = 10_000;
    let t = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let (e, q, b, s) = (engine.clone(), q.clone(), body.clone(), sender.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..per {
                let batch = (0..10)
                    .map(|_| Outgoing::plain(b.clone(), s.clone()))
                    .collect();
                let (_, ack) = e.send(&q, batch).unwrap();
                ack.wait().await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let n = (TASKS * per * 10) as f64;
    println!(
        "send batch:    {:>9.0} msgs/s",
        n / t.elapsed().as_secs_f64()
    );

    // Receive and delete in batches, draining the batch queue.
    let t = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let (e, q) = (engine.clone(), q.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            loop {
                let req = ReceiveRequest {
                    max_messages: 10,
                    visibility_timeout: Some(60),
                    wait_time_seconds: Some(0),
                };
                let got = e.receive(&q, req).await.unwrap();
                if got.is_empty() {
                    break n;
                }
                let handles: Vec<&str> = got.iter().map(|d| d.receipt_handle.as_str()).collect();
                let (_, ack) = e.delete_messages(&q, &handles).unwrap();
                ack.wait().await.unwrap();
                n += got.len() as u64;
            }
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    println!(
        "recv+delete:   {:>9.0} msgs/s",
        total as f64 / t.elapsed().as_secs_f64()
    );

    // Receive cost at depth.
    for depth in [1_000u64, deep] {
        let q = mk(&format!("depth-{depth}"));
        let mut left = depth;
        while left > 0 {
            let n = left.min(10);
            let batch = (0..n)
                .map(|_| Outgoing::plain(body.clone(), sender.clone()))
                .collect();
            let (_, ack) = engine.send(&q, batch).unwrap();
            if left.is_multiple_of(10_000) {
                ack.wait().await.unwrap();
            }
            left -= n;
        }
        let t = Instant::now();
        let mut got = 0;
        for _ in 0..100 {
            let req = ReceiveRequest {
                max_messages: 10,
                visibility_timeout: Some(600),
                wait_time_seconds: Some(0),
            };
            got += engine.receive(&q, req).await.unwrap().len();
        }
        println!(
            "receive(10) at depth {depth:>8}: {:>6.1} us/call ({got} msgs), RSS {:.0} MiB",
            t.elapsed().as_secs_f64() * 1e6 / 100.0,
            rss_mib()
        );
    }
    engine.shutdown().await;
    drop(engine);

    // Reopen.
    let t = Instant::now();
    let reopened = Engine::open(SystemClock::shared(), dir.path(), Durability::Process).unwrap();
    println!(
        "reopen with {} queues: {:.0} ms",
        reopened.all_queues().len(),
        t.elapsed().as_secs_f64() * 1000.0
    );
    reopened.shutdown().await;
}
