//! Where event source mappings are kept: SQLite (`<data-dir>/lambda/event_source_mappings.sqlite`),
//! written before a change is acknowledged; nothing on disk in memory mode.

use nimbus_core::ServiceEnv;
use nimbus_core::storage::sqlite;
use parking_lot::Mutex;
use rusqlite::{Connection, params};

use super::MappingRecord;
use crate::error::{LambdaError, LambdaErrorCode};

/// The mapping table.
pub struct MappingStore {
    db: Option<Mutex<Connection>>,
}

fn db_err(e: rusqlite::Error) -> LambdaError {
    LambdaError::new(LambdaErrorCode::Service, format!("storage error: {e}"))
}

impl MappingStore {
    /// Opens (or creates) the store for `env`; returns it with every stored mapping.
    pub fn open(
        env: &ServiceEnv,
    ) -> Result<(MappingStore, Vec<MappingRecord>), Box<dyn std::error::Error + Send + Sync>> {
        let Some(dir) = env.storage.service_dir("lambda")? else {
            return Ok((MappingStore { db: None }, Vec::new()));
        };
        let conn = sqlite::open(
            &dir.join("event_source_mappings.sqlite"),
            env.storage.durability,
        )?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS mappings (
                uuid TEXT PRIMARY KEY, created INTEGER NOT NULL, record TEXT NOT NULL)",
        )?;
        let mut out = Vec::new();
        {
            let mut stmt = conn.prepare("SELECT record FROM mappings ORDER BY created, uuid")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            for row in rows {
                match serde_json::from_str::<MappingRecord>(&row?) {
                    Ok(rec) => out.push(rec),
                    Err(e) => tracing::warn!("skipping unreadable event source mapping: {e}"),
                }
            }
        }
        Ok((
            MappingStore {
                db: Some(Mutex::new(conn)),
            },
            out,
        ))
    }

    /// Stores `rec` (insert or replace).
    pub fn put(&self, rec: &MappingRecord) -> Result<(), LambdaError> {
        if let Some(db) = &self.db {
            let json = serde_json::to_string(rec)
                .map_err(|e| LambdaError::new(LambdaErrorCode::Service, e.to_string()))?;
            db.lock()
                .execute(
                    "INSERT OR REPLACE INTO mappings (uuid, created, record) VALUES (?1, ?2, ?3)",
                    params![rec.uuid, rec.created as i64, json],
                )
                .map_err(db_err)?;
        }
        Ok(())
    }

    /// Removes a mapping.
    pub fn delete(&self, uuid: &str) -> Result<(), LambdaError> {
        if let Some(db) = &self.db {
            db.lock()
                .execute("DELETE FROM mappings WHERE uuid = ?1", params![uuid])
                .map_err(db_err)?;
        }
        Ok(())
    }
}
