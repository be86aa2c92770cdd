//! Multipart uploads: CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
//! AbortMultipartUpload, ListParts, ListMultipartUploads.
//!
//! Parts are blobs of their own; completion checks the part list (order, ETags, sizes),
//! writes the object's blob as the concatenation of the parts, and computes the ETag
//! (`md5 of the part MD5s-N`) and the checksum: composite (`checksum of the part checksums-N`)
//! for SHA and CRC32/CRC32C uploads, full-object (CRC combination) for CRC64NVME and
//! `x-amz-checksum-type: FULL_OBJECT`.

use std::collections::BTreeMap;
use std::sync::Arc;

use http::StatusCode;
use nimbus_wire::Response;
use nimbus_wire::xml::Writer;

use super::objects::{check_key, content_headers, refuse_sse_c, tagging_header};
use super::{Call, XMLNS, empty, set, xml, xml_time};
use crate::body::{IntakeSpec, receive};
use crate::checksum::{self, ChecksumAlgorithm};
use crate::error::{S3Error, S3Result};
use crate::model::{ObjectMeta, Part, StoredChecksum, Upload};
use crate::store::db::Effect;
use crate::{EventSpec, Inner, limits, store};

/// A new upload id: URL-safe, opaque.
fn new_upload_id() -> String {
    use base64::Engine;
    let mut raw = uuid::Uuid::new_v4().as_bytes().to_vec();
    raw.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

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

/// The checksum algorithm parts of `upload_id` are checked with (CRC64NVME by default).
pub fn upload_algorithm(
    inner: &Inner,
    bucket: &str,
    upload_id: &str,
) -> S3Result<ChecksumAlgorithm> {
    inner.with_bucket(bucket, |b| {
        b.uploads
            .get(upload_id)
            .map(|u| u.checksum_algorithm.unwrap_or(ChecksumAlgorithm::Crc64Nvme))
            .ok_or_else(|| S3Error::NoSuchUpload(upload_id.to_owned()))
    })
}

/// `POST /{bucket}/{key}?uploads`.
pub async fn create(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let bucket = call.bucket()?.to_owned();
    let key = call.key()?.to_owned();
    check_key(&key)?;
    refuse_sse_c(call)?;
    let headers = content_headers(&call.headers)?;
    let tags = tagging_header(call)?;
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
    let upload = Upload {
        id: new_upload_id(),
        key: key.clone(),
        initiated: inner.env.clock.now_millis(),
        headers,
        tags,
        checksum_algorithm: algorithm,
        full_object,
        owner: call.ctx.account.to_string(),
        parts: BTreeMap::new(),
    };
    let id = upload.id.clone();
    let ack = {
        let mut state = inner.store.state.write();
        let b = state
            .buckets
            .get_mut(&bucket)
            .ok_or_else(|| S3Error::NoSuchBucket(bucket.clone()))?;
        let effect = store::put_upload(&bucket, &upload);
        b.uploads.insert(id.clone(), upload);
        inner.store.db.submit(vec![effect])
    };
    inner.finish_change(ack, Vec::new(), Vec::new()).await?;
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

/// Records `part` as part `number` of `upload_id` (replacing an earlier upload of that
/// number); on failure removes its blob.
pub async fn store_part(
    inner: &Inner,
    bucket: &str,
    upload_id: &str,
    number: u32,
    part: Part,
) -> S3Result<Arc<Part>> {
    let blob = part.blob.clone();
    let result = (|| {
        let mut state = inner.store.state.write();
        let u = state
            .buckets
            .get_mut(bucket)
            .ok_or_else(|| S3Error::NoSuchBucket(bucket.to_owned()))?
            .uploads
            .get_mut(upload_id)
            .ok_or_else(|| S3Error::NoSuchUpload(upload_id.to_owned()))?;
        let part = Arc::new(part);
        let old = u.parts.insert(number, part.clone());
        let mut effects = vec![store::put_part(upload_id, number, &part)];
        effects.extend(inner.store.blobs.staged_effect(&part.blob));
        let ack = inner.store.db.submit(effects);
        Ok((
            ack,
            old.map(|o| o.blob.clone()).into_iter().collect::<Vec<_>>(),
            part,
        ))
    })();
    match result {
        Ok((ack, garbage, part)) => {
            let done = inner.finish_change(ack, Vec::new(), garbage).await;
            inner.store.blobs.unstage(&blob);
            done.map(|()| part)
        }
        Err(e) => {
            inner.store.blobs.remove(&[blob]);
            Err(e)
        }
    }
}

/// `PUT /{bucket}/{key}?partNumber&uploadId`.
pub async fn upload_part(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let bucket = call.bucket()?.to_owned();
    let upload_id = call.query.get("uploadId").unwrap_or("").to_owned();
    let number = part_number(call)?;
    refuse_sse_c(call)?;
    super::version_id::refuse_query(call)?;
    let upload_algo = inner.with_bucket(&bucket, |b| {
        b.uploads
            .get(&upload_id)
            .map(|u| u.checksum_algorithm)
            .ok_or_else(|| S3Error::NoSuchUpload(upload_id.clone()))
    })?;
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
    let writer = inner.store.blobs.writer();
    let body = call.take_body();
    let received = receive(body, spec, writer, limits::MAX_PUT_SIZE).await?;
    let requested = received.checksum_requested;
    let part = Part {
        blob: received.blob.clone(),
        size: received.size,
        etag: received.md5_hex.clone(),
        last_modified: inner.env.clock.now_millis(),
        checksum: Some(received.checksum.clone()),
    };
    let part = store_part(inner, &bucket, &upload_id, number, part).await?;
    let mut r = empty(StatusCode::OK);
    set(&mut r, "etag", &format!("\"{}\"", part.etag));
    set(&mut r, "x-amz-server-side-encryption", "AES256");
    if let (true, Some(c)) = (requested || upload_algo.is_some(), &part.checksum) {
        set(&mut r, c.algorithm.header(), &c.value);
    }
    Ok(r)
}

/// One `<Part>` of a CompleteMultipartUpload request.
struct RequestedPart {
    number: u32,
    etag: String,
    checksums: Vec<(ChecksumAlgorithm, String)>,
}

fn parse_complete(doc: &[u8]) -> S3Result<Vec<RequestedPart>> {
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
        parts.push(RequestedPart {
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
    // Check the list against the stored parts and open their content.
    let (upload, sources) = {
        let state = inner.store.state.read();
        let b = state
            .buckets
            .get(&bucket)
            .ok_or_else(|| S3Error::NoSuchBucket(bucket.clone()))?;
        let u = b
            .uploads
            .get(&upload_id)
            .filter(|u| u.key == key)
            .ok_or_else(|| S3Error::NoSuchUpload(upload_id.clone()))?;
        if requested.windows(2).any(|w| w[1].number <= w[0].number) {
            return Err(S3Error::InvalidPartOrder(upload_id.clone()));
        }
        let mut chosen: Vec<Arc<Part>> = Vec::new();
        for rp in &requested {
            let invalid = || S3Error::InvalidPart {
                upload_id: upload_id.clone(),
                part_number: rp.number,
                etag: rp.etag.clone(),
            };
            let part = u.parts.get(&rp.number).ok_or_else(invalid)?;
            if part.etag != rp.etag {
                return Err(invalid());
            }
            for (algo, value) in &rp.checksums {
                match &part.checksum {
                    Some(c) if c.algorithm == *algo && c.value == *value => {}
                    _ => {
                        return Err(S3Error::InvalidPart {
                            upload_id: upload_id.clone(),
                            part_number: rp.number,
                            etag: rp.etag.clone(),
                        });
                    }
                }
            }
            chosen.push(part.clone());
        }
        if let Some((_, init)) = chosen.split_last()
            && let Some(small) = init
                .iter()
                .zip(&requested)
                .find(|(p, _)| p.size < limits::MIN_PART_SIZE)
        {
            return Err(S3Error::EntityTooSmall {
                proposed: small.0.size,
                part_number: small.1.number,
                etag: small.0.etag.clone(),
            });
        }
        let mut sources = Vec::new();
        for p in &chosen {
            sources.push((inner.store.blobs.open_reader(&p.blob)?, 0, p.size));
        }
        let mut shell = u.clone();
        shell.parts = chosen
            .iter()
            .enumerate()
            .map(|(i, p)| (i as u32, p.clone()))
            .collect();
        (shell, sources)
    };
    let chosen: Vec<Arc<Part>> = upload.parts.values().cloned().collect();
    let total: u64 = chosen.iter().map(|p| p.size).sum();
    if total > limits::MAX_OBJECT_SIZE {
        return Err(S3Error::EntityTooLarge {
            proposed: total,
            max: limits::MAX_OBJECT_SIZE,
        });
    }
    // ETag: MD5 of the concatenated binary part MD5s, then "-N".
    let mut digests = Vec::with_capacity(chosen.len() * 16);
    for p in &chosen {
        digests.extend(hex::decode(&p.etag).unwrap_or_default());
    }
    let etag = format!(
        "{}-{}",
        hex::encode(crate::etag::md5_of(&digests)),
        chosen.len()
    );
    let algo = upload
        .checksum_algorithm
        .unwrap_or(ChecksumAlgorithm::Crc64Nvme);
    let part_values: Option<Vec<(String, u64)>> = chosen
        .iter()
        .map(|p| {
            p.checksum
                .as_ref()
                .filter(|c| c.algorithm == algo)
                .map(|c| (c.value.clone(), p.size))
        })
        .collect();
    let checksum = match (&part_values, upload.full_object) {
        (Some(v), true) => checksum::combine_crc(algo, v).map(|value| StoredChecksum {
            algorithm: algo,
            value,
            full_object: true,
        }),
        (Some(v), false) => {
            checksum::composite(algo, &v.iter().map(|(c, _)| c.clone()).collect::<Vec<_>>()).map(
                |value| StoredChecksum {
                    algorithm: algo,
                    value,
                    full_object: false,
                },
            )
        }
        (None, _) => None,
    };
    let blobs = inner.store.blobs.clone();
    let assembled = tokio::task::spawn_blocking(move || blobs.assemble(sources, false, None))
        .await
        .map_err(S3Error::internal)??;
    let meta = ObjectMeta {
        blob: assembled.id.clone(),
        size: assembled.len,
        etag,
        last_modified: inner.env.clock.now_millis(),
        headers: upload.headers.clone(),
        checksum,
        tags: upload.tags.clone(),
        parts: chosen.len() as u32,
        owner: upload.owner.clone(),
    };
    // Commit: the object replaces the upload.
    let result = (|| {
        let mut state = inner.store.state.write();
        let b = state
            .buckets
            .get_mut(&bucket)
            .ok_or_else(|| S3Error::NoSuchBucket(bucket.clone()))?;
        if let Some(m) = call.header("if-none-match")
            && m == "*"
            && b.objects.contains_key(&key)
        {
            return Err(S3Error::PreconditionFailed("If-None-Match"));
        }
        let u = b
            .uploads
            .remove(&upload_id)
            .ok_or_else(|| S3Error::NoSuchUpload(upload_id.clone()))?;
        let meta = Arc::new(meta);
        let old = b.objects.insert(key.clone(), meta.clone());
        let events = inner.events(
            b,
            call,
            &EventSpec {
                name: "s3:ObjectCreated:CompleteMultipartUpload",
                key: &key,
                size: Some(meta.size),
                etag: Some(&meta.etag),
            },
        );
        let mut effects = vec![
            Effect::DeleteUpload(upload_id.clone()),
            store::put_object(&bucket, &key, &meta),
        ];
        effects.extend(inner.store.blobs.staged_effect(&meta.blob));
        effects.extend(events.effects);
        let mut garbage: Vec<String> = u.parts.values().map(|p| p.blob.clone()).collect();
        garbage.extend(old.map(|o| o.blob.clone()));
        Ok((
            inner.store.db.submit(effects),
            events.deliveries,
            garbage,
            meta,
        ))
    })();
    let meta = match result {
        Ok((ack, deliveries, garbage, meta)) => {
            let done = inner.finish_change(ack, deliveries, garbage).await;
            inner.store.blobs.unstage(&assembled.id);
            done?;
            meta
        }
        Err(e) => {
            inner.store.blobs.remove(&[assembled.id]);
            return Err(e);
        }
    };
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
    let (ack, garbage) = {
        let mut state = inner.store.state.write();
        let b = state
            .buckets
            .get_mut(&bucket)
            .ok_or_else(|| S3Error::NoSuchBucket(bucket.clone()))?;
        let u = b
            .uploads
            .remove(&upload_id)
            .ok_or_else(|| S3Error::NoSuchUpload(upload_id.clone()))?;
        let garbage: Vec<String> = u.parts.values().map(|p| p.blob.clone()).collect();
        (
            inner
                .store
                .db
                .submit(vec![Effect::DeleteUpload(upload_id.clone())]),
            garbage,
        )
    };
    inner.finish_change(ack, Vec::new(), garbage).await?;
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
    let upload = inner.with_bucket(&bucket, |b| {
        b.uploads
            .get(&upload_id)
            .filter(|u| u.key == key)
            .cloned()
            .ok_or_else(|| S3Error::NoSuchUpload(upload_id.clone()))
    })?;
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
    w.open("Initiator")
        .elem("ID", &upload.owner)
        .elem("DisplayName", "nimbus")
        .close("Initiator");
    w.open("Owner")
        .elem("ID", &upload.owner)
        .elem("DisplayName", "nimbus")
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
    let mut uploads: Vec<Upload> = inner.with_bucket(&bucket, |b| {
        Ok(b.uploads
            .values()
            .filter(|u| u.key.starts_with(&prefix))
            .cloned()
            .collect())
    })?;
    uploads.sort_by(|a, b| (&a.key, a.initiated, &a.id).cmp(&(&b.key, b.initiated, &b.id)));
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
        w.open("Initiator")
            .elem("ID", &u.owner)
            .elem("DisplayName", "nimbus")
            .close("Initiator");
        w.open("Owner")
            .elem("ID", &u.owner)
            .elem("DisplayName", "nimbus")
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
