//! IAM's and STS's errors, and their one mapping into [`ServiceError`].
//!
//! Each error is a code and a message; the codes and their statuses, those of AWS's models
//! (`/work/models/iam.json`, `sts.json`), are the one table of [`IamErrorCode`] and of
//! [`StsErrorCode`]. The validation messages come from [`nimbus_wire::validation`].

use nimbus_wire::ServiceError;
use nimbus_wire::validation;

nimbus_wire::error_codes! {
    /// The code of an [`IamError`]: (code, status, fault) from IAM's model.
    pub enum IamErrorCode {
        /// The named role, policy or attachment does not exist.
        NoSuchEntity => ("NoSuchEntity", None, NOT_FOUND, Sender),
        /// A role or policy with that name already exists.
        EntityAlreadyExists => ("EntityAlreadyExists", None, CONFLICT, Sender),
        /// The entity is still in use: a role with policies, an attached policy.
        DeleteConflict => ("DeleteConflict", None, CONFLICT, Sender),
        /// A policy document is not a valid policy.
        MalformedPolicyDocument => ("MalformedPolicyDocument", None, BAD_REQUEST, Sender),
        /// A parameter breaks its model constraint: missing, too long, wrong pattern.
        Validation => ("ValidationError", None, BAD_REQUEST, Sender),
        /// A quota of IAM's would be exceeded.
        LimitExceeded => ("LimitExceeded", None, CONFLICT, Sender),
        /// A parameter is well-formed but not acceptable, such as an ARN that is not a
        /// policy's.
        InvalidInput => ("InvalidInput", None, BAD_REQUEST, Sender),
        /// The caller may not do this to the entity, such as deleting an AWS managed policy.
        AccessDenied => ("AccessDenied", None, FORBIDDEN, Sender),
        /// The action is not one nimbus serves.
        InvalidAction => ("InvalidAction", None, BAD_REQUEST, Sender),
        /// The request has no `Action`.
        MissingAction => ("MissingAction", None, BAD_REQUEST, Sender),
        /// Storage failed.
        ServiceFailure => ("ServiceFailure", None, INTERNAL_SERVER_ERROR, Receiver),
    }
}

/// Everything an IAM operation can answer other than success: a code and its message.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error("{message}")]
pub struct IamError {
    code: IamErrorCode,
    message: String,
}

impl IamError {
    /// The error `code` with `message`.
    pub fn new(code: IamErrorCode, message: impl Into<String>) -> IamError {
        IamError {
            code,
            message: message.into(),
        }
    }

    /// The error's code.
    pub fn kind(&self) -> IamErrorCode {
        self.code
    }

    /// `MissingAction`: the request names no action.
    pub fn missing_action() -> IamError {
        IamError::new(
            IamErrorCode::MissingAction,
            "The request must contain the parameter Action.",
        )
    }

    /// `ValidationError` for a required parameter that is absent.
    pub fn missing(field: &str) -> IamError {
        IamError::new(
            IamErrorCode::Validation,
            validation::missing(&validation::member_name(field)),
        )
    }

    /// `ValidationError` in AWS's words: `Value 'x' at 'roleName' failed to satisfy
    /// constraint: <constraint>`.
    pub fn constraint(field: &str, value: &str, constraint: &str) -> IamError {
        IamError::new(
            IamErrorCode::Validation,
            validation::message(&validation::member_name(field), value, constraint),
        )
    }
}

impl From<rusqlite::Error> for IamError {
    fn from(e: rusqlite::Error) -> IamError {
        tracing::error!(error = %e, "IAM storage failed");
        IamError::new(
            IamErrorCode::ServiceFailure,
            format!("IAM storage failed: {e}"),
        )
    }
}

impl From<IamError> for ServiceError {
    fn from(e: IamError) -> ServiceError {
        e.code.spec().service_error(e.message)
    }
}

