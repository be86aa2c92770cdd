//! CORS: browser preflight (`OPTIONS`) answered from the bucket's CORS rules, and the
//! `Access-Control-*` headers added to actual requests that carry an `Origin`.

use http::StatusCode;
use nimbus_wire::Response;

use super::{Call, empty, set};
use crate::Inner;
use crate::error::{S3Error, S3Result};
use crate::model::CorsRule;

/// Whether `pattern` (with at most one `*`) matches `value`, case-insensitively for headers.
fn wildcard(pattern: &str, value: &str, ignore_case: bool) -> bool {
    let (p, v) = if ignore_case {
        (pattern.to_ascii_lowercase(), value.to_ascii_lowercase())
    } else {
        (pattern.to_owned(), value.to_owned())
    };
    match p.split_once('*') {
        None => p == v,
        Some((pre, post)) => {
            v.len() >= pre.len() + post.len() && v.starts_with(pre) && v.ends_with(post)
        }
    }
}

/// The first rule allowing `origin`, `method` and every header of `headers`.
fn find_rule<'a>(
    rules: &'a [CorsRule],
    origin: &str,
    method: &str,
    headers: &[String],
) -> Option<&'a CorsRule> {
    rules.iter().find(|r| {
        r.allowed_origins.iter().any(|o| wildcard(o, origin, false))
            && r.allowed_methods.iter().any(|m| m == method)
            && headers
                .iter()
                .all(|h| r.allowed_headers.iter().any(|a| wildcard(a, h, true)))
    })
}

fn allow_headers(resp: &mut Response, rule: &CorsRule, origin: &str) {
    let any = rule.allowed_origins.iter().any(|o| o == "*");
    set(
        resp,
        "access-control-allow-origin",
        if any { "*" } else { origin },
    );
    if !any {
        set(resp, "access-control-allow-credentials", "true");
    }
    set(
        resp,
        "access-control-allow-methods",
        &rule.allowed_methods.join(", "),
    );
    if !rule.expose_headers.is_empty() {
        set(
            resp,
            "access-control-expose-headers",
            &rule.expose_headers.join(", "),
        );
    }
    if let Some(age) = rule.max_age_seconds {
        set(resp, "access-control-max-age", &age.to_string());
    }
    set(
        resp,
        "vary",
        "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
    );
}

/// `OPTIONS /{bucket}[/{key}]`.
pub async fn preflight(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let bucket = call
        .bucket
        .clone()
        .ok_or(S3Error::CorsForbidden("CORSResponse: Bucket not found"))?;
    let origin = call
        .header("origin")
        .map(str::to_owned)
        .ok_or_else(|| S3Error::Other {
            status: StatusCode::BAD_REQUEST,
            code: "BadRequest",
            message: "Insufficient information. Origin request header needed.".into(),
        })?;
    let method = call
        .header("access-control-request-method")
        .map(str::to_owned)
        .ok_or_else(|| S3Error::Other {
            status: StatusCode::BAD_REQUEST,
            code: "BadRequest",
            message: "Invalid Access-Control-Request-Method: null".into(),
        })?;
    let headers: Vec<String> = call
        .header("access-control-request-headers")
        .map(|h| {
            h.split(',')
                .map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let rules = inner
        .engine
        .bucket_cors(&bucket)
        .map_err(|_| S3Error::CorsForbidden("CORSResponse: Bucket not found"))?
        .ok_or(S3Error::CorsForbidden(
            "CORSResponse: CORS is not enabled for this bucket.",
        ))?;
    let rule = find_rule(&rules, &origin, &method, &headers).ok_or(S3Error::CorsForbidden(
        "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
    ))?;
    let mut resp = empty(StatusCode::OK);
    allow_headers(&mut resp, rule, &origin);
    if !headers.is_empty() {
        set(
            &mut resp,
            "access-control-allow-headers",
            &headers.join(", "),
        );
    }
    Ok(resp)
}

/// Adds CORS headers to the response of an actual request with an `Origin` whose bucket has
/// a matching rule.
pub fn decorate(inner: &Inner, call: &Call, resp: &mut Response) {
    let (origin, bucket) = (call.header("origin"), call.bucket.as_deref());
    decorate_parts(inner, origin, bucket, call.method.as_str(), resp);
}

/// [`decorate`], from the request's `Origin`, bucket and method.
pub fn decorate_parts(
    inner: &Inner,
    origin: Option<&str>,
    bucket: Option<&str>,
    method: &str,
    resp: &mut Response,
) {
    let (Some(origin), Some(bucket)) = (origin.map(str::trim), bucket) else {
        return;
    };
    let Ok(Some(rules)) = inner.engine.bucket_cors(bucket) else {
        return;
    };
    if let Some(rule) = find_rule(&rules, origin, method, &[]) {
        allow_headers(resp, rule, origin);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard("*", "http://a", false));
        assert!(wildcard(
            "http://*.example.com",
            "http://www.example.com",
            false
        ));
        assert!(!wildcard(
            "http://*.example.com",
            "http://example.org",
            false
        ));
        assert!(wildcard("X-Amz-*", "x-amz-date", true));
    }
}
