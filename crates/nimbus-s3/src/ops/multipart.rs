//! Multipart uploads: CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
//! AbortMultipartUpload, ListParts, ListMultipartUploads: their headers, query parameters
//! and documents. What completion checks and computes is the engine's
//! ([`crate::engine::multipart`]).

use std::sync::Arc;

use http::StatusCode;
use nimbus_wire::Response;
use nimbus_wire::xml::Writer;

use super::objects::{check_key, content_headers, refuse_sse_c, tagging_header, write_conditions};
use super::{Call, XMLNS, empty, set, xml, xml_time};
use crate::body::{IntakeSpec, receive};
use crate::checksum::ChecksumAlgorithm;
use crate::engine::multipart::{CompletedPart, NewUpload};
use crate::engine::version_id;
use crate::error::{S3Error, S3Result};
use crate::model::{Part, Upload};
use crate::{Inner, limits};

/// The `partNumber` query parameter, 1–10000.
pub fn part_number(call: &Call) -> S3Result<u32> {
    let v = call.query.get("partNumber").unwrap_or("");
    match v.parse::<u32>() {
        Ok(n) if (1..=limits::MAX_PART_NUMBER).contains(&n) => Ok(n),
        _ => Err(S3Error::invalid_argument_named(
            "Part number must be an integer between 1 and 10000, inclusive",
            "partNumber",
            v,
        )),
    }
}

/// `POST /{bucket}/{key}?uploads`.
pub async fn create(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let bucket = call.bucket()?.to_owned();
    let key = call.key()?.to_owned();
    check_key(&key)?;
    refuse_sse_c(call)?;
    let headers = content_headers(&call.headers)?;
    let tags = tagging_header(call)?;
    // ACL and Object Ownership (ops/acl.rs): decided at initiation, given at completion.
    let object_acl = Some(super::acl::for_write(inner, call, &call.headers, &bucket)?);
    let algorithm = match call.header("x-amz-checksum-algorithm") {
        None => None,
        Some(a) => Some(ChecksumAlgorithm::parse(a).ok_or_else(|| {
            S3Error::invalid_argument_named(
                "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]",
                "x-amz-checksum-algorithm",
                a,
            )
        })?),
    };
    let full_object = match call.header("x-amz-checksum-type") {
        None => algorithm.is_none_or(|a| a == ChecksumAlgorithm::Crc64Nvme),
        Some(t) if t.eq_ignore_ascii_case("FULL_OBJECT") => {
            if algorithm.is_some_and(|a| !a.is_crc()) {
                return Err(S3Error::InvalidRequest(format!(
                    "The FULL_OBJECT checksum type cannot be used with the {} checksum algorithm.",
                    algorithm
                        .map(|a| a.name().to_ascii_lowercase())
                        .unwrap_or_default()
                )));
            }
            true
        }
        Some(t) if t.eq_ignore_ascii_case("COMPOSITE") => {
            if algorithm == Some(ChecksumAlgorithm::Crc64Nvme) {
                return Err(S3Error::InvalidRequest(
                    "The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.".into(),
                ));
            }
            if algorithm.is_none() {
                return Err(S3Error::InvalidRequest(
                    "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.".into(),
                ));
            }
            false
        }
        Some(t) => {
            return Err(S3Error::invalid_argument_named(
                "Value for x-amz-checksum-type header is invalid.",
                "x-amz-checksum-type",
                t,
            ));
        }
    };
    let id = inner
        .engine
        .create_upload(
            &bucket,
            NewUpload {
                key: key.clone(),
                headers,
                tags,
                checksum_algorithm: algorithm,
                full_object,
                owner: call.ctx.account.to_string(),
                object_acl,
            },
        )
        .await?;
    let mut w = Writer::with_declaration();
    w.open_ns("InitiateMultipartUploadResult", XMLNS)
        .elem("Bucket", &bucket)
        .elem("Key", &key)
        .elem("UploadId", &id)
        .close("InitiateMultipartUploadResult");
    let mut r = xml(w.finish());
    set(&mut r, "x-amz-server-side-encryption", "AES256");
    if let Some(a) = algorithm {
        set(&mut r, "x-amz-checksum-algorithm", a.name());
    }
    set(
        &mut r,
        "x-amz-checksum-type",
        if full_object {
            "FULL_OBJECT"
        } else {
            "COMPOSITE"
        },
    );
    Ok(r)
}

