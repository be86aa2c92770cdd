//! CloudWatch's one error, a code and a message, and its mapping onto the wire.
//!
//! Every error shape of the CloudWatch model is a [`CloudWatchErrorCode`], plus the common
//! errors CloudWatch answers with. Its one table row gives:
//! - `code`, the Smithy shape name that becomes the JSON and CBOR `__type`
//!   (`InvalidParameterValueException`),
//! - `query_code`, the model's `awsQueryError` code (`InvalidParameterValue`), which goes into
//!   awsQuery bodies and the `x-amzn-query-error` header of every protocol (CloudWatch is
//!   `awsQueryCompatible`: botocore and aws-sdk-rust take the error's code from that header);
//! - the HTTP status from the model's `httpError`/`awsQueryError` traits, and the fault.
//!
//! [`From<CloudWatchError>`] for [`ServiceError`] reads the row.

use http::{HeaderName, HeaderValue};
use nimbus_wire::ServiceError;
use nimbus_wire::error_code::Fault;

/// A `Result` whose error is a [`CloudWatchError`].
pub type Result<T> = std::result::Result<T, CloudWatchError>;

nimbus_wire::error_codes! {
    /// The code of a [`CloudWatchError`]: every error shape of the CloudWatch model, plus the
    /// common errors CloudWatch answers with. Each row is (JSON/CBOR `__type`, awsQuery
    /// code, status, fault).
    pub enum CloudWatchErrorCode {
        // ---- Error shapes of the model ----
        /// `InvalidParameterValueException` (`InvalidParameterValue`), 400.
        InvalidParameterValue => ("InvalidParameterValueException", Some("InvalidParameterValue"), BAD_REQUEST, Sender),
        /// `MissingRequiredParameterException` (`MissingParameter`), 400.
        MissingParameter => ("MissingRequiredParameterException", Some("MissingParameter"), BAD_REQUEST, Sender),
        /// `InvalidParameterCombinationException` (`InvalidParameterCombination`), 400.
        InvalidParameterCombination => ("InvalidParameterCombinationException", Some("InvalidParameterCombination"), BAD_REQUEST, Sender),
        /// `InvalidNextToken`, 400.
        InvalidNextToken => ("InvalidNextToken", Some("InvalidNextToken"), BAD_REQUEST, Sender),
        /// `ResourceNotFound`, 404 (alarms: `DeleteAlarms`, `SetAlarmState`).
        ResourceNotFound => ("ResourceNotFound", Some("ResourceNotFound"), NOT_FOUND, Sender),
        /// `ResourceNotFoundException`, 404 (tags, metric streams, anomaly detectors).
        ResourceNotFoundException => ("ResourceNotFoundException", Some("ResourceNotFoundException"), NOT_FOUND, Sender),
        /// `LimitExceededFault` (`LimitExceeded`), 400: too many alarms.
        LimitExceeded => ("LimitExceededFault", Some("LimitExceeded"), BAD_REQUEST, Sender),
        /// `LimitExceededException`, 400 (anomaly detectors, insight rules).
        LimitExceededException => ("LimitExceededException", Some("LimitExceededException"), BAD_REQUEST, Sender),
        /// `InternalServiceFault` (`InternalServiceError`), 500: storage failed.
        InternalServiceError => ("InternalServiceFault", Some("InternalServiceError"), INTERNAL_SERVER_ERROR, Receiver),
        /// `InvalidFormatFault` (`InvalidFormat`), 400: `SetAlarmState`'s `StateReasonData`.
        InvalidFormat => ("InvalidFormatFault", Some("InvalidFormat"), BAD_REQUEST, Sender),
        /// `DashboardNotFoundError` (`ResourceNotFound`), 404.
        DashboardNotFound => ("DashboardNotFoundError", Some("ResourceNotFound"), NOT_FOUND, Sender),
        /// `DashboardInvalidInputError` (`InvalidParameterInput`), 400.
        DashboardInvalidInput => ("DashboardInvalidInputError", Some("InvalidParameterInput"), BAD_REQUEST, Sender),
        /// `ConcurrentModificationException`, 429.
        ConcurrentModification => ("ConcurrentModificationException", Some("ConcurrentModificationException"), TOO_MANY_REQUESTS, Sender),
        /// `ConflictException`, 409.
        Conflict => ("ConflictException", Some("ConflictException"), CONFLICT, Sender),
        // ---- Common errors CloudWatch answers with ----
        /// `ValidationError`, 400: a constraint of the model (`GetMetricData`'s metric math,
        /// an `Id`), as AWS's common errors name it.
        ValidationError => ("ValidationError", Some("ValidationError"), BAD_REQUEST, Sender),
        /// `AccessDenied` (`AccessDeniedException`), 403: the caller's policies do not allow
        /// the action.
        AccessDenied => ("AccessDeniedException", Some("AccessDenied"), FORBIDDEN, Sender),
        /// `InvalidAction`, 400: an awsQuery `Action` CloudWatch does not have.
        InvalidAction => ("InvalidAction", Some("InvalidAction"), BAD_REQUEST, Sender),
        /// `UnknownOperationException` (`InvalidAction`), 400: an awsJson `X-Amz-Target` or
        /// an RPC v2 path naming no CloudWatch operation.
        UnknownOperation => ("UnknownOperationException", Some("InvalidAction"), BAD_REQUEST, Sender),
        /// `SerializationException`, 400: a JSON or CBOR body that cannot be read.
        Serialization => ("SerializationException", Some("SerializationException"), BAD_REQUEST, Sender),
        /// `MalformedQueryString`, 400: awsQuery fields of the wrong structure.
        MalformedQueryString => ("MalformedQueryString", Some("MalformedQueryString"), BAD_REQUEST, Sender),
        /// `RequestEntityTooLarge`, 413: a body over 1 MB (inflated, when gzip).
        RequestEntityTooLarge => ("RequestEntityTooLarge", Some("RequestEntityTooLarge"), PAYLOAD_TOO_LARGE, Sender),
        /// `NotImplemented`, 501: an operation of the model nimbus does not implement
        /// (listed in docs/compat.md). Not a 500: SDKs would retry it.
        NotImplemented => ("NotImplemented", Some("NotImplemented"), NOT_IMPLEMENTED, Receiver),
    }
}

