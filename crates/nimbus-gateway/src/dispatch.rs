//! From an HTTP request to a service's response.

// Each step's error is the rare path, rendered at once by `Gateway::route`: boxing it would
// cost an allocation per error for nothing on the success path.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode};
use http_body_util::{BodyExt, Limited};
use nimbus_core::bus::identity::IdentityDirectory;
use nimbus_core::{RequestContext, SharedClock};
use nimbus_wire::error::render;
use nimbus_wire::query::QueryParams;
use nimbus_wire::sigv2;
use nimbus_wire::sigv4::{self, AuthError, Location};
use nimbus_wire::{
    Auth, BodyLimit, BoxError, OpInfo, Protocol, Request, RequestBody, RequestHead, Response,
    Service, ServiceError, ServiceId,
};
use sha2::{Digest, Sha256};
use tracing::Instrument;

use crate::auth::{self, AuthConfig, Callers, Identity};
use crate::health::{self, HealthReport};
use crate::route::{self, Route, Routes};

/// Largest body read to find an awsQuery request's `Action` before its service is known.
const QUERY_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// The content type of Prometheus's text exposition format.
const PROMETHEUS_CONTENT_TYPE: &str = "text/plain; version=0.0.4";

/// Routes requests to the services it was built with.
pub struct Gateway {
    services: BTreeMap<ServiceId, Arc<dyn Service>>,
    routes: Routes,
    auth: AuthConfig,
    /// IAM and STS's sessions and identity policies, when IAM runs.
    identities: Option<Arc<dyn IdentityDirectory>>,
    callers: Callers,
    region: String,
    clock: SharedClock,
    started: Instant,
}

