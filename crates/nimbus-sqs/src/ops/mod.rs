//! The SQS operations, one module per group. Each operation parses both wire forms
//! (awsJson 1.0 bodies and awsQuery form fields) into one typed input, applies it to the
//! engine, and renders its typed output in the protocol the client spoke.

pub mod messages;
pub mod move_tasks;
pub mod permissions;
pub mod queues;
pub mod tags;

use bytes::Bytes;
use nimbus_core::RequestContext;
use nimbus_wire::operations::Binding;
use nimbus_wire::query::QueryParams;
use nimbus_wire::{Protocol, Request, RequestBody, Response, json, query, xml};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::SqsService;
use crate::engine::queue::{Queue, QueueKey};
use crate::error::{Result, SqsError};
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
            _ => SqsError::UnknownOperation("Missing X-Amz-Target header.".into()),
        });
    };
    Op::from_name(name).ok_or_else(|| match protocol {
        Protocol::AwsQuery => {
            SqsError::InvalidAction(format!("The action {name} is not valid for this endpoint."))
        }
        _ => {
            SqsError::UnknownOperation(format!("The operation {name} is not known to Amazon SQS."))
        }
    })
}

/// Input of operations that name only a queue.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct QueueUrlInput {
    /// The queue's URL.
    pub queue_url: Option<String>,
}

impl Input for QueueUrlInput {
    fn from_query(p: &QueryParams) -> Result<Self> {
        Ok(QueueUrlInput {
            queue_url: query_str(p, "QueueUrl"),
        })
    }
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

/// An operation's input, from either wire form.
pub trait Input: Sized + DeserializeOwned {
    /// Reads the input from awsQuery fields.
    fn from_query(p: &QueryParams) -> Result<Self>;
}

/// An operation's output, in either wire form.
pub trait Output: Serialize {
    /// Writes the members of the `<{Action}Result>` element.
    fn write_xml(&self, w: &mut xml::Writer);
}

/// Parses the request's input.
pub fn parse<I: Input>(req: &Call) -> Result<I> {
    match &req.form {
        Some(form) => I::from_query(form),
        None => {
            let bytes: &[u8] = &req.body;
            let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
                b"{}"
            } else {
                bytes
            };
            serde_json::from_slice(bytes)
                .map_err(|e| SqsError::Serialization(format!("Could not parse request body: {e}")))
        }
    }
}

/// Renders `out` as the response to the call's operation.
pub fn respond<O: Output>(req: &Call, out: &O) -> Response {
    match req.protocol {
        Protocol::AwsQuery => {
            let mut w = xml::Writer::new();
            out.write_xml(&mut w);
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
/// `QueueDoesNotExist` for an unknown queue.
pub fn resolve_queue(
    svc: &SqsService,
    req: &Call,
    queue_url: Option<&str>,
) -> Result<std::sync::Arc<Queue>> {
    let key = queue_key(req, queue_url)?;
    svc.engine().existing(&key)
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
        SqsError::InvalidAddress(format!("The address {url} is not valid for this endpoint."))
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

/// An optional integer awsQuery field: `InvalidParameterValue` when not a number.
pub fn query_int(p: &QueryParams, name: &str) -> Result<Option<i64>> {
    match p.get(name) {
        None => Ok(None),
        Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
            SqsError::invalid_parameter_value(format!(
                "Value {v} for parameter {name} is invalid. Reason: Must be an integer."
            ))
        }),
    }
}

/// An optional string awsQuery field.
pub fn query_str(p: &QueryParams, name: &str) -> Option<String> {
    p.get(name).map(str::to_owned)
}

/// The `Attribute.N.Name` / `Attribute.N.Value` pairs of an awsQuery request (also the
/// `Attributes.entry.N.key/value` spelling some clients use).
pub fn query_attribute_map(p: &QueryParams) -> Vec<(String, String)> {
    let mut v = p.map("Attribute", "Name", "Value");
    if v.is_empty() {
        v = p.map("Attributes.entry", "key", "value");
    }
    v
}

/// Serialises `Some` only; for `skip_serializing_if`.
pub fn is_empty_vec<T>(v: &[T]) -> bool {
    v.is_empty()
}
