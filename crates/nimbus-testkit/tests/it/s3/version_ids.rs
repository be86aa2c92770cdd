//! Version ids on buckets that never had versioning (every nimbus bucket): `null` names the
//! object, any other id is refused as AWS refuses it and changes nothing.

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::types::{Delete, ObjectIdentifier, Tag, Tagging};
use nimbus_testkit::TestSandbox;

use super::{bucket, get, put};

/// A version id of AWS's form (the one LocalStack's AWS-recorded tests use).
const WELL_FORMED: &str = "HPniJFCxqTsMuIH9KX8K8wEjNUgmABCD";
/// Version ids that name nothing in a bucket without versioning.
const REFUSED: [&str; 3] = [WELL_FORMED, "abc", "NULL"];

/// What a refused call answered.
#[derive(Debug)]
struct Refusal {
    code: String,
    status: u16,
    message: String,
    body: String,
}

fn refusal<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    r: Result<T, SdkError<E, aws_sdk_s3::config::http::HttpResponse>>,
) -> Refusal {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => {
            let raw = e.raw_response();
            Refusal {
                code: e.code().unwrap_or("<no code>").to_owned(),
                status: raw.map(|r| r.status().as_u16()).unwrap_or(0),
                message: e.message().unwrap_or("").to_owned(),
                body: raw
                    .and_then(|r| r.body().bytes())
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default(),
            }
        }
    }
}

/// Asserts AWS's answer to a version id that names nothing: 400 `InvalidArgument` with the
/// argument's name and value in the error document.
fn assert_invalid_version(r: &Refusal, argument: &str, id: &str) {
    let message = if id.is_empty() {
        "Version id cannot be the empty string"
    } else {
        "Invalid version id specified"
    };
    assert_eq!(
        (r.code.as_str(), r.status, r.message.as_str()),
        ("InvalidArgument", 400, message),
        "{r:?}"
    );
    assert!(
        r.body
            .contains(&format!("<ArgumentName>{argument}</ArgumentName>")),
        "{r:?}"
    );
    assert!(
        r.body
            .contains(&format!("<ArgumentValue>{id}</ArgumentValue>")),
        "{r:?}"
    );
}

