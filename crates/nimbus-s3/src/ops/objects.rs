//! PutObject, GetObject, HeadObject, DeleteObject, and the header handling they share with
//! copies and multipart uploads.

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use http_body_util::BodyExt;
use nimbus_wire::Response;

use super::{Call, empty, set};
use crate::body::{IntakeSpec, Received, receive};
use crate::engine::objects::{
    BlobReader, Opened, Preconditions, READ_CHUNK, SMALL_READ, WriteConditions,
};
use crate::engine::version_id;
use crate::error::{S3Error, S3Result};
use crate::model::{ContentHeaders, ObjectMeta};
use crate::{Inner, limits};

/// Checks a key's length.
pub fn check_key(key: &str) -> S3Result<()> {
    if key.len() > limits::MAX_KEY_BYTES {
        return Err(S3Error::KeyTooLong);
    }
    Ok(())
}

/// The storage classes S3 accepts.
const STORAGE_CLASSES: &[&str] = &[
    "STANDARD",
    "REDUCED_REDUNDANCY",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER",
    "DEEP_ARCHIVE",
    "OUTPOSTS",
    "GLACIER_IR",
    "SNOW",
    "EXPRESS_ONEZONE",
    "FSX_OPENZFS",
    "FSX_ONTAP",
];

/// Content headers, user metadata and storage class from a request.
pub fn content_headers(h: &HeaderMap) -> S3Result<ContentHeaders> {
    let get = |n: &str| h.get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let content_encoding = get("content-encoding").and_then(|v| {
        let rest: Vec<&str> = v
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty() && !p.eq_ignore_ascii_case("aws-chunked"))
            .collect();
        (!rest.is_empty()).then(|| rest.join(","))
    });
    let mut user_metadata = Vec::new();
    let mut meta_size = 0;
    for (name, value) in h {
        if let Some(n) = name.as_str().strip_prefix("x-amz-meta-") {
            let v = String::from_utf8_lossy(value.as_bytes()).into_owned();
            meta_size += n.len() + v.len();
            // A name sent twice is one entry, its values joined by commas (as S3 stores it).
            match user_metadata
                .iter_mut()
                .find(|(k, _): &&mut (String, String)| k == n)
            {
                Some((_, joined)) => {
                    joined.push(',');
                    joined.push_str(&v);
                }
                None => user_metadata.push((n.to_owned(), v)),
            }
        }
    }
    if meta_size > limits::MAX_USER_METADATA {
        return Err(S3Error::Other {
            status: StatusCode::BAD_REQUEST,
            code: "MetadataTooLarge",
            message: "Your metadata headers exceed the maximum allowed metadata size".into(),
        });
    }
    let storage_class = match get("x-amz-storage-class") {
        None => None,
        Some(s) if STORAGE_CLASSES.contains(&s.as_str()) => (s != "STANDARD").then_some(s),
        Some(_) => {
            return Err(S3Error::Other {
                status: StatusCode::BAD_REQUEST,
                code: "InvalidStorageClass",
                message: "The storage class you specified is not valid".into(),
            });
        }
    };
    Ok(ContentHeaders {
        content_type: get("content-type"),
        content_encoding,
        content_disposition: get("content-disposition"),
        content_language: get("content-language"),
        cache_control: get("cache-control"),
        expires: get("expires"),
        website_redirect: get("x-amz-website-redirect-location"),
        user_metadata,
        storage_class,
    })
}

/// Refuses SSE-C, which nimbus does not implement.
pub fn refuse_sse_c(call: &Call) -> S3Result<()> {
    if call
        .headers
        .contains_key("x-amz-server-side-encryption-customer-algorithm")
        || call
            .headers
            .contains_key("x-amz-copy-source-server-side-encryption-customer-algorithm")
    {
        return Err(S3Error::NotImplemented(
            "nimbus does not implement server-side encryption with customer-provided keys (SSE-C)"
                .into(),
        ));
    }
    Ok(())
}

