//! S3's metadata (and the content of small objects) in SQLite (`<data-dir>/s3/s3.db`),
//! written by one thread with group commit.
//!
//! Requests apply their change in memory and, under the same lock, hand the matching
//! [`Effect`]s to the writer; the writer folds everything pending into one transaction,
//! commits, and only then acknowledges each submission. An object's metadata, the content of
//! a small object ([`Effect::PutBlob`]) and the event notifications it causes (the outbox)
//! are in the same submission, so they commit together.
//!
//! The writer is the core's [`GroupCommit`]: S3 gives it its [`Effect`] type, how they are
//! written (`S3Writer`) and its [`BOUNDS`]. The write-ahead log is checkpointed by a second
//! thread on its own connection (the writer runs with `wal_autocheckpoint=0`), so that a
//! checkpoint's copying and, with `synchronous=NORMAL`, its fsyncs never stall a commit.

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;

use nimbus_core::Durability;
use nimbus_core::storage::group_commit::{Apply, Bounds, GroupCommit};
use nimbus_core::storage::sqlite;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// S3's bounds: up to 4,096 submissions per transaction; the checkpointer is woken after
/// 4 MiB of effects and also runs every second while commits trickle in.
///
/// The write-ahead log size past which the writer restarts it is 512 MiB: passive
/// checkpoints copy frames into the database but cannot reset a log that is written
/// without pause, so under sustained writes it would grow without bound (a
/// 100,000-object run left 1.3 GB). Each restart pauses the writer ~20 ms, and S3 writes
/// 60+ MB/s of 4 KiB objects, so its bound is larger than SQS's.
pub const BOUNDS: Bounds = Bounds {
    name: "s3",
    max_jobs_per_commit: 4_096,
    checkpoint_after: 4 * 1024 * 1024,
    checkpoint_interval: Some(Duration::from_secs(1)),
    wal_restart_bytes: 512 * 1024 * 1024,
};

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
    /// Sets (or, with `None`, removes) an account's S3 settings (S3 Control's account-level
    /// Block Public Access), kept in the `meta` table under `account/<id>`.
    PutAccountSettings {
        /// The account.
        account: String,
        /// [`crate::model::AccountSettings`] as JSON; `None` removes the row.
        json: Option<String>,
    },
}

impl Effect {
    /// Roughly how many bytes the effect writes (for checkpoint pacing).
    pub fn weight(&self) -> usize {
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
    /// `(account, json)` of every account's settings.
    pub accounts: Vec<(String, String)>,
}

/// A pending acknowledgement: resolves once the submitted effects are committed (a failed
/// commit is an `InternalError`, through `From<CommitError> for S3Error`).
pub use nimbus_core::storage::group_commit::Ack;

/// The durable store handle: the group-commit writer of S3's effects.
pub type Db = GroupCommit<Effect>;

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

/// Opens `<dir>/s3.db`, reads every row, and starts the writer and the checkpointer
/// ([`Db::in_memory`] keeps nothing, for `--in-memory`).
pub fn open(dir: &Path, durability: Durability) -> rusqlite::Result<(Db, Loaded)> {
    let path = dir.join(DB_FILE);
    let conn = sqlite::open(&path, durability)?;
    conn.pragma_update(None, "cache_size", WRITER_CACHE_KIB)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.execute_batch(SCHEMA)?;
    let version: Option<String> = conn
        .query_row("SELECT v FROM meta WHERE k = 'schema'", [], |r| r.get(0))
        .optional()?;
    if version.is_none() {
        conn.execute("INSERT INTO meta (k, v) VALUES ('schema', '1')", [])?;
    }
    let loaded = load(&conn)?;
    let checkpointer = sqlite::open(&path, durability)?;
    checkpointer.busy_timeout(BUSY_TIMEOUT)?;
    let db = GroupCommit::start(conn, checkpointer, S3Writer, BOUNDS)?;
    Ok((db, loaded))
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
    let mut s = conn.prepare("SELECT k, v FROM meta WHERE k LIKE 'account/%'")?;
    l.accounts = s
        .query_map([], |r| {
            let k: String = r.get(0)?;
            Ok((k["account/".len()..].to_owned(), r.get(1)?))
        })?
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

/// How S3's effects are written: the [`Apply`] half of the group-commit writer.
struct S3Writer;

impl Apply for S3Writer {
    type Effect = Effect;

    fn apply(&mut self, tx: &Transaction<'_>, effect: &Effect) -> rusqlite::Result<()> {
        apply(tx, effect)
    }

    /// Bytes, so that the checkpointer is woken per 4 MiB written whatever the object size.
    fn weight(&self, effect: &Effect) -> usize {
        effect.weight()
    }
}

fn apply(tx: &Transaction<'_>, e: &Effect) -> rusqlite::Result<()> {
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
        Effect::PutAccountSettings { account, json } => {
            let k = format!("account/{account}");
            match json {
                Some(v) => tx
                    .prepare_cached("INSERT OR REPLACE INTO meta (k, v) VALUES (?1, ?2)")?
                    .execute(params![k, v])?,
                None => tx
                    .prepare_cached("DELETE FROM meta WHERE k = ?1")?
                    .execute([k])?,
            };
        }
    }
    Ok(())
}
