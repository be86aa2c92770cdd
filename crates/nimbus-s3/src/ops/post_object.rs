//! PostObject: browser-form uploads, `POST /{bucket}` with a `multipart/form-data` body.
//!
//! The form's fields (names case-insensitive, together at most [`MAX_FORM_BYTES`]) come
//! first and the `file` field last; fields after it are ignored, as S3 does. The file
//! streams into a blob through the same intake as PutObject ([`crate::body::receive`]),
//! never whole in memory.
//!
//! - The policy (base64 JSON with `expiration` and `conditions`), when present, is always
//!   checked: exact matches, `starts-with`, `content-length-range`, and every field but the
//!   exempt ones covered by a condition ([`check_policy`]).
//! - Under `--auth strict` the form must carry a policy signed with a configured key: SigV4
//!   (`x-amz-credential`, `x-amz-signature`: HMAC-SHA256 of the base64 policy under the
//!   scope's signing key) or SigV2 (`AWSAccessKeyId`, `signature`: base64 HMAC-SHA1).
//! - Success answers 204 (default), 200, 201 with a `PostResponse` document, or 303 to
//!   `success_action_redirect` with `bucket`, `key` and `etag` appended; the object emits
//!   `s3:ObjectCreated:Post`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use http_body_util::BodyExt;
use nimbus_core::AccountId;
use nimbus_core::access::Caller;
use nimbus_core::bus::FormSigner;
use nimbus_wire::sigv4::{self, AuthError};
use nimbus_wire::xml::Writer;
use nimbus_wire::{BoxError, RequestBody, Response, ServiceError, ServiceId};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use super::objects::{check_key, checksum_headers, content_headers, write_conditions};
use super::{Call, XMLNS, empty, set};
use crate::Inner;
use crate::body::{Framing, IntakeSpec, receive};
use crate::checksum::ChecksumAlgorithm;
use crate::error::{S3Error, S3Result};
use crate::limits;
use crate::model::ObjectMeta;

/// Largest total size of the fields before the file (names, values and part boundaries):
/// 20 KB, as S3 documents.
pub const MAX_FORM_BYTES: usize = 20 * 1024;

/// Fields a policy need not cover (besides `x-ignore-*`).
const EXEMPT: &[&str] = &[
    "file",
    "policy",
    "x-amz-signature",
    "signature",
    "awsaccesskeyid",
];

/// Everything but the unreserved characters is percent-encoded in a `Location`.
const LOCATION_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The fields of a form, in order, before the file.
#[derive(Debug, Default)]
pub struct Form {
    /// `(lower-case name, value)`.
    fields: Vec<(String, String)>,
}

impl Form {
    /// The first value of the field `name` (lower-case).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn names(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|(n, _)| n.as_str())
    }
}

fn access_denied(message: impl Into<String>) -> S3Error {
    S3Error::Other {
        status: StatusCode::FORBIDDEN,
        code: "AccessDenied",
        message: message.into(),
    }
}

fn policy_denied(detail: impl std::fmt::Display) -> S3Error {
    access_denied(format!("Invalid according to Policy: {detail}"))
}

fn invalid_policy(detail: impl std::fmt::Display) -> S3Error {
    S3Error::Other {
        status: StatusCode::BAD_REQUEST,
        code: "InvalidPolicyDocument",
        message: format!("Invalid Policy: {detail}"),
    }
}

fn malformed() -> S3Error {
    S3Error::Other {
        status: StatusCode::BAD_REQUEST,
        code: "MalformedPOSTRequest",
        message: "The body of your POST request is not well-formed multipart/form-data.".into(),
    }
}

fn missing_field(name: &str) -> S3Error {
    S3Error::invalid_argument_named(
        format!(
            "Bucket POST must contain a field named '{name}'.  If it is specified, please check the order of the fields."
        ),
        name,
        "",
    )
}

fn auth_error(e: AuthError) -> S3Error {
    S3Error::Detailed(Box::new(e.to_service_error(Some(ServiceId::S3))))
}

/// The boundary of a `multipart/form-data` request: 412 for any other content type, 400
/// `MalformedPOSTRequest` when the boundary is missing.
fn boundary(call: &Call) -> S3Result<String> {
    let ct = call.header("content-type").unwrap_or("");
    let is_form = ct
        .get(..19)
        .is_some_and(|p| p.eq_ignore_ascii_case("multipart/form-data"));
    if !is_form {
        return Err(S3Error::PreconditionFailed(
            "Bucket POST must be of the enclosure-type multipart/form-data",
        ));
    }
    multer::parse_boundary(ct).map_err(|_| malformed())
}

