//! SQS scenarios over awsJson1_0, with the dummy SigV4 header the shared wrk scripts use.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::{Value, json};

use crate::client::Conn;
use crate::policy::PolicyMode;
use crate::server::Server;
use crate::stats::Samples;

const AUTH: &str = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000";

/// Arguments of `nimbus-bench sqs`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Benchmark a running server instead of starting target/release/nimbus.
    #[arg(long)]
    endpoint: Option<String>,
    /// The nimbus binary to start.
    #[arg(long, default_value = "target/release/nimbus")]
    binary: PathBuf,
    /// Concurrent connections.
    #[arg(long, short = 'c', default_value_t = 16)]
    connections: usize,
    /// Seconds per throughput scenario.
    #[arg(long, short = 'd', default_value_t = 10)]
    duration: u64,
    /// Message body size in bytes.
    #[arg(long, default_value_t = 256)]
    body_size: usize,
    /// Messages queued for the deep-queue and restart scenarios.
    #[arg(long, default_value_t = 1_000_000)]
    deep: u64,
    /// Comma-separated: send, send-batch, receive-delete, depth, long-poll, restart, fifo.
    #[arg(
        long,
        default_value = "send,send-batch,receive-delete,depth,long-poll,restart"
    )]
    scenarios: String,
    /// A queue policy on every benchmarked queue: none, grant (grants to another account
    /// only) or deny (a Deny for a third account as well).
    #[arg(long, value_enum, default_value_t = PolicyMode::None)]
    policy: PolicyMode,
}

fn headers(op: &str) -> [(&'static str, String); 4] {
    [
        ("x-amz-target", format!("AmazonSQS.{op}")),
        ("content-type", "application/x-amz-json-1.0".to_owned()),
        ("authorization", AUTH.to_owned()),
        ("x-amz-date", "20260101T000000Z".to_owned()),
    ]
}

async fn call(conn: &mut Conn, op: &str, body: &Value) -> Result<Value, String> {
    let h = headers(op);
    let hv: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, bytes) = conn.post(&hv, Bytes::from(body.to_string())).await?;
    if status != 200 {
        return Err(format!(
            "{op}: HTTP {status}: {}",
            String::from_utf8_lossy(&bytes)
        ));
    }
    serde_json::from_slice(&bytes).map_err(|e| format!("{op}: bad JSON: {e}"))
}

async fn create_queue(endpoint: &str, name: &str, policy: PolicyMode) -> Result<String, String> {
    let mut c = Conn::open(endpoint).await?;
    let v = call(&mut c, "CreateQueue", &json!({"QueueName": name})).await?;
    let url = v["QueueUrl"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "no QueueUrl".to_owned())?;
    let arn = format!("arn:aws:sqs:us-east-1:000000000000:{name}");
    if let Some(doc) = policy.document("sqs", &arn) {
        let attrs = json!({"QueueUrl": url, "Attributes": {"Policy": doc}});
        call(&mut c, "SetQueueAttributes", &attrs).await?;
    }
    Ok(url)
}

/// Runs `per_task` on `connections` connections until `duration` passes.
async fn throughput<F, Fut>(
    endpoint: &str,
    connections: usize,
    duration: Duration,
    per_task: F,
) -> Result<(Samples, Duration), String>
where
    F: Fn(Conn, Instant) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Samples> + Send,
{
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let conn = Conn::open(endpoint).await?;
        let f = per_task.clone();
        tasks.push(tokio::spawn(async move { f(conn, deadline).await }));
    }
    let mut all = Samples::default();
    for t in tasks {
        all.merge(t.await.map_err(|e| e.to_string())?);
    }
    Ok((all, start.elapsed()))
}

fn body_of(size: usize) -> String {
    "x".repeat(size)
}

async fn fill(
    endpoint: &str,
    url: &str,
    n: u64,
    body_size: usize,
    connections: usize,
) -> Result<Duration, String> {
    let t = Instant::now();
    let remaining = Arc::new(AtomicU64::new(n.div_ceil(10)));
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let mut conn = Conn::open(endpoint).await?;
        let url = url.to_owned();
        let remaining = remaining.clone();
        let body = body_of(body_size);
        tasks.push(tokio::spawn(async move {
            let entries: Vec<Value> = (0..10)
                .map(|i| json!({"Id": format!("m{i}"), "MessageBody": body}))
                .collect();
            let req = json!({"QueueUrl": url, "Entries": entries});
            while remaining
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |r| r.checked_sub(1))
                .is_ok()
            {
                call(&mut conn, "SendMessageBatch", &req).await?;
            }
            Ok::<(), String>(())
        }));
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    Ok(t.elapsed())
}

