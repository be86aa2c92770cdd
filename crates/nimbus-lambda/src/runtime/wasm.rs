//! WebAssembly functions, run by wasmtime as WASI (preview 1) commands.
//!
//! Contract (runtime `wasm32-wasi`; `Handler` names the module in the package, default
//! `handler.wasm`): the event JSON arrives on stdin, the result JSON is what the module
//! writes to stdout, its stderr lines go to the log. Exit status 0 is success; a non-zero
//! exit is a function error (if stdout then holds a JSON object with `errorMessage`, that is
//! the error document, else `Runtime.ExitError`); a trap is `Runtime.Trap`.
//!
//! Sandbox: no preopened directories (no filesystem), no sockets, only the function's
//! environment variables and the standard Lambda ones. `MemorySize` caps linear memory
//! (growing past it traps: `Runtime.OutOfMemory`); the timeout, read from the sandbox clock,
//! interrupts the module through epoch interruption (a ticker thread advances the epoch every
//! 2 ms of real time so running code checks in). Compiled modules are cached in memory and on
//! disk (`Module::serialize`, keyed by the module's SHA-256), so a warm start never compiles
//! and a restart does not either.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use nimbus_core::SharedClock;
use parking_lot::Mutex;
use wasmtime::{Config, Engine, InstancePre, Linker, Module, Store, Trap, UpdateDeadline};
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError};

use super::sink::LogSink;
use super::{Environment, FunctionSpec, Invocation, Outcome};
use crate::error::MAX_SYNC_PAYLOAD;
use crate::model::LATEST;

/// The most stderr bytes kept per invocation.
const MAX_STDERR: usize = 1024 * 1024;

struct StoreState {
    wasi: WasiP1Ctx,
    limits: MemoryLimit,
}

/// Caps linear memory at `MemorySize`; growing past it traps (and is remembered, so the
/// trap is reported as `Runtime.OutOfMemory`).
struct MemoryLimit {
    max_bytes: usize,
    exceeded: bool,
}

impl wasmtime::ResourceLimiter for MemoryLimit {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.exceeded = true;
            return Err(wasmtime::format_err!(
                "memory limit of {} bytes exceeded",
                self.max_bytes
            ));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1_000_000)
    }
}

/// A compiled module, ready to instantiate.
pub struct LoadedModule {
    pre: InstancePre<StoreState>,
    /// The module's SHA-256, hex.
    pub sha: String,
}

/// The wasmtime engine, its ticker and the compiled-module caches.
pub struct WasmRuntime {
    engine: Engine,
    linker: Linker<StoreState>,
    cache_dir: PathBuf,
    modules: Mutex<HashMap<String, Arc<LoadedModule>>>,
    stop: Arc<AtomicBool>,
}

impl Drop for WasmRuntime {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

impl WasmRuntime {
    /// An engine with epoch interruption, caching compiled modules in `cache_dir`.
    pub fn new(cache_dir: &Path) -> Result<Arc<WasmRuntime>, String> {
        std::fs::create_dir_all(cache_dir).map_err(|e| e.to_string())?;
        let mut config = Config::new();
        config.epoch_interruption(true);
        let engine = Engine::new(&config).map_err(|e| e.to_string())?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s: &mut StoreState| &mut s.wasi)
            .map_err(|e| e.to_string())?;
        let stop = Arc::new(AtomicBool::new(false));
        {
            let engine = engine.clone();
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("nimbus-wasm-epoch".into())
                .spawn(move || {
                    while !stop.load(Ordering::SeqCst) {
                        std::thread::sleep(Duration::from_millis(2));
                        engine.increment_epoch();
                    }
                })
                .map_err(|e| e.to_string())?;
        }
        Ok(Arc::new(WasmRuntime {
            engine,
            linker,
            cache_dir: cache_dir.to_owned(),
            modules: Mutex::new(HashMap::new()),
            stop,
        }))
    }

