//! The one error enum of SQS and its mapping onto the wire.
//!
//! Every error shape of the SQS model is a variant here, plus the common errors SQS answers
//! with (`InvalidParameterValue`, `MissingParameter`, …). [`From<SqsError>`] for
//! [`ServiceError`] sets, per variant:
//! - the HTTP status from the model's `httpError` trait,
//! - `code`, the Smithy shape name that becomes the JSON `__type` (`QueueDoesNotExist`),
//! - `query_code`, the model's `awsQueryError` code (`AWS.SimpleQueueService.NonExistentQueue`),
//!   which goes into awsQuery bodies and the awsJson `x-amzn-query-error` header. SDKs (botocore,
//!   aws-sdk-rust) match errors on this header's code, so it must be exactly AWS's.

use std::borrow::Cow;

use http::StatusCode;
use nimbus_wire::{Protocol, ServiceError};

/// A `Result` whose error is an [`SqsError`].
pub type Result<T> = std::result::Result<T, SqsError>;

/// Every error SQS answers with. Each variant carries the message sent to the client.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SqsError {
    // ---- Error shapes of the SQS model ----
    /// `QueueDoesNotExist` (query code `AWS.SimpleQueueService.NonExistentQueue`), 400.
    #[error("{0}")]
    QueueDoesNotExist(String),
    /// `QueueNameExists` (query code `QueueAlreadyExists`), 400: CreateQueue with different
    /// attributes for an existing name.
    #[error("{0}")]
    QueueNameExists(String),
    /// `QueueDeletedRecently` (`AWS.SimpleQueueService.QueueDeletedRecently`), 400.
    #[error("{0}")]
    QueueDeletedRecently(String),
    /// `InvalidAttributeName`, 400: an unknown or misplaced attribute name.
    #[error("{0}")]
    InvalidAttributeName(String),
    /// `InvalidAttributeValue`, 400: a queue attribute value out of range or malformed.
    #[error("{0}")]
    InvalidAttributeValue(String),
    /// `InvalidMessageContents`, 400: characters outside the allowed set.
    #[error("{0}")]
    InvalidMessageContents(String),
    /// `InvalidIdFormat`, 400 (deprecated in favour of `ReceiptHandleIsInvalid`).
    #[error("{0}")]
    InvalidIdFormat(String),
    /// `ReceiptHandleIsInvalid`, 404 (the model's `httpError`).
    #[error("{0}")]
    ReceiptHandleIsInvalid(String),
    /// `MessageNotInflight` (`AWS.SimpleQueueService.MessageNotInflight`), 400.
    #[error("{0}")]
    MessageNotInflight(String),
    /// `OverLimit`, 403: e.g. too many in-flight messages, too many permissions or tags.
    #[error("{0}")]
    OverLimit(String),
    /// `PurgeQueueInProgress` (`AWS.SimpleQueueService.PurgeQueueInProgress`), 403.
    #[error("{0}")]
    PurgeQueueInProgress(String),
    /// `BatchEntryIdsNotDistinct` (`AWS.SimpleQueueService.BatchEntryIdsNotDistinct`), 400.
    #[error("{0}")]
    BatchEntryIdsNotDistinct(String),
    /// `BatchRequestTooLong` (`AWS.SimpleQueueService.BatchRequestTooLong`), 400.
    #[error("{0}")]
    BatchRequestTooLong(String),
    /// `EmptyBatchRequest` (`AWS.SimpleQueueService.EmptyBatchRequest`), 400.
    #[error("{0}")]
    EmptyBatchRequest(String),
    /// `InvalidBatchEntryId` (`AWS.SimpleQueueService.InvalidBatchEntryId`), 400.
    #[error("{0}")]
    InvalidBatchEntryId(String),
    /// `TooManyEntriesInBatchRequest` (`AWS.SimpleQueueService.TooManyEntriesInBatchRequest`),
    /// 400.
    #[error("{0}")]
    TooManyEntriesInBatchRequest(String),
    /// `UnsupportedOperation` (`AWS.SimpleQueueService.UnsupportedOperation`), 400.
    #[error("{0}")]
    UnsupportedOperation(String),
    /// `InvalidAddress`, 404.
    #[error("{0}")]
    InvalidAddress(String),
    /// `InvalidSecurity`, 403.
    #[error("{0}")]
    InvalidSecurity(String),
    /// `RequestThrottled`, 403.
    #[error("{0}")]
    RequestThrottled(String),
    /// `ResourceNotFoundException`, 404 (message move tasks).
    #[error("{0}")]
    ResourceNotFound(String),
    /// `KmsAccessDenied` (`KMS.AccessDeniedException`), 400.
    #[error("{0}")]
    KmsAccessDenied(String),
    /// `KmsDisabled` (`KMS.DisabledException`), 400.
    #[error("{0}")]
    KmsDisabled(String),
    /// `KmsInvalidKeyUsage` (`KMS.InvalidKeyUsageException`), 400.
    #[error("{0}")]
    KmsInvalidKeyUsage(String),
    /// `KmsInvalidState` (`KMS.InvalidStateException`), 400.
    #[error("{0}")]
    KmsInvalidState(String),
    /// `KmsNotFound` (`KMS.NotFoundException`), 400.
    #[error("{0}")]
    KmsNotFound(String),
    /// `KmsOptInRequired` (`KMS.OptInRequired`), 403.
    #[error("{0}")]
    KmsOptInRequired(String),
    /// `KmsThrottled` (`KMS.ThrottlingException`), 400.
    #[error("{0}")]
    KmsThrottled(String),

    // ---- Common errors SQS answers with ----
    /// `InvalidParameterValue` (JSON `__type` `InvalidParameterValueException`), 400: a
    /// request parameter out of range or malformed.
    #[error("{0}")]
    InvalidParameterValue(String),
    /// `MissingParameter` (JSON `__type` `MissingRequiredParameterException`), 400: a required
    /// parameter is absent.
    #[error("{0}")]
    MissingParameter(String),
    /// `InvalidParameterCombination`, 400: parameters that cannot be used together.
    #[error("{0}")]
    InvalidParameterCombination(String),
    /// `ValidationError` (JSON `__type` `ValidationException`), 400: generic input validation
    /// failure.
    #[error("{0}")]
    ValidationError(String),
    /// `InvalidAction`, 400: an awsQuery `Action` SQS does not know.
    #[error("{0}")]
    InvalidAction(String),
    /// `UnknownOperationException` (query code `InvalidAction`), 400: an awsJson
    /// `X-Amz-Target` SQS does not know.
    #[error("{0}")]
    UnknownOperation(String),
    /// `AccessDenied` (JSON `__type` `AccessDeniedException`), 403: the caller may not perform
    /// the action on the queue.
    #[error("{0}")]
    AccessDenied(String),
    /// `SerializationException`, 400: an awsJson body that cannot be parsed (malformed JSON, a
    /// member of the wrong type).
    #[error("{0}")]
    Serialization(String),
    /// `MalformedInput`, 400: awsQuery fields that cannot be read (`Attribute.0.Name`, a
    /// non-numeric integer parameter).
    #[error("{0}")]
    MalformedInput(String),
    /// `InternalError`, 500: a fault of the server (storage failure…); `Receiver` fault.
    #[error("{0}")]
    Internal(String),
}

