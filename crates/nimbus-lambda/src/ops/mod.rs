//! The Lambda API's operations, one module per group, and the router from REST paths to them.

pub mod account;
pub mod concurrency;
pub mod event_invoke_config;
pub mod event_source_mappings;
pub mod functions;
pub mod invoke;
pub mod permissions;
pub mod tags;

use http::Method;
use serde::de::DeserializeOwned;

use crate::error::LambdaError;

/// A served operation with its path parameters (percent-decoded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// `POST /2015-03-31/functions`.
    CreateFunction,
    /// `GET /2015-03-31/functions/`.
    ListFunctions,
    /// `GET /2015-03-31/functions/{name}`.
    GetFunction(String),
    /// `DELETE /2015-03-31/functions/{name}`.
    DeleteFunction(String),
    /// `GET /2015-03-31/functions/{name}/configuration`.
    GetFunctionConfiguration(String),
    /// `PUT /2015-03-31/functions/{name}/configuration`.
    UpdateFunctionConfiguration(String),
    /// `PUT /2015-03-31/functions/{name}/code`.
    UpdateFunctionCode(String),
    /// `GET /2015-03-31/functions/{name}/code`: nimbus's download of the package that
    /// GetFunction's `Code.Location` points at.
    DownloadCode(String),
    /// `POST /2015-03-31/functions/{name}/invocations`.
    Invoke(String),
    /// `POST /2014-11-13/functions/{name}/invoke-async/`.
    InvokeAsync(String),
    /// `POST /2015-03-31/functions/{name}/policy`.
    AddPermission(String),
    /// `GET /2015-03-31/functions/{name}/policy`.
    GetPolicy(String),
    /// `DELETE /2015-03-31/functions/{name}/policy/{sid}`.
    RemovePermission(String, String),
    /// `GET /2016-08-19/account-settings/`.
    GetAccountSettings,
    /// `POST /2017-03-31/tags/{arn}`.
    TagResource(String),
    /// `DELETE /2017-03-31/tags/{arn}`.
    UntagResource(String),
    /// `GET /2017-03-31/tags/{arn}`.
    ListTags(String),
    /// `PUT /2017-10-31/functions/{name}/concurrency`.
    PutFunctionConcurrency(String),
    /// `GET /2019-09-30/functions/{name}/concurrency`.
    GetFunctionConcurrency(String),
    /// `DELETE /2017-10-31/functions/{name}/concurrency`.
    DeleteFunctionConcurrency(String),
    /// `POST /2015-03-31/event-source-mappings`.
    CreateEventSourceMapping,
    /// `GET /2015-03-31/event-source-mappings`.
    ListEventSourceMappings,
    /// `GET /2015-03-31/event-source-mappings/{uuid}`.
    GetEventSourceMapping(String),
    /// `PUT /2015-03-31/event-source-mappings/{uuid}`.
    UpdateEventSourceMapping(String),
    /// `DELETE /2015-03-31/event-source-mappings/{uuid}`.
    DeleteEventSourceMapping(String),
    /// `PUT /2019-09-25/functions/{name}/event-invoke-config`.
    PutFunctionEventInvokeConfig(String),
    /// `POST /2019-09-25/functions/{name}/event-invoke-config`.
    UpdateFunctionEventInvokeConfig(String),
    /// `GET /2019-09-25/functions/{name}/event-invoke-config`.
    GetFunctionEventInvokeConfig(String),
    /// `GET /2019-09-25/functions/{name}/event-invoke-config/list`.
    ListFunctionEventInvokeConfigs(String),
    /// `DELETE /2019-09-25/functions/{name}/event-invoke-config`.
    DeleteFunctionEventInvokeConfig(String),
}

