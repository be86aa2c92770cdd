//! PutObject, GetObject, HeadObject, DeleteObject, CopyObject, DeleteObjects, tagging.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    ChecksumAlgorithm, ChecksumMode, Delete, MetadataDirective, ObjectIdentifier, StorageClass,
    Tag, Tagging,
};
use nimbus_testkit::TestSandbox;

use super::{bucket, err, get, put};

#[tokio::test]
async fn put_get_head_delete_round_trip() {
    let sb = TestSandbox::start().await;
    let s3 = sb.s3();
    bucket(&sb, "bkt").await;
    let body = b"hello, world".to_vec();
    let put = s3
        .put_object()
        .bucket("bkt")
        .key("dir/file.txt")
        .body(ByteStream::from(body.clone()))
        .content_type("text/plain")
        .content_encoding("identity")
        .content_disposition("attachment; filename=\"f.txt\"")
        .content_language("en")
        .cache_control("max-age=60")
        .expires(aws_sdk_s3::primitives::DateTime::from_secs(1_900_000_000))
        .metadata("owner", "Ünïcode ok")
        .storage_class(StorageClass::StandardIa)
        .send()
        .await
        .unwrap();
    // ETag is the MD5 of the content.
    assert_eq!(put.e_tag(), Some("\"e4d7f1b4ed2e42d15898f4b27b019da4\""));
    let got = s3
        .get_object()
        .bucket("bkt")
        .key("dir/file.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(got.content_type(), Some("text/plain"));
    assert_eq!(got.content_encoding(), Some("identity"));
    assert_eq!(
        got.content_disposition(),
        Some("attachment; filename=\"f.txt\"")
    );
    assert_eq!(got.content_language(), Some("en"));
    assert_eq!(got.cache_control(), Some("max-age=60"));
    assert_eq!(got.storage_class(), Some(&StorageClass::StandardIa));
    assert_eq!(got.metadata().unwrap()["owner"], "Ünïcode ok");
    assert_eq!(got.content_length(), Some(12));
    assert_eq!(got.body.collect().await.unwrap().to_vec(), body);
    let head = s3
        .head_object()
        .bucket("bkt")
        .key("dir/file.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_length(), Some(12));
    assert_eq!(head.e_tag(), put.e_tag());
    s3.delete_object()
        .bucket("bkt")
        .key("dir/file.txt")
        .send()
        .await
        .unwrap();
    let (code, status) = err(s3
        .get_object()
        .bucket("bkt")
        .key("dir/file.txt")
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("NoSuchKey", 404));
    // HEAD errors have no body, so the SDK sees only the status.
    let (code, status) = err(s3
        .head_object()
        .bucket("bkt")
        .key("dir/file.txt")
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("NotFound", 404));
    // Deleting a missing key succeeds; a missing bucket does not.
    s3.delete_object()
        .bucket("bkt")
        .key("never")
        .send()
        .await
        .unwrap();
    let (code, _) = err(s3
        .put_object()
        .bucket("nobucket")
        .key("k")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await);
    assert_eq!(code, "NoSuchBucket");
}

#[tokio::test]
async fn default_checksums_are_verified_stored_and_returned() {
    let sb = TestSandbox::start().await;
    let s3 = sb.s3();
    bucket(&sb, "sums").await;
    // The SDK's default: a CRC32 trailer on aws-chunked bodies.
    let put = s3
        .put_object()
        .bucket("sums")
        .key("k")
        .body(ByteStream::from_static(b"Hello world"))
        .send()
        .await
        .unwrap();
    assert_eq!(put.checksum_crc32(), Some("i9aeUg=="));
    let got = s3
        .get_object()
        .bucket("sums")
        .key("k")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(got.checksum_crc32(), Some("i9aeUg=="));
    for algo in [
        ChecksumAlgorithm::Crc32C,
        ChecksumAlgorithm::Crc64Nvme,
        ChecksumAlgorithm::Sha1,
        ChecksumAlgorithm::Sha256,
    ] {
        s3.put_object()
            .bucket("sums")
            .key("k2")
            .checksum_algorithm(algo.clone())
            .body(ByteStream::from_static(b"Hello world"))
            .send()
            .await
            .unwrap();
        let head = s3
            .head_object()
            .bucket("sums")
            .key("k2")
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .unwrap();
        let present = match algo {
            ChecksumAlgorithm::Crc32C => head.checksum_crc32_c().is_some(),
            ChecksumAlgorithm::Crc64Nvme => head.checksum_crc64_nvme().is_some(),
            ChecksumAlgorithm::Sha1 => head.checksum_sha1() == Some("e1AsOh9IyGCa4hLN+2Od7jlnP14="),
            _ => head.checksum_sha256() == Some("ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw="),
        };
        assert!(present, "{algo:?}");
        assert_eq!(get(&sb, "sums", "k2").await, b"Hello world");
    }
    // A wrong checksum value given in a header is refused.
    let (code, status) = err(s3
        .put_object()
        .bucket("sums")
        .key("bad")
        .checksum_crc32("AAAAAA==")
        .body(ByteStream::from_static(b"Hello world"))
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("BadDigest", 400));
    // So is a wrong Content-MD5.
    let (code, _) = err(s3
        .put_object()
        .bucket("sums")
        .key("bad")
        .content_md5("1B2M2Y8AsgTpgAmY7PhCfg==")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await);
    assert_eq!(code, "BadDigest");
    let (code, _) = err(s3.head_object().bucket("sums").key("bad").send().await);
    assert_eq!(code, "NotFound");
}

#[tokio::test]
async fn ranges_and_conditionals() {
    let sb = TestSandbox::start().await;
    let s3 = sb.s3();
    bucket(&sb, "rng").await;
    let etag = put(&sb, "rng", "k", b"0123456789").await;
    let part = s3
        .get_object()
        .bucket("rng")
        .key("k")
        .range("bytes=2-5")
        .send()
        .await
        .unwrap();
    assert_eq!(part.content_range(), Some("bytes 2-5/10"));
    assert_eq!(part.body.collect().await.unwrap().to_vec(), b"2345");
    let tail = s3
        .get_object()
        .bucket("rng")
        .key("k")
        .range("bytes=-3")
        .send()
        .await
        .unwrap();
    assert_eq!(tail.body.collect().await.unwrap().to_vec(), b"789");
    let open = s3
        .get_object()
        .bucket("rng")
        .key("k")
        .range("bytes=8-")
        .send()
        .await
        .unwrap();
    assert_eq!(open.body.collect().await.unwrap().to_vec(), b"89");
    let (code, status) = err(s3
        .get_object()
        .bucket("rng")
        .key("k")
        .range("bytes=10-20")
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("InvalidRange", 416));

    s3.get_object()
        .bucket("rng")
        .key("k")
        .if_match(&etag)
        .send()
        .await
        .unwrap();
    let (code, status) = err(s3
        .get_object()
        .bucket("rng")
        .key("k")
        .if_match("\"nope\"")
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("PreconditionFailed", 412));
    let (_, status) = err(s3
        .get_object()
        .bucket("rng")
        .key("k")
        .if_none_match(&etag)
        .send()
        .await);
    assert_eq!(status, 304);
    let later = aws_sdk_s3::primitives::DateTime::from_secs(4_000_000_000);
    let earlier = aws_sdk_s3::primitives::DateTime::from_secs(1_000_000_000);
    let (_, status) = err(s3
        .get_object()
        .bucket("rng")
        .key("k")
        .if_modified_since(later)
        .send()
        .await);
    assert_eq!(status, 304);
    s3.get_object()
        .bucket("rng")
        .key("k")
        .if_modified_since(earlier)
        .send()
        .await
        .unwrap();
    let (code, _) = err(s3
        .get_object()
        .bucket("rng")
        .key("k")
        .if_unmodified_since(earlier)
        .send()
        .await);
    assert_eq!(code, "PreconditionFailed");
    // If-Match wins over a failing If-Unmodified-Since, as S3 documents.
    s3.get_object()
        .bucket("rng")
        .key("k")
        .if_match(&etag)
        .if_unmodified_since(earlier)
        .send()
        .await
        .unwrap();

    let over = s3
        .get_object()
        .bucket("rng")
        .key("k")
        .response_content_type("application/x-test")
        .response_content_disposition("inline")
        .response_cache_control("no-cache")
        .send()
        .await
        .unwrap();
    assert_eq!(over.content_type(), Some("application/x-test"));
    assert_eq!(over.content_disposition(), Some("inline"));
    assert_eq!(over.cache_control(), Some("no-cache"));

    // Conditional writes.
    let (code, status) = err(s3
        .put_object()
        .bucket("rng")
        .key("k")
        .if_none_match("*")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("PreconditionFailed", 412));
    s3.put_object()
        .bucket("rng")
        .key("new")
        .if_none_match("*")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn odd_keys_are_stored_faithfully() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "keys").await;
    let long = "k".repeat(1024);
    let keys = [
        "../../etc/passwd",
        "/leading/slash",
        "a//b",
        "sp ace+plus%percent",
        "ünï/cödé/文件",
        "dot/./x",
        long.as_str(),
        "trailing/",
    ];
    for (i, k) in keys.iter().enumerate() {
        put(&sb, "keys", k, format!("v{i}").as_bytes()).await;
    }
    for (i, k) in keys.iter().enumerate() {
        assert_eq!(get(&sb, "keys", k).await, format!("v{i}").as_bytes(), "{k}");
    }
    let list = sb
        .s3()
        .list_objects_v2()
        .bucket("keys")
        .send()
        .await
        .unwrap();
    let mut listed: Vec<_> = list.contents().iter().filter_map(|o| o.key()).collect();
    let mut expected = keys.to_vec();
    expected.sort();
    listed.sort();
    assert_eq!(listed, expected);
    let too_long = "k".repeat(1025);
    let (code, _) = err(sb
        .s3()
        .put_object()
        .bucket("keys")
        .key(&too_long)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await);
    assert_eq!(code, "KeyTooLongError");
    // Nothing escaped the data directory: only S3's own files exist under it.
    let escaped = sb.data_dir().parent().unwrap().join("etc");
    assert!(!escaped.exists());
}

#[tokio::test]
async fn copy_object_directives_and_conditions() {
    let sb = TestSandbox::start().await;
    let s3 = sb.s3();
    bucket(&sb, "src").await;
    bucket(&sb, "dst").await;
    s3.put_object()
        .bucket("src")
        .key("a b")
        .content_type("text/plain")
        .metadata("m", "1")
        .tagging("t=1")
        .body(ByteStream::from_static(b"payload"))
        .send()
        .await
        .unwrap();
    let copied = s3
        .copy_object()
        .bucket("dst")
        .key("copy")
        .copy_source("src/a%20b")
        .send()
        .await
        .unwrap();
    let etag = copied
        .copy_object_result()
        .unwrap()
        .e_tag()
        .unwrap()
        .to_owned();
    let head = s3
        .head_object()
        .bucket("dst")
        .key("copy")
        .send()
        .await
        .unwrap();
    assert_eq!(head.e_tag(), Some(etag.as_str()));
    assert_eq!(head.content_type(), Some("text/plain"));
    assert_eq!(head.metadata().unwrap()["m"], "1");
    let tags = s3
        .get_object_tagging()
        .bucket("dst")
        .key("copy")
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tag_set()[0].key(), "t");
    // REPLACE takes the request's metadata.
    s3.copy_object()
        .bucket("dst")
        .key("copy")
        .copy_source("src/a%20b")
        .metadata_directive(MetadataDirective::Replace)
        .content_type("application/json")
        .send()
        .await
        .unwrap();
    let head = s3
        .head_object()
        .bucket("dst")
        .key("copy")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_type(), Some("application/json"));
    assert!(head.metadata().is_none_or(|m| m.is_empty()));
    // Copy onto itself without changes is illegal.
    let (code, _) = err(s3
        .copy_object()
        .bucket("src")
        .key("a b")
        .copy_source("src/a%20b")
        .send()
        .await);
    assert_eq!(code, "InvalidRequest");
    let (code, status) = err(s3
        .copy_object()
        .bucket("dst")
        .key("c2")
        .copy_source("src/a%20b")
        .copy_source_if_match("\"nope\"")
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("PreconditionFailed", 412));
    let (code, _) = err(s3
        .copy_object()
        .bucket("dst")
        .key("c2")
        .copy_source("src/missing")
        .send()
        .await);
    assert_eq!(code, "NoSuchKey");
    let (code, _) = err(s3
        .copy_object()
        .bucket("dst")
        .key("c2")
        .copy_source("nobucket/x")
        .send()
        .await);
    assert_eq!(code, "NoSuchBucket");
}

