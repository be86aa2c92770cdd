//! The operations, and which one a request is.
//!
//! S3 names an operation by method, by whether the path has a bucket and a key, and by
//! "subresource" query parameters (`?tagging`, `?uploads`, `?list-type=2`…) and a few
//! headers (`x-amz-copy-source`). [`classify`] follows the botocore model's `http` traits.

pub mod access;
pub mod acl;
pub mod bucket_config;
pub mod buckets;
pub mod copy;
pub mod cors;
pub mod delete_objects;
pub mod list;
pub mod metrics_config;
pub mod multipart;
pub mod notification;
pub mod objects;
pub mod ownership;
pub mod post_object;
pub mod public_access;
pub mod tagging;
pub mod unimplemented;

use http::{HeaderMap, HeaderValue, Method, StatusCode};
use nimbus_core::RequestContext;
use nimbus_wire::{RequestBody, Response};

use crate::Inner;
use crate::error::{S3Error, S3Result};
use nimbus_wire::operations::Binding::{Rules, Subresource};

nimbus_wire::operations! {
    /// An S3 operation nimbus answers: its name, its binding and its handler. S3 names an
    /// operation by method, bucket and key, subresources and headers: a `Subresource` row
    /// is matched from the table, the `Rules` rows by [`classify`].
    pub enum Op for Inner, Call, S3Error {
        ListBuckets = Rules => buckets::list_buckets,
        CreateBucket = Rules => buckets::create_bucket,
        HeadBucket = Rules => buckets::head_bucket,
        DeleteBucket = Rules => buckets::delete_bucket,
        GetBucketLocation = Subresource { method: "GET", object: false, name: "location" } => buckets::get_bucket_location,
        GetBucketTagging = Subresource { method: "GET", object: false, name: "tagging" } => bucket_config::get_bucket_tagging,
        PutBucketTagging = Subresource { method: "PUT", object: false, name: "tagging" } => bucket_config::put_bucket_tagging,
        DeleteBucketTagging = Subresource { method: "DELETE", object: false, name: "tagging" } => bucket_config::delete_bucket_tagging,
        GetBucketPolicy = Subresource { method: "GET", object: false, name: "policy" } => bucket_config::get_bucket_policy,
        PutBucketPolicy = Subresource { method: "PUT", object: false, name: "policy" } => bucket_config::put_bucket_policy,
        DeleteBucketPolicy = Subresource { method: "DELETE", object: false, name: "policy" } => bucket_config::delete_bucket_policy,
        GetBucketPolicyStatus = Subresource { method: "GET", object: false, name: "policyStatus" } => bucket_config::get_bucket_policy_status,
        GetBucketCors = Subresource { method: "GET", object: false, name: "cors" } => bucket_config::get_bucket_cors,
        PutBucketCors = Subresource { method: "PUT", object: false, name: "cors" } => bucket_config::put_bucket_cors,
        DeleteBucketCors = Subresource { method: "DELETE", object: false, name: "cors" } => bucket_config::delete_bucket_cors,
        GetBucketNotificationConfiguration = Subresource { method: "GET", object: false, name: "notification" } => notification::get,
        PutBucketNotificationConfiguration = Subresource { method: "PUT", object: false, name: "notification" } => notification::put,
        GetBucketVersioning = Subresource { method: "GET", object: false, name: "versioning" } => bucket_config::get_bucket_versioning,
        GetBucketAcl = Subresource { method: "GET", object: false, name: "acl" } => acl::get_bucket_acl,
        PutBucketAcl = Subresource { method: "PUT", object: false, name: "acl" } => acl::put_bucket_acl,
        GetBucketOwnershipControls = Subresource { method: "GET", object: false, name: "ownershipControls" } => ownership::get,
        PutBucketOwnershipControls = Subresource { method: "PUT", object: false, name: "ownershipControls" } => ownership::put,
        DeleteBucketOwnershipControls = Subresource { method: "DELETE", object: false, name: "ownershipControls" } => ownership::delete,
        GetPublicAccessBlock = Subresource { method: "GET", object: false, name: "publicAccessBlock" } => public_access::get,
        PutPublicAccessBlock = Subresource { method: "PUT", object: false, name: "publicAccessBlock" } => public_access::put,
        DeletePublicAccessBlock = Subresource { method: "DELETE", object: false, name: "publicAccessBlock" } => public_access::delete,
        GetAccountPublicAccessBlock = Rules => public_access::get_account,
        PutAccountPublicAccessBlock = Rules => public_access::put_account,
        DeleteAccountPublicAccessBlock = Rules => public_access::delete_account,
        GetBucketEncryption = Subresource { method: "GET", object: false, name: "encryption" } => bucket_config::get_bucket_encryption,
        ListBucketMetricsConfigurations = Rules => metrics_config::list,
        GetBucketMetricsConfiguration = Subresource { method: "GET", object: false, name: "metrics" } => metrics_config::get,
        PutBucketMetricsConfiguration = Subresource { method: "PUT", object: false, name: "metrics" } => metrics_config::put,
        DeleteBucketMetricsConfiguration = Subresource { method: "DELETE", object: false, name: "metrics" } => metrics_config::delete,
        ListObjects = Rules => list_objects_v1,
        ListObjectsV2 = Rules => list_objects_v2,
        ListMultipartUploads = Subresource { method: "GET", object: false, name: "uploads" } => multipart::list_uploads,
        ListObjectVersions = Subresource { method: "GET", object: false, name: "versions" } => list::list_object_versions,
        DeleteObjects = Subresource { method: "POST", object: false, name: "delete" } => delete_objects::delete_objects,
        PutObject = Rules => objects::put_object,
        PostObject = Rules => post_object::post_object,
        GetObject = Rules => get_object,
        HeadObject = Rules => head_object,
        DeleteObject = Rules => objects::delete_object,
        CopyObject = Rules => copy::copy_object,
        GetObjectTagging = Subresource { method: "GET", object: true, name: "tagging" } => tagging::get_object_tagging,
        PutObjectTagging = Subresource { method: "PUT", object: true, name: "tagging" } => tagging::put_object_tagging,
        DeleteObjectTagging = Subresource { method: "DELETE", object: true, name: "tagging" } => tagging::delete_object_tagging,
        GetObjectAcl = Subresource { method: "GET", object: true, name: "acl" } => acl::get_object_acl,
        PutObjectAcl = Subresource { method: "PUT", object: true, name: "acl" } => acl::put_object_acl,
        CreateMultipartUpload = Subresource { method: "POST", object: true, name: "uploads" } => multipart::create,
        UploadPart = Rules => multipart::upload_part,
        UploadPartCopy = Rules => copy::upload_part_copy,
        CompleteMultipartUpload = Subresource { method: "POST", object: true, name: "uploadId" } => multipart::complete,
        AbortMultipartUpload = Rules => multipart::abort,
        ListParts = Subresource { method: "GET", object: true, name: "uploadId" } => multipart::list_parts,
        PreflightRequest = Rules => cors::preflight,
    }
    not_implemented {
        // Answered with 501 `NotImplemented` naming them.
        WriteGetObjectResponse = Rules,
        GetBucketAccelerateConfiguration = Subresource { method: "GET", object: false, name: "accelerate" },
        PutBucketAccelerateConfiguration = Subresource { method: "PUT", object: false, name: "accelerate" },
        GetBucketAnalyticsConfiguration = Subresource { method: "GET", object: false, name: "analytics" },
        PutBucketAnalyticsConfiguration = Subresource { method: "PUT", object: false, name: "analytics" },
        DeleteBucketAnalyticsConfiguration = Subresource { method: "DELETE", object: false, name: "analytics" },
        PutBucketEncryption = Subresource { method: "PUT", object: false, name: "encryption" },
        DeleteBucketEncryption = Subresource { method: "DELETE", object: false, name: "encryption" },
        GetBucketIntelligentTieringConfiguration = Subresource { method: "GET", object: false, name: "intelligent-tiering" },
        PutBucketIntelligentTieringConfiguration = Subresource { method: "PUT", object: false, name: "intelligent-tiering" },
        DeleteBucketIntelligentTieringConfiguration = Subresource { method: "DELETE", object: false, name: "intelligent-tiering" },
        GetBucketInventoryConfiguration = Subresource { method: "GET", object: false, name: "inventory" },
        PutBucketInventoryConfiguration = Subresource { method: "PUT", object: false, name: "inventory" },
        DeleteBucketInventoryConfiguration = Subresource { method: "DELETE", object: false, name: "inventory" },
        GetBucketLifecycleConfiguration = Subresource { method: "GET", object: false, name: "lifecycle" },
        PutBucketLifecycleConfiguration = Subresource { method: "PUT", object: false, name: "lifecycle" },
        DeleteBucketLifecycle = Subresource { method: "DELETE", object: false, name: "lifecycle" },
        GetBucketLogging = Subresource { method: "GET", object: false, name: "logging" },
        PutBucketLogging = Subresource { method: "PUT", object: false, name: "logging" },
        GetBucketReplication = Subresource { method: "GET", object: false, name: "replication" },
        PutBucketReplication = Subresource { method: "PUT", object: false, name: "replication" },
        DeleteBucketReplication = Subresource { method: "DELETE", object: false, name: "replication" },
        GetBucketRequestPayment = Subresource { method: "GET", object: false, name: "requestPayment" },
        PutBucketRequestPayment = Subresource { method: "PUT", object: false, name: "requestPayment" },
        PutBucketVersioning = Subresource { method: "PUT", object: false, name: "versioning" },
        GetBucketWebsite = Subresource { method: "GET", object: false, name: "website" },
        PutBucketWebsite = Subresource { method: "PUT", object: false, name: "website" },
        DeleteBucketWebsite = Subresource { method: "DELETE", object: false, name: "website" },
        GetObjectLockConfiguration = Subresource { method: "GET", object: false, name: "object-lock" },
        PutObjectLockConfiguration = Subresource { method: "PUT", object: false, name: "object-lock" },
        GetBucketMetadataTableConfiguration = Subresource { method: "GET", object: false, name: "metadataTable" },
        CreateBucketMetadataTableConfiguration = Subresource { method: "POST", object: false, name: "metadataTable" },
        DeleteBucketMetadataTableConfiguration = Subresource { method: "DELETE", object: false, name: "metadataTable" },
        GetBucketMetadataConfiguration = Subresource { method: "GET", object: false, name: "metadataConfiguration" },
        CreateBucketMetadataConfiguration = Subresource { method: "POST", object: false, name: "metadataConfiguration" },
        DeleteBucketMetadataConfiguration = Subresource { method: "DELETE", object: false, name: "metadataConfiguration" },
        UpdateBucketMetadataInventoryTableConfiguration = Subresource { method: "PUT", object: false, name: "metadataInventoryTable" },
        UpdateBucketMetadataJournalTableConfiguration = Subresource { method: "PUT", object: false, name: "metadataJournalTable" },
        GetBucketAbac = Subresource { method: "GET", object: false, name: "abac" },
        PutBucketAbac = Subresource { method: "PUT", object: false, name: "abac" },
        CreateSession = Subresource { method: "GET", object: false, name: "session" },
        GetObjectAttributes = Subresource { method: "GET", object: true, name: "attributes" },
        GetObjectLegalHold = Subresource { method: "GET", object: true, name: "legal-hold" },
        PutObjectLegalHold = Subresource { method: "PUT", object: true, name: "legal-hold" },
        GetObjectRetention = Subresource { method: "GET", object: true, name: "retention" },
        PutObjectRetention = Subresource { method: "PUT", object: true, name: "retention" },
        GetObjectTorrent = Subresource { method: "GET", object: true, name: "torrent" },
        RestoreObject = Subresource { method: "POST", object: true, name: "restore" },
        SelectObjectContent = Subresource { method: "POST", object: true, name: "select" },
        RenameObject = Subresource { method: "PUT", object: true, name: "renameObject" },
        UpdateObjectEncryption = Subresource { method: "PUT", object: true, name: "encryption" },
    }
}

