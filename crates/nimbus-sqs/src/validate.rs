//! SQS's input rules with AWS's exact errors: queue names, message bodies and sizes, batch
//! entry ids, the numeric request parameters of SendMessage / ReceiveMessage /
//! ChangeMessageVisibility, and queue tags. The queue attributes' model is
//! [`crate::queue_attributes`].

use std::collections::BTreeMap;

use crate::error::{Result, SqsError, SqsErrorCode};

/// The message of `InvalidMessageContents` (and of attribute values with bad characters).
pub const INVALID_CHARACTERS: &str = "Invalid characters found. Valid unicode characters are \
    #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF";

/// The most entries a batch request may carry.
pub const MAX_BATCH_ENTRIES: usize = 10;
/// The largest total size of the messages of one SendMessageBatch, in bytes.
pub const MAX_BATCH_SIZE: usize = 1_048_576;
/// The longest visibility timeout, and the cap on a message's total invisibility counted
/// from its receive, in seconds (12 hours).
pub const MAX_VISIBILITY_TIMEOUT: u32 = 43_200;

// ---------------------------------------------------------------------------------------
// Names, bodies, sizes, ids
// ---------------------------------------------------------------------------------------

/// Whether every character of `s` is in the set SQS accepts in message bodies and
/// attribute values: `#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD |
/// #x10000 to #x10FFFF`. (A Rust string cannot hold surrogates, so outside ASCII only
/// U+FFFE and U+FFFF are refused.)
pub fn is_valid_message_text(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c < 0x20 {
            if !matches!(c, b'\t' | b'\n' | b'\r') {
                return false;
            }
        } else if c == 0xEF && i + 2 < b.len() && b[i + 1] == 0xBF && (b[i + 2] & 0xFE) == 0xBE {
            // U+FFFE (EF BF BE) or U+FFFF (EF BF BF)
            return false;
        }
        i += 1;
    }
    true
}

/// Validates a message body: present and non-empty (`MissingParameter`), and of allowed
/// characters only (`InvalidMessageContents`).
pub fn message_body(body: &str) -> Result<()> {
    if body.is_empty() {
        return Err(SqsError::missing_parameter("MessageBody"));
    }
    if !is_valid_message_text(body) {
        return Err(SqsError::new(
            SqsErrorCode::InvalidMessageContents,
            INVALID_CHARACTERS,
        ));
    }
    Ok(())
}

/// Validates a message's size: its body bytes plus `attributes_size`
/// ([`crate::message_attributes::size_of`]) may not exceed the queue's
/// `MaximumMessageSize`.
pub fn message_size(body: &str, attributes_size: usize, maximum_message_size: u32) -> Result<()> {
    if body.len() + attributes_size > maximum_message_size as usize {
        return Err(SqsError::new(
            SqsErrorCode::InvalidParameterValue,
            format!(
                "One or more parameters are invalid. Reason: Message must be shorter than \
             {maximum_message_size} bytes."
            ),
        ));
    }
    Ok(())
}

/// Whether `name` is a FIFO queue's name (ends with `.fifo`).
pub fn is_fifo_name(name: &str) -> bool {
    name.ends_with(".fifo")
}

