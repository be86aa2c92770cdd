//! Running functions: execution environments, pooled per function, warm between invocations.
//!
//! - [`process`]: subprocess runtimes (`python3.x`, `nodejs*`, `provided*`) speaking the real
//!   Lambda Runtime API ([`runtime_api`]) on their own loopback port;
//! - [`wasm`]: WebAssembly (WASI preview 1) modules run in wasmtime (runtime `wasm32-wasi`,
//!   or `provided*` with a `.wasm` handler and no `bootstrap`).
//!
//! The [`Executor`] keeps one [`Pool`] per function. An invocation takes an idle environment
//! of the function's current generation or starts one (a cold start, reported as `Init
//! Duration`), bounded by the function's reserved concurrency or the account's unreserved
//! concurrency. Environments go back to the pool after a clean invocation and are reaped after
//! [`IDLE_TTL_MILLIS`] idle (measured on the sandbox clock). A timeout, crash or memory
//! overrun discards the environment (killing its whole process group). Any change to a
//! function (code, configuration, a hot-reload directory) bumps the pool's generation, which
//! retires every environment of the previous one.
//!
//! Time: the function `Timeout`, the init limit and idle reaping are read from the sandbox
//! clock. Durations reported in `REPORT` lines are measured in real time (a process needs
//! real time to run), and the memory watchdog samples processes in real time.

pub mod concurrency;
pub mod process;
pub mod runtime_api;
pub mod sink;
#[cfg(feature = "wasm")]
pub mod wasm;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Instant;

use async_trait::async_trait;
use bytes::Bytes;
use nimbus_core::SharedClock;
use parking_lot::{Mutex, RwLock};

use crate::error::{LambdaError, LambdaErrorCode, MAX_SYNC_PAYLOAD, ThrottleReason};
use crate::logs::LogStore;
use crate::model::{FunctionKey, FunctionRecord, LATEST};
use sink::LogSink;

/// The runtime name for WebAssembly functions.
pub const WASM_RUNTIME: &str = "wasm32-wasi";
/// How long an environment stays warm without being used (sandbox clock).
pub const IDLE_TTL_MILLIS: u64 = 10 * 60 * 1000;
/// How long a runtime may take to initialise (sandbox clock), as AWS's 10-second init phase.
pub const INIT_LIMIT_MILLIS: u64 = 10_000;
/// The account's concurrency limit (AWS's default quota).
pub const ACCOUNT_CONCURRENCY: u32 = 1000;
/// Concurrency AWS keeps unreserved in every account.
pub const MIN_UNRESERVED: u32 = 100;

/// How a function's code is run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuntimeKind {
    /// `python3.x`: nimbus's Python bootstrap under this interpreter.
    Python {
        /// The interpreter command (`python3.12`, or `python3` when that is missing).
        interpreter: String,
    },
    /// `nodejs*`: nimbus's Node bootstrap under `node`.
    Node,
    /// `provided*`: the package's own `bootstrap`.
    Provided,
    /// WebAssembly: this module, relative to the task root.
    Wasm {
        /// The module's path inside the package.
        module: String,
    },
}

/// Which runtime runs a function, from its `Runtime`, `Handler` and package.
pub fn runtime_kind(
    runtime: Option<&str>,
    handler: Option<&str>,
    task_root: &Path,
) -> Result<RuntimeKind, LambdaError> {
    let runtime = runtime.unwrap_or("");
    let wasm_handler = || {
        let h = handler.unwrap_or("handler.wasm");
        if h.ends_with(".wasm") {
            h.to_owned()
        } else {
            format!("{h}.wasm")
        }
    };
    if runtime == WASM_RUNTIME {
        return Ok(RuntimeKind::Wasm {
            module: wasm_handler(),
        });
    }
    if let Some(version) = runtime.strip_prefix("python") {
        let wanted = format!("python{version}");
        let interpreter = if version.starts_with("3.") && process::resolve_python(&wanted).is_some()
        {
            wanted
        } else {
            static WARNED: std::sync::OnceLock<Mutex<std::collections::HashSet<String>>> =
                std::sync::OnceLock::new();
            if WARNED
                .get_or_init(Default::default)
                .lock()
                .insert(wanted.clone())
            {
                tracing::warn!(
                    runtime,
                    "{wanted} does not run here; running {runtime} functions with python3"
                );
            }
            "python3".to_owned()
        };
        return Ok(RuntimeKind::Python { interpreter });
    }
    if runtime.starts_with("nodejs") {
        return Ok(RuntimeKind::Node);
    }
    if runtime.starts_with("provided") {
        if !task_root.join("bootstrap").exists() && handler.is_some_and(|h| h.ends_with(".wasm")) {
            return Ok(RuntimeKind::Wasm {
                module: wasm_handler(),
            });
        }
        return Ok(RuntimeKind::Provided);
    }
    Err(LambdaError::new(
        LambdaErrorCode::InvalidRuntime,
        format!(
            "The runtime parameter of {runtime} is not supported by nimbus: it runs python3.x, nodejs*, provided* and {WASM_RUNTIME} functions."
        ),
    ))
}

