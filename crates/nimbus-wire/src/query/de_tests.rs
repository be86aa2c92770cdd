//! Tests of the awsQuery deserializer over real SQS and IAM request forms.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Error, Expected, from_params};
use crate::query::QueryParams;

fn form(body: &str) -> QueryParams {
    QueryParams::parse(None, body.as_bytes())
}

#[derive(Deserialize, Debug, Default, PartialEq)]
#[serde(rename_all = "PascalCase")]
struct Attr {
    name: Option<String>,
    value: Option<AttrValue>,
}

#[derive(Deserialize, Debug, Default, PartialEq)]
#[serde(rename_all = "PascalCase")]
struct AttrValue {
    data_type: Option<String>,
    string_value: Option<String>,
    #[serde(alias = "StringListValues")]
    string_list_value: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize, Debug, Default, PartialEq)]
#[serde(rename_all = "PascalCase")]
struct Entry {
    id: Option<String>,
    message_body: Option<String>,
    delay_seconds: Option<i64>,
    #[serde(rename = "MessageAttribute")]
    attrs: Option<Vec<Attr>>,
}

#[derive(Deserialize, Debug, Default, PartialEq)]
#[serde(rename_all = "PascalCase")]
struct Batch {
    queue_url: Option<String>,
    #[serde(alias = "SendMessageBatchRequestEntry")]
    entries: Option<Vec<Entry>>,
}

#[derive(Deserialize, Debug, Default, PartialEq)]
#[serde(rename_all = "PascalCase")]
struct Receive {
    queue_url: Option<String>,
    #[serde(alias = "AttributeName")]
    attribute_names: Option<Vec<String>>,
    max_number_of_messages: Option<i64>,
    wait_time_seconds: Option<i32>,
}

#[derive(Deserialize, Debug, Default, PartialEq)]
#[serde(rename_all = "PascalCase")]
struct CreateQueue {
    queue_name: Option<String>,
    #[serde(alias = "Attribute")]
    attributes: Option<BTreeMap<String, String>>,
    #[serde(alias = "Tag")]
    tags: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize, Debug, Default, PartialEq)]
#[serde(rename_all = "PascalCase")]
struct Tag {
    key: String,
    #[serde(default)]
    value: String,
}

#[derive(Deserialize, Debug, Default, PartialEq)]
#[serde(rename_all = "PascalCase")]
struct CreateRole {
    role_name: Option<String>,
    max_session_duration: Option<i64>,
    tags: Option<Vec<Tag>>,
    policy_arns: Option<Vec<String>>,
    only_attached: Option<bool>,
}

#[test]
fn reads_a_send_message_batch() {
    let p = form(
        "Action=SendMessageBatch&Version=2012-11-05&QueueUrl=http%3A%2F%2Fx%2F1%2Fq\
         &SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=two\
         &SendMessageBatchRequestEntry.10.Id=j&SendMessageBatchRequestEntry.10.DelaySeconds=%205\
         &SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=one\
         &SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=n\
         &SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType=String\
         &SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue=v\
         &SendMessageBatchRequestEntry.1.MessageAttribute.2.Name=l\
         &SendMessageBatchRequestEntry.1.MessageAttribute.2.Value.StringListValue.1=x",
    );
    let b: Batch = from_params(&p).unwrap();
    assert_eq!(b.queue_url.as_deref(), Some("http://x/1/q"));
    let e = b.entries.unwrap();
    let ids: Vec<_> = e.iter().map(|e| e.id.as_deref().unwrap()).collect();
    assert_eq!(ids, ["a", "b", "j"], "numeric, not lexical, order");
    assert_eq!(e[2].delay_seconds, Some(5));
    let attrs = e[0].attrs.as_ref().unwrap();
    assert_eq!(attrs[0].name.as_deref(), Some("n"));
    let v = attrs[0].value.as_ref().unwrap();
    assert_eq!(v.data_type.as_deref(), Some("String"));
    assert_eq!(v.string_value.as_deref(), Some("v"));
    assert!(v.string_list_value.is_none());
    assert!(attrs[1].value.as_ref().unwrap().string_list_value.is_some());
    assert_eq!(e[1].attrs, None);
}

#[test]
fn lists_take_both_spellings_and_skip_bad_indexes() {
    let cases: &[(&str, Option<Vec<&str>>)] = &[
        (
            "AttributeName.1=All&AttributeName.2=Policy",
            Some(vec!["All", "Policy"]),
        ),
        ("AttributeName.member.1=All", Some(vec!["All"])),
        (
            "AttributeNames.member.2=B&AttributeNames.member.1=A",
            Some(vec!["A", "B"]),
        ),
        (
            "AttributeName.x=All&AttributeName.1=Policy",
            Some(vec!["Policy"]),
        ),
        ("AttributeName.-1=All", Some(vec![])),
        ("AttributeName=", Some(vec![])),
        ("QueueUrl=q", None),
    ];
    for (body, want) in cases {
        let r: Receive = from_params(&form(body)).unwrap();
        let got: Option<Vec<&str>> = r
            .attribute_names
            .as_ref()
            .map(|v| v.iter().map(String::as_str).collect());
        assert_eq!(&got, want, "{body}");
    }
}

