//! Object content, named by an internal id (never by key, so no key can reach outside the
//! data directory): small blobs in SQLite, larger ones in files under
//! `<data-dir>/s3/blobs/`, or everything in memory (`--in-memory`).
//!
//! - A blob of at most [`INLINE_MAX`] bytes (ids start with `i`) is *staged* in memory when
//!   its body ends; the operation that makes it reachable puts its content
//!   ([`Blobs::staged_effect`], an [`Effect::PutBlob`]) in the same submission as the
//!   metadata naming it, so content and metadata commit in one transaction, and unstages it
//!   once that commit is acknowledged. Reads come from the staging area or from the
//!   database through a small pool of read-only connections. This keeps a small PutObject
//!   free of file-system work: creating, writing and naming a file cost 50–90 µs of kernel
//!   time per object on this machine, the same content in the group commit a few µs.
//! - A larger blob is written to `blobs/<id[..2]>/<id>` as the body streams (through a
//!   bounded buffer, never whole in memory) and fsynced (with its directory) when the
//!   durability mode asks for it, before the metadata that names it is committed. No rename
//!   is needed: nothing can name the file until that commit. A crash can leave a file that
//!   no metadata names; [`Blobs::collect_garbage`] removes those at start (and
//!   [`Blobs::open`] clears the `tmp/` directory older versions wrote through).
//! - A removed blob file nobody is reading is emptied and kept for the next blob to take
//!   (see [`Files`]): creating files is what costs, not writing them.

