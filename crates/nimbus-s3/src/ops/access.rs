//! S3's one authorization point: which IAM action and resource each operation is
//! ([`rule`], one row per operation of the [`Op`] table), the condition keys S3 supplies,
//! and [`authorize`], called once for every request before its operation acts.
//!
//! A bucket's compiled policy and its owner decide with the caller's identity side
//! ([`nimbus_core::access::authorize`]): the owner's root on a bucket without a policy
//! passes without evaluating anything. When a policy is evaluated, `request_keys` and
//! `resource_keys` build only the condition keys it reads (the builder knows them): a
//! header, a query parameter or a tag family no statement reads is not even looked up. An
//! unknown bucket stays `NoSuchBucket` (before authorization), as on AWS. Operations that
//! name more than one resource check the rest themselves through [`check_object`]:
//! CopyObject and UploadPartCopy read their source (`s3:GetObject` against the source
//! bucket's policy and owner), DeleteObjects deletes each key under `s3:DeleteObject`.
//!
//! ACLs and Block Public Access decide through [`acl_allows`] (an ACL grant allows what no
//! bucket policy allows, unless a policy denies it explicitly; `engine::acl`) and
//! [`restrict_public_buckets`] (a bucket with a public policy admits only its own account and
//! AWS services).
//!
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html>

use nimbus_core::access::policy::{ContextBuilder, Policy, PrincipalKind};
use nimbus_core::access::{self, Caller, DenyReason, Resource};

use super::{Call, Op};
use crate::Inner;
use crate::acl::ObjectOwnership;
use crate::acl::decide::{AclTarget, acl_permission};
use crate::error::{S3Error, S3Result};
use crate::model::{Bucket, BucketInfo};

/// What an operation acts on, for authorization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// No bucket: the caller's own account (`ListBuckets`, resource `*`).
    Account,
    /// A bucket that may not exist yet (`CreateBucket`): owned by the caller's account.
    NewBucket,
    /// The bucket addressed (`arn:aws:s3:::bucket`).
    Bucket,
    /// The object addressed (`arn:aws:s3:::bucket/key`).
    Object,
    /// The bucket must exist; the operation checks each key it names (`DeleteObjects`).
    EachKey,
    /// The operation establishes its caller itself (`PostObject`'s form signature).
    Form,
    /// Not authorized (a CORS preflight is answered by the CORS rules alone).
    None,
}