impl SqsError {
    /// `QueueDoesNotExist` with AWS's message for awsJson requests.
    pub fn queue_does_not_exist() -> SqsError {
        SqsError::QueueDoesNotExist("The specified queue does not exist.".into())
    }

    /// `QueueDoesNotExist` with the message AWS sends on `protocol`: awsQuery requests get
    /// "The specified queue does not exist for this wsdl version.".
    pub fn queue_does_not_exist_for(protocol: Protocol) -> SqsError {
        match protocol {
            Protocol::AwsQuery => SqsError::QueueDoesNotExist(
                "The specified queue does not exist for this wsdl version.".into(),
            ),
            _ => SqsError::queue_does_not_exist(),
        }
    }

    /// Rewrites a `QueueDoesNotExist` raised without knowing the protocol into the message AWS
    /// sends on `protocol`; other errors are returned unchanged.
    pub fn for_protocol(self, protocol: Protocol) -> SqsError {
        match self {
            SqsError::QueueDoesNotExist(_) => SqsError::queue_does_not_exist_for(protocol),
            other => other,
        }
    }

    /// `QueueNameExists` with AWS's message for CreateQueue with different attributes.
    pub fn queue_name_exists() -> SqsError {
        SqsError::QueueNameExists(
            "A queue already exists with the same name and a different value for attribute(s)"
                .into(),
        )
    }

