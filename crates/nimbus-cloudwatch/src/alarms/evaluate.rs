//! Evaluating one alarm: from the datapoints of its evaluation range to a state, the state
//! reason and the `StateReasonData` JSON, as CloudWatch writes them. Pure: no clock, no store.
//!
//! The rules are the user guide's ("How alarm state is evaluated when data is missing"):
//! CloudWatch retrieves more periods than `EvaluationPeriods` (the evaluation range; nimbus
//! takes N + 2, the guide's 5 for N = 3). With at least N real datapoints in the range, the N
//! most recent decide and `TreatMissingData` is not used. With fewer, every real datapoint is
//! evaluated and the newest missing periods fill up to N, treated as `TreatMissingData` says.
//! At least M (`DatapointsToAlarm`) breaching datapoints give `ALARM`, fewer give `OK`; with
//! `missing` or `ignore` and no non-breaching real datapoint, fewer than M breaching give
//! `INSUFFICIENT_DATA` (`missing`; `ALARM` when the oldest evaluated datapoint is a breaching
//! real one, the guide's last row) or keep the current state (`ignore`).

use serde::Serialize;

use super::model::{ComparisonOperator, StateValue, TreatMissingData};
use super::time::{reason_timestamp, state_timestamp};

/// How many periods the evaluation range holds for `n` evaluation periods.
pub fn evaluation_range(n: u32) -> u32 {
    n + 2
}

/// One period of the evaluation range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// The period's start, ms.
    pub timestamp_millis: u64,
    /// The statistic's value, `None` when the period has no data.
    pub value: Option<f64>,
    /// The period's sample count (0 without data).
    pub sample_count: f64,
}

/// What an evaluation compares: the alarm's settings that decide its state.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule<'a> {
    /// `ComparisonOperator` (a static-threshold one).
    pub operator: ComparisonOperator,
    /// `Threshold`.
    pub threshold: f64,
    /// `EvaluationPeriods` (N).
    pub evaluation_periods: u32,
    /// `DatapointsToAlarm` (M).
    pub datapoints_to_alarm: u32,
    /// `TreatMissingData`.
    pub treat_missing: TreatMissingData,
    /// The statistic (`Sum`, `p99`) for the reason data; `None` for metric math.
    pub statistic: Option<&'a str>,
    /// The period, seconds.
    pub period: u32,
    /// The alarm's `Unit`, when it names one.
    pub unit: Option<&'a str>,
    /// With `EvaluateLowSampleCountPercentile=ignore` on a percentile: the fewest samples a
    /// period needs to be evaluated.
    pub min_samples: Option<f64>,
}

/// A decided state with its reason.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The state.
    pub state: StateValue,
    /// `StateReason`.
    pub reason: String,
    /// `StateReasonData`.
    pub reason_data: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReasonData<'a> {
    version: &'static str,
    query_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unit: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    statistic: Option<&'a str>,
    period: u32,
    recent_datapoints: Vec<f64>,
    threshold: f64,
    evaluated_datapoints: Vec<EvaluatedPoint>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EvaluatedPoint {
    timestamp: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    sample_count: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<f64>,
}

