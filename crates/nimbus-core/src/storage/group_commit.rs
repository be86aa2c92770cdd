//! The group-commit writer: one thread that owns a service's SQLite connection, folds every
//! pending submission into one transaction, commits, and only then acknowledges each one.
//!
//! Requests apply their change in memory and, under the same lock, hand the matching effects
//! to the writer with [`GroupCommit::submit`], so the writer sees them in the order they were
//! applied. The [`Ack`] they get back resolves only after the transaction holding their
//! effects committed (or failed): an operation answers its client only after its effect is
//! durable per [`crate::Durability`], and concurrent requests share one commit.
//!
//! What a service keeps is its effect type and how one is written ([`Apply`]), and its
//! [`Bounds`]. The writer provides the rest:
//!
//! - **Checkpoints on a second connection.** The writer runs with `wal_autocheckpoint=0`; a
//!   checkpointer thread on its own connection copies the write-ahead log into the database
//!   when the writer has written [`Bounds::checkpoint_after`] (and, if set, every
//!   [`Bounds::checkpoint_interval`]), so that a checkpoint's copying and, with
//!   `synchronous=NORMAL`, its fsyncs never stall a commit.
//! - **A bounded log.** Passive checkpoints copy frames into the database but cannot reset a
//!   log that is written without pause, so under sustained writes it grows without bound (a
//!   million SQS sends left a 900 MB log, 100,000 S3 objects 1.3 GB), and a start after
//!   `kill -9` must read and checksum all of it. Past [`Bounds::wal_restart_bytes`] the
//!   writer restarts the log itself, after the acknowledgements went out (see
//!   `restart_wal_if_large` for why only when the checkpointer is idle).
//! - **Background work.** Submissions without an acknowledgement
//!   ([`GroupCommit::submit_background`]), and work an [`Apply`] queues for itself (SQS's
//!   row cleanup after purges) that the writer keeps committing between requests.
//! - **Shutdown.** [`GroupCommit::shutdown`] commits what is pending, finishes the background
//!   work, stops the checkpointer and truncates the log, so the next start reads only the
//!   database file.
//!
//! In memory (`--in-memory`) there is no writer: [`GroupCommit::in_memory`] acknowledges at
//! once, and the service behaves identically otherwise.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError};
use std::time::Duration;

use parking_lot::Mutex;
use rusqlite::{Connection, Transaction};
use tokio::sync::oneshot;

/// How a service writes its effects: the one part of the writer each service supplies.
///
/// The writer calls [`Apply::apply`] for every effect of every submission it folds into a
/// transaction, in submission order, then [`Apply::before_commit`] once, then commits. The
/// value lives on the writer thread, so it can keep state across transactions (counters,
/// a backlog of cleanup work).
pub trait Apply: Send + 'static {
    /// One change to the stored state.
    type Effect: Send + 'static;

    /// Writes `effect` in the open transaction `tx`.
    fn apply(&mut self, tx: &Transaction<'_>, effect: &Self::Effect) -> rusqlite::Result<()>;

    /// Roughly how much `effect` writes, in the unit of [`Bounds::checkpoint_after`] (one
    /// per effect unless overridden).
    fn weight(&self, _effect: &Self::Effect) -> usize {
        1
    }

    /// Runs once per transaction after every effect was applied and before the commit: the
    /// place for a slice of background work and for state that changes once per commit.
    fn before_commit(&mut self, _tx: &Transaction<'_>) -> rusqlite::Result<()> {
        Ok(())
    }

    /// Whether background work is left (see [`Apply::before_commit`]): while it is, the
    /// writer does not block waiting for submissions but commits again, and shutdown
    /// finishes it.
    fn has_background_work(&self) -> bool {
        false
    }
}

/// A service's bounds for its writer.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    /// Names the threads (`<name>-writer`, `<name>-checkpoint`) and log lines (`sqs`, `s3`).
    pub name: &'static str,
    /// Most submissions folded into one transaction, so one commit never grows without bound.
    pub max_jobs_per_commit: usize,
    /// [`Apply::weight`] written after which the checkpointer is woken and the log's size
    /// checked against [`Bounds::wal_restart_bytes`].
    pub checkpoint_after: usize,
    /// If set, the checkpointer also runs this often while commits trickle in.
    pub checkpoint_interval: Option<Duration>,
    /// The write-ahead log size past which the writer restarts the log; also the writer
    /// connection's `journal_size_limit`, which truncates the log to it after a restart.
    pub wal_restart_bytes: u64,
}

