//! Lambda scenarios: warm invoke latency and cold starts for a trivial handler in each
//! runtime family — WebAssembly (`wasm32-wasi`, built from functions/wasm-echo with clang),
//! Python (`python3.12`, else python3) and a Rust `provided.al2023` bootstrap (built from
//! functions/rust-provided with rustc).
//!
//! Warm: one connection invokes the function back to back. Cold: every sample first updates
//! the function's configuration (which retires its warm environments), then invokes once;
//! the latency of that invoke and the `Init Duration` its REPORT line states are recorded.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::json;

use crate::package::{base64, unbase64, zip_one};
use crate::server::Server;
use crate::stats::Samples;

const AUTH: &str = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000";

/// Arguments of `nimbus-bench lambda`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Benchmark a running server instead of starting target/release/nimbus.
    #[arg(long)]
    endpoint: Option<String>,
    /// The nimbus binary to start.
    #[arg(long, default_value = "target/release/nimbus")]
    binary: PathBuf,
    /// Warm invocations per runtime.
    #[arg(long, default_value_t = 2000)]
    warm: usize,
    /// Cold starts per runtime.
    #[arg(long, default_value_t = 20)]
    cold: usize,
    /// Comma-separated runtimes: wasm, python, rust.
    #[arg(long, default_value = "wasm,python,rust")]
    runtimes: String,
    /// The repository's functions/ directory.
    #[arg(long, default_value = "functions")]
    functions: PathBuf,
}

/// A connection that sends Lambda requests with the benchmark's dummy signature.
struct Conn(crate::client::Conn);

