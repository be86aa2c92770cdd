//! Sending, receiving, deleting and hiding messages.
//!
//! Receipt-handle rules (as AWS behaves; on a FIFO queue, DeleteMessage with the handle of a
//! receive whose visibility lapsed fails: "The receipt handle has expired."):
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
use super::fifo;
use super::message::{Message, Payload, Stage};
use super::queue::{Queue, QueueState};
use super::receipt::Receipt;
use super::redrive::{DeadLetter, RedriveTarget};
use crate::error::{Result, SqsError, SqsErrorCode};
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
    /// The message's sequence number (its FIFO `SequenceNumber`).
    pub seq: u64,
}

/// What one receive collects while it holds the queue's lock.
struct Receiving {
    delivered: Vec<Delivered>,
    receipts: Vec<Receipt>,
    effects: Vec<Effect>,
    dead: Vec<DeadLetter>,
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

/// The outcome of one sent message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sent {
    /// Its sequence number (the first copy's, for a FIFO duplicate).
    pub seq: u64,
    /// Its message id (the first copy's, for a FIFO duplicate).
    pub message_id: uuid::Uuid,
    /// Whether it was a duplicate within the deduplication window (accepted, not enqueued).
    pub duplicate: bool,
}

impl Engine {
    /// Sends messages (SendMessage, SendMessageBatch, deliveries from other services); each
    /// entry succeeds or fails on its own (a message over the queue's maximum size fails).
    /// On a FIFO queue every message needs a group id and a deduplication id (content-based
    /// ids are computed by the caller); a duplicate within the window is reported as sent
    /// with the first copy's id and not enqueued; per-message delays are ignored (the
    /// caller rejects them) and the queue's delay applies.
    pub fn send(&self, queue: &Queue, outgoing: Vec<Outgoing>) -> Result<(Vec<Result<Sent>>, Ack)> {
        let now = self.now();
        let mut results = Vec::with_capacity(outgoing.len());
        let mut effects = Vec::with_capacity(outgoing.len());
        let mut any_ready = false;
        let durable = self.storage().is_durable();
        let mut tally = super::counters::SendTally::default();
        let ack = {
            let mut st = queue.state.lock();
            if queue.is_deleted() {
                return Err(SqsError::queue_does_not_exist());
            }
            let max_size = st.attributes.maximum_message_size as usize;
            let queue_delay = st.attributes.delay_seconds;
            let is_fifo = st.attributes.fifo_queue;
            let per_group = st.attributes.deduplication_scope
                == crate::queue_attributes::DeduplicationScope::MessageGroup;
            if is_fifo {
                st.fifo.expire(now);
            }
            for o in outgoing {
                if o.size > max_size {
                    results.push(Err(SqsError::invalid_parameter_value(format!(
                        "One or more parameters are invalid. Reason: Message must be shorter than {max_size} bytes."
                    ))));
                    continue;
                }
                let mut dedup = None;
                if is_fifo {
                    let Some(group) = o.payload.group_id() else {
                        results.push(Err(SqsError::missing_parameter("MessageGroupId")));
                        continue;
                    };
                    let Some(dedup_id) = o.payload.dedup_id() else {
                        results.push(Err(SqsError::invalid_parameter_value(
                            "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
                        )));
                        continue;
                    };
                    let key = fifo::dedup_key(per_group, group, dedup_id);
                    if let Some(e) = st.fifo.dedup(&key, now) {
                        tally.deduplicated += 1;
                        results.push(Ok(Sent {
                            seq: e.seq,
                            message_id: e.message_id,
                            duplicate: true,
                        }));
                        continue;
                    }
                    dedup = Some(key);
                }
                let delay = if is_fifo {
                    queue_delay
                } else {
                    o.delay_seconds.unwrap_or(queue_delay)
                };
                let delay_ms = u64::from(delay) * 1000;
                let seq = self.next_seq();
                if let Some(key) = dedup {
                    let entry = fifo::DedupEntry {
                        message_id: o.payload.id,
                        seq,
                        expires_at: now + fifo::DEDUP_WINDOW_MS,
                    };
                    if durable {
                        effects.push(Effect::PutDedup {
                            queue_id: queue.id,
                            key: key.clone(),
                            message_id: entry.message_id,
                            seq,
                            expires_at: entry.expires_at,
                        });
                    }
                    st.fifo.remember(key, entry);
                }
                let visible_at = now + delay_ms;
                let stage = if delay_ms == 0 {
                    any_ready = true;
                    Stage::Ready
                } else {
                    Stage::Delayed
                };
                let message_id = o.payload.id;
                let msg = Message {
                    payload: o.payload,
                    sent_at: now,
                    enqueued_at: now,
                    visible_at,
                    receive_count: 0,
                    first_receive_at: 0,
                    stage,
                    arrived_at: now,
                };
                if durable {
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
                tally.add(o.size as u64);
                results.push(Ok(Sent {
                    seq,
                    message_id,
                    duplicate: false,
                }));
            }
            self.storage().submit(effects)
        };
        queue.counters.touch(now);
        queue.counters.sent(&tally);
        if any_ready {
            queue.notify.notify_waiters();
        }
        Ok((results, ack))
    }

    /// One attempt at receiving without waiting: takes up to `max` visible messages, hides
    /// them for the visibility timeout and issues fresh receipt handles. Also returns when
    /// the next in-flight or delayed message becomes visible (for a long poll to wake then).
    pub fn try_receive(
        &self,
        queue: &Queue,
        req: &ReceiveRequest,
    ) -> Result<(Vec<Delivered>, Ack, Option<u64>)> {
        self.try_receive_attempt(queue, req, None)
    }

    /// [`Engine::try_receive`] with a FIFO queue's `ReceiveRequestAttemptId`: a retry within
    /// five minutes returns the same messages with the same receipt handles while they are
    /// still in flight from that receive.
    ///
    /// A standard queue takes its oldest visible messages; a FIFO queue takes deliverable
    /// groups round-robin and, from each, its oldest visible messages in order (a group
    /// then stays blocked while any of them is in flight). The selection happens under the
    /// queue's lock, so concurrent receives never break a group's order. A message whose
    /// receive count already reached the redrive policy's `maxReceiveCount` moves to the
    /// dead-letter queue instead of being delivered.
    pub fn try_receive_attempt(
        &self,
        queue: &Queue,
        req: &ReceiveRequest,
        attempt: Option<&str>,
    ) -> Result<(Vec<Delivered>, Ack, Option<u64>)> {
        let target = self.redrive_target(queue);
        let now = self.now();
        let mut st = queue.state.lock();
        if queue.is_deleted() {
            return Err(SqsError::queue_does_not_exist());
        }
        self.tick(&mut st, now);
        let is_fifo = st.attributes.fifo_queue;
        let attempt = attempt.filter(|_| is_fifo);
        if let Some(id) = attempt
            && let Some(a) = st.fifo.attempt(id, now)
        {
            let again: Vec<Delivered> = a
                .receipts
                .iter()
                .filter_map(|r| {
                    let m = st.messages.get(r.seq)?;
                    (m.receive_count == r.receive_count && m.stage == Stage::InFlight).then(|| {
                        Delivered {
                            payload: m.payload.clone(),
                            receipt_handle: self.receipts().encode(r),
                            sent_at: m.sent_at,
                            receive_count: m.receive_count,
                            first_receive_at: m.first_receive_at,
                            seq: r.seq,
                        }
                    })
                })
                .collect();
            if !again.is_empty() {
                queue.counters.touch(now);
                queue.counters.received(again.len() as u64);
                return Ok((again, Ack::Done, st.messages.next_visible_at()));
            }
        }
        let visibility_ms = u64::from(
            req.visibility_timeout
                .unwrap_or(st.attributes.visibility_timeout),
        ) * 1000;
        let durable = self.storage().is_durable();
        let mut out = Receiving {
            delivered: Vec::new(),
            receipts: Vec::new(),
            effects: Vec::new(),
            dead: Vec::new(),
        };
        if is_fifo {
            while out.delivered.len() < req.max_messages {
                let Some(group) = st.messages.pop_ready_group() else {
                    break;
                };
                let run = st
                    .messages
                    .group_run(&group, req.max_messages - out.delivered.len());
                for seq in run {
                    self.receive_one(
                        queue,
                        &mut st,
                        seq,
                        now,
                        visibility_ms,
                        true,
                        target.as_ref(),
                        durable,
                        &mut out,
                    );
                }
                st.messages.requeue_group(&group);
            }
        } else {
            // One pass; more only when messages moved to the dead-letter queue freed room.
            for _ in 0..100 {
                let want = req.max_messages - out.delivered.len();
                let seqs: Vec<u64> = st.messages.peek_ready(want).collect();
                if seqs.is_empty() {
                    break;
                }
                let before = out.dead.len();
                for seq in seqs {
                    self.receive_one(
                        queue,
                        &mut st,
                        seq,
                        now,
                        visibility_ms,
                        false,
                        target.as_ref(),
                        durable,
                        &mut out,
                    );
                }
                if out.dead.len() == before
                    || visibility_ms == 0
                    || out.delivered.len() >= req.max_messages
                {
                    break;
                }
            }
        }
        if let Some(id) = attempt
            && !out.receipts.is_empty()
        {
            let expires_at = st.fifo.remember_attempt(id, out.receipts.clone(), now);
            out.effects.push(Effect::PutAttempt {
                queue_id: queue.id,
                attempt_id: id.to_owned(),
                expires_at,
                receipts: fifo::encode_attempt_receipts(&out.receipts),
                now,
            });
        }
        let ack = self.storage().submit(std::mem::take(&mut out.effects));
        let next = st.messages.next_visible_at();
        drop(st);
        queue.counters.touch(now);
        queue.counters.received(out.delivered.len() as u64);
        if let Some(t) = &target
            && !out.dead.is_empty()
        {
            self.insert_dead_letters(t, std::mem::take(&mut out.dead));
        }
        Ok((out.delivered, ack, next))
    }

    /// Delivers message `seq` of a receive, or moves it to the dead-letter queue.
    #[allow(clippy::too_many_arguments)]
    fn receive_one(
        &self,
        queue: &Queue,
        st: &mut QueueState,
        seq: u64,
        now: u64,
        visibility_ms: u64,
        is_fifo: bool,
        target: Option<&RedriveTarget>,
        durable: bool,
        out: &mut Receiving,
    ) {
        let Some(m) = st.messages.get(seq) else {
            return;
        };
        if let Some(t) = target
            && m.receive_count >= t.max_receive_count
        {
            if let Some(msg) = st.messages.remove(seq) {
                let dead = self.dead_letter(queue, t, msg, now);
                if durable {
                    out.effects.push(Effect::Delete { seq });
                    out.effects.push(dead.insert_effect(t.queue.id));
                }
                out.dead.push(dead);
            }
            return;
        }
        let Some(m) = st.messages.get_mut(seq) else {
            return;
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
        out.delivered.push(Delivered {
            payload: m.payload.clone(),
            receipt_handle: self.receipts().encode(&receipt),
            sent_at: m.sent_at,
            receive_count: m.receive_count,
            first_receive_at: m.first_receive_at,
            seq,
        });
        out.receipts.push(receipt);
        let (receive_count, first_receive_at) = (m.receive_count, m.first_receive_at);
        let visible_at = if visibility_ms > 0 || is_fifo {
            // A FIFO message received with a zero timeout still blocks its group until the
            // next request looks at the queue.
            st.messages.set_inflight(seq, now + visibility_ms);
            now + visibility_ms
        } else {
            now
        };
        if durable {
            out.effects.push(Effect::Receive {
                seq,
                visible_at,
                receive_count,
                first_receive_at,
            });
        }
    }

    /// Decodes a receipt handle for `queue`: `ReceiptHandleIsInvalid` when it is not one of
    /// ours or names another queue, `InvalidParameterValue` when older than 12 hours.
    fn receipt_for(&self, queue: &Queue, handle: &str, now: u64) -> Result<Receipt> {
        let r = self
            .receipts()
            .decode(handle)
            .ok_or_else(|| SqsError::receipt_handle_invalid(handle))?;
        if r.queue_id != queue.id {
            return Err(SqsError::new(
                SqsErrorCode::ReceiptHandleIsInvalid,
                format!("The receipt handle \"{handle}\" is not valid for this queue."),
            ));
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
        let mut deleted = 0;
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
            if st.attributes.fifo_queue
                && st.messages.get(r.seq).is_some_and(|m| {
                    m.receive_count != r.receive_count
                        || m.stage != Stage::InFlight
                        || m.visible_at < now
                })
            {
                results.push(Err(SqsError::invalid_parameter_value(format!(
                    "Value {handle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired."
                ))));
                continue;
            }
            if current {
                st.messages.remove(r.seq);
                effects.push(Effect::Delete { seq: r.seq });
            }
            deleted += 1;
            results.push(Ok(()));
        }
        queue.counters.touch(now);
        queue.counters.deleted(deleted);
        let unblocked = st.attributes.fifo_queue && !effects.is_empty();
        let ack = if self.storage().is_durable() {
            self.storage().submit(effects)
        } else {
            Ack::Done
        };
        drop(st);
        if unblocked {
            // A deleted FIFO message may unblock its group: wake waiting receives.
            queue.notify.notify_waiters();
        }
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
        queue.counters.touch(now);
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
