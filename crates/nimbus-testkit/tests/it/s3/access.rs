//! S3 authorization (issue #13): account boundaries, bucket policies (a table of cases:
//! principals, explicit deny, `s3:prefix`, `aws:SourceIp`, `s3:ExistingObjectTag`,
//! `aws:SecureTransport`), anonymous requests, `GetBucketPolicyStatus`, presigned URLs
//! carrying their signer's permissions, CORS preflight to a presigned URL, copies across
//! accounts, DeleteObjects per key, and policies kept across a restart.

use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CorsConfiguration, CorsRule, Delete, ObjectIdentifier, Tag, Tagging};
use nimbus_testkit::TestSandbox;

use super::err;

const ONE: &str = "111111111111";
const TWO: &str = "222222222222";

/// `--auth strict` with `AK1` in account 1 and `AK2` in account 2; clients sign with `AK1`.
async fn two_accounts() -> TestSandbox {
    TestSandbox::builder()
        .strict_auth(vec![("AK1", "S1", ONE), ("AK2", "S1", TWO)])
        .start()
        .await
}

async fn put_as(sb: &TestSandbox, key_id: &str, bucket: &str, key: &str, body: &str) {
    sb.s3_as(key_id)
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(body.as_bytes().to_vec()))
        .send()
        .await
        .expect("object put");
}

async fn set_policy(sb: &TestSandbox, bucket: &str, policy: &str) {
    // New buckets block public policies (AWS's default since April 2023): lift the block,
    // as the tests' public policies need.
    sb.s3_as("AK1")
        .delete_public_access_block()
        .bucket(bucket)
        .send()
        .await
        .expect("public access block removed");
    sb.s3_as("AK1")
        .put_bucket_policy()
        .bucket(bucket)
        .policy(policy)
        .send()
        .await
        .expect("policy stored");
}

fn policy(statements: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)
}

/// The issue's scenario: account 2 reads, deletes, lists and writes account 1's bucket:
/// each `AccessDenied` until the bucket policy grants it; account 1 is unaffected.
#[tokio::test]
async fn another_account_needs_the_bucket_policy() {
    let sb = two_accounts().await;
    let one = sb.s3_as("AK1");
    let two = sb.s3_as("AK2");
    one.create_bucket()
        .bucket("owned-bucket")
        .send()
        .await
        .unwrap();
    put_as(&sb, "AK1", "owned-bucket", "s.txt", "secret").await;

    let get = || two.get_object().bucket("owned-bucket").key("s.txt").send();
    assert_eq!(err(get().await), ("AccessDenied".into(), 403));
    let head = two
        .head_object()
        .bucket("owned-bucket")
        .key("s.txt")
        .send()
        .await;
    assert_eq!(err(head).1, 403);
    let del = || {
        two.delete_object()
            .bucket("owned-bucket")
            .key("s.txt")
            .send()
    };
    assert_eq!(err(del().await), ("AccessDenied".into(), 403));
    let list = two.list_objects_v2().bucket("owned-bucket").send().await;
    assert_eq!(err(list), ("AccessDenied".into(), 403));
    let put = two
        .put_object()
        .bucket("owned-bucket")
        .key("x")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await;
    assert_eq!(err(put), ("AccessDenied".into(), 403));
    let pol = two.get_bucket_policy().bucket("owned-bucket").send().await;
    assert_eq!(err(pol), ("AccessDenied".into(), 403));
    // The name is taken; account 2 sees only its own buckets.
    let taken = two.create_bucket().bucket("owned-bucket").send().await;
    assert_eq!(err(taken), ("BucketAlreadyExists".into(), 409));
    two.create_bucket()
        .bucket("two-bucket")
        .send()
        .await
        .unwrap();
    let names = |r: aws_sdk_s3::operation::list_buckets::ListBucketsOutput| {
        r.buckets()
            .iter()
            .filter_map(|b| b.name().map(str::to_owned))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(two.list_buckets().send().await.unwrap()),
        ["two-bucket"]
    );
    assert_eq!(
        names(one.list_buckets().send().await.unwrap()),
        ["owned-bucket"]
    );
    // An unknown bucket is still NoSuchBucket.
    let missing = two.get_object().bucket("nobody").key("k").send().await;
    assert_eq!(err(missing), ("NoSuchBucket".into(), 404));
    // The object is intact and the owner unaffected.
    let body = one
        .get_object()
        .bucket("owned-bucket")
        .key("s.txt")
        .send()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes();
    assert_eq!(&body[..], b"secret");

    set_policy(
        &sb,
        "owned-bucket",
        &policy(&format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{TWO}:root"}},
                "Action":["s3:GetObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::owned-bucket/*"}}"#
        )),
    )
    .await;
    let body = get()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes();
    assert_eq!(&body[..], b"secret");
    del().await.unwrap();
    // Still no ListBucket: a missing key is AccessDenied, not NoSuchKey.
    assert_eq!(err(get().await), ("AccessDenied".into(), 403));
    let gone = one
        .get_object()
        .bucket("owned-bucket")
        .key("s.txt")
        .send()
        .await;
    assert_eq!(err(gone), ("NoSuchKey".into(), 404));
}

