//! Multipart uploads: created, parts stored (each a blob of its own, a re-upload replacing
//! the earlier part), completed, aborted, listed.
//!
//! Completion checks the part list (order, ETags, checksums, sizes), writes the object's
//! blob as the concatenation of the parts, and computes the ETag (`md5 of the part
//! MD5s-N`) and the checksum: composite (`checksum of the part checksums-N`) for SHA and
//! CRC32/CRC32C uploads, full-object (CRC combination) for CRC64NVME and
//! `x-amz-checksum-type: FULL_OBJECT`. The object then replaces the upload in one commit.

use std::sync::Arc;

use nimbus_core::RequestContext;

use super::events::EventSpec;
use super::objects::WriteConditions;
use super::{Engine, Submitted, existing_bucket_mut};
use crate::checksum::{self, ChecksumAlgorithm};
use crate::error::{S3Error, S3Result};
use crate::limits;
use crate::model::{ObjectMeta, Part, StoredChecksum, Upload};
use crate::store;
use crate::store::db::Effect;

/// A new upload id: URL-safe, opaque.
fn new_upload_id() -> String {
    use base64::Engine as _;
    let mut raw = uuid::Uuid::new_v4().as_bytes().to_vec();
    raw.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

/// One part of a CompleteMultipartUpload request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedPart {
    /// `PartNumber`.
    pub number: u32,
    /// `ETag`, without quotes.
    pub etag: String,
    /// The `Checksum*` values given for the part.
    pub checksums: Vec<(ChecksumAlgorithm, String)>,
}

/// What a new upload is (its id is chosen by [`Engine::create_upload`]).
pub struct NewUpload {
    /// The key.
    pub key: String,
    /// The headers the object will get.
    pub headers: crate::model::ContentHeaders,
    /// The tags the object will get.
    pub tags: Vec<(String, String)>,
    /// `x-amz-checksum-algorithm`.
    pub checksum_algorithm: Option<ChecksumAlgorithm>,
    /// Whether the object's checksum is full-object (else composite).
    pub full_object: bool,
    /// The initiator's account.
    pub owner: String,
    /// The account that will own the object, and its ACL (from
    /// [`super::acl::object_acl_for_write`]; `None`: the initiator, the default ACL).
    pub object_acl: Option<(String, Option<Vec<crate::acl::Grant>>)>,
}

/// The ETag of an object assembled from `parts`: the MD5 of their binary MD5s, then `-N`.
fn multipart_etag(parts: &[Arc<Part>]) -> String {
    let mut digests = Vec::with_capacity(parts.len() * 16);
    for p in parts {
        digests.extend(hex::decode(&p.etag).unwrap_or_default());
    }
    format!(
        "{}-{}",
        hex::encode(crate::etag::md5_of(&digests)),
        parts.len()
    )
}

/// The checksum of an object assembled from `parts` of `upload`: full-object or composite,
/// `None` when a part lacks a checksum in the upload's algorithm.
fn multipart_checksum(upload: &Upload, parts: &[Arc<Part>]) -> Option<StoredChecksum> {
    let algo = upload
        .checksum_algorithm
        .unwrap_or(ChecksumAlgorithm::Crc64Nvme);
    let part_values: Option<Vec<(String, u64)>> = parts
        .iter()
        .map(|p| {
            p.checksum
                .as_ref()
                .filter(|c| c.algorithm == algo)
                .map(|c| (c.value.clone(), p.size))
        })
        .collect();
    match (&part_values, upload.full_object) {
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
    }
}

/// Checks `requested` against `upload`'s parts and returns the chosen parts in order.
fn choose_parts(
    upload: &Upload,
    upload_id: &str,
    requested: &[CompletedPart],
) -> S3Result<Vec<Arc<Part>>> {
    if requested.windows(2).any(|w| w[1].number <= w[0].number) {
        return Err(S3Error::InvalidPartOrder(upload_id.to_owned()));
    }
    let mut chosen: Vec<Arc<Part>> = Vec::new();
    for rp in requested {
        let invalid = || S3Error::InvalidPart {
            upload_id: upload_id.to_owned(),
            part_number: rp.number,
            etag: rp.etag.clone(),
        };
        let part = upload.parts.get(&rp.number).ok_or_else(invalid)?;
        if part.etag != rp.etag {
            return Err(invalid());
        }
        for (algo, value) in &rp.checksums {
            match &part.checksum {
                Some(c) if c.algorithm == *algo && c.value == *value => {}
                _ => return Err(invalid()),
            }
        }
        chosen.push(part.clone());
    }
    if let Some((_, init)) = chosen.split_last()
        && let Some(small) = init
            .iter()
            .zip(requested)
            .find(|(p, _)| p.size < limits::MIN_PART_SIZE)
    {
        return Err(S3Error::EntityTooSmall {
            proposed: small.0.size,
            part_number: small.1.number,
            etag: small.0.etag.clone(),
        });
    }
    Ok(chosen)
}

