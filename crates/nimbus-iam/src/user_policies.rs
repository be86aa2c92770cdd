//! Policies of users: inline (PutUserPolicy, GetUserPolicy, DeleteUserPolicy,
//! ListUserPolicies) and attached managed ones (AttachUserPolicy, DetachUserPolicy,
//! ListAttachedUserPolicies).

use serde::Serialize;

use crate::OpResult;
use crate::attachments::{self, Holder};
use crate::document;
use crate::error::{IamError, IamErrorCode};
use crate::input::IamInput;
use crate::pagination::paginate;
use crate::params;
use crate::shapes;
use crate::store::Tx;
use crate::users::require_user;

/// Characters of inline policies one user may hold together (AWS's quota).
const INLINE_POLICIES_SIZE_PER_USER: usize = 2048;

fn no_such_user_policy(name: &str) -> IamError {
    IamError::new(
        IamErrorCode::NoSuchEntity,
        format!("The user policy with name {name} cannot be found."),
    )
}

fn policy_name(p: &IamInput) -> Result<&str, IamError> {
    let name = params::req(&p.policy_name, "PolicyName")?;
    params::policy_name("PolicyName", name)?;
    Ok(name)
}

/// PutUserPolicy: creates or replaces an inline policy (validated as an identity policy).
pub(crate) fn put_user_policy(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let user = require_user(tx, p)?;
    let name = policy_name(p)?;
    let doc = params::req(&p.policy_document, "PolicyDocument")?;
    document::validate_identity("PolicyDocument", doc)?;
    let others: usize = tx
        .user_policies(&user.name)?
        .iter()
        .filter(|(n, _)| n != name)
        .map(|(_, d)| document::size(d))
        .sum();
    if others + document::size(doc) > INLINE_POLICIES_SIZE_PER_USER {
        return Err(IamError::new(
            IamErrorCode::LimitExceeded,
            format!(
                "Maximum policy size of {INLINE_POLICIES_SIZE_PER_USER} bytes exceeded for user {}",
                user.name
            ),
        ));
    }
    tx.put_user_policy(&user.name, name, doc)?;
    Ok(None)
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
    let name = policy_name(p)?;
    let doc = tx
        .user_policies(&user.name)?
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, d)| d)
        .ok_or_else(|| no_such_user_policy(name))?;
    shapes::result(&UserPolicy {
        user_name: &user.name,
        policy_name: name,
        policy_document: document::encode(&doc),
    })
}

/// DeleteUserPolicy.
pub(crate) fn delete_user_policy(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let user = require_user(tx, p)?;
    let name = policy_name(p)?;
    if !tx.delete_user_policy(&user.name, name)? {
        return Err(no_such_user_policy(name));
    }
    Ok(None)
}

/// ListUserPolicies: the names, with `Marker` / `MaxItems`.
pub(crate) fn list_user_policies(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let user = require_user(tx, p)?;
    let page = params::page(p)?;
    let names: Vec<String> = tx
        .user_policies(&user.name)?
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
