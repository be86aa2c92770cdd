//! Amazon S3 for nimbus: the restXml wire codec, an object store (content in files named by
//! internal ids, metadata in memory and SQLite), and event notifications delivered through a
//! durable outbox.
//!
//! - [`addressing`]: bucket and key from virtual-hosted `Host` headers or the path;
//! - [`ops`]: which operation a request is ([`ops::classify`]) and the operations, one
//!   module per group;
//! - [`body`]: receiving content in every encoding current SDKs send (aws-chunked, trailer
//!   checksums, signed chunks), verified as it streams;
//! - [`store`]: the state, its SQLite persistence and the blobs;
//! - [`notify`]: notification configurations, event records, the outbox;
//! - [`object_reader`]: objects read by other services through `core::bus::objects` (Lambda
//!   code packages from S3);
//! - [`error`]: [`error::S3Error`], mapped once into `ServiceError`.

pub mod addressing;
pub mod body;
pub mod checksum;
pub mod error;
pub mod etag;
pub mod limits;
pub mod model;
pub mod notify;
pub mod object_reader;
pub mod ops;
pub mod store;
pub mod xmlin;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use nimbus_core::ServiceEnv;
use nimbus_wire::error::{ErrorStyle, render};
use nimbus_wire::service::OperationName;
use nimbus_wire::{BodyLimit, Request, Response, Service, ServiceError, ServiceId};

use crate::error::S3Result;
use crate::model::Bucket;
use crate::notify::config::DestinationKind;
use crate::notify::event::{EventInfo, message};
use crate::notify::outbox::{Delivery, Outbox};
use crate::ops::{Call, Op, Query};
use crate::store::Store;
use crate::store::db::Effect;

/// The S3 service as the gateway sees it.
pub struct S3Service {
    inner: Arc<Inner>,
}

/// Everything the operations share.
pub struct Inner {
    /// The environment.
    pub env: ServiceEnv,
    /// State, storage and blobs.
    pub store: Store,
    /// Notification delivery.
    pub outbox: Arc<Outbox>,
    sequencer: AtomicU64,
}

impl S3Service {
    /// Opens S3's storage in `env` (loading what a previous run stored) and starts the
    /// notification delivery task.
    pub fn open(
        env: &ServiceEnv,
    ) -> Result<Arc<S3Service>, Box<dyn std::error::Error + Send + Sync>> {
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
        let inner = Arc::new(Inner {
            sequencer: AtomicU64::new(env.clock.now_millis() << 16),
            env: env.clone(),
            store,
            outbox,
        });
        object_reader::register(env, &inner);
        Ok(Arc::new(S3Service { inner }))
    }

    /// Notifications waiting for delivery (for tests and health).
    pub fn pending_notifications(&self) -> usize {
        self.inner.outbox.len()
    }
}

/// The events one change causes: the outbox rows to commit with it and the deliveries to
/// hand to the outbox after the commit.
#[derive(Default)]
pub struct Events {
    /// Outbox rows, committed with the change.
    pub effects: Vec<Effect>,
    /// The same deliveries with their ids.
    pub deliveries: Vec<(u64, Delivery)>,
}

/// What one event is about, for [`Inner::events`].
pub struct EventSpec<'a> {
    /// `s3:ObjectCreated:Put`…
    pub name: &'a str,
    /// The key.
    pub key: &'a str,
    /// Size, for created events.
    pub size: Option<u64>,
    /// ETag without quotes, for created events.
    pub etag: Option<&'a str>,
}

impl Inner {
    /// The next event sequencer: 16 upper-case hex digits, increasing.
    fn next_sequencer(&self) -> String {
        let floor = self.env.clock.now_millis() << 16;
        self.sequencer.fetch_max(floor, Ordering::SeqCst);
        format!("{:016X}", self.sequencer.fetch_add(1, Ordering::SeqCst))
    }

