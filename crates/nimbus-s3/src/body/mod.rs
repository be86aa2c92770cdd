//! Receiving object content: every encoding current clients send, verified as it streams
//! into a blob.
//!
//! - plain bodies with `x-amz-content-sha256` a hex SHA-256 (checked:
//!   `XAmzContentSHA256Mismatch`) or `UNSIGNED-PAYLOAD`;
//! - `aws-chunked` bodies ([`chunked`]): `STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]`
//!   (chunk and trailer signatures checked when a [`ChunkVerifier`] is given) and
//!   `STREAMING-UNSIGNED-PAYLOAD-TRAILER`;
//! - `x-amz-checksum-*` values in headers or trailers (CRC32, CRC32C, CRC64NVME, SHA1,
//!   SHA256), checked (`BadDigest`); objects sent without one get a CRC64NVME, as S3 computes;
//! - `Content-MD5`, checked (`BadDigest`, `InvalidDigest`).
//!
//! The MD5 (the ETag) and the checksum are computed on the way through; content goes to a
//! [`BlobWriter`] through a bounded buffer.

pub mod chunked;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use bytes::Bytes;
use http::HeaderMap;
use http_body_util::BodyExt;
use nimbus_wire::RequestBody;
use nimbus_wire::sigv4::{self, ChunkVerifier};
use sha2::{Digest, Sha256};

use crate::checksum::{ChecksumAlgorithm, Hasher};
use crate::error::{S3Error, S3Result};
use crate::etag::EtagHasher;
use crate::model::StoredChecksum;
use crate::store::blobs::BlobWriter;
use chunked::{ChunkedDecoder, Piece};

/// How the payload is framed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Framing {
    /// The body is the content. `sha256` is the hex hash to check, if one was given.
    Plain {
        /// The `x-amz-content-sha256` hash, lower-case hex.
        sha256: Option<String>,
    },
    /// `aws-chunked`.
    Chunked {
        /// Chunks carry signatures.
        signed: bool,
    },
}

