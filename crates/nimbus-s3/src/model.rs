//! What S3 stores: buckets with their configurations, objects' metadata, multipart uploads.
//!
//! These are the in-memory shapes and, serialised as JSON, the stored rows. Object content
//! lives apart, in blobs named by an internal id ([`crate::store::blobs`]): a key is never a
//! path.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::acl::{Grant, ObjectOwnership, PublicAccessBlock};
use crate::checksum::ChecksumAlgorithm;
use crate::notify::config::NotificationConfiguration;

/// A CORS rule of `PutBucketCors`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorsRule {
    /// `ID`.
    pub id: Option<String>,
    /// `AllowedOrigin`s (may contain one `*`).
    pub allowed_origins: Vec<String>,
    /// `AllowedMethod`s.
    pub allowed_methods: Vec<String>,
    /// `AllowedHeader`s (may contain `*`).
    pub allowed_headers: Vec<String>,
    /// `ExposeHeader`s.
    pub expose_headers: Vec<String>,
    /// `MaxAgeSeconds`.
    pub max_age_seconds: Option<u64>,
}

/// An account's own S3 settings (S3 Control's account level), stored once per account that
/// has any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSettings {
    /// The account-level Block Public Access configuration, combined with each bucket's
    /// (the most restrictive of the two applies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_access_block: Option<PublicAccessBlock>,
}

/// A bucket's own settings (everything but its objects and uploads).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketInfo {
    /// The name.
    pub name: String,
    /// The owning account.
    pub account: String,
    /// The region (`LocationConstraint`, or the endpoint's).
    pub region: String,
    /// Creation time, ms.
    pub created: u64,
    /// `PutBucketTagging`.
    #[serde(default)]
    pub tags: Option<Vec<(String, String)>>,
    /// `PutBucketPolicy`: the document as sent and its compiled form.
    #[serde(default)]
    pub policy: Option<BucketPolicy>,
    /// `PutBucketCors`.
    #[serde(default)]
    pub cors: Option<Vec<CorsRule>>,
    /// `PutBucketNotificationConfiguration`.
    #[serde(default)]
    pub notification: Option<NotificationConfiguration>,
    /// The owning account's Block Public Access settings (S3 Control), mirrored here from
    /// [`AccountSettings`] by the engine (at load, at CreateBucket and when the account's
    /// settings change) so that every decision reads one `BucketInfo`; not stored with the
    /// bucket.
    #[serde(skip)]
    pub account_public_access_block: Option<PublicAccessBlock>,
    /// The bucket ACL's grants (`None`: the default, the owner's FULL_CONTROL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<Vec<Grant>>,
    /// Object Ownership (`None`: no ownership controls, which behaves as `ObjectWriter`).
    /// Buckets stored before ACLs existed never had any: they load as `BucketOwnerEnforced`.
    #[serde(default = "legacy_ownership")]
    pub ownership: Option<ObjectOwnership>,
    /// The bucket's Block Public Access settings (`None`: none; buckets stored before
    /// they existed load so).
    #[serde(default)]
    pub public_access_block: Option<PublicAccessBlock>,
    /// `PutBucketMetricsConfiguration`: the request-metrics filters, by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<MetricsConfiguration>,
}

/// A request-metrics configuration (`MetricsConfiguration`): an id and which requests it
/// counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricsConfiguration {
    /// `Id` (the metrics' `FilterId` dimension).
    pub id: String,
    /// `Filter`; `None` counts every request on the bucket.
    pub filter: Option<MetricsFilter>,
}

/// A `MetricsFilter`: a prefix, a tag, an access point, or all of several (`And`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricsFilter {
    /// `Prefix`.
    pub prefix: Option<String>,
    /// `Tag`s.
    pub tags: Vec<(String, String)>,
    /// `AccessPointArn`.
    pub access_point_arn: Option<String>,
    /// Whether it was written as `And`.
    pub and: bool,
}

/// What a bucket stored before Object Ownership existed behaves as: ACLs disabled, the
/// owner's full control, which is what nimbus answered then.
fn legacy_ownership() -> Option<ObjectOwnership> {
    Some(ObjectOwnership::BucketOwnerEnforced)
}

/// A bucket policy: the document as it was sent (returned by `GetBucketPolicy`, stored) and
/// its compiled form, which requests are decided from. Stored as the text alone and compiled
/// again when loaded; a stored document the compiler refuses (written before policies were
/// enforced) is kept and returned, but decides nothing (`compiled` is `None`).
#[derive(Debug, Clone)]
pub struct BucketPolicy {
    /// The document as sent.
    pub text: String,
    /// The compiled policy.
    pub compiled: Option<Arc<nimbus_core::access::policy::Policy>>,
}

impl BucketPolicy {
    /// Compiles `text` (S3's `MalformedPolicy` wording on error).
    pub fn compile(text: String) -> Result<BucketPolicy, nimbus_core::access::policy::PolicyError> {
        let compiled = nimbus_core::access::policy::Policy::resource(&text)?;
        Ok(BucketPolicy {
            text,
            compiled: Some(Arc::new(compiled)),
        })
    }
}

impl PartialEq for BucketPolicy {
    fn eq(&self, other: &BucketPolicy) -> bool {
        self.text == other.text
    }
}

