//! The canonical request: path normalisation and encoding per service, the canonical query
//! and headers (whitespace folded as botocore and the Java SDKs do), the signed payload hash.

use super::*;

/// Removes dot segments (RFC 3986 §5.2.4) and empty segments from an absolute path, as
/// SigV4 normalises the paths of every service but S3.
pub(super) fn normalize_path(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let mut result = String::with_capacity(path.len() + 1);
    result.push('/');
    result.push_str(&out.join("/"));
    let trailing = ["/", "/.", "/.."].iter().any(|end| path.ends_with(end));
    if trailing && !result.ends_with('/') {
        result.push('/');
    }
    result
}

/// The canonical URI: S3's path as sent; for the others the normalised path encoded again.
pub(super) fn canonical_uri(uri: &Uri, s3: bool) -> String {
    let path = uri.path();
    let path = if path.is_empty() { "/" } else { path };
    if s3 {
        path.to_owned()
    } else {
        utf8_percent_encode(&normalize_path(path), AWS_PATH_ENCODE).to_string()
    }
}

/// Decodes one query component: `+` is a space, `%XX` a byte (invalid escapes stay literal).
pub(super) fn decode_query_component(s: &str) -> Vec<u8> {
    let plus_free = s.replace('+', " ");
    percent_decode(plus_free.as_bytes()).collect()
}

pub(super) fn encode_bytes(bytes: &[u8]) -> String {
    percent_encode(bytes, AWS_URI_ENCODE).to_string()
}

/// The canonical query string: every parameter (for presigned URLs all but
/// `X-Amz-Signature`) decoded, re-encoded with SigV4's rules and sorted by name then value.
pub(super) fn canonical_query(query: &str, presigned: bool) -> String {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for piece in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
        let name = decode_query_component(name);
        if presigned && name == b"X-Amz-Signature" {
            continue;
        }
        pairs.push((
            encode_bytes(&name),
            encode_bytes(&decode_query_component(value)),
        ));
    }
    pairs.sort();
    let mut out = String::with_capacity(query.len() + 16);
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// A presigned query parameter, decoded (`X-Amz-Content-Sha256`, ...).
pub(super) fn query_param(uri: &Uri, wanted: &str) -> Option<String> {
    let q = uri.query()?;
    q.split('&').find_map(|piece| {
        let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
        (decode_query_component(name) == wanted.as_bytes())
            .then(|| String::from_utf8_lossy(&decode_query_component(value)).into_owned())
    })
}

/// Trims a header value and collapses each inner run of whitespace into one space.
pub(super) fn push_trimmed(out: &mut Vec<u8>, value: &[u8]) {
    let mut words = value
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty());
    if let Some(first) = words.next() {
        out.extend_from_slice(first);
        for w in words {
            out.push(b' ');
            out.extend_from_slice(w);
        }
    }
}

/// Appends `name:value\n` for each signed header: values trimmed, several joined with `,`.
/// `host` falls back to the URI's authority (HTTP/2's `:authority`).
pub(super) fn push_canonical_headers(
    out: &mut Vec<u8>,
    names: &[String],
    headers: &HeaderMap,
    uri: &Uri,
) {
    for name in names {
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        let values: Vec<&[u8]> = match HeaderName::from_bytes(name.as_bytes()) {
            Ok(h) => headers.get_all(h).iter().map(|v| v.as_bytes()).collect(),
            Err(_) => Vec::new(),
        };
        if let (true, "host", Some(authority)) = (values.is_empty(), name.as_str(), uri.authority())
        {
            out.extend_from_slice(authority.as_str().as_bytes());
        }
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            push_trimmed(out, v);
        }
        out.push(b'\n');
    }
}

/// The payload hash the client signed (see the module documentation).
pub(super) fn signed_payload_hash(sig: &Signature, uri: &Uri, payload_sha256: &str) -> String {
    match sig.location {
        Location::Header => payload_sha256.to_owned(),
        Location::Query { .. } => query_param(uri, "X-Amz-Content-Sha256").unwrap_or_else(|| {
            if sig.credential.service == "s3" {
                UNSIGNED_PAYLOAD.to_owned()
            } else {
                payload_sha256.to_owned()
            }
        }),
    }
}

/// The canonical request of SigV4 for `sig` over the request (bytes, since header values
/// need not be UTF-8).
pub(super) fn canonical_request(
    sig: &Signature,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    payload_hash: &str,
) -> Vec<u8> {
    let s3 = sig.credential.service == "s3";
    let presigned = matches!(sig.location, Location::Query { .. });
    let names: Vec<String> = sig
        .signed_headers
        .iter()
        .map(|n| n.to_ascii_lowercase())
        .collect();
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(method.as_str().as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_uri(uri, s3).as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_query(uri.query().unwrap_or(""), presigned).as_bytes());
    out.push(b'\n');
    push_canonical_headers(&mut out, &names, headers, uri);
    out.push(b'\n');
    out.extend_from_slice(names.join(";").as_bytes());
    out.push(b'\n');
    out.extend_from_slice(payload_hash.as_bytes());
    out
}
