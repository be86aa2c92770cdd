//! IAM and STS for nimbus.
//!
//! - [`IamService`]: a small IAM store on the awsQuery protocol — roles, inline role
//!   policies, customer managed policies, attachments and tags, persisted per account in
//!   SQLite ([`store`]). Policies are stored and returned, never enforced.
//! - [`StsService`]: GetCallerIdentity, AssumeRole and GetSessionToken on awsQuery and
//!   awsJson 1.0 ([`sts`]).
//!
//! One module per group of operations: [`roles`] (with role tags), [`role_policies`]
//! (inline), [`policies`] (managed, with policy tags and versions), [`attachments`]. Every
//! error is an [`error::IamError`] or [`error::StsError`], mapped once into
//! `nimbus_wire::ServiceError`.

use std::sync::Arc;

use async_trait::async_trait;
use nimbus_core::ServiceEnv;
use nimbus_wire::error::{ErrorStyle, render};
use nimbus_wire::query::{self, QueryParams};
use nimbus_wire::{Protocol, Request, Response, Service, ServiceError, ServiceId};

mod attachments;
mod document;
pub mod error;
mod limits;
mod managed;
mod pagination;
mod params;
mod policies;
mod role_policies;
mod roles;
mod store;
mod sts;
mod tags;

pub use error::{IamError, StsError};
pub use sts::STS_XMLNS;

use params::Params;
use store::Store;
use sts::{StsAction, StsCall};

/// What an operation puts inside its `<…Result>` element; `None` for actions without one.
pub(crate) type OpResult = Result<Option<String>, IamError>;

/// IAM's XML namespace, on responses and error documents.
pub const IAM_XMLNS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// IAM as the gateway sees it: roles, inline role policies and managed policies, stored per
/// account in `<data-dir>/iam/iam.db` (in memory without a data directory).
pub struct IamService {
    env: ServiceEnv,
    store: Arc<Store>,
}

impl IamService {
    /// Opens IAM's storage in `env` (creating it on first use).
    pub fn open(
        env: &ServiceEnv,
    ) -> Result<Arc<IamService>, Box<dyn std::error::Error + Send + Sync>> {
        let store = Store::open(&env.storage, "iam", "iam.db")?;
        Ok(Arc::new(IamService {
            env: env.clone(),
            store: Arc::new(store),
        }))
    }
}

/// The IAM actions nimbus serves.
pub const IAM_ACTIONS: &[&str] = &[
    "CreateRole",
    "GetRole",
    "ListRoles",
    "DeleteRole",
    "UpdateRole",
    "UpdateRoleDescription",
    "UpdateAssumeRolePolicy",
    "PutRolePermissionsBoundary",
    "DeleteRolePermissionsBoundary",
    "ListInstanceProfilesForRole",
    "TagRole",
    "UntagRole",
    "ListRoleTags",
    "PutRolePolicy",
    "GetRolePolicy",
    "DeleteRolePolicy",
    "ListRolePolicies",
    "CreatePolicy",
    "GetPolicy",
    "ListPolicies",
    "DeletePolicy",
    "GetPolicyVersion",
    "ListPolicyVersions",
    "TagPolicy",
    "UntagPolicy",
    "ListPolicyTags",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "ListAttachedRolePolicies",
    "ListEntitiesForPolicy",
];

