//! Tags shared by roles and managed policies: the tag quota, `TagKeys.member.N`, and the
//! `<Tags>` element of GetRole/GetPolicy and the ListRoleTags/ListPolicyTags results.

use nimbus_wire::xml::Writer;

use crate::OpResult;
use crate::error::{IamError, IamErrorCode};
use crate::limits;
use crate::pagination::{paginate, write_truncation};
use crate::params::{self, Params};
use crate::store::{TagTarget, Tx};

/// `<Tags><member><Key/><Value/></member>…</Tags>`, left out when there are none.
pub(crate) fn write_tags(w: &mut Writer, tags: &[(String, String)]) {
    if tags.is_empty() {
        return;
    }
    w.open("Tags");
    for (k, v) in tags {
        w.open("member")
            .elem("Key", k)
            .elem("Value", v)
            .close("member");
    }
    w.close("Tags");
}

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
pub(crate) fn tag_keys(p: &Params<'_>) -> Result<Vec<String>, IamError> {
    let keys = p.list("TagKeys");
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
pub(crate) fn tag_list_result(tags: Vec<(String, String)>, p: &Params<'_>) -> OpResult {
    let page = p.page()?;
    let paged = paginate(tags, |(k, _)| k.to_lowercase(), &page)?;
    let mut w = Writer::new();
    w.open("Tags");
    for (k, v) in &paged.items {
        w.open("member")
            .elem("Key", k)
            .elem("Value", v)
            .close("member");
    }
    w.close("Tags");
    write_truncation(&mut w, &paged.next_marker);
    Ok(Some(w.finish()))
}
