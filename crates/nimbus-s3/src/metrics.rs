//! S3's CloudWatch metrics (`AWS/S3`), as AWS defines them.
//!
//! - **Daily storage metrics**: `BucketSizeBytes` (`StorageType=StandardStorage`, bytes) and
//!   `NumberOfObjects` (`StorageType=AllStorageTypes`), dimensions `BucketName` and
//!   `StorageType`, for every bucket. AWS reports them once a day, stamped at 00:00 UTC.
//!   nimbus reports them on the first clock minute CloudWatch samples in each UTC day, stamped
//!   at that day's midnight: so the first sample after start reports today's, and each later
//!   day its own (a sandbox needs no day of waiting for a first point).
//! - **Request metrics**, only for buckets with a metrics configuration
//!   (`PutBucketMetricsConfiguration`), per configuration whose filter the request matches,
//!   dimensions `BucketName` and `FilterId`, one datum per request stamped when it arrived:
//!   `AllRequests`; `GetRequests` (GetObject), `PutRequests` (PutObject, CopyObject,
//!   UploadPart, UploadPartCopy), `DeleteRequests` (DeleteObject, DeleteObjects),
//!   `HeadRequests` (HeadObject, HeadBucket), `PostRequests` (PostObject, DeleteObjects,
//!   multipart create and complete), `ListRequests` (ListObjects, ListObjectsV2,
//!   ListObjectVersions, ListMultipartUploads, ListParts); `4xxErrors` and `5xxErrors` (1 or 0
//!   per request, so their average is the error rate); `BytesDownloaded` and `BytesUploaded`
//!   (bodies' `Content-Length`, when there is a body); `FirstByteLatency` and
//!   `TotalRequestLatency` (ms, both the time to the response's headers: nimbus streams the
//!   body afterwards and does not time it).
//!   A filter matches a request on an object: its prefix starts the key, its tags are among
//!   the object's; an access point never matches (nimbus has none). A configuration without
//!   a filter matches every request on the bucket, bucket-level ones included.

use std::sync::Weak;

use nimbus_core::bus::metrics::{MetricDatum, MetricSource, MetricUnit};
use parking_lot::Mutex;

use crate::Inner;
use crate::model::MetricsConfiguration;
use crate::ops::Op;

/// The metric namespace.
pub const NAMESPACE: &str = "AWS/S3";
const DAY_MS: u64 = 86_400_000;

/// S3 as a CloudWatch [`MetricSource`]: the daily storage metrics.
pub struct S3Metrics {
    inner: Weak<Inner>,
    last_day: Mutex<Option<u64>>,
}

impl S3Metrics {
    /// The source for the service's state (held weakly).
    pub fn new(inner: Weak<Inner>) -> S3Metrics {
        S3Metrics {
            inner,
            last_day: Mutex::new(None),
        }
    }
}

impl MetricSource for S3Metrics {
    fn sample(&self, minute_end_millis: u64, out: &mut Vec<MetricDatum>) {
        let day = minute_end_millis.saturating_sub(60_000) / DAY_MS;
        {
            let mut last = self.last_day.lock();
            if *last == Some(day) {
                return;
            }
            *last = Some(day);
        }
        let Some(inner) = self.inner.upgrade() else {
            return;
        };
        let at = day * DAY_MS;
        for b in inner.engine.storage() {
            let datum = |metric_name, storage_type: &str, value: u64, unit| MetricDatum {
                account: b.account.clone(),
                region: b.region.clone(),
                namespace: NAMESPACE,
                metric_name,
                dimensions: vec![
                    ("BucketName", b.bucket.clone()),
                    ("StorageType", storage_type.to_owned()),
                ],
                timestamp_millis: at,
                value: value as f64,
                sample_count: 1,
                unit,
            };
            out.push(datum(
                "BucketSizeBytes",
                "StandardStorage",
                b.bytes,
                MetricUnit::Bytes,
            ));
            out.push(datum(
                "NumberOfObjects",
                "AllStorageTypes",
                b.objects,
                MetricUnit::Count,
            ));
        }
    }
}

