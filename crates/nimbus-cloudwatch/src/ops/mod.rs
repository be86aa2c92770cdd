//! CloudWatch's operations on its three protocols, one module per group: [`metrics`]
//! (`PutMetricData`, `GetMetricStatistics`, `ListMetrics`), [`metric_data`]
//! (`GetMetricData`, with the metric math of [`math`]) and [`alarms`] (the metric alarm
//! operations and an alarm's tags).
//!
//! Every operation reads one typed input ([`parse`]: an awsJson 1.0 body, a Smithy RPC v2
//! CBOR body or awsQuery form fields) and writes one typed output ([`respond`]: JSON, CBOR,
//! or awsQuery XML in CloudWatch's namespace), so a handler is written once for the three.

pub mod alarms;
pub mod math;
pub mod metric_data;
pub mod metrics;
pub mod validate;

#[cfg(test)]
mod tests;

use bytes::Bytes;
use nimbus_core::RequestContext;
use nimbus_wire::operations::Binding;
use nimbus_wire::query::QueryParams;
use nimbus_wire::query::ser::Member;
use nimbus_wire::{Protocol, Request, RequestBody, Response, cbor, json, query, xml};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::CloudWatchService;
use crate::error::{CloudWatchError, CloudWatchErrorCode, Result};

nimbus_wire::operations! {
    /// A CloudWatch operation: one row each (every protocol names it alike, by
    /// `X-Amz-Target`, `Action` or the RPC v2 path), with its handler.
    pub enum Op for CloudWatchService, Call, CloudWatchError {
        PutMetricData = Binding::Named => metrics::put_metric_data,
        GetMetricStatistics = Binding::Named => metrics::get_metric_statistics,
        GetMetricData = Binding::Named => metric_data::get_metric_data,
        ListMetrics = Binding::Named => metrics::list_metrics,
        PutMetricAlarm = Binding::Named => alarms::put_metric_alarm,
        DescribeAlarms = Binding::Named => alarms::describe_alarms,
        DescribeAlarmsForMetric = Binding::Named => alarms::describe_alarms_for_metric,
        DeleteAlarms = Binding::Named => alarms::delete_alarms,
        SetAlarmState = Binding::Named => alarms::set_alarm_state,
        DescribeAlarmHistory = Binding::Named => alarms::describe_alarm_history,
        EnableAlarmActions = Binding::Named => alarms::enable_alarm_actions,
        DisableAlarmActions = Binding::Named => alarms::disable_alarm_actions,
        TagResource = Binding::Named => alarms::tag_resource,
        UntagResource = Binding::Named => alarms::untag_resource,
        ListTagsForResource = Binding::Named => alarms::list_tags_for_resource,
    }
    not_implemented {
        AssociateDatasetKmsKey = Binding::Named,
        CreateResourceMetricsConfiguration = Binding::Named,
        DeleteAlarmMuteRule = Binding::Named,
        DeleteAnomalyDetector = Binding::Named,
        DeleteDashboards = Binding::Named,
        DeleteInsightRules = Binding::Named,
        DeleteMetricStream = Binding::Named,
        DeleteResourceMetricsConfiguration = Binding::Named,
        DescribeAlarmContributors = Binding::Named,
        DescribeAnomalyDetectors = Binding::Named,
        DescribeInsightRules = Binding::Named,
        DisableInsightRules = Binding::Named,
        DisassociateDatasetKmsKey = Binding::Named,
        EnableInsightRules = Binding::Named,
        GetAlarmMuteRule = Binding::Named,
        GetDashboard = Binding::Named,
        GetDataset = Binding::Named,
        GetInsightRuleReport = Binding::Named,
        GetMetricStream = Binding::Named,
        GetMetricWidgetImage = Binding::Named,
        GetOTelEnrichment = Binding::Named,
        GetResourceMetricsConfiguration = Binding::Named,
        ListAlarmMuteRules = Binding::Named,
        ListDashboards = Binding::Named,
        ListManagedInsightRules = Binding::Named,
        ListMetricStreams = Binding::Named,
        PutAlarmMuteRule = Binding::Named,
        PutAnomalyDetector = Binding::Named,
        PutCompositeAlarm = Binding::Named,
        PutDashboard = Binding::Named,
        PutInsightRule = Binding::Named,
        PutLogAlarm = Binding::Named,
        PutManagedInsightRules = Binding::Named,
        PutMetricStream = Binding::Named,
        StartMetricStreams = Binding::Named,
        StartOTelEnrichment = Binding::Named,
        StopMetricStreams = Binding::Named,
        StopOTelEnrichment = Binding::Named,
        UpdateOTelEnrichment = Binding::Named,
        UpdateResourceMetricsConfiguration = Binding::Named,
    }
}

/// The awsQuery `Version` CloudWatch's API has.
pub const API_VERSION: &str = "2010-08-01";

/// The XML namespace of awsQuery responses and errors.
pub const XMLNS: &str = "http://monitoring.amazonaws.com/doc/2010-08-01/";

/// The `X-Amz-Target` prefix (awsJson 1.0) and Smithy service name (RPC v2 CBOR).
pub const TARGET_PREFIX: &str = "GraniteServiceVersion20100801";

