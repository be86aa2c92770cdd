//! CreateFunction, GetFunction(Configuration), ListFunctions, UpdateFunctionCode,
//! UpdateFunctionConfiguration, DeleteFunction, GetAccountSettings, states, errors.

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Environment, FunctionCode, Runtime, State};
use nimbus_testkit::TestSandbox;

use super::{ROLE, create, err, invoke, python, zip};

const HELLO: &str = "def lambda_handler(event, context):\n    return {'v': 1}\n";

#[tokio::test]
async fn create_get_list_delete() {
    let sb = TestSandbox::start().await;
    let c = create(
        &sb,
        "f1",
        Runtime::Python312,
        "lambda_function.lambda_handler",
        zip(&[("lambda_function.py", HELLO)]),
    )
    .await;
    assert_eq!(c.function_name(), Some("f1"));
    assert_eq!(
        c.function_arn(),
        Some("arn:aws:lambda:us-east-1:000000000000:function:f1")
    );
    assert_eq!(c.state(), Some(&State::Pending));
    assert_eq!(c.version(), Some("$LATEST"));
    assert_eq!(c.timeout(), Some(3));
    assert_eq!(c.memory_size(), Some(128));
    assert!(c.code_sha256().is_some_and(|s| s.len() == 44));
    assert!(c.last_modified().is_some_and(|t| t.ends_with("+0000")));

    // Pending → Active, as `aws lambda wait function-active-v2` polls for.
    let mut state = None;
    for _ in 0..200 {
        let g = sb
            .lambda()
            .get_function()
            .function_name("f1")
            .send()
            .await
            .unwrap();
        state = g.configuration().and_then(|c| c.state()).cloned();
        if state == Some(State::Active) {
            assert_eq!(
                g.configuration()
                    .unwrap()
                    .last_update_status()
                    .map(|s| s.as_str()),
                Some("Successful")
            );
            assert!(g.code().and_then(|c| c.location()).is_some());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(state, Some(State::Active));

    let conf = sb
        .lambda()
        .get_function_configuration()
        .function_name("arn:aws:lambda:us-east-1:000000000000:function:f1")
        .send()
        .await
        .unwrap();
    assert_eq!(conf.handler(), Some("lambda_function.lambda_handler"));

    let (code, msg, status) = err(sb
        .lambda()
        .create_function()
        .function_name("f1")
        .runtime(Runtime::Python312)
        .role(ROLE)
        .handler("x.y")
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(zip(&[("x.py", "")])))
                .build(),
        )
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("ResourceConflictException", 409));
    assert_eq!(msg, "Function already exist: f1");

    sb.lambda()
        .delete_function()
        .function_name("f1")
        .send()
        .await
        .unwrap();
    let (code, msg, status) = err(sb.lambda().get_function().function_name("f1").send().await);
    assert_eq!((code.as_str(), status), ("ResourceNotFoundException", 404));
    assert_eq!(
        msg,
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:f1"
    );
    let (code, _, _) = err(sb
        .lambda()
        .delete_function()
        .function_name("f1")
        .send()
        .await);
    assert_eq!(code, "ResourceNotFoundException");
}

