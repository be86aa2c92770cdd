//! STS: GetCallerIdentity, AssumeRole, GetSessionToken, on awsQuery and awsJson 1.0.
//!
//! Identities: a caller with long-term credentials is the account's root user
//! (`arn:aws:iam::<account>:root`, user id = the account id, as AWS reports root). A caller
//! with temporary credentials from AssumeRole is the assumed role
//! (`arn:aws:sts::<account>:assumed-role/<role>/<session>`, user id `<RoleId>:<session>`).
//!
//! Temporary credentials are stateless: the access key id is the 12-digit account the
//! session acts in (so with `--auth off` the gateway puts every request signed with it in
//! that account, as LocalStack does), and the session token carries the identity, so
//! GetCallerIdentity can report it after a restart without any stored session.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use nimbus_core::Arn;
use nimbus_wire::Response;
use nimbus_wire::operations::Binding::Named;
use nimbus_wire::query::ser::Timestamp;
use nimbus_wire::query::{self, QueryParams};
use nimbus_wire::validation;
use nimbus_wire::xml::Writer;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::StsService;
use crate::error::{StsError, StsErrorCode};
use crate::input::StsInput;
use crate::managed::stable_id;
use crate::store::{RoleRecord, Store};

/// STS's XML namespace.
pub const STS_XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// The prefix of every session token nimbus issues.
const TOKEN_PREFIX: &str = "NimbusSessionV1";

/// Who is calling.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Identity {
    /// The account the caller acts in.
    pub(crate) account: String,
    /// The caller's ARN.
    pub(crate) arn: String,
    /// The caller's unique id.
    pub(crate) user_id: String,
}

impl Identity {
    /// The root user of `account`: what nimbus reports for long-term credentials.
    pub(crate) fn root(account: &str) -> Identity {
        Identity {
            account: account.to_owned(),
            arn: format!("arn:aws:iam::{account}:root"),
            user_id: account.to_owned(),
        }
    }
}

/// What a session token carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct SessionClaims {
    /// The session's identity.
    identity: Identity,
    /// When the credentials expire, in milliseconds since the epoch.
    expires: u64,
    /// Makes every token distinct.
    nonce: String,
}

fn encode_token(claims: &SessionClaims) -> String {
    let json = serde_json::to_vec(claims).unwrap_or_default();
    format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(json))
}

fn decode_token(token: &str) -> Option<SessionClaims> {
    let b = URL_SAFE_NO_PAD
        .decode(token.strip_prefix(TOKEN_PREFIX)?)
        .ok()?;
    serde_json::from_slice(&b).ok()
}

/// The identity of a request: the one its session token carries if it is a nimbus token
/// for the account the request acts in, else the account's root user.
pub(crate) fn caller(account: &str, session_token: Option<&str>) -> (Identity, bool) {
    match session_token.and_then(decode_token) {
        Some(c) if c.identity.account == account => (c.identity, true),
        _ => (Identity::root(account), false),
    }
}

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
}

async fn get_caller_identity(svc: &StsService, r: &mut StsRequest) -> Result<Response, StsError> {
    svc.run(r, caller_identity).await
}

fn caller_identity(call: &StsCall<'_>) -> Result<StsOutput, StsError> {
    Ok(StsOutput::CallerIdentity(
        caller(call.account, call.session_token).0,
    ))
}

async fn assume_role_op(svc: &StsService, r: &mut StsRequest) -> Result<Response, StsError> {
    svc.run(r, assume_role).await
}

async fn get_session_token_op(svc: &StsService, r: &mut StsRequest) -> Result<Response, StsError> {
    svc.run(r, get_session_token).await
}

