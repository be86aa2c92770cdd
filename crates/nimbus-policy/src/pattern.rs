//! Compiled strings of the policy language: wildcards (`*`, `?`) and policy variables
//! (`${aws:username}`, `${s3:prefix, 'default'}`, and `${*}`, `${?}`, `${$}` for the
//! literal characters), parsed once into tokens that matching walks without allocating.
//!
//! Variables are substituted only under `Version: 2012-10-17`; under `2008-10-17` a `${…}`
//! is literal text (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html>).

use std::borrow::Cow;

use crate::request::Context;

/// A policy variable: a context key (lower-cased) and its default.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Var {
    key: Box<str>,
    default: Option<Box<str>>,
}

impl Var {
    /// The variable's value for this request: the key's single value, else the default.
    /// `None` when neither exists: AWS then treats the statement as not matching.
    fn resolve<'a>(&'a self, ctx: &'a Context) -> Option<&'a str> {
        match ctx.get_lower(&self.key) {
            Some([one]) => Some(one.as_str()),
            _ => self.default.as_deref(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    /// Literal text (never a wildcard, even if it holds `*` from `${*}`).
    Lit(Box<str>),
    /// `*`: any run of characters.
    Star,
    /// `?`: exactly one character.
    One,
    /// `${key}`.
    Var(Var),
}

#[derive(Clone, Debug, PartialEq)]
enum Fast {
    /// `*` alone.
    Any,
    /// Literal text only.
    Exact(Box<str>),
    /// Literal text then one `*`.
    Prefix(Box<str>),
    /// Anything else (more wildcards, or variables).
    General,
}

/// A compiled string: literal text, wildcards (when the element takes them) and variables.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Template {
    toks: Vec<Tok>,
    fast: Fast,
}

/// How to read a string of a policy.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Syntax {
    /// `*` and `?` are wildcards.
    pub wildcards: bool,
    /// `${…}` are variables (Version 2012-10-17).
    pub variables: bool,
}

impl Template {
    /// Compiles `s`.
    pub(crate) fn parse(s: &str, syntax: Syntax) -> Template {
        let mut toks: Vec<Tok> = Vec::new();
        let mut lit = String::new();
        let mut rest = s;
        while let Some(c) = rest.chars().next() {
            if syntax.variables
                && rest.starts_with("${")
                && let Some(end) = rest.find('}')
            {
                let inner = &rest[2..end];
                rest = &rest[end + 1..];
                match inner {
                    "*" | "?" | "$" => lit.push_str(inner),
                    _ => {
                        flush(&mut toks, &mut lit);
                        toks.push(Tok::Var(parse_var(inner)));
                    }
                }
                continue;
            }
            rest = &rest[c.len_utf8()..];
            match c {
                '*' if syntax.wildcards => {
                    flush(&mut toks, &mut lit);
                    toks.push(Tok::Star);
                }
                '?' if syntax.wildcards => {
                    flush(&mut toks, &mut lit);
                    toks.push(Tok::One);
                }
                _ => lit.push(c),
            }
        }
        flush(&mut toks, &mut lit);
        let fast = match toks.as_slice() {
            [] => Fast::Exact("".into()),
            [Tok::Star] => Fast::Any,
            [Tok::Lit(l)] => Fast::Exact(l.clone()),
            [Tok::Lit(l), Tok::Star] => Fast::Prefix(l.clone()),
            _ => Fast::General,
        };
        Template { toks, fast }
    }

    /// Adds the keys of the template's policy variables to `set`.
    pub(crate) fn read_keys(&self, set: &mut crate::keyset::KeySet) {
        for t in &self.toks {
            if let Tok::Var(v) = t {
                set.add(&v.key);
            }
        }
    }

    /// Whether the template is one fixed string: no wildcard and no variable.
    pub(crate) fn is_fixed(&self) -> bool {
        self.toks.iter().all(|t| matches!(t, Tok::Lit(_)))
    }

    /// Whether `s` matches (`ascii_ci`: ignoring ASCII case, for action names). `None` when
    /// a variable has no value in this request.
    pub(crate) fn matches(&self, s: &str, ascii_ci: bool, ctx: &Context) -> Option<bool> {
        // Exact bytes first: callers spell actions as policies usually do.
        let eq = |a: &[u8], b: &[u8]| a == b || (ascii_ci && a.eq_ignore_ascii_case(b));
        match &self.fast {
            Fast::Any => Some(true),
            Fast::Exact(l) => Some(eq(s.as_bytes(), l.as_bytes())),
            Fast::Prefix(l) => {
                Some(s.len() >= l.len() && eq(&s.as_bytes()[..l.len()], l.as_bytes()))
            }
            Fast::General => {
                for t in &self.toks {
                    if let Tok::Var(v) = t
                        && v.resolve(ctx).is_none()
                    {
                        return None;
                    }
                }
                Some(glob(&self.toks, s, ascii_ci, ctx))
            }
        }
    }