    /// The events `spec` causes in `bucket` under its notification configuration. Call it
    /// under the state lock and submit the effects with the change.
    pub fn events(&self, bucket: &Bucket, call: &Call, spec: &EventSpec<'_>) -> Events {
        let mut out = Events::default();
        let Some(cfg) = &bucket.info.notification else {
            return out;
        };
        let matching: Vec<_> = cfg
            .targets
            .iter()
            .filter(|t| t.matches(spec.name, spec.key))
            .collect();
        if matching.is_empty() {
            return out;
        }
        let sequencer = self.next_sequencer();
        let principal = call.principal();
        let source_ip = call.ctx.source_ip.to_string();
        let info = EventInfo {
            name: spec.name.strip_prefix("s3:").unwrap_or(spec.name),
            bucket: &bucket.info.name,
            bucket_owner: &bucket.info.account,
            key: spec.key,
            size: spec.size,
            etag: spec.etag,
            sequencer: &sequencer,
            region: &bucket.info.region,
            time_millis: self.env.clock.now_millis(),
            principal: &principal,
            source_ip: &source_ip,
            request_id: &call.ctx.request_id,
            host_id: &call.ctx.request_id,
        };
        for t in matching {
            match t.kind {
                DestinationKind::Queue => {}
                DestinationKind::Function if self.env.bus.functions().is_ok() => {}
                DestinationKind::Function => {
                    tracing::warn!(bucket = %bucket.info.name, function = %t.arn,
                        "Lambda is not running in this sandbox; S3 event not delivered");
                    continue;
                }
                DestinationKind::Topic => {
                    tracing::warn!(bucket = %bucket.info.name, topic = %t.arn,
                        "nimbus does not serve SNS; S3 event not delivered");
                    continue;
                }
            }
            let delivery = Delivery {
                kind: t.kind,
                arn: t.arn.clone(),
                body: message(&info, &t.id),
                attempts: 0,
            };
            let id = self.outbox.allocate_id();
            out.effects.push(Outbox::effect(id, &delivery));
            out.deliveries.push((id, delivery));
        }
        out
    }

    async fn dispatch(&self, op: Op, call: &mut Call) -> S3Result<Response> {
        use ops::*;
        match op {
            Op::ListBuckets => buckets::list_buckets(self, call).await,
            Op::CreateBucket => buckets::create_bucket(self, call).await,
            Op::HeadBucket => buckets::head_bucket(self, call).await,
            Op::DeleteBucket => buckets::delete_bucket(self, call).await,
            Op::GetBucketLocation => buckets::get_bucket_location(self, call).await,
            Op::GetBucketTagging => bucket_config::get_bucket_tagging(self, call).await,
            Op::PutBucketTagging => bucket_config::put_bucket_tagging(self, call).await,
            Op::DeleteBucketTagging => bucket_config::delete_bucket_tagging(self, call).await,
            Op::GetBucketPolicy => bucket_config::get_bucket_policy(self, call).await,
            Op::PutBucketPolicy => bucket_config::put_bucket_policy(self, call).await,
            Op::DeleteBucketPolicy => bucket_config::delete_bucket_policy(self, call).await,
            Op::GetBucketCors => bucket_config::get_bucket_cors(self, call).await,
            Op::PutBucketCors => bucket_config::put_bucket_cors(self, call).await,
            Op::DeleteBucketCors => bucket_config::delete_bucket_cors(self, call).await,
            Op::GetBucketVersioning => bucket_config::get_bucket_versioning(self, call).await,
            Op::GetBucketAcl => bucket_config::get_bucket_acl(self, call).await,
            Op::GetBucketEncryption => bucket_config::get_bucket_encryption(self, call).await,
            Op::GetBucketNotificationConfiguration => notification::get(self, call).await,
            Op::PutBucketNotificationConfiguration => notification::put(self, call).await,
            Op::ListObjects => list::list_objects(self, call, false).await,
            Op::ListObjectsV2 => list::list_objects(self, call, true).await,
            Op::ListObjectVersions => list::list_object_versions(self, call).await,
            Op::ListMultipartUploads => multipart::list_uploads(self, call).await,
            Op::DeleteObjects => delete_objects::delete_objects(self, call).await,
            Op::PutObject => objects::put_object(self, call).await,
            Op::PostObject => post_object::post_object(self, call).await,
            Op::GetObject => objects::get_object(self, call, false).await,
            Op::HeadObject => objects::get_object(self, call, true).await,
            Op::DeleteObject => objects::delete_object(self, call).await,
            Op::CopyObject => copy::copy_object(self, call).await,
            Op::GetObjectTagging => tagging::get_object_tagging(self, call).await,
            Op::PutObjectTagging => tagging::put_object_tagging(self, call).await,
            Op::DeleteObjectTagging => tagging::delete_object_tagging(self, call).await,
            Op::GetObjectAcl => bucket_config::get_object_acl(self, call).await,
            Op::CreateMultipartUpload => multipart::create(self, call).await,
            Op::UploadPart => multipart::upload_part(self, call).await,
            Op::UploadPartCopy => copy::upload_part_copy(self, call).await,
            Op::CompleteMultipartUpload => multipart::complete(self, call).await,
            Op::AbortMultipartUpload => multipart::abort(self, call).await,
            Op::ListParts => multipart::list_parts(self, call).await,
            Op::PreflightRequest => cors::preflight(self, call).await,
            Op::NotImplemented(name) => unimplemented::not_implemented(name),
        }
    }
}