/// Without `--auth strict` the access key picks the account, and accounts are still
/// boundaries.
#[tokio::test]
async fn account_boundaries_hold_without_strict_auth() {
    let sb = TestSandbox::start().await;
    let one = sb.s3_as(ONE);
    let two = sb.s3_as(TWO);
    one.create_bucket()
        .bucket("bound-one")
        .send()
        .await
        .unwrap();
    put_as(&sb, ONE, "bound-one", "k", "v").await;
    let got = two.get_object().bucket("bound-one").key("k").send().await;
    assert_eq!(err(got), ("AccessDenied".into(), 403));
    one.get_object()
        .bucket("bound-one")
        .key("k")
        .send()
        .await
        .unwrap();
}

/// One operation of the policy table.
#[derive(Clone, Copy, Debug)]
enum Try {
    Get(&'static str),
    List(Option<&'static str>),
    Put(&'static str),
    /// PutObject with `x-amz-tagging`.
    PutTagged(&'static str, &'static str),
}

struct Case {
    name: &'static str,
    policy: Option<String>,
    who: &'static str,
    what: Try,
    allowed: bool,
}

async fn attempt(sb: &TestSandbox, who: &str, what: Try) -> Result<(), (String, u16)> {
    let s3 = sb.s3_as(who);
    match what {
        Try::Get(key) => s3
            .get_object()
            .bucket("table")
            .key(key)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| err::<(), _>(Err(e))),
        Try::List(prefix) => s3
            .list_objects_v2()
            .bucket("table")
            .set_prefix(prefix.map(str::to_owned))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| err::<(), _>(Err(e))),
        Try::Put(key) => s3
            .put_object()
            .bucket("table")
            .key(key)
            .body(ByteStream::from_static(b"new"))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| err::<(), _>(Err(e))),
        Try::PutTagged(key, tagging) => s3
            .put_object()
            .bucket("table")
            .key(key)
            .tagging(tagging)
            .body(ByteStream::from_static(b"new"))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| err::<(), _>(Err(e))),
    }
}

