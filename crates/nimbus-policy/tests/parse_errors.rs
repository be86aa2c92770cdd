//! Malformed policies are refused with AWS's messages: S3's `MalformedPolicy` texts
//! ("Invalid principal in policy", "Policy has invalid resource", "Unknown field Foo", …)
//! and IAM's `MalformedPolicyDocument` texts. The S3 texts are the ones S3 answers
//! `PutBucketPolicy` with (e.g. <https://github.com/versity/versitygw/issues/649>,
//! <https://github.com/versity/versitygw/issues/648>); IAM's from its API errors.

use nimbus_policy::{Policy, PolicyErrorKind, PolicyKind, Version};

const R: PolicyKind = PolicyKind::Resource;
const I: PolicyKind = PolicyKind::Identity;

fn statement(body: &str) -> String {
    format!(r#"{{"Version": "2012-10-17", "Statement": [{body}]}}"#)
}

#[test]
#[rustfmt::skip]
fn malformed_policies_get_aws_messages() {
    let ok_res = r#""Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*""#;
    let ok_id = r#""Effect": "Allow", "Action": "s3:GetObject", "Resource": "*""#;
    let rows: Vec<(&str, PolicyKind, String, &str)> = vec![
        ("not JSON", R, "Version: 1".into(), "Policies must be valid JSON and the first byte must be '{'"),
        ("broken JSON", R, "{\"Version\": ".into(), "Policies must be valid JSON and the first byte must be '{'"),
        ("unknown top-level field", R, r#"{"Version": "2012-10-17", "Foo": 1, "Statement": []}"#.into(), "Unknown field Foo"),
        ("bad version", R, r#"{"Version": "2012-10-18", "Statement": {}}"#.into(), "The policy must contain a valid version string"),
        ("no Statement", R, r#"{"Version": "2012-10-17"}"#.into(), "Missing required field Statement"),
        ("empty Statement", R, r#"{"Version": "2012-10-17", "Statement": []}"#.into(), "Could not parse the policy: Statement is empty!"),
        ("unknown statement field", R, statement(&format!(r#"{{{ok_res}, "Foo": "bar"}}"#)), "Unknown field Foo"),
        ("no Effect", R, statement(r#"{"Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}"#), "Missing required field Effect"),
        ("bad Effect", R, statement(r#"{"Effect": "allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}"#), "Invalid effect: allow"),
        ("no Principal in a resource policy", R, statement(r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}"#), "Missing required field Principal"),
        ("a principal that is no ARN", R, statement(r#"{"Effect": "Allow", "Principal": {"AWS": "user"}, "Action": "s3:*", "Resource": "arn:aws:s3:::b"}"#), "Invalid principal in policy"),
        ("an unknown principal type", R, statement(r#"{"Effect": "Allow", "Principal": {"Foo": "x"}, "Action": "s3:*", "Resource": "arn:aws:s3:::b"}"#), "Invalid principal in policy"),
        ("a bare principal string", R, statement(r#"{"Effect": "Allow", "Principal": "111111111111", "Action": "s3:*", "Resource": "arn:aws:s3:::b"}"#), "Invalid principal in policy"),
        ("a wildcard in a principal ARN", R, statement(r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:user/*"}, "Action": "s3:*", "Resource": "arn:aws:s3:::b"}"#), "Invalid principal in policy"),
        ("a group is no principal", R, statement(r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:group/devs"}, "Action": "s3:*", "Resource": "arn:aws:s3:::b"}"#), "Invalid principal in policy"),
        ("an empty principal list", R, statement(r#"{"Effect": "Allow", "Principal": {"AWS": []}, "Action": "s3:*", "Resource": "arn:aws:s3:::b"}"#), "Invalid principal in policy"),
        ("Principal and NotPrincipal", R, statement(r#"{"Effect": "Allow", "Principal": "*", "NotPrincipal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::b"}"#), "Statement has both Principal and NotPrincipal"),
        ("an action without a service", R, statement(r#"{"Effect": "Allow", "Principal": "*", "Action": "GetObject", "Resource": "arn:aws:s3:::b/*"}"#), "Policy has invalid action"),
        ("no Action", R, statement(r#"{"Effect": "Allow", "Principal": "*", "Resource": "arn:aws:s3:::b/*"}"#), "Missing required field Action"),
        ("Action and NotAction", R, statement(r#"{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "NotAction": "s3:Put*", "Resource": "arn:aws:s3:::b/*"}"#), "Statement has both Action and NotAction"),
        ("a resource that is no ARN", R, statement(r#"{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "b/*"}"#), "Policy has invalid resource"),
        ("a resource ARN without its parts", R, statement(r#"{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3"}"#), "Policy has invalid resource"),
        ("an unknown condition operator", R, statement(&format!(r#"{{{ok_res}, "Condition": {{"StringEqualz": {{"aws:username": "x"}}}}}}"#)), "Invalid Condition type : StringEqualz"),
        ("NullIfExists is no operator", R, statement(&format!(r#"{{{ok_res}, "Condition": {{"NullIfExists": {{"aws:username": "true"}}}}}}"#)), "Invalid Condition type : NullIfExists"),
        ("a condition key without a prefix", R, statement(&format!(r#"{{{ok_res}, "Condition": {{"StringEquals": {{"username": "x"}}}}}}"#)), "Policy has an invalid condition key"),
        ("a bad IP address", R, statement(&format!(r#"{{{ok_res}, "Condition": {{"IpAddress": {{"aws:SourceIp": "1.2.3.400/8"}}}}}}"#)), "Invalid IP address in Conditions"),
        ("a bad date", R, statement(&format!(r#"{{{ok_res}, "Condition": {{"DateLessThan": {{"aws:CurrentTime": "soon"}}}}}}"#)), "Invalid Condition value for DateLessThan: soon"),
        ("a bad number", R, statement(&format!(r#"{{{ok_res}, "Condition": {{"NumericLessThan": {{"s3:max-keys": "ten"}}}}}}"#)), "Invalid Condition value for NumericLessThan: ten"),
        ("a bad boolean", R, statement(&format!(r#"{{{ok_res}, "Condition": {{"Bool": {{"aws:SecureTransport": "yes"}}}}}}"#)), "Invalid Condition value for Bool: yes"),
        ("duplicate Sids in an identity policy", I, format!(r#"{{"Version": "2012-10-17", "Statement": [{{"Sid": "a", {ok_id}}}, {{"Sid": "a", {ok_id}}}]}}"#), "Statement IDs (SID) in a single policy must be unique"),
        ("a principal in an identity policy", I, statement(&format!("{{{ok_res}}}")), "Policy document should not specify a principal."),
        ("no Resource in an identity policy", I, statement(r#"{"Effect": "Allow", "Action": "s3:*"}"#), "Missing required field Resource"),
    ];
    let mut failures = Vec::new();
    for (name, kind, json, want) in &rows {
        match Policy::parse(json, *kind) {
            Ok(_) => failures.push(format!("{name}: parsed, expected {want:?}")),
            Err(e) if e.message() != *want => {
                failures.push(format!("{name}: {:?}, expected {want:?}", e.message()))
            }
            Err(e) => assert_eq!(e.to_string(), e.message()),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn iam_words_its_errors_its_own_way() {
    let e = Policy::identity(&statement(r#"{"Effect": "Allow", "Action": "s3:*"}"#)).unwrap_err();
    assert_eq!(e.iam_message(), "Policy statement must contain resources.");
    let e = Policy::identity(&statement(
        r#"{"Effect": "Allow", "Action": "GetObject", "Resource": "*"}"#,
    ))
    .unwrap_err();
    assert_eq!(
        e.iam_message(),
        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
    );
    let e = Policy::identity(&statement(
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "bucket"}"#,
    ))
    .unwrap_err();
    assert_eq!(
        e.iam_message(),
        "Resource bucket must be in ARN format or \"*\"."
    );
    assert_eq!(e.kind, PolicyErrorKind::InvalidResource("bucket".into()));
    let e = Policy::identity("[]").unwrap_err();
    assert_eq!(e.iam_message(), "Syntax errors in policy.");
}

#[test]
fn the_forms_aws_accepts() {
    // Statement as one object, no Version (2008-10-17), Sid numbers, every principal form,
    // values as numbers and booleans, NotPrincipal, NotResource, no Resource in a resource policy.
    let p = Policy::resource(
        r#"{"Id": "x", "Statement": {"Sid": "1", "Effect": "Deny", "NotPrincipal": {"AWS": [
            "*", "111111111111", "arn:aws:iam::111111111111:root", "arn:aws:iam::111111111111:user/a/b",
            "arn:aws:iam::111111111111:role/service-role/r", "arn:aws:sts::111111111111:assumed-role/r/s",
            "arn:aws:sts::111111111111:federated-user/f",
            "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL"],
            "Service": ["s3.amazonaws.com"], "Federated": "cognito-identity.amazonaws.com",
            "CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
          "NotAction": ["s3:Get*", "sqs:*"], "NotResource": "*",
          "Condition": {"NumericEquals": {"s3:max-keys": 10}, "Bool": {"aws:SecureTransport": true}}}}"#,
    )
    .unwrap();
    assert_eq!(p.version(), Version::V2008_10_17);
    assert_eq!(p.id(), Some("x"));
    assert_eq!(p.len(), 1);
    assert_eq!(p.sid(0), Some("1"));
    let p = Policy::resource(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": "sqs:SendMessage"}]}"#,
    )
    .unwrap();
    assert!(p.grants_everyone_unconditionally());
    assert_eq!(p.kind(), PolicyKind::Resource);
    // Resource policies may repeat a Sid (a sub-id of the document's Id).
    let twice = r#"{"Version": "2012-10-17", "Statement": [
        {"Sid": "a", "Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage"},
        {"Sid": "a", "Effect": "Allow", "Principal": "*", "Action": "sqs:ReceiveMessage"}]}"#;
    assert_eq!(Policy::resource(twice).map(|p| p.len()), Ok(2));
}

#[test]
fn compiled_policies_can_be_shared_across_threads() {
    fn shared<T: Send + Sync + Clone + 'static>() {}
    shared::<Policy>();
    shared::<nimbus_policy::PolicyError>();
    shared::<nimbus_policy::Request>();
}
