//! DeleteMessage and DeleteMessageBatch.

use nimbus_wire::Response;
use serde::Deserialize;

use super::batch::{BatchResultErrorEntry, IdBatchOutput};
use crate::SqsService;
use crate::error::{Result, SqsError};
use crate::ops::Call;
use crate::ops::{parse, required, resolve_queue, respond, respond_empty};
use crate::validate;

/// DeleteMessage input, and one DeleteMessageBatch entry.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteMessageInput {
    queue_url: Option<String>,
    id: Option<String>,
    receipt_handle: Option<String>,
}

/// DeleteMessage.
pub async fn delete_message(svc: &SqsService, req: &mut Call) -> Result<Response> {
    let input: DeleteMessageInput = parse(req)?;
    let queue = resolve_queue(svc, req, input.queue_url.as_deref())?;
    let handle = required(&input.receipt_handle, "ReceiptHandle")?;
    let (mut results, ack) = svc.engine().delete_messages(&queue, &[handle])?;
    if let Some(Err(e)) = results.pop() {
        return Err(e);
    }
    ack.wait().await?;
    Ok(respond_empty(req))
}

/// DeleteMessageBatch input.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteMessageBatchInput {
    queue_url: Option<String>,
    #[serde(alias = "DeleteMessageBatchRequestEntry")]
    entries: Option<Vec<DeleteMessageInput>>,
}

/// DeleteMessageBatch.
pub async fn delete_message_batch(svc: &SqsService, req: &mut Call) -> Result<Response> {
    let input: DeleteMessageBatchInput = parse(req)?;
    let entries = input.entries.unwrap_or_default();
    let ids: Vec<&str> = entries
        .iter()
        .map(|e| e.id.as_deref().unwrap_or(""))
        .collect();
    validate::batch_entry_ids(&ids, "DeleteMessageBatchRequestEntry")?;
    let queue = resolve_queue(svc, req, input.queue_url.as_deref())?;
    let mut failed = Vec::new();
    let mut pending: Vec<(&str, &str)> = Vec::with_capacity(entries.len());
    for e in &entries {
        let id = e.id.as_deref().unwrap_or_default();
        match e.receipt_handle.as_deref() {
            Some(h) => pending.push((id, h)),
            None => failed.push(BatchResultErrorEntry::new(
                id,
                &SqsError::missing_parameter("ReceiptHandle"),
            )),
        }
    }
    let handles: Vec<&str> = pending.iter().map(|(_, h)| *h).collect();
    let (results, ack) = svc.engine().delete_messages(&queue, &handles)?;
    ack.wait().await?;
    let output = IdBatchOutput::from_results(
        pending.iter().map(|(id, _)| *id),
        results,
        failed,
        "DeleteMessageBatchOutput",
    );
    Ok(respond(req, &output))
}
