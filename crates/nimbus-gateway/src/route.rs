//! Which service a request is for, and on which protocol.
//!
//! The rules follow AWS's endpoints, most specific first. Every prefix, path and action
//! comes from the registered services' [`Bindings`]:
//! 1. `X-Amz-Target: <Prefix>.<Operation>` names a JSON-protocol service by its prefix.
//! 2. Smithy RPC v2 CBOR: a `POST /service/<Service>/operation/<Op>` with
//!    `smithy-protocol: rpc-v2-cbor` names its service by `<Service>` (and, when signed, a
//!    scope that agrees). Without the header, or with an S3 scope, such a path stays S3's
//!    (`service` is a valid bucket name).
//! 3. A REST service's path prefixes (Lambda's `/2015-03-31/`, `/2019-09-25/`, …).
//! 4. A SigV4 credential scope naming a REST service (`s3`, `lambda`) means that service,
//!    on its protocol, whatever the body looks like.
//! 5. awsQuery: a form-encoded POST, or any request with `Action=` in the query string; the
//!    service is the credential scope's, else the one that claims that action.
//! 6. A credential scope naming any other served service means that service (on awsJson for a
//!    JSON body where it has a JSON target, else its own protocol); one naming a service
//!    nimbus does not serve is refused.
//! 7. Everything else is S3 (path-style or virtual-hosted-style).

use std::collections::HashMap;

use http::{HeaderMap, Method, Uri};
use nimbus_wire::{Bindings, Protocol, ServiceId};

/// Where a request goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// To a service, on a protocol.
    Service(ServiceId, Protocol),
    /// An awsQuery request whose service depends on its `Action` (read from the body).
    QueryByAction,
    /// A service nimbus does not serve, named by target prefix or credential scope.
    Unserved {
        /// The name the request used.
        name: String,
        /// The protocol to answer on.
        protocol: Protocol,
    },
}

/// Where each registered service's requests are found, from the services' own
/// [`Bindings`]: the gateway holds no list of its own.
#[derive(Debug, Default)]
pub struct Routes {
    /// The services, with their bindings, in registration order.
    services: Vec<(ServiceId, Bindings)>,
    /// awsQuery actions, for requests without a credential scope.
    actions: HashMap<&'static str, ServiceId>,
}

impl Routes {
    /// The routes of `services`. An action two services claim goes to the first.
    pub fn new(services: impl IntoIterator<Item = (ServiceId, Bindings)>) -> Routes {
        let services: Vec<(ServiceId, Bindings)> = services.into_iter().collect();
        let mut actions = HashMap::new();
        for (id, b) in &services {
            for a in b.query_actions {
                actions.entry(*a).or_insert(*id);
            }
        }
        Routes { services, actions }
    }

    fn bindings(&self, id: ServiceId) -> Option<&Bindings> {
        self.services.iter().find(|(s, _)| *s == id).map(|(_, b)| b)
    }

