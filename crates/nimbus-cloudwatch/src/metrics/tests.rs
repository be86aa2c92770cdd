//! The metric store's tests: aggregation and statistics with exact numbers, percentiles and
//! their accuracy, periods and resolutions, listing, the sampler and the retention on a
//! manual clock, bounds, persistence across a restart, the Prometheus text, and an ignored
//! measurement of `record`.

use std::sync::Arc;
use std::time::Duration;

use nimbus_core::bus::metrics::{MetricDatum, MetricSink, MetricSource, MetricUnit};
use nimbus_core::{ManualClock, ServiceEnv, StorageConfig};
use parking_lot::Mutex;

use super::*;

const T0: u64 = ManualClock::DEFAULT_START_MILLIS;
const ACCOUNT: &str = "000000000000";
const REGION: &str = "us-east-1";

fn env_at(clock: &Arc<ManualClock>, dir: Option<&std::path::Path>) -> ServiceEnv {
    ServiceEnv {
        clock: clock.clone(),
        storage: StorageConfig {
            data_dir: dir.map(|d| d.to_path_buf()),
            ..StorageConfig::default()
        },
        ..ServiceEnv::in_memory()
    }
}

fn store() -> (Arc<ManualClock>, Arc<MetricStore>) {
    let clock = ManualClock::at_default_start();
    let store = MetricStore::open(&env_at(&clock, None)).unwrap();
    (clock, store)
}

fn identity(name: &str) -> MetricIdentity {
    MetricIdentity {
        namespace: "App".into(),
        metric_name: name.into(),
        dimensions: vec![("Host".into(), "a".into())],
    }
}

fn datum(name: &str, at: u64, values: &[f64]) -> PutDatum {
    PutDatum {
        metric_name: name.into(),
        dimensions: vec![("Host".into(), "a".into())],
        timestamp_millis: at,
        values: values.iter().map(|v| (*v, 1.0)).collect(),
        statistic_values: None,
        unit: MetricUnit::Count,
        storage_resolution: 60,
    }
}

fn query(name: &str, start: u64, end: u64, period: u32, stats: &[&str]) -> StatisticsQuery {
    StatisticsQuery {
        account: ACCOUNT.into(),
        region: REGION.into(),
        metric: identity(name),
        start_millis: start,
        end_millis: end,
        period_secs: period,
        statistics: stats.iter().map(|s| Statistic::parse(s).unwrap()).collect(),
        unit: None,
    }
}

/// (timestamp, values in the order asked) of each datapoint.
fn points(store: &MetricStore, q: &StatisticsQuery) -> Vec<(u64, Vec<f64>)> {
    store
        .statistics(q)
        .into_iter()
        .map(|d| (d.timestamp_millis, d.values.iter().map(|v| v.1).collect()))
        .collect()
}

fn one(store: &MetricStore, q: &StatisticsQuery, stat: &str) -> Option<f64> {
    let dps = store.statistics(q);
    assert_eq!(dps.len(), 1, "{dps:?}");
    let want = Statistic::parse(stat).unwrap();
    dps[0].values.iter().find(|v| v.0 == want).map(|v| v.1)
}

async fn put(store: &MetricStore, data: Vec<PutDatum>) {
    store.put(ACCOUNT, REGION, "App", data).await.unwrap();
}

const BASIC: [&str; 5] = ["SampleCount", "Sum", "Average", "Minimum", "Maximum"];

#[tokio::test]
async fn a_minute_aggregates_exactly() {
    let (_, store) = store();
    put(&store, vec![datum("Latency", T0 + 1_000, &[3.0, 5.0])]).await;
    put(&store, vec![datum("Latency", T0 + 59_999, &[10.0])]).await;
    let mut set = datum("Latency", T0 + 60_000, &[]);
    set.statistic_values = Some(StatisticSet {
        sample_count: 4.0,
        sum: 20.0,
        minimum: 1.0,
        maximum: 9.0,
    });
    put(&store, vec![set]).await;
    let q = query("Latency", T0, T0 + 120_000, 60, &BASIC);
    assert_eq!(
        points(&store, &q),
        vec![
            (T0, vec![3.0, 18.0, 6.0, 3.0, 10.0]),
            (T0 + 60_000, vec![4.0, 20.0, 5.0, 1.0, 9.0]),
        ]
    );
    // One 2-minute period holds both; the end is exclusive.
    let q = query("Latency", T0, T0 + 120_000, 120, &BASIC);
    assert_eq!(
        points(&store, &q),
        vec![(T0, vec![7.0, 38.0, 38.0 / 7.0, 1.0, 10.0])]
    );
    let q = query("Latency", T0, T0 + 60_000, 60, &["Sum"]);
    assert_eq!(points(&store, &q), vec![(T0, vec![18.0])]);
}

