//! ACLs, Object Ownership and Block Public Access on buckets and objects: the rules S3
//! applies when they are set (at CreateBucket, on each write, by PutBucketAcl/PutObjectAcl,
//! PutBucketOwnershipControls, PutPublicAccessBlock), what Get…Acl shows, and
//! [`acl_allows_action`], the decision the authorization point asks of them.
//!
//! With `BucketOwnerEnforced` (the default for new buckets) ACLs are disabled: every
//! object is the bucket owner's, ACLs read as the owner's FULL_CONTROL, and a request that
//! sets any other ACL is refused with `AccessControlListNotSupported`.

use std::sync::Arc;

use nimbus_core::access::policy::{Policy, Principal};

use super::{Engine, existing_bucket, existing_bucket_mut, version_id};
use crate::acl::decide::{AclTarget, AclView, acl_allows, acl_permission, check_public_acl};
use crate::acl::errors::{
    acl_not_supported, invalid_acl_with_block_public_access, invalid_acl_with_ownership,
    no_public_access_block, ownership_controls_not_found,
};
use crate::acl::headers::AclRequest;
use crate::acl::{CannedAcl, Grant, ObjectOwnership, Permission, PublicAccessBlock};
use crate::error::{S3Error, S3Result};
use crate::model::{AccountSettings, Bucket, BucketInfo, ObjectMeta};
use crate::store;
use crate::store::db::Effect;

/// The access settings of a new bucket, from CreateBucket's `x-amz-object-ownership` and
/// ACL headers, checked as S3 checks them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBucketAccess {
    /// The bucket ACL's grants (`None`: the default).
    pub acl: Option<Vec<Grant>>,
    /// Object Ownership.
    pub ownership: Option<ObjectOwnership>,
    /// Block Public Access.
    pub public_access_block: Option<PublicAccessBlock>,
}

impl NewBucketAccess {
    /// What a bucket created now gets: `BucketOwnerEnforced`, all four Block Public Access
    /// settings on (AWS's defaults since April 2023), the owner's FULL_CONTROL.
    pub fn defaults() -> NewBucketAccess {
        NewBucketAccess {
            acl: None,
            ownership: Some(ObjectOwnership::BucketOwnerEnforced),
            public_access_block: Some(PublicAccessBlock::ALL),
        }
    }

    /// The settings of a bucket `account` creates with `ownership` (the header's value) and
    /// the ACL `request`: with ACLs disabled only the owner's full control is accepted
    /// (`InvalidBucketAclWithObjectOwnership`); a public ACL meets the new bucket's Block
    /// Public Access (`InvalidBucketAclWithBlockPublicAccessError`).
    pub fn for_create(
        account: &str,
        ownership: Option<&str>,
        request: Option<&AclRequest>,
    ) -> S3Result<NewBucketAccess> {
        let mut access = NewBucketAccess::defaults();
        if let Some(o) = ownership {
            access.ownership = Some(ObjectOwnership::parse(o).ok_or_else(|| {
                S3Error::invalid_argument_named(
                    format!("Invalid x-amz-object-ownership header: {o}"),
                    "x-amz-object-ownership",
                    o,
                )
            })?);
        }
        let Some(request) = request else {
            return Ok(access);
        };
        let grants = request.grants(account, account);
        if crate::acl::is_owner_only(&grants, account) {
            return Ok(access);
        }
        if ObjectOwnership::acls_disabled(access.ownership) {
            return Err(invalid_acl_with_ownership());
        }
        if crate::acl::is_public(&grants) {
            return Err(invalid_acl_with_block_public_access());
        }
        access.acl = Some(grants);
        Ok(access)
    }
}

