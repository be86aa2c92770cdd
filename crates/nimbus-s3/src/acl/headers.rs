//! The ACL a request asks for in its headers: a canned ACL (`x-amz-acl`) or explicit
//! grants (`x-amz-grant-read`, `-write`, `-read-acp`, `-write-acp`, `-full-control`, each a
//! comma-separated list of `id="…"`, `uri="…"` or `emailAddress="…"`), never both.

use http::{HeaderMap, StatusCode};

use super::{
    ALL_USERS, AUTHENTICATED_USERS, CannedAcl, Grant, Grantee, LOG_DELIVERY, Permission,
    is_canonical_id,
};
use crate::error::{S3Error, S3Result};

/// The grant headers, with the permission each grants.
pub const GRANT_HEADERS: [(&str, Permission); 5] = [
    ("x-amz-grant-read", Permission::Read),
    ("x-amz-grant-write", Permission::Write),
    ("x-amz-grant-read-acp", Permission::ReadAcp),
    ("x-amz-grant-write-acp", Permission::WriteAcp),
    ("x-amz-grant-full-control", Permission::FullControl),
];

/// The ACL a request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AclRequest {
    /// `x-amz-acl`.
    Canned(CannedAcl),
    /// `x-amz-grant-*`: exactly these grants (the owner gets nothing implicitly).
    Grants(Vec<Grant>),
}

impl AclRequest {
    /// The grants asked for, for a resource owned by `owner` in a bucket owned by
    /// `bucket_owner`.
    pub fn grants(&self, owner: &str, bucket_owner: &str) -> Vec<Grant> {
        match self {
            AclRequest::Canned(c) => c.grants(owner, bucket_owner),
            AclRequest::Grants(g) => g.clone(),
        }
    }

    /// Whether the request is `bucket-owner-full-control`, or grants that give the bucket
    /// owner full control and nobody anything (what a bucket with ACLs disabled accepts on
    /// its objects).
    pub fn is_bucket_owner_full_control(&self, bucket_owner: &str) -> bool {
        match self {
            AclRequest::Canned(c) => *c == CannedAcl::BucketOwnerFullControl,
            AclRequest::Grants(g) => super::is_owner_only(g, bucket_owner),
        }
    }
}

/// The ACL in `h`, if any. Errors as S3 gives them: both kinds at once, an unknown canned
/// ACL, a grant that cannot be read, an e-mail grantee.
pub fn parse(h: &HeaderMap) -> S3Result<Option<AclRequest>> {
    let canned = h.get("x-amz-acl");
    let any_grant = GRANT_HEADERS.iter().any(|(n, _)| h.contains_key(*n));
    if canned.is_some() && any_grant {
        return Err(S3Error::InvalidRequest(
            "Specifying both Canned ACLs and Header Grants is not allowed".into(),
        ));
    }
    if let Some(v) = canned {
        let v = v.to_str().unwrap_or("").trim();
        return CannedAcl::parse(v)
            .map(|c| Some(AclRequest::Canned(c)))
            .ok_or_else(|| S3Error::invalid_argument_named("", "x-amz-acl", v));
    }
    if !any_grant {
        return Ok(None);
    }
    let mut grants = Vec::new();
    for (name, permission) in GRANT_HEADERS {
        for value in h.get_all(name) {
            let value = value.to_str().map_err(|_| {
                S3Error::invalid_argument_named("Argument format not recognized", name, "")
            })?;
            for grantee in parse_grantees(name, value)? {
                let g = Grant {
                    grantee,
                    permission,
                };
                if !grants.contains(&g) {
                    grants.push(g);
                }
            }
        }
    }
    Ok(Some(AclRequest::Grants(grants)))
}

/// The grantees of one grant header's value.
fn parse_grantees(header: &str, value: &str) -> S3Result<Vec<Grantee>> {
    let unrecognised =
        || S3Error::invalid_argument_named("Argument format not recognized", header, value);
    let mut out = Vec::new();
    for item in value.split(',') {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let (kind, v) = item.split_once('=').ok_or_else(unrecognised)?;
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(v);
        out.push(grantee(kind.trim(), v).ok_or_else(unrecognised)??);
    }
    if out.is_empty() {
        return Err(unrecognised());
    }
    Ok(out)
}

/// The grantee of kind `kind` (`id`, `uri`, `emailAddress`, or the XML's `ID`, `URI`,
/// `EmailAddress`) with value `v`; `None` for an unknown kind.
pub fn grantee(kind: &str, v: &str) -> Option<S3Result<Grantee>> {
    Some(match kind {
        "id" | "ID" => canonical_user(v),
        "uri" | "URI" => group(v),
        "emailAddress" | "EmailAddress" => Err(unresolvable_email()),
        _ => return None,
    })
}

/// A `CanonicalUser` grantee, or `InvalidArgument` "Invalid id".
pub fn canonical_user(id: &str) -> S3Result<Grantee> {
    if is_canonical_id(id) {
        Ok(Grantee::CanonicalUser(id.to_ascii_lowercase()))
    } else {
        Err(S3Error::invalid_argument_named(
            "Invalid id",
            "CanonicalUser/ID",
            id,
        ))
    }
}

/// A `Group` grantee, or `InvalidArgument` "Invalid group uri".
pub fn group(uri: &str) -> S3Result<Grantee> {
    if [ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY].contains(&uri) {
        Ok(Grantee::Group(uri.to_owned()))
    } else {
        Err(S3Error::invalid_argument_named(
            "Invalid group uri",
            "Group/URI",
            uri,
        ))
    }
}

/// 400 `UnresolvableGrantByEmailAddress`: nimbus knows no account by e-mail address.
pub fn unresolvable_email() -> S3Error {
    S3Error::Other {
        status: StatusCode::BAD_REQUEST,
        code: "UnresolvableGrantByEmailAddress",
        message: "The e-mail address you provided does not match any account on record.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn canned_and_grant_headers() {
        assert_eq!(parse(&HeaderMap::new()).unwrap(), None);
        assert_eq!(
            parse(&headers(&[("x-amz-acl", "public-read")])).unwrap(),
            Some(AclRequest::Canned(CannedAcl::PublicRead))
        );
        let id = super::super::canonical_id("222222222222");
        let got = parse(&headers(&[
            (
                "x-amz-grant-read",
                &format!("id=\"{id}\", uri=\"{ALL_USERS}\""),
            ),
            ("x-amz-grant-full-control", &format!("id={id}")),
        ]))
        .unwrap();
        let Some(AclRequest::Grants(g)) = got else {
            panic!("grants expected")
        };
        assert_eq!(g.len(), 3);
        assert!(super::super::is_public(&g));
    }

    #[test]
    fn refusals() {
        let both = parse(&headers(&[
            ("x-amz-acl", "private"),
            ("x-amz-grant-read", "uri=\"x\""),
        ]));
        assert!(matches!(both, Err(S3Error::InvalidRequest(_))));
        assert!(parse(&headers(&[("x-amz-acl", "nope")])).is_err());
        assert!(parse(&headers(&[("x-amz-grant-read", "id=\"short\"")])).is_err());
        assert!(parse(&headers(&[("x-amz-grant-read", "garbage")])).is_err());
        let email = parse(&headers(&[("x-amz-grant-read", "emailAddress=\"a@b.c\"")]));
        assert!(
            matches!(email, Err(S3Error::Other { code, .. }) if code == "UnresolvableGrantByEmailAddress")
        );
    }
}
