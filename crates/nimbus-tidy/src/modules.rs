//! Module cycles inside one crate, at the granularity of files.
//!
//! Every file under `src/` is a module (`a.rs` and `a/mod.rs` are `a`, `a/b.rs` is `a::b`;
//! `lib.rs`/`main.rs` the root, which is left out). A `crate::…` or `super::…` path in a
//! module's code (test items and out-of-line test modules left out) is an edge to the
//! deepest module it names: `crate::ops::tags::validate_tags` used in `ops/queues.rs` is an
//! edge `ops::queues → ops::tags`. A path between a module and one of its ancestors (a
//! child's `super::`, a parent naming its child) is no edge: a parent and its children are
//! one unit. A cycle is a set of modules that reach each other by edges.

use std::collections::{BTreeMap, BTreeSet};

use crate::lex;

/// Modules that depend on each other in a circle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    /// The modules (`ops::queues`), sorted.
    pub members: Vec<String>,
    /// One path per edge among the members: (from, to, file, path as written).
    pub edges: Vec<(String, String, String, String)>,
}

impl std::fmt::Display for Cycle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.members.join(" ↔ "))?;
        for (a, b, file, path) in &self.edges {
            write!(f, "\n    {a} → {b}: {file} uses {path}")?;
        }
        Ok(())
    }
}

