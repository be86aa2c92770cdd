//! The contract between the gateway and a service.

use async_trait::async_trait;
use bytes::Bytes;
use http::{HeaderMap, Method, Uri};
use http_body_util::combinators::UnsyncBoxBody;
use nimbus_core::RequestContext;

use crate::{BoxError, Protocol, Response};

/// The services nimbus can serve, by their SigV4 signing names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ServiceId {
    /// Amazon SQS (`sqs`).
    Sqs,
    /// Amazon S3 (`s3`).
    S3,
    /// AWS Lambda (`lambda`).
    Lambda,
    /// AWS STS (`sts`).
    Sts,
    /// AWS IAM (`iam`).
    Iam,
    /// Amazon CloudWatch Logs (`logs`).
    Logs,
    /// Amazon CloudWatch metrics and alarms (`monitoring`).
    CloudWatch,
}

impl ServiceId {
    /// Every service id, in display order.
    pub const ALL: [ServiceId; 7] = [
        ServiceId::S3,
        ServiceId::Sqs,
        ServiceId::Lambda,
        ServiceId::Logs,
        ServiceId::CloudWatch,
        ServiceId::Iam,
        ServiceId::Sts,
    ];

    /// The SigV4 signing name (the service in the credential scope).
    pub fn signing_name(self) -> &'static str {
        match self {
            ServiceId::Sqs => "sqs",
            ServiceId::S3 => "s3",
            ServiceId::Lambda => "lambda",
            ServiceId::Sts => "sts",
            ServiceId::Iam => "iam",
            ServiceId::Logs => "logs",
            ServiceId::CloudWatch => "monitoring",
        }
    }

    /// The service a signing name stands for.
    pub fn from_signing_name(name: &str) -> Option<ServiceId> {
        ServiceId::ALL
            .into_iter()
            .find(|s| s.signing_name() == name)
    }
}

impl std::fmt::Display for ServiceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.signing_name())
    }
}

/// A request body as it reaches a service.
pub enum RequestBody {
    /// Read whole by the gateway (every service except S3 object bodies).
    Full(Bytes),
    /// Still streaming from the client (S3 uploads).
    Stream(UnsyncBoxBody<Bytes, BoxError>),
}

impl RequestBody {
    /// The buffered bytes, or empty for a stream.
    pub fn bytes(&self) -> &[u8] {
        match self {
            RequestBody::Full(b) => b,
            RequestBody::Stream(_) => &[],
        }
    }
}

/// A request routed to a service.
pub struct Request {
    /// What the gateway established: request id, account, region, host.
    pub ctx: RequestContext,
    /// The protocol the client spoke.
    pub protocol: Protocol,
    /// The HTTP method.
    pub method: Method,
    /// The request target.
    pub uri: Uri,
    /// The request headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: RequestBody,
    /// For awsQuery requests, the form fields (body and query string merged); for awsJson
    /// requests, empty.
    pub form: Option<crate::query::QueryParams>,
    /// In strict mode, for a verified `STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]` body: the
    /// verifier of its chunk and trailer signatures, seeded with the request's signature.
    pub chunk_verifier: Option<crate::sigv4::ChunkVerifier>,
}

impl Request {
    /// The request's head, as [`Service::classify`] reads it.
    pub fn head(&self) -> RequestHead<'_> {
        RequestHead {
            protocol: self.protocol,
            method: &self.method,
            uri: &self.uri,
            headers: &self.headers,
            host: &self.ctx.host,
            operation: self.operation(),
        }
    }

    /// For awsJson requests, the operation named by `X-Amz-Target` (after the dot); for
    /// awsQuery requests, the `Action` field.
    pub fn operation(&self) -> Option<&str> {
        match self.protocol {
            Protocol::AwsJson1_0 | Protocol::AwsJson1_1 => self
                .headers
                .get("x-amz-target")
                .and_then(|v| v.to_str().ok())
                .and_then(|t| t.rsplit_once('.').map(|(_, op)| op)),
            Protocol::AwsQuery => self.form.as_ref().and_then(|f| f.get("Action")),
            Protocol::RpcV2Cbor => crate::cbor::path_operation(self.uri.path()).map(|(_, op)| op),
            _ => None,
        }
    }
}

/// How the gateway should read an operation's request body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyLimit {
    /// Buffer the body whole, up to this many bytes; larger requests are refused with the
    /// service's [`Service::body_too_large`] error before the service sees them.
    Buffer(usize),
    /// Hand the body over as a stream.
    Stream,
}

/// How the gateway establishes who sends an operation (garage's `authorization_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// The request must be signed (SigV4, or SigV2 where the service accepts it); in strict
    /// mode the signature is verified. Unsigned requests act in the default account without
    /// `--auth strict`.
    Signed,
    /// The request is never authenticated (S3's CORS preflight: browsers never sign it, and
    /// one sent to a presigned URL carries the URL's signature for another method): any
    /// signature is ignored; it acts as the anonymous caller under `--auth strict`, in the
    /// default account otherwise.
    Anonymous,
    /// Signed, or unsigned as the anonymous caller (S3's object and bucket operations, which
    /// a bucket policy or ACL may open to everyone): a signature is verified as for
    /// [`Auth::Signed`]; an unsigned request acts as `Caller::anonymous()` under
    /// `--auth strict` (the service decides whether anonymous may), in the default account
    /// otherwise.
    SignedOrAnonymous,
    /// The credential and signature travel in the body (S3's browser-form `PostObject`):
    /// the gateway lets an unsigned request through in the default account and the service
    /// verifies the form. A signed one is treated as [`Auth::Signed`].
    FormSigned,
}