/// The ACL an object written by `writer` into the bucket `info` gets, with its owner, for
/// the ACL `request` (if any): Object Ownership decides the owner; with ACLs disabled only
/// `bucket-owner-full-control` (or the same grant spelt out) is accepted; Block Public
/// Access refuses a public ACL.
pub fn object_acl_for_write(
    info: &BucketInfo,
    writer: &str,
    request: Option<&AclRequest>,
) -> S3Result<(String, Option<Vec<Grant>>)> {
    let bucket_owner = info.account.as_str();
    if ObjectOwnership::acls_disabled(info.ownership) {
        if request.is_some_and(|r| !r.is_bucket_owner_full_control(bucket_owner)) {
            return Err(acl_not_supported());
        }
        return Ok((bucket_owner.to_owned(), None));
    }
    let owner = match (info.ownership, request) {
        (
            Some(ObjectOwnership::BucketOwnerPreferred),
            Some(AclRequest::Canned(CannedAcl::BucketOwnerFullControl)),
        ) => bucket_owner,
        _ => writer,
    };
    let Some(request) = request else {
        return Ok((owner.to_owned(), None));
    };
    let grants = request.grants(owner, bucket_owner);
    check_public_acl(&effective_block(info), &grants)?;
    Ok((owner.to_owned(), stored(grants, owner)))
}

/// `grants` as stored: `None` when they are exactly the default ACL.
fn stored(grants: Vec<Grant>, owner: &str) -> Option<Vec<Grant>> {
    (grants != [Grant::account(owner, Permission::FullControl)]).then_some(grants)
}

/// The bucket's Block Public Access settings in force: the most restrictive combination of
/// the bucket's and its account's (S3 Control's account level).
pub fn effective_block(info: &BucketInfo) -> PublicAccessBlock {
    PublicAccessBlock::combine(
        info.public_access_block.as_ref(),
        info.account_public_access_block.as_ref(),
    )
}

/// The ACL of the bucket `info` as GetBucketAcl shows it and decisions read it: owner and
/// grants (the owner's FULL_CONTROL alone with ACLs disabled or by default).
pub fn bucket_acl_view(info: &BucketInfo) -> AclView<'_> {
    let disabled = ObjectOwnership::acls_disabled(info.ownership);
    AclView {
        owner: &info.account,
        grants: if disabled { None } else { info.acl.as_deref() },
        disabled,
    }
}

/// The ACL of the object `meta` in the bucket `info`, as GetObjectAcl shows it and
/// decisions read it (the bucket owner's, with ACLs disabled).
pub fn object_acl_view<'a>(info: &'a BucketInfo, meta: &'a ObjectMeta) -> AclView<'a> {
    let disabled = ObjectOwnership::acls_disabled(info.ownership);
    AclView {
        owner: if disabled { &info.account } else { &meta.owner },
        grants: if disabled { None } else { meta.acl.as_deref() },
        disabled,
    }
}

/// The owner and grants an ACL view shows.
fn shown(view: &AclView<'_>) -> (String, Vec<Grant>) {
    let grants = view
        .grants
        .map(<[Grant]>::to_vec)
        .unwrap_or_else(|| vec![Grant::account(view.owner, Permission::FullControl)]);
    (view.owner.to_owned(), grants)
}

/// Whether the ACLs of the bucket `info` (and, for object actions, of `object`) let
/// `caller` perform `action`: a resource-side allow for the authorization point, which
/// lets an explicit `Deny` in the bucket policy win. `false` for actions no ACL grants,
/// and for object actions without an object. `IgnorePublicAcls` is applied.
pub fn acl_allows_action(
    info: &BucketInfo,
    object: Option<&ObjectMeta>,
    caller: &Principal,
    action: &str,
) -> bool {
    let Some((target, permission)) = acl_permission(action) else {
        return false;
    };
    let ignore = effective_block(info).ignore_public_acls;
    match (target, object) {
        (AclTarget::Bucket, _) => acl_allows(&bucket_acl_view(info), caller, permission, ignore),
        (AclTarget::Object, Some(meta)) => {
            acl_allows(&object_acl_view(info, meta), caller, permission, ignore)
        }
        (AclTarget::Object, None) => false,
    }
}

/// [`acl_allows_action`] for `key` (if any) in `bucket`: the form the S3 authorization
/// point's ACL hook takes (`ops::access::acl_allows`); `false` for an object action on a
/// key that does not exist.
pub fn bucket_acl_allows(
    bucket: &Bucket,
    key: Option<&str>,
    caller: &Principal,
    action: &str,
) -> bool {
    let object = key.and_then(|k| bucket.objects.get(k)).map(|m| &**m);
    acl_allows_action(&bucket.info, object, caller, action)
}

