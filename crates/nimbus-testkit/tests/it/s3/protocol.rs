//! Protocol details with raw requests: aws-chunked bodies, content hashes, virtual-hosted
//! addressing, CORS preflight, presigned URLs, the error document.

use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use nimbus_testkit::TestSandbox;

use super::{bucket, get, put};

fn chunked_headers(len: &str) -> Vec<(&'static str, String)> {
    vec![
        (
            "x-amz-content-sha256",
            "STREAMING-UNSIGNED-PAYLOAD-TRAILER".into(),
        ),
        ("content-encoding", "aws-chunked".into()),
        ("x-amz-decoded-content-length", len.into()),
        ("x-amz-trailer", "x-amz-checksum-crc32".into()),
    ]
}

fn refs<'a>(h: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    h.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test]
async fn unsigned_trailer_chunked_upload() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "raw").await;
    let h = chunked_headers("12");
    let body = "5\r\nhello\r\n7\r\n world!\r\n0\r\nx-amz-checksum-crc32:A7TCbQ==\r\n\r\n";
    let r = sb.raw("PUT", "/raw/chunked", &refs(&h), body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.headers["x-amz-checksum-crc32"], "A7TCbQ==");
    assert_eq!(get(&sb, "raw", "chunked").await, b"hello world!");
    // A trailer that does not match the content is refused and nothing is stored.
    let bad = "5\r\nhello\r\n7\r\n world!\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n";
    let r = sb.raw("PUT", "/raw/bad", &refs(&h), bad).await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("<Code>BadDigest</Code>"), "{}", r.body);
    assert_eq!(sb.raw("HEAD", "/raw/bad", &[], "").await.status, 404);
    // A body shorter than x-amz-decoded-content-length is incomplete.
    let h = chunked_headers("20");
    let r = sb.raw("PUT", "/raw/short", &refs(&h), body).await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("<Code>IncompleteBody</Code>"), "{}", r.body);
    // Malformed framing.
    let h = chunked_headers("5");
    let r = sb
        .raw("PUT", "/raw/junk", &refs(&h), "zz\r\nhello\r\n")
        .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn signed_streaming_body_is_decoded() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "raw").await;
    // With auth off the chunk signatures are not checked, but the framing is decoded.
    let body = "5;chunk-signature=00\r\nhello\r\n0;chunk-signature=00\r\n\r\n";
    let r = sb
        .raw(
            "PUT",
            "/raw/signed",
            &[
                ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
                ("content-encoding", "aws-chunked,gzip"),
                ("x-amz-decoded-content-length", "5"),
            ],
            body,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(get(&sb, "raw", "signed").await, b"hello");
    let head = sb
        .s3()
        .head_object()
        .bucket("raw")
        .key("signed")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_encoding(), Some("gzip"));
}

#[tokio::test]
async fn content_sha256_and_md5_are_checked() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "raw").await;
    let good = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
    let r = sb
        .raw("PUT", "/raw/h", &[("x-amz-content-sha256", good)], "hello")
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = sb
        .raw("PUT", "/raw/h", &[("x-amz-content-sha256", good)], "HELLO")
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("<Code>XAmzContentSHA256Mismatch</Code>"),
        "{}",
        r.body
    );
    assert_eq!(get(&sb, "raw", "h").await, b"hello");
    let r = sb
        .raw(
            "PUT",
            "/raw/m",
            &[("content-md5", "ndTkYSaMgDT1yFZOFVxnpg==")],
            "x",
        )
        .await;
    assert_eq!(r.status, 200);
    let r = sb
        .raw("PUT", "/raw/m", &[("content-md5", "not base64")], "x")
        .await;
    assert!(r.body.contains("<Code>InvalidDigest</Code>"), "{}", r.body);
}

#[tokio::test]
async fn error_document_shape_and_head_without_body() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "raw").await;
    let r = sb.raw("GET", "/raw/missing%20key", &[], "").await;
    assert_eq!(r.status, 404);
    assert!(r.body.starts_with("<?xml"));
    assert!(r.body.contains("<Code>NoSuchKey</Code>"));
    assert!(r.body.contains("<Key>missing key</Key>"));
    assert!(r.body.contains("<RequestId>"));
    assert!(r.headers.contains_key("x-amz-request-id"));
    let r = sb.raw("HEAD", "/raw/missing", &[], "").await;
    assert_eq!((r.status, r.body.as_str()), (404, ""));
    let r = sb.raw("GET", "/nobucket/k", &[], "").await;
    assert!(
        r.body.contains("<BucketName>nobucket</BucketName>"),
        "{}",
        r.body
    );
    let r = sb.raw("PATCH", "/raw/k", &[], "").await;
    assert_eq!(r.status, 405);
}

