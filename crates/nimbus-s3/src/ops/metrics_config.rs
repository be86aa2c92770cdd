//! Request-metrics configurations (`?metrics`): PutBucketMetricsConfiguration,
//! GetBucketMetricsConfiguration, DeleteBucketMetricsConfiguration and
//! ListBucketMetricsConfigurations, stored in the bucket's settings. A bucket with at least
//! one configuration publishes CloudWatch request metrics for each (see [`crate::metrics`]).

use http::StatusCode;
use nimbus_wire::Response;
use nimbus_wire::xml::Writer;

use super::{Call, XMLNS, empty, xml};
use crate::error::{S3Error, S3Result};
use crate::model::{MetricsConfiguration, MetricsFilter};
use crate::xmlin::Element;
use crate::{Inner, limits};

/// The longest configuration id.
pub const MAX_ID_LEN: usize = 64;
/// Configurations per page of ListBucketMetricsConfigurations.
pub const LIST_PAGE: usize = 100;

fn invalid(message: &str) -> S3Error {
    S3Error::Other {
        status: StatusCode::BAD_REQUEST,
        code: "InvalidArgument",
        message: message.to_owned(),
    }
}

/// The `id` query parameter, checked as the model documents it (64 characters: letters,
/// digits, periods, dashes and underscores).
fn id_param(call: &Call) -> S3Result<String> {
    let id = call
        .query
        .get("id")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid("Missing required parameter: id"))?;
    check_id(id)?;
    Ok(id.to_owned())
}

fn check_id(id: &str) -> S3Result<()> {
    let ok = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "The Id must be at most 64 characters: letters, numbers, periods, dashes and underscores.",
        ))
    }
}

fn tag(e: &Element) -> S3Result<(String, String)> {
    let key = e.child_text("Key").ok_or(S3Error::MalformedXml)?;
    let value = e.child_text("Value").unwrap_or("");
    Ok((key.to_owned(), value.to_owned()))
}

/// Parses a `MetricsConfiguration` document.
pub fn parse(doc: &[u8]) -> S3Result<MetricsConfiguration> {
    let root = crate::xmlin::parse(doc)?;
    if root.name != "MetricsConfiguration" {
        return Err(S3Error::MalformedXml);
    }
    let id = root
        .child_text("Id")
        .map(|s| s.trim().to_owned())
        .ok_or(S3Error::MalformedXml)?;
    let filter = match root.child("Filter") {
        None => None,
        Some(f) => {
            let predicates = ["Prefix", "Tag", "AccessPointArn", "And"]
                .iter()
                .filter(|n| f.child(n).is_some())
                .count();
            if predicates > 1 {
                return Err(S3Error::MalformedXml);
            }
            let mut out = MetricsFilter::default();
            if let Some(and) = f.child("And") {
                out.and = true;
                out.prefix = and.child_text("Prefix").map(str::to_owned);
                out.access_point_arn = and.child_text("AccessPointArn").map(str::to_owned);
                for t in and.children_named("Tag") {
                    out.tags.push(tag(t)?);
                }
                let n = out.tags.len()
                    + usize::from(out.prefix.is_some())
                    + usize::from(out.access_point_arn.is_some());
                if n < 2 {
                    return Err(S3Error::MalformedXml);
                }
            } else {
                out.prefix = f.child_text("Prefix").map(str::to_owned);
                out.access_point_arn = f.child_text("AccessPointArn").map(str::to_owned);
                if let Some(t) = f.child("Tag") {
                    out.tags.push(tag(t)?);
                }
            }
            if out.tags.len() > limits::MAX_OBJECT_TAGS {
                return Err(invalid("Too many tags in the filter"));
            }
            Some(out)
        }
    };
    Ok(MetricsConfiguration { id, filter })
}

