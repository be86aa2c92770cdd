//! TagQueue, UntagQueue, ListQueueTags (the tag rules, which CreateQueue shares, are in
//! [`crate::validate::validate_tags`]).

use std::collections::BTreeMap;

use nimbus_wire::Response;
use serde::{Deserialize, Serialize};

use super::{parse, resolve_queue, respond, respond_empty};
use crate::SqsService;
use crate::error::{Result, SqsError};
use crate::ops::Call;
use crate::validate::validate_tags;

/// TagQueue input.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct TagQueueInput {
    queue_url: Option<String>,
    #[serde(alias = "Tag")]
    tags: Option<BTreeMap<String, String>>,
}

/// TagQueue.
pub async fn tag_queue(svc: &SqsService, req: &mut Call) -> Result<Response> {
    let input: TagQueueInput = parse(req)?;
    let queue = resolve_queue(svc, req, input.queue_url.as_deref())?;
    let Some(tags) = input.tags.filter(|t| !t.is_empty()) else {
        return Err(SqsError::missing_parameter("Tags"));
    };
    let pairs: Vec<(String, String)> = tags.into_iter().collect();
    svc.engine()
        .update_queue(&queue, |st| {
            let kept = st
                .tags
                .keys()
                .filter(|k| !pairs.iter().any(|(n, _)| n == *k))
                .count();
            let new = validate_tags(&pairs, kept)?;
            st.tags.extend(new);
            Ok(())
        })?
        .wait()
        .await?;
    Ok(respond_empty(req))
}

/// UntagQueue input.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct UntagQueueInput {
    queue_url: Option<String>,
    #[serde(alias = "TagKey")]
    tag_keys: Option<Vec<String>>,
}

/// UntagQueue.
pub async fn untag_queue(svc: &SqsService, req: &mut Call) -> Result<Response> {
    let input: UntagQueueInput = parse(req)?;
    let queue = resolve_queue(svc, req, input.queue_url.as_deref())?;
    let Some(keys) = input.tag_keys.filter(|k| !k.is_empty()) else {
        return Err(SqsError::missing_parameter("TagKeys"));
    };
    svc.engine()
        .update_queue(&queue, |st| {
            for k in &keys {
                st.tags.remove(k);
            }
            Ok(())
        })?
        .wait()
        .await?;
    Ok(respond_empty(req))
}

/// ListQueueTags input.
pub type ListQueueTagsInput = super::QueueUrlInput;

/// ListQueueTags output.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListQueueTagsOutput {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    tags: BTreeMap<String, String>,
}

/// ListQueueTags.
pub async fn list_queue_tags(svc: &SqsService, req: &mut Call) -> Result<Response> {
    let input: ListQueueTagsInput = parse(req)?;
    let queue = resolve_queue(svc, req, input.queue_url.as_deref())?;
    if queue.is_deleted() {
        return Err(SqsError::queue_does_not_exist());
    }
    let tags = queue.with_state(|st| st.tags.clone());
    Ok(respond(req, &ListQueueTagsOutput { tags }))
}