    /// `QueueNameExists` naming the attribute whose value differs
    /// ("A queue already exists with the same name and a different value for attribute
    /// VisibilityTimeout").
    pub fn queue_name_exists_for(attribute: &str) -> SqsError {
        SqsError::QueueNameExists(format!(
            "A queue already exists with the same name and a different value for attribute {attribute}"
        ))
    }

    /// `QueueDeletedRecently` with AWS's message.
    pub fn queue_deleted_recently() -> SqsError {
        SqsError::QueueDeletedRecently(
            "You must wait 60 seconds after deleting a queue before you can create another with \
             the same name."
                .into(),
        )
    }

    /// `PurgeQueueInProgress` for the queue named `queue_name` (the name, not the URL), with
    /// AWS's message.
    pub fn purge_queue_in_progress(queue_name: &str) -> SqsError {
        SqsError::PurgeQueueInProgress(format!(
            "Only one PurgeQueue operation on {queue_name} is allowed every 60 seconds."
        ))
    }

    /// `ReceiptHandleIsInvalid` for a handle that cannot be decoded.
    pub fn receipt_handle_invalid(handle: &str) -> SqsError {
        SqsError::ReceiptHandleIsInvalid(format!(
            "The input receipt handle \"{handle}\" is not a valid receipt handle."
        ))
    }

    /// `MessageNotInflight` with AWS's message.
    pub fn message_not_inflight() -> SqsError {
        SqsError::MessageNotInflight("Message is not in flight.".into())
    }

    /// `MissingParameter` for `parameter`: "The request must contain the parameter X."
    pub fn missing_parameter(parameter: &str) -> SqsError {
        SqsError::MissingParameter(format!(
            "The request must contain the parameter {parameter}."
        ))
    }

    /// `InvalidParameterValue` with `message`.
    pub fn invalid_parameter_value(message: impl Into<String>) -> SqsError {
        SqsError::InvalidParameterValue(message.into())
    }

    /// `EmptyBatchRequest` for the list parameter `entries` (e.g.
    /// `SendMessageBatchRequestEntry`), with AWS's message.
    pub fn empty_batch_request(entries: &str) -> SqsError {
        SqsError::EmptyBatchRequest(format!(
            "There should be at least one {entries} in the request."
        ))
    }

    /// `TooManyEntriesInBatchRequest` for `count` entries, with AWS's message.
    pub fn too_many_entries_in_batch_request(count: usize) -> SqsError {
        SqsError::TooManyEntriesInBatchRequest(format!(
            "Maximum number of entries per request are 10. You have sent {count}."
        ))
    }

    /// `BatchEntryIdsNotDistinct` for the repeated id, with AWS's message.
    pub fn batch_entry_ids_not_distinct(id: &str) -> SqsError {
        SqsError::BatchEntryIdsNotDistinct(format!("Id {id} repeated."))
    }

