//! AWS's policy language for nimbus: one evaluator for bucket, queue and function policies,
//! identity policies, session policies and permissions boundaries.
//!
//! Policies are parsed and validated once ([`Policy::parse`]) into a compiled form
//! (wildcard patterns tokenised, principals normalised, dates, numbers and CIDR blocks read)
//! that services cache beside the resource; [`evaluate`] then decides a [`Request`] without
//! parsing anything, following the IAM User Guide's evaluation logic (see [`evaluate`]'s
//! module). The crate is pure: no I/O, no clock (the caller puts `aws:CurrentTime` in the
//! [`Context`]), no service vocabulary beyond what the policy language itself names.
//!
//! ```
//! use nimbus_policy::{Context, Decision, Policies, Policy, Principal, Request, evaluate};
//!
//! let bucket = Policy::resource(r#"{
//!     "Version": "2012-10-17",
//!     "Statement": [{"Effect": "Allow", "Principal": {"AWS": "222222222222"},
//!                    "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared/*"}]
//! }"#).unwrap();
//! let root2 = Principal::root("222222222222");
//! let req = Request::new(root2, "s3:GetObject", "arn:aws:s3:::shared/a.txt", "111111111111");
//! let policies = Policies { resource: Some(&bucket), ..Policies::default() };
//! assert_eq!(evaluate(&req, &policies).decision, Decision::Allow);
//! ```

mod condition;
mod error;
mod evaluate;
mod keys;
mod keyset;
mod pattern;
mod policy;
mod principal;
mod request;
mod statement;
mod values;

pub use error::{PolicyError, PolicyErrorKind};
pub use evaluate::{Decision, Evaluation, Policies, Source, StatementRef, evaluate, evaluate_view};
pub use keys::ContextBuilder;
pub use keyset::KeySet;
pub use policy::{Policy, Version};
pub use request::{Context, Principal, PrincipalKind, Request, RequestView};
pub use statement::{Effect, PolicyKind};
pub use values::format_time;
