//! Object tags: read and replaced as a whole on the object (its null version: see
//! [`super::version_id`]).

use std::sync::Arc;

use super::{Engine, existing_bucket_mut, version_id};
use crate::error::{S3Error, S3Result};
use crate::store;

impl Engine {
    /// The tags of `key` in `bucket`; `version` is the request's version id, if any.
    pub fn object_tags(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&str>,
    ) -> S3Result<Vec<(String, String)>> {
        self.with_bucket(bucket, |b| {
            version_id::check_query(version)?;
            b.objects
                .get(key)
                .map(|o| o.tags.clone())
                .ok_or_else(|| S3Error::NoSuchKey(key.to_owned()))
        })
    }

    /// Replaces the tags of `key` in `bucket` (already validated; empty removes them);
    /// `version` is the request's version id, if any.
    pub async fn put_object_tags(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&str>,
        tags: Vec<(String, String)>,
    ) -> S3Result<()> {
        let ack = {
            let mut state = self.store.state.write();
            let b = existing_bucket_mut(&mut state, bucket)?;
            version_id::check_query(version)?;
            let o = b
                .objects
                .get_mut(key)
                .ok_or_else(|| S3Error::NoSuchKey(key.to_owned()))?;
            let mut meta = (**o).clone();
            meta.tags = tags;
            let effect = store::put_object(bucket, key, &meta);
            *o = Arc::new(meta);
            self.submit(vec![effect])
        };
        self.finish_change(ack, Vec::new(), Vec::new()).await
    }
}
