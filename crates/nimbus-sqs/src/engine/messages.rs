//! Sending, receiving, deleting and hiding messages.
//!
//! Receipt-handle rules (standard queues, as AWS behaves):
//! - a handle that was not issued by this sandbox, or was issued for another queue, is
//!   `ReceiptHandleIsInvalid`;
//! - a handle more than 12 hours old is expired (`InvalidParameterValue`, "The receipt handle
//!   has expired.");
//! - DeleteMessage with the latest handle deletes the message even after its visibility
//!   timeout lapsed; with an older handle (the message was received again since), or for a
//!   message already gone, it succeeds and deletes nothing;
//! - ChangeMessageVisibility needs the latest handle of an existing message
//!   (`InvalidParameterValue`, "Message does not exist or is not available for visibility
//!   timeout change." otherwise); on a message whose visibility already lapsed it succeeds and
//!   changes nothing; the new deadline may not pass 12 hours after the receive.

use std::sync::Arc;

use super::Engine;
use super::message::{Message, Payload, Stage};
use super::queue::Queue;
use super::receipt::Receipt;
use crate::error::{Result, SqsError};
use crate::storage::{Ack, Effect, MessageRow};

/// The longest a message may stay hidden after a receive, ms (12 hours).
pub const MAX_VISIBILITY_MS: u64 = 43_200_000;
/// How long a receipt handle stays usable, ms (12 hours).
pub const RECEIPT_LIFETIME_MS: u64 = 43_200_000;

/// A message to send.
pub struct Outgoing {
    /// The payload (body, attributes, their MD5s, sender).
    pub payload: Arc<Payload>,
    /// Its own delay in seconds; `None` takes the queue's `DelaySeconds`.
    pub delay_seconds: Option<u32>,
    /// Bytes counted against the queue's `MaximumMessageSize` (body and attributes).
    pub size: usize,
}

impl Outgoing {
    /// A message with only a body, sent with the queue's delay.
    pub fn plain(body: String, sender_id: Arc<str>) -> Outgoing {
        let size = body.len();
        Outgoing {
            payload: Arc::new(Payload::plain(body, sender_id)),
            delay_seconds: None,
            size,
        }
    }
}

/// A message delivered by a receive.
pub struct Delivered {
    /// The payload.
    pub payload: Arc<Payload>,
    /// The fresh receipt handle.
    pub receipt_handle: String,
    /// `SentTimestamp`, ms.
    pub sent_at: u64,
    /// `ApproximateReceiveCount`, including this receive.
    pub receive_count: u32,
    /// `ApproximateFirstReceiveTimestamp`, ms.
    pub first_receive_at: u64,
}

/// What a receive asks for.
#[derive(Clone, Copy, Debug)]
pub struct ReceiveRequest {
    /// 1–10.
    pub max_messages: usize,
    /// Seconds the received messages stay hidden; `None` takes the queue's.
    pub visibility_timeout: Option<u32>,
    /// Seconds to wait for a message; `None` takes the queue's
    /// `ReceiveMessageWaitTimeSeconds`.
    pub wait_time_seconds: Option<u32>,
}

