//! Lambda and CloudWatch Logs tests, one module per group of operations.

mod access;
mod async_invoke;
mod code_from_s3;
mod event_invoke_config;
mod event_source_mappings;
mod functions;
mod hot_reload;
mod invoke;
mod logs;
mod permissions;
mod runtimes;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, LogType, Runtime};
use nimbus_testkit::TestSandbox;

/// The role every test function uses (IAM roles are not checked).
pub const ROLE: &str = "arn:aws:iam::000000000000:role/lambda-role";

/// Decodes standard base64 (the log tail); panics on anything else.
pub fn base64_decode(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = A.iter().position(|a| *a == c).expect("base64") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// The repository's `functions/` directory.
pub fn functions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../functions")
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

/// A zip (stored, no compression) of `(name, contents, executable)` entries.
pub fn zip_with_modes(entries: &[(&str, &[u8], bool)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data, exec) in entries {
        let offset = out.len() as u32;
        let crc = crc32(data);
        let local = |v: &mut Vec<u8>| {
            v.extend_from_slice(&20u16.to_le_bytes()); // version needed
            v.extend_from_slice(&0u16.to_le_bytes()); // flags
            v.extend_from_slice(&0u16.to_le_bytes()); // stored
            v.extend_from_slice(&0u16.to_le_bytes()); // time
            v.extend_from_slice(&0x21u16.to_le_bytes()); // date 1980-01-01
            v.extend_from_slice(&crc.to_le_bytes());
            v.extend_from_slice(&(data.len() as u32).to_le_bytes());
            v.extend_from_slice(&(data.len() as u32).to_le_bytes());
            v.extend_from_slice(&(name.len() as u16).to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes()); // extra
        };
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        local(&mut out);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&((3u16 << 8) | 20).to_le_bytes()); // made by: unix
        local(&mut central);
        central.extend_from_slice(&0u16.to_le_bytes()); // comment
        central.extend_from_slice(&0u16.to_le_bytes()); // disk
        central.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        let mode: u32 = if *exec { 0o100755 } else { 0o100644 };
        central.extend_from_slice(&(mode << 16).to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A zip of non-executable files.
pub fn zip(entries: &[(&str, &str)]) -> Vec<u8> {
    let e: Vec<(&str, &[u8], bool)> = entries
        .iter()
        .map(|(n, d)| (*n, d.as_bytes(), false))
        .collect();
    zip_with_modes(&e)
}

/// Creates a function from a zip; returns its configuration.
pub async fn create(
    sb: &TestSandbox,
    name: &str,
    runtime: Runtime,
    handler: &str,
    package: Vec<u8>,
) -> aws_sdk_lambda::operation::create_function::CreateFunctionOutput {
    sb.lambda()
        .create_function()
        .function_name(name)
        .runtime(runtime)
        .role(ROLE)
        .handler(handler)
        .code(FunctionCode::builder().zip_file(Blob::new(package)).build())
        .send()
        .await
        .expect("function created")
}

/// Creates a Python function whose `lambda_function.py` is `source`.
pub async fn python(sb: &TestSandbox, name: &str, source: &str) {
    create(
        sb,
        name,
        Runtime::Python312,
        "lambda_function.lambda_handler",
        zip(&[("lambda_function.py", source)]),
    )
    .await;
}

/// What an invocation answered.
#[derive(Debug)]
pub struct Invoked {
    /// HTTP status.
    pub status: i32,
    /// The payload as text.
    pub payload: String,
    /// `X-Amz-Function-Error`.
    pub function_error: Option<String>,
    /// The decoded log tail, if asked for.
    pub log: String,
    /// `X-Amz-Executed-Version`.
    pub version: Option<String>,
}

impl Invoked {
    /// The payload parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.payload).unwrap_or_else(|e| panic!("{e}: {}", self.payload))
    }
}

/// Invokes synchronously with `LogType: Tail`.
pub async fn invoke(sb: &TestSandbox, name: &str, payload: &str) -> Invoked {
    let out = sb
        .lambda()
        .invoke()
        .function_name(name)
        .log_type(LogType::Tail)
        .payload(Blob::new(payload.as_bytes().to_vec()))
        .send()
        .await
        .expect("invoke answers");
    Invoked {
        status: out.status_code(),
        payload: out
            .payload()
            .map(|b| String::from_utf8_lossy(b.as_ref()).into_owned())
            .unwrap_or_default(),
        function_error: out.function_error().map(str::to_owned),
        log: out
            .log_result()
            .map(|l| String::from_utf8_lossy(&base64_decode(l)).into_owned())
            .unwrap_or_default(),
        version: out.executed_version().map(str::to_owned),
    }
}

/// Invokes in the background and moves the sandbox clock forward one second at a time until
/// the invocation answers (for timeouts, which follow the sandbox clock).
pub async fn invoke_advancing_clock(sb: &TestSandbox, name: &str, payload: &str) -> Invoked {
    let client = sb.lambda();
    let (name, payload) = (name.to_owned(), payload.to_owned());
    let task = tokio::spawn(async move {
        client
            .invoke()
            .function_name(name)
            .log_type(LogType::Tail)
            .payload(Blob::new(payload.into_bytes()))
            .send()
            .await
    });
    for _ in 0..2000 {
        if task.is_finished() {
            break;
        }
        sb.clock().advance(Duration::from_millis(500));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let out = task.await.expect("task").expect("invoke answers");
    Invoked {
        status: out.status_code(),
        payload: out
            .payload()
            .map(|b| String::from_utf8_lossy(b.as_ref()).into_owned())
            .unwrap_or_default(),
        function_error: out.function_error().map(str::to_owned),
        log: out
            .log_result()
            .map(|l| String::from_utf8_lossy(&base64_decode(l)).into_owned())
            .unwrap_or_default(),
        version: out.executed_version().map(str::to_owned),
    }
}

/// The error code, message and HTTP status of a call that must fail.
pub fn err<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    r: Result<T, SdkError<E, aws_sdk_lambda::config::http::HttpResponse>>,
) -> (String, String, u16) {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => {
            let status = e.raw_response().map_or(0, |r| r.status().as_u16());
            (
                e.code().unwrap_or("<no code>").to_owned(),
                e.message().unwrap_or("").to_owned(),
                status,
            )
        }
    }
}

/// `functions/wasm-echo/handler.c` compiled with clang for `wasm32-wasi`, once per test run.
pub fn wasm_echo() -> Vec<u8> {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    let path = BUILT.get_or_init(|| {
        let out =
            std::env::temp_dir().join(format!("nimbus-wasm-echo-{}.wasm", std::process::id()));
        let status = std::process::Command::new("clang")
            .args(["--target=wasm32-wasi", "-O2", "-o"])
            .arg(&out)
            .arg(functions_dir().join("wasm-echo/handler.c"))
            .status()
            .expect("clang runs (apt-get install clang lld wasi-libc libclang-rt-dev-wasm32)");
        assert!(status.success(), "building the WASM sample failed");
        out
    });
    std::fs::read(path).expect("wasm module")
}

/// `functions/rust-provided/bootstrap.rs` compiled with rustc, once per test run.
pub fn rust_bootstrap() -> Vec<u8> {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    let path = BUILT.get_or_init(|| {
        let out =
            std::env::temp_dir().join(format!("nimbus-rust-bootstrap-{}", std::process::id()));
        let status = std::process::Command::new("rustc")
            .args(["-O", "-o"])
            .arg(&out)
            .arg(functions_dir().join("rust-provided/bootstrap.rs"))
            .status()
            .expect("rustc runs");
        assert!(status.success(), "building the Rust bootstrap failed");
        out
    });
    std::fs::read(path).expect("bootstrap binary")
}
