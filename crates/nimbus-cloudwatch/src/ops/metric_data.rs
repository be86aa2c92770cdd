//! GetMetricData: `MetricStat` queries answered by the metric store, metric math
//! ([`super::math`]) evaluated over them, `ScanBy`, `MaxDatapoints` paging and labels.

use std::collections::HashMap;

use nimbus_wire::Response;
use nimbus_wire::query::ser::Timestamp;
use serde::{Deserialize, Serialize};

use super::math::{self, Scope, Series, Value};
use super::validate::{self, DimensionIn, invalid, required};
use super::{Call, authorize, parse, respond};
use crate::CloudWatchService;
use crate::error::{CloudWatchError, CloudWatchErrorCode, Result};
use crate::metrics::{MetricIdentity, StatisticsQuery};

/// Most queries in one `GetMetricData`.
const MAX_QUERIES: usize = 500;
/// `GetMetricData`'s default and largest `MaxDatapoints`.
const MAX_DATA_POINTS: usize = 100_800;

/// A `Metric` (namespace, name, dimensions).
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct MetricIn {
    namespace: Option<String>,
    metric_name: Option<String>,
    dimensions: Option<Vec<DimensionIn>>,
}

/// A `MetricStat`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct MetricStatIn {
    metric: Option<MetricIn>,
    period: Option<i64>,
    stat: Option<String>,
    unit: Option<String>,
}

/// A `MetricDataQuery`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct QueryIn {
    id: Option<String>,
    metric_stat: Option<MetricStatIn>,
    expression: Option<String>,
    label: Option<String>,
    return_data: Option<bool>,
    period: Option<i64>,
}

/// `LabelOptions`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct LabelOptionsIn {
    timezone: Option<String>,
}

/// GetMetricData input.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct GetMetricDataInput {
    metric_data_queries: Option<Vec<QueryIn>>,
    start_time: Option<Timestamp>,
    end_time: Option<Timestamp>,
    next_token: Option<String>,
    scan_by: Option<String>,
    max_datapoints: Option<i64>,
    label_options: Option<LabelOptionsIn>,
}

/// A `MetricDataResult`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ResultOut {
    id: String,
    label: String,
    timestamps: Vec<Timestamp>,
    values: Vec<f64>,
    status_code: &'static str,
    messages: Vec<MessageOut>,
}

/// A `MessageData`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct MessageOut {
    code: String,
    value: String,
}

/// GetMetricData output.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GetMetricDataOutput {
    metric_data_results: Vec<ResultOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
    messages: Vec<MessageOut>,
}

/// A query, checked: what it asks for.
enum Ask {
    Stat(StatisticsQuery),
    Expression(String),
}

/// A `ValidationError` with `message`.
fn validation(message: String) -> CloudWatchError {
    CloudWatchError::new(CloudWatchErrorCode::ValidationError, message)
}

/// Whether `id` is a query id: a lowercase letter, then letters, digits and underscores.
fn is_query_id(id: &str) -> bool {
    let mut c = id.chars();
    c.next().is_some_and(|f| f.is_ascii_lowercase())
        && c.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && id.len() <= 255
}

