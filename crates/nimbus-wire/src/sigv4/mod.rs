//! Signature Version 4: parsing (every auth mode) and verification (`--auth strict`).
//!
//! [`parse`] reads the `Authorization` header or the presigned `X-Amz-*` query parameters.
//! The gateway routes on the credential scope's service and selects the account from the
//! access key. [`verify`] recomputes the signature with the secret and checks the date skew
//! and presigned expiry. [`ChunkVerifier`] (with [`ChunkSigner`] and [`signing_key`]) checks
//! the chained chunk and trailer signatures of S3's `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`
//! (`-TRAILER`) bodies.
//!
//! # Why the canonicalisation is written here rather than borrowed from `aws-sigv4`
//!
//! `aws-sigv4` is a signer: from a request it decides which headers to sign (all of them
//! minus a fixed exclusion list, plus `host`, `x-amz-date`, `x-amz-content-sha256` and the
//! session token that it inserts itself), and it writes the presigned `X-Amz-*` parameters
//! itself. A verifier has to reproduce exactly the client's choices instead, and re-signing
//! with `aws-sigv4` cannot express several of them: in presigned mode it silently drops
//! `x-amz-user-agent` and `x-amz-checksum-mode` even when the client signed them; it
//! re-serialises `X-Amz-Expires` and `X-Amz-SignedHeaders` (sorted) rather than using the
//! client's text; it trims only spaces where botocore and the Java SDKs collapse any
//! whitespace; it reads the query through a lossy UTF-8 decoding and header values as
//! `&str`, so non-UTF-8 bytes cannot be reproduced; it cannot sign a listed header that is
//! absent; and it panics when the URI has no authority and no `Host` header. So the
//! canonical request is built here directly (with `hmac`/`sha2`), following the SigV4
//! specification and botocore's and the Java SDKs' behaviour; `aws-sigv4` is used in the
//! tests as the reference signer, together with vectors signed by botocore and AWS's
//! published test suite.
//!
//! Service differences reproduced here, all keyed on the credential scope's service:
//! - S3 signs the path exactly as sent (single encoding, no normalisation); every other
//!   service normalises it (RFC 3986 dot segments, empty segments removed) and encodes it
//!   a second time.
//! - S3 presigned URLs sign `UNSIGNED-PAYLOAD` unless the query carries
//!   `X-Amz-Content-Sha256`; other services' presigned URLs sign the body's hash as botocore
//!   does.
//! - S3 presigned URLs live for `X-Amz-Expires`; other services ignore `X-Amz-Expires` and
//!   apply the same skew window as to header signatures (STS presigned URLs live 15 minutes
//!   whatever their `X-Amz-Expires`).
//! - Lambda allows 5 minutes of skew, every other service 15 (see [`max_skew_millis`]).
//!
//! The module is split by wire artifact: [`parse`](self::parse) reads signatures,
//! `time` the request time and its skew, `canonical` builds the canonical request,
//! `verify` checks header, presigned and POST-policy signatures, `chunked` signs and checks
//! `aws-chunked` bodies; shared constants, types and the key derivation stay here.

use hmac::{Hmac, Mac};
use http::{HeaderMap, HeaderName, Method, Uri};
use percent_encoding::{
    AsciiSet, NON_ALPHANUMERIC, percent_decode, percent_encode, utf8_percent_encode,
};
use sha2::{Digest, Sha256};

use crate::{ServiceError, ServiceId};

mod canonical;
mod chunked;
mod parse;
mod time;
mod verify;

use canonical::*;
pub use chunked::*;
pub use parse::*;
pub use time::*;
pub use verify::*;

/// The algorithm nimbus accepts.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// How far a signed request's time may be from the server's (15 minutes; Lambda allows 5, see
/// [`max_skew_millis`]).
pub const MAX_SKEW_MILLIS: u64 = 15 * 60 * 1000;

/// The `Credential=` part: `AKID/20260101/us-east-1/sqs/aws4_request`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    /// The access key id.
    pub access_key: String,
    /// The scope date, `YYYYMMDD`.
    pub date: String,
    /// The scope region.
    pub region: String,
    /// The scope service (signing name).
    pub service: String,
}

