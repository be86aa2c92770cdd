//! nimbus: S3, Lambda and SQS on one port, offline.
//!
//! This crate only parses configuration ([`config`]) and wires the services together
//! ([`sandbox`]). [`Sandbox::start`] runs the whole server in-process and returns its
//! endpoint: the embedded mode used by the `nimbus` binary and by Rust tests.

pub mod config;
pub mod lock;
pub mod logging;
pub mod sandbox;

pub use config::{AuthMode, Config, LogFormat};
pub use sandbox::{Sandbox, StartError};
