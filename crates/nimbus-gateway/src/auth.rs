//! Who is calling: the account a request acts in and, in strict mode, proof of its secret.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use nimbus_core::AccountId;
use nimbus_core::access::Caller;
use nimbus_core::access::policy::Principal;
use nimbus_core::bus::identity::{self, IdentityDirectory, SessionLookup};
use nimbus_wire::sigv4::{self, AuthError, Signature};
use parking_lot::RwLock;

/// `--auth`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AuthMode {
    /// Any credentials are accepted; a 12-digit access key selects that account.
    #[default]
    Off,
    /// Only configured credentials, with verified signatures.
    Strict,
}

/// One configured access key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// The access key id.
    pub access_key: String,
    /// Its secret.
    pub secret_key: String,
    /// The account it belongs to.
    pub account: AccountId,
    /// The IAM user or role it acts as (`--credential KEY:SECRET:ACCOUNT:ARN`); `None`: the
    /// account's root user.
    pub principal_arn: Option<String>,
}

impl Credentials {
    /// The principal this key acts as: its user or role, else its account's root user.
    pub fn principal(&self) -> Principal {
        match self.principal_arn.as_deref() {
            Some(arn) => principal_of_arn(arn),
            None => Principal::root(self.account.as_str()),
        }
    }
}

/// The principal an IAM ARN names: a user, a role, an assumed-role session or a root user.
pub fn principal_of_arn(arn: &str) -> Principal {
    identity::principal_of_arn(arn)
}

/// The gateway's authentication settings.
#[derive(Clone, Debug, Default)]
pub struct AuthConfig {
    /// Off or strict.
    pub mode: AuthMode,
    /// The known access keys (used in strict mode; in off mode only to pick their account).
    pub credentials: Vec<Credentials>,
    /// The account for requests that select none.
    pub default_account: AccountId,
    /// `--enforce-iam`: evaluate the identity policies of users and role sessions (off: a
    /// principal may do whatever its account may; account boundaries and resource policies
    /// hold either way).
    pub enforce_iam: bool,
}

/// Who a request acts as, and the secret its signature is verified with in strict mode.
pub struct Identity<'a> {
    /// The account the request acts in (the default one for anonymous requests).
    pub account: AccountId,
    /// The secret to verify the signature with (strict mode only).
    pub secret: Option<Cow<'a, str>>,
    /// The caller.
    pub caller: Arc<Caller>,
}

/// The most root callers [`Callers`] keeps (beyond them each request builds its own).
const CALLER_CACHE: usize = 1024;

/// Root callers by account, built once: a plain access key's caller costs no allocation.
#[derive(Default)]
pub struct Callers {
    roots: RwLock<HashMap<AccountId, Arc<Caller>>>,
}

impl Callers {
    /// The root user of `account`.
    pub fn root(&self, account: &AccountId) -> Arc<Caller> {
        if let Some(c) = self.roots.read().get(account) {
            return c.clone();
        }
        let caller = Arc::new(Caller::root(account.as_str()));
        let mut roots = self.roots.write();
        if roots.len() < CALLER_CACHE {
            roots.insert(account.clone(), caller.clone());
        }
        caller
    }
}

impl AuthConfig {
    /// The account a request acts in, and the secret to verify it with in strict mode.
    ///
    /// Off: a configured key's account, else a 12-digit key's own number, else the default.
    /// Strict: the request must be signed with a configured key.
    pub fn identify(
        &self,
        sig: Option<&Signature>,
    ) -> Result<(AccountId, Option<&Credentials>), AuthError> {
        self.identify_key(sig.map(|s| s.credential.access_key.as_str()))
    }

    /// As [`AuthConfig::identify`], from the access key of whatever signature the request
    /// carries (SigV4's credential, SigV2's `AWSAccessKeyId`), `None` when unsigned.
    pub fn identify_key(
        &self,
        key: Option<&str>,
    ) -> Result<(AccountId, Option<&Credentials>), AuthError> {
        let known = key.and_then(|k| self.credentials.iter().find(|c| c.access_key == k));
        match self.mode {
            AuthMode::Off => {
                let account = known
                    .map(|c| c.account.clone())
                    .or_else(|| key.and_then(AccountId::parse))
                    .unwrap_or_else(|| self.default_account.clone());
                Ok((account, None))
            }
            AuthMode::Strict => {
                let Some(key) = key else {
                    return Err(AuthError::Missing(
                        "Request is missing Authentication Token".into(),
                    ));
                };
                match known {
                    Some(c) => Ok((c.account.clone(), Some(c))),
                    None => Err(AuthError::UnknownAccessKey(format!(
                        "The security token included in the request is invalid. (access key {key})"
                    ))),
                }
            }
        }
    }
}