#[tokio::test]
async fn values_with_counts_weigh_each_value() {
    let (_, store) = store();
    let mut d = datum("Size", T0, &[]);
    d.values = vec![(2.0, 3.0), (10.0, 1.0)];
    put(&store, vec![d]).await;
    let q = query(
        "Size",
        T0,
        T0 + 60_000,
        60,
        &["SampleCount", "Sum", "Average", "p50"],
    );
    assert_eq!(points(&store, &q), vec![(T0, vec![4.0, 16.0, 4.0, 2.0])]);
}

#[tokio::test]
async fn periods_start_at_the_start_rounded_to_the_minute() {
    let (_, store) = store();
    for minute in 0..10u64 {
        put(
            &store,
            vec![datum("M", T0 + minute * 60_000 + 5_000, &[1.0])],
        )
        .await;
    }
    // 12:00:30 is rounded to 12:00:00; 5-minute periods follow from there.
    let q = query("M", T0 + 30_000, T0 + 600_000, 300, &["Sum"]);
    assert_eq!(
        points(&store, &q),
        vec![(T0, vec![5.0]), (T0 + 300_000, vec![5.0])]
    );
    // Starting at minute 2, periods are minutes 2–6 and 7–9, not aligned to the epoch.
    let q = query("M", T0 + 120_000, T0 + 600_000, 300, &["Sum"]);
    assert_eq!(
        points(&store, &q),
        vec![(T0 + 120_000, vec![5.0]), (T0 + 420_000, vec![3.0])]
    );
    // Only periods with data.
    let q = query("M", T0 - 3_600_000, T0 + 3_600_000, 3600, &["SampleCount"]);
    assert_eq!(points(&store, &q), vec![(T0, vec![10.0])]);
}

#[tokio::test]
async fn high_resolution_data_keeps_its_seconds() {
    let (clock, store) = store();
    clock.set_millis(T0 + 120_000);
    let mut hi = vec![];
    for s in [0u64, 4, 9, 10, 25] {
        let mut d = datum("Hi", T0 + s * 1000 + 300, &[s as f64]);
        d.storage_resolution = 1;
        hi.push(d);
    }
    put(&store, hi).await;
    // Standard-resolution data of the same metric lands on its minute's start.
    put(&store, vec![datum("Hi", T0 + 61_000, &[100.0])]).await;
    let q = query("Hi", T0, T0 + 120_000, 10, &["SampleCount", "Sum"]);
    assert_eq!(
        points(&store, &q),
        vec![
            (T0, vec![3.0, 13.0]),
            (T0 + 10_000, vec![1.0, 10.0]),
            (T0 + 20_000, vec![1.0, 25.0]),
            (T0 + 60_000, vec![1.0, 100.0]),
        ]
    );
    let q = query("Hi", T0, T0 + 120_000, 1, &["Sum"]);
    assert_eq!(points(&store, &q).len(), 6);
    // A 10-second period starting at 12:00:07 starts at 12:00:00.
    let q = query("Hi", T0 + 7_000, T0 + 20_000, 10, &["Sum"]);
    assert_eq!(
        points(&store, &q),
        vec![(T0, vec![13.0]), (T0 + 10_000, vec![10.0])]
    );
    let q = query("Hi", T0, T0 + 120_000, 60, &["SampleCount", "Sum"]);
    assert_eq!(
        points(&store, &q),
        vec![(T0, vec![5.0, 48.0]), (T0 + 60_000, vec![1.0, 100.0])]
    );
}

