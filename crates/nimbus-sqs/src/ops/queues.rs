//! CreateQueue, DeleteQueue, GetQueueUrl, ListQueues, GetQueueAttributes,
//! SetQueueAttributes, PurgeQueue.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use nimbus_core::AccountId;
use nimbus_wire::{Response, query};
use serde::{Deserialize, Serialize};

use super::{QueueUrlInput, parse, required, resolve_queue, respond, respond_empty};
use crate::SqsService;
use crate::engine::queue::QueueKey;
use crate::error::{Result, SqsError, SqsErrorCode};
use crate::ops::Call;
use crate::queue_attributes::{self, QueueAttributes};
use crate::validate::{self, validate_tags};

/// A string-to-string map that keeps the order it was given in (attributes, tags).
pub type Pairs = Vec<(String, String)>;

fn map_to_pairs(
    m: Option<serde_json::Map<String, serde_json::Value>>,
    what: &str,
) -> Result<Pairs> {
    let mut out = Vec::new();
    for (k, v) in m.unwrap_or_default() {
        match v {
            serde_json::Value::String(s) => out.push((k, s)),
            other => {
                return Err(SqsError::new(
                    SqsErrorCode::Serialization,
                    format!("The value of {what} '{k}' must be a string, not {other}"),
                ));
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- CreateQueue

/// CreateQueue input.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct CreateQueueInput {
    queue_name: Option<String>,
    #[serde(default)]
    attributes: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default, rename = "tags")]
    tags: Option<serde_json::Map<String, serde_json::Value>>,
    /// awsQuery `Attribute.N.Name/Value`, in the order sent.
    #[serde(rename = "Attribute")]
    query_attributes: Option<query::de::Pairs>,
    /// awsQuery `Tag.N.Key/Value`, in the order sent.
    #[serde(rename = "Tag")]
    query_tags: Option<query::de::Pairs>,
}

/// CreateQueue / GetQueueUrl output.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueueUrlOutput {
    queue_url: String,
}

/// CreateQueue.
pub async fn create_queue(svc: &SqsService, req: &mut Call) -> Result<Response> {
    let mut input: CreateQueueInput = parse(req)?;
    let name = required(&input.queue_name, "QueueName")?.to_owned();
    let given = match input.query_attributes.take() {
        Some(p) if !p.0.is_empty() => p.0,
        _ => map_to_pairs(input.attributes.take(), "attribute")?,
    };
    let tags = match input.query_tags.take() {
        Some(p) if !p.0.is_empty() => p.0,
        _ => map_to_pairs(input.tags.take(), "tag")?,
    };
    let fifo_requested = given
        .iter()
        .any(|(k, v)| k == "FifoQueue" && v.eq_ignore_ascii_case("true"));
    validate::queue_name(&name, fifo_requested || name.ends_with(".fifo"))?;
    let attributes = QueueAttributes::for_create(&name, &given)?;
    let tags = validate_tags(&tags, 0)?;
    let key = QueueKey {
        account: req.ctx.account.clone(),
        region: req.ctx.region.clone(),
        name,
    };
    super::authorize_own(req, "sqs:CreateQueue", &key.arn())?;
    if let Some(p) = &attributes.redrive_policy
        && svc.engine().queue(&key).is_none()
    {
        svc.engine()
            .check_redrive_policy(&key, attributes.fifo_queue, p)?;
    }
    let created = svc.engine().create_queue(key, &given, attributes, tags)?;
    created.ack.wait().await?;
    let out = QueueUrlOutput {
        queue_url: created.queue.key.url(&req.ctx.host),
    };
    Ok(respond(req, &out))
}

// ---------------------------------------------------------------- DeleteQueue / PurgeQueue

/// DeleteQueue.
pub async fn delete_queue(svc: &SqsService, req: &mut Call) -> Result<Response> {
    let input: QueueUrlInput = parse(req)?;
    let queue = resolve_queue(svc, req, input.queue_url.as_deref())?;
    svc.engine().delete_queue(&queue)?.wait().await?;
    Ok(respond_empty(req))
}

/// PurgeQueue.
pub async fn purge_queue(svc: &SqsService, req: &mut Call) -> Result<Response> {
    let input: QueueUrlInput = parse(req)?;
    let queue = resolve_queue(svc, req, input.queue_url.as_deref())?;
    svc.engine().purge(&queue, &queue.key.name)?.wait().await?;
    Ok(respond_empty(req))
}

// ---------------------------------------------------------------- GetQueueUrl

/// GetQueueUrl input.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct GetQueueUrlInput {
    queue_name: Option<String>,
    #[serde(rename = "QueueOwnerAWSAccountId")]
    queue_owner_aws_account_id: Option<String>,
}

/// GetQueueUrl.
pub async fn get_queue_url(svc: &SqsService, req: &mut Call) -> Result<Response> {
    let input: GetQueueUrlInput = parse(req)?;
    let name = required(&input.queue_name, "QueueName")?;
    let account = match input.queue_owner_aws_account_id.as_deref() {
        None | Some("") => req.ctx.account.clone(),
        Some(a) => AccountId::parse(a).ok_or_else(SqsError::queue_does_not_exist)?,
    };
    let key = QueueKey::new(account, &req.ctx.region, name);
    let queue = svc.engine().existing(&key)?;
    super::authorize_queue(req, "sqs:GetQueueUrl", &queue)?;
    let out = QueueUrlOutput {
        queue_url: queue.key.url(&req.ctx.host),
    };
    Ok(respond(req, &out))
}

// ---------------------------------------------------------------- ListQueues

