//! CopyObject and UploadPartCopy: `x-amz-copy-source`, copy-source conditions, metadata
//! and tagging directives, within and across buckets.

use nimbus_wire::Response;
use nimbus_wire::xml::Writer;
use percent_encoding::percent_decode_str;

use super::objects::{
    check_key, content_headers, preconditions, refuse_sse_c, tagging_header, write_conditions,
};
use super::{Call, XMLNS, set, xml, xml_time};
use crate::checksum::ChecksumAlgorithm;
use crate::engine::copy::{CopyOp, CopySource, OpenedSource};
use crate::engine::version_id;
use crate::error::{S3Error, S3Result};
use crate::model::{ObjectMeta, Part, StoredChecksum};
use crate::{Inner, limits};

/// Parses `x-amz-copy-source`: `[/]bucket/key[?versionId=…]`, URL-encoded.
fn copy_source(call: &Call) -> S3Result<CopySource> {
    let raw = call.header("x-amz-copy-source").unwrap_or("");
    let (path, query) = match raw.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (raw, None),
    };
    let version = query.and_then(version_id::in_copy_source_query);
    let decoded = percent_decode_str(path).decode_utf8_lossy().into_owned();
    let trimmed = decoded.strip_prefix('/').unwrap_or(&decoded);
    match trimmed.split_once('/') {
        Some((b, k)) if !b.is_empty() && !k.is_empty() => Ok(CopySource {
            bucket: b.to_owned(),
            key: k.to_owned(),
            version,
        }),
        _ => Err(S3Error::invalid_argument_named(
            "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
            "x-amz-copy-source",
            raw,
        )),
    }
}

/// The `x-amz-copy-source-if-*` headers, in [`super::objects::preconditions`]' order.
const COPY_CONDITIONS: [&str; 4] = [
    "x-amz-copy-source-if-match",
    "x-amz-copy-source-if-none-match",
    "x-amz-copy-source-if-modified-since",
    "x-amz-copy-source-if-unmodified-since",
];

/// Parses the copy source and looks it up for `op` (its version id and conditions
/// checked, its content opened).
fn open_source(inner: &Inner, call: &Call, op: CopyOp) -> S3Result<(CopySource, OpenedSource)> {
    let src = copy_source(call)?;
    // Reading the source is the caller's right in the source bucket (its policy, its owner).
    let action = if src.version.is_some() {
        "s3:GetObjectVersion"
    } else {
        "s3:GetObject"
    };
    super::access::check_object(inner, call, &src.bucket, &src.key, action)?;
    let conditions = preconditions(&call.headers, &COPY_CONDITIONS);
    let opened = match inner.engine.open_copy_source(&src, op, &conditions) {
        Err(S3Error::NoSuchKey(_)) if !super::access::may_list(inner, call, &src.bucket) => {
            return Err(S3Error::AccessDenied);
        }
        other => other?,
    };
    Ok((src, opened))
}

fn directive(call: &Call, name: &str) -> S3Result<bool> {
    match call.header(name) {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("COPY") => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("REPLACE") => Ok(true),
        Some(v) => Err(S3Error::invalid_argument_named(
            format!("Unknown {name}: {v}"),
            name,
            v,
        )),
    }
}

