//! The metric operations' validation errors, as aws-sdk-cloudwatch reads them (code from
//! `x-amzn-query-error`, message, status).

use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricDatum, MetricStat};
use nimbus_core::Clock;
use nimbus_testkit::TestSandbox;

use super::{at, base_minute, code, datum, message};

/// (code, message, status) of an SDK error.
fn parts<E>(e: &aws_sdk_cloudwatch::error::SdkError<E>) -> (String, String, u16)
where
    E: aws_sdk_cloudwatch::error::ProvideErrorMetadata,
{
    (
        code(e),
        message(e),
        e.raw_response().map_or(0, |r| r.status().as_u16()),
    )
}

#[tokio::test]
async fn put_metric_data_checks_its_input() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let cw = sb.cloudwatch();
    let t0 = base_minute(&sb);
    let e = cw
        .put_metric_data()
        .namespace("AWS/SQS")
        .metric_data(datum("x", 1.0, t0))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        parts(&e),
        (
            "InvalidParameterValue".into(),
            "The value AWS/SQS for parameter Namespace is invalid.".into(),
            400
        )
    );

    let e = cw
        .put_metric_data()
        .metric_data(datum("x", 1.0, t0))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        parts(&e),
        (
            "MissingParameter".into(),
            "The parameter Namespace is required.".into(),
            400
        )
    );

    let mut too_many = cw.put_metric_data().namespace("App");
    for _ in 0..1001 {
        too_many = too_many.metric_data(datum("x", 1.0, t0));
    }
    let e = too_many.send().await.unwrap_err();
    assert_eq!(code(&e), "InvalidParameterValue");
    assert_eq!(
        message(&e),
        "The collection MetricData must not have a size greater than 1000."
    );

    let mut wide = MetricDatum::builder().metric_name("x").value(1.0);
    for i in 0..31 {
        wide = wide.dimensions(
            Dimension::builder()
                .name(format!("d{i}"))
                .value("v")
                .build(),
        );
    }
    let e = cw
        .put_metric_data()
        .namespace("App")
        .metric_data(wide.build())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        message(&e),
        "The collection MetricData.member.1.Dimensions must not have a size greater than 30."
    );

    let e = cw
        .put_metric_data()
        .namespace("App")
        .metric_data(
            MetricDatum::builder()
                .metric_name("x")
                .values(1.0)
                .values(2.0)
                .counts(1.0)
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        parts(&e),
        (
            "InvalidParameterValue".into(),
            "The parameters MetricData.member.1.Values and MetricData.member.1.Counts must be of the same size.".into(),
            400
        )
    );

    let e = cw
        .put_metric_data()
        .namespace("App")
        .metric_data(
            MetricDatum::builder()
                .metric_name("x")
                .value(1.0)
                .values(2.0)
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidParameterCombination");

    let e = cw
        .put_metric_data()
        .namespace("App")
        .metric_data(
            MetricDatum::builder()
                .metric_name("x")
                .value(1.0)
                .storage_resolution(5)
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        message(&e),
        "The value 5 for parameter MetricData.member.1.StorageResolution is invalid."
    );

    let e = cw
        .put_metric_data()
        .namespace("App")
        .metric_data(datum(
            "x",
            1.0,
            sb.clock().now_millis() - 15 * 24 * 3600 * 1000,
        ))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        message(&e),
        "The parameter MetricData.member.1.Timestamp must specify a time no more than two weeks in the past."
    );
}

#[tokio::test]
async fn reads_check_their_input() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let cw = sb.cloudwatch();
    let t0 = base_minute(&sb);
    let stats = || {
        cw.get_metric_statistics()
            .namespace("App")
            .metric_name("x")
            .start_time(at(t0))
            .end_time(at(t0 + 60_000))
            .period(60)
    };
    let e = stats()
        .period(90)
        .statistics("Sum".into())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        parts(&e),
        (
            "InvalidParameterValue".into(),
            "The parameter Period must be a multiple of 60 or equal to 1, 5, 10, 20, or 30.".into(),
            400
        )
    );
    let e = stats()
        .statistics("Sum".into())
        .extended_statistics("p99")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidParameterCombination");
    let e = stats()
        .end_time(at(t0 + 1441 * 60_000))
        .statistics("Sum".into())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidParameterCombination");
    assert!(
        message(&e).starts_with(
            "You have requested up to 1441 datapoints, which exceeds the limit of 1440."
        ),
        "{}",
        message(&e)
    );
    let e = stats()
        .end_time(at(t0))
        .statistics("Sum".into())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        message(&e),
        "The parameter StartTime must be less than the parameter EndTime."
    );
    let e = stats()
        .extended_statistics("p101")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        message(&e),
        "The value p101 for parameter ExtendedStatistics.member.1 is invalid."
    );

    let data = |q: MetricDataQuery| {
        cw.get_metric_data()
            .metric_data_queries(q)
            .start_time(at(t0))
            .end_time(at(t0 + 60_000))
    };
    let metric_stat = MetricStat::builder()
        .metric(Metric::builder().namespace("App").metric_name("x").build())
        .period(60)
        .stat("Sum")
        .build();
    let e = data(
        MetricDataQuery::builder()
            .id("M1")
            .metric_stat(metric_stat.clone())
            .build(),
    )
    .send()
    .await
    .unwrap_err();
    assert_eq!(code(&e), "ValidationError");
    assert!(
        message(&e).contains("MetricDataQueries.member.1.Id"),
        "{}",
        message(&e)
    );
    let e = data(
        MetricDataQuery::builder()
            .id("m1")
            .metric_stat(metric_stat.clone())
            .build(),
    )
    .metric_data_queries(MetricDataQuery::builder().id("m1").expression("1").build())
    .send()
    .await
    .unwrap_err();
    assert_eq!(
        parts(&e),
        (
            "ValidationError".into(),
            "The values for parameter Id in MetricDataQueries are not unique.".into(),
            400
        )
    );
    let e = data(
        MetricDataQuery::builder()
            .id("e1")
            .expression("STDDEV(m1)")
            .build(),
    )
    .send()
    .await
    .unwrap_err();
    assert_eq!(code(&e), "ValidationError");
    assert!(
        message(&e).contains("Unsupported function STDDEV"),
        "{}",
        message(&e)
    );
    let e = data(
        MetricDataQuery::builder()
            .id("q")
            .expression("SELECT AVG(x) FROM App")
            .period(60)
            .build(),
    )
    .send()
    .await
    .unwrap_err();
    assert_eq!(code(&e), "ValidationError");
    assert!(message(&e).contains("Metrics Insights"), "{}", message(&e));
    let e = data(
        MetricDataQuery::builder()
            .id("m1")
            .metric_stat(metric_stat)
            .build(),
    )
    .next_token("forged")
    .send()
    .await
    .unwrap_err();
    assert_eq!(code(&e), "InvalidNextToken");

    let e = cw
        .list_metrics()
        .recently_active("PT1H".into())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        message(&e),
        "The value PT1H for parameter RecentlyActive is invalid."
    );
}
