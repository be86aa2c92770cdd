//! CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, Get/SetQueueAttributes, PurgeQueue,
//! tags, permissions, ListDeadLetterSourceQueues and the move tasks.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_sqs::types::QueueAttributeName as A;
use nimbus_testkit::TestSandbox;

use super::{attribute, code, counts, err, queue, send};

#[tokio::test]
async fn create_get_list_delete() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = queue(&sb, "orders").await;
    let port = sb.endpoint().rsplit(':').next().unwrap().to_owned();
    assert_eq!(url, format!("http://127.0.0.1:{port}/000000000000/orders"));
    let got = sqs
        .get_queue_url()
        .queue_name("orders")
        .send()
        .await
        .unwrap();
    assert_eq!(got.queue_url(), Some(url.as_str()));
    queue(&sb, "orders-dlq").await;
    queue(&sb, "payments").await;
    let all = sqs.list_queues().send().await.unwrap();
    assert_eq!(all.queue_urls().len(), 3);
    let some = sqs
        .list_queues()
        .queue_name_prefix("orders")
        .send()
        .await
        .unwrap();
    assert_eq!(some.queue_urls().len(), 2);
    assert!(some.next_token().is_none());
    sqs.delete_queue().queue_url(&url).send().await.unwrap();
    assert_eq!(
        code(sqs.get_queue_url().queue_name("orders").send().await),
        "AWS.SimpleQueueService.NonExistentQueue"
    );
    assert_eq!(
        code(sqs.delete_queue().queue_url(&url).send().await),
        "AWS.SimpleQueueService.NonExistentQueue"
    );
    assert_eq!(
        sqs.list_queues().send().await.unwrap().queue_urls().len(),
        2
    );
}

#[tokio::test]
async fn create_is_idempotent_for_identical_attributes() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let create = |vt: &str| {
        sqs.create_queue()
            .queue_name("q")
            .attributes(A::VisibilityTimeout, vt)
            .send()
    };
    let a = create("60").await.unwrap();
    let b = create("60").await.unwrap();
    assert_eq!(a.queue_url(), b.queue_url());
    // No attributes at all: the existing queue.
    assert_eq!(
        sqs.create_queue()
            .queue_name("q")
            .send()
            .await
            .unwrap()
            .queue_url(),
        a.queue_url()
    );
    let (c, m) = err(create("61").await);
    assert_eq!(c, "QueueAlreadyExists");
    assert!(m.contains("VisibilityTimeout"), "{m}");
}

#[tokio::test]
async fn queue_names_are_validated() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    for bad in ["", "has space", "dot.ted", &"x".repeat(81), "ünï"] {
        assert_eq!(
            code(sqs.create_queue().queue_name(bad).send().await),
            "InvalidParameterValue",
            "{bad:?}"
        );
    }
    for good in ["a", "A-b_9", &"x".repeat(80)] {
        sqs.create_queue().queue_name(good).send().await.unwrap();
    }
}

#[tokio::test]
async fn a_deleted_name_is_unavailable_for_60_seconds() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = queue(&sb, "again").await;
    sqs.delete_queue().queue_url(&url).send().await.unwrap();
    assert_eq!(
        code(sqs.create_queue().queue_name("again").send().await),
        "AWS.SimpleQueueService.QueueDeletedRecently"
    );
    sb.clock().advance(Duration::from_secs(61));
    assert_eq!(queue(&sb, "again").await, url);
    // The new queue is empty and a new one.
    assert_eq!(counts(&sb, &url).await, (0, 0, 0));
}