#[tokio::test]
async fn delete_objects_and_object_tagging() {
    let sb = TestSandbox::start().await;
    let s3 = sb.s3();
    bucket(&sb, "del").await;
    for k in ["a", "b", "c"] {
        put(&sb, "del", k, b"x").await;
    }
    let del = Delete::builder()
        .objects(ObjectIdentifier::builder().key("a").build().unwrap())
        .objects(ObjectIdentifier::builder().key("b").build().unwrap())
        .objects(ObjectIdentifier::builder().key("zzz").build().unwrap())
        .build()
        .unwrap();
    let out = s3
        .delete_objects()
        .bucket("del")
        .delete(del)
        .send()
        .await
        .unwrap();
    let deleted: Vec<_> = out.deleted().iter().filter_map(|d| d.key()).collect();
    assert_eq!(deleted, ["a", "b", "zzz"]);
    let left = s3.list_objects_v2().bucket("del").send().await.unwrap();
    assert_eq!(left.key_count(), Some(1));

    let tagging = Tagging::builder()
        .tag_set(Tag::builder().key("k1").value("v1").build().unwrap())
        .build()
        .unwrap();
    s3.put_object_tagging()
        .bucket("del")
        .key("c")
        .tagging(tagging)
        .send()
        .await
        .unwrap();
    let got = s3
        .get_object_tagging()
        .bucket("del")
        .key("c")
        .send()
        .await
        .unwrap();
    assert_eq!(got.tag_set()[0].value(), "v1");
    let head = s3.get_object().bucket("del").key("c").send().await.unwrap();
    assert_eq!(head.tag_count(), Some(1));
    s3.delete_object_tagging()
        .bucket("del")
        .key("c")
        .send()
        .await
        .unwrap();
    assert!(
        s3.get_object_tagging()
            .bucket("del")
            .key("c")
            .send()
            .await
            .unwrap()
            .tag_set()
            .is_empty()
    );
    let eleven = Tagging::builder()
        .set_tag_set(Some(
            (0..11)
                .map(|i| {
                    Tag::builder()
                        .key(format!("k{i}"))
                        .value("v")
                        .build()
                        .unwrap()
                })
                .collect(),
        ))
        .build()
        .unwrap();
    let (code, _) = err(s3
        .put_object_tagging()
        .bucket("del")
        .key("c")
        .tagging(eleven)
        .send()
        .await);
    assert_eq!(code, "InvalidTag");
    let (code, _) = err(s3
        .get_object_tagging()
        .bucket("del")
        .key("missing")
        .send()
        .await);
    assert_eq!(code, "NoSuchKey");
}

