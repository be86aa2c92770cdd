//! The `Condition` element: compiled clauses (operator, key, typed values) and their
//! evaluation against a request's context, following the IAM User Guide:
//!
//! - operators are AND'd, keys under one operator are AND'd, values of one key are OR'd,
//!   and for negated operators (`StringNotEquals`, `NotIpAddress`, …) the values are NOR'd
//!   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html>);
//! - a key absent from the request makes a condition false, except that a negated operator
//!   is then true, `…IfExists` is true, and `Null` tests presence itself
//!   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>);
//! - `ForAllValues:` is true when every request value matches (and on an absent or empty
//!   key), `ForAnyValue:` when at least one does (false on an absent or empty key)
//!   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html>).

mod parse;

pub(crate) use parse::parse_condition;

use crate::pattern::Template;
use crate::request::Context;
use crate::values::{Cidr, Instant, parse_date, parse_number};

/// The compiled `Condition` block of one statement: every clause must hold.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Condition {
    clauses: Vec<Clause>,
}

/// One operator applied to one key.
#[derive(Clone, Debug, PartialEq)]
struct Clause {
    op: Operator,
    /// The key, lower-cased (key names are case-insensitive).
    key: Box<str>,
    values: Values,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum SetOp {
    Single,
    ForAllValues,
    ForAnyValue,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn holds<T: PartialOrd>(self, request: T, policy: T) -> bool {
        match self {
            Cmp::Eq => request == policy,
            Cmp::Lt => request < policy,
            Cmp::Le => request <= policy,
            Cmp::Gt => request > policy,
            Cmp::Ge => request >= policy,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Operator {
    set: SetOp,
    /// `StringNotEquals`, `NotIpAddress`, `ArnNotLike`…: the match is negated (NOR).
    negated: bool,
    if_exists: bool,
}

/// The values of a clause, typed by its operator family.
#[derive(Clone, Debug, PartialEq)]
enum Values {
    /// `StringEquals` (no wildcards).
    StringEquals(Vec<Template>),
    /// `StringEqualsIgnoreCase`.
    StringIgnoreCase(Vec<Template>),
    /// `StringLike` (wildcards).
    StringLike(Vec<Template>),
    Numeric(Cmp, Vec<f64>),
    Date(Cmp, Vec<Instant>),
    Bool(Vec<Template>),
    Binary(Vec<Box<str>>),
    Ip(Vec<Cidr>),
    Arn(Vec<ArnPattern>),
    /// `Null`: `true` asks for the key to be absent.
    Null(Vec<bool>),
}

/// The keys whose fixed values make a grant to everyone non-public (S3's "The meaning of
/// public"), lower-cased.
const NARROWING_KEYS: &[&str] = &[
    "aws:sourcearn",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceowner",
    "aws:sourceaccount",
    "aws:principalaccount",
    "aws:principalorgid",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "aws:userid",
];

impl Condition {
    /// Adds every key the condition reads to `set`: each clause's key and the policy
    /// variables of its values.
    pub(crate) fn read_keys(&self, set: &mut crate::keyset::KeySet) {
        for c in &self.clauses {
            set.add(&c.key);
            match &c.values {
                Values::StringEquals(ts)
                | Values::StringIgnoreCase(ts)
                | Values::StringLike(ts)
                | Values::Bool(ts) => ts.iter().for_each(|t| t.read_keys(set)),
                Values::Arn(ps) => ps
                    .iter()
                    .flat_map(|p| &p.parts)
                    .for_each(|t| t.read_keys(set)),
                Values::Numeric(..)
                | Values::Date(..)
                | Values::Binary(_)
                | Values::Ip(_)
                | Values::Null(_) => {}
            }
        }
    }

    /// Whether some clause limits the statement to fixed values of a key S3 counts as
    /// narrowing (a fixed `aws:SourceArn`, `aws:SourceAccount`, `aws:PrincipalAccount`…, or
    /// `aws:SourceIp` within CIDR blocks no wider than /8 (IPv4) or /32 (IPv6)): such a
    /// statement does not make a policy public.
    pub(crate) fn narrows_to_fixed_values(&self) -> bool {
        self.clauses.iter().any(Clause::narrows)
    }
}

impl Clause {
    fn narrows(&self) -> bool {
        if self.op.negated || self.op.if_exists || self.op.set == SetOp::ForAllValues {
            return false;
        }
        let fixed = |ts: &[Template]| !ts.is_empty() && ts.iter().all(Template::is_fixed);
        if &*self.key == "aws:sourceip" {
            return match &self.values {
                Values::Ip(blocks) => {
                    !blocks.is_empty()
                        && blocks.iter().all(|c| match c {
                            Cidr::V4(_, p) => *p >= 8,
                            Cidr::V6(_, p) => *p >= 32,
                        })
                }
                _ => false,
            };
        }
        if !NARROWING_KEYS.contains(&&*self.key) {
            return false;
        }
        match &self.values {
            Values::StringEquals(ts) | Values::StringIgnoreCase(ts) | Values::StringLike(ts) => {
                fixed(ts)
            }
            Values::Arn(arns) => !arns.is_empty() && arns.iter().all(|a| fixed(&a.parts)),
            _ => false,
        }
    }
}

/// An ARN pattern matched component by component (`ArnLike`, `ArnEquals`): the six
/// colon-separated parts each match on their own, so `*` never crosses a colon.
#[derive(Clone, Debug, PartialEq)]
struct ArnPattern {
    /// Six parts when the pattern has them, else the whole pattern as one.
    parts: Vec<Template>,
}

impl ArnPattern {
    fn matches(&self, value: &str, ctx: &Context) -> Option<bool> {
        if let [whole] = self.parts.as_slice() {
            return whole.matches(value, false, ctx);
        }
        let mut got = value.splitn(6, ':');
        for part in &self.parts {
            let Some(v) = got.next() else {
                return Some(false);
            };
            if !part.matches(v, false, ctx)? {
                return Some(false);
            }
        }
        Some(true)
    }
}

impl Values {
    /// Whether one request value matches at least one policy value. `None` when a policy
    /// variable has no value (the statement then does not apply).
    fn any_match(&self, value: &str, ctx: &Context) -> Option<bool> {
        match self {
            Values::StringEquals(ts) => {
                for t in ts {
                    if *t.resolve(ctx)? == *value {
                        return Some(true);
                    }
                }
                Some(false)
            }
            Values::StringIgnoreCase(ts) => {
                let value = value.to_lowercase();
                for t in ts {
                    if t.resolve(ctx)?.to_lowercase() == value {
                        return Some(true);
                    }
                }
                Some(false)
            }
            Values::StringLike(ts) => {
                for t in ts {
                    if t.matches(value, false, ctx)? {
                        return Some(true);
                    }
                }
                Some(false)
            }
            Values::Numeric(cmp, ns) => {
                Some(parse_number(value).is_some_and(|v| ns.iter().any(|n| cmp.holds(v, *n))))
            }
            Values::Date(cmp, ds) => {
                Some(parse_date(value).is_some_and(|v| ds.iter().any(|d| cmp.holds(v, *d))))
            }
            Values::Bool(ts) => {
                for t in ts {
                    if t.resolve(ctx)?.eq_ignore_ascii_case(value.trim()) {
                        return Some(true);
                    }
                }
                Some(false)
            }
            Values::Binary(bs) => Some(bs.iter().any(|b| **b == *value)),
            Values::Ip(cs) => Some(cs.iter().any(|c| c.contains(value))),
            Values::Arn(ps) => {
                for p in ps {
                    if p.matches(value, ctx)? {
                        return Some(true);
                    }
                }
                Some(false)
            }
            Values::Null(_) => Some(false),
        }
    }
}

impl Clause {
    fn holds(&self, ctx: &Context) -> Option<bool> {
        let found = ctx.get_lower(&self.key).filter(|v| !v.is_empty());
        if let Values::Null(wants) = &self.values {
            return Some(wants.iter().any(|&absent| absent == found.is_none()));
        }
        let negated = self.op.negated;
        let Some(request_values) = found else {
            return Some(match self.op.set {
                SetOp::Single => self.op.if_exists || negated,
                SetOp::ForAllValues => true,
                SetOp::ForAnyValue => false,
            });
        };
        match self.op.set {
            // One value (or several without a set operator): positive operators need one
            // request value to match; negated ones need none to.
            SetOp::Single => {
                for v in request_values {
                    if self.values.any_match(v, ctx)? {
                        return Some(!negated);
                    }
                }
                Some(negated)
            }
            SetOp::ForAnyValue => {
                for v in request_values {
                    if self.values.any_match(v, ctx)? != negated {
                        return Some(true);
                    }
                }
                Some(false)
            }
            SetOp::ForAllValues => {
                for v in request_values {
                    if self.values.any_match(v, ctx)? == negated {
                        return Some(false);
                    }
                }
                Some(true)
            }
        }
    }
}

impl Condition {
    /// Whether every clause holds. `None` when a policy variable in a value has no value in
    /// this request: AWS then treats the statement as not applying.
    pub(crate) fn holds(&self, ctx: &Context) -> Option<bool> {
        for c in &self.clauses {
            if !c.holds(ctx)? {
                return Some(false);
            }
        }
        Some(true)
    }
}
