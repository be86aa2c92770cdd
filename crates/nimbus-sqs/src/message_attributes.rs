//! Message attributes: parsing from both protocols, validation as SendMessage does it, the
//! size they add to a message, the MD5 digests SDKs verify, and the receive-side
//! `MessageAttributeNames` filter.
//!
//! The same [`MessageAttributeValue`] carries user attributes (`MessageAttributes`) and
//! message system attributes (`MessageSystemAttributes`, only `AWSTraceHeader` today); they
//! differ in validation ([`validate`] vs [`validate_system`]) and in that system attributes
//! do not count toward the message size.
//!
//! The MD5 of a set of attributes follows AWS's encoding: attributes sorted by name, each as
//! a 4-byte big-endian length and the UTF-8 name, a 4-byte length and the data type, one
//! transport byte (1 for `String`/`Number`, 2 for `Binary`) and a 4-byte length and the
//! value bytes. The test vectors below are digests real SQS returned.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use md5::{Digest, Md5};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize};

use crate::error::{Result, SqsError, SqsErrorCode};
use crate::validate::is_valid_message_text;

/// The most user attributes one message may carry.
pub const MAX_ATTRIBUTES: usize = 10;
/// The longest attribute name, in characters.
pub const MAX_NAME_LEN: usize = 256;
/// The longest data type (base type and label), in characters.
pub const MAX_DATA_TYPE_LEN: usize = 256;
/// The only message system attribute that can be sent.
pub const AWS_TRACE_HEADER: &str = "AWSTraceHeader";

/// The value of one message attribute (user or system).
///
/// Serializes to the awsJson form (`DataType`, `StringValue`, `BinaryValue` in base64) and
/// deserializes from it; list values (`StringListValues`, `BinaryListValues`) are refused,
/// as AWS refuses them. Prefer [`parse_json`], which answers AWS's exact errors.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawValue")]
pub struct MessageAttributeValue {
    /// `String`, `Number` or `Binary`, optionally followed by `.label`.
    pub data_type: String,
    /// The value of `String` and `Number` attributes.
    pub string_value: Option<String>,
    /// The value of `Binary` attributes (base64 on the wire).
    pub binary_value: Option<Vec<u8>>,
}

/// Message attributes by name, in name order (the order the MD5 uses).
pub type MessageAttributes = BTreeMap<String, MessageAttributeValue>;

/// The logical type of an attribute: the part of `DataType` before the first `.`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BaseType {
    /// `String`: UTF-8 text in `StringValue`.
    String,
    /// `Number`: a decimal number in `StringValue`.
    Number,
    /// `Binary`: bytes in `BinaryValue`.
    Binary,
}

impl BaseType {
    /// AWS's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            BaseType::String => "String",
            BaseType::Number => "Number",
            BaseType::Binary => "Binary",
        }
    }
}

impl MessageAttributeValue {
    /// A `String` attribute.
    pub fn string(value: impl Into<String>) -> MessageAttributeValue {
        MessageAttributeValue {
            data_type: "String".into(),
            string_value: Some(value.into()),
            binary_value: None,
        }
    }

    /// A `Number` attribute (the value is not checked; see [`validate`]).
    pub fn number(value: impl Into<String>) -> MessageAttributeValue {
        MessageAttributeValue {
            data_type: "Number".into(),
            string_value: Some(value.into()),
            binary_value: None,
        }
    }

    /// A `Binary` attribute.
    pub fn binary(value: impl Into<Vec<u8>>) -> MessageAttributeValue {
        MessageAttributeValue {
            data_type: "Binary".into(),
            string_value: None,
            binary_value: Some(value.into()),
        }
    }

    /// The logical type, or `None` when `DataType` does not start with one of the three.
    pub fn base_type(&self) -> Option<BaseType> {
        let (base, label) = match self.data_type.split_once('.') {
            Some((b, l)) => (b, Some(l)),
            None => (self.data_type.as_str(), None),
        };
        if label == Some("") {
            return None;
        }
        match base {
            "String" => Some(BaseType::String),
            "Number" => Some(BaseType::Number),
            "Binary" => Some(BaseType::Binary),
            _ => None,
        }
    }

    /// Whether the value travels as bytes (`Binary…`) rather than text.
    pub fn is_binary(&self) -> bool {
        self.data_type.starts_with("Binary")
    }

    /// The bytes of the value the type selects (empty when absent).
    pub fn value_bytes(&self) -> &[u8] {
        if self.is_binary() {
            self.binary_value.as_deref().unwrap_or_default()
        } else {
            self.string_value
                .as_deref()
                .map(str::as_bytes)
                .unwrap_or_default()
        }
    }
}

