//! IAM's and STS's errors, and their one mapping into [`ServiceError`].
//!
//! Codes and statuses are those of AWS's models (`/work/models/iam.json`, `sts.json`):
//! `NoSuchEntity` 404, `EntityAlreadyExists` 409, `DeleteConflict` 409, `LimitExceeded` 409,
//! `MalformedPolicyDocument` 400, `InvalidInput` 400, `ValidationError` 400.

use http::StatusCode;
use nimbus_wire::ServiceError;

/// Everything an IAM operation can answer other than success.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum IamError {
    /// The named role, policy or attachment does not exist (`NoSuchEntity`, 404).
    #[error("{0}")]
    NoSuchEntity(String),
    /// A role or policy with that name already exists (`EntityAlreadyExists`, 409).
    #[error("{0}")]
    EntityAlreadyExists(String),
    /// The entity is still in use: a role with policies, an attached policy
    /// (`DeleteConflict`, 409).
    #[error("{0}")]
    DeleteConflict(String),
    /// A policy document is not a valid policy (`MalformedPolicyDocument`, 400).
    #[error("{0}")]
    MalformedPolicyDocument(String),
    /// A parameter breaks its model constraint: missing, too long, wrong pattern
    /// (`ValidationError`, 400).
    #[error("{0}")]
    Validation(String),
    /// A quota of IAM's would be exceeded (`LimitExceeded`, 409).
    #[error("{0}")]
    LimitExceeded(String),
    /// A parameter is well-formed but not acceptable, such as an ARN that is not a policy's
    /// (`InvalidInput`, 400).
    #[error("{0}")]
    InvalidInput(String),
    /// The caller may not do this to the entity, such as deleting an AWS managed policy
    /// (`AccessDenied`, 403).
    #[error("{0}")]
    AccessDenied(String),
    /// The action is not one nimbus serves (`InvalidAction`, 400).
    #[error("{0}")]
    InvalidAction(String),
    /// The request has no `Action` (`MissingAction`, 400).
    #[error("The request must contain the parameter Action.")]
    MissingAction,
    /// Storage failed (`ServiceFailure`, 500).
    #[error("{0}")]
    ServiceFailure(String),
}

impl IamError {
    /// `ValidationError` for a required parameter that is absent.
    pub fn missing(field: &str) -> IamError {
        IamError::Validation(format!(
            "1 validation error detected: Value null at '{}' failed to satisfy constraint: \
             Member must not be null",
            member_name(field)
        ))
    }

    /// `ValidationError` in AWS's words: `Value 'x' at 'roleName' failed to satisfy
    /// constraint: <constraint>`.
    pub fn constraint(field: &str, value: &str, constraint: &str) -> IamError {
        IamError::Validation(format!(
            "1 validation error detected: Value '{value}' at '{}' failed to satisfy \
             constraint: {constraint}",
            member_name(field)
        ))
    }
}