impl Gateway {
    /// A gateway serving `services`.
    pub fn new(
        services: Vec<Arc<dyn Service>>,
        auth: AuthConfig,
        identities: Option<Arc<dyn IdentityDirectory>>,
        region: String,
        clock: SharedClock,
    ) -> Gateway {
        let routes = Routes::new(services.iter().map(|s| (s.id(), s.bindings())));
        Gateway {
            services: services.into_iter().map(|s| (s.id(), s)).collect(),
            routes,
            auth,
            identities,
            callers: Callers::default(),
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
        if let Some(resp) = self.health(&parts) {
            return (resp, Protocol::RestJson1);
        }
        let is_head = parts.method == Method::HEAD;
        match self.serve(parts, body, peer, request_id).await {
            Ok(answer) => answer,
            // The one place an error on the way to, or from, a service is rendered.
            Err(Refusal {
                err,
                service,
                protocol,
            }) => {
                let style = service
                    .and_then(|s| self.services.get(&s))
                    .map(|s| s.error_style(&err))
                    .unwrap_or_default();
                (render(protocol, style, &err, request_id, is_head), protocol)
            }
        }
    }

    /// The health endpoints and `/_nimbus/metrics`, answered by the gateway itself.
    fn health(&self, parts: &http::request::Parts) -> Option<Response> {
        let path = parts.uri.path();
        if path == "/_nimbus/metrics" && matches!(parts.method, Method::GET | Method::HEAD) {
            return Some(self.prometheus());
        }
        if !matches!(parts.method, Method::GET | Method::HEAD)
            || (path != "/_nimbus/health" && path != "/_localstack/health")
        {
            return None;
        }
        let report = HealthReport {
            version: env!("CARGO_PKG_VERSION"),
            uptime_secs: self.started.elapsed().as_secs(),
            services: self
                .services
                .iter()
                .map(|(id, s)| (*id, s.health()))
                .collect(),
        };
        Some(if path == "/_nimbus/health" {
            health::nimbus(&report)
        } else {
            health::localstack(&report)
        })
    }

    /// `GET /_nimbus/metrics`: every service's series in Prometheus's text format.
    fn prometheus(&self) -> Response {
        let text: String = self
            .services
            .values()
            .filter_map(|s| s.prometheus_text())
            .collect();
        nimbus_wire::body::response(StatusCode::OK, PROMETHEUS_CONTENT_TYPE, text)
    }

    /// The steps from a request to its service's answer: route → classify → identify →
    /// read_body → verify → call. Each step's error is returned, rendered by the caller.
    async fn serve<B>(
        &self,
        parts: http::request::Parts,
        body: B,
        peer: SocketAddr,
        request_id: &str,
    ) -> Result<(Response, Protocol), Refusal>
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let sigs = self.signatures(&parts)?;
        let host = host_of(&parts);
        let (svc, protocol, body, form) = self.route_to_service(&parts, &sigs, body).await?;
        let service = svc.id();
        let refuse = |err: ServiceError| Refusal {
            err,
            service: Some(service),
            protocol,
        };
        let op = self
            .classify(&*svc, protocol, &parts, &host, form.as_ref())
            .map_err(refuse)?;
        let received_millis = self.clock.now_millis();
        let identity = self
            .identify(op.auth, &sigs, &parts, &host, service, received_millis)
            .map_err(refuse)?;
        let body = read_body(body, op.body, &parts, &*svc)
            .await
            .map_err(refuse)?;
        let chunk_verifier = match op.auth {
            // Its signature, if any, was ignored.
            Auth::Anonymous => None,
            _ => self
                .verify(&sigs, identity.secret.as_deref(), &parts, &body, service)
                .map_err(refuse)?,
        };
        // Signed as sent; the service reads it inflated (an awsQuery form was read inflated
        // when it was routed).
        let body = if protocol == Protocol::AwsQuery {
            body
        } else {
            inflate_body(body, op.body, &parts, &*svc).map_err(refuse)?
        };
        let (sig, sig_v2) = sigs;
        let region = sig
            .as_ref()
            .map(|s| s.credential.region.clone())
            .filter(|r| nimbus_core::account::is_valid_region(r))
            .unwrap_or_else(|| self.region.clone());
        let ctx = RequestContext {
            request_id: request_id.to_owned(),
            account: identity.account,
            caller: identity.caller,
            received_millis,
            region,
            access_key: sig
                .map(|s| s.credential.access_key)
                .or_else(|| sig_v2.map(|s| s.access_key)),
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
        let resp = svc.call(op, request).await.map_err(refuse)?;
        Ok((resp, protocol))
    }

    /// The request's signatures: S3's Signature Version 2 (`Authorization: AWS ...`,
    /// presigned `AWSAccessKeyId`) for requests that route to S3, else SigV4. In strict mode
    /// a malformed one is refused; otherwise it is only a hint for routing and accounts.
    fn signatures(&self, parts: &http::request::Parts) -> Result<Signatures, Refusal> {
        let strict = self.auth.mode == auth::AuthMode::Strict;
        let (method, uri, headers) = (&parts.method, &parts.uri, &parts.headers);
        let sig_v2 = match sigv2::parse(uri, headers) {
            Ok(None) => None,
            found => match self.routes.classify(method, uri, headers, None) {
                Route::Service(ServiceId::S3, protocol) => match found {
                    Ok(s) => s,
                    Err(e) if strict => {
                        return Err(Refusal {
                            err: e.to_service_error(),
                            service: Some(ServiceId::S3),
                            protocol,
                        });
                    }
                    Err(_) => None,
                },
                _ => None,
            },
        };
        if sig_v2.is_some() {
            return Ok((None, sig_v2));
        }
        match sigv4::parse(uri, headers) {
            Ok(sig) => Ok((sig, None)),
            Err(e) if strict => {
                let route = self.routes.classify(method, uri, headers, None);
                let (service, protocol) = protocol_of(&route);
                Err(Refusal {
                    err: e.to_service_error(service),
                    service,
                    protocol,
                })
            }
            Err(_) => Ok((None, None)),
        }
    }

    /// Step 1, route: the service and protocol. An awsQuery request's form is read here
    /// (its `Action` names the operation, and the service when no scope does).
    async fn route_to_service<B>(
        &self,
        parts: &http::request::Parts,
        sigs: &Signatures,
        body: B,
    ) -> Result<(Arc<dyn Service>, Protocol, Pending<B>, Option<QueryParams>), Refusal>
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let scope = sigs.0.as_ref().map(|s| s.credential.service.as_str());
        let route = self
            .routes
            .classify(&parts.method, &parts.uri, &parts.headers, scope);
        let query_refusal = |err| Refusal {
            err,
            service: None,
            protocol: Protocol::AwsQuery,
        };
        let (service, protocol, body) = match route {
            Route::Service(s, p) => (s, p, Pending::Unread(body)),
            Route::Unserved { name, protocol } => {
                return Err(Refusal {
                    err: ServiceError::bad_request(
                        "UnsupportedService",
                        format!(
                            "nimbus does not serve the '{name}' service. It serves: {}.",
                            self.served_list()
                        ),
                    ),
                    service: None,
                    protocol,
                });
            }
            Route::QueryByAction => {
                let bytes = collect(body, QUERY_BODY_LIMIT)
                    .await
                    .map_err(query_refusal)?;
                let form_bytes = if is_gzip(&parts.headers) {
                    inflate(&bytes, QUERY_BODY_LIMIT).map_err(query_refusal)?
                } else {
                    bytes.clone()
                };
                let action = parts
                    .uri
                    .query()
                    .and_then(|q| route::form_urlencoded_action(q.as_bytes()))
                    .or_else(|| route::form_urlencoded_action(&form_bytes));
                match (
                    action,
                    action.and_then(|a| self.routes.service_for_action(a)),
                ) {
                    (_, Some(s)) => (s, Protocol::AwsQuery, Pending::Read(bytes)),
                    (None, None) => {
                        return Err(query_refusal(ServiceError::bad_request(
                            "MissingAction",
                            "The request must contain the parameter Action.",
                        )));
                    }
                    (Some(a), None) => {
                        return Err(query_refusal(ServiceError::bad_request(
                            "InvalidAction",
                            format!(
                                "The action {a} is not valid for this endpoint. nimbus serves: {}.",
                                self.served_list()
                            ),
                        )));
                    }
                }
            }
        };
        tracing::Span::current().record("service", service.signing_name());
        let Some(svc) = self.services.get(&service).cloned() else {
            return Err(Refusal {
                err: ServiceError::bad_request(
                    "UnsupportedService",
                    format!(
                        "nimbus does not serve the '{service}' service yet. It serves: {}.",
                        self.served_list()
                    ),
                ),
                service: None,
                protocol,
            });
        };
        if protocol != Protocol::AwsQuery {
            return Ok((svc, protocol, body, None));
        }
        let limit = match svc.body_limit() {
            BodyLimit::Buffer(max) => BodyLimit::Buffer(max),
            BodyLimit::Stream => BodyLimit::Buffer(QUERY_BODY_LIMIT),
        };
        let body = read_body(body, limit, parts, &*svc)
            .await
            .map_err(|err| Refusal {
                err,
                service: Some(service),
                protocol,
            })?;
        let inflated;
        let form_bytes = if svc.bindings().request_compression && is_gzip(&parts.headers) {
            let max = match limit {
                BodyLimit::Buffer(max) => max,
                BodyLimit::Stream => QUERY_BODY_LIMIT,
            };
            inflated = inflate(body.bytes(), max).map_err(|e| Refusal {
                err: if e.status == StatusCode::PAYLOAD_TOO_LARGE {
                    svc.body_too_large()
                } else {
                    e
                },
                service: Some(service),
                protocol,
            })?;
            &inflated[..]
        } else {
            body.bytes()
        };
        let form = QueryParams::parse(parts.uri.query(), form_bytes);
        let bytes = match body {
            RequestBody::Full(b) => b,
            RequestBody::Stream(_) => Bytes::new(),
        };
        Ok((svc, protocol, Pending::Read(bytes), Some(form)))
    }

