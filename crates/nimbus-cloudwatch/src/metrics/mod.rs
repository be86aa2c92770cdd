//! The metric store: every datum CloudWatch holds, aggregated per metric and per period.
//!
//! The API other modules use (the operations in `ops`, the alarms in `alarms`) is the
//! [`MetricStore`] and the types below. Datums arrive from clients (`PutMetricData`, through
//! [`MetricStore::put`]), from services as they happen ([`nimbus_core::bus::metrics::MetricSink`],
//! implemented by the store) and from the services' counters and gauges, sampled each clock
//! minute ([`MetricStore::spawn_sampler`]).
//!
//! **Storage model** (as CloudWatch's "metrics retention" and "high-resolution metrics"):
//! one series per (account, region, namespace, metric name, dimensions, unit), holding
//! buckets in four tiers: 1-second buckets for high-resolution data (`StorageResolution` 1)
//! for 3 hours, 1-minute buckets for standard data for 15 days, 5-minute buckets for 63 days
//! and 1-hour buckets for 455 days; each tier rolls into the next as it ages (on the sandbox
//! clock, once per clock minute), so data is never counted twice and Sum and SampleCount are
//! kept exactly to the end. Each bucket keeps SampleCount, Sum, Minimum, Maximum and a value
//! distribution for percentiles and the other extended statistics: exact up to 64 distinct
//! values (1,024 in a queried period), then a log histogram within 1% relative error
//! (`sketch`).
//!
//! **Bounds**: at most [`Limits::max_series`] series (default 50,000) and
//! [`Limits::max_buckets`] buckets in all (default 2,000,000); past either, the least
//! recently published series are evicted (from memory and disk). A series holds at most
//! 10,800 second, 21,600 minute, 13,824 five-minute and 9,408 hour buckets (its retention;
//! data older than 455 days or more than 2 hours ahead of the clock is dropped), a bucket at
//! most 64 exact values or 512 histogram bins. Services' datums wait in a queue of at most
//! 16,384 before they are aggregated.
//!
//! **Durability**: a `put` returns once its buckets are committed to
//! `<data-dir>/cloudwatch/cloudwatch.db` (`persist`). A service's [`MetricSink::record`]
//! only appends the datum to a queue (a short lock, no I/O, no allocation once the queue has
//! grown); the queue is aggregated at the next read, each second by the sampler task, or by
//! the recorder that fills it, and written to disk in the background each second, so a
//! `kill -9` loses at most the last second of service metrics. `--in-memory` keeps the same
//! semantics without a file.
//!
//! Modules: `series` (the series and their buckets, bounds, retention), `aggregate` (a
//! bucket's statistics), `sketch` (its distribution), `statistic` (the statistics and
//! their definitions), `persist` (SQLite), `sampler` (the minute sampler and the background
//! flush), `prometheus` (the text endpoint).

mod aggregate;
mod persist;
mod prometheus;
mod sampler;
mod series;
mod sketch;
mod statistic;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use nimbus_core::bus::metrics::{MetricDatum, MetricSink, MetricUnit};
use nimbus_core::storage::group_commit::GroupCommit;
use nimbus_core::{ServiceEnv, SharedClock};
use parking_lot::Mutex;

use crate::error::{CloudWatchError, Result};

use aggregate::Agg;
use persist::Effect;
pub use series::Limits;
use series::{
    FIVE_MINUTE_RETENTION, HIGH_RES_RETENTION, HOUR, Index, MINUTE, MINUTE_RETENTION, RETENTION,
};

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
        Some(match s {
            "SampleCount" => Statistic::SampleCount,
            "Average" => Statistic::Average,
            "Sum" => Statistic::Sum,
            "Minimum" => Statistic::Minimum,
            "Maximum" => Statistic::Maximum,
            _ => {
                statistic::Extended::parse(s)?;
                Statistic::Extended(s.to_string())
            }
        })
    }

    /// The statistic as written (`Average`, `p99`).
    pub fn as_str(&self) -> &str {
        match self {
            Statistic::SampleCount => "SampleCount",
            Statistic::Average => "Average",
            Statistic::Sum => "Sum",
            Statistic::Minimum => "Minimum",
            Statistic::Maximum => "Maximum",
            Statistic::Extended(s) => s,
        }
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

/// What names a series: a metric and the unit its data was published with.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct SeriesKey {
    /// The owning account.
    pub account: String,
    /// The region.
    pub region: String,
    /// Namespace, name and sorted dimensions.
    pub identity: MetricIdentity,
    /// The unit.
    pub unit: MetricUnit,
}

/// Most datums a service may queue before the recorder aggregates them itself.
const PENDING_MAX: usize = 16_384;

/// The metric store (see the module's documentation).
pub struct MetricStore {
    clock: SharedClock,
    index: Mutex<Index>,
    writer: GroupCommit<Effect>,
    /// Services' datums not yet aggregated.
    pending: Mutex<Vec<MetricDatum>>,
    /// An emptied queue kept for the next swap, so the queue does not reallocate.
    spare: Mutex<Vec<MetricDatum>>,
    sampler: sampler::Sampler,
}

