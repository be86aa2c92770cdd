//! `AWS/S3`: the metrics configuration API (aws-sdk-rust), request metrics per matching
//! filter, and the daily storage metrics.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{MetricsAndOperator, MetricsConfiguration, MetricsFilter, Tag};
use nimbus_core::Clock;
use nimbus_core::bus::metrics::MetricUnit;
use nimbus_testkit::TestSandbox;

use super::{of, value};

async fn sandbox() -> TestSandbox {
    TestSandbox::builder()
        .in_memory()
        .record_metrics()
        .start()
        .await
}

fn config(id: &str, filter: Option<MetricsFilter>) -> MetricsConfiguration {
    MetricsConfiguration::builder()
        .id(id)
        .set_filter(filter)
        .build()
        .unwrap()
}

#[tokio::test]
async fn metrics_configurations_are_put_got_listed_and_deleted() {
    let sb = sandbox().await;
    let s3 = sb.s3();
    s3.create_bucket().bucket("logs").send().await.unwrap();
    let docs = MetricsFilter::Prefix("documents/".into());
    let both = MetricsFilter::And(
        MetricsAndOperator::builder()
            .prefix("img/")
            .tags(Tag::builder().key("team").value("web").build().unwrap())
            .build(),
    );
    for (id, filter) in [
        ("EntireBucket", None),
        ("Docs", Some(docs.clone())),
        ("Images", Some(both.clone())),
    ] {
        s3.put_bucket_metrics_configuration()
            .bucket("logs")
            .id(id)
            .metrics_configuration(config(id, filter))
            .send()
            .await
            .unwrap();
    }
    let got = s3
        .get_bucket_metrics_configuration()
        .bucket("logs")
        .id("Images")
        .send()
        .await
        .unwrap()
        .metrics_configuration
        .unwrap();
    assert_eq!(got, config("Images", Some(both)));
    let got = s3
        .get_bucket_metrics_configuration()
        .bucket("logs")
        .id("Docs")
        .send()
        .await
        .unwrap();
    assert_eq!(got.metrics_configuration.unwrap().filter, Some(docs));
    let list = s3
        .list_bucket_metrics_configurations()
        .bucket("logs")
        .send()
        .await
        .unwrap();
    let ids: Vec<&str> = list
        .metrics_configuration_list()
        .iter()
        .map(|c| c.id())
        .collect();
    assert_eq!(ids, ["Docs", "EntireBucket", "Images"]);
    assert_eq!(list.is_truncated(), Some(false));

    s3.delete_bucket_metrics_configuration()
        .bucket("logs")
        .id("Docs")
        .send()
        .await
        .unwrap();
    for result in [
        s3.get_bucket_metrics_configuration()
            .bucket("logs")
            .id("Docs")
            .send()
            .await
            .map(|_| ())
            .map_err(|e| e.into_service_error().meta().clone()),
        s3.delete_bucket_metrics_configuration()
            .bucket("logs")
            .id("Docs")
            .send()
            .await
            .map(|_| ())
            .map_err(|e| e.into_service_error().meta().clone()),
    ] {
        let e = result.unwrap_err();
        assert_eq!(e.code(), Some("NoSuchConfiguration"));
        assert_eq!(
            e.message(),
            Some("The specified configuration does not exist.")
        );
    }
    // On a bucket that does not exist.
    let e = s3
        .list_bucket_metrics_configurations()
        .bucket("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.into_service_error().meta().code(), Some("NoSuchBucket"));
    // An id outside the model's characters.
    let e = s3
        .put_bucket_metrics_configuration()
        .bucket("logs")
        .id("has space")
        .metrics_configuration(config("has space", None))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.into_service_error().meta().code(),
        Some("InvalidArgument")
    );

    // Paging: 100 a page.
    for i in 0..120 {
        let id = format!("f{i:03}");
        s3.put_bucket_metrics_configuration()
            .bucket("logs")
            .id(&id)
            .metrics_configuration(config(&id, None))
            .send()
            .await
            .unwrap();
    }
    let first = s3
        .list_bucket_metrics_configurations()
        .bucket("logs")
        .send()
        .await
        .unwrap();
    assert_eq!(first.metrics_configuration_list().len(), 100);
    assert_eq!(first.is_truncated(), Some(true));
    let next = s3
        .list_bucket_metrics_configurations()
        .bucket("logs")
        .continuation_token(first.next_continuation_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(next.metrics_configuration_list().len(), 22);
    assert_eq!(next.is_truncated(), Some(false));
}

#[tokio::test]
async fn configurations_survive_a_restart() {
    let mut sb = TestSandbox::start().await;
    sb.s3().create_bucket().bucket("kept").send().await.unwrap();
    sb.s3()
        .put_bucket_metrics_configuration()
        .bucket("kept")
        .id("All")
        .metrics_configuration(config("All", None))
        .send()
        .await
        .unwrap();
    sb.restart().await;
    let got = sb
        .s3()
        .get_bucket_metrics_configuration()
        .bucket("kept")
        .id("All")
        .send()
        .await
        .unwrap();
    assert_eq!(got.metrics_configuration.unwrap().id(), "All");
}

#[tokio::test]
async fn request_metrics_count_the_requests_each_filter_matches() {
    let sb = sandbox().await;
    let s3 = sb.s3();
    s3.create_bucket().bucket("site").send().await.unwrap();
    // Nothing is published before a configuration exists.
    s3.put_object()
        .bucket("site")
        .key("early.txt")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap();
    assert!(sb.metrics().events().is_empty());
    for (id, filter) in [
        ("All", None),
        ("Docs", Some(MetricsFilter::Prefix("docs/".into()))),
    ] {
        s3.put_bucket_metrics_configuration()
            .bucket("site")
            .id(id)
            .metrics_configuration(config(id, filter))
            .send()
            .await
            .unwrap();
    }
    sb.metrics().clear();
    let at = sb.clock().now_millis();
    s3.put_object()
        .bucket("site")
        .key("docs/a.txt")
        .body(ByteStream::from_static(b"hello world"))
        .send()
        .await
        .unwrap();
    let got = s3
        .get_object()
        .bucket("site")
        .key("docs/a.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(got.body.collect().await.unwrap().into_bytes().len(), 11);
    s3.get_object()
        .bucket("site")
        .key("other.txt")
        .send()
        .await
        .unwrap_err();
    s3.list_objects_v2().bucket("site").send().await.unwrap();

    let events = sb.metrics().events();
    let all = [("BucketName", "site"), ("FilterId", "All")];
    let docs = [("BucketName", "site"), ("FilterId", "Docs")];
    let sum = |metric: &str, dims: &[(&str, &str)]| -> f64 {
        of(&events, metric, dims).iter().map(|d| d.value).sum()
    };
    assert_eq!(sum("AllRequests", &all), 4.0);
    assert_eq!(sum("PutRequests", &all), 1.0);
    assert_eq!(sum("GetRequests", &all), 2.0);
    assert_eq!(sum("ListRequests", &all), 1.0);
    assert_eq!(sum("4xxErrors", &all), 1.0);
    assert_eq!(of(&events, "4xxErrors", &all).len(), 4);
    assert_eq!(sum("5xxErrors", &all), 0.0);
    assert_eq!(sum("BytesUploaded", &all), 11.0);
    assert_eq!(sum("BytesDownloaded", &all), 11.0);
    // The prefix filter sees the two requests on docs/a.txt only.
    assert_eq!(sum("AllRequests", &docs), 2.0);
    assert_eq!(sum("GetRequests", &docs), 1.0);
    assert_eq!(sum("ListRequests", &docs), 0.0);
    let latency = of(&events, "TotalRequestLatency", &docs);
    assert_eq!(latency.len(), 2);
    assert!(latency.iter().all(|d| d.unit == MetricUnit::Milliseconds));
    assert!(
        events
            .iter()
            .all(|d| d.namespace == "AWS/S3" && d.timestamp_millis == at)
    );
}

#[tokio::test]
async fn storage_metrics_are_daily() {
    let sb = sandbox().await;
    let s3 = sb.s3();
    s3.create_bucket().bucket("data").send().await.unwrap();
    for (key, body) in [("a", "12345"), ("b", "1234567890")] {
        s3.put_object()
            .bucket("data")
            .key(key)
            .body(ByteStream::from(body.as_bytes().to_vec()))
            .send()
            .await
            .unwrap();
    }
    let now = sb.clock().now_millis();
    let midnight = now - now % 86_400_000;
    let data = sb.sample_this_minute();
    let size = [("BucketName", "data"), ("StorageType", "StandardStorage")];
    let count = [("BucketName", "data"), ("StorageType", "AllStorageTypes")];
    assert_eq!(value(&data, "BucketSizeBytes", &size), 15.0);
    assert_eq!(value(&data, "NumberOfObjects", &count), 2.0);
    let d = &of(&data, "BucketSizeBytes", &size)[0];
    assert_eq!((d.timestamp_millis, d.unit), (midnight, MetricUnit::Bytes));
    // Once a day: not again in the same UTC day.
    s3.delete_object()
        .bucket("data")
        .key("a")
        .send()
        .await
        .unwrap();
    sb.clock().advance(std::time::Duration::from_secs(60));
    if sb.clock().now_millis() / 86_400_000 == now / 86_400_000 {
        assert!(of(&sb.sample_this_minute(), "BucketSizeBytes", &size).is_empty());
    }
    // The next day's first sample reports the bucket as it is then.
    sb.clock().set_millis(midnight + 86_400_000 + 30_000);
    let data = sb.sample_this_minute();
    assert_eq!(value(&data, "BucketSizeBytes", &size), 10.0);
    assert_eq!(value(&data, "NumberOfObjects", &count), 1.0);
    assert_eq!(
        of(&data, "NumberOfObjects", &count)[0].timestamp_millis,
        midnight + 86_400_000
    );
}
