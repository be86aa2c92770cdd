//! AWS Lambda for nimbus, and the CloudWatch Logs reads of its logs.
//!
//! - [`ops`]: the Lambda API (restJson1) — functions, invoke, permissions, tags, concurrency,
//!   account settings; every other operation of the model answers `UnsupportedOperation`;
//! - [`runtime`]: execution environments — subprocesses over the real Lambda Runtime API
//!   (`python3.x`, `nodejs*`, `provided*`) and WebAssembly in wasmtime (`wasm32-wasi`);
//! - [`logs`]: the log store every invocation writes to (`/aws/lambda/<name>`, one stream per
//!   environment) and [`logs::LogsService`], CloudWatch Logs' read operations over it;
//! - [`async_invoke`]: `Event` invocations — the durable event queue, retries, event age,
//!   destinations and dead-letter queues;
//! - [`store`], [`code`]: functions in SQLite, packages extracted safely under the data dir;
//! - [`hot_reload`]: local-directory functions reloaded on change.
//!
//! Functions go `Pending` → `Active` (and updates `InProgress` → `Successful`) in a
//! background activation that checks the runtime and precompiles WebAssembly. Requests that
//! need an active function (Invoke, further updates) wait for a running activation instead of
//! failing with `ResourceConflictException`, since nimbus's activations take milliseconds.

pub mod async_invoke;
pub mod code;
pub mod error;
pub mod event_source;
pub mod execution_role;
pub mod hot_reload;
pub mod logs;
pub mod metrics;
pub mod model;
pub mod ops;
pub mod runtime;
pub mod store;

use std::collections::HashMap;
use std::sync::{Arc, Weak};

use async_trait::async_trait;
use bytes::Bytes;
use http::StatusCode;
use nimbus_core::access::{self, Caller, Denied, RequestFacts, Resource};
use nimbus_core::bus::{DeliveryError, FunctionInvoker, InvokeCaller};
use nimbus_core::{Arn, ServiceEnv};
use nimbus_wire::error::ErrorStyle;
use nimbus_wire::{
    Auth, Bindings, BodyLimit, OpInfo, Protocol, Request, RequestHead, Response, Service,
    ServiceError, ServiceId, body,
};
use parking_lot::Mutex;
use tokio::sync::watch;

pub use error::{LambdaError, LambdaErrorCode};
pub use logs::{LogStore, LogsService};
use model::{CodeSource, FunctionKey, FunctionRecord, FunctionState, UpdateStatus};
use ops::Op;
use runtime::Executor;

/// The largest request body: a 50 MB zip, base64-encoded in JSON (AWS's limit for a direct
/// upload is 70,167,211 bytes of request).
pub const MAX_REQUEST_BYTES: usize = 70_167_211;

/// What an operation needs to know about its request.
pub struct Ctx<'a> {
    /// The caller's account.
    pub account: &'a str,
    /// The region.
    pub region: &'a str,
    /// The request id.
    pub request_id: &'a str,
    /// The `Host` the client used.
    pub host: &'a str,
    /// What the gateway established (the caller, for authorization).
    pub request: &'a nimbus_core::RequestContext,
    /// The IAM action the operation is authorized as (`lambda:InvokeFunction`).
    pub action: &'static str,
}

/// A request's parts that operations read (the body already buffered).
pub struct Call {
    /// The operation.
    pub op: Op,
    /// What the gateway established.
    pub ctx: nimbus_core::RequestContext,
    /// The caller's account, as text.
    pub account: String,
    /// The HTTP method.
    pub method: http::Method,
    /// The request target.
    pub uri: http::Uri,
    /// The headers.
    pub headers: http::HeaderMap,
    /// The body.
    pub body: Bytes,
}

/// The Lambda service.
pub struct LambdaService {
    env: ServiceEnv,
    store: store::FunctionStore,
    executor: Arc<Executor>,
    logs: Arc<LogStore>,
    hot: hot_reload::HotReload,
    activations: Mutex<HashMap<FunctionKey, watch::Receiver<bool>>>,
    event_sources: event_source::EventSources,
    async_events: async_invoke::worker::AsyncEvents,
    me: Weak<LambdaService>,
}

