//! S3's engine: the buckets, objects and uploads behind typed calls, between the restXml
//! codec ([`crate::ops`]) and storage ([`crate::store`]). It knows no HTTP and no wire
//! crate: callers hand it parsed inputs ([`nimbus_core::RequestContext`], keys, metadata,
//! [`objects::Preconditions`]…) and render what it returns.
//!
//! Every mutating call follows one discipline, which is S3's durability contract:
//! 1. take the state's write lock, look the bucket (and object or upload) up, check;
//! 2. apply the change in memory (metadata is cloned, changed and swapped in as a new
//!    `Arc`) and, under the same lock, submit the matching [`Effect`]s with the outbox rows
//!    of the notifications it causes, so commits follow the order of changes;
//! 3. release the lock and wait for the commit (`finish_change`); only then hand
//!    the notifications to the outbox, remove the blobs the change made unreachable and
//!    return, so an operation is acknowledged only once its effect is committed.
//!
//! Object content is written to a blob before the call that names it (large blobs are files
//! made durable per `--durability` by then; small ones commit in the same transaction as
//! their metadata).
//! A call that fails after receiving content removes the new blob.
//!
//! Per-bucket state lives in [`crate::model::BucketInfo`], read with [`Engine::bucket_info`]
//! and changed with [`Engine::update_bucket`] (one `PutBucket` effect). Settings to come
//! (versioning status, object lock, ACLs, lifecycle) belong there, and the calls that depend
//! on them (see [`version_id`]) read them under the same lock as the object they act on.
//!
//! One module per group of operations: [`access`] (what authorization reads), [`buckets`],
//! [`bucket_config`], [`objects`], [`copy`], [`multipart`], [`tagging`], [`listing`],
//! [`acl`] (ACLs, Object Ownership, Block Public Access); [`events`] builds notifications
//! and [`version_id`] decides what a version id names.

pub mod access;
pub mod acl;
pub mod bucket_config;
pub mod buckets;
pub mod copy;
pub mod events;
pub mod listing;
pub mod metrics;
pub mod multipart;
pub mod objects;
pub mod tagging;
pub mod version_id;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use nimbus_core::ServiceEnv;

use crate::error::{S3Error, S3Result};
use crate::model::{Bucket, BucketInfo};
use crate::notify::outbox::{Delivery, Outbox};
use crate::store::blobs::BlobWriter;
use crate::store::db::{Ack, Effect};
use crate::store::{State, Store};

/// The bucket `name` in the store's state, or `NoSuchBucket`.
fn existing_bucket<'s>(state: &'s State, name: &str) -> S3Result<&'s Bucket> {
    state
        .buckets
        .get(name)
        .ok_or_else(|| S3Error::NoSuchBucket(name.to_owned()))
}

/// The bucket `name` in the store's state, to change, or `NoSuchBucket`.
fn existing_bucket_mut<'s>(state: &'s mut State, name: &str) -> S3Result<&'s mut Bucket> {
    state
        .buckets
        .get_mut(name)
        .ok_or_else(|| S3Error::NoSuchBucket(name.to_owned()))
}

/// A change submitted under the lock, to finish after it: its acknowledgement, the
/// notifications to hand over and the blobs to remove after the commit, and the call's
/// result.
struct Submitted<T> {
    ack: Ack,
    deliveries: Vec<(u64, Delivery)>,
    garbage: Vec<String>,
    out: T,
}

/// S3's state and the calls that read and change it.
pub struct Engine {
    env: ServiceEnv,
    store: Store,
    outbox: Arc<Outbox>,
    sequencer: AtomicU64,
}

impl Engine {
    /// Opens S3's storage in `env` (loading what a previous run stored) and, inside a Tokio
    /// runtime, starts the notification delivery task.
    pub fn open(env: &ServiceEnv) -> Result<Engine, Box<dyn std::error::Error + Send + Sync>> {
        let (store, pending) = Store::open(env)?;
        let outbox = Outbox::new(
            pending,
            env.clock.clone(),
            env.bus.clone(),
            store.db.clone(),
        );
        if tokio::runtime::Handle::try_current().is_ok() {
            outbox.start();
        }
        Ok(Engine {
            sequencer: AtomicU64::new(env.clock.now_millis() << 16),
            env: env.clone(),
            store,
            outbox,
        })
    }