    /// Step 2, classify: the service names the operation, its auth rule and body limit.
    fn classify(
        &self,
        svc: &dyn Service,
        protocol: Protocol,
        parts: &http::request::Parts,
        host: &str,
        form: Option<&QueryParams>,
    ) -> Result<OpInfo, ServiceError> {
        let operation = match protocol {
            Protocol::AwsJson1_0 | Protocol::AwsJson1_1 => parts
                .headers
                .get("x-amz-target")
                .and_then(|v| v.to_str().ok())
                .and_then(|t| t.rsplit_once('.').map(|(_, op)| op)),
            Protocol::AwsQuery => form.and_then(|f| f.get("Action")),
            Protocol::RpcV2Cbor => {
                nimbus_wire::cbor::path_operation(parts.uri.path()).map(|(_, op)| op)
            }
            _ => None,
        };
        let head = RequestHead {
            protocol,
            method: &parts.method,
            uri: &parts.uri,
            headers: &parts.headers,
            host,
            operation,
        };
        let op = svc.classify(&head)?;
        tracing::Span::current().record("operation", op.name);
        Ok(op)
    }

    /// Step 3, identify: the caller's account (and, in strict mode, its secret) as the
    /// operation's [`Auth`] asks. An unsigned request to an anonymous, form-signed or
    /// signed-or-anonymous operation acts as the anonymous caller in strict mode, in the
    /// default account otherwise; an anonymous operation's signature is ignored. SigV2 signs no body hash, so strict mode checks
    /// it here, before the body is read; its canonical resource names the bucket the `Host`
    /// names, as S3's addressing reads it.
    fn identify(
        &self,
        auth: Auth,
        sigs: &Signatures,
        parts: &http::request::Parts,
        host: &str,
        service: ServiceId,
        now: u64,
    ) -> Result<Identity<'_>, ServiceError> {
        // An anonymous operation (a CORS preflight) ignores any signature it carries.
        let (sig, sig_v2) = match auth {
            Auth::Anonymous => (&None, &None),
            _ => (&sigs.0, &sigs.1),
        };
        let unsigned = sig.is_none() && sig_v2.is_none();
        if unsigned
            && !matches!(
                auth,
                Auth::Anonymous | Auth::FormSigned | Auth::SignedOrAnonymous
            )
        {
            // Refused in strict mode (no token), the default account otherwise.
            self.auth
                .identify(None)
                .map_err(|e| e.to_service_error(Some(service)))?;
        }
        let key = match (sig, sig_v2) {
            (Some(s), _) => Some(s.credential.access_key.as_str()),
            (None, Some(v2)) => Some(v2.access_key.as_str()),
            (None, None) => None,
        };
        let token = security_token(parts);
        let identified = self.auth.resolve(
            key,
            token.as_deref(),
            self.identities.as_deref(),
            &self.callers,
            now,
        );
        let identity = match (identified, sig_v2) {
            (Ok(x), _) => x,
            (Err(AuthError::UnknownAccessKey(_)), Some(v2)) => {
                let err = sigv2::Sigv2Error::InvalidAccessKeyId {
                    access_key: v2.access_key.clone(),
                };
                return Err(err.to_service_error());
            }
            (Err(e), _) => return Err(e.to_service_error(Some(service))),
        };
        if let (Some(v2), Some(secret)) = (sig_v2, identity.secret.as_deref()) {
            let bucket = nimbus_wire::virtual_host::bucket_from_host(host);
            let (method, uri, headers) = (&parts.method, &parts.uri, &parts.headers);
            if let Err(e) = sigv2::verify(v2, method, uri, headers, bucket, secret, now) {
                return Err(e.to_service_error());
            }
        }
        Ok(identity)
    }

    /// Step 5, verify (strict mode): the SigV4 signature must match; a signed streaming
    /// body's chunks are then verified by the service with the verifier seeded here.
    fn verify(
        &self,
        sigs: &Signatures,
        secret: Option<&str>,
        parts: &http::request::Parts,
        body: &RequestBody,
        service: ServiceId,
    ) -> Result<Option<sigv4::ChunkVerifier>, ServiceError> {
        let (Some(sig), Some(secret)) = (sigs.0.as_ref(), secret) else {
            return Ok(None);
        };
        let payload_hash = match parts
            .headers
            .get("x-amz-content-sha256")
            .and_then(|v| v.to_str().ok())
        {
            Some(h) => h.to_owned(),
            None => match (body, &sig.location, service) {
                (_, Location::Query { .. }, ServiceId::S3) | (RequestBody::Stream(_), _, _) => {
                    "UNSIGNED-PAYLOAD".to_owned()
                }
                (RequestBody::Full(b), _, _) => hex::encode(Sha256::digest(b)),
            },
        };
        let now = self.clock.now_millis();
        if let Err(e) = auth::verify(sig, secret, parts, &payload_hash, now) {
            return Err(e.to_service_error(Some(service)));
        }
        if !payload_hash.starts_with(sigv4::STREAMING_PAYLOAD) {
            return Ok(None);
        }
        sigv4::ChunkVerifier::for_request(sig, &parts.headers, secret)
            .map(Some)
            .map_err(|e| e.to_service_error(Some(service)))
    }
}

