//! Reading a SigV4 signature: the `Authorization` header or the presigned `X-Amz-*` query
//! parameters, and the credential scope inside either.

use super::*;

pub(super) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Parses a credential `AKID/YYYYMMDD/region/service/aws4_request` (the `Credential=` of a
/// signature, or the `x-amz-credential` field of a browser form).
pub fn parse_credential(s: &str) -> Result<Credential, AuthError> {
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
        let v2 = form_urlencoded::parse(q.as_bytes())
            .filter(|(k, _)| k == "AWSAccessKeyId" || k == "Signature")
            .count()
            >= 2;
        if v2 {
            return Err(AuthError::UnsupportedMechanism(
                "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."
                    .into(),
            ));
        }
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

pub(super) fn parse_header(auth: &str, headers: &HeaderMap) -> Result<Signature, AuthError> {
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