impl Engine {
    /// Starts an upload in `bucket`; returns its id.
    pub async fn create_upload(&self, bucket: &str, new: NewUpload) -> S3Result<String> {
        let upload = Upload {
            id: new_upload_id(),
            key: new.key,
            initiated: self.env.clock.now_millis(),
            headers: new.headers,
            tags: new.tags,
            checksum_algorithm: new.checksum_algorithm,
            full_object: new.full_object,
            owner: new.owner,
            object_owner: new.object_acl.as_ref().map(|(o, _)| o.clone()),
            acl: new.object_acl.and_then(|(_, a)| a),
            parts: Default::default(),
        };
        let id = upload.id.clone();
        let ack = {
            let mut state = self.store.state.write();
            let b = existing_bucket_mut(&mut state, bucket)?;
            let effect = store::put_upload(bucket, &upload);
            b.uploads.insert(id.clone(), upload);
            self.submit(vec![effect])
        };
        self.finish_change(ack, Vec::new(), Vec::new()).await?;
        Ok(id)
    }

    /// The `x-amz-checksum-algorithm` `upload_id` was created with (`NoSuchUpload`).
    pub fn upload_algorithm(
        &self,
        bucket: &str,
        upload_id: &str,
    ) -> S3Result<Option<ChecksumAlgorithm>> {
        self.with_bucket(bucket, |b| {
            b.uploads
                .get(upload_id)
                .map(|u| u.checksum_algorithm)
                .ok_or_else(|| S3Error::NoSuchUpload(upload_id.to_owned()))
        })
    }

    /// Records `part` (whose content is already in its blob) as part `number` of
    /// `upload_id`, replacing an earlier upload of that number; on failure removes its blob.
    pub async fn put_part(
        &self,
        bucket: &str,
        upload_id: &str,
        number: u32,
        part: Part,
    ) -> S3Result<Arc<Part>> {
        let blob = part.blob.clone();
        let submitted = (|| {
            let mut state = self.store.state.write();
            let u = existing_bucket_mut(&mut state, bucket)?
                .uploads
                .get_mut(upload_id)
                .ok_or_else(|| S3Error::NoSuchUpload(upload_id.to_owned()))?;
            let part = Arc::new(part);
            let old = u.parts.insert(number, part.clone());
            let mut effects = vec![store::put_part(upload_id, number, &part)];
            effects.extend(self.store.blobs.staged_effect(&part.blob));
            let ack = self.submit(effects);
            let garbage: Vec<String> = old.map(|o| o.blob.clone()).into_iter().collect();
            Ok(Submitted {
                ack,
                deliveries: Vec::new(),
                garbage,
                out: part,
            })
        })();
        self.finish_with_blob(&blob, submitted).await
    }