use std::collections::{HashMap, HashSet};
use std::io::{IoSlice, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::{Bytes, BytesMut};
use nimbus_core::Durability;
use parking_lot::Mutex;

use md5_many::Md5State;

use crate::checksum::{ChecksumAlgorithm, Hasher};
use crate::error::{S3Error, S3Result};
use crate::store::db::{self, Db, Effect};

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
/// Blobs up to this size are stored in SQLite rather than in files.
pub const INLINE_MAX: u64 = 64 * 1024;
/// Idle read connections kept for reading small blobs.
const MAX_IDLE_READERS: usize = 8;

/// Where blobs live.
pub enum Blobs {
    /// Files under a directory, small blobs in the database.
    Disk {
        /// Whether to fsync files and directories.
        fsync: bool,
        /// Small blobs.
        small: Small,
        /// Blob files under `<data-dir>/s3`: those open for reading, and spares for reuse.
        files: Arc<Files>,
    },
    /// In memory (`--in-memory`).
    Memory(Mutex<HashMap<String, Bytes>>),
}

/// Small blobs: staged in memory until their commit, then in the database.
pub struct Small {
    db: Arc<Db>,
    /// The next small blob's number: numbers only grow, so new rows append to the table's
    /// B-tree (random keys cost a third more writing per object).
    next: AtomicU64,
    staged: Mutex<HashMap<String, Bytes>>,
    readers: Mutex<Vec<rusqlite::Connection>>,
}

/// A fresh blob id: 32 lower-case hex digits.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Whether `id` names a small blob kept in the database (`i<number>`).
pub fn is_inline(id: &str) -> bool {
    id.starts_with('i')
}

/// The number of small blob `id`.
fn inline_number(id: &str) -> Option<u64> {
    id.strip_prefix('i')?.parse().ok()
}

/// The id of small blob `number`.
pub fn inline_id(number: u64) -> String {
    format!("i{number}")
}

impl Small {
    /// Stages `data` as a new small blob; returns its id.
    fn stage(&self, data: Bytes) -> String {
        let id = inline_id(self.next.fetch_add(1, Ordering::Relaxed));
        self.staged.lock().insert(id.clone(), data);
        id
    }

    fn read(&self, root: &Path, id: &str) -> S3Result<Bytes> {
        if let Some(b) = self.staged.lock().get(id) {
            return Ok(b.clone());
        }
        let number =
            inline_number(id).ok_or_else(|| S3Error::internal(format!("bad blob id {id}")))?;
        let conn = match self.readers.lock().pop() {
            Some(c) => c,
            None => db::open_reader(root).map_err(S3Error::internal)?,
        };
        let found = db::read_blob(&conn, number);
        let mut readers = self.readers.lock();
        if readers.len() < MAX_IDLE_READERS {
            readers.push(conn);
        }
        drop(readers);
        match found {
            Ok(Some(b)) => Ok(b),
            Ok(None) => Err(S3Error::internal(format!("blob {id} is missing"))),
            Err(e) => Err(S3Error::internal(format!("blob {id}: {e}"))),
        }
    }
}

impl Blobs {
    /// The in-memory store.
    pub fn memory() -> Blobs {
        Blobs::Memory(Mutex::new(HashMap::new()))
    }

    /// Opens the store under `root` (small blobs in `db`, numbered from `next_inline`),
    /// removing temporary files a crash left behind.
    pub fn open(
        root: &Path,
        durability: Durability,
        db: Arc<Db>,
        next_inline: u64,
    ) -> std::io::Result<Blobs> {
        let tmp = root.join("tmp");
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp)?;
        }
        std::fs::create_dir_all(&tmp)?;
        std::fs::create_dir_all(root.join("blobs"))?;
        let spare_dir = root.join("spare");
        if spare_dir.exists() {
            std::fs::remove_dir_all(&spare_dir)?;
        }
        std::fs::create_dir_all(&spare_dir)?;
        Ok(Blobs::Disk {
            fsync: durability == Durability::Fsync,
            files: Arc::new(Files {
                root: root.to_owned(),
                spare_dir,
                state: Mutex::new(FilesState::default()),
            }),
            small: Small {
                db,
                next: AtomicU64::new(next_inline),
                staged: Mutex::new(HashMap::new()),
                readers: Mutex::new(Vec::new()),
            },
        })
    }

    /// The effect storing the content of blob `id` if it is a small blob still staged (just
    /// written): submit it with the metadata that first names the blob.
    pub fn staged_effect(&self, id: &str) -> Option<Effect> {
        let Blobs::Disk { small, .. } = self else {
            return None;
        };
        let number = inline_number(id)?;
        small.staged.lock().get(id).map(|data| Effect::PutBlob {
            number,
            data: data.clone(),
        })
    }

    /// Drops a small blob from the staging area once the commit storing it is acknowledged
    /// (reads then come from the database).
    pub fn unstage(&self, id: &str) {
        if let Blobs::Disk { small, .. } = self
            && is_inline(id)
        {
            small.staged.lock().remove(id);
        }
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
            pending: Vec::new(),
            pending_len: 0,
            file: None,
            len: 0,
        }
    }

    /// Removes blobs (after the metadata no longer naming them is committed, or when the
    /// change that would have named them failed). Errors are logged: a leftover blob is
    /// collected at the next start.
    pub fn remove(&self, ids: &[String]) {
        match self {
            Blobs::Memory(m) => {
                let mut m = m.lock();
                for id in ids {
                    m.remove(id);
                }
            }
            Blobs::Disk { small, files, .. } => {
                let mut rows = Vec::new();
                for id in ids {
                    if is_inline(id) {
                        small.staged.lock().remove(id);
                        rows.extend(inline_number(id).map(Effect::DeleteBlob));
                    } else if let Err(e) = files.remove(id)
                        && e.kind() != std::io::ErrorKind::NotFound
                    {
                        tracing::warn!(blob = %id, error = %e, "cannot remove blob");
                    }
                }
                small.db.submit_background(rows);
            }
        }
    }

    /// Removes every blob on disk that `live` does not name (a crash between a blob's rename
    /// and its metadata's commit leaves one). Returns how many were removed.
    pub fn collect_garbage(&self, live: &HashSet<String>) -> usize {
        let Blobs::Disk {
            files: blob_files, ..
        } = self
        else {
            return 0;
        };
        let root = &blob_files.root;
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

    /// Opens a blob for reading (a small blob is read whole).
    pub fn open_reader(&self, id: &str) -> S3Result<BlobReader> {
        match self {
            Blobs::Memory(m) => m
                .lock()
                .get(id)
                .cloned()
                .map(BlobReader::Memory)
                .ok_or_else(|| S3Error::internal(format!("blob {id} is missing"))),
            Blobs::Disk { small, files, .. } if is_inline(id) => {
                small.read(&files.root, id).map(BlobReader::Memory)
            }
            Blobs::Disk { files, .. } => files
                .open(id)
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
        let expected: u64 = sources.iter().map(|(_, _, len)| *len).sum();
        let inline = match self {
            Blobs::Memory(_) => true,
            Blobs::Disk { .. } => expected <= INLINE_MAX,
        };
        let id = new_id();
        let mut md5 = md5.then(Md5State::new);
        let mut hasher = checksum.map(Hasher::new);
        let mut total = 0u64;
        let mut file = match self {
            Blobs::Disk { files, .. } if !inline => Some(PendingFile::create(files, &id)?),
            _ => None,
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
                match file.as_mut() {
                    Some(f) => f.file.write_all(&data)?,
                    None => mem.extend_from_slice(&data),
                }
                pos += n;
                total += n;
            }
        }
        let id = match (self, file) {
            (Blobs::Memory(m), _) => {
                m.lock().insert(id.clone(), Bytes::from(mem));
                id
            }
            (Blobs::Disk { fsync, .. }, Some(f)) => {
                f.publish(*fsync)?;
                id
            }
            (Blobs::Disk { small, .. }, None) => small.stage(Bytes::from(mem)),
        };
        Ok(Assembled {
            id,
            len: total,
            md5_hex: md5.map(|m| hex::encode(m.finalize())),
            checksum: hasher.map(Hasher::finish),
        })
    }
}

