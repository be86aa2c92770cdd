//! FIFO properties under random interleavings, against the engine directly (in memory, with
//! a manual clock): sends (with duplicate deduplication ids), receives of 1–10 messages with
//! random visibility timeouts, deletes of random in-flight messages, visibility changes and
//! clock advances across a handful of groups. After every step:
//!
//! - no group ever has a message delivered while an earlier message of it is still
//!   undeleted (order within the group is strict, and a group is blocked while in flight);
//! - no message is ever delivered whose deduplication id was already used in the window;
//! - deleted messages are never delivered again.
//!
//! Seeded, so a failure reproduces; a few thousand steps per seed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use nimbus_core::{AccountId, Clock, ManualClock, SharedClock};
use nimbus_sqs::engine::Engine;
use nimbus_sqs::engine::message::{Payload, PayloadExtra};
use nimbus_sqs::engine::messages::{Outgoing, ReceiveRequest};
use nimbus_sqs::engine::queue::{Queue, QueueKey};
use nimbus_sqs::queue_attributes::QueueAttributes;

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn fifo_queue(engine: &Engine, name: &str, scope: &str) -> Arc<Queue> {
    let attrs = vec![
        ("FifoQueue".to_owned(), "true".to_owned()),
        ("DeduplicationScope".to_owned(), scope.to_owned()),
    ];
    let key = QueueKey::new(AccountId::default(), "us-east-1", name);
    let attributes = QueueAttributes::for_create(name, &attrs).unwrap();
    engine
        .create_queue(key, &attrs, attributes, Default::default())
        .unwrap()
        .queue
}

fn outgoing(body: String, group: &str, dedup: &str) -> Outgoing {
    let size = body.len();
    Outgoing {
        payload: Arc::new(Payload::new(
            body,
            Arc::from("000000000000"),
            PayloadExtra {
                group_id: Some(group.to_owned()),
                dedup_id: Some(dedup.to_owned()),
                ..PayloadExtra::default()
            },
        )),
        delay_seconds: None,
        size,
    }
}

