//! Policies of users: inline (PutUserPolicy, GetUserPolicy, DeleteUserPolicy,
//! ListUserPolicies) and attached managed ones (AttachUserPolicy, DetachUserPolicy,
//! ListAttachedUserPolicies), written once for roles and users in `inline_policies` and
//! `attachments`.

use serde::Serialize;

use crate::OpResult;
use crate::attachments;
use crate::holder::Holder;
use crate::inline_policies;
use crate::input::IamInput;
use crate::shapes;
use crate::store::Tx;
use crate::users::require_user;

/// PutUserPolicy: creates or replaces an inline policy (validated as an identity policy),
/// within the user's 2,048-character quota for all its inline policies together.
pub(crate) fn put_user_policy(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let user = require_user(tx, p)?;
    inline_policies::put(tx, Holder::User(&user.name), p)
}

/// GetUserPolicy's result.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct UserPolicy<'a> {
    user_name: &'a str,
    policy_name: &'a str,
    policy_document: String,
}

/// GetUserPolicy: the document comes back URL-encoded, as from AWS.
pub(crate) fn get_user_policy(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let user = require_user(tx, p)?;
    let (policy_name, policy_document) = inline_policies::get(tx, Holder::User(&user.name), p)?;
    shapes::result(&UserPolicy {
        user_name: &user.name,
        policy_name,
        policy_document,
    })
}

/// DeleteUserPolicy.
pub(crate) fn delete_user_policy(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let user = require_user(tx, p)?;
    inline_policies::delete(tx, Holder::User(&user.name), p)
}

/// ListUserPolicies: the names, with `Marker` / `MaxItems`.
pub(crate) fn list_user_policies(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let user = require_user(tx, p)?;
    inline_policies::list(tx, Holder::User(&user.name), p)
}

/// AttachUserPolicy: attaching twice is not an error.
pub(crate) fn attach_user_policy(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let user = require_user(tx, p)?;
    attachments::attach_policy(tx, Holder::User(&user.name), p)
}

/// DetachUserPolicy: `NoSuchEntity` if the policy is not attached to the user.
pub(crate) fn detach_user_policy(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let user = require_user(tx, p)?;
    attachments::detach_policy(tx, Holder::User(&user.name), p)
}

/// ListAttachedUserPolicies: `PathPrefix`, `Marker`, `MaxItems`.
pub(crate) fn list_attached_user_policies(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let user = require_user(tx, p)?;
    attachments::list_attached(tx, Holder::User(&user.name), p)
}
