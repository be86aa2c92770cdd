//! Wiring: build the services, hand them to the gateway, listen.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use nimbus_core::bus::ServiceBus;
use nimbus_core::{ServiceEnv, SharedClock, StorageConfig, SystemClock};
use nimbus_gateway::{Gateway, ServerHandle};
use nimbus_wire::Service;

use crate::config::Config;
use crate::lock::DataDirLock;

/// Why a sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Another nimbus holds the data directory, or it cannot be created.
    #[error("{0}")]
    DataDir(String),
    /// The address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A service could not open its storage.
    #[error("cannot start {service}: {message}")]
    Service {
        /// The service.
        service: &'static str,
        /// The cause.
        message: String,
    },
}

/// A running nimbus: every service behind one gateway on one port.
pub struct Sandbox {
    server: Option<ServerHandle>,
    endpoint: String,
    data_dir: Option<PathBuf>,
    lock: Option<DataDirLock>,
}

impl Sandbox {
    /// Starts a sandbox on the system clock.
    pub async fn start(config: Config) -> Result<Sandbox, StartError> {
        Self::start_with_clock(config, SystemClock::shared()).await
    }

    /// Starts a sandbox whose timed behaviour follows `clock` (a `ManualClock` in tests).
    pub async fn start_with_clock(
        config: Config,
        clock: SharedClock,
    ) -> Result<Sandbox, StartError> {
        Self::start_on_bus(config, clock, ServiceBus::new()).await
    }

    /// [`Sandbox::start_with_clock`] with the services on `bus`, which a test may have
    /// prepared (a metric sink registered before the services start).
    pub async fn start_on_bus(
        config: Config,
        clock: SharedClock,
        bus: Arc<ServiceBus>,
    ) -> Result<Sandbox, StartError> {
        // Every relative path is resolved here, once, against the directory nimbus was
        // started in: function processes run in their task root, where `./.nimbus` would
        // name something else.
        let work_dir = nimbus_core::env::start_dir();
        let data_dir = (!config.in_memory)
            .then(|| nimbus_core::env::resolve_against(&work_dir, &config.data_dir));
        let lock = match &data_dir {
            None => None,
            Some(dir) => Some(DataDirLock::acquire(dir).map_err(StartError::DataDir)?),
        };
        let storage = StorageConfig {
            data_dir: data_dir.clone(),
            durability: config.durability,
        };
        let env = ServiceEnv {
            clock: clock.clone(),
            storage,
            bus,
            region: config.region.clone(),
            default_account: config.account.clone(),
            strict_auth: config.auth == nimbus_gateway::AuthMode::Strict,
            work_dir,
        };
        env.bus.register_credentials(Arc::new(config.auth_config()));
        env.bus.set_enforce_iam(config.enforce_iam);
        let services = build_services(&env).await?;
        let gateway = Arc::new(Gateway::new(
            services,
            config.auth_config(),
            env.bus.identities().cloned(),
            config.region.clone(),
            clock,
        ));
        let addr = format!("{}:{}", config.host, config.port);
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|source| StartError::Bind {
                addr: addr.clone(),
                source,
            })?;
        let server = nimbus_gateway::serve(listener, gateway)
            .map_err(|source| StartError::Bind { addr, source })?;
        let local = server.local_addr();
        let shown_host = if local.ip().is_unspecified() {
            "127.0.0.1".to_owned()
        } else {
            local.ip().to_string()
        };
        let endpoint = format!("http://{shown_host}:{}", local.port());
        Ok(Sandbox {
            server: Some(server),
            endpoint,
            data_dir,
            lock,
        })
    }

    /// `http://host:port`, what clients use as their endpoint URL.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The data directory, absolute (`None` with `--in-memory`).
    pub fn data_dir(&self) -> Option<&Path> {
        self.data_dir.as_deref()
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.server
            .as_ref()
            .map(|s| s.local_addr())
            .expect("running sandbox")
    }

    /// Stops accepting, lets in-flight requests finish (up to `grace`), flushes storage and
    /// releases the data directory.
    pub async fn shutdown_with_grace(mut self, grace: Duration) {
        if let Some(s) = self.server.take() {
            s.shutdown(grace).await;
        }
        self.lock.take();
    }

    /// [`Sandbox::shutdown_with_grace`] with a 10-second grace period.
    pub async fn shutdown(self) {
        self.shutdown_with_grace(Duration::from_secs(10)).await
    }
}

/// Opens every service. Each opens its own storage (fresh SQLite files cost a few fsyncs
/// each), so they open concurrently on blocking threads; STS, which reads IAM's roles, follows
/// IAM.
async fn build_services(env: &ServiceEnv) -> Result<Vec<Arc<dyn Service>>, StartError> {
    fn open<S, F>(
        env: &ServiceEnv,
        service: &'static str,
        f: F,
    ) -> tokio::task::JoinHandle<Result<Arc<S>, StartError>>
    where
        S: Send + Sync + 'static,
        F: FnOnce(&ServiceEnv) -> Result<Arc<S>, Box<dyn std::error::Error + Send + Sync>>
            + Send
            + 'static,
    {
        let env = env.clone();
        tokio::task::spawn_blocking(move || {
            f(&env).map_err(|e| StartError::Service {
                service,
                message: e.to_string(),
            })
        })
    }
    async fn join<S>(
        service: &'static str,
        h: tokio::task::JoinHandle<Result<Arc<S>, StartError>>,
    ) -> Result<Arc<S>, StartError> {
        h.await.map_err(|e| StartError::Service {
            service,
            message: e.to_string(),
        })?
    }
    // CloudWatch's metric store becomes the bus's metric sink as it opens, beside the
    // others: services look the sink up when they record, and record nothing while starting.
    let cloudwatch = open(env, "cloudwatch", |env| {
        Ok(nimbus_cloudwatch::CloudWatchService::open(env)?)
    });
    let sqs = open(env, "sqs", nimbus_sqs::SqsService::open);
    let iam = open(env, "iam", nimbus_iam::IamService::open);
    let s3 = open(env, "s3", nimbus_s3::S3Service::open);
    let lambda = open(env, "lambda", nimbus_lambda::LambdaService::open);
    let iam = join("iam", iam).await?;
    // The gateway reads the directory (sessions, users' keys and policies) when it is built.
    env.bus.register_identities(iam.directory());
    let sts = nimbus_iam::StsService::with_iam(env, &iam);
    let sqs = join("sqs", sqs).await?;
    let s3 = join("s3", s3).await?;
    let lambda = join("lambda", lambda).await?;
    // Event source mappings poll SQS through the bus, so they start once SQS is on it.
    lambda.start_event_sources();
    let logs = lambda.logs_service();
    let cloudwatch = join("cloudwatch", cloudwatch).await?;
    // Every service has registered its counters and gauges: sampling starts.
    cloudwatch.start();
    Ok(vec![sqs, iam, sts, s3, lambda, logs, cloudwatch])
}
