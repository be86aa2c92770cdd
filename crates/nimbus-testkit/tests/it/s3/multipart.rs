//! Multipart uploads.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart};
use nimbus_testkit::TestSandbox;

use super::{bucket, err, get, put};

const MIB: usize = 1024 * 1024;

fn part(n: i32, etag: &str) -> CompletedPart {
    CompletedPart::builder().part_number(n).e_tag(etag).build()
}

#[tokio::test]
async fn upload_complete_list_abort() {
    let sb = TestSandbox::start().await;
    let s3 = sb.s3();
    bucket(&sb, "mpu").await;
    let create = s3
        .create_multipart_upload()
        .bucket("mpu")
        .key("big")
        .content_type("video/mp4")
        .send()
        .await
        .unwrap();
    let id = create.upload_id().unwrap().to_owned();
    let p1 = vec![b'a'; 5 * MIB];
    let p2 = b"tail".to_vec();
    let e1 = s3
        .upload_part()
        .bucket("mpu")
        .key("big")
        .upload_id(&id)
        .part_number(1)
        .body(ByteStream::from(p1.clone()))
        .send()
        .await
        .unwrap()
        .e_tag
        .unwrap();
    let e2 = s3
        .upload_part()
        .bucket("mpu")
        .key("big")
        .upload_id(&id)
        .part_number(2)
        .body(ByteStream::from(p2.clone()))
        .send()
        .await
        .unwrap()
        .e_tag
        .unwrap();
    let parts = s3
        .list_parts()
        .bucket("mpu")
        .key("big")
        .upload_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(parts.parts().len(), 2);
    assert_eq!(parts.parts()[0].size(), Some(5 * MIB as i64));
    let uploads = s3
        .list_multipart_uploads()
        .bucket("mpu")
        .send()
        .await
        .unwrap();
    assert_eq!(uploads.uploads()[0].upload_id(), Some(id.as_str()));
    // Out of order, wrong ETag.
    let (code, _) = err(s3
        .complete_multipart_upload()
        .bucket("mpu")
        .key("big")
        .upload_id(&id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(part(2, &e2))
                .parts(part(1, &e1))
                .build(),
        )
        .send()
        .await);
    assert_eq!(code, "InvalidPartOrder");
    let (code, _) = err(s3
        .complete_multipart_upload()
        .bucket("mpu")
        .key("big")
        .upload_id(&id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(part(1, "\"0000\""))
                .build(),
        )
        .send()
        .await);
    assert_eq!(code, "InvalidPart");
    let done = s3
        .complete_multipart_upload()
        .bucket("mpu")
        .key("big")
        .upload_id(&id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(part(1, &e1))
                .parts(part(2, &e2))
                .build(),
        )
        .send()
        .await
        .unwrap();
    // md5(md5(part 1) ‖ md5(part 2)), computed independently.
    assert_eq!(done.e_tag(), Some("\"30dcfd3901d1c613b7fb532281748544-2\""));
    let head = s3
        .head_object()
        .bucket("mpu")
        .key("big")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_length(), Some((5 * MIB + 4) as i64));
    assert_eq!(head.content_type(), Some("video/mp4"));
    let body = get(&sb, "mpu", "big").await;
    assert_eq!(&body[5 * MIB..], b"tail");
    assert!(
        s3.list_multipart_uploads()
            .bucket("mpu")
            .send()
            .await
            .unwrap()
            .uploads()
            .is_empty()
    );
    let (code, status) = err(s3
        .list_parts()
        .bucket("mpu")
        .key("big")
        .upload_id(&id)
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("NoSuchUpload", 404));

    // Abort.
    let id = s3
        .create_multipart_upload()
        .bucket("mpu")
        .key("gone")
        .send()
        .await
        .unwrap()
        .upload_id
        .unwrap();
    s3.abort_multipart_upload()
        .bucket("mpu")
        .key("gone")
        .upload_id(&id)
        .send()
        .await
        .unwrap();
    let (code, _) = err(s3
        .abort_multipart_upload()
        .bucket("mpu")
        .key("gone")
        .upload_id(&id)
        .send()
        .await);
    assert_eq!(code, "NoSuchUpload");
}