/// `PUT /{bucket}/{key}?partNumber&uploadId`.
pub async fn upload_part(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let bucket = call.bucket()?.to_owned();
    let upload_id = call.query.get("uploadId").unwrap_or("").to_owned();
    let number = part_number(call)?;
    refuse_sse_c(call)?;
    version_id::refuse_query(call.query.get(version_id::QUERY_ARGUMENT))?;
    let upload_algo = inner.engine.upload_algorithm(&bucket, &upload_id)?;
    let mut spec = IntakeSpec::from_headers(&call.headers, limits::MAX_PUT_SIZE)?;
    spec.verifier = call.chunk_verifier.take();
    if matches!(spec.framing, crate::body::Framing::Plain { .. }) && spec.length.is_none() {
        return Err(S3Error::MissingContentLength);
    }
    match upload_algo {
        Some(a) if spec.requested && spec.algorithm != a => {
            return Err(S3Error::InvalidRequest(format!(
                "Checksum Type mismatch occurred, expected checksum Type: {}, actual checksum Type: {}",
                a.name().to_ascii_lowercase(),
                spec.algorithm.name().to_ascii_lowercase()
            )));
        }
        Some(a) => spec.algorithm = a,
        None if spec.requested => {}
        None => spec.algorithm = ChecksumAlgorithm::Crc64Nvme,
    }
    let writer = inner.engine.blob_writer();
    let body = call.take_body();
    let received = receive(body, spec, writer, limits::MAX_PUT_SIZE).await?;
    let requested = received.checksum_requested;
    let part = Part {
        blob: received.blob.clone(),
        size: received.size,
        etag: received.md5_hex.clone(),
        last_modified: inner.engine.now_millis(),
        checksum: Some(received.checksum.clone()),
    };
    let part = inner
        .engine
        .put_part(&bucket, &upload_id, number, part)
        .await?;
    let mut r = empty(StatusCode::OK);
    set(&mut r, "etag", &format!("\"{}\"", part.etag));
    set(&mut r, "x-amz-server-side-encryption", "AES256");
    if let (true, Some(c)) = (requested || upload_algo.is_some(), &part.checksum) {
        set(&mut r, c.algorithm.header(), &c.value);
    }
    Ok(r)
}

/// Parses a `CompleteMultipartUpload` document: its parts, in the order given.
fn parse_complete(doc: &[u8]) -> S3Result<Vec<CompletedPart>> {
    let root = crate::xmlin::parse(doc)?;
    if root.name != "CompleteMultipartUpload" {
        return Err(S3Error::MalformedXml);
    }
    let mut parts = Vec::new();
    for p in root.children_named("Part") {
        let number = p
            .child_text("PartNumber")
            .and_then(|n| n.trim().parse::<u32>().ok())
            .ok_or(S3Error::MalformedXml)?;
        let etag = p
            .child_text("ETag")
            .ok_or(S3Error::MalformedXml)?
            .trim()
            .trim_matches('"')
            .to_owned();
        let checksums = ChecksumAlgorithm::ALL
            .into_iter()
            .filter_map(|a| p.child_text(a.xml_name()).map(|v| (a, v.trim().to_owned())))
            .collect();
        parts.push(CompletedPart {
            number,
            etag,
            checksums,
        });
    }
    if parts.is_empty() {
        return Err(S3Error::MalformedXml);
    }
    Ok(parts)
}

