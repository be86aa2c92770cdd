//! Invoke (RequestResponse, Event, DryRun) and the deprecated InvokeAsync.
//!
//! `Event` invocations are committed to the durable asynchronous queue and answered with 202
//! ([`crate::async_invoke`] runs them, with retries and destinations).

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use nimbus_wire::{Response, body};

use crate::error::{LambdaError, LambdaErrorCode, MAX_SYNC_PAYLOAD};
use crate::model::{FunctionKey, FunctionRecord, FunctionState, LATEST};
use crate::runtime::{ACCOUNT_CONCURRENCY, ConcurrencyLimit, InvokeResult};
use crate::{Call, Ctx, LambdaService};

fn header<'a>(req: &'a Call, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Checks that a payload is JSON (or empty), as Invoke requires.
pub(crate) fn check_payload(payload: &[u8]) -> Result<(), LambdaError> {
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    serde_json::from_slice::<serde::de::IgnoredAny>(payload)
        .map(|_| ())
        .map_err(|e| {
            LambdaError::new(
                LambdaErrorCode::InvalidRequestContent,
                format!(
                    "Could not parse request body into json: Could not parse payload into json: {e}"
                ),
            )
        })
}

impl LambdaService {
    /// The concurrency an invocation of `f` may use.
    pub fn concurrency_limit(&self, f: &FunctionRecord) -> ConcurrencyLimit {
        match f.reserved_concurrency {
            Some(n) => ConcurrencyLimit::Reserved(n),
            None => {
                let reserved: u32 = self
                    .store
                    .list(&f.key.account, &f.key.region)
                    .iter()
                    .filter_map(|x| x.reserved_concurrency)
                    .sum();
                ConcurrencyLimit::Unreserved(ACCOUNT_CONCURRENCY.saturating_sub(reserved))
            }
        }
    }

    /// The function, once it is Active (waiting for a pending activation to finish).
    pub async fn invocable(&self, key: &FunctionKey) -> Result<FunctionRecord, LambdaError> {
        self.await_activation(key).await;
        let f = self.function(key)?;
        match f.state {
            FunctionState::Active => Ok(f),
            s => Err(LambdaError::new(
                LambdaErrorCode::ResourceConflict,
                format!(
                    "The operation cannot be performed at this time. The function is currently in the following state: {}",
                    s.as_str()
                ),
            )),
        }
    }

    /// Runs a synchronous invocation of the function `key`.
    pub async fn invoke_sync(
        &self,
        key: &FunctionKey,
        request_id: &str,
        payload: Bytes,
        client_context: Option<String>,
    ) -> Result<InvokeResult, LambdaError> {
        self.invoke_qualified(key, None, request_id, payload, client_context)
            .await
    }

    /// [`LambdaService::invoke_sync`] of the function as `qualifier` named it (the
    /// `Resource` of its metrics); publishes the invocation's metrics.
    pub async fn invoke_qualified(
        &self,
        key: &FunctionKey,
        qualifier: Option<&str>,
        request_id: &str,
        payload: Bytes,
        client_context: Option<String>,
    ) -> Result<InvokeResult, LambdaError> {
        let started = self.env.clock.now_millis();
        let result = self
            .run_sync(key, request_id, payload, client_context)
            .await;
        self.publish_invocation(key, qualifier, started, &result);
        result
    }

    async fn run_sync(
        &self,
        key: &FunctionKey,
        request_id: &str,
        payload: Bytes,
        client_context: Option<String>,
    ) -> Result<InvokeResult, LambdaError> {
        let f = self.invocable(key).await?;
        let payload = if payload.iter().all(u8::is_ascii_whitespace) {
            Bytes::from_static(b"{}")
        } else {
            payload
        };
        let limit = self.concurrency_limit(&f);
        self.executor
            .invoke(&f, request_id, payload, client_context, limit)
            .await
    }

    /// Accepts an asynchronous (`Event`) invocation: commits it to the durable queue and
    /// returns its request id (see [`crate::async_invoke`]).
    pub async fn invoke_event(
        self: &Arc<Self>,
        key: &FunctionKey,
        payload: Bytes,
    ) -> Result<String, LambdaError> {
        self.enqueue_event(key, payload).await
    }

    /// Invoke.
    pub async fn invoke(
        self: &Arc<Self>,
        ctx: &Ctx<'_>,
        name: &str,
        req: &Call,
    ) -> Result<Response, LambdaError> {
        let qualifier = super::query_param(req.uri.query(), "Qualifier");
        let key = self.resolve(ctx, name, qualifier.as_deref())?;
        let invocation_type = header(req, "x-amz-invocation-type").unwrap_or("RequestResponse");
        let log_type = header(req, "x-amz-log-type").unwrap_or("None");
        if !matches!(log_type, "None" | "Tail") {
            return Err(LambdaError::validation(
                log_type,
                "logType",
                "Member must satisfy enum value set: [Tail, None]",
            ));
        }
        let payload = req.body.clone();
        match invocation_type {
            "RequestResponse" | "DryRun" => {
                if payload.len() > MAX_SYNC_PAYLOAD {
                    return Err(LambdaError::new(
                        LambdaErrorCode::RequestTooLarge,
                        format!(
                            "Request must be smaller than {MAX_SYNC_PAYLOAD} bytes for the InvokeFunction operation"
                        ),
                    ));
                }
                check_payload(&payload)?;
            }
            "Event" => {}
            other => {
                return Err(LambdaError::validation(
                    other,
                    "invocationType",
                    "Member must satisfy enum value set: [Event, RequestResponse, DryRun]",
                ));
            }
        }
        match invocation_type {
            "DryRun" => {
                self.invocable(&key).await?;
                let mut r = http::Response::new(body::empty());
                *r.status_mut() = StatusCode::NO_CONTENT;
                Ok(r)
            }
            "Event" => {
                let id = self.invoke_event(&key, payload).await?;
                let mut r = http::Response::new(body::empty());
                *r.status_mut() = StatusCode::ACCEPTED;
                if let Ok(v) = HeaderValue::from_str(&id) {
                    r.headers_mut().insert("x-amzn-requestid", v);
                }
                Ok(r)
            }
            _ => {
                let client_context = header(req, "x-amz-client-context").map(str::to_owned);
                let named = crate::metrics::qualifier_of(name, qualifier.as_deref());
                let result = self
                    .invoke_qualified(
                        &key,
                        named.as_deref(),
                        ctx.request_id,
                        payload,
                        client_context,
                    )
                    .await?;
                let mut r = body::response(StatusCode::OK, "application/json", result.payload);
                let h = r.headers_mut();
                h.insert("x-amz-executed-version", HeaderValue::from_static(LATEST));
                if result.function_error {
                    h.insert(
                        "x-amz-function-error",
                        HeaderValue::from_static("Unhandled"),
                    );
                }
                if log_type == "Tail"
                    && let Ok(v) = HeaderValue::from_str(&result.log_tail)
                {
                    h.insert("x-amz-log-result", v);
                }
                Ok(r)
            }
        }
    }

    /// InvokeAsync (deprecated): an `Event` invocation answering `{"Status": 202}`.
    pub async fn invoke_async_legacy(
        self: &Arc<Self>,
        ctx: &Ctx<'_>,
        name: &str,
        req: &Call,
    ) -> Result<Response, LambdaError> {
        let key = self.resolve(ctx, name, None)?;
        self.invoke_event(&key, req.body.clone()).await?;
        Ok(nimbus_wire::json::with_status(
            StatusCode::ACCEPTED,
            &serde_json::json!({ "Status": 202 }),
        ))
    }
}
