//! Queue attributes: [`QueueAttributes`] (every settable attribute, typed, with AWS's
//! defaults, ranges and messages), the attribute names a request may ask for, and the
//! RedrivePolicy and RedriveAllowPolicy documents.
//!
//! RedrivePolicy and RedriveAllowPolicy are validated for shape here (JSON, ARNs, ranges);
//! whether the dead-letter queue exists, has the same type and allows the source is the
//! engine's business.

use std::sync::Arc;

use nimbus_core::Arn;
use nimbus_core::access::policy::Policy;

use crate::error::{Result, SqsError, SqsErrorCode};
use crate::validate::{MAX_VISIBILITY_TIMEOUT, in_range, is_fifo_name, queue_name};

/// Every queue attribute name of the model except `All`, in the model's order.
pub const QUEUE_ATTRIBUTE_NAMES: [&str; 21] = [
    "Policy",
    "VisibilityTimeout",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
    "ApproximateNumberOfMessagesDelayed",
    "DelaySeconds",
    "ReceiveMessageWaitTimeSeconds",
    "RedrivePolicy",
    "FifoQueue",
    "ContentBasedDeduplication",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "DeduplicationScope",
    "FifoThroughputLimit",
    "RedriveAllowPolicy",
    "SqsManagedSseEnabled",
];

/// The attributes SQS computes; they can be read but not set.
pub const READ_ONLY_QUEUE_ATTRIBUTES: [&str; 6] = [
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
];

fn unknown_attribute(name: &str) -> SqsError {
    SqsError::new(
        SqsErrorCode::InvalidAttributeName,
        format!("Unknown Attribute {name}."),
    )
}

fn invalid_value(name: &str) -> SqsError {
    SqsError::new(
        SqsErrorCode::InvalidAttributeValue,
        format!("Invalid value for the parameter {name}."),
    )
}

/// The names a GetQueueAttributes `AttributeNames` list asks for, without repeats, in the
/// order of [`QUEUE_ATTRIBUTE_NAMES`]; `All` asks for every one. An unknown name answers
/// `InvalidAttributeName` ("Unknown Attribute X."). Attributes a queue does not have
/// (FIFO ones on a standard queue, an unset Policy) are simply left out of the answer.
pub fn requested_queue_attributes(names: &[String]) -> Result<Vec<&'static str>> {
    let mut all = false;
    for n in names {
        if n == "All" {
            all = true;
        } else if !QUEUE_ATTRIBUTE_NAMES.contains(&n.as_str()) {
            return Err(unknown_attribute(n));
        }
    }
    Ok(QUEUE_ATTRIBUTE_NAMES
        .iter()
        .copied()
        .filter(|k| all || names.iter().any(|n| n == k))
        .collect())
}

/// A queue's `RedrivePolicy`: where messages go after too many receives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedrivePolicy {
    /// `deadLetterTargetArn`: the dead-letter queue's ARN (an SQS queue ARN).
    pub dead_letter_target_arn: String,
    /// `maxReceiveCount`: 1 to 1000; 10 when left out.
    pub max_receive_count: u32,
}

impl RedrivePolicy {
    /// Parses and validates the attribute value `raw` (a JSON object).
    pub fn parse(raw: &str) -> Result<RedrivePolicy> {
        let invalid = |reason: String| {
            SqsError::new(
                SqsErrorCode::InvalidParameterValue,
                format!("Value {raw} for parameter RedrivePolicy is invalid. Reason: {reason}"),
            )
        };
        let doc: serde_json::Value = serde_json::from_str(raw)
            .map_err(|_| invalid("Redrive policy is not a valid JSON map.".into()))?;
        let map = doc
            .as_object()
            .ok_or_else(|| invalid("Redrive policy is not a valid JSON map.".into()))?;
        let arn = match map.get("deadLetterTargetArn") {
            None | Some(serde_json::Value::Null) => {
                return Err(invalid(
                    "Redrive policy does not contain mandatory attribute: deadLetterTargetArn."
                        .into(),
                ));
            }
            Some(serde_json::Value::String(s)) if is_queue_arn(s) => s.clone(),
            Some(_) => return Err(invalid("Invalid value for deadLetterTargetArn.".into())),
        };
        let max_receive_count = match map.get("maxReceiveCount") {
            None | Some(serde_json::Value::Null) => 10,
            Some(v) => {
                let shown = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let n = match v {
                    serde_json::Value::Number(n) => n.as_i64(),
                    serde_json::Value::String(s) if is_decimal(s) => s.parse::<i64>().ok(),
                    _ => None,
                };
                n.and_then(|n| in_range(n, 1, 1000)).ok_or_else(|| {
                    invalid(format!(
                        "Invalid value for maxReceiveCount: {shown}, valid values are from 1 to \
                         1000 both inclusive."
                    ))
                })?
            }
        };
        Ok(RedrivePolicy {
            dead_letter_target_arn: arn,
            max_receive_count,
        })
    }

    /// The attribute value as GetQueueAttributes answers it.
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "deadLetterTargetArn": self.dead_letter_target_arn,
            "maxReceiveCount": self.max_receive_count,
        })
        .to_string()
    }
}

