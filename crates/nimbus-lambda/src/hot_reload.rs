//! Hot reload: functions whose code is a local directory (`S3Bucket=hot-reload`,
//! `S3Key=/abs/path`) are watched with `notify`; any change in the directory retires the
//! function's warm environments, so the next invocation starts on the new code.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Weak};

use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use parking_lot::Mutex;

use crate::model::FunctionKey;
use crate::runtime::Executor;

/// The watches, one per hot-reload function.
pub struct HotReload {
    executor: Weak<Executor>,
    watches: Mutex<HashMap<FunctionKey, RecommendedWatcher>>,
}

impl HotReload {
    /// Watches that retire environments of `executor`.
    pub fn new(executor: &Arc<Executor>) -> HotReload {
        HotReload {
            executor: Arc::downgrade(executor),
            watches: Mutex::new(HashMap::new()),
        }
    }

    /// Watches `dir` for `key` (replacing an earlier watch).
    pub fn watch(&self, key: &FunctionKey, dir: &Path) {
        let executor = self.executor.clone();
        let k = key.clone();
        let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            let relevant = match &event {
                Ok(e) => !matches!(e.kind, notify::EventKind::Access(_)),
                Err(_) => true,
            };
            if relevant && let Some(ex) = executor.upgrade() {
                tracing::debug!(function = %k.name, "code changed; retiring warm environments");
                ex.invalidate(&k);
            }
        });
        match watcher {
            Ok(mut w) => match w.watch(dir, RecursiveMode::Recursive) {
                Ok(()) => {
                    self.watches.lock().insert(key.clone(), w);
                }
                Err(e) => {
                    tracing::warn!(function = %key.name, "cannot watch {}: {e}", dir.display())
                }
            },
            Err(e) => tracing::warn!(function = %key.name, "cannot watch {}: {e}", dir.display()),
        }
    }

    /// Stops watching for `key`.
    pub fn unwatch(&self, key: &FunctionKey) {
        self.watches.lock().remove(key);
    }
}