#[tokio::test]
async fn in_memory_mode_behaves_the_same() {
    let sb = TestSandbox::builder().in_memory().start().await;
    bucket(&sb, "mem").await;
    put(&sb, "mem", "k", b"in memory").await;
    assert_eq!(get(&sb, "mem", "k").await, b"in memory");
    let big = vec![7u8; 3 * 1024 * 1024];
    put(&sb, "mem", "big", &big).await;
    assert_eq!(get(&sb, "mem", "big").await, big);
}

#[tokio::test]
async fn a_metadata_name_sent_twice_is_one_entry_with_joined_values() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "dup-meta").await;
    let r = sb
        .raw(
            "PUT",
            "/dup-meta/k",
            &[
                ("x-amz-meta-color", "red"),
                ("x-amz-meta-color", "blue"),
                ("x-amz-meta-size", "9"),
            ],
            b"x".to_vec(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The SDK parses the response's metadata: one header per name, or it fails.
    let head = sb
        .s3()
        .head_object()
        .bucket("dup-meta")
        .key("k")
        .send()
        .await
        .unwrap();
    let meta = head.metadata().unwrap();
    assert_eq!(meta.get("color").map(String::as_str), Some("red,blue"));
    assert_eq!(meta.get("size").map(String::as_str), Some("9"));
    assert_eq!(meta.len(), 2);
}