/// A dead-letter queue's `RedriveAllowPolicy`: which source queues may name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RedriveAllowPolicy {
    /// `allowAll` (the default): any queue of the account and region.
    AllowAll,
    /// `denyAll`: no queue.
    DenyAll,
    /// `byQueue`: only the listed source queue ARNs (1 to 10).
    ByQueue(Vec<String>),
}

impl RedriveAllowPolicy {
    /// Parses and validates the attribute value `raw` (a JSON object with
    /// `redrivePermission` and, for `byQueue` only, `sourceQueueArns`).
    pub fn parse(raw: &str) -> Result<RedriveAllowPolicy> {
        let invalid = |reason: &str| {
            SqsError::new(
                SqsErrorCode::InvalidParameterValue,
                format!(
                    "Value {raw} for parameter RedriveAllowPolicy is invalid. Reason: {reason}"
                ),
            )
        };
        let unsupported = || {
            invalid(
                "Amazon SQS can't create the redrive allow policy, as it's in an unsupported format.",
            )
        };
        let doc: serde_json::Value = serde_json::from_str(raw).map_err(|_| unsupported())?;
        let map = doc.as_object().ok_or_else(unsupported)?;
        let arns = match map.get("sourceQueueArns") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::Array(list)) => Some(
                list.iter()
                    .map(|v| match v {
                        serde_json::Value::String(s) if is_queue_arn(s) => Ok(s.clone()),
                        _ => Err(unsupported()),
                    })
                    .collect::<Result<Vec<String>>>()?,
            ),
            Some(_) => return Err(unsupported()),
        };
        match (map.get("redrivePermission").and_then(|v| v.as_str()), arns) {
            (Some("allowAll"), None) => Ok(RedriveAllowPolicy::AllowAll),
            (Some("denyAll"), None) => Ok(RedriveAllowPolicy::DenyAll),
            (Some("byQueue"), Some(arns)) if !arns.is_empty() => {
                if arns.len() > 10 {
                    return Err(invalid("You can specify up to 10 source queue ARNs."));
                }
                Ok(RedriveAllowPolicy::ByQueue(arns))
            }
            _ => Err(unsupported()),
        }
    }

    /// The attribute value as GetQueueAttributes answers it.
    pub fn to_json(&self) -> String {
        match self {
            RedriveAllowPolicy::AllowAll => r#"{"redrivePermission":"allowAll"}"#.into(),
            RedriveAllowPolicy::DenyAll => r#"{"redrivePermission":"denyAll"}"#.into(),
            RedriveAllowPolicy::ByQueue(arns) => serde_json::json!({
                "redrivePermission": "byQueue",
                "sourceQueueArns": arns,
            })
            .to_string(),
        }
    }

    /// Whether a queue with ARN `source_arn` may use this queue as its dead-letter queue.
    pub fn allows(&self, source_arn: &str) -> bool {
        match self {
            RedriveAllowPolicy::AllowAll => true,
            RedriveAllowPolicy::DenyAll => false,
            RedriveAllowPolicy::ByQueue(arns) => arns.iter().any(|a| a == source_arn),
        }
    }
}

/// Whether `s` is an SQS queue ARN: `arn:<partition>:sqs:<region>:<12 digits>:<queue name>`.
pub fn is_queue_arn(s: &str) -> bool {
    let Ok(arn) = s.parse::<Arn>() else {
        return false;
    };
    arn.service == "sqs"
        && !arn.region.is_empty()
        && arn.account.len() == 12
        && arn.account.bytes().all(|b| b.is_ascii_digit())
        && queue_name(&arn.resource, is_fifo_name(&arn.resource)).is_ok()
}

fn is_decimal(s: &str) -> bool {
    !s.is_empty() && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit())
}

/// A FIFO queue's `DeduplicationScope`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DeduplicationScope {
    /// `queue` (the default): deduplication ids are unique across the queue.
    #[default]
    Queue,
    /// `messageGroup`: deduplication ids are unique within a message group.
    MessageGroup,
}

impl DeduplicationScope {
    /// AWS's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DeduplicationScope::Queue => "queue",
            DeduplicationScope::MessageGroup => "messageGroup",
        }
    }
}

/// A FIFO queue's `FifoThroughputLimit`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FifoThroughputLimit {
    /// `perQueue` (the default).
    #[default]
    PerQueue,
    /// `perMessageGroupId` (high throughput; needs `DeduplicationScope` `messageGroup`).
    PerMessageGroupId,
}

impl FifoThroughputLimit {
    /// AWS's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            FifoThroughputLimit::PerQueue => "perQueue",
            FifoThroughputLimit::PerMessageGroupId => "perMessageGroupId",
        }
    }
}

/// A queue's `Policy` attribute: the document as set, and its compiled form, parsed once
/// when the attribute is set (or loaded) and read by every request's authorization.
#[derive(Clone, Debug)]
pub struct QueuePolicy {
    /// The document as the client set it (what GetQueueAttributes returns).
    pub text: String,
    /// The compiled policy; `None` only for a stored document the policy language no longer
    /// accepts (kept, never lost, and treated as granting nothing).
    pub compiled: Option<Arc<Policy>>,
}

