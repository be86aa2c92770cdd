//! Listings: a bucket's objects under a prefix, after a start key, rolled up into common
//! prefixes at a delimiter, one page at a time.
//!
//! A listing walks the bucket's ordered key map from the start position; when a key rolls
//! up into a common prefix the walk jumps past every key sharing it, so a page costs
//! O(page · log n) however the keys are grouped.

use std::ops::Bound;
use std::sync::Arc;

use super::Engine;
use crate::error::S3Result;
use crate::model::ObjectMeta;

/// What a listing asks for.
#[derive(Debug, Clone, Copy)]
pub struct ListRequest<'a> {
    /// Keys start with this.
    pub prefix: &'a str,
    /// Roll keys up into common prefixes at this (none when empty).
    pub delimiter: &'a str,
    /// Only keys (and prefixes) after this one.
    pub start_after: Option<&'a str>,
    /// At most this many entries.
    pub max: usize,
}

impl Engine {
    /// A page of the listing `req` of `bucket`.
    pub fn list_objects(&self, bucket: &str, req: &ListRequest<'_>) -> S3Result<Page> {
        self.with_bucket(bucket, |b| {
            Ok(walk(
                &b.objects,
                req.prefix,
                req.delimiter,
                req.start_after,
                req.max,
            ))
        })
    }
}

/// One entry of a listing page.
pub enum Entry {
    /// An object.
    Object(String, Arc<ObjectMeta>),
    /// A common prefix.
    Prefix(String),
}

impl Entry {
    /// The key or the common prefix.
    pub fn name(&self) -> &str {
        match self {
            Entry::Object(k, _) | Entry::Prefix(k) => k,
        }
    }
}

/// A page: its entries and whether more follow.
pub struct Page {
    /// Objects and common prefixes in order.
    pub entries: Vec<Entry>,
    /// Whether the listing was cut at `max`.
    pub truncated: bool,
}

/// Walks `objects` for keys under `prefix` after `start_after`, rolling keys up at
/// `delimiter`, up to `max` entries.
pub fn walk(
    objects: &std::collections::BTreeMap<String, Arc<ObjectMeta>>,
    prefix: &str,
    delimiter: &str,
    start_after: Option<&str>,
    max: usize,
) -> Page {
    let mut entries = Vec::new();
    let mut truncated = false;
    let mut lower: Bound<String> = match start_after {
        Some(s) if s >= prefix => Bound::Excluded(s.to_owned()),
        _ => Bound::Included(prefix.to_owned()),
    };
    let mut last_prefix: Option<String> = None;
    'outer: loop {
        let range = objects.range::<str, _>((lower.as_ref().map(String::as_str), Bound::Unbounded));
        for (key, meta) in range {
            if !key.starts_with(prefix) {
                break 'outer;
            }
            let rolled = if delimiter.is_empty() {
                None
            } else {
                key[prefix.len()..]
                    .find(delimiter)
                    .map(|i| key[..prefix.len() + i + delimiter.len()].to_owned())
            };
            match rolled {
                Some(cp) => {
                    let skip = last_prefix.as_deref() == Some(cp.as_str())
                        || start_after.is_some_and(|s| cp.as_str() <= s);
                    if !skip {
                        if entries.len() >= max {
                            truncated = true;
                            break 'outer;
                        }
                        entries.push(Entry::Prefix(cp.clone()));
                    }
                    // Jump past every key sharing this prefix.
                    let mut jump = cp.clone();
                    jump.push(char::MAX);
                    last_prefix = Some(cp);
                    lower = Bound::Excluded(jump);
                    continue 'outer;
                }
                None => {
                    if entries.len() >= max {
                        truncated = true;
                        break 'outer;
                    }
                    entries.push(Entry::Object(key.clone(), meta.clone()));
                }
            }
        }
        break;
    }
    Page { entries, truncated }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn objects(keys: &[&str]) -> BTreeMap<String, Arc<ObjectMeta>> {
        keys.iter()
            .map(|k| {
                (
                    k.to_string(),
                    Arc::new(ObjectMeta {
                        blob: String::new(),
                        size: 0,
                        etag: String::new(),
                        last_modified: 0,
                        headers: Default::default(),
                        checksum: None,
                        tags: vec![],
                        parts: 0,
                        owner: String::new(),
                        acl: None,
                    }),
                )
            })
            .collect()
    }

    fn names(p: &Page) -> Vec<&str> {
        p.entries.iter().map(Entry::name).collect()
    }

    #[test]
    fn delimiter_and_pages() {
        let o = objects(&["a/1", "a/2", "a/b/3", "b", "c/1", "d"]);
        let p = walk(&o, "", "/", None, 1000);
        assert_eq!(names(&p), ["a/", "b", "c/", "d"]);
        let p = walk(&o, "", "/", None, 2);
        assert_eq!(names(&p), ["a/", "b"]);
        assert!(p.truncated);
        let p = walk(&o, "", "/", Some("b"), 2);
        assert_eq!(names(&p), ["c/", "d"]);
        assert!(!p.truncated);
        let p = walk(&o, "", "/", Some("a/"), 1);
        assert_eq!(names(&p), ["b"]);
        let p = walk(&o, "a/", "/", None, 10);
        assert_eq!(names(&p), ["a/1", "a/2", "a/b/"]);
        let p = walk(&o, "a/", "", Some("a/1"), 10);
        assert_eq!(names(&p), ["a/2", "a/b/3"]);
    }
}
