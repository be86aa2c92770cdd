//! SendMessage, ReceiveMessage, DeleteMessage: bodies, attributes, MD5s, system
//! attributes, validation, and the receipt-handle rules.

use std::time::Duration;

use aws_sdk_sqs::primitives::Blob;
use aws_sdk_sqs::types::{
    MessageAttributeValue, MessageSystemAttributeName as S, MessageSystemAttributeNameForSends,
    MessageSystemAttributeValue, QueueAttributeName as A,
};
use nimbus_core::Clock;
use nimbus_testkit::TestSandbox;

use super::{code, counts, err, queue, receive, send};

fn string_attr(v: &str) -> MessageAttributeValue {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(v)
        .build()
        .unwrap()
}

#[tokio::test]
async fn send_receive_delete() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = queue(&sb, "basic").await;
    let sent = sqs
        .send_message()
        .queue_url(&url)
        .message_body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(
        sent.md5_of_message_body(),
        Some("5d41402abc4b2a76b9719d911017c592")
    );
    assert!(sent.md5_of_message_attributes().is_none());
    let id = sent.message_id().unwrap().to_owned();
    assert_eq!(id.len(), 36);
    let sent_at = sb.clock().now_millis();
    sb.clock().advance(Duration::from_millis(1500));
    let got = receive(&sb, &url, 10).await;
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m.message_id(), Some(id.as_str()));
    assert_eq!(m.body(), Some("hello"));
    assert_eq!(m.md5_of_body(), Some("5d41402abc4b2a76b9719d911017c592"));
    let attrs = m.attributes().unwrap();
    assert_eq!(attrs[&S::SenderId], "000000000000");
    assert_eq!(attrs[&S::SentTimestamp], sent_at.to_string());
    assert_eq!(attrs[&S::ApproximateReceiveCount], "1");
    assert_eq!(
        attrs[&S::ApproximateFirstReceiveTimestamp],
        (sent_at + 1500).to_string()
    );
    assert!(m.md5_of_message_attributes().is_none());
    assert_eq!(counts(&sb, &url).await, (0, 1, 0));
    sqs.delete_message()
        .queue_url(&url)
        .receipt_handle(m.receipt_handle().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(counts(&sb, &url).await, (0, 0, 0));
    // Deleting again succeeds (the message is gone).
    sqs.delete_message()
        .queue_url(&url)
        .receipt_handle(m.receipt_handle().unwrap())
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_plain_receive_returns_no_attributes() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let url = queue(&sb, "plain").await;
    sb.sqs()
        .send_message()
        .queue_url(&url)
        .message_body("b")
        .message_attributes("a", string_attr("1"))
        .send()
        .await
        .unwrap();
    let got = sb
        .sqs()
        .receive_message()
        .queue_url(&url)
        .send()
        .await
        .unwrap();
    let m = &got.messages()[0];
    assert!(m.attributes().is_none());
    assert!(m.message_attributes().is_none());
    assert!(m.md5_of_message_attributes().is_none());
}

#[tokio::test]
async fn message_attributes_and_their_md5() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = queue(&sb, "attrs").await;
    let sent = sqs
        .send_message()
        .queue_url(&url)
        .message_body("with attributes")
        .message_attributes("city", string_attr("Any City"))
        .message_attributes(
            "count",
            MessageAttributeValue::builder()
                .data_type("Number")
                .string_value("230.000000000000000001")
                .build()
                .unwrap(),
        )
        .message_attributes(
            "blob",
            MessageAttributeValue::builder()
                .data_type("Binary.gz")
                .binary_value(Blob::new(vec![0u8, 1, 2, 255]))
                .build()
                .unwrap(),
        )
        .message_attributes("city.district", string_attr("North"))
        .send()
        .await
        .unwrap();
    let md5 = sent.md5_of_message_attributes().unwrap().to_owned();
    assert_eq!(md5.len(), 32);
    let got = receive(&sb, &url, 1).await;
    let m = &got[0];
    assert_eq!(m.md5_of_message_attributes(), Some(md5.as_str()));
    let a = m.message_attributes().unwrap();
    assert_eq!(a.len(), 4);
    assert_eq!(a["city"].string_value(), Some("Any City"));
    assert_eq!(a["count"].data_type(), "Number");
    assert_eq!(a["blob"].data_type(), "Binary.gz");
    assert_eq!(
        a["blob"].binary_value().unwrap().as_ref(),
        &[0u8, 1, 2, 255]
    );

    // Filters: exact names and prefixes.
    sqs.change_message_visibility()
        .queue_url(&url)
        .receipt_handle(m.receipt_handle().unwrap())
        .visibility_timeout(0)
        .send()
        .await
        .unwrap();
    let got = sqs
        .receive_message()
        .queue_url(&url)
        .message_attribute_names("city.*")
        .send()
        .await
        .unwrap();
    let m = &got.messages()[0];
    let a = m.message_attributes().unwrap();
    let mut names: Vec<&String> = a.keys().collect();
    names.sort();
    assert_eq!(names, vec!["city", "city.district"]);
    // The MD5 covers what was returned.
    assert_ne!(m.md5_of_message_attributes(), Some(md5.as_str()));
    assert_eq!(m.md5_of_message_attributes().map(str::len), Some(32));
}

