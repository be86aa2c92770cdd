//! Copies: the source looked up (its version id and copy-source conditions checked, its
//! content opened under the lock) and its bytes copied into a new blob, which
//! [`Engine::put_object`] or [`Engine::put_part`] then names.

use std::sync::Arc;

use super::objects::Preconditions;
use super::{Engine, version_id};
use crate::checksum::ChecksumAlgorithm;
use crate::error::{S3Error, S3Result};
use crate::model::ObjectMeta;
use crate::store::blobs::{Assembled, BlobReader};

/// Which copy is asking: AWS words a refused source version differently for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyOp {
    /// CopyObject.
    Object,
    /// UploadPartCopy.
    Part,
}

/// The source named by `x-amz-copy-source`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopySource {
    /// The source bucket.
    pub bucket: String,
    /// The source key.
    pub key: String,
    /// The `versionId` of the header's query, if it has one.
    pub version: Option<String>,
}

/// Checks the source's version id (see [`version_id`]): only `null` names a version of a
/// bucket without versioning. UploadPartCopy refuses any other id as `InvalidArgument`
/// naming `x-amz-copy-source`; CopyObject answers AWS's bare `InvalidRequest` ("Invalid
/// Request"), except for the empty id, which both refuse as `InvalidArgument`.
fn check_source_version(version: &str, op: CopyOp) -> S3Result<()> {
    match version_id::check(version, version_id::COPY_SOURCE_ARGUMENT) {
        Err(S3Error::InvalidVersionId { value, .. })
            if op == CopyOp::Object && !value.is_empty() =>
        {
            Err(S3Error::InvalidRequest("Invalid Request".into()))
        }
        r => r,
    }
}

/// Checks `x-amz-copy-source-if-*` (as `conditions`) against the source; all failures
/// are 412, named after the copy-source header.
fn check_copy_conditions(conditions: &Preconditions<'_>, src: &ObjectMeta) -> S3Result<()> {
    match conditions.check(src) {
        Ok(()) => Ok(()),
        Err(S3Error::NotModified { .. }) => {
            let cond = if conditions.if_none_match.is_some() {
                "x-amz-copy-source-If-None-Match"
            } else {
                "x-amz-copy-source-If-Modified-Since"
            };
            Err(S3Error::PreconditionFailed(cond))
        }
        Err(S3Error::PreconditionFailed(c)) => {
            Err(S3Error::PreconditionFailed(if c == "If-Match" {
                "x-amz-copy-source-If-Match"
            } else {
                "x-amz-copy-source-If-Unmodified-Since"
            }))
        }
        Err(e) => Err(e),
    }
}

/// A copy source found and opened by [`Engine::open_copy_source`].
pub struct OpenedSource {
    /// The source's metadata.
    pub meta: Arc<ObjectMeta>,
    /// Its content.
    pub reader: BlobReader,
}

impl Engine {
    /// Looks up the copy source `src` for `op` (checking its version id and `conditions`)
    /// and opens its content.
    pub fn open_copy_source(
        &self,
        src: &CopySource,
        op: CopyOp,
        conditions: &Preconditions<'_>,
    ) -> S3Result<OpenedSource> {
        self.with_bucket(&src.bucket, |b| {
            if let Some(v) = &src.version {
                check_source_version(v, op)?;
            }
            let meta = b
                .objects
                .get(&src.key)
                .cloned()
                .ok_or_else(|| S3Error::NoSuchKey(src.key.clone()))?;
            check_copy_conditions(conditions, &meta)?;
            let reader = self.store.blobs.open_reader(&meta.blob)?;
            Ok(OpenedSource { meta, reader })
        })
    }

    /// Copies `len` bytes of `reader` from `start` into a new blob (off the async threads),
    /// with its MD5 and its `algorithm` checksum.
    pub async fn copy_content(
        &self,
        reader: BlobReader,
        start: u64,
        len: u64,
        algorithm: ChecksumAlgorithm,
    ) -> S3Result<Assembled> {
        let blobs = self.store.blobs.clone();
        tokio::task::spawn_blocking(move || {
            blobs.assemble(vec![(reader, start, len)], true, Some(algorithm))
        })
        .await
        .map_err(S3Error::internal)?
    }
}
