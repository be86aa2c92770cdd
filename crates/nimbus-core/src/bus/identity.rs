//! IAM and STS as the gateway sees them: the sessions behind temporary credentials and the
//! identity policies of users and roles, so that a request's [`Caller`] can be established
//! without the gateway knowing IAM.

use std::sync::Arc;

use nimbus_policy::{Policy, Principal};

use crate::AccountId;
use crate::access::Caller;

/// A role session from `sts:AssumeRole`, found by its temporary credentials.
#[derive(Clone, Debug)]
pub struct Session {
    /// The session's secret access key (strict mode verifies the signature with it).
    pub secret_key: String,
    /// The account the session acts in (the role's).
    pub account: AccountId,
    /// The assumed-role principal (`arn:aws:sts::…:assumed-role/Role/session`).
    pub principal: Principal,
    /// The session policies passed to `AssumeRole` (`Policy`, `PolicyArns`), compiled.
    pub session_policies: Arc<[Policy]>,
    /// When the credentials expire, ms since the epoch.
    pub expires_millis: u64,
}

/// What the directory knows of temporary credentials.
#[derive(Clone, Debug)]
pub enum SessionLookup {
    /// Not credentials this sandbox issued: the gateway treats the key as a long-term one.
    Unknown,
    /// Issued here, and past their expiry on the sandbox's clock (`ExpiredToken`).
    Expired,
    /// A live session.
    Valid(Session),
}

/// The identity policies of one IAM user or role, compiled.
#[derive(Clone, Debug, Default)]
pub struct IdentityPolicySet {
    /// Attached managed policies (their default versions) and inline policies.
    pub policies: Arc<[Policy]>,
    /// The permissions boundary, if one is set.
    pub boundary: Option<Arc<Policy>>,
}

/// A long-term access key IAM issued to a user (`CreateAccessKey`), while it is active.
#[derive(Clone, Debug)]
pub struct AccessKey {
    /// The secret access key.
    pub secret_key: String,
    /// The user's account.
    pub account: AccountId,
    /// The user's ARN.
    pub user_arn: String,
}

/// IAM and STS for the gateway. Implementations answer from memory (compiled policies cached
/// and replaced when IAM changes them): the gateway asks on every request.
pub trait IdentityDirectory: Send + Sync {
    /// The session behind an access key and session token (`X-Amz-Security-Token`).
    fn session(&self, access_key: &str, session_token: &str, now_millis: u64) -> SessionLookup;

    /// The identity policies of the user or role `arn` (for a role session, the role's).
    /// Unknown principals have none.
    fn identity_policies(&self, arn: &str) -> IdentityPolicySet;

    /// The active access key `access_key` that IAM issued to a user, if any: the gateway
    /// asks after the configured credentials.
    fn access_key(&self, access_key: &str) -> Option<AccessKey> {
        let _ = access_key;
        None
    }
}

/// The principal an IAM or STS ARN names: a user, a role, an assumed-role session (whose
/// role is `arn:aws:iam::ACCOUNT:role/ROLE`) or a root user.
pub fn principal_of_arn(arn: &str) -> Principal {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or("");
    let account = arn.split(':').nth(4).unwrap_or("");
    if resource == "root" {
        Principal::root(account)
    } else if resource.starts_with("role/") {
        Principal::role(arn)
    } else if let Some(rest) = resource.strip_prefix("assumed-role/") {
        let role = rest.split('/').next().unwrap_or("");
        Principal::assumed_role(arn, &format!("arn:aws:iam::{account}:role/{role}"))
    } else {
        Principal::user(arn)
    }
}

/// How a request's caller is built once its principal is known: with identity policies
/// evaluated (`enforce_iam`) or unrestricted.
pub fn caller_for(
    directory: Option<&dyn IdentityDirectory>,
    principal: Principal,
    session_policies: Arc<[Policy]>,
    enforce_iam: bool,
) -> Caller {
    use crate::access::IdentityPolicies;
    use nimbus_policy::PrincipalKind;
    let evaluated = enforce_iam
        && matches!(
            principal.kind,
            PrincipalKind::User | PrincipalKind::Role | PrincipalKind::AssumedRole
        );
    if !evaluated {
        return Caller {
            principal,
            policies: IdentityPolicies::Unrestricted,
        };
    }
    let owner = principal.role_arn.as_deref().unwrap_or(&principal.arn);
    let set = directory
        .map(|d| d.identity_policies(owner))
        .unwrap_or_default();
    Caller {
        policies: IdentityPolicies::Enforced {
            identity: set.policies,
            session: session_policies,
            boundary: set.boundary,
        },
        principal,
    }
}
