//! The additional checksums S3 accepts and returns (`x-amz-checksum-*`), computed as the
//! content streams.
//!
//! CRCs come from `crc-fast` (SIMD, with `checksum_combine` for full-object multipart
//! checksums); SHA-1 and SHA-256 from RustCrypto. Values go on the wire as base64 of the
//! big-endian digest, as the SDKs send them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use crc_fast::CrcAlgorithm;
use sha1::Digest as _;

/// A checksum algorithm of `x-amz-checksum-algorithm` / `x-amz-sdk-checksum-algorithm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChecksumAlgorithm {
    /// CRC-32 (ISO-HDLC, as zlib).
    Crc32,
    /// CRC-32C (Castagnoli).
    Crc32c,
    /// CRC-64/NVME.
    Crc64Nvme,
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
}

impl ChecksumAlgorithm {
    /// Every algorithm.
    pub const ALL: [ChecksumAlgorithm; 5] = [
        ChecksumAlgorithm::Crc32,
        ChecksumAlgorithm::Crc32c,
        ChecksumAlgorithm::Crc64Nvme,
        ChecksumAlgorithm::Sha1,
        ChecksumAlgorithm::Sha256,
    ];

    /// The name in `x-amz-checksum-algorithm` (`CRC32`, `CRC64NVME`…).
    pub fn name(self) -> &'static str {
        match self {
            ChecksumAlgorithm::Crc32 => "CRC32",
            ChecksumAlgorithm::Crc32c => "CRC32C",
            ChecksumAlgorithm::Crc64Nvme => "CRC64NVME",
            ChecksumAlgorithm::Sha1 => "SHA1",
            ChecksumAlgorithm::Sha256 => "SHA256",
        }
    }

    /// Parses an algorithm name, case-insensitively.
    pub fn parse(s: &str) -> Option<ChecksumAlgorithm> {
        Self::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(s.trim()))
    }

    /// The header carrying a value: `x-amz-checksum-crc32`…
    pub fn header(self) -> &'static str {
        match self {
            ChecksumAlgorithm::Crc32 => "x-amz-checksum-crc32",
            ChecksumAlgorithm::Crc32c => "x-amz-checksum-crc32c",
            ChecksumAlgorithm::Crc64Nvme => "x-amz-checksum-crc64nvme",
            ChecksumAlgorithm::Sha1 => "x-amz-checksum-sha1",
            ChecksumAlgorithm::Sha256 => "x-amz-checksum-sha256",
        }
    }

    /// The algorithm whose header is `name` (lower-case).
    pub fn from_header(name: &str) -> Option<ChecksumAlgorithm> {
        Self::ALL
            .into_iter()
            .find(|a| a.header().eq_ignore_ascii_case(name.trim()))
    }

    /// The XML element naming a value (`ChecksumCRC32`…).
    pub fn xml_name(self) -> &'static str {
        match self {
            ChecksumAlgorithm::Crc32 => "ChecksumCRC32",
            ChecksumAlgorithm::Crc32c => "ChecksumCRC32C",
            ChecksumAlgorithm::Crc64Nvme => "ChecksumCRC64NVME",
            ChecksumAlgorithm::Sha1 => "ChecksumSHA1",
            ChecksumAlgorithm::Sha256 => "ChecksumSHA256",
        }
    }

    /// The digest length in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            ChecksumAlgorithm::Crc32 | ChecksumAlgorithm::Crc32c => 4,
            ChecksumAlgorithm::Crc64Nvme => 8,
            ChecksumAlgorithm::Sha1 => 20,
            ChecksumAlgorithm::Sha256 => 32,
        }
    }

    /// Whether this is a CRC (whose multipart checksum can be full-object).
    pub fn is_crc(self) -> bool {
        matches!(
            self,
            ChecksumAlgorithm::Crc32 | ChecksumAlgorithm::Crc32c | ChecksumAlgorithm::Crc64Nvme
        )
    }

    fn crc(self) -> Option<CrcAlgorithm> {
        match self {
            ChecksumAlgorithm::Crc32 => Some(CrcAlgorithm::Crc32IsoHdlc),
            ChecksumAlgorithm::Crc32c => Some(CrcAlgorithm::Crc32Iscsi),
            ChecksumAlgorithm::Crc64Nvme => Some(CrcAlgorithm::Crc64Nvme),
            _ => None,
        }
    }

    /// The checksum of `data`, base64.
    pub fn digest(self, data: &[u8]) -> String {
        let mut h = Hasher::new(self);
        h.update(data);
        h.finish()
    }
}

/// A running checksum.
pub enum Hasher {
    /// A CRC.
    Crc(ChecksumAlgorithm, crc_fast::Digest),
    /// SHA-1.
    Sha1(sha1::Sha1),
    /// SHA-256.
    Sha256(sha2::Sha256),
}

