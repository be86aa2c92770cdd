//! Test kit: the whole nimbus server in-process, on an ephemeral port, with a temporary data
//! directory and a [`ManualClock`], plus aws-sdk-rust clients configured for it.
//!
//! ```no_run
//! # async fn demo() {
//! let sb = nimbus_testkit::TestSandbox::start().await;
//! let sqs = sb.sqs();
//! sqs.create_queue().queue_name("q").send().await.unwrap();
//! sb.clock().advance(std::time::Duration::from_secs(31));
//! # }
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use nimbus::config::CredentialConfig;
use nimbus::{AuthMode, Config, Sandbox};
pub use nimbus_core::{Clock, ManualClock};

pub mod metrics;
pub use metrics::MetricRecorder;

/// The access key and secret clients use unless told otherwise.
pub const DEFAULT_KEY: (&str, &str) = ("test", "test");

/// The SDKs' HTTP client without TLS (nimbus listens on plain HTTP); give it to any client
/// built by hand with `.http_client(nimbus_testkit::http_client())`.
pub fn http_client() -> aws_sdk_sqs::config::SharedHttpClient {
    aws_smithy_http_client::Builder::new().build_http()
}

/// How to start a [`TestSandbox`].
#[derive(Default)]
pub struct Builder {
    in_memory: bool,
    strict: Vec<(String, String, String)>,
    principals: Vec<(String, String)>,
    enforce_iam: bool,
    data_dir: Option<PathBuf>,
    record_metrics: bool,
}

impl Builder {
    /// Keep everything in memory.
    pub fn in_memory(mut self) -> Builder {
        self.in_memory = true;
        self
    }

    /// `--auth strict` with these `(access key, secret, account)` credentials; clients then
    /// sign with the first one.
    pub fn strict_auth(mut self, creds: Vec<(&str, &str, &str)>) -> Builder {
        self.strict = creds
            .into_iter()
            .map(|(a, s, c)| (a.into(), s.into(), c.into()))
            .collect();
        self
    }

    /// The strict-mode credential `access_key` acts as the IAM user or role `arn` (the
    /// fourth part of `--credential KEY:SECRET:ACCOUNT:ARN`).
    pub fn principal(mut self, access_key: &str, arn: &str) -> Builder {
        self.principals.push((access_key.into(), arn.into()));
        self
    }

    /// `--enforce-iam`: identity policies of users and role sessions are evaluated.
    pub fn enforce_iam(mut self) -> Builder {
        self.enforce_iam = true;
        self
    }

    /// Use this data directory instead of a fresh temporary one.
    pub fn data_dir(mut self, dir: &Path) -> Builder {
        self.data_dir = Some(dir.to_owned());
        self
    }

    /// Records every metric the services publish ([`TestSandbox::metrics`]), in place of
    /// CloudWatch's sink.
    pub fn record_metrics(mut self) -> Builder {
        self.record_metrics = true;
        self
    }

    /// Starts the sandbox.
    pub async fn start(self) -> TestSandbox {
        let tmp = if self.data_dir.is_none() && !self.in_memory {
            Some(tempfile::tempdir().expect("temporary data dir"))
        } else {
            None
        };
        let data_dir = self
            .data_dir
            .clone()
            .or_else(|| tmp.as_ref().map(|t| t.path().to_owned()))
            .unwrap_or_else(|| PathBuf::from("/nonexistent-in-memory"));
        let mut config = Config {
            port: 0,
            data_dir,
            in_memory: self.in_memory,
            log_level: "warn".into(),
            ..Config::default()
        };
        let (access_key, secret) = match self.strict.first() {
            Some((a, s, _)) => (a.clone(), s.clone()),
            None => (DEFAULT_KEY.0.to_owned(), DEFAULT_KEY.1.to_owned()),
        };
        if !self.strict.is_empty() {
            config.auth = AuthMode::Strict;
            config.credentials = self
                .strict
                .iter()
                .map(|(a, s, c)| CredentialConfig {
                    access_key: a.clone(),
                    secret_key: s.clone(),
                    account: Some(c.clone()),
                    arn: self
                        .principals
                        .iter()
                        .find(|(k, _)| k == a)
                        .map(|(_, arn)| arn.clone()),
                })
                .collect();
        }
        config.enforce_iam = self.enforce_iam;
        let clock = ManualClock::starting_now();
        let metrics = self
            .record_metrics
            .then(|| Arc::new(MetricRecorder::default()));
        let bus = metrics::bus_with(metrics.as_ref());
        let sandbox = Sandbox::start_on_bus(config.clone(), clock.clone(), bus.clone())
            .await
            .expect("sandbox starts");
        config.port = sandbox.local_addr().port();
        TestSandbox {
            sandbox: Some(sandbox),
            config,
            clock,
            metrics,
            bus,
            _tmp: tmp,
            access_key,
            secret,
        }
    }
}