/// One invocation as an environment receives it.
#[derive(Clone, Debug)]
pub struct Invocation {
    /// The request id (`Lambda-Runtime-Aws-Request-Id`).
    pub request_id: String,
    /// The event.
    pub payload: Bytes,
    /// `X-Amz-Client-Context`, base64 JSON, if given.
    pub client_context: Option<String>,
    /// The deadline on the sandbox clock, milliseconds since the epoch.
    pub deadline_ms: u64,
    /// The ARN the function was invoked by.
    pub invoked_arn: String,
    /// The function's timeout in seconds (for the timeout message).
    pub timeout_secs: u32,
}

/// What an environment reports for one invocation.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// The handler returned this response.
    Success(Bytes),
    /// The handler failed; the payload is the error document the runtime reported.
    HandlerError(Bytes),
    /// The environment failed (timeout, crash, out of memory, init failure); it is discarded.
    /// `error_type` and `message` become the error document.
    EnvironmentError {
        /// `errorType` (`Sandbox.Timedout`, `Runtime.ExitError`, `Runtime.OutOfMemory`…).
        error_type: String,
        /// `errorMessage`.
        message: String,
        /// Whether this is a timeout (the REPORT line says `Status: timeout`).
        timeout: bool,
        /// A full error document the runtime posted (`/init/error`), used as the payload
        /// when present.
        document: Option<Bytes>,
    },
}

impl Outcome {
    /// The response payload and whether it is a function error.
    pub fn into_payload(self, request_id: &str) -> (Bytes, bool) {
        match self {
            Outcome::Success(b) => (b, false),
            Outcome::HandlerError(b) => (b, true),
            Outcome::EnvironmentError {
                document: Some(doc),
                ..
            } => (doc, true),
            Outcome::EnvironmentError {
                error_type,
                message,
                ..
            } => (
                Bytes::from(
                    serde_json::json!({
                        "errorType": error_type,
                        "errorMessage": format!("RequestId: {request_id} Error: {message}"),
                    })
                    .to_string(),
                ),
                true,
            ),
        }
    }
}

/// `errorType: first line of errorMessage` from a function error's payload, for the server
/// log (the whole document and the traceback stay in the function's log stream).
pub fn error_summary(payload: &[u8]) -> String {
    const MAX: usize = 200;
    let doc: serde_json::Value = serde_json::from_slice(payload).unwrap_or_default();
    let field = |k: &str| doc.get(k).and_then(|v| v.as_str()).unwrap_or("");
    let kind = match field("errorType") {
        "" => "Unhandled",
        t => t,
    };
    let first = field("errorMessage").lines().next().unwrap_or("").trim();
    let mut line = if first.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {first}")
    };
    if line.len() > MAX {
        let mut cut = MAX;
        while !line.is_char_boundary(cut) {
            cut -= 1;
        }
        line.truncate(cut);
        line.push('…');
    }
    line
}

