//! Subprocess execution environments: one process (group) per environment, speaking the
//! Runtime API on its own loopback port.
//!
//! - `python3.x` runs nimbus's bootstrap (`bootstrap.py`, standard library only) under the
//!   matching interpreter, `nodejs*` runs `bootstrap.js` under `node`, `provided*` runs the
//!   package's own `bootstrap`.
//! - The process starts in its own process group with a clean environment (the standard
//!   Lambda variables, the function's variables, and `PATH`/`HOME` so interpreters resolve);
//!   stdout and stderr are read line by line into the environment's log stream.
//! - A timeout (sandbox clock), an exit, or memory over `MemorySize` ends the environment:
//!   the whole process group is killed with `SIGKILL`.
//! - Memory is sampled from `/proc` every 50 ms of real time (resident set of the process and
//!   its descendants); Python runs additionally with an address-space limit as a backstop.

use std::os::fd::AsRawFd;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use nimbus_core::SharedClock;
use tokio::io::AsyncReadExt;
use tokio::sync::watch;

use super::runtime_api::{ApiEvent, InitEvent, RuntimeApi};
use super::sink::LogSink;
use super::{Environment, FunctionSpec, INIT_LIMIT_MILLIS, Invocation, Outcome, RuntimeKind};
use crate::model::LATEST;

const PYTHON_BOOTSTRAP: &str = include_str!("bootstrap.py");
const NODE_BOOTSTRAP: &str = include_str!("bootstrap.js");
/// A line longer than this is split.
const MAX_LINE: usize = 256 * 1024;

/// Writes the shipped bootstraps into `dir` (`LAMBDA_RUNTIME_DIR`).
pub fn install_bootstraps(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, text) in [
        ("bootstrap.py", PYTHON_BOOTSTRAP),
        ("bootstrap.js", NODE_BOOTSTRAP),
    ] {
        let p = dir.join(name);
        if std::fs::read_to_string(&p).ok().as_deref() != Some(text) {
            let tmp = dir.join(format!(".{name}.tmp"));
            std::fs::write(&tmp, text)?;
            std::fs::rename(&tmp, &p)?;
        }
    }
    Ok(())
}

