//! Tests of the awsQuery XML serializer: SQS's flattened shapes and IAM's wrapped ones.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Member, Spelling, Timestamp, to_writer};
use crate::xml::Writer;

fn xml<T: Serialize>(v: &T, table: &'static [Member]) -> String {
    let mut w = Writer::new();
    to_writer(v, table, &mut w).unwrap();
    w.finish()
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Value {
    #[serde(skip_serializing_if = "Option::is_none")]
    string_value: Option<String>,
    data_type: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Message {
    message_id: &'static str,
    body: &'static str,
    attributes: BTreeMap<&'static str, String>,
    #[serde(rename = "MD5OfMessageAttributes")]
    md5: Option<&'static str>,
    message_attributes: Option<BTreeMap<&'static str, Value>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Receive {
    messages: Vec<Message>,
}

const SQS: &[Member] = &[
    ("Receive", "Messages", Spelling::FlatList("Message")),
    (
        "Message",
        "Attributes",
        Spelling::FlatMap {
            entry: "Attribute",
            key: "Name",
            value: "Value",
        },
    ),
    (
        "Message",
        "MessageAttributes",
        Spelling::FlatMap {
            entry: "MessageAttribute",
            key: "Name",
            value: "Value",
        },
    ),
];

#[test]
fn writes_sqs_flattened_lists_and_maps() {
    let m = Message {
        message_id: "id",
        body: "a<b & \r",
        attributes: [
            ("SenderId", "1".to_owned()),
            ("SentTimestamp", "2".to_owned()),
        ]
        .into(),
        md5: None,
        message_attributes: Some(
            [(
                "k",
                Value {
                    string_value: Some("v".into()),
                    data_type: "String",
                },
            )]
            .into(),
        ),
    };
    let out = xml(&Receive { messages: vec![m] }, SQS);
    assert_eq!(
        out,
        "<Message><MessageId>id</MessageId><Body>a&lt;b &amp; &#xD;</Body>\
         <Attribute><Name>SenderId</Name><Value>1</Value></Attribute>\
         <Attribute><Name>SentTimestamp</Name><Value>2</Value></Attribute>\
         <MessageAttribute><Name>k</Name><Value><StringValue>v</StringValue><DataType>String</DataType></Value></MessageAttribute>\
         </Message>"
    );
    assert_eq!(xml(&Receive { messages: vec![] }, SQS), "");
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Tag {
    key: &'static str,
    value: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Role {
    role_name: &'static str,
    max_session_duration: u32,
    tags: Vec<Tag>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ListRoles {
    roles: Vec<Role>,
    is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    marker: Option<&'static str>,
    map: BTreeMap<&'static str, i64>,
    #[serde(rename = "renamed")]
    other: char,
}

const IAM: &[Member] = &[("ListRoles", "renamed", Spelling::Rename("Other"))];

#[test]
fn writes_wrapped_lists_and_maps_by_default() {
    let out = xml(
        &ListRoles {
            roles: vec![Role {
                role_name: "r",
                max_session_duration: 3600,
                tags: vec![Tag {
                    key: "k",
                    value: "v",
                }],
            }],
            is_truncated: false,
            marker: None,
            map: [("a", -1)].into(),
            other: '<',
        },
        IAM,
    );
    assert_eq!(
        out,
        "<Roles><member><RoleName>r</RoleName><MaxSessionDuration>3600</MaxSessionDuration>\
         <Tags><member><Key>k</Key><Value>v</Value></member></Tags></member></Roles>\
         <IsTruncated>false</IsTruncated>\
         <Map><entry><key>a</key><value>-1</value></entry></Map><Other>&lt;</Other>"
    );
}

#[test]
fn a_result_that_is_not_a_structure_is_an_error() {
    let mut w = Writer::new();
    assert!(to_writer("text", &[], &mut w).is_err());
}

#[test]
fn timestamps_are_iso_in_xml_and_seconds_in_json() {
    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Credentials {
        expiration: Timestamp,
        role_last_used: Empty,
    }
    #[derive(Serialize)]
    struct Empty;
    let c = Credentials {
        expiration: Timestamp(1_767_225_600_500),
        role_last_used: Empty,
    };
    assert_eq!(
        xml(&c, &[]),
        "<Expiration>2026-01-01T00:00:00Z</Expiration><RoleLastUsed/>"
    );
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["Expiration"], serde_json::json!(1_767_225_600.5));
}
