//! The metrics SQS, Lambda and S3 publish for CloudWatch (`AWS/SQS`, `AWS/Lambda`, `AWS/S3`),
//! driven by aws-sdk-rust and read where CloudWatch reads them: the bus's metric sink (a
//! recorder in these tests) and the services' metric sources sampled per clock minute.

mod lambda;
mod s3;
mod sqs;

use nimbus_core::bus::metrics::MetricDatum;

/// The data of `metric` with exactly `dimensions`.
pub fn of<'a>(
    data: &'a [MetricDatum],
    metric: &str,
    dimensions: &[(&str, &str)],
) -> Vec<&'a MetricDatum> {
    data.iter()
        .filter(|d| {
            d.metric_name == metric && nimbus_testkit::metrics::same_dimensions(d, dimensions)
        })
        .collect()
}

/// The one value of `metric` with exactly `dimensions`.
pub fn value(data: &[MetricDatum], metric: &str, dimensions: &[(&str, &str)]) -> f64 {
    let found = of(data, metric, dimensions);
    assert_eq!(found.len(), 1, "{metric} {dimensions:?}: {found:?}");
    found[0].value
}
