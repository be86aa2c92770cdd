//! ChangeMessageVisibility and ChangeMessageVisibilityBatch.

use nimbus_wire::Response;
use serde::Deserialize;

use super::batch::{BatchResultErrorEntry, IdBatchOutput};
use crate::SqsService;
use crate::error::{Result, SqsError};
use crate::ops::Call;
use crate::ops::{parse, required, resolve_queue, respond, respond_empty};
use crate::validate;

/// ChangeMessageVisibility input, and one ChangeMessageVisibilityBatch entry.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct ChangeMessageVisibilityInput {
    queue_url: Option<String>,
    id: Option<String>,
    receipt_handle: Option<String>,
    visibility_timeout: Option<i64>,
}

impl ChangeMessageVisibilityInput {
    /// The handle and the timeout, checked: both present, the timeout within 0–43200.
    fn checked(&self) -> Result<(&str, u32)> {
        let handle = required(&self.receipt_handle, "ReceiptHandle")?;
        let timeout = self
            .visibility_timeout
            .ok_or_else(|| SqsError::missing_parameter("VisibilityTimeout"))?;
        Ok((handle, validate::visibility_timeout(timeout)?))
    }
}

/// ChangeMessageVisibility.
pub async fn change_message_visibility(svc: &SqsService, req: &mut Call) -> Result<Response> {
    let input: ChangeMessageVisibilityInput = parse(req)?;
    let queue = resolve_queue(svc, req, input.queue_url.as_deref())?;
    let entry = input.checked()?;
    let (mut results, ack) = svc.engine().change_visibility(&queue, &[entry])?;
    if let Some(Err(e)) = results.pop() {
        return Err(e);
    }
    ack.wait().await?;
    Ok(respond_empty(req))
}

/// ChangeMessageVisibilityBatch input.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct ChangeMessageVisibilityBatchInput {
    queue_url: Option<String>,
    #[serde(alias = "ChangeMessageVisibilityBatchRequestEntry")]
    entries: Option<Vec<ChangeMessageVisibilityInput>>,
}

/// ChangeMessageVisibilityBatch.
pub async fn change_message_visibility_batch(svc: &SqsService, req: &mut Call) -> Result<Response> {
    let input: ChangeMessageVisibilityBatchInput = parse(req)?;
    let entries = input.entries.unwrap_or_default();
    let ids: Vec<&str> = entries
        .iter()
        .map(|e| e.id.as_deref().unwrap_or(""))
        .collect();
    validate::batch_entry_ids(&ids, "ChangeMessageVisibilityBatchRequestEntry")?;
    let queue = resolve_queue(svc, req, input.queue_url.as_deref())?;
    let mut failed = Vec::new();
    let mut pending: Vec<(&str, (&str, u32))> = Vec::with_capacity(entries.len());
    for e in &entries {
        let id = e.id.as_deref().unwrap_or_default();
        match e.checked() {
            Ok(entry) => pending.push((id, entry)),
            Err(err) => failed.push(BatchResultErrorEntry::new(id, &err)),
        }
    }
    let changes: Vec<(&str, u32)> = pending.iter().map(|(_, c)| *c).collect();
    let (results, ack) = svc.engine().change_visibility(&queue, &changes)?;
    ack.wait().await?;
    let output = IdBatchOutput::from_results(
        pending.iter().map(|(id, _)| *id),
        results,
        failed,
        "ChangeMessageVisibilityBatchOutput",
    );
    Ok(respond(req, &output))
}
