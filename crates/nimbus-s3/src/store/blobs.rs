//! Object content: files named by an internal id under `<data-dir>/s3/blobs/`, or memory.
//!
//! A blob is written to `tmp/<id>` as the body streams (through a bounded buffer, never
//! whole in memory), fsynced when the durability mode asks for it, and renamed to
//! `blobs/<id[..2]>/<id>` before the metadata that names it is committed. Keys never become
//! paths, so no key can reach outside the data directory. A crash can leave a temporary file
//! or a blob no metadata names; [`Blobs::open`] clears `tmp/` and
//! [`Blobs::collect_garbage`] removes unnamed blobs at start.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use nimbus_core::Durability;
use parking_lot::Mutex;

use md5::{Digest, Md5};

use crate::checksum::{ChecksumAlgorithm, Hasher};
use crate::error::{S3Error, S3Result};

/// A blob made by [`Blobs::assemble`].
#[derive(Debug, Clone)]
pub struct Assembled {
    /// The new blob's id.
    pub id: String,
    /// Its length.
    pub len: u64,
    /// MD5 of the content, hex, if asked.
    pub md5_hex: Option<String>,
    /// The checksum, base64, if asked.
    pub checksum: Option<String>,
}

/// Bytes gathered before a write to disk.
const WRITE_BUFFER: usize = 1024 * 1024;
/// Bytes read per step when streaming a blob out.
pub const READ_CHUNK: usize = 256 * 1024;
/// Bytes copied per step when assembling blobs.
const ASSEMBLE_CHUNK: u64 = 1024 * 1024;
/// Blobs up to this size are read whole in one step.
pub const SMALL_READ: u64 = 1024 * 1024;

/// Where blobs live.
pub enum Blobs {
    /// Files under a directory.
    Disk {
        /// `<data-dir>/s3`.
        root: PathBuf,
        /// Whether to fsync files and directories.
        fsync: bool,
    },
    /// In memory (`--in-memory`).
    Memory(Mutex<HashMap<String, Bytes>>),
}

/// A fresh blob id: 32 lower-case hex digits.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl Blobs {
    /// The in-memory store.
    pub fn memory() -> Blobs {
        Blobs::Memory(Mutex::new(HashMap::new()))
    }

    /// Opens the store under `root`, removing temporary files a crash left behind.
    pub fn open(root: &Path, durability: Durability) -> std::io::Result<Blobs> {
        let tmp = root.join("tmp");
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp)?;
        }
        std::fs::create_dir_all(&tmp)?;
        std::fs::create_dir_all(root.join("blobs"))?;
        Ok(Blobs::Disk {
            root: root.to_owned(),
            fsync: durability == Durability::Fsync,
        })
    }

    fn path(root: &Path, id: &str) -> PathBuf {
        let shard = id.get(..2).unwrap_or("00");
        root.join("blobs").join(shard).join(id)
    }

    /// Starts writing a new blob.
    pub fn writer(self: &Arc<Self>) -> BlobWriter {
        BlobWriter {
            blobs: self.clone(),
            id: new_id(),
            buf: BytesMut::new(),
            file: None,
            len: 0,
        }
    }

    /// Removes blobs (after the metadata no longer naming them is committed). Errors are
    /// logged: a leftover blob is collected at the next start.
    pub fn remove(&self, ids: &[String]) {
        match self {
            Blobs::Memory(m) => {
                let mut m = m.lock();
                for id in ids {
                    m.remove(id);
                }
            }
            Blobs::Disk { root, .. } => {
                for id in ids {
                    if let Err(e) = std::fs::remove_file(Self::path(root, id))
                        && e.kind() != std::io::ErrorKind::NotFound
                    {
                        tracing::warn!(blob = %id, error = %e, "cannot remove blob");
                    }
                }
            }
        }
    }

    /// Removes every blob on disk that `live` does not name (a crash between a blob's rename
    /// and its metadata's commit leaves one). Returns how many were removed.
    pub fn collect_garbage(&self, live: &HashSet<String>) -> usize {
        let Blobs::Disk { root, .. } = self else {
            return 0;
        };
        let mut removed = 0;
        let Ok(shards) = std::fs::read_dir(root.join("blobs")) else {
            return 0;
        };
        for shard in shards.flatten() {
            let Ok(files) = std::fs::read_dir(shard.path()) else {
                continue;
            };
            for f in files.flatten() {
                let name = f.file_name().to_string_lossy().into_owned();
                if !live.contains(&name) && std::fs::remove_file(f.path()).is_ok() {
                    removed += 1;
                }
            }
        }
        removed
    }

    /// Opens a blob for reading.
    pub fn open_reader(&self, id: &str) -> S3Result<BlobReader> {
        match self {
            Blobs::Memory(m) => m
                .lock()
                .get(id)
                .cloned()
                .map(BlobReader::Memory)
                .ok_or_else(|| S3Error::internal(format!("blob {id} is missing"))),
            Blobs::Disk { root, .. } => std::fs::File::open(Self::path(root, id))
                .map(BlobReader::File)
                .map_err(|e| S3Error::internal(format!("blob {id}: {e}"))),
        }
    }

    /// Writes a new blob holding the concatenation of `sources` (open readers with a start
    /// and a length: multipart completion, copies), computing the MD5 and a checksum on the
    /// way if asked. Blocking: run it off the async threads.
    pub fn assemble(
        &self,
        sources: Vec<(BlobReader, u64, u64)>,
        md5: bool,
        checksum: Option<ChecksumAlgorithm>,
    ) -> S3Result<Assembled> {
        let id = new_id();
        let mut md5 = md5.then(Md5::new);
        let mut hasher = checksum.map(Hasher::new);
        let mut total = 0u64;
        let mut out: Box<dyn Write> = match self {
            Blobs::Memory(_) => Box::new(Vec::new()),
            Blobs::Disk { root, .. } => {
                Box::new(std::fs::File::create(root.join("tmp").join(&id))?)
            }
        };
        let mut mem = Vec::new();
        for (mut reader, start, len) in sources {
            let mut pos = start;
            let end = start + len;
            while pos < end {
                let n = (end - pos).min(ASSEMBLE_CHUNK);
                let data = reader.read_range(pos, n)?;
                if let Some(m) = md5.as_mut() {
                    m.update(&data);
                }
                if let Some(h) = hasher.as_mut() {
                    h.update(&data);
                }
                match self {
                    Blobs::Memory(_) => mem.extend_from_slice(&data),
                    Blobs::Disk { .. } => out.write_all(&data)?,
                }
                pos += n;
                total += n;
            }
        }
        drop(out);
        match self {
            Blobs::Memory(m) => {
                m.lock().insert(id.clone(), Bytes::from(mem));
            }
            Blobs::Disk { root, fsync } => {
                let tmp = root.join("tmp").join(&id);
                let f = std::fs::OpenOptions::new().write(true).open(&tmp)?;
                Self::publish(root, *fsync, f, &tmp, &id)?;
            }
        }
        Ok(Assembled {
            id,
            len: total,
            md5_hex: md5.map(|m| hex::encode(m.finalize())),
            checksum: hasher.map(Hasher::finish),
        })
    }

    fn publish(
        root: &Path,
        fsync: bool,
        file: std::fs::File,
        tmp: &Path,
        id: &str,
    ) -> std::io::Result<()> {
        if fsync {
            file.sync_all()?;
        }
        drop(file);
        let dest = Self::path(root, id);
        let dir = dest.parent().unwrap_or(root);
        if let Err(e) = std::fs::rename(tmp, &dest) {
            if e.kind() != std::io::ErrorKind::NotFound {
                return Err(e);
            }
            std::fs::create_dir_all(dir)?;
            std::fs::rename(tmp, &dest)?;
        }
        if fsync {
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    }
}

