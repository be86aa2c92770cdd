//! Metric math for `GetMetricData`: arithmetic (`+ - * / ^`, unary minus, parentheses)
//! between query ids, numbers and arrays, and the functions `SUM`, `AVG`, `MIN`, `MAX`
//! (of an array: a series, point by point; of one series: a number), `METRICS()` /
//! `METRICS("part of an id")` (the request's `MetricStat` series) and `RATE` (change per
//! second between consecutive points). Anything else is refused with a message naming it.
//!
//! Series are maps from a period's start (ms) to its value: arithmetic between two series
//! keeps the timestamps both have, as CloudWatch aligns them; a division by zero leaves its
//! point out.

use std::collections::BTreeMap;

/// A time series: period start (ms since the epoch) → value.
pub type Series = BTreeMap<u64, f64>;

/// What an expression (or part of one) evaluates to.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A number.
    Scalar(f64),
    /// One time series.
    Series(Series),
    /// Several (`METRICS()`, `[m1, m2]`).
    Array(Vec<Series>),
}

/// Where an expression finds the series it names.
pub trait Scope {
    /// The series of query `id` (a `MetricStat`, or an expression evaluated first).
    fn series(&mut self, id: &str) -> Result<Series, String>;
    /// The `MetricStat` series whose id contains `filter` (all for an empty one).
    fn metrics(&mut self, filter: &str) -> Vec<Series>;
}

/// Deepest nesting an expression may have.
const MAX_DEPTH: usize = 64;

/// The query ids an expression names (identifiers that are not functions), in order.
pub fn referenced_ids(expr: &str) -> Vec<String> {
    let Ok(tokens) = tokenize(expr) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if let Token::Ident(name) = t
            && tokens.get(i + 1) != Some(&Token::Open)
            && !out.contains(name)
        {
            out.push(name.clone());
        }
    }
    out
}

/// Whether `expr` is a Metrics Insights query (`SELECT …`), which nimbus does not run.
pub fn is_insights_query(expr: &str) -> bool {
    expr.trim_start()
        .get(..6)
        .is_some_and(|s| s.eq_ignore_ascii_case("SELECT"))
}

/// Evaluates `expr`; the error is the reason, for the caller to word.
pub fn evaluate(expr: &str, scope: &mut dyn Scope) -> Result<Value, String> {
    let tokens = tokenize(expr)?;
    let mut p = Parser {
        tokens: &tokens,
        at: 0,
        scope,
        depth: 0,
    };
    let v = p.expr()?;
    if p.at != tokens.len() {
        return Err(format!("Unexpected {} in the expression", tokens[p.at]));
    }
    Ok(v)
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Number(f64),
    Ident(String),
    Text(String),
    Op(char),
    Open,
    Close,
    OpenBracket,
    CloseBracket,
    Comma,
}

impl std::fmt::Display for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Token::Number(n) => write!(f, "'{n}'"),
            Token::Ident(s) => write!(f, "'{s}'"),
            Token::Text(s) => write!(f, "'\"{s}\"'"),
            Token::Op(c) => write!(f, "'{c}'"),
            Token::Open => f.write_str("'('"),
            Token::Close => f.write_str("')'"),
            Token::OpenBracket => f.write_str("'['"),
            Token::CloseBracket => f.write_str("']'"),
            Token::Comma => f.write_str("','"),
        }
    }
}

