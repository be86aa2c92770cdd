//! Which service a request is for, and on which protocol.
//!
//! The rules follow AWS's endpoints, most specific first:
//! 1. `X-Amz-Target: <Prefix>.<Operation>` names a JSON-protocol service by its prefix.
//! 2. Lambda's REST paths (`/2015-03-31/`, `/2019-09-25/`, `/2017-03-31/`, …).
//! 3. A SigV4 credential scope naming `s3` means S3, whatever the body looks like.
//! 4. awsQuery: a form-encoded POST, or any request with `Action=` in the query string; the
//!    service is the credential scope's, else the one whose API has that action.
//! 5. A credential scope naming any other served service means that service; one naming a
//!    service nimbus does not serve is refused.
//! 6. Everything else is S3 (path-style or virtual-hosted-style).

use http::{HeaderMap, Method, Uri};
use nimbus_wire::{Protocol, ServiceId};

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

const JSON_TARGETS: &[(&str, ServiceId, Protocol)] = &[
    ("AmazonSQS", ServiceId::Sqs, Protocol::AwsJson1_0),
    ("Logs_20140328", ServiceId::Logs, Protocol::AwsJson1_1),
    (
        "AWSSecurityTokenServiceV20110615",
        ServiceId::Sts,
        Protocol::AwsJson1_0,
    ),
];

const LAMBDA_PATH_PREFIXES: &[&str] = &[
    "/2014-11-13/",
    "/2015-03-31/",
    "/2016-08-19/",
    "/2017-03-31/",
    "/2017-10-31/",
    "/2018-10-31/",
    "/2019-09-25/",
    "/2019-09-30/",
    "/2020-04-22/",
    "/2020-06-30/",
    "/2021-07-20/",
    "/2021-10-31/",
    "/2021-11-15/",
    "/2024-08-31/",
    "/2025-11-30/",
    "/2025-12-01/",
];

/// Classifies a request from its head. `scope_service` is the credential scope's service
/// from a SigV4 signature, if the request has one.
pub fn classify(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    scope_service: Option<&str>,
) -> Route {
    let is_json_content = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-amz-json"));
    if let Some(target) = headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
        let prefix = target.split('.').next().unwrap_or("");
        if let Some((_, s, p)) = JSON_TARGETS.iter().find(|(t, _, _)| *t == prefix) {
            return Route::Service(*s, *p);
        }
        let protocol = match headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
        {
            Some(ct) if ct.contains("1.1") => Protocol::AwsJson1_1,
            _ => Protocol::AwsJson1_0,
        };
        let name = scope_service
            .map(str::to_owned)
            .unwrap_or_else(|| prefix.to_owned());
        return Route::Unserved { name, protocol };
    }
    let path = uri.path();
    if LAMBDA_PATH_PREFIXES.iter().any(|p| path.starts_with(p))
        && scope_service.is_none_or(|s| s == "lambda")
    {
        return Route::Service(ServiceId::Lambda, Protocol::RestJson1);
    }
    if scope_service == Some("s3") {
        return Route::Service(ServiceId::S3, Protocol::RestXml);
    }
    let is_form = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let query_has_action = uri.query().is_some_and(|q| form_action(q).is_some());
    let is_query = (*method == Method::POST && is_form) || query_has_action;
    match scope_service {
        Some(name) => match ServiceId::from_signing_name(name) {
            Some(s @ (ServiceId::Sqs | ServiceId::Sts | ServiceId::Iam)) if is_query => {
                Route::Service(s, Protocol::AwsQuery)
            }
            Some(ServiceId::Sqs) if is_json_content => {
                Route::Service(ServiceId::Sqs, Protocol::AwsJson1_0)
            }
            Some(ServiceId::Lambda) => Route::Service(ServiceId::Lambda, Protocol::RestJson1),
            Some(ServiceId::S3) => Route::Service(ServiceId::S3, Protocol::RestXml),
            Some(s) if is_query => Route::Service(s, Protocol::AwsQuery),
            Some(_) if is_query => Route::QueryByAction,
            Some(s @ (ServiceId::Sqs | ServiceId::Sts | ServiceId::Iam)) => {
                Route::Service(s, Protocol::AwsQuery)
            }
            Some(s) => Route::Service(s, Protocol::AwsJson1_1),
            None => Route::Unserved {
                name: name.to_owned(),
                protocol: if is_query {
                    Protocol::AwsQuery
                } else if is_json_content {
                    Protocol::AwsJson1_0
                } else {
                    Protocol::RestXml
                },
            },
        },
        None if is_query => Route::QueryByAction,
        None => Route::Service(ServiceId::S3, Protocol::RestXml),
    }
}

fn form_action(q: &str) -> Option<String> {
    form_urlencoded_action(q.as_bytes())
}

/// The `Action` field of a form-encoded string.
pub fn form_urlencoded_action(bytes: &[u8]) -> Option<String> {
    bytes
        .split(|b| *b == b'&')
        .find_map(|kv| kv.strip_prefix(b"Action="))
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

/// The service whose awsQuery API has `action`, for requests that carry no credential scope.
pub fn service_for_action(action: &str) -> Option<ServiceId> {
    const STS: &[&str] = &[
        "GetCallerIdentity",
        "AssumeRole",
        "AssumeRoleWithWebIdentity",
        "AssumeRoleWithSAML",
        "GetSessionToken",
        "GetFederationToken",
        "GetAccessKeyInfo",
        "DecodeAuthorizationMessage",
        "AssumeRoot",
    ];
    const SQS: &[&str] = &[
        "AddPermission",
        "CancelMessageMoveTask",
        "ChangeMessageVisibility",
        "ChangeMessageVisibilityBatch",
        "CreateQueue",
        "DeleteMessage",
        "DeleteMessageBatch",
        "DeleteQueue",
        "GetQueueAttributes",
        "GetQueueUrl",
        "ListDeadLetterSourceQueues",
        "ListMessageMoveTasks",
        "ListQueueTags",
        "ListQueues",
        "PurgeQueue",
        "ReceiveMessage",
        "RemovePermission",
        "SendMessage",
        "SendMessageBatch",
        "SetQueueAttributes",
        "StartMessageMoveTask",
        "TagQueue",
        "UntagQueue",
    ];
    if STS.contains(&action) {
        Some(ServiceId::Sts)
    } else if SQS.contains(&action) {
        Some(ServiceId::Sqs)
    } else if action.contains("Role")
        || action.contains("Policy")
        || action.contains("Policies")
        || action.contains("User")
        || action.contains("Group")
        || action.contains("InstanceProfile")
        || action.contains("AccessKey")
    {
        Some(ServiceId::Iam)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
