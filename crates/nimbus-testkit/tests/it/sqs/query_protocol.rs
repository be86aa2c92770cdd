//! The awsQuery protocol with raw form requests: the flattened parameters
//! (`Attribute.N.*`, `MessageAttribute.N.*`, `…BatchRequestEntry.N.*`, `Tag.N.*`) and the
//! XML responses and errors.

use nimbus_testkit::TestSandbox;

use super::{query, xml_text};

const XMLNS: &str = r#"xmlns="http://queue.amazonaws.com/doc/2012-11-05/""#;

async fn create(sb: &TestSandbox, name: &str) -> String {
    let (status, body) = query(
        sb,
        "/",
        &[
            ("Action", "CreateQueue"),
            ("QueueName", name),
            ("Attribute.1.Name", "VisibilityTimeout"),
            ("Attribute.1.Value", "40"),
            ("Attribute.2.Name", "DelaySeconds"),
            ("Attribute.2.Value", "0"),
            ("Tag.1.Key", "team"),
            ("Tag.1.Value", "blue"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains(&format!("<CreateQueueResponse {XMLNS}><CreateQueueResult>")),
        "{body}"
    );
    assert!(body.contains("<ResponseMetadata><RequestId>"), "{body}");
    xml_text(&body, "QueueUrl").unwrap().to_owned()
}

#[tokio::test]
async fn queue_operations() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let url = create(&sb, "qp").await;
    assert_eq!(url, format!("{}/000000000000/qp", sb.endpoint()));

    let (_, body) = query(
        &sb,
        "/",
        &[
            ("Action", "GetQueueAttributes"),
            ("QueueUrl", &url),
            ("AttributeName.1", "VisibilityTimeout"),
            ("AttributeName.2", "QueueArn"),
        ],
    )
    .await;
    assert!(
        body.contains("<Attribute><Name>VisibilityTimeout</Name><Value>40</Value></Attribute>"),
        "{body}"
    );
    assert!(body.contains(
        "<Attribute><Name>QueueArn</Name><Value>arn:aws:sqs:us-east-1:000000000000:qp</Value></Attribute>"
    ));

    let (_, body) = query(&sb, "/", &[("Action", "ListQueueTags"), ("QueueUrl", &url)]).await;
    assert!(
        body.contains("<Tag><Key>team</Key><Value>blue</Value></Tag>"),
        "{body}"
    );

    let r = sb
        .raw("GET", "/?Action=ListQueues&QueueNamePrefix=q", &[], "")
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains(&format!(
            "<ListQueuesResult><QueueUrl>{url}</QueueUrl></ListQueuesResult>"
        )),
        "{}",
        r.body
    );

    let (_, body) = query(
        &sb,
        "/",
        &[
            ("Action", "SetQueueAttributes"),
            ("QueueUrl", &url),
            ("Attribute.1.Name", "DelaySeconds"),
            ("Attribute.1.Value", "7"),
        ],
    )
    .await;
    assert!(
        body.contains(&format!(
            "<SetQueueAttributesResponse {XMLNS}><ResponseMetadata>"
        )),
        "{body}"
    );
    assert!(!body.contains("SetQueueAttributesResult"));

    let (status, body) = query(&sb, "/", &[("Action", "DeleteQueue"), ("QueueUrl", &url)]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<DeleteQueueResponse"));
}

#[tokio::test]
async fn errors_are_xml() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let (status, body) = query(
        &sb,
        "/",
        &[("Action", "GetQueueUrl"), ("QueueName", "nope")],
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains(&format!("<ErrorResponse {XMLNS}><Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code>")), "{body}");
    assert!(body.contains("<RequestId>"));
    let (status, body) = query(&sb, "/", &[("Action", "CreateQueue")]).await;
    assert_eq!(status, 400);
    assert_eq!(xml_text(&body, "Code"), Some("MissingParameter"));
    let url = create(&sb, "errs").await;
    let (status, body) = query(
        &sb,
        "/",
        &[
            ("Action", "ReceiveMessage"),
            ("QueueUrl", &url),
            ("MaxNumberOfMessages", "abc"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(xml_text(&body, "Code"), Some("InvalidParameterValue"));
    let (status, body) = query(
        &sb,
        "/",
        &[
            ("Action", "DeleteMessage"),
            ("QueueUrl", &url),
            ("ReceiptHandle", "bogus"),
        ],
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(xml_text(&body, "Code"), Some("ReceiptHandleIsInvalid"));
}

#[tokio::test]
async fn messages_with_attributes() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let url = create(&sb, "qm").await;
    let body_text = "a<b>&c\"d'e\r\nf";
    let (status, sent) = query(
        &sb,
        "/",
        &[
            ("Action", "SendMessage"),
            ("QueueUrl", &url),
            ("MessageBody", body_text),
            ("MessageAttribute.1.Name", "color"),
            ("MessageAttribute.1.Value.DataType", "String"),
            ("MessageAttribute.1.Value.StringValue", "red"),
            ("MessageAttribute.2.Name", "raw"),
            ("MessageAttribute.2.Value.DataType", "Binary"),
            ("MessageAttribute.2.Value.BinaryValue", "AAEC"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{sent}");
    let md5_attrs = xml_text(&sent, "MD5OfMessageAttributes")
        .unwrap()
        .to_owned();
    let id = xml_text(&sent, "MessageId").unwrap().to_owned();

    // The same attributes over awsJson give the same digest.
    let json_sent = sb
        .sqs()
        .send_message()
        .queue_url(&url)
        .message_body("other")
        .message_attributes(
            "color",
            aws_sdk_sqs::types::MessageAttributeValue::builder()
                .data_type("String")
                .string_value("red")
                .build()
                .unwrap(),
        )
        .message_attributes(
            "raw",
            aws_sdk_sqs::types::MessageAttributeValue::builder()
                .data_type("Binary")
                .binary_value(aws_sdk_sqs::primitives::Blob::new(vec![0u8, 1, 2]))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_sent.md5_of_message_attributes(),
        Some(md5_attrs.as_str())
    );

    let (_, got) = query(
        &sb,
        "/",
        &[
            ("Action", "ReceiveMessage"),
            ("QueueUrl", &url),
            ("AttributeName.1", "All"),
            ("MessageAttributeName.1", "All"),
            ("MaxNumberOfMessages", "1"),
        ],
    )
    .await;
    assert!(got.contains("<ReceiveMessageResult><Message>"), "{got}");
    assert_eq!(xml_text(&got, "MessageId"), Some(id.as_str()));
    // The body is escaped, the carriage return as a character reference.
    assert!(got.contains("<Body>a&lt;b&gt;&amp;c"), "{got}");
    assert!(got.contains("e&#xD;\nf</Body>"), "{got}");
    assert!(
        got.contains("<Attribute><Name>SenderId</Name><Value>000000000000</Value></Attribute>")
    );
    assert!(
        got.contains("<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>")
    );
    assert!(got.contains(
        "<MessageAttribute><Name>color</Name><Value><StringValue>red</StringValue><DataType>String</DataType></Value></MessageAttribute>"
    ), "{got}");
    assert!(got.contains("<BinaryValue>AAEC</BinaryValue>"));
    assert_eq!(
        xml_text(&got, "MD5OfMessageAttributes"),
        Some(md5_attrs.as_str())
    );
    let handle = xml_text(&got, "ReceiptHandle").unwrap().to_owned();

    let (status, body) = query(
        &sb,
        "/",
        &[
            ("Action", "ChangeMessageVisibility"),
            ("QueueUrl", &url),
            ("ReceiptHandle", &handle),
            ("VisibilityTimeout", "100"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = query(
        &sb,
        "/",
        &[
            ("Action", "DeleteMessage"),
            ("QueueUrl", &url),
            ("ReceiptHandle", &handle),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<DeleteMessageResponse"));
}

#[tokio::test]
async fn batches() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let url = create(&sb, "qb").await;
    let (status, body) = query(
        &sb,
        "/",
        &[
            ("Action", "SendMessageBatch"),
            ("QueueUrl", &url),
            ("SendMessageBatchRequestEntry.1.Id", "one"),
            ("SendMessageBatchRequestEntry.1.MessageBody", "first"),
            (
                "SendMessageBatchRequestEntry.1.MessageAttribute.1.Name",
                "n",
            ),
            (
                "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType",
                "Number",
            ),
            (
                "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue",
                "42",
            ),
            ("SendMessageBatchRequestEntry.2.Id", "two"),
            ("SendMessageBatchRequestEntry.2.MessageBody", "second"),
            ("SendMessageBatchRequestEntry.2.DelaySeconds", "5"),
            ("SendMessageBatchRequestEntry.10.Id", "ten"),
            ("SendMessageBatchRequestEntry.10.MessageBody", "tenth"),
            ("SendMessageBatchRequestEntry.3.Id", "three"),
            ("SendMessageBatchRequestEntry.3.MessageBody", "third"),
            ("SendMessageBatchRequestEntry.3.DelaySeconds", "1000"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body.matches("<SendMessageBatchResultEntry>").count(),
        3,
        "{body}"
    );
    assert!(body.contains("<SendMessageBatchResultEntry><Id>one</Id><MD5OfMessageBody>"));
    assert!(body.contains("<BatchResultErrorEntry><Id>three</Id><SenderFault>true</SenderFault><Code>InvalidParameterValue</Code>"), "{body}");

    let (_, got) = query(
        &sb,
        "/",
        &[
            ("Action", "ReceiveMessage"),
            ("QueueUrl", &url),
            ("MaxNumberOfMessages", "10"),
        ],
    )
    .await;
    assert_eq!(got.matches("<Message>").count(), 2, "{got}");
    let handles: Vec<String> = got
        .split("<ReceiptHandle>")
        .skip(1)
        .map(|s| s.split("</ReceiptHandle>").next().unwrap().to_owned())
        .collect();
    let (_, body) = query(
        &sb,
        "/",
        &[
            ("Action", "ChangeMessageVisibilityBatch"),
            ("QueueUrl", &url),
            ("ChangeMessageVisibilityBatchRequestEntry.1.Id", "c1"),
            (
                "ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle",
                &handles[0],
            ),
            (
                "ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout",
                "60",
            ),
        ],
    )
    .await;
    assert!(body.contains("<ChangeMessageVisibilityBatchResultEntry><Id>c1</Id></ChangeMessageVisibilityBatchResultEntry>"), "{body}");
    let (_, body) = query(
        &sb,
        "/",
        &[
            ("Action", "DeleteMessageBatch"),
            ("QueueUrl", &url),
            ("DeleteMessageBatchRequestEntry.1.Id", "d1"),
            (
                "DeleteMessageBatchRequestEntry.1.ReceiptHandle",
                &handles[0],
            ),
            ("DeleteMessageBatchRequestEntry.2.Id", "d2"),
            (
                "DeleteMessageBatchRequestEntry.2.ReceiptHandle",
                &handles[1],
            ),
        ],
    )
    .await;
    assert_eq!(
        body.matches("<DeleteMessageBatchResultEntry>").count(),
        2,
        "{body}"
    );
    let (status, body) = query(
        &sb,
        "/",
        &[("Action", "DeleteMessageBatch"), ("QueueUrl", &url)],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        xml_text(&body, "Code"),
        Some("AWS.SimpleQueueService.EmptyBatchRequest")
    );
}

#[tokio::test]
async fn posting_to_the_queue_url_names_the_queue() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let url = create(&sb, "bypath").await;
    let (status, body) = query(
        &sb,
        "/000000000000/bypath",
        &[("Action", "SendMessage"), ("MessageBody", "via path")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, got) = query(&sb, "/000000000000/bypath", &[("Action", "ReceiveMessage")]).await;
    assert_eq!(xml_text(&got, "Body"), Some("via path"));
    let (_, got) = query(
        &sb,
        "/",
        &[
            ("Action", "GetQueueAttributes"),
            ("QueueUrl", &url),
            ("AttributeName.1", "All"),
        ],
    )
    .await;
    assert!(
        got.contains("<Name>ApproximateNumberOfMessagesNotVisible</Name><Value>1</Value>"),
        "{got}"
    );
}

#[tokio::test]
async fn permissions_over_query() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let url = create(&sb, "qperm").await;
    let (status, body) = query(
        &sb,
        "/",
        &[
            ("Action", "AddPermission"),
            ("QueueUrl", &url),
            ("Label", "l1"),
            ("AWSAccountId.1", "111122223333"),
            ("ActionName.1", "SendMessage"),
            ("ActionName.2", "GetQueueUrl"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = query(
        &sb,
        "/",
        &[
            ("Action", "GetQueueAttributes"),
            ("QueueUrl", &url),
            ("AttributeName.1", "Policy"),
        ],
    )
    .await;
    assert!(body.contains("SQS:GetQueueUrl"), "{body}");
    let (status, _) = query(
        &sb,
        "/",
        &[
            ("Action", "RemovePermission"),
            ("QueueUrl", &url),
            ("Label", "l1"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = query(
        &sb,
        "/",
        &[
            ("Action", "TagQueue"),
            ("QueueUrl", &url),
            ("Tag.1.Key", "k"),
            ("Tag.1.Value", "v"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = query(
        &sb,
        "/",
        &[
            ("Action", "UntagQueue"),
            ("QueueUrl", &url),
            ("TagKey.1", "k"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let (_, body) = query(&sb, "/", &[("Action", "ListQueueTags"), ("QueueUrl", &url)]).await;
    assert!(!body.contains("<Key>k</Key>"), "{body}");
    let (status, body) = query(&sb, "/", &[("Action", "PurgeQueue"), ("QueueUrl", &url)]).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = query(
        &sb,
        "/",
        &[("Action", "ListDeadLetterSourceQueues"), ("QueueUrl", &url)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("<ListDeadLetterSourceQueuesResult/>")
            || body
                .contains("<ListDeadLetterSourceQueuesResult></ListDeadLetterSourceQueuesResult>"),
        "{body}"
    );
}

/// The listing results, written by `nimbus_wire::query::ser` from the same shapes as the
/// JSON: flattened lists and maps, byte for byte as the hand-written XML was.
#[tokio::test]
async fn listing_results_are_flattened() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let url = create(&sb, "ql").await;
    let (status, body) = query(
        &sb,
        "/",
        &[("Action", "ListQueues"), ("QueueNamePrefix", "ql")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains(&format!(
            "<ListQueuesResult><QueueUrl>{url}</QueueUrl></ListQueuesResult>"
        )),
        "{body}"
    );
    let (_, body) = query(
        &sb,
        "/",
        &[
            ("Action", "GetQueueAttributes"),
            ("QueueUrl", &url),
            ("AttributeName.1", "VisibilityTimeout"),
            ("AttributeName.2", "DelaySeconds"),
        ],
    )
    .await;
    assert!(
        body.contains(
            "<GetQueueAttributesResult><Attribute><Name>VisibilityTimeout</Name><Value>40</Value></Attribute>\
             <Attribute><Name>DelaySeconds</Name><Value>0</Value></Attribute></GetQueueAttributesResult>"
        ),
        "{body}"
    );
    let (_, body) = query(&sb, "/", &[("Action", "ListQueueTags"), ("QueueUrl", &url)]).await;
    assert!(
        body.contains(
            "<ListQueueTagsResult><Tag><Key>team</Key><Value>blue</Value></Tag></ListQueueTagsResult>"
        ),
        "{body}"
    );
    let (_, body) = query(
        &sb,
        "/",
        &[("Action", "ListDeadLetterSourceQueues"), ("QueueUrl", &url)],
    )
    .await;
    assert!(
        body.contains("<ListDeadLetterSourceQueuesResult></ListDeadLetterSourceQueuesResult>"),
        "{body}"
    );
}
