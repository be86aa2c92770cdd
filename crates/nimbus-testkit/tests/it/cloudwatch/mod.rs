//! CloudWatch's metric operations, through aws-sdk-cloudwatch (which speaks Smithy RPC v2
//! CBOR) and through raw requests on each of the three protocols.

mod metrics;
mod protocols;
mod validation;

use std::sync::{Arc, Mutex};

use aws_sdk_cloudwatch::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_cloudwatch::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_cloudwatch::error::BoxError;
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};
use nimbus_core::Clock;
use nimbus_testkit::TestSandbox;

/// A whole minute, ten minutes before the sandbox clock's now: where tests put their data.
pub fn base_minute(sb: &TestSandbox) -> u64 {
    let now = sb.clock().now_millis();
    now - now % 60_000 - 10 * 60_000
}

/// An SDK timestamp.
pub fn at(millis: u64) -> DateTime {
    DateTime::from_millis(millis as i64)
}

/// A datum of `name` with one dimension `Queue=q`, `value` at `millis`.
pub fn datum(name: &str, value: f64, millis: u64) -> MetricDatum {
    MetricDatum::builder()
        .metric_name(name)
        .dimensions(Dimension::builder().name("Queue").value("q").build())
        .value(value)
        .unit(StandardUnit::Count)
        .timestamp(at(millis))
        .build()
}

/// What the SDK sent: (path, content-type, smithy-protocol, content-encoding) of each
/// request.
#[derive(Debug, Clone, Default)]
pub struct Seen(pub Arc<Mutex<Vec<Sent>>>);

/// (path, content-type, smithy-protocol, content-encoding).
pub type Sent = (String, String, String, String);

impl Intercept for Seen {
    fn name(&self) -> &'static str {
        "Seen"
    }

    fn read_before_transmit(
        &self,
        ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let req = ctx.request();
        let header = |n: &str| req.headers().get(n).unwrap_or("").to_owned();
        let uri: http::Uri = req.uri().parse()?;
        self.0.lock().unwrap().push((
            uri.path().to_owned(),
            header("content-type"),
            header("smithy-protocol"),
            header("content-encoding"),
        ));
        Ok(())
    }
}

/// A client that records what it sends.
pub fn recording_client(sb: &TestSandbox) -> (aws_sdk_cloudwatch::Client, Seen) {
    let seen = Seen::default();
    let client = sb.cloudwatch();
    let conf = client
        .config()
        .to_builder()
        .interceptor(seen.clone())
        .build();
    (aws_sdk_cloudwatch::Client::from_conf(conf), seen)
}

/// The awsQuery error code and the `x-amzn-query-error` code of an SDK error.
pub fn code<E>(e: &aws_sdk_cloudwatch::error::SdkError<E>) -> String
where
    E: aws_sdk_cloudwatch::error::ProvideErrorMetadata,
{
    e.as_service_error()
        .and_then(|s| s.code())
        .unwrap_or("<no code>")
        .to_owned()
}

/// The message of an SDK error.
pub fn message<E>(e: &aws_sdk_cloudwatch::error::SdkError<E>) -> String
where
    E: aws_sdk_cloudwatch::error::ProvideErrorMetadata,
{
    e.as_service_error()
        .and_then(|s| s.message())
        .unwrap_or("<no message>")
        .to_owned()
}
