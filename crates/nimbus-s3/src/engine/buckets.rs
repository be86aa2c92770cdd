//! Buckets: create (with S3's rules for names taken by you or by others and the per-account
//! limit), delete (refused while objects remain; uploads in progress go with it), list.

use std::collections::BTreeMap;

use super::acl::NewBucketAccess;
use super::{Engine, existing_bucket};
use crate::error::{S3Error, S3Result};
use crate::limits;
use crate::model::{Bucket, BucketInfo};
use crate::store;
use crate::store::db::Effect;

/// What CreateBucket did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// The bucket is new.
    New,
    /// The caller already owned it in us-east-1, which S3 answers with success for legacy
    /// compatibility.
    AlreadyOwned,
}

/// One bucket as ListBuckets shows it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Listed {
    /// The name.
    pub name: String,
    /// Creation time, ms.
    pub created: u64,
    /// The region.
    pub region: String,
}

/// Which buckets ListBuckets asks for.
pub struct ListFilter<'a> {
    /// The owning account.
    pub account: &'a str,
    /// Names start with this.
    pub prefix: &'a str,
    /// Only buckets in this region.
    pub region: Option<&'a str>,
    /// Only names after this one (the continuation token).
    pub after: Option<&'a str>,
}

impl Engine {
    /// Creates the bucket `name` owned by `account` in `region` (already checked against
    /// the endpoint's region) with the default access settings.
    pub async fn create_bucket(
        &self,
        name: &str,
        account: &str,
        region: &str,
    ) -> S3Result<Created> {
        self.create_bucket_with(name, account, region, NewBucketAccess::defaults())
            .await
    }

    /// Creates the bucket `name` owned by `account` in `region` with the ACL, Object
    /// Ownership and Block Public Access settings `access`.
    pub async fn create_bucket_with(
        &self,
        name: &str,
        account: &str,
        region: &str,
        access: NewBucketAccess,
    ) -> S3Result<Created> {
        let ack = {
            let mut state = self.store.state.write();
            if let Some(existing) = state.buckets.get(name) {
                if existing.info.account != account {
                    return Err(S3Error::BucketAlreadyExists(name.to_owned()));
                }
                // For legacy compatibility, us-east-1 answers 200 to re-creating your own bucket.
                if existing.info.region == "us-east-1" && region == "us-east-1" {
                    return Ok(Created::AlreadyOwned);
                }
                return Err(S3Error::BucketAlreadyOwnedByYou(name.to_owned()));
            }
            let owned = state
                .buckets
                .values()
                .filter(|b| b.info.account == account)
                .count();
            if owned >= limits::MAX_BUCKETS {
                return Err(S3Error::too_many_buckets());
            }
            let info = BucketInfo {
                name: name.to_owned(),
                account: account.to_owned(),
                region: region.to_owned(),
                created: self.env.clock.now_millis(),
                tags: None,
                policy: None,
                cors: None,
                notification: None,
                acl: access.acl,
                ownership: access.ownership,
                public_access_block: access.public_access_block,
                account_public_access_block: state
                    .accounts
                    .get(account)
                    .and_then(|a| a.public_access_block),
                metrics: Vec::new(),
            };
            let effect = store::put_bucket(&info);
            state.buckets.insert(
                name.to_owned(),
                Bucket {
                    info,
                    objects: BTreeMap::new(),
                    uploads: BTreeMap::new(),
                },
            );
            self.submit(vec![effect])
        };
        self.finish_change(ack, Vec::new(), Vec::new()).await?;
        Ok(Created::New)
    }

    /// Deletes the bucket `name` (`BucketNotEmpty` while it has objects) with its uploads in
    /// progress.
    pub async fn delete_bucket(&self, name: &str) -> S3Result<()> {
        let (ack, garbage) = {
            let mut state = self.store.state.write();
            let b = existing_bucket(&state, name)?;
            if !b.objects.is_empty() {
                return Err(S3Error::BucketNotEmpty(name.to_owned()));
            }
            let mut effects = Vec::new();
            let mut garbage = Vec::new();
            for (id, u) in &b.uploads {
                effects.push(Effect::DeleteUpload(id.clone()));
                garbage.extend(u.parts.values().map(|p| p.blob.clone()));
            }
            effects.push(Effect::DeleteBucket(name.to_owned()));
            state.buckets.remove(name);
            (self.submit(effects), garbage)
        };
        self.finish_change(ack, Vec::new(), garbage).await
    }

    /// The buckets `filter` selects, by name.
    pub fn list_buckets(&self, filter: &ListFilter<'_>) -> Vec<Listed> {
        let mut mine: Vec<Listed> = {
            let state = self.store.state.read();
            state
                .buckets
                .values()
                .filter(|b| {
                    b.info.account == filter.account && b.info.name.starts_with(filter.prefix)
                })
                .filter(|b| filter.region.is_none_or(|r| r == b.info.region))
                .filter(|b| filter.after.is_none_or(|a| b.info.name.as_str() > a))
                .map(|b| Listed {
                    name: b.info.name.clone(),
                    created: b.info.created,
                    region: b.info.region.clone(),
                })
                .collect()
        };
        mine.sort();
        mine
    }
}