/// AWS names members in validation messages in lower camel case (`RoleName` → `roleName`).
pub(crate) fn member_name(field: &str) -> String {
    let mut chars = field.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl From<rusqlite::Error> for IamError {
    fn from(e: rusqlite::Error) -> IamError {
        tracing::error!(error = %e, "IAM storage failed");
        IamError::ServiceFailure(format!("IAM storage failed: {e}"))
    }
}

impl From<IamError> for ServiceError {
    fn from(e: IamError) -> ServiceError {
        let (status, code) = match &e {
            IamError::NoSuchEntity(_) => (StatusCode::NOT_FOUND, "NoSuchEntity"),
            IamError::EntityAlreadyExists(_) => (StatusCode::CONFLICT, "EntityAlreadyExists"),
            IamError::DeleteConflict(_) => (StatusCode::CONFLICT, "DeleteConflict"),
            IamError::MalformedPolicyDocument(_) => {
                (StatusCode::BAD_REQUEST, "MalformedPolicyDocument")
            }
            IamError::Validation(_) => (StatusCode::BAD_REQUEST, "ValidationError"),
            IamError::LimitExceeded(_) => (StatusCode::CONFLICT, "LimitExceeded"),
            IamError::InvalidInput(_) => (StatusCode::BAD_REQUEST, "InvalidInput"),
            IamError::AccessDenied(_) => (StatusCode::FORBIDDEN, "AccessDenied"),
            IamError::InvalidAction(_) => (StatusCode::BAD_REQUEST, "InvalidAction"),
            IamError::MissingAction => (StatusCode::BAD_REQUEST, "MissingAction"),
            IamError::ServiceFailure(_) => (StatusCode::INTERNAL_SERVER_ERROR, "ServiceFailure"),
        };
        ServiceError::new(status, code, e.to_string())
    }
}

/// Everything an STS operation can answer other than success.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum StsError {
    /// A parameter breaks its model constraint (`ValidationError`, 400).
    #[error("{0}")]
    Validation(String),
    /// A session policy is not a valid policy (`MalformedPolicyDocument`, 400).
    #[error("{0}")]
    MalformedPolicyDocument(String),
    /// The caller may not assume the role: it does not exist (`AccessDenied`, 403).
    #[error("{0}")]
    AccessDenied(String),
    /// The action is not one nimbus serves (`InvalidAction`, 400).
    #[error("{0}")]
    InvalidAction(String),
    /// The request names no action (`MissingAction`, 400).
    #[error("The request must contain the parameter Action.")]
    MissingAction,
    /// An awsJson body is not JSON of the operation's shape (`SerializationException`, 400).
    #[error("{0}")]
    Serialization(String),
    /// Looking up the role failed (`InternalFailure`, 500).
    #[error("{0}")]
    Internal(String),
}

impl StsError {
    /// `ValidationError` for a required parameter that is absent.
    pub fn missing(field: &str) -> StsError {
        StsError::Validation(format!(
            "1 validation error detected: Value null at '{}' failed to satisfy constraint: \
             Member must not be null",
            member_name(field)
        ))
    }

    /// `ValidationError` naming the member and the constraint it breaks.
    pub fn constraint(field: &str, value: &str, constraint: &str) -> StsError {
        StsError::Validation(format!(
            "1 validation error detected: Value '{value}' at '{}' failed to satisfy \
             constraint: {constraint}",
            member_name(field)
        ))
    }
}

impl From<StsError> for ServiceError {
    fn from(e: StsError) -> ServiceError {
        let (status, code) = match &e {
            StsError::Validation(_) => (StatusCode::BAD_REQUEST, "ValidationError"),
            StsError::MalformedPolicyDocument(_) => {
                (StatusCode::BAD_REQUEST, "MalformedPolicyDocument")
            }
            StsError::AccessDenied(_) => (StatusCode::FORBIDDEN, "AccessDenied"),
            StsError::InvalidAction(_) => (StatusCode::BAD_REQUEST, "InvalidAction"),
            StsError::MissingAction => (StatusCode::BAD_REQUEST, "MissingAction"),
            StsError::Serialization(_) => (StatusCode::BAD_REQUEST, "SerializationException"),
            StsError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "InternalFailure"),
        };
        ServiceError::new(status, code, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_statuses_follow_the_model() {
        let cases = [
            (IamError::NoSuchEntity("x".into()), 404, "NoSuchEntity"),
            (
                IamError::EntityAlreadyExists("x".into()),
                409,
                "EntityAlreadyExists",
            ),
            (IamError::DeleteConflict("x".into()), 409, "DeleteConflict"),
            (
                IamError::MalformedPolicyDocument("x".into()),
                400,
                "MalformedPolicyDocument",
            ),
            (IamError::Validation("x".into()), 400, "ValidationError"),
            (IamError::LimitExceeded("x".into()), 409, "LimitExceeded"),
            (IamError::InvalidInput("x".into()), 400, "InvalidInput"),
            (IamError::InvalidAction("x".into()), 400, "InvalidAction"),
        ];
        for (e, status, code) in cases {
            let s: ServiceError = e.into();
            assert_eq!(s.status.as_u16(), status);
            assert_eq!(s.code, code);
            assert!(s.sender_fault);
        }
        let s: ServiceError = IamError::ServiceFailure("db".into()).into();
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