impl MetricStore {
    /// Opens the store under `<data-dir>/cloudwatch/` (in memory with `--in-memory`),
    /// loading what was committed.
    pub fn open(env: &ServiceEnv) -> Result<Arc<MetricStore>> {
        MetricStore::open_with(env, Limits::default())
    }

    /// [`MetricStore::open`] with other bounds.
    pub fn open_with(env: &ServiceEnv, limits: Limits) -> Result<Arc<MetricStore>> {
        let storage_error = |e: &dyn std::fmt::Display| {
            CloudWatchError::internal(format!("cannot open the metric store: {e}"))
        };
        let mut index = Index::new(limits);
        let now = env.clock.now_millis();
        let writer = match env
            .storage
            .service_dir("cloudwatch")
            .map_err(|e| storage_error(&e))?
        {
            Some(dir) => {
                let cutoff = now.saturating_sub(RETENTION);
                persist::open(&dir, env.storage.durability, &mut index, cutoff)
                    .map_err(|e| storage_error(&e))?
            }
            None => GroupCommit::in_memory(),
        };
        // What this rolls up or expires is written with the first changes.
        index.after_load(now);
        Ok(Arc::new(MetricStore {
            clock: env.clock.clone(),
            index: Mutex::new(index),
            writer,
            pending: Mutex::new(Vec::with_capacity(1024)),
            spare: Mutex::new(Vec::with_capacity(1024)),
            sampler: sampler::Sampler::default(),
        }))
    }

    /// Makes the store the bus's metric sink and starts its sampler: what the sandbox calls
    /// once CloudWatch runs.
    pub fn start(self: &Arc<MetricStore>, env: &ServiceEnv) {
        env.bus.register_metrics(self.clone());
        self.spawn_sampler(env);
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
        let now = self.clock.now_millis();
        let ack = {
            let mut index = self.index.lock();
            for d in data {
                let has_data = d.values.iter().any(|(_, count)| *count > 0.0)
                    || d.statistic_values.is_some_and(|s| s.sample_count > 0.0);
                if !has_data {
                    continue;
                }
                let mut dimensions = d.dimensions;
                dimensions.sort();
                let key = SeriesKey {
                    account: account.to_string(),
                    region: region.to_string(),
                    identity: MetricIdentity {
                        namespace: namespace.to_string(),
                        metric_name: d.metric_name,
                        dimensions,
                    },
                    unit: d.unit,
                };
                let high_res = d.storage_resolution < 60;
                index.record(&key, d.timestamp_millis, high_res, now, |agg| {
                    if let Some(s) = d.statistic_values {
                        agg.add_set(s.sample_count, s.sum, s.minimum, s.maximum);
                    }
                    for (value, count) in &d.values {
                        agg.add_value(*value, *count);
                    }
                });
            }
            let effects = index.take_changes(self.writer.is_durable());
            self.writer.submit(effects)
        };
        ack.wait()
            .await
            .map_err(|e| CloudWatchError::internal(format!("the metric store failed: {e}")))
    }

    /// The datapoints of one metric per period, oldest first, for the periods that have data.
    ///
    /// Periods start at `start_millis` rounded down as AWS rounds `StartTime` (to the period
    /// for periods under a minute; else to the minute for a start less than 15 days ago, to
    /// 5 minutes up to 63 days, to the hour beyond) and follow each other up to `end_millis`.
    /// As AWS documents, a start more than 3 hours ago needs a period that is a multiple of
    /// 60 seconds, more than 15 days ago of 300, more than 63 days ago of 3600: with another
    /// period there are no datapoints. Without a unit, each unit the metric was published
    /// with gives its own datapoints. An extended statistic that cannot be given (negative
    /// values) is left out of its datapoint.
    pub fn statistics(&self, query: &StatisticsQuery) -> Vec<Datapoint> {
        self.refresh();
        let now = self.clock.now_millis();
        let period = u64::from(query.period_secs.max(1)) * 1000;
        let age = now.saturating_sub(query.start_millis);
        let (align, needed) = if age > FIVE_MINUTE_RETENTION {
            (HOUR, HOUR)
        } else if age > MINUTE_RETENTION {
            (5 * MINUTE, 5 * MINUTE)
        } else if age > HIGH_RES_RETENTION {
            (MINUTE, MINUTE)
        } else if period < MINUTE {
            (period, 1)
        } else {
            (MINUTE, 1)
        };
        if period % needed != 0 {
            return Vec::new();
        }
        let align = if period < MINUTE { period } else { align };
        let start = query.start_millis / align * align;
        let end = query.end_millis;
        if end <= start {
            return Vec::new();
        }
        let mut identity = query.metric.clone();
        identity.dimensions.sort();
        let mut key = SeriesKey {
            account: query.account.clone(),
            region: query.region.clone(),
            identity,
            unit: MetricUnit::None,
        };
        let units = match query.unit {
            Some(u) => vec![u],
            None => MetricUnit::ALL.to_vec(),
        };
        let mut out = Vec::new();
        let index = self.index.lock();
        for unit in units {
            key.unit = unit;
            let Some(series) = index.get(&key) else {
                continue;
            };
            let mut periods: BTreeMap<u64, Agg> = BTreeMap::new();
            for (t, agg) in series.buckets_in(start..end) {
                let p = start + (t - start) / period * period;
                periods.entry(p).or_default().merge_into_period(agg);
            }
            for (t, agg) in periods {
                if agg.is_empty() {
                    continue;
                }
                let values = query
                    .statistics
                    .iter()
                    .filter_map(|s| Some((s.clone(), s.compute(&agg)?)))
                    .collect();
                out.push(Datapoint {
                    timestamp_millis: t,
                    values,
                    unit,
                });
            }
        }
        drop(index);
        out.sort_by_key(|d| d.timestamp_millis);
        out
    }