impl AuthConfig {
    /// Who a request signed with `key` (and, for temporary credentials, `token`) acts as.
    /// `None` for `key` is an unsigned request the operation lets through (S3's anonymous
    /// and form-signed operations): anonymous under strict mode, the default account's root
    /// user otherwise. Temporary credentials this sandbox issued are honoured in both modes,
    /// and refused once expired.
    pub fn resolve<'a>(
        &'a self,
        key: Option<&str>,
        token: Option<&str>,
        directory: Option<&dyn IdentityDirectory>,
        callers: &Callers,
        now_millis: u64,
    ) -> Result<Identity<'a>, AuthError> {
        let Some(key) = key else {
            if self.mode == AuthMode::Strict {
                return Ok(Identity {
                    account: self.default_account.clone(),
                    secret: None,
                    caller: Arc::new(Caller::anonymous()),
                });
            }
            return Ok(Identity {
                account: self.default_account.clone(),
                secret: None,
                caller: callers.root(&self.default_account),
            });
        };
        if let (Some(token), Some(dir)) = (token, directory) {
            match dir.session(key, token, now_millis) {
                SessionLookup::Unknown => {}
                SessionLookup::Expired => {
                    return Err(AuthError::ExpiredToken(
                        "The security token included in the request is expired".into(),
                    ));
                }
                SessionLookup::Valid(session) => {
                    let caller = identity::caller_for(
                        directory,
                        session.principal,
                        session.session_policies,
                        self.enforce_iam,
                    );
                    let strict = self.mode == AuthMode::Strict;
                    return Ok(Identity {
                        account: session.account,
                        secret: strict.then_some(Cow::Owned(session.secret_key)),
                        caller: Arc::new(caller),
                    });
                }
            }
        }
        let configured = self.credentials.iter().any(|c| c.access_key == key);
        if !configured && let Some(k) = directory.and_then(|d| d.access_key(key)) {
            let caller = identity::caller_for(
                directory,
                Principal::user(&k.user_arn),
                Arc::from(Vec::new()),
                self.enforce_iam,
            );
            let strict = self.mode == AuthMode::Strict;
            return Ok(Identity {
                account: k.account,
                secret: strict.then_some(Cow::Owned(k.secret_key)),
                caller: Arc::new(caller),
            });
        }
        let (account, creds) = self.identify_key(Some(key))?;
        let known = creds.or_else(|| self.credentials.iter().find(|c| c.access_key == key));
        let caller = match known.filter(|c| c.principal_arn.is_some()) {
            Some(c) => Arc::new(identity::caller_for(
                directory,
                c.principal(),
                Arc::from(Vec::new()),
                self.enforce_iam,
            )),
            None => callers.root(&account),
        };
        Ok(Identity {
            account,
            secret: creds.map(|c| Cow::Borrowed(c.secret_key.as_str())),
            caller,
        })
    }
}

impl nimbus_core::bus::CredentialLookup for AuthConfig {
    fn signer(
        &self,
        access_key: &str,
        session_token: Option<&str>,
        directory: Option<&dyn IdentityDirectory>,
        now_millis: u64,
    ) -> nimbus_core::bus::FormSigner {
        use nimbus_core::bus::FormSigner;
        let callers = Callers::default();
        match self.resolve(
            Some(access_key),
            session_token,
            directory,
            &callers,
            now_millis,
        ) {
            Ok(identity) => FormSigner::Known {
                account: identity.account,
                caller: identity.caller,
                secret: identity.secret.map(Cow::into_owned),
            },
            Err(AuthError::ExpiredToken(_)) => FormSigner::Expired,
            Err(_) => FormSigner::Unknown,
        }
    }
}

/// Verifies a signed request in strict mode (see [`sigv4::verify`]).
pub fn verify(
    sig: &Signature,
    secret_key: &str,
    parts: &http::request::Parts,
    payload_sha256: &str,
    now_millis: u64,
) -> Result<(), AuthError> {
    sigv4::verify(
        sig,
        &parts.method,
        &parts.uri,
        &parts.headers,
        payload_sha256,
        secret_key,
        now_millis,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(key: &str) -> Signature {
        Signature {
            credential: sigv4::Credential {
                access_key: key.into(),
                date: "20260101".into(),
                region: "us-east-1".into(),
                service: "sqs".into(),
            },
            signed_headers: vec![],
            signature: String::new(),
            amz_date: String::new(),
            location: sigv4::Location::Header,
        }
    }

    #[test]
    fn off_mode_picks_accounts() {
        let cfg = AuthConfig::default();
        assert_eq!(cfg.identify(None).unwrap().0.as_str(), "000000000000");
        assert_eq!(
            cfg.identify(Some(&sig("test"))).unwrap().0.as_str(),
            "000000000000"
        );
        assert_eq!(
            cfg.identify(Some(&sig("111122223333"))).unwrap().0.as_str(),
            "111122223333"
        );
    }

    #[test]
    fn strict_mode_needs_known_keys() {
        let cfg = AuthConfig {
            mode: AuthMode::Strict,
            credentials: vec![Credentials {
                access_key: "AKID".into(),
                secret_key: "s".into(),
                account: AccountId::parse("123456789012").unwrap(),
                principal_arn: None,
            }],
            ..Default::default()
        };
        assert!(matches!(cfg.identify(None), Err(AuthError::Missing(_))));
        assert!(matches!(
            cfg.identify(Some(&sig("nope"))),
            Err(AuthError::UnknownAccessKey(_))
        ));
        let (acct, c) = cfg.identify(Some(&sig("AKID"))).unwrap();
        assert_eq!(acct.as_str(), "123456789012");
        assert!(c.is_some());
    }
}