#[tokio::test]
async fn units_are_kept_apart() {
    let (_, store) = store();
    let mut bytes = datum("Mixed", T0, &[5.0]);
    bytes.unit = MetricUnit::Bytes;
    put(&store, vec![datum("Mixed", T0, &[1.0]), bytes]).await;
    let mut q = query("Mixed", T0, T0 + 60_000, 60, &["Sum"]);
    let all = store.statistics(&q);
    assert_eq!(all.len(), 2);
    assert_eq!(
        all.iter().map(|d| d.unit).collect::<Vec<_>>(),
        vec![MetricUnit::Bytes, MetricUnit::Count]
    );
    q.unit = Some(MetricUnit::Bytes);
    assert_eq!(points(&store, &q), vec![(T0, vec![5.0])]);
    q.unit = Some(MetricUnit::Seconds);
    assert!(store.statistics(&q).is_empty());
}

#[tokio::test]
async fn dimensions_must_match_exactly() {
    let (_, store) = store();
    let mut d = datum("Dims", T0, &[1.0]);
    d.dimensions = vec![("Z".into(), "1".into()), ("Host".into(), "a".into())];
    put(&store, vec![d, datum("Dims", T0, &[2.0])]).await;
    let mut q = query("Dims", T0, T0 + 60_000, 60, &["Sum"]);
    assert_eq!(points(&store, &q), vec![(T0, vec![2.0])]);
    q.metric.dimensions = vec![("Z".into(), "1".into()), ("Host".into(), "a".into())];
    assert_eq!(points(&store, &q), vec![(T0, vec![1.0])]);
    q.metric.dimensions.clear();
    assert!(store.statistics(&q).is_empty());
}

async fn one_to(n: u32, name: &str, store: &MetricStore) {
    let values: Vec<f64> = (1..=n).map(f64::from).collect();
    put(store, vec![datum(name, T0, &values)]).await;
}

#[tokio::test]
async fn extended_statistics_are_exact_on_few_values() {
    let (_, store) = store();
    one_to(10, "Ten", &store).await;
    let q = |s: &str| query("Ten", T0, T0 + 60_000, 60, &[s]);
    let cases = [
        ("p0", 1.0),
        ("p10", 1.0),
        ("p50", 5.0),
        ("p90", 9.0),
        ("p95", 10.0),
        ("p100", 10.0),
        ("tm90", 5.0),
        ("TM(10%:90%)", 5.5),
        ("tc90", 9.0),
        ("ts90", 45.0),
        ("TS(80%:)", 19.0),
        ("wm90", 5.4),
        ("WM(10%:90%)", 5.5),
        ("PR(:5)", 50.0),
        ("PR(2:4)", 20.0),
        ("TM(2:4)", 3.5),
        ("TC(2:4)", 2.0),
        ("WM(2:4)", (2.0 * 2.0 + 3.0 + 4.0 * 7.0) / 10.0),
        ("IQM", 5.5),
    ];
    for (stat, want) in cases {
        let got = one(&store, &q(stat), stat).unwrap();
        assert!((got - want).abs() < 1e-9, "{stat}: {got} != {want}");
    }
    one_to(50, "Fifty", &store).await;
    for (p, want) in [("p2", 1.0), ("p50", 25.0), ("p90", 45.0), ("p99", 50.0)] {
        let got = one(&store, &query("Fifty", T0, T0 + 60_000, 60, &[p]), p);
        assert_eq!(got, Some(want), "{p}");
    }
    // Minutes of few values each stay exact over a longer period.
    for minute in 0..10u32 {
        let values: Vec<f64> = (1..=50).map(|i| f64::from(minute * 50 + i)).collect();
        let at = T0 + u64::from(minute) * 60_000;
        put(&store, vec![datum("Long", at, &values)]).await;
    }
    let long = |p: &str| one(&store, &query("Long", T0, T0 + 600_000, 600, &[p]), p);
    assert_eq!(long("p50"), Some(250.0));
    assert_eq!(long("p99"), Some(495.0));
    // Fractional edges are counted in part.
    let got = one(&store, &q("TC(5%:95%)"), "TC(5%:95%)").unwrap();
    assert!((got - 9.0).abs() < 1e-9);
}

