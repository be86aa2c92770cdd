//! Who is calling, and whether they may: the [`Caller`] the gateway establishes for every
//! request, and [`authorize`], the one decision every service asks for before it acts on a
//! resource.
//!
//! A service knows the resource (its ARN, the account that owns it, its compiled resource
//! policy, if any) and the condition keys only it can supply (`s3:prefix`, `aws:SourceArn`);
//! the caller (principal, identity policies, session policies) and the keys AWS derives from
//! the request itself (`aws:SourceIp`, `aws:CurrentTime`, `aws:PrincipalAccount`…) come with
//! the [`RequestContext`](crate::RequestContext). The decision is the policy crate's
//! ([`nimbus_policy::evaluate`]): explicit deny wins, then an allow from the identity side or
//! the resource policy, with both sides needed across accounts.
//!
//! The common case costs nothing: the owner's root user (or, without `--enforce-iam`, any
//! principal of the owning account) acting on a resource whose policy holds no `Deny` is
//! allowed without building a condition context. When policies must be evaluated, the
//! context holds only the keys they read (each compiled policy knows them since it was
//! parsed: [`Policy::reads`]), and none at all when they read none; the request is passed
//! by reference, so nothing of the caller, the action or the ARN is copied.

use std::fmt;
use std::sync::{Arc, OnceLock};

pub use nimbus_policy as policy;

use nimbus_policy::{
    Context, ContextBuilder, Decision, Evaluation, Policies, Policy, Principal, PrincipalKind,
    RequestView, Source,
};

/// The identity side of a caller: what its own policies let it do.
#[derive(Clone, Debug, Default)]
pub enum IdentityPolicies {
    /// Not evaluated: IAM identity policies are not enforced (`--enforce-iam` off), so the
    /// caller may do whatever its account may. Account boundaries and resource policies
    /// still hold.
    #[default]
    Unrestricted,
    /// Evaluated: the principal's identity policies (attached managed policies and inline
    /// policies), a role session's session policies, the permissions boundary.
    Enforced {
        /// Attached and inline policies.
        identity: Arc<[Policy]>,
        /// Session policies passed to `AssumeRole` (empty: no limit).
        session: Arc<[Policy]>,
        /// The permissions boundary.
        boundary: Option<Arc<Policy>>,
    },
}

/// Who a request acts as: established by the gateway from the request's credentials.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The principal: an account's root user (a credential with no principal ARN), an IAM
    /// user, a role session, an AWS service acting for a resource, or nobody (anonymous).
    pub principal: Principal,
    /// What the principal's identity policies allow.
    pub policies: IdentityPolicies,
}

impl Caller {
    /// The root user of `account`, unrestricted (what a plain access key acts as).
    pub fn root(account: &str) -> Caller {
        Caller {
            principal: Principal::root(account),
            policies: IdentityPolicies::Unrestricted,
        }
    }

    /// An unsigned request (S3's anonymous access).
    pub fn anonymous() -> Caller {
        Caller {
            principal: Principal::anonymous(),
            policies: IdentityPolicies::Unrestricted,
        }
    }

    /// An AWS service acting for one of its resources (`s3.amazonaws.com` delivering a
    /// notification); the source's ARN and account go in the condition keys.
    pub fn service(name: &str) -> Caller {
        Caller {
            principal: Principal::service(name),
            policies: IdentityPolicies::Unrestricted,
        }
    }

    /// The caller's account (empty for services and anonymous callers).
    pub fn account(&self) -> &str {
        &self.principal.account
    }

    /// The ARN AWS names the caller by in `AccessDenied` messages (`anonymous` for
    /// unsigned requests).
    pub fn display_arn(&self) -> &str {
        match self.principal.kind {
            PrincipalKind::Anonymous => "anonymous",
            _ => &self.principal.arn,
        }
    }

    /// Whether this is the root user of `account`: allowed without evaluating anything when
    /// the resource's policy holds no `Deny`.
    fn is_owner_root(&self, owner: &str) -> bool {
        self.principal.kind == PrincipalKind::Root && self.principal.account == owner
    }
}

