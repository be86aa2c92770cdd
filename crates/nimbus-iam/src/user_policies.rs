//! Policies of users: inline (PutUserPolicy, GetUserPolicy, DeleteUserPolicy,
//! ListUserPolicies) and attached managed ones (AttachUserPolicy, DetachUserPolicy,
//! ListAttachedUserPolicies).

use serde::Serialize;

use crate::OpResult;
use crate::document;
use crate::error::{IamError, IamErrorCode};
use crate::input::IamInput;
use crate::limits;
use crate::pagination::paginate;
use crate::params;
use crate::policies::{self, policy_arn_param, policy_not_found};
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
    let arn = policy_arn_param(p)?;
    let policy = policies::resolve(tx, arn)?.ok_or_else(|| {
        IamError::new(
            IamErrorCode::NoSuchEntity,
            format!("Policy {arn} does not exist or is not attachable."),
        )
    })?;
    let arn = policy.arn();
    let attached = tx.user_attached(&user.name)?;
    if attached.contains(&arn) {
        return Ok(None);
    }
    if attached.len() >= limits::ATTACHED_POLICIES_PER_ROLE {
        return Err(IamError::new(
            IamErrorCode::LimitExceeded,
            format!(
                "Cannot exceed quota for PoliciesPerUser: {}",
                limits::ATTACHED_POLICIES_PER_ROLE
            ),
        ));
    }
    tx.attach_user(&user.name, &arn)?;
    Ok(None)
}

/// DetachUserPolicy: `NoSuchEntity` if the policy is not attached to the user.
pub(crate) fn detach_user_policy(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let user = require_user(tx, p)?;
    let arn = policy_arn_param(p)?;
    let canonical = match policies::resolve(tx, arn)? {
        Some(policy) => policy.arn(),
        None => return Err(policy_not_found(arn)),
    };
    if !tx.detach_user(&user.name, &canonical)? {
        return Err(policy_not_found(arn));
    }
    Ok(None)
}

/// ListAttachedUserPolicies: `PathPrefix`, `Marker`, `MaxItems`.
pub(crate) fn list_attached_user_policies(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let user = require_user(tx, p)?;
    let prefix = p.path_prefix.get().unwrap_or("/");
    params::policy_path("PathPrefix", prefix)?;
    let page = params::page(p)?;
    let mut attached = Vec::new();
    for arn in tx.user_attached(&user.name)? {
        if let Ok(parsed) = policies::parse_policy_arn(&arn)
            && parsed.path.starts_with(prefix)
        {
            attached.push((parsed.name, arn));
        }
    }
    let paged = paginate(
        attached,
        |(name, arn)| format!("{}\u{0}{arn}", name.to_lowercase()),
        &page,
    )?;
    shapes::result(&shapes::listed(
        "AttachedPolicies",
        paged
            .items
            .iter()
            .map(|(name, arn)| shapes::AttachedPolicy {
                policy_name: name,
                policy_arn: arn,
            })
            .collect(),
        paged.next_marker,
    ))
}
