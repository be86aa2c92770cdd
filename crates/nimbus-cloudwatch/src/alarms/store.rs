//! Where alarms and their history are kept: SQLite
//! (`<data-dir>/cloudwatch/alarms.sqlite`), written before a change is acknowledged, so an
//! alarm comes back after a restart with its configuration and state; nothing on disk in
//! memory mode.

use nimbus_core::ServiceEnv;
use nimbus_core::storage::sqlite;
use parking_lot::Mutex;
use rusqlite::{Connection, params};

use super::history::HistoryItem;
use super::model::MetricAlarm;
use crate::error::{CloudWatchError, Result};

/// The alarm and history tables.
pub struct AlarmStore {
    db: Option<Mutex<Connection>>,
}

fn db_err(e: impl std::fmt::Display) -> CloudWatchError {
    CloudWatchError::internal(format!("storage error: {e}"))
}

/// What was stored: every alarm and the history, oldest first.
pub type Loaded = (Vec<MetricAlarm>, Vec<HistoryItem>);

impl AlarmStore {
    /// Opens (or creates) the store for `env`, with what it holds.
    pub fn open(env: &ServiceEnv) -> Result<(AlarmStore, Loaded)> {
        let Some(dir) = env.storage.service_dir("cloudwatch").map_err(db_err)? else {
            return Ok((AlarmStore { db: None }, (Vec::new(), Vec::new())));
        };
        let conn =
            sqlite::open(&dir.join("alarms.sqlite"), env.storage.durability).map_err(db_err)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS alarms (
                account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
                record TEXT NOT NULL, PRIMARY KEY (account, region, name));
             CREATE TABLE IF NOT EXISTS history (seq INTEGER PRIMARY KEY, record TEXT NOT NULL);",
        )
        .map_err(db_err)?;
        let alarms = read_all::<MetricAlarm>(&conn, "SELECT record FROM alarms")?;
        let history = read_all::<HistoryItem>(&conn, "SELECT record FROM history ORDER BY seq")?;
        Ok((
            AlarmStore {
                db: Some(Mutex::new(conn)),
            },
            (alarms, history),
        ))
    }

    /// Stores an alarm (insert or replace) and, in the same transaction, history items.
    pub fn put(&self, alarm: Option<&MetricAlarm>, history: &[HistoryItem]) -> Result<()> {
        let Some(db) = &self.db else { return Ok(()) };
        let mut conn = db.lock();
        let tx = conn.transaction().map_err(db_err)?;
        if let Some(a) = alarm {
            tx.execute(
                "INSERT OR REPLACE INTO alarms (account, region, name, record) VALUES (?1, ?2, ?3, ?4)",
                params![a.account, a.region, a.config.name, serde_json::to_string(a).map_err(db_err)?],
            )
            .map_err(db_err)?;
        }
        for h in history {
            tx.execute(
                "INSERT OR REPLACE INTO history (seq, record) VALUES (?1, ?2)",
                params![h.seq as i64, serde_json::to_string(h).map_err(db_err)?],
            )
            .map_err(db_err)?;
        }
        tx.commit().map_err(db_err)
    }

    /// Deletes alarms and records their history items, in one transaction.
    pub fn delete(&self, deleted: &[&MetricAlarm], history: &[HistoryItem]) -> Result<()> {
        let Some(db) = &self.db else { return Ok(()) };
        let mut conn = db.lock();
        let tx = conn.transaction().map_err(db_err)?;
        for a in deleted {
            tx.execute(
                "DELETE FROM alarms WHERE account = ?1 AND region = ?2 AND name = ?3",
                params![a.account, a.region, a.config.name],
            )
            .map_err(db_err)?;
        }
        for h in history {
            tx.execute(
                "INSERT OR REPLACE INTO history (seq, record) VALUES (?1, ?2)",
                params![h.seq as i64, serde_json::to_string(h).map_err(db_err)?],
            )
            .map_err(db_err)?;
        }
        tx.commit().map_err(db_err)
    }

    /// Drops history up to and including `seq` (past retention).
    pub fn prune_history(&self, seq: u64) -> Result<()> {
        let Some(db) = &self.db else { return Ok(()) };
        db.lock()
            .execute("DELETE FROM history WHERE seq <= ?1", params![seq as i64])
            .map_err(db_err)?;
        Ok(())
    }
}

fn read_all<T: serde::de::DeserializeOwned>(conn: &Connection, sql: &str) -> Result<Vec<T>> {
    let mut stmt = conn.prepare(sql).map_err(db_err)?;
    let rows = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(db_err)?;
    let mut out = Vec::new();
    for row in rows {
        match serde_json::from_str::<T>(&row.map_err(db_err)?) {
            Ok(v) => out.push(v),
            Err(e) => tracing::warn!("skipping an unreadable alarm record: {e}"),
        }
    }
    Ok(out)
}
