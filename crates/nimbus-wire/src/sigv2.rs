//! S3's Signature Version 2: parsing and verification (`--auth strict`), S3 only.
//!
//! AWS S3 (in us-east-1 and the other regions opened before 2014) still accepts the older
//! HMAC-SHA1 signature, and AWS CLI v1's `aws s3 presign` and boto3 with
//! `signature_version="s3"` produce it. Two forms:
//! - header: `Authorization: AWS <AccessKeyId>:<Signature>`;
//! - query (presigned URL): `AWSAccessKeyId`, `Expires` (epoch seconds) and `Signature`.
//!
//! `Signature = Base64(HMAC-SHA1(secret, StringToSign))` where
//!
//! ```text
//! StringToSign = VERB "\n" Content-MD5 "\n" Content-Type "\n" Date-or-Expires "\n"
//!                CanonicalizedAmzHeaders CanonicalizedResource
//! ```
//!
//! - The date line is the `Date` header, empty when an `x-amz-date` header is present (which
//!   then appears among the amz headers); in the query form it is `Expires` as sent. AWS's own
//!   worked example signs the `x-amz-date` value on the date line instead and omits it from
//!   the amz headers; that variant is accepted too.
//! - CanonicalizedAmzHeaders: every `x-amz-*` header, name lower-cased, sorted, several
//!   values joined with `,`, values trimmed, each as `name:value\n`. For presigned URLs the
//!   `x-amz-*` (and `content-md5`/`content-type`) values botocore moves into the query string
//!   count as headers when the request does not send them as headers.
//! - CanonicalizedResource: `/<bucket>` when the `Host` names the bucket (virtual-hosted
//!   style, see [`crate::virtual_host`]), then the path exactly as sent (no decoding; a
//!   path-style `/<bucket>` alone is `/<bucket>/`, the bucket with an empty key), then
//!   the sub-resources of [`SUB_RESOURCES`] present in the query, sorted by name, with their
//!   values percent-decoded (`?acl&versionId=v1`).
//!
//! Header signatures must be within 15 minutes of the server's time (`RequestTimeTooSkewed`);
//! presigned URLs are refused after `Expires` (`AccessDenied` "Request has expired"). Errors
//! carry the extra elements AWS puts in its XML error documents (`StringToSign`,
//! `SignatureProvided`, `Expires`, `ServerTime`, ...).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use http::{HeaderMap, Method, StatusCode, Uri};
use percent_encoding::percent_decode_str;
use sha1::Sha1;

use crate::ServiceError;
use crate::sigv4::{self, SIGNATURE_MISMATCH_MESSAGE};

/// How far a header-signed request's time may be from the server's: 15 minutes.
pub const MAX_SKEW_MILLIS: u64 = 15 * 60 * 1000;

/// The query parameters that are part of the canonical resource (AWS's documented list and
/// the ones botocore signs, which S3 accepts).
pub const SUB_RESOURCES: &[&str] = &[
    "accelerate",
    "acl",
    "analytics",
    "cors",
    "defaultObjectAcl",
    "delete",
    "inventory",
    "lifecycle",
    "location",
    "logging",
    "metrics",
    "notification",
    "object-lock",
    "partNumber",
    "policy",
    "replication",
    "requestPayment",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "select",
    "select-type",
    "storageClass",
    "tagging",
    "torrent",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "website",
];

/// AWS's message for a malformed `Authorization: AWS ...` header.
const MALFORMED_HEADER_MESSAGE: &str =
    "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature";

/// AWS's message for a presigned URL missing one of its three parameters.
const MISSING_QUERY_MESSAGE: &str =
    "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters";

/// AWS's message for a header signature without a usable date.
const MISSING_DATE_MESSAGE: &str = "AWS authentication requires a valid Date or x-amz-date header";

/// Where the signature was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// `Authorization: AWS <AccessKeyId>:<Signature>`.
    Header,
    /// A presigned URL.
    Query {
        /// `Expires` as sent (it is signed as text).
        expires: String,
        /// `Expires` in seconds since the epoch.
        expires_secs: u64,
    },
}

/// A parsed Signature Version 2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// The access key id.
    pub access_key: String,
    /// The base64 signature (query form: percent-decoded).
    pub signature: String,
    /// Header or presigned query.
    pub location: Location,
}

