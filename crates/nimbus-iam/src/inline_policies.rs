//! Inline policies of a role or a user (`Holder`): Put…Policy, Get…Policy, Delete…Policy,
//! List…Policies written once; `role_policies` and `user_policies` name the holder.

use crate::OpResult;
use crate::document;
use crate::error::{IamError, IamErrorCode};
use crate::holder::Holder;
use crate::input::IamInput;
use crate::pagination::paginate;
use crate::params;
use crate::shapes;
use crate::store::Tx;

fn no_such_policy(holder: Holder<'_>, name: &str) -> IamError {
    IamError::new(
        IamErrorCode::NoSuchEntity,
        format!(
            "The {} policy with name {name} cannot be found.",
            holder.word()
        ),
    )
}

/// The validated `PolicyName`.
pub(crate) fn policy_name(p: &IamInput) -> Result<&str, IamError> {
    let name = params::req(&p.policy_name, "PolicyName")?;
    params::policy_name("PolicyName", name)?;
    Ok(name)
}

/// Put…Policy: creates or replaces an inline policy (validated as an identity policy),
/// within the holder's quota for all its inline policies together.
pub(crate) fn put(tx: &Tx<'_>, holder: Holder<'_>, p: &IamInput) -> OpResult {
    let name = policy_name(p)?;
    let doc = params::req(&p.policy_document, "PolicyDocument")?;
    document::validate_identity("PolicyDocument", doc)?;
    let others: usize = holder
        .inline_policies(tx)?
        .iter()
        .filter(|(n, _)| n != name)
        .map(|(_, d)| document::size(d))
        .sum();
    let quota = holder.inline_quota();
    if others + document::size(doc) > quota {
        return Err(IamError::new(
            IamErrorCode::LimitExceeded,
            format!(
                "Maximum policy size of {quota} bytes exceeded for {} {}",
                holder.word(),
                holder.name()
            ),
        ));
    }
    holder.put_inline(tx, name, doc)?;
    Ok(None)
}

/// Get…Policy's policy name and document, the document URL-encoded as from AWS.
pub(crate) fn get<'p>(
    tx: &Tx<'_>,
    holder: Holder<'_>,
    p: &'p IamInput,
) -> Result<(&'p str, String), IamError> {
    let name = policy_name(p)?;
    let doc = holder
        .inline_policies(tx)?
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, d)| d)
        .ok_or_else(|| no_such_policy(holder, name))?;
    Ok((name, document::encode(&doc)))
}

/// Delete…Policy.
pub(crate) fn delete(tx: &Tx<'_>, holder: Holder<'_>, p: &IamInput) -> OpResult {
    let name = policy_name(p)?;
    if !holder.delete_inline(tx, name)? {
        return Err(no_such_policy(holder, name));
    }
    Ok(None)
}

/// List…Policies: the names, with `Marker` / `MaxItems`.
pub(crate) fn list(tx: &Tx<'_>, holder: Holder<'_>, p: &IamInput) -> OpResult {
    let page = params::page(p)?;
    let names: Vec<String> = holder
        .inline_policies(tx)?
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
