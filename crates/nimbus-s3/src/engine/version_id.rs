//! Version ids, on buckets that never had versioning.
//!
//! nimbus has no S3 versioning yet, so every bucket is one that never had it. There each
//! object is its key's only version, the *null version*, and the literal version id `null`
//! names it: a GET, HEAD or DELETE with `versionId=null` acts on the current object exactly
//! as one without a version id does, and a copy source `bucket/key?versionId=null` copies it.
//!
//! Any other version id names nothing, and AWS refuses the request without looking at the
//! key and without changing anything (recorded against AWS; sources in `docs/compat.md`):
//! - GetObject, HeadObject, DeleteObject, Get/Put/DeleteObjectTagging, GetObjectAcl:
//!   400 `InvalidArgument` "Invalid version id specified" with `ArgumentName` `versionId` and
//!   `ArgumentValue` the id, whether or not the id is well formed; an empty id is "Version id
//!   cannot be the empty string". A HEAD answer has no body, so clients see only the 400.
//! - DeleteObjects: the request succeeds and the entry is an `<Error>` with `NoSuchVersion`
//!   "The specified version does not exist." and its `Key` and `VersionId`.
//! - UploadPartCopy: `InvalidArgument` "Invalid version id specified" with `ArgumentName`
//!   `x-amz-copy-source` and `ArgumentValue` the id; CopyObject: 400 `InvalidRequest`
//!   "Invalid Request". An empty id in a copy source is `InvalidArgument` "Version id cannot
//!   be the empty string" for both.
//! - UploadPart accepts no version id at all, not even a real one: `InvalidArgument` "This
//!   operation does not accept a version-id.".
//!
//! Answers about the null version of such a bucket carry no `x-amz-version-id` (AWS sends
//! none for a GetObject with `versionId=null` there); a DeleteObjects entry that named
//! `null` echoes it in `<Deleted>`, as AWS echoes every version id an entry names.
//!
//! When versioning comes, these functions are where a bucket's state decides.

use crate::error::{S3Error, S3Result};

/// The version id of the object written without versioning.
pub const NULL: &str = "null";

/// The `ArgumentName` of a version id given in the query string.
pub const QUERY_ARGUMENT: &str = "versionId";

/// The `ArgumentName` of a version id given in `x-amz-copy-source`.
pub const COPY_SOURCE_ARGUMENT: &str = "x-amz-copy-source";

/// Whether `id` names a version of an object in a bucket that never had versioning: only
/// `null` does.
pub fn names_a_version(id: &str) -> bool {
    id == NULL
}

/// Checks a version id given as `argument` (see [`names_a_version`]).
pub fn check(id: &str, argument: &'static str) -> S3Result<()> {
    if names_a_version(id) {
        Ok(())
    } else {
        Err(S3Error::InvalidVersionId {
            argument,
            value: id.to_owned(),
        })
    }
}

/// Checks an object operation's `versionId` query parameter (`version`): absent or `null`,
/// the operation acts on the current object; anything else is refused.
pub fn check_query(version: Option<&str>) -> S3Result<()> {
    match version {
        None => Ok(()),
        Some(id) => check(id, QUERY_ARGUMENT),
    }
}

/// Refuses a `versionId` query parameter (`version`) on an operation that takes none
/// (UploadPart).
pub fn refuse_query(version: Option<&str>) -> S3Result<()> {
    match version {
        None => Ok(()),
        Some(id) => Err(S3Error::invalid_argument_named(
            "This operation does not accept a version-id.",
            QUERY_ARGUMENT,
            id,
        )),
    }
}

/// The `versionId` of a copy source's query (`bucket/key?versionId=…`), decoded.
pub fn in_copy_source_query(query: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == QUERY_ARGUMENT)
        .map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_null_names_a_version() {
        assert!(check("null", QUERY_ARGUMENT).is_ok());
        for id in [
            "",
            "abc",
            "NULL",
            "HPniJFCxqTsMuIH9KX8K8wEjNUgmABCD",
            "null ",
        ] {
            assert_eq!(
                check(id, QUERY_ARGUMENT),
                Err(S3Error::InvalidVersionId {
                    argument: QUERY_ARGUMENT,
                    value: id.to_owned()
                }),
                "{id:?}"
            );
        }
    }

    #[test]
    fn copy_source_query() {
        assert_eq!(
            in_copy_source_query("versionId=null").as_deref(),
            Some("null")
        );
        assert_eq!(in_copy_source_query("versionId=").as_deref(), Some(""));
        assert_eq!(
            in_copy_source_query("versionId=a%2Bb").as_deref(),
            Some("a+b")
        );
        assert_eq!(in_copy_source_query("other=1"), None);
    }
}
