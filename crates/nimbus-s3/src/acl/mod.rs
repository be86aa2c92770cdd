//! S3's access control lists, Object Ownership and Block Public Access, as data: the
//! grants an ACL holds ([`Grant`], [`Grantee`], [`Permission`]), the canned ACLs and what
//! they expand to ([`CannedAcl`]), the canonical user id every account has
//! ([`canonical_id`]), the bucket's [`ObjectOwnership`] and its [`PublicAccessBlock`].
//!
//! Reading them from a request is [`headers`] (`x-amz-acl`, `x-amz-grant-*`) and [`xml`]
//! (`AccessControlPolicy`, `OwnershipControls`, `PublicAccessBlockConfiguration`);
//! deciding with them is [`decide`], which the authorization point calls. Nothing here
//! knows buckets or objects: owners are account ids, ACLs are grant lists.

pub mod decide;
pub mod errors;
pub mod headers;
pub mod xml;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The URI of the group of everyone, signed or not.
pub const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
/// The URI of the group of every signed caller of any account.
pub const AUTHENTICATED_USERS: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
/// The URI of S3's log delivery group.
pub const LOG_DELIVERY: &str = "http://acs.amazonaws.com/groups/s3/LogDelivery";
/// The canonical user id AWS's `aws-exec-read` canned ACL grants READ to (EC2's `za-team`).
pub const EC2_EXEC_READ_ID: &str =
    "6aa5a366c34c1cbe25dc49211496e913e0351eb0e8c37aa3477e40942ec6b97c";

/// The 64-hex canonical user id of `account`: stable, derived from the account id alone.
pub fn canonical_id(account: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"nimbus canonical user id:");
    h.update(account.as_bytes());
    hex::encode(h.finalize())
}

/// The display name S3 shows beside `account`'s canonical id.
pub fn display_name(account: &str) -> String {
    format!("nimbus-{account}")
}

/// Whether `id` has the shape of a canonical user id (64 hex digits).
pub fn is_canonical_id(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// What a grant allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    /// `READ`: list a bucket, read an object.
    #[serde(rename = "READ")]
    Read,
    /// `WRITE`: create, overwrite and delete objects in a bucket.
    #[serde(rename = "WRITE")]
    Write,
    /// `READ_ACP`: read the ACL.
    #[serde(rename = "READ_ACP")]
    ReadAcp,
    /// `WRITE_ACP`: write the ACL.
    #[serde(rename = "WRITE_ACP")]
    WriteAcp,
    /// `FULL_CONTROL`: all four.
    #[serde(rename = "FULL_CONTROL")]
    FullControl,
}

impl Permission {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Permission::Read => "READ",
            Permission::Write => "WRITE",
            Permission::ReadAcp => "READ_ACP",
            Permission::WriteAcp => "WRITE_ACP",
            Permission::FullControl => "FULL_CONTROL",
        }
    }

    /// The permission named `s` on the wire.
    pub fn parse(s: &str) -> Option<Permission> {
        Some(match s {
            "READ" => Permission::Read,
            "WRITE" => Permission::Write,
            "READ_ACP" => Permission::ReadAcp,
            "WRITE_ACP" => Permission::WriteAcp,
            "FULL_CONTROL" => Permission::FullControl,
            _ => return None,
        })
    }

    /// Whether a grant of `self` covers `wanted`.
    pub fn covers(self, wanted: Permission) -> bool {
        self == Permission::FullControl || self == wanted
    }
}

/// Who a grant is to. (Grants by e-mail address are refused when they are made: nimbus,
/// like AWS in most regions, cannot resolve an address to an account.)
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Grantee {
    /// An account, by canonical user id.
    CanonicalUser(String),
    /// A predefined group, by URI ([`ALL_USERS`], [`AUTHENTICATED_USERS`], [`LOG_DELIVERY`]).
    Group(String),
}

impl Grantee {
    /// Whether this grantee makes a grant public (everyone, or every signed caller).
    pub fn is_public(&self) -> bool {
        matches!(self, Grantee::Group(u) if u == ALL_USERS || u == AUTHENTICATED_USERS)
    }
}

/// One grant of an ACL.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Grant {
    /// To whom.
    pub grantee: Grantee,
    /// What.
    pub permission: Permission,
}