#[tokio::test]
async fn accounts_are_isolated_and_owner_id_reaches_across() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let mine = queue(&sb, "shared").await;
    let other = sb.sqs_as("111122223333");
    assert!(
        other
            .list_queues()
            .send()
            .await
            .unwrap()
            .queue_urls()
            .is_empty()
    );
    assert_eq!(
        code(other.get_queue_url().queue_name("shared").send().await),
        "AWS.SimpleQueueService.NonExistentQueue"
    );
    // Another account's queue is found by its owner's id, and answered only when the
    // queue's policy grants sqs:GetQueueUrl.
    assert_eq!(
        code(
            other
                .get_queue_url()
                .queue_name("shared")
                .queue_owner_aws_account_id("000000000000")
                .send()
                .await
        ),
        "AccessDenied"
    );
    sb.sqs()
        .add_permission()
        .queue_url(&mine)
        .label("lookup")
        .aws_account_ids("111122223333")
        .actions("GetQueueUrl")
        .send()
        .await
        .unwrap();
    let url = other
        .get_queue_url()
        .queue_name("shared")
        .queue_owner_aws_account_id("000000000000")
        .send()
        .await
        .unwrap();
    assert_eq!(url.queue_url(), Some(mine.as_str()));
    // The other account has its own queue of the same name.
    let theirs = other
        .create_queue()
        .queue_name("shared")
        .send()
        .await
        .unwrap();
    assert!(theirs.queue_url().unwrap().contains("/111122223333/shared"));
}

#[tokio::test]
async fn list_queues_paginates() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    for i in 0..7 {
        queue(&sb, &format!("p{i}")).await;
    }
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = sqs
            .list_queues()
            .max_results(3)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        seen.extend(page.queue_urls().iter().cloned());
        assert!(page.queue_urls().len() <= 3);
        match page.next_token() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 7);
    assert_eq!(
        code(sqs.list_queues().max_results(0).send().await),
        "InvalidParameterValue"
    );
    assert_eq!(
        code(sqs.list_queues().max_results(1001).send().await),
        "InvalidParameterValue"
    );
    assert_eq!(
        code(sqs.list_queues().next_token("!!!").send().await),
        "InvalidParameterValue"
    );
}

#[tokio::test]
async fn default_attributes() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let url = queue(&sb, "defaults").await;
    let got = sb
        .sqs()
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(A::All)
        .send()
        .await
        .unwrap();
    let m: HashMap<String, String> = got
        .attributes
        .unwrap()
        .into_iter()
        .map(|(k, v)| (k.as_str().to_owned(), v))
        .collect();
    assert_eq!(m["VisibilityTimeout"], "30");
    assert_eq!(m["MaximumMessageSize"], "1048576");
    assert_eq!(m["MessageRetentionPeriod"], "345600");
    assert_eq!(m["DelaySeconds"], "0");
    assert_eq!(m["ReceiveMessageWaitTimeSeconds"], "0");
    assert_eq!(m["SqsManagedSseEnabled"], "true");
    assert_eq!(m["ApproximateNumberOfMessages"], "0");
    assert_eq!(m["ApproximateNumberOfMessagesNotVisible"], "0");
    assert_eq!(m["ApproximateNumberOfMessagesDelayed"], "0");
    assert_eq!(m["QueueArn"], "arn:aws:sqs:us-east-1:000000000000:defaults");
    let now_secs = nimbus_core::Clock::now_secs(&*sb.clock());
    assert_eq!(m["CreatedTimestamp"], now_secs.to_string());
    assert_eq!(m["LastModifiedTimestamp"], now_secs.to_string());
    assert!(!m.contains_key("Policy"));
    assert!(!m.contains_key("FifoQueue"));
    assert!(!m.contains_key("RedrivePolicy"));
    // Without AttributeNames: no attributes.
    let none = sb
        .sqs()
        .get_queue_attributes()
        .queue_url(&url)
        .send()
        .await
        .unwrap();
    assert!(none.attributes().is_none_or(|a| a.is_empty()));
    // One by name.
    assert_eq!(
        attribute(&sb, &url, "VisibilityTimeout").await.as_deref(),
        Some("30")
    );
}

#[tokio::test]
async fn unknown_attribute_names_are_refused() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let url = queue(&sb, "q").await;
    let (c, m) = err(sb
        .sqs()
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(A::from("Bogus"))
        .send()
        .await);
    assert_eq!(c, "InvalidAttributeName");
    assert_eq!(m, "Unknown Attribute Bogus.");
}