#[tokio::test]
async fn trace_header_and_system_attribute_md5() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = queue(&sb, "traced").await;
    let header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
    let sent = sqs
        .send_message()
        .queue_url(&url)
        .message_body("t")
        .message_system_attributes(
            MessageSystemAttributeNameForSends::AwsTraceHeader,
            MessageSystemAttributeValue::builder()
                .data_type("String")
                .string_value(header)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        sent.md5_of_message_system_attributes().map(str::len),
        Some(32)
    );
    let got = sqs
        .receive_message()
        .queue_url(&url)
        .message_system_attribute_names(S::AwsTraceHeader)
        .send()
        .await
        .unwrap();
    let attrs = got.messages()[0].attributes().unwrap();
    assert_eq!(attrs.len(), 1);
    assert_eq!(attrs[&S::AwsTraceHeader], header);
}

#[tokio::test]
async fn bodies_are_validated() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = queue(&sb, "bodies").await;
    for bad in ["nul\u{0}", "bell\u{7}", "\u{FFFE}"] {
        assert_eq!(
            code(
                sqs.send_message()
                    .queue_url(&url)
                    .message_body(bad)
                    .send()
                    .await
            ),
            "InvalidMessageContents",
            "{bad:?}"
        );
    }
    assert_eq!(
        code(
            sqs.send_message()
                .queue_url(&url)
                .message_body("")
                .send()
                .await
        ),
        "MissingParameter"
    );
    // Everything allowed round-trips, including \r and astral characters.
    let ok = "tab\tnl\ncr\r<xml>&amp;\"'\u{D7FF}\u{E000}\u{FFFD}\u{10000}\u{10FFFF}😀";
    send(&sb, &url, ok).await;
    assert_eq!(receive(&sb, &url, 1).await[0].body(), Some(ok));
}