/// Why a SigV2 request was refused; each maps once to S3's error ([`Sigv2Error::to_service_error`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Sigv2Error {
    /// `Authorization: AWS` without `<AccessKeyId>:<Signature>` (400 `InvalidArgument`).
    #[error("{MALFORMED_HEADER_MESSAGE}")]
    MalformedHeader {
        /// The header as sent.
        header: String,
    },
    /// A missing presigned parameter, an unusable `Expires` or `Date` (403 `AccessDenied`).
    #[error("{0}")]
    AccessDenied(String),
    /// The access key is unknown (403 `InvalidAccessKeyId`).
    #[error("The AWS Access Key Id you provided does not exist in our records.")]
    InvalidAccessKeyId {
        /// The key sent.
        access_key: String,
    },
    /// The signature does not match (403 `SignatureDoesNotMatch`).
    #[error("{SIGNATURE_MISMATCH_MESSAGE}")]
    SignatureDoesNotMatch {
        /// The key sent.
        access_key: String,
        /// What the server signed.
        string_to_sign: Vec<u8>,
        /// The signature sent.
        provided: String,
    },
    /// A header signature's time more than 15 minutes from the server's (403
    /// `RequestTimeTooSkewed`).
    #[error("The difference between the request time and the current time is too large.")]
    RequestTimeTooSkewed {
        /// The `Date` / `x-amz-date` as sent.
        request_time: String,
        /// The server's time.
        server_millis: u64,
    },
    /// A presigned URL past its `Expires` (403 `AccessDenied`).
    #[error("Request has expired")]
    Expired {
        /// `Expires`, seconds since the epoch.
        expires_secs: u64,
        /// The server's time.
        server_millis: u64,
    },
}

impl Sigv2Error {
    /// The S3 error document for this refusal, with AWS's extra elements.
    pub fn to_service_error(&self) -> ServiceError {
        let msg = self.to_string();
        match self {
            Sigv2Error::MalformedHeader { header } => {
                ServiceError::new(StatusCode::BAD_REQUEST, "InvalidArgument", msg)
                    .with_field("ArgumentName", "Authorization")
                    .with_field("ArgumentValue", header.clone())
            }
            Sigv2Error::AccessDenied(_) => {
                ServiceError::new(StatusCode::FORBIDDEN, "AccessDenied", msg)
            }
            Sigv2Error::InvalidAccessKeyId { access_key } => {
                ServiceError::new(StatusCode::FORBIDDEN, "InvalidAccessKeyId", msg)
                    .with_field("AWSAccessKeyId", access_key.clone())
            }
            Sigv2Error::SignatureDoesNotMatch {
                access_key,
                string_to_sign,
                provided,
            } => ServiceError::new(StatusCode::FORBIDDEN, "SignatureDoesNotMatch", msg)
                .with_field("AWSAccessKeyId", access_key.clone())
                .with_field(
                    "StringToSign",
                    String::from_utf8_lossy(string_to_sign).into_owned(),
                )
                .with_field("SignatureProvided", provided.clone())
                .with_field(
                    "StringToSignBytes",
                    string_to_sign
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
            Sigv2Error::RequestTimeTooSkewed {
                request_time,
                server_millis,
            } => ServiceError::new(StatusCode::FORBIDDEN, "RequestTimeTooSkewed", msg)
                .with_field("RequestTime", request_time.clone())
                .with_field(
                    "ServerTime",
                    nimbus_core::timefmt::iso8601_secs(*server_millis),
                )
                .with_field("MaxAllowedSkewMilliseconds", MAX_SKEW_MILLIS.to_string()),
            Sigv2Error::Expired {
                expires_secs,
                server_millis,
            } => ServiceError::new(StatusCode::FORBIDDEN, "AccessDenied", msg)
                .with_field(
                    "Expires",
                    nimbus_core::timefmt::iso8601_secs(expires_secs.saturating_mul(1000)),
                )
                .with_field(
                    "ServerTime",
                    nimbus_core::timefmt::iso8601_secs(*server_millis),
                ),
        }
    }
}

/// Percent-decodes a query component (`+` stays `+`, as botocore's `unquote` and base64
/// signatures sent unencoded need).
fn decode(s: &str) -> Vec<u8> {
    percent_decode_str(s).collect()
}

fn decode_string(s: &str) -> String {
    String::from_utf8_lossy(&decode(s)).into_owned()
}

/// The raw `name=value` pieces of a query string, names decoded.
fn query_pairs(uri: &Uri) -> impl Iterator<Item = (String, &str)> {
    uri.query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|piece| {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            (decode_string(name), value)
        })
}

