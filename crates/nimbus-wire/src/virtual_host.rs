//! S3's virtual-hosted-style addressing: the bucket a `Host` header names.
//!
//! Shared by the S3 service (which splits bucket and key) and Signature Version 2 (whose
//! canonical resource starts with the bucket the `Host` names), so both read a host alike.

/// The bucket named by a virtual-hosted-style `host`: `<bucket>.s3.<anything>`,
/// `<bucket>.localhost[:port]`, `<bucket>.s3.localhost.localstack.cloud[:port]`.
pub fn bucket_from_host(host: &str) -> Option<&str> {
    let host = strip_port(host);
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return None;
    }
    if let Some(prefix) = host.strip_suffix(".localhost") {
        let prefix = prefix.strip_suffix(".s3").unwrap_or(prefix);
        return (!prefix.is_empty() && prefix != "s3").then_some(prefix);
    }
    // The last `.s3.` (or `.s3-<region>.`) separates bucket and endpoint.
    let idx = host.rfind(".s3.").or_else(|| host.rfind(".s3-"))?;
    let bucket = &host[..idx];
    (!bucket.is_empty()).then_some(bucket)
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host;
    }
    match host.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}
