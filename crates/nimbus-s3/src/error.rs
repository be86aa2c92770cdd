//! S3's errors, mapped once into [`ServiceError`].
//!
//! Each variant carries what AWS puts in the error document besides `Code` and `Message`
//! (`BucketName`, `Key`, `Condition`…), so the XML a client sees has the same fields.

use http::StatusCode;
use nimbus_wire::ServiceError;

/// An S3 error, in AWS's vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum S3Error {
    /// 404 `NoSuchBucket`.
    #[error("NoSuchBucket: {0}")]
    NoSuchBucket(String),
    /// 403 `AccessDenied` (`Access Denied`): a policy refused the request.
    #[error("AccessDenied")]
    AccessDenied,
    /// 404 `NoSuchKey`.
    #[error("NoSuchKey: {0}")]
    NoSuchKey(String),
    /// 404 `NoSuchUpload`.
    #[error("NoSuchUpload: {0}")]
    NoSuchUpload(String),
    /// 409 `BucketAlreadyOwnedByYou`.
    #[error("BucketAlreadyOwnedByYou: {0}")]
    BucketAlreadyOwnedByYou(String),
    /// 409 `BucketAlreadyExists` (another account owns the name).
    #[error("BucketAlreadyExists: {0}")]
    BucketAlreadyExists(String),
    /// 409 `BucketNotEmpty`.
    #[error("BucketNotEmpty: {0}")]
    BucketNotEmpty(String),
    /// 400 `InvalidBucketName`.
    #[error("InvalidBucketName: {0}")]
    InvalidBucketName(String),
    /// 400 `KeyTooLongError`.
    #[error("KeyTooLongError")]
    KeyTooLong,
    /// 412 `PreconditionFailed`, naming the failed condition header.
    #[error("PreconditionFailed: {0}")]
    PreconditionFailed(&'static str),
    /// 304 `NotModified` (no body).
    #[error("NotModified")]
    NotModified {
        /// The object's ETag, echoed as AWS does.
        etag: String,
        /// The object's `Last-Modified`.
        last_modified: String,
    },
    /// 416 `InvalidRange`.
    #[error("InvalidRange: {range}")]
    InvalidRange {
        /// The `Range` header as sent.
        range: String,
        /// The object's size.
        size: u64,
    },
    /// 400 `EntityTooLarge`.
    #[error("EntityTooLarge: {proposed}")]
    EntityTooLarge {
        /// The size asked for.
        proposed: u64,
        /// The limit.
        max: u64,
    },
    /// 400 `EntityTooSmall` (a multipart part other than the last under 5 MiB).
    #[error("EntityTooSmall: part {part_number}")]
    EntityTooSmall {
        /// The part's size.
        proposed: u64,
        /// The part number.
        part_number: u32,
        /// The part's ETag.
        etag: String,
    },
    /// 400 `InvalidPart`.
    #[error("InvalidPart: {part_number}")]
    InvalidPart {
        /// The upload.
        upload_id: String,
        /// The part number.
        part_number: u32,
        /// The ETag given.
        etag: String,
    },
    /// 400 `InvalidPartOrder`.
    #[error("InvalidPartOrder")]
    InvalidPartOrder(String),
    /// 400 `BadDigest` for `Content-MD5`.
    #[error("BadDigest (Content-MD5)")]
    BadDigestMd5 {
        /// The digest sent (base64).
        expected: String,
        /// The digest computed (base64).
        calculated: String,
    },
    /// 400 `BadDigest` for an `x-amz-checksum-*` value.
    #[error("BadDigest ({0})")]
    BadChecksum(&'static str),
    /// 400 `InvalidDigest`: `Content-MD5` is not base64 of 16 bytes.
    #[error("InvalidDigest")]
    InvalidDigest(String),
    /// 400 `XAmzContentSHA256Mismatch`.
    #[error("XAmzContentSHA256Mismatch")]
    ContentSha256Mismatch {
        /// What the client claimed.
        client: String,
        /// What was received.
        computed: String,
    },
    /// 400 `IncompleteBody`.
    #[error("IncompleteBody")]
    IncompleteBody(String),
    /// 411 `MissingContentLength`.
    #[error("MissingContentLength")]
    MissingContentLength,
    /// 400 `MalformedXML`.
    #[error("MalformedXML")]
    MalformedXml,
    /// 400 `MalformedPolicy`.
    #[error("MalformedPolicy: {0}")]
    MalformedPolicy(String),
    /// 400 `InvalidArgument`, with the argument's name and value when known.
    #[error("InvalidArgument: {message}")]
    InvalidArgument {
        /// The message.
        message: String,
        /// `ArgumentName` / `ArgumentValue`.
        argument: Option<(String, String)>,
    },
    /// 400 `InvalidArgument` for a version id that names no version: on a bucket that never
    /// had versioning, anything but `null` ("Invalid version id specified"), and anywhere the
    /// empty string ("Version id cannot be the empty string"). `argument` is where the id was
    /// given (`versionId`, or `x-amz-copy-source` for a copy's source); `value` is the id.
    #[error("InvalidArgument: version id {value:?} ({argument})")]
    InvalidVersionId {
        /// `ArgumentName`.
        argument: &'static str,
        /// `ArgumentValue`: the version id as given.
        value: String,
    },
    /// 400 `InvalidRequest`.
    #[error("InvalidRequest: {0}")]
    InvalidRequest(String),
    /// 400 `InvalidTag`.
    #[error("InvalidTag: {0}")]
    InvalidTag(String),
    /// 400 `InvalidLocationConstraint`.
    #[error("InvalidLocationConstraint: {0}")]
    InvalidLocationConstraint(String),
    /// 400 `IllegalLocationConstraintException`.
    #[error("IllegalLocationConstraintException: {0}")]
    IllegalLocationConstraint(String),
    /// 404 `NoSuchTagSet`.
    #[error("NoSuchTagSet")]
    NoSuchTagSet(String),
    /// 404 `NoSuchBucketPolicy`.
    #[error("NoSuchBucketPolicy")]
    NoSuchBucketPolicy(String),
    /// 404 `NoSuchCORSConfiguration`.
    #[error("NoSuchCORSConfiguration")]
    NoSuchCorsConfiguration(String),
    /// 403 `AccessForbidden` for a refused CORS preflight.
    #[error("AccessForbidden: {0}")]
    CorsForbidden(&'static str),
    /// 405 `MethodNotAllowed`.
    #[error("MethodNotAllowed")]
    MethodNotAllowed {
        /// The method.
        method: String,
        /// `BUCKET`, `OBJECT` or `SERVICE`.
        resource: &'static str,
    },
    /// 501 `NotImplemented`.
    #[error("NotImplemented: {0}")]
    NotImplemented(String),
    /// 403 `SignatureDoesNotMatch` (chunk or trailer signatures).
    #[error("SignatureDoesNotMatch")]
    SignatureDoesNotMatch,
    /// 400 `InvalidEncryptionAlgorithmError` and friends are folded into this.
    #[error("{code}: {message}")]
    Other {
        /// The status.
        status: StatusCode,
        /// The code.
        code: &'static str,
        /// The message.
        message: String,
    },
    /// 500 `InternalError`.
    #[error("InternalError: {0}")]
    Internal(String),
    /// An error of S3 Control's account-level API, which wraps its `<Error>` in an
    /// `<ErrorResponse>` (S3 Control has no `noErrorWrapping`).
    #[error("{0}")]
    Control(Box<S3Error>),
    /// An error already in its wire form (several numbered fields, as destination
    /// validation reports).
    #[error("{0}")]
    Detailed(Box<ServiceError>),
}

impl S3Error {
    /// An `InvalidArgument` without argument fields.
    pub fn invalid_argument(message: impl Into<String>) -> S3Error {
        S3Error::InvalidArgument {
            message: message.into(),
            argument: None,
        }
    }

    /// An `InvalidArgument` naming the argument.
    pub fn invalid_argument_named(
        message: impl Into<String>,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> S3Error {
        S3Error::InvalidArgument {
            message: message.into(),
            argument: Some((name.into(), value.into())),
        }
    }

    /// `TooManyBuckets`: the account owns the most buckets it may.
    pub fn too_many_buckets() -> S3Error {
        S3Error::Other {
            status: StatusCode::BAD_REQUEST,
            code: "TooManyBuckets",
            message: "You have attempted to create more buckets than allowed".into(),
        }
    }

    /// `NoSuchConfiguration`: no metrics configuration has the id.
    pub fn no_such_configuration() -> S3Error {
        S3Error::Other {
            status: StatusCode::NOT_FOUND,
            code: "NoSuchConfiguration",
            message: "The specified configuration does not exist.".into(),
        }
    }

    /// `TooManyConfigurations`: the bucket has the most metrics configurations it may.
    pub fn too_many_configurations() -> S3Error {
        S3Error::Other {
            status: StatusCode::BAD_REQUEST,
            code: "TooManyConfigurations",
            message: "You are attempting to create a new configuration but have already reached the 1,000-configuration limit.".into(),
        }
    }

    /// An `InternalError` from any displayable cause (logged where it is made).
    pub fn internal(cause: impl std::fmt::Display) -> S3Error {
        tracing::error!(error = %cause, "S3 internal error");
        S3Error::Internal(cause.to_string())
    }
}

impl From<nimbus_core::storage::group_commit::CommitError> for S3Error {
    /// A failed or abandoned commit is the server's fault: `InternalError`.
    fn from(e: nimbus_core::storage::group_commit::CommitError) -> S3Error {
        S3Error::internal(e)
    }
}

impl From<std::io::Error> for S3Error {
    fn from(e: std::io::Error) -> S3Error {
        S3Error::internal(format!("storage I/O: {e}"))
    }
}

fn e(status: StatusCode, code: &'static str, message: impl Into<String>) -> ServiceError {
    ServiceError::new(status, code, message)
}

impl From<S3Error> for ServiceError {
    fn from(err: S3Error) -> ServiceError {
        use S3Error::*;
        const BAD: StatusCode = StatusCode::BAD_REQUEST;
        match err {
            NoSuchBucket(b) => e(
                StatusCode::NOT_FOUND,
                "NoSuchBucket",
                "The specified bucket does not exist",
            )
            .with_field("BucketName", b),
            NoSuchKey(k) => e(
                StatusCode::NOT_FOUND,
                "NoSuchKey",
                "The specified key does not exist.",
            )
            .with_field("Key", k),
            NoSuchUpload(id) => e(
                StatusCode::NOT_FOUND,
                "NoSuchUpload",
                "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
            )
            .with_field("UploadId", id),
            BucketAlreadyOwnedByYou(b) => e(
                StatusCode::CONFLICT,
                "BucketAlreadyOwnedByYou",
                "Your previous request to create the named bucket succeeded and you already own it.",
            )
            .with_field("BucketName", b),
            BucketAlreadyExists(b) => e(
                StatusCode::CONFLICT,
                "BucketAlreadyExists",
                "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
            )
            .with_field("BucketName", b),
            BucketNotEmpty(b) => e(
                StatusCode::CONFLICT,
                "BucketNotEmpty",
                "The bucket you tried to delete is not empty",
            )
            .with_field("BucketName", b),
            InvalidBucketName(b) => e(BAD, "InvalidBucketName", "The specified bucket is not valid.")
                .with_field("BucketName", b),
            KeyTooLong => e(BAD, "KeyTooLongError", "Your key is too long")
                .with_field("MaxSizeAllowed", "1024"),
            PreconditionFailed(cond) => e(
                StatusCode::PRECONDITION_FAILED,
                "PreconditionFailed",
                "At least one of the pre-conditions you specified did not hold",
            )
            .with_field("Condition", cond),
            NotModified {
                etag,
                last_modified,
            } => {
                let mut err = e(StatusCode::NOT_MODIFIED, "NotModified", "Not Modified");
                if let Ok(v) = http::HeaderValue::from_str(&etag) {
                    err = err.with_header(http::header::ETAG, v);
                }
                if let Ok(v) = http::HeaderValue::from_str(&last_modified) {
                    err = err.with_header(http::header::LAST_MODIFIED, v);
                }
                err
            }
            InvalidRange { range, size } => e(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "InvalidRange",
                "The requested range is not satisfiable",
            )
            .with_field("RangeRequested", range)
            .with_field("ActualObjectSize", size.to_string()),
            EntityTooLarge { proposed, max } => e(
                BAD,
                "EntityTooLarge",
                "Your proposed upload exceeds the maximum allowed size",
            )
            .with_field("ProposedSize", proposed.to_string())
            .with_field("MaxSizeAllowed", max.to_string()),
            EntityTooSmall {
                proposed,
                part_number,
                etag,
            } => e(
                BAD,
                "EntityTooSmall",
                "Your proposed upload is smaller than the minimum allowed size",
            )
            .with_field("ProposedSize", proposed.to_string())
            .with_field("MinSizeAllowed", crate::limits::MIN_PART_SIZE.to_string())
            .with_field("PartNumber", part_number.to_string())
            .with_field("ETag", etag),
            InvalidPart {
                upload_id,
                part_number,
                etag,
            } => e(
                BAD,
                "InvalidPart",
                "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
            )
            .with_field("UploadId", upload_id)
            .with_field("PartNumber", part_number.to_string())
            .with_field("ETag", etag),
            InvalidPartOrder(upload_id) => e(
                BAD,
                "InvalidPartOrder",
                "The list of parts was not in ascending order. Parts must be ordered by part number.",
            )
            .with_field("UploadId", upload_id),
            BadDigestMd5 {
                expected,
                calculated,
            } => e(
                BAD,
                "BadDigest",
                "The Content-MD5 you specified did not match what we received.",
            )
            .with_field("ExpectedDigest", expected)
            .with_field("CalculatedDigest", calculated),
            BadChecksum(algo) => e(
                BAD,
                "BadDigest",
                format!("The {algo} you specified did not match the calculated checksum."),
            ),
            InvalidDigest(given) => e(
                BAD,
                "InvalidDigest",
                "The Content-MD5 you specified is not valid.",
            )
            .with_field("Content-MD5", given),
            ContentSha256Mismatch { client, computed } => e(
                BAD,
                "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            )
            .with_field("ClientComputedContentSHA256", client)
            .with_field("S3ComputedContentSHA256", computed),
            IncompleteBody(m) => e(BAD, "IncompleteBody", m),
            MissingContentLength => e(
                StatusCode::LENGTH_REQUIRED,
                "MissingContentLength",
                "You must provide the Content-Length HTTP header.",
            ),
            MalformedXml => e(
                BAD,
                "MalformedXML",
                "The XML you provided was not well-formed or did not validate against our published schema",
            ),
            MalformedPolicy(m) => e(BAD, "MalformedPolicy", m),
            InvalidArgument { message, argument } => {
                let mut err = e(BAD, "InvalidArgument", message);
                if let Some((name, value)) = argument {
                    err = err
                        .with_field("ArgumentName", name)
                        .with_field("ArgumentValue", value);
                }
                err
            }
            InvalidVersionId { argument, value } => e(
                BAD,
                "InvalidArgument",
                if value.is_empty() {
                    "Version id cannot be the empty string"
                } else {
                    "Invalid version id specified"
                },
            )
            .with_field("ArgumentName", argument)
            .with_field("ArgumentValue", value),
            InvalidRequest(m) => e(BAD, "InvalidRequest", m),
            InvalidTag(m) => e(BAD, "InvalidTag", m),
            InvalidLocationConstraint(c) => e(
                BAD,
                "InvalidLocationConstraint",
                "The specified location-constraint is not valid",
            )
            .with_field("LocationConstraint", c),
            IllegalLocationConstraint(m) => e(BAD, "IllegalLocationConstraintException", m),
            NoSuchTagSet(b) => e(StatusCode::NOT_FOUND, "NoSuchTagSet", "The TagSet does not exist")
                .with_field("BucketName", b),
            NoSuchBucketPolicy(b) => e(
                StatusCode::NOT_FOUND,
                "NoSuchBucketPolicy",
                "The bucket policy does not exist",
            )
            .with_field("BucketName", b),
            NoSuchCorsConfiguration(b) => e(
                StatusCode::NOT_FOUND,
                "NoSuchCORSConfiguration",
                "The CORS configuration does not exist",
            )
            .with_field("BucketName", b),
            CorsForbidden(m) => e(StatusCode::FORBIDDEN, "AccessForbidden", m),
            AccessDenied => e(StatusCode::FORBIDDEN, "AccessDenied", "Access Denied"),
            MethodNotAllowed { method, resource } => e(
                StatusCode::METHOD_NOT_ALLOWED,
                "MethodNotAllowed",
                "The specified method is not allowed against this resource.",
            )
            .with_field("Method", method)
            .with_field("ResourceType", resource),
            NotImplemented(m) => e(StatusCode::NOT_IMPLEMENTED, "NotImplemented", m),
            SignatureDoesNotMatch => e(
                StatusCode::FORBIDDEN,
                "SignatureDoesNotMatch",
                nimbus_wire::sigv4::SIGNATURE_MISMATCH_MESSAGE,
            ),
            Other {
                status,
                code,
                message,
            } => e(status, code, message),
            Detailed(err) => *err,
            Control(err) => ServiceError::from(*err).wrapped(),
            Internal(m) => e(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                format!("We encountered an internal error. Please try again. ({m})"),
            ),
        }
    }
}

/// The result type of S3 operations.
pub type S3Result<T> = Result<T, S3Error>;
