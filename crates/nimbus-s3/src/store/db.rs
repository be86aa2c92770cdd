//! S3's metadata (and the content of small objects) in SQLite (`<data-dir>/s3/s3.db`),
//! written by one thread with group commit.
//!
//! Requests apply their change in memory and, under the same lock, hand the matching
//! [`Effect`]s to the writer; the writer folds everything pending into one transaction,
//! commits, and only then acknowledges each submission. An object's metadata, the content of
//! a small object ([`Effect::PutBlob`]) and the event notifications it causes (the outbox)
//! are in the same submission, so they commit together.
//!
//! The write-ahead log is checkpointed by a second thread on its own connection (the writer
//! runs with `wal_autocheckpoint=0`), so that a checkpoint's copying and, with
//! `synchronous=NORMAL`, its fsyncs never stall a commit.

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::time::Duration;

use bytes::Bytes;

use nimbus_core::Durability;
use parking_lot::Mutex;
use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::oneshot;

use crate::error::{S3Error, S3Result};

/// Most submissions folded into one transaction.
const MAX_JOBS_PER_COMMIT: usize = 4_096;

/// Bytes of effects committed after which the checkpointer is woken.
const CHECKPOINT_AFTER_BYTES: usize = 4 * 1024 * 1024;

/// The checkpointer also runs this often while commits trickle in.
const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(1);

/// How long a connection waits for another's lock (a checkpoint) before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The writer's page cache, in KiB as SQLite counts it (negative).
const WRITER_CACHE_KIB: i64 = -4_096;

/// The database file under the S3 directory.
const DB_FILE: &str = "s3.db";

/// One change to the stored state. Values are the JSON of the model types.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Creates or replaces a bucket's settings.
    PutBucket {
        /// The name.
        name: String,
        /// [`crate::model::BucketInfo`] as JSON.
        json: String,
    },
    /// Removes a bucket (it has no objects or uploads left).
    DeleteBucket(String),
    /// Creates or replaces an object.
    PutObject {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
        /// [`crate::model::ObjectMeta`] as JSON.
        json: String,
    },
    /// Removes an object.
    DeleteObject {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
    },
    /// Creates or replaces a multipart upload (without its parts).
    PutUpload {
        /// The upload id.
        id: String,
        /// The bucket.
        bucket: String,
        /// [`crate::model::Upload`] as JSON.
        json: String,
    },
    /// Removes an upload and its parts.
    DeleteUpload(String),
    /// Creates or replaces a part.
    PutPart {
        /// The upload id.
        upload_id: String,
        /// The part number.
        number: u32,
        /// [`crate::model::Part`] as JSON.
        json: String,
    },
    /// Adds an event notification to the outbox.
    PutOutbox {
        /// The outbox id.
        id: u64,
        /// [`crate::notify::outbox::Delivery`] as JSON.
        json: String,
    },
    /// Removes a delivered (or abandoned) notification.
    DeleteOutbox(u64),
    /// Stores the content of a small blob (see [`crate::store::blobs::INLINE_MAX`]).
    PutBlob {
        /// The blob's number (its id is `i<number>`).
        number: u64,
        /// The content.
        data: Bytes,
    },
    /// Removes a small blob's content, by number.
    DeleteBlob(u64),
}

impl Effect {
    /// Roughly how many bytes the effect writes (for checkpoint pacing).
    fn weight(&self) -> usize {
        match self {
            Effect::PutBucket { json, .. }
            | Effect::PutObject { json, .. }
            | Effect::PutUpload { json, .. }
            | Effect::PutPart { json, .. }
            | Effect::PutOutbox { json, .. } => json.len() + 64,
            Effect::PutBlob { data, .. } => data.len() + 64,
            _ => 64,
        }
    }
}

/// Rows read at start.
#[derive(Default)]
pub struct Loaded {
    /// `(name, json)` of every bucket.
    pub buckets: Vec<(String, String)>,
    /// `(bucket, key, json)` of every object.
    pub objects: Vec<(String, String, String)>,
    /// `(id, bucket, json)` of every upload.
    pub uploads: Vec<(String, String, String)>,
    /// `(upload id, part number, json)` of every part.
    pub parts: Vec<(String, u32, String)>,
    /// `(id, json)` of every pending notification.
    pub outbox: Vec<(u64, String)>,
    /// The numbers of every small blob stored in the database.
    pub inline_blobs: Vec<u64>,
}

