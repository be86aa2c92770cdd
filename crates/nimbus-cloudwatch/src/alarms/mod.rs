//! Metric alarms: their configuration, evaluation on the sandbox clock, state history and
//! actions.
//!
//! - [`model`]: the alarm, its states, operators and missing-data treatments;
//! - [`validate`]: `PutMetricAlarm`'s input and its checks;
//! - [`evaluate`]: one evaluation, pure (datapoints → state, reason, reason data);
//! - [`expression`]: alarms on metric math (the returned expression over the range);
//! - [`scheduler`]: the clock task that evaluates every alarm each minute;
//! - [`history`]: state, configuration and action history items;
//! - [`actions`]: action ARNs and the Lambda invocation;
//! - [`store`]: SQLite, written before a change is acknowledged;
//! - [`tags`]: an alarm's tags;
//! - [`time`]: the time formats alarms write.
//!
//! [`Alarms`] is the engine the operations call. Changes are committed to the store under the
//! engine's lock, then applied in memory; actions run after, in their own tasks.

pub mod actions;
pub mod evaluate;
pub mod expression;
pub mod history;
pub mod model;
pub mod scheduler;
pub mod store;
pub mod tags;
pub mod time;
pub mod validate;

use std::collections::BTreeMap;
use std::sync::Arc;

use nimbus_core::bus::ServiceBus;
use nimbus_core::clock::SharedClock;
use nimbus_core::{ServiceEnv, ids};
use parking_lot::Mutex;

use crate::error::{CloudWatchError, Result};
use crate::metrics::{Datapoint, MetricStore, StatisticsQuery};
use history::{History, HistoryItem, HistoryItemType, HistoryQuery};
use model::{AlarmSource, AlarmState, INITIAL_REASON, MetricAlarm, StateValue, alarm_arn};
use store::AlarmStore;
use validate::PutMetricAlarmInput;

/// The most metric alarms an account may have in a region (`LimitExceeded` past it).
pub const MAX_ALARMS: usize = 10_000;

/// Where evaluations read datapoints: the metric store, or a test's table.
pub trait SeriesReader: Send + Sync {
    /// The datapoints of one metric per period, for the periods that have data.
    fn statistics(&self, query: &StatisticsQuery) -> Vec<Datapoint>;
}

impl SeriesReader for MetricStore {
    fn statistics(&self, query: &StatisticsQuery) -> Vec<Datapoint> {
        MetricStore::statistics(self, query)
    }
}

type Key = (String, String, String);

struct Inner {
    alarms: BTreeMap<Key, MetricAlarm>,
    history: History,
}

/// The alarm engine (see the module's documentation).
pub struct Alarms {
    clock: SharedClock,
    bus: Arc<ServiceBus>,
    series: Arc<dyn SeriesReader>,
    inner: Mutex<Inner>,
    store: AlarmStore,
    stop: tokio::sync::watch::Sender<bool>,
}

/// What `DescribeAlarms` filters on.
#[derive(Clone, Debug, Default)]
pub struct DescribeQuery {
    /// The account.
    pub account: String,
    /// The region.
    pub region: String,
    /// `AlarmNames`.
    pub names: Option<Vec<String>>,
    /// `AlarmNamePrefix`.
    pub prefix: Option<String>,
    /// `StateValue`.
    pub state: Option<StateValue>,
    /// `ActionPrefix`.
    pub action_prefix: Option<String>,
    /// `MaxRecords` (1–100, default 50).
    pub max_records: usize,
    /// The name the previous page ended with.
    pub after: Option<String>,
}

/// What `DescribeAlarmsForMetric` matches.
#[derive(Clone, Debug, Default)]
pub struct ForMetricQuery {
    /// `Namespace`.
    pub namespace: String,
    /// `MetricName`.
    pub metric_name: String,
    /// `Dimensions`, when given (order does not matter).
    pub dimensions: Option<Vec<(String, String)>>,
    /// `Statistic`.
    pub statistic: Option<String>,
    /// `ExtendedStatistic`.
    pub extended_statistic: Option<String>,
    /// `Period`.
    pub period: Option<u32>,
    /// `Unit`.
    pub unit: Option<String>,
}