async fn list_objects_v1(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    list::list_objects(inner, call, false).await
}

async fn list_objects_v2(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    list::list_objects(inner, call, true).await
}

async fn get_object(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    objects::get_object(inner, call, false).await
}

async fn head_object(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    objects::get_object(inner, call, true).await
}

/// What [`classify`] found a request to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// An operation nimbus answers.
    Served(Op),
    /// A modelled operation nimbus does not implement (501), by name.
    NotImplemented(&'static str),
}

/// A query string read in place: lookups decode without allocating unless a name or value
/// carries escapes.
#[derive(Debug, Clone, Copy)]
pub struct RawQuery<'a>(pub Option<&'a str>);

impl RawQuery<'_> {
    /// Whether `name` is present (with or without a value).
    pub fn has(&self, name: &str) -> bool {
        self.pairs().any(|(k, _)| k == name)
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<std::borrow::Cow<'_, str>> {
        self.pairs().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    fn pairs(&self) -> form_urlencoded::Parse<'_> {
        form_urlencoded::parse(self.0.unwrap_or("").as_bytes())
    }
}

/// The query string, decoded, in order.
#[derive(Debug, Default, Clone)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    /// Parses a raw query string.
    pub fn parse(q: Option<&str>) -> Query {
        Query(
            q.map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default(),
        )
    }

    /// Whether `name` is present (with or without a value).
    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One request, as the operations see it.
