//! The XML documents of ACLs, Object Ownership and Block Public Access: read from
//! PutBucketAcl/PutObjectAcl (`AccessControlPolicy`), PutBucketOwnershipControls
//! (`OwnershipControls`) and PutPublicAccessBlock (`PublicAccessBlockConfiguration`), and
//! written for their Get counterparts.

use http::StatusCode;
use nimbus_wire::xml::Writer;

use super::headers::{canonical_user, group, unresolvable_email};
use super::{
    Grant, Grantee, ObjectOwnership, Permission, PublicAccessBlock, canonical_id, display_name,
};
use crate::error::{S3Error, S3Result};

/// S3's namespace of response documents.
const XMLNS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// 400 `MalformedACLError`.
pub fn malformed_acl() -> S3Error {
    S3Error::Other {
        status: StatusCode::BAD_REQUEST,
        code: "MalformedACLError",
        message: "The XML you provided was not well-formed or did not validate against our published schema".into(),
    }
}

/// The grants of an `AccessControlPolicy` document. Anything not well formed, or without
/// its `AccessControlList`, or with a grant missing its grantee or permission, is
/// `MalformedACLError`; a bad id or group is `InvalidArgument`, an e-mail grantee
/// `UnresolvableGrantByEmailAddress`.
pub fn parse_access_control_policy(doc: &[u8]) -> S3Result<Vec<Grant>> {
    let root = crate::xmlin::parse(doc).map_err(|_| malformed_acl())?;
    if root.name != "AccessControlPolicy" {
        return Err(malformed_acl());
    }
    let list = root.child("AccessControlList").ok_or_else(malformed_acl)?;
    let mut grants = Vec::new();
    for g in list.children_named("Grant") {
        let permission = g
            .child_text("Permission")
            .and_then(|p| Permission::parse(p.trim()))
            .ok_or_else(malformed_acl)?;
        let e = g.child("Grantee").ok_or_else(malformed_acl)?;
        let grantee = if let Some(id) = e.child_text("ID") {
            canonical_user(id.trim())?
        } else if let Some(uri) = e.child_text("URI") {
            group(uri.trim())?
        } else if e.child("EmailAddress").is_some() {
            return Err(unresolvable_email());
        } else {
            return Err(malformed_acl());
        };
        let grant = Grant {
            grantee,
            permission,
        };
        if !grants.contains(&grant) {
            grants.push(grant);
        }
    }
    Ok(grants)
}

/// The `AccessControlPolicy` document of a resource owned by `owner` (an account) with
/// `grants`.
pub fn access_control_policy(owner: &str, grants: &[Grant]) -> String {
    let mut w = Writer::with_declaration();
    w.open_ns("AccessControlPolicy", XMLNS);
    w.open("Owner")
        .elem("ID", &canonical_id(owner))
        .elem("DisplayName", &display_name(owner))
        .close("Owner");
    w.open("AccessControlList");
    let owner_id = canonical_id(owner);
    for g in grants {
        w.open("Grant");
        match &g.grantee {
            Grantee::CanonicalUser(id) => {
                w.raw("<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\">");
                w.elem("ID", id);
                if *id == owner_id {
                    w.elem("DisplayName", &display_name(owner));
                }
            }
            Grantee::Group(uri) => {
                w.raw("<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"Group\">");
                w.elem("URI", uri);
            }
        }
        w.close("Grantee");
        w.elem("Permission", g.permission.name());
        w.close("Grant");
    }
    w.close("AccessControlList");
    w.close("AccessControlPolicy");
    w.finish()
}

/// The setting of an `OwnershipControls` document (exactly one rule; anything else is
/// `MalformedXML`).
pub fn parse_ownership_controls(doc: &[u8]) -> S3Result<ObjectOwnership> {
    let root = crate::xmlin::parse(doc)?;
    if root.name != "OwnershipControls" {
        return Err(S3Error::MalformedXml);
    }
    let mut rules = root.children_named("Rule");
    let (Some(rule), None) = (rules.next(), rules.next()) else {
        return Err(S3Error::MalformedXml);
    };
    rule.child_text("ObjectOwnership")
        .and_then(|s| ObjectOwnership::parse(s.trim()))
        .ok_or(S3Error::MalformedXml)
}

/// The `OwnershipControls` document of `ownership`.
pub fn ownership_controls(ownership: ObjectOwnership) -> String {
    let mut w = Writer::with_declaration();
    w.open_ns("OwnershipControls", XMLNS)
        .open("Rule")
        .elem("ObjectOwnership", ownership.name())
        .close("Rule")
        .close("OwnershipControls");
    w.finish()
}

/// A `PublicAccessBlockConfiguration` document (absent settings are false; a value other
/// than `true`/`false` is `MalformedXML`).
pub fn parse_public_access_block(doc: &[u8]) -> S3Result<PublicAccessBlock> {
    let root = crate::xmlin::parse(doc)?;
    if root.name != "PublicAccessBlockConfiguration" {
        return Err(S3Error::MalformedXml);
    }
    let flag = |name: &str| -> S3Result<bool> {
        match root.child_text(name).map(str::trim) {
            None => Ok(false),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(_) => Err(S3Error::MalformedXml),
        }
    };
    Ok(PublicAccessBlock {
        block_public_acls: flag("BlockPublicAcls")?,
        ignore_public_acls: flag("IgnorePublicAcls")?,
        block_public_policy: flag("BlockPublicPolicy")?,
        restrict_public_buckets: flag("RestrictPublicBuckets")?,
    })
}

/// The `PublicAccessBlockConfiguration` document of `b`.
pub fn public_access_block(b: &PublicAccessBlock) -> String {
    public_access_block_ns(b, XMLNS)
}

/// A `PublicAccessBlockConfiguration` document in namespace `xmlns` (S3's, or S3 Control's
/// for the account level).
pub fn public_access_block_ns(b: &PublicAccessBlock, xmlns: &str) -> String {
    let mut w = Writer::with_declaration();
    w.open_ns("PublicAccessBlockConfiguration", xmlns)
        .elem_display("BlockPublicAcls", b.block_public_acls)
        .elem_display("IgnorePublicAcls", b.ignore_public_acls)
        .elem_display("BlockPublicPolicy", b.block_public_policy)
        .elem_display("RestrictPublicBuckets", b.restrict_public_buckets)
        .close("PublicAccessBlockConfiguration");
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_acl_round_trips() {
        let owner = "111111111111";
        let grants = super::super::CannedAcl::PublicRead.grants(owner, owner);
        let doc = access_control_policy(owner, &grants);
        assert_eq!(parse_access_control_policy(doc.as_bytes()).unwrap(), grants);
    }

    #[test]
    fn bad_documents() {
        assert!(parse_access_control_policy(b"<nope").is_err());
        assert!(parse_access_control_policy(b"<AccessControlPolicy/>").is_err());
        let bad_perm = b"<AccessControlPolicy><AccessControlList><Grant><Grantee><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>ALL</Permission></Grant></AccessControlList></AccessControlPolicy>";
        assert!(
            matches!(parse_access_control_policy(bad_perm), Err(S3Error::Other { code, .. }) if code == "MalformedACLError")
        );
        assert_eq!(
            parse_ownership_controls(b"<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>").unwrap(),
            ObjectOwnership::ObjectWriter
        );
        assert!(parse_ownership_controls(b"<OwnershipControls><Rule><ObjectOwnership>Mine</ObjectOwnership></Rule></OwnershipControls>").is_err());
        let b = parse_public_access_block(b"<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls></PublicAccessBlockConfiguration>").unwrap();
        assert!(b.block_public_acls && !b.ignore_public_acls);
    }
}
