//! STS with aws-sdk-rust: GetCallerIdentity (awsQuery and awsJson 1.0), AssumeRole and
//! GetSessionToken, and the identity temporary credentials carry.

use std::time::Duration;

use aws_sdk_sts::error::ProvideErrorMetadata;
use nimbus_core::Clock;
use nimbus_testkit::TestSandbox;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}"#;

fn sts_with(sb: &TestSandbox, c: &aws_sdk_sts::types::Credentials) -> aws_sdk_sts::Client {
    let creds = aws_sdk_sts::config::Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned()),
        None,
        "assumed",
    );
    let conf = sb
        .sts()
        .config()
        .to_builder()
        .credentials_provider(creds)
        .build();
    aws_sdk_sts::Client::from_conf(conf)
}

fn iam_with(sb: &TestSandbox, c: &aws_sdk_sts::types::Credentials) -> aws_sdk_iam::Client {
    let creds = aws_sdk_iam::config::Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned()),
        None,
        "assumed",
    );
    let conf = sb
        .iam()
        .config()
        .to_builder()
        .credentials_provider(creds)
        .build();
    aws_sdk_iam::Client::from_conf(conf)
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

#[tokio::test]
async fn caller_identity_is_the_account_root() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let me = sb.sts().get_caller_identity().send().await.unwrap();
    assert_eq!(me.account(), Some("000000000000"));
    assert_eq!(me.arn(), Some("arn:aws:iam::000000000000:root"));
    assert_eq!(me.user_id(), Some("000000000000"));
    let other = sb
        .sts_as("111122223333")
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(other.arn(), Some("arn:aws:iam::111122223333:root"));
}

#[tokio::test]
async fn caller_identity_on_aws_json() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let auth = "AWS4-HMAC-SHA256 Credential=111122223333/20260101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=00";
    let r = sb
        .raw(
            "POST",
            "/",
            &[
                ("content-type", "application/x-amz-json-1.0"),
                (
                    "x-amz-target",
                    "AWSSecurityTokenServiceV20110615.GetCallerIdentity",
                ),
                ("authorization", auth),
            ],
            "{}",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["Account"], "111122223333");
    assert_eq!(v["Arn"], "arn:aws:iam::111122223333:root");
    assert_eq!(v["UserId"], "111122223333");

    let r = sb
        .raw(
            "POST",
            "/",
            &[
                ("content-type", "application/x-amz-json-1.0"),
                (
                    "x-amz-target",
                    "AWSSecurityTokenServiceV20110615.GetFederationToken",
                ),
            ],
            "{}",
        )
        .await;
    assert_eq!(r.status, 400);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert!(
        v["__type"].as_str().unwrap().ends_with("InvalidAction"),
        "{v}"
    );
}

#[tokio::test]
async fn caller_identity_on_aws_query_has_the_sts_envelope() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let r = sb
        .raw(
            "POST",
            "/",
            &[("content-type", "application/x-www-form-urlencoded")],
            "Action=GetCallerIdentity&Version=2011-06-15",
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains(
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult>"
        ),
        "{}",
        r.body
    );
    assert!(r.body.contains("<Arn>arn:aws:iam::000000000000:root</Arn>"));
    assert!(r.body.contains("<Account>000000000000</Account>"));
}

#[tokio::test]
async fn assume_role_gives_credentials_that_act_as_the_role() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let role = create_role(&sb.iam(), "deployer").await;
    sb.clock().advance(Duration::from_secs(5));
    let now_secs = (sb.clock().now_millis() / 1000) as i64;
    let out = sb
        .sts()
        .assume_role()
        .role_arn(role.arn())
        .role_session_name("ci-run")
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    let user = out.assumed_role_user().unwrap();
    assert_eq!(
        user.arn(),
        "arn:aws:sts::000000000000:assumed-role/deployer/ci-run"
    );
    assert_eq!(user.assumed_role_id(), format!("{}:ci-run", role.role_id()));
    let creds = out.credentials().unwrap();
    // AWS's shape: `ASIA` and 16 characters (the secret is derived from it, see sts.rs).
    assert!(creds.access_key_id().starts_with("ASIA") && creds.access_key_id().len() == 20);
    assert!(!creds.secret_access_key().is_empty());
    assert!(!creds.session_token().is_empty());
    assert_eq!(creds.expiration().secs(), now_secs + 900);

    // The credentials act as the role, in the role's account.
    let me = sts_with(&sb, creds)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.arn(), Some(user.arn()));
    assert_eq!(me.account(), Some("000000000000"));
    assert_eq!(me.user_id(), Some(user.assumed_role_id()));
    let roles = iam_with(&sb, creds).list_roles().send().await.unwrap();
    assert_eq!(roles.roles().len(), 1);

    // Session credentials cannot get a session token, as on AWS.
    let e = sts_with(&sb, creds)
        .get_session_token()
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 403);
    assert_eq!(e.into_service_error().code(), Some("AccessDenied"));
}

