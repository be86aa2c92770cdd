//! The resource an IAM request acts on, as `iam:<Action>` is authorized against it: the
//! user, role or managed policy its parameters name, else the account's collection
//! (`arn:aws:iam::ACCOUNT:role/` for ListRoles, as AWS names it in `AccessDenied`).

use nimbus_wire::query::QueryParams;

use crate::IamOp;

/// The ARN `op` acts on in `account` (paths are known only where the request gives them).
pub(crate) fn resource_arn(
    op: IamOp,
    account: &str,
    form: &QueryParams,
    caller_user: Option<&str>,
) -> String {
    let name = op.name();
    if let Some(arn) = form.get("PolicyArn") {
        return arn.to_owned();
    }
    let path = match name {
        "CreateUser" | "CreateRole" | "CreatePolicy" => form.get("Path").unwrap_or("/"),
        _ => "/",
    };
    let about_users = name.contains("User") || name.contains("AccessKey");
    if let Some(user) = form.get("UserName").or(caller_user.filter(|_| about_users)) {
        return format!("arn:aws:iam::{account}:user{path}{user}");
    }
    if let Some(role) = form.get("RoleName") {
        return format!("arn:aws:iam::{account}:role{path}{role}");
    }
    if name == "CreatePolicy"
        && let Some(policy) = form.get("PolicyName")
    {
        return format!("arn:aws:iam::{account}:policy{path}{policy}");
    }
    let collection = if about_users {
        "user"
    } else if name.contains("Polic") {
        "policy"
    } else {
        "role"
    };
    format!("arn:aws:iam::{account}:{collection}/")
}
