//! Event filtering (`FilterCriteria.Filters[].Pattern`): EventBridge pattern syntax applied to
//! an SQS event record whose `body` is parsed as JSON when it is JSON.
//!
//! A pattern is a JSON object. Each key names a field of the record; its value is either a
//! nested object (a pattern on that sub-object) or an array of matchers, any of which may
//! match (OR). A record matches when every key matches (AND). When the record's field is an
//! array, the field matches when any element matches. Matchers: a string, number, boolean or
//! `null` (equality; numbers compare by value), `{"prefix": s}` (also
//! `{"prefix": {"equals-ignore-case": s}}`), `{"suffix": s}` (same), `{"equals-ignore-case": s}`,
//! `{"anything-but": v | [v…] | {"prefix": s} | {"suffix": s} | {"equals-ignore-case": s|[s…]}}`,
//! `{"numeric": [op, n (, op, n)]}` with `=`, `<`, `<=`, `>`, `>=`, `{"exists": bool}` and
//! `{"wildcard": "a*b"}`. `"$or": [pattern, …]` at any level ORs whole patterns.

use serde_json::{Map, Value};

/// The longest pattern, bytes (the model's limit).
pub const MAX_PATTERN_LEN: usize = 4096;
/// The most filters a mapping may have (AWS's default quota for SQS sources).
pub const MAX_FILTERS: usize = 5;

/// A validated filter pattern.
#[derive(Clone, Debug, PartialEq)]
pub struct Pattern(Map<String, Value>);

/// Why a pattern is invalid.
#[derive(Debug, PartialEq, Eq)]
pub struct InvalidPattern(pub String);

fn invalid(why: impl Into<String>) -> InvalidPattern {
    InvalidPattern(why.into())
}

impl Pattern {
    /// Parses and validates `text`.
    pub fn parse(text: &str) -> Result<Pattern, InvalidPattern> {
        if text.len() > MAX_PATTERN_LEN {
            return Err(invalid("pattern too long"));
        }
        let v: Value = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let Value::Object(map) = v else {
            return Err(invalid("a pattern is a JSON object"));
        };
        check_object(&map, 0)?;
        Ok(Pattern(map))
    }

    /// Whether `event` matches.
    pub fn matches(&self, event: &Value) -> bool {
        match_object(&self.0, Some(event))
    }
}

fn check_object(map: &Map<String, Value>, depth: usize) -> Result<(), InvalidPattern> {
    if depth > 32 {
        return Err(invalid("pattern nested too deeply"));
    }
    if map.is_empty() && depth > 0 {
        return Err(invalid("empty object in pattern"));
    }
    for (k, v) in map {
        if k == "$or" {
            let Value::Array(alts) = v else {
                return Err(invalid("$or takes an array of patterns"));
            };
            if alts.len() < 2 {
                return Err(invalid("$or takes at least two patterns"));
            }
            for a in alts {
                let Value::Object(m) = a else {
                    return Err(invalid("$or takes an array of patterns"));
                };
                check_object(m, depth + 1)?;
            }
            continue;
        }
        match v {
            Value::Object(m) => check_object(m, depth + 1)?,
            Value::Array(ms) => {
                if ms.is_empty() {
                    return Err(invalid("empty matcher list"));
                }
                for m in ms {
                    check_matcher(m)?;
                }
            }
            _ => return Err(invalid("a pattern's leaves are arrays")),
        }
    }
    Ok(())
}

fn string_or_ignore_case(v: &Value) -> Result<(), InvalidPattern> {
    match v {
        Value::String(_) => Ok(()),
        Value::Object(m)
            if m.len() == 1 && m.get("equals-ignore-case").is_some_and(Value::is_string) =>
        {
            Ok(())
        }
        _ => Err(invalid("prefix/suffix take a string")),
    }
}

