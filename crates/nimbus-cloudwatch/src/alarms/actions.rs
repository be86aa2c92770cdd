//! Alarm actions: the ARN forms `PutMetricAlarm` accepts, and what a transition does with
//! them. A Lambda function is invoked for real, asynchronously, through the bus, as the
//! `lambda.alarms.cloudwatch.amazonaws.com` service principal with the alarm as `SourceArn`
//! (so the function's resource-based policy is honoured), with the event AWS sends. Other
//! targets (SNS, Auto Scaling, EC2, Systems Manager…) are not served by nimbus: the action is
//! recorded in the alarm's history as not executed.

use nimbus_core::Arn;
use nimbus_core::bus::{InvokeCaller, ServiceBus};
use serde_json::{Value, json};

use super::model::{AlarmSource, AlarmState, MetricAlarm};
use super::time::state_timestamp;

/// The service principal CloudWatch invokes a function as.
pub const ALARM_PRINCIPAL: &str = "lambda.alarms.cloudwatch.amazonaws.com";

/// What an action ARN names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionTarget {
    /// A Lambda function (`arn:aws:lambda:{region}:{account}:function:{name}[:{qualifier}]`).
    Function(String),
    /// Another service's target (`sns`, `autoscaling`, `automate`, `swf`, `ssm`,
    /// `ssm-incidents`, `aiops`), by its service name.
    Other(&'static str),
}

fn invalid(arn: &str) -> String {
    format!("Invalid arn syntax: {arn}")
}

/// Parses an action ARN as `PutMetricAlarm` accepts it in `region`; the error is the
/// `ValidationError` message.
pub fn parse_action(arn: &str, region: &str) -> Result<ActionTarget, String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() < 6 || parts[0] != "arn" || parts[1] != "aws" {
        return Err(invalid(arn));
    }
    let (service, arn_region, account, resource) = (parts[2], parts[3], parts[4], parts[5]);
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    let same_region = || {
        if arn_region == region {
            Ok(())
        } else {
            Err(format!(
                "Invalid region {arn_region} specified. Only {region} is supported."
            ))
        }
    };
    match service {
        "lambda" => {
            same_region()?;
            let rest = resource
                .strip_prefix("function:")
                .ok_or_else(|| invalid(arn))?;
            let mut it = rest.split(':');
            let name = it.next().unwrap_or_default();
            let qualifier = it.next();
            if !account_ok
                || name.is_empty()
                || name.len() > 140
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                || qualifier.is_some_and(str::is_empty)
                || it.next().is_some()
            {
                return Err(invalid(arn));
            }
            Ok(ActionTarget::Function(arn.to_owned()))
        }
        "sns" => {
            same_region()?;
            if !account_ok || resource.is_empty() || resource.contains(':') {
                return Err(invalid(arn));
            }
            Ok(ActionTarget::Other("sns"))
        }
        "automate" => {
            same_region()?;
            if account != "ec2" || !matches!(resource, "stop" | "terminate" | "reboot" | "recover")
            {
                return Err(invalid(arn));
            }
            Ok(ActionTarget::Other("automate"))
        }
        "swf" => {
            same_region()?;
            let ok = ["Stop", "Terminate", "Reboot", "Recover"]
                .iter()
                .any(|a| resource == format!("action/actions/AWS_EC2.InstanceId.{a}/1.0"));
            if !account_ok || !ok {
                return Err(invalid(arn));
            }
            Ok(ActionTarget::Other("swf"))
        }
        "autoscaling" => {
            same_region()?;
            if !account_ok
                || !resource.starts_with("scalingPolicy:")
                || !resource.contains(":autoScalingGroupName/")
                || !resource.contains(":policyName/")
            {
                return Err(invalid(arn));
            }
            Ok(ActionTarget::Other("autoscaling"))
        }
        "ssm" => {
            same_region()?;
            if !account_ok || !resource.starts_with("opsitem:") {
                return Err(invalid(arn));
            }
            Ok(ActionTarget::Other("ssm"))
        }
        "ssm-incidents" => {
            if !account_ok || !resource.starts_with("responseplan/") {
                return Err(invalid(arn));
            }
            Ok(ActionTarget::Other("ssm-incidents"))
        }
        "aiops" => {
            same_region()?;
            if !account_ok || !resource.starts_with("investigation-group:") {
                return Err(invalid(arn));
            }
            Ok(ActionTarget::Other("aiops"))
        }
        _ => Err(invalid(arn)),
    }
}

