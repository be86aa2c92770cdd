//! S3's state: every bucket's metadata in memory (for fast lookups and listings), made
//! durable in SQLite ([`db`]), with object content in blobs ([`blobs`]).
//!
//! Requests reach it only through the engine ([`crate::engine`]). A mutating call takes the
//! state's write lock, checks and applies its change, submits the matching [`db::Effect`]s
//! (and outbox rows) to the writer while still holding the lock (so commits follow the
//! order of changes), releases the lock, waits for the commit, and only then answers and
//! removes blobs the change made unreachable.

pub mod blobs;
pub mod db;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use nimbus_core::ServiceEnv;
use parking_lot::RwLock;

use crate::model::{AccountSettings, Bucket, BucketInfo, ObjectMeta, Part, Upload};
use crate::notify::outbox::Delivery;
use blobs::Blobs;
use db::{Db, Effect};

/// Every bucket, by name.
#[derive(Default)]
pub struct State {
    /// The buckets.
    pub buckets: HashMap<String, Bucket>,
    /// Each account's S3 settings (S3 Control's account-level Block Public Access), for
    /// accounts that have any.
    pub accounts: HashMap<String, AccountSettings>,
}

/// The state, its storage and the blobs.
pub struct Store {
    /// The in-memory state.
    pub state: RwLock<State>,
    /// The durable store.
    pub db: Arc<Db>,
    /// Object content.
    pub blobs: Arc<Blobs>,
}

/// What [`Store::open`] found besides the state: notifications still to deliver.
pub type PendingOutbox = Vec<(u64, Delivery)>;

impl Store {
    /// Opens the store for `env` (`<data-dir>/s3/`, or memory).
    pub fn open(
        env: &ServiceEnv,
    ) -> Result<(Store, PendingOutbox), Box<dyn std::error::Error + Send + Sync>> {
        let Some(dir) = env.storage.service_dir("s3")? else {
            return Ok((
                Store {
                    state: RwLock::new(State::default()),
                    db: Arc::new(Db::in_memory()),
                    blobs: Arc::new(Blobs::memory()),
                },
                Vec::new(),
            ));
        };
        let (db, loaded) = db::open(&dir, env.storage.durability)?;
        let db = Arc::new(db);
        let next_inline = loaded.inline_blobs.iter().max().map_or(0, |n| n + 1);
        let blobs = Blobs::open(&dir, env.storage.durability, db.clone(), next_inline)?;
        let mut state = State::default();
        let mut live = HashSet::new();
        for (name, json) in loaded.buckets {
            let info: BucketInfo = serde_json::from_str(&json)?;
            state.buckets.insert(
                name,
                Bucket {
                    info,
                    objects: BTreeMap::new(),
                    uploads: BTreeMap::new(),
                },
            );
        }
        for (bucket, key, json) in loaded.objects {
            let meta: ObjectMeta = serde_json::from_str(&json)?;
            if let Some(b) = state.buckets.get_mut(&bucket) {
                live.insert(meta.blob.clone());
                b.objects.insert(key, Arc::new(meta));
            }
        }
        for (account, json) in loaded.accounts {
            state.accounts.insert(account, serde_json::from_str(&json)?);
        }
        for b in state.buckets.values_mut() {
            b.info.account_public_access_block = state
                .accounts
                .get(&b.info.account)
                .and_then(|a| a.public_access_block);
        }
        let mut upload_bucket = HashMap::new();
        for (id, bucket, json) in loaded.uploads {
            let upload: Upload = serde_json::from_str(&json)?;
            if let Some(b) = state.buckets.get_mut(&bucket) {
                upload_bucket.insert(id.clone(), bucket);
                b.uploads.insert(id, upload);
            }
        }
        for (upload_id, number, json) in loaded.parts {
            let part: Part = serde_json::from_str(&json)?;
            let Some(bucket) = upload_bucket.get(&upload_id) else {
                continue;
            };
            if let Some(u) = state
                .buckets
                .get_mut(bucket)
                .and_then(|b| b.uploads.get_mut(&upload_id))
            {
                live.insert(part.blob.clone());
                u.parts.insert(number, Arc::new(part));
            }
        }
        let removed = blobs.collect_garbage(&live);
        if removed > 0 {
            tracing::info!(removed, "removed S3 blobs left by an interrupted write");
        }
        // Small blobs commit with the metadata naming them, so none should be unnamed; a
        // removal that was lost in a crash leaves one.
        let orphans: Vec<Effect> = loaded
            .inline_blobs
            .into_iter()
            .filter(|n| !live.contains(&blobs::inline_id(*n)))
            .map(Effect::DeleteBlob)
            .collect();
        if !orphans.is_empty() {
            tracing::info!(removed = orphans.len(), "removing unnamed small S3 blobs");
            db.submit_background(orphans);
        }
        let mut outbox = Vec::new();
        for (id, json) in loaded.outbox {
            match serde_json::from_str::<Delivery>(&json) {
                Ok(d) => outbox.push((id, d)),
                Err(e) => tracing::error!(id, error = %e, "unreadable S3 outbox row"),
            }
        }
        Ok((
            Store {
                state: RwLock::new(state),
                db,
                blobs: Arc::new(blobs),
            },
            outbox,
        ))
    }
}

/// The effect storing a bucket's settings.
pub fn put_bucket(info: &BucketInfo) -> Effect {
    Effect::PutBucket {
        name: info.name.clone(),
        json: serde_json::to_string(info).unwrap_or_default(),
    }
}

/// The effect storing an object.
pub fn put_object(bucket: &str, key: &str, meta: &ObjectMeta) -> Effect {
    Effect::PutObject {
        bucket: bucket.to_owned(),
        key: key.to_owned(),
        json: serde_json::to_string(meta).unwrap_or_default(),
    }
}

/// The effect removing an object.
pub fn delete_object(bucket: &str, key: &str) -> Effect {
    Effect::DeleteObject {
        bucket: bucket.to_owned(),
        key: key.to_owned(),
    }
}

/// The effect storing an upload.
pub fn put_upload(bucket: &str, upload: &Upload) -> Effect {
    Effect::PutUpload {
        id: upload.id.clone(),
        bucket: bucket.to_owned(),
        json: serde_json::to_string(upload).unwrap_or_default(),
    }
}

/// The effect storing a part.
pub fn put_part(upload_id: &str, number: u32, part: &Part) -> Effect {
    Effect::PutPart {
        upload_id: upload_id.to_owned(),
        number,
        json: serde_json::to_string(part).unwrap_or_default(),
    }
}