fn check_matcher(m: &Value) -> Result<(), InvalidPattern> {
    let Value::Object(op) = m else {
        return match m {
            Value::Array(_) => Err(invalid("nested arrays are not matchers")),
            _ => Ok(()),
        };
    };
    if op.len() != 1 {
        return Err(invalid("a matcher object has one operator"));
    }
    let (name, arg) = op.iter().next().expect("one entry");
    match name.as_str() {
        "prefix" | "suffix" => string_or_ignore_case(arg),
        "equals-ignore-case" | "wildcard" => match arg {
            Value::String(_) => Ok(()),
            _ => Err(invalid(format!("{name} takes a string"))),
        },
        "exists" => match arg {
            Value::Bool(_) => Ok(()),
            _ => Err(invalid("exists takes true or false")),
        },
        "numeric" => numeric_ranges(arg).map(|_| ()),
        "anything-but" => match arg {
            Value::String(_) | Value::Number(_) => Ok(()),
            Value::Array(vs) if !vs.is_empty() => {
                if vs.iter().all(|v| v.is_string()) || vs.iter().all(|v| v.is_number()) {
                    Ok(())
                } else {
                    Err(invalid("anything-but takes strings or numbers"))
                }
            }
            Value::Object(m) if m.len() == 1 => {
                let (k, v) = m.iter().next().expect("one entry");
                match (k.as_str(), v) {
                    ("prefix" | "suffix" | "wildcard", Value::String(_)) => Ok(()),
                    ("equals-ignore-case", Value::String(_)) => Ok(()),
                    ("equals-ignore-case", Value::Array(a))
                        if !a.is_empty() && a.iter().all(Value::is_string) =>
                    {
                        Ok(())
                    }
                    _ => Err(invalid("unsupported anything-but operand")),
                }
            }
            _ => Err(invalid("unsupported anything-but operand")),
        },
        other => Err(invalid(format!("unknown operator {other}"))),
    }
}

/// `[op, n (, op, n)]` as (op, n) pairs.
fn numeric_ranges(arg: &Value) -> Result<Vec<(&str, f64)>, InvalidPattern> {
    let Value::Array(items) = arg else {
        return Err(invalid("numeric takes an array"));
    };
    if items.is_empty() || items.len() % 2 != 0 || items.len() > 4 {
        return Err(invalid("numeric takes one or two comparisons"));
    }
    let mut out = Vec::new();
    for pair in items.chunks(2) {
        let op = pair[0]
            .as_str()
            .filter(|o| matches!(*o, "=" | "<" | "<=" | ">" | ">="))
            .ok_or_else(|| invalid("unknown numeric operator"))?;
        let n = pair[1]
            .as_f64()
            .ok_or_else(|| invalid("numeric compares with numbers"))?;
        out.push((op, n));
    }
    if out.len() == 2 {
        let lower = matches!(out[0].0, ">" | ">=") && matches!(out[1].0, "<" | "<=");
        if !lower || out[0].1 > out[1].1 {
            return Err(invalid("a numeric range is a lower then an upper bound"));
        }
    }
    Ok(out)
}

fn match_object(pattern: &Map<String, Value>, event: Option<&Value>) -> bool {
    pattern.iter().all(|(k, v)| {
        if k == "$or" {
            return v.as_array().is_some_and(|alts| {
                alts.iter()
                    .any(|a| a.as_object().is_some_and(|m| match_object(m, event)))
            });
        }
        let field = event.and_then(|e| e.as_object()).and_then(|o| o.get(k));
        match v {
            Value::Object(m) => match_object(m, field),
            Value::Array(matchers) => matchers.iter().any(|m| match_field(m, field)),
            _ => false,
        }
    })
}

fn match_field(matcher: &Value, field: Option<&Value>) -> bool {
    if let Some(exists) = matcher
        .as_object()
        .and_then(|o| o.get("exists"))
        .and_then(Value::as_bool)
    {
        let present = match field {
            None => false,
            Some(Value::Array(a)) => !a.is_empty(),
            Some(Value::Object(_)) => false,
            Some(_) => true,
        };
        return present == exists;
    }
    match field {
        None => false,
        Some(Value::Array(items)) => items.iter().any(|i| match_value(matcher, i)),
        Some(v) => match_value(matcher, v),
    }
}