#[tokio::test]
async fn percentiles_on_many_values_are_within_one_percent() {
    let (_, store) = store();
    let values: Vec<f64> = (1..=20_000).map(|i| f64::from(i) * 0.37).collect();
    for chunk in values.chunks(150) {
        let mut d = datum("Many", T0 + 5_000, &[]);
        d.values = chunk.iter().map(|v| (*v, 1.0)).collect();
        put(&store, vec![d]).await;
    }
    for p in [1.0, 10.0, 50.0, 90.0, 99.0, 99.9] {
        let stat = format!("p{p}");
        let exact = values[((p / 100.0 * values.len() as f64).ceil() as usize).max(1) - 1];
        let got = one(&store, &query("Many", T0, T0 + 60_000, 60, &[&stat]), &stat).unwrap();
        assert!(
            (got - exact).abs() <= exact * sketch::RELATIVE_ACCURACY + 1e-9,
            "{stat}: {got} vs {exact}"
        );
    }
    // Sums and counts stay exact whatever the distribution.
    let got = one(&store, &query("Many", T0, T0 + 60_000, 60, &["Sum"]), "Sum").unwrap();
    assert!((got - values.iter().sum::<f64>()).abs() < 1e-6);
    let tm = one(
        &store,
        &query("Many", T0, T0 + 60_000, 60, &["tm50"]),
        "tm50",
    )
    .unwrap();
    let exact_tm: f64 = values[..10_000].iter().sum::<f64>() / 10_000.0;
    assert!((tm - exact_tm).abs() <= exact_tm * sketch::RELATIVE_ACCURACY);
}

#[tokio::test]
async fn percentiles_need_non_negative_values_and_identical_sets() {
    let (_, store) = store();
    put(&store, vec![datum("Neg", T0, &[-1.0, 4.0])]).await;
    let q = query("Neg", T0, T0 + 60_000, 60, &["Sum", "p50"]);
    assert_eq!(points(&store, &q), vec![(T0, vec![3.0])]);
    let set = |name: &str, count: f64, sum: f64, min: f64, max: f64| {
        let mut d = datum(name, T0, &[]);
        d.statistic_values = Some(StatisticSet {
            sample_count: count,
            sum,
            minimum: min,
            maximum: max,
        });
        d
    };
    put(
        &store,
        vec![
            set("Same", 4.0, 8.0, 2.0, 2.0),
            set("Spread", 4.0, 8.0, 1.0, 3.0),
        ],
    )
    .await;
    let q = query("Same", T0, T0 + 60_000, 60, &["p50"]);
    assert_eq!(points(&store, &q), vec![(T0, vec![2.0])]);
    let q = query("Spread", T0, T0 + 60_000, 60, &["Average", "p50"]);
    assert_eq!(points(&store, &q), vec![(T0, vec![2.0])]);
}

#[test]
fn statistics_parse_as_aws_writes_them() {
    for ok in [
        "Average",
        "p99",
        "p99.9",
        "p0",
        "p100",
        "tm90",
        "TM(10%:90%)",
        "TM(150:1000)",
        "TM(:95%)",
        "wm98",
        "WM(10%:90%)",
        "tc90",
        "TC(0.005:0.030)",
        "ts90",
        "TS(80%:)",
        "PR(:300)",
        "PR(100:2000)",
        "IQM",
    ] {
        assert!(Statistic::parse(ok).is_some(), "{ok}");
    }
    for bad in [
        "average",
        "p",
        "p101",
        "p-1",
        "p9x",
        "TM()",
        "TM(:)",
        "TM(90%:10%)",
        "TM(10%:500)",
        "PR(10%:20%)",
        "XX(1:2)",
        "p99.",
        "tm",
        "TM(10%:90%",
        "p1.12345678901",
    ] {
        assert!(Statistic::parse(bad).is_none(), "{bad}");
    }
    assert_eq!(Statistic::parse("Sum"), Some(Statistic::Sum));
    assert_eq!(
        Statistic::parse("p99").map(|s| s.as_str().to_string()),
        Some("p99".into())
    );
}