impl PartialEq for QueuePolicy {
    fn eq(&self, other: &QueuePolicy) -> bool {
        self.text == other.text
    }
}

impl Eq for QueuePolicy {}

impl QueuePolicy {
    /// Validates and compiles a document (`InvalidAttributeValue`, "Invalid value for the
    /// parameter Policy.", for invalid JSON or an invalid policy).
    pub fn parse(text: &str) -> Result<QueuePolicy> {
        match Policy::resource(text) {
            Ok(p) => Ok(QueuePolicy {
                text: text.to_owned(),
                compiled: Some(Arc::new(p)),
            }),
            Err(e) => {
                tracing::debug!(error = %e.message(), "queue policy refused");
                Err(invalid_value("Policy"))
            }
        }
    }

    /// The document's text.
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// A queue's settable attributes, typed, with AWS's defaults ([`Default`] is a new
/// standard queue). The read-only ones (counts, timestamps, `QueueArn`) belong to the
/// engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueAttributes {
    /// `DelaySeconds`: 0 to 900; default 0.
    pub delay_seconds: u32,
    /// `MaximumMessageSize`: 1024 to 1048576 bytes; default 1048576.
    pub maximum_message_size: u32,
    /// `MessageRetentionPeriod`: 60 to 1209600 seconds; default 345600 (4 days).
    pub message_retention_period: u32,
    /// `ReceiveMessageWaitTimeSeconds`: 0 to 20; default 0.
    pub receive_message_wait_time_seconds: u32,
    /// `VisibilityTimeout`: 0 to 43200 seconds; default 30.
    pub visibility_timeout: u32,
    /// `Policy`: the access policy document as set, with its compiled form, if any.
    pub policy: Option<QueuePolicy>,
    /// `RedrivePolicy`, if any.
    pub redrive_policy: Option<RedrivePolicy>,
    /// `RedriveAllowPolicy`, if set (absent means allow all).
    pub redrive_allow_policy: Option<RedriveAllowPolicy>,
    /// `KmsMasterKeyId`: the KMS key of SSE-KMS, if enabled.
    pub kms_master_key_id: Option<String>,
    /// `KmsDataKeyReusePeriodSeconds`: 60 to 86400; default 300.
    pub kms_data_key_reuse_period_seconds: u32,
    /// `SqsManagedSseEnabled`: SSE with SQS-owned keys; default true, false once SSE-KMS is on.
    pub sqs_managed_sse_enabled: bool,
    /// `FifoQueue`: fixed at creation.
    pub fifo_queue: bool,
    /// `ContentBasedDeduplication` (FIFO only); default false.
    pub content_based_deduplication: bool,
    /// `DeduplicationScope` (FIFO only); default `queue`.
    pub deduplication_scope: DeduplicationScope,
    /// `FifoThroughputLimit` (FIFO only); default `perQueue`.
    pub fifo_throughput_limit: FifoThroughputLimit,
}

impl Default for QueueAttributes {
    fn default() -> Self {
        QueueAttributes {
            delay_seconds: 0,
            maximum_message_size: 1_048_576,
            message_retention_period: 345_600,
            receive_message_wait_time_seconds: 0,
            visibility_timeout: 30,
            policy: None,
            redrive_policy: None,
            redrive_allow_policy: None,
            kms_master_key_id: None,
            kms_data_key_reuse_period_seconds: 300,
            sqs_managed_sse_enabled: true,
            fifo_queue: false,
            content_based_deduplication: false,
            deduplication_scope: DeduplicationScope::Queue,
            fifo_throughput_limit: FifoThroughputLimit::PerQueue,
        }
    }
}

/// Parses an integer attribute value within `min..=max` (`InvalidAttributeValue`).
fn parse_u32(name: &str, value: &str, min: u32, max: u32) -> Result<u32> {
    if !is_decimal(value) {
        return Err(invalid_value(name));
    }
    value
        .parse::<u64>()
        .ok()
        .filter(|v| (u64::from(min)..=u64::from(max)).contains(v))
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| invalid_value(name))
}

/// Parses a boolean attribute value (`true` / `false`, any casing).
fn parse_bool(name: &str, value: &str) -> Result<bool> {
    if value.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if value.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(invalid_value(name))
    }
}

fn is_true(value: &str) -> bool {
    value.eq_ignore_ascii_case("true")
}

impl QueueAttributes {
    /// The attributes of a new queue named `name` created with `attrs` (CreateQueue's
    /// `Attributes`): `FifoQueue` `true` makes a FIFO queue (and then the name must end with
    /// `.fifo`); each attribute is validated and applied; then the rules across attributes
    /// are checked (one kind of SSE; `perMessageGroupId` needs `messageGroup`).
    pub fn for_create(name: &str, attrs: &[(String, String)]) -> Result<QueueAttributes> {
        let fifo = attrs.iter().any(|(k, v)| k == "FifoQueue" && is_true(v));
        queue_name(name, fifo)?;
        let mut q = QueueAttributes {
            fifo_queue: fifo,
            ..QueueAttributes::default()
        };
        check_request(attrs)?;
        for (k, v) in attrs {
            q.apply(k, v, true)?;
        }
        q.check_consistency()?;
        Ok(q)
    }