/// The module path of a file under `src/` (`None` for files that are no module of the
/// library or binary, such as `src/bin/*.rs`, which are crate roots of their own).
pub fn module_path(rel: &str) -> Option<Vec<String>> {
    let parts: Vec<&str> = rel.trim_end_matches(".rs").split('/').collect();
    match parts.as_slice() {
        ["lib" | "main"] => Some(Vec::new()),
        ["bin", ..] => None,
        [dirs @ .., "mod"] => Some(dirs.iter().map(|s| (*s).to_string()).collect()),
        all => Some(all.iter().map(|s| (*s).to_string()).collect()),
    }
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Parses a path or `use` tree that starts at `code[i..]` (just after `crate::` or
/// `super::`): `a::b::C`, `a::{b, c::d}`, `a::*`. Returns every full path it names.
fn use_tree(code: &[u8], mut i: usize) -> Vec<Vec<String>> {
    let skip_ws = |i: &mut usize| {
        while *i < code.len() && code[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    fn tree(code: &[u8], i: &mut usize, skip_ws: &dyn Fn(&mut usize)) -> Vec<Vec<String>> {
        skip_ws(i);
        if code.get(*i) == Some(&b'{') {
            *i += 1;
            let mut out = Vec::new();
            loop {
                skip_ws(i);
                match code.get(*i) {
                    None => return out,
                    Some(b'}') => {
                        *i += 1;
                        return out;
                    }
                    Some(b',') => *i += 1,
                    _ => {
                        let before = *i;
                        out.extend(tree(code, i, skip_ws));
                        if *i == before {
                            *i += 1;
                        }
                    }
                }
            }
        }
        let start = *i;
        while *i < code.len() && is_ident(code[*i]) {
            *i += 1;
        }
        if *i == start {
            return vec![Vec::new()];
        }
        let seg = String::from_utf8_lossy(&code[start..*i]).into_owned();
        let mut j = *i;
        skip_ws(&mut j);
        if code[j..].starts_with(b"::") && !code[j + 2..].starts_with(b"<") {
            *i = j + 2;
            let mut rest = tree(code, i, skip_ws);
            for r in &mut rest {
                if r.first().is_some_and(|s| s == "self") {
                    r.remove(0);
                }
                r.insert(0, seg.clone());
            }
            rest
        } else {
            vec![vec![seg]]
        }
    }
    tree(code, &mut i, &skip_ws)
}

/// Every module path that `code` (masked, of the module at `here`) names through
/// `crate::` or `super::`, with the text of the reference.
pub fn references(code: &str, here: &[String]) -> Vec<(Vec<String>, String)> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let boundary = i == 0 || !(is_ident(b[i - 1]) || b[i - 1] == b'$' || b[i - 1] == b':');
        let (base, after): (Vec<String>, usize) = if boundary && b[i..].starts_with(b"crate::") {
            (Vec::new(), i + "crate::".len())
        } else if boundary && b[i..].starts_with(b"super::") {
            let mut j = i;
            let mut up = 0;
            while b[j..].starts_with(b"super::") {
                up += 1;
                j += "super::".len();
            }
            (here[..here.len().saturating_sub(up)].to_vec(), j)
        } else {
            i += 1;
            continue;
        };
        let text_end = b[after..]
            .iter()
            .position(|&c| c == b';' || c == b'(' || c == b'\n')
            .map_or(b.len(), |p| after + p);
        let text = code[i..text_end].trim().to_string();
        for p in use_tree(b, after) {
            let mut full = base.clone();
            full.extend(p);
            out.push((full, text.clone()));
        }
        i = after;
    }
    out
}

/// The files among `files` (path under `src/`, contents) that are test modules declared out
/// of line (`#[cfg(test)] mod tests;`), with everything under them.
pub fn test_module_files(files: &[(String, String)]) -> BTreeSet<String> {
    let mut test_modules: BTreeSet<Vec<String>> = BTreeSet::new();
    for (rel, src) in files {
        let Some(path) = module_path(rel) else {
            continue;
        };
        for t in lex::test_items(&lex::mask(src).code) {
            if let Some(name) = t.out_of_line_mod {
                let mut p = path.clone();
                p.push(name);
                test_modules.insert(p);
            }
        }
    }
    files
        .iter()
        .filter(|(rel, _)| {
            module_path(rel).is_some_and(|p| test_modules.iter().any(|t| p.starts_with(t)))
        })
        .map(|(rel, _)| rel.clone())
        .collect()
}

/// The module cycles among `files` (path under `src/`, contents) of one crate.
pub fn cycles(files: &[(String, String)]) -> Vec<Cycle> {
    // Modules and their masked code, test code left out.
    let tests = test_module_files(files);
    let mut modules: BTreeMap<Vec<String>, (String, String)> = BTreeMap::new();
    for (rel, src) in files {
        let Some(path) = module_path(rel) else {
            continue;
        };
        if tests.contains(rel) {
            continue;
        }
        let masked = lex::mask(src);
        let ranges: Vec<_> = lex::test_items(&masked.code)
            .into_iter()
            .map(|t| t.range)
            .collect();
        modules.insert(
            path,
            (rel.clone(), lex::blank_ranges(&masked.code, &ranges)),
        );
    }
    // Edges between modules neither of which contains the other.
    type Edge = (String, String, String, String);
    let mut edges: BTreeMap<(String, String), Edge> = BTreeMap::new();
    for (here, (rel, code)) in &modules {
        for (named, text) in references(code, here) {
            let target = (0..=named.len())
                .rev()
                .map(|n| &named[..n])
                .find(|p| modules.contains_key(*p))
                .unwrap_or(&[]);
            if target.starts_with(here) || here.starts_with(target) {
                continue;
            }
            let (a, b) = (here.join("::"), target.join("::"));
            edges
                .entry((a.clone(), b.clone()))
                .or_insert((a, b, rel.clone(), text));
        }
    }
    strongly_connected(edges.keys())
        .into_iter()
        .map(|scc| Cycle {
            edges: edges
                .values()
                .filter(|(a, b, _, _)| scc.contains(a) && scc.contains(b))
                .cloned()
                .collect(),
            members: scc.into_iter().collect(),
        })
        .collect()
}

/// The strongly connected components of more than one node of a directed graph.
fn strongly_connected<'a>(
    edges: impl Iterator<Item = &'a (String, String)>,
) -> Vec<BTreeSet<String>> {
    let mut adj: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in edges {
        adj.entry(a).or_default().push(b);
        adj.entry(b).or_default();
    }
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from];
        while let Some(n) = stack.pop() {
            for &m in &adj[n] {
                if seen.insert(m) {
                    stack.push(m);
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&str, BTreeSet<&str>> = adj.keys().map(|&n| (n, reach(n))).collect();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    for (&n, r) in &reaches {
        if done.contains(n) || !r.contains(n) {
            continue;
        }
        let scc: BTreeSet<String> = r
            .iter()
            .filter(|m| reaches[**m].contains(n))
            .map(|m| (*m).to_string())
            .collect();
        done.extend(r.iter().filter(|m| reaches[**m].contains(n)));
        if scc.len() > 1 {
            out.push(scc);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
            .collect()
    }

    #[test]
    fn use_trees_and_expression_paths_are_resolved() {
        let here = vec!["ops".to_string(), "queues".to_string()];
        let code = "use crate::{a::b, c::{self, d::E}};\nlet x = super::tags::validate(1); super::super::f::<u8>();";
        let refs: Vec<Vec<String>> = references(code, &here)
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_string()).collect::<Vec<_>>();
        assert_eq!(
            refs,
            [
                s(&["a", "b"]),
                s(&["c"]),
                s(&["c", "d", "E"]),
                s(&["ops", "tags", "validate"]),
                s(&["f"])
            ]
        );
    }

    #[test]
    fn a_cycle_between_top_level_modules_is_found() {
        let c = cycles(&files(&[
            ("lib.rs", "//! x\nmod bus; mod bus_objects;"),
            ("bus.rs", "//! x\nuse crate::bus_objects::ObjectReader;"),
            ("bus_objects.rs", "//! x\nuse crate::bus::DeliveryError;"),
        ]));
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].members, ["bus", "bus_objects"]);
        assert!(
            c[0].to_string()
                .contains("bus_objects.rs uses crate::bus::DeliveryError")
        );
    }

    #[test]
    fn a_cycle_between_nested_siblings_is_found_through_super() {
        let c = cycles(&files(&[
            ("lib.rs", "mod ops;"),
            (
                "ops/mod.rs",
                "pub mod queues; pub mod tags; pub struct Call;",
            ),
            (
                "ops/queues.rs",
                "use super::Call; use crate::ops::tags::validate_tags;",
            ),
            ("ops/tags.rs", "pub type I = super::queues::QueueUrlInput;"),
        ]));
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].members, ["ops::queues", "ops::tags"]);
    }

    #[test]
    fn a_longer_cycle_through_nested_files_is_found() {
        let c = cycles(&files(&[
            ("a.rs", "use crate::b::c::X;"),
            ("b/mod.rs", "mod c; mod d;"),
            ("b/c.rs", "use super::d::Y;"),
            ("b/d.rs", "fn f() { crate::a::g(); }"),
            ("e.rs", "use crate::a::Z;"),
        ]));
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].members, ["a", "b::c", "b::d"]);
    }

    #[test]
    fn parents_children_tests_and_comments_make_no_cycle() {
        let c = cycles(&files(&[
            ("lib.rs", "mod bus; #[cfg(test)] mod tests;"),
            (
                "bus/mod.rs",
                "pub mod objects; use crate::bus::objects::ObjectReader;",
            ),
            (
                "bus/objects.rs",
                "use super::DeliveryError; // crate::tests",
            ),
            (
                "a.rs",
                "use crate::b::X;\n#[cfg(test)]\nmod tests { use crate::a::Y; use crate::b::Z; }",
            ),
            (
                "b.rs",
                "/// [`crate::a::Y`]\nfn f() { let s = \"crate::a\"; }\n#[cfg(test)]\nmod tests { use crate::a::Y; }",
            ),
            ("c.rs", "pub fn f() { crate::tests::helper(); }"),
            ("tests.rs", "use crate::c::f;"),
        ]));
        assert!(c.is_empty(), "{c:?}");
    }
}
