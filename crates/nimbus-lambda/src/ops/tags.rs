//! TagResource, UntagResource, ListTags on functions.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{LambdaError, LambdaErrorCode};
use crate::model::{FunctionKey, FunctionRef};
use crate::{Ctx, LambdaService};

/// The most tags a function may carry.
pub const MAX_TAGS: usize = 50;

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct TagInput {
    tags: Option<BTreeMap<String, String>>,
}

/// Checks tag keys and values as Lambda does.
pub fn validate_tags(tags: &BTreeMap<String, String>) -> Result<(), LambdaError> {
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 {
            return Err(LambdaError::new(
                LambdaErrorCode::InvalidParameterValue,
                format!("Tag key must be between 1 and 128 characters: {k}"),
            ));
        }
        if k.to_ascii_lowercase().starts_with("aws:") {
            return Err(LambdaError::new(
                LambdaErrorCode::InvalidParameterValue,
                "Tag keys prefixed with aws: are reserved.",
            ));
        }
        if v.chars().count() > 256 {
            return Err(LambdaError::new(
                LambdaErrorCode::InvalidParameterValue,
                format!("Tag value must be at most 256 characters: {v}"),
            ));
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(LambdaError::new(
            LambdaErrorCode::InvalidParameterValue,
            format!("Number of tags exceeds resource tag limit of {MAX_TAGS}."),
        ));
    }
    Ok(())
}

impl LambdaService {
    fn tagged_function(&self, ctx: &Ctx<'_>, arn: &str) -> Result<FunctionKey, LambdaError> {
        let invalid = || {
            LambdaError::validation(
                arn,
                "resource",
                "Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)",
            )
        };
        if !arn.starts_with("arn:") {
            return Err(invalid());
        }
        let r = FunctionRef::parse(arn).map_err(|_| invalid())?;
        let key = self.resolve(ctx, arn, None)?;
        let _ = r;
        self.function(&key)?;
        Ok(key)
    }

    /// TagResource.
    pub async fn tag_resource(
        &self,
        ctx: &Ctx<'_>,
        arn: &str,
        body: &[u8],
    ) -> Result<(), LambdaError> {
        let key = self.tagged_function(ctx, arn)?;
        let input: TagInput = super::parse_body(body)?;
        let tags = input
            .tags
            .ok_or_else(|| LambdaError::validation("null", "tags", "Member must not be null"))?;
        self.store.update(&key, |rec| {
            let mut merged = rec.tags.clone();
            merged.extend(tags);
            validate_tags(&merged)?;
            rec.tags = merged;
            Ok(())
        })?;
        Ok(())
    }

    /// UntagResource (`tagKeys` repeated in the query string).
    pub async fn untag_resource(
        &self,
        ctx: &Ctx<'_>,
        arn: &str,
        query: Option<&str>,
    ) -> Result<(), LambdaError> {
        let key = self.tagged_function(ctx, arn)?;
        let keys = super::query_params(query, "tagKeys");
        if keys.is_empty() {
            return Err(LambdaError::validation(
                "null",
                "tagKeys",
                "Member must not be null",
            ));
        }
        self.store.update(&key, |rec| {
            for k in &keys {
                rec.tags.remove(k);
            }
            Ok(())
        })?;
        Ok(())
    }

    /// ListTags.
    pub async fn list_tags(&self, ctx: &Ctx<'_>, arn: &str) -> Result<Value, LambdaError> {
        let key = self.tagged_function(ctx, arn)?;
        Ok(json!({ "Tags": self.function(&key)?.tags }))
    }
}