/// Parses a tag set given as a query string (`x-amz-tagging`).
pub fn tagging_header(call: &Call) -> S3Result<Vec<(String, String)>> {
    let Some(v) = call.header("x-amz-tagging") else {
        return Ok(Vec::new());
    };
    let tags: Vec<(String, String)> = form_urlencoded::parse(v.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    super::tagging::validate_tags(&tags, limits::MAX_OBJECT_TAGS, true)?;
    Ok(tags)
}

/// Puts the headers of `meta` on `resp` (GetObject, HeadObject).
pub fn object_headers(resp: &mut Response, meta: &ObjectMeta) {
    let h = &meta.headers;
    set(resp, "etag", &meta.quoted_etag());
    set(
        resp,
        "last-modified",
        &nimbus_core::timefmt::http_date(meta.last_modified),
    );
    set(
        resp,
        "content-type",
        h.content_type.as_deref().unwrap_or("binary/octet-stream"),
    );
    for (name, v) in [
        ("content-encoding", &h.content_encoding),
        ("content-disposition", &h.content_disposition),
        ("content-language", &h.content_language),
        ("cache-control", &h.cache_control),
        ("expires", &h.expires),
        ("x-amz-website-redirect-location", &h.website_redirect),
        ("x-amz-storage-class", &h.storage_class),
    ] {
        if let Some(v) = v {
            set(resp, name, v);
        }
    }
    for (k, v) in &h.user_metadata {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(format!("x-amz-meta-{k}").as_bytes()),
            http::HeaderValue::from_str(v),
        ) {
            resp.headers_mut().append(name, value);
        }
    }
    if !meta.tags.is_empty() {
        set(resp, "x-amz-tagging-count", &meta.tags.len().to_string());
    }
    if meta.parts > 0 {
        set(resp, "x-amz-mp-parts-count", &meta.parts.to_string());
    }
    set(resp, "x-amz-server-side-encryption", "AES256");
    set(resp, "accept-ranges", "bytes");
}

/// Puts an object's checksum on `resp` (`x-amz-checksum-*`, `x-amz-checksum-type`).
pub fn checksum_headers(resp: &mut Response, checksum: &Option<crate::model::StoredChecksum>) {
    if let Some(c) = checksum {
        set(resp, c.algorithm.header(), &c.value);
        set(
            resp,
            "x-amz-checksum-type",
            if c.full_object {
                "FULL_OBJECT"
            } else {
                "COMPOSITE"
            },
        );
    }
}

fn parse_http_date_secs(s: &str) -> Option<u64> {
    // Reuse the wire layer's HTTP-date rules through a tiny RFC 1123 parser.
    let s = s.trim();
    let rest = s.split_once(", ").map(|(_, r)| r).unwrap_or(s);
    let mut p = rest.split_whitespace();
    let day: u32 = p.next()?.parse().ok()?;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mon = p.next()?;
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(mon))? + 1;
    let year = p.next()?;
    let hms = p.next()?;
    let basic = format!("{year}{month:02}{day:02}T{}Z", hms.replace(':', ""));
    nimbus_core::timefmt::parse_amz_date_millis(&basic)
        .or_else(|| nimbus_core::timefmt::parse_rfc3339_millis(s))
        .map(|m| m / 1000)
}

/// The read conditions in `h` (`If-Match`, `If-None-Match`, `If-Modified-Since`,
/// `If-Unmodified-Since`), named as `names` lists them: the plain headers for GET and HEAD,
/// the `x-amz-copy-source-if-*` ones for a copy source.
pub fn preconditions<'a>(h: &'a HeaderMap, names: &[&str; 4]) -> Preconditions<'a> {
    let get = |n: &str| h.get(n).and_then(|v| v.to_str().ok());
    Preconditions {
        if_match: get(names[0]),
        if_none_match: get(names[1]),
        if_modified_since: get(names[2]).and_then(parse_http_date_secs),
        if_unmodified_since: get(names[3]).and_then(parse_http_date_secs),
    }
}

/// The headers of GET and HEAD's read conditions, in [`preconditions`]' order.
pub const READ_CONDITIONS: [&str; 4] = [
    "if-match",
    "if-none-match",
    "if-modified-since",
    "if-unmodified-since",
];

/// The write conditions of a request (`If-Match`, `If-None-Match`).
pub fn write_conditions(call: &Call) -> WriteConditions<'_> {
    WriteConditions {
        if_match: call.header("if-match"),
        if_none_match: call.header("if-none-match"),
    }
}

