//! The other runtimes: Node, a Rust `provided` bootstrap built here with rustc, and a WASM
//! handler built here from C with clang.

use aws_sdk_lambda::types::Runtime;
use nimbus_testkit::TestSandbox;

use super::{
    create, functions_dir, invoke, invoke_advancing_clock, rust_bootstrap, wasm_echo, zip,
    zip_with_modes,
};

#[tokio::test]
async fn node_handler() {
    let sb = TestSandbox::start().await;
    let source = std::fs::read_to_string(functions_dir().join("node-hello/index.mjs")).unwrap();
    create(
        &sb,
        "node",
        Runtime::Nodejs20x,
        "index.handler",
        zip(&[("index.mjs", &source)]),
    )
    .await;
    let r = invoke(&sb, "node", r#"{"name":"node"}"#).await;
    assert_eq!(r.function_error, None, "{}", r.payload);
    let v = r.json();
    assert_eq!(v["statusCode"], 200);
    assert!(v["body"].as_str().unwrap().contains("hello node"), "{v}");
    assert!(
        r.log.contains("\tINFO\tevent {\"name\":\"node\"}"),
        "{}",
        r.log
    );
    let r = invoke(&sb, "node", r#"{"fail":"please"}"#).await;
    assert_eq!(r.function_error.as_deref(), Some("Unhandled"));
    let v = r.json();
    assert_eq!(v["errorType"], "Error");
    assert_eq!(v["errorMessage"], "failing as asked: please");
    assert!(v["trace"].as_array().is_some_and(|t| !t.is_empty()), "{v}");

    // CommonJS with a callback.
    create(
        &sb,
        "node-cb",
        Runtime::Nodejs20x,
        "app.run",
        zip(&[("app.js", "exports.run = function (event, context, callback) { callback(null, { ok: context.functionName }); };")]),
    )
    .await;
    assert_eq!(invoke(&sb, "node-cb", "{}").await.json()["ok"], "node-cb");
}

#[tokio::test]
async fn rust_provided_bootstrap() {
    let sb = TestSandbox::start().await;
    let bin = rust_bootstrap();
    create(
        &sb,
        "rusty",
        Runtime::Providedal2023,
        "ignored.handler",
        zip_with_modes(&[("bootstrap", &bin, true)]),
    )
    .await;
    let r = invoke(&sb, "rusty", r#"{"n":1}"#).await;
    assert_eq!(r.function_error, None, "{}", r.payload);
    assert_eq!(r.json()["echo"]["n"], 1);
    assert_eq!(r.json()["handler"], "ignored.handler");
    assert!(r.log.contains("rust bootstrap starting"), "{}", r.log);
    assert!(r.log.contains("rust handler got 7 bytes"), "{}", r.log);
    let r = invoke(&sb, "rusty", r#"{"fail":true}"#).await;
    assert_eq!(r.function_error.as_deref(), Some("Unhandled"));
    assert_eq!(r.json()["errorType"], "RustError");

    // A package without a bootstrap.
    create(
        &sb,
        "noboot",
        Runtime::Providedal2,
        "x",
        zip(&[("README", "no bootstrap")]),
    )
    .await;
    let r = invoke(&sb, "noboot", "{}").await;
    assert_eq!(r.function_error.as_deref(), Some("Unhandled"));
    assert_eq!(r.json()["errorType"], "Runtime.InvalidEntrypoint");
}

#[tokio::test]
async fn wasm_handler() {
    let sb = TestSandbox::start().await;
    let module = wasm_echo();
    create(
        &sb,
        "wasm",
        Runtime::from("wasm32-wasi"),
        "handler.wasm",
        zip_with_modes(&[("handler.wasm", &module, false)]),
    )
    .await;
    let r = invoke(&sb, "wasm", r#"{"k":"v"}"#).await;
    assert_eq!(r.function_error, None, "{}", r.payload);
    assert_eq!(r.json()["echo"]["k"], "v");
    assert_eq!(r.json()["bytes"], 9);
    assert!(r.log.contains("wasm handler received 9 bytes"), "{}", r.log);
    assert!(r.log.contains("Init Duration"), "{}", r.log);
    let r = invoke(&sb, "wasm", "[1,2]").await;
    assert_eq!(r.json()["echo"], serde_json::json!([1, 2]));
    assert!(!r.log.contains("Init Duration"), "warm: {}", r.log);

    // A non-zero exit with an error document on stdout.
    let r = invoke(&sb, "wasm", r#"["crash"]"#).await;
    assert_eq!(r.function_error.as_deref(), Some("Unhandled"));
    assert_eq!(r.json()["errorType"], "CrashRequested");
    // A trap.
    let r = invoke(&sb, "wasm", r#"["trap"]"#).await;
    assert_eq!(r.json()["errorType"], "Runtime.Trap");
    // Memory beyond MemorySize.
    let r = invoke(&sb, "wasm", r#"["grow"]"#).await;
    assert_eq!(r.function_error.as_deref(), Some("Unhandled"));
    let t = r.json()["errorType"].as_str().unwrap().to_owned();
    assert!(
        t == "Runtime.OutOfMemory" || t == "Runtime.ExitError",
        "{}",
        r.payload
    );
    // An endless loop is interrupted at the timeout.
    let r = invoke_advancing_clock(&sb, "wasm", r#"["spin"]"#).await;
    assert_eq!(r.json()["errorType"], "Sandbox.Timedout");
    assert!(
        r.json()["errorMessage"]
            .as_str()
            .unwrap()
            .ends_with("Task timed out after 3.00 seconds")
    );
    // Still healthy afterwards.
    assert_eq!(invoke(&sb, "wasm", "1").await.json()["echo"], 1);

    // The provided.al2023 convention: a .wasm handler and no bootstrap.
    create(
        &sb,
        "wasm2",
        Runtime::Providedal2023,
        "fn.wasm",
        zip_with_modes(&[("fn.wasm", &module, false)]),
    )
    .await;
    assert_eq!(invoke(&sb, "wasm2", "2").await.json()["echo"], 2);
}
