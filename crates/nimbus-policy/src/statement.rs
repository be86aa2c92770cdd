//! One compiled statement: effect, who (`Principal`/`NotPrincipal`, or the identity the
//! policy is attached to), actions (`Action`/`NotAction`, case-insensitive wildcards),
//! resources (`Resource`/`NotResource`, wildcards and policy variables) and condition.

use serde_json::{Map, Value};

use crate::condition::{Condition, parse_condition};
use crate::error::{PolicyError, PolicyErrorKind as K, err};
use crate::pattern::{Syntax, Template};
use crate::principal::{PrincipalSpec, Strength};
use crate::request::RequestView;

/// Which kind of policy a document is, which decides what its statements may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    /// Attached to an identity (IAM user or role policies, session policies, permissions
    /// boundaries): no `Principal`, `Resource` required.
    Identity,
    /// Attached to a resource (bucket, queue and function policies, role trust policies):
    /// `Principal` or `NotPrincipal` required, `Resource` optional.
    Resource,
}

/// `Allow` or `Deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Grants.
    Allow,
    /// Refuses, over any grant.
    Deny,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Who {
    /// An identity policy: the identity it is attached to.
    Holder,
    Principal(PrincipalSpec),
    NotPrincipal(PrincipalSpec),
}

/// A list of patterns, maybe negated (`NotAction`, `NotResource`).
#[derive(Clone, Debug, PartialEq)]
struct Patterns {
    negated: bool,
    patterns: Vec<Template>,
}

/// A compiled statement.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Statement {
    pub(crate) sid: Option<Box<str>>,
    pub(crate) effect: Effect,
    who: Who,
    actions: Patterns,
    /// `None`: no `Resource` (a resource policy's statement covers its resource).
    resources: Option<Patterns>,
    condition: Option<Condition>,
}

const FIELDS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

