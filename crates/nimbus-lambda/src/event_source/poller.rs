//! The pollers of one mapping: long-poll the queue through [`QueueConsumer`], filter, invoke
//! the function synchronously with the SQS event, delete what succeeded.
//!
//! - **Batches**: a poller receives up to `BatchSize` messages (10 per receive); with a
//!   batching window it keeps receiving until the batch is full, the window (counted from the
//!   first message) has passed, or the batch nears the 6 MB invoke payload limit.
//! - **Outcome**: success deletes the batch; a function error (or throttle) leaves it to
//!   reappear after the visibility timeout, so it reaches the queue's dead-letter queue after
//!   `maxReceiveCount`; with `ReportBatchItemFailures`, everything but the listed
//!   `batchItemFailures` is deleted, and an invalid response fails the whole batch. On FIFO
//!   queues a failed message also keeps the later messages of its group, so group order holds.
//! - **Filters**: messages matching no filter are deleted without invoking.
//! - **Scaling**: [`INITIAL_CONCURRENCY`] pollers (AWS starts with 5), one more whenever a
//!   poller took a full batch and the backlog remains, one fewer whenever a poller's long poll
//!   comes back empty or it took a partial batch with nothing left waiting, never below the
//!   initial number, never above `MaximumConcurrency` or the
//!   function's reserved concurrency. Each change is logged ("event source mapping <uuid>:
//!   scaling to N concurrent batches") and recorded ([`super::scaling_history`]).
//!
//! Every wait is the queue's own long poll or the injected clock.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use bytes::Bytes;
use nimbus_core::bus::{ConsumedMessage, DeliveryError, QueueConsumer};
use nimbus_core::{Arn, ServiceEnv};
use parking_lot::Mutex;
use serde_json::{Map, Value, json};
use tokio::sync::{Notify, watch};

use super::filter::Pattern;
use super::{MappingRecord, record_scale, state};
use crate::LambdaService;
use crate::error::LambdaErrorCode;
use crate::runtime::ACCOUNT_CONCURRENCY;

/// Concurrent batches a mapping starts with.
pub const INITIAL_CONCURRENCY: usize = 5;
/// A poller's long-poll wait, seconds.
pub const LONG_POLL_SECONDS: u32 = 20;
/// Stop adding messages to a batch past this many bytes of event records (the invoke payload
/// limit is 6 MB).
pub const MAX_BATCH_BYTES: usize = 5 * 1024 * 1024;
/// The largest event an invocation carries (the synchronous invoke payload limit, less the
/// envelope).
pub const MAX_INVOKE_PAYLOAD: usize = 6 * 1024 * 1024 - 1024;
/// How long pollers wait before looking again for a queue that does not exist, ms.
pub const MISSING_QUEUE_RETRY_MS: u64 = 10_000;