/// The resource a request acts on, as its service knows it.
#[derive(Clone, Copy, Debug)]
pub struct Resource<'a> {
    /// Its ARN (`arn:aws:s3:::bucket/key`, a queue's or a function's ARN).
    pub arn: &'a str,
    /// The account that owns it.
    pub owner: &'a str,
    /// Its compiled resource policy (bucket policy, queue `Policy`, function policy).
    pub policy: Option<&'a Policy>,
}

/// The request-derived condition keys: set by the gateway, read by [`authorize`].
#[derive(Clone, Debug)]
pub struct RequestFacts<'a> {
    /// `aws:SourceIp`.
    pub source_ip: Option<std::net::IpAddr>,
    /// `aws:RequestedRegion`.
    pub region: &'a str,
    /// The request's time (`aws:CurrentTime`, `aws:EpochTime`), ms since the epoch.
    pub now_millis: u64,
}

/// Why a request was refused: enough to write AWS's `AccessDenied` message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Denied {
    /// The caller's ARN (`anonymous` for unsigned requests).
    pub caller_arn: String,
    /// The action (`sqs:SendMessage`).
    pub action: String,
    /// The resource's ARN.
    pub resource: String,
    /// Which policy decided.
    pub reason: DenyReason,
    /// Whether the caller's own side allowed the action: its identity policies (with its
    /// session policies and boundary), or it has none to need (a root user, an unrestricted
    /// caller, a service, an anonymous caller). A resource-side grant that is not a policy
    /// (S3's ACLs) may make up for the missing resource allow only then.
    pub identity_allows: bool,
}

/// Which policy refused, in the words of AWS's messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DenyReason {
    /// `with an explicit deny in a resource-based policy`.
    ExplicitResource,
    /// `with an explicit deny in an identity-based policy`.
    ExplicitIdentity,
    /// `with an explicit deny in a session policy`.
    ExplicitSession,
    /// `with an explicit deny in a permissions boundary`.
    ExplicitBoundary,
    /// `because no resource-based policy allows the … action`.
    NoResourcePolicy,
    /// `because no identity-based policy allows the … action`.
    NoIdentityPolicy,
}

impl Denied {
    /// AWS's standard message: `User: arn:aws:iam::222222222222:root is not authorized to
    /// perform: sqs:SendMessage on resource: arn:… because no resource-based policy allows
    /// the sqs:SendMessage action` (IAM, Lambda, STS and most JSON services word it so).
    pub fn message(&self) -> String {
        let because = match self.reason {
            DenyReason::ExplicitResource => {
                "with an explicit deny in a resource-based policy".to_owned()
            }
            DenyReason::ExplicitIdentity => {
                "with an explicit deny in an identity-based policy".to_owned()
            }
            DenyReason::ExplicitSession => "with an explicit deny in a session policy".to_owned(),
            DenyReason::ExplicitBoundary => {
                "with an explicit deny in a permissions boundary".to_owned()
            }
            DenyReason::NoResourcePolicy => format!(
                "because no resource-based policy allows the {} action",
                self.action
            ),
            DenyReason::NoIdentityPolicy => format!(
                "because no identity-based policy allows the {} action",
                self.action
            ),
        };
        format!(
            "User: {} is not authorized to perform: {} on resource: {} {because}",
            self.caller_arn, self.action, self.resource
        )
    }

    /// Whether a `Deny` statement decided (rather than the absence of an `Allow`).
    pub fn is_explicit(&self) -> bool {
        matches!(
            self.reason,
            DenyReason::ExplicitResource
                | DenyReason::ExplicitIdentity
                | DenyReason::ExplicitSession
                | DenyReason::ExplicitBoundary
        )
    }
}

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// The identity policy that allows everything: the identity side of an unrestricted caller.
fn allow_all() -> &'static [Policy] {
    static ALLOW_ALL: OnceLock<Vec<Policy>> = OnceLock::new();
    ALLOW_ALL.get_or_init(|| {
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        vec![Policy::identity(doc).expect("the allow-all policy parses")]
    })
}

