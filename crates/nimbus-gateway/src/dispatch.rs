//! From an HTTP request to a service's response.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode};
use http_body_util::{BodyExt, Limited};
use nimbus_core::{RequestContext, SharedClock};
use nimbus_wire::error::{ErrorStyle, render};
use nimbus_wire::query::QueryParams;
use nimbus_wire::service::OperationName;
use nimbus_wire::sigv2;
use nimbus_wire::sigv4::{self, AuthError, Location};
use nimbus_wire::{
    BodyLimit, BoxError, Protocol, Request, RequestBody, Response, Service, ServiceError, ServiceId,
};
use sha2::{Digest, Sha256};
use tracing::Instrument;

use crate::auth::{self, AuthConfig};
use crate::health::{self, HealthReport};
use crate::route::{self, Route};

/// Largest body read to find an awsQuery request's `Action` before its service is known.
const QUERY_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// Routes requests to the services it was built with.
pub struct Gateway {
    services: BTreeMap<ServiceId, Arc<dyn Service>>,
    auth: AuthConfig,
    region: String,
    clock: SharedClock,
    started: Instant,
}

impl Gateway {
    /// A gateway serving `services`.
    pub fn new(
        services: Vec<Arc<dyn Service>>,
        auth: AuthConfig,
        region: String,
        clock: SharedClock,
    ) -> Gateway {
        Gateway {
            services: services.into_iter().map(|s| (s.id(), s)).collect(),
            auth,
            region,
            clock,
            started: Instant::now(),
        }
    }

    /// The services served, by id.
    pub fn services(&self) -> impl Iterator<Item = &Arc<dyn Service>> {
        self.services.values()
    }

    /// Stops every service (flushing storage), once.
    pub async fn shutdown_services(&self) {
        for s in self.services.values() {
            s.shutdown().await;
        }
    }

