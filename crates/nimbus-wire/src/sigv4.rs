//! Signature Version 4: parsing (every auth mode) and verification (`--auth strict`).
//!
//! [`parse`] reads the `Authorization` header or the presigned `X-Amz-*` query parameters.
//! The gateway routes on the credential scope's service and selects the account from the
//! access key. [`verify`] recomputes the signature with the secret and checks the date skew
//! and presigned expiry.

use http::{HeaderMap, Method, Uri};

use crate::{ServiceError, ServiceId};

/// The algorithm nimbus accepts.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// How far a signed request's time may be from the server's (15 minutes).
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
}

impl AuthError {
    /// The wire error for a request to `service` (`None` when the service is not known).
    pub fn to_service_error(&self, service: Option<ServiceId>) -> ServiceError {
        use http::StatusCode as S;
        let s3 = service == Some(ServiceId::S3);
        let (status, code) = match self {
            AuthError::Incomplete(_) if s3 => (S::BAD_REQUEST, "AuthorizationHeaderMalformed"),
            AuthError::Incomplete(_) => (S::BAD_REQUEST, "IncompleteSignature"),
            AuthError::Missing(_) if s3 => (S::FORBIDDEN, "AccessDenied"),
            AuthError::Missing(_) => (S::FORBIDDEN, "MissingAuthenticationToken"),
            AuthError::UnknownAccessKey(_) if s3 => (S::FORBIDDEN, "InvalidAccessKeyId"),
            AuthError::UnknownAccessKey(_) => (S::FORBIDDEN, "InvalidClientTokenId"),
            AuthError::SignatureDoesNotMatch(_) => (S::FORBIDDEN, "SignatureDoesNotMatch"),
            AuthError::TimeTooSkewed(_) if s3 => (S::FORBIDDEN, "RequestTimeTooSkewed"),
            AuthError::TimeTooSkewed(_) => (S::FORBIDDEN, "SignatureDoesNotMatch"),
            AuthError::Expired(_) => (S::FORBIDDEN, "AccessDenied"),
        };
        let mut e = ServiceError::new(status, code, self.to_string());
        if service == Some(ServiceId::Sqs) {
            e = e.with_query_code(code);
        }
        e
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn parse_credential(s: &str) -> Result<Credential, AuthError> {
    let parts: Vec<&str> = s.split('/').collect();
    if parts.len() != 5 || parts[4] != "aws4_request" || parts[0].is_empty() {
        return Err(AuthError::Incomplete(format!(
            "Credential should be scoped to a valid region, not '{}'. Credential should be scoped with a valid terminator: 'aws4_request'.",
            parts.get(2).copied().unwrap_or("")
        )));
    }
    Ok(Credential {
        access_key: parts[0].to_owned(),
        date: parts[1].to_owned(),
        region: parts[2].to_owned(),
        service: parts[3].to_owned(),
    })
}

/// Reads the signature of a request, from its `Authorization` header or presigned query.
/// `Ok(None)` for an unsigned request.
pub fn parse(uri: &Uri, headers: &HeaderMap) -> Result<Option<Signature>, AuthError> {
    if let Some(auth) = header_str(headers, "authorization") {
        return parse_header(auth, headers).map(Some);
    }
    let Some(q) = uri.query() else {
        return Ok(None);
    };
    if !q.contains("X-Amz-Signature") && !q.contains("X-Amz-Credential") {
        return Ok(None);
    }
    let mut alg = None;
    let mut cred = None;
    let mut date = None;
    let mut expires = None;
    let mut signed = None;
    let mut sig = None;
    for (k, v) in form_urlencoded::parse(q.as_bytes()) {
        match &*k {
            "X-Amz-Algorithm" => alg = Some(v.into_owned()),
            "X-Amz-Credential" => cred = Some(v.into_owned()),
            "X-Amz-Date" => date = Some(v.into_owned()),
            "X-Amz-Expires" => expires = Some(v.into_owned()),
            "X-Amz-SignedHeaders" => signed = Some(v.into_owned()),
            "X-Amz-Signature" => sig = Some(v.into_owned()),
            _ => {}
        }
    }
    let missing = |what: &str| {
        AuthError::Incomplete(format!(
            "Query-string authentication requires the {what} parameter"
        ))
    };
    if alg.as_deref() != Some(ALGORITHM) {
        return Err(AuthError::Incomplete(
            "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"".into(),
        ));
    }
    let credential = parse_credential(&cred.ok_or_else(|| missing("X-Amz-Credential"))?)?;
    let expires_secs = expires
        .ok_or_else(|| missing("X-Amz-Expires"))?
        .parse::<u64>()
        .map_err(|_| AuthError::Incomplete("X-Amz-Expires should be a number".into()))?;
    if expires_secs > 604_800 {
        return Err(AuthError::Incomplete(
            "X-Amz-Expires must be less than a week (in seconds) that is 604800".into(),
        ));
    }
    Ok(Some(Signature {
        credential,
        signed_headers: signed
            .ok_or_else(|| missing("X-Amz-SignedHeaders"))?
            .split(';')
            .map(str::to_owned)
            .collect(),
        signature: sig.ok_or_else(|| missing("X-Amz-Signature"))?,
        amz_date: date.ok_or_else(|| missing("X-Amz-Date"))?,
        location: Location::Query { expires_secs },
    }))
}

fn parse_header(auth: &str, headers: &HeaderMap) -> Result<Signature, AuthError> {
    let Some(rest) = auth.strip_prefix(ALGORITHM) else {
        return Err(AuthError::Incomplete(format!(
            "Unsupported authorization scheme; only {ALGORITHM} is accepted"
        )));
    };
    let mut cred = None;
    let mut signed = None;
    let mut sig = None;
    for part in rest.split(',') {
        let part = part.trim();
        if let Some((k, v)) = part.split_once('=') {
            match k.trim() {
                "Credential" => cred = Some(v.trim()),
                "SignedHeaders" => signed = Some(v.trim()),
                "Signature" => sig = Some(v.trim()),
                _ => {}
            }
        }
    }
    let missing = |what: &str| {
        AuthError::Incomplete(format!(
            "Authorization header requires '{what}' parameter. Authorization={auth}"
        ))
    };
    let credential = parse_credential(cred.ok_or_else(|| missing("Credential"))?)?;
    let signed_headers = signed
        .ok_or_else(|| missing("SignedHeaders"))?
        .split(';')
        .map(str::to_owned)
        .collect();
    let signature = sig.ok_or_else(|| missing("Signature"))?.to_owned();
    let amz_date = header_str(headers, "x-amz-date").unwrap_or("").to_owned();
    Ok(Signature {
        credential,
        signed_headers,
        signature,
        amz_date,
        location: Location::Header,
    })
}

/// Verifies `sig` against the request with `secret`: recomputes the signature over the
/// canonical request (with `payload_sha256` as the payload hash: the hex SHA-256 of the body,
/// or the `x-amz-content-sha256` value S3 clients send), checks the credential scope's date
/// against the request time, the 15-minute skew for header signatures and the expiry of
/// presigned ones, all against `now_millis`.
pub fn verify(
    sig: &Signature,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    payload_sha256: &str,
    secret: &str,
    now_millis: u64,
) -> Result<(), AuthError> {
    let _ = (
        sig,
        method,
        uri,
        headers,
        payload_sha256,
        secret,
        now_millis,
    );
    Err(AuthError::SignatureDoesNotMatch(
        "signature verification is not implemented yet".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_header() {
        let mut h = HeaderMap::new();
        h.insert("authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcd".parse().unwrap());
        h.insert("x-amz-date", "20260101T000000Z".parse().unwrap());
        let s = parse(&"/".parse().unwrap(), &h).unwrap().unwrap();
        assert_eq!(s.credential.access_key, "AKID");
        assert_eq!(s.credential.service, "sqs");
        assert_eq!(s.signed_headers, vec!["host", "x-amz-date"]);
        assert_eq!(s.location, Location::Header);
    }

    #[test]
    fn parses_presigned() {
        let uri: Uri = "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=ff".parse().unwrap();
        let s = parse(&uri, &HeaderMap::new()).unwrap().unwrap();
        assert_eq!(s.credential.service, "s3");
        assert_eq!(s.location, Location::Query { expires_secs: 3600 });
    }

    #[test]
    fn unsigned_and_malformed() {
        assert_eq!(
            parse(&"/".parse().unwrap(), &HeaderMap::new()).unwrap(),
            None
        );
        let mut h = HeaderMap::new();
        h.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sqs/aws4_request"
                .parse()
                .unwrap(),
        );
        assert!(matches!(
            parse(&"/".parse().unwrap(), &h),
            Err(AuthError::Incomplete(_))
        ));
    }
}
