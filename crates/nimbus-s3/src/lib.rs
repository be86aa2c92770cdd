//! Amazon S3 for nimbus: the restXml wire codec, an object store (content in files named by
//! internal ids, metadata in memory and SQLite), and event notifications delivered through a
//! durable outbox.
//!
//! - [`addressing`]: bucket and key from virtual-hosted `Host` headers or the path;
//! - [`ops`]: which operation a request is ([`ops::classify`]) and the operations, one
//!   module per group;
//! - [`body`]: receiving content in every encoding current SDKs send (aws-chunked, trailer
//!   checksums, signed chunks), verified as it streams;
//! - [`engine`]: the buckets, objects and uploads behind typed calls (locking, effects,
//!   commits, notifications), knowing no HTTP;
//! - [`store`]: the state, its SQLite persistence and the blobs;
//! - [`notify`]: notification configurations, event records, the outbox;
//! - [`object_reader`]: objects read by other services through `core::bus::objects` (Lambda
//!   code packages from S3);
//! - [`error`]: [`error::S3Error`], mapped once into `ServiceError`.

pub mod acl;
pub mod addressing;
pub mod body;
pub mod checksum;
pub mod engine;
pub mod error;
pub mod etag;
pub mod limits;
pub mod metrics;
pub mod model;
pub mod notify;
pub mod object_reader;
pub mod ops;
pub mod store;
pub mod xmlin;

use std::sync::Arc;

use async_trait::async_trait;
use nimbus_core::ServiceEnv;
use nimbus_wire::{
    Auth, Bindings, BodyLimit, OpInfo, Protocol, Request, RequestHead, Response, Service,
    ServiceError, ServiceId,
};

use crate::engine::Engine;
use crate::ops::{Call, Found, Op, Query};

/// [`OpInfo::index`] of the operations nimbus models but does not implement.
const NOT_IMPLEMENTED: u16 = u16::MAX;

/// Who may send `op`: a CORS preflight may be unsigned (browsers never sign it, and any
/// signature it carries is ignored), and so may a browser-form upload, whose credential and
/// signature travel in the form ([`ops::post_object`] verifies them); everything else may be
/// signed or, as on AWS, unsigned: an anonymous request that the bucket's policy (or ACL)
/// must allow ([`ops::access`]).
fn auth_of(op: Op, headers: &http::HeaderMap) -> Auth {
    let form = || {
        headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim_start()
                    .get(..19)
                    .is_some_and(|p| p.eq_ignore_ascii_case("multipart/form-data"))
            })
    };
    match op {
        Op::PreflightRequest => Auth::Anonymous,
        Op::PostObject if form() => Auth::FormSigned,
        _ => Auth::SignedOrAnonymous,
    }
}

/// The S3 service as the gateway sees it.
pub struct S3Service {
    inner: Arc<Inner>,
}

/// Everything the operations share.
pub struct Inner {
    /// The environment.
    pub env: ServiceEnv,
    /// The buckets, objects and uploads, behind typed calls.
    pub engine: Engine,
}

impl S3Service {
    /// Opens S3's storage in `env` (loading what a previous run stored) and starts the
    /// notification delivery task.
    pub fn open(
        env: &ServiceEnv,
    ) -> Result<Arc<S3Service>, Box<dyn std::error::Error + Send + Sync>> {
        let inner = Arc::new(Inner {
            env: env.clone(),
            engine: Engine::open(env)?,
        });
        object_reader::register(env, &inner);
        env.bus
            .register_metric_source(Arc::new(metrics::S3Metrics::new(Arc::downgrade(&inner))));
        Ok(Arc::new(S3Service { inner }))
    }

