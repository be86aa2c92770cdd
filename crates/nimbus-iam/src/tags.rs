//! Tags shared by roles and managed policies: the tag quota, `TagKeys.member.N`, and the
//! ListRoleTags/ListPolicyTags results.

use crate::OpResult;
use crate::error::{IamError, IamErrorCode};
use crate::input::IamInput;
use crate::limits;
use crate::pagination::paginate;
use crate::params;
use crate::shapes;
use crate::store::{TagTarget, Tx};

/// Adds `tags` to an entity within the tag quota.
pub(crate) fn add_tags(
    tx: &Tx<'_>,
    target: TagTarget,
    entity: &str,
    tags: &[(String, String)],
) -> Result<(), IamError> {
    let existing = tx.tags(target, entity)?;
    let added = tags
        .iter()
        .filter(|(k, _)| !existing.iter().any(|(e, _)| e.eq_ignore_ascii_case(k)))
        .count();
    if existing.len() + added > limits::TAGS_PER_ENTITY {
        return Err(IamError::new(
            IamErrorCode::LimitExceeded,
            "The number of tags has reached the maximum limit.",
        ));
    }
    tx.put_tags(target, entity, tags)
}

/// Reads and validates `TagKeys.member.N`.
pub(crate) fn tag_keys(p: &IamInput) -> Result<Vec<String>, IamError> {
    let keys = p.tag_keys.0.clone();
    if keys.is_empty() {
        return Err(IamError::missing("TagKeys"));
    }
    if keys.len() > limits::TAGS_PER_ENTITY {
        return Err(IamError::constraint(
            "TagKeys",
            "[…]",
            &format!(
                "Member must have length less than or equal to {}",
                limits::TAGS_PER_ENTITY
            ),
        ));
    }
    for k in &keys {
        params::tag_key(k)?;
    }
    Ok(keys)
}

/// Writes a paginated tag list result (ListRoleTags, ListPolicyTags).
pub(crate) fn tag_list_result(tags: Vec<(String, String)>, p: &IamInput) -> OpResult {
    let page = params::page(p)?;
    let paged = paginate(tags, |(k, _)| k.to_lowercase(), &page)?;
    shapes::result(&shapes::listed(
        "Tags",
        shapes::tags(&paged.items),
        paged.next_marker,
    ))
}
