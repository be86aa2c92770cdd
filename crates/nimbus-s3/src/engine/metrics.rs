//! What CloudWatch needs from the buckets: the request-metrics configurations (stored in
//! the bucket's settings) and each bucket's storage (bytes and objects).

use super::Engine;
use crate::error::{S3Error, S3Result};
use crate::model::MetricsConfiguration;

/// The most metrics configurations a bucket may have.
pub const MAX_METRICS_CONFIGURATIONS: usize = 1000;

/// One bucket's storage, as the daily storage metrics report it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BucketStorage {
    /// The owning account.
    pub account: String,
    /// The bucket's region.
    pub region: String,
    /// The bucket.
    pub bucket: String,
    /// `BucketSizeBytes` (`StandardStorage`): the objects' sizes.
    pub bytes: u64,
    /// `NumberOfObjects` (`AllStorageTypes`).
    pub objects: u64,
}

impl Engine {
    /// The bucket's request-metrics configurations.
    pub fn metrics_configurations(&self, bucket: &str) -> S3Result<Vec<MetricsConfiguration>> {
        self.bucket_info(bucket, |i| Ok(i.metrics.clone()))
    }

    /// Adds `config`, or replaces the one with its id (`TooManyConfigurations` past 1,000).
    pub async fn put_metrics_configuration(
        &self,
        bucket: &str,
        config: MetricsConfiguration,
    ) -> S3Result<()> {
        self.update_bucket(bucket, Vec::new(), |i| {
            let count = i.metrics.len();
            match i.metrics.iter_mut().find(|c| c.id == config.id) {
                Some(c) => *c = config,
                None if count >= MAX_METRICS_CONFIGURATIONS => {
                    return Err(S3Error::too_many_configurations());
                }
                None => i.metrics.push(config),
            }
            Ok(())
        })
        .await
    }

    /// Removes the configuration `id` (`NoSuchConfiguration` when there is none).
    pub async fn delete_metrics_configuration(&self, bucket: &str, id: &str) -> S3Result<()> {
        self.update_bucket(bucket, Vec::new(), |i| {
            let before = i.metrics.len();
            i.metrics.retain(|c| c.id != id);
            if i.metrics.len() == before {
                return Err(S3Error::no_such_configuration());
            }
            Ok(())
        })
        .await
    }

    /// Every bucket's storage, sorted by account and name.
    pub fn storage(&self) -> Vec<BucketStorage> {
        let state = self.store.state.read();
        let mut out: Vec<BucketStorage> = state
            .buckets
            .values()
            .map(|b| BucketStorage {
                account: b.info.account.clone(),
                region: b.info.region.clone(),
                bucket: b.info.name.clone(),
                bytes: b.objects.values().map(|o| o.size).sum(),
                objects: b.objects.len() as u64,
            })
            .collect();
        drop(state);
        out.sort_by(|a, b| (&a.account, &a.bucket).cmp(&(&b.account, &b.bucket)));
        out
    }
}