impl Eq for BucketPolicy {}

impl Serialize for BucketPolicy {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for BucketPolicy {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<BucketPolicy, D::Error> {
        let text = String::deserialize(d)?;
        Ok(BucketPolicy::compile(text.clone()).unwrap_or_else(|e| {
            tracing::warn!(error = %e.message(), "a stored bucket policy no longer compiles; it is kept but not enforced");
            BucketPolicy {
                text,
                compiled: None,
            }
        }))
    }
}

/// A checksum stored with an object or part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredChecksum {
    /// The algorithm.
    #[serde(with = "algo_serde")]
    pub algorithm: ChecksumAlgorithm,
    /// The value, base64 (composite multipart values end with `-N`).
    pub value: String,
    /// `FULL_OBJECT` (true) or `COMPOSITE`.
    pub full_object: bool,
}

/// The content headers an object keeps and returns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentHeaders {
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `Content-Encoding` (without `aws-chunked`).
    pub content_encoding: Option<String>,
    /// `Content-Disposition`.
    pub content_disposition: Option<String>,
    /// `Content-Language`.
    pub content_language: Option<String>,
    /// `Cache-Control`.
    pub cache_control: Option<String>,
    /// `Expires`, as sent.
    pub expires: Option<String>,
    /// `x-amz-website-redirect-location`.
    #[serde(default)]
    pub website_redirect: Option<String>,
    /// `x-amz-meta-*`, names lower-cased without the prefix, in order.
    pub user_metadata: Vec<(String, String)>,
    /// `x-amz-storage-class` (`None` is STANDARD).
    pub storage_class: Option<String>,
}

/// An object's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectMeta {
    /// The blob holding the content.
    pub blob: String,
    /// Size in bytes.
    pub size: u64,
    /// The ETag without quotes (`<md5 hex>` or `<md5 hex>-<parts>`).
    pub etag: String,
    /// Last-Modified, ms.
    pub last_modified: u64,
    /// Content headers and user metadata.
    pub headers: ContentHeaders,
    /// The additional checksum.
    pub checksum: Option<StoredChecksum>,
    /// Object tags.
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    /// Number of parts for multipart objects (0 for single PUTs).
    #[serde(default)]
    pub parts: u32,
    /// The owning account: the writer, or the bucket owner when Object Ownership says so.
    pub owner: String,
    /// The object ACL's grants (`None`: the default, the owner's FULL_CONTROL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<Vec<Grant>>,
}

impl ObjectMeta {
    /// The ETag as it goes on the wire, quoted.
    pub fn quoted_etag(&self) -> String {
        format!("\"{}\"", self.etag)
    }
}

/// A part of a multipart upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    /// The blob holding the part.
    pub blob: String,
    /// Size in bytes.
    pub size: u64,
    /// The part's ETag (MD5 hex, no quotes).
    pub etag: String,
    /// Upload time, ms.
    pub last_modified: u64,
    /// The part's checksum (in the upload's algorithm, else CRC64NVME).
    pub checksum: Option<StoredChecksum>,
}

/// A multipart upload in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    /// The upload id.
    pub id: String,
    /// The key.
    pub key: String,
    /// Initiated, ms.
    pub initiated: u64,
    /// The headers the object will get.
    pub headers: ContentHeaders,
    /// Tags the object will get.
    pub tags: Vec<(String, String)>,
    /// `x-amz-checksum-algorithm` given at creation.
    #[serde(default, with = "opt_algo_serde")]
    pub checksum_algorithm: Option<ChecksumAlgorithm>,
    /// `x-amz-checksum-type: FULL_OBJECT` given at creation (else composite for SHA and
    /// CRC32/CRC32C, full-object for CRC64NVME).
    #[serde(default)]
    pub full_object: bool,
    /// The initiator's account.
    pub owner: String,
    /// The account that will own the object (`None`: the initiator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_owner: Option<String>,
    /// The ACL the object will get (`None`: the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<Vec<Grant>>,
    /// Parts uploaded so far.
    #[serde(skip)]
    pub parts: BTreeMap<u32, Arc<Part>>,
}

/// A bucket with its contents, as held in memory.
#[derive(Debug, Clone)]
pub struct Bucket {
    /// Settings.
    pub info: BucketInfo,
    /// Objects by key, in UTF-8 binary order (S3's listing order).
    pub objects: BTreeMap<String, Arc<ObjectMeta>>,
    /// Uploads in progress by id.
    pub uploads: BTreeMap<String, Upload>,
}

mod algo_serde {
    use super::ChecksumAlgorithm;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(a: &ChecksumAlgorithm, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(a.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ChecksumAlgorithm, D::Error> {
        let s = String::deserialize(d)?;
        ChecksumAlgorithm::parse(&s).ok_or_else(|| serde::de::Error::custom("unknown algorithm"))
    }
}

mod opt_algo_serde {
    use super::ChecksumAlgorithm;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        a: &Option<ChecksumAlgorithm>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match a {
            Some(a) => s.serialize_some(a.name()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<ChecksumAlgorithm>, D::Error> {
        let s = Option::<String>::deserialize(d)?;
        Ok(s.and_then(|s| ChecksumAlgorithm::parse(&s)))
    }
}
