//! Objects: stored (with S3's write conditions and the notification they cause), read
//! (with its read conditions, the content opened under the lock so that a concurrent
//! replacement cannot remove it first), deleted one at a time or in batches.

use std::sync::Arc;

use nimbus_core::RequestContext;

use super::events::EventSpec;
use super::{Engine, Submitted, existing_bucket_mut, version_id};
use crate::error::{S3Error, S3Result};
use crate::model::ObjectMeta;
use crate::store;

/// The content handles the engine hands out, and how they are read: [`BlobReader`] reads
/// ranges; reads up to [`SMALL_READ`] bytes are done whole, larger ones in
/// [`READ_CHUNK`]-byte steps.
pub use crate::store::blobs::{BlobReader, READ_CHUNK, SMALL_READ};

/// `If-Match` / `If-None-Match` against `etag` (unquoted): a list of quoted or bare tags, or `*`.
pub fn etag_matches(header: &str, etag: &str) -> bool {
    header
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/").trim_matches('"'))
        .any(|t| t == "*" || t == etag)
}

/// The read conditions of a GET or HEAD (or, renamed, of a copy source): `If-Match`,
/// `If-None-Match` as sent, the `If-(Un)Modified-Since` dates in seconds (`None` when
/// absent or unreadable, which S3 ignores).
#[derive(Debug, Clone, Copy, Default)]
pub struct Preconditions<'a> {
    /// `If-Match`.
    pub if_match: Option<&'a str>,
    /// `If-None-Match`.
    pub if_none_match: Option<&'a str>,
    /// `If-Modified-Since`, s.
    pub if_modified_since: Option<u64>,
    /// `If-Unmodified-Since`, s.
    pub if_unmodified_since: Option<u64>,
}

impl Preconditions<'_> {
    /// Evaluates the conditions against `meta` in S3's order: 412 `PreconditionFailed`
    /// (`If-Match`, else `If-Unmodified-Since`), then 304 `NotModified` (`If-None-Match`,
    /// else `If-Modified-Since`).
    pub fn check(&self, meta: &ObjectMeta) -> S3Result<()> {
        let modified = meta.last_modified / 1000;
        if let Some(m) = self.if_match {
            if !etag_matches(m, &meta.etag) {
                return Err(S3Error::PreconditionFailed("If-Match"));
            }
        } else if let Some(d) = self.if_unmodified_since
            && modified > d
        {
            return Err(S3Error::PreconditionFailed("If-Unmodified-Since"));
        }
        let not_modified = || S3Error::NotModified {
            etag: meta.quoted_etag(),
            last_modified: nimbus_core::timefmt::http_date(meta.last_modified),
        };
        if let Some(m) = self.if_none_match {
            if etag_matches(m, &meta.etag) {
                return Err(not_modified());
            }
        } else if let Some(d) = self.if_modified_since
            && modified <= d
        {
            return Err(not_modified());
        }
        Ok(())
    }
}

/// The conditions of a write (PutObject, CopyObject, PostObject, CompleteMultipartUpload),
/// checked atomically with it.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteConditions<'a> {
    /// `If-Match`: the current object's ETag must match (`NoSuchKey` when there is none).
    pub if_match: Option<&'a str>,
    /// `If-None-Match`: `*` refuses to replace an existing object.
    pub if_none_match: Option<&'a str>,
}