/// A blob being written.
pub struct BlobWriter {
    blobs: Arc<Blobs>,
    id: String,
    buf: BytesMut,
    file: Option<(std::fs::File, PathBuf)>,
    len: u64,
}

impl BlobWriter {
    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends `data`; spills to disk once the buffer is full.
    pub async fn write(&mut self, data: &[u8]) -> S3Result<()> {
        self.buf.extend_from_slice(data);
        self.len += data.len() as u64;
        if self.buf.len() >= WRITE_BUFFER && matches!(*self.blobs, Blobs::Disk { .. }) {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> S3Result<()> {
        let Blobs::Disk { root, .. } = &*self.blobs else {
            return Ok(());
        };
        let data = self.buf.split().freeze();
        let file = self.file.take();
        let tmp = root.join("tmp").join(&self.id);
        let (file, res) = tokio::task::spawn_blocking(move || {
            let mut file = match file {
                Some(f) => f,
                None => match std::fs::File::create(&tmp) {
                    Ok(f) => (f, tmp),
                    Err(e) => return (None, Err(e)),
                },
            };
            let r = file.0.write_all(&data);
            (Some(file), r)
        })
        .await
        .map_err(S3Error::internal)?;
        self.file = file;
        res.map_err(S3Error::from)
    }

    /// Makes the blob durable and visible under its id; returns the id and length.
    pub async fn finish(mut self) -> S3Result<(String, u64)> {
        match &*self.blobs {
            Blobs::Memory(m) => {
                m.lock().insert(self.id.clone(), self.buf.split().freeze());
                Ok((std::mem::take(&mut self.id), self.len))
            }
            Blobs::Disk { root, fsync } => {
                let root = root.clone();
                let fsync = *fsync;
                let data = self.buf.split().freeze();
                let file = self.file.take();
                let id = std::mem::take(&mut self.id);
                let len = self.len;
                tokio::task::spawn_blocking(move || -> S3Result<(String, u64)> {
                    let tmp = root.join("tmp").join(&id);
                    let mut f = match file {
                        Some((f, _)) => f,
                        None => std::fs::File::create(&tmp)?,
                    };
                    f.write_all(&data)?;
                    Blobs::publish(&root, fsync, f, &tmp, &id)?;
                    Ok((id, len))
                })
                .await
                .map_err(S3Error::internal)?
            }
        }
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        // An abandoned upload: remove the temporary file.
        if let Some((_, path)) = self.file.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A blob opened for reading.
pub enum BlobReader {
    /// An open file.
    File(std::fs::File),
    /// Bytes in memory.
    Memory(Bytes),
}

impl BlobReader {
    /// Reads `len` bytes from `start` whole (blocking for files; use for small ranges).
    pub fn read_range(&mut self, start: u64, len: u64) -> S3Result<Bytes> {
        match self {
            BlobReader::Memory(b) => {
                let s = start as usize;
                b.get(s..s + len as usize)
                    .map(|s| b.slice_ref(s))
                    .ok_or_else(|| S3Error::internal("blob is shorter than its metadata"))
            }
            BlobReader::File(f) => {
                f.seek(SeekFrom::Start(start))?;
                let mut out = vec![0u8; len as usize];
                f.read_exact(&mut out)?;
                Ok(Bytes::from(out))
            }
        }
    }
}
