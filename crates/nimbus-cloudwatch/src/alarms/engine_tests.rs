//! The engine without the wire: create, evaluate on a table of datapoints, history, state
//! kept across a reopen, `SetAlarmState` moved back by the next evaluation.

use std::sync::Arc;

use nimbus_core::{ManualClock, ServiceEnv, StorageConfig};
use parking_lot::Mutex;

use super::history::{HistoryItemType, HistoryQuery};
use super::validate::{DimensionInput, PutMetricAlarmInput};
use super::*;
use crate::metrics::Statistic;

/// 2026-12-03T18:00:00Z.
const T0: u64 = 1_796_320_800_000;
const MIN: u64 = 60_000;

#[derive(Default)]
struct Table(Mutex<Vec<(u64, f64)>>);

impl SeriesReader for Table {
    fn statistics(&self, q: &StatisticsQuery) -> Vec<Datapoint> {
        self.0
            .lock()
            .iter()
            .filter(|(t, _)| *t >= q.start_millis && *t < q.end_millis)
            .map(|(t, v)| Datapoint {
                timestamp_millis: *t,
                values: q
                    .statistics
                    .iter()
                    .map(|s| {
                        (
                            s.clone(),
                            if *s == Statistic::SampleCount {
                                1.0
                            } else {
                                *v
                            },
                        )
                    })
                    .collect(),
                unit: nimbus_core::bus::metrics::MetricUnit::Count,
            })
            .collect()
    }
}

fn env(dir: Option<&std::path::Path>, clock: Arc<ManualClock>) -> ServiceEnv {
    let mut env = ServiceEnv::in_memory();
    env.clock = clock;
    env.storage = StorageConfig {
        data_dir: dir.map(|d| d.to_path_buf()),
        ..StorageConfig::default()
    };
    env
}

fn input(name: &str) -> PutMetricAlarmInput {
    PutMetricAlarmInput {
        alarm_name: Some(name.to_owned()),
        metric_name: Some("Sent".to_owned()),
        namespace: Some("Lab".to_owned()),
        statistic: Some("Sum".to_owned()),
        dimensions: Some(vec![DimensionInput {
            name: Some("QueueName".to_owned()),
            value: Some("jobs".to_owned()),
        }]),
        period: Some(60),
        evaluation_periods: Some(1),
        threshold: Some(3.0),
        comparison_operator: Some("GreaterThanThreshold".to_owned()),
        ..Default::default()
    }
}

fn state(a: &Alarms, name: &str) -> MetricAlarm {
    let (list, _) = a.describe(&DescribeQuery {
        account: "000000000000".into(),
        region: "us-east-1".into(),
        names: Some(vec![name.to_owned()]),
        max_records: 50,
        ..Default::default()
    });
    list.into_iter().next().expect("alarm")
}