impl LambdaService {
    /// Opens Lambda's storage in `env`, registers it on the bus as the [`FunctionInvoker`],
    /// resumes activations and hot-reload watches of stored functions.
    pub fn open(
        env: &ServiceEnv,
    ) -> Result<Arc<LambdaService>, Box<dyn std::error::Error + Send + Sync>> {
        let store = store::FunctionStore::open(env)?;
        let logs = LogStore::open(env)?;
        let executor = Executor::new(env.clock.clone(), logs.clone(), store.root())?;
        let hot = hot_reload::HotReload::new(&executor);
        let event_sources = event_source::EventSources::open(env)?;
        let async_events = async_invoke::worker::AsyncEvents::open(env)?;
        let svc = Arc::new_cyclic(|me| LambdaService {
            env: env.clone(),
            store,
            executor,
            logs,
            hot,
            activations: Mutex::new(HashMap::new()),
            event_sources,
            async_events,
            me: me.clone(),
        });
        for f in svc.store.all() {
            if let CodeSource::HotReload { dir } = &f.code {
                svc.hot.watch(&f.key, dir);
            }
            if f.state == FunctionState::Pending || f.last_update_status == UpdateStatus::InProgress
            {
                svc.start_activation(&f);
            }
        }
        env.bus.register_functions(Arc::new(Invoker {
            service: Arc::downgrade(&svc),
        }));
        env.bus
            .register_metric_source(Arc::new(metrics::LambdaMetrics::new(Arc::downgrade(&svc))));
        svc.async_events
            .start(Arc::downgrade(&svc), env.clock.clone());
        Ok(svc)
    }

    /// Starts the event source mappings' pollers (stored mappings resume polling). Called
    /// once every service is on the bus, since pollers reach SQS through it.
    pub fn start_event_sources(self: &Arc<Self>) {
        self.event_sources.start(self);
    }

    /// The log store invocations write to (for [`LogsService::new`]).
    pub fn log_store(&self) -> Arc<LogStore> {
        self.logs.clone()
    }

    /// CloudWatch Logs over this service's logs.
    pub fn logs_service(&self) -> Arc<LogsService> {
        LogsService::new(self.logs.clone())
    }

    /// The executor (diagnostics, benchmarks).
    pub fn executor(&self) -> &Arc<Executor> {
        &self.executor
    }

    fn arc(&self) -> Arc<LambdaService> {
        self.me
            .upgrade()
            .expect("the service is alive while handling requests")
    }

    /// Moves a function to Active (and its last update to Successful) once its runtime is
    /// checked and prepared, unless a newer change superseded this one.
    pub(crate) fn start_activation(&self, f: &FunctionRecord) {
        if let CodeSource::HotReload { dir } = &f.code {
            self.hot.watch(&f.key, dir);
        } else {
            self.hot.unwatch(&f.key);
        }
        let (tx, rx) = watch::channel(false);
        self.activations.lock().insert(f.key.clone(), rx);
        let Some(svc) = self.me.upgrade() else { return };
        let f = f.clone();
        let name = f.key.name.clone();
        let run = async move {
            let prepared = svc.executor.prepare(&f).await;
            let revision = f.revision_id.clone();
            let _ = svc.store.update(&f.key, |rec| {
                if rec.revision_id != revision {
                    return Ok(());
                }
                match &prepared {
                    Ok(()) => {
                        rec.state = FunctionState::Active;
                        rec.last_update_status = UpdateStatus::Successful;
                        rec.state_reason = None;
                    }
                    Err(reason) => {
                        if rec.state == FunctionState::Pending {
                            rec.state = FunctionState::Failed;
                        }
                        rec.last_update_status = UpdateStatus::Failed;
                        rec.state_reason = Some(reason.clone());
                    }
                }
                Ok(())
            });
            let _ = tx.send(true);
        };
        match tokio::runtime::Handle::try_current() {
            Ok(h) => {
                h.spawn(run);
            }
            Err(_) => tracing::warn!("no runtime to activate {name}"),
        }
    }

    /// Waits for a running activation of `key` (bounded by the init limit).
    pub(crate) async fn await_activation(&self, key: &FunctionKey) {
        let rx = self.activations.lock().get(key).cloned();
        if let Some(mut rx) = rx {
            let deadline = self.env.clock.now_millis() + runtime::INIT_LIMIT_MILLIS;
            tokio::select! {
                _ = rx.wait_for(|done| *done) => {}
                _ = self.env.clock.sleep_until(deadline) => {}
            }
        }
    }