/// GetMetricData.
pub async fn get_metric_data(svc: &CloudWatchService, call: &mut Call) -> Result<Response> {
    let input: GetMetricDataInput = parse(call)?;
    authorize(call, "*")?;
    let queries = match &input.metric_data_queries {
        Some(q) if !q.is_empty() => q,
        _ => return Err(CloudWatchError::missing_parameter("MetricDataQueries")),
    };
    validate::size("MetricDataQueries", queries, MAX_QUERIES)?;
    let start = required(&input.start_time, "StartTime")?.0;
    let end = required(&input.end_time, "EndTime")?.0;
    validate::time_range(start, end)?;
    let descending = match input.scan_by.as_deref() {
        None | Some("TimestampDescending") => true,
        Some("TimestampAscending") => false,
        Some(other) => return Err(invalid("ScanBy", other)),
    };
    let max_points = match input.max_datapoints {
        None => MAX_DATA_POINTS,
        Some(n) if n > 0 => usize::try_from(n)
            .unwrap_or(MAX_DATA_POINTS)
            .min(MAX_DATA_POINTS),
        Some(n) => return Err(invalid("MaxDatapoints", n)),
    };
    if let Some(tz) = input
        .label_options
        .as_ref()
        .and_then(|l| l.timezone.as_deref())
    {
        let ok = tz.len() == 5
            && matches!(&tz[..1], "+" | "-")
            && tz[1..].chars().all(|c| c.is_ascii_digit());
        if !ok {
            return Err(invalid("LabelOptions.Timezone", tz));
        }
    }
    let offset = validate::next_token(input.next_token.as_deref(), "GetMetricData")?;
    let mut asks: Vec<(String, String, bool, Ask)> = Vec::with_capacity(queries.len());
    for (i, q) in queries.iter().enumerate() {
        let at = format!("MetricDataQueries.member.{}", i + 1);
        let id = required(&q.id, &format!("{at}.Id"))?;
        if !is_query_id(id) {
            return Err(validation(format!(
                "The value {id} for parameter {at}.Id is invalid: an Id starts with a lowercase letter and holds only letters, digits and underscores."
            )));
        }
        if asks.iter().any(|(other, ..)| other == id) {
            return Err(validation(
                "The values for parameter Id in MetricDataQueries are not unique.".into(),
            ));
        }
        let ask = match (&q.metric_stat, &q.expression) {
            (Some(stat), None) => Ask::Stat(metric_stat(&at, stat, call, start, end)?),
            (None, Some(expr)) => {
                validate::length(&format!("{at}.Expression"), expr, 1, 2048)?;
                if math::is_insights_query(expr) {
                    return Err(validation(format!(
                        "nimbus does not run Metrics Insights queries (SELECT …) in {at}.Expression: use a MetricStat or metric math."
                    )));
                }
                if let Some(p) = q.period {
                    validate::period(&format!("{at}.Period"), p)?;
                }
                Ask::Expression(expr.clone())
            }
            _ => {
                return Err(validation(format!(
                    "Exactly one of {at}.MetricStat and {at}.Expression must be specified."
                )));
            }
        };
        let label = q.label.clone().unwrap_or_else(|| match &ask {
            Ask::Stat(s) => s.metric.metric_name.clone(),
            Ask::Expression(_) => id.clone(),
        });
        asks.push((id.clone(), label, q.return_data.unwrap_or(true), ask));
    }
    let mut scope = Evaluation {
        svc,
        asks: &asks,
        done: HashMap::new(),
        visiting: Vec::new(),
    };
    let mut results: Vec<(String, String, Series)> = Vec::new();
    for (id, label, return_data, _) in &asks {
        let series = scope.series(id).map_err(validation)?;
        if *return_data {
            results.push((id.clone(), label.clone(), series));
        }
    }
    // Pages cut the results' points, in order, into runs of `max_points`.
    let mut seen = 0usize;
    let page_end = offset.saturating_add(max_points);
    let mut more = false;
    let metric_data_results = results
        .into_iter()
        .map(|(id, label, series)| {
            let mut points: Vec<(u64, f64)> = series.into_iter().collect();
            if descending {
                points.reverse();
            }
            let from = offset.saturating_sub(seen).min(points.len());
            let to = page_end.saturating_sub(seen).min(points.len());
            seen += points.len();
            let page = &points[from..to.max(from)];
            let partial = to < points.len();
            more |= partial;
            ResultOut {
                id,
                label,
                timestamps: page.iter().map(|(t, _)| Timestamp(*t)).collect(),
                values: page.iter().map(|(_, v)| *v).collect(),
                status_code: if partial { "PartialData" } else { "Complete" },
                messages: Vec::new(),
            }
        })
        .collect();
    let out = GetMetricDataOutput {
        metric_data_results,
        next_token: more.then(|| validate::token_for("GetMetricData", page_end)),
        messages: Vec::new(),
    };
    Ok(respond(call, &out))
}

