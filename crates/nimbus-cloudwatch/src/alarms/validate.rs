//! `PutMetricAlarm`'s input and its validation into an [`AlarmConfig`], with CloudWatch's
//! limits (5 actions per state, 30 dimensions, 50 tags, periods of 10, 20, 30 or a multiple of
//! 60 seconds, at most a day of evaluation below an hour's period and seven days above) and
//! its errors.

use nimbus_core::bus::metrics::MetricUnit;
use nimbus_wire::validation;
use serde::Deserialize;

use super::actions::parse_action;
use super::model::{
    AlarmConfig, AlarmMetric, AlarmQuery, AlarmSource, ComparisonOperator, QueryStat,
    TreatMissingData,
};
use crate::error::{CloudWatchError, Result};
use crate::metrics::Statistic;

/// A `Dimension`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DimensionInput {
    /// `Name`.
    pub name: Option<String>,
    /// `Value`.
    pub value: Option<String>,
}

/// A `Metric`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricInput {
    /// `Namespace`.
    pub namespace: Option<String>,
    /// `MetricName`.
    pub metric_name: Option<String>,
    /// `Dimensions`.
    pub dimensions: Option<Vec<DimensionInput>>,
}

/// A `MetricStat`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricStatInput {
    /// `Metric`.
    pub metric: Option<MetricInput>,
    /// `Period`.
    pub period: Option<i64>,
    /// `Stat`.
    pub stat: Option<String>,
    /// `Unit`.
    pub unit: Option<String>,
}

/// A `MetricDataQuery` of `Metrics`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricDataQueryInput {
    /// `Id`.
    pub id: Option<String>,
    /// `MetricStat`.
    pub metric_stat: Option<MetricStatInput>,
    /// `Expression`.
    pub expression: Option<String>,
    /// `Label`.
    pub label: Option<String>,
    /// `ReturnData`.
    pub return_data: Option<bool>,
    /// `Period`.
    pub period: Option<i64>,
    /// `AccountId`.
    pub account_id: Option<String>,
}

/// A `Tag`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagInput {
    /// `Key`.
    pub key: Option<String>,
    /// `Value`.
    pub value: Option<String>,
}

/// `EvaluationCriteria` (PromQL alarms, which nimbus does not serve).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct EvaluationCriteriaInput {
    /// `PromQLCriteria`.
    #[serde(rename = "PromQLCriteria")]
    pub promql_criteria: Option<PromQlInput>,
}

/// `AlarmPromQLCriteria`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PromQlInput {
    /// `Query`.
    pub query: Option<String>,
}

/// `PutMetricAlarmInput`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutMetricAlarmInput {
    /// `AlarmName`.
    pub alarm_name: Option<String>,
    /// `AlarmDescription`.
    pub alarm_description: Option<String>,
    /// `ActionsEnabled`.
    pub actions_enabled: Option<bool>,
    /// `OKActions`.
    #[serde(rename = "OKActions")]
    pub ok_actions: Option<Vec<String>>,
    /// `AlarmActions`.
    pub alarm_actions: Option<Vec<String>>,
    /// `InsufficientDataActions`.
    pub insufficient_data_actions: Option<Vec<String>>,
    /// `MetricName`.
    pub metric_name: Option<String>,
    /// `Namespace`.
    pub namespace: Option<String>,
    /// `Statistic`.
    pub statistic: Option<String>,
    /// `ExtendedStatistic`.
    pub extended_statistic: Option<String>,
    /// `Dimensions`.
    pub dimensions: Option<Vec<DimensionInput>>,
    /// `Period`.
    pub period: Option<i64>,
    /// `Unit`.
    pub unit: Option<String>,
    /// `EvaluationPeriods`.
    pub evaluation_periods: Option<i64>,
    /// `DatapointsToAlarm`.
    pub datapoints_to_alarm: Option<i64>,
    /// `Threshold`.
    pub threshold: Option<f64>,
    /// `ComparisonOperator`.
    pub comparison_operator: Option<String>,
    /// `TreatMissingData`.
    pub treat_missing_data: Option<String>,
    /// `EvaluateLowSampleCountPercentile`.
    pub evaluate_low_sample_count_percentile: Option<String>,
    /// `Metrics`.
    pub metrics: Option<Vec<MetricDataQueryInput>>,
    /// `Tags`.
    pub tags: Option<Vec<TagInput>>,
    /// `ThresholdMetricId`.
    pub threshold_metric_id: Option<String>,
    /// `EvaluationCriteria`.
    pub evaluation_criteria: Option<EvaluationCriteriaInput>,
    /// `EvaluationInterval`.
    pub evaluation_interval: Option<i64>,
}

