//! Reading and validating awsQuery parameters against IAM's model constraints.
//!
//! Each check answers AWS's `ValidationError` with the member name, the value and the
//! constraint as the model states it, so a client sees the message AWS would send.

use nimbus_wire::query::de::OwnText;
use nimbus_wire::validation;

use crate::error::{IamError, IamErrorCode};
use crate::input::IamInput;

/// A required member's text.
pub(crate) fn req<'a>(member: &'a OwnText, name: &str) -> Result<&'a str, IamError> {
    member.get().ok_or_else(|| IamError::missing(name))
}

/// An optional integer member in `min..=max`.
pub(crate) fn int(
    member: &OwnText,
    name: &str,
    min: i64,
    max: i64,
) -> Result<Option<i64>, IamError> {
    let Some(raw) = member.get() else {
        return Ok(None);
    };
    let n: i64 = raw
        .trim()
        .parse()
        .map_err(|_| IamError::constraint(name, raw, "Member must be a number"))?;
    if let Some(c) = validation::range(n, min, max) {
        return Err(IamError::constraint(name, raw, &c));
    }
    Ok(Some(n))
}

/// An optional boolean member (`true` / `false`, any case).
pub(crate) fn bool(member: &OwnText, name: &str) -> Result<Option<bool>, IamError> {
    match member.get() {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(v) => Err(IamError::constraint(name, v, "Member must be a boolean")),
    }
}

/// `MaxItems` (1–1000, default 100) and `Marker` of a list operation.
pub(crate) fn page(p: &IamInput) -> Result<Page, IamError> {
    let max_items = int(&p.max_items, "MaxItems", 1, 1000)?.unwrap_or(100) as usize;
    let marker = match p.marker.get() {
        Some(m) => {
            length("Marker", m, 1, 320)?;
            Some(m.to_owned())
        }
        None => None,
    };
    Ok(Page { max_items, marker })
}

/// The tags of `Tags.member.N.Key` / `.Value`, validated.
pub(crate) fn tags(p: &IamInput) -> Result<Vec<(String, String)>, IamError> {
    let mut tags: Vec<(String, String)> = Vec::new();
    let entries = p.tags.as_ref().map_or(&[][..], |t| &t.0[..]);
    for entry in entries {
        let key = entry
            .key
            .get()
            .ok_or_else(|| IamError::missing("Tags.member.Key"))?;
        let value = entry.value.get().unwrap_or("");
        tag_key(key)?;
        tag_value(value)?;
        if tags.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)) {
            return Err(IamError::new(
                IamErrorCode::InvalidInput,
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
            ));
        }
        tags.push((key.to_owned(), value.to_owned()));
    }
    if tags.len() > crate::limits::TAGS_PER_ENTITY {
        return Err(IamError::constraint(
            "Tags",
            "[…]",
            &format!(
                "Member must have length less than or equal to {}",
                crate::limits::TAGS_PER_ENTITY
            ),
        ));
    }
    Ok(tags)
}

/// A list request's page: how many items and where to resume.
#[derive(Clone, Debug, Default)]
pub(crate) struct Page {
    /// At most this many items.
    pub(crate) max_items: usize,
    /// The `Marker` from the previous page.
    pub(crate) marker: Option<String>,
}

/// Checks a string's length in characters.
pub(crate) fn length(name: &str, value: &str, min: usize, max: usize) -> Result<(), IamError> {
    match validation::length(value, min, max) {
        Some(c) => Err(IamError::constraint(name, value, &c)),
        None => Ok(()),
    }
}

fn pattern(
    name: &str,
    value: &str,
    pattern: &str,
    ok: impl Fn(char) -> bool,
) -> Result<(), IamError> {
    match validation::pattern(value, pattern, ok) {
        Some(c) => Err(IamError::constraint(name, value, &c)),
        None => Ok(()),
    }
}

/// `[\w+=,.@-]`: the characters of IAM entity names.
fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '=' | ',' | '.' | '@' | '-')
}

/// A role name: 1–64 of `[\w+=,.@-]`.
pub(crate) fn role_name(name: &str, value: &str) -> Result<(), IamError> {
    length(name, value, 1, 64)?;
    pattern(name, value, "[\\w+=,.@-]+", name_char)
}

/// A policy name (managed or inline): 1–128 of `[\w+=,.@-]`.
pub(crate) fn policy_name(name: &str, value: &str) -> Result<(), IamError> {
    length(name, value, 1, 128)?;
    pattern(name, value, "[\\w+=,.@-]+", name_char)
}

/// A role path: `/` or `/…/` of printable ASCII, up to 512 characters.
pub(crate) fn role_path(name: &str, value: &str) -> Result<(), IamError> {
    length(name, value, 1, 512)?;
    let ok = value == "/"
        || (value.len() >= 3
            && value.starts_with('/')
            && value.ends_with('/')
            && value.bytes().all(|b| (0x21..=0x7e).contains(&b)));
    if ok {
        Ok(())
    } else {
        Err(IamError::constraint(
            name,
            value,
            "Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)",
        ))
    }
}

/// A managed policy's path: `((/[A-Za-z0-9\.,\+@=_-]+)*)/`, up to 512 characters.
pub(crate) fn policy_path(name: &str, value: &str) -> Result<(), IamError> {
    length(name, value, 1, 512)?;
    let ok = value.starts_with('/')
        && value.ends_with('/')
        && !value.contains("//")
        && value.chars().all(|c| c == '/' || name_char(c));
    if ok {
        Ok(())
    } else {
        Err(IamError::constraint(
            name,
            value,
            "Member must satisfy regular expression pattern: ((/[A-Za-z0-9\\.,\\+@=_-]+)*)/",
        ))
    }
}