/// A running execution environment.
#[async_trait]
pub trait Environment: Send + Sync {
    /// Runs one invocation. The environment's sink has begun the invocation's tail.
    async fn invoke(&self, inv: &Invocation) -> Outcome;
    /// Whether it can take another invocation.
    fn is_healthy(&self) -> bool;
    /// The peak memory used so far, in MB.
    fn max_memory_used_mb(&self) -> u64;
    /// Stops it (kills the process group).
    fn kill(&self);
    /// Its log sink.
    fn sink(&self) -> &Arc<LogSink>;
}

/// What a function needs to start an environment, snapshotted from its record.
#[derive(Clone, Debug)]
pub struct FunctionSpec {
    /// The function.
    pub key: FunctionKey,
    /// The runtime kind.
    pub kind: RuntimeKind,
    /// `Runtime` as configured.
    pub runtime: String,
    /// `Handler`.
    pub handler: String,
    /// The task root.
    pub task_root: PathBuf,
    /// `MemorySize` in MB.
    pub memory_mb: u32,
    /// `Timeout` in seconds.
    pub timeout_secs: u32,
    /// `Environment.Variables`.
    pub environment: Vec<(String, String)>,
    /// The log group.
    pub log_group: String,
}

struct IdleEnv {
    env: Arc<dyn Environment>,
    generation: u64,
    since: u64,
}

/// The environments of one function.
pub struct Pool {
    generation: AtomicU64,
    idle: Mutex<Vec<IdleEnv>>,
    inflight: AtomicU32,
}

impl Pool {
    fn new() -> Pool {
        Pool {
            generation: AtomicU64::new(0),
            idle: Mutex::new(Vec::new()),
            inflight: AtomicU32::new(0),
        }
    }

    /// Retires every environment: idle ones now, busy ones when they finish.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let idle = std::mem::take(&mut *self.idle.lock());
        for e in idle {
            e.env.kill();
        }
    }

    /// How many environments are idle and warm.
    pub fn idle_count(&self) -> usize {
        self.idle.lock().len()
    }
}

/// The concurrency an invocation may use.
#[derive(Clone, Copy, Debug)]
pub enum ConcurrencyLimit {
    /// The function's reserved concurrency.
    Reserved(u32),
    /// The account's unreserved pool, of this size.
    Unreserved(u32),
}

/// What a finished invocation returns to the API.
#[derive(Clone, Debug)]
pub struct InvokeResult {
    /// The response payload (or error document).
    pub payload: Bytes,
    /// Whether the function failed (`X-Amz-Function-Error: Unhandled`).
    pub function_error: bool,
    /// The last 4 KB of the invocation's log, base64.
    pub log_tail: String,
    /// The log stream the invocation wrote to.
    pub log_stream: String,
    /// How long the handler ran, ms (the `Duration` of the REPORT line; 0 when the
    /// environment never started).
    pub duration_ms: f64,
}

/// Holds one concurrency slot; gives it back when dropped.
struct SlotGuard<'a> {
    executor: &'a Executor,
    key: &'a FunctionKey,
    pool: &'a Pool,
    limit: ConcurrencyLimit,
}

impl Drop for SlotGuard<'_> {
    fn drop(&mut self) {
        self.executor.release_slot(self.key, self.pool, self.limit);
    }
}

/// Starts environments, pools them, runs invocations.
pub struct Executor {
    clock: SharedClock,
    logs: Arc<LogStore>,
    runtime_dir: PathBuf,
    pools: Mutex<HashMap<FunctionKey, Arc<Pool>>>,
    unreserved_inflight: Mutex<HashMap<String, u32>>,
    concurrency: concurrency::Concurrency,
    endpoint: RwLock<Option<String>>,
    /// The wasmtime engine, created on the first WASM function (so starting nimbus and
    /// running no WASM costs nothing: no engine, no epoch-ticker thread).
    #[cfg(feature = "wasm")]
    wasm: std::sync::OnceLock<Option<Arc<wasm::WasmRuntime>>>,
    #[cfg(feature = "wasm")]
    wasm_cache_dir: PathBuf,
}