/// The request body as a stream of bytes for the multipart parser.
fn byte_stream(
    body: RequestBody,
) -> futures_util::stream::BoxStream<'static, Result<Bytes, BoxError>> {
    match body {
        RequestBody::Full(b) => futures_util::stream::once(async move { Ok(b) }).boxed(),
        RequestBody::Stream(s) => http_body_util::BodyDataStream::new(s).boxed(),
    }
}

/// Reads the fields before the file, bounded by [`MAX_FORM_BYTES`]; returns them with the
/// file field, if there is one.
async fn read_form(
    multipart: &mut multer::Multipart<'static>,
    boundary_len: usize,
) -> S3Result<(Form, Option<multer::Field<'static>>)> {
    let mut form = Form::default();
    let mut used = 0usize;
    // AWS's wording, spelling included.
    let too_large = || {
        S3Error::Detailed(Box::new(
            ServiceError::bad_request(
                "MaxPostPreDataLengthExceeded",
                "Your POST request fields preceeding the upload file was too large.",
            )
            .with_field("MaxPostPreDataLengthBytes", MAX_FORM_BYTES.to_string()),
        ))
    };
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Ok((form, None)),
            Err(_) => return Err(malformed()),
        };
        let name = field.name().unwrap_or("").to_ascii_lowercase();
        if name == "file" {
            return Ok((form, Some(field)));
        }
        used += name.len() + boundary_len + 64;
        let mut value = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(c)) => {
                    used += c.len();
                    if used > MAX_FORM_BYTES {
                        return Err(too_large());
                    }
                    value.extend_from_slice(&c);
                }
                Ok(None) => break,
                Err(_) => return Err(malformed()),
            }
        }
        if used > MAX_FORM_BYTES {
            return Err(too_large());
        }
        form.fields
            .push((name, String::from_utf8_lossy(&value).into_owned()));
    }
}