/// Why an acknowledgement reports failure.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CommitError {
    /// The transaction holding the effects failed; nothing of it was committed.
    #[error("storage failure: {0}")]
    Failed(String),
    /// The writer stopped before the effects were committed.
    #[error("storage writer stopped")]
    Stopped,
}

/// A pending acknowledgement: resolves once the submitted effects are committed.
#[derive(Debug)]
pub enum Ack {
    /// Nothing to wait for (in memory, or nothing was written).
    Done,
    /// Waiting for the writer.
    Pending(oneshot::Receiver<Result<(), String>>),
}

impl Ack {
    /// Waits for the commit.
    pub async fn wait(self) -> Result<(), CommitError> {
        match self {
            Ack::Done => Ok(()),
            Ack::Pending(rx) => match rx.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(CommitError::Failed(e)),
                Err(_) => Err(CommitError::Stopped),
            },
        }
    }
}

/// A submission: its effects and who waits for their commit.
type Job<E> = (Vec<E>, Option<oneshot::Sender<Result<(), String>>>);

enum Command<E> {
    Job(Job<E>),
    Shutdown(oneshot::Sender<()>),
}

/// The handle requests submit through: a writer thread (and its checkpointer), or nothing
/// in memory.
pub struct GroupCommit<E> {
    tx: Option<mpsc::Sender<Command<E>>>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl<E: Send + 'static> GroupCommit<E> {
    /// A writer that keeps nothing (`--in-memory`): every submission is acknowledged at once.
    pub fn in_memory() -> GroupCommit<E> {
        GroupCommit {
            tx: None,
            thread: Mutex::new(None),
        }
    }

