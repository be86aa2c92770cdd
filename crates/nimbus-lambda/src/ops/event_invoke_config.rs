//! PutFunctionEventInvokeConfig, UpdateFunctionEventInvokeConfig,
//! GetFunctionEventInvokeConfig, ListFunctionEventInvokeConfigs and
//! DeleteFunctionEventInvokeConfig: a function's asynchronous invocation settings
//! (`/2019-09-25/functions/{name}/event-invoke-config`). nimbus serves `$LATEST` only, so a
//! function has at most one configuration.

use nimbus_core::Arn;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{LambdaError, LambdaErrorCode};
use crate::model::{EventInvokeConfig, FunctionKey, LATEST};
use crate::{Ctx, LambdaService};

const DESTINATION_PATTERN: &str = "$|kafka://([^.]([a-zA-Z0-9\\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)";

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Destination {
    destination: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct DestinationConfig {
    on_success: Option<Destination>,
    on_failure: Option<Destination>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct ConfigInput {
    maximum_retry_attempts: Option<i64>,
    maximum_event_age_in_seconds: Option<i64>,
    destination_config: Option<DestinationConfig>,
}

fn check_range(
    value: Option<i64>,
    member: &str,
    min: i64,
    max: i64,
) -> Result<Option<u32>, LambdaError> {
    match value {
        None => Ok(None),
        Some(v) if v < min => Err(LambdaError::validation(
            &v.to_string(),
            member,
            &format!("Member must have value greater than or equal to {min}"),
        )),
        Some(v) if v > max => Err(LambdaError::validation(
            &v.to_string(),
            member,
            &format!("Member must have value less than or equal to {max}"),
        )),
        Some(v) => Ok(Some(v as u32)),
    }
}

/// `Some(Some(arn))` to set a destination, `Some(None)` to clear it (an empty string),
/// `None` when the request leaves it out.
fn destination_member(
    d: Option<Destination>,
    member: &str,
) -> Result<Option<Option<String>>, LambdaError> {
    let Some(d) = d else { return Ok(None) };
    let Some(arn) = d.destination else {
        return Ok(Some(None));
    };
    if arn.is_empty() {
        return Ok(Some(None));
    }
    if arn.len() > 350 {
        return Err(LambdaError::validation(
            &arn,
            member,
            "Member must have length less than or equal to 350",
        ));
    }
    let well_formed = arn.starts_with("kafka://")
        || arn.parse::<Arn>().is_ok_and(|a| {
            a.partition.starts_with("aws")
                && !a.service.is_empty()
                && (a.account.is_empty()
                    || (a.account.len() == 12 && a.account.bytes().all(|b| b.is_ascii_digit())))
        });
    if !well_formed {
        return Err(LambdaError::validation(
            &arn,
            member,
            &format!("Member must satisfy regular expression pattern: {DESTINATION_PATTERN}"),
        ));
    }
    Ok(Some(Some(arn)))
}

impl LambdaService {
    /// Checks a destination as Lambda does when the configuration is saved: a function
    /// destination must exist and not be this function. SQS queues are not looked up (AWS
    /// does not either; a missing queue is logged). Other destination types AWS accepts (SNS
    /// topics, EventBridge buses, S3 buckets) are refused, since nimbus cannot deliver to
    /// them; unknown services are refused as AWS refuses them.
    async fn check_destinations(
        &self,
        key: &FunctionKey,
        on_success: Option<&str>,
        on_failure: Option<&str>,
    ) -> Result<(), LambdaError> {
        let whole_config_invalid = || {
            let part = |name: &str, d: Option<&str>| match d {
                Some(arn) => format!("{name}(destination={arn})"),
                None => "null".to_owned(),
            };
            LambdaError::new(
                LambdaErrorCode::InvalidParameterValue,
                format!(
                    "The provided destination config DestinationConfig(onSuccess={}, onFailure={}) is invalid.",
                    part("OnSuccess", on_success),
                    part("OnFailure", on_failure)
                ),
            )
        };
        for arn in [on_success, on_failure].into_iter().flatten() {
            let Ok(parsed) = arn.parse::<Arn>() else {
                return Err(whole_config_invalid());
            };
            match parsed.service.as_str() {
                "sqs" => {
                    let exists = match self.env.bus.queues() {
                        Ok(q) => q.queue_exists(&parsed).await,
                        Err(_) => false,
                    };
                    if !exists {
                        tracing::warn!(function = %key.name, destination = %arn,
                            "the destination queue does not exist (yet); records sent to it will be lost");
                    }
                }
                "lambda" => {
                    let name = parsed
                        .resource
                        .strip_prefix("function:")
                        .and_then(|r| r.split(':').next())
                        .unwrap_or_default();
                    let target = FunctionKey {
                        account: parsed.account.clone(),
                        region: parsed.region.clone(),
                        name: name.to_owned(),
                    };
                    if self.store.get(&target).is_none() {
                        return Err(LambdaError::new(
                            LambdaErrorCode::InvalidParameterValue,
                            format!("The destination ARN {arn} is invalid."),
                        ));
                    }
                    if &target == key {
                        return Err(LambdaError::new(
                            LambdaErrorCode::InvalidParameterValue,
                            "You can't specify the function as a destination for itself.",
                        ));
                    }
                }
                "sns" | "events" | "s3" => {
                    return Err(LambdaError::new(
                        LambdaErrorCode::InvalidParameterValue,
                        format!(
                            "The destination ARN {arn} is invalid: nimbus delivers destination records to SQS queues and Lambda functions only, not to {} (see docs/compat.md).",
                            parsed.service
                        ),
                    ));
                }
                _ => return Err(whole_config_invalid()),
            }
        }
        Ok(())
    }

    async fn save_event_invoke_config(
        &self,
        ctx: &Ctx<'_>,
        name: &str,
        qualifier: Option<&str>,
        body: &[u8],
        replace: bool,
    ) -> Result<Value, LambdaError> {
        let key = self.resolve(ctx, name, qualifier)?;
        let input: ConfigInput = super::parse_body(body)?;
        let retries = check_range(input.maximum_retry_attempts, "maximumRetryAttempts", 0, 2)?;
        let age = check_range(
            input.maximum_event_age_in_seconds,
            "maximumEventAgeInSeconds",
            60,
            21_600,
        )?;
        let has_destination_config = input.destination_config.is_some();
        let dc = input.destination_config.unwrap_or_default();
        let on_success =
            destination_member(dc.on_success, "destinationConfig.onSuccess.destination")?;
        let on_failure =
            destination_member(dc.on_failure, "destinationConfig.onFailure.destination")?;
        if retries.is_none() && age.is_none() && !has_destination_config {
            return Err(LambdaError::new(
                LambdaErrorCode::InvalidParameterValue,
                "You must specify at least one of error handling or destination setting.",
            ));
        }
        self.function(&key)?;
        self.check_destinations(
            &key,
            on_success.clone().flatten().as_deref(),
            on_failure.clone().flatten().as_deref(),
        )
        .await?;
        let now = self.env.clock.now_millis();
        let rec = self.store.update(&key, |f| {
            let current = match (&f.event_invoke_config, replace) {
                (Some(c), false) => c.clone(),
                (None, false) => {
                    return Err(LambdaError::new(
                        LambdaErrorCode::ResourceNotFound,
                        format!(
                            "The function {}:{LATEST} doesn't have an EventInvokeConfig",
                            key.arn()
                        ),
                    ));
                }
                (_, true) => EventInvokeConfig::default(),
            };
            let mut next = current;
            if replace || retries.is_some() {
                next.maximum_retry_attempts = retries;
            }
            if replace || age.is_some() {
                next.maximum_event_age_in_seconds = age;
            }
            if let Some(d) = on_success.clone() {
                next.on_success = d;
            } else if replace {
                next.on_success = None;
            }
            if let Some(d) = on_failure.clone() {
                next.on_failure = d;
            } else if replace {
                next.on_failure = None;
            }
            next.last_modified = now;
            f.event_invoke_config = Some(next);
            Ok(())
        })?;
        let cfg = rec.event_invoke_config.unwrap_or_default();
        tracing::info!(function = %key.name, "event invoke configuration saved");
        Ok(cfg.to_json(&format!("{}:{LATEST}", key.arn())))
    }

    /// PutFunctionEventInvokeConfig: replaces the configuration (left-out settings are
    /// removed).
    pub async fn put_function_event_invoke_config(
        &self,
        ctx: &Ctx<'_>,
        name: &str,
        qualifier: Option<&str>,
        body: &[u8],
    ) -> Result<Value, LambdaError> {
        self.save_event_invoke_config(ctx, name, qualifier, body, true)
            .await
    }

    /// UpdateFunctionEventInvokeConfig: changes only the settings given.
    pub async fn update_function_event_invoke_config(
        &self,
        ctx: &Ctx<'_>,
        name: &str,
        qualifier: Option<&str>,
        body: &[u8],
    ) -> Result<Value, LambdaError> {
        self.save_event_invoke_config(ctx, name, qualifier, body, false)
            .await
    }

    fn config_of(&self, key: &FunctionKey) -> Result<EventInvokeConfig, LambdaError> {
        self.function(key)?.event_invoke_config.ok_or_else(|| {
            LambdaError::new(
                LambdaErrorCode::ResourceNotFound,
                format!(
                    "The function {}:{LATEST} doesn't have an EventInvokeConfig",
                    key.arn()
                ),
            )
        })
    }

    /// GetFunctionEventInvokeConfig.
    pub async fn get_function_event_invoke_config(
        &self,
        ctx: &Ctx<'_>,
        name: &str,
        qualifier: Option<&str>,
    ) -> Result<Value, LambdaError> {
        let key = self.resolve(ctx, name, qualifier)?;
        Ok(self
            .config_of(&key)?
            .to_json(&format!("{}:{LATEST}", key.arn())))
    }

    /// ListFunctionEventInvokeConfigs: the function's configuration, if any (`MaxItems`
    /// 1–50).
    pub async fn list_function_event_invoke_configs(
        &self,
        ctx: &Ctx<'_>,
        name: &str,
        query: Option<&str>,
    ) -> Result<Value, LambdaError> {
        let key = self.resolve(ctx, name, None)?;
        if let Some(m) = super::query_param(query, "MaxItems") {
            let n: i64 = m.parse().map_err(|_| {
                LambdaError::validation(
                    &m,
                    "maxItems",
                    "Member must have value greater than or equal to 1",
                )
            })?;
            check_range(Some(n), "maxItems", 1, 50)?;
        }
        let f = self.function(&key)?;
        let marker = super::query_param(query, "Marker").filter(|m| !m.is_empty());
        let items: Vec<Value> = match (&f.event_invoke_config, marker) {
            (Some(c), None) => vec![c.to_json(&format!("{}:{LATEST}", key.arn()))],
            _ => Vec::new(),
        };
        Ok(json!({ "FunctionEventInvokeConfigs": items }))
    }

    /// DeleteFunctionEventInvokeConfig.
    pub async fn delete_function_event_invoke_config(
        &self,
        ctx: &Ctx<'_>,
        name: &str,
        qualifier: Option<&str>,
    ) -> Result<(), LambdaError> {
        let key = self.resolve(ctx, name, qualifier)?;
        self.config_of(&key)?;
        self.store.update(&key, |f| {
            f.event_invoke_config = None;
            Ok(())
        })?;
        Ok(())
    }
}
