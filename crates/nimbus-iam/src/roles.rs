//! Roles: CreateRole, GetRole, ListRoles, DeleteRole, UpdateRole, UpdateRoleDescription,
//! UpdateAssumeRolePolicy, Put/DeleteRolePermissionsBoundary, ListInstanceProfilesForRole,
//! and role tags (TagRole, UntagRole, ListRoleTags).

use crate::OpResult;
use crate::document;
use crate::error::{IamError, IamErrorCode};
use crate::input::IamInput;
use crate::limits;
use crate::pagination::paginate;
use crate::params;
use crate::policies::{self, ManagedPolicy};
use crate::shapes;
use crate::store::{RoleRecord, TagTarget, Tx};
use crate::tags::{add_tags, tag_keys, tag_list_result};

/// `NoSuchEntity` for a role that does not exist, in AWS's words.
pub(crate) fn no_such_role(name: &str) -> IamError {
    IamError::new(
        IamErrorCode::NoSuchEntity,
        format!("The role with name {name} cannot be found."),
    )
}

/// Reads and validates `RoleName`, and finds the role.
pub(crate) fn require_role(tx: &Tx<'_>, p: &IamInput) -> Result<RoleRecord, IamError> {
    let name = params::req(&p.role_name, "RoleName")?;
    params::role_name("RoleName", name)?;
    tx.role(name)?.ok_or_else(|| no_such_role(name))
}

fn role_result(tx: &Tx<'_>, r: &RoleRecord) -> OpResult {
    let tags = tx.tags(TagTarget::Role, &r.name)?;
    shapes::result(&shapes::RoleResult {
        role: shapes::Role::full(r, &tags),
    })
}

fn trust_policy(field: &str, doc: &str) -> Result<(), IamError> {
    document::validate(field, doc)?;
    if document::size(doc) > limits::TRUST_POLICY_SIZE {
        return Err(IamError::new(
            IamErrorCode::LimitExceeded,
            format!(
                "Cannot exceed quota for ACLSizePerRole: {}",
                limits::TRUST_POLICY_SIZE
            ),
        ));
    }
    Ok(())
}

/// Reads `PermissionsBoundary` (or `field`): a managed policy ARN that must exist.
pub(crate) fn permissions_boundary(
    tx: &Tx<'_>,
    arn: &str,
    field: &str,
) -> Result<String, IamError> {
    params::arn(field, arn)?;
    match policies::resolve(tx, arn)? {
        Some(ManagedPolicy::Customer(p)) => Ok(p.arn),
        Some(ManagedPolicy::Aws(p)) => Ok(p.arn()),
        Some(ManagedPolicy::AwsUnlisted(a)) => Ok(a),
        None => Err(IamError::new(
            IamErrorCode::NoSuchEntity,
            format!("Scope ARN: {arn} does not exist or is not attachable."),
        )),
    }
}

/// CreateRole.
pub(crate) fn create_role(tx: &Tx<'_>, p: &IamInput, now: u64) -> OpResult {
    let name = params::req(&p.role_name, "RoleName")?;
    params::role_name("RoleName", name)?;
    let path = p.path.get().unwrap_or("/");
    params::role_path("Path", path)?;
    let trust = params::req(&p.assume_role_policy_document, "AssumeRolePolicyDocument")?;
    let description = p.description.get();
    if let Some(d) = description {
        params::role_description("Description", d)?;
    }
    let max_session =
        params::int(&p.max_session_duration, "MaxSessionDuration", 3600, 43200)?.unwrap_or(3600);
    let tags = params::tags(p)?;
    trust_policy("AssumeRolePolicyDocument", trust)?;
    let boundary = match p.permissions_boundary.get() {
        Some(b) => Some(permissions_boundary(tx, b, "PermissionsBoundary")?),
        None => None,
    };
    if let Some(existing) = tx.role(name)? {
        return Err(IamError::new(
            IamErrorCode::EntityAlreadyExists,
            format!("Role with name {} already exists.", existing.name),
        ));
    }
    if tx.role_count()? >= limits::ROLES_PER_ACCOUNT {
        return Err(IamError::new(
            IamErrorCode::LimitExceeded,
            format!(
                "Cannot exceed quota for RolesPerAccount: {}",
                limits::ROLES_PER_ACCOUNT
            ),
        ));
    }
    let role = RoleRecord {
        name: name.to_owned(),
        path: path.to_owned(),
        role_id: nimbus_core::ids::iam_unique_id("AROA"),
        arn: format!("arn:aws:iam::{}:role{path}{name}", tx.account()),
        create_date: now,
        assume_role_policy: trust.to_owned(),
        description: description.map(str::to_owned),
        max_session_duration: max_session,
        permissions_boundary: boundary,
    };
    tx.insert_role(&role)?;
    tx.put_tags(TagTarget::Role, &role.name, &tags)?;
    role_result(tx, &role)
}