impl Serialize for MessageAttributeValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let n =
            1 + usize::from(self.string_value.is_some()) + usize::from(self.binary_value.is_some());
        let mut st = s.serialize_struct("MessageAttributeValue", n)?;
        if let Some(v) = &self.string_value {
            st.serialize_field("StringValue", v)?;
        }
        if let Some(v) = &self.binary_value {
            st.serialize_field("BinaryValue", &BASE64.encode(v))?;
        }
        st.serialize_field("DataType", &self.data_type)?;
        st.end()
    }
}

/// The awsJson form as it arrives, before AWS's rules are applied.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawValue {
    #[serde(default)]
    data_type: Option<String>,
    #[serde(default)]
    string_value: Option<String>,
    #[serde(default)]
    binary_value: Option<String>,
    #[serde(default)]
    string_list_values: Option<serde_json::Value>,
    #[serde(default)]
    binary_list_values: Option<serde_json::Value>,
}

impl RawValue {
    fn has_list_values(&self) -> bool {
        self.string_list_values.is_some() || self.binary_list_values.is_some()
    }
}

impl TryFrom<RawValue> for MessageAttributeValue {
    type Error = String;

    fn try_from(raw: RawValue) -> std::result::Result<Self, String> {
        if raw.has_list_values() {
            return Err("Message attribute list values are not supported.".into());
        }
        let binary_value = match raw.binary_value {
            Some(b) => Some(
                BASE64
                    .decode(b.as_bytes())
                    .map_err(|_| "BinaryValue is not valid base64.".to_string())?,
            ),
            None => None,
        };
        Ok(MessageAttributeValue {
            data_type: raw.data_type.unwrap_or_default(),
            string_value: raw.string_value,
            binary_value,
        })
    }
}

/// The error AWS answers when list values are sent to `operation` (`SendMessage`,
/// `SendMessageBatch`).
fn list_values_unsupported(operation: &str) -> SqsError {
    SqsError::new(
        SqsErrorCode::UnsupportedOperation,
        format!("Message attribute list values in {operation} operation are not supported."),
    )
}

/// Parses the awsJson `MessageAttributes` (or `MessageSystemAttributes`) member of an
/// `operation` request. `null` gives no attributes. List values answer
/// `UnsupportedOperation` as AWS does; a member of the wrong JSON type answers
/// `SerializationException`. The result still needs [`validate`] or [`validate_system`].
pub fn parse_json(value: &serde_json::Value, operation: &str) -> Result<MessageAttributes> {
    let map = match value {
        serde_json::Value::Null => return Ok(MessageAttributes::new()),
        serde_json::Value::Object(m) => m,
        _ => {
            return Err(SqsError::new(
                SqsErrorCode::Serialization,
                "Start of structure or map found where not expected.",
            ));
        }
    };
    let mut out = MessageAttributes::new();
    for (name, v) in map {
        let raw: RawValue = RawValue::deserialize(v).map_err(|e| {
            SqsError::new(
                SqsErrorCode::Serialization,
                format!("Invalid message attribute '{name}': {e}"),
            )
        })?;
        if raw.has_list_values() {
            return Err(list_values_unsupported(operation));
        }
        let attr = MessageAttributeValue::try_from(raw).map_err(|_| {
            SqsError::new(
                SqsErrorCode::Serialization,
                format!("Invalid base64 in the BinaryValue of message attribute '{name}'."),
            )
        })?;
        out.insert(name.clone(), attr);
    }
    Ok(out)
}

/// One awsQuery attribute as it arrives (`MessageAttribute.N.Name`,
/// `MessageAttribute.N.Value.DataType`, …), before AWS's rules are applied.
#[derive(Deserialize, Default, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct QueryAttribute {
    name: Option<String>,
    value: Option<QueryAttributeValue>,
}

/// The `Value.*` fields of a [`QueryAttribute`]; list values are only noticed.
#[derive(Deserialize, Default, Debug)]
#[serde(rename_all = "PascalCase")]
struct QueryAttributeValue {
    data_type: Option<String>,
    string_value: Option<String>,
    binary_value: Option<String>,
    #[serde(alias = "StringListValues")]
    string_list_value: Option<serde::de::IgnoredAny>,
    #[serde(alias = "BinaryListValues")]
    binary_list_value: Option<serde::de::IgnoredAny>,
}