    fn served_list(&self) -> String {
        self.services
            .keys()
            .map(|s| s.signing_name())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Answers one request, with its request id header and inside its tracing span.
    pub async fn handle<B>(&self, req: http::Request<B>, peer: SocketAddr) -> Response
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let request_id = nimbus_core::ids::request_id();
        let span = tracing::info_span!(
            "request",
            request_id = %request_id,
            method = %req.method(),
            path = %req.uri().path(),
            service = tracing::field::Empty,
            operation = tracing::field::Empty,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        let start = Instant::now();
        let (mut resp, protocol) = self
            .route(req, peer, &request_id)
            .instrument(span.clone())
            .await;
        let h = resp.headers_mut();
        let id = HeaderValue::from_str(&request_id).unwrap_or(HeaderValue::from_static("0"));
        if protocol.uses_s3_request_id() {
            if !h.contains_key("x-amz-request-id") {
                h.insert("x-amz-request-id", id.clone());
            }
            if !h.contains_key("x-amz-id-2") {
                h.insert("x-amz-id-2", id);
            }
        } else if !h.contains_key("x-amzn-requestid") {
            h.insert("x-amzn-requestid", id);
        }
        if let Some(op) = resp.extensions().get::<OperationName>() {
            span.record("operation", op.0);
        }
        span.record("status", resp.status().as_u16());
        span.record("latency_ms", start.elapsed().as_secs_f64() * 1000.0);
        span.in_scope(|| tracing::debug!("request completed"));
        resp
    }

    async fn route<B>(
        &self,
        req: http::Request<B>,
        peer: SocketAddr,
        request_id: &str,
    ) -> (Response, Protocol)
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let (parts, body) = req.into_parts();
        let mut body = Some(body);
        let path = parts.uri.path();
        if matches!(parts.method, Method::GET | Method::HEAD)
            && (path == "/_nimbus/health" || path == "/_localstack/health")
        {
            let report = HealthReport {
                version: env!("CARGO_PKG_VERSION"),
                uptime_secs: self.started.elapsed().as_secs(),
                services: self
                    .services
                    .iter()
                    .map(|(id, s)| (*id, s.health()))
                    .collect(),
            };
            let resp = if path == "/_nimbus/health" {
                health::nimbus(&report)
            } else {
                health::localstack(&report)
            };
            return (resp, Protocol::RestJson1);
        }

        // S3's Signature Version 2 (`Authorization: AWS ...`, presigned `AWSAccessKeyId`),
        // for requests that route to S3; other services refuse it in the SigV4 parse below.
        let strict = self.auth.mode == auth::AuthMode::Strict;
        let sig_v2 = match sigv2::parse(&parts.uri, &parts.headers) {
            Ok(None) => None,
            found => match route::classify(&parts.method, &parts.uri, &parts.headers, None) {
                Route::Service(ServiceId::S3, protocol) => match found {
                    Ok(s) => s,
                    Err(e) if strict => {
                        let err = e.to_service_error();
                        let resp = self.error(
                            Some(ServiceId::S3),
                            protocol,
                            &err,
                            request_id,
                            &parts.method,
                        );
                        return (resp, protocol);
                    }
                    Err(_) => None,
                },
                _ => None,
            },
        };

        // The SigV4 signature, if any. In strict mode a malformed one is refused; otherwise
        // it is only a hint for routing and account selection.
        let parsed = match sig_v2 {
            Some(_) => Ok(None),
            None => sigv4::parse(&parts.uri, &parts.headers),
        };
        let sig = match parsed {
            Ok(s) => s,
            Err(e) if strict => {
                let route = route::classify(&parts.method, &parts.uri, &parts.headers, None);
                let (svc, protocol) = self.protocol_of(&route);
                let err = e.to_service_error(svc);
                return (
                    self.error(svc, protocol, &err, request_id, &parts.method),
                    protocol,
                );
            }
            Err(_) => None,
        };
        let scope = sig.as_ref().map(|s| s.credential.service.as_str());
        let route = route::classify(&parts.method, &parts.uri, &parts.headers, scope);

        // Resolve the service. awsQuery requests without a scope need their body's Action.
        let mut buffered: Option<Bytes> = None;
        let (service, protocol) = match route {
            Route::Service(s, p) => (s, p),
            Route::Unserved { name, protocol } => {
                let err = ServiceError::bad_request(
                    "UnsupportedService",
                    format!(
                        "nimbus does not serve the '{name}' service. It serves: {}.",
                        self.served_list()
                    ),
                );
                return (
                    render(protocol, ErrorStyle::default(), &err, request_id, false),
                    protocol,
                );
            }
            Route::QueryByAction => {
                let Some(b) = body.take() else {
                    unreachable!("the body is taken once")
                };
                let bytes = match read_body(b, QUERY_BODY_LIMIT).await {
                    Ok(b) => b,
                    Err(e) => {
                        return (
                            render(
                                Protocol::AwsQuery,
                                ErrorStyle::default(),
                                &e,
                                request_id,
                                false,
                            ),
                            Protocol::AwsQuery,
                        );
                    }
                };
                let action = parts
                    .uri
                    .query()
                    .and_then(|q| route::form_urlencoded_action(q.as_bytes()))
                    .or_else(|| route::form_urlencoded_action(&bytes));
                let service = action.as_deref().and_then(route::service_for_action);
                match (action, service) {
                    (_, Some(s)) => {
                        buffered = Some(bytes);
                        (s, Protocol::AwsQuery)
                    }
                    (None, None) => {
                        let err = ServiceError::bad_request(
                            "MissingAction",
                            "The request must contain the parameter Action.",
                        );
                        return (
                            render(
                                Protocol::AwsQuery,
                                ErrorStyle::default(),
                                &err,
                                request_id,
                                false,
                            ),
                            Protocol::AwsQuery,
                        );
                    }
                    (Some(a), None) => {
                        let err = ServiceError::bad_request(
                            "InvalidAction",
                            format!(
                                "The action {a} is not valid for this endpoint. nimbus serves: {}.",
                                self.served_list()
                            ),
                        );
                        return (
                            render(
                                Protocol::AwsQuery,
                                ErrorStyle::default(),
                                &err,
                                request_id,
                                false,
                            ),
                            Protocol::AwsQuery,
                        );
                    }
                }
            }
        };
        tracing::Span::current().record("service", service.signing_name());
        let Some(svc) = self.services.get(&service).cloned() else {
            let err = ServiceError::bad_request(
                "UnsupportedService",
                format!(
                    "nimbus does not serve the '{service}' service yet. It serves: {}.",
                    self.served_list()
                ),
            );
            return (
                render(protocol, ErrorStyle::default(), &err, request_id, false),
                protocol,
            );
        };
        let style = svc.error_style();
        let fail = |err: &ServiceError| {
            render(
                protocol,
                style,
                err,
                request_id,
                parts.method == Method::HEAD,
            )
        };

        // The caller's account. Browsers never sign CORS preflights: an unsigned `OPTIONS`
        // to S3 is answered (from the bucket's CORS rules) in the default account.
        // Likewise a browser-form upload (S3 `PostObject`) carries its credential and
        // signature in the form: S3 verifies them (and its policy) itself.
        let preflight =
            service == ServiceId::S3 && parts.method == Method::OPTIONS && sig.is_none();
        let form_upload = service == ServiceId::S3
            && parts.method == Method::POST
            && sig.is_none()
            && parts
                .headers
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| {
                    v.trim_start()
                        .get(..19)
                        .is_some_and(|p| p.eq_ignore_ascii_case("multipart/form-data"))
                });
        let identified = if preflight || form_upload {
            Ok((self.auth.default_account.clone(), None))
        } else if let Some(v2) = &sig_v2 {
            self.auth.identify_key(Some(&v2.access_key))
        } else {
            self.auth.identify(sig.as_ref())
        };
        let (account, creds) = match (identified, &sig_v2) {
            (Ok(x), _) => x,
            (Err(AuthError::UnknownAccessKey(_)), Some(v2)) => {
                let err = sigv2::Sigv2Error::InvalidAccessKeyId {
                    access_key: v2.access_key.clone(),
                };
                return (fail(&err.to_service_error()), protocol);
            }
            (Err(e), _) => return (fail(&e.to_service_error(Some(service))), protocol),
        };
        let host = parts
            .headers
            .get(http::header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| parts.uri.authority().map(|a| a.to_string()))
            .unwrap_or_else(|| "localhost".into());