/// Whether `RestrictPublicBuckets` is in force for the bucket `info` (the authorization
/// point's `restrict_public_buckets` hook; then, while its policy is public, only AWS
/// services and the owner's account get access through the policy: see
/// [`crate::acl::decide::restrict_public`]).
pub fn restricts_public_buckets(info: &BucketInfo) -> bool {
    effective_block(info).restrict_public_buckets
}

impl Engine {
    /// The bucket's ACL (owner account, grants) as GetBucketAcl shows it.
    pub fn bucket_acl(&self, bucket: &str) -> S3Result<(String, Vec<Grant>)> {
        self.bucket_info(bucket, |i| Ok(shown(&bucket_acl_view(i))))
    }

    /// PutBucketAcl: replaces the bucket's ACL with `request`.
    pub async fn put_bucket_acl(&self, bucket: &str, request: &AclRequest) -> S3Result<()> {
        self.update_bucket(bucket, Vec::new(), |i| {
            let grants = request.grants(&i.account, &i.account);
            if ObjectOwnership::acls_disabled(i.ownership) {
                if !crate::acl::is_owner_only(&grants, &i.account) {
                    return Err(acl_not_supported());
                }
                i.acl = None;
                return Ok(());
            }
            check_public_acl(&effective_block(i), &grants)?;
            i.acl = stored(grants, &i.account);
            Ok(())
        })
        .await
    }

    /// The object's ACL (owner account, grants) as GetObjectAcl shows it (`version` is the
    /// request's version id, if any).
    pub fn object_acl(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&str>,
    ) -> S3Result<(String, Vec<Grant>)> {
        self.with_bucket(bucket, |b| {
            version_id::check_query(version)?;
            let meta = b
                .objects
                .get(key)
                .ok_or_else(|| S3Error::NoSuchKey(key.to_owned()))?;
            Ok(shown(&object_acl_view(&b.info, meta)))
        })
    }

    /// PutObjectAcl: replaces the object's ACL with `request`.
    pub async fn put_object_acl(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&str>,
        request: &AclRequest,
    ) -> S3Result<()> {
        let ack = {
            let mut state = self.store.state.write();
            let b = existing_bucket_mut(&mut state, bucket)?;
            version_id::check_query(version)?;
            let meta = b
                .objects
                .get(key)
                .ok_or_else(|| S3Error::NoSuchKey(key.to_owned()))?;
            if ObjectOwnership::acls_disabled(b.info.ownership) {
                if !request.is_bucket_owner_full_control(&b.info.account) {
                    return Err(acl_not_supported());
                }
                return Ok(());
            }
            let grants = request.grants(&meta.owner, &b.info.account);
            check_public_acl(&effective_block(&b.info), &grants)?;
            let mut new = ObjectMeta::clone(meta);
            new.acl = stored(grants, &new.owner);
            let new = Arc::new(new);
            let effect = store::put_object(bucket, key, &new);
            b.objects.insert(key.to_owned(), new);
            self.submit(vec![effect])
        };
        self.finish_change(ack, Vec::new(), Vec::new()).await
    }

    /// The bucket's Object Ownership (`OwnershipControlsNotFoundError` without controls).
    pub fn ownership_controls(&self, bucket: &str) -> S3Result<ObjectOwnership> {
        self.bucket_info(bucket, |i| {
            i.ownership.ok_or_else(ownership_controls_not_found)
        })
    }

    /// Sets (or with `None` removes) the bucket's Object Ownership; `BucketOwnerEnforced`
    /// is refused while the bucket ACL grants to anyone but the owner.
    pub async fn set_ownership_controls(
        &self,
        bucket: &str,
        ownership: Option<ObjectOwnership>,
    ) -> S3Result<()> {
        self.update_bucket(bucket, Vec::new(), |i| {
            if ObjectOwnership::acls_disabled(ownership)
                && i.acl
                    .as_deref()
                    .is_some_and(|g| !crate::acl::is_owner_only(g, &i.account))
            {
                return Err(invalid_acl_with_ownership());
            }
            if ObjectOwnership::acls_disabled(ownership) {
                i.acl = None;
            }
            i.ownership = ownership;
            Ok(())
        })
        .await
    }

    /// The bucket's Block Public Access settings
    /// (`NoSuchPublicAccessBlockConfiguration` without any).
    pub fn public_access_block(&self, bucket: &str) -> S3Result<PublicAccessBlock> {
        self.bucket_info(bucket, |i| {
            i.public_access_block.ok_or_else(no_public_access_block)
        })
    }

