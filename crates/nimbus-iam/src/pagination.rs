//! `Marker` / `MaxItems` pagination, the same for every IAM list operation.
//!
//! Items are sorted by a key; a page ends after `MaxItems` items and its `Marker` is the
//! next item's key, base64-encoded so it is opaque like AWS's. Resuming starts at the first
//! item whose key is at or after the marker's, so deleting items between pages neither
//! repeats nor skips the others.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{IamError, IamErrorCode};
use crate::params::Page;

/// One page of a list, and the marker of the next page if there is one.
pub(crate) struct Paged<T> {
    /// The items of this page.
    pub(crate) items: Vec<T>,
    /// `Some` when the list is truncated: the `Marker` to pass for the next page.
    pub(crate) next_marker: Option<String>,
}

/// Cuts `items` (in any order) into the page `page` asks for, ordering them by `key`.
pub(crate) fn paginate<T>(
    mut items: Vec<T>,
    key: impl Fn(&T) -> String,
    page: &Page,
) -> Result<Paged<T>, IamError> {
    let mut keyed: Vec<(String, T)> = items.drain(..).map(|t| (key(&t), t)).collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    let start = match &page.marker {
        None => 0,
        Some(m) => {
            let from = URL_SAFE_NO_PAD
                .decode(m)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| {
                    IamError::new(IamErrorCode::InvalidInput, format!("Invalid Marker: {m}"))
                })?;
            keyed.partition_point(|(k, _)| *k < from)
        }
    };
    let mut rest = keyed.into_iter().skip(start);
    let items: Vec<T> = rest.by_ref().take(page.max_items).map(|(_, t)| t).collect();
    let next_marker = rest.next().map(|(k, _)| URL_SAFE_NO_PAD.encode(k));
    Ok(Paged { items, next_marker })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(max_items: usize, marker: Option<String>) -> Page {
        Page { max_items, marker }
    }

    #[test]
    fn walks_every_item_once() {
        let items: Vec<String> = ["d", "a", "c", "b", "e"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut seen = Vec::new();
        let mut marker = None;
        loop {
            let p = paginate(items.clone(), |s| s.clone(), &page(2, marker)).unwrap();
            seen.extend(p.items);
            marker = p.next_marker;
            if marker.is_none() {
                break;
            }
        }
        assert_eq!(seen, ["a", "b", "c", "d", "e"]);
    }

    #[test]
    fn resumes_after_deletions() {
        let p = paginate(vec!["a", "b", "c"], |s| s.to_string(), &page(1, None)).unwrap();
        let m = p.next_marker.unwrap();
        // "b" (the marker's item) was deleted meanwhile: resume at "c".
        let p = paginate(vec!["a", "c"], |s| s.to_string(), &page(5, Some(m))).unwrap();
        assert_eq!(p.items, ["c"]);
        assert!(p.next_marker.is_none());
    }

    #[test]
    fn bad_marker() {
        assert!(paginate(vec![1], |n| n.to_string(), &page(1, Some("!!".into()))).is_err());
    }
}