/// A running in-process nimbus for one test.
pub struct TestSandbox {
    sandbox: Option<Sandbox>,
    config: Config,
    clock: Arc<ManualClock>,
    metrics: Option<Arc<MetricRecorder>>,
    bus: Arc<nimbus_core::bus::ServiceBus>,
    _tmp: Option<tempfile::TempDir>,
    access_key: String,
    secret: String,
}

/// A response read whole by [`TestSandbox::raw`].
#[derive(Debug)]
pub struct RawResponse {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: http::HeaderMap,
    /// The body as text (lossy UTF-8).
    pub body: String,
    /// The body as sent (CBOR, gzip).
    pub bytes: Bytes,
}

macro_rules! client {
    ($name:ident, $name_as:ident, $krate:ident) => {
        /// A client signing with the default credentials.
        pub fn $name(&self) -> $krate::Client {
            self.$name_as(&self.access_key.clone())
        }

        /// A client signing with `access_key` (a 12-digit key selects that account when auth
        /// is off).
        pub fn $name_as(&self, access_key: &str) -> $krate::Client {
            let creds = $krate::config::Credentials::new(
                access_key,
                &self.secret,
                None,
                None,
                "nimbus-testkit",
            );
            let conf = $krate::Config::builder()
                .behavior_version($krate::config::BehaviorVersion::latest())
                .region($krate::config::Region::new(self.config.region.clone()))
                .endpoint_url(self.endpoint())
                .credentials_provider(creds)
                .http_client(http_client())
                .build();
            $krate::Client::from_conf(conf)
        }
    };
}

impl TestSandbox {
    /// Starts a disk-backed sandbox with auth off.
    pub async fn start() -> TestSandbox {
        Builder::default().start().await
    }

    /// Options.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.config.port)
    }

    /// The clock the sandbox runs on.
    pub fn clock(&self) -> Arc<ManualClock> {
        self.clock.clone()
    }

    /// The data directory (meaningless in memory).
    pub fn data_dir(&self) -> &Path {
        &self.config.data_dir
    }

    client!(sqs, sqs_as, aws_sdk_sqs);
    client!(sts, sts_as, aws_sdk_sts);
    client!(iam, iam_as, aws_sdk_iam);
    client!(lambda, lambda_as, aws_sdk_lambda);
    client!(logs, logs_as, aws_sdk_cloudwatchlogs);
    client!(cloudwatch, cloudwatch_as, aws_sdk_cloudwatch);

    /// An S3 client (path-style addressing, the SDK's default checksum settings).
    pub fn s3(&self) -> aws_sdk_s3::Client {
        self.s3_as(&self.access_key.clone())
    }

    /// An S3 client signing with `access_key`.
    pub fn s3_as(&self, access_key: &str) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(self.s3_config(access_key).force_path_style(true).build())
    }

    /// An S3 client using virtual-hosted-style addressing (`<bucket>.localhost:<port>`).
    pub fn s3_virtual_hosted(&self) -> aws_sdk_s3::Client {
        let conf = self
            .s3_config(&self.access_key.clone())
            .endpoint_url(format!("http://localhost:{}", self.config.port))
            .force_path_style(false)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    fn s3_config(&self, access_key: &str) -> aws_sdk_s3::config::Builder {
        let creds = aws_sdk_s3::config::Credentials::new(
            access_key,
            &self.secret,
            None,
            None,
            "nimbus-testkit",
        );
        aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new(self.config.region.clone()))
            .endpoint_url(self.endpoint())
            .credentials_provider(creds)
            .http_client(http_client())
    }

    /// Stops the sandbox gracefully and starts it again on the same port, data directory and
    /// clock. Clients made before keep working.
    pub async fn restart(&mut self) {
        if let Some(s) = self.sandbox.take() {
            s.shutdown().await;
        }
        self.bus = metrics::bus_with(self.metrics.as_ref());
        let sandbox =
            Sandbox::start_on_bus(self.config.clone(), self.clock.clone(), self.bus.clone())
                .await
                .expect("sandbox restarts");
        self.sandbox = Some(sandbox);
    }

    /// Stops the sandbox (the data directory stays until the value is dropped).
    pub async fn stop(&mut self) {
        if let Some(s) = self.sandbox.take() {
            s.shutdown().await;
        }
    }

    /// Sends a raw HTTP request: `method`, `path_and_query`, extra headers, body.
    pub async fn raw(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> RawResponse {
        let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
        let mut req = http::Request::builder().method(method).uri(format!(
            "{}{}",
            self.endpoint(),
            path_and_query
        ));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(Full::new(body.into())).expect("valid request");
        let resp = client.request(req).await.expect("request sent");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .expect("body read")
            .to_bytes();
        RawResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            bytes: body,
        }
    }
}