/// Starts the poller task of one mapping; it follows the record published on `rx` (polling
/// while `Enabled`) and ends when the record is withdrawn (`None`) or SQS stops.
pub(crate) fn spawn(
    svc: Weak<LambdaService>,
    env: ServiceEnv,
    rx: watch::Receiver<Option<MappingRecord>>,
) {
    tokio::spawn(run(svc, env, rx));
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum End {
    /// Told to stop (configuration changed).
    Stopped,
    /// SQS is stopping or gone from the sandbox.
    Unavailable,
}

async fn run(
    svc: Weak<LambdaService>,
    env: ServiceEnv,
    mut rx: watch::Receiver<Option<MappingRecord>>,
) {
    loop {
        let rec = rx.borrow_and_update().clone();
        let Some(rec) = rec else { return };
        if rec.state != state::ENABLED {
            if rx.changed().await.is_err() {
                return;
            }
            continue;
        }
        let Some(group) = Group::new(svc.clone(), env.clone(), rec) else {
            if rx.changed().await.is_err() {
                return;
            }
            continue;
        };
        let (stop_tx, stop_rx) = watch::channel(false);
        let g = group.clone();
        let mut task = tokio::spawn(async move { g.run(stop_rx).await });
        tokio::select! {
            r = &mut task => {
                if matches!(r, Ok(End::Unavailable) | Err(_)) {
                    return;
                }
            }
            changed = rx.changed() => {
                let _ = stop_tx.send(true);
                let _ = task.await;
                if changed.is_err() {
                    return;
                }
            }
        }
    }
}

/// What collecting a batch gave.
enum Collected {
    Batch(Vec<ConsumedMessage>),
    Empty,
    Stopped,
    QueueGone,
    Unavailable,
}

/// The pollers of one mapping while its configuration stays the same.
struct Group {
    svc: Weak<LambdaService>,
    env: ServiceEnv,
    rec: MappingRecord,
    arn: Arn,
    filters: Vec<Pattern>,
    baseline: usize,
    active: AtomicUsize,
    done: Notify,
    ended: Mutex<Option<End>>,
}

/// The most concurrent batches now: `MaximumConcurrency` and the function's reserved
/// concurrency (at least one poller, so a throttled function still sees its queue).
fn cap(svc: &Weak<LambdaService>, rec: &MappingRecord) -> usize {
    let mut cap = rec
        .maximum_concurrency
        .map_or(ACCOUNT_CONCURRENCY as usize, |n| n as usize);
    if let Some(svc) = svc.upgrade()
        && let Ok(f) = svc.function(&rec.function)
        && let Some(r) = f.reserved_concurrency
    {
        cap = cap.min(r as usize);
    }
    cap.max(1)
}

async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

impl Group {
    fn new(svc: Weak<LambdaService>, env: ServiceEnv, rec: MappingRecord) -> Option<Arc<Group>> {
        let arn: Arn = rec.event_source_arn.parse().ok()?;
        let filters = rec
            .filters
            .iter()
            .flatten()
            .filter_map(|p| Pattern::parse(p).ok())
            .collect();
        let baseline = INITIAL_CONCURRENCY.min(cap(&svc, &rec));
        Some(Arc::new(Group {
            svc,
            env,
            arn,
            filters,
            baseline,
            active: AtomicUsize::new(0),
            done: Notify::new(),
            ended: Mutex::new(None),
            rec,
        }))
    }

    fn cap(&self) -> usize {
        cap(&self.svc, &self.rec)
    }

    async fn run(self: Arc<Self>, stop: watch::Receiver<bool>) -> End {
        tracing::info!(
            "event source mapping {}: polling {} for {} with {} concurrent batches",
            self.rec.uuid,
            self.rec.event_source_arn,
            self.rec.function.name,
            self.baseline
        );
        for _ in 0..self.baseline {
            self.add_poller(&stop, false);
        }
        loop {
            let notified = self.done.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.active.load(Ordering::Acquire) == 0 {
                break;
            }
            notified.await;
        }
        self.ended.lock().unwrap_or(End::Stopped)
    }

    /// Starts one of the initial pollers.
    fn add_poller(self: &Arc<Self>, stop: &watch::Receiver<bool>, log: bool) {
        let n = self.active.fetch_add(1, Ordering::AcqRel) + 1;
        record_scale(&self.rec.uuid, n, log);
        self.spawn_counted(stop);
    }

    /// Runs a poller already counted in `active`.
    fn spawn_counted(self: &Arc<Self>, stop: &watch::Receiver<bool>) {
        let g = self.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            if g.poll(stop).await {
                // Retired: `try_retire` already counted it out; a scale-down, logged.
                record_scale(&g.rec.uuid, g.active.load(Ordering::Acquire), true);
            } else {
                // The mapping stopped (or SQS did): not a scaling decision.
                let n = g.active.fetch_sub(1, Ordering::AcqRel) - 1;
                record_scale(&g.rec.uuid, n, false);
            }
            g.done.notify_waiters();
        });
    }

    /// Adds a poller if below the cap (atomic, so concurrent growth never passes it).
    fn grow(self: &Arc<Self>, stop: &watch::Receiver<bool>) {
        if *stop.borrow() {
            return;
        }
        let cap = self.cap();
        let mut cur = self.active.load(Ordering::Acquire);
        while cur < cap {
            match self
                .active
                .compare_exchange(cur, cur + 1, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => {
                    record_scale(&self.rec.uuid, cur + 1, true);
                    self.spawn_counted(stop);
                    return;
                }
                Err(now) => cur = now,
            }
        }
    }

    /// Whether a poller could retire now (more pollers than the initial number).
    fn may_retire(&self) -> bool {
        self.active.load(Ordering::Acquire) > self.baseline
    }

    /// Counts one poller out if there are more than the initial number; the caller then
    /// exits. Atomic, so concurrent retirements never go below the initial number.
    fn try_retire(&self) -> bool {
        let mut cur = self.active.load(Ordering::Acquire);
        while cur > self.baseline {
            match self
                .active
                .compare_exchange(cur, cur - 1, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return true,
                Err(now) => cur = now,
            }
        }
        false
    }

    /// Polls until stopped or retired; returns whether it retired.
    async fn poll(self: &Arc<Self>, mut stop: watch::Receiver<bool>) -> bool {
        loop {
            if *stop.borrow() {
                return false;
            }
            let Ok(consumer) = self.env.bus.queue_consumer().cloned() else {
                *self.ended.lock() = Some(End::Unavailable);
                return false;
            };
            match self.collect(&consumer, &mut stop).await {
                Collected::Stopped => return false,
                Collected::Unavailable => {
                    *self.ended.lock() = Some(End::Unavailable);
                    return false;
                }
                Collected::QueueGone => {
                    let at = self.env.clock.now_millis() + MISSING_QUEUE_RETRY_MS;
                    tokio::select! {
                        _ = self.env.clock.sleep_until(at) => {}
                        _ = stopped(&mut stop) => return false,
                    }
                }
                Collected::Empty => {
                    if self.try_retire() {
                        return true;
                    }
                }
                Collected::Batch(batch) => {
                    // A full batch with more waiting: the backlog grows, add a poller. A
                    // partial batch with nothing waiting: it shrank, this one may retire.
                    let full = batch.len() >= self.rec.batch_size as usize;
                    let backlog = if full || self.may_retire() {
                        consumer
                            .consumed_queue(&self.arn)
                            .await
                            .map_or(0, |q| q.visible_messages)
                    } else {
                        0
                    };
                    if full && backlog > 0 {
                        self.grow(&stop);
                    }
                    let throttled = self.process(&consumer, batch).await;
                    if (throttled || (!full && backlog == 0)) && self.try_retire() {
                        return true;
                    }
                }
            }
        }
    }

    /// Receives one batch per the mapping's size and window.
    async fn collect(
        &self,
        consumer: &Arc<dyn QueueConsumer>,
        stop: &mut watch::Receiver<bool>,
    ) -> Collected {
        let target = self.rec.batch_size.max(1) as usize;
        let clock = &self.env.clock;
        let mut batch: Vec<ConsumedMessage> = Vec::new();
        let mut bytes = 0usize;
        let mut deadline = None;
        loop {
            let wait = match deadline {
                None => LONG_POLL_SECONDS,
                Some(d) => {
                    let now = clock.now_millis();
                    if now >= d {
                        break;
                    }
                    (d - now).div_ceil(1000).min(u64::from(LONG_POLL_SECONDS)) as u32
                }
            };
            let want = (target - batch.len()).min(10);
            let got = tokio::select! {
                r = consumer.receive(&self.arn, want, wait, None) => r,
                _ = stopped(stop) => {
                    self.release(consumer, &batch).await;
                    return Collected::Stopped;
                }
            };
            match got {
                Ok(msgs) => {
                    bytes += msgs.iter().map(record_size).sum::<usize>();
                    batch.extend(msgs);
                }
                Err(DeliveryError::Unavailable(_)) => return Collected::Unavailable,
                Err(e) => {
                    self.release(consumer, &batch).await;
                    tracing::debug!(
                        "event source mapping {}: cannot receive from {}: {e}",
                        self.rec.uuid,
                        self.arn
                    );
                    return Collected::QueueGone;
                }
            }
            if batch.is_empty() {
                return Collected::Empty;
            }
            if batch.len() >= target || bytes >= MAX_BATCH_BYTES {
                break;
            }
            if self.rec.batching_window_secs == 0 {
                if target <= 10 {
                    break;
                }
                // Fill larger batches from what is visible now, without waiting.
                deadline.get_or_insert(clock.now_millis());
                continue;
            }
            // The window counts from the first message's receive.
            deadline.get_or_insert(
                batch[0].received_at + u64::from(self.rec.batching_window_secs) * 1000,
            );
        }
        // One receive may bring more than an invocation can carry: what does not fit goes
        // back to the queue at once.
        let mut total = 0;
        if let Some(cut) = batch.iter().enumerate().position(|(i, m)| {
            total += record_size(m);
            i > 0 && total > MAX_INVOKE_PAYLOAD
        }) {
            let rest = batch.split_off(cut);
            self.release(consumer, &rest).await;
        }
        Collected::Batch(batch)
    }

    /// Makes received messages visible again (the batch was abandoned).
    async fn release(&self, consumer: &Arc<dyn QueueConsumer>, batch: &[ConsumedMessage]) {
        if batch.is_empty() {
            return;
        }
        let handles: Vec<String> = batch.iter().map(|m| m.receipt_handle.clone()).collect();
        let _ = consumer.change_visibility(&self.arn, &handles, 0).await;
    }

    /// Filters, invokes and deletes one batch; returns whether the function was throttled.
    async fn process(
        &self,
        consumer: &Arc<dyn QueueConsumer>,
        batch: Vec<ConsumedMessage>,
    ) -> bool {
        let region = self.rec.function.region.clone();
        let mut records = Vec::with_capacity(batch.len());
        let mut kept = Vec::with_capacity(batch.len());
        let mut unmatched = Vec::new();
        for m in batch {
            let record = event_record(&m, &self.rec.event_source_arn, &region);
            if self.filters.is_empty() || {
                let view = filter_view(&record);
                self.filters.iter().any(|p| p.matches(&view))
            } {
                records.push(record);
                kept.push(m);
            } else {
                unmatched.push(m.receipt_handle);
            }
        }
        let counts = |metric, n| {
            if let Some(svc) = self.svc.upgrade() {
                svc.publish_mapping_count(&self.rec, metric, n);
            }
        };
        counts("PolledEventCount", kept.len() + unmatched.len());
        counts("FilteredOutEventCount", unmatched.len());
        if !unmatched.is_empty()
            && let Err(e) = consumer.delete(&self.arn, &unmatched).await
        {
            tracing::warn!(
                "event source mapping {}: cannot delete filtered-out messages: {e}",
                self.rec.uuid
            );
        }
        if kept.is_empty() {
            return false;
        }
        let Some(svc) = self.svc.upgrade() else {
            return false;
        };
        let payload = Bytes::from(json!({ "Records": records }).to_string());
        let request_id = nimbus_core::ids::request_id();
        let result = svc
            .invoke_sync(&self.rec.function, &request_id, payload, None)
            .await;
        if !matches!(&result, Err(e) if e.kind() == LambdaErrorCode::TooManyRequests) {
            counts("InvokedEventCount", kept.len());
        }
        let to_delete: Vec<String> = match result {
            Ok(r) if !r.function_error => {
                if self.rec.reports_item_failures() {
                    match batch_item_failures(&r.payload, &kept) {
                        Some(failed) => {
                            counts("FailedInvokeEventCount", failed.len());
                            self.succeeded_after_partial(&kept, &failed)
                        }
                        None => {
                            counts("FailedInvokeEventCount", kept.len());
                            tracing::info!(
                                "event source mapping {}: invalid partial batch response; the whole batch fails: {}",
                                self.rec.uuid,
                                String::from_utf8_lossy(&r.payload)
                            );
                            Vec::new()
                        }
                    }
                } else {
                    kept.iter().map(|m| m.receipt_handle.clone()).collect()
                }
            }
            Ok(r) => {
                counts("FailedInvokeEventCount", kept.len());
                tracing::info!(
                    "event source mapping {}: {} failed ({}); {} messages return after their visibility timeout",
                    self.rec.uuid,
                    self.rec.function.name,
                    crate::runtime::error_summary(&r.payload),
                    kept.len()
                );
                Vec::new()
            }
            Err(ref e) if e.kind() == LambdaErrorCode::TooManyRequests => {
                tracing::debug!("event source mapping {}: throttled", self.rec.uuid);
                return true;
            }
            Err(e) => {
                counts("FailedInvokeEventCount", kept.len());
                tracing::warn!(
                    "event source mapping {}: cannot invoke {}: {e}",
                    self.rec.uuid,
                    self.rec.function.name
                );
                Vec::new()
            }
        };
        if !to_delete.is_empty() {
            match consumer.delete(&self.arn, &to_delete).await {
                Ok(_) => counts("DeletedEventCount", to_delete.len()),
                Err(e) => tracing::warn!(
                    "event source mapping {}: cannot delete processed messages: {e}",
                    self.rec.uuid
                ),
            }
        }
        false
    }

    /// The handles to delete after a partial failure: all but the failed ones; on FIFO
    /// queues also all later messages of a failed message's group.
    fn succeeded_after_partial(&self, kept: &[ConsumedMessage], failed: &[String]) -> Vec<String> {
        let fifo = self.arn.resource.ends_with(".fifo");
        let mut blocked_groups: Vec<String> = Vec::new();
        let mut out = Vec::new();
        for m in kept {
            let group = m.attributes.get("MessageGroupId").cloned();
            if failed.contains(&m.message_id) {
                if fifo && let Some(g) = group {
                    blocked_groups.push(g);
                }
                continue;
            }
            if fifo && group.as_ref().is_some_and(|g| blocked_groups.contains(g)) {
                continue;
            }
            out.push(m.receipt_handle.clone());
        }
        out
    }
}

