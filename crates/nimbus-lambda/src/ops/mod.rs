//! The Lambda API's operations: the operation table (name, REST binding, handler), the
//! handlers that adapt a call to each group's methods (one module per group), and the
//! operations nimbus answers as unsupported.

pub mod account;
pub mod concurrency;
pub mod event_invoke_config;
pub mod event_source_mappings;
pub mod functions;
pub mod invoke;
pub mod permissions;
pub mod tags;

use http::{Method, StatusCode};
use nimbus_wire::operations::Binding::Rest;
use nimbus_wire::{Response, json};
use serde::de::DeserializeOwned;

use crate::error::{LambdaError, LambdaErrorCode};
use crate::{Call, Ctx, LambdaService};

nimbus_wire::operations! {
    /// A served Lambda operation: its name, its REST binding and its handler (below). Path
    /// parameters are read from the binding's pattern by [`Call::param`].
    pub enum Op for LambdaService, Call, LambdaError {
        CreateFunction = Rest("POST", "/2015-03-31/functions") => create_function,
        ListFunctions = Rest("GET", "/2015-03-31/functions") => list_functions,
        GetFunction = Rest("GET", "/2015-03-31/functions/{FunctionName}") => get_function,
        DeleteFunction = Rest("DELETE", "/2015-03-31/functions/{FunctionName}") => delete_function,
        GetFunctionConfiguration = Rest("GET", "/2015-03-31/functions/{FunctionName}/configuration") => get_function_configuration,
        UpdateFunctionConfiguration = Rest("PUT", "/2015-03-31/functions/{FunctionName}/configuration") => update_function_configuration,
        UpdateFunctionCode = Rest("PUT", "/2015-03-31/functions/{FunctionName}/code") => update_function_code,
        // nimbus's download of the package that GetFunction's `Code.Location` points at.
        GetFunctionCode = Rest("GET", "/2015-03-31/functions/{FunctionName}/code") => download_code,
        Invoke = Rest("POST", "/2015-03-31/functions/{FunctionName}/invocations") => invoke,
        InvokeAsync = Rest("POST", "/2014-11-13/functions/{FunctionName}/invoke-async") => invoke_async,
        AddPermission = Rest("POST", "/2015-03-31/functions/{FunctionName}/policy") => add_permission,
        GetPolicy = Rest("GET", "/2015-03-31/functions/{FunctionName}/policy") => get_policy,
        RemovePermission = Rest("DELETE", "/2015-03-31/functions/{FunctionName}/policy/{StatementId}") => remove_permission,
        GetAccountSettings = Rest("GET", "/2016-08-19/account-settings") => get_account_settings,
        TagResource = Rest("POST", "/2017-03-31/tags/{Resource+}") => tag_resource,
        UntagResource = Rest("DELETE", "/2017-03-31/tags/{Resource+}") => untag_resource,
        ListTags = Rest("GET", "/2017-03-31/tags/{Resource+}") => list_tags,
        PutFunctionConcurrency = Rest("PUT", "/2017-10-31/functions/{FunctionName}/concurrency") => put_function_concurrency,
        GetFunctionConcurrency = Rest("GET", "/2019-09-30/functions/{FunctionName}/concurrency") => get_function_concurrency,
        DeleteFunctionConcurrency = Rest("DELETE", "/2017-10-31/functions/{FunctionName}/concurrency") => delete_function_concurrency,
        CreateEventSourceMapping = Rest("POST", "/2015-03-31/event-source-mappings") => create_event_source_mapping,
        ListEventSourceMappings = Rest("GET", "/2015-03-31/event-source-mappings") => list_event_source_mappings,
        GetEventSourceMapping = Rest("GET", "/2015-03-31/event-source-mappings/{UUID}") => get_event_source_mapping,
        UpdateEventSourceMapping = Rest("PUT", "/2015-03-31/event-source-mappings/{UUID}") => update_event_source_mapping,
        DeleteEventSourceMapping = Rest("DELETE", "/2015-03-31/event-source-mappings/{UUID}") => delete_event_source_mapping,
        PutFunctionEventInvokeConfig = Rest("PUT", "/2019-09-25/functions/{FunctionName}/event-invoke-config") => put_function_event_invoke_config,
        UpdateFunctionEventInvokeConfig = Rest("POST", "/2019-09-25/functions/{FunctionName}/event-invoke-config") => update_function_event_invoke_config,
        GetFunctionEventInvokeConfig = Rest("GET", "/2019-09-25/functions/{FunctionName}/event-invoke-config") => get_function_event_invoke_config,
        ListFunctionEventInvokeConfigs = Rest("GET", "/2019-09-25/functions/{FunctionName}/event-invoke-config/list") => list_function_event_invoke_configs,
        DeleteFunctionEventInvokeConfig = Rest("DELETE", "/2019-09-25/functions/{FunctionName}/event-invoke-config") => delete_function_event_invoke_config,
    }
    not_implemented {
        // From botocore's model (`lambda` 2015-03-31): answered with `UnsupportedOperation`.
        AddLayerVersionPermission = Rest("POST", "/2018-10-31/layers/{_}/versions/{_}/policy"),
        CheckpointDurableExecution = Rest("POST", "/2025-12-01/durable-executions/{_}/checkpoint"),
        CreateAlias = Rest("POST", "/2015-03-31/functions/{_}/aliases"),
        CreateCapacityProvider = Rest("POST", "/2025-11-30/capacity-providers"),
        CreateCodeSigningConfig = Rest("POST", "/2020-04-22/code-signing-configs"),
        CreateFunctionUrlConfig = Rest("POST", "/2021-10-31/functions/{_}/url"),
        DeleteAlias = Rest("DELETE", "/2015-03-31/functions/{_}/aliases/{_}"),
        DeleteCapacityProvider = Rest("DELETE", "/2025-11-30/capacity-providers/{_}"),
        DeleteCodeSigningConfig = Rest("DELETE", "/2020-04-22/code-signing-configs/{_}"),
        DeleteFunctionCodeSigningConfig = Rest("DELETE", "/2020-06-30/functions/{_}/code-signing-config"),
        DeleteFunctionUrlConfig = Rest("DELETE", "/2021-10-31/functions/{_}/url"),
        DeleteLayerVersion = Rest("DELETE", "/2018-10-31/layers/{_}/versions/{_}"),
        DeleteProvisionedConcurrencyConfig = Rest("DELETE", "/2019-09-30/functions/{_}/provisioned-concurrency"),
        GetAlias = Rest("GET", "/2015-03-31/functions/{_}/aliases/{_}"),
        GetCapacityProvider = Rest("GET", "/2025-11-30/capacity-providers/{_}"),
        GetCodeSigningConfig = Rest("GET", "/2020-04-22/code-signing-configs/{_}"),
        GetDurableExecution = Rest("GET", "/2025-12-01/durable-executions/{_}"),
        GetDurableExecutionHistory = Rest("GET", "/2025-12-01/durable-executions/{_}/history"),
        GetDurableExecutionState = Rest("GET", "/2025-12-01/durable-executions/{_}/state"),
        GetFunctionCodeSigningConfig = Rest("GET", "/2020-06-30/functions/{_}/code-signing-config"),
        GetFunctionRecursionConfig = Rest("GET", "/2024-08-31/functions/{_}/recursion-config"),
        GetFunctionScalingConfig = Rest("GET", "/2025-11-30/functions/{_}/function-scaling-config"),
        GetFunctionUrlConfig = Rest("GET", "/2021-10-31/functions/{_}/url"),
        GetLayerVersion = Rest("GET", "/2018-10-31/layers/{_}/versions/{_}"),
        GetLayerVersionByArn = Rest("GET", "/2018-10-31/layers"),
        ListLayers = Rest("GET", "/2018-10-31/layers"),
        GetLayerVersionPolicy = Rest("GET", "/2018-10-31/layers/{_}/versions/{_}/policy"),
        GetProvisionedConcurrencyConfig = Rest("GET", "/2019-09-30/functions/{_}/provisioned-concurrency"),
        GetRuntimeManagementConfig = Rest("GET", "/2021-07-20/functions/{_}/runtime-management-config"),
        InvokeWithResponseStream = Rest("POST", "/2021-11-15/functions/{_}/response-streaming-invocations"),
        ListAliases = Rest("GET", "/2015-03-31/functions/{_}/aliases"),
        ListCapacityProviders = Rest("GET", "/2025-11-30/capacity-providers"),
        ListCodeSigningConfigs = Rest("GET", "/2020-04-22/code-signing-configs"),
        ListDurableExecutionsByFunction = Rest("GET", "/2025-12-01/functions/{_}/durable-executions"),
        ListFunctionUrlConfigs = Rest("GET", "/2021-10-31/functions/{_}/urls"),
        ListFunctionVersionsByCapacityProvider = Rest("GET", "/2025-11-30/capacity-providers/{_}/function-versions"),
        ListFunctionsByCodeSigningConfig = Rest("GET", "/2020-04-22/code-signing-configs/{_}/functions"),
        ListLayerVersions = Rest("GET", "/2018-10-31/layers/{_}/versions"),
        ListProvisionedConcurrencyConfigs = Rest("GET", "/2019-09-30/functions/{_}/provisioned-concurrency"),
        ListVersionsByFunction = Rest("GET", "/2015-03-31/functions/{_}/versions"),
        PublishLayerVersion = Rest("POST", "/2018-10-31/layers/{_}/versions"),
        PublishVersion = Rest("POST", "/2015-03-31/functions/{_}/versions"),
        PutFunctionCodeSigningConfig = Rest("PUT", "/2020-06-30/functions/{_}/code-signing-config"),
        PutFunctionRecursionConfig = Rest("PUT", "/2024-08-31/functions/{_}/recursion-config"),
        PutFunctionScalingConfig = Rest("PUT", "/2025-11-30/functions/{_}/function-scaling-config"),
        PutProvisionedConcurrencyConfig = Rest("PUT", "/2019-09-30/functions/{_}/provisioned-concurrency"),
        PutRuntimeManagementConfig = Rest("PUT", "/2021-07-20/functions/{_}/runtime-management-config"),
        RemoveLayerVersionPermission = Rest("DELETE", "/2018-10-31/layers/{_}/versions/{_}/policy/{_}"),
        SendDurableExecutionCallbackFailure = Rest("POST", "/2025-12-01/durable-execution-callbacks/{_}/fail"),
        SendDurableExecutionCallbackHeartbeat = Rest("POST", "/2025-12-01/durable-execution-callbacks/{_}/heartbeat"),
        SendDurableExecutionCallbackSuccess = Rest("POST", "/2025-12-01/durable-execution-callbacks/{_}/succeed"),
        StopDurableExecution = Rest("POST", "/2025-12-01/durable-executions/{_}/stop"),
        UpdateAlias = Rest("PUT", "/2015-03-31/functions/{_}/aliases/{_}"),
        UpdateCapacityProvider = Rest("PUT", "/2025-11-30/capacity-providers/{_}"),
        UpdateCodeSigningConfig = Rest("PUT", "/2020-04-22/code-signing-configs/{_}"),
        UpdateFunctionUrlConfig = Rest("PUT", "/2021-10-31/functions/{_}/url"),
    }
}