/// Parses the awsQuery attributes of one message (`MessageAttribute.N…` or
/// `MessageSystemAttribute.N…`, read by [`nimbus_wire::query::de`]): `Name`,
/// `Value.DataType`, `Value.StringValue`, `Value.BinaryValue` (base64). The result still
/// needs [`validate`] or [`validate_system`].
pub fn parse_query(list: &[QueryAttribute], operation: &str) -> Result<MessageAttributes> {
    let mut out = MessageAttributes::new();
    for entry in list {
        let name = match entry.name.as_deref() {
            Some(n) if !n.is_empty() => n.to_owned(),
            _ => return Err(empty_name()),
        };
        let value = entry.value.as_ref();
        if value.is_some_and(|v| v.string_list_value.is_some() || v.binary_list_value.is_some()) {
            return Err(list_values_unsupported(operation));
        }
        let binary_value = match value.and_then(|v| v.binary_value.as_deref()) {
            Some(b) => Some(BASE64.decode(b.as_bytes()).map_err(|_| {
                SqsError::new(
                    SqsErrorCode::InvalidParameterValue,
                    format!(
                        "The binary value of message (user) attribute '{name}' is not valid base64."
                    ),
                )
            })?),
            None => None,
        };
        let attr = MessageAttributeValue {
            data_type: value.and_then(|v| v.data_type.clone()).unwrap_or_default(),
            string_value: value.and_then(|v| v.string_value.clone()),
            binary_value,
        };
        if out.insert(name.clone(), attr).is_some() {
            return Err(SqsError::new(
                SqsErrorCode::InvalidParameterValue,
                format!("Message (user) attribute name '{name}' is repeated."),
            ));
        }
    }
    Ok(out)
}

fn empty_name() -> SqsError {
    SqsError::new(
        SqsErrorCode::InvalidParameterValue,
        "The request must contain non-empty message attribute name.",
    )
}

/// Validates user message attributes as SendMessage does: at most 10; names of
/// `[A-Za-z0-9_.-]`, at most 256 characters, not starting with `AWS.` or `Amazon.` (any
/// casing), not starting or ending with `.`, without `..`; a data type of `String`,
/// `Number` or `Binary`, optionally with a `.label`, at most 256 characters; a non-empty
/// value of the field the type selects; text in the message-body character set; numbers
/// with at most 38 significant digits and a magnitude from 10^-128 to below 10^126.
pub fn validate(attrs: &MessageAttributes) -> Result<()> {
    if attrs.len() > MAX_ATTRIBUTES {
        return Err(SqsError::new(
            SqsErrorCode::InvalidParameterValue,
            format!(
                "Number of message attributes [{}] exceeds the allowed maximum [{MAX_ATTRIBUTES}].",
                attrs.len()
            ),
        ));
    }
    for (name, value) in attrs {
        validate_name(name)?;
        validate_value(name, value, "user")?;
    }
    Ok(())
}

/// Validates an attribute name.
fn validate_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(empty_name());
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(SqsError::new(
            SqsErrorCode::InvalidParameterValue,
            format!(
                "Message (user) attribute name must be at most {MAX_NAME_LEN} characters long."
            ),
        ));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    {
        return Err(SqsError::new(
            SqsErrorCode::InvalidParameterValue,
            "Message (user) attributes name can only contain upper and lower score characters, \
             digits, periods, hyphens and underscores. ",
        ));
    }
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("aws.")
        || lower.starts_with("amazon.")
        || name.starts_with('.')
        || name.ends_with('.')
    {
        return Err(SqsError::new(
            SqsErrorCode::InvalidParameterValue,
            "You can't use message attribute names beginning with 'AWS.' or 'Amazon.'. These \
             strings are reserved for internal use. Additionally, they cannot start or end with \
             '.'.",
        ));
    }
    if name.contains("..") {
        return Err(SqsError::new(
            SqsErrorCode::InvalidParameterValue,
            format!(
                "Message (user) attribute name '{name}' can't contain successive '.' characters."
            ),
        ));
    }
    Ok(())
}

