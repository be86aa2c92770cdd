//! Lambda's CloudWatch metrics (`AWS/Lambda`), as AWS defines them.
//!
//! Invocation metrics are event metrics, handed to the bus's `MetricSink` as each
//! invocation ends, stamped with the invocation's **start** (AWS's rule), each published for
//! the function (`FunctionName`), for the account (no dimension) and, when the invocation
//! named a qualifier, for `FunctionName` + `Resource` (`name:qualifier`):
//! - every invocation that ran: `Invocations` 1, `Errors` 1 or 0 (a function error or an
//!   environment failure), `Throttles` 0, `Duration` (ms, one datum each, for percentiles);
//! - a throttled request: `Throttles` 1 alone (it is not an invocation);
//! - asynchronous invocations: `AsyncEventsReceived` when an event is queued, `AsyncEventAge`
//!   (ms from the queueing to each attempt), `AsyncEventsDropped` when an event leaves the
//!   queue without a successful run (age or retries exhausted, function gone), and
//!   `DeadLetterErrors` / `DestinationDeliveryFailures` when sending its record fails.
//!
//! `ConcurrentExecutions` (the function's and the account's) and
//! `UnreservedConcurrentExecutions` (the account's, functions without reserved concurrency)
//! are the most running at once during each clock minute, kept by the executor as a
//! high-water mark and read by [`LambdaMetrics`], the service's `MetricSource`.
//!
//! Event source mappings publish `PolledEventCount`, `FilteredOutEventCount`,
//! `InvokedEventCount`, `FailedInvokeEventCount` and `DeletedEventCount` (dimension
//! `EventSourceMappingUUID`) only when their `MetricsConfig` lists `EventCount`.
//!
//! Nothing is built when CloudWatch does not run (the bus has no sink).

use std::sync::Weak;

use nimbus_core::bus::metrics::{MetricDatum, MetricSource, MetricUnit};

use crate::LambdaService;
use crate::error::{LambdaError, LambdaErrorCode};
use crate::event_source::MappingRecord;
use crate::model::FunctionKey;
use crate::runtime::InvokeResult;

/// The metric namespace.
pub const NAMESPACE: &str = "AWS/Lambda";

/// The qualifier an invocation named, in the function reference (`name:$LATEST`) or as
/// `Qualifier`: its metrics' `Resource` is `name:qualifier`.
pub(crate) fn qualifier_of(reference: &str, query: Option<&str>) -> Option<String> {
    let r = crate::model::FunctionRef::parse(reference).ok()?;
    r.qualifier.or_else(|| query.map(str::to_owned))
}

/// One datum of `AWS/Lambda`.
fn datum(
    account: &str,
    region: &str,
    metric_name: &'static str,
    dimensions: Vec<(&'static str, String)>,
    at: u64,
    value: f64,
    unit: MetricUnit,
) -> MetricDatum {
    MetricDatum {
        account: account.to_owned(),
        region: region.to_owned(),
        namespace: NAMESPACE,
        metric_name,
        dimensions,
        timestamp_millis: at,
        value,
        sample_count: 1,
        unit,
    }
}

impl LambdaService {
    /// Publishes `metric` of the function `key` (and the account's, and the qualified
    /// resource's when `qualifier` is given), if CloudWatch runs.
    pub(crate) fn publish(
        &self,
        key: &FunctionKey,
        qualifier: Option<&str>,
        data: &[(&'static str, f64, MetricUnit)],
        at: u64,
    ) {
        let Some(sink) = self.env.bus.metrics() else {
            return;
        };
        for &(name, value, unit) in data {
            let mut series = vec![vec![("FunctionName", key.name.clone())], Vec::new()];
            if let Some(q) = qualifier {
                series.push(vec![
                    ("FunctionName", key.name.clone()),
                    ("Resource", format!("{}:{q}", key.name)),
                ]);
            }
            for dims in series {
                sink.record(datum(
                    &key.account,
                    &key.region,
                    name,
                    dims,
                    at,
                    value,
                    unit,
                ));
            }
        }
    }

    /// Publishes the metrics of one invocation that started at `at`.
    pub(crate) fn publish_invocation(
        &self,
        key: &FunctionKey,
        qualifier: Option<&str>,
        at: u64,
        result: &Result<InvokeResult, LambdaError>,
    ) {
        if self.env.bus.metrics().is_none() {
            return;
        }
        match result {
            Ok(r) => self.publish(
                key,
                qualifier,
                &[
                    ("Invocations", 1.0, MetricUnit::Count),
                    (
                        "Errors",
                        if r.function_error { 1.0 } else { 0.0 },
                        MetricUnit::Count,
                    ),
                    ("Throttles", 0.0, MetricUnit::Count),
                    ("Duration", r.duration_ms, MetricUnit::Milliseconds),
                ],
                at,
            ),
            Err(e) if e.kind() == LambdaErrorCode::TooManyRequests => {
                self.publish(key, qualifier, &[("Throttles", 1.0, MetricUnit::Count)], at)
            }
            Err(_) => {}
        }
    }

    /// Publishes an event count of `mapping` (when its `MetricsConfig` asks for them).
    pub(crate) fn publish_mapping_count(
        &self,
        mapping: &MappingRecord,
        metric: &'static str,
        count: usize,
    ) {
        if count == 0 || !mapping.counts_events() {
            return;
        }
        let Some(sink) = self.env.bus.metrics() else {
            return;
        };
        let at = self.env.clock.now_millis();
        sink.record(datum(
            &mapping.function.account,
            &mapping.function.region,
            metric,
            vec![("EventSourceMappingUUID", mapping.uuid.clone())],
            at,
            count as f64,
            MetricUnit::Count,
        ));
    }
}

/// Lambda as a CloudWatch [`MetricSource`]: the minute's concurrency peaks.
pub struct LambdaMetrics {
    service: Weak<LambdaService>,
}

impl LambdaMetrics {
    /// The source for `service` (held weakly).
    pub fn new(service: Weak<LambdaService>) -> LambdaMetrics {
        LambdaMetrics { service }
    }
}

impl MetricSource for LambdaMetrics {
    fn sample(&self, minute_end_millis: u64, out: &mut Vec<MetricDatum>) {
        let Some(svc) = self.service.upgrade() else {
            return;
        };
        let at = minute_end_millis.saturating_sub(60_000);
        let (functions, accounts) = svc.executor().concurrency().take();
        for (key, peak) in functions {
            out.push(datum(
                &key.account,
                &key.region,
                "ConcurrentExecutions",
                vec![("FunctionName", key.name.clone())],
                at,
                f64::from(peak),
                MetricUnit::Count,
            ));
        }
        for ((account, region), all, unreserved) in accounts {
            let gauge = |name, v: u32| {
                datum(
                    &account,
                    &region,
                    name,
                    Vec::new(),
                    at,
                    f64::from(v),
                    MetricUnit::Count,
                )
            };
            out.push(gauge("ConcurrentExecutions", all));
            out.push(gauge("UnreservedConcurrentExecutions", unreserved));
        }
    }
}
