//! SendMessage and SendMessageBatch.

use std::sync::Arc;

use nimbus_wire::Response;
use serde::{Deserialize, Serialize};

use super::batch::BatchResultErrorEntry;
use crate::SqsService;
use crate::engine::message::{Payload, PayloadExtra};
use crate::engine::messages::{Outgoing, Sent};
use crate::error::{Result, SqsError};
use crate::message_attributes::{self as attrs, MessageAttributes};
use crate::ops::Call;
use crate::ops::{parse, resolve_queue, respond};
use crate::validate;

/// Where an entry's attributes come from, parsed only when the entry is built (so that in a
/// batch a malformed attribute fails its entry only).
enum AttributeSource {
    Json(Option<serde_json::Value>),
    Query(Vec<attrs::QueryAttribute>),
}

impl AttributeSource {
    fn parse(&self, operation: &str) -> Result<MessageAttributes> {
        match self {
            AttributeSource::Json(None) => Ok(MessageAttributes::new()),
            AttributeSource::Json(Some(v)) => attrs::parse_json(v, operation),
            AttributeSource::Query(list) => attrs::parse_query(list, operation),
        }
    }
}

/// One message to send: SendMessage's input, or one entry of SendMessageBatch. The message
/// attributes are a map in awsJson (`MessageAttributes`) and a list in awsQuery
/// (`MessageAttribute.N.Name/Value.*`), with different errors, so each has its member.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct SendEntry {
    /// The queue (SendMessage only).
    queue_url: Option<String>,
    /// The batch entry id (SendMessageBatch only).
    id: Option<String>,
    message_body: Option<String>,
    delay_seconds: Option<i64>,
    #[serde(default)]
    message_attributes: Option<serde_json::Value>,
    #[serde(default)]
    message_system_attributes: Option<serde_json::Value>,
    message_deduplication_id: Option<String>,
    message_group_id: Option<String>,
    #[serde(rename = "MessageAttribute")]
    query_message_attributes: Option<Vec<attrs::QueryAttribute>>,
    #[serde(rename = "MessageSystemAttribute")]
    query_message_system_attributes: Option<Vec<attrs::QueryAttribute>>,
}

impl SendEntry {
    /// The user and system attribute sources of a request in awsQuery (`query`) or awsJson.
    fn attribute_sources(&mut self, query: bool) -> (AttributeSource, AttributeSource) {
        if query {
            (
                AttributeSource::Query(self.query_message_attributes.take().unwrap_or_default()),
                AttributeSource::Query(
                    self.query_message_system_attributes
                        .take()
                        .unwrap_or_default(),
                ),
            )
        } else {
            (
                AttributeSource::Json(self.message_attributes.take()),
                AttributeSource::Json(self.message_system_attributes.take()),
            )
        }
    }
}

/// Checks a message group id: 1–128 characters of letters, digits and punctuation.
fn validate_group_id(id: &str) -> Result<()> {
    if id.is_empty() || id.len() > 128 || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(SqsError::invalid_parameter_value(format!(
            "Value {id} for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length."
        )));
    }
    Ok(())
}

/// Checks a message deduplication id: 1–128 characters of letters, digits and punctuation.
fn validate_dedup_id(id: &str) -> Result<()> {
    if id.is_empty() || id.len() > 128 || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(SqsError::invalid_parameter_value(format!(
            "Value {id} for parameter MessageDeduplicationId is invalid. Reason: MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length."
        )));
    }
    Ok(())
}

/// What sending needs to know about the queue: its type and whether it deduplicates by
/// content.
#[derive(Clone, Copy)]
struct QueueKind {
    fifo: bool,
    content_based_deduplication: bool,
}

impl QueueKind {
    fn of(queue: &crate::engine::queue::Queue) -> QueueKind {
        queue.with_state(|st| QueueKind {
            fifo: st.attributes.fifo_queue,
            content_based_deduplication: st.attributes.content_based_deduplication,
        })
    }
}

/// Builds the message an entry describes, with every check that does not depend on the
/// queue's state: body present and in the allowed character set, delay within 0–900,
/// attributes valid; on a standard queue no deduplication id; on a FIFO queue a group id,
/// a deduplication id (or content-based deduplication: the SHA-256 of the body) and no
/// per-message delay.
fn build(
    mut entry: SendEntry,
    sender: &Arc<str>,
    operation: &str,
    kind: QueueKind,
    query: bool,
) -> Result<Outgoing> {
    let (user_src, system_src) = entry.attribute_sources(query);
    let body = entry.message_body.take().unwrap_or_default();
    validate::message_body(&body)?;
    let delay_seconds = entry
        .delay_seconds
        .map(validate::delay_seconds)
        .transpose()?;
    let user = user_src.parse(operation)?;
    attrs::validate(&user)?;
    let system = system_src.parse(operation)?;
    attrs::validate_system(&system)?;
    let mut dedup_id = None;
    if kind.fifo {
        let Some(g) = &entry.message_group_id else {
            return Err(SqsError::missing_parameter("MessageGroupId"));
        };
        validate_group_id(g)?;
        if let Some(d) = delay_seconds.filter(|d| *d != 0) {
            return Err(SqsError::invalid_parameter_value(format!(
                "Value {d} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type."
            )));
        }
        dedup_id = match entry.message_deduplication_id.take() {
            Some(d) => {
                validate_dedup_id(&d)?;
                Some(d)
            }
            None if kind.content_based_deduplication => {
                Some(crate::engine::fifo::content_dedup_id(&body))
            }
            None => {
                return Err(SqsError::invalid_parameter_value(
                    "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
                ));
            }
        };
    } else {
        if let Some(d) = &entry.message_deduplication_id {
            return Err(SqsError::invalid_parameter_value(format!(
                "Value {d} for parameter MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid for this queue type."
            )));
        }
        if let Some(g) = &entry.message_group_id {
            validate_group_id(g)?;
        }
    }
    let size = body.len() + attrs::size_of(&user);
    let extra = PayloadExtra {
        md5_of_attributes: (!user.is_empty()).then(|| attrs::md5_of_message_attributes(&user)),
        attributes: user,
        md5_of_system_attributes: (!system.is_empty())
            .then(|| attrs::md5_of_message_system_attributes(&system)),
        system_attributes: system,
        group_id: entry.message_group_id,
        dedup_id,
        source_arn: None,
    };
    Ok(Outgoing {
        payload: Arc::new(Payload::new(body, sender.clone(), extra)),
        delay_seconds,
        size,
    })
}