nimbus_wire::error_codes! {
    /// The code of an [`StsError`]: (code, status, fault) from STS's model.
    pub enum StsErrorCode {
        /// A parameter breaks its model constraint.
        Validation => ("ValidationError", None, BAD_REQUEST, Sender),
        /// A session policy is not a valid policy.
        MalformedPolicyDocument => ("MalformedPolicyDocument", None, BAD_REQUEST, Sender),
        /// The caller may not assume the role: it does not exist, its trust policy or the
        /// caller's identity policies do not allow it.
        AccessDenied => ("AccessDenied", None, FORBIDDEN, Sender),
        /// The session policies, packed, exceed STS's allotment.
        PackedPolicyTooLarge => ("PackedPolicyTooLarge", None, BAD_REQUEST, Sender),
        /// The action is not one nimbus serves.
        InvalidAction => ("InvalidAction", None, BAD_REQUEST, Sender),
        /// The request names no action.
        MissingAction => ("MissingAction", None, BAD_REQUEST, Sender),
        /// An awsJson body is not JSON of the operation's shape.
        Serialization => ("SerializationException", None, BAD_REQUEST, Sender),
        /// Looking up the role failed.
        Internal => ("InternalFailure", None, INTERNAL_SERVER_ERROR, Receiver),
    }
}

/// Everything an STS operation can answer other than success: a code and its message.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error("{message}")]
pub struct StsError {
    code: StsErrorCode,
    message: String,
}

impl StsError {
    /// The error `code` with `message`.
    pub fn new(code: StsErrorCode, message: impl Into<String>) -> StsError {
        StsError {
            code,
            message: message.into(),
        }
    }

    /// The error's code.
    pub fn kind(&self) -> StsErrorCode {
        self.code
    }

    /// `MissingAction`: the request names no action.
    pub fn missing_action() -> StsError {
        StsError::new(
            StsErrorCode::MissingAction,
            "The request must contain the parameter Action.",
        )
    }

    /// `ValidationError` for a required parameter that is absent.
    pub fn missing(field: &str) -> StsError {
        StsError::new(
            StsErrorCode::Validation,
            validation::missing(&validation::member_name(field)),
        )
    }

    /// `ValidationError` naming the member and the constraint it breaks.
    pub fn constraint(field: &str, value: &str, constraint: &str) -> StsError {
        StsError::new(
            StsErrorCode::Validation,
            validation::message(&validation::member_name(field), value, constraint),
        )
    }
}

impl From<StsError> for ServiceError {
    fn from(e: StsError) -> ServiceError {
        e.code.spec().service_error(e.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_statuses_follow_the_model() {
        let cases = [
            (
                IamError::new(IamErrorCode::NoSuchEntity, "x"),
                404,
                "NoSuchEntity",
            ),
            (
                IamError::new(IamErrorCode::EntityAlreadyExists, "x"),
                409,
                "EntityAlreadyExists",
            ),
            (
                IamError::new(IamErrorCode::DeleteConflict, "x"),
                409,
                "DeleteConflict",
            ),
            (
                IamError::new(IamErrorCode::MalformedPolicyDocument, "x"),
                400,
                "MalformedPolicyDocument",
            ),
            (
                IamError::new(IamErrorCode::Validation, "x"),
                400,
                "ValidationError",
            ),
            (
                IamError::new(IamErrorCode::LimitExceeded, "x"),
                409,
                "LimitExceeded",
            ),
            (
                IamError::new(IamErrorCode::InvalidInput, "x"),
                400,
                "InvalidInput",
            ),
            (
                IamError::new(IamErrorCode::InvalidAction, "x"),
                400,
                "InvalidAction",
            ),
        ];
        for (e, status, code) in cases {
            let s: ServiceError = e.into();
            assert_eq!(s.status.as_u16(), status);
            assert_eq!(s.code, code);
            assert!(s.sender_fault);
        }
        let s: ServiceError = IamError::new(IamErrorCode::ServiceFailure, "db").into();
        assert!(!s.sender_fault);
    }

    #[test]
    fn validation_messages_use_member_names() {
        let e = IamError::constraint(
            "RoleName",
            "a b",
            "Member must satisfy regular expression pattern: [\\w+=,.@-]+",
        );
        assert_eq!(
            e.to_string(),
            "1 validation error detected: Value 'a b' at 'roleName' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: [\\w+=,.@-]+"
        );
        assert!(
            IamError::missing("PolicyArn")
                .to_string()
                .contains("'policyArn'")
        );
    }
}