fn state_event(s: &AlarmState) -> Value {
    let mut v = json!({
        "value": s.value.as_str(),
        "reason": s.reason,
    });
    if let Some(d) = &s.reason_data {
        v["reasonData"] = json!(d);
    }
    v["timestamp"] = json!(state_timestamp(s.updated_millis));
    v
}

fn metric_event(
    id: &str,
    metric: &super::model::AlarmMetric,
    period: u32,
    stat: &str,
    unit: Option<&str>,
    return_data: bool,
) -> Value {
    let dims: serde_json::Map<String, Value> = metric
        .dimensions
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let mut stat_v = json!({
        "metric": {"namespace": metric.namespace, "name": metric.metric_name, "dimensions": dims},
        "period": period,
        "stat": stat,
    });
    if let Some(u) = unit {
        stat_v["unit"] = json!(u);
    }
    json!({"id": id, "metricStat": stat_v, "returnData": return_data})
}

/// The event AWS sends a function for an alarm's state change (the user guide's "Lambda alarm
/// actions" event), at `now_millis`.
pub fn lambda_event(alarm: &MetricAlarm, previous: &AlarmState, now_millis: u64) -> Value {
    let c = &alarm.config;
    let metrics: Vec<Value> = match &c.source {
        AlarmSource::Metric {
            metric,
            statistic,
            extended_statistic,
            period,
            unit,
        } => vec![metric_event(
            &alarm.metric_id,
            metric,
            *period,
            statistic.as_deref().or(extended_statistic.as_deref()).unwrap_or_default(),
            unit.as_deref(),
            true,
        )],
        AlarmSource::Queries(queries) => queries
            .iter()
            .map(|q| match (&q.metric_stat, &q.expression) {
                (Some(s), _) => metric_event(
                    &q.id,
                    &s.metric,
                    s.period,
                    &s.stat,
                    s.unit.as_deref(),
                    q.return_data.unwrap_or(true),
                ),
                (None, e) => {
                    let mut v = json!({"id": q.id, "expression": e, "returnData": q.return_data.unwrap_or(true)});
                    if let Some(l) = &q.label {
                        v["label"] = json!(l);
                    }
                    v
                }
            })
            .collect(),
    };
    let mut configuration = json!({"metrics": metrics});
    if let Some(d) = &c.description {
        configuration["description"] = json!(d);
    }
    json!({
        "source": "aws.cloudwatch",
        "alarmArn": alarm.arn,
        "accountId": alarm.account,
        "time": state_timestamp(now_millis),
        "region": alarm.region,
        "alarmData": {
            "alarmName": c.name,
            "state": state_event(&alarm.state),
            "previousState": state_event(previous),
            "configuration": configuration,
        }
    })
}

/// Runs one action of `alarm`'s transition from `previous`: invokes a function, or explains
/// why the target is not served. The error is the history item's text.
pub async fn run(
    bus: &ServiceBus,
    target: &str,
    alarm: &MetricAlarm,
    previous: &AlarmState,
    now_millis: u64,
) -> Result<(), String> {
    match parse_action(target, &alarm.region) {
        Ok(ActionTarget::Function(arn)) => {
            let parsed: Arn = arn.parse().map_err(|_| invalid(&arn))?;
            let caller = InvokeCaller {
                principal: ALARM_PRINCIPAL.to_owned(),
                source_arn: Some(alarm.arn.clone()),
                source_account: Some(alarm.account.clone()),
            };
            let payload = lambda_event(alarm, previous, now_millis).to_string();
            let functions = bus.functions().map_err(|e| e.to_string())?;
            functions
                .invoke_async(&parsed, bytes::Bytes::from(payload), Some(&caller))
                .await
                .map(|_| ())
                .map_err(|e| match e {
                    nimbus_core::bus::DeliveryError::NoSuchDestination(_) => {
                        format!("Function not found: {arn}")
                    }
                    nimbus_core::bus::DeliveryError::AccessDenied(m) => format!(
                        "CloudWatch Alarms is not authorized to perform: lambda:InvokeFunction on the resource because no resource-based policy allows the lambda:InvokeFunction action ({m})"
                    ),
                    other => other.to_string(),
                })
        }
        Ok(ActionTarget::Other(service)) => Err(format!(
            "nimbus does not serve {service}: the action was recorded, not executed"
        )),
        Err(e) => Err(e),
    }
}
