//! Opening a service's SQLite database with the pragmas every service shares.
//!
//! Every on-disk database of nimbus (S3, SQS, IAM, Lambda's functions, event source mappings,
//! queued events and logs) is opened through [`open`]: a busy timeout, WAL mode, and
//! `synchronous` chosen by [`Durability`]. With WAL, `synchronous=NORMAL` makes a commit
//! durable against a killed process (the log is written before the commit returns, and
//! fsynced only at checkpoints), `FULL` fsyncs the log at every commit, which survives power
//! loss. Callers add their own pragmas afterwards (page cache, memory maps, schema), and
//! [`super::group_commit`] adds the writer's (`wal_autocheckpoint=0`, `journal_size_limit`).

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use crate::Durability;

/// How long a connection waits for another's lock (a checkpoint, the writer) before failing
/// with `SQLITE_BUSY`. Services that need longer set their own after [`open`].
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The `synchronous` pragma's value for `durability`: `NORMAL` for [`Durability::Process`],
/// `FULL` for [`Durability::Fsync`].
pub fn synchronous(durability: Durability) -> &'static str {
    match durability {
        Durability::Process => "NORMAL",
        Durability::Fsync => "FULL",
    }
}

/// Opens (creating if needed) the database at `path` in WAL mode with `synchronous` per
/// `durability` and a [`BUSY_TIMEOUT`].
///
/// The busy timeout is set first, since switching a database to WAL takes an exclusive lock.
/// A file system that cannot hold a WAL (no shared memory) leaves SQLite in another journal
/// mode; that is logged, not fatal, as the commits stay durable either way.
pub fn open(path: &Path, durability: Durability) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(path = %path.display(), %mode, "SQLite database is not in WAL mode");
    }
    conn.pragma_update(None, "synchronous", synchronous(durability))?;
    Ok(conn)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn applies_the_shared_pragmas() {
        let dir = tempfile_dir();
        for (durability, level) in [(Durability::Process, 1), (Durability::Fsync, 2)] {
            let path = dir.join(format!("{durability:?}.db"));
            let conn = open(&path, durability).unwrap();
            let mode: String = conn
                .query_row("PRAGMA journal_mode", [], |r| r.get(0))
                .unwrap();
            assert_eq!(mode, "wal");
            let sync: i64 = conn
                .query_row("PRAGMA synchronous", [], |r| r.get(0))
                .unwrap();
            assert_eq!(sync, level);
            let busy: i64 = conn
                .query_row("PRAGMA busy_timeout", [], |r| r.get(0))
                .unwrap();
            assert_eq!(busy, BUSY_TIMEOUT.as_millis() as i64);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A fresh directory under the system's temporary directory.
    pub(crate) fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("nimbus-core-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
