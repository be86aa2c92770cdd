//! PutMetricData, GetMetricStatistics and ListMetrics (GetMetricData is in
//! [`super::metric_data`]): each input validated as CloudWatch validates it, then the metric
//! store.

use std::collections::BTreeMap;

use nimbus_core::bus::metrics::MetricUnit;
use nimbus_wire::Response;
use nimbus_wire::query::ser::Timestamp;
use serde::{Deserialize, Serialize};

use super::validate::{self, DimensionIn, invalid, required};
use super::{Call, authorize, parse, respond, respond_empty};
use crate::CloudWatchService;
use crate::error::{CloudWatchError, Result};
use crate::metrics::{
    ListFilter, MetricIdentity, PutDatum, Statistic, StatisticSet, StatisticsQuery,
};

/// Most datums one `PutMetricData` carries.
const MAX_DATUMS: usize = 1000;
/// Most `Values` (and `Counts`) one datum carries.
const MAX_VALUES: usize = 150;
/// How far in the past a datum's timestamp may be: two weeks.
const MAX_PAST_MILLIS: u64 = 14 * 24 * 3600 * 1000;
/// How far in the future: two hours.
const MAX_FUTURE_MILLIS: u64 = 2 * 3600 * 1000;
/// Most datapoints `GetMetricStatistics` returns.
const MAX_STATISTICS_POINTS: u64 = 1440;
/// Metrics per `ListMetrics` page.
const LIST_PAGE: usize = 500;

/// A `MetricDatum` of `PutMetricData`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct DatumIn {
    metric_name: Option<String>,
    dimensions: Option<Vec<DimensionIn>>,
    timestamp: Option<Timestamp>,
    value: Option<f64>,
    statistic_values: Option<StatisticSetIn>,
    values: Option<Vec<f64>>,
    counts: Option<Vec<f64>>,
    unit: Option<String>,
    storage_resolution: Option<i64>,
}

/// `StatisticValues`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct StatisticSetIn {
    sample_count: Option<f64>,
    sum: Option<f64>,
    minimum: Option<f64>,
    maximum: Option<f64>,
}

/// PutMetricData input.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct PutMetricDataInput {
    namespace: Option<String>,
    metric_data: Option<Vec<DatumIn>>,
}

/// PutMetricData.
pub async fn put_metric_data(svc: &CloudWatchService, call: &mut Call) -> Result<Response> {
    let input: PutMetricDataInput = parse(call)?;
    authorize(call, "*")?;
    let namespace = required(&input.namespace, "Namespace")?;
    validate::namespace("Namespace", namespace, true)?;
    let data = match &input.metric_data {
        Some(d) if !d.is_empty() => d,
        _ => return Err(CloudWatchError::missing_parameter("MetricData")),
    };
    validate::size("MetricData", data, MAX_DATUMS)?;
    let now = call.ctx.received_millis;
    let datums = data
        .iter()
        .enumerate()
        .map(|(i, d)| datum(&format!("MetricData.member.{}", i + 1), d, now))
        .collect::<Result<Vec<_>>>()?;
    svc.store()
        .put(
            call.ctx.account.as_str(),
            &call.ctx.region,
            namespace,
            datums,
        )
        .await?;
    Ok(respond_empty(call))
}

