//! The log store: log groups, streams and events, in memory for reads and appended to SQLite
//! (`<data-dir>/lambda/logs.sqlite`) by a writer thread in batches. The total size of stored
//! messages is capped; the oldest events go first.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::sync::mpsc;

use nimbus_core::storage::sqlite;
use nimbus_core::{ServiceEnv, SharedClock};
use parking_lot::Mutex;
use rusqlite::{Connection, params};

/// The default cap on stored log bytes (messages), across all groups.
pub const DEFAULT_CAP_BYTES: u64 = 256 * 1024 * 1024;
/// The longest message kept; longer lines are truncated (CloudWatch's event limit is 1 MB;
/// Lambda splits at 256 KB).
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;

/// One log event.
#[derive(Clone, Debug)]
pub struct LogEvent {
    /// A sequence number, unique across the store and increasing with ingestion.
    pub seq: u64,
    /// The event's time, milliseconds since the epoch.
    pub timestamp: u64,
    /// When it was stored.
    pub ingestion_time: u64,
    /// The line.
    pub message: String,
}

/// One log stream.
#[derive(Clone, Debug, Default)]
pub struct LogStream {
    /// Creation time.
    pub creation_time: u64,
    /// The events, in ingestion order.
    pub events: VecDeque<LogEvent>,
    /// First event's timestamp.
    pub first_event: Option<u64>,
    /// Last event's timestamp.
    pub last_event: Option<u64>,
    /// Last ingestion time.
    pub last_ingestion: Option<u64>,
    /// Bytes of the messages held.
    pub stored_bytes: u64,
}

/// One log group.
#[derive(Clone, Debug, Default)]
pub struct LogGroup {
    /// Creation time.
    pub creation_time: u64,
    /// Streams by name.
    pub streams: BTreeMap<String, LogStream>,
}

/// Identifies a log group: account, region, name.
pub type GroupKey = (String, String, String);

enum Persist {
    Group(GroupKey, u64),
    Stream(GroupKey, String, u64),
    Event(GroupKey, String, LogEvent),
    EvictBelow(u64),
}

struct Inner {
    groups: BTreeMap<GroupKey, LogGroup>,
    total_bytes: u64,
    next_seq: u64,
}

/// The log store shared by Lambda (which writes) and CloudWatch Logs (which reads).
pub struct LogStore {
    inner: Mutex<Inner>,
    clock: SharedClock,
    cap_bytes: u64,
    persist: Option<Mutex<mpsc::Sender<Persist>>>,
}

impl LogStore {
    /// Opens the store in `env` (loading what is on disk) with the default cap.
    pub fn open(
        env: &ServiceEnv,
    ) -> Result<Arc<LogStore>, Box<dyn std::error::Error + Send + Sync>> {
        Self::open_with_cap(env, DEFAULT_CAP_BYTES)
    }

