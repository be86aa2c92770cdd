//! PutMetricData, GetMetricStatistics, GetMetricData and ListMetrics through
//! aws-sdk-cloudwatch, which speaks Smithy RPC v2 CBOR: exact values back.

use aws_sdk_cloudwatch::types::{
    Dimension, DimensionFilter, Metric, MetricDataQuery, MetricDatum, MetricStat, ScanBy,
    StandardUnit, StatisticSet,
};
use nimbus_testkit::TestSandbox;

use super::{at, base_minute, datum, recording_client};

/// Puts, in minute `t0`: 5, then 1, 2, 3, 3 (`Values` with `Counts`); in minute `t0+60s` a
/// statistic set of 2 samples, sum 10, between 4 and 6.
async fn put_orders(cw: &aws_sdk_cloudwatch::Client, t0: u64) {
    cw.put_metric_data()
        .namespace("App")
        .metric_data(datum("Orders", 5.0, t0 + 5_000))
        .send()
        .await
        .unwrap();
    cw.put_metric_data()
        .namespace("App")
        .metric_data(
            MetricDatum::builder()
                .metric_name("Orders")
                .dimensions(Dimension::builder().name("Queue").value("q").build())
                .values(1.0)
                .values(2.0)
                .values(3.0)
                .counts(1.0)
                .counts(1.0)
                .counts(2.0)
                .unit(StandardUnit::Count)
                .timestamp(at(t0 + 10_000))
                .build(),
        )
        .metric_data(
            MetricDatum::builder()
                .metric_name("Orders")
                .dimensions(Dimension::builder().name("Queue").value("q").build())
                .statistic_values(
                    StatisticSet::builder()
                        .sample_count(2.0)
                        .sum(10.0)
                        .minimum(4.0)
                        .maximum(6.0)
                        .build(),
                )
                .unit(StandardUnit::Count)
                .timestamp(at(t0 + 70_000))
                .build(),
        )
        .metric_data(
            MetricDatum::builder()
                .metric_name("Latency")
                .value(120.0)
                .unit(StandardUnit::Milliseconds)
                .storage_resolution(1)
                .timestamp(at(t0 + 1_000))
                .build(),
        )
        .send()
        .await
        .unwrap();
}

fn orders_metric() -> Metric {
    Metric::builder()
        .namespace("App")
        .metric_name("Orders")
        .dimensions(Dimension::builder().name("Queue").value("q").build())
        .build()
}

fn stat(id: &str, stat: &str) -> MetricDataQuery {
    MetricDataQuery::builder()
        .id(id)
        .metric_stat(
            MetricStat::builder()
                .metric(orders_metric())
                .period(60)
                .stat(stat)
                .build(),
        )
        .build()
}

fn expression(id: &str, expr: &str) -> MetricDataQuery {
    MetricDataQuery::builder().id(id).expression(expr).build()
}

