//! `aws-chunked` bodies with chained chunk signatures and signed trailers
//! (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]`): the client side ([`ChunkSigner`]), used by
//! tests, and the server side ([`ChunkVerifier`]).

use super::*;

/// Signs the chunks of an `aws-chunked` body in sequence, each signature chaining on the
/// previous one, starting from the request's (seed) signature.
///
/// A chunk's string to sign is
/// `AWS4-HMAC-SHA256-PAYLOAD\n<request time>\n<scope>\n<previous signature>\n<sha256 of "">\n<sha256 of the chunk data>`;
/// the final, empty chunk is signed the same way. With `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`
/// the trailer that follows the final chunk is signed with
/// `AWS4-HMAC-SHA256-TRAILER\n<request time>\n<scope>\n<previous signature>\n<sha256 of the trailer lines>`
/// (see [`canonical_trailers`]). [`ChunkVerifier`] is the server side; this type is what a
/// client does, and what tests use to build signed bodies.
#[derive(Clone)]
pub struct ChunkSigner {
    key: [u8; 32],
    amz_date: String,
    scope: String,
    previous: String,
}

impl std::fmt::Debug for ChunkSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The signing key is a secret.
        f.debug_struct("ChunkSigner")
            .field("amz_date", &self.amz_date)
            .field("scope", &self.scope)
            .field("previous", &self.previous)
            .finish_non_exhaustive()
    }
}

impl ChunkSigner {
    /// A chain from the signing `key` ([`signing_key`]), the request time `amz_date`
    /// (`YYYYMMDDTHHMMSSZ`), the credential `scope` (`YYYYMMDD/region/s3/aws4_request`) and
    /// the request's own (seed) signature.
    pub fn new(
        key: [u8; 32],
        amz_date: impl Into<String>,
        scope: impl Into<String>,
        seed_signature: impl Into<String>,
    ) -> ChunkSigner {
        ChunkSigner {
            key,
            amz_date: amz_date.into(),
            scope: scope.into(),
            previous: seed_signature.into(),
        }
    }

    /// The chain of a request signed with `sig` (already verified with [`verify`]), whose
    /// secret is `secret`.
    pub fn for_request(
        sig: &Signature,
        headers: &HeaderMap,
        secret: &str,
    ) -> Result<ChunkSigner, AuthError> {
        let (amz, _) = request_time(sig, headers)?;
        let c = &sig.credential;
        Ok(ChunkSigner::new(
            signing_key(secret, &c.date, &c.region, &c.service),
            amz,
            credential_scope(c),
            sig.signature.clone(),
        ))
    }

    /// The last signature of the chain (the seed before any chunk).
    pub fn previous_signature(&self) -> &str {
        &self.previous
    }

    /// The signature of the next chunk, whose data has the SHA-256 `data_sha256` (for
    /// callers that hash the data as it streams); the chain moves on to it.
    pub fn sign_chunk_sha256(&mut self, data_sha256: &[u8; 32]) -> String {
        let string_to_sign = format!(
            "{CHUNK_ALGORITHM}\n{}\n{}\n{}\n{EMPTY_SHA256}\n{}",
            self.amz_date,
            self.scope,
            self.previous,
            hex::encode(data_sha256)
        );
        self.previous = hex::encode(hmac(&self.key, string_to_sign.as_bytes()));
        self.previous.clone()
    }

    /// The signature of the next chunk `data`; the chain moves on to it.
    pub fn sign_chunk(&mut self, data: &[u8]) -> String {
        self.sign_chunk_sha256(&Sha256::digest(data).into())
    }

    /// The signature of the trailer whose canonical form ([`canonical_trailers`]) is
    /// `canonical`; the chain moves on to it.
    pub fn sign_trailer(&mut self, canonical: &[u8]) -> String {
        let string_to_sign = format!(
            "{TRAILER_ALGORITHM}\n{}\n{}\n{}\n{}",
            self.amz_date,
            self.scope,
            self.previous,
            sha256_hex(canonical)
        );
        self.previous = hex::encode(hmac(&self.key, string_to_sign.as_bytes()));
        self.previous.clone()
    }
}

/// The canonical form of trailing headers that a trailer signature covers: sorted by
/// lower-case name, for each the lower-case name, `:`, the trimmed value and `\n`
/// (`x-amz-checksum-crc32c:sOO8/Q==\n`), as the SDKs sign it. `x-amz-trailer-signature`
/// itself is not included.
pub fn canonical_trailers(trailers: &[(&str, &str)]) -> Vec<u8> {
    let mut sorted: Vec<(String, &str)> = trailers
        .iter()
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim()))
        .collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::new();
    for (name, value) in sorted {
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        out.extend_from_slice(value.as_bytes());
        out.push(b'\n');
    }
    out
}

/// Verifies the chained signatures of an S3 `aws-chunked` body
/// (`x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]`), chunk by chunk in
/// order, then the trailer signature if any. Each check moves the chain on; once a check
/// fails, every later one fails too. A mismatch is [`AuthError::SignatureDoesNotMatch`], as
/// S3 answers.
///
/// The S3 body decoder builds one with [`ChunkVerifier::for_request`] after [`verify`]
/// accepted the request (whose signature is the seed), then calls
/// [`verify_chunk`](ChunkVerifier::verify_chunk) (or
/// [`verify_chunk_sha256`](ChunkVerifier::verify_chunk_sha256)) with each
/// `<hex size>;chunk-signature=<signature>` chunk, including the final empty one, and
/// [`verify_trailer`](ChunkVerifier::verify_trailer) with the trailing headers and their
/// `x-amz-trailer-signature`.
#[derive(Clone, Debug)]
pub struct ChunkVerifier {
    signer: ChunkSigner,
    failed: bool,
}

impl ChunkVerifier {
    /// A verifier continuing `signer`'s chain.
    pub fn new(signer: ChunkSigner) -> ChunkVerifier {
        ChunkVerifier {
            signer,
            failed: false,
        }
    }

    /// The verifier for the body of a request signed with `sig` (already verified), whose
    /// secret is `secret`.
    pub fn for_request(
        sig: &Signature,
        headers: &HeaderMap,
        secret: &str,
    ) -> Result<ChunkVerifier, AuthError> {
        ChunkSigner::for_request(sig, headers, secret).map(ChunkVerifier::new)
    }

    fn check(&mut self, expected: String, given: &str) -> Result<(), AuthError> {
        if !self.failed && constant_time_eq(expected.as_bytes(), given.as_bytes()) {
            Ok(())
        } else {
            self.failed = true;
            Err(AuthError::SignatureDoesNotMatch(
                SIGNATURE_MISMATCH_MESSAGE.into(),
            ))
        }
    }

    /// Checks the next chunk's `signature` over its `data`.
    pub fn verify_chunk(&mut self, data: &[u8], signature: &str) -> Result<(), AuthError> {
        let expected = self.signer.sign_chunk(data);
        self.check(expected, signature)
    }

    /// Checks the next chunk's `signature`, given the SHA-256 of its data.
    pub fn verify_chunk_sha256(
        &mut self,
        data_sha256: &[u8; 32],
        signature: &str,
    ) -> Result<(), AuthError> {
        let expected = self.signer.sign_chunk_sha256(data_sha256);
        self.check(expected, signature)
    }

    /// Checks the `x-amz-trailer-signature` over the trailing headers (name, value), without
    /// the signature line itself.
    pub fn verify_trailer(
        &mut self,
        trailers: &[(&str, &str)],
        signature: &str,
    ) -> Result<(), AuthError> {
        let expected = self.signer.sign_trailer(&canonical_trailers(trailers));
        self.check(expected, signature)
    }
}
