//! One input shape read from the three protocols, one output shape written to them.

use bytes::Bytes;
use nimbus_core::RequestContext;
use nimbus_wire::Protocol;
use nimbus_wire::query::QueryParams;
use nimbus_wire::query::ser::Timestamp;
use serde::{Deserialize, Serialize};

use super::validate::DimensionIn;
use super::{Call, Op, classify, parse, respond};
use crate::error::CloudWatchErrorCode;

#[derive(Deserialize, Default, Debug)]
#[serde(rename_all = "PascalCase")]
struct In {
    namespace: Option<String>,
    start_time: Option<Timestamp>,
    period: Option<i64>,
    dimensions: Option<Vec<DimensionIn>>,
    statistics: Option<Vec<String>>,
}

fn call(protocol: Protocol, body: Vec<u8>, form: Option<&str>) -> Call {
    Call {
        ctx: RequestContext::internal(Default::default(), "us-east-1"),
        protocol,
        op: Op::GetMetricStatistics,
        body: Bytes::from(body),
        form: form.map(|f| QueryParams::parse(None, f.as_bytes())),
    }
}

fn check(i: In) {
    assert_eq!(i.namespace.as_deref(), Some("App"));
    assert_eq!(i.start_time, Some(Timestamp(1_700_000_000_000)));
    assert_eq!(i.period, Some(60));
    let d = &i.dimensions.unwrap()[0];
    assert_eq!(
        (d.name.as_deref(), d.value.as_deref()),
        (Some("Q"), Some("q"))
    );
    assert_eq!(i.statistics.unwrap(), vec!["Sum", "Maximum"]);
}

#[test]
fn one_input_from_three_protocols() {
    let json = br#"{"Namespace":"App","StartTime":1700000000,"Period":60,
        "Dimensions":[{"Name":"Q","Value":"q"}],"Statistics":["Sum","Maximum"]}"#;
    check(parse(&call(Protocol::AwsJson1_0, json.to_vec(), None)).unwrap());
    let form = "Action=GetMetricStatistics&Namespace=App&StartTime=2023-11-14T22%3A13%3A20Z&Period=60\
                &Dimensions.member.1.Name=Q&Dimensions.member.1.Value=q\
                &Statistics.member.1=Sum&Statistics.member.2=Maximum";
    check(parse(&call(Protocol::AwsQuery, Vec::new(), Some(form))).unwrap());
    let v: serde_json::Value = serde_json::from_slice(json).unwrap();
    let mut cbor = Vec::new();
    as_cbor(&v, &mut cbor);
    check(parse(&call(Protocol::RpcV2Cbor, cbor, None)).unwrap());

    let e = parse::<In>(&call(Protocol::AwsJson1_0, b"{".to_vec(), None)).unwrap_err();
    assert_eq!(e.code, CloudWatchErrorCode::Serialization);
    let e = parse::<In>(&call(Protocol::AwsQuery, Vec::new(), Some("Period=sixty"))).unwrap_err();
    assert_eq!(e.code, CloudWatchErrorCode::InvalidParameterValue);
    assert_eq!(
        e.message,
        "The value sixty for parameter Period is invalid."
    );
}

/// The JSON input as CBOR, with `StartTime` as tag 1 (as the SDKs send it).
fn as_cbor(v: &serde_json::Value, out: &mut Vec<u8>) {
    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Out<'a> {
        namespace: &'a str,
        start_time: Timestamp,
        period: i64,
        dimensions: &'a serde_json::Value,
        statistics: &'a serde_json::Value,
    }
    let o = Out {
        namespace: v["Namespace"].as_str().unwrap(),
        start_time: Timestamp(1_700_000_000_000),
        period: 60,
        dimensions: &v["Dimensions"],
        statistics: &v["Statistics"],
    };
    out.extend(nimbus_wire::cbor::to_vec(&o).unwrap());
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Out {
    label: &'static str,
    timestamps: Vec<Timestamp>,
}

#[tokio::test]
async fn one_output_to_three_protocols() {
    use http_body_util::BodyExt;
    let out = Out {
        label: "x",
        timestamps: vec![Timestamp(1_700_000_000_000)],
    };
    let body =
        |r: nimbus_wire::Response| async move { r.into_body().collect().await.unwrap().to_bytes() };
    let r = respond(&call(Protocol::AwsQuery, Vec::new(), Some("")), &out);
    let xml = String::from_utf8(body(r).await.to_vec()).unwrap();
    assert!(xml.contains(
        r#"<GetMetricStatisticsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><GetMetricStatisticsResult><Label>x</Label><Timestamps><member>2023-11-14T22:13:20Z</member></Timestamps>"#
    ), "{xml}");
    let r = respond(&call(Protocol::AwsJson1_0, Vec::new(), None), &out);
    assert_eq!(
        &body(r).await[..],
        br#"{"Label":"x","Timestamps":[1700000000.0]}"#
    );
    let r = respond(&call(Protocol::RpcV2Cbor, Vec::new(), None), &out);
    assert_eq!(r.headers()["smithy-protocol"], "rpc-v2-cbor");
    assert_eq!(r.headers()["content-type"], "application/cbor");
}

#[test]
fn operations_by_name() {
    assert_eq!(
        classify(Protocol::AwsJson1_0, Some("ListMetrics")).unwrap(),
        Op::ListMetrics
    );
    let e = classify(Protocol::RpcV2Cbor, Some("PutDashboard")).unwrap_err();
    assert_eq!(e.code, CloudWatchErrorCode::NotImplemented);
    let e = classify(Protocol::AwsQuery, Some("Nope")).unwrap_err();
    assert_eq!(e.code, CloudWatchErrorCode::InvalidAction);
    let e = classify(Protocol::AwsQuery, None).unwrap_err();
    assert_eq!(e.code, CloudWatchErrorCode::MissingParameter);
    assert_eq!(Op::NAMES.len() + Op::NOT_IMPLEMENTED.len(), 55);
}