impl StsService {
    /// Runs `f` on a blocking thread (AssumeRole reads IAM's store) and renders its output in
    /// the request's protocol.
    async fn run(
        &self,
        r: &mut StsRequest,
        f: fn(&StsCall<'_>) -> Result<StsOutput, StsError>,
    ) -> Result<Response, StsError> {
        let account = std::mem::take(&mut r.account);
        let token = r.session_token.take();
        let params = std::mem::take(&mut r.params);
        let now = self.env.clock.now_millis();
        let iam = self.iam.clone();
        let out = tokio::task::spawn_blocking(move || {
            f(&StsCall {
                account: &account,
                session_token: token.as_deref(),
                input: crate::input::read_sts(&params)?,
                now,
                iam: iam.as_deref(),
            })
        })
        .await
        .map_err(|join| {
            StsError::new(
                StsErrorCode::Internal,
                format!("The STS operation did not complete: {join}"),
            )
        })??;
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

/// Temporary credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Credentials {
    /// The 12-digit account id the session acts in.
    pub(crate) access_key_id: String,
    /// A random secret.
    pub(crate) secret_access_key: String,
    /// The token carrying the session's identity.
    pub(crate) session_token: String,
    /// Milliseconds since the epoch.
    pub(crate) expiration: u64,
}

/// An STS operation's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum StsOutput {
    /// GetCallerIdentity.
    CallerIdentity(Identity),
    /// AssumeRole.
    AssumedRole {
        /// The credentials.
        credentials: Credentials,
        /// The session's ARN.
        arn: String,
        /// `<RoleId>:<session>`.
        assumed_role_id: String,
        /// Percentage of the packed session policy quota used, when a session policy was given.
        packed_policy_size: Option<u32>,
        /// Echoed `SourceIdentity`.
        source_identity: Option<String>,
    },
    /// GetSessionToken.
    SessionToken(Credentials),
}

/// `Credentials`, as both protocols write it (the expiration as epoch seconds in awsJson,
/// ISO 8601 in awsQuery).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CredentialsShape<'a> {
    access_key_id: &'a str,
    secret_access_key: &'a str,
    session_token: &'a str,
    expiration: Timestamp,
}

impl<'a> CredentialsShape<'a> {
    fn of(c: &'a Credentials) -> CredentialsShape<'a> {
        CredentialsShape {
            access_key_id: &c.access_key_id,
            secret_access_key: &c.secret_access_key,
            session_token: &c.session_token,
            expiration: Timestamp(c.expiration),
        }
    }
}

/// GetCallerIdentity's result.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CallerIdentityShape<'a> {
    arn: &'a str,
    user_id: &'a str,
    account: &'a str,
}

/// `AssumedRoleUser`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AssumedRoleUserShape<'a> {
    assumed_role_id: &'a str,
    arn: &'a str,
}

/// AssumeRole's result.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AssumeRoleShape<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    source_identity: Option<&'a str>,
    assumed_role_user: AssumedRoleUserShape<'a>,
    credentials: CredentialsShape<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    packed_policy_size: Option<u32>,
}

/// GetSessionToken's result.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SessionTokenShape<'a> {
    credentials: CredentialsShape<'a>,
}

impl Serialize for StsOutput {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            StsOutput::CallerIdentity(id) => CallerIdentityShape {
                arn: &id.arn,
                user_id: &id.user_id,
                account: &id.account,
            }
            .serialize(s),
            StsOutput::AssumedRole {
                credentials,
                arn,
                assumed_role_id,
                packed_policy_size,
                source_identity,
            } => AssumeRoleShape {
                source_identity: source_identity.as_deref(),
                assumed_role_user: AssumedRoleUserShape {
                    assumed_role_id,
                    arn,
                },
                credentials: CredentialsShape::of(credentials),
                packed_policy_size: *packed_policy_size,
            }
            .serialize(s),
            StsOutput::SessionToken(c) => SessionTokenShape {
                credentials: CredentialsShape::of(c),
            }
            .serialize(s),
        }
    }
}

impl StsOutput {
    /// The inside of the awsQuery `<…Result>` element.
    pub(crate) fn to_xml(&self) -> String {
        let mut w = Writer::new();
        if let Err(e) = nimbus_wire::query::ser::to_writer(self, &[], &mut w) {
            // Only a shape awsQuery cannot spell gets here (a bug).
            tracing::error!(error = %e, "STS result not written");
        }
        w.finish()
    }