/// The SigV4 signature and S3's SigV2 one a request carries (at most one is `Some`).
type Signatures = (Option<sigv4::Signature>, Option<sigv2::Signature>);

/// An error on the way to (or from) a service, with what renders it.
struct Refusal {
    err: ServiceError,
    /// The service whose error style renders it, when known.
    service: Option<ServiceId>,
    protocol: Protocol,
}

/// A body not yet read, or read early (awsQuery's form).
enum Pending<B> {
    Unread(B),
    Read(Bytes),
}

fn protocol_of(route: &Route) -> (Option<ServiceId>, Protocol) {
    match route {
        Route::Service(s, p) => (Some(*s), *p),
        Route::QueryByAction => (None, Protocol::AwsQuery),
        Route::Unserved { protocol, .. } => (None, *protocol),
    }
}

/// The session token of temporary credentials: `X-Amz-Security-Token`, as a header or (in a
/// presigned URL) a query parameter.
fn security_token(parts: &http::request::Parts) -> Option<std::borrow::Cow<'_, str>> {
    if let Some(v) = parts.headers.get("x-amz-security-token") {
        return v.to_str().ok().map(std::borrow::Cow::Borrowed);
    }
    let query = parts.uri.query()?;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        k.eq_ignore_ascii_case("X-Amz-Security-Token")
            .then(|| percent_encoding::percent_decode_str(v).decode_utf8_lossy())
    })
}

