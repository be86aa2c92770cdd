//! CloudWatch Logs for Lambda: the store Lambda writes invocation logs into, and the Logs API
//! reads over it.

pub mod filter;
pub mod service;
pub mod store;

pub use service::LogsService;
pub use store::{GroupKey, LogStore};
