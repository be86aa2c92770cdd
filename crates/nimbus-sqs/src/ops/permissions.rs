//! AddPermission and RemovePermission: statements in the queue's `Policy` attribute.
//!
//! AddPermission appends a statement with the label as its `Sid`, the accounts' root ARNs as
//! principals and `SQS:<Action>` actions; RemovePermission drops the statement with that
//! `Sid` and removes the whole policy with its last statement, as AWS does.

use nimbus_core::AccountId;
use nimbus_wire::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{parse, required, resolve_queue, respond_empty};
use crate::SqsService;
use crate::engine::queue::Queue;
use crate::error::{Result, SqsError};
use crate::ops::Call;
use crate::queue_attributes::QueuePolicy;

/// The actions a permission may grant (besides `*`): those that work across accounts.
pub const SHAREABLE_ACTIONS: &[&str] = &[
    "SendMessage",
    "SendMessageBatch",
    "ReceiveMessage",
    "DeleteMessage",
    "DeleteMessageBatch",
    "ChangeMessageVisibility",
    "ChangeMessageVisibilityBatch",
    "GetQueueAttributes",
    "GetQueueUrl",
    "ListDeadLetterSourceQueues",
    "PurgeQueue",
];

/// AddPermission input.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct AddPermissionInput {
    queue_url: Option<String>,
    label: Option<String>,
    #[serde(rename = "AWSAccountIds", alias = "AWSAccountId")]
    aws_account_ids: Option<Vec<String>>,
    #[serde(alias = "ActionName")]
    actions: Option<Vec<String>>,
}

fn validate_label(label: &str) -> Result<()> {
    if label.is_empty()
        || label.len() > 80
        || !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(SqsError::invalid_parameter_value(format!(
            "Value {label} for parameter Label is invalid. Reason: Must consist of up to 80 alphanumeric characters, hyphens (-) and underscores (_)."
        )));
    }
    Ok(())
}

fn one_or_many(values: Vec<String>) -> Value {
    if values.len() == 1 {
        Value::String(values.into_iter().next().unwrap_or_default())
    } else {
        Value::Array(values.into_iter().map(Value::String).collect())
    }
}

fn parse_policy(queue: &Queue, policy: Option<&str>) -> Value {
    policy
        .and_then(|p| serde_json::from_str::<Value>(p).ok())
        .filter(Value::is_object)
        .unwrap_or_else(|| {
            json!({
                "Version": "2012-10-17",
                "Id": format!("{}/SQSDefaultPolicy", queue.arn),
                "Statement": [],
            })
        })
}

fn statements(policy: &mut Value) -> &mut Vec<Value> {
    let obj = policy.as_object_mut().expect("policies are objects");
    let st = obj
        .entry("Statement")
        .or_insert_with(|| Value::Array(Vec::new()));
    if !st.is_array() {
        let single = std::mem::take(st);
        *st = Value::Array(if single.is_null() {
            vec![]
        } else {
            vec![single]
        });
    }
    st.as_array_mut().expect("made an array above")
}

/// AddPermission.
pub async fn add_permission(svc: &SqsService, req: &mut Call) -> Result<Response> {
    let input: AddPermissionInput = parse(req)?;
    let label = required(&input.label, "Label")?.to_owned();
    let accounts = input
        .aws_account_ids
        .filter(|a| !a.is_empty())
        .ok_or_else(|| SqsError::missing_parameter("AWSAccountIds"))?;
    let actions = input
        .actions
        .filter(|a| !a.is_empty())
        .ok_or_else(|| SqsError::missing_parameter("Actions"))?;
    validate_label(&label)?;
    let mut principals = Vec::new();
    for a in &accounts {
        let Some(id) = AccountId::parse(a) else {
            return Err(SqsError::invalid_parameter_value(format!(
                "Value [{a}] for parameter PrincipalId is invalid. Reason: Unable to verify."
            )));
        };
        principals.push(format!("arn:aws:iam::{id}:root"));
    }
    let mut granted = Vec::new();
    for a in &actions {
        let name = a.strip_prefix("SQS:").unwrap_or(a);
        if name != "*" && !SHAREABLE_ACTIONS.contains(&name) {
            return Err(SqsError::invalid_parameter_value(format!(
                "Value SQS:{name} for parameter ActionName is invalid. Reason: Only the queue owner is allowed to invoke this action."
            )));
        }
        granted.push(format!("SQS:{name}"));
    }
    let queue = resolve_queue(svc, req, input.queue_url.as_deref())?;
    let now = svc.engine().now();
    svc.engine()
        .update_queue(&queue, |st| {
            let mut policy =
                parse_policy(&queue, st.attributes.policy.as_ref().map(QueuePolicy::text));
            let list = statements(&mut policy);
            if list
                .iter()
                .any(|s| s.get("Sid").and_then(Value::as_str) == Some(label.as_str()))
            {
                return Err(SqsError::invalid_parameter_value(format!(
                    "Value {label} for parameter Label is invalid. Reason: Already exists."
                )));
            }
            list.push(json!({
                "Sid": label,
                "Effect": "Allow",
                "Principal": { "AWS": one_or_many(principals) },
                "Action": one_or_many(granted),
                "Resource": queue.arn,
            }));
            st.attributes.policy = Some(QueuePolicy::parse(&policy.to_string())?);
            st.modified_at = now;
            Ok(())
        })?
        .wait()
        .await?;
    Ok(respond_empty(req))
}

/// RemovePermission input.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct RemovePermissionInput {
    queue_url: Option<String>,
    label: Option<String>,
}

/// RemovePermission.
pub async fn remove_permission(svc: &SqsService, req: &mut Call) -> Result<Response> {
    let input: RemovePermissionInput = parse(req)?;
    let label = required(&input.label, "Label")?.to_owned();
    let queue = resolve_queue(svc, req, input.queue_url.as_deref())?;
    let now = svc.engine().now();
    svc.engine()
        .update_queue(&queue, |st| {
            let not_found = || {
                SqsError::invalid_parameter_value(format!(
                    "Value {label} for parameter Label is invalid. Reason: can't find label on existing policy."
                ))
            };
            let Some(existing) = st.attributes.policy.as_ref().map(QueuePolicy::text) else {
                return Err(not_found());
            };
            let mut policy = parse_policy(&queue, Some(existing));
            let list = statements(&mut policy);
            let before = list.len();
            list.retain(|s| s.get("Sid").and_then(Value::as_str) != Some(label.as_str()));
            if list.len() == before {
                return Err(not_found());
            }
            st.attributes.policy = if list.is_empty() {
                None
            } else {
                Some(QueuePolicy::parse(&policy.to_string())?)
            };
            st.modified_at = now;
            Ok(())
        })?
        .wait()
        .await?;
    Ok(respond_empty(req))
}