/// The REST path prefixes of Lambda's API versions (the gateway routes them here).
pub const PATH_PREFIXES: &[&str] = &[
    "/2014-11-13/",
    "/2015-03-31/",
    "/2016-08-19/",
    "/2017-03-31/",
    "/2017-10-31/",
    "/2018-10-31/",
    "/2019-09-25/",
    "/2019-09-30/",
    "/2020-04-22/",
    "/2020-06-30/",
    "/2021-07-20/",
    "/2021-10-31/",
    "/2021-11-15/",
    "/2024-08-31/",
    "/2025-11-30/",
    "/2025-12-01/",
];

impl Call {
    /// The `index`th path parameter of the operation's pattern, percent-decoded (empty
    /// if the path has none there, which a matched route never lacks).
    pub fn param(&self, index: usize) -> String {
        self.op
            .binding()
            .path_param(self.uri.path(), index)
            .map(|p| p.into_owned())
            .unwrap_or_default()
    }

    /// The query string.
    pub fn query(&self) -> Option<&str> {
        self.uri.query()
    }

    /// The `Qualifier` query parameter.
    pub fn qualifier(&self) -> Option<String> {
        query_param(self.uri.query(), "Qualifier")
    }

    /// The context the operations take.
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx {
            account: &self.account,
            region: &self.ctx.region,
            request_id: &self.ctx.request_id,
            host: &self.ctx.host,
            request: &self.ctx,
            action: iam_action(self.op),
        }
    }
}

