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
use crate::engine::objects::Opened;
use crate::error::S3Error;

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
        // The size bound is carried out of the lookup as `EntityTooLarge`.
        let opened = inner.engine.open_object(bucket, key, version, |meta| {
            if meta.size > max_bytes {
                return Err(S3Error::EntityTooLarge {
                    proposed: meta.size,
                    max: max_bytes,
                });
            }
            Ok(meta.size != 0)
        });
        let (size, reader) = match opened {
            Ok(Opened {
                reader: Some(reader),
                meta,
            }) => (meta.size, reader),
            Ok(Opened { reader: None, .. }) => return Ok(Bytes::new()),
            Err(S3Error::NoSuchBucket(_)) => {
                return Err(ObjectError::no_such_bucket().into_delivery(bucket, key));
            }
            Err(S3Error::InvalidVersionId { .. }) => {
                return Err(
                    ObjectError::new(INVALID_ARGUMENT, "Invalid version id specified")
                        .into_delivery(bucket, key),
                );
            }
            Err(S3Error::NoSuchKey(_)) => {
                return Err(ObjectError::no_such_key().into_delivery(bucket, key));
            }
            Err(S3Error::EntityTooLarge { proposed, .. }) => {
                return Err(ObjectError::new(
                    ENTITY_TOO_LARGE,
                    format!(
                        "The object is {proposed} bytes, more than the {max_bytes} bytes the reader accepts"
                    ),
                )
                .into_delivery(bucket, key));
            }
            Err(e) => return Err(internal(e, bucket, key)),
        };
        let mut reader = reader;
        tokio::task::spawn_blocking(move || reader.read_range(0, size))
            .await
            .map_err(|e| internal(e, bucket, key))?
            .map_err(|e| internal(e, bucket, key))
    }
}