#[tokio::test]
async fn set_attributes_validates_and_applies() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = queue(&sb, "settable").await;
    sb.clock().advance(Duration::from_secs(5));
    sqs.set_queue_attributes()
        .queue_url(&url)
        .attributes(A::VisibilityTimeout, "45")
        .attributes(A::DelaySeconds, "5")
        .attributes(A::MessageRetentionPeriod, "60")
        .attributes(A::MaximumMessageSize, "1024")
        .attributes(A::ReceiveMessageWaitTimeSeconds, "20")
        .send()
        .await
        .unwrap();
    assert_eq!(
        attribute(&sb, &url, "VisibilityTimeout").await.as_deref(),
        Some("45")
    );
    assert_eq!(
        attribute(&sb, &url, "DelaySeconds").await.as_deref(),
        Some("5")
    );
    let created: u64 = attribute(&sb, &url, "CreatedTimestamp")
        .await
        .unwrap()
        .parse()
        .unwrap();
    let modified: u64 = attribute(&sb, &url, "LastModifiedTimestamp")
        .await
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(modified, created + 5);
    for (name, bad) in [
        (A::VisibilityTimeout, "43201"),
        (A::DelaySeconds, "901"),
        (A::MessageRetentionPeriod, "59"),
        (A::MessageRetentionPeriod, "1209601"),
        (A::MaximumMessageSize, "1023"),
        (A::MaximumMessageSize, "1048577"),
        (A::ReceiveMessageWaitTimeSeconds, "21"),
        (A::VisibilityTimeout, "abc"),
    ] {
        assert_eq!(
            code(
                sqs.set_queue_attributes()
                    .queue_url(&url)
                    .attributes(name.clone(), bad)
                    .send()
                    .await
            ),
            "InvalidAttributeValue",
            "{name:?}={bad}"
        );
    }
    // Read-only attributes cannot be set.
    assert_eq!(
        code(
            sqs.set_queue_attributes()
                .queue_url(&url)
                .attributes(A::QueueArn, "x")
                .send()
                .await
        ),
        "InvalidAttributeName"
    );
    // A failed set changes nothing.
    assert_eq!(
        attribute(&sb, &url, "VisibilityTimeout").await.as_deref(),
        Some("45")
    );
    // Attributes on CreateQueue are validated too.
    assert_eq!(
        code(
            sqs.create_queue()
                .queue_name("bad-attrs")
                .attributes(A::DelaySeconds, "1000")
                .send()
                .await
        ),
        "InvalidAttributeValue"
    );
}

#[tokio::test]
async fn purge_removes_everything_once_a_minute() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = queue(&sb, "purgeable").await;
    for i in 0..5 {
        send(&sb, &url, &format!("m{i}")).await;
    }
    sqs.receive_message().queue_url(&url).send().await.unwrap();
    assert_eq!(counts(&sb, &url).await, (4, 1, 0));
    sqs.purge_queue().queue_url(&url).send().await.unwrap();
    assert_eq!(counts(&sb, &url).await, (0, 0, 0));
    let e = sqs.purge_queue().queue_url(&url).send().await.unwrap_err();
    assert_eq!(
        aws_sdk_sqs::error::ProvideErrorMetadata::code(&e),
        Some("AWS.SimpleQueueService.PurgeQueueInProgress")
    );
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 403);
    assert_eq!(
        aws_sdk_sqs::error::ProvideErrorMetadata::message(&e),
        Some("Only one PurgeQueue operation on purgeable is allowed every 60 seconds.")
    );
    // Messages sent after the purge stay.
    send(&sb, &url, "after").await;
    assert_eq!(counts(&sb, &url).await, (1, 0, 0));
    sb.clock().advance(Duration::from_secs(60));
    sqs.purge_queue().queue_url(&url).send().await.unwrap();
    assert_eq!(counts(&sb, &url).await, (0, 0, 0));
}

