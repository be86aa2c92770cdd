//! The SQS operations, one module per group. Each operation parses both wire forms
//! (awsJson 1.0 bodies and awsQuery form fields) into one typed input, applies it to the
//! engine, and renders its typed output in the protocol the client spoke.

pub mod messages;
pub mod move_tasks;
pub mod permissions;
pub mod queues;
pub mod tags;

#[cfg(test)]
mod parse_tests;

use bytes::Bytes;
use nimbus_core::RequestContext;
use nimbus_core::access::{Denied, Resource};
use nimbus_wire::operations::Binding;
use nimbus_wire::query::QueryParams;
use nimbus_wire::query::ser::Member;
use nimbus_wire::query::ser::Spelling::{self, FlatList, FlatMap};
use nimbus_wire::{Protocol, Request, RequestBody, Response, json, query, xml};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::SqsService;
use crate::engine::queue::{Queue, QueueKey};
use crate::error::{Result, SqsError, SqsErrorCode};
use crate::url::parse_queue_url;

nimbus_wire::operations! {
    /// An SQS operation: one row each (both protocols name it alike, by `X-Amz-Target` or
    /// `Action`), with its handler.
    pub enum Op for SqsService, Call, SqsError {
        CreateQueue = Binding::Named => queues::create_queue,
        DeleteQueue = Binding::Named => queues::delete_queue,
        GetQueueUrl = Binding::Named => queues::get_queue_url,
        ListQueues = Binding::Named => queues::list_queues,
        GetQueueAttributes = Binding::Named => queues::get_queue_attributes,
        SetQueueAttributes = Binding::Named => queues::set_queue_attributes,
        PurgeQueue = Binding::Named => queues::purge_queue,
        SendMessage = Binding::Named => messages::send_message,
        SendMessageBatch = Binding::Named => messages::send_message_batch,
        ReceiveMessage = Binding::Named => messages::receive_message,
        DeleteMessage = Binding::Named => messages::delete_message,
        DeleteMessageBatch = Binding::Named => messages::delete_message_batch,
        ChangeMessageVisibility = Binding::Named => messages::change_message_visibility,
        ChangeMessageVisibilityBatch = Binding::Named => messages::change_message_visibility_batch,
        TagQueue = Binding::Named => tags::tag_queue,
        UntagQueue = Binding::Named => tags::untag_queue,
        ListQueueTags = Binding::Named => tags::list_queue_tags,
        AddPermission = Binding::Named => permissions::add_permission,
        RemovePermission = Binding::Named => permissions::remove_permission,
        ListDeadLetterSourceQueues = Binding::Named => move_tasks::list_dead_letter_source_queues,
        StartMessageMoveTask = Binding::Named => move_tasks::start_message_move_task,
        CancelMessageMoveTask = Binding::Named => move_tasks::cancel_message_move_task,
        ListMessageMoveTasks = Binding::Named => move_tasks::list_message_move_tasks,
    }
}

/// Which operation a request names: `MissingParameter` (awsQuery) or `UnknownOperation`
/// without one, `InvalidAction` / `UnknownOperation` for a name SQS does not have.
pub fn classify(protocol: Protocol, operation: Option<&str>) -> Result<Op> {
    let Some(name) = operation else {
        return Err(match protocol {
            Protocol::AwsQuery => SqsError::missing_parameter("Action"),
            _ => SqsError::new(
                SqsErrorCode::UnknownOperation,
                "Missing X-Amz-Target header.",
            ),
        });
    };
    Op::from_name(name).ok_or_else(|| match protocol {
        Protocol::AwsQuery => SqsError::new(
            SqsErrorCode::InvalidAction,
            format!("The action {name} is not valid for this endpoint."),
        ),
        _ => SqsError::new(
            SqsErrorCode::UnknownOperation,
            format!("The operation {name} is not known to Amazon SQS."),
        ),
    })
}

