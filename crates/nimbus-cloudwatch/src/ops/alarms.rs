//! The metric alarm operations: `PutMetricAlarm`, `DescribeAlarms`,
//! `DescribeAlarmsForMetric`, `DeleteAlarms`, `SetAlarmState`, `DescribeAlarmHistory`,
//! `EnableAlarmActions`, `DisableAlarmActions`. Each reads one typed input, authorizes
//! `cloudwatch:<Action>` on the alarms it names, applies it to the [`Alarms`] engine and
//! answers one typed output.

use nimbus_core::RequestContext;
use nimbus_core::access::Resource;
use nimbus_wire::query::ser::Timestamp;
use nimbus_wire::validation;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use crate::alarms::history::{HistoryItem, HistoryItemType, HistoryQuery};
use crate::alarms::model::{
    AlarmMetric, AlarmQuery, AlarmSource, MetricAlarm, StateValue, alarm_arn,
};
use crate::alarms::validate::{
    DimensionInput, PutMetricAlarmInput, check_alarm_name, invalid_combination, invalid_value,
    validation_error,
};
use crate::alarms::{Alarms, DescribeQuery, ForMetricQuery};
use crate::error::{CloudWatchError, Result};

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

fn denied(e: nimbus_core::Denied) -> CloudWatchError {
    CloudWatchError {
        code: "AccessDenied",
        message: e.message(),
    }
}

fn authorize(ctx: &RequestContext, action: &str, name: Option<&str>) -> Result<()> {
    let arn = match name {
        Some(n) => alarm_arn(&ctx.region, ctx.account.as_str(), n),
        None => "*".to_owned(),
    };
    ctx.authorize(
        action,
        Resource {
            arn: &arn,
            owner: ctx.account.as_str(),
            policy: None,
        },
        |_| {},
    )
    .map_err(denied)
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

/// `PutMetricAlarm`.
pub fn put_metric_alarm(
    alarms: &Alarms,
    ctx: &RequestContext,
    input: &PutMetricAlarmInput,
) -> Result<()> {
    if let Some(name) = &input.alarm_name {
        authorize(ctx, "cloudwatch:PutMetricAlarm", Some(name))?;
    }
    alarms.put(ctx.account.as_str(), &ctx.region, input)
}

/// `DescribeAlarmsInput`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAlarmsInput {
    /// `AlarmNames`.
    pub alarm_names: Option<Vec<String>>,
    /// `AlarmNamePrefix`.
    pub alarm_name_prefix: Option<String>,
    /// `AlarmTypes`.
    pub alarm_types: Option<Vec<String>>,
    /// `ChildrenOfAlarmName`.
    pub children_of_alarm_name: Option<String>,
    /// `ParentsOfAlarmName`.
    pub parents_of_alarm_name: Option<String>,
    /// `StateValue`.
    pub state_value: Option<String>,
    /// `ActionPrefix`.
    pub action_prefix: Option<String>,
    /// `MaxRecords`.
    pub max_records: Option<i64>,
    /// `NextToken`.
    pub next_token: Option<String>,
}

/// `DescribeAlarmsOutput`.
#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAlarmsOutput {
    /// `CompositeAlarms` (only when `AlarmTypes` asks for them: nimbus has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub composite_alarms: Option<Vec<MetricAlarmOut>>,
    /// `MetricAlarms`.
    pub metric_alarms: Vec<MetricAlarmOut>,
    /// `NextToken`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

