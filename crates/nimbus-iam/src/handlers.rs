//! IAM's handlers, one per row of the operation table in the crate root: each runs its
//! action's function in one transaction — a write transaction (committed before the
//! answer) for actions that change state, a read transaction for the others — on a
//! blocking thread.

use nimbus_wire::Response;

use crate::{IamCall, IamError, IamService};
use crate::{attachments, policies, role_policies, roles, user_policies, users};

/// Writes one handler per line: `name: read|write function [now]`.
macro_rules! handlers {
    ($($name:ident: $kind:ident $f:path $(, $now:ident)?;)*) => {
        $(
            #[doc = concat!("`", stringify!($f), "` in a ", stringify!($kind), " transaction.")]
            pub(crate) async fn $name(
                svc: &IamService,
                call: &mut IamCall,
            ) -> Result<Response, IamError> {
                svc.run(call, |store, account, p, now| {
                    let _ = now;
                    store.$kind(account, |tx| handlers!(@call $f, tx, p, now $(, $now)?))
                })
                .await
            }
        )*
    };
    (@call $f:path, $tx:ident, $p:ident, $n:ident) => { $f($tx, $p) };
    (@call $f:path, $tx:ident, $p:ident, $n:ident, now) => { $f($tx, $p, $n) };
}

handlers! {
    create_role: write roles::create_role, now;
    get_role: read roles::get_role;
    list_roles: read roles::list_roles;
    delete_role: write roles::delete_role;
    update_role: write roles::update_role;
    update_role_description: write roles::update_role_description;
    update_assume_role_policy: write roles::update_assume_role_policy;
    put_role_permissions_boundary: write roles::put_role_permissions_boundary;
    delete_role_permissions_boundary: write roles::delete_role_permissions_boundary;
    list_instance_profiles_for_role: read roles::list_instance_profiles_for_role;
    tag_role: write roles::tag_role;
    untag_role: write roles::untag_role;
    list_role_tags: read roles::list_role_tags;
    put_role_policy: write role_policies::put_role_policy;
    get_role_policy: read role_policies::get_role_policy;
    delete_role_policy: write role_policies::delete_role_policy;
    list_role_policies: read role_policies::list_role_policies;
    create_policy: write policies::create_policy, now;
    get_policy: read policies::get_policy;
    list_policies: read policies::list_policies;
    delete_policy: write policies::delete_policy;
    get_policy_version: read policies::get_policy_version;
    list_policy_versions: read policies::list_policy_versions;
    tag_policy: write policies::tag_policy;
    untag_policy: write policies::untag_policy;
    list_policy_tags: read policies::list_policy_tags;
    attach_role_policy: write attachments::attach_role_policy;
    detach_role_policy: write attachments::detach_role_policy;
    list_attached_role_policies: read attachments::list_attached_role_policies;
    list_entities_for_policy: read attachments::list_entities_for_policy;
    create_user: write users::create_user, now;
    get_user: read users::get_user;
    list_users: read users::list_users;
    update_user: write users::update_user;
    delete_user: write users::delete_user;
    put_user_permissions_boundary: write users::put_user_permissions_boundary;
    delete_user_permissions_boundary: write users::delete_user_permissions_boundary;
    tag_user: write users::tag_user;
    untag_user: write users::untag_user;
    list_user_tags: read users::list_user_tags;
    create_access_key: write users::create_access_key, now;
    list_access_keys: read users::list_access_keys;
    update_access_key: write users::update_access_key;
    delete_access_key: write users::delete_access_key;
    put_user_policy: write user_policies::put_user_policy;
    get_user_policy: read user_policies::get_user_policy;
    delete_user_policy: write user_policies::delete_user_policy;
    list_user_policies: read user_policies::list_user_policies;
    attach_user_policy: write user_policies::attach_user_policy;
    detach_user_policy: write user_policies::detach_user_policy;
    list_attached_user_policies: read user_policies::list_attached_user_policies;
}
