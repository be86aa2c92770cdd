//! The clock task that evaluates every alarm once a minute, as CloudWatch does: at
//! [`EVALUATION_OFFSET_MILLIS`] past each minute of the sandbox clock (after the metric
//! store has sampled the minute that ended), each alarm looks at its evaluation range, the
//! periods of its own length that ended by then, and moves to the state they decide.
//! High-resolution alarms (periods of 10, 20 or 30 seconds) are evaluated every 10 seconds.
//! The task looks at the clock every 200 ms of real time (see [`POLL`]).

use std::sync::Arc;

use nimbus_core::bus::metrics::MetricUnit;

use super::Alarms;
use super::evaluate::{self, Point, Rule};
use super::model::{AlarmMetric, AlarmSource, AlarmState, MetricAlarm};
use crate::metrics::{MetricIdentity, Statistic, StatisticsQuery};

/// How long after each clock minute alarms are evaluated, ms.
pub const EVALUATION_OFFSET_MILLIS: u64 = 10_000;

const MINUTE: u64 = 60_000;
/// High-resolution alarms (periods of 10, 20 or 30 s) are evaluated every 10 s.
const HIGH_RESOLUTION_TICK: u64 = 10_000;
/// How often the task looks at the clock, in real time. It never sleeps on the clock: a
/// sleeper on the manual clock would be counted by the tests that wait for a long poll to
/// start (`ManualClock::sleepers`), as the metric store's sampler documents.
const POLL: std::time::Duration = std::time::Duration::from_millis(200);

/// The first evaluation time after `now`, for ticks every `every` ms (offset as above).
pub fn next_tick(now: u64, every: u64) -> u64 {
    let offset = EVALUATION_OFFSET_MILLIS % every;
    (now + every - offset) / every * every + offset
}

/// The last evaluation time at or before `now`.
pub fn last_tick(now: u64, every: u64) -> u64 {
    next_tick(now, every).saturating_sub(every)
}

fn statistic(name: &str) -> Statistic {
    Statistic::parse(name).unwrap_or_else(|| Statistic::Extended(name.to_owned()))
}

/// What one alarm reads: its metric, statistic, period and unit (`None` for metric math
/// whose returned value is an expression: see `expression.rs`).
fn watched(alarm: &MetricAlarm) -> Option<(&AlarmMetric, &str, u32, Option<&str>)> {
    match &alarm.config.source {
        AlarmSource::Metric {
            metric,
            statistic,
            extended_statistic,
            period,
            unit,
        } => Some((
            metric,
            statistic.as_deref().or(extended_statistic.as_deref())?,
            *period,
            unit.as_deref(),
        )),
        AlarmSource::Queries(q) => {
            let ret = q.iter().find(|q| q.return_data.unwrap_or(true))?;
            let s = ret.metric_stat.as_ref()?;
            Some((&s.metric, s.stat.as_str(), s.period, s.unit.as_deref()))
        }
    }
}

impl Alarms {
    /// Starts the task that evaluates every alarm each minute; it ends at
    /// [`Alarms::shutdown`].
    pub fn spawn_scheduler(self: &Arc<Self>) {
        let this = Arc::clone(self);
        let mut stop = self.stop.subscribe();
        tokio::spawn(async move {
            let start = this.clock.now_millis();
            let (mut last_minute, mut last_high) = (
                last_tick(start, MINUTE),
                last_tick(start, HIGH_RESOLUTION_TICK),
            );
            loop {
                tokio::select! {
                    _ = stop.wait_for(|s| *s) => return,
                    _ = tokio::time::sleep(POLL) => {}
                }
                // The clock may have jumped past several ticks (a test's manual clock): the
                // evaluation is as of the last one.
                let now = this.clock.now_millis();
                let minute = last_tick(now, MINUTE);
                if minute > last_minute {
                    last_minute = minute;
                    last_high = last_tick(now, HIGH_RESOLUTION_TICK);
                    this.evaluate_due(minute, true);
                } else if this.any_high_resolution() {
                    let high = last_tick(now, HIGH_RESOLUTION_TICK);
                    if high > last_high {
                        last_high = high;
                        this.evaluate_due(high, false);
                    }
                }
            }
        });
    }

    fn any_high_resolution(&self) -> bool {
        self.inner
            .lock()
            .alarms
            .values()
            .any(|a| a.config.period() < 60)
    }

    /// Evaluates every alarm as of `now_millis` and applies the state changes.
    pub fn evaluate_all(self: &Arc<Self>, now_millis: u64) {
        self.evaluate_due(now_millis, true);
    }