/// `POST /{bucket}` with a form.
pub async fn post_object(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let bucket = call.bucket()?.to_owned();
    inner.engine.check_bucket(&bucket)?;
    let boundary = boundary(call)?;
    let body = call.take_body();
    let mut multipart = multer::Multipart::new(byte_stream(body), boundary.clone());
    let (form, file) = read_form(&mut multipart, boundary.len()).await?;
    let Some(file) = file else {
        if form.get("key").is_none() {
            return Err(missing_field("key"));
        }
        return Err(S3Error::invalid_argument_named(
            "POST requires exactly one file upload per request.",
            "file",
            "0",
        ));
    };
    let key = match form.get("key") {
        Some(k) if !k.is_empty() => k.replace("${filename}", file.file_name().unwrap_or("")),
        _ => return Err(missing_field("key")),
    };
    check_key(&key)?;

    let account = authenticate(inner, &form)?;
    let range = match form.get("policy") {
        Some(p) => check_policy(inner.env.clock.now_millis(), p, &form, &bucket, &key)?,
        None => None,
    };
    if let Some((account, caller)) = account {
        call.ctx.caller = caller;
        call.ctx.account = account;
    }
    super::access::check_object(inner, call, &bucket, &key, "s3:PutObject")?;

    // What the fields say about the object, checked before any content is read.
    let mut headers = HeaderMap::new();
    for (name, value) in &form.fields {
        let is_header = name.starts_with("x-amz-meta-")
            || matches!(
                name.as_str(),
                "content-type"
                    | "cache-control"
                    | "content-disposition"
                    | "content-encoding"
                    | "content-language"
                    | "expires"
                    | "x-amz-storage-class"
                    | "x-amz-website-redirect-location"
            );
        if !is_header {
            continue;
        }
        let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value.as_bytes()),
        ) else {
            return Err(S3Error::invalid_argument_named(
                format!("Invalid value for form field {name}"),
                name.clone(),
                value.clone(),
            ));
        };
        headers.append(n, v);
    }
    let content = content_headers(&headers)?;
    let tags = match form.get("tagging") {
        Some(doc) if !doc.trim().is_empty() => {
            let tags = super::tagging::parse_tagging(doc.as_bytes())?;
            super::tagging::validate_tags(&tags, limits::MAX_OBJECT_TAGS, true)?;
            tags
        }
        _ => Vec::new(),
    };
    let spec = intake_spec(&form)?;
    // The `acl` field (ops/acl.rs): Object Ownership and Block Public Access decide.
    let mut acl_headers = HeaderMap::new();
    if let Some(v) = form.get("acl") {
        let v = HeaderValue::from_str(v)
            .map_err(|_| S3Error::invalid_argument_named("", "x-amz-acl", v))?;
        acl_headers.insert("x-amz-acl", v);
    }
    let (owner, acl) = super::acl::for_write(inner, call, &acl_headers, &bucket)?;

    // The content.
    let (min, max) = match range {
        Some((min, max)) => (min, max.min(limits::MAX_PUT_SIZE)),
        None => (0, limits::MAX_PUT_SIZE),
    };
    let broken = Arc::new(AtomicBool::new(false));
    let flag = broken.clone();
    let frames = file.map_ok(http_body::Frame::data).map_err(move |e| {
        flag.store(true, Ordering::Relaxed);
        Box::new(e) as BoxError
    });
    let file_body = RequestBody::Stream(http_body_util::StreamBody::new(frames).boxed_unsync());
    let writer = inner.engine.blob_writer();
    let received = match receive(file_body, spec, writer, max).await {
        Ok(r) => r,
        Err(_) if broken.load(Ordering::Relaxed) => return Err(malformed()),
        Err(e) => return Err(e),
    };
    if received.size < min {
        inner.engine.discard_blob(&received.blob);
        return Err(S3Error::Detailed(Box::new(
            ServiceError::bad_request(
                "EntityTooSmall",
                "Your proposed upload is smaller than the minimum allowed size",
            )
            .with_field("ProposedSize", received.size.to_string())
            .with_field("MinSizeAllowed", min.to_string()),
        )));
    }
    let meta = ObjectMeta {
        blob: received.blob.clone(),
        size: received.size,
        etag: received.md5_hex.clone(),
        last_modified: inner.engine.now_millis(),
        headers: content,
        checksum: Some(received.checksum.clone()),
        tags,
        parts: 0,
        owner,
        acl,
    };
    let meta = inner
        .engine
        .put_object(
            &call.ctx,
            &bucket,
            &key,
            meta,
            write_conditions(call),
            "s3:ObjectCreated:Post",
        )
        .await?;
    Ok(success(call, &form, &bucket, &key, &meta))
}

/// The intake of the file: a plain body, with the checksum a `x-amz-checksum-*` field names.
fn intake_spec(form: &Form) -> S3Result<IntakeSpec> {
    let expected = crate::body::expected_checksum(|name| form.get(name))?;
    let (algorithm, requested) = match &expected {
        Some((a, _)) => (*a, true),
        None => (ChecksumAlgorithm::Crc64Nvme, false),
    };
    Ok(IntakeSpec {
        framing: Framing::Plain { sha256: None },
        length: None,
        content_md5: None,
        algorithm,
        requested,
        expected: expected.map(|(_, v)| v),
        trailer: None,
        verifier: None,
    })
}