/// Input of operations that name only a queue.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct QueueUrlInput {
    /// The queue's URL.
    pub queue_url: Option<String>,
}

/// A request as the operations see it: what they need of the gateway's [`Request`], in a
/// form that can be shared across awaits.
pub struct Call {
    /// Request id, account, region, host.
    pub ctx: RequestContext,
    /// The protocol the client spoke.
    pub protocol: Protocol,
    /// The operation.
    pub op: Op,
    /// The request target (awsQuery requests may name the queue by their path).
    pub uri: http::Uri,
    /// The body (awsJson).
    pub body: Bytes,
    /// The form fields (awsQuery).
    pub form: Option<QueryParams>,
}

impl Call {
    /// The call for a gateway request classified as `op`.
    pub fn from_request(op: Op, req: Request) -> Call {
        Call {
            ctx: req.ctx,
            protocol: req.protocol,
            op,
            uri: req.uri,
            body: match req.body {
                RequestBody::Full(b) => b,
                RequestBody::Stream(_) => Bytes::new(),
            },
            form: req.form,
        }
    }
}

/// The XML namespace of awsQuery responses.
pub const XMLNS: &str = "http://queue.amazonaws.com/doc/2012-11-05/";

/// Parses the request's input: awsQuery fields through [`query::de`], awsJson bodies
/// through serde_json, into the one input shape.
pub fn parse<I: DeserializeOwned>(req: &Call) -> Result<I> {
    match &req.form {
        Some(form) => query::de::from_params(form).map_err(query_input_error),
        None => {
            let bytes: &[u8] = &req.body;
            let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
                b"{}"
            } else {
                bytes
            };
            serde_json::from_slice(bytes).map_err(|e| {
                SqsError::new(
                    SqsErrorCode::Serialization,
                    format!("Could not parse request body: {e}"),
                )
            })
        }
    }
}

/// The error SQS answers for awsQuery fields that do not fit the input shape:
/// `InvalidParameterValue` for a scalar of the wrong type, as `Value x for parameter
/// MaxResults is invalid. Reason: Must be an integer.`; `MalformedInput` for fields of the
/// wrong structure (`QueueUrl.1=…`).
fn query_input_error(e: query::de::Error) -> SqsError {
    match e {
        query::de::Error::Invalid {
            name,
            value,
            expected,
        } => {
            let reason = match expected {
                query::de::Expected::Integer => "Must be an integer.",
                query::de::Expected::Float => "Must be a number.",
                query::de::Expected::Boolean => "Must be a boolean.",
            };
            SqsError::invalid_parameter_value(format!(
                "Value {value} for parameter {name} is invalid. Reason: {reason}"
            ))
        }
        query::de::Error::Message(m) => SqsError::new(SqsErrorCode::MalformedInput, m),
    }
}

/// How SQS's awsQuery XML spells the output members whose JSON names it does not use: the
/// flattened lists and maps of the model (`Messages` → one `<Message>` per message,
/// `Attributes` → `<Attribute><Name>…</Name><Value>…</Value></Attribute>`).
pub const XML_SPELLINGS: &[Member] = &[
    ("ReceiveMessageOutput", "Messages", FlatList("Message")),
    ("MessageOut", "Attributes", NAME_VALUE_ATTRIBUTE),
    (
        "MessageOut",
        "MessageAttributes",
        FlatMap {
            entry: "MessageAttribute",
            key: "Name",
            value: "Value",
        },
    ),
    (
        "SendMessageBatchOutput",
        "Successful",
        FlatList("SendMessageBatchResultEntry"),
    ),
    (
        "SendMessageBatchOutput",
        "Failed",
        FlatList("BatchResultErrorEntry"),
    ),
    (
        "DeleteMessageBatchOutput",
        "Successful",
        FlatList("DeleteMessageBatchResultEntry"),
    ),
    (
        "DeleteMessageBatchOutput",
        "Failed",
        FlatList("BatchResultErrorEntry"),
    ),
    (
        "ChangeMessageVisibilityBatchOutput",
        "Successful",
        FlatList("ChangeMessageVisibilityBatchResultEntry"),
    ),
    (
        "ChangeMessageVisibilityBatchOutput",
        "Failed",
        FlatList("BatchResultErrorEntry"),
    ),
    ("ListQueuesOutput", "QueueUrls", FlatList("QueueUrl")),
    (
        "ListDeadLetterSourceQueuesOutput",
        "queueUrls",
        FlatList("QueueUrl"),
    ),
    (
        "GetQueueAttributesOutput",
        "Attributes",
        NAME_VALUE_ATTRIBUTE,
    ),
    (
        "ListQueueTagsOutput",
        "Tags",
        FlatMap {
            entry: "Tag",
            key: "Key",
            value: "Value",
        },
    ),
    ("ListMessageMoveTasksOutput", "Results", FlatList("Results")),
];

