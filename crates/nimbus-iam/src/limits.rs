//! IAM's default quotas, as AWS documents them ("IAM and AWS STS quotas").
//!
//! AWS lets some of these be raised; nimbus enforces the defaults so that code that works
//! here does not exceed them in an account with default quotas.

/// Roles per account.
pub(crate) const ROLES_PER_ACCOUNT: usize = 1000;
/// Customer managed policies per account.
pub(crate) const POLICIES_PER_ACCOUNT: usize = 1500;
/// Managed policies attached to one role.
pub(crate) const ATTACHED_POLICIES_PER_ROLE: usize = 10;
/// Characters (whitespace not counted) of a role's trust policy.
pub(crate) const TRUST_POLICY_SIZE: usize = 2048;
/// Characters (whitespace not counted) of all of a role's inline policies together.
pub(crate) const INLINE_POLICIES_SIZE_PER_ROLE: usize = 10240;
/// Characters (whitespace not counted) of all of a user's inline policies together.
pub(crate) const INLINE_POLICIES_SIZE_PER_USER: usize = 2048;
/// Characters (whitespace not counted) of a managed policy document.
pub(crate) const MANAGED_POLICY_SIZE: usize = 6144;
/// Tags on one role or policy.
pub(crate) const TAGS_PER_ENTITY: usize = 50;