#[tokio::test]
async fn tags() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = sqs
        .create_queue()
        .queue_name("tagged")
        .tags("team", "a")
        .tags("env", "dev")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let t = sqs.list_queue_tags().queue_url(&url).send().await.unwrap();
    assert_eq!(t.tags().unwrap().len(), 2);
    assert_eq!(t.tags().unwrap()["team"], "a");
    sqs.tag_queue()
        .queue_url(&url)
        .tags("team", "b")
        .tags("cost", "1")
        .send()
        .await
        .unwrap();
    sqs.untag_queue()
        .queue_url(&url)
        .tag_keys("env")
        .send()
        .await
        .unwrap();
    let t = sqs.list_queue_tags().queue_url(&url).send().await.unwrap();
    let tags = t.tags().unwrap();
    assert_eq!(tags.len(), 2);
    assert_eq!(tags["team"], "b");
    assert_eq!(tags["cost"], "1");
    let mut many = sqs.tag_queue().queue_url(&url);
    for i in 0..49 {
        many = many.tags(format!("k{i}"), "v");
    }
    assert_eq!(code(many.send().await), "InvalidParameterValue");
    assert_eq!(
        code(
            sqs.tag_queue()
                .queue_url(&url)
                .tags("aws:x", "v")
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
    assert_eq!(
        code(
            sqs.list_queue_tags()
                .queue_url("http://localhost/000000000000/nope")
                .send()
                .await
        ),
        "AWS.SimpleQueueService.NonExistentQueue"
    );
}

#[tokio::test]
async fn permissions_maintain_the_policy() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = queue(&sb, "shared").await;
    sqs.add_permission()
        .queue_url(&url)
        .label("senders")
        .aws_account_ids("111122223333")
        .actions("SendMessage")
        .send()
        .await
        .unwrap();
    sqs.add_permission()
        .queue_url(&url)
        .label("readers")
        .aws_account_ids("111122223333")
        .aws_account_ids("444455556666")
        .actions("ReceiveMessage")
        .actions("DeleteMessage")
        .send()
        .await
        .unwrap();
    let policy: serde_json::Value =
        serde_json::from_str(&attribute(&sb, &url, "Policy").await.unwrap()).unwrap();
    let st = policy["Statement"].as_array().unwrap();
    assert_eq!(st.len(), 2);
    assert_eq!(st[0]["Sid"], "senders");
    assert_eq!(st[0]["Effect"], "Allow");
    assert_eq!(st[0]["Principal"]["AWS"], "arn:aws:iam::111122223333:root");
    assert_eq!(st[0]["Action"], "SQS:SendMessage");
    assert_eq!(
        st[0]["Resource"],
        "arn:aws:sqs:us-east-1:000000000000:shared"
    );
    assert_eq!(st[1]["Principal"]["AWS"].as_array().unwrap().len(), 2);
    assert_eq!(
        st[1]["Action"],
        serde_json::json!(["SQS:ReceiveMessage", "SQS:DeleteMessage"])
    );
    assert_eq!(
        code(
            sqs.add_permission()
                .queue_url(&url)
                .label("senders")
                .aws_account_ids("111122223333")
                .actions("SendMessage")
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
    assert_eq!(
        code(
            sqs.add_permission()
                .queue_url(&url)
                .label("bad")
                .aws_account_ids("111122223333")
                .actions("CreateQueue")
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
    sqs.remove_permission()
        .queue_url(&url)
        .label("senders")
        .send()
        .await
        .unwrap();
    let policy: serde_json::Value =
        serde_json::from_str(&attribute(&sb, &url, "Policy").await.unwrap()).unwrap();
    assert_eq!(policy["Statement"].as_array().unwrap().len(), 1);
    assert_eq!(
        code(
            sqs.remove_permission()
                .queue_url(&url)
                .label("senders")
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
    sqs.remove_permission()
        .queue_url(&url)
        .label("readers")
        .send()
        .await
        .unwrap();
    assert_eq!(attribute(&sb, &url, "Policy").await, None);
}

#[tokio::test]
async fn dead_letter_sources_are_listed() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let dlq = queue(&sb, "dlq").await;
    let policy =
        r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":"3"}"#;
    for name in ["src-b", "src-a", "src-c"] {
        sqs.create_queue()
            .queue_name(name)
            .attributes(A::RedrivePolicy, policy)
            .send()
            .await
            .unwrap();
    }
    queue(&sb, "unrelated").await;
    let all = sqs
        .list_dead_letter_source_queues()
        .queue_url(&dlq)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = all
        .queue_urls()
        .iter()
        .map(|u| u.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(names, vec!["src-a", "src-b", "src-c"]);
    let page = sqs
        .list_dead_letter_source_queues()
        .queue_url(&dlq)
        .max_results(2)
        .send()
        .await
        .unwrap();
    assert_eq!(page.queue_urls().len(), 2);
    let rest = sqs
        .list_dead_letter_source_queues()
        .queue_url(&dlq)
        .max_results(2)
        .next_token(page.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.queue_urls().len(), 1);
    assert!(rest.next_token().is_none());
}

#[tokio::test]
async fn any_queue_url_form_resolves() {
    let sb = TestSandbox::builder().in_memory().start().await;
    queue(&sb, "anywhere").await;
    for url in [
        "http://localhost:4566/000000000000/anywhere",
        "https://sqs.us-east-1.amazonaws.com/000000000000/anywhere",
        "http://sqs.us-east-1.localhost.localstack.cloud:4566/000000000000/anywhere",
        "https://queue.amazonaws.com/000000000000/anywhere",
    ] {
        send(&sb, url, "x").await;
    }
    assert_eq!(
        counts(&sb, "http://localhost/000000000000/anywhere").await,
        (4, 0, 0)
    );
    // Another region names another queue.
    assert_eq!(
        code(
            sb.sqs()
                .send_message()
                .queue_url("https://sqs.eu-west-1.amazonaws.com/000000000000/anywhere")
                .message_body("x")
                .send()
                .await
        ),
        "AWS.SimpleQueueService.NonExistentQueue"
    );
    assert_eq!(
        code(
            sb.sqs()
                .send_message()
                .queue_url("not-a-url")
                .message_body("x")
                .send()
                .await
        ),
        "InvalidAddress"
    );
}

#[tokio::test]
async fn regions_are_isolated() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let auth = "AWS4-HMAC-SHA256 Credential=test/20260101/eu-west-1/sqs/aws4_request, \
                SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000";
    let call = |op: &str, body: &str| {
        let target = format!("AmazonSQS.{op}");
        let body = body.to_owned();
        let sb = &sb;
        async move {
            sb.raw(
                "POST",
                "/",
                &[
                    ("content-type", "application/x-amz-json-1.0"),
                    ("x-amz-target", &target),
                    ("authorization", auth),
                    ("x-amz-date", "20260101T000000Z"),
                ],
                body,
            )
            .await
        }
    };
    let r = call("CreateQueue", r#"{"QueueName":"regional"}"#).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // us-east-1 (the SDK client's region) does not see it.
    assert!(
        sb.sqs()
            .list_queues()
            .send()
            .await
            .unwrap()
            .queue_urls()
            .is_empty()
    );
    assert_eq!(
        code(sb.sqs().get_queue_url().queue_name("regional").send().await),
        "AWS.SimpleQueueService.NonExistentQueue"
    );
    let r = call("ListQueues", "{}").await;
    assert!(r.body.contains("/000000000000/regional"), "{}", r.body);
    let r = call(
        "GetQueueAttributes",
        &format!(
            r#"{{"QueueUrl":"{}/000000000000/regional","AttributeNames":["QueueArn"]}}"#,
            sb.endpoint()
        ),
    )
    .await;
    assert!(
        r.body
            .contains("arn:aws:sqs:eu-west-1:000000000000:regional"),
        "{}",
        r.body
    );
}