/// The request-type metrics an operation counts in.
fn kinds(op: Op) -> &'static [&'static str] {
    match op {
        Op::GetObject => &["GetRequests"],
        Op::PutObject | Op::CopyObject | Op::UploadPart | Op::UploadPartCopy => &["PutRequests"],
        Op::DeleteObject => &["DeleteRequests"],
        Op::DeleteObjects => &["DeleteRequests", "PostRequests"],
        Op::HeadObject | Op::HeadBucket => &["HeadRequests"],
        Op::PostObject | Op::CreateMultipartUpload | Op::CompleteMultipartUpload => {
            &["PostRequests"]
        }
        Op::ListObjects
        | Op::ListObjectsV2
        | Op::ListObjectVersions
        | Op::ListMultipartUploads
        | Op::ListParts => &["ListRequests"],
        _ => &[],
    }
}

/// One finished request, as the request metrics see it.
pub struct RequestFacts<'a> {
    /// The operation.
    pub op: Op,
    /// The bucket.
    pub bucket: &'a str,
    /// The key, for object requests.
    pub key: Option<&'a str>,
    /// The response's status.
    pub status: u16,
    /// The request body's length, if it had one.
    pub bytes_in: u64,
    /// The response body's length, if it had one.
    pub bytes_out: u64,
    /// Time to the response's headers, ms.
    pub latency_ms: f64,
    /// When the request arrived (sandbox clock), ms.
    pub at: u64,
}

impl Inner {
    /// The bucket's metrics configurations when CloudWatch runs and it has any.
    pub fn request_metrics_for(&self, bucket: &str) -> Option<Vec<MetricsConfiguration>> {
        self.env.bus.metrics()?;
        self.engine
            .bucket_info(bucket, |i| {
                Ok((!i.metrics.is_empty()).then(|| i.metrics.clone()))
            })
            .ok()
            .flatten()
    }

    /// Publishes the request metrics of `r` for each configuration in `configs` it matches.
    pub fn publish_request(&self, configs: &[MetricsConfiguration], r: &RequestFacts<'_>) {
        let Some(sink) = self.env.bus.metrics() else {
            return;
        };
        let Ok((account, region)) = self
            .engine
            .bucket_info(r.bucket, |i| Ok((i.account.clone(), i.region.clone())))
        else {
            return;
        };
        let mut object_tags: Option<Vec<(String, String)>> = None;
        for c in configs {
            if !self.matches(c, r, &mut object_tags) {
                continue;
            }
            let datum = |metric_name, value: f64, unit| MetricDatum {
                account: account.clone(),
                region: region.clone(),
                namespace: NAMESPACE,
                metric_name,
                dimensions: vec![
                    ("BucketName", r.bucket.to_owned()),
                    ("FilterId", c.id.clone()),
                ],
                timestamp_millis: r.at,
                value,
                sample_count: 1,
                unit,
            };
            sink.record(datum("AllRequests", 1.0, MetricUnit::Count));
            for kind in kinds(r.op) {
                sink.record(datum(kind, 1.0, MetricUnit::Count));
            }
            let class = |lo: u16| f64::from(u8::from((lo..lo + 100).contains(&r.status)));
            sink.record(datum("4xxErrors", class(400), MetricUnit::Count));
            sink.record(datum("5xxErrors", class(500), MetricUnit::Count));
            if r.bytes_out > 0 {
                sink.record(datum(
                    "BytesDownloaded",
                    r.bytes_out as f64,
                    MetricUnit::Bytes,
                ));
            }
            if r.bytes_in > 0 {
                sink.record(datum("BytesUploaded", r.bytes_in as f64, MetricUnit::Bytes));
            }
            for name in ["FirstByteLatency", "TotalRequestLatency"] {
                sink.record(datum(name, r.latency_ms, MetricUnit::Milliseconds));
            }
        }
    }

    /// Whether configuration `c` counts request `r` (the object's tags read once, lazily).
    fn matches(
        &self,
        c: &MetricsConfiguration,
        r: &RequestFacts<'_>,
        tags: &mut Option<Vec<(String, String)>>,
    ) -> bool {
        let Some(f) = &c.filter else {
            return true;
        };
        let Some(key) = r.key else {
            return false;
        };
        if f.access_point_arn.is_some() {
            return false;
        }
        if let Some(p) = &f.prefix
            && !key.starts_with(p.as_str())
        {
            return false;
        }
        if f.tags.is_empty() {
            return true;
        }
        let have = tags.get_or_insert_with(|| {
            self.engine
                .object_tags(r.bucket, key, None)
                .unwrap_or_default()
        });
        f.tags.iter().all(|t| have.contains(t))
    }
}