    /// Loads the module at `path`: from memory, else from the disk cache, else compiled
    /// (and cached).
    pub fn load(&self, path: &Path) -> Result<Arc<LoadedModule>, String> {
        let bytes = std::fs::read(path)
            .map_err(|e| format!("cannot read the module {}: {e}", path.display()))?;
        let sha = crate::code::sha256_hex(&bytes);
        if let Some(m) = self.modules.lock().get(&sha) {
            return Ok(m.clone());
        }
        let cached = self.cache_dir.join(format!("{sha}.cwasm"));
        #[allow(unsafe_code)] // wasmtime cannot check a precompiled module's code, only its header
        let module = match std::fs::metadata(&cached) {
            // SAFETY: the file was written by `Module::serialize` of this engine configuration
            // into nimbus's own data directory; wasmtime checks its header and version, and a
            // mismatch falls back to compiling.
            Ok(_) => match unsafe { Module::deserialize_file(&self.engine, &cached) } {
                Ok(m) => m,
                Err(_) => self.compile(&bytes, &cached)?,
            },
            Err(_) => self.compile(&bytes, &cached)?,
        };
        let pre = self
            .linker
            .instantiate_pre(&module)
            .map_err(|e| format!("the module cannot be linked as a WASI command: {e}"))?;
        let loaded = Arc::new(LoadedModule {
            pre,
            sha: sha.clone(),
        });
        let mut modules = self.modules.lock();
        if modules.len() > 256 {
            modules.clear();
        }
        modules.insert(sha, loaded.clone());
        Ok(loaded)
    }

    fn compile(&self, bytes: &[u8], cached: &Path) -> Result<Module, String> {
        let module = Module::new(&self.engine, bytes)
            .map_err(|e| format!("the module is not valid WebAssembly: {e}"))?;
        if let Ok(ser) = module.serialize() {
            let tmp = cached.with_extension(format!("tmp{}", nimbus_core::ids::random_hex(4)));
            if std::fs::write(&tmp, ser).is_ok() {
                let _ = std::fs::rename(&tmp, cached);
            }
        }
        Ok(module)
    }