/// A number as CloudWatch's reasons write it (Java's `Double.toString`): `5.0`, `0.25`,
/// `1.0E7`.
pub fn java_double(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if a == 0.0 || (1e-3..1e7).contains(&a) {
        let s = format!("{v}");
        if s.contains('.') { s } else { format!("{s}.0") }
    } else {
        let s = format!("{v:e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = if mantissa.contains('.') {
            mantissa.to_owned()
        } else {
            format!("{mantissa}.0")
        };
        format!("{mantissa}E{exp}")
    }
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// Evaluates `points` (the evaluation range, oldest first) under `rule` for an alarm now in
/// `current`; `None` keeps the current state (`ignore`, or a low sample count).
pub fn evaluate(
    rule: &Rule<'_>,
    points: &[Point],
    current: StateValue,
    now_millis: u64,
) -> Option<Outcome> {
    let n = rule.evaluation_periods.max(1) as usize;
    let m = rule.datapoints_to_alarm.clamp(1, n as u32) as usize;
    let real: Vec<&Point> = points.iter().filter(|p| p.value.is_some()).collect();
    // The evaluated periods, oldest first: the N most recent real ones, or every real one and
    // the newest missing periods up to N.
    let evaluated: Vec<&Point> = if real.len() >= n {
        real[real.len() - n..].to_vec()
    } else {
        let fills = n - real.len();
        let mut missing: Vec<&Point> = points.iter().filter(|p| p.value.is_none()).collect();
        let missing = missing.split_off(missing.len().saturating_sub(fills));
        let mut all: Vec<&Point> = real.iter().copied().chain(missing).collect();
        all.sort_by_key(|p| p.timestamp_millis);
        all
    };
    if let Some(min) = rule.min_samples
        && evaluated
            .iter()
            .any(|p| p.value.is_some() && p.sample_count < min)
    {
        return None;
    }
    let breaches = |p: &Point| {
        p.value
            .is_some_and(|v| rule.operator.breaches(v, rule.threshold))
    };
    let real_breaching = evaluated.iter().filter(|p| breaches(p)).count();
    let real_ok = evaluated
        .iter()
        .filter(|p| p.value.is_some() && !breaches(p))
        .count();
    let missing = evaluated.len() - real_breaching - real_ok;
    let (breaching, not_breaching) = match rule.treat_missing {
        TreatMissingData::Breaching if real.len() < n => (real_breaching + missing, real_ok),
        TreatMissingData::NotBreaching if real.len() < n => (real_breaching, real_ok + missing),
        _ => (real_breaching, real_ok),
    };
    let state = if breaching >= m {
        StateValue::Alarm
    } else if not_breaching > 0
        || matches!(
            rule.treat_missing,
            TreatMissingData::Breaching | TreatMissingData::NotBreaching
        )
        || real.len() >= n
    {
        StateValue::Ok
    } else if rule.treat_missing == TreatMissingData::Missing
        && real_breaching > 0
        && evaluated.first().is_some_and(|p| breaches(p))
    {
        StateValue::Alarm
    } else if rule.treat_missing == TreatMissingData::Ignore {
        return None;
    } else {
        StateValue::InsufficientData
    };
    let reason = reason(
        rule,
        state,
        current,
        &evaluated,
        breaching,
        not_breaching,
        missing,
        n,
        m,
        real.is_empty(),
    );
    let newest_first: Vec<&Point> = evaluated.iter().rev().copied().collect();
    let data = ReasonData {
        version: "1.0",
        query_date: state_timestamp(now_millis),
        start_date: evaluated
            .iter()
            .find(|p| p.value.is_some())
            .map(|_| state_timestamp(evaluated[0].timestamp_millis)),
        unit: rule.unit,
        statistic: rule.statistic,
        period: rule.period,
        recent_datapoints: evaluated.iter().filter_map(|p| p.value).collect(),
        threshold: rule.threshold,
        evaluated_datapoints: newest_first
            .iter()
            .map(|p| EvaluatedPoint {
                timestamp: state_timestamp(p.timestamp_millis),
                sample_count: p.value.map(|_| p.sample_count),
                value: p.value,
            })
            .collect(),
    };
    Some(Outcome {
        state,
        reason,
        reason_data: serde_json::to_string(&data).unwrap_or_default(),
    })
}

#[allow(clippy::too_many_arguments)]
fn reason(
    rule: &Rule<'_>,
    state: StateValue,
    current: StateValue,
    evaluated: &[&Point],
    breaching: usize,
    not_breaching: usize,
    missing: usize,
    n: usize,
    m: usize,
    no_real_data: bool,
) -> String {
    let threshold = java_double(rule.threshold);
    let words = rule.operator.words();
    match state {
        StateValue::InsufficientData => format!(
            "Insufficient Data: {missing} {} {} unknown.",
            plural(missing, "datapoint", "datapoints"),
            plural(missing, "was", "were"),
        ),
        _ if no_real_data => format!(
            "Threshold Crossed: no datapoints were received for {n} {} and {n} missing {} {} treated as [{}].",
            plural(n, "period", "periods"),
            plural(n, "datapoint", "datapoints"),
            plural(n, "was", "were"),
            if rule.treat_missing == TreatMissingData::Breaching {
                "Breaching"
            } else {
                "NonBreaching"
            },
        ),
        _ => {
            let alarm = state == StateValue::Alarm;
            let listed: Vec<String> = evaluated
                .iter()
                .rev()
                .filter(|p| {
                    p.value
                        .is_some_and(|v| rule.operator.breaches(v, rule.threshold) == alarm)
                })
                .map(|p| {
                    format!(
                        "{} ({})",
                        java_double(p.value.unwrap_or_default()),
                        reason_timestamp(p.timestamp_millis)
                    )
                })
                .collect();
            let (count, minimum, not) = if alarm {
                (breaching, m, "")
            } else {
                (not_breaching, n + 1 - m, "not ")
            };
            format!(
                "Threshold Crossed: {count} out of the last {n} datapoints [{}] {} {not}{words} the threshold ({threshold}) (minimum {minimum} {} for {} -> {} transition).",
                listed.join(", "),
                plural(count, "was", "were"),
                plural(minimum, "datapoint", "datapoints"),
                current.as_str(),
                state.as_str(),
            )
        }
    }
}

/// The fewest samples a period needs for a percentile alarm with
/// `EvaluateLowSampleCountPercentile=ignore` (the guide: 10/(1-p) for p ≥ 0.5, else 10/p).
pub fn min_samples_for(extended_statistic: &str) -> Option<f64> {
    let p: f64 = extended_statistic.strip_prefix('p')?.parse().ok()?;
    let p = p / 100.0;
    if (0.5..1.0).contains(&p) {
        Some(10.0 / (1.0 - p))
    } else if p > 0.0 && p < 0.5 {
        Some(10.0 / p)
    } else {
        None
    }
}

#[cfg(test)]
#[path = "evaluate_tests.rs"]
mod tests;
