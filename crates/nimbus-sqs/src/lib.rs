//! Amazon SQS for nimbus: standard queues with every operation of the 2012-11-05 API, on
//! both wire protocols (awsJson 1.0 and awsQuery), durable in SQLite and fast.
//!
//! - [`engine`]: queues and messages in memory, per-queue locks and indexes, receipt
//!   handles, long polling;
//! - [`storage`]: SQLite with one writer thread and group commit;
//! - [`ops`]: one module per group of operations, each parsing both wire forms into a typed
//!   input and rendering a typed output;
//! - [`error`], [`message_attributes`], [`validate`], [`queue_attributes`]: AWS's errors,
//!   message attributes, the validation rules and the queue attributes' model;
//! - [`url`]: queue URLs.

pub mod consumer;
pub mod engine;
pub mod error;
pub mod message_attributes;
pub mod metrics;
pub mod ops;
pub mod queue_attributes;
pub mod storage;
pub mod url;
pub mod validate;

use std::sync::Arc;

use async_trait::async_trait;
use nimbus_core::access::{self, Caller, RequestFacts, Resource};
use nimbus_core::bus::{DeliveryError, DeliverySource, MessageAttribute, QueueDelivery};
use nimbus_core::{Arn, ServiceEnv};
use nimbus_wire::error::ErrorStyle;
use nimbus_wire::{
    Auth, Bindings, BodyLimit, OpInfo, Protocol, Request, RequestHead, Response, Service,
    ServiceError, ServiceId,
};

use crate::engine::Engine;
use crate::engine::messages::Outgoing;
use crate::engine::queue::Queue;
use crate::error::SqsError;
use crate::ops::{Call, Op};

/// The largest request body accepted: a SendMessageBatch carrying the 1 MiB maximum of
/// payload, with every byte form-encoded (`%XX`) or JSON-escaped, and its envelope.
pub const MAX_REQUEST_BODY: usize = 4 * 1024 * 1024;

/// The SQS service as the gateway sees it.
pub struct SqsService {
    env: ServiceEnv,
    engine: Engine,
    me: std::sync::Weak<SqsService>,
}

impl SqsService {
    /// Opens SQS's storage in `env` (loading every queue and message), and registers the
    /// service on the bus so S3 and Lambda can deliver to queues.
    pub fn open(
        env: &ServiceEnv,
    ) -> Result<Arc<SqsService>, Box<dyn std::error::Error + Send + Sync>> {
        let engine = match env.storage.service_dir("sqs")? {
            Some(dir) => Engine::open(env.clock.clone(), &dir, env.storage.durability)?,
            None => Engine::in_memory(env.clock.clone()),
        };
        let svc = Arc::new_cyclic(|me| SqsService {
            env: env.clone(),
            engine,
            me: me.clone(),
        });
        env.bus.register_queues(svc.clone());
        env.bus
            .register_queue_consumer(Arc::new(consumer::Consumer::new(&svc)));
        // CloudWatch (when it runs) samples every queue's metrics each clock minute.
        env.bus
            .register_metric_source(Arc::new(metrics::SqsMetrics::new(Arc::downgrade(&svc))));
        // Message move tasks that were running when the service stopped resume.
        for id in svc.engine.running_move_tasks() {
            svc.spawn_move_task(id);
        }
        Ok(svc)
    }

    /// Runs message move task `id` in the background until it ends or the service stops.
    pub fn spawn_move_task(&self, id: String) {
        let Some(me) = self.me.upgrade() else {
            return;
        };
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(task = %id, "no runtime to run the SQS message move task on");
            return;
        };
        rt.spawn(async move {
            me.engine.run_move_task(&id).await;
        });
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The environment the service runs in.
    pub fn env(&self) -> &ServiceEnv {
        &self.env
    }

    /// Whether `source` may send to `queue` (`sqs:SendMessage` under the queue's policy). An
    /// AWS service needs the policy to allow its principal (with `aws:SourceArn` and
    /// `aws:SourceAccount` as the keys) under `--auth strict`, and always when its source
    /// belongs to another account; without `--auth strict` a service acting for the queue's
    /// own account needs nothing (as LocalStack does). An account is its root user: free in
    /// its own queues, granted by the policy elsewhere.
    pub fn delivery_allowed(
        &self,
        queue: &Queue,
        source: &DeliverySource,
    ) -> Result<(), DeliveryError> {
        self.bus_access(queue, source, "sqs:SendMessage")
    }

    /// Whether `source` may perform `action` on `queue` from inside the sandbox (a delivery,
    /// an event source mapping's reads), decided as [`SqsService::delivery_allowed`]
    /// describes.
    pub fn bus_access(
        &self,
        queue: &Queue,
        source: &DeliverySource,
        action: &str,
    ) -> Result<(), DeliveryError> {
        let owner = queue.key.account.as_str();
        let policy = queue.policy();
        let resource = Resource {
            arn: &queue.arn,
            owner,
            policy: policy.as_deref(),
        };
        let facts = RequestFacts {
            source_ip: None,
            region: &queue.key.region,
            now_millis: self.engine.now(),
        };
        let decided = match source {
            DeliverySource::Account(account) => {
                access::authorize(&Caller::root(account), &facts, action, resource, |_| {})
            }
            DeliverySource::Principal(caller) => {
                access::authorize(caller, &facts, action, resource, |_| {})
            }
            DeliverySource::Service(service) => {
                if !self.env.strict_auth && service.source_account.as_deref() == Some(owner) {
                    return Ok(());
                }
                access::authorize(
                    &Caller::service(&service.principal),
                    &facts,
                    action,
                    resource,
                    |keys| {
                        if let Some(arn) = &service.source_arn {
                            keys.insert("aws:SourceArn", arn.as_str());
                        }
                        if let Some(account) = &service.source_account {
                            keys.insert("aws:SourceAccount", account.as_str());
                        }
                    },
                )
            }
        };
        decided.map_err(|d| {
            tracing::warn!(queue = %queue.arn, reason = %d, "{action} on the queue refused by its policy");
            DeliveryError::AccessDenied(d.message())
        })
    }
}

