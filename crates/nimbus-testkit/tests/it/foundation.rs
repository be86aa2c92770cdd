//! The skeleton every service stands on: routing, health, request ids, protocols on the
//! wire (HTTP/1.1 keep-alive, h2c, 100-continue), accounts and strict auth, the data-dir lock.

use std::time::{Duration, SystemTime};

use nimbus_testkit::TestSandbox;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn health_endpoints_report_every_service() {
    let sb = TestSandbox::start().await;
    let r = sb.raw("GET", "/_nimbus/health", &[], "").await;
    assert_eq!(r.status, 200);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    for s in ["sqs", "sts", "iam"] {
        assert_eq!(v["services"][s], "running", "{s} in {v}");
    }
    assert!(v["uptime_seconds"].is_u64());

    let r = sb.raw("GET", "/_localstack/health", &[], "").await;
    assert_eq!(r.status, 200);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["services"]["sqs"], "running");
    assert_eq!(v["edition"], "community");
}

#[tokio::test]
async fn unserved_service_gets_a_clear_400_naming_the_served_ones() {
    let sb = TestSandbox::start().await;
    let auth = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00";
    let r = sb
        .raw(
            "POST",
            "/",
            &[
                ("x-amz-target", "DynamoDB_20120810.ListTables"),
                ("content-type", "application/x-amz-json-1.0"),
                ("authorization", auth),
                ("x-amz-date", "20260101T000000Z"),
            ],
            "{}",
        )
        .await;
    assert_eq!(r.status, 400);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["__type"], "UnsupportedService");
    let msg = v["message"].as_str().unwrap();
    assert!(
        msg.contains("'dynamodb'") && msg.contains("sqs") && msg.contains("sts"),
        "{msg}"
    );
    assert!(r.headers.contains_key("x-amzn-requestid"));

    // awsQuery for a service nimbus does not serve (SNS, by its credential scope).
    let auth = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sns/aws4_request, SignedHeaders=host;x-amz-date, Signature=00";
    let r = sb
        .raw(
            "POST",
            "/",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("authorization", auth),
            ],
            "Action=ListTopics&Version=2010-03-31",
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("<Code>UnsupportedService</Code>"),
        "{}",
        r.body
    );
    assert!(r.body.contains("'sns'"), "{}", r.body);

    // An unscoped query action nobody serves.
    let r = sb
        .raw(
            "POST",
            "/",
            &[("content-type", "application/x-www-form-urlencoded")],
            "Action=Publish",
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("<Code>InvalidAction</Code>"), "{}", r.body);
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let sb = TestSandbox::start().await;
    let a = sb
        .raw(
            "POST",
            "/",
            &[("content-type", "application/x-www-form-urlencoded")],
            "Action=GetCallerIdentity",
        )
        .await;
    let b = sb
        .raw(
            "POST",
            "/",
            &[("content-type", "application/x-www-form-urlencoded")],
            "Action=GetCallerIdentity",
        )
        .await;
    let ida = a.headers["x-amzn-requestid"].to_str().unwrap().to_owned();
    let idb = b.headers["x-amzn-requestid"].to_str().unwrap().to_owned();
    assert_eq!(ida.len(), 36);
    assert_ne!(ida, idb);
    // S3-style requests carry x-amz-request-id and x-amz-id-2.
    let r = sb.raw("GET", "/some-bucket", &[], "").await;
    assert!(
        r.headers.contains_key("x-amz-request-id"),
        "{:?}",
        r.headers
    );
    assert!(r.headers.contains_key("x-amz-id-2"));
}

#[tokio::test]
async fn h2c_with_prior_knowledge() {
    use http_body_util::{BodyExt, Empty};
    let sb = TestSandbox::start().await;
    let addr = sb.endpoint().trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(stream),
    )
    .await
    .unwrap();
    tokio::spawn(conn);
    for _ in 0..3 {
        let req = http::Request::get(format!("http://{addr}/_nimbus/health"))
            .body(Empty::<bytes::Bytes>::new())
            .unwrap();
        let resp = sender.send_request(req).await.unwrap();
        assert_eq!(resp.version(), http::Version::HTTP_2);
        assert_eq!(resp.status(), 200);
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        assert!(String::from_utf8_lossy(&body).contains("\"status\":\"ok\""));
    }
}

