//! Which condition keys a set of policies reads ([`Policies::reads`], from each policy's
//! [`KeySet`], known since parsing), and the builder that fills a request's [`Context`] with
//! only those ([`ContextBuilder`]).
//!
//! A decision depends on the context only through the keys the policies' conditions name
//! and the policy variables (`${aws:username}`, `${aws:PrincipalTag/team}`, `${s3:prefix}`)
//! their resources and condition values hold: a key that no policy reads cannot change any
//! decision, so a service need not build it. Evaluating with the context restricted to
//! [`Policies::reads`] gives the decision of the full context (a property test checks it).

use crate::evaluate::Policies;
use crate::keyset::{KeySet, empty};
use crate::request::{Context, Principal, principal_keys};

impl<'p> Policies<'p> {
    fn sets(&self) -> impl Iterator<Item = &'p KeySet> + use<'p> {
        self.identity
            .iter()
            .chain(self.resource)
            .chain(self.session)
            .chain(self.boundary)
            .map(|p| p.reads())
    }

    /// Whether some policy reads `key` (any case).
    pub fn reads(&self, key: &str) -> bool {
        self.sets().any(|s| s.contains(key))
    }

    /// Whether some policy reads a key of the family `prefix` ([`KeySet::contains_prefix`]).
    pub fn reads_prefix(&self, prefix: &str) -> bool {
        self.sets().any(|s| s.contains_prefix(prefix))
    }

    /// Whether some policy reads `prefix` + `suffix` ([`KeySet::contains_in`]).
    pub fn reads_in(&self, prefix: &str, suffix: &str) -> bool {
        self.sets().any(|s| s.contains_in(prefix, suffix))
    }

    /// Whether some policy reads any condition key: when none does, the decision needs no
    /// context at all.
    pub fn reads_any_key(&self) -> bool {
        self.sets().any(|s| !s.is_empty())
    }
}

/// Which keys a [`ContextBuilder`] keeps.
#[derive(Clone, Copy, Debug)]
enum Wanted<'a> {
    /// Every key (a context for any policy).
    All,
    /// The keys these policies read.
    ReadBy(Policies<'a>),
    /// The keys of this set.
    Set(&'a KeySet),
}

fn wants(wanted: Wanted<'_>, key: &str) -> bool {
    match wanted {
        Wanted::All => true,
        Wanted::ReadBy(p) => p.reads(key),
        Wanted::Set(s) => s.contains(key),
    }
}

/// Fills a [`Context`] with only the keys the policies to be evaluated read: every
/// `insert` first asks whether the key is wanted, so a key nobody reads costs neither its
/// name nor its value (values given as closures or borrowed strings are not built).
#[derive(Debug)]
pub struct ContextBuilder<'a> {
    context: Context,
    wanted: Wanted<'a>,
}

