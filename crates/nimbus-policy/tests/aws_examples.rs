//! AWS's documented policy examples as tables: each row is (policies, request, expected
//! decision). Each group names the page its policies come from.

mod common;

use common::*;
use nimbus_policy::Decision::{Allow, ExplicitDeny, ImplicitDeny};

const A1: &str = "111111111111";
const A2: &str = "222222222222";
const A3: &str = "333333333333";

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_s3_rw-bucket.html
// "Amazon S3: Allows read and write access to objects in an S3 Bucket"
const S3_RW_BUCKET: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "ListObjectsInBucket", "Effect": "Allow", "Action": ["s3:ListBucket"],
     "Resource": ["arn:aws:s3:::bucket-name"]},
    {"Sid": "AllObjectActions", "Effect": "Allow", "Action": "s3:*Object",
     "Resource": ["arn:aws:s3:::bucket-name/*"]}
  ]
}"#;

#[test]
#[rustfmt::skip]
fn iam_identity_policy_for_one_bucket() {
    let p = id(&[S3_RW_BUCKET]);
    let alice = || user(A1, "alice");
    let n = run(vec![
        row("GetObject", p, q(alice(), "s3:GetObject", "arn:aws:s3:::bucket-name/a.txt", A1), Allow),
        row("PutObject", p, q(alice(), "s3:PutObject", "arn:aws:s3:::bucket-name/a/b", A1), Allow),
        row("DeleteObject", p, q(alice(), "s3:DeleteObject", "arn:aws:s3:::bucket-name/a", A1), Allow),
        row("ListBucket", p, q(alice(), "s3:ListBucket", "arn:aws:s3:::bucket-name", A1), Allow),
        row("action names ignore case", p, q(alice(), "S3:getobject", "arn:aws:s3:::bucket-name/a", A1), Allow),
        row("another bucket", p, q(alice(), "s3:GetObject", "arn:aws:s3:::other/a", A1), ImplicitDeny),
        row("s3:*Object is no GetObjectAcl", p, q(alice(), "s3:GetObjectAcl", "arn:aws:s3:::bucket-name/a", A1), ImplicitDeny),
        row("ListBucket names the bucket, not objects", p, q(alice(), "s3:ListBucket", "arn:aws:s3:::bucket-name/a", A1), ImplicitDeny),
        row("resource names are case-sensitive", p, q(alice(), "s3:GetObject", "arn:aws:s3:::Bucket-Name/a", A1), ImplicitDeny),
        row("a user without the policy", NONE, q(alice(), "s3:GetObject", "arn:aws:s3:::bucket-name/a", A1), ImplicitDeny),
    ]);
    assert_eq!(n, 10);
}

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String
// (the home-directory example with ${aws:username} and s3:prefix), and
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
const HOME_DIRS: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["s3:ListAllMyBuckets", "s3:GetBucketLocation"], "Resource": "arn:aws:s3:::*"},
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::BUCKET-NAME",
     "Condition": {"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/"]}}},
    {"Effect": "Allow", "Action": "s3:*",
     "Resource": ["arn:aws:s3:::BUCKET-NAME/home/${aws:username}", "arn:aws:s3:::BUCKET-NAME/home/${aws:username}/*"]}
  ]
}"#;
// The same without Version: 2008-10-17, where ${…} is literal text.
const HOME_DIRS_2008: &str = r#"{
  "Statement": [
    {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::BUCKET-NAME/home/${aws:username}/*"}
  ]
}"#;

#[test]
#[rustfmt::skip]
fn policy_variables_home_directories() {
    let p = id(&[HOME_DIRS]);
    let b = "arn:aws:s3:::BUCKET-NAME";
    let alice = || user(A1, "alice");
    run(vec![
        row("list own prefix", p, q(alice(), "s3:ListBucket", b, A1).c("s3:prefix", "home/alice/"), Allow),
        row("list home/", p, q(alice(), "s3:ListBucket", b, A1).c("s3:prefix", "home/"), Allow),
        row("list the root", p, q(alice(), "s3:ListBucket", b, A1).c("s3:prefix", ""), Allow),
        row("list another's prefix", p, q(alice(), "s3:ListBucket", b, A1).c("s3:prefix", "home/bob/"), ImplicitDeny),
        row("list without s3:prefix", p, q(alice(), "s3:ListBucket", b, A1).without("s3:prefix"), ImplicitDeny),
        row("own object", p, q(alice(), "s3:GetObject", "arn:aws:s3:::BUCKET-NAME/home/alice/x", A1), Allow),
        row("another's object", p, q(alice(), "s3:GetObject", "arn:aws:s3:::BUCKET-NAME/home/bob/x", A1), ImplicitDeny),
        row("a role session has no aws:username", p, q(session(A1, "r", "alice"), "s3:GetObject", "arn:aws:s3:::BUCKET-NAME/home/alice/x", A1), ImplicitDeny),
        row("2008-10-17 keeps ${...} literal", id(&[HOME_DIRS_2008]), q(alice(), "s3:GetObject", "arn:aws:s3:::BUCKET-NAME/home/alice/x", A1), ImplicitDeny),
        row("2008-10-17 matches the literal text", id(&[HOME_DIRS_2008]), q(alice(), "s3:GetObject", "arn:aws:s3:::BUCKET-NAME/home/${aws:username}/x", A1), Allow),
    ]);
}

// https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html
// "Granting read-only permission to a public anonymous user"
const S3_PUBLIC_READ: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{"Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
    "Action": ["s3:GetObject", "s3:GetObjectVersion"], "Resource": ["arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"]}]
}"#;
const ALLOW_ALL_S3: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#;

#[test]
#[rustfmt::skip]
fn s3_public_read_bucket_policy() {
    let p = res(S3_PUBLIC_READ);
    let obj = "arn:aws:s3:::DOC-EXAMPLE-BUCKET/index.html";
    run(vec![
        row("anonymous GetObject", p, q(anon(), "s3:GetObject", obj, A1), Allow),
        row("anonymous PutObject", p, q(anon(), "s3:PutObject", obj, A1), ImplicitDeny),
        row("anonymous ListBucket", p, q(anon(), "s3:ListBucket", "arn:aws:s3:::DOC-EXAMPLE-BUCKET", A1), ImplicitDeny),
        row("same-account user without identity policy", p, q(user(A1, "u"), "s3:GetObject", obj, A1), Allow),
        row("other account's user needs its identity policy", p, q(user(A2, "u"), "s3:GetObject", obj, A1), ImplicitDeny),
        row("other account's user with one", p.and_id(&[ALLOW_ALL_S3]), q(user(A2, "u"), "s3:GetObject", obj, A1), Allow),
        row("other account's root", p, q(root(A2), "s3:GetObject", obj, A1), Allow),
    ]);
}

// https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-walkthroughs-managing-access-example2.html
// "Bucket owner granting cross-account bucket permissions"
const S3_CROSS_ACCOUNT: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{"Sid": "Example permissions", "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
    "Action": ["s3:GetLifecycleConfiguration", "s3:ListBucket", "s3:GetObject", "s3:PutObject"],
    "Resource": ["arn:aws:s3:::awsexamplebucket1", "arn:aws:s3:::awsexamplebucket1/*"]}]
}"#;
const ALLOW_BUCKET1: &str = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Example", "Effect": "Allow",
  "Action": ["s3:ListBucket", "s3:GetObject"], "Resource": ["arn:aws:s3:::awsexamplebucket1", "arn:aws:s3:::awsexamplebucket1/*"]}]}"#;

#[test]
#[rustfmt::skip]
fn s3_cross_account_bucket_permissions() {
    let p = res(S3_CROSS_ACCOUNT);
    let obj = "arn:aws:s3:::awsexamplebucket1/doc.txt";
    run(vec![
        row("account B's root", p, q(root(A2), "s3:GetObject", obj, A1), Allow),
        row("account B's user, delegated by B", p.and_id(&[ALLOW_BUCKET1]), q(user(A2, "Dave"), "s3:GetObject", obj, A1), Allow),
        row("account B's user, not delegated", p, q(user(A2, "Dave"), "s3:GetObject", obj, A1), ImplicitDeny),
        row("B delegated GetObject, not PutObject", p.and_id(&[ALLOW_BUCKET1]), q(user(A2, "Dave"), "s3:PutObject", obj, A1), ImplicitDeny),
        row("account C is not named", p.and_id(&[ALLOW_BUCKET1]), q(user(A3, "Eve"), "s3:GetObject", obj, A1), ImplicitDeny),
        row("account C's root", p, q(root(A3), "s3:GetObject", obj, A1), ImplicitDeny),
        row("account B's role session", p.and_id(&[ALLOW_BUCKET1]), q(session(A2, "reader", "s"), "s3:ListBucket", "arn:aws:s3:::awsexamplebucket1", A1), Allow),
        row("cross-account with no bucket policy", id(&[ALLOW_BUCKET1]), q(user(A2, "Dave"), "s3:GetObject", obj, A1), ImplicitDeny),
        row("the scenario of issue 13: other account reads", NONE, q(root(A2), "s3:GetObject", obj, A1), ImplicitDeny),
        row("the owner's root", NONE, q(root(A1), "s3:DeleteObject", obj, A1), Allow),
    ]);
}

// https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html
// "Managing access based on HTTP or HTTPS requests" and "Restricting access to specific IP addresses"
const S3_TLS_ONLY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "RestrictToTLSRequestsOnly", "Action": "s3:*", "Effect": "Deny",
     "Resource": ["arn:aws:s3:::DOC-EXAMPLE-BUCKET", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"],
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}, "Principal": "*"}
  ]
}"#;
const S3_IP_ALLOW_LIST: &str = r#"{
  "Version": "2012-10-17",
  "Id": "S3PolicyId1",
  "Statement": [{"Sid": "IPAllow", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
    "Resource": ["arn:aws:s3:::DOC-EXAMPLE-BUCKET", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"],
    "Condition": {"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "2001:DB8:1234:5678::/64"]}}}]
}"#;

#[test]
#[rustfmt::skip]
fn s3_transport_and_address_conditions() {
    let obj = "arn:aws:s3:::DOC-EXAMPLE-BUCKET/a";
    let tls = res(S3_TLS_ONLY).and_id(&[ALLOW_ALL_S3]);
    let ip = res(S3_IP_ALLOW_LIST).and_id(&[ALLOW_ALL_S3]);
    let u = || user(A1, "u");
    run(vec![
        row("plain HTTP is denied", tls, q(u(), "s3:GetObject", obj, A1).c("aws:SecureTransport", "false"), ExplicitDeny),
        row("even to the owner's root", tls, q(root(A1), "s3:GetObject", obj, A1).c("aws:SecureTransport", "false"), ExplicitDeny),
        row("HTTPS is allowed by the identity policy", tls, q(u(), "s3:GetObject", obj, A1).c("aws:SecureTransport", "true"), Allow),
        row("Bool ignores case", tls, q(u(), "s3:GetObject", obj, A1).c("aws:SecureTransport", "FALSE"), ExplicitDeny),
        row("an absent key does not match Bool", tls, q(u(), "s3:GetObject", obj, A1), Allow),
        row("inside the v4 block", ip, q(u(), "s3:GetObject", obj, A1).c("aws:SourceIp", "192.0.2.77"), Allow),
        row("outside the v4 block", ip, q(u(), "s3:GetObject", obj, A1).c("aws:SourceIp", "203.0.113.9"), ExplicitDeny),
        row("inside the v6 block", ip, q(u(), "s3:GetObject", obj, A1).c("aws:SourceIp", "2001:db8:1234:5678::42"), Allow),
        row("outside the v6 block", ip, q(u(), "s3:GetObject", obj, A1).c("aws:SourceIp", "2001:db8:1234:9999::42"), ExplicitDeny),
        row("no source address: NotIpAddress is true", ip, q(u(), "s3:GetObject", obj, A1), ExplicitDeny),
    ]);
}

// https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html
// "Granting cross-account permissions to upload objects while ensuring full control",
// tag-based access (s3:ExistingObjectTag), and aws:PrincipalAccount with Principal "*".
const S3_OWNER_FULL_CONTROL: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{"Sid": "AllowUploadWithFullControl", "Effect": "Allow",
    "Principal": {"AWS": "222222222222"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
    "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}]
}"#;
const S3_TAGGED_READ: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:user/JohnDoe"},
    "Action": ["s3:GetObject", "s3:GetObjectVersion"], "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
    "Condition": {"StringEquals": {"s3:ExistingObjectTag/environment": "production"}}}]
}"#;
const S3_PRINCIPAL_ACCOUNT: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
    "Condition": {"StringEquals": {"aws:PrincipalAccount": ["111111111111", "222222222222"]}}}]
}"#;

#[test]
#[rustfmt::skip]
fn s3_conditions_on_acls_tags_and_accounts() {
    let obj = "arn:aws:s3:::amzn-s3-demo-bucket/report.csv";
    let fc = res(S3_OWNER_FULL_CONTROL);
    let tag = res(S3_TAGGED_READ);
    let pa = res(S3_PRINCIPAL_ACCOUNT);
    run(vec![
        row("upload with the ACL", fc, q(root(A2), "s3:PutObject", obj, A1).c("s3:x-amz-acl", "bucket-owner-full-control"), Allow),
        row("upload with another ACL", fc, q(root(A2), "s3:PutObject", obj, A1).c("s3:x-amz-acl", "private"), ImplicitDeny),
        row("upload without an ACL", fc, q(root(A2), "s3:PutObject", obj, A1), ImplicitDeny),
        row("production object", tag, q(user(A1, "JohnDoe"), "s3:GetObject", obj, A1).c("s3:ExistingObjectTag/environment", "production"), Allow),
        row("tag key names ignore case", tag, q(user(A1, "JohnDoe"), "s3:GetObject", obj, A1).c("S3:existingobjecttag/Environment", "production"), Allow),
        row("staging object", tag, q(user(A1, "JohnDoe"), "s3:GetObject", obj, A1).c("s3:ExistingObjectTag/environment", "staging"), ImplicitDeny),
        row("untagged object", tag, q(user(A1, "JohnDoe"), "s3:GetObject", obj, A1), ImplicitDeny),
        row("another user", tag, q(user(A1, "Jane"), "s3:GetObject", obj, A1).c("s3:ExistingObjectTag/environment", "production"), ImplicitDeny),
        row("listed account, cross-account root", pa, q(root(A2), "s3:GetObject", obj, A1), Allow),
        row("unlisted account", pa, q(root(A3), "s3:GetObject", obj, A1), ImplicitDeny),
        row("anonymous has no aws:PrincipalAccount", pa, q(anon(), "s3:GetObject", obj, A1), ImplicitDeny),
    ]);
}

// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-creating-custom-policies-access-policy-examples.html
const SQS_ONE_ACCOUNT: &str = r#"{
  "Version": "2012-10-17",
  "Id": "Queue1_Policy_UUID",
  "Statement": [{"Sid": "Queue1_Send_Receive", "Effect": "Allow",
    "Principal": {"AWS": ["111122223333"]}, "Action": ["sqs:SendMessage", "sqs:ReceiveMessage"],
    "Resource": "arn:aws:sqs:us-east-2:444455556666:queue1"}]
}"#;
const SQS_TIME_WINDOW: &str = r#"{
  "Version": "2012-10-17",
  "Id": "Queue1_Policy_UUID",
  "Statement": [{"Sid": "Queue1_AnonymousAccess_ReceiveMessage_TimeLimit", "Effect": "Allow", "Principal": "*",
    "Action": "sqs:ReceiveMessage", "Resource": "arn:aws:sqs:us-east-2:444455556666:queue1",
    "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2009-01-31T12:00Z"},
                  "DateLessThan": {"aws:CurrentTime": "2009-01-31T15:00Z"}}}]
}"#;
const SQS_IP_RANGE: &str = r#"{
  "Version": "2012-10-17",
  "Id": "Queue1_Policy_UUID",
  "Statement": [{"Sid": "Queue1_AnonymousAccess_AllActions_AllowlistIP", "Effect": "Allow", "Principal": "*",
    "Action": "sqs:*", "Resource": "arn:aws:sqs:*:111122223333:queue1",
    "Condition": {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}}]
}"#;
const SQS_DENY_OUTSIDE_RANGE: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Queue1_AnonymousAccess_AllActions_AllowlistIP", "Effect": "Allow", "Principal": "*",
     "Action": "sqs:*", "Resource": "arn:aws:sqs:*:111122223333:queue1",
     "Condition": {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}},
    {"Sid": "Queue1_AnonymousAccess_AllActions_AllowlistIP_Deny", "Effect": "Deny", "Principal": "*",
     "Action": "sqs:*", "Resource": "arn:aws:sqs:*:111122223333:queue1",
     "Condition": {"NotIpAddress": {"aws:SourceIp": "192.0.2.0/28"}}}
  ]
}"#;

#[test]
#[rustfmt::skip]
fn sqs_queue_policy_examples() {
    let queue = "arn:aws:sqs:us-east-2:444455556666:queue1";
    let q2 = "arn:aws:sqs:us-east-2:111122223333:queue1";
    let one = res(SQS_ONE_ACCOUNT);
    let win = res(SQS_TIME_WINDOW);
    let ip = res(SQS_IP_RANGE);
    let deny = res(SQS_DENY_OUTSIDE_RANGE);
    const ALL_SQS: &str = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}}"#;
    run(vec![
        row("named account's root sends", one, q(root("111122223333"), "sqs:SendMessage", queue, "444455556666"), Allow),
        row("named account's user with sqs:*", one.and_id(&[ALL_SQS]), q(user("111122223333", "app"), "sqs:SendMessage", queue, "444455556666"), Allow),
        row("named account, action not granted", one, q(root("111122223333"), "sqs:DeleteMessage", queue, "444455556666"), ImplicitDeny),
        row("another account", one, q(root(A3), "sqs:SendMessage", queue, "444455556666"), ImplicitDeny),
        row("issue 13: unpermitted cross-account send", NONE, q(root(A2), "sqs:SendMessage", q2, "111122223333"), ImplicitDeny),
        row("inside the time window", win, q(anon(), "sqs:ReceiveMessage", queue, "444455556666").c("aws:CurrentTime", "2009-01-31T13:30:00Z"), Allow),
        row("before the window", win, q(anon(), "sqs:ReceiveMessage", queue, "444455556666").c("aws:CurrentTime", "2009-01-31T11:59:59Z"), ImplicitDeny),
        row("after the window", win, q(anon(), "sqs:ReceiveMessage", queue, "444455556666").c("aws:CurrentTime", "2009-01-31T15:00:00Z"), ImplicitDeny),
        row("inside, as epoch seconds", win, q(anon(), "sqs:ReceiveMessage", queue, "444455556666").c("aws:CurrentTime", "1233408600"), Allow),
        row("allowed address", ip, q(anon(), "sqs:SendMessage", q2, "111122223333").c("aws:SourceIp", "192.0.2.200"), Allow),
        row("other address", ip, q(anon(), "sqs:SendMessage", q2, "111122223333").c("aws:SourceIp", "198.51.100.1"), ImplicitDeny),
        row("resource region wildcard", ip, q(anon(), "sqs:SendMessage", "arn:aws:sqs:eu-west-1:111122223333:queue1", "111122223333").c("aws:SourceIp", "192.0.2.1"), Allow),
        row("allow /24, deny outside /28: inside /28", deny, q(anon(), "sqs:SendMessage", q2, "111122223333").c("aws:SourceIp", "192.0.2.5"), Allow),
        row("allow /24, deny outside /28: outside", deny, q(anon(), "sqs:SendMessage", q2, "111122223333").c("aws:SourceIp", "192.0.2.100"), ExplicitDeny),
    ]);
}

// https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html and the
// ArnEquals example of
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN,
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html
const SQS_FROM_SNS: &str = r#"{
  "Version": "2012-10-17",
  "Statement": {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
    "Action": "SQS:SendMessage", "Resource": "arn:aws:sqs:us-east-2:123456789012:MyQueue",
    "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-2:123456789012:MyTopic"}}}
}"#;
const SQS_FROM_S3: &str = r#"{
  "Version": "2012-10-17",
  "Id": "example-ID",
  "Statement": [{"Sid": "example-statement-ID", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
    "Action": ["SQS:SendMessage"], "Resource": "arn:aws:sqs:us-east-1:123456789012:s3-events",
    "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:*:*:amzn-s3-demo-bucket"},
                  "StringEquals": {"aws:SourceAccount": "123456789012"}}}]
}"#;

#[test]
#[rustfmt::skip]
fn service_principals_with_source_arn_and_account() {
    let sns = res(SQS_FROM_SNS);
    let s3 = res(SQS_FROM_S3);
    let my_queue = "arn:aws:sqs:us-east-2:123456789012:MyQueue";
    let events = "arn:aws:sqs:us-east-1:123456789012:s3-events";
    let acct = "123456789012";
    run(vec![
        row("SNS from the topic", sns, q(svc("sns.amazonaws.com"), "sqs:SendMessage", my_queue, acct).c("aws:SourceArn", "arn:aws:sns:us-east-2:123456789012:MyTopic"), Allow),
        row("SNS from another topic", sns, q(svc("sns.amazonaws.com"), "sqs:SendMessage", my_queue, acct).c("aws:SourceArn", "arn:aws:sns:us-east-2:123456789012:Other"), ImplicitDeny),
        row("SNS without aws:SourceArn", sns, q(svc("sns.amazonaws.com"), "sqs:SendMessage", my_queue, acct), ImplicitDeny),
        row("another service", sns, q(svc("s3.amazonaws.com"), "sqs:SendMessage", my_queue, acct).c("aws:SourceArn", "arn:aws:sns:us-east-2:123456789012:MyTopic"), ImplicitDeny),
        row("a user directly", sns, q(user(acct, "u"), "sqs:SendMessage", my_queue, A2).c("aws:SourceArn", "arn:aws:sns:us-east-2:123456789012:MyTopic"), ImplicitDeny),
        row("S3 from the bucket in its account", s3, q(svc("s3.amazonaws.com"), "sqs:SendMessage", events, acct).c("aws:SourceArn", "arn:aws:s3:::amzn-s3-demo-bucket").c("aws:SourceAccount", acct), Allow),
        row("S3 from a bucket of another account", s3, q(svc("s3.amazonaws.com"), "sqs:SendMessage", events, acct).c("aws:SourceArn", "arn:aws:s3:::amzn-s3-demo-bucket").c("aws:SourceAccount", A2), ImplicitDeny),
        row("S3 from another bucket", s3, q(svc("s3.amazonaws.com"), "sqs:SendMessage", events, acct).c("aws:SourceArn", "arn:aws:s3:::other-bucket").c("aws:SourceAccount", acct), ImplicitDeny),
        row("service names ignore case", s3, q(svc("S3.amazonaws.com"), "sqs:SendMessage", events, acct).c("aws:SourceArn", "arn:aws:s3:::amzn-s3-demo-bucket").c("aws:SourceAccount", acct), Allow),
    ]);
}

// https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
// (AddPermission's statements for a service and for another account)
const LAMBDA_S3: &str = r#"{
  "Version": "2012-10-17",
  "Id": "default",
  "Statement": [{"Sid": "lambda-allow-s3-my-function", "Effect": "Allow",
    "Principal": {"Service": "s3.amazonaws.com"}, "Action": "lambda:InvokeFunction",
    "Resource": "arn:aws:lambda:us-east-2:123456789012:function:my-function",
    "Condition": {"StringEquals": {"AWS:SourceAccount": "123456789012"},
                  "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::amzn-s3-demo-bucket"}}}]
}"#;
const LAMBDA_CROSS_ACCOUNT: &str = r#"{
  "Version": "2012-10-17",
  "Id": "default",
  "Statement": [{"Sid": "xaccount", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
    "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:us-east-2:123456789012:function:my-function"}]
}"#;
const INVOKE_ANY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:Invoke*", "Resource": "arn:aws:lambda:*:*:function:*"}]}"#;

#[test]
#[rustfmt::skip]
fn lambda_resource_policies() {
    let f = "arn:aws:lambda:us-east-2:123456789012:function:my-function";
    let acct = "123456789012";
    let s3 = res(LAMBDA_S3);
    let x = res(LAMBDA_CROSS_ACCOUNT);
    run(vec![
        row("S3 notification from the bucket", s3, q(svc("s3.amazonaws.com"), "lambda:InvokeFunction", f, acct).c("aws:SourceArn", "arn:aws:s3:::amzn-s3-demo-bucket").c("aws:SourceAccount", acct), Allow),
        row("a bucket of the same name in another account", s3, q(svc("s3.amazonaws.com"), "lambda:InvokeFunction", f, acct).c("aws:SourceArn", "arn:aws:s3:::amzn-s3-demo-bucket").c("aws:SourceAccount", A2), ImplicitDeny),
        row("no aws:SourceAccount", s3, q(svc("s3.amazonaws.com"), "lambda:InvokeFunction", f, acct).c("aws:SourceArn", "arn:aws:s3:::amzn-s3-demo-bucket"), ImplicitDeny),
        row("another action", s3, q(svc("s3.amazonaws.com"), "lambda:GetFunction", f, acct).c("aws:SourceArn", "arn:aws:s3:::amzn-s3-demo-bucket").c("aws:SourceAccount", acct), ImplicitDeny),
        row("another function", s3, q(svc("s3.amazonaws.com"), "lambda:InvokeFunction", "arn:aws:lambda:us-east-2:123456789012:function:other", acct).c("aws:SourceArn", "arn:aws:s3:::amzn-s3-demo-bucket").c("aws:SourceAccount", acct), ImplicitDeny),
        row("the other account's root", x, q(root(A2), "lambda:InvokeFunction", f, acct), Allow),
        row("its user with an identity policy", x.and_id(&[INVOKE_ANY]), q(user(A2, "dev"), "lambda:InvokeFunction", f, acct), Allow),
        row("its user without", x, q(user(A2, "dev"), "lambda:InvokeFunction", f, acct), ImplicitDeny),
        row("a third account with an identity policy", x.and_id(&[INVOKE_ANY]), q(user(A3, "dev"), "lambda:InvokeFunction", f, acct), ImplicitDeny),
        row("the owner's user with an identity policy, no grant needed", id(&[INVOKE_ANY]), q(user(acct, "dev"), "lambda:InvokeFunction", f, acct), Allow),
    ]);
}

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
// (the flow chart; resource-based policies and implicit denies by principal type) and
// https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
// ("Both [account forms] delegate permissions to the account"; a role principal is "limited
// by … session policies and permissions boundaries"; grants through `*` and
// aws:PrincipalArn are not)
const BUCKET_NAMES_USER: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
  "Principal": {"AWS": "arn:aws:iam::111111111111:user/carlos"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::logs/*"}]}"#;
const BUCKET_NAMES_ACCOUNT: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
  "Principal": {"AWS": "111111111111"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::logs/*"}]}"#;
const BUCKET_NAMES_ROLE: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
  "Principal": {"AWS": "arn:aws:iam::111111111111:role/writer"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::logs/*"}]}"#;
const BUCKET_NAMES_SESSION: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
  "Principal": {"AWS": "arn:aws:sts::111111111111:assumed-role/writer/job-7"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::logs/*"}]}"#;
const BUCKET_DENIES_DELETE: &str = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "NoDeletes", "Effect": "Deny",
  "Principal": {"AWS": "111111111111"}, "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::logs/*"}]}"#;
const BUCKET_ANY_ROLE_ARN: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
  "Action": "s3:PutObject", "Resource": "arn:aws:s3:::logs/*",
  "Condition": {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111111111111:role/writer"}}}]}"#;
const READ_ONLY_SESSION: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#;
const DENY_PUT_SESSION: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}]}"#;

#[test]
#[rustfmt::skip]
fn evaluation_logic_within_one_account() {
    let obj = "arn:aws:s3:::logs/2026/a.log";
    let carlos = || user(A1, "carlos");
    let job = || session(A1, "writer", "job-7");
    run(vec![
        row("nothing applies", NONE, q(carlos(), "s3:PutObject", obj, A1), ImplicitDeny),
        row("identity policy alone", id(&[ALLOW_ALL_S3]), q(carlos(), "s3:PutObject", obj, A1), Allow),
        row("resource policy naming the user alone", res(BUCKET_NAMES_USER), q(carlos(), "s3:PutObject", obj, A1), Allow),
        row("resource policy naming another user", res(BUCKET_NAMES_USER), q(user(A1, "maria"), "s3:PutObject", obj, A1), ImplicitDeny),
        row("resource policy naming only the account delegates", res(BUCKET_NAMES_ACCOUNT), q(carlos(), "s3:PutObject", obj, A1), ImplicitDeny),
        row("account grant plus identity policy", res(BUCKET_NAMES_ACCOUNT).and_id(&[ALLOW_ALL_S3]), q(carlos(), "s3:PutObject", obj, A1), Allow),
        row("account grant to the root", res(BUCKET_NAMES_ACCOUNT), q(root(A1), "s3:PutObject", obj, A1), Allow),
        row("deny in the resource policy beats the identity allow", res(BUCKET_DENIES_DELETE).and_id(&[ALLOW_ALL_S3]), q(carlos(), "s3:DeleteObject", obj, A1), ExplicitDeny),
        row("a Deny naming the account binds its root", res(BUCKET_DENIES_DELETE), q(root(A1), "s3:DeleteObject", obj, A1), ExplicitDeny),
        row("the deny leaves other actions", res(BUCKET_DENIES_DELETE).and_id(&[ALLOW_ALL_S3]), q(carlos(), "s3:PutObject", obj, A1), Allow),
        row("role grant, session without session policy", res(BUCKET_NAMES_ROLE), q(job(), "s3:PutObject", obj, A1), Allow),
        row("role grant is limited by the session policy", res(BUCKET_NAMES_ROLE).and_session(&[READ_ONLY_SESSION]), q(job(), "s3:PutObject", obj, A1), ImplicitDeny),
        row("session grant is not limited by the session policy", res(BUCKET_NAMES_SESSION).and_session(&[READ_ONLY_SESSION]), q(job(), "s3:PutObject", obj, A1), Allow),
        row("session grant names one session", res(BUCKET_NAMES_SESSION), q(session(A1, "writer", "job-8"), "s3:PutObject", obj, A1), ImplicitDeny),
        row("identity allow bounded by the session policy", id(&[ALLOW_ALL_S3]).and_session(&[READ_ONLY_SESSION]), q(job(), "s3:PutObject", obj, A1), ImplicitDeny),
        row("identity allow within the session policy", id(&[ALLOW_ALL_S3]).and_session(&[READ_ONLY_SESSION]), q(job(), "s3:GetObject", obj, A1), Allow),
        row("a Deny in the session policy", res(BUCKET_NAMES_SESSION).and_session(&[DENY_PUT_SESSION]), q(job(), "s3:PutObject", obj, A1), ExplicitDeny),
        row("identity allow outside the boundary", id(&[ALLOW_ALL_S3]).and_boundary(READ_ONLY_SESSION), q(carlos(), "s3:PutObject", obj, A1), ImplicitDeny),
        row("identity allow inside the boundary", id(&[ALLOW_ALL_S3]).and_boundary(READ_ONLY_SESSION), q(carlos(), "s3:GetObject", obj, A1), Allow),
        row("user grant is not limited by the boundary", res(BUCKET_NAMES_USER).and_boundary(READ_ONLY_SESSION), q(carlos(), "s3:PutObject", obj, A1), Allow),
        row("role grant is limited by the boundary", res(BUCKET_NAMES_ROLE).and_boundary(READ_ONLY_SESSION), q(job(), "s3:PutObject", obj, A1), ImplicitDeny),
        row("* with aws:PrincipalArn is not limited by the session policy", res(BUCKET_ANY_ROLE_ARN).and_session(&[READ_ONLY_SESSION]), q(job(), "s3:PutObject", obj, A1), Allow),
        row("* with aws:PrincipalArn, another role", res(BUCKET_ANY_ROLE_ARN), q(session(A1, "reader", "job-7"), "s3:PutObject", obj, A1), ImplicitDeny),
        row("root of the owner, no policy", NONE, q(root(A1), "s3:PutObject", obj, A1), Allow),
        row("anonymous, no policy", NONE, q(anon(), "s3:GetObject", obj, A1), ImplicitDeny),
        row("an identity Deny beats the resource allow", res(BUCKET_NAMES_USER).and_id(&[DENY_PUT_SESSION]), q(carlos(), "s3:PutObject", obj, A1), ExplicitDeny),
    ]);
}

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
// (Deny with NotPrincipal: list the account too), and
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
const NOT_PRINCIPAL_DENY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Deny",
     "NotPrincipal": {"AWS": ["arn:aws:iam::444455556666:user/Bob", "arn:aws:iam::444455556666:root"]},
     "Action": "s3:*", "Resource": ["arn:aws:s3:::BUCKETNAME", "arn:aws:s3:::BUCKETNAME/*"]},
    {"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "s3:*",
     "Resource": ["arn:aws:s3:::BUCKETNAME", "arn:aws:s3:::BUCKETNAME/*"]}
  ]
}"#;
const NOT_PRINCIPAL_WITHOUT_ACCOUNT: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:iam::444455556666:user/Bob"]},
    "Action": "s3:*", "Resource": ["arn:aws:s3:::BUCKETNAME/*"]}]
}"#;
const NOT_PRINCIPAL_SESSION: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Deny",
    "NotPrincipal": {"AWS": ["arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/cross-account-audit-app",
                             "arn:aws:iam::444455556666:root"]},
    "Action": "s3:*", "Resource": ["arn:aws:s3:::BUCKETNAME/*"]}]
}"#;
const NOT_ACTION_ALLOW: &str = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}}"#;
const DENY_WITHOUT_MFA: &str = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "DenyAllUsersNotUsingMFA", "Effect": "Deny",
  "NotAction": "iam:*", "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]}"#;
const DENY_OTHER_BUCKETS: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*",
  "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"]}]}"#;

#[test]
#[rustfmt::skip]
fn not_principal_not_action_not_resource() {
    let b = "arn:aws:s3:::BUCKETNAME/x";
    let owner = "111111111111";
    let np = res(NOT_PRINCIPAL_DENY).and_id(&[ALLOW_ALL_S3]);
    run(vec![
        row("Bob, with his account listed, is not denied", np, q(user("444455556666", "Bob"), "s3:GetObject", b, owner), Allow),
        row("Alice is denied", np, q(user("444455556666", "Alice"), "s3:GetObject", b, owner), ExplicitDeny),
        row("another account is denied", np, q(root(A2), "s3:GetObject", b, owner), ExplicitDeny),
        row("anonymous is denied", np, q(anon(), "s3:GetObject", b, owner), ExplicitDeny),
        row("Bob without his account listed is denied", res(NOT_PRINCIPAL_WITHOUT_ACCOUNT).and_id(&[ALLOW_ALL_S3]), q(user("444455556666", "Bob"), "s3:GetObject", b, "444455556666"), ExplicitDeny),
        row("the listed session is not denied", res(NOT_PRINCIPAL_SESSION).and_id(&[ALLOW_ALL_S3]), q(session("444455556666", "cross-account-read-only-role", "cross-account-audit-app"), "s3:GetObject", b, "444455556666"), Allow),
        row("another session of the role is denied", res(NOT_PRINCIPAL_SESSION).and_id(&[ALLOW_ALL_S3]), q(session("444455556666", "cross-account-read-only-role", "other"), "s3:GetObject", b, "444455556666"), ExplicitDeny),
        row("NotAction allows what it does not list", id(&[NOT_ACTION_ALLOW]), q(user(A1, "u"), "s3:GetObject", "arn:aws:s3:::x/y", A1), Allow),
        row("NotAction does not allow what it lists", id(&[NOT_ACTION_ALLOW]), q(user(A1, "u"), "iam:CreateUser", "arn:aws:iam::111111111111:user/x", A1), ImplicitDeny),
        row("without MFA: denied", id(&[NOT_ACTION_ALLOW, DENY_WITHOUT_MFA]), q(user(A1, "u"), "s3:GetObject", "arn:aws:s3:::x/y", A1).c("aws:MultiFactorAuthPresent", "false"), ExplicitDeny),
        row("MFA key absent: BoolIfExists denies", id(&[NOT_ACTION_ALLOW, DENY_WITHOUT_MFA]), q(user(A1, "u"), "s3:GetObject", "arn:aws:s3:::x/y", A1), ExplicitDeny),
        row("with MFA: allowed", id(&[NOT_ACTION_ALLOW, DENY_WITHOUT_MFA]), q(user(A1, "u"), "s3:GetObject", "arn:aws:s3:::x/y", A1).c("aws:MultiFactorAuthPresent", "true"), Allow),
        row("NotResource denies other buckets", id(&[ALLOW_ALL_S3, DENY_OTHER_BUCKETS]), q(user(A1, "u"), "s3:GetObject", "arn:aws:s3:::other/y", A1), ExplicitDeny),
        row("NotResource spares the listed ones", id(&[ALLOW_ALL_S3, DENY_OTHER_BUCKETS]), q(user(A1, "u"), "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/jan.csv", A1), Allow),
    ]);
}