    /// `BatchRequestTooLong` for a batch of `total` bytes against a limit of `limit` bytes.
    pub fn batch_request_too_long(total: usize, limit: usize) -> SqsError {
        SqsError::BatchRequestTooLong(format!(
            "Batch requests cannot be longer than {limit} bytes. You have sent {total} bytes."
        ))
    }

    /// `InternalError` with `message` (the server's fault).
    pub fn internal(message: impl Into<String>) -> SqsError {
        SqsError::Internal(message.into())
    }

    /// The error code in AWS's awsJson vocabulary: the Smithy shape name, which becomes the
    /// JSON `__type` (`QueueDoesNotExist`).
    pub fn code(&self) -> &'static str {
        self.spec().0
    }

    /// The legacy awsQuery code (`AWS.SimpleQueueService.NonExistentQueue`): the `Code` of
    /// awsQuery error bodies and of the `x-amzn-query-error` header. Batch results'
    /// `BatchResultErrorEntry.Code` uses this code too.
    pub fn query_code(&self) -> &'static str {
        self.spec().1
    }

    /// The HTTP status AWS answers with.
    pub fn status(&self) -> StatusCode {
        self.spec().2
    }

    /// Whether the error is the client's fault (`Sender`); only internal errors are not.
    pub fn sender_fault(&self) -> bool {
        !matches!(self, SqsError::Internal(_))
    }

    /// The message sent to the client.
    pub fn message(&self) -> &str {
        use SqsError::*;
        match self {
            QueueDoesNotExist(m)
            | QueueNameExists(m)
            | QueueDeletedRecently(m)
            | InvalidAttributeName(m)
            | InvalidAttributeValue(m)
            | InvalidMessageContents(m)
            | InvalidIdFormat(m)
            | ReceiptHandleIsInvalid(m)
            | MessageNotInflight(m)
            | OverLimit(m)
            | PurgeQueueInProgress(m)
            | BatchEntryIdsNotDistinct(m)
            | BatchRequestTooLong(m)
            | EmptyBatchRequest(m)
            | InvalidBatchEntryId(m)
            | TooManyEntriesInBatchRequest(m)
            | UnsupportedOperation(m)
            | InvalidAddress(m)
            | InvalidSecurity(m)
            | RequestThrottled(m)
            | ResourceNotFound(m)
            | KmsAccessDenied(m)
            | KmsDisabled(m)
            | KmsInvalidKeyUsage(m)
            | KmsInvalidState(m)
            | KmsNotFound(m)
            | KmsOptInRequired(m)
            | KmsThrottled(m)
            | InvalidParameterValue(m)
            | MissingParameter(m)
            | InvalidParameterCombination(m)
            | ValidationError(m)
            | InvalidAction(m)
            | UnknownOperation(m)
            | AccessDenied(m)
            | Serialization(m)
            | MalformedInput(m)
            | Internal(m) => m,
        }
    }

    /// (shape name, awsQuery code, HTTP status), from the model's `awsQueryError` and
    /// `httpError` traits.
    fn spec(&self) -> (&'static str, &'static str, StatusCode) {
        use SqsError::*;
        const BAD: StatusCode = StatusCode::BAD_REQUEST;
        const FORBIDDEN: StatusCode = StatusCode::FORBIDDEN;
        const NOT_FOUND: StatusCode = StatusCode::NOT_FOUND;
        match self {
            QueueDoesNotExist(_) => (
                "QueueDoesNotExist",
                "AWS.SimpleQueueService.NonExistentQueue",
                BAD,
            ),
            QueueNameExists(_) => ("QueueNameExists", "QueueAlreadyExists", BAD),
            QueueDeletedRecently(_) => (
                "QueueDeletedRecently",
                "AWS.SimpleQueueService.QueueDeletedRecently",
                BAD,
            ),
            InvalidAttributeName(_) => ("InvalidAttributeName", "InvalidAttributeName", BAD),
            InvalidAttributeValue(_) => ("InvalidAttributeValue", "InvalidAttributeValue", BAD),
            InvalidMessageContents(_) => ("InvalidMessageContents", "InvalidMessageContents", BAD),
            InvalidIdFormat(_) => ("InvalidIdFormat", "InvalidIdFormat", BAD),
            ReceiptHandleIsInvalid(_) => (
                "ReceiptHandleIsInvalid",
                "ReceiptHandleIsInvalid",
                NOT_FOUND,
            ),
            MessageNotInflight(_) => (
                "MessageNotInflight",
                "AWS.SimpleQueueService.MessageNotInflight",
                BAD,
            ),
            OverLimit(_) => ("OverLimit", "OverLimit", FORBIDDEN),
            PurgeQueueInProgress(_) => (
                "PurgeQueueInProgress",
                "AWS.SimpleQueueService.PurgeQueueInProgress",
                FORBIDDEN,
            ),
            BatchEntryIdsNotDistinct(_) => (
                "BatchEntryIdsNotDistinct",
                "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
                BAD,
            ),
            BatchRequestTooLong(_) => (
                "BatchRequestTooLong",
                "AWS.SimpleQueueService.BatchRequestTooLong",
                BAD,
            ),
            EmptyBatchRequest(_) => (
                "EmptyBatchRequest",
                "AWS.SimpleQueueService.EmptyBatchRequest",
                BAD,
            ),
            InvalidBatchEntryId(_) => (
                "InvalidBatchEntryId",
                "AWS.SimpleQueueService.InvalidBatchEntryId",
                BAD,
            ),
            TooManyEntriesInBatchRequest(_) => (
                "TooManyEntriesInBatchRequest",
                "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
                BAD,
            ),
            UnsupportedOperation(_) => (
                "UnsupportedOperation",
                "AWS.SimpleQueueService.UnsupportedOperation",
                BAD,
            ),
            InvalidAddress(_) => ("InvalidAddress", "InvalidAddress", NOT_FOUND),
            InvalidSecurity(_) => ("InvalidSecurity", "InvalidSecurity", FORBIDDEN),
            RequestThrottled(_) => ("RequestThrottled", "RequestThrottled", FORBIDDEN),
            ResourceNotFound(_) => (
                "ResourceNotFoundException",
                "ResourceNotFoundException",
                NOT_FOUND,
            ),
            KmsAccessDenied(_) => ("KmsAccessDenied", "KMS.AccessDeniedException", BAD),
            KmsDisabled(_) => ("KmsDisabled", "KMS.DisabledException", BAD),
            KmsInvalidKeyUsage(_) => ("KmsInvalidKeyUsage", "KMS.InvalidKeyUsageException", BAD),
            KmsInvalidState(_) => ("KmsInvalidState", "KMS.InvalidStateException", BAD),
            KmsNotFound(_) => ("KmsNotFound", "KMS.NotFoundException", BAD),
            KmsOptInRequired(_) => ("KmsOptInRequired", "KMS.OptInRequired", FORBIDDEN),
            KmsThrottled(_) => ("KmsThrottled", "KMS.ThrottlingException", BAD),
            InvalidParameterValue(_) => (
                "InvalidParameterValueException",
                "InvalidParameterValue",
                BAD,
            ),
            MissingParameter(_) => ("MissingRequiredParameterException", "MissingParameter", BAD),
            InvalidParameterCombination(_) => (
                "InvalidParameterCombination",
                "InvalidParameterCombination",
                BAD,
            ),
            ValidationError(_) => ("ValidationException", "ValidationError", BAD),
            InvalidAction(_) => ("InvalidAction", "InvalidAction", BAD),
            UnknownOperation(_) => ("UnknownOperationException", "InvalidAction", BAD),
            AccessDenied(_) => ("AccessDeniedException", "AccessDenied", FORBIDDEN),
            Serialization(_) => ("SerializationException", "SerializationException", BAD),
            MalformedInput(_) => ("MalformedInput", "MalformedInput", BAD),
            Internal(_) => (
                "InternalError",
                "InternalError",
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
        }
    }
}