fn not_found(name: &str) -> CloudWatchError {
    CloudWatchError {
        code: crate::error::CloudWatchErrorCode::ResourceNotFound,
        message: format!("Alarm {name} not found"),
    }
}

impl Alarms {
    /// Opens the engine: loads the stored alarms and history. The scheduler starts with
    /// [`Alarms::spawn_scheduler`].
    pub fn open(env: &ServiceEnv, series: Arc<dyn SeriesReader>) -> Result<Arc<Alarms>> {
        let (store, (alarms, mut history)) = AlarmStore::open(env)?;
        // History past retention is dropped at start too.
        let cutoff = env
            .clock
            .now_millis()
            .saturating_sub(history::RETENTION_MILLIS);
        if let Some(last_old) = history
            .iter()
            .take_while(|h| h.timestamp_millis < cutoff)
            .last()
            .map(|h| h.seq)
        {
            store.prune_history(last_old)?;
            history.retain(|h| h.seq > last_old);
        }
        let alarms = alarms
            .into_iter()
            .map(|a| {
                (
                    (a.account.clone(), a.region.clone(), a.config.name.clone()),
                    a,
                )
            })
            .collect();
        Ok(Arc::new(Alarms {
            clock: env.clock.clone(),
            bus: env.bus.clone(),
            series,
            inner: Mutex::new(Inner {
                alarms,
                history: History::from_items(history),
            }),
            store,
            stop: tokio::sync::watch::channel(false).0,
        }))
    }

    fn now(&self) -> u64 {
        self.clock.now_millis()
    }

    /// A history item for `alarm`, numbered.
    fn item(
        inner: &mut Inner,
        alarm: &MetricAlarm,
        at: u64,
        item_type: HistoryItemType,
        (summary, data): (String, String),
    ) -> HistoryItem {
        HistoryItem {
            seq: inner.history.next_seq(),
            account: alarm.account.clone(),
            region: alarm.region.clone(),
            alarm_name: alarm.config.name.clone(),
            timestamp_millis: at,
            item_type,
            summary,
            data,
        }
    }

    fn record(&self, inner: &mut Inner, items: Vec<HistoryItem>) {
        for item in items {
            if let Some(dropped) = inner.history.push(item)
                && let Err(e) = self.store.prune_history(dropped)
            {
                tracing::warn!("could not prune alarm history: {e}");
            }
        }
    }

    /// `PutMetricAlarm`: creates the alarm (`INSUFFICIENT_DATA`) or replaces its
    /// configuration (its state and tags left as they are); returns once committed, then
    /// evaluates it at once, as AWS does after a create or an update.
    pub fn put(
        self: &Arc<Self>,
        account: &str,
        region: &str,
        input: &PutMetricAlarmInput,
    ) -> Result<()> {
        let (config, tags) = validate::put_metric_alarm(input, region)?;
        let now = self.now();
        let key = (account.to_owned(), region.to_owned(), config.name.clone());
        let mut inner = self.inner.lock();
        let old = inner.alarms.get(&key).cloned();
        if old.is_none()
            && inner
                .alarms
                .keys()
                .filter(|(a, r, _)| a == account && r == region)
                .count()
                >= MAX_ALARMS
        {
            return Err(CloudWatchError {
                code: crate::error::CloudWatchErrorCode::LimitExceeded,
                message: format!("The maximum number of alarms ({MAX_ALARMS}) has been reached."),
            });
        }
        let alarm = match &old {
            Some(old) => MetricAlarm {
                config,
                config_updated_millis: now,
                ..old.clone()
            },
            None => MetricAlarm {
                account: account.to_owned(),
                region: region.to_owned(),
                arn: alarm_arn(region, account, &key.2),
                config,
                config_updated_millis: now,
                state: AlarmState {
                    value: StateValue::InsufficientData,
                    reason: INITIAL_REASON.to_owned(),
                    reason_data: None,
                    updated_millis: now,
                    transitioned_millis: now,
                },
                tags,
                metric_id: ids::uuid(),
            },
        };
        let kind = if old.is_some() { "Update" } else { "Create" };
        let item = Self::item(
            &mut inner,
            &alarm,
            now,
            HistoryItemType::ConfigurationUpdate,
            history::configuration_update(kind, old.as_ref(), &alarm),
        );
        self.store.put(Some(&alarm), std::slice::from_ref(&item))?;
        inner.alarms.insert(key, alarm.clone());
        self.record(&mut inner, vec![item]);
        drop(inner);
        self.apply_evaluation(&alarm, now);
        Ok(())
    }