#[tokio::test]
async fn small_parts_are_refused_and_checksums_compose() {
    let sb = TestSandbox::start().await;
    let s3 = sb.s3();
    bucket(&sb, "mpu").await;
    let id = s3
        .create_multipart_upload()
        .bucket("mpu")
        .key("k")
        .checksum_algorithm(ChecksumAlgorithm::Crc32)
        .send()
        .await
        .unwrap()
        .upload_id
        .unwrap();
    let mut completed = CompletedMultipartUpload::builder();
    for n in 1..=2 {
        let out = s3
            .upload_part()
            .bucket("mpu")
            .key("k")
            .upload_id(&id)
            .part_number(n)
            .checksum_algorithm(ChecksumAlgorithm::Crc32)
            .body(ByteStream::from(vec![n as u8; 1024]))
            .send()
            .await
            .unwrap();
        assert!(out.checksum_crc32().is_some());
        completed = completed.parts(
            CompletedPart::builder()
                .part_number(n)
                .e_tag(out.e_tag().unwrap())
                .checksum_crc32(out.checksum_crc32().unwrap())
                .build(),
        );
    }
    let (code, status) = err(s3
        .complete_multipart_upload()
        .bucket("mpu")
        .key("k")
        .upload_id(&id)
        .multipart_upload(completed.clone().build())
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("EntityTooSmall", 400));
    let (code, _) = err(s3
        .upload_part()
        .bucket("mpu")
        .key("k")
        .upload_id(&id)
        .part_number(10001)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await);
    assert_eq!(code, "InvalidArgument");
    let (code, _) = err(s3
        .upload_part()
        .bucket("mpu")
        .key("k")
        .upload_id("nope")
        .part_number(1)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await);
    assert_eq!(code, "NoSuchUpload");
}

#[tokio::test]
async fn upload_part_copy_takes_ranges() {
    let sb = TestSandbox::start().await;
    let s3 = sb.s3();
    bucket(&sb, "mpu").await;
    let src: Vec<u8> = (0..6 * MIB).map(|i| (i % 251) as u8).collect();
    put(&sb, "mpu", "src", &src).await;
    let id = s3
        .create_multipart_upload()
        .bucket("mpu")
        .key("dst")
        .send()
        .await
        .unwrap()
        .upload_id
        .unwrap();
    let c1 = s3
        .upload_part_copy()
        .bucket("mpu")
        .key("dst")
        .upload_id(&id)
        .part_number(1)
        .copy_source("mpu/src")
        .copy_source_range(format!("bytes=0-{}", 5 * MIB - 1))
        .send()
        .await
        .unwrap();
    let c2 = s3
        .upload_part_copy()
        .bucket("mpu")
        .key("dst")
        .upload_id(&id)
        .part_number(2)
        .copy_source("mpu/src")
        .copy_source_range(format!("bytes={}-{}", 5 * MIB, 6 * MIB - 1))
        .send()
        .await
        .unwrap();
    let e1 = c1.copy_part_result().unwrap().e_tag().unwrap().to_owned();
    let e2 = c2.copy_part_result().unwrap().e_tag().unwrap().to_owned();
    s3.complete_multipart_upload()
        .bucket("mpu")
        .key("dst")
        .upload_id(&id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(part(1, &e1))
                .parts(part(2, &e2))
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(get(&sb, "mpu", "dst").await, src);
    let (code, status) = err(s3
        .upload_part_copy()
        .bucket("mpu")
        .key("dst")
        .upload_id(&id)
        .part_number(1)
        .copy_source("mpu/src")
        .copy_source_range("bytes=0-99999999")
        .send()
        .await);
    assert!(code == "NoSuchUpload" || status == 416, "{code} {status}");
}