/// The IAM action an operation is authorized as (`Invoke` is `lambda:InvokeFunction`; the
/// code download behind `GetFunction`'s `Code.Location` is `lambda:GetFunction`).
pub fn iam_action(op: Op) -> &'static str {
    match op {
        Op::CreateFunction => "lambda:CreateFunction",
        Op::ListFunctions => "lambda:ListFunctions",
        Op::GetFunction | Op::GetFunctionCode => "lambda:GetFunction",
        Op::DeleteFunction => "lambda:DeleteFunction",
        Op::GetFunctionConfiguration => "lambda:GetFunctionConfiguration",
        Op::UpdateFunctionConfiguration => "lambda:UpdateFunctionConfiguration",
        Op::UpdateFunctionCode => "lambda:UpdateFunctionCode",
        Op::Invoke | Op::InvokeAsync => "lambda:InvokeFunction",
        Op::AddPermission => "lambda:AddPermission",
        Op::GetPolicy => "lambda:GetPolicy",
        Op::RemovePermission => "lambda:RemovePermission",
        Op::GetAccountSettings => "lambda:GetAccountSettings",
        Op::TagResource => "lambda:TagResource",
        Op::UntagResource => "lambda:UntagResource",
        Op::ListTags => "lambda:ListTags",
        Op::PutFunctionConcurrency => "lambda:PutFunctionConcurrency",
        Op::GetFunctionConcurrency => "lambda:GetFunctionConcurrency",
        Op::DeleteFunctionConcurrency => "lambda:DeleteFunctionConcurrency",
        Op::CreateEventSourceMapping => "lambda:CreateEventSourceMapping",
        Op::ListEventSourceMappings => "lambda:ListEventSourceMappings",
        Op::GetEventSourceMapping => "lambda:GetEventSourceMapping",
        Op::UpdateEventSourceMapping => "lambda:UpdateEventSourceMapping",
        Op::DeleteEventSourceMapping => "lambda:DeleteEventSourceMapping",
        Op::PutFunctionEventInvokeConfig => "lambda:PutFunctionEventInvokeConfig",
        Op::UpdateFunctionEventInvokeConfig => "lambda:UpdateFunctionEventInvokeConfig",
        Op::GetFunctionEventInvokeConfig => "lambda:GetFunctionEventInvokeConfig",
        Op::ListFunctionEventInvokeConfigs => "lambda:ListFunctionEventInvokeConfigs",
        Op::DeleteFunctionEventInvokeConfig => "lambda:DeleteFunctionEventInvokeConfig",
    }
}

