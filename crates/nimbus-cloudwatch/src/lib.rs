//! Amazon CloudWatch (metrics and alarms) for nimbus.
//!
//! - [`metrics`]: the metric store. Every datum, whether a client's `PutMetricData` or a
//!   service's own (`AWS/SQS`, `AWS/Lambda`, `AWS/S3`, through `nimbus_core::bus::metrics`), is
//!   aggregated per metric and per period in memory and persisted; statistics, `GetMetricData`
//!   series and `ListMetrics` are answered from it. Bounded in series and retention.
//! - [`alarms`]: metric alarms, evaluated on the sandbox clock, with their state history and
//!   actions (a Lambda function invoked for real through the bus).
//! - [`ops`]: the API on its three protocols (awsJson1_0, Smithy RPC v2 CBOR, awsQuery).
//! - [`error`]: CloudWatch's one error, mapped once to the wire.

pub mod alarms;
pub mod error;
pub mod metrics;
pub mod ops;
