//! AddPermission, RemovePermission, GetPolicy: the function's resource-based policy, stored
//! as the statements AWS writes and compiled once per change; every operation on the
//! function is authorized against it (see `LambdaService::resolve`).

use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{LambdaError, LambdaErrorCode};
use crate::{Ctx, LambdaService};

/// AWS's limit on a function policy's size.
pub const MAX_POLICY_BYTES: usize = 20_480;

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct AddPermissionInput {
    statement_id: Option<String>,
    action: Option<String>,
    principal: Option<String>,
    source_arn: Option<String>,
    source_account: Option<String>,
    event_source_token: Option<String>,
    revision_id: Option<String>,
    #[serde(rename = "PrincipalOrgID")]
    principal_org_id: Option<String>,
    function_url_auth_type: Option<String>,
}

fn principal_json(p: &str) -> Value {
    if p == "*" {
        json!("*")
    } else if p.ends_with(".amazonaws.com") || p.ends_with(".amazonaws.com.cn") {
        json!({ "Service": p })
    } else if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
        json!({ "AWS": format!("arn:aws:iam::{p}:root") })
    } else {
        json!({ "AWS": p })
    }
}

fn valid_sid(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl LambdaService {
    /// AddPermission.
    pub async fn add_permission(
        &self,
        ctx: &Ctx<'_>,
        name: &str,
        qualifier: Option<&str>,
        body: &[u8],
    ) -> Result<Value, LambdaError> {
        let key = self.resolve(ctx, name, qualifier)?;
        let input: AddPermissionInput = super::parse_body(body)?;
        let sid = input.statement_id.ok_or_else(|| {
            LambdaError::validation("null", "statementId", "Member must not be null")
        })?;
        if !valid_sid(&sid) {
            return Err(LambdaError::validation(
                &sid,
                "statementId",
                "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)",
            ));
        }
        let action = input
            .action
            .ok_or_else(|| LambdaError::validation("null", "action", "Member must not be null"))?;
        let action_ok = action == "*"
            || action == "lambda:*"
            || action
                .strip_prefix("lambda:")
                .is_some_and(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_alphabetic()));
        if !action_ok {
            return Err(LambdaError::validation(
                &action,
                "action",
                "Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])",
            ));
        }
        let principal = input.principal.ok_or_else(|| {
            LambdaError::validation("null", "principal", "Member must not be null")
        })?;
        if principal.is_empty() || principal.chars().any(char::is_whitespace) {
            return Err(LambdaError::validation(
                &principal,
                "principal",
                "Member must satisfy regular expression pattern: [^\\s]+",
            ));
        }
        let wanted_revision = input.revision_id.clone();
        let mut statement = json!({
            "Sid": sid,
            "Effect": "Allow",
            "Principal": principal_json(&principal),
            "Action": action,
            "Resource": key.arn(),
        });
        let mut condition = serde_json::Map::new();
        if let Some(arn) = &input.source_arn {
            condition.insert("ArnLike".into(), json!({ "AWS:SourceArn": arn }));
        }
        let mut equals = serde_json::Map::new();
        if let Some(a) = &input.source_account {
            equals.insert("AWS:SourceAccount".into(), json!(a));
        }
        if let Some(t) = &input.event_source_token {
            equals.insert("lambda:EventSourceToken".into(), json!(t));
        }
        if let Some(o) = &input.principal_org_id {
            equals.insert("aws:PrincipalOrgID".into(), json!(o));
        }
        if let Some(u) = &input.function_url_auth_type {
            equals.insert("lambda:FunctionUrlAuthType".into(), json!(u));
        }
        if !equals.is_empty() {
            condition.insert("StringEquals".into(), Value::Object(equals));
        }
        if !condition.is_empty() {
            statement["Condition"] = Value::Object(condition);
        }
        let stmt = statement.clone();
        self.store.update(&key, |rec| {
            if let Some(r) = &wanted_revision
                && *r != rec.policy_revision
                && *r != rec.revision_id
            {
                return Err(LambdaError::new(LambdaErrorCode::PreconditionFailed,
                    "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id",
                ));
            }
            if rec.policy.iter().any(|s| s["Sid"] == json!(sid)) {
                return Err(LambdaError::new(LambdaErrorCode::ResourceConflict,
                    "The statement id (sid) provided already exists. Please choose another statement id or remove the existing statement.",
                ));
            }
            rec.policy.push(stmt);
            let size = rec.policy_document().map_or(0, |d| d.len());
            if size > MAX_POLICY_BYTES {
                return Err(LambdaError::new(LambdaErrorCode::PolicyLengthExceeded, format!(
                    "The final policy size ({size}) is bigger than the limit ({MAX_POLICY_BYTES})."
                )));
            }
            if let Some(doc) = rec.policy_document()
                && let Err(e) = nimbus_core::access::policy::Policy::resource(&doc)
            {
                tracing::debug!(error = %e.message(), "AddPermission statement refused");
                return Err(LambdaError::new(
                    LambdaErrorCode::InvalidParameterValue,
                    "The provided principal was invalid. Please check the principal and try again.",
                ));
            }
            rec.policy_revision = nimbus_core::ids::uuid();
            rec.compile_policy();
            Ok(())
        })?;
        Ok(json!({ "Statement": statement.to_string() }))
    }

    /// GetPolicy.
    pub async fn get_policy(
        &self,
        ctx: &Ctx<'_>,
        name: &str,
        qualifier: Option<&str>,
    ) -> Result<Value, LambdaError> {
        let key = self.resolve(ctx, name, qualifier)?;
        let rec = self.function(&key)?;
        let doc = rec.policy_document().ok_or_else(|| {
            LambdaError::new(
                LambdaErrorCode::ResourceNotFound,
                "The resource you requested does not exist.",
            )
        })?;
        Ok(json!({ "Policy": doc, "RevisionId": rec.policy_revision }))
    }

    /// RemovePermission.
    pub async fn remove_permission(
        &self,
        ctx: &Ctx<'_>,
        name: &str,
        sid: &str,
        query: Option<&str>,
    ) -> Result<(), LambdaError> {
        let qualifier = super::query_param(query, "Qualifier");
        let key = self.resolve(ctx, name, qualifier.as_deref())?;
        let wanted_revision = super::query_param(query, "RevisionId");
        self.store.update(&key, |rec| {
            if let Some(r) = &wanted_revision
                && *r != rec.policy_revision
                && *r != rec.revision_id
            {
                return Err(LambdaError::new(LambdaErrorCode::PreconditionFailed,
                    "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id",
                ));
            }
            if rec.policy.is_empty() {
                return Err(LambdaError::new(LambdaErrorCode::ResourceNotFound,
                    "No policy is associated with the given resource.",
                ));
            }
            let before = rec.policy.len();
            rec.policy.retain(|s| s["Sid"] != json!(sid));
            if rec.policy.len() == before {
                return Err(LambdaError::new(LambdaErrorCode::ResourceNotFound, format!(
                    "Statement {sid} is not found in resource policy."
                )));
            }
            rec.policy_revision = nimbus_core::ids::uuid();
            rec.compile_policy();
            Ok(())
        })?;
        Ok(())
    }
}
