//! DeleteObjects: up to 1,000 keys in one request, each deleted (and notified) as
//! DeleteObject would; an entry naming a version other than `null` is reported as
//! `NoSuchVersion` and deletes nothing; a key the caller may not delete (`s3:DeleteObject`)
//! is reported as `AccessDenied`.

use nimbus_wire::Response;
use nimbus_wire::xml::Writer;

use super::{Call, XMLNS, xml};
use crate::engine::objects::DeleteEntry;
use crate::error::{S3Error, S3Result};
use crate::{Inner, limits};

/// `POST /{bucket}?delete`.
pub async fn delete_objects(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let bucket = call.bucket()?.to_owned();
    inner.engine.check_bucket(&bucket)?;
    let has_digest = call.headers.contains_key("content-md5")
        || call.headers.contains_key("x-amz-sdk-checksum-algorithm")
        || call.headers.contains_key("x-amz-trailer")
        || crate::checksum::ChecksumAlgorithm::ALL
            .iter()
            .any(|a| call.headers.contains_key(a.header()));
    if !has_digest {
        return Err(S3Error::InvalidRequest(
            "Missing required header for this request: Content-MD5 OR x-amz-checksum-*".into(),
        ));
    }
    let doc = call.document().await?;
    let root = crate::xmlin::parse(&doc)?;
    if root.name != "Delete" {
        return Err(S3Error::MalformedXml);
    }
    let quiet = root.child_text("Quiet").is_some_and(|q| q.trim() == "true");
    let mut entries: Vec<DeleteEntry> = root
        .children_named("Object")
        .map(|o| {
            Ok(DeleteEntry {
                key: o
                    .child_text("Key")
                    .map(str::to_owned)
                    .ok_or(S3Error::MalformedXml)?,
                version: o.child_text("VersionId").map(str::to_owned),
                error: None,
            })
        })
        .collect::<S3Result<_>>()?;
    if entries.is_empty() || entries.len() > limits::MAX_DELETE_KEYS {
        return Err(S3Error::MalformedXml);
    }
    // Each key needs s3:DeleteObject; a refused one is reported and the rest go ahead.
    let keys: Vec<&str> = entries.iter().map(|e| e.key.as_str()).collect();
    let mut refused = Vec::new();
    super::access::check_deletes(inner, call, &bucket, &keys, |i| refused.push(i))?;
    for i in refused {
        entries[i].error = Some(("AccessDenied", "Access Denied"));
    }
    inner
        .engine
        .delete_objects(&call.ctx, &bucket, &mut entries)
        .await?;
    let mut w = Writer::with_declaration();
    w.open_ns("DeleteResult", XMLNS);
    if !quiet {
        for entry in entries.iter().filter(|e| e.error.is_none()) {
            w.open("Deleted").elem("Key", &entry.key);
            if let Some(v) = &entry.version {
                w.elem("VersionId", v);
            }
            w.close("Deleted");
        }
    }
    for entry in &entries {
        if let Some((code, message)) = entry.error {
            w.open("Error").elem("Key", &entry.key);
            if let Some(v) = &entry.version {
                w.elem("VersionId", v);
            }
            w.elem("Code", code).elem("Message", message).close("Error");
        }
    }
    w.close("DeleteResult");
    Ok(xml(w.finish()))
}
