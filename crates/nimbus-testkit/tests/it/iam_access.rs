//! IAM identity policies enforced (`--enforce-iam`) under `--auth strict`: a credential tied
//! to an IAM user, IAM's own operations authorized against the user's attached and inline
//! policies (explicit deny winning), access keys from CreateAccessKey signing as their user,
//! role sessions from AssumeRole (same account and across accounts, trust policies,
//! `sts:ExternalId`, session policies, expiry on the sandbox clock), and all of it surviving
//! a restart.

use std::time::Duration;

use aws_sdk_iam::error::ProvideErrorMetadata;
use nimbus_core::Clock;
use nimbus_testkit::TestSandbox;

const A1: &str = "111111111111";
const A2: &str = "222222222222";
const ALICE: &str = "arn:aws:iam::111111111111:user/alice";

/// A client of `$krate` signing with explicit credentials (and session token).
macro_rules! client_with {
    ($sb:expr, $krate:ident, $key:expr, $secret:expr, $token:expr) => {{
        let creds = $krate::config::Credentials::new($key, $secret, $token, None, "iam_access");
        $krate::Client::from_conf(
            $krate::Config::builder()
                .behavior_version($krate::config::BehaviorVersion::latest())
                .region($krate::config::Region::new("us-east-1"))
                .endpoint_url($sb.endpoint())
                .credentials_provider(creds)
                .http_client(nimbus_testkit::http_client())
                .build(),
        )
    }};
}

/// Accounts 1 and 2 (root keys AK1, AK2), and alice in account 1 (AK3), identity policies
/// enforced, on disk.
async fn sandbox() -> TestSandbox {
    TestSandbox::builder()
        .strict_auth(vec![
            ("AK1", "S1", A1),
            ("AK2", "S2", A2),
            ("AK3", "S3", A1),
        ])
        .principal("AK3", ALICE)
        .enforce_iam()
        .start()
        .await
}

fn iam(sb: &TestSandbox, key: &str, secret: &str) -> aws_sdk_iam::Client {
    client_with!(sb, aws_sdk_iam, key, secret, None)
}

fn sts(sb: &TestSandbox, key: &str, secret: &str) -> aws_sdk_sts::Client {
    client_with!(sb, aws_sdk_sts, key, secret, None)
}

fn doc(effect: &str, actions: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"{effect}","Action":{actions},"Resource":"*"}}]}}"#
    )
}

fn trust(principal: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"sts:AssumeRole"}}]}}"#
    )
}

#[tokio::test]
async fn a_user_does_what_its_policies_allow_and_explicit_deny_wins() {
    let sb = sandbox().await;
    let root = iam(&sb, "AK1", "S1");
    let alice = iam(&sb, "AK3", "S3");
    root.create_user().user_name("alice").send().await.unwrap();

    // No policy: denied, with AWS's code, status and message.
    let e = alice.list_roles().send().await.unwrap_err();
    assert_eq!(e.code(), Some("AccessDenied"));
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(403));
    assert_eq!(
        e.message(),
        Some(
            "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: \
             iam:ListRoles on resource: arn:aws:iam::111111111111:role/ because no \
             identity-based policy allows the iam:ListRoles action"
        )
    );
    let e = alice
        .create_role()
        .role_name("r")
        .assume_role_policy_document(trust(A1))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("AccessDenied"));

    // An attached managed policy allows iam:List*.
    let p = root
        .create_policy()
        .policy_name("list")
        .policy_document(doc("Allow", r#""iam:List*""#))
        .send()
        .await
        .unwrap()
        .policy
        .unwrap();
    root.attach_user_policy()
        .user_name("alice")
        .policy_arn(p.arn().unwrap())
        .send()
        .await
        .unwrap();
    alice.list_roles().send().await.unwrap();
    assert_eq!(
        alice
            .create_role()
            .role_name("r")
            .assume_role_policy_document(trust(A1))
            .send()
            .await
            .unwrap_err()
            .code(),
        Some("AccessDenied")
    );

    // An inline Deny wins over the Allow.
    root.put_user_policy()
        .user_name("alice")
        .policy_name("no-roles")
        .policy_document(doc("Deny", r#""iam:ListRoles""#))
        .send()
        .await
        .unwrap();
    let e = alice.list_roles().send().await.unwrap_err();
    assert!(
        e.message()
            .unwrap()
            .ends_with("with an explicit deny in an identity-based policy"),
        "{e:?}"
    );
    alice.list_users().send().await.unwrap();

    // The user and its policies are listed, and DeleteUser refuses while they are there.
    let listed = root
        .list_user_policies()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.policy_names(), ["no-roles"]);
    let e = root
        .delete_user()
        .user_name("alice")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("DeleteConflict"));
    let entities = root
        .list_entities_for_policy()
        .policy_arn(p.arn().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(entities.policy_users()[0].user_name(), Some("alice"));
    let e = root
        .delete_policy()
        .policy_arn(p.arn().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("DeleteConflict"));

    // Stored policies are checked as policies.
    let e = root
        .put_user_policy()
        .user_name("alice")
        .policy_name("bad")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles"}]}"#,
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("MalformedPolicyDocument"));
}

#[tokio::test]
async fn caller_identity_of_root_user_and_session() {
    let sb = sandbox().await;
    let root = iam(&sb, "AK1", "S1");
    let me = sts(&sb, "AK1", "S1")
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.arn(), Some("arn:aws:iam::111111111111:root"));
    assert_eq!(me.user_id(), Some(A1));

    let user = root
        .create_user()
        .user_name("alice")
        .send()
        .await
        .unwrap()
        .user
        .unwrap();
    assert!(user.user_id().starts_with("AIDA"));
    // GetCallerIdentity needs no permission.
    let me = sts(&sb, "AK3", "S3")
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.arn(), Some(ALICE));
    assert_eq!(me.user_id(), Some(user.user_id()));
    assert_eq!(me.account(), Some(A1));
}