/// Reads a Signature Version 2 from the `Authorization` header (`AWS ...`) or the presigned
/// query (`AWSAccessKeyId` / `Signature` / `Expires`). `Ok(None)` when the request carries
/// none (unsigned, or signed with SigV4: an `Authorization` header of another scheme, or
/// `X-Amz-Signature` / `X-Amz-Credential` parameters).
pub fn parse(uri: &Uri, headers: &HeaderMap) -> Result<Option<Signature>, Sigv2Error> {
    if let Some(auth) = headers.get(http::header::AUTHORIZATION) {
        let auth = String::from_utf8_lossy(auth.as_bytes());
        if auth != "AWS" && !auth.starts_with("AWS ") {
            return Ok(None);
        }
        let malformed = || Sigv2Error::MalformedHeader {
            header: auth.to_string(),
        };
        let rest = auth.get(4..).unwrap_or("");
        let (key, sig) = rest.split_once(':').ok_or_else(malformed)?;
        let valid = |s: &str| !s.is_empty() && !s.bytes().any(|b| b.is_ascii_whitespace());
        if !valid(key) || !valid(sig) || sig.contains(':') {
            return Err(malformed());
        }
        return Ok(Some(Signature {
            access_key: key.to_owned(),
            signature: sig.to_owned(),
            location: Location::Header,
        }));
    }
    let mut key = None;
    let mut sig = None;
    let mut expires = None;
    for (name, value) in query_pairs(uri) {
        match name.as_str() {
            "X-Amz-Signature" | "X-Amz-Credential" => return Ok(None),
            "AWSAccessKeyId" if key.is_none() => key = Some(decode_string(value)),
            "Signature" if sig.is_none() => sig = Some(decode_string(value)),
            "Expires" if expires.is_none() => expires = Some(decode_string(value)),
            _ => {}
        }
    }
    if key.is_none() && sig.is_none() {
        return Ok(None);
    }
    let (Some(access_key), Some(signature), Some(expires)) = (key, sig, expires) else {
        return Err(Sigv2Error::AccessDenied(MISSING_QUERY_MESSAGE.into()));
    };
    if access_key.is_empty() || signature.is_empty() {
        return Err(Sigv2Error::AccessDenied(MISSING_QUERY_MESSAGE.into()));
    }
    let expires_secs = expires.parse::<u64>().map_err(|_| {
        Sigv2Error::AccessDenied(format!(
            "Invalid date (should be seconds since epoch): {expires}"
        ))
    })?;
    Ok(Some(Signature {
        access_key,
        signature,
        location: Location::Query {
            expires,
            expires_secs,
        },
    }))
}

/// Pushes `value` without leading and trailing whitespace.
fn push_trimmed(out: &mut Vec<u8>, value: &[u8]) {
    let start = value
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    out.extend_from_slice(&value[start..end.max(start)]);
}

/// A positional header's value (first occurrence, trimmed); for presigned URLs, the query
/// parameter of the same (lower-case) name when the header is absent.
fn positional(headers: &HeaderMap, uri: &Uri, name: &str, presigned: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if let Some(v) = headers.get(name) {
        push_trimmed(&mut out, v.as_bytes());
    } else if presigned
        && let Some((_, v)) = query_pairs(uri).find(|(n, _)| n.eq_ignore_ascii_case(name))
    {
        push_trimmed(&mut out, &decode(v));
    }
    out
}

/// CanonicalizedAmzHeaders: `name:value\n` for each `x-amz-*` header, sorted by name, several
/// values joined with `,`. `skip_amz_date` leaves out `x-amz-date` (the variant that signs
/// it on the date line).
fn canonical_amz_headers(
    headers: &HeaderMap,
    uri: &Uri,
    presigned: bool,
    skip_amz_date: bool,
) -> Vec<u8> {
    let mut amz: std::collections::BTreeMap<String, Vec<u8>> = Default::default();
    for (name, value) in headers {
        let name = name.as_str();
        if !name.starts_with("x-amz-") || (skip_amz_date && name == "x-amz-date") {
            continue;
        }
        let entry = amz.entry(name.to_owned()).or_default();
        if !entry.is_empty() {
            entry.push(b',');
        }
        push_trimmed(entry, value.as_bytes());
    }
    if presigned {
        for (name, value) in query_pairs(uri) {
            let name = name.to_ascii_lowercase();
            if name.starts_with("x-amz-") && !headers.contains_key(name.as_str()) {
                let entry = amz.entry(name).or_default();
                if !entry.is_empty() {
                    entry.push(b',');
                }
                push_trimmed(entry, &decode(value));
            }
        }
    }
    let mut out = Vec::new();
    for (name, value) in amz {
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        out.extend_from_slice(&value);
        out.push(b'\n');
    }
    out
}

