//! A metric alarm as CloudWatch keeps it: its configuration (what `PutMetricAlarm` set), its
//! state (what the last evaluation or `SetAlarmState` decided), and the words AWS uses for
//! both. Stored as JSON in the alarm table, so every type here is serde.

use serde::{Deserialize, Serialize};

/// An alarm's state (`StateValue`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StateValue {
    /// `OK`.
    #[serde(rename = "OK")]
    Ok,
    /// `ALARM`.
    #[serde(rename = "ALARM")]
    Alarm,
    /// `INSUFFICIENT_DATA`.
    #[serde(rename = "INSUFFICIENT_DATA")]
    InsufficientData,
}

impl StateValue {
    /// The state's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            StateValue::Ok => "OK",
            StateValue::Alarm => "ALARM",
            StateValue::InsufficientData => "INSUFFICIENT_DATA",
        }
    }

    /// The state a wire name stands for.
    pub fn parse(s: &str) -> Option<StateValue> {
        match s {
            "OK" => Some(StateValue::Ok),
            "ALARM" => Some(StateValue::Alarm),
            "INSUFFICIENT_DATA" => Some(StateValue::InsufficientData),
            _ => None,
        }
    }
}

/// `ComparisonOperator`: how the statistic (first operand) is compared with the threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(clippy::enum_variant_names)]
pub enum ComparisonOperator {
    /// `GreaterThanOrEqualToThreshold`.
    GreaterThanOrEqualToThreshold,
    /// `GreaterThanThreshold`.
    GreaterThanThreshold,
    /// `LessThanThreshold`.
    LessThanThreshold,
    /// `LessThanOrEqualToThreshold`.
    LessThanOrEqualToThreshold,
    /// `LessThanLowerOrGreaterThanUpperThreshold` (anomaly detection bands).
    LessThanLowerOrGreaterThanUpperThreshold,
    /// `LessThanLowerThreshold` (anomaly detection bands).
    LessThanLowerThreshold,
    /// `GreaterThanUpperThreshold` (anomaly detection bands).
    GreaterThanUpperThreshold,
}

impl ComparisonOperator {
    /// Every operator, in the model's order.
    pub const ALL: [ComparisonOperator; 7] = [
        ComparisonOperator::GreaterThanOrEqualToThreshold,
        ComparisonOperator::GreaterThanThreshold,
        ComparisonOperator::LessThanThreshold,
        ComparisonOperator::LessThanOrEqualToThreshold,
        ComparisonOperator::LessThanLowerOrGreaterThanUpperThreshold,
        ComparisonOperator::LessThanLowerThreshold,
        ComparisonOperator::GreaterThanUpperThreshold,
    ];

    /// The operator's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ComparisonOperator::GreaterThanOrEqualToThreshold => "GreaterThanOrEqualToThreshold",
            ComparisonOperator::GreaterThanThreshold => "GreaterThanThreshold",
            ComparisonOperator::LessThanThreshold => "LessThanThreshold",
            ComparisonOperator::LessThanOrEqualToThreshold => "LessThanOrEqualToThreshold",
            ComparisonOperator::LessThanLowerOrGreaterThanUpperThreshold => {
                "LessThanLowerOrGreaterThanUpperThreshold"
            }
            ComparisonOperator::LessThanLowerThreshold => "LessThanLowerThreshold",
            ComparisonOperator::GreaterThanUpperThreshold => "GreaterThanUpperThreshold",
        }
    }

    /// The operator a wire name stands for.
    pub fn parse(s: &str) -> Option<ComparisonOperator> {
        ComparisonOperator::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
    }

    /// Whether the operator compares with an anomaly detection band rather than a threshold.
    pub fn is_band(self) -> bool {
        matches!(
            self,
            ComparisonOperator::LessThanLowerOrGreaterThanUpperThreshold
                | ComparisonOperator::LessThanLowerThreshold
                | ComparisonOperator::GreaterThanUpperThreshold
        )
    }

    /// Whether `value` breaches `threshold` (static-threshold operators only).
    pub fn breaches(self, value: f64, threshold: f64) -> bool {
        match self {
            ComparisonOperator::GreaterThanOrEqualToThreshold => value >= threshold,
            ComparisonOperator::GreaterThanThreshold => value > threshold,
            ComparisonOperator::LessThanThreshold => value < threshold,
            ComparisonOperator::LessThanOrEqualToThreshold => value <= threshold,
            _ => false,
        }
    }

    /// How a state reason words the comparison: `greater than or equal to`.
    pub fn words(self) -> &'static str {
        match self {
            ComparisonOperator::GreaterThanOrEqualToThreshold => "greater than or equal to",
            ComparisonOperator::GreaterThanThreshold => "greater than",
            ComparisonOperator::LessThanThreshold => "less than",
            ComparisonOperator::LessThanOrEqualToThreshold => "less than or equal to",
            ComparisonOperator::LessThanLowerOrGreaterThanUpperThreshold => {
                "less than the lower thresholds or greater than the upper thresholds"
            }
            ComparisonOperator::LessThanLowerThreshold => "less than the lower thresholds",
            ComparisonOperator::GreaterThanUpperThreshold => "greater than the upper thresholds",
        }
    }
}