fn tokenize(s: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '+' | '-' | '*' | '/' | '^' => {
                out.push(Token::Op(c));
                i += 1;
            }
            '(' => {
                out.push(Token::Open);
                i += 1;
            }
            ')' => {
                out.push(Token::Close);
                i += 1;
            }
            '[' => {
                out.push(Token::OpenBracket);
                i += 1;
            }
            ']' => {
                out.push(Token::CloseBracket);
                i += 1;
            }
            ',' => {
                out.push(Token::Comma);
                i += 1;
            }
            '"' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|c| *c == '"')
                    .ok_or("Unterminated string in the expression")?;
                out.push(Token::Text(chars[i + 1..i + 1 + end].iter().collect()));
                i += end + 2;
            }
            c if c.is_ascii_digit() || c == '.' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                let n = text
                    .parse::<f64>()
                    .map_err(|_| format!("Invalid number '{text}' in the expression"))?;
                out.push(Token::Number(n));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                out.push(Token::Ident(chars[start..i].iter().collect()));
            }
            other => return Err(format!("Unexpected character '{other}' in the expression")),
        }
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
    scope: &'a mut dyn Scope,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn expect(&mut self, t: Token) -> Result<(), String> {
        match self.peek() {
            Some(x) if *x == t => {
                self.at += 1;
                Ok(())
            }
            Some(x) => Err(format!("Expected {t} but found {x} in the expression")),
            None => Err(format!("Expected {t} at the end of the expression")),
        }
    }

    fn expr(&mut self) -> Result<Value, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("The expression is nested too deeply".into());
        }
        let mut v = self.term()?;
        while let Some(Token::Op(op @ ('+' | '-'))) = self.peek().cloned() {
            self.at += 1;
            let r = self.term()?;
            v = binary(op, v, r)?;
        }
        self.depth -= 1;
        Ok(v)
    }

    fn term(&mut self) -> Result<Value, String> {
        let mut v = self.unary()?;
        while let Some(Token::Op(op @ ('*' | '/'))) = self.peek().cloned() {
            self.at += 1;
            let r = self.unary()?;
            v = binary(op, v, r)?;
        }
        Ok(v)
    }

    fn unary(&mut self) -> Result<Value, String> {
        if self.peek() == Some(&Token::Op('-')) {
            self.at += 1;
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err("The expression is nested too deeply".into());
            }
            let v = self.unary()?;
            self.depth -= 1;
            return binary('*', Value::Scalar(-1.0), v);
        }
        let base = self.primary()?;
        if self.peek() == Some(&Token::Op('^')) {
            self.at += 1;
            let exp = self.unary()?;
            return binary('^', base, exp);
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<Value, String> {
        let Some(t) = self.peek().cloned() else {
            return Err("The expression ends too early".into());
        };
        self.at += 1;
        match t {
            Token::Number(n) => Ok(Value::Scalar(n)),
            Token::Open => {
                let v = self.expr()?;
                self.expect(Token::Close)?;
                Ok(v)
            }
            Token::OpenBracket => {
                let mut items = Vec::new();
                loop {
                    match self.expr()? {
                        Value::Series(s) => items.push(s),
                        Value::Array(a) => items.extend(a),
                        Value::Scalar(_) => {
                            return Err("An array may hold only time series".into());
                        }
                    }
                    match self.peek() {
                        Some(Token::Comma) => self.at += 1,
                        _ => break,
                    }
                }
                self.expect(Token::CloseBracket)?;
                Ok(Value::Array(items))
            }
            Token::Ident(name) if self.peek() == Some(&Token::Open) => {
                self.at += 1;
                self.function(&name)
            }
            Token::Ident(name) => Ok(Value::Series(self.scope.series(&name)?)),
            other => Err(format!("Unexpected {other} in the expression")),
        }
    }

    fn function(&mut self, name: &str) -> Result<Value, String> {
        let upper = name.to_ascii_uppercase();
        if upper == "METRICS" {
            let filter = match self.peek().cloned() {
                Some(Token::Text(f)) => {
                    self.at += 1;
                    f
                }
                _ => String::new(),
            };
            self.expect(Token::Close)?;
            return Ok(Value::Array(self.scope.metrics(&filter)));
        }
        if !matches!(upper.as_str(), "SUM" | "AVG" | "MIN" | "MAX" | "RATE") {
            return Err(format!(
                "Unsupported function {name}: nimbus's metric math has SUM, AVG, MIN, MAX, \
                 METRICS and RATE with arithmetic"
            ));
        }
        let arg = self.expr()?;
        self.expect(Token::Close)?;
        if upper == "RATE" {
            return match arg {
                Value::Series(s) => Ok(Value::Series(rate(&s))),
                Value::Array(a) => Ok(Value::Array(a.iter().map(rate).collect())),
                Value::Scalar(_) => Err("RATE takes a time series".into()),
            };
        }
        let fold = |values: &mut dyn Iterator<Item = f64>| -> Option<f64> {
            let (mut n, mut sum, mut min, mut max) =
                (0usize, 0.0, f64::INFINITY, f64::NEG_INFINITY);
            for v in values {
                n += 1;
                sum += v;
                min = min.min(v);
                max = max.max(v);
            }
            (n > 0).then(|| match upper.as_str() {
                "SUM" => sum,
                "AVG" => sum / n as f64,
                "MIN" => min,
                _ => max,
            })
        };
        match arg {
            Value::Scalar(_) => Err(format!("{upper} takes a time series or an array of them")),
            Value::Series(s) => Ok(fold(&mut s.values().copied())
                .map(Value::Scalar)
                .unwrap_or(Value::Series(Series::new()))),
            Value::Array(a) => {
                let mut at: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
                for s in &a {
                    for (t, v) in s {
                        at.entry(*t).or_default().push(*v);
                    }
                }
                Ok(Value::Series(
                    at.into_iter()
                        .filter_map(|(t, vs)| Some((t, fold(&mut vs.into_iter())?)))
                        .collect(),
                ))
            }
        }
    }
}

/// Change per second between consecutive points (the first point has none).
fn rate(s: &Series) -> Series {
    s.iter()
        .zip(s.iter().skip(1))
        .filter_map(|((t0, v0), (t1, v1))| {
            let secs = (t1 - t0) as f64 / 1000.0;
            (secs > 0.0).then(|| (*t1, (v1 - v0) / secs))
        })
        .collect()
}

fn apply(op: char, a: f64, b: f64) -> Option<f64> {
    let r = match op {
        '+' => a + b,
        '-' => a - b,
        '*' => a * b,
        '/' => a / b,
        _ => a.powf(b),
    };
    r.is_finite().then_some(r)
}

