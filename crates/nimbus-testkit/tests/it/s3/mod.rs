//! S3 tests, one module per group of operations.

mod access;
mod account_block;
mod acl;
mod buckets;
mod durability;
mod list;
mod multipart;
pub(crate) mod notifications;
mod objects;
mod protocol;
mod strict;
mod version_ids;

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use nimbus_testkit::TestSandbox;

/// Creates a bucket.
pub async fn bucket(sb: &TestSandbox, name: &str) {
    sb.s3()
        .create_bucket()
        .bucket(name)
        .send()
        .await
        .expect("bucket created");
}

/// Puts an object with a body.
pub async fn put(sb: &TestSandbox, bucket: &str, key: &str, body: &[u8]) -> String {
    sb.s3()
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(body.to_vec()))
        .send()
        .await
        .expect("object put")
        .e_tag
        .expect("etag")
}

/// Reads an object whole.
pub async fn get(sb: &TestSandbox, bucket: &str, key: &str) -> Vec<u8> {
    sb.s3()
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .expect("object read")
        .body
        .collect()
        .await
        .expect("body")
        .to_vec()
}

/// The error code and HTTP status of a call that must fail.
pub fn err<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    r: Result<T, SdkError<E, aws_sdk_s3::config::http::HttpResponse>>,
) -> (String, u16) {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => {
            let status = e.raw_response().map(|r| r.status().as_u16()).unwrap_or(0);
            (e.code().unwrap_or("<no code>").to_owned(), status)
        }
    }
}