#[tokio::test]
async fn put_then_statistics_data_and_list_over_cbor() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let (cw, seen) = recording_client(&sb);
    let t0 = base_minute(&sb);
    put_orders(&cw, t0).await;

    let out = cw
        .get_metric_statistics()
        .namespace("App")
        .metric_name("Orders")
        .dimensions(Dimension::builder().name("Queue").value("q").build())
        .start_time(at(t0))
        .end_time(at(t0 + 120_000))
        .period(60)
        .statistics("SampleCount".into())
        .statistics("Sum".into())
        .statistics("Average".into())
        .statistics("Minimum".into())
        .statistics("Maximum".into())
        .send()
        .await
        .unwrap();
    assert_eq!(out.label(), Some("Orders"));
    let mut points = out.datapoints().to_vec();
    points.sort_by_key(|d| d.timestamp().unwrap().to_millis().unwrap());
    let got: Vec<_> = points
        .iter()
        .map(|d| {
            (
                d.timestamp().unwrap().to_millis().unwrap() as u64,
                d.sample_count().unwrap(),
                d.sum().unwrap(),
                d.average().unwrap(),
                d.minimum().unwrap(),
                d.maximum().unwrap(),
                d.unit().unwrap().as_str().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (t0, 5.0, 14.0, 2.8, 1.0, 5.0, "Count".to_owned()),
            (t0 + 60_000, 2.0, 10.0, 5.0, 4.0, 6.0, "Count".to_owned()),
        ]
    );

    // Extended statistics: a percentile of minute t0's samples (1, 2, 3, 3, 5).
    let out = cw
        .get_metric_statistics()
        .namespace("App")
        .metric_name("Orders")
        .dimensions(Dimension::builder().name("Queue").value("q").build())
        .start_time(at(t0))
        .end_time(at(t0 + 60_000))
        .period(60)
        .extended_statistics("p100")
        .send()
        .await
        .unwrap();
    let p = out.datapoints()[0].extended_statistics().unwrap();
    assert_eq!(p.get("p100"), Some(&5.0), "{p:?}");

    // GetMetricData: two MetricStats (one not returned) and metric math on them.
    let out = cw
        .get_metric_data()
        .metric_data_queries(stat("m1", "Sum"))
        .metric_data_queries({
            let mut q = stat("m2", "SampleCount");
            q.return_data = Some(false);
            q
        })
        .metric_data_queries(expression("e1", "m1 * 2"))
        .metric_data_queries(expression("e2", "SUM(METRICS())"))
        .metric_data_queries(
            MetricDataQuery::builder()
                .id("e3")
                .expression("(e1 - m1) / m2")
                .label("per sample")
                .build(),
        )
        .start_time(at(t0))
        .end_time(at(t0 + 120_000))
        .scan_by(ScanBy::TimestampAscending)
        .send()
        .await
        .unwrap();
    let results: Vec<_> = out
        .metric_data_results()
        .iter()
        .map(|r| {
            (
                r.id().unwrap().to_owned(),
                r.label().unwrap().to_owned(),
                r.timestamps()
                    .iter()
                    .map(|t| t.to_millis().unwrap() as u64)
                    .collect::<Vec<_>>(),
                r.values().to_vec(),
                r.status_code().unwrap().as_str().to_owned(),
            )
        })
        .collect();
    let ts = vec![t0, t0 + 60_000];
    let complete = "Complete".to_owned();
    assert_eq!(
        results,
        vec![
            (
                "m1".into(),
                "Orders".into(),
                ts.clone(),
                vec![14.0, 10.0],
                complete.clone()
            ),
            (
                "e1".into(),
                "e1".into(),
                ts.clone(),
                vec![28.0, 20.0],
                complete.clone()
            ),
            (
                "e2".into(),
                "e2".into(),
                ts.clone(),
                vec![19.0, 12.0],
                complete.clone()
            ),
            (
                "e3".into(),
                "per sample".into(),
                ts.clone(),
                vec![2.8, 5.0],
                complete.clone()
            ),
        ]
    );
    assert_eq!(out.next_token(), None);

    // Newest first by default, and paged by MaxDatapoints.
    let page = cw
        .get_metric_data()
        .metric_data_queries(stat("m1", "Maximum"))
        .start_time(at(t0))
        .end_time(at(t0 + 120_000))
        .max_datapoints(1)
        .send()
        .await
        .unwrap();
    let r = &page.metric_data_results()[0];
    assert_eq!(r.values(), &[6.0]);
    assert_eq!(r.status_code().unwrap().as_str(), "PartialData");
    let token = page.next_token().unwrap().to_owned();
    let page = cw
        .get_metric_data()
        .metric_data_queries(stat("m1", "Maximum"))
        .start_time(at(t0))
        .end_time(at(t0 + 120_000))
        .max_datapoints(1)
        .next_token(token)
        .send()
        .await
        .unwrap();
    let r = &page.metric_data_results()[0];
    assert_eq!(r.values(), &[5.0]);
    assert_eq!(
        r.timestamps()[0].to_millis().unwrap() as u64,
        t0,
        "the older point on the second page"
    );
    assert_eq!(r.status_code().unwrap().as_str(), "Complete");
    assert_eq!(page.next_token(), None);

    // ListMetrics, whole and filtered.
    let all = cw.list_metrics().namespace("App").send().await.unwrap();
    let mut names: Vec<_> = all
        .metrics()
        .iter()
        .map(|m| {
            (
                m.metric_name().unwrap().to_owned(),
                m.dimensions()
                    .iter()
                    .map(|d| format!("{}={}", d.name().unwrap(), d.value().unwrap()))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            ("Latency".to_owned(), vec![]),
            ("Orders".to_owned(), vec!["Queue=q".to_owned()]),
        ]
    );
    let filtered = cw
        .list_metrics()
        .dimensions(DimensionFilter::builder().name("Queue").build())
        .send()
        .await
        .unwrap();
    assert_eq!(filtered.metrics().len(), 1);
    assert_eq!(filtered.metrics()[0].metric_name(), Some("Orders"));
    let none = cw.list_metrics().namespace("Other").send().await.unwrap();
    assert!(none.metrics().is_empty());

    // Every request went as Smithy RPC v2 CBOR.
    let seen = seen.0.lock().unwrap().clone();
    assert!(seen.len() >= 8, "{seen:?}");
    for (path, content_type, protocol, _) in &seen {
        assert!(
            path.starts_with("/service/GraniteServiceVersion20100801/operation/"),
            "{path}"
        );
        assert_eq!(content_type, "application/cbor");
        assert_eq!(protocol, "rpc-v2-cbor");
    }
    assert!(seen.iter().any(|(p, ..)| p.ends_with("/GetMetricData")));
}

#[tokio::test]
async fn list_metrics_pages_by_500_and_a_large_put_arrives_gzip() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let (cw, seen) = recording_client(&sb);
    let t0 = base_minute(&sb);
    // 501 datums: a body well over the SDK's 10 KiB compression threshold.
    let mut put = cw.put_metric_data().namespace("Many");
    for i in 0..501 {
        put = put.metric_data(datum(&format!("m{i:03}"), i as f64, t0));
    }
    put.send().await.unwrap();
    let sent = seen.0.lock().unwrap()[0].clone();
    assert!(sent.0.ends_with("/PutMetricData"));
    assert_eq!(sent.3, "gzip", "the SDK compressed the body");
    let page = cw.list_metrics().namespace("Many").send().await.unwrap();
    assert_eq!(page.metrics().len(), 500);
    let token = page.next_token().expect("a second page").to_owned();
    let rest = cw
        .list_metrics()
        .namespace("Many")
        .next_token(token)
        .send()
        .await
        .unwrap();
    assert_eq!(rest.metrics().len(), 1);
    assert_eq!(rest.next_token(), None);
    let mut names: Vec<String> = page
        .metrics()
        .iter()
        .chain(rest.metrics())
        .map(|m| m.metric_name().unwrap().to_owned())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 501);
}