/// Validates a queue name: 1 to 80 characters of `[A-Za-z0-9_-]`; a FIFO queue's name ends
/// with `.fifo`, which counts toward the 80; a standard queue's name may not.
pub fn queue_name(name: &str, fifo: bool) -> Result<()> {
    let stem = if fifo {
        name.strip_suffix(".fifo")
    } else {
        Some(name)
    };
    let ok = stem.is_some_and(|stem| {
        name.len() <= 80
            && !stem.is_empty()
            && stem
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    if ok {
        return Ok(());
    }
    Err(SqsError::new(
        SqsErrorCode::InvalidParameterValue,
        if fifo {
            "The name of a FIFO queue can only include alphanumeric characters, hyphens, or \
         underscores, must end with .fifo suffix and be 1 to 80 in length."
        } else {
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
        },
    ))
}

/// Validates one batch entry id: 1 to 80 characters of alphanumerics, hyphens and
/// underscores (`InvalidBatchEntryId`).
pub fn batch_entry_id(id: &str) -> Result<()> {
    if !id.is_empty()
        && id.len() <= 80
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Ok(());
    }
    Err(SqsError::new(
        SqsErrorCode::InvalidBatchEntryId,
        "A batch entry id can only contain alphanumeric characters, hyphens and underscores. \
         It can be at most 80 letters long.",
    ))
}

/// Validates the entry ids of a batch request in AWS's order: at least one entry
/// (`EmptyBatchRequest`, naming the list member `entry_name`, e.g.
/// `SendMessageBatchRequestEntry`), at most ten (`TooManyEntriesInBatchRequest`), then
/// entry by entry a valid id (`InvalidBatchEntryId`) not seen before
/// (`BatchEntryIdsNotDistinct`).
pub fn batch_entry_ids(ids: &[&str], entry_name: &str) -> Result<()> {
    if ids.is_empty() {
        return Err(SqsError::empty_batch_request(entry_name));
    }
    if ids.len() > MAX_BATCH_ENTRIES {
        return Err(SqsError::too_many_entries_in_batch_request(ids.len()));
    }
    for (i, id) in ids.iter().enumerate() {
        batch_entry_id(id)?;
        if ids[..i].contains(id) {
            return Err(SqsError::batch_entry_ids_not_distinct(id));
        }
    }
    Ok(())
}

/// Validates the total size of a SendMessageBatch (the sum of each entry's body and
/// attribute bytes) against [`MAX_BATCH_SIZE`] (`BatchRequestTooLong`).
pub fn batch_request_size(total: usize) -> Result<()> {
    if total > MAX_BATCH_SIZE {
        return Err(SqsError::batch_request_too_long(total, MAX_BATCH_SIZE));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Request parameters
// ---------------------------------------------------------------------------------------

/// ReceiveMessage `MaxNumberOfMessages`: 1 to 10.
pub fn max_number_of_messages(value: i64) -> Result<u32> {
    in_range(value, 1, 10).ok_or_else(|| {
        SqsError::new(
            SqsErrorCode::InvalidParameterValue,
            format!(
                "Value {value} for parameter MaxNumberOfMessages is invalid. Reason: Must be \
             between 1 and 10, if provided."
            ),
        )
    })
}

/// ReceiveMessage `WaitTimeSeconds`: 0 to 20.
pub fn wait_time_seconds(value: i64) -> Result<u32> {
    in_range(value, 0, 20).ok_or_else(|| {
        SqsError::new(
            SqsErrorCode::InvalidParameterValue,
            format!(
                "Value {value} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and \
             <= 20, if provided."
            ),
        )
    })
}

/// ReceiveMessage and ChangeMessageVisibility `VisibilityTimeout`: 0 to 43200.
pub fn visibility_timeout(value: i64) -> Result<u32> {
    in_range(value, 0, i64::from(MAX_VISIBILITY_TIMEOUT)).ok_or_else(|| {
        SqsError::new(
            SqsErrorCode::InvalidParameterValue,
            format!(
                "Value {value} for parameter VisibilityTimeout is invalid. Reason: Must be between \
             0 and 43200, if provided."
            ),
        )
    })
}

/// The error of a ChangeMessageVisibility that would keep a message invisible for more
/// than 12 hours after its receive.
pub fn visibility_timeout_beyond_limit(value: i64) -> SqsError {
    SqsError::new(
        SqsErrorCode::InvalidParameterValue,
        format!(
            "Value {value} for parameter VisibilityTimeout is invalid. Reason: Total \
         VisibilityTimeout for the message is beyond the limit [43200 seconds]"
        ),
    )
}

/// SendMessage `DelaySeconds`: 0 to 900.
pub fn delay_seconds(value: i64) -> Result<u32> {
    in_range(value, 0, 900).ok_or_else(|| {
        SqsError::new(
            SqsErrorCode::InvalidParameterValue,
            format!(
                "Value {value} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be \
             >= 0 and <= 900."
            ),
        )
    })
}

pub(crate) fn in_range(value: i64, min: i64, max: i64) -> Option<u32> {
    if (min..=max).contains(&value) {
        u32::try_from(value).ok()
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------
// Tags
// ---------------------------------------------------------------------------------------

/// Most tags a queue may carry.
pub const MAX_TAGS: usize = 50;

/// Checks tags against AWS's rules (keys 1–128 characters, values up to 256, no `aws:`
/// prefix, at most 50 per queue counting the `existing` ones it does not replace) and
/// returns them as a map.
pub fn validate_tags(
    tags: &[(String, String)],
    existing: usize,
) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 {
            return Err(SqsError::invalid_parameter_value(format!(
                "Tag key must be between 1 and 128 characters long: {k}"
            )));
        }
        if v.chars().count() > 256 {
            return Err(SqsError::invalid_parameter_value(format!(
                "Tag value must be at most 256 characters long: {v}"
            )));
        }
        if k.to_ascii_lowercase().starts_with("aws:") {
            return Err(SqsError::invalid_parameter_value(format!(
                "Tag keys must not start with the reserved prefix aws: {k}"
            )));
        }
        out.insert(k.clone(), v.clone());
    }
    if out.len() + existing > MAX_TAGS {
        return Err(SqsError::invalid_parameter_value(format!(
            "Too many tags added for queue. A queue can have at most {MAX_TAGS} tags."
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_text_character_set() {
        assert!(is_valid_message_text("plain \t\n\r text"));
        assert!(is_valid_message_text(
            "\u{20}\u{D7FF}\u{E000}\u{FFFD}\u{10000}\u{10FFFF}"
        ));
        assert!(is_valid_message_text("é ✓ 😀 \u{FFFC}"));
        for bad in [
            "\u{0}",
            "a\u{1}b",
            "\u{8}",
            "\u{B}",
            "\u{C}",
            "\u{1F}",
            "x\u{FFFE}",
            "\u{FFFF}y",
        ] {
            assert!(!is_valid_message_text(bad), "{bad:?}");
        }
        assert!(is_valid_message_text("\u{7F}"));
    }

    #[test]
    fn message_body_errors() {
        let e = message_body("").unwrap_err();
        assert_eq!(e.query_code(), "MissingParameter");
        assert_eq!(
            e.message(),
            "The request must contain the parameter MessageBody."
        );
        let e = message_body("a\u{0}").unwrap_err();
        assert_eq!(e.code(), "InvalidMessageContents");
        assert_eq!(
            e.message(),
            "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to \
             #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"
        );
        message_body("ok").unwrap();
    }

    #[test]
    fn message_size_limit() {
        message_size(&"a".repeat(1000), 24, 1024).unwrap();
        let e = message_size(&"a".repeat(1000), 25, 1024).unwrap_err();
        assert_eq!(
            e.message(),
            "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes."
        );
    }

    #[test]
    fn queue_names() {
        queue_name("a", false).unwrap();
        queue_name(&"a".repeat(80), false).unwrap();
        queue_name("My_Queue-1", false).unwrap();
        queue_name(&format!("{}.fifo", "a".repeat(75)), true).unwrap();
        for bad in ["", "a.b", "a b", "q.fifo", &"a".repeat(81), "ü"] {
            let e = queue_name(bad, false).unwrap_err();
            assert_eq!(e.query_code(), "InvalidParameterValue", "{bad}");
            assert_eq!(
                e.message(),
                "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
            );
        }
        for bad in [
            "q",
            ".fifo",
            "a.b.fifo",
            &format!("{}.fifo", "a".repeat(76)),
        ] {
            let e = queue_name(bad, true).unwrap_err();
            assert!(e.message().starts_with("The name of a FIFO queue"), "{bad}");
        }
    }

    #[test]
    fn batch_ids() {
        batch_entry_id("a-b_C9").unwrap();
        batch_entry_id(&"a".repeat(80)).unwrap();
        for bad in ["", "invalid:id", "a.b", &"a".repeat(81)] {
            let e = batch_entry_id(bad).unwrap_err();
            assert_eq!(e.query_code(), "AWS.SimpleQueueService.InvalidBatchEntryId");
            assert_eq!(
                e.message(),
                "A batch entry id can only contain alphanumeric characters, hyphens and \
                 underscores. It can be at most 80 letters long."
            );
        }
        let e = batch_entry_ids(&[], "SendMessageBatchRequestEntry").unwrap_err();
        assert_eq!(e.code(), "EmptyBatchRequest");
        assert_eq!(
            e.message(),
            "There should be at least one SendMessageBatchRequestEntry in the request."
        );
        let many: Vec<String> = (0..20).map(|i| i.to_string()).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let e = batch_entry_ids(&many, "X").unwrap_err();
        assert_eq!(
            e.message(),
            "Maximum number of entries per request are 10. You have sent 20."
        );
        let e = batch_entry_ids(&["a", "b", "a"], "X").unwrap_err();
        assert_eq!(e.code(), "BatchEntryIdsNotDistinct");
        assert_eq!(e.message(), "Id a repeated.");
        // An invalid id is reported even when an earlier one repeats later.
        assert_eq!(
            batch_entry_ids(&["a", "b:", "a"], "X").unwrap_err().code(),
            "InvalidBatchEntryId"
        );
        batch_entry_ids(&["a", "b"], "X").unwrap();
        batch_request_size(MAX_BATCH_SIZE).unwrap();
        let e = batch_request_size(MAX_BATCH_SIZE + 1).unwrap_err();
        assert_eq!(
            e.message(),
            "Batch requests cannot be longer than 1048576 bytes. You have sent 1048577 bytes."
        );
    }

    #[test]
    fn request_parameters() {
        assert_eq!(max_number_of_messages(10).unwrap(), 10);
        assert_eq!(
            max_number_of_messages(11).unwrap_err().message(),
            "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 \
             and 10, if provided."
        );
        assert!(max_number_of_messages(0).is_err());
        assert_eq!(wait_time_seconds(20).unwrap(), 20);
        assert!(
            wait_time_seconds(-1)
                .unwrap_err()
                .message()
                .contains("WaitTimeSeconds")
        );
        assert_eq!(visibility_timeout(43_200).unwrap(), 43_200);
        assert!(visibility_timeout(43_201).is_err());
        assert_eq!(delay_seconds(900).unwrap(), 900);
        assert_eq!(
            delay_seconds(901).unwrap_err().message(),
            "Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 \
             and <= 900."
        );
        assert_eq!(
            visibility_timeout_beyond_limit(5).query_code(),
            "InvalidParameterValue"
        );
    }
}