/// Runs one IAM action for `account` in one transaction: a write transaction for actions
/// that change state (committed before the answer), a read transaction for the others.
fn execute(store: &Store, account: &str, action: &str, q: &QueryParams, now: u64) -> OpResult {
    let p = Params::new(q);
    let p = &p;
    match action {
        "CreateRole" => store.write(account, |tx| roles::create_role(tx, p, now)),
        "GetRole" => store.read(account, |tx| roles::get_role(tx, p)),
        "ListRoles" => store.read(account, |tx| roles::list_roles(tx, p)),
        "DeleteRole" => store.write(account, |tx| roles::delete_role(tx, p)),
        "UpdateRole" => store.write(account, |tx| roles::update_role(tx, p)),
        "UpdateRoleDescription" => store.write(account, |tx| roles::update_role_description(tx, p)),
        "UpdateAssumeRolePolicy" => {
            store.write(account, |tx| roles::update_assume_role_policy(tx, p))
        }
        "PutRolePermissionsBoundary" => {
            store.write(account, |tx| roles::put_role_permissions_boundary(tx, p))
        }
        "DeleteRolePermissionsBoundary" => {
            store.write(account, |tx| roles::delete_role_permissions_boundary(tx, p))
        }
        "ListInstanceProfilesForRole" => {
            store.read(account, |tx| roles::list_instance_profiles_for_role(tx, p))
        }
        "TagRole" => store.write(account, |tx| roles::tag_role(tx, p)),
        "UntagRole" => store.write(account, |tx| roles::untag_role(tx, p)),
        "ListRoleTags" => store.read(account, |tx| roles::list_role_tags(tx, p)),
        "PutRolePolicy" => store.write(account, |tx| role_policies::put_role_policy(tx, p)),
        "GetRolePolicy" => store.read(account, |tx| role_policies::get_role_policy(tx, p)),
        "DeleteRolePolicy" => store.write(account, |tx| role_policies::delete_role_policy(tx, p)),
        "ListRolePolicies" => store.read(account, |tx| role_policies::list_role_policies(tx, p)),
        "CreatePolicy" => store.write(account, |tx| policies::create_policy(tx, p, now)),
        "GetPolicy" => store.read(account, |tx| policies::get_policy(tx, p)),
        "ListPolicies" => store.read(account, |tx| policies::list_policies(tx, p)),
        "DeletePolicy" => store.write(account, |tx| policies::delete_policy(tx, p)),
        "GetPolicyVersion" => store.read(account, |tx| policies::get_policy_version(tx, p)),
        "ListPolicyVersions" => store.read(account, |tx| policies::list_policy_versions(tx, p)),
        "TagPolicy" => store.write(account, |tx| policies::tag_policy(tx, p)),
        "UntagPolicy" => store.write(account, |tx| policies::untag_policy(tx, p)),
        "ListPolicyTags" => store.read(account, |tx| policies::list_policy_tags(tx, p)),
        "AttachRolePolicy" => store.write(account, |tx| attachments::attach_role_policy(tx, p)),
        "DetachRolePolicy" => store.write(account, |tx| attachments::detach_role_policy(tx, p)),
        "ListAttachedRolePolicies" => store.read(account, |tx| {
            attachments::list_attached_role_policies(tx, p)
        }),
        "ListEntitiesForPolicy" => {
            store.read(account, |tx| attachments::list_entities_for_policy(tx, p))
        }
        other => Err(IamError::InvalidAction(format!(
            "nimbus does not implement the IAM action {other}; it serves roles, inline role \
             policies and managed policies (see docs/compat.md)."
        ))),
    }
}

#[async_trait]
impl Service for IamService {
    fn id(&self) -> ServiceId {
        ServiceId::Iam
    }

    fn error_style(&self) -> ErrorStyle {
        ErrorStyle {
            json_namespace: None,
            query_xmlns: Some(IAM_XMLNS),
            json_capital_message: false,
        }
    }

    async fn handle(&self, req: Request) -> Response {
        let request_id = req.ctx.request_id.clone();
        let protocol = req.protocol;
        let fail = |e: IamError| {
            render(
                protocol,
                self.error_style(),
                &ServiceError::from(e),
                &request_id,
                false,
            )
        };
        let form = match req.form {
            Some(f) => f,
            None => QueryParams::parse(req.uri.query(), req.body.bytes()),
        };
        let Some(action) = form.get("Action").map(str::to_owned) else {
            return fail(IamError::MissingAction);
        };
        let store = self.store.clone();
        let account = req.ctx.account.as_str().to_owned();
        let now = self.env.clock.now_millis();
        let op = action.clone();
        let outcome =
            tokio::task::spawn_blocking(move || execute(&store, &account, &op, &form, now)).await;
        match outcome {
            Ok(Ok(result)) => query::response(&action, IAM_XMLNS, result.as_deref(), &request_id),
            Ok(Err(e)) => fail(e),
            Err(join) => fail(IamError::ServiceFailure(format!(
                "The IAM operation did not complete: {join}"
            ))),
        }
    }