/// A role path prefix for `ListRoles`: `\u002F[\u0021-\u007F]*`, up to 512 characters.
pub(crate) fn role_path_prefix(name: &str, value: &str) -> Result<(), IamError> {
    length(name, value, 1, 512)?;
    if value.starts_with('/') && value.bytes().all(|b| (0x21..=0x7f).contains(&b)) {
        Ok(())
    } else {
        Err(IamError::constraint(
            name,
            value,
            "Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*",
        ))
    }
}

/// A role description: up to 1000 of `[\t\n\r\u0020-\u007E\u00A1-\u00FF]`.
pub(crate) fn role_description(name: &str, value: &str) -> Result<(), IamError> {
    length(name, value, 0, 1000)?;
    pattern(
        name,
        value,
        "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*",
        |c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{a1}'..='\u{ff}'),
    )
}

/// A policy description: up to 1000 characters.
pub(crate) fn policy_description(name: &str, value: &str) -> Result<(), IamError> {
    length(name, value, 0, 1000)
}

/// An ARN parameter: 20–2048 characters.
pub(crate) fn arn(name: &str, value: &str) -> Result<(), IamError> {
    length(name, value, 20, 2048)
}

/// `\p{L}\p{Z}\p{N}_.:/=+\-@`: the characters of tag keys and values.
fn tag_char(c: char) -> bool {
    c.is_alphanumeric()
        || (c.is_whitespace() && !c.is_control())
        || matches!(c, '_' | '.' | ':' | '/' | '=' | '+' | '-' | '@')
}

/// A tag key: 1–128 characters.
pub(crate) fn tag_key(value: &str) -> Result<(), IamError> {
    length("Tags.member.key", value, 1, 128)?;
    pattern(
        "Tags.member.key",
        value,
        "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+",
        tag_char,
    )
}

/// A tag value: 0–256 characters.
pub(crate) fn tag_value(value: &str) -> Result<(), IamError> {
    length("Tags.member.value", value, 0, 256)?;
    pattern(
        "Tags.member.value",
        value,
        "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*",
        tag_char,
    )
}

#[cfg(test)]
mod tests {
    use nimbus_wire::query::QueryParams;

    use super::*;

    #[test]
    fn role_names() {
        assert!(role_name("RoleName", "lambda-role_1+=,.@").is_ok());
        assert!(role_name("RoleName", "").is_err());
        assert!(role_name("RoleName", &"a".repeat(64)).is_ok());
        assert!(role_name("RoleName", &"a".repeat(65)).is_err());
        assert!(role_name("RoleName", "has space").is_err());
        assert!(role_name("RoleName", "slash/").is_err());
    }

    #[test]
    fn paths() {
        assert!(role_path("Path", "/").is_ok());
        assert!(role_path("Path", "/service-role/").is_ok());
        assert!(role_path("Path", "/a/b/").is_ok());
        assert!(role_path("Path", "//").is_err());
        assert!(role_path("Path", "nope").is_err());
        assert!(role_path("Path", "/no-trailing").is_err());
        assert!(policy_path("Path", "/").is_ok());
        assert!(policy_path("Path", "/a.b/c/").is_ok());
        assert!(policy_path("Path", "/a//").is_err());
        assert!(policy_path("Path", "/a*b/").is_err());
        assert!(role_path_prefix("PathPrefix", "/app").is_ok());
        assert!(role_path_prefix("PathPrefix", "app").is_err());
    }

    #[test]
    fn numbers_and_booleans() {
        let q = QueryParams::from_pairs([("MaxItems", "0"), ("OnlyAttached", "TRUE")]);
        let p = crate::input::read(&q).unwrap();
        assert!(int(&p.max_items, "MaxItems", 1, 1000).is_err());
        assert!(int(&OwnText(Some("x".into())), "N", 1, 10).is_err());
        assert_eq!(int(&p.max_session_duration, "N", 1, 10).unwrap(), None);
        assert_eq!(bool(&p.only_attached, "OnlyAttached").unwrap(), Some(true));
        assert!(page(&p).is_err());
    }

    fn read_tags(pairs: &[(&str, &str)]) -> Result<Vec<(String, String)>, IamError> {
        let q = QueryParams::from_pairs(pairs.iter().copied());
        tags(&crate::input::read(&q)?)
    }

    #[test]
    fn tag_lists() {
        assert!(matches!(
            read_tags(&[
                ("Tags.member.1.Key", "env"),
                ("Tags.member.1.Value", "dev"),
                ("Tags.member.2.Key", "ENV"),
                ("Tags.member.2.Value", "prod"),
            ]),
            Err(ref e) if e.kind() == IamErrorCode::InvalidInput
        ));
        assert_eq!(
            read_tags(&[("Tags.member.1.Key", "a b:c"), ("Tags.member.1.Value", "")]).unwrap(),
            vec![("a b:c".to_string(), String::new())]
        );
        assert!(read_tags(&[("Tags.member.1.Key", "bad*")]).is_err());
        assert_eq!(
            read_tags(&[
                ("Tags.member.10.Key", "b"),
                ("Tags.member.2.Key", "a"),
                ("Tags.member.x.Key", "c"),
                ("Tags.1.Key", "d"),
            ])
            .unwrap(),
            vec![
                ("a".to_string(), String::new()),
                ("b".to_string(), String::new())
            ]
        );
    }
}
