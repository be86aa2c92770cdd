//! The engine's calls on an in-memory store, without HTTP: what each call checks, changes
//! and returns.

use bytes::Bytes;
use nimbus_core::{AccountId, RequestContext, ServiceEnv};

use super::buckets::Created;
use super::multipart::{CompletedPart, NewUpload};
use super::objects::{DeleteEntry, Preconditions, WriteConditions};
use super::*;
use crate::model::{ObjectMeta, Part};

fn engine() -> Engine {
    Engine::open(&ServiceEnv::in_memory()).unwrap()
}

fn ctx() -> RequestContext {
    RequestContext::internal(AccountId::default(), "us-east-1")
}

async fn blob(engine: &Engine, data: &'static [u8]) -> (String, u64) {
    let mut w = engine.blob_writer();
    w.write(Bytes::from_static(data)).await.unwrap();
    w.finish().await.unwrap()
}

fn md5_hex(data: &[u8]) -> String {
    hex::encode(crate::etag::md5_of(data))
}

async fn put(engine: &Engine, key: &str, data: &'static [u8]) -> S3Result<Arc<ObjectMeta>> {
    let (id, size) = blob(engine, data).await;
    let meta = ObjectMeta {
        blob: id,
        size,
        etag: md5_hex(data),
        last_modified: engine.now_millis(),
        headers: Default::default(),
        checksum: None,
        tags: Vec::new(),
        parts: 0,
        owner: "000000000000".into(),
        acl: None,
    };
    engine
        .put_object(
            &ctx(),
            "b",
            key,
            meta,
            WriteConditions::default(),
            "s3:ObjectCreated:Put",
        )
        .await
}

fn read(engine: &Engine, key: &str) -> S3Result<Bytes> {
    let opened = engine.open_object("b", key, None, |_| Ok(true))?;
    let mut reader = opened.reader.unwrap();
    reader.read_range(0, opened.meta.size)
}

#[tokio::test]
async fn a_bucket_name_is_taken_once_and_us_east_1_forgives_its_owner() {
    let e = engine();
    let owner = AccountId::default().to_string();
    assert_eq!(
        e.create_bucket("b", &owner, "us-east-1").await,
        Ok(Created::New)
    );
    assert_eq!(
        e.create_bucket("b", &owner, "us-east-1").await,
        Ok(Created::AlreadyOwned)
    );
    assert_eq!(
        e.create_bucket("b", "111111111111", "us-east-1").await,
        Err(S3Error::BucketAlreadyExists("b".into()))
    );
    assert_eq!(e.bucket_region("b"), Ok("us-east-1".into()));
    assert_eq!(
        e.bucket_region("nope"),
        Err(S3Error::NoSuchBucket("nope".into()))
    );
}

#[tokio::test]
async fn objects_are_stored_read_tagged_and_deleted() {
    let e = engine();
    e.create_bucket("b", "000000000000", "us-east-1")
        .await
        .unwrap();
    let meta = put(&e, "k", b"hello").await.unwrap();
    assert_eq!(meta.etag, md5_hex(b"hello"));
    assert_eq!(read(&e, "k").unwrap(), Bytes::from_static(b"hello"));
    // A precondition is checked before the content is opened.
    let stale = Preconditions {
        if_match: Some("\"other\""),
        ..Default::default()
    };
    assert!(matches!(
        e.open_object("b", "k", None, |m| stale.check(m).map(|()| true)),
        Err(S3Error::PreconditionFailed("If-Match"))
    ));
    // Tags replace the metadata; a version other than `null` is refused first.
    let tags = vec![("a".to_string(), "1".to_string())];
    assert!(matches!(
        e.put_object_tags("b", "missing", Some("v1"), tags.clone())
            .await,
        Err(S3Error::InvalidVersionId { .. })
    ));
    assert_eq!(
        e.put_object_tags("b", "missing", None, tags.clone()).await,
        Err(S3Error::NoSuchKey("missing".into()))
    );
    e.put_object_tags("b", "k", Some("null"), tags.clone())
        .await
        .unwrap();
    assert_eq!(e.object_tags("b", "k", None), Ok(tags));
    assert_eq!(
        e.delete_bucket("b").await,
        Err(S3Error::BucketNotEmpty("b".into()))
    );
    e.delete_object(&ctx(), "b", "k", None, None).await.unwrap();
    assert!(matches!(read(&e, "k"), Err(S3Error::NoSuchKey(_))));
    // Deleting a missing key succeeds.
    e.delete_object(&ctx(), "b", "k", None, None).await.unwrap();
    e.delete_bucket("b").await.unwrap();
}