#[tokio::test]
async fn alarm_moves_with_the_data_and_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(T0 + 5_000);
    let table = Arc::new(Table::default());
    let a = Alarms::open(&env(Some(dir.path()), clock.clone()), table.clone()).unwrap();
    a.put("000000000000", "us-east-1", &input("high")).unwrap();
    assert_eq!(state(&a, "high").state.value, StateValue::InsufficientData);
    assert_eq!(state(&a, "high").state.reason, INITIAL_REASON);

    table.0.lock().push((T0, 5.0));
    a.evaluate_all(T0 + MIN + 10_000);
    let s = state(&a, "high").state;
    assert_eq!(s.value, StateValue::Alarm);
    assert_eq!(
        s.reason,
        "Threshold Crossed: 1 out of the last 1 datapoints [5.0 (03/12/26 18:00:00)] was greater than the threshold (3.0) (minimum 1 datapoint for INSUFFICIENT_DATA -> ALARM transition)."
    );

    // SetAlarmState holds until the next evaluation moves it back.
    a.set_state(
        "000000000000",
        "us-east-1",
        "high",
        StateValue::Ok,
        "test".into(),
        None,
    )
    .unwrap();
    assert_eq!(state(&a, "high").state.value, StateValue::Ok);
    a.evaluate_all(T0 + MIN + 20_000);
    assert_eq!(state(&a, "high").state.value, StateValue::Alarm);

    table.0.lock().push((T0 + MIN, 1.0));
    a.evaluate_all(T0 + 2 * MIN + 10_000);
    assert_eq!(state(&a, "high").state.value, StateValue::Ok);

    let q = HistoryQuery {
        account: "000000000000".into(),
        region: "us-east-1".into(),
        alarm_name: Some("high".into()),
        item_type: Some(HistoryItemType::StateUpdate),
        max_records: 100,
        ascending: true,
        ..Default::default()
    };
    let summaries: Vec<String> = a.history(&q).0.into_iter().map(|h| h.summary).collect();
    assert_eq!(
        summaries,
        [
            "Alarm updated from INSUFFICIENT_DATA to ALARM",
            "Alarm updated from ALARM to OK",
            "Alarm updated from OK to ALARM",
            "Alarm updated from ALARM to OK",
        ]
    );
    drop(a);

    let b = Alarms::open(&env(Some(dir.path()), clock), table).unwrap();
    let s = state(&b, "high");
    assert_eq!(s.state.value, StateValue::Ok);
    assert_eq!(b.history(&q).0.len(), 4);
}

#[tokio::test]
async fn delete_skips_unknown_names_and_describe_pages() {
    let clock = ManualClock::new(T0);
    let a = Alarms::open(&env(None, clock), Arc::new(Table::default())).unwrap();
    for n in ["a", "b", "c"] {
        a.put("000000000000", "us-east-1", &input(n)).unwrap();
    }
    let q = DescribeQuery {
        account: "000000000000".into(),
        region: "us-east-1".into(),
        max_records: 2,
        ..Default::default()
    };
    let (page, next) = a.describe(&q);
    assert_eq!(page.len(), 2);
    assert_eq!(next.as_deref(), Some("b"));
    let (page, next) = a.describe(&DescribeQuery {
        after: next,
        ..q.clone()
    });
    assert_eq!(page[0].config.name, "c");
    assert_eq!(next, None);
    a.delete("000000000000", "us-east-1", &["a".into(), "zzz".into()])
        .unwrap();
    assert_eq!(
        a.describe(&DescribeQuery {
            max_records: 50,
            ..q
        })
        .0
        .len(),
        2
    );
    let missing = a
        .set_state(
            "000000000000",
            "us-east-1",
            "a",
            StateValue::Ok,
            "x".into(),
            None,
        )
        .unwrap_err();
    assert_eq!(
        missing.code,
        crate::error::CloudWatchErrorCode::ResourceNotFound
    );
}

/// A Lambda that records what it is asked to invoke.
#[derive(Default)]
struct Recorder(
    Mutex<
        Vec<(
            String,
            serde_json::Value,
            Option<nimbus_core::bus::InvokeCaller>,
        )>,
    >,
);

#[async_trait::async_trait]
impl nimbus_core::bus::FunctionInvoker for Recorder {
    async fn function_exists(&self, _: &nimbus_core::Arn) -> bool {
        true
    }
    async fn permits(&self, _: &nimbus_core::Arn, _: &nimbus_core::bus::InvokeCaller) -> bool {
        true
    }
    async fn invoke_async(
        &self,
        arn: &nimbus_core::Arn,
        payload: bytes::Bytes,
        caller: Option<&nimbus_core::bus::InvokeCaller>,
    ) -> std::result::Result<String, nimbus_core::bus::DeliveryError> {
        if arn.resource.ends_with(":missing") {
            return Err(nimbus_core::bus::DeliveryError::NoSuchDestination(
                arn.to_string(),
            ));
        }
        self.0.lock().push((
            arn.to_string(),
            serde_json::from_slice(&payload).unwrap(),
            caller.cloned(),
        ));
        Ok("req".into())
    }
}