/// Everything the headers say about an upload's body.
pub struct IntakeSpec {
    /// Framing.
    pub framing: Framing,
    /// The content length announced (`Content-Length` or `x-amz-decoded-content-length`).
    pub length: Option<u64>,
    /// `Content-MD5`, decoded.
    pub content_md5: Option<[u8; 16]>,
    /// The checksum algorithm to compute.
    pub algorithm: ChecksumAlgorithm,
    /// Whether the client asked for that algorithm (else it is S3's default CRC64NVME).
    pub requested: bool,
    /// The value from an `x-amz-checksum-*` header.
    pub expected: Option<String>,
    /// The checksum trailer announced in `x-amz-trailer`.
    pub trailer: Option<ChecksumAlgorithm>,
    /// Chunk signature verification (strict auth with a known secret).
    pub verifier: Option<ChunkVerifier>,
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

impl IntakeSpec {
    /// Reads the spec from request headers; `max` is the largest content allowed.
    pub fn from_headers(h: &HeaderMap, max: u64) -> S3Result<IntakeSpec> {
        let sha = header(h, "x-amz-content-sha256").unwrap_or("");
        let aws_chunked = header(h, "content-encoding").is_some_and(|v| {
            v.split(',')
                .any(|p| p.trim().eq_ignore_ascii_case("aws-chunked"))
        });
        let framing = if sha.starts_with("STREAMING-") || aws_chunked {
            Framing::Chunked {
                signed: sha.starts_with("STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
                    || sha.starts_with("STREAMING-AWS4-ECDSA"),
            }
        } else if sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            Framing::Plain {
                sha256: Some(sha.to_ascii_lowercase()),
            }
        } else if sha.is_empty() || sha == sigv4::UNSIGNED_PAYLOAD {
            Framing::Plain { sha256: None }
        } else {
            return Err(S3Error::InvalidArgument {
                message: "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.".into(),
                argument: Some(("x-amz-content-sha256".into(), sha.into())),
            });
        };
        let length = match &framing {
            Framing::Chunked { .. } => match header(h, "x-amz-decoded-content-length") {
                Some(v) => Some(v.parse::<u64>().map_err(|_| {
                    S3Error::invalid_argument_named(
                        "Invalid x-amz-decoded-content-length",
                        "x-amz-decoded-content-length",
                        v,
                    )
                })?),
                None => None,
            },
            Framing::Plain { .. } => match header(h, "content-length") {
                Some(v) => Some(
                    v.parse::<u64>()
                        .map_err(|_| S3Error::MissingContentLength)?,
                ),
                None => None,
            },
        };
        if let Some(n) = length
            && n > max
        {
            return Err(S3Error::EntityTooLarge { proposed: n, max });
        }
        let content_md5 = match header(h, "content-md5") {
            None => None,
            Some(v) => {
                let raw = B64
                    .decode(v)
                    .ok()
                    .and_then(|r| <[u8; 16]>::try_from(r).ok())
                    .ok_or_else(|| S3Error::InvalidDigest(v.to_owned()))?;
                Some(raw)
            }
        };
        let expected = expected_checksum(|name| header(h, name))?;
        let trailer = match header(h, "x-amz-trailer") {
            None => None,
            Some(t) => {
                let algo = ChecksumAlgorithm::from_header(t).ok_or_else(|| {
                    S3Error::InvalidRequest(format!(
                        "The value specified in the x-amz-trailer header is not supported: {t}"
                    ))
                })?;
                if !matches!(framing, Framing::Chunked { .. }) {
                    return Err(S3Error::InvalidRequest(
                        "x-amz-trailer is only allowed with aws-chunked encoding".into(),
                    ));
                }
                Some(algo)
            }
        };
        let sdk_algo = match header(h, "x-amz-sdk-checksum-algorithm") {
            None => None,
            Some(a) => Some(ChecksumAlgorithm::parse(a).ok_or_else(|| {
                S3Error::invalid_argument_named(
                    "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]",
                    "x-amz-sdk-checksum-algorithm",
                    a,
                )
            })?),
        };
        let named = expected.as_ref().map(|(a, _)| *a).or(trailer);
        if let (Some(sdk), Some(named)) = (sdk_algo, named)
            && sdk != named
        {
            return Err(S3Error::InvalidRequest(format!(
                "Value for x-amz-sdk-checksum-algorithm header is invalid: {} does not match the checksum sent.",
                sdk.name()
            )));
        }
        if sdk_algo.is_some() && named.is_none() {
            return Err(S3Error::InvalidRequest(
                "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.".into(),
            ));
        }
        if expected.is_some() && trailer.is_some() {
            return Err(S3Error::InvalidRequest(
                "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.".into(),
            ));
        }
        let (algorithm, requested) = match named {
            Some(a) => (a, true),
            None => (ChecksumAlgorithm::Crc64Nvme, false),
        };
        Ok(IntakeSpec {
            framing,
            length,
            content_md5,
            algorithm,
            requested,
            expected: expected.map(|(_, v)| v),
            trailer,
            verifier: None,
        })
    }
}

/// The checksum the request names and sends (`x-amz-checksum-<algorithm>`, looked up with
/// `get`), checked for form: at most one, well formed.
pub fn expected_checksum<'a>(
    get: impl Fn(&str) -> Option<&'a str>,
) -> S3Result<Option<(ChecksumAlgorithm, String)>> {
    let mut expected: Option<(ChecksumAlgorithm, String)> = None;
    for algo in ChecksumAlgorithm::ALL {
        if let Some(v) = get(algo.header()) {
            if expected.is_some() {
                return Err(S3Error::InvalidRequest(
                    "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.".into(),
                ));
            }
            if !crate::checksum::is_well_formed(algo, v) {
                return Err(S3Error::InvalidRequest(format!(
                    "Value for {} header is invalid.",
                    algo.header()
                )));
            }
            expected = Some((algo, v.trim().to_owned()));
        }
    }
    Ok(expected)
}

/// What was received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The blob id.
    pub blob: String,
    /// Content length.
    pub size: u64,
    /// MD5 of the content, lower-case hex.
    pub md5_hex: String,
    /// The checksum (verified against what the client sent, if it sent one).
    pub checksum: StoredChecksum,
    /// Whether the client named the algorithm.
    pub checksum_requested: bool,
}