    /// The attributes of a stored queue: as [`QueueAttributes::for_create`], but a stored
    /// `Policy` that no longer compiles is kept as text (granting nothing) rather than
    /// costing the queue its other attributes.
    pub fn restore(name: &str, attrs: &[(String, String)]) -> Result<QueueAttributes> {
        match QueueAttributes::for_create(name, attrs) {
            Ok(q) => Ok(q),
            Err(e) => {
                let Some((_, text)) = attrs.iter().find(|(k, _)| k == "Policy") else {
                    return Err(e);
                };
                let rest: Vec<(String, String)> = attrs
                    .iter()
                    .filter(|(k, _)| k != "Policy")
                    .cloned()
                    .collect();
                let mut q = QueueAttributes::for_create(name, &rest)?;
                tracing::warn!(
                    queue = name,
                    "stored queue Policy is not a valid policy; kept, but it grants nothing"
                );
                q.policy = Some(QueuePolicy {
                    text: text.clone(),
                    compiled: None,
                });
                Ok(q)
            }
        }
    }

    /// Applies SetQueueAttributes' `attrs` all or nothing: on any error `self` is unchanged.
    pub fn set(&mut self, attrs: &[(String, String)]) -> Result<()> {
        check_request(attrs)?;
        let mut next = self.clone();
        for (k, v) in attrs {
            next.apply(k, v, false)?;
        }
        next.check_consistency()?;
        *self = next;
        Ok(())
    }

    /// Checks CreateQueue on an existing queue (`self`): `attrs` must be valid for a queue
    /// named `name`, and every attribute it names must have the value the queue has, else
    /// `QueueNameExists` ("… a different value for attribute X").
    pub fn check_create_matches(&self, name: &str, attrs: &[(String, String)]) -> Result<()> {
        let requested = QueueAttributes::for_create(name, attrs)?;
        for (k, _) in attrs {
            let same = match k.as_str() {
                "Policy" => policy_eq(
                    self.policy.as_ref().map(QueuePolicy::text),
                    requested.policy.as_ref().map(QueuePolicy::text),
                ),
                _ => self.get(k) == requested.get(k),
            };
            if !same {
                return Err(SqsError::queue_name_exists_for(k));
            }
        }
        Ok(())
    }

    /// Validates one attribute and applies it. `creating` is true for CreateQueue and false
    /// for SetQueueAttributes (where `FifoQueue` cannot change). Unknown and read-only names
    /// answer `InvalidAttributeName` ("Unknown Attribute X."), as do FIFO-only attributes on
    /// a standard queue; values out of range answer `InvalidAttributeValue` ("Invalid value
    /// for the parameter X."). An empty `Policy`, `RedrivePolicy`, `RedriveAllowPolicy` or
    /// `KmsMasterKeyId` removes it.
    pub fn apply(&mut self, name: &str, value: &str, creating: bool) -> Result<()> {
        match name {
            "DelaySeconds" => self.delay_seconds = parse_u32(name, value, 0, 900)?,
            "MaximumMessageSize" => {
                self.maximum_message_size = parse_u32(name, value, 1024, 1_048_576)?
            }
            "MessageRetentionPeriod" => {
                self.message_retention_period = parse_u32(name, value, 60, 1_209_600)?
            }
            "ReceiveMessageWaitTimeSeconds" => {
                self.receive_message_wait_time_seconds = parse_u32(name, value, 0, 20)?
            }
            "VisibilityTimeout" => {
                self.visibility_timeout = parse_u32(name, value, 0, MAX_VISIBILITY_TIMEOUT)?
            }
            "Policy" => {
                self.policy = if value.is_empty() {
                    None
                } else {
                    Some(QueuePolicy::parse(value)?)
                };
            }
            "RedrivePolicy" => {
                self.redrive_policy = if value.is_empty() {
                    None
                } else {
                    Some(RedrivePolicy::parse(value)?)
                };
            }
            "RedriveAllowPolicy" => {
                self.redrive_allow_policy = if value.is_empty() {
                    None
                } else {
                    Some(RedriveAllowPolicy::parse(value)?)
                };
            }
            "KmsMasterKeyId" => {
                if value.is_empty() {
                    self.kms_master_key_id = None;
                } else {
                    self.kms_master_key_id = Some(value.to_owned());
                    self.sqs_managed_sse_enabled = false;
                }
            }
            "KmsDataKeyReusePeriodSeconds" => {
                self.kms_data_key_reuse_period_seconds = parse_u32(name, value, 60, 86_400)?
            }
            "SqsManagedSseEnabled" => {
                let on = parse_bool(name, value)?;
                self.sqs_managed_sse_enabled = on;
                if on {
                    self.kms_master_key_id = None;
                }
            }
            "FifoQueue" => {
                if !self.fifo_queue {
                    return Err(unknown_attribute(name));
                }
                if !creating && !is_true(value) {
                    return Err(SqsError::new(
                        SqsErrorCode::InvalidAttributeValue,
                        "Invalid value for the parameter FifoQueue. Reason: Modifying queue type \
                         is not supported.",
                    ));
                }
            }
            "ContentBasedDeduplication" => {
                if !self.fifo_queue {
                    return Err(unknown_attribute(name));
                }
                self.content_based_deduplication = parse_bool(name, value)?;
            }
            "DeduplicationScope" => {
                self.require_fifo(name)?;
                self.deduplication_scope = match value {
                    "queue" => DeduplicationScope::Queue,
                    "messageGroup" => DeduplicationScope::MessageGroup,
                    _ => return Err(invalid_value(name)),
                };
            }
            "FifoThroughputLimit" => {
                self.require_fifo(name)?;
                self.fifo_throughput_limit = match value {
                    "perQueue" => FifoThroughputLimit::PerQueue,
                    "perMessageGroupId" => FifoThroughputLimit::PerMessageGroupId,
                    _ => return Err(invalid_value(name)),
                };
            }
            _ => return Err(unknown_attribute(name)),
        }
        Ok(())
    }

