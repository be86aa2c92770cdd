//! A function's execution role as the principal Lambda acts as for the function: the
//! session `arn:aws:sts::ACCOUNT:assumed-role/ROLE/FUNCTION` of its `Role`, with the role's
//! identity policies under `--enforce-iam`. Lambda reads an event source mapping's queue
//! and sends the function's destination and dead-letter records as this principal, so the
//! target queue's policy (across accounts) and the role's policies decide, as on AWS.

use std::sync::Arc;

use nimbus_core::Arn;
use nimbus_core::access::Caller;
use nimbus_core::access::policy::Principal;
use nimbus_core::bus::ServiceBus;
use nimbus_core::bus::identity::caller_for;

use crate::model::FunctionRecord;

/// The caller Lambda acts as for `function`: its execution role's session. A `Role` that is
/// not a role ARN of the function's own account acts as that account's root user.
pub fn caller(bus: &ServiceBus, function: &FunctionRecord) -> Caller {
    let role = function.role.as_str();
    let Ok(arn) = role.parse::<Arn>() else {
        return Caller::root(&function.key.account);
    };
    let Some(path_and_name) = arn
        .resource
        .strip_prefix("role/")
        .filter(|_| arn.service == "iam")
    else {
        return Caller::root(&function.key.account);
    };
    let account = arn.account.as_str();
    if account != function.key.account {
        // AWS refuses a role of another account at CreateFunction; nimbus accepts one (its
        // samples use the default account's role everywhere), and acts as the function's
        // account then.
        return Caller::root(&function.key.account);
    }
    let role_name = path_and_name.rsplit('/').next().unwrap_or(path_and_name);
    let session = format!(
        "arn:aws:sts::{account}:assumed-role/{role_name}/{}",
        function.key.name
    );
    caller_for(
        bus.identities().map(|d| d.as_ref()),
        Principal::assumed_role(&session, role),
        Arc::from(Vec::new()),
        bus.enforce_iam(),
    )
}
