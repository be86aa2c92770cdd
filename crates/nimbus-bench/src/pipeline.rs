//! The class pipeline end to end: PutObject → S3 notification → producer (asynchronous
//! invoke) → OnSuccess destination → SQS → event source mapping → consumer.
//!
//! Per runtime family (`python`: both functions in `python3.12`; `wasm`: the producer is
//! functions/wasm-echo, the consumer functions/wasm-pipeline-consumer, both built with clang):
//! - **latency**: objects are put one at a time, `--interval-ms` apart; for each, the time
//!   from the PutObject response to the consumer's handler starting. The consumer logs
//!   `PIPELINE-START <key> <unix ns>` as its first act; the benchmark reads those lines back
//!   from CloudWatch Logs (same machine, same wall clock);
//! - **throughput**: `--throughput-objects` objects put by `--concurrency` connections as fast
//!   as they go; objects per second from the first PutObject to the last consumer start.
//!
//! Functions are warmed first (a few objects through the whole pipeline).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde_json::{Value, json};

use crate::package::{base64, zip_one};
use crate::server::Server;
use crate::stats::Samples;

/// Arguments of `nimbus-bench pipeline`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Benchmark a running server instead of starting target/release/nimbus.
    #[arg(long)]
    endpoint: Option<String>,
    /// The nimbus binary to start.
    #[arg(long, default_value = "target/release/nimbus")]
    binary: PathBuf,
    /// Comma-separated runtimes: python, wasm.
    #[arg(long, default_value = "python,wasm")]
    runtimes: String,
    /// Objects put one at a time for the latency figures.
    #[arg(long, default_value_t = 200)]
    objects: usize,
    /// Pause between the latency run's objects, ms.
    #[arg(long, default_value_t = 50)]
    interval_ms: u64,
    /// Objects for the throughput figure.
    #[arg(long, default_value_t = 2000)]
    throughput_objects: usize,
    /// Connections putting objects in the throughput run.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// The repository's functions/ directory.
    #[arg(long, default_value = "functions")]
    functions: PathBuf,
    /// How long to wait for the consumers to see every object, s.
    #[arg(long, default_value_t = 120)]
    timeout_secs: u64,
}

fn auth(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000"
    )
}

/// A connection that sends requests to any service with the benchmark's dummy signature.
struct Conn(crate::client::Conn);

type Reply = (u16, Bytes);

impl Conn {
    async fn open(endpoint: &str) -> Result<Conn, String> {
        crate::client::Conn::open(endpoint).await.map(Conn)
    }

    async fn send(
        &mut self,
        service: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<Reply, String> {
        let auth = auth(service);
        let mut all = vec![
            ("authorization", auth.as_str()),
            ("x-amz-date", "20260101T000000Z"),
        ];
        if service == "s3" {
            all.push(("x-amz-content-sha256", "UNSIGNED-PAYLOAD"));
        }
        all.extend_from_slice(headers);
        let (status, _, body) = self.0.exchange(method, path, &all, body).await?;
        Ok((status, body))
    }

    /// A request that must answer 2xx.
    async fn ok(
        &mut self,
        service: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Result<Bytes, String> {
        let (status, body) = self
            .send(service, method, path, headers, body.into())
            .await?;
        if !(200..300).contains(&status) {
            return Err(format!(
                "{method} {path}: HTTP {status}: {}",
                String::from_utf8_lossy(&body)
            ));
        }
        Ok(body)
    }

    async fn json(&mut self, service: &str, target: &str, body: Value) -> Result<Value, String> {
        let ct = if service == "sqs" {
            "application/x-amz-json-1.0"
        } else {
            "application/x-amz-json-1.1"
        };
        let out = self
            .ok(
                service,
                "POST",
                "/",
                &[("x-amz-target", target), ("content-type", ct)],
                body.to_string(),
            )
            .await?;
        serde_json::from_slice(&out).map_err(|e| e.to_string())
    }

    async fn lambda(&mut self, method: &str, path: &str, body: Value) -> Result<Value, String> {
        let out = self
            .ok(
                "lambda",
                method,
                path,
                &[("content-type", "application/json")],
                body.to_string(),
            )
            .await?;
        if out.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&out).map_err(|e| e.to_string())
    }
}

const PY_PRODUCER: &str = "def lambda_handler(event, context):\n    return {'key': event['Records'][0]['s3']['object']['key']}\n";
const PY_CONSUMER: &str = "import re, time\n\
def lambda_handler(event, context):\n    \
t = time.time_ns()\n    \
keys = set()\n    \
for r in event['Records']:\n        \
keys.update(re.findall(r'bench-o[0-9]+', r['body']))\n    \
for k in sorted(keys):\n        \
print(f'PIPELINE-START {k} {t}')\n    \
return {'ok': True}\n";

fn build_wasm(source: &Path, out: &Path) -> Result<Vec<u8>, String> {
    let status = std::process::Command::new("clang")
        .args(["--target=wasm32-wasi", "-O2", "-o"])
        .arg(out)
        .arg(source)
        .status()
        .map_err(|e| format!("cannot run clang: {e}"))?;
    if !status.success() {
        return Err(format!("building {} failed", source.display()));
    }
    std::fs::read(out).map_err(|e| e.to_string())
}

/// (runtime, handler, producer zip, consumer zip).
fn packages(
    kind: &str,
    functions: &Path,
    tmp: &Path,
) -> Result<(String, String, Vec<u8>, Vec<u8>), String> {
    match kind {
        "python" => Ok((
            "python3.12".into(),
            "lambda_function.lambda_handler".into(),
            zip_one("lambda_function.py", PY_PRODUCER.as_bytes(), false),
            zip_one("lambda_function.py", PY_CONSUMER.as_bytes(), false),
        )),
        "wasm" => {
            let p = build_wasm(
                &functions.join("wasm-echo/handler.c"),
                &tmp.join("producer.wasm"),
            )?;
            let c = build_wasm(
                &functions.join("wasm-pipeline-consumer/handler.c"),
                &tmp.join("consumer.wasm"),
            )?;
            Ok((
                "wasm32-wasi".into(),
                "handler.wasm".into(),
                zip_one("handler.wasm", &p, false),
                zip_one("handler.wasm", &c, false),
            ))
        }
        other => Err(format!("unknown runtime {other} (python, wasm)")),
    }
}

fn unix_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos()
}

