//! A function as nimbus stores it, and as the API shows it (`FunctionConfiguration`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use nimbus_core::access::policy::Policy;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::LambdaError;

/// The only version nimbus serves.
pub const LATEST: &str = "$LATEST";

/// Identifies a function: account, region and name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FunctionKey {
    /// The owning account.
    pub account: String,
    /// The region.
    pub region: String,
    /// The function name.
    pub name: String,
}

impl FunctionKey {
    /// The unqualified function ARN.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{}",
            self.region, self.account, self.name
        )
    }

    /// The default log group, `/aws/lambda/<name>`.
    pub fn log_group(&self) -> String {
        format!("/aws/lambda/{}", self.name)
    }
}

/// Where a function's code lives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum CodeSource {
    /// An uploaded package, extracted under the data directory.
    Zip {
        /// The extracted package (the task root).
        dir: PathBuf,
        /// The package as uploaded (for `GetFunction`'s `Code.Location`).
        zip: PathBuf,
    },
    /// A local directory used in place and watched for changes (`S3Bucket=hot-reload`).
    HotReload {
        /// The absolute directory.
        dir: PathBuf,
    },
}

impl CodeSource {
    /// The task root (`LAMBDA_TASK_ROOT`).
    pub fn task_root(&self) -> &std::path::Path {
        match self {
            CodeSource::Zip { dir, .. } | CodeSource::HotReload { dir } => dir,
        }
    }
}

/// `State` of a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FunctionState {
    /// Being created.
    Pending,
    /// Ready to invoke.
    Active,
    /// Creation failed.
    Failed,
}

impl FunctionState {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            FunctionState::Pending => "Pending",
            FunctionState::Active => "Active",
            FunctionState::Failed => "Failed",
        }
    }
}

/// `LastUpdateStatus` of a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UpdateStatus {
    /// An update is being applied.
    InProgress,
    /// The last update succeeded.
    Successful,
    /// The last update failed.
    Failed,
}

impl UpdateStatus {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            UpdateStatus::InProgress => "InProgress",
            UpdateStatus::Successful => "Successful",
            UpdateStatus::Failed => "Failed",
        }
    }
}

/// One function, everything nimbus keeps about it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FunctionRecord {
    /// Account, region, name.
    pub key: FunctionKey,
    /// `Runtime` (`python3.12`, `nodejs20.x`, `provided.al2023`, `wasm32-wasi`…).
    pub runtime: Option<String>,
    /// `Role`.
    pub role: String,
    /// `Handler`.
    pub handler: Option<String>,
    /// `Description`.
    pub description: String,
    /// `Timeout` in seconds (1–900).
    pub timeout: u32,
    /// `MemorySize` in MB (128–10240).
    pub memory_size: u32,
    /// `Environment.Variables`.
    pub environment: BTreeMap<String, String>,
    /// Where the code is.
    pub code: CodeSource,
    /// `CodeSha256`: base64 of the package's SHA-256.
    pub code_sha256: String,
    /// `CodeSize`: the package's size in bytes.
    pub code_size: u64,
    /// `LastModified`, milliseconds since the epoch.
    pub last_modified: u64,
    /// `RevisionId`, changed by every update.
    pub revision_id: String,
    /// `State`.
    pub state: FunctionState,
    /// `LastUpdateStatus`.
    pub last_update_status: UpdateStatus,
    /// Why the last update or creation failed.
    pub state_reason: Option<String>,
    /// `Architectures`.
    pub architectures: Vec<String>,
    /// `EphemeralStorage.Size` in MB.
    pub ephemeral_storage: u32,
    /// `TracingConfig.Mode`.
    pub tracing_mode: String,
    /// `LoggingConfig.LogFormat`.
    pub log_format: String,
    /// `LoggingConfig.LogGroup`.
    pub log_group: String,
    /// Configuration stored and echoed but not acted on (`VpcConfig`, `DeadLetterConfig`,
    /// `KMSKeyArn`, `Layers`, `FileSystemConfigs`, `SnapStart`…), as the client sent it.
    pub echoed: BTreeMap<String, Value>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// The resource-based policy's statements (as `AddPermission` built them).
    pub policy: Vec<Value>,
    /// The policy's revision id.
    pub policy_revision: String,
    /// The policy compiled ([`FunctionRecord::compile_policy`]) when it changes or is
    /// loaded; what every request's authorization reads.
    #[serde(skip)]
    pub compiled_policy: Option<Arc<Policy>>,
    /// `ReservedConcurrentExecutions`, if set.
    pub reserved_concurrency: Option<u32>,
    /// The asynchronous invocation configuration (`PutFunctionEventInvokeConfig`), if set.
    #[serde(default)]
    pub event_invoke_config: Option<EventInvokeConfig>,
}

impl FunctionRecord {
    /// The function's unqualified ARN.
    pub fn arn(&self) -> String {
        self.key.arn()
    }