/// Authorizes an operation that acts in the caller's own account rather than on a function
/// (`ListFunctions`, the event source mappings, `GetAccountSettings` on `*`;
/// `CreateFunction` on the ARN it would create).
fn authorize_own(c: &Call, arn: &str) -> Result<(), LambdaError> {
    c.ctx
        .authorize(
            iam_action(c.op),
            nimbus_core::access::Resource {
                arn,
                owner: c.ctx.account.as_str(),
                policy: None,
            },
            |_| {},
        )
        .map_err(|d| LambdaError::access_denied(&d))
}

fn ok(v: serde_json::Value) -> Response {
    json::with_status(StatusCode::OK, &v)
}

fn no_content() -> Response {
    let mut r = http::Response::new(nimbus_wire::body::empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    r
}

async fn create_function(svc: &LambdaService, c: &mut Call) -> Result<Response, LambdaError> {
    let (status, v) = svc.create_function(&c.ctx(), &c.body).await?;
    Ok(json::with_status(
        StatusCode::from_u16(status).unwrap_or(StatusCode::CREATED),
        &v,
    ))
}

async fn list_functions(svc: &LambdaService, c: &mut Call) -> Result<Response, LambdaError> {
    authorize_own(c, "*")?;
    Ok(ok(svc.list_functions(&c.ctx(), c.query()).await?))
}

async fn get_function(svc: &LambdaService, c: &mut Call) -> Result<Response, LambdaError> {
    let (f, q) = (c.param(0), c.qualifier());
    Ok(ok(svc.get_function(&c.ctx(), &f, q.as_deref()).await?))
}

async fn delete_function(svc: &LambdaService, c: &mut Call) -> Result<Response, LambdaError> {
    let (f, q) = (c.param(0), c.qualifier());
    svc.delete_function(&c.ctx(), &f, q.as_deref()).await?;
    Ok(no_content())
}

async fn get_function_configuration(
    svc: &LambdaService,
    c: &mut Call,
) -> Result<Response, LambdaError> {
    let (f, q) = (c.param(0), c.qualifier());
    Ok(ok(svc
        .get_function_configuration(&c.ctx(), &f, q.as_deref())
        .await?))
}

async fn update_function_configuration(
    svc: &LambdaService,
    c: &mut Call,
) -> Result<Response, LambdaError> {
    let f = c.param(0);
    Ok(ok(svc
        .update_function_configuration(&c.ctx(), &f, &c.body)
        .await?))
}

async fn update_function_code(svc: &LambdaService, c: &mut Call) -> Result<Response, LambdaError> {
    let f = c.param(0);
    Ok(ok(svc.update_function_code(&c.ctx(), &f, &c.body).await?))
}

async fn download_code(svc: &LambdaService, c: &mut Call) -> Result<Response, LambdaError> {
    let f = c.param(0);
    svc.download_code(&c.ctx(), &f).await
}

async fn invoke(svc: &LambdaService, c: &mut Call) -> Result<Response, LambdaError> {
    let f = c.param(0);
    svc.arc().invoke(&c.ctx(), &f, c).await
}

async fn invoke_async(svc: &LambdaService, c: &mut Call) -> Result<Response, LambdaError> {
    let f = c.param(0);
    svc.arc().invoke_async_legacy(&c.ctx(), &f, c).await
}

async fn add_permission(svc: &LambdaService, c: &mut Call) -> Result<Response, LambdaError> {
    let (f, q) = (c.param(0), c.qualifier());
    let v = svc
        .add_permission(&c.ctx(), &f, q.as_deref(), &c.body)
        .await?;
    Ok(json::with_status(StatusCode::CREATED, &v))
}

async fn get_policy(svc: &LambdaService, c: &mut Call) -> Result<Response, LambdaError> {
    let (f, q) = (c.param(0), c.qualifier());
    Ok(ok(svc.get_policy(&c.ctx(), &f, q.as_deref()).await?))
}

async fn remove_permission(svc: &LambdaService, c: &mut Call) -> Result<Response, LambdaError> {
    let (f, sid) = (c.param(0), c.param(1));
    svc.remove_permission(&c.ctx(), &f, &sid, c.query()).await?;
    Ok(no_content())
}

async fn get_account_settings(svc: &LambdaService, c: &mut Call) -> Result<Response, LambdaError> {
    authorize_own(c, "*")?;
    Ok(ok(svc.get_account_settings(&c.ctx()).await?))
}

async fn tag_resource(svc: &LambdaService, c: &mut Call) -> Result<Response, LambdaError> {
    let arn = c.param(0);
    svc.tag_resource(&c.ctx(), &arn, &c.body).await?;
    Ok(no_content())
}

async fn untag_resource(svc: &LambdaService, c: &mut Call) -> Result<Response, LambdaError> {
    let arn = c.param(0);
    svc.untag_resource(&c.ctx(), &arn, c.query()).await?;
    Ok(no_content())
}

async fn list_tags(svc: &LambdaService, c: &mut Call) -> Result<Response, LambdaError> {
    let arn = c.param(0);
    Ok(ok(svc.list_tags(&c.ctx(), &arn).await?))
}

async fn put_function_concurrency(
    svc: &LambdaService,
    c: &mut Call,
) -> Result<Response, LambdaError> {
    let f = c.param(0);
    Ok(ok(svc
        .put_function_concurrency(&c.ctx(), &f, &c.body)
        .await?))
}

async fn get_function_concurrency(
    svc: &LambdaService,
    c: &mut Call,
) -> Result<Response, LambdaError> {
    let f = c.param(0);
    Ok(ok(svc.get_function_concurrency(&c.ctx(), &f).await?))
}

async fn delete_function_concurrency(
    svc: &LambdaService,
    c: &mut Call,
) -> Result<Response, LambdaError> {
    let f = c.param(0);
    svc.delete_function_concurrency(&c.ctx(), &f).await?;
    Ok(no_content())
}

async fn create_event_source_mapping(
    svc: &LambdaService,
    c: &mut Call,
) -> Result<Response, LambdaError> {
    authorize_own(c, "*")?;
    let v = svc.create_event_source_mapping(&c.ctx(), &c.body).await?;
    Ok(json::with_status(StatusCode::ACCEPTED, &v))
}

async fn list_event_source_mappings(
    svc: &LambdaService,
    c: &mut Call,
) -> Result<Response, LambdaError> {
    authorize_own(c, "*")?;
    Ok(ok(svc
        .list_event_source_mappings(&c.ctx(), c.query())
        .await?))
}

async fn get_event_source_mapping(
    svc: &LambdaService,
    c: &mut Call,
) -> Result<Response, LambdaError> {
    authorize_own(c, "*")?;
    let u = c.param(0);
    Ok(ok(svc.get_event_source_mapping(&c.ctx(), &u).await?))
}

async fn update_event_source_mapping(
    svc: &LambdaService,
    c: &mut Call,
) -> Result<Response, LambdaError> {
    authorize_own(c, "*")?;
    let u = c.param(0);
    let v = svc
        .update_event_source_mapping(&c.ctx(), &u, &c.body)
        .await?;
    Ok(json::with_status(StatusCode::ACCEPTED, &v))
}

async fn delete_event_source_mapping(
    svc: &LambdaService,
    c: &mut Call,
) -> Result<Response, LambdaError> {
    authorize_own(c, "*")?;
    let u = c.param(0);
    let v = svc.delete_event_source_mapping(&c.ctx(), &u).await?;
    Ok(json::with_status(StatusCode::ACCEPTED, &v))
}

async fn put_function_event_invoke_config(
    svc: &LambdaService,
    c: &mut Call,
) -> Result<Response, LambdaError> {
    let (f, q) = (c.param(0), c.qualifier());
    Ok(ok(svc
        .put_function_event_invoke_config(&c.ctx(), &f, q.as_deref(), &c.body)
        .await?))
}

async fn update_function_event_invoke_config(
    svc: &LambdaService,
    c: &mut Call,
) -> Result<Response, LambdaError> {
    let (f, q) = (c.param(0), c.qualifier());
    Ok(ok(svc
        .update_function_event_invoke_config(&c.ctx(), &f, q.as_deref(), &c.body)
        .await?))
}

async fn get_function_event_invoke_config(
    svc: &LambdaService,
    c: &mut Call,
) -> Result<Response, LambdaError> {
    let (f, q) = (c.param(0), c.qualifier());
    Ok(ok(svc
        .get_function_event_invoke_config(&c.ctx(), &f, q.as_deref())
        .await?))
}

async fn list_function_event_invoke_configs(
    svc: &LambdaService,
    c: &mut Call,
) -> Result<Response, LambdaError> {
    let f = c.param(0);
    Ok(ok(svc
        .list_function_event_invoke_configs(&c.ctx(), &f, c.query())
        .await?))
}

async fn delete_function_event_invoke_config(
    svc: &LambdaService,
    c: &mut Call,
) -> Result<Response, LambdaError> {
    let (f, q) = (c.param(0), c.qualifier());
    svc.delete_function_event_invoke_config(&c.ctx(), &f, q.as_deref())
        .await?;
    Ok(no_content())
}

/// The names of the operations answered with `UnsupportedOperation` (for docs/compat.md).
pub fn unsupported_operations() -> impl Iterator<Item = &'static str> {
    Op::NOT_IMPLEMENTED.iter().map(|(n, _)| *n)
}

