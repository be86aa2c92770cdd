//! `GET /_nimbus/health` and LocalStack's `GET /_localstack/health`.

use std::collections::BTreeMap;

use nimbus_wire::{Response, ServiceId, body};
use serde_json::json;

/// The services' states as the health endpoints report them.
pub struct HealthReport<'a> {
    /// nimbus's version.
    pub version: &'a str,
    /// Seconds since start.
    pub uptime_secs: u64,
    /// Each served service's state.
    pub services: BTreeMap<ServiceId, &'static str>,
}

/// nimbus's own health document.
pub fn nimbus(report: &HealthReport<'_>) -> Response {
    let services: serde_json::Map<String, serde_json::Value> = report
        .services
        .iter()
        .map(|(s, st)| (s.signing_name().to_owned(), json!(st)))
        .collect();
    let doc = json!({
        "status": "ok",
        "version": report.version,
        "uptime_seconds": report.uptime_secs,
        "services": services,
    });
    body::response(http::StatusCode::OK, "application/json", doc.to_string())
}

/// The health document in LocalStack's shape: `{"services": {"sqs": "running", …},
/// "edition": "community", "version": …}`, for tools that wait on it.
pub fn localstack(report: &HealthReport<'_>) -> Response {
    let services: serde_json::Map<String, serde_json::Value> = report
        .services
        .iter()
        .map(|(s, st)| (s.signing_name().to_owned(), json!(st)))
        .collect();
    let doc = json!({
        "services": services,
        "edition": "community",
        "version": format!("nimbus-{}", report.version),
    });
    body::response(http::StatusCode::OK, "application/json", doc.to_string())
}