fn invalid_token() -> CloudWatchError {
    CloudWatchError {
        code: "InvalidNextToken",
        message: "The service cannot parse the given NextToken.".to_owned(),
    }
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<String> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

fn max_records(member: &str, v: Option<i64>, default: usize) -> Result<usize> {
    match v {
        None => Ok(default),
        Some(n) => match validation::range(n, 1, 100) {
            Some(c) => Err(validation_error(validation::message(
                member,
                &n.to_string(),
                &c,
            ))),
            None => Ok(n as usize),
        },
    }
}

fn state_value(member: &str, s: &str) -> Result<StateValue> {
    StateValue::parse(s).ok_or_else(|| {
        validation_error(validation::message(
            member,
            s,
            "Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]",
        ))
    })
}

fn check_alarm_types(types: &Option<Vec<String>>) -> Result<(bool, bool)> {
    let Some(types) = types else {
        return Ok((true, false));
    };
    for t in types {
        if t != "MetricAlarm" && t != "CompositeAlarm" {
            return Err(validation_error(validation::message(
                "alarmTypes.member",
                t,
                "Member must satisfy enum value set: [CompositeAlarm, MetricAlarm]",
            )));
        }
    }
    Ok((
        types.iter().any(|t| t == "MetricAlarm"),
        types.iter().any(|t| t == "CompositeAlarm"),
    ))
}

/// `DescribeAlarms`.
pub fn describe_alarms(
    alarms: &Alarms,
    ctx: &RequestContext,
    input: &DescribeAlarmsInput,
) -> Result<DescribeAlarmsOutput> {
    authorize(ctx, "cloudwatch:DescribeAlarms", None)?;
    if input.children_of_alarm_name.is_some() || input.parents_of_alarm_name.is_some() {
        return Err(invalid_value(
            "nimbus does not serve composite alarms: ChildrenOfAlarmName and ParentsOfAlarmName are not supported.",
        ));
    }
    if let Some(names) = &input.alarm_names {
        if names.len() > 100 {
            return Err(validation_error(validation::message(
                "alarmNames",
                &format!("{} names", names.len()),
                "Member must have length less than or equal to 100",
            )));
        }
        for n in names {
            check_alarm_name("alarmNames.member", n)?;
        }
        if input.alarm_name_prefix.is_some() {
            return Err(invalid_combination(
                "AlarmNamePrefix and AlarmNames cannot both be specified.",
            ));
        }
    }
    let (metric, composite) = check_alarm_types(&input.alarm_types)?;
    let state = input
        .state_value
        .as_deref()
        .map(|s| state_value("stateValue", s))
        .transpose()?;
    let after = match &input.next_token {
        None => None,
        Some(t) => Some(unhex(t).ok_or_else(invalid_token)?),
    };
    let (list, next) = if metric {
        alarms.describe(&DescribeQuery {
            account: ctx.account.as_str().to_owned(),
            region: ctx.region.clone(),
            names: input.alarm_names.clone(),
            prefix: input.alarm_name_prefix.clone(),
            state,
            action_prefix: input.action_prefix.clone(),
            max_records: max_records("maxRecords", input.max_records, 50)?,
            after,
        })
    } else {
        (Vec::new(), None)
    };
    Ok(DescribeAlarmsOutput {
        composite_alarms: composite.then(Vec::new),
        metric_alarms: list.iter().map(alarm_out).collect(),
        next_token: next.map(|n| hex(&n)),
    })
}

/// `DescribeAlarmsForMetricInput`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAlarmsForMetricInput {
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
}

/// `DescribeAlarmsForMetricOutput`.
#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAlarmsForMetricOutput {
    /// `MetricAlarms`.
    pub metric_alarms: Vec<MetricAlarmOut>,
}

/// `DescribeAlarmsForMetric`.
pub fn describe_alarms_for_metric(
    alarms: &Alarms,
    ctx: &RequestContext,
    input: &DescribeAlarmsForMetricInput,
) -> Result<DescribeAlarmsForMetricOutput> {
    authorize(ctx, "cloudwatch:DescribeAlarmsForMetric", None)?;
    let metric_name = input
        .metric_name
        .clone()
        .ok_or_else(|| validation_error(validation::missing("metricName")))?;
    let namespace = input
        .namespace
        .clone()
        .ok_or_else(|| validation_error(validation::missing("namespace")))?;
    let dimensions = input
        .dimensions
        .as_ref()
        .map(|d| {
            d.iter()
                .map(|d| match (&d.name, &d.value) {
                    (Some(n), Some(v)) => Ok((n.clone(), v.clone())),
                    _ => Err(validation_error(validation::missing(
                        "dimensions.member.name",
                    ))),
                })
                .collect::<Result<Vec<_>>>()
        })
        .transpose()?;
    let list = alarms.for_metric(
        ctx.account.as_str(),
        &ctx.region,
        &ForMetricQuery {
            namespace,
            metric_name,
            dimensions,
            statistic: input.statistic.clone(),
            extended_statistic: input.extended_statistic.clone(),
            period: input.period.and_then(|p| u32::try_from(p).ok()),
            unit: input.unit.clone(),
        },
    );
    Ok(DescribeAlarmsForMetricOutput {
        metric_alarms: list.iter().map(alarm_out).collect(),
    })
}

