//! IAM and STS for nimbus.
//!
//! - [`IamService`]: a small IAM store on the awsQuery protocol — roles, users (with access
//!   keys), inline policies, customer managed policies, attachments and tags, persisted per
//!   account in SQLite ([`store`]). Every operation authorizes `iam:<Action>` on its
//!   resource. [`IamDirectory`] holds the compiled identity policies, trust policies and
//!   access keys the gateway and STS read, rebuilt after every IAM write.
//! - [`StsService`]: GetCallerIdentity, AssumeRole and GetSessionToken on awsQuery and
//!   awsJson 1.0 ([`sts`]).
//!
//! One module per group of operations: [`roles`] (with role tags), [`role_policies`]
//! (inline), [`policies`] (managed, with policy tags and versions), [`attachments`],
//! [`users`] (with user tags and access keys), [`user_policies`]. Every
//! error is an [`error::IamError`] or [`error::StsError`], mapped once into
//! `nimbus_wire::ServiceError`.

use std::sync::Arc;

use async_trait::async_trait;
use nimbus_core::ServiceEnv;
use nimbus_wire::error::ErrorStyle;
use nimbus_wire::operations::Binding::Named;
use nimbus_wire::query::{self, QueryParams};
use nimbus_wire::{
    Auth, Bindings, OpInfo, Protocol, Request, RequestHead, Response, Service, ServiceError,
    ServiceId,
};

mod assume_role;
mod attachments;
mod authz;
mod directory;
mod document;
pub mod error;
mod handlers;
mod holder;
mod inline_policies;
mod input;
mod limits;
mod managed;
mod pagination;
mod params;
mod policies;
mod role_policies;
mod roles;
mod session;
mod shapes;
mod store;
mod sts;
mod sts_call;
mod tags;
mod user_policies;
mod user_store;
mod users;

pub use directory::IamDirectory;
pub use error::{IamError, IamErrorCode, StsError, StsErrorCode};
pub use sts::STS_XMLNS;

use input::IamInput;
use store::Store;
use sts::{StsAction, StsRequest};

/// What an operation puts inside its `<…Result>` element; `None` for actions without one.
pub(crate) type OpResult = Result<Option<String>, IamError>;

/// IAM's XML namespace, on responses and error documents.
pub const IAM_XMLNS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// IAM as the gateway sees it: roles, inline role policies and managed policies, stored per
/// account in `<data-dir>/iam/iam.db` (in memory without a data directory).
pub struct IamService {
    env: ServiceEnv,
    store: Arc<Store>,
    directory: Arc<IamDirectory>,
}

impl IamService {
    /// Opens IAM's storage in `env` (creating it on first use).
    pub fn open(
        env: &ServiceEnv,
    ) -> Result<Arc<IamService>, Box<dyn std::error::Error + Send + Sync>> {
        let store = Arc::new(Store::open(&env.storage, "iam", "iam.db")?);
        let directory = Arc::new(IamDirectory::open(store.clone())?);
        Ok(Arc::new(IamService {
            env: env.clone(),
            store,
            directory,
        }))
    }

    /// The directory of identities IAM keeps (for the gateway, through the bus).
    pub fn directory(&self) -> Arc<IamDirectory> {
        self.directory.clone()
    }
}