/// `ValidationError` (400): a member breaks the model or a rule of the operation.
pub fn validation_error(message: impl Into<String>) -> CloudWatchError {
    CloudWatchError {
        code: crate::error::CloudWatchErrorCode::ValidationError,
        message: message.into(),
    }
}

/// `InvalidParameterValue` (400).
pub fn invalid_value(message: impl Into<String>) -> CloudWatchError {
    CloudWatchError::invalid_parameter_value(message)
}

/// `InvalidParameterCombination` (400).
pub fn invalid_combination(message: impl Into<String>) -> CloudWatchError {
    CloudWatchError {
        code: crate::error::CloudWatchErrorCode::InvalidParameterCombination,
        message: message.into(),
    }
}

/// `MissingParameter` (400).
pub fn missing_parameter(name: &str) -> CloudWatchError {
    CloudWatchError {
        code: crate::error::CloudWatchErrorCode::MissingParameter,
        message: format!("The parameter {name} is required."),
    }
}

fn check_length(member: &str, value: &str, min: usize, max: usize) -> Result<()> {
    match validation::length(value, min, max) {
        Some(c) => Err(validation_error(validation::message(member, value, &c))),
        None => Ok(()),
    }
}

/// Checks an alarm name (1–255 characters, no ASCII control characters).
pub fn check_alarm_name(member: &str, name: &str) -> Result<()> {
    check_length(member, name, 1, 255)?;
    if name.chars().any(|c| c.is_ascii_control()) {
        return Err(validation_error(format!(
            "AlarmName must not contain ASCII control characters: {name:?}"
        )));
    }
    Ok(())
}

/// The five statistics.
pub const STATISTICS: [&str; 5] = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"];

/// Whether `s` is an extended statistic CloudWatch accepts (`p99`, `p99.9`, `tm90`, `wm90`,
/// `tc90`, `ts90`, `IQM`, `TM(10%:90%)`, `PR(:300)`…), as the metric store reads them.
pub fn is_extended_statistic(s: &str) -> bool {
    !STATISTICS.contains(&s) && Statistic::parse(s).is_some()
}

fn check_period(member: &str, period: i64) -> Result<u32> {
    if period < 1 {
        return Err(validation_error(validation::message(
            member,
            &period.to_string(),
            "Member must have value greater than or equal to 1",
        )));
    }
    if !matches!(period, 10 | 20 | 30) && period % 60 != 0 {
        return Err(validation_error(
            "Period must be 10, 20, 30 or a multiple of 60",
        ));
    }
    u32::try_from(period).map_err(|_| validation_error("Period is too large"))
}

fn check_unit(unit: &Option<String>) -> Result<Option<String>> {
    match unit {
        None => Ok(None),
        Some(u) if MetricUnit::parse(u).is_some() => Ok(Some(u.clone())),
        Some(u) => Err(validation_error(validation::message(
            "unit",
            u,
            "Member must satisfy enum value set: [Seconds, Microseconds, Milliseconds, Bytes, Kilobytes, Megabytes, Gigabytes, Terabytes, Bits, Kilobits, Megabits, Gigabits, Terabits, Percent, Count, Bytes/Second, Kilobytes/Second, Megabytes/Second, Gigabytes/Second, Terabytes/Second, Bits/Second, Kilobits/Second, Megabits/Second, Gigabits/Second, Terabits/Second, Count/Second, None]",
        ))),
    }
}

