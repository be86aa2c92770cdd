//! Where services keep their state and how hard they commit it.

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