/// Where the signature was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// In the `Authorization` header.
    Header,
    /// In the query string of a presigned URL valid for `expires_secs` after its date.
    Query {
        /// `X-Amz-Expires`.
        expires_secs: u64,
    },
}

/// A parsed SigV4 signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// The credential scope.
    pub credential: Credential,
    /// The lower-case names of the signed headers, in the order given.
    pub signed_headers: Vec<String>,
    /// The hex signature.
    pub signature: String,
    /// The request time `YYYYMMDDTHHMMSSZ` (`x-amz-date`, `X-Amz-Date`, or a `Date` header
    /// converted), possibly empty when absent.
    pub amz_date: String,
    /// Header or presigned query.
    pub location: Location,
}

/// Why a request's authentication was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// A signature part is missing or malformed (`IncompleteSignature`, 400).
    #[error("{0}")]
    Incomplete(String),
    /// The request carries no authentication at all (strict mode only).
    #[error("{0}")]
    Missing(String),
    /// The access key is unknown (`InvalidClientTokenId` / S3 `InvalidAccessKeyId`, 403).
    #[error("{0}")]
    UnknownAccessKey(String),
    /// The signature does not match (`SignatureDoesNotMatch`, 403).
    #[error("{0}")]
    SignatureDoesNotMatch(String),
    /// The request time is more than 15 minutes from the server's (`RequestTimeTooSkewed`
    /// for S3; `SignatureDoesNotMatch` "Signature expired" for the others, 403).
    #[error("{0}")]
    TimeTooSkewed(String),
    /// A presigned URL past its expiry (`AccessDenied` "Request has expired", 403).
    #[error("{0}")]
    Expired(String),
    /// Temporary credentials past their expiry (`ExpiredToken`; S3 400 "The provided token
    /// has expired."; Lambda and Logs `ExpiredTokenException`, 403).
    #[error("{0}")]
    ExpiredToken(String),
    /// Signature Version 2 (`AWSAccessKeyId`/`Signature` query parameters) sent to a service
    /// other than S3, which only takes SigV4 (S3 verifies SigV2 with [`crate::sigv2`]; S3
    /// `InvalidRequest`, 400, is what AWS answers in regions that only take SigV4).
    #[error("{0}")]
    UnsupportedMechanism(String),
}

impl AuthError {
    /// The wire error for a request to `service` (`None` when the service is not known).
    pub fn to_service_error(&self, service: Option<ServiceId>) -> ServiceError {
        use http::StatusCode as S;
        let s3 = service == Some(ServiceId::S3);
        // Lambda and CloudWatch Logs answer with their JSON "...Exception" codes.
        let json = matches!(service, Some(ServiceId::Lambda | ServiceId::Logs));
        let (status, code) = match self {
            AuthError::Incomplete(_) if s3 => (S::BAD_REQUEST, "AuthorizationHeaderMalformed"),
            AuthError::Incomplete(_) if json => (S::BAD_REQUEST, "IncompleteSignatureException"),
            AuthError::Missing(_) if json => (S::FORBIDDEN, "MissingAuthenticationTokenException"),
            AuthError::UnknownAccessKey(_) if json => (S::FORBIDDEN, "UnrecognizedClientException"),
            AuthError::SignatureDoesNotMatch(_) | AuthError::TimeTooSkewed(_) if json => {
                (S::FORBIDDEN, "InvalidSignatureException")
            }
            AuthError::Incomplete(_) => (S::BAD_REQUEST, "IncompleteSignature"),
            AuthError::Missing(_) if s3 => (S::FORBIDDEN, "AccessDenied"),
            AuthError::Missing(_) => (S::FORBIDDEN, "MissingAuthenticationToken"),
            AuthError::UnknownAccessKey(_) if s3 => (S::FORBIDDEN, "InvalidAccessKeyId"),
            AuthError::UnknownAccessKey(_) => (S::FORBIDDEN, "InvalidClientTokenId"),
            AuthError::SignatureDoesNotMatch(_) => (S::FORBIDDEN, "SignatureDoesNotMatch"),
            AuthError::TimeTooSkewed(_) if s3 => (S::FORBIDDEN, "RequestTimeTooSkewed"),
            AuthError::TimeTooSkewed(_) => (S::FORBIDDEN, "SignatureDoesNotMatch"),
            AuthError::Expired(_) => (S::FORBIDDEN, "AccessDenied"),
            AuthError::ExpiredToken(_) if s3 => (S::BAD_REQUEST, "ExpiredToken"),
            AuthError::ExpiredToken(_) if json => (S::FORBIDDEN, "ExpiredTokenException"),
            AuthError::ExpiredToken(_) => (S::FORBIDDEN, "ExpiredToken"),
            AuthError::UnsupportedMechanism(_) if s3 => (S::BAD_REQUEST, "InvalidRequest"),
            AuthError::UnsupportedMechanism(_) if json => {
                (S::BAD_REQUEST, "IncompleteSignatureException")
            }
            AuthError::UnsupportedMechanism(_) => (S::BAD_REQUEST, "IncompleteSignature"),
        };
        let message = match self {
            AuthError::UnknownAccessKey(_) if s3 => {
                "The AWS Access Key Id you provided does not exist in our records.".to_owned()
            }
            AuthError::ExpiredToken(_) if s3 => "The provided token has expired.".to_owned(),
            _ => self.to_string(),
        };
        let mut e = ServiceError::new(status, code, message);
        if service == Some(ServiceId::Sqs) {
            e = e.with_query_code(code);
        }
        e
    }
}