/// CanonicalizedResource: `/<bucket>` for a virtual-hosted `bucket`, the path as sent, and
/// the sub-resources of [`SUB_RESOURCES`] (sorted by name; values percent-decoded).
pub fn canonical_resource(uri: &Uri, bucket: Option<&str>) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    if let Some(b) = bucket {
        out.push(b'/');
        out.extend_from_slice(b.as_bytes());
    }
    let path = uri.path();
    out.extend_from_slice(if path.is_empty() { "/" } else { path }.as_bytes());
    // A path-style request for the bucket itself (`/bucket`) signs `/bucket/`: S3 names
    // the resource `/<bucket>/<key>` with an empty key, as botocore and boto sign it.
    let bucket_only = path.len() > 1 && !path[1..].contains('/');
    if bucket.is_none() && bucket_only {
        out.push(b'/');
    }
    let mut subs: Vec<(&str, Option<Vec<u8>>)> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter_map(|piece| {
            let (name, value) = match piece.split_once('=') {
                Some((n, v)) => (n, Some(decode(v))),
                None => (piece, None),
            };
            SUB_RESOURCES
                .iter()
                .find(|s| **s == name)
                .map(|s| (*s, value))
        })
        .collect();
    subs.sort_by(|a, b| a.0.cmp(b.0));
    for (i, (name, value)) in subs.iter().enumerate() {
        out.push(if i == 0 { b'?' } else { b'&' });
        out.extend_from_slice(name.as_bytes());
        if let Some(v) = value {
            out.push(b'=');
            out.extend_from_slice(v);
        }
    }
    out
}

/// The StringToSign of `sig` over the request, `bucket` being the virtual-hosted bucket the
/// `Host` names (if any).
pub fn string_to_sign(
    sig: &Signature,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    bucket: Option<&str>,
) -> Vec<u8> {
    let date_line = match &sig.location {
        Location::Query { expires, .. } => expires.as_bytes().to_vec(),
        Location::Header if headers.contains_key("x-amz-date") => Vec::new(),
        Location::Header => positional(headers, uri, "date", false),
    };
    build(
        method,
        uri,
        headers,
        bucket,
        &sig.location,
        &date_line,
        false,
    )
}

fn build(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    bucket: Option<&str>,
    location: &Location,
    date_line: &[u8],
    skip_amz_date: bool,
) -> Vec<u8> {
    let presigned = matches!(location, Location::Query { .. });
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(method.as_str().as_bytes());
    out.push(b'\n');
    out.extend_from_slice(&positional(headers, uri, "content-md5", presigned));
    out.push(b'\n');
    out.extend_from_slice(&positional(headers, uri, "content-type", presigned));
    out.push(b'\n');
    out.extend_from_slice(date_line);
    out.push(b'\n');
    out.extend_from_slice(&canonical_amz_headers(
        headers,
        uri,
        presigned,
        skip_amz_date,
    ));
    out.extend_from_slice(&canonical_resource(uri, bucket));
    out
}

/// `Base64(HMAC-SHA1(secret, string_to_sign))`.
pub fn sign(secret: &str, string_to_sign: &[u8]) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(string_to_sign);
    BASE64.encode(mac.finalize().into_bytes())
}

