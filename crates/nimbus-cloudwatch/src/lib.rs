//! Amazon CloudWatch (metrics and alarms) for nimbus.
//!
//! - [`metrics`]: the metric store. Every datum, whether a client's `PutMetricData` or a
//!   service's own (`AWS/SQS`, `AWS/Lambda`, `AWS/S3`, through `nimbus_core::bus::metrics`), is
//!   aggregated per metric and per period in memory and persisted; statistics, `GetMetricData`
//!   series and `ListMetrics` are answered from it. Bounded in series and retention.
//! - [`alarms`]: metric alarms, evaluated on the sandbox clock, with their state history and
//!   actions (a Lambda function invoked for real through the bus).
//! - [`ops`]: the API on its three protocols (awsJson1_0, Smithy RPC v2 CBOR, awsQuery).
//! - [`error`]: CloudWatch's one error, mapped once to the wire.
//!
//! [`CloudWatchService`] is the `Service` the gateway routes `monitoring` requests to.

pub mod alarms;
pub mod error;
pub mod metrics;
pub mod ops;

use std::sync::Arc;

use async_trait::async_trait;
use nimbus_core::ServiceEnv;
use nimbus_wire::error::ErrorStyle;
use nimbus_wire::{
    Auth, Bindings, BodyLimit, OpInfo, Protocol, Request, RequestHead, Response, Service,
    ServiceError, ServiceId,
};

use crate::alarms::Alarms;
use crate::error::{CloudWatchError, CloudWatchErrorCode};
use crate::metrics::MetricStore;
use crate::ops::{Call, Op};

/// Largest request body, inflated when it comes gzip: PutMetricData's 1 MB.
pub const MAX_REQUEST_BODY: usize = 1_048_576;

/// CloudWatch: the metric store and the operations on it.
pub struct CloudWatchService {
    env: ServiceEnv,
    store: Arc<MetricStore>,
    /// Whether the store is the bus's metric sink (a test may have registered a recorder
    /// of its own first, and then samples the services itself).
    is_sink: bool,
    alarms: Arc<Alarms>,
}

impl CloudWatchService {
    /// Opens the metric store and makes it the bus's metric sink (services look the sink up
    /// when they record). Call [`CloudWatchService::start`] once every service is open and
    /// has registered its counters and gauges.
    pub fn open(env: &ServiceEnv) -> Result<Arc<CloudWatchService>, CloudWatchError> {
        let store = MetricStore::open(env)?;
        let is_sink = env.bus.metrics().is_none();
        if is_sink {
            env.bus.register_metrics(store.clone());
        }
        let alarms = Alarms::open(env, store.clone())?;
        Ok(Arc::new(CloudWatchService {
            env: env.clone(),
            store,
            is_sink,
            alarms,
        }))
    }

    /// Starts sampling the services' counters and gauges each clock minute, when the store
    /// is the bus's sink: a sink registered before CloudWatch opened (a test's recorder)
    /// samples the services itself, and sampling takes the counters it reads. Starts
    /// evaluating the alarms.
    pub fn start(&self) {
        if self.is_sink {
            self.store.spawn_sampler(&self.env);
        }
        self.alarms.spawn_scheduler();
    }

    /// The alarm engine.
    pub fn alarms(&self) -> &Arc<Alarms> {
        &self.alarms
    }

    /// The metric store.
    pub fn store(&self) -> &Arc<MetricStore> {
        &self.store
    }

    /// The service's environment (clock, bus, region).
    pub fn env(&self) -> &ServiceEnv {
        &self.env
    }
}

#[async_trait]
impl Service for CloudWatchService {
    fn id(&self) -> ServiceId {
        ServiceId::CloudWatch
    }

    fn bindings(&self) -> Bindings {
        Bindings {
            json_target: Some((ops::TARGET_PREFIX, Protocol::AwsJson1_0)),
            query_actions: Op::QUERY_ACTIONS,
            rpc_v2_service: Some(ops::TARGET_PREFIX),
            request_compression: true,
            ..Bindings::new(Protocol::AwsQuery)
        }
    }

    fn body_limit(&self) -> BodyLimit {
        BodyLimit::Buffer(MAX_REQUEST_BODY)
    }

    fn body_too_large(&self) -> ServiceError {
        CloudWatchError::new(
            CloudWatchErrorCode::RequestEntityTooLarge,
            format!("Request size exceeded {MAX_REQUEST_BODY} bytes"),
        )
        .into()
    }

    fn error_style(&self, _: &ServiceError) -> ErrorStyle {
        ErrorStyle {
            json_namespace: Some("com.amazonaws.cloudwatch"),
            query_xmlns: Some(ops::XMLNS),
            json_capital_message: false,
        }
    }

    fn classify(&self, head: &RequestHead<'_>) -> Result<OpInfo, ServiceError> {
        let op = ops::classify(head.protocol, head.operation)?;
        Ok(op.info(Auth::Signed, BodyLimit::Buffer(MAX_REQUEST_BODY)))
    }

    async fn call(&self, info: OpInfo, req: Request) -> Result<Response, ServiceError> {
        let op = Op::from_index(info.index).ok_or_else(|| {
            ServiceError::internal(format!("no CloudWatch operation {}", info.name))
        })?;
        let mut call = Call::from_request(op, req);
        Ok(op.call(self, &mut call).await?)
    }

    fn prometheus_text(&self) -> Option<String> {
        Some(self.store.prometheus_text())
    }

    async fn shutdown(&self) {
        self.alarms.shutdown();
        self.store.shutdown().await;
    }
}
