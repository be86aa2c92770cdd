//! Object tagging (GetObjectTagging, PutObjectTagging, DeleteObjectTagging) and the tag
//! rules shared with bucket tagging.

use http::StatusCode;
use nimbus_wire::Response;
use nimbus_wire::xml::Writer;

use super::{Call, XMLNS, empty, xml};
use crate::engine::version_id;
use crate::error::{S3Error, S3Result};
use crate::{Inner, limits};

/// Checks a tag set: key 1–128 characters, value up to 256, unique keys, at most `max`,
/// and (for `user` tags) no `aws:` prefix.
pub fn validate_tags(tags: &[(String, String)], max: usize, user: bool) -> S3Result<()> {
    if tags.len() > max {
        return Err(S3Error::InvalidTag(if max == limits::MAX_OBJECT_TAGS {
            "Object tags cannot be greater than 10".into()
        } else {
            format!("Bucket tag count cannot be greater than {max}")
        }));
    }
    let mut seen = std::collections::HashSet::new();
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 {
            return Err(S3Error::InvalidTag(
                "The TagKey you have provided is invalid".into(),
            ));
        }
        if v.chars().count() > 256 {
            return Err(S3Error::InvalidTag(
                "The TagValue you have provided is invalid".into(),
            ));
        }
        if user && k.starts_with("aws:") {
            return Err(S3Error::InvalidTag(
                "Your TagKey cannot be prefixed with aws:".into(),
            ));
        }
        if !seen.insert(k.as_str()) {
            return Err(S3Error::InvalidTag(
                "Cannot provide multiple Tags with the same key".into(),
            ));
        }
    }
    Ok(())
}

/// Parses a `<Tagging><TagSet><Tag>…` document.
pub fn parse_tagging(doc: &[u8]) -> S3Result<Vec<(String, String)>> {
    let root = crate::xmlin::parse(doc)?;
    if root.name != "Tagging" {
        return Err(S3Error::MalformedXml);
    }
    let set = root.child("TagSet").ok_or(S3Error::MalformedXml)?;
    set.children_named("Tag")
        .map(|t| {
            Ok((
                t.child_text("Key").ok_or(S3Error::MalformedXml)?.to_owned(),
                t.child_text("Value").unwrap_or("").to_owned(),
            ))
        })
        .collect()
}

/// Renders a `Tagging` document.
pub fn tagging_xml(tags: &[(String, String)]) -> String {
    let mut w = Writer::with_declaration();
    w.open_ns("Tagging", XMLNS).open("TagSet");
    for (k, v) in tags {
        w.open("Tag").elem("Key", k).elem("Value", v).close("Tag");
    }
    w.close("TagSet").close("Tagging");
    w.finish()
}

/// `GET /{bucket}/{key}?tagging`.
pub async fn get_object_tagging(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let tags = inner.engine.object_tags(
        call.bucket()?,
        call.key()?,
        call.query.get(version_id::QUERY_ARGUMENT),
    )?;
    Ok(xml(tagging_xml(&tags)))
}

/// `PUT /{bucket}/{key}?tagging`.
pub async fn put_object_tagging(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let doc = call.document().await?;
    let tags = parse_tagging(&doc)?;
    validate_tags(&tags, limits::MAX_OBJECT_TAGS, true)?;
    inner
        .engine
        .put_object_tags(
            call.bucket()?,
            call.key()?,
            call.query.get(version_id::QUERY_ARGUMENT),
            tags,
        )
        .await?;
    Ok(empty(StatusCode::OK))
}

/// `DELETE /{bucket}/{key}?tagging`.
pub async fn delete_object_tagging(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    inner
        .engine
        .put_object_tags(
            call.bucket()?,
            call.key()?,
            call.query.get(version_id::QUERY_ARGUMENT),
            Vec::new(),
        )
        .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}
