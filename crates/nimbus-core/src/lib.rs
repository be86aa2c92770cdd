//! Shared vocabulary of nimbus.
//!
//! Every service crate depends on this crate and on nothing of the other services: the
//! identifiers of AWS (account ids, regions, ARNs), the [`clock::Clock`] every timed
//! behaviour goes through, the [`context::RequestContext`] the gateway attaches to each
//! request, the storage settings, and the small traits in [`bus`] through
//! which one service reaches another (S3 notifying SQS, Lambda polling SQS, Lambda reading its
//! code from S3) without an HTTP round trip.

pub mod access;
pub mod account;
pub mod arn;
pub mod bus;
pub mod clock;
pub mod context;
pub mod env;
pub mod ids;
pub mod storage;
pub mod timefmt;

pub use access::{Caller, Denied, IdentityPolicies, Resource};
pub use account::{AccountId, DEFAULT_ACCOUNT, DEFAULT_REGION};
pub use arn::Arn;
pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use context::RequestContext;
pub use env::ServiceEnv;
pub use storage::{Durability, StorageConfig};