    /// `FunctionConfiguration` as the API returns it.
    pub fn configuration(&self) -> Value {
        let mut c = serde_json::Map::new();
        c.insert("FunctionName".into(), json!(self.key.name));
        c.insert("FunctionArn".into(), json!(self.arn()));
        if let Some(r) = &self.runtime {
            c.insert("Runtime".into(), json!(r));
        }
        c.insert("Role".into(), json!(self.role));
        if let Some(h) = &self.handler {
            c.insert("Handler".into(), json!(h));
        }
        c.insert("CodeSize".into(), json!(self.code_size));
        c.insert("Description".into(), json!(self.description));
        c.insert("Timeout".into(), json!(self.timeout));
        c.insert("MemorySize".into(), json!(self.memory_size));
        c.insert(
            "LastModified".into(),
            json!(lambda_timestamp(self.last_modified)),
        );
        c.insert("CodeSha256".into(), json!(self.code_sha256));
        c.insert("Version".into(), json!(LATEST));
        if !self.environment.is_empty() {
            c.insert(
                "Environment".into(),
                json!({ "Variables": self.environment }),
            );
        }
        c.insert("TracingConfig".into(), json!({ "Mode": self.tracing_mode }));
        c.insert("RevisionId".into(), json!(self.revision_id));
        c.insert("State".into(), json!(self.state.as_str()));
        match self.state {
            FunctionState::Pending => {
                c.insert(
                    "StateReason".into(),
                    json!("The function is being created."),
                );
                c.insert("StateReasonCode".into(), json!("Creating"));
            }
            FunctionState::Failed => {
                c.insert(
                    "StateReason".into(),
                    json!(self.state_reason.clone().unwrap_or_default()),
                );
                c.insert("StateReasonCode".into(), json!("InternalError"));
            }
            FunctionState::Active => {}
        }
        c.insert(
            "LastUpdateStatus".into(),
            json!(self.last_update_status.as_str()),
        );
        if self.last_update_status == UpdateStatus::Failed {
            c.insert(
                "LastUpdateStatusReason".into(),
                json!(self.state_reason.clone().unwrap_or_default()),
            );
            c.insert("LastUpdateStatusReasonCode".into(), json!("InternalError"));
        }
        c.insert("PackageType".into(), json!("Zip"));
        c.insert("Architectures".into(), json!(self.architectures));
        c.insert(
            "EphemeralStorage".into(),
            json!({ "Size": self.ephemeral_storage }),
        );
        c.insert(
            "SnapStart".into(),
            json!({ "ApplyOn": "None", "OptimizationStatus": "Off" }),
        );
        c.insert(
            "LoggingConfig".into(),
            json!({ "LogFormat": self.log_format, "LogGroup": self.log_group }),
        );
        for (k, v) in &self.echoed {
            c.insert(k.clone(), v.clone());
        }
        Value::Object(c)
    }

    /// Compiles the policy's statements into [`FunctionRecord::compiled_policy`] (none
    /// without statements). A document the policy language does not accept (a stored
    /// statement from before policies were enforced) grants nothing and is logged.
    pub fn compile_policy(&mut self) {
        self.compiled_policy = self
            .policy_document()
            .map(|doc| match Policy::resource(&doc) {
                Ok(p) => Arc::new(p),
                Err(e) => {
                    tracing::warn!(function = %self.key.name, error = %e.message(),
                    "the function's policy is not a valid policy; it grants nothing");
                    Arc::new(
                        Policy::resource(GRANTS_NOTHING).expect("the grant-nothing policy parses"),
                    )
                }
            });
    }

    /// The resource-based policy document, if it has statements.
    pub fn policy_document(&self) -> Option<String> {
        if self.policy.is_empty() {
            return None;
        }
        Some(
            json!({
                "Version": "2012-10-17",
                "Id": "default",
                "Statement": self.policy,
            })
            .to_string(),
        )
    }
}

/// A policy no request matches: what an unreadable stored policy stands for.
const GRANTS_NOTHING: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/nimbus-no-one"},"Action":"lambda:NoSuchAction","Resource":"*"}]}"#;

/// `LastModified`'s format: `2026-01-01T00:00:00.000+0000`.
pub fn lambda_timestamp(millis: u64) -> String {
    let iso = nimbus_core::timefmt::iso8601_millis(millis);
    format!("{}+0000", iso.trim_end_matches('Z'))
}

/// A function reference from a path: a name, a partial ARN (`123456789012:function:name`) or
/// a full ARN, with an optional `:qualifier`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionRef {
    /// The account the reference names, if it names one.
    pub account: Option<String>,
    /// The region the reference names, if it names one.
    pub region: Option<String>,
    /// The function name.
    pub name: String,
    /// The qualifier (`$LATEST`, a version or an alias), if any.
    pub qualifier: Option<String>,
}

