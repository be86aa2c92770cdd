//! Where a request points: bucket and key from the `Host` header (virtual-hosted style) or
//! the path (path style), and bucket name rules.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

/// The bucket and key a request addresses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Target {
    /// The bucket, if any (`None` for `GET /`).
    pub bucket: Option<String>,
    /// The key, if any (`None` for `/bucket` and `/bucket/`).
    pub key: Option<String>,
    /// Whether the bucket came from the `Host` header.
    pub virtual_hosted: bool,
}

/// The bucket named by a virtual-hosted-style `host` (shared with Signature Version 2's
/// canonical resource, so both read a host alike).
pub use nimbus_wire::virtual_host::bucket_from_host;

/// Decodes a path segment: percent-decoding only (`+` stays `+`), lossless for UTF-8 keys.
fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Splits a request into bucket and key from `host` and the raw `path`.
pub fn target(host: &str, path: &str) -> Target {
    let path = path.strip_prefix('/').unwrap_or(path);
    if let Some(bucket) = bucket_from_host(host) {
        return Target {
            bucket: Some(bucket.to_owned()),
            key: (!path.is_empty()).then(|| decode(path)),
            virtual_hosted: true,
        };
    }
    if path.is_empty() {
        return Target::default();
    }
    match path.split_once('/') {
        None => Target {
            bucket: Some(decode(path)),
            key: None,
            virtual_hosted: false,
        },
        Some((b, k)) => Target {
            bucket: Some(decode(b)),
            key: (!k.is_empty()).then(|| decode(k)),
            virtual_hosted: false,
        },
    }
}

/// What [`target`] finds, without allocating unless the bucket carries escapes: the bucket
/// (decoded) and whether a key is addressed.
pub fn shape<'a>(host: &'a str, path: &'a str) -> (Option<Cow<'a, str>>, bool) {
    let path = path.strip_prefix('/').unwrap_or(path);
    if let Some(bucket) = bucket_from_host(host) {
        return (Some(Cow::Borrowed(bucket)), !path.is_empty());
    }
    if path.is_empty() {
        return (None, false);
    }
    match path.split_once('/') {
        None => (Some(percent_decode_str(path).decode_utf8_lossy()), false),
        Some((b, k)) => (
            Some(percent_decode_str(b).decode_utf8_lossy()),
            !k.is_empty(),
        ),
    }
}

/// Whether `name` follows the rules for new general purpose buckets: 3–63 characters of
/// lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit,
/// no `..`, not an IP address, and none of the reserved prefixes and suffixes.
pub fn is_valid_bucket_name(name: &str) -> bool {
    let b = name.as_bytes();
    if !(3..=63).contains(&b.len()) {
        return false;
    }
    if !b
        .iter()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'.' || *c == b'-')
    {
        return false;
    }
    let edge_ok = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    if !edge_ok(b[0]) || !edge_ok(b[b.len() - 1]) {
        return false;
    }
    if name.contains("..") || name.contains(".-") || name.contains("-.") {
        return false;
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return false;
    }
    const PREFIXES: [&str; 3] = ["xn--", "sthree-", "amzn-s3-demo-"];
    const SUFFIXES: [&str; 5] = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];
    !PREFIXES.iter().any(|p| name.starts_with(p)) && !SUFFIXES.iter().any(|s| name.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_hosts() {
        assert_eq!(
            bucket_from_host("b.s3.localhost.localstack.cloud:4566"),
            Some("b")
        );
        assert_eq!(
            bucket_from_host("my.bucket.s3.us-east-1.amazonaws.com"),
            Some("my.bucket")
        );
        assert_eq!(bucket_from_host("b.localhost:4566"), Some("b"));
        assert_eq!(bucket_from_host("b.localhost"), Some("b"));
        assert_eq!(bucket_from_host("localhost:4566"), None);
        assert_eq!(bucket_from_host("s3.localhost.localstack.cloud:4566"), None);
        assert_eq!(bucket_from_host("127.0.0.1:4566"), None);
        assert_eq!(bucket_from_host("s3.amazonaws.com"), None);
    }

    #[test]
    fn targets() {
        let t = target("localhost:1", "/b/a%20b/c+d//e/");
        assert_eq!(t.bucket.as_deref(), Some("b"));
        assert_eq!(t.key.as_deref(), Some("a b/c+d//e/"));
        let t = target("b.localhost:1", "/k/..%2F..");
        assert_eq!(t.bucket.as_deref(), Some("b"));
        assert_eq!(t.key.as_deref(), Some("k/../.."));
        assert_eq!(target("localhost", "/"), Target::default());
        let t = target("localhost", "/b/");
        assert_eq!((t.bucket.as_deref(), t.key), (Some("b"), None));
    }

    #[test]
    fn bucket_names() {
        assert!(is_valid_bucket_name("my-bucket.1"));
        for bad in [
            "ab",
            "My-Bucket",
            "-ab",
            "ab-",
            "a..b",
            "192.168.1.1",
            "xn--ab",
            "ab-s3alias",
            "a_b",
            &"a".repeat(64),
        ] {
            assert!(!is_valid_bucket_name(bad), "{bad}");
        }
    }
}
