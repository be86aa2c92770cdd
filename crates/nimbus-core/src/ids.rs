//! Identifiers in the shapes AWS uses.

use rand::Rng;

/// A request id: a random UUID, as AWS's JSON and query services use.
pub fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A random UUID (message ids, event ids, execution environment ids).
pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `n` random bytes as lowercase hex.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill(&mut bytes[..]);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An IAM-style unique id: a four-letter prefix (`AROA` for roles, `ANPA` for policies,
/// `AIDA` for users) followed by 17 upper-case letters and digits.
pub fn iam_unique_id(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut rng = rand::rng();
    let tail: String = (0..17)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{prefix}{tail}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn shapes() {
        assert_eq!(super::request_id().len(), 36);
        assert_eq!(super::random_hex(8).len(), 16);
        let id = super::iam_unique_id("AROA");
        assert_eq!(id.len(), 21);
        assert!(id.starts_with("AROA"));
    }
}