/// Streams `body` into `writer`, decoding and verifying it per `spec`; `max` bounds the
/// content length.
pub async fn receive(
    body: RequestBody,
    mut spec: IntakeSpec,
    writer: BlobWriter,
    max: u64,
) -> S3Result<Received> {
    let mut sink = Sink {
        md5: EtagHasher::new(spec.length),
        sha: match &spec.framing {
            Framing::Plain { sha256: Some(_) } => Some(Sha256::new()),
            _ => None,
        },
        hasher: Hasher::new(spec.algorithm),
        writer,
        total: 0,
        max,
    };
    let mut decoder = match spec.framing {
        Framing::Chunked { .. } => Some(ChunkedDecoder::new()),
        Framing::Plain { .. } => None,
    };
    let mut chunk = ChunkState::default();
    let mut trailers: Vec<(String, String)> = Vec::new();
    let mut pieces = Vec::new();
    let mut stream = match body {
        RequestBody::Full(b) => Source::Full(Some(b)),
        RequestBody::Stream(s) => Source::Stream(s),
    };
    while let Some(frame) = stream.next().await? {
        match decoder.as_mut() {
            None => sink.consume(frame).await?,
            Some(d) => {
                pieces.clear();
                d.feed(frame, &mut pieces)?;
                for p in pieces.drain(..) {
                    match p {
                        Piece::Header { signature, .. } => chunk.start(signature),
                        Piece::Data(b) => {
                            chunk.update(&b, spec.verifier.is_some());
                            sink.consume(b).await?;
                        }
                        Piece::ChunkDone => chunk.done(spec.verifier.as_mut())?,
                        Piece::Trailer(n, v) => trailers.push((n, v)),
                    }
                }
            }
        }
    }
    if let Some(d) = &decoder {
        d.finish()?;
    }
    let Sink {
        md5,
        sha,
        hasher,
        writer,
        total,
        ..
    } = sink;
    if let Some(expected) = spec.length
        && total != expected
    {
        return Err(S3Error::IncompleteBody(
            "You did not provide the number of bytes specified by the Content-Length HTTP header"
                .into(),
        ));
    }
    if let (
        Framing::Plain {
            sha256: Some(client),
        },
        Some(s),
    ) = (&spec.framing, sha)
    {
        let computed = hex::encode(s.finalize());
        if &computed != client {
            return Err(S3Error::ContentSha256Mismatch {
                client: client.clone(),
                computed,
            });
        }
    }
    // Trailers: the checksum, and in signed mode the trailer signature.
    let mut trailer_value = None;
    if let Some(algo) = spec.trailer {
        trailer_value = trailers
            .iter()
            .find(|(n, _)| n == algo.header())
            .map(|(_, v)| v.clone());
        if trailer_value.is_none() {
            return Err(S3Error::IncompleteBody(format!(
                "The {} trailer announced in x-amz-trailer was not sent",
                algo.header()
            )));
        }
    }
    if let Some(v) = spec.verifier.as_mut() {
        if let Some((_, sig)) = trailers
            .iter()
            .find(|(n, _)| n == "x-amz-trailer-signature")
        {
            let signed: Vec<(&str, &str)> = trailers
                .iter()
                .filter(|(n, _)| n != "x-amz-trailer-signature")
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            v.verify_trailer(&signed, sig)
                .map_err(|_| S3Error::SignatureDoesNotMatch)?;
        } else if !trailers.is_empty() {
            return Err(S3Error::SignatureDoesNotMatch);
        }
    }
    let md5_raw: [u8; 16] = md5.finish().await?;
    if let Some(given) = spec.content_md5
        && given != md5_raw
    {
        return Err(S3Error::BadDigestMd5 {
            expected: B64.encode(given),
            calculated: B64.encode(md5_raw),
        });
    }
    let value = hasher.finish();
    if let Some(expected) = spec.expected.as_deref().or(trailer_value.as_deref())
        && expected.trim() != value
    {
        return Err(S3Error::BadChecksum(spec.algorithm.name()));
    }
    let (blob, size) = writer.finish().await?;
    Ok(Received {
        blob,
        size,
        md5_hex: hex::encode(md5_raw),
        checksum: StoredChecksum {
            algorithm: spec.algorithm,
            value,
            full_object: true,
        },
        checksum_requested: spec.requested,
    })
}

