//! Hot reload: a function whose code is a local directory picks up changes without a
//! redeploy.

use aws_sdk_lambda::types::{FunctionCode, Runtime};
use nimbus_testkit::TestSandbox;

use super::{ROLE, invoke};

#[tokio::test]
async fn local_directory_changes_replace_warm_environments() {
    let sb = TestSandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lambda_function.py");
    std::fs::write(&file, "def lambda_handler(e, c):\n    return 'v1'\n").unwrap();
    let c = sb
        .lambda()
        .create_function()
        .function_name("hot")
        .runtime(Runtime::Python312)
        .role(ROLE)
        .handler("lambda_function.lambda_handler")
        .code(
            FunctionCode::builder()
                .s3_bucket("hot-reload")
                .s3_key(dir.path().to_str().unwrap())
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(c.code_size(), 0);
    assert_eq!(invoke(&sb, "hot", "{}").await.payload, "\"v1\"");
    assert_eq!(invoke(&sb, "hot", "{}").await.payload, "\"v1\"");

    std::fs::write(&file, "def lambda_handler(e, c):\n    return 'v2'\n").unwrap();
    // The watcher reacts to the file system in real time; poll a bounded number of times.
    let mut seen = String::new();
    for _ in 0..200 {
        seen = invoke(&sb, "hot", "{}").await.payload;
        if seen == "\"v2\"" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(seen, "\"v2\"");
}
