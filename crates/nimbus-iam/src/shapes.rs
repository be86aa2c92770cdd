//! IAM's result shapes, written once as `Serialize` structs and rendered as awsQuery XML by
//! [`nimbus_wire::query::ser`] (wrapped `<member>` lists, ISO 8601 timestamps).

use nimbus_wire::query::ser::{Timestamp, to_writer};
use nimbus_wire::xml::Writer;
use serde::Serialize;
use serde::ser::SerializeStruct;

use crate::OpResult;
use crate::document;
use crate::store::RoleRecord;

/// The inside of `<{Action}Result>` for `out`.
pub(crate) fn result<T: Serialize>(out: &T) -> OpResult {
    let mut w = Writer::new();
    if let Err(e) = to_writer(out, &[], &mut w) {
        // Only a shape awsQuery cannot spell gets here (a bug).
        tracing::error!(error = %e, "IAM result not written");
    }
    Ok(Some(w.finish()))
}

/// An element with no content: `<RoleLastUsed/>`, `<InstanceProfiles/>`.
#[derive(Serialize)]
pub(crate) struct Empty;

/// One tag.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Tag<'a> {
    /// The key.
    pub(crate) key: &'a str,
    /// The value.
    pub(crate) value: &'a str,
}

/// `tags` as their shapes.
pub(crate) fn tags(tags: &[(String, String)]) -> Vec<Tag<'_>> {
    tags.iter().map(|(k, v)| Tag { key: k, value: v }).collect()
}

/// A role's `PermissionsBoundary`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Boundary<'a> {
    permissions_boundary_type: &'static str,
    permissions_boundary_arn: &'a str,
}

/// A role. ListRoles leaves out `PermissionsBoundary`, `Tags` and `RoleLastUsed`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Role<'a> {
    path: &'a str,
    role_name: &'a str,
    role_id: &'a str,
    arn: &'a str,
    create_date: Timestamp,
    assume_role_policy_document: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    max_session_duration: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    permissions_boundary: Option<Boundary<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<Tag<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role_last_used: Option<Empty>,
}

impl<'a> Role<'a> {
    /// Everything GetRole shows.
    pub(crate) fn full(r: &'a RoleRecord, tags: &'a [(String, String)]) -> Role<'a> {
        Role {
            permissions_boundary: r.permissions_boundary.as_deref().map(|arn| Boundary {
                permissions_boundary_type: "Policy",
                permissions_boundary_arn: arn,
            }),
            tags: self::tags(tags),
            role_last_used: Some(Empty),
            ..Role::listed(r)
        }
    }

    /// What ListRoles shows.
    pub(crate) fn listed(r: &'a RoleRecord) -> Role<'a> {
        Role {
            path: &r.path,
            role_name: &r.name,
            role_id: &r.role_id,
            arn: &r.arn,
            create_date: Timestamp(r.create_date),
            assume_role_policy_document: document::encode(&r.assume_role_policy),
            description: r.description.as_deref(),
            max_session_duration: r.max_session_duration,
            permissions_boundary: None,
            tags: Vec::new(),
            role_last_used: None,
        }
    }
}

/// `<Role>…</Role>`: the result of CreateRole, GetRole, UpdateRoleDescription.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RoleResult<'a> {
    /// The role.
    pub(crate) role: Role<'a>,
}

/// A managed policy. ListPolicies leaves out `Description` and `Tags`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Policy<'a> {
    /// The name.
    pub(crate) policy_name: &'a str,
    /// Always `v1`.
    pub(crate) default_version_id: &'static str,
    /// The id.
    pub(crate) policy_id: &'a str,
    /// The path.
    pub(crate) path: &'a str,
    /// The ARN.
    pub(crate) arn: &'a str,
    /// How many roles it is attached to.
    pub(crate) attachment_count: usize,
    /// How many roles it bounds.
    pub(crate) permissions_boundary_usage_count: usize,
    /// Always true.
    pub(crate) is_attachable: bool,
    /// GetPolicy only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<&'a str>,
    /// Created.
    pub(crate) create_date: Timestamp,
    /// Updated.
    pub(crate) update_date: Timestamp,
    /// GetPolicy only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) tags: Vec<Tag<'a>>,
}

/// `<Policy>…</Policy>`: the result of CreatePolicy and GetPolicy.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PolicyResult<'a> {
    /// The policy.
    pub(crate) policy: Policy<'a>,
}

/// A policy version (always `v1`, the default).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PolicyVersion {
    /// The URL-encoded document (GetPolicyVersion only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) document: Option<String>,
    /// Always `v1`.
    pub(crate) version_id: &'static str,
    /// Always true.
    pub(crate) is_default_version: bool,
    /// Created.
    pub(crate) create_date: Timestamp,
}

/// `<PolicyVersion>…</PolicyVersion>`: GetPolicyVersion's result.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PolicyVersionResult {
    /// The version.
    pub(crate) policy_version: PolicyVersion,
}

/// GetRolePolicy's result.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RolePolicy<'a> {
    /// The role.
    pub(crate) role_name: &'a str,
    /// The inline policy's name.
    pub(crate) policy_name: &'a str,
    /// The URL-encoded document.
    pub(crate) policy_document: String,
}

/// An attached policy of ListAttachedRolePolicies.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AttachedPolicy<'a> {
    /// The name.
    pub(crate) policy_name: &'a str,
    /// The ARN.
    pub(crate) policy_arn: &'a str,
}

/// A role of ListEntitiesForPolicy.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PolicyRole<'a> {
    /// The name.
    pub(crate) role_name: &'a str,
    /// The id.
    pub(crate) role_id: &'a str,
}

/// A list result: empty elements first (`<PolicyGroups/>`), then `<{list}><member>…` of
/// `items`, then `IsTruncated` and, when truncated, `Marker`.
pub(crate) struct Listed<T> {
    /// Elements written empty before the list.
    pub(crate) empty: &'static [&'static str],
    /// The list's element.
    pub(crate) list: &'static str,
    /// This page's items.
    pub(crate) items: Vec<T>,
    /// The marker of the next page, when there is one.
    pub(crate) next_marker: Option<String>,
}

impl<T: Serialize> Serialize for Listed<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Listed", self.empty.len() + 3)?;
        for e in self.empty {
            st.serialize_field(e, &Empty)?;
        }
        st.serialize_field(self.list, &self.items)?;
        st.serialize_field("IsTruncated", &self.next_marker.is_some())?;
        match &self.next_marker {
            Some(m) => st.serialize_field("Marker", m)?,
            None => st.skip_field("Marker")?,
        }
        st.end()
    }
}

/// `Listed` for `items` under `list`, paged.
pub(crate) fn listed<T>(
    list: &'static str,
    items: Vec<T>,
    next_marker: Option<String>,
) -> Listed<T> {
    Listed {
        empty: &[],
        list,
        items,
        next_marker,
    }
}
