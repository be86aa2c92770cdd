//! The evaluator against the user guide's tables (M out of N, each `TreatMissingData`, the
//! lookback), each operator, and the exact reasons and reason data.

use super::*;

const MIN: u64 = 60_000;
/// 2026-12-03T18:00:00Z.
const T0: u64 = 1_796_320_800_000;

fn rule(n: u32, m: u32, treat: TreatMissingData) -> Rule<'static> {
    Rule {
        operator: ComparisonOperator::GreaterThanThreshold,
        threshold: 3.0,
        evaluation_periods: n,
        datapoints_to_alarm: m,
        treat_missing: treat,
        statistic: Some("Sum"),
        period: 60,
        unit: None,
        min_samples: None,
    }
}

/// A range from a pattern like the guide's, oldest first: `0` not breaching (value 1),
/// `X` breaching (value 5), `-` missing.
fn range(pattern: &str) -> Vec<Point> {
    pattern
        .split_whitespace()
        .enumerate()
        .map(|(i, c)| Point {
            timestamp_millis: T0 + i as u64 * MIN,
            value: match c {
                "0" => Some(1.0),
                "X" => Some(5.0),
                _ => None,
            },
            sample_count: if c == "-" { 0.0 } else { 1.0 },
        })
        .collect()
}

/// The state for each treatment (missing, ignore, breaching, notBreaching); `None` = kept.
fn states(n: u32, m: u32, pattern: &str) -> [Option<StateValue>; 4] {
    [
        TreatMissingData::Missing,
        TreatMissingData::Ignore,
        TreatMissingData::Breaching,
        TreatMissingData::NotBreaching,
    ]
    .map(|t| {
        evaluate(
            &rule(n, m, t),
            &range(pattern),
            StateValue::Ok,
            T0 + 10 * MIN,
        )
        .map(|o| o.state)
    })
}

use StateValue::{Alarm as A, InsufficientData as I, Ok as O};

#[test]
fn guide_table_three_out_of_three() {
    let table: [(&str, [Option<StateValue>; 4]); 6] = [
        ("0 - X - X", [Some(O), Some(O), Some(O), Some(O)]),
        ("0 - - - -", [Some(O), Some(O), Some(O), Some(O)]),
        ("- - - - -", [Some(I), None, Some(A), Some(O)]),
        ("0 X X - X", [Some(A), Some(A), Some(A), Some(A)]),
        ("- - - - X", [Some(I), None, Some(A), Some(O)]),
        ("X - - - -", [Some(A), None, Some(A), Some(O)]),
    ];
    for (pattern, want) in table {
        assert_eq!(states(3, 3, pattern), want, "3 of 3, {pattern}");
    }
}

#[test]
fn guide_table_two_out_of_three() {
    let table: [(&str, [Option<StateValue>; 4]); 5] = [
        ("0 - X - X", [Some(A), Some(A), Some(A), Some(A)]),
        ("0 0 X 0 X", [Some(A), Some(A), Some(A), Some(A)]),
        ("0 - X - -", [Some(O), Some(O), Some(A), Some(O)]),
        ("- - - - 0", [Some(O), Some(O), Some(A), Some(O)]),
        ("- - - - X", [Some(I), None, Some(A), Some(O)]),
    ];
    for (pattern, want) in table {
        assert_eq!(states(3, 2, pattern), want, "2 of 3, {pattern}");
    }
}

#[test]
fn only_the_most_recent_n_real_datapoints_count() {
    // X X 0 0 0: the breaching points are older than the last three real ones.
    assert_eq!(states(3, 2, "X X 0 0 0"), [Some(O); 4]);
    assert_eq!(states(3, 2, "0 0 0 X X"), [Some(A); 4]);
    // Lookback: the real points reach past the missing ones.
    assert_eq!(states(2, 2, "X X - - -")[0], Some(A));
}

#[test]
fn each_operator() {
    let cases = [
        (
            ComparisonOperator::GreaterThanOrEqualToThreshold,
            [false, true, true],
        ),
        (
            ComparisonOperator::GreaterThanThreshold,
            [false, false, true],
        ),
        (ComparisonOperator::LessThanThreshold, [true, false, false]),
        (
            ComparisonOperator::LessThanOrEqualToThreshold,
            [true, true, false],
        ),
    ];
    for (op, want) in cases {
        for (value, alarm) in [2.0, 3.0, 4.0].into_iter().zip(want) {
            let mut r = rule(1, 1, TreatMissingData::Missing);
            r.operator = op;
            let p = [Point {
                timestamp_millis: T0,
                value: Some(value),
                sample_count: 1.0,
            }];
            let got = evaluate(&r, &p, StateValue::InsufficientData, T0 + MIN).unwrap();
            let want = if alarm { A } else { O };
            assert_eq!(got.state, want, "{} {value}", op.as_str());
        }
    }
}

