//! The decisions the S3 authorization point asks of ACLs and Block Public Access.
//!
//! Per the S3 User Guide, an ACL grant is an allow from the resource side, like a
//! bucket-policy statement: [`acl_allows`] says whether the ACL of a bucket or object lets
//! a caller exercise a [`Permission`] (which an action needs is [`acl_permission`]); the
//! authorization point treats a `true` as a resource-side allow, and an explicit `Deny` in
//! the bucket policy still wins. With ACLs disabled (`BucketOwnerEnforced`) an ACL grants
//! nothing to anyone but the owning account. `IgnorePublicAcls` makes grants to AllUsers
//! and AuthenticatedUsers count for nothing. [`restrict_public`] is `RestrictPublicBuckets`:
//! with a public bucket policy, only AWS service principals and callers of the bucket
//! owner's account may be let in by it.

use nimbus_core::access::policy::{Policy, Principal, PrincipalKind};

use super::errors::access_denied;
use super::{
    ALL_USERS, AUTHENTICATED_USERS, Grant, Grantee, LOG_DELIVERY, Permission, PublicAccessBlock,
    canonical_id,
};
use crate::error::S3Result;

/// The service principal S3's server access logging delivers as (the LogDelivery group).
const LOG_DELIVERY_SERVICE: &str = "logging.s3.amazonaws.com";

/// The ACL of a bucket or object, as a decision sees it.
#[derive(Debug, Clone, Copy)]
pub struct AclView<'a> {
    /// The owning account: a bucket's owner; an object's owner (the bucket owner's with
    /// ACLs disabled).
    pub owner: &'a str,
    /// The grants (`None`: the default ACL, the owner's FULL_CONTROL).
    pub grants: Option<&'a [Grant]>,
    /// ACLs are disabled (`BucketOwnerEnforced`): only the owner's account has access.
    pub disabled: bool,
}

/// Whether an action is decided by the bucket's ACL or the object's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AclTarget {
    /// The bucket's ACL.
    Bucket,
    /// The object's ACL.
    Object,
}

/// The ACL permission that lets a caller perform `action` (the S3 User Guide's "Mapping
/// of ACL permissions and access policy permissions"), and whose ACL decides; `None` for
/// actions no ACL grants (bucket configuration, deleting the bucket…).
pub fn acl_permission(action: &str) -> Option<(AclTarget, Permission)> {
    use AclTarget::*;
    use Permission::*;
    Some(match action {
        "s3:ListBucket" | "s3:ListBucketVersions" | "s3:ListBucketMultipartUploads" => {
            (Bucket, Read)
        }
        "s3:PutObject" | "s3:DeleteObject" | "s3:AbortMultipartUpload" => (Bucket, Write),
        "s3:GetBucketAcl" => (Bucket, ReadAcp),
        "s3:PutBucketAcl" => (Bucket, WriteAcp),
        "s3:GetObject"
        | "s3:GetObjectVersion"
        | "s3:GetObjectTorrent"
        | "s3:ListMultipartUploadParts" => (Object, Read),
        "s3:GetObjectAcl" | "s3:GetObjectVersionAcl" => (Object, ReadAcp),
        "s3:PutObjectAcl" | "s3:PutObjectVersionAcl" => (Object, WriteAcp),
        _ => return None,
    })
}

/// Whether the ACL `acl` lets `caller` exercise `permission`. The owner's account always
/// may read and write the ACL itself; every other right comes from a grant. A grant to a
/// canonical user matches every principal of that account, AllUsers everyone (anonymous
/// callers too), AuthenticatedUsers every signed caller, LogDelivery S3's log delivery.
/// With `ignore_public_acls`, grants to AllUsers and AuthenticatedUsers count for nothing.
pub fn acl_allows(
    acl: &AclView<'_>,
    caller: &Principal,
    permission: Permission,
    ignore_public_acls: bool,
) -> bool {
    let signed = !matches!(
        caller.kind,
        PrincipalKind::Anonymous | PrincipalKind::Service
    );
    let owner = signed && caller.account == acl.owner;
    if owner && (acl.disabled || acl.grants.is_none()) {
        return true;
    }
    if owner && matches!(permission, Permission::ReadAcp | Permission::WriteAcp) {
        return true;
    }
    if acl.disabled {
        return false;
    }
    let Some(grants) = acl.grants else {
        return false;
    };
    let mut caller_id: Option<String> = None;
    grants.iter().any(|g| {
        if !g.permission.covers(permission) {
            return false;
        }
        match &g.grantee {
            Grantee::CanonicalUser(id) => {
                signed
                    && !caller.account.is_empty()
                    && *caller_id.get_or_insert_with(|| {
                        caller
                            .canonical_user
                            .clone()
                            .unwrap_or_else(|| canonical_id(&caller.account))
                    }) == *id
            }
            Grantee::Group(uri) if uri == ALL_USERS => !ignore_public_acls,
            Grantee::Group(uri) if uri == AUTHENTICATED_USERS => !ignore_public_acls && signed,
            Grantee::Group(uri) if uri == LOG_DELIVERY => {
                caller.kind == PrincipalKind::Service && caller.arn == LOG_DELIVERY_SERVICE
            }
            Grantee::Group(_) => false,
        }
    })
}

