//! SQS as Lambda's event source mapping pollers consume it: [`QueueConsumer`] over the
//! engine's own receive (with its long-poll wake-ups), delete and visibility functions, so
//! pollers never go through HTTP and never sleep-poll.

use std::collections::BTreeMap;
use std::sync::{Arc, Weak};

use async_trait::async_trait;
use nimbus_core::Arn;
use nimbus_core::bus::{
    ConsumedAttribute, ConsumedMessage, ConsumedQueue, DeliveryError, QueueConsumer,
};

use crate::SqsService;
use crate::engine::messages::{Delivered, ReceiveRequest};
use crate::engine::queue::Queue;
use crate::error::{SqsError, SqsErrorCode};

/// The most messages one receive returns.
pub const MAX_RECEIVE: usize = 10;
/// The longest long poll, seconds.
pub const MAX_WAIT_SECONDS: u32 = 20;

/// [`QueueConsumer`] over one SQS service.
pub struct Consumer {
    service: Weak<SqsService>,
}

impl Consumer {
    /// The consumer side of `service`.
    pub fn new(service: &Arc<SqsService>) -> Consumer {
        Consumer {
            service: Arc::downgrade(service),
        }
    }

    fn service(&self) -> Result<Arc<SqsService>, DeliveryError> {
        match self.service.upgrade() {
            Some(s) if !s.engine().is_stopping() => Ok(s),
            _ => Err(DeliveryError::Unavailable("sqs")),
        }
    }

    fn queue(&self, arn: &Arn) -> Result<(Arc<SqsService>, Arc<Queue>), DeliveryError> {
        let s = self.service()?;
        let q = s
            .engine()
            .queue_by_arn(arn)
            .ok_or_else(|| DeliveryError::NoSuchDestination(arn.to_string()))?;
        Ok((s, q))
    }
}

fn failed(e: SqsError) -> DeliveryError {
    match e.kind() {
        SqsErrorCode::QueueDoesNotExist => DeliveryError::NoSuchDestination(e.message().to_owned()),
        _ => DeliveryError::Rejected(e.to_string()),
    }
}

/// The event-record view of one delivered message.
fn consumed(d: Delivered, fifo: bool, received_at: u64) -> ConsumedMessage {
    let p = &d.payload;
    let mut attributes = BTreeMap::new();
    attributes.insert(
        "ApproximateReceiveCount".to_owned(),
        d.receive_count.to_string(),
    );
    attributes.insert("SentTimestamp".to_owned(), d.sent_at.to_string());
    attributes.insert("SenderId".to_owned(), p.sender_id.to_string());
    attributes.insert(
        "ApproximateFirstReceiveTimestamp".to_owned(),
        d.first_receive_at.to_string(),
    );
    if let Some(t) = p.trace_header() {
        attributes.insert("AWSTraceHeader".to_owned(), t.to_owned());
    }
    if let Some(g) = p.group_id() {
        attributes.insert("MessageGroupId".to_owned(), g.to_owned());
    }
    if fifo {
        if let Some(dedup) = p.dedup_id() {
            attributes.insert("MessageDeduplicationId".to_owned(), dedup.to_owned());
        }
        attributes.insert(
            "SequenceNumber".to_owned(),
            crate::engine::fifo::sequence_number(d.seq),
        );
    }
    let message_attributes = p
        .attributes()
        .map(|a| {
            a.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        ConsumedAttribute {
                            data_type: v.data_type.clone(),
                            string_value: v.string_value.clone(),
                            binary_value: v.binary_value.clone(),
                        },
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    ConsumedMessage {
        message_id: p.id.to_string(),
        receipt_handle: d.receipt_handle,
        received_at,
        body: p.body.to_string(),
        md5_of_body: p.md5_of_body_hex(),
        md5_of_message_attributes: p.md5_of_attributes().map(str::to_owned),
        attributes,
        message_attributes,
    }
}

#[async_trait]
impl QueueConsumer for Consumer {
    async fn permits_reader(
        &self,
        queue_arn: &Arn,
        reader: &nimbus_core::access::Caller,
    ) -> Result<(), DeliveryError> {
        let (svc, q) = self.queue(queue_arn)?;
        let source = nimbus_core::bus::DeliverySource::Principal(Arc::new(reader.clone()));
        for action in [
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
        ] {
            svc.bus_access(&q, &source, action)?;
        }
        Ok(())
    }

    async fn consumed_queue(&self, queue_arn: &Arn) -> Result<ConsumedQueue, DeliveryError> {
        let (svc, q) = self.queue(queue_arn)?;
        let snap = svc.engine().snapshot(&q).map_err(failed)?;
        Ok(ConsumedQueue {
            fifo: snap.attributes.fifo_queue,
            visibility_timeout_secs: snap.attributes.visibility_timeout,
            visible_messages: snap.visible,
        })
    }

    async fn receive(
        &self,
        queue_arn: &Arn,
        max_messages: usize,
        wait_seconds: u32,
        visibility_timeout_secs: Option<u32>,
    ) -> Result<Vec<ConsumedMessage>, DeliveryError> {
        let (svc, q) = self.queue(queue_arn)?;
        let fifo = q.with_state(|st| st.attributes.fifo_queue);
        let req = ReceiveRequest {
            max_messages: max_messages.clamp(1, MAX_RECEIVE),
            visibility_timeout: visibility_timeout_secs,
            wait_time_seconds: Some(wait_seconds.min(MAX_WAIT_SECONDS)),
        };
        let delivered = svc.engine().receive(&q, req).await.map_err(failed)?;
        if delivered.is_empty() && svc.engine().is_stopping() {
            return Err(DeliveryError::Unavailable("sqs"));
        }
        let engine = svc.engine();
        Ok(delivered
            .into_iter()
            .map(|d| {
                let at = engine
                    .receipts()
                    .decode(&d.receipt_handle)
                    .map_or_else(|| engine.now(), |r| r.received_at);
                consumed(d, fifo, at)
            })
            .collect())
    }

    async fn delete(
        &self,
        queue_arn: &Arn,
        receipt_handles: &[String],
    ) -> Result<(), DeliveryError> {
        let (svc, q) = self.queue(queue_arn)?;
        for chunk in receipt_handles.chunks(MAX_RECEIVE) {
            let handles: Vec<&str> = chunk.iter().map(String::as_str).collect();
            let (_, ack) = svc.engine().delete_messages(&q, &handles).map_err(failed)?;
            ack.wait().await.map_err(|e| failed(e.into()))?;
        }
        Ok(())
    }

    async fn change_visibility(
        &self,
        queue_arn: &Arn,
        receipt_handles: &[String],
        visibility_timeout_secs: u32,
    ) -> Result<(), DeliveryError> {
        let (svc, q) = self.queue(queue_arn)?;
        for chunk in receipt_handles.chunks(MAX_RECEIVE) {
            let entries: Vec<(&str, u32)> = chunk
                .iter()
                .map(|h| (h.as_str(), visibility_timeout_secs))
                .collect();
            let (_, ack) = svc
                .engine()
                .change_visibility(&q, &entries)
                .map_err(failed)?;
            ack.wait().await.map_err(|e| failed(e.into()))?;
        }
        Ok(())
    }
}
