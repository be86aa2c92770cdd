//! STS: GetCallerIdentity, AssumeRole, GetSessionToken, on awsQuery and awsJson 1.0.
//!
//! Identities: GetCallerIdentity reports the caller the gateway established: the account's
//! root user (user id = the account id, as AWS reports root), an IAM user (its `AIDA…` id
//! from IAM), or a role session from AssumeRole
//! (`arn:aws:sts::<account>:assumed-role/<role>/<session>`, user id `<RoleId>:<session>`).
//!
//! Temporary credentials are sealed tokens ([`crate::session`]): `ASIA…` keys whose secret
//! the gateway derives from the token, valid until their expiry on the sandbox clock, in
//! both auth modes, across restarts. AssumeRole's checks (the role, its trust policy, the
//! caller's identity policies, session policies) are in [`crate::assume_role`].

use nimbus_core::RequestContext;
use nimbus_core::access::policy::PrincipalKind;
use nimbus_wire::Response;
use nimbus_wire::operations::Binding::Named;
use nimbus_wire::query::{self, QueryParams};
use serde_json::Value;

use crate::StsService;
use crate::error::{StsError, StsErrorCode};
use crate::session::Claims;
pub(crate) use crate::sts_call::{StsCall, StsOutput, caller, duration, new_credentials};

/// STS's XML namespace.
pub const STS_XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

nimbus_wire::operations! {
    /// An STS operation nimbus serves: its name and its handler.
    pub enum StsAction for StsService, StsRequest, StsError {
        GetCallerIdentity = Named => get_caller_identity,
        AssumeRole = Named => assume_role_op,
        GetSessionToken = Named => get_session_token_op,
    }
    not_implemented {
        // Answered with `InvalidAction` naming them.
        AssumeRoleWithWebIdentity = Named,
        AssumeRoleWithSAML = Named,
        GetFederationToken = Named,
        GetAccessKeyInfo = Named,
        DecodeAuthorizationMessage = Named,
        AssumeRoot = Named,
    }
}

impl StsAction {
    /// The action named `name`, or `InvalidAction`.
    pub(crate) fn parse(name: &str) -> Result<StsAction, StsError> {
        StsAction::from_name(name).ok_or_else(|| {
            StsError::new(
                StsErrorCode::InvalidAction,
                format!(
                    "nimbus does not implement the STS action {name}; it serves \
                 GetCallerIdentity, AssumeRole and GetSessionToken (see docs/compat.md)."
                ),
            )
        })
    }
}

/// One STS request as the handlers see it: the operation, its parameters (awsJson bodies
/// converted by [`json_to_params`]) and what the caller presented.
pub struct StsRequest {
    pub(crate) action: StsAction,
    pub(crate) protocol: nimbus_wire::Protocol,
    pub(crate) request_id: String,
    pub(crate) account: String,
    pub(crate) session_token: Option<String>,
    pub(crate) params: QueryParams,
    pub(crate) ctx: RequestContext,
}

async fn get_caller_identity(svc: &StsService, r: &mut StsRequest) -> Result<Response, StsError> {
    svc.run(r, caller_identity).await
}

fn caller_identity(call: &StsCall<'_>) -> Result<StsOutput, StsError> {
    Ok(StsOutput::CallerIdentity(caller(call)))
}

async fn assume_role_op(svc: &StsService, r: &mut StsRequest) -> Result<Response, StsError> {
    svc.run(r, assume_role).await
}

async fn get_session_token_op(svc: &StsService, r: &mut StsRequest) -> Result<Response, StsError> {
    svc.run(r, get_session_token).await
}

