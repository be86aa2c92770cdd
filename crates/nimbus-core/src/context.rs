//! What the gateway knows about a request before a service sees it.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use crate::AccountId;
use crate::access::{self, Caller, Denied, RequestFacts, Resource};

/// Attached by the gateway to every request it hands to a service.
#[derive(Clone, Debug)]
pub struct RequestContext {
    /// The id echoed in `x-amzn-RequestId` / `x-amz-request-id` and in error bodies.
    pub request_id: String,
    /// The caller's account: the default one, the one a 12-digit access key selects, or the
    /// one its configured credentials belong to.
    pub account: AccountId,
    /// The region from the signature's credential scope, else the configured one.
    pub region: String,
    /// The access key id the request was signed with, if it was signed.
    pub access_key: Option<String>,
    /// The `Host` the client used (`localhost:4566`), for URLs the response hands back.
    pub host: String,
    /// The peer's address.
    pub source_ip: IpAddr,
    /// Who the request acts as: the account's root user, an IAM user, a role session or
    /// (S3's unsigned requests under `--auth strict`) nobody.
    pub caller: Arc<Caller>,
    /// When the gateway received the request, ms since the epoch on the sandbox's clock
    /// (`aws:CurrentTime` in policy conditions).
    pub received_millis: u64,
}

impl RequestContext {
    /// A context for calls that do not come from a client (internal deliveries, tests).
    pub fn internal(account: AccountId, region: &str) -> RequestContext {
        RequestContext {
            request_id: crate::ids::request_id(),
            region: region.to_owned(),
            access_key: None,
            host: "localhost".into(),
            source_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            caller: Arc::new(Caller::root(account.as_str())),
            account,
            received_millis: 0,
        }
    }

    /// Whether this request's caller may perform `action` on `resource` (see
    /// [`access::authorize`]); `keys` adds the service's own condition keys.
    pub fn authorize(
        &self,
        action: &str,
        resource: Resource<'_>,
        keys: impl FnOnce(&mut nimbus_policy::ContextBuilder<'_>),
    ) -> Result<(), Denied> {
        let facts = RequestFacts {
            source_ip: Some(self.source_ip),
            region: &self.region,
            now_millis: self.received_millis,
        };
        access::authorize(&self.caller, &facts, action, resource, keys)
    }
}
