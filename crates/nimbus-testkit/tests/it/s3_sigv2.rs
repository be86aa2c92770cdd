//! S3 Signature Version 2 (`Authorization: AWS key:sig`, presigned `AWSAccessKeyId` /
//! `Expires` / `Signature`) with `--auth strict`: raw requests signed here with HMAC-SHA1
//! (StringToSign written out by hand, independently of `nimbus_wire::sigv2`), the expiry and
//! skew windows driven by the `ManualClock`, and the refusals AWS answers with. Other
//! services keep refusing SigV2; with auth off a SigV2 request is served unverified.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use nimbus_core::timefmt::http_date;
use nimbus_testkit::{Clock, RawResponse, TestSandbox};
use sha1::Sha1;

const AKID: &str = "AKIDSIGV2";
const SECRET: &str = "sigv2/secret+KEY";
const ACCOUNT: &str = "111122223333";

async fn strict_sandbox() -> TestSandbox {
    let sb = TestSandbox::builder()
        .strict_auth(vec![(AKID, SECRET, ACCOUNT)])
        .start()
        .await;
    sb.s3()
        .create_bucket()
        .bucket("sigv2")
        .send()
        .await
        .unwrap();
    sb
}

/// `Base64(HMAC-SHA1(secret, sts))`.
fn sign(secret: &str, sts: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(sts.as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

/// Percent-encodes a base64 signature for a query string.
fn url_encode(s: &str) -> String {
    s.replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D")
}

/// The server's current time as an HTTP `Date`.
fn now_date(sb: &TestSandbox) -> String {
    http_date(sb.clock().now_millis())
}

/// The server's current time in epoch seconds.
fn now_secs(sb: &TestSandbox) -> u64 {
    sb.clock().now_millis() / 1000
}

fn code(r: &RawResponse) -> String {
    elem(r, "Code")
}

fn elem(r: &RawResponse, name: &str) -> String {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    r.body
        .split_once(&open)
        .and_then(|(_, rest)| rest.split_once(&close))
        .map(|(v, _)| v.to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn header_signed_put_and_get() {
    let sb = strict_sandbox().await;
    let date = now_date(&sb);
    let body = b"signed with version 2";
    let md5 = BASE64.encode(Md5::digest(body));
    let sts = format!(
        "PUT\n{md5}\ntext/plain\n{date}\nx-amz-meta-colour:blue,green\nx-amz-meta-size:small\n/sigv2/dir/a%20b.txt"
    );
    let auth = format!("AWS {AKID}:{}", sign(SECRET, &sts));
    let r = sb
        .raw(
            "PUT",
            "/sigv2/dir/a%20b.txt",
            &[
                ("authorization", &auth),
                ("date", &date),
                ("content-md5", &md5),
                ("content-type", "text/plain"),
                ("X-Amz-Meta-Size", " small "),
                ("x-amz-meta-colour", "blue"),
                ("x-amz-meta-colour", "green"),
            ],
            body.to_vec(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // A sub-resource (`?tagging`) is signed; ordinary parameters are not.
    let sts = format!("GET\n\n\n{date}\n/sigv2/dir/a%20b.txt");
    let auth = format!("AWS {AKID}:{}", sign(SECRET, &sts));
    let r = sb
        .raw(
            "GET",
            "/sigv2/dir/a%20b.txt?x-id=GetObject",
            &[("authorization", &auth), ("date", &date)],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, "signed with version 2");
    assert_eq!(r.headers["x-amz-meta-size"], "small");
    let sts = format!("GET\n\n\n{date}\n/sigv2/dir/a%20b.txt?tagging");
    let auth = format!("AWS {AKID}:{}", sign(SECRET, &sts));
    let r = sb
        .raw(
            "GET",
            "/sigv2/dir/a%20b.txt?tagging",
            &[("authorization", &auth), ("date", &date)],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("<TagSet"), "{}", r.body);

    // Listing the bucket path-style (`/sigv2?prefix=dir/`) signs `/sigv2/`.
    let sts = format!("GET\n\n\n{date}\n/sigv2/");
    let auth = format!("AWS {AKID}:{}", sign(SECRET, &sts));
    let r = sb
        .raw(
            "GET",
            "/sigv2?prefix=dir%2F",
            &[("authorization", &auth), ("date", &date)],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("<Key>dir/a b.txt</Key>"), "{}", r.body);

    // The object belongs to the key's account: the SDK (same key, SigV4) lists it.
    let listed = sb
        .s3()
        .list_objects_v2()
        .bucket("sigv2")
        .prefix("dir/")
        .send()
        .await
        .unwrap();
    let keys: Vec<_> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["dir/a b.txt"]);
}

#[tokio::test]
async fn header_signed_virtual_hosted_with_x_amz_date() {
    let sb = strict_sandbox().await;
    let port = sb.endpoint().rsplit(':').next().unwrap().to_owned();
    let host = format!("sigv2.localhost:{port}");
    let date = now_date(&sb);
    // With x-amz-date the date line is empty and x-amz-date is signed among the amz headers;
    // the bucket comes from the Host.
    let sts = format!("PUT\n\n\n\nx-amz-date:{date}\n/sigv2/vhost.txt");
    let auth = format!("AWS {AKID}:{}", sign(SECRET, &sts));
    let r = sb
        .raw(
            "PUT",
            "/vhost.txt",
            &[
                ("host", &host),
                ("authorization", &auth),
                ("x-amz-date", &date),
            ],
            b"virtual".to_vec(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = sb
        .raw(
            "GET",
            "/sigv2/vhost.txt",
            &[
                (
                    "authorization",
                    &format!(
                        "AWS {AKID}:{}",
                        sign(SECRET, &format!("GET\n\n\n{date}\n/sigv2/vhost.txt"))
                    ),
                ),
                ("date", &date),
            ],
            Vec::new(),
        )
        .await;
    assert_eq!((r.status, r.body.as_str()), (200, "virtual"));
}

#[tokio::test]
async fn presigned_get_until_it_expires() {
    let sb = strict_sandbox().await;
    sb.s3()
        .put_object()
        .bucket("sigv2")
        .key("shared.txt")
        .body(b"shared".to_vec().into())
        .send()
        .await
        .unwrap();
    let expires = now_secs(&sb) + 60;
    let sts = format!("GET\n\n\n{expires}\n/sigv2/shared.txt");
    let url = format!(
        "/sigv2/shared.txt?AWSAccessKeyId={AKID}&Expires={expires}&Signature={}",
        url_encode(&sign(SECRET, &sts))
    );
    let r = sb.raw("GET", &url, &[], Vec::new()).await;
    assert_eq!((r.status, r.body.as_str()), (200, "shared"));

    // A response-* override is a signed sub-resource.
    let sts =
        format!("GET\n\n\n{expires}\n/sigv2/shared.txt?response-content-type=application/x-test");
    let url_override = format!(
        "/sigv2/shared.txt?response-content-type=application%2Fx-test&AWSAccessKeyId={AKID}&Expires={expires}&Signature={}",
        url_encode(&sign(SECRET, &sts))
    );
    let r = sb.raw("GET", &url_override, &[], Vec::new()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.headers["content-type"], "application/x-test");

    // Past Expires: 403 AccessDenied with AWS's Expires and ServerTime elements.
    sb.clock().advance(Duration::from_secs(61));
    let r = sb.raw("GET", &url, &[], Vec::new()).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(code(&r), "AccessDenied");
    assert_eq!(elem(&r, "Message"), "Request has expired");
    assert_eq!(
        elem(&r, "Expires"),
        nimbus_core::timefmt::iso8601_secs(expires * 1000)
    );
    assert_eq!(
        elem(&r, "ServerTime"),
        nimbus_core::timefmt::iso8601_secs(sb.clock().now_millis())
    );
}

#[tokio::test]
async fn wrong_secret_is_refused_and_nothing_is_written() {
    let sb = strict_sandbox().await;
    let date = now_date(&sb);
    let sts = format!("PUT\n\n\n{date}\n/sigv2/intruder.txt");
    let provided = sign("not-the-secret", &sts);
    let r = sb
        .raw(
            "PUT",
            "/sigv2/intruder.txt",
            &[
                ("authorization", &format!("AWS {AKID}:{provided}")),
                ("date", &date),
            ],
            b"x".to_vec(),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(code(&r), "SignatureDoesNotMatch");
    assert_eq!(elem(&r, "AWSAccessKeyId"), AKID);
    assert_eq!(elem(&r, "StringToSign"), sts);
    assert_eq!(elem(&r, "SignatureProvided"), provided);
    let head = sb
        .s3()
        .head_object()
        .bucket("sigv2")
        .key("intruder.txt")
        .send()
        .await;
    assert!(head.is_err(), "the refused PUT wrote nothing");

    // A presigned URL whose Signature was tampered with.
    let expires = now_secs(&sb) + 60;
    let sig = sign(SECRET, &format!("GET\n\n\n{expires}\n/sigv2/other.txt"));
    let url = format!(
        "/sigv2/shared.txt?AWSAccessKeyId={AKID}&Expires={expires}&Signature={}",
        url_encode(&sig)
    );
    let r = sb.raw("GET", &url, &[], Vec::new()).await;
    assert_eq!(
        (r.status, code(&r).as_str()),
        (403, "SignatureDoesNotMatch")
    );
    assert_eq!(
        elem(&r, "StringToSign"),
        format!("GET\n\n\n{expires}\n/sigv2/shared.txt")
    );
}

#[tokio::test]
async fn unknown_key_skew_and_malformed_headers() {
    let sb = strict_sandbox().await;
    let date = now_date(&sb);
    let sts = format!("GET\n\n\n{date}\n/sigv2/");
    let r = sb
        .raw(
            "GET",
            "/sigv2",
            &[
                (
                    "authorization",
                    &format!("AWS NOSUCHKEY:{}", sign(SECRET, &sts)),
                ),
                ("date", &date),
            ],
            Vec::new(),
        )
        .await;
    assert_eq!((r.status, code(&r).as_str()), (403, "InvalidAccessKeyId"));
    assert_eq!(elem(&r, "AWSAccessKeyId"), "NOSUCHKEY");
    assert_eq!(
        elem(&r, "Message"),
        "The AWS Access Key Id you provided does not exist in our records."
    );

    // Unknown key in a presigned URL.
    let expires = now_secs(&sb) + 60;
    let r = sb
        .raw(
            "GET",
            &format!("/sigv2?AWSAccessKeyId=NOSUCHKEY&Expires={expires}&Signature=abc%3D"),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!((r.status, code(&r).as_str()), (403, "InvalidAccessKeyId"));

    // A correctly signed request whose Date is 16 minutes old.
    let old = http_date(sb.clock().now_millis() - 16 * 60 * 1000);
    let sts = format!("GET\n\n\n{old}\n/sigv2/");
    let r = sb
        .raw(
            "GET",
            "/sigv2",
            &[
                (
                    "authorization",
                    &format!("AWS {AKID}:{}", sign(SECRET, &sts)),
                ),
                ("date", &old),
            ],
            Vec::new(),
        )
        .await;
    assert_eq!((r.status, code(&r).as_str()), (403, "RequestTimeTooSkewed"));
    assert_eq!(elem(&r, "RequestTime"), old);
    assert_eq!(elem(&r, "MaxAllowedSkewMilliseconds"), "900000");

    // No date at all.
    let r = sb
        .raw(
            "GET",
            "/sigv2",
            &[("authorization", &format!("AWS {AKID}:abc="))],
            Vec::new(),
        )
        .await;
    assert_eq!((r.status, code(&r).as_str()), (403, "AccessDenied"));

    // `AWS <nonsense>`: 400 InvalidArgument naming the header.
    let r = sb
        .raw(
            "GET",
            "/sigv2",
            &[("authorization", "AWS HAHAHA"), ("date", &date)],
            Vec::new(),
        )
        .await;
    assert_eq!((r.status, code(&r).as_str()), (400, "InvalidArgument"));
    assert_eq!(elem(&r, "ArgumentName"), "Authorization");
    assert_eq!(elem(&r, "ArgumentValue"), "AWS HAHAHA");

    // A presigned URL without Expires.
    let r = sb
        .raw(
            "GET",
            &format!("/sigv2?AWSAccessKeyId={AKID}&Signature=abc%3D"),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!((r.status, code(&r).as_str()), (403, "AccessDenied"));
}

#[tokio::test]
async fn other_services_still_refuse_sigv2() {
    let sb = strict_sandbox().await;
    let date = now_date(&sb);
    // SQS, awsQuery with a SigV2-style Authorization header: IncompleteSignature as before.
    let r = sb
        .raw(
            "POST",
            "/",
            &[
                ("authorization", &format!("AWS {AKID}:abc=")),
                ("date", &date),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            b"Action=ListQueues&Version=2012-11-05".to_vec(),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("IncompleteSignature"), "{}", r.body);
    // SQS with SigV2 query parameters.
    let r = sb
        .raw(
            "GET",
            &format!(
                "/?Action=ListQueues&Version=2012-11-05&AWSAccessKeyId={AKID}&SignatureVersion=2&SignatureMethod=HmacSHA256&Timestamp=2026-01-01T00%3A00%3A00Z&Signature=abc%3D"
            ),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("IncompleteSignature"), "{}", r.body);
}

#[tokio::test]
async fn auth_off_serves_sigv2_unverified() {
    let sb = TestSandbox::start().await;
    sb.s3().create_bucket().bucket("open").send().await.unwrap();
    sb.s3()
        .put_object()
        .bucket("open")
        .key("k")
        .body(b"open".to_vec().into())
        .send()
        .await
        .unwrap();
    // As with an expired SigV4 presigned URL, auth off checks neither signature nor expiry.
    let expired = now_secs(&sb) - 3600;
    let r = sb
        .raw(
            "GET",
            &format!("/open/k?AWSAccessKeyId=test&Expires={expired}&Signature=bogus%3D"),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!((r.status, r.body.as_str()), (200, "open"));
    let r = sb
        .raw(
            "GET",
            "/open/k",
            &[("authorization", "AWS test:bogus=")],
            Vec::new(),
        )
        .await;
    assert_eq!((r.status, r.body.as_str()), (200, "open"));
}