enum Command {
    Job {
        effects: Vec<Effect>,
        ack: Option<oneshot::Sender<Result<(), String>>>,
    },
    Shutdown(oneshot::Sender<()>),
}

/// A pending acknowledgement.
pub enum Ack {
    /// Nothing to wait for.
    Done,
    /// Waiting for the writer.
    Pending(oneshot::Receiver<Result<(), String>>),
}

impl Ack {
    /// Waits for the commit.
    pub async fn wait(self) -> S3Result<()> {
        match self {
            Ack::Done => Ok(()),
            Ack::Pending(rx) => match rx.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(S3Error::internal(format!("storage failure: {e}"))),
                Err(_) => Err(S3Error::internal("storage writer stopped")),
            },
        }
    }
}

/// The durable store handle.
pub struct Db {
    tx: Option<mpsc::Sender<Command>>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS buckets (name TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS objects (bucket TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (bucket, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS uploads (id TEXT PRIMARY KEY, bucket TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS parts (upload_id TEXT NOT NULL, number INTEGER NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (upload_id, number)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inline_blobs (number INTEGER PRIMARY KEY, data BLOB NOT NULL);
";

impl Db {
    /// No persistence (`--in-memory`).
    pub fn in_memory() -> Db {
        Db {
            tx: None,
            thread: Mutex::new(None),
        }
    }

    /// Opens `<dir>/s3.db`, reads every row, and starts the writer and the checkpointer.
    pub fn open(dir: &Path, durability: Durability) -> rusqlite::Result<(Db, Loaded)> {
        let path = dir.join(DB_FILE);
        let conn = Connection::open(&path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        let sync = match durability {
            Durability::Process => "NORMAL",
            Durability::Fsync => "FULL",
        };
        conn.pragma_update(None, "synchronous", sync)?;
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        conn.pragma_update(None, "cache_size", WRITER_CACHE_KIB)?;
        conn.pragma_update(None, "journal_size_limit", WAL_RESTART_BYTES as i64)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.execute_batch(SCHEMA)?;
        let version: Option<String> = conn
            .query_row("SELECT v FROM meta WHERE k = 'schema'", [], |r| r.get(0))
            .optional()?;
        if version.is_none() {
            conn.execute("INSERT INTO meta (k, v) VALUES ('schema', '1')", [])?;
        }
        let loaded = load(&conn)?;
        let (tx, rx) = mpsc::channel();
        let (wake_tx, wake_rx) = mpsc::sync_channel(1);
        let checkpointer = Connection::open(&path)?;
        checkpointer.pragma_update(None, "synchronous", sync)?;
        checkpointer.busy_timeout(BUSY_TIMEOUT)?;
        let spawn_error = |e| rusqlite::Error::ToSqlConversionFailure(Box::new(e));
        let checkpointing = Arc::new(Mutex::new(()));
        let busy = checkpointing.clone();
        std::thread::Builder::new()
            .name("s3-checkpoint".into())
            .spawn(move || checkpoint_loop(checkpointer, wake_rx, &busy))
            .map_err(spawn_error)?;
        let thread = std::thread::Builder::new()
            .name("s3-writer".into())
            .spawn(move || run(conn, rx, wake_tx, &checkpointing))
            .map_err(spawn_error)?;
        Ok((
            Db {
                tx: Some(tx),
                thread: Mutex::new(Some(thread)),
            },
            loaded,
        ))
    }

    /// Hands `effects` to the writer; call it under the lock that applied them in memory.
    pub fn submit(&self, effects: Vec<Effect>) -> Ack {
        let Some(tx) = &self.tx else {
            return Ack::Done;
        };
        if effects.is_empty() {
            return Ack::Done;
        }
        let (ack_tx, ack_rx) = oneshot::channel();
        if tx
            .send(Command::Job {
                effects,
                ack: Some(ack_tx),
            })
            .is_err()
        {
            let (t, r) = oneshot::channel();
            let _ = t.send(Err("storage writer stopped".to_owned()));
            return Ack::Pending(r);
        }
        Ack::Pending(ack_rx)
    }

    /// Hands `effects` to the writer without waiting (cleanups that are redone if lost).
    pub fn submit_background(&self, effects: Vec<Effect>) {
        if let Some(tx) = &self.tx
            && !effects.is_empty()
        {
            let _ = tx.send(Command::Job { effects, ack: None });
        }
    }

    /// Commits what is pending and stops the writer.
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

fn load(conn: &Connection) -> rusqlite::Result<Loaded> {
    let mut l = Loaded::default();
    let mut s = conn.prepare("SELECT name, data FROM buckets")?;
    l.buckets = s
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut s = conn.prepare("SELECT bucket, key, data FROM objects ORDER BY bucket, key")?;
    l.objects = s
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut s = conn.prepare("SELECT id, bucket, data FROM uploads")?;
    l.uploads = s
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut s = conn.prepare("SELECT upload_id, number, data FROM parts")?;
    l.parts = s
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut s = conn.prepare("SELECT id, data FROM outbox ORDER BY id")?;
    l.outbox = s
        .query_map([], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut s = conn.prepare("SELECT number FROM inline_blobs")?;
    l.inline_blobs = s
        .query_map([], |r| r.get::<_, i64>(0).map(|n| n as u64))?
        .collect::<Result<_, _>>()?;
    Ok(l)
}

/// A read-only connection to the database in `dir` (for reading small blobs).
pub fn open_reader(dir: &Path) -> rusqlite::Result<Connection> {
    use rusqlite::OpenFlags;
    let conn = Connection::open_with_flags(
        dir.join(DB_FILE),
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// Reads small blob `number`'s content with a connection from [`open_reader`].
pub fn read_blob(conn: &Connection, number: u64) -> rusqlite::Result<Option<Bytes>> {
    conn.prepare_cached("SELECT data FROM inline_blobs WHERE number = ?1")?
        .query_row([number as i64], |r| r.get::<_, Vec<u8>>(0))
        .optional()
        .map(|v| v.map(Bytes::from))
}

/// Checkpoints the write-ahead log when the writer says it grew (or every
/// [`CHECKPOINT_INTERVAL`]), until the writer stops.
fn checkpoint_loop(conn: Connection, wake: Receiver<()>, checkpointing: &Mutex<()>) {
    loop {
        match wake.recv_timeout(CHECKPOINT_INTERVAL) {
            Ok(()) | Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        }
        let _checkpointing = checkpointing.lock();
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::debug!(error = %e, "S3 checkpoint deferred");
        }
    }
}

type Job = (Vec<Effect>, Option<oneshot::Sender<Result<(), String>>>);

fn run(
    mut conn: Connection,
    rx: Receiver<Command>,
    wake_checkpointer: SyncSender<()>,
    checkpointing: &Mutex<()>,
) {
    let mut jobs: Vec<Job> = Vec::new();
    let mut written = 0usize;
    let wal_path = conn
        .path()
        .filter(|p| !p.is_empty())
        .map(|p| format!("{p}-wal"));
    loop {
        let Ok(first) = rx.recv() else { break };
        let mut shutdown = None;
        let mut next = Some(first);
        while let Some(cmd) = next.take() {
            match cmd {
                Command::Job { effects, ack } => jobs.push((effects, ack)),
                Command::Shutdown(done) => {
                    shutdown = Some(done);
                    break;
                }
            }
            if jobs.len() >= MAX_JOBS_PER_COMMIT {
                break;
            }
            next = rx.try_recv().ok();
        }
        if !jobs.is_empty() {
            written += jobs
                .iter()
                .flat_map(|(effects, _)| effects.iter().map(Effect::weight))
                .sum::<usize>();
            let result = commit(&mut conn, &jobs).map_err(|e| e.to_string());
            if let Err(e) = &result {
                tracing::error!(error = %e, "S3 storage commit failed");
            }
            for (_, ack) in jobs.drain(..) {
                if let Some(ack) = ack {
                    let _ = ack.send(result.clone());
                }
            }
            if written >= CHECKPOINT_AFTER_BYTES {
                written = 0;
                let _ = wake_checkpointer.try_send(());
                restart_wal_if_large(&conn, wal_path.as_deref(), checkpointing);
            }
        }
        if let Some(done) = shutdown {
            let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
            let _ = done.send(());
            return;
        }
    }
}

/// The write-ahead log size past which the writer restarts it: passive checkpoints copy
/// frames into the database but cannot reset a log that is written without pause, so under
/// sustained writes it would grow without bound (a 100,000-object run left 1.3 GB).
const WAL_RESTART_BYTES: u64 = 512 * 1024 * 1024;

/// Checkpoints and restarts the write-ahead log once it passed [`WAL_RESTART_BYTES`]
/// (after the acknowledgements went out, so no request waits for it). Only when the
/// checkpointer is idle: waiting for it would go through SQLite's busy handler, which
/// sleeps in steps of up to 25 ms while requests queue behind the writer; a busy
/// checkpointer just defers the restart to the next check.
fn restart_wal_if_large(conn: &Connection, wal_path: Option<&str>, checkpointing: &Mutex<()>) {
    let Some(path) = wal_path else { return };
    let large = std::fs::metadata(path).is_ok_and(|m| m.len() > WAL_RESTART_BYTES);
    let Some(_checkpointing) = large.then(|| checkpointing.try_lock()).flatten() else {
        return;
    };
    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(())) {
        tracing::debug!(error = %e, "S3 log restart deferred");
    }
}

fn commit(conn: &mut Connection, jobs: &[Job]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    for (effects, _) in jobs {
        for e in effects {
            apply(&tx, e)?;
        }
    }
    tx.commit()
}

fn apply(tx: &rusqlite::Transaction<'_>, e: &Effect) -> rusqlite::Result<()> {
    match e {
        Effect::PutBucket { name, json } => {
            tx.prepare_cached("INSERT OR REPLACE INTO buckets (name, data) VALUES (?1, ?2)")?
                .execute(params![name, json])?;
        }
        Effect::DeleteBucket(name) => {
            tx.prepare_cached("DELETE FROM buckets WHERE name = ?1")?
                .execute([name])?;
            tx.prepare_cached("DELETE FROM objects WHERE bucket = ?1")?
                .execute([name])?;
        }
        Effect::PutObject { bucket, key, json } => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO objects (bucket, key, data) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![bucket, key, json])?;
        }
        Effect::DeleteObject { bucket, key } => {
            tx.prepare_cached("DELETE FROM objects WHERE bucket = ?1 AND key = ?2")?
                .execute(params![bucket, key])?;
        }
        Effect::PutUpload { id, bucket, json } => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO uploads (id, bucket, data) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![id, bucket, json])?;
        }
        Effect::DeleteUpload(id) => {
            tx.prepare_cached("DELETE FROM uploads WHERE id = ?1")?
                .execute([id])?;
            tx.prepare_cached("DELETE FROM parts WHERE upload_id = ?1")?
                .execute([id])?;
        }
        Effect::PutPart {
            upload_id,
            number,
            json,
        } => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO parts (upload_id, number, data) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![upload_id, number, json])?;
        }
        Effect::PutOutbox { id, json } => {
            tx.prepare_cached("INSERT OR REPLACE INTO outbox (id, data) VALUES (?1, ?2)")?
                .execute(params![*id as i64, json])?;
        }
        Effect::DeleteOutbox(id) => {
            tx.prepare_cached("DELETE FROM outbox WHERE id = ?1")?
                .execute([*id as i64])?;
        }
        Effect::PutBlob { number, data } => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO inline_blobs (number, data) VALUES (?1, ?2)",
            )?
            .execute(params![*number as i64, &data[..]])?;
        }
        Effect::DeleteBlob(number) => {
            tx.prepare_cached("DELETE FROM inline_blobs WHERE number = ?1")?
                .execute([*number as i64])?;
        }
    }
    Ok(())
}
