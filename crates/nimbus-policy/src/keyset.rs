//! The set of condition keys a compiled policy reads ([`KeySet`]), collected at parse time:
//! condition keys and policy variables, lower-cased, answered by exact name, by family prefix
//! (`s3:ExistingObjectTag/`…) or by a name in two parts, without allocating.

/// The condition keys a policy reads: condition keys and policy variables, lower-cased (AWS
/// compares key names without regard to case), each once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeySet {
    keys: Vec<Box<str>>,
    /// Bit `len % 64` set for each key's length: most keys a service offers are refused by
    /// one test, without comparing text.
    lengths: u64,
}

/// The bit of [`KeySet::lengths`] for a key of `len` bytes.
fn length_bit(len: usize) -> u64 {
    1 << (len % 64)
}

/// `a` equals `b` ignoring ASCII case, where `b` is already lower-case.
fn eq_lower(a: &[u8], lower: &[u8]) -> bool {
    a.len() == lower.len()
        && a.iter()
            .zip(lower)
            .all(|(x, y)| x.to_ascii_lowercase() == *y)
}

impl KeySet {
    /// The set of `keys` (any case).
    pub fn from_keys<'k>(keys: impl IntoIterator<Item = &'k str>) -> KeySet {
        let mut set = KeySet::default();
        for k in keys {
            set.add(k);
        }
        set
    }

    /// Adds `key` (any case).
    pub(crate) fn add(&mut self, key: &str) {
        if !self.contains(key) {
            self.keys.push(key.to_ascii_lowercase().into_boxed_str());
            self.lengths |= length_bit(key.len());
        }
    }

    /// Whether no key is read: the decision does not depend on the context at all.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys, lower-cased.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|k| &**k)
    }

    /// Whether `key` (any case) is read.
    pub fn contains(&self, key: &str) -> bool {
        self.lengths & length_bit(key.len()) != 0
            && self
                .keys
                .iter()
                .any(|k| eq_lower(key.as_bytes(), k.as_bytes()))
    }

    /// Whether some key of the family `prefix` (`s3:ExistingObjectTag/`, `aws:ResourceTag/`,
    /// `aws:RequestTag/`, `s3:RequestObjectTag/`; any case) is read.
    pub fn contains_prefix(&self, prefix: &str) -> bool {
        self.keys.iter().any(|k| {
            k.len() >= prefix.len() && eq_lower(prefix.as_bytes(), &k.as_bytes()[..prefix.len()])
        })
    }

    /// Whether the key `prefix` + `suffix` (`s3:ExistingObjectTag/` + a tag's name) is read,
    /// without building it.
    pub fn contains_in(&self, prefix: &str, suffix: &str) -> bool {
        let (p, s) = (prefix.as_bytes(), suffix.as_bytes());
        if self.lengths & length_bit(p.len() + s.len()) == 0 {
            return false;
        }
        self.keys.iter().any(|k| {
            let k = k.as_bytes();
            k.len() == p.len() + s.len() && eq_lower(p, &k[..p.len()]) && eq_lower(s, &k[p.len()..])
        })
    }
}

/// The empty set, for builders that keep nothing.
pub(crate) fn empty() -> &'static KeySet {
    static EMPTY: KeySet = KeySet {
        keys: Vec::new(),
        lengths: 0,
    };
    &EMPTY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_answer_exact_names_families_and_split_names_in_any_case() {
        let s = KeySet::from_keys(["aws:SourceIp", "s3:ExistingObjectTag/Env", "aws:sourceip"]);
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            ["aws:sourceip", "s3:existingobjecttag/env"]
        );
        assert!(s.contains("AWS:SOURCEIP"));
        assert!(!s.contains("aws:SourceIps"));
        assert!(s.contains_prefix("s3:ExistingObjectTag/"));
        assert!(!s.contains_prefix("aws:ResourceTag/"));
        assert!(s.contains_in("s3:ExistingObjectTag/", "ENV"));
        assert!(!s.contains_in("s3:ExistingObjectTag/", "en"));
        assert!(!s.contains_in("s3:ExistingObjectTag/", "envx"));
        assert!(!s.is_empty() && KeySet::default().is_empty());
    }
}