/// `RestrictPublicBuckets`: whether an allow from the bucket policy may stand for
/// `caller`. With the setting on (bucket or account level, in `block`) and a public policy,
/// only AWS service principals and principals of the bucket owner's account get access
/// through it; otherwise every allow stands.
pub fn restrict_public(
    block: &PublicAccessBlock,
    policy_is_public: bool,
    caller: &Principal,
    bucket_owner: &str,
) -> bool {
    if !(block.restrict_public_buckets && policy_is_public) {
        return true;
    }
    caller.kind == PrincipalKind::Service
        || (caller.kind != PrincipalKind::Anonymous && caller.account == bucket_owner)
}

/// Whether a bucket policy is public in Block Public Access's sense: some `Allow` names
/// everyone without a condition that pins it down ([`Policy::is_public`], as
/// `PolicyStatus` reports it).
pub fn is_public_policy(policy: &Policy) -> bool {
    policy.is_public()
}

/// `BlockPublicAcls`: refuses (403 `AccessDenied`) setting `grants` when they are public.
pub fn check_public_acl(block: &PublicAccessBlock, grants: &[Grant]) -> S3Result<()> {
    if block.block_public_acls && super::is_public(grants) {
        return Err(access_denied());
    }
    Ok(())
}

/// `BlockPublicPolicy`: refuses (403 `AccessDenied`) storing `policy` when it is public.
pub fn check_public_policy(block: &PublicAccessBlock, policy: &Policy) -> S3Result<()> {
    if block.block_public_policy && is_public_policy(policy) {
        return Err(access_denied());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::CannedAcl;
    use super::*;

    const ONE: &str = "111111111111";
    const TWO: &str = "222222222222";

    fn view<'a>(grants: Option<&'a [Grant]>, disabled: bool) -> AclView<'a> {
        AclView {
            owner: ONE,
            grants,
            disabled,
        }
    }

    #[test]
    fn grants_decide_per_caller() {
        let anon = Principal::anonymous();
        let two = Principal::root(TWO);
        let alice = Principal::user("arn:aws:iam::111111111111:user/alice");
        let public = CannedAcl::PublicRead.grants(ONE, ONE);
        let auth = CannedAcl::AuthenticatedRead.grants(ONE, ONE);
        let to_two = vec![Grant::account(TWO, Permission::Write)];
        use Permission::*;
        // The owner's account, by default.
        assert!(acl_allows(&view(None, false), &alice, Read, false));
        assert!(!acl_allows(&view(None, false), &two, Read, false));
        // AllUsers: everyone, unless ignored.
        assert!(acl_allows(&view(Some(&public), false), &anon, Read, false));
        assert!(!acl_allows(&view(Some(&public), false), &anon, Read, true));
        assert!(!acl_allows(
            &view(Some(&public), false),
            &anon,
            Write,
            false
        ));
        // AuthenticatedUsers: signed callers only.
        assert!(acl_allows(&view(Some(&auth), false), &two, Read, false));
        assert!(!acl_allows(&view(Some(&auth), false), &anon, Read, false));
        // An account grant.
        assert!(acl_allows(&view(Some(&to_two), false), &two, Write, false));
        assert!(!acl_allows(&view(Some(&to_two), false), &two, Read, false));
        // The owner keeps READ_ACP/WRITE_ACP even when the grants leave it out.
        assert!(acl_allows(
            &view(Some(&to_two), false),
            &alice,
            WriteAcp,
            false
        ));
        assert!(!acl_allows(
            &view(Some(&to_two), false),
            &alice,
            Read,
            false
        ));
        // Disabled: only the owner's account.
        assert!(!acl_allows(&view(Some(&public), true), &anon, Read, false));
        assert!(acl_allows(&view(Some(&to_two), true), &alice, Read, false));
    }

    #[test]
    fn actions_map_to_permissions() {
        assert_eq!(
            acl_permission("s3:GetObject"),
            Some((AclTarget::Object, Permission::Read))
        );
        assert_eq!(
            acl_permission("s3:PutObject"),
            Some((AclTarget::Bucket, Permission::Write))
        );
        assert_eq!(acl_permission("s3:PutBucketPolicy"), None);
    }

    #[test]
    fn restrict_public_buckets() {
        let on = PublicAccessBlock::ALL;
        assert!(restrict_public(&on, false, &Principal::anonymous(), ONE));
        assert!(!restrict_public(&on, true, &Principal::anonymous(), ONE));
        assert!(!restrict_public(&on, true, &Principal::root(TWO), ONE));
        assert!(restrict_public(&on, true, &Principal::root(ONE), ONE));
        assert!(restrict_public(
            &on,
            true,
            &Principal::service("s3.amazonaws.com"),
            ONE
        ));
        let off = PublicAccessBlock::default();
        assert!(restrict_public(&off, true, &Principal::anonymous(), ONE));
    }
}
