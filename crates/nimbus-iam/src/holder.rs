//! Roles and users as holders of policies: one dispatch to their tables, so each IAM
//! operation on inline and attached policies is written once for both.

use crate::error::IamError;
use crate::limits;
use crate::store::Tx;

/// Who holds policies: a role or a user, by name. Attaching, detaching and listing managed
/// policies, and putting, reading, deleting and listing inline ones, are the same for both;
/// only the tables, the quotas and the words in the messages differ.
#[derive(Clone, Copy)]
pub(crate) enum Holder<'a> {
    /// A role.
    Role(&'a str),
    /// A user.
    User(&'a str),
}

impl Holder<'_> {
    pub(crate) fn attached(self, tx: &Tx<'_>) -> Result<Vec<String>, IamError> {
        match self {
            Holder::Role(name) => tx.attached_policies(name),
            Holder::User(name) => tx.user_attached(name),
        }
    }

    pub(crate) fn attach(self, tx: &Tx<'_>, arn: &str) -> Result<bool, IamError> {
        match self {
            Holder::Role(name) => tx.attach(name, arn),
            Holder::User(name) => tx.attach_user(name, arn),
        }
    }

    pub(crate) fn detach(self, tx: &Tx<'_>, arn: &str) -> Result<bool, IamError> {
        match self {
            Holder::Role(name) => tx.detach(name, arn),
            Holder::User(name) => tx.detach_user(name, arn),
        }
    }

    /// The quota AWS names when too many policies are attached.
    pub(crate) fn quota(self) -> &'static str {
        match self {
            Holder::Role(_) => "PoliciesPerRole",
            Holder::User(_) => "PoliciesPerUser",
        }
    }
}

impl Holder<'_> {
    /// The holder's name.
    pub(crate) fn name(&self) -> &str {
        match self {
            Holder::Role(name) | Holder::User(name) => name,
        }
    }

    /// `role` or `user`, as AWS's messages say it.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Holder::Role(_) => "role",
            Holder::User(_) => "user",
        }
    }

    /// Characters of inline policies the holder may have together (AWS's quotas).
    pub(crate) fn inline_quota(self) -> usize {
        match self {
            Holder::Role(_) => limits::INLINE_POLICIES_SIZE_PER_ROLE,
            Holder::User(_) => limits::INLINE_POLICIES_SIZE_PER_USER,
        }
    }

    /// The inline policies, (name, document).
    pub(crate) fn inline_policies(self, tx: &Tx<'_>) -> Result<Vec<(String, String)>, IamError> {
        match self {
            Holder::Role(name) => tx.inline_policies(name),
            Holder::User(name) => tx.user_policies(name),
        }
    }

    /// Creates or replaces the inline policy `policy`.
    pub(crate) fn put_inline(self, tx: &Tx<'_>, policy: &str, doc: &str) -> Result<(), IamError> {
        match self {
            Holder::Role(name) => tx.put_inline_policy(name, policy, doc),
            Holder::User(name) => tx.put_user_policy(name, policy, doc),
        }
    }

    /// Deletes the inline policy `policy`; `false` if there was none.
    pub(crate) fn delete_inline(self, tx: &Tx<'_>, policy: &str) -> Result<bool, IamError> {
        match self {
            Holder::Role(name) => tx.delete_inline_policy(name, policy),
            Holder::User(name) => tx.delete_user_policy(name, policy),
        }
    }
}
