//! Alarms on metric math: the returned query's expression evaluated over the evaluation
//! range with `GetMetricData`'s metric math (`ops::math`: arithmetic, `SUM`/`AVG`/`MIN`/`MAX`,
//! `METRICS()`, `RATE`), each `MetricStat` of the alarm read from the metric store with the
//! alarm's period. A period the expression gives no value for is missing data.

use std::collections::BTreeMap;

use super::Alarms;
use super::evaluate::Point;
use super::model::{AlarmQuery, AlarmSource, MetricAlarm};
use crate::ops::math::{self, Scope, Series, Value};

struct AlarmScope<'a> {
    alarms: &'a Alarms,
    alarm: &'a MetricAlarm,
    queries: &'a [AlarmQuery],
    start: u64,
    range: u64,
    period: u32,
    done: BTreeMap<String, Series>,
    visiting: Vec<String>,
}

impl Scope for AlarmScope<'_> {
    fn series(&mut self, id: &str) -> Result<Series, String> {
        if let Some(s) = self.done.get(id) {
            return Ok(s.clone());
        }
        let q = self
            .queries
            .iter()
            .find(|q| q.id == id)
            .ok_or_else(|| format!("Unknown Id {id} in an expression"))?;
        if self.visiting.iter().any(|v| v == id) || self.visiting.len() > 10 {
            return Err(format!(
                "The expressions refer to each other in a cycle through {id}"
            ));
        }
        let series = match (&q.metric_stat, &q.expression) {
            (Some(stat), _) => self
                .alarms
                .stat_points(
                    self.alarm,
                    &stat.metric,
                    &stat.stat,
                    self.period,
                    stat.unit.as_deref(),
                    self.start,
                    self.range,
                )
                .into_iter()
                .filter_map(|p| Some((p.timestamp_millis, p.value?)))
                .collect(),
            (None, Some(e)) => {
                self.visiting.push(id.to_owned());
                let v = math::evaluate(e, self);
                self.visiting.pop();
                match v? {
                    Value::Series(s) => s,
                    Value::Scalar(x) => self.every_period(x),
                    Value::Array(_) => return Err(format!("{id} is not one time series")),
                }
            }
            (None, None) => Series::new(),
        };
        self.done.insert(id.to_owned(), series.clone());
        Ok(series)
    }

    fn metrics(&mut self, filter: &str) -> Vec<Series> {
        let ids: Vec<String> = self
            .queries
            .iter()
            .filter(|q| q.metric_stat.is_some() && q.id.contains(filter))
            .map(|q| q.id.clone())
            .collect();
        ids.iter().filter_map(|id| self.series(id).ok()).collect()
    }
}

impl AlarmScope<'_> {
    fn every_period(&self, x: f64) -> Series {
        let period_ms = u64::from(self.period) * 1000;
        (0..self.range)
            .map(|i| (self.start + i * period_ms, x))
            .collect()
    }
}

/// The evaluation range of a metric-math alarm whose returned query is an expression;
/// `None` when it is not one, or the expression cannot be evaluated (the alarm keeps its
/// state, and the reason is logged).
pub fn points(
    alarms: &Alarms,
    alarm: &MetricAlarm,
    period: u32,
    start: u64,
    range: u64,
) -> Option<Vec<Point>> {
    let AlarmSource::Queries(queries) = &alarm.config.source else {
        return None;
    };
    let ret = queries.iter().find(|q| q.return_data.unwrap_or(true))?;
    let expr = ret.expression.as_deref()?;
    let mut scope = AlarmScope {
        alarms,
        alarm,
        queries,
        start,
        range,
        period,
        done: BTreeMap::new(),
        visiting: vec![ret.id.clone()],
    };
    let series = match math::evaluate(expr, &mut scope) {
        Ok(Value::Series(s)) => s,
        Ok(Value::Scalar(x)) => scope.every_period(x),
        Ok(Value::Array(_)) => {
            tracing::warn!(alarm = %alarm.arn, "the alarm's expression gives several time series");
            return None;
        }
        Err(e) => {
            tracing::warn!(alarm = %alarm.arn, "the alarm's expression cannot be evaluated: {e}");
            return None;
        }
    };
    let period_ms = u64::from(period) * 1000;
    Some(
        (0..range)
            .map(|i| {
                let ts = start + i * period_ms;
                let value = series.get(&ts).copied();
                Point {
                    timestamp_millis: ts,
                    value,
                    sample_count: if value.is_some() { 1.0 } else { 0.0 },
                }
            })
            .collect(),
    )
}