/// Most spare files kept for reuse.
const SPARE_FILES_MAX: usize = 1024;
/// Largest file kept as a spare (larger ones cost little to create, relative to their size).
const SPARE_FILE_MAX_BYTES: u64 = 8 * 1024 * 1024;
/// Most disk space spare files hold together.
const SPARE_BYTES_MAX: u64 = 512 * 1024 * 1024;

/// Blob files: which are open for reading, and removed files kept for reuse.
///
/// Creating a file allocates an inode, and ext4 without a journal (this machine's file
/// system) scans past every inode freed in the last minute to find one: overwriting 1 MiB
/// objects at 500/s, that scan was a third of the server's CPU. So a removed blob file that
/// nobody is reading, of at most `SPARE_FILE_MAX_BYTES`, is kept under `<root>/spare/`
/// (bounded by `SPARE_FILES_MAX` and `SPARE_BYTES_MAX`), and a new blob takes one by
/// renaming it into place and writing over it from the start; `PendingFile::publish` cuts
/// what is left of the old content. (Emptying spares instead would cost a truncation, and
/// ext4 flushes a file truncated to zero and rewritten when it is closed.) A file being
/// read is unlinked as before, so a reader never sees the content under it change: opening
/// a reader and choosing a file to reuse happen under one lock. Spare files are named by no
/// metadata; [`Blobs::open`] clears them.
pub struct Files {
    /// `<data-dir>/s3`.
    root: PathBuf,
    spare_dir: PathBuf,
    state: Mutex<FilesState>,
}

#[derive(Default)]
struct FilesState {
    /// Readers open per blob id.
    readers: HashMap<String, usize>,
    /// Files ready for reuse, with their (stale) lengths.
    spare: Vec<(PathBuf, u64)>,
    /// The sum of those lengths.
    spare_bytes: u64,
    /// The next spare file's number.
    next_spare: u64,
}

