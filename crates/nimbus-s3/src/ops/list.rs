//! ListObjects (v1), ListObjectsV2 and ListObjectVersions: prefix, delimiter with
//! CommonPrefixes, max-keys, markers and continuation tokens, `encoding-type=url`.
//! The pages come from [`crate::engine::listing`].

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use nimbus_wire::Response;
use nimbus_wire::xml::Writer;

use super::{Call, XMLNS, xml, xml_time};
use crate::engine::listing::{Entry, ListRequest};
use crate::error::{S3Error, S3Result};
use crate::model::ObjectMeta;
use crate::{Inner, limits};

/// Encodes a listed name for `encoding-type=url`.
fn enc(s: &str, url: bool) -> String {
    if url {
        form_urlencoded::byte_serialize(s.as_bytes()).collect()
    } else {
        s.to_owned()
    }
}

fn max_keys(call: &Call, name: &str) -> S3Result<usize> {
    match call.query.get(name) {
        None => Ok(limits::MAX_KEYS),
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) if n >= 0 => Ok((n as usize).min(limits::MAX_KEYS)),
            Ok(_) => Err(S3Error::invalid_argument_named(
                "Argument maxKeys must be an integer between 0 and 2147483647",
                "maxKeys",
                v,
            )),
            Err(_) => Err(S3Error::invalid_argument_named(
                "Provided max-keys not an integer or within integer range",
                "max-keys",
                v,
            )),
        },
    }
}

fn url_encoding(call: &Call) -> S3Result<bool> {
    match call.query.get("encoding-type") {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("url") => Ok(true),
        Some(v) => Err(S3Error::invalid_argument_named(
            "Invalid Encoding Method specified in Request",
            "encoding-type",
            v,
        )),
    }
}

fn contents(w: &mut Writer, key: &str, meta: &ObjectMeta, url: bool, owner: bool) {
    w.open("Contents");
    w.elem("Key", &enc(key, url));
    w.elem("LastModified", &xml_time(meta.last_modified));
    w.elem("ETag", &meta.quoted_etag());
    if let Some(c) = &meta.checksum {
        w.elem("ChecksumAlgorithm", c.algorithm.name());
        w.elem(
            "ChecksumType",
            if c.full_object {
                "FULL_OBJECT"
            } else {
                "COMPOSITE"
            },
        );
    }
    w.elem("Size", &meta.size.to_string());
    if owner {
        w.open("Owner")
            .elem("ID", &crate::acl::canonical_id(&meta.owner))
            .elem("DisplayName", &crate::acl::display_name(&meta.owner))
            .close("Owner");
    }
    w.elem(
        "StorageClass",
        meta.headers.storage_class.as_deref().unwrap_or("STANDARD"),
    );
    w.close("Contents");
}

