//! Inline role policies: PutRolePolicy, GetRolePolicy, DeleteRolePolicy, ListRolePolicies
//! (written once for roles and users in `inline_policies`).

use crate::OpResult;
use crate::holder::Holder;
use crate::inline_policies;
use crate::input::IamInput;
use crate::roles::require_role;
use crate::shapes;
use crate::store::Tx;

/// PutRolePolicy: creates or replaces an inline policy, within the role's 10,240-character
/// quota for all its inline policies together.
pub(crate) fn put_role_policy(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let role = require_role(tx, p)?;
    inline_policies::put(tx, Holder::Role(&role.name), p)
}

/// GetRolePolicy: the document comes back URL-encoded, as from AWS.
pub(crate) fn get_role_policy(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let role = require_role(tx, p)?;
    let (policy_name, policy_document) = inline_policies::get(tx, Holder::Role(&role.name), p)?;
    shapes::result(&shapes::RolePolicy {
        role_name: &role.name,
        policy_name,
        policy_document,
    })
}

/// DeleteRolePolicy.
pub(crate) fn delete_role_policy(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let role = require_role(tx, p)?;
    inline_policies::delete(tx, Holder::Role(&role.name), p)
}

/// ListRolePolicies: the names, with `Marker` / `MaxItems`.
pub(crate) fn list_role_policies(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let role = require_role(tx, p)?;
    inline_policies::list(tx, Holder::Role(&role.name), p)
}
