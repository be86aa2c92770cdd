//! PutBucketNotificationConfiguration and GetBucketNotificationConfiguration: destination
//! validation through the core bus and the `s3:TestEvent` sent to each queue.

use http::StatusCode;
use nimbus_core::Arn;
use nimbus_wire::Response;

use super::{Call, empty, xml};
use crate::Inner;
use crate::error::{S3Error, S3Result};
use crate::notify::config::{DestinationKind, NotificationConfiguration};

/// `GET /{bucket}?notification`.
pub async fn get(inner: &Inner, call: &mut Call) -> S3Result<Response> {
    let cfg = inner.engine.bucket_notification(call.bucket()?)?;
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
            Ok(q) if q.queue_exists(&parsed).await => {
                let source = nimbus_core::bus::DeliverySource::Service(caller.clone());
                if q.permits(&parsed, &source).await {
                    None
                } else {
                    Some(
                        "Permissions on the destination queue do not allow S3 to publish notifications from this bucket",
                    )
                }
            }
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
    inner.engine.check_bucket(&bucket)?;
    let doc = call.document().await?;
    let cfg = NotificationConfiguration::parse(&crate::xmlin::parse(&doc)?)?;
    let skip = call
        .header("x-amz-skip-destination-validation")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if !skip {
        let caller = nimbus_core::bus::InvokeCaller {
            principal: "s3.amazonaws.com".into(),
            source_arn: Some(format!("arn:aws:s3:::{bucket}")),
            source_account: Some(inner.engine.bucket_owner(&bucket)?),
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
    inner
        .engine
        .put_bucket_notification(&bucket, cfg, !skip, &call.ctx)
        .await?;
    Ok(empty(StatusCode::OK))
}