/// `authorize`'s fast path, for services that want to skip building the resource's ARN too:
/// within the owning account, the root user and an unrestricted principal are allowed
/// unless a `Deny` says otherwise, and a policy of grants only cannot change that.
pub fn allowed_without_evaluation(caller: &Caller, owner: &str, policy: Option<&Policy>) -> bool {
    let unrestricted = matches!(caller.policies, IdentityPolicies::Unrestricted);
    let owner_side =
        caller.is_owner_root(owner) || (unrestricted && caller.principal.account == owner);
    owner_side && !policy.is_some_and(Policy::has_deny)
}

/// Decides whether `caller` may perform `action` on `resource`.
///
/// `keys` adds the condition keys only the service knows (`s3:prefix`, `aws:SourceArn`,
/// `aws:ResourceTag/…`); it runs only when a policy has to be evaluated and reads some key,
/// and its builder keeps only the keys the policies read (ask
/// [`ContextBuilder::wants`] before building an expensive value or a family of keys).
pub fn authorize(
    caller: &Caller,
    facts: &RequestFacts<'_>,
    action: &str,
    resource: Resource<'_>,
    keys: impl FnOnce(&mut ContextBuilder<'_>),
) -> Result<(), Denied> {
    if allowed_without_evaluation(caller, resource.owner, resource.policy) {
        return Ok(());
    }
    if let Some(policy) = resource.policy
        && matches!(caller.policies, IdentityPolicies::Unrestricted)
        && caller.principal.has_account()
        && caller.principal.account == resource.owner
    {
        // The caller's side allows everything in its own account: only the resource
        // policy's `Deny` statements can refuse, and only the keys they read are built.
        return owner_side(caller, facts, action, resource, policy, keys);
    }
    let policies = match &caller.policies {
        IdentityPolicies::Unrestricted => Policies {
            identity: allow_all(),
            resource: resource.policy,
            ..Policies::default()
        },
        IdentityPolicies::Enforced {
            identity,
            session,
            boundary,
        } => Policies {
            identity,
            resource: resource.policy,
            session,
            boundary: boundary.as_deref(),
        },
    };
    let context = if policies.reads_any_key() {
        let mut b = ContextBuilder::for_policies(&policies);
        request_keys(&mut b, caller, facts);
        keys(&mut b);
        b.finish()
    } else {
        Context::new()
    };
    let req = RequestView {
        principal: &caller.principal,
        action,
        resource: resource.arn,
        resource_account: resource.owner,
        context: &context,
    };
    let evaluation = nimbus_policy::evaluate_view(&req, &policies);
    tracing::debug!(
        caller = %caller.principal.arn, action, resource = resource.arn,
        decision = %evaluation, "authorize"
    );
    if evaluation.decision == Decision::Allow {
        return Ok(());
    }
    Err(Denied {
        caller_arn: caller.display_arn().to_owned(),
        action: action.to_owned(),
        resource: resource.arn.to_owned(),
        reason: deny_reason(&req, &evaluation),
        identity_allows: evaluation.identity_statement.is_some()
            || matches!(caller.policies, IdentityPolicies::Unrestricted)
            || matches!(
                req.principal.kind,
                PrincipalKind::Root | PrincipalKind::Service | PrincipalKind::Anonymous
            ),
    })
}

/// [`authorize`] for a caller of the owning account whose own side allows everything (the
/// root user, or any principal without `--enforce-iam`) on a resource whose policy holds a
/// `Deny`: the first applicable `Deny` refuses, else the request is allowed, as
/// [`nimbus_policy::evaluate`] would decide, without looking at an `Allow` statement.
fn owner_side(
    caller: &Caller,
    facts: &RequestFacts<'_>,
    action: &str,
    resource: Resource<'_>,
    policy: &Policy,
    keys: impl FnOnce(&mut ContextBuilder<'_>),
) -> Result<(), Denied> {
    let context = if policy.deny_reads().is_empty() {
        Context::new()
    } else {
        let mut b = ContextBuilder::for_keys(policy.deny_reads());
        request_keys(&mut b, caller, facts);
        keys(&mut b);
        b.finish()
    };
    let req = RequestView {
        principal: &caller.principal,
        action,
        resource: resource.arn,
        resource_account: resource.owner,
        context: &context,
    };
    let Some(index) = policy.applicable_deny(&req) else {
        return Ok(());
    };
    tracing::debug!(
        caller = %caller.principal.arn, action, resource = resource.arn,
        statement = index, "authorize: explicit deny in the resource policy"
    );
    Err(Denied {
        caller_arn: caller.display_arn().to_owned(),
        action: action.to_owned(),
        resource: resource.arn.to_owned(),
        reason: DenyReason::ExplicitResource,
        identity_allows: true,
    })
}

/// The keys every request carries, the wanted ones: the caller's (`aws:PrincipalAccount`,
/// `aws:PrincipalArn`…), `aws:SourceIp`, `aws:SecureTransport`, `aws:RequestedRegion`,
/// `aws:CurrentTime` and `aws:EpochTime`.
pub fn request_keys(b: &mut ContextBuilder<'_>, caller: &Caller, facts: &RequestFacts<'_>) {
    b.principal_keys(&caller.principal);
    if let Some(ip) = facts.source_ip {
        b.insert_with("aws:SourceIp", || ip.to_string());
    }
    b.insert("aws:SecureTransport", "false");
    b.insert("aws:RequestedRegion", facts.region);
    b.time((facts.now_millis / 1000) as i64);
}

fn deny_reason(req: &RequestView<'_>, e: &Evaluation<'_>) -> DenyReason {
    if e.decision == Decision::ExplicitDeny {
        return match e.statement.map(|s| s.source) {
            Some(Source::Identity(_)) => DenyReason::ExplicitIdentity,
            Some(Source::Session(_)) => DenyReason::ExplicitSession,
            Some(Source::Boundary) => DenyReason::ExplicitBoundary,
            _ => DenyReason::ExplicitResource,
        };
    }
    let needs_resource = !req.same_account()
        || matches!(
            req.principal.kind,
            PrincipalKind::Service | PrincipalKind::Anonymous
        );
    if needs_resource && e.statement.is_none() {
        DenyReason::NoResourcePolicy
    } else {
        DenyReason::NoIdentityPolicy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> RequestFacts<'static> {
        RequestFacts {
            source_ip: None,
            region: "us-east-1",
            now_millis: 1_700_000_000_000,
        }
    }

    const QUEUE: &str = "arn:aws:sqs:us-east-1:111111111111:q";

    fn res(policy: Option<&Policy>) -> Resource<'_> {
        Resource {
            arn: QUEUE,
            owner: "111111111111",
            policy,
        }
    }

    #[test]
    fn the_owner_is_allowed_and_another_account_is_not() {
        let f = facts();
        assert!(
            authorize(
                &Caller::root("111111111111"),
                &f,
                "sqs:SendMessage",
                res(None),
                |_| {}
            )
            .is_ok()
        );
        let err = authorize(
            &Caller::root("222222222222"),
            &f,
            "sqs:SendMessage",
            res(None),
            |_| {},
        )
        .unwrap_err();
        assert_eq!(err.reason, DenyReason::NoResourcePolicy);
        assert_eq!(
            err.message(),
            "User: arn:aws:iam::222222222222:root is not authorized to perform: sqs:SendMessage \
             on resource: arn:aws:sqs:us-east-1:111111111111:q because no resource-based policy \
             allows the sqs:SendMessage action"
        );
    }

    #[test]
    fn a_resource_policy_grants_and_denies() {
        let p = Policy::resource(
            r#"{"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"sqs:SendMessage","Resource":"*"},
              {"Effect":"Deny","Principal":"*","Action":"sqs:DeleteQueue","Resource":"*"}]}"#,
        )
        .unwrap();
        let f = facts();
        let two = Caller::root("222222222222");
        assert!(authorize(&two, &f, "sqs:SendMessage", res(Some(&p)), |_| {}).is_ok());
        let err = authorize(
            &Caller::root("111111111111"),
            &f,
            "sqs:DeleteQueue",
            res(Some(&p)),
            |_| {},
        )
        .unwrap_err();
        assert!(err.is_explicit());
    }

    #[test]
    fn enforced_identity_policies_bound_a_user() {
        let allow_send = Policy::identity(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}"#,
        )
        .unwrap();
        let user = Caller {
            principal: Principal::user("arn:aws:iam::111111111111:user/alice"),
            policies: IdentityPolicies::Enforced {
                identity: Arc::from(vec![allow_send]),
                session: Arc::from(Vec::new()),
                boundary: None,
            },
        };
        let f = facts();
        assert!(authorize(&user, &f, "sqs:SendMessage", res(None), |_| {}).is_ok());
        let err = authorize(&user, &f, "sqs:PurgeQueue", res(None), |_| {}).unwrap_err();
        assert_eq!(err.reason, DenyReason::NoIdentityPolicy);
    }

    #[test]
    fn service_keys_come_from_the_caller_of_authorize() {
        let p = Policy::resource(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},
               "Action":"sqs:SendMessage","Resource":"*",
               "Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::uploads"}}}]}"#,
        )
        .unwrap();
        let s3 = Caller::service("s3.amazonaws.com");
        let f = facts();
        let from = |arn: &'static str| {
            move |c: &mut ContextBuilder<'_>| {
                c.insert("aws:SourceArn", arn);
            }
        };
        assert!(
            authorize(
                &s3,
                &f,
                "sqs:SendMessage",
                res(Some(&p)),
                from("arn:aws:s3:::uploads")
            )
            .is_ok()
        );
        assert!(
            authorize(
                &s3,
                &f,
                "sqs:SendMessage",
                res(Some(&p)),
                from("arn:aws:s3:::other")
            )
            .is_err()
        );
        assert!(
            authorize(
                &Caller::anonymous(),
                &f,
                "sqs:SendMessage",
                res(None),
                |_| {}
            )
            .is_err()
        );
    }

    #[test]
    fn only_the_keys_a_policy_reads_are_built() {
        let p = Policy::resource(
            r#"{"Version":"2012-10-17","Statement":[
              {"Effect":"Deny","Principal":"*","Action":"sqs:*","Resource":"*",
               "Condition":{"StringEquals":{"aws:SourceArn":"arn:aws:s3:::bad"}}},
              {"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"sqs:SendMessage","Resource":"*",
               "Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}}]}"#,
        )
        .unwrap();
        let f = RequestFacts {
            source_ip: Some(std::net::IpAddr::from([127, 0, 0, 1])),
            ..facts()
        };
        let from = |arn: &'static str, owner_side: bool| {
            move |c: &mut ContextBuilder<'_>| {
                assert!(c.wants("aws:SourceArn"));
                // The owner's side is decided by the Deny alone: the Allow's key is not built.
                assert_eq!(c.get("aws:SourceIp").is_some(), !owner_side);
                assert!(!c.wants("aws:PrincipalArn") && !c.wants("aws:CurrentTime"));
                c.insert("aws:SourceArn", arn);
            }
        };
        let (one, two) = (Caller::root("111111111111"), Caller::root("222222222222"));
        let send = |c: &Caller, keys: &dyn Fn(&mut ContextBuilder<'_>)| {
            authorize(c, &f, "sqs:SendMessage", res(Some(&p)), keys)
        };
        assert!(send(&one, &from("arn:aws:s3:::good", true)).is_ok());
        assert!(
            send(&one, &from("arn:aws:s3:::bad", true))
                .unwrap_err()
                .is_explicit()
        );
        assert!(send(&two, &from("arn:aws:s3:::good", false)).is_ok());
        assert!(
            send(&two, &from("arn:aws:s3:::bad", false))
                .unwrap_err()
                .is_explicit()
        );
        // A policy that reads no key: the service's keys are never asked for.
        let plain = Policy::resource(
            r#"{"Version":"2012-10-17","Statement":[
              {"Effect":"Deny","Principal":{"AWS":"333333333333"},"Action":"sqs:*","Resource":"*"},
              {"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"sqs:SendMessage","Resource":"*"}]}"#,
        )
        .unwrap();
        for caller in [&one, &two] {
            let decided = authorize(caller, &f, "sqs:SendMessage", res(Some(&plain)), |_| {
                panic!("no key is read")
            });
            assert!(decided.is_ok());
        }
        let three = Caller::root("333333333333");
        let denied = authorize(&three, &f, "sqs:SendMessage", res(Some(&plain)), |_| {
            panic!("no key is read")
        });
        assert!(denied.unwrap_err().is_explicit());
    }
}
