//! The metric store on disk: `<data-dir>/cloudwatch/cloudwatch.db` (SQLite, WAL), written by
//! the core's group-commit writer.
//!
//! Two tables: `series` (one row per series: account, region, namespace, name, dimensions as
//! JSON, unit, last publish time) and `buckets` (one row per series, resolution and bucket
//! start: the bucket's aggregate, encoded by `Agg::encode`). A write replaces a bucket's row
//! with its whole current aggregate, so rows are idempotent and the writer sees them in the
//! order the store changed them (they are submitted under the store's lock). Retention and
//! eviction delete rows by range.

use std::path::Path;
use std::sync::Arc;

use nimbus_core::Durability;
use nimbus_core::bus::metrics::MetricUnit;
use nimbus_core::storage::group_commit::{Apply, Bounds, GroupCommit};
use nimbus_core::storage::sqlite;
use rusqlite::{Connection, Transaction, params};

use super::aggregate::Agg;
use super::{MetricIdentity, SeriesKey};

/// One change to the stored state.
#[derive(Clone, Debug)]
pub enum Effect {
    /// Creates a series row or updates its last publish time.
    PutSeries {
        /// The series id.
        id: u64,
        /// Its name.
        key: Arc<SeriesKey>,
        /// When data was last published, ms.
        last_publish: u64,
    },
    /// Replaces a bucket's aggregate.
    PutBucket {
        /// The series id.
        series: u64,
        /// The bucket's length, seconds (1, 60, 300, 3600).
        resolution: u32,
        /// The bucket's start, ms.
        start: u64,
        /// `Agg::encode`.
        data: Vec<u8>,
    },
    /// Deletes a series' buckets of one resolution that start before `before`.
    DeleteBuckets {
        /// The series id.
        series: u64,
        /// The buckets' length, seconds.
        resolution: u32,
        /// The cutoff, ms.
        before: u64,
    },
    /// Deletes a series and its buckets.
    DeleteSeries {
        /// The series id.
        id: u64,
    },
}

/// The writer's bounds: metric writes are few and batched, so commits are small.
const BOUNDS: Bounds = Bounds {
    name: "cloudwatch",
    max_jobs_per_commit: 1_024,
    checkpoint_after: 20_000,
    checkpoint_interval: Some(std::time::Duration::from_secs(60)),
    wal_restart_bytes: 32 * 1024 * 1024,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS series (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    namespace TEXT NOT NULL,
    metric_name TEXT NOT NULL,
    dimensions TEXT NOT NULL,
    unit TEXT NOT NULL,
    last_publish INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS buckets (
    series INTEGER NOT NULL,
    resolution INTEGER NOT NULL,
    start INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (series, resolution, start)
) WITHOUT ROWID;
";

struct Writer;

impl Apply for Writer {
    type Effect = Effect;

    fn apply(&mut self, tx: &Transaction<'_>, effect: &Effect) -> rusqlite::Result<()> {
        match effect {
            Effect::PutSeries {
                id,
                key,
                last_publish,
            } => {
                let dims = serde_json::to_string(&key.identity.dimensions).unwrap_or_default();
                tx.prepare_cached(
                    "INSERT INTO series (id, account, region, namespace, metric_name, dimensions, \
                     unit, last_publish) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                     ON CONFLICT(id) DO UPDATE SET last_publish = excluded.last_publish",
                )?
                .execute(params![
                    *id as i64,
                    key.account,
                    key.region,
                    key.identity.namespace,
                    key.identity.metric_name,
                    dims,
                    key.unit.as_str(),
                    *last_publish as i64
                ])?;
            }
            Effect::PutBucket {
                series,
                resolution,
                start,
                data,
            } => {
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO buckets (series, resolution, start, data) \
                     VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![
                    *series as i64,
                    *resolution,
                    *start as i64,
                    data
                ])?;
            }
            Effect::DeleteBuckets {
                series,
                resolution,
                before,
            } => {
                tx.prepare_cached(
                    "DELETE FROM buckets WHERE series = ?1 AND resolution = ?2 AND start < ?3",
                )?
                .execute(params![*series as i64, *resolution, *before as i64])?;
            }
            Effect::DeleteSeries { id } => {
                tx.prepare_cached("DELETE FROM buckets WHERE series = ?1")?
                    .execute(params![*id as i64])?;
                tx.prepare_cached("DELETE FROM series WHERE id = ?1")?
                    .execute(params![*id as i64])?;
            }
        }
        Ok(())
    }
}

fn open_conn(path: &Path, durability: Durability) -> rusqlite::Result<Connection> {
    let conn = sqlite::open(path, durability)?;
    conn.execute_batch(SCHEMA)?;
    Ok(conn)
}

/// What is read back at start.
pub trait Loader {
    /// A series row.
    fn series(&mut self, id: u64, key: SeriesKey, last_publish: u64);
    /// A bucket row (`resolution`: its length in seconds).
    fn bucket(&mut self, series: u64, resolution: u32, start: u64, agg: Agg);
}

/// Opens (creating if needed) `<dir>/cloudwatch.db`, loads through `loader` the series and
/// the buckets that start at or after `cutoff`, and starts the writer.
pub fn open(
    dir: &Path,
    durability: Durability,
    loader: &mut dyn Loader,
    cutoff: u64,
) -> rusqlite::Result<GroupCommit<Effect>> {
    let path = dir.join("cloudwatch.db");
    let conn = open_conn(&path, durability)?;
    load(&conn, loader, cutoff)?;
    let checkpoint_conn = open_conn(&path, durability)?;
    GroupCommit::start(conn, checkpoint_conn, Writer, BOUNDS)
}

fn load(conn: &Connection, loader: &mut dyn Loader, cutoff: u64) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare(
        "SELECT id, account, region, namespace, metric_name, dimensions, unit, last_publish \
         FROM series ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let dims: String = r.get(5)?;
        let unit: String = r.get(6)?;
        let (Ok(dimensions), Some(unit)) = (
            serde_json::from_str::<Vec<(String, String)>>(&dims),
            MetricUnit::parse(&unit),
        ) else {
            tracing::warn!(id, "skipping a damaged CloudWatch series row");
            continue;
        };
        let key = SeriesKey {
            account: r.get(1)?,
            region: r.get(2)?,
            identity: MetricIdentity {
                namespace: r.get(3)?,
                metric_name: r.get(4)?,
                dimensions,
            },
            unit,
        };
        loader.series(id as u64, key, r.get::<_, i64>(7)? as u64);
    }
    let mut stmt =
        conn.prepare("SELECT series, resolution, start, data FROM buckets WHERE start >= ?1")?;
    let mut rows = stmt.query([cutoff as i64])?;
    while let Some(r) = rows.next()? {
        let (series, res, start): (i64, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
        let data: Vec<u8> = r.get(3)?;
        match Agg::decode(&data) {
            Some(agg) => loader.bucket(series as u64, res as u32, start as u64, agg),
            None => tracing::warn!(series, start, "skipping a damaged CloudWatch bucket"),
        }
    }
    Ok(())
}