#[test]
fn integers_and_booleans_answer_their_member_and_value() {
    let cases: &[(&str, Result<Option<i64>, Error>)] = &[
        ("MaxNumberOfMessages=10", Ok(Some(10))),
        ("MaxNumberOfMessages=%2010%20", Ok(Some(10))),
        ("MaxNumberOfMessages=-3", Ok(Some(-3))),
        ("QueueUrl=q", Ok(None)),
        (
            "MaxNumberOfMessages=ten",
            Err(Error::Invalid {
                name: "MaxNumberOfMessages".into(),
                value: "ten".into(),
                expected: Expected::Integer,
            }),
        ),
        (
            "MaxNumberOfMessages=",
            Err(Error::Invalid {
                name: "MaxNumberOfMessages".into(),
                value: String::new(),
                expected: Expected::Integer,
            }),
        ),
        (
            "MaxNumberOfMessages=99999999999999999999",
            Err(Error::Invalid {
                name: "MaxNumberOfMessages".into(),
                value: "99999999999999999999".into(),
                expected: Expected::Integer,
            }),
        ),
    ];
    for (body, want) in cases {
        let got = from_params::<Receive>(&form(body)).map(|r| r.max_number_of_messages);
        assert_eq!(&got, want, "{body}");
    }
    let e = from_params::<Receive>(&form("WaitTimeSeconds=3000000000")).unwrap_err();
    assert!(matches!(
        e,
        Error::Invalid {
            expected: Expected::Integer,
            ..
        }
    ));

    for (text, want) in [
        ("true", Some(true)),
        ("FALSE", Some(false)),
        ("True", Some(true)),
    ] {
        let r: CreateRole = from_params(&form(&format!("OnlyAttached={text}"))).unwrap();
        assert_eq!(r.only_attached, want, "{text}");
    }
    let e = from_params::<CreateRole>(&form("OnlyAttached=yes")).unwrap_err();
    assert_eq!(
        e,
        Error::Invalid {
            name: "OnlyAttached".into(),
            value: "yes".into(),
            expected: Expected::Boolean,
        }
    );
}

#[test]
fn a_bad_integer_in_a_batch_entry_names_the_member() {
    let p =
        form("SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.DelaySeconds=x");
    let e = from_params::<Batch>(&p).unwrap_err();
    assert_eq!(
        e,
        Error::Invalid {
            name: "DelaySeconds".into(),
            value: "x".into(),
            expected: Expected::Integer,
        }
    );
}

#[test]
fn maps_take_every_flattened_spelling() {
    let cases: &[(&str, Vec<(&str, &str)>)] = &[
        (
            "Attribute.1.Name=DelaySeconds&Attribute.1.Value=5&Attribute.2.Name=FifoQueue&Attribute.2.Value=true",
            vec![("DelaySeconds", "5"), ("FifoQueue", "true")],
        ),
        (
            "Attributes.entry.1.key=VisibilityTimeout&Attributes.entry.1.value=30",
            vec![("VisibilityTimeout", "30")],
        ),
        ("Attribute.1.Name=Policy", vec![("Policy", "")]),
        ("Attribute.1.Value=orphan", vec![]),
    ];
    for (body, want) in cases {
        let q: CreateQueue = from_params(&form(body)).unwrap();
        let got: Vec<(&str, &str)> = q
            .attributes
            .as_ref()
            .map(|m| m.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect())
            .unwrap_or_default();
        assert_eq!(&got, want, "{body}");
    }
    let q: CreateQueue = from_params(&form("QueueName=q&Tag.1.Key=env&Tag.1.Value=dev")).unwrap();
    assert_eq!(q.queue_name.as_deref(), Some("q"));
    assert_eq!(
        q.tags.unwrap().into_iter().collect::<Vec<_>>(),
        vec![("env".to_string(), "dev".to_string())]
    );
}

#[test]
fn reads_an_iam_create_role() {
    let p = form(
        "Action=CreateRole&Version=2010-05-08&RoleName=r&MaxSessionDuration=3600\
         &Tags.member.1.Key=env&Tags.member.1.Value=dev&Tags.member.2.Key=team\
         &PolicyArns.member.1=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FX",
    );
    let r: CreateRole = from_params(&p).unwrap();
    assert_eq!(r.role_name.as_deref(), Some("r"));
    assert_eq!(r.max_session_duration, Some(3600));
    assert_eq!(
        r.tags.unwrap(),
        vec![
            Tag {
                key: "env".into(),
                value: "dev".into()
            },
            Tag {
                key: "team".into(),
                value: String::new()
            }
        ]
    );
    assert_eq!(r.policy_arns.unwrap(), ["arn:aws:iam::aws:policy/X"]);
    let r: CreateRole = from_params(&form("Tags=")).unwrap();
    assert_eq!(r.tags, Some(vec![]), "`Tags=` is an empty list");
    let e = from_params::<CreateRole>(&form("Tags.member.1.Value=v")).unwrap_err();
    assert!(matches!(e, Error::Message(_)), "a tag without a key: {e}");
}

