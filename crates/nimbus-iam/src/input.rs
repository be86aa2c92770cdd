//! IAM's and STS's inputs, written once as `#[derive(Deserialize)]` shapes read from the
//! awsQuery form by [`nimbus_wire::query::de::from_params`] (STS's awsJson bodies are first
//! turned into the same fields by [`crate::sts::json_to_params`], whose errors they keep).
//!
//! Every member is read as the form spells it and validated afterwards by [`crate::params`],
//! in each operation's order, so that the errors and their precedence stay AWS's. Scalars
//! are [`OwnText`] (a field's own text, `None` for a structure or list where text was
//! expected); lists are read as IAM reads them: `Tags.member.N.Key/Value` and
//! `TagKeys.N` or `TagKeys.member.N`, in numeric order of `N`, entries whose `N` is not a
//! number left out.

use std::fmt;
use std::marker::PhantomData;

use nimbus_wire::query::de::OwnText;
use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::error::{IamError, IamErrorCode, StsError, StsErrorCode};

/// The members IAM's operations read. Each operation reads the members it takes; the others
/// stay absent.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub(crate) struct IamInput {
    /// `RoleName`.
    pub(crate) role_name: OwnText,
    /// `Path` of a role or managed policy.
    pub(crate) path: OwnText,
    /// `PathPrefix` of ListRoles / ListPolicies.
    pub(crate) path_prefix: OwnText,
    /// `AssumeRolePolicyDocument` of CreateRole.
    pub(crate) assume_role_policy_document: OwnText,
    /// `Description`.
    pub(crate) description: OwnText,
    /// `MaxSessionDuration`, as sent.
    pub(crate) max_session_duration: OwnText,
    /// `PermissionsBoundary`.
    pub(crate) permissions_boundary: OwnText,
    /// `Tags.member.N.Key/Value`; `None` when the form has no `Tags` field at all.
    pub(crate) tags: Option<TagList>,
    /// `TagKeys.N` or `TagKeys.member.N`.
    pub(crate) tag_keys: StringList,
    /// `Marker` of a list operation.
    pub(crate) marker: OwnText,
    /// `MaxItems` of a list operation, as sent.
    pub(crate) max_items: OwnText,
    /// `PolicyName`.
    pub(crate) policy_name: OwnText,
    /// `PolicyDocument`.
    pub(crate) policy_document: OwnText,
    /// `PolicyArn`.
    pub(crate) policy_arn: OwnText,
    /// `VersionId`.
    pub(crate) version_id: OwnText,
    /// `Scope` of ListPolicies.
    pub(crate) scope: OwnText,
    /// `OnlyAttached` of ListPolicies, as sent.
    pub(crate) only_attached: OwnText,
    /// `PolicyUsageFilter`.
    pub(crate) policy_usage_filter: OwnText,
    /// `EntityFilter` of ListEntitiesForPolicy.
    pub(crate) entity_filter: OwnText,
    /// `UserName`.
    pub(crate) user_name: OwnText,
    /// `NewUserName` of UpdateUser.
    pub(crate) new_user_name: OwnText,
    /// `NewPath` of UpdateUser.
    pub(crate) new_path: OwnText,
    /// `AccessKeyId`.
    pub(crate) access_key_id: OwnText,
    /// `Status` of UpdateAccessKey.
    pub(crate) status: OwnText,
    /// The calling IAM user's name, for the operations whose `UserName` defaults to it.
    #[serde(skip)]
    pub(crate) caller_user: Option<String>,
}

/// One entry of `Tags.member.N`: its `Key` and `Value`, as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub(crate) struct TagEntry {
    /// `Key`.
    pub(crate) key: OwnText,
    /// `Value`.
    pub(crate) value: OwnText,
}

/// The entries of `Tags.member.N` in numeric order of `N`.
#[derive(Debug, Default)]
pub(crate) struct TagList(pub(crate) Vec<TagEntry>);

impl<'de> Deserialize<'de> for TagList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TagList, D::Error> {
        /// The fields below `Tags`: only `member` is read.
        #[derive(Default, Deserialize)]
        #[serde(default)]
        struct Members {
            member: Indexed<TagEntry>,
        }
        Members::deserialize(d).map(|m| TagList(m.member.0))
    }
}

/// A list of strings: `Name.N`, else `Name.member.N`, in numeric order of `N`; entries
/// without text of their own are left out.
#[derive(Debug, Default)]
pub(crate) struct StringList(pub(crate) Vec<String>);

impl<'de> Deserialize<'de> for StringList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<StringList, D::Error> {
        struct ListVisitor;
        impl<'de> Visitor<'de> for ListVisitor {
            type Value = StringList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<StringList, A::Error> {
                let mut direct: Vec<(u32, OwnText)> = Vec::new();
                let mut member = Indexed::<OwnText>::default();
                while let Some(k) = m.next_key::<String>()? {
                    if let Ok(i) = k.parse::<u32>() {
                        direct.push((i, m.next_value()?));
                    } else if k == "member" {
                        member = m.next_value()?;
                    } else {
                        m.next_value::<IgnoredAny>()?;
                    }
                }
                let entries = if direct.is_empty() {
                    member.0
                } else {
                    by_index(direct)
                };
                Ok(StringList(
                    entries.into_iter().filter_map(|t| t.0).collect(),
                ))
            }
        }
        d.deserialize_struct("StringList", &[], ListVisitor)
    }
}