fn eq_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn affix(arg: &Value, s: &str, prefix: bool) -> bool {
    let (want, fold) = match arg {
        Value::String(w) => (w.as_str(), false),
        Value::Object(m) => match m.get("equals-ignore-case").and_then(Value::as_str) {
            Some(w) => (w, true),
            None => return false,
        },
        _ => return false,
    };
    if fold {
        let (s, w) = (s.to_lowercase(), want.to_lowercase());
        if prefix {
            s.starts_with(&w)
        } else {
            s.ends_with(&w)
        }
    } else if prefix {
        s.starts_with(want)
    } else {
        s.ends_with(want)
    }
}

/// `*` matches any run of characters; everything else is literal (`\*` is a literal star).
fn wildcard(pattern: &str, s: &str) -> bool {
    let mut parts: Vec<String> = vec![String::new()];
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if matches!(chars.peek(), Some('*') | Some('\\')) => {
                parts
                    .last_mut()
                    .expect("one part")
                    .push(chars.next().expect("peeked"));
            }
            '*' => parts.push(String::new()),
            c => parts.last_mut().expect("one part").push(c),
        }
    }
    if parts.len() == 1 {
        return parts[0] == s;
    }
    let (first, last) = (&parts[0], &parts[parts.len() - 1]);
    if !s.starts_with(first.as_str())
        || s.len() < first.len() + last.len()
        || !s.ends_with(last.as_str())
    {
        return false;
    }
    let mut rest = &s[first.len()..s.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid.as_str()) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