    /// Reads a package named by `S3Bucket`/`S3Key` (and `S3ObjectVersion`) out of nimbus's
    /// own S3, as the function's account, up to the zipped-package limit. S3's errors come
    /// back as AWS words them: `InvalidParameterValueException` "Error occurred while
    /// GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not
    /// exist."
    async fn fetch_s3_code(
        &self,
        key: &FunctionKey,
        bucket: &str,
        object: &str,
        version: Option<&str>,
    ) -> Result<Vec<u8>, LambdaError> {
        use nimbus_core::bus::objects::{ENTITY_TOO_LARGE, ObjectError};
        let s3 = self.env.bus.objects().map_err(|_| {
            LambdaError::new(LambdaErrorCode::InvalidParameterValue, format!(
                "Error occurred while GetObject. S3 Error Code: ServiceUnavailable. S3 Error Message: S3 is not running in this nimbus, so s3://{bucket}/{object} cannot be read; upload the package as ZipFile."
            ))
        })?;
        let account = nimbus_core::AccountId::parse(&key.account).unwrap_or_default();
        match s3
            .get_object(&account, bucket, object, version, code::MAX_ZIPPED_BYTES)
            .await
        {
            Ok(bytes) => Ok(Vec::from(bytes)),
            Err(e) => Err(match ObjectError::from_delivery(&e) {
                Some(o) if o.code == ENTITY_TOO_LARGE => LambdaError::new(
                    LambdaErrorCode::RequestTooLarge,
                    format!(
                        "Zipped size must be smaller than {} bytes",
                        code::MAX_ZIPPED_BYTES
                    ),
                ),
                Some(o) => LambdaError::new(
                    LambdaErrorCode::InvalidParameterValue,
                    format!(
                        "Error occurred while GetObject. S3 Error Code: {}. S3 Error Message: {}",
                        o.code, o.message
                    ),
                ),
                None => LambdaError::new(
                    LambdaErrorCode::Service,
                    format!("cannot read s3://{bucket}/{object}: {e}"),
                ),
            }),
        }
    }

    /// Serves a function's package (the `Code.Location` GetFunction returns).
    async fn download_code(&self, ctx: &Ctx<'_>, name: &str) -> Result<Response, LambdaError> {
        let key = self.resolve(ctx, name, None)?;
        let f = self.function(&key)?;
        match &f.code {
            CodeSource::Zip { zip, .. } => {
                let bytes = tokio::fs::read(zip).await.map_err(|e| {
                    LambdaError::new(
                        LambdaErrorCode::Service,
                        format!("cannot read the package: {e}"),
                    )
                })?;
                Ok(body::response(StatusCode::OK, "application/zip", bytes))
            }
            CodeSource::HotReload { .. } => Err(LambdaError::new(
                LambdaErrorCode::ResourceNotFound,
                "A hot-reload function's code is a local directory; there is no package to download.",
            )),
        }
    }
}

#[async_trait]
impl Service for LambdaService {
    fn id(&self) -> ServiceId {
        ServiceId::Lambda
    }

    fn body_limit(&self) -> BodyLimit {
        BodyLimit::Buffer(MAX_REQUEST_BYTES)
    }

    fn body_too_large(&self) -> ServiceError {
        ServiceError::from(LambdaError::new(
            LambdaErrorCode::RequestTooLarge,
            format!("Request must be smaller than {MAX_REQUEST_BYTES} bytes"),
        ))
    }

    fn bindings(&self) -> Bindings {
        Bindings {
            rest_paths: ops::PATH_PREFIXES,
            ..Bindings::new(Protocol::RestJson1)
        }
    }

    fn error_style(&self, err: &ServiceError) -> ErrorStyle {
        ErrorStyle {
            json_capital_message: LambdaError::capital_message_code(&err.code),
            ..ErrorStyle::default()
        }
    }

    fn classify(&self, head: &RequestHead<'_>) -> Result<OpInfo, ServiceError> {
        let op = ops::route(head.method, head.uri.path())?;
        Ok(op.info(Auth::Signed, BodyLimit::Buffer(MAX_REQUEST_BYTES)))
    }

    async fn call(&self, info: OpInfo, req: Request) -> Result<Response, ServiceError> {
        let op = Op::from_index(info.index)
            .ok_or_else(|| ServiceError::internal(format!("no Lambda operation {}", info.name)))?;
        self.executor.set_endpoint(&req.ctx.host);
        let mut call = Call {
            op,
            account: req.ctx.account.to_string(),
            ctx: req.ctx,
            method: req.method,
            uri: req.uri,
            headers: req.headers,
            body: match req.body {
                nimbus_wire::RequestBody::Full(b) => b,
                nimbus_wire::RequestBody::Stream(_) => Bytes::new(),
            },
        };
        Ok(op.call(self, &mut call).await?)
    }

