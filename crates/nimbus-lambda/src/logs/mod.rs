//! CloudWatch Logs for Lambda: the store Lambda writes invocation logs into, and the Logs API
//! reads over it.

pub mod error;
pub mod filter;
pub mod service;
pub mod store;

pub use error::{LogsError, LogsErrorCode};
pub use service::LogsService;
pub use store::{GroupKey, LogStore};
