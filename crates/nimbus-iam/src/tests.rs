//! Service-level tests: requests as the gateway hands them over, responses as clients read
//! them. The integration tests in `nimbus-testkit` drive the same paths with aws-sdk-rust.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::BodyExt;
use nimbus_core::{AccountId, ManualClock, RequestContext, ServiceEnv, StorageConfig};
use nimbus_wire::query::QueryParams;
use nimbus_wire::{Protocol, Request, RequestBody, Service};

use super::*;

mod malformed;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
const BASIC: &str = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";
const ACCOUNT: &str = "000000000000";

fn env(storage: StorageConfig) -> (ServiceEnv, Arc<ManualClock>) {
    let clock = ManualClock::at_default_start();
    let mut env = ServiceEnv::in_memory();
    env.clock = clock.clone();
    env.storage = storage;
    (env, clock)
}

fn query_request(account: &str, pairs: &[(&str, &str)]) -> Request {
    let body: String = form_body(pairs);
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        "application/x-www-form-urlencoded".parse().unwrap(),
    );
    Request {
        ctx: RequestContext::internal(AccountId::parse(account).unwrap(), "us-east-1"),
        protocol: Protocol::AwsQuery,
        method: http::Method::POST,
        uri: "/".parse().unwrap(),
        headers,
        form: Some(QueryParams::parse(None, body.as_bytes())),
        chunk_verifier: None,
        body: RequestBody::Full(Bytes::from(body)),
    }
}