/// Reads a small request body whole (XML documents), refusing more than `max` bytes.
pub async fn read_small(body: RequestBody, max: usize) -> S3Result<Bytes> {
    match body {
        RequestBody::Full(b) if b.len() <= max => Ok(b),
        RequestBody::Full(_) => Err(S3Error::Other {
            status: http::StatusCode::BAD_REQUEST,
            code: "MaxMessageLengthExceeded",
            message: "Your request was too big.".into(),
        }),
        RequestBody::Stream(s) => match http_body_util::Limited::new(s, max).collect().await {
            Ok(c) => Ok(c.to_bytes()),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(S3Error::Other {
                status: http::StatusCode::BAD_REQUEST,
                code: "MaxMessageLengthExceeded",
                message: "Your request was too big.".into(),
            }),
            Err(_) => Err(S3Error::IncompleteBody(
                "The request body terminated unexpectedly".into(),
            )),
        },
    }
}

/// Reads a small body that may itself be `aws-chunked` (SDKs send XML documents such as
/// DeleteObjects with a checksum trailer), decoding and verifying it (chunk signatures with
/// `verifier`, in strict mode).
pub async fn read_document(
    body: RequestBody,
    headers: &HeaderMap,
    max: usize,
    verifier: Option<ChunkVerifier>,
) -> S3Result<Bytes> {
    let mut spec = IntakeSpec::from_headers(headers, max as u64)?;
    spec.verifier = verifier;
    let blobs = std::sync::Arc::new(crate::store::blobs::Blobs::memory());
    let writer = blobs.writer();
    let received = receive(body, spec, writer, max as u64).await?;
    let mut r = blobs.open_reader(&received.blob)?;
    r.read_range(0, received.size)
}

/// Where received data goes: the hashes and the blob.
struct Sink {
    md5: EtagHasher,
    sha: Option<Sha256>,
    hasher: Hasher,
    writer: BlobWriter,
    total: u64,
    max: u64,
}

impl Sink {
    async fn consume(&mut self, data: Bytes) -> S3Result<()> {
        self.total += data.len() as u64;
        if self.total > self.max {
            return Err(S3Error::EntityTooLarge {
                proposed: self.total,
                max: self.max,
            });
        }
        if let Some(s) = self.sha.as_mut() {
            s.update(&data);
        }
        self.hasher.update(&data);
        self.md5.update(data.clone()).await?;
        self.writer.write(data).await
    }
}

enum Source {
    Full(Option<Bytes>),
    Stream(nimbus_wire::Body),
}

impl Source {
    async fn next(&mut self) -> S3Result<Option<Bytes>> {
        match self {
            Source::Full(b) => Ok(b.take().filter(|b| !b.is_empty())),
            Source::Stream(s) => loop {
                match s.frame().await {
                    None => return Ok(None),
                    Some(Err(_)) => {
                        return Err(S3Error::IncompleteBody(
                            "The request body terminated unexpectedly".into(),
                        ));
                    }
                    Some(Ok(f)) => {
                        if let Ok(data) = f.into_data()
                            && !data.is_empty()
                        {
                            return Ok(Some(data));
                        }
                    }
                }
            },
        }
    }
}

/// The chunk whose data is streaming, for signature checks.
#[derive(Default)]
struct ChunkState {
    signature: Option<String>,
    sha: Option<Sha256>,
}

impl ChunkState {
    fn start(&mut self, signature: Option<String>) {
        self.signature = signature;
        self.sha = None;
    }

    fn update(&mut self, data: &[u8], verifying: bool) {
        if verifying {
            self.sha.get_or_insert_with(Sha256::new).update(data);
        }
    }

    fn done(&mut self, verifier: Option<&mut ChunkVerifier>) -> S3Result<()> {
        let Some(v) = verifier else {
            return Ok(());
        };
        let sig = self
            .signature
            .take()
            .ok_or(S3Error::SignatureDoesNotMatch)?;
        let digest: [u8; 32] = self.sha.take().unwrap_or_default().finalize().into();
        v.verify_chunk_sha256(&digest, &sig)
            .map_err(|_| S3Error::SignatureDoesNotMatch)
    }
}
