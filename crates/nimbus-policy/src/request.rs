//! What is asked: the caller ([`Principal`]), the action, the resource and its owner, and
//! the condition context ([`Context`]) the service fills with the keys it knows.

/// What kind of caller made the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrincipalKind {
    /// The account root user (a credential with no principal ARN).
    Root,
    /// An IAM user (`arn:aws:iam::123456789012:user/alice`).
    User,
    /// An IAM role acting as itself (rare: requests come from role sessions).
    Role,
    /// A role session from `sts:AssumeRole` (`arn:aws:sts::…:assumed-role/Role/session`).
    AssumedRole,
    /// A federated principal (web identity, SAML); `arn` is the provider.
    Federated,
    /// An AWS service acting for a resource (`s3.amazonaws.com`), e.g. S3 notifying SQS.
    Service,
    /// No credentials (S3's anonymous requests).
    Anonymous,
}

/// The caller of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// Which kind of caller.
    pub kind: PrincipalKind,
    /// The caller's account (empty for services and anonymous callers).
    pub account: String,
    /// The caller's ARN: `arn:aws:iam::ACCOUNT:root` for root, the user or session ARN, the
    /// service name (`s3.amazonaws.com`) for services, empty for anonymous callers.
    pub arn: String,
    /// For an assumed-role session, the role's ARN (with its path).
    pub role_arn: Option<String>,
    /// S3's canonical user id of the caller, when the service knows it.
    pub canonical_user: Option<String>,
}

impl Principal {
    /// The root user of `account`.
    pub fn root(account: &str) -> Principal {
        Principal {
            kind: PrincipalKind::Root,
            account: account.to_owned(),
            arn: format!("arn:aws:iam::{account}:root"),
            role_arn: None,
            canonical_user: None,
        }
    }

    /// An IAM user, by ARN (`arn:aws:iam::123456789012:user/path/name`).
    pub fn user(arn: &str) -> Principal {
        Principal {
            kind: PrincipalKind::User,
            account: arn_account(arn).to_owned(),
            arn: arn.to_owned(),
            role_arn: None,
            canonical_user: None,
        }
    }

    /// An IAM role acting as itself, by ARN.
    pub fn role(arn: &str) -> Principal {
        Principal {
            kind: PrincipalKind::Role,
            account: arn_account(arn).to_owned(),
            arn: arn.to_owned(),
            role_arn: Some(arn.to_owned()),
            canonical_user: None,
        }
    }

    /// A role session: its ARN (`arn:aws:sts::ACCOUNT:assumed-role/Role/session`) and the
    /// role's ARN (`arn:aws:iam::ACCOUNT:role/path/Role`).
    pub fn assumed_role(session_arn: &str, role_arn: &str) -> Principal {
        Principal {
            kind: PrincipalKind::AssumedRole,
            account: arn_account(session_arn).to_owned(),
            arn: session_arn.to_owned(),
            role_arn: Some(role_arn.to_owned()),
            canonical_user: None,
        }
    }

    /// An AWS service principal such as `s3.amazonaws.com`.
    pub fn service(name: &str) -> Principal {
        Principal {
            kind: PrincipalKind::Service,
            account: String::new(),
            arn: name.to_owned(),
            role_arn: None,
            canonical_user: None,
        }
    }

    /// A federated principal authenticated by `provider` in `account`.
    pub fn federated(provider: &str, account: &str) -> Principal {
        Principal {
            kind: PrincipalKind::Federated,
            account: account.to_owned(),
            arn: provider.to_owned(),
            role_arn: None,
            canonical_user: None,
        }
    }

    /// A caller without credentials.
    pub fn anonymous() -> Principal {
        Principal {
            kind: PrincipalKind::Anonymous,
            account: String::new(),
            arn: String::new(),
            role_arn: None,
            canonical_user: None,
        }
    }

    /// Whether the caller belongs to an account (neither a service nor anonymous).
    pub fn has_account(&self) -> bool {
        !matches!(self.kind, PrincipalKind::Service | PrincipalKind::Anonymous)
    }

    /// The value of `aws:PrincipalArn`: the role's ARN for a role session (as AWS documents),
    /// else the caller's ARN.
    pub fn principal_arn(&self) -> &str {
        match (self.kind, &self.role_arn) {
            (PrincipalKind::AssumedRole, Some(role)) => role,
            _ => &self.arn,
        }
    }

    /// The value of `aws:PrincipalType`.
    pub fn principal_type(&self) -> &'static str {
        match self.kind {
            PrincipalKind::Root => "Account",
            PrincipalKind::User => "User",
            PrincipalKind::Role | PrincipalKind::AssumedRole => "AssumedRole",
            PrincipalKind::Federated => "FederatedUser",
            PrincipalKind::Service => "AWSService",
            PrincipalKind::Anonymous => "Anonymous",
        }
    }
}

/// The account field of an ARN (`arn:partition:service:region:ACCOUNT:resource`).
fn arn_account(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or("")
}

/// The request context: condition keys (case-insensitive names) with one or more values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// (lower-case key, values).
    entries: Vec<(String, Vec<String>)>,
}

