//! STS's temporary credentials, verifiable without storing them.
//!
//! A session token is its claims (the identity, the role, the expiry, the session policies)
//! as JSON, base64url-encoded, followed by an HMAC-SHA256 of them under a random key kept in
//! IAM's database (`settings.session_key`), so tokens survive a restart and cannot be forged
//! or altered. The access key id (`ASIA` and 16 characters, AWS's shape) and the secret are
//! derived from the token's nonce with the same key: the gateway recomputes the secret from
//! the token and verifies the request's signature with it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The prefix of every session token nimbus issues.
const TOKEN_PREFIX: &str = "NimbusSessionV2";

/// What a session token carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Claims {
    /// The account the session acts in.
    pub(crate) account: String,
    /// The session's ARN (`arn:aws:sts::…:assumed-role/Role/session`, or the user or root
    /// ARN for GetSessionToken).
    pub(crate) arn: String,
    /// `AROA…:session`, `AIDA…` or the account id.
    pub(crate) user_id: String,
    /// The assumed role's ARN (with its path), for AssumeRole sessions.
    #[serde(default)]
    pub(crate) role_arn: Option<String>,
    /// When the credentials expire, ms since the epoch.
    pub(crate) expires: u64,
    /// Makes every token (and its keys) distinct.
    pub(crate) nonce: String,
    /// The inline session policy.
    #[serde(default)]
    pub(crate) policy: Option<String>,
    /// The managed session policies' ARNs.
    #[serde(default)]
    pub(crate) policy_arns: Vec<String>,
    /// `SourceIdentity`.
    #[serde(default)]
    pub(crate) source_identity: Option<String>,
}

/// Issued credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Issued {
    /// `ASIA…`.
    pub(crate) access_key_id: String,
    /// The derived secret.
    pub(crate) secret_access_key: String,
    /// The sealed claims.
    pub(crate) session_token: String,
}

/// Seals and opens session tokens with one key.
#[derive(Clone)]
pub(crate) struct Sealer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer")
    }
}

impl Sealer {
    /// A sealer with `key`.
    pub(crate) fn new(key: &str) -> Sealer {
        Sealer {
            key: key.as_bytes().to_vec(),
        }
    }

    fn mac(&self, label: &str, data: &[u8]) -> [u8; 32] {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("any key length");
        m.update(label.as_bytes());
        m.update(b"\0");
        m.update(data);
        m.finalize().into_bytes().into()
    }

    /// The access key id of the session with `nonce`.
    fn access_key_id(&self, nonce: &str) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let d = self.mac("akid", nonce.as_bytes());
        let tail: String = d[..16]
            .iter()
            .map(|b| ALPHABET[(*b as usize) % 32] as char)
            .collect();
        format!("ASIA{tail}")
    }

    /// The secret of the session whose access key id is `akid`.
    pub(crate) fn secret(&self, akid: &str) -> String {
        let d = self.mac("secret", akid.as_bytes());
        let mut s = base64::engine::general_purpose::STANDARD.encode(d);
        s.truncate(40);
        s
    }

    /// Issues credentials for `claims`.
    pub(crate) fn issue(&self, claims: &Claims) -> Issued {
        let json = serde_json::to_vec(claims).unwrap_or_default();
        let mac = self.mac("token", &json);
        let akid = self.access_key_id(&claims.nonce);
        Issued {
            secret_access_key: self.secret(&akid),
            access_key_id: akid,
            session_token: format!(
                "{TOKEN_PREFIX}{}.{}",
                URL_SAFE_NO_PAD.encode(&json),
                URL_SAFE_NO_PAD.encode(mac)
            ),
        }
    }

    /// The claims of a token this sealer issued (any expiry), or `None`.
    pub(crate) fn open(&self, token: &str) -> Option<Claims> {
        let (body, mac) = token.strip_prefix(TOKEN_PREFIX)?.split_once('.')?;
        let json = URL_SAFE_NO_PAD.decode(body).ok()?;
        let mac = URL_SAFE_NO_PAD.decode(mac).ok()?;
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).ok()?;
        m.update(b"token\0");
        m.update(&json);
        m.verify_slice(&mac).ok()?;
        serde_json::from_slice(&json).ok()
    }

    /// The claims of `token` if it is this sealer's and `access_key` is its key id.
    pub(crate) fn open_for(&self, access_key: &str, token: &str) -> Option<Claims> {
        let claims = self.open(token)?;
        (self.access_key_id(&claims.nonce) == access_key).then_some(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            account: "111111111111".into(),
            arn: "arn:aws:sts::111111111111:assumed-role/r/s".into(),
            user_id: "AROAX:s".into(),
            role_arn: Some("arn:aws:iam::111111111111:role/r".into()),
            expires: 10,
            nonce: "n".into(),
            policy: None,
            policy_arns: vec![],
            source_identity: None,
        }
    }

    #[test]
    fn tokens_open_only_with_their_key_and_access_key() {
        let s = Sealer::new("k");
        let issued = s.issue(&claims());
        assert!(issued.access_key_id.starts_with("ASIA"));
        assert_eq!(issued.access_key_id.len(), 20);
        assert_eq!(issued.secret_access_key.len(), 40);
        assert_eq!(
            s.open_for(&issued.access_key_id, &issued.session_token),
            Some(claims())
        );
        assert!(s.open_for("ASIAOTHER", &issued.session_token).is_none());
        assert!(Sealer::new("k2").open(&issued.session_token).is_none());
        let mut forged = issued.session_token.clone();
        forged.insert(TOKEN_PREFIX.len() + 3, 'x');
        assert!(s.open(&forged).is_none());
    }
}