#[test]
fn alarm_reason_and_data_as_aws_writes_them() {
    let r = rule(1, 1, TreatMissingData::Missing);
    let p = [Point {
        timestamp_millis: T0,
        value: Some(6.0),
        sample_count: 6.0,
    }];
    let o = evaluate(&r, &p, StateValue::InsufficientData, T0 + MIN + 1_234).unwrap();
    assert_eq!(o.state, A);
    assert_eq!(
        o.reason,
        "Threshold Crossed: 1 out of the last 1 datapoints [6.0 (03/12/26 18:00:00)] was greater than the threshold (3.0) (minimum 1 datapoint for INSUFFICIENT_DATA -> ALARM transition)."
    );
    assert_eq!(
        o.reason_data,
        r#"{"version":"1.0","queryDate":"2026-12-03T18:01:01.234+0000","startDate":"2026-12-03T18:00:00.000+0000","statistic":"Sum","period":60,"recentDatapoints":[6.0],"threshold":3.0,"evaluatedDatapoints":[{"timestamp":"2026-12-03T18:00:00.000+0000","sampleCount":6.0,"value":6.0}]}"#
    );
}

#[test]
fn ok_reason_counts_the_datapoints_that_do_not_breach() {
    let r = rule(3, 2, TreatMissingData::Missing);
    let o = evaluate(&r, &range("- - 0 X 0"), StateValue::Alarm, T0 + 5 * MIN).unwrap();
    assert_eq!(o.state, O);
    assert_eq!(
        o.reason,
        "Threshold Crossed: 2 out of the last 3 datapoints [1.0 (03/12/26 18:04:00), 1.0 (03/12/26 18:02:00)] were not greater than the threshold (3.0) (minimum 2 datapoints for ALARM -> OK transition)."
    );
}

#[test]
fn missing_data_reasons() {
    let o = evaluate(
        &rule(1, 1, TreatMissingData::NotBreaching),
        &range("- - -"),
        StateValue::Alarm,
        T0 + 3 * MIN,
    )
    .unwrap();
    assert_eq!(
        o.reason,
        "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching]."
    );
    let o = evaluate(
        &rule(3, 3, TreatMissingData::Breaching),
        &range("- - - - -"),
        StateValue::Ok,
        T0 + 5 * MIN,
    )
    .unwrap();
    assert_eq!(
        o.reason,
        "Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching]."
    );
    let o = evaluate(
        &rule(5, 5, TreatMissingData::Missing),
        &range("- - - - - - -"),
        StateValue::Ok,
        T0 + 7 * MIN,
    )
    .unwrap();
    assert_eq!(o.state, I);
    assert_eq!(o.reason, "Insufficient Data: 5 datapoints were unknown.");
    assert_eq!(
        o.reason_data,
        r#"{"version":"1.0","queryDate":"2026-12-03T18:07:00.000+0000","statistic":"Sum","period":60,"recentDatapoints":[],"threshold":3.0,"evaluatedDatapoints":[{"timestamp":"2026-12-03T18:06:00.000+0000"},{"timestamp":"2026-12-03T18:05:00.000+0000"},{"timestamp":"2026-12-03T18:04:00.000+0000"},{"timestamp":"2026-12-03T18:03:00.000+0000"},{"timestamp":"2026-12-03T18:02:00.000+0000"}]}"#
    );
}

#[test]
fn low_sample_count_percentiles_keep_the_state() {
    let mut r = rule(1, 1, TreatMissingData::Missing);
    r.statistic = Some("p99");
    r.min_samples = min_samples_for("p99");
    assert_eq!(r.min_samples.map(f64::round), Some(1000.0));
    let p = [Point {
        timestamp_millis: T0,
        value: Some(50.0),
        sample_count: 20.0,
    }];
    assert_eq!(evaluate(&r, &p, StateValue::Ok, T0 + MIN), None);
    assert_eq!(min_samples_for("p10").map(f64::round), Some(100.0));
}

#[test]
fn numbers_as_java_writes_them() {
    assert_eq!(java_double(5.0), "5.0");
    assert_eq!(java_double(0.25), "0.25");
    assert_eq!(java_double(-2.0), "-2.0");
    assert_eq!(java_double(1.0e7), "1.0E7");
    assert_eq!(java_double(0.0), "0.0");
}
