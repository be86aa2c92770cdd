//! The small traits through which one service reaches another.
//!
//! S3 delivers event notifications to SQS and Lambda, Lambda sends destination records to SQS
//! and polls queues for event source mappings, and reads function packages out of S3
//! ([`objects::ObjectReader`]). None of them depends on another's crate: each
//! service that can be reached implements one of these traits, the `nimbus` binary registers
//! the implementations in a [`ServiceBus`], and callers look them up there.

pub mod identity;
pub mod metrics;
pub mod objects;

use std::sync::{Arc, Mutex, OnceLock};

use async_trait::async_trait;

use crate::Arn;
use objects::ObjectReader;

/// Why a delivery between services failed.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum DeliveryError {
    /// The target does not exist (deleted queue, unknown function).
    #[error("destination does not exist: {0}")]
    NoSuchDestination(String),
    /// The target refused the delivery (too large, throttled, invalid).
    #[error("destination rejected the delivery: {0}")]
    Rejected(String),
    /// The target service is not running in this sandbox.
    #[error("service not available: {0}")]
    Unavailable(&'static str),
    /// The target's resource policy does not let the sender deliver to it (as AWS refuses a
    /// notification to a queue whose policy does not allow `s3.amazonaws.com`): not retried.
    #[error("access denied: {0}")]
    AccessDenied(String),
}

/// Who sends a message to a queue through the bus, for the queue's policy.
#[derive(Debug, Clone)]
pub enum DeliverySource {
    /// An AWS service acting for one of its resources (S3 delivering a bucket's event
    /// notification): the queue's policy must allow the service principal, under
    /// `--auth strict` and whenever the source belongs to another account.
    Service(InvokeCaller),
    /// An account acting as its root user: free in the queue's own account, granted by the
    /// queue's policy across accounts.
    Account(String),
    /// A principal acting with its own permissions, as a request would: a function's
    /// execution role, with which Lambda sends a function's destination and dead-letter
    /// records and its event source mappings read their queue. The queue's policy decides
    /// across accounts, the principal's identity policies too under `--enforce-iam`.
    Principal(Arc<crate::access::Caller>),
}

/// SQS as other services see it.
#[async_trait]
pub trait QueueDelivery: Send + Sync {
    /// Whether a queue with this ARN exists.
    async fn queue_exists(&self, queue_arn: &Arn) -> bool;

    /// Whether the queue's policy lets `source` send to it (`sqs:SendMessage`): what S3
    /// checks when a notification configuration names the queue.
    async fn permits(&self, queue_arn: &Arn, source: &DeliverySource) -> bool;

    /// Sends `body` to the queue as `source`; returns the message id once the message is
    /// committed. [`DeliveryError::AccessDenied`] when the queue's policy does not allow it.
    async fn send_message(
        &self,
        queue_arn: &Arn,
        body: String,
        source: &DeliverySource,
    ) -> Result<String, DeliveryError>;

    /// Sends `body` with message attributes (as Lambda does to a dead-letter queue: `RequestID`,
    /// `ErrorCode`, `ErrorMessage`); returns the message id once the message is committed.
    /// Implementations that keep no attributes fall back to [`QueueDelivery::send_message`].
    async fn send_message_with_attributes(
        &self,
        queue_arn: &Arn,
        body: String,
        attributes: Vec<MessageAttribute>,
        source: &DeliverySource,
    ) -> Result<String, DeliveryError> {
        let _ = attributes;
        self.send_message(queue_arn, body, source).await
    }
}

/// A message attribute another service attaches to a message it sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageAttribute {
    /// The attribute's name.
    pub name: String,
    /// `String` or `Number`.
    pub data_type: String,
    /// The value.
    pub value: String,
}

/// An AWS service acting for one of its resources, as a function's or a queue's policy sees
/// it: the principal `Caller::service` builds and the `aws:SourceArn` / `aws:SourceAccount`
/// condition keys. Checked against the target's resource-based policy under `--auth strict`
/// and whenever the source belongs to another account than the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeCaller {
    /// The service principal (`s3.amazonaws.com`).
    pub principal: String,
    /// The resource the event comes from (`arn:aws:s3:::bucket`), for `AWS:SourceArn`.
    pub source_arn: Option<String>,
    /// The account owning that resource, for `AWS:SourceAccount`.
    pub source_account: Option<String>,
}

/// What a queue consumer (Lambda's event source mapping pollers) needs to know about a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumedQueue {
    /// Whether it is a FIFO queue.
    pub fifo: bool,
    /// Its `VisibilityTimeout`, seconds.
    pub visibility_timeout_secs: u32,
    /// `ApproximateNumberOfMessages`: messages visible now (the backlog).
    pub visible_messages: usize,
}

/// One user message attribute as a consumer receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumedAttribute {
    /// `DataType` (`String`, `Number`, `Binary`, with an optional `.custom` suffix).
    pub data_type: String,
    /// `StringValue`, for String and Number types.
    pub string_value: Option<String>,
    /// `BinaryValue`, for Binary types.
    pub binary_value: Option<Vec<u8>>,
}