#[tokio::test]
async fn list_filters_and_forgets_old_metrics() {
    let (clock, store) = store();
    let mut other = datum("B", T0, &[1.0]);
    other.dimensions = vec![("Host".into(), "b".into())];
    put(
        &store,
        vec![datum("A", T0, &[1.0]), other, datum("A", T0, &[2.0])],
    )
    .await;
    store
        .put("111111111111", REGION, "App", vec![datum("C", T0, &[1.0])])
        .await
        .unwrap();
    let filter = |f: ListFilter| {
        store
            .list(&ListFilter {
                account: ACCOUNT.into(),
                region: REGION.into(),
                ..f
            })
            .into_iter()
            .map(|m| m.metric_name)
            .collect::<Vec<_>>()
    };
    assert_eq!(filter(ListFilter::default()), ["A", "B"]);
    let by_dim = |name: &str, value: Option<&str>| {
        filter(ListFilter {
            dimensions: vec![(name.into(), value.map(str::to_string))],
            ..ListFilter::default()
        })
    };
    assert_eq!(by_dim("Host", Some("b")), ["B"]);
    assert_eq!(by_dim("Host", None), ["A", "B"]);
    assert!(by_dim("Other", None).is_empty());
    let named = ListFilter {
        metric_name: Some("A".into()),
        namespace: Some("App".into()),
        ..ListFilter::default()
    };
    assert_eq!(filter(named.clone()), ["A"]);
    let recent = ListFilter {
        recently_active: true,
        ..ListFilter::default()
    };
    clock.advance(Duration::from_secs(3 * 3600 + 1));
    assert!(filter(recent.clone()).is_empty());
    put(&store, vec![datum("B", T0 + 3 * 3_600_000, &[1.0])]).await;
    assert_eq!(filter(recent), ["B"], "B with Host=a is new, Host=b is not");
    assert_eq!(filter(ListFilter::default()), ["A", "B", "B"]);
    clock.advance(Duration::from_secs(14 * 24 * 3600 + 1));
    assert!(filter(ListFilter::default()).is_empty());
}

/// A source counting what it was asked, reporting one gauge per minute.
struct Gauge {
    asked: Mutex<Vec<u64>>,
}

impl MetricSource for Gauge {
    fn sample(&self, minute_end_millis: u64, out: &mut Vec<MetricDatum>) {
        let mut asked = self.asked.lock();
        asked.push(minute_end_millis);
        out.push(MetricDatum {
            account: ACCOUNT.into(),
            region: REGION.into(),
            namespace: "AWS/SQS",
            metric_name: "ApproximateNumberOfMessagesVisible",
            dimensions: vec![("QueueName", "q".into())],
            timestamp_millis: minute_end_millis - 60_000,
            value: asked.len() as f64,
            sample_count: 1,
            unit: MetricUnit::Count,
        });
    }
}

fn sqs_query(metric: &str, start: u64, end: u64, stats: &[&str]) -> StatisticsQuery {
    StatisticsQuery {
        metric: MetricIdentity {
            namespace: "AWS/SQS".into(),
            metric_name: metric.into(),
            dimensions: vec![("QueueName".into(), "q".into())],
        },
        ..query(metric, start, end, 60, stats)
    }
}

#[tokio::test]
async fn the_sampler_reads_each_source_once_per_clock_minute() {
    let clock = ManualClock::new(T0 + 30_000);
    let env = env_at(&clock, None);
    let gauge = Arc::new(Gauge {
        asked: Mutex::new(Vec::new()),
    });
    env.bus.register_metric_source(gauge.clone());
    let store = MetricStore::open(&env).unwrap();
    store.start(&env);
    assert!(env.bus.metrics().is_some());
    // The task waits on no clock sleeper, which tests count to see a long poll waiting.
    tokio::task::yield_now().await;
    assert_eq!(clock.sleepers(), 0);
    clock.advance(Duration::from_secs(30));
    // The task samples the minute by itself, without a read.
    tokio::time::timeout(Duration::from_secs(5), store.sampled_through(T0 + 60_000))
        .await
        .expect("the minute was sampled");
    assert_eq!(*gauge.asked.lock(), vec![T0 + 60_000]);
    // A jump of three minutes samples each minute, in order; a read catches up at once.
    clock.advance(Duration::from_secs(180));
    let q = sqs_query(
        "ApproximateNumberOfMessagesVisible",
        T0,
        T0 + 600_000,
        &["Maximum"],
    );
    assert_eq!(
        points(&store, &q),
        vec![
            (T0, vec![1.0]),
            (T0 + 60_000, vec![2.0]),
            (T0 + 120_000, vec![3.0]),
            (T0 + 180_000, vec![4.0]),
        ]
    );
    assert_eq!(gauge.asked.lock().len(), 4);
    store.shutdown().await;
}

