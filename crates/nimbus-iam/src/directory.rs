//! IAM's identities as the gateway and STS read them: [`IamDirectory`], nimbus-core's
//! `IdentityDirectory`, answering from compiled policies in memory.
//!
//! The cache is built from SQLite at start and rebuilt whole after every IAM write
//! ([`IamDirectory::reload`], serialized so a later write's rebuild is never replaced by an
//! earlier one's); requests never parse a policy. Sessions are the sealed tokens of
//! [`crate::session`]; their compiled session policies are cached by access key id.

use std::collections::HashMap;
use std::sync::Arc;

use nimbus_core::AccountId;
use nimbus_core::access::policy::{Policy, Principal};
use nimbus_core::bus::identity::{
    self, AccessKey, IdentityDirectory, IdentityPolicySet, Session, SessionLookup,
};
use parking_lot::{Mutex, RwLock};

use crate::error::IamError;
use crate::managed;
use crate::session::{Claims, Sealer};
use crate::store::Store;
use crate::user_store::Holder;

/// The most sessions whose compiled policies are kept (the cache empties when full).
const SESSION_CACHE: usize = 4096;

/// A role as STS needs it.
#[derive(Clone, Debug)]
pub(crate) struct RoleEntry {
    /// `AROA…`.
    pub(crate) role_id: String,
    /// The role's ARN, with its path.
    pub(crate) arn: String,
    /// Its path.
    pub(crate) path: String,
    /// Its name.
    pub(crate) name: String,
    /// Seconds.
    pub(crate) max_session_duration: i64,
    /// The trust policy, compiled (`None` if the stored document does not compile).
    pub(crate) trust: Option<Arc<Policy>>,
}

#[derive(Default)]
struct Compiled {
    identities: HashMap<String, IdentityPolicySet>,
    roles: HashMap<String, RoleEntry>,
    users: HashMap<String, String>,
    keys: HashMap<String, AccessKey>,
    managed: HashMap<String, Arc<Policy>>,
}

/// IAM's directory of identities: roles, users, their policies and keys, and sessions.
pub struct IamDirectory {
    store: Arc<Store>,
    sealer: Sealer,
    state: RwLock<Arc<Compiled>>,
    reloading: Mutex<()>,
    sessions: Mutex<HashMap<String, Arc<[Policy]>>>,
}