/// A message as a queue consumer receives it: everything an SQS event record carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumedMessage {
    /// `MessageId`.
    pub message_id: String,
    /// The receipt handle of this receive.
    pub receipt_handle: String,
    /// When this receive took the message, ms (the start of a batching window).
    pub received_at: u64,
    /// The body.
    pub body: String,
    /// `MD5OfBody`, hex.
    pub md5_of_body: String,
    /// `MD5OfMessageAttributes`, hex, when the message has attributes.
    pub md5_of_message_attributes: Option<String>,
    /// System attributes by AWS's names: `ApproximateReceiveCount`, `SentTimestamp`,
    /// `SenderId`, `ApproximateFirstReceiveTimestamp`; on FIFO queues `SequenceNumber`,
    /// `MessageGroupId`, `MessageDeduplicationId`; `AWSTraceHeader` when set.
    pub attributes: std::collections::BTreeMap<String, String>,
    /// User message attributes by name.
    pub message_attributes: std::collections::BTreeMap<String, ConsumedAttribute>,
}

/// SQS as a consumer inside the sandbox sees it (Lambda's event source mapping pollers):
/// receive, delete and hide messages without going through HTTP.
#[async_trait]
pub trait QueueConsumer: Send + Sync {
    /// Whether `reader` may consume the queue: `sqs:ReceiveMessage`, `sqs:DeleteMessage`
    /// and `sqs:GetQueueAttributes`, what an event source mapping needs of its function's
    /// execution role. The queue's policy decides across accounts, the reader's identity
    /// policies under `--enforce-iam`. `Err` names the first action refused
    /// ([`DeliveryError::AccessDenied`]), or the queue missing.
    async fn permits_reader(
        &self,
        queue_arn: &Arn,
        reader: &crate::access::Caller,
    ) -> Result<(), DeliveryError>;

    /// The queue's attributes a poller needs; `NoSuchDestination` when it does not exist.
    async fn consumed_queue(&self, queue_arn: &Arn) -> Result<ConsumedQueue, DeliveryError>;

    /// Receives up to `max_messages` (1–10), waiting up to `wait_seconds` (0–20) for the
    /// first one with the queue's own long-poll wake-ups, hiding them for
    /// `visibility_timeout_secs` (the queue's when `None`). `Unavailable` when SQS is
    /// stopping, `NoSuchDestination` when the queue is gone.
    async fn receive(
        &self,
        queue_arn: &Arn,
        max_messages: usize,
        wait_seconds: u32,
        visibility_timeout_secs: Option<u32>,
    ) -> Result<Vec<ConsumedMessage>, DeliveryError>;

    /// Deletes messages by receipt handle; returns once the deletion is committed.
    async fn delete(
        &self,
        queue_arn: &Arn,
        receipt_handles: &[String],
    ) -> Result<(), DeliveryError>;

    /// Sets the visibility timeout of received messages (0 makes them visible at once).
    async fn change_visibility(
        &self,
        queue_arn: &Arn,
        receipt_handles: &[String],
        visibility_timeout_secs: u32,
    ) -> Result<(), DeliveryError>;
}

/// Lambda as other services see it.
#[async_trait]
pub trait FunctionInvoker: Send + Sync {
    /// Whether a function with this ARN (qualified or not) exists.
    async fn function_exists(&self, function_arn: &Arn) -> bool;

    /// Whether the function's resource-based policy lets `caller` invoke it. Without
    /// `--auth strict`, always true for a source in the function's own account.
    async fn permits(&self, function_arn: &Arn, caller: &InvokeCaller) -> bool;

    /// Queues an asynchronous (`Event`) invocation; returns once the event is committed.
    /// With a `caller`, the function's resource-based policy must allow it as
    /// [`FunctionInvoker::permits`] decides (else [`DeliveryError::AccessDenied`]).
    async fn invoke_async(
        &self,
        function_arn: &Arn,
        payload: bytes::Bytes,
        caller: Option<&InvokeCaller>,
    ) -> Result<String, DeliveryError>;
}

/// Who a form signed with an access key acts as ([`CredentialLookup::signer`]).
#[derive(Clone, Debug)]
pub enum FormSigner {
    /// A key the sandbox does not know (under `--auth strict`; without it an unknown key acts
    /// in the default account, or the account its 12 digits name).
    Unknown,
    /// Temporary credentials past their expiry on the sandbox clock.
    Expired,
    /// A known signer.
    Known {
        /// The account the form acts in.
        account: crate::AccountId,
        /// The caller, exactly as a request signed with the same key would act: a configured
        /// credential's principal or root user, an IAM user's access key, a role session
        /// with its session policies.
        caller: Arc<crate::access::Caller>,
        /// The secret to verify the form's signature with (under `--auth strict`).
        secret: Option<String>,
    },
}

/// The access keys the sandbox knows, for services that verify a signature carried in the
/// request body rather than in its headers (S3's browser-form uploads, `PostObject`).
pub trait CredentialLookup: Send + Sync {
    /// Who a form signed with `access_key` (and `session_token`, for temporary credentials)
    /// acts as, looked up as the gateway looks up a signed request's key; `directory` is
    /// IAM's and STS's, for IAM users' keys and role sessions.
    fn signer(
        &self,
        access_key: &str,
        session_token: Option<&str>,
        directory: Option<&dyn identity::IdentityDirectory>,
        now_millis: u64,
    ) -> FormSigner;
}