    /// Classifies a request from its head. `scope_service` is the credential scope's
    /// service from a SigV4 signature, if the request has one.
    pub fn classify(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        scope_service: Option<&str>,
    ) -> Route {
        let content_type = headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let is_json_content = content_type.is_some_and(|v| v.starts_with("application/x-amz-json"));
        if let Some(target) = headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
            let prefix = target.split('.').next().unwrap_or("");
            let found = self.services.iter().find_map(|(s, b)| match b.json_target {
                Some((t, p)) if t == prefix => Some((*s, p)),
                _ => None,
            });
            if let Some((s, p)) = found {
                return Route::Service(s, p);
            }
            let protocol = match content_type {
                Some(ct) if ct.contains("1.1") => Protocol::AwsJson1_1,
                _ => Protocol::AwsJson1_0,
            };
            let name = scope_service
                .map(str::to_owned)
                .unwrap_or_else(|| prefix.to_owned());
            return Route::Unserved { name, protocol };
        }
        let path = uri.path();
        if let Some(route) = self.rpc_v2(method, path, headers, scope_service) {
            return route;
        }
        for (s, b) in &self.services {
            if b.rest_paths.iter().any(|p| path.starts_with(p))
                && scope_service.is_none_or(|n| n == s.signing_name())
            {
                return Route::Service(*s, b.protocol);
            }
        }
        let is_form =
            content_type.is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let query_has_action = uri.query().is_some_and(|q| form_action(q).is_some());
        let is_query = (*method == Method::POST && is_form) || query_has_action;
        let Some(name) = scope_service else {
            return if is_query {
                Route::QueryByAction
            } else {
                Route::Service(ServiceId::S3, Protocol::RestXml)
            };
        };
        let fallback = if is_query {
            Protocol::AwsQuery
        } else if is_json_content {
            Protocol::AwsJson1_0
        } else {
            Protocol::RestXml
        };
        match ServiceId::from_signing_name(name) {
            Some(s) => match self.bindings(s) {
                Some(b) if matches!(b.protocol, Protocol::RestJson1 | Protocol::RestXml) => {
                    Route::Service(s, b.protocol)
                }
                Some(_) if is_query => Route::Service(s, Protocol::AwsQuery),
                Some(b) => match b.json_target {
                    Some((_, p)) if is_json_content && b.protocol == Protocol::AwsQuery => {
                        Route::Service(s, p)
                    }
                    _ => Route::Service(s, b.protocol),
                },
                // A service nimbus knows but was not started with.
                None => Route::Service(s, fallback),
            },
            None => Route::Unserved {
                name: name.to_owned(),
                protocol: fallback,
            },
        }
    }

    /// A Smithy RPC v2 CBOR request (rule 2): `None` when the request is not one.
    fn rpc_v2(
        &self,
        method: &Method,
        path: &str,
        headers: &HeaderMap,
        scope_service: Option<&str>,
    ) -> Option<Route> {
        let cbor = headers
            .get(nimbus_wire::cbor::PROTOCOL_HEADER)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case(nimbus_wire::cbor::PROTOCOL_VALUE));
        if !cbor || *method != Method::POST || scope_service == Some("s3") {
            return None;
        }
        let (name, _) = nimbus_wire::cbor::path_operation(path)?;
        let found = self.services.iter().find(|(s, b)| {
            b.rpc_v2_service == Some(name) && scope_service.is_none_or(|n| n == s.signing_name())
        });
        Some(match found {
            Some((s, _)) => Route::Service(*s, Protocol::RpcV2Cbor),
            None => Route::Unserved {
                name: scope_service.unwrap_or(name).to_owned(),
                protocol: Protocol::RpcV2Cbor,
            },
        })
    }

    /// The service whose awsQuery API has `action`, for requests that carry no credential
    /// scope.
    pub fn service_for_action(&self, action: &str) -> Option<ServiceId> {
        self.actions.get(action).copied()
    }
}

fn form_action(q: &str) -> Option<&str> {
    form_urlencoded_action(q.as_bytes())
}