impl Grant {
    /// A grant to the account `account`.
    pub fn account(account: &str, permission: Permission) -> Grant {
        Grant {
            grantee: Grantee::CanonicalUser(canonical_id(account)),
            permission,
        }
    }

    /// A grant to the group `uri`.
    pub fn group(uri: &str, permission: Permission) -> Grant {
        Grant {
            grantee: Grantee::Group(uri.to_owned()),
            permission,
        }
    }
}

/// Whether `grants` holds a public grant (to AllUsers or AuthenticatedUsers).
pub fn is_public(grants: &[Grant]) -> bool {
    grants.iter().any(|g| g.grantee.is_public())
}

/// Whether `grants` is exactly the owner's full control (the default ACL, `private`), so
/// that a bucket with ACLs disabled may carry it.
pub fn is_owner_only(grants: &[Grant], owner: &str) -> bool {
    let id = canonical_id(owner);
    grants
        .iter()
        .all(|g| matches!(&g.grantee, Grantee::CanonicalUser(c) if *c == id))
        && grants
            .iter()
            .any(|g| g.permission == Permission::FullControl)
}

/// The canned ACLs of `x-amz-acl`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CannedAcl {
    /// Owner FULL_CONTROL, nobody else.
    Private,
    /// And AllUsers READ.
    PublicRead,
    /// And AllUsers READ and WRITE.
    PublicReadWrite,
    /// And AuthenticatedUsers READ.
    AuthenticatedRead,
    /// And EC2 READ (AMI bundles).
    AwsExecRead,
    /// Object owner FULL_CONTROL, bucket owner READ (on a bucket: private).
    BucketOwnerRead,
    /// Object owner and bucket owner FULL_CONTROL (on a bucket: private).
    BucketOwnerFullControl,
    /// LogDelivery WRITE and READ_ACP.
    LogDeliveryWrite,
}

impl CannedAcl {
    /// The canned ACL named `s` (`x-amz-acl`).
    pub fn parse(s: &str) -> Option<CannedAcl> {
        Some(match s {
            "private" => CannedAcl::Private,
            "public-read" => CannedAcl::PublicRead,
            "public-read-write" => CannedAcl::PublicReadWrite,
            "authenticated-read" => CannedAcl::AuthenticatedRead,
            "aws-exec-read" => CannedAcl::AwsExecRead,
            "bucket-owner-read" => CannedAcl::BucketOwnerRead,
            "bucket-owner-full-control" => CannedAcl::BucketOwnerFullControl,
            "log-delivery-write" => CannedAcl::LogDeliveryWrite,
            _ => return None,
        })
    }

    /// The grants the ACL expands to for a resource owned by `owner` in a bucket owned by
    /// `bucket_owner` (the same account for a bucket).
    pub fn grants(self, owner: &str, bucket_owner: &str) -> Vec<Grant> {
        use Permission::*;
        let mut g = vec![Grant::account(owner, FullControl)];
        match self {
            CannedAcl::Private => {}
            CannedAcl::PublicRead => g.push(Grant::group(ALL_USERS, Read)),
            CannedAcl::PublicReadWrite => {
                g.push(Grant::group(ALL_USERS, Read));
                g.push(Grant::group(ALL_USERS, Write));
            }
            CannedAcl::AuthenticatedRead => g.push(Grant::group(AUTHENTICATED_USERS, Read)),
            CannedAcl::AwsExecRead => g.push(Grant {
                grantee: Grantee::CanonicalUser(EC2_EXEC_READ_ID.to_owned()),
                permission: Read,
            }),
            CannedAcl::BucketOwnerRead if owner != bucket_owner => {
                g.push(Grant::account(bucket_owner, Read))
            }
            CannedAcl::BucketOwnerFullControl if owner != bucket_owner => {
                g.push(Grant::account(bucket_owner, FullControl))
            }
            CannedAcl::BucketOwnerRead | CannedAcl::BucketOwnerFullControl => {}
            CannedAcl::LogDeliveryWrite => {
                g.push(Grant::group(LOG_DELIVERY, Write));
                g.push(Grant::group(LOG_DELIVERY, ReadAcp));
            }
        }
        g
    }
}