    /// Sets (or with `None` removes) the bucket's Block Public Access settings.
    pub async fn set_public_access_block(
        &self,
        bucket: &str,
        block: Option<PublicAccessBlock>,
    ) -> S3Result<()> {
        self.update_bucket(bucket, Vec::new(), |i| {
            i.public_access_block = block;
            Ok(())
        })
        .await
    }

    /// The account's Block Public Access settings (S3 Control's GetPublicAccessBlock;
    /// `NoSuchPublicAccessBlockConfiguration` without any).
    pub fn account_public_access_block(&self, account: &str) -> S3Result<PublicAccessBlock> {
        self.store
            .state
            .read()
            .accounts
            .get(account)
            .and_then(|a| a.public_access_block)
            .ok_or_else(|| S3Error::Control(Box::new(no_public_access_block())))
    }

    /// Sets (or with `None` removes) the account's Block Public Access settings, which every
    /// bucket the account owns combines with its own from now on.
    pub async fn set_account_public_access_block(
        &self,
        account: &str,
        block: Option<PublicAccessBlock>,
    ) -> S3Result<()> {
        let ack = {
            let mut state = self.store.state.write();
            let settings = state.accounts.entry(account.to_owned()).or_default();
            settings.public_access_block = block;
            let json = (*settings != AccountSettings::default())
                .then(|| serde_json::to_string(&*settings))
                .transpose()
                .map_err(|e| S3Error::internal(e.to_string()))?;
            if json.is_none() {
                state.accounts.remove(account);
            }
            for b in state.buckets.values_mut() {
                if b.info.account == account {
                    b.info.account_public_access_block = block;
                }
            }
            self.submit(vec![Effect::PutAccountSettings {
                account: account.to_owned(),
                json,
            }])
        };
        self.finish_change(ack, Vec::new(), Vec::new()).await
    }

    /// `BlockPublicPolicy`: refuses (403 `AccessDenied`) `policy` for `bucket` when it is
    /// public and the bucket blocks public policies.
    pub fn check_public_policy(&self, bucket: &str, policy: &Policy) -> S3Result<()> {
        self.bucket_info(bucket, |i| {
            crate::acl::decide::check_public_policy(&effective_block(i), policy)
        })
    }