/// `<Attribute><Name>…</Name><Value>…</Value></Attribute>`.
const NAME_VALUE_ATTRIBUTE: Spelling = FlatMap {
    entry: "Attribute",
    key: "Name",
    value: "Value",
};

/// Renders `out` as the response to the call's operation.
pub fn respond<O: Serialize>(req: &Call, out: &O) -> Response {
    match req.protocol {
        Protocol::AwsQuery => {
            let mut w = xml::Writer::new();
            if let Err(e) = query::ser::to_writer(out, XML_SPELLINGS, &mut w) {
                // Only a shape with a member awsQuery cannot spell gets here (a bug).
                tracing::error!(op = req.op.name(), error = %e, "awsQuery output not written");
            }
            query::response(req.op.name(), XMLNS, Some(&w.finish()), &req.ctx.request_id)
        }
        p => json::ok(p, out),
    }
}

/// The response to an operation without output.
pub fn respond_empty(req: &Call) -> Response {
    match req.protocol {
        Protocol::AwsQuery => query::response(req.op.name(), XMLNS, None, &req.ctx.request_id),
        p => json::ok(p, &serde_json::Map::new()),
    }
}

/// Finds the queue a request names by `QueueUrl` (for awsQuery also by the path it was posted
/// to): `MissingParameter` without one, `InvalidAddress` for a URL that names no queue,
/// `QueueDoesNotExist` for an unknown queue; then authorizes the call's action on it
/// ([`authorize_queue`]).
pub fn resolve_queue(
    svc: &SqsService,
    req: &Call,
    queue_url: Option<&str>,
) -> Result<std::sync::Arc<Queue>> {
    let key = queue_key(req, queue_url)?;
    let queue = svc.engine().existing(&key)?;
    authorize_queue(req, iam_action(req.op), &queue)?;
    // Any action keeps the queue active for its metrics (the request's arrival time: no
    // extra clock read).
    queue.counters.touch(req.ctx.received_millis);
    Ok(queue)
}

/// The IAM action an operation is authorized as: its own name, but for the batch actions,
/// which need the single action's permission (`SendMessageBatch` → `sqs:SendMessage`).
pub fn iam_action(op: Op) -> &'static str {
    match op {
        Op::CreateQueue => "sqs:CreateQueue",
        Op::DeleteQueue => "sqs:DeleteQueue",
        Op::GetQueueUrl => "sqs:GetQueueUrl",
        Op::ListQueues => "sqs:ListQueues",
        Op::GetQueueAttributes => "sqs:GetQueueAttributes",
        Op::SetQueueAttributes => "sqs:SetQueueAttributes",
        Op::PurgeQueue => "sqs:PurgeQueue",
        Op::SendMessage | Op::SendMessageBatch => "sqs:SendMessage",
        Op::ReceiveMessage => "sqs:ReceiveMessage",
        Op::DeleteMessage | Op::DeleteMessageBatch => "sqs:DeleteMessage",
        Op::ChangeMessageVisibility | Op::ChangeMessageVisibilityBatch => {
            "sqs:ChangeMessageVisibility"
        }
        Op::TagQueue => "sqs:TagQueue",
        Op::UntagQueue => "sqs:UntagQueue",
        Op::ListQueueTags => "sqs:ListQueueTags",
        Op::AddPermission => "sqs:AddPermission",
        Op::RemovePermission => "sqs:RemovePermission",
        Op::ListDeadLetterSourceQueues => "sqs:ListDeadLetterSourceQueues",
        Op::StartMessageMoveTask => "sqs:StartMessageMoveTask",
        Op::CancelMessageMoveTask => "sqs:CancelMessageMoveTask",
        Op::ListMessageMoveTasks => "sqs:ListMessageMoveTasks",
    }
}