    /// Runs one invocation to completion (blocking). `interrupt` stops it at the next epoch.
    fn run(
        &self,
        module: &LoadedModule,
        spec_env: &[(String, String)],
        memory_mb: u32,
        payload: Bytes,
        interrupt: Arc<AtomicBool>,
    ) -> RunResult {
        let stdout = CappedPipe::new(MAX_SYNC_PAYLOAD + 1);
        let stderr = CappedPipe::new(MAX_STDERR);
        let mut b = WasiCtxBuilder::new();
        b.stdin(wasmtime_wasi::p2::pipe::MemoryInputPipe::new(payload))
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .args(&["handler.wasm"])
            .allow_blocking_current_thread(true);
        for (k, v) in spec_env {
            b.env(k, v);
        }
        let state = StoreState {
            wasi: b.build_p1(),
            limits: MemoryLimit {
                max_bytes: memory_mb as usize * 1024 * 1024,
                exceeded: false,
            },
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        store.set_epoch_deadline(1);
        let flag = interrupt.clone();
        store.epoch_deadline_callback(move |_| {
            if flag.load(Ordering::SeqCst) {
                Err(Trap::Interrupt.into())
            } else {
                Ok(UpdateDeadline::Continue(1))
            }
        });
        let mut memory_bytes = 0u64;
        let result = module.pre.instantiate(&mut store).and_then(|instance| {
            let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
            let r = start.call(&mut store, ());
            if let Some(m) = instance.get_memory(&mut store, "memory") {
                memory_bytes = m.data_size(&store) as u64;
            }
            r
        });
        let exit = match result {
            Ok(()) => Exit::Code(0),
            Err(e) => {
                if let Some(code) = e.downcast_ref::<wasmtime_wasi::I32Exit>() {
                    Exit::Code(code.0)
                } else if interrupt.load(Ordering::SeqCst) {
                    Exit::Interrupted
                } else if store.data().limits.exceeded {
                    Exit::OutOfMemory
                } else {
                    let trap = e
                        .downcast_ref::<Trap>()
                        .map(|t| t.to_string())
                        .unwrap_or_else(|| e.to_string());
                    Exit::Trap(trap)
                }
            }
        };
        RunResult {
            exit,
            stdout: stdout.take(),
            stdout_overflow: stdout.overflowed(),
            stderr: stderr.take(),
            memory_bytes,
        }
    }
}

enum Exit {
    Code(i32),
    Trap(String),
    Interrupted,
    OutOfMemory,
}

struct RunResult {
    exit: Exit,
    stdout: Vec<u8>,
    stdout_overflow: bool,
    stderr: Vec<u8>,
    memory_bytes: u64,
}

/// A warm WebAssembly environment: the compiled module and the environment variables; each
/// invocation gets a fresh instance.
pub struct WasmEnv {
    runtime: Arc<WasmRuntime>,
    module: Arc<LoadedModule>,
    sink: Arc<LogSink>,
    env: Arc<Vec<(String, String)>>,
    memory_mb: u32,
    peak_bytes: AtomicU64,
    alive: AtomicBool,
    clock: SharedClock,
}

impl WasmEnv {
    /// Loads (or compiles) the module: the cold start.
    pub async fn start(
        runtime: Arc<WasmRuntime>,
        spec: &FunctionSpec,
        module: &str,
        sink: Arc<LogSink>,
        clock: SharedClock,
    ) -> Result<Arc<WasmEnv>, Outcome> {
        let path = spec.task_root.join(module);
        let inside = path
            .canonicalize()
            .ok()
            .zip(spec.task_root.canonicalize().ok())
            .is_some_and(|(p, root)| p.starts_with(root));
        if !inside {
            return Err(Outcome::EnvironmentError {
                error_type: "Runtime.InvalidEntrypoint".into(),
                message: format!("Couldn't find the WebAssembly module {module} in the package"),
                timeout: false,
                document: None,
            });
        }
        let rt = runtime.clone();
        let loaded = tokio::task::spawn_blocking(move || rt.load(&path))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r)
            .map_err(|message| Outcome::EnvironmentError {
                error_type: "Runtime.InvalidEntrypoint".into(),
                message,
                timeout: false,
                document: None,
            })?;
        let mut env: Vec<(String, String)> = spec.environment.clone();
        for (k, v) in [
            ("AWS_LAMBDA_FUNCTION_NAME", spec.key.name.as_str()),
            ("AWS_LAMBDA_FUNCTION_VERSION", LATEST),
            ("AWS_LAMBDA_LOG_GROUP_NAME", spec.log_group.as_str()),
            ("AWS_LAMBDA_LOG_STREAM_NAME", sink.stream()),
            ("AWS_REGION", spec.key.region.as_str()),
            ("AWS_DEFAULT_REGION", spec.key.region.as_str()),
            ("_HANDLER", spec.handler.as_str()),
        ] {
            env.push((k.into(), v.into()));
        }
        env.push((
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE".into(),
            spec.memory_mb.to_string(),
        ));
        Ok(Arc::new(WasmEnv {
            runtime,
            module: loaded,
            sink,
            env: Arc::new(env),
            memory_mb: spec.memory_mb,
            peak_bytes: AtomicU64::new(0),
            alive: AtomicBool::new(true),
            clock,
        }))
    }
}

fn outcome_error(error_type: &str, message: String, timeout: bool) -> Outcome {
    Outcome::EnvironmentError {
        error_type: error_type.into(),
        message,
        timeout,
        document: None,
    }
}

