//! The metric store: every datum CloudWatch holds, aggregated per metric and per period.
//!
//! The API other modules use (the operations in `ops`, the alarms in `alarms`) is the
//! [`MetricStore`] and the types below. Datums arrive from clients (`PutMetricData`, through
//! [`MetricStore::put`]), from services as they happen ([`nimbus_core::bus::metrics::MetricSink`],
//! implemented by the store) and from the services' counters and gauges, sampled each clock
//! minute ([`MetricStore::spawn_sampler`]).
//!
//! SKELETON: the types and signatures are the contract between the engineers building the
//! operations, the store and the alarms; bodies marked `unimplemented!` are being written.

use std::sync::Arc;

use nimbus_core::ServiceEnv;
use nimbus_core::bus::metrics::MetricUnit;

use crate::error::Result;

/// What names a metric: namespace, name and dimensions (sorted by name; at most 30).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MetricIdentity {
    /// `AWS/SQS`, or a client's own namespace.
    pub namespace: String,
    /// `NumberOfMessagesSent`.
    pub metric_name: String,
    /// (Name, Value) pairs, sorted by name.
    pub dimensions: Vec<(String, String)>,
}

/// Precomputed statistics a client sends instead of values (`StatisticValues`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StatisticSet {
    /// `SampleCount`.
    pub sample_count: f64,
    /// `Sum`.
    pub sum: f64,
    /// `Minimum`.
    pub minimum: f64,
    /// `Maximum`.
    pub maximum: f64,
}

/// One `MetricDatum` of a `PutMetricData`, validated by the operation.
#[derive(Clone, Debug, PartialEq)]
pub struct PutDatum {
    /// Metric name and dimensions (the namespace is the request's).
    pub metric_name: String,
    /// (Name, Value) pairs as sent.
    pub dimensions: Vec<(String, String)>,
    /// When, ms since the epoch (the request's arrival on the sandbox clock when absent).
    pub timestamp_millis: u64,
    /// `Value`, or `Values` with their `Counts` (count 1 when absent); empty with a
    /// statistic set.
    pub values: Vec<(f64, f64)>,
    /// `StatisticValues`.
    pub statistic_values: Option<StatisticSet>,
    /// `Unit` (`None` when absent).
    pub unit: MetricUnit,
    /// `StorageResolution`: 1 (high resolution) or 60.
    pub storage_resolution: u32,
}

/// A statistic of `GetMetricStatistics`, `GetMetricData`'s `MetricStat` and alarms.
#[derive(Clone, Debug, PartialEq)]
pub enum Statistic {
    /// `SampleCount`.
    SampleCount,
    /// `Average`.
    Average,
    /// `Sum`.
    Sum,
    /// `Minimum`.
    Minimum,
    /// `Maximum`.
    Maximum,
    /// An extended statistic as written (`p99`, `p99.9`, `tm90`, `TM(10%:90%)`, `wm99`,
    /// `tc90`, `ts90`, `PR(:300)`), parsed and validated by [`Statistic::parse`].
    Extended(String),
}

impl Statistic {
    /// A statistic as a request writes it (`Average`, `p99`…); `None` when it is not one.
    pub fn parse(s: &str) -> Option<Statistic> {
        let _ = s;
        unimplemented!("metric store: Statistic::parse")
    }
}

/// A question about one metric over a time range: `GetMetricStatistics`, a `MetricStat` of
/// `GetMetricData`, an alarm's metric.
#[derive(Clone, Debug, PartialEq)]
pub struct StatisticsQuery {
    /// The account asking (metrics are per account and region).
    pub account: String,
    /// The region.
    pub region: String,
    /// The metric (dimensions must match exactly, as AWS matches them).
    pub metric: MetricIdentity,
    /// Start, inclusive, ms since the epoch.
    pub start_millis: u64,
    /// End, exclusive, ms since the epoch.
    pub end_millis: u64,
    /// The period, seconds (1, 5, 10, 20, 30 or a multiple of 60).
    pub period_secs: u32,
    /// The statistics wanted.
    pub statistics: Vec<Statistic>,
    /// Only data in this unit, when given.
    pub unit: Option<MetricUnit>,
}

/// One period's statistics, as `GetMetricStatistics` returns a `Datapoint`.
#[derive(Clone, Debug, PartialEq)]
pub struct Datapoint {
    /// The period's start, ms since the epoch.
    pub timestamp_millis: u64,
    /// The statistics asked for, in the order asked, with their values.
    pub values: Vec<(Statistic, f64)>,
    /// The unit of the data.
    pub unit: MetricUnit,
}

/// What `ListMetrics` filters on.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListFilter {
    /// The account asking.
    pub account: String,
    /// The region.
    pub region: String,
    /// `Namespace`.
    pub namespace: Option<String>,
    /// `MetricName`.
    pub metric_name: Option<String>,
    /// `Dimensions` (`Value` optional: a name alone matches any value).
    pub dimensions: Vec<(String, Option<String>)>,
    /// `RecentlyActive=PT3H`: only metrics with data in the last three hours.
    pub recently_active: bool,
}

/// The metric store (see the module's documentation).
pub struct MetricStore {
    _private: (),
}

impl MetricStore {
    /// Opens the store under `<data-dir>/cloudwatch/` (in memory with `--in-memory`),
    /// loading what was committed.
    pub fn open(env: &ServiceEnv) -> Result<Arc<MetricStore>> {
        let _ = env;
        unimplemented!("metric store: open")
    }

    /// Stores a `PutMetricData`'s datums in `namespace` for `account`/`region`; returns once
    /// they are committed.
    pub async fn put(
        &self,
        account: &str,
        region: &str,
        namespace: &str,
        data: Vec<PutDatum>,
    ) -> Result<()> {
        let _ = (account, region, namespace, data);
        unimplemented!("metric store: put")
    }

    /// The datapoints of one metric per period, oldest first, for the periods that have data.
    pub fn statistics(&self, query: &StatisticsQuery) -> Vec<Datapoint> {
        let _ = query;
        unimplemented!("metric store: statistics")
    }

    /// The metrics matching `filter`, sorted, for `ListMetrics` to page through.
    pub fn list(&self, filter: &ListFilter) -> Vec<MetricIdentity> {
        let _ = filter;
        unimplemented!("metric store: list")
    }

    /// Starts the task that, at each clock minute, samples every `MetricSource` registered on
    /// the bus into the store; it ends at [`MetricStore::shutdown`].
    pub fn spawn_sampler(self: &Arc<MetricStore>, env: &ServiceEnv) {
        let _ = env;
        unimplemented!("metric store: spawn_sampler")
    }

    /// Every series in Prometheus's text format, for `GET /_nimbus/metrics`.
    pub fn prometheus_text(&self) -> String {
        unimplemented!("metric store: prometheus_text")
    }

    /// Stops the sampler and flushes what is pending; called once on shutdown.
    pub async fn shutdown(&self) {
        unimplemented!("metric store: shutdown")
    }
}
