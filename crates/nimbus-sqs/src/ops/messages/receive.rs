//! ReceiveMessage.

use std::collections::BTreeMap;

use nimbus_wire::Response;
use serde::{Deserialize, Serialize};

use crate::SqsService;
use crate::engine::messages::{Delivered, ReceiveRequest};
use crate::error::{Result, SqsError};
use crate::message_attributes::{self as attrs, MessageAttributes};
use crate::ops::Call;
use crate::ops::{parse, resolve_queue, respond};
use crate::validate;

/// ReceiveMessage input.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct ReceiveMessageInput {
    queue_url: Option<String>,
    #[serde(alias = "AttributeName")]
    attribute_names: Option<Vec<String>>,
    #[serde(alias = "MessageSystemAttributeName")]
    message_system_attribute_names: Option<Vec<String>>,
    #[serde(alias = "MessageAttributeName")]
    message_attribute_names: Option<Vec<String>>,
    max_number_of_messages: Option<i64>,
    visibility_timeout: Option<i64>,
    wait_time_seconds: Option<i64>,
    receive_request_attempt_id: Option<String>,
}

/// The message system attributes a receive asks for.
struct SystemSelection {
    all: bool,
    names: Vec<String>,
}

impl SystemSelection {
    fn wants(&self, name: &str) -> bool {
        self.all || self.names.iter().any(|n| n == name)
    }
}

/// One received message as it goes on the wire.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MessageOut<'a> {
    message_id: String,
    receipt_handle: &'a str,
    #[serde(rename = "MD5OfBody")]
    md5_of_body: String,
    body: &'a str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    attributes: BTreeMap<&'static str, String>,
    #[serde(
        rename = "MD5OfMessageAttributes",
        skip_serializing_if = "Option::is_none"
    )]
    md5_of_message_attributes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message_attributes: Option<MessageAttributes>,
}

impl<'a> MessageOut<'a> {
    fn of(
        d: &'a Delivered,
        system: &SystemSelection,
        attribute_names: &[String],
        wants_attributes: bool,
        fifo: bool,
    ) -> MessageOut<'a> {
        let p = &d.payload;
        let mut attributes = BTreeMap::new();
        if system.wants("SenderId") {
            attributes.insert("SenderId", p.sender_id.to_string());
        }
        if system.wants("SentTimestamp") {
            attributes.insert("SentTimestamp", d.sent_at.to_string());
        }
        if system.wants("ApproximateReceiveCount") {
            attributes.insert("ApproximateReceiveCount", d.receive_count.to_string());
        }
        if system.wants("ApproximateFirstReceiveTimestamp") {
            attributes.insert(
                "ApproximateFirstReceiveTimestamp",
                d.first_receive_at.to_string(),
            );
        }
        if system.wants("AWSTraceHeader")
            && let Some(t) = p.trace_header()
        {
            attributes.insert("AWSTraceHeader", t.to_owned());
        }
        if system.wants("MessageGroupId")
            && let Some(g) = p.group_id()
        {
            attributes.insert("MessageGroupId", g.to_owned());
        }
        if fifo {
            if system.wants("MessageDeduplicationId")
                && let Some(d) = p.dedup_id()
            {
                attributes.insert("MessageDeduplicationId", d.to_owned());
            }
            if system.wants("SequenceNumber") {
                attributes.insert(
                    "SequenceNumber",
                    crate::engine::fifo::sequence_number(d.seq),
                );
            }
        }
        if system.wants("DeadLetterQueueSourceArn")
            && let Some(a) = p.source_arn()
        {
            attributes.insert("DeadLetterQueueSourceArn", a.to_owned());
        }
        let (message_attributes, md5_of_message_attributes) = match p.attributes() {
            Some(all) if wants_attributes => {
                let selected = attrs::select(all, attribute_names);
                let md5 = if selected.is_empty() {
                    None
                } else if selected.len() == all.len() {
                    p.md5_of_attributes().map(str::to_owned)
                } else {
                    Some(attrs::md5_of_message_attributes(&selected))
                };
                (Some(selected), md5)
            }
            _ => (None, None),
        };
        MessageOut {
            message_id: p.id.to_string(),
            receipt_handle: &d.receipt_handle,
            md5_of_body: p.md5_of_body_hex(),
            body: &p.body,
            attributes,
            md5_of_message_attributes,
            message_attributes,
        }
    }
}

/// ReceiveMessage output.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReceiveMessageOutput<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    messages: Vec<MessageOut<'a>>,
}

/// ReceiveMessage.
pub async fn receive_message(svc: &SqsService, req: &mut Call) -> Result<Response> {
    let input: ReceiveMessageInput = parse(req)?;
    let max = input
        .max_number_of_messages
        .map(validate::max_number_of_messages)
        .transpose()?
        .unwrap_or(1);
    let visibility_timeout = input
        .visibility_timeout
        .map(validate::visibility_timeout)
        .transpose()?;
    let wait_time_seconds = input
        .wait_time_seconds
        .map(validate::wait_time_seconds)
        .transpose()?;
    if let Some(id) = &input.receive_request_attempt_id
        && (id.is_empty() || id.len() > 128 || !id.bytes().all(|b| b.is_ascii_graphic()))
    {
        return Err(SqsError::invalid_parameter_value(format!(
            "Value {id} for parameter ReceiveRequestAttemptId is invalid. Reason: ReceiveRequestAttemptId can only include alphanumeric and punctuation characters. 1 to 128 in length."
        )));
    }
    let queue = resolve_queue(svc, req, input.queue_url.as_deref())?;
    let mut names = input.attribute_names.unwrap_or_default();
    names.extend(input.message_system_attribute_names.unwrap_or_default());
    let system = SystemSelection {
        all: names.iter().any(|n| n == "All"),
        names,
    };
    let attribute_names = input.message_attribute_names.unwrap_or_default();
    let wants_attributes = attrs::wants_attributes(&attribute_names);
    let fifo = queue.is_fifo();
    let delivered = svc
        .engine()
        .receive_attempt(
            &queue,
            ReceiveRequest {
                max_messages: max as usize,
                visibility_timeout,
                wait_time_seconds,
            },
            input.receive_request_attempt_id.as_deref(),
        )
        .await?;
    let messages = delivered
        .iter()
        .map(|d| MessageOut::of(d, &system, &attribute_names, wants_attributes, fifo))
        .collect();
    Ok(respond(req, &ReceiveMessageOutput { messages }))
}
