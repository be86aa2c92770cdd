//! What every service is constructed with.

use std::sync::Arc;

use crate::bus::ServiceBus;
use crate::{AccountId, SharedClock, StorageConfig};

/// The environment a service runs in, handed to its constructor by the `nimbus` crate.
#[derive(Clone)]
pub struct ServiceEnv {
    /// The clock every timed behaviour uses.
    pub clock: SharedClock,
    /// Where and how durably to store state.
    pub storage: StorageConfig,
    /// How to reach the other services.
    pub bus: Arc<ServiceBus>,
    /// The configured region (requests may name another in their signature).
    pub region: String,
    /// The account used when a request does not select one.
    pub default_account: AccountId,
    /// Whether `--auth strict` is on (services that check resource policies need it).
    pub strict_auth: bool,
}

impl ServiceEnv {
    /// An in-memory environment on the system clock, for unit tests.
    pub fn in_memory() -> ServiceEnv {
        ServiceEnv {
            clock: crate::SystemClock::shared(),
            storage: StorageConfig::in_memory(),
            bus: ServiceBus::new(),
            region: crate::DEFAULT_REGION.into(),
            default_account: AccountId::default(),
            strict_auth: false,
        }
    }
}
