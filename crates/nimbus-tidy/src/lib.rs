//! Tidy checks: ARCHITECTURE.md's invariants about the source tree, as functions over text.
//!
//! Each checker takes source or manifest text and returns what violates its rule, so it can
//! be tested on small synthetic inputs here and run on the real tree by `tests/tidy.rs`
//! (which `cargo test` runs). Nothing here parses Rust fully: [`lex`] masks comments and
//! string literals, which is enough to find paths, braces and `#[cfg(test)]` items.

pub mod deps;
pub mod files;
pub mod layers;
pub mod lex;
pub mod modules;
pub mod ops;

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, recursively, sorted, as (path relative to `dir` with `/`
/// separators, contents).
pub fn read_rs_files(dir: &Path) -> std::io::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((rel, std::fs::read_to_string(&path)?));
            }
        }
    }
    out.sort();
    Ok(out)
}