#[tokio::test]
async fn unimplemented_operations_answer_not_implemented() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let e = sb.cloudwatch().list_dashboards().send().await.unwrap_err();
    assert_eq!(super::code(&e), "NotImplemented");
    assert!(
        super::message(&e).contains("ListDashboards"),
        "{}",
        super::message(&e)
    );
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 501);
}

#[tokio::test]
async fn service_metrics_reach_cloudwatch_through_the_sandbox() {
    use nimbus_core::Clock;
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = sqs
        .create_queue()
        .queue_name("watched")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let now = sb.clock().now_millis();
    let minute = now - now % 60_000;
    for i in 0..3 {
        sqs.send_message()
            .queue_url(&url)
            .message_body(format!("m{i}"))
            .send()
            .await
            .unwrap();
    }
    // The sampler reads the services' counters once their minute is over (reads catch up).
    sb.clock().advance(std::time::Duration::from_secs(120));
    let out = sb
        .cloudwatch()
        .get_metric_statistics()
        .namespace("AWS/SQS")
        .metric_name("NumberOfMessagesSent")
        .dimensions(
            Dimension::builder()
                .name("QueueName")
                .value("watched")
                .build(),
        )
        .start_time(at(minute))
        .end_time(at(minute + 60_000))
        .period(60)
        .statistics("Sum".into())
        .send()
        .await
        .unwrap();
    let sums: Vec<f64> = out.datapoints().iter().filter_map(|d| d.sum()).collect();
    assert_eq!(sums, vec![3.0]);
    let listed = sb
        .cloudwatch()
        .list_metrics()
        .namespace("AWS/SQS")
        .metric_name("NumberOfMessagesSent")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.metrics().len(), 1);
}
