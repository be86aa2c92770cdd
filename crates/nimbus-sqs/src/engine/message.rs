//! One message: its immutable payload and its mutable delivery state.

use std::sync::Arc;

use crate::message_attributes::MessageAttributes;

/// What a message carries, fixed at send time and shared (cheaply, by `Arc`) between the
/// engine, the storage writer and responses. Kept small: a million queued messages cost
/// their bodies plus about 100 bytes here; the rarely set parts live in [`PayloadExtra`].
#[derive(Debug, PartialEq, Eq)]
pub struct Payload {
    /// The message id (a UUID).
    pub id: uuid::Uuid,
    /// MD5 of the body.
    pub md5_of_body: [u8; 16],
    /// The body.
    pub body: Box<str>,
    /// `SenderId`.
    pub sender_id: Arc<str>,
    /// Attributes, group and deduplication ids, when any is set.
    pub extra: Option<Box<PayloadExtra>>,
}

/// The parts of a message that most messages do not have.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PayloadExtra {
    /// User message attributes (empty: none).
    #[serde(
        rename = "a",
        default,
        skip_serializing_if = "MessageAttributes::is_empty"
    )]
    pub attributes: MessageAttributes,
    /// Hex MD5 of the user message attributes.
    #[serde(rename = "am", default, skip_serializing_if = "Option::is_none")]
    pub md5_of_attributes: Option<String>,
    /// Message system attributes (`AWSTraceHeader`; empty: none).
    #[serde(
        rename = "s",
        default,
        skip_serializing_if = "MessageAttributes::is_empty"
    )]
    pub system_attributes: MessageAttributes,
    /// Hex MD5 of the system attributes.
    #[serde(rename = "sm", default, skip_serializing_if = "Option::is_none")]
    pub md5_of_system_attributes: Option<String>,
    /// `MessageGroupId` (fair queues on standard queues; FIFO groups).
    #[serde(rename = "g", default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// `MessageDeduplicationId` (FIFO queues).
    #[serde(rename = "d", default, skip_serializing_if = "Option::is_none")]
    pub dedup_id: Option<String>,
    /// The queue a dead-lettered message came from (`DeadLetterQueueSourceArn`; where a
    /// message move task returns it).
    #[serde(rename = "src", default, skip_serializing_if = "Option::is_none")]
    pub source_arn: Option<String>,
}

impl PayloadExtra {
    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        self == &PayloadExtra::default()
    }
}

/// A fresh random (version 4) message id, from the thread's fast random generator rather
/// than a system call per id.
pub fn new_message_id() -> uuid::Uuid {
    uuid::Builder::from_random_bytes(rand::random::<[u8; 16]>()).into_uuid()
}

/// The MD5 digest of `body`.
pub fn md5(body: &str) -> [u8; 16] {
    use md5::Digest;
    md5::Md5::digest(body.as_bytes()).into()
}

impl Payload {
    /// A payload: a fresh id, the body's MD5, and the extra parts when any is set.
    pub fn new(body: String, sender_id: Arc<str>, extra: PayloadExtra) -> Payload {
        Payload {
            id: new_message_id(),
            md5_of_body: md5(&body),
            body: body.into_boxed_str(),
            sender_id,
            extra: (!extra.is_empty()).then(|| Box::new(extra)),
        }
    }

    /// A payload with only a body (deliveries from other services, tests).
    pub fn plain(body: String, sender_id: Arc<str>) -> Payload {
        Payload::new(body, sender_id, PayloadExtra::default())
    }

    /// `MD5OfBody` / `MD5OfMessageBody`: the body's MD5 in hex.
    pub fn md5_of_body_hex(&self) -> String {
        hex::encode(self.md5_of_body)
    }

    /// The user message attributes, if any.
    pub fn attributes(&self) -> Option<&MessageAttributes> {
        self.extra
            .as_ref()
            .map(|e| &e.attributes)
            .filter(|a| !a.is_empty())
    }

    /// `MD5OfMessageAttributes`, if the message has attributes.
    pub fn md5_of_attributes(&self) -> Option<&str> {
        self.extra.as_ref()?.md5_of_attributes.as_deref()
    }

    /// `MD5OfMessageSystemAttributes`, if the message has system attributes.
    pub fn md5_of_system_attributes(&self) -> Option<&str> {
        self.extra.as_ref()?.md5_of_system_attributes.as_deref()
    }

    /// `MessageGroupId`, if set.
    pub fn group_id(&self) -> Option<&str> {
        self.extra.as_ref()?.group_id.as_deref()
    }

    /// `MessageDeduplicationId`, if set.
    pub fn dedup_id(&self) -> Option<&str> {
        self.extra.as_ref()?.dedup_id.as_deref()
    }

    /// The queue a dead-lettered message came from, if it was dead-lettered.
    pub fn source_arn(&self) -> Option<&str> {
        self.extra.as_ref()?.source_arn.as_deref()
    }

    /// This payload with the same id, body and attributes but other extra parts (a
    /// message moving to a dead-letter queue or back).
    pub fn with_extra(&self, f: impl FnOnce(&mut PayloadExtra)) -> Payload {
        let mut extra = self.extra.as_deref().cloned().unwrap_or_default();
        f(&mut extra);
        Payload {
            id: self.id,
            md5_of_body: self.md5_of_body,
            body: self.body.clone(),
            sender_id: self.sender_id.clone(),
            extra: (!extra.is_empty()).then(|| Box::new(extra)),
        }
    }

    /// The `AWSTraceHeader` system attribute, if the sender set one.
    pub fn trace_header(&self) -> Option<&str> {
        self.extra
            .as_ref()?
            .system_attributes
            .get("AWSTraceHeader")?
            .string_value
            .as_deref()
    }
}

/// Where a message is in its life cycle; each state has its own index in the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Waiting for its delay to end (never received yet).
    Delayed,
    /// Available to a receive.
    Ready,
    /// Received and hidden until its visibility deadline.
    InFlight,
}

/// A stored message.
#[derive(Clone, Debug)]
pub struct Message {
    /// The payload.
    pub payload: Arc<Payload>,
    /// When it was sent (`SentTimestamp`), ms since the epoch.
    pub sent_at: u64,
    /// The start of its retention period (the send time; kept from the source queue when a
    /// message moves to a standard dead-letter queue).
    pub enqueued_at: u64,
    /// When it becomes visible: the end of its delay, or its visibility deadline while in
    /// flight. At or before now means visible.
    pub visible_at: u64,
    /// How many times it was received (`ApproximateReceiveCount`).
    pub receive_count: u32,
    /// Its first receive (`ApproximateFirstReceiveTimestamp`), 0 before that.
    pub first_receive_at: u64,
    /// Where it is now.
    pub stage: Stage,
    /// When it arrived in this queue, ms: its send, or its move into a dead-letter queue
    /// (what `ApproximateAgeOfOldestMessage` counts from). Not stored: after a restart it is
    /// the start of its retention period.
    pub arrived_at: u64,
}

impl Message {
    /// The stage a message with these times is in at `now`.
    pub fn stage_at(visible_at: u64, receive_count: u32, now: u64) -> Stage {
        if visible_at <= now {
            Stage::Ready
        } else if receive_count == 0 {
            Stage::Delayed
        } else {
            Stage::InFlight
        }
    }
}