/// The `Host` the client used.
fn host_of(parts: &http::request::Parts) -> String {
    parts
        .headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .unwrap_or_else(|| "localhost".into())
}

/// Step 4, read_body: the body as the operation wants it. A body over a buffer limit is
/// refused with the service's own error, by `Content-Length` before reading when it is
/// declared. A body already read (awsQuery) is handed over as it is.
async fn read_body<B>(
    body: Pending<B>,
    limit: BodyLimit,
    parts: &http::request::Parts,
    svc: &dyn Service,
) -> Result<RequestBody, ServiceError>
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let body = match body {
        Pending::Read(b) => return Ok(RequestBody::Full(b)),
        Pending::Unread(b) => b,
    };
    match limit {
        BodyLimit::Buffer(max) => {
            let too_long = parts
                .headers
                .get(http::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .is_some_and(|n| n > max as u64);
            if too_long {
                return Err(svc.body_too_large());
            }
            match collect(body, max).await {
                Ok(b) => Ok(RequestBody::Full(b)),
                Err(e) if e.status == StatusCode::PAYLOAD_TOO_LARGE => Err(svc.body_too_large()),
                Err(e) => Err(e),
            }
        }
        BodyLimit::Stream => Ok(RequestBody::Stream(body.map_err(Into::into).boxed_unsync())),
    }
}

/// Whether the body is `Content-Encoding: gzip`.
fn is_gzip(headers: &http::HeaderMap) -> bool {
    headers
        .get_all(http::header::CONTENT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case("gzip"))
}

/// A buffered body inflated, when it is gzip and the service declares request compression;
/// more than the operation's limit once inflated is the service's "too large" error (a
/// bomb is refused after `max` bytes, never inflated whole).
fn inflate_body(
    body: RequestBody,
    limit: BodyLimit,
    parts: &http::request::Parts,
    svc: &dyn Service,
) -> Result<RequestBody, ServiceError> {
    let (RequestBody::Full(bytes), BodyLimit::Buffer(max)) = (&body, limit) else {
        return Ok(body);
    };
    if !svc.bindings().request_compression || !is_gzip(&parts.headers) {
        return Ok(body);
    }
    match inflate(bytes, max) {
        Ok(b) => Ok(RequestBody::Full(b)),
        Err(e) if e.status == StatusCode::PAYLOAD_TOO_LARGE => Err(svc.body_too_large()),
        Err(e) => Err(e),
    }
}

/// Inflates a gzip body of at most `max` bytes once inflated: a 413 past it, a 400 for
/// data that is not gzip.
fn inflate(bytes: &[u8], max: usize) -> Result<Bytes, ServiceError> {
    use std::io::Read;
    let mut out = Vec::new();
    let mut decoder = flate2::read::MultiGzDecoder::new(bytes).take(max as u64 + 1);
    if let Err(e) = decoder.read_to_end(&mut out) {
        return Err(ServiceError::bad_request(
            "InvalidRequest",
            format!("The request body is not valid gzip: {e}"),
        ));
    }
    if out.len() > max {
        return Err(ServiceError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            "Request body is too large",
        ));
    }
    Ok(Bytes::from(out))
}

/// Reads a whole body, refusing more than `max` bytes with a 413.
async fn collect<B>(body: B, max: usize) -> Result<Bytes, ServiceError>
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn inflates_within_the_limit_and_refuses_bombs() {
        let body = gzip(b"{\"Namespace\":\"x\"}");
        assert_eq!(&inflate(&body, 100).unwrap()[..], b"{\"Namespace\":\"x\"}");
        // 64 MiB of zeros is ~64 KiB compressed: refused after the limit, not inflated whole.
        let bomb = gzip(&vec![0u8; 64 << 20]);
        assert!(bomb.len() < 1 << 20);
        let e = inflate(&bomb, 1 << 20).unwrap_err();
        assert_eq!(e.status, StatusCode::PAYLOAD_TOO_LARGE);
        let e = inflate(b"not gzip", 100).unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn gzip_is_read_from_the_encoding_list() {
        let mut h = http::HeaderMap::new();
        assert!(!is_gzip(&h));
        h.insert(http::header::CONTENT_ENCODING, "GZIP".parse().unwrap());
        assert!(is_gzip(&h));
        h.insert(
            http::header::CONTENT_ENCODING,
            "aws-chunked, gzip".parse().unwrap(),
        );
        assert!(is_gzip(&h));
    }
}
