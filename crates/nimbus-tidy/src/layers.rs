//! Layers inside a crate: modules that must not name certain crates. A service's engine
//! (S3's `src/engine/`, SQS's `src/engine/`) knows no HTTP and no wire layer, so its code
//! names neither `http` nor `nimbus_wire`.
//!
//! A crate is named when a path starts with it (`http::StatusCode`, `use nimbus_wire::{…}`,
//! `::http::Method`) or when `use` or `extern crate` imports it whole (`use http;`). A
//! segment inside a longer path (`nimbus_core::timefmt::http_date`, `self.http`) is not a
//! crate. Comments, string literals and `#[cfg(test)]` items are not looked at.

use crate::lex;

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The crates among `forbidden` that `src` names outside its tests, as (crate, line).
pub fn named_crates(src: &str, forbidden: &[&str]) -> Vec<(String, usize)> {
    let masked = lex::mask(src);
    let tests: Vec<_> = lex::test_items(&masked.code)
        .into_iter()
        .map(|t| t.range)
        .collect();
    let code = lex::blank_ranges(&masked.code, &tests);
    let b = code.as_bytes();
    let mut out = Vec::new();
    for name in forbidden {
        let mut from = 0;
        while let Some(p) = code[from..].find(name) {
            let at = from + p;
            let end = at + name.len();
            from = end;
            if (at > 0 && is_ident(b[at - 1])) || b.get(end).copied().is_some_and(is_ident) {
                continue;
            }
            let before = code[..at].trim_end();
            // `a::http` and `<T>::http` are segments of another path, `x.http` a field;
            // `::http` alone (a global path) is the crate.
            let after_path = before.strip_suffix("::").is_some_and(|rest| {
                rest.as_bytes()
                    .last()
                    .is_some_and(|&c| is_ident(c) || c == b'>')
            });
            if after_path || before.ends_with('.') {
                continue;
            }
            let ends_with_word = |w: &str| {
                before
                    .strip_suffix(w)
                    .is_some_and(|rest| rest.as_bytes().last().is_none_or(|&c| !is_ident(c)))
            };
            let imported = ends_with_word("use") || ends_with_word("crate");
            if imported || code[end..].trim_start().starts_with("::") {
                let line = code[..at].matches('\n').count() + 1;
                out.push(((*name).to_string(), line));
            }
        }
    }
    out.sort_by_key(|(_, line)| *line);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORBIDDEN: &[&str] = &["http", "nimbus_wire"];

    #[test]
    fn an_engine_naming_http_or_the_wire_crate_is_caught() {
        let src = "//! An engine.\nuse http::StatusCode;\nuse std::sync::Arc;\nfn f() -> nimbus_wire::Response { todo!() }\nfn g() { let _ = ::http::Method::GET; }\nuse http;\n";
        let found = named_crates(src, FORBIDDEN);
        assert_eq!(
            found,
            [
                ("http".to_string(), 2),
                ("nimbus_wire".to_string(), 4),
                ("http".to_string(), 5),
                ("http".to_string(), 6),
            ]
        );
    }

    #[test]
    fn segments_identifiers_comments_strings_and_tests_are_not_crates() {
        let src = "//! Uses http:: in a comment.\nuse nimbus_core::timefmt::http_date;\nfn f(c: &C) { let http = c.http; let s = \"http::x\"; let _ = a::http::b; http_date(1); }\n// nimbus_wire::Response\n#[cfg(test)]\nmod tests { use http::StatusCode; }\n";
        assert_eq!(named_crates(src, FORBIDDEN), []);
    }
}
