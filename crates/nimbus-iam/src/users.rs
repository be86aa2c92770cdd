//! Users: CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser, Put/DeleteUserPermissions
//! Boundary, user tags (TagUser, UntagUser, ListUserTags) and access keys (CreateAccessKey,
//! ListAccessKeys, UpdateAccessKey, DeleteAccessKey). Inline and attached user policies are
//! in [`crate::user_policies`].

use serde::Serialize;

use nimbus_wire::query::ser::Timestamp;

use crate::OpResult;
use crate::error::{IamError, IamErrorCode};
use crate::input::IamInput;
use crate::pagination::paginate;
use crate::params;
use crate::roles::permissions_boundary;
use crate::shapes;
use crate::store::{TagTarget, Tx};
use crate::tags::{add_tags, tag_keys, tag_list_result};
use crate::user_store::{AccessKeyRecord, UserRecord};

/// Access keys a user may have at once.
const ACCESS_KEYS_PER_USER: usize = 2;

/// `NoSuchEntity` for a user that does not exist, in AWS's words.
pub(crate) fn no_such_user(name: &str) -> IamError {
    IamError::new(
        IamErrorCode::NoSuchEntity,
        format!("The user with name {name} cannot be found."),
    )
}

/// Reads and validates `UserName` (required), and finds the user.
pub(crate) fn require_user(tx: &Tx<'_>, p: &IamInput) -> Result<UserRecord, IamError> {
    let name = params::req(&p.user_name, "UserName")?;
    params::role_name("UserName", name)?;
    tx.user(name)?.ok_or_else(|| no_such_user(name))
}

/// `UserName`, or the calling user's name when it is left out (GetUser, access keys).
fn user_or_caller(tx: &Tx<'_>, p: &IamInput) -> Result<UserRecord, IamError> {
    match (p.user_name.get(), p.caller_user.as_deref()) {
        (None, Some(me)) => tx.user(me)?.ok_or_else(|| no_such_user(me)),
        _ => require_user(tx, p),
    }
}

/// A user as IAM writes it. ListUsers leaves out `PermissionsBoundary` and `Tags`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct User<'a> {
    path: &'a str,
    user_name: &'a str,
    user_id: &'a str,
    arn: &'a str,
    create_date: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    permissions_boundary: Option<Boundary<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<shapes::Tag<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Boundary<'a> {
    permissions_boundary_type: &'static str,
    permissions_boundary_arn: &'a str,
}

