//! CloudWatch metrics as the other services see them.
//!
//! Services publish the metrics AWS publishes for them (`AWS/SQS`, `AWS/Lambda`, `AWS/S3`)
//! in two ways, both without an HTTP round trip and without waiting on storage:
//! - an event metric (an invocation's `Duration`, a `SentMessageSize`) is handed to the
//!   [`MetricSink`] as it happens, with the timestamp AWS gives it;
//! - counters and gauges a service keeps itself (messages visible, messages sent this
//!   minute) are read by CloudWatch once per clock minute from each registered
//!   [`MetricSource`].
//!
//! CloudWatch (the `nimbus-cloudwatch` crate) implements the sink and samples the sources; a
//! sandbox started without it records nothing, and recording is then free.

/// The unit of a datum, by CloudWatch's names (`StandardUnit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum MetricUnit {
    Seconds,
    Microseconds,
    Milliseconds,
    Bytes,
    Kilobytes,
    Megabytes,
    Gigabytes,
    Terabytes,
    Bits,
    Kilobits,
    Megabits,
    Gigabits,
    Terabits,
    Percent,
    Count,
    BytesPerSecond,
    KilobytesPerSecond,
    MegabytesPerSecond,
    GigabytesPerSecond,
    TerabytesPerSecond,
    BitsPerSecond,
    KilobitsPerSecond,
    MegabitsPerSecond,
    GigabitsPerSecond,
    TerabitsPerSecond,
    CountPerSecond,
    None,
}

impl MetricUnit {
    /// Every unit, in the order of CloudWatch's model.
    pub const ALL: [MetricUnit; 27] = [
        MetricUnit::Seconds,
        MetricUnit::Microseconds,
        MetricUnit::Milliseconds,
        MetricUnit::Bytes,
        MetricUnit::Kilobytes,
        MetricUnit::Megabytes,
        MetricUnit::Gigabytes,
        MetricUnit::Terabytes,
        MetricUnit::Bits,
        MetricUnit::Kilobits,
        MetricUnit::Megabits,
        MetricUnit::Gigabits,
        MetricUnit::Terabits,
        MetricUnit::Percent,
        MetricUnit::Count,
        MetricUnit::BytesPerSecond,
        MetricUnit::KilobytesPerSecond,
        MetricUnit::MegabytesPerSecond,
        MetricUnit::GigabytesPerSecond,
        MetricUnit::TerabytesPerSecond,
        MetricUnit::BitsPerSecond,
        MetricUnit::KilobitsPerSecond,
        MetricUnit::MegabitsPerSecond,
        MetricUnit::GigabitsPerSecond,
        MetricUnit::TerabitsPerSecond,
        MetricUnit::CountPerSecond,
        MetricUnit::None,
    ];

    /// The unit's name on the wire (`Bytes/Second`, `Count`).
    pub fn as_str(self) -> &'static str {
        match self {
            MetricUnit::Seconds => "Seconds",
            MetricUnit::Microseconds => "Microseconds",
            MetricUnit::Milliseconds => "Milliseconds",
            MetricUnit::Bytes => "Bytes",
            MetricUnit::Kilobytes => "Kilobytes",
            MetricUnit::Megabytes => "Megabytes",
            MetricUnit::Gigabytes => "Gigabytes",
            MetricUnit::Terabytes => "Terabytes",
            MetricUnit::Bits => "Bits",
            MetricUnit::Kilobits => "Kilobits",
            MetricUnit::Megabits => "Megabits",
            MetricUnit::Gigabits => "Gigabits",
            MetricUnit::Terabits => "Terabits",
            MetricUnit::Percent => "Percent",
            MetricUnit::Count => "Count",
            MetricUnit::BytesPerSecond => "Bytes/Second",
            MetricUnit::KilobytesPerSecond => "Kilobytes/Second",
            MetricUnit::MegabytesPerSecond => "Megabytes/Second",
            MetricUnit::GigabytesPerSecond => "Gigabytes/Second",
            MetricUnit::TerabytesPerSecond => "Terabytes/Second",
            MetricUnit::BitsPerSecond => "Bits/Second",
            MetricUnit::KilobitsPerSecond => "Kilobits/Second",
            MetricUnit::MegabitsPerSecond => "Megabits/Second",
            MetricUnit::GigabitsPerSecond => "Gigabits/Second",
            MetricUnit::TerabitsPerSecond => "Terabits/Second",
            MetricUnit::CountPerSecond => "Count/Second",
            MetricUnit::None => "None",
        }
    }

    /// The unit a wire name stands for.
    pub fn parse(s: &str) -> Option<MetricUnit> {
        MetricUnit::ALL.into_iter().find(|u| u.as_str() == s)
    }
}

/// One observation of a metric, as a service publishes it.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricDatum {
    /// The account the metric belongs to (the queue's, the function's, the bucket's).
    pub account: String,
    /// The region it is published in.
    pub region: String,
    /// `AWS/SQS`, `AWS/Lambda`, `AWS/S3`.
    pub namespace: &'static str,
    /// `NumberOfMessagesSent`, `Duration`…
    pub metric_name: &'static str,
    /// The dimensions, by AWS's names (`QueueName`, `FunctionName`, `BucketName`,
    /// `StorageType`), in the order AWS lists them.
    pub dimensions: Vec<(&'static str, String)>,
    /// When it happened (an invocation's start; a sampled minute's start), ms since the epoch
    /// on the sandbox clock.
    pub timestamp_millis: u64,
    /// The value: one observation, or, for a counter a source sums itself, the minute's sum.
    pub value: f64,
    /// How many observations `value` stands for: 1 for one observation; for a counter a
    /// source reports as one sum per minute, the number of events it counted (so `SampleCount`
    /// is AWS's). A sum of 0 over 0 events is not reported: AWS publishes no point then.
    pub sample_count: u64,
    /// The unit.
    pub unit: MetricUnit,
}

/// Where services hand the metrics they publish as they happen. Recording never blocks on
/// storage and never fails: CloudWatch aggregates in memory and persists in the background.
pub trait MetricSink: Send + Sync {
    /// Records one datum.
    fn record(&self, datum: MetricDatum);
}

/// A service's own counters and gauges, read by CloudWatch once per clock minute.
pub trait MetricSource: Send + Sync {
    /// Appends to `out` the data for the minute that ends at `minute_end_millis` (a multiple
    /// of 60,000 on the sandbox clock): gauges as sampled now, counters as counted since the
    /// previous call (then reset). Must be quick: it runs beside the engines' work.
    fn sample(&self, minute_end_millis: u64, out: &mut Vec<MetricDatum>);
}
