//! CreateEventSourceMapping, GetEventSourceMapping, ListEventSourceMappings,
//! UpdateEventSourceMapping, DeleteEventSourceMapping (`/2015-03-31/event-source-mappings/`):
//! SQS queues as event sources, with AWS's validation rules and errors.

use nimbus_core::Arn;
use nimbus_core::access::Caller;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{LambdaError, LambdaErrorCode};
use crate::event_source::filter::{MAX_FILTERS, MAX_PATTERN_LEN, Pattern};
use crate::event_source::{MappingRecord, not_found, state};
use crate::model::FunctionKey;
use crate::{Ctx, LambdaService};

/// The largest `BatchSize` for SQS.
pub const MAX_BATCH_SIZE: i64 = 10_000;
/// The largest `BatchSize` for a FIFO queue.
pub const MAX_FIFO_BATCH_SIZE: i64 = 10;
/// The default `BatchSize` for SQS.
pub const DEFAULT_BATCH_SIZE: u32 = 10;
/// The largest `MaximumBatchingWindowInSeconds`.
pub const MAX_BATCHING_WINDOW: i64 = 300;
/// The default and largest `MaxItems` of a listing page.
pub const DEFAULT_MAX_ITEMS: usize = 100;

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct FilterIn {
    pattern: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct FilterCriteriaIn {
    filters: Option<Vec<FilterIn>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct MetricsConfigIn {
    metrics: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct ScalingConfigIn {
    maximum_concurrency: Option<i64>,
}

/// The members of Create and Update that apply to SQS, and the stream/Kafka members that
/// do not (refused when given).
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct MappingInput {
    event_source_arn: Option<String>,
    function_name: Option<String>,
    enabled: Option<bool>,
    batch_size: Option<i64>,
    maximum_batching_window_in_seconds: Option<i64>,
    filter_criteria: Option<FilterCriteriaIn>,
    function_response_types: Option<Vec<String>>,
    scaling_config: Option<ScalingConfigIn>,
    metrics_config: Option<MetricsConfigIn>,
    #[serde(default)]
    tags: Option<serde_json::Map<String, Value>>,
    #[serde(flatten)]
    other: serde_json::Map<String, Value>,
}

/// Members of the model that SQS sources do not take.
const STREAM_MEMBERS: &[&str] = &[
    "StartingPosition",
    "StartingPositionTimestamp",
    "ParallelizationFactor",
    "DestinationConfig",
    "MaximumRecordAgeInSeconds",
    "BisectBatchOnFunctionError",
    "MaximumRetryAttempts",
    "TumblingWindowInSeconds",
    "Topics",
    "Queues",
    "SourceAccessConfigurations",
    "SelfManagedEventSource",
    "AmazonManagedKafkaEventSourceConfig",
    "SelfManagedKafkaEventSourceConfig",
    "DocumentDBEventSourceConfig",
    "ProvisionedPollerConfig",
];

fn check_range(value: i64, member: &str, min: i64, max: i64) -> Result<u32, LambdaError> {
    if value < min {
        return Err(LambdaError::validation(
            &value.to_string(),
            member,
            &format!("Member must have value greater than or equal to {min}"),
        ));
    }
    if value > max {
        return Err(LambdaError::validation(
            &value.to_string(),
            member,
            &format!("Member must have value less than or equal to {max}"),
        ));
    }
    Ok(value as u32)
}

fn sqs_receive_error(code: &str, message: &str) -> LambdaError {
    LambdaError::new(
        LambdaErrorCode::InvalidParameterValue,
        format!(
            "Error occurred while ReceiveMessage. SQS Error Code: {code}. SQS Error Message: {message}"
        ),
    )
}

/// The parts of an input that apply to a record, validated.
struct Settings {
    batch_size: Option<u32>,
    window: Option<u32>,
    filters: Option<Option<Vec<String>>>,
    response_types: Option<Vec<String>>,
    max_concurrency: Option<Option<u32>>,
    metrics: Option<Vec<String>>,
}

/// The values of `MetricsConfig.Metrics` in the model.
const METRIC_KINDS: &[&str] = &["EventCount", "ErrorCount", "KafkaMetrics"];

/// `MetricsConfig`: at most 3 values of the model's enum; SQS sources take `EventCount`
/// only (`ErrorCount` and `KafkaMetrics` are for Kafka sources).
fn validate_metrics(config: &MetricsConfigIn) -> Result<Vec<String>, LambdaError> {
    let list = config.metrics.clone().unwrap_or_default();
    if list.len() > 3 {
        return Err(LambdaError::validation(
            &format!("[{}]", list.join(", ")),
            "metricsConfig.metrics",
            "Member must have length less than or equal to 3",
        ));
    }
    if list.iter().any(|m| !METRIC_KINDS.contains(&m.as_str())) {
        return Err(LambdaError::validation(
            &format!("[{}]", list.join(", ")),
            "metricsConfig.metrics",
            &format!(
                "Member must satisfy constraint: [Member must satisfy enum value set: [{}]]",
                METRIC_KINDS.join(", ")
            ),
        ));
    }
    if let Some(bad) = list.iter().find(|m| *m != "EventCount") {
        return Err(LambdaError::new(
            LambdaErrorCode::InvalidParameterValue,
            format!("Unsupported metric {bad} for given event source."),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for m in list {
        if !out.contains(&m) {
            out.push(m);
        }
    }
    Ok(out)
}

fn validate(input: &MappingInput) -> Result<Settings, LambdaError> {
    for (k, v) in &input.other {
        if STREAM_MEMBERS.contains(&k.as_str()) && !v.is_null() {
            return Err(LambdaError::new(
                LambdaErrorCode::InvalidParameterValue,
                format!("Unsupported {k} parameter for given event source."),
            ));
        }
    }
    let batch_size = input
        .batch_size
        .map(|b| check_range(b, "batchSize", 1, MAX_BATCH_SIZE))
        .transpose()?;
    let window = input
        .maximum_batching_window_in_seconds
        .map(|w| check_range(w, "maximumBatchingWindowInSeconds", 0, MAX_BATCHING_WINDOW))
        .transpose()?;
    let response_types = match &input.function_response_types {
        None => None,
        Some(list) => {
            if list.len() > 1 {
                return Err(LambdaError::validation(
                    &format!("[{}]", list.join(", ")),
                    "functionResponseTypes",
                    "Member must have length less than or equal to 1",
                ));
            }
            if let Some(bad) = list.iter().find(|t| *t != "ReportBatchItemFailures") {
                return Err(LambdaError::validation(
                    &format!("[{bad}]"),
                    "functionResponseTypes",
                    "Member must satisfy constraint: [Member must satisfy enum value set: [ReportBatchItemFailures]]",
                ));
            }
            Some(list.clone())
        }
    };
    let max_concurrency = match &input.scaling_config {
        None => None,
        Some(sc) => Some(
            sc.maximum_concurrency
                .map(|n| check_range(n, "scalingConfig.maximumConcurrency", 2, 1000))
                .transpose()?,
        ),
    };
    let filters = match &input.filter_criteria {
        None => None,
        Some(fc) => {
            let list = fc.filters.as_deref().unwrap_or_default();
            if list.len() > MAX_FILTERS {
                return Err(LambdaError::new(
                    LambdaErrorCode::InvalidParameterValue,
                    format!(
                        "The total number of filters ({}) exceeds the limit of {MAX_FILTERS}.",
                        list.len()
                    ),
                ));
            }
            let mut out = Vec::with_capacity(list.len());
            for f in list {
                let p = f.pattern.clone().unwrap_or_default();
                if p.len() > MAX_PATTERN_LEN {
                    return Err(LambdaError::validation(
                        &p,
                        "filterCriteria.filters.member.pattern",
                        &format!("Member must have length less than or equal to {MAX_PATTERN_LEN}"),
                    ));
                }
                if Pattern::parse(&p).is_err() {
                    return Err(LambdaError::new(
                        LambdaErrorCode::InvalidParameterValue,
                        "Invalid filter pattern definition.",
                    ));
                }
                out.push(p);
            }
            Some((!out.is_empty()).then_some(out))
        }
    };
    let metrics = input
        .metrics_config
        .as_ref()
        .map(validate_metrics)
        .transpose()?;
    Ok(Settings {
        batch_size,
        window,
        filters,
        response_types,
        max_concurrency,
        metrics,
    })
}

/// The rules that involve several members and the queue's kind.
fn check_combination(rec: &MappingRecord, fifo: bool) -> Result<(), LambdaError> {
    if fifo && rec.batching_window_secs > 0 {
        return Err(LambdaError::new(
            LambdaErrorCode::InvalidParameterValue,
            "Batching window is not supported for FIFO queues",
        ));
    }
    if fifo && i64::from(rec.batch_size) > MAX_FIFO_BATCH_SIZE {
        return Err(LambdaError::new(
            LambdaErrorCode::InvalidParameterValue,
            format!("Maximum batch size must be between 1 and {MAX_FIFO_BATCH_SIZE} inclusive"),
        ));
    }
    if rec.batch_size > 10 && rec.batching_window_secs == 0 {
        return Err(LambdaError::new(
            LambdaErrorCode::InvalidParameterValue,
            "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10",
        ));
    }
    Ok(())
}

impl LambdaService {
    /// Whether the queue exists and is FIFO, with AWS's error for a missing queue; with a
    /// `reader` (the function's execution role), also whether it may consume the queue, with
    /// AWS's error when it may not (a queue of another account whose policy does not grant
    /// the role; the role's own policies under `--enforce-iam`).
    async fn mapped_queue(
        &self,
        arn_text: &str,
        reader: Option<&Caller>,
    ) -> Result<bool, LambdaError> {
        let arn: Arn = arn_text.parse().map_err(|_| {
            LambdaError::validation(
                arn_text,
                "eventSourceArn",
                "Member must satisfy regular expression pattern: arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}(-gov)?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)",
            )
        })?;
        if arn.service != "sqs" {
            return Err(LambdaError::new(
                LambdaErrorCode::InvalidParameterValue,
                format!(
                    "nimbus supports Amazon SQS event sources only; {arn_text} is not a queue."
                ),
            ));
        }
        let consumer = self.env.bus.queue_consumer().map_err(|_| {
            sqs_receive_error("ServiceUnavailable", "SQS is not running in this nimbus.")
        })?;
        let fifo = match consumer.consumed_queue(&arn).await {
            Ok(q) => q.fifo,
            Err(_) => {
                return Err(sqs_receive_error(
                    "AWS.SimpleQueueService.NonExistentQueue",
                    "The specified queue does not exist or you do not have access to it.",
                ));
            }
        };
        if let Some(reader) = reader
            && consumer.permits_reader(&arn, reader).await.is_err()
        {
            return Err(LambdaError::new(
                LambdaErrorCode::InvalidParameterValue,
                "The function execution role does not have permissions to call ReceiveMessage on SQS",
            ));
        }
        Ok(fifo)
    }

    fn mapping_in_scope(&self, ctx: &Ctx<'_>, uuid: &str) -> Result<MappingRecord, LambdaError> {
        self.event_sources
            .get(uuid)
            .filter(|r| r.function.account == ctx.account && r.function.region == ctx.region)
            .ok_or_else(not_found)
    }

    /// CreateEventSourceMapping.
    pub async fn create_event_source_mapping(
        &self,
        ctx: &Ctx<'_>,
        body: &[u8],
    ) -> Result<Value, LambdaError> {
        let input: MappingInput = super::parse_body(body)?;
        let function_name = input.function_name.clone().ok_or_else(|| {
            LambdaError::validation("null", "functionName", "Member must not be null")
        })?;
        let settings = validate(&input)?;
        let key: FunctionKey = self.resolve(ctx, &function_name, None)?;
        let function = self.function(&key)?;
        let Some(source) = input.event_source_arn.clone() else {
            return Err(LambdaError::new(
                LambdaErrorCode::InvalidParameterValue,
                "Unrecognized event source, must be kafka or specify an event source arn",
            ));
        };
        let reader = crate::execution_role::caller(&self.env.bus, &function);
        let fifo = self.mapped_queue(&source, Some(&reader)).await?;
        if let Some(existing) = self
            .event_sources
            .all()
            .into_iter()
            .find(|r| r.function == key && r.event_source_arn == source)
        {
            return Err(LambdaError::new(
                LambdaErrorCode::ResourceConflict,
                format!(
                    "An event source mapping with SQS arn (\" {source} \") and function (\" {} \") already exists. Please update or delete the existing mapping with UUID {}",
                    key.name, existing.uuid
                ),
            ));
        }
        let now = self.event_sources.now();
        let rec = MappingRecord {
            uuid: nimbus_core::ids::uuid(),
            created: now,
            function: key,
            event_source_arn: source,
            batch_size: settings.batch_size.unwrap_or(DEFAULT_BATCH_SIZE),
            batching_window_secs: settings.window.unwrap_or(0),
            enabled: input.enabled.unwrap_or(true),
            state: state::CREATING.to_owned(),
            state_reason: "USER_INITIATED".to_owned(),
            filters: settings.filters.flatten(),
            function_response_types: settings.response_types.unwrap_or_default(),
            maximum_concurrency: settings.max_concurrency.flatten(),
            metrics_config: settings.metrics,
            last_modified: now,
        };
        check_combination(&rec, fifo)?;
        let _ = &input.tags;
        let rec = self.event_sources.insert(rec)?;
        Ok(rec.configuration())
    }

    /// GetEventSourceMapping.
    pub async fn get_event_source_mapping(
        &self,
        ctx: &Ctx<'_>,
        uuid: &str,
    ) -> Result<Value, LambdaError> {
        Ok(self.mapping_in_scope(ctx, uuid)?.configuration())
    }

    /// ListEventSourceMappings: by function and/or source, paged by `Marker`/`MaxItems`.
    pub async fn list_event_source_mappings(
        &self,
        ctx: &Ctx<'_>,
        query: Option<&str>,
    ) -> Result<Value, LambdaError> {
        let function = super::query_param(query, "FunctionName")
            .map(|f| self.resolve(ctx, &f, None))
            .transpose()?;
        let source = super::query_param(query, "EventSourceArn");
        let max_items = match super::query_param(query, "MaxItems") {
            None => DEFAULT_MAX_ITEMS,
            Some(m) => {
                let n: i64 = m.parse().map_err(|_| {
                    LambdaError::new(
                        LambdaErrorCode::InvalidParameterValue,
                        format!("Invalid MaxItems: {m}"),
                    )
                })?;
                (check_range(n, "maxItems", 1, 10_000)? as usize).min(DEFAULT_MAX_ITEMS)
            }
        };
        let start = match super::query_param(query, "Marker") {
            None => 0,
            Some(m) => m.parse::<usize>().map_err(|_| {
                LambdaError::new(
                    LambdaErrorCode::InvalidParameterValue,
                    "Invalid pagination marker.",
                )
            })?,
        };
        let all: Vec<MappingRecord> = self
            .event_sources
            .all()
            .into_iter()
            .filter(|r| r.function.account == ctx.account && r.function.region == ctx.region)
            .filter(|r| function.as_ref().is_none_or(|f| &r.function == f))
            .filter(|r| source.as_ref().is_none_or(|s| &r.event_source_arn == s))
            .collect();
        let page: Vec<Value> = all
            .iter()
            .skip(start)
            .take(max_items)
            .map(MappingRecord::configuration)
            .collect();
        let mut out = json!({ "EventSourceMappings": page });
        if start + max_items < all.len() {
            out["NextMarker"] = json!((start + max_items).to_string());
        }
        Ok(out)
    }

    /// UpdateEventSourceMapping.
    pub async fn update_event_source_mapping(
        &self,
        ctx: &Ctx<'_>,
        uuid: &str,
        body: &[u8],
    ) -> Result<Value, LambdaError> {
        let input: MappingInput = super::parse_body(body)?;
        self.mapping_in_scope(ctx, uuid)?;
        let settings = validate(&input)?;
        let mut rec = self
            .event_sources
            .settled(uuid)
            .await
            .ok_or_else(not_found)?;
        if rec.state == state::DELETING {
            return Err(not_found());
        }
        if let Some(f) = &input.function_name {
            let key = self.resolve(ctx, f, None)?;
            self.function(&key)?;
            rec.function = key;
        }
        if let Some(b) = settings.batch_size {
            rec.batch_size = b;
        }
        if let Some(w) = settings.window {
            rec.batching_window_secs = w;
        }
        if let Some(f) = settings.filters {
            rec.filters = f;
        }
        if let Some(t) = settings.response_types {
            rec.function_response_types = t;
        }
        if let Some(c) = settings.max_concurrency {
            rec.maximum_concurrency = c;
        }
        if let Some(m) = settings.metrics {
            rec.metrics_config = Some(m);
        }
        let fifo = self
            .mapped_queue(&rec.event_source_arn, None)
            .await
            .unwrap_or(false);
        check_combination(&rec, fifo)?;
        let was_enabled = rec.enabled;
        if let Some(e) = input.enabled {
            rec.enabled = e;
        }
        rec.state = match (was_enabled, rec.enabled) {
            (false, true) => state::ENABLING,
            (true, false) => state::DISABLING,
            _ => state::UPDATING,
        }
        .to_owned();
        rec.state_reason = "USER_INITIATED".to_owned();
        rec.last_modified = self.event_sources.now().max(rec.last_modified + 1);
        let rec = self.event_sources.update(rec)?;
        Ok(rec.configuration())
    }

    /// DeleteEventSourceMapping: answers with the mapping in `Deleting`.
    pub async fn delete_event_source_mapping(
        &self,
        ctx: &Ctx<'_>,
        uuid: &str,
    ) -> Result<Value, LambdaError> {
        self.mapping_in_scope(ctx, uuid)?;
        let mut rec = self
            .event_sources
            .settled(uuid)
            .await
            .ok_or_else(not_found)?;
        rec.state = state::DELETING.to_owned();
        rec.state_reason = "USER_INITIATED".to_owned();
        rec.last_modified = self.event_sources.now().max(rec.last_modified + 1);
        let rec = self.event_sources.update(rec)?;
        Ok(rec.configuration())
    }
}