/// Bucket policies decide as AWS documents: a table of (policy, caller, request, allowed?).
#[tokio::test]
async fn bucket_policy_cases() {
    let sb = two_accounts().await;
    let one = sb.s3_as("AK1");
    one.create_bucket().bucket("table").send().await.unwrap();
    for (key, class) in [("pub.txt", "public"), ("sec.txt", "secret")] {
        put_as(&sb, "AK1", "table", key, "content").await;
        one.put_object_tagging()
            .bucket("table")
            .key(key)
            .tagging(
                Tagging::builder()
                    .tag_set(Tag::builder().key("class").value(class).build().unwrap())
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    }
    one.put_bucket_tagging()
        .bucket("table")
        .tagging(
            Tagging::builder()
                .tag_set(Tag::builder().key("team").value("data").build().unwrap())
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let grant_two = |action: &str, resource: &str, condition: &str| {
        Some(policy(&format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"{TWO}"}},"Action":"{action}",
                "Resource":"{resource}"{condition}}}"#
        )))
    };
    let objects = "arn:aws:s3:::table/*";
    let bucket = "arn:aws:s3:::table";
    let cases = vec![
        Case {
            name: "owner, no policy",
            policy: None,
            who: "AK1",
            what: Try::Get("pub.txt"),
            allowed: true,
        },
        Case {
            name: "other account, no policy",
            policy: None,
            who: "AK2",
            what: Try::Get("pub.txt"),
            allowed: false,
        },
        Case {
            name: "other account granted by account id",
            policy: grant_two("s3:GetObject", objects, ""),
            who: "AK2",
            what: Try::Get("pub.txt"),
            allowed: true,
        },
        Case {
            name: "grant of GetObject does not grant PutObject",
            policy: grant_two("s3:GetObject", objects, ""),
            who: "AK2",
            what: Try::Put("new.txt"),
            allowed: false,
        },
        Case {
            name: "wildcard action grants PutObject",
            policy: grant_two("s3:Put*", objects, ""),
            who: "AK2",
            what: Try::Put("new.txt"),
            allowed: true,
        },
        Case {
            name: "grant on the bucket ARN does not cover objects",
            policy: grant_two("s3:GetObject", bucket, ""),
            who: "AK2",
            what: Try::Get("pub.txt"),
            allowed: false,
        },
        Case {
            name: "explicit deny binds the owner",
            policy: Some(policy(
                r#"{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::table/sec.txt"}"#,
            )),
            who: "AK1",
            what: Try::Get("sec.txt"),
            allowed: false,
        },
        Case {
            name: "explicit deny of another key leaves the owner alone",
            policy: Some(policy(
                r#"{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::table/sec.txt"}"#,
            )),
            who: "AK1",
            what: Try::Get("pub.txt"),
            allowed: true,
        },
        Case {
            name: "s3:prefix matches",
            policy: grant_two(
                "s3:ListBucket",
                bucket,
                r#","Condition":{"StringEquals":{"s3:prefix":"public/"}}"#,
            ),
            who: "AK2",
            what: Try::List(Some("public/")),
            allowed: true,
        },
        Case {
            name: "s3:prefix differs",
            policy: grant_two(
                "s3:ListBucket",
                bucket,
                r#","Condition":{"StringEquals":{"s3:prefix":"public/"}}"#,
            ),
            who: "AK2",
            what: Try::List(Some("private/")),
            allowed: false,
        },
        Case {
            name: "s3:prefix absent",
            policy: grant_two(
                "s3:ListBucket",
                bucket,
                r#","Condition":{"StringEquals":{"s3:prefix":"public/"}}"#,
            ),
            who: "AK2",
            what: Try::List(None),
            allowed: false,
        },
        Case {
            name: "aws:SourceIp in range",
            policy: grant_two(
                "s3:GetObject",
                objects,
                r#","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}"#,
            ),
            who: "AK2",
            what: Try::Get("pub.txt"),
            allowed: true,
        },
        Case {
            name: "aws:SourceIp out of range",
            policy: grant_two(
                "s3:GetObject",
                objects,
                r#","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            ),
            who: "AK2",
            what: Try::Get("pub.txt"),
            allowed: false,
        },
        Case {
            name: "s3:ExistingObjectTag matches",
            policy: grant_two(
                "s3:GetObject",
                objects,
                r#","Condition":{"StringEquals":{"s3:ExistingObjectTag/class":"public"}}"#,
            ),
            who: "AK2",
            what: Try::Get("pub.txt"),
            allowed: true,
        },
        Case {
            name: "s3:ExistingObjectTag differs",
            policy: grant_two(
                "s3:GetObject",
                objects,
                r#","Condition":{"StringEquals":{"s3:ExistingObjectTag/class":"public"}}"#,
            ),
            who: "AK2",
            what: Try::Get("sec.txt"),
            allowed: false,
        },
        Case {
            name: "s3:RequestObjectTag matches",
            policy: grant_two(
                "s3:PutObject",
                objects,
                r#","Condition":{"StringEquals":{"s3:RequestObjectTag/class":"public"}}"#,
            ),
            who: "AK2",
            what: Try::PutTagged("tagged.txt", "class=public"),
            allowed: true,
        },
        Case {
            name: "s3:RequestObjectTag absent",
            policy: grant_two(
                "s3:PutObject",
                objects,
                r#","Condition":{"StringEquals":{"s3:RequestObjectTag/class":"public"}}"#,
            ),
            who: "AK2",
            what: Try::Put("untagged.txt"),
            allowed: false,
        },
        Case {
            name: "aws:ResourceTag (the bucket's tags) matches",
            policy: grant_two(
                "s3:GetObject",
                objects,
                r#","Condition":{"StringEquals":{"aws:ResourceTag/team":"data"}}"#,
            ),
            who: "AK2",
            what: Try::Get("pub.txt"),
            allowed: true,
        },
        Case {
            name: "aws:ResourceTag differs",
            policy: grant_two(
                "s3:GetObject",
                objects,
                r#","Condition":{"StringEquals":{"aws:ResourceTag/team":"web"}}"#,
            ),
            who: "AK2",
            what: Try::Get("pub.txt"),
            allowed: false,
        },
        Case {
            name: "aws:SecureTransport false: the deny statement applies (nimbus is plain HTTP)",
            policy: Some(policy(
                r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::table","arn:aws:s3:::table/*"],
                    "Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
            )),
            who: "AK1",
            what: Try::Get("pub.txt"),
            allowed: false,
        },
    ];
    for case in cases {
        match &case.policy {
            Some(p) => set_policy(&sb, "table", p).await,
            None => {
                one.delete_bucket_policy()
                    .bucket("table")
                    .send()
                    .await
                    .unwrap();
            }
        }
        let got = attempt(&sb, case.who, case.what).await;
        match (case.allowed, got) {
            (true, Ok(())) => {}
            (false, Err((code, status))) => {
                assert_eq!(
                    (code.as_str(), status),
                    ("AccessDenied", 403),
                    "{}",
                    case.name
                );
            }
            (allowed, got) => panic!("{}: expected allowed={allowed}, got {got:?}", case.name),
        }
    }
    // Even a policy that denies everything to everyone lets the owner's root remove it.
    one.delete_bucket_policy()
        .bucket("table")
        .send()
        .await
        .unwrap();
    one.get_object()
        .bucket("table")
        .key("pub.txt")
        .send()
        .await
        .unwrap();
}

/// A bucket policy with a principal that is not well formed is refused; one naming an
/// account or ARN nobody has is stored.
#[tokio::test]
async fn malformed_principals_are_refused() {
    let sb = two_accounts().await;
    let one = sb.s3_as("AK1");
    one.create_bucket()
        .bucket("principals")
        .send()
        .await
        .unwrap();
    let bad = policy(
        r#"{"Effect":"Allow","Principal":{"AWS":"not-an-account"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::principals/*"}"#,
    );
    let r = one
        .put_bucket_policy()
        .bucket("principals")
        .policy(bad)
        .send()
        .await;
    let e = r.unwrap_err();
    let e = e.into_service_error();
    assert_eq!(
        aws_sdk_s3::error::ProvideErrorMetadata::code(&e),
        Some("MalformedPolicy")
    );
    assert_eq!(
        aws_sdk_s3::error::ProvideErrorMetadata::message(&e),
        Some("Invalid principal in policy")
    );
    set_policy(
        &sb,
        "principals",
        &policy(
            r#"{"Effect":"Allow","Principal":{"AWS":["999999999999","arn:aws:iam::999999999999:role/nobody"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::principals/*"}"#,
        ),
    )
    .await;
}

/// Unsigned requests under `--auth strict` are the anonymous caller: allowed exactly where
/// the bucket policy grants `*`.
#[tokio::test]
async fn anonymous_requests_need_a_public_policy() {
    let sb = two_accounts().await;
    let one = sb.s3_as("AK1");
    one.create_bucket().bucket("site").send().await.unwrap();
    one.create_bucket().bucket("closed").send().await.unwrap();
    put_as(&sb, "AK1", "site", "index.html", "<h1>hi</h1>").await;
    put_as(&sb, "AK1", "closed", "index.html", "private").await;

    let r = sb.raw("GET", "/site/index.html", &[], "").await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("<Code>AccessDenied</Code>"), "{}", r.body);
    assert!(
        r.body.contains("<Message>Access Denied</Message>"),
        "{}",
        r.body
    );
    assert!(r.body.contains("<RequestId>"), "{}", r.body);
    assert!(r.body.contains("<HostId>"), "{}", r.body);

    set_policy(
        &sb,
        "site",
        &policy(
            r#"{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}"#,
        ),
    )
    .await;
    let r = sb.raw("GET", "/site/index.html", &[], "").await;
    assert_eq!((r.status, r.body.as_str()), (200, "<h1>hi</h1>"));
    let r = sb.raw("HEAD", "/site/index.html", &[], "").await;
    assert_eq!(r.status, 200);
    // No ListBucket for everyone: listing is refused, and a missing key is AccessDenied.
    let r = sb.raw("GET", "/site?list-type=2", &[], "").await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = sb.raw("GET", "/site/missing.html", &[], "").await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("<Code>AccessDenied</Code>"), "{}", r.body);
    // HEAD refused: 403 without a body.
    let r = sb.raw("HEAD", "/closed/index.html", &[], "").await;
    assert_eq!((r.status, r.body.as_str()), (403, ""));
    // Writes and other buckets stay closed; so do ListBuckets and CreateBucket.
    let r = sb.raw("PUT", "/site/new.html", &[], "x").await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = sb.raw("GET", "/closed/index.html", &[], "").await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = sb.raw("GET", "/", &[], "").await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = sb.raw("PUT", "/anon-bucket", &[], "").await;
    assert_eq!(r.status, 403, "{}", r.body);
    // The owner still gets NoSuchKey.
    let missing = one
        .get_object()
        .bucket("site")
        .key("missing.html")
        .send()
        .await;
    assert_eq!(err(missing), ("NoSuchKey".into(), 404));

    // A policy granting everyone writes under a prefix lets an unsigned PUT in.
    set_policy(
        &sb,
        "site",
        &policy(
            r#"{"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::site/uploads/*"}"#,
        ),
    )
    .await;
    let r = sb.raw("PUT", "/site/uploads/a.txt", &[], "anon").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = sb.raw("GET", "/site/uploads/a.txt", &[], "").await;
    assert_eq!((r.status, r.body.as_str()), (200, "anon"));
}

/// `GetBucketPolicyStatus`: public exactly when an `Allow` names everyone without a
/// condition fixing the source.
#[tokio::test]
async fn policy_status() {
    let sb = two_accounts().await;
    let one = sb.s3_as("AK1");
    one.create_bucket().bucket("status").send().await.unwrap();
    let status = || one.get_bucket_policy_status().bucket("status").send();
    assert_eq!(err(status().await), ("NoSuchBucketPolicy".into(), 404));
    let cases = [
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::status/*"}"#,
            true,
        ),
        (
            r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::status/*","Condition":{"StringLike":{"aws:SourceAccount":"*"}}}"#,
            true,
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::status/*","Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}}"#,
            true,
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::status/*","Condition":{"StringEquals":{"aws:SourceAccount":"111111111111"}}}"#,
            false,
        ),
        (
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::status/*","Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}"#,
            false,
        ),
        (
            r#"{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::status/*"}"#,
            false,
        ),
        (
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::status/*"}"#,
            false,
        ),
    ];
    for (statement, public) in cases {
        set_policy(&sb, "status", &policy(statement)).await;
        let got = status().await.unwrap();
        assert_eq!(
            got.policy_status().and_then(|s| s.is_public()),
            Some(public),
            "{statement}"
        );
    }
    // Another account may not read it.
    let other = sb
        .s3_as("AK2")
        .get_bucket_policy_status()
        .bucket("status")
        .send()
        .await;
    assert_eq!(err(other), ("AccessDenied".into(), 403));
}

/// The path and query of a presigned request, for `TestSandbox::raw`.
fn path_of(uri: &str) -> String {
    let rest = uri.split_once("://").map_or(uri, |(_, r)| r);
    rest.find('/').map_or("/".into(), |i| rest[i..].to_owned())
}

/// A presigned URL acts as its signer: account 2's URL for account 1's object is refused
/// until the bucket policy grants account 2.
#[tokio::test]
async fn presigned_urls_carry_their_signers_permissions() {
    let sb = two_accounts().await;
    let one = sb.s3_as("AK1");
    one.create_bucket().bucket("shared").send().await.unwrap();
    put_as(&sb, "AK1", "shared", "doc.txt", "doc").await;
    let presign = |key_id: &'static str| {
        let s3 = sb.s3_as(key_id);
        async move {
            let p = s3
                .get_object()
                .bucket("shared")
                .key("doc.txt")
                .presigned(PresigningConfig::expires_in(Duration::from_secs(300)).unwrap())
                .await
                .unwrap();
            path_of(p.uri())
        }
    };
    let mine = sb.raw("GET", &presign("AK1").await, &[], "").await;
    assert_eq!((mine.status, mine.body.as_str()), (200, "doc"));
    let theirs = presign("AK2").await;
    let r = sb.raw("GET", &theirs, &[], "").await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("<Code>AccessDenied</Code>"), "{}", r.body);
    set_policy(
        &sb,
        "shared",
        &policy(&format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"{TWO}"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*"}}"#
        )),
    )
    .await;
    let r = sb.raw("GET", &theirs, &[], "").await;
    assert_eq!((r.status, r.body.as_str()), (200, "doc"));
}

/// A browser's CORS preflight to a presigned URL carries the URL's query (signed for PUT,
/// not OPTIONS): the bucket's CORS rules answer it, its signature is not checked.
#[tokio::test]
async fn preflight_to_a_presigned_url_is_answered_by_cors() {
    let sb = two_accounts().await;
    let one = sb.s3_as("AK1");
    one.create_bucket().bucket("uploads").send().await.unwrap();
    one.put_bucket_cors()
        .bucket("uploads")
        .cors_configuration(
            CorsConfiguration::builder()
                .cors_rules(
                    CorsRule::builder()
                        .allowed_origins("http://app.example")
                        .allowed_methods("PUT")
                        .allowed_headers("*")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let p = one
        .put_object()
        .bucket("uploads")
        .key("photo.jpg")
        .presigned(PresigningConfig::expires_in(Duration::from_secs(300)).unwrap())
        .await
        .unwrap();
    let path = path_of(p.uri());
    let r = sb
        .raw(
            "OPTIONS",
            &path,
            &[
                ("origin", "http://app.example"),
                ("access-control-request-method", "PUT"),
                ("access-control-request-headers", "content-type"),
            ],
            "",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.headers
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("http://app.example")
    );
    // An origin the rules do not allow is refused by the rules (403 AccessForbidden).
    let r = sb
        .raw(
            "OPTIONS",
            &path,
            &[
                ("origin", "http://evil.example"),
                ("access-control-request-method", "PUT"),
            ],
            "",
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("AccessForbidden"), "{}", r.body);
    // The presigned PUT itself still works.
    let r = sb.raw("PUT", &path, &[], "jpeg").await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// A copy reads its source under the source bucket's policy and owner and writes under the
/// target's.
#[tokio::test]
async fn copies_across_accounts() {
    let sb = two_accounts().await;
    let one = sb.s3_as("AK1");
    let two = sb.s3_as("AK2");
    one.create_bucket().bucket("src-one").send().await.unwrap();
    two.create_bucket().bucket("dst-two").send().await.unwrap();
    put_as(&sb, "AK1", "src-one", "obj", "payload").await;
    let copy = || {
        two.copy_object()
            .bucket("dst-two")
            .key("copy")
            .copy_source("src-one/obj")
            .send()
    };
    assert_eq!(err(copy().await), ("AccessDenied".into(), 403));
    // Account 1 may read its source but not write into account 2's bucket.
    let into_two = one
        .copy_object()
        .bucket("dst-two")
        .key("copy")
        .copy_source("src-one/obj")
        .send()
        .await;
    assert_eq!(err(into_two), ("AccessDenied".into(), 403));
    set_policy(
        &sb,
        "src-one",
        &policy(&format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"{TWO}"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::src-one/*"}}"#
        )),
    )
    .await;
    copy().await.unwrap();
    // A missing source is AccessDenied to a caller who may not list the source bucket.
    let missing = two
        .copy_object()
        .bucket("dst-two")
        .key("copy2")
        .copy_source("src-one/missing")
        .send()
        .await;
    assert_eq!(err(missing), ("AccessDenied".into(), 403));
    let body = two
        .get_object()
        .bucket("dst-two")
        .key("copy")
        .send()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes();
    assert_eq!(&body[..], b"payload");
}

/// DeleteObjects checks `s3:DeleteObject` per key: refused keys are reported as
/// `AccessDenied` and stay; granted ones go.
#[tokio::test]
async fn delete_objects_is_decided_per_key() {
    let sb = two_accounts().await;
    let one = sb.s3_as("AK1");
    one.create_bucket().bucket("multi").send().await.unwrap();
    put_as(&sb, "AK1", "multi", "tmp/a", "a").await;
    put_as(&sb, "AK1", "multi", "keep/b", "b").await;
    set_policy(
        &sb,
        "multi",
        &policy(&format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"{TWO}"}},"Action":"s3:DeleteObject","Resource":"arn:aws:s3:::multi/tmp/*"}}"#
        )),
    )
    .await;
    let ids = ["tmp/a", "keep/b"]
        .into_iter()
        .map(|k| ObjectIdentifier::builder().key(k).build().unwrap())
        .collect::<Vec<_>>();
    let out = sb
        .s3_as("AK2")
        .delete_objects()
        .bucket("multi")
        .delete(Delete::builder().set_objects(Some(ids)).build().unwrap())
        .send()
        .await
        .unwrap();
    let deleted: Vec<_> = out.deleted().iter().filter_map(|d| d.key()).collect();
    assert_eq!(deleted, ["tmp/a"]);
    let errors: Vec<_> = out
        .errors()
        .iter()
        .map(|e| (e.key().unwrap_or(""), e.code().unwrap_or("")))
        .collect();
    assert_eq!(errors, [("keep/b", "AccessDenied")]);
    one.head_object()
        .bucket("multi")
        .key("keep/b")
        .send()
        .await
        .unwrap();
}

/// A stored policy is compiled again at start and still decides.
#[tokio::test]
async fn policies_hold_across_a_restart() {
    let mut sb = two_accounts().await;
    sb.s3_as("AK1")
        .create_bucket()
        .bucket("durable")
        .send()
        .await
        .unwrap();
    put_as(&sb, "AK1", "durable", "k", "v").await;
    set_policy(
        &sb,
        "durable",
        &policy(&format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"{TWO}"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::durable/*"}}"#
        )),
    )
    .await;
    sb.restart().await;
    sb.s3_as("AK2")
        .get_object()
        .bucket("durable")
        .key("k")
        .send()
        .await
        .unwrap();
    let put = sb
        .s3_as("AK2")
        .put_object()
        .bucket("durable")
        .key("k2")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await;
    assert_eq!(err(put), ("AccessDenied".into(), 403));
}

/// Under `--enforce-iam` an IAM user's identity policies decide in its own account too: a
/// user without policies is refused what its account's root may do, unless the bucket
/// policy names the user.
#[tokio::test]
async fn enforced_identity_policies_bound_a_user_in_the_owners_account() {
    let sb = TestSandbox::builder()
        .strict_auth(vec![("AK1", "S1", ONE), ("AK3", "S1", ONE)])
        .principal("AK3", "arn:aws:iam::111111111111:user/alice")
        .enforce_iam()
        .start()
        .await;
    let root = sb.s3_as("AK1");
    let alice = sb.s3_as("AK3");
    root.create_bucket().bucket("team").send().await.unwrap();
    put_as(&sb, "AK1", "team", "plan.txt", "plan").await;
    let get = || alice.get_object().bucket("team").key("plan.txt").send();
    assert_eq!(err(get().await), ("AccessDenied".into(), 403));
    assert_eq!(
        err(alice.list_buckets().send().await),
        ("AccessDenied".into(), 403)
    );
    set_policy(
        &sb,
        "team",
        &policy(
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/alice"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::team/*"}"#,
        ),
    )
    .await;
    get().await.unwrap();
    let put = alice
        .put_object()
        .bucket("team")
        .key("x")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await;
    assert_eq!(err(put), ("AccessDenied".into(), 403));
    // The root is unaffected.
    root.get_object()
        .bucket("team")
        .key("plan.txt")
        .send()
        .await
        .unwrap();
}