/// About how many bytes a message adds to the invoke payload as an event record (the body
/// and receipt handle, attributes, and the record's fixed fields).
fn record_size(m: &ConsumedMessage) -> usize {
    let attrs: usize = m
        .message_attributes
        .iter()
        .map(|(k, v)| {
            k.len()
                + v.data_type.len()
                + v.string_value.as_ref().map_or(0, String::len)
                + v.binary_value.as_ref().map_or(0, |b| b.len() * 4 / 3 + 4)
                + 80
        })
        .sum();
    m.body.len() + m.receipt_handle.len() + attrs + 512
}

/// The failed message ids of a partial batch response, or `None` when the response is
/// invalid (the whole batch then fails). A null or empty response, or a null or empty list,
/// means all succeeded.
fn batch_item_failures(payload: &[u8], batch: &[ConsumedMessage]) -> Option<Vec<String>> {
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Some(Vec::new());
    }
    let v: Value = serde_json::from_slice(payload).ok()?;
    let obj = match v {
        Value::Null => return Some(Vec::new()),
        Value::Object(o) => o,
        _ => return None,
    };
    let list = match obj.get("batchItemFailures") {
        None | Some(Value::Null) => return Some(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return None,
    };
    let mut out = Vec::with_capacity(list.len());
    for item in list {
        let id = item.as_object()?.get("itemIdentifier")?.as_str()?;
        if id.is_empty() || !batch.iter().any(|m| m.message_id == id) {
            return None;
        }
        out.push(id.to_owned());
    }
    Some(out)
}