#[async_trait]
impl Environment for WasmEnv {
    async fn invoke(&self, inv: &Invocation) -> Outcome {
        let interrupt = Arc::new(AtomicBool::new(false));
        // If the caller goes away mid-invocation, the module is stopped at its next epoch.
        let _stop = InterruptOnDrop(interrupt.clone());
        let mut env = (*self.env).clone();
        env.push(("AWS_LAMBDA_REQUEST_ID".into(), inv.request_id.clone()));
        env.push(("AWS_LAMBDA_DEADLINE_MS".into(), inv.deadline_ms.to_string()));
        let rt = self.runtime.clone();
        let module = self.module.clone();
        let memory_mb = self.memory_mb;
        let payload = inv.payload.clone();
        let flag = interrupt.clone();
        let mut task =
            tokio::task::spawn_blocking(move || rt.run(&module, &env, memory_mb, payload, flag));
        let clock_deadline = self.clock.sleep_until(inv.deadline_ms);
        let mut timed_out = false;
        let result = tokio::select! {
            r = &mut task => r,
            _ = clock_deadline => {
                timed_out = true;
                interrupt.store(true, Ordering::SeqCst);
                (&mut task).await
            }
        };
        let Ok(r) = result else {
            return outcome_error(
                "Runtime.Unknown",
                "the WebAssembly runtime failed".into(),
                false,
            );
        };
        self.peak_bytes.fetch_max(r.memory_bytes, Ordering::SeqCst);
        for line in String::from_utf8_lossy(&r.stderr).lines() {
            self.sink.line(line);
        }
        if timed_out {
            return outcome_error(
                "Sandbox.Timedout",
                format!("Task timed out after {}.00 seconds", inv.timeout_secs),
                true,
            );
        }
        let stdout = {
            let end = r
                .stdout
                .iter()
                .rposition(|b| !b.is_ascii_whitespace())
                .map_or(0, |i| i + 1);
            Bytes::copy_from_slice(&r.stdout[..end])
        };
        match r.exit {
            Exit::Code(0) if r.stdout_overflow => outcome_error(
                "Function.ResponseSizeTooLarge",
                format!("Response payload size exceeded maximum allowed payload size ({MAX_SYNC_PAYLOAD} bytes)."),
                false,
            ),
            Exit::Code(0) => Outcome::Success(if stdout.is_empty() { Bytes::from_static(b"null") } else { stdout }),
            Exit::Code(code) => {
                let is_doc = serde_json::from_slice::<serde_json::Value>(&stdout)
                    .ok()
                    .is_some_and(|v| v.get("errorMessage").is_some());
                if is_doc {
                    Outcome::HandlerError(stdout)
                } else {
                    Outcome::HandlerError(Bytes::from(
                        serde_json::json!({
                            "errorType": "Runtime.ExitError",
                            "errorMessage": format!("RequestId: {} Error: Runtime exited with error: exit status {code}", inv.request_id),
                        })
                        .to_string(),
                    ))
                }
            }
            Exit::Interrupted => outcome_error(
                "Sandbox.Timedout",
                format!("Task timed out after {}.00 seconds", inv.timeout_secs),
                true,
            ),
            Exit::OutOfMemory => Outcome::HandlerError(Bytes::from(
                serde_json::json!({
                    "errorType": "Runtime.OutOfMemory",
                    "errorMessage": format!("RequestId: {} Error: Runtime exited with error: memory limit of {} MB exceeded", inv.request_id, self.memory_mb),
                })
                .to_string(),
            )),
            Exit::Trap(t) => Outcome::HandlerError(Bytes::from(
                serde_json::json!({
                    "errorType": "Runtime.Trap",
                    "errorMessage": format!("RequestId: {} Error: {t}", inv.request_id),
                })
                .to_string(),
            )),
        }
    }

    fn is_healthy(&self) -> bool {
        self.alive.load(Ordering::SeqCst)
    }

    fn max_memory_used_mb(&self) -> u64 {
        self.peak_bytes.load(Ordering::SeqCst).div_ceil(1024 * 1024)
    }

    fn kill(&self) {
        self.alive.store(false, Ordering::SeqCst);
    }

    fn sink(&self) -> &Arc<LogSink> {
        &self.sink
    }
}

/// Sets an invocation's interrupt flag when dropped.
struct InterruptOnDrop(Arc<AtomicBool>);

impl Drop for InterruptOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Output kept in memory up to a cap; writes past it are dropped (and noted), never trapped.
#[derive(Clone)]
struct CappedPipe {
    buf: Arc<Mutex<Vec<u8>>>,
    cap: usize,
    overflow: Arc<AtomicBool>,
}

impl CappedPipe {
    fn new(cap: usize) -> CappedPipe {
        CappedPipe {
            buf: Arc::new(Mutex::new(Vec::new())),
            cap,
            overflow: Arc::new(AtomicBool::new(false)),
        }
    }

    fn push(&self, bytes: &[u8]) {
        let mut b = self.buf.lock();
        let room = self.cap.saturating_sub(b.len());
        if bytes.len() > room {
            self.overflow.store(true, Ordering::SeqCst);
        }
        b.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.buf.lock())
    }

    fn overflowed(&self) -> bool {
        self.overflow.load(Ordering::SeqCst)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for CappedPipe {
    async fn ready(&mut self) {}
}

impl OutputStream for CappedPipe {
    fn write(&mut self, bytes: Bytes) -> Result<(), StreamError> {
        self.push(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StreamError> {
        Ok(())
    }

    fn check_write(&mut self) -> Result<usize, StreamError> {
        Ok(64 * 1024)
    }
}

impl tokio::io::AsyncWrite for CappedPipe {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.push(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl IsTerminal for CappedPipe {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CappedPipe {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}