fn match_value(matcher: &Value, v: &Value) -> bool {
    let Value::Object(op) = matcher else {
        return eq_value(matcher, v);
    };
    let Some((name, arg)) = op.iter().next() else {
        return false;
    };
    match name.as_str() {
        "prefix" => v.as_str().is_some_and(|s| affix(arg, s, true)),
        "suffix" => v.as_str().is_some_and(|s| affix(arg, s, false)),
        "equals-ignore-case" => match (arg.as_str(), v.as_str()) {
            (Some(w), Some(s)) => w.to_lowercase() == s.to_lowercase(),
            _ => false,
        },
        "wildcard" => match (arg.as_str(), v.as_str()) {
            (Some(w), Some(s)) => wildcard(w, s),
            _ => false,
        },
        "numeric" => {
            let (Some(n), Ok(ranges)) = (v.as_f64(), numeric_ranges(arg)) else {
                return false;
            };
            ranges.iter().all(|(op, x)| match *op {
                "=" => n == *x,
                "<" => n < *x,
                "<=" => n <= *x,
                ">" => n > *x,
                ">=" => n >= *x,
                _ => false,
            })
        }
        "anything-but" => match arg {
            Value::Array(vs) => !vs.iter().any(|x| eq_value(x, v)),
            Value::Object(m) => {
                let Some(s) = v.as_str() else { return false };
                match m.iter().next() {
                    Some((k, Value::String(w))) if k == "prefix" => !s.starts_with(w.as_str()),
                    Some((k, Value::String(w))) if k == "suffix" => !s.ends_with(w.as_str()),
                    Some((k, Value::String(w))) if k == "wildcard" => !wildcard(w, s),
                    Some((k, Value::String(w))) if k == "equals-ignore-case" => {
                        w.to_lowercase() != s.to_lowercase()
                    }
                    Some((k, Value::Array(ws))) if k == "equals-ignore-case" => !ws
                        .iter()
                        .filter_map(Value::as_str)
                        .any(|w| w.to_lowercase() == s.to_lowercase()),
                    _ => false,
                }
            }
            x => !eq_value(x, v),
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(p: &str, e: Value) -> bool {
        Pattern::parse(p).unwrap().matches(&e)
    }

    #[test]
    fn exact_values_and_nesting() {
        let e = json!({"body": {"kind": "order", "n": 5, "tags": ["a", "b"]}, "attributes": {"SenderId": "x"}});
        assert!(m(r#"{"body": {"kind": ["order"]}}"#, e.clone()));
        assert!(!m(r#"{"body": {"kind": ["refund"]}}"#, e.clone()));
        assert!(m(r#"{"body": {"kind": ["refund", "order"]}}"#, e.clone()));
        assert!(m(r#"{"body": {"n": [5.0]}}"#, e.clone()));
        assert!(m(r#"{"body": {"tags": ["b"]}}"#, e.clone()));
        assert!(m(
            r#"{"body": {"kind": ["order"]}, "attributes": {"SenderId": ["x"]}}"#,
            e.clone()
        ));
        assert!(!m(
            r#"{"body": {"kind": ["order"]}, "attributes": {"SenderId": ["y"]}}"#,
            e.clone()
        ));
        assert!(!m(r#"{"body": {"missing": ["order"]}}"#, e));
        // A plain-text body compares as a string.
        assert!(m(r#"{"body": ["hello"]}"#, json!({"body": "hello"})));
        assert!(!m(
            r#"{"body": {"k": ["hello"]}}"#,
            json!({"body": "hello"})
        ));
    }

    #[test]
    fn operators() {
        let e = json!({"body": {"city": "Seattle", "price": 12.5, "file": "photo.JPG"}});
        assert!(m(r#"{"body": {"city": [{"prefix": "Sea"}]}}"#, e.clone()));
        assert!(!m(r#"{"body": {"city": [{"prefix": "sea"}]}}"#, e.clone()));
        assert!(m(
            r#"{"body": {"city": [{"prefix": {"equals-ignore-case": "sea"}}]}}"#,
            e.clone()
        ));
        assert!(m(r#"{"body": {"file": [{"suffix": ".JPG"}]}}"#, e.clone()));
        assert!(m(
            r#"{"body": {"file": [{"suffix": {"equals-ignore-case": ".jpg"}}]}}"#,
            e.clone()
        ));
        assert!(m(
            r#"{"body": {"city": [{"equals-ignore-case": "SEATTLE"}]}}"#,
            e.clone()
        ));
        assert!(m(
            r#"{"body": {"city": [{"anything-but": "Boston"}]}}"#,
            e.clone()
        ));
        assert!(!m(
            r#"{"body": {"city": [{"anything-but": ["Boston", "Seattle"]}]}}"#,
            e.clone()
        ));
        assert!(!m(
            r#"{"body": {"city": [{"anything-but": {"prefix": "Se"}}]}}"#,
            e.clone()
        ));
        assert!(m(
            r#"{"body": {"price": [{"numeric": [">", 10, "<=", 12.5]}]}}"#,
            e.clone()
        ));
        assert!(!m(
            r#"{"body": {"price": [{"numeric": ["<", 10]}]}}"#,
            e.clone()
        ));
        assert!(m(
            r#"{"body": {"price": [{"numeric": ["=", 12.5]}]}}"#,
            e.clone()
        ));
        assert!(m(r#"{"body": {"city": [{"exists": true}]}}"#, e.clone()));
        assert!(m(r#"{"body": {"zip": [{"exists": false}]}}"#, e.clone()));
        assert!(!m(r#"{"body": {"city": [{"exists": false}]}}"#, e.clone()));
        assert!(m(
            r#"{"body": {"file": [{"wildcard": "photo.*"}]}}"#,
            e.clone()
        ));
        assert!(!m(
            r#"{"body": {"file": [{"wildcard": "*.png"}]}}"#,
            e.clone()
        ));
        assert!(m(
            r#"{"$or": [{"body": {"city": ["Boston"]}}, {"body": {"price": [{"numeric": [">", 12]}]}}]}"#,
            e
        ));
    }

    #[test]
    fn invalid_patterns() {
        for bad in [
            "",
            "[]",
            "\"x\"",
            r#"{"body": "x"}"#,
            r#"{"body": []}"#,
            r#"{"body": [{"nope": 1}]}"#,
            r#"{"body": [{"prefix": 1}]}"#,
            r#"{"body": [{"numeric": [">", "a"]}]}"#,
            r#"{"body": [{"numeric": ["<", 5, ">", 1]}]}"#,
            r#"{"body": [{"exists": "yes"}]}"#,
            r#"{"body": [{"prefix": "a", "suffix": "b"}]}"#,
            r#"{"$or": [{"a": ["x"]}]}"#,
        ] {
            assert!(Pattern::parse(bad).is_err(), "{bad}");
        }
        assert!(Pattern::parse(&format!("{{\"a\": [\"{}\"]}}", "x".repeat(5000))).is_err());
    }
}
