//! Policy documents: validation, size as IAM counts it, and the percent-encoding AWS returns.
//!
//! Documents are stored exactly as given and never enforced. IAM returns them URL-encoded
//! inside its XML responses (`%7B%22Version%22…`); botocore decodes them, aws-sdk-rust hands
//! the encoded string to the caller, as with AWS.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::error::{IamError, IamErrorCode};
use crate::params::length;

/// Everything but RFC 3986's unreserved characters is encoded, as AWS does.
const ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A document as IAM returns it in XML: percent-encoded UTF-8.
pub(crate) fn encode(document: &str) -> String {
    utf8_percent_encode(document, ENCODE).to_string()
}

/// A document's size as IAM's quotas count it: characters, whitespace excluded.
pub(crate) fn size(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
}

/// Checks the parameter `field` holds a policy document: the model's length and character
/// constraints (`ValidationError`), then JSON with a `Statement` whose entries each have an
/// `Effect` of `Allow` or `Deny` (`MalformedPolicyDocument`).
pub(crate) fn validate(field: &str, document: &str) -> Result<(), IamError> {
    length(field, document, 1, 131_072)?;
    if !document
        .chars()
        .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}'))
    {
        return Err(IamError::constraint(
            field,
            document,
            "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
        ));
    }
    check_structure(document).map_err(|m| IamError::new(IamErrorCode::MalformedPolicyDocument, m))
}

/// As [`validate`], then the policy language itself: the document must compile as an
/// identity policy (`MalformedPolicyDocument` with AWS's text otherwise). For the policies
/// IAM evaluates (inline and managed policies, session policies).
pub(crate) fn validate_identity(field: &str, document: &str) -> Result<(), IamError> {
    validate(field, document)?;
    nimbus_core::access::policy::Policy::identity(document)
        .map(drop)
        .map_err(|e| IamError::new(IamErrorCode::MalformedPolicyDocument, e.iam_message()))
}

/// The structural checks of a policy document; the error is AWS's message.
pub(crate) fn check_structure(document: &str) -> Result<(), String> {
    let syntax = || "Syntax errors in policy.".to_owned();
    let value: serde_json::Value = serde_json::from_str(document).map_err(|_| syntax())?;
    let obj = value.as_object().ok_or_else(syntax)?;
    if let Some(version) = obj.get("Version")
        && !matches!(version.as_str(), Some("2012-10-17" | "2008-10-17"))
    {
        return Err("The policy failed legacy parsing".into());
    }
    let statements: Vec<&serde_json::Value> = match obj.get("Statement") {
        None => return Err("Missing required field Statement".into()),
        Some(serde_json::Value::Array(list)) => list.iter().collect(),
        Some(single @ serde_json::Value::Object(_)) => vec![single],
        Some(_) => return Err(syntax()),
    };
    for statement in statements {
        let s = statement.as_object().ok_or_else(syntax)?;
        match s.get("Effect") {
            None => return Err("Missing required field Effect".into()),
            Some(serde_json::Value::String(e)) if e == "Allow" || e == "Deny" => {}
            Some(other) => {
                let shown = other
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| other.to_string());
                return Err(format!("Invalid effect: {shown}"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

    #[test]
    fn encodes_like_aws() {
        assert_eq!(
            encode(r#"{"Action":"sts:AssumeRole","Resource":"*"} x"#),
            "%7B%22Action%22%3A%22sts%3AAssumeRole%22%2C%22Resource%22%3A%22%2A%22%7D%20x"
        );
        assert_eq!(encode("2012-10-17_a.b~"), "2012-10-17_a.b~");
        assert_eq!(encode("é"), "%C3%A9");
    }

    #[test]
    fn accepts_real_documents() {
        assert!(validate("AssumeRolePolicyDocument", TRUST).is_ok());
        assert!(
            validate(
                "PolicyDocument",
                r#"{"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}"#
            )
            .is_ok()
        );
    }

    #[test]
    fn rejects_malformed_documents() {
        for bad in [
            "not json",
            "[]",
            r#"{"Version":"2012-10-17"}"#,
            r#"{"Version":"2099-01-01","Statement":[]}"#,
            r#"{"Statement":[{"Action":"*"}]}"#,
            r#"{"Statement":[{"Effect":"allow"}]}"#,
            r#"{"Statement":["x"]}"#,
        ] {
            assert!(
                matches!(
                    validate("PolicyDocument", bad),
                    Err(ref e) if e.kind() == IamErrorCode::MalformedPolicyDocument
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            validate("PolicyDocument", ""),
            Err(ref e) if e.kind() == IamErrorCode::Validation
        ));
        assert!(matches!(
            validate("PolicyDocument", "{\"Statement\":\"\u{0100}\"}"),
            Err(ref e) if e.kind() == IamErrorCode::Validation
        ));
    }

    #[test]
    fn size_ignores_whitespace() {
        assert_eq!(size("{ \"a\" :\n 1 }"), 7);
    }
}