    /// Whether the ACLs of `bucket` (and of `key` in it, for object actions) let `caller`
    /// perform `action` (see [`acl_allows_action`]); `false` when the bucket or object does
    /// not exist.
    pub fn acl_allows(
        &self,
        bucket: &str,
        key: Option<&str>,
        caller: &Principal,
        action: &str,
    ) -> bool {
        let state = self.store.state.read();
        let Ok(b) = existing_bucket(&state, bucket) else {
            return false;
        };
        bucket_acl_allows(b, key, caller, action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acl::headers::AclRequest;

    const ONE: &str = "111111111111";
    const TWO: &str = "222222222222";

    fn bucket(ownership: Option<ObjectOwnership>, block: Option<PublicAccessBlock>) -> BucketInfo {
        BucketInfo {
            name: "b".into(),
            account: ONE.into(),
            region: "us-east-1".into(),
            created: 0,
            tags: None,
            policy: None,
            cors: None,
            notification: None,
            acl: None,
            ownership,
            public_access_block: block,
            account_public_access_block: None,
            metrics: Vec::new(),
        }
    }

    fn object(owner: &str, acl: Option<Vec<Grant>>) -> ObjectMeta {
        ObjectMeta {
            blob: String::new(),
            size: 0,
            etag: String::new(),
            last_modified: 0,
            headers: Default::default(),
            checksum: None,
            tags: Vec::new(),
            parts: 0,
            owner: owner.into(),
            acl,
        }
    }

    /// ownership, block, object ACL, anonymous may, account two may.
    type Row = (
        Option<ObjectOwnership>,
        Option<PublicAccessBlock>,
        Option<Vec<Grant>>,
        bool,
        bool,
    );

    /// ACL × Object Ownership × Block Public Access: whether an anonymous caller and
    /// another account may GetObject through the object's ACL.
    #[test]
    fn acl_ownership_and_public_access_block_combinations() {
        use ObjectOwnership::*;
        let ignore = PublicAccessBlock {
            ignore_public_acls: true,
            ..PublicAccessBlock::default()
        };
        let restrict_only = PublicAccessBlock {
            restrict_public_buckets: true,
            block_public_policy: true,
            ..PublicAccessBlock::default()
        };
        let canned = |c: CannedAcl| Some(c.grants(ONE, ONE));
        let to_two = Some(vec![
            Grant::account(ONE, Permission::FullControl),
            Grant::account(TWO, Permission::Read),
        ]);
        #[rustfmt::skip]
        let table: Vec<Row> = vec![
            // ownership, block, object ACL, anonymous may, account two may
            (Some(BucketOwnerEnforced), None, canned(CannedAcl::PublicRead), false, false),
            (Some(BucketOwnerEnforced), None, to_two.clone(), false, false),
            (Some(ObjectWriter), None, canned(CannedAcl::Private), false, false),
            (Some(ObjectWriter), None, canned(CannedAcl::PublicRead), true, true),
            (Some(ObjectWriter), Some(ignore), canned(CannedAcl::PublicRead), false, false),
            (Some(ObjectWriter), Some(restrict_only), canned(CannedAcl::PublicRead), true, true),
            (Some(ObjectWriter), None, canned(CannedAcl::AuthenticatedRead), false, true),
            (Some(ObjectWriter), Some(ignore), canned(CannedAcl::AuthenticatedRead), false, false),
            (Some(ObjectWriter), None, to_two.clone(), false, true),
            (Some(ObjectWriter), Some(PublicAccessBlock::ALL), to_two.clone(), false, true),
            (Some(BucketOwnerPreferred), None, canned(CannedAcl::PublicRead), true, true),
            (None, None, canned(CannedAcl::PublicReadWrite), true, true),
        ];
        let anonymous = Principal::anonymous();
        let two = Principal::root(TWO);
        for (i, (ownership, block, acl, anon_may, two_may)) in table.into_iter().enumerate() {
            let info = bucket(ownership, block);
            let meta = object(ONE, acl);
            assert_eq!(
                acl_allows_action(&info, Some(&meta), &anonymous, "s3:GetObject"),
                anon_may,
                "row {i}: anonymous"
            );
            assert_eq!(
                acl_allows_action(&info, Some(&meta), &two, "s3:GetObject"),
                two_may,
                "row {i}: account two"
            );
        }
    }

    #[test]
    fn bucket_acls_grant_listing_and_writing() {
        let mut info = bucket(Some(ObjectOwnership::ObjectWriter), None);
        info.acl = Some(CannedAcl::PublicReadWrite.grants(ONE, ONE));
        let anon = Principal::anonymous();
        assert!(acl_allows_action(&info, None, &anon, "s3:ListBucket"));
        assert!(acl_allows_action(&info, None, &anon, "s3:PutObject"));
        assert!(!acl_allows_action(&info, None, &anon, "s3:PutBucketAcl"));
        assert!(!acl_allows_action(&info, None, &anon, "s3:GetObject"));
        info.ownership = Some(ObjectOwnership::BucketOwnerEnforced);
        assert!(!acl_allows_action(&info, None, &anon, "s3:ListBucket"));
    }

    #[test]
    fn ownership_decides_the_owner_of_a_write() {
        let req = AclRequest::Canned(CannedAcl::BucketOwnerFullControl);
        let enforced = bucket(Some(ObjectOwnership::BucketOwnerEnforced), None);
        assert_eq!(object_acl_for_write(&enforced, TWO, None).unwrap().0, ONE);
        let preferred = bucket(Some(ObjectOwnership::BucketOwnerPreferred), None);
        assert_eq!(
            object_acl_for_write(&preferred, TWO, Some(&req)).unwrap(),
            (ONE.to_owned(), None)
        );
        assert_eq!(object_acl_for_write(&preferred, TWO, None).unwrap().0, TWO);
        let writer = bucket(Some(ObjectOwnership::ObjectWriter), None);
        let (owner, acl) = object_acl_for_write(&writer, TWO, Some(&req)).unwrap();
        assert_eq!(owner, TWO);
        assert_eq!(
            acl.unwrap(),
            vec![
                Grant::account(TWO, Permission::FullControl),
                Grant::account(ONE, Permission::FullControl)
            ]
        );
    }
}