pub struct Call {
    /// What the gateway established.
    pub ctx: RequestContext,
    /// The method.
    pub method: Method,
    /// The headers.
    pub headers: HeaderMap,
    /// The query.
    pub query: Query,
    /// The bucket addressed.
    pub bucket: Option<String>,
    /// The key addressed.
    pub key: Option<String>,
    /// The body, until an operation takes it (in a mutex only so that `&Call` is `Send`
    /// across awaits: a streaming body is not `Sync`).
    pub body: parking_lot::Mutex<Option<RequestBody>>,
    /// In strict mode, the verifier of a signed streaming body's chunk signatures.
    pub chunk_verifier: Option<nimbus_wire::sigv4::ChunkVerifier>,
}

impl Call {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    }

    /// The bucket (operations routed here always have one).
    pub fn bucket(&self) -> S3Result<&str> {
        self.bucket
            .as_deref()
            .ok_or_else(|| S3Error::invalid_argument("A bucket name is required"))
    }

    /// The key (object operations always have one).
    pub fn key(&self) -> S3Result<&str> {
        self.key
            .as_deref()
            .ok_or_else(|| S3Error::invalid_argument("A key is required"))
    }

    /// Takes the body.
    pub fn take_body(&mut self) -> RequestBody {
        self.body
            .get_mut()
            .take()
            .unwrap_or(RequestBody::Full(bytes::Bytes::new()))
    }

    /// Reads a small XML document body (decoding `aws-chunked` if the SDK used it).
    pub async fn document(&mut self) -> S3Result<bytes::Bytes> {
        let body = self.take_body();
        let verifier = self.chunk_verifier.take();
        crate::body::read_document(
            body,
            &self.headers,
            crate::limits::MAX_CONFIG_BODY,
            verifier,
        )
        .await
    }

    /// The caller's principal id, as S3 writes it in events.
    pub fn principal(&self) -> String {
        format!("AWS:{}", self.ctx.account)
    }
}