#[test]
fn text_where_a_structure_is_expected_and_the_reverse() {
    // A structure where text is expected is an error, not silently empty.
    let e = from_params::<Receive>(&form("QueueUrl.1=x")).unwrap_err();
    assert!(matches!(e, Error::Message(_)));
    // Text and members on the same node: the members are the structure.
    let b: Batch = from_params(&form(
        "SendMessageBatchRequestEntry=x&SendMessageBatchRequestEntry.1.Id=a",
    ))
    .unwrap();
    assert_eq!(b.entries.unwrap().len(), 1);
}

#[test]
fn reads_untyped_values() {
    let v: serde_json::Value = from_params(&form("A=1&B.C=2&B.D=3")).unwrap();
    assert_eq!(v, serde_json::json!({"A": "1", "B": {"C": "2", "D": "3"}}));
}

#[test]
fn keys_sharing_a_prefix_stay_apart() {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct S {
        attribute: Option<BTreeMap<String, String>>,
        attribute_name: Option<Vec<String>>,
        #[serde(rename = "Attribute-X")]
        dash: Option<String>,
    }
    let s: S = from_params(&form(
        "Attribute.1.Name=a&Attribute.1.Value=1&Attribute-X=d&AttributeName.1=n",
    ))
    .unwrap();
    assert_eq!(s.attribute.unwrap().len(), 1);
    assert_eq!(s.attribute_name.unwrap(), ["n"]);
    assert_eq!(s.dash.as_deref(), Some("d"));
}

#[test]
fn pairs_keep_order_and_repeats() {
    #[derive(Deserialize)]
    struct S {
        #[serde(rename = "Attribute")]
        a: super::Pairs,
    }
    let s: S = from_params(&form(
        "Attribute.2.Name=B&Attribute.2.Value=2&Attribute.1.Name=Z&Attribute.1.Value=1&Attribute.3.Name=Z&Attribute.3.Value=3",
    ))
    .unwrap();
    let want: Vec<(String, String)> = [("Z", "1"), ("B", "2"), ("Z", "3")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(s.a.0, want);
}

/// Time per SendMessage form read: the derive through [`from_params`] against the hand
/// reading it replaced (six `get`s, a clone of the fields, and the attributes read from the
/// clone).
/// `cargo test --release -p nimbus-wire -- --ignored --nocapture send_message_cost`.
#[test]
#[ignore]
fn send_message_cost() {
    let p = form(
        "Action=SendMessage&Version=2012-11-05&QueueUrl=http%3A%2F%2Flocalhost%3A4566%2F000000000000%2Fq\
         &MessageBody=hello%20world&DelaySeconds=0\
         &MessageAttribute.1.Name=k&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=v",
    );
    let n = 200_000;
    let t = std::time::Instant::now();
    for _ in 0..n {
        let e: Entry = from_params(std::hint::black_box(&p)).unwrap();
        std::hint::black_box(e);
    }
    let serde = t.elapsed() / n;
    let t = std::time::Instant::now();
    for _ in 0..n {
        let p = std::hint::black_box(&p);
        let e = (
            p.get("QueueUrl").map(str::to_owned),
            p.get("Id").map(str::to_owned),
            p.get("MessageBody").map(str::to_owned),
            p.get("DelaySeconds").map(|v| v.trim().parse::<i64>()),
            p.get("MessageDeduplicationId").map(str::to_owned),
            p.get("MessageGroupId").map(str::to_owned),
            p.clone(),
        );
        // What the old SendMessage then did with the cloned fields for its attributes.
        let attrs: Vec<_> =
            e.6.indexed("MessageAttribute")
                .into_iter()
                .map(|(_, a)| {
                    (
                        a.get("Name").map(str::to_owned),
                        a.get("Value.DataType").map(str::to_owned),
                        a.get("Value.StringValue").map(str::to_owned),
                    )
                })
                .collect();
        std::hint::black_box((e, attrs));
    }
    let hand = t.elapsed() / n;
    println!("from_params {serde:?}/op, hand {hand:?}/op");
}

#[test]
fn own_text_reads_as_get_does() {
    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct S {
        #[serde(rename = "A")]
        a: super::OwnText,
        #[serde(rename = "B")]
        b: super::OwnText,
        #[serde(rename = "C")]
        c: super::OwnText,
        #[serde(rename = "D")]
        d: super::OwnText,
    }
    let q = QueryParams::from_pairs([("A", "x"), ("A.1", "y"), ("B.1", "z"), ("C", "")]);
    let s: S = from_params(&q).unwrap();
    assert_eq!(s.a.get(), Some("x"));
    assert_eq!(s.b.get(), None);
    assert_eq!(s.c.get(), Some(""));
    assert_eq!(s.d.get(), None);
    let j: S = serde_json::from_str(r#"{"A":"x","B":null}"#).unwrap();
    assert_eq!((j.a.get(), j.b.get()), (Some("x"), None));
}
