//! Managed policies: CreatePolicy, GetPolicy, ListPolicies, DeletePolicy, GetPolicyVersion,
//! ListPolicyVersions, and policy tags (TagPolicy, UntagPolicy, ListPolicyTags).
//!
//! Customer managed policies live in the account that created them and have one version,
//! `v1`. AWS managed policies (`arn:aws:iam::aws:policy/…`) come from [`crate::managed`].

use nimbus_core::Arn;
use nimbus_wire::query::ser::Timestamp;

use crate::OpResult;
use crate::document;
use crate::error::{IamError, IamErrorCode};
use crate::input::IamInput;
use crate::limits;
use crate::managed::{self, AwsManagedPolicy};
use crate::pagination::paginate;
use crate::params;
use crate::shapes;
use crate::store::{PolicyRecord, TagTarget, Tx};
use crate::tags::{add_tags, tag_keys, tag_list_result};

/// The one version every policy has.
pub(crate) const DEFAULT_VERSION: &str = "v1";

/// A policy ARN taken apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PolicyArn {
    /// The 12-digit account, or `aws` for AWS managed policies.
    pub(crate) account: String,
    /// `/` or `/…/`.
    pub(crate) path: String,
    /// The policy name.
    pub(crate) name: String,
}

/// Parses `arn:aws:iam::<account>:policy<path><name>`; anything else is `InvalidInput`.
pub(crate) fn parse_policy_arn(arn: &str) -> Result<PolicyArn, IamError> {
    let invalid = || {
        IamError::new(
            IamErrorCode::InvalidInput,
            format!("ARN {arn} is not valid."),
        )
    };
    let parsed: Arn = arn.parse().map_err(|_| invalid())?;
    if parsed.partition != "aws" || parsed.service != "iam" || !parsed.region.is_empty() {
        return Err(invalid());
    }
    let account_ok = parsed.account == managed::AWS_ACCOUNT
        || nimbus_core::AccountId::parse(&parsed.account).is_some();
    let rest = parsed.resource.strip_prefix("policy").ok_or_else(invalid)?;
    let (dir, name) = rest.rsplit_once('/').ok_or_else(invalid)?;
    let path = format!("{dir}/");
    if !account_ok
        || params::policy_path("Path", &path).is_err()
        || params::policy_name("PolicyName", name).is_err()
    {
        return Err(invalid());
    }
    Ok(PolicyArn {
        account: parsed.account,
        path,
        name: name.to_owned(),
    })
}

/// A managed policy an ARN names.
pub(crate) enum ManagedPolicy {
    /// A customer managed policy of the caller's account.
    Customer(PolicyRecord),
    /// An AWS managed policy nimbus knows.
    Aws(&'static AwsManagedPolicy),
    /// An AWS managed policy ARN nimbus has no details of: attachable, not readable.
    AwsUnlisted(String),
}

impl ManagedPolicy {
    /// The policy's ARN as IAM spells it.
    pub(crate) fn arn(&self) -> String {
        match self {
            ManagedPolicy::Customer(p) => p.arn.clone(),
            ManagedPolicy::Aws(p) => p.arn(),
            ManagedPolicy::AwsUnlisted(a) => a.clone(),
        }
    }
}

/// Finds the managed policy `arn` names, as seen from the transaction's account: its own
/// customer managed policies and AWS's. Another account's policies are not visible.
pub(crate) fn resolve(tx: &Tx<'_>, arn: &str) -> Result<Option<ManagedPolicy>, IamError> {
    let parsed = parse_policy_arn(arn)?;
    if parsed.account == managed::AWS_ACCOUNT {
        return Ok(Some(match managed::find(arn) {
            Some(p) => ManagedPolicy::Aws(p),
            None => ManagedPolicy::AwsUnlisted(arn.to_owned()),
        }));
    }
    if parsed.account != tx.account() {
        return Ok(None);
    }
    Ok(tx
        .policy(&parsed.name)?
        .filter(|p| p.path == parsed.path)
        .map(ManagedPolicy::Customer))
}

/// `NoSuchEntity` for a policy ARN, in AWS's words.
pub(crate) fn policy_not_found(arn: &str) -> IamError {
    IamError::new(
        IamErrorCode::NoSuchEntity,
        format!("Policy {arn} was not found."),
    )
}

/// Reads and validates `PolicyArn`.
pub(crate) fn policy_arn_param(p: &IamInput) -> Result<&str, IamError> {
    let arn = params::req(&p.policy_arn, "PolicyArn")?;
    params::arn("PolicyArn", arn)?;
    Ok(arn)
}

/// A managed policy as responses show it.
struct PolicyView<'a> {
    name: &'a str,
    path: &'a str,
    id: String,
    arn: String,
    description: Option<&'a str>,
    create_date: u64,
    update_date: u64,
    attachment_count: usize,
    boundary_count: usize,
}

