//! [`super::parse`] over real awsQuery forms, malformed ones included: the errors are the
//! ones SQS answered before the inputs were derived (`InvalidParameterValue` naming the
//! member and the value), and fields with a bad index are ignored as before.

use nimbus_core::{AccountId, RequestContext};
use nimbus_wire::Protocol;
use nimbus_wire::query::QueryParams;

use super::messages::receive::ReceiveMessageInput;
use super::messages::send::{SendMessageBatchInput, SendMessageInput};
use super::messages::visibility::ChangeMessageVisibilityBatchInput;
use super::queues::{CreateQueueInput, ListQueuesInput};
use super::{Call, parse};
use crate::error::Result;

fn call(form: &str) -> Call {
    Call {
        ctx: RequestContext::internal(AccountId::parse("000000000000").unwrap(), "us-east-1"),
        protocol: Protocol::AwsQuery,
        op: super::Op::ReceiveMessage,
        uri: "/".parse().unwrap(),
        body: bytes::Bytes::new(),
        form: Some(QueryParams::parse(None, form.as_bytes())),
    }
}

fn error_of<T: serde::de::DeserializeOwned>(form: &str) -> Option<(&'static str, String)> {
    let r: Result<T> = parse(&call(form));
    r.err().map(|e| (e.query_code(), e.message().to_owned()))
}

#[test]
fn malformed_forms_answer_as_before() {
    let integer = |v: &str, name: &str| {
        Some((
            "InvalidParameterValue",
            format!("Value {v} for parameter {name} is invalid. Reason: Must be an integer."),
        ))
    };
    let cases: Vec<(&str, Option<(&'static str, String)>)> = vec![
        (
            "Action=ReceiveMessage&QueueUrl=q&MaxNumberOfMessages=ten",
            integer("ten", "MaxNumberOfMessages"),
        ),
        (
            "Action=ReceiveMessage&QueueUrl=q&WaitTimeSeconds=1.5",
            integer("1.5", "WaitTimeSeconds"),
        ),
        (
            "Action=ReceiveMessage&QueueUrl=q&VisibilityTimeout=",
            integer("", "VisibilityTimeout"),
        ),
        (
            "Action=ReceiveMessage&QueueUrl=q&MaxNumberOfMessages=%205%20&AttributeName.1=All",
            None,
        ),
        // A bad index is ignored, as `QueryParams::list` ignored it.
        (
            "Action=ReceiveMessage&AttributeName.x=All&AttributeName.0=All",
            None,
        ),
        (
            "Action=ReceiveMessage&QueueUrl.1=q",
            Some((
                "MalformedInput",
                "expected a value for QueueUrl, found a structure".into(),
            )),
        ),
    ];
    for (form, want) in cases {
        assert_eq!(error_of::<ReceiveMessageInput>(form), want, "{form}");
    }

    assert_eq!(
        error_of::<SendMessageInput>("Action=SendMessage&QueueUrl=q&MessageBody=b&DelaySeconds=x"),
        integer("x", "DelaySeconds")
    );
    // A missing value is read as absent members, checked by the operation, not here.
    assert_eq!(
        error_of::<SendMessageInput>("Action=SendMessage&MessageAttribute.1.Name=n"),
        None
    );
    assert_eq!(
        error_of::<SendMessageBatchInput>(
            "Action=SendMessageBatch&SendMessageBatchRequestEntry.1.Id=a\
             &SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.DelaySeconds=soon"
        ),
        integer("soon", "DelaySeconds")
    );
    assert_eq!(
        error_of::<ChangeMessageVisibilityBatchInput>(
            "ChangeMessageVisibilityBatchRequestEntry.1.Id=a\
             &ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout=-"
        ),
        integer("-", "VisibilityTimeout")
    );
    assert_eq!(
        error_of::<ListQueuesInput>("Action=ListQueues&MaxResults=many"),
        integer("many", "MaxResults")
    );
    assert_eq!(
        error_of::<CreateQueueInput>(
            "Action=CreateQueue&QueueName=q&Attribute.1.Name=DelaySeconds&Attribute.2.Value=orphan"
        ),
        None
    );
}
