//! awsJson 1.0 / 1.1 and restJson1 bodies.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Protocol, Response, ServiceError, body};

/// Parses a JSON request body. An empty body reads as `{}`, as AWS's JSON services accept.
/// Malformed JSON or a shape mismatch is AWS's `SerializationException`.
#[allow(clippy::result_large_err)] // ServiceError is every service's error type; errors are the cold path
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ServiceError> {
    let bytes: &[u8] = if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        b"{}"
    } else {
        bytes
    };
    serde_json::from_slice(bytes).map_err(|e| {
        ServiceError::bad_request(
            "SerializationException",
            format!("Could not parse request body: {e}"),
        )
    })
}

/// A 200 response with `value` serialised as JSON, with the protocol's content type.
pub fn ok<T: Serialize>(protocol: Protocol, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => body::response(http::StatusCode::OK, protocol.content_type(), bytes),
        Err(e) => body::response(
            http::StatusCode::INTERNAL_SERVER_ERROR,
            protocol.content_type(),
            format!("{{\"__type\":\"InternalFailure\",\"message\":\"{e}\"}}"),
        ),
    }
}

/// A response with `status` and `value` serialised as JSON (restJson1).
pub fn with_status<T: Serialize>(status: http::StatusCode, value: &T) -> Response {
    let bytes = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    body::response(status, "application/json", bytes)
}
