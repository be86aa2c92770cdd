//! CloudWatch Logs' errors: a code from one [`error_codes!`](nimbus_wire::error_codes) table
//! and a message, mapped once into [`ServiceError`].

use nimbus_wire::ServiceError;

nimbus_wire::error_codes! {
    /// The code of a [`LogsError`]: (code, status, fault) from CloudWatch Logs' model.
    pub enum LogsErrorCode {
        /// The log group or stream does not exist.
        ResourceNotFound => ("ResourceNotFoundException", None, BAD_REQUEST, Sender),
        /// A parameter is not acceptable.
        InvalidParameter => ("InvalidParameterException", None, BAD_REQUEST, Sender),
        /// An operation nimbus does not serve.
        InvalidOperation => ("InvalidOperationException", None, BAD_REQUEST, Sender),
        /// The body is not JSON of the operation's shape.
        Serialization => ("SerializationException", None, BAD_REQUEST, Sender),
    }
}

/// Every error the CloudWatch Logs API answers: a code and its message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LogsError {
    code: LogsErrorCode,
    message: String,
}

impl LogsError {
    /// The error `code` with `message`.
    pub fn new(code: LogsErrorCode, message: impl Into<String>) -> LogsError {
        LogsError {
            code,
            message: message.into(),
        }
    }

    /// `ResourceNotFoundException` with `message`.
    pub fn resource_not_found(message: String) -> LogsError {
        LogsError::new(LogsErrorCode::ResourceNotFound, message)
    }

    /// `InvalidParameterException` with `message`.
    pub fn invalid_parameter(message: String) -> LogsError {
        LogsError::new(LogsErrorCode::InvalidParameter, message)
    }

    /// `InvalidOperationException` with `message`.
    pub fn invalid_operation(message: String) -> LogsError {
        LogsError::new(LogsErrorCode::InvalidOperation, message)
    }

    /// `SerializationException` with `message`.
    pub fn serialization(message: String) -> LogsError {
        LogsError::new(LogsErrorCode::Serialization, message)
    }

    /// The error's code.
    pub fn kind(&self) -> LogsErrorCode {
        self.code
    }

    /// The error code on the wire.
    pub fn code(&self) -> &'static str {
        self.code.spec().code
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<LogsError> for ServiceError {
    fn from(e: LogsError) -> ServiceError {
        e.code.spec().service_error(e.message)
    }
}
