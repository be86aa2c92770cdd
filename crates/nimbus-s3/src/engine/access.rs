//! What S3's authorization point ([`crate::ops::access`]) reads about a bucket: its owner,
//! its compiled policy, its tags and the object a request names, under one read lock so
//! the decision sees one state.

use super::{Engine, existing_bucket};
use crate::error::S3Result;
use crate::model::Bucket;

impl Engine {
    /// Runs `f` on the bucket `name` (its settings and objects) under the read lock
    /// (`NoSuchBucket` when there is none). `f` must not call back into the engine.
    pub fn with_bucket_view<T>(&self, name: &str, f: impl FnOnce(&Bucket) -> T) -> S3Result<T> {
        let state = self.store.state.read();
        let b = existing_bucket(&state, name)?;
        Ok(f(b))
    }
}