#[tokio::test]
async fn create_validates_like_aws() {
    let sb = TestSandbox::start().await;
    let l = sb.lambda();
    let code = || {
        FunctionCode::builder()
            .zip_file(Blob::new(zip(&[("a.py", "")])))
            .build()
    };
    let base = || {
        l.create_function()
            .function_name("v")
            .role(ROLE)
            .handler("a.h")
            .runtime(Runtime::Python312)
            .code(code())
    };

    let (c, m, s) = err(base().timeout(0).send().await);
    assert_eq!((c.as_str(), s), ("ValidationException", 400), "{m}");
    let (c, m, _) = err(base().timeout(901).send().await);
    assert_eq!(c, "InvalidParameterValueException", "{m}");
    let (c, _, _) = err(base().memory_size(64).send().await);
    assert_eq!(c, "ValidationException");
    let (c, m, _) = err(base().runtime(Runtime::Python27).send().await);
    assert_eq!(c, "InvalidParameterValueException");
    assert!(m.contains("no longer supported"), "{m}");
    let (c, _, _) = err(base().role("not-a-role").send().await);
    assert_eq!(c, "ValidationException");
    let (c, m, _) = err(base()
        .environment(Environment::builder().variables("AWS_REGION", "x").build())
        .send()
        .await);
    assert_eq!(c, "InvalidParameterValueException");
    assert!(m.contains("reserved keys"), "{m}");
    let (c, m, _) = err(l
        .create_function()
        .function_name("v")
        .role(ROLE)
        .code(code())
        .send()
        .await);
    assert_eq!(c, "InvalidParameterValueException");
    assert!(m.contains("Runtime and Handler are mandatory"), "{m}");
    let (c, m, _) = err(base()
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(b"not a zip".to_vec()))
                .build(),
        )
        .send()
        .await);
    assert_eq!(c, "InvalidParameterValueException");
    assert!(m.starts_with("Could not unzip uploaded file"), "{m}");
    let (c, _, _) = err(base().function_name("bad name!").send().await);
    assert_eq!(c, "ValidationException");
    // A zip whose entry climbs out of the function directory is refused.
    let (c, _, _) = err(base()
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(zip(&[("../../escape.py", "x")])))
                .build(),
        )
        .send()
        .await);
    assert_eq!(c, "InvalidParameterValueException");
    let (c, m, _) = err(base()
        .code(
            FunctionCode::builder()
                .s3_bucket("hot-reload")
                .s3_key("relative/dir")
                .build(),
        )
        .send()
        .await);
    assert_eq!(c, "InvalidParameterValueException", "{m}");
    // Nothing was created along the way.
    let list = l.list_functions().send().await.unwrap();
    assert!(list.functions().is_empty());
}

#[tokio::test]
async fn list_functions_paginates_with_marker() {
    let sb = TestSandbox::start().await;
    for i in 0..5 {
        python(&sb, &format!("fn-{i}"), HELLO).await;
    }
    let page = sb
        .lambda()
        .list_functions()
        .max_items(2)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = page
        .functions()
        .iter()
        .filter_map(|f| f.function_name())
        .collect();
    assert_eq!(names, ["fn-0", "fn-1"]);
    let marker = page.next_marker().expect("more pages").to_owned();
    let page = sb
        .lambda()
        .list_functions()
        .max_items(2)
        .marker(marker)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = page
        .functions()
        .iter()
        .filter_map(|f| f.function_name())
        .collect();
    assert_eq!(names, ["fn-2", "fn-3"]);
    // The SDK's paginator walks them all.
    let all: Vec<_> = sb
        .lambda()
        .list_functions()
        .max_items(2)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
    // Another account sees none of them.
    let other = sb
        .lambda_as("111122223333")
        .list_functions()
        .send()
        .await
        .unwrap();
    assert!(other.functions().is_empty());
}

#[tokio::test]
async fn update_configuration_and_code() {
    let sb = TestSandbox::start().await;
    python(&sb, "upd", "import os\ndef lambda_handler(e, c):\n    return {'v': 1, 'greeting': os.environ.get('GREETING')}\n").await;
    assert_eq!(invoke(&sb, "upd", "{}").await.json()["v"], 1);

    let u = sb
        .lambda()
        .update_function_configuration()
        .function_name("upd")
        .timeout(30)
        .memory_size(256)
        .description("updated")
        .environment(Environment::builder().variables("GREETING", "hi").build())
        .send()
        .await
        .unwrap();
    assert_eq!(u.timeout(), Some(30));
    assert_eq!(u.memory_size(), Some(256));
    assert_eq!(
        u.last_update_status().map(|s| s.as_str()),
        Some("InProgress")
    );
    // The warm environment is retired: the next invoke sees the new environment variables.
    let r = invoke(&sb, "upd", "{}").await;
    assert_eq!(r.json()["greeting"], "hi");
    assert!(r.log.contains("Memory Size: 256 MB"), "{}", r.log);

    let before = sb
        .lambda()
        .get_function_configuration()
        .function_name("upd")
        .send()
        .await
        .unwrap();
    let u = sb
        .lambda()
        .update_function_code()
        .function_name("upd")
        .zip_file(Blob::new(zip(&[(
            "lambda_function.py",
            "def lambda_handler(e, c):\n    return {'v': 2}\n",
        )])))
        .send()
        .await
        .unwrap();
    assert_ne!(u.code_sha256(), before.code_sha256());
    assert_ne!(u.revision_id(), before.revision_id());
    assert_eq!(invoke(&sb, "upd", "{}").await.json()["v"], 2);

    // A stale RevisionId is refused.
    let (c, _, s) = err(sb
        .lambda()
        .update_function_configuration()
        .function_name("upd")
        .revision_id(before.revision_id().unwrap())
        .timeout(5)
        .send()
        .await);
    assert_eq!((c.as_str(), s), ("PreconditionFailedException", 412));
    let (c, _, _) = err(sb
        .lambda()
        .update_function_code()
        .function_name("nope")
        .zip_file(Blob::new(zip(&[("a", "")])))
        .send()
        .await);
    assert_eq!(c, "ResourceNotFoundException");
}

