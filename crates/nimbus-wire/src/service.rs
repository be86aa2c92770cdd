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
}

impl ServiceId {
    /// Every service id, in display order.
    pub const ALL: [ServiceId; 6] = [
        ServiceId::S3,
        ServiceId::Sqs,
        ServiceId::Lambda,
        ServiceId::Logs,
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
            _ => None,
        }
    }
}

/// How the gateway should read a service's request bodies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyLimit {
    /// Buffer the body whole, up to this many bytes; larger requests are refused with the
    /// service's [`Service::body_too_large`] error before the service sees them.
    Buffer(usize),
    /// Hand the body over as a stream.
    Stream,
}

/// A service the gateway can route to.
#[async_trait]
pub trait Service: Send + Sync + 'static {
    /// Which service this is.
    fn id(&self) -> ServiceId;

    /// How the gateway reads bodies for this service.
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

    /// How errors are rendered for this service on `protocol` (JSON `__type` namespace and
    /// awsQuery XML namespace).
    fn error_style(&self) -> crate::error::ErrorStyle {
        crate::error::ErrorStyle::default()
    }

    /// Answers one request. Errors are rendered into the response by the service itself
    /// (through [`crate::error::render`]); this never fails.
    async fn handle(&self, req: Request) -> Response;

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

/// Put into a response's extensions by REST services to name the operation they ran, so the
/// gateway's request span can record it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OperationName(pub &'static str);