impl Executor {
    /// An executor writing logs to `logs`; `root` holds the shipped bootstraps and the
    /// compiled-module cache.
    pub fn new(
        clock: SharedClock,
        logs: Arc<LogStore>,
        root: &Path,
    ) -> Result<Arc<Executor>, Box<dyn std::error::Error + Send + Sync>> {
        let runtime_dir = root.join("runtime");
        process::install_bootstraps(&runtime_dir)?;
        let ex = Arc::new(Executor {
            clock,
            logs,
            runtime_dir,
            pools: Mutex::new(HashMap::new()),
            unreserved_inflight: Mutex::new(HashMap::new()),
            concurrency: Default::default(),
            endpoint: RwLock::new(None),
            #[cfg(feature = "wasm")]
            wasm: std::sync::OnceLock::new(),
            #[cfg(feature = "wasm")]
            wasm_cache_dir: root.join("wasm-cache"),
        });
        Self::start_reaper(&ex);
        Ok(ex)
    }

    /// The WebAssembly runtime, created on first use; `None` if wasmtime cannot start here.
    #[cfg(feature = "wasm")]
    fn wasm(&self) -> Option<Arc<wasm::WasmRuntime>> {
        self.wasm
            .get_or_init(|| match wasm::WasmRuntime::new(&self.wasm_cache_dir) {
                Ok(w) => Some(w),
                Err(e) => {
                    tracing::warn!("WebAssembly functions are unavailable: {e}");
                    None
                }
            })
            .clone()
    }

    fn start_reaper(ex: &Arc<Executor>) {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let weak = Arc::downgrade(ex);
        let clock = ex.clock.clone();
        handle.spawn(async move {
            loop {
                let next = clock.now_millis() + 60_000;
                clock.sleep_until(next).await;
                let Some(ex) = weak.upgrade() else { break };
                ex.reap_idle();
            }
        });
    }

    /// Kills environments idle for longer than [`IDLE_TTL_MILLIS`].
    pub fn reap_idle(&self) {
        let now = self.clock.now_millis();
        let pools: Vec<Arc<Pool>> = self.pools.lock().values().cloned().collect();
        for pool in pools {
            let expired: Vec<IdleEnv> = {
                let mut idle = pool.idle.lock();
                let (keep, gone): (Vec<_>, Vec<_>) = std::mem::take(&mut *idle)
                    .into_iter()
                    .partition(|e| e.since + IDLE_TTL_MILLIS > now);
                *idle = keep;
                gone
            };
            for e in expired {
                e.env.kill();
            }
        }
    }

    /// Records the endpoint clients reach nimbus on, handed to functions as
    /// `AWS_ENDPOINT_URL` so their SDK calls come back to nimbus.
    pub fn set_endpoint(&self, host: &str) {
        if self.endpoint.read().as_deref() != Some(host) {
            *self.endpoint.write() = Some(host.to_owned());
        }
    }

    fn pool(&self, key: &FunctionKey) -> Arc<Pool> {
        self.pools
            .lock()
            .entry(key.clone())
            .or_insert_with(|| Arc::new(Pool::new()))
            .clone()
    }

    /// Retires a function's environments (after an update or a hot reload).
    pub fn invalidate(&self, key: &FunctionKey) {
        if let Some(p) = self.pools.lock().get(key).cloned() {
            p.invalidate();
        }
    }

    /// Forgets a deleted function, killing its idle environments.
    pub fn remove(&self, key: &FunctionKey) {
        if let Some(p) = self.pools.lock().remove(key) {
            p.invalidate();
        }
    }

    /// How many warm environments a function has (tests and diagnostics).
    pub fn idle_environments(&self, key: &FunctionKey) -> usize {
        self.pools.lock().get(key).map_or(0, |p| p.idle_count())
    }

    /// Checks that a function's runtime can run here; prepares what a cold start can reuse
    /// (compiles a WebAssembly module). Called when a function becomes Active.
    pub async fn prepare(&self, f: &FunctionRecord) -> Result<(), String> {
        let kind = runtime_kind(
            f.runtime.as_deref(),
            f.handler.as_deref(),
            f.code.task_root(),
        )
        .map_err(|e| e.to_string())?;
        #[cfg(feature = "wasm")]
        if let RuntimeKind::Wasm { module } = &kind
            && let Some(w) = self.wasm()
        {
            let path = f.code.task_root().join(module);
            // A missing or invalid module fails at invoke with the runtime's error; compiling
            // here only warms the cache.
            let _ = tokio::task::spawn_blocking(move || w.load(&path)).await;
        }
        let _ = kind;
        Ok(())
    }

