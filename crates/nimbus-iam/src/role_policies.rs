//! Inline role policies: PutRolePolicy, GetRolePolicy, DeleteRolePolicy, ListRolePolicies.

use crate::OpResult;
use crate::document;
use crate::error::{IamError, IamErrorCode};
use crate::input::IamInput;
use crate::limits;
use crate::pagination::paginate;
use crate::params;
use crate::roles::require_role;
use crate::shapes;
use crate::store::Tx;

fn no_such_role_policy(name: &str) -> IamError {
    IamError::new(
        IamErrorCode::NoSuchEntity,
        format!("The role policy with name {name} cannot be found."),
    )
}

fn policy_name(p: &IamInput) -> Result<&str, IamError> {
    let name = params::req(&p.policy_name, "PolicyName")?;
    params::policy_name("PolicyName", name)?;
    Ok(name)
}

/// PutRolePolicy: creates or replaces an inline policy, within the role's 10,240-character
/// quota for all its inline policies together.
pub(crate) fn put_role_policy(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let role = require_role(tx, p)?;
    let name = policy_name(p)?;
    let doc = params::req(&p.policy_document, "PolicyDocument")?;
    document::validate_identity("PolicyDocument", doc)?;
    let others: usize = tx
        .inline_policies(&role.name)?
        .iter()
        .filter(|(n, _)| n != name)
        .map(|(_, d)| document::size(d))
        .sum();
    if others + document::size(doc) > limits::INLINE_POLICIES_SIZE_PER_ROLE {
        return Err(IamError::new(
            IamErrorCode::LimitExceeded,
            format!(
                "Maximum policy size of {} bytes exceeded for role {}",
                limits::INLINE_POLICIES_SIZE_PER_ROLE,
                role.name
            ),
        ));
    }
    tx.put_inline_policy(&role.name, name, doc)?;
    Ok(None)
}

/// GetRolePolicy: the document comes back URL-encoded, as from AWS.
pub(crate) fn get_role_policy(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let role = require_role(tx, p)?;
    let name = policy_name(p)?;
    let doc = tx
        .inline_policy(&role.name, name)?
        .ok_or_else(|| no_such_role_policy(name))?;
    shapes::result(&shapes::RolePolicy {
        role_name: &role.name,
        policy_name: name,
        policy_document: document::encode(&doc),
    })
}

/// DeleteRolePolicy.
pub(crate) fn delete_role_policy(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let role = require_role(tx, p)?;
    let name = policy_name(p)?;
    if !tx.delete_inline_policy(&role.name, name)? {
        return Err(no_such_role_policy(name));
    }
    Ok(None)
}

/// ListRolePolicies: the names, with `Marker` / `MaxItems`.
pub(crate) fn list_role_policies(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let role = require_role(tx, p)?;
    let page = params::page(p)?;
    let names: Vec<String> = tx
        .inline_policies(&role.name)?
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let paged = paginate(names, |n| n.clone(), &page)?;
    shapes::result(&shapes::listed(
        "PolicyNames",
        paged.items,
        paged.next_marker,
    ))
}
