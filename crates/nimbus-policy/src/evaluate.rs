//! The decision: AWS's policy evaluation logic over the policies that apply to a request.
//!
//! 1. An explicit `Deny` in any applicable policy (resource, identity, session, boundary)
//!    decides: [`Decision::ExplicitDeny`].
//! 2. The root user of the account that owns the resource is allowed.
//! 3. Within one account, an `Allow` from the identity side (identity policies, bounded by
//!    the session policies and the permissions boundary when present) allows; so does a
//!    resource policy that names the caller itself (its user or session ARN, `*`), alone;
//!    one that names the role of a session allows when the session policies and boundary
//!    allow too; one that names only the account delegates to the identity side.
//! 4. Across accounts (and for services and anonymous callers) both sides must allow: the
//!    resource policy must name the caller (by account, ARN, service or `*`) and the
//!    caller's identity side must allow (a root caller's always does; services and
//!    anonymous callers have none).
//! 5. Otherwise [`Decision::ImplicitDeny`].
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html>
//! (account principals delegate; role principals are bounded by session policies and
//! boundaries).
//!
//! Service-specific exceptions stay with the service: S3 lets the owner's root call
//! `GetBucketPolicy`, `PutBucketPolicy` and `DeleteBucketPolicy` even when the bucket policy
//! denies it, so a bucket can never lock its owner out.

use std::fmt;

use crate::policy::Policy;
use crate::principal::Strength;
use crate::request::{PrincipalKind, Request, RequestView};
use crate::statement::Effect;

/// The answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Allowed.
    Allow,
    /// A `Deny` statement applies.
    ExplicitDeny,
    /// Nothing allows it.
    ImplicitDeny,
}

impl Decision {
    /// Whether the request may proceed.
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }
}

/// Which policy a statement belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The resource policy.
    Resource,
    /// The `n`th identity policy.
    Identity(usize),
    /// The `n`th session policy.
    Session(usize),
    /// The permissions boundary.
    Boundary,
}

/// A statement that took part in a decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatementRef<'p> {
    /// Its policy.
    pub source: Source,
    /// Its index in the policy's statements.
    pub index: usize,
    /// Its `Sid`.
    pub sid: Option<&'p str>,
}

impl fmt::Display for StatementRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.source {
            Source::Resource => write!(f, "resource policy")?,
            Source::Identity(n) => write!(f, "identity policy {n}")?,
            Source::Session(n) => write!(f, "session policy {n}")?,
            Source::Boundary => write!(f, "permissions boundary")?,
        }
        write!(f, " statement {}", self.index)?;
        if let Some(sid) = self.sid {
            write!(f, " ({sid})")?;
        }
        Ok(())
    }
}

/// The decision, why, and the statements behind it (for log lines and debugging).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Evaluation<'p> {
    /// The answer.
    pub decision: Decision,
    /// The statement that decided: the `Deny`, or the `Allow` of the resource policy (or of
    /// the identity side when no resource statement was needed).
    pub statement: Option<StatementRef<'p>>,
    /// The identity side's `Allow` when the decision also needed it.
    pub identity_statement: Option<StatementRef<'p>>,
    /// A short reason, in words.
    pub reason: &'static str,
}

impl fmt::Display for Evaluation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.decision, self.reason)?;
        if let Some(s) = &self.statement {
            write!(f, "; {s}")?;
        }
        if let Some(s) = &self.identity_statement {
            write!(f, "; {s}")?;
        }
        Ok(())
    }
}

/// The policies that apply to a request.
#[derive(Clone, Copy, Debug, Default)]
pub struct Policies<'p> {
    /// The caller's identity policies (attached and inline, its groups'); none for root,
    /// services and anonymous callers.
    pub identity: &'p [Policy],
    /// The resource's policy (bucket, queue, function policy), if it has one.
    pub resource: Option<&'p Policy>,
    /// The session policies of a role session from `AssumeRole` (empty: none, no limit).
    pub session: &'p [Policy],
    /// The caller's permissions boundary, if any.
    pub boundary: Option<&'p Policy>,
}

/// What one policy says about the request.
#[derive(Default)]
struct Scan {
    deny: Option<usize>,
    allow: Option<(usize, Strength)>,
}

fn scan(policy: &Policy, req: &RequestView<'_>) -> Scan {
    let mut out = Scan::default();
    for (i, s) in policy.statements.iter().enumerate() {
        let Some(strength) = s.applies(req) else {
            continue;
        };
        match s.effect {
            Effect::Deny => {
                out.deny = Some(i);
                return out;
            }
            Effect::Allow => {
                if out.allow.is_none_or(|(_, best)| strength > best) {
                    out.allow = Some((i, strength));
                }
            }
        }
    }
    out
}

fn sref(policy: &Policy, source: Source, index: usize) -> StatementRef<'_> {
    StatementRef {
        source,
        index,
        sid: policy.sid(index),
    }
}