/// Resolves an interpreter command to the executable it runs (so a shim such as pyenv's is
/// paid for once, not on every cold start). `None` if it does not run.
pub fn resolve_python(cmd: &str) -> Option<String> {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    static CACHE: OnceLock<parking_lot::Mutex<HashMap<String, Option<String>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(r) = cache.lock().get(cmd) {
        return r.clone();
    }
    let resolved = std::process::Command::new(cmd)
        .args(["-c", "import sys; print(sys.executable)"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    cache.lock().insert(cmd.to_owned(), resolved.clone());
    resolved
}

/// Why an environment's process stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Fault {
    Exited(String),
    OutOfMemory,
}

/// A running subprocess environment.
pub struct ProcessEnv {
    api: RuntimeApi,
    sink: Arc<LogSink>,
    pid: i32,
    fault: watch::Receiver<Option<Fault>>,
    alive: Arc<AtomicBool>,
    peak_kb: Arc<AtomicU64>,
    pipes: Vec<(i32, Arc<AtomicBool>, Arc<AtomicBool>)>,
    clock: SharedClock,
}

impl Drop for ProcessEnv {
    fn drop(&mut self) {
        self.kill();
    }
}

fn kill_group(pid: i32) {
    if pid > 0 {
        #[allow(unsafe_code)] // libc has no safe kill(2)
        // SAFETY: kill(2) with a negative pid signals the process group we created for this
        // environment (`process_group(0)` makes the child its leader); no memory is touched.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

fn exit_message(status: &std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    if let Some(sig) = status.signal() {
        let name = match sig {
            libc::SIGKILL => "killed".to_owned(),
            libc::SIGSEGV => "segmentation fault".to_owned(),
            libc::SIGABRT => "aborted".to_owned(),
            libc::SIGTERM => "terminated".to_owned(),
            n => format!("{n}"),
        };
        format!("Runtime exited with error: signal: {name}")
    } else {
        match status.code() {
            Some(0) => "Runtime exited without providing a reason".to_owned(),
            Some(c) => format!("Runtime exited with error: exit status {c}"),
            None => "Runtime exited without providing a reason".to_owned(),
        }
    }
}

fn env_error(error_type: &str, message: String) -> Outcome {
    Outcome::EnvironmentError {
        error_type: error_type.into(),
        message,
        timeout: false,
        document: None,
    }
}

/// The resident set of `pid` and its descendants, in KB.
fn rss_kb(pid: i32) -> u64 {
    fn one(pid: i32, depth: u32) -> u64 {
        let mut total = std::fs::read_to_string(format!("/proc/{pid}/statm"))
            .ok()
            .and_then(|s| {
                s.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<u64>().ok())
            })
            .map_or(0, |pages| pages * 4);
        if depth < 8
            && let Ok(children) =
                std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        {
            for c in children.split_whitespace().filter_map(|c| c.parse().ok()) {
                total += one(c, depth + 1);
            }
        }
        total
    }
    one(pid, 0)
}

/// Bytes waiting in a pipe.
fn pending_bytes(fd: i32) -> i32 {
    let mut n: libc::c_int = 0;
    #[allow(unsafe_code)] // libc has no safe ioctl(2)
    // SAFETY: FIONREAD writes one int through the pointer we pass, which is valid.
    let r = unsafe { libc::ioctl(fd, libc::FIONREAD, &mut n) };
    if r < 0 { 0 } else { n }
}

fn spawn_reader<R>(mut reader: R, sink: Arc<LogSink>, busy: Arc<AtomicBool>, open: Arc<AtomicBool>)
where
    R: tokio::io::AsyncRead + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let mut buf = vec![0u8; 64 * 1024];
        let mut line: Vec<u8> = Vec::new();
        loop {
            let n = match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            busy.store(true, Ordering::SeqCst);
            let mut rest = &buf[..n];
            while let Some(i) = rest.iter().position(|b| *b == b'\n') {
                line.extend_from_slice(&rest[..i]);
                sink.line(&String::from_utf8_lossy(&line));
                line.clear();
                rest = &rest[i + 1..];
            }
            line.extend_from_slice(rest);
            while line.len() >= MAX_LINE {
                let tail = line.split_off(MAX_LINE);
                sink.line(&String::from_utf8_lossy(&line));
                line = tail;
            }
            busy.store(false, Ordering::SeqCst);
        }
        if !line.is_empty() {
            sink.line(&String::from_utf8_lossy(&line));
        }
        open.store(false, Ordering::SeqCst);
    });
}

