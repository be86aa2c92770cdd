//! PutFunctionEventInvokeConfig, UpdateFunctionEventInvokeConfig,
//! GetFunctionEventInvokeConfig, ListFunctionEventInvokeConfigs,
//! DeleteFunctionEventInvokeConfig: shapes, replace versus merge, and errors.

use aws_sdk_lambda::types::{DestinationConfig, OnFailure, OnSuccess};
use nimbus_testkit::TestSandbox;

use super::{err, python};

const HANDLER: &str = "def lambda_handler(event, context):\n    return 1\n";
const ARN: &str = "arn:aws:lambda:us-east-1:000000000000:function:cfg:$LATEST";

async fn setup() -> (TestSandbox, String) {
    let sb = TestSandbox::start().await;
    python(&sb, "cfg", HANDLER).await;
    python(&sb, "other", HANDLER).await;
    sb.sqs()
        .create_queue()
        .queue_name("dest")
        .send()
        .await
        .unwrap();
    (sb, "arn:aws:sqs:us-east-1:000000000000:dest".to_owned())
}

#[tokio::test]
async fn put_get_update_list_delete() {
    let (sb, queue) = setup().await;
    let l = sb.lambda();
    let none = l
        .get_function_event_invoke_config()
        .function_name("cfg")
        .send()
        .await;
    let (code, msg, status) = err(none);
    assert_eq!((code.as_str(), status), ("ResourceNotFoundException", 404));
    assert!(msg.contains("cfg"), "{msg}");
    let listed = l
        .list_function_event_invoke_configs()
        .function_name("cfg")
        .send()
        .await
        .unwrap();
    assert!(listed.function_event_invoke_configs().is_empty());

    let before = nimbus_core::Clock::now_millis(&*sb.clock());
    let put = l
        .put_function_event_invoke_config()
        .function_name("cfg")
        .maximum_retry_attempts(1)
        .maximum_event_age_in_seconds(3600)
        .destination_config(
            DestinationConfig::builder()
                .on_failure(OnFailure::builder().destination(&queue).build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(put.function_arn(), Some(ARN));
    assert_eq!(put.maximum_retry_attempts(), Some(1));
    assert_eq!(put.maximum_event_age_in_seconds(), Some(3600));
    let dc = put.destination_config().unwrap();
    assert_eq!(
        dc.on_failure().and_then(|d| d.destination()),
        Some(queue.as_str())
    );
    assert_eq!(dc.on_success().and_then(|d| d.destination()), None);
    let lm = put.last_modified().unwrap().secs() as u64;
    assert!(lm.abs_diff(before / 1000) <= 1, "{lm} vs {before}");

    let got = l
        .get_function_event_invoke_config()
        .function_name("cfg")
        .send()
        .await
        .unwrap();
    assert_eq!(got.maximum_retry_attempts(), Some(1));
    assert_eq!(got.function_arn(), Some(ARN));

    // Update changes only what it names.
    let up = l
        .update_function_event_invoke_config()
        .function_name("cfg")
        .maximum_retry_attempts(0)
        .destination_config(
            DestinationConfig::builder()
                .on_success(
                    OnSuccess::builder()
                        .destination("arn:aws:lambda:us-east-1:000000000000:function:other")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(up.maximum_retry_attempts(), Some(0));
    assert_eq!(up.maximum_event_age_in_seconds(), Some(3600));
    let dc = up.destination_config().unwrap();
    assert_eq!(
        dc.on_failure().and_then(|d| d.destination()),
        Some(queue.as_str())
    );
    assert_eq!(
        dc.on_success().and_then(|d| d.destination()),
        Some("arn:aws:lambda:us-east-1:000000000000:function:other")
    );

    // Put replaces: what it leaves out is removed.
    let put = l
        .put_function_event_invoke_config()
        .function_name("cfg")
        .maximum_event_age_in_seconds(60)
        .send()
        .await
        .unwrap();
    assert_eq!(put.maximum_retry_attempts(), None);
    assert_eq!(put.maximum_event_age_in_seconds(), Some(60));
    let dc = put.destination_config().unwrap();
    assert!(dc.on_failure().and_then(|d| d.destination()).is_none());
    assert!(dc.on_success().and_then(|d| d.destination()).is_none());

    let listed = l
        .list_function_event_invoke_configs()
        .function_name("arn:aws:lambda:us-east-1:000000000000:function:cfg")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.function_event_invoke_configs().len(), 1);
    assert_eq!(
        listed.function_event_invoke_configs()[0].function_arn(),
        Some(ARN)
    );
    assert_eq!(listed.next_marker(), None);

    l.delete_function_event_invoke_config()
        .function_name("cfg")
        .send()
        .await
        .unwrap();
    let (code, _, status) = err(l
        .get_function_event_invoke_config()
        .function_name("cfg")
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("ResourceNotFoundException", 404));
    let (code, _, status) = err(l
        .delete_function_event_invoke_config()
        .function_name("cfg")
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("ResourceNotFoundException", 404));
    let listed = l
        .list_function_event_invoke_configs()
        .function_name("cfg")
        .send()
        .await
        .unwrap();
    assert!(listed.function_event_invoke_configs().is_empty());
}

#[tokio::test]
async fn errors() {
    let (sb, queue) = setup().await;
    let l = sb.lambda();
    // Update needs an existing configuration.
    let (code, _, status) = err(l
        .update_function_event_invoke_config()
        .function_name("cfg")
        .maximum_retry_attempts(1)
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("ResourceNotFoundException", 404));
    // Unknown function.
    let (code, msg, status) = err(l
        .put_function_event_invoke_config()
        .function_name("nope")
        .maximum_retry_attempts(1)
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("ResourceNotFoundException", 404));
    assert_eq!(
        msg,
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope"
    );
    // Only $LATEST exists.
    let (code, _, _) = err(l
        .get_function_event_invoke_config()
        .function_name("cfg")
        .qualifier("1")
        .send()
        .await);
    assert_eq!(code, "ResourceNotFoundException");
    // Ranges.
    let (code, msg, status) = err(l
        .put_function_event_invoke_config()
        .function_name("cfg")
        .maximum_retry_attempts(3)
        .send()
        .await);
    assert_eq!((code.as_str(), status), ("ValidationException", 400));
    assert_eq!(
        msg,
        "1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2"
    );
    let (code, msg, _) = err(l
        .put_function_event_invoke_config()
        .function_name("cfg")
        .maximum_event_age_in_seconds(59)
        .send()
        .await);
    assert_eq!(code, "ValidationException");
    assert!(
        msg.contains("'maximumEventAgeInSeconds'") && msg.contains("greater than or equal to 60"),
        "{msg}"
    );
    let (code, _, _) = err(l
        .put_function_event_invoke_config()
        .function_name("cfg")
        .maximum_event_age_in_seconds(21601)
        .send()
        .await);
    assert_eq!(code, "ValidationException");
    // Destinations.
    let dest = |on_success: &str| {
        DestinationConfig::builder()
            .on_success(OnSuccess::builder().destination(on_success).build())
            .build()
    };
    let (code, msg, _) = err(l
        .put_function_event_invoke_config()
        .function_name("cfg")
        .destination_config(dest("not-an-arn"))
        .send()
        .await);
    assert_eq!(code, "ValidationException");
    assert!(
        msg.contains("'destinationConfig.onSuccess.destination'"),
        "{msg}"
    );
    // Nothing to set at all.
    let (code, msg, status) = err(l
        .put_function_event_invoke_config()
        .function_name("cfg")
        .send()
        .await);
    assert_eq!(
        (code.as_str(), status),
        ("InvalidParameterValueException", 400)
    );
    assert_eq!(
        msg,
        "You must specify at least one of error handling or destination setting."
    );
    let (_, msg, _) = err(l
        .put_function_event_invoke_config()
        .function_name("cfg")
        .destination_config(dest(
            "arn:aws:lambda:us-east-1:000000000000:function:missing",
        ))
        .send()
        .await);
    assert_eq!(
        msg,
        "The destination ARN arn:aws:lambda:us-east-1:000000000000:function:missing is invalid."
    );
    let (_, msg, _) = err(l
        .put_function_event_invoke_config()
        .function_name("cfg")
        .destination_config(dest("arn:aws:dynamodb:us-east-1:000000000000:table/t"))
        .send()
        .await);
    assert_eq!(
        msg,
        "The provided destination config DestinationConfig(onSuccess=OnSuccess(destination=arn:aws:dynamodb:us-east-1:000000000000:table/t), onFailure=null) is invalid."
    );
    for bad in [
        "arn:aws:lambda:us-east-1:000000000000:function:missing",
        "arn:aws:lambda:us-east-1:000000000000:function:cfg",
        "arn:aws:sns:us-east-1:000000000000:topic",
    ] {
        let (code, _, status) = err(l
            .put_function_event_invoke_config()
            .function_name("cfg")
            .destination_config(dest(bad))
            .send()
            .await);
        assert_eq!(
            (code.as_str(), status),
            ("InvalidParameterValueException", 400),
            "{bad}"
        );
    }
    let (_, msg, _) = err(l
        .put_function_event_invoke_config()
        .function_name("cfg")
        .destination_config(dest("arn:aws:lambda:us-east-1:000000000000:function:cfg"))
        .send()
        .await);
    assert_eq!(
        msg,
        "You can't specify the function as a destination for itself."
    );
    // Nothing was stored by the failed calls.
    assert!(
        l.get_function_event_invoke_config()
            .function_name("cfg")
            .send()
            .await
            .is_err()
    );
    l.put_function_event_invoke_config()
        .function_name("cfg")
        .destination_config(dest(&queue))
        .send()
        .await
        .expect("an existing queue is a valid destination");
    l.put_function_event_invoke_config()
        .function_name("cfg")
        .destination_config(dest("arn:aws:sqs:us-east-1:000000000000:not-yet"))
        .send()
        .await
        .expect("like AWS, queues are not looked up");
    // MaxItems out of range.
    let r = sb
        .raw(
            "GET",
            "/2019-09-25/functions/cfg/event-invoke-config/list?MaxItems=51",
            &[],
            "",
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("maxItems"), "{}", r.body);
    // Deleting the function removes its configuration.
    l.delete_function()
        .function_name("cfg")
        .send()
        .await
        .unwrap();
    python(&sb, "cfg", HANDLER).await;
    assert!(
        l.get_function_event_invoke_config()
            .function_name("cfg")
            .send()
            .await
            .is_err()
    );
}