#[tokio::test]
async fn write_conditions_are_checked_with_the_write() {
    let e = engine();
    e.create_bucket("b", "000000000000", "us-east-1")
        .await
        .unwrap();
    put(&e, "k", b"one").await.unwrap();
    let (id, size) = blob(&e, b"two").await;
    let meta = ObjectMeta {
        blob: id,
        size,
        etag: md5_hex(b"two"),
        last_modified: 0,
        headers: Default::default(),
        checksum: None,
        tags: Vec::new(),
        parts: 0,
        owner: String::new(),
        acl: None,
    };
    let refuse = WriteConditions {
        if_match: None,
        if_none_match: Some("*"),
    };
    assert_eq!(
        e.put_object(&ctx(), "b", "k", meta, refuse, "s3:ObjectCreated:Put")
            .await,
        Err(S3Error::PreconditionFailed("If-None-Match"))
    );
    assert_eq!(read(&e, "k").unwrap(), Bytes::from_static(b"one"));
}

#[tokio::test]
async fn delete_objects_reports_entries_it_cannot_delete() {
    let e = engine();
    e.create_bucket("b", "000000000000", "us-east-1")
        .await
        .unwrap();
    put(&e, "a", b"1").await.unwrap();
    put(&e, "c", b"3").await.unwrap();
    let entry = |key: &str, version: Option<&str>| DeleteEntry {
        key: key.into(),
        version: version.map(str::to_owned),
        error: None,
    };
    let mut entries = [entry("a", None), entry("c", Some("v1"))];
    e.delete_objects(&ctx(), "b", &mut entries).await.unwrap();
    assert_eq!(entries[0].error, None);
    assert_eq!(
        entries[1].error.map(|(code, _)| code),
        Some("NoSuchVersion")
    );
    assert!(read(&e, "a").is_err());
    assert_eq!(read(&e, "c").unwrap(), Bytes::from_static(b"3"));
}

#[tokio::test]
async fn a_completed_upload_becomes_the_object_with_the_multipart_etag() {
    let e = engine();
    e.create_bucket("b", "000000000000", "us-east-1")
        .await
        .unwrap();
    let id = e
        .create_upload(
            "b",
            NewUpload {
                key: "k".into(),
                headers: Default::default(),
                tags: Vec::new(),
                checksum_algorithm: None,
                full_object: true,
                owner: "000000000000".into(),
                object_acl: None,
            },
        )
        .await
        .unwrap();
    let (blob_id, size) = blob(&e, b"part one").await;
    let part = e
        .put_part(
            "b",
            &id,
            1,
            Part {
                blob: blob_id,
                size,
                etag: md5_hex(b"part one"),
                last_modified: 0,
                checksum: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(e.upload("b", "k", &id).unwrap().parts.len(), 1);
    let requested = |etag: &str| {
        vec![CompletedPart {
            number: 1,
            etag: etag.into(),
            checksums: Vec::new(),
        }]
    };
    assert!(matches!(
        e.complete_upload(
            &ctx(),
            "b",
            "k",
            &id,
            &requested("bad"),
            WriteConditions::default()
        )
        .await,
        Err(S3Error::InvalidPart { part_number: 1, .. })
    ));
    let meta = e
        .complete_upload(
            &ctx(),
            "b",
            "k",
            &id,
            &requested(&part.etag),
            WriteConditions::default(),
        )
        .await
        .unwrap();
    let digest = hex::decode(&part.etag).unwrap();
    assert_eq!(meta.etag, format!("{}-1", md5_hex(&digest)));
    assert_eq!(meta.parts, 1);
    assert_eq!(read(&e, "k").unwrap(), Bytes::from_static(b"part one"));
    assert_eq!(
        e.abort_upload("b", &id).await,
        Err(S3Error::NoSuchUpload(id.clone()))
    );
}
