//! Modelled operations nimbus does not implement: `501 NotImplemented`, naming the
//! operation (listed in docs/compat.md).

use nimbus_wire::Response;

use crate::error::{S3Error, S3Result};

/// The answer to an operation nimbus does not implement.
pub fn not_implemented(operation: &str) -> S3Result<Response> {
    Err(S3Error::NotImplemented(format!(
        "nimbus does not implement the S3 operation {operation}."
    )))
}
