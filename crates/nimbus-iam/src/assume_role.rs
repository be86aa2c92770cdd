//! sts:AssumeRole as AWS decides it: the role must exist, its trust policy must name the
//! caller (account root, user, role or session, `*`, with conditions such as
//! `sts:ExternalId`), and the caller's own identity policies must allow `sts:AssumeRole`
//! on the role when they are enforced (`--enforce-iam`; across accounts both sides are
//! needed, as for any resource policy). The session carries the role's policies bounded by
//! the session policies passed (`Policy`, `PolicyArns`).

use std::sync::OnceLock;

use nimbus_core::access::Resource;
use nimbus_core::access::policy::{self, ContextBuilder, Policies, Policy, Request};

use crate::error::{StsError, StsErrorCode};
use crate::managed::stable_id;
use crate::session::Claims;
use crate::sts_call::{
    Identity, StsCall, StsOutput, caller, duration, length, new_credentials, parse_role_arn,
    pattern, session_char,
};

/// The session policies' packed allotment, in characters (AWS reports use in percent).
const PACKED_POLICY_ALLOTMENT: usize = 2048;

/// The identity side of the trust check: whoever the trust policy names may assume the
/// role there (the caller's own policies are checked by `authorize`).
fn allow_all() -> &'static [Policy] {
    static ALLOW_ALL: OnceLock<Vec<Policy>> = OnceLock::new();
    ALLOW_ALL.get_or_init(|| {
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        vec![Policy::identity(doc).expect("the allow-all policy parses")]
    })
}

fn keys(call: &StsCall<'_>, context: &mut ContextBuilder<'_>) {
    if let Some(e) = call.input.external_id.get() {
        context.insert("sts:ExternalId", e);
    }
    if let Some(s) = call.input.source_identity.get() {
        context.insert("sts:SourceIdentity", s);
    }
    if let Some(name) = call.input.role_session_name.get() {
        context.insert("sts:RoleSessionName", name);
    }
}

/// AssumeRole.
pub(crate) fn assume_role(call: &StsCall<'_>) -> Result<StsOutput, StsError> {
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
        length("Policy", doc, 1, 2048)?;
        crate::document::check_structure(doc)
            .map_err(|m| StsError::new(StsErrorCode::MalformedPolicyDocument, m))?;
        Policy::identity(doc)
            .map_err(|e| StsError::new(StsErrorCode::MalformedPolicyDocument, e.iam_message()))?;
    }
    // `arn` is optional in the model: an entry without one names no policy, but counts.
    let entries = p.policy_arns.0.len();
    let mut policy_arns = Vec::new();
    for arn in p.policy_arns.0.iter().flatten() {
        length("arn", arn, 20, 2048)?;
        policy_arns.push(arn.to_owned());
    }
    if entries > 10 {
        return Err(StsError::constraint(
            "policyArns",
            "[…]",
            "Member must have length less than or equal to 10",
        ));
    }
    let packed_policy_size = (policy.is_some() || entries > 0).then(|| {
        let size = policy.map(crate::document::size).unwrap_or(0) + entries * 64;
        (size * 100).div_ceil(PACKED_POLICY_ALLOTMENT).max(1)
    });
    if let Some(pct) = packed_policy_size
        && pct > 100
    {
        return Err(StsError::new(
            StsErrorCode::PackedPolicyTooLarge,
            format!("Packed policy consumes {pct}% of allotted space, please use smaller policy."),
        ));
    }
    let (account, path, name) = parse_role_arn(role_arn)?;
    let me = caller(call);

    let (role_id, full_role_arn) = match call.iam {
        Some(dir) => {
            let denied = || {
                StsError::new(
                    StsErrorCode::AccessDenied,
                    format!(
                        "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
                        me.arn
                    ),
                )
            };
            let role = dir
                .role(role_arn)
                .filter(|r| r.path == path && r.name.eq_ignore_ascii_case(&name))
                .ok_or_else(denied)?;
            let trust = role.trust.clone().ok_or_else(denied)?;
            // The trust policy must name the caller, whatever its account.
            let principal = &call.ctx.caller.principal;
            // Only the keys the trust policy reads.
            let mut context = ContextBuilder::for_keys(trust.reads());
            context
                .principal_keys(principal)
                .time((call.ctx.received_millis / 1000) as i64);
            keys(call, &mut context);
            let req = Request::new(principal.clone(), "sts:AssumeRole", &role.arn, "")
                .with_context(context.finish());
            let trusted = policy::evaluate(
                &req,
                &Policies {
                    identity: allow_all(),
                    resource: Some(&trust),
                    ..Policies::default()
                },
            );
            if !trusted.decision.is_allowed() {
                return Err(denied());
            }
            // And the caller's own policies must allow it (with --enforce-iam).
            call.ctx
                .authorize(
                    "sts:AssumeRole",
                    Resource {
                        arn: &role.arn,
                        owner: &account,
                        policy: Some(&trust),
                    },
                    |c| keys(call, c),
                )
                .map_err(|d| StsError::new(StsErrorCode::AccessDenied, d.message()))?;
            if seconds > role.max_session_duration {
                return Err(StsError::new(
                    StsErrorCode::Validation,
                    "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
                ));
            }
            (role.role_id, role.arn)
        }
        None => (
            stable_id("AROA", &role_arn.to_ascii_lowercase()),
            role_arn.to_owned(),
        ),
    };

    let identity = Identity {
        account: account.clone(),
        arn: format!("arn:aws:sts::{account}:assumed-role/{name}/{session}"),
        user_id: format!("{role_id}:{session}"),
    };
    let claims = Claims {
        account: identity.account.clone(),
        arn: identity.arn.clone(),
        user_id: identity.user_id.clone(),
        role_arn: Some(full_role_arn),
        expires: call.now + seconds as u64 * 1000,
        nonce: nimbus_core::ids::random_hex(12),
        policy: policy.map(str::to_owned),
        policy_arns,
        source_identity: source_identity.map(str::to_owned),
    };
    Ok(StsOutput::AssumedRole {
        arn: identity.arn,
        assumed_role_id: identity.user_id,
        credentials: new_credentials(call.sealer, &claims),
        packed_policy_size: packed_policy_size.map(|p| p as u32),
        source_identity: source_identity.map(str::to_owned),
    })
}