/// One datum, checked.
fn datum(at: &str, d: &DatumIn, now: u64) -> Result<PutDatum> {
    let name = required(&d.metric_name, &format!("{at}.MetricName"))?;
    validate::metric_name(&format!("{at}.MetricName"), name)?;
    let dimensions = validate::dimensions(
        &format!("{at}.Dimensions"),
        d.dimensions.as_deref().unwrap_or_default(),
    )?;
    let timestamp_millis = match d.timestamp {
        None => now,
        Some(Timestamp(t)) if t + MAX_PAST_MILLIS < now => {
            return Err(CloudWatchError::invalid_parameter_value(format!(
                "The parameter {at}.Timestamp must specify a time no more than two weeks in the past."
            )));
        }
        Some(Timestamp(t)) if t > now + MAX_FUTURE_MILLIS => {
            return Err(CloudWatchError::invalid_parameter_value(format!(
                "The parameter {at}.Timestamp must specify a time no more than two hours in the future."
            )));
        }
        Some(Timestamp(t)) => t,
    };
    let given = [
        d.value.is_some().then_some("Value"),
        d.statistic_values.is_some().then_some("StatisticValues"),
        d.values.is_some().then_some("Values"),
    ];
    let given: Vec<&str> = given.into_iter().flatten().collect();
    if given.len() > 1 {
        return Err(CloudWatchError::invalid_parameter_combination(format!(
            "The parameters {at}.{} and {at}.{} are mutually exclusive and you have specified both.",
            given[0], given[1]
        )));
    }
    if d.counts.is_some() && d.values.is_none() {
        return Err(CloudWatchError::invalid_parameter_combination(format!(
            "The parameter {at}.Counts may only be specified with {at}.Values."
        )));
    }
    let mut values = Vec::new();
    let mut statistic_values = None;
    if let Some(v) = d.value {
        validate::value(&format!("{at}.Value"), v)?;
        values.push((v, 1.0));
    } else if let Some(s) = &d.statistic_values {
        let field = |v: Option<f64>, f: &str| -> Result<f64> {
            let name = format!("{at}.StatisticValues.{f}");
            let v = v.ok_or_else(|| CloudWatchError::missing_parameter(&name))?;
            validate::value(&name, v)?;
            Ok(v)
        };
        let set = StatisticSet {
            sample_count: field(s.sample_count, "SampleCount")?,
            sum: field(s.sum, "Sum")?,
            minimum: field(s.minimum, "Minimum")?,
            maximum: field(s.maximum, "Maximum")?,
        };
        if set.sample_count <= 0.0 {
            return Err(invalid(
                &format!("{at}.StatisticValues.SampleCount"),
                set.sample_count,
            ));
        }
        if set.minimum > set.maximum {
            return Err(CloudWatchError::invalid_parameter_value(format!(
                "The parameter {at}.StatisticValues.Minimum must be less than or equal to {at}.StatisticValues.Maximum."
            )));
        }
        statistic_values = Some(set);
    } else if let Some(vs) = &d.values {
        validate::size(&format!("{at}.Values"), vs, MAX_VALUES)?;
        let counts = d.counts.as_deref();
        if let Some(c) = counts
            && c.len() != vs.len()
        {
            return Err(CloudWatchError::invalid_parameter_value(format!(
                "The parameters {at}.Values and {at}.Counts must be of the same size."
            )));
        }
        for (i, v) in vs.iter().enumerate() {
            validate::value(&format!("{at}.Values.member.{}", i + 1), *v)?;
            let count = counts.map_or(1.0, |c| c[i]);
            if !count.is_finite() || count < 0.0 {
                return Err(invalid(&format!("{at}.Counts.member.{}", i + 1), count));
            }
            values.push((*v, count));
        }
    } else {
        return Err(CloudWatchError::invalid_parameter_combination(format!(
            "At least one of the parameters {at}.Value, {at}.StatisticValues or {at}.Values must be specified."
        )));
    }
    let unit =
        validate::unit(&format!("{at}.Unit"), d.unit.as_deref())?.unwrap_or(MetricUnit::None);
    let storage_resolution = match d.storage_resolution {
        None | Some(60) => 60,
        Some(1) => 1,
        Some(other) => return Err(invalid(&format!("{at}.StorageResolution"), other)),
    };
    Ok(PutDatum {
        metric_name: name.clone(),
        dimensions,
        timestamp_millis,
        values,
        statistic_values,
        unit,
        storage_resolution,
    })
}

/// GetMetricStatistics input.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct GetMetricStatisticsInput {
    namespace: Option<String>,
    metric_name: Option<String>,
    dimensions: Option<Vec<DimensionIn>>,
    start_time: Option<Timestamp>,
    end_time: Option<Timestamp>,
    period: Option<i64>,
    statistics: Option<Vec<String>>,
    extended_statistics: Option<Vec<String>>,
    unit: Option<String>,
}

/// GetMetricStatistics output.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GetMetricStatisticsOutput {
    label: String,
    datapoints: Vec<DatapointOut>,
}

/// A `Datapoint`.
#[derive(Serialize, Default)]
#[serde(rename_all = "PascalCase")]
struct DatapointOut {
    timestamp: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sample_count: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    average: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sum: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    minimum: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    maximum: Option<f64>,
    unit: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    extended_statistics: Option<BTreeMap<String, f64>>,
}

