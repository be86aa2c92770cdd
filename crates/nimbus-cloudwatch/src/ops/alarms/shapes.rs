//! The alarm operations' shapes that are not one operation's: timestamps as inputs carry
//! them, and `MetricAlarm` (with its dimensions and metric-math queries) as outputs show it.

use nimbus_wire::query::ser::Timestamp;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use crate::alarms::model::{AlarmMetric, AlarmQuery, AlarmSource, MetricAlarm};

/// A timestamp member as the protocols send it: epoch seconds (JSON, CBOR) or ISO 8601
/// (awsQuery), in ms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputTime(pub u64);

struct InputTimeVisitor;

impl Visitor<'_> for InputTimeVisitor {
    type Value = InputTime;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a timestamp")
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<InputTime, E> {
        if v.is_finite() && (0.0..=253_402_300_800.0).contains(&v) {
            Ok(InputTime((v * 1000.0).round() as u64))
        } else {
            Err(E::custom(format!("timestamp {v} is out of range")))
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<InputTime, E> {
        self.visit_f64(v as f64)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<InputTime, E> {
        self.visit_f64(v as f64)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<InputTime, E> {
        nimbus_core::timefmt::parse_rfc3339_millis(v)
            .map(InputTime)
            .or_else(|| {
                v.parse::<f64>()
                    .ok()
                    .and_then(|s| self.visit_f64::<E>(s).ok())
            })
            .ok_or_else(|| E::custom(format!("'{v}' is not a valid timestamp")))
    }
}

impl<'de> Deserialize<'de> for InputTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<InputTime, D::Error> {
        d.deserialize_any(InputTimeVisitor)
    }
}

/// A `Dimension` in an output.
#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct DimensionOut {
    /// `Name`.
    pub name: String,
    /// `Value`.
    pub value: String,
}

/// A `Metric` in an output.
#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct MetricOut {
    /// `Namespace`.
    pub namespace: String,
    /// `MetricName`.
    pub metric_name: String,
    /// `Dimensions`.
    pub dimensions: Vec<DimensionOut>,
}

/// A `MetricStat` in an output.
#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct MetricStatOut {
    /// `Metric`.
    pub metric: MetricOut,
    /// `Period`.
    pub period: u32,
    /// `Stat`.
    pub stat: String,
    /// `Unit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// A `MetricDataQuery` in an output.
#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct MetricDataQueryOut {
    /// `Id`.
    pub id: String,
    /// `MetricStat`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric_stat: Option<MetricStatOut>,
    /// `Expression`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    /// `Label`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// `ReturnData`.
    pub return_data: bool,
    /// `Period`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<u32>,
    /// `AccountId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
}

/// A `MetricAlarm` as `DescribeAlarms` returns it (members in the model's order).
#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct MetricAlarmOut {
    /// `AlarmName`.
    pub alarm_name: String,
    /// `AlarmArn`.
    pub alarm_arn: String,
    /// `AlarmDescription`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alarm_description: Option<String>,
    /// `AlarmConfigurationUpdatedTimestamp`.
    pub alarm_configuration_updated_timestamp: Timestamp,
    /// `ActionsEnabled`.
    pub actions_enabled: bool,
    /// `OKActions`.
    #[serde(rename = "OKActions")]
    pub ok_actions: Vec<String>,
    /// `AlarmActions`.
    pub alarm_actions: Vec<String>,
    /// `InsufficientDataActions`.
    pub insufficient_data_actions: Vec<String>,
    /// `StateValue`.
    pub state_value: &'static str,
    /// `StateReason`.
    pub state_reason: String,
    /// `StateReasonData`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_reason_data: Option<String>,
    /// `StateUpdatedTimestamp`.
    pub state_updated_timestamp: Timestamp,
    /// `MetricName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<String>,
    /// `Namespace`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `Statistic`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statistic: Option<String>,
    /// `Dimensions`.
    pub dimensions: Vec<DimensionOut>,
    /// `Period`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<u32>,
    /// `Unit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// `EvaluationPeriods`.
    pub evaluation_periods: u32,
    /// `DatapointsToAlarm`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datapoints_to_alarm: Option<u32>,
    /// `Threshold`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// `ComparisonOperator`.
    pub comparison_operator: &'static str,
    /// `ExtendedStatistic`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended_statistic: Option<String>,
    /// `TreatMissingData`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub treat_missing_data: Option<&'static str>,
    /// `EvaluateLowSampleCountPercentile`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluate_low_sample_count_percentile: Option<String>,
    /// `Metrics`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Vec<MetricDataQueryOut>>,
    /// `ThresholdMetricId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold_metric_id: Option<String>,
    /// `StateTransitionedTimestamp`.
    pub state_transitioned_timestamp: Timestamp,
}