fn binary(op: char, l: Value, r: Value) -> Result<Value, String> {
    let map = |s: Series, f: &dyn Fn(f64) -> Option<f64>| -> Series {
        s.into_iter()
            .filter_map(|(t, v)| Some((t, f(v)?)))
            .collect()
    };
    Ok(match (l, r) {
        (Value::Scalar(a), Value::Scalar(b)) => Value::Scalar(
            apply(op, a, b).ok_or_else(|| format!("{a} {op} {b} has no finite value"))?,
        ),
        (Value::Series(s), Value::Scalar(b)) => Value::Series(map(s, &|v| apply(op, v, b))),
        (Value::Scalar(a), Value::Series(s)) => Value::Series(map(s, &|v| apply(op, a, v))),
        (Value::Series(x), Value::Series(y)) => Value::Series(
            x.into_iter()
                .filter_map(|(t, a)| Some((t, apply(op, a, *y.get(&t)?)?)))
                .collect(),
        ),
        (Value::Array(xs), other) => Value::Array(
            xs.into_iter()
                .map(|x| match binary(op, Value::Series(x), other.clone())? {
                    Value::Series(s) => Ok(s),
                    _ => Err("Arithmetic between two arrays is not supported".to_string()),
                })
                .collect::<Result<_, String>>()?,
        ),
        (other, Value::Array(ys)) => Value::Array(
            ys.into_iter()
                .map(|y| match binary(op, other.clone(), Value::Series(y))? {
                    Value::Series(s) => Ok(s),
                    _ => Err("Arithmetic between two arrays is not supported".to_string()),
                })
                .collect::<Result<_, String>>()?,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(Vec<(&'static str, Series)>);

    impl Scope for Fixed {
        fn series(&mut self, id: &str) -> Result<Series, String> {
            self.0
                .iter()
                .find(|(i, _)| *i == id)
                .map(|(_, s)| s.clone())
                .ok_or_else(|| format!("Unknown id {id}"))
        }
        fn metrics(&mut self, filter: &str) -> Vec<Series> {
            self.0
                .iter()
                .filter(|(i, _)| i.contains(filter))
                .map(|(_, s)| s.clone())
                .collect()
        }
    }

    fn s(points: &[(u64, f64)]) -> Series {
        points.iter().copied().collect()
    }

    fn scope() -> Fixed {
        Fixed(vec![
            ("m1", s(&[(0, 1.0), (60_000, 2.0), (120_000, 4.0)])),
            ("m2", s(&[(0, 10.0), (60_000, 0.0)])),
        ])
    }

    #[test]
    fn arithmetic_aligns_timestamps_and_drops_division_by_zero() {
        let v = evaluate("m1 + m2 * 2", &mut scope()).unwrap();
        assert_eq!(v, Value::Series(s(&[(0, 21.0), (60_000, 2.0)])));
        let v = evaluate("m1 / m2", &mut scope()).unwrap();
        assert_eq!(v, Value::Series(s(&[(0, 0.1)])));
        let v = evaluate("-(m1 - 1) ^ 2", &mut scope()).unwrap();
        assert_eq!(
            v,
            Value::Series(s(&[(0, -0.0), (60_000, -1.0), (120_000, -9.0)]))
        );
        assert_eq!(
            evaluate("2 * 3 + 1", &mut scope()).unwrap(),
            Value::Scalar(7.0)
        );
    }

    #[test]
    fn functions_over_arrays_and_series() {
        let v = evaluate("SUM(METRICS())", &mut scope()).unwrap();
        assert_eq!(
            v,
            Value::Series(s(&[(0, 11.0), (60_000, 2.0), (120_000, 4.0)]))
        );
        let v = evaluate("AVG([m1, m2])", &mut scope()).unwrap();
        assert_eq!(
            v,
            Value::Series(s(&[(0, 5.5), (60_000, 1.0), (120_000, 4.0)]))
        );
        let v = evaluate("MAX(METRICS(\"2\"))", &mut scope()).unwrap();
        assert_eq!(v, Value::Series(s(&[(0, 10.0), (60_000, 0.0)])));
        assert_eq!(
            evaluate("MIN(m1)", &mut scope()).unwrap(),
            Value::Scalar(1.0)
        );
        let v = evaluate("RATE(m1)", &mut scope()).unwrap();
        assert_eq!(
            v,
            Value::Series(s(&[(60_000, 1.0 / 60.0), (120_000, 2.0 / 60.0)]))
        );
    }

    #[test]
    fn refusals_name_the_problem() {
        let e = evaluate("ANOMALY_DETECTION_BAND(m1)", &mut scope()).unwrap_err();
        assert!(
            e.contains("Unsupported function ANOMALY_DETECTION_BAND"),
            "{e}"
        );
        assert!(evaluate("m1 +", &mut scope()).is_err());
        assert!(evaluate("m3", &mut scope()).unwrap_err().contains("m3"));
        assert!(evaluate("(m1", &mut scope()).is_err());
        assert!(evaluate("m1 $ 2", &mut scope()).is_err());
        let deep = format!("{}1{}", "(".repeat(200), ")".repeat(200));
        assert!(evaluate(&deep, &mut scope()).is_err());
        assert!(is_insights_query(" select AVG(CPUUtilization) FROM x"));
        assert_eq!(referenced_ids("SUM([m1, e2]) / m1"), vec!["m1", "e2"]);
    }
}