    /// Opens the store with a cap on stored bytes.
    pub fn open_with_cap(
        env: &ServiceEnv,
        cap_bytes: u64,
    ) -> Result<Arc<LogStore>, Box<dyn std::error::Error + Send + Sync>> {
        let mut inner = Inner {
            groups: BTreeMap::new(),
            total_bytes: 0,
            next_seq: 1,
        };
        let persist = match env.storage.service_dir("lambda")? {
            None => None,
            Some(dir) => {
                let conn = sqlite::open(&dir.join("logs.sqlite"), env.storage.durability)?;
                conn.execute_batch(
                    "CREATE TABLE IF NOT EXISTS groups (account TEXT, region TEXT, name TEXT, created INTEGER,
                        PRIMARY KEY (account, region, name));
                     CREATE TABLE IF NOT EXISTS streams (account TEXT, region TEXT, grp TEXT, name TEXT, created INTEGER,
                        PRIMARY KEY (account, region, grp, name));
                     CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, account TEXT, region TEXT, grp TEXT,
                        stream TEXT, ts INTEGER, ingested INTEGER, message TEXT);",
                )?;
                load(&conn, &mut inner)?;
                let (tx, rx) = mpsc::channel();
                std::thread::Builder::new()
                    .name("nimbus-logs-writer".into())
                    .spawn(move || writer(conn, rx))?;
                Some(Mutex::new(tx))
            }
        };
        Ok(Arc::new(LogStore {
            inner: Mutex::new(inner),
            clock: env.clock.clone(),
            cap_bytes,
            persist,
        }))
    }

    fn send(&self, p: Persist) {
        if let Some(tx) = &self.persist {
            let _ = tx.lock().send(p);
        }
    }

    /// Creates the group and stream if needed.
    pub fn ensure_stream(&self, group: &GroupKey, stream: &str) {
        let now = self.clock.now_millis();
        let mut inner = self.inner.lock();
        let g = inner.groups.entry(group.clone()).or_insert_with(|| {
            self.send(Persist::Group(group.clone(), now));
            LogGroup {
                creation_time: now,
                streams: BTreeMap::new(),
            }
        });
        g.streams.entry(stream.to_owned()).or_insert_with(|| {
            self.send(Persist::Stream(group.clone(), stream.to_owned(), now));
            LogStream {
                creation_time: now,
                ..LogStream::default()
            }
        });
    }

    /// Appends one line to a stream (created if needed), stamped with the clock's time.
    pub fn append(&self, group: &GroupKey, stream: &str, message: &str) {
        let now = self.clock.now_millis();
        self.append_at(group, stream, now, message);
    }

    /// Appends one line with an explicit timestamp.
    pub fn append_at(&self, group: &GroupKey, stream: &str, timestamp: u64, message: &str) {
        let mut message = message.to_owned();
        if message.len() > MAX_MESSAGE_BYTES {
            let mut cut = MAX_MESSAGE_BYTES;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
        }
        self.ensure_stream(group, stream);
        let now = self.clock.now_millis();
        let mut inner = self.inner.lock();
        let seq = inner.next_seq;
        inner.next_seq += 1;
        let event = LogEvent {
            seq,
            timestamp,
            ingestion_time: now,
            message,
        };
        let len = event.message.len() as u64;
        inner.total_bytes += len;
        if let Some(s) = inner
            .groups
            .get_mut(group)
            .and_then(|g| g.streams.get_mut(stream))
        {
            s.first_event.get_or_insert(timestamp);
            s.last_event = Some(s.last_event.map_or(timestamp, |t| t.max(timestamp)));
            s.last_ingestion = Some(now);
            s.stored_bytes += len;
            s.events.push_back(event.clone());
        }
        self.send(Persist::Event(group.clone(), stream.to_owned(), event));
        if inner.total_bytes > self.cap_bytes {
            self.evict(&mut inner);
        }
    }

    /// Drops the oldest events until the store is at 90% of its cap.
    fn evict(&self, inner: &mut Inner) {
        let target = self.cap_bytes / 10 * 9;
        let mut highest_evicted = 0;
        while inner.total_bytes > target {
            let oldest = inner
                .groups
                .iter()
                .flat_map(|(gk, g)| {
                    g.streams
                        .iter()
                        .filter_map(move |(sn, s)| s.events.front().map(|e| (e.seq, gk, sn)))
                })
                .min_by_key(|(seq, _, _)| *seq)
                .map(|(_, gk, sn)| (gk.clone(), sn.clone()));
            let Some((gk, sn)) = oldest else { break };
            let Some(s) = inner
                .groups
                .get_mut(&gk)
                .and_then(|g| g.streams.get_mut(&sn))
            else {
                break;
            };
            // Evict a run from this stream at once.
            let mut freed = 0;
            while let Some(e) = s.events.front() {
                if inner.total_bytes - freed <= target || freed > 1024 * 1024 {
                    break;
                }
                freed += e.message.len() as u64;
                highest_evicted = highest_evicted.max(e.seq);
                s.events.pop_front();
            }
            s.stored_bytes -= freed;
            inner.total_bytes -= freed;
            if freed == 0 {
                break;
            }
        }
        if highest_evicted > 0 {
            self.send(Persist::EvictBelow(highest_evicted + 1));
        }
    }

    /// Reads under the lock.
    pub fn with_groups<R>(&self, f: impl FnOnce(&BTreeMap<GroupKey, LogGroup>) -> R) -> R {
        f(&self.inner.lock().groups)
    }
}