/// `TreatMissingData`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TreatMissingData {
    /// `missing` (the default): missing points are not considered.
    #[serde(rename = "missing")]
    Missing,
    /// `ignore`: the current state is kept.
    #[serde(rename = "ignore")]
    Ignore,
    /// `breaching`.
    #[serde(rename = "breaching")]
    Breaching,
    /// `notBreaching`.
    #[serde(rename = "notBreaching")]
    NotBreaching,
}

impl TreatMissingData {
    /// The value's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            TreatMissingData::Missing => "missing",
            TreatMissingData::Ignore => "ignore",
            TreatMissingData::Breaching => "breaching",
            TreatMissingData::NotBreaching => "notBreaching",
        }
    }

    /// The value a wire name stands for.
    pub fn parse(s: &str) -> Option<TreatMissingData> {
        match s {
            "missing" => Some(TreatMissingData::Missing),
            "ignore" => Some(TreatMissingData::Ignore),
            "breaching" => Some(TreatMissingData::Breaching),
            "notBreaching" => Some(TreatMissingData::NotBreaching),
            _ => None,
        }
    }
}

/// A metric as an alarm names it: namespace, name, dimensions (in the order sent).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlarmMetric {
    /// `Namespace`.
    pub namespace: String,
    /// `MetricName`.
    pub metric_name: String,
    /// `Dimensions`, (Name, Value) in the order sent.
    pub dimensions: Vec<(String, String)>,
}

/// One `MetricDataQuery` of an alarm's `Metrics`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlarmQuery {
    /// `Id`.
    pub id: String,
    /// `MetricStat`: metric, period, stat, unit.
    pub metric_stat: Option<QueryStat>,
    /// `Expression`.
    pub expression: Option<String>,
    /// `Label`.
    pub label: Option<String>,
    /// `ReturnData` as sent.
    pub return_data: Option<bool>,
    /// `Period` (expressions).
    pub period: Option<u32>,
    /// `AccountId`.
    pub account_id: Option<String>,
}

/// A `MetricStat`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueryStat {
    /// The metric.
    pub metric: AlarmMetric,
    /// `Period`, seconds.
    pub period: u32,
    /// `Stat`.
    pub stat: String,
    /// `Unit`.
    pub unit: Option<String>,
}

/// What an alarm watches: one metric with a statistic, or metric-math queries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AlarmSource {
    /// `MetricName`/`Namespace`/`Dimensions` with `Statistic` or `ExtendedStatistic`.
    Metric {
        /// The metric.
        metric: AlarmMetric,
        /// `Statistic` (`Sum`…), when given.
        statistic: Option<String>,
        /// `ExtendedStatistic` (`p99`…), when given.
        extended_statistic: Option<String>,
        /// `Period`, seconds.
        period: u32,
        /// `Unit`.
        unit: Option<String>,
    },
    /// `Metrics`: queries, exactly one with `ReturnData`.
    Queries(Vec<AlarmQuery>),
}