#[tokio::test]
async fn access_keys_from_create_access_key_sign_as_their_user() {
    let sb = sandbox().await;
    let root = iam(&sb, "AK1", "S1");
    root.create_user().user_name("bob").send().await.unwrap();
    let key = root
        .create_access_key()
        .user_name("bob")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    assert!(key.access_key_id().starts_with("AKIA"));
    let bob_sts = sts(&sb, key.access_key_id(), key.secret_access_key());
    let me = bob_sts.get_caller_identity().send().await.unwrap();
    assert_eq!(me.arn(), Some("arn:aws:iam::111111111111:user/bob"));

    // Bob's policies decide; a wrong secret does not sign.
    let bob = iam(&sb, key.access_key_id(), key.secret_access_key());
    assert_eq!(
        bob.list_users().send().await.unwrap_err().code(),
        Some("AccessDenied")
    );
    root.put_user_policy()
        .user_name("bob")
        .policy_name("list")
        .policy_document(doc("Allow", r#""iam:ListUsers""#))
        .send()
        .await
        .unwrap();
    let users = bob.list_users().send().await.unwrap();
    assert_eq!(users.users().len(), 1);
    let wrong = iam(&sb, key.access_key_id(), "not-the-secret");
    assert_eq!(
        wrong.list_users().send().await.unwrap_err().code(),
        Some("SignatureDoesNotMatch")
    );

    // An inactive key, then a deleted one, signs nothing.
    root.update_access_key()
        .user_name("bob")
        .access_key_id(key.access_key_id())
        .status(aws_sdk_iam::types::StatusType::Inactive)
        .send()
        .await
        .unwrap();
    assert!(bob_sts.get_caller_identity().send().await.is_err());
    let keys = root
        .list_access_keys()
        .user_name("bob")
        .send()
        .await
        .unwrap();
    assert_eq!(
        keys.access_key_metadata()[0].status().map(|s| s.as_str()),
        Some("Inactive")
    );
    root.delete_access_key()
        .user_name("bob")
        .access_key_id(key.access_key_id())
        .send()
        .await
        .unwrap();
    assert!(bob_sts.get_caller_identity().send().await.is_err());
}

#[tokio::test]
async fn iam_access_keys_act_as_their_user_with_auth_off() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let root = sb.iam();
    root.create_user().user_name("carol").send().await.unwrap();
    let key = root
        .create_access_key()
        .user_name("carol")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let me = sts(&sb, key.access_key_id(), "anything")
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.arn(), Some("arn:aws:iam::000000000000:user/carol"));
}