/// Whether the caller may perform `action` on `queue`: the queue belongs to the account in
/// its URL, and its `Policy` (compiled when set) grants other accounts and restricts
/// everyone. The owner's root user on a queue without a policy decides without evaluating
/// anything (the fast path SendMessage takes).
pub fn authorize_queue(req: &Call, action: &str, queue: &Queue) -> Result<()> {
    let policy = queue.policy();
    req.ctx
        .authorize(
            action,
            Resource {
                arn: &queue.arn,
                owner: queue.key.account.as_str(),
                policy: policy.as_deref(),
            },
            |_| {},
        )
        .map_err(|d| access_denied(req, &d))
}

/// Authorizes an action that acts in the caller's own account rather than on a queue
/// (`CreateQueue` on the ARN it would create, `ListQueues` on `*`).
pub fn authorize_own(req: &Call, action: &str, arn: &str) -> Result<()> {
    req.ctx
        .authorize(
            action,
            Resource {
                arn,
                owner: req.ctx.account.as_str(),
                policy: None,
            },
            |_| {},
        )
        .map_err(|d| access_denied(req, &d))
}

/// SQS's refusal: `AccessDenied`, 403, "Access to the resource https://sqs.us-east-1.amazonaws.com/
/// is denied." (the resource is the URL the request was sent to, as AWS words it); the
/// policy decision behind it is logged.
pub fn access_denied(req: &Call, denied: &Denied) -> SqsError {
    tracing::info!(reason = %denied, "SQS request denied");
    let path = match req.protocol {
        Protocol::AwsQuery => req.uri.path(),
        _ => "/",
    };
    SqsError::new(
        SqsErrorCode::AccessDenied,
        format!(
            "Access to the resource http://{}{path} is denied.",
            req.ctx.host
        ),
    )
}

/// The key of the queue a request names (see [`resolve_queue`]).
pub fn queue_key(req: &Call, queue_url: Option<&str>) -> Result<QueueKey> {
    let url = match queue_url.filter(|u| !u.is_empty()) {
        Some(u) => u,
        None => {
            let path = req.uri.path();
            if req.form.is_some() && path != "/" && !path.is_empty() {
                path
            } else {
                return Err(SqsError::missing_parameter("QueueUrl"));
            }
        }
    };
    let parsed = parse_queue_url(url).ok_or_else(|| {
        SqsError::new(
            SqsErrorCode::InvalidAddress,
            format!("The address {url} is not valid for this endpoint."),
        )
    })?;
    let region = parsed.region.unwrap_or_else(|| req.ctx.region.clone());
    Ok(QueueKey {
        account: parsed.account,
        region,
        name: parsed.name,
    })
}

/// A required string member: `MissingParameter` when absent.
pub fn required<'a>(value: &'a Option<String>, name: &str) -> Result<&'a str> {
    value
        .as_deref()
        .ok_or_else(|| SqsError::missing_parameter(name))
}

/// Serialises `Some` only; for `skip_serializing_if`.
pub fn is_empty_vec<T>(v: &[T]) -> bool {
    v.is_empty()
}