    /// Evaluates the high-resolution alarms, and the others too on a minute's tick, as of
    /// `now_millis`, and applies the state changes.
    fn evaluate_due(self: &Arc<Self>, now_millis: u64, minute: bool) {
        let alarms: Vec<MetricAlarm> = self
            .inner
            .lock()
            .alarms
            .values()
            .filter(|a| minute || a.config.period() < 60)
            .cloned()
            .collect();
        for alarm in alarms {
            self.apply_evaluation(&alarm, now_millis);
        }
    }

    /// Evaluates `alarm` as of `now_millis` and moves it to the state decided, if another.
    pub(super) fn apply_evaluation(self: &Arc<Self>, alarm: &MetricAlarm, now_millis: u64) {
        let Some(outcome) = self.evaluate_one(alarm, now_millis) else {
            return;
        };
        if outcome.state == alarm.state.value {
            return;
        }
        let key = (
            alarm.account.clone(),
            alarm.region.clone(),
            alarm.config.name.clone(),
        );
        let state = AlarmState {
            value: outcome.state,
            reason: outcome.reason,
            reason_data: Some(outcome.reason_data),
            updated_millis: now_millis,
            transitioned_millis: now_millis,
        };
        if let Err(e) = self.change_state(&key, state, now_millis) {
            tracing::warn!(alarm = %alarm.arn, "could not store the alarm's new state: {e}");
        }
    }

    /// The state `alarm`'s evaluation range decides at `now_millis`; `None` to keep it.
    pub fn evaluate_one(&self, alarm: &MetricAlarm, now_millis: u64) -> Option<evaluate::Outcome> {
        let c = &alarm.config;
        let watched = watched(alarm);
        let (period, unit) = match &watched {
            Some((_, _, period, unit)) => (*period, *unit),
            None => (c.period(), None),
        };
        let period_ms = u64::from(period) * 1000;
        let end = now_millis / period_ms * period_ms;
        let range = u64::from(evaluate::evaluation_range(c.evaluation_periods));
        let start = end.saturating_sub(range * period_ms);
        let points = match watched {
            Some((metric, stat, _, _)) => {
                self.stat_points(alarm, metric, stat, period, unit, start, range)
            }
            None => super::expression::points(self, alarm, period, start, range)?,
        };
        let min_samples = match (&c.source, c.evaluate_low_sample_count_percentile.as_deref()) {
            (
                AlarmSource::Metric {
                    extended_statistic: Some(e),
                    ..
                },
                Some("ignore"),
            ) => evaluate::min_samples_for(e),
            _ => None,
        };
        let rule = Rule {
            operator: c.comparison_operator,
            threshold: c.threshold?,
            evaluation_periods: c.evaluation_periods,
            datapoints_to_alarm: c.datapoints_to_alarm(),
            treat_missing: c.treat_missing(),
            statistic: c.statistic_name(),
            period,
            unit,
            min_samples,
        };
        evaluate::evaluate(&rule, &points, alarm.state.value, now_millis)
    }

    /// The evaluation range of one metric's statistic: `range` periods from `start`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn stat_points(
        &self,
        alarm: &MetricAlarm,
        metric: &AlarmMetric,
        stat: &str,
        period: u32,
        unit: Option<&str>,
        start: u64,
        range: u64,
    ) -> Vec<Point> {
        let period_ms = u64::from(period) * 1000;
        let mut dimensions = metric.dimensions.clone();
        dimensions.sort();
        let wanted = statistic(stat);
        let query = StatisticsQuery {
            account: alarm.account.clone(),
            region: alarm.region.clone(),
            metric: MetricIdentity {
                namespace: metric.namespace.clone(),
                metric_name: metric.metric_name.clone(),
                dimensions,
            },
            start_millis: start,
            end_millis: start + range * period_ms,
            period_secs: period,
            statistics: vec![wanted.clone(), Statistic::SampleCount],
            unit: unit.and_then(MetricUnit::parse),
        };
        let data = self.series.statistics(&query);
        (0..range)
            .map(|i| {
                let ts = start + i * period_ms;
                let d = data.iter().find(|d| d.timestamp_millis == ts);
                let get = |s: &Statistic| {
                    d.and_then(|d| d.values.iter().find(|(k, _)| k == s).map(|(_, v)| *v))
                };
                Point {
                    timestamp_millis: ts,
                    value: get(&wanted),
                    sample_count: get(&Statistic::SampleCount).unwrap_or(0.0),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks() {
        assert_eq!(next_tick(0, MINUTE), 10_000);
        assert_eq!(next_tick(10_000, MINUTE), 70_000);
        assert_eq!(next_tick(69_999, MINUTE), 70_000);
        assert_eq!(last_tick(69_999, MINUTE), 10_000);
        assert_eq!(last_tick(70_000, MINUTE), 70_000);
        assert_eq!(next_tick(70_000, HIGH_RESOLUTION_TICK), 80_000);
        assert_eq!(last_tick(75_000, HIGH_RESOLUTION_TICK), 70_000);
    }
}