/// A byte range `[start, end]` (inclusive) of an object of `size` bytes, from `Range`.
/// `Ok(None)` serves the whole object (no range, or one S3 ignores).
pub fn parse_range(header: Option<&str>, size: u64) -> S3Result<Option<(u64, u64)>> {
    let Some(h) = header else { return Ok(None) };
    let Some(spec) = h.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Ok(None);
    };
    let invalid = || S3Error::InvalidRange {
        range: h.to_owned(),
        size,
    };
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        let Ok(n) = b.parse::<u64>() else {
            return Ok(None);
        };
        if n == 0 || size == 0 {
            return Err(invalid());
        }
        return Ok(Some((size.saturating_sub(n), size - 1)));
    }
    let Ok(start) = a.parse::<u64>() else {
        return Ok(None);
    };
    let end = if b.is_empty() {
        u64::MAX
    } else {
        match b.parse::<u64>() {
            Ok(e) if e >= start => e,
            _ => return Ok(None),
        }
    };
    if start >= size {
        return Err(invalid());
    }
    Ok(Some((start, end.min(size - 1))))
}

/// `PUT /{bucket}/{key}`.
pub async fn put_object(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let bucket = call.bucket()?.to_owned();
    let key = call.key()?.to_owned();
    check_key(&key)?;
    refuse_sse_c(call)?;
    // ACL and Object Ownership (ops/acl.rs), refused before the content is read; also
    // `NoSuchBucket`.
    let (owner, acl) = super::acl::for_write(inner, call, &call.headers, &bucket)?;
    let headers = content_headers(&call.headers)?;
    let tags = tagging_header(call)?;
    let mut spec = IntakeSpec::from_headers(&call.headers, limits::MAX_PUT_SIZE)?;
    spec.verifier = call.chunk_verifier.take();
    if matches!(spec.framing, crate::body::Framing::Plain { .. }) && spec.length.is_none() {
        return Err(S3Error::MissingContentLength);
    }
    let writer = inner.engine.blob_writer();
    let body = call.take_body();
    let received = receive(body, spec, writer, limits::MAX_PUT_SIZE).await?;
    let meta = ObjectMeta {
        blob: received.blob.clone(),
        size: received.size,
        etag: received.md5_hex.clone(),
        last_modified: inner.engine.now_millis(),
        headers,
        checksum: Some(received.checksum.clone()),
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
            "s3:ObjectCreated:Put",
        )
        .await?;
    Ok(put_response(&meta, &received))
}

fn put_response(meta: &ObjectMeta, received: &Received) -> Response {
    let mut r = empty(StatusCode::OK);
    set(&mut r, "etag", &meta.quoted_etag());
    set(&mut r, "x-amz-server-side-encryption", "AES256");
    let _ = received.checksum_requested;
    checksum_headers(&mut r, &meta.checksum);
    r
}

