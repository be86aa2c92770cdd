//! S3 scenarios over restXml, path-style, with a dummy SigV4 header (scope `s3`) and
//! `UNSIGNED-PAYLOAD` bodies, as the shared wrk scripts send them.
//!
//! - `put-4k`, `get-4k`, `put-1m`, `get-1m`: PutObject / GetObject throughput and latency
//!   (puts write 1,000 keys over and over, as the shared wrk script does);
//! - `list`: a ListObjectsV2 page of 1,000 keys from a bucket of `--keys` keys (100,000),
//!   from random start positions; reports pages/s and page latency.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::BodyExt;

use crate::policy::PolicyMode;
use crate::server::Server;
use crate::stats::Samples;

const AUTH: &str = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000";

/// Arguments of `nimbus-bench s3`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Benchmark a running server instead of starting target/release/nimbus.
    #[arg(long)]
    endpoint: Option<String>,
    /// The nimbus binary to start.
    #[arg(long, default_value = "target/release/nimbus")]
    binary: PathBuf,
    /// Concurrent connections.
    #[arg(long, short = 'c', default_value_t = 8)]
    connections: usize,
    /// Seconds per throughput scenario.
    #[arg(long, short = 'd', default_value_t = 10)]
    duration: u64,
    /// Keys in the bucket listed by the `list` scenario.
    #[arg(long, default_value_t = 100_000)]
    keys: u64,
    /// Comma-separated: put-4k, get-4k, put-1m, get-1m, list.
    #[arg(long, default_value = "put-4k,get-4k,put-1m,get-1m,list")]
    scenarios: String,
    /// A bucket policy on every benchmarked bucket: none, grant (grants to another account
    /// only) or deny (a Deny for a third account as well).
    #[arg(long, value_enum, default_value_t = PolicyMode::None)]
    policy: PolicyMode,
}

/// One keep-alive connection.
/// A connection that sends S3 requests with the benchmark's dummy signature.
struct S3Conn(crate::client::Conn);

impl S3Conn {
    async fn open(endpoint: &str) -> Result<S3Conn, String> {
        crate::client::Conn::open(endpoint).await.map(S3Conn)
    }

    /// Sends one request; returns the status and the body length (and the body when `keep`).
    async fn send(
        &mut self,
        method: &str,
        path: &str,
        body: Bytes,
        keep: bool,
    ) -> Result<(u16, usize, Bytes), String> {
        let headers = [
            ("authorization", AUTH),
            ("x-amz-date", "20260101T000000Z"),
            ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"),
        ];
        let resp = self.0.request(method, path, &headers, body).await?;
        let status = resp.status().as_u16();
        let mut body = resp.into_body();
        let mut len = 0;
        let mut kept = Vec::new();
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame.map_err(|e| e.to_string())?.into_data() {
                len += data.len();
                if keep {
                    kept.extend_from_slice(&data);
                }
            }
        }
        Ok((status, len, Bytes::from(kept)))
    }
}

async fn throughput<F, Fut>(
    endpoint: &str,
    connections: usize,
    duration: Duration,
    per_task: F,
) -> Result<(Samples, Duration), String>
where
    F: Fn(S3Conn, usize, Instant) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Samples> + Send,
{
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for i in 0..connections {
        let conn = S3Conn::open(endpoint).await?;
        let f = per_task.clone();
        tasks.push(tokio::spawn(async move { f(conn, i, deadline).await }));
    }
    let mut all = Samples::default();
    for t in tasks {
        all.merge(t.await.map_err(|e| e.to_string())?);
    }
    Ok((all, start.elapsed()))
}

async fn create_bucket(endpoint: &str, name: &str, policy: PolicyMode) -> Result<(), String> {
    let mut c = S3Conn::open(endpoint).await?;
    let (status, _, body) = c
        .send("PUT", &format!("/{name}"), Bytes::new(), true)
        .await?;
    if status != 200 {
        return Err(format!(
            "CreateBucket {name}: HTTP {status}: {}",
            String::from_utf8_lossy(&body)
        ));
    }
    if let Some(doc) = policy.document("s3", &format!("arn:aws:s3:::{name}")) {
        // New buckets block public policies; this one grants named accounts only.
        let (status, _, body) = c
            .send("PUT", &format!("/{name}?policy"), Bytes::from(doc), true)
            .await?;
        if status != 204 && status != 200 {
            return Err(format!(
                "PutBucketPolicy {name}: HTTP {status}: {}",
                String::from_utf8_lossy(&body)
            ));
        }
    }
    Ok(())
}

/// Keys a PutObject scenario writes over and over (as `../shared/bench/s3-put.lua` does).
const PUT_KEYS: u64 = 1000;

async fn put_scenario(
    endpoint: &str,
    c: usize,
    d: Duration,
    bucket: &str,
    size: usize,
    name: &str,
) -> Result<(), String> {
    let body = Bytes::from(vec![b'x'; size]);
    let bucket = bucket.to_owned();
    // 1,000 keys overwritten in turn, as the shared wrk script does.
    let keys_per_task = (PUT_KEYS / c.max(1) as u64).max(1);
    let (mut s, el) = throughput(endpoint, c, d, move |mut conn, task, deadline| {
        let body = body.clone();
        let bucket = bucket.clone();
        async move {
            let mut s = Samples::default();
            let mut i = 0u64;
            while Instant::now() < deadline {
                let t = Instant::now();
                match conn
                    .send(
                        "PUT",
                        &format!("/{bucket}/t{task}/k{}", i % keys_per_task),
                        body.clone(),
                        false,
                    )
                    .await
                {
                    Ok((200, _, _)) => s.ops += 1,
                    _ => s.errors += 1,
                }
                s.latencies_us.push(t.elapsed().as_micros() as u32);
                i += 1;
            }
            s
        }
    })
    .await?;
    s.report(name, "objs", el);
    Ok(())
}