/// A list entry that another spelling of the same index (`01` and `1`) adds to, as the
/// fields of both were read together: a member the later one sends replaces the earlier's.
pub(crate) trait Merge {
    /// Adds `later`'s members to `self`.
    fn merge(&mut self, later: Self);
}

impl Merge for OwnText {
    fn merge(&mut self, later: OwnText) {
        if later.0.is_some() {
            *self = later;
        }
    }
}

impl Merge for TagEntry {
    fn merge(&mut self, later: TagEntry) {
        self.key.merge(later.key);
        self.value.merge(later.value);
    }
}

impl Merge for IgnoredAny {
    fn merge(&mut self, _: IgnoredAny) {}
}

/// The children of a node whose name is a number (`N.…`), in numeric order, children that
/// spell the same number merged; the others are left out.
#[derive(Debug)]
pub(crate) struct Indexed<T>(pub(crate) Vec<T>);

impl<T> Default for Indexed<T> {
    fn default() -> Indexed<T> {
        Indexed(Vec::new())
    }
}

impl<'de, T: Deserialize<'de> + Merge> Deserialize<'de> for Indexed<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Indexed<T>, D::Error> {
        struct IndexedVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Merge> Visitor<'de> for IndexedVisitor<T> {
            type Value = Indexed<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("numbered entries")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Indexed<T>, A::Error> {
                let mut out: Vec<(u32, T)> = Vec::new();
                while let Some(k) = m.next_key::<String>()? {
                    match k.parse::<u32>() {
                        Ok(i) => out.push((i, m.next_value()?)),
                        Err(_) => {
                            m.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(Indexed(by_index(out)))
            }
        }
        d.deserialize_struct("Indexed", &[], IndexedVisitor(PhantomData))
    }
}

/// `entries` (in the order sent) in numeric order of their index, entries of the same index
/// merged in the order sent.
fn by_index<T: Merge>(entries: Vec<(u32, T)>) -> Vec<T> {
    let mut sorted: std::collections::BTreeMap<u32, T> = std::collections::BTreeMap::new();
    for (i, v) in entries {
        match sorted.entry(i) {
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(v);
            }
            std::collections::btree_map::Entry::Occupied(mut e) => e.get_mut().merge(v),
        }
    }
    sorted.into_values().collect()
}

/// Reads IAM's input from a request's form fields. Every member reads any form (text that
/// is not where the shape expects it reads as absent), so this fails only on a bug.
pub(crate) fn read(form: &nimbus_wire::query::QueryParams) -> Result<IamInput, IamError> {
    nimbus_wire::query::de::from_params(form).map_err(|e| {
        IamError::new(
            IamErrorCode::ServiceFailure,
            format!("The IAM request was not read: {e}"),
        )
    })
}

/// The members STS's operations read.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub(crate) struct StsInput {
    /// `RoleArn` of AssumeRole.
    pub(crate) role_arn: OwnText,
    /// `RoleSessionName` of AssumeRole.
    pub(crate) role_session_name: OwnText,
    /// `DurationSeconds`, as sent.
    pub(crate) duration_seconds: OwnText,
    /// `ExternalId` of AssumeRole.
    pub(crate) external_id: OwnText,
    /// `SourceIdentity` of AssumeRole.
    pub(crate) source_identity: OwnText,
    /// `Policy`, the session policy of AssumeRole.
    pub(crate) policy: OwnText,
    /// `PolicyArns.member.N.arn` of AssumeRole.
    pub(crate) policy_arns: PolicyArnList,
}

/// The `arn`s of `PolicyArns.member.N` (entries whose `N` is not a number left out; an
/// entry without `arn` kept as `None`).
#[derive(Debug, Default)]
pub(crate) struct PolicyArnList(pub(crate) Vec<Option<String>>);

/// One `PolicyArns.member.N`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PolicyArnEntry {
    arn: OwnText,
}

impl Merge for PolicyArnEntry {
    fn merge(&mut self, later: PolicyArnEntry) {
        self.arn.merge(later.arn);
    }
}

impl<'de> Deserialize<'de> for PolicyArnList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<PolicyArnList, D::Error> {
        /// The fields below the list: only `member` is read.
        #[derive(Default, Deserialize)]
        #[serde(default)]
        struct Members {
            member: Indexed<PolicyArnEntry>,
        }
        Members::deserialize(d)
            .map(|m| PolicyArnList(m.member.0.into_iter().map(|e| e.arn.0).collect()))
    }
}

/// Reads STS's input from a request's fields. Every member reads any form, so this fails
/// only on a bug.
pub(crate) fn read_sts(form: &nimbus_wire::query::QueryParams) -> Result<StsInput, StsError> {
    nimbus_wire::query::de::from_params(form).map_err(|e| {
        StsError::new(
            StsErrorCode::Internal,
            format!("The STS request was not read: {e}"),
        )
    })
}
