//! CloudWatch's one error, a code and a message, and its mapping onto the wire.

/// A `Result` whose error is a [`CloudWatchError`].
pub type Result<T> = std::result::Result<T, CloudWatchError>;

/// An error CloudWatch answers with: a code of the model and AWS's message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct CloudWatchError {
    /// The error's code as the awsQuery `Code` and the JSON/CBOR `__type` name
    /// (`InvalidParameterValue`, `ResourceNotFound`, `LimitExceeded`, …).
    pub code: &'static str,
    /// The message.
    pub message: String,
}

impl CloudWatchError {
    /// `InvalidParameterValue`, 400.
    pub fn invalid_parameter_value(message: impl Into<String>) -> CloudWatchError {
        CloudWatchError {
            code: "InvalidParameterValue",
            message: message.into(),
        }
    }

    /// `InternalServiceError` (the model's `InternalServiceFault`), 500: storage failed.
    pub fn internal(message: impl Into<String>) -> CloudWatchError {
        CloudWatchError {
            code: "InternalServiceError",
            message: message.into(),
        }
    }
}
