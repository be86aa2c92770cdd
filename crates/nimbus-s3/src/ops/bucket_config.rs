//! Bucket settings stored and returned: tagging, policy, CORS; and the read-only answers S3
//! gives for versioning and default encryption of buckets nimbus never changes (ACLs are
//! [`super::acl`]'s).

use http::StatusCode;
use nimbus_wire::Response;
use nimbus_wire::xml::Writer;

use super::tagging::{parse_tagging, tagging_xml, validate_tags};
use super::{Call, XMLNS, empty, xml};
use crate::error::{S3Error, S3Result};
use crate::model::{BucketPolicy, CorsRule};
use crate::{Inner, limits};

/// `GET /{bucket}?tagging`.
pub async fn get_bucket_tagging(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let tags = inner.engine.bucket_tags(call.bucket()?)?;
    Ok(xml(tagging_xml(&tags)))
}

/// `PUT /{bucket}?tagging`.
pub async fn put_bucket_tagging(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let name = call.bucket()?.to_owned();
    inner.engine.check_bucket(&name)?;
    let doc = call.document().await?;
    let tags = parse_tagging(&doc)?;
    validate_tags(&tags, limits::MAX_BUCKET_TAGS, true)?;
    inner.engine.set_bucket_tags(&name, Some(tags)).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `DELETE /{bucket}?tagging`.
pub async fn delete_bucket_tagging(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    inner.engine.set_bucket_tags(call.bucket()?, None).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `GET /{bucket}?policy`.
pub async fn get_bucket_policy(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let policy = inner.engine.bucket_policy(call.bucket()?)?;
    Ok(nimbus_wire::body::response(
        StatusCode::OK,
        "application/json",
        policy,
    ))
}

/// `PUT /{bucket}?policy`: compiled once (S3's `MalformedPolicy` with the parser's reason),
/// stored as sent and enforced from the compiled form.
pub async fn put_bucket_policy(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let name = call.bucket()?.to_owned();
    inner.engine.check_bucket(&name)?;
    let doc = call.document().await?;
    if doc.len() > limits::MAX_POLICY_BYTES {
        return Err(S3Error::Other {
            status: StatusCode::BAD_REQUEST,
            code: "PolicyTooLarge",
            message: "Policy exceeds the maximum allowed document size.".into(),
        });
    }
    let text = String::from_utf8(doc.to_vec()).map_err(|_| {
        S3Error::MalformedPolicy(
            "Policies must be valid JSON and the first byte must be '{'".into(),
        )
    })?;
    let policy = BucketPolicy::compile(text).map_err(|e| S3Error::MalformedPolicy(e.message()))?;
    // Block Public Access's BlockPublicPolicy (engine/acl.rs): a public policy is refused.
    if let Some(compiled) = &policy.compiled {
        inner.engine.check_public_policy(&name, compiled)?;
    }
    inner.engine.set_bucket_policy(&name, Some(policy)).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `DELETE /{bucket}?policy`.
pub async fn delete_bucket_policy(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    inner.engine.set_bucket_policy(call.bucket()?, None).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `GET /{bucket}?policyStatus`: whether the bucket's policy makes it public
/// ([`super::access::is_public_policy`]); `NoSuchBucketPolicy` without a policy.
pub async fn get_bucket_policy_status(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let bucket = call.bucket()?;
    let public = inner.engine.bucket_info(bucket, |i| {
        let p = i
            .policy
            .as_ref()
            .ok_or_else(|| S3Error::NoSuchBucketPolicy(bucket.to_owned()))?;
        Ok(p.compiled
            .as_deref()
            .is_some_and(super::access::is_public_policy))
    })?;
    let mut w = Writer::with_declaration();
    w.open_ns("PolicyStatus", XMLNS)
        .elem("IsPublic", if public { "true" } else { "false" })
        .close("PolicyStatus");
    Ok(xml(w.finish()))
}

const CORS_METHODS: [&str; 5] = ["GET", "PUT", "HEAD", "POST", "DELETE"];

/// Parses and validates a `CORSConfiguration` document.
pub fn parse_cors(doc: &[u8]) -> S3Result<Vec<CorsRule>> {
    let root = crate::xmlin::parse(doc)?;
    if root.name != "CORSConfiguration" {
        return Err(S3Error::MalformedXml);
    }
    let mut rules = Vec::new();
    for r in root.children_named("CORSRule") {
        let texts = |n: &str| -> Vec<String> {
            r.children_named(n)
                .map(|e| e.text.trim().to_owned())
                .collect()
        };
        let rule = CorsRule {
            id: r.child_text("ID").map(str::to_owned),
            allowed_origins: texts("AllowedOrigin"),
            allowed_methods: texts("AllowedMethod"),
            allowed_headers: texts("AllowedHeader"),
            expose_headers: texts("ExposeHeader"),
            max_age_seconds: match r.child_text("MaxAgeSeconds") {
                None => None,
                Some(v) => Some(v.trim().parse().map_err(|_| S3Error::MalformedXml)?),
            },
        };
        if rule.allowed_origins.is_empty() || rule.allowed_methods.is_empty() {
            return Err(S3Error::MalformedXml);
        }
        for m in &rule.allowed_methods {
            if !CORS_METHODS.contains(&m.as_str()) {
                return Err(S3Error::InvalidRequest(format!(
                    "Found unsupported HTTP method in CORS config. Unsupported method is {m}"
                )));
            }
        }
        for o in &rule.allowed_origins {
            if o.matches('*').count() > 1 {
                return Err(S3Error::InvalidRequest(format!(
                    "AllowedOrigin \"{o}\" can not have more than one wildcard."
                )));
            }
        }
        rules.push(rule);
    }
    if rules.is_empty() {
        return Err(S3Error::MalformedXml);
    }
    if rules.len() > limits::MAX_CORS_RULES {
        return Err(S3Error::InvalidRequest(
            "The number of CORS rules should not exceed allowed limit of 100 rules.".into(),
        ));
    }
    Ok(rules)
}

/// `GET /{bucket}?cors`.
pub async fn get_bucket_cors(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let name = call.bucket()?;
    let rules = inner
        .engine
        .bucket_cors(name)?
        .ok_or_else(|| S3Error::NoSuchCorsConfiguration(name.to_owned()))?;
    let mut w = Writer::with_declaration();
    w.open_ns("CORSConfiguration", XMLNS);
    for r in &rules {
        w.open("CORSRule");
        w.opt("ID", r.id.as_deref());
        for h in &r.allowed_headers {
            w.elem("AllowedHeader", h);
        }
        for m in &r.allowed_methods {
            w.elem("AllowedMethod", m);
        }
        for o in &r.allowed_origins {
            w.elem("AllowedOrigin", o);
        }
        for e in &r.expose_headers {
            w.elem("ExposeHeader", e);
        }
        if let Some(s) = r.max_age_seconds {
            w.elem("MaxAgeSeconds", &s.to_string());
        }
        w.close("CORSRule");
    }
    w.close("CORSConfiguration");
    Ok(xml(w.finish()))
}

/// `PUT /{bucket}?cors`.
pub async fn put_bucket_cors(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let name = call.bucket()?.to_owned();
    inner.engine.check_bucket(&name)?;
    let doc = call.document().await?;
    let rules = parse_cors(&doc)?;
    inner.engine.set_bucket_cors(&name, Some(rules)).await?;
    Ok(empty(StatusCode::OK))
}

/// `DELETE /{bucket}?cors`.
pub async fn delete_bucket_cors(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    inner.engine.set_bucket_cors(call.bucket()?, None).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `GET /{bucket}?versioning`: nimbus buckets are never versioned, which S3 reports as an
/// empty configuration.
pub async fn get_bucket_versioning(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    inner.engine.check_bucket(call.bucket()?)?;
    let mut w = Writer::with_declaration();
    w.raw(&format!("<VersioningConfiguration xmlns=\"{XMLNS}\"/>"));
    Ok(xml(w.finish()))
}

/// `GET /{bucket}?encryption`: SSE-S3 (AES256), every bucket's default since 2023.
pub async fn get_bucket_encryption(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    inner.engine.check_bucket(call.bucket()?)?;
    let mut w = Writer::with_declaration();
    w.open_ns("ServerSideEncryptionConfiguration", XMLNS)
        .open("Rule")
        .open("ApplyServerSideEncryptionByDefault")
        .elem("SSEAlgorithm", "AES256")
        .close("ApplyServerSideEncryptionByDefault")
        .elem("BucketKeyEnabled", "false")
        .close("Rule")
        .close("ServerSideEncryptionConfiguration");
    Ok(xml(w.finish()))
}