    fn acquire_slot(
        &self,
        key: &FunctionKey,
        pool: &Pool,
        limit: ConcurrencyLimit,
    ) -> Result<(), LambdaError> {
        match limit {
            ConcurrencyLimit::Reserved(n) => {
                let prev = pool.inflight.fetch_add(1, Ordering::SeqCst);
                if prev >= n {
                    pool.inflight.fetch_sub(1, Ordering::SeqCst);
                    return Err(LambdaError::too_many_requests(
                        "Rate Exceeded.",
                        ThrottleReason::ReservedFunctionConcurrentInvocationLimitExceeded,
                    ));
                }
            }
            ConcurrencyLimit::Unreserved(n) => {
                let mut map = self.unreserved_inflight.lock();
                let used = map.entry(key.account.clone()).or_insert(0);
                if *used >= n {
                    return Err(LambdaError::too_many_requests(
                        "Rate Exceeded.",
                        ThrottleReason::ConcurrentInvocationLimitExceeded,
                    ));
                }
                *used += 1;
                pool.inflight.fetch_add(1, Ordering::SeqCst);
            }
        }
        let unreserved = matches!(limit, ConcurrencyLimit::Unreserved(_));
        self.concurrency.enter(key, unreserved);
        Ok(())
    }

    /// Running invocations and each minute's peaks (`ConcurrentExecutions`).
    pub fn concurrency(&self) -> &concurrency::Concurrency {
        &self.concurrency
    }

    fn release_slot(&self, key: &FunctionKey, pool: &Pool, limit: ConcurrencyLimit) {
        pool.inflight.fetch_sub(1, Ordering::SeqCst);
        self.concurrency
            .leave(key, matches!(limit, ConcurrencyLimit::Unreserved(_)));
        if let ConcurrencyLimit::Unreserved(_) = limit
            && let Some(used) = self.unreserved_inflight.lock().get_mut(&key.account)
        {
            *used = used.saturating_sub(1);
        }
    }

    fn stream_name(&self) -> String {
        let d = nimbus_core::timefmt::iso8601_secs(self.clock.now_millis());
        format!(
            "{}/{}/{}/[{LATEST}]{}",
            &d[0..4],
            &d[5..7],
            &d[8..10],
            nimbus_core::ids::random_hex(16)
        )
    }

    async fn start_environment(
        &self,
        spec: &FunctionSpec,
        request_id: &str,
    ) -> Result<Arc<dyn Environment>, Outcome> {
        let group = (
            spec.key.account.clone(),
            spec.key.region.clone(),
            spec.log_group.clone(),
        );
        let sink = LogSink::new(self.logs.clone(), group, self.stream_name());
        sink.begin();
        match &spec.kind {
            RuntimeKind::Wasm { module } => {
                #[cfg(feature = "wasm")]
                {
                    let Some(w) = self.wasm() else {
                        return Err(Outcome::EnvironmentError {
                            error_type: "Runtime.Unavailable".into(),
                            message: "WebAssembly is unavailable in this nimbus".into(),
                            timeout: false,
                            document: None,
                        });
                    };
                    wasm::WasmEnv::start(w, spec, module, sink, self.clock.clone())
                        .await
                        .map(|e| e as Arc<dyn Environment>)
                }
                #[cfg(not(feature = "wasm"))]
                {
                    let _ = module;
                    Err(Outcome::EnvironmentError {
                        error_type: "Runtime.Unavailable".into(),
                        message:
                            "this nimbus was built without WebAssembly support (feature `wasm`)"
                                .into(),
                        timeout: false,
                        document: None,
                    })
                }
            }
            _ => {
                let endpoint = self.endpoint.read().clone();
                process::ProcessEnv::start(
                    spec,
                    &self.runtime_dir,
                    sink,
                    self.clock.clone(),
                    endpoint,
                    request_id,
                )
                .await
                .map(|e| e as Arc<dyn Environment>)
            }
        }
    }