#[tokio::test]
async fn functions_survive_restart() {
    let mut sb = TestSandbox::start().await;
    python(
        &sb,
        "durable",
        "def lambda_handler(e, c):\n    return 'still here'\n",
    )
    .await;
    sb.lambda()
        .tag_resource()
        .resource("arn:aws:lambda:us-east-1:000000000000:function:durable")
        .tags("team", "a")
        .send()
        .await
        .unwrap();
    sb.restart().await;
    let g = sb
        .lambda()
        .get_function()
        .function_name("durable")
        .send()
        .await
        .unwrap();
    assert_eq!(g.configuration().unwrap().state(), Some(&State::Active));
    assert_eq!(g.tags().unwrap().get("team").map(String::as_str), Some("a"));
    assert_eq!(invoke(&sb, "durable", "{}").await.payload, "\"still here\"");
}

#[tokio::test]
async fn account_settings_and_concurrency() {
    let sb = TestSandbox::start().await;
    python(&sb, "conc", HELLO).await;
    let s = sb.lambda().get_account_settings().send().await.unwrap();
    let limit = s.account_limit().unwrap();
    assert_eq!(limit.concurrent_executions(), 1000);
    assert_eq!(limit.unreserved_concurrent_executions(), Some(1000));
    assert_eq!(s.account_usage().unwrap().function_count(), 1);

    let c = sb
        .lambda()
        .get_function_concurrency()
        .function_name("conc")
        .send()
        .await
        .unwrap();
    assert_eq!(c.reserved_concurrent_executions(), None);
    let p = sb
        .lambda()
        .put_function_concurrency()
        .function_name("conc")
        .reserved_concurrent_executions(10)
        .send()
        .await
        .unwrap();
    assert_eq!(p.reserved_concurrent_executions(), Some(10));
    let s = sb.lambda().get_account_settings().send().await.unwrap();
    assert_eq!(
        s.account_limit()
            .unwrap()
            .unreserved_concurrent_executions(),
        Some(990)
    );
    let g = sb
        .lambda()
        .get_function()
        .function_name("conc")
        .send()
        .await
        .unwrap();
    assert_eq!(
        g.concurrency().unwrap().reserved_concurrent_executions(),
        Some(10)
    );
    let (c, m, _) = err(sb
        .lambda()
        .put_function_concurrency()
        .function_name("conc")
        .reserved_concurrent_executions(950)
        .send()
        .await);
    assert_eq!(c, "InvalidParameterValueException");
    assert!(m.contains("below its minimum value of [100]"), "{m}");
    sb.lambda()
        .delete_function_concurrency()
        .function_name("conc")
        .send()
        .await
        .unwrap();
    let c = sb
        .lambda()
        .get_function_concurrency()
        .function_name("conc")
        .send()
        .await
        .unwrap();
    assert_eq!(c.reserved_concurrent_executions(), None);
}

#[tokio::test]
async fn unsupported_operations_answer_clearly() {
    let sb = TestSandbox::start().await;
    python(&sb, "v", HELLO).await;
    let (c, m, s) = err(sb
        .lambda()
        .publish_version()
        .function_name("v")
        .send()
        .await);
    assert_eq!((c.as_str(), s), ("UnsupportedOperation", 501));
    assert!(
        m.starts_with("PublishVersion is not supported by nimbus"),
        "{m}"
    );
    let (c, _, _) = err(sb.lambda().list_aliases().function_name("v").send().await);
    assert_eq!(c, "UnsupportedOperation");
    // Lambda's error shape: x-amzn-ErrorType and {"Type": "User", "Message"/"message"}.
    let r = sb
        .raw("GET", "/2015-03-31/functions/missing", &[], Vec::new())
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.headers["x-amzn-errortype"], "ResourceNotFoundException");
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["Type"], "User");
    assert_eq!(
        v["Message"],
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing"
    );
    let r = sb
        .raw(
            "POST",
            "/2015-03-31/functions",
            &[("content-type", "application/json")],
            b"{not json".to_vec(),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.headers["x-amzn-errortype"],
        "InvalidRequestContentException"
    );
}
