//! The data directory's lock: one nimbus per data directory.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use fs2::FileExt;

/// How long a lock last held by this same process is waited for (see [`DataDirLock::acquire`]).
const SAME_PROCESS_WAIT: std::time::Duration = std::time::Duration::from_secs(2);
/// How often it is tried meanwhile.
const SAME_PROCESS_POLL: std::time::Duration = std::time::Duration::from_millis(10);

/// Held for as long as a sandbox uses a data directory; released on drop (and by the OS when
/// the process dies, so a killed nimbus never leaves a stale lock).
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
    path: PathBuf,
}

impl DataDirLock {
    /// Takes `<dir>/nimbus.lock`, creating the directory. Fails with a clear message naming
    /// the holder's pid when another process holds it; a lock last taken by this process is
    /// waited for up to 2 s first (a restart in the same process, where a forking child may
    /// still hold a copy of the released descriptor for a moment).
    pub fn acquire(dir: &Path) -> Result<DataDirLock, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create data directory {}: {e}", dir.display()))?;
        let path = dir.join("nimbus.lock");
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let mut waited = std::time::Duration::ZERO;
        while file.try_lock_exclusive().is_err() {
            let mut holder = String::new();
            let _ = file.seek(SeekFrom::Start(0));
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            // A sandbox of this very process held it (an in-process restart): its lock is
            // released on shutdown, but a child another thread is forking at that moment
            // holds a copy of the descriptor until its exec closes it, so wait briefly.
            if holder == std::process::id().to_string() && waited < SAME_PROCESS_WAIT {
                std::thread::sleep(SAME_PROCESS_POLL);
                waited += SAME_PROCESS_POLL;
                continue;
            }
            let who = if holder.is_empty() {
                String::new()
            } else {
                format!(" (pid {holder})")
            };
            return Err(format!(
                "data directory {} is in use by another nimbus{who}; stop it or choose another --data-dir",
                dir.display()
            ));
        }
        let _ = file.set_len(0);
        let _ = file.seek(SeekFrom::Start(0));
        let _ = write!(file, "{}", std::process::id());
        let _ = file.flush();
        Ok(DataDirLock { _file: file, path })
    }

    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_is_refused_until_released() {
        let dir = std::env::temp_dir().join(format!("nimbus-lock-test-{}", std::process::id()));
        let first = DataDirLock::acquire(&dir).unwrap();
        let err = DataDirLock::acquire(&dir).unwrap_err();
        assert!(err.contains("in use by another nimbus"), "{err}");
        drop(first);
        DataDirLock::acquire(&dir).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_restart_in_the_same_process_waits_for_the_release() {
        let dir = std::env::temp_dir().join(format!("nimbus-lock-restart-{}", std::process::id()));
        let first = DataDirLock::acquire(&dir).unwrap();
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(200));
            drop(first);
        });
        let started = std::time::Instant::now();
        DataDirLock::acquire(&dir).unwrap();
        assert!(started.elapsed() >= std::time::Duration::from_millis(150));
        releaser.join().unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
