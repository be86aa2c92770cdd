//! Metric alarms through aws-sdk-rust (Smithy RPC v2 CBOR) on the manual clock: an alarm
//! going INSUFFICIENT_DATA → ALARM → OK as `PutMetricData` feeds it, with AWS's state
//! reasons; its Lambda actions invoking a real function with the alarm event; history with
//! its three item types and paging; `SetAlarmState` moved back by the next evaluation; the
//! errors; the state kept across a restart.

use std::time::Duration;

use aws_sdk_cloudwatch::error::ProvideErrorMetadata;
use aws_sdk_cloudwatch::types::{
    ComparisonOperator, Dimension, HistoryItemType, MetricDatum, ScanBy, StateValue, Statistic,
};
use nimbus_testkit::{Clock, TestSandbox};
use serde_json::Value;

use crate::lambda::python;

const MINUTE: u64 = 60_000;

/// A function that prints each event it gets.
const PRINTER: &str = "import json\ndef lambda_handler(event, context):\n    print('ALARM-EVENT ' + json.dumps(event))\n";

/// `04/08/23 12:31:00` for a time in ms.
fn reason_time(millis: u64) -> String {
    // 2023-08-04T12:31:00Z
    let iso = nimbus_core::timefmt::iso8601_secs(millis);
    format!(
        "{}/{}/{} {}",
        &iso[8..10],
        &iso[5..7],
        &iso[2..4],
        &iso[11..19]
    )
}

async fn put(sb: &TestSandbox, value: f64) {
    sb.cloudwatch()
        .put_metric_data()
        .namespace("Lab")
        .metric_data(
            MetricDatum::builder()
                .metric_name("Jobs")
                .dimensions(Dimension::builder().name("Queue").value("q").build())
                .value(value)
                .build(),
        )
        .send()
        .await
        .expect("PutMetricData");
}

async fn alarm(sb: &TestSandbox, name: &str) -> aws_sdk_cloudwatch::types::MetricAlarm {
    sb.cloudwatch()
        .describe_alarms()
        .alarm_names(name)
        .send()
        .await
        .expect("DescribeAlarms")
        .metric_alarms()
        .first()
        .cloned()
        .expect("the alarm")
}