/// The not-implemented operation a `method` with a subresource in `q` names on a bucket
/// (`object: false`) or an object.
fn not_implemented(method: &str, object: bool, q: RawQuery<'_>) -> Option<&'static str> {
    Op::NOT_IMPLEMENTED.iter().find_map(|(n, b)| match b {
        Subresource {
            method: bm,
            object: bo,
            name,
        } if *bm == method && *bo == object && q.has(name) => Some(*n),
        _ => None,
    })
}

/// The served operation a `method` with a subresource in `q` names on a bucket
/// (`object: false`) or an object: the first [`Subresource`] row of the table that matches,
/// so a request with two subresources is the earlier row's.
fn by_subresource(method: &str, object: bool, q: RawQuery<'_>) -> Option<Op> {
    Op::ALL.iter().copied().find(|op| match op.binding() {
        Subresource {
            method: bm,
            object: bo,
            name,
        } => bm == method && bo == object && q.has(name),
        _ => false,
    })
}

/// Which operation a request is, from its method, query, the bucket it addresses (if any),
/// whether it addresses a key, and whether it carries `x-amz-copy-source`. The table's
/// [`Subresource`] rows (served or not) are tried first; the `Rules` rows follow here.
pub fn classify(
    method: &Method,
    q: RawQuery<'_>,
    bucket: Option<&str>,
    has_key: bool,
    copy: bool,
) -> S3Result<Found> {
    let m = method.as_str();
    if *method == Method::OPTIONS {
        return Ok(Found::Served(Op::PreflightRequest));
    }
    let Some(bucket) = bucket else {
        return match m {
            "GET" | "HEAD" => Ok(Found::Served(Op::ListBuckets)),
            _ => Err(S3Error::MethodNotAllowed {
                method: m.to_owned(),
                resource: "SERVICE",
            }),
        };
    };
    if !has_key && m == "POST" && bucket == "WriteGetObjectResponse" {
        return Ok(Found::NotImplemented("WriteGetObjectResponse"));
    }
    if let Some(name) = not_implemented(m, has_key, q) {
        return Ok(Found::NotImplemented(name));
    }
    // `GET ?metrics` lists the configurations; with `id` it gets one (the table's row).
    if !has_key && m == "GET" && q.has("metrics") && !q.has("id") {
        return Ok(Found::Served(Op::ListBucketMetricsConfigurations));
    }
    if let Some(op) = by_subresource(m, has_key, q) {
        return Ok(Found::Served(op));
    }
    let (op, resource) = if has_key {
        let part = q.has("uploadId") && q.has("partNumber");
        let op = match m {
            "GET" => Some(Op::GetObject),
            "HEAD" => Some(Op::HeadObject),
            "PUT" if part && copy => Some(Op::UploadPartCopy),
            "PUT" if part => Some(Op::UploadPart),
            "PUT" if copy => Some(Op::CopyObject),
            "PUT" => Some(Op::PutObject),
            "DELETE" if q.has("uploadId") => Some(Op::AbortMultipartUpload),
            "DELETE" => Some(Op::DeleteObject),
            _ => None,
        };
        (op, "OBJECT")
    } else {
        let op = match m {
            "GET" if q.get("list-type").as_deref() == Some("2") => Some(Op::ListObjectsV2),
            "GET" => Some(Op::ListObjects),
            "HEAD" => Some(Op::HeadBucket),
            "PUT" => Some(Op::CreateBucket),
            "DELETE" => Some(Op::DeleteBucket),
            "POST" => Some(Op::PostObject),
            _ => None,
        };
        (op, "BUCKET")
    };
    op.map(Found::Served)
        .ok_or_else(|| S3Error::MethodNotAllowed {
            method: m.to_owned(),
            resource,
        })
}

/// A response with `status` and no body.
pub fn empty(status: StatusCode) -> Response {
    let mut r = http::Response::new(nimbus_wire::body::empty());
    *r.status_mut() = status;
    r
}

/// A 200 response carrying an XML document.
pub fn xml(doc: String) -> Response {
    nimbus_wire::body::response(StatusCode::OK, "application/xml", doc)
}

/// Sets a header when `value` is a valid header value.
pub fn set(resp: &mut Response, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, v);
    }
}