/// A `MetricStat`, checked, as the store's query.
fn metric_stat(
    at: &str,
    stat: &MetricStatIn,
    call: &Call,
    start: u64,
    end: u64,
) -> Result<StatisticsQuery> {
    let metric = required(&stat.metric, &format!("{at}.MetricStat.Metric"))?;
    let m = format!("{at}.MetricStat.Metric");
    let namespace = required(&metric.namespace, &format!("{m}.Namespace"))?;
    validate::namespace(&format!("{m}.Namespace"), namespace, false)?;
    let metric_name = required(&metric.metric_name, &format!("{m}.MetricName"))?;
    validate::metric_name(&format!("{m}.MetricName"), metric_name)?;
    let dimensions = validate::dimensions(
        &format!("{m}.Dimensions"),
        metric.dimensions.as_deref().unwrap_or_default(),
    )?;
    let period = validate::period(
        &format!("{at}.MetricStat.Period"),
        *required(&stat.period, &format!("{at}.MetricStat.Period"))?,
    )?;
    let s = required(&stat.stat, &format!("{at}.MetricStat.Stat"))?;
    let statistic = validate::statistic(&format!("{at}.MetricStat.Stat"), s)?;
    let unit = validate::unit(&format!("{at}.MetricStat.Unit"), stat.unit.as_deref())?;
    Ok(StatisticsQuery {
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
        statistics: vec![statistic],
        unit,
    })
}

/// The queries of one `GetMetricData`, evaluated once each, expressions after what they
/// name.
struct Evaluation<'a> {
    svc: &'a CloudWatchService,
    asks: &'a [(String, String, bool, Ask)],
    done: HashMap<String, Series>,
    visiting: Vec<String>,
}

impl Evaluation<'_> {
    /// Every period start the request's `MetricStat` series have, for a constant result.
    fn grid(&mut self) -> Vec<u64> {
        let mut all: Vec<u64> = self
            .metrics("")
            .into_iter()
            .flat_map(|s| s.into_keys())
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

impl Scope for Evaluation<'_> {
    fn series(&mut self, id: &str) -> std::result::Result<Series, String> {
        if let Some(s) = self.done.get(id) {
            return Ok(s.clone());
        }
        let Some((_, _, _, ask)) = self.asks.iter().find(|(i, ..)| i == id) else {
            return Err(format!("Unknown Id {id} in an expression"));
        };
        if self.visiting.iter().any(|v| v == id) {
            return Err(format!(
                "The expressions refer to each other in a cycle through {id}"
            ));
        }
        let series = match ask {
            Ask::Stat(q) => {
                let mut s = Series::new();
                for d in self.svc.store().statistics(q) {
                    if let Some((_, v)) = d.values.first() {
                        s.entry(d.timestamp_millis).or_insert(*v);
                    }
                }
                s
            }
            Ask::Expression(expr) => {
                self.visiting.push(id.to_owned());
                let v = math::evaluate(expr, self)
                    .map_err(|e| format!("Error in expression {id}: {e}"));
                self.visiting.pop();
                match v? {
                    Value::Series(s) => s,
                    Value::Scalar(x) => self.grid().into_iter().map(|t| (t, x)).collect(),
                    Value::Array(_) => {
                        return Err(format!(
                            "Error in expression {id}: it returns several time series; nimbus needs one per expression (use SUM, AVG, MIN or MAX)"
                        ));
                    }
                }
            }
        };
        self.done.insert(id.to_owned(), series.clone());
        Ok(series)
    }

    fn metrics(&mut self, filter: &str) -> Vec<Series> {
        let ids: Vec<String> = self
            .asks
            .iter()
            .filter(|(id, _, _, ask)| matches!(ask, Ask::Stat(_)) && id.contains(filter))
            .map(|(id, ..)| id.clone())
            .collect();
        ids.iter().filter_map(|id| self.series(id).ok()).collect()
    }
}