fn metric(
    namespace: Option<&String>,
    name: Option<&String>,
    dimensions: Option<&Vec<DimensionInput>>,
) -> Result<AlarmMetric> {
    let namespace = namespace.ok_or_else(|| missing_parameter("Namespace"))?;
    let name = name.ok_or_else(|| missing_parameter("MetricName"))?;
    check_length("namespace", namespace, 1, 255)?;
    if namespace.starts_with(':') {
        return Err(validation_error(validation::message(
            "namespace",
            namespace,
            "Member must satisfy regular expression pattern: [^:].*",
        )));
    }
    check_length("metricName", name, 1, 255)?;
    let dims = dimensions.map(Vec::as_slice).unwrap_or_default();
    if dims.len() > 30 {
        return Err(validation_error(validation::message(
            "dimensions",
            &format!("{} dimensions", dims.len()),
            "Member must have length less than or equal to 30",
        )));
    }
    let mut out = Vec::with_capacity(dims.len());
    for d in dims {
        let n = d
            .name
            .as_ref()
            .ok_or_else(|| missing_parameter("Dimensions.member.Name"))?;
        let v = d
            .value
            .as_ref()
            .ok_or_else(|| missing_parameter("Dimensions.member.Value"))?;
        check_length("dimensions.member.name", n, 1, 255)?;
        check_length("dimensions.member.value", v, 1, 1024)?;
        out.push((n.clone(), v.clone()));
    }
    Ok(AlarmMetric {
        namespace: namespace.clone(),
        metric_name: name.clone(),
        dimensions: out,
    })
}

fn queries(list: &[MetricDataQueryInput]) -> Result<Vec<AlarmQuery>> {
    if list.is_empty() || list.len() > 10 {
        return Err(validation_error(
            "Metrics must contain between 1 and 10 metric data queries.",
        ));
    }
    let returned = list
        .iter()
        .filter(|q| q.return_data.unwrap_or(true))
        .count();
    if returned != 1 {
        return Err(validation_error(
            "Exactly one element of the metrics list should return data.",
        ));
    }
    let mut out = Vec::with_capacity(list.len());
    for q in list {
        let id =
            q.id.clone()
                .ok_or_else(|| missing_parameter("Metrics.member.Id"))?;
        check_length("metrics.member.id", &id, 1, 255)?;
        let stat = match (&q.metric_stat, &q.expression) {
            (Some(_), Some(_)) | (None, None) => {
                return Err(validation_error(format!(
                    "Exactly one of MetricStat and Expression must be set for the query {id}."
                )));
            }
            (Some(s), None) => {
                let m = s.metric.clone().unwrap_or_default();
                let stat = s
                    .stat
                    .clone()
                    .ok_or_else(|| missing_parameter("MetricStat.Stat"))?;
                if !STATISTICS.contains(&stat.as_str()) && !is_extended_statistic(&stat) {
                    return Err(invalid_value(format!("The statistic {stat} is invalid.")));
                }
                Some(QueryStat {
                    metric: metric(
                        m.namespace.as_ref(),
                        m.metric_name.as_ref(),
                        m.dimensions.as_ref(),
                    )?,
                    period: check_period(
                        "metrics.member.metricStat.period",
                        s.period
                            .ok_or_else(|| missing_parameter("MetricStat.Period"))?,
                    )?,
                    stat,
                    unit: check_unit(&s.unit)?,
                })
            }
            (None, Some(e)) => {
                check_length("metrics.member.expression", e, 1, 2048)?;
                if e.contains("ANOMALY_DETECTION_BAND") {
                    return Err(invalid_value(
                        "nimbus does not evaluate anomaly detection bands (ANOMALY_DETECTION_BAND): no anomaly detection models are served.",
                    ));
                }
                None
            }
        };
        out.push(AlarmQuery {
            id,
            metric_stat: stat,
            expression: q.expression.clone(),
            label: q.label.clone(),
            return_data: q.return_data,
            period: q
                .period
                .map(|p| check_period("metrics.member.period", p))
                .transpose()?,
            account_id: q.account_id.clone(),
        });
    }
    Ok(out)
}

