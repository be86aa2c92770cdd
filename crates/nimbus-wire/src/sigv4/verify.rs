//! Verifying a signature under `--auth strict`: header and presigned requests against the
//! recomputed canonical request, and browser-form (PostObject) policies; constant-time
//! comparison.

use super::*;

/// Checks the signature of a browser-form upload (S3 `PostObject`, SigV4): the hex
/// `HMAC-SHA256` of the base64 `policy` string under the signing key of `credential`'s
/// scope, compared in constant time.
pub fn verify_post_policy(
    credential: &Credential,
    secret: &str,
    policy: &str,
    signature: &str,
) -> Result<(), AuthError> {
    let key = signing_key(
        secret,
        &credential.date,
        &credential.region,
        &credential.service,
    );
    let expected = hex::encode(hmac(&key, policy.as_bytes()));
    if constant_time_eq(expected.as_bytes(), signature.trim().as_bytes()) {
        Ok(())
    } else {
        Err(AuthError::SignatureDoesNotMatch(
            SIGNATURE_MISMATCH_MESSAGE.into(),
        ))
    }
}

/// Compares two byte strings in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// Verifies `sig` against the request with `secret`, as AWS does: the request time
/// ([`request_time`]) must be present, `host` must be signed, the scope date must be the
/// request's date, the time must be within the skew window (header signatures) or the
/// presigned URL unexpired, and the signature recomputed over the canonical request must
/// match (compared in constant time).
///
/// `payload_sha256` is the payload hash the client is taken to have signed: the hex SHA-256
/// of the body, or the `x-amz-content-sha256` value S3 clients send (`UNSIGNED-PAYLOAD`,
/// `STREAMING-...`). For presigned S3 URLs it is ignored: they sign `UNSIGNED-PAYLOAD` unless
/// the query carries `X-Amz-Content-Sha256`. All times are checked against `now_millis`.
pub fn verify(
    sig: &Signature,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    payload_sha256: &str,
    secret: &str,
    now_millis: u64,
) -> Result<(), AuthError> {
    let s3 = sig.credential.service == "s3";
    let (amz, request_millis) = request_time(sig, headers)?;
    if !sig
        .signed_headers
        .iter()
        .any(|h| h.eq_ignore_ascii_case("host"))
    {
        return Err(AuthError::Incomplete(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".into(),
        ));
    }
    let request_date = &amz[..8];
    if sig.credential.date != request_date {
        return Err(if s3 {
            AuthError::Incomplete(match sig.location {
                Location::Header => "The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.".into(),
                Location::Query { .. } => "Invalid credential date. Date is not the same as X-Amz-Date.".into(),
            })
        } else {
            AuthError::SignatureDoesNotMatch(format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{request_date}', from '{amz}'.",
                sig.credential.date
            ))
        });
    }
    check_time(sig, &amz, request_millis, now_millis)?;

    let payload_hash = signed_payload_hash(sig, uri, payload_sha256);
    let creq = canonical_request(sig, method, uri, headers, &payload_hash);
    let string_to_sign = format!(
        "{ALGORITHM}\n{amz}\n{}\n{}",
        credential_scope(&sig.credential),
        sha256_hex(&creq)
    );
    let key = signing_key(
        secret,
        &sig.credential.date,
        &sig.credential.region,
        &sig.credential.service,
    );
    let expected = hex::encode(hmac(&key, string_to_sign.as_bytes()));
    if constant_time_eq(expected.as_bytes(), sig.signature.as_bytes()) {
        Ok(())
    } else {
        Err(AuthError::SignatureDoesNotMatch(
            SIGNATURE_MISMATCH_MESSAGE.into(),
        ))
    }
}