async fn get_scenario(
    endpoint: &str,
    c: usize,
    d: Duration,
    bucket: &str,
    size: usize,
    name: &str,
) -> Result<(), String> {
    // 64 objects read round-robin.
    let mut conn = S3Conn::open(endpoint).await?;
    let body = Bytes::from(vec![b'y'; size]);
    for i in 0..64 {
        let (status, _, _) = conn
            .send("PUT", &format!("/{bucket}/get/{i}"), body.clone(), false)
            .await?;
        if status != 200 {
            return Err(format!("PutObject for {name}: HTTP {status}"));
        }
    }
    let bucket = bucket.to_owned();
    let (mut s, el) = throughput(endpoint, c, d, move |mut conn, task, deadline| {
        let bucket = bucket.clone();
        async move {
            let mut s = Samples::default();
            let mut i = task;
            while Instant::now() < deadline {
                let t = Instant::now();
                match conn
                    .send(
                        "GET",
                        &format!("/{bucket}/get/{}", i % 64),
                        Bytes::new(),
                        false,
                    )
                    .await
                {
                    Ok((200, n, _)) if n == size => s.ops += 1,
                    _ => s.errors += 1,
                }
                s.latencies_us.push(t.elapsed().as_micros() as u32);
                i += 1;
            }
            s
        }
    })
    .await?;
    s.report(name, "objs", el);
    Ok(())
}

async fn list_scenario(
    endpoint: &str,
    c: usize,
    d: Duration,
    keys: u64,
    policy: PolicyMode,
) -> Result<(), String> {
    let bucket = format!("bench-list-{}", std::process::id());
    create_bucket(endpoint, &bucket, policy).await?;
    let t = Instant::now();
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..c.max(8) {
        let mut conn = S3Conn::open(endpoint).await?;
        let next = next.clone();
        let bucket = bucket.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= keys {
                    return Ok::<(), String>(());
                }
                let (status, _, _) = conn
                    .send(
                        "PUT",
                        &format!("/{bucket}/dir{}/key{i:08}", i % 100),
                        Bytes::from_static(b"k"),
                        false,
                    )
                    .await?;
                if status != 200 {
                    return Err(format!("fill: HTTP {status}"));
                }
            }
        }));
    }
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    println!(
        "# list: put {keys} keys in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let (mut s, el) = throughput(endpoint, c, d, move |mut conn, task, deadline| {
        let bucket = bucket.clone();
        async move {
            let mut s = Samples::default();
            let mut i = task as u64 * 7919;
            while Instant::now() < deadline {
                let start = format!("dir{}/key{:08}", i % 100, (i * 104_729) % keys);
                let t = Instant::now();
                match conn
                    .send(
                        "GET",
                        &format!("/{bucket}?list-type=2&max-keys=1000&start-after={start}"),
                        Bytes::new(),
                        true,
                    )
                    .await
                {
                    Ok((200, _, body)) if body.windows(5).any(|w| w == b"<Key>") => s.ops += 1,
                    _ => s.errors += 1,
                }
                s.latencies_us.push(t.elapsed().as_micros() as u32);
                i += 1;
            }
            s
        }
    })
    .await?;
    s.report("ListObjectsV2(1000 of 100k)", "pages", el);
    Ok(())
}

/// Runs the selected S3 scenarios.
pub async fn run(args: Args) -> Result<(), String> {
    let scenarios: Vec<&str> = args.scenarios.split(',').map(str::trim).collect();
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let data_dir = tmp.path().join("data");
    let mut _server = None;
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
            _server = Some(s);
            e
        }
    };
    let c = args.connections;
    let d = Duration::from_secs(args.duration);
    println!(
        "# s3: {c} connections, {} s per scenario, bucket policy {:?}, endpoint {endpoint}",
        args.duration, args.policy
    );
    let bucket = format!("bench-{}", std::process::id());
    create_bucket(&endpoint, &bucket, args.policy).await?;
    for (name, size, label) in [
        ("put-4k", 4096, "PutObject 4KiB"),
        ("put-1m", 1 << 20, "PutObject 1MiB"),
    ] {
        if scenarios.contains(&name) {
            put_scenario(&endpoint, c, d, &bucket, size, label).await?;
        }
    }
    for (name, size, label) in [
        ("get-4k", 4096, "GetObject 4KiB"),
        ("get-1m", 1 << 20, "GetObject 1MiB"),
    ] {
        if scenarios.contains(&name) {
            let b = format!("{bucket}-{name}");
            create_bucket(&endpoint, &b, args.policy).await?;
            get_scenario(&endpoint, c, d, &b, size, label).await?;
        }
    }
    if scenarios.contains(&"list") {
        list_scenario(&endpoint, c, d, args.keys, args.policy).await?;
    }
    if let Some(s) = &_server
        && let Some(rss) = s.rss_mib()
    {
        println!("# server RSS {rss:.0} MiB");
    }
    Ok(())
}