/// The registry of reachable services, filled in once when the sandbox is wired.
#[derive(Default)]
pub struct ServiceBus {
    credentials: OnceLock<Arc<dyn CredentialLookup>>,
    queues: OnceLock<Arc<dyn QueueDelivery>>,
    consumer: OnceLock<Arc<dyn QueueConsumer>>,
    functions: OnceLock<Arc<dyn FunctionInvoker>>,
    objects: OnceLock<Arc<dyn ObjectReader>>,
    identities: OnceLock<Arc<dyn identity::IdentityDirectory>>,
    metrics: OnceLock<Arc<dyn metrics::MetricSink>>,
    metric_sources: Mutex<Vec<Arc<dyn metrics::MetricSource>>>,
    enforce_iam: std::sync::atomic::AtomicBool,
}

impl ServiceBus {
    /// An empty bus.
    pub fn new() -> Arc<ServiceBus> {
        Arc::new(ServiceBus::default())
    }

    /// Registers SQS. Later registrations are ignored.
    pub fn register_queues(&self, q: Arc<dyn QueueDelivery>) {
        let _ = self.queues.set(q);
    }

    /// Registers SQS's consumer side (for event source mappings). Later registrations are
    /// ignored.
    pub fn register_queue_consumer(&self, c: Arc<dyn QueueConsumer>) {
        let _ = self.consumer.set(c);
    }

    /// SQS's consumer side, if SQS runs in this sandbox.
    pub fn queue_consumer(&self) -> Result<&Arc<dyn QueueConsumer>, DeliveryError> {
        self.consumer.get().ok_or(DeliveryError::Unavailable("sqs"))
    }

    /// Registers Lambda. Later registrations are ignored.
    pub fn register_functions(&self, f: Arc<dyn FunctionInvoker>) {
        let _ = self.functions.set(f);
    }

    /// Registers S3's object reader. Later registrations are ignored.
    pub fn register_objects(&self, o: Arc<dyn ObjectReader>) {
        let _ = self.objects.set(o);
    }

    /// Registers the configured access keys. Later registrations are ignored.
    pub fn register_credentials(&self, c: Arc<dyn CredentialLookup>) {
        let _ = self.credentials.set(c);
    }

    /// Registers IAM and STS's directory of sessions and identity policies. Later
    /// registrations are ignored.
    pub fn register_identities(&self, d: Arc<dyn identity::IdentityDirectory>) {
        let _ = self.identities.set(d);
    }

    /// IAM and STS's directory, if IAM runs in this sandbox.
    pub fn identities(&self) -> Option<&Arc<dyn identity::IdentityDirectory>> {
        self.identities.get()
    }

    /// The configured access keys, if registered.
    pub fn credentials(&self) -> Option<&Arc<dyn CredentialLookup>> {
        self.credentials.get()
    }

    /// SQS, if it runs in this sandbox.
    pub fn queues(&self) -> Result<&Arc<dyn QueueDelivery>, DeliveryError> {
        self.queues.get().ok_or(DeliveryError::Unavailable("sqs"))
    }

    /// Lambda, if it runs in this sandbox.
    pub fn functions(&self) -> Result<&Arc<dyn FunctionInvoker>, DeliveryError> {
        self.functions
            .get()
            .ok_or(DeliveryError::Unavailable("lambda"))
    }

    /// S3's object reader, if S3 runs in this sandbox.
    pub fn objects(&self) -> Result<&Arc<dyn ObjectReader>, DeliveryError> {
        self.objects.get().ok_or(DeliveryError::Unavailable("s3"))
    }

    /// Registers CloudWatch's metric sink. Later registrations are ignored.
    pub fn register_metrics(&self, sink: Arc<dyn metrics::MetricSink>) {
        let _ = self.metrics.set(sink);
    }

    /// CloudWatch's metric sink, if CloudWatch runs in this sandbox: services record their
    /// event metrics there (`if let Some(m) = bus.metrics() { m.record(…) }`), and build no
    /// datum when it does not.
    pub fn metrics(&self) -> Option<&Arc<dyn metrics::MetricSink>> {
        self.metrics.get()
    }

    /// Adds a service's counters and gauges to those CloudWatch samples each clock minute.
    pub fn register_metric_source(&self, source: Arc<dyn metrics::MetricSource>) {
        self.metric_sources
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(source);
    }

    /// The registered metric sources, for CloudWatch's minute sampler.
    pub fn metric_sources(&self) -> Vec<Arc<dyn metrics::MetricSource>> {
        self.metric_sources
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Records whether identity policies are enforced (`--enforce-iam`), for services that
    /// act as a principal of their own (Lambda's execution roles).
    pub fn set_enforce_iam(&self, on: bool) {
        self.enforce_iam
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether identity policies are enforced (`--enforce-iam`).
    pub fn enforce_iam(&self) -> bool {
        self.enforce_iam.load(std::sync::atomic::Ordering::Relaxed)
    }
}