impl From<SqsError> for ServiceError {
    fn from(e: SqsError) -> ServiceError {
        let (code, query_code, status) = e.spec();
        let sender_fault = e.sender_fault();
        let message = match e {
            SqsError::QueueDoesNotExist(m)
            | SqsError::QueueNameExists(m)
            | SqsError::QueueDeletedRecently(m)
            | SqsError::InvalidAttributeName(m)
            | SqsError::InvalidAttributeValue(m)
            | SqsError::InvalidMessageContents(m)
            | SqsError::InvalidIdFormat(m)
            | SqsError::ReceiptHandleIsInvalid(m)
            | SqsError::MessageNotInflight(m)
            | SqsError::OverLimit(m)
            | SqsError::PurgeQueueInProgress(m)
            | SqsError::BatchEntryIdsNotDistinct(m)
            | SqsError::BatchRequestTooLong(m)
            | SqsError::EmptyBatchRequest(m)
            | SqsError::InvalidBatchEntryId(m)
            | SqsError::TooManyEntriesInBatchRequest(m)
            | SqsError::UnsupportedOperation(m)
            | SqsError::InvalidAddress(m)
            | SqsError::InvalidSecurity(m)
            | SqsError::RequestThrottled(m)
            | SqsError::ResourceNotFound(m)
            | SqsError::KmsAccessDenied(m)
            | SqsError::KmsDisabled(m)
            | SqsError::KmsInvalidKeyUsage(m)
            | SqsError::KmsInvalidState(m)
            | SqsError::KmsNotFound(m)
            | SqsError::KmsOptInRequired(m)
            | SqsError::KmsThrottled(m)
            | SqsError::InvalidParameterValue(m)
            | SqsError::MissingParameter(m)
            | SqsError::InvalidParameterCombination(m)
            | SqsError::ValidationError(m)
            | SqsError::InvalidAction(m)
            | SqsError::UnknownOperation(m)
            | SqsError::AccessDenied(m)
            | SqsError::Serialization(m)
            | SqsError::MalformedInput(m)
            | SqsError::Internal(m) => m,
        };
        let mut err = ServiceError::new(status, Cow::Borrowed(code), message)
            .with_query_code(Cow::Borrowed(query_code));
        err.sender_fault = sender_fault;
        err
    }
}