/// `GET` / `HEAD /{bucket}/{key}` (`?versionId=null` reads the same object: see
/// [`version_id`]).
pub async fn get_object(inner: &Inner, call: &mut Call, head: bool) -> S3Result<Response> {
    let bucket = call.bucket()?.to_owned();
    let key = call.key()?.to_owned();
    refuse_sse_c(call)?;
    let conditions = preconditions(&call.headers, &READ_CONDITIONS);
    let Opened { meta, reader } = inner.engine.open_object(
        &bucket,
        &key,
        call.query.get(version_id::QUERY_ARGUMENT),
        |meta| {
            conditions.check(meta)?;
            Ok(!head && meta.size != 0)
        },
    )?;
    let mut range = parse_range(call.header("range"), meta.size)?;
    if let Some(n) = call.query.get("partNumber") {
        match n.parse::<u32>() {
            Ok(1) if meta.parts <= 1 => range = None,
            Ok(p) if (1..=limits::MAX_PART_NUMBER).contains(&p) && meta.parts == 0 => {
                return Err(S3Error::Other {
                    status: StatusCode::RANGE_NOT_SATISFIABLE,
                    code: "InvalidPartNumber",
                    message: "The requested partnumber is not satisfiable".into(),
                });
            }
            Ok(_) if meta.parts > 1 => {
                return Err(S3Error::NotImplemented(
                    "nimbus does not implement GetObject by partNumber for multipart objects; use a Range".into(),
                ));
            }
            _ => {
                return Err(S3Error::invalid_argument_named(
                    "Part number must be an integer between 1 and 10000, inclusive",
                    "partNumber",
                    n,
                ));
            }
        }
    }
    let (start, len, status) = match range {
        Some((s, e)) => (s, e - s + 1, StatusCode::PARTIAL_CONTENT),
        None => (0, meta.size, StatusCode::OK),
    };
    let body = match (head, reader) {
        (true, _) | (_, None) => nimbus_wire::body::empty(),
        (false, Some(r)) => stream_blob(r, start, len).await?,
    };
    let mut resp = http::Response::new(body);
    *resp.status_mut() = status;
    object_headers(&mut resp, &meta);
    set(&mut resp, "content-length", &len.to_string());
    if let Some((s, e)) = range {
        set(
            &mut resp,
            "content-range",
            &format!("bytes {s}-{e}/{}", meta.size),
        );
    } else if call
        .header("x-amz-checksum-mode")
        .is_some_and(|m| m.eq_ignore_ascii_case("ENABLED"))
    {
        checksum_headers(&mut resp, &meta.checksum);
    }
    for (param, header) in [
        ("response-content-type", "content-type"),
        ("response-content-language", "content-language"),
        ("response-expires", "expires"),
        ("response-cache-control", "cache-control"),
        ("response-content-disposition", "content-disposition"),
        ("response-content-encoding", "content-encoding"),
    ] {
        if let Some(v) = call.query.get(param) {
            set(&mut resp, header, v);
        }
    }
    Ok(resp)
}

/// A body with `len` bytes of a blob from `start`: read whole when small, else streamed in
/// chunks off the async threads.
pub async fn stream_blob(reader: BlobReader, start: u64, len: u64) -> S3Result<nimbus_wire::Body> {
    match reader {
        BlobReader::Memory(_) => {
            let mut r = reader;
            Ok(nimbus_wire::body::full(r.read_range(start, len)?))
        }
        BlobReader::File(_) if len <= SMALL_READ => {
            let mut r = reader;
            let bytes = tokio::task::spawn_blocking(move || r.read_range(start, len))
                .await
                .map_err(S3Error::internal)??;
            Ok(nimbus_wire::body::full(bytes))
        }
        BlobReader::File(_) => {
            let state = (Some(reader), start, start + len);
            let stream = futures_util::stream::unfold(state, |(reader, pos, end)| async move {
                let mut reader = reader?;
                if pos >= end {
                    return None;
                }
                let n = (end - pos).min(READ_CHUNK as u64);
                let res = tokio::task::spawn_blocking(move || {
                    let r = reader.read_range(pos, n);
                    (reader, r)
                })
                .await;
                match res {
                    Ok((reader, Ok(bytes))) => Some((
                        Ok::<_, nimbus_wire::BoxError>(http_body::Frame::data(bytes)),
                        (Some(reader), pos + n, end),
                    )),
                    Ok((_, Err(e))) => {
                        Some((Err(Box::new(e) as nimbus_wire::BoxError), (None, end, end)))
                    }
                    Err(e) => Some((Err(Box::new(e) as nimbus_wire::BoxError), (None, end, end))),
                }
            });
            Ok(http_body_util::StreamBody::new(stream).boxed_unsync())
        }
    }
}

/// `DELETE /{bucket}/{key}` (`?versionId=null` deletes the same object: see
/// [`version_id`]).
pub async fn delete_object(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let bucket = call.bucket()?.to_owned();
    let key = call.key()?.to_owned();
    inner
        .engine
        .delete_object(
            &call.ctx,
            &bucket,
            &key,
            call.query.get(version_id::QUERY_ARGUMENT),
            call.header("if-match"),
        )
        .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// Reads a whole small blob into memory (tests, copies of small objects).
pub fn read_all(mut r: BlobReader, len: u64) -> S3Result<Bytes> {
    r.read_range(0, len)
}