    /// Completes `upload_id` of `key` in `bucket` from the `requested` parts: checks them,
    /// assembles the object and makes it `key` (with its notification for `ctx`) in place
    /// of the upload. Of `conditions`, only `If-None-Match: *` is checked (atomically with
    /// the replacement), as S3 does for this operation.
    pub async fn complete_upload(
        &self,
        ctx: &RequestContext,
        bucket: &str,
        key: &str,
        upload_id: &str,
        requested: &[CompletedPart],
        conditions: WriteConditions<'_>,
    ) -> S3Result<Arc<ObjectMeta>> {
        // Check the list against the stored parts and open their content.
        let (upload, chosen, sources) = self.with_bucket(bucket, |b| {
            let u = b
                .uploads
                .get(upload_id)
                .filter(|u| u.key == key)
                .ok_or_else(|| S3Error::NoSuchUpload(upload_id.to_owned()))?;
            let chosen = choose_parts(u, upload_id, requested)?;
            let mut sources = Vec::with_capacity(chosen.len());
            for p in &chosen {
                sources.push((self.store.blobs.open_reader(&p.blob)?, 0, p.size));
            }
            let mut shell = u.clone();
            shell.parts = Default::default();
            Ok((shell, chosen, sources))
        })?;
        let total: u64 = chosen.iter().map(|p| p.size).sum();
        if total > limits::MAX_OBJECT_SIZE {
            return Err(S3Error::EntityTooLarge {
                proposed: total,
                max: limits::MAX_OBJECT_SIZE,
            });
        }
        let etag = multipart_etag(&chosen);
        let checksum = multipart_checksum(&upload, &chosen);
        let blobs = self.store.blobs.clone();
        let assembled = tokio::task::spawn_blocking(move || blobs.assemble(sources, false, None))
            .await
            .map_err(S3Error::internal)??;
        let meta = ObjectMeta {
            blob: assembled.id.clone(),
            size: assembled.len,
            etag,
            last_modified: self.env.clock.now_millis(),
            headers: upload.headers,
            checksum,
            tags: upload.tags,
            parts: chosen.len() as u32,
            owner: upload.object_owner.unwrap_or(upload.owner),
            acl: upload.acl,
        };
        // Commit: the object replaces the upload.
        let submitted = (|| {
            let mut state = self.store.state.write();
            let b = existing_bucket_mut(&mut state, bucket)?;
            if conditions.if_none_match.is_some_and(|m| m.trim() == "*")
                && b.objects.contains_key(key)
            {
                return Err(S3Error::PreconditionFailed("If-None-Match"));
            }
            let u = b
                .uploads
                .remove(upload_id)
                .ok_or_else(|| S3Error::NoSuchUpload(upload_id.to_owned()))?;
            let meta = Arc::new(meta);
            let old = b.objects.insert(key.to_owned(), meta.clone());
            let events = self.events(
                b,
                ctx,
                &EventSpec {
                    name: "s3:ObjectCreated:CompleteMultipartUpload",
                    key,
                    size: Some(meta.size),
                    etag: Some(&meta.etag),
                },
            );
            let mut effects = vec![
                Effect::DeleteUpload(upload_id.to_owned()),
                store::put_object(bucket, key, &meta),
            ];
            effects.extend(self.store.blobs.staged_effect(&meta.blob));
            effects.extend(events.effects);
            let mut garbage: Vec<String> = u.parts.values().map(|p| p.blob.clone()).collect();
            garbage.extend(old.map(|o| o.blob.clone()));
            Ok(Submitted {
                ack: self.submit(effects),
                deliveries: events.deliveries,
                garbage,
                out: meta,
            })
        })();
        self.finish_with_blob(&assembled.id, submitted).await
    }

    /// Aborts `upload_id` in `bucket`, removing its parts after the commit.
    pub async fn abort_upload(&self, bucket: &str, upload_id: &str) -> S3Result<()> {
        let (ack, garbage) = {
            let mut state = self.store.state.write();
            let b = existing_bucket_mut(&mut state, bucket)?;
            let u = b
                .uploads
                .remove(upload_id)
                .ok_or_else(|| S3Error::NoSuchUpload(upload_id.to_owned()))?;
            let garbage: Vec<String> = u.parts.values().map(|p| p.blob.clone()).collect();
            (
                self.submit(vec![Effect::DeleteUpload(upload_id.to_owned())]),
                garbage,
            )
        };
        self.finish_change(ack, Vec::new(), garbage).await
    }

    /// The upload `upload_id` of `key` in `bucket`, with its parts (`NoSuchUpload`).
    pub fn upload(&self, bucket: &str, key: &str, upload_id: &str) -> S3Result<Upload> {
        self.with_bucket(bucket, |b| {
            b.uploads
                .get(upload_id)
                .filter(|u| u.key == key)
                .cloned()
                .ok_or_else(|| S3Error::NoSuchUpload(upload_id.to_owned()))
        })
    }

    /// The uploads in progress in `bucket` whose key starts with `prefix`, ordered by key,
    /// initiation time and id.
    pub fn list_uploads(&self, bucket: &str, prefix: &str) -> S3Result<Vec<Upload>> {
        let mut uploads: Vec<Upload> = self.with_bucket(bucket, |b| {
            Ok(b.uploads
                .values()
                .filter(|u| u.key.starts_with(prefix))
                .cloned()
                .collect())
        })?;
        uploads.sort_by(|a, b| (&a.key, a.initiated, &a.id).cmp(&(&b.key, b.initiated, &b.id)));
        Ok(uploads)
    }
}