impl<'a> User<'a> {
    fn listed(u: &'a UserRecord) -> User<'a> {
        User {
            path: &u.path,
            user_name: &u.name,
            user_id: &u.user_id,
            arn: &u.arn,
            create_date: Timestamp(u.create_date),
            permissions_boundary: None,
            tags: Vec::new(),
        }
    }

    fn full(u: &'a UserRecord, tags: &'a [(String, String)]) -> User<'a> {
        User {
            permissions_boundary: u.permissions_boundary.as_deref().map(|arn| Boundary {
                permissions_boundary_type: "Policy",
                permissions_boundary_arn: arn,
            }),
            tags: shapes::tags(tags),
            ..User::listed(u)
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct UserResult<'a> {
    user: User<'a>,
}

fn user_result(tx: &Tx<'_>, u: &UserRecord) -> OpResult {
    let tags = tx.tags(TagTarget::User, &u.name)?;
    shapes::result(&UserResult {
        user: User::full(u, &tags),
    })
}

/// CreateUser.
pub(crate) fn create_user(tx: &Tx<'_>, p: &IamInput, now: u64) -> OpResult {
    let name = params::req(&p.user_name, "UserName")?;
    params::role_name("UserName", name)?;
    let path = p.path.get().unwrap_or("/");
    params::role_path("Path", path)?;
    let tags = params::tags(p)?;
    let boundary = match p.permissions_boundary.get() {
        Some(b) => Some(permissions_boundary(tx, b, "PermissionsBoundary")?),
        None => None,
    };
    if let Some(existing) = tx.user(name)? {
        return Err(IamError::new(
            IamErrorCode::EntityAlreadyExists,
            format!("User with name {} already exists.", existing.name),
        ));
    }
    let user = UserRecord {
        name: name.to_owned(),
        path: path.to_owned(),
        user_id: nimbus_core::ids::iam_unique_id("AIDA"),
        arn: format!("arn:aws:iam::{}:user{path}{name}", tx.account()),
        create_date: now,
        permissions_boundary: boundary,
    };
    tx.insert_user(&user)?;
    tx.put_tags(TagTarget::User, &user.name, &tags)?;
    user_result(tx, &user)
}

/// GetUser: `UserName`, or the calling user.
pub(crate) fn get_user(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let user = user_or_caller(tx, p)?;
    user_result(tx, &user)
}

/// ListUsers: `PathPrefix`, `Marker`, `MaxItems`.
pub(crate) fn list_users(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let prefix = p.path_prefix.get().unwrap_or("/");
    params::role_path_prefix("PathPrefix", prefix)?;
    let page = params::page(p)?;
    let users: Vec<UserRecord> = tx
        .users()?
        .into_iter()
        .filter(|u| u.path.starts_with(prefix))
        .collect();
    let paged = paginate(users, |u| u.name.to_lowercase(), &page)?;
    shapes::result(&shapes::listed(
        "Users",
        paged.items.iter().map(User::listed).collect(),
        paged.next_marker,
    ))
}

/// UpdateUser: `NewUserName`, `NewPath`.
pub(crate) fn update_user(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let mut user = require_user(tx, p)?;
    let old = user.name.clone();
    if let Some(n) = p.new_user_name.get() {
        params::role_name("NewUserName", n)?;
        if !n.eq_ignore_ascii_case(&old) && tx.user(n)?.is_some() {
            return Err(IamError::new(
                IamErrorCode::EntityAlreadyExists,
                format!("User with name {n} already exists."),
            ));
        }
        user.name = n.to_owned();
    }
    if let Some(path) = p.new_path.get() {
        params::role_path("NewPath", path)?;
        user.path = path.to_owned();
    }
    user.arn = format!(
        "arn:aws:iam::{}:user{}{}",
        tx.account(),
        user.path,
        user.name
    );
    tx.update_user(&old, &user)?;
    Ok(None)
}

/// DeleteUser: refused with `DeleteConflict` while it has policies or access keys.
pub(crate) fn delete_user(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let user = require_user(tx, p)?;
    let conflict = |what: &str| {
        Err(IamError::new(
            IamErrorCode::DeleteConflict,
            format!("Cannot delete entity, must {what} first."),
        ))
    };
    if !tx.access_keys(&user.name)?.is_empty() {
        return conflict("delete access keys");
    }
    if !tx.user_policies(&user.name)?.is_empty() {
        return conflict("delete policies");
    }
    if !tx.user_attached(&user.name)?.is_empty() {
        return conflict("detach all policies");
    }
    tx.delete_user(&user.name)?;
    Ok(None)
}

/// PutUserPermissionsBoundary.
pub(crate) fn put_user_permissions_boundary(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let mut user = require_user(tx, p)?;
    let arn = params::req(&p.permissions_boundary, "PermissionsBoundary")?;
    user.permissions_boundary = Some(permissions_boundary(tx, arn, "PermissionsBoundary")?);
    tx.update_user(&user.name.clone(), &user)?;
    Ok(None)
}

/// DeleteUserPermissionsBoundary.
pub(crate) fn delete_user_permissions_boundary(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let mut user = require_user(tx, p)?;
    if user.permissions_boundary.is_none() {
        return Err(IamError::new(
            IamErrorCode::NoSuchEntity,
            format!(
                "The user with name {} does not have a permissions boundary.",
                user.name
            ),
        ));
    }
    user.permissions_boundary = None;
    tx.update_user(&user.name.clone(), &user)?;
    Ok(None)
}

/// TagUser.
pub(crate) fn tag_user(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let user = require_user(tx, p)?;
    if p.tags.is_none() {
        return Err(IamError::missing("Tags"));
    }
    let tags = params::tags(p)?;
    add_tags(tx, TagTarget::User, &user.name, &tags)?;
    Ok(None)
}

/// UntagUser.
pub(crate) fn untag_user(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let user = require_user(tx, p)?;
    let keys = tag_keys(p)?;
    tx.remove_tags(TagTarget::User, &user.name, &keys)?;
    Ok(None)
}

/// ListUserTags.
pub(crate) fn list_user_tags(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let user = require_user(tx, p)?;
    tag_list_result(tx.tags(TagTarget::User, &user.name)?, p)
}

// ---- access keys ----

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AccessKey<'a> {
    user_name: &'a str,
    access_key_id: &'a str,
    status: &'a str,
    secret_access_key: &'a str,
    create_date: Timestamp,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AccessKeyResult<'a> {
    access_key: AccessKey<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AccessKeyMetadata<'a> {
    user_name: &'a str,
    access_key_id: &'a str,
    status: &'a str,
    create_date: Timestamp,
}

/// CreateAccessKey: a new active key for `UserName` (or the calling user).
pub(crate) fn create_access_key(tx: &Tx<'_>, p: &IamInput, now: u64) -> OpResult {
    let user = user_or_caller(tx, p)?;
    if tx.access_keys(&user.name)?.len() >= ACCESS_KEYS_PER_USER {
        return Err(IamError::new(
            IamErrorCode::LimitExceeded,
            format!("Cannot exceed quota for AccessKeysPerUser: {ACCESS_KEYS_PER_USER}"),
        ));
    }
    let mut id = nimbus_core::ids::iam_unique_id("AKIA");
    id.truncate(20);
    let key = AccessKeyRecord {
        access_key_id: id,
        account: tx.account().to_owned(),
        user_name: user.name.clone(),
        secret: nimbus_core::ids::random_hex(20),
        status: "Active".to_owned(),
        create_date: now,
    };
    tx.insert_access_key(&key)?;
    shapes::result(&AccessKeyResult {
        access_key: AccessKey {
            user_name: &key.user_name,
            access_key_id: &key.access_key_id,
            status: &key.status,
            secret_access_key: &key.secret,
            create_date: Timestamp(key.create_date),
        },
    })
}

/// ListAccessKeys: the keys' metadata (never their secrets).
pub(crate) fn list_access_keys(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let user = user_or_caller(tx, p)?;
    let page = params::page(p)?;
    let keys = tx.access_keys(&user.name)?;
    let paged = paginate(keys, |k| k.access_key_id.clone(), &page)?;
    shapes::result(&shapes::listed(
        "AccessKeyMetadata",
        paged
            .items
            .iter()
            .map(|k| AccessKeyMetadata {
                user_name: &k.user_name,
                access_key_id: &k.access_key_id,
                status: &k.status,
                create_date: Timestamp(k.create_date),
            })
            .collect(),
        paged.next_marker,
    ))
}

fn key_id(p: &IamInput) -> Result<&str, IamError> {
    let id = params::req(&p.access_key_id, "AccessKeyId")?;
    params::length("AccessKeyId", id, 16, 128)?;
    Ok(id)
}

fn no_such_key(id: &str) -> IamError {
    IamError::new(
        IamErrorCode::NoSuchEntity,
        format!("The Access Key with id {id} cannot be found."),
    )
}

/// UpdateAccessKey: `Status` `Active` or `Inactive`.
pub(crate) fn update_access_key(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let id = key_id(p)?;
    let status = params::req(&p.status, "Status")?;
    if !matches!(status, "Active" | "Inactive") {
        return Err(IamError::constraint(
            "Status",
            status,
            "Member must satisfy enum value set: [Active, Inactive]",
        ));
    }
    let user = user_or_caller(tx, p)?;
    if !tx.set_access_key_status(&user.name, id, status)? {
        return Err(no_such_key(id));
    }
    Ok(None)
}

/// DeleteAccessKey.
pub(crate) fn delete_access_key(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let id = key_id(p)?;
    let user = user_or_caller(tx, p)?;
    if !tx.delete_access_key(&user.name, id)? {
        return Err(no_such_key(id));
    }
    Ok(None)
}
