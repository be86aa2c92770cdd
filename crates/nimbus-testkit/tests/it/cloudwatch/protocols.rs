//! The three protocols with raw requests: awsQuery forms with XML answers, awsJson 1.0 (with
//! a gzip body), Smithy RPC v2 CBOR (tag-1 timestamps, the protocol header, `__type`
//! errors), `x-amzn-query-error` on every error, a bucket named `service` still S3's, and
//! `GET /_nimbus/metrics`.

use std::io::Write;

use ciborium::Value;
use nimbus_testkit::TestSandbox;

use super::base_minute;
use crate::sqs::xml_text;

const TARGET: &str = "GraniteServiceVersion20100801";

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn query(sb: &TestSandbox, form: &[(&str, &str)]) -> nimbus_testkit::RawResponse {
    let body: String = form
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    sb.raw(
        "POST",
        "/",
        &[("content-type", "application/x-www-form-urlencoded")],
        body,
    )
    .await
}

async fn json(
    sb: &TestSandbox,
    op: &str,
    headers: &[(&str, &str)],
    body: impl Into<bytes::Bytes>,
) -> nimbus_testkit::RawResponse {
    let target = format!("{TARGET}.{op}");
    let mut h = vec![
        ("content-type", "application/x-amz-json-1.0"),
        ("x-amz-target", target.as_str()),
    ];
    h.extend_from_slice(headers);
    sb.raw("POST", "/", &h, body.into()).await
}