impl StsService {
    /// Runs `f` (IAM's roles and policies are read from the directory, in memory) and
    /// renders its output in the request's protocol.
    async fn run(
        &self,
        r: &mut StsRequest,
        f: fn(&StsCall<'_>) -> Result<StsOutput, StsError>,
    ) -> Result<Response, StsError> {
        let session = r
            .session_token
            .as_deref()
            .and_then(|t| self.sealer.open(t))
            .filter(|c| c.account == r.account);
        let out = f(&StsCall {
            account: &r.account,
            session,
            input: crate::input::read_sts(&r.params)?,
            now: self.env.clock.now_millis(),
            iam: self.iam.as_deref(),
            sealer: &self.sealer,
            ctx: &r.ctx,
        })?;
        Ok(if r.protocol != nimbus_wire::Protocol::AwsQuery {
            nimbus_wire::json::ok(r.protocol, &out.to_json())
        } else {
            query::response(
                r.action.name(),
                STS_XMLNS,
                Some(&out.to_xml()),
                &r.request_id,
            )
        })
    }
}

/// Turns an awsJson request body into the awsQuery fields the operations read, so both
/// protocols share one implementation: scalars as `Name`, lists as `Name.member.N`, lists of
/// structures as `Name.member.N.Field`.
pub(crate) fn json_to_params(body: &[u8]) -> Result<QueryParams, StsError> {
    let value: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(body).map_err(|e| {
            StsError::new(
                StsErrorCode::Serialization,
                format!("Could not parse request body: {e}"),
            )
        })?
    };
    let Value::Object(obj) = value else {
        return Err(StsError::new(
            StsErrorCode::Serialization,
            "The request body must be a JSON object.",
        ));
    };
    let mut pairs: Vec<(String, String)> = Vec::new();
    fn scalar(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
    for (k, v) in &obj {
        match v {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let base = format!("{k}.member.{}", i + 1);
                    match item {
                        Value::Object(fields) => {
                            for (fk, fv) in fields {
                                if let Some(s) = scalar(fv) {
                                    pairs.push((format!("{base}.{fk}"), s));
                                }
                            }
                        }
                        other => {
                            if let Some(s) = scalar(other) {
                                pairs.push((base, s));
                            }
                        }
                    }
                }
            }
            Value::Null => {}
            other => match scalar(other) {
                Some(s) => pairs.push((k.clone(), s)),
                None => {
                    return Err(StsError::new(
                        StsErrorCode::Serialization,
                        format!("Unexpected value for member {k}."),
                    ));
                }
            },
        }
    }
    Ok(QueryParams::from_pairs(
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    ))
}

fn assume_role(call: &StsCall<'_>) -> Result<StsOutput, StsError> {
    crate::assume_role::assume_role(call)
}