impl Context {
    /// An empty context.
    pub fn new() -> Context {
        Context::default()
    }

    /// Sets a single-valued key (replacing an earlier value).
    pub fn insert(&mut self, key: &str, value: impl Into<String>) -> &mut Context {
        self.insert_multi(key, vec![value.into()])
    }

    /// Sets a multivalued key such as `aws:TagKeys` (an empty list is an empty set).
    pub fn insert_multi(&mut self, key: &str, values: Vec<String>) -> &mut Context {
        let key = key.to_ascii_lowercase();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = values,
            None => self.entries.push((key, values)),
        }
        self
    }

    /// [`Context::insert`] by value, for building.
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Context {
        self.insert(key, value);
        self
    }

    /// [`Context::insert_multi`] by value, for building.
    pub fn with_multi(mut self, key: &str, values: &[&str]) -> Context {
        self.insert_multi(key, values.iter().map(|v| (*v).to_owned()).collect());
        self
    }

    /// Removes a key.
    pub fn remove(&mut self, key: &str) {
        self.entries.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
    }

    /// The values of `key` (any case), or `None` when the request does not carry it.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.entries
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_slice())
    }

    /// The values of a key already lower-cased (what compiled policies hold).
    pub(crate) fn get_lower(&self, key: &str) -> Option<&[String]> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
    }

    /// Sets `aws:CurrentTime` (ISO 8601) and `aws:EpochTime` from the clock's
    /// `epoch_seconds`.
    pub fn with_time(self, epoch_seconds: i64) -> Context {
        self.with("aws:CurrentTime", crate::values::format_time(epoch_seconds))
            .with("aws:EpochTime", epoch_seconds.to_string())
    }

    /// Adds the keys AWS derives from the caller: `aws:PrincipalAccount`,
    /// `aws:PrincipalArn`, `aws:PrincipalType`, `aws:username` (IAM users),
    /// `aws:PrincipalServiceName` (services). Keys already set are kept.
    pub fn with_principal_keys(mut self, principal: &Principal) -> Context {
        principal_keys(&mut self, principal, |_| true);
        self
    }
}

/// Adds the keys AWS derives from `principal` that `wanted` asks for and `ctx` does not hold
/// yet.
pub(crate) fn principal_keys(
    ctx: &mut Context,
    principal: &Principal,
    wanted: impl Fn(&str) -> bool,
) {
    let mut set = |k: &str, v: &str| {
        if wanted(k) && ctx.get(k).is_none() {
            ctx.insert(k, v);
        }
    };
    set("aws:PrincipalType", principal.principal_type());
    match principal.kind {
        PrincipalKind::Anonymous => {}
        PrincipalKind::Service => set("aws:PrincipalServiceName", &principal.arn),
        _ => {
            set("aws:PrincipalAccount", &principal.account);
            set("aws:PrincipalArn", principal.principal_arn());
            if principal.kind == PrincipalKind::User {
                let name = principal.arn.rsplit('/').next().unwrap_or("");
                set("aws:username", name);
            }
        }
    }
}

/// One request to authorize.
#[derive(Clone, Debug)]
pub struct Request {
    /// Who asks.
    pub principal: Principal,
    /// The action, `service:Operation` (`s3:GetObject`, `sqs:SendMessage`).
    pub action: String,
    /// The resource's ARN (`arn:aws:s3:::bucket/key`).
    pub resource: String,
    /// The account that owns the resource (S3 ARNs carry none).
    pub resource_account: String,
    /// The condition keys.
    pub context: Context,
}

impl Request {
    /// A request with an empty context.
    pub fn new(principal: Principal, action: &str, resource: &str, owner: &str) -> Request {
        Request {
            principal,
            action: action.to_owned(),
            resource: resource.to_owned(),
            resource_account: owner.to_owned(),
            context: Context::new(),
        }
    }

    /// Replaces the context.
    pub fn with_context(mut self, context: Context) -> Request {
        self.context = context;
        self
    }

    /// Whether the caller acts in the account that owns the resource.
    pub fn same_account(&self) -> bool {
        self.view().same_account()
    }

    /// The request by reference, as the evaluator reads it.
    pub fn view(&self) -> RequestView<'_> {
        RequestView {
            principal: &self.principal,
            action: &self.action,
            resource: &self.resource,
            resource_account: &self.resource_account,
            context: &self.context,
        }
    }
}

/// A [`Request`] by reference: what [`evaluate_view`](crate::evaluate_view) decides, so a
/// service asks without copying the caller, the action or the resource's ARN.
#[derive(Clone, Copy, Debug)]
pub struct RequestView<'a> {
    /// Who asks.
    pub principal: &'a Principal,
    /// The action, `service:Operation`.
    pub action: &'a str,
    /// The resource's ARN.
    pub resource: &'a str,
    /// The account that owns the resource.
    pub resource_account: &'a str,
    /// The condition keys.
    pub context: &'a Context,
}

impl RequestView<'_> {
    /// Whether the caller acts in the account that owns the resource.
    pub fn same_account(&self) -> bool {
        self.principal.has_account() && self.principal.account == self.resource_account
    }
}