    /// Runs one synchronous invocation of `f`.
    pub async fn invoke(
        &self,
        f: &FunctionRecord,
        request_id: &str,
        payload: Bytes,
        client_context: Option<String>,
        limit: ConcurrencyLimit,
    ) -> Result<InvokeResult, LambdaError> {
        let kind = runtime_kind(
            f.runtime.as_deref(),
            f.handler.as_deref(),
            f.code.task_root(),
        )?;
        let spec = FunctionSpec {
            key: f.key.clone(),
            kind,
            runtime: f.runtime.clone().unwrap_or_default(),
            handler: f.handler.clone().unwrap_or_default(),
            task_root: f.code.task_root().to_owned(),
            memory_mb: f.memory_size,
            timeout_secs: f.timeout,
            environment: f
                .environment
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            log_group: f.log_group.clone(),
        };
        let pool = self.pool(&f.key);
        self.acquire_slot(&f.key, &pool, limit)?;
        // Released even if the caller goes away mid-invocation (the future is dropped).
        let _slot = SlotGuard {
            executor: self,
            key: &f.key,
            pool: &pool,
            limit,
        };
        Ok(self
            .run(&spec, &pool, request_id, payload, client_context)
            .await)
    }

    fn take_idle(&self, pool: &Pool) -> Option<Arc<dyn Environment>> {
        let now = self.clock.now_millis();
        let generation = pool.generation.load(Ordering::SeqCst);
        let mut stale = Vec::new();
        let found = {
            let mut idle = pool.idle.lock();
            let mut found = None;
            while let Some(e) = idle.pop() {
                if e.generation == generation
                    && e.since + IDLE_TTL_MILLIS > now
                    && e.env.is_healthy()
                {
                    found = Some(e.env);
                    break;
                }
                stale.push(e);
            }
            found
        };
        for e in stale {
            e.env.kill();
        }
        found
    }

    async fn run(
        &self,
        spec: &FunctionSpec,
        pool: &Pool,
        request_id: &str,
        payload: Bytes,
        client_context: Option<String>,
    ) -> InvokeResult {
        let generation = pool.generation.load(Ordering::SeqCst);
        let started = Instant::now();
        let (env, init) = match self.take_idle(pool) {
            Some(env) => {
                env.sink().begin();
                (env, None)
            }
            None => match self.start_environment(spec, request_id).await {
                Ok(env) => (env, Some(started.elapsed())),
                Err(outcome) => {
                    return self.init_failed(spec, request_id, outcome, started);
                }
            },
        };
        let sink = env.sink().clone();
        sink.line(&format!("START RequestId: {request_id} Version: {LATEST}"));
        let inv = Invocation {
            request_id: request_id.to_owned(),
            payload,
            client_context,
            deadline_ms: self.clock.now_millis() + u64::from(spec.timeout_secs) * 1000,
            invoked_arn: spec.key.arn(),
            timeout_secs: spec.timeout_secs,
        };
        let invoke_started = Instant::now();
        let mut outcome = env.invoke(&inv).await;
        let duration = invoke_started.elapsed();
        if let Outcome::Success(b) | Outcome::HandlerError(b) = &outcome
            && b.len() > MAX_SYNC_PAYLOAD
        {
            outcome = Outcome::EnvironmentError {
                error_type: "Function.ResponseSizeTooLarge".into(),
                message: format!(
                    "Response payload size exceeded maximum allowed payload size ({MAX_SYNC_PAYLOAD} bytes)."
                ),
                timeout: false,
                document: None,
            };
        }
        let timed_out = matches!(outcome, Outcome::EnvironmentError { timeout: true, .. });
        if timed_out {
            sink.line(&format!(
                "{} {request_id} Task timed out after {}.00 seconds",
                nimbus_core::timefmt::iso8601_millis(self.clock.now_millis()),
                spec.timeout_secs
            ));
        } else if let Outcome::EnvironmentError {
            error_type,
            message,
            document: None,
            ..
        } = &outcome
        {
            sink.line(&format!(
                "RequestId: {request_id} Error: {message}\n{error_type}"
            ));
        }
        sink.line(&format!("END RequestId: {request_id}"));
        let ms = duration.as_secs_f64() * 1000.0;
        let (ms, billed) = if timed_out {
            let t = f64::from(spec.timeout_secs) * 1000.0;
            (t, t as u64)
        } else {
            (ms, ms.ceil().max(1.0) as u64)
        };
        let mut report = format!(
            "REPORT RequestId: {request_id}\tDuration: {ms:.2} ms\tBilled Duration: {billed} ms\tMemory Size: {} MB\tMax Memory Used: {} MB\t",
            spec.memory_mb,
            env.max_memory_used_mb().clamp(1, u64::from(spec.memory_mb)),
        );
        if let Some(init) = init {
            report.push_str(&format!(
                "Init Duration: {:.2} ms\t",
                init.as_secs_f64() * 1000.0
            ));
        }
        if timed_out {
            report.push_str("Status: timeout");
        } else if matches!(outcome, Outcome::EnvironmentError { .. }) {
            report.push_str("Status: error");
        }
        sink.line(&report);
        let log_tail = sink.end();
        let healthy = !matches!(outcome, Outcome::EnvironmentError { .. }) && env.is_healthy();
        if healthy && pool.generation.load(Ordering::SeqCst) == generation {
            pool.idle.lock().push(IdleEnv {
                env: env.clone(),
                generation,
                since: self.clock.now_millis(),
            });
        } else {
            env.kill();
        }
        let (payload, function_error) = outcome.into_payload(request_id);
        InvokeResult {
            payload,
            function_error,
            log_tail,
            log_stream: sink.stream().to_owned(),
            duration_ms: ms,
        }
    }

