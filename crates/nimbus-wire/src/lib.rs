//! The AWS wire layer of nimbus.
//!
//! Everything a service needs to speak AWS's protocols and nothing about any one service:
//! - [`service`]: the [`service::Service`] trait the gateway calls and the [`service::Request`]
//!   it hands over;
//! - [`operations`]: the [`operations!`] macro each service writes its operation table
//!   with;
//! - [`protocol`]: the six wire protocols and how a request's protocol is recognised;
//! - [`error`]: [`error::ServiceError`] and the one place it is rendered for each protocol;
//! - [`error_code`]: the per-service error-code tables ([`error_codes!`]);
//! - [`json`], [`query`], [`xml`], [`cbor`]: the awsJson, awsQuery, XML and Smithy RPC v2 CBOR
//!   codecs;
//! - [`sigv4`]: parsing and verifying Signature Version 4 (header and presigned forms);
//! - [`sigv2`]: S3's Signature Version 2 (`Authorization: AWS`, presigned `AWSAccessKeyId`);
//! - [`timestamp`]: reading timestamp members as every protocol writes them;
//! - [`validation`]: the Smithy "1 validation error detected" messages;
//! - [`virtual_host`]: the bucket a virtual-hosted-style S3 `Host` names;
//! - [`body`]: the response body type and its constructors.

pub mod body;
pub mod cbor;
pub mod error;
pub mod error_code;
pub mod json;
pub mod operations;
pub mod protocol;
pub mod query;
pub mod service;
pub mod sigv2;
pub mod sigv4;
pub mod timestamp;
pub mod validation;
pub mod virtual_host;
pub mod xml;

pub use body::{Body, BoxError, Response};
pub use error::ServiceError;
pub use protocol::Protocol;
pub use service::{
    Auth, Bindings, BodyLimit, OpInfo, Request, RequestBody, RequestHead, Service, ServiceId,
};
