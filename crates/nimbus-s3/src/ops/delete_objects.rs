//! DeleteObjects: up to 1,000 keys in one request, each deleted (and notified) as
//! DeleteObject would; an entry naming a version other than `null` is reported as
//! `NoSuchVersion` and deletes nothing.

use nimbus_wire::Response;
use nimbus_wire::xml::Writer;

use super::{Call, XMLNS, version_id, xml};
use crate::error::{S3Error, S3Result};
use crate::{EventSpec, Inner, limits, store};

/// One `<Object>` of the request and what became of it.
struct Entry {
    /// `Key`.
    key: String,
    /// `VersionId`, when the entry names one.
    version: Option<String>,
    /// The per-entry `<Error>` (code, message), when it was not deleted.
    error: Option<(&'static str, &'static str)>,
}

/// `POST /{bucket}?delete`.
pub async fn delete_objects(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let bucket = call.bucket()?.to_owned();
    inner.with_bucket(&bucket, |_| Ok(()))?;
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
    let mut entries: Vec<Entry> = root
        .children_named("Object")
        .map(|o| {
            Ok(Entry {
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
    let (ack, deliveries, garbage) = {
        let mut state = inner.store.state.write();
        let b = state
            .buckets
            .get_mut(&bucket)
            .ok_or_else(|| S3Error::NoSuchBucket(bucket.clone()))?;
        let mut effects = Vec::new();
        let mut deliveries = Vec::new();
        let mut garbage = Vec::new();
        for entry in &mut entries {
            let key = &entry.key;
            if key.len() > limits::MAX_KEY_BYTES {
                entry.error = Some(("KeyTooLongError", "Your key is too long"));
                continue;
            }
            // Only `null` names a version in a bucket without versioning; an entry naming
            // another deletes nothing (see `version_id`).
            if entry
                .version
                .as_deref()
                .is_some_and(|v| !version_id::names_a_version(v))
            {
                entry.error = Some(("NoSuchVersion", "The specified version does not exist."));
                continue;
            }
            if let Some(old) = b.objects.remove(key) {
                garbage.push(old.blob.clone());
                effects.push(store::delete_object(&bucket, key));
                let ev = inner.events(
                    b,
                    call,
                    &EventSpec {
                        name: "s3:ObjectRemoved:Delete",
                        key,
                        size: None,
                        etag: None,
                    },
                );
                effects.extend(ev.effects);
                deliveries.extend(ev.deliveries);
            }
        }
        (inner.store.db.submit(effects), deliveries, garbage)
    };
    inner.finish_change(ack, deliveries, garbage).await?;
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