impl Op {
    /// The operation's name.
    pub fn name(&self) -> &'static str {
        match self {
            Op::CreateFunction => "CreateFunction",
            Op::ListFunctions => "ListFunctions",
            Op::GetFunction(_) => "GetFunction",
            Op::DeleteFunction(_) => "DeleteFunction",
            Op::GetFunctionConfiguration(_) => "GetFunctionConfiguration",
            Op::UpdateFunctionConfiguration(_) => "UpdateFunctionConfiguration",
            Op::UpdateFunctionCode(_) => "UpdateFunctionCode",
            Op::DownloadCode(_) => "GetFunctionCode",
            Op::Invoke(_) => "Invoke",
            Op::InvokeAsync(_) => "InvokeAsync",
            Op::AddPermission(_) => "AddPermission",
            Op::GetPolicy(_) => "GetPolicy",
            Op::RemovePermission(..) => "RemovePermission",
            Op::GetAccountSettings => "GetAccountSettings",
            Op::TagResource(_) => "TagResource",
            Op::UntagResource(_) => "UntagResource",
            Op::ListTags(_) => "ListTags",
            Op::PutFunctionConcurrency(_) => "PutFunctionConcurrency",
            Op::GetFunctionConcurrency(_) => "GetFunctionConcurrency",
            Op::DeleteFunctionConcurrency(_) => "DeleteFunctionConcurrency",
            Op::CreateEventSourceMapping => "CreateEventSourceMapping",
            Op::ListEventSourceMappings => "ListEventSourceMappings",
            Op::GetEventSourceMapping(_) => "GetEventSourceMapping",
            Op::UpdateEventSourceMapping(_) => "UpdateEventSourceMapping",
            Op::DeleteEventSourceMapping(_) => "DeleteEventSourceMapping",
            Op::PutFunctionEventInvokeConfig(_) => "PutFunctionEventInvokeConfig",
            Op::UpdateFunctionEventInvokeConfig(_) => "UpdateFunctionEventInvokeConfig",
            Op::GetFunctionEventInvokeConfig(_) => "GetFunctionEventInvokeConfig",
            Op::ListFunctionEventInvokeConfigs(_) => "ListFunctionEventInvokeConfigs",
            Op::DeleteFunctionEventInvokeConfig(_) => "DeleteFunctionEventInvokeConfig",
        }
    }
}

