//! Opening the database, its schema, and loading everything at start.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use nimbus_core::Durability;
use rusqlite::{Connection, OptionalExtension, params};

use super::{AttemptRow, DedupRow, MessageRow, QueueRow};
use crate::engine::message::{Payload, PayloadExtra};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS queues (
    id             INTEGER PRIMARY KEY,
    account        TEXT NOT NULL,
    region         TEXT NOT NULL,
    name           TEXT NOT NULL,
    attributes     TEXT NOT NULL,
    tags           TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    modified_at    INTEGER NOT NULL,
    purged_at      INTEGER,
    purged_through INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS messages (
    seq              INTEGER PRIMARY KEY,
    queue_id         INTEGER NOT NULL,
    message_id       BLOB NOT NULL,
    body             TEXT NOT NULL,
    md5              BLOB NOT NULL,
    sender           TEXT NOT NULL,
    extra            BLOB,
    sent_at          INTEGER NOT NULL,
    enqueued_at      INTEGER NOT NULL,
    visible_at       INTEGER NOT NULL,
    receive_count    INTEGER NOT NULL,
    first_receive_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS dedup (
    seq        INTEGER PRIMARY KEY,
    queue_id   INTEGER NOT NULL,
    key        TEXT NOT NULL,
    message_id BLOB NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS receive_attempts (
    queue_id   INTEGER NOT NULL,
    attempt_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    receipts   TEXT NOT NULL,
    PRIMARY KEY (queue_id, attempt_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS move_tasks (
    id    TEXT PRIMARY KEY,
    state TEXT NOT NULL
) WITHOUT ROWID;
";

/// The packed `extra` column for `p`: its [`PayloadExtra`] as JSON, or `None` (NULL) when
/// it has none.
pub(super) fn encode_extra(p: &Payload) -> Option<Vec<u8>> {
    p.extra.as_ref().and_then(|e| serde_json::to_vec(e).ok())
}

/// A message read back at start.
pub struct StoredMessage {
    /// Its queue.
    pub queue_id: u64,
    /// Its sequence number.
    pub seq: u64,
    /// The message.
    pub row: MessageRow,
}

/// Everything read at start besides the messages.
pub struct Loaded {
    /// The receipt-handle secret.
    pub secret: [u8; 32],
    /// The next message sequence number.
    pub next_seq: u64,
    /// The next queue id.
    pub next_queue_id: u64,
    /// The queues.
    pub queues: Vec<QueueRow>,
    /// Message rows left behind by purges and queue deletions, to delete in the background.
    pub cleanup: Vec<u64>,
    /// FIFO deduplication entries (expired ones included; the engine drops them).
    pub dedup: Vec<DedupRow>,
    /// FIFO receive attempts (expired ones included; the engine drops them).
    pub attempts: Vec<AttemptRow>,
    /// Message move tasks, as stored JSON.
    pub move_tasks: Vec<String>,
}

/// Opens the database with the shared pragmas of `durability` (through
/// [`nimbus_core::storage::sqlite::open`]) plus SQS's, and creates the schema.
pub(super) fn open(path: &Path, durability: Durability) -> rusqlite::Result<Connection> {
    // WAL, `synchronous` per durability, a 5 s busy timeout; then SQS's own.
    let conn = nimbus_core::storage::sqlite::open(path, durability)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "cache_size", -32_768)?;
    conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
    conn.execute_batch(SCHEMA)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

fn meta_u64(conn: &Connection, key: &str) -> rusqlite::Result<Option<u64>> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| {
        r.get::<_, i64>(0)
    })
    .optional()
    .map(|v| v.map(|v| v as u64))
}

/// Below this many sequence numbers the messages are read on one thread.
const PARALLEL_LOAD_MIN: u64 = 50_000;
/// Memory-map up to this much of the database while loading.
const LOAD_MMAP_SIZE: i64 = 4 << 30;

/// What one range scan found.
#[derive(Default)]
struct Scanned {
    messages: Vec<StoredMessage>,
    cleanup: Vec<u64>,
}

/// Reads the messages with sequence numbers in `lo..=hi`: those of live queues past their
/// purge marker, and the sequence numbers of the others (to delete in the background).
fn scan(
    conn: &Connection,
    live: &HashMap<u64, u64>,
    lo: u64,
    hi: u64,
) -> rusqlite::Result<Scanned> {
    let mut out = Scanned::default();
    let mut stmt = conn.prepare(
        "SELECT seq, queue_id, message_id, body, md5, sender, extra, sent_at, enqueued_at, \
         visible_at, receive_count, first_receive_at FROM messages WHERE seq BETWEEN ?1 AND ?2",
    )?;
    let mut rows = stmt.query([lo as i64, hi as i64])?;
    // Senders repeat (usually one per queue): share one allocation per distinct sender.
    let mut senders: HashMap<String, Arc<str>> = HashMap::new();
    let mut last_sender: Option<Arc<str>> = None;
    let mut last_queue: Option<(u64, u64)> = None;
    while let Some(r) = rows.next()? {
        let seq = r.get::<_, i64>(0)? as u64;
        let queue_id = r.get::<_, i64>(1)? as u64;
        let purged_through = match last_queue {
            Some((q, p)) if q == queue_id => Some(p),
            _ => {
                let p = live.get(&queue_id).copied();
                if let Some(p) = p {
                    last_queue = Some((queue_id, p));
                }
                p
            }
        };
        if purged_through.is_none_or(|p| seq <= p) {
            out.cleanup.push(seq);
            continue;
        }
        let id = uuid::Uuid::from_slice(r.get_ref(2)?.as_blob()?).unwrap_or_default();
        let body: Box<str> = Box::from(r.get_ref(3)?.as_str()?);
        let md5 = <[u8; 16]>::try_from(r.get_ref(4)?.as_blob()?).unwrap_or_default();
        let sender_ref = r.get_ref(5)?.as_str()?;
        let sender = match &last_sender {
            Some(s) if &**s == sender_ref => s.clone(),
            _ => {
                let s = match senders.get(sender_ref) {
                    Some(s) => s.clone(),
                    None => {
                        let s: Arc<str> = Arc::from(sender_ref);
                        senders.insert(sender_ref.to_owned(), s.clone());
                        s
                    }
                };
                last_sender = Some(s.clone());
                s
            }
        };
        let extra = match r.get_ref(6)?.as_blob_or_null()? {
            Some(b) => serde_json::from_slice::<PayloadExtra>(b)
                .ok()
                .filter(|e| !e.is_empty())
                .map(Box::new),
            None => None,
        };
        out.messages.push(StoredMessage {
            queue_id,
            seq,
            row: MessageRow {
                payload: Arc::new(Payload {
                    id,
                    md5_of_body: md5,
                    body,
                    sender_id: sender,
                    extra,
                }),
                sent_at: r.get::<_, i64>(7)? as u64,
                enqueued_at: r.get::<_, i64>(8)? as u64,
                visible_at: r.get::<_, i64>(9)? as u64,
                receive_count: r.get::<_, i64>(10)? as u32,
                first_receive_at: r.get::<_, i64>(11)? as u64,
            },
        });
    }
    Ok(out)
}

/// Reads the secret, counters and queues, and streams every live message to `on_message`.
pub(super) fn load(
    conn: &mut Connection,
    mut on_message: impl FnMut(StoredMessage),
) -> rusqlite::Result<Loaded> {
    // The receipt-handle secret, created once per data directory.
    conn.pragma_update(None, "mmap_size", LOAD_MMAP_SIZE)?;
    let secret: Option<Vec<u8>> = conn
        .query_row("SELECT value FROM meta WHERE key = 'secret'", [], |r| {
            r.get(0)
        })
        .optional()?;
    let secret = match secret.and_then(|s| <[u8; 32]>::try_from(s.as_slice()).ok()) {
        Some(s) => s,
        None => {
            let mut s = [0u8; 32];
            rand::Rng::fill(&mut rand::rng(), &mut s[..]);
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('secret', ?1)",
                [&s[..]],
            )?;
            s
        }
    };

    let mut queues = Vec::new();
    {
        let mut stmt = conn.prepare(
            "SELECT id, account, region, name, attributes, tags, created_at, modified_at, \
             purged_at, purged_through FROM queues ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            let attributes: String = r.get(4)?;
            let tags: String = r.get(5)?;
            Ok(QueueRow {
                id: r.get::<_, i64>(0)? as u64,
                account: r.get(1)?,
                region: r.get(2)?,
                name: r.get(3)?,
                attributes: serde_json::from_str(&attributes).unwrap_or_default(),
                tags: serde_json::from_str(&tags).unwrap_or_default(),
                created_at: r.get::<_, i64>(6)? as u64,
                modified_at: r.get::<_, i64>(7)? as u64,
                purged_at: r.get::<_, Option<i64>>(8)?.map(|v| v as u64),
                purged_through: r.get::<_, i64>(9)? as u64,
            })
        })?;
        for q in rows {
            queues.push(q?);
        }
    }
    let live: HashMap<u64, u64> = queues.iter().map(|q| (q.id, q.purged_through)).collect();

    let mut max_seq = meta_u64(conn, "next_seq")?.unwrap_or(1).saturating_sub(1);
    let mut max_queue_id = meta_u64(conn, "next_queue_id")?
        .unwrap_or(1)
        .saturating_sub(1);
    for q in &queues {
        max_queue_id = max_queue_id.max(q.id);
    }
    // Scan the messages in two rowid ranges on two threads (each with its own connection),
    // then hand them over in sequence order.
    let bounds: (Option<i64>, Option<i64>) =
        conn.query_row("SELECT min(seq), max(seq) FROM messages", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let mut cleanup = Vec::new();
    if let (Some(lo), Some(hi)) = bounds {
        let (lo, hi) = (lo as u64, hi as u64);
        max_seq = max_seq.max(hi);
        let mid = lo + (hi - lo) / 2;
        let path = conn.path().map(std::path::PathBuf::from);
        let live = &live;
        let (first, second) = std::thread::scope(|scope| {
            let upper = match (&path, hi - lo > PARALLEL_LOAD_MIN) {
                (Some(path), true) => Some(scope.spawn(move || -> rusqlite::Result<Scanned> {
                    let c = Connection::open_with_flags(
                        path,
                        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )?;
                    c.pragma_update(None, "mmap_size", LOAD_MMAP_SIZE)?;
                    scan(&c, live, mid + 1, hi)
                })),
                _ => None,
            };
            let lower_hi = if upper.is_some() { mid } else { hi };
            let lower = scan(conn, live, lo, lower_hi);
            let upper = upper.map(|h| h.join().unwrap_or_else(|_| Ok(Scanned::default())));
            (lower, upper)
        });
        for part in std::iter::once(first?).chain(second.transpose()?) {
            cleanup.extend(part.cleanup);
            for m in part.messages {
                on_message(m);
            }
        }
    }
    let mut dedup = Vec::new();
    {
        let mut stmt = conn
            .prepare("SELECT queue_id, key, message_id, seq, expires_at FROM dedup ORDER BY seq")?;
        let rows = stmt.query_map([], |r| {
            Ok(DedupRow {
                queue_id: r.get::<_, i64>(0)? as u64,
                key: r.get(1)?,
                message_id: uuid::Uuid::from_slice(&r.get::<_, Vec<u8>>(2)?).unwrap_or_default(),
                seq: r.get::<_, i64>(3)? as u64,
                expires_at: r.get::<_, i64>(4)? as u64,
            })
        })?;
        for d in rows {
            dedup.push(d?);
        }
    }
    let mut attempts = Vec::new();
    {
        let mut stmt = conn
            .prepare("SELECT queue_id, attempt_id, expires_at, receipts FROM receive_attempts")?;
        let rows = stmt.query_map([], |r| {
            Ok(AttemptRow {
                queue_id: r.get::<_, i64>(0)? as u64,
                attempt_id: r.get(1)?,
                expires_at: r.get::<_, i64>(2)? as u64,
                receipts: r.get(3)?,
            })
        })?;
        for a in rows {
            attempts.push(a?);
        }
    }
    let mut move_tasks = Vec::new();
    {
        let mut stmt = conn.prepare("SELECT state FROM move_tasks")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        for t in rows {
            move_tasks.push(t?);
        }
    }
    Ok(Loaded {
        dedup,
        attempts,
        move_tasks,
        secret,
        next_seq: max_seq + 1,
        next_queue_id: max_queue_id + 1,
        queues,
        cleanup,
    })
}

/// Writes the counters that must never go back (so sequence numbers and queue ids are never
/// reused, and old receipt handles never match a new message).
pub(super) fn put_meta_u64(conn: &Connection, key: &str, value: u64) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
        .execute(params![key, value as i64])?;
    Ok(())
}
