//! Why a policy document was refused, in AWS's words.
//!
//! Each service maps a [`PolicyError`] to its own error code: S3 answers `MalformedPolicy`
//! with [`PolicyError::message`] (S3's wording, e.g. "Invalid principal in policy"), SQS
//! `InvalidAttributeValue` ("Invalid value for the parameter Policy."), IAM
//! `MalformedPolicyDocument` with [`PolicyError::iam_message`].

use std::fmt;

/// What is wrong with a policy document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyErrorKind {
    /// Not JSON, or the document does not start with `{`.
    InvalidJson,
    /// A field this place of the grammar does not know (`Foo`).
    UnknownField(String),
    /// `Version` is neither `2012-10-17` nor `2008-10-17`.
    InvalidVersion,
    /// No `Statement`.
    MissingStatement,
    /// `Statement: []`.
    EmptyStatement,
    /// Two statements share a `Sid`.
    DuplicateSid,
    /// A statement misses a required element (`Effect`, `Action`, `Resource`, `Principal`).
    MissingField(&'static str),
    /// A statement has both `X` and `NotX`.
    Conflicting(&'static str),
    /// `Effect` is neither `Allow` nor `Deny`.
    InvalidEffect(String),
    /// A `Principal`/`NotPrincipal` that names no principal AWS accepts.
    InvalidPrincipal,
    /// A principal in a policy type that takes none (identity and session policies).
    PrincipalNotAllowed,
    /// An action that is not `*` nor `service:name`.
    InvalidAction(String),
    /// A resource that is not `*` nor an ARN.
    InvalidResource(String),
    /// An unknown condition operator.
    InvalidConditionType(String),
    /// A condition key without a `prefix:` or a malformed condition block.
    InvalidConditionKey(String),
    /// A condition value the operator cannot read (a date, number, address or boolean).
    InvalidConditionValue {
        /// The operator (`DateLessThan`).
        operator: String,
        /// The value as written.
        value: String,
    },
    /// An IP condition value that is no address or CIDR block.
    InvalidIpAddress(String),
}

/// A policy document AWS would refuse, with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    /// The reason.
    pub kind: PolicyErrorKind,
}

impl PolicyError {
    pub(crate) fn new(kind: PolicyErrorKind) -> PolicyError {
        PolicyError { kind }
    }

    /// The message S3 gives with `MalformedPolicy` (also fine for SQS and Lambda logs).
    pub fn message(&self) -> String {
        use PolicyErrorKind as K;
        match &self.kind {
            K::InvalidJson => "Policies must be valid JSON and the first byte must be '{'".into(),
            K::UnknownField(f) => format!("Unknown field {f}"),
            K::InvalidVersion => "The policy must contain a valid version string".into(),
            K::MissingStatement => "Missing required field Statement".into(),
            K::EmptyStatement => "Could not parse the policy: Statement is empty!".into(),
            K::DuplicateSid => "Statement IDs (SID) in a single policy must be unique".into(),
            K::MissingField(f) => format!("Missing required field {f}"),
            K::Conflicting(f) => format!("Statement has both {f} and Not{f}"),
            K::InvalidEffect(e) => format!("Invalid effect: {e}"),
            K::InvalidPrincipal => "Invalid principal in policy".into(),
            K::PrincipalNotAllowed => "Policy document should not specify a principal.".into(),
            K::InvalidAction(_) => "Policy has invalid action".into(),
            K::InvalidResource(_) => "Policy has invalid resource".into(),
            K::InvalidConditionType(t) => format!("Invalid Condition type : {t}"),
            K::InvalidConditionKey(_) => "Policy has an invalid condition key".into(),
            K::InvalidConditionValue { operator, value } => {
                format!("Invalid Condition value for {operator}: {value}")
            }
            K::InvalidIpAddress(_) => "Invalid IP address in Conditions".into(),
        }
    }

    /// The message IAM gives with `MalformedPolicyDocument`.
    pub fn iam_message(&self) -> String {
        use PolicyErrorKind as K;
        match &self.kind {
            K::InvalidJson | K::UnknownField(_) | K::Conflicting(_) | K::InvalidEffect(_) => {
                "Syntax errors in policy.".into()
            }
            K::InvalidVersion => "The policy failed legacy parsing".into(),
            K::MissingField("Resource") => "Policy statement must contain resources.".into(),
            K::MissingField("Action") => "Policy statement must contain actions.".into(),
            K::InvalidAction(_) | K::InvalidConditionKey(_) => {
                "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.".into()
            }
            K::InvalidResource(r) => format!("Resource {r} must be in ARN format or \"*\"."),
            K::InvalidPrincipal => "Invalid principal in policy".into(),
            _ => self.message(),
        }
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for PolicyError {}

/// Shorthand for building an `Err`.
pub(crate) fn err<T>(kind: PolicyErrorKind) -> Result<T, PolicyError> {
    Err(PolicyError::new(kind))
}
