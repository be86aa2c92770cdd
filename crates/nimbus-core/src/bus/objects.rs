//! S3 as other services see it: reading an object's content in-process.
//!
//! Lambda fetches function packages named by `S3Bucket`/`S3Key` through [`ObjectReader`],
//! which S3 implements and registers on the [`super::ServiceBus`]. A failed read
//! carries S3's own error code and message (see [`ObjectError`]), so a caller can report it
//! the way AWS does (`S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not
//! exist.`).

use async_trait::async_trait;
use bytes::Bytes;

use super::DeliveryError;
use crate::AccountId;

/// S3's `NoSuchBucket` code.
pub const NO_SUCH_BUCKET: &str = "NoSuchBucket";
/// S3's `NoSuchKey` code.
pub const NO_SUCH_KEY: &str = "NoSuchKey";
/// S3's `InvalidArgument` code.
pub const INVALID_ARGUMENT: &str = "InvalidArgument";
/// The code of a read refused because the object is larger than the caller's cap (S3 has no
/// such error of its own; the name follows S3's `EntityTooLarge`).
pub const ENTITY_TOO_LARGE: &str = "EntityTooLarge";

/// Reads objects out of S3 on behalf of another service.
#[async_trait]
pub trait ObjectReader: Send + Sync {
    /// The whole content of `bucket`/`key` as `account` would get it with GetObject.
    ///
    /// `version` is an S3 version id (`"null"` names the current object of an unversioned
    /// bucket). `max_bytes` bounds what the caller is ready to hold: a larger object is not
    /// read and the answer is [`DeliveryError::Rejected`] with [`ENTITY_TOO_LARGE`].
    /// A missing bucket or key answers [`DeliveryError::NoSuchDestination`]; every failure
    /// carries an [`ObjectError`] message that [`ObjectError::from_delivery`] recovers.
    async fn get_object(
        &self,
        account: &AccountId,
        bucket: &str,
        key: &str,
        version: Option<&str>,
        max_bytes: u64,
    ) -> Result<Bytes, DeliveryError>;
}

/// An S3 error behind a failed [`ObjectReader::get_object`]: the code and message GetObject
/// would answer, and the object it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectError {
    /// S3's error code (`NoSuchBucket`, `NoSuchKey`, `InvalidArgument`…).
    pub code: String,
    /// S3's error message (`The specified key does not exist.`).
    pub message: String,
}

/// Separates S3's message from the object it names in a [`DeliveryError`]'s text. S3's
/// messages never contain it.
const OBJECT_MARK: &str = " (s3://";

impl ObjectError {
    /// An error with S3's `code` and `message`.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> ObjectError {
        ObjectError {
            code: code.into(),
            message: message.into(),
        }
    }

    /// `NoSuchBucket`, as S3 words it.
    pub fn no_such_bucket() -> ObjectError {
        ObjectError::new(NO_SUCH_BUCKET, "The specified bucket does not exist")
    }

    /// `NoSuchKey`, as S3 words it.
    pub fn no_such_key() -> ObjectError {
        ObjectError::new(NO_SUCH_KEY, "The specified key does not exist.")
    }

    /// The [`DeliveryError`] for this error about `bucket`/`key`: `NoSuchBucket` and
    /// `NoSuchKey` are [`DeliveryError::NoSuchDestination`], anything else
    /// [`DeliveryError::Rejected`]. The text reads `<code>: <message> (s3://<bucket>/<key>)`.
    pub fn into_delivery(self, bucket: &str, key: &str) -> DeliveryError {
        let text = format!(
            "{}: {}{OBJECT_MARK}{bucket}/{key})",
            self.code, self.message
        );
        if self.code == NO_SUCH_BUCKET || self.code == NO_SUCH_KEY {
            DeliveryError::NoSuchDestination(text)
        } else {
            DeliveryError::Rejected(text)
        }
    }

    /// The S3 error in a [`DeliveryError`] made by [`ObjectError::into_delivery`]; `None` for
    /// other errors (an unavailable S3, texts without a code).
    pub fn from_delivery(err: &DeliveryError) -> Option<ObjectError> {
        let text = match err {
            DeliveryError::NoSuchDestination(t) | DeliveryError::Rejected(t) => t,
            DeliveryError::Unavailable(_) | DeliveryError::AccessDenied(_) => return None,
        };
        let (code, rest) = text.split_once(": ")?;
        if code.is_empty() || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        let message = rest.split_once(OBJECT_MARK).map_or(rest, |(m, _)| m);
        Some(ObjectError::new(code, message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_key_is_no_such_destination_naming_the_object() {
        let e = ObjectError::no_such_key().into_delivery("code", "dir/fn (v2).zip");
        match &e {
            DeliveryError::NoSuchDestination(t) => {
                assert_eq!(
                    t,
                    "NoSuchKey: The specified key does not exist. (s3://code/dir/fn (v2).zip)"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            ObjectError::from_delivery(&e),
            Some(ObjectError::no_such_key())
        );
    }

    #[test]
    fn missing_bucket_round_trips() {
        let e = ObjectError::no_such_bucket().into_delivery("gone", "k");
        assert!(matches!(e, DeliveryError::NoSuchDestination(_)));
        let back = ObjectError::from_delivery(&e).unwrap();
        assert_eq!(back.code, "NoSuchBucket");
        assert_eq!(back.message, "The specified bucket does not exist");
    }

    #[test]
    fn other_codes_are_rejections() {
        let e = ObjectError::new(ENTITY_TOO_LARGE, "Object is larger than 10 bytes")
            .into_delivery("b", "k");
        assert!(matches!(e, DeliveryError::Rejected(_)));
        assert_eq!(
            ObjectError::from_delivery(&e).unwrap().message,
            "Object is larger than 10 bytes"
        );
    }

    struct Fixed;

    #[async_trait]
    impl ObjectReader for Fixed {
        async fn get_object(
            &self,
            _account: &AccountId,
            bucket: &str,
            key: &str,
            _version: Option<&str>,
            _max_bytes: u64,
        ) -> Result<Bytes, DeliveryError> {
            match key {
                "k" => Ok(Bytes::from_static(b"content")),
                _ => Err(ObjectError::no_such_key().into_delivery(bucket, key)),
            }
        }
    }

    #[tokio::test]
    async fn the_bus_finds_a_registered_reader() {
        let bus = crate::bus::ServiceBus::new();
        assert_eq!(bus.objects().err(), Some(DeliveryError::Unavailable("s3")));
        bus.register_objects(std::sync::Arc::new(Fixed));
        let reader = bus.objects().unwrap();
        let acct = AccountId::default();
        assert_eq!(
            reader.get_object(&acct, "b", "k", None, 100).await.unwrap(),
            Bytes::from_static(b"content")
        );
        let e = reader
            .get_object(&acct, "b", "x", None, 100)
            .await
            .unwrap_err();
        assert_eq!(ObjectError::from_delivery(&e).unwrap().code, NO_SUCH_KEY);
    }

    #[test]
    fn foreign_errors_carry_no_object_error() {
        assert_eq!(
            ObjectError::from_delivery(&DeliveryError::Unavailable("s3")),
            None
        );
        assert_eq!(
            ObjectError::from_delivery(&DeliveryError::Rejected("no code here".into())),
            None
        );
        assert_eq!(
            ObjectError::from_delivery(&DeliveryError::Rejected("queue gone: x".into())),
            None
        );
    }
}