    /// `DescribeAlarms`: one page of the matching alarms (by name), and the name to continue
    /// after when more follow.
    pub fn describe(&self, q: &DescribeQuery) -> (Vec<MetricAlarm>, Option<String>) {
        let inner = self.inner.lock();
        let limit = q.max_records.clamp(1, 100);
        let mut out: Vec<MetricAlarm> = inner
            .alarms
            .values()
            .filter(|a| a.account == q.account && a.region == q.region)
            .filter(|a| q.after.as_ref().is_none_or(|after| a.config.name > *after))
            .filter(|a| q.names.as_ref().is_none_or(|n| n.contains(&a.config.name)))
            .filter(|a| {
                q.prefix
                    .as_ref()
                    .is_none_or(|p| a.config.name.starts_with(p.as_str()))
            })
            .filter(|a| q.state.is_none_or(|s| a.state.value == s))
            .filter(|a| {
                q.action_prefix
                    .as_ref()
                    .is_none_or(|p| a.config.all_actions().any(|x| x.starts_with(p.as_str())))
            })
            .take(limit + 1)
            .cloned()
            .collect();
        let next = (out.len() > limit).then(|| {
            out.truncate(limit);
            out.last()
                .map(|a| a.config.name.clone())
                .unwrap_or_default()
        });
        (out, next)
    }

    /// `DescribeAlarmsForMetric`: the alarms on one metric.
    pub fn for_metric(&self, account: &str, region: &str, q: &ForMetricQuery) -> Vec<MetricAlarm> {
        let inner = self.inner.lock();
        let sorted = |d: &[(String, String)]| {
            let mut d = d.to_vec();
            d.sort();
            d
        };
        let want_dims = q.dimensions.as_deref().map(sorted);
        inner
            .alarms
            .values()
            .filter(|a| a.account == account && a.region == region)
            .filter(|a| match &a.config.source {
                AlarmSource::Metric {
                    metric,
                    statistic,
                    extended_statistic,
                    period,
                    unit,
                } => {
                    metric.namespace == q.namespace
                        && metric.metric_name == q.metric_name
                        && want_dims
                            .as_ref()
                            .is_none_or(|d| *d == sorted(&metric.dimensions))
                        && q.statistic
                            .as_ref()
                            .is_none_or(|s| Some(s) == statistic.as_ref())
                        && q.extended_statistic
                            .as_ref()
                            .is_none_or(|s| Some(s) == extended_statistic.as_ref())
                        && q.period.is_none_or(|p| p == *period)
                        && q.unit.as_ref().is_none_or(|u| Some(u) == unit.as_ref())
                }
                AlarmSource::Queries(_) => false,
            })
            .cloned()
            .collect()
    }

    /// `DeleteAlarms`: deletes the named alarms that exist (names that do not are skipped,
    /// as AWS does); returns once committed.
    pub fn delete(&self, account: &str, region: &str, names: &[String]) -> Result<()> {
        let now = self.now();
        let mut inner = self.inner.lock();
        let doomed: Vec<MetricAlarm> = names
            .iter()
            .filter_map(|n| {
                inner
                    .alarms
                    .get(&(account.to_owned(), region.to_owned(), n.clone()))
                    .cloned()
            })
            .collect();
        let items: Vec<HistoryItem> = doomed
            .iter()
            .map(|a| {
                let data = history::configuration_update("Delete", None, a);
                Self::item(
                    &mut inner,
                    a,
                    now,
                    HistoryItemType::ConfigurationUpdate,
                    data,
                )
            })
            .collect();
        self.store
            .delete(&doomed.iter().collect::<Vec<_>>(), &items)?;
        for a in &doomed {
            inner
                .alarms
                .remove(&(a.account.clone(), a.region.clone(), a.config.name.clone()));
        }
        self.record(&mut inner, items);
        Ok(())
    }