/// Runs the selected SQS scenarios.
pub async fn run(args: Args) -> Result<(), String> {
    let scenarios: Vec<&str> = args.scenarios.split(',').map(str::trim).collect();
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let data_dir = tmp.path().join("data");
    let mut server = None;
    let endpoint = match &args.endpoint {
        Some(e) => e.clone(),
        None => {
            let (s, startup) = Server::start(&args.binary, &data_dir, 0).await?;
            println!(
                "# started {} in {:.1} ms at {}",
                args.binary.display(),
                startup.as_secs_f64() * 1000.0,
                s.endpoint
            );
            let e = s.endpoint.clone();
            server = Some(s);
            e
        }
    };
    let c = args.connections;
    let d = Duration::from_secs(args.duration);
    println!(
        "# sqs: {c} connections, {} s per scenario, {}-byte bodies, queue policy {:?}, endpoint {endpoint}",
        args.duration, args.body_size, args.policy
    );
    let run_id = std::process::id();

    if scenarios.contains(&"send") {
        let url = create_queue(&endpoint, &format!("bench-send-{run_id}"), args.policy).await?;
        let body = body_of(args.body_size);
        let (mut s, el) = throughput(&endpoint, c, d, move |mut conn, deadline| {
            let req = json!({"QueueUrl": url, "MessageBody": body});
            async move {
                let mut s = Samples::default();
                while Instant::now() < deadline {
                    let t = Instant::now();
                    match call(&mut conn, "SendMessage", &req).await {
                        Ok(_) => s.ops += 1,
                        Err(_) => s.errors += 1,
                    }
                    s.latencies_us.push(t.elapsed().as_micros() as u32);
                }
                s
            }
        })
        .await?;
        s.report("SendMessage", "msgs", el);
    }

    if scenarios.contains(&"send-batch") {
        let url = create_queue(&endpoint, &format!("bench-batch-{run_id}"), args.policy).await?;
        let body = body_of(args.body_size);
        let (mut s, el) = throughput(&endpoint, c, d, move |mut conn, deadline| {
            let entries: Vec<Value> = (0..10)
                .map(|i| json!({"Id": format!("m{i}"), "MessageBody": body}))
                .collect();
            let req = json!({"QueueUrl": url, "Entries": entries});
            async move {
                let mut s = Samples::default();
                while Instant::now() < deadline {
                    let t = Instant::now();
                    match call(&mut conn, "SendMessageBatch", &req).await {
                        Ok(v) if v["Successful"].as_array().is_some_and(|a| a.len() == 10) => {
                            s.ops += 10
                        }
                        _ => s.errors += 1,
                    }
                    s.latencies_us.push(t.elapsed().as_micros() as u32);
                }
                s
            }
        })
        .await?;
        s.report("SendMessageBatch(10)", "msgs", el);
    }

    if scenarios.contains(&"receive-delete") {
        let url = create_queue(&endpoint, &format!("bench-rd-{run_id}"), args.policy).await?;
        // Enough for the whole run at the target rate.
        let n = 80_000 * args.duration;
        let fill_t = fill(&endpoint, &url, n, args.body_size, c).await?;
        println!(
            "# receive-delete: queued {n} messages in {:.1} s",
            fill_t.as_secs_f64()
        );
        let (mut s, el) = throughput(&endpoint, c, d, move |mut conn, deadline| {
            let recv = json!({"QueueUrl": url, "MaxNumberOfMessages": 10, "VisibilityTimeout": 60});
            let url = url.clone();
            async move {
                let mut s = Samples::default();
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let Ok(v) = call(&mut conn, "ReceiveMessage", &recv).await else {
                        s.errors += 1;
                        continue;
                    };
                    let msgs = v["Messages"].as_array().cloned().unwrap_or_default();
                    if msgs.is_empty() {
                        break;
                    }
                    let entries: Vec<Value> = msgs
                        .iter()
                        .enumerate()
                        .map(|(i, m)| json!({"Id": format!("d{i}"), "ReceiptHandle": m["ReceiptHandle"]}))
                        .collect();
                    match call(&mut conn, "DeleteMessageBatch", &json!({"QueueUrl": url, "Entries": entries})).await {
                        Ok(_) => s.ops += msgs.len() as u64,
                        Err(_) => s.errors += 1,
                    }
                    s.latencies_us.push(t.elapsed().as_micros() as u32);
                }
                s
            }
        })
        .await?;
        s.report("Receive(10)+DeleteBatch", "msgs", el);
    }

    if scenarios.contains(&"depth") {
        for depth in [1_000u64, args.deep] {
            let url = create_queue(
                &endpoint,
                &format!("bench-depth-{depth}-{run_id}"),
                args.policy,
            )
            .await?;
            let fill_t = fill(&endpoint, &url, depth, args.body_size, c).await?;
            println!(
                "# depth: queued {depth} messages in {:.1} s",
                fill_t.as_secs_f64()
            );
            // Receive without deleting, with visibility 0: every message is visible again at
            // once, so the queue keeps its depth for the whole run and both depths measure
            // the same steady state.
            let (mut s, el) = throughput(
                &endpoint,
                c,
                Duration::from_secs(args.duration.min(5)),
                move |mut conn, deadline| {
                    let recv =
                        json!({"QueueUrl": url, "MaxNumberOfMessages": 10, "VisibilityTimeout": 0});
                    async move {
                        let mut s = Samples::default();
                        while Instant::now() < deadline {
                            let t = Instant::now();
                            match call(&mut conn, "ReceiveMessage", &recv).await {
                                Ok(v) => {
                                    let n = v["Messages"].as_array().map_or(0, |a| a.len());
                                    if n == 0 {
                                        break;
                                    }
                                    s.ops += n as u64;
                                }
                                Err(_) => s.errors += 1,
                            }
                            s.latencies_us.push(t.elapsed().as_micros() as u32);
                        }
                        s
                    }
                },
            )
            .await?;
            s.report(&format!("Receive(10) at depth {depth}"), "msgs", el);
            if let Some(srv) = &server
                && depth == args.deep
            {
                println!(
                    "# RSS with {depth} messages queued: {:.0} MiB",
                    srv.rss_mib().unwrap_or(0.0)
                );
            }
        }
    }

    if scenarios.contains(&"long-poll") {
        let url = create_queue(&endpoint, &format!("bench-lp-{run_id}"), args.policy).await?;
        let mut sender = Conn::open(&endpoint).await?;
        let mut s = Samples::default();
        let t0 = Instant::now();
        for _ in 0..200 {
            let mut receiver = Conn::open(&endpoint).await?;
            let recv = json!({"QueueUrl": url, "MaxNumberOfMessages": 1, "WaitTimeSeconds": 20});
            let waiting = tokio::spawn(async move {
                let v = call(&mut receiver, "ReceiveMessage", &recv).await;
                (v, Instant::now())
            });
            // Let the receive reach the server and start waiting.
            tokio::time::sleep(Duration::from_millis(5)).await;
            let sent_at = Instant::now();
            call(
                &mut sender,
                "SendMessage",
                &json!({"QueueUrl": url, "MessageBody": "ping"}),
            )
            .await?;
            let (v, got_at) = waiting.await.map_err(|e| e.to_string())?;
            let v = v?;
            let msgs = v["Messages"].as_array().cloned().unwrap_or_default();
            if msgs.len() != 1 {
                s.errors += 1;
                continue;
            }
            s.ops += 1;
            s.latencies_us
                .push(got_at.duration_since(sent_at).as_micros() as u32);
            call(
                &mut sender,
                "DeleteMessage",
                &json!({"QueueUrl": url, "ReceiptHandle": msgs[0]["ReceiptHandle"]}),
            )
            .await?;
        }
        let el = t0.elapsed();
        let p50 = s.percentile_ms(0.5);
        let p99 = s.percentile_ms(0.99);
        println!(
            "RESULT {:<28} send-to-receive p50_ms={p50:.3} p99_ms={p99:.3} samples={} errors={} ({:.1} s)",
            "LongPoll wake",
            s.ops,
            s.errors,
            el.as_secs_f64()
        );
    }

    if scenarios.contains(&"fifo") {
        fifo(&endpoint, c, d, args.body_size, run_id).await?;
    }

    if scenarios.contains(&"restart") {
        match server.take() {
            None => println!("# restart: skipped (needs a server started by the benchmark)"),
            Some(srv) => {
                let url = create_queue(&endpoint, &format!("bench-restart-{run_id}"), args.policy)
                    .await?;
                let fill_t = fill(&endpoint, &url, args.deep, args.body_size, c).await?;
                println!(
                    "# restart: queued {} messages in {:.1} s; RSS {:.0} MiB",
                    args.deep,
                    fill_t.as_secs_f64(),
                    srv.rss_mib().unwrap_or(0.0)
                );
                let (binary, dir, port) = srv.kill9().await;
                let t = Instant::now();
                let (srv2, _) = Server::start(&binary, &dir, port).await?;
                let mut conn = loop {
                    match Conn::open(&srv2.endpoint).await {
                        Ok(c) => break c,
                        Err(_) => tokio::time::sleep(Duration::from_millis(1)).await,
                    }
                };
                let url2 = url.replace(&endpoint, &srv2.endpoint);
                let v = call(
                    &mut conn,
                    "ReceiveMessage",
                    &json!({"QueueUrl": url2, "MaxNumberOfMessages": 1}),
                )
                .await?;
                let got = v["Messages"].as_array().map_or(0, |a| a.len());
                let el = t.elapsed();
                let attrs = call(
                    &mut conn,
                    "GetQueueAttributes",
                    &json!({"QueueUrl": url2, "AttributeNames": ["ApproximateNumberOfMessages"]}),
                )
                .await?;
                println!(
                    "RESULT {:<28} serving again after {:.0} ms (kill -9, {} messages; first receive got {got}; ApproximateNumberOfMessages={}) RSS {:.0} MiB",
                    "Restart",
                    el.as_secs_f64() * 1000.0,
                    args.deep,
                    attrs["Attributes"]["ApproximateNumberOfMessages"],
                    srv2.rss_mib().unwrap_or(0.0)
                );
                server = Some(srv2);
            }
        }
    }
    drop(server);
    Ok(())
}

