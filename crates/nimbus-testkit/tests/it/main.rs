//! Integration tests: the real server, in-process, on an ephemeral port with a temporary data
//! directory, driven by aws-sdk-rust (and raw HTTP where a protocol detail needs it).
//! One test binary, one module per area.

mod cloudwatch;
mod cloudwatch_alarms;
mod foundation;
mod iam;
mod iam_access;
mod lambda;
mod s3;
mod s3_post_object;
mod s3_sigv2;
mod service_metrics;
mod sqs;
mod sts;
