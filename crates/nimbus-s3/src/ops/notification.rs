//! PutBucketNotificationConfiguration and GetBucketNotificationConfiguration: destination
//! validation through the core bus and the `s3:TestEvent` sent to each queue.

use http::StatusCode;
use nimbus_core::Arn;
use nimbus_wire::Response;

use super::{Call, empty, xml};
use crate::error::{S3Error, S3Result};
use crate::notify::config::{DestinationKind, NotificationConfiguration};
use crate::notify::event::test_event;
use crate::notify::outbox::{Delivery, Outbox};
use crate::{Inner, store};

/// `GET /{bucket}?notification`.
pub async fn get(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let cfg = inner.with_bucket(call.bucket()?, |b| Ok(b.info.notification.clone()))?;
    Ok(xml(cfg.unwrap_or_default().to_xml()))
}

/// Why a destination could not be validated, or `None` when it exists.
async fn check_destination(
    inner: &Inner,
    kind: DestinationKind,
    arn: &str,
    caller: &nimbus_core::bus::InvokeCaller,
) -> Option<&'static str> {
    let Ok(parsed) = arn.parse::<Arn>() else {
        return Some("The destination ARN is not valid");
    };
    match kind {
        DestinationKind::Queue => match inner.env.bus.queues() {
            Ok(q) if q.queue_exists(&parsed).await => None,
            Ok(_) => Some("The destination queue does not exist"),
            Err(_) => Some("SQS is not running in this sandbox"),
        },
        DestinationKind::Function => match inner.env.bus.functions() {
            Ok(f) if f.function_exists(&parsed).await => {
                if f.permits(&parsed, caller).await {
                    None
                } else {
                    Some(
                        "The function's resource-based policy does not allow s3.amazonaws.com to invoke it",
                    )
                }
            }
            Ok(_) => Some("The destination function does not exist"),
            Err(_) => {
                tracing::warn!(function = %arn,
                    "Lambda is not running in this sandbox; notification configuration stored without validation");
                None
            }
        },
        DestinationKind::Topic => {
            Some("nimbus does not serve SNS; topic destinations cannot be validated or delivered")
        }
    }
}

/// `PUT /{bucket}?notification`.
pub async fn put(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let bucket = call.bucket()?.to_owned();
    inner.with_bucket(&bucket, |_| Ok(()))?;
    let doc = call.document().await?;
    let cfg = NotificationConfiguration::parse(&crate::xmlin::parse(&doc)?)?;
    let skip = call
        .header("x-amz-skip-destination-validation")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if !skip {
        let caller = nimbus_core::bus::InvokeCaller {
            principal: "s3.amazonaws.com".into(),
            source_arn: Some(format!("arn:aws:s3:::{bucket}")),
            source_account: Some(inner.with_bucket(&bucket, |b| Ok(b.info.account.clone()))?),
        };
        let mut failures = Vec::new();
        for t in &cfg.targets {
            if let Some(why) = check_destination(inner, t.kind, &t.arn, &caller).await {
                failures.push((t.arn.clone(), why));
            }
        }
        if !failures.is_empty() {
            let mut err: nimbus_wire::ServiceError = S3Error::invalid_argument(
                "Unable to validate the following destination configurations",
            )
            .into();
            for (i, (arn, why)) in failures.into_iter().enumerate() {
                err = err
                    .with_field(format!("ArgumentName{}", i + 1), arn)
                    .with_field(format!("ArgumentValue{}", i + 1), why);
            }
            return Err(S3Error::Detailed(Box::new(err)));
        }
    }
    // A test event to each distinct queue, committed with the configuration (part of the
    // validation S3 skips with x-amz-skip-destination-validation).
    let now = inner.env.clock.now_millis();
    let mut queues: Vec<&str> = cfg
        .targets
        .iter()
        .filter(|t| t.kind == DestinationKind::Queue)
        .map(|t| t.arn.as_str())
        .collect();
    queues.sort();
    queues.dedup();
    let deliveries: Vec<(u64, Delivery)> = if !skip && inner.env.bus.queues().is_ok() {
        queues
            .iter()
            .map(|arn| {
                (
                    inner.outbox.allocate_id(),
                    Delivery {
                        kind: DestinationKind::Queue,
                        arn: (*arn).to_owned(),
                        body: test_event(&bucket, now, &call.ctx.request_id, &call.ctx.request_id),
                        attempts: 0,
                    },
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let ack = {
        let mut state = inner.store.state.write();
        let b = state
            .buckets
            .get_mut(&bucket)
            .ok_or_else(|| S3Error::NoSuchBucket(bucket.clone()))?;
        let mut info = b.info.clone();
        info.notification = (!cfg.targets.is_empty() || cfg.event_bridge).then_some(cfg);
        let mut effects = vec![store::put_bucket(&info)];
        effects.extend(deliveries.iter().map(|(id, d)| Outbox::effect(*id, d)));
        b.info = info;
        inner.store.db.submit(effects)
    };
    inner.finish_change(ack, deliveries, Vec::new()).await?;
    Ok(empty(StatusCode::OK))
}