/// A body whose every byte matters (and that is stored as a file, not inline).
fn content(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

/// Asserts the object is still there with exactly `body` and `etag`.
async fn assert_intact(sb: &TestSandbox, b: &str, key: &str, body: &[u8], etag: &str) {
    assert_eq!(get(sb, b, key).await, body, "{key} changed");
    let head = sb
        .s3()
        .head_object()
        .bucket(b)
        .key(key)
        .send()
        .await
        .expect("object still there");
    assert_eq!(head.e_tag(), Some(etag));
}

#[tokio::test]
async fn get_and_head_take_only_the_null_version() {
    let sb = TestSandbox::start().await;
    let s3 = sb.s3();
    bucket(&sb, "ver").await;
    let body = content(100 * 1024);
    let etag = put(&sb, "ver", "k", &body).await;
    // `null` is the object written without versioning: the same object, and no version id
    // in the answer (AWS sends none on a bucket that never had versioning).
    let got = s3
        .get_object()
        .bucket("ver")
        .key("k")
        .version_id("null")
        .send()
        .await
        .unwrap();
    assert_eq!(got.version_id(), None);
    assert_eq!(got.e_tag(), Some(etag.as_str()));
    assert_eq!(got.body.collect().await.unwrap().to_vec(), body);
    let head = s3
        .head_object()
        .bucket("ver")
        .key("k")
        .version_id("null")
        .send()
        .await
        .unwrap();
    assert_eq!(head.version_id(), None);
    assert_eq!(head.content_length(), Some(body.len() as i64));
    for id in REFUSED.into_iter().chain([""]) {
        let r = refusal(
            s3.get_object()
                .bucket("ver")
                .key("k")
                .version_id(id)
                .send()
                .await,
        );
        assert_invalid_version(&r, "versionId", id);
        // HEAD answers have no body: only the status says it.
        let r = refusal(
            s3.head_object()
                .bucket("ver")
                .key("k")
                .version_id(id)
                .send()
                .await,
        );
        assert_eq!(r.status, 400, "{id:?}: {r:?}");
        assert!(r.body.is_empty(), "{r:?}");
    }
    // The version id is judged before the key (AWS: a missing key with a bad id is the
    // version's error, not NoSuchKey); a missing bucket still comes first.
    let r = refusal(
        s3.get_object()
            .bucket("ver")
            .key("missing")
            .version_id(WELL_FORMED)
            .send()
            .await,
    );
    assert_invalid_version(&r, "versionId", WELL_FORMED);
    let r = refusal(
        s3.get_object()
            .bucket("missing")
            .key("k")
            .version_id(WELL_FORMED)
            .send()
            .await,
    );
    assert_eq!((r.code.as_str(), r.status), ("NoSuchBucket", 404));
    let r = refusal(
        s3.get_object()
            .bucket("ver")
            .key("missing")
            .version_id("null")
            .send()
            .await,
    );
    assert_eq!((r.code.as_str(), r.status), ("NoSuchKey", 404));
    assert_intact(&sb, "ver", "k", &body, &etag).await;
}

#[tokio::test]
async fn delete_with_another_version_id_deletes_nothing() {
    let sb = TestSandbox::start().await;
    let s3 = sb.s3();
    bucket(&sb, "del").await;
    let body = content(100 * 1024);
    let etag = put(&sb, "del", "k", &body).await;
    for id in REFUSED.into_iter().chain([""]) {
        let r = refusal(
            s3.delete_object()
                .bucket("del")
                .key("k")
                .version_id(id)
                .send()
                .await,
        );
        assert_invalid_version(&r, "versionId", id);
        assert_intact(&sb, "del", "k", &body, &etag).await;
    }
    // A missing key with a bad id is refused too (AWS-recorded), not a silent 204.
    let r = refusal(
        s3.delete_object()
            .bucket("del")
            .key("missing")
            .version_id(WELL_FORMED)
            .send()
            .await,
    );
    assert_invalid_version(&r, "versionId", WELL_FORMED);
    // The listing still has the object, as its only version, `null`.
    let versions = s3
        .list_object_versions()
        .bucket("del")
        .send()
        .await
        .unwrap();
    assert_eq!(versions.versions().len(), 1);
    assert_eq!(versions.versions()[0].version_id(), Some("null"));
    // `null` deletes it, as a delete without a version id does.
    let out = s3
        .delete_object()
        .bucket("del")
        .key("k")
        .version_id("null")
        .send()
        .await
        .unwrap();
    assert_eq!(out.version_id(), None);
    let r = refusal(s3.get_object().bucket("del").key("k").send().await);
    assert_eq!((r.code.as_str(), r.status), ("NoSuchKey", 404));
}

fn ident(key: &str, version: Option<&str>) -> ObjectIdentifier {
    ObjectIdentifier::builder()
        .key(key)
        .set_version_id(version.map(str::to_owned))
        .build()
        .unwrap()
}

#[tokio::test]
async fn delete_objects_reports_another_version_id_per_entry() {
    let sb = TestSandbox::start().await;
    let s3 = sb.s3();
    bucket(&sb, "batch").await;
    let kept = content(100 * 1024);
    let kept_small = b"small and kept".to_vec();
    let etag = put(&sb, "batch", "kept", &kept).await;
    let etag_small = put(&sb, "batch", "kept-small", &kept_small).await;
    put(&sb, "batch", "by-null", b"x").await;
    put(&sb, "batch", "plain", b"y").await;
    let out = s3
        .delete_objects()
        .bucket("batch")
        .delete(
            Delete::builder()
                .objects(ident("kept", Some(WELL_FORMED)))
                .objects(ident("kept-small", Some("abc")))
                .objects(ident("by-null", Some("null")))
                .objects(ident("plain", None))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let mut errors: Vec<_> = out
        .errors()
        .iter()
        .map(|e| (e.key(), e.version_id(), e.code(), e.message()))
        .collect();
    errors.sort();
    let missing = Some("The specified version does not exist.");
    assert_eq!(
        errors,
        [
            (
                Some("kept"),
                Some(WELL_FORMED),
                Some("NoSuchVersion"),
                missing
            ),
            (
                Some("kept-small"),
                Some("abc"),
                Some("NoSuchVersion"),
                missing
            ),
        ]
    );
    let mut deleted: Vec<_> = out
        .deleted()
        .iter()
        .map(|d| (d.key(), d.version_id()))
        .collect();
    deleted.sort();
    assert_eq!(
        deleted,
        [(Some("by-null"), Some("null")), (Some("plain"), None)]
    );
    assert_intact(&sb, "batch", "kept", &kept, &etag).await;
    assert_intact(&sb, "batch", "kept-small", &kept_small, &etag_small).await;
    let listed = s3.list_objects_v2().bucket("batch").send().await.unwrap();
    let keys: Vec<_> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["kept", "kept-small"]);
    // Quiet mode leaves out what was deleted, never the errors.
    let out = s3
        .delete_objects()
        .bucket("batch")
        .delete(
            Delete::builder()
                .objects(ident("kept", Some("abc")))
                .quiet(true)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert!(out.deleted().is_empty());
    assert_eq!(out.errors().len(), 1);
    assert_eq!(out.errors()[0].code(), Some("NoSuchVersion"));
    assert_intact(&sb, "batch", "kept", &kept, &etag).await;
}

fn tagging(pairs: &[(&str, &str)]) -> Tagging {
    let mut t = Tagging::builder();
    for (k, v) in pairs {
        t = t.tag_set(Tag::builder().key(*k).value(*v).build().unwrap());
    }
    t.build().unwrap()
}

async fn tags(sb: &TestSandbox, key: &str) -> Vec<(String, String)> {
    sb.s3()
        .get_object_tagging()
        .bucket("tags")
        .key(key)
        .send()
        .await
        .unwrap()
        .tag_set()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect()
}

#[tokio::test]
async fn tagging_and_acl_take_only_the_null_version() {
    let sb = TestSandbox::start().await;
    let s3 = sb.s3();
    bucket(&sb, "tags").await;
    let body = b"tagged".to_vec();
    let etag = put(&sb, "tags", "k", &body).await;
    s3.put_object_tagging()
        .bucket("tags")
        .key("k")
        .tagging(tagging(&[("a", "1")]))
        .send()
        .await
        .unwrap();
    let before = vec![("a".to_owned(), "1".to_owned())];
    for id in REFUSED.into_iter().chain([""]) {
        let r = refusal(
            s3.get_object_tagging()
                .bucket("tags")
                .key("k")
                .version_id(id)
                .send()
                .await,
        );
        assert_invalid_version(&r, "versionId", id);
        let r = refusal(
            s3.put_object_tagging()
                .bucket("tags")
                .key("k")
                .version_id(id)
                .tagging(tagging(&[("b", "2")]))
                .send()
                .await,
        );
        assert_invalid_version(&r, "versionId", id);
        let r = refusal(
            s3.delete_object_tagging()
                .bucket("tags")
                .key("k")
                .version_id(id)
                .send()
                .await,
        );
        assert_invalid_version(&r, "versionId", id);
        let r = refusal(
            s3.get_object_acl()
                .bucket("tags")
                .key("k")
                .version_id(id)
                .send()
                .await,
        );
        assert_invalid_version(&r, "versionId", id);
        assert_eq!(tags(&sb, "k").await, before);
    }
    assert_intact(&sb, "tags", "k", &body, &etag).await;
    // `null` acts on the object.
    let got = s3
        .get_object_tagging()
        .bucket("tags")
        .key("k")
        .version_id("null")
        .send()
        .await
        .unwrap();
    assert_eq!(got.tag_set().len(), 1);
    s3.put_object_tagging()
        .bucket("tags")
        .key("k")
        .version_id("null")
        .tagging(tagging(&[("b", "2")]))
        .send()
        .await
        .unwrap();
    assert_eq!(tags(&sb, "k").await, [("b".to_owned(), "2".to_owned())]);
    s3.get_object_acl()
        .bucket("tags")
        .key("k")
        .version_id("null")
        .send()
        .await
        .unwrap();
    s3.delete_object_tagging()
        .bucket("tags")
        .key("k")
        .version_id("null")
        .send()
        .await
        .unwrap();
    assert!(tags(&sb, "k").await.is_empty());
}

#[tokio::test]
async fn copies_take_only_the_null_source_version() {
    let sb = TestSandbox::start().await;
    let s3 = sb.s3();
    bucket(&sb, "src").await;
    bucket(&sb, "dst").await;
    let body = content(100 * 1024);
    let etag = put(&sb, "src", "k", &body).await;
    let old = b"destination before".to_vec();
    let old_etag = put(&sb, "dst", "existing", &old).await;
    for id in REFUSED {
        for dest in ["existing", "new"] {
            // CopyObject: AWS's bare InvalidRequest.
            let r = refusal(
                s3.copy_object()
                    .bucket("dst")
                    .key(dest)
                    .copy_source(format!("src/k?versionId={id}"))
                    .send()
                    .await,
            );
            assert_eq!(
                (r.code.as_str(), r.status, r.message.as_str()),
                ("InvalidRequest", 400, "Invalid Request"),
                "{id:?}: {r:?}"
            );
        }
    }
    // An empty id is InvalidArgument, naming the header.
    let r = refusal(
        s3.copy_object()
            .bucket("dst")
            .key("existing")
            .copy_source("src/k?versionId=")
            .send()
            .await,
    );
    assert_invalid_version(&r, "x-amz-copy-source", "");
    // Nothing was written: the existing destination is unchanged, the new one absent.
    assert_intact(&sb, "dst", "existing", &old, &old_etag).await;
    let r = refusal(s3.head_object().bucket("dst").key("new").send().await);
    assert_eq!(r.status, 404);
    assert_intact(&sb, "src", "k", &body, &etag).await;
    // `null` copies the object.
    let out = s3
        .copy_object()
        .bucket("dst")
        .key("existing")
        .copy_source("src/k?versionId=null")
        .send()
        .await
        .unwrap();
    assert_eq!(out.copy_source_version_id(), None);
    assert_eq!(get(&sb, "dst", "existing").await, body);

    // UploadPartCopy: InvalidArgument naming x-amz-copy-source, and no part is stored.
    let up = s3
        .create_multipart_upload()
        .bucket("dst")
        .key("mp")
        .send()
        .await
        .unwrap();
    let upload_id = up.upload_id().unwrap();
    for id in REFUSED.into_iter().chain([""]) {
        let r = refusal(
            s3.upload_part_copy()
                .bucket("dst")
                .key("mp")
                .upload_id(upload_id)
                .part_number(1)
                .copy_source(format!("src/k?versionId={id}"))
                .send()
                .await,
        );
        assert_invalid_version(&r, "x-amz-copy-source", id);
    }
    let parts = s3
        .list_parts()
        .bucket("dst")
        .key("mp")
        .upload_id(upload_id)
        .send()
        .await
        .unwrap();
    assert!(parts.parts().is_empty(), "{parts:?}");
    let part = s3
        .upload_part_copy()
        .bucket("dst")
        .key("mp")
        .upload_id(upload_id)
        .part_number(1)
        .copy_source("src/k?versionId=null")
        .send()
        .await
        .unwrap();
    assert_eq!(
        part.copy_part_result().and_then(|c| c.e_tag()),
        Some(etag.as_str())
    );
    // UploadPart takes no version id at all, not even `null`.
    let r = sb
        .raw(
            "PUT",
            &format!("/dst/mp?partNumber=2&uploadId={upload_id}&versionId=null"),
            &[],
            "part two",
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body
            .contains("<Message>This operation does not accept a version-id.</Message>"),
        "{}",
        r.body
    );
    let parts = s3
        .list_parts()
        .bucket("dst")
        .key("mp")
        .upload_id(upload_id)
        .send()
        .await
        .unwrap();
    let numbers: Vec<_> = parts
        .parts()
        .iter()
        .filter_map(|p| p.part_number())
        .collect();
    assert_eq!(numbers, [1]);
}
