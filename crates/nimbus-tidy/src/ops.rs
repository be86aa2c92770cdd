//! Operation names: read out of a service crate's operation list, and looked for in code.
//!
//! An operation list is one of the forms the services write their operations in today:
//! string literals beside `=>` in a dispatch `match` (`"CreateQueue" => …`,
//! `Op::Invoke => "Invoke"`), the strings of a `const` table of names, the identifiers of
//! an `operations!(…)` list, and the row names of a `nimbus_wire::operations! { … }` table
//! (its `not_implemented { … }` rows included).

use std::collections::BTreeSet;

use crate::lex;

/// Whether `s` looks like an AWS operation name (`CreateQueue`, `Invoke`, `ListObjectsV2`).
fn is_operation_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && s.chars().all(|c| c.is_ascii_alphanumeric())
        && s.chars().any(|c| c.is_ascii_lowercase())
}

/// The operation names in `src`, an operation-list file of a service crate.
pub fn operation_names(src: &str) -> BTreeSet<String> {
    let masked = lex::mask(src);
    let code = masked.code.as_str();
    let mut names = BTreeSet::new();
    // Strings beside `=>`.
    for (at, s) in &masked.strings {
        let end = at + s.len() + 2;
        let before = code[..*at].trim_end();
        let after = code.get(end..).unwrap_or("").trim_start();
        if (before.ends_with("=>") || after.starts_with("=>")) && is_operation_name(s) {
            names.insert(s.clone());
        }
    }
    // Strings of `const NAME: &[…] = &[ … ];` tables.
    let mut from = 0;
    while let Some(p) = code[from..].find("const ") {
        let start = from + p;
        let end = code[start..].find(';').map_or(code.len(), |q| start + q);
        let decl = &code[start..end];
        if decl.contains("&[") && decl.contains("&str") {
            for (at, s) in &masked.strings {
                if (start..end).contains(at) && is_operation_name(s) {
                    names.insert(s.clone());
                }
            }
        }
        from = end;
    }
    // Identifiers of `operations!( … )` (a list of names) and of the rows of
    // `nimbus_wire::operations! { … }` tables (`Name = binding => handler,`).
    if let Some(p) = code.find("operations!(") {
        let start = p + "operations!(".len();
        let end = code[start..].find(')').map_or(code.len(), |q| start + q);
        for word in code[start..end].split(|c: char| !c.is_ascii_alphanumeric() && c != '_') {
            if is_operation_name(word) {
                names.insert(word.to_string());
            }
        }
    }
    let (served, not_implemented) = table_rows(src);
    names.extend(served);
    names.extend(not_implemented);
    names
}

/// The rows of the `nimbus_wire::operations! { … }` table in `src`: the operations it serves,
/// and those of its `not_implemented { … }` block (both empty without a table).
pub fn table_rows(src: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let masked = lex::mask(src);
    let code = masked.code.as_str();
    let (mut served, mut not_implemented) = (BTreeSet::new(), BTreeSet::new());
    let Some(p) = code.find("operations! {") else {
        return (served, not_implemented);
    };
    let start = p + "operations! {".len();
    let mut depth = 1usize;
    let mut end = code.len();
    for (i, c) in code[start..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    end = start + i;
                    break;
                }
            }
            _ => {}
        }
    }
    let mut rows = &mut served;
    for line in code[start..end].lines() {
        let line = line.trim();
        if line.starts_with("not_implemented {") {
            rows = &mut not_implemented;
        }
        if let Some((name, rest)) = line.split_once(' ')
            && rest.starts_with("= ")
            && is_operation_name(name)
        {
            rows.insert(name.to_string());
        }
    }
    (served, not_implemented)
}