    fn require_fifo(&self, name: &str) -> Result<()> {
        if self.fifo_queue {
            Ok(())
        } else {
            Err(SqsError::new(
                SqsErrorCode::InvalidAttributeName,
                format!("You can specify the {name} only when FifoQueue is set to true."),
            ))
        }
    }

    /// The rules across attributes, checked once all of a request's are applied.
    fn check_consistency(&self) -> Result<()> {
        if self.fifo_queue
            && self.fifo_throughput_limit == FifoThroughputLimit::PerMessageGroupId
            && self.deduplication_scope != DeduplicationScope::MessageGroup
        {
            return Err(SqsError::new(
                SqsErrorCode::InvalidAttributeValue,
                "Invalid value for the parameter FifoThroughputLimit. Reason: The \
                 perMessageGroupId value is allowed only when the value for DeduplicationScope \
                 is messageGroup.",
            ));
        }
        Ok(())
    }

    /// One settable attribute as GetQueueAttributes answers it, or `None` when the queue
    /// does not have it (unset Policy, FIFO attributes of a standard queue, unknown names).
    pub fn get(&self, name: &str) -> Option<String> {
        let fifo = |v: String| self.fifo_queue.then_some(v);
        match name {
            "DelaySeconds" => Some(self.delay_seconds.to_string()),
            "MaximumMessageSize" => Some(self.maximum_message_size.to_string()),
            "MessageRetentionPeriod" => Some(self.message_retention_period.to_string()),
            "ReceiveMessageWaitTimeSeconds" => {
                Some(self.receive_message_wait_time_seconds.to_string())
            }
            "VisibilityTimeout" => Some(self.visibility_timeout.to_string()),
            "Policy" => self.policy.as_ref().map(|p| p.text.clone()),
            "RedrivePolicy" => self.redrive_policy.as_ref().map(RedrivePolicy::to_json),
            "RedriveAllowPolicy" => self
                .redrive_allow_policy
                .as_ref()
                .map(RedriveAllowPolicy::to_json),
            "KmsMasterKeyId" => self.kms_master_key_id.clone(),
            "KmsDataKeyReusePeriodSeconds" => (self.kms_master_key_id.is_some()
                || self.kms_data_key_reuse_period_seconds != 300)
                .then(|| self.kms_data_key_reuse_period_seconds.to_string()),
            "SqsManagedSseEnabled" => Some(self.sqs_managed_sse_enabled.to_string()),
            "FifoQueue" => fifo("true".into()),
            "ContentBasedDeduplication" => fifo(self.content_based_deduplication.to_string()),
            "DeduplicationScope" => fifo(self.deduplication_scope.as_str().into()),
            "FifoThroughputLimit" => fifo(self.fifo_throughput_limit.as_str().into()),
            _ => None,
        }
    }

    /// Every settable attribute the queue has, as GetQueueAttributes strings, in the order
    /// of [`QUEUE_ATTRIBUTE_NAMES`].
    pub fn to_map(&self) -> Vec<(String, String)> {
        QUEUE_ATTRIBUTE_NAMES
            .iter()
            .filter_map(|k| self.get(k).map(|v| ((*k).to_owned(), v)))
            .collect()
    }
}

/// The checks on a request's attributes as a whole, before any is applied.
fn check_request(attrs: &[(String, String)]) -> Result<()> {
    let kms = attrs
        .iter()
        .any(|(k, v)| k == "KmsMasterKeyId" && !v.is_empty());
    let sqs_sse = attrs
        .iter()
        .any(|(k, v)| k == "SqsManagedSseEnabled" && is_true(v));
    if kms && sqs_sse {
        return Err(SqsError::new(
            SqsErrorCode::InvalidAttributeName,
            "You can use one type of server-side encryption (SSE) at one time. You can either \
             enable KMS SSE or SQS SSE.",
        ));
    }
    Ok(())
}