impl Engine {
    /// Sends messages (SendMessage, SendMessageBatch, deliveries from other services); each
    /// entry succeeds or fails on its own (a message over the queue's maximum size fails).
    pub fn send(&self, queue: &Queue, outgoing: Vec<Outgoing>) -> Result<(Vec<Result<u64>>, Ack)> {
        let now = self.now();
        let mut results = Vec::with_capacity(outgoing.len());
        let mut effects = Vec::with_capacity(outgoing.len());
        let mut any_ready = false;
        let ack = {
            let mut st = queue.state.lock();
            if queue.is_deleted() {
                return Err(SqsError::queue_does_not_exist());
            }
            let max_size = st.attributes.maximum_message_size as usize;
            let queue_delay = st.attributes.delay_seconds;
            for o in outgoing {
                if o.size > max_size {
                    results.push(Err(SqsError::invalid_parameter_value(format!(
                        "One or more parameters are invalid. Reason: Message must be shorter than {max_size} bytes."
                    ))));
                    continue;
                }
                let delay_ms = u64::from(o.delay_seconds.unwrap_or(queue_delay)) * 1000;
                let seq = self.next_seq();
                let visible_at = now + delay_ms;
                let stage = if delay_ms == 0 {
                    any_ready = true;
                    Stage::Ready
                } else {
                    Stage::Delayed
                };
                let msg = Message {
                    payload: o.payload,
                    sent_at: now,
                    enqueued_at: now,
                    visible_at,
                    receive_count: 0,
                    first_receive_at: 0,
                    stage,
                };
                if self.storage().is_durable() {
                    effects.push(Effect::Insert {
                        queue_id: queue.id,
                        seq,
                        row: MessageRow {
                            payload: msg.payload.clone(),
                            sent_at: now,
                            enqueued_at: now,
                            visible_at,
                            receive_count: 0,
                            first_receive_at: 0,
                        },
                    });
                }
                st.messages.insert(seq, msg);
                results.push(Ok(seq));
            }
            self.storage().submit(effects)
        };
        if any_ready {
            queue.notify.notify_waiters();
        }
        Ok((results, ack))
    }

    /// One attempt at receiving without waiting: takes up to `max` visible messages, hides
    /// them for the visibility timeout and issues fresh receipt handles. Also returns when
    /// the next in-flight or delayed message becomes visible (for a long poll to wake then).
    pub(crate) fn try_receive(
        &self,
        queue: &Queue,
        req: &ReceiveRequest,
    ) -> Result<(Vec<Delivered>, Ack, Option<u64>)> {
        let now = self.now();
        let mut st = queue.state.lock();
        if queue.is_deleted() {
            return Err(SqsError::queue_does_not_exist());
        }
        self.tick(&mut st, now);
        let visibility_ms = u64::from(
            req.visibility_timeout
                .unwrap_or(st.attributes.visibility_timeout),
        ) * 1000;
        let seqs: Vec<u64> = st.messages.peek_ready(req.max_messages).collect();
        if seqs.is_empty() {
            return Ok((Vec::new(), Ack::Done, st.messages.next_visible_at()));
        }
        let durable = self.storage().is_durable();
        let mut delivered = Vec::with_capacity(seqs.len());
        let mut effects = Vec::with_capacity(if durable { seqs.len() } else { 0 });
        for seq in seqs {
            // Dead-letter redrive (next issue) goes here: a message whose receive count
            // already reached the source's maxReceiveCount moves instead of being delivered.
            let Some(m) = st.messages.get_mut(seq) else {
                continue;
            };
            m.receive_count += 1;
            if m.first_receive_at == 0 {
                m.first_receive_at = now;
            }
            let receipt = Receipt {
                queue_id: queue.id,
                seq,
                receive_count: m.receive_count,
                received_at: now,
            };
            delivered.push(Delivered {
                payload: m.payload.clone(),
                receipt_handle: self.receipts().encode(&receipt),
                sent_at: m.sent_at,
                receive_count: m.receive_count,
                first_receive_at: m.first_receive_at,
            });
            let (receive_count, first_receive_at) = (m.receive_count, m.first_receive_at);
            let visible_at = if visibility_ms > 0 {
                st.messages.set_inflight(seq, now + visibility_ms);
                now + visibility_ms
            } else {
                now
            };
            if durable {
                effects.push(Effect::Receive {
                    seq,
                    visible_at,
                    receive_count,
                    first_receive_at,
                });
            }
        }
        let ack = self.storage().submit(effects);
        Ok((delivered, ack, st.messages.next_visible_at()))
    }

