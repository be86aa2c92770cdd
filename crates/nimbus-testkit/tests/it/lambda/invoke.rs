//! Invoke with the Python runtime: the class's handler, handler errors, init errors,
//! timeouts, log tails, payload limits, DryRun/Event, reserved concurrency, warm reuse.

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{InvocationType, Runtime, ThrottleReason};
use nimbus_testkit::TestSandbox;

use super::{create, err, functions_dir, invoke, invoke_advancing_clock, python, zip};

#[tokio::test]
async fn the_class_handler_runs_and_logs() {
    let sb = TestSandbox::start().await;
    let source =
        std::fs::read_to_string(functions_dir().join("python-class/lambda_function.py")).unwrap();
    python(&sb, "hello", &source).await;
    let r = invoke(&sb, "hello", r#"{"name": "class"}"#).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.function_error, None);
    assert_eq!(r.version.as_deref(), Some("$LATEST"));
    let v = r.json();
    assert_eq!(v["statusCode"], 200);
    let body: serde_json::Value = serde_json::from_str(v["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["message"], "hello class");
    assert_eq!(body["request_id"].as_str().map(str::len), Some(36));
    assert!(r.log.contains("START RequestId: "), "{}", r.log);
    assert!(
        r.log.contains(r#"Received event: {"name": "class"}"#),
        "{}",
        r.log
    );
    assert!(r.log.contains("function hello has "), "{}", r.log);
    assert!(r.log.contains("END RequestId: "), "{}", r.log);
    assert!(r.log.contains("REPORT RequestId: "), "{}", r.log);
    assert!(r.log.contains("Billed Duration: "), "{}", r.log);
    assert!(
        r.log.contains("Memory Size: 128 MB\tMax Memory Used: "),
        "{}",
        r.log
    );
    assert!(r.log.contains("Init Duration: "), "cold start: {}", r.log);

    // Warm: the same environment, no Init Duration.
    let r2 = invoke(&sb, "hello", "{}").await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(r2.json()["body"].as_str().unwrap()).unwrap()["message"],
        "hello world"
    );
    assert!(!r2.log.contains("Init Duration"), "warm start: {}", r2.log);
}

#[tokio::test]
async fn handler_errors_are_unhandled_function_errors() {
    let sb = TestSandbox::start().await;
    python(
        &sb,
        "boom",
        "def lambda_handler(event, context):\n    raise ValueError('bad input: ' + str(event.get('x')))\n",
    )
    .await;
    let r = invoke(&sb, "boom", r#"{"x": 7}"#).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.function_error.as_deref(), Some("Unhandled"));
    let v = r.json();
    assert_eq!(v["errorType"], "ValueError");
    assert_eq!(v["errorMessage"], "bad input: 7");
    assert!(
        v["stackTrace"].as_array().is_some_and(|s| !s.is_empty()),
        "{v}"
    );
    assert!(
        r.log.contains("[ERROR] ValueError: bad input: 7"),
        "{}",
        r.log
    );

    // The environment survives a handler error.
    let r = invoke(&sb, "boom", "{}").await;
    assert!(!r.log.contains("Init Duration"), "{}", r.log);

    // Init errors: a missing module, a missing handler.
    create(
        &sb,
        "noimport",
        Runtime::Python312,
        "missing_module.handler",
        zip(&[("other.py", "")]),
    )
    .await;
    let r = invoke(&sb, "noimport", "{}").await;
    assert_eq!(r.function_error.as_deref(), Some("Unhandled"));
    assert_eq!(r.json()["errorType"], "Runtime.ImportModuleError");
    assert!(
        r.json()["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with("Unable to import module 'missing_module'")
    );
    create(
        &sb,
        "nohandler",
        Runtime::Python312,
        "lambda_function.nope",
        zip(&[("lambda_function.py", "x = 1\n")]),
    )
    .await;
    let r = invoke(&sb, "nohandler", "{}").await;
    assert_eq!(r.json()["errorType"], "Runtime.HandlerNotFound");
    // A result that is not JSON.
    python(
        &sb,
        "marshal",
        "def lambda_handler(e, c):\n    return {1, 2}\n",
    )
    .await;
    let r = invoke(&sb, "marshal", "{}").await;
    assert_eq!(r.json()["errorType"], "Runtime.MarshalError");
}

#[tokio::test]
async fn process_exit_and_timeouts_are_aws_shaped() {
    let sb = TestSandbox::start().await;
    python(
        &sb,
        "slow",
        "import os, time\ndef lambda_handler(event, context):\n    if event.get('exit'):\n        os._exit(3)\n    time.sleep(event.get('sleep', 0))\n    return 'done'\n",
    )
    .await;
    sb.lambda()
        .update_function_configuration()
        .function_name("slow")
        .timeout(2)
        .send()
        .await
        .unwrap();
    // Warm it so the timed invocation's only deadline is its own.
    assert_eq!(invoke(&sb, "slow", "{}").await.payload, "\"done\"");

    let r = invoke_advancing_clock(&sb, "slow", r#"{"sleep": 60}"#).await;
    assert_eq!(r.function_error.as_deref(), Some("Unhandled"));
    let v = r.json();
    assert_eq!(v["errorType"], "Sandbox.Timedout");
    assert!(
        v["errorMessage"]
            .as_str()
            .unwrap()
            .ends_with("Task timed out after 2.00 seconds"),
        "{v}"
    );
    assert!(
        r.log.contains("Task timed out after 2.00 seconds"),
        "{}",
        r.log
    );
    assert!(r.log.contains("Status: timeout"), "{}", r.log);

    // The killed environment is replaced: a cold start again.
    let r = invoke(&sb, "slow", "{}").await;
    assert_eq!(r.payload, "\"done\"");
    assert!(r.log.contains("Init Duration"), "{}", r.log);

    // Exiting mid-invoke.
    let r = invoke(&sb, "slow", r#"{"exit": true}"#).await;
    assert_eq!(r.function_error.as_deref(), Some("Unhandled"));
    let v = r.json();
    assert_eq!(v["errorType"], "Runtime.ExitError");
    assert!(
        v["errorMessage"]
            .as_str()
            .unwrap()
            .contains("Runtime exited with error: exit status 3"),
        "{v}"
    );
    assert_eq!(invoke(&sb, "slow", "{}").await.payload, "\"done\"");
}

#[tokio::test]
async fn memory_and_output_floods_do_not_hurt_nimbus() {
    let sb = TestSandbox::start().await;
    python(
        &sb,
        "hog",
        "import sys\ndef lambda_handler(event, context):\n    if event.get('alloc'):\n        x = []\n        while True:\n            x.append(bytearray(16 * 1024 * 1024))\n    if event.get('print'):\n        for i in range(200000):\n            print('spam line', i)\n        return 'printed'\n    return 'ok'\n",
    )
    .await;
    let r = invoke(&sb, "hog", r#"{"alloc": true}"#).await;
    assert_eq!(r.function_error.as_deref(), Some("Unhandled"));
    let t = r.json()["errorType"].as_str().unwrap().to_owned();
    assert!(
        t == "Runtime.OutOfMemory" || t == "MemoryError",
        "{}",
        r.payload
    );
    let r = invoke(&sb, "hog", r#"{"print": true}"#).await;
    assert_eq!(r.payload, "\"printed\"");
    assert!(r.log.len() <= 4096 + 16, "the tail is the last 4 KB");
    assert!(r.log.contains("REPORT RequestId"), "{}", r.log);
    assert_eq!(invoke(&sb, "hog", "{}").await.payload, "\"ok\"");
}

#[tokio::test]
async fn payload_limits_and_invocation_types() {
    let sb = TestSandbox::start().await;
    python(
        &sb,
        "echo",
        "def lambda_handler(event, context):\n    return event\n",
    )
    .await;
    // A payload just under 6 MB passes, one byte over 6 MB is refused.
    let big = format!("\"{}\"", "x".repeat(6 * 1024 * 1024 - 3));
    let r = invoke(&sb, "echo", &big).await;
    assert_eq!(r.function_error, None);
    assert_eq!(r.payload.len(), big.len());
    let too_big = format!("\"{}\"", "x".repeat(6 * 1024 * 1024 - 1));
    let (c, m, s) = err(sb
        .lambda()
        .invoke()
        .function_name("echo")
        .payload(Blob::new(too_big.into_bytes()))
        .send()
        .await);
    assert_eq!((c.as_str(), s), ("RequestTooLargeException", 413));
    assert!(m.contains("6291456"), "{m}");
    let (c, _, s) = err(sb
        .lambda()
        .invoke()
        .function_name("echo")
        .payload(Blob::new(b"{nope".to_vec()))
        .send()
        .await);
    assert_eq!((c.as_str(), s), ("InvalidRequestContentException", 400));

    let r = sb
        .lambda()
        .invoke()
        .function_name("echo")
        .invocation_type(InvocationType::DryRun)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status_code(), 204);
    let r = sb
        .lambda()
        .invoke()
        .function_name("echo")
        .invocation_type(InvocationType::Event)
        .payload(Blob::new(b"{}".to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status_code(), 202);
    let (c, _, s) = err(sb.lambda().invoke().function_name("missing").send().await);
    assert_eq!((c.as_str(), s), ("ResourceNotFoundException", 404));
    let (c, _, _) = err(sb
        .lambda()
        .invoke()
        .function_name("echo")
        .qualifier("7")
        .send()
        .await);
    assert_eq!(c, "ResourceNotFoundException");
    // No payload at all: the event is {}.
    let r = sb
        .lambda()
        .invoke()
        .function_name("echo")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.payload().map(|p| p.as_ref().to_vec()),
        Some(b"{}".to_vec())
    );
}

#[tokio::test]
async fn reserved_concurrency_throttles() {
    let sb = TestSandbox::start().await;
    python(
        &sb,
        "limited",
        "import time\ndef lambda_handler(event, context):\n    if event.get('marker'):\n        open(event['marker'], 'w').close()\n    time.sleep(event.get('sleep', 0))\n    return 'ok'\n",
    )
    .await;
    sb.lambda()
        .put_function_concurrency()
        .function_name("limited")
        .reserved_concurrent_executions(0)
        .send()
        .await
        .unwrap();
    // Without the SDK's retries, which would retry a throttle.
    let no_retry = aws_sdk_lambda::Client::from_conf(
        sb.lambda()
            .config()
            .to_builder()
            .retry_config(aws_sdk_lambda::config::retry::RetryConfig::disabled())
            .build(),
    );
    let e = no_retry
        .invoke()
        .function_name("limited")
        .send()
        .await
        .unwrap_err();
    let svc = e.into_service_error();
    match svc {
        aws_sdk_lambda::operation::invoke::InvokeError::TooManyRequestsException(t) => {
            assert_eq!(
                t.reason(),
                Some(&ThrottleReason::ReservedFunctionConcurrentInvocationLimitExceeded)
            );
        }
        other => panic!("expected TooManyRequestsException, got {other:?}"),
    }

    // With 1, a second concurrent invocation is throttled while the first runs.
    sb.lambda()
        .put_function_concurrency()
        .function_name("limited")
        .reserved_concurrent_executions(1)
        .send()
        .await
        .unwrap();
    assert_eq!(invoke(&sb, "limited", "{}").await.payload, "\"ok\"");
    let marker = tempfile::tempdir().unwrap();
    let started = marker.path().join("started");
    let payload =
        serde_json::json!({"sleep": 1.0, "marker": started.to_str().unwrap()}).to_string();
    let client = no_retry.clone();
    let first = tokio::spawn(async move {
        client
            .invoke()
            .function_name("limited")
            .payload(Blob::new(payload.into_bytes()))
            .send()
            .await
    });
    // Wait (bounded, real time) until the handler has started.
    for _ in 0..500 {
        if started.exists() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert!(started.exists(), "the first invocation did not start");
    let (c, _, s) = err(no_retry.invoke().function_name("limited").send().await);
    assert_eq!((c.as_str(), s), ("TooManyRequestsException", 429));
    let r = first.await.unwrap().unwrap();
    assert_eq!(r.function_error(), None);
    // Free again.
    assert_eq!(invoke(&sb, "limited", "{}").await.payload, "\"ok\"");
}

#[tokio::test]
async fn environment_and_context_reach_the_handler() {
    let sb = TestSandbox::start().await;
    create(
        &sb,
        "ctx",
        Runtime::Python312,
        "pkg/handler_mod.main",
        zip(&[
            ("pkg/__init__.py", ""),
            (
                "pkg/handler_mod.py",
                "import os\ndef main(event, context):\n    return {\n        'fn': context.function_name, 'ver': context.function_version,\n        'mem': context.memory_limit_in_mb, 'arn': context.invoked_function_arn,\n        'group': context.log_group_name, 'stream': context.log_stream_name,\n        'left': context.get_remaining_time_in_millis(), 'id': context.aws_request_id,\n        'region': os.environ['AWS_REGION'], 'root': os.environ['LAMBDA_TASK_ROOT'],\n        'custom': os.environ.get('CUSTOM'), 'handler': os.environ['_HANDLER'],\n    }\n",
            ),
        ]),
    )
    .await;
    sb.lambda()
        .update_function_configuration()
        .function_name("ctx")
        .environment(
            aws_sdk_lambda::types::Environment::builder()
                .variables("CUSTOM", "yes")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let v = invoke(&sb, "ctx", "{}").await.json();
    assert_eq!(v["fn"], "ctx");
    assert_eq!(v["ver"], "$LATEST");
    assert_eq!(v["mem"], "128");
    assert_eq!(
        v["arn"],
        "arn:aws:lambda:us-east-1:000000000000:function:ctx"
    );
    assert_eq!(v["group"], "/aws/lambda/ctx");
    assert!(v["stream"].as_str().unwrap().contains("/[$LATEST]"), "{v}");
    assert!(
        v["left"].as_i64().unwrap() > 0 && v["left"].as_i64().unwrap() <= 3000,
        "{v}"
    );
    assert_eq!(v["region"], "us-east-1");
    assert_eq!(v["custom"], "yes");
    assert_eq!(v["handler"], "pkg/handler_mod.main");
}

#[tokio::test]
async fn forked_children_die_with_their_environment() {
    let sb = TestSandbox::start().await;
    python(
        &sb,
        "forker",
        "import os, time\ndef lambda_handler(event, context):\n    pid = os.fork()\n    if pid == 0:\n        time.sleep(600)\n        os._exit(0)\n    return pid\n",
    )
    .await;
    let child: u32 = invoke(&sb, "forker", "{}").await.payload.parse().unwrap();
    assert!(std::path::Path::new(&format!("/proc/{child}")).exists());
    // Retiring the environment (any configuration change) kills its whole process group.
    sb.lambda()
        .update_function_configuration()
        .function_name("forker")
        .description("x")
        .send()
        .await
        .unwrap();
    let mut gone = false;
    for _ in 0..200 {
        let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
        // Gone, or a zombie waiting for its parent (which is dead too).
        if stat.is_empty() || stat.split_whitespace().nth(2) == Some("Z") {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(gone, "the forked child outlived its environment");
}
