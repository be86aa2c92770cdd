//! Smithy RPC v2 CBOR bodies (`application/cbor`), on `ciborium`'s serde support: one
//! `Deserialize` input shape and one `Serialize` output shape serve this protocol as they
//! serve awsJson and awsQuery.
//!
//! Requests are `POST /service/<ServiceName>/operation/<Operation>` with
//! `smithy-protocol: rpc-v2-cbor`; every response carries the same header (aws-sdk-go-v2
//! rejects one without it). Timestamps go as CBOR tag 1 with epoch seconds (see
//! [`crate::query::ser::Timestamp`]); errors are a map with `__type` and `message`.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Response, ServiceError, body};

/// The content type of requests and responses.
pub const CONTENT_TYPE: &str = "application/cbor";

/// The header that names the protocol, on requests and on every response.
pub const PROTOCOL_HEADER: &str = "smithy-protocol";

/// The value of [`PROTOCOL_HEADER`].
pub const PROTOCOL_VALUE: &str = "rpc-v2-cbor";

/// An empty CBOR map, what an empty request body stands for.
const EMPTY_MAP: &[u8] = &[0xa0];

/// The service and operation a request path names: `/service/<Service>/operation/<Op>`
/// (a `<Service>` may carry its Smithy namespace, `com.amazonaws.x#Service`, percent-encoded
/// or not; only its last part is returned).
pub fn path_operation(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix("/service/")?;
    let (service, rest) = rest.split_once('/')?;
    let op = rest.strip_prefix("operation/")?;
    if op.is_empty() || op.contains('/') || service.is_empty() {
        return None;
    }
    let service = service
        .rsplit_once("%23")
        .or_else(|| service.rsplit_once('#'))
        .map_or(service, |(_, s)| s);
    Some((service, op))
}

/// Parses a CBOR request body into `T`. An empty body reads as an empty map. Malformed CBOR
/// or a shape mismatch is `SerializationException`.
#[allow(clippy::result_large_err)] // ServiceError is every service's error type; errors are the cold path
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ServiceError> {
    let bytes = if bytes.is_empty() { EMPTY_MAP } else { bytes };
    ciborium::from_reader(bytes).map_err(|e| {
        ServiceError::bad_request(
            "SerializationException",
            format!("Could not parse request body: {e}"),
        )
    })
}

/// `value` as CBOR bytes.
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// A response with `status` and a CBOR body, with the content type and the protocol header.
pub fn response(status: http::StatusCode, bytes: Vec<u8>) -> Response {
    let mut r = body::response(status, CONTENT_TYPE, bytes);
    r.headers_mut().insert(
        PROTOCOL_HEADER,
        http::HeaderValue::from_static(PROTOCOL_VALUE),
    );
    r
}

/// A 200 response with `value` serialised as CBOR.
pub fn ok<T: Serialize>(value: &T) -> Response {
    match to_vec(value) {
        Ok(bytes) => response(http::StatusCode::OK, bytes),
        Err(e) => {
            let err = ServiceError::internal(format!("The response could not be written: {e}"));
            response(err.status, error_body(&err.code, &err.message, &[]))
        }
    }
}

/// An error's body: a map of `__type`, `message` and the error's extra members.
pub fn error_body(ty: &str, message: &str, fields: &[(&str, &str)]) -> Vec<u8> {
    let mut map: Vec<(&str, &str)> = vec![("__type", ty), ("message", message)];
    map.extend_from_slice(fields);
    // A map of strings always serialises.
    to_vec(&OrderedMap(&map)).unwrap_or_else(|_| EMPTY_MAP.to_vec())
}

/// Pairs written as a CBOR map, in order.
struct OrderedMap<'a>(&'a [(&'a str, &'a str)]);

impl Serialize for OrderedMap<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::ser::Timestamp;
    use serde::Deserialize;

    #[test]
    fn paths() {
        assert_eq!(
            path_operation("/service/GraniteServiceVersion20100801/operation/ListMetrics"),
            Some(("GraniteServiceVersion20100801", "ListMetrics"))
        );
        assert_eq!(
            path_operation(
                "/service/com.amazonaws.cloudwatch%23GraniteServiceVersion20100801/operation/X"
            ),
            Some(("GraniteServiceVersion20100801", "X"))
        );
        assert_eq!(path_operation("/service/x/operation/"), None);
        assert_eq!(path_operation("/service/x/operation/a/b"), None);
        assert_eq!(path_operation("/service/key"), None);
        assert_eq!(path_operation("/bucket/service/x/operation/y"), None);
    }

    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Out {
        timestamps: Vec<Timestamp>,
        values: Vec<f64>,
        label: &'static str,
    }

    #[test]
    fn timestamps_are_tag_1_epoch_seconds() {
        let out = Out {
            timestamps: vec![Timestamp(1_700_000_000_500)],
            values: vec![1.5],
            label: "x",
        };
        let bytes = to_vec(&out).unwrap();
        let v: ciborium::Value = ciborium::from_reader(&bytes[..]).unwrap();
        let map = v.as_map().unwrap();
        let ts = &map
            .iter()
            .find(|(k, _)| k.as_text() == Some("Timestamps"))
            .unwrap()
            .1;
        let first = &ts.as_array().unwrap()[0];
        match first {
            ciborium::Value::Tag(1, inner) => {
                assert_eq!(inner.as_float(), Some(1_700_000_000.5));
            }
            other => panic!("not tag 1: {other:?}"),
        }
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        start_time: Option<Timestamp>,
        name: Option<String>,
        period: Option<u32>,
    }

    #[test]
    fn reads_inputs_with_tagged_timestamps_int_or_float() {
        use ciborium::Value;
        for secs in [
            Value::Integer(1_700_000_000.into()),
            Value::Float(1_700_000_000.0),
        ] {
            let v = Value::Map(vec![
                (
                    Value::Text("StartTime".into()),
                    Value::Tag(1, Box::new(secs)),
                ),
                (Value::Text("Name".into()), Value::Text("n".into())),
                (Value::Text("Period".into()), Value::Integer(60.into())),
            ]);
            let bytes = to_vec(&v).unwrap();
            let got: In = parse(&bytes).unwrap();
            assert_eq!(
                got,
                In {
                    start_time: Some(Timestamp(1_700_000_000_000)),
                    name: Some("n".into()),
                    period: Some(60)
                }
            );
        }
        let got: In = parse(&[]).unwrap();
        assert_eq!(got.name, None);
        let e = parse::<In>(&[0xff, 0x00]).unwrap_err();
        assert_eq!(e.code, "SerializationException");
    }

    #[test]
    fn error_bodies_and_headers() {
        let bytes = error_body(
            "com.amazonaws.cloudwatch#InvalidParameterValueException",
            "m",
            &[],
        );
        let v: ciborium::Value = ciborium::from_reader(&bytes[..]).unwrap();
        let map = v.as_map().unwrap();
        assert_eq!(map[0].0.as_text(), Some("__type"));
        assert_eq!(map[1].1.as_text(), Some("m"));
        let r = response(http::StatusCode::OK, vec![0xa0]);
        assert_eq!(r.headers()[PROTOCOL_HEADER], PROTOCOL_VALUE);
        assert_eq!(r.headers()[http::header::CONTENT_TYPE], CONTENT_TYPE);
    }
}
