//! The `Principal` and `NotPrincipal` elements of resource policies: parsed and normalised
//! once (root ARNs become accounts, service names lower-case) and matched against the
//! caller with the strength the evaluation needs (a grant naming the caller itself, its
//! role, or only its account).
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html>

use serde_json::Value;

use crate::error::{PolicyError, PolicyErrorKind as K, err};
use crate::request::{Principal, PrincipalKind};

/// How a resource-policy statement names the caller, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Strength {
    /// Only the caller's account (`"123456789012"`, `arn:aws:iam::123456789012:root`):
    /// the account delegates to its own identity policies.
    Account,
    /// The role a session was assumed from: limited by the session policy.
    ViaRole,
    /// The caller itself: its user or session ARN, `*`, its service, its account as root.
    Direct,
}

/// A compiled `Principal` (or `NotPrincipal`) value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PrincipalSpec {
    any: bool,
    accounts: Vec<Box<str>>,
    arns: Vec<Box<str>>,
    services: Vec<Box<str>>,
    federated: Vec<Box<str>>,
    canonical: Vec<Box<str>>,
}

impl PrincipalSpec {
    /// Reads `"*"` or `{"AWS"|"Service"|"Federated"|"CanonicalUser": value or [values]}`.
    pub(crate) fn parse(v: &Value) -> Result<PrincipalSpec, PolicyError> {
        let invalid = || err(K::InvalidPrincipal);
        let mut spec = PrincipalSpec::default();
        let map = match v {
            Value::String(s) if s == "*" => {
                spec.any = true;
                return Ok(spec);
            }
            Value::Object(m) if !m.is_empty() => m,
            _ => return invalid(),
        };
        for (kind, values) in map {
            let values: Vec<&str> = match values {
                Value::String(s) => vec![s.as_str()],
                Value::Array(items) if !items.is_empty() => {
                    let mut out = Vec::with_capacity(items.len());
                    for i in items {
                        match i {
                            Value::String(s) => out.push(s.as_str()),
                            _ => return invalid(),
                        }
                    }
                    out
                }
                _ => return invalid(),
            };
            for value in values {
                let value = value.trim();
                if value.is_empty() {
                    return invalid();
                }
                match kind.as_str() {
                    "AWS" => spec.add_aws(value)?,
                    "Service" if value == "*" => spec.any = true,
                    "Service" if !value.contains(char::is_whitespace) => {
                        spec.services.push(value.to_ascii_lowercase().into());
                    }
                    "Federated" => spec.federated.push(value.into()),
                    "CanonicalUser" => spec.canonical.push(value.into()),
                    _ => return invalid(),
                }
            }
        }
        Ok(spec)
    }

    fn add_aws(&mut self, value: &str) -> Result<(), PolicyError> {
        if value == "*" {
            self.any = true;
            return Ok(());
        }
        if is_account(value) {
            self.accounts.push(value.into());
            return Ok(());
        }
        let parts: Vec<&str> = value.splitn(6, ':').collect();
        let [arn, partition, service, region, account, resource] = parts.as_slice() else {
            return err(K::InvalidPrincipal);
        };
        let account_ok = is_account(account) || *account == "cloudfront";
        if *arn != "arn" || partition.is_empty() || !region.is_empty() || !account_ok {
            return err(K::InvalidPrincipal);
        }
        if resource.contains(['*', '?']) {
            return err(K::InvalidPrincipal);
        }
        let named = |prefix: &str, parts: usize| {
            resource
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.split('/').filter(|p| !p.is_empty()).count() >= parts)
        };
        match *service {
            "iam" if *resource == "root" => self.accounts.push((*account).into()),
            "iam" if named("user/", 1) || named("role/", 1) => self.arns.push(value.into()),
            "sts" if named("assumed-role/", 2) || named("federated-user/", 1) => {
                self.arns.push(value.into());
            }
            _ => return err(K::InvalidPrincipal),
        }
        Ok(())
    }

    /// Whether the element is `"*"` (or `{"AWS": "*"}`): everyone, anonymous callers too.
    pub(crate) fn is_any(&self) -> bool {
        self.any
    }

    /// How this `Principal` names `p`, if it does.
    pub(crate) fn matches(&self, p: &Principal) -> Option<Strength> {
        if self.any {
            return Some(Strength::Direct);
        }
        if p.canonical_user
            .as_deref()
            .is_some_and(|c| self.canonical.iter().any(|x| **x == *c))
        {
            return Some(Strength::Direct);
        }
        match p.kind {
            PrincipalKind::Anonymous => None,
            PrincipalKind::Service => self
                .services
                .iter()
                .any(|s| s.eq_ignore_ascii_case(&p.arn))
                .then_some(Strength::Direct),
            PrincipalKind::Federated if self.federated.iter().any(|f| **f == p.arn) => {
                Some(Strength::Direct)
            }
            kind => {
                if self.arns.iter().any(|a| **a == p.arn) {
                    return Some(if kind == PrincipalKind::Role {
                        Strength::ViaRole
                    } else {
                        Strength::Direct
                    });
                }
                if kind == PrincipalKind::AssumedRole
                    && let Some(role) = &p.role_arn
                    && self.arns.iter().any(|a| **a == *role)
                {
                    return Some(Strength::ViaRole);
                }
                if self.accounts.iter().any(|a| **a == p.account) {
                    return Some(if kind == PrincipalKind::Root {
                        Strength::Direct
                    } else {
                        Strength::Account
                    });
                }
                None
            }
        }
    }

    /// Whether a `NotPrincipal` with this value leaves `p` out. A principal in an account
    /// is left out only when both its account and its own ARN (a role session: its session
    /// or role ARN) are listed, as AWS evaluates the account as well
    /// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html>).
    pub(crate) fn excludes(&self, p: &Principal) -> bool {
        if self.any {
            return true;
        }
        if p.canonical_user
            .as_deref()
            .is_some_and(|c| self.canonical.iter().any(|x| **x == *c))
        {
            return true;
        }
        let account = || self.accounts.iter().any(|a| **a == p.account);
        let arn = |a: &str| self.arns.iter().any(|x| **x == *a);
        match p.kind {
            PrincipalKind::Anonymous => false,
            PrincipalKind::Service => self.services.iter().any(|s| s.eq_ignore_ascii_case(&p.arn)),
            PrincipalKind::Federated => self.federated.iter().any(|f| **f == p.arn),
            PrincipalKind::Root => account(),
            PrincipalKind::User | PrincipalKind::Role => arn(&p.arn) && account(),
            PrincipalKind::AssumedRole => {
                (arn(&p.arn) || p.role_arn.as_deref().is_some_and(arn)) && account()
            }
        }
    }
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}