/// Assumes `role_arn` with `client`, returning the credentials.
async fn assume(
    client: &aws_sdk_sts::Client,
    role_arn: &str,
    policy: Option<String>,
) -> Result<
    aws_sdk_sts::types::Credentials,
    aws_sdk_sts::error::SdkError<aws_sdk_sts::operation::assume_role::AssumeRoleError>,
> {
    client
        .assume_role()
        .role_arn(role_arn)
        .role_session_name("s1")
        .set_policy(policy)
        .send()
        .await
        .map(|o| o.credentials.unwrap())
}

#[tokio::test]
async fn role_sessions_act_with_the_role_policies_bounded_by_the_session_policy() {
    let sb = sandbox().await;
    let root = iam(&sb, "AK1", "S1");
    let role = root
        .create_role()
        .role_name("reader")
        .assume_role_policy_document(trust(A1))
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    root.put_role_policy()
        .role_name("reader")
        .policy_name("lists")
        .policy_document(doc("Allow", r#"["iam:ListRoles","iam:ListUsers"]"#))
        .send()
        .await
        .unwrap();

    // The whole role.
    let c = assume(&sts(&sb, "AK1", "S1"), role.arn(), None)
        .await
        .unwrap();
    assert!(c.access_key_id().starts_with("ASIA"));
    let session = client_with!(
        sb,
        aws_sdk_iam,
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned())
    );
    session.list_roles().send().await.unwrap();
    session.list_users().send().await.unwrap();
    let e = session.list_policies().send().await.unwrap_err();
    assert_eq!(e.code(), Some("AccessDenied"));
    assert!(
        e.message().unwrap().starts_with(
            "User: arn:aws:sts::111111111111:assumed-role/reader/s1 is not authorized to perform: iam:ListPolicies"
        ),
        "{e:?}"
    );
    let who = client_with!(
        sb,
        aws_sdk_sts,
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned())
    )
    .get_caller_identity()
    .send()
    .await
    .unwrap();
    assert_eq!(
        who.arn(),
        Some("arn:aws:sts::111111111111:assumed-role/reader/s1")
    );
    assert_eq!(
        who.user_id(),
        Some(format!("{}:s1", role.role_id()).as_str())
    );

    // Intersected with a session policy.
    let c = assume(
        &sts(&sb, "AK1", "S1"),
        role.arn(),
        Some(doc("Allow", r#""iam:ListRoles""#)),
    )
    .await
    .unwrap();
    let token = Some(c.session_token().to_owned());
    let session = client_with!(
        sb,
        aws_sdk_iam,
        c.access_key_id(),
        c.secret_access_key(),
        token.clone()
    );
    session.list_roles().send().await.unwrap();
    assert_eq!(
        session.list_users().send().await.unwrap_err().code(),
        Some("AccessDenied")
    );

    // The signature is checked with the session's secret.
    let forged = client_with!(
        sb,
        aws_sdk_iam,
        c.access_key_id(),
        "wrong-secret",
        token.clone()
    );
    assert_eq!(
        forged.list_roles().send().await.unwrap_err().code(),
        Some("SignatureDoesNotMatch")
    );

    // Expired on the sandbox clock after the default hour.
    sb.clock().advance(Duration::from_secs(3601));
    let e = session.list_roles().send().await.unwrap_err();
    assert_eq!(e.code(), Some("ExpiredToken"));
}

#[tokio::test]
async fn assume_role_needs_the_trust_policy_and_the_callers_policies() {
    let sb = sandbox().await;
    let root = iam(&sb, "AK1", "S1");
    for (name, principal) in [("for-two", A2), ("for-one", A1)] {
        root.create_role()
            .role_name(name)
            .assume_role_policy_document(trust(principal))
            .send()
            .await
            .unwrap();
    }
    root.create_role()
        .role_name("with-external-id")
        .assume_role_policy_document(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{A2}"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"sts:ExternalId":"s3cr3t"}}}}}}]}}"#
        ))
        .send()
        .await
        .unwrap();
    let two = sts(&sb, "AK2", "S2");

    // Across accounts when the trust policy names the other account.
    let c = assume(&two, "arn:aws:iam::111111111111:role/for-two", None)
        .await
        .unwrap();
    let who = client_with!(
        sb,
        aws_sdk_sts,
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned())
    )
    .get_caller_identity()
    .send()
    .await
    .unwrap();
    assert_eq!(who.account(), Some(A1));
    assert_eq!(
        who.arn(),
        Some("arn:aws:sts::111111111111:assumed-role/for-two/s1")
    );

    // Not when it does not, nor for a role that does not exist.
    for role in ["for-one", "ghost"] {
        let arn = format!("arn:aws:iam::111111111111:role/{role}");
        let e = assume(&two, &arn, None).await.unwrap_err();
        assert_eq!(e.code(), Some("AccessDenied"));
        assert_eq!(
            e.message(),
            Some(
                format!(
                    "User: arn:aws:iam::222222222222:root is not authorized to perform: sts:AssumeRole on resource: {arn}"
                )
                .as_str()
            )
        );
    }

    // sts:ExternalId.
    let arn = "arn:aws:iam::111111111111:role/with-external-id";
    assert!(assume(&two, arn, None).await.is_err());
    two.assume_role()
        .role_arn(arn)
        .role_session_name("s1")
        .external_id("s3cr3t")
        .send()
        .await
        .unwrap();

    // Alice (account 1) is trusted through her account, and needs sts:AssumeRole herself.
    root.create_user().user_name("alice").send().await.unwrap();
    let alice = sts(&sb, "AK3", "S3");
    let arn = "arn:aws:iam::111111111111:role/for-one";
    let e = assume(&alice, arn, None).await.unwrap_err();
    assert_eq!(e.code(), Some("AccessDenied"));
    root.put_user_policy()
        .user_name("alice")
        .policy_name("assume")
        .policy_document(doc("Allow", r#""sts:AssumeRole""#))
        .send()
        .await
        .unwrap();
    assume(&alice, arn, None).await.unwrap();

    // Durations and session policies are validated.
    let e = two
        .assume_role()
        .role_arn("arn:aws:iam::111111111111:role/for-two")
        .role_session_name("s1")
        .duration_seconds(7200)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ValidationError"));
    assert_eq!(
        e.message(),
        Some("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    );
    let big = doc(
        "Allow",
        &format!("[{}]", vec![r#""iam:ListRoles""#; 90].join(",")),
    );
    let mut request = two
        .assume_role()
        .role_arn("arn:aws:iam::111111111111:role/for-two")
        .role_session_name("s1")
        .policy(big);
    for _ in 0..10 {
        request = request.policy_arns(
            aws_sdk_sts::types::PolicyDescriptorType::builder()
                .arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
                .build(),
        );
    }
    let e = request.send().await.unwrap_err();
    assert_eq!(e.code(), Some("PackedPolicyTooLarge"));
}

#[tokio::test]
async fn users_policies_keys_and_sessions_survive_a_restart() {
    let mut sb = sandbox().await;
    let root = iam(&sb, "AK1", "S1");
    root.create_user().user_name("alice").send().await.unwrap();
    root.put_user_policy()
        .user_name("alice")
        .policy_name("list")
        .policy_document(doc("Allow", r#""iam:ListRoles""#))
        .send()
        .await
        .unwrap();
    let key = root
        .create_access_key()
        .user_name("alice")
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let role = root
        .create_role()
        .role_name("r")
        .assume_role_policy_document(trust(A1))
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    let c = assume(&sts(&sb, "AK1", "S1"), role.arn(), None)
        .await
        .unwrap();

    sb.restart().await;

    iam(&sb, "AK3", "S3").list_roles().send().await.unwrap();
    assert_eq!(
        iam(&sb, "AK3", "S3")
            .list_users()
            .send()
            .await
            .unwrap_err()
            .code(),
        Some("AccessDenied")
    );
    let me = sts(&sb, key.access_key_id(), key.secret_access_key())
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.arn(), Some(ALICE));
    let who = client_with!(
        sb,
        aws_sdk_sts,
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned())
    )
    .get_caller_identity()
    .send()
    .await
    .unwrap();
    assert_eq!(
        who.arn(),
        Some("arn:aws:sts::111111111111:assumed-role/r/s1")
    );
    let _ = sb.clock().now_millis();
}

#[tokio::test]
async fn a_users_session_token_acts_as_the_user() {
    let sb = sandbox().await;
    let root = iam(&sb, "AK1", "S1");
    root.create_user().user_name("alice").send().await.unwrap();
    root.put_user_policy()
        .user_name("alice")
        .policy_name("list")
        .policy_document(doc("Allow", r#""iam:ListRoles""#))
        .send()
        .await
        .unwrap();
    let c = sts(&sb, "AK3", "S3")
        .get_session_token()
        .send()
        .await
        .unwrap()
        .credentials
        .unwrap();
    let token = Some(c.session_token().to_owned());
    let me = client_with!(
        sb,
        aws_sdk_sts,
        c.access_key_id(),
        c.secret_access_key(),
        token.clone()
    )
    .get_caller_identity()
    .send()
    .await
    .unwrap();
    assert_eq!(me.arn(), Some(ALICE));
    let session = client_with!(
        sb,
        aws_sdk_iam,
        c.access_key_id(),
        c.secret_access_key(),
        token
    );
    session.list_roles().send().await.unwrap();
    assert_eq!(
        session.list_users().send().await.unwrap_err().code(),
        Some("AccessDenied")
    );
}

/// A policy document of about `chars` characters (whitespace not counted).
fn sized_policy(chars: usize) -> String {
    let sid = "S".repeat(chars.saturating_sub(100));
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"{sid}","Effect":"Allow","Action":"sqs:*","Resource":"*"}}]}}"#
    )
}

#[tokio::test]
async fn inline_policies_of_users_and_roles_answer_in_their_own_words() {
    let sb = TestSandbox::builder().in_memory().start().await;
    let iam = sb.iam();
    iam.create_user().user_name("bob").send().await.unwrap();
    iam.create_role()
        .role_name("r")
        .assume_role_policy_document(trust("000000000000"))
        .send()
        .await
        .unwrap();

    // Missing inline policies are named as the holder's.
    let e = iam
        .get_user_policy()
        .user_name("bob")
        .policy_name("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("NoSuchEntity"));
    assert_eq!(
        e.message(),
        Some("The user policy with name nope cannot be found.")
    );
    let e = iam
        .delete_role_policy()
        .role_name("r")
        .policy_name("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.message(),
        Some("The role policy with name nope cannot be found.")
    );

    // Each holder has its own quota for its inline policies together: 2,048 for a user,
    // 10,240 for a role.
    let big = sized_policy(3000);
    let e = iam
        .put_user_policy()
        .user_name("bob")
        .policy_name("big")
        .policy_document(&big)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("LimitExceeded"));
    assert_eq!(
        e.message(),
        Some("Maximum policy size of 2048 bytes exceeded for user bob")
    );
    iam.put_role_policy()
        .role_name("r")
        .policy_name("big")
        .policy_document(&big)
        .send()
        .await
        .unwrap();
    for n in 0..2 {
        iam.put_role_policy()
            .role_name("r")
            .policy_name(format!("more{n}"))
            .policy_document(&big)
            .send()
            .await
            .unwrap();
    }
    let e = iam
        .put_role_policy()
        .role_name("r")
        .policy_name("toomuch")
        .policy_document(&big)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.message(),
        Some("Maximum policy size of 10240 bytes exceeded for role r")
    );

    // Put, get, list and delete round-trip for a user as for a role.
    let small = sized_policy(150);
    iam.put_user_policy()
        .user_name("bob")
        .policy_name("small")
        .policy_document(&small)
        .send()
        .await
        .unwrap();
    let got = iam
        .get_user_policy()
        .user_name("bob")
        .policy_name("small")
        .send()
        .await
        .unwrap();
    assert_eq!(got.user_name(), "bob");
    assert_eq!(crate::iam::url_decode(got.policy_document()), small);
    let names = iam
        .list_user_policies()
        .user_name("bob")
        .send()
        .await
        .unwrap();
    assert_eq!(names.policy_names(), ["small"]);
    iam.delete_user_policy()
        .user_name("bob")
        .policy_name("small")
        .send()
        .await
        .unwrap();
    let names = iam
        .list_user_policies()
        .user_name("bob")
        .send()
        .await
        .unwrap();
    assert!(names.policy_names().is_empty());
}
