//! Amazon CloudWatch Logs (awsJson1_1, `Logs_20140328.*`): the reads that tooling uses on
//! Lambda's logs. DescribeLogGroups, DescribeLogStreams, GetLogEvents and FilterLogEvents are
//! served; every other operation of the API answers `InvalidOperationException` naming it.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use nimbus_wire::operations::Binding;
use nimbus_wire::{
    Auth, Bindings, BodyLimit, OpInfo, Protocol, Request, RequestBody, RequestHead, Response,
    Service, ServiceError, ServiceId, json, validation,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::LogsError;
use super::filter::FilterPattern;
use super::store::{GroupKey, LogGroup, LogStore};

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, LogsError> {
    json::parse(body).map_err(|e| LogsError::serialization(e.message))
}

/// CloudWatch Logs as the gateway sees it.
pub struct LogsService {
    store: Arc<LogStore>,
}

impl LogsService {
    /// A Logs service reading `store` (the one Lambda writes).
    pub fn new(store: Arc<LogStore>) -> Arc<LogsService> {
        Arc::new(LogsService { store })
    }
}

nimbus_wire::operations! {
    /// A CloudWatch Logs operation nimbus serves, by its `X-Amz-Target` name.
    pub enum Op for LogsService, Call, LogsError {
        DescribeLogGroups = Binding::Named => describe_log_groups,
        DescribeLogStreams = Binding::Named => describe_log_streams,
        GetLogEvents = Binding::Named => get_log_events,
        FilterLogEvents = Binding::Named => filter_log_events,
    }
}

/// A request as the Logs operations see it.
pub struct Call {
    account: String,
    region: String,
    body: Bytes,
}

async fn describe_log_groups(svc: &LogsService, c: &mut Call) -> Result<Response, LogsError> {
    let v = svc.describe_log_groups(&c.account, &c.region, parse(&c.body)?)?;
    Ok(json::ok(Protocol::AwsJson1_1, &v))
}

async fn describe_log_streams(svc: &LogsService, c: &mut Call) -> Result<Response, LogsError> {
    let v = svc.describe_log_streams(&c.account, &c.region, parse(&c.body)?)?;
    Ok(json::ok(Protocol::AwsJson1_1, &v))
}

async fn get_log_events(svc: &LogsService, c: &mut Call) -> Result<Response, LogsError> {
    let v = svc.get_log_events(&c.account, &c.region, parse(&c.body)?)?;
    Ok(json::ok(Protocol::AwsJson1_1, &v))
}

async fn filter_log_events(svc: &LogsService, c: &mut Call) -> Result<Response, LogsError> {
    let v = svc.filter_log_events(&c.account, &c.region, parse(&c.body)?)?;
    Ok(json::ok(Protocol::AwsJson1_1, &v))
}

#[async_trait]
impl Service for LogsService {
    fn id(&self) -> ServiceId {
        ServiceId::Logs
    }

    fn bindings(&self) -> Bindings {
        Bindings {
            json_target: Some(("Logs_20140328", Protocol::AwsJson1_1)),
            ..Bindings::new(Protocol::AwsJson1_1)
        }
    }

    fn body_limit(&self) -> BodyLimit {
        BODY_LIMIT
    }

    fn classify(&self, head: &RequestHead<'_>) -> Result<OpInfo, ServiceError> {
        let name = head.operation.unwrap_or("");
        let op = Op::from_name(name).ok_or_else(|| LogsError::invalid_operation(format!(
            "The operation {name} is not supported by nimbus: CloudWatch Logs serves DescribeLogGroups, DescribeLogStreams, GetLogEvents and FilterLogEvents on Lambda's logs."
        )))?;
        Ok(op.info(Auth::Signed, BODY_LIMIT))
    }

    async fn call(&self, info: OpInfo, req: Request) -> Result<Response, ServiceError> {
        let op = Op::from_index(info.index)
            .ok_or_else(|| ServiceError::internal(format!("no Logs operation {}", info.name)))?;
        let mut call = Call {
            account: req.ctx.account.to_string(),
            region: req.ctx.region,
            body: match req.body {
                RequestBody::Full(b) => b,
                RequestBody::Stream(_) => Bytes::new(),
            },
        };
        Ok(op.call(self, &mut call).await?)
    }
}

/// Requests are buffered up to 2 MiB.
const BODY_LIMIT: BodyLimit = BodyLimit::Buffer(2 * 1024 * 1024);

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct DescribeLogGroupsInput {
    log_group_name_prefix: Option<String>,
    log_group_name_pattern: Option<String>,
    log_group_identifiers: Option<Vec<String>>,
    next_token: Option<String>,
    limit: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct DescribeLogStreamsInput {
    log_group_name: Option<String>,
    log_group_identifier: Option<String>,
    log_stream_name_prefix: Option<String>,
    order_by: Option<String>,
    descending: Option<bool>,
    next_token: Option<String>,
    limit: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct GetLogEventsInput {
    log_group_name: Option<String>,
    log_group_identifier: Option<String>,
    log_stream_name: Option<String>,
    start_time: Option<i64>,
    end_time: Option<i64>,
    next_token: Option<String>,
    limit: Option<i64>,
    start_from_head: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct FilterLogEventsInput {
    log_group_name: Option<String>,
    log_group_identifier: Option<String>,
    log_stream_names: Option<Vec<String>>,
    log_stream_name_prefix: Option<String>,
    start_time: Option<i64>,
    end_time: Option<i64>,
    filter_pattern: Option<String>,
    next_token: Option<String>,
    limit: Option<i64>,
}

/// The most events one GetLogEvents or FilterLogEvents answer holds.
const MAX_EVENTS: usize = 10_000;
/// The most message bytes one answer holds (1 MB, as AWS).
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

fn group_arn(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:logs:{region}:{account}:log-group:{name}")
}

/// The group a request names, by `logGroupName` or `logGroupIdentifier` (a name or an ARN).
fn group_key(
    account: &str,
    region: &str,
    name: Option<&str>,
    identifier: Option<&str>,
) -> Result<GroupKey, LogsError> {
    match (name, identifier) {
        (Some(_), Some(_)) => Err(LogsError::invalid_parameter(
            "LogGroup name and LogGroup ARN are mutually exclusive parameters.".into(),
        )),
        (None, None) => Err(LogsError::invalid_parameter(
            "Should provide either logGroupName or logGroupIdentifier.".into(),
        )),
        (Some(n), None) => Ok((account.into(), region.into(), n.into())),
        (None, Some(id)) => {
            if let Some(rest) = id.strip_prefix("arn:") {
                let parts: Vec<&str> = rest.splitn(5, ':').collect();
                if parts.len() < 5 || parts[1] != "logs" {
                    return Err(LogsError::invalid_parameter(format!(
                        "Invalid log group identifier: {id}"
                    )));
                }
                let name = parts[4].strip_prefix("log-group:").ok_or_else(|| {
                    LogsError::invalid_parameter(format!("Invalid log group identifier: {id}"))
                })?;
                let name = name.strip_suffix(":*").unwrap_or(name);
                Ok((parts[3].into(), parts[2].into(), name.into()))
            } else {
                Ok((account.into(), region.into(), id.into()))
            }
        }
    }
}

fn no_group() -> LogsError {
    LogsError::resource_not_found("The specified log group does not exist.".into())
}

fn check_limit(limit: Option<i64>, max: i64, default: usize) -> Result<usize, LogsError> {
    match limit {
        None => Ok(default),
        Some(l) => match validation::range(l, 1, max) {
            None => Ok(l as usize),
            Some(c) => Err(LogsError::invalid_parameter(validation::message(
                "limit",
                &l.to_string(),
                &c,
            ))),
        },
    }
}

fn offset_token(token: Option<&str>) -> Result<usize, LogsError> {
    match token {
        None => Ok(0),
        Some(t) => t
            .strip_prefix("o/")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| {
                LogsError::invalid_parameter("The specified nextToken is invalid.".into())
            }),
    }
}

impl LogsService {
    fn describe_log_groups(
        &self,
        account: &str,
        region: &str,
        r: DescribeLogGroupsInput,
    ) -> Result<Value, LogsError> {
        let limit = check_limit(r.limit, 50, 50)?;
        if r.log_group_name_prefix.is_some() && r.log_group_name_pattern.is_some() {
            return Err(LogsError::invalid_parameter(
                "LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters."
                    .into(),
            ));
        }
        let start = offset_token(r.next_token.as_deref())?;
        let pattern = r.log_group_name_pattern.map(|p| p.to_lowercase());
        let wanted: Option<Vec<String>> = r.log_group_identifiers.map(|ids| {
            ids.into_iter()
                .filter_map(|id| {
                    group_key(account, region, None, Some(&id))
                        .ok()
                        .map(|k| k.2)
                })
                .collect()
        });
        let all: Vec<Value> = self.store.with_groups(|groups| {
            groups
                .iter()
                .filter(|((a, rg, _), _)| a == account && rg == region)
                .filter(|((_, _, n), _)| {
                    r.log_group_name_prefix
                        .as_deref()
                        .is_none_or(|p| n.starts_with(p))
                        && pattern
                            .as_deref()
                            .is_none_or(|p| n.to_lowercase().contains(p))
                        && wanted.as_ref().is_none_or(|w| w.contains(n))
                })
                .map(|((_, _, n), g)| group_json(account, region, n, g))
                .collect()
        });
        let page: Vec<Value> = all.iter().skip(start).take(limit).cloned().collect();
        let mut out = json!({ "logGroups": page });
        if start + limit < all.len() {
            out["nextToken"] = json!(format!("o/{}", start + limit));
        }
        Ok(out)
    }

    fn describe_log_streams(
        &self,
        account: &str,
        region: &str,
        r: DescribeLogStreamsInput,
    ) -> Result<Value, LogsError> {
        let key = group_key(
            account,
            region,
            r.log_group_name.as_deref(),
            r.log_group_identifier.as_deref(),
        )?;
        let limit = check_limit(r.limit, 50, 50)?;
        let by_time = match r.order_by.as_deref() {
            None | Some("LogStreamName") => false,
            Some("LastEventTime") => true,
            Some(o) => {
                return Err(LogsError::invalid_parameter(validation::message(
                    "orderBy",
                    o,
                    "Member must satisfy enum value set: [LogStreamName, LastEventTime]",
                )));
            }
        };
        if by_time && r.log_stream_name_prefix.is_some() {
            return Err(LogsError::invalid_parameter(
                "Cannot order by LastEventTime with a logStreamNamePrefix.".into(),
            ));
        }
        let start = offset_token(r.next_token.as_deref())?;
        let mut streams: Vec<(u64, Value)> =
            self.store.with_groups(|groups| {
                let g = groups.get(&key).ok_or_else(no_group)?;
                Ok::<_, LogsError>(
                g.streams
                    .iter()
                    .filter(|(n, _)| {
                        r.log_stream_name_prefix.as_deref().is_none_or(|p| n.starts_with(p))
                    })
                    .map(|(n, s)| {
                        let mut v = json!({
                            "logStreamName": n,
                            "creationTime": s.creation_time,
                            "arn": format!("{}:log-stream:{n}", group_arn(&key.1, &key.0, &key.2)),
                            "storedBytes": 0,
                        });
                        if let Some(t) = s.first_event {
                            v["firstEventTimestamp"] = json!(t);
                        }
                        if let Some(t) = s.last_event {
                            v["lastEventTimestamp"] = json!(t);
                        }
                        if let Some(t) = s.last_ingestion {
                            v["lastIngestionTime"] = json!(t);
                        }
                        (s.last_event.unwrap_or(s.creation_time), v)
                    })
                    .collect(),
            )
            })?;
        if by_time {
            streams.sort_by_key(|(t, _)| *t);
        }
        if r.descending.unwrap_or(false) {
            streams.reverse();
        }
        let total = streams.len();
        let page: Vec<Value> = streams
            .into_iter()
            .skip(start)
            .take(limit)
            .map(|(_, v)| v)
            .collect();
        let mut out = json!({ "logStreams": page });
        if start + limit < total {
            out["nextToken"] = json!(format!("o/{}", start + limit));
        }
        Ok(out)
    }

    fn get_log_events(
        &self,
        account: &str,
        region: &str,
        r: GetLogEventsInput,
    ) -> Result<Value, LogsError> {
        let key = group_key(
            account,
            region,
            r.log_group_name.as_deref(),
            r.log_group_identifier.as_deref(),
        )?;
        let stream = r
            .log_stream_name
            .ok_or_else(|| LogsError::invalid_parameter(validation::missing("logStreamName")))?;
        let limit = check_limit(r.limit, MAX_EVENTS as i64, MAX_EVENTS)?;
        enum Dir {
            Forward(u64),
            Backward(u64),
        }
        let token = match r.next_token.as_deref() {
            None => None,
            Some(t) => {
                let bad =
                    || LogsError::invalid_parameter("The specified nextToken is invalid.".into());
                let (d, n) = t.split_once('/').ok_or_else(bad)?;
                let n: u64 = n.parse().map_err(|_| bad())?;
                Some(match d {
                    "f" => Dir::Forward(n),
                    "b" => Dir::Backward(n),
                    _ => return Err(bad()),
                })
            }
        };
        let start_time = r.start_time.map(|t| t.max(0) as u64);
        let end_time = r.end_time.map(|t| t.max(0) as u64);
        self.store.with_groups(|groups| {
            let g = groups.get(&key).ok_or_else(no_group)?;
            let s = g.streams.get(&stream).ok_or_else(|| {
                LogsError::resource_not_found("The specified log stream does not exist.".into())
            })?;
            let in_range = |e: &&super::store::LogEvent| {
                start_time.is_none_or(|t| e.timestamp >= t) && end_time.is_none_or(|t| e.timestamp <= t)
            };
            let from_head = r.start_from_head.unwrap_or(false);
            let selected: Vec<&super::store::LogEvent> = match token {
                Some(Dir::Forward(after)) => take_bytes(s.events.iter().filter(|e| e.seq > after).filter(in_range), limit),
                Some(Dir::Backward(before)) => {
                    let mut v = take_bytes(s.events.iter().rev().filter(|e| e.seq < before).filter(in_range), limit);
                    v.reverse();
                    v
                }
                None if from_head => take_bytes(s.events.iter().filter(in_range), limit),
                None => {
                    let mut v = take_bytes(s.events.iter().rev().filter(in_range), limit);
                    v.reverse();
                    v
                }
            };
            let events: Vec<Value> = selected
                .iter()
                .map(|e| json!({ "timestamp": e.timestamp, "message": e.message, "ingestionTime": e.ingestion_time }))
                .collect();
            let (fwd, back) = match (selected.first(), selected.last(), &token) {
                (Some(first), Some(last), _) => (last.seq, first.seq),
                (_, _, Some(Dir::Forward(n))) => (*n, *n + 1),
                (_, _, Some(Dir::Backward(n))) => (n.saturating_sub(1), *n),
                (_, _, None) => {
                    let last = s.events.back().map_or(0, |e| e.seq);
                    (last, last + 1)
                }
            };
            Ok(json!({
                "events": events,
                "nextForwardToken": format!("f/{fwd:0>56}"),
                "nextBackwardToken": format!("b/{back:0>56}"),
            }))
        })
    }

    fn filter_log_events(
        &self,
        account: &str,
        region: &str,
        r: FilterLogEventsInput,
    ) -> Result<Value, LogsError> {
        let key = group_key(
            account,
            region,
            r.log_group_name.as_deref(),
            r.log_group_identifier.as_deref(),
        )?;
        if r.log_stream_names.is_some() && r.log_stream_name_prefix.is_some() {
            return Err(LogsError::invalid_parameter(
                "logStreamNames and logStreamNamePrefix are mutually exclusive parameters.".into(),
            ));
        }
        let limit = check_limit(r.limit, MAX_EVENTS as i64, MAX_EVENTS)?;
        let pattern = FilterPattern::parse(r.filter_pattern.as_deref().unwrap_or(""))
            .map_err(LogsError::invalid_parameter)?;
        // The token is the (timestamp, seq) of the last event returned.
        let after: Option<(u64, u64)> = match r.next_token.as_deref() {
            None => None,
            Some(t) => Some(
                t.split_once('-')
                    .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
                    .ok_or_else(|| {
                        LogsError::invalid_parameter("The specified nextToken is invalid.".into())
                    })?,
            ),
        };
        let start_time = r.start_time.map(|t| t.max(0) as u64);
        let end_time = r.end_time.map(|t| t.max(0) as u64);
        self.store.with_groups(|groups| {
            let g = groups.get(&key).ok_or_else(no_group)?;
            let streams: Vec<(&String, &super::store::LogStream)> = g
                .streams
                .iter()
                .filter(|(n, _)| {
                    r.log_stream_names.as_ref().is_none_or(|names| names.contains(n))
                        && r.log_stream_name_prefix.as_deref().is_none_or(|p| n.starts_with(p))
                })
                .collect();
            let mut matched: Vec<(u64, u64, &String, &super::store::LogEvent)> = streams
                .iter()
                .flat_map(|(n, s)| s.events.iter().map(move |e| (e.timestamp, e.seq, *n, e)))
                .filter(|(ts, seq, _, e)| {
                    start_time.is_none_or(|t| *ts >= t)
                        && end_time.is_none_or(|t| *ts <= t)
                        && after.is_none_or(|a| (*ts, *seq) > a)
                        && pattern.matches(&e.message)
                })
                .collect();
            matched.sort_by_key(|(ts, seq, _, _)| (*ts, *seq));
            let mut bytes = 0;
            let mut events = Vec::new();
            let mut last = None;
            for (ts, seq, stream, e) in matched.iter().take(limit) {
                bytes += e.message.len() + 26;
                if bytes > MAX_RESPONSE_BYTES && !events.is_empty() {
                    break;
                }
                events.push(json!({
                    "logStreamName": stream,
                    "timestamp": ts,
                    "message": e.message,
                    "ingestionTime": e.ingestion_time,
                    "eventId": format!("{seq:0>56}"),
                }));
                last = Some((*ts, *seq));
            }
            let mut out = json!({
                "events": events,
                "searchedLogStreams": streams.iter().map(|(n, _)| json!({"logStreamName": n, "searchedCompletely": true})).collect::<Vec<_>>(),
            });
            if events.len() < matched.len()
                && let Some((ts, seq)) = last
            {
                out["nextToken"] = json!(format!("{ts}-{seq}"));
            }
            Ok(out)
        })
    }
}

fn take_bytes<'a>(
    it: impl Iterator<Item = &'a super::store::LogEvent>,
    limit: usize,
) -> Vec<&'a super::store::LogEvent> {
    let mut bytes = 0;
    let mut out = Vec::new();
    for e in it.take(limit) {
        bytes += e.message.len() + 26;
        if bytes > MAX_RESPONSE_BYTES && !out.is_empty() {
            break;
        }
        out.push(e);
    }
    out
}

fn group_json(account: &str, region: &str, name: &str, g: &LogGroup) -> Value {
    let stored: u64 = g.streams.values().map(|s| s.stored_bytes).sum();
    let arn = group_arn(region, account, name);
    json!({
        "logGroupName": name,
        "creationTime": g.creation_time,
        "metricFilterCount": 0,
        "arn": format!("{arn}:*"),
        "logGroupArn": arn,
        "storedBytes": stored,
        "logGroupClass": "STANDARD",
    })
}