/// The `Action` field of a form-encoded string (as sent: action names need no decoding).
pub fn form_urlencoded_action(bytes: &[u8]) -> Option<&str> {
    bytes
        .split(|b| *b == b'&')
        .find_map(|kv| kv.strip_prefix(b"Action="))
        .and_then(|v| std::str::from_utf8(v).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Routes like the sandbox's, with a few actions each.
    fn routes() -> Routes {
        let mut sqs = Bindings::new(Protocol::AwsQuery);
        sqs.json_target = Some(("AmazonSQS", Protocol::AwsJson1_0));
        sqs.query_actions = &["SendMessage", "ListQueues"];
        let mut sts = Bindings::new(Protocol::AwsQuery);
        sts.json_target = Some(("AWSSecurityTokenServiceV20110615", Protocol::AwsJson1_0));
        sts.query_actions = &["GetCallerIdentity"];
        let mut iam = Bindings::new(Protocol::AwsQuery);
        iam.query_actions = &["CreateRole"];
        let mut logs = Bindings::new(Protocol::AwsJson1_1);
        logs.json_target = Some(("Logs_20140328", Protocol::AwsJson1_1));
        let mut lambda = Bindings::new(Protocol::RestJson1);
        lambda.rest_paths = &["/2015-03-31/"];
        let mut cw = Bindings::new(Protocol::AwsQuery);
        cw.json_target = Some(("GraniteServiceVersion20100801", Protocol::AwsJson1_0));
        cw.rpc_v2_service = Some("GraniteServiceVersion20100801");
        cw.query_actions = &["ListMetrics"];
        Routes::new([
            (ServiceId::Sqs, sqs),
            (ServiceId::S3, Bindings::new(Protocol::RestXml)),
            (ServiceId::Lambda, lambda),
            (ServiceId::Logs, logs),
            (ServiceId::Iam, iam),
            (ServiceId::Sts, sts),
            (ServiceId::CloudWatch, cw),
        ])
    }

    #[test]
    fn rpc_v2_cbor_routes_before_s3_path_style() {
        let uri: Uri = "/service/GraniteServiceVersion20100801/operation/ListMetrics"
            .parse()
            .unwrap();
        let mut h = HeaderMap::new();
        h.insert("smithy-protocol", "rpc-v2-cbor".parse().unwrap());
        h.insert("content-type", "application/cbor".parse().unwrap());
        let cw = Route::Service(ServiceId::CloudWatch, Protocol::RpcV2Cbor);
        assert_eq!(classify(&Method::POST, &uri, &h, None), cw);
        assert_eq!(classify(&Method::POST, &uri, &h, Some("monitoring")), cw);
        // A bucket named `service`: no protocol header, or S3's scope, or another method.
        let s3 = Route::Service(ServiceId::S3, Protocol::RestXml);
        assert_eq!(classify(&Method::POST, &uri, &HeaderMap::new(), None), s3);
        assert_eq!(classify(&Method::POST, &uri, &h, Some("s3")), s3);
        assert_eq!(classify(&Method::PUT, &uri, &h, None), s3);
        let other: Uri = "/service/Kinesis_20131202/operation/ListStreams"
            .parse()
            .unwrap();
        assert_eq!(
            classify(&Method::POST, &other, &h, Some("kinesis")),
            Route::Unserved {
                name: "kinesis".into(),
                protocol: Protocol::RpcV2Cbor
            }
        );
    }

    fn classify(
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        scope_service: Option<&str>,
    ) -> Route {
        routes().classify(method, uri, headers, scope_service)
    }

    fn service_for_action(action: &str) -> Option<ServiceId> {
        routes().service_for_action(action)
    }

    fn h(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        m
    }

    #[test]
    fn json_targets() {
        let r = classify(
            &Method::POST,
            &"/".parse().unwrap(),
            &h(&[("x-amz-target", "AmazonSQS.SendMessage")]),
            Some("sqs"),
        );
        assert_eq!(r, Route::Service(ServiceId::Sqs, Protocol::AwsJson1_0));
        let r = classify(
            &Method::POST,
            &"/".parse().unwrap(),
            &h(&[("x-amz-target", "Logs_20140328.GetLogEvents")]),
            None,
        );
        assert_eq!(r, Route::Service(ServiceId::Logs, Protocol::AwsJson1_1));
        let r = classify(
            &Method::POST,
            &"/".parse().unwrap(),
            &h(&[("x-amz-target", "DynamoDB_20120810.ListTables")]),
            Some("dynamodb"),
        );
        assert_eq!(
            r,
            Route::Unserved {
                name: "dynamodb".into(),
                protocol: Protocol::AwsJson1_0
            }
        );
    }

    #[test]
    fn lambda_paths_and_s3() {
        let r = classify(
            &Method::GET,
            &"/2015-03-31/functions/".parse().unwrap(),
            &HeaderMap::new(),
            Some("lambda"),
        );
        assert_eq!(r, Route::Service(ServiceId::Lambda, Protocol::RestJson1));
        let r = classify(
            &Method::GET,
            &"/bucket/key".parse().unwrap(),
            &HeaderMap::new(),
            None,
        );
        assert_eq!(r, Route::Service(ServiceId::S3, Protocol::RestXml));
        let form = h(&[("content-type", "application/x-www-form-urlencoded")]);
        let r = classify(
            &Method::PUT,
            &"/bucket/key".parse().unwrap(),
            &form,
            Some("s3"),
        );
        assert_eq!(r, Route::Service(ServiceId::S3, Protocol::RestXml));
    }

    #[test]
    fn query_protocol() {
        let form = h(&[(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )]);
        assert_eq!(
            classify(&Method::POST, &"/".parse().unwrap(), &form, Some("sts")),
            Route::Service(ServiceId::Sts, Protocol::AwsQuery)
        );
        assert_eq!(
            classify(&Method::POST, &"/".parse().unwrap(), &form, None),
            Route::QueryByAction
        );
        assert_eq!(
            classify(
                &Method::GET,
                &"/?Action=ListQueues".parse().unwrap(),
                &HeaderMap::new(),
                None
            ),
            Route::QueryByAction
        );
        assert_eq!(
            classify(&Method::POST, &"/".parse().unwrap(), &form, Some("sns")),
            Route::Unserved {
                name: "sns".into(),
                protocol: Protocol::AwsQuery
            }
        );
        assert_eq!(
            service_for_action("GetCallerIdentity"),
            Some(ServiceId::Sts)
        );
        assert_eq!(service_for_action("SendMessage"), Some(ServiceId::Sqs));
        assert_eq!(service_for_action("CreateRole"), Some(ServiceId::Iam));
        assert_eq!(service_for_action("Publish"), None);
    }
}