/// The IAM action an operation needs and what it acts on (the "Actions, resources, and
/// condition keys for Amazon S3" page); an operation naming a version (`versionId`) needs
/// the `…Version…` action ([`versioned`]).
pub const fn rule(op: Op) -> (&'static str, Scope) {
    use Scope::*;
    match op {
        Op::ListBuckets => ("s3:ListAllMyBuckets", Account),
        Op::CreateBucket => ("s3:CreateBucket", NewBucket),
        Op::HeadBucket => ("s3:ListBucket", Bucket),
        Op::DeleteBucket => ("s3:DeleteBucket", Bucket),
        Op::GetBucketLocation => ("s3:GetBucketLocation", Bucket),
        Op::GetBucketTagging => ("s3:GetBucketTagging", Bucket),
        Op::PutBucketTagging | Op::DeleteBucketTagging => ("s3:PutBucketTagging", Bucket),
        Op::GetBucketPolicy => ("s3:GetBucketPolicy", Bucket),
        Op::PutBucketPolicy => ("s3:PutBucketPolicy", Bucket),
        Op::DeleteBucketPolicy => ("s3:DeleteBucketPolicy", Bucket),
        Op::GetBucketPolicyStatus => ("s3:GetBucketPolicyStatus", Bucket),
        Op::GetBucketCors => ("s3:GetBucketCORS", Bucket),
        Op::PutBucketCors | Op::DeleteBucketCors => ("s3:PutBucketCORS", Bucket),
        Op::GetBucketNotificationConfiguration => ("s3:GetBucketNotification", Bucket),
        Op::PutBucketNotificationConfiguration => ("s3:PutBucketNotification", Bucket),
        Op::GetBucketVersioning => ("s3:GetBucketVersioning", Bucket),
        Op::GetBucketAcl => ("s3:GetBucketAcl", Bucket),
        Op::PutBucketAcl => ("s3:PutBucketAcl", Bucket),
        Op::GetBucketOwnershipControls => ("s3:GetBucketOwnershipControls", Bucket),
        Op::PutBucketOwnershipControls | Op::DeleteBucketOwnershipControls => {
            ("s3:PutBucketOwnershipControls", Bucket)
        }
        Op::GetAccountPublicAccessBlock => ("s3:GetAccountPublicAccessBlock", Account),
        Op::PutAccountPublicAccessBlock | Op::DeleteAccountPublicAccessBlock => {
            ("s3:PutAccountPublicAccessBlock", Account)
        }
        Op::GetPublicAccessBlock => ("s3:GetBucketPublicAccessBlock", Bucket),
        Op::PutPublicAccessBlock | Op::DeletePublicAccessBlock => {
            ("s3:PutBucketPublicAccessBlock", Bucket)
        }
        Op::GetBucketEncryption => ("s3:GetEncryptionConfiguration", Bucket),
        Op::ListBucketMetricsConfigurations | Op::GetBucketMetricsConfiguration => {
            ("s3:GetMetricsConfiguration", Bucket)
        }
        Op::PutBucketMetricsConfiguration | Op::DeleteBucketMetricsConfiguration => {
            ("s3:PutMetricsConfiguration", Bucket)
        }
        Op::ListObjects | Op::ListObjectsV2 => ("s3:ListBucket", Bucket),
        Op::ListMultipartUploads => ("s3:ListBucketMultipartUploads", Bucket),
        Op::ListObjectVersions => ("s3:ListBucketVersions", Bucket),
        Op::DeleteObjects => ("s3:DeleteObject", EachKey),
        Op::PutObject
        | Op::CopyObject
        | Op::CreateMultipartUpload
        | Op::UploadPart
        | Op::UploadPartCopy
        | Op::CompleteMultipartUpload => ("s3:PutObject", Object),
        Op::PostObject => ("s3:PutObject", Form),
        Op::GetObject | Op::HeadObject => ("s3:GetObject", Object),
        Op::DeleteObject => ("s3:DeleteObject", Object),
        Op::GetObjectTagging => ("s3:GetObjectTagging", Object),
        Op::PutObjectTagging => ("s3:PutObjectTagging", Object),
        Op::DeleteObjectTagging => ("s3:DeleteObjectTagging", Object),
        Op::GetObjectAcl => ("s3:GetObjectAcl", Object),
        Op::PutObjectAcl => ("s3:PutObjectAcl", Object),
        Op::AbortMultipartUpload => ("s3:AbortMultipartUpload", Object),
        Op::ListParts => ("s3:ListMultipartUploadParts", Object),
        Op::PreflightRequest => ("", None),
    }
}