/// GetRole.
pub(crate) fn get_role(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let role = require_role(tx, p)?;
    role_result(tx, &role)
}

/// ListRoles: `PathPrefix`, `Marker`, `MaxItems`.
pub(crate) fn list_roles(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let prefix = p.path_prefix.get().unwrap_or("/");
    params::role_path_prefix("PathPrefix", prefix)?;
    let page = params::page(p)?;
    let roles: Vec<RoleRecord> = tx
        .roles()?
        .into_iter()
        .filter(|r| r.path.starts_with(prefix))
        .collect();
    let paged = paginate(roles, |r| r.name.to_lowercase(), &page)?;
    shapes::result(&shapes::listed(
        "Roles",
        paged.items.iter().map(shapes::Role::listed).collect(),
        paged.next_marker,
    ))
}

/// DeleteRole: refused with `DeleteConflict` while policies are attached or inline.
pub(crate) fn delete_role(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let role = require_role(tx, p)?;
    if !tx.attached_policies(&role.name)?.is_empty() {
        return Err(IamError::new(
            IamErrorCode::DeleteConflict,
            "Cannot delete entity, must detach all policies first.",
        ));
    }
    if !tx.inline_policies(&role.name)?.is_empty() {
        return Err(IamError::new(
            IamErrorCode::DeleteConflict,
            "Cannot delete entity, must delete policies first.",
        ));
    }
    tx.delete_role(&role.name)?;
    Ok(None)
}

/// UpdateAssumeRolePolicy.
pub(crate) fn update_assume_role_policy(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let mut role = require_role(tx, p)?;
    let doc = params::req(&p.policy_document, "PolicyDocument")?;
    trust_policy("PolicyDocument", doc)?;
    role.assume_role_policy = doc.to_owned();
    tx.update_role(&role)?;
    Ok(None)
}

/// UpdateRole: `Description`, `MaxSessionDuration`; its result is empty.
pub(crate) fn update_role(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let mut role = require_role(tx, p)?;
    if let Some(d) = p.description.get() {
        params::role_description("Description", d)?;
        role.description = Some(d.to_owned());
    }
    if let Some(m) = params::int(&p.max_session_duration, "MaxSessionDuration", 3600, 43200)? {
        role.max_session_duration = m;
    }
    tx.update_role(&role)?;
    Ok(Some(String::new()))
}

/// UpdateRoleDescription: answers the updated role.
pub(crate) fn update_role_description(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let mut role = require_role(tx, p)?;
    let d = params::req(&p.description, "Description")?;
    params::role_description("Description", d)?;
    role.description = Some(d.to_owned());
    tx.update_role(&role)?;
    role_result(tx, &role)
}

/// PutRolePermissionsBoundary.
pub(crate) fn put_role_permissions_boundary(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let mut role = require_role(tx, p)?;
    let arn = params::req(&p.permissions_boundary, "PermissionsBoundary")?;
    role.permissions_boundary = Some(permissions_boundary(tx, arn, "PermissionsBoundary")?);
    tx.update_role(&role)?;
    Ok(None)
}

/// DeleteRolePermissionsBoundary.
pub(crate) fn delete_role_permissions_boundary(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let mut role = require_role(tx, p)?;
    if role.permissions_boundary.is_none() {
        return Err(IamError::new(
            IamErrorCode::NoSuchEntity,
            format!(
                "The role with name {} does not have a permissions boundary.",
                role.name
            ),
        ));
    }
    role.permissions_boundary = None;
    tx.update_role(&role)?;
    Ok(None)
}

/// ListInstanceProfilesForRole: nimbus has no instance profiles, so the list is empty; it
/// exists because Terraform calls it before deleting a role.
pub(crate) fn list_instance_profiles_for_role(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    require_role(tx, p)?;
    params::page(p)?;
    /// An empty list of instance profiles, never truncated.
    #[derive(serde::Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct NoInstanceProfiles {
        instance_profiles: shapes::Empty,
        is_truncated: bool,
    }
    shapes::result(&NoInstanceProfiles {
        instance_profiles: shapes::Empty,
        is_truncated: false,
    })
}

/// TagRole: adds tags or replaces their values.
pub(crate) fn tag_role(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let role = require_role(tx, p)?;
    if p.tags.is_none() {
        return Err(IamError::missing("Tags"));
    }
    let tags = params::tags(p)?;
    add_tags(tx, TagTarget::Role, &role.name, &tags)?;
    Ok(None)
}

/// UntagRole.
pub(crate) fn untag_role(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let role = require_role(tx, p)?;
    let keys = tag_keys(p)?;
    tx.remove_tags(TagTarget::Role, &role.name, &keys)?;
    Ok(None)
}

/// ListRoleTags.
pub(crate) fn list_role_tags(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let role = require_role(tx, p)?;
    tag_list_result(tx.tags(TagTarget::Role, &role.name)?, p)
}