/// `account:kind:name` (lower-cased name) for the user or role an ARN names, whatever its
/// path.
fn principal_key(arn: &str) -> Option<String> {
    let mut parts = arn.splitn(6, ':');
    let (_, _, _, _, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let (kind, rest) = resource.split_once('/')?;
    let name = rest.rsplit('/').next()?;
    Some(format!("{account}:{kind}:{}", name.to_lowercase()))
}

fn compile(what: &str, doc: &str) -> Option<Policy> {
    match Policy::identity(doc) {
        Ok(p) => Some(p),
        Err(e) => {
            tracing::warn!(policy = what, error = %e.iam_message(), "stored policy does not compile; ignored");
            None
        }
    }
}

impl IamDirectory {
    /// The directory over `store`, built now.
    pub(crate) fn open(store: Arc<Store>) -> Result<IamDirectory, IamError> {
        let sealer = Sealer::new(&store.session_key()?);
        let dir = IamDirectory {
            store,
            sealer,
            state: RwLock::new(Arc::default()),
            reloading: Mutex::new(()),
            sessions: Mutex::new(HashMap::new()),
        };
        dir.reload()?;
        Ok(dir)
    }

    /// The sealer of STS's session tokens.
    pub(crate) fn sealer(&self) -> &Sealer {
        &self.sealer
    }

    /// Rebuilds the cache from the database (after an IAM write).
    pub(crate) fn reload(&self) -> Result<(), IamError> {
        let _one_at_a_time = self.reloading.lock();
        let snap = self.store.snapshot()?;
        let mut c = Compiled::default();
        for p in &snap.policies {
            if let Some(compiled) = compile(&p.arn, &p.document) {
                c.managed.insert(p.arn.clone(), Arc::new(compiled));
            }
        }
        let managed_policy = |c: &mut Compiled, arn: &str| -> Option<Arc<Policy>> {
            if let Some(p) = c.managed.get(arn) {
                return Some(p.clone());
            }
            let doc = managed::find(arn)?.document;
            let p = Arc::new(compile(arn, doc)?);
            c.managed.insert(arn.to_owned(), p.clone());
            Some(p)
        };
        let mut policies: HashMap<String, Vec<Policy>> = HashMap::new();
        let mut boundaries: HashMap<String, Arc<Policy>> = HashMap::new();
        let holder_key = |h: Holder, account: &str, name: &str| {
            let kind = match h {
                Holder::Role => "role",
                Holder::User => "user",
            };
            format!("{account}:{kind}:{}", name.to_lowercase())
        };
        for (h, account, name, doc) in &snap.inline {
            let key = holder_key(*h, account, name);
            if let Some(p) = compile(&key, doc) {
                policies.entry(key).or_default().push(p);
            }
        }
        for (h, account, name, arn) in &snap.attached {
            if let Some(p) = managed_policy(&mut c, arn) {
                policies
                    .entry(holder_key(*h, account, name))
                    .or_default()
                    .push((*p).clone());
            }
        }
        for (account, r) in &snap.roles {
            let key = holder_key(Holder::Role, account, &r.name);
            if let Some(b) = r.permissions_boundary.as_deref()
                && let Some(p) = managed_policy(&mut c, b)
            {
                boundaries.insert(key.clone(), p);
            }
            let trust = match Policy::resource(&r.assume_role_policy) {
                Ok(p) => Some(Arc::new(p)),
                Err(e) => {
                    tracing::warn!(role = %r.arn, error = %e.message(), "trust policy does not compile");
                    None
                }
            };
            c.roles.insert(
                key,
                RoleEntry {
                    role_id: r.role_id.clone(),
                    arn: r.arn.clone(),
                    path: r.path.clone(),
                    name: r.name.clone(),
                    max_session_duration: r.max_session_duration,
                    trust,
                },
            );
        }
        for (account, u) in &snap.users {
            let key = holder_key(Holder::User, account, &u.name);
            if let Some(b) = u.permissions_boundary.as_deref()
                && let Some(p) = managed_policy(&mut c, b)
            {
                boundaries.insert(key.clone(), p);
            }
            c.users.insert(key, u.user_id.clone());
        }
        for key in c.roles.keys().chain(c.users.keys()) {
            c.identities.insert(
                key.clone(),
                IdentityPolicySet {
                    policies: Arc::from(policies.remove(key).unwrap_or_default()),
                    boundary: boundaries.get(key).cloned(),
                },
            );
        }
        let arns: HashMap<String, String> = snap
            .users
            .iter()
            .map(|(a, u)| (holder_key(Holder::User, a, &u.name), u.arn.clone()))
            .collect();
        for k in snap.keys.into_iter().filter(|k| k.status == "Active") {
            let (Some(account), Some(arn)) = (
                AccountId::parse(&k.account),
                arns.get(&holder_key(Holder::User, &k.account, &k.user_name)),
            ) else {
                continue;
            };
            c.keys.insert(
                k.access_key_id,
                AccessKey {
                    secret_key: k.secret,
                    account,
                    user_arn: arn.clone(),
                },
            );
        }
        *self.state.write() = Arc::new(c);
        self.sessions.lock().clear();
        Ok(())
    }

    /// The role `arn` names (any path in the ARN matched against the stored one by the
    /// caller), if it exists.
    pub(crate) fn role(&self, arn: &str) -> Option<RoleEntry> {
        let key = principal_key(arn)?;
        self.state.read().roles.get(&key).cloned()
    }

    /// The unique id (`AIDA…`) of the user `arn` names, if it exists.
    pub(crate) fn user_id(&self, arn: &str) -> Option<String> {
        let key = principal_key(arn)?;
        self.state.read().users.get(&key).cloned()
    }

    /// The compiled session policies of a session's claims.
    fn session_policies(&self, akid: &str, claims: &Claims) -> Arc<[Policy]> {
        if claims.policy.is_none() && claims.policy_arns.is_empty() {
            return Arc::from(Vec::new());
        }
        if let Some(p) = self.sessions.lock().get(akid) {
            return p.clone();
        }
        let state = self.state.read().clone();
        let mut out = Vec::new();
        if let Some(doc) = &claims.policy {
            // Validated when issued; a document that no longer compiles allows nothing.
            out.push(compile("session policy", doc).unwrap_or_else(deny_all));
        }
        for arn in &claims.policy_arns {
            let p = state
                .managed
                .get(arn)
                .map(|p| (**p).clone())
                .or_else(|| managed::find(arn).and_then(|m| compile(arn, m.document)));
            out.push(p.unwrap_or_else(deny_all));
        }
        let out: Arc<[Policy]> = Arc::from(out);
        let mut cache = self.sessions.lock();
        if cache.len() >= SESSION_CACHE {
            cache.clear();
        }
        cache.insert(akid.to_owned(), out.clone());
        out
    }
}

/// A policy that allows nothing (a session policy that can no longer be read).
fn deny_all() -> Policy {
    Policy::identity(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#,
    )
    .expect("the deny-all policy parses")
}

/// The principal a session's claims name.
pub(crate) fn claims_principal(claims: &Claims) -> Principal {
    match &claims.role_arn {
        Some(role) => Principal::assumed_role(&claims.arn, role),
        None => identity::principal_of_arn(&claims.arn),
    }
}

impl IdentityDirectory for IamDirectory {
    fn session(&self, access_key: &str, session_token: &str, now_millis: u64) -> SessionLookup {
        let Some(claims) = self.sealer.open_for(access_key, session_token) else {
            return SessionLookup::Unknown;
        };
        if claims.expires <= now_millis {
            return SessionLookup::Expired;
        }
        let Some(account) = AccountId::parse(&claims.account) else {
            return SessionLookup::Unknown;
        };
        SessionLookup::Valid(Session {
            secret_key: self.sealer.secret(access_key),
            account,
            principal: claims_principal(&claims),
            session_policies: self.session_policies(access_key, &claims),
            expires_millis: claims.expires,
        })
    }

    fn identity_policies(&self, arn: &str) -> IdentityPolicySet {
        principal_key(arn)
            .and_then(|k| self.state.read().identities.get(&k).cloned())
            .unwrap_or_default()
    }

    fn access_key(&self, access_key: &str) -> Option<AccessKey> {
        self.state.read().keys.get(access_key).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_paths_and_case() {
        assert_eq!(
            principal_key("arn:aws:iam::111111111111:user/a/b/Alice").as_deref(),
            Some("111111111111:user:alice")
        );
        assert_eq!(
            principal_key("arn:aws:iam::111111111111:role/R").as_deref(),
            Some("111111111111:role:r")
        );
        assert_eq!(principal_key("arn:aws:iam::111111111111:root"), None);
    }
}