/// The S3 namespace of response documents.
pub const XMLNS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// S3's timestamp format in XML (`2026-01-01T00:00:00.000Z`).
pub fn xml_time(millis: u64) -> String {
    nimbus_core::timefmt::iso8601_millis(millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(method: Method, q: &str, key: bool, copy: bool) -> S3Result<Found> {
        classify(&method, RawQuery(Some(q)), Some("b"), key, copy)
    }

    #[test]
    fn subresource_rows_then_rules() {
        let served = |f: S3Result<Found>| match f {
            Ok(Found::Served(op)) => op.name(),
            Ok(Found::NotImplemented(n)) => n,
            Err(_) => "error",
        };
        assert_eq!(served(op(Method::GET, "", false, false)), "ListObjects");
        assert_eq!(
            served(op(Method::GET, "list-type=2", false, false)),
            "ListObjectsV2"
        );
        // Two subresources: the earlier row's, as the chains before the table did.
        assert_eq!(
            served(op(Method::GET, "versions&uploads", false, false)),
            "ListMultipartUploads"
        );
        assert_eq!(served(op(Method::PUT, "acl", false, false)), "PutBucketAcl");
        assert_eq!(served(op(Method::GET, "acl", false, false)), "GetBucketAcl");
        assert_eq!(served(op(Method::POST, "", false, false)), "PostObject");
        assert_eq!(
            served(op(
                Method::PUT,
                "tagging&uploadId=u&partNumber=1",
                true,
                false
            )),
            "PutObjectTagging"
        );
        assert_eq!(
            served(op(Method::PUT, "uploadId=u&partNumber=1", true, true)),
            "UploadPartCopy"
        );
        assert_eq!(served(op(Method::PUT, "", true, true)), "CopyObject");
        assert_eq!(
            served(op(Method::DELETE, "uploadId=u", true, false)),
            "AbortMultipartUpload"
        );
        assert_eq!(served(op(Method::POST, "", true, false)), "error");
        assert_eq!(served(op(Method::PATCH, "", false, false)), "error");
        assert_eq!(
            served(classify(
                &Method::OPTIONS,
                RawQuery(None),
                None,
                false,
                false
            )),
            "PreflightRequest"
        );
    }
}