/// The Lambda operations nimbus does not serve yet: (method, path pattern, name). A `*`
/// segment matches any one segment. From botocore's model (`lambda` 2015-03-31).
const UNSUPPORTED: &[(&str, &str, &str)] = &[
    (
        "POST",
        "/2018-10-31/layers/*/versions/*/policy",
        "AddLayerVersionPermission",
    ),
    (
        "POST",
        "/2025-12-01/durable-executions/*/checkpoint",
        "CheckpointDurableExecution",
    ),
    ("POST", "/2015-03-31/functions/*/aliases", "CreateAlias"),
    (
        "POST",
        "/2025-11-30/capacity-providers",
        "CreateCapacityProvider",
    ),
    (
        "POST",
        "/2020-04-22/code-signing-configs",
        "CreateCodeSigningConfig",
    ),
    (
        "POST",
        "/2021-10-31/functions/*/url",
        "CreateFunctionUrlConfig",
    ),
    ("DELETE", "/2015-03-31/functions/*/aliases/*", "DeleteAlias"),
    (
        "DELETE",
        "/2025-11-30/capacity-providers/*",
        "DeleteCapacityProvider",
    ),
    (
        "DELETE",
        "/2020-04-22/code-signing-configs/*",
        "DeleteCodeSigningConfig",
    ),
    (
        "DELETE",
        "/2020-06-30/functions/*/code-signing-config",
        "DeleteFunctionCodeSigningConfig",
    ),
    (
        "DELETE",
        "/2021-10-31/functions/*/url",
        "DeleteFunctionUrlConfig",
    ),
    (
        "DELETE",
        "/2018-10-31/layers/*/versions/*",
        "DeleteLayerVersion",
    ),
    (
        "DELETE",
        "/2019-09-30/functions/*/provisioned-concurrency",
        "DeleteProvisionedConcurrencyConfig",
    ),
    ("GET", "/2015-03-31/functions/*/aliases/*", "GetAlias"),
    (
        "GET",
        "/2025-11-30/capacity-providers/*",
        "GetCapacityProvider",
    ),
    (
        "GET",
        "/2020-04-22/code-signing-configs/*",
        "GetCodeSigningConfig",
    ),
    (
        "GET",
        "/2025-12-01/durable-executions/*",
        "GetDurableExecution",
    ),
    (
        "GET",
        "/2025-12-01/durable-executions/*/history",
        "GetDurableExecutionHistory",
    ),
    (
        "GET",
        "/2025-12-01/durable-executions/*/state",
        "GetDurableExecutionState",
    ),
    (
        "GET",
        "/2020-06-30/functions/*/code-signing-config",
        "GetFunctionCodeSigningConfig",
    ),
    (
        "GET",
        "/2024-08-31/functions/*/recursion-config",
        "GetFunctionRecursionConfig",
    ),
    (
        "GET",
        "/2025-11-30/functions/*/function-scaling-config",
        "GetFunctionScalingConfig",
    ),
    ("GET", "/2021-10-31/functions/*/url", "GetFunctionUrlConfig"),
    ("GET", "/2018-10-31/layers/*/versions/*", "GetLayerVersion"),
    ("GET", "/2018-10-31/layers", "GetLayerVersionByArn"),
    ("GET", "/2018-10-31/layers", "ListLayers"),
    (
        "GET",
        "/2018-10-31/layers/*/versions/*/policy",
        "GetLayerVersionPolicy",
    ),
    (
        "GET",
        "/2019-09-30/functions/*/provisioned-concurrency",
        "GetProvisionedConcurrencyConfig",
    ),
    (
        "GET",
        "/2021-07-20/functions/*/runtime-management-config",
        "GetRuntimeManagementConfig",
    ),
    (
        "POST",
        "/2021-11-15/functions/*/response-streaming-invocations",
        "InvokeWithResponseStream",
    ),
    ("GET", "/2015-03-31/functions/*/aliases", "ListAliases"),
    (
        "GET",
        "/2025-11-30/capacity-providers",
        "ListCapacityProviders",
    ),
    (
        "GET",
        "/2020-04-22/code-signing-configs",
        "ListCodeSigningConfigs",
    ),
    (
        "GET",
        "/2025-12-01/functions/*/durable-executions",
        "ListDurableExecutionsByFunction",
    ),
    (
        "GET",
        "/2021-10-31/functions/*/urls",
        "ListFunctionUrlConfigs",
    ),
    (
        "GET",
        "/2025-11-30/capacity-providers/*/function-versions",
        "ListFunctionVersionsByCapacityProvider",
    ),
    (
        "GET",
        "/2020-04-22/code-signing-configs/*/functions",
        "ListFunctionsByCodeSigningConfig",
    ),
    ("GET", "/2018-10-31/layers/*/versions", "ListLayerVersions"),
    (
        "GET",
        "/2019-09-30/functions/*/provisioned-concurrency",
        "ListProvisionedConcurrencyConfigs",
    ),
    (
        "GET",
        "/2015-03-31/functions/*/versions",
        "ListVersionsByFunction",
    ),
    (
        "POST",
        "/2018-10-31/layers/*/versions",
        "PublishLayerVersion",
    ),
    ("POST", "/2015-03-31/functions/*/versions", "PublishVersion"),
    (
        "PUT",
        "/2020-06-30/functions/*/code-signing-config",
        "PutFunctionCodeSigningConfig",
    ),
    (
        "PUT",
        "/2024-08-31/functions/*/recursion-config",
        "PutFunctionRecursionConfig",
    ),
    (
        "PUT",
        "/2025-11-30/functions/*/function-scaling-config",
        "PutFunctionScalingConfig",
    ),
    (
        "PUT",
        "/2019-09-30/functions/*/provisioned-concurrency",
        "PutProvisionedConcurrencyConfig",
    ),
    (
        "PUT",
        "/2021-07-20/functions/*/runtime-management-config",
        "PutRuntimeManagementConfig",
    ),
    (
        "DELETE",
        "/2018-10-31/layers/*/versions/*/policy/*",
        "RemoveLayerVersionPermission",
    ),
    (
        "POST",
        "/2025-12-01/durable-execution-callbacks/*/fail",
        "SendDurableExecutionCallbackFailure",
    ),
    (
        "POST",
        "/2025-12-01/durable-execution-callbacks/*/heartbeat",
        "SendDurableExecutionCallbackHeartbeat",
    ),
    (
        "POST",
        "/2025-12-01/durable-execution-callbacks/*/succeed",
        "SendDurableExecutionCallbackSuccess",
    ),
    (
        "POST",
        "/2025-12-01/durable-executions/*/stop",
        "StopDurableExecution",
    ),
    ("PUT", "/2015-03-31/functions/*/aliases/*", "UpdateAlias"),
    (
        "PUT",
        "/2025-11-30/capacity-providers/*",
        "UpdateCapacityProvider",
    ),
    (
        "PUT",
        "/2020-04-22/code-signing-configs/*",
        "UpdateCodeSigningConfig",
    ),
    (
        "PUT",
        "/2021-10-31/functions/*/url",
        "UpdateFunctionUrlConfig",
    ),
];

