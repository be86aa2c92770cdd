//! Bucket settings: tags, policy, CORS rules and the notification configuration, each read
//! and replaced as a whole (stored in the bucket's [`crate::model::BucketInfo`]).

use nimbus_core::RequestContext;

use super::Engine;
use crate::error::{S3Error, S3Result};
use crate::model::{BucketPolicy, CorsRule};
use crate::notify::config::{DestinationKind, NotificationConfiguration};

impl Engine {
    /// The bucket's region.
    pub fn bucket_region(&self, bucket: &str) -> S3Result<String> {
        self.bucket_info(bucket, |i| Ok(i.region.clone()))
    }

    /// The bucket's owning account.
    pub fn bucket_owner(&self, bucket: &str) -> S3Result<String> {
        self.bucket_info(bucket, |i| Ok(i.account.clone()))
    }

    /// The bucket's tags (`NoSuchTagSet` when it has none).
    pub fn bucket_tags(&self, bucket: &str) -> S3Result<Vec<(String, String)>> {
        self.bucket_info(bucket, |i| {
            i.tags
                .clone()
                .ok_or_else(|| S3Error::NoSuchTagSet(bucket.to_owned()))
        })
    }

    /// Replaces (or with `None` removes) the bucket's tags, already validated.
    pub async fn set_bucket_tags(
        &self,
        bucket: &str,
        tags: Option<Vec<(String, String)>>,
    ) -> S3Result<()> {
        self.update_bucket(bucket, Vec::new(), |i| {
            i.tags = tags;
            Ok(())
        })
        .await
    }

    /// The bucket's policy as it was sent (`NoSuchBucketPolicy` when it has none).
    pub fn bucket_policy(&self, bucket: &str) -> S3Result<String> {
        self.bucket_info(bucket, |i| {
            i.policy
                .as_ref()
                .map(|p| p.text.clone())
                .ok_or_else(|| S3Error::NoSuchBucketPolicy(bucket.to_owned()))
        })
    }

    /// Replaces (or with `None` removes) the bucket's policy, already compiled.
    pub async fn set_bucket_policy(
        &self,
        bucket: &str,
        policy: Option<BucketPolicy>,
    ) -> S3Result<()> {
        self.update_bucket(bucket, Vec::new(), |i| {
            i.policy = policy;
            Ok(())
        })
        .await
    }

    /// The bucket's CORS rules, `None` when it has none.
    pub fn bucket_cors(&self, bucket: &str) -> S3Result<Option<Vec<CorsRule>>> {
        self.bucket_info(bucket, |i| Ok(i.cors.clone()))
    }

    /// Replaces (or with `None` removes) the bucket's CORS rules, already validated.
    pub async fn set_bucket_cors(
        &self,
        bucket: &str,
        rules: Option<Vec<CorsRule>>,
    ) -> S3Result<()> {
        self.update_bucket(bucket, Vec::new(), |i| {
            i.cors = rules;
            Ok(())
        })
        .await
    }

    /// The bucket's notification configuration, `None` when it has none.
    pub fn bucket_notification(&self, bucket: &str) -> S3Result<Option<NotificationConfiguration>> {
        self.bucket_info(bucket, |i| Ok(i.notification.clone()))
    }

    /// Stores the bucket's notification configuration (its destinations already validated
    /// unless the caller skipped that); with `test_events`, commits an `s3:TestEvent` to each
    /// distinct queue with it, as S3 does when it validates.
    pub async fn put_bucket_notification(
        &self,
        bucket: &str,
        cfg: NotificationConfiguration,
        test_events: bool,
        ctx: &RequestContext,
    ) -> S3Result<()> {
        let deliveries = if test_events {
            let mut queues: Vec<&str> = cfg
                .targets
                .iter()
                .filter(|t| t.kind == DestinationKind::Queue)
                .map(|t| t.arn.as_str())
                .collect();
            queues.sort();
            queues.dedup();
            self.test_events(bucket, &queues, ctx)
        } else {
            Vec::new()
        };
        self.update_bucket(bucket, deliveries, |i| {
            i.notification = (!cfg.targets.is_empty() || cfg.event_bridge).then_some(cfg);
            Ok(())
        })
        .await
    }
}