async fn cbor(sb: &TestSandbox, op: &str, body: &Value) -> nimbus_testkit::RawResponse {
    let mut bytes = Vec::new();
    ciborium::into_writer(body, &mut bytes).unwrap();
    sb.raw(
        "POST",
        &format!("/service/{TARGET}/operation/{op}"),
        &[
            ("content-type", "application/cbor"),
            ("accept", "application/cbor"),
            ("smithy-protocol", "rpc-v2-cbor"),
        ],
        bytes,
    )
    .await
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

fn map(pairs: Vec<(&str, Value)>) -> Value {
    Value::Map(pairs.into_iter().map(|(k, v)| (text(k), v)).collect())
}

fn get<'a>(v: &'a Value, key: &str) -> &'a Value {
    v.as_map()
        .unwrap()
        .iter()
        .find(|(k, _)| k.as_text() == Some(key))
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no {key} in {v:?}"))
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[tokio::test]
async fn query_forms_put_and_read_with_xml_answers() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let t0 = base_minute(&sb);
    let iso = |ms: u64| nimbus_core::timefmt::iso8601_secs(ms);
    let r = query(
        &sb,
        &[
            ("Action", "PutMetricData"),
            ("Version", "2010-08-01"),
            ("Namespace", "Form"),
            ("MetricData.member.1.MetricName", "Hits"),
            ("MetricData.member.1.Value", "3"),
            ("MetricData.member.1.Unit", "Count"),
            ("MetricData.member.1.Timestamp", &iso(t0 + 1_000)),
            ("MetricData.member.1.Dimensions.member.1.Name", "Page"),
            ("MetricData.member.1.Dimensions.member.1.Value", "home"),
            ("MetricData.member.2.MetricName", "Hits"),
            ("MetricData.member.2.Value", "4"),
            ("MetricData.member.2.Unit", "Count"),
            ("MetricData.member.2.Timestamp", &iso(t0 + 2_000)),
            ("MetricData.member.2.Dimensions.member.1.Name", "Page"),
            ("MetricData.member.2.Dimensions.member.1.Value", "home"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains(
            r#"<PutMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">"#
        ),
        "{}",
        r.body
    );
    let r = query(
        &sb,
        &[
            ("Action", "GetMetricStatistics"),
            ("Version", "2010-08-01"),
            ("Namespace", "Form"),
            ("MetricName", "Hits"),
            ("Dimensions.member.1.Name", "Page"),
            ("Dimensions.member.1.Value", "home"),
            ("StartTime", &iso(t0)),
            ("EndTime", &iso(t0 + 60_000)),
            ("Period", "60"),
            ("Statistics.member.1", "Sum"),
            ("Statistics.member.2", "Maximum"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let dp = xml_text(&r.body, "Datapoints").unwrap();
    assert!(dp.starts_with("<member>"), "{dp}");
    assert_eq!(xml_text(dp, "Timestamp"), Some(iso(t0).as_str()));
    assert_eq!(
        xml_text(dp, "Sum").map(|s| s.parse::<f64>().unwrap()),
        Some(7.0)
    );
    assert_eq!(
        xml_text(dp, "Maximum").map(|s| s.parse::<f64>().unwrap()),
        Some(4.0)
    );
    assert_eq!(xml_text(dp, "Unit"), Some("Count"));
    assert_eq!(xml_text(&r.body, "Label"), Some("Hits"));

    let r = query(
        &sb,
        &[
            ("Action", "ListMetrics"),
            ("Version", "2010-08-01"),
            ("Namespace", "Form"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains(
            r#"<ListMetricsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><ListMetricsResult><Metrics><member>"#
        ),
        "{}",
        r.body
    );
    assert!(
        r.body.contains(
            "<Dimensions><member><Name>Page</Name><Value>home</Value></member></Dimensions>"
        ),
        "{}",
        r.body
    );

    // Errors: AWS's awsQuery codes, the header too.
    let r = query(
        &sb,
        &[
            ("Action", "PutMetricData"),
            ("Version", "2010-08-01"),
            ("Namespace", "AWS/Lambda"),
            ("MetricData.member.1.MetricName", "x"),
            ("MetricData.member.1.Value", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(xml_text(&r.body, "Code"), Some("InvalidParameterValue"));
    assert_eq!(
        xml_text(&r.body, "Message"),
        Some("The value AWS/Lambda for parameter Namespace is invalid.")
    );
    assert!(
        r.body
            .contains(r#"<ErrorResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">"#)
    );
    assert_eq!(
        r.headers["x-amzn-query-error"],
        "InvalidParameterValue;Sender"
    );
    let r = query(
        &sb,
        &[
            ("Action", "PutMetricData"),
            ("Version", "2010-08-01"),
            ("Namespace", "N"),
            ("MetricData.member.1.MetricName", "x"),
            ("MetricData.member.1.Value", "many"),
        ],
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        xml_text(&r.body, "Code"),
        Some("InvalidParameterValue"),
        "{}",
        r.body
    );
    // A gzip form: its Action is read inflated.
    let form = format!(
        "Action=PutMetricData&Version=2010-08-01&Namespace=Form&MetricData.member.1.MetricName=Zipped\
         &MetricData.member.1.Value=1&MetricData.member.1.Timestamp={}",
        enc(&iso(t0))
    );
    let r = sb
        .raw(
            "POST",
            "/",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("content-encoding", "gzip"),
            ],
            gzip(form.as_bytes()),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = query(&sb, &[("Action", "ListMetrics"), ("MetricName", "Zipped")]).await;
    assert!(
        r.body.contains("<MetricName>Zipped</MetricName>"),
        "{}",
        r.body
    );
    let r = query(
        &sb,
        &[("Action", "GetDashboard"), ("Version", "2010-08-01")],
    )
    .await;
    assert_eq!(r.status, 501);
    assert_eq!(xml_text(&r.body, "Code"), Some("NotImplemented"));
}

#[tokio::test]
async fn json_with_a_gzip_body_and_epoch_second_timestamps() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let t0 = base_minute(&sb);
    let secs = (t0 / 1000) as f64;
    let body = serde_json::json!({
        "Namespace": "Json",
        "MetricData": [
            {"MetricName": "Bytes", "Value": 512.5, "Unit": "Bytes", "Timestamp": secs + 3.0},
            {"MetricName": "Bytes", "Values": [1.0, 2.0], "Counts": [3.0, 1.0], "Unit": "Bytes", "Timestamp": secs + 4.0}
        ]
    })
    .to_string();
    let r = json(
        &sb,
        "PutMetricData",
        &[("content-encoding", "gzip")],
        gzip(body.as_bytes()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = json(
        &sb,
        "GetMetricStatistics",
        &[],
        serde_json::json!({
            "Namespace": "Json", "MetricName": "Bytes", "StartTime": secs, "EndTime": secs + 60.0,
            "Period": 60, "Statistics": ["Sum", "SampleCount"]
        })
        .to_string(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let dp = &v["Datapoints"][0];
    assert_eq!(dp["Timestamp"], serde_json::json!(secs));
    assert_eq!(dp["Sum"], serde_json::json!(517.5));
    assert_eq!(dp["SampleCount"], serde_json::json!(5.0));
    assert_eq!(dp["Unit"], "Bytes");

    let r = json(&sb, "ListMetrics", &[], r#"{"RecentlyActive":"PT2H"}"#).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.headers["x-amzn-query-error"],
        "InvalidParameterValue;Sender"
    );
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        v["__type"],
        "com.amazonaws.cloudwatch#InvalidParameterValueException"
    );

    // A gzip bomb: 64 MiB of zeros in ~64 KiB, refused once past the 1 MB limit.
    let bomb = gzip(&vec![b' '; 64 << 20]);
    let r = json(&sb, "PutMetricData", &[("content-encoding", "gzip")], bomb).await;
    assert_eq!(r.status, 413, "{}", r.body);
    assert_eq!(
        r.headers["x-amzn-query-error"],
        "RequestEntityTooLarge;Sender"
    );
}

#[tokio::test]
async fn cbor_answers_carry_the_protocol_header_and_tag_1_timestamps() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let t0 = base_minute(&sb);
    let secs = (t0 / 1000) as i64;
    let r = cbor(
        &sb,
        "PutMetricData",
        &map(vec![
            ("Namespace", text("Cbor")),
            (
                "MetricData",
                Value::Array(vec![map(vec![
                    ("MetricName", text("Depth")),
                    ("Value", Value::Float(9.0)),
                    (
                        "Timestamp",
                        Value::Tag(1, Box::new(Value::Integer((secs + 1).into()))),
                    ),
                ])]),
            ),
        ]),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.bytes);
    assert_eq!(r.headers["smithy-protocol"], "rpc-v2-cbor");
    assert!(r.bytes.is_empty());
    let r = cbor(
        &sb,
        "GetMetricStatistics",
        &map(vec![
            ("Namespace", text("Cbor")),
            ("MetricName", text("Depth")),
            (
                "StartTime",
                Value::Tag(1, Box::new(Value::Float(secs as f64))),
            ),
            (
                "EndTime",
                Value::Tag(1, Box::new(Value::Integer((secs + 60).into()))),
            ),
            ("Period", Value::Integer(60.into())),
            ("Statistics", Value::Array(vec![text("Average")])),
        ]),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["smithy-protocol"], "rpc-v2-cbor");
    assert_eq!(r.headers["content-type"], "application/cbor");
    let v: Value = ciborium::from_reader(&r.bytes[..]).unwrap();
    let dp = &get(&v, "Datapoints").as_array().unwrap()[0];
    match get(dp, "Timestamp") {
        Value::Tag(1, inner) => assert_eq!(inner.as_float(), Some(secs as f64)),
        other => panic!("timestamp not tag 1: {other:?}"),
    }
    assert_eq!(get(dp, "Average").as_float(), Some(9.0));

    let r = cbor(&sb, "ListMetrics", &map(vec![("Namespace", text(""))])).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.headers["smithy-protocol"], "rpc-v2-cbor");
    assert_eq!(
        r.headers["x-amzn-query-error"],
        "InvalidParameterValue;Sender"
    );
    let v: Value = ciborium::from_reader(&r.bytes[..]).unwrap();
    assert_eq!(
        get(&v, "__type").as_text(),
        Some("com.amazonaws.cloudwatch#InvalidParameterValueException")
    );
    assert!(get(&v, "message").as_text().unwrap().contains("Namespace"));

    let r = cbor(&sb, "NoSuchOperation", &map(vec![])).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.headers["x-amzn-query-error"], "InvalidAction;Sender");
    let r = sb
        .raw(
            "POST",
            &format!("/service/{TARGET}/operation/ListMetrics"),
            &[
                ("content-type", "application/cbor"),
                ("smithy-protocol", "rpc-v2-cbor"),
            ],
            vec![0xff, 0x01],
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.headers["x-amzn-query-error"],
        "SerializationException;Sender"
    );
}

#[tokio::test]
async fn a_bucket_named_service_stays_s3s() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let s3 = sb.s3();
    s3.create_bucket().bucket("service").send().await.unwrap();
    let key = format!("{TARGET}/operation/ListMetrics");
    s3.put_object()
        .bucket("service")
        .key(&key)
        .body(b"not cbor".to_vec().into())
        .send()
        .await
        .unwrap();
    let got = s3
        .get_object()
        .bucket("service")
        .key(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        &got.body.collect().await.unwrap().into_bytes()[..],
        b"not cbor"
    );
    // Unsigned, without the protocol header: S3's path-style GET of that object.
    let r = sb
        .raw("GET", &format!("/service/{key}"), &[], Vec::new())
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, "not cbor");
    assert!(r.headers.contains_key("x-amz-request-id"));
}

#[tokio::test]
async fn prometheus_endpoint_serves_the_store() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let t0 = base_minute(&sb);
    sb.cloudwatch()
        .put_metric_data()
        .namespace("Prom/Test")
        .metric_data(super::datum("QueueDepth", 4.0, t0 + 9 * 60_000))
        .send()
        .await
        .unwrap();
    let r = sb.raw("GET", "/_nimbus/metrics", &[], Vec::new()).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "text/plain; version=0.0.4");
    assert!(r.body.contains("prom_test_queue_depth_sum{"), "{}", r.body);
}

#[tokio::test]
async fn strict_mode_signs_every_protocol_and_refuses_in_cbor() {
    let sb = TestSandbox::builder()
        .strict_auth(vec![("AKIDCW", "secret-cw", "111122223333")])
        .in_memory()
        .start()
        .await;
    // The SDK's signed CBOR requests pass; the data lands in the key's account.
    let cw = sb.cloudwatch();
    let t0 = base_minute(&sb);
    cw.put_metric_data()
        .namespace("Strict")
        .metric_data(super::datum("Signed", 1.0, t0))
        .send()
        .await
        .unwrap();
    let listed = cw.list_metrics().namespace("Strict").send().await.unwrap();
    assert_eq!(listed.metrics().len(), 1);

    // An unknown key: the SDK reads the refusal from a CBOR answer.
    let e = sb
        .cloudwatch_as("AKIDUNKNOWN")
        .list_metrics()
        .send()
        .await
        .unwrap_err();
    let raw = e.raw_response().unwrap();
    assert_eq!(raw.status().as_u16(), 403);
    assert_eq!(raw.headers().get("smithy-protocol"), Some("rpc-v2-cbor"));
    assert_eq!(raw.headers().get("content-type"), Some("application/cbor"));
    assert_eq!(super::code(&e), "InvalidClientTokenId");

    // Unsigned: refused, in CBOR.
    let r = cbor(&sb, "ListMetrics", &map(vec![])).await;
    assert_eq!(r.status, 403, "{:?}", r.bytes);
    assert_eq!(r.headers["smithy-protocol"], "rpc-v2-cbor");
    let v: Value = ciborium::from_reader(&r.bytes[..]).unwrap();
    assert_eq!(
        get(&v, "__type").as_text(),
        Some("com.amazonaws.cloudwatch#MissingAuthenticationToken")
    );
    assert!(get(&v, "message").as_text().is_some(), "{v:?}");
}