#[tokio::test]
async fn alarm_actions_invoke_the_function_with_the_alarm_event() {
    let clock = ManualClock::new(T0 + 5_000);
    let e = env(None, clock.clone());
    let lambda = Arc::new(Recorder::default());
    e.bus.register_functions(lambda.clone());
    let table = Arc::new(Table::default());
    let a = Alarms::open(&e, table.clone()).unwrap();
    let fn_arn = "arn:aws:lambda:us-east-1:000000000000:function:scale-out";
    let mut put = input("high");
    put.alarm_description = Some("scale out".into());
    put.alarm_actions = Some(vec![
        fn_arn.to_owned(),
        "arn:aws:lambda:us-east-1:000000000000:function:missing".to_owned(),
        "arn:aws:sns:us-east-1:000000000000:ops".to_owned(),
    ]);
    a.put("000000000000", "us-east-1", &put).unwrap();
    table.0.lock().push((T0, 5.0));
    a.evaluate_all(T0 + MIN + 10_000);
    for _ in 0..100 {
        if a.history(&HistoryQuery {
            account: "000000000000".into(),
            region: "us-east-1".into(),
            item_type: Some(HistoryItemType::Action),
            max_records: 100,
            ..Default::default()
        })
        .0
        .len()
            == 3
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let calls = lambda.0.lock().clone();
    assert_eq!(calls.len(), 1);
    let (arn, event, caller) = &calls[0];
    assert_eq!(arn, fn_arn);
    let caller = caller.clone().unwrap();
    assert_eq!(caller.principal, "lambda.alarms.cloudwatch.amazonaws.com");
    assert_eq!(
        caller.source_arn.as_deref(),
        Some("arn:aws:cloudwatch:us-east-1:000000000000:alarm:high")
    );
    assert_eq!(event["source"], "aws.cloudwatch");
    assert_eq!(
        event["alarmArn"],
        "arn:aws:cloudwatch:us-east-1:000000000000:alarm:high"
    );
    assert_eq!(event["accountId"], "000000000000");
    assert_eq!(event["region"], "us-east-1");
    assert_eq!(event["time"], "2026-12-03T18:01:10.000+0000");
    let data = &event["alarmData"];
    assert_eq!(data["alarmName"], "high");
    assert_eq!(data["state"]["value"], "ALARM");
    assert_eq!(data["previousState"]["value"], "INSUFFICIENT_DATA");
    assert_eq!(data["previousState"]["reason"], INITIAL_REASON);
    assert_eq!(data["configuration"]["description"], "scale out");
    let m = &data["configuration"]["metrics"][0];
    assert_eq!(m["metricStat"]["metric"]["namespace"], "Lab");
    assert_eq!(m["metricStat"]["metric"]["name"], "Sent");
    assert_eq!(m["metricStat"]["metric"]["dimensions"]["QueueName"], "jobs");
    assert_eq!(m["metricStat"]["period"], 60);
    assert_eq!(m["metricStat"]["stat"], "Sum");
    assert_eq!(m["returnData"], true);
    let reason_data: serde_json::Value =
        serde_json::from_str(data["state"]["reasonData"].as_str().unwrap()).unwrap();
    assert_eq!(reason_data["recentDatapoints"][0], 5.0);

    let mut summaries: Vec<String> = a
        .history(&HistoryQuery {
            account: "000000000000".into(),
            region: "us-east-1".into(),
            item_type: Some(HistoryItemType::Action),
            max_records: 100,
            ..Default::default()
        })
        .0
        .into_iter()
        .map(|h| h.summary)
        .collect();
    summaries.sort();
    assert_eq!(
        summaries,
        [
            "Failed to execute action arn:aws:lambda:us-east-1:000000000000:function:missing. Received error: \"Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing\"",
            "Failed to execute action arn:aws:sns:us-east-1:000000000000:ops. Received error: \"nimbus does not serve sns: the action was recorded, not executed\"",
            "Successfully executed action arn:aws:lambda:us-east-1:000000000000:function:scale-out",
        ]
    );

    // Disabled actions do not run.
    a.set_actions_enabled("000000000000", "us-east-1", &["high".into()], false)
        .unwrap();
    a.set_state(
        "000000000000",
        "us-east-1",
        "high",
        StateValue::Ok,
        "t".into(),
        None,
    )
    .unwrap();
    a.evaluate_all(T0 + MIN + 20_000);
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert_eq!(lambda.0.lock().len(), 1);
}

#[tokio::test]
async fn the_scheduler_evaluates_on_the_clock() {
    let clock = ManualClock::new(T0 + 5_000);
    let table = Arc::new(Table::default());
    let a = Alarms::open(&env(None, clock.clone()), table.clone()).unwrap();
    a.spawn_scheduler();
    tokio::task::yield_now().await;
    // The task waits on no clock sleeper (tests count them to see a long poll waiting).
    assert_eq!(clock.sleepers(), 0);
    a.put("000000000000", "us-east-1", &input("high")).unwrap();
    table.0.lock().push((T0, 5.0));
    // Before the minute's tick nothing is evaluated.
    clock.set_millis(T0 + MIN + 9_000);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(state(&a, "high").state.value, StateValue::InsufficientData);
    // The clock jumps past the tick: the evaluation is as of the last tick.
    clock.set_millis(T0 + MIN + 25_000);
    for _ in 0..200 {
        if state(&a, "high").state.value == StateValue::Alarm {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let s = state(&a, "high").state;
    assert_eq!(s.value, StateValue::Alarm);
    assert_eq!(s.updated_millis, T0 + MIN + 10_000);
    a.shutdown();
}

#[tokio::test]
async fn alarms_read_the_metric_store() {
    let clock = ManualClock::new(T0 + 5_000);
    let e = env(None, clock.clone());
    let store = crate::metrics::MetricStore::open(&e).unwrap();
    let a = Alarms::open(&e, store.clone()).unwrap();
    a.put("000000000000", "us-east-1", &input("high")).unwrap();
    let datum = |v: f64| crate::metrics::PutDatum {
        metric_name: "Sent".into(),
        dimensions: vec![("QueueName".into(), "jobs".into())],
        timestamp_millis: T0 + 5_000,
        values: vec![(v, 1.0)],
        statistic_values: None,
        unit: nimbus_core::bus::metrics::MetricUnit::Count,
        storage_resolution: 60,
    };
    store
        .put(
            "000000000000",
            "us-east-1",
            "Lab",
            vec![datum(2.0), datum(4.0)],
        )
        .await
        .unwrap();
    clock.set_millis(T0 + MIN + 10_000);
    a.evaluate_all(T0 + MIN + 10_000);
    let s = state(&a, "high").state;
    assert_eq!(s.value, StateValue::Alarm);
    let data: serde_json::Value = serde_json::from_str(s.reason_data.as_deref().unwrap()).unwrap();
    assert_eq!(data["recentDatapoints"], serde_json::json!([6.0]));
    assert_eq!(data["evaluatedDatapoints"][0]["sampleCount"], 2.0);
}

#[tokio::test]
async fn tags_are_set_at_creation_and_changed_by_arn() {
    let a = Alarms::open(&env(None, ManualClock::new(T0)), Arc::new(Table::default())).unwrap();
    let mut put = input("t");
    put.tags = Some(vec![super::validate::TagInput {
        key: Some("team".into()),
        value: Some("ops".into()),
    }]);
    a.put("000000000000", "us-east-1", &put).unwrap();
    let arn = "arn:aws:cloudwatch:us-east-1:000000000000:alarm:t";
    assert_eq!(
        a.tags("000000000000", "us-east-1", arn).unwrap(),
        [("team".into(), "ops".into())]
    );
    // An update's tags are ignored, as AWS does.
    put.tags = Some(Vec::new());
    a.put("000000000000", "us-east-1", &put).unwrap();
    a.retag(
        "000000000000",
        "us-east-1",
        arn,
        &[("team".into(), "dev".into()), ("env".into(), "lab".into())],
        &[],
    )
    .unwrap();
    a.retag("000000000000", "us-east-1", arn, &[], &["env".into()])
        .unwrap();
    assert_eq!(
        a.tags("000000000000", "us-east-1", arn).unwrap(),
        [("team".into(), "dev".into())]
    );
    let e = a
        .tags(
            "000000000000",
            "us-east-1",
            "arn:aws:cloudwatch:us-east-1:000000000000:alarm:none",
        )
        .unwrap_err();
    assert_eq!(
        e.code,
        crate::error::CloudWatchErrorCode::ResourceNotFoundException
    );
    let e = a.tags("111111111111", "us-east-1", arn).unwrap_err();
    assert_eq!(
        e.code,
        crate::error::CloudWatchErrorCode::ResourceNotFoundException
    );
}

#[tokio::test]
async fn a_new_alarm_is_evaluated_at_once() {
    let a = Alarms::open(
        &env(None, ManualClock::new(T0 + 5_000)),
        Arc::new(Table::default()),
    )
    .unwrap();
    let mut put = input("quiet");
    put.treat_missing_data = Some("notBreaching".into());
    a.put("000000000000", "us-east-1", &put).unwrap();
    let s = state(&a, "quiet").state;
    assert_eq!(s.value, StateValue::Ok);
    assert_eq!(
        s.reason,
        "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching]."
    );
    // The default (missing) keeps a new alarm without data in INSUFFICIENT_DATA.
    a.put("000000000000", "us-east-1", &input("unknown"))
        .unwrap();
    assert_eq!(state(&a, "unknown").state.reason, INITIAL_REASON);
}

#[tokio::test]
async fn metric_math_alarms_evaluate_the_returned_expression() {
    use super::validate::{MetricDataQueryInput, MetricInput, MetricStatInput};
    let table = Arc::new(Table::default());
    let a = Alarms::open(&env(None, ManualClock::new(T0 + 5_000)), table.clone()).unwrap();
    let stat = MetricDataQueryInput {
        id: Some("m1".into()),
        metric_stat: Some(MetricStatInput {
            metric: Some(MetricInput {
                namespace: Some("Lab".into()),
                metric_name: Some("Sent".into()),
                dimensions: None,
            }),
            period: Some(60),
            stat: Some("Sum".into()),
            unit: None,
        }),
        return_data: Some(false),
        ..Default::default()
    };
    let expr = MetricDataQueryInput {
        id: Some("e1".into()),
        expression: Some("m1 * 2".into()),
        label: Some("doubled".into()),
        return_data: Some(true),
        ..Default::default()
    };
    let put = PutMetricAlarmInput {
        alarm_name: Some("math".into()),
        metrics: Some(vec![stat, expr]),
        evaluation_periods: Some(1),
        threshold: Some(8.0),
        comparison_operator: Some("GreaterThanThreshold".into()),
        ..Default::default()
    };
    a.put("000000000000", "us-east-1", &put).unwrap();
    table.0.lock().push((T0, 5.0));
    a.evaluate_all(T0 + MIN + 10_000);
    let s = state(&a, "math").state;
    assert_eq!(s.value, StateValue::Alarm);
    assert_eq!(
        s.reason,
        "Threshold Crossed: 1 out of the last 1 datapoints [10.0 (03/12/26 18:00:00)] was greater than the threshold (8.0) (minimum 1 datapoint for INSUFFICIENT_DATA -> ALARM transition)."
    );
    table.0.lock().push((T0 + MIN, 3.0));
    a.evaluate_all(T0 + 2 * MIN + 10_000);
    assert_eq!(state(&a, "math").state.value, StateValue::Ok);
}