async fn wait_active(conn: &mut Conn, name: &str) -> Result<(), String> {
    for _ in 0..600 {
        let f = conn
            .lambda("GET", &format!("/2015-03-31/functions/{name}"), Value::Null)
            .await?;
        if f["Configuration"]["State"] == "Active" {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!("{name} did not become Active"))
}

/// Sets up one pipeline; returns the bucket and the consumer's log group.
async fn setup(
    conn: &mut Conn,
    kind: &str,
    args: &Args,
    tmp: &Path,
) -> Result<(String, String), String> {
    let (runtime, handler, producer_zip, consumer_zip) = packages(kind, &args.functions, tmp)?;
    let bucket = format!("bench-pipeline-{kind}");
    let queue = format!("bench-pipeline-{kind}");
    let producer = format!("bench-producer-{kind}");
    let consumer = format!("bench-consumer-{kind}");
    conn.ok("s3", "PUT", &format!("/{bucket}"), &[], Bytes::new())
        .await?;
    conn.json(
        "sqs",
        "AmazonSQS.CreateQueue",
        json!({ "QueueName": queue }),
    )
    .await?;
    let queue_arn = format!("arn:aws:sqs:us-east-1:000000000000:{queue}");
    for (name, zip) in [(&producer, &producer_zip), (&consumer, &consumer_zip)] {
        conn.lambda(
            "POST",
            "/2015-03-31/functions",
            json!({
                "FunctionName": name, "Runtime": runtime, "Handler": handler,
                "Role": "arn:aws:iam::000000000000:role/bench", "Code": {"ZipFile": base64(zip)},
                "Timeout": 30,
            }),
        )
        .await?;
        wait_active(conn, name).await?;
    }
    conn.lambda(
        "PUT",
        &format!("/2019-09-25/functions/{producer}/event-invoke-config"),
        json!({ "MaximumRetryAttempts": 0, "DestinationConfig": {"OnSuccess": {"Destination": queue_arn}} }),
    )
    .await?;
    let producer_arn = format!("arn:aws:lambda:us-east-1:000000000000:function:{producer}");
    let xml = format!(
        "<NotificationConfiguration><CloudFunctionConfiguration><Id>bench</Id><CloudFunction>{producer_arn}</CloudFunction><Event>s3:ObjectCreated:*</Event></CloudFunctionConfiguration></NotificationConfiguration>"
    );
    conn.ok("s3", "PUT", &format!("/{bucket}?notification"), &[], xml)
        .await?;
    let m = conn
        .lambda(
            "POST",
            "/2015-03-31/event-source-mappings",
            json!({ "FunctionName": consumer, "EventSourceArn": queue_arn, "BatchSize": 10 }),
        )
        .await?;
    let uuid = m["UUID"].as_str().unwrap_or_default().to_owned();
    for _ in 0..600 {
        let m = conn
            .lambda(
                "GET",
                &format!("/2015-03-31/event-source-mappings/{uuid}"),
                Value::Null,
            )
            .await?;
        if m["State"] == "Enabled" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok((bucket, format!("/aws/lambda/{consumer}")))
}

/// Every `PIPELINE-START` line in `group`: key → start time (unix ns).
async fn starts(conn: &mut Conn, group: &str) -> Result<HashMap<String, u128>, String> {
    let mut out = HashMap::new();
    let mut token: Option<String> = None;
    loop {
        let mut req = json!({ "logGroupName": group, "filterPattern": "PIPELINE-START" });
        if let Some(t) = &token {
            req["nextToken"] = json!(t);
        }
        let page = match conn
            .json("logs", "Logs_20140328.FilterLogEvents", req)
            .await
        {
            Ok(p) => p,
            Err(e) if e.contains("ResourceNotFoundException") => return Ok(out),
            Err(e) => return Err(e),
        };
        for e in page["events"].as_array().into_iter().flatten() {
            let msg = e["message"].as_str().unwrap_or_default();
            for line in msg.lines() {
                let mut parts = line
                    .split_whitespace()
                    .skip_while(|w| *w != "PIPELINE-START")
                    .skip(1);
                if let (Some(k), Some(t)) =
                    (parts.next(), parts.next().and_then(|t| t.parse().ok()))
                {
                    out.entry(k.to_owned()).or_insert(t);
                }
            }
        }
        match page["nextToken"].as_str() {
            Some(t) if token.as_deref() != Some(t) => token = Some(t.to_owned()),
            _ => return Ok(out),
        }
    }
}

async fn wait_for_keys(
    conn: &mut Conn,
    group: &str,
    keys: &[String],
    timeout: Duration,
) -> Result<HashMap<String, u128>, String> {
    let deadline = Instant::now() + timeout;
    loop {
        let seen = starts(conn, group).await?;
        if keys.iter().all(|k| seen.contains_key(k)) {
            return Ok(seen);
        }
        if Instant::now() > deadline {
            let missing = keys.iter().filter(|k| !seen.contains_key(*k)).count();
            return Err(format!(
                "{missing} of {} objects never reached the consumer ({group})",
                keys.len()
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn put(conn: &mut Conn, bucket: &str, key: &str) -> Result<(), String> {
    conn.ok(
        "s3",
        "PUT",
        &format!("/{bucket}/{key}"),
        &[("content-type", "text/plain")],
        Bytes::from_static(b"pipeline"),
    )
    .await
    .map(|_| ())
}

/// Runs the pipeline scenarios.
pub async fn run(args: Args) -> Result<(), String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (_server, endpoint) = match &args.endpoint {
        Some(e) => (None, e.clone()),
        None => {
            let data = tmp.path().join("data");
            let (s, _) = Server::start(&args.binary, &data, 0).await?;
            let e = s.endpoint.clone();
            (Some(s), e)
        }
    };
    let mut conn = Conn::open(&endpoint).await?;
    let timeout = Duration::from_secs(args.timeout_secs);
    let mut seq = 0usize;
    let mut next_key = || {
        seq += 1;
        format!("bench-o{seq:08}")
    };
    for kind in args
        .runtimes
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let (bucket, group) = setup(&mut conn, kind, &args, tmp.path()).await?;

        // Warm both functions through the whole pipeline.
        let warm: Vec<String> = (0..5).map(|_| next_key()).collect();
        for k in &warm {
            put(&mut conn, &bucket, k).await?;
        }
        wait_for_keys(&mut conn, &group, &warm, timeout).await?;

        // Latency: one object at a time.
        let mut put_done: Vec<(String, u128)> = Vec::with_capacity(args.objects);
        let started = Instant::now();
        for _ in 0..args.objects {
            let k = next_key();
            put(&mut conn, &bucket, &k).await?;
            put_done.push((k, unix_ns()));
            tokio::time::sleep(Duration::from_millis(args.interval_ms)).await;
        }
        let keys: Vec<String> = put_done.iter().map(|(k, _)| k.clone()).collect();
        let seen = wait_for_keys(&mut conn, &group, &keys, timeout).await?;
        let mut lat = Samples::default();
        for (k, t) in &put_done {
            let s = seen[k];
            lat.latencies_us.push((s.saturating_sub(*t) / 1000) as u32);
            lat.ops += 1;
        }
        lat.report(
            &format!("pipeline-latency-{kind}"),
            "objects",
            started.elapsed(),
        );

        // Throughput: many connections putting as fast as they can.
        let keys: Vec<String> = (0..args.throughput_objects).map(|_| next_key()).collect();
        let first_put = unix_ns();
        let t0 = Instant::now();
        let per = keys.len().div_ceil(args.concurrency.max(1));
        let mut tasks = Vec::new();
        for chunk in keys.chunks(per.max(1)) {
            let chunk = chunk.to_vec();
            let endpoint = endpoint.clone();
            let bucket = bucket.clone();
            tasks.push(tokio::spawn(async move {
                let mut c = Conn::open(&endpoint).await?;
                for k in &chunk {
                    put(&mut c, &bucket, k).await?;
                }
                Ok::<(), String>(())
            }));
        }
        for t in tasks {
            t.await.map_err(|e| e.to_string())??;
        }
        let put_secs = t0.elapsed().as_secs_f64();
        let seen = wait_for_keys(&mut conn, &group, &keys, timeout).await?;
        let last = keys.iter().map(|k| seen[k]).max().unwrap_or(first_put);
        let secs = (last.saturating_sub(first_put)) as f64 / 1e9;
        println!(
            "RESULT {:<28} {:>10.0} objects/s through all four hops ({} objects in {secs:.2} s; PutObject rate during the run {:.0}/s)",
            format!("pipeline-throughput-{kind}"),
            keys.len() as f64 / secs,
            keys.len(),
            keys.len() as f64 / put_secs,
        );
    }
    Ok(())
}