impl Hasher {
    /// A hasher for `algo`.
    pub fn new(algo: ChecksumAlgorithm) -> Hasher {
        match algo.crc() {
            Some(c) => Hasher::Crc(algo, crc_fast::Digest::new(c)),
            None if algo == ChecksumAlgorithm::Sha1 => Hasher::Sha1(sha1::Sha1::new()),
            None => Hasher::Sha256(sha2::Sha256::new()),
        }
    }

    /// The algorithm.
    pub fn algorithm(&self) -> ChecksumAlgorithm {
        match self {
            Hasher::Crc(a, _) => *a,
            Hasher::Sha1(_) => ChecksumAlgorithm::Sha1,
            Hasher::Sha256(_) => ChecksumAlgorithm::Sha256,
        }
    }

    /// Feeds `data`.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Crc(_, d) => d.update(data),
            Hasher::Sha1(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
        }
    }

    /// The raw digest bytes.
    pub fn finish_raw(self) -> Vec<u8> {
        match self {
            Hasher::Crc(a, d) => crc_bytes(a, d.finalize()),
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
        }
    }

    /// The digest, base64.
    pub fn finish(self) -> String {
        B64.encode(self.finish_raw())
    }
}

fn crc_bytes(algo: ChecksumAlgorithm, v: u64) -> Vec<u8> {
    if algo == ChecksumAlgorithm::Crc64Nvme {
        v.to_be_bytes().to_vec()
    } else {
        (v as u32).to_be_bytes().to_vec()
    }
}

/// Decodes a base64 checksum value into its integer (CRCs only).
fn crc_value(algo: ChecksumAlgorithm, b64: &str) -> Option<u64> {
    let raw = B64.decode(b64).ok()?;
    if raw.len() != algo.digest_len() {
        return None;
    }
    Some(raw.iter().fold(0u64, |acc, b| (acc << 8) | *b as u64))
}

/// Whether `b64` is a well-formed value for `algo` (base64 of the right length).
pub fn is_well_formed(algo: ChecksumAlgorithm, b64: &str) -> bool {
    B64.decode(b64.trim())
        .map(|r| r.len() == algo.digest_len())
        .unwrap_or(false)
}

/// The full-object CRC of parts given as `(crc base64, length)` in order, by CRC combination.
pub fn combine_crc(algo: ChecksumAlgorithm, parts: &[(String, u64)]) -> Option<String> {
    let crc = algo.crc()?;
    let mut acc: Option<u64> = None;
    for (value, len) in parts {
        let v = crc_value(algo, value)?;
        acc = Some(match acc {
            None => v,
            Some(a) => crc_fast::checksum_combine(crc, a, v, *len),
        });
    }
    let v = acc.unwrap_or_else(|| crc_fast::checksum(crc, b""));
    Some(B64.encode(crc_bytes(algo, v)))
}

/// The composite multipart checksum: the checksum of the concatenated raw part checksums,
/// followed by `-<part count>`.
pub fn composite(algo: ChecksumAlgorithm, parts: &[String]) -> Option<String> {
    let mut h = Hasher::new(algo);
    for p in parts {
        h.update(&B64.decode(p).ok()?);
    }
    Some(format!("{}-{}", h.finish(), parts.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // Values the AWS SDKs produce for "Hello world".
        let data = b"Hello world";
        assert_eq!(ChecksumAlgorithm::Crc32.digest(data), "i9aeUg==");
        // CRC-32C check value of "123456789" is 0xE3069283.
        assert_eq!(
            B64.decode(ChecksumAlgorithm::Crc32c.digest(b"123456789"))
                .unwrap(),
            0xE3069283u32.to_be_bytes()
        );
        assert_eq!(
            ChecksumAlgorithm::Sha1.digest(data),
            "e1AsOh9IyGCa4hLN+2Od7jlnP14="
        );
        assert_eq!(
            ChecksumAlgorithm::Sha256.digest(data),
            "ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw="
        );
        // CRC-64/NVME check value of "123456789" is 0xAE8B14860A799888.
        let v = ChecksumAlgorithm::Crc64Nvme.digest(b"123456789");
        assert_eq!(B64.decode(v).unwrap(), 0xAE8B14860A799888u64.to_be_bytes());
    }

    #[test]
    fn combines() {
        for algo in [
            ChecksumAlgorithm::Crc32,
            ChecksumAlgorithm::Crc32c,
            ChecksumAlgorithm::Crc64Nvme,
        ] {
            let whole = algo.digest(b"hello, world");
            let parts = vec![(algo.digest(b"hello"), 5), (algo.digest(b", world"), 7)];
            assert_eq!(combine_crc(algo, &parts).unwrap(), whole);
        }
    }
}
