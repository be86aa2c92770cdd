//! GetBucketAcl, PutBucketAcl, GetObjectAcl, PutObjectAcl, and the ACL headers of the
//! writes (PutObject, CopyObject, CreateMultipartUpload, PostObject) read once for all.

use http::{HeaderMap, StatusCode};
use nimbus_wire::Response;

use super::{Call, empty, xml};
use crate::Inner;
use crate::acl::Grant;
use crate::acl::headers::{self, AclRequest};
use crate::acl::xml::{access_control_policy, parse_access_control_policy};
use crate::engine::version_id;
use crate::error::{S3Error, S3Result};

/// The owner and ACL an object written into `bucket` by the caller of `call` gets, from
/// the ACL in `h` (the request's headers, or a form's fields as headers); refused as S3
/// refuses (ACLs disabled, Block Public Access) before any content is read. One look at
/// the bucket, which also answers `NoSuchBucket` first.
pub fn for_write(
    inner: &Inner,
    call: &Call,
    h: &HeaderMap,
    bucket: &str,
) -> S3Result<(String, Option<Vec<Grant>>)> {
    let request = headers::parse(h);
    inner.engine.bucket_info(bucket, |info| {
        crate::engine::acl::object_acl_for_write(info, call.ctx.account.as_str(), request?.as_ref())
    })
}

/// The ACL a PutBucketAcl or PutObjectAcl asks for: in the headers or as an
/// `AccessControlPolicy` body, not both (`UnexpectedContent`) and not neither
/// (`MissingSecurityHeader`).
async fn requested(call: &mut Call) -> S3Result<AclRequest> {
    let from_headers = headers::parse(&call.headers)?;
    let doc = call.document().await?;
    let has_body = !doc.iter().all(u8::is_ascii_whitespace);
    match (from_headers, has_body) {
        (Some(_), true) => Err(S3Error::Other {
            status: StatusCode::BAD_REQUEST,
            code: "UnexpectedContent",
            message: "This request does not support content".into(),
        }),
        (Some(r), false) => Ok(r),
        (None, true) => Ok(AclRequest::Grants(parse_access_control_policy(&doc)?)),
        (None, false) => Err(S3Error::Detailed(Box::new(
            nimbus_wire::ServiceError::bad_request(
                "MissingSecurityHeader",
                "Your request was missing a required header",
            )
            .with_field("MissingHeaderName", "x-amz-acl"),
        ))),
    }
}

/// `GET /{bucket}?acl`.
pub async fn get_bucket_acl(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let (owner, grants) = inner.engine.bucket_acl(call.bucket()?)?;
    Ok(xml(access_control_policy(&owner, &grants)))
}

/// `PUT /{bucket}?acl`.
pub async fn put_bucket_acl(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let bucket = call.bucket()?.to_owned();
    inner.engine.check_bucket(&bucket)?;
    let request = requested(call).await?;
    inner.engine.put_bucket_acl(&bucket, &request).await?;
    Ok(empty(StatusCode::OK))
}

/// `GET /{bucket}/{key}?acl` (`?versionId=null` reads the same object: see
/// [`version_id`]).
pub async fn get_object_acl(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let (owner, grants) = inner.engine.object_acl(
        call.bucket()?,
        call.key()?,
        call.query.get(version_id::QUERY_ARGUMENT),
    )?;
    Ok(xml(access_control_policy(&owner, &grants)))
}

/// `PUT /{bucket}/{key}?acl`.
pub async fn put_object_acl(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let bucket = call.bucket()?.to_owned();
    let key = call.key()?.to_owned();
    inner.engine.check_bucket(&bucket)?;
    let request = requested(call).await?;
    let version = call
        .query
        .get(version_id::QUERY_ARGUMENT)
        .map(str::to_owned);
    inner
        .engine
        .put_object_acl(&bucket, &key, version.as_deref(), &request)
        .await?;
    Ok(empty(StatusCode::OK))
}