fn run(seed: u64, steps: usize, groups: u64, per_group_scope: bool) {
    let clock = ManualClock::new(1_800_000_000_000);
    let shared: SharedClock = clock.clone();
    let engine = Engine::in_memory(shared);
    let scope = if per_group_scope {
        "messageGroup"
    } else {
        "queue"
    };
    let queue = fifo_queue(&engine, "p.fifo", scope);
    let mut rng = Rng(seed | 1);

    // Model: per group, the bodies not yet deleted, in send order.
    let mut pending: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // Deduplication key -> (first send time, body of the first copy).
    let mut window: HashMap<String, (u64, String)> = HashMap::new();
    let mut deleted: HashSet<String> = HashSet::new();
    // Handles of the latest receive of each body.
    let mut inflight: Vec<(String, String)> = Vec::new();
    let mut next_body = 0u64;

    for step in 0..steps {
        let now = clock.now_millis();
        match rng.below(10) {
            0..=3 => {
                let n = 1 + rng.below(4) as usize;
                let mut batch = Vec::new();
                let mut expect = Vec::new();
                for _ in 0..n {
                    let group = format!("g{}", rng.below(groups));
                    // Reuse a recent deduplication id now and then.
                    let dedup = if rng.below(4) == 0 && next_body > 0 {
                        format!("d{}", next_body - 1 - rng.below(next_body.min(5)))
                    } else {
                        format!("d{next_body}")
                    };
                    let body = format!("b{next_body}");
                    next_body += 1;
                    let key = if per_group_scope {
                        format!("{group}/{dedup}")
                    } else {
                        dedup.clone()
                    };
                    batch.push(outgoing(body.clone(), &group, &dedup));
                    expect.push((group, key, body));
                }
                let (results, _) = engine.send(&queue, batch).unwrap();
                for ((group, key, body), r) in expect.into_iter().zip(results) {
                    let sent = r.unwrap();
                    let live = window.get(&key).is_some_and(|(at, _)| now < at + 300_000);
                    assert_eq!(
                        sent.duplicate, live,
                        "step {step}: duplicate flag of {body}"
                    );
                    if !live {
                        window.insert(key, (now, body.clone()));
                        pending.entry(group).or_default().push(body);
                    }
                }
            }
            4..=6 => {
                let max = 1 + rng.below(10) as usize;
                let vis = [0u32, 1, 5, 30][rng.below(4) as usize];
                let (got, _, _) = engine
                    .try_receive(
                        &queue,
                        &ReceiveRequest {
                            max_messages: max,
                            visibility_timeout: Some(vis),
                            wait_time_seconds: Some(0),
                        },
                    )
                    .unwrap();
                assert!(got.len() <= max);
                let mut seen_in_call: HashMap<String, usize> = HashMap::new();
                for d in &got {
                    let body = d.payload.body.to_string();
                    assert!(
                        !deleted.contains(&body),
                        "step {step}: deleted {body} came back"
                    );
                    let group = d.payload.group_id().unwrap().to_owned();
                    let list = pending.get(&group).expect("group known");
                    let pos = list.iter().position(|b| *b == body).expect("pending");
                    // Everything before it in its group was delivered earlier in this same
                    // call (a run from the group's head); nothing earlier is outstanding.
                    let before = seen_in_call.get(&group).copied().unwrap_or(0);
                    assert_eq!(
                        pos, before,
                        "step {step}: {body} of {group} delivered out of order ({list:?})"
                    );
                    seen_in_call.insert(group, before + 1);
                    inflight.retain(|(b, _)| *b != body);
                    inflight.push((body, d.receipt_handle.clone()));
                }
            }
            7 => {
                if !inflight.is_empty() {
                    let i = rng.below(inflight.len() as u64) as usize;
                    let (body, handle) = inflight.swap_remove(i);
                    let (results, _) = engine.delete_messages(&queue, &[&handle]).unwrap();
                    if results[0].is_ok() {
                        for list in pending.values_mut() {
                            list.retain(|b| *b != body);
                        }
                        deleted.insert(body);
                    }
                }
            }
            8 => {
                if !inflight.is_empty() {
                    let i = rng.below(inflight.len() as u64) as usize;
                    let (_, handle) = &inflight[i];
                    let _ = engine.change_visibility(&queue, &[(handle.as_str(), 0)]);
                }
            }
            _ => {
                clock.advance(Duration::from_millis(rng.below(20_000)));
            }
        }
        // A delivered message whose handle expired must block nothing beyond its group's
        // order: the model above already checks that the delivered message is the group's
        // oldest outstanding one.
        let _ = window.len();
    }
    // Drain: everything left is delivered, in order, each exactly once more at most.
    clock.advance(Duration::from_secs(60));
    loop {
        let (got, _, _) = engine
            .try_receive(
                &queue,
                &ReceiveRequest {
                    max_messages: 10,
                    visibility_timeout: Some(30),
                    wait_time_seconds: Some(0),
                },
            )
            .unwrap();
        if got.is_empty() {
            break;
        }
        let mut seen_in_call: HashMap<String, usize> = HashMap::new();
        for d in &got {
            let body = d.payload.body.to_string();
            let group = d.payload.group_id().unwrap().to_owned();
            let list = pending.get_mut(&group).unwrap();
            let before = seen_in_call.get(&group).copied().unwrap_or(0);
            assert_eq!(list.iter().position(|b| *b == body), Some(before));
            seen_in_call.insert(group, before + 1);
        }
        for d in &got {
            let body = d.payload.body.to_string();
            for list in pending.values_mut() {
                list.retain(|b| *b != body);
            }
            let (r, _) = engine
                .delete_messages(&queue, &[&d.receipt_handle])
                .unwrap();
            r[0].as_ref().unwrap();
        }
    }
    assert!(
        pending.values().all(Vec::is_empty),
        "undelivered messages left: {pending:?}"
    );
}

#[test]
fn random_interleavings_keep_group_order_and_deduplicate() {
    for seed in 1..=12u64 {
        run(seed * 7919, 4_000, 1 + seed % 6, seed % 2 == 0);
    }
}

#[test]
fn many_groups_one_slow_consumer_others_flow() {
    let clock = ManualClock::new(1_800_000_000_000);
    let shared: SharedClock = clock.clone();
    let engine = Engine::in_memory(shared);
    let queue = fifo_queue(&engine, "fair.fifo", "queue");
    // 10,000 groups of 3 messages each.
    for round in 0..3 {
        let batch: Vec<Outgoing> = (0..10_000)
            .map(|g| {
                outgoing(
                    format!("{g}-{round}"),
                    &format!("g{g}"),
                    &format!("{g}-{round}"),
                )
            })
            .collect();
        engine.send(&queue, batch).unwrap();
    }
    let rr = |max| ReceiveRequest {
        max_messages: max,
        visibility_timeout: Some(600),
        wait_time_seconds: Some(0),
    };
    // A slow consumer takes group g0's head and never deletes it.
    let (slow, _, _) = engine.try_receive(&queue, &rr(1)).unwrap();
    assert_eq!(&*slow[0].payload.body, "0-0");
    // The others keep draining every other group, in order, without ever touching g0.
    let mut delivered = 0;
    let started = std::time::Instant::now();
    loop {
        let (got, _, _) = engine.try_receive(&queue, &rr(10)).unwrap();
        if got.is_empty() {
            break;
        }
        for d in &got {
            assert_ne!(d.payload.group_id(), Some("g0"));
            engine
                .delete_messages(&queue, &[&d.receipt_handle])
                .unwrap();
            delivered += 1;
        }
    }
    assert_eq!(delivered, 9_999 * 3);
    // Each receive pops deliverable groups round-robin: no scan over blocked groups.
    assert!(started.elapsed() < Duration::from_secs(20));
}