/// A bucket's Object Ownership setting (`OwnershipControls`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObjectOwnership {
    /// ACLs disabled; the bucket owner owns every object (AWS's default since April 2023).
    BucketOwnerEnforced,
    /// The bucket owner owns objects written with `bucket-owner-full-control`.
    BucketOwnerPreferred,
    /// The writing account owns its objects.
    ObjectWriter,
}

impl ObjectOwnership {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            ObjectOwnership::BucketOwnerEnforced => "BucketOwnerEnforced",
            ObjectOwnership::BucketOwnerPreferred => "BucketOwnerPreferred",
            ObjectOwnership::ObjectWriter => "ObjectWriter",
        }
    }

    /// The setting named `s` on the wire.
    pub fn parse(s: &str) -> Option<ObjectOwnership> {
        Some(match s {
            "BucketOwnerEnforced" => ObjectOwnership::BucketOwnerEnforced,
            "BucketOwnerPreferred" => ObjectOwnership::BucketOwnerPreferred,
            "ObjectWriter" => ObjectOwnership::ObjectWriter,
            _ => return None,
        })
    }

    /// Whether ACLs are disabled (`BucketOwnerEnforced`; a bucket without ownership
    /// controls behaves as `ObjectWriter`).
    pub fn acls_disabled(ownership: Option<ObjectOwnership>) -> bool {
        ownership == Some(ObjectOwnership::BucketOwnerEnforced)
    }
}

/// A Block Public Access configuration (bucket or account level).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicAccessBlock {
    /// Refuse requests that set a public ACL.
    pub block_public_acls: bool,
    /// Ignore public grants when deciding.
    pub ignore_public_acls: bool,
    /// Refuse bucket policies that grant public access.
    pub block_public_policy: bool,
    /// With a public policy, only AWS services and the owner's account get access
    /// through it.
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    /// All four settings on: what new buckets get (AWS's default since April 2023).
    pub const ALL: PublicAccessBlock = PublicAccessBlock {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    };

    /// The most restrictive combination of a bucket's and its account's settings.
    pub fn combine(
        bucket: Option<&PublicAccessBlock>,
        account: Option<&PublicAccessBlock>,
    ) -> PublicAccessBlock {
        let b = bucket.copied().unwrap_or_default();
        let a = account.copied().unwrap_or_default();
        PublicAccessBlock {
            block_public_acls: b.block_public_acls || a.block_public_acls,
            ignore_public_acls: b.ignore_public_acls || a.ignore_public_acls,
            block_public_policy: b.block_public_policy || a.block_public_policy,
            restrict_public_buckets: b.restrict_public_buckets || a.restrict_public_buckets,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_ids_are_stable_hex_per_account() {
        let a = canonical_id("111111111111");
        assert!(is_canonical_id(&a));
        assert_eq!(a, canonical_id("111111111111"));
        assert_ne!(a, canonical_id("222222222222"));
    }

    #[test]
    fn canned_acls_expand_to_aws_grants() {
        let (o, b) = ("111111111111", "222222222222");
        assert_eq!(CannedAcl::Private.grants(o, b).len(), 1);
        let pr = CannedAcl::PublicRead.grants(o, o);
        assert!(is_public(&pr));
        assert_eq!(CannedAcl::PublicReadWrite.grants(o, o).len(), 3);
        assert_eq!(
            CannedAcl::BucketOwnerFullControl.grants(o, b)[1],
            Grant::account(b, Permission::FullControl)
        );
        assert_eq!(CannedAcl::BucketOwnerFullControl.grants(o, o).len(), 1);
        assert!(is_owner_only(&CannedAcl::BucketOwnerRead.grants(o, o), o));
        assert!(!is_owner_only(&CannedAcl::BucketOwnerRead.grants(o, b), o));
        assert_eq!(CannedAcl::LogDeliveryWrite.grants(o, o).len(), 3);
        assert!(CannedAcl::parse("public").is_none());
    }

    #[test]
    fn the_most_restrictive_block_wins() {
        let bucket = PublicAccessBlock {
            block_public_acls: true,
            ..PublicAccessBlock::default()
        };
        let account = PublicAccessBlock {
            restrict_public_buckets: true,
            ..PublicAccessBlock::default()
        };
        let c = PublicAccessBlock::combine(Some(&bucket), Some(&account));
        assert!(c.block_public_acls && c.restrict_public_buckets);
        assert!(!c.ignore_public_acls && !c.block_public_policy);
    }
}
