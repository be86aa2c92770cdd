//! Function packages for the benchmarks: a zip of one file, base64 as the Lambda API takes it.

use std::io::{Cursor, Write};

use base64::Engine as _;
use zip::write::SimpleFileOptions;

/// A stored (uncompressed) zip holding `data` as `name` (mode 755 when `executable`).
pub fn zip_one(name: &str, data: &[u8], executable: bool) -> Vec<u8> {
    let mode = if executable { 0o755 } else { 0o644 };
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .unix_permissions(mode);
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    w.start_file(name, options).expect("zip entry");
    w.write_all(data).expect("zip data");
    w.finish().expect("zip").into_inner()
}

/// Standard base64 (a CreateFunction `ZipFile`).
pub fn base64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// Decodes standard base64 (a `LogResult`); invalid input gives nothing.
pub fn unbase64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .unwrap_or_default()
}