/// The names of the operations answered with `UnsupportedOperation` (for docs/compat.md).
pub fn unsupported_operations() -> impl Iterator<Item = &'static str> {
    UNSUPPORTED.iter().map(|(_, _, n)| *n)
}

fn decode(seg: &str) -> String {
    percent_encoding::percent_decode_str(seg)
        .decode_utf8_lossy()
        .into_owned()
}

/// Which operation a request is, or the error for one nimbus does not serve.
pub fn route(method: &Method, path: &str) -> Result<Op, LambdaError> {
    let raw: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let segs: Vec<String> = raw.iter().map(|s| decode(s)).collect();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let m = method.as_str();
    let op = match (m, s.as_slice()) {
        ("POST", ["2015-03-31", "functions"]) => Some(Op::CreateFunction),
        ("GET", ["2015-03-31", "functions"]) => Some(Op::ListFunctions),
        ("GET", ["2015-03-31", "functions", f]) => Some(Op::GetFunction(f.to_string())),
        ("DELETE", ["2015-03-31", "functions", f]) => Some(Op::DeleteFunction(f.to_string())),
        ("GET", ["2015-03-31", "functions", f, "configuration"]) => {
            Some(Op::GetFunctionConfiguration(f.to_string()))
        }
        ("PUT", ["2015-03-31", "functions", f, "configuration"]) => {
            Some(Op::UpdateFunctionConfiguration(f.to_string()))
        }
        ("PUT", ["2015-03-31", "functions", f, "code"]) => {
            Some(Op::UpdateFunctionCode(f.to_string()))
        }
        ("GET", ["2015-03-31", "functions", f, "code"]) => Some(Op::DownloadCode(f.to_string())),
        ("POST", ["2015-03-31", "functions", f, "invocations"]) => Some(Op::Invoke(f.to_string())),
        ("POST", ["2014-11-13", "functions", f, "invoke-async"]) => {
            Some(Op::InvokeAsync(f.to_string()))
        }
        ("POST", ["2015-03-31", "functions", f, "policy"]) => {
            Some(Op::AddPermission(f.to_string()))
        }
        ("GET", ["2015-03-31", "functions", f, "policy"]) => Some(Op::GetPolicy(f.to_string())),
        ("DELETE", ["2015-03-31", "functions", f, "policy", sid]) => {
            Some(Op::RemovePermission(f.to_string(), sid.to_string()))
        }
        ("GET", ["2016-08-19", "account-settings"]) => Some(Op::GetAccountSettings),
        ("POST", ["2017-03-31", "tags", arn @ ..]) if !arn.is_empty() => {
            Some(Op::TagResource(arn.join("/")))
        }
        ("DELETE", ["2017-03-31", "tags", arn @ ..]) if !arn.is_empty() => {
            Some(Op::UntagResource(arn.join("/")))
        }
        ("GET", ["2017-03-31", "tags", arn @ ..]) if !arn.is_empty() => {
            Some(Op::ListTags(arn.join("/")))
        }
        ("PUT", ["2017-10-31", "functions", f, "concurrency"]) => {
            Some(Op::PutFunctionConcurrency(f.to_string()))
        }
        ("GET", ["2019-09-30", "functions", f, "concurrency"]) => {
            Some(Op::GetFunctionConcurrency(f.to_string()))
        }
        ("DELETE", ["2017-10-31", "functions", f, "concurrency"]) => {
            Some(Op::DeleteFunctionConcurrency(f.to_string()))
        }
        ("POST", ["2015-03-31", "event-source-mappings"]) => Some(Op::CreateEventSourceMapping),
        ("GET", ["2015-03-31", "event-source-mappings"]) => Some(Op::ListEventSourceMappings),
        ("GET", ["2015-03-31", "event-source-mappings", u]) => {
            Some(Op::GetEventSourceMapping(u.to_string()))
        }
        ("PUT", ["2015-03-31", "event-source-mappings", u]) => {
            Some(Op::UpdateEventSourceMapping(u.to_string()))
        }
        ("DELETE", ["2015-03-31", "event-source-mappings", u]) => {
            Some(Op::DeleteEventSourceMapping(u.to_string()))
        }
        ("PUT", ["2019-09-25", "functions", f, "event-invoke-config"]) => {
            Some(Op::PutFunctionEventInvokeConfig(f.to_string()))
        }
        ("POST", ["2019-09-25", "functions", f, "event-invoke-config"]) => {
            Some(Op::UpdateFunctionEventInvokeConfig(f.to_string()))
        }
        ("GET", ["2019-09-25", "functions", f, "event-invoke-config"]) => {
            Some(Op::GetFunctionEventInvokeConfig(f.to_string()))
        }
        ("GET", ["2019-09-25", "functions", f, "event-invoke-config", "list"]) => {
            Some(Op::ListFunctionEventInvokeConfigs(f.to_string()))
        }
        ("DELETE", ["2019-09-25", "functions", f, "event-invoke-config"]) => {
            Some(Op::DeleteFunctionEventInvokeConfig(f.to_string()))
        }
        _ => None,
    };
    if let Some(op) = op {
        return Ok(op);
    }
    for (um, pattern, name) in UNSUPPORTED {
        let p: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
        if *um == m && p.len() == raw.len() && p.iter().zip(&raw).all(|(a, b)| *a == "*" || a == b)
        {
            return Err(LambdaError::UnsupportedOperation(format!(
                "{name} is not supported by nimbus yet (see docs/compat.md): nimbus serves $LATEST functions without versions, aliases, layers, function URLs or code signing."
            )));
        }
    }
    Err(LambdaError::UnknownOperation(format!(
        "No Lambda operation matches {m} {path}"
    )))
}

/// Parses a JSON body into an operation's input; an empty body is `{}`.
pub fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, LambdaError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| {
        LambdaError::InvalidRequestContent(format!("Could not parse request body into json: {e}"))
    })
}

/// One query-string parameter, percent-decoded.
pub fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Every value of a repeated query-string parameter.
pub fn query_params(query: Option<&str>, name: &str) -> Vec<String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(
            route(&Method::GET, "/2015-03-31/functions/").unwrap(),
            Op::ListFunctions
        );
        assert_eq!(
            route(&Method::POST, "/2015-03-31/functions/f/invocations").unwrap(),
            Op::Invoke("f".into())
        );
        assert_eq!(
            route(
                &Method::GET,
                "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af"
            )
            .unwrap(),
            Op::ListTags("arn:aws:lambda:us-east-1:000000000000:function:f".into())
        );
        assert!(matches!(
            route(&Method::POST, "/2015-03-31/functions/f/versions"),
            Err(LambdaError::UnsupportedOperation(m)) if m.starts_with("PublishVersion")
        ));
        assert!(matches!(
            route(&Method::GET, "/2015-03-31/nothing"),
            Err(LambdaError::UnknownOperation(_))
        ));
    }
}
