//! Where services keep their state and how hard they commit it, and the kit every service
//! stores its SQLite files with.
//!
//! [`StorageConfig`] and [`Durability`] are what the command line decides (`--data-dir`,
//! `--in-memory`, `--durability`). [`sqlite::open`] opens a database with the pragmas every
//! service shares (WAL, `synchronous` per durability, a busy timeout); [`group_commit`] is the
//! writer thread that S3 and SQS commit through: concurrent requests' effects folded into one
//! transaction, acknowledged only after the commit, with a checkpointer thread and a bounded
//! write-ahead log. Each service keeps only its effect type, how it applies them, and its
//! bounds. The model is garage's `src/db` (one open path, one transaction API).

pub mod group_commit;
pub mod sqlite;

use std::path::PathBuf;

/// How an acknowledged write is made durable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Durability {
    /// Survives a killed process (`kill -9`): SQLite WAL with `synchronous=NORMAL`, files
    /// written before the acknowledgement.
    #[default]
    Process,
    /// Survives power loss: `synchronous=FULL` and an fsync of every file and directory.
    Fsync,
}

/// Storage settings handed to every service.
#[derive(Clone, Debug, Default)]
pub struct StorageConfig {
    /// The data directory; `None` keeps everything in memory with the same semantics.
    pub data_dir: Option<PathBuf>,
    /// The durability mode for on-disk storage.
    pub durability: Durability,
}

impl StorageConfig {
    /// An in-memory configuration.
    pub fn in_memory() -> StorageConfig {
        StorageConfig::default()
    }

    /// The directory a service keeps its files in (`<data-dir>/<service>`), created if needed;
    /// `None` in memory.
    pub fn service_dir(&self, service: &str) -> std::io::Result<Option<PathBuf>> {
        match &self.data_dir {
            None => Ok(None),
            Some(dir) => {
                let d = dir.join(service);
                std::fs::create_dir_all(&d)?;
                Ok(Some(d))
            }
        }
    }
}