/// Verifies `sig` against the request with `secret`, as S3 does: a header signature needs a
/// `Date` or `x-amz-date` within 15 minutes of `now_millis`; a presigned URL must not be past
/// its `Expires`; the signature recomputed over the StringToSign must match (compared in
/// constant time). `bucket` is the bucket the `Host` names (virtual-hosted style), if any.
pub fn verify(
    sig: &Signature,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    bucket: Option<&str>,
    secret: &str,
    now_millis: u64,
) -> Result<(), Sigv2Error> {
    match &sig.location {
        Location::Query { expires_secs, .. } => {
            if now_millis > expires_secs.saturating_mul(1000) {
                return Err(Sigv2Error::Expired {
                    expires_secs: *expires_secs,
                    server_millis: now_millis,
                });
            }
        }
        Location::Header => {
            let raw = headers
                .get("x-amz-date")
                .or_else(|| headers.get(http::header::DATE))
                .and_then(|v| v.to_str().ok());
            let Some((raw, millis)) = raw.and_then(|r| Some((r, sigv4::parse_http_date(r)?)))
            else {
                return Err(Sigv2Error::AccessDenied(MISSING_DATE_MESSAGE.into()));
            };
            if now_millis.abs_diff(millis) > MAX_SKEW_MILLIS {
                return Err(Sigv2Error::RequestTimeTooSkewed {
                    request_time: raw.to_owned(),
                    server_millis: now_millis,
                });
            }
        }
    }
    let matches = |sts: &[u8]| {
        sigv4::constant_time_eq(sign(secret, sts).as_bytes(), sig.signature.as_bytes())
    };
    let sts = string_to_sign(sig, method, uri, headers, bucket);
    if matches(&sts) {
        return Ok(());
    }
    // AWS's documented variant: the `x-amz-date` value on the date line.
    if let (Location::Header, Some(amz_date)) = (&sig.location, headers.get("x-amz-date")) {
        let mut date_line = Vec::new();
        push_trimmed(&mut date_line, amz_date.as_bytes());
        let alt = build(
            method,
            uri,
            headers,
            bucket,
            &sig.location,
            &date_line,
            true,
        );
        if matches(&alt) {
            return Ok(());
        }
    }
    Err(Sigv2Error::SignatureDoesNotMatch {
        access_key: sig.access_key.clone(),
        string_to_sign: sts,
        provided: sig.signature.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's example credentials (RESTAuthentication, "Authentication examples").
    const AKID: &str = "AKIAIOSFODNN7EXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    /// A request as the examples write it: headers, then `Authorization: AWS AKID:<sig>`.
    fn request(path: &str, headers: &[(&str, &str)], sig: &str) -> (Uri, HeaderMap) {
        let uri: Uri = path.parse().unwrap();
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.append(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h.insert(
            http::header::AUTHORIZATION,
            format!("AWS {AKID}:{sig}").parse().unwrap(),
        );
        (uri, h)
    }

    /// Milliseconds for an RFC 1123 date.
    fn at(date: &str) -> u64 {
        sigv4::parse_http_date(date).unwrap()
    }

    /// Checks one documented example: the StringToSign and that the documented signature
    /// verifies at the request's own time.
    fn check(
        method: Method,
        path: &str,
        host: &str,
        headers: &[(&str, &str)],
        expected_sts: &str,
        signature: &str,
    ) {
        let mut all = vec![("host", host)];
        all.extend_from_slice(headers);
        let (uri, h) = request(path, &all, signature);
        let sig = parse(&uri, &h).unwrap().unwrap();
        assert_eq!(sig.access_key, AKID);
        let bucket = crate::virtual_host::bucket_from_host(host);
        let sts = string_to_sign(&sig, &method, &uri, &h, bucket);
        assert_eq!(String::from_utf8(sts.clone()).unwrap(), expected_sts);
        let date = h
            .get("x-amz-date")
            .or(h.get("date"))
            .unwrap()
            .to_str()
            .unwrap();
        verify(&sig, &method, &uri, &h, bucket, SECRET, at(date)).unwrap();
        // Any other secret fails.
        let e = verify(&sig, &method, &uri, &h, bucket, "other", at(date)).unwrap_err();
        assert!(matches!(e, Sigv2Error::SignatureDoesNotMatch { .. }));
    }

    // The documented examples' signatures were computed for the bucket `johnsmith` (the
    // page was later edited to say `awsexamplebucket1` without re-signing), so the vectors
    // use `johnsmith`.

    #[test]
    fn aws_example_object_get() {
        check(
            Method::GET,
            "/photos/puppy.jpg",
            "johnsmith.s3.amazonaws.com",
            &[("date", "Tue, 27 Mar 2007 19:36:42 +0000")],
            "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg",
            "bWq2s1WEIj+Ydj0vQ697zp+IXMU=",
        );
    }

    #[test]
    fn aws_example_object_put() {
        check(
            Method::PUT,
            "/photos/puppy.jpg",
            "johnsmith.s3.amazonaws.com",
            &[
                ("content-type", "image/jpeg"),
                ("content-length", "94328"),
                ("date", "Tue, 27 Mar 2007 21:15:45 +0000"),
            ],
            "PUT\n\nimage/jpeg\nTue, 27 Mar 2007 21:15:45 +0000\n/johnsmith/photos/puppy.jpg",
            "MyyxeRY7whkBe+bq8fHCL/2kKUg=",
        );
    }

    #[test]
    fn aws_example_list_ignores_ordinary_parameters() {
        check(
            Method::GET,
            "/?prefix=photos&max-keys=50&marker=puppy",
            "johnsmith.s3.amazonaws.com",
            &[
                ("user-agent", "Mozilla/5.0"),
                ("date", "Tue, 27 Mar 2007 19:42:41 +0000"),
            ],
            "GET\n\n\nTue, 27 Mar 2007 19:42:41 +0000\n/johnsmith/",
            "htDYFYduRNen8P9ZfE/s9SuKy0U=",
        );
    }

    #[test]
    fn aws_example_fetch_acl_sub_resource() {
        check(
            Method::GET,
            "/?acl",
            "johnsmith.s3.amazonaws.com",
            &[("date", "Tue, 27 Mar 2007 19:44:46 +0000")],
            "GET\n\n\nTue, 27 Mar 2007 19:44:46 +0000\n/johnsmith/?acl",
            "c2WLPFtWHVgbEmeEG93a4cG37dM=",
        );
    }

    #[test]
    fn aws_example_delete_path_style_with_x_amz_date() {
        // The documented signature puts the x-amz-date value on the date line; the rule the
        // page states (empty date line, x-amz-date among the amz headers) is what
        // `string_to_sign` reports, and both verify.
        let (uri, h) = request(
            "/johnsmith/photos/puppy.jpg",
            &[
                ("host", "s3.amazonaws.com"),
                ("user-agent", "dotnet"),
                ("date", "Tue, 27 Mar 2007 21:20:27 +0000"),
                ("x-amz-date", "Tue, 27 Mar 2007 21:20:26 +0000"),
            ],
            "lx3byBScXR6KzyMaifNkardMwNk=",
        );
        let sig = parse(&uri, &h).unwrap().unwrap();
        let now = at("Tue, 27 Mar 2007 21:20:26 +0000");
        verify(&sig, &Method::DELETE, &uri, &h, None, SECRET, now).unwrap();
        let sts = string_to_sign(&sig, &Method::DELETE, &uri, &h, None);
        assert_eq!(
            String::from_utf8(sts.clone()).unwrap(),
            "DELETE\n\n\n\nx-amz-date:Tue, 27 Mar 2007 21:20:26 +0000\n/johnsmith/photos/puppy.jpg"
        );
        let stated = Signature {
            signature: sign(SECRET, &sts),
            ..sig
        };
        verify(&stated, &Method::DELETE, &uri, &h, None, SECRET, now).unwrap();
    }

    #[test]
    fn aws_example_upload_with_amz_headers() {
        // CNAME-style hosts are not virtual hosts nimbus recognises, so the bucket is given.
        let (uri, h) = request(
            "/db-backup.dat.gz",
            &[
                ("host", "static.johnsmith.net:8080"),
                ("user-agent", "curl/7.15.5"),
                ("date", "Tue, 27 Mar 2007 21:06:08 +0000"),
                ("x-amz-acl", "public-read"),
                ("content-type", "application/x-download"),
                ("content-md5", "4gJE4saaMU4BqNR0kLY+lw=="),
                ("X-Amz-Meta-ReviewedBy", "joe@johnsmith.net"),
                ("X-Amz-Meta-ReviewedBy", "jane@johnsmith.net"),
                ("X-Amz-Meta-FileChecksum", "0x02661779"),
                ("X-Amz-Meta-ChecksumAlgorithm", "crc32"),
                ("content-disposition", "attachment; filename=database.dat"),
                ("content-encoding", "gzip"),
                ("content-length", "5913339"),
            ],
            "ilyl83RwaSoYIEdixDQcA4OnAnc=",
        );
        let sig = parse(&uri, &h).unwrap().unwrap();
        let bucket = Some("static.johnsmith.net");
        let sts = string_to_sign(&sig, &Method::PUT, &uri, &h, bucket);
        assert_eq!(
            String::from_utf8(sts).unwrap(),
            "PUT\n4gJE4saaMU4BqNR0kLY+lw==\napplication/x-download\nTue, 27 Mar 2007 21:06:08 +0000\n\
             x-amz-acl:public-read\nx-amz-meta-checksumalgorithm:crc32\nx-amz-meta-filechecksum:0x02661779\n\
             x-amz-meta-reviewedby:joe@johnsmith.net,jane@johnsmith.net\n/static.johnsmith.net/db-backup.dat.gz"
        );
        let now = at("Tue, 27 Mar 2007 21:06:08 +0000");
        verify(&sig, &Method::PUT, &uri, &h, bucket, SECRET, now).unwrap();
    }

    #[test]
    fn aws_example_list_all_buckets_and_unicode_keys() {
        check(
            Method::GET,
            "/",
            "s3.amazonaws.com",
            &[("date", "Wed, 28 Mar 2007 01:29:59 +0000")],
            "GET\n\n\nWed, 28 Mar 2007 01:29:59 +0000\n/",
            "qGdzdERIC03wnaRNKh6OqZehG9s=",
        );
        // The path is signed as sent, escapes and their case included.
        check(
            Method::GET,
            "/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re",
            "s3.amazonaws.com",
            &[("date", "Wed, 28 Mar 2007 01:49:49 +0000")],
            "GET\n\n\nWed, 28 Mar 2007 01:49:49 +0000\n/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re",
            "DNEZGsoieTZ92F3bUfSPQcbGmlM=",
        );
    }

    #[test]
    fn aws_example_query_string_authentication() {
        let uri: Uri = "/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620"
            .parse()
            .unwrap();
        let mut h = HeaderMap::new();
        h.insert("host", "johnsmith.s3.amazonaws.com".parse().unwrap());
        let sig = parse(&uri, &h).unwrap().unwrap();
        assert_eq!(sig.signature, "NpgCjnDzrM+WFzoENXmpNDUsSn8=");
        assert_eq!(
            sig.location,
            Location::Query {
                expires: "1175139620".into(),
                expires_secs: 1_175_139_620
            }
        );
        let bucket = Some("johnsmith");
        let sts = string_to_sign(&sig, &Method::GET, &uri, &h, bucket);
        assert_eq!(
            String::from_utf8(sts).unwrap(),
            "GET\n\n\n1175139620\n/johnsmith/photos/puppy.jpg"
        );
        // Valid up to and including its Expires second; refused after it, with AWS's elements.
        let expires_ms = 1_175_139_620_000;
        verify(&sig, &Method::GET, &uri, &h, bucket, SECRET, expires_ms).unwrap();
        let e = verify(&sig, &Method::GET, &uri, &h, bucket, SECRET, expires_ms + 1).unwrap_err();
        let se = e.to_service_error();
        assert_eq!((se.status.as_u16(), &*se.code), (403, "AccessDenied"));
        assert_eq!(se.message, "Request has expired");
        assert_eq!(
            se.fields,
            vec![
                ("Expires".into(), "2007-03-29T03:40:20Z".to_owned()),
                ("ServerTime".into(), "2007-03-29T03:40:20Z".to_owned()),
            ]
        );
    }

    #[test]
    fn canonical_resource_sub_resources() {
        let cr = |p: &str, b: Option<&str>| {
            String::from_utf8(canonical_resource(&p.parse().unwrap(), b)).unwrap()
        };
        // Sorted by name, values decoded, ordinary parameters dropped, flags without `=`.
        assert_eq!(
            cr(
                "/b/k?versionId=v%2B1&uploads&prefix=x&acl&response-content-type=text%2Fplain",
                None
            ),
            "/b/k?acl&response-content-type=text/plain&uploads&versionId=v+1"
        );
        assert_eq!(
            cr("/k?partNumber=2&uploadId=u1", Some("b")),
            "/b/k?partNumber=2&uploadId=u1"
        );
        assert_eq!(cr("/?delete", Some("b")), "/b/?delete");
        assert_eq!(cr("/?tagging=", Some("b")), "/b/?tagging=");
        assert_eq!(cr("/", None), "/");
        // Names are matched exactly (case-sensitive), as botocore signs them.
        assert_eq!(cr("/b?ACL&Acl", None), "/b/");
        // The bucket itself, path-style, with or without its slash (as botocore signs it).
        assert_eq!(cr("/b", None), "/b/");
        assert_eq!(cr("/b/?acl", None), "/b/?acl");
        assert_eq!(cr("/b?location", None), "/b/?location");
    }

    #[test]
    fn virtual_hosted_bucket_from_host() {
        use crate::virtual_host::bucket_from_host;
        let uri: Uri = "/key?AWSAccessKeyId=AK&Signature=s&Expires=10"
            .parse()
            .unwrap();
        let h = HeaderMap::new();
        let sig = parse(&uri, &h).unwrap().unwrap();
        for (host, expected) in [
            ("b.localhost:4566", "GET\n\n\n10\n/b/key"),
            (
                "b.s3.localhost.localstack.cloud:4566",
                "GET\n\n\n10\n/b/key",
            ),
            (
                "my.bucket.s3.us-east-1.amazonaws.com",
                "GET\n\n\n10\n/my.bucket/key",
            ),
            // Path-style: `/key` is then the bucket `key` itself.
            ("127.0.0.1:4566", "GET\n\n\n10\n/key/"),
            ("localhost:4566", "GET\n\n\n10\n/key/"),
        ] {
            let sts = string_to_sign(&sig, &Method::GET, &uri, &h, bucket_from_host(host));
            assert_eq!(String::from_utf8(sts).unwrap(), expected, "{host}");
        }
    }

    #[test]
    fn presigned_query_headers_count_as_headers() {
        // botocore moves x-amz-* and content-md5 into the query of a presigned URL.
        let uri: Uri = "/b/k?AWSAccessKeyId=AK&Signature=s&Expires=10&x-amz-security-token=T%2B1&content-md5=abc"
            .parse()
            .unwrap();
        let sig = parse(&uri, &HeaderMap::new()).unwrap().unwrap();
        let sts = string_to_sign(&sig, &Method::PUT, &uri, &HeaderMap::new(), None);
        assert_eq!(
            String::from_utf8(sts).unwrap(),
            "PUT\nabc\n\n10\nx-amz-security-token:T+1\n/b/k"
        );
    }

    #[test]
    fn parse_forms_and_refusals() {
        let h = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(http::header::AUTHORIZATION, v.parse().unwrap());
            h
        };
        let uri: Uri = "/".parse().unwrap();
        // Other schemes and unsigned requests are not SigV2.
        assert_eq!(
            parse(&uri, &h("AWS4-HMAC-SHA256 Credential=x")).unwrap(),
            None
        );
        assert_eq!(parse(&uri, &HeaderMap::new()).unwrap(), None);
        let v4: Uri = "/?X-Amz-Credential=a&AWSAccessKeyId=b".parse().unwrap();
        assert_eq!(parse(&v4, &HeaderMap::new()).unwrap(), None);
        // Malformed headers: 400 InvalidArgument naming the header.
        for bad in [
            "AWS",
            "AWS HAHAHA",
            "AWS :sig",
            "AWS key:",
            "AWS a:b:c",
            "AWS  a:b",
        ] {
            let e = parse(&uri, &h(bad)).unwrap_err();
            let se = e.to_service_error();
            assert_eq!(
                (se.status.as_u16(), &*se.code),
                (400, "InvalidArgument"),
                "{bad}"
            );
            assert_eq!(se.fields[1], ("ArgumentValue".into(), bad.to_owned()));
        }
        // Presigned URLs missing a part, or with a bad Expires: 403 AccessDenied.
        for q in [
            "/?AWSAccessKeyId=a&Signature=s",
            "/?Signature=s&Expires=1",
            "/?AWSAccessKeyId=a&Expires=1",
            "/?AWSAccessKeyId=&Signature=s&Expires=1",
            "/?AWSAccessKeyId=a&Signature=s&Expires=soon",
            "/?AWSAccessKeyId=a&Signature=s&Expires=-1",
        ] {
            let e = parse(&q.parse().unwrap(), &HeaderMap::new()).unwrap_err();
            let se = e.to_service_error();
            assert_eq!(
                (se.status.as_u16(), &*se.code),
                (403, "AccessDenied"),
                "{q}"
            );
        }
    }

    #[test]
    fn header_time_window() {
        let (uri, mut h) = request("/b/k", &[("date", "Tue, 27 Mar 2007 19:36:42 GMT")], "x");
        let sig = parse(&uri, &h).unwrap().unwrap();
        let t = at("Tue, 27 Mar 2007 19:36:42 GMT");
        let signed = Signature {
            signature: sign(SECRET, &string_to_sign(&sig, &Method::GET, &uri, &h, None)),
            ..sig
        };
        let ok = |now, h: &HeaderMap| verify(&signed, &Method::GET, &uri, h, None, SECRET, now);
        ok(t + MAX_SKEW_MILLIS, &h).unwrap();
        ok(t - MAX_SKEW_MILLIS, &h).unwrap();
        for now in [t + MAX_SKEW_MILLIS + 1000, t - MAX_SKEW_MILLIS - 1000] {
            let se = ok(now, &h).unwrap_err().to_service_error();
            assert_eq!(
                (se.status.as_u16(), &*se.code),
                (403, "RequestTimeTooSkewed")
            );
            assert_eq!(se.fields[0].1, "Tue, 27 Mar 2007 19:36:42 GMT");
            assert_eq!(se.fields[2].1, "900000");
        }
        // No usable date: 403 AccessDenied.
        h.insert("date", "yesterday".parse().unwrap());
        let se = ok(t, &h).unwrap_err().to_service_error();
        assert_eq!((se.status.as_u16(), &*se.code), (403, "AccessDenied"));
        assert_eq!(se.message, MISSING_DATE_MESSAGE);
        h.remove("date");
        assert!(matches!(ok(t, &h), Err(Sigv2Error::AccessDenied(_))));
    }

    #[test]
    fn mismatch_reports_string_to_sign() {
        let (uri, h) = request(
            "/b/k",
            &[("date", "Tue, 27 Mar 2007 19:36:42 GMT")],
            "bm90IGl0",
        );
        let sig = parse(&uri, &h).unwrap().unwrap();
        let now = at("Tue, 27 Mar 2007 19:36:42 GMT");
        let se = verify(&sig, &Method::GET, &uri, &h, None, SECRET, now)
            .unwrap_err()
            .to_service_error();
        assert_eq!(
            (se.status.as_u16(), &*se.code),
            (403, "SignatureDoesNotMatch")
        );
        let field = |n: &str| se.fields.iter().find(|(k, _)| k == n).unwrap().1.clone();
        assert_eq!(field("AWSAccessKeyId"), AKID);
        assert_eq!(
            field("StringToSign"),
            "GET\n\n\nTue, 27 Mar 2007 19:36:42 GMT\n/b/k"
        );
        assert_eq!(field("SignatureProvided"), "bm90IGl0");
        assert!(field("StringToSignBytes").starts_with("47 45 54 0a"));
    }
}
