//! Service errors and the one place they are rendered for each protocol.
//!
//! Every service has its own error enum and maps it once, with `From`, into a
//! [`ServiceError`]; [`render`] turns that into the response AWS would send on the protocol
//! the client spoke.

use std::borrow::Cow;

use http::{HeaderName, HeaderValue, StatusCode};

use crate::{Protocol, Response, body, xml};

/// An error as it goes on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The error code: the Smithy shape name for JSON protocols (`QueueDoesNotExist`), the
    /// code for XML protocols (`NoSuchBucket`).
    pub code: Cow<'static, str>,
    /// The human-readable message.
    pub message: String,
    /// `Sender` (client) or `Receiver` (server) fault.
    pub sender_fault: bool,
    /// The legacy awsQuery code where it differs from `code`
    /// (`AWS.SimpleQueueService.NonExistentQueue`); used in awsQuery bodies and in the
    /// `x-amzn-query-error` header of awsJson responses.
    pub query_code: Option<Cow<'static, str>>,
    /// Extra fields: XML elements after `Message` for restXml (`BucketName`, `Key`…),
    /// JSON members for JSON protocols (Lambda's `Type`, `Reason`…).
    pub fields: Vec<(Cow<'static, str>, String)>,
    /// Extra response headers.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// For restXml: the `<Error>` goes inside an `<ErrorResponse>` with the `RequestId`
    /// beside it, as services without S3's `noErrorWrapping` (S3 Control) write errors.
    pub wrapped: bool,
}

impl ServiceError {
    /// A client (`Sender`) error.
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> ServiceError {
        ServiceError {
            status,
            code: code.into(),
            message: message.into(),
            sender_fault: status.is_client_error(),
            query_code: None,
            fields: Vec::new(),
            headers: Vec::new(),
            wrapped: false,
        }
    }

    /// A 400 `Sender` error.
    pub fn bad_request(
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> ServiceError {
        ServiceError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// A 500 `Receiver` error.
    pub fn internal(message: impl Into<String>) -> ServiceError {
        ServiceError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalFailure",
            message,
        )
    }

    /// Sets the legacy awsQuery code.
    pub fn with_query_code(mut self, code: impl Into<Cow<'static, str>>) -> ServiceError {
        self.query_code = Some(code.into());
        self
    }

    /// Adds an extra field.
    pub fn with_field(
        mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<String>,
    ) -> ServiceError {
        self.fields.push((name.into(), value.into()));
        self
    }

    /// Renders a restXml error inside `<ErrorResponse>` (see [`ServiceError::wrapped`]).
    pub fn wrapped(mut self) -> ServiceError {
        self.wrapped = true;
        self
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> ServiceError {
        self.headers.push((name, value));
        self
    }
}

impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.code,
            self.status.as_u16(),
            self.message
        )
    }
}

impl std::error::Error for ServiceError {}

/// How a service's errors are spelled on the wire.
#[derive(Clone, Copy, Debug, Default)]
pub struct ErrorStyle {
    /// Prefix of the JSON `__type` (`com.amazonaws.sqs` gives `com.amazonaws.sqs#QueueDoesNotExist`).
    pub json_namespace: Option<&'static str>,
    /// The `xmlns` of awsQuery `ErrorResponse` documents.
    pub query_xmlns: Option<&'static str>,
    /// Whether the JSON message member is spelled `Message` (Lambda) rather than `message`.
    pub json_capital_message: bool,
}