    /// The awsJson 1.0 response body (members in key order, as a JSON object).
    pub(crate) fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or_else(|e| {
            // Only a shape JSON cannot spell gets here (a bug).
            tracing::error!(error = %e, "STS result not written");
            Value::Object(Default::default())
        })
    }
}

/// One STS request, as the operations see it.
pub(crate) struct StsCall<'a> {
    /// The account the request acts in.
    pub(crate) account: &'a str,
    /// The request's `X-Amz-Security-Token`, if any.
    pub(crate) session_token: Option<&'a str>,
    /// The request's input (awsJson bodies converted by [`json_to_params`]).
    pub(crate) input: StsInput,
    /// The clock's time, in milliseconds since the epoch.
    pub(crate) now: u64,
    /// IAM's store, to find the role AssumeRole names; without it any role ARN is accepted.
    pub(crate) iam: Option<&'a Store>,
}

fn length(field: &str, v: &str, min: usize, max: usize) -> Result<(), StsError> {
    match validation::length(v, min, max) {
        Some(c) => Err(StsError::constraint(field, v, &c)),
        None => Ok(()),
    }
}

fn pattern(field: &str, v: &str, pat: &str, ok: impl Fn(char) -> bool) -> Result<(), StsError> {
    match validation::pattern(v, pat, ok) {
        Some(c) => Err(StsError::constraint(field, v, &c)),
        None => Ok(()),
    }
}

fn session_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '=' | ',' | '.' | '@' | '-')
}

fn duration(p: &StsInput, min: i64, max: i64, default: i64) -> Result<i64, StsError> {
    let Some(raw) = p.duration_seconds.get() else {
        return Ok(default);
    };
    let n: i64 = raw
        .trim()
        .parse()
        .map_err(|_| StsError::constraint("DurationSeconds", raw, "Member must be a number"))?;
    if let Some(c) = validation::range(n, min, max) {
        return Err(StsError::constraint("DurationSeconds", raw, &c));
    }
    Ok(n)
}

fn new_credentials(identity: Identity, now: u64, seconds: i64) -> Credentials {
    let expiration = now + seconds as u64 * 1000;
    let claims = SessionClaims {
        identity,
        expires: expiration,
        nonce: nimbus_core::ids::random_hex(8),
    };
    Credentials {
        access_key_id: claims.identity.account.clone(),
        secret_access_key: nimbus_core::ids::random_hex(20),
        session_token: encode_token(&claims),
        expiration,
    }
}

/// A role ARN taken apart: account, path and name.
fn parse_role_arn(arn: &str) -> Result<(String, String, String), StsError> {
    length("RoleArn", arn, 20, 2048)?;
    let invalid = || {
        StsError::new(
            StsErrorCode::Validation,
            format!(
                "{arn} is invalid: RoleArn must be a role ARN, arn:aws:iam::<account>:role/<name>."
            ),
        )
    };
    let parsed: Arn = arn.parse().map_err(|_| invalid())?;
    if parsed.service != "iam"
        || !parsed.region.is_empty()
        || nimbus_core::AccountId::parse(&parsed.account).is_none()
    {
        return Err(invalid());
    }
    let rest = parsed.resource.strip_prefix("role").ok_or_else(invalid)?;
    let (dir, name) = rest.rsplit_once('/').ok_or_else(invalid)?;
    if (!dir.is_empty() && !dir.starts_with('/')) || name.is_empty() {
        return Err(invalid());
    }
    Ok((parsed.account, format!("{dir}/"), name.to_owned()))
}