/// `DeleteAlarmsInput`, `EnableAlarmActionsInput`, `DisableAlarmActionsInput`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AlarmNamesInput {
    /// `AlarmNames`.
    pub alarm_names: Option<Vec<String>>,
}

fn names(input: &AlarmNamesInput) -> Result<&[String]> {
    let names = input
        .alarm_names
        .as_deref()
        .ok_or_else(|| validation_error(validation::missing("alarmNames")))?;
    if names.len() > 100 {
        return Err(validation_error(validation::message(
            "alarmNames",
            &format!("{} names", names.len()),
            "Member must have length less than or equal to 100",
        )));
    }
    for n in names {
        check_alarm_name("alarmNames.member", n)?;
    }
    Ok(names)
}

/// `DeleteAlarms`: the named alarms that exist are deleted; unknown names are skipped.
pub fn delete_alarms(alarms: &Alarms, ctx: &RequestContext, input: &AlarmNamesInput) -> Result<()> {
    let names = names(input)?;
    for n in names {
        authorize(ctx, "cloudwatch:DeleteAlarms", Some(n))?;
    }
    alarms.delete(ctx.account.as_str(), &ctx.region, names)
}

/// `EnableAlarmActions` (`enabled`) or `DisableAlarmActions`.
pub fn set_alarm_actions(
    alarms: &Alarms,
    ctx: &RequestContext,
    input: &AlarmNamesInput,
    enabled: bool,
) -> Result<()> {
    let names = names(input)?;
    let action = if enabled {
        "cloudwatch:EnableAlarmActions"
    } else {
        "cloudwatch:DisableAlarmActions"
    };
    for n in names {
        authorize(ctx, action, Some(n))?;
    }
    alarms.set_actions_enabled(ctx.account.as_str(), &ctx.region, names, enabled)
}

/// `SetAlarmStateInput`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SetAlarmStateInput {
    /// `AlarmName`.
    pub alarm_name: Option<String>,
    /// `StateValue`.
    pub state_value: Option<String>,
    /// `StateReason`.
    pub state_reason: Option<String>,
    /// `StateReasonData`.
    pub state_reason_data: Option<String>,
}

/// `SetAlarmState`.
pub fn set_alarm_state(
    alarms: &std::sync::Arc<Alarms>,
    ctx: &RequestContext,
    input: &SetAlarmStateInput,
) -> Result<()> {
    let name = input
        .alarm_name
        .as_deref()
        .ok_or_else(|| validation_error(validation::missing("alarmName")))?;
    check_alarm_name("alarmName", name)?;
    let value = input
        .state_value
        .as_deref()
        .ok_or_else(|| validation_error(validation::missing("stateValue")))?;
    let value = state_value("stateValue", value)?;
    let reason = input
        .state_reason
        .clone()
        .ok_or_else(|| validation_error(validation::missing("stateReason")))?;
    if let Some(c) = validation::length(&reason, 0, 1023) {
        return Err(validation_error(validation::message(
            "stateReason",
            &reason,
            &c,
        )));
    }
    if let Some(data) = &input.state_reason_data {
        if let Some(c) = validation::length(data, 0, 4000) {
            return Err(validation_error(validation::message(
                "stateReasonData",
                data,
                &c,
            )));
        }
        if serde_json::from_str::<serde_json::Value>(data).is_err() {
            return Err(CloudWatchError {
                code: "InvalidFormat",
                message: "StateReasonData is not valid JSON.".to_owned(),
            });
        }
    }
    authorize(ctx, "cloudwatch:SetAlarmState", Some(name))?;
    alarms.set_state(
        ctx.account.as_str(),
        &ctx.region,
        name,
        value,
        reason,
        input.state_reason_data.clone(),
    )
}