/// GetMetricStatistics.
pub async fn get_metric_statistics(svc: &CloudWatchService, call: &mut Call) -> Result<Response> {
    let input: GetMetricStatisticsInput = parse(call)?;
    authorize(call, "*")?;
    let namespace = required(&input.namespace, "Namespace")?;
    validate::namespace("Namespace", namespace, false)?;
    let metric_name = required(&input.metric_name, "MetricName")?;
    validate::metric_name("MetricName", metric_name)?;
    let dimensions = validate::dimensions(
        "Dimensions",
        input.dimensions.as_deref().unwrap_or_default(),
    )?;
    let start = required(&input.start_time, "StartTime")?.0;
    let end = required(&input.end_time, "EndTime")?.0;
    let period = validate::period("Period", *required(&input.period, "Period")?)?;
    let unit = validate::unit("Unit", input.unit.as_deref())?;
    let mut statistics = Vec::new();
    match (&input.statistics, &input.extended_statistics) {
        (Some(_), Some(_)) => {
            return Err(CloudWatchError::invalid_parameter_combination(
                "The parameters Statistics and ExtendedStatistics are mutually exclusive and you have specified both.",
            ));
        }
        (None, None) => {
            return Err(CloudWatchError::missing_parameter(
                "Statistics or ExtendedStatistics",
            ));
        }
        (Some(list), None) | (None, Some(list)) => {
            let extended = input.extended_statistics.is_some();
            let name = if extended {
                "ExtendedStatistics"
            } else {
                "Statistics"
            };
            if list.is_empty() {
                return Err(CloudWatchError::missing_parameter(name));
            }
            validate::size(name, list, if extended { 10 } else { 5 })?;
            for (i, s) in list.iter().enumerate() {
                let at = format!("{name}.member.{}", i + 1);
                let st = validate::statistic(&at, s)?;
                if extended == matches!(st, Statistic::Extended(_)) {
                    if !statistics.contains(&st) {
                        statistics.push(st);
                    }
                } else {
                    return Err(invalid(&at, s));
                }
            }
        }
    }
    validate::time_range(start, end)?;
    let points = (end - start).div_ceil(u64::from(period) * 1000);
    if points > MAX_STATISTICS_POINTS {
        return Err(CloudWatchError::invalid_parameter_combination(format!(
            "You have requested up to {points} datapoints, which exceeds the limit of {MAX_STATISTICS_POINTS}. \
             You may reduce the datapoints requested by increasing Period, or decreasing the time range."
        )));
    }
    let query = StatisticsQuery {
        account: call.ctx.account.to_string(),
        region: call.ctx.region.clone(),
        metric: MetricIdentity {
            namespace: namespace.clone(),
            metric_name: metric_name.clone(),
            dimensions,
        },
        start_millis: start,
        end_millis: end,
        period_secs: period,
        statistics,
        unit,
    };
    let datapoints = svc
        .store()
        .statistics(&query)
        .into_iter()
        .map(|d| {
            let mut out = DatapointOut {
                timestamp: Some(Timestamp(d.timestamp_millis)),
                unit: d.unit.as_str(),
                ..DatapointOut::default()
            };
            for (s, v) in d.values {
                match s {
                    Statistic::SampleCount => out.sample_count = Some(v),
                    Statistic::Average => out.average = Some(v),
                    Statistic::Sum => out.sum = Some(v),
                    Statistic::Minimum => out.minimum = Some(v),
                    Statistic::Maximum => out.maximum = Some(v),
                    Statistic::Extended(name) => {
                        out.extended_statistics
                            .get_or_insert_with(BTreeMap::new)
                            .insert(name, v);
                    }
                }
            }
            out
        })
        .collect();
    let out = GetMetricStatisticsOutput {
        label: metric_name.clone(),
        datapoints,
    };
    Ok(respond(call, &out))
}

/// ListMetrics input.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct ListMetricsInput {
    namespace: Option<String>,
    metric_name: Option<String>,
    dimensions: Option<Vec<DimensionIn>>,
    next_token: Option<String>,
    recently_active: Option<String>,
}

/// A `Metric`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct MetricOut {
    namespace: String,
    metric_name: String,
    dimensions: Vec<DimensionOut>,
}

/// A `Dimension`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DimensionOut {
    name: String,
    value: String,
}

/// ListMetrics output.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ListMetricsOutput {
    metrics: Vec<MetricOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

/// ListMetrics.
pub async fn list_metrics(svc: &CloudWatchService, call: &mut Call) -> Result<Response> {
    let input: ListMetricsInput = parse(call)?;
    authorize(call, "*")?;
    if let Some(ns) = &input.namespace {
        validate::namespace("Namespace", ns, false)?;
    }
    if let Some(name) = &input.metric_name {
        validate::metric_name("MetricName", name)?;
    }
    let filters = input.dimensions.as_deref().unwrap_or_default();
    validate::size("Dimensions", filters, 10)?;
    let mut dimensions = Vec::with_capacity(filters.len());
    for (i, d) in filters.iter().enumerate() {
        let at = format!("Dimensions.member.{}", i + 1);
        let name = required(&d.name, &format!("{at}.Name"))?;
        validate::length(&format!("{at}.Name"), name, 1, 255)?;
        if let Some(v) = &d.value {
            validate::length(&format!("{at}.Value"), v, 1, 1024)?;
        }
        dimensions.push((name.clone(), d.value.clone()));
    }
    let recently_active = match input.recently_active.as_deref() {
        None => false,
        Some("PT3H") => true,
        Some(other) => return Err(invalid("RecentlyActive", other)),
    };
    let offset = validate::next_token(input.next_token.as_deref(), "ListMetrics")?;
    let all = svc.store().list(&ListFilter {
        account: call.ctx.account.to_string(),
        region: call.ctx.region.clone(),
        namespace: input.namespace.clone(),
        metric_name: input.metric_name.clone(),
        dimensions,
        recently_active,
    });
    if offset > all.len() {
        return Err(CloudWatchError::invalid_next_token());
    }
    let end = (offset + LIST_PAGE).min(all.len());
    let metrics = all[offset..end]
        .iter()
        .map(|m| MetricOut {
            namespace: m.namespace.clone(),
            metric_name: m.metric_name.clone(),
            dimensions: m
                .dimensions
                .iter()
                .map(|(name, value)| DimensionOut {
                    name: name.clone(),
                    value: value.clone(),
                })
                .collect(),
        })
        .collect();
    let out = ListMetricsOutput {
        metrics,
        next_token: (end < all.len()).then(|| validate::token_for("ListMetrics", end)),
    };
    Ok(respond(call, &out))
}