impl<'a> PolicyView<'a> {
    fn customer(p: &'a PolicyRecord) -> PolicyView<'a> {
        PolicyView {
            name: &p.name,
            path: &p.path,
            id: p.policy_id.clone(),
            arn: p.arn.clone(),
            description: p.description.as_deref(),
            create_date: p.create_date,
            update_date: p.update_date,
            attachment_count: 0,
            boundary_count: 0,
        }
    }

    fn aws(p: &'static AwsManagedPolicy) -> PolicyView<'a> {
        PolicyView {
            name: p.name,
            path: p.path,
            id: p.policy_id(),
            arn: p.arn(),
            description: Some(p.description),
            create_date: managed::CREATED_MILLIS,
            update_date: managed::CREATED_MILLIS,
            attachment_count: 0,
            boundary_count: 0,
        }
    }

    fn with_counts(mut self, tx: &Tx<'_>) -> Result<Self, IamError> {
        self.attachment_count = tx.attachment_count(&self.arn)?;
        self.boundary_count = tx.boundary_usage()?.get(&self.arn).copied().unwrap_or(0);
        Ok(self)
    }

    /// The policy's shape; `full` adds what GetPolicy shows and ListPolicies leaves out:
    /// description and tags.
    fn shape<'b>(&'b self, tags: &'b [(String, String)], full: bool) -> shapes::Policy<'b> {
        shapes::Policy {
            policy_name: self.name,
            default_version_id: DEFAULT_VERSION,
            policy_id: &self.id,
            path: self.path,
            arn: &self.arn,
            attachment_count: self.attachment_count,
            permissions_boundary_usage_count: self.boundary_count,
            is_attachable: true,
            description: if full { self.description } else { None },
            create_date: Timestamp(self.create_date),
            update_date: Timestamp(self.update_date),
            tags: if full { shapes::tags(tags) } else { Vec::new() },
        }
    }
}

fn policy_result(view: &PolicyView<'_>, tags: &[(String, String)]) -> OpResult {
    shapes::result(&shapes::PolicyResult {
        policy: view.shape(tags, true),
    })
}

/// Finds a policy that GetPolicy-like operations can read; unlisted AWS policies and other
/// accounts' policies are `NoSuchEntity`.
fn readable(tx: &Tx<'_>, arn: &str) -> Result<ManagedPolicy, IamError> {
    match resolve(tx, arn)? {
        Some(ManagedPolicy::AwsUnlisted(_)) | None => Err(policy_not_found(arn)),
        Some(found) => Ok(found),
    }
}

/// CreatePolicy: a customer managed policy with version `v1`.
pub(crate) fn create_policy(tx: &Tx<'_>, p: &IamInput, now: u64) -> OpResult {
    let name = params::req(&p.policy_name, "PolicyName")?;
    params::policy_name("PolicyName", name)?;
    let path = p.path.get().unwrap_or("/");
    params::policy_path("Path", path)?;
    let doc = params::req(&p.policy_document, "PolicyDocument")?;
    let description = p.description.get();
    if let Some(d) = description {
        params::policy_description("Description", d)?;
    }
    let tags = params::tags(p)?;
    document::validate_identity("PolicyDocument", doc)?;
    if document::size(doc) > limits::MANAGED_POLICY_SIZE {
        return Err(IamError::new(
            IamErrorCode::LimitExceeded,
            format!(
                "Cannot exceed quota for PolicySize: {}",
                limits::MANAGED_POLICY_SIZE
            ),
        ));
    }
    if let Some(existing) = tx.policy(name)? {
        return Err(IamError::new(
            IamErrorCode::EntityAlreadyExists,
            format!(
                "A policy called {} already exists. Duplicate names are not allowed.",
                existing.name
            ),
        ));
    }
    if tx.policy_count()? >= limits::POLICIES_PER_ACCOUNT {
        return Err(IamError::new(
            IamErrorCode::LimitExceeded,
            format!(
                "Cannot exceed quota for PoliciesPerAccount: {}",
                limits::POLICIES_PER_ACCOUNT
            ),
        ));
    }
    let policy = PolicyRecord {
        name: name.to_owned(),
        path: path.to_owned(),
        policy_id: nimbus_core::ids::iam_unique_id("ANPA"),
        arn: format!("arn:aws:iam::{}:policy{path}{name}", tx.account()),
        description: description.map(str::to_owned),
        document: doc.to_owned(),
        create_date: now,
        update_date: now,
    };
    tx.insert_policy(&policy)?;
    tx.put_tags(TagTarget::Policy, &policy.name, &tags)?;
    policy_result(&PolicyView::customer(&policy), &tags)
}

/// GetPolicy.
pub(crate) fn get_policy(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let arn = policy_arn_param(p)?;
    match readable(tx, arn)? {
        ManagedPolicy::Customer(c) => {
            let tags = tx.tags(TagTarget::Policy, &c.name)?;
            policy_result(&PolicyView::customer(&c).with_counts(tx)?, &tags)
        }
        ManagedPolicy::Aws(a) => policy_result(&PolicyView::aws(a).with_counts(tx)?, &[]),
        ManagedPolicy::AwsUnlisted(_) => Err(policy_not_found(arn)),
    }
}

/// ListPolicies: `Scope` (All, AWS, Local), `OnlyAttached`, `PathPrefix`,
/// `PolicyUsageFilter`, `Marker`, `MaxItems`.
pub(crate) fn list_policies(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let scope = p.scope.get().unwrap_or("All");
    if !matches!(scope, "All" | "AWS" | "Local") {
        return Err(IamError::constraint(
            "Scope",
            scope,
            "Member must satisfy enum value set: [All, AWS, Local]",
        ));
    }
    let only_attached = params::bool(&p.only_attached, "OnlyAttached")?.unwrap_or(false);
    let prefix = p.path_prefix.get().unwrap_or("/");
    params::policy_path("PathPrefix", prefix)?;
    let usage = p.policy_usage_filter.get();
    if let Some(u) = usage
        && !matches!(u, "PermissionsPolicy" | "PermissionsBoundary")
    {
        return Err(IamError::constraint(
            "PolicyUsageFilter",
            u,
            "Member must satisfy enum value set: [PermissionsPolicy, PermissionsBoundary]",
        ));
    }
    let page = params::page(p)?;

    let customer = tx.policies()?;
    let mut views: Vec<PolicyView<'_>> = Vec::new();
    if scope != "Local" {
        views.extend(managed::POLICIES.iter().map(PolicyView::aws));
    }
    if scope != "AWS" {
        views.extend(customer.iter().map(PolicyView::customer));
    }
    let attachments = tx.attachment_counts()?;
    let boundaries = tx.boundary_usage()?;
    for v in &mut views {
        v.attachment_count = attachments.get(&v.arn).copied().unwrap_or(0);
        v.boundary_count = boundaries.get(&v.arn).copied().unwrap_or(0);
    }
    views.retain(|v| {
        v.path.starts_with(prefix)
            && (!only_attached || v.attachment_count > 0)
            && (usage != Some("PermissionsBoundary") || v.boundary_count > 0)
    });
    let paged = paginate(
        views,
        |v| format!("{}\u{0}{}", v.name.to_lowercase(), v.arn),
        &page,
    )?;
    shapes::result(&shapes::listed(
        "Policies",
        paged.items.iter().map(|v| v.shape(&[], false)).collect(),
        paged.next_marker,
    ))
}

/// DeletePolicy: refused with `DeleteConflict` while the policy is attached to a role or
/// is a role's permissions boundary.
pub(crate) fn delete_policy(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let arn = policy_arn_param(p)?;
    let policy = match resolve(tx, arn)? {
        Some(ManagedPolicy::Customer(c)) => c,
        Some(ManagedPolicy::Aws(_) | ManagedPolicy::AwsUnlisted(_)) => {
            return Err(IamError::new(
                IamErrorCode::AccessDenied,
                format!("{arn} is an AWS managed policy; AWS managed policies cannot be deleted."),
            ));
        }
        None => return Err(policy_not_found(arn)),
    };
    let boundary = tx.boundary_usage()?.get(&policy.arn).copied().unwrap_or(0);
    if tx.attachment_count(&policy.arn)? > 0 || boundary > 0 {
        return Err(IamError::new(
            IamErrorCode::DeleteConflict,
            "Cannot delete a policy attached to entities.",
        ));
    }
    tx.delete_policy(&policy.name)?;
    Ok(None)
}

fn version_param(p: &IamInput) -> Result<&str, IamError> {
    let v = params::req(&p.version_id, "VersionId")?;
    let ok = v
        .strip_prefix('v')
        .and_then(|n| n.split('.').next())
        .is_some_and(|n| {
            !n.is_empty() && !n.starts_with('0') && n.bytes().all(|b| b.is_ascii_digit())
        });
    if !ok {
        return Err(IamError::constraint(
            "VersionId",
            v,
            "Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?",
        ));
    }
    Ok(v)
}

fn version_shape(document: Option<&str>, create_date: u64) -> shapes::PolicyVersion {
    shapes::PolicyVersion {
        document: document.map(document::encode),
        version_id: DEFAULT_VERSION,
        is_default_version: true,
        create_date: Timestamp(create_date),
    }
}

/// GetPolicyVersion: the document of `v1`, URL-encoded.
pub(crate) fn get_policy_version(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let arn = policy_arn_param(p)?;
    let version = version_param(p)?;
    let found = readable(tx, arn)?;
    if version != DEFAULT_VERSION {
        return Err(IamError::new(
            IamErrorCode::NoSuchEntity,
            format!("Policy {arn} version {version} does not exist or is not attachable."),
        ));
    }
    let (doc, created) = match &found {
        ManagedPolicy::Customer(c) => (c.document.as_str(), c.create_date),
        ManagedPolicy::Aws(a) => (a.document, managed::CREATED_MILLIS),
        ManagedPolicy::AwsUnlisted(_) => return Err(policy_not_found(arn)),
    };
    shapes::result(&shapes::PolicyVersionResult {
        policy_version: version_shape(Some(doc), created),
    })
}

/// ListPolicyVersions: the single version `v1`.
pub(crate) fn list_policy_versions(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let arn = policy_arn_param(p)?;
    params::page(p)?;
    let created = match readable(tx, arn)? {
        ManagedPolicy::Customer(c) => c.create_date,
        _ => managed::CREATED_MILLIS,
    };
    shapes::result(&shapes::listed(
        "Versions",
        vec![version_shape(None, created)],
        None,
    ))
}

/// A customer managed policy of the caller's, for the tagging operations.
fn taggable(tx: &Tx<'_>, arn: &str) -> Result<PolicyRecord, IamError> {
    match resolve(tx, arn)? {
        Some(ManagedPolicy::Customer(c)) => Ok(c),
        Some(_) => Err(IamError::new(
            IamErrorCode::InvalidInput,
            format!(
                "{arn} is an AWS managed policy; only customer managed policies can be tagged."
            ),
        )),
        None => Err(policy_not_found(arn)),
    }
}

/// TagPolicy.
pub(crate) fn tag_policy(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let arn = policy_arn_param(p)?;
    let policy = taggable(tx, arn)?;
    if p.tags.is_none() {
        return Err(IamError::missing("Tags"));
    }
    let tags = params::tags(p)?;
    add_tags(tx, TagTarget::Policy, &policy.name, &tags)?;
    Ok(None)
}

/// UntagPolicy.
pub(crate) fn untag_policy(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let arn = policy_arn_param(p)?;
    let policy = taggable(tx, arn)?;
    let keys = tag_keys(p)?;
    tx.remove_tags(TagTarget::Policy, &policy.name, &keys)?;
    Ok(None)
}

/// ListPolicyTags.
pub(crate) fn list_policy_tags(tx: &Tx<'_>, p: &IamInput) -> OpResult {
    let arn = policy_arn_param(p)?;
    let policy = taggable(tx, arn)?;
    tag_list_result(tx.tags(TagTarget::Policy, &policy.name)?, p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_policy_arns() {
        let a =
            parse_policy_arn("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
                .unwrap();
        assert_eq!(a.account, "aws");
        assert_eq!(a.path, "/service-role/");
        assert_eq!(a.name, "AWSLambdaBasicExecutionRole");
        let a = parse_policy_arn("arn:aws:iam::123456789012:policy/p").unwrap();
        assert_eq!((a.account.as_str(), a.path.as_str()), ("123456789012", "/"));
        for bad in [
            "nope",
            "arn:aws:iam::123456789012:role/r",
            "arn:aws:iam::123456789012:policy",
            "arn:aws:iam::123456789012:policy/",
            "arn:aws:iam::12345:policy/p",
            "arn:aws:s3::123456789012:policy/p",
            "arn:aws:iam:us-east-1:123456789012:policy/p",
            "arn:aws:iam::123456789012:policyx/p",
        ] {
            assert!(
                matches!(parse_policy_arn(bad), Err(ref e) if e.kind() == IamErrorCode::InvalidInput),
                "{bad}"
            );
        }
    }
}
