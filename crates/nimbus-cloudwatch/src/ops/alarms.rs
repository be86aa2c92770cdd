//! The metric alarm operations: `PutMetricAlarm`, `DescribeAlarms`,
//! `DescribeAlarmsForMetric`, `DeleteAlarms`, `SetAlarmState`, `DescribeAlarmHistory`,
//! `EnableAlarmActions`, `DisableAlarmActions`. Each reads one typed input, authorizes
//! `cloudwatch:<Action>` on the alarms it names, applies it to the [`Alarms`] engine and
//! answers one typed output.

use nimbus_core::RequestContext;
use nimbus_core::access::Resource;
use nimbus_wire::query::ser::Timestamp;
use nimbus_wire::validation;
use serde::{Deserialize, Serialize};

use super::{Call, parse, respond, respond_empty};
use crate::CloudWatchService;
use crate::alarms::history::{HistoryItem, HistoryItemType, HistoryQuery};
use crate::alarms::model::{StateValue, alarm_arn};
use crate::alarms::validate::{
    DimensionInput, PutMetricAlarmInput, check_alarm_name, invalid_combination, invalid_value,
    validation_error,
};
use crate::alarms::{Alarms, DescribeQuery, ForMetricQuery};
use crate::error::{CloudWatchError, Result};
use nimbus_wire::Response;

pub mod shapes;

pub use shapes::{InputTime, MetricAlarmOut, alarm_out};