    async fn shutdown(&self) {
        let store = self.store.clone();
        let _ = tokio::task::spawn_blocking(move || store.checkpoint()).await;
    }
}

/// STS as the gateway sees it.
pub struct StsService {
    env: ServiceEnv,
    iam: Option<Arc<Store>>,
}

impl StsService {
    /// STS on its own: AssumeRole accepts any well-formed role ARN (it cannot see IAM's
    /// roles). Prefer [`StsService::with_iam`].
    pub fn open(
        env: &ServiceEnv,
    ) -> Result<Arc<StsService>, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Arc::new(StsService {
            env: env.clone(),
            iam: None,
        }))
    }

    /// STS that reads `iam`'s roles: AssumeRole answers `AccessDenied` for a role that does
    /// not exist (as AWS does), reports the role's real `RoleId`, and refuses a
    /// `DurationSeconds` above the role's `MaxSessionDuration`.
    pub fn with_iam(env: &ServiceEnv, iam: &IamService) -> Arc<StsService> {
        Arc::new(StsService {
            env: env.clone(),
            iam: Some(iam.store.clone()),
        })
    }
}

#[async_trait]
impl Service for StsService {
    fn id(&self) -> ServiceId {
        ServiceId::Sts
    }

    fn error_style(&self) -> ErrorStyle {
        ErrorStyle {
            json_namespace: Some("com.amazonaws.sts"),
            query_xmlns: Some(STS_XMLNS),
            json_capital_message: false,
        }
    }

    async fn handle(&self, req: Request) -> Response {
        let request_id = req.ctx.request_id.clone();
        let protocol = req.protocol;
        let fail = |e: StsError| {
            render(
                protocol,
                self.error_style(),
                &ServiceError::from(e),
                &request_id,
                false,
            )
        };
        let is_json = matches!(protocol, Protocol::AwsJson1_0 | Protocol::AwsJson1_1);
        let (action_name, params) = if is_json {
            let Some(op) = req.operation().map(str::to_owned) else {
                return fail(StsError::MissingAction);
            };
            match sts::json_to_params(req.body.bytes()) {
                Ok(p) => (op, p),
                Err(e) => return fail(e),
            }
        } else {
            let form = match req.form {
                Some(ref f) => f.clone(),
                None => QueryParams::parse(req.uri.query(), req.body.bytes()),
            };
            let Some(op) = form.get("Action").map(str::to_owned) else {
                return fail(StsError::MissingAction);
            };
            (op, form)
        };
        let action = match StsAction::parse(&action_name) {
            Ok(a) => a,
            Err(e) => return fail(e),
        };
        let token = req
            .headers
            .get("x-amz-security-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| params.get("X-Amz-Security-Token").map(str::to_owned));
        let account = req.ctx.account.as_str().to_owned();
        let now = self.env.clock.now_millis();
        let iam = self.iam.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            sts::run(
                action,
                &StsCall {
                    account: &account,
                    session_token: token.as_deref(),
                    params: &params,
                    now,
                    iam: iam.as_deref(),
                },
            )
        })
        .await;
        match outcome {
            Ok(Ok(out)) if is_json => nimbus_wire::json::ok(protocol, &out.to_json()),
            Ok(Ok(out)) => {
                query::response(action.name(), STS_XMLNS, Some(&out.to_xml()), &request_id)
            }
            Ok(Err(e)) => fail(e),
            Err(join) => fail(StsError::Internal(format!(
                "The STS operation did not complete: {join}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests;