/// The SQS event record AWS sends for one message.
pub fn event_record(m: &ConsumedMessage, queue_arn: &str, region: &str) -> Value {
    use base64::Engine;
    let mut attrs = Map::new();
    for (k, v) in &m.message_attributes {
        let mut a = Map::new();
        if let Some(s) = &v.string_value {
            a.insert("stringValue".into(), json!(s));
        }
        if let Some(b) = &v.binary_value {
            a.insert(
                "binaryValue".into(),
                json!(base64::engine::general_purpose::STANDARD.encode(b)),
            );
        }
        a.insert("stringListValues".into(), json!([]));
        a.insert("binaryListValues".into(), json!([]));
        a.insert("dataType".into(), json!(v.data_type));
        attrs.insert(k.clone(), Value::Object(a));
    }
    let mut r = json!({
        "messageId": m.message_id,
        "receiptHandle": m.receipt_handle,
        "body": m.body,
        "attributes": m.attributes,
        "messageAttributes": attrs,
        "md5OfBody": m.md5_of_body,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    });
    if let Some(md5) = &m.md5_of_message_attributes {
        r["md5OfMessageAttributes"] = json!(md5);
    }
    r
}

/// The record as filters see it: `body` parsed when it is JSON.
fn filter_view(record: &Value) -> Value {
    let mut v = record.clone();
    if let Some(body) = record.get("body").and_then(Value::as_str)
        && let Ok(parsed) = serde_json::from_str::<Value>(body)
        && (parsed.is_object() || parsed.is_array())
    {
        v["body"] = parsed;
    }
    v
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use nimbus_core::bus::ConsumedAttribute;

    use super::*;

    fn msg(id: &str) -> ConsumedMessage {
        ConsumedMessage {
            message_id: id.into(),
            receipt_handle: format!("rh-{id}"),
            received_at: 0,
            body: "{\"a\":1}".into(),
            md5_of_body: "x".into(),
            md5_of_message_attributes: None,
            attributes: BTreeMap::new(),
            message_attributes: BTreeMap::new(),
        }
    }

    #[test]
    fn partial_batch_responses() {
        let batch = [msg("m1"), msg("m2")];
        let f = |s: &str| batch_item_failures(s.as_bytes(), &batch);
        for all_ok in [
            "",
            "null",
            "{}",
            r#"{"batchItemFailures": null}"#,
            r#"{"batchItemFailures": []}"#,
            r#"{"other": 1}"#,
        ] {
            assert_eq!(f(all_ok), Some(vec![]), "{all_ok}");
        }
        assert_eq!(
            f(r#"{"batchItemFailures": [{"itemIdentifier": "m2"}]}"#),
            Some(vec!["m2".to_owned()])
        );
        for invalid in [
            "not json",
            "\"text\"",
            "[1]",
            r#"{"batchItemFailures": "m1"}"#,
            r#"{"batchItemFailures": [{"itemIdentifier": ""}]}"#,
            r#"{"batchItemFailures": [{"itemIdentifier": null}]}"#,
            r#"{"batchItemFailures": [{"id": "m1"}]}"#,
            r#"{"batchItemFailures": [{"itemIdentifier": "m9"}]}"#,
        ] {
            assert_eq!(f(invalid), None, "{invalid}");
        }
    }

    #[test]
    fn records_have_the_sqs_event_shape() {
        let mut m = msg("m1");
        m.message_attributes.insert(
            "n".into(),
            ConsumedAttribute {
                data_type: "Number".into(),
                string_value: Some("5".into()),
                binary_value: None,
            },
        );
        m.md5_of_message_attributes = Some("abc".into());
        let r = event_record(&m, "arn:aws:sqs:us-east-1:000000000000:q", "us-east-1");
        assert_eq!(r["eventSource"], "aws:sqs");
        assert_eq!(r["eventSourceARN"], "arn:aws:sqs:us-east-1:000000000000:q");
        assert_eq!(r["md5OfMessageAttributes"], "abc");
        assert_eq!(
            r["messageAttributes"]["n"],
            json!({"stringValue": "5", "stringListValues": [], "binaryListValues": [], "dataType": "Number"})
        );
        // Filters see a JSON body parsed, plain text as it is.
        assert_eq!(filter_view(&r)["body"]["a"], 1);
        m.body = "plain".into();
        let r = event_record(&m, "q", "us-east-1");
        assert_eq!(filter_view(&r)["body"], "plain");
    }
}
