//! Alarm history: the `StateUpdate`, `ConfigurationUpdate` and `Action` items
//! `DescribeAlarmHistory` returns, with the `HistorySummary` and `HistoryData` JSON as AWS
//! writes them. Kept two weeks (AWS's retention) and at most [`MAX_ITEMS`] items.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::model::{AlarmSource, AlarmState, MetricAlarm};
use super::time::state_timestamp;

/// How long history is kept: two weeks.
pub const RETENTION_MILLIS: u64 = 14 * 24 * 3600 * 1000;
/// The most history items kept (oldest dropped first).
pub const MAX_ITEMS: usize = 100_000;

/// `HistoryItemType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HistoryItemType {
    /// `ConfigurationUpdate`.
    ConfigurationUpdate,
    /// `StateUpdate`.
    StateUpdate,
    /// `Action`.
    Action,
}

impl HistoryItemType {
    /// The type's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryItemType::ConfigurationUpdate => "ConfigurationUpdate",
            HistoryItemType::StateUpdate => "StateUpdate",
            HistoryItemType::Action => "Action",
        }
    }
}

/// One `AlarmHistoryItem`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryItem {
    /// Order of recording (the paging key).
    pub seq: u64,
    /// The alarm's account.
    pub account: String,
    /// The alarm's region.
    pub region: String,
    /// `AlarmName`.
    pub alarm_name: String,
    /// `Timestamp`, ms.
    pub timestamp_millis: u64,
    /// `HistoryItemType`.
    pub item_type: HistoryItemType,
    /// `HistorySummary`.
    pub summary: String,
    /// `HistoryData`.
    pub data: String,
}

/// The history of every alarm, oldest first.
#[derive(Default)]
pub struct History {
    items: VecDeque<HistoryItem>,
    next_seq: u64,
}

/// What `DescribeAlarmHistory` asks for.
#[derive(Clone, Debug, Default)]
pub struct HistoryQuery {
    /// The account.
    pub account: String,
    /// The region.
    pub region: String,
    /// `AlarmName`.
    pub alarm_name: Option<String>,
    /// `HistoryItemType`.
    pub item_type: Option<HistoryItemType>,
    /// `StartDate`, ms, inclusive.
    pub start_millis: Option<u64>,
    /// `EndDate`, ms, inclusive.
    pub end_millis: Option<u64>,
    /// `ScanBy=TimestampAscending`.
    pub ascending: bool,
    /// `MaxRecords` (1–100, default 100).
    pub max_records: usize,
    /// Where the previous page stopped (a seq).
    pub after_seq: Option<u64>,
}

impl History {
    /// History loaded from storage (oldest first).
    pub fn from_items(items: Vec<HistoryItem>) -> History {
        let next_seq = items.iter().map(|i| i.seq + 1).max().unwrap_or(1);
        History {
            items: items.into(),
            next_seq,
        }
    }

    /// Numbers a new item; the caller stores it, then [`History::push`]es it.
    pub fn next_seq(&mut self) -> u64 {
        let s = self.next_seq;
        self.next_seq += 1;
        s
    }

    /// Appends an item; drops what is past retention or the count bound. Returns the seqs
    /// dropped (for storage to delete).
    pub fn push(&mut self, item: HistoryItem) -> Option<u64> {
        let now = item.timestamp_millis;
        self.items.push_back(item);
        let mut dropped = None;
        while let Some(first) = self.items.front() {
            if self.items.len() > MAX_ITEMS || first.timestamp_millis + RETENTION_MILLIS < now {
                dropped = Some(first.seq);
                self.items.pop_front();
            } else {
                break;
            }
        }
        dropped
    }

    /// One page of items and whether more follow (the last item's seq is the next token).
    pub fn query(&self, q: &HistoryQuery) -> (Vec<HistoryItem>, bool) {
        let matches = |i: &&HistoryItem| {
            i.account == q.account
                && i.region == q.region
                && q.alarm_name.as_ref().is_none_or(|n| *n == i.alarm_name)
                && q.item_type.is_none_or(|t| t == i.item_type)
                && q.start_millis.is_none_or(|s| i.timestamp_millis >= s)
                && q.end_millis.is_none_or(|e| i.timestamp_millis <= e)
        };
        let limit = q.max_records.max(1);
        let mut out: Vec<HistoryItem> = if q.ascending {
            self.items
                .iter()
                .filter(|i| q.after_seq.is_none_or(|s| i.seq > s))
                .filter(matches)
                .take(limit + 1)
                .cloned()
                .collect()
        } else {
            self.items
                .iter()
                .rev()
                .filter(|i| q.after_seq.is_none_or(|s| i.seq < s))
                .filter(matches)
                .take(limit + 1)
                .cloned()
                .collect()
        };
        let more = out.len() > limit;
        out.truncate(limit);
        (out, more)
    }
}