fn form_body(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

struct Answer {
    status: u16,
    body: String,
}

impl Answer {
    fn code(&self) -> Option<String> {
        let start = self.body.find("<Code>")? + 6;
        let end = self.body[start..].find("</Code>")? + start;
        Some(self.body[start..end].to_owned())
    }

    fn elem(&self, name: &str) -> Option<String> {
        let open = format!("<{name}>");
        let start = self.body.find(&open)? + open.len();
        let end = self.body[start..].find(&format!("</{name}>"))? + start;
        Some(self.body[start..end].to_owned())
    }

    fn count(&self, name: &str) -> usize {
        self.body.matches(&format!("<{name}>")).count()
    }
}

async fn send(svc: &dyn Service, req: Request) -> Answer {
    let resp = svc.handle(req).await;
    let status = resp.status().as_u16();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

async fn iam(svc: &IamService, pairs: &[(&str, &str)]) -> Answer {
    iam_as(svc, ACCOUNT, pairs).await
}

async fn iam_as(svc: &IamService, account: &str, pairs: &[(&str, &str)]) -> Answer {
    send(svc, query_request(account, pairs)).await
}

async fn create_role(svc: &IamService, name: &str) -> Answer {
    iam(
        svc,
        &[
            ("Action", "CreateRole"),
            ("RoleName", name),
            ("AssumeRolePolicyDocument", TRUST),
        ],
    )
    .await
}

/// A role whose trust policy lets the account's principals (and Lambda) assume it.
async fn create_trusting_role(svc: &IamService, name: &str) -> Answer {
    iam(
        svc,
        &[
            ("Action", "CreateRole"),
            ("RoleName", name),
            ("AssumeRolePolicyDocument", TRUST_ACCOUNT),
        ],
    )
    .await
}

/// Trusts the account 000000000000 and Lambda.
const TRUST_ACCOUNT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"000000000000","Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

#[tokio::test]
async fn create_get_and_list_roles() {
    let (env, _) = env(StorageConfig::in_memory());
    let svc = IamService::open(&env).unwrap();
    let a = iam(
        &svc,
        &[
            ("Action", "CreateRole"),
            ("RoleName", "lambda-exec"),
            ("Path", "/service-role/"),
            ("AssumeRolePolicyDocument", TRUST),
            ("Description", "runs functions"),
            ("Tags.member.1.Key", "team"),
            ("Tags.member.1.Value", "core"),
        ],
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(
        a.body
            .contains("<CreateRoleResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">")
    );
    assert_eq!(
        a.elem("Arn").unwrap(),
        "arn:aws:iam::000000000000:role/service-role/lambda-exec"
    );
    assert!(a.elem("RoleId").unwrap().starts_with("AROA"));
    assert_eq!(a.elem("CreateDate").unwrap(), "2026-01-01T00:00:00Z");
    assert_eq!(a.elem("MaxSessionDuration").unwrap(), "3600");
    assert_eq!(
        a.elem("AssumeRolePolicyDocument").unwrap(),
        document::encode(TRUST)
    );
    assert_eq!(a.elem("Key").unwrap(), "team");

    let g = iam(&svc, &[("Action", "GetRole"), ("RoleName", "LAMBDA-EXEC")]).await;
    assert_eq!(g.status, 200);
    assert_eq!(g.elem("RoleName").unwrap(), "lambda-exec");
    assert_eq!(g.elem("Description").unwrap(), "runs functions");

    let dup = create_role(&svc, "Lambda-Exec").await;
    assert_eq!(dup.status, 409);
    assert_eq!(dup.code().unwrap(), "EntityAlreadyExists");

    for n in ["b", "c", "a"] {
        assert_eq!(create_role(&svc, n).await.status, 200);
    }
    let l = iam(&svc, &[("Action", "ListRoles"), ("MaxItems", "2")]).await;
    assert_eq!(l.count("member"), 2);
    assert_eq!(l.elem("IsTruncated").unwrap(), "true");
    let marker = l.elem("Marker").unwrap();
    let l2 = iam(
        &svc,
        &[
            ("Action", "ListRoles"),
            ("MaxItems", "2"),
            ("Marker", &marker),
        ],
    )
    .await;
    assert_eq!(l2.count("member"), 2);
    assert_eq!(l2.elem("IsTruncated").unwrap(), "false");
    assert!(l2.elem("Marker").is_none());
    assert!(l2.body.contains("<RoleName>lambda-exec</RoleName>"));
    assert!(!l2.body.contains("<Tags>"), "ListRoles leaves tags out");

    let by_path = iam(
        &svc,
        &[("Action", "ListRoles"), ("PathPrefix", "/service-role/")],
    )
    .await;
    assert_eq!(by_path.count("member"), 1);
}

#[tokio::test]
async fn validation_errors() {
    let (env, _) = env(StorageConfig::in_memory());
    let svc = IamService::open(&env).unwrap();
    let a = iam(
        &svc,
        &[
            ("Action", "CreateRole"),
            ("RoleName", "bad name"),
            ("AssumeRolePolicyDocument", TRUST),
        ],
    )
    .await;
    assert_eq!(a.status, 400);
    assert_eq!(a.code().unwrap(), "ValidationError");
    assert!(a.body.contains("roleName"), "{}", a.body);

    let a = iam(&svc, &[("Action", "CreateRole"), ("RoleName", "r")]).await;
    assert_eq!(a.code().unwrap(), "ValidationError");

    let a = iam(
        &svc,
        &[
            ("Action", "CreateRole"),
            ("RoleName", "r"),
            ("Path", "no-slash"),
            ("AssumeRolePolicyDocument", TRUST),
        ],
    )
    .await;
    assert_eq!(a.code().unwrap(), "ValidationError");

    let a = iam(
        &svc,
        &[
            ("Action", "CreateRole"),
            ("RoleName", "r"),
            ("AssumeRolePolicyDocument", "{not json"),
        ],
    )
    .await;
    assert_eq!(a.status, 400);
    assert_eq!(a.code().unwrap(), "MalformedPolicyDocument");

    let a = iam(
        &svc,
        &[
            ("Action", "CreateRole"),
            ("RoleName", "r"),
            ("AssumeRolePolicyDocument", TRUST),
            ("MaxSessionDuration", "60"),
        ],
    )
    .await;
    assert_eq!(a.code().unwrap(), "ValidationError");

    let a = iam(&svc, &[("Action", "ListRoles"), ("MaxItems", "1001")]).await;
    assert_eq!(a.code().unwrap(), "ValidationError");

    let a = iam(&svc, &[("Action", "ListRoles"), ("Marker", "@@@")]).await;
    assert_eq!(a.code().unwrap(), "InvalidInput");

    let a = iam(&svc, &[("Action", "GetRole"), ("RoleName", "ghost")]).await;
    assert_eq!(a.status, 404);
    assert_eq!(a.code().unwrap(), "NoSuchEntity");
    assert!(a.body.contains("The role with name ghost cannot be found."));
}

#[tokio::test]
async fn unknown_and_missing_actions() {
    let (env, _) = env(StorageConfig::in_memory());
    let svc = IamService::open(&env).unwrap();
    let a = iam(&svc, &[("Action", "CreateGroup"), ("GroupName", "bob")]).await;
    assert_eq!(a.status, 400);
    assert_eq!(a.code().unwrap(), "InvalidAction");
    assert!(a.body.contains("CreateGroup"));
    assert!(a.body.contains("nimbus does not implement"));
    assert!(
        a.body
            .contains("<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">")
    );
    let a = iam(&svc, &[("RoleName", "x")]).await;
    assert_eq!(a.code().unwrap(), "MissingAction");
}

#[tokio::test]
async fn inline_policies_and_delete_conflicts() {
    let (env, _) = env(StorageConfig::in_memory());
    let svc = IamService::open(&env).unwrap();
    create_role(&svc, "r").await;
    let put = |name: &'static str, doc: &'static str| {
        let svc = svc.clone();
        async move {
            iam(
                &svc,
                &[
                    ("Action", "PutRolePolicy"),
                    ("RoleName", "r"),
                    ("PolicyName", name),
                    ("PolicyDocument", doc),
                ],
            )
            .await
        }
    };
    assert_eq!(put("p1", POLICY).await.status, 200);
    assert_eq!(put("p1", POLICY).await.status, 200, "put replaces");
    assert_eq!(put("p0", POLICY).await.status, 200);
    assert_eq!(
        put("bad", "[]").await.code().unwrap(),
        "MalformedPolicyDocument"
    );

    let g = iam(
        &svc,
        &[
            ("Action", "GetRolePolicy"),
            ("RoleName", "r"),
            ("PolicyName", "p1"),
        ],
    )
    .await;
    assert_eq!(g.elem("PolicyDocument").unwrap(), document::encode(POLICY));
    assert_eq!(g.elem("RoleName").unwrap(), "r");

    let l = iam(&svc, &[("Action", "ListRolePolicies"), ("RoleName", "r")]).await;
    assert!(
        l.body
            .contains("<PolicyNames><member>p0</member><member>p1</member></PolicyNames>"),
        "{}",
        l.body
    );

    let d = iam(&svc, &[("Action", "DeleteRole"), ("RoleName", "r")]).await;
    assert_eq!(d.status, 409);
    assert_eq!(d.code().unwrap(), "DeleteConflict");

    for name in ["p0", "p1"] {
        let d = iam(
            &svc,
            &[
                ("Action", "DeleteRolePolicy"),
                ("RoleName", "r"),
                ("PolicyName", name),
            ],
        )
        .await;
        assert_eq!(d.status, 200, "{}", d.body);
    }
    let d = iam(
        &svc,
        &[
            ("Action", "DeleteRolePolicy"),
            ("RoleName", "r"),
            ("PolicyName", "p0"),
        ],
    )
    .await;
    assert_eq!(d.code().unwrap(), "NoSuchEntity");
    let d = iam(&svc, &[("Action", "DeleteRole"), ("RoleName", "r")]).await;
    assert_eq!(d.status, 200);
    assert!(d.body.contains("<DeleteRoleResponse"));
    assert!(!d.body.contains("<DeleteRoleResult>"));
}

#[tokio::test]
async fn managed_policies_and_attachments() {
    let (env, _) = env(StorageConfig::in_memory());
    let svc = IamService::open(&env).unwrap();
    create_role(&svc, "r").await;
    let c = iam(
        &svc,
        &[
            ("Action", "CreatePolicy"),
            ("PolicyName", "read"),
            ("Path", "/app/"),
            ("PolicyDocument", POLICY),
        ],
    )
    .await;
    assert_eq!(c.status, 200, "{}", c.body);
    let arn = c.elem("Arn").unwrap();
    assert_eq!(arn, "arn:aws:iam::000000000000:policy/app/read");
    assert!(c.elem("PolicyId").unwrap().starts_with("ANPA"));
    assert_eq!(c.elem("DefaultVersionId").unwrap(), "v1");
    assert_eq!(c.elem("AttachmentCount").unwrap(), "0");

    for policy in [
        arn.as_str(),
        BASIC,
        "arn:aws:iam::aws:policy/SomethingNimbusDoesNotList",
    ] {
        let a = iam(
            &svc,
            &[
                ("Action", "AttachRolePolicy"),
                ("RoleName", "r"),
                ("PolicyArn", policy),
            ],
        )
        .await;
        assert_eq!(a.status, 200, "{policy}: {}", a.body);
    }
    let g = iam(&svc, &[("Action", "GetPolicy"), ("PolicyArn", &arn)]).await;
    assert_eq!(g.elem("AttachmentCount").unwrap(), "1");
    let g = iam(&svc, &[("Action", "GetPolicy"), ("PolicyArn", BASIC)]).await;
    assert_eq!(g.status, 200);
    assert_eq!(g.elem("Path").unwrap(), "/service-role/");
    assert_eq!(g.elem("AttachmentCount").unwrap(), "1");

    let l = iam(
        &svc,
        &[("Action", "ListAttachedRolePolicies"), ("RoleName", "r")],
    )
    .await;
    assert_eq!(l.count("member"), 3);
    let l = iam(
        &svc,
        &[
            ("Action", "ListAttachedRolePolicies"),
            ("RoleName", "r"),
            ("PathPrefix", "/app/"),
        ],
    )
    .await;
    assert_eq!(l.count("member"), 1);

    let l = iam(&svc, &[("Action", "ListPolicies"), ("Scope", "Local")]).await;
    assert_eq!(l.count("member"), 1);
    let l = iam(
        &svc,
        &[("Action", "ListPolicies"), ("OnlyAttached", "true")],
    )
    .await;
    assert_eq!(l.count("member"), 2, "{}", l.body);
    let l = iam(&svc, &[("Action", "ListPolicies"), ("Scope", "AWS")]).await;
    assert_eq!(l.count("member"), managed::POLICIES.len());
    let l = iam(&svc, &[("Action", "ListPolicies"), ("Scope", "Nope")]).await;
    assert_eq!(l.code().unwrap(), "ValidationError");

    let v = iam(
        &svc,
        &[
            ("Action", "GetPolicyVersion"),
            ("PolicyArn", &arn),
            ("VersionId", "v1"),
        ],
    )
    .await;
    assert_eq!(v.elem("Document").unwrap(), document::encode(POLICY));
    let v = iam(
        &svc,
        &[
            ("Action", "GetPolicyVersion"),
            ("PolicyArn", &arn),
            ("VersionId", "v2"),
        ],
    )
    .await;
    assert_eq!(v.code().unwrap(), "NoSuchEntity");

    let d = iam(&svc, &[("Action", "DeletePolicy"), ("PolicyArn", &arn)]).await;
    assert_eq!(d.status, 409);
    assert_eq!(d.code().unwrap(), "DeleteConflict");
    let d = iam(&svc, &[("Action", "DeleteRole"), ("RoleName", "r")]).await;
    assert_eq!(d.code().unwrap(), "DeleteConflict");

    let e = iam(
        &svc,
        &[("Action", "ListEntitiesForPolicy"), ("PolicyArn", &arn)],
    )
    .await;
    assert!(
        e.body
            .contains("<PolicyRoles><member><RoleName>r</RoleName>"),
        "{}",
        e.body
    );

    let x = iam(
        &svc,
        &[
            ("Action", "DetachRolePolicy"),
            ("RoleName", "r"),
            ("PolicyArn", &arn),
        ],
    )
    .await;
    assert_eq!(x.status, 200);
    let x = iam(
        &svc,
        &[
            ("Action", "DetachRolePolicy"),
            ("RoleName", "r"),
            ("PolicyArn", &arn),
        ],
    )
    .await;
    assert_eq!(x.code().unwrap(), "NoSuchEntity");
    let d = iam(&svc, &[("Action", "DeletePolicy"), ("PolicyArn", &arn)]).await;
    assert_eq!(d.status, 200, "{}", d.body);
    let g = iam(&svc, &[("Action", "GetPolicy"), ("PolicyArn", &arn)]).await;
    assert_eq!(g.code().unwrap(), "NoSuchEntity");
    let g = iam(
        &svc,
        &[
            ("Action", "GetPolicy"),
            ("PolicyArn", "not-an-arn-at-all-xx"),
        ],
    )
    .await;
    assert_eq!(g.code().unwrap(), "InvalidInput");
    let d = iam(&svc, &[("Action", "DeletePolicy"), ("PolicyArn", BASIC)]).await;
    assert_eq!(d.status, 403);
}

#[tokio::test]
async fn attachment_quota() {
    let (env, _) = env(StorageConfig::in_memory());
    let svc = IamService::open(&env).unwrap();
    create_role(&svc, "r").await;
    for i in 0..=limits::ATTACHED_POLICIES_PER_ROLE {
        let arn = format!("arn:aws:iam::aws:policy/P{i}");
        let a = iam(
            &svc,
            &[
                ("Action", "AttachRolePolicy"),
                ("RoleName", "r"),
                ("PolicyArn", &arn),
            ],
        )
        .await;
        if i < limits::ATTACHED_POLICIES_PER_ROLE {
            assert_eq!(a.status, 200);
        } else {
            assert_eq!(a.status, 409);
            assert_eq!(a.code().unwrap(), "LimitExceeded");
        }
    }
}

#[tokio::test]
async fn accounts_do_not_see_each_other() {
    let (env, _) = env(StorageConfig::in_memory());
    let svc = IamService::open(&env).unwrap();
    create_role(&svc, "shared-name").await;
    let c = iam(
        &svc,
        &[
            ("Action", "CreatePolicy"),
            ("PolicyName", "p"),
            ("PolicyDocument", POLICY),
        ],
    )
    .await;
    let arn = c.elem("Arn").unwrap();
    let other = "111122223333";
    let g = iam_as(
        &svc,
        other,
        &[("Action", "GetRole"), ("RoleName", "shared-name")],
    )
    .await;
    assert_eq!(g.code().unwrap(), "NoSuchEntity");
    let l = iam_as(&svc, other, &[("Action", "ListRoles")]).await;
    assert_eq!(l.count("member"), 0);
    let c = iam_as(
        &svc,
        other,
        &[
            ("Action", "CreateRole"),
            ("RoleName", "shared-name"),
            ("AssumeRolePolicyDocument", TRUST),
        ],
    )
    .await;
    assert_eq!(
        c.elem("Arn").unwrap(),
        "arn:aws:iam::111122223333:role/shared-name"
    );
    let a = iam_as(
        &svc,
        other,
        &[
            ("Action", "AttachRolePolicy"),
            ("RoleName", "shared-name"),
            ("PolicyArn", &arn),
        ],
    )
    .await;
    assert_eq!(a.code().unwrap(), "NoSuchEntity");
    let g = iam_as(&svc, other, &[("Action", "GetPolicy"), ("PolicyArn", &arn)]).await;
    assert_eq!(g.code().unwrap(), "NoSuchEntity");
}

#[tokio::test]
async fn tags_and_updates() {
    let (env, _) = env(StorageConfig::in_memory());
    let svc = IamService::open(&env).unwrap();
    create_role(&svc, "r").await;
    let t = iam(
        &svc,
        &[
            ("Action", "TagRole"),
            ("RoleName", "r"),
            ("Tags.member.1.Key", "a"),
            ("Tags.member.1.Value", "1"),
            ("Tags.member.2.Key", "b"),
            ("Tags.member.2.Value", "2"),
        ],
    )
    .await;
    assert_eq!(t.status, 200, "{}", t.body);
    let u = iam(
        &svc,
        &[
            ("Action", "UntagRole"),
            ("RoleName", "r"),
            ("TagKeys.member.1", "A"),
        ],
    )
    .await;
    assert_eq!(u.status, 200);
    let l = iam(&svc, &[("Action", "ListRoleTags"), ("RoleName", "r")]).await;
    assert!(
        l.body
            .contains("<Tags><member><Key>b</Key><Value>2</Value></member></Tags>"),
        "{}",
        l.body
    );

    let u = iam(
        &svc,
        &[
            ("Action", "UpdateRole"),
            ("RoleName", "r"),
            ("Description", "d"),
            ("MaxSessionDuration", "7200"),
        ],
    )
    .await;
    assert_eq!(u.status, 200);
    assert!(u.body.contains("<UpdateRoleResult></UpdateRoleResult>"));
    let u = iam(
        &svc,
        &[
            ("Action", "UpdateAssumeRolePolicy"),
            ("RoleName", "r"),
            ("PolicyDocument", POLICY),
        ],
    )
    .await;
    assert_eq!(u.status, 200);
    let g = iam(&svc, &[("Action", "GetRole"), ("RoleName", "r")]).await;
    assert_eq!(g.elem("MaxSessionDuration").unwrap(), "7200");
    assert_eq!(
        g.elem("AssumeRolePolicyDocument").unwrap(),
        document::encode(POLICY)
    );
    let p = iam(
        &svc,
        &[("Action", "ListInstanceProfilesForRole"), ("RoleName", "r")],
    )
    .await;
    assert!(p.body.contains("<InstanceProfiles/>"));
}

#[tokio::test]
async fn state_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let storage = StorageConfig {
        data_dir: Some(dir.path().to_owned()),
        durability: nimbus_core::Durability::Process,
    };
    let (env, _) = env(storage);
    let role_id = {
        let svc = IamService::open(&env).unwrap();
        let c = create_role(&svc, "kept").await;
        iam(
            &svc,
            &[
                ("Action", "AttachRolePolicy"),
                ("RoleName", "kept"),
                ("PolicyArn", BASIC),
            ],
        )
        .await;
        svc.shutdown().await;
        c.elem("RoleId").unwrap()
    };
    let svc = IamService::open(&env).unwrap();
    let g = iam(&svc, &[("Action", "GetRole"), ("RoleName", "kept")]).await;
    assert_eq!(g.elem("RoleId").unwrap(), role_id);
    let l = iam(
        &svc,
        &[("Action", "ListAttachedRolePolicies"), ("RoleName", "kept")],
    )
    .await;
    assert!(l.body.contains(BASIC));
}

fn sts_request(account: &str, pairs: &[(&str, &str)], token: Option<&str>) -> Request {
    let mut r = query_request(account, pairs);
    if let Some(t) = token {
        r.headers.insert("x-amz-security-token", t.parse().unwrap());
    }
    r
}

fn json_request(account: &str, op: &str, body: &str) -> Request {
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        "application/x-amz-json-1.0".parse().unwrap(),
    );
    headers.insert(
        "x-amz-target",
        format!("AWSSecurityTokenServiceV20110615.{op}")
            .parse()
            .unwrap(),
    );
    Request {
        ctx: RequestContext::internal(AccountId::parse(account).unwrap(), "us-east-1"),
        protocol: Protocol::AwsJson1_0,
        method: http::Method::POST,
        uri: "/".parse().unwrap(),
        headers,
        form: None,
        chunk_verifier: None,
        body: RequestBody::Full(Bytes::from(body.to_owned())),
    }
}

#[tokio::test]
async fn sts_caller_identity_on_both_protocols() {
    let (env, _) = env(StorageConfig::in_memory());
    let sts = StsService::open(&env).unwrap();
    let a = send(
        &*sts,
        sts_request("123456789012", &[("Action", "GetCallerIdentity")], None),
    )
    .await;
    assert_eq!(a.status, 200);
    assert!(a.body.contains(
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
    ));
    assert_eq!(a.elem("Account").unwrap(), "123456789012");
    assert_eq!(a.elem("Arn").unwrap(), "arn:aws:iam::123456789012:root");
    assert_eq!(a.elem("UserId").unwrap(), "123456789012");

    let j = send(
        &*sts,
        json_request("123456789012", "GetCallerIdentity", "{}"),
    )
    .await;
    assert_eq!(j.status, 200);
    let v: serde_json::Value = serde_json::from_str(&j.body).unwrap();
    assert_eq!(v["Arn"], "arn:aws:iam::123456789012:root");

    let j = send(
        &*sts,
        json_request("123456789012", "GetFederationToken", "{}"),
    )
    .await;
    assert_eq!(j.status, 400);
    let v: serde_json::Value = serde_json::from_str(&j.body).unwrap();
    assert_eq!(v["__type"], "com.amazonaws.sts#InvalidAction");

    let j = send(
        &*sts,
        json_request("123456789012", "GetCallerIdentity", "{oops"),
    )
    .await;
    assert_eq!(j.status, 400);
}

#[tokio::test]
async fn sts_assume_role_checks_iam_roles() {
    let (env, clock) = env(StorageConfig::in_memory());
    let iam_svc = IamService::open(&env).unwrap();
    let sts = StsService::with_iam(&env, &iam_svc);
    let c = create_trusting_role(&iam_svc, "deployer").await;
    let role_id = c.elem("RoleId").unwrap();
    let arn = c.elem("Arn").unwrap();

    let missing = send(
        &*sts,
        sts_request(
            ACCOUNT,
            &[
                ("Action", "AssumeRole"),
                ("RoleArn", "arn:aws:iam::000000000000:role/ghost"),
                ("RoleSessionName", "s1"),
            ],
            None,
        ),
    )
    .await;
    assert_eq!(missing.status, 403);
    assert_eq!(missing.code().unwrap(), "AccessDenied");

    let too_long = send(
        &*sts,
        sts_request(
            ACCOUNT,
            &[
                ("Action", "AssumeRole"),
                ("RoleArn", &arn),
                ("RoleSessionName", "s1"),
                ("DurationSeconds", "7200"),
            ],
            None,
        ),
    )
    .await;
    assert_eq!(too_long.code().unwrap(), "ValidationError");

    clock.advance(std::time::Duration::from_secs(10));
    let ok = send(
        &*sts,
        sts_request(
            ACCOUNT,
            &[
                ("Action", "AssumeRole"),
                ("RoleArn", &arn),
                ("RoleSessionName", "s1"),
            ],
            None,
        ),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.elem("AssumedRoleId").unwrap(), format!("{role_id}:s1"));
    assert_eq!(ok.elem("Expiration").unwrap(), "2026-01-01T01:00:10Z");
    assert!(ok.elem("AccessKeyId").unwrap().starts_with("ASIA"));
    let token = ok.elem("SessionToken").unwrap();

    let who = send(
        &*sts,
        sts_request(ACCOUNT, &[("Action", "GetCallerIdentity")], Some(&token)),
    )
    .await;
    assert_eq!(
        who.elem("Arn").unwrap(),
        "arn:aws:sts::000000000000:assumed-role/deployer/s1"
    );
    assert_eq!(who.elem("UserId").unwrap(), format!("{role_id}:s1"));

    let st = send(
        &*sts,
        sts_request(ACCOUNT, &[("Action", "GetSessionToken")], Some(&token)),
    )
    .await;
    assert_eq!(st.code().unwrap(), "AccessDenied");
    let st = send(
        &*sts,
        sts_request(ACCOUNT, &[("Action", "GetSessionToken")], None),
    )
    .await;
    assert_eq!(st.status, 200);
    assert_eq!(st.elem("Expiration").unwrap(), "2026-01-01T12:00:10Z");
}