/// The AWS CLI sends `Expect: 100-continue` on uploads and waits for the interim response
/// before sending the body.
#[tokio::test]
async fn expect_100_continue_and_keep_alive() {
    let sb = TestSandbox::start().await;
    let addr = sb.endpoint().trim_start_matches("http://").to_owned();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let body = "Action=GetCallerIdentity&Version=2011-06-15";
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let interim = String::from_utf8_lossy(&buf[..n]).to_string();
    assert!(interim.starts_with("HTTP/1.1 100 Continue"), "{interim}");
    s.write_all(body.as_bytes()).await.unwrap();
    let resp = read_response(&mut s).await;
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    // Same connection, a second request (keep-alive).
    let req = format!("GET /_nimbus/health HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let resp = read_response(&mut s).await;
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
}

async fn read_response(s: &mut tokio::net::TcpStream) -> String {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        out.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&out).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let len = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if out.len() >= end + 4 + len {
                return text;
            }
        }
        assert!(n > 0, "connection closed early: {text}");
    }
}

#[tokio::test]
async fn twelve_digit_access_key_selects_the_account() {
    let sb = TestSandbox::start().await;
    let me = sb.sts().get_caller_identity().send().await.unwrap();
    assert_eq!(me.account(), Some("000000000000"));
    let other = sb
        .sts_as("111122223333")
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(other.account(), Some("111122223333"));
}

#[tokio::test]
async fn strict_auth_rejects_a_wrong_secret_and_accepts_a_good_one() {
    let sb = TestSandbox::builder()
        .strict_auth(vec![("AKIDSTRICT", "right-secret", "123456789012")])
        .start()
        .await;
    let me = sb
        .sts()
        .get_caller_identity()
        .send()
        .await
        .expect("good signature passes");
    assert_eq!(me.account(), Some("123456789012"));

    let creds =
        aws_sdk_sts::config::Credentials::new("AKIDSTRICT", "wrong-secret", None, None, "t");
    let conf = aws_sdk_sts::Config::builder()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new("us-east-1"))
        .endpoint_url(sb.endpoint())
        .credentials_provider(creds)
        .http_client(nimbus_testkit::http_client())
        .build();
    let err = aws_sdk_sts::Client::from_conf(conf)
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    let svc = err.into_service_error();
    assert_eq!(svc.meta().code(), Some("SignatureDoesNotMatch"), "{svc:?}");

    let err = sb
        .sts_as("AKIDUNKNOWN")
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.into_service_error().meta().code(),
        Some("InvalidClientTokenId")
    );

    // Unsigned requests are refused in strict mode.
    let r = sb
        .raw(
            "POST",
            "/",
            &[("content-type", "application/x-www-form-urlencoded")],
            "Action=GetCallerIdentity",
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("MissingAuthenticationToken"), "{}", r.body);
}

#[tokio::test]
async fn strict_auth_rejects_skewed_requests() {
    let sb = TestSandbox::builder()
        .strict_auth(vec![("AKIDSTRICT", "right-secret", "123456789012")])
        .start()
        .await;
    // The server's clock moves 20 minutes ahead of the client's signing time.
    sb.clock().advance(Duration::from_secs(20 * 60));
    let err = sb.sts().get_caller_identity().send().await.unwrap_err();
    let svc = err.into_service_error();
    assert_eq!(svc.meta().code(), Some("SignatureDoesNotMatch"), "{svc:?}");
    assert!(
        svc.meta()
            .message()
            .unwrap_or("")
            .contains("Signature expired"),
        "{svc:?}"
    );
}

#[tokio::test]
async fn a_second_sandbox_on_the_same_data_dir_refuses_to_start() {
    let sb = TestSandbox::start().await;
    let config = nimbus::Config {
        port: 0,
        data_dir: sb.data_dir().to_owned(),
        ..nimbus::Config::default()
    };
    let err = match nimbus::Sandbox::start(config).await {
        Ok(_) => panic!("second sandbox started on a locked data dir"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("in use by another nimbus"), "{err}");
    assert!(
        err.contains(&std::process::id().to_string()),
        "names the holder's pid: {err}"
    );
    let _ = SystemTime::now();
}