/// `PUT /{bucket}/{key}` with `x-amz-copy-source`.
pub async fn copy_object(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let bucket = call.bucket()?.to_owned();
    let key = call.key()?.to_owned();
    check_key(&key)?;
    refuse_sse_c(call)?;
    inner.engine.check_bucket(&bucket)?;
    let replace_meta = directive(call, "x-amz-metadata-directive")?;
    let replace_tags = directive(call, "x-amz-tagging-directive")?;
    let (source, OpenedSource { meta: src, reader }) = open_source(inner, call, CopyOp::Object)?;
    let (sb, sk) = (source.bucket, source.key);
    if src.size > limits::MAX_PUT_SIZE {
        return Err(S3Error::InvalidRequest(format!(
            "The specified copy source is larger than the maximum allowable size for a copy source: {}",
            limits::MAX_PUT_SIZE
        )));
    }
    let new_class = call.header("x-amz-storage-class").is_some();
    if sb == bucket
        && sk == key
        && !replace_meta
        && !new_class
        && call.header("x-amz-website-redirect-location").is_none()
        && call.header("x-amz-server-side-encryption").is_none()
    {
        return Err(S3Error::InvalidRequest(
            "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.".into(),
        ));
    }
    let mut headers = if replace_meta {
        content_headers(&call.headers)?
    } else {
        let mut h = src.headers.clone();
        if let Some(c) = call.header("x-amz-storage-class") {
            h.storage_class = (c != "STANDARD").then(|| c.to_owned());
        }
        h
    };
    if replace_meta
        && let Some(c) = &headers.storage_class
        && c == "STANDARD"
    {
        headers.storage_class = None;
    }
    let tags = if replace_tags {
        tagging_header(call)?
    } else {
        src.tags.clone()
    };
    let algo = match call.header("x-amz-checksum-algorithm") {
        Some(a) => ChecksumAlgorithm::parse(a).ok_or_else(|| {
            S3Error::invalid_argument_named(
                "Invalid checksum algorithm",
                "x-amz-checksum-algorithm",
                a,
            )
        })?,
        None => match &src.checksum {
            Some(c) if c.full_object => c.algorithm,
            _ => ChecksumAlgorithm::Crc64Nvme,
        },
    };
    // ACL and Object Ownership (ops/acl.rs): the copy gets the ACL asked for, not the
    // source's.
    let (owner, acl) = super::acl::for_write(inner, call, &call.headers, &bucket)?;
    let assembled = inner.engine.copy_content(reader, 0, src.size, algo).await?;
    let meta = ObjectMeta {
        blob: assembled.id.clone(),
        size: assembled.len,
        etag: assembled.md5_hex.clone().unwrap_or_default(),
        last_modified: inner.engine.now_millis(),
        headers,
        checksum: assembled.checksum.clone().map(|value| StoredChecksum {
            algorithm: algo,
            value,
            full_object: true,
        }),
        tags,
        parts: 0,
        owner,
        acl,
    };
    let meta = inner
        .engine
        .put_object(
            &call.ctx,
            &bucket,
            &key,
            meta,
            write_conditions(call),
            "s3:ObjectCreated:Copy",
        )
        .await?;
    let mut w = Writer::with_declaration();
    w.open_ns("CopyObjectResult", XMLNS);
    w.elem("LastModified", &xml_time(meta.last_modified));
    w.elem("ETag", &meta.quoted_etag());
    if let Some(c) = &meta.checksum {
        w.elem("ChecksumType", "FULL_OBJECT");
        w.elem(c.algorithm.xml_name(), &c.value);
    }
    w.close("CopyObjectResult");
    let mut r = xml(w.finish());
    set(&mut r, "x-amz-server-side-encryption", "AES256");
    Ok(r)
}

/// Parses `x-amz-copy-source-range: bytes=first-last` against a source of `size` bytes.
fn copy_range(call: &Call, size: u64) -> S3Result<(u64, u64)> {
    let Some(r) = call.header("x-amz-copy-source-range") else {
        return Ok((0, size));
    };
    let bad = || {
        S3Error::InvalidArgument {
            message: "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy".into(),
            argument: Some(("x-amz-copy-source-range".into(), r.to_owned())),
        }
    };
    let (a, b) = r
        .strip_prefix("bytes=")
        .and_then(|s| s.split_once('-'))
        .ok_or_else(bad)?;
    let (a, b): (u64, u64) = (
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    );
    if a > b {
        return Err(bad());
    }
    if b >= size {
        return Err(S3Error::InvalidRange {
            range: r.to_owned(),
            size,
        });
    }
    Ok((a, b - a + 1))
}

/// `PUT /{bucket}/{key}?partNumber&uploadId` with `x-amz-copy-source`.
pub async fn upload_part_copy(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let bucket = call.bucket()?.to_owned();
    let upload_id = call.query.get("uploadId").unwrap_or("").to_owned();
    let number = super::multipart::part_number(call)?;
    let algo = inner
        .engine
        .upload_algorithm(&bucket, &upload_id)?
        .unwrap_or(ChecksumAlgorithm::Crc64Nvme);
    let (_, OpenedSource { meta: src, reader }) = open_source(inner, call, CopyOp::Part)?;
    let (start, len) = copy_range(call, src.size)?;
    if len > limits::MAX_PUT_SIZE {
        return Err(S3Error::EntityTooLarge {
            proposed: len,
            max: limits::MAX_PUT_SIZE,
        });
    }
    let assembled = inner.engine.copy_content(reader, start, len, algo).await?;
    let part = Part {
        blob: assembled.id.clone(),
        size: assembled.len,
        etag: assembled.md5_hex.clone().unwrap_or_default(),
        last_modified: inner.engine.now_millis(),
        checksum: assembled.checksum.clone().map(|value| StoredChecksum {
            algorithm: algo,
            value,
            full_object: true,
        }),
    };
    let part = inner
        .engine
        .put_part(&bucket, &upload_id, number, part)
        .await?;
    let mut w = Writer::with_declaration();
    w.open_ns("CopyPartResult", XMLNS);
    w.elem("LastModified", &xml_time(part.last_modified));
    w.elem("ETag", &format!("\"{}\"", part.etag));
    if let Some(c) = &part.checksum {
        w.elem(c.algorithm.xml_name(), &c.value);
    }
    w.close("CopyPartResult");
    Ok(xml(w.finish()))
}