    /// Notifications waiting for delivery (for tests and health).
    pub fn pending_notifications(&self) -> usize {
        self.inner.engine.pending_notifications()
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

    fn bindings(&self) -> Bindings {
        Bindings::new(Protocol::RestXml)
    }

    fn classify(&self, head: &RequestHead<'_>) -> Result<OpInfo, ServiceError> {
        // S3 Control: the account-level Block Public Access calls; a 501 for the rest.
        if let Some(found) = ops::public_access::s3_control_operation(
            head.method.as_str(),
            head.uri.path(),
            head.headers.contains_key("x-amz-account-id"),
        ) {
            let (name, index) = match found {
                Ok(op) => (op.name(), op.index()),
                Err(name) => (name, NOT_IMPLEMENTED),
            };
            return Ok(OpInfo {
                name,
                auth: Auth::Signed,
                body: BodyLimit::Stream,
                index,
            });
        }
        let (bucket, has_key) = addressing::shape(head.host, head.uri.path());
        let copy = head.headers.contains_key("x-amz-copy-source");
        let query = ops::RawQuery(head.uri.query());
        let found = ops::classify(head.method, query, bucket.as_deref(), has_key, copy);
        let (name, auth, index) = match found {
            Ok(Found::Served(op)) => (op.name(), auth_of(op, head.headers), op.index()),
            Ok(Found::NotImplemented(name)) => (name, Auth::Signed, NOT_IMPLEMENTED),
            Err(e) => {
                let mut err = ServiceError::from(e);
                let origin = head.headers.get("origin").and_then(|v| v.to_str().ok());
                let mut cors = ops::empty(http::StatusCode::OK);
                let method = head.method.as_str();
                ops::cors::decorate_parts(
                    &self.inner,
                    origin,
                    bucket.as_deref(),
                    method,
                    &mut cors,
                );
                err.headers
                    .extend(cors.headers().iter().map(|(k, v)| (k.clone(), v.clone())));
                return Err(err);
            }
        };
        Ok(OpInfo {
            name,
            auth,
            body: BodyLimit::Stream,
            index,
        })
    }

    async fn call(&self, info: OpInfo, req: Request) -> Result<Response, ServiceError> {
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
        let op = Op::from_index(info.index);
        // Request metrics: only when CloudWatch runs and the bucket has a configuration.
        let metered = match (op, call.bucket.as_deref()) {
            (Some(op), Some(b)) if op != Op::PreflightRequest => {
                self.inner.request_metrics_for(b).map(|c| {
                    (
                        op,
                        c,
                        std::time::Instant::now(),
                        self.inner.env.clock.now_millis(),
                    )
                })
            }
            _ => None,
        };
        let result = match op {
            Some(op) => match ops::access::authorize(&self.inner, op, &call) {
                Ok(()) => op.call(&self.inner, &mut call).await,
                Err(e) => Err(e),
            }
            .map_err(|e| match ops::public_access::is_s3_control(op) {
                true => error::S3Error::Control(Box::new(e)),
                false => e,
            }),
            None => ops::unimplemented::not_implemented(info.name),
        };
        if let Some((op, configs, started, at)) = metered {
            self.meter(op, &configs, &call, &result, started, at);
        }
        let preflight = info.index == Op::PreflightRequest.index();
        match result {
            Ok(mut resp) => {
                if !preflight {
                    ops::cors::decorate(&self.inner, &call, &mut resp);
                }
                Ok(resp)
            }
            Err(e) => {
                let mut err = ServiceError::from(e);
                if !preflight {
                    let mut cors = ops::empty(http::StatusCode::OK);
                    ops::cors::decorate(&self.inner, &call, &mut cors);
                    err.headers
                        .extend(cors.headers().iter().map(|(k, v)| (k.clone(), v.clone())));
                }
                Err(err)
            }
        }
    }

    async fn shutdown(&self) {
        self.inner.engine.shutdown().await;
    }
}

impl S3Service {
    /// Publishes a finished request's metrics (see [`metrics`]).
    fn meter(
        &self,
        op: Op,
        configs: &[model::MetricsConfiguration],
        call: &Call,
        result: &Result<Response, error::S3Error>,
        started: std::time::Instant,
        at: u64,
    ) {
        let length = |h: &http::HeaderMap| {
            h.get("x-amz-decoded-content-length")
                .or_else(|| h.get(http::header::CONTENT_LENGTH))
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        let (status, bytes_out) = match result {
            Ok(r) if op == Op::HeadObject => (r.status().as_u16(), 0),
            Ok(r) => (r.status().as_u16(), length(r.headers())),
            Err(e) => (ServiceError::from(e.clone()).status.as_u16(), 0),
        };
        let facts = metrics::RequestFacts {
            op,
            bucket: call.bucket.as_deref().unwrap_or_default(),
            key: call.key.as_deref(),
            status,
            bytes_in: length(&call.headers),
            bytes_out,
            latency_ms: started.elapsed().as_secs_f64() * 1000.0,
            at,
        };
        self.inner.publish_request(configs, &facts);
    }
}
