//! CreateBucket, HeadBucket, ListBuckets, DeleteBucket, GetBucketLocation.

use http::StatusCode;
use nimbus_wire::Response;
use nimbus_wire::xml::Writer;

use super::{Call, XMLNS, empty, set, xml, xml_time};
use crate::Inner;
use crate::addressing::is_valid_bucket_name;
use crate::engine::acl::NewBucketAccess;
use crate::engine::buckets::ListFilter;
use crate::error::{S3Error, S3Result};

/// `PUT /{bucket}`.
pub async fn create_bucket(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let name = call.bucket()?.to_owned();
    if !is_valid_bucket_name(&name) {
        return Err(S3Error::InvalidBucketName(name));
    }
    if call
        .header("x-amz-bucket-object-lock-enabled")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return Err(S3Error::NotImplemented(
            "nimbus does not implement S3 Object Lock (x-amz-bucket-object-lock-enabled)".into(),
        ));
    }
    let body = call.document().await?;
    let constraint = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        let root = crate::xmlin::parse(&body)?;
        if root.name != "CreateBucketConfiguration" {
            return Err(S3Error::MalformedXml);
        }
        root.child_text("LocationConstraint")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let endpoint_region = call.ctx.region.clone();
    let region = match &constraint {
        Some(c) if c == "us-east-1" || !nimbus_core::account::is_valid_region(c) => {
            return Err(S3Error::InvalidLocationConstraint(c.clone()));
        }
        Some(c) if endpoint_region != "us-east-1" && *c != endpoint_region => {
            return Err(S3Error::IllegalLocationConstraint(format!(
                "The {c} location constraint is incompatible for the region specific endpoint this request was sent to."
            )));
        }
        Some(c) => c.clone(),
        None if endpoint_region != "us-east-1" => {
            return Err(S3Error::IllegalLocationConstraint(
                "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.".into(),
            ));
        }
        None => "us-east-1".to_owned(),
    };
    let account = call.ctx.account.to_string();
    // ACL, Object Ownership and Block Public Access of the new bucket (engine/acl.rs).
    let access = NewBucketAccess::for_create(
        &account,
        call.header("x-amz-object-ownership"),
        crate::acl::headers::parse(&call.headers)?.as_ref(),
    )?;
    inner
        .engine
        .create_bucket_with(&name, &account, &region, access)
        .await?;
    let mut r = empty(StatusCode::OK);
    set(&mut r, "location", &format!("/{name}"));
    Ok(r)
}

/// `HEAD /{bucket}`.
pub async fn head_bucket(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let region = inner.engine.bucket_region(call.bucket()?)?;
    let mut r = empty(StatusCode::OK);
    set(&mut r, "x-amz-bucket-region", &region);
    set(&mut r, "x-amz-access-point-alias", "false");
    Ok(r)
}

/// `GET /`.
pub async fn list_buckets(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let account = call.ctx.account.to_string();
    let prefix = call.query.get("prefix").unwrap_or("").to_owned();
    let region_filter = call.query.get("bucket-region").map(str::to_owned);
    let max = match call.query.get("max-buckets") {
        None => None,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=10_000).contains(&n) => Some(n),
            _ => {
                return Err(S3Error::invalid_argument_named(
                    "Argument max-buckets must be an integer between 1 and 10000",
                    "max-buckets",
                    v,
                ));
            }
        },
    };
    let after = call.query.get("continuation-token").map(str::to_owned);
    let mut mine = inner.engine.list_buckets(&ListFilter {
        account: &account,
        prefix: &prefix,
        region: region_filter.as_deref(),
        after: after.as_deref(),
    });
    let truncated = max.is_some_and(|m| mine.len() > m);
    if let Some(m) = max {
        mine.truncate(m);
    }
    let mut w = Writer::with_declaration();
    w.open_ns("ListAllMyBucketsResult", XMLNS);
    w.open("Owner")
        .elem("ID", &crate::acl::canonical_id(&account))
        .elem("DisplayName", &crate::acl::display_name(&account))
        .close("Owner");
    w.open("Buckets");
    for b in &mine {
        w.open("Bucket")
            .elem("Name", &b.name)
            .elem("CreationDate", &xml_time(b.created))
            .elem("BucketRegion", &b.region)
            .close("Bucket");
    }
    w.close("Buckets");
    if truncated && let Some(last) = mine.last() {
        w.elem("ContinuationToken", &last.name);
    }
    if !prefix.is_empty() {
        w.elem("Prefix", &prefix);
    }
    w.close("ListAllMyBucketsResult");
    Ok(xml(w.finish()))
}

/// `DELETE /{bucket}`.
pub async fn delete_bucket(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    inner.engine.delete_bucket(call.bucket()?).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `GET /{bucket}?location`.
pub async fn get_bucket_location(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let region = inner.engine.bucket_region(call.bucket()?)?;
    let mut w = Writer::with_declaration();
    if region == "us-east-1" {
        w.raw(&format!("<LocationConstraint xmlns=\"{XMLNS}\"/>"));
    } else {
        w.open_ns("LocationConstraint", XMLNS)
            .raw(&nimbus_wire::xml::escape(&region))
            .close("LocationConstraint");
    }
    Ok(xml(w.finish()))
}