/// Moves the clock to `at` and waits (real time, up to 10 s) for the alarm to reach `state`.
async fn evaluate_until(sb: &TestSandbox, name: &str, at: u64, state: StateValue) {
    sb.clock().set_millis(at);
    for _ in 0..200 {
        if alarm(sb, name).await.state_value() == Some(&state) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{name} is {:?}, not {state:?}", alarm(sb, name).await);
}

/// The alarm events the function printed (real time, up to 30 s for `n` of them).
async fn events(sb: &TestSandbox, function: &str, n: usize) -> Vec<Value> {
    for _ in 0..600 {
        let out = sb
            .logs()
            .filter_log_events()
            .log_group_name(format!("/aws/lambda/{function}"))
            .send()
            .await;
        let found: Vec<Value> = out
            .map(|o| {
                o.events()
                    .iter()
                    .filter_map(|e| {
                        e.message()?
                            .split_once("ALARM-EVENT ")
                            .map(|(_, j)| j.to_owned())
                    })
                    .filter_map(|j| serde_json::from_str(&j).ok())
                    .collect()
            })
            .unwrap_or_default();
        if found.len() >= n {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{function} did not get {n} alarm events");
}

#[tokio::test]
async fn an_alarm_goes_insufficient_data_alarm_ok_and_invokes_its_function() {
    let sb = TestSandbox::start().await;
    let cw = sb.cloudwatch();
    python(&sb, "on-alarm", PRINTER).await;
    let fn_arn = "arn:aws:lambda:us-east-1:000000000000:function:on-alarm";
    let start = sb.clock().now_millis();
    let minute = start / MINUTE * MINUTE;

    cw.put_metric_alarm()
        .alarm_name("jobs-high")
        .alarm_description("too many jobs")
        .namespace("Lab")
        .metric_name("Jobs")
        .dimensions(Dimension::builder().name("Queue").value("q").build())
        .statistic(Statistic::Sum)
        .period(60)
        .evaluation_periods(1)
        .threshold(3.0)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .alarm_actions(fn_arn)
        .ok_actions(fn_arn)
        .send()
        .await
        .expect("PutMetricAlarm");
    let a = alarm(&sb, "jobs-high").await;
    assert_eq!(a.state_value(), Some(&StateValue::InsufficientData));
    assert_eq!(a.state_reason(), Some("Unchecked: Initial alarm creation"));
    assert_eq!(
        a.alarm_arn(),
        Some("arn:aws:cloudwatch:us-east-1:000000000000:alarm:jobs-high")
    );
    assert_eq!(a.alarm_actions(), [fn_arn]);

    // 2 + 4 in one minute: the Sum (6) breaches.
    put(&sb, 2.0).await;
    put(&sb, 4.0).await;
    evaluate_until(
        &sb,
        "jobs-high",
        minute + MINUTE + 10_000,
        StateValue::Alarm,
    )
    .await;
    let a = alarm(&sb, "jobs-high").await;
    assert_eq!(
        a.state_reason().unwrap(),
        format!(
            "Threshold Crossed: 1 out of the last 1 datapoints [6.0 ({})] was greater than the threshold (3.0) (minimum 1 datapoint for INSUFFICIENT_DATA -> ALARM transition).",
            reason_time(minute)
        )
    );
    let data: Value = serde_json::from_str(a.state_reason_data().unwrap()).unwrap();
    assert_eq!(data["statistic"], "Sum");
    assert_eq!(data["recentDatapoints"], serde_json::json!([6.0]));
    assert_eq!(data["evaluatedDatapoints"][0]["sampleCount"], 2.0);

    let got = events(&sb, "on-alarm", 1).await;
    let e = &got[0];
    assert_eq!(e["source"], "aws.cloudwatch");
    assert_eq!(
        e["alarmArn"],
        "arn:aws:cloudwatch:us-east-1:000000000000:alarm:jobs-high"
    );
    assert_eq!(e["accountId"], "000000000000");
    assert_eq!(e["region"], "us-east-1");
    assert_eq!(e["alarmData"]["alarmName"], "jobs-high");
    assert_eq!(e["alarmData"]["state"]["value"], "ALARM");
    assert_eq!(e["alarmData"]["state"]["reason"], a.state_reason().unwrap());
    assert_eq!(
        e["alarmData"]["previousState"]["value"],
        "INSUFFICIENT_DATA"
    );
    assert_eq!(
        e["alarmData"]["configuration"]["description"],
        "too many jobs"
    );
    let stat = &e["alarmData"]["configuration"]["metrics"][0]["metricStat"];
    assert_eq!(stat["metric"]["namespace"], "Lab");
    assert_eq!(stat["metric"]["name"], "Jobs");
    assert_eq!(stat["metric"]["dimensions"]["Queue"], "q");
    assert_eq!(stat["stat"], "Sum");

    // The next minute's Sum (1) is the most recent datapoint: back to OK.
    sb.clock().set_millis(minute + MINUTE + 30_000);
    put(&sb, 1.0).await;
    evaluate_until(
        &sb,
        "jobs-high",
        minute + 2 * MINUTE + 10_000,
        StateValue::Ok,
    )
    .await;
    assert_eq!(
        alarm(&sb, "jobs-high").await.state_reason().unwrap(),
        format!(
            "Threshold Crossed: 1 out of the last 1 datapoints [1.0 ({})] was not greater than the threshold (3.0) (minimum 1 datapoint for ALARM -> OK transition).",
            reason_time(minute + MINUTE)
        )
    );
    let got = events(&sb, "on-alarm", 2).await;
    assert!(got.iter().any(|e| e["alarmData"]["state"]["value"] == "OK"
        && e["alarmData"]["previousState"]["value"] == "ALARM"));

    // History: creation, two state changes, two actions; newest first by default.
    let mut items = Vec::new();
    for _ in 0..100 {
        items = cw
            .describe_alarm_history()
            .alarm_name("jobs-high")
            .send()
            .await
            .unwrap()
            .alarm_history_items()
            .to_vec();
        if items.len() == 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let kinds: Vec<_> = items
        .iter()
        .map(|i| i.history_item_type().cloned().unwrap())
        .collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == HistoryItemType::Action)
            .count(),
        2
    );
    assert_eq!(kinds.last(), Some(&HistoryItemType::ConfigurationUpdate));
    let states: Vec<_> = cw
        .describe_alarm_history()
        .alarm_name("jobs-high")
        .history_item_type(HistoryItemType::StateUpdate)
        .scan_by(ScanBy::TimestampAscending)
        .send()
        .await
        .unwrap()
        .alarm_history_items()
        .iter()
        .map(|i| i.history_summary().unwrap().to_owned())
        .collect();
    assert_eq!(
        states,
        [
            "Alarm updated from INSUFFICIENT_DATA to ALARM",
            "Alarm updated from ALARM to OK"
        ]
    );
    let action = items
        .iter()
        .find(|i| i.history_item_type() == Some(&HistoryItemType::Action))
        .unwrap();
    assert_eq!(
        action.history_summary(),
        Some(format!("Successfully executed action {fn_arn}").as_str())
    );
    // Paging: one at a time, five pages.
    let mut token = None;
    let mut pages = 0;
    loop {
        let out = cw
            .describe_alarm_history()
            .alarm_name("jobs-high")
            .max_records(1)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        assert_eq!(out.alarm_history_items().len(), 1);
        pages += 1;
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(pages, 5);
}

#[tokio::test]
async fn set_alarm_state_errors_and_restart() {
    let mut sb = TestSandbox::start().await;
    let cw = sb.cloudwatch();
    let minute = sb.clock().now_millis() / MINUTE * MINUTE;
    cw.put_metric_alarm()
        .alarm_name("low")
        .namespace("Lab")
        .metric_name("Jobs")
        .statistic(Statistic::Maximum)
        .period(60)
        .evaluation_periods(2)
        .datapoints_to_alarm(1)
        .threshold(1.0)
        .comparison_operator(ComparisonOperator::LessThanThreshold)
        .treat_missing_data("notBreaching")
        .send()
        .await
        .unwrap();

    // SetAlarmState holds until the next evaluation.
    cw.set_alarm_state()
        .alarm_name("low")
        .state_value(StateValue::Alarm)
        .state_reason("testing")
        .state_reason_data(r#"{"k":1}"#)
        .send()
        .await
        .unwrap();
    let a = alarm(&sb, "low").await;
    assert_eq!(a.state_value(), Some(&StateValue::Alarm));
    assert_eq!(a.state_reason(), Some("testing"));
    evaluate_until(&sb, "low", minute + MINUTE + 10_000, StateValue::Ok).await;
    assert_eq!(
        alarm(&sb, "low").await.state_reason(),
        Some(
            "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [NonBreaching]."
        )
    );

    let e = cw
        .set_alarm_state()
        .alarm_name("nope")
        .state_value(StateValue::Ok)
        .state_reason("x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ResourceNotFound"));
    let e = cw
        .set_alarm_state()
        .alarm_name("low")
        .state_value(StateValue::Ok)
        .state_reason("x")
        .state_reason_data("{not json")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidFormat"));
    let e = cw
        .put_metric_alarm()
        .alarm_name("bad")
        .namespace("Lab")
        .metric_name("Jobs")
        .statistic(Statistic::Sum)
        .period(60)
        .evaluation_periods(2)
        .datapoints_to_alarm(3)
        .threshold(1.0)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ValidationError"));

    // For-metric lookup and the state after a restart.
    let for_metric = cw
        .describe_alarms_for_metric()
        .namespace("Lab")
        .metric_name("Jobs")
        .send()
        .await
        .unwrap();
    assert_eq!(for_metric.metric_alarms().len(), 1);
    sb.restart().await;
    let a = alarm(&sb, "low").await;
    assert_eq!(a.state_value(), Some(&StateValue::Ok));
    assert_eq!(a.evaluation_periods(), Some(2));
    assert_eq!(a.datapoints_to_alarm(), Some(1));

    // Disable, delete (unknown names are skipped).
    cw.disable_alarm_actions()
        .alarm_names("low")
        .send()
        .await
        .unwrap();
    assert_eq!(alarm(&sb, "low").await.actions_enabled(), Some(false));
    cw.delete_alarms()
        .alarm_names("low")
        .alarm_names("never-was")
        .send()
        .await
        .unwrap();
    let left = cw.describe_alarms().send().await.unwrap();
    assert!(left.metric_alarms().is_empty());
}

/// The Action history summaries of `alarm`, waiting (real time, up to 10 s) for `n`.
async fn action_summaries(sb: &TestSandbox, alarm: &str, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..200 {
        out = sb
            .cloudwatch()
            .describe_alarm_history()
            .alarm_name(alarm)
            .history_item_type(HistoryItemType::Action)
            .scan_by(ScanBy::TimestampAscending)
            .send()
            .await
            .unwrap()
            .alarm_history_items()
            .iter()
            .map(|i| i.history_summary().unwrap_or_default().to_owned())
            .collect();
        if out.len() >= n {
            return out;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{alarm}: {out:?}");
}

#[tokio::test]
async fn under_strict_auth_the_function_policy_decides_the_action() {
    let account = "111122223333";
    let sb = TestSandbox::builder()
        .strict_auth(vec![("AKIDALARMS", "alarms-secret", account)])
        .start()
        .await;
    python(&sb, "on-alarm", PRINTER).await;
    let fn_arn = format!("arn:aws:lambda:us-east-1:{account}:function:on-alarm");
    let alarm_arn = format!("arn:aws:cloudwatch:us-east-1:{account}:alarm:guarded");
    let cw = sb.cloudwatch();
    cw.put_metric_alarm()
        .alarm_name("guarded")
        .namespace("Lab")
        .metric_name("Jobs")
        .statistic(Statistic::Sum)
        .period(60)
        .evaluation_periods(1)
        .threshold(3.0)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .alarm_actions(&fn_arn)
        .send()
        .await
        .unwrap();
    let set = |v: StateValue| {
        cw.set_alarm_state()
            .alarm_name("guarded")
            .state_value(v)
            .state_reason("drill")
            .send()
    };
    set(StateValue::Alarm).await.unwrap();
    let first = action_summaries(&sb, "guarded", 1).await;
    assert!(
        first[0].starts_with(&format!("Failed to execute action {fn_arn}. Received error: \"CloudWatch Alarms is not authorized")),
        "{first:?}"
    );

    sb.lambda()
        .add_permission()
        .function_name("on-alarm")
        .statement_id("alarm")
        .action("lambda:InvokeFunction")
        .principal("lambda.alarms.cloudwatch.amazonaws.com")
        .source_arn(&alarm_arn)
        .send()
        .await
        .unwrap();
    set(StateValue::Ok).await.unwrap();
    set(StateValue::Alarm).await.unwrap();
    let all = action_summaries(&sb, "guarded", 2).await;
    assert_eq!(all[1], format!("Successfully executed action {fn_arn}"));
    let got = events(&sb, "on-alarm", 1).await;
    assert_eq!(got[0]["alarmArn"], alarm_arn.as_str());
    assert_eq!(got[0]["alarmData"]["state"]["reason"], "drill");
}