    fn init_failed(
        &self,
        spec: &FunctionSpec,
        request_id: &str,
        outcome: Outcome,
        started: Instant,
    ) -> InvokeResult {
        // The environment never came up: log to a stream of its own, as AWS does.
        let group = (
            spec.key.account.clone(),
            spec.key.region.clone(),
            spec.log_group.clone(),
        );
        let sink = LogSink::new(self.logs.clone(), group, self.stream_name());
        sink.begin();
        let (error_type, status) = match &outcome {
            Outcome::EnvironmentError {
                error_type,
                timeout,
                ..
            } => (
                error_type.clone(),
                if *timeout { "timeout" } else { "error" },
            ),
            _ => ("Runtime.Unknown".to_owned(), "error"),
        };
        if let Outcome::EnvironmentError {
            message,
            document: None,
            ..
        } = &outcome
        {
            sink.line(&format!("{error_type}: {message}"));
        }
        sink.line(&format!(
            "INIT_REPORT Init Duration: {:.2} ms\tPhase: init\tStatus: {status}\tError Type: {error_type}",
            started.elapsed().as_secs_f64() * 1000.0
        ));
        sink.line(&format!("START RequestId: {request_id} Version: {LATEST}"));
        sink.line(&format!("END RequestId: {request_id}"));
        sink.line(&format!(
            "REPORT RequestId: {request_id}\tDuration: {:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: 1 MB\tStatus: {status}\tError Type: {error_type}",
            0.0, 0, spec.memory_mb
        ));
        let log_tail = sink.end();
        let (payload, function_error) = outcome.into_payload(request_id);
        InvokeResult {
            payload,
            function_error,
            log_tail,
            log_stream: sink.stream().to_owned(),
            duration_ms: 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_summary_names_the_type_and_the_first_line() {
        assert_eq!(
            error_summary(
                br#"{"errorType":"RuntimeError","errorMessage":"cannot process poison.txt\nmore"}"#
            ),
            "RuntimeError: cannot process poison.txt"
        );
        assert_eq!(
            error_summary(br#"{"errorType":"Runtime.ExitError","errorMessage":""}"#),
            "Runtime.ExitError"
        );
        assert_eq!(error_summary(b"not json"), "Unhandled");
        assert!(
            error_summary(
                format!(
                    r#"{{"errorType":"E","errorMessage":"{}"}}"#,
                    "é".repeat(300)
                )
                .as_bytes()
            )
            .ends_with('…')
        );
    }
}
