//! DeleteObjects: up to 1,000 keys in one request, each deleted (and notified) as
//! DeleteObject would.

use nimbus_wire::Response;
use nimbus_wire::xml::Writer;

use super::{Call, XMLNS, xml};
use crate::error::{S3Error, S3Result};
use crate::{EventSpec, Inner, limits, store};

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
    let keys: Vec<String> = root
        .children_named("Object")
        .map(|o| {
            o.child_text("Key")
                .map(str::to_owned)
                .ok_or(S3Error::MalformedXml)
        })
        .collect::<S3Result<_>>()?;
    if keys.is_empty() || keys.len() > limits::MAX_DELETE_KEYS {
        return Err(S3Error::MalformedXml);
    }
    let mut errors: Vec<(String, &'static str, String)> = Vec::new();
    let (ack, deliveries, garbage) = {
        let mut state = inner.store.state.write();
        let b = state
            .buckets
            .get_mut(&bucket)
            .ok_or_else(|| S3Error::NoSuchBucket(bucket.clone()))?;
        let mut effects = Vec::new();
        let mut deliveries = Vec::new();
        let mut garbage = Vec::new();
        for key in &keys {
            if key.len() > limits::MAX_KEY_BYTES {
                errors.push((
                    key.clone(),
                    "KeyTooLongError",
                    "Your key is too long".into(),
                ));
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
        for key in keys
            .iter()
            .filter(|k| !errors.iter().any(|(e, _, _)| e == *k))
        {
            w.open("Deleted").elem("Key", key).close("Deleted");
        }
    }
    for (key, code, message) in &errors {
        w.open("Error")
            .elem("Key", key)
            .elem("Code", code)
            .elem("Message", message)
            .close("Error");
    }
    w.close("DeleteResult");
    Ok(xml(w.finish()))
}
