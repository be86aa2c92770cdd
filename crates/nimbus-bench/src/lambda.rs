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
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde_json::json;

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

struct Conn {
    sender: SendRequest<Full<Bytes>>,
    authority: String,
}

impl Conn {
    async fn open(endpoint: &str) -> Result<Conn, String> {
        let authority = endpoint
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let stream = tokio::net::TcpStream::connect(&authority)
            .await
            .map_err(|e| format!("connect {authority}: {e}"))?;
        let _ = stream.set_nodelay(true);
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Conn { sender, authority })
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<(u16, http::HeaderMap, Bytes), String> {
        self.sender.ready().await.map_err(|e| e.to_string())?;
        let mut req = http::Request::builder()
            .method(method)
            .uri(path)
            .header("host", &self.authority)
            .header("authorization", AUTH)
            .header("x-amz-date", "20260101T000000Z");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(Full::new(body)).map_err(|e| e.to_string())?;
        let resp = self
            .sender
            .send_request(req)
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok((status, headers, body))
    }
}

fn base64(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn unbase64(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|c| *c != b'=') {
        let Some(v) = A.iter().position(|a| *a == c) else {
            continue;
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A stored (uncompressed) zip of one file.
fn zip_one(name: &str, data: &[u8], executable: bool) -> Vec<u8> {
    let crc = crc32(data);
    let fields = |v: &mut Vec<u8>| {
        for x in [20u16, 0, 0, 0, 0x21] {
            v.extend_from_slice(&x.to_le_bytes());
        }
        v.extend_from_slice(&crc.to_le_bytes());
        v.extend_from_slice(&(data.len() as u32).to_le_bytes());
        v.extend_from_slice(&(data.len() as u32).to_le_bytes());
        v.extend_from_slice(&(name.len() as u16).to_le_bytes());
        v.extend_from_slice(&0u16.to_le_bytes());
    };
    let mut out = Vec::new();
    out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    fields(&mut out);
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(data);
    let cd_offset = out.len() as u32;
    let mut cd = Vec::new();
    cd.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
    cd.extend_from_slice(&((3u16 << 8) | 20).to_le_bytes());
    fields(&mut cd);
    for _ in 0..3 {
        cd.extend_from_slice(&0u16.to_le_bytes());
    }
    let mode: u32 = if executable { 0o100755 } else { 0o100644 };
    cd.extend_from_slice(&(mode << 16).to_le_bytes());
    cd.extend_from_slice(&0u32.to_le_bytes());
    cd.extend_from_slice(name.as_bytes());
    out.extend_from_slice(&cd);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    for x in [0u16, 0, 1, 1] {
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.extend_from_slice(&(cd.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
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