fn get_session_token(call: &StsCall<'_>) -> Result<StsOutput, StsError> {
    let seconds = duration(&call.input, 900, 129_600, 43_200)?;
    if call.session.is_some() || call.ctx.caller.principal.kind == PrincipalKind::AssumedRole {
        return Err(StsError::new(
            StsErrorCode::AccessDenied,
            "Cannot call GetSessionToken with session credentials",
        ));
    }
    let me = caller(call);
    let claims = Claims {
        account: me.account,
        arn: me.arn,
        user_id: me.user_id,
        role_arn: None,
        expires: call.now + seconds as u64 * 1000,
        nonce: nimbus_core::ids::random_hex(12),
        policy: None,
        policy_arns: Vec::new(),
        source_identity: None,
    };
    Ok(StsOutput::SessionToken(new_credentials(
        call.sealer,
        &claims,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Sealer;
    use crate::sts_call::{Credentials, Identity};

    /// Runs one STS action's function, as its handler does on a blocking thread.
    fn run(action: StsAction, call: &StsCall<'_>) -> Result<StsOutput, StsError> {
        match action {
            StsAction::GetCallerIdentity => caller_identity(call),
            StsAction::AssumeRole => assume_role(call),
            StsAction::GetSessionToken => get_session_token(call),
        }
    }

    fn ctx() -> &'static RequestContext {
        static CTX: std::sync::OnceLock<RequestContext> = std::sync::OnceLock::new();
        CTX.get_or_init(|| {
            RequestContext::internal(
                nimbus_core::AccountId::parse("000000000000").unwrap(),
                "us-east-1",
            )
        })
    }

    fn sealer() -> &'static Sealer {
        static S: std::sync::OnceLock<Sealer> = std::sync::OnceLock::new();
        S.get_or_init(|| Sealer::new("test-key"))
    }

    fn call<'a>(params: &'a QueryParams, token: Option<&'a str>) -> StsCall<'a> {
        StsCall {
            account: "000000000000",
            session: token.and_then(|t| sealer().open(t)),
            input: crate::input::read_sts(params).unwrap(),
            now: 1_767_225_600_000,
            iam: None,
            sealer: sealer(),
            ctx: ctx(),
        }
    }

    #[test]
    fn root_identity() {
        let q = QueryParams::default();
        let out = run(StsAction::GetCallerIdentity, &call(&q, None)).unwrap();
        assert_eq!(
            out,
            StsOutput::CallerIdentity(Identity {
                account: "000000000000".into(),
                arn: "arn:aws:iam::000000000000:root".into(),
                user_id: "000000000000".into(),
            })
        );
        let xml = out.to_xml();
        assert!(
            xml.contains("<Arn>arn:aws:iam::000000000000:root</Arn>"),
            "{xml}"
        );
        assert_eq!(out.to_json()["Account"], "000000000000");
    }

    #[test]
    fn assumed_role_credentials_carry_the_identity() {
        let q = QueryParams::from_pairs([
            ("RoleArn", "arn:aws:iam::123456789012:role/app/deployer"),
            ("RoleSessionName", "ci-run"),
            ("DurationSeconds", "900"),
        ]);
        let StsOutput::AssumedRole {
            credentials,
            arn,
            assumed_role_id,
            packed_policy_size,
            ..
        } = run(StsAction::AssumeRole, &call(&q, None)).unwrap()
        else {
            panic!("not an AssumeRole output")
        };
        assert_eq!(
            arn,
            "arn:aws:sts::123456789012:assumed-role/deployer/ci-run"
        );
        assert!(assumed_role_id.starts_with("AROA") && assumed_role_id.ends_with(":ci-run"));
        assert!(credentials.access_key_id.starts_with("ASIA"));
        assert_eq!(
            credentials.secret_access_key,
            sealer().secret(&credentials.access_key_id)
        );
        assert_eq!(credentials.expiration, 1_767_225_600_000 + 900_000);
        assert_eq!(packed_policy_size, None);
        // The token makes the caller the assumed role.
        let q = QueryParams::default();
        let mut c = call(&q, Some(&credentials.session_token));
        c.account = "123456789012";
        assert_eq!(caller(&c).arn, arn);
        // Session credentials cannot get a session token.
        assert!(matches!(
            run(StsAction::GetSessionToken, &c),
            Err(ref e) if e.kind() == StsErrorCode::AccessDenied
        ));
    }

    #[test]
    fn assume_role_validation() {
        for (pairs, what) in [
            (vec![("RoleSessionName", "s1")], "missing RoleArn"),
            (
                vec![("RoleArn", "arn:aws:iam::123456789012:role/r")],
                "missing session",
            ),
            (
                vec![
                    ("RoleArn", "arn:aws:iam::123456789012:user/someone"),
                    ("RoleSessionName", "s1"),
                ],
                "not a role",
            ),
            (
                vec![
                    ("RoleArn", "arn:aws:iam::123456789012:role/r"),
                    ("RoleSessionName", "x"),
                ],
                "short session",
            ),
            (
                vec![
                    ("RoleArn", "arn:aws:iam::123456789012:role/r"),
                    ("RoleSessionName", "a b"),
                ],
                "bad session",
            ),
            (
                vec![
                    ("RoleArn", "arn:aws:iam::123456789012:role/r"),
                    ("RoleSessionName", "ok"),
                    ("DurationSeconds", "60"),
                ],
                "short duration",
            ),
        ] {
            let q = QueryParams::from_pairs(pairs);
            assert!(
                matches!(
                    run(StsAction::AssumeRole, &call(&q, None)),
                    Err(ref e) if e.kind() == StsErrorCode::Validation
                ),
                "{what}"
            );
        }
        let q = QueryParams::from_pairs([
            ("RoleArn", "arn:aws:iam::123456789012:role/r"),
            ("RoleSessionName", "ok"),
            ("Policy", "nope"),
        ]);
        assert!(matches!(
            run(StsAction::AssumeRole, &call(&q, None)),
            Err(ref e) if e.kind() == StsErrorCode::MalformedPolicyDocument
        ));
    }

    #[test]
    fn json_bodies_become_params() {
        let p = json_to_params(
            br#"{"RoleArn":"arn:aws:iam::1:role/r","DurationSeconds":900,"PolicyArns":[{"arn":"a"}],"TransitiveTagKeys":["k"]}"#,
        )
        .unwrap();
        assert_eq!(p.get("DurationSeconds"), Some("900"));
        assert_eq!(p.get("PolicyArns.member.1.arn"), Some("a"));
        assert_eq!(p.list("TransitiveTagKeys"), vec!["k".to_string()]);
        assert!(json_to_params(b"").unwrap().get("x").is_none());
        assert!(json_to_params(b"[1]").is_err());
        assert!(json_to_params(b"{").is_err());
    }

    #[test]
    fn unknown_actions() {
        assert!(matches!(
            StsAction::parse("AssumeRoleWithSAML"),
            Err(e) if e.kind() == StsErrorCode::InvalidAction && e.to_string().contains("AssumeRoleWithSAML")
        ));
    }

    #[test]
    fn outputs_render_as_before_on_both_protocols() {
        let c = Credentials {
            access_key_id: "123456789012".into(),
            secret_access_key: "s<".into(),
            session_token: "t".into(),
            expiration: 1_767_225_600_000,
        };
        let out = StsOutput::AssumedRole {
            credentials: c.clone(),
            arn: "arn:aws:sts::123456789012:assumed-role/r/s".into(),
            assumed_role_id: "AROA:s".into(),
            packed_policy_size: Some(6),
            source_identity: Some("me".into()),
        };
        assert_eq!(
            out.to_xml(),
            "<SourceIdentity>me</SourceIdentity><AssumedRoleUser><AssumedRoleId>AROA:s</AssumedRoleId>\
             <Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn></AssumedRoleUser><Credentials>\
             <AccessKeyId>123456789012</AccessKeyId><SecretAccessKey>s&lt;</SecretAccessKey>\
             <SessionToken>t</SessionToken><Expiration>2026-01-01T00:00:00Z</Expiration></Credentials>\
             <PackedPolicySize>6</PackedPolicySize>"
        );
        assert_eq!(
            serde_json::to_string(&out.to_json()).unwrap(),
            "{\"AssumedRoleUser\":{\"Arn\":\"arn:aws:sts::123456789012:assumed-role/r/s\",\"AssumedRoleId\":\"AROA:s\"},\
             \"Credentials\":{\"AccessKeyId\":\"123456789012\",\"Expiration\":1767225600.0,\"SecretAccessKey\":\"s<\",\"SessionToken\":\"t\"},\
             \"PackedPolicySize\":6,\"SourceIdentity\":\"me\"}"
        );
        let out = StsOutput::SessionToken(c);
        assert_eq!(
            out.to_xml(),
            "<Credentials><AccessKeyId>123456789012</AccessKeyId><SecretAccessKey>s&lt;</SecretAccessKey>\
             <SessionToken>t</SessionToken><Expiration>2026-01-01T00:00:00Z</Expiration></Credentials>"
        );
        let out = StsOutput::CallerIdentity(Identity::root("123456789012"));
        assert_eq!(
            out.to_xml(),
            "<Arn>arn:aws:iam::123456789012:root</Arn><UserId>123456789012</UserId><Account>123456789012</Account>"
        );
        assert_eq!(
            serde_json::to_string(&out.to_json()).unwrap(),
            "{\"Account\":\"123456789012\",\"Arn\":\"arn:aws:iam::123456789012:root\",\"UserId\":\"123456789012\"}"
        );
    }
}
