//! The condition operators' documented semantics as a table: absent keys, `…IfExists`,
//! `Null`, negated operators, `ForAllValues`/`ForAnyValue` (and the empty-set gotcha),
//! several values and keys, each operator family, and policy variables in conditions.

mod common;

use common::*;
use nimbus_policy::Decision::{self, Allow, ExplicitDeny, ImplicitDeny};
use nimbus_policy::Request;

const A1: &str = "111111111111";

/// An identity policy allowing `s3:GetObject` on everything under `condition`.
fn allow_if(condition: &str) -> &'static str {
    Box::leak(
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "s3:GetObject",
                "Resource": "*", "Condition": {condition}}}]}}"#
        )
        .into_boxed_str(),
    )
}

/// An identity policy allowing everything, and denying `s3:GetObject` under `condition`.
fn deny_if(condition: &str) -> &'static str {
    Box::leak(
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [
                {{"Effect": "Allow", "Action": "*", "Resource": "*"}},
                {{"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*", "Condition": {condition}}}]}}"#
        )
        .into_boxed_str(),
    )
}

fn get() -> Request {
    q(user(A1, "alice"), "s3:GetObject", "arn:aws:s3:::b/k", A1)
}

fn case(name: &'static str, policy: &'static str, req: Request, expect: Decision) -> Row {
    let docs: &'static [&'static str] = Box::leak(vec![policy].into_boxed_slice());
    row(name, id(docs), req, expect)
}

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
// ("If the key … is not present in the request context, the values do not match and the
// condition is false. If the policy condition requires that the key is not matched, such as
// StringNotLike or ArnNotLike, and the right key is not present, the condition is true.")
#[test]
#[rustfmt::skip]
fn absent_keys_if_exists_and_null() {
    run(vec![
        case("StringEquals, key absent", allow_if(r#"{"StringEquals": {"aws:PrincipalTag/team": "red"}}"#), get(), ImplicitDeny),
        case("StringNotEquals, key absent: true", allow_if(r#"{"StringNotEquals": {"aws:PrincipalTag/team": "red"}}"#), get(), Allow),
        case("StringNotLike, key absent: true", allow_if(r#"{"StringNotLike": {"aws:PrincipalTag/team": "r*"}}"#), get(), Allow),
        case("ArnNotLike, key absent: true", allow_if(r#"{"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:*:t"}}"#), get(), Allow),
        case("NotIpAddress, key absent: true", allow_if(r#"{"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}"#), get(), Allow),
        case("NumericLessThan, key absent", allow_if(r#"{"NumericLessThan": {"s3:max-keys": "10"}}"#), get(), ImplicitDeny),
        case("StringEqualsIfExists, key absent: true", allow_if(r#"{"StringEqualsIfExists": {"aws:PrincipalTag/team": "red"}}"#), get(), Allow),
        case("StringEqualsIfExists, key present and different", allow_if(r#"{"StringEqualsIfExists": {"aws:PrincipalTag/team": "red"}}"#), get().c("aws:PrincipalTag/team", "blue"), ImplicitDeny),
        case("StringLikeIfExists, key present and matching", allow_if(r#"{"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}"#), get().c("ec2:InstanceType", "t2.micro"), Allow),
        case("Deny with StringNotEqualsIfExists, key absent: denied", deny_if(r#"{"StringNotEqualsIfExists": {"aws:ResourceTag/owner": "alice"}}"#), get(), ExplicitDeny),
        case("Null true, key absent", allow_if(r#"{"Null": {"aws:TokenIssueTime": "true"}}"#), get(), Allow),
        case("Null true, key present", allow_if(r#"{"Null": {"aws:TokenIssueTime": "true"}}"#), get().c("aws:TokenIssueTime", "2026-01-01T00:00:00Z"), ImplicitDeny),
        case("Null false, key absent", allow_if(r#"{"Null": {"aws:TokenIssueTime": "false"}}"#), get(), ImplicitDeny),
        case("Null false, key present", allow_if(r#"{"Null": {"aws:TokenIssueTime": "false"}}"#), get().c("aws:TokenIssueTime", "2026-01-01T00:00:00Z"), Allow),
        case("key names ignore case", allow_if(r#"{"StringEquals": {"AWS:USERNAME": "alice"}}"#), get(), Allow),
        case("values are case-sensitive", allow_if(r#"{"StringEquals": {"aws:username": "Alice"}}"#), get(), ImplicitDeny),
    ]);
}

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
// and https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_examples-multi-valued-context-keys.html
#[test]
#[rustfmt::skip]
fn set_operators_and_the_empty_set() {
    let all = allow_if(
        r#"{"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}"#,
    );
    let all_guarded = allow_if(
        r#"{"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}, "Null": {"aws:TagKeys": "false"}}"#,
    );
    let any = allow_if(r#"{"ForAnyValue:StringEquals": {"aws:TagKeys": ["DataClass", "Owner"]}}"#);
    let deny_not_key1 = deny_if(r#"{"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}"#);
    let deny_any_id = deny_if(
        r#"{"ForAnyValue:StringLike": {"dynamodb:requestedAttributes": ["ID", "PostDateTime"]}}"#,
    );
    let any_not = allow_if(r#"{"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["a", "b"]}}"#);
    run(vec![
        case("ForAllValues, all listed", all, get().cm("aws:TagKeys", &["environment"]), Allow),
        case("ForAllValues, both listed", all, get().cm("aws:TagKeys", &["environment", "cost-center"]), Allow),
        case("ForAllValues, one unlisted", all, get().cm("aws:TagKeys", &["environment", "owner"]), ImplicitDeny),
        case("ForAllValues, key absent: true (the gotcha)", all, get(), Allow),
        case("ForAllValues, empty set: true", all, get().cm("aws:TagKeys", &[]), Allow),
        case("ForAllValues guarded by Null false, key absent", all_guarded, get(), ImplicitDeny),
        case("ForAllValues guarded by Null false, listed", all_guarded, get().cm("aws:TagKeys", &["cost-center"]), Allow),
        case("ForAnyValue, key absent: false", any, get(), ImplicitDeny),
        case("ForAnyValue, none listed", any, get().cm("aws:TagKeys", &["Dept", "SIC"]), ImplicitDeny),
        case("ForAnyValue, one listed", any, get().cm("aws:TagKeys", &["DataClass", "Dept"]), Allow),
        case("ForAllValues:StringNotLike deny, key1:legal", deny_not_key1, get().cm("aws:TagKeys", &["key1:legal"]), Allow),
        case("ForAllValues:StringNotLike deny, key1:hr + key1:personnel", deny_not_key1, get().cm("aws:TagKeys", &["key1:hr", "key1:personnel"]), Allow),
        case("ForAllValues:StringNotLike deny, key2:audit", deny_not_key1, get().cm("aws:TagKeys", &["key2:audit"]), ExplicitDeny),
        case("ForAllValues:StringNotLike deny, key absent", deny_not_key1, get(), ExplicitDeny),
        case("ForAnyValue:StringLike deny, PostDateTime requested", deny_any_id, get().cm("dynamodb:requestedAttributes", &["UserName", "Message", "PostDateTime"]), ExplicitDeny),
        case("ForAnyValue:StringLike deny, UserName only", deny_any_id, get().cm("dynamodb:requestedAttributes", &["UserName"]), Allow),
        case("ForAnyValue:StringNotEquals, one value outside", any_not, get().cm("aws:TagKeys", &["a", "z"]), Allow),
        case("ForAnyValue:StringNotEquals, all inside", any_not, get().cm("aws:TagKeys", &["a", "b"]), ImplicitDeny),
        case("ForAnyValue:StringNotEquals, key absent", any_not, get(), ImplicitDeny),
    ]);
}

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
#[test]
#[rustfmt::skip]
fn several_values_keys_and_operators() {
    let or = allow_if(r#"{"StringEquals": {"aws:PrincipalTag/role": ["audit", "security"]}}"#);
    let nor = allow_if(r#"{"StringNotEquals": {"aws:PrincipalTag/role": ["audit", "security"]}}"#);
    let and_keys = allow_if(
        r#"{"StringEquals": {"aws:PrincipalTag/department": "finance", "aws:PrincipalTag/role": "audit"}}"#,
    );
    let and_ops = allow_if(
        r#"{"StringEquals": {"aws:PrincipalTag/role": "audit"}, "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111111111111:user/*"}}"#,
    );
    run(vec![
        case("values OR'd: first", or, get().c("aws:PrincipalTag/role", "audit"), Allow),
        case("values OR'd: second", or, get().c("aws:PrincipalTag/role", "security"), Allow),
        case("values OR'd: neither", or, get().c("aws:PrincipalTag/role", "dev"), ImplicitDeny),
        case("negated values NOR'd: listed", nor, get().c("aws:PrincipalTag/role", "security"), ImplicitDeny),
        case("negated values NOR'd: unlisted", nor, get().c("aws:PrincipalTag/role", "dev"), Allow),
        case("keys AND'd: both", and_keys, get().c("aws:PrincipalTag/department", "finance").c("aws:PrincipalTag/role", "audit"), Allow),
        case("keys AND'd: one", and_keys, get().c("aws:PrincipalTag/department", "finance"), ImplicitDeny),
        case("operators AND'd: both", and_ops, get().c("aws:PrincipalTag/role", "audit"), Allow),
        case("operators AND'd: ARN fails", and_ops, q(session(A1, "r", "s"), "s3:GetObject", "arn:aws:s3:::b/k", A1).c("aws:PrincipalTag/role", "audit"), ImplicitDeny),
    ]);
}

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
// (one row or more per family; ArnLike matches component by component, StringLike does not)
#[test]
#[rustfmt::skip]
fn operator_families() {
    let max_keys = allow_if(r#"{"NumericLessThanEquals": {"s3:max-keys": "10"}}"#);
    let numeric_ne = allow_if(r#"{"NumericNotEquals": {"s3:max-keys": ["5", "7.5"]}}"#);
    let numeric_gt = allow_if(r#"{"NumericGreaterThan": {"s3:max-keys": 2.5}}"#);
    let issued = allow_if(r#"{"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}"#);
    let before = allow_if(r#"{"DateLessThanEquals": {"aws:EpochTime": "2026-12-31"}}"#);
    let date_eq = allow_if(r#"{"DateEquals": {"aws:CurrentTime": "2026-12-03T12:00:00Z"}}"#);
    let ignore_case = allow_if(r#"{"StringEqualsIgnoreCase": {"aws:username": "ALICE"}}"#);
    let not_ignore_case = allow_if(r#"{"StringNotEqualsIgnoreCase": {"aws:username": "ALICE"}}"#);
    let binary = allow_if(r#"{"BinaryEquals": {"custom:blob": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}"#);
    let arn_like = allow_if(
        r#"{"ArnLike": {"aws:SourceArn": "arn:aws:someservice:*:111122223333:finance/*"}}"#,
    );
    let string_like = allow_if(
        r#"{"StringLike": {"aws:SourceArn": "arn:aws:someservice:*:111122223333:finance/*"}}"#,
    );
    let arn_equals =
        allow_if(r#"{"ArnEquals": {"aws:SourceArn": "arn:aws:sns:*:123456789012:topic-?"}}"#);
    let long_arn =
        "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt";
    run(vec![
        case("max-keys 10 <= 10", max_keys, get().c("s3:max-keys", "10"), Allow),
        case("max-keys 11 > 10", max_keys, get().c("s3:max-keys", "11"), ImplicitDeny),
        case("max-keys not a number", max_keys, get().c("s3:max-keys", "ten"), ImplicitDeny),
        case("NumericNotEquals, listed", numeric_ne, get().c("s3:max-keys", "7.5"), ImplicitDeny),
        case("NumericNotEquals, unlisted", numeric_ne, get().c("s3:max-keys", "6"), Allow),
        case("a JSON number as the value", numeric_gt, get().c("s3:max-keys", "3"), Allow),
        case("temporary credentials issued in 2020+", issued, get().c("aws:TokenIssueTime", "2024-05-01T10:00:00Z"), Allow),
        case("long-term credentials carry no TokenIssueTime", issued, get(), ImplicitDeny),
        case("epoch seconds against a date", before, get().c("aws:EpochTime", "1798675200"), Allow),
        case("epoch seconds after the date", before, get().c("aws:EpochTime", "1798761601"), ImplicitDeny),
        case("DateEquals across zone offsets", date_eq, get().c("aws:CurrentTime", "2026-12-03T13:00:00+01:00"), Allow),
        case("StringEqualsIgnoreCase", ignore_case, get(), Allow),
        case("StringNotEqualsIgnoreCase", not_ignore_case, get(), ImplicitDeny),
        case("BinaryEquals, same bytes", binary, get().c("custom:blob", "QmluYXJ5VmFsdWVJbkJhc2U2NA=="), Allow),
        case("BinaryEquals, other bytes", binary, get().c("custom:blob", "b3RoZXI="), ImplicitDeny),
        case("ArnLike: * stays within one component", arn_like, get().c("aws:SourceArn", long_arn), ImplicitDeny),
        case("StringLike: * crosses colons", string_like, get().c("aws:SourceArn", long_arn), Allow),
        case("ArnLike: a matching ARN", arn_like, get().c("aws:SourceArn", "arn:aws:someservice:us-east-2:111122223333:finance/q1.txt"), Allow),
        case("ArnEquals takes wildcards too", arn_equals, get().c("aws:SourceArn", "arn:aws:sns:eu-west-1:123456789012:topic-a"), Allow),
        case("ArnEquals: ? is one character", arn_equals, get().c("aws:SourceArn", "arn:aws:sns:eu-west-1:123456789012:topic-ab"), ImplicitDeny),
    ]);
}

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
// (variables in Resource and in string conditions, defaults, special characters; a variable
// without a value makes the statement not apply)
#[test]
#[rustfmt::skip]
fn policy_variables() {
    const OWN_ACCOUNT_QUEUES: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*",
        "Resource": "arn:aws:sqs:us-east-2:${aws:PrincipalAccount}:${aws:username}-queue"}]}"#;
    const DEFAULTED: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::bucket/${aws:userid, 'anonymous'}/*"}]}"#;
    const LITERAL_STAR: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::bucket/${*}literally"}]}"#;
    const DENY_UNRESOLVED: &str = r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:PrincipalTag/project}/*"}]}"#;
    let tag_match = allow_if(r#"{"StringEquals": {"aws:ResourceTag/owner": "${aws:username}"}}"#);
    let arn_var = allow_if(r#"{"ArnLike": {"aws:SourceArn": "arn:aws:s3:::${aws:username}-*"}}"#);
    let alice = || user(A1, "alice");
    run(vec![
        row("account and user name in the ARN", id(&[OWN_ACCOUNT_QUEUES]), q(alice(), "sqs:SendMessage", "arn:aws:sqs:us-east-2:111111111111:alice-queue", A1), Allow),
        row("another user's queue", id(&[OWN_ACCOUNT_QUEUES]), q(alice(), "sqs:SendMessage", "arn:aws:sqs:us-east-2:111111111111:bob-queue", A1), ImplicitDeny),
        row("the default when the key is absent", id(&[DEFAULTED]), q(alice(), "s3:GetObject", "arn:aws:s3:::bucket/anonymous/x", A1), Allow),
        row("the key's value when present", id(&[DEFAULTED]), q(alice(), "s3:GetObject", "arn:aws:s3:::bucket/AIDAEXAMPLE/x", A1).c("aws:userid", "AIDAEXAMPLE"), Allow),
        row("the default is not used when present", id(&[DEFAULTED]), q(alice(), "s3:GetObject", "arn:aws:s3:::bucket/anonymous/x", A1).c("aws:userid", "AIDAEXAMPLE"), ImplicitDeny),
        row("${*} is a literal star", id(&[LITERAL_STAR]), q(alice(), "s3:GetObject", "arn:aws:s3:::bucket/*literally", A1), Allow),
        row("${*} is no wildcard", id(&[LITERAL_STAR]), q(alice(), "s3:GetObject", "arn:aws:s3:::bucket/xliterally", A1), ImplicitDeny),
        row("an unresolved variable voids a Deny", id(&[DENY_UNRESOLVED]), q(alice(), "s3:GetObject", "arn:aws:s3:::b/x/y", A1), Allow),
        row("a resolved one denies", id(&[DENY_UNRESOLVED]), q(alice(), "s3:GetObject", "arn:aws:s3:::b/x/y", A1).c("aws:PrincipalTag/project", "x"), ExplicitDeny),
        case("a variable in a condition value", tag_match, get().c("aws:ResourceTag/owner", "alice"), Allow),
        case("a variable in a condition value, other owner", tag_match, get().c("aws:ResourceTag/owner", "bob"), ImplicitDeny),
        case("a variable in an ARN condition", arn_var, get().c("aws:SourceArn", "arn:aws:s3:::alice-photos"), Allow),
        case("an unresolved variable in a condition", allow_if(r#"{"StringEquals": {"aws:ResourceTag/owner": "${aws:userid}"}}"#), get().c("aws:ResourceTag/owner", ""), ImplicitDeny),
    ]);
}