/// `GET /{bucket}` (v1) and `GET /{bucket}?list-type=2` (v2).
pub async fn list_objects(inner: &Inner, call: &mut Call, v2: bool) -> S3Result<Response> {
    let bucket = call.bucket()?.to_owned();
    let prefix = call.query.get("prefix").unwrap_or("").to_owned();
    let delimiter = call.query.get("delimiter").unwrap_or("").to_owned();
    let max = max_keys(call, "max-keys")?;
    let url = url_encoding(call)?;
    let token = match call.query.get("continuation-token").filter(|_| v2) {
        None => None,
        Some(t) => Some(
            B64.decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| {
                    S3Error::invalid_argument_named(
                        "The continuation token provided is incorrect",
                        "continuation-token",
                        t,
                    )
                })?,
        ),
    };
    let start_after = if v2 {
        call.query.get("start-after").map(str::to_owned)
    } else {
        call.query.get("marker").map(str::to_owned)
    };
    let effective = match (&token, &start_after) {
        (Some(t), Some(s)) => Some(t.max(s).clone()),
        (Some(t), None) => Some(t.clone()),
        (None, s) => s.clone(),
    };
    let page = inner.engine.list_objects(
        &bucket,
        &ListRequest {
            prefix: &prefix,
            delimiter: &delimiter,
            start_after: effective.as_deref(),
            max,
        },
    )?;
    let mut w = Writer::with_declaration();
    w.open_ns("ListBucketResult", XMLNS);
    w.elem("Name", &bucket);
    w.elem("Prefix", &enc(&prefix, url));
    if v2 {
        if let Some(t) = call.query.get("continuation-token") {
            w.elem("ContinuationToken", t);
        }
        if page.truncated
            && let Some(last) = page.entries.last()
        {
            w.elem("NextContinuationToken", &B64.encode(last.name()));
        }
        w.elem("KeyCount", &page.entries.len().to_string());
    } else {
        w.elem("Marker", &enc(start_after.as_deref().unwrap_or(""), url));
        if page.truncated
            && !delimiter.is_empty()
            && let Some(last) = page.entries.last()
        {
            w.elem("NextMarker", &enc(last.name(), url));
        }
    }
    w.elem("MaxKeys", &max.to_string());
    if !delimiter.is_empty() {
        w.elem("Delimiter", &enc(&delimiter, url));
    }
    w.elem("IsTruncated", if page.truncated { "true" } else { "false" });
    if v2 && let Some(s) = &start_after {
        w.elem("StartAfter", &enc(s, url));
    }
    let fetch_owner = !v2 || call.query.get("fetch-owner") == Some("true");
    for e in &page.entries {
        if let Entry::Object(k, m) = e {
            contents(&mut w, k, m, url, fetch_owner);
        }
    }
    for e in &page.entries {
        if let Entry::Prefix(p) = e {
            w.open("CommonPrefixes")
                .elem("Prefix", &enc(p, url))
                .close("CommonPrefixes");
        }
    }
    if url {
        w.elem("EncodingType", "url");
    }
    w.close("ListBucketResult");
    Ok(xml(w.finish()))
}

/// `GET /{bucket}?versions`: buckets are unversioned, so every object is its only
/// version, `null`.
pub async fn list_object_versions(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let bucket = call.bucket()?.to_owned();
    let prefix = call.query.get("prefix").unwrap_or("").to_owned();
    let delimiter = call.query.get("delimiter").unwrap_or("").to_owned();
    let max = max_keys(call, "max-keys")?;
    let url = url_encoding(call)?;
    let marker = call.query.get("key-marker").map(str::to_owned);
    let page = inner.engine.list_objects(
        &bucket,
        &ListRequest {
            prefix: &prefix,
            delimiter: &delimiter,
            start_after: marker.as_deref(),
            max,
        },
    )?;
    let mut w = Writer::with_declaration();
    w.open_ns("ListVersionsResult", XMLNS);
    w.elem("Name", &bucket);
    w.elem("Prefix", &enc(&prefix, url));
    w.elem("KeyMarker", &enc(marker.as_deref().unwrap_or(""), url));
    w.elem("VersionIdMarker", "");
    if page.truncated
        && let Some(last) = page.entries.last()
    {
        w.elem("NextKeyMarker", &enc(last.name(), url));
        w.elem("NextVersionIdMarker", "null");
    }
    w.elem("MaxKeys", &max.to_string());
    if !delimiter.is_empty() {
        w.elem("Delimiter", &enc(&delimiter, url));
    }
    w.elem("IsTruncated", if page.truncated { "true" } else { "false" });
    for e in &page.entries {
        if let Entry::Object(k, m) = e {
            w.open("Version");
            w.elem("Key", &enc(k, url));
            w.elem("VersionId", "null");
            w.elem("IsLatest", "true");
            w.elem("LastModified", &xml_time(m.last_modified));
            w.elem("ETag", &m.quoted_etag());
            w.elem("Size", &m.size.to_string());
            w.elem(
                "StorageClass",
                m.headers.storage_class.as_deref().unwrap_or("STANDARD"),
            );
            w.open("Owner")
                .elem("ID", &crate::acl::canonical_id(&m.owner))
                .elem("DisplayName", &crate::acl::display_name(&m.owner))
                .close("Owner");
            w.close("Version");
        }
    }
    for e in &page.entries {
        if let Entry::Prefix(p) = e {
            w.open("CommonPrefixes")
                .elem("Prefix", &enc(p, url))
                .close("CommonPrefixes");
        }
    }
    if url {
        w.elem("EncodingType", "url");
    }
    w.close("ListVersionsResult");
    Ok(xml(w.finish()))
}