        // Strict mode, SigV2: checked before the body is read (it signs no body hash); the
        // canonical resource names the bucket the `Host` names, as S3's addressing reads it.
        if let (Some(v2), Some(creds)) = (&sig_v2, creds) {
            let bucket = nimbus_wire::virtual_host::bucket_from_host(&host);
            let now = self.clock.now_millis();
            let (method, uri, headers) = (&parts.method, &parts.uri, &parts.headers);
            if let Err(e) = sigv2::verify(v2, method, uri, headers, bucket, &creds.secret_key, now)
            {
                return (fail(&e.to_service_error()), protocol);
            }
        }

        // The body, as the service wants it.
        let body = match (buffered, body, svc.body_limit()) {
            (Some(b), _, _) => RequestBody::Full(b),
            (None, None, _) => RequestBody::Full(Bytes::new()),
            (None, Some(body), BodyLimit::Buffer(max)) => {
                let too_long = parts
                    .headers
                    .get(http::header::CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .is_some_and(|n| n > max as u64);
                if too_long {
                    return (fail(&svc.body_too_large()), protocol);
                }
                match read_body(body, max).await {
                    Ok(b) => RequestBody::Full(b),
                    Err(e) if e.status == StatusCode::PAYLOAD_TOO_LARGE => {
                        return (fail(&svc.body_too_large()), protocol);
                    }
                    Err(e) => return (fail(&e), protocol),
                }
            }
            (None, Some(body), BodyLimit::Stream) => {
                RequestBody::Stream(body.map_err(Into::into).boxed_unsync())
            }
        };

        // Strict mode: the signature must match; a signed streaming body's chunks are then
        // verified by the service with the verifier seeded here.
        let mut chunk_verifier = None;
        if let (Some(sig), Some(creds)) = (sig.as_ref(), creds) {
            let payload_hash = match parts
                .headers
                .get("x-amz-content-sha256")
                .and_then(|v| v.to_str().ok())
            {
                Some(h) => h.to_owned(),
                None => match (&body, &sig.location, service) {
                    (_, Location::Query { .. }, ServiceId::S3) | (RequestBody::Stream(_), _, _) => {
                        "UNSIGNED-PAYLOAD".to_owned()
                    }
                    (RequestBody::Full(b), _, _) => hex::encode(Sha256::digest(b)),
                },
            };
            if let Err(e) = auth::verify(sig, creds, &parts, &payload_hash, self.clock.now_millis())
            {
                return (fail(&e.to_service_error(Some(service))), protocol);
            }
            if payload_hash.starts_with(sigv4::STREAMING_PAYLOAD) {
                match sigv4::ChunkVerifier::for_request(sig, &parts.headers, &creds.secret_key) {
                    Ok(v) => chunk_verifier = Some(v),
                    Err(e) => return (fail(&e.to_service_error(Some(service))), protocol),
                }
            }
        }

        let form = if protocol == Protocol::AwsQuery {
            Some(QueryParams::parse(parts.uri.query(), body.bytes()))
        } else {
            None
        };
        let region = sig
            .as_ref()
            .map(|s| s.credential.region.clone())
            .filter(|r| nimbus_core::account::is_valid_region(r))
            .unwrap_or_else(|| self.region.clone());
        let ctx = RequestContext {
            request_id: request_id.to_owned(),
            account,
            region,
            access_key: sig
                .as_ref()
                .map(|s| s.credential.access_key.clone())
                .or_else(|| sig_v2.as_ref().map(|s| s.access_key.clone())),
            host,
            source_ip: peer.ip(),
        };
        let request = Request {
            ctx,
            protocol,
            method: parts.method,
            uri: parts.uri,
            headers: parts.headers,
            body,
            form,
            chunk_verifier,
        };
        if let Some(op) = request.operation() {
            tracing::Span::current().record("operation", op);
        }
        (svc.handle(request).await, protocol)
    }

    fn protocol_of(&self, route: &Route) -> (Option<ServiceId>, Protocol) {
        match route {
            Route::Service(s, p) => (Some(*s), *p),
            Route::QueryByAction => (None, Protocol::AwsQuery),
            Route::Unserved { protocol, .. } => (None, *protocol),
        }
    }

    fn error(
        &self,
        svc: Option<ServiceId>,
        protocol: Protocol,
        err: &ServiceError,
        request_id: &str,
        method: &Method,
    ) -> Response {
        let style = svc
            .and_then(|s| self.services.get(&s))
            .map(|s| s.error_style())
            .unwrap_or_default();
        render(protocol, style, err, request_id, *method == Method::HEAD)
    }
}

/// Reads a whole body, refusing more than `max` bytes with a 413.
async fn read_body<B>(body: B, max: usize) -> Result<Bytes, ServiceError>
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    match Limited::new(body, max).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) => {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                Err(ServiceError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "RequestEntityTooLarge",
                    "Request body is too large",
                ))
            } else {
                Err(ServiceError::bad_request(
                    "IncompleteBody",
                    format!("Could not read the request body: {e}"),
                ))
            }
        }
    }
}