/// Which operation a request is, or the error for one nimbus does not serve.
pub fn route(method: &Method, path: &str) -> Result<Op, LambdaError> {
    if let Some(op) = Op::route(method, path) {
        return Ok(op);
    }
    if let Some(name) = Op::not_implemented_route(method, path) {
        return Err(LambdaError::new(
            LambdaErrorCode::UnsupportedOperation,
            format!(
                "{name} is not supported by nimbus yet (see docs/compat.md): nimbus serves $LATEST functions without versions, aliases, layers, function URLs or code signing."
            ),
        ));
    }
    let m = method.as_str();
    Err(LambdaError::new(
        LambdaErrorCode::UnknownOperation,
        format!("No Lambda operation matches {m} {path}"),
    ))
}

/// Parses a JSON body into an operation's input; an empty body is `{}`.
pub fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, LambdaError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| {
        LambdaError::new(
            LambdaErrorCode::InvalidRequestContent,
            format!("Could not parse request body into json: {e}"),
        )
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
        let path = "/2015-03-31/functions/f/invocations";
        assert_eq!(route(&Method::POST, path).unwrap(), Op::Invoke);
        assert_eq!(Op::Invoke.binding().path_param(path, 0).unwrap(), "f");
        let path = "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af";
        assert_eq!(route(&Method::GET, path).unwrap(), Op::ListTags);
        assert_eq!(
            Op::ListTags.binding().path_param(path, 0).unwrap(),
            "arn:aws:lambda:us-east-1:000000000000:function:f"
        );
        assert!(matches!(
            route(&Method::POST, "/2015-03-31/functions/f/versions"),
            Err(ref e) if e.kind() == LambdaErrorCode::UnsupportedOperation && e.to_string().starts_with("PublishVersion")
        ));
        assert!(matches!(
            route(&Method::GET, "/2015-03-31/nothing"),
            Err(ref e) if e.kind() == LambdaErrorCode::UnknownOperation
        ));
    }
}
