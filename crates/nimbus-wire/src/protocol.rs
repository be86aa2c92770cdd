//! The wire protocols AWS services speak.

/// A wire protocol, as named in the Smithy/botocore models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// JSON over POST with `X-Amz-Target`, `application/x-amz-json-1.0` (SQS, STS's newer form).
    AwsJson1_0,
    /// JSON over POST with `X-Amz-Target`, `application/x-amz-json-1.1` (CloudWatch Logs).
    AwsJson1_1,
    /// Form-encoded `Action=…` requests with XML responses (SQS's older form, STS, IAM).
    AwsQuery,
    /// REST with XML bodies (S3).
    RestXml,
    /// REST with JSON bodies (Lambda).
    RestJson1,
    /// Smithy RPC v2 CBOR: `POST /service/<Service>/operation/<Operation>` with
    /// `smithy-protocol: rpc-v2-cbor` and `application/cbor` bodies (CloudWatch for
    /// aws-sdk-rust, aws-sdk-go-v2 and Terraform).
    RpcV2Cbor,
}

impl Protocol {
    /// The `content-type` of a successful response body.
    pub fn content_type(self) -> &'static str {
        match self {
            Protocol::AwsJson1_0 => "application/x-amz-json-1.0",
            Protocol::AwsJson1_1 => "application/x-amz-json-1.1",
            Protocol::AwsQuery | Protocol::RestXml => "text/xml",
            Protocol::RestJson1 => "application/json",
            Protocol::RpcV2Cbor => crate::cbor::CONTENT_TYPE,
        }
    }

    /// Whether responses use `x-amz-request-id` (S3) rather than `x-amzn-RequestId`.
    pub fn uses_s3_request_id(self) -> bool {
        matches!(self, Protocol::RestXml)
    }
}