/// The `SenderId` of messages sent by the request's caller.
fn sender_of(req: &Call) -> Arc<str> {
    Arc::from(req.ctx.account.as_str())
}

// ---------------------------------------------------------------- SendMessage

/// SendMessage input: one entry naming its queue.
pub type SendMessageInput = SendEntry;

/// SendMessage output, and a successful SendMessageBatch entry (with its `Id`).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SendMessageOutput {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(rename = "MD5OfMessageBody")]
    md5_of_message_body: String,
    #[serde(
        rename = "MD5OfMessageAttributes",
        skip_serializing_if = "Option::is_none"
    )]
    md5_of_message_attributes: Option<String>,
    #[serde(
        rename = "MD5OfMessageSystemAttributes",
        skip_serializing_if = "Option::is_none"
    )]
    md5_of_message_system_attributes: Option<String>,
    message_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    sequence_number: Option<String>,
}

impl SendMessageOutput {
    fn of(p: &Payload, sent: &Sent, fifo: bool) -> SendMessageOutput {
        SendMessageOutput {
            id: None,
            md5_of_message_body: p.md5_of_body_hex(),
            md5_of_message_attributes: p.md5_of_attributes().map(str::to_owned),
            md5_of_message_system_attributes: p.md5_of_system_attributes().map(str::to_owned),
            message_id: sent.message_id.to_string(),
            sequence_number: fifo.then(|| crate::engine::fifo::sequence_number(sent.seq)),
        }
    }
}

/// SendMessage.
pub async fn send_message(svc: &SqsService, req: &mut Call) -> Result<Response> {
    let mut input: SendMessageInput = parse(req)?;
    let queue = resolve_queue(svc, req, input.queue_url.take().as_deref())?;
    let kind = QueueKind::of(&queue);
    let outgoing = build(
        input,
        &sender_of(req),
        "SendMessage",
        kind,
        req.form.is_some(),
    )?;
    let payload = outgoing.payload.clone();
    let (mut results, ack) = svc.engine().send(&queue, vec![outgoing])?;
    let sent = match results.pop() {
        Some(Ok(s)) => s,
        Some(Err(e)) => return Err(e),
        None => return Err(SqsError::internal("no send result")),
    };
    ack.wait().await?;
    Ok(respond(
        req,
        &SendMessageOutput::of(&payload, &sent, kind.fifo),
    ))
}

// ---------------------------------------------------------------- SendMessageBatch

/// SendMessageBatch input.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct SendMessageBatchInput {
    queue_url: Option<String>,
    #[serde(alias = "SendMessageBatchRequestEntry")]
    entries: Option<Vec<SendEntry>>,
}

/// SendMessageBatch output.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SendMessageBatchOutput {
    successful: Vec<SendMessageOutput>,
    failed: Vec<BatchResultErrorEntry>,
}

/// SendMessageBatch.
pub async fn send_message_batch(svc: &SqsService, req: &mut Call) -> Result<Response> {
    let input: SendMessageBatchInput = parse(req)?;
    let entries = input.entries.unwrap_or_default();
    let ids: Vec<&str> = entries
        .iter()
        .map(|e| e.id.as_deref().unwrap_or(""))
        .collect();
    validate::batch_entry_ids(&ids, "SendMessageBatchRequestEntry")?;
    let queue = resolve_queue(svc, req, input.queue_url.as_deref())?;
    let kind = QueueKind::of(&queue);
    let sender = sender_of(req);
    let query = req.form.is_some();

    // Build every entry; a failing entry fails alone.
    let mut failed = Vec::new();
    let mut built: Vec<(String, Outgoing)> = Vec::with_capacity(entries.len());
    for e in entries {
        let id = e.id.clone().unwrap_or_default();
        match build(e, &sender, "SendMessageBatch", kind, query) {
            Ok(o) => built.push((id, o)),
            Err(err) => failed.push(BatchResultErrorEntry::new(&id, &err)),
        }
    }
    let total: usize = built.iter().map(|(_, o)| o.size).sum();
    validate::batch_request_size(total)?;
    let (ids, outgoing): (Vec<String>, Vec<Outgoing>) = built.into_iter().unzip();
    let payloads: Vec<Arc<Payload>> = outgoing.iter().map(|o| o.payload.clone()).collect();
    let (results, ack) = svc.engine().send(&queue, outgoing)?;
    ack.wait().await?;
    let mut successful = Vec::with_capacity(ids.len());
    for ((id, payload), result) in ids.into_iter().zip(payloads).zip(results) {
        match result {
            Ok(sent) => successful.push(SendMessageOutput {
                id: Some(id),
                ..SendMessageOutput::of(&payload, &sent, kind.fifo)
            }),
            Err(err) => failed.push(BatchResultErrorEntry::new(&id, &err)),
        }
    }
    Ok(respond(req, &SendMessageBatchOutput { successful, failed }))
}
