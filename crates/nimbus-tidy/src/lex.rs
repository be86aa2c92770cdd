//! Just enough lexing of Rust for the checks: comments and string literals masked out of
//! the code (offsets and line breaks kept), string contents collected, and the byte ranges
//! of `#[cfg(test)]` items.

/// Source with comments and the contents of string and char literals replaced by spaces
/// (line breaks kept, so offsets and line numbers match the original), and the string
/// literals themselves.
pub struct Masked {
    /// The masked source: same length as the input, only code left readable.
    pub code: String,
    /// Each string literal: the offset of its opening quote and its (unescaped as written)
    /// contents.
    pub strings: Vec<(usize, String)>,
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Masks comments and literals of `src`.
pub fn mask(src: &str) -> Masked {
    let b = src.as_bytes();
    let mut out = b.to_vec();
    let mut strings = Vec::new();
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for c in &mut out[from..to] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    let mut i = 0;
    while i < b.len() {
        let prev_ident = i > 0 && is_ident(b[i - 1]);
        if b[i..].starts_with(b"//") {
            let end = b[i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |p| i + p);
            blank(&mut out, i, end);
            i = end;
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0;
            let mut j = i;
            while j < b.len() {
                if b[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else if b[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            blank(&mut out, i, j);
            i = j;
        } else if !prev_ident && (b[i] == b'r' || b[i..].starts_with(b"br")) && {
            let k = if b[i] == b'r' { i + 1 } else { i + 2 };
            let hashes = b[k..].iter().take_while(|&&c| c == b'#').count();
            b.get(k + hashes) == Some(&b'"')
        } {
            // Raw string: r"…", r#"…"#, br#"…"#.
            let k = if b[i] == b'r' { i + 1 } else { i + 2 };
            let hashes = b[k..].iter().take_while(|&&c| c == b'#').count();
            let start = k + hashes + 1;
            let mut close = Vec::with_capacity(hashes + 1);
            close.push(b'"');
            close.extend(std::iter::repeat_n(b'#', hashes));
            let end = (start..=b.len())
                .find(|&j| b[j..].starts_with(&close))
                .unwrap_or(b.len());
            strings.push((k + hashes, src[start..end].to_string()));
            blank(&mut out, start, end);
            i = (end + close.len()).min(b.len());
        } else if b[i] == b'"' {
            let start = i + 1;
            let mut j = start;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            let end = j.min(b.len());
            strings.push((i, src[start..end].to_string()));
            blank(&mut out, start, end);
            i = end + 1;
        } else if b[i] == b'\'' {
            // A char literal ('x', '\n', '\u{1F600}', '"') or a lifetime ('a).
            if b.get(i + 1) == Some(&b'\\') {
                let end = b[i + 2..]
                    .iter()
                    .position(|&c| c == b'\'')
                    .map_or(b.len(), |p| i + 2 + p);
                blank(&mut out, i + 1, end);
                i = end + 1;
            } else {
                let ch_len = src[i + 1..].chars().next().map_or(1, char::len_utf8);
                if b.get(i + 1 + ch_len) == Some(&b'\'') {
                    blank(&mut out, i + 1, i + 1 + ch_len);
                    i += ch_len + 2;
                } else {
                    i += 1;
                }
            }
        } else {
            i += 1;
        }
    }
    Masked {
        code: String::from_utf8(out).unwrap_or_default(),
        strings,
    }
}

/// Where the brace opened at `open` (a `{` in masked code) closes: the offset just past
/// its `}`, or the end of the code.
pub fn matching_brace(code: &str, open: usize) -> usize {
    let mut depth = 0usize;
    for (j, c) in code.bytes().enumerate().skip(open) {
        match c {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
    }
    code.len()
}

/// A `#[cfg(test)]` item in masked code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestItem {
    /// Byte range of the item, its attribute included.
    pub range: std::ops::Range<usize>,
    /// The module name when the item is `mod name;` (a test module in its own file).
    pub out_of_line_mod: Option<String>,
}

/// The `#[cfg(test)]` items of masked code: a `mod tests { … }`, a `mod tests;`, or any
/// other item (up to its `;` or its closing brace).
pub fn test_items(code: &str) -> Vec<TestItem> {
    let mut items = Vec::new();
    let mut from = 0;
    while let Some(p) = code[from..].find("#[cfg(test)]") {
        let start = from + p;
        let mut i = start + "#[cfg(test)]".len();
        // Further attributes on the same item.
        loop {
            let rest = &code[i..];
            let trimmed = rest.trim_start();
            i += rest.len() - trimmed.len();
            if trimmed.starts_with("#[") {
                i = code[i..].find(']').map_or(code.len(), |q| i + q + 1);
            } else {
                break;
            }
        }
        let semi = code[i..].find(';').map(|q| i + q);
        let brace = code[i..].find('{').map(|q| i + q);
        let (end, out_of_line_mod) = match (semi, brace) {
            (Some(s), Some(b)) if s < b => (s + 1, mod_name(&code[i..s])),
            (Some(s), None) => (s + 1, mod_name(&code[i..s])),
            (_, Some(b)) => (matching_brace(code, b), None),
            (None, None) => (code.len(), None),
        };
        items.push(TestItem {
            range: start..end,
            out_of_line_mod,
        });
        from = end.max(start + 1);
    }
    items
}

/// `name` of a `mod name` / `pub(crate) mod name` declaration.
fn mod_name(decl: &str) -> Option<String> {
    let words: Vec<&str> = decl.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "mod")?;
    words.get(at + 1).map(|w| (*w).to_string())
}

/// `code` with the given ranges blanked (line breaks kept).
pub fn blank_ranges(code: &str, ranges: &[std::ops::Range<usize>]) -> String {
    let mut out = code.as_bytes().to_vec();
    for r in ranges {
        for c in &mut out[r.clone()] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_string_contents_are_masked_and_strings_kept() {
        let src = "let a = \"crate::x {\"; // crate::y\n/* crate::z /* nested */ */ let c = '{'; 'a: loop {}\nlet r = r#\"q\"uote\"#;";
        let m = mask(src);
        assert_eq!(m.code.len(), src.len());
        assert!(!m.code.contains("crate::"));
        assert_eq!(m.code.matches('{').count(), 1, "{}", m.code);
        assert!(m.code.contains("'a: loop"));
        let s: Vec<&str> = m.strings.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(s, ["crate::x {", "q\"uote"]);
    }

    #[test]
    fn test_items_cover_inline_and_out_of_line_test_modules() {
        let src = "fn a() {}\n#[cfg(test)]\nmod tests {\n fn b() { let x = \"}\"; }\n}\n#[cfg(test)]\n#[path = \"t.rs\"]\nmod more;\nfn c() {}\n";
        let m = mask(src);
        let items = test_items(&m.code);
        assert_eq!(items.len(), 2);
        assert!(src[items[0].range.clone()].ends_with("}\n}"));
        assert_eq!(items[1].out_of_line_mod.as_deref(), Some("more"));
        let left = blank_ranges(
            &m.code,
            &items.iter().map(|t| t.range.clone()).collect::<Vec<_>>(),
        );
        assert!(left.contains("fn a()") && left.contains("fn c()") && !left.contains("fn b()"));
    }
}
