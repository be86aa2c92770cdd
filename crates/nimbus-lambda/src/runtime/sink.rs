//! Where an execution environment's log lines go: its log stream, and the running
//! invocation's tail (the last 4 KB returned with `LogType: Tail`).

use std::sync::Arc;

use base64::Engine;
use parking_lot::Mutex;

use crate::logs::{GroupKey, LogStore};

/// The size of the log tail returned in `X-Amz-Log-Result`.
pub const TAIL_BYTES: usize = 4096;
/// The most log bytes one invocation writes to its stream; the rest is dropped with a note.
pub const MAX_INVOCATION_LOG_BYTES: usize = 16 * 1024 * 1024;

struct Current {
    tail: String,
    written: usize,
    truncated: bool,
}

/// One execution environment's log sink.
pub struct LogSink {
    store: Arc<LogStore>,
    group: GroupKey,
    stream: String,
    current: Mutex<Option<Current>>,
}

impl LogSink {
    /// A sink writing to `stream` of `group`, which it creates.
    pub fn new(store: Arc<LogStore>, group: GroupKey, stream: String) -> Arc<LogSink> {
        store.ensure_stream(&group, &stream);
        Arc::new(LogSink {
            store,
            group,
            stream,
            current: Mutex::new(None),
        })
    }

    /// The stream's name (`YYYY/MM/DD/[$LATEST]<id>`).
    pub fn stream(&self) -> &str {
        &self.stream
    }

    /// Starts collecting the tail of a new invocation.
    pub fn begin(&self) {
        *self.current.lock() = Some(Current {
            tail: String::new(),
            written: 0,
            truncated: false,
        });
    }

    /// Writes one line of the process's output as one log event (a trailing newline is added
    /// if missing). Carriage returns inside it become line breaks: runtimes join a multi-line
    /// record (a traceback) with `\r` on stdout so that it stays one event, which CloudWatch
    /// shows on several lines.
    pub fn line(&self, line: &str) {
        let mut msg = line.replace('\r', "\n");
        while msg.ends_with("\n\n") {
            msg.pop();
        }
        if !msg.ends_with('\n') {
            msg.push('\n');
        }
        {
            let mut cur = self.current.lock();
            if let Some(c) = cur.as_mut() {
                if c.written >= MAX_INVOCATION_LOG_BYTES {
                    if !c.truncated {
                        c.truncated = true;
                        drop(cur);
                        self.store.append(
                            &self.group,
                            &self.stream,
                            "nimbus: log output of this invocation truncated at 16 MB\n",
                        );
                    }
                    return;
                }
                c.written += msg.len();
                c.tail.push_str(&msg);
                if c.tail.len() > 4 * TAIL_BYTES {
                    let mut cut = c.tail.len() - TAIL_BYTES;
                    while !c.tail.is_char_boundary(cut) {
                        cut += 1;
                    }
                    c.tail.drain(..cut);
                }
            }
        }
        self.store.append(&self.group, &self.stream, &msg);
    }

    /// Ends the invocation; returns its last 4 KB of log, base64-encoded.
    pub fn end(&self) -> String {
        let tail = self
            .current
            .lock()
            .take()
            .map(|c| c.tail)
            .unwrap_or_default();
        let bytes = tail.as_bytes();
        let start = bytes.len().saturating_sub(TAIL_BYTES);
        base64::engine::general_purpose::STANDARD.encode(&bytes[start..])
    }
}