impl<'a> ContextBuilder<'a> {
    /// A builder that keeps every key (the full context).
    pub fn all() -> ContextBuilder<'static> {
        ContextBuilder {
            context: Context::new(),
            wanted: Wanted::All,
        }
    }

    /// A builder that keeps the keys `policies` read. When only one of them reads any key
    /// (a resource policy beside an unrestricted identity side, the common case), each
    /// question asks that policy's set alone.
    pub fn for_policies(policies: &Policies<'a>) -> ContextBuilder<'a> {
        let mut reading = policies.sets().filter(|s| !s.is_empty());
        let wanted = match (reading.next(), reading.next()) {
            (None, _) => Wanted::Set(empty()),
            (Some(one), None) => Wanted::Set(one),
            _ => Wanted::ReadBy(*policies),
        };
        ContextBuilder {
            context: Context::new(),
            wanted,
        }
    }

    /// A builder that keeps the keys of `set`.
    pub fn for_keys(set: &'a KeySet) -> ContextBuilder<'a> {
        ContextBuilder {
            context: Context::new(),
            wanted: Wanted::Set(set),
        }
    }

    /// Whether `key` (any case) is wanted.
    pub fn wants(&self, key: &str) -> bool {
        wants(self.wanted, key)
    }

    /// Whether some key of the family `prefix` (`aws:ResourceTag/`…) is wanted: a service
    /// skips the family's loop when not.
    pub fn wants_prefix(&self, prefix: &str) -> bool {
        match self.wanted {
            Wanted::All => true,
            Wanted::ReadBy(p) => p.reads_prefix(prefix),
            Wanted::Set(s) => s.contains_prefix(prefix),
        }
    }

    /// Whether `prefix` + `suffix` is wanted, without building it.
    pub fn wants_in(&self, prefix: &str, suffix: &str) -> bool {
        match self.wanted {
            Wanted::All => true,
            Wanted::ReadBy(p) => p.reads_in(prefix, suffix),
            Wanted::Set(s) => s.contains_in(prefix, suffix),
        }
    }

    /// Sets a single-valued key when it is wanted (replacing an earlier value).
    pub fn insert(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        if self.wants(key) {
            self.context.insert(key, value);
        }
        self
    }

    /// Sets a key whose value costs something to build, building it only when wanted.
    pub fn insert_with(&mut self, key: &str, value: impl FnOnce() -> String) -> &mut Self {
        if self.wants(key) {
            self.context.insert(key, value());
        }
        self
    }

    /// Sets a multivalued key when it is wanted, building its values only then.
    pub fn insert_multi_with(
        &mut self,
        key: &str,
        values: impl FnOnce() -> Vec<String>,
    ) -> &mut Self {
        if self.wants(key) {
            self.context.insert_multi(key, values());
        }
        self
    }

    /// Sets the key `prefix` + `suffix` (`aws:ResourceTag/` + a tag's name) when it is
    /// wanted; the name is built only then.
    pub fn insert_in(&mut self, prefix: &str, suffix: &str, value: impl Into<String>) -> &mut Self {
        if self.wants_in(prefix, suffix) {
            let mut key = String::with_capacity(prefix.len() + suffix.len());
            key.push_str(prefix);
            key.push_str(suffix);
            self.context.insert(&key, value);
        }
        self
    }

    /// The value already set for `key`, if any.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.context.get(key)
    }

    /// Sets `aws:CurrentTime` and `aws:EpochTime` from `epoch_seconds`, formatting only the
    /// wanted ones.
    pub fn time(&mut self, epoch_seconds: i64) -> &mut Self {
        self.insert_with("aws:CurrentTime", || {
            crate::values::format_time(epoch_seconds)
        });
        self.insert_with("aws:EpochTime", || epoch_seconds.to_string())
    }

    /// The keys AWS derives from the caller (see [`Context::with_principal_keys`]), the
    /// wanted ones; keys already set are kept.
    pub fn principal_keys(&mut self, principal: &Principal) -> &mut Self {
        let wanted = self.wanted;
        principal_keys(&mut self.context, principal, |k| wants(wanted, k));
        self
    }

    /// The context built.
    pub fn finish(self) -> Context {
        self.context
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_builder_keeps_only_wanted_keys_and_builds_nothing_else() {
        let s = KeySet::from_keys(["aws:EpochTime", "aws:ResourceTag/team", "aws:username"]);
        let mut b = ContextBuilder::for_keys(&s);
        b.insert("aws:SourceIp", "10.0.0.1")
            .insert_with("aws:SecureTransport", || unreachable!("not wanted"))
            .time(1_700_000_000)
            .insert_in("aws:ResourceTag/", "Team", "blue")
            .insert_in("aws:ResourceTag/", "cost", "1")
            .principal_keys(&Principal::user("arn:aws:iam::111111111111:user/alice"));
        let c = b.finish();
        assert_eq!(c.get("aws:SourceIp"), None);
        assert_eq!(c.get("aws:CurrentTime"), None);
        assert_eq!(c.get("aws:EpochTime"), Some(&["1700000000".to_owned()][..]));
        assert_eq!(
            c.get("aws:ResourceTag/team"),
            Some(&["blue".to_owned()][..])
        );
        assert_eq!(c.get("aws:ResourceTag/cost"), None);
        assert_eq!(c.get("aws:username"), Some(&["alice".to_owned()][..]));
        assert_eq!(c.get("aws:PrincipalType"), None);
    }
}
