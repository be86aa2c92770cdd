//! Who is calling: the account a request acts in and, in strict mode, proof of its secret.

use nimbus_core::AccountId;
use nimbus_wire::sigv4::{self, AuthError, Signature};

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

impl nimbus_core::bus::CredentialLookup for AuthConfig {
    fn secret(&self, access_key: &str) -> Option<(String, AccountId)> {
        self.credentials
            .iter()
            .find(|c| c.access_key == access_key)
            .map(|c| (c.secret_key.clone(), c.account.clone()))
    }
}

/// Verifies a signed request in strict mode (see [`sigv4::verify`]).
pub fn verify(
    sig: &Signature,
    creds: &Credentials,
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
        &creds.secret_key,
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
