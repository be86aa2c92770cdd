//! GetPublicAccessBlock, PutPublicAccessBlock, DeletePublicAccessBlock (bucket level).

use http::StatusCode;
use nimbus_wire::Response;

use super::{Call, empty, xml};
use crate::Inner;
use crate::acl::xml::{parse_public_access_block, public_access_block};
use crate::error::S3Result;

/// `GET /{bucket}?publicAccessBlock`.
pub async fn get(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let block = inner.engine.public_access_block(call.bucket()?)?;
    Ok(xml(public_access_block(&block)))
}

/// `PUT /{bucket}?publicAccessBlock`.
pub async fn put(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let bucket = call.bucket()?.to_owned();
    inner.engine.check_bucket(&bucket)?;
    let doc = call.document().await?;
    let block = parse_public_access_block(&doc)?;
    inner
        .engine
        .set_public_access_block(&bucket, Some(block))
        .await?;
    Ok(empty(StatusCode::OK))
}

/// `DELETE /{bucket}?publicAccessBlock`.
pub async fn delete(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    inner
        .engine
        .set_public_access_block(call.bucket()?, None)
        .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// The S3 Control operation a request is, when it is one of the account-level Block
/// Public Access calls (`/v20180820/configuration/publicAccessBlock` with
/// `x-amz-account-id`): nimbus does not serve S3 Control, and answers them with S3's 501
/// naming the operation rather than taking `v20180820` for a bucket.
pub fn s3_control_operation(
    method: &str,
    path: &str,
    account_header: bool,
) -> Option<&'static str> {
    if !account_header || !path.starts_with("/v20180820/") {
        return None;
    }
    Some(match (method, path) {
        ("GET", "/v20180820/configuration/publicAccessBlock") => {
            "GetPublicAccessBlock (S3 Control, account level)"
        }
        ("PUT", "/v20180820/configuration/publicAccessBlock") => {
            "PutPublicAccessBlock (S3 Control, account level)"
        }
        ("DELETE", "/v20180820/configuration/publicAccessBlock") => {
            "DeletePublicAccessBlock (S3 Control, account level)"
        }
        _ => "S3 Control",
    })
}