impl ProcessEnv {
    /// Starts the runtime process and waits for it to initialise (its first `/next`).
    pub async fn start(
        spec: &FunctionSpec,
        runtime_dir: &Path,
        sink: Arc<LogSink>,
        clock: SharedClock,
        endpoint: Option<String>,
        request_id: &str,
    ) -> Result<Arc<ProcessEnv>, Outcome> {
        let (api, init_rx) = RuntimeApi::start().await.map_err(|e| {
            env_error(
                "Runtime.Unavailable",
                format!("cannot serve the Runtime API: {e}"),
            )
        })?;
        let root = &spec.task_root;
        let mut address_space_mb: Option<u64> = None;
        let mut cmd = match &spec.kind {
            RuntimeKind::Python { interpreter } => {
                let exe = resolve_python(interpreter).ok_or_else(|| {
                    env_error(
                        "Runtime.InvalidEntrypoint",
                        format!("cannot run {interpreter}: no Python interpreter found on PATH"),
                    )
                })?;
                let mut c = tokio::process::Command::new(exe);
                c.arg("-u").arg(runtime_dir.join("bootstrap.py"));
                address_space_mb = Some(u64::from(spec.memory_mb) * 4 + 1024);
                c
            }
            RuntimeKind::Node => {
                let mut c = tokio::process::Command::new("node");
                c.arg(runtime_dir.join("bootstrap.js"));
                c
            }
            RuntimeKind::Provided => {
                let b = root.join("bootstrap");
                if !b.is_file() {
                    return Err(env_error(
                        "Runtime.InvalidEntrypoint",
                        format!("Couldn't find valid bootstrap(s): [{}]", b.display()),
                    ));
                }
                tokio::process::Command::new(b)
            }
            RuntimeKind::Wasm { .. } => {
                return Err(env_error(
                    "Runtime.Unavailable",
                    "not a process runtime".into(),
                ));
            }
        };
        let name = &spec.key.name;
        cmd.current_dir(root)
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .process_group(0);
        for var in ["PATH", "HOME", "TMPDIR", "PYENV_ROOT", "LANG"] {
            if let Some(v) = std::env::var_os(var) {
                cmd.env(var, v);
            }
        }
        let mut ld = format!("{}/lib:{}", root.display(), root.display());
        if let Some(existing) = std::env::var_os("LD_LIBRARY_PATH") {
            ld.push(':');
            ld.push_str(&existing.to_string_lossy());
        }
        cmd.env("LD_LIBRARY_PATH", ld);
        for (k, v) in &spec.environment {
            cmd.env(k, v);
        }
        let execution_env = match &spec.kind {
            RuntimeKind::Python { .. } | RuntimeKind::Node => {
                format!("AWS_Lambda_{}", spec.runtime)
            }
            _ => "AWS_Lambda_provided".into(),
        };
        let region = &spec.key.region;
        cmd.env("AWS_LAMBDA_RUNTIME_API", api.addr().to_string())
            .env("_HANDLER", &spec.handler)
            .env("LAMBDA_TASK_ROOT", root)
            .env("LAMBDA_RUNTIME_DIR", runtime_dir)
            .env("AWS_EXECUTION_ENV", execution_env)
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env(
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                spec.memory_mb.to_string(),
            )
            .env("AWS_LAMBDA_FUNCTION_VERSION", LATEST)
            .env("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", &spec.log_group)
            .env("AWS_LAMBDA_LOG_STREAM_NAME", sink.stream())
            .env("AWS_REGION", region)
            .env("AWS_DEFAULT_REGION", region)
            // A 12-digit access key selects the function's account in nimbus.
            .env("AWS_ACCESS_KEY_ID", &spec.key.account)
            .env("AWS_SECRET_ACCESS_KEY", "nimbus")
            .env("AWS_SESSION_TOKEN", "nimbus")
            .env("TZ", ":UTC")
            .env("PYTHONUNBUFFERED", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env(
                "NODE_PATH",
                format!("{}/node_modules:{}", root.display(), root.display()),
            );
        if let Some(e) = endpoint {
            cmd.env("AWS_ENDPOINT_URL", format!("http://{e}"));
        }
        if let Some(mb) = address_space_mb {
            let bytes = mb.saturating_mul(1024 * 1024);
            #[allow(unsafe_code)] // `pre_exec` is unsafe: the closure runs between fork and exec
            // SAFETY: the closure runs in the forked child before exec and only calls
            // setrlimit(2), which is async-signal-safe; it touches no shared state.
            unsafe {
                cmd.pre_exec(move || {
                    let lim = libc::rlimit {
                        rlim_cur: bytes as libc::rlim_t,
                        rlim_max: bytes as libc::rlim_t,
                    };
                    libc::setrlimit(libc::RLIMIT_AS, &lim);
                    let core = libc::rlimit {
                        rlim_cur: 0,
                        rlim_max: 0,
                    };
                    libc::setrlimit(libc::RLIMIT_CORE, &core);
                    Ok(())
                });
            }
        }
        let mut child = cmd.spawn().map_err(|e| {
            env_error(
                "Runtime.InvalidEntrypoint",
                format!("RequestId: {request_id} Error: fork/exec failed: {e}"),
            )
        })?;
        let pid = child.id().map(|p| p as i32).unwrap_or(0);
        let mut pipes = Vec::new();
        if let Some(out) = child.stdout.take() {
            let (busy, open) = (
                Arc::new(AtomicBool::new(false)),
                Arc::new(AtomicBool::new(true)),
            );
            pipes.push((out.as_raw_fd(), busy.clone(), open.clone()));
            spawn_reader(out, sink.clone(), busy, open);
        }
        if let Some(err) = child.stderr.take() {
            let (busy, open) = (
                Arc::new(AtomicBool::new(false)),
                Arc::new(AtomicBool::new(true)),
            );
            pipes.push((err.as_raw_fd(), busy.clone(), open.clone()));
            spawn_reader(err, sink.clone(), busy, open);
        }
        let alive = Arc::new(AtomicBool::new(true));
        let (fault_tx, fault_rx) = watch::channel(None);
        let fault_tx = Arc::new(fault_tx);
        {
            let fault_tx = fault_tx.clone();
            let alive = alive.clone();
            tokio::spawn(async move {
                let msg = match child.wait().await {
                    Ok(status) => exit_message(&status),
                    Err(e) => format!("Runtime exited with error: {e}"),
                };
                alive.store(false, Ordering::SeqCst);
                // Whatever else is left in the group goes with it.
                kill_group(pid);
                fault_tx.send_if_modified(|f| {
                    if f.is_none() {
                        *f = Some(Fault::Exited(msg));
                        true
                    } else {
                        false
                    }
                });
            });
        }
        let peak_kb = Arc::new(AtomicU64::new(0));
        {
            let limit_kb = u64::from(spec.memory_mb) * 1024;
            let alive = alive.clone();
            let peak = peak_kb.clone();
            let fault_tx = fault_tx.clone();
            tokio::spawn(async move {
                // Real time: this samples a running process, it is not a semantic timeout.
                let mut tick = tokio::time::interval(Duration::from_millis(50));
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
                while alive.load(Ordering::SeqCst) {
                    tick.tick().await;
                    let rss = rss_kb(pid);
                    peak.fetch_max(rss, Ordering::SeqCst);
                    if rss > limit_kb {
                        fault_tx.send_if_modified(|f| {
                            if f.is_none() {
                                *f = Some(Fault::OutOfMemory);
                                true
                            } else {
                                false
                            }
                        });
                        kill_group(pid);
                        break;
                    }
                }
            });
        }
        let env = Arc::new(ProcessEnv {
            api,
            sink,
            pid,
            fault: fault_rx,
            alive,
            peak_kb,
            pipes,
            clock: clock.clone(),
        });
        let mut fault = env.fault.clone();
        let init_deadline = clock.now_millis() + INIT_LIMIT_MILLIS;
        let mut init_rx = init_rx;
        let result = tokio::select! {
            biased;
            ev = &mut init_rx => match ev {
                Ok(InitEvent::Ready) => Ok(()),
                Ok(InitEvent::Failed { error_type, document }) => Err(Outcome::EnvironmentError {
                    message: String::from_utf8_lossy(&document).into_owned(),
                    error_type,
                    timeout: false,
                    document: Some(document),
                }),
                Err(_) => Err(env_error("Runtime.ExitError", "Runtime API stopped".into())),
            },
            _ = async { let _ = fault.wait_for(|f| f.is_some()).await; } => {
                // An init error posted just before the exit wins.
                match init_rx.try_recv() {
                    Ok(InitEvent::Failed { error_type, document }) => Err(Outcome::EnvironmentError {
                        message: String::from_utf8_lossy(&document).into_owned(),
                        error_type,
                        timeout: false,
                        document: Some(document),
                    }),
                    Ok(InitEvent::Ready) => Ok(()),
                    Err(_) => {
                        env.drain().await;
                        Err(env.fault_outcome())
                    }
                }
            },
            _ = clock.sleep_until(init_deadline) => Err(Outcome::EnvironmentError {
                error_type: "Sandbox.Timedout".into(),
                message: format!("Task timed out after {}.00 seconds", INIT_LIMIT_MILLIS / 1000),
                timeout: true,
                document: None,
            }),
        };
        match result {
            Ok(()) => Ok(env),
            Err(o) => {
                env.drain().await;
                env.kill();
                Err(o)
            }
        }
    }

    fn fault_outcome(&self) -> Outcome {
        match self.fault.borrow().clone() {
            Some(Fault::OutOfMemory) => env_error(
                "Runtime.OutOfMemory",
                "Runtime exited with error: signal: killed".into(),
            ),
            Some(Fault::Exited(msg)) => env_error("Runtime.ExitError", msg),
            None => env_error(
                "Runtime.ExitError",
                "Runtime exited without providing a reason".into(),
            ),
        }
    }

    /// Waits (briefly, in real time) until what the process wrote to stdout/stderr before
    /// its last Runtime API call has been read into the log.
    async fn drain(&self) {
        for _ in 0..200 {
            let pending = self.pipes.iter().any(|(fd, busy, open)| {
                open.load(Ordering::SeqCst)
                    && (busy.load(Ordering::SeqCst) || pending_bytes(*fd) > 0)
            });
            if !pending {
                return;
            }
            tokio::time::sleep(Duration::from_micros(250)).await;
        }
    }
}

#[async_trait]
impl Environment for ProcessEnv {
    async fn invoke(&self, inv: &Invocation) -> Outcome {
        if !self.is_healthy() {
            return self.fault_outcome();
        }
        let rx = self.api.submit(inv.clone()).await;
        let mut fault = self.fault.clone();
        tokio::select! {
            biased;
            ev = rx => {
                self.drain().await;
                match ev {
                    Ok(ApiEvent::Response(b)) => Outcome::Success(b),
                    Ok(ApiEvent::Error(b)) => Outcome::HandlerError(b),
                    Ok(ApiEvent::TooLarge) => env_error(
                        "Function.ResponseSizeTooLarge",
                        format!("Response payload size exceeded maximum allowed payload size ({} bytes).", crate::error::MAX_SYNC_PAYLOAD),
                    ),
                    Err(_) => self.fault_outcome(),
                }
            }
            _ = async { let _ = fault.wait_for(|f| f.is_some()).await; } => {
                self.drain().await;
                self.fault_outcome()
            }
            _ = self.clock.sleep_until(inv.deadline_ms) => {
                self.kill();
                Outcome::EnvironmentError {
                    error_type: "Sandbox.Timedout".into(),
                    message: format!("Task timed out after {}.00 seconds", inv.timeout_secs),
                    timeout: true,
                    document: None,
                }
            }
        }
    }

    fn is_healthy(&self) -> bool {
        self.alive.load(Ordering::SeqCst) && self.fault.borrow().is_none()
    }

    fn max_memory_used_mb(&self) -> u64 {
        let hwm = std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .ok()
            .and_then(|s| {
                s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                    l.split_whitespace()
                        .nth(1)
                        .and_then(|v| v.parse::<u64>().ok())
                })
            })
            .unwrap_or(0);
        let kb = hwm.max(self.peak_kb.load(Ordering::SeqCst));
        kb.div_ceil(1024)
    }

    fn kill(&self) {
        if self.alive.swap(false, Ordering::SeqCst) {
            kill_group(self.pid);
        }
    }

    fn sink(&self) -> &Arc<LogSink> {
        &self.sink
    }
}