    /// The metrics matching `filter`, sorted, for `ListMetrics` to page through: those with
    /// data published in the last two weeks (with `recently_active`, the last three hours).
    pub fn list(&self, filter: &ListFilter) -> Vec<MetricIdentity> {
        const TWO_WEEKS: u64 = 14 * 24 * 60 * MINUTE;
        self.refresh();
        let now = self.clock.now_millis();
        let since = if filter.recently_active {
            now.saturating_sub(HIGH_RES_RETENTION)
        } else {
            now.saturating_sub(TWO_WEEKS)
        };
        let index = self.index.lock();
        let found: BTreeSet<&MetricIdentity> = index
            .series
            .values()
            .filter(|s| {
                let k = &s.key;
                let id = &k.identity;
                s.last_publish >= since
                    && k.account == filter.account
                    && k.region == filter.region
                    && filter.namespace.as_ref().is_none_or(|n| *n == id.namespace)
                    && filter
                        .metric_name
                        .as_ref()
                        .is_none_or(|n| *n == id.metric_name)
                    && filter.dimensions.iter().all(|(name, value)| {
                        id.dimensions
                            .iter()
                            .any(|(n, v)| n == name && value.as_ref().is_none_or(|w| w == v))
                    })
            })
            .map(|s| &s.key.identity)
            .collect();
        found.into_iter().cloned().collect()
    }

    /// Every series in Prometheus's text format, for `GET /_nimbus/metrics` (see
    /// `prometheus` for the mapping).
    pub fn prometheus_text(&self) -> String {
        self.refresh();
        let index = self.index.lock();
        prometheus::render(&index)
    }

    /// Stops the sampler and flushes what is pending; called once on shutdown.
    pub async fn shutdown(&self) {
        self.sampler.stop();
        self.drain();
        let ack = {
            let mut index = self.index.lock();
            let effects = index.take_changes(self.writer.is_durable());
            self.writer.submit(effects)
        };
        if let Err(e) = ack.wait().await {
            tracing::warn!(error = %e, "could not write the last CloudWatch metrics");
        }
        self.writer.shutdown().await;
    }

    /// How many series are held (for tests and bounds).
    pub fn series_count(&self) -> usize {
        self.drain();
        self.index.lock().series.len()
    }

    /// How many buckets are held over all series (for tests and bounds).
    pub fn bucket_count(&self) -> usize {
        self.drain();
        self.index.lock().bucket_count()
    }

    /// Samples the minutes that are due and aggregates the services' queued datums, so a
    /// read sees everything recorded before it.
    fn refresh(&self) {
        self.catch_up();
        self.drain();
    }

    /// Aggregates the services' queued datums.
    fn drain(&self) {
        let mut batch = std::mem::take(&mut *self.spare.lock());
        std::mem::swap(&mut *self.pending.lock(), &mut batch);
        if !batch.is_empty() {
            let now = self.clock.now_millis();
            let mut index = self.index.lock();
            for datum in batch.drain(..) {
                record_datum(&mut index, datum, now);
            }
        }
        *self.spare.lock() = batch;
    }

    /// Hands what changed to the writer without waiting (services' data: batched, in the
    /// background).
    fn flush_background(&self) {
        if !self.writer.is_durable() {
            self.index.lock().take_changes(false);
            return;
        }
        let mut index = self.index.lock();
        let effects = index.take_changes(true);
        self.writer.submit_background(effects);
    }
}

/// Aggregates one service datum: a single observation, or a counter's sum over
/// `sample_count` events (each counted as the average, `value / sample_count`, so Sum and
/// SampleCount are exact). A datum of a known series allocates nothing.
fn record_datum(index: &mut Index, datum: MetricDatum, now: u64) {
    if datum.sample_count == 0 {
        return;
    }
    let (value, count) = (datum.value, datum.sample_count as f64);
    index.record(&datum, datum.timestamp_millis, false, now, |agg| {
        if datum.sample_count == 1 {
            agg.add_value(value, 1.0);
        } else {
            let each = value / count;
            agg.add_set(count, value, each, each);
        }
    });
}

impl MetricSink for MetricStore {
    /// Queues the datum (a short lock, no I/O); the recorder that fills the queue to
    /// `PENDING_MAX` aggregates it.
    fn record(&self, datum: MetricDatum) {
        let full = {
            let mut pending = self.pending.lock();
            pending.push(datum);
            pending.len() >= PENDING_MAX
        };
        if full {
            self.drain();
        }
    }
}