#[tokio::test]
async fn assume_role_in_another_account() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let role = create_role(&sb.iam_as("111122223333"), "cross").await;
    assert_eq!(role.arn(), "arn:aws:iam::111122223333:role/cross");
    let out = sb
        .sts()
        .assume_role()
        .role_arn(role.arn())
        .role_session_name("hop")
        .send()
        .await
        .unwrap();
    let creds = out.credentials().unwrap();
    // AWS's shape: `ASIA` and 16 characters (the secret is derived from it, see sts.rs).
    assert!(creds.access_key_id().starts_with("ASIA") && creds.access_key_id().len() == 20);
    let me = sts_with(&sb, creds)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.account(), Some("111122223333"));
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::111122223333:assumed-role/cross/hop")
    );
    let seen = iam_with(&sb, creds)
        .get_role()
        .role_name("cross")
        .send()
        .await;
    assert!(seen.is_ok(), "the session acts in the role's account");
}

#[tokio::test]
async fn assume_role_refuses_what_aws_refuses() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let role = create_role(&sb.iam(), "short").await;

    // A role that does not exist.
    let e = sb
        .sts()
        .assume_role()
        .role_arn("arn:aws:iam::000000000000:role/ghost")
        .role_session_name("s1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 403);
    assert_eq!(e.into_service_error().code(), Some("AccessDenied"));

    // Longer than the role's MaxSessionDuration (3600 by default).
    let e = sb
        .sts()
        .assume_role()
        .role_arn(role.arn())
        .role_session_name("s1")
        .duration_seconds(7200)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.code(), Some("ValidationError"));

    // Malformed parameters.
    for (arn, session) in [
        (role.arn(), "x"),
        (role.arn(), "has space"),
        ("arn:aws:iam::000000000000:user/someone", "s1"),
    ] {
        let e = sb
            .sts()
            .assume_role()
            .role_arn(arn)
            .role_session_name(session)
            .send()
            .await
            .unwrap_err();
        assert_eq!(e.raw_response().unwrap().status().as_u16(), 400);
        assert_eq!(e.into_service_error().code(), Some("ValidationError"));
    }
    let e = sb
        .sts()
        .assume_role()
        .role_arn(role.arn())
        .role_session_name("s1")
        .policy("not a policy")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_malformed_policy_document_exception(), "{e:?}");
}

#[tokio::test]
async fn get_session_token_follows_the_clock() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let now_secs = (sb.clock().now_millis() / 1000) as i64;
    let out = sb.sts().get_session_token().send().await.unwrap();
    let creds = out.credentials().unwrap();
    // AWS's shape: `ASIA` and 16 characters (the secret is derived from it, see sts.rs).
    assert!(creds.access_key_id().starts_with("ASIA") && creds.access_key_id().len() == 20);
    assert_eq!(creds.expiration().secs(), now_secs + 43200);
    let me = sts_with(&sb, creds)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.arn(), Some("arn:aws:iam::000000000000:root"));

    let out = sb
        .sts()
        .get_session_token()
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.credentials().unwrap().expiration().secs(),
        now_secs + 900
    );
    let e = sb
        .sts()
        .get_session_token()
        .duration_seconds(10)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.code(), Some("ValidationError"));
}

#[tokio::test]
async fn unimplemented_actions_say_so() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let e = sb
        .sts()
        .get_federation_token()
        .name("someone")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 400);
    let e = e.into_service_error();
    assert_eq!(e.code(), Some("InvalidAction"));
    assert!(e.message().unwrap().contains("GetFederationToken"), "{e:?}");
}