fn denied(e: nimbus_core::Denied) -> CloudWatchError {
    CloudWatchError {
        code: crate::error::CloudWatchErrorCode::AccessDenied,
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

/// `PutMetricAlarm`.
fn put_metric_alarm_with(
    alarms: &std::sync::Arc<Alarms>,
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
        code: crate::error::CloudWatchErrorCode::InvalidNextToken,
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
fn describe_alarms_with(
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
fn describe_alarms_for_metric_with(
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
fn delete_alarms_with(
    alarms: &Alarms,
    ctx: &RequestContext,
    input: &AlarmNamesInput,
) -> Result<()> {
    let names = names(input)?;
    for n in names {
        authorize(ctx, "cloudwatch:DeleteAlarms", Some(n))?;
    }
    alarms.delete(ctx.account.as_str(), &ctx.region, names)
}

/// `EnableAlarmActions` (`enabled`) or `DisableAlarmActions`.
fn set_alarm_actions_with(
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
fn set_alarm_state_with(
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
                code: crate::error::CloudWatchErrorCode::InvalidFormat,
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
fn describe_alarm_history_with(
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

/// `TagResourceInput`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagResourceInput {
    /// `ResourceARN`.
    #[serde(rename = "ResourceARN")]
    pub resource_arn: Option<String>,
    /// `Tags`.
    pub tags: Option<Vec<crate::alarms::validate::TagInput>>,
}

/// `UntagResourceInput`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UntagResourceInput {
    /// `ResourceARN`.
    #[serde(rename = "ResourceARN")]
    pub resource_arn: Option<String>,
    /// `TagKeys`.
    pub tag_keys: Option<Vec<String>>,
}

/// `ListTagsForResourceInput`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListTagsForResourceInput {
    /// `ResourceARN`.
    #[serde(rename = "ResourceARN")]
    pub resource_arn: Option<String>,
}

/// A `Tag` in an output.
#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct TagOut {
    /// `Key`.
    pub key: String,
    /// `Value`.
    pub value: String,
}

/// `ListTagsForResourceOutput`.
#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct ListTagsForResourceOutput {
    /// `Tags`.
    pub tags: Vec<TagOut>,
}

fn resource_arn(arn: &Option<String>) -> Result<&str> {
    let arn = arn
        .as_deref()
        .ok_or_else(|| validation_error(validation::missing("resourceARN")))?;
    if let Some(c) = validation::length(arn, 1, 1024) {
        return Err(validation_error(validation::message(
            "resourceARN",
            arn,
            &c,
        )));
    }
    Ok(arn)
}

fn authorize_arn(ctx: &RequestContext, action: &str, arn: &str) -> Result<()> {
    ctx.authorize(
        action,
        Resource {
            arn,
            owner: ctx.account.as_str(),
            policy: None,
        },
        |_| {},
    )
    .map_err(denied)
}

/// `TagResource` on an alarm.
fn tag_resource_with(
    alarms: &Alarms,
    ctx: &RequestContext,
    input: &TagResourceInput,
) -> Result<()> {
    let arn = resource_arn(&input.resource_arn)?;
    let mut tags = Vec::new();
    for t in input
        .tags
        .as_deref()
        .ok_or_else(|| validation_error(validation::missing("tags")))?
    {
        let (Some(k), Some(v)) = (&t.key, &t.value) else {
            return Err(validation_error(validation::missing("tags.member.key")));
        };
        for (member, value, min, max) in [
            ("tags.member.key", k, 1, 128),
            ("tags.member.value", v, 0, 256),
        ] {
            if let Some(c) = validation::length(value, min, max) {
                return Err(validation_error(validation::message(member, value, &c)));
            }
        }
        tags.push((k.clone(), v.clone()));
    }
    authorize_arn(ctx, "cloudwatch:TagResource", arn)?;
    alarms.retag(ctx.account.as_str(), &ctx.region, arn, &tags, &[])
}

/// `UntagResource` on an alarm.
fn untag_resource_with(
    alarms: &Alarms,
    ctx: &RequestContext,
    input: &UntagResourceInput,
) -> Result<()> {
    let arn = resource_arn(&input.resource_arn)?;
    let keys = input
        .tag_keys
        .as_deref()
        .ok_or_else(|| validation_error(validation::missing("tagKeys")))?;
    authorize_arn(ctx, "cloudwatch:UntagResource", arn)?;
    alarms.retag(ctx.account.as_str(), &ctx.region, arn, &[], keys)
}

/// `ListTagsForResource` on an alarm.
fn list_tags_for_resource_with(
    alarms: &Alarms,
    ctx: &RequestContext,
    input: &ListTagsForResourceInput,
) -> Result<ListTagsForResourceOutput> {
    let arn = resource_arn(&input.resource_arn)?;
    authorize_arn(ctx, "cloudwatch:ListTagsForResource", arn)?;
    Ok(ListTagsForResourceOutput {
        tags: alarms
            .tags(ctx.account.as_str(), &ctx.region, arn)?
            .into_iter()
            .map(|(key, value)| TagOut { key, value })
            .collect(),
    })
}

/// `PutMetricAlarm`: creates or updates the alarm (see [`Alarms::put`]).
pub async fn put_metric_alarm(svc: &CloudWatchService, call: &mut Call) -> Result<Response> {
    let input: PutMetricAlarmInput = parse(call)?;
    put_metric_alarm_with(svc.alarms(), &call.ctx, &input)?;
    Ok(respond_empty(call))
}

/// `DescribeAlarms`.
pub async fn describe_alarms(svc: &CloudWatchService, call: &mut Call) -> Result<Response> {
    let input: DescribeAlarmsInput = parse(call)?;
    let out = describe_alarms_with(svc.alarms(), &call.ctx, &input)?;
    Ok(respond(call, &out))
}

/// `DescribeAlarmsForMetric`.
pub async fn describe_alarms_for_metric(
    svc: &CloudWatchService,
    call: &mut Call,
) -> Result<Response> {
    let input: DescribeAlarmsForMetricInput = parse(call)?;
    let out = describe_alarms_for_metric_with(svc.alarms(), &call.ctx, &input)?;
    Ok(respond(call, &out))
}

/// `DeleteAlarms`.
pub async fn delete_alarms(svc: &CloudWatchService, call: &mut Call) -> Result<Response> {
    let input: AlarmNamesInput = parse(call)?;
    delete_alarms_with(svc.alarms(), &call.ctx, &input)?;
    Ok(respond_empty(call))
}

/// `SetAlarmState`.
pub async fn set_alarm_state(svc: &CloudWatchService, call: &mut Call) -> Result<Response> {
    let input: SetAlarmStateInput = parse(call)?;
    set_alarm_state_with(svc.alarms(), &call.ctx, &input)?;
    Ok(respond_empty(call))
}

/// `DescribeAlarmHistory`.
pub async fn describe_alarm_history(svc: &CloudWatchService, call: &mut Call) -> Result<Response> {
    let input: DescribeAlarmHistoryInput = parse(call)?;
    let out = describe_alarm_history_with(svc.alarms(), &call.ctx, &input)?;
    Ok(respond(call, &out))
}

/// `EnableAlarmActions`.
pub async fn enable_alarm_actions(svc: &CloudWatchService, call: &mut Call) -> Result<Response> {
    let input: AlarmNamesInput = parse(call)?;
    set_alarm_actions_with(svc.alarms(), &call.ctx, &input, true)?;
    Ok(respond_empty(call))
}

/// `DisableAlarmActions`.
pub async fn disable_alarm_actions(svc: &CloudWatchService, call: &mut Call) -> Result<Response> {
    let input: AlarmNamesInput = parse(call)?;
    set_alarm_actions_with(svc.alarms(), &call.ctx, &input, false)?;
    Ok(respond_empty(call))
}

/// `TagResource` (alarms).
pub async fn tag_resource(svc: &CloudWatchService, call: &mut Call) -> Result<Response> {
    let input: TagResourceInput = parse(call)?;
    tag_resource_with(svc.alarms(), &call.ctx, &input)?;
    Ok(respond_empty(call))
}

/// `UntagResource` (alarms).
pub async fn untag_resource(svc: &CloudWatchService, call: &mut Call) -> Result<Response> {
    let input: UntagResourceInput = parse(call)?;
    untag_resource_with(svc.alarms(), &call.ctx, &input)?;
    Ok(respond_empty(call))
}

/// `ListTagsForResource` (alarms).
pub async fn list_tags_for_resource(svc: &CloudWatchService, call: &mut Call) -> Result<Response> {
    let input: ListTagsForResourceInput = parse(call)?;
    let out = list_tags_for_resource_with(svc.alarms(), &call.ctx, &input)?;
    Ok(respond(call, &out))
}