/// An error CloudWatch answers with: a code of the table and AWS's message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CloudWatchError {
    /// The error's code.
    pub code: CloudWatchErrorCode,
    /// The message.
    pub message: String,
}

impl CloudWatchError {
    /// An error with `code` and `message`.
    pub fn new(code: CloudWatchErrorCode, message: impl Into<String>) -> CloudWatchError {
        CloudWatchError {
            code,
            message: message.into(),
        }
    }

    /// `InvalidParameterValue`, 400.
    pub fn invalid_parameter_value(message: impl Into<String>) -> CloudWatchError {
        CloudWatchError::new(CloudWatchErrorCode::InvalidParameterValue, message)
    }

    /// `InvalidParameterCombination`, 400.
    pub fn invalid_parameter_combination(message: impl Into<String>) -> CloudWatchError {
        CloudWatchError::new(CloudWatchErrorCode::InvalidParameterCombination, message)
    }

    /// `MissingParameter`, 400, as AWS words it: "The parameter Namespace is required."
    pub fn missing_parameter(name: &str) -> CloudWatchError {
        CloudWatchError::new(
            CloudWatchErrorCode::MissingParameter,
            format!("The parameter {name} is required."),
        )
    }

    /// `InvalidNextToken`, 400.
    pub fn invalid_next_token() -> CloudWatchError {
        CloudWatchError::new(
            CloudWatchErrorCode::InvalidNextToken,
            "The service cannot process the NextToken.",
        )
    }

    /// `InternalServiceError` (the model's `InternalServiceFault`), 500: storage failed.
    pub fn internal(message: impl Into<String>) -> CloudWatchError {
        CloudWatchError::new(CloudWatchErrorCode::InternalServiceError, message)
    }

    /// `NotImplemented`, 501, naming the operation.
    pub fn not_implemented(operation: &str) -> CloudWatchError {
        CloudWatchError::new(
            CloudWatchErrorCode::NotImplemented,
            format!(
                "nimbus does not implement the CloudWatch operation {operation} (see docs/compat.md)."
            ),
        )
    }

    /// The code's name as AWS's awsQuery `Code` and `x-amzn-query-error` spell it.
    pub fn query_code(&self) -> &'static str {
        let spec = self.code.spec();
        spec.query_code.unwrap_or(spec.code)
    }
}

impl From<CloudWatchError> for ServiceError {
    fn from(e: CloudWatchError) -> ServiceError {
        let spec = e.code.spec();
        let mut err = spec.service_error(e.message);
        // `x-amzn-query-error` on awsQuery answers too (the gateway's renderer sets it for
        // the JSON and CBOR protocols).
        let fault = match spec.fault {
            Fault::Sender => "Sender",
            Fault::Receiver => "Receiver",
        };
        let code = spec.query_code.unwrap_or(spec.code);
        if let Ok(v) = HeaderValue::from_str(&format!("{code};{fault}")) {
            err = err.with_header(HeaderName::from_static("x-amzn-query-error"), v);
        }
        err
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_maps_to_its_row() {
        for (code, spec) in CloudWatchErrorCode::TABLE {
            let e: ServiceError = CloudWatchError::new(*code, "m").into();
            assert_eq!(e.status, spec.status);
            assert_eq!(e.code, spec.code);
            let header = e
                .headers
                .iter()
                .find(|(k, _)| k == "x-amzn-query-error")
                .map(|(_, v)| v.to_str().unwrap().to_owned())
                .unwrap();
            assert!(header.starts_with(spec.query_code.unwrap()), "{header}");
        }
        let e: ServiceError = CloudWatchError::missing_parameter("Namespace").into();
        assert_eq!(e.query_code.as_deref(), Some("MissingParameter"));
        assert_eq!(e.message, "The parameter Namespace is required.");
    }
}
