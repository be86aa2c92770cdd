//! Response bodies.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full, combinators::UnsyncBoxBody};

/// Errors carried by bodies.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The body of every response nimbus sends: buffered or streamed.
pub type Body = UnsyncBoxBody<Bytes, BoxError>;

/// A response as services return it.
pub type Response = http::Response<Body>;

/// A body holding `bytes`.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// An empty body.
pub fn empty() -> Body {
    Empty::new().map_err(|never| match never {}).boxed_unsync()
}

/// A response with `status`, a `content-type` and a buffered body.
pub fn response(status: http::StatusCode, content_type: &str, bytes: impl Into<Bytes>) -> Response {
    let mut r = http::Response::new(full(bytes));
    *r.status_mut() = status;
    if let Ok(v) = http::HeaderValue::from_str(content_type) {
        r.headers_mut().insert(http::header::CONTENT_TYPE, v);
    }
    r
}