nimbus_wire::operations! {
    /// An IAM action nimbus serves: its name and its handler (each runs its group's function
    /// in one read or write transaction, see [`handlers`]).
    pub enum IamOp for IamService, IamCall, IamError {
        CreateRole = Named => handlers::create_role,
        GetRole = Named => handlers::get_role,
        ListRoles = Named => handlers::list_roles,
        DeleteRole = Named => handlers::delete_role,
        UpdateRole = Named => handlers::update_role,
        UpdateRoleDescription = Named => handlers::update_role_description,
        UpdateAssumeRolePolicy = Named => handlers::update_assume_role_policy,
        PutRolePermissionsBoundary = Named => handlers::put_role_permissions_boundary,
        DeleteRolePermissionsBoundary = Named => handlers::delete_role_permissions_boundary,
        ListInstanceProfilesForRole = Named => handlers::list_instance_profiles_for_role,
        TagRole = Named => handlers::tag_role,
        UntagRole = Named => handlers::untag_role,
        ListRoleTags = Named => handlers::list_role_tags,
        PutRolePolicy = Named => handlers::put_role_policy,
        GetRolePolicy = Named => handlers::get_role_policy,
        DeleteRolePolicy = Named => handlers::delete_role_policy,
        ListRolePolicies = Named => handlers::list_role_policies,
        CreatePolicy = Named => handlers::create_policy,
        GetPolicy = Named => handlers::get_policy,
        ListPolicies = Named => handlers::list_policies,
        DeletePolicy = Named => handlers::delete_policy,
        GetPolicyVersion = Named => handlers::get_policy_version,
        ListPolicyVersions = Named => handlers::list_policy_versions,
        TagPolicy = Named => handlers::tag_policy,
        UntagPolicy = Named => handlers::untag_policy,
        ListPolicyTags = Named => handlers::list_policy_tags,
        AttachRolePolicy = Named => handlers::attach_role_policy,
        DetachRolePolicy = Named => handlers::detach_role_policy,
        ListAttachedRolePolicies = Named => handlers::list_attached_role_policies,
        ListEntitiesForPolicy = Named => handlers::list_entities_for_policy,
        CreateUser = Named => handlers::create_user,
        GetUser = Named => handlers::get_user,
        ListUsers = Named => handlers::list_users,
        UpdateUser = Named => handlers::update_user,
        DeleteUser = Named => handlers::delete_user,
        PutUserPermissionsBoundary = Named => handlers::put_user_permissions_boundary,
        DeleteUserPermissionsBoundary = Named => handlers::delete_user_permissions_boundary,
        TagUser = Named => handlers::tag_user,
        UntagUser = Named => handlers::untag_user,
        ListUserTags = Named => handlers::list_user_tags,
        CreateAccessKey = Named => handlers::create_access_key,
        ListAccessKeys = Named => handlers::list_access_keys,
        UpdateAccessKey = Named => handlers::update_access_key,
        DeleteAccessKey = Named => handlers::delete_access_key,
        PutUserPolicy = Named => handlers::put_user_policy,
        GetUserPolicy = Named => handlers::get_user_policy,
        DeleteUserPolicy = Named => handlers::delete_user_policy,
        ListUserPolicies = Named => handlers::list_user_policies,
        AttachUserPolicy = Named => handlers::attach_user_policy,
        DetachUserPolicy = Named => handlers::detach_user_policy,
        ListAttachedUserPolicies = Named => handlers::list_attached_user_policies,
    }
}

/// The IAM actions nimbus serves.
pub const IAM_ACTIONS: &[&str] = IamOp::QUERY_ACTIONS;

/// One IAM request, as the handlers see it.
pub struct IamCall {
    op: IamOp,
    account: String,
    request_id: String,
    form: Arc<QueryParams>,
    /// The calling IAM user's name, if the caller is a user of this account.
    caller_user: Option<String>,
}

impl IamService {
    /// Runs `f` (an action's transaction) on a blocking thread and renders its result.
    async fn run(
        &self,
        call: &IamCall,
        f: impl FnOnce(&Store, &str, &IamInput, u64) -> OpResult + Send + 'static,
    ) -> Result<Response, IamError> {
        let store = self.store.clone();
        let directory = self.directory.clone();
        let account = call.account.clone();
        let form = call.form.clone();
        let caller_user = call.caller_user.clone();
        let mutates = !matches!(&call.op.name()[..3], "Get" | "Lis");
        let now = self.env.clock.now_millis();
        let result = tokio::task::spawn_blocking(move || {
            let mut input = input::read(&form)?;
            input.caller_user = caller_user;
            let out = f(&store, &account, &input, now)?;
            if mutates && let Err(e) = directory.reload() {
                tracing::error!(error = %e, "IAM's identity cache was not rebuilt");
            }
            Ok::<_, IamError>(out)
        })
        .await
        .map_err(|join| {
            IamError::new(
                IamErrorCode::ServiceFailure,
                format!("The IAM operation did not complete: {join}"),
            )
        })??;
        Ok(query::response(
            call.op.name(),
            IAM_XMLNS,
            result.as_deref(),
            &call.request_id,
        ))
    }
}

#[async_trait]
impl Service for IamService {
    fn id(&self) -> ServiceId {
        ServiceId::Iam
    }

    fn bindings(&self) -> Bindings {
        Bindings {
            query_actions: IamOp::QUERY_ACTIONS,
            ..Bindings::new(Protocol::AwsQuery)
        }
    }

    fn error_style(&self, _: &ServiceError) -> ErrorStyle {
        ErrorStyle {
            json_namespace: None,
            query_xmlns: Some(IAM_XMLNS),
            json_capital_message: false,
        }
    }

    fn classify(&self, head: &RequestHead<'_>) -> Result<OpInfo, ServiceError> {
        let Some(action) = head.operation else {
            return Err(IamError::missing_action().into());
        };
        let op = IamOp::from_name(action).ok_or_else(|| {
            IamError::new(IamErrorCode::InvalidAction, format!(
                "nimbus does not implement the IAM action {action}; it serves roles, inline role \
                 policies and managed policies (see docs/compat.md)."
            ))
        })?;
        Ok(op.info(Auth::Signed, self.body_limit()))
    }