fn assume_role(call: &StsCall<'_>) -> Result<StsOutput, StsError> {
    let p = &call.input;
    let role_arn = p
        .role_arn
        .get()
        .ok_or_else(|| StsError::missing("RoleArn"))?;
    let session = p
        .role_session_name
        .get()
        .ok_or_else(|| StsError::missing("RoleSessionName"))?;
    length("RoleSessionName", session, 2, 64)?;
    pattern("RoleSessionName", session, "[\\w+=,.@-]*", session_char)?;
    let seconds = duration(p, 900, 43200, 3600)?;
    if let Some(e) = p.external_id.get() {
        length("ExternalId", e, 2, 1224)?;
        pattern("ExternalId", e, "[\\w+=,.@:\\/-]*", |c| {
            session_char(c) || c == ':' || c == '/'
        })?;
    }
    let source_identity = p.source_identity.get();
    if let Some(s) = source_identity {
        length("SourceIdentity", s, 2, 64)?;
        pattern("SourceIdentity", s, "[\\w+=,.@-]*", session_char)?;
    }
    let policy = p.policy.get();
    if let Some(doc) = policy {
        crate::document::check_structure(doc)
            .map_err(|m| StsError::new(StsErrorCode::MalformedPolicyDocument, m))?;
    }
    let policy_arns = p.policy_arns.0;
    let (account, path, name) = parse_role_arn(role_arn)?;

    let role_id = match call.iam {
        Some(store) => {
            let role: Option<RoleRecord> = store
                .read(&account, |tx| tx.role(&name))
                .map_err(|e| StsError::new(StsErrorCode::Internal, e.to_string()))?;
            let (me, _) = caller(call.account, call.session_token);
            let role = role.filter(|r| r.path == path).ok_or_else(|| {
                StsError::new(StsErrorCode::AccessDenied, format!(
                    "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
                    me.arn
                ))
            })?;
            if seconds > role.max_session_duration {
                return Err(StsError::new(
                    StsErrorCode::Validation,
                    "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
                ));
            }
            role.role_id
        }
        None => stable_id("AROA", &role_arn.to_ascii_lowercase()),
    };

    let identity = Identity {
        account: account.clone(),
        arn: format!("arn:aws:sts::{account}:assumed-role/{name}/{session}"),
        user_id: format!("{role_id}:{session}"),
    };
    let packed_policy_size = (policy.is_some() || policy_arns > 0).then(|| {
        let size = policy.map(crate::document::size).unwrap_or(0) + policy_arns * 64;
        ((size * 100).div_ceil(2048)).clamp(1, 100) as u32
    });
    Ok(StsOutput::AssumedRole {
        arn: identity.arn.clone(),
        assumed_role_id: identity.user_id.clone(),
        credentials: new_credentials(identity, call.now, seconds),
        packed_policy_size,
        source_identity: source_identity.map(str::to_owned),
    })
}

fn get_session_token(call: &StsCall<'_>) -> Result<StsOutput, StsError> {
    let seconds = duration(&call.input, 900, 129_600, 43_200)?;
    let (identity, temporary) = caller(call.account, call.session_token);
    if temporary {
        return Err(StsError::new(
            StsErrorCode::AccessDenied,
            "Cannot call GetSessionToken with session credentials",
        ));
    }
    Ok(StsOutput::SessionToken(new_credentials(
        identity, call.now, seconds,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs one STS action's function, as its handler does on a blocking thread.
    fn run(action: StsAction, call: &StsCall<'_>) -> Result<StsOutput, StsError> {
        match action {
            StsAction::GetCallerIdentity => caller_identity(call),
            StsAction::AssumeRole => assume_role(call),
            StsAction::GetSessionToken => get_session_token(call),
        }
    }

    fn call<'a>(params: &'a QueryParams, token: Option<&'a str>) -> StsCall<'a> {
        StsCall {
            account: "000000000000",
            session_token: token,
            input: crate::input::read_sts(params).unwrap(),
            now: 1_767_225_600_000,
            iam: None,
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
        assert_eq!(credentials.access_key_id, "123456789012");
        assert_eq!(credentials.expiration, 1_767_225_600_000 + 900_000);
        assert_eq!(packed_policy_size, None);
        // The token makes the caller the assumed role, in the role's account only.
        let (id, temporary) = caller("123456789012", Some(&credentials.session_token));
        assert!(temporary);
        assert_eq!(id.arn, arn);
        let (id, temporary) = caller("000000000000", Some(&credentials.session_token));
        assert!(!temporary);
        assert_eq!(id.arn, "arn:aws:iam::000000000000:root");
        // Session credentials cannot get a session token.
        let q = QueryParams::default();
        let mut c = call(&q, Some(&credentials.session_token));
        c.account = "123456789012";
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