#[async_trait]
impl Service for SqsService {
    fn id(&self) -> ServiceId {
        ServiceId::Sqs
    }

    fn body_limit(&self) -> BodyLimit {
        BodyLimit::Buffer(MAX_REQUEST_BODY)
    }

    fn body_too_large(&self) -> ServiceError {
        SqsError::invalid_parameter_value(
            "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.",
        )
        .into()
    }

    fn bindings(&self) -> Bindings {
        Bindings {
            json_target: Some(("AmazonSQS", Protocol::AwsJson1_0)),
            query_actions: Op::QUERY_ACTIONS,
            ..Bindings::new(Protocol::AwsQuery)
        }
    }

    fn error_style(&self, _: &ServiceError) -> ErrorStyle {
        ErrorStyle {
            json_namespace: Some("com.amazonaws.sqs"),
            query_xmlns: Some(ops::XMLNS),
            json_capital_message: false,
        }
    }

    fn classify(&self, head: &RequestHead<'_>) -> Result<OpInfo, ServiceError> {
        let op = ops::classify(head.protocol, head.operation)
            .map_err(|e| ServiceError::from(e.for_protocol(head.protocol)))?;
        Ok(op.info(Auth::Signed, BodyLimit::Buffer(MAX_REQUEST_BODY)))
    }

    async fn call(&self, info: OpInfo, req: Request) -> Result<Response, ServiceError> {
        let protocol = req.protocol;
        let op = Op::from_index(info.index)
            .ok_or_else(|| ServiceError::internal(format!("no SQS operation {}", info.name)))?;
        let mut call = Call::from_request(op, req);
        op.call(self, &mut call)
            .await
            .map_err(|e| ServiceError::from(e.for_protocol(protocol)))
    }

    async fn shutdown(&self) {
        self.engine.shutdown().await;
    }
}

#[async_trait]
impl QueueDelivery for SqsService {
    async fn queue_exists(&self, queue_arn: &Arn) -> bool {
        self.engine.queue_by_arn(queue_arn).is_some()
    }

    async fn permits(&self, queue_arn: &Arn, source: &DeliverySource) -> bool {
        match self.engine.queue_by_arn(queue_arn) {
            Some(queue) => self.delivery_allowed(&queue, source).is_ok(),
            None => false,
        }
    }

    async fn send_message(
        &self,
        queue_arn: &Arn,
        body: String,
        source: &DeliverySource,
    ) -> Result<String, DeliveryError> {
        let queue = self
            .engine
            .queue_by_arn(queue_arn)
            .ok_or_else(|| DeliveryError::NoSuchDestination(queue_arn.to_string()))?;
        self.delivery_allowed(&queue, source)?;
        validate::message_body(&body).map_err(|e| DeliveryError::Rejected(e.to_string()))?;
        let outgoing = Outgoing::plain(body, Arc::from(queue.key.account.as_str()));
        let id = outgoing.payload.id.to_string();
        let (mut results, ack) = self
            .engine
            .send(&queue, vec![outgoing])
            .map_err(|e| DeliveryError::NoSuchDestination(e.to_string()))?;
        if let Some(Err(e)) = results.pop() {
            return Err(DeliveryError::Rejected(e.to_string()));
        }
        ack.wait()
            .await
            .map_err(|e| DeliveryError::Rejected(e.to_string()))?;
        Ok(id)
    }

    async fn send_message_with_attributes(
        &self,
        queue_arn: &Arn,
        body: String,
        attributes: Vec<MessageAttribute>,
        source: &DeliverySource,
    ) -> Result<String, DeliveryError> {
        use crate::engine::message::{Payload, PayloadExtra};
        use crate::message_attributes::{
            MessageAttributeValue, MessageAttributes, md5_of_message_attributes,
        };
        let queue = self
            .engine
            .queue_by_arn(queue_arn)
            .ok_or_else(|| DeliveryError::NoSuchDestination(queue_arn.to_string()))?;
        self.delivery_allowed(&queue, source)?;
        validate::message_body(&body).map_err(|e| DeliveryError::Rejected(e.to_string()))?;
        let attrs: MessageAttributes = attributes
            .into_iter()
            .map(|a| {
                let v = if a.data_type == "Number" {
                    MessageAttributeValue::number(a.value)
                } else {
                    MessageAttributeValue::string(a.value)
                };
                (a.name, v)
            })
            .collect();
        message_attributes::validate(&attrs).map_err(|e| DeliveryError::Rejected(e.to_string()))?;
        let extra = PayloadExtra {
            md5_of_attributes: (!attrs.is_empty()).then(|| md5_of_message_attributes(&attrs)),
            attributes: attrs,
            ..PayloadExtra::default()
        };
        let size = body.len() + message_attributes::size_of(&extra.attributes);
        let payload = Payload::new(body, Arc::from(queue.key.account.as_str()), extra);
        let id = payload.id.to_string();
        let outgoing = Outgoing {
            payload: Arc::new(payload),
            delay_seconds: None,
            size,
        };
        let (mut results, ack) = self
            .engine
            .send(&queue, vec![outgoing])
            .map_err(|e| DeliveryError::NoSuchDestination(e.to_string()))?;
        if let Some(Err(e)) = results.pop() {
            return Err(DeliveryError::Rejected(e.to_string()));
        }
        ack.wait()
            .await
            .map_err(|e| DeliveryError::Rejected(e.to_string()))?;
        Ok(id)
    }
}
