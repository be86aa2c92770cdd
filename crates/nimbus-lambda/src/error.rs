//! Lambda's errors, mapped once into [`ServiceError`].
//!
//! Lambda answers errors on restJson1: the code in the `x-amzn-ErrorType` header, a body
//! `{"Type":"User","message":"…"}` (`Type` is `Service` for server faults). The model spells
//! the message member `message` for some exceptions and `Message` for others; each variant
//! renders it as the model spells it (see [`LambdaError::capital_message`]).

use http::{HeaderValue, StatusCode};
use nimbus_wire::ServiceError;
use nimbus_wire::validation;

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

nimbus_wire::error_codes! {
    /// The code of a [`LambdaError`]: (code, status, fault) from Lambda's model.
    pub enum LambdaErrorCode {
        /// The function, alias, mapping or policy statement does not exist.
        ResourceNotFound => ("ResourceNotFoundException", None, NOT_FOUND, Sender),
        /// The caller may not perform the action on the resource (no policy allows it, or one
        /// denies it).
        AccessDenied => ("AccessDeniedException", None, FORBIDDEN, Sender),
        /// The resource exists already or is being changed.
        ResourceConflict => ("ResourceConflictException", None, CONFLICT, Sender),
        /// A parameter is not acceptable.
        InvalidParameterValue => ("InvalidParameterValueException", None, BAD_REQUEST, Sender),
        /// A member violates the model's constraints.
        Validation => ("ValidationException", None, BAD_REQUEST, Sender),
        /// The body is not the JSON the operation takes.
        InvalidRequestContent => ("InvalidRequestContentException", None, BAD_REQUEST, Sender),
        /// The payload is too large.
        RequestTooLarge => ("RequestTooLargeException", None, PAYLOAD_TOO_LARGE, Sender),
        /// Throttled, with a [`ThrottleReason`].
        TooManyRequests => ("TooManyRequestsException", None, TOO_MANY_REQUESTS, Sender),
        /// A `RevisionId` did not match.
        PreconditionFailed => ("PreconditionFailedException", None, PRECONDITION_FAILED, Sender),
        /// The function's resource-based policy is too large.
        PolicyLengthExceeded => ("PolicyLengthExceededException", None, BAD_REQUEST, Sender),
        /// The code storage quota is used up.
        CodeStorageExceeded => ("CodeStorageExceededException", None, BAD_REQUEST, Sender),
        /// A content type Lambda does not take.
        UnsupportedMediaType => ("UnsupportedMediaTypeException", None, UNSUPPORTED_MEDIA_TYPE, Sender),
        /// An operation of the Lambda API that nimbus does not serve (yet).
        UnsupportedOperation => ("UnsupportedOperation", None, NOT_IMPLEMENTED, Receiver),
        /// A request that matches no Lambda operation.
        UnknownOperation => ("UnknownOperationException", None, NOT_FOUND, Sender),
        /// The function's runtime cannot run here.
        InvalidRuntime => ("InvalidRuntimeException", None, BAD_GATEWAY, Receiver),
        /// A fault of the service.
        Service => ("ServiceException", None, INTERNAL_SERVER_ERROR, Receiver),
    }
}

/// Every error the Lambda API answers: a code, its message, and for `TooManyRequests` the
/// reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LambdaError {
    code: LambdaErrorCode,
    message: String,
    reason: Option<ThrottleReason>,
}

impl LambdaError {
    /// The error `code` with `message`.
    pub fn new(code: LambdaErrorCode, message: impl Into<String>) -> LambdaError {
        LambdaError {
            code,
            message: message.into(),
            reason: None,
        }
    }

    /// `TooManyRequestsException` with its reason.
    pub fn too_many_requests(message: impl Into<String>, reason: ThrottleReason) -> LambdaError {
        LambdaError {
            code: LambdaErrorCode::TooManyRequests,
            message: message.into(),
            reason: Some(reason),
        }
    }

    /// The error's code.
    pub fn kind(&self) -> LambdaErrorCode {
        self.code
    }

    /// `AccessDeniedException`, 403, with AWS's message (`User: … is not authorized to
    /// perform: lambda:InvokeFunction on resource: … because no resource-based policy
    /// allows the lambda:InvokeFunction action`).
    pub fn access_denied(denied: &nimbus_core::access::Denied) -> LambdaError {
        LambdaError::new(LambdaErrorCode::AccessDenied, denied.message())
    }

    /// The `ResourceNotFoundException` for a function ARN (qualified or not).
    pub fn function_not_found(arn: &str) -> LambdaError {
        LambdaError::new(
            LambdaErrorCode::ResourceNotFound,
            format!("Function not found: {arn}"),
        )
    }

    /// `ValidationException` for one member, in AWS's words.
    pub fn validation(value: &str, member: &str, constraint: &str) -> LambdaError {
        LambdaError::new(
            LambdaErrorCode::Validation,
            validation::message(member, value, constraint),
        )
    }

    /// The error code on the wire.
    pub fn code(&self) -> &'static str {
        self.code.spec().code
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.code.spec().status
    }

    /// Whether the model spells the message member of the exception with this code
    /// `Message` (else `message`).
    pub fn capital_message_code(code: &str) -> bool {
        LambdaErrorCode::TABLE.iter().any(|(c, spec)| {
            spec.code == code
                && matches!(
                    c,
                    LambdaErrorCode::ResourceNotFound
                        | LambdaErrorCode::Service
                        | LambdaErrorCode::InvalidRuntime
                        | LambdaErrorCode::UnsupportedOperation
                        | LambdaErrorCode::UnknownOperation
                )
        })
    }

    /// Whether the model spells this exception's message member `Message` (else `message`).
    pub fn capital_message(&self) -> bool {
        LambdaError::capital_message_code(self.code())
    }
}

impl From<LambdaError> for ServiceError {
    fn from(e: LambdaError) -> ServiceError {
        let status = e.status();
        let mut err = e.code.spec().service_error(e.message).with_field(
            "Type",
            if status.is_server_error() {
                "Service"
            } else {
                "User"
            },
        );
        if let Some(reason) = e.reason {
            err = err
                .with_field("Reason", reason.as_str())
                .with_header(http::header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        err
    }
}