#[tokio::test]
async fn size_delay_and_fifo_parameters_are_validated() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = sqs
        .create_queue()
        .queue_name("small")
        .attributes(A::MaximumMessageSize, "1024")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    send(&sb, &url, &"x".repeat(1024)).await;
    let (c, m) = err(sqs
        .send_message()
        .queue_url(&url)
        .message_body("x".repeat(1025))
        .send()
        .await);
    assert_eq!(c, "InvalidParameterValue");
    assert!(m.contains("shorter than 1024 bytes"), "{m}");
    // Attributes count toward the size: name, type and value.
    assert_eq!(
        code(
            sqs.send_message()
                .queue_url(&url)
                .message_body("x".repeat(1010))
                .message_attributes("name", string_attr("value"))
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
    assert_eq!(
        code(
            sqs.send_message()
                .queue_url(&url)
                .message_body("x")
                .delay_seconds(901)
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
    assert_eq!(
        code(
            sqs.send_message()
                .queue_url(&url)
                .message_body("x")
                .message_deduplication_id("d")
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
    // A message group id is accepted on standard queues (fair queues) and returned.
    sqs.send_message()
        .queue_url(&url)
        .message_body("fair")
        .message_group_id("tenant-1")
        .send()
        .await
        .unwrap();
    let got = sqs
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(10)
        .message_system_attribute_names(S::MessageGroupId)
        .send()
        .await
        .unwrap();
    let fair = got
        .messages()
        .iter()
        .find(|m| m.body() == Some("fair"))
        .unwrap();
    assert_eq!(fair.attributes().unwrap()[&S::MessageGroupId], "tenant-1");
    // Too many attributes.
    let mut many = sqs.send_message().queue_url(&url).message_body("x");
    for i in 0..11 {
        many = many.message_attributes(format!("a{i}"), string_attr("v"));
    }
    assert_eq!(code(many.send().await), "InvalidParameterValue");
}

#[tokio::test]
async fn receive_parameters_are_validated() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = queue(&sb, "params").await;
    for n in [0, 11] {
        assert_eq!(
            code(
                sqs.receive_message()
                    .queue_url(&url)
                    .max_number_of_messages(n)
                    .send()
                    .await
            ),
            "InvalidParameterValue"
        );
    }
    for v in [-1, 43_201] {
        assert_eq!(
            code(
                sqs.receive_message()
                    .queue_url(&url)
                    .visibility_timeout(v)
                    .send()
                    .await
            ),
            "InvalidParameterValue"
        );
    }
    assert_eq!(
        code(
            sqs.receive_message()
                .queue_url(&url)
                .wait_time_seconds(21)
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
    assert_eq!(
        code(
            sqs.receive_message()
                .queue_url("http://localhost/000000000000/missing")
                .send()
                .await
        ),
        "AWS.SimpleQueueService.NonExistentQueue"
    );
}

#[tokio::test]
async fn receive_takes_up_to_max_oldest_first() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let url = queue(&sb, "many").await;
    for i in 0..25 {
        send(&sb, &url, &format!("m{i:02}")).await;
    }
    let a = receive(&sb, &url, 10).await;
    assert_eq!(a.len(), 10);
    assert_eq!(a[0].body(), Some("m00"));
    let b = receive(&sb, &url, 10).await;
    let c = receive(&sb, &url, 10).await;
    assert_eq!((b.len(), c.len()), (10, 5));
    assert!(receive(&sb, &url, 10).await.is_empty());
    let mut bodies: Vec<String> = a
        .iter()
        .chain(&b)
        .chain(&c)
        .map(|m| m.body().unwrap().to_owned())
        .collect();
    bodies.dedup();
    assert_eq!(bodies.len(), 25);
    // Each receive hands out distinct handles.
    let mut handles: Vec<&str> = a.iter().map(|m| m.receipt_handle().unwrap()).collect();
    handles.sort();
    handles.dedup();
    assert_eq!(handles.len(), 10);
}

#[tokio::test]
async fn receipt_handle_rules() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = queue(&sb, "handles").await;
    let other = queue(&sb, "other").await;
    send(&sb, &url, "m").await;
    let first = receive(&sb, &url, 1).await[0]
        .receipt_handle()
        .unwrap()
        .to_owned();

    // Garbage and altered handles.
    let (c, m) = err(sqs
        .delete_message()
        .queue_url(&url)
        .receipt_handle("garbage")
        .send()
        .await);
    assert_eq!(c, "ReceiptHandleIsInvalid");
    assert_eq!(
        m,
        "The input receipt handle \"garbage\" is not a valid receipt handle."
    );
    let mut altered = first.clone().into_bytes();
    let last = altered.len() - 1;
    altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
    assert_eq!(
        code(
            sqs.delete_message()
                .queue_url(&url)
                .receipt_handle(String::from_utf8(altered).unwrap())
                .send()
                .await
        ),
        "ReceiptHandleIsInvalid"
    );
    // A handle of another queue.
    assert_eq!(
        code(
            sqs.delete_message()
                .queue_url(&other)
                .receipt_handle(&first)
                .send()
                .await
        ),
        "ReceiptHandleIsInvalid"
    );

    // The visibility timeout lapses and the message is received again: the first handle is
    // stale. Deleting with it succeeds but deletes nothing.
    sb.clock().advance(Duration::from_secs(30));
    let second = receive(&sb, &url, 1).await;
    assert_eq!(
        second[0].attributes().unwrap()[&S::ApproximateReceiveCount],
        "2"
    );
    let second = second[0].receipt_handle().unwrap().to_owned();
    assert_ne!(first, second);
    sqs.delete_message()
        .queue_url(&url)
        .receipt_handle(&first)
        .send()
        .await
        .unwrap();
    assert_eq!(counts(&sb, &url).await, (0, 1, 0));

    // The latest handle deletes even after its visibility timeout lapsed.
    sb.clock().advance(Duration::from_secs(31));
    assert_eq!(counts(&sb, &url).await, (1, 0, 0));
    sqs.delete_message()
        .queue_url(&url)
        .receipt_handle(&second)
        .send()
        .await
        .unwrap();
    assert_eq!(counts(&sb, &url).await, (0, 0, 0));
}

#[tokio::test]
async fn handles_expire_after_twelve_hours() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let sqs = sb.sqs();
    let url = sqs
        .create_queue()
        .queue_name("slow")
        .attributes(A::VisibilityTimeout, "43200")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    send(&sb, &url, "m").await;
    let h = receive(&sb, &url, 1).await[0]
        .receipt_handle()
        .unwrap()
        .to_owned();
    sb.clock().advance(Duration::from_secs(43_200));
    let (c, m) = err(sqs
        .delete_message()
        .queue_url(&url)
        .receipt_handle(&h)
        .send()
        .await);
    assert_eq!(c, "InvalidParameterValue");
    assert!(
        m.ends_with("Reason: The receipt handle has expired."),
        "{m}"
    );
}

#[tokio::test]
async fn missing_parameters() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let url = queue(&sb, "mp").await;
    // The SDK checks required members itself; raw JSON reaches the server.
    let (status, q, _) =
        super::json(&sb, "DeleteMessage", &format!(r#"{{"QueueUrl":"{url}"}}"#)).await;
    assert_eq!(status, 400);
    assert_eq!(q, "MissingParameter;Sender");
    let (status, q, _) = super::json(&sb, "SendMessage", r#"{"MessageBody":"x"}"#).await;
    assert_eq!(status, 400);
    assert_eq!(q, "MissingParameter;Sender");
    let (status, q, body) = super::json(&sb, "NoSuchOperation", "{}").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(q, "InvalidAction;Sender");
    let (status, _, body) = super::json(&sb, "SendMessage", "{not json").await;
    assert_eq!(status, 400);
    assert!(body.contains("SerializationException"), "{body}");
    let _ = sb.clock().now_millis();
}
