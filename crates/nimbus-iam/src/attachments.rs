//! Managed policies attached to roles and users (`Holder`): AttachRolePolicy, DetachRolePolicy,
//! ListAttachedRolePolicies, ListEntitiesForPolicy.

use crate::OpResult;
use crate::error::{IamError, IamErrorCode};
use crate::holder::Holder;
use crate::input::IamInput;
use crate::limits;
use crate::pagination::paginate;
use crate::params;
use crate::policies::{self, policy_arn_param, policy_not_found};
use crate::roles::require_role;
use crate::shapes;
use crate::store::{RoleRecord, Tx};
use crate::user_store::UserRecord;

/// Attach…Policy: the caller's customer managed policies and any
/// `arn:aws:iam::aws:policy/…` ARN; attaching twice is not an error.
pub(crate) fn attach_policy(tx: &Tx<'_>, holder: Holder<'_>, p: &IamInput) -> OpResult {
    let arn = policy_arn_param(p)?;
    let policy = policies::resolve(tx, arn)?.ok_or_else(|| {
        IamError::new(
            IamErrorCode::NoSuchEntity,
            format!("Policy {arn} does not exist or is not attachable."),
        )
    })?;
    let arn = policy.arn();
    let attached = holder.attached(tx)?;
    if attached.contains(&arn) {
        return Ok(None);
    }
    if attached.len() >= limits::ATTACHED_POLICIES_PER_ROLE {
        return Err(IamError::new(
            IamErrorCode::LimitExceeded,
            format!(
                "Cannot exceed quota for {}: {}",
                holder.quota(),
                limits::ATTACHED_POLICIES_PER_ROLE
            ),
        ));
    }
    holder.attach(tx, &arn)?;
    Ok(None)
}

/// Detach…Policy: `NoSuchEntity` if the policy is not attached.
pub(crate) fn detach_policy(tx: &Tx<'_>, holder: Holder<'_>, p: &IamInput) -> OpResult {
    let arn = policy_arn_param(p)?;
    let canonical = match policies::resolve(tx, arn)? {
        Some(policy) => policy.arn(),
        None => return Err(policy_not_found(arn)),
    };
    if !holder.detach(tx, &canonical)? {
        return Err(policy_not_found(arn));
    }
    Ok(None)
}

/// ListAttached…Policies: `PathPrefix`, `Marker`, `MaxItems`.
pub(crate) fn list_attached(tx: &Tx<'_>, holder: Holder<'_>, p: &IamInput) -> OpResult {
    let prefix = p.path_prefix.get().unwrap_or("/");
    params::policy_path("PathPrefix", prefix)?;
    let page = params::page(p)?;
    let mut attached = Vec::new();
    for arn in holder.attached(tx)? {
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

/// AttachRolePolicy.
pub(crate) fn attach_role_policy(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let role = require_role(tx, p)?;
    attach_policy(tx, Holder::Role(&role.name), p)
}

/// DetachRolePolicy.
pub(crate) fn detach_role_policy(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let role = require_role(tx, p)?;
    detach_policy(tx, Holder::Role(&role.name), p)
}

/// ListAttachedRolePolicies.
pub(crate) fn list_attached_role_policies(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let role = require_role(tx, p)?;
    list_attached(tx, Holder::Role(&role.name), p)
}

/// ListEntitiesForPolicy: the users and roles a policy is attached to (nimbus has no
/// groups, so that list is empty).
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
    let mut users = Vec::new();
    if filter.is_none_or(|f| f == "User") {
        for name in tx.users_attached_to(&canonical)? {
            if let Some(u) = tx.user(&name)?
                && u.path.starts_with(prefix)
            {
                users.push(u);
            }
        }
    }
    // One page over users then roles, as IAM pages the entities together.
    let entities: Vec<(Option<UserRecord>, Option<RoleRecord>)> = users
        .into_iter()
        .map(|u| (Some(u), None))
        .chain(roles.into_iter().map(|r| (None, Some(r))))
        .collect();
    let paged = paginate(
        entities,
        |(u, r)| match (u, r) {
            (Some(u), _) => format!("u\u{0}{}", u.name.to_lowercase()),
            (_, Some(r)) => format!("r\u{0}{}", r.name.to_lowercase()),
            _ => String::new(),
        },
        &page,
    )?;
    /// ListEntitiesForPolicy's result.
    #[derive(serde::Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Entities<'a> {
        policy_groups: shapes::Empty,
        policy_users: Vec<PolicyUser<'a>>,
        policy_roles: Vec<shapes::PolicyRole<'a>>,
        is_truncated: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        marker: Option<String>,
    }
    /// A user in ListEntitiesForPolicy.
    #[derive(serde::Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct PolicyUser<'a> {
        user_name: &'a str,
        user_id: &'a str,
    }
    shapes::result(&Entities {
        policy_groups: shapes::Empty,
        policy_users: paged
            .items
            .iter()
            .filter_map(|(u, _)| u.as_ref())
            .map(|u| PolicyUser {
                user_name: &u.name,
                user_id: &u.user_id,
            })
            .collect(),
        policy_roles: paged
            .items
            .iter()
            .filter_map(|(_, r)| r.as_ref())
            .map(|r| shapes::PolicyRole {
                role_name: &r.name,
                role_id: &r.role_id,
            })
            .collect(),
        is_truncated: paged.next_marker.is_some(),
        marker: paged.next_marker,
    })
}