#[tokio::test]
async fn services_record_through_the_sink() {
    let (_, store) = store();
    let sink: Arc<dyn MetricSink> = store.clone();
    let sent = |value: f64, sample_count: u64| MetricDatum {
        account: ACCOUNT.into(),
        region: REGION.into(),
        namespace: "AWS/SQS",
        metric_name: "NumberOfMessagesSent",
        dimensions: vec![("QueueName", "q".into())],
        timestamp_millis: T0 + 10_000,
        value,
        sample_count,
        unit: MetricUnit::Count,
    };
    sink.record(sent(1.0, 1));
    sink.record(sent(10.0, 10));
    sink.record(sent(0.0, 0));
    let q = sqs_query(
        "NumberOfMessagesSent",
        T0,
        T0 + 60_000,
        &["Sum", "SampleCount", "Maximum"],
    );
    assert_eq!(points(&store, &q), vec![(T0, vec![11.0, 11.0, 1.0])]);
    // Past the queue's bound the recorder aggregates itself: nothing is lost.
    for _ in 0..PENDING_MAX + 5 {
        sink.record(sent(1.0, 1));
    }
    assert!(store.pending.lock().len() < PENDING_MAX);
    let q = sqs_query("NumberOfMessagesSent", T0, T0 + 60_000, &["Sum"]);
    assert_eq!(
        points(&store, &q),
        vec![(T0, vec![11.0 + (PENDING_MAX + 5) as f64])]
    );
}

#[tokio::test]
async fn retention_rolls_each_tier_into_the_next() {
    const DAY: u64 = 24 * 3_600_000;
    let (clock, store) = store();
    let mut hi = datum("R", T0 + 1_500, &[4.0]);
    hi.storage_resolution = 1;
    put(&store, vec![hi, datum("R", T0 + 30_000, &[6.0])]).await;
    assert_eq!(store.bucket_count(), 2);
    let sum_count = |period: u32, start: u64| {
        points(
            &store,
            &query("R", start, T0 + DAY, period, &["Sum", "SampleCount"]),
        )
    };
    assert_eq!(
        sum_count(1, T0),
        vec![(T0 + 1_000, vec![4.0, 1.0]), (T0, vec![6.0, 1.0])]
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
    );
    // Past 3 hours the second is folded into its minute, and periods under a minute (or a
    // start that far back with them) find nothing.
    clock.advance(Duration::from_secs(3 * 3600 + 60));
    assert_eq!(sum_count(60, T0), vec![(T0, vec![10.0, 2.0])]);
    assert_eq!(store.bucket_count(), 1);
    assert!(sum_count(1, T0).is_empty());
    // Past 15 days the minute is folded into its 5 minutes: a start that old needs a period
    // that is a multiple of 300, and is rounded down to 5 minutes.
    clock.set_millis(T0 + 15 * DAY + 600_000);
    assert!(sum_count(60, T0).is_empty());
    assert_eq!(sum_count(300, T0 + 120_000), vec![(T0, vec![10.0, 2.0])]);
    assert_eq!(sum_count(600, T0), vec![(T0, vec![10.0, 2.0])]);
    // Past 63 days, into its hour; past 455 days it is gone, and so is the series.
    clock.set_millis(T0 + 63 * DAY + 3_600_000);
    assert!(sum_count(300, T0).is_empty());
    assert_eq!(sum_count(3600, T0 + 1_800_000), vec![(T0, vec![10.0, 2.0])]);
    assert_eq!(store.bucket_count(), 1);
    clock.set_millis(T0 + 455 * DAY + 60_000);
    assert!(sum_count(3600, T0).is_empty());
    assert_eq!(store.series_count(), 0);
    // Data already too old, or too far ahead, is not stored.
    let now = T0 + 455 * DAY + 60_000;
    put(
        &store,
        vec![
            datum("R", now - 455 * DAY, &[1.0]),
            datum("R", now + 2 * 3_600_000 + 1, &[1.0]),
        ],
    )
    .await;
    assert_eq!(store.series_count(), 0);
    // Nor is a datum without observations.
    let mut zero = datum("Z", now, &[]);
    zero.values = vec![(1.0, 0.0)];
    let mut empty_set = datum("Z", now, &[]);
    empty_set.statistic_values = Some(StatisticSet {
        sample_count: 0.0,
        sum: 0.0,
        minimum: 0.0,
        maximum: 0.0,
    });
    put(&store, vec![zero, empty_set]).await;
    assert_eq!(store.series_count(), 0);
}