impl WriteConditions<'_> {
    /// Checks the conditions against the current object `existing` of `key`.
    fn check(&self, key: &str, existing: Option<&Arc<ObjectMeta>>) -> S3Result<()> {
        if let Some(m) = self.if_none_match
            && m.trim() == "*"
            && existing.is_some()
        {
            return Err(S3Error::PreconditionFailed("If-None-Match"));
        }
        if let Some(m) = self.if_match {
            match existing {
                None => return Err(S3Error::NoSuchKey(key.to_owned())),
                Some(e) if !etag_matches(m, &e.etag) => {
                    return Err(S3Error::PreconditionFailed("If-Match"));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// An object found by [`Engine::open_object`]: its metadata and, when asked for, its
/// content opened.
pub struct Opened {
    /// The metadata.
    pub meta: Arc<ObjectMeta>,
    /// The content (`None` when not asked for, or empty).
    pub reader: Option<BlobReader>,
}

/// One entry of a DeleteObjects request and what became of it.
#[derive(Debug, Clone)]
pub struct DeleteEntry {
    /// `Key`.
    pub key: String,
    /// `VersionId`, when the entry names one.
    pub version: Option<String>,
    /// The per-entry error (code, message), when it was not deleted.
    pub error: Option<(&'static str, &'static str)>,
}

impl Engine {
    /// Makes `meta` (whose content is already in its blob) the object `key` of `bucket`,
    /// checking `conditions` atomically, with the notification `event` for the request
    /// `ctx`; removes the replaced content after the commit. On failure the new blob is
    /// removed.
    pub async fn put_object(
        &self,
        ctx: &RequestContext,
        bucket: &str,
        key: &str,
        meta: ObjectMeta,
        conditions: WriteConditions<'_>,
        event: &str,
    ) -> S3Result<Arc<ObjectMeta>> {
        let new_blob = meta.blob.clone();
        let submitted = (|| {
            let mut state = self.store.state.write();
            let b = existing_bucket_mut(&mut state, bucket)?;
            conditions.check(key, b.objects.get(key))?;
            let meta = Arc::new(meta);
            let old = b.objects.insert(key.to_owned(), meta.clone());
            let events = self.events(
                b,
                ctx,
                &EventSpec {
                    name: event,
                    key,
                    size: Some(meta.size),
                    etag: Some(&meta.etag),
                },
            );
            let mut effects = vec![store::put_object(bucket, key, &meta)];
            effects.extend(self.store.blobs.staged_effect(&meta.blob));
            effects.extend(events.effects);
            let ack = self.submit(effects);
            let garbage: Vec<String> = old.map(|o| o.blob.clone()).into_iter().collect();
            Ok(Submitted {
                ack,
                deliveries: events.deliveries,
                garbage,
                out: meta,
            })
        })();
        self.finish_with_blob(&new_blob, submitted).await
    }

    /// Looks up `key` in `bucket` (`version` is the request's version id, if any), checks it
    /// with `check` and, when `check` says so, opens its content, all under the read lock.
    pub fn open_object(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&str>,
        check: impl FnOnce(&ObjectMeta) -> S3Result<bool>,
    ) -> S3Result<Opened> {
        self.with_bucket(bucket, |b| {
            version_id::check_query(version)?;
            let meta = b
                .objects
                .get(key)
                .cloned()
                .ok_or_else(|| S3Error::NoSuchKey(key.to_owned()))?;
            let reader = if check(&meta)? {
                Some(self.store.blobs.open_reader(&meta.blob)?)
            } else {
                None
            };
            Ok(Opened { meta, reader })
        })
    }

    /// The owner of `key` in `bucket` as its ACL names it (`version` is the request's
    /// version id, if any): with S3's default object ownership (bucket owner enforced),
    /// the bucket's owner.
    pub fn object_owner(&self, bucket: &str, key: &str, version: Option<&str>) -> S3Result<String> {
        self.with_bucket(bucket, |b| {
            version_id::check_query(version)?;
            b.objects
                .get(key)
                .map(|_| b.info.account.clone())
                .ok_or_else(|| S3Error::NoSuchKey(key.to_owned()))
        })
    }

    /// Deletes `key` from `bucket` (`version` is the request's version id; `if_match` the
    /// ETag the object must have), with its notification for `ctx`. Deleting a missing
    /// key succeeds.
    pub async fn delete_object(
        &self,
        ctx: &RequestContext,
        bucket: &str,
        key: &str,
        version: Option<&str>,
        if_match: Option<&str>,
    ) -> S3Result<()> {
        let (ack, deliveries, garbage) = {
            let mut state = self.store.state.write();
            let b = existing_bucket_mut(&mut state, bucket)?;
            // A version id other than `null` names nothing here: refused before anything is
            // looked at or removed.
            version_id::check_query(version)?;
            if let Some(m) = if_match {
                match b.objects.get(key) {
                    None => return Err(S3Error::NoSuchKey(key.to_owned())),
                    Some(o) if !etag_matches(m, &o.etag) => {
                        return Err(S3Error::PreconditionFailed("If-Match"));
                    }
                    _ => {}
                }
            }
            let Some(old) = b.objects.remove(key) else {
                return Ok(());
            };
            let events = self.events(
                b,
                ctx,
                &EventSpec {
                    name: "s3:ObjectRemoved:Delete",
                    key,
                    size: None,
                    etag: None,
                },
            );
            let mut effects = vec![store::delete_object(bucket, key)];
            effects.extend(events.effects);
            (
                self.submit(effects),
                events.deliveries,
                vec![old.blob.clone()],
            )
        };
        self.finish_change(ack, deliveries, garbage).await
    }

    /// Deletes each entry's key from `bucket` as [`Engine::delete_object`] would, in one
    /// commit; an entry that cannot be deleted gets its `error` (a key too long, a version
    /// other than `null`) and deletes nothing.
    pub async fn delete_objects(
        &self,
        ctx: &RequestContext,
        bucket: &str,
        entries: &mut [DeleteEntry],
    ) -> S3Result<()> {
        let (ack, deliveries, garbage) = {
            let mut state = self.store.state.write();
            let b = existing_bucket_mut(&mut state, bucket)?;
            let mut effects = Vec::new();
            let mut deliveries = Vec::new();
            let mut garbage = Vec::new();
            for entry in entries.iter_mut() {
                // Refused before (AccessDenied for this key).
                if entry.error.is_some() {
                    continue;
                }
                let key = &entry.key;
                if key.len() > crate::limits::MAX_KEY_BYTES {
                    entry.error = Some(("KeyTooLongError", "Your key is too long"));
                    continue;
                }
                // Only `null` names a version in a bucket without versioning; an entry naming
                // another deletes nothing (see `version_id`).
                if entry
                    .version
                    .as_deref()
                    .is_some_and(|v| !version_id::names_a_version(v))
                {
                    entry.error = Some(("NoSuchVersion", "The specified version does not exist."));
                    continue;
                }
                if let Some(old) = b.objects.remove(key) {
                    garbage.push(old.blob.clone());
                    effects.push(store::delete_object(bucket, key));
                    let ev = self.events(
                        b,
                        ctx,
                        &EventSpec {
                            name: "s3:ObjectRemoved:Delete",
                            key,
                            size: None,
                            etag: None,
                        },
                    );
                    effects.extend(ev.effects);
                    deliveries.extend(ev.deliveries);
                }
            }
            (self.submit(effects), deliveries, garbage)
        };
        self.finish_change(ack, deliveries, garbage).await
    }
}