/// Validates a `PutMetricAlarm` into the configuration it sets and the tags it gives a new
/// alarm, in `region`.
pub fn put_metric_alarm(
    input: &PutMetricAlarmInput,
    region: &str,
) -> Result<(AlarmConfig, Vec<(String, String)>)> {
    let name = input
        .alarm_name
        .as_ref()
        .ok_or_else(|| validation_error(validation::missing("alarmName")))?;
    check_alarm_name("alarmName", name)?;
    if let Some(d) = &input.alarm_description {
        check_length("alarmDescription", d, 0, 1024)?;
    }
    if input.evaluation_criteria.is_some() || input.evaluation_interval.is_some() {
        return Err(invalid_value(
            "nimbus does not serve PromQL alarms (EvaluationCriteria, EvaluationInterval).",
        ));
    }
    let mut action_lists = Vec::with_capacity(3);
    for (member, list) in [
        ("oKActions", &input.ok_actions),
        ("alarmActions", &input.alarm_actions),
        ("insufficientDataActions", &input.insufficient_data_actions),
    ] {
        let list = list.clone().unwrap_or_default();
        if list.len() > 5 {
            return Err(validation_error(validation::message(
                member,
                &format!("[{}]", list.join(", ")),
                "Member must have length less than or equal to 5",
            )));
        }
        for arn in &list {
            check_length(member, arn, 1, 1024)?;
            parse_action(arn, region).map_err(validation_error)?;
        }
        action_lists.push(list);
    }
    let has_metric = input.metric_name.is_some()
        || input.namespace.is_some()
        || input.statistic.is_some()
        || input.extended_statistic.is_some()
        || input.dimensions.is_some()
        || input.period.is_some()
        || input.unit.is_some();
    let source = match &input.metrics {
        Some(list) => {
            if has_metric {
                return Err(invalid_combination(
                    "The parameters MetricName, Namespace, Statistic, ExtendedStatistic, Dimensions, Period and Unit cannot be used together with Metrics.",
                ));
            }
            AlarmSource::Queries(queries(list)?)
        }
        None => {
            if input.metric_name.is_none() {
                return Err(validation_error(
                    "One of MetricName, Metrics or EvaluationCriteria must be specified.",
                ));
            }
            let metric = metric(
                input.namespace.as_ref(),
                input.metric_name.as_ref(),
                input.dimensions.as_ref(),
            )?;
            match (&input.statistic, &input.extended_statistic) {
                (Some(_), Some(_)) => {
                    return Err(invalid_combination(
                        "Statistic and ExtendedStatistic cannot both be specified.",
                    ));
                }
                (None, None) => {
                    return Err(missing_parameter("Statistic or ExtendedStatistic"));
                }
                (Some(s), None) if !STATISTICS.contains(&s.as_str()) => {
                    return Err(validation_error(validation::message(
                        "statistic",
                        s,
                        "Member must satisfy enum value set: [Maximum, SampleCount, Sum, Minimum, Average]",
                    )));
                }
                (None, Some(e)) if !is_extended_statistic(e) => {
                    return Err(invalid_value(format!(
                        "The value {e} for parameter ExtendedStatistic is not supported."
                    )));
                }
                _ => {}
            }
            let period = check_period(
                "period",
                input.period.ok_or_else(|| missing_parameter("Period"))?,
            )?;
            AlarmSource::Metric {
                metric,
                statistic: input.statistic.clone(),
                extended_statistic: input.extended_statistic.clone(),
                period,
                unit: check_unit(&input.unit)?,
            }
        }
    };
    let n = input
        .evaluation_periods
        .ok_or_else(|| missing_parameter("EvaluationPeriods"))?;
    if n < 1 {
        return Err(validation_error(validation::message(
            "evaluationPeriods",
            &n.to_string(),
            "Member must have value greater than or equal to 1",
        )));
    }
    if let Some(m) = input.datapoints_to_alarm {
        if m < 1 {
            return Err(validation_error(validation::message(
                "datapointsToAlarm",
                &m.to_string(),
                "Member must have value greater than or equal to 1",
            )));
        }
        if m > n {
            return Err(validation_error(
                "DatapointsToAlarm must be less than or equal to EvaluationPeriods.",
            ));
        }
    }
    let op_name = input
        .comparison_operator
        .as_ref()
        .ok_or_else(|| missing_parameter("ComparisonOperator"))?;
    let operator = ComparisonOperator::parse(op_name).ok_or_else(|| {
        validation_error(validation::message(
            "comparisonOperator",
            op_name,
            "Member must satisfy enum value set: [GreaterThanUpperThreshold, LessThanLowerOrGreaterThanUpperThreshold, LessThanOrEqualToThreshold, LessThanLowerThreshold, LessThanThreshold, GreaterThanOrEqualToThreshold, GreaterThanThreshold]",
        ))
    })?;
    let probe = AlarmConfig {
        name: name.clone(),
        description: None,
        actions_enabled: true,
        ok_actions: Vec::new(),
        alarm_actions: Vec::new(),
        insufficient_data_actions: Vec::new(),
        source,
        evaluation_periods: n.min(u32::MAX as i64) as u32,
        datapoints_to_alarm: input.datapoints_to_alarm.map(|m| m as u32),
        threshold: input.threshold,
        threshold_metric_id: input.threshold_metric_id.clone(),
        comparison_operator: operator,
        treat_missing_data: None,
        evaluate_low_sample_count_percentile: None,
    };
    let period = i64::from(probe.period());
    let limit = if period >= 3600 { 604_800 } else { 86_400 };
    if n.saturating_mul(period) > limit {
        return Err(validation_error(if limit == 86_400 {
            "The evaluation period of an alarm with a period under one hour cannot exceed one day (EvaluationPeriods × Period ≤ 86400 seconds)."
        } else {
            "The evaluation period of an alarm cannot exceed seven days (EvaluationPeriods × Period ≤ 604800 seconds)."
        }));
    }
    if operator.is_band() || input.threshold_metric_id.is_some() {
        return Err(invalid_value(format!(
            "nimbus does not evaluate anomaly detection alarms: the comparison operator {} and ThresholdMetricId need an anomaly detection band (ANOMALY_DETECTION_BAND), which is not served.",
            operator.as_str()
        )));
    }
    if input.threshold.is_none() {
        return Err(validation_error(
            "Threshold must be specified for alarms with a static threshold.",
        ));
    }
    if input.threshold.is_some_and(|t| !t.is_finite()) {
        return Err(invalid_value(
            "The value for parameter Threshold is not a valid number.",
        ));
    }
    let treat_missing_data = match &input.treat_missing_data {
        None => None,
        Some(t) => {
            check_length("treatMissingData", t, 1, 255)?;
            Some(TreatMissingData::parse(t).ok_or_else(|| {
                validation_error(format!(
                    "Option {t} is not supported. Supported options for parameter TreatMissingData are missing, ignore, breaching and notBreaching."
                ))
            })?)
        }
    };
    if let Some(e) = &input.evaluate_low_sample_count_percentile
        && e != "evaluate"
        && e != "ignore"
    {
        return Err(validation_error(format!(
            "Option {e} is not supported. Supported options for parameter EvaluateLowSampleCountPercentile are evaluate and ignore."
        )));
    }
    let tags = input.tags.clone().unwrap_or_default();
    if tags.len() > 50 {
        return Err(validation_error(
            "The number of tags of an alarm cannot exceed 50.",
        ));
    }
    let mut tag_pairs = Vec::with_capacity(tags.len());
    for t in &tags {
        let k = t
            .key
            .clone()
            .ok_or_else(|| missing_parameter("Tags.member.Key"))?;
        let v = t
            .value
            .clone()
            .ok_or_else(|| missing_parameter("Tags.member.Value"))?;
        check_length("tags.member.key", &k, 1, 128)?;
        check_length("tags.member.value", &v, 0, 256)?;
        tag_pairs.push((k, v));
    }
    let mut actions = action_lists.into_iter();
    Ok((
        AlarmConfig {
            description: input.alarm_description.clone(),
            actions_enabled: input.actions_enabled.unwrap_or(true),
            ok_actions: actions.next().unwrap_or_default(),
            alarm_actions: actions.next().unwrap_or_default(),
            insufficient_data_actions: actions.next().unwrap_or_default(),
            treat_missing_data,
            evaluate_low_sample_count_percentile: input
                .evaluate_low_sample_count_percentile
                .clone(),
            ..probe
        },
        tag_pairs,
    ))
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
