//! Running invocations per function and per account, with each clock minute's high-water
//! marks: what `ConcurrentExecutions` and `UnreservedConcurrentExecutions` report
//! ([`crate::metrics`]).

use std::collections::HashMap;

use parking_lot::Mutex;

use crate::model::FunctionKey;

/// How many run at once, now and at most since the last sample.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Level {
    now: u32,
    peak: u32,
}

impl Level {
    fn enter(&mut self) {
        self.now += 1;
        self.peak = self.peak.max(self.now);
    }

    fn leave(&mut self) {
        self.now = self.now.saturating_sub(1);
    }

    /// The peak since the last call; the next period starts at the current level.
    fn take(&mut self) -> u32 {
        std::mem::replace(&mut self.peak, self.now)
    }
}

/// Running invocations per function and per account, with each minute's high-water marks.
#[derive(Default)]
pub struct Concurrency {
    inner: Mutex<ConcurrencyState>,
}

#[derive(Default)]
struct ConcurrencyState {
    functions: HashMap<FunctionKey, Level>,
    /// Per (account, region): every invocation, and those without reserved concurrency.
    accounts: HashMap<(String, String), (Level, Level)>,
}

/// One sample of [`Concurrency`]: (function, peak), ((account, region), all, unreserved).
pub type ConcurrencySample = (Vec<(FunctionKey, u32)>, Vec<((String, String), u32, u32)>);

impl Concurrency {
    /// An invocation of `key` started (holding a concurrency slot).
    pub fn enter(&self, key: &FunctionKey, unreserved: bool) {
        let mut st = self.inner.lock();
        match st.functions.get_mut(key) {
            Some(l) => l.enter(),
            None => st.functions.entry(key.clone()).or_default().enter(),
        }
        let acct = st
            .accounts
            .entry((key.account.clone(), key.region.clone()))
            .or_default();
        acct.0.enter();
        if unreserved {
            acct.1.enter();
        }
    }

    /// An invocation of `key` ended.
    pub fn leave(&self, key: &FunctionKey, unreserved: bool) {
        let mut st = self.inner.lock();
        if let Some(l) = st.functions.get_mut(key) {
            l.leave();
        }
        if let Some(acct) = st
            .accounts
            .get_mut(&(key.account.clone(), key.region.clone()))
        {
            acct.0.leave();
            if unreserved {
                acct.1.leave();
            }
        }
    }

    /// The peaks since the last sample (only those above zero); idle entries are dropped.
    pub fn take(&self) -> ConcurrencySample {
        let mut st = self.inner.lock();
        let mut functions: Vec<(FunctionKey, u32)> = st
            .functions
            .iter_mut()
            .map(|(k, l)| (k.clone(), l.take()))
            .filter(|(_, p)| *p > 0)
            .collect();
        st.functions.retain(|_, l| l.now > 0);
        let mut accounts: Vec<((String, String), u32, u32)> = st
            .accounts
            .iter_mut()
            .map(|(k, (all, unreserved))| (k.clone(), all.take(), unreserved.take()))
            .filter(|(_, all, _)| *all > 0)
            .collect();
        st.accounts.retain(|_, (all, _)| all.now > 0);
        functions.sort();
        accounts.sort();
        (functions, accounts)
    }
}
