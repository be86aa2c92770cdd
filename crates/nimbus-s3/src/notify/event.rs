//! The JSON S3 sends: event records and the `s3:TestEvent` message.

use serde_json::{Value, json};

/// The one `eventVersion` nimbus writes for object events.
pub const EVENT_VERSION: &str = "2.1";

/// What an event is about.
#[derive(Debug, Clone)]
pub struct EventInfo<'a> {
    /// `ObjectCreated:Put`… (without the `s3:` prefix).
    pub name: &'a str,
    /// The bucket.
    pub bucket: &'a str,
    /// The bucket owner's account.
    pub bucket_owner: &'a str,
    /// The key, raw (encoded here).
    pub key: &'a str,
    /// Size, for created events.
    pub size: Option<u64>,
    /// ETag without quotes, for created events.
    pub etag: Option<&'a str>,
    /// The sequencer.
    pub sequencer: &'a str,
    /// The region.
    pub region: &'a str,
    /// Event time, ms.
    pub time_millis: u64,
    /// The caller's principal.
    pub principal: &'a str,
    /// The caller's address.
    pub source_ip: &'a str,
    /// The request that caused it.
    pub request_id: &'a str,
    /// `x-amz-id-2` of that request.
    pub host_id: &'a str,
}

/// A key as S3 writes it in event records: URL form-encoded (a space is `+`), with `/`
/// left as is.
pub fn encode_key(key: &str) -> String {
    key.split('/')
        .map(|seg| form_urlencoded::byte_serialize(seg.as_bytes()).collect::<String>())
        .collect::<Vec<_>>()
        .join("/")
}

/// One record of an event message, for the configuration `configuration_id`.
pub fn record(e: &EventInfo<'_>, configuration_id: &str) -> Value {
    let mut object = json!({ "key": encode_key(e.key) });
    if let Some(size) = e.size {
        object["size"] = json!(size);
    }
    if let Some(etag) = e.etag {
        object["eTag"] = json!(etag);
    }
    object["sequencer"] = json!(e.sequencer);
    json!({
        "eventVersion": EVENT_VERSION,
        "eventSource": "aws:s3",
        "awsRegion": e.region,
        "eventTime": nimbus_core::timefmt::iso8601_millis(e.time_millis),
        "eventName": e.name,
        "userIdentity": { "principalId": e.principal },
        "requestParameters": { "sourceIPAddress": e.source_ip },
        "responseElements": {
            "x-amz-request-id": e.request_id,
            "x-amz-id-2": e.host_id,
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {
                "name": e.bucket,
                "ownerIdentity": { "principalId": e.bucket_owner },
                "arn": format!("arn:aws:s3:::{}", e.bucket),
            },
            "object": object,
        }
    })
}

/// The message body: `{"Records":[record]}`.
pub fn message(e: &EventInfo<'_>, configuration_id: &str) -> String {
    json!({ "Records": [record(e, configuration_id)] }).to_string()
}

/// The `s3:TestEvent` message S3 sends a queue when a configuration naming it is saved.
pub fn test_event(bucket: &str, time_millis: u64, request_id: &str, host_id: &str) -> String {
    json!({
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": nimbus_core::timefmt::iso8601_millis(time_millis),
        "Bucket": bucket,
        "RequestId": request_id,
        "HostId": host_id,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_shape() {
        let e = EventInfo {
            name: "ObjectCreated:Put",
            bucket: "b",
            bucket_owner: "000000000000",
            key: "dir/red flower+1.jpg",
            size: Some(3),
            etag: Some("abc"),
            sequencer: "0A",
            region: "us-east-1",
            time_millis: 1_767_225_600_123,
            principal: "AWS:000000000000",
            source_ip: "127.0.0.1",
            request_id: "rid",
            host_id: "hid",
        };
        let v: Value = serde_json::from_str(&message(&e, "cfg")).unwrap();
        let r = &v["Records"][0];
        assert_eq!(r["eventTime"], "2026-01-01T00:00:00.123Z");
        assert_eq!(r["s3"]["object"]["key"], "dir/red+flower%2B1.jpg");
        assert_eq!(r["s3"]["object"]["size"], 3);
        assert_eq!(r["s3"]["bucket"]["arn"], "arn:aws:s3:::b");
        assert_eq!(r["s3"]["configurationId"], "cfg");
    }
}
