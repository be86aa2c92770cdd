//! Function packages read from nimbus's own S3 (`Code.S3Bucket`/`S3Key`), and the errors
//! AWS gives when the object is not there.

use aws_sdk_lambda::types::{FunctionCode, Runtime};
use aws_sdk_s3::primitives::ByteStream;
use nimbus_testkit::TestSandbox;
use sha2::{Digest, Sha256};

use super::{ROLE, base64_decode, err, invoke, zip};

/// A Python package whose handler answers `{"v": <v>}`.
fn package(v: u32) -> Vec<u8> {
    zip(&[(
        "lambda_function.py",
        &format!("def lambda_handler(event, context):\n    return {{'v': {v}}}\n"),
    )])
}

async fn put(sb: &TestSandbox, bucket: &str, key: &str, body: Vec<u8>) {
    sb.s3()
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(body))
        .send()
        .await
        .expect("object put");
}

fn s3_code(bucket: &str, key: &str) -> FunctionCode {
    FunctionCode::builder()
        .s3_bucket(bucket)
        .s3_key(key)
        .build()
}

#[tokio::test]
async fn create_and_update_from_s3() {
    let sb = TestSandbox::start().await;
    sb.s3().create_bucket().bucket("code").send().await.unwrap();
    let v1 = package(1);
    put(&sb, "code", "pkg/v1.zip", v1.clone()).await;

    let created = sb
        .lambda()
        .create_function()
        .function_name("from-s3")
        .runtime(Runtime::Python312)
        .role(ROLE)
        .handler("lambda_function.lambda_handler")
        .code(s3_code("code", "pkg/v1.zip"))
        .send()
        .await
        .expect("function created from S3");
    // The package is the object's bytes.
    assert_eq!(created.code_size(), v1.len() as i64);
    assert_eq!(
        base64_decode(created.code_sha256().unwrap()),
        Sha256::digest(&v1).to_vec()
    );
    assert_eq!(invoke(&sb, "from-s3", "{}").await.json()["v"], 1);

    // UpdateFunctionCode from another object changes what runs.
    let v2 = package(2);
    put(&sb, "code", "pkg/v2.zip", v2.clone()).await;
    let updated = sb
        .lambda()
        .update_function_code()
        .function_name("from-s3")
        .s3_bucket("code")
        .s3_key("pkg/v2.zip")
        .send()
        .await
        .expect("code updated from S3");
    assert_eq!(updated.code_size(), v2.len() as i64);
    assert_ne!(updated.code_sha256(), created.code_sha256());
    assert_eq!(invoke(&sb, "from-s3", "{}").await.json()["v"], 2);

    // The object is read at update time: overwriting it and updating again picks up the new
    // content; "null" is the version id of an object in an unversioned bucket.
    put(&sb, "code", "pkg/v1.zip", package(3)).await;
    sb.lambda()
        .update_function_code()
        .function_name("from-s3")
        .s3_bucket("code")
        .s3_key("pkg/v1.zip")
        .s3_object_version("null")
        .send()
        .await
        .expect("code updated from the overwritten object");
    assert_eq!(invoke(&sb, "from-s3", "{}").await.json()["v"], 3);
}

#[tokio::test]
async fn missing_objects_answer_as_aws() {
    let sb = TestSandbox::start().await;
    sb.s3().create_bucket().bucket("code").send().await.unwrap();
    let create = |bucket: &str, key: &str| {
        sb.lambda()
            .create_function()
            .function_name("never")
            .runtime(Runtime::Python312)
            .role(ROLE)
            .handler("lambda_function.lambda_handler")
            .code(s3_code(bucket, key))
            .send()
    };

    let (c, m, s) = err(create("code", "absent.zip").await);
    assert_eq!(
        (c.as_str(), m.as_str(), s),
        (
            "InvalidParameterValueException",
            "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.",
            400
        )
    );
    let (c, m, s) = err(create("no-such-bucket", "fn.zip").await);
    assert_eq!(
        (c.as_str(), m.as_str(), s),
        (
            "InvalidParameterValueException",
            "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist",
            400
        )
    );
    // nimbus buckets are unversioned: any version id but "null" is S3's InvalidArgument.
    put(&sb, "code", "fn.zip", package(1)).await;
    let (c, m, _) = err(sb
        .lambda()
        .create_function()
        .function_name("never")
        .runtime(Runtime::Python312)
        .role(ROLE)
        .handler("lambda_function.lambda_handler")
        .code(
            FunctionCode::builder()
                .s3_bucket("code")
                .s3_key("fn.zip")
                .s3_object_version("3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY")
                .build(),
        )
        .send()
        .await);
    assert_eq!(c, "InvalidParameterValueException");
    assert!(m.contains("S3 Error Code: InvalidArgument"), "{m}");
    // None of these created a function.
    assert!(
        sb.lambda()
            .list_functions()
            .send()
            .await
            .unwrap()
            .functions()
            .is_empty()
    );

    // A failed update leaves the function as it was.
    sb.lambda()
        .create_function()
        .function_name("kept")
        .runtime(Runtime::Python312)
        .role(ROLE)
        .handler("lambda_function.lambda_handler")
        .code(s3_code("code", "fn.zip"))
        .send()
        .await
        .expect("function created from S3");
    let (c, m, s) = err(sb
        .lambda()
        .update_function_code()
        .function_name("kept")
        .s3_bucket("code")
        .s3_key("gone.zip")
        .send()
        .await);
    assert_eq!(
        (c.as_str(), s),
        ("InvalidParameterValueException", 400),
        "{m}"
    );
    assert!(m.contains("S3 Error Code: NoSuchKey"), "{m}");
    assert_eq!(invoke(&sb, "kept", "{}").await.json()["v"], 1);
}

#[tokio::test]
async fn packages_over_the_zipped_limit_are_refused() {
    let sb = TestSandbox::builder().in_memory().start().await;
    sb.s3().create_bucket().bucket("code").send().await.unwrap();
    // One byte over Lambda's 50 MB zipped-package limit; its content does not matter, since
    // nimbus refuses it before reading it.
    put(&sb, "code", "big.zip", vec![0u8; 52_428_801]).await;
    let (c, m, s) = err(sb
        .lambda()
        .create_function()
        .function_name("big")
        .runtime(Runtime::Python312)
        .role(ROLE)
        .handler("lambda_function.lambda_handler")
        .code(s3_code("code", "big.zip"))
        .send()
        .await);
    assert_eq!(
        (c.as_str(), m.as_str(), s),
        (
            "RequestTooLargeException",
            "Zipped size must be smaller than 52428800 bytes",
            413
        )
    );
}