/// `POST /{bucket}/{key}?uploadId`.
pub async fn complete(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let bucket = call.bucket()?.to_owned();
    let key = call.key()?.to_owned();
    let upload_id = call.query.get("uploadId").unwrap_or("").to_owned();
    let doc = call.document().await?;
    let requested = parse_complete(&doc)?;
    let meta = inner
        .engine
        .complete_upload(
            &call.ctx,
            &bucket,
            &key,
            &upload_id,
            &requested,
            write_conditions(call),
        )
        .await?;
    let mut w = Writer::with_declaration();
    w.open_ns("CompleteMultipartUploadResult", XMLNS);
    w.elem(
        "Location",
        &format!("http://{}/{}/{}", call.ctx.host, bucket, key),
    );
    w.elem("Bucket", &bucket);
    w.elem("Key", &key);
    w.elem("ETag", &meta.quoted_etag());
    if let Some(c) = &meta.checksum {
        w.elem(c.algorithm.xml_name(), &c.value);
        w.elem(
            "ChecksumType",
            if c.full_object {
                "FULL_OBJECT"
            } else {
                "COMPOSITE"
            },
        );
    }
    w.close("CompleteMultipartUploadResult");
    let mut r = xml(w.finish());
    set(&mut r, "x-amz-server-side-encryption", "AES256");
    Ok(r)
}

/// `DELETE /{bucket}/{key}?uploadId`.
pub async fn abort(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let bucket = call.bucket()?.to_owned();
    let upload_id = call.query.get("uploadId").unwrap_or("").to_owned();
    inner.engine.abort_upload(&bucket, &upload_id).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `GET /{bucket}/{key}?uploadId`.
pub async fn list_parts(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let bucket = call.bucket()?.to_owned();
    let key = call.key()?.to_owned();
    let upload_id = call.query.get("uploadId").unwrap_or("").to_owned();
    let max = match call.query.get("max-parts") {
        None => 1000,
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| {
                S3Error::invalid_argument_named(
                    "Provided max-parts not an integer or within integer range",
                    "max-parts",
                    v,
                )
            })?
            .min(1000),
    };
    let marker: u32 = match call.query.get("part-number-marker") {
        None => 0,
        Some(v) => v.parse().map_err(|_| {
            S3Error::invalid_argument_named(
                "Provided part-number-marker not an integer or within integer range",
                "part-number-marker",
                v,
            )
        })?,
    };
    let upload = inner.engine.upload(&bucket, &key, &upload_id)?;
    let parts: Vec<(&u32, &Arc<Part>)> = upload.parts.range(marker + 1..).take(max + 1).collect();
    let truncated = parts.len() > max;
    let parts = &parts[..parts.len().min(max)];
    let mut w = Writer::with_declaration();
    w.open_ns("ListPartsResult", XMLNS);
    w.elem("Bucket", &bucket)
        .elem("Key", &key)
        .elem("UploadId", &upload_id);
    w.elem("PartNumberMarker", &marker.to_string());
    if let Some((n, _)) = parts.last() {
        w.elem("NextPartNumberMarker", &n.to_string());
    }
    w.elem("MaxParts", &max.to_string());
    w.elem("IsTruncated", if truncated { "true" } else { "false" });
    for (n, p) in parts {
        w.open("Part");
        w.elem("PartNumber", &n.to_string());
        w.elem("LastModified", &xml_time(p.last_modified));
        w.elem("ETag", &format!("\"{}\"", p.etag));
        w.elem("Size", &p.size.to_string());
        if let (Some(c), Some(_)) = (&p.checksum, upload.checksum_algorithm) {
            w.elem(c.algorithm.xml_name(), &c.value);
        }
        w.close("Part");
    }
    let owner = upload.object_owner.as_deref().unwrap_or(&upload.owner);
    w.open("Initiator")
        .elem("ID", &crate::acl::canonical_id(&upload.owner))
        .elem("DisplayName", &crate::acl::display_name(&upload.owner))
        .close("Initiator");
    w.open("Owner")
        .elem("ID", &crate::acl::canonical_id(owner))
        .elem("DisplayName", &crate::acl::display_name(owner))
        .close("Owner");
    w.elem(
        "StorageClass",
        upload
            .headers
            .storage_class
            .as_deref()
            .unwrap_or("STANDARD"),
    );
    if let Some(a) = upload.checksum_algorithm {
        w.elem("ChecksumAlgorithm", a.name());
    }
    w.elem(
        "ChecksumType",
        if upload.full_object {
            "FULL_OBJECT"
        } else {
            "COMPOSITE"
        },
    );
    w.close("ListPartsResult");
    Ok(xml(w.finish()))
}

