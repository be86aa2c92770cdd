//! Managed policies attached to roles: AttachRolePolicy, DetachRolePolicy,
//! ListAttachedRolePolicies, ListEntitiesForPolicy.

use crate::OpResult;
use crate::error::{IamError, IamErrorCode};
use crate::input::IamInput;
use crate::limits;
use crate::pagination::paginate;
use crate::params;
use crate::policies::{self, policy_arn_param, policy_not_found};
use crate::roles::require_role;
use crate::shapes;
use crate::store::Tx;

/// AttachRolePolicy: the caller's customer managed policies and any
/// `arn:aws:iam::aws:policy/…` ARN; attaching twice is not an error.
pub(crate) fn attach_role_policy(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let role = require_role(tx, p)?;
    let arn = policy_arn_param(p)?;
    let policy = policies::resolve(tx, arn)?.ok_or_else(|| {
        IamError::new(
            IamErrorCode::NoSuchEntity,
            format!("Policy {arn} does not exist or is not attachable."),
        )
    })?;
    let arn = policy.arn();
    let attached = tx.attached_policies(&role.name)?;
    if attached.contains(&arn) {
        return Ok(None);
    }
    if attached.len() >= limits::ATTACHED_POLICIES_PER_ROLE {
        return Err(IamError::new(
            IamErrorCode::LimitExceeded,
            format!(
                "Cannot exceed quota for PoliciesPerRole: {}",
                limits::ATTACHED_POLICIES_PER_ROLE
            ),
        ));
    }
    tx.attach(&role.name, &arn)?;
    Ok(None)
}

/// DetachRolePolicy: `NoSuchEntity` if the policy is not attached to the role.
pub(crate) fn detach_role_policy(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let role = require_role(tx, p)?;
    let arn = policy_arn_param(p)?;
    let canonical = match policies::resolve(tx, arn)? {
        Some(policy) => policy.arn(),
        None => return Err(policy_not_found(arn)),
    };
    if !tx.detach(&role.name, &canonical)? {
        return Err(policy_not_found(arn));
    }
    Ok(None)
}

/// ListAttachedRolePolicies: `PathPrefix`, `Marker`, `MaxItems`.
pub(crate) fn list_attached_role_policies(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let role = require_role(tx, p)?;
    let prefix = p.path_prefix.get().unwrap_or("/");
    params::policy_path("PathPrefix", prefix)?;
    let page = params::page(p)?;
    let mut attached = Vec::new();
    for arn in tx.attached_policies(&role.name)? {
        // Stored ARNs were canonical when attached; one that no longer parses is skipped
        // rather than failing the whole list.
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

/// ListEntitiesForPolicy: the roles a policy is attached to (nimbus has no users or
/// groups, so those lists are empty).
pub(crate) fn list_entities_for_policy(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let arn = policy_arn_param(p)?;
    let filter = p.entity_filter.get();
    if let Some(f) = filter
        && !matches!(
            f,
            "User" | "Role" | "Group" | "LocalManagedPolicy" | "AWSManagedPolicy"
        )
    {
        return Err(IamError::constraint(
            "EntityFilter",
            f,
            "Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]",
        ));
    }
    let prefix = p.path_prefix.get().unwrap_or("/");
    params::role_path_prefix("PathPrefix", prefix)?;
    let page = params::page(p)?;
    let canonical = policies::resolve(tx, arn)?
        .ok_or_else(|| policy_not_found(arn))?
        .arn();
    let mut roles = Vec::new();
    if filter.is_none_or(|f| f == "Role") {
        for name in tx.roles_attached_to(&canonical)? {
            if let Some(r) = tx.role(&name)?
                && r.path.starts_with(prefix)
            {
                roles.push(r);
            }
        }
    }
    let paged = paginate(roles, |r| r.name.to_lowercase(), &page)?;
    shapes::result(&shapes::Listed {
        empty: &["PolicyGroups", "PolicyUsers"],
        list: "PolicyRoles",
        items: paged
            .items
            .iter()
            .map(|r| shapes::PolicyRole {
                role_name: &r.name,
                role_id: &r.role_id,
            })
            .collect(),
        next_marker: paged.next_marker,
    })
}
