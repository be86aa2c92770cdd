//! Dead-letter queues: checking a `RedrivePolicy` against the queues that exist, and moving
//! messages between queues (to the dead-letter queue on a receive, and back with a message
//! move task).
//!
//! A message moves on the receive that would deliver it once its receive count reached
//! `maxReceiveCount` (not when its visibility lapses). It is taken out of the source under
//! the source's lock, and the storage effects of both sides (the source row's deletion, the
//! dead-letter row's insertion under a fresh sequence number) are submitted together in
//! that same commit, so a crash never loses or duplicates it. It is then put into the
//! dead-letter queue under that queue's lock (never two queue locks at once). It keeps its
//! MessageId, body, attributes and `SentTimestamp`; on a standard dead-letter queue also its
//! original enqueue time (so retention counts from the first send), on a FIFO one the
//! enqueue time restarts and its deduplication id becomes its message id. Its receive count
//! starts again from zero.

use std::sync::Arc;

use super::Engine;
use super::message::{Message, Stage};
use super::queue::{Queue, QueueKey};
use crate::error::{Result, SqsError, SqsErrorCode};
use crate::queue_attributes::RedrivePolicy;
use crate::storage::{Effect, MessageRow};

/// Where a queue's messages go after too many receives.
pub struct RedriveTarget {
    /// The dead-letter queue.
    pub queue: Arc<Queue>,
    /// `maxReceiveCount`.
    pub max_receive_count: u32,
    /// Whether the dead-letter queue is a FIFO queue.
    pub fifo: bool,
}

/// A message on its way into another queue, under its new sequence number.
pub struct DeadLetter {
    /// Its sequence number in the destination.
    pub seq: u64,
    /// The message as it will be stored there.
    pub msg: Message,
}

impl DeadLetter {
    /// The storage effect inserting it into queue `queue_id`.
    pub fn insert_effect(&self, queue_id: u64) -> Effect {
        Effect::Insert {
            queue_id,
            seq: self.seq,
            row: MessageRow {
                payload: self.msg.payload.clone(),
                sent_at: self.msg.sent_at,
                enqueued_at: self.msg.enqueued_at,
                visible_at: self.msg.visible_at,
                receive_count: 0,
                first_receive_at: 0,
            },
        }
    }
}

impl Engine {
    /// The dead-letter queue of `queue`, if its redrive policy names one that exists.
    pub(crate) fn redrive_target(&self, queue: &Queue) -> Option<RedriveTarget> {
        let policy = queue.with_state(|st| st.attributes.redrive_policy.clone())?;
        let dlq = self.queue_by_arn_str(&policy.dead_letter_target_arn)?;
        if dlq.id == queue.id {
            return None;
        }
        Some(RedriveTarget {
            fifo: dlq.is_fifo(),
            queue: dlq,
            max_receive_count: policy.max_receive_count,
        })
    }

    /// The message `msg` of `source` as it enters `target` (see the module documentation).
    pub(crate) fn dead_letter(
        &self,
        source: &Queue,
        target: &RedriveTarget,
        msg: Message,
        now: u64,
    ) -> DeadLetter {
        let id = msg.payload.id.to_string();
        let fifo = target.fifo;
        let payload = msg.payload.with_extra(|e| {
            e.source_arn = Some(source.arn.clone());
            if fifo {
                e.dedup_id = Some(id);
            }
        });
        DeadLetter {
            seq: self.next_seq(),
            msg: Message {
                payload: Arc::new(payload),
                sent_at: msg.sent_at,
                enqueued_at: if fifo { now } else { msg.enqueued_at },
                visible_at: now,
                receive_count: 0,
                first_receive_at: 0,
                stage: Stage::Ready,
                arrived_at: now,
            },
        }
    }

    /// Puts messages whose storage effects are already submitted into `target`'s memory and
    /// wakes its long polls. Messages for a queue deleted meanwhile are dropped with it.
    pub(crate) fn insert_moved(&self, target: &Queue, moved: Vec<DeadLetter>) {
        {
            let mut st = target.state.lock();
            if target.is_deleted() {
                let seqs = moved.iter().map(|d| d.seq).collect();
                self.storage().submit_background(vec![Effect::Forget(seqs)]);
                return;
            }
            for d in moved {
                st.messages.insert(d.seq, d.msg);
            }
        }
        target.notify.notify_waiters();
    }

    /// [`Engine::insert_moved`] into a redrive target.
    pub(crate) fn insert_dead_letters(&self, target: &RedriveTarget, moved: Vec<DeadLetter>) {
        self.insert_moved(&target.queue, moved);
    }

    /// Checks a `RedrivePolicy` (given as `raw`) of queue `source` against the queues that
    /// exist, as AWS does: the dead-letter queue must exist in the same account and region,
    /// have the source's type (FIFO or standard), and its `RedriveAllowPolicy` must allow
    /// the source.
    pub fn check_redrive_policy(
        &self,
        source: &QueueKey,
        source_fifo: bool,
        policy: &RedrivePolicy,
    ) -> Result<()> {
        let raw = policy.to_json();
        let invalid = |reason: &str| {
            SqsError::new(
                SqsErrorCode::InvalidParameterValue,
                format!("Value {raw} for parameter RedrivePolicy is invalid. Reason: {reason}"),
            )
        };
        let arn: nimbus_core::Arn = policy
            .dead_letter_target_arn
            .parse()
            .map_err(|_| invalid("Invalid value for deadLetterTargetArn."))?;
        if arn.account != source.account.as_str() || arn.region != source.region {
            return Err(invalid(
                "Dead-letter target must be in the same account and region as the source.",
            ));
        }
        let dlq = self
            .queue_by_arn(&arn)
            .ok_or_else(|| invalid("Dead letter target does not exist."))?;
        if dlq.is_fifo() != source_fifo {
            return Err(invalid(
                "Dead-letter queue must be same type of queue as the source.",
            ));
        }
        let source_arn = source.arn();
        let allowed = dlq.with_state(|st| {
            st.attributes
                .redrive_allow_policy
                .as_ref()
                .is_none_or(|p| p.allows(&source_arn))
        });
        if !allowed {
            return Err(invalid(&format!(
                "Queue {} does not allow {source_arn} to use it as a dead-letter queue.",
                dlq.arn
            )));
        }
        Ok(())
    }

    /// Whether `queue` is the dead-letter queue of some queue (the sources named by
    /// ListDeadLetterSourceQueues), sorted by name.
    pub fn dead_letter_sources(&self, queue: &Queue) -> Vec<Arc<Queue>> {
        let mut sources: Vec<Arc<Queue>> = self
            .all_queues()
            .into_iter()
            .filter(|q| {
                q.key.account == queue.key.account
                    && q.key.region == queue.key.region
                    && q.id != queue.id
                    && q.with_state(|st| {
                        st.attributes
                            .redrive_policy
                            .as_ref()
                            .is_some_and(|p| p.dead_letter_target_arn == queue.arn)
                    })
            })
            .collect();
        sources.sort_by(|a, b| a.key.name.cmp(&b.key.name));
        sources
    }
}