#[tokio::test]
async fn the_least_recently_published_series_are_evicted() {
    let clock = ManualClock::at_default_start();
    let limits = Limits {
        max_series: 10,
        max_buckets: 1_000,
    };
    let store = MetricStore::open_with(&env_at(&clock, None), limits).unwrap();
    for i in 0..25u64 {
        clock.set_millis(T0 + i * 1000);
        put(&store, vec![datum(&format!("S{i:02}"), T0, &[1.0])]).await;
    }
    assert!(store.series_count() <= 10);
    let names: Vec<String> = store
        .list(&ListFilter {
            account: ACCOUNT.into(),
            region: REGION.into(),
            ..ListFilter::default()
        })
        .into_iter()
        .map(|m| m.metric_name)
        .collect();
    assert!(names.contains(&"S24".to_string()) && !names.contains(&"S00".to_string()));
    // The bucket bound holds too.
    for m in 0..1_200u64 {
        put(&store, vec![datum("S24", T0 - m * 60_000, &[1.0])]).await;
    }
    assert!(store.bucket_count() <= 1_000);
}

#[tokio::test]
async fn statistics_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at_default_start();
    let q = query(
        "P",
        T0,
        T0 + 120_000,
        60,
        &["SampleCount", "Sum", "Minimum", "p50"],
    );
    let (before, sqs_before) = {
        let store = MetricStore::open(&env_at(&clock, Some(dir.path()))).unwrap();
        let mut hi = datum("P", T0 + 61_000, &[7.0]);
        hi.storage_resolution = 1;
        put(&store, vec![datum("P", T0, &[1.0, 2.0, 3.0]), hi]).await;
        let many: Vec<f64> = (0..500).map(f64::from).collect();
        put(&store, vec![datum("P", T0 + 1_000, &many)]).await;
        store.record(MetricDatum {
            account: ACCOUNT.into(),
            region: REGION.into(),
            namespace: "AWS/SQS",
            metric_name: "NumberOfMessagesSent",
            dimensions: vec![("QueueName", "q".into())],
            timestamp_millis: T0,
            value: 3.0,
            sample_count: 3,
            unit: MetricUnit::Count,
        });
        let sqs = sqs_query("NumberOfMessagesSent", T0, T0 + 60_000, &["Sum"]);
        let out = (store.statistics(&q), store.statistics(&sqs));
        store.shutdown().await;
        out
    };
    assert_eq!(before.len(), 2);
    let store = MetricStore::open(&env_at(&clock, Some(dir.path()))).unwrap();
    assert_eq!(store.statistics(&q), before);
    let sqs = sqs_query("NumberOfMessagesSent", T0, T0 + 60_000, &["Sum"]);
    assert_eq!(store.statistics(&sqs), sqs_before);
    assert_eq!(points(&store, &sqs), vec![(T0, vec![3.0])]);
    // Reopened past 3 hours, the second is read back folded into its minute.
    store.shutdown().await;
    drop(store);
    clock.advance(Duration::from_secs(4 * 3600));
    let store = MetricStore::open(&env_at(&clock, Some(dir.path()))).unwrap();
    assert_eq!(store.statistics(&q), before);
    assert_eq!(store.bucket_count(), 3);
    store.shutdown().await;
    drop(store);
    // And past 15 days, as the 5-minute bucket the minutes were folded into.
    clock.advance(Duration::from_secs(16 * 24 * 3600));
    let store = MetricStore::open(&env_at(&clock, Some(dir.path()))).unwrap();
    let q5 = StatisticsQuery {
        period_secs: 300,
        statistics: vec![Statistic::SampleCount, Statistic::Sum],
        ..q.clone()
    };
    assert_eq!(points(&store, &q5), vec![(T0, vec![504.0, 124_763.0])]);
    assert_eq!(
        store.bucket_count(),
        2,
        "one 5-minute bucket for each series"
    );
    store.shutdown().await;
    drop(store);
    let db = rusqlite::Connection::open(dir.path().join("cloudwatch/cloudwatch.db")).unwrap();
    let rows: Vec<(i64, i64)> = db
        .prepare("SELECT resolution, start FROM buckets")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let t0 = T0 as i64;
    assert_eq!(
        rows,
        [(300, t0), (300, t0)],
        "the folded rows were replaced on disk"
    );
    let store = MetricStore::open(&env_at(&clock, Some(dir.path()))).unwrap();
    assert_eq!(points(&store, &q5), vec![(T0, vec![504.0, 124_763.0])]);
    store.shutdown().await;
}

