//! CreateFunction, GetFunction, GetFunctionConfiguration, ListFunctions, UpdateFunctionCode,
//! UpdateFunctionConfiguration, DeleteFunction.

use std::collections::BTreeMap;
use std::path::PathBuf;

use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::code;
use crate::error::{LambdaError, LambdaErrorCode};
use crate::model::{CodeSource, FunctionKey, FunctionRecord, FunctionState, UpdateStatus};
use crate::runtime::WASM_RUNTIME;
use crate::{Ctx, LambdaService};

/// The S3 bucket name that means "use the local directory named by S3Key, in place, and
/// reload it when it changes".
pub const HOT_RELOAD_BUCKET: &str = "hot-reload";

/// Runtimes AWS still accepts for new functions, from botocore's model, plus nimbus's
/// WebAssembly runtime.
const RUNTIMES: &[&str] = &[
    "nodejs16.x",
    "nodejs18.x",
    "nodejs20.x",
    "nodejs22.x",
    "nodejs24.x",
    "java8.al2",
    "java11",
    "java17",
    "java21",
    "java25",
    "python3.8",
    "python3.9",
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
    "python3.14",
    "dotnet6",
    "dotnet8",
    "dotnet10",
    "ruby2.7",
    "ruby3.2",
    "ruby3.3",
    "ruby3.4",
    "ruby4.0",
    "provided",
    "provided.al2",
    "provided.al2023",
    WASM_RUNTIME,
];
/// Runtimes in the model that AWS no longer accepts for new functions or updates.
const DEPRECATED: &[&str] = &[
    "nodejs",
    "nodejs4.3",
    "nodejs6.10",
    "nodejs8.10",
    "nodejs10.x",
    "nodejs12.x",
    "nodejs14.x",
    "nodejs4.3-edge",
    "java8",
    "python2.7",
    "python3.6",
    "python3.7",
    "dotnetcore1.0",
    "dotnetcore2.0",
    "dotnetcore2.1",
    "dotnetcore3.1",
    "go1.x",
    "ruby2.5",
];
/// Environment variables Lambda sets itself; functions may not set them.
const RESERVED_ENV: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