#[tokio::test]
async fn virtual_hosted_addressing() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "vhost").await;
    let port = sb.endpoint().rsplit(':').next().unwrap().to_owned();
    for host in [
        format!("vhost.s3.localhost.localstack.cloud:{port}"),
        format!("vhost.localhost:{port}"),
        "vhost.s3.amazonaws.com".to_owned(),
    ] {
        let r = sb
            .raw("PUT", "/dir/k.txt", &[("host", &host)], "virtual")
            .await;
        assert_eq!(r.status, 200, "{host}: {}", r.body);
        let r = sb.raw("GET", "/dir/k.txt", &[("host", &host)], "").await;
        assert_eq!(r.body, "virtual", "{host}");
        let r = sb.raw("GET", "/?list-type=2", &[("host", &host)], "").await;
        assert!(
            r.body.contains("<Key>dir/k.txt</Key>"),
            "{host}: {}",
            r.body
        );
    }
    assert_eq!(get(&sb, "vhost", "dir/k.txt").await, b"virtual");
}

#[tokio::test]
async fn cors_preflight_follows_the_rules() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "web").await;
    let pre = [
        ("origin", "https://app.example.com"),
        ("access-control-request-method", "PUT"),
        ("access-control-request-headers", "Content-Type, X-Amz-Date"),
    ];
    let r = sb.raw("OPTIONS", "/web/upload.bin", &pre, "").await;
    assert_eq!(r.status, 403);
    assert!(
        r.body.contains("CORS is not enabled for this bucket"),
        "{}",
        r.body
    );
    let cors = r#"<CORSConfiguration><CORSRule><AllowedOrigin>https://*.example.com</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule></CORSConfiguration>"#;
    let r = sb.raw("PUT", "/web?cors", &[], cors).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = sb.raw("OPTIONS", "/web/upload.bin", &pre, "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.headers["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert_eq!(r.headers["access-control-allow-methods"], "PUT, GET");
    assert_eq!(
        r.headers["access-control-allow-headers"],
        "content-type, x-amz-date"
    );
    assert_eq!(r.headers["access-control-max-age"], "600");
    assert_eq!(r.headers["access-control-expose-headers"], "ETag");
    let denied = [
        ("origin", "https://evil.test"),
        ("access-control-request-method", "PUT"),
    ];
    let r = sb.raw("OPTIONS", "/web/upload.bin", &denied, "").await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("<Code>AccessForbidden</Code>"));
    let r = sb
        .raw(
            "OPTIONS",
            "/web/x",
            &[
                ("origin", "https://app.example.com"),
                ("access-control-request-method", "DELETE"),
            ],
            "",
        )
        .await;
    assert_eq!(r.status, 403);
    // Actual requests from an allowed origin get the CORS headers.
    put(&sb, "web", "f", b"x").await;
    let r = sb
        .raw(
            "GET",
            "/web/f",
            &[("origin", "https://app.example.com")],
            "",
        )
        .await;
    assert_eq!(
        r.headers["access-control-allow-origin"],
        "https://app.example.com"
    );
}

#[tokio::test]
async fn presigned_get_and_put_expire() {
    let sb = TestSandbox::builder()
        .strict_auth(vec![("AKIDPRESIGN", "presign-secret", "111122223333")])
        .start()
        .await;
    let s3 = sb.s3();
    s3.create_bucket().bucket("pre").send().await.unwrap();
    let cfg = PresigningConfig::expires_in(Duration::from_secs(60)).unwrap();
    let put_req = s3
        .put_object()
        .bucket("pre")
        .key("up load")
        .presigned(cfg.clone())
        .await
        .unwrap();
    let path = put_req
        .uri()
        .split_once(&sb.endpoint())
        .map(|(_, p)| p.to_owned())
        .unwrap();
    let r = sb.raw("PUT", &path, &[], "presigned body").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let get_req = s3
        .get_object()
        .bucket("pre")
        .key("up load")
        .presigned(cfg)
        .await
        .unwrap();
    let path = get_req
        .uri()
        .split_once(&sb.endpoint())
        .map(|(_, p)| p.to_owned())
        .unwrap();
    let r = sb.raw("GET", &path, &[], "").await;
    assert_eq!((r.status, r.body.as_str()), (200, "presigned body"));
    // A tampered signature and an expired URL are refused.
    let tampered = path.replace("X-Amz-Signature=", "X-Amz-Signature=0");
    assert_eq!(sb.raw("GET", &tampered, &[], "").await.status, 403);
    sb.clock().advance(Duration::from_secs(120));
    let r = sb.raw("GET", &path, &[], "").await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("expired"), "{}", r.body);
    // The SDK's own (signed, checksummed) uploads work in strict mode.
    s3.put_object()
        .bucket("pre")
        .key("sdk")
        .body(ByteStream::from_static(b"strict"))
        .send()
        .await
        .unwrap();
    assert_eq!(get(&sb, "pre", "sdk").await, b"strict");
}
