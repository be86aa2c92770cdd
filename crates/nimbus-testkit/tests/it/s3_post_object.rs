//! S3 PostObject (browser-form uploads): hand-built `multipart/form-data` bodies sent raw
//! (aws-sdk-rust has no presigned POST), results read back with the SDK.

use std::time::Duration;

use aws_sdk_s3::types::{
    CorsConfiguration, CorsRule, Event, NotificationConfiguration, QueueConfiguration,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use nimbus_core::Clock;
use nimbus_testkit::{RawResponse, TestSandbox};
use serde_json::{Value, json};

use crate::s3::notifications::{queue_arn, receive};
use crate::s3::{bucket, get};

const BOUNDARY: &str = "----nimbusFormBoundary7MA4YWxkTrZu0gW";

/// A form part: a field, or the file with its name and content.
enum Part<'a> {
    Field(&'a str, &'a str),
    File(&'a str, &'a [u8]),
}

use Part::{Field, File};

fn multipart(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for p in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match p {
            Field(name, value) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                );
                body.extend_from_slice(value.as_bytes());
            }
            File(filename, content) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(content);
            }
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn post(sb: &TestSandbox, path: &str, parts: &[Part<'_>]) -> RawResponse {
    post_with(sb, path, &[], parts).await
}

async fn post_with(
    sb: &TestSandbox,
    path: &str,
    headers: &[(&str, &str)],
    parts: &[Part<'_>],
) -> RawResponse {
    let ct = format!("multipart/form-data; boundary={BOUNDARY}");
    let mut h = vec![("content-type", ct.as_str())];
    h.extend_from_slice(headers);
    sb.raw("POST", path, &h, multipart(parts)).await
}

fn md5_hex(data: &[u8]) -> String {
    hex::encode(Md5::digest(data))
}

/// A base64 policy expiring `secs` after the sandbox clock's now (negative: already expired).
fn policy(sb: &TestSandbox, secs: i64, conditions: Value) -> String {
    let now = sb.clock().now_millis() as i64;
    let exp = nimbus_core::timefmt::iso8601_millis((now + secs * 1000) as u64);
    B64.encode(json!({"expiration": exp, "conditions": conditions}).to_string())
}

fn error_code(r: &RawResponse) -> String {
    between(&r.body, "<Code>", "</Code>")
}

fn message(r: &RawResponse) -> String {
    between(&r.body, "<Message>", "</Message>")
}

fn between(s: &str, a: &str, b: &str) -> String {
    s.split_once(a)
        .and_then(|(_, rest)| rest.split_once(b))
        .map(|(v, _)| v.to_owned())
        .unwrap_or_default()
}

fn header<'a>(r: &'a RawResponse, name: &str) -> &'a str {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn form_upload_stores_content_metadata_and_filename() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "forms").await;
    let content = b"hello from a browser form";
    let r = post(
        &sb,
        "/forms",
        &[
            Field("Key", "uploads/${filename}"),
            Field("Content-Type", "text/plain"),
            Field("Cache-Control", "max-age=60"),
            Field("Content-Disposition", "inline"),
            Field("x-amz-meta-color", "blue"),
            // New buckets have ACLs disabled: the one ACL they accept.
            Field("acl", "bucket-owner-full-control"),
            Field(
                "tagging",
                "<Tagging><TagSet><Tag><Key>team</Key><Value>web</Value></Tag></TagSet></Tagging>",
            ),
            File("hello.txt", content),
            // Fields after the file are ignored.
            Field("key", "ignored"),
            Field("submit", "Upload"),
        ],
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert!(r.body.is_empty());
    assert_eq!(header(&r, "etag"), format!("\"{}\"", md5_hex(content)));
    assert!(
        header(&r, "location").ends_with("/forms/uploads%2Fhello.txt"),
        "{}",
        header(&r, "location")
    );

    let head = sb
        .s3()
        .head_object()
        .bucket("forms")
        .key("uploads/hello.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_type(), Some("text/plain"));
    assert_eq!(head.cache_control(), Some("max-age=60"));
    assert_eq!(head.content_disposition(), Some("inline"));
    assert_eq!(head.content_length(), Some(content.len() as i64));
    assert_eq!(head.metadata().unwrap()["color"], "blue");
    assert_eq!(get(&sb, "forms", "uploads/hello.txt").await, content);
    let tags = sb
        .s3()
        .get_object_tagging()
        .bucket("forms")
        .key("uploads/hello.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tag_set()[0].key(), "team");
    let missing = sb
        .s3()
        .head_object()
        .bucket("forms")
        .key("ignored")
        .send()
        .await;
    assert!(missing.is_err(), "a key after the file is ignored");
}

#[tokio::test]
async fn success_statuses_and_redirect() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "stat").await;
    let r = post(
        &sb,
        "/stat",
        &[
            Field("key", "a b.txt"),
            Field("success_action_status", "201"),
            File("x", b"one"),
        ],
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(header(&r, "content-type"), "application/xml");
    assert!(r.body.contains("<PostResponse"), "{}", r.body);
    assert_eq!(between(&r.body, "<Bucket>", "</Bucket>"), "stat");
    assert_eq!(between(&r.body, "<Key>", "</Key>"), "a b.txt");
    assert_eq!(
        between(&r.body, "<ETag>", "</ETag>"),
        format!("&quot;{}&quot;", md5_hex(b"one"))
    );
    assert!(between(&r.body, "<Location>", "</Location>").ends_with("/stat/a%20b.txt"));

    let r = post(
        &sb,
        "/stat",
        &[
            Field("key", "two"),
            Field("success_action_status", "200"),
            File("x", b"two"),
        ],
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());

    // An unknown status answers 204.
    let r = post(
        &sb,
        "/stat",
        &[
            Field("key", "three"),
            Field("success_action_status", "302"),
            File("x", b"3"),
        ],
    )
    .await;
    assert_eq!(r.status, 204);

    let r = post(
        &sb,
        "/stat",
        &[
            Field("key", "dir/four"),
            Field(
                "success_action_redirect",
                "http://app.example/done?from=form",
            ),
            File("x", b"four"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        header(&r, "location"),
        format!(
            "http://app.example/done?from=form&bucket=stat&key=dir%2Ffour&etag=%22{}%22",
            md5_hex(b"four")
        )
    );
    assert_eq!(get(&sb, "stat", "dir/four").await, b"four");
}

#[tokio::test]
async fn policy_conditions_expiry_and_extra_fields() {
    let sb = TestSandbox::start().await;
    // AWS's example policy asks for `acl=public-read`: a bucket with ACLs enabled and its
    // public access block lifted, as on AWS since April 2023.
    sb.s3()
        .create_bucket()
        .bucket("pol")
        .object_ownership(aws_sdk_s3::types::ObjectOwnership::ObjectWriter)
        .send()
        .await
        .unwrap();
    sb.s3()
        .delete_public_access_block()
        .bucket("pol")
        .send()
        .await
        .unwrap();
    let conditions = json!([
        {"bucket": "pol"},
        ["starts-with", "$key", "user/eric/"],
        {"acl": "public-read"},
        ["starts-with", "$Content-Type", "image/"],
        ["eq", "$x-amz-meta-uuid", "14365123651274"],
    ]);
    let p = policy(&sb, 3600, conditions.clone());
    let good = |key: &'static str, ct: &'static str| {
        vec![
            ("key", key),
            ("acl", "public-read"),
            ("Content-Type", ct),
            ("x-amz-meta-uuid", "14365123651274"),
        ]
    };
    let send = |fields: Vec<(&'static str, &'static str)>, p: String| {
        let sb = &sb;
        async move {
            let mut parts: Vec<Part<'_>> = fields.iter().map(|(k, v)| Field(k, v)).collect();
            parts.push(Field("Policy", &p));
            parts.push(File("f.png", b"png!"));
            post(sb, "/pol", &parts).await
        }
    };

    let r = send(good("user/eric/pic.png", "image/png"), p.clone()).await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(get(&sb, "pol", "user/eric/pic.png").await, b"png!");

    let r = send(good("user/mallory/pic.png", "image/png"), p.clone()).await;
    assert_eq!(r.status, 403);
    assert_eq!(error_code(&r), "AccessDenied");
    assert_eq!(
        message(&r),
        "Invalid according to Policy: Policy Condition failed: [&quot;starts-with&quot;, &quot;$key&quot;, &quot;user/eric/&quot;]"
    );

    let r = send(good("user/eric/a", "text/html"), p.clone()).await;
    assert_eq!(r.status, 403);
    assert!(message(&r).contains("$Content-Type"), "{}", r.body);

    let mut extra = good("user/eric/b", "image/gif");
    extra.push(("x-amz-meta-extra", "1"));
    extra.push(("x-ignore-this", "ok"));
    let r = send(extra, p.clone()).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        message(&r),
        "Invalid according to Policy: Extra input fields: x-amz-meta-extra"
    );

    // A missing field fails its condition.
    let r = send(
        vec![
            ("key", "user/eric/c"),
            ("Content-Type", "image/gif"),
            ("x-amz-meta-uuid", "14365123651274"),
        ],
        p.clone(),
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(message(&r).contains("[&quot;eq&quot;, &quot;$acl&quot;"));

    // Expiry follows the sandbox clock.
    sb.clock().advance(Duration::from_secs(3601));
    let r = send(good("user/eric/late.png", "image/png"), p).await;
    assert_eq!(r.status, 403);
    assert_eq!(message(&r), "Invalid according to Policy: Policy expired.");

    let r = send(
        good("user/eric/bad.png", "image/png"),
        B64.encode("{not json"),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(error_code(&r), "InvalidPolicyDocument");
}

#[tokio::test]
async fn content_length_range_bounds_the_file() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "range").await;
    let p = policy(
        &sb,
        600,
        json!([{"bucket": "range"}, ["starts-with", "$key", ""], ["content-length-range", 5, 10]]),
    );
    let send = |content: &'static [u8]| {
        let (sb, p) = (&sb, p.clone());
        async move {
            post(
                sb,
                "/range",
                &[Field("key", "obj"), Field("policy", &p), File("f", content)],
            )
            .await
        }
    };
    let r = send(b"abc").await;
    assert_eq!(r.status, 400);
    assert_eq!(error_code(&r), "EntityTooSmall");
    assert_eq!(
        between(&r.body, "<MinSizeAllowed>", "</MinSizeAllowed>"),
        "5"
    );
    let r = send(b"0123456789abcdefghij").await;
    assert_eq!(r.status, 400);
    assert_eq!(error_code(&r), "EntityTooLarge");
    assert_eq!(
        between(&r.body, "<MaxSizeAllowed>", "</MaxSizeAllowed>"),
        "10"
    );
    assert!(
        sb.s3()
            .head_object()
            .bucket("range")
            .key("obj")
            .send()
            .await
            .is_err(),
        "nothing stored"
    );
    let r = send(b"1234567").await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(get(&sb, "range", "obj").await, b"1234567");
}

#[tokio::test]
async fn malformed_forms_get_s3_errors() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "bad").await;

    let r = post(&sb, "/bad", &[Field("acl", "private"), File("f", b"x")]).await;
    assert_eq!(r.status, 400);
    assert_eq!(error_code(&r), "InvalidArgument");
    assert_eq!(
        message(&r),
        "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields."
    );
    assert_eq!(between(&r.body, "<ArgumentName>", "</ArgumentName>"), "key");
    // The key after the file does not count.
    let r = post(&sb, "/bad", &[File("f", b"x"), Field("key", "k")]).await;
    assert_eq!(r.status, 400);
    assert_eq!(error_code(&r), "InvalidArgument");

    let r = post(&sb, "/bad", &[Field("key", "k")]).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        message(&r),
        "POST requires exactly one file upload per request."
    );
    assert_eq!(
        between(&r.body, "<ArgumentName>", "</ArgumentName>"),
        "file"
    );
    assert_eq!(between(&r.body, "<ArgumentValue>", "</ArgumentValue>"), "0");

    let r = sb
        .raw("POST", "/bad", &[("content-type", "text/plain")], "key=k")
        .await;
    assert_eq!(r.status, 412);
    assert_eq!(error_code(&r), "PreconditionFailed");
    assert_eq!(
        between(&r.body, "<Condition>", "</Condition>"),
        "Bucket POST must be of the enclosure-type multipart/form-data"
    );

    let r = post(&sb, "/nosuchbucket", &[Field("key", "k"), File("f", b"x")]).await;
    assert_eq!(r.status, 404);
    assert_eq!(error_code(&r), "NoSuchBucket");

    // A body cut before its closing boundary.
    let mut body = multipart(&[Field("key", "k"), File("f", b"content")]);
    body.truncate(body.len() - BOUNDARY.len() - 10);
    let ct = format!("multipart/form-data; boundary={BOUNDARY}");
    let r = sb
        .raw("POST", "/bad", &[("content-type", ct.as_str())], body)
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(error_code(&r), "MalformedPOSTRequest");
    let r = sb
        .raw(
            "POST",
            "/bad",
            &[("content-type", ct.as_str())],
            "no multipart here",
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(error_code(&r), "MalformedPOSTRequest");

    // Fields before the file are bounded (20 KB).
    let big = "v".repeat(21 * 1024);
    let r = post(
        &sb,
        "/bad",
        &[
            Field("key", "k"),
            Field("x-ignore-big", &big),
            File("f", b"x"),
        ],
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(error_code(&r), "MaxPostPreDataLengthExceeded");
    assert_eq!(
        between(
            &r.body,
            "<MaxPostPreDataLengthBytes>",
            "</MaxPostPreDataLengthBytes>"
        ),
        "20480"
    );
    assert!(
        sb.s3()
            .head_object()
            .bucket("bad")
            .key("k")
            .send()
            .await
            .is_err()
    );
}

const AKID: &str = "AKIDPOSTFORM";
const SECRET: &str = "post/form+SECRET";
const ACCOUNT: &str = "111122223333";

/// SigV4 form fields for `policy` conditions, signed with `secret`.
fn signed_v4(sb: &TestSandbox, secret: &str, extra: Value) -> Vec<(String, String)> {
    signed_v4_as(sb, AKID, secret, extra)
}

/// [`signed_v4`] with another access key.
fn signed_v4_as(
    sb: &TestSandbox,
    access_key: &str,
    secret: &str,
    extra: Value,
) -> Vec<(String, String)> {
    let now = sb.clock().now_millis();
    let amz_date = nimbus_core::timefmt::iso8601_secs(now).replace(['-', ':'], "");
    let date = &amz_date[..8];
    let credential = format!("{access_key}/{date}/us-east-1/s3/aws4_request");
    let mut conditions = vec![
        json!({"bucket": "signed"}),
        json!(["starts-with", "$key", ""]),
        json!({"x-amz-algorithm": "AWS4-HMAC-SHA256"}),
        json!({"x-amz-credential": credential}),
        json!({"x-amz-date": amz_date}),
    ];
    if let Value::Array(more) = extra {
        conditions.extend(more);
    }
    let p = policy(sb, 600, Value::Array(conditions));
    let key = nimbus_wire::sigv4::signing_key(secret, date, "us-east-1", "s3");
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&key).unwrap();
    mac.update(p.as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    vec![
        ("x-amz-algorithm".into(), "AWS4-HMAC-SHA256".into()),
        ("x-amz-credential".into(), credential),
        ("x-amz-date".into(), amz_date),
        ("policy".into(), p),
        ("x-amz-signature".into(), signature),
    ]
}

async fn post_fields(
    sb: &TestSandbox,
    key: &str,
    fields: &[(String, String)],
    content: &[u8],
) -> RawResponse {
    let mut parts = vec![Field("key", key)];
    parts.extend(fields.iter().map(|(k, v)| Field(k, v)));
    parts.push(File("f.bin", content));
    post(sb, "/signed", &parts).await
}

/// A form signed with an IAM user's key acts as that user, as a signed request would: under
/// `--enforce-iam` its identity policies decide, not the account root's rights.
#[tokio::test]
async fn a_form_signed_by_an_iam_user_acts_as_the_user() {
    let sb = TestSandbox::builder()
        .strict_auth(vec![
            (AKID, SECRET, ACCOUNT),
            ("AKIDALICE", SECRET, ACCOUNT),
        ])
        .principal("AKIDALICE", &format!("arn:aws:iam::{ACCOUNT}:user/alice"))
        .enforce_iam()
        .start()
        .await;
    sb.s3()
        .create_bucket()
        .bucket("signed")
        .send()
        .await
        .unwrap();
    let iam = sb.iam();
    iam.create_user().user_name("alice").send().await.unwrap();
    let form = || signed_v4_as(&sb, "AKIDALICE", SECRET, json!([]));
    let r = post_fields(&sb, "alice.txt", &form(), b"a").await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(error_code(&r), "AccessDenied");

    iam.put_user_policy()
        .user_name("alice")
        .policy_name("put")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::signed/*"}]}"#,
        )
        .send()
        .await
        .unwrap();
    let r = post_fields(&sb, "alice.txt", &form(), b"a").await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(get(&sb, "signed", "alice.txt").await, b"a");
}

#[tokio::test]
async fn strict_mode_verifies_form_signatures() {
    let sb = TestSandbox::builder()
        .strict_auth(vec![(AKID, SECRET, ACCOUNT)])
        .start()
        .await;
    sb.s3()
        .create_bucket()
        .bucket("signed")
        .send()
        .await
        .unwrap();

    let r = post_fields(&sb, "v4.txt", &signed_v4(&sb, SECRET, json!([])), b"v4").await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(get(&sb, "signed", "v4.txt").await, b"v4");

    let r = post_fields(&sb, "bad.txt", &signed_v4(&sb, "wrong", json!([])), b"x").await;
    assert_eq!(r.status, 403);
    assert_eq!(error_code(&r), "SignatureDoesNotMatch");

    // The policy is still checked when the signature is good.
    let mut f = signed_v4(&sb, SECRET, json!([]));
    f.push(("x-amz-meta-sneaky".into(), "1".into()));
    let r = post_fields(&sb, "extra.txt", &f, b"x").await;
    assert_eq!(r.status, 403);
    assert_eq!(error_code(&r), "AccessDenied");

    // A tampered policy no longer matches its signature.
    let mut f = signed_v4(&sb, SECRET, json!([]));
    let other = signed_v4(&sb, SECRET, json!([["starts-with", "$x-amz-meta-a", ""]]));
    f[3] = other[3].clone();
    let r = post_fields(&sb, "tampered.txt", &f, b"x").await;
    assert_eq!(r.status, 403);
    assert_eq!(error_code(&r), "SignatureDoesNotMatch");

    // An unknown access key.
    let mut f = signed_v4(&sb, SECRET, json!([]));
    f[1].1 = f[1].1.replace(AKID, "AKIDUNKNOWN");
    let r = post_fields(&sb, "unknown.txt", &f, b"x").await;
    assert_eq!(r.status, 403);
    assert_eq!(error_code(&r), "InvalidAccessKeyId");

    // Anonymous: no policy, no signature.
    let r = post_fields(&sb, "anon.txt", &[], b"x").await;
    assert_eq!(r.status, 403);
    assert_eq!(error_code(&r), "AccessDenied");

    // SigV2: base64 HMAC-SHA1 of the policy.
    let p = policy(
        &sb,
        600,
        json!([{"bucket": "signed"}, ["starts-with", "$key", "v2/"]]),
    );
    let sign_v2 = |secret: &str| {
        let mut mac = <Hmac<sha1::Sha1> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(p.as_bytes());
        B64.encode(mac.finalize().into_bytes())
    };
    let v2 = |sig: String| {
        vec![
            ("AWSAccessKeyId".to_owned(), AKID.to_owned()),
            ("policy".to_owned(), p.clone()),
            ("signature".to_owned(), sig),
        ]
    };
    let r = post_fields(&sb, "v2/ok", &v2(sign_v2(SECRET)), b"v2").await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(get(&sb, "signed", "v2/ok").await, b"v2");
    let r = post_fields(&sb, "v2/bad", &v2(sign_v2("nope")), b"v2").await;
    assert_eq!(r.status, 403);
    assert_eq!(error_code(&r), "SignatureDoesNotMatch");

    // The unsigned form door opens only onto PostObject.
    let ct = format!("multipart/form-data; boundary={BOUNDARY}");
    let r = sb
        .raw(
            "POST",
            "/signed?delete",
            &[("content-type", ct.as_str())],
            multipart(&[Field("key", "k")]),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(error_code(&r), "AccessDenied");
    let r = sb
        .raw(
            "POST",
            "/signed/k?uploads",
            &[("content-type", ct.as_str())],
            "",
        )
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn post_emits_object_created_post() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "posted").await;
    let (url, arn) = queue_arn(&sb, "post-events").await;
    sb.s3()
        .put_bucket_notification_configuration()
        .bucket("posted")
        .notification_configuration(
            NotificationConfiguration::builder()
                .queue_configurations(
                    QueueConfiguration::builder()
                        .id("posts")
                        .queue_arn(&arn)
                        .events(Event::S3ObjectCreatedPost)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(receive(&sb, &url).await["Event"], "s3:TestEvent");
    // A PutObject does not match `s3:ObjectCreated:Post`.
    crate::s3::put(&sb, "posted", "by-put", b"p").await;
    let r = post(
        &sb,
        "/posted",
        &[Field("key", "forms/a b.txt"), File("a", b"posted!")],
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let event = receive(&sb, &url).await;
    let rec = &event["Records"][0];
    assert_eq!(rec["eventName"], "ObjectCreated:Post");
    assert_eq!(rec["eventSource"], "aws:s3");
    assert_eq!(rec["s3"]["configurationId"], "posts");
    assert_eq!(rec["s3"]["bucket"]["name"], "posted");
    assert_eq!(rec["s3"]["object"]["key"], "forms/a+b.txt");
    assert_eq!(rec["s3"]["object"]["size"], 7);
    assert_eq!(rec["s3"]["object"]["eTag"], md5_hex(b"posted!"));
}

#[tokio::test]
async fn cors_and_virtual_hosted_posts() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "web").await;
    sb.s3()
        .put_bucket_cors()
        .bucket("web")
        .cors_configuration(
            CorsConfiguration::builder()
                .cors_rules(
                    CorsRule::builder()
                        .allowed_origins("http://app.example")
                        .allowed_methods("POST")
                        .allowed_headers("*")
                        .expose_headers("ETag")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let pre = sb
        .raw(
            "OPTIONS",
            "/web",
            &[
                ("origin", "http://app.example"),
                ("access-control-request-method", "POST"),
            ],
            "",
        )
        .await;
    assert_eq!(pre.status, 200);
    assert_eq!(
        header(&pre, "access-control-allow-origin"),
        "http://app.example"
    );

    let r = post_with(
        &sb,
        "/web",
        &[("origin", "http://app.example")],
        &[Field("key", "cors.txt"), File("c", b"cors")],
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(
        header(&r, "access-control-allow-origin"),
        "http://app.example"
    );
    assert_eq!(header(&r, "access-control-expose-headers"), "ETag");

    // Virtual-hosted style: `POST /` on `<bucket>.localhost`.
    let port = sb.endpoint().rsplit(':').next().unwrap().to_owned();
    let host = format!("web.localhost:{port}");
    let r = post_with(
        &sb,
        "/",
        &[("host", host.as_str())],
        &[
            Field("key", "vhost.txt"),
            Field("success_action_status", "201"),
            File("v", b"vhost"),
        ],
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        between(&r.body, "<Location>", "</Location>"),
        format!("http://{host}/vhost.txt")
    );
    assert_eq!(get(&sb, "web", "vhost.txt").await, b"vhost");
}