/// Validates the type and value of the attribute `name`; `kind` is `user` or `system`.
fn validate_value(name: &str, value: &MessageAttributeValue, kind: &str) -> Result<()> {
    if value.data_type.is_empty() {
        return Err(SqsError::new(
            SqsErrorCode::InvalidParameterValue,
            format!(
                "The message attribute '{name}' must contain non-empty message attribute type."
            ),
        ));
    }
    if value.data_type.chars().count() > MAX_DATA_TYPE_LEN {
        return Err(SqsError::new(
            SqsErrorCode::InvalidParameterValue,
            format!(
                "Message ({kind}) attribute types must be at most {MAX_DATA_TYPE_LEN} characters long."
            ),
        ));
    }
    let base = match value.base_type() {
        Some(b) if is_valid_message_text(&value.data_type) => b,
        _ => {
            return Err(SqsError::new(
                SqsErrorCode::InvalidParameterValue,
                format!(
                    "The type of message ({kind}) attribute '{name}' is invalid. You must use only \
                 the following supported type prefixes: Binary, Number, String."
                ),
            ));
        }
    };
    let empty = || {
        SqsError::new(
            SqsErrorCode::InvalidParameterValue,
            format!(
                "Message ({kind}) attribute '{name}' must contain a non-empty value of type '{}'.",
                base.as_str()
            ),
        )
    };
    match base {
        BaseType::Binary => {
            if value.binary_value.as_ref().is_none_or(Vec::is_empty) {
                return Err(empty());
            }
        }
        BaseType::String | BaseType::Number => {
            let s = match value.string_value.as_deref() {
                Some(s) if !s.is_empty() => s,
                _ => return Err(empty()),
            };
            if !is_valid_message_text(s) {
                return Err(SqsError::new(
                    SqsErrorCode::InvalidParameterValue,
                    crate::validate::INVALID_CHARACTERS,
                ));
            }
            if base == BaseType::Number && !is_valid_number(s) {
                return Err(SqsError::new(
                    SqsErrorCode::InvalidParameterValue,
                    format!(
                        "Can't cast the value of message ({kind}) attribute '{name}' to a number."
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Whether `s` is a number SQS accepts: an optional sign, digits with an optional decimal
/// point, an optional exponent; at most 38 significant digits; zero, or a magnitude from
/// 10^-128 up to (not including) 10^126.
pub fn is_valid_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = &b[int_start..i];
    let mut frac_digits: &[u8] = &[];
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = &b[f..i];
    }
    if int_digits.is_empty() && frac_digits.is_empty() {
        return false;
    }
    let mut exp: i64 = 0;
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        let mut neg = false;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            neg = b[i] == b'-';
            i += 1;
        }
        let e = i;
        while i < b.len() && b[i].is_ascii_digit() {
            // Saturate: anything this large is out of range unless the value is zero.
            exp = exp
                .saturating_mul(10)
                .saturating_add(i64::from(b[i] - b'0'));
            exp = exp.min(1_000_000_000);
            i += 1;
        }
        if i == e {
            return false;
        }
        if neg {
            exp = -exp;
        }
    }
    if i != b.len() {
        return false;
    }
    let digits = int_digits.iter().chain(frac_digits.iter());
    let Some(first) = digits.clone().position(|&d| d != b'0') else {
        return true; // zero
    };
    let last = int_digits.len() + frac_digits.len()
        - 1
        - digits
            .clone()
            .rev()
            .position(|&d| d != b'0')
            .unwrap_or_default();
    if last - first + 1 > 38 {
        return false;
    }
    // value = d.ddd × 10^adjusted
    let adjusted = int_digits.len() as i64 - 1 - first as i64 + exp;
    (-128..=125).contains(&adjusted)
}

/// Validates message system attributes: only `AWSTraceHeader`, of type `String`, with a
/// non-empty value in the message-body character set.
pub fn validate_system(attrs: &MessageAttributes) -> Result<()> {
    for (name, value) in attrs {
        if name != AWS_TRACE_HEADER {
            return Err(SqsError::new(
                SqsErrorCode::InvalidParameterValue,
                format!("Message system attribute name '{name}' is invalid."),
            ));
        }
        if value.data_type != "String" {
            if value.data_type.is_empty() {
                return Err(SqsError::new(
                    SqsErrorCode::InvalidParameterValue,
                    format!(
                        "The message attribute '{name}' must contain non-empty message attribute type."
                    ),
                ));
            }
            return Err(SqsError::new(
                SqsErrorCode::InvalidParameterValue,
                format!("Message system attribute '{name}' must be of type 'String'."),
            ));
        }
        validate_value(name, value, "system")?;
    }
    Ok(())
}

/// The bytes user attributes add to a message, counted toward `MaximumMessageSize`: each
/// name, data type and value (UTF-8 bytes; decoded bytes for binary values). Message
/// system attributes do not count.
pub fn size_of(attrs: &MessageAttributes) -> usize {
    attrs
        .iter()
        .map(|(name, v)| name.len() + v.data_type.len() + v.value_bytes().len())
        .sum()
}

/// `MD5OfMessageBody` / `MD5OfBody`: the MD5 of the body's UTF-8 bytes, lowercase hex.
pub fn md5_of_body(body: &str) -> String {
    hex::encode(Md5::digest(body.as_bytes()))
}

/// `MD5OfMessageAttributes`, in AWS's encoding (see the module documentation), lowercase
/// hex. Responses leave the member out when there are no attributes; this returns the
/// digest of nothing in that case.
pub fn md5_of_message_attributes(attrs: &MessageAttributes) -> String {
    let mut h = Md5::new();
    for (name, v) in attrs {
        update_with_length(&mut h, name.as_bytes());
        update_with_length(&mut h, v.data_type.as_bytes());
        h.update([if v.is_binary() { 2u8 } else { 1u8 }]);
        update_with_length(&mut h, v.value_bytes());
    }
    hex::encode(h.finalize())
}

/// `MD5OfMessageSystemAttributes`: the same encoding over the message system attributes.
pub fn md5_of_message_system_attributes(attrs: &MessageAttributes) -> String {
    md5_of_message_attributes(attrs)
}

fn update_with_length(h: &mut Md5, bytes: &[u8]) {
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    h.update(len.to_be_bytes());
    h.update(bytes);
}

/// Whether an entry of `MessageAttributeNames` takes part in filtering. SQS ignores entries
/// that are not valid attribute names or prefixes (`AWS.`, `..foo`).
fn is_valid_filter(name: &str) -> bool {
    if matches!(name, "All" | ".*" | "*") {
        return true;
    }
    let stem = name.strip_suffix(".*").unwrap_or(name);
    validate_name(stem).is_ok()
}

/// Whether a `MessageAttributeNames` list asks for any attributes at all: it has at least
/// one valid entry. When it does, SQS answers a `MessageAttributes` member for each
/// message that has attributes, even if the filter selects none of them.
pub fn wants_attributes(names: &[String]) -> bool {
    names.iter().any(|n| is_valid_filter(n))
}

/// The attributes `MessageAttributeNames` selects for ReceiveMessage: `All`, `.*` and `*`
/// select all; `prefix.*` selects the names starting with `prefix`; other entries select
/// the attribute of that exact name. Invalid entries are ignored; an empty list selects
/// nothing.
pub fn select(attrs: &MessageAttributes, names: &[String]) -> MessageAttributes {
    let valid = names.iter().filter(|n| is_valid_filter(n));
    let mut all = false;
    let mut exact: Vec<&str> = Vec::new();
    let mut prefixes: Vec<&str> = Vec::new();
    for n in valid {
        if matches!(n.as_str(), "All" | ".*" | "*") {
            all = true;
        } else if let Some(p) = n.strip_suffix(".*") {
            prefixes.push(p);
        } else {
            exact.push(n);
        }
    }
    if all {
        return attrs.clone();
    }
    attrs
        .iter()
        .filter(|(name, _)| {
            exact.contains(&name.as_str()) || prefixes.iter().any(|p| name.starts_with(p))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use nimbus_wire::query::QueryParams;
    use nimbus_wire::xml;

    fn attrs(list: &[(&str, MessageAttributeValue)]) -> MessageAttributes {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    fn parse_query_fields(pairs: &[(&str, &str)], operation: &str) -> Result<MessageAttributes> {
        #[derive(Deserialize)]
        struct Entry {
            #[serde(rename = "MessageAttribute", default)]
            attributes: Vec<QueryAttribute>,
        }
        let p = QueryParams::from_pairs(pairs.iter().copied());
        let e: Entry = nimbus_wire::query::de::from_params(&p).unwrap();
        parse_query(&e.attributes, operation)
    }

    fn msg(e: SqsError) -> String {
        e.message().to_owned()
    }

    // ---- MD5: vectors are digests real SQS returned (and hashlib reproduces) ----

    #[test]
    fn md5_of_body_matches_aws() {
        assert_eq!(md5_of_body("msg"), "6e2baaf3b97dbeef01c0043275f9a0e7");
        assert_eq!(md5_of_body("test"), "098f6bcd4621d373cade4e832627b4f6");
        assert_eq!(
            md5_of_body("héllo ✓ 😀"),
            "537f5718566dd425639556ce037d44ff"
        );
    }

    #[test]
    fn md5_of_string_attributes_matches_aws() {
        let a = attrs(&[("Foo", MessageAttributeValue::string("Bar"))]);
        assert_eq!(
            md5_of_message_attributes(&a),
            "ae7155c6026991b6d54b11589678bf9c"
        );
        let three = attrs(&[
            ("Hello", MessageAttributeValue::string("There")),
            ("General", MessageAttributeValue::string("Kenobi")),
            ("Help.Me", MessageAttributeValue::string("Me")),
        ]);
        assert_eq!(
            md5_of_message_attributes(&three),
            "4c360f3fdafd970e05fae2f149d997f5"
        );
        let two = attrs(&[
            ("General", MessageAttributeValue::string("Kenobi")),
            ("Hello", MessageAttributeValue::string("There")),
        ]);
        assert_eq!(
            md5_of_message_attributes(&two),
            "fca026605781cb4126a1e9044df24232"
        );
        let one = attrs(&[("Hello", MessageAttributeValue::string("There"))]);
        assert_eq!(
            md5_of_message_attributes(&one),
            "a311262e065454b75da111d535b8dacd"
        );
    }

    #[test]
    fn md5_of_binary_attribute_matches_aws() {
        let a = attrs(&[(
            "attr1",
            MessageAttributeValue::binary(
                b"traceparent\x1e00-774062d6c37081a5a0b9b5b88e30627c-2d2482211f6489da-01".to_vec(),
            ),
        )]);
        assert_eq!(
            md5_of_message_attributes(&a),
            "8cbe4db156db8a94db8b801b7addb984"
        );
    }

    #[test]
    fn md5_of_mixed_custom_types() {
        // Computed independently with hashlib following AWS's documented encoding.
        let a = attrs(&[
            ("n", MessageAttributeValue::number("1.5")),
            (
                "s",
                MessageAttributeValue {
                    data_type: "String.custom".into(),
                    string_value: Some("héllo ✓".into()),
                    binary_value: None,
                },
            ),
            (
                "b",
                MessageAttributeValue {
                    data_type: "Binary.gif".into(),
                    string_value: None,
                    binary_value: Some(vec![0, 1, 2, 255]),
                },
            ),
        ]);
        assert_eq!(
            md5_of_message_attributes(&a),
            "524d0b54096214ab48122ac374ba076a"
        );
    }

    #[test]
    fn md5_of_system_attributes() {
        let a = attrs(&[(
            "AWSTraceHeader",
            MessageAttributeValue::string(
                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            ),
        )]);
        assert_eq!(
            md5_of_message_system_attributes(&a),
            "5ae4d5d7636402d80f4eb6d213245a88"
        );
    }

    // ---- select ----

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    fn sample() -> MessageAttributes {
        attrs(&[
            ("General", MessageAttributeValue::string("Kenobi")),
            ("Hello", MessageAttributeValue::string("There")),
            ("Help.Me", MessageAttributeValue::string("Me")),
        ])
    }

    fn keys(m: &MessageAttributes) -> Vec<&str> {
        m.keys().map(String::as_str).collect()
    }

    #[test]
    fn select_all_forms() {
        let a = sample();
        for all in ["All", ".*", "*"] {
            assert_eq!(select(&a, &names(&[all])), a, "{all}");
        }
        assert!(select(&a, &[]).is_empty());
        assert!(!wants_attributes(&[]));
    }

    #[test]
    fn select_exact_prefix_and_invalid() {
        let a = sample();
        assert!(select(&a, &names(&["Foo", "Help"])).is_empty());
        assert!(wants_attributes(&names(&["Foo", "Help"])));
        assert_eq!(
            keys(&select(&a, &names(&["Hello", "General"]))),
            ["General", "Hello"]
        );
        assert_eq!(keys(&select(&a, &names(&["Foo", "Hello"]))), ["Hello"]);
        assert_eq!(keys(&select(&a, &names(&["Hel.*"]))), ["Hello", "Help.Me"]);
        assert_eq!(keys(&select(&a, &names(&["Help.*"]))), ["Help.Me"]);
        // Invalid names are ignored rather than rejected.
        assert!(select(&a, &names(&["AWS."])).is_empty());
        assert!(!wants_attributes(&names(&["AWS.", "..foo"])));
    }

    // ---- validation ----

    #[test]
    fn accepts_valid_attributes() {
        let a = attrs(&[
            ("s", MessageAttributeValue::string("v")),
            ("n", MessageAttributeValue::number("-1.5e10")),
            ("b", MessageAttributeValue::binary(vec![0u8])),
            (
                "custom.type-1_x",
                MessageAttributeValue {
                    data_type: "Number.java.lang.Long".into(),
                    string_value: Some("42".into()),
                    binary_value: None,
                },
            ),
            ("AWSfoo", MessageAttributeValue::string("v")),
            (&"a".repeat(256), MessageAttributeValue::string("v")),
        ]);
        validate(&a).unwrap();
    }

    #[test]
    fn too_many_attributes() {
        let mut a = MessageAttributes::new();
        for i in 0..10 {
            a.insert(format!("a{i}"), MessageAttributeValue::string("v"));
        }
        validate(&a).unwrap();
        a.insert("a10".into(), MessageAttributeValue::string("v"));
        let e = validate(&a).unwrap_err();
        assert_eq!(e.query_code(), "InvalidParameterValue");
        assert_eq!(
            msg(e),
            "Number of message attributes [11] exceeds the allowed maximum [10]."
        );
    }

    #[test]
    fn invalid_names() {
        let check = |name: &str, want: &str| {
            let e = validate(&attrs(&[(name, MessageAttributeValue::string("v"))])).unwrap_err();
            assert_eq!(e.query_code(), "InvalidParameterValue", "{name}");
            assert!(msg(e.clone()).contains(want), "{name}: {}", msg(e));
        };
        check("", "non-empty message attribute name");
        check(&"a".repeat(257), "at most 256");
        check("trace id", "upper and lower score characters");
        check("tràce", "upper and lower score characters");
        check("AWS.trace", "reserved for internal use");
        check("aws.trace", "reserved for internal use");
        check("AmAzOn.x", "reserved for internal use");
        check(".trace", "cannot start or end with '.'");
        check("trace.", "cannot start or end with '.'");
        check("a..b", "successive '.'");
    }

    #[test]
    fn invalid_types_and_values() {
        let e = validate(&attrs(&[("x", MessageAttributeValue::string(""))])).unwrap_err();
        assert_eq!(
            msg(e),
            "Message (user) attribute 'x' must contain a non-empty value of type 'String'."
        );
        let e = validate(&attrs(&[(
            "x",
            MessageAttributeValue {
                data_type: "string".into(),
                string_value: Some("v".into()),
                binary_value: None,
            },
        )]))
        .unwrap_err();
        assert_eq!(
            msg(e),
            "The type of message (user) attribute 'x' is invalid. You must use only the \
             following supported type prefixes: Binary, Number, String."
        );
        let e = validate(&attrs(&[(
            "x",
            MessageAttributeValue {
                data_type: "".into(),
                string_value: Some("v".into()),
                binary_value: None,
            },
        )]))
        .unwrap_err();
        assert_eq!(
            msg(e),
            "The message attribute 'x' must contain non-empty message attribute type."
        );
        for bad in ["Str", "String.", "Binaryx", "Number "] {
            let v = MessageAttributeValue {
                data_type: bad.into(),
                string_value: Some("1".into()),
                binary_value: None,
            };
            assert!(validate(&attrs(&[("x", v)])).is_err(), "{bad}");
        }
        let long_type = format!("String.{}", "a".repeat(250));
        let v = MessageAttributeValue {
            data_type: long_type,
            string_value: Some("v".into()),
            binary_value: None,
        };
        assert!(
            validate(&attrs(&[("x", v)]))
                .unwrap_err()
                .message()
                .contains("types")
        );
        let e = validate(&attrs(&[(
            "b",
            MessageAttributeValue {
                data_type: "Binary".into(),
                string_value: Some("text".into()),
                binary_value: None,
            },
        )]))
        .unwrap_err();
        assert!(msg(e).contains("non-empty value of type 'Binary'"));
        let e = validate(&attrs(&[("n", MessageAttributeValue::number("world"))])).unwrap_err();
        assert_eq!(
            msg(e),
            "Can't cast the value of message (user) attribute 'n' to a number."
        );
        let e = validate(&attrs(&[("s", MessageAttributeValue::string("a\u{1}b"))])).unwrap_err();
        assert_eq!(e.query_code(), "InvalidParameterValue");
        assert!(msg(e).starts_with("Invalid characters found."));
    }

    #[test]
    fn numbers() {
        for ok in [
            "0",
            "-0",
            "+5",
            "1.5",
            ".5",
            "5.",
            "1e10",
            "1E-10",
            "-3.25e+2",
            "0.000",
            "0e999999999999",
            "12345678901234567890123456789012345678", // 38 digits
            "1234567890123456789012345678901234567800000", // trailing zeros are not precision
            "9.99e125",
            "1e-128",
            "-1e125",
        ] {
            assert!(is_valid_number(ok), "{ok}");
        }
        for bad in [
            "",
            "-",
            ".",
            "e5",
            "1e",
            "1e+",
            "1..2",
            "1.2.3",
            " 1",
            "1 ",
            "0x10",
            "NaN",
            "Infinity",
            "123456789012345678901234567890123456789", // 39 digits
            "1e126",
            "10e125",
            "1e-129",
            "0.1e-128",
            "1e99999999999999999999",
        ] {
            assert!(!is_valid_number(bad), "{bad}");
        }
    }

    #[test]
    fn system_attributes() {
        let ok = attrs(&[(
            AWS_TRACE_HEADER,
            MessageAttributeValue::string("Root=1-abc"),
        )]);
        validate_system(&ok).unwrap();
        let e =
            validate_system(&attrs(&[("Other", MessageAttributeValue::string("x"))])).unwrap_err();
        assert_eq!(e.query_code(), "InvalidParameterValue");
        let e = validate_system(&attrs(&[(
            AWS_TRACE_HEADER,
            MessageAttributeValue::number("1"),
        )]))
        .unwrap_err();
        assert!(msg(e).contains("of type 'String'"));
        assert!(
            validate_system(&attrs(&[(
                AWS_TRACE_HEADER,
                MessageAttributeValue::string("")
            )]))
            .is_err()
        );
    }

    #[test]
    fn size_counts_names_types_and_values() {
        let a = attrs(&[
            ("ab", MessageAttributeValue::string("héllo")), // 2 + 6 + 6
            ("c", MessageAttributeValue::binary(vec![1, 2, 3])), // 1 + 6 + 3
        ]);
        assert_eq!(size_of(&a), 14 + 10);
        assert_eq!(size_of(&MessageAttributes::new()), 0);
    }

    // ---- parsing ----

    #[test]
    fn parses_query_fields() {
        let p: &[(&str, &str)] = &[
            ("MessageAttribute.1.Name", "s"),
            ("MessageAttribute.1.Value.DataType", "String"),
            ("MessageAttribute.1.Value.StringValue", "v"),
            ("MessageAttribute.2.Name", "b"),
            ("MessageAttribute.2.Value.DataType", "Binary"),
            ("MessageAttribute.2.Value.BinaryValue", "AAEC/w=="),
        ];
        let a = parse_query_fields(p, "SendMessage").unwrap();
        assert_eq!(a["s"], MessageAttributeValue::string("v"));
        assert_eq!(a["b"], MessageAttributeValue::binary(vec![0, 1, 2, 255]));
        validate(&a).unwrap();
    }

    #[test]
    fn query_errors() {
        let p: &[(&str, &str)] = &[("MessageAttribute.1.Value.StringValue", "v")];
        let e = parse_query_fields(p, "SendMessage").unwrap_err();
        assert_eq!(
            msg(e),
            "The request must contain non-empty message attribute name."
        );

        let p: &[(&str, &str)] = &[
            ("MessageAttribute.1.Name", "s"),
            ("MessageAttribute.1.Value.DataType", "String"),
            ("MessageAttribute.1.Value.StringListValue.1", "v"),
        ];
        let e = parse_query_fields(p, "SendMessageBatch").unwrap_err();
        assert_eq!(
            e.query_code(),
            "AWS.SimpleQueueService.UnsupportedOperation"
        );
        assert_eq!(
            msg(e),
            "Message attribute list values in SendMessageBatch operation are not supported."
        );

        let p: &[(&str, &str)] = &[
            ("MessageAttribute.1.Name", "b"),
            ("MessageAttribute.1.Value.DataType", "Binary"),
            ("MessageAttribute.1.Value.BinaryValue", "!!!"),
        ];
        assert_eq!(
            parse_query_fields(p, "SendMessage")
                .unwrap_err()
                .query_code(),
            "InvalidParameterValue"
        );

        let p: &[(&str, &str)] = &[
            ("MessageAttribute.1.Name", "s"),
            ("MessageAttribute.2.Name", "s"),
        ];
        assert!(parse_query_fields(p, "SendMessage").is_err());
    }

    #[test]
    fn parses_json_and_round_trips() {
        let v = serde_json::json!({
            "s": {"DataType": "String", "StringValue": "v"},
            "b": {"DataType": "Binary", "BinaryValue": "AAEC/w=="}
        });
        let a = parse_json(&v, "SendMessage").unwrap();
        assert_eq!(a["b"].binary_value.as_deref(), Some(&[0u8, 1, 2, 255][..]));
        let back = serde_json::to_value(&a).unwrap();
        assert_eq!(back, v);
        let via_serde: MessageAttributes = serde_json::from_value(v).unwrap();
        assert_eq!(via_serde, a);
        assert!(
            parse_json(&serde_json::Value::Null, "SendMessage")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn json_errors() {
        for lists in [
            serde_json::json!({"s": {"DataType": "String", "StringValue": "v", "StringListValues": []}}),
            serde_json::json!({"s": {"DataType": "Binary", "BinaryListValues": ["AA=="]}}),
        ] {
            let e = parse_json(&lists, "SendMessage").unwrap_err();
            assert_eq!(e.code(), "UnsupportedOperation");
            assert_eq!(
                msg(e),
                "Message attribute list values in SendMessage operation are not supported."
            );
            assert!(serde_json::from_value::<MessageAttributes>(lists).is_err());
        }
        let e = parse_json(&serde_json::json!("x"), "SendMessage").unwrap_err();
        assert_eq!(e.code(), "SerializationException");
        let e = parse_json(&serde_json::json!({"s": {"DataType": 5}}), "SendMessage").unwrap_err();
        assert_eq!(e.code(), "SerializationException");
        let e = parse_json(
            &serde_json::json!({"b": {"DataType": "Binary", "BinaryValue": "%%%"}}),
            "SendMessage",
        )
        .unwrap_err();
        assert_eq!(e.code(), "SerializationException");
    }

    #[test]
    fn query_xml() {
        let mut w = xml::Writer::new();
        let a = attrs(&[
            ("b", MessageAttributeValue::binary(vec![0, 1, 2, 255])),
            ("s", MessageAttributeValue::string("a<b")),
        ]);
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Message {
            message_attributes: MessageAttributes,
        }
        const SPELLING: &[nimbus_wire::query::ser::Member] = &[(
            "Message",
            "MessageAttributes",
            nimbus_wire::query::ser::Spelling::FlatMap {
                entry: "MessageAttribute",
                key: "Name",
                value: "Value",
            },
        )];
        let m = Message {
            message_attributes: a,
        };
        nimbus_wire::query::ser::to_writer(&m, SPELLING, &mut w).unwrap();
        assert_eq!(
            w.finish(),
            "<MessageAttribute><Name>b</Name><Value><BinaryValue>AAEC/w==</BinaryValue>\
             <DataType>Binary</DataType></Value></MessageAttribute>\
             <MessageAttribute><Name>s</Name><Value><StringValue>a&lt;b</StringValue>\
             <DataType>String</DataType></Value></MessageAttribute>"
        );
    }
}
