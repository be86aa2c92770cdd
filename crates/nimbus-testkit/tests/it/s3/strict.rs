//! `--auth strict`: signed streaming uploads (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD` and its
//! `-TRAILER` variant) whose headers are signed by `aws-sigv4` and whose chunks and trailer
//! are signed with `nimbus_wire::sigv4::ChunkSigner`, each signature checked as the body
//! streams; and aws-sdk-rust round trips with its default settings.

use std::time::SystemTime;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    ChecksumMode, CompletedMultipartUpload, CompletedPart, Delete, ObjectIdentifier,
};
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode,
};
use md5::{Digest, Md5};
use nimbus_testkit::{RawResponse, TestSandbox};
use nimbus_wire::sigv4::{ChunkSigner, canonical_trailers, signing_key};
use sha2::Sha256;

use super::{err, get};

const AKID: &str = "AKIDSTRICTSTREAM";
const SECRET: &str = "strict/stream+SECRET";
const ACCOUNT: &str = "111122223333";

async fn strict_sandbox() -> TestSandbox {
    let sb = TestSandbox::builder()
        .strict_auth(vec![(AKID, SECRET, ACCOUNT)])
        .start()
        .await;
    sb.s3()
        .create_bucket()
        .bucket("strict")
        .send()
        .await
        .unwrap();
    sb
}

/// Standard base64 (the test kit has no base64 dependency).
fn b64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A request whose headers are signed (by `aws-sigv4`, as aws-sdk-rust signs S3 requests)
/// for a signed streaming body, and the chain that signs its chunks.
struct Streaming {
    headers: Vec<(String, String)>,
    signer: ChunkSigner,
}

impl Streaming {
    /// Signs `PUT path` whose body is `decoded_len` bytes sent as signed `aws-chunked`
    /// chunks, with a checksum `trailer` (header name) when given.
    fn sign(sb: &TestSandbox, path: &str, decoded_len: usize, trailer: Option<&str>) -> Streaming {
        let authority = sb.endpoint().trim_start_matches("http://").to_owned();
        let payload = if trailer.is_some() {
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
        } else {
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
        };
        let mut headers: Vec<(String, String)> = vec![
            ("host".into(), authority),
            ("content-encoding".into(), "aws-chunked".into()),
            (
                "x-amz-decoded-content-length".into(),
                decoded_len.to_string(),
            ),
        ];
        if let Some(t) = trailer {
            headers.push(("x-amz-trailer".into(), t.into()));
        }
        let identity =
            aws_sdk_s3::config::Credentials::new(AKID, SECRET, None, None, "test").into();
        let mut settings = SigningSettings::default();
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name("s3")
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .unwrap()
            .into();
        let url = format!("{}{path}", sb.endpoint());
        let signable = SignableRequest::new(
            "PUT",
            &url,
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            SignableBody::Precomputed(payload.into()),
        )
        .unwrap();
        let (instructions, seed) = aws_sigv4::http_request::sign(signable, &params)
            .unwrap()
            .into_parts();
        let mut req = http::Request::builder().method("PUT").uri(&url);
        for (k, v) in &headers {
            req = req.header(k, v);
        }
        let mut req = req.body(()).unwrap();
        instructions.apply_to_request_http1x(&mut req);
        let headers: Vec<(String, String)> = req
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
            .collect();
        let amz_date = headers
            .iter()
            .find(|(k, _)| k == "x-amz-date")
            .map(|(_, v)| v.clone())
            .unwrap();
        let date = &amz_date[..8];
        let signer = ChunkSigner::new(
            signing_key(SECRET, date, "us-east-1", "s3"),
            amz_date.clone(),
            format!("{date}/us-east-1/s3/aws4_request"),
            seed,
        );
        Streaming { headers, signer }
    }

    /// Signs the next chunk of `data`.
    fn chunk(&mut self, data: &[u8]) -> String {
        self.signer.sign_chunk(data)
    }

    async fn send(&self, sb: &TestSandbox, path: &str, body: Vec<u8>) -> RawResponse {
        let h: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        sb.raw("PUT", path, &h, body).await
    }
}