#[tokio::test]
async fn prometheus_text_shows_each_series_latest_minute() {
    let (_, store) = store();
    put(&store, vec![datum("Old", T0, &[1.0])]).await;
    put(
        &store,
        vec![datum("Old", T0 + 60_000, &[2.0, 4.0]), {
            let mut d = datum("CPUUtilization", T0, &[1.5]);
            d.dimensions = vec![("Quote\"d".into(), "a\"b\\c".into())];
            d.unit = MetricUnit::Percent;
            d
        }],
    )
    .await;
    let text = store.prometheus_text();
    let host = "host=\"a\",account=\"000000000000\",region=\"us-east-1\",unit=\"Count\"";
    for line in [
        "# TYPE app_old_sum gauge".to_string(),
        format!("app_old_sum{{{host}}} 6"),
        format!("app_old_sample_count{{{host}}} 2"),
        format!("app_old_average{{{host}}} 3"),
        format!("app_old_minimum{{{host}}} 2"),
        format!("app_old_maximum{{{host}}} 4"),
        "app_cpu_utilization_sum{quote_d=\"a\\\"b\\\\c\",account=\"000000000000\",region=\"us-east-1\",unit=\"Percent\"} 1.5".into(),
    ] {
        assert!(text.lines().any(|l| l == line), "{line} not in\n{text}");
    }
    assert_eq!(prometheus::namespace_name("AWS/SQS"), "aws_sqs");
    assert_eq!(
        prometheus::snake("NumberOfMessagesSent"),
        "number_of_messages_sent"
    );
    assert_eq!(prometheus::snake("4xxErrors"), "4xx_errors");
}

/// `record`'s cost on a service's hot path: `cargo test -p nimbus-cloudwatch --lib --
/// --ignored record_throughput --nocapture` prints ns per call, one thread and four.
#[test]
#[ignore]
fn record_throughput() {
    let (_, store) = store();
    let datum = || MetricDatum {
        account: ACCOUNT.into(),
        region: REGION.into(),
        namespace: "AWS/SQS",
        metric_name: "NumberOfMessagesSent",
        dimensions: vec![("QueueName", "q".into())],
        timestamp_millis: T0,
        value: 1.0,
        sample_count: 1,
        unit: MetricUnit::Count,
    };
    // The call a service makes: a push onto the queue.
    let batch: Vec<MetricDatum> = (0..PENDING_MAX - 1).map(|_| datum()).collect();
    let start = std::time::Instant::now();
    for d in batch {
        store.record(d);
    }
    let pushed = start.elapsed();
    let start = std::time::Instant::now();
    store.drain();
    let drained = start.elapsed();
    let per = |d: Duration| d.as_nanos() as f64 / (PENDING_MAX - 1) as f64;
    println!(
        "record (queue push): {:.0} ns/op; aggregation of the queue: {:.0} ns/datum",
        per(pushed),
        per(drained)
    );
    const N: usize = 1_000_000;
    for threads in [1usize, 4] {
        let data: Vec<Vec<MetricDatum>> = (0..threads)
            .map(|_| (0..N / threads).map(|_| datum()).collect())
            .collect();
        let start = std::time::Instant::now();
        std::thread::scope(|s| {
            for batch in data {
                let store = &store;
                s.spawn(move || {
                    for d in batch {
                        store.record(d);
                    }
                });
            }
        });
        let elapsed = start.elapsed();
        println!(
            "record: {threads} thread(s), {:.0} ns/op (datums built beforehand; aggregation included)",
            elapsed.as_nanos() as f64 / N as f64
        );
    }
}