/// `Code` of CreateFunction, and the code members of UpdateFunctionCode.
#[derive(Deserialize, Default, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct CodeInput {
    zip_file: Option<String>,
    #[serde(rename = "S3Bucket")]
    s3_bucket: Option<String>,
    #[serde(rename = "S3Key")]
    s3_key: Option<String>,
    #[serde(rename = "S3ObjectVersion")]
    s3_object_version: Option<String>,
    image_uri: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct EnvironmentInput {
    variables: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct SizeInput {
    size: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct TracingInput {
    mode: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct LoggingInput {
    log_format: Option<String>,
    log_group: Option<String>,
}

/// The configuration members CreateFunction and UpdateFunctionConfiguration share.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct ConfigInput {
    runtime: Option<String>,
    role: Option<String>,
    handler: Option<String>,
    description: Option<String>,
    timeout: Option<i64>,
    memory_size: Option<i64>,
    environment: Option<EnvironmentInput>,
    ephemeral_storage: Option<SizeInput>,
    tracing_config: Option<TracingInput>,
    logging_config: Option<LoggingInput>,
    revision_id: Option<String>,
    #[serde(rename = "VpcConfig")]
    vpc_config: Option<Value>,
    dead_letter_config: Option<Value>,
    #[serde(rename = "KMSKeyArn")]
    kms_key_arn: Option<Value>,
    layers: Option<Vec<String>>,
    file_system_configs: Option<Value>,
    snap_start: Option<Value>,
    image_config: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    function_name: Option<String>,
    code: Option<CodeInput>,
    package_type: Option<String>,
    architectures: Option<Vec<String>>,
    tags: Option<BTreeMap<String, String>>,
    #[serde(flatten)]
    config: ConfigInput,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct UpdateCodeInput {
    #[serde(flatten)]
    code: CodeInput,
    dry_run: Option<bool>,
    revision_id: Option<String>,
    architectures: Option<Vec<String>>,
}

fn validate_role(role: &str) -> Result<(), LambdaError> {
    let ok = role
        .strip_prefix("arn:")
        .and_then(|r| r.split_once(":iam::"))
        .is_some_and(|(partition, rest)| {
            partition.starts_with("aws")
                && rest.len() > 13
                && rest[..12].bytes().all(|b| b.is_ascii_digit())
                && rest[12..].starts_with(":role/")
                && rest.len() > 18
        });
    if ok {
        Ok(())
    } else {
        Err(LambdaError::validation(
            role,
            "role",
            "Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
        ))
    }
}

fn validate_runtime(runtime: &str) -> Result<(), LambdaError> {
    if DEPRECATED.contains(&runtime) {
        return Err(LambdaError::new(
            LambdaErrorCode::InvalidParameterValue,
            format!(
                "The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions."
            ),
        ));
    }
    if !RUNTIMES.contains(&runtime) {
        return Err(LambdaError::validation(
            runtime,
            "runtime",
            &format!(
                "Member must satisfy enum value set: [{}]",
                RUNTIMES.join(", ")
            ),
        ));
    }
    Ok(())
}

fn validate_environment(vars: &BTreeMap<String, String>) -> Result<(), LambdaError> {
    for k in vars.keys() {
        let mut b = k.bytes();
        let ok = k.len() >= 2
            && b.next().is_some_and(|c| c.is_ascii_alphabetic())
            && b.all(|c| c.is_ascii_alphanumeric() || c == b'_');
        if !ok {
            return Err(LambdaError::validation(
                k,
                "environment.variables",
                "Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+",
            ));
        }
    }
    let reserved: Vec<&str> = vars
        .keys()
        .map(String::as_str)
        .filter(|k| RESERVED_ENV.contains(k))
        .collect();
    if !reserved.is_empty() {
        return Err(LambdaError::new(
            LambdaErrorCode::InvalidParameterValue,
            format!(
                "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {}",
                reserved.join(", ")
            ),
        ));
    }
    let size = serde_json::to_string(vars).map(|s| s.len()).unwrap_or(0);
    if size > 4096 {
        return Err(LambdaError::new(
            LambdaErrorCode::InvalidParameterValue,
            format!(
                "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {}",
                serde_json::to_string(vars).unwrap_or_default()
            ),
        ));
    }
    Ok(())
}

/// Applies the configuration members to `rec`, validating each.
fn apply_config(rec: &mut FunctionRecord, c: ConfigInput) -> Result<(), LambdaError> {
    if let Some(r) = c.runtime {
        validate_runtime(&r)?;
        rec.runtime = Some(r);
    }
    if let Some(r) = c.role {
        validate_role(&r)?;
        rec.role = r;
    }
    if let Some(h) = c.handler {
        if h.len() > 128 || h.is_empty() || h.chars().any(char::is_whitespace) {
            return Err(LambdaError::validation(
                &h,
                "handler",
                "Member must satisfy regular expression pattern: [^\\s]+",
            ));
        }
        rec.handler = Some(h);
    }
    if let Some(d) = c.description {
        if d.chars().count() > 256 {
            return Err(LambdaError::validation(
                &d,
                "description",
                "Member must have length less than or equal to 256",
            ));
        }
        rec.description = d;
    }
    if let Some(t) = c.timeout {
        if t < 1 {
            return Err(LambdaError::validation(
                &t.to_string(),
                "timeout",
                "Member must have value greater than or equal to 1",
            ));
        }
        if t > 900 {
            // AWS answers this one with InvalidParameterValueException, in validation words.
            return Err(LambdaError::new(
                LambdaErrorCode::InvalidParameterValue,
                nimbus_wire::validation::message(
                    "timeout",
                    &t.to_string(),
                    "Member must have value less than or equal to 900",
                ),
            ));
        }
        rec.timeout = t as u32;
    }
    if let Some(m) = c.memory_size {
        if m < 128 {
            return Err(LambdaError::validation(
                &m.to_string(),
                "memorySize",
                "Member must have value greater than or equal to 128",
            ));
        }
        if m > 10240 {
            return Err(LambdaError::new(
                LambdaErrorCode::InvalidParameterValue,
                format!(
                    "'MemorySize' value failed to satisfy constraint: Member must have value less than or equal to 10240 (got {m})"
                ),
            ));
        }
        rec.memory_size = m as u32;
    }
    if let Some(e) = c.environment {
        let vars = e.variables.unwrap_or_default();
        validate_environment(&vars)?;
        rec.environment = vars;
    }
    if let Some(s) = c.ephemeral_storage {
        let size = s.size.unwrap_or(512);
        if !(512..=10240).contains(&size) {
            return Err(LambdaError::validation(
                &size.to_string(),
                "ephemeralStorage.size",
                "Member must have value between 512 and 10240",
            ));
        }
        rec.ephemeral_storage = size as u32;
    }
    if let Some(t) = c.tracing_config
        && let Some(mode) = t.mode
    {
        if mode != "Active" && mode != "PassThrough" {
            return Err(LambdaError::validation(
                &mode,
                "tracingConfig.mode",
                "Member must satisfy enum value set: [Active, PassThrough]",
            ));
        }
        rec.tracing_mode = mode;
    }
    if let Some(l) = c.logging_config {
        if let Some(f) = l.log_format {
            if f != "Text" && f != "JSON" {
                return Err(LambdaError::validation(
                    &f,
                    "loggingConfig.logFormat",
                    "Member must satisfy enum value set: [JSON, Text]",
                ));
            }
            rec.log_format = f;
        }
        if let Some(g) = l.log_group {
            if g.is_empty() || g.len() > 512 {
                return Err(LambdaError::validation(
                    &g,
                    "loggingConfig.logGroup",
                    "Member must have length between 1 and 512",
                ));
            }
            rec.log_group = g;
        }
    }
    if let Some(v) = c.vpc_config {
        rec.echoed.insert(
            "VpcConfig".into(),
            json!({
                "SubnetIds": v.get("SubnetIds").cloned().unwrap_or(json!([])),
                "SecurityGroupIds": v.get("SecurityGroupIds").cloned().unwrap_or(json!([])),
                "Ipv6AllowedForDualStack": v.get("Ipv6AllowedForDualStack").cloned().unwrap_or(json!(false)),
                "VpcId": "",
            }),
        );
    }
    if let Some(v) = c.dead_letter_config {
        rec.echoed.insert("DeadLetterConfig".into(), v);
    }
    if let Some(v) = c.kms_key_arn {
        rec.echoed.insert("KMSKeyArn".into(), v);
    }
    if let Some(layers) = c.layers {
        rec.echoed.insert(
            "Layers".into(),
            Value::Array(
                layers
                    .into_iter()
                    .map(|arn| json!({ "Arn": arn, "CodeSize": 0 }))
                    .collect(),
            ),
        );
    }
    if let Some(v) = c.file_system_configs {
        rec.echoed.insert("FileSystemConfigs".into(), v);
    }
    let _ = (c.snap_start, c.image_config, c.revision_id);
    Ok(())
}

fn check_revision(rec: &FunctionRecord, wanted: Option<&str>) -> Result<(), LambdaError> {
    match wanted {
        Some(r) if r != rec.revision_id => Err(LambdaError::new(
            LambdaErrorCode::PreconditionFailed,
            "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
        )),
        _ => Ok(()),
    }
}

fn validate_architectures(a: &Option<Vec<String>>) -> Result<Vec<String>, LambdaError> {
    match a {
        None => Ok(vec!["x86_64".into()]),
        Some(v) if v.len() == 1 && (v[0] == "x86_64" || v[0] == "arm64") => Ok(v.clone()),
        Some(v) => Err(LambdaError::validation(
            &format!("{v:?}"),
            "architectures",
            "Member must have length less than or equal to 1, Member must satisfy enum value set: [x86_64, arm64]",
        )),
    }
}

/// Code ready to be attached to a function.
pub struct MaterializedCode {
    /// Where it is.
    pub source: CodeSource,
    /// `CodeSha256`.
    pub sha256: String,
    /// `CodeSize`.
    pub size: u64,
}

impl LambdaService {
    /// Resolves a path's function reference to a key, refusing qualifiers other than
    /// `$LATEST` (nimbus has no versions or aliases).
    pub fn resolve(
        &self,
        ctx: &Ctx<'_>,
        reference: &str,
        query_qualifier: Option<&str>,
    ) -> Result<FunctionKey, LambdaError> {
        let r = crate::model::FunctionRef::parse(reference)?;
        let key = FunctionKey {
            account: r.account.unwrap_or_else(|| ctx.account.to_owned()),
            region: r.region.unwrap_or_else(|| ctx.region.to_owned()),
            name: r.name,
        };
        for q in [r.qualifier.as_deref(), query_qualifier]
            .into_iter()
            .flatten()
        {
            if q != crate::model::LATEST {
                return Err(LambdaError::function_not_found(&format!(
                    "{}:{q}",
                    key.arn()
                )));
            }
        }
        self.authorize_function(ctx, &key)?;
        Ok(key)
    }

    /// Whether the caller may perform the operation's action on `key`: a function belongs
    /// to the account in its ARN, and its resource-based policy (compiled when it changes)
    /// grants other accounts. The owner's root user on a function without a policy decides
    /// without evaluating anything. The resource is the unqualified ARN (nimbus serves
    /// `$LATEST` only, which the unqualified function policy covers).
    pub fn authorize_function(&self, ctx: &Ctx<'_>, key: &FunctionKey) -> Result<(), LambdaError> {
        let policy = self.store.policy(key);
        let arn = key.arn();
        ctx.request
            .authorize(
                ctx.action,
                nimbus_core::access::Resource {
                    arn: &arn,
                    owner: &key.account,
                    policy: policy.as_deref(),
                },
                |_| {},
            )
            .map_err(|d| LambdaError::access_denied(&d))
    }

    /// The stored function, or `ResourceNotFoundException`.
    pub fn function(&self, key: &FunctionKey) -> Result<FunctionRecord, LambdaError> {
        self.store
            .get(key)
            .ok_or_else(|| LambdaError::function_not_found(&key.arn()))
    }

    async fn materialize(
        &self,
        key: &FunctionKey,
        revision: &str,
        code: CodeInput,
    ) -> Result<MaterializedCode, LambdaError> {
        if code.image_uri.is_some() {
            return Err(LambdaError::new(
                LambdaErrorCode::InvalidParameterValue,
                "nimbus runs Zip packages only: container images (ImageUri, PackageType Image) are not supported.",
            ));
        }
        match (code.zip_file, code.s3_bucket, code.s3_key) {
            (Some(zip), None, None) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(zip.trim())
                    .map_err(|_| {
                        LambdaError::new(LambdaErrorCode::InvalidParameterValue,
                            "Could not unzip uploaded file. Please check your file, then try to upload again.",
                        )
                    })?;
                self.store_zip(key, revision, bytes).await
            }
            (None, Some(bucket), Some(key_or_path)) if bucket == HOT_RELOAD_BUCKET => {
                // A relative directory is relative to where nimbus was started, and is kept
                // absolute, so it means the same after a restart from elsewhere.
                let dir = self.env.resolve_path(&PathBuf::from(&key_or_path));
                if key_or_path.is_empty() || !dir.is_dir() {
                    return Err(LambdaError::new(
                        LambdaErrorCode::InvalidParameterValue,
                        format!(
                            "With S3Bucket={HOT_RELOAD_BUCKET}, S3Key must be the path of an existing local directory (absolute, or relative to the directory nimbus was started in, {}); {key_or_path} is not.",
                            self.env.work_dir.display()
                        ),
                    ));
                }
                Ok(MaterializedCode {
                    sha256: code::sha256_base64(dir.to_string_lossy().as_bytes()),
                    source: CodeSource::HotReload { dir },
                    size: 0,
                })
            }
            (None, Some(bucket), Some(object)) => {
                let bytes = self
                    .fetch_s3_code(key, &bucket, &object, code.s3_object_version.as_deref())
                    .await?;
                self.store_zip(key, revision, bytes).await
            }
            (None, None, None) => Err(LambdaError::new(
                LambdaErrorCode::InvalidParameterValue,
                "Please provide a source for function code.",
            )),
            _ => Err(LambdaError::new(
                LambdaErrorCode::InvalidParameterValue,
                "Please do not provide other FunctionCode parameters when providing a ZipFile, or provide both S3Bucket and S3Key.",
            )),
        }
    }

    async fn store_zip(
        &self,
        key: &FunctionKey,
        revision: &str,
        bytes: Vec<u8>,
    ) -> Result<MaterializedCode, LambdaError> {
        if bytes.len() as u64 > code::MAX_ZIPPED_BYTES {
            return Err(LambdaError::new(
                LambdaErrorCode::RequestTooLarge,
                format!(
                    "Zipped size must be smaller than {} bytes",
                    code::MAX_ZIPPED_BYTES
                ),
            ));
        }
        let dir = self.store.code_dir(key, revision);
        let sha256 = code::sha256_base64(&bytes);
        let size = bytes.len() as u64;
        let dest = dir.join("task");
        let zip_path = dir.join("code.zip");
        tokio::task::spawn_blocking(move || -> Result<(), LambdaError> {
            code::extract(&bytes, &dest)?;
            std::fs::write(&zip_path, &bytes).map_err(|e| {
                LambdaError::new(
                    LambdaErrorCode::Service,
                    format!("cannot store the package: {e}"),
                )
            })
        })
        .await
        .map_err(|e| LambdaError::new(LambdaErrorCode::Service, e.to_string()))??;
        Ok(MaterializedCode {
            source: CodeSource::Zip {
                dir: dir.join("task"),
                zip: dir.join("code.zip"),
            },
            sha256,
            size,
        })
    }

    fn discard_code(&self, source: &CodeSource) {
        if let CodeSource::Zip { dir, .. } = source
            && let Some(parent) = dir.parent()
        {
            let _ = std::fs::remove_dir_all(parent);
        }
    }

    /// CreateFunction.
    pub async fn create_function(
        &self,
        ctx: &Ctx<'_>,
        body: &[u8],
    ) -> Result<(u16, Value), LambdaError> {
        let input: CreateInput = super::parse_body(body)?;
        let name = input.function_name.clone().ok_or_else(|| {
            LambdaError::validation("null", "functionName", "Member must not be null")
        })?;
        let r = crate::model::FunctionRef::parse(&name)?;
        if r.qualifier.is_some() || name.len() > 140 || r.name.len() > 64 {
            return Err(LambdaError::validation(
                &name,
                "functionName",
                "Member must have length less than or equal to 64",
            ));
        }
        let key = FunctionKey {
            account: r.account.unwrap_or_else(|| ctx.account.to_owned()),
            region: r.region.unwrap_or_else(|| ctx.region.to_owned()),
            name: r.name,
        };
        // A function is created in the account its name's ARN gives (the caller's
        // otherwise): another account's needs that account's permission.
        self.authorize_function(ctx, &key)?;
        if input.config.role.is_none() {
            return Err(LambdaError::validation(
                "null",
                "role",
                "Member must not be null",
            ));
        }
        if input.package_type.as_deref().is_some_and(|p| p != "Zip") {
            return Err(LambdaError::new(
                LambdaErrorCode::InvalidParameterValue,
                "nimbus runs Zip packages only: container images (PackageType Image) are not supported.",
            ));
        }
        if input.config.runtime.is_none() || input.config.handler.is_none() {
            return Err(LambdaError::new(
                LambdaErrorCode::InvalidParameterValue,
                "Runtime and Handler are mandatory parameters for functions created with deployment packages.",
            ));
        }
        let code = input
            .code
            .ok_or_else(|| LambdaError::validation("null", "code", "Member must not be null"))?;
        if self.store.get(&key).is_some() {
            return Err(LambdaError::new(
                LambdaErrorCode::ResourceConflict,
                format!("Function already exist: {}", key.name),
            ));
        }
        let now = self.env.clock.now_millis();
        let mut rec = FunctionRecord {
            key: key.clone(),
            runtime: None,
            role: String::new(),
            handler: None,
            description: String::new(),
            timeout: 3,
            memory_size: 128,
            environment: BTreeMap::new(),
            code: CodeSource::HotReload {
                dir: PathBuf::new(),
            },
            code_sha256: String::new(),
            code_size: 0,
            last_modified: now,
            revision_id: nimbus_core::ids::uuid(),
            state: FunctionState::Pending,
            last_update_status: UpdateStatus::Successful,
            state_reason: None,
            architectures: validate_architectures(&input.architectures)?,
            ephemeral_storage: 512,
            tracing_mode: "PassThrough".into(),
            log_format: "Text".into(),
            log_group: key.log_group(),
            echoed: BTreeMap::new(),
            tags: BTreeMap::new(),
            policy: Vec::new(),
            policy_revision: nimbus_core::ids::uuid(),
            compiled_policy: None,
            reserved_concurrency: None,
            event_invoke_config: None,
        };
        apply_config(&mut rec, input.config)?;
        if let Some(tags) = input.tags {
            super::tags::validate_tags(&tags)?;
            rec.tags = tags;
        }
        let code = self.materialize(&key, &rec.revision_id, code).await?;
        rec.code = code.source;
        rec.code_sha256 = code.sha256;
        rec.code_size = code.size;
        let rec = match self.store.insert(rec.clone()) {
            Ok(r) => r,
            Err(e) => {
                self.discard_code(&rec.code);
                return Err(e);
            }
        };
        self.start_activation(&rec);
        Ok((201, rec.configuration()))
    }

    /// GetFunction.
    pub async fn get_function(
        &self,
        ctx: &Ctx<'_>,
        name: &str,
        qualifier: Option<&str>,
    ) -> Result<Value, LambdaError> {
        let key = self.resolve(ctx, name, qualifier)?;
        let rec = self.function(&key)?;
        let mut out = json!({
            "Configuration": rec.configuration(),
            "Code": {
                "RepositoryType": "S3",
                "Location": format!(
                    "http://{}/2015-03-31/functions/{}/code?nimbus-package={}",
                    ctx.host, key.name, percent_encoding::utf8_percent_encode(&rec.code_sha256, percent_encoding::NON_ALPHANUMERIC)
                ),
            },
        });
        if !rec.tags.is_empty() {
            out["Tags"] = json!(rec.tags);
        }
        if let Some(c) = rec.reserved_concurrency {
            out["Concurrency"] = json!({ "ReservedConcurrentExecutions": c });
        }
        Ok(out)
    }

    /// GetFunctionConfiguration.
    pub async fn get_function_configuration(
        &self,
        ctx: &Ctx<'_>,
        name: &str,
        qualifier: Option<&str>,
    ) -> Result<Value, LambdaError> {
        let key = self.resolve(ctx, name, qualifier)?;
        Ok(self.function(&key)?.configuration())
    }

    /// ListFunctions (`Marker` is the last name of the previous page).
    pub async fn list_functions(
        &self,
        ctx: &Ctx<'_>,
        query: Option<&str>,
    ) -> Result<Value, LambdaError> {
        let max = match super::query_param(query, "MaxItems") {
            None => 50,
            Some(m) => match m.parse::<i64>() {
                Ok(n) if (1..=10_000).contains(&n) => (n as usize).min(50),
                _ => {
                    return Err(LambdaError::validation(
                        &m,
                        "maxItems",
                        "Member must have value between 1 and 10000",
                    ));
                }
            },
        };
        if let Some(v) = super::query_param(query, "FunctionVersion")
            && v != "ALL"
        {
            return Err(LambdaError::validation(
                &v,
                "functionVersion",
                "Member must satisfy enum value set: [ALL]",
            ));
        }
        let marker = super::query_param(query, "Marker");
        let all = self.store.list(ctx.account, ctx.region);
        let start = match &marker {
            None => 0,
            Some(m) => {
                let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(m)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| {
                        LambdaError::new(LambdaErrorCode::InvalidParameterValue, "Invalid marker")
                    })?;
                all.iter()
                    .position(|f| f.key.name > decoded)
                    .unwrap_or(all.len())
            }
        };
        let page: Vec<&FunctionRecord> = all.iter().skip(start).take(max).collect();
        let mut out = json!({
            "Functions": page.iter().map(|f| f.configuration()).collect::<Vec<_>>(),
        });
        if start + page.len() < all.len()
            && let Some(last) = page.last()
        {
            out["NextMarker"] =
                json!(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&last.key.name));
        }
        Ok(out)
    }

    /// UpdateFunctionCode.
    pub async fn update_function_code(
        &self,
        ctx: &Ctx<'_>,
        name: &str,
        body: &[u8],
    ) -> Result<Value, LambdaError> {
        let key = self.resolve(ctx, name, None)?;
        let input: UpdateCodeInput = super::parse_body(body)?;
        self.await_activation(&key).await;
        let current = self.function(&key)?;
        check_revision(&current, input.revision_id.as_deref())?;
        let architectures = match &input.architectures {
            None => current.architectures.clone(),
            a => validate_architectures(a)?,
        };
        let revision = nimbus_core::ids::uuid();
        let code = self.materialize(&key, &revision, input.code).await?;
        if input.dry_run.unwrap_or(false) {
            let mut preview = current.clone();
            preview.code_sha256 = code.sha256.clone();
            preview.code_size = code.size;
            self.discard_code(&code.source);
            return Ok(preview.configuration());
        }
        let now = self.env.clock.now_millis();
        let old_code = current.code.clone();
        let new_source = code.source.clone();
        let updated = self.store.update(&key, |rec| {
            rec.code = code.source;
            rec.code_sha256 = code.sha256;
            rec.code_size = code.size;
            rec.architectures = architectures;
            rec.revision_id = revision.clone();
            rec.last_modified = now;
            rec.last_update_status = UpdateStatus::InProgress;
            Ok(())
        });
        let updated = match updated {
            Ok(u) => u,
            Err(e) => {
                self.discard_code(&new_source);
                return Err(e);
            }
        };
        self.executor.invalidate(&key);
        if old_code != updated.code {
            self.discard_code(&old_code);
        }
        self.start_activation(&updated);
        Ok(updated.configuration())
    }

    /// UpdateFunctionConfiguration.
    pub async fn update_function_configuration(
        &self,
        ctx: &Ctx<'_>,
        name: &str,
        body: &[u8],
    ) -> Result<Value, LambdaError> {
        let key = self.resolve(ctx, name, None)?;
        let input: ConfigInput = super::parse_body(body)?;
        self.await_activation(&key).await;
        let now = self.env.clock.now_millis();
        let wanted = input.revision_id.clone();
        let updated = self.store.update(&key, |rec| {
            check_revision(rec, wanted.as_deref())?;
            apply_config(rec, input)?;
            rec.revision_id = nimbus_core::ids::uuid();
            rec.last_modified = now;
            rec.last_update_status = UpdateStatus::InProgress;
            Ok(())
        })?;
        self.executor.invalidate(&key);
        self.start_activation(&updated);
        Ok(updated.configuration())
    }

    /// DeleteFunction.
    pub async fn delete_function(
        &self,
        ctx: &Ctx<'_>,
        name: &str,
        qualifier: Option<&str>,
    ) -> Result<(), LambdaError> {
        let key = self.resolve(ctx, name, qualifier)?;
        let rec = self.store.delete(&key)?;
        self.executor.remove(&key);
        self.hot.unwatch(&key);
        self.discard_code(&rec.code);
        Ok(())
    }
}