impl Files {
    /// Opens blob `id` for reading; the file is not reused while the reader lives.
    fn open(self: &Arc<Self>, id: &str) -> std::io::Result<OpenFile> {
        let path = Blobs::path(&self.root, id);
        let mut state = self.state.lock();
        let file = std::fs::File::open(path)?;
        *state.readers.entry(id.to_owned()).or_default() += 1;
        Ok(OpenFile {
            file,
            _guard: ReaderGuard {
                files: self.clone(),
                id: id.to_owned(),
            },
        })
    }

    /// Removes blob `id`'s file: kept for reuse when nobody reads it and there is room,
    /// unlinked otherwise.
    fn remove(&self, id: &str) -> std::io::Result<()> {
        let path = Blobs::path(&self.root, id);
        let len = std::fs::metadata(&path)?.len();
        let mut state = self.state.lock();
        if state.readers.contains_key(id)
            || state.spare.len() >= SPARE_FILES_MAX
            || len > SPARE_FILE_MAX_BYTES
            || state.spare_bytes + len > SPARE_BYTES_MAX
        {
            drop(state);
            return std::fs::remove_file(path);
        }
        let spare = self.spare_dir.join(state.next_spare.to_string());
        state.next_spare += 1;
        std::fs::rename(&path, &spare)?;
        state.spare_bytes += len;
        state.spare.push((spare, len));
        Ok(())
    }

    /// A spare file renamed to `path` and opened for writing over, with its stale length,
    /// if there is one.
    fn take_spare(&self, path: &Path) -> Option<(std::fs::File, u64)> {
        let (spare, len) = {
            let mut state = self.state.lock();
            let (spare, len) = state.spare.pop()?;
            state.spare_bytes -= len;
            (spare, len)
        };
        let mut renamed = std::fs::rename(&spare, path);
        if let Err(e) = &renamed
            && e.kind() == std::io::ErrorKind::NotFound
            && spare.exists()
        {
            // The shard directory does not exist yet.
            renamed = path
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| std::fs::rename(&spare, path));
        }
        if renamed.is_err() {
            let _ = std::fs::remove_file(&spare);
            return None;
        }
        match std::fs::OpenOptions::new().write(true).open(path) {
            Ok(f) => Some((f, len)),
            Err(_) => {
                let _ = std::fs::remove_file(path);
                None
            }
        }
    }
}

/// A blob file open for reading.
pub struct OpenFile {
    file: std::fs::File,
    _guard: ReaderGuard,
}

/// Keeps a blob's file from reuse while its reader lives.
struct ReaderGuard {
    files: Arc<Files>,
    id: String,
}

impl Drop for ReaderGuard {
    fn drop(&mut self) {
        let mut state = self.files.state.lock();
        if let Some(n) = state.readers.get_mut(&self.id) {
            *n -= 1;
            if *n == 0 {
                state.readers.remove(&self.id);
            }
        }
    }
}

/// A blob file being written at its final path. Dropped before
/// [`publish`](PendingFile::publish), it removes the file.
struct PendingFile {
    file: std::fs::File,
    path: PathBuf,
    /// The length of the spare file reused, whose content is written over.
    stale_len: u64,
    published: bool,
}