/// One signed chunk on the wire.
fn frame(out: &mut Vec<u8>, data: &[u8], signature: &str) {
    out.extend_from_slice(format!("{:x};chunk-signature={signature}\r\n", data.len()).as_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// A whole signed body: each chunk of `chunks`, the final empty chunk, no trailer.
fn signed_body(s: &mut Streaming, chunks: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for c in chunks {
        let sig = s.chunk(c);
        frame(&mut out, c, &sig);
    }
    let last = s.chunk(b"");
    out.extend_from_slice(format!("0;chunk-signature={last}\r\n\r\n").as_bytes());
    out
}

fn content() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let a: Vec<u8> = (0..65536u32).map(|i| (i % 251) as u8).collect();
    let b: Vec<u8> = (0..65536u32).map(|i| (i % 13) as u8 + b'a').collect();
    (a, b, b"the last, short chunk".to_vec())
}

fn whole(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

async fn head_status(sb: &TestSandbox, key: &str) -> u16 {
    match sb.s3().head_object().bucket("strict").key(key).send().await {
        Ok(_) => 200,
        Err(e) => e.raw_response().map(|r| r.status().as_u16()).unwrap_or(0),
    }
}

fn assert_signature_mismatch(r: &RawResponse) {
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(
        r.body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn signed_streaming_upload_is_verified_and_stored() {
    let sb = strict_sandbox().await;
    let (a, b, c) = content();
    let data = whole(&[&a, &b, &c]);
    let path = "/strict/signed%20chunks.bin";
    let mut s = Streaming::sign(&sb, path, data.len(), None);
    let body = signed_body(&mut s, &[&a, &b, &c]);
    let r = s.send(&sb, path, body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let md5 = hex::encode(Md5::digest(&data));
    assert_eq!(r.headers["etag"], format!("\"{md5}\""));
    assert_eq!(get(&sb, "strict", "signed chunks.bin").await, data);
}

#[tokio::test]
async fn tampered_chunk_signature_is_refused_and_nothing_is_stored() {
    let sb = strict_sandbox().await;
    let (a, b, c) = content();
    let path = "/strict/tampered-signature";
    let mut s = Streaming::sign(&sb, path, a.len() + b.len() + c.len(), None);
    let mut body = Vec::new();
    let sig_a = s.chunk(&a);
    frame(&mut body, &a, &sig_a);
    // The second chunk's signature has one digit changed.
    let sig_b = s.chunk(&b);
    let flipped = if sig_b.starts_with('0') { "1" } else { "0" };
    frame(&mut body, &b, &format!("{flipped}{}", &sig_b[1..]));
    let sig_c = s.chunk(&c);
    frame(&mut body, &c, &sig_c);
    let last = s.chunk(b"");
    body.extend_from_slice(format!("0;chunk-signature={last}\r\n\r\n").as_bytes());
    let r = s.send(&sb, path, body).await;
    assert_signature_mismatch(&r);
    assert_eq!(head_status(&sb, "tampered-signature").await, 404);

    // A chunk without a signature is refused too: in signed mode every chunk is signed.
    let path = "/strict/unsigned-chunk";
    let mut s = Streaming::sign(&sb, path, 5, None);
    let _ = s.chunk(b"hello");
    let last = s.chunk(b"");
    let body = format!("5\r\nhello\r\n0;chunk-signature={last}\r\n\r\n");
    let r = s.send(&sb, path, body.into_bytes()).await;
    assert_signature_mismatch(&r);
    assert_eq!(head_status(&sb, "unsigned-chunk").await, 404);

    // So is the final chunk's signature: it closes the chain.
    let path = "/strict/bad-final";
    let mut s = Streaming::sign(&sb, path, 5, None);
    let mut body = Vec::new();
    let sig = s.chunk(b"hello");
    frame(&mut body, b"hello", &sig);
    body.extend_from_slice(format!("0;chunk-signature={}\r\n\r\n", "0".repeat(64)).as_bytes());
    let r = s.send(&sb, path, body).await;
    assert_signature_mismatch(&r);
    assert_eq!(head_status(&sb, "bad-final").await, 404);
}

#[tokio::test]
async fn tampered_chunk_data_is_refused_and_nothing_is_stored() {
    let sb = strict_sandbox().await;
    let (a, b, c) = content();
    let path = "/strict/tampered-data";
    let mut s = Streaming::sign(&sb, path, a.len() + b.len() + c.len(), None);
    let mut body = Vec::new();
    let sig_a = s.chunk(&a);
    frame(&mut body, &a, &sig_a);
    // Signed over `b`, sent with one byte changed (same length: the framing stays valid).
    let sig_b = s.chunk(&b);
    let mut evil = b.clone();
    evil[1000] ^= 0x20;
    frame(&mut body, &evil, &sig_b);
    let sig_c = s.chunk(&c);
    frame(&mut body, &c, &sig_c);
    let last = s.chunk(b"");
    body.extend_from_slice(format!("0;chunk-signature={last}\r\n\r\n").as_bytes());
    let r = s.send(&sb, path, body).await;
    assert_signature_mismatch(&r);
    assert_eq!(head_status(&sb, "tampered-data").await, 404);

    // Chunks reordered (each correctly signed, but not in the chain's order) are refused.
    let path = "/strict/reordered";
    let mut s = Streaming::sign(&sb, path, a.len() + b.len(), None);
    let sig_a = s.chunk(&a);
    let sig_b = s.chunk(&b);
    let last = s.chunk(b"");
    let mut body = Vec::new();
    frame(&mut body, &b, &sig_b);
    frame(&mut body, &a, &sig_a);
    body.extend_from_slice(format!("0;chunk-signature={last}\r\n\r\n").as_bytes());
    let r = s.send(&sb, path, body).await;
    assert_signature_mismatch(&r);
    assert_eq!(head_status(&sb, "reordered").await, 404);

    // A body signed for one request is refused under another request's signature: the
    // chain starts from the request's own (seed) signature.
    let mut first = Streaming::sign(&sb, "/strict/original", a.len(), None);
    let body = signed_body(&mut first, &[&a]);
    let path = "/strict/replayed";
    let second = Streaming::sign(&sb, path, a.len(), None);
    let r = second.send(&sb, path, body.clone()).await;
    assert_signature_mismatch(&r);
    assert_eq!(head_status(&sb, "replayed").await, 404);
    // The original request with its own body works.
    let r = first.send(&sb, "/strict/original", body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(get(&sb, "strict", "original").await, a);
}

/// A signed body with a SHA-256 checksum trailer; `bad_trailer_signature` replaces the
/// trailer signature, `tamper_value` sends another checksum than the one signed.
fn trailer_body(
    s: &mut Streaming,
    chunks: &[&[u8]],
    checksum: &str,
    bad_trailer_signature: bool,
    tamper_value: bool,
) -> Vec<u8> {
    let mut out = Vec::new();
    for c in chunks {
        let sig = s.chunk(c);
        frame(&mut out, c, &sig);
    }
    let last = s.chunk(b"");
    out.extend_from_slice(format!("0;chunk-signature={last}\r\n").as_bytes());
    let signed = [("x-amz-checksum-sha256", checksum)];
    let mut sig = s.signer.sign_trailer(&canonical_trailers(&signed));
    if bad_trailer_signature {
        let flipped = if sig.ends_with('0') { "1" } else { "0" };
        sig = format!("{}{flipped}", &sig[..63]);
    }
    let sent = if tamper_value {
        b64(&Sha256::digest(b"something else"))
    } else {
        checksum.to_owned()
    };
    out.extend_from_slice(format!("x-amz-checksum-sha256:{sent}\r\n").as_bytes());
    out.extend_from_slice(format!("x-amz-trailer-signature:{sig}\r\n\r\n").as_bytes());
    out
}

#[tokio::test]
async fn signed_trailer_upload_is_verified() {
    let sb = strict_sandbox().await;
    let (a, b, c) = content();
    let data = whole(&[&a, &b, &c]);
    let checksum = b64(&Sha256::digest(&data));

    let path = "/strict/trailer";
    let mut s = Streaming::sign(&sb, path, data.len(), Some("x-amz-checksum-sha256"));
    let body = trailer_body(&mut s, &[&a, &b, &c], &checksum, false, false);
    let r = s.send(&sb, path, body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.headers["x-amz-checksum-sha256"], checksum.as_str());
    let got = sb
        .s3()
        .get_object()
        .bucket("strict")
        .key("trailer")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(got.checksum_sha256(), Some(checksum.as_str()));
    assert_eq!(got.body.collect().await.unwrap().to_vec(), data);

    // A bad trailer signature: refused, nothing stored.
    let path = "/strict/bad-trailer-signature";
    let mut s = Streaming::sign(&sb, path, data.len(), Some("x-amz-checksum-sha256"));
    let body = trailer_body(&mut s, &[&a, &b, &c], &checksum, true, false);
    let r = s.send(&sb, path, body).await;
    assert_signature_mismatch(&r);
    assert_eq!(head_status(&sb, "bad-trailer-signature").await, 404);

    // A trailer value other than the one signed: refused, nothing stored.
    let path = "/strict/tampered-trailer";
    let mut s = Streaming::sign(&sb, path, data.len(), Some("x-amz-checksum-sha256"));
    let body = trailer_body(&mut s, &[&a, &b, &c], &checksum, false, true);
    let r = s.send(&sb, path, body).await;
    assert_signature_mismatch(&r);
    assert_eq!(head_status(&sb, "tampered-trailer").await, 404);

    // A trailer with no signature at all: refused.
    let path = "/strict/unsigned-trailer";
    let mut s = Streaming::sign(&sb, path, 5, Some("x-amz-checksum-sha256"));
    let mut body = Vec::new();
    let sig = s.chunk(b"hello");
    frame(&mut body, b"hello", &sig);
    let last = s.chunk(b"");
    let sum = b64(&Sha256::digest(b"hello"));
    body.extend_from_slice(
        format!("0;chunk-signature={last}\r\nx-amz-checksum-sha256:{sum}\r\n\r\n").as_bytes(),
    );
    let r = s.send(&sb, path, body).await;
    assert_signature_mismatch(&r);
    assert_eq!(head_status(&sb, "unsigned-trailer").await, 404);
}

#[tokio::test]
async fn signed_streaming_upload_part() {
    let sb = strict_sandbox().await;
    let s3 = sb.s3();
    let id = s3
        .create_multipart_upload()
        .bucket("strict")
        .key("mpu")
        .send()
        .await
        .unwrap()
        .upload_id
        .unwrap();
    let (a, b, _) = content();
    let path = format!("/strict/mpu?partNumber=1&uploadId={id}");

    // A tampered part is refused and does not become a part.
    let mut s = Streaming::sign(&sb, &path, a.len() + b.len(), None);
    let mut body = Vec::new();
    let sig_a = s.chunk(&a);
    frame(&mut body, &a, &sig_a);
    let sig_b = s.chunk(&b);
    frame(&mut body, &a[..b.len()], &sig_b);
    let last = s.chunk(b"");
    body.extend_from_slice(format!("0;chunk-signature={last}\r\n\r\n").as_bytes());
    let r = s.send(&sb, &path, body).await;
    assert_signature_mismatch(&r);
    let parts = s3
        .list_parts()
        .bucket("strict")
        .key("mpu")
        .upload_id(&id)
        .send()
        .await
        .unwrap();
    assert!(parts.parts().is_empty(), "{parts:?}");

    // Correctly signed, it is stored and completes.
    let mut s = Streaming::sign(&sb, &path, a.len() + b.len(), None);
    let body = signed_body(&mut s, &[&a, &b]);
    let r = s.send(&sb, &path, body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let etag = r.headers["etag"].to_str().unwrap().to_owned();
    s3.complete_multipart_upload()
        .bucket("strict")
        .key("mpu")
        .upload_id(&id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(CompletedPart::builder().part_number(1).e_tag(etag).build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(get(&sb, "strict", "mpu").await, whole(&[&a, &b]));
}

#[tokio::test]
async fn sdk_round_trip_with_default_settings() {
    let sb = strict_sandbox().await;
    let s3 = sb.s3();
    let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let put = s3
        .put_object()
        .bucket("strict")
        .key("dir/sdk.bin")
        .content_type("application/x-test")
        .metadata("origin", "sdk")
        .body(ByteStream::from(data.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        put.e_tag(),
        Some(format!("\"{}\"", hex::encode(Md5::digest(&data))).as_str())
    );
    let got = s3
        .get_object()
        .bucket("strict")
        .key("dir/sdk.bin")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(got.content_type(), Some("application/x-test"));
    assert_eq!(
        got.metadata()
            .and_then(|m| m.get("origin"))
            .map(String::as_str),
        Some("sdk")
    );
    assert_eq!(got.body.collect().await.unwrap().to_vec(), data);
    let range = s3
        .get_object()
        .bucket("strict")
        .key("dir/sdk.bin")
        .range("bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(range.body.collect().await.unwrap().to_vec(), &data[10..20]);

    // Multipart with the SDK's default (checksummed) part uploads.
    let id = s3
        .create_multipart_upload()
        .bucket("strict")
        .key("dir/mpu")
        .send()
        .await
        .unwrap()
        .upload_id
        .unwrap();
    let p1 = vec![b'p'; 5 * 1024 * 1024];
    let mut done = CompletedMultipartUpload::builder();
    for (n, body) in [(1, p1.clone()), (2, b"end".to_vec())] {
        let r = s3
            .upload_part()
            .bucket("strict")
            .key("dir/mpu")
            .upload_id(&id)
            .part_number(n)
            .body(ByteStream::from(body))
            .send()
            .await
            .unwrap();
        done = done.parts(
            CompletedPart::builder()
                .part_number(n)
                .e_tag(r.e_tag().unwrap())
                .build(),
        );
    }
    s3.complete_multipart_upload()
        .bucket("strict")
        .key("dir/mpu")
        .upload_id(&id)
        .multipart_upload(done.build())
        .send()
        .await
        .unwrap();
    let got = get(&sb, "strict", "dir/mpu").await;
    assert_eq!(got.len(), p1.len() + 3);
    assert!(got.ends_with(b"end"));

    // Copy, list, and DeleteObjects (an XML body the SDK checksums).
    s3.copy_object()
        .bucket("strict")
        .key("dir/copy.bin")
        .copy_source("strict/dir/sdk.bin")
        .send()
        .await
        .unwrap();
    let list = s3
        .list_objects_v2()
        .bucket("strict")
        .prefix("dir/")
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = list.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["dir/copy.bin", "dir/mpu", "dir/sdk.bin"]);
    let delete = Delete::builder()
        .objects(
            ObjectIdentifier::builder()
                .key("dir/copy.bin")
                .build()
                .unwrap(),
        )
        .objects(ObjectIdentifier::builder().key("dir/mpu").build().unwrap())
        .build()
        .unwrap();
    let out = s3
        .delete_objects()
        .bucket("strict")
        .delete(delete)
        .send()
        .await
        .unwrap();
    assert_eq!(out.deleted().len(), 2);
    s3.delete_object()
        .bucket("strict")
        .key("dir/sdk.bin")
        .send()
        .await
        .unwrap();
    let list = s3.list_objects_v2().bucket("strict").send().await.unwrap();
    assert!(list.contents().is_empty());

    // A client with the right key but a wrong secret is refused; an unknown key too.
    let wrong = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .endpoint_url(sb.endpoint())
            .force_path_style(true)
            .credentials_provider(aws_sdk_s3::config::Credentials::new(
                AKID,
                "not-the-secret",
                None,
                None,
                "test",
            ))
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .build(),
    );
    let r = wrong
        .put_object()
        .bucket("strict")
        .key("intruder")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await;
    assert_eq!(err(r), ("SignatureDoesNotMatch".into(), 403));
    let r = sb.s3_as("AKIDUNKNOWN").list_buckets().send().await;
    assert_eq!(err(r), ("InvalidAccessKeyId".into(), 403));
    assert_eq!(head_status(&sb, "intruder").await, 404);
}

#[tokio::test]
async fn signed_streaming_xml_document_is_verified() {
    let sb = strict_sandbox().await;
    super::put(&sb, "strict", "tagged", b"x").await;
    let doc = b"<Tagging><TagSet><Tag><Key>stage</Key><Value>prod</Value></Tag></TagSet></Tagging>";
    let path = "/strict/tagged?tagging";
    let tags = || async {
        sb.s3()
            .get_object_tagging()
            .bucket("strict")
            .key("tagged")
            .send()
            .await
            .unwrap()
            .tag_set()
            .iter()
            .map(|t| format!("{}={}", t.key(), t.value()))
            .collect::<Vec<_>>()
    };
    // A tampered document is refused and changes nothing.
    let mut s = Streaming::sign(&sb, path, doc.len(), None);
    let sig = s.chunk(doc);
    let last = s.chunk(b"");
    let evil = String::from_utf8_lossy(doc).replace("prod", "pwnd");
    let mut body = Vec::new();
    frame(&mut body, evil.as_bytes(), &sig);
    body.extend_from_slice(format!("0;chunk-signature={last}\r\n\r\n").as_bytes());
    let r = s.send(&sb, path, body).await;
    assert_signature_mismatch(&r);
    assert!(tags().await.is_empty());
    // Correctly signed, it applies.
    let mut s = Streaming::sign(&sb, path, doc.len(), None);
    let body = signed_body(&mut s, &[doc]);
    let r = s.send(&sb, path, body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(tags().await, ["stage=prod"]);
}
