//! GetPublicAccessBlock, PutPublicAccessBlock, DeletePublicAccessBlock: at bucket level
//! (`?publicAccessBlock`) and at account level (S3 Control's
//! `/v20180820/configuration/publicAccessBlock` with `x-amz-account-id`).

use http::StatusCode;
use nimbus_wire::Response;

use super::{Call, Op, empty, xml};
use crate::Inner;
use crate::acl::xml::{parse_public_access_block, public_access_block, public_access_block_ns};
use crate::error::{S3Error, S3Result};

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

/// `GET /v20180820/configuration/publicAccessBlock` (S3 Control): the account's settings.
pub async fn get_account(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let account = control_account(call)?;
    let block = inner.engine.account_public_access_block(&account)?;
    Ok(xml(public_access_block_ns(&block, S3_CONTROL_XMLNS)))
}

/// `PUT /v20180820/configuration/publicAccessBlock` (S3 Control).
pub async fn put_account(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let account = control_account(call)?;
    let doc = call.document().await?;
    let block = parse_public_access_block(&doc)?;
    inner
        .engine
        .set_account_public_access_block(&account, Some(block))
        .await?;
    Ok(empty(StatusCode::OK))
}

/// `DELETE /v20180820/configuration/publicAccessBlock` (S3 Control).
pub async fn delete_account(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let account = control_account(call)?;
    inner
        .engine
        .set_account_public_access_block(&account, None)
        .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// The `xmlns` of S3 Control's documents.
const S3_CONTROL_XMLNS: &str = "http://awss3control.amazonaws.com/doc/2018-08-20/";

/// The account an S3 Control request names in `x-amz-account-id`: twelve digits
/// (`InvalidRequest` otherwise), and the caller's own (`AccessDenied` otherwise: an account's
/// settings are its own to read and change).
fn control_account(call: &Call) -> S3Result<String> {
    let account = call
        .headers
        .get("x-amz-account-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(S3Error::Other {
            status: StatusCode::BAD_REQUEST,
            code: "InvalidRequest",
            message: "Account ID must be a 12-digit number".into(),
        });
    }
    if account != call.ctx.account.as_str() {
        return Err(S3Error::AccessDenied);
    }
    Ok(account.to_owned())
}

/// Whether `op` is one of S3 Control's operations, whose errors are wrapped.
pub fn is_s3_control(op: Op) -> bool {
    matches!(
        op,
        Op::GetAccountPublicAccessBlock
            | Op::PutAccountPublicAccessBlock
            | Op::DeleteAccountPublicAccessBlock
    )
}

/// The S3 Control operation a request is, when it is one (`/v20180820/…` with
/// `x-amz-account-id`, which no S3 request to a bucket named `v20180820` carries): the
/// account-level Block Public Access calls are served; the rest of S3 Control answers S3's
/// 501 naming it rather than taking `v20180820` for a bucket.
pub fn s3_control_operation(
    method: &str,
    path: &str,
    account_header: bool,
) -> Option<Result<Op, &'static str>> {
    if !account_header || !path.starts_with("/v20180820/") {
        return None;
    }
    Some(match (method, path) {
        ("GET", "/v20180820/configuration/publicAccessBlock") => {
            Ok(Op::GetAccountPublicAccessBlock)
        }
        ("PUT", "/v20180820/configuration/publicAccessBlock") => {
            Ok(Op::PutAccountPublicAccessBlock)
        }
        ("DELETE", "/v20180820/configuration/publicAccessBlock") => {
            Ok(Op::DeleteAccountPublicAccessBlock)
        }
        _ => Err("S3 Control"),
    })
}
