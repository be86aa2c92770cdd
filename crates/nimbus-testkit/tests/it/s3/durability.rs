//! State survives a restart: buckets and their settings, objects (small and large), uploads
//! in progress; an interrupted upload never becomes visible.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart, Tag, Tagging};
use bytes::Bytes;
use hyper::body::Frame;
use nimbus_testkit::TestSandbox;

use super::{bucket, get, put};

#[tokio::test]
async fn everything_survives_a_restart() {
    let mut sb = TestSandbox::start().await;
    let s3 = sb.s3();
    bucket(&sb, "keep").await;
    put(&sb, "keep", "small", b"small object").await;
    let big: Vec<u8> = (0..3 * 1024 * 1024).map(|i| (i % 253) as u8).collect();
    put(&sb, "keep", "big", &big).await;
    let tagging = Tagging::builder()
        .tag_set(Tag::builder().key("a").value("b").build().unwrap())
        .build()
        .unwrap();
    s3.put_bucket_tagging()
        .bucket("keep")
        .tagging(tagging)
        .send()
        .await
        .unwrap();
    let id = s3
        .create_multipart_upload()
        .bucket("keep")
        .key("mp")
        .send()
        .await
        .unwrap()
        .upload_id
        .unwrap();
    let e1 = s3
        .upload_part()
        .bucket("keep")
        .key("mp")
        .upload_id(&id)
        .part_number(1)
        .body(ByteStream::from_static(b"part one"))
        .send()
        .await
        .unwrap()
        .e_tag
        .unwrap();
    put(&sb, "keep", "gone", b"deleted before restart").await;
    s3.delete_object()
        .bucket("keep")
        .key("gone")
        .send()
        .await
        .unwrap();

    sb.restart().await;

    let s3 = sb.s3();
    assert_eq!(get(&sb, "keep", "small").await, b"small object");
    assert_eq!(get(&sb, "keep", "big").await, big);
    assert_eq!(
        s3.get_bucket_tagging()
            .bucket("keep")
            .send()
            .await
            .unwrap()
            .tag_set()[0]
            .key(),
        "a"
    );
    assert!(
        s3.head_object()
            .bucket("keep")
            .key("gone")
            .send()
            .await
            .is_err()
    );
    let parts = s3
        .list_parts()
        .bucket("keep")
        .key("mp")
        .upload_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(parts.parts().len(), 1);
    s3.complete_multipart_upload()
        .bucket("keep")
        .key("mp")
        .upload_id(&id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(CompletedPart::builder().part_number(1).e_tag(e1).build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(get(&sb, "keep", "mp").await, b"part one");
    // Only live blobs remain on disk: "big" (small objects live in the database).
    assert_eq!(blob_files(&sb).len(), 1);
}

/// The blob files on disk.
fn blob_files(sb: &TestSandbox) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for shard in std::fs::read_dir(sb.data_dir().join("s3/blobs")).unwrap() {
        for f in std::fs::read_dir(shard.unwrap().path()).unwrap() {
            files.push(f.unwrap().path());
        }
    }
    files
}

/// Objects on both sides of the size up to which content is kept in the database (64 KiB)
/// round trip, replace each other, survive a restart, and leave no file behind when gone.
#[tokio::test]
async fn small_and_large_objects_replace_each_other_and_survive_a_restart() {
    let mut sb = TestSandbox::start().await;
    bucket(&sb, "sizes").await;
    let inline: Vec<u8> = (0..64 * 1024).map(|i| (i % 251) as u8).collect();
    let file: Vec<u8> = (0..64 * 1024 + 1).map(|i| (i % 241) as u8).collect();
    put(&sb, "sizes", "a", &inline).await;
    put(&sb, "sizes", "b", &file).await;
    put(&sb, "sizes", "empty", b"").await;
    assert_eq!(blob_files(&sb).len(), 1);
    assert_eq!(get(&sb, "sizes", "a").await, inline);
    assert_eq!(get(&sb, "sizes", "b").await, file);
    // Ranges and copies of content kept in the database.
    let r = sb
        .s3()
        .get_object()
        .bucket("sizes")
        .key("a")
        .range("bytes=65530-")
        .send()
        .await
        .unwrap();
    assert_eq!(r.body.collect().await.unwrap().to_vec(), &inline[65530..]);
    sb.s3()
        .copy_object()
        .bucket("sizes")
        .key("a-copy")
        .copy_source("sizes/a")
        .send()
        .await
        .unwrap();
    // Swap: the small key gets a file, the large key gets small content.
    put(&sb, "sizes", "a", &file).await;
    put(&sb, "sizes", "b", &inline).await;
    assert_eq!(get(&sb, "sizes", "a").await, file);
    assert_eq!(get(&sb, "sizes", "b").await, inline);
    assert_eq!(blob_files(&sb).len(), 1);

    sb.restart().await;
    assert_eq!(get(&sb, "sizes", "a").await, file);
    assert_eq!(get(&sb, "sizes", "b").await, inline);
    assert_eq!(get(&sb, "sizes", "a-copy").await, inline);
    assert_eq!(get(&sb, "sizes", "empty").await, b"");
    let s3 = sb.s3();
    for key in ["a", "b", "a-copy", "empty"] {
        s3.delete_object()
            .bucket("sizes")
            .key(key)
            .send()
            .await
            .unwrap();
    }
    assert!(blob_files(&sb).is_empty());
    sb.restart().await;
    let list = sb
        .s3()
        .list_objects_v2()
        .bucket("sizes")
        .send()
        .await
        .unwrap();
    assert!(list.contents().is_empty());
}

#[tokio::test]
async fn an_interrupted_upload_never_becomes_visible() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "crash").await;
    put(&sb, "crash", "k", b"old").await;
    // A body that sends half of its announced length, then fails.
    let client: hyper_util::client::legacy::Client<_, HalfBody> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build_http();
    let req = http::Request::builder()
        .method("PUT")
        .uri(format!("{}/crash/k", sb.endpoint()))
        .header("content-length", "1000000")
        .body(HalfBody { sent: false })
        .unwrap();
    let _ = client.request(req).await;
    assert_eq!(get(&sb, "crash", "k").await, b"old");
    // No partial file is left behind ("old" is small: it lives in the database).
    let tmp: Vec<_> = std::fs::read_dir(sb.data_dir().join("s3/tmp"))
        .unwrap()
        .collect();
    assert!(tmp.is_empty(), "{tmp:?}");
    let files = blob_files(&sb);
    assert!(files.is_empty(), "{files:?}");
}

/// Sends 500,000 bytes, then fails.
struct HalfBody {
    sent: bool,
}

impl hyper::body::Body for HalfBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if self.sent {
            return std::task::Poll::Ready(Some(Err(std::io::Error::other("client went away"))));
        }
        self.sent = true;
        std::task::Poll::Ready(Some(Ok(Frame::data(Bytes::from(vec![b'n'; 500_000])))))
    }
}
