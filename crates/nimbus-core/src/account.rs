//! AWS account ids and regions.

use std::fmt;

/// The account used when a request does not select one (LocalStack's default too).
pub const DEFAULT_ACCOUNT: &str = "000000000000";
/// The region used when neither configuration nor the request's signature names one.
pub const DEFAULT_REGION: &str = "us-east-1";

/// A 12-digit AWS account id.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct AccountId(String);

impl AccountId {
    /// Parses a 12-digit account id; anything else is `None`.
    pub fn parse(s: &str) -> Option<AccountId> {
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
            Some(AccountId(s.to_owned()))
        } else {
            None
        }
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for AccountId {
    fn default() -> Self {
        AccountId(DEFAULT_ACCOUNT.to_owned())
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountId({})", self.0)
    }
}

/// True for a syntactically valid region name such as `us-east-1` or `eu-central-2`.
pub fn is_valid_region(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_are_twelve_digits() {
        assert!(AccountId::parse("123456789012").is_some());
        assert!(AccountId::parse("12345678901").is_none());
        assert!(AccountId::parse("12345678901a").is_none());
        assert_eq!(AccountId::default().as_str(), DEFAULT_ACCOUNT);
    }

    #[test]
    fn regions() {
        assert!(is_valid_region("us-east-1"));
        assert!(!is_valid_region("US-EAST-1"));
        assert!(!is_valid_region(""));
    }
}