/// An alarm's configuration: everything `PutMetricAlarm` sets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlarmConfig {
    /// `AlarmName`.
    pub name: String,
    /// `AlarmDescription`.
    pub description: Option<String>,
    /// `ActionsEnabled` (true when absent).
    pub actions_enabled: bool,
    /// `OKActions`.
    pub ok_actions: Vec<String>,
    /// `AlarmActions`.
    pub alarm_actions: Vec<String>,
    /// `InsufficientDataActions`.
    pub insufficient_data_actions: Vec<String>,
    /// What the alarm watches.
    pub source: AlarmSource,
    /// `EvaluationPeriods` (N).
    pub evaluation_periods: u32,
    /// `DatapointsToAlarm` (M) as sent.
    pub datapoints_to_alarm: Option<u32>,
    /// `Threshold`.
    pub threshold: Option<f64>,
    /// `ThresholdMetricId`.
    pub threshold_metric_id: Option<String>,
    /// `ComparisonOperator`.
    pub comparison_operator: ComparisonOperator,
    /// `TreatMissingData` as sent.
    pub treat_missing_data: Option<TreatMissingData>,
    /// `EvaluateLowSampleCountPercentile` as sent (`evaluate` or `ignore`).
    pub evaluate_low_sample_count_percentile: Option<String>,
}

impl AlarmConfig {
    /// M: `DatapointsToAlarm`, or N when absent.
    pub fn datapoints_to_alarm(&self) -> u32 {
        self.datapoints_to_alarm.unwrap_or(self.evaluation_periods)
    }

    /// How missing data is treated (`missing` when absent).
    pub fn treat_missing(&self) -> TreatMissingData {
        self.treat_missing_data.unwrap_or(TreatMissingData::Missing)
    }

    /// The period the alarm evaluates, seconds: the metric's, or the returned query's.
    pub fn period(&self) -> u32 {
        match &self.source {
            AlarmSource::Metric { period, .. } => *period,
            AlarmSource::Queries(q) => q
                .iter()
                .find(|q| q.return_data.unwrap_or(true))
                .and_then(|q| q.metric_stat.as_ref().map(|s| s.period).or(q.period))
                .or_else(|| {
                    q.iter()
                        .find_map(|q| q.metric_stat.as_ref().map(|s| s.period))
                })
                .unwrap_or(60),
        }
    }

    /// The statistic's name as the state reason data writes it (`Sum`, `p99`).
    pub fn statistic_name(&self) -> Option<&str> {
        match &self.source {
            AlarmSource::Metric {
                statistic,
                extended_statistic,
                ..
            } => statistic.as_deref().or(extended_statistic.as_deref()),
            AlarmSource::Queries(_) => None,
        }
    }

    /// Every action ARN, for `ActionPrefix`.
    pub fn all_actions(&self) -> impl Iterator<Item = &String> {
        self.ok_actions
            .iter()
            .chain(&self.alarm_actions)
            .chain(&self.insufficient_data_actions)
    }

    /// The actions for a transition into `state`.
    pub fn actions_for(&self, state: StateValue) -> &[String] {
        match state {
            StateValue::Ok => &self.ok_actions,
            StateValue::Alarm => &self.alarm_actions,
            StateValue::InsufficientData => &self.insufficient_data_actions,
        }
    }
}

/// An alarm's state as `DescribeAlarms` shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlarmState {
    /// `StateValue`.
    pub value: StateValue,
    /// `StateReason`.
    pub reason: String,
    /// `StateReasonData` (JSON text), when there is one.
    pub reason_data: Option<String>,
    /// `StateUpdatedTimestamp`, ms.
    pub updated_millis: u64,
    /// `StateTransitionedTimestamp`, ms.
    pub transitioned_millis: u64,
}

/// A metric alarm: where it lives, its configuration and its state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricAlarm {
    /// The owning account.
    pub account: String,
    /// The region.
    pub region: String,
    /// `AlarmArn`: `arn:aws:cloudwatch:{region}:{account}:alarm:{name}`.
    pub arn: String,
    /// The configuration.
    pub config: AlarmConfig,
    /// `AlarmConfigurationUpdatedTimestamp`, ms.
    pub config_updated_millis: u64,
    /// The state.
    pub state: AlarmState,
    /// Tags set at creation (later `PutMetricAlarm` calls leave them, as AWS does).
    pub tags: Vec<(String, String)>,
    /// The id the Lambda alarm event gives the single metric of a non-math alarm.
    pub metric_id: String,
}

/// The reason a new alarm starts with.
pub const INITIAL_REASON: &str = "Unchecked: Initial alarm creation";

/// An alarm's ARN.
pub fn alarm_arn(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:cloudwatch:{region}:{account}:alarm:{name}")
}
