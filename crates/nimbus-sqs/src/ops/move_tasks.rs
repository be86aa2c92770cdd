//! Dead-letter queue operations: ListDeadLetterSourceQueues, and the message move tasks
//! (StartMessageMoveTask, CancelMessageMoveTask, ListMessageMoveTasks).

use nimbus_wire::Response;
use serde::{Deserialize, Serialize};

use super::queues::{decode_token, encode_token, max_results};
use super::{parse, required, resolve_queue, respond};
use crate::SqsService;
use crate::engine::move_tasks::{StartTask, TaskStatus};
use crate::error::{Result, SqsError, SqsErrorCode};
use crate::ops::Call;

/// ListDeadLetterSourceQueues input.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct ListDeadLetterSourceQueuesInput {
    queue_url: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

/// ListDeadLetterSourceQueues output (note the lower-case `queueUrls` of the model).
#[derive(Serialize)]
pub struct ListDeadLetterSourceQueuesOutput {
    #[serde(rename = "queueUrls")]
    queue_urls: Vec<String>,
    #[serde(rename = "NextToken", skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

/// ListDeadLetterSourceQueues: the queues whose `RedrivePolicy` targets this queue.
pub async fn list_dead_letter_source_queues(svc: &SqsService, req: &mut Call) -> Result<Response> {
    let input: ListDeadLetterSourceQueuesInput = parse(req)?;
    let max = max_results(input.max_results)?;
    let after = match input.next_token.as_deref() {
        None | Some("") => None,
        Some(t) => Some(decode_token(t)?),
    };
    let dlq = resolve_queue(svc, req, input.queue_url.as_deref())?;
    let sources = svc.engine().dead_letter_sources(&dlq);
    let limit = max.unwrap_or(1000);
    let mut remaining = sources
        .iter()
        .filter(|q| after.as_deref().is_none_or(|a| q.key.name.as_str() > a));
    let mut urls = Vec::new();
    let mut last = "";
    for q in remaining.by_ref().take(limit) {
        urls.push(q.key.url(&req.ctx.host));
        last = &q.key.name;
    }
    let next_token = (max.is_some() && remaining.next().is_some()).then(|| encode_token(last));
    Ok(respond(
        req,
        &ListDeadLetterSourceQueuesOutput {
            queue_urls: urls,
            next_token,
        },
    ))
}

// ---------------------------------------------------------------- move tasks

/// StartMessageMoveTask input.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct StartMessageMoveTaskInput {
    source_arn: Option<String>,
    destination_arn: Option<String>,
    max_number_of_messages_per_second: Option<i64>,
}

/// StartMessageMoveTask output.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StartMessageMoveTaskOutput {
    task_handle: String,
}

/// The queue an ARN parameter names, in the caller's account (`ResourceNotFoundException`
/// otherwise), with the call's action authorized on it.
fn queue_of_arn(
    svc: &SqsService,
    req: &Call,
    arn: &str,
    parameter: &str,
) -> Result<std::sync::Arc<crate::engine::queue::Queue>> {
    let queue = svc
        .engine()
        .queue_by_arn_str(arn)
        .filter(|q| q.key.account == req.ctx.account)
        .ok_or_else(|| {
            SqsError::new(
                SqsErrorCode::ResourceNotFound,
                format!(
                    "The resource that you specified for the {parameter} parameter doesn't exist."
                ),
            )
        })?;
    super::authorize_queue(req, super::iam_action(req.op), &queue)?;
    Ok(queue)
}

/// The source queue's ARN a task handle carries (base64 of `{"taskId","sourceArn"}`).
fn source_arn_of_handle(handle: &str) -> Option<String> {
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(handle.as_bytes())
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&raw).ok()?;
    v.get("sourceArn")?.as_str().map(str::to_owned)
}