/// The first policy of `policies` that allows, or the deny that one of them holds.
fn scan_all<'p>(
    policies: &'p [Policy],
    req: &RequestView<'_>,
    source: fn(usize) -> Source,
) -> Result<Option<StatementRef<'p>>, StatementRef<'p>> {
    let mut allow = None;
    for (n, p) in policies.iter().enumerate() {
        let s = scan(p, req);
        if let Some(i) = s.deny {
            return Err(sref(p, source(n), i));
        }
        if allow.is_none()
            && let Some((i, _)) = s.allow
        {
            allow = Some(sref(p, source(n), i));
        }
    }
    Ok(allow)
}

/// Decides `req` under `policies`.
pub fn evaluate<'p>(req: &Request, policies: &Policies<'p>) -> Evaluation<'p> {
    evaluate_view(&req.view(), policies)
}

/// [`evaluate`] for a request by reference (nothing copied).
pub fn evaluate_view<'p>(req: &RequestView<'_>, policies: &Policies<'p>) -> Evaluation<'p> {
    let deny = |statement, reason| Evaluation {
        decision: Decision::ExplicitDeny,
        statement: Some(statement),
        identity_statement: None,
        reason,
    };
    let kind = req.principal.kind;
    let has_identity = !matches!(kind, PrincipalKind::Service | PrincipalKind::Anonymous);

    // The resource policy.
    let mut resource_allow: Option<(StatementRef<'p>, Strength)> = None;
    if let Some(p) = policies.resource {
        let s = scan(p, req);
        if let Some(i) = s.deny {
            return deny(
                sref(p, Source::Resource, i),
                "explicit deny in the resource policy",
            );
        }
        resource_allow = s.allow.map(|(i, st)| (sref(p, Source::Resource, i), st));
    }

    // The identity side: identity policies, session policies, permissions boundary.
    let (mut identity_allow, mut session_ok, mut boundary_ok) = (None, true, true);
    if has_identity {
        match scan_all(policies.identity, req, Source::Identity) {
            Err(s) => return deny(s, "explicit deny in an identity policy"),
            Ok(a) => identity_allow = a,
        }
        if !policies.session.is_empty() {
            match scan_all(policies.session, req, Source::Session) {
                Err(s) => return deny(s, "explicit deny in a session policy"),
                Ok(a) => session_ok = a.is_some(),
            }
        }
        if let Some(b) = policies.boundary {
            let s = scan(b, req);
            if let Some(i) = s.deny {
                return deny(
                    sref(b, Source::Boundary, i),
                    "explicit deny in the permissions boundary",
                );
            }
            boundary_ok = s.allow.is_some();
        }
    }
    let root = kind == PrincipalKind::Root;
    let identity_side = root || (identity_allow.is_some() && session_ok && boundary_ok);

    let allow = |statement, identity_statement, reason| Evaluation {
        decision: Decision::Allow,
        statement,
        identity_statement,
        reason,
    };
    let resource_statement = resource_allow.map(|(s, _)| s);
    if req.same_account() {
        if root {
            return allow(None, None, "root user of the owning account");
        }
        if identity_side {
            return allow(identity_allow, None, "allowed by an identity policy");
        }
        match resource_allow {
            Some((s, Strength::Direct)) => {
                return allow(Some(s), None, "the resource policy names the caller");
            }
            Some((s, Strength::ViaRole)) if session_ok && boundary_ok => {
                return allow(Some(s), None, "the resource policy names the caller's role");
            }
            _ => {}
        }
        let reason = match resource_allow {
            Some((_, Strength::ViaRole)) => {
                "the resource policy names the role, and the session policy or boundary does not allow"
            }
            Some((_, Strength::Account)) => {
                "the resource policy names only the account, and no identity policy allows"
            }
            _ => "no statement allows",
        };
        return Evaluation {
            decision: Decision::ImplicitDeny,
            statement: resource_statement,
            identity_statement: None,
            reason,
        };
    }

    // Across accounts, or a service or anonymous caller: the resource policy must grant.
    let implicit = |reason| Evaluation {
        decision: Decision::ImplicitDeny,
        statement: resource_statement,
        identity_statement: identity_allow,
        reason,
    };
    let Some((statement, strength)) = resource_allow else {
        return implicit(match policies.resource {
            None => "cross-account request and the resource has no policy",
            Some(_) => "no resource policy statement allows the caller",
        });
    };
    if !has_identity {
        return if strength == Strength::Direct {
            allow(
                Some(statement),
                None,
                "the resource policy allows the caller",
            )
        } else {
            implicit("no resource policy statement allows the caller")
        };
    }
    if root {
        return allow(
            Some(statement),
            None,
            "cross-account: the resource policy allows the account",
        );
    }
    if identity_side {
        return allow(
            Some(statement),
            identity_allow,
            "cross-account: the resource policy and an identity policy allow",
        );
    }
    implicit("cross-account: the resource policy allows, but the caller's identity policies do not")
}

impl Policy {
    /// Evaluates `req` against this resource policy alone (no identity policies: fine for
    /// root callers, services and anonymous callers).
    pub fn evaluate_resource<'p>(&'p self, req: &Request) -> Evaluation<'p> {
        evaluate(
            req,
            &Policies {
                resource: Some(self),
                ..Policies::default()
            },
        )
    }
}