fn dims(d: &[(String, String)]) -> Vec<DimensionOut> {
    d.iter()
        .map(|(n, v)| DimensionOut {
            name: n.clone(),
            value: v.clone(),
        })
        .collect()
}

fn metric_out(m: &AlarmMetric) -> MetricOut {
    MetricOut {
        namespace: m.namespace.clone(),
        metric_name: m.metric_name.clone(),
        dimensions: dims(&m.dimensions),
    }
}

fn query_out(q: &AlarmQuery) -> MetricDataQueryOut {
    MetricDataQueryOut {
        id: q.id.clone(),
        metric_stat: q.metric_stat.as_ref().map(|s| MetricStatOut {
            metric: metric_out(&s.metric),
            period: s.period,
            stat: s.stat.clone(),
            unit: s.unit.clone(),
        }),
        expression: q.expression.clone(),
        label: q.label.clone(),
        return_data: q.return_data.unwrap_or(true),
        period: q.period,
        account_id: q.account_id.clone(),
    }
}

/// An alarm as the outputs show it.
pub fn alarm_out(a: &MetricAlarm) -> MetricAlarmOut {
    let c = &a.config;
    let (metric, statistic, extended, period, unit, metrics) = match &c.source {
        AlarmSource::Metric {
            metric,
            statistic,
            extended_statistic,
            period,
            unit,
        } => (
            Some(metric),
            statistic.clone(),
            extended_statistic.clone(),
            Some(*period),
            unit.clone(),
            None,
        ),
        AlarmSource::Queries(q) => (
            None,
            None,
            None,
            None,
            None,
            Some(q.iter().map(query_out).collect()),
        ),
    };
    MetricAlarmOut {
        alarm_name: c.name.clone(),
        alarm_arn: a.arn.clone(),
        alarm_description: c.description.clone(),
        alarm_configuration_updated_timestamp: Timestamp(a.config_updated_millis),
        actions_enabled: c.actions_enabled,
        ok_actions: c.ok_actions.clone(),
        alarm_actions: c.alarm_actions.clone(),
        insufficient_data_actions: c.insufficient_data_actions.clone(),
        state_value: a.state.value.as_str(),
        state_reason: a.state.reason.clone(),
        state_reason_data: a.state.reason_data.clone(),
        state_updated_timestamp: Timestamp(a.state.updated_millis),
        metric_name: metric.map(|m| m.metric_name.clone()),
        namespace: metric.map(|m| m.namespace.clone()),
        statistic,
        dimensions: metric.map(|m| dims(&m.dimensions)).unwrap_or_default(),
        period,
        unit,
        evaluation_periods: c.evaluation_periods,
        datapoints_to_alarm: c.datapoints_to_alarm,
        threshold: c.threshold,
        comparison_operator: c.comparison_operator.as_str(),
        extended_statistic: extended,
        treat_missing_data: c.treat_missing_data.map(|t| t.as_str()),
        evaluate_low_sample_count_percentile: c.evaluate_low_sample_count_percentile.clone(),
        metrics,
        threshold_metric_id: c.threshold_metric_id.clone(),
        state_transitioned_timestamp: Timestamp(a.state.transitioned_millis),
    }
}