/// StartMessageMoveTask: the source must be a dead-letter queue of some queue; one active
/// task per source.
pub async fn start_message_move_task(svc: &SqsService, req: &mut Call) -> Result<Response> {
    let input: StartMessageMoveTaskInput = parse(req)?;
    let source_arn = required(&input.source_arn, "SourceArn")?;
    let rate = match input.max_number_of_messages_per_second {
        None => None,
        Some(n) if (1..=500).contains(&n) => Some(n as u32),
        Some(n) => {
            return Err(SqsError::invalid_parameter_value(format!(
                "Value {n} for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be between 1 and 500."
            )));
        }
    };
    let source = queue_of_arn(svc, req, source_arn, "SourceArn")?;
    let destination = match input.destination_arn.as_deref().filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => Some(queue_of_arn(svc, req, d, "DestinationArn")?),
    };
    if svc.engine().dead_letter_sources(&source).is_empty() {
        return Err(SqsError::invalid_parameter_value(
            "Source queue must be configured as a Dead Letter Queue.",
        ));
    }
    if let Some(d) = &destination
        && d.id == source.id
    {
        return Err(SqsError::invalid_parameter_value(
            "Source queue and destination queue must be different.",
        ));
    }
    let task = svc.engine().start_move_task(StartTask {
        source,
        destination,
        max_per_second: rate,
    })?;
    svc.spawn_move_task(task.id.clone());
    Ok(respond(
        req,
        &StartMessageMoveTaskOutput {
            task_handle: task.handle(),
        },
    ))
}

/// CancelMessageMoveTask input.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct CancelMessageMoveTaskInput {
    task_handle: Option<String>,
}

/// CancelMessageMoveTask output.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CancelMessageMoveTaskOutput {
    approximate_number_of_messages_moved: u64,
}

/// CancelMessageMoveTask.
pub async fn cancel_message_move_task(svc: &SqsService, req: &mut Call) -> Result<Response> {
    let input: CancelMessageMoveTaskInput = parse(req)?;
    let handle = required(&input.task_handle, "TaskHandle")?;
    // The task acts on its source queue: another account's task is not the caller's to
    // cancel unless that queue's policy says so.
    if let Some(source) =
        source_arn_of_handle(handle).and_then(|arn| svc.engine().queue_by_arn_str(&arn))
    {
        super::authorize_queue(req, "sqs:CancelMessageMoveTask", &source)?;
    }
    let moved = svc.engine().cancel_move_task(handle)?;
    Ok(respond(
        req,
        &CancelMessageMoveTaskOutput {
            approximate_number_of_messages_moved: moved,
        },
    ))
}

/// ListMessageMoveTasks input.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct ListMessageMoveTasksInput {
    source_arn: Option<String>,
    max_results: Option<i64>,
}

/// One task as ListMessageMoveTasks shows it.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MoveTaskEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    task_handle: Option<String>,
    status: &'static str,
    source_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    destination_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_number_of_messages_per_second: Option<u32>,
    approximate_number_of_messages_moved: u64,
    approximate_number_of_messages_to_move: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure_reason: Option<String>,
    started_timestamp: u64,
}

/// ListMessageMoveTasks output.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListMessageMoveTasksOutput {
    results: Vec<MoveTaskEntry>,
}

/// ListMessageMoveTasks: the most recent tasks of a source, newest first (MaxResults 1–10,
/// default 1).
pub async fn list_message_move_tasks(svc: &SqsService, req: &mut Call) -> Result<Response> {
    let input: ListMessageMoveTasksInput = parse(req)?;
    let source_arn = required(&input.source_arn, "SourceArn")?;
    let max = match input.max_results {
        None => 1,
        Some(n) if (1..=10).contains(&n) => n as usize,
        Some(n) => {
            return Err(SqsError::invalid_parameter_value(format!(
                "Value {n} for parameter MaxResults is invalid. Reason: Must be between 1 and 10."
            )));
        }
    };
    let source = queue_of_arn(svc, req, source_arn, "SourceArn")?;
    let results = svc
        .engine()
        .list_move_tasks(&source.arn, max)
        .into_iter()
        .map(|t| MoveTaskEntry {
            task_handle: (t.status == TaskStatus::Running).then(|| t.handle()),
            status: t.status.as_str(),
            source_arn: t.source_arn,
            destination_arn: t.destination_arn,
            max_number_of_messages_per_second: t.max_per_second,
            approximate_number_of_messages_moved: t.moved,
            approximate_number_of_messages_to_move: t.to_move,
            failure_reason: t.failure_reason,
            started_timestamp: t.started_at,
        })
        .collect();
    Ok(respond(req, &ListMessageMoveTasksOutput { results }))
}