/// Renders `err` as the response AWS sends on `protocol`. `head` drops the body (HEAD
/// requests, and S3's 304).
pub fn render(
    protocol: Protocol,
    style: ErrorStyle,
    err: &ServiceError,
    request_id: &str,
    head: bool,
) -> Response {
    let (content_type, bytes) = match protocol {
        Protocol::AwsJson1_0 | Protocol::AwsJson1_1 | Protocol::RestJson1 => {
            let mut obj = serde_json::Map::new();
            let ty = match (protocol, style.json_namespace) {
                (Protocol::RestJson1, _) | (_, None) => err.code.to_string(),
                (_, Some(ns)) => format!("{ns}#{}", err.code),
            };
            if protocol != Protocol::RestJson1 {
                obj.insert("__type".into(), ty.into());
            }
            let msg_key = if style.json_capital_message {
                "Message"
            } else {
                "message"
            };
            obj.insert(msg_key.into(), err.message.clone().into());
            for (k, v) in &err.fields {
                obj.insert(k.to_string(), v.clone().into());
            }
            let ct = if protocol == Protocol::RestJson1 {
                "application/json"
            } else {
                protocol.content_type()
            };
            (ct, serde_json::Value::Object(obj).to_string().into_bytes())
        }
        Protocol::RpcV2Cbor => {
            let ty = match style.json_namespace {
                None => err.code.to_string(),
                Some(ns) => format!("{ns}#{}", err.code),
            };
            let fields: Vec<(&str, &str)> = err
                .fields
                .iter()
                .map(|(k, v)| (k.as_ref(), v.as_str()))
                .collect();
            (
                crate::cbor::CONTENT_TYPE,
                crate::cbor::error_body(&ty, &err.message, &fields),
            )
        }
        Protocol::AwsQuery => {
            let mut w = xml::Writer::new();
            w.open_ns(
                "ErrorResponse",
                style
                    .query_xmlns
                    .unwrap_or("http://webservices.amazon.com/AWSFault/2005-15-09"),
            );
            w.open("Error");
            w.elem(
                "Type",
                if err.sender_fault {
                    "Sender"
                } else {
                    "Receiver"
                },
            );
            w.elem("Code", err.query_code.as_deref().unwrap_or(&err.code));
            w.elem("Message", &err.message);
            for (k, v) in &err.fields {
                w.elem(k, v);
            }
            w.empty("Detail");
            w.close("Error");
            w.elem("RequestId", request_id);
            w.close("ErrorResponse");
            ("text/xml", w.finish().into_bytes())
        }
        Protocol::RestXml => {
            let mut w = xml::Writer::with_declaration();
            if err.wrapped {
                w.open("ErrorResponse");
            }
            w.open("Error");
            w.elem("Code", &err.code);
            w.elem("Message", &err.message);
            for (k, v) in &err.fields {
                w.elem(k, v);
            }
            if err.wrapped {
                w.close("Error");
            }
            w.elem("RequestId", request_id);
            // S3's extended request id (`x-amz-id-2`), which nimbus sets to the request id.
            w.elem("HostId", request_id);
            w.close(if err.wrapped {
                "ErrorResponse"
            } else {
                "Error"
            });
            ("application/xml", w.finish().into_bytes())
        }
    };
    let mut resp = if head || err.status == StatusCode::NOT_MODIFIED {
        let mut r = http::Response::new(body::empty());
        *r.status_mut() = err.status;
        r
    } else {
        body::response(err.status, content_type, bytes)
    };
    let h = resp.headers_mut();
    if protocol == Protocol::RpcV2Cbor {
        h.insert(
            crate::cbor::PROTOCOL_HEADER,
            HeaderValue::from_static(crate::cbor::PROTOCOL_VALUE),
        );
    }
    if matches!(
        protocol,
        Protocol::AwsJson1_0 | Protocol::AwsJson1_1 | Protocol::RpcV2Cbor
    ) && let Some(q) = &err.query_code
    {
        let fault = if err.sender_fault {
            "Sender"
        } else {
            "Receiver"
        };
        if let Ok(v) = HeaderValue::from_str(&format!("{q};{fault}")) {
            h.insert("x-amzn-query-error", v);
        }
    }
    if protocol == Protocol::RestJson1
        && let Ok(v) = HeaderValue::from_str(&err.code)
    {
        h.insert("x-amzn-errortype", v);
    }
    for (k, v) in &err.headers {
        h.insert(k.clone(), v.clone());
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn text(r: Response) -> String {
        String::from_utf8(r.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
    }

    #[tokio::test]
    async fn json_has_type_and_query_header() {
        let e =
            ServiceError::bad_request("QueueDoesNotExist", "The specified queue does not exist.")
                .with_query_code("AWS.SimpleQueueService.NonExistentQueue");
        let style = ErrorStyle {
            json_namespace: Some("com.amazonaws.sqs"),
            ..Default::default()
        };
        let r = render(Protocol::AwsJson1_0, style, &e, "rid", false);
        assert_eq!(r.status(), 400);
        assert_eq!(
            r.headers()["x-amzn-query-error"],
            "AWS.SimpleQueueService.NonExistentQueue;Sender"
        );
        let v: serde_json::Value = serde_json::from_str(&text(r).await).unwrap();
        assert_eq!(v["__type"], "com.amazonaws.sqs#QueueDoesNotExist");
        assert_eq!(v["message"], "The specified queue does not exist.");
    }

    #[tokio::test]
    async fn cbor_error_has_type_protocol_and_query_headers() {
        let e = ServiceError::bad_request("InvalidParameterValueException", "bad")
            .with_query_code("InvalidParameterValue");
        let style = ErrorStyle {
            json_namespace: Some("com.amazonaws.cloudwatch"),
            ..Default::default()
        };
        let r = render(Protocol::RpcV2Cbor, style, &e, "rid", false);
        assert_eq!(r.status(), 400);
        assert_eq!(
            r.headers()["x-amzn-query-error"],
            "InvalidParameterValue;Sender"
        );
        assert_eq!(r.headers()["smithy-protocol"], "rpc-v2-cbor");
        assert_eq!(r.headers()["content-type"], "application/cbor");
        let bytes = r.into_body().collect().await.unwrap().to_bytes();
        let v: ciborium::Value = ciborium::from_reader(&bytes[..]).unwrap();
        let m = v.as_map().unwrap();
        assert_eq!(
            m[0].1.as_text(),
            Some("com.amazonaws.cloudwatch#InvalidParameterValueException")
        );
        assert_eq!(m[1].0.as_text(), Some("message"));
        assert_eq!(m[1].1.as_text(), Some("bad"));
    }

    #[tokio::test]
    async fn query_error_response() {
        let e = ServiceError::bad_request("QueueDoesNotExist", "nope")
            .with_query_code("AWS.SimpleQueueService.NonExistentQueue");
        let r = render(
            Protocol::AwsQuery,
            ErrorStyle {
                query_xmlns: Some("http://queue.amazonaws.com/doc/2012-11-05/"),
                ..Default::default()
            },
            &e,
            "rid",
            false,
        );
        let t = text(r).await;
        assert!(
            t.contains("<Code>AWS.SimpleQueueService.NonExistentQueue</Code>"),
            "{t}"
        );
        assert!(t.contains("<Type>Sender</Type>"));
        assert!(t.contains("<RequestId>rid</RequestId>"));
    }

    #[tokio::test]
    async fn rest_xml_and_head() {
        let e = ServiceError::new(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        )
        .with_field("Key", "a&b");
        let r = render(Protocol::RestXml, ErrorStyle::default(), &e, "rid", false);
        let t = text(r).await;
        assert!(t.starts_with("<?xml"));
        assert!(t.contains("<Key>a&amp;b</Key>"));
        let r = render(Protocol::RestXml, ErrorStyle::default(), &e, "rid", true);
        assert_eq!(r.status(), 404);
        assert_eq!(text(r).await, "");
    }

    #[tokio::test]
    async fn rest_json_error_type_header() {
        let e = ServiceError::new(
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            "Function not found",
        )
        .with_field("Type", "User");
        let r = render(
            Protocol::RestJson1,
            ErrorStyle {
                json_capital_message: true,
                ..Default::default()
            },
            &e,
            "rid",
            false,
        );
        assert_eq!(r.headers()["x-amzn-errortype"], "ResourceNotFoundException");
        let v: serde_json::Value = serde_json::from_str(&text(r).await).unwrap();
        assert_eq!(v["Message"], "Function not found");
        assert_eq!(v["Type"], "User");
    }
}