/// `GET /{bucket}?uploads`.
pub async fn list_uploads(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let bucket = call.bucket()?.to_owned();
    let prefix = call.query.get("prefix").unwrap_or("").to_owned();
    let delimiter = call.query.get("delimiter").unwrap_or("").to_owned();
    let key_marker = call.query.get("key-marker").unwrap_or("").to_owned();
    let id_marker = call.query.get("upload-id-marker").unwrap_or("").to_owned();
    let max = match call.query.get("max-uploads") {
        None => 1000,
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| {
                S3Error::invalid_argument_named(
                    "Provided max-uploads not an integer or within integer range",
                    "max-uploads",
                    v,
                )
            })?
            .min(1000),
    };
    let uploads = inner.engine.list_uploads(&bucket, &prefix)?;
    let mut entries: Vec<Result<Upload, String>> = Vec::new();
    let mut truncated = false;
    for u in uploads {
        if !key_marker.is_empty() {
            if u.key.as_str() < key_marker.as_str() {
                continue;
            }
            if u.key == key_marker && (id_marker.is_empty() || u.id.as_str() <= id_marker.as_str())
            {
                continue;
            }
        }
        let rolled = (!delimiter.is_empty())
            .then(|| {
                u.key[prefix.len()..]
                    .find(&delimiter)
                    .map(|i| u.key[..prefix.len() + i + delimiter.len()].to_owned())
            })
            .flatten();
        if let Some(cp) = &rolled
            && entries.iter().any(|e| e.as_ref().err() == Some(cp))
        {
            continue;
        }
        if entries.len() >= max {
            truncated = true;
            break;
        }
        entries.push(match rolled {
            Some(cp) => Err(cp),
            None => Ok(u),
        });
    }
    let mut w = Writer::with_declaration();
    w.open_ns("ListMultipartUploadsResult", XMLNS);
    w.elem("Bucket", &bucket);
    w.elem("KeyMarker", &key_marker);
    w.elem("UploadIdMarker", &id_marker);
    if truncated && let Some(Ok(u)) = entries.iter().rev().find(|e| e.is_ok()) {
        w.elem("NextKeyMarker", &u.key);
        w.elem("NextUploadIdMarker", &u.id);
    }
    if !prefix.is_empty() {
        w.elem("Prefix", &prefix);
    }
    if !delimiter.is_empty() {
        w.elem("Delimiter", &delimiter);
    }
    w.elem("MaxUploads", &max.to_string());
    w.elem("IsTruncated", if truncated { "true" } else { "false" });
    for u in entries.iter().flatten() {
        w.open("Upload");
        w.elem("Key", &u.key).elem("UploadId", &u.id);
        let owner = u.object_owner.as_deref().unwrap_or(&u.owner);
        w.open("Initiator")
            .elem("ID", &crate::acl::canonical_id(&u.owner))
            .elem("DisplayName", &crate::acl::display_name(&u.owner))
            .close("Initiator");
        w.open("Owner")
            .elem("ID", &crate::acl::canonical_id(owner))
            .elem("DisplayName", &crate::acl::display_name(owner))
            .close("Owner");
        w.elem(
            "StorageClass",
            u.headers.storage_class.as_deref().unwrap_or("STANDARD"),
        );
        w.elem("Initiated", &xml_time(u.initiated));
        if let Some(a) = u.checksum_algorithm {
            w.elem("ChecksumAlgorithm", a.name());
        }
        w.elem(
            "ChecksumType",
            if u.full_object {
                "FULL_OBJECT"
            } else {
                "COMPOSITE"
            },
        );
        w.close("Upload");
    }
    for e in &entries {
        if let Err(cp) = e {
            w.open("CommonPrefixes")
                .elem("Prefix", cp)
                .close("CommonPrefixes");
        }
    }
    w.close("ListMultipartUploadsResult");
    Ok(xml(w.finish()))
}