    async fn shutdown(&self) {
        self.event_sources.stop();
        self.async_events.stop();
        let keys: Vec<FunctionKey> = self.store.all().into_iter().map(|f| f.key).collect();
        for k in keys {
            self.executor.remove(&k);
        }
    }
}

/// Lambda as other services reach it through the bus.
struct Invoker {
    service: Weak<LambdaService>,
}

fn key_of(arn: &Arn) -> Option<FunctionKey> {
    let name = arn.resource.strip_prefix("function:")?;
    let name = name.split(':').next()?;
    Some(FunctionKey {
        account: arn.account.clone(),
        region: arn.region.clone(),
        name: name.to_owned(),
    })
}

#[async_trait]
impl FunctionInvoker for Invoker {
    async fn function_exists(&self, function_arn: &Arn) -> bool {
        match (self.service.upgrade(), key_of(function_arn)) {
            (Some(s), Some(k)) => s.store.get(&k).is_some(),
            _ => false,
        }
    }

    async fn permits(&self, function_arn: &Arn, caller: &InvokeCaller) -> bool {
        match (self.service.upgrade(), key_of(function_arn)) {
            (Some(s), Some(k)) => s.store.get(&k).is_some() && s.permits(&k, caller).is_ok(),
            _ => false,
        }
    }

    async fn invoke_async(
        &self,
        function_arn: &Arn,
        payload: Bytes,
        caller: Option<&InvokeCaller>,
    ) -> Result<String, DeliveryError> {
        let svc = self
            .service
            .upgrade()
            .ok_or(DeliveryError::Unavailable("lambda"))?;
        let key = key_of(function_arn)
            .ok_or_else(|| DeliveryError::NoSuchDestination(function_arn.to_string()))?;
        if svc.store.get(&key).is_none() {
            return Err(DeliveryError::NoSuchDestination(function_arn.to_string()));
        }
        if let Some(caller) = caller
            && let Err(denied) = svc.permits(&key, caller)
        {
            tracing::warn!(function = %key.name, principal = %caller.principal,
                source_arn = caller.source_arn.as_deref().unwrap_or(""), reason = %denied,
                "asynchronous invocation refused: the function's resource-based policy does not allow the caller");
            return Err(DeliveryError::AccessDenied(denied.message()));
        }
        svc.enqueue_event(&key, payload).await.map_err(|e| match e {
            e if e.kind() == LambdaErrorCode::ResourceNotFound => {
                DeliveryError::NoSuchDestination(function_arn.to_string())
            }
            other => DeliveryError::Rejected(other.to_string()),
        })
    }
}

impl LambdaService {
    /// Whether `caller` (an AWS service acting for one of its resources) may invoke `key`:
    /// the function's resource-based policy must allow the service principal, with
    /// `aws:SourceArn` and `aws:SourceAccount` as the caller gives them, under
    /// `--auth strict` and whenever the source belongs to another account. Without
    /// `--auth strict`, a source in the function's own account needs nothing.
    pub fn permits(&self, key: &FunctionKey, caller: &InvokeCaller) -> Result<(), Denied> {
        if !self.env.strict_auth && caller.source_account.as_deref() == Some(&key.account) {
            return Ok(());
        }
        self.authorize_internal(
            &Caller::service(&caller.principal),
            key,
            |keys: &mut nimbus_core::access::policy::ContextBuilder<'_>| {
                if let Some(arn) = &caller.source_arn {
                    keys.insert("aws:SourceArn", arn.as_str());
                }
                if let Some(account) = &caller.source_account {
                    keys.insert("aws:SourceAccount", account.as_str());
                }
            },
        )
    }

    /// Authorizes `lambda:InvokeFunction` on `key` for a caller inside the sandbox (a
    /// service principal, or a function's account sending to a destination function).
    pub fn authorize_internal(
        &self,
        caller: &Caller,
        key: &FunctionKey,
        keys: impl FnOnce(&mut nimbus_core::access::policy::ContextBuilder<'_>),
    ) -> Result<(), Denied> {
        let policy = self.store.policy(key);
        let arn = key.arn();
        let facts = RequestFacts {
            source_ip: None,
            region: &key.region,
            now_millis: self.env.clock.now_millis(),
        };
        access::authorize(
            caller,
            &facts,
            "lambda:InvokeFunction",
            Resource {
                arn: &arn,
                owner: &key.account,
                policy: policy.as_deref(),
            },
            keys,
        )
    }
}