/// Which operation a request names: `MissingParameter` (awsQuery) or `UnknownOperation`
/// without one; `NotImplemented` for an operation of the model nimbus does not implement;
/// `InvalidAction` / `UnknownOperation` for a name CloudWatch does not have.
pub fn classify(protocol: Protocol, operation: Option<&str>) -> Result<Op> {
    let Some(name) = operation else {
        return Err(match protocol {
            Protocol::AwsQuery => CloudWatchError::missing_parameter("Action"),
            _ => CloudWatchError::new(
                CloudWatchErrorCode::UnknownOperation,
                "The request names no operation.",
            ),
        });
    };
    if let Some(op) = Op::from_name(name) {
        return Ok(op);
    }
    if let Some(name) = Op::not_implemented_name(name) {
        return Err(CloudWatchError::not_implemented(name));
    }
    Err(match protocol {
        Protocol::AwsQuery => CloudWatchError::new(
            CloudWatchErrorCode::InvalidAction,
            format!("Could not find operation {name} for version {API_VERSION}"),
        ),
        _ => CloudWatchError::new(
            CloudWatchErrorCode::UnknownOperation,
            format!("The operation {name} is not known to Amazon CloudWatch."),
        ),
    })
}

/// Authorizes `cloudwatch:<Operation>` in the caller's own account on `resource` (`*` for
/// metrics, which have no ARN; an alarm's ARN for the alarm operations): `AccessDenied`
/// with IAM's "User: … is not authorized to perform: …" message otherwise.
pub fn authorize(call: &Call, resource: &str) -> Result<()> {
    let action = format!("cloudwatch:{}", call.op.name());
    call.ctx
        .authorize(
            &action,
            nimbus_core::access::Resource {
                arn: resource,
                owner: call.ctx.account.as_str(),
                policy: None,
            },
            |_| {},
        )
        .map_err(|d| CloudWatchError::new(CloudWatchErrorCode::AccessDenied, d.message()))
}

/// A request as the operations see it: what they need of the gateway's [`Request`].
pub struct Call {
    /// Request id, account, region, host, caller, arrival time.
    pub ctx: RequestContext,
    /// The protocol the client spoke.
    pub protocol: Protocol,
    /// The operation.
    pub op: Op,
    /// The body (awsJson, CBOR), inflated if it came gzip.
    pub body: Bytes,
    /// The form fields (awsQuery).
    pub form: Option<QueryParams>,
}

impl Call {
    /// The call for a gateway request classified as `op`.
    pub fn from_request(op: Op, req: Request) -> Call {
        Call {
            ctx: req.ctx,
            protocol: req.protocol,
            op,
            body: match req.body {
                RequestBody::Full(b) => b,
                RequestBody::Stream(_) => Bytes::new(),
            },
            form: req.form,
        }
    }
}

/// Parses the request's input: awsQuery fields through [`query::de`], awsJson bodies
/// through serde_json, CBOR bodies through [`cbor`], into the one input shape. Bodies that
/// cannot be read are `SerializationException`; awsQuery scalars of the wrong type are
/// `InvalidParameterValue` naming the parameter, as AWS answers.
pub fn parse<I: DeserializeOwned>(call: &Call) -> Result<I> {
    let serialization = |e: String| {
        CloudWatchError::new(
            CloudWatchErrorCode::Serialization,
            format!("Could not parse request body: {e}"),
        )
    };
    match (&call.form, call.protocol) {
        (Some(form), _) => query::de::from_params(form).map_err(query_input_error),
        (None, Protocol::RpcV2Cbor) => {
            cbor::parse(&call.body).map_err(|e| serialization(e.message))
        }
        (None, _) => json::parse(&call.body).map_err(|e| serialization(e.message)),
    }
}

/// The error for awsQuery fields that do not fit the input shape.
fn query_input_error(e: query::de::Error) -> CloudWatchError {
    match e {
        query::de::Error::Invalid { name, value, .. } => CloudWatchError::invalid_parameter_value(
            format!("The value {value} for parameter {name} is invalid."),
        ),
        query::de::Error::Message(m) => {
            CloudWatchError::new(CloudWatchErrorCode::MalformedQueryString, m)
        }
    }
}

/// How CloudWatch's awsQuery XML spells members where it differs from the default
/// (`<Member><member>…</member></Member>` lists): nowhere in the metric operations.
pub const XML_SPELLINGS: &[Member] = &[];

/// Renders `out` as the response to the call's operation.
pub fn respond<O: Serialize>(call: &Call, out: &O) -> Response {
    match call.protocol {
        Protocol::AwsQuery => {
            let mut w = xml::Writer::new();
            if let Err(e) = query::ser::to_writer(out, XML_SPELLINGS, &mut w) {
                // Only a shape with a member awsQuery cannot spell gets here (a bug).
                tracing::error!(op = call.op.name(), error = %e, "awsQuery output not written");
            }
            query::response(
                call.op.name(),
                XMLNS,
                Some(&w.finish()),
                &call.ctx.request_id,
            )
        }
        Protocol::RpcV2Cbor => cbor::ok(out),
        p => json::ok(p, out),
    }
}

/// The response to an operation without output: an empty `…Response` (awsQuery), `{}`
/// (awsJson), an empty body (RPC v2 CBOR, as Smithy answers a unit output).
pub fn respond_empty(call: &Call) -> Response {
    match call.protocol {
        Protocol::AwsQuery => query::response(call.op.name(), XMLNS, None, &call.ctx.request_id),
        Protocol::RpcV2Cbor => {
            let mut r = http::Response::new(nimbus_wire::body::empty());
            r.headers_mut().insert(
                cbor::PROTOCOL_HEADER,
                http::HeaderValue::from_static(cbor::PROTOCOL_VALUE),
            );
            r
        }
        p => json::ok(p, &serde_json::Map::new()),
    }
}