/// The names of `names` that `src` mentions in its code (identifiers or words inside
/// string literals; comments and `#[cfg(test)]` items do not count), each with the 1-based
/// line of its first mention.
pub fn mentions(src: &str, names: &BTreeSet<String>) -> Vec<(String, usize)> {
    let mut masked = lex::mask(src);
    let tests: Vec<_> = lex::test_items(&masked.code)
        .into_iter()
        .map(|t| t.range)
        .collect();
    masked.code = lex::blank_ranges(&masked.code, &tests);
    masked
        .strings
        .retain(|(at, _)| !tests.iter().any(|r| r.contains(at)));
    let mut words: Vec<(usize, &str)> = Vec::new();
    let mut push_words = |offset: usize, text: &str| {
        let mut start = None;
        for (i, c) in text
            .char_indices()
            .chain(std::iter::once((text.len(), ' ')))
        {
            let word_char = c.is_ascii_alphanumeric() || c == '_';
            match (word_char, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    words.push((offset + s, &src[offset + s..offset + i]));
                    start = None;
                }
                _ => {}
            }
        }
    };
    push_words(0, &masked.code);
    for (at, s) in &masked.strings {
        // The literal's contents start just after its opening quote.
        push_words(at + 1, s);
    }
    let mut found: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for (offset, w) in words {
        if let Some(name) = names.get(w) {
            let line = src[..offset].matches('\n').count() + 1;
            let e = found.entry(name.as_str()).or_insert(line);
            *e = (*e).min(line);
        }
    }
    found.into_iter().map(|(n, l)| (n.to_string(), l)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_lists_are_read_in_every_form() {
        let src = r#"
pub const IAM_ACTIONS: &[&str] = &["CreateRole", "GetRole"];
const UNSUPPORTED: &[(&str, &str, &str)] = &[("POST", "/2015-03-31/functions/*/aliases", "CreateAlias")];
operations!(ListBuckets, PostObject,);
nimbus_wire::operations! {
    /// Doc.
    pub enum Op for Svc, Call, Error {
        SendMessage = Named => ops::send_message,
        GetObject = Rest("GET", "/{Bucket}/{Key+}") => get_object,
    }
    not_implemented {
        CreateSession = Named,
    }
}
fn dispatch(a: &str) { match a { "CreateQueue" => q(), "Invoke" => i(), _ => {} } }
fn name(o: Op) -> &'static str { match o { Op::GetFunction(_) => "GetFunction" } }
fn not_an_op() { let _ = "ContentType"; let _ = ("GET", "HEAD"); }
"#;
        let names: Vec<String> = operation_names(src).into_iter().collect();
        let (served, not_implemented) = table_rows(src);
        assert_eq!(
            served.into_iter().collect::<Vec<_>>(),
            ["GetObject", "SendMessage"]
        );
        assert_eq!(
            not_implemented.into_iter().collect::<Vec<_>>(),
            ["CreateSession"]
        );
        assert_eq!(
            names,
            [
                "CreateAlias",
                "CreateQueue",
                "CreateRole",
                "CreateSession",
                "GetFunction",
                "GetObject",
                "GetRole",
                "Invoke",
                "ListBuckets",
                "PostObject",
                "SendMessage"
            ]
        );
    }

    #[test]
    fn a_gateway_naming_an_operation_is_caught_and_comments_are_not() {
        let names: BTreeSet<String> = ["SendMessage", "AssumeRole", "PostObject", "Invoke"]
            .iter()
            .map(|s| (*s).to_string())
            .collect();
        let gateway = "//! Routes; never names SendMessage.\n\
                       const SQS: &[&str] = &[\"SendMessage\"];\n\
                       fn f(op: Op) -> bool { matches!(op, Op::PostObject) }\n\
                       fn g(q: &str) -> bool { q.contains(\"Action=AssumeRole&\") } // Invoke\n\
                       #[cfg(test)]\nmod tests { fn t() { route(\"Invoke\"); } }\n";
        assert_eq!(
            mentions(gateway, &names),
            [
                ("AssumeRole".to_string(), 4),
                ("PostObject".to_string(), 3),
                ("SendMessage".to_string(), 2)
            ]
        );
    }
}