impl From<nimbus_core::storage::group_commit::CommitError> for SqsError {
    /// A failed or abandoned commit is the server's fault: `InternalError`.
    fn from(e: nimbus_core::storage::group_commit::CommitError) -> SqsError {
        SqsError::internal(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nimbus_wire::error::{ErrorStyle, render};

    fn style() -> ErrorStyle {
        ErrorStyle {
            json_namespace: Some("com.amazonaws.sqs"),
            query_xmlns: Some("http://queue.amazonaws.com/doc/2012-11-05/"),
            json_capital_message: false,
        }
    }

    #[test]
    fn model_codes_and_statuses() {
        // (error, JSON __type, awsQuery code, status) from the model's awsQueryError/httpError.
        let cases: Vec<(SqsError, &str, &str, u16)> = vec![
            (
                SqsError::queue_does_not_exist(),
                "QueueDoesNotExist",
                "AWS.SimpleQueueService.NonExistentQueue",
                400,
            ),
            (
                SqsError::queue_name_exists(),
                "QueueNameExists",
                "QueueAlreadyExists",
                400,
            ),
            (
                SqsError::queue_deleted_recently(),
                "QueueDeletedRecently",
                "AWS.SimpleQueueService.QueueDeletedRecently",
                400,
            ),
            (
                SqsError::InvalidAttributeName(String::new()),
                "InvalidAttributeName",
                "InvalidAttributeName",
                400,
            ),
            (
                SqsError::InvalidAttributeValue(String::new()),
                "InvalidAttributeValue",
                "InvalidAttributeValue",
                400,
            ),
            (
                SqsError::InvalidMessageContents(String::new()),
                "InvalidMessageContents",
                "InvalidMessageContents",
                400,
            ),
            (
                SqsError::InvalidIdFormat(String::new()),
                "InvalidIdFormat",
                "InvalidIdFormat",
                400,
            ),
            (
                SqsError::receipt_handle_invalid("x"),
                "ReceiptHandleIsInvalid",
                "ReceiptHandleIsInvalid",
                404,
            ),
            (
                SqsError::message_not_inflight(),
                "MessageNotInflight",
                "AWS.SimpleQueueService.MessageNotInflight",
                400,
            ),
            (
                SqsError::OverLimit(String::new()),
                "OverLimit",
                "OverLimit",
                403,
            ),
            (
                SqsError::purge_queue_in_progress("q"),
                "PurgeQueueInProgress",
                "AWS.SimpleQueueService.PurgeQueueInProgress",
                403,
            ),
            (
                SqsError::batch_entry_ids_not_distinct("a"),
                "BatchEntryIdsNotDistinct",
                "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
                400,
            ),
            (
                SqsError::batch_request_too_long(2, 1),
                "BatchRequestTooLong",
                "AWS.SimpleQueueService.BatchRequestTooLong",
                400,
            ),
            (
                SqsError::empty_batch_request("E"),
                "EmptyBatchRequest",
                "AWS.SimpleQueueService.EmptyBatchRequest",
                400,
            ),
            (
                SqsError::InvalidBatchEntryId(String::new()),
                "InvalidBatchEntryId",
                "AWS.SimpleQueueService.InvalidBatchEntryId",
                400,
            ),
            (
                SqsError::too_many_entries_in_batch_request(11),
                "TooManyEntriesInBatchRequest",
                "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
                400,
            ),
            (
                SqsError::UnsupportedOperation(String::new()),
                "UnsupportedOperation",
                "AWS.SimpleQueueService.UnsupportedOperation",
                400,
            ),
            (
                SqsError::InvalidAddress(String::new()),
                "InvalidAddress",
                "InvalidAddress",
                404,
            ),
            (
                SqsError::InvalidSecurity(String::new()),
                "InvalidSecurity",
                "InvalidSecurity",
                403,
            ),
            (
                SqsError::RequestThrottled(String::new()),
                "RequestThrottled",
                "RequestThrottled",
                403,
            ),
            (
                SqsError::ResourceNotFound(String::new()),
                "ResourceNotFoundException",
                "ResourceNotFoundException",
                404,
            ),
            (
                SqsError::KmsAccessDenied(String::new()),
                "KmsAccessDenied",
                "KMS.AccessDeniedException",
                400,
            ),
            (
                SqsError::KmsDisabled(String::new()),
                "KmsDisabled",
                "KMS.DisabledException",
                400,
            ),
            (
                SqsError::KmsInvalidKeyUsage(String::new()),
                "KmsInvalidKeyUsage",
                "KMS.InvalidKeyUsageException",
                400,
            ),
            (
                SqsError::KmsInvalidState(String::new()),
                "KmsInvalidState",
                "KMS.InvalidStateException",
                400,
            ),
            (
                SqsError::KmsNotFound(String::new()),
                "KmsNotFound",
                "KMS.NotFoundException",
                400,
            ),
            (
                SqsError::KmsOptInRequired(String::new()),
                "KmsOptInRequired",
                "KMS.OptInRequired",
                403,
            ),
            (
                SqsError::KmsThrottled(String::new()),
                "KmsThrottled",
                "KMS.ThrottlingException",
                400,
            ),
            (
                SqsError::invalid_parameter_value("x"),
                "InvalidParameterValueException",
                "InvalidParameterValue",
                400,
            ),
            (
                SqsError::missing_parameter("QueueUrl"),
                "MissingRequiredParameterException",
                "MissingParameter",
                400,
            ),
            (
                SqsError::AccessDenied(String::new()),
                "AccessDeniedException",
                "AccessDenied",
                403,
            ),
            (
                SqsError::internal("boom"),
                "InternalError",
                "InternalError",
                500,
            ),
        ];
        for (e, code, query, status) in cases {
            assert_eq!(e.code(), code);
            assert_eq!(e.query_code(), query, "{code}");
            assert_eq!(e.status().as_u16(), status, "{code}");
            let se = ServiceError::from(e.clone());
            assert_eq!(se.code, code);
            assert_eq!(se.query_code.as_deref(), Some(query));
            assert_eq!(se.status.as_u16(), status);
            assert_eq!(se.message, e.message());
            assert_eq!(se.sender_fault, status != 500, "{code}");
        }
    }

    #[test]
    fn helper_messages() {
        assert_eq!(
            SqsError::missing_parameter("MessageBody").message(),
            "The request must contain the parameter MessageBody."
        );
        assert_eq!(
            SqsError::purge_queue_in_progress("jobs").message(),
            "Only one PurgeQueue operation on jobs is allowed every 60 seconds."
        );
        assert_eq!(
            SqsError::too_many_entries_in_batch_request(20).message(),
            "Maximum number of entries per request are 10. You have sent 20."
        );
        assert_eq!(
            SqsError::batch_request_too_long(262_145, 262_144).message(),
            "Batch requests cannot be longer than 262144 bytes. You have sent 262145 bytes."
        );
        assert_eq!(
            SqsError::queue_name_exists_for("DelaySeconds").message(),
            "A queue already exists with the same name and a different value for attribute DelaySeconds"
        );
        assert_eq!(
            SqsError::queue_does_not_exist()
                .for_protocol(Protocol::AwsQuery)
                .message(),
            "The specified queue does not exist for this wsdl version."
        );
        assert_eq!(
            SqsError::queue_does_not_exist_for(Protocol::AwsJson1_0).message(),
            "The specified queue does not exist."
        );
        let other = SqsError::OverLimit("x".into());
        assert_eq!(other.clone().for_protocol(Protocol::AwsQuery), other);
        assert_eq!(SqsError::OverLimit("m".into()).to_string(), "m");
    }

    #[test]
    fn renders_like_aws_on_both_protocols() {
        // The bodies (`__type`, `<Code>`) come from `code` / `query_code`, checked above and
        // by nimbus-wire's own tests; here the status and the header SDKs map errors by.
        let e: ServiceError = SqsError::purge_queue_in_progress("q").into();
        let r = render(Protocol::AwsJson1_0, style(), &e, "rid", false);
        assert_eq!(r.status(), 403);
        assert_eq!(
            r.headers()["x-amzn-query-error"],
            "AWS.SimpleQueueService.PurgeQueueInProgress;Sender"
        );

        let e: ServiceError = SqsError::invalid_parameter_value("bad").into();
        let r = render(Protocol::AwsJson1_0, style(), &e, "rid", false);
        assert_eq!(r.status(), 400);
        assert_eq!(
            r.headers()["x-amzn-query-error"],
            "InvalidParameterValue;Sender"
        );

        let e: ServiceError = SqsError::queue_name_exists().into();
        let r = render(Protocol::AwsQuery, style(), &e, "rid", false);
        assert_eq!(r.status(), 400);
        assert!(r.headers().get("x-amzn-query-error").is_none());

        let e: ServiceError = SqsError::internal("disk").into();
        let r = render(Protocol::AwsJson1_0, style(), &e, "rid", false);
        assert_eq!(r.status(), 500);
        assert_eq!(r.headers()["x-amzn-query-error"], "InternalError;Receiver");
    }
}
