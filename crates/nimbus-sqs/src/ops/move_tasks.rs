//! Dead-letter queue operations: ListDeadLetterSourceQueues, and the message move tasks
//! (StartMessageMoveTask, CancelMessageMoveTask, ListMessageMoveTasks), which answer
//! `UnsupportedOperation` until dead-letter redrive lands.

use nimbus_wire::query::QueryParams;
use nimbus_wire::{Response, xml};
use serde::{Deserialize, Serialize};

use super::queues::{decode_token, encode_token, max_results};
use super::{Input, Output, parse, query_int, query_str, resolve_queue, respond};
use crate::SqsService;
use crate::error::{Result, SqsError};
use crate::ops::Call;

/// ListDeadLetterSourceQueues input.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct ListDeadLetterSourceQueuesInput {
    queue_url: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

impl Input for ListDeadLetterSourceQueuesInput {
    fn from_query(p: &QueryParams) -> Result<Self> {
        Ok(ListDeadLetterSourceQueuesInput {
            queue_url: query_str(p, "QueueUrl"),
            next_token: query_str(p, "NextToken"),
            max_results: query_int(p, "MaxResults")?,
        })
    }
}

/// ListDeadLetterSourceQueues output (note the lower-case `queueUrls` of the model).
#[derive(Serialize)]
pub struct ListDeadLetterSourceQueuesOutput {
    #[serde(rename = "queueUrls")]
    queue_urls: Vec<String>,
    #[serde(rename = "NextToken", skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

impl Output for ListDeadLetterSourceQueuesOutput {
    fn write_xml(&self, w: &mut xml::Writer) {
        for u in &self.queue_urls {
            w.elem("QueueUrl", u);
        }
        w.opt("NextToken", self.next_token.as_deref());
    }
}

/// ListDeadLetterSourceQueues: the queues whose `RedrivePolicy` targets this queue.
pub async fn list_dead_letter_source_queues(svc: &SqsService, req: &Call) -> Result<Response> {
    let input: ListDeadLetterSourceQueuesInput = parse(req)?;
    let max = max_results(input.max_results)?;
    let after = match input.next_token.as_deref() {
        None | Some("") => None,
        Some(t) => Some(decode_token(t)?),
    };
    let dlq = resolve_queue(svc, req, input.queue_url.as_deref())?;
    let mut sources: Vec<_> = svc
        .engine()
        .all_queues()
        .into_iter()
        .filter(|q| {
            q.key.account == dlq.key.account
                && q.key.region == dlq.key.region
                && q.with_state(|st| {
                    st.attributes
                        .redrive_policy
                        .as_ref()
                        .is_some_and(|p| p.dead_letter_target_arn == dlq.arn)
                })
        })
        .collect();
    sources.sort_by(|a, b| a.key.name.cmp(&b.key.name));
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
        "ListDeadLetterSourceQueues",
        &ListDeadLetterSourceQueuesOutput {
            queue_urls: urls,
            next_token,
        },
    ))
}

/// StartMessageMoveTask, CancelMessageMoveTask, ListMessageMoveTasks: not available yet.
pub async fn message_move_task(_svc: &SqsService, _req: &Call, action: &str) -> Result<Response> {
    Err(SqsError::UnsupportedOperation(format!(
        "{action} is not supported by this version of nimbus yet: message move tasks arrive with dead-letter redrive."
    )))
}