/// Whether two policy documents are the same JSON.
fn policy_eq(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => {
            a == b
                || serde_json::from_str::<serde_json::Value>(a).ok()
                    == serde_json::from_str::<serde_json::Value>(b).ok()
        }
        (a, b) => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    const DLQ: &str = "arn:aws:sqs:us-east-1:000000000000:dlq";

    #[test]
    fn defaults() {
        let q = QueueAttributes::for_create("q", &[]).unwrap();
        assert_eq!(q, QueueAttributes::default());
        assert_eq!(
            q.to_map(),
            kv(&[
                ("VisibilityTimeout", "30"),
                ("MaximumMessageSize", "1048576"),
                ("MessageRetentionPeriod", "345600"),
                ("DelaySeconds", "0"),
                ("ReceiveMessageWaitTimeSeconds", "0"),
                ("SqsManagedSseEnabled", "true"),
            ])
        );
    }

    #[test]
    fn ranges() {
        let cases: &[(&str, &str, &str)] = &[
            ("DelaySeconds", "0", "900"),
            ("MaximumMessageSize", "1024", "1048576"),
            ("MessageRetentionPeriod", "60", "1209600"),
            ("ReceiveMessageWaitTimeSeconds", "0", "20"),
            ("VisibilityTimeout", "0", "43200"),
            ("KmsDataKeyReusePeriodSeconds", "60", "86400"),
        ];
        for (name, min, max) in cases {
            let mut q = QueueAttributes::default();
            q.apply(name, min, true).unwrap();
            assert_eq!(q.get(name).as_deref().unwrap_or(min), *min);
            q.apply(name, max, true).unwrap();
            assert_eq!(q.get(name).as_deref(), Some(*max));
            let below = (min.parse::<i64>().unwrap() - 1).to_string();
            let above = (max.parse::<i64>().unwrap() + 1).to_string();
            for bad in [
                below.as_str(),
                above.as_str(),
                "",
                "abc",
                " 5",
                "1.5",
                "99999999999999999999",
            ] {
                let e = q.apply(name, bad, true).unwrap_err();
                assert_eq!(e.code(), "InvalidAttributeValue", "{name}={bad}");
                assert_eq!(
                    e.message(),
                    format!("Invalid value for the parameter {name}.")
                );
            }
        }
    }

    #[test]
    fn unknown_and_read_only_names() {
        let mut q = QueueAttributes::default();
        for name in READ_ONLY_QUEUE_ATTRIBUTES
            .iter()
            .chain(["All", "Bogus"].iter())
        {
            let e = q.apply(name, "1", false).unwrap_err();
            assert_eq!(e.code(), "InvalidAttributeName");
            assert_eq!(e.message(), format!("Unknown Attribute {name}."));
        }
    }

    #[test]
    fn fifo_attributes() {
        // On a standard queue.
        let e = QueueAttributes::for_create("q", &kv(&[("FifoQueue", "false")])).unwrap_err();
        assert_eq!(e.message(), "Unknown Attribute FifoQueue.");
        let e = QueueAttributes::for_create("q", &kv(&[("ContentBasedDeduplication", "true")]))
            .unwrap_err();
        assert_eq!(e.message(), "Unknown Attribute ContentBasedDeduplication.");
        let e =
            QueueAttributes::for_create("q", &kv(&[("DeduplicationScope", "queue")])).unwrap_err();
        assert_eq!(e.code(), "InvalidAttributeName");
        assert_eq!(
            e.message(),
            "You can specify the DeduplicationScope only when FifoQueue is set to true."
        );
        let mut std_q = QueueAttributes::default();
        assert_eq!(
            std_q
                .set(&kv(&[("FifoQueue", "true")]))
                .unwrap_err()
                .message(),
            "Unknown Attribute FifoQueue."
        );
        // Name and type must agree.
        assert!(QueueAttributes::for_create("q", &kv(&[("FifoQueue", "true")])).is_err());
        assert!(QueueAttributes::for_create("q.fifo", &[]).is_err());

        let mut q = QueueAttributes::for_create(
            "q.fifo",
            &kv(&[
                ("FifoQueue", "true"),
                ("ContentBasedDeduplication", "true"),
                ("DeduplicationScope", "messageGroup"),
                ("FifoThroughputLimit", "perMessageGroupId"),
            ]),
        )
        .unwrap();
        assert!(q.fifo_queue && q.content_based_deduplication);
        let map = q.to_map();
        assert!(map.contains(&("FifoQueue".into(), "true".into())));
        assert!(map.contains(&("DeduplicationScope".into(), "messageGroup".into())));
        assert!(map.contains(&("FifoThroughputLimit".into(), "perMessageGroupId".into())));
        q.set(&kv(&[("FifoQueue", "true")])).unwrap();
        let e = q.set(&kv(&[("FifoQueue", "false")])).unwrap_err();
        assert_eq!(e.code(), "InvalidAttributeValue");
        assert_eq!(
            e.message(),
            "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported."
        );
        // perMessageGroupId needs messageGroup, checked across the request.
        let e = q.set(&kv(&[("DeduplicationScope", "queue")])).unwrap_err();
        assert_eq!(e.code(), "InvalidAttributeValue");
        q.set(&kv(&[
            ("DeduplicationScope", "queue"),
            ("FifoThroughputLimit", "perQueue"),
        ]))
        .unwrap();
        assert!(q.set(&kv(&[("DeduplicationScope", "group")])).is_err());
        assert!(q.set(&kv(&[("ContentBasedDeduplication", "yes")])).is_err());
    }

    #[test]
    fn set_is_all_or_nothing() {
        let mut q = QueueAttributes::default();
        let e = q
            .set(&kv(&[("VisibilityTimeout", "60"), ("DelaySeconds", "901")]))
            .unwrap_err();
        assert_eq!(e.code(), "InvalidAttributeValue");
        assert_eq!(q.visibility_timeout, 30);
        q.set(&kv(&[("VisibilityTimeout", "60"), ("DelaySeconds", "900")]))
            .unwrap();
        assert_eq!((q.visibility_timeout, q.delay_seconds), (60, 900));
    }

    #[test]
    fn sse() {
        let e = QueueAttributes::for_create(
            "q",
            &kv(&[
                ("KmsMasterKeyId", "alias/aws/sqs"),
                ("SqsManagedSseEnabled", "true"),
            ]),
        )
        .unwrap_err();
        assert_eq!(e.code(), "InvalidAttributeName");
        assert_eq!(
            e.message(),
            "You can use one type of server-side encryption (SSE) at one time. You can either \
             enable KMS SSE or SQS SSE."
        );
        let mut q = QueueAttributes::for_create(
            "q",
            &kv(&[
                ("KmsMasterKeyId", "testKeyId"),
                ("KmsDataKeyReusePeriodSeconds", "6000"),
            ]),
        )
        .unwrap();
        let map = q.to_map();
        assert!(map.contains(&("KmsMasterKeyId".into(), "testKeyId".into())));
        assert!(map.contains(&("KmsDataKeyReusePeriodSeconds".into(), "6000".into())));
        assert!(map.contains(&("SqsManagedSseEnabled".into(), "false".into())));
        q.set(&kv(&[("SqsManagedSseEnabled", "true")])).unwrap();
        assert_eq!(q.kms_master_key_id, None);
        assert_eq!(q.get("SqsManagedSseEnabled").as_deref(), Some("true"));
        q.set(&kv(&[("SqsManagedSseEnabled", "FALSE")])).unwrap();
        assert!(!q.sqs_managed_sse_enabled);
        assert!(q.set(&kv(&[("SqsManagedSseEnabled", "maybe")])).is_err());
    }

    #[test]
    fn policy() {
        let mut q = QueueAttributes::default();
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"*"}]}"#;
        q.set(&kv(&[("Policy", doc)])).unwrap();
        assert_eq!(q.get("Policy").as_deref(), Some(doc));
        assert!(q.policy.as_ref().unwrap().compiled.is_some());
        for bad in [
            "{",
            "[]",
            "\"x\"",
            "null",
            "{}",
            r#"{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"sqs:*","Resource":"*"}]}"#,
        ] {
            let e = q.set(&kv(&[("Policy", bad)])).unwrap_err();
            assert_eq!(e.message(), "Invalid value for the parameter Policy.");
        }
        q.set(&kv(&[("Policy", "")])).unwrap();
        assert_eq!(q.get("Policy"), None);
    }

    #[test]
    fn redrive_policy() {
        let raw = format!(r#"{{"deadLetterTargetArn":"{DLQ}","maxReceiveCount":"5"}}"#);
        let p = RedrivePolicy::parse(&raw).unwrap();
        assert_eq!(p.max_receive_count, 5);
        assert_eq!(
            p.to_json(),
            format!(r#"{{"deadLetterTargetArn":"{DLQ}","maxReceiveCount":5}}"#)
        );
        let p = RedrivePolicy::parse(&format!(r#"{{"deadLetterTargetArn":"{DLQ}"}}"#)).unwrap();
        assert_eq!(p.max_receive_count, 10);

        let raw = r#"{"deadLetterTargetArn": "dummy", "maxReceiveCount": 42}"#;
        let e = RedrivePolicy::parse(raw).unwrap_err();
        assert_eq!(e.query_code(), "InvalidParameterValue");
        assert_eq!(
            e.message(),
            "Value {\"deadLetterTargetArn\": \"dummy\", \"maxReceiveCount\": 42} for parameter \
             RedrivePolicy is invalid. Reason: Invalid value for deadLetterTargetArn."
        );
        for count in ["0", "1001", "\"x\"", "1.5", "-1"] {
            let raw = format!(r#"{{"deadLetterTargetArn":"{DLQ}","maxReceiveCount":{count}}}"#);
            let e = RedrivePolicy::parse(&raw).unwrap_err();
            assert!(
                e.message().contains("Invalid value for maxReceiveCount"),
                "{count}"
            );
        }
        let e = RedrivePolicy::parse(r#"{"maxReceiveCount":5}"#).unwrap_err();
        assert!(
            e.message()
                .ends_with("mandatory attribute: deadLetterTargetArn.")
        );
        assert!(RedrivePolicy::parse("not json").is_err());
        assert!(RedrivePolicy::parse("[1]").is_err());
        for bad in [
            "arn:aws:sns:us-east-1:000000000000:dlq",
            "arn:aws:sqs:us-east-1:123:dlq",
            "arn:aws:sqs::000000000000:dlq",
            "arn:aws:sqs:us-east-1:000000000000:bad name",
        ] {
            assert!(!is_queue_arn(bad), "{bad}");
        }
        assert!(is_queue_arn("arn:aws:sqs:eu-west-1:111122223333:q.fifo"));

        let mut q = QueueAttributes::default();
        q.set(&kv(&[("RedrivePolicy", &raw_policy())])).unwrap();
        assert!(q.redrive_policy.is_some());
        q.set(&kv(&[("RedrivePolicy", "")])).unwrap();
        assert!(q.redrive_policy.is_none());
    }

    fn raw_policy() -> String {
        format!(r#"{{"deadLetterTargetArn":"{DLQ}","maxReceiveCount":3}}"#)
    }

    #[test]
    fn redrive_allow_policy() {
        assert_eq!(
            RedriveAllowPolicy::parse(r#"{"redrivePermission":"allowAll"}"#).unwrap(),
            RedriveAllowPolicy::AllowAll
        );
        assert_eq!(
            RedriveAllowPolicy::parse(r#"{"redrivePermission":"denyAll"}"#).unwrap(),
            RedriveAllowPolicy::DenyAll
        );
        let src = "arn:aws:sqs:us-east-1:000000000000:src";
        let p = RedriveAllowPolicy::parse(&format!(
            r#"{{"redrivePermission":"byQueue","sourceQueueArns":["{src}"]}}"#
        ))
        .unwrap();
        assert!(p.allows(src) && !p.allows(DLQ));
        assert_eq!(
            p.to_json(),
            format!(r#"{{"redrivePermission":"byQueue","sourceQueueArns":["{src}"]}}"#)
        );
        for bad in [
            "x".to_string(),
            r#"{"redrivePermission":"byQueue"}"#.into(),
            r#"{"redrivePermission":"byQueue","sourceQueueArns":[]}"#.into(),
            r#"{"redrivePermission":"allowAll","sourceQueueArns":["arn:aws:sqs:us-east-1:000000000000:a"]}"#.into(),
            r#"{"redrivePermission":"some"}"#.into(),
            r#"{"redrivePermission":"byQueue","sourceQueueArns":["nope"]}"#.into(),
        ] {
            let e = RedriveAllowPolicy::parse(&bad).unwrap_err();
            assert_eq!(e.query_code(), "InvalidParameterValue", "{bad}");
            assert!(e.message().contains("unsupported format"), "{bad}");
        }
        let eleven: Vec<String> = (0..11)
            .map(|i| format!("\"arn:aws:sqs:us-east-1:000000000000:q{i}\""))
            .collect();
        let e = RedriveAllowPolicy::parse(&format!(
            r#"{{"redrivePermission":"byQueue","sourceQueueArns":[{}]}}"#,
            eleven.join(",")
        ))
        .unwrap_err();
        assert!(e.message().contains("up to 10"));
    }

    #[test]
    fn create_idempotency() {
        let q = QueueAttributes::for_create("q", &kv(&[("VisibilityTimeout", "60")])).unwrap();
        q.check_create_matches("q", &kv(&[("VisibilityTimeout", "60")]))
            .unwrap();
        q.check_create_matches("q", &[]).unwrap();
        // Naming a default that matches is fine; naming one that differs is not.
        q.check_create_matches("q", &kv(&[("DelaySeconds", "0")]))
            .unwrap();
        let e = q
            .check_create_matches("q", &kv(&[("DelaySeconds", "1")]))
            .unwrap_err();
        assert_eq!(e.code(), "QueueNameExists");
        assert_eq!(e.query_code(), "QueueAlreadyExists");
        assert_eq!(
            e.message(),
            "A queue already exists with the same name and a different value for attribute \
             DelaySeconds"
        );
        let a = r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": "*"}]}"#;
        let b =
            r#"{"Statement":[{"Resource":"*","Action":"sqs:*","Principal":"*","Effect":"Allow"}]}"#;
        let with_policy = QueueAttributes::for_create("q", &kv(&[("Policy", a)])).unwrap();
        with_policy
            .check_create_matches("q", &kv(&[("Policy", b)]))
            .unwrap();
        // Invalid attributes are reported as such, not as a conflict.
        assert_eq!(
            q.check_create_matches("q", &kv(&[("DelaySeconds", "1000")]))
                .unwrap_err()
                .code(),
            "InvalidAttributeValue"
        );
    }

    #[test]
    fn requested_names() {
        let all = requested_queue_attributes(&["All".into()]).unwrap();
        assert_eq!(all.len(), QUEUE_ATTRIBUTE_NAMES.len());
        let some =
            requested_queue_attributes(&["QueueArn".into(), "Policy".into(), "QueueArn".into()])
                .unwrap();
        assert_eq!(some, ["Policy", "QueueArn"]);
        let e = requested_queue_attributes(&["Nope".into()]).unwrap_err();
        assert_eq!(e.code(), "InvalidAttributeName");
        assert_eq!(e.message(), "Unknown Attribute Nope.");
        assert!(requested_queue_attributes(&[]).unwrap().is_empty());
    }
}