    /// Starts the writer on `conn` and the checkpointer on `checkpoint_conn` (a second
    /// connection to the same database, both from [`super::sqlite::open`] plus the service's
    /// own pragmas; the service has loaded its state through `conn` already). Sets the
    /// writer's `wal_autocheckpoint=0` and `journal_size_limit` (to
    /// [`Bounds::wal_restart_bytes`]).
    pub fn start<A>(
        conn: Connection,
        checkpoint_conn: Connection,
        applier: A,
        bounds: Bounds,
    ) -> rusqlite::Result<GroupCommit<E>>
    where
        A: Apply<Effect = E>,
    {
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        conn.pragma_update(None, "journal_size_limit", bounds.wal_restart_bytes as i64)?;
        let (tx, rx) = mpsc::channel();
        let (wake_tx, wake_rx) = mpsc::sync_channel(1);
        let checkpointing = Arc::new(Mutex::new(()));
        let busy = checkpointing.clone();
        let spawn_error = |e| rusqlite::Error::ToSqlConversionFailure(Box::new(e));
        let checkpointer = std::thread::Builder::new()
            .name(format!("{}-checkpoint", bounds.name))
            .spawn(move || checkpoint_loop(checkpoint_conn, wake_rx, &busy, bounds))
            .map_err(spawn_error)?;
        let writer = Writer {
            conn,
            applier,
            bounds,
            wake_checkpointer: wake_tx,
            checkpointer,
            checkpointing,
        };
        let thread = std::thread::Builder::new()
            .name(format!("{}-writer", bounds.name))
            .spawn(move || writer.run(rx))
            .map_err(spawn_error)?;
        Ok(GroupCommit {
            tx: Some(tx),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Whether effects are persisted (a writer runs).
    pub fn is_durable(&self) -> bool {
        self.tx.is_some()
    }

    /// Hands `effects` to the writer. Call it while holding the lock under which the effects
    /// were applied in memory, so the writer sees them in the same order. The returned
    /// [`Ack`] resolves after the commit.
    pub fn submit(&self, effects: Vec<E>) -> Ack {
        let Some(tx) = &self.tx else {
            return Ack::Done;
        };
        if effects.is_empty() {
            return Ack::Done;
        }
        let (ack_tx, ack_rx) = oneshot::channel();
        match tx.send(Command::Job((effects, Some(ack_tx)))) {
            Ok(()) => Ack::Pending(ack_rx),
            // The writer is gone: the sender dropped with the command, so waiting reports
            // `CommitError::Stopped`.
            Err(_) => Ack::Pending(oneshot::channel().1),
        }
    }

    /// Hands `effects` to the writer without waiting for their commit (cleanups whose loss
    /// in a crash is harmless: they are redone at the next start).
    pub fn submit_background(&self, effects: Vec<E>) {
        if let Some(tx) = &self.tx
            && !effects.is_empty()
        {
            let _ = tx.send(Command::Job((effects, None)));
        }
    }

    /// Commits what is pending, finishes the background work, stops the checkpointer,
    /// truncates the log and stops the writer.
    pub async fn shutdown(&self) {
        let Some(tx) = &self.tx else {
            return;
        };
        let (done_tx, done_rx) = oneshot::channel();
        if tx.send(Command::Shutdown(done_tx)).is_ok() {
            let _ = done_rx.await;
        }
        let handle = self.thread.lock().take();
        if let Some(h) = handle {
            let _ = tokio::task::spawn_blocking(move || h.join()).await;
        }
    }
}

/// Whether a SQLite error only means another connection held the lock.
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Checkpoints the write-ahead log when the writer says it grew (or every
/// [`Bounds::checkpoint_interval`], if set), until the writer stops. `checkpointing` is held
/// while a checkpoint runs, so the writer can tell whether the checkpointer is idle.
fn checkpoint_loop(
    conn: Connection,
    wake: Receiver<()>,
    checkpointing: &Mutex<()>,
    bounds: Bounds,
) {
    loop {
        let woken = match bounds.checkpoint_interval {
            Some(interval) => match wake.recv_timeout(interval) {
                Ok(()) | Err(mpsc::RecvTimeoutError::Timeout) => true,
                Err(mpsc::RecvTimeoutError::Disconnected) => false,
            },
            None => wake.recv().is_ok(),
        };
        if !woken {
            return;
        }
        let _checkpointing = checkpointing.lock();
        match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            Ok(()) => {}
            Err(e) if is_busy(&e) => {
                tracing::debug!(service = bounds.name, error = %e, "checkpoint deferred");
            }
            Err(e) => tracing::warn!(service = bounds.name, error = %e, "checkpoint failed"),
        }
    }
}

/// The writer thread's state.
struct Writer<A: Apply> {
    conn: Connection,
    applier: A,
    bounds: Bounds,
    wake_checkpointer: SyncSender<()>,
    checkpointer: std::thread::JoinHandle<()>,
    checkpointing: Arc<Mutex<()>>,
}

impl<A: Apply> Writer<A> {
    /// Runs until a shutdown command arrives or every sender is gone.
    fn run(mut self, rx: Receiver<Command<A::Effect>>) {
        let mut jobs: Vec<Job<A::Effect>> = Vec::new();
        let mut written = 0usize;
        let wal_path = self
            .conn
            .path()
            .filter(|p| !p.is_empty())
            .map(|p| format!("{p}-wal"));
        loop {
            // Wait for work, or take what is there while background work is pending.
            let first = if self.applier.has_background_work() {
                match rx.try_recv() {
                    Ok(c) => Some(c),
                    Err(TryRecvError::Empty) => None,
                    Err(TryRecvError::Disconnected) => break,
                }
            } else {
                match rx.recv() {
                    Ok(c) => Some(c),
                    Err(_) => break,
                }
            };
            let mut shutdown = None;
            let mut next = first;
            while let Some(cmd) = next.take() {
                match cmd {
                    Command::Job(job) => jobs.push(job),
                    Command::Shutdown(done) => {
                        shutdown = Some(done);
                        break;
                    }
                }
                if jobs.len() >= self.bounds.max_jobs_per_commit {
                    break;
                }
                next = rx.try_recv().ok();
            }
            if !jobs.is_empty() || self.applier.has_background_work() {
                written += jobs
                    .iter()
                    .flat_map(|(effects, _)| effects.iter().map(|e| self.applier.weight(e)))
                    .sum::<usize>();
                let result = self.commit(&jobs).map_err(|e| e.to_string());
                if let Err(e) = &result {
                    tracing::error!(service = self.bounds.name, error = %e, "storage commit failed");
                }
                for (_, ack) in jobs.drain(..) {
                    if let Some(ack) = ack {
                        let _ = ack.send(result.clone());
                    }
                }
                if written >= self.bounds.checkpoint_after {
                    written = 0;
                    let _ = self.wake_checkpointer.try_send(());
                    self.restart_wal_if_large(wal_path.as_deref());
                }
            }
            if let Some(done) = shutdown {
                // Finish the background work so the next start loads only live rows.
                while self.applier.has_background_work() {
                    if self.commit(&[]).is_err() {
                        break;
                    }
                }
                drop(self.wake_checkpointer);
                let _ = self.checkpointer.join();
                let _ = self.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
                let _ = done.send(());
                return;
            }
        }
    }

    /// Applies every job's effects and the background slice in one transaction.
    fn commit(&mut self, jobs: &[Job<A::Effect>]) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        for (effects, _) in jobs {
            for e in effects {
                self.applier.apply(&tx, e)?;
            }
        }
        self.applier.before_commit(&tx)?;
        tx.commit()
    }

    /// Checkpoints and restarts the write-ahead log once it is larger than
    /// [`Bounds::wal_restart_bytes`] (after the acknowledgements went out, so no request
    /// waits for it; the passive checkpoints have usually copied most frames already), and
    /// only when the checkpointer is idle: waiting for it would go through SQLite's busy
    /// handler, which sleeps in steps of up to 25 ms while requests queue behind the writer;
    /// a busy checkpointer just defers the restart to the next check. The next commit then
    /// writes from the start of the log, which `journal_size_limit` keeps small. Each
    /// restart pauses the writer (~20 ms measured), which is why a service that writes many
    /// bytes per second (S3) takes a larger bound.
    fn restart_wal_if_large(&self, wal_path: Option<&str>) {
        let Some(path) = wal_path else { return };
        let large = std::fs::metadata(path).is_ok_and(|m| m.len() > self.bounds.wal_restart_bytes);
        let Some(_checkpointing) = large.then(|| self.checkpointing.try_lock()).flatten() else {
            return;
        };
        if let Err(e) = self
            .conn
            .query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(()))
        {
            tracing::debug!(service = self.bounds.name, error = %e, "log restart deferred");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Durability;
    use crate::storage::sqlite;

    /// Writes `(key, value)` rows; a `(key, 0)` effect queues `key` rows of background work,
    /// written one per commit by `before_commit` under negative keys.
    struct Rows {
        backlog: Vec<i64>,
    }

    impl Apply for Rows {
        type Effect = (i64, Vec<u8>);

        fn apply(&mut self, tx: &Transaction<'_>, (k, v): &(i64, Vec<u8>)) -> rusqlite::Result<()> {
            if v.is_empty() {
                self.backlog.extend(1..=*k);
                return Ok(());
            }
            tx.prepare_cached("INSERT OR REPLACE INTO kv (k, v) VALUES (?1, ?2)")?
                .execute(rusqlite::params![k, v])?;
            Ok(())
        }

        fn weight(&self, (_, v): &(i64, Vec<u8>)) -> usize {
            v.len()
        }

        fn before_commit(&mut self, tx: &Transaction<'_>) -> rusqlite::Result<()> {
            if let Some(k) = self.backlog.pop() {
                tx.execute("INSERT INTO kv (k, v) VALUES (?1, x'00')", [-k])?;
            }
            Ok(())
        }

        fn has_background_work(&self) -> bool {
            !self.backlog.is_empty()
        }
    }

    fn start(path: &std::path::Path, wal_restart_bytes: u64) -> GroupCommit<(i64, Vec<u8>)> {
        let conn = sqlite::open(path, Durability::Process).unwrap();
        conn.execute_batch("CREATE TABLE IF NOT EXISTS kv (k INTEGER PRIMARY KEY, v BLOB)")
            .unwrap();
        let checkpoint_conn = sqlite::open(path, Durability::Process).unwrap();
        let bounds = Bounds {
            name: "test",
            max_jobs_per_commit: 16,
            checkpoint_after: 512 * 1024,
            checkpoint_interval: None,
            wal_restart_bytes,
        };
        GroupCommit::start(
            conn,
            checkpoint_conn,
            Rows {
                backlog: Vec::new(),
            },
            bounds,
        )
        .unwrap()
    }

    fn count(path: &std::path::Path, filter: &str) -> i64 {
        let conn = Connection::open(path).unwrap();
        conn.query_row(
            &format!("SELECT count(*) FROM kv WHERE {filter}"),
            [],
            |r| r.get(0),
        )
        .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn acknowledges_after_commit_and_finishes_background_work_at_shutdown() {
        let dir = sqlite::tests::tempfile_dir();
        let path = dir.join("t.db");
        let writer = start(&path, 64 * 1024 * 1024);
        assert!(writer.is_durable());
        let acks: Vec<Ack> = (1..=100)
            .map(|k| writer.submit(vec![(k, vec![1u8; 10])]))
            .collect();
        for ack in acks {
            ack.wait().await.unwrap();
        }
        // Acknowledged means another connection sees it.
        assert_eq!(count(&path, "k > 0"), 100);
        assert!(matches!(writer.submit(Vec::new()), Ack::Done));
        writer.submit_background(vec![(500, Vec::new())]);
        writer.shutdown().await;
        assert_eq!(count(&path, "k < 0"), 500);
        // The log was truncated: the next start reads only the database file.
        let wal = std::fs::metadata(dir.join("t.db-wal")).map_or(0, |m| m.len());
        assert_eq!(wal, 0);
        assert_eq!(
            writer.submit(vec![(1, vec![1])]).wait().await,
            Err(CommitError::Stopped)
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A writer on `path` whose checkpointer does nothing, with the log grown past `bound`.
    fn writer_with_large_log(path: &std::path::Path, bound: u64) -> Writer<Rows> {
        let conn = sqlite::open(path, Durability::Process).unwrap();
        conn.execute_batch("CREATE TABLE kv (k INTEGER PRIMARY KEY, v BLOB)")
            .unwrap();
        conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        conn.pragma_update(None, "journal_size_limit", bound as i64)
            .unwrap();
        for k in 0..64 {
            conn.execute(
                "INSERT OR REPLACE INTO kv (k, v) VALUES (?1, zeroblob(65536))",
                [k % 8],
            )
            .unwrap();
        }
        let (wake_checkpointer, _) = mpsc::sync_channel(1);
        Writer {
            conn,
            applier: Rows {
                backlog: Vec::new(),
            },
            bounds: Bounds {
                name: "test",
                max_jobs_per_commit: 16,
                checkpoint_after: 1,
                checkpoint_interval: None,
                wal_restart_bytes: bound,
            },
            wake_checkpointer,
            checkpointer: std::thread::spawn(|| {}),
            checkpointing: Arc::new(Mutex::new(())),
        }
    }

    fn wal_len(path: &std::path::Path) -> u64 {
        std::fs::metadata(format!("{}-wal", path.display())).map_or(0, |m| m.len())
    }

    #[test]
    fn restarts_a_log_past_its_bound_only_when_the_checkpointer_is_idle() {
        let dir = sqlite::tests::tempfile_dir();
        let bound = 1024 * 1024;
        let wal = |p: &std::path::Path| format!("{}-wal", p.display());

        // The checkpointer is busy: the restart is deferred and the log keeps growing.
        let busy = dir.join("busy.db");
        let writer = writer_with_large_log(&busy, bound);
        let before = wal_len(&busy);
        assert!(before > 4 * bound, "{before}");
        {
            let _checkpointing = writer.checkpointing.lock();
            writer.restart_wal_if_large(Some(&wal(&busy)));
        }
        writer
            .conn
            .execute("INSERT INTO kv (k, v) VALUES (100, x'01')", [])
            .unwrap();
        assert!(wal_len(&busy) > before);

        // Idle: the log restarts, and the next commit writes from its start, truncating the
        // file to `journal_size_limit`.
        let idle = dir.join("idle.db");
        let writer = writer_with_large_log(&idle, bound);
        writer.restart_wal_if_large(Some(&wal(&idle)));
        writer
            .conn
            .execute("INSERT INTO kv (k, v) VALUES (100, x'01')", [])
            .unwrap();
        assert!(wal_len(&idle) <= bound, "{}", wal_len(&idle));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn in_memory_acknowledges_at_once() {
        let writer: GroupCommit<(i64, Vec<u8>)> = GroupCommit::in_memory();
        assert!(!writer.is_durable());
        assert!(matches!(writer.submit(vec![(1, vec![1])]), Ack::Done));
        writer.shutdown().await;
    }
}
