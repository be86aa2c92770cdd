//! Lambda's errors, mapped once into [`ServiceError`].
//!
//! Lambda answers errors on restJson1: the code in the `x-amzn-ErrorType` header, a body
//! `{"Type":"User","message":"…"}` (`Type` is `Service` for server faults). The model spells
//! the message member `message` for some exceptions and `Message` for others; each variant
//! renders it as the model spells it (see [`LambdaError::capital_message`]).

use std::borrow::Cow;

use http::{HeaderValue, StatusCode};
use nimbus_wire::ServiceError;

/// The largest synchronous invocation payload (request or response), in bytes.
pub const MAX_SYNC_PAYLOAD: usize = 6 * 1024 * 1024;
/// The largest asynchronous (`Event`) invocation payload, in bytes.
pub const MAX_ASYNC_PAYLOAD: usize = 1024 * 1024;

/// Why AWS throttled an invocation (`TooManyRequestsException.Reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThrottleReason {
    /// The function's reserved concurrency is in use (or is 0).
    ReservedFunctionConcurrentInvocationLimitExceeded,
    /// The account's unreserved concurrency is in use.
    ConcurrentInvocationLimitExceeded,
}

impl ThrottleReason {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ThrottleReason::ReservedFunctionConcurrentInvocationLimitExceeded => {
                "ReservedFunctionConcurrentInvocationLimitExceeded"
            }
            ThrottleReason::ConcurrentInvocationLimitExceeded => {
                "ConcurrentInvocationLimitExceeded"
            }
        }
    }
}

/// Every error the Lambda API answers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LambdaError {
    /// `ResourceNotFoundException`, 404.
    #[error("{0}")]
    ResourceNotFound(String),
    /// `ResourceConflictException`, 409.
    #[error("{0}")]
    ResourceConflict(String),
    /// `InvalidParameterValueException`, 400.
    #[error("{0}")]
    InvalidParameterValue(String),
    /// `ValidationException`, 400: a member violates the model's constraints.
    #[error("{0}")]
    Validation(String),
    /// `InvalidRequestContentException`, 400: the body is not the JSON the operation takes.
    #[error("{0}")]
    InvalidRequestContent(String),
    /// `RequestTooLargeException`, 413.
    #[error("{0}")]
    RequestTooLarge(String),
    /// `TooManyRequestsException`, 429, with its reason.
    #[error("{message}")]
    TooManyRequests {
        /// The message.
        message: String,
        /// The reason.
        reason: ThrottleReason,
    },
    /// `PreconditionFailedException`, 412: a `RevisionId` did not match.
    #[error("{0}")]
    PreconditionFailed(String),
    /// `PolicyLengthExceededException`, 400.
    #[error("{0}")]
    PolicyLengthExceeded(String),
    /// `CodeStorageExceededException`, 400.
    #[error("{0}")]
    CodeStorageExceeded(String),
    /// `UnsupportedMediaTypeException`, 415.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// An operation of the Lambda API that nimbus does not serve (yet), 501.
    #[error("{0}")]
    UnsupportedOperation(String),
    /// A request that matches no Lambda operation, 404 `UnknownOperationException`.
    #[error("{0}")]
    UnknownOperation(String),
    /// `InvalidRuntimeException`, 502: the function's runtime cannot run here.
    #[error("{0}")]
    InvalidRuntime(String),
    /// `ServiceException`, 500.
    #[error("{0}")]
    Service(String),
}

impl LambdaError {
    /// The `ResourceNotFoundException` for a function ARN (qualified or not).
    pub fn function_not_found(arn: &str) -> LambdaError {
        LambdaError::ResourceNotFound(format!("Function not found: {arn}"))
    }

    /// `ValidationException` for one member, in AWS's words.
    pub fn validation(value: &str, member: &str, constraint: &str) -> LambdaError {
        LambdaError::Validation(format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
        ))
    }

    /// The error code on the wire.
    pub fn code(&self) -> &'static str {
        match self {
            LambdaError::ResourceNotFound(_) => "ResourceNotFoundException",
            LambdaError::ResourceConflict(_) => "ResourceConflictException",
            LambdaError::InvalidParameterValue(_) => "InvalidParameterValueException",
            LambdaError::Validation(_) => "ValidationException",
            LambdaError::InvalidRequestContent(_) => "InvalidRequestContentException",
            LambdaError::RequestTooLarge(_) => "RequestTooLargeException",
            LambdaError::TooManyRequests { .. } => "TooManyRequestsException",
            LambdaError::PreconditionFailed(_) => "PreconditionFailedException",
            LambdaError::PolicyLengthExceeded(_) => "PolicyLengthExceededException",
            LambdaError::CodeStorageExceeded(_) => "CodeStorageExceededException",
            LambdaError::UnsupportedMediaType(_) => "UnsupportedMediaTypeException",
            LambdaError::UnsupportedOperation(_) => "UnsupportedOperation",
            LambdaError::UnknownOperation(_) => "UnknownOperationException",
            LambdaError::InvalidRuntime(_) => "InvalidRuntimeException",
            LambdaError::Service(_) => "ServiceException",
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            LambdaError::ResourceNotFound(_) | LambdaError::UnknownOperation(_) => {
                StatusCode::NOT_FOUND
            }
            LambdaError::ResourceConflict(_) => StatusCode::CONFLICT,
            LambdaError::RequestTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            LambdaError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            LambdaError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            LambdaError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            LambdaError::UnsupportedOperation(_) => StatusCode::NOT_IMPLEMENTED,
            LambdaError::Service(_) => StatusCode::INTERNAL_SERVER_ERROR,
            LambdaError::InvalidRuntime(_) => StatusCode::BAD_GATEWAY,
            LambdaError::InvalidParameterValue(_)
            | LambdaError::Validation(_)
            | LambdaError::InvalidRequestContent(_)
            | LambdaError::PolicyLengthExceeded(_)
            | LambdaError::CodeStorageExceeded(_) => StatusCode::BAD_REQUEST,
        }
    }

    /// Whether the model spells the message member of the exception with this code
    /// `Message` (else `message`).
    pub fn capital_message_code(code: &str) -> bool {
        matches!(
            code,
            "ResourceNotFoundException"
                | "ServiceException"
                | "InvalidRuntimeException"
                | "UnsupportedOperation"
                | "UnknownOperationException"
        )
    }

    /// Whether the model spells this exception's message member `Message` (else `message`).
    pub fn capital_message(&self) -> bool {
        LambdaError::capital_message_code(self.code())
    }
}

impl From<LambdaError> for ServiceError {
    fn from(e: LambdaError) -> ServiceError {
        let status = e.status();
        let mut err = ServiceError::new(status, Cow::Borrowed(e.code()), e.to_string()).with_field(
            "Type",
            if status.is_server_error() {
                "Service"
            } else {
                "User"
            },
        );
        if let LambdaError::TooManyRequests { reason, .. } = &e {
            err = err
                .with_field("Reason", reason.as_str())
                .with_header(http::header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        err
    }
}