/// Who the form acts as, exactly as a request signed with its key would (a configured
/// credential's principal or the account's root, an IAM user, a role session with
/// `x-amz-security-token`): under `--auth strict` the verified signer (an unsigned or
/// unsigned-policy form is refused); otherwise whoever its access key selects, if any.
fn authenticate(inner: &Inner, form: &Form) -> S3Result<Option<(AccountId, Arc<Caller>)>> {
    let v4_credential = form.get("x-amz-credential");
    let v2_key = form.get("awsaccesskeyid");
    let access_key = match (v4_credential, v2_key) {
        (Some(c), _) => Some(
            sigv4::parse_credential(c)
                .map_err(|_| {
                    S3Error::invalid_argument_named(
                        "Invalid according to Policy: X-Amz-Credential is malformed.",
                        "x-amz-credential",
                        c,
                    )
                })?
                .access_key,
        ),
        (None, Some(k)) => Some(k.to_owned()),
        (None, None) => None,
    };
    let token = form.get("x-amz-security-token");
    let lookup = |key: &str| match inner.env.bus.credentials() {
        Some(c) => c.signer(
            key,
            token,
            inner.env.bus.identities().map(|d| d.as_ref()),
            inner.env.clock.now_millis(),
        ),
        None => FormSigner::Unknown,
    };
    if !inner.env.strict_auth {
        return Ok(access_key.and_then(|k| match lookup(&k) {
            FormSigner::Known {
                account, caller, ..
            } => Some((account, caller)),
            _ => AccountId::parse(&k).map(|a| {
                let caller = Arc::new(Caller::root(a.as_str()));
                (a, caller)
            }),
        }));
    }
    let Some(policy) = form.get("policy") else {
        return Err(access_denied("Access Denied"));
    };
    let Some(key) = access_key else {
        return Err(missing_field("AWSAccessKeyId"));
    };
    let (secret, account, caller) = match lookup(&key) {
        FormSigner::Known {
            account,
            caller,
            secret: Some(secret),
        } => (secret, account, caller),
        FormSigner::Expired => {
            let err = AuthError::ExpiredToken("The provided token has expired.".into())
                .to_service_error(Some(ServiceId::S3));
            return Err(S3Error::Detailed(Box::new(err)));
        }
        _ => {
            let err = AuthError::UnknownAccessKey(
                "The AWS Access Key Id you provided does not exist in our records.".into(),
            )
            .to_service_error(Some(ServiceId::S3))
            .with_field("AWSAccessKeyId", key);
            return Err(S3Error::Detailed(Box::new(err)));
        }
    };
    if let Some(c) = v4_credential {
        match form.get("x-amz-algorithm") {
            Some(sigv4::ALGORITHM) => {}
            Some(other) => {
                return Err(S3Error::invalid_argument_named(
                    "Only AWS4-HMAC-SHA256 is supported for the x-amz-algorithm field.",
                    "x-amz-algorithm",
                    other,
                ));
            }
            None => return Err(missing_field("x-amz-algorithm")),
        }
        let credential = sigv4::parse_credential(c).map_err(auth_error)?;
        let signature = form
            .get("x-amz-signature")
            .ok_or_else(|| missing_field("x-amz-signature"))?;
        sigv4::verify_post_policy(&credential, &secret, policy, signature).map_err(auth_error)?;
    } else {
        let signature = form
            .get("signature")
            .ok_or_else(|| missing_field("Signature"))?;
        let expected = nimbus_wire::sigv2::sign(&secret, policy.as_bytes());
        if !sigv4::constant_time_eq(expected.as_bytes(), signature.trim().as_bytes()) {
            return Err(S3Error::SignatureDoesNotMatch);
        }
    }
    Ok(Some((account, caller)))
}

/// One policy condition.
#[derive(Debug)]
enum Condition {
    /// `{"field": "value"}` or `["eq", "$field", "value"]`.
    Eq { field: String, value: String },
    /// `["starts-with", "$field", "prefix"]`.
    StartsWith { field: String, prefix: String },
    /// `["content-length-range", min, max]`.
    Range { min: u64, max: u64 },
}

impl Condition {
    /// The condition as S3 quotes it in errors: `["eq", "$key", "value"]`.
    fn quoted(&self) -> String {
        let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
        match self {
            Condition::Eq { field, value } => {
                format!("[\"eq\", {}, {}]", q(&format!("${field}")), q(value))
            }
            Condition::StartsWith { field, prefix } => format!(
                "[\"starts-with\", {}, {}]",
                q(&format!("${field}")),
                q(prefix)
            ),
            Condition::Range { min, max } => format!("[\"content-length-range\", {min}, {max}]"),
        }
    }