    /// `EnableAlarmActions` / `DisableAlarmActions` on the named alarms that exist.
    pub fn set_actions_enabled(
        &self,
        account: &str,
        region: &str,
        names: &[String],
        enabled: bool,
    ) -> Result<()> {
        let mut inner = self.inner.lock();
        for n in names {
            let key = (account.to_owned(), region.to_owned(), n.clone());
            let Some(mut alarm) = inner.alarms.get(&key).cloned() else {
                continue;
            };
            if alarm.config.actions_enabled == enabled {
                continue;
            }
            alarm.config.actions_enabled = enabled;
            self.store.put(Some(&alarm), &[])?;
            inner.alarms.insert(key, alarm);
        }
        Ok(())
    }

    /// `SetAlarmState`: sets the state (the next evaluation may move it back); a change of
    /// state is recorded and runs the new state's actions.
    pub fn set_state(
        self: &Arc<Self>,
        account: &str,
        region: &str,
        name: &str,
        value: StateValue,
        reason: String,
        reason_data: Option<String>,
    ) -> Result<()> {
        let key = (account.to_owned(), region.to_owned(), name.to_owned());
        let now = self.now();
        let state = AlarmState {
            value,
            reason,
            reason_data,
            updated_millis: now,
            transitioned_millis: now,
        };
        self.change_state(&key, state, now)?
            .ok_or_else(|| not_found(name))
            .map(|_| ())
    }

    /// Moves the alarm at `key` to `state` (a change of value is recorded in history, runs
    /// the actions, and keeps `StateTransitionedTimestamp`); `None` when there is no alarm.
    fn change_state(
        self: &Arc<Self>,
        key: &Key,
        mut state: AlarmState,
        now: u64,
    ) -> Result<Option<()>> {
        let mut inner = self.inner.lock();
        let Some(old) = inner.alarms.get(key).cloned() else {
            return Ok(None);
        };
        let changed = old.state.value != state.value;
        if !changed {
            state.transitioned_millis = old.state.transitioned_millis;
        }
        let mut alarm = old.clone();
        alarm.state = state;
        let items = if changed {
            let data = history::state_update(&old.state, &alarm.state);
            vec![Self::item(
                &mut inner,
                &alarm,
                now,
                HistoryItemType::StateUpdate,
                data,
            )]
        } else {
            Vec::new()
        };
        self.store.put(Some(&alarm), &items)?;
        inner.alarms.insert(key.clone(), alarm.clone());
        self.record(&mut inner, items);
        drop(inner);
        if changed && alarm.config.actions_enabled {
            for target in alarm.config.actions_for(alarm.state.value).to_vec() {
                let this = Arc::clone(self);
                let (alarm, previous) = (alarm.clone(), old.state.clone());
                tokio::spawn(async move {
                    let result = actions::run(&this.bus, &target, &alarm, &previous, now).await;
                    this.record_action(&alarm, &target, result);
                });
            }
        }
        Ok(Some(()))
    }

    fn record_action(
        &self,
        alarm: &MetricAlarm,
        target: &str,
        result: std::result::Result<(), String>,
    ) {
        let now = self.now();
        if let Err(e) = &result {
            tracing::warn!(alarm = %alarm.arn, action = target, "alarm action failed: {e}");
        }
        let mut inner = self.inner.lock();
        let data = history::action(target, now, result);
        let item = Self::item(&mut inner, alarm, now, HistoryItemType::Action, data);
        if let Err(e) = self.store.put(None, std::slice::from_ref(&item)) {
            tracing::warn!("could not record an alarm action: {e}");
        }
        self.record(&mut inner, vec![item]);
    }

    /// `DescribeAlarmHistory`: one page, and whether more follow.
    pub fn history(&self, q: &HistoryQuery) -> (Vec<HistoryItem>, bool) {
        self.inner.lock().history.query(q)
    }

    /// Stops the scheduler.
    pub fn shutdown(&self) {
        let _ = self.stop.send(true);
    }
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod engine_tests;
