//! IAM with aws-sdk-rust: roles, inline policies, managed policies (customer and AWS),
//! attachments, tags, errors, account isolation and persistence across restarts.

use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_sdk_iam::types::{PolicyScopeType, Tag};
use nimbus_core::Clock;
use nimbus_testkit::TestSandbox;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const READ_S3: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::bucket/*"}]}"#;
const BASIC: &str = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";

/// AWS returns policy documents URL-encoded; aws-sdk-rust hands them over as they are.
pub(crate) fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build().unwrap()
}

async fn create_role(iam: &aws_sdk_iam::Client, name: &str) -> aws_sdk_iam::types::Role {
    iam.create_role()
        .role_name(name)
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
}

fn code<E: ProvideErrorMetadata>(e: &E) -> String {
    e.code().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn role_lifecycle_with_aws_shapes() {
    let sb = TestSandbox::start().await;
    let iam = sb.iam();
    let now_secs = (sb.clock().now_millis() / 1000) as i64;
    let created = iam
        .create_role()
        .role_name("lambda-exec")
        .path("/service-role/")
        .assume_role_policy_document(TRUST)
        .description("runs my functions")
        .max_session_duration(7200)
        .tags(tag("team", "core"))
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    assert_eq!(created.role_name(), "lambda-exec");
    assert_eq!(created.path(), "/service-role/");
    assert_eq!(
        created.arn(),
        "arn:aws:iam::000000000000:role/service-role/lambda-exec"
    );
    assert!(created.role_id().starts_with("AROA") && created.role_id().len() == 21);
    assert_eq!(created.create_date().secs(), now_secs);
    assert_eq!(created.max_session_duration(), Some(7200));
    assert_eq!(created.tags().len(), 1);
    let doc = created.assume_role_policy_document().unwrap();
    assert!(
        doc.starts_with("%7B%22Version%22"),
        "URL-encoded like AWS: {doc}"
    );
    assert_eq!(url_decode(doc), TRUST);

    let got = iam
        .get_role()
        .role_name("lambda-exec")
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    assert_eq!(got.role_id(), created.role_id());
    assert_eq!(got.description(), Some("runs my functions"));
    assert_eq!(got.tags()[0].key(), "team");

    // Names are case-insensitive in IAM.
    let dup = iam
        .create_role()
        .role_name("LAMBDA-EXEC")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap_err();
    let dup = dup.into_service_error();
    assert!(dup.is_entity_already_exists_exception(), "{dup:?}");
    assert_eq!(code(&dup), "EntityAlreadyExists");

    iam.delete_role()
        .role_name("lambda-exec")
        .send()
        .await
        .unwrap();
    let gone = iam
        .get_role()
        .role_name("lambda-exec")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(gone.is_no_such_entity_exception(), "{gone:?}");
    assert_eq!(
        gone.message(),
        Some("The role with name lambda-exec cannot be found.")
    );
    let gone = iam
        .delete_role()
        .role_name("lambda-exec")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(gone.is_no_such_entity_exception());
}

#[tokio::test]
async fn list_roles_paginates_and_filters_by_path() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let iam = sb.iam();
    for name in ["e", "b", "d", "a", "c"] {
        let path = if name < "c" { "/app/" } else { "/" };
        iam.create_role()
            .role_name(name)
            .path(path)
            .assume_role_policy_document(TRUST)
            .send()
            .await
            .unwrap();
    }
    let mut names = Vec::new();
    let mut marker: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = iam
            .list_roles()
            .max_items(2)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        names.extend(page.roles().iter().map(|r| r.role_name().to_owned()));
        if !page.is_truncated() {
            assert!(page.marker().is_none());
            break;
        }
        marker = page.marker().map(str::to_owned);
    }
    assert_eq!(pages, 3);
    assert_eq!(names, ["a", "b", "c", "d", "e"]);

    let app = iam.list_roles().path_prefix("/app/").send().await.unwrap();
    let app: Vec<_> = app.roles().iter().map(|r| r.role_name()).collect();
    assert_eq!(app, ["a", "b"]);
    let listed = &iam.list_roles().send().await.unwrap().roles;
    assert!(listed[0].tags().is_empty() && listed[0].role_last_used().is_none());

    let bad = iam
        .list_roles()
        .max_items(0)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(code(&bad), "ValidationError");
}

#[tokio::test]
async fn invalid_input_gets_aws_errors() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let iam = sb.iam();
    let e = iam
        .create_role()
        .role_name("has space")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 400);
    let e = e.into_service_error();
    assert_eq!(code(&e), "ValidationError");
    assert!(e.message().unwrap().contains("roleName"), "{e:?}");

    let e = iam
        .create_role()
        .role_name("x".repeat(65))
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(code(&e), "ValidationError");

    let e = iam
        .create_role()
        .role_name("r")
        .path("no-slashes")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(code(&e), "ValidationError");

    let e = iam
        .create_role()
        .role_name("r")
        .assume_role_policy_document("this is not json")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 400);
    let e = e.into_service_error();
    assert!(e.is_malformed_policy_document_exception(), "{e:?}");

    let e = iam
        .create_policy()
        .policy_name("p")
        .policy_document(r#"{"Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_malformed_policy_document_exception(), "{e:?}");

    let e = iam
        .get_policy()
        .policy_arn("arn:aws:iam::000000000000:user/not-a-policy")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_invalid_input_exception(), "{e:?}");
}

#[tokio::test]
async fn inline_role_policies() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let iam = sb.iam();
    create_role(&iam, "worker").await;
    for name in ["write-logs", "read-s3"] {
        iam.put_role_policy()
            .role_name("worker")
            .policy_name(name)
            .policy_document(READ_S3)
            .send()
            .await
            .unwrap();
    }
    let got = iam
        .get_role_policy()
        .role_name("worker")
        .policy_name("read-s3")
        .send()
        .await
        .unwrap();
    assert_eq!(got.role_name(), "worker");
    assert_eq!(got.policy_name(), "read-s3");
    assert_eq!(url_decode(got.policy_document()), READ_S3);

    let names = iam
        .list_role_policies()
        .role_name("worker")
        .send()
        .await
        .unwrap();
    assert_eq!(names.policy_names(), ["read-s3", "write-logs"]);
    assert!(!names.is_truncated());
    let first = iam
        .list_role_policies()
        .role_name("worker")
        .max_items(1)
        .send()
        .await
        .unwrap();
    assert_eq!(first.policy_names(), ["read-s3"]);
    assert!(first.is_truncated());

    let e = iam
        .delete_role()
        .role_name("worker")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 409);
    let e = e.into_service_error();
    assert!(e.is_delete_conflict_exception(), "{e:?}");

    let e = iam
        .get_role_policy()
        .role_name("worker")
        .policy_name("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 404);
    assert!(e.into_service_error().is_no_such_entity_exception());
    let e = iam
        .put_role_policy()
        .role_name("ghost")
        .policy_name("p")
        .policy_document(READ_S3)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_no_such_entity_exception());
    let e = iam
        .put_role_policy()
        .role_name("worker")
        .policy_name("p")
        .policy_document("{")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_malformed_policy_document_exception());

    for name in ["write-logs", "read-s3"] {
        iam.delete_role_policy()
            .role_name("worker")
            .policy_name(name)
            .send()
            .await
            .unwrap();
    }
    let e = iam
        .delete_role_policy()
        .role_name("worker")
        .policy_name("read-s3")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_no_such_entity_exception());
    iam.delete_role().role_name("worker").send().await.unwrap();
}

#[tokio::test]
async fn customer_managed_policies_and_attachments() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let iam = sb.iam();
    create_role(&iam, "app").await;
    let policy = iam
        .create_policy()
        .policy_name("read-bucket")
        .path("/team/")
        .policy_document(READ_S3)
        .description("reads the bucket")
        .send()
        .await
        .unwrap()
        .policy
        .unwrap();
    let arn = policy.arn().unwrap().to_owned();
    assert_eq!(arn, "arn:aws:iam::000000000000:policy/team/read-bucket");
    assert!(policy.policy_id().unwrap().starts_with("ANPA"));
    assert_eq!(policy.default_version_id(), Some("v1"));
    assert_eq!(policy.attachment_count(), Some(0));
    assert!(policy.is_attachable());

    let dup = iam
        .create_policy()
        .policy_name("READ-BUCKET")
        .policy_document(READ_S3)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(dup.is_entity_already_exists_exception(), "{dup:?}");

    iam.attach_role_policy()
        .role_name("app")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    // Attaching again is not an error.
    iam.attach_role_policy()
        .role_name("app")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let got = iam
        .get_policy()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap()
        .policy
        .unwrap();
    assert_eq!(got.attachment_count(), Some(1));
    assert_eq!(got.description(), Some("reads the bucket"));
    let version = iam
        .get_policy_version()
        .policy_arn(&arn)
        .version_id("v1")
        .send()
        .await
        .unwrap()
        .policy_version
        .unwrap();
    assert_eq!(url_decode(version.document().unwrap()), READ_S3);
    assert!(version.is_default_version());

    let attached = iam
        .list_attached_role_policies()
        .role_name("app")
        .send()
        .await
        .unwrap();
    let attached = attached.attached_policies();
    assert_eq!(attached.len(), 1);
    assert_eq!(attached[0].policy_name(), Some("read-bucket"));
    assert_eq!(attached[0].policy_arn(), Some(arn.as_str()));

    let local = iam
        .list_policies()
        .scope(PolicyScopeType::Local)
        .send()
        .await
        .unwrap();
    assert_eq!(local.policies().len(), 1);
    let attached_only = iam
        .list_policies()
        .only_attached(true)
        .send()
        .await
        .unwrap();
    assert_eq!(attached_only.policies().len(), 1);
    let by_path = iam
        .list_policies()
        .path_prefix("/team/")
        .send()
        .await
        .unwrap();
    assert_eq!(by_path.policies()[0].arn(), Some(arn.as_str()));

    let e = iam
        .delete_policy()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 409);
    assert!(e.into_service_error().is_delete_conflict_exception());
    let e = iam
        .delete_role()
        .role_name("app")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_delete_conflict_exception());
    assert_eq!(
        e.message(),
        Some("Cannot delete entity, must detach all policies first.")
    );

    iam.detach_role_policy()
        .role_name("app")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let e = iam
        .detach_role_policy()
        .role_name("app")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_no_such_entity_exception());
    iam.delete_policy().policy_arn(&arn).send().await.unwrap();
    let e = iam
        .get_policy()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_no_such_entity_exception());
    let e = iam
        .attach_role_policy()
        .role_name("app")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_no_such_entity_exception(), "{e:?}");
    iam.delete_role().role_name("app").send().await.unwrap();
}

#[tokio::test]
async fn aws_managed_policies_attach_like_every_lambda_tutorial() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let iam = sb.iam();
    create_role(&iam, "lambda-role").await;
    iam.attach_role_policy()
        .role_name("lambda-role")
        .policy_arn(BASIC)
        .send()
        .await
        .unwrap();
    // An AWS managed policy nimbus does not list can still be attached.
    iam.attach_role_policy()
        .role_name("lambda-role")
        .policy_arn("arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess")
        .send()
        .await
        .unwrap();
    let basic = iam
        .get_policy()
        .policy_arn(BASIC)
        .send()
        .await
        .unwrap()
        .policy
        .unwrap();
    assert_eq!(basic.policy_name(), Some("AWSLambdaBasicExecutionRole"));
    assert_eq!(basic.path(), Some("/service-role/"));
    assert_eq!(basic.attachment_count(), Some(1));
    let doc = iam
        .get_policy_version()
        .policy_arn(BASIC)
        .version_id("v1")
        .send()
        .await
        .unwrap()
        .policy_version
        .unwrap();
    assert!(url_decode(doc.document().unwrap()).contains("logs:PutLogEvents"));

    let aws = iam
        .list_policies()
        .scope(PolicyScopeType::Aws)
        .max_items(1000)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = aws
        .policies()
        .iter()
        .filter_map(|p| p.policy_name())
        .collect();
    for required in [
        "AWSLambdaBasicExecutionRole",
        "AWSLambdaSQSQueueExecutionRole",
        "AmazonS3FullAccess",
        "AmazonSQSFullAccess",
        "AWSLambdaExecute",
        "AdministratorAccess",
        "AmazonS3ReadOnlyAccess",
    ] {
        assert!(names.contains(&required), "{required} in {names:?}");
    }
    let service_role = iam
        .list_policies()
        .scope(PolicyScopeType::Aws)
        .path_prefix("/service-role/")
        .send()
        .await
        .unwrap();
    assert!(
        service_role
            .policies()
            .iter()
            .all(|p| p.path() == Some("/service-role/"))
    );

    let e = iam
        .delete_policy()
        .policy_arn(BASIC)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 403);
    let e = iam
        .get_policy()
        .policy_arn("arn:aws:iam::aws:policy/NimbusDoesNotKnowThis")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_no_such_entity_exception());
}

#[tokio::test]
async fn attachment_quota_is_enforced() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let iam = sb.iam();
    create_role(&iam, "busy").await;
    for i in 0..10 {
        iam.attach_role_policy()
            .role_name("busy")
            .policy_arn(format!("arn:aws:iam::aws:policy/Policy{i}"))
            .send()
            .await
            .unwrap();
    }
    let e = iam
        .attach_role_policy()
        .role_name("busy")
        .policy_arn("arn:aws:iam::aws:policy/OneTooMany")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 409);
    assert!(e.into_service_error().is_limit_exceeded_exception());
}

#[tokio::test]
async fn updates_and_tags() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let iam = sb.iam();
    create_role(&iam, "r").await;
    iam.update_assume_role_policy()
        .role_name("r")
        .policy_document(READ_S3)
        .send()
        .await
        .unwrap();
    iam.update_role()
        .role_name("r")
        .description("new")
        .max_session_duration(43200)
        .send()
        .await
        .unwrap();
    let r = iam
        .get_role()
        .role_name("r")
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    assert_eq!(
        url_decode(r.assume_role_policy_document().unwrap()),
        READ_S3
    );
    assert_eq!(r.description(), Some("new"));
    assert_eq!(r.max_session_duration(), Some(43200));
    let e = iam
        .update_assume_role_policy()
        .role_name("r")
        .policy_document("nope")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_malformed_policy_document_exception());
    let e = iam
        .update_assume_role_policy()
        .role_name("ghost")
        .policy_document(TRUST)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_no_such_entity_exception());

    iam.tag_role()
        .role_name("r")
        .tags(tag("env", "dev"))
        .tags(tag("owner", "me"))
        .send()
        .await
        .unwrap();
    iam.tag_role()
        .role_name("r")
        .tags(tag("ENV", "prod"))
        .send()
        .await
        .unwrap();
    iam.untag_role()
        .role_name("r")
        .tag_keys("owner")
        .send()
        .await
        .unwrap();
    let tags = iam.list_role_tags().role_name("r").send().await.unwrap();
    let tags: Vec<_> = tags.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(tags, [("env", "prod")]);
    let e = iam
        .list_role_tags()
        .role_name("ghost")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_no_such_entity_exception());
}

#[tokio::test]
async fn unimplemented_actions_say_so() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let e = sb
        .iam()
        .create_group()
        .group_name("bob")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 400);
    let e = e.into_service_error();
    assert_eq!(code(&e), "InvalidAction");
    let msg = e.message().unwrap();
    assert!(
        msg.contains("CreateGroup") && msg.contains("nimbus does not implement"),
        "{msg}"
    );
}

#[tokio::test]
async fn accounts_are_isolated() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let mine = sb.iam();
    let theirs = sb.iam_as("111122223333");
    create_role(&mine, "same-name").await;
    let policy = mine
        .create_policy()
        .policy_name("mine")
        .policy_document(READ_S3)
        .send()
        .await
        .unwrap()
        .policy
        .unwrap();
    let policy_arn = policy.arn().unwrap();

    assert!(theirs.list_roles().send().await.unwrap().roles().is_empty());
    let e = theirs
        .get_role()
        .role_name("same-name")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_no_such_entity_exception());
    let r = create_role(&theirs, "same-name").await;
    assert_eq!(r.arn(), "arn:aws:iam::111122223333:role/same-name");
    // Another account's customer managed policy can be neither read nor attached.
    let e = theirs
        .get_policy()
        .policy_arn(policy_arn)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_no_such_entity_exception());
    let e = theirs
        .attach_role_policy()
        .role_name("same-name")
        .policy_arn(policy_arn)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_no_such_entity_exception());
    let local = theirs
        .list_policies()
        .scope(PolicyScopeType::Local)
        .send()
        .await
        .unwrap();
    assert!(local.policies().is_empty());
    theirs
        .delete_role()
        .role_name("same-name")
        .send()
        .await
        .unwrap();
    mine.get_role().role_name("same-name").send().await.unwrap();
}

#[tokio::test]
async fn state_survives_a_restart() {
    let mut sb = TestSandbox::start().await;
    let iam = sb.iam();
    let role = create_role(&iam, "durable").await;
    iam.put_role_policy()
        .role_name("durable")
        .policy_name("inline")
        .policy_document(READ_S3)
        .send()
        .await
        .unwrap();
    let policy = iam
        .create_policy()
        .policy_name("managed")
        .policy_document(READ_S3)
        .send()
        .await
        .unwrap()
        .policy
        .unwrap();
    for arn in [policy.arn().unwrap(), BASIC] {
        iam.attach_role_policy()
            .role_name("durable")
            .policy_arn(arn)
            .send()
            .await
            .unwrap();
    }
    iam.tag_role()
        .role_name("durable")
        .tags(tag("k", "v"))
        .send()
        .await
        .unwrap();

    sb.restart().await;
    let iam = sb.iam();
    let after = iam
        .get_role()
        .role_name("durable")
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    assert_eq!(after.role_id(), role.role_id());
    assert_eq!(after.create_date(), role.create_date());
    assert_eq!(after.tags().len(), 1);
    let inline = iam
        .get_role_policy()
        .role_name("durable")
        .policy_name("inline")
        .send()
        .await
        .unwrap();
    assert_eq!(url_decode(inline.policy_document()), READ_S3);
    let attached = iam
        .list_attached_role_policies()
        .role_name("durable")
        .send()
        .await
        .unwrap();
    assert_eq!(attached.attached_policies().len(), 2);
    let p = iam
        .get_policy()
        .policy_arn(policy.arn().unwrap())
        .send()
        .await
        .unwrap()
        .policy
        .unwrap();
    assert_eq!(p.policy_id(), policy.policy_id());
    assert_eq!(p.attachment_count(), Some(1));
}

#[tokio::test]
async fn raw_query_responses_have_aws_envelopes() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let auth = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=00";
    let body = format!(
        "Action=CreateRole&Version=2010-05-08&RoleName=raw&AssumeRolePolicyDocument={}",
        "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D"
    );
    let headers = [
        ("content-type", "application/x-www-form-urlencoded"),
        ("authorization", auth),
    ];
    let r = sb.raw("POST", "/", &headers, body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body
            .contains("<CreateRoleResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><CreateRoleResult><Role>"),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains("<AssumeRolePolicyDocument>%7B%22Statement%22%3A%5B")
    );
    assert!(r.body.contains("<ResponseMetadata><RequestId>"));
    let r = sb
        .raw("POST", "/", &headers, "Action=GetRole&RoleName=missing")
        .await;
    assert_eq!(r.status, 404);
    assert!(
        r.body
            .contains("<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">")
    );
    assert!(r.body.contains("<Code>NoSuchEntity</Code>"));
    assert!(r.body.contains("<Type>Sender</Type>"));
}