fn load(conn: &Connection, inner: &mut Inner) -> rusqlite::Result<()> {
    let mut st = conn.prepare("SELECT account, region, name, created FROM groups")?;
    let rows = st.query_map([], |r| {
        Ok((
            (
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ),
            r.get::<_, i64>(3)?,
        ))
    })?;
    for row in rows {
        let (k, created) = row?;
        inner.groups.insert(
            k,
            LogGroup {
                creation_time: created as u64,
                streams: BTreeMap::new(),
            },
        );
    }
    let mut st = conn.prepare("SELECT account, region, grp, name, created FROM streams")?;
    let rows = st.query_map([], |r| {
        Ok((
            (
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ),
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    for row in rows {
        let (k, name, created) = row?;
        if let Some(g) = inner.groups.get_mut(&k) {
            g.streams.insert(
                name,
                LogStream {
                    creation_time: created as u64,
                    ..LogStream::default()
                },
            );
        }
    }
    let mut st = conn.prepare(
        "SELECT seq, account, region, grp, stream, ts, ingested, message FROM events ORDER BY seq",
    )?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)? as u64,
            (
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ),
            r.get::<_, String>(4)?,
            r.get::<_, i64>(5)? as u64,
            r.get::<_, i64>(6)? as u64,
            r.get::<_, String>(7)?,
        ))
    })?;
    for row in rows {
        let (seq, k, stream, ts, ingested, message) = row?;
        inner.next_seq = inner.next_seq.max(seq + 1);
        if let Some(s) = inner
            .groups
            .get_mut(&k)
            .and_then(|g| g.streams.get_mut(&stream))
        {
            s.first_event.get_or_insert(ts);
            s.last_event = Some(s.last_event.map_or(ts, |t| t.max(ts)));
            s.last_ingestion = Some(ingested);
            s.stored_bytes += message.len() as u64;
            inner.total_bytes += message.len() as u64;
            s.events.push_back(LogEvent {
                seq,
                timestamp: ts,
                ingestion_time: ingested,
                message,
            });
        }
    }
    Ok(())
}

/// The writer thread: commits whatever has queued up in one transaction.
fn writer(mut conn: Connection, rx: mpsc::Receiver<Persist>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while let Ok(more) = rx.try_recv() {
            batch.push(more);
            if batch.len() >= 10_000 {
                break;
            }
        }
        let result = (|| -> rusqlite::Result<()> {
            let tx = conn.transaction()?;
            for p in batch {
                match p {
                    Persist::Group((a, r, g), created) => {
                        tx.execute(
                            "INSERT OR IGNORE INTO groups (account, region, name, created) VALUES (?1, ?2, ?3, ?4)",
                            params![a, r, g, created as i64],
                        )?;
                    }
                    Persist::Stream((a, r, g), s, created) => {
                        tx.execute(
                            "INSERT OR IGNORE INTO streams (account, region, grp, name, created) VALUES (?1, ?2, ?3, ?4, ?5)",
                            params![a, r, g, s, created as i64],
                        )?;
                    }
                    Persist::Event((a, r, g), s, e) => {
                        tx.execute(
                            "INSERT OR REPLACE INTO events (seq, account, region, grp, stream, ts, ingested, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                            params![e.seq as i64, a, r, g, s, e.timestamp as i64, e.ingestion_time as i64, e.message],
                        )?;
                    }
                    Persist::EvictBelow(seq) => {
                        tx.execute("DELETE FROM events WHERE seq < ?1", params![seq as i64])?;
                    }
                }
            }
            tx.commit()
        })();
        if let Err(e) = result {
            tracing::warn!("cannot persist log events: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> GroupKey {
        (
            "000000000000".into(),
            "us-east-1".into(),
            "/aws/lambda/f".into(),
        )
    }

    #[test]
    fn caps_total_size_dropping_oldest() {
        let store = LogStore::open_with_cap(&ServiceEnv::in_memory(), 1000).unwrap();
        for i in 0..50 {
            store.append(&key(), "s", &format!("{i:0>99}"));
        }
        store.with_groups(|g| {
            let s = &g[&key()].streams["s"];
            let total: usize = s.events.iter().map(|e| e.message.len()).sum();
            assert!(total <= 1000, "{total}");
            assert_eq!(s.events.back().unwrap().message, format!("{:0>99}", 49));
        });
    }

    #[test]
    fn persists_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let mut env = ServiceEnv::in_memory();
        env.storage.data_dir = Some(dir.path().to_owned());
        {
            let store = LogStore::open(&env).unwrap();
            store.append(&key(), "s1", "hello");
            store.append(&key(), "s1", "world");
        }
        // The writer thread commits asynchronously; give it a moment (real time, test only).
        let mut seen = 0;
        for _ in 0..100 {
            let store = LogStore::open(&env).unwrap();
            seen = store.with_groups(|g| g.get(&key()).map_or(0, |g| g.streams["s1"].events.len()));
            if seen == 2 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(seen, 2);
    }
}
