//! Crash safety: a child process drives the engine with concurrent senders and consumers on
//! a real data directory and reports every acknowledged send and delete on stdout; the test
//! kills it with SIGKILL mid-load, reopens the data directory and checks that every
//! acknowledged send is there and no acknowledged delete came back.
//!
//! The child is this same test binary, re-run with `NIMBUS_SQS_CRASH_CHILD` set.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nimbus_core::{AccountId, Durability, SystemClock};
use nimbus_sqs::engine::Engine;
use nimbus_sqs::engine::messages::{Outgoing, ReceiveRequest};
use nimbus_sqs::engine::queue::QueueKey;
use nimbus_sqs::queue_attributes::QueueAttributes;

const CHILD_ENV: &str = "NIMBUS_SQS_CRASH_CHILD";
const TEST_NAME: &str = "acknowledged_work_survives_sigkill";

fn key() -> QueueKey {
    QueueKey::new(AccountId::default(), "us-east-1", "crash")
}

/// The child: load until killed.
fn child(dir: &str) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let engine = Arc::new(
            Engine::open(
                SystemClock::shared(),
                std::path::Path::new(dir),
                Durability::Process,
            )
            .unwrap(),
        );
        let attrs = QueueAttributes::for_create("crash", &[]).unwrap();
        let created = engine
            .create_queue(key(), &[], attrs, Default::default())
            .unwrap();
        created.ack.wait().await.unwrap();
        let queue = created.queue;
        let out = Arc::new(std::sync::Mutex::new(std::io::stdout()));
        println!("READY");
        let mut tasks = Vec::new();
        for t in 0..6 {
            let (engine, queue, out) = (engine.clone(), queue.clone(), out.clone());
            tasks.push(tokio::spawn(async move {
                let sender: Arc<str> = Arc::from("000000000000");
                for i in 0u64.. {
                    let n = if i % 3 == 0 { 10 } else { 1 };
                    let batch: Vec<Outgoing> = (0..n)
                        .map(|j| Outgoing::plain(format!("t{t}-{i}-{j}"), sender.clone()))
                        .collect();
                    let ids: Vec<String> = batch.iter().map(|o| o.payload.id.to_string()).collect();
                    let (results, ack) = engine.send(&queue, batch).unwrap();
                    ack.wait().await.unwrap();
                    let mut o = out.lock().unwrap();
                    for (id, r) in ids.iter().zip(results) {
                        r.unwrap();
                        writeln!(o, "S {id}").unwrap();
                    }
                    o.flush().unwrap();
                }
            }));
        }
        for _ in 0..3 {
            let (engine, queue, out) = (engine.clone(), queue.clone(), out.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    let got = engine
                        .receive(
                            &queue,
                            ReceiveRequest {
                                max_messages: 10,
                                visibility_timeout: Some(3600),
                                wait_time_seconds: Some(0),
                            },
                        )
                        .await
                        .unwrap();
                    if got.is_empty() {
                        tokio::task::yield_now().await;
                        continue;
                    }
                    // Delete every other message; leave the rest in flight.
                    let chosen: Vec<_> = got.iter().step_by(2).collect();
                    {
                        // Announce the deletes first: a delete committed but not yet
                        // acknowledged when the process dies may or may not have happened.
                        let mut o = out.lock().unwrap();
                        for d in &chosen {
                            writeln!(o, "P {}", d.payload.id).unwrap();
                        }
                        o.flush().unwrap();
                    }
                    let handles: Vec<&str> =
                        chosen.iter().map(|d| d.receipt_handle.as_str()).collect();
                    let (results, ack) = engine.delete_messages(&queue, &handles).unwrap();
                    ack.wait().await.unwrap();
                    let mut o = out.lock().unwrap();
                    for (d, r) in chosen.iter().zip(results) {
                        r.unwrap();
                        writeln!(o, "D {}", d.payload.id).unwrap();
                    }
                    o.flush().unwrap();
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
    });
}

/// Every message id stored in the queue, read by a fresh engine whose clock is two hours
/// ahead, so the messages left in flight (one-hour visibility) are visible again.
fn stored_ids(dir: &std::path::Path) -> HashSet<String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let clock = nimbus_core::ManualClock::new(SystemClock::shared().now_millis() + 7_200_000);
        let engine = Engine::open(clock, dir, Durability::Process).unwrap();
        let queue = engine.existing(&key()).unwrap();
        let mut ids = HashSet::new();
        loop {
            let got = engine
                .receive(
                    &queue,
                    ReceiveRequest {
                        max_messages: 10,
                        visibility_timeout: Some(43_200),
                        wait_time_seconds: Some(0),
                    },
                )
                .await
                .unwrap();
            if got.is_empty() {
                break;
            }
            for d in got {
                assert!(ids.insert(d.payload.id.to_string()), "delivered twice");
            }
        }
        engine.shutdown().await;
        ids
    })
}

#[test]
fn acknowledged_work_survives_sigkill() {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        child(&dir);
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut proc = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = proc.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines() {
            match line {
                Ok(l) => lines.push(l),
                Err(_) => break,
            }
        }
        lines
    });
    // Let the load run, then kill the process without warning.
    let start = Instant::now();
    std::thread::sleep(Duration::from_millis(1500));
    proc.kill().unwrap(); // SIGKILL on Unix
    let status = proc.wait().unwrap();
    assert!(!status.success());
    let lines = reader.join().unwrap();
    // libtest prints the test's name without a newline before the child's first line.
    assert!(
        lines.iter().any(|l| l.ends_with("READY")),
        "the child never started ({} lines)",
        lines.len()
    );
    let mut sent = HashSet::new();
    let mut deleted = HashSet::new();
    let mut deleting = HashSet::new();
    for l in &lines {
        if let Some(id) = l.strip_prefix("S ") {
            sent.insert(id.to_owned());
        } else if let Some(id) = l.strip_prefix("D ") {
            deleted.insert(id.to_owned());
        } else if let Some(id) = l.strip_prefix("P ") {
            deleting.insert(id.to_owned());
        }
    }
    assert!(
        sent.len() > 100,
        "too little load before the kill: {}",
        sent.len()
    );
    assert!(!deleted.is_empty(), "no deletes before the kill");
    let stored = stored_ids(tmp.path());
    let lost: Vec<_> = sent
        .iter()
        .filter(|id| !deleting.contains(*id) && !stored.contains(*id))
        .collect();
    assert!(lost.is_empty(), "{} acknowledged sends lost", lost.len());
    let resurrected: Vec<_> = deleted.iter().filter(|id| stored.contains(*id)).collect();
    assert!(
        resurrected.is_empty(),
        "{} acknowledged deletes came back",
        resurrected.len()
    );
    eprintln!(
        "crash test: {} sends and {} deletes acknowledged in {:?}; {} messages stored",
        sent.len(),
        deleted.len(),
        start.elapsed(),
        stored.len()
    );
}
