//! Starting and stopping the nimbus binary under test.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A nimbus process started by the benchmark.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// Its data directory.
    pub data_dir: PathBuf,
    binary: PathBuf,
    port: u16,
}

impl Server {
    /// Starts `binary up` on a free port in `data_dir`; returns once it printed its ready line.
    pub async fn start(
        binary: &PathBuf,
        data_dir: &PathBuf,
        port: u16,
    ) -> Result<(Server, Duration), String> {
        let t = Instant::now();
        let mut child = Command::new(binary)
            .args(["up", "--port", &port.to_string(), "--data-dir"])
            .arg(data_dir)
            .args(["--log-level", "warn"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let line = lines
            .next_line()
            .await
            .map_err(|e| e.to_string())?
            .ok_or("nimbus exited before its ready line")?;
        let endpoint = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .ok_or_else(|| format!("unexpected ready line: {line}"))?
            .to_owned();
        let port = endpoint
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or(port);
        Ok((
            Server {
                child,
                endpoint,
                data_dir: data_dir.clone(),
                binary: binary.clone(),
                port,
            },
            t.elapsed(),
        ))
    }

    /// The process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Resident memory in MiB, from /proc.
    pub fn rss_mib(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()?)).ok()?;
        let kb: f64 = status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()?;
        Some(kb / 1024.0)
    }

    /// Kills the process with SIGKILL and waits for it.
    pub async fn kill9(mut self) -> (PathBuf, PathBuf, u16) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
        (self.binary.clone(), self.data_dir.clone(), self.port)
    }
}