impl Statement {
    /// Compiles one statement of a policy of `kind`; `variables` under Version 2012-10-17.
    pub(crate) fn parse(
        m: &Map<String, Value>,
        kind: PolicyKind,
        variables: bool,
    ) -> Result<Statement, PolicyError> {
        if let Some(k) = m.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return err(K::UnknownField(k.clone()));
        }
        let sid = match m.get("Sid") {
            None => None,
            Some(Value::String(s)) => Some(s.as_str().into()),
            Some(Value::Number(n)) => Some(n.to_string().into()),
            Some(_) => return err(K::InvalidJson),
        };
        let effect = match m.get("Effect") {
            None => return err(K::MissingField("Effect")),
            Some(Value::String(s)) if s == "Allow" => Effect::Allow,
            Some(Value::String(s)) if s == "Deny" => Effect::Deny,
            Some(Value::String(s)) => return err(K::InvalidEffect(s.clone())),
            Some(other) => return err(K::InvalidEffect(other.to_string())),
        };
        let who = match (m.get("Principal"), m.get("NotPrincipal"), kind) {
            (None, None, PolicyKind::Identity) => Who::Holder,
            (Some(_), _, PolicyKind::Identity) | (_, Some(_), PolicyKind::Identity) => {
                return err(K::PrincipalNotAllowed);
            }
            (None, None, PolicyKind::Resource) => return err(K::MissingField("Principal")),
            (Some(_), Some(_), _) => return err(K::Conflicting("Principal")),
            (Some(p), None, _) => Who::Principal(PrincipalSpec::parse(p)?),
            (None, Some(p), _) => Who::NotPrincipal(PrincipalSpec::parse(p)?),
        };
        let actions = match pair(m, "Action", "NotAction")? {
            None => return err(K::MissingField("Action")),
            Some((negated, values)) => {
                let mut patterns = Vec::with_capacity(values.len());
                for a in values {
                    if !valid_action(a) {
                        return err(K::InvalidAction(a.to_owned()));
                    }
                    let syntax = Syntax {
                        wildcards: true,
                        variables: false,
                    };
                    patterns.push(Template::parse(a, syntax));
                }
                Patterns { negated, patterns }
            }
        };
        let resources = match pair(m, "Resource", "NotResource")? {
            None if kind == PolicyKind::Identity => return err(K::MissingField("Resource")),
            None => None,
            Some((negated, values)) => {
                let mut patterns = Vec::with_capacity(values.len());
                for r in values {
                    if !valid_resource(r) {
                        return err(K::InvalidResource(r.to_owned()));
                    }
                    let syntax = Syntax {
                        wildcards: true,
                        variables,
                    };
                    patterns.push(Template::parse(r, syntax));
                }
                Some(Patterns { negated, patterns })
            }
        };
        let condition = match m.get("Condition") {
            None => None,
            Some(c) => Some(parse_condition(c, variables)?),
        };
        Ok(Statement {
            sid,
            effect,
            who,
            actions,
            resources,
            condition,
        })
    }

    /// Whether the statement applies to `req`, and how strongly it names the caller. A
    /// statement whose policy variable has no value in the request does not apply.
    pub(crate) fn applies(&self, req: &RequestView<'_>) -> Option<Strength> {
        let action_hit = self
            .actions
            .patterns
            .iter()
            .any(|p| p.matches(req.action, true, req.context) == Some(true));
        if action_hit == self.actions.negated {
            return None;
        }
        if let Some(r) = &self.resources {
            let mut hit = false;
            for p in &r.patterns {
                if p.matches(req.resource, false, req.context)? {
                    hit = true;
                    break;
                }
            }
            if hit == r.negated {
                return None;
            }
        }
        let strength = match &self.who {
            Who::Holder => Strength::Direct,
            Who::Principal(spec) => spec.matches(req.principal)?,
            Who::NotPrincipal(spec) if spec.excludes(req.principal) => return None,
            Who::NotPrincipal(_) => Strength::Direct,
        };
        match &self.condition {
            Some(c) if c.holds(req.context) != Some(true) => None,
            _ => Some(strength),
        }
    }

    /// Adds every context key the statement reads to `set`: its condition's keys and the
    /// policy variables of its actions, resources and condition values.
    pub(crate) fn read_keys(&self, set: &mut crate::keyset::KeySet) {
        for t in &self.actions.patterns {
            t.read_keys(set);
        }
        for t in self.resources.iter().flat_map(|r| &r.patterns) {
            t.read_keys(set);
        }
        if let Some(c) = &self.condition {
            c.read_keys(set);
        }
    }

    /// Whether the statement allows everyone (`Principal: "*"`), for public-access checks.
    pub(crate) fn names_everyone(&self) -> bool {
        match &self.who {
            Who::Principal(spec) => spec.is_any(),
            Who::NotPrincipal(_) => true,
            Who::Holder => false,
        }
    }

    /// Whether the statement makes its policy public in S3's sense: an `Allow` naming
    /// everyone, unless its condition limits it to fixed values of a narrowing key.
    pub(crate) fn is_public(&self) -> bool {
        self.effect == Effect::Allow
            && self.names_everyone()
            && !self
                .condition
                .as_ref()
                .is_some_and(|c| c.narrows_to_fixed_values())
    }

    /// Whether the statement has a `Condition`.
    pub(crate) fn has_condition(&self) -> bool {
        self.condition.is_some()
    }
}

/// The strings of `X` or `NotX` (a string or an array of strings), and whether it was `NotX`.
fn pair<'a>(
    m: &'a Map<String, Value>,
    name: &'static str,
    not_name: &'static str,
) -> Result<Option<(bool, Vec<&'a str>)>, PolicyError> {
    let (negated, v) = match (m.get(name), m.get(not_name)) {
        (None, None) => return Ok(None),
        (Some(_), Some(_)) => return err(K::Conflicting(name)),
        (Some(v), None) => (false, v),
        (None, Some(v)) => (true, v),
    };
    let bad = |v: &Value| match name {
        "Action" => err(K::InvalidAction(v.to_string())),
        _ => err(K::InvalidResource(v.to_string())),
    };
    let values = match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) if !items.is_empty() => {
            let mut out = Vec::with_capacity(items.len());
            for i in items {
                match i {
                    Value::String(s) => out.push(s.as_str()),
                    other => return bad(other),
                }
            }
            out
        }
        Value::Array(_) => return err(K::MissingField(name)),
        other => return bad(other),
    };
    Ok(Some((negated, values)))
}

/// `*` or `service:name` (wildcards allowed in both parts).
fn valid_action(a: &str) -> bool {
    a == "*"
        || a.split_once(':').is_some_and(|(svc, name)| {
            !svc.is_empty()
                && !name.is_empty()
                && !a.contains(char::is_whitespace)
                && svc
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'*' || b == b'?')
        })
}

/// `*` or an ARN (`arn:partition:service:region:account:resource`, wildcards allowed).
fn valid_resource(r: &str) -> bool {
    if r == "*" {
        return true;
    }
    let parts: Vec<&str> = r.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", partition, service, _, _, _] if !partition.is_empty() && !service.is_empty())
}