    /// The (lower-case) field the condition is about.
    fn field(&self) -> Option<String> {
        match self {
            Condition::Eq { field, .. } | Condition::StartsWith { field, .. } => {
                Some(field.to_ascii_lowercase())
            }
            Condition::Range { .. } => None,
        }
    }
}

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn as_size(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Parses the conditions of a policy document.
fn parse_conditions(doc: &Value) -> S3Result<Vec<Condition>> {
    let list = doc
        .get("conditions")
        .ok_or_else(|| invalid_policy("Policy missing conditions."))?
        .as_array()
        .ok_or_else(|| invalid_policy("Invalid 'conditions' value: must be a list."))?;
    let mut out = Vec::with_capacity(list.len());
    for c in list {
        match c {
            Value::Object(map) => {
                for (k, v) in map {
                    let value = as_text(v)
                        .ok_or_else(|| invalid_policy(format!("Invalid simple condition: {c}")))?;
                    out.push(Condition::Eq {
                        field: k.strip_prefix('$').unwrap_or(k).to_owned(),
                        value,
                    });
                }
            }
            Value::Array(parts) => {
                let op = parts
                    .first()
                    .and_then(Value::as_str)
                    .map(str::to_ascii_lowercase)
                    .ok_or_else(|| invalid_policy(format!("Invalid condition: {c}")))?;
                let bad = || invalid_policy(format!("Invalid {op} condition: {c}"));
                if parts.len() != 3 {
                    return Err(bad());
                }
                match op.as_str() {
                    "content-length-range" => {
                        let (min, max) = (
                            as_size(&parts[1]).ok_or_else(bad)?,
                            as_size(&parts[2]).ok_or_else(bad)?,
                        );
                        out.push(Condition::Range { min, max });
                    }
                    "eq" | "starts-with" => {
                        let field = parts[1]
                            .as_str()
                            .and_then(|f| f.strip_prefix('$'))
                            .ok_or_else(bad)?
                            .to_owned();
                        let value = as_text(&parts[2]).ok_or_else(bad)?;
                        out.push(if op == "eq" {
                            Condition::Eq { field, value }
                        } else {
                            Condition::StartsWith {
                                field,
                                prefix: value,
                            }
                        });
                    }
                    _ => {
                        return Err(invalid_policy(format!(
                            "Invalid condition: unknown operation '{op}'."
                        )));
                    }
                }
            }
            _ => return Err(invalid_policy(format!("Invalid condition: {c}"))),
        }
    }
    Ok(out)
}

/// Checks the form against its base64 `policy` at `now_millis`: expiry, every condition,
/// and every field covered by one. Returns the `content-length-range`, if the policy has one.
pub fn check_policy(
    now_millis: u64,
    policy: &str,
    form: &Form,
    bucket: &str,
    key: &str,
) -> S3Result<Option<(u64, u64)>> {
    let raw = B64
        .decode(policy.trim())
        .map_err(|_| invalid_policy("Invalid Base64 encoding."))?;
    let doc: Value = serde_json::from_slice(&raw).map_err(|_| invalid_policy("Invalid JSON."))?;
    if !doc.is_object() {
        return Err(invalid_policy("Invalid JSON."));
    }
    let expiration = doc
        .get("expiration")
        .ok_or_else(|| invalid_policy("Policy missing expiration."))?;
    let expires = expiration
        .as_str()
        .and_then(nimbus_core::timefmt::parse_rfc3339_millis)
        .ok_or_else(|| invalid_policy(format!("Invalid 'expiration' value: {expiration}")))?;
    let conditions = parse_conditions(&doc)?;
    if now_millis > expires {
        return Err(policy_denied("Policy expired."));
    }
    let value_of = |field: &str| -> Option<String> {
        match field {
            "bucket" => Some(bucket.to_owned()),
            "key" => Some(key.to_owned()),
            f => form.get(f).map(str::to_owned),
        }
    };
    let mut range: Option<(u64, u64)> = None;
    for c in &conditions {
        let ok = match c {
            Condition::Range { min, max } => {
                let (lo, hi) = range.unwrap_or((0, u64::MAX));
                range = Some((lo.max(*min), hi.min(*max)));
                true
            }
            Condition::Eq { field, value } => {
                value_of(&field.to_ascii_lowercase()).is_some_and(|v| &v == value)
            }
            Condition::StartsWith { field, prefix } => {
                let f = field.to_ascii_lowercase();
                value_of(&f).is_some_and(|v| {
                    if f == "content-type" {
                        v.split(',').all(|p| p.trim().starts_with(prefix.as_str()))
                    } else {
                        v.starts_with(prefix.as_str())
                    }
                })
            }
        };
        if !ok {
            return Err(policy_denied(format!(
                "Policy Condition failed: {}",
                c.quoted()
            )));
        }
    }
    let covered: Vec<String> = conditions.iter().filter_map(Condition::field).collect();
    let mut extra: Vec<&str> = Vec::new();
    for name in std::iter::once("bucket").chain(form.names()) {
        if EXEMPT.contains(&name)
            || name.starts_with("x-ignore-")
            || covered.iter().any(|c| c == name)
            || extra.contains(&name)
        {
            continue;
        }
        extra.push(name);
    }
    if !extra.is_empty() {
        return Err(policy_denied(format!(
            "Extra input fields: {}",
            extra.join(", ")
        )));
    }
    Ok(range)
}

/// The object's URL, as S3 puts it in `Location`.
fn location(call: &Call, bucket: &str, key: &str) -> String {
    let host = &call.ctx.host;
    let key = utf8_percent_encode(key, LOCATION_ENCODE);
    if crate::addressing::bucket_from_host(host).is_some() {
        format!("http://{host}/{key}")
    } else {
        format!("http://{host}/{bucket}/{key}")
    }
}

/// The response to a stored upload: a redirect, or the status the form asks for.
fn success(call: &Call, form: &Form, bucket: &str, key: &str, meta: &ObjectMeta) -> Response {
    let etag = meta.quoted_etag();
    let redirect = form
        .get("success_action_redirect")
        .or_else(|| form.get("redirect"))
        .filter(|r| {
            r.parse::<http::Uri>()
                .is_ok_and(|u| u.scheme().is_some() && u.host().is_some())
        });
    let mut resp = if let Some(url) = redirect {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("bucket", bucket)
            .append_pair("key", key)
            .append_pair("etag", &etag)
            .finish();
        let sep = if url.contains('?') { '&' } else { '?' };
        let mut r = empty(StatusCode::SEE_OTHER);
        set(&mut r, "location", &format!("{url}{sep}{query}"));
        r
    } else {
        match form.get("success_action_status") {
            Some("200") => empty(StatusCode::OK),
            Some("201") => {
                let mut w = Writer::with_declaration();
                w.open_ns("PostResponse", XMLNS)
                    .elem("Location", &location(call, bucket, key))
                    .elem("Bucket", bucket)
                    .elem("Key", key)
                    .elem("ETag", &etag)
                    .close("PostResponse");
                nimbus_wire::body::response(StatusCode::CREATED, "application/xml", w.finish())
            }
            _ => empty(StatusCode::NO_CONTENT),
        }
    };
    if resp.status() != StatusCode::SEE_OTHER {
        set(&mut resp, "location", &location(call, bucket, key));
    }
    set(&mut resp, "etag", &etag);
    set(&mut resp, "x-amz-server-side-encryption", "AES256");
    checksum_headers(&mut resp, &meta.checksum);
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(fields: &[(&str, &str)]) -> Form {
        Form {
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), (*v).to_owned()))
                .collect(),
        }
    }

    fn policy(json: &str) -> String {
        B64.encode(json)
    }

    const LATER: &str = "2030-01-01T00:00:00.000Z";

    #[test]
    fn conditions_match_and_quote() {
        let p = policy(&format!(
            r#"{{"expiration":"{LATER}","conditions":[{{"bucket":"b"}},["starts-with","$key","user/"],["content-length-range",1,10]]}}"#
        ));
        let f = form(&[("key", "user/a"), ("policy", &p)]);
        assert_eq!(
            check_policy(0, &p, &f, "b", "user/a").unwrap(),
            Some((1, 10))
        );
        let err = check_policy(0, &p, &f, "b", "other").unwrap_err();
        let e: ServiceError = err.into();
        assert_eq!(e.code, "AccessDenied");
        assert_eq!(
            e.message,
            r#"Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "user/"]"#
        );
    }

    #[test]
    fn extra_fields_and_expiry() {
        let p = policy(&format!(
            r#"{{"expiration":"{LATER}","conditions":[{{"bucket":"b"}},["starts-with","$key",""]]}}"#
        ));
        let f = form(&[
            ("key", "k"),
            ("Content-Type", "text/plain"),
            ("x-ignore-me", "1"),
        ]);
        let e: ServiceError = check_policy(0, &p, &f, "b", "k").unwrap_err().into();
        assert_eq!(
            e.message,
            "Invalid according to Policy: Extra input fields: content-type"
        );
        let p = policy(r#"{"expiration":"2020-01-01T00:00:00Z","conditions":[]}"#);
        let e: ServiceError = check_policy(u64::MAX / 2, &p, &form(&[]), "b", "k")
            .unwrap_err()
            .into();
        assert_eq!(e.message, "Invalid according to Policy: Policy expired.");
    }

    #[test]
    fn malformed_policies() {
        for bad in ["!!!", &policy("[1]"), &policy(r#"{"conditions":[]}"#)] {
            let e: ServiceError = check_policy(0, bad, &form(&[]), "b", "k")
                .unwrap_err()
                .into();
            assert_eq!(e.code, "InvalidPolicyDocument");
        }
    }
}