/// `DescribeAlarmHistoryInput`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAlarmHistoryInput {
    /// `AlarmName`.
    pub alarm_name: Option<String>,
    /// `AlarmContributorId`.
    pub alarm_contributor_id: Option<String>,
    /// `AlarmTypes`.
    pub alarm_types: Option<Vec<String>>,
    /// `HistoryItemType`.
    pub history_item_type: Option<String>,
    /// `StartDate`.
    pub start_date: Option<InputTime>,
    /// `EndDate`.
    pub end_date: Option<InputTime>,
    /// `MaxRecords`.
    pub max_records: Option<i64>,
    /// `NextToken`.
    pub next_token: Option<String>,
    /// `ScanBy`.
    pub scan_by: Option<String>,
}

/// An `AlarmHistoryItem`.
#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct AlarmHistoryItemOut {
    /// `AlarmName`.
    pub alarm_name: String,
    /// `AlarmType`.
    pub alarm_type: &'static str,
    /// `Timestamp`.
    pub timestamp: Timestamp,
    /// `HistoryItemType`.
    pub history_item_type: &'static str,
    /// `HistorySummary`.
    pub history_summary: String,
    /// `HistoryData`.
    pub history_data: String,
}

/// `DescribeAlarmHistoryOutput`.
#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAlarmHistoryOutput {
    /// `AlarmHistoryItems`.
    pub alarm_history_items: Vec<AlarmHistoryItemOut>,
    /// `NextToken`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

fn item_out(h: HistoryItem) -> AlarmHistoryItemOut {
    AlarmHistoryItemOut {
        alarm_name: h.alarm_name,
        alarm_type: "MetricAlarm",
        timestamp: Timestamp(h.timestamp_millis),
        history_item_type: h.item_type.as_str(),
        history_summary: h.summary,
        history_data: h.data,
    }
}

/// `DescribeAlarmHistory`.
pub fn describe_alarm_history(
    alarms: &Alarms,
    ctx: &RequestContext,
    input: &DescribeAlarmHistoryInput,
) -> Result<DescribeAlarmHistoryOutput> {
    if let Some(n) = &input.alarm_name {
        check_alarm_name("alarmName", n)?;
    }
    authorize(
        ctx,
        "cloudwatch:DescribeAlarmHistory",
        input.alarm_name.as_deref(),
    )?;
    let (metric, _) = check_alarm_types(&input.alarm_types)?;
    let item_type = match input.history_item_type.as_deref() {
        None => None,
        Some("ConfigurationUpdate") => Some(Some(HistoryItemType::ConfigurationUpdate)),
        Some("StateUpdate") => Some(Some(HistoryItemType::StateUpdate)),
        Some("Action") => Some(Some(HistoryItemType::Action)),
        // Contributor items belong to multi-contributor (PromQL) alarms: there are none.
        Some("AlarmContributorStateUpdate" | "AlarmContributorAction") => Some(None),
        Some(other) => {
            return Err(validation_error(validation::message(
                "historyItemType",
                other,
                "Member must satisfy enum value set: [AlarmContributorAction, Action, AlarmContributorStateUpdate, ConfigurationUpdate, StateUpdate]",
            )));
        }
    };
    let ascending = match input.scan_by.as_deref() {
        None | Some("TimestampDescending") => false,
        Some("TimestampAscending") => true,
        Some(other) => {
            return Err(validation_error(validation::message(
                "scanBy",
                other,
                "Member must satisfy enum value set: [TimestampDescending, TimestampAscending]",
            )));
        }
    };
    let limit = max_records("maxRecords", input.max_records, 100)?;
    let after_seq = match &input.next_token {
        None => None,
        Some(t) => Some(t.parse::<u64>().map_err(|_| invalid_token())?),
    };
    if !metric || input.alarm_contributor_id.is_some() || item_type == Some(None) {
        return Ok(DescribeAlarmHistoryOutput {
            alarm_history_items: Vec::new(),
            next_token: None,
        });
    }
    let (items, more) = alarms.history(&HistoryQuery {
        account: ctx.account.as_str().to_owned(),
        region: ctx.region.clone(),
        alarm_name: input.alarm_name.clone(),
        item_type: item_type.flatten(),
        start_millis: input.start_date.map(|t| t.0),
        end_millis: input.end_date.map(|t| t.0),
        ascending,
        max_records: limit,
        after_seq,
    });
    let next_token = if more {
        items.last().map(|i| i.seq.to_string())
    } else {
        None
    };
    Ok(DescribeAlarmHistoryOutput {
        alarm_history_items: items.into_iter().map(item_out).collect(),
        next_token,
    })
}
