//! Deployment packages: safe extraction of uploaded zips and their digests.
//!
//! No entry may leave the function's directory: names are taken through
//! [`zip::read::ZipFile::enclosed_name`] (no `..`, no absolute paths), symbolic links are
//! created only when their target stays inside, and the unzipped size and entry count are
//! capped as AWS caps them (250 MB unzipped). Bytes are counted as they are written, so a
//! zip whose headers lie about sizes cannot get past the cap either.

use std::io::{Cursor, Read, Write};
use std::path::{Component, Path, PathBuf};

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::error::{LambdaError, LambdaErrorCode};

/// AWS's limit on a package's unzipped size (`CodeSizeUnzipped`).
pub const MAX_UNZIPPED_BYTES: u64 = 262_144_000;
/// AWS's limit on a zipped package uploaded directly (`CodeSizeZipped`).
pub const MAX_ZIPPED_BYTES: u64 = 52_428_800;
/// The most entries a package may have.
pub const MAX_ENTRIES: usize = 50_000;

/// `CodeSha256`: base64 of the SHA-256 of `bytes`.
pub fn sha256_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}

/// SHA-256 of `bytes` as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn unzip_error() -> LambdaError {
    LambdaError::new(
        LambdaErrorCode::InvalidParameterValue,
        "Could not unzip uploaded file. Please check your file, then try to upload again.",
    )
}

fn too_large() -> LambdaError {
    LambdaError::new(
        LambdaErrorCode::InvalidParameterValue,
        format!("Unzipped size must be smaller than {MAX_UNZIPPED_BYTES} bytes"),
    )
}

fn io_error(e: std::io::Error) -> LambdaError {
    LambdaError::new(
        LambdaErrorCode::Service,
        format!("cannot write the function's code: {e}"),
    )
}

/// Whether `target`, a symlink's target relative to the link at `link` (relative to the
/// root), stays inside the root.
fn link_stays_inside(link: &Path, target: &Path) -> bool {
    if target.is_absolute() {
        return false;
    }
    let mut depth: i64 = link.components().count() as i64 - 1;
    for c in target.components() {
        match c {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            _ => return false,
        }
        if depth < 0 {
            return false;
        }
    }
    true
}

/// Extracts the zip `bytes` into `dest` (created; must not exist). Returns the unzipped size.
/// On any error nothing is left at `dest`.
pub fn extract(bytes: &[u8], dest: &Path) -> Result<u64, LambdaError> {
    let parent = dest.parent().ok_or_else(|| {
        LambdaError::new(LambdaErrorCode::Service, "code directory has no parent")
    })?;
    std::fs::create_dir_all(parent).map_err(io_error)?;
    let staging = tempfile::Builder::new()
        .prefix(".extract-")
        .tempdir_in(parent)
        .map_err(io_error)?;
    let total = extract_into(bytes, staging.path())?;
    let staged = staging.keep();
    std::fs::rename(&staged, dest).map_err(|e| {
        let _ = std::fs::remove_dir_all(&staged);
        io_error(e)
    })?;
    Ok(total)
}

fn extract_into(bytes: &[u8], root: &Path) -> Result<u64, LambdaError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| unzip_error())?;
    if archive.len() > MAX_ENTRIES {
        return Err(LambdaError::new(
            LambdaErrorCode::InvalidParameterValue,
            format!("The deployment package has more than {MAX_ENTRIES} entries."),
        ));
    }
    let mut total: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|_| unzip_error())?;
        let Some(rel) = entry.enclosed_name() else {
            return Err(unzip_error());
        };
        if rel.as_os_str().is_empty() {
            continue;
        }
        let path: PathBuf = root.join(&rel);
        if entry.is_dir() {
            std::fs::create_dir_all(&path).map_err(io_error)?;
            continue;
        }
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).map_err(io_error)?;
        }
        if entry.is_symlink() {
            let mut target = String::new();
            entry
                .by_ref()
                .take(4096)
                .read_to_string(&mut target)
                .map_err(|_| unzip_error())?;
            let target = PathBuf::from(target);
            if !link_stays_inside(&rel, &target) {
                return Err(LambdaError::new(
                    LambdaErrorCode::InvalidParameterValue,
                    format!(
                        "The deployment package's symbolic link {} points outside the package.",
                        rel.display()
                    ),
                ));
            }
            let _ = std::fs::remove_file(&path);
            std::os::unix::fs::symlink(&target, &path).map_err(io_error)?;
            continue;
        }
        if entry.size() > MAX_UNZIPPED_BYTES.saturating_sub(total) {
            return Err(too_large());
        }
        let mode = entry.unix_mode().unwrap_or(0o644);
        // Never through an existing link (a later entry named like an earlier link).
        if std::fs::symlink_metadata(&path).is_ok() {
            std::fs::remove_file(&path).map_err(io_error)?;
        }
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(io_error)?;
        loop {
            let n = entry.read(&mut buf).map_err(|_| unzip_error())?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > MAX_UNZIPPED_BYTES {
                return Err(too_large());
            }
            out.write_all(&buf[..n]).map_err(io_error)?;
        }
        use std::os::unix::fs::PermissionsExt;
        // Keep the executable bits (a `bootstrap` must stay runnable); never setuid/setgid,
        // never writable by others.
        let perm = if mode & 0o111 != 0 { 0o755 } else { 0o644 };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(perm)).map_err(io_error)?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use zip::write::SimpleFileOptions;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in entries {
            w.start_file(*name, SimpleFileOptions::default().unix_permissions(0o755))
                .unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn extracts_nested_files_with_modes() {
        let t = tempfile::tempdir().unwrap();
        let dest = t.path().join("fn");
        let n = extract(
            &zip_of(&[("a/b.py", b"x=1"), ("bootstrap", b"#!/bin/sh")]),
            &dest,
        )
        .unwrap();
        assert_eq!(n, 12);
        assert_eq!(std::fs::read(dest.join("a/b.py")).unwrap(), b"x=1");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dest.join("bootstrap"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
    }

    #[test]
    fn refuses_escapes_and_garbage() {
        let t = tempfile::tempdir().unwrap();
        let dest = t.path().join("fn");
        assert!(extract(&zip_of(&[("../evil", b"x")]), &dest).is_err());
        assert!(!dest.exists());
        assert!(!t.path().join("evil").exists());
        assert!(extract(b"not a zip", &dest).is_err());
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        w.add_symlink("link", "../../etc/passwd", SimpleFileOptions::default())
            .unwrap();
        let z = w.finish().unwrap().into_inner();
        assert!(extract(&z, &dest).is_err());
        assert!(!dest.exists());
    }

    #[test]
    fn symlinks_inside_are_kept() {
        assert!(link_stays_inside(Path::new("a/link"), Path::new("../b")));
        assert!(!link_stays_inside(
            Path::new("a/link"),
            Path::new("../../b")
        ));
        assert!(!link_stays_inside(Path::new("link"), Path::new("/etc")));
    }
}