impl FunctionRef {
    /// Parses a reference as the `FunctionName` member allows it.
    pub fn parse(s: &str) -> Result<FunctionRef, LambdaError> {
        let invalid = || {
            LambdaError::validation(
                s,
                "functionName",
                "Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?",
            )
        };
        if s.is_empty() || s.len() > 256 {
            return Err(invalid());
        }
        let parts: Vec<&str> = s.split(':').collect();
        let (account, region, rest): (Option<&str>, Option<&str>, &[&str]) = if parts[0] == "arn" {
            // arn:aws:lambda:region:account:function:name[:qualifier]
            if parts.len() < 7 || parts.len() > 8 || parts[2] != "lambda" || parts[5] != "function"
            {
                return Err(invalid());
            }
            (Some(parts[4]), Some(parts[3]), &parts[6..])
        } else if parts.len() >= 3 && parts[1] == "function" {
            // account:function:name[:qualifier]
            if parts.len() > 4 {
                return Err(invalid());
            }
            (Some(parts[0]), None, &parts[2..])
        } else {
            if parts.len() > 2 {
                return Err(invalid());
            }
            (None, None, &parts[..])
        };
        let name = rest[0];
        if name.is_empty()
            || name.len() > 140
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(invalid());
        }
        if let Some(a) = account
            && nimbus_core::AccountId::parse(a).is_none()
        {
            return Err(invalid());
        }
        if let Some(r) = region
            && !nimbus_core::account::is_valid_region(r)
        {
            return Err(invalid());
        }
        let qualifier = match rest.get(1) {
            None => None,
            Some(q)
                if *q == LATEST
                    || (!q.is_empty()
                        && q.len() <= 128
                        && q.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')) =>
            {
                Some((*q).to_owned())
            }
            Some(_) => return Err(invalid()),
        };
        Ok(FunctionRef {
            account: account.map(str::to_owned),
            region: region.map(str::to_owned),
            name: name.to_owned(),
            qualifier,
        })
    }
}

/// A function's asynchronous invocation configuration (`FunctionEventInvokeConfig`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventInvokeConfig {
    /// `MaximumRetryAttempts`, if set.
    pub maximum_retry_attempts: Option<u32>,
    /// `MaximumEventAgeInSeconds`, if set.
    pub maximum_event_age_in_seconds: Option<u32>,
    /// `DestinationConfig.OnSuccess.Destination`, if set.
    pub on_success: Option<String>,
    /// `DestinationConfig.OnFailure.Destination`, if set.
    pub on_failure: Option<String>,
    /// `LastModified`, ms since the epoch.
    pub last_modified: u64,
}

impl EventInvokeConfig {
    /// `FunctionEventInvokeConfig` as the API returns it, for the function's ARN qualified
    /// with `$LATEST`.
    pub fn to_json(&self, qualified_arn: &str) -> Value {
        let mut v = serde_json::Map::new();
        v.insert(
            "LastModified".into(),
            json!(self.last_modified as f64 / 1000.0),
        );
        v.insert("FunctionArn".into(), json!(qualified_arn));
        if let Some(n) = self.maximum_retry_attempts {
            v.insert("MaximumRetryAttempts".into(), json!(n));
        }
        if let Some(n) = self.maximum_event_age_in_seconds {
            v.insert("MaximumEventAgeInSeconds".into(), json!(n));
        }
        let dest = |d: &Option<String>| match d {
            Some(arn) => json!({ "Destination": arn }),
            None => json!({}),
        };
        v.insert(
            "DestinationConfig".into(),
            json!({ "OnSuccess": dest(&self.on_success), "OnFailure": dest(&self.on_failure) }),
        );
        Value::Object(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_refs() {
        let r = FunctionRef::parse("my-fn").unwrap();
        assert_eq!(r.name, "my-fn");
        assert_eq!(r.qualifier, None);
        let r = FunctionRef::parse("my-fn:$LATEST").unwrap();
        assert_eq!(r.qualifier.as_deref(), Some("$LATEST"));
        let r = FunctionRef::parse("123456789012:function:f:prod").unwrap();
        assert_eq!(r.account.as_deref(), Some("123456789012"));
        assert_eq!(r.qualifier.as_deref(), Some("prod"));
        let r = FunctionRef::parse("arn:aws:lambda:eu-west-1:123456789012:function:f").unwrap();
        assert_eq!(r.region.as_deref(), Some("eu-west-1"));
        assert_eq!(r.name, "f");
        for bad in [
            "",
            "a b",
            "arn:aws:s3:::b",
            "f:1:2",
            "arn:aws:lambda:r:acct:function:f",
        ] {
            assert!(FunctionRef::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn timestamps() {
        assert_eq!(
            lambda_timestamp(1_767_225_600_123),
            "2026-01-01T00:00:00.123+0000"
        );
    }
}