/// The literal payload hash of a request whose body is not signed.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// The payload hash of an S3 body sent as signed `aws-chunked` chunks.
pub const STREAMING_PAYLOAD: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";

/// The payload hash of an S3 body sent as signed `aws-chunked` chunks with signed trailers.
pub const STREAMING_PAYLOAD_TRAILER: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";

/// The payload hash of an S3 body sent as unsigned `aws-chunked` chunks with trailers.
pub const STREAMING_UNSIGNED_PAYLOAD_TRAILER: &str = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

/// The hex SHA-256 of the empty string.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// AWS's message for a signature that does not match.
pub const SIGNATURE_MISMATCH_MESSAGE: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/// The algorithm line of a chunk's string to sign.
const CHUNK_ALGORITHM: &str = "AWS4-HMAC-SHA256-PAYLOAD";

/// The algorithm line of a trailer's string to sign.
const TRAILER_ALGORITHM: &str = "AWS4-HMAC-SHA256-TRAILER";

/// Everything but SigV4's unreserved characters (`A-Z a-z 0-9 - _ . ~`) is percent-encoded.
const AWS_URI_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// As [`AWS_URI_ENCODE`], keeping `/` (for path segments).
const AWS_PATH_ENCODE: &AsciiSet = &AWS_URI_ENCODE.remove(b'/');

type HmacSha256 = Hmac<Sha256>;

/// How far a header-signed request's time may be from the server's for `service` (the
/// credential scope's signing name): 5 minutes for Lambda, 15 for the others
/// ([`MAX_SKEW_MILLIS`]).
pub fn max_skew_millis(service: &str) -> u64 {
    if service == "lambda" {
        5 * 60 * 1000
    } else {
        MAX_SKEW_MILLIS
    }
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Derives the SigV4 signing key: `HMAC("AWS4" + secret, date)`, then the region, the
/// service and `aws4_request` in turn. `date` is the scope date, `YYYYMMDD`.
pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

/// The credential scope `YYYYMMDD/region/service/aws4_request` of `credential`.
pub fn credential_scope(credential: &Credential) -> String {
    format!(
        "{}/{}/{}/aws4_request",
        credential.date, credential.region, credential.service
    )
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// `YYYYMMDDTHHMMSSZ` for a time in milliseconds since the epoch.
fn amz_date(millis: u64) -> String {
    nimbus_core::timefmt::iso8601_secs(millis).replace(['-', ':'], "")
}

#[cfg(test)]
mod tests;
