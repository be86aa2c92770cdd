//! S3's [`ObjectReader`] on the service bus: other services (Lambda fetching a function
//! package named by `S3Bucket`/`S3Key`) read an object's content in-process, with GetObject's
//! answers for a missing bucket or key.

use std::sync::{Arc, Weak};

use async_trait::async_trait;
use bytes::Bytes;
use nimbus_core::bus::DeliveryError;
use nimbus_core::bus::objects::{ENTITY_TOO_LARGE, INVALID_ARGUMENT, ObjectError, ObjectReader};
use nimbus_core::{AccountId, ServiceEnv};

use crate::Inner;

/// Reads objects for other services; holds S3 weakly so the bus does not keep it alive.
pub struct S3Objects {
    inner: Weak<Inner>,
}

/// Registers a reader over the S3 state `inner` on `env`'s bus.
pub fn register(env: &ServiceEnv, inner: &Arc<Inner>) {
    env.bus.register_objects(Arc::new(S3Objects {
        inner: Arc::downgrade(inner),
    }));
}

/// The answer for a storage failure, in S3's words.
fn internal(cause: impl std::fmt::Display, bucket: &str, key: &str) -> DeliveryError {
    tracing::error!(bucket, key, error = %cause, "reading an S3 object for another service failed");
    ObjectError::new(
        "InternalError",
        "We encountered an internal error. Please try again.",
    )
    .into_delivery(bucket, key)
}

#[async_trait]
impl ObjectReader for S3Objects {
    /// Reads like GetObject without conditions or ranges. nimbus's GetObject serves any
    /// account's request for any bucket (bucket policies and ACLs are stored, not enforced),
    /// so `account` only labels the read. Buckets are never versioned: `"null"` is the only
    /// version id, any other is S3's `InvalidArgument`.
    async fn get_object(
        &self,
        account: &AccountId,
        bucket: &str,
        key: &str,
        version: Option<&str>,
        max_bytes: u64,
    ) -> Result<Bytes, DeliveryError> {
        let inner = self
            .inner
            .upgrade()
            .ok_or(DeliveryError::Unavailable("s3"))?;
        tracing::debug!(%account, bucket, key, "object read for another service");
        let (size, reader) = {
            let state = inner.store.state.read();
            let b = state
                .buckets
                .get(bucket)
                .ok_or_else(|| ObjectError::no_such_bucket().into_delivery(bucket, key))?;
            if version.is_some_and(|v| v != "null") {
                return Err(
                    ObjectError::new(INVALID_ARGUMENT, "Invalid version id specified")
                        .into_delivery(bucket, key),
                );
            }
            let meta = b
                .objects
                .get(key)
                .ok_or_else(|| ObjectError::no_such_key().into_delivery(bucket, key))?;
            if meta.size > max_bytes {
                return Err(ObjectError::new(
                    ENTITY_TOO_LARGE,
                    format!(
                        "The object is {} bytes, more than the {max_bytes} bytes the reader accepts",
                        meta.size
                    ),
                )
                .into_delivery(bucket, key));
            }
            if meta.size == 0 {
                return Ok(Bytes::new());
            }
            let reader = inner
                .store
                .blobs
                .open_reader(&meta.blob)
                .map_err(|e| internal(e, bucket, key))?;
            (meta.size, reader)
        };
        let mut reader = reader;
        tokio::task::spawn_blocking(move || reader.read_range(0, size))
            .await
            .map_err(|e| internal(e, bucket, key))?
            .map_err(|e| internal(e, bucket, key))
    }
}