#[async_trait]
impl Service for S3Service {
    fn id(&self) -> ServiceId {
        ServiceId::S3
    }

    fn body_limit(&self) -> BodyLimit {
        BodyLimit::Stream
    }

    fn body_too_large(&self) -> ServiceError {
        error::S3Error::EntityTooLarge {
            proposed: 0,
            max: limits::MAX_PUT_SIZE,
        }
        .into()
    }

    fn error_style(&self) -> ErrorStyle {
        ErrorStyle::default()
    }

    async fn handle(&self, req: Request) -> Response {
        let head = req.method == http::Method::HEAD;
        let target = addressing::target(&req.ctx.host, req.uri.path());
        let mut call = Call {
            ctx: req.ctx,
            method: req.method,
            headers: req.headers,
            query: Query::parse(req.uri.query()),
            bucket: target.bucket,
            key: target.key,
            body: parking_lot::Mutex::new(Some(req.body)),
            chunk_verifier: req.chunk_verifier,
        };
        let protocol = req.protocol;
        let (name, result) = match ops::classify(&call) {
            // Under `--auth strict` the gateway lets through unsigned requests only for a
            // CORS preflight and a browser-form upload (whose form carries its signature).
            Ok(op)
                if self.inner.env.strict_auth
                    && call.ctx.access_key.is_none()
                    && !matches!(op, Op::PreflightRequest | Op::PostObject) =>
            {
                (
                    op.name(),
                    Err(error::S3Error::Other {
                        status: http::StatusCode::FORBIDDEN,
                        code: "AccessDenied",
                        message: "Access Denied".into(),
                    }),
                )
            }
            Ok(op) => (op.name(), self.inner.dispatch(op, &mut call).await),
            Err(e) => ("Unknown", Err(e)),
        };
        let mut resp = match result {
            Ok(r) => r,
            Err(e) => {
                let err: ServiceError = e.into();
                render(
                    protocol,
                    self.error_style(),
                    &err,
                    &call.ctx.request_id,
                    head,
                )
            }
        };
        if name != "PreflightRequest" {
            ops::cors::decorate(&self.inner, &call, &mut resp);
        }
        resp.extensions_mut().insert(OperationName(name));
        resp
    }

    async fn shutdown(&self) {
        self.inner.outbox.shutdown().await;
        self.inner.store.db.shutdown().await;
    }
}