impl PendingFile {
    /// Creates the file of blob `id` (and its shard directory if needed), reusing a spare
    /// file when there is one.
    fn create(files: &Files, id: &str) -> std::io::Result<PendingFile> {
        let path = Blobs::path(&files.root, id);
        let (file, stale_len) = match files.take_spare(&path) {
            Some(reused) => reused,
            None => match std::fs::File::create(&path) {
                Ok(f) => (f, 0),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    std::fs::create_dir_all(path.parent().unwrap_or(&files.root))?;
                    (std::fs::File::create(&path)?, 0)
                }
                Err(e) => return Err(e),
            },
        };
        Ok(PendingFile {
            file,
            path,
            stale_len,
            published: false,
        })
    }

    /// The content is complete: with `fsync`, makes it and its directory entry durable.
    fn publish(mut self, fsync: bool) -> std::io::Result<()> {
        // Written sequentially from the start: the position is the content's length, and
        // what lies past it is a reused file's old content.
        let len = self.file.stream_position()?;
        if self.stale_len > len {
            self.file.set_len(len)?;
        }
        if fsync {
            self.file.sync_all()?;
            if let Some(dir) = self.path.parent() {
                std::fs::File::open(dir)?.sync_all()?;
            }
        }
        self.published = true;
        Ok(())
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        // An abandoned or failed write: nothing names the file.
        if !self.published {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A blob being written.
pub struct BlobWriter {
    blobs: Arc<Blobs>,
    id: String,
    /// Received data not yet written: the body's own buffers, written with one vectored
    /// call, never copied into a buffer of ours.
    pending: Vec<Bytes>,
    pending_len: usize,
    file: Option<PendingFile>,
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

    /// Appends `data`; spills to disk once more than `WRITE_BUFFER` bytes are pending (so
    /// a body of exactly that size is written once, by [`BlobWriter::finish`]).
    pub async fn write(&mut self, data: Bytes) -> S3Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        self.len += data.len() as u64;
        self.pending_len += data.len();
        self.pending.push(data);
        if self.pending_len > WRITE_BUFFER && matches!(*self.blobs, Blobs::Disk { .. }) {
            self.flush().await?;
        }
        Ok(())
    }

    /// The pending data as one buffer (a copy only when it arrived in several pieces).
    fn take_contiguous(&mut self) -> Bytes {
        self.pending_len = 0;
        match self.pending.len() {
            0 => Bytes::new(),
            1 => self.pending.pop().unwrap_or_default(),
            _ => {
                let mut all = BytesMut::with_capacity(self.pending.iter().map(Bytes::len).sum());
                for p in self.pending.drain(..) {
                    all.extend_from_slice(&p);
                }
                all.freeze()
            }
        }
    }

    async fn flush(&mut self) -> S3Result<()> {
        let Blobs::Disk { files, .. } = &*self.blobs else {
            return Ok(());
        };
        let data = std::mem::take(&mut self.pending);
        self.pending_len = 0;
        let file = self.file.take();
        let files = files.clone();
        let id = self.id.clone();
        let (file, res) = tokio::task::spawn_blocking(move || {
            let mut file = match file {
                Some(f) => f,
                None => match PendingFile::create(&files, &id) {
                    Ok(f) => f,
                    Err(e) => return (None, Err(e)),
                },
            };
            let r = write_all_vectored(&mut file.file, &data);
            (Some(file), r)
        })
        .await
        .map_err(S3Error::internal)?;
        self.file = file;
        res.map_err(S3Error::from)
    }

    /// Makes the blob durable (per the durability mode) under its id, or stages a small
    /// one; returns the id and length.
    pub async fn finish(mut self) -> S3Result<(String, u64)> {
        let blobs = self.blobs.clone();
        match &*blobs {
            Blobs::Memory(m) => {
                let data = self.take_contiguous();
                m.lock().insert(self.id.clone(), data);
                Ok((std::mem::take(&mut self.id), self.len))
            }
            Blobs::Disk { small, .. } if self.file.is_none() && self.len <= INLINE_MAX => {
                let data = self.take_contiguous();
                Ok((small.stage(data), self.len))
            }
            Blobs::Disk { files, fsync, .. } => {
                let files = files.clone();
                let fsync = *fsync;
                let data = std::mem::take(&mut self.pending);
                let file = self.file.take();
                let id = std::mem::take(&mut self.id);
                let len = self.len;
                tokio::task::spawn_blocking(move || -> S3Result<(String, u64)> {
                    let mut f = match file {
                        Some(f) => f,
                        None => PendingFile::create(&files, &id)?,
                    };
                    write_all_vectored(&mut f.file, &data)?;
                    f.publish(fsync)?;
                    Ok((id, len))
                })
                .await
                .map_err(S3Error::internal)?
            }
        }
    }
}

/// Writes every buffer of `data`, in order, with as few system calls as the kernel allows.
fn write_all_vectored(file: &mut std::fs::File, data: &[Bytes]) -> std::io::Result<()> {
    // The kernel takes at most IOV_MAX (1024) buffers per call.
    for group in data.chunks(1024) {
        let mut slices: Vec<IoSlice<'_>> = group.iter().map(|b| IoSlice::new(b)).collect();
        let mut rest = &mut slices[..];
        while !rest.is_empty() {
            match file.write_vectored(rest) {
                Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
                Ok(n) => IoSlice::advance_slices(&mut rest, n),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

/// A blob opened for reading.
pub enum BlobReader {
    /// An open file.
    File(OpenFile),
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
            BlobReader::File(OpenFile { file: f, .. }) => {
                f.seek(SeekFrom::Start(start))?;
                let mut out = vec![0u8; len as usize];
                f.read_exact(&mut out)?;
                Ok(Bytes::from(out))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(dir: &Path) -> Arc<Blobs> {
        let (db, _) = db::open(dir, Durability::Process).unwrap();
        Arc::new(Blobs::open(dir, Durability::Process, Arc::new(db), 0).unwrap())
    }

    async fn put(blobs: &Arc<Blobs>, byte: u8, len: usize) -> String {
        let mut w = blobs.writer();
        w.write(Bytes::from(vec![byte; len])).await.unwrap();
        w.finish().await.unwrap().0
    }

    fn read_all(blobs: &Blobs, id: &str, len: u64) -> Bytes {
        blobs.open_reader(id).unwrap().read_range(0, len).unwrap()
    }

    fn spares(dir: &Path) -> usize {
        std::fs::read_dir(dir.join("spare")).unwrap().count()
    }

    #[tokio::test]
    async fn removed_files_are_reused_emptied_but_never_under_a_reader() {
        let tmp = tempfile::tempdir().unwrap();
        let blobs = store(tmp.path());
        let big = 300 * 1024;

        // A file nobody reads is kept as a spare, and the next blob takes it: a shorter
        // content leaves nothing of the longer one behind.
        let a = put(&blobs, b'a', big).await;
        blobs.remove(std::slice::from_ref(&a));
        assert_eq!(spares(tmp.path()), 1);
        let b = put(&blobs, b'b', big / 2 + 1).await;
        assert_eq!(spares(tmp.path()), 0);
        assert_eq!(
            read_all(&blobs, &b, (big / 2 + 1) as u64),
            vec![b'b'; big / 2 + 1]
        );
        let b_path = Blobs::path(tmp.path(), &b);
        assert_eq!(
            std::fs::metadata(&b_path).unwrap().len(),
            (big / 2 + 1) as u64
        );
        assert!(blobs.open_reader(&a).is_err());

        // A file being read is unlinked, not reused: the reader keeps its content even
        // while new blobs are written.
        let mut reader = blobs.open_reader(&b).unwrap();
        blobs.remove(std::slice::from_ref(&b));
        assert_eq!(spares(tmp.path()), 0);
        assert!(!b_path.exists());
        let c = put(&blobs, b'c', big).await;
        assert_eq!(
            reader.read_range(0, (big / 2 + 1) as u64).unwrap(),
            vec![b'b'; big / 2 + 1]
        );
        drop(reader);
        // Once the reader is gone, removal recycles again.
        blobs.remove(std::slice::from_ref(&c));
        assert_eq!(spares(tmp.path()), 1);

        // Spare files are unnamed: a restart clears them.
        drop(blobs);
        let _blobs = store(tmp.path());
        assert_eq!(spares(tmp.path()), 0);
    }
}
