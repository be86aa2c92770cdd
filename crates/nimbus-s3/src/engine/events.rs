//! The event notifications a change causes: matched against the bucket's notification
//! configuration under the state lock, their outbox rows committed with the change, the
//! deliveries handed to the outbox after the commit.

use std::sync::atomic::Ordering;

use nimbus_core::RequestContext;

use super::Engine;
use crate::model::Bucket;
use crate::notify::config::DestinationKind;
use crate::notify::event::{EventInfo, message, test_event};
use crate::notify::outbox::{Delivery, Outbox};
use crate::store::db::Effect;

/// The events one change causes: the outbox rows to commit with it and the deliveries to
/// hand to the outbox after the commit.
#[derive(Default)]
pub struct Events {
    /// Outbox rows, committed with the change.
    pub effects: Vec<Effect>,
    /// The same deliveries with their ids.
    pub deliveries: Vec<(u64, Delivery)>,
}

/// What one event is about, for `Engine::events`.
pub struct EventSpec<'a> {
    /// `s3:ObjectCreated:Put`…
    pub name: &'a str,
    /// The key.
    pub key: &'a str,
    /// Size, for created events.
    pub size: Option<u64>,
    /// ETag without quotes, for created events.
    pub etag: Option<&'a str>,
}

impl Engine {
    /// The next event sequencer: 16 upper-case hex digits, increasing.
    fn next_sequencer(&self) -> String {
        let floor = self.env.clock.now_millis() << 16;
        self.sequencer.fetch_max(floor, Ordering::SeqCst);
        format!("{:016X}", self.sequencer.fetch_add(1, Ordering::SeqCst))
    }

    /// The events `spec` causes in `bucket` under its notification configuration, for the
    /// request `ctx`. Call it under the state lock and submit the effects with the change.
    pub(crate) fn events(
        &self,
        bucket: &Bucket,
        ctx: &RequestContext,
        spec: &EventSpec<'_>,
    ) -> Events {
        let mut out = Events::default();
        let Some(cfg) = &bucket.info.notification else {
            return out;
        };
        let matching: Vec<_> = cfg
            .targets
            .iter()
            .filter(|t| t.matches(spec.name, spec.key))
            .collect();
        if matching.is_empty() {
            return out;
        }
        let sequencer = self.next_sequencer();
        let principal = format!("AWS:{}", ctx.account);
        let source_ip = ctx.source_ip.to_string();
        let info = EventInfo {
            name: spec.name.strip_prefix("s3:").unwrap_or(spec.name),
            bucket: &bucket.info.name,
            bucket_owner: &bucket.info.account,
            key: spec.key,
            size: spec.size,
            etag: spec.etag,
            sequencer: &sequencer,
            region: &bucket.info.region,
            time_millis: self.env.clock.now_millis(),
            principal: &principal,
            source_ip: &source_ip,
            request_id: &ctx.request_id,
            host_id: &ctx.request_id,
        };
        for t in matching {
            match t.kind {
                DestinationKind::Queue => {}
                DestinationKind::Function if self.env.bus.functions().is_ok() => {}
                DestinationKind::Function => {
                    tracing::warn!(bucket = %bucket.info.name, function = %t.arn,
                        "Lambda is not running in this sandbox; S3 event not delivered");
                    continue;
                }
                DestinationKind::Topic => {
                    tracing::warn!(bucket = %bucket.info.name, topic = %t.arn,
                        "nimbus does not serve SNS; S3 event not delivered");
                    continue;
                }
            }
            let delivery = Delivery {
                kind: t.kind,
                arn: t.arn.clone(),
                body: message(&info, &t.id),
                attempts: 0,
                source_account: None,
            };
            let id = self.outbox.allocate_id();
            out.effects.push(Outbox::effect(id, &delivery));
            out.deliveries.push((id, delivery));
        }
        out
    }

    /// The `s3:TestEvent` S3 sends to each of `queues` (ARNs, distinct) when a notification
    /// configuration of `bucket` is stored, for the request `ctx`; none when SQS is not
    /// running in this sandbox.
    pub fn test_events(
        &self,
        bucket: &str,
        queues: &[&str],
        ctx: &RequestContext,
    ) -> Vec<(u64, Delivery)> {
        if self.env.bus.queues().is_err() {
            return Vec::new();
        }
        let now = self.env.clock.now_millis();
        let owner = self.bucket_owner(bucket).ok();
        queues
            .iter()
            .map(|arn| {
                (
                    self.outbox.allocate_id(),
                    Delivery {
                        kind: DestinationKind::Queue,
                        arn: (*arn).to_owned(),
                        body: test_event(bucket, now, &ctx.request_id, &ctx.request_id),
                        attempts: 0,
                        source_account: owner.clone(),
                    },
                )
            })
            .collect()
    }
}
