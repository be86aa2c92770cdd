//! GetBucketOwnershipControls, PutBucketOwnershipControls, DeleteBucketOwnershipControls.

use http::StatusCode;
use nimbus_wire::Response;

use super::{Call, empty, xml};
use crate::Inner;
use crate::acl::xml::{ownership_controls, parse_ownership_controls};
use crate::error::S3Result;

/// `GET /{bucket}?ownershipControls`.
pub async fn get(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let ownership = inner.engine.ownership_controls(call.bucket()?)?;
    Ok(xml(ownership_controls(ownership)))
}

/// `PUT /{bucket}?ownershipControls`.
pub async fn put(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let bucket = call.bucket()?.to_owned();
    inner.engine.check_bucket(&bucket)?;
    let doc = call.document().await?;
    let ownership = parse_ownership_controls(&doc)?;
    inner
        .engine
        .set_ownership_controls(&bucket, Some(ownership))
        .await?;
    Ok(empty(StatusCode::OK))
}

/// `DELETE /{bucket}?ownershipControls`: the bucket then behaves as `ObjectWriter`.
pub async fn delete(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    inner
        .engine
        .set_ownership_controls(call.bucket()?, None)
        .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}