    /// The text with variables substituted (for operators without wildcards). `None` when
    /// a variable has no value in this request.
    pub(crate) fn resolve<'a>(&'a self, ctx: &'a Context) -> Option<Cow<'a, str>> {
        match (&self.fast, self.toks.as_slice()) {
            (Fast::Exact(l), _) => Some(Cow::Borrowed(l)),
            (_, [Tok::Var(v)]) => v.resolve(ctx).map(Cow::Borrowed),
            (_, toks) => {
                let mut out = String::new();
                for t in toks {
                    match t {
                        Tok::Lit(l) => out.push_str(l),
                        Tok::Star => out.push('*'),
                        Tok::One => out.push('?'),
                        Tok::Var(v) => out.push_str(v.resolve(ctx)?),
                    }
                }
                Some(Cow::Owned(out))
            }
        }
    }
}

fn flush(toks: &mut Vec<Tok>, lit: &mut String) {
    if !lit.is_empty() {
        toks.push(Tok::Lit(std::mem::take(lit).into_boxed_str()));
    }
}

/// `key` or `key, 'default'` (spaces around the comma allowed).
fn parse_var(inner: &str) -> Var {
    if let Some((key, default)) = inner.split_once(',') {
        let d = default.trim();
        if d.len() >= 2 && d.starts_with('\'') && d.ends_with('\'') {
            return Var {
                key: key.trim().to_ascii_lowercase().into(),
                default: Some(d[1..d.len() - 1].into()),
            };
        }
    }
    Var {
        key: inner.trim().to_ascii_lowercase().into(),
        default: None,
    }
}

/// Wildcard matching over tokens (variables resolved as literal text), with the classic
/// backtracking to the last `*`: linear for one `*`, O(n·m) at worst.
fn glob(toks: &[Tok], s: &str, ascii_ci: bool, ctx: &Context) -> bool {
    let b = s.as_bytes();
    let char_len = |i: usize| s[i..].chars().next().map_or(1, char::len_utf8);
    let lit_at = |i: usize, l: &str| {
        let l = l.as_bytes();
        b.len() - i >= l.len()
            && if ascii_ci {
                b[i..i + l.len()].eq_ignore_ascii_case(l)
            } else {
                &b[i..i + l.len()] == l
            }
    };
    let (mut ti, mut si) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if let Some(t) = toks.get(ti) {
            let advanced = match t {
                Tok::Star => {
                    star = Some((ti, si));
                    ti += 1;
                    continue;
                }
                Tok::One => (si < b.len()).then(|| char_len(si)),
                Tok::Lit(l) => lit_at(si, l).then_some(l.len()),
                Tok::Var(v) => {
                    let l = v.resolve(ctx).unwrap_or("");
                    lit_at(si, l).then_some(l.len())
                }
            };
            if let Some(n) = advanced {
                si += n;
                ti += 1;
                continue;
            }
        } else if si == b.len() {
            return true;
        }
        match star {
            Some((st, ss)) if ss < b.len() => {
                let next = ss + char_len(ss);
                star = Some((st, next));
                ti = st + 1;
                si = next;
            }
            _ => return false,
        }
    }
}

/// Splits an ARN pattern at its first five colons outside `${…}`.
pub(crate) fn split_arn_pattern(s: &str) -> Vec<&str> {
    let mut parts = Vec::with_capacity(6);
    let mut depth = false;
    let mut start = 0;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'{') => depth = true,
            b'}' => depth = false,
            b':' if !depth && parts.len() < 5 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(&s[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    const VARS: Syntax = Syntax {
        wildcards: true,
        variables: true,
    };

    fn m(p: &str, s: &str) -> Option<bool> {
        let ctx = Context::new()
            .with("aws:username", "alice")
            .with("s3:prefix", "home/");
        Template::parse(p, VARS).matches(s, false, &ctx)
    }

    #[test]
    fn wildcards_and_literals() {
        assert_eq!(m("*", ""), Some(true));
        assert_eq!(m("a*", "abc"), Some(true));
        assert_eq!(m("a*c", "abbbc"), Some(true));
        assert_eq!(m("a*c", "abbbd"), Some(false));
        assert_eq!(m("a?c", "abc"), Some(true));
        assert_eq!(m("a?c", "ac"), Some(false));
        assert_eq!(m("a?c", "aéc"), Some(true));
        assert_eq!(m("*b*b*", "abxb"), Some(true));
        assert_eq!(m("*b*b*", "abx"), Some(false));
        assert_eq!(m("a**", "a"), Some(true));
        assert_eq!(m("abc", "abcd"), Some(false));
    }

    #[test]
    fn variables_and_special_characters() {
        assert_eq!(m("home/${aws:username}/*", "home/alice/x"), Some(true));
        assert_eq!(m("home/${aws:username}/*", "home/bob/x"), Some(false));
        assert_eq!(m("home/${AWS:UserName}", "home/alice"), Some(true));
        assert_eq!(m("${aws:userid}", "x"), None);
        assert_eq!(m("${aws:userid, 'anon'}/*", "anon/x"), Some(true));
        assert_eq!(m("${aws:userid,'anon'}", "anon"), Some(true));
        assert_eq!(m("a${*}", "a*"), Some(true));
        assert_eq!(m("a${*}", "ab"), Some(false));
        assert_eq!(m("a${?}${$}", "a?$"), Some(true));
        assert_eq!(m("${s3:prefix}*", "home/x"), Some(true));
        let old = Syntax {
            wildcards: true,
            variables: false,
        };
        let ctx = Context::new().with("aws:username", "alice");
        let t = Template::parse("${aws:username}", old);
        assert_eq!(t.matches("alice", false, &ctx), Some(false));
        assert_eq!(t.matches("${aws:username}", false, &ctx), Some(true));
    }

    #[test]
    fn arn_patterns_split_outside_variables() {
        assert_eq!(
            split_arn_pattern("arn:aws:s3:::b/${aws:SourceArn}:x"),
            ["arn", "aws", "s3", "", "", "b/${aws:SourceArn}:x"]
        );
        assert_eq!(split_arn_pattern("*"), ["*"]);
    }
}