/// What a service's [`Service::classify`] found a request to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpInfo {
    /// The operation's name in its API (`SendMessage`, `GetObject`), recorded on the
    /// request's span.
    pub name: &'static str,
    /// Who may send it.
    pub auth: Auth,
    /// How its body is read.
    pub body: BodyLimit,
    /// The operation's row in its service's table, so that [`Service::call`] finds it again
    /// without classifying twice.
    pub index: u16,
}

/// What a service may read to classify a request: everything but the body.
pub struct RequestHead<'a> {
    /// The protocol the client spoke.
    pub protocol: Protocol,
    /// The HTTP method.
    pub method: &'a Method,
    /// The request target.
    pub uri: &'a Uri,
    /// The request headers.
    pub headers: &'a HeaderMap,
    /// The `Host` the client used.
    pub host: &'a str,
    /// For awsJson requests, the operation `X-Amz-Target` names (after the dot); for
    /// awsQuery requests, the `Action` field (from the query string or the form body, which
    /// the gateway reads first for this); for Smithy RPC v2 CBOR, the path's last segment
    /// (`/service/<Service>/operation/<Op>`); `None` when the request names none.
    pub operation: Option<&'a str>,
}

/// Where a service's requests are found: the gateway asks every registered service and
/// holds no list of its own.
#[derive(Clone, Copy, Debug)]
pub struct Bindings {
    /// The protocol of a request whose credential scope names the service: a REST
    /// protocol always; otherwise awsQuery for form-encoded requests, else this one.
    pub protocol: Protocol,
    /// The `X-Amz-Target` prefix of an awsJson service (`AmazonSQS`) and its protocol.
    pub json_target: Option<(&'static str, Protocol)>,
    /// The REST path prefixes that are the service's (Lambda's `/2015-03-31/`…).
    pub rest_paths: &'static [&'static str],
    /// The awsQuery `Action`s the service answers (served or not-implemented), for
    /// requests without a credential scope.
    pub query_actions: &'static [&'static str],
    /// The Smithy service name of a service served on RPC v2 CBOR
    /// (`POST /service/<name>/operation/<Op>` with `smithy-protocol: rpc-v2-cbor`).
    pub rpc_v2_service: Option<&'static str>,
    /// Whether request bodies may come `Content-Encoding: gzip` (the model's
    /// `requestcompression`): the gateway then inflates them, bounded by the body limit.
    pub request_compression: bool,
}

impl Bindings {
    /// A service on `protocol` with no other binding.
    pub const fn new(protocol: Protocol) -> Bindings {
        Bindings {
            protocol,
            json_target: None,
            rest_paths: &[],
            query_actions: &[],
            rpc_v2_service: None,
            request_compression: false,
        }
    }
}

/// A service the gateway can route to. The gateway asks it two things per request
/// (garage's `ApiHandler`): which operation a request head is ([`Service::classify`]), and,
/// once it has applied that operation's [`Auth`] and read its body, the answer
/// ([`Service::call`]). Errors from either are rendered by the gateway, in one place, in
/// the service's [`Service::error_style`].
#[async_trait]
pub trait Service: Send + Sync + 'static {
    /// Which service this is.
    fn id(&self) -> ServiceId;

    /// Where the service's requests are found.
    fn bindings(&self) -> Bindings;

    /// How the gateway reads an awsQuery body to find its `Action` before classifying it
    /// (and the default [`OpInfo::body`] of a service's operations).
    fn body_limit(&self) -> BodyLimit {
        BodyLimit::Buffer(8 * 1024 * 1024)
    }

    /// The error for a body over [`BodyLimit::Buffer`].
    fn body_too_large(&self) -> crate::ServiceError {
        crate::ServiceError::new(
            http::StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            "Request body is too large",
        )
    }

    /// How `err` is rendered for this service (JSON `__type` namespace, awsQuery XML
    /// namespace, the spelling of the JSON message member).
    fn error_style(&self, _err: &crate::ServiceError) -> crate::error::ErrorStyle {
        crate::error::ErrorStyle::default()
    }

    /// Which operation a request is: its name, its authorization rule and its body limit.
    /// An error here (an unknown or malformed operation) is the answer.
    // The error is the rare path, rendered at once; boxing it would cost every error an
    // allocation for no gain on the `OpInfo` path.
    #[allow(clippy::result_large_err)]
    fn classify(&self, head: &RequestHead<'_>) -> Result<OpInfo, crate::ServiceError>;

    /// Answers one request classified as `op`.
    async fn call(&self, op: OpInfo, req: Request) -> Result<Response, crate::ServiceError>;

    /// Classifies and answers `req` as the gateway would after authenticating it, rendering
    /// an error (for tests that drive a service without the gateway).
    async fn handle(&self, req: Request) -> Response {
        let protocol = req.protocol;
        let request_id = req.ctx.request_id.clone();
        let is_head = req.method == Method::HEAD;
        let result = match self.classify(&req.head()) {
            Ok(op) => self.call(op, req).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(r) => r,
            Err(e) => {
                crate::error::render(protocol, self.error_style(&e), &e, &request_id, is_head)
            }
        }
    }

    /// The service's series in Prometheus's text format, for `GET /_nimbus/metrics`
    /// (CloudWatch's metric store); `None` for a service that keeps none.
    fn prometheus_text(&self) -> Option<String> {
        None
    }

    /// The state reported by the health endpoints (`running`, `available`…).
    fn health(&self) -> &'static str {
        "running"
    }

    /// Flushes storage and stops background work; called once on shutdown.
    async fn shutdown(&self) {}
}

/// Reads `method` and `uri` helpers that every REST service needs.
pub fn path_segments(uri: &Uri) -> impl Iterator<Item = &str> {
    uri.path().split('/').filter(|s| !s.is_empty())
}
