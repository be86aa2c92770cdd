//! What STS's operations share: the request as they see it ([`StsCall`]), who is calling
//! ([`caller`]), their input checks, the credentials they issue and their output
//! ([`StsOutput`]), written once for awsQuery XML and awsJson.

use nimbus_core::Arn;
use nimbus_core::RequestContext;
use nimbus_core::access::policy::PrincipalKind;
use nimbus_wire::query::ser::Timestamp;
use nimbus_wire::validation;
use nimbus_wire::xml::Writer;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::directory::IamDirectory;
use crate::error::{StsError, StsErrorCode};
use crate::input::StsInput;
use crate::managed::stable_id;
use crate::session::{Claims, Sealer};

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

/// Who is calling, as GetCallerIdentity reports it: the session's identity when the
/// request carries this sandbox's session token for its account, else the caller the
/// gateway established (root, IAM user, role).
pub(crate) fn caller(call: &StsCall<'_>) -> Identity {
    if let Some(c) = &call.session {
        return Identity {
            account: c.account.clone(),
            arn: c.arn.clone(),
            user_id: c.user_id.clone(),
        };
    }
    let p = &call.ctx.caller.principal;
    match p.kind {
        PrincipalKind::User => Identity {
            account: p.account.clone(),
            arn: p.arn.clone(),
            user_id: call
                .iam
                .and_then(|d| d.user_id(&p.arn))
                .unwrap_or_else(|| stable_id("AIDA", &p.arn.to_ascii_lowercase())),
        },
        PrincipalKind::Role | PrincipalKind::AssumedRole => {
            let role_arn = p.role_arn.as_deref().unwrap_or(&p.arn);
            let role_id = call
                .iam
                .and_then(|d| d.role(role_arn))
                .map(|r| r.role_id)
                .unwrap_or_else(|| stable_id("AROA", &role_arn.to_ascii_lowercase()));
            let user_id = match p.kind {
                PrincipalKind::AssumedRole => {
                    format!("{role_id}:{}", p.arn.rsplit('/').next().unwrap_or(""))
                }
                _ => role_id,
            };
            Identity {
                account: p.account.clone(),
                arn: p.arn.clone(),
                user_id,
            }
        }
        _ => Identity::root(call.account),
    }
}

/// Temporary credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Credentials {
    /// `ASIA…`.
    pub(crate) access_key_id: String,
    /// The secret derived from the access key id.
    pub(crate) secret_access_key: String,
    /// The sealed token carrying the session's identity.
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
    /// The claims of the request's session token, if it is one of this sandbox's for the
    /// account the request acts in.
    pub(crate) session: Option<Claims>,
    /// The request's input (awsJson bodies converted by [`json_to_params`]).
    pub(crate) input: StsInput,
    /// The clock's time, in milliseconds since the epoch.
    pub(crate) now: u64,
    /// IAM's directory, to find the role AssumeRole names; without it any role ARN is
    /// accepted.
    pub(crate) iam: Option<&'a IamDirectory>,
    /// Seals the credentials issued.
    pub(crate) sealer: &'a Sealer,
    /// The request's context: its caller, and what `authorize` needs.
    pub(crate) ctx: &'a RequestContext,
}

pub(crate) fn length(field: &str, v: &str, min: usize, max: usize) -> Result<(), StsError> {
    match validation::length(v, min, max) {
        Some(c) => Err(StsError::constraint(field, v, &c)),
        None => Ok(()),
    }
}

pub(crate) fn pattern(
    field: &str,
    v: &str,
    pat: &str,
    ok: impl Fn(char) -> bool,
) -> Result<(), StsError> {
    match validation::pattern(v, pat, ok) {
        Some(c) => Err(StsError::constraint(field, v, &c)),
        None => Ok(()),
    }
}

pub(crate) fn session_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '=' | ',' | '.' | '@' | '-')
}

pub(crate) fn duration(p: &StsInput, min: i64, max: i64, default: i64) -> Result<i64, StsError> {
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

/// Issues credentials for `claims`.
pub(crate) fn new_credentials(sealer: &Sealer, claims: &Claims) -> Credentials {
    let issued = sealer.issue(claims);
    Credentials {
        access_key_id: issued.access_key_id,
        secret_access_key: issued.secret_access_key,
        session_token: issued.session_token,
        expiration: claims.expires,
    }
}

/// A role ARN taken apart: account, path and name.
pub(crate) fn parse_role_arn(arn: &str) -> Result<(String, String, String), StsError> {
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
