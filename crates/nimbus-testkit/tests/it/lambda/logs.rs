//! CloudWatch Logs reads over Lambda's logs: DescribeLogGroups, DescribeLogStreams,
//! GetLogEvents, FilterLogEvents, and the errors.

use nimbus_testkit::TestSandbox;

use super::{invoke, python};

#[tokio::test]
async fn invocation_logs_are_readable() {
    let sb = TestSandbox::start().await;
    python(
        &sb,
        "logger",
        "def lambda_handler(event, context):\n    print('needle', event['n'])\n    return 1\n",
    )
    .await;
    for n in 0..3 {
        invoke(&sb, "logger", &format!(r#"{{"n": {n}}}"#)).await;
    }
    let logs = sb.logs();
    let groups = logs
        .describe_log_groups()
        .log_group_name_prefix("/aws/lambda/")
        .send()
        .await
        .unwrap();
    let g = &groups.log_groups()[0];
    assert_eq!(g.log_group_name(), Some("/aws/lambda/logger"));
    assert_eq!(
        g.arn(),
        Some("arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/logger:*")
    );

    let streams = logs
        .describe_log_streams()
        .log_group_name("/aws/lambda/logger")
        .send()
        .await
        .unwrap();
    assert_eq!(
        streams.log_streams().len(),
        1,
        "one warm environment, one stream"
    );
    let stream = streams.log_streams()[0]
        .log_stream_name()
        .unwrap()
        .to_owned();
    assert!(stream.contains("/[$LATEST]"), "{stream}");
    assert_eq!(stream.len(), "2026/01/01/[$LATEST]".len() + 32, "{stream}");

    let events = logs
        .get_log_events()
        .log_group_name("/aws/lambda/logger")
        .log_stream_name(&stream)
        .start_from_head(true)
        .send()
        .await
        .unwrap();
    let messages: Vec<&str> = events.events().iter().filter_map(|e| e.message()).collect();
    assert!(messages[0].starts_with("START RequestId: "), "{messages:?}");
    assert!(messages.contains(&"needle 0\n"), "{messages:?}");
    assert_eq!(
        messages
            .iter()
            .filter(|m| m.starts_with("REPORT RequestId: "))
            .count(),
        3
    );
    assert_eq!(
        messages
            .iter()
            .filter(|m| m.contains("Init Duration"))
            .count(),
        1
    );
    // Paging forward from the end returns nothing and the same token (botocore's stop rule).
    let fwd = events.next_forward_token().unwrap().to_owned();
    let again = logs
        .get_log_events()
        .log_group_name("/aws/lambda/logger")
        .log_stream_name(&stream)
        .next_token(&fwd)
        .send()
        .await
        .unwrap();
    assert!(again.events().is_empty());
    assert_eq!(again.next_forward_token(), Some(fwd.as_str()));
    // Without startFromHead, the latest `limit` events.
    let last = logs
        .get_log_events()
        .log_group_name("/aws/lambda/logger")
        .log_stream_name(&stream)
        .limit(1)
        .send()
        .await
        .unwrap();
    assert!(
        last.events()[0].message().unwrap().starts_with("REPORT"),
        "{last:?}"
    );

    let found = logs
        .filter_log_events()
        .log_group_name("/aws/lambda/logger")
        .filter_pattern("needle")
        .send()
        .await
        .unwrap();
    let hits: Vec<&str> = found.events().iter().filter_map(|e| e.message()).collect();
    assert_eq!(hits, ["needle 0\n", "needle 1\n", "needle 2\n"]);
    assert!(
        found
            .events()
            .iter()
            .all(|e| e.event_id().is_some() && e.log_stream_name() == Some(stream.as_str()))
    );
    let found = logs
        .filter_log_events()
        .log_group_identifier("arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/logger:*")
        .filter_pattern("\"needle 2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(found.events().len(), 1);
    // Pagination with limit.
    let page = logs
        .filter_log_events()
        .log_group_name("/aws/lambda/logger")
        .filter_pattern("needle")
        .limit(2)
        .send()
        .await
        .unwrap();
    assert_eq!(page.events().len(), 2);
    let rest = logs
        .filter_log_events()
        .log_group_name("/aws/lambda/logger")
        .filter_pattern("needle")
        .limit(2)
        .next_token(page.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.events().len(), 1);
    assert_eq!(rest.next_token(), None);
}

#[tokio::test]
async fn logs_errors() {
    let sb = TestSandbox::start().await;
    let e = sb
        .logs()
        .get_log_events()
        .log_group_name("/aws/lambda/none")
        .log_stream_name("s")
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_resource_not_found_exception());
    let e = sb
        .logs()
        .filter_log_events()
        .log_group_name("/aws/lambda/none")
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_resource_not_found_exception());
    let e = sb
        .logs()
        .create_log_group()
        .log_group_name("mine")
        .send()
        .await
        .unwrap_err();
    use aws_sdk_cloudwatchlogs::error::ProvideErrorMetadata;
    assert_eq!(e.code(), Some("InvalidOperationException"), "{e:?}");
    python(&sb, "p", "def lambda_handler(e, c):\n    return 1\n").await;
    invoke(&sb, "p", "{}").await;
    let e = sb
        .logs()
        .filter_log_events()
        .log_group_name("/aws/lambda/p")
        .filter_pattern("{ $.level = \"x\" }")
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_invalid_parameter_exception());
}