impl Conn {
    async fn open(endpoint: &str) -> Result<Conn, String> {
        crate::client::Conn::open(endpoint).await.map(Conn)
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<(u16, http::HeaderMap, Bytes), String> {
        let mut all = vec![("authorization", AUTH), ("x-amz-date", "20260101T000000Z")];
        all.extend_from_slice(headers);
        self.0.exchange(method, path, &all, body).await
    }
}

fn build(cmd: &mut std::process::Command, what: &str) -> Result<(), String> {
    let status = cmd
        .status()
        .map_err(|e| format!("cannot build the {what} sample: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("building the {what} sample failed"))
    }
}

/// (function name, runtime, handler, package) for one runtime family.
fn package(
    kind: &str,
    functions: &Path,
    tmp: &Path,
) -> Result<(String, String, String, Vec<u8>), String> {
    match kind {
        "wasm" => {
            let out = tmp.join("handler.wasm");
            build(
                std::process::Command::new("clang")
                    .args(["--target=wasm32-wasi", "-O2", "-o"])
                    .arg(&out)
                    .arg(functions.join("wasm-echo/handler.c")),
                "WASM",
            )?;
            let bytes = std::fs::read(&out).map_err(|e| e.to_string())?;
            Ok((
                "bench-wasm".into(),
                "wasm32-wasi".into(),
                "handler.wasm".into(),
                zip_one("handler.wasm", &bytes, false),
            ))
        }
        "python" => Ok((
            "bench-python".into(),
            "python3.12".into(),
            "lambda_function.lambda_handler".into(),
            zip_one(
                "lambda_function.py",
                b"def lambda_handler(event, context):\n    return event\n",
                false,
            ),
        )),
        "rust" => {
            let out = tmp.join("bootstrap");
            build(
                std::process::Command::new("rustc")
                    .args(["-O", "-o"])
                    .arg(&out)
                    .arg(functions.join("rust-provided/bootstrap.rs")),
                "Rust",
            )?;
            let bytes = std::fs::read(&out).map_err(|e| e.to_string())?;
            Ok((
                "bench-rust".into(),
                "provided.al2023".into(),
                "bootstrap".into(),
                zip_one("bootstrap", &bytes, true),
            ))
        }
        other => Err(format!("unknown runtime {other} (wasm, python, rust)")),
    }
}

async fn invoke(
    conn: &mut Conn,
    name: &str,
    tail: bool,
) -> Result<(Duration, Option<f64>), String> {
    let t = Instant::now();
    let headers: &[(&str, &str)] = if tail {
        &[("x-amz-log-type", "Tail")]
    } else {
        &[]
    };
    let (status, h, body) = conn
        .send(
            "POST",
            &format!("/2015-03-31/functions/{name}/invocations"),
            headers,
            Bytes::from_static(b"{\"k\":1}"),
        )
        .await?;
    let elapsed = t.elapsed();
    if status != 200 || h.contains_key("x-amz-function-error") {
        return Err(format!(
            "invoke {name}: HTTP {status}: {}",
            String::from_utf8_lossy(&body)
        ));
    }
    let init = h
        .get("x-amz-log-result")
        .and_then(|v| v.to_str().ok())
        .map(|v| String::from_utf8_lossy(&unbase64(v)).into_owned())
        .and_then(|log| {
            log.split("Init Duration: ")
                .nth(1)
                .and_then(|s| s.split(" ms").next())
                .and_then(|n| n.trim().parse().ok())
        });
    Ok((elapsed, init))
}

/// Runs the Lambda scenarios.
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
    for kind in args
        .runtimes
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let (name, runtime, handler, zip) = package(kind, &args.functions, tmp.path())?;
        let _ = conn
            .send(
                "DELETE",
                &format!("/2015-03-31/functions/{name}"),
                &[],
                Bytes::new(),
            )
            .await;
        let create = json!({
            "FunctionName": name, "Runtime": runtime, "Handler": handler,
            "Role": "arn:aws:iam::000000000000:role/bench", "Code": {"ZipFile": base64(&zip)},
        });
        let (status, _, body) = conn
            .send(
                "POST",
                "/2015-03-31/functions",
                &[("content-type", "application/json")],
                Bytes::from(create.to_string()),
            )
            .await?;
        if status != 201 {
            return Err(format!(
                "create {name}: HTTP {status}: {}",
                String::from_utf8_lossy(&body)
            ));
        }
        // Warm.
        invoke(&mut conn, &name, false).await?;
        let mut warm = Samples::default();
        let start = Instant::now();
        for _ in 0..args.warm {
            match invoke(&mut conn, &name, false).await {
                Ok((d, _)) => {
                    warm.latencies_us.push(d.as_micros() as u32);
                    warm.ops += 1;
                }
                Err(_) => warm.errors += 1,
            }
        }
        warm.report(&format!("lambda-warm-{kind}"), "invokes", start.elapsed());
        // Cold.
        let mut cold = Samples::default();
        let mut inits = Vec::new();
        let start = Instant::now();
        for i in 0..args.cold {
            let update = json!({ "Description": format!("cold {i}") });
            let (status, _, body) = conn
                .send(
                    "PUT",
                    &format!("/2015-03-31/functions/{name}/configuration"),
                    &[("content-type", "application/json")],
                    Bytes::from(update.to_string()),
                )
                .await?;
            if status != 200 {
                return Err(format!(
                    "update {name}: HTTP {status}: {}",
                    String::from_utf8_lossy(&body)
                ));
            }
            match invoke(&mut conn, &name, true).await {
                Ok((d, init)) => {
                    cold.latencies_us.push(d.as_micros() as u32);
                    cold.ops += 1;
                    inits.extend(init);
                }
                Err(e) => {
                    eprintln!("{e}");
                    cold.errors += 1;
                }
            }
        }
        cold.report(&format!("lambda-cold-{kind}"), "invokes", start.elapsed());
        if !inits.is_empty() {
            inits.sort_by(|a, b| a.total_cmp(b));
            let p50 = inits[(inits.len() - 1) / 2];
            let p99 = inits[((inits.len() as f64 - 1.0) * 0.99).round() as usize];
            println!(
                "RESULT {:<28} init_duration_p50_ms={p50:.3} init_duration_p99_ms={p99:.3}",
                format!("lambda-init-{kind}")
            );
        }
    }
    Ok(())
}