    async fn call(&self, info: OpInfo, req: Request) -> Result<Response, ServiceError> {
        let op = IamOp::from_index(info.index)
            .ok_or_else(|| ServiceError::internal(format!("no IAM operation {}", info.name)))?;
        let form = match req.form {
            Some(f) => f,
            None => QueryParams::parse(req.uri.query(), req.body.bytes()),
        };
        let account = req.ctx.account.as_str();
        let caller_user = match req.ctx.caller.principal.kind {
            nimbus_core::access::policy::PrincipalKind::User
                if req.ctx.caller.account() == account =>
            {
                req.ctx
                    .caller
                    .principal
                    .arn
                    .rsplit('/')
                    .next()
                    .map(str::to_owned)
            }
            _ => None,
        };
        let arn = authz::resource_arn(op, account, &form, caller_user.as_deref());
        req.ctx
            .authorize(
                &format!("iam:{}", op.name()),
                nimbus_core::access::Resource {
                    arn: &arn,
                    owner: account,
                    policy: None,
                },
                |_| {},
            )
            .map_err(|d| IamError::new(IamErrorCode::AccessDenied, d.message()))?;
        let mut call = IamCall {
            op,
            account: account.to_owned(),
            request_id: req.ctx.request_id,
            form: Arc::new(form),
            caller_user,
        };
        Ok(op.call(self, &mut call).await?)
    }

    async fn shutdown(&self) {
        let store = self.store.clone();
        let _ = tokio::task::spawn_blocking(move || store.checkpoint()).await;
    }
}

/// STS as the gateway sees it.
pub struct StsService {
    env: ServiceEnv,
    iam: Option<Arc<IamDirectory>>,
    sealer: session::Sealer,
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
            sealer: session::Sealer::new(&nimbus_core::ids::random_hex(32)),
        }))
    }

    /// STS that reads `iam`'s roles: AssumeRole answers `AccessDenied` for a role that does
    /// not exist or whose trust policy does not allow the caller (as AWS does), reports the
    /// role's real `RoleId`, and refuses a `DurationSeconds` above the role's
    /// `MaxSessionDuration`; its sessions are sealed with the key IAM keeps, so they survive
    /// a restart.
    pub fn with_iam(env: &ServiceEnv, iam: &IamService) -> Arc<StsService> {
        Arc::new(StsService {
            env: env.clone(),
            sealer: iam.directory.sealer().clone(),
            iam: Some(iam.directory.clone()),
        })
    }
}

#[async_trait]
impl Service for StsService {
    fn id(&self) -> ServiceId {
        ServiceId::Sts
    }

    fn bindings(&self) -> Bindings {
        Bindings {
            json_target: Some(("AWSSecurityTokenServiceV20110615", Protocol::AwsJson1_0)),
            query_actions: StsAction::QUERY_ACTIONS,
            ..Bindings::new(Protocol::AwsQuery)
        }
    }

    fn error_style(&self, _: &ServiceError) -> ErrorStyle {
        ErrorStyle {
            json_namespace: Some("com.amazonaws.sts"),
            query_xmlns: Some(STS_XMLNS),
            json_capital_message: false,
        }
    }

    fn classify(&self, head: &RequestHead<'_>) -> Result<OpInfo, ServiceError> {
        let Some(action) = head.operation else {
            return Err(StsError::missing_action().into());
        };
        let op = StsAction::parse(action)?;
        Ok(op.info(Auth::Signed, self.body_limit()))
    }

    async fn call(&self, info: OpInfo, req: Request) -> Result<Response, ServiceError> {
        let action = StsAction::from_index(info.index)
            .ok_or_else(|| ServiceError::internal(format!("no STS operation {}", info.name)))?;
        let params = match (req.protocol, req.form) {
            (Protocol::AwsJson1_0 | Protocol::AwsJson1_1, _) => {
                sts::json_to_params(req.body.bytes())?
            }
            (_, Some(form)) => form,
            (_, None) => QueryParams::parse(req.uri.query(), req.body.bytes()),
        };
        let session_token = req
            .headers
            .get("x-amz-security-token")
            .and_then(|v| v.to_str().ok())
            .or_else(|| params.get("X-Amz-Security-Token"))
            .map(str::to_owned);
        let mut call = StsRequest {
            action,
            protocol: req.protocol,
            request_id: req.ctx.request_id.clone(),
            account: req.ctx.account.as_str().to_owned(),
            session_token,
            params,
            ctx: req.ctx,
        };
        Ok(action.call(self, &mut call).await?)
    }
}

#[cfg(test)]
mod tests;