/// The action for a request naming a version (`?versionId=`): S3 asks for
/// `s3:GetObjectVersion` rather than `s3:GetObject`, and so on.
pub fn versioned(action: &'static str) -> &'static str {
    match action {
        "s3:GetObject" => "s3:GetObjectVersion",
        "s3:DeleteObject" => "s3:DeleteObjectVersion",
        "s3:GetObjectTagging" => "s3:GetObjectVersionTagging",
        "s3:PutObjectTagging" => "s3:PutObjectVersionTagging",
        "s3:DeleteObjectTagging" => "s3:DeleteObjectVersionTagging",
        "s3:GetObjectAcl" => "s3:GetObjectVersionAcl",
        "s3:PutObjectAcl" => "s3:PutObjectVersionAcl",
        other => other,
    }
}

/// Whether `policy` is public in S3's sense (`PolicyStatus.IsPublic`; Block Public Access's
/// `BlockPublicPolicy` refuses such a policy, `RestrictPublicBuckets` limits a bucket that
/// has one).
pub fn is_public_policy(policy: &Policy) -> bool {
    policy.is_public()
}

/// ACLs: whether the bucket's or the object's ACL grants `caller` what `action` needs
/// (`engine::acl::bucket_acl_allows`: nothing with ACLs disabled, public grants ignored
/// under `IgnorePublicAcls`). Consulted after the policies found no resource-side `Allow`
/// (an explicit `Deny` still wins, and so do the caller's own identity policies).
pub fn acl_allows(bucket: &Bucket, key: Option<&str>, caller: &Caller, action: &str) -> bool {
    crate::engine::acl::bucket_acl_allows(bucket, key, &caller.principal, action)
}

/// Block Public Access: whether `RestrictPublicBuckets` applies to the bucket. Then, while
/// its policy is public, only principals of the bucket owner's account and AWS services
/// are let in.
pub fn restrict_public_buckets(info: &BucketInfo) -> bool {
    crate::engine::acl::restricts_public_buckets(info)
}

/// The one authorization point: whether the request `call` may perform `op`. Runs before
/// the operation acts; `NoSuchBucket` first when the bucket does not exist.
pub fn authorize(inner: &Inner, op: Op, call: &Call) -> S3Result<()> {
    let (action, scope) = rule(op);
    let caller = &*call.ctx.caller;
    match scope {
        Scope::None | Scope::Form => Ok(()),
        Scope::Account | Scope::NewBucket => {
            if caller.principal.kind == PrincipalKind::Anonymous {
                return Err(S3Error::AccessDenied);
            }
            let arn = match (scope, call.bucket.as_deref()) {
                (Scope::NewBucket, Some(b)) => bucket_arn(b),
                _ => "*".to_owned(),
            };
            let owner = caller.account().to_owned();
            let resource = Resource {
                arn: &arn,
                owner: &owner,
                policy: None,
            };
            call.ctx
                .authorize(action, resource, |keys| request_keys(keys, call, op))
                .map_err(|_| S3Error::AccessDenied)
        }
        Scope::EachKey => inner.engine.with_bucket_view(call.bucket()?, |b| {
            // Each key is decided on its own; a caller from outside the owner's account
            // that no policy or ACL could let in is refused up front.
            let outsider = caller.account() != b.info.account
                || caller.principal.kind == PrincipalKind::Anonymous;
            if outsider && b.info.policy.is_none() && !acl_allows(b, Option::None, caller, action) {
                return Err(S3Error::AccessDenied);
            }
            Ok(())
        })?,
        Scope::Bucket | Scope::Object => {
            let bucket = call.bucket()?;
            let key = match scope {
                Scope::Object => Some(call.key()?),
                _ => Option::None,
            };
            let action = if call.query.has("versionId") {
                versioned(action)
            } else {
                action
            };
            inner.engine.with_bucket_view(bucket, |b| {
                if matches!(
                    op,
                    Op::GetBucketPolicy | Op::PutBucketPolicy | Op::DeleteBucketPolicy
                ) && caller.principal.kind == PrincipalKind::Root
                    && caller.account() == b.info.account
                {
                    // The owner's root can always manage the policy, so a bucket never
                    // locks its owner out.
                    return Ok(());
                }
                decide(call, op, b, key, action)?;
                if matches!(op, Op::GetObject | Op::HeadObject)
                    && let Some(k) = key
                    && !b.objects.contains_key(k)
                {
                    // A missing key is NoSuchKey only to a caller who may list the bucket.
                    decide(call, Op::ListObjects, b, Option::None, "s3:ListBucket")?;
                }
                Ok(())
            })?
        }
    }
}

/// Whether the request's caller may perform `action` on `key` of `bucket` (a copy's source,
/// each key of a DeleteObjects): `NoSuchBucket` when the bucket does not exist,
/// `AccessDenied` when refused.
pub fn check_object(
    inner: &Inner,
    call: &Call,
    bucket: &str,
    key: &str,
    action: &'static str,
) -> S3Result<()> {
    inner.engine.with_bucket_view(bucket, |b| {
        decide(call, Op::GetObject, b, Some(key), action)
    })?
}

/// Whether the request's caller may list `bucket` (`s3:ListBucket`): a missing key is
/// `NoSuchKey` only to such a caller, `AccessDenied` to others.
pub fn may_list(inner: &Inner, call: &Call, bucket: &str) -> bool {
    inner
        .engine
        .with_bucket_view(bucket, |b| {
            decide(call, Op::ListObjects, b, None, "s3:ListBucket").is_ok()
        })
        .unwrap_or(false)
}

/// Marks each entry of `keys` the caller may not delete (`s3:DeleteObject`) in `bucket`:
/// `refuse(i)` is called for the `i`th. One look at the bucket for all of them.
pub fn check_deletes(
    inner: &Inner,
    call: &Call,
    bucket: &str,
    keys: &[&str],
    mut refuse: impl FnMut(usize),
) -> S3Result<()> {
    inner.engine.with_bucket_view(bucket, |b| {
        for (i, key) in keys.iter().enumerate() {
            if decide(call, Op::DeleteObject, b, Some(key), "s3:DeleteObject").is_err() {
                refuse(i);
            }
        }
    })
}

/// The decision for `action` on `bucket` (and `key`): the bucket policy and the caller's
/// identity side, then the ACL hook, then `RestrictPublicBuckets`.
fn decide(
    call: &Call,
    op: Op,
    bucket: &Bucket,
    key: Option<&str>,
    action: &'static str,
) -> S3Result<()> {
    let info = &bucket.info;
    let policy = info.policy.as_ref().and_then(|p| p.compiled.as_deref());
    let caller = &*call.ctx.caller;
    if !object_context_allows(bucket, key, caller, action) {
        return Err(S3Error::AccessDenied);
    }
    if access::allowed_without_evaluation(caller, &info.account, policy) {
        // `authorize`'s fast path, decided before building the ARN.
        return Ok(());
    }
    let arn = match key {
        Some(k) => object_arn(&info.name, k),
        None => bucket_arn(&info.name),
    };
    let resource = Resource {
        arn: &arn,
        owner: &info.account,
        policy,
    };
    match call.ctx.authorize(action, resource, |keys| {
        request_keys(keys, call, op);
        resource_keys(keys, bucket, key);
    }) {
        Ok(()) => {}
        // An ACL grant is a resource-side allow: it makes up for a missing bucket-policy
        // grant, never for the caller's own identity policies (nor an explicit Deny).
        Err(denied)
            if denied.reason == DenyReason::NoResourcePolicy
                && denied.identity_allows
                && acl_allows(bucket, key, caller, action) => {}
        Err(_) => return Err(S3Error::AccessDenied),
    }
    if caller.account() != info.account
        && caller.principal.kind != PrincipalKind::Service
        && policy.is_some_and(is_public_policy)
        && restrict_public_buckets(info)
    {
        return Err(S3Error::AccessDenied);
    }
    Ok(())
}

/// AWS's object context, for an object another account owns (written by that account
/// under `ObjectWriter`, or under `BucketOwnerPreferred` without `bucket-owner-full-control`):
/// what the object's ACL governs (reading the object, reading and writing its ACL) only its
/// ACL can grant — the owner's FULL_CONTROL, grants to others — and neither the bucket
/// owner nor its bucket policy can; the bucket owner may still delete it, overwrite it and
/// do what the ACL does not govern. Objects the bucket owner owns (all of them with ACLs
/// disabled, the default) pass without a lookup.
fn object_context_allows(
    bucket: &Bucket,
    key: Option<&str>,
    caller: &Caller,
    action: &str,
) -> bool {
    if ObjectOwnership::acls_disabled(bucket.info.ownership) {
        return true;
    }
    let Some(meta) = key.and_then(|k| bucket.objects.get(k)) else {
        return true;
    };
    if meta.owner == bucket.info.account {
        return true;
    }
    match acl_permission(action) {
        Some((AclTarget::Object, _)) => acl_allows(bucket, key, caller, action),
        _ => true,
    }
}

/// `arn:aws:s3:::bucket`.
fn bucket_arn(bucket: &str) -> String {
    format!("arn:aws:s3:::{bucket}")
}

/// `arn:aws:s3:::bucket/key`.
fn object_arn(bucket: &str, key: &str) -> String {
    format!("arn:aws:s3:::{bucket}/{key}")
}

/// The grant headers and their condition keys (`s3:x-amz-grant-read`…).
const GRANT_HEADERS: [&str; 5] = [
    "x-amz-grant-read",
    "x-amz-grant-write",
    "x-amz-grant-read-acp",
    "x-amz-grant-write-acp",
    "x-amz-grant-full-control",
];

/// The condition keys the request itself carries: how it was signed, its headers (ACL,
/// encryption, tagging, copy source), its listing parameters. Only the keys the policies
/// read are built (`keys` knows them): a header nobody reads is not even looked up.
fn request_keys(keys: &mut ContextBuilder<'_>, call: &Call, op: Op) {
    if keys.wants("s3:signatureversion") || keys.wants("s3:authType") {
        let (version, auth_type) = signature_of(call, op);
        if let Some(v) = version {
            keys.insert("s3:signatureversion", v);
        }
        keys.insert("s3:authType", auth_type);
    }
    for (name, key) in HEADER_KEYS {
        if keys.wants(key)
            && let Some(v) = call.header(name)
        {
            keys.insert(key, v);
        }
    }
    for h in GRANT_HEADERS {
        if keys.wants_in("s3:", h)
            && let Some(v) = call.header(h)
        {
            keys.insert_in("s3:", h, v);
        }
    }
    if keys.wants("s3:VersionId")
        && let Some(v) = call.query.get("versionId")
    {
        keys.insert("s3:VersionId", v);
    }
    if matches!(
        op,
        Op::ListObjects | Op::ListObjectsV2 | Op::ListObjectVersions
    ) {
        for (param, key) in [
            ("prefix", "s3:prefix"),
            ("delimiter", "s3:delimiter"),
            ("max-keys", "s3:max-keys"),
        ] {
            if keys.wants(key)
                && let Some(v) = call.query.get(param)
            {
                keys.insert(key, v);
            }
        }
    }
    let tag_keys = keys.wants("s3:RequestObjectTagKeys");
    if (tag_keys || keys.wants_prefix("s3:RequestObjectTag/"))
        && let Some(tagging) = call.header("x-amz-tagging")
    {
        let mut names = Vec::new();
        for (k, v) in form_urlencoded::parse(tagging.as_bytes()) {
            keys.insert_in("s3:RequestObjectTag/", &k, v.into_owned());
            if tag_keys {
                names.push(k.into_owned());
            }
        }
        keys.insert_multi_with("s3:RequestObjectTagKeys", || names);
    }
}

/// The headers whose value is a condition key of the same meaning.
const HEADER_KEYS: [(&str, &str); 9] = [
    ("x-amz-content-sha256", "s3:x-amz-content-sha256"),
    ("x-amz-acl", "s3:x-amz-acl"),
    (
        "x-amz-server-side-encryption",
        "s3:x-amz-server-side-encryption",
    ),
    (
        "x-amz-server-side-encryption-aws-kms-key-id",
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
    ),
    ("x-amz-copy-source", "s3:x-amz-copy-source"),
    ("x-amz-metadata-directive", "s3:x-amz-metadata-directive"),
    ("x-amz-storage-class", "s3:x-amz-storage-class"),
    ("user-agent", "aws:UserAgent"),
    ("referer", "aws:Referer"),
];

/// The keys the bucket and the object supply: `aws:ResourceAccount`, the bucket's tags
/// (`aws:ResourceTag/…`), an existing object's tags (`s3:ExistingObjectTag/…`); a family
/// no policy reads is skipped whole.
fn resource_keys(keys: &mut ContextBuilder<'_>, bucket: &Bucket, key: Option<&str>) {
    keys.insert("aws:ResourceAccount", bucket.info.account.as_str());
    if keys.wants_prefix("aws:ResourceTag/") {
        for (k, v) in bucket.info.tags.iter().flatten() {
            keys.insert_in("aws:ResourceTag/", k, v.as_str());
        }
    }
    if keys.wants_prefix("s3:ExistingObjectTag/")
        && let Some(meta) = key.and_then(|k| bucket.objects.get(k))
    {
        for (k, v) in &meta.tags {
            keys.insert_in("s3:ExistingObjectTag/", k, v.as_str());
        }
    }
}

/// `s3:signatureversion` (`AWS` for SigV2, `AWS4-HMAC-SHA256`; none when unsigned) and
/// `s3:authType` (`REST-HEADER`, `REST-QUERY-STRING`, `POST`).
fn signature_of(call: &Call, op: Op) -> (Option<&'static str>, &'static str) {
    if op == Op::PostObject {
        let v = if call.header("x-amz-algorithm").is_some() {
            "AWS4-HMAC-SHA256"
        } else {
            "AWS"
        };
        return (Some(v), "POST");
    }
    if let Some(auth) = call.header("authorization") {
        let v = if auth.starts_with("AWS4-") {
            "AWS4-HMAC-SHA256"
        } else {
            "AWS"
        };
        return (Some(v), "REST-HEADER");
    }
    if call.query.has("X-Amz-Algorithm") {
        return (Some("AWS4-HMAC-SHA256"), "REST-QUERY-STRING");
    }
    if call.query.has("AWSAccessKeyId") {
        return (Some("AWS"), "REST-QUERY-STRING");
    }
    (Option::None, "REST-HEADER")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_a_rule_with_an_s3_action() {
        for op in Op::ALL.iter().copied() {
            let (action, scope) = rule(op);
            if scope == Scope::None {
                assert_eq!(op, Op::PreflightRequest);
                continue;
            }
            assert!(action.starts_with("s3:"), "{}: {action}", op.name());
        }
        assert_eq!(rule(Op::HeadObject), ("s3:GetObject", Scope::Object));
        assert_eq!(rule(Op::ListObjectsV2), ("s3:ListBucket", Scope::Bucket));
        assert_eq!(
            rule(Op::ListObjectVersions),
            ("s3:ListBucketVersions", Scope::Bucket)
        );
        assert_eq!(rule(Op::UploadPartCopy), ("s3:PutObject", Scope::Object));
        assert_eq!(versioned("s3:GetObject"), "s3:GetObjectVersion");
        assert_eq!(versioned("s3:PutObject"), "s3:PutObject");
    }

    /// A micro-benchmark of S3's authorization point on one bucket: PutObject and
    /// GetObject by the owner's root with no policy, an Allow-only policy, and Deny-bearing
    /// policies (one that reads no key, one that reads `aws:PrincipalAccount`), beside the
    /// same decision with the full condition context and an owned `Request` (what every
    /// evaluated request built before the policies knew their keys). The owner's root with a
    /// Deny-bearing policy goes through the core's owner-side path: the `Deny` statements
    /// alone, with the keys they read. Ignored by default; debug figures are only indicative
    /// (the release figures are what count):
    ///
    /// ```text
    /// cargo test -p nimbus-s3 --lib ops::access::tests::bench -- --ignored --nocapture
    /// ```
    #[tokio::test]
    #[ignore = "a benchmark: run with -- --ignored --nocapture"]
    async fn bench_authorize_with_deny_bearing_policies() {
        use std::hint::black_box;
        use std::time::Instant;

        use bytes::Bytes;
        use http::{HeaderMap, HeaderValue, Method};
        use nimbus_core::access::policy::{
            Decision, Policies, Policy, Request, RequestView, evaluate, evaluate_view,
        };
        use nimbus_core::access::{IdentityPolicies, RequestFacts};
        use nimbus_core::{AccountId, RequestContext, ServiceEnv};

        use crate::engine::Engine;
        use crate::engine::objects::WriteConditions;
        use crate::model::{BucketPolicy, ObjectMeta};
        use crate::ops::Query;

        const OWNER: &str = "111111111111";
        let deny_other = r#"{"Version":"2012-10-17","Statement":[
          {"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::bench/*"},
          {"Effect":"Deny","Principal":{"AWS":"333333333333"},"Action":"s3:*","Resource":["arn:aws:s3:::bench","arn:aws:s3:::bench/*"]}]}"#;
        let deny_outside = r#"{"Version":"2012-10-17","Statement":[
          {"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::bench","arn:aws:s3:::bench/*"],
           "Condition":{"StringNotEquals":{"aws:PrincipalAccount":["111111111111","222222222222"]}}}]}"#;
        let allow_only = r#"{"Version":"2012-10-17","Statement":[
          {"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bench/*"}]}"#;
        let cases: [(&str, Option<&str>); 4] = [
            ("no policy", None),
            ("Allow-only policy", Some(allow_only)),
            ("Deny on another account (reads no key)", Some(deny_other)),
            (
                "Deny outside two accounts (reads 1 key)",
                Some(deny_outside),
            ),
        ];
        let n: u32 = std::env::var("BENCH_N")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(100_000);
        let time = |f: &mut dyn FnMut()| {
            for _ in 0..n / 10 {
                f();
            }
            let mut best = f64::MAX;
            for _ in 0..5 {
                let start = Instant::now();
                for _ in 0..n / 5 {
                    f();
                }
                best = best.min(start.elapsed().as_nanos() as f64 / f64::from(n / 5));
            }
            best
        };
        let mut headers = HeaderMap::new();
        for (k, v) in [
            (
                "authorization",
                "AWS4-HMAC-SHA256 Credential=111111111111/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=0",
            ),
            ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"),
            ("x-amz-date", "20260101T000000Z"),
            ("user-agent", "aws-sdk-rust/1.0 os/linux lang/rust"),
            ("content-type", "application/octet-stream"),
        ] {
            headers.insert(k, HeaderValue::from_static(v));
        }
        let call = |method: Method| Call {
            ctx: RequestContext::internal(AccountId::parse(OWNER).expect("account"), "us-east-1"),
            method,
            headers: headers.clone(),
            query: Query(Vec::new()),
            bucket: Some("bench".into()),
            key: Some("dir/object-4k.bin".into()),
            body: parking_lot::Mutex::new(None),
            chunk_verifier: None,
        };
        let allow_all = [Policy::identity(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        )
        .expect("allow all")];
        println!("debug build: figures are only indicative");
        for (name, policy) in cases {
            let env = ServiceEnv::in_memory();
            let inner = Inner {
                env: env.clone(),
                engine: Engine::open(&env).expect("engine"),
            };
            inner
                .engine
                .create_bucket("bench", OWNER, "us-east-1")
                .await
                .expect("bucket");
            if let Some(p) = policy {
                let p = BucketPolicy::compile(p.into()).expect("policy");
                inner
                    .engine
                    .set_bucket_policy("bench", Some(p))
                    .await
                    .expect("set");
            }
            let mut w = inner.engine.blob_writer();
            w.write(Bytes::from(vec![7u8; 4096])).await.expect("write");
            let (blob, size) = w.finish().await.expect("finish");
            let meta = ObjectMeta {
                blob,
                size,
                etag: "0".into(),
                last_modified: 0,
                headers: Default::default(),
                checksum: None,
                tags: vec![("env".into(), "prod".into())],
                parts: 0,
                owner: OWNER.into(),
                acl: None,
            };
            let put = call(Method::PUT);
            inner
                .engine
                .put_object(
                    &put.ctx,
                    "bench",
                    "dir/object-4k.bin",
                    meta,
                    WriteConditions::default(),
                    "s3:ObjectCreated:Put",
                )
                .await
                .expect("put");
            let get = call(Method::GET);
            for (op, c) in [(Op::PutObject, &put), (Op::GetObject, &get)] {
                assert!(authorize(&inner, op, c).is_ok(), "{name}");
                let now = time(&mut || {
                    black_box(authorize(black_box(&inner), op, black_box(c)).is_ok());
                });
                // The same decision with every key built and the request copied.
                let full = |view: bool| {
                    inner
                        .engine
                        .with_bucket_view("bench", |b| {
                            let caller = &*c.ctx.caller;
                            assert!(matches!(caller.policies, IdentityPolicies::Unrestricted));
                            let policies = Policies {
                                identity: &allow_all,
                                resource: b
                                    .info
                                    .policy
                                    .as_ref()
                                    .and_then(|p| p.compiled.as_deref()),
                                ..Policies::default()
                            };
                            let key = c.key.as_deref();
                            let arn = object_arn(&b.info.name, key.unwrap_or(""));
                            let facts = RequestFacts {
                                source_ip: Some(c.ctx.source_ip),
                                region: &c.ctx.region,
                                now_millis: c.ctx.received_millis,
                            };
                            let mut keys = if view {
                                ContextBuilder::for_policies(&policies)
                            } else {
                                ContextBuilder::all()
                            };
                            access::request_keys(&mut keys, caller, &facts);
                            request_keys(&mut keys, c, op);
                            resource_keys(&mut keys, b, key);
                            let context = keys.finish();
                            let action = rule(op).0;
                            if view {
                                let req = RequestView {
                                    principal: &caller.principal,
                                    action,
                                    resource: &arn,
                                    resource_account: &b.info.account,
                                    context: &context,
                                };
                                evaluate_view(&req, &policies).decision
                            } else {
                                let req = Request::new(
                                    caller.principal.clone(),
                                    action,
                                    &arn,
                                    &b.info.account,
                                )
                                .with_context(context);
                                evaluate(&req, &policies).decision
                            }
                        })
                        .expect("bucket")
                };
                assert_eq!(full(false), Decision::Allow);
                assert_eq!(full(true), Decision::Allow);
                let before = time(&mut || {
                    black_box(full(false));
                });
                println!(
                    "{:<10} {name:<42} authorize {now:>8.0} ns; evaluated with the full context {before:>8.0} ns",
                    op.name()
                );
            }
        }
    }
}