/// Message groups of the FIFO scenario.
const FIFO_GROUPS: usize = 100;

/// The FIFO scenario: `connections` senders, each owning `FIFO_GROUPS / connections` of the
/// 100 groups and numbering each group's messages, measure SendMessage and
/// SendMessageBatch(10) rates on a high-throughput FIFO queue; then `connections` consumers
/// drain it with Receive(10) + DeleteMessageBatch, checking that every group's messages
/// arrive in exactly the order they were sent (each must be the next number of its group).
async fn fifo(
    endpoint: &str,
    connections: usize,
    d: Duration,
    body_size: usize,
    run_id: u32,
) -> Result<(), String> {
    use std::collections::HashMap;
    use std::sync::Mutex;

    let name = format!("bench-fifo-{run_id}.fifo");
    let mut c = Conn::open(endpoint).await?;
    let v = call(
        &mut c,
        "CreateQueue",
        &json!({"QueueName": name, "Attributes": {
            "FifoQueue": "true",
            "DeduplicationScope": "messageGroup",
            "FifoThroughputLimit": "perMessageGroupId",
            "VisibilityTimeout": "600",
        }}),
    )
    .await?;
    let url = v["QueueUrl"].as_str().ok_or("no QueueUrl")?.to_owned();
    let pad = body_of(body_size.saturating_sub(16));
    // Per group, the next number to send (owned by one connection each).
    let next: Arc<Vec<AtomicU64>> = Arc::new((0..FIFO_GROUPS).map(|_| AtomicU64::new(0)).collect());
    let conn_id = Arc::new(AtomicU64::new(0));

    for batch in [1usize, 10] {
        let (url, pad, next, conn_id) = (url.clone(), pad.clone(), next.clone(), conn_id.clone());
        let (mut s, el) = throughput(endpoint, connections, d, move |mut conn, deadline| {
            let (url, pad, next) = (url.clone(), pad.clone(), next.clone());
            let me = conn_id.fetch_add(1, Ordering::Relaxed) as usize % connections;
            let mine: Vec<usize> = (0..FIFO_GROUPS).filter(|g| g % connections == me).collect();
            async move {
                let mut s = Samples::default();
                let mut turn = 0usize;
                while Instant::now() < deadline && !mine.is_empty() {
                    let g = mine[turn % mine.len()];
                    turn += 1;
                    let t = Instant::now();
                    let first = next[g].fetch_add(batch as u64, Ordering::Relaxed);
                    let entry = |n: u64| {
                        json!({
                            "MessageBody": format!("{g}:{n}:{pad}"),
                            "MessageGroupId": format!("g{g}"),
                            "MessageDeduplicationId": format!("{g}-{n}"),
                        })
                    };
                    let ok = if batch == 1 {
                        let mut req = entry(first);
                        req["QueueUrl"] = json!(url);
                        call(&mut conn, "SendMessage", &req).await.is_ok()
                    } else {
                        let entries: Vec<Value> = (0..batch as u64)
                            .map(|i| {
                                let mut e = entry(first + i);
                                e["Id"] = json!(format!("m{i}"));
                                e
                            })
                            .collect();
                        matches!(
                            call(&mut conn, "SendMessageBatch", &json!({"QueueUrl": url, "Entries": entries})).await,
                            Ok(v) if v["Successful"].as_array().is_some_and(|a| a.len() == batch)
                        )
                    };
                    if ok {
                        s.ops += batch as u64;
                    } else {
                        s.errors += 1;
                    }
                    s.latencies_us.push(t.elapsed().as_micros() as u32);
                }
                s
            }
        })
        .await?;
        s.report(
            if batch == 1 {
                "FIFO SendMessage (100 groups)"
            } else {
                "FIFO SendMessageBatch(10)"
            },
            "msgs",
            el,
        );
    }
    let total: u64 = next.iter().map(|n| n.load(Ordering::Relaxed)).sum();
    println!("# fifo: {total} messages queued in {FIFO_GROUPS} groups; draining with order check");

    // Per group, the next number expected.
    let expected: Arc<Mutex<HashMap<usize, u64>>> = Arc::new(Mutex::new(HashMap::new()));
    let violations = Arc::new(AtomicU64::new(0));
    let (v2, e2) = (violations.clone(), expected.clone());
    let (mut s, el) = throughput(endpoint, connections, Duration::from_secs(600), move |mut conn, deadline| {
        let recv = json!({"QueueUrl": url, "MaxNumberOfMessages": 10});
        let url = url.clone();
        let (violations, expected) = (v2.clone(), e2.clone());
        async move {
            let mut s = Samples::default();
            let mut empty = 0;
            while Instant::now() < deadline {
                let t = Instant::now();
                let Ok(v) = call(&mut conn, "ReceiveMessage", &recv).await else {
                    s.errors += 1;
                    continue;
                };
                let msgs = v["Messages"].as_array().cloned().unwrap_or_default();
                if msgs.is_empty() {
                    // Other consumers may hold the last groups; stop after a few empty polls.
                    empty += 1;
                    if empty >= 3 {
                        break;
                    }
                    continue;
                }
                empty = 0;
                {
                    let mut exp = expected.lock().unwrap_or_else(|e| e.into_inner());
                    for m in &msgs {
                        let body = m["Body"].as_str().unwrap_or("");
                        let mut parts = body.splitn(3, ':');
                        let g: usize = parts.next().and_then(|x| x.parse().ok()).unwrap_or(usize::MAX);
                        let n: u64 = parts.next().and_then(|x| x.parse().ok()).unwrap_or(u64::MAX);
                        let want = exp.entry(g).or_insert(0);
                        if n != *want {
                            violations.fetch_add(1, Ordering::Relaxed);
                        }
                        *want = n + 1;
                    }
                }
                let entries: Vec<Value> = msgs
                    .iter()
                    .enumerate()
                    .map(|(i, m)| json!({"Id": format!("d{i}"), "ReceiptHandle": m["ReceiptHandle"]}))
                    .collect();
                match call(&mut conn, "DeleteMessageBatch", &json!({"QueueUrl": url, "Entries": entries})).await {
                    Ok(_) => s.ops += msgs.len() as u64,
                    Err(_) => s.errors += 1,
                }
                s.latencies_us.push(t.elapsed().as_micros() as u32);
            }
            s
        }
    })
    .await?;
    s.report("FIFO ordered drain", "msgs", el);
    let drained = s.ops;
    let sent_per_group = next.iter().map(|n| n.load(Ordering::Relaxed));
    let complete = {
        let exp = expected.lock().unwrap_or_else(|e| e.into_inner());
        sent_per_group
            .enumerate()
            .all(|(g, n)| n == 0 || exp.get(&g) == Some(&n))
    };
    println!(
        "RESULT {:<28} drained={drained} of {total} order_violations={} every_group_complete={complete}",
        "FIFO order check",
        violations.load(Ordering::Relaxed)
    );
    Ok(())
}