fn state_json(state: &AlarmState) -> Value {
    let mut v = json!({
        "stateValue": state.value.as_str(),
        "stateReason": state.reason,
    });
    if let Some(data) = &state.reason_data
        && let Ok(parsed) = serde_json::from_str::<Value>(data)
    {
        v["stateReasonData"] = parsed;
    }
    v
}

/// `HistorySummary` and `HistoryData` of a state change.
pub fn state_update(old: &AlarmState, new: &AlarmState) -> (String, String) {
    (
        format!(
            "Alarm updated from {} to {}",
            old.value.as_str(),
            new.value.as_str()
        ),
        json!({
            "version": "1.0",
            "oldState": state_json(old),
            "newState": state_json(new),
        })
        .to_string(),
    )
}

/// The alarm as configuration-update history writes it.
pub fn alarm_json(a: &MetricAlarm) -> Value {
    let c = &a.config;
    let mut v = json!({
        "alarmName": c.name,
        "alarmArn": a.arn,
        "alarmConfigurationUpdatedTimestamp": state_timestamp(a.config_updated_millis),
        "actionsEnabled": c.actions_enabled,
        "okactions": c.ok_actions,
        "alarmActions": c.alarm_actions,
        "insufficientDataActions": c.insufficient_data_actions,
        "stateValue": a.state.value.as_str(),
        "stateReason": a.state.reason,
        "stateUpdatedTimestamp": state_timestamp(a.state.updated_millis),
        "evaluationPeriods": c.evaluation_periods,
        "comparisonOperator": c.comparison_operator.as_str(),
        "treatMissingData": c.treat_missing().as_str(),
    });
    if let Some(d) = &c.description {
        v["alarmDescription"] = json!(d);
    }
    if let Some(t) = c.threshold {
        v["threshold"] = json!(t);
    }
    if let Some(m) = c.datapoints_to_alarm {
        v["datapointsToAlarm"] = json!(m);
    }
    match &c.source {
        AlarmSource::Metric {
            metric,
            statistic,
            extended_statistic,
            period,
            unit,
        } => {
            v["namespace"] = json!(metric.namespace);
            v["metricName"] = json!(metric.metric_name);
            v["dimensions"] = metric
                .dimensions
                .iter()
                .map(|(n, val)| json!({"name": n, "value": val}))
                .collect();
            v["period"] = json!(period);
            if let Some(s) = statistic {
                v["statistic"] = json!(s.to_uppercase());
            }
            if let Some(s) = extended_statistic {
                v["extendedStatistic"] = json!(s);
            }
            if let Some(u) = unit {
                v["unit"] = json!(u);
            }
        }
        AlarmSource::Queries(q) => {
            v["metrics"] = q
                .iter()
                .map(|q| json!({"id": q.id, "expression": q.expression, "returnData": q.return_data.unwrap_or(true)}))
                .collect();
        }
    }
    v
}

/// `HistorySummary` and `HistoryData` of a create, update or delete.
pub fn configuration_update(
    kind: &str,
    old: Option<&MetricAlarm>,
    new: &MetricAlarm,
) -> (String, String) {
    let verb = match kind {
        "Create" => "created",
        "Delete" => "deleted",
        _ => "updated",
    };
    let data = match (kind, old) {
        ("Create", _) => {
            json!({"version": "1.0", "type": "Create", "createdAlarm": alarm_json(new)})
        }
        ("Delete", _) => {
            json!({"version": "1.0", "type": "Delete", "deletedAlarm": alarm_json(new)})
        }
        (_, Some(old)) => json!({
            "version": "1.0",
            "type": "Update",
            "originalUpdatedAlarm": alarm_json(old),
            "updatedAlarm": alarm_json(new),
        }),
        (_, None) => json!({"version": "1.0", "type": "Update", "updatedAlarm": alarm_json(new)}),
    };
    (
        format!("Alarm \"{}\" {verb}", new.config.name),
        truncate(data.to_string(), 4095),
    )
}

/// `HistorySummary` and `HistoryData` of an action run (or refused).
pub fn action(arn: &str, at_millis: u64, result: Result<(), String>) -> (String, String) {
    match result {
        Ok(()) => (
            truncate(format!("Successfully executed action {arn}"), 255),
            json!({
                "actionState": "Succeeded",
                "stateUpdateTimestamp": at_millis,
                "notificationResource": arn,
            })
            .to_string(),
        ),
        Err(e) => (
            truncate(
                format!("Failed to execute action {arn}. Received error: \"{e}\""),
                255,
            ),
            truncate(
                json!({
                    "actionState": "Failed",
                    "stateUpdateTimestamp": at_millis,
                    "notificationResource": arn,
                    "error": e,
                })
                .to_string(),
                4095,
            ),
        ),
    }
}

fn truncate(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}