    /// Decodes a receipt handle for `queue`: `ReceiptHandleIsInvalid` when it is not one of
    /// ours or names another queue, `InvalidParameterValue` when older than 12 hours.
    fn receipt_for(&self, queue: &Queue, handle: &str, now: u64) -> Result<Receipt> {
        let r = self
            .receipts()
            .decode(handle)
            .ok_or_else(|| SqsError::receipt_handle_invalid(handle))?;
        if r.queue_id != queue.id {
            return Err(SqsError::ReceiptHandleIsInvalid(format!(
                "The receipt handle \"{handle}\" is not valid for this queue."
            )));
        }
        if now >= r.received_at + RECEIPT_LIFETIME_MS {
            return Err(SqsError::invalid_parameter_value(format!(
                "Value {handle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired."
            )));
        }
        Ok(r)
    }

    /// DeleteMessage / DeleteMessageBatch: one result per handle, one commit for all.
    pub fn delete_messages(
        &self,
        queue: &Queue,
        handles: &[&str],
    ) -> Result<(Vec<Result<()>>, Ack)> {
        let now = self.now();
        let mut st = queue.state.lock();
        if queue.is_deleted() {
            return Err(SqsError::queue_does_not_exist());
        }
        let mut results = Vec::with_capacity(handles.len());
        let mut effects = Vec::new();
        for handle in handles {
            let r = match self.receipt_for(queue, handle, now) {
                Ok(r) => r,
                Err(e) => {
                    results.push(Err(e));
                    continue;
                }
            };
            let current = st
                .messages
                .get(r.seq)
                .is_some_and(|m| m.receive_count == r.receive_count);
            if current {
                st.messages.remove(r.seq);
                effects.push(Effect::Delete { seq: r.seq });
            }
            results.push(Ok(()));
        }
        let ack = if self.storage().is_durable() {
            self.storage().submit(effects)
        } else {
            Ack::Done
        };
        Ok((results, ack))
    }

    /// ChangeMessageVisibility / ChangeMessageVisibilityBatch: one result per entry
    /// (handle, new timeout in seconds), one commit for all.
    pub fn change_visibility(
        &self,
        queue: &Queue,
        entries: &[(&str, u32)],
    ) -> Result<(Vec<Result<()>>, Ack)> {
        let now = self.now();
        let mut st = queue.state.lock();
        if queue.is_deleted() {
            return Err(SqsError::queue_does_not_exist());
        }
        self.tick(&mut st, now);
        let mut results = Vec::with_capacity(entries.len());
        let mut effects = Vec::new();
        let mut woke = false;
        for (handle, timeout) in entries {
            let r = match self.receipt_for(queue, handle, now) {
                Ok(r) => r,
                Err(e) => {
                    results.push(Err(e));
                    continue;
                }
            };
            let unavailable = || {
                SqsError::invalid_parameter_value(format!(
                    "Value {handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change."
                ))
            };
            let Some(m) = st.messages.get(r.seq) else {
                results.push(Err(unavailable()));
                continue;
            };
            if m.receive_count != r.receive_count {
                results.push(Err(unavailable()));
                continue;
            }
            if m.stage != Stage::InFlight {
                // The visibility timeout already lapsed: nothing to change.
                results.push(Ok(()));
                continue;
            }
            let timeout_ms = u64::from(*timeout) * 1000;
            if now + timeout_ms > r.received_at + MAX_VISIBILITY_MS {
                results.push(Err(crate::validate::visibility_timeout_beyond_limit(
                    i64::from(*timeout),
                )));
                continue;
            }
            if timeout_ms == 0 {
                st.messages.make_ready(r.seq, now);
                woke = true;
            } else {
                st.messages.set_inflight(r.seq, now + timeout_ms);
            }
            effects.push(Effect::SetVisibility {
                seq: r.seq,
                visible_at: now + timeout_ms,
            });
            results.push(Ok(()));
        }
        let ack = if self.storage().is_durable() {
            self.storage().submit(effects)
        } else {
            Ack::Done
        };
        drop(st);
        if woke {
            queue.notify.notify_waiters();
        }
        Ok((results, ack))
    }
}
