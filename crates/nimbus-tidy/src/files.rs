//! Per-file rules: a leading `//!` module doc, and a bound on a file's production lines.

use crate::lex;

/// The most lines a source file may have outside its `#[cfg(test)]` items.
pub const MAX_LINES: usize = 800;

/// Whether `src` starts (its first non-blank line) with a `//!` module doc.
pub fn has_module_doc(src: &str) -> bool {
    src.lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| l.trim_start().starts_with("//!"))
}

/// The lines of `src` outside its `#[cfg(test)]` items (a test module in its own file
/// counts as wholly test code: pass no such file here).
pub fn production_lines(src: &str) -> usize {
    let masked = lex::mask(src);
    let items = lex::test_items(&masked.code);
    let test_lines: usize = items
        .iter()
        .map(|t| src[t.range.clone()].lines().count())
        .sum();
    src.lines().count().saturating_sub(test_lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_without_a_leading_module_doc_is_caught() {
        assert!(has_module_doc("\n//! Queues.\nuse x;"));
        assert!(!has_module_doc("use x;\n//! Queues."));
        assert!(!has_module_doc(
            "/// An item doc, not a module doc.\npub fn f() {}"
        ));
        assert!(!has_module_doc(""));
    }

    #[test]
    fn test_modules_do_not_count_towards_the_size() {
        let prod = "//! x\n".to_string() + &"fn f() {}\n".repeat(MAX_LINES);
        let src = prod.clone() + "#[cfg(test)]\nmod tests {\n" + &"fn t() {}\n".repeat(500) + "}\n";
        assert_eq!(production_lines(&src), MAX_LINES + 1);
        assert!(production_lines(&src) > MAX_LINES);
        assert!(production_lines(&"fn f() {}\n".repeat(10)) == 10);
    }
}