/// Writes one configuration's members.
fn write(w: &mut Writer, c: &MetricsConfiguration) {
    w.elem("Id", &c.id);
    let Some(f) = &c.filter else {
        return;
    };
    w.open("Filter");
    if f.and {
        w.open("And");
    }
    w.opt("Prefix", f.prefix.as_deref());
    for (k, v) in &f.tags {
        w.open("Tag").elem("Key", k).elem("Value", v).close("Tag");
    }
    w.opt("AccessPointArn", f.access_point_arn.as_deref());
    if f.and {
        w.close("And");
    }
    w.close("Filter");
}

/// `PUT /{bucket}?metrics&id=…`.
pub async fn put(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let bucket = call.bucket()?.to_owned();
    inner.engine.check_bucket(&bucket)?;
    let id = id_param(call)?;
    let doc = call.document().await?;
    let config = parse(&doc)?;
    if config.id != id {
        return Err(invalid(
            "The Id in the MetricsConfiguration must match the id query parameter.",
        ));
    }
    inner
        .engine
        .put_metrics_configuration(&bucket, config)
        .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `GET /{bucket}?metrics&id=…`.
pub async fn get(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let id = id_param(call)?;
    let config = inner
        .engine
        .metrics_configurations(call.bucket()?)?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(S3Error::no_such_configuration)?;
    let mut w = Writer::with_declaration();
    w.open_ns("MetricsConfiguration", XMLNS);
    write(&mut w, &config);
    w.close("MetricsConfiguration");
    Ok(xml(w.finish()))
}

/// `DELETE /{bucket}?metrics&id=…`.
pub async fn delete(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let id = id_param(call)?;
    inner
        .engine
        .delete_metrics_configuration(call.bucket()?, &id)
        .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `GET /{bucket}?metrics` (no `id`): the configurations by id, 100 a page; the
/// continuation token is the last id of the previous page.
pub async fn list(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let mut all = inner.engine.metrics_configurations(call.bucket()?)?;
    all.sort_by(|a, b| a.id.cmp(&b.id));
    let token = call.query.get("continuation-token").map(str::to_owned);
    let start = token
        .as_deref()
        .map_or(0, |t| all.partition_point(|c| c.id.as_str() <= t));
    let page: Vec<&MetricsConfiguration> = all[start..].iter().take(LIST_PAGE).collect();
    let truncated = start + page.len() < all.len();
    let mut w = Writer::with_declaration();
    w.open_ns("ListMetricsConfigurationsResult", XMLNS)
        .elem("IsTruncated", if truncated { "true" } else { "false" });
    w.opt("ContinuationToken", token.as_deref());
    if truncated && let Some(last) = page.last() {
        w.elem("NextContinuationToken", &last.id);
    }
    for c in page {
        w.open("MetricsConfiguration");
        write(&mut w, c);
        w.close("MetricsConfiguration");
    }
    w.close("ListMetricsConfigurationsResult");
    Ok(xml(w.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_and_write_back() {
        let doc = br#"<MetricsConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Id>docs</Id><Filter><And><Prefix>documents/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter></MetricsConfiguration>"#;
        let c = parse(doc).unwrap();
        assert_eq!(c.id, "docs");
        let f = c.filter.clone().unwrap();
        assert!(f.and);
        assert_eq!(f.prefix.as_deref(), Some("documents/"));
        assert_eq!(f.tags, [("k".to_owned(), "v".to_owned())]);
        let mut w = Writer::new();
        write(&mut w, &c);
        assert_eq!(
            w.finish(),
            "<Id>docs</Id><Filter><And><Prefix>documents/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter>"
        );
        // An And of one predicate, or two predicates outside an And, is malformed.
        assert!(parse(br#"<MetricsConfiguration><Id>a</Id><Filter><And><Prefix>p</Prefix></And></Filter></MetricsConfiguration>"#).is_err());
        assert!(parse(br#"<MetricsConfiguration><Id>a</Id><Filter><Prefix>p</Prefix><AccessPointArn>x</AccessPointArn></Filter></MetricsConfiguration>"#).is_err());
        assert!(check_id("ok.id-1_2").is_ok());
        assert!(check_id("no spaces").is_err());
        assert!(check_id(&"x".repeat(65)).is_err());
    }
}