    /// The current time, ms, from the injected clock.
    pub fn now_millis(&self) -> u64 {
        self.env.clock.now_millis()
    }

    /// Notifications waiting for delivery (for tests and health).
    pub fn pending_notifications(&self) -> usize {
        self.outbox.len()
    }

    /// Stops notification delivery and the storage writer (after its last commit).
    pub async fn shutdown(&self) {
        self.outbox.shutdown().await;
        self.store.db.shutdown().await;
    }

    /// A writer for new object or part content; the call that names the blob commits it.
    pub fn blob_writer(&self) -> BlobWriter {
        self.store.blobs.writer()
    }

    /// Removes a received blob that no call will name (an upload refused after its content
    /// was read).
    pub fn discard_blob(&self, blob: &str) {
        self.store.blobs.remove(&[blob.to_owned()]);
    }

    /// Waits for a change's commit, then hands its notifications to the outbox and removes
    /// the blobs it made unreachable.
    async fn finish_change(
        &self,
        ack: Ack,
        deliveries: Vec<(u64, Delivery)>,
        garbage: Vec<String>,
    ) -> S3Result<()> {
        ack.wait().await?;
        self.outbox.enqueue(deliveries);
        if !garbage.is_empty() {
            self.store.blobs.remove(&garbage);
        }
        Ok(())
    }

    /// Commits a change that wrote `blob` (submitted as `submitted`): on success waits for
    /// the commit and then lets the blob's staged content go; on failure removes the blob.
    async fn finish_with_blob<T>(
        &self,
        blob: &str,
        submitted: S3Result<Submitted<T>>,
    ) -> S3Result<T> {
        match submitted {
            Ok(Submitted {
                ack,
                deliveries,
                garbage,
                out,
            }) => {
                let done = self.finish_change(ack, deliveries, garbage).await;
                self.store.blobs.unstage(blob);
                done.map(|()| out)
            }
            Err(e) => {
                self.store.blobs.remove(&[blob.to_owned()]);
                Err(e)
            }
        }
    }

    /// Submits `effects` (call it under the state's write lock).
    fn submit(&self, effects: Vec<Effect>) -> Ack {
        self.store.db.submit(effects)
    }

    /// Runs `f` on the bucket `name` under the read lock.
    fn with_bucket<T>(&self, name: &str, f: impl FnOnce(&Bucket) -> S3Result<T>) -> S3Result<T> {
        let state = self.store.state.read();
        let b = existing_bucket(&state, name)?;
        f(b)
    }

    /// Checks that the bucket `name` exists (`NoSuchBucket`).
    pub fn check_bucket(&self, name: &str) -> S3Result<()> {
        self.with_bucket(name, |_| Ok(()))
    }

    /// Reads the settings of the bucket `name` with `f`, under the read lock.
    pub fn bucket_info<T>(
        &self,
        name: &str,
        f: impl FnOnce(&BucketInfo) -> S3Result<T>,
    ) -> S3Result<T> {
        self.with_bucket(name, |b| f(&b.info))
    }

    /// Applies `f` to the settings of the bucket `name` under the write lock and commits
    /// them (with the outbox rows of `deliveries`).
    pub async fn update_bucket(
        &self,
        name: &str,
        deliveries: Vec<(u64, Delivery)>,
        f: impl FnOnce(&mut BucketInfo) -> S3Result<()>,
    ) -> S3Result<()> {
        let ack = {
            let mut state = self.store.state.write();
            let b = existing_bucket_mut(&mut state, name)?;
            let mut info = b.info.clone();
            f(&mut info)?;
            let mut effects = vec![crate::store::put_bucket(&info)];
            effects.extend(deliveries.iter().map(|(id, d)| Outbox::effect(*id, d)));
            b.info = info;
            self.submit(effects)
        };
        self.finish_change(ack, deliveries, Vec::new()).await
    }
}
