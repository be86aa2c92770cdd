//! What every service is constructed with.

use std::path::{Path, PathBuf};
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
    /// The directory nimbus was started in, absolute: a relative path that reaches a service
    /// at run time (a hot-reload code directory) is resolved against it, never against
    /// whatever directory a child process happens to run in.
    pub work_dir: PathBuf,
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
            work_dir: start_dir(),
        }
    }

    /// `path` made absolute against [`ServiceEnv::work_dir`] (unchanged if already absolute).
    pub fn resolve_path(&self, path: &Path) -> PathBuf {
        resolve_against(&self.work_dir, path)
    }
}

/// The current directory, absolute; `/` if it cannot be read (it was deleted).
pub fn start_dir() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"))
}

/// `path` joined onto `base` when relative, with `.` components removed (`..` is kept: the
/// file system decides what it means).
pub fn resolve_against(base: &Path, path: &Path) -> PathBuf {
    use std::path::Component;
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    };
    joined
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_resolve_against_the_start_directory() {
        let base = Path::new("/home/u/lab");
        assert_eq!(
            resolve_against(base, Path::new("./.nimbus")),
            PathBuf::from("/home/u/lab/.nimbus")
        );
        assert_eq!(
            resolve_against(base, Path::new("dp")),
            PathBuf::from("/home/u/lab/dp")
        );
        assert_eq!(
            resolve_against(base, Path::new("../fns/./a")),
            PathBuf::from("/home/u/lab/../fns/a")
        );
        assert_eq!(
            resolve_against(base, Path::new("/abs/x")),
            PathBuf::from("/abs/x")
        );
    }
}
