//! Reading a `Condition` block: operator names (with `ForAllValues:`/`ForAnyValue:` and
//! `…IfExists`), keys, and values typed by the operator's family, refused as AWS refuses
//! them (an unknown operator, an unreadable date, number or address).

use serde_json::Value;

use super::{ArnPattern, Clause, Cmp, Condition, Operator, SetOp, Values};
use crate::error::{PolicyError, PolicyErrorKind as K, err};
use crate::pattern::{Syntax, Template, split_arn_pattern};
use crate::values::{Cidr, parse_date, parse_number};

/// The operator families, before values are read.
#[derive(Clone, Copy)]
enum Family {
    StringEquals,
    StringIgnoreCase,
    StringLike,
    Numeric(Cmp),
    Date(Cmp),
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

/// Compiles a `Condition` element. `variables` is whether the policy's version substitutes
/// policy variables.
pub(crate) fn parse_condition(v: &Value, variables: bool) -> Result<Condition, PolicyError> {
    let Value::Object(ops) = v else {
        return err(K::InvalidConditionKey("Condition".into()));
    };
    let mut clauses = Vec::new();
    for (name, keys) in ops {
        let (op, family) = operator(name)?;
        let Value::Object(keys) = keys else {
            return err(K::InvalidConditionValue {
                operator: name.clone(),
                value: keys.to_string(),
            });
        };
        for (key, values) in keys {
            if !key
                .split_once(':')
                .is_some_and(|(p, n)| !p.is_empty() && !n.is_empty())
            {
                return err(K::InvalidConditionKey(key.clone()));
            }
            let raw = strings(name, values)?;
            clauses.push(Clause {
                op,
                key: key.to_ascii_lowercase().into(),
                values: typed(name, family, &raw, variables)?,
            });
        }
    }
    Ok(Condition { clauses })
}

/// The operator named `name`: its set qualifier, negation, `IfExists`, and family.
fn operator(name: &str) -> Result<(Operator, Family), PolicyError> {
    let unknown = || err(K::InvalidConditionType(name.to_owned()));
    let lower = name.to_ascii_lowercase();
    let (set, rest) = if let Some(r) = lower.strip_prefix("forallvalues:") {
        (SetOp::ForAllValues, r)
    } else if let Some(r) = lower.strip_prefix("foranyvalue:") {
        (SetOp::ForAnyValue, r)
    } else {
        (SetOp::Single, lower.as_str())
    };
    let (if_exists, base) = match rest.strip_suffix("ifexists") {
        Some(b) => (true, b),
        None => (false, rest),
    };
    use Cmp::*;
    use Family as F;
    let (family, negated) = match base {
        "stringequals" => (F::StringEquals, false),
        "stringnotequals" => (F::StringEquals, true),
        "stringequalsignorecase" => (F::StringIgnoreCase, false),
        "stringnotequalsignorecase" => (F::StringIgnoreCase, true),
        "stringlike" => (F::StringLike, false),
        "stringnotlike" => (F::StringLike, true),
        "numericequals" => (F::Numeric(Eq), false),
        "numericnotequals" => (F::Numeric(Eq), true),
        "numericlessthan" => (F::Numeric(Lt), false),
        "numericlessthanequals" => (F::Numeric(Le), false),
        "numericgreaterthan" => (F::Numeric(Gt), false),
        "numericgreaterthanequals" => (F::Numeric(Ge), false),
        "dateequals" => (F::Date(Eq), false),
        "datenotequals" => (F::Date(Eq), true),
        "datelessthan" => (F::Date(Lt), false),
        "datelessthanequals" => (F::Date(Le), false),
        "dategreaterthan" => (F::Date(Gt), false),
        "dategreaterthanequals" => (F::Date(Ge), false),
        "bool" => (F::Bool, false),
        "binaryequals" => (F::Binary, false),
        "ipaddress" => (F::Ip, false),
        "notipaddress" => (F::Ip, true),
        "arnequals" | "arnlike" => (F::Arn, false),
        "arnnotequals" | "arnnotlike" => (F::Arn, true),
        "null" if !if_exists => (F::Null, false),
        _ => return unknown(),
    };
    Ok((
        Operator {
            set,
            negated,
            if_exists,
        },
        family,
    ))
}

/// A condition's values as strings: a string, number or boolean, or an array of them.
fn strings(operator: &str, v: &Value) -> Result<Vec<String>, PolicyError> {
    let one = |v: &Value| match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => err(K::InvalidConditionValue {
            operator: operator.to_owned(),
            value: other.to_string(),
        }),
    };
    match v {
        Value::Array(items) => items.iter().map(one).collect(),
        v => Ok(vec![one(v)?]),
    }
}

fn typed(op: &str, family: Family, raw: &[String], vars: bool) -> Result<Values, PolicyError> {
    let bad = |v: &str| {
        err(K::InvalidConditionValue {
            operator: op.to_owned(),
            value: v.to_owned(),
        })
    };
    let plain = Syntax {
        wildcards: false,
        variables: vars,
    };
    let like = Syntax {
        wildcards: true,
        variables: vars,
    };
    let templates = |syntax| raw.iter().map(|s| Template::parse(s, syntax)).collect();
    Ok(match family {
        Family::StringEquals => Values::StringEquals(templates(plain)),
        Family::StringIgnoreCase => Values::StringIgnoreCase(templates(plain)),
        Family::StringLike => Values::StringLike(templates(like)),
        Family::Bool => {
            for v in raw {
                if !vars_in(v, vars)
                    && !v.eq_ignore_ascii_case("true")
                    && !v.eq_ignore_ascii_case("false")
                {
                    return bad(v);
                }
            }
            Values::Bool(templates(plain))
        }
        Family::Binary => Values::Binary(raw.iter().map(|s| s.as_str().into()).collect()),
        Family::Numeric(cmp) => {
            let mut ns = Vec::with_capacity(raw.len());
            for v in raw {
                match parse_number(v) {
                    Some(n) => ns.push(n),
                    None => return bad(v),
                }
            }
            Values::Numeric(cmp, ns)
        }
        Family::Date(cmp) => {
            let mut ds = Vec::with_capacity(raw.len());
            for v in raw {
                match parse_date(v) {
                    Some(d) => ds.push(d),
                    None => return bad(v),
                }
            }
            Values::Date(cmp, ds)
        }
        Family::Ip => {
            let mut cs = Vec::with_capacity(raw.len());
            for v in raw {
                match Cidr::parse(v) {
                    Some(c) => cs.push(c),
                    None => return err(K::InvalidIpAddress(v.clone())),
                }
            }
            Values::Ip(cs)
        }
        Family::Arn => Values::Arn(
            raw.iter()
                .map(|s| {
                    let parts = split_arn_pattern(s);
                    let parts = if parts.len() == 6 {
                        parts
                    } else {
                        vec![s.as_str()]
                    };
                    ArnPattern {
                        parts: parts.iter().map(|p| Template::parse(p, like)).collect(),
                    }
                })
                .collect(),
        ),
        Family::Null => {
            let mut bs = Vec::with_capacity(raw.len());
            for v in raw {
                match v.to_ascii_lowercase().as_str() {
                    "true" => bs.push(true),
                    "false" => bs.push(false),
                    _ => return bad(v),
                }
            }
            Values::Null(bs)
        }
    })
}

fn vars_in(s: &str, vars: bool) -> bool {
    vars && s.contains("${")
}
