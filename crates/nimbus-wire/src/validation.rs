//! The Smithy validation messages AWS answers when a member breaks its model constraint
//! (IAM's and STS's `ValidationError`, Lambda's and CloudWatch Logs' `ValidationException`):
//! `1 validation error detected: Value 'x' at 'roleName' failed to satisfy constraint:
//! Member must have length less than or equal to 64`.
//!
//! Services wrap these texts in their own error; the constraint texts come from the
//! model's `length`, `range` and `pattern` traits as AWS words them.

use std::borrow::Cow;

/// The message for member `member` (as AWS names it: `roleName`) whose `value` breaks
/// `constraint`.
pub fn message(member: &str, value: &str, constraint: &str) -> String {
    format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
    )
}

/// The message for a required member `member` that is absent.
pub fn missing(member: &str) -> String {
    format!(
        "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
    )
}

/// AWS names members in validation messages in lower camel case: an awsQuery field
/// `RoleName` is `roleName`.
pub fn member_name(field: &str) -> Cow<'_, str> {
    match field.chars().next() {
        Some(first) if first.is_uppercase() => {
            Cow::Owned(first.to_lowercase().chain(field.chars().skip(1)).collect())
        }
        _ => Cow::Borrowed(field),
    }
}

/// The `length` constraint `value` breaks, in characters: `Member must have length greater
/// than or equal to {min}` / `less than or equal to {max}`.
pub fn length(value: &str, min: usize, max: usize) -> Option<String> {
    let n = value.chars().count();
    if n < min {
        Some(format!(
            "Member must have length greater than or equal to {min}"
        ))
    } else if n > max {
        Some(format!(
            "Member must have length less than or equal to {max}"
        ))
    } else {
        None
    }
}

/// The `range` constraint `n` breaks: `Member must have value greater than or equal to
/// {min}` / `less than or equal to {max}`.
pub fn range(n: i64, min: i64, max: i64) -> Option<String> {
    if n < min {
        Some(format!(
            "Member must have value greater than or equal to {min}"
        ))
    } else if n > max {
        Some(format!(
            "Member must have value less than or equal to {max}"
        ))
    } else {
        None
    }
}

/// The `pattern` constraint `value` breaks when a character fails `ok`: `Member must satisfy
/// regular expression pattern: {pattern}`.
pub fn pattern(value: &str, pattern: &str, ok: impl Fn(char) -> bool) -> Option<String> {
    if value.chars().all(ok) {
        None
    } else {
        Some(format!(
            "Member must satisfy regular expression pattern: {pattern}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_in_aws_words() {
        assert_eq!(
            message(
                "roleName",
                "a b",
                "Member must satisfy regular expression pattern: [\\w+=,.@-]+"
            ),
            "1 validation error detected: Value 'a b' at 'roleName' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: [\\w+=,.@-]+"
        );
        assert_eq!(
            missing("policyArn"),
            "1 validation error detected: Value null at 'policyArn' failed to satisfy constraint: \
             Member must not be null"
        );
        assert_eq!(member_name("RoleName"), "roleName");
        assert_eq!(member_name("timeout"), "timeout");
        assert_eq!(member_name(""), "");
    }

    #[test]
    fn constraints() {
        let cases: &[(Option<String>, Option<&str>)] = &[
            (
                length("", 1, 64),
                Some("Member must have length greater than or equal to 1"),
            ),
            (length("héllo", 1, 5), None),
            (
                length("abcdef", 1, 5),
                Some("Member must have length less than or equal to 5"),
            ),
            (
                range(0, 1, 1000),
                Some("Member must have value greater than or equal to 1"),
            ),
            (
                range(1001, 1, 1000),
                Some("Member must have value less than or equal to 1000"),
            ),
            (range(5, 1, 1000), None),
            (
                pattern("a*", "[a]+", |c| c == 'a'),
                Some("Member must satisfy regular expression pattern: [a]+"),
            ),
            (pattern("aa", "[a]+", |c| c == 'a'), None),
        ];
        for (got, want) in cases {
            assert_eq!(got.as_deref(), *want);
        }
    }
}