/// ListQueues input.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct ListQueuesInput {
    queue_name_prefix: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

/// ListQueues output.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListQueuesOutput {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    queue_urls: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

/// Validates `MaxResults` (1–1000) of the listing operations.
pub fn max_results(v: Option<i64>) -> Result<Option<usize>> {
    match v {
        None => Ok(None),
        Some(n) if (1..=1000).contains(&n) => Ok(Some(n as usize)),
        Some(n) => Err(SqsError::invalid_parameter_value(format!(
            "Value {n} for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000."
        ))),
    }
}

/// The pagination token after the item named `last`.
pub fn encode_token(last: &str) -> String {
    URL_SAFE_NO_PAD.encode(last.as_bytes())
}

/// The name a pagination token continues after; `InvalidParameterValue` for a token we did
/// not issue.
pub fn decode_token(token: &str) -> Result<String> {
    URL_SAFE_NO_PAD
        .decode(token.as_bytes())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| SqsError::invalid_parameter_value("Invalid NextToken value."))
}

/// ListQueues.
pub async fn list_queues(svc: &SqsService, req: &mut Call) -> Result<Response> {
    let input: ListQueuesInput = parse(req)?;
    let max = max_results(input.max_results)?;
    super::authorize_own(req, "sqs:ListQueues", "*")?;
    let after = match input.next_token.as_deref() {
        None | Some("") => None,
        Some(t) => Some(decode_token(t)?),
    };
    let prefix = input.queue_name_prefix.unwrap_or_default();
    let queues = svc
        .engine()
        .list(&req.ctx.account, &req.ctx.region, &prefix);
    let limit = max.unwrap_or(1000);
    let mut remaining = queues
        .iter()
        .filter(|q| after.as_deref().is_none_or(|a| q.key.name.as_str() > a));
    let mut urls = Vec::new();
    let mut last = "";
    for q in remaining.by_ref().take(limit) {
        urls.push(q.key.url(&req.ctx.host));
        last = &q.key.name;
    }
    let next_token = (max.is_some() && remaining.next().is_some()).then(|| encode_token(last));
    let out = ListQueuesOutput {
        queue_urls: urls,
        next_token,
    };
    Ok(respond(req, &out))
}

// ---------------------------------------------------------------- GetQueueAttributes

/// GetQueueAttributes input.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct GetQueueAttributesInput {
    queue_url: Option<String>,
    #[serde(alias = "AttributeName")]
    attribute_names: Option<Vec<String>>,
}

/// GetQueueAttributes output.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetQueueAttributesOutput {
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "serialize_pairs"
    )]
    attributes: Vec<(&'static str, String)>,
}

fn serialize_pairs<S: serde::Serializer>(
    pairs: &[(&'static str, String)],
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.collect_map(pairs.iter().map(|(k, v)| (k, v)))
}

/// GetQueueAttributes.
pub async fn get_queue_attributes(svc: &SqsService, req: &mut Call) -> Result<Response> {
    let input: GetQueueAttributesInput = parse(req)?;
    let names =
        queue_attributes::requested_queue_attributes(&input.attribute_names.unwrap_or_default())?;
    let queue = resolve_queue(svc, req, input.queue_url.as_deref())?;
    let snap = svc.engine().snapshot(&queue)?;
    let attributes = names
        .into_iter()
        .filter_map(|name| {
            let value = match name {
                "ApproximateNumberOfMessages" => Some(snap.visible.to_string()),
                "ApproximateNumberOfMessagesNotVisible" => Some(snap.not_visible.to_string()),
                "ApproximateNumberOfMessagesDelayed" => Some(snap.delayed.to_string()),
                "CreatedTimestamp" => Some((snap.created_at / 1000).to_string()),
                "LastModifiedTimestamp" => Some((snap.modified_at / 1000).to_string()),
                "QueueArn" => Some(queue.arn.clone()),
                other => snap.attributes.get(other),
            };
            value.map(|v| (name, v))
        })
        .collect();
    Ok(respond(req, &GetQueueAttributesOutput { attributes }))
}

// ---------------------------------------------------------------- SetQueueAttributes

/// SetQueueAttributes input.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct SetQueueAttributesInput {
    queue_url: Option<String>,
    attributes: Option<serde_json::Map<String, serde_json::Value>>,
    /// awsQuery `Attribute.N.Name/Value`, in the order sent.
    #[serde(rename = "Attribute")]
    query_attributes: Option<query::de::Pairs>,
}

/// SetQueueAttributes.
pub async fn set_queue_attributes(svc: &SqsService, req: &mut Call) -> Result<Response> {
    let mut input: SetQueueAttributesInput = parse(req)?;
    // awsQuery requests always carry the (possibly empty) map; awsJson ones must name it.
    let pairs = match (input.query_attributes.take(), input.attributes.take()) {
        (Some(p), _) if !p.0.is_empty() => p.0,
        (_, Some(m)) => map_to_pairs(Some(m), "attribute")?,
        _ if req.form.is_some() => Vec::new(),
        _ => return Err(SqsError::missing_parameter("Attributes")),
    };
    let queue = resolve_queue(svc, req, input.queue_url.as_deref())?;
    if let Some((_, raw)) = pairs.iter().rev().find(|(k, _)| k == "RedrivePolicy")
        && !raw.is_empty()
    {
        let policy = queue_attributes::RedrivePolicy::parse(raw)?;
        svc.engine()
            .check_redrive_policy(&queue.key, queue.is_fifo(), &policy)?;
    }
    svc.engine().set_attributes(&queue, &pairs)?.wait().await?;
    Ok(respond_empty(req))
}
