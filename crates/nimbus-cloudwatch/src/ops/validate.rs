//! The checks the metric operations share, worded as CloudWatch words them: names and
//! lengths, dimensions, units, periods, statistics, time ranges, paging tokens.

use nimbus_core::bus::metrics::MetricUnit;
use serde::Deserialize;

use crate::error::{CloudWatchError, Result};
use crate::metrics::Statistic;

/// Most dimensions a metric has (and a `ListMetrics` filter names).
pub const MAX_DIMENSIONS: usize = 30;

/// One `Dimension` (`Name`, `Value`) as a request writes it; `Value` is optional in a
/// `ListMetrics` filter.
#[derive(Deserialize, Default, Clone, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct DimensionIn {
    /// `Name`.
    pub name: Option<String>,
    /// `Value`.
    pub value: Option<String>,
}

/// A required member: `MissingParameter` naming `name` when absent.
pub fn required<'a, T>(value: &'a Option<T>, name: &str) -> Result<&'a T> {
    value
        .as_ref()
        .ok_or_else(|| CloudWatchError::missing_parameter(name))
}

/// "The value {value} for parameter {name} is invalid."
pub fn invalid(name: &str, value: impl std::fmt::Display) -> CloudWatchError {
    CloudWatchError::invalid_parameter_value(format!(
        "The value {value} for parameter {name} is invalid."
    ))
}

/// A string member of `min..=max` characters.
pub fn length(name: &str, value: &str, min: usize, max: usize) -> Result<()> {
    let n = value.chars().count();
    if n < min || n > max {
        return Err(CloudWatchError::invalid_parameter_value(format!(
            "The parameter {name} must be between {min} and {max} characters long."
        )));
    }
    Ok(())
}

/// A list of at most `max` members.
pub fn size<T>(name: &str, list: &[T], max: usize) -> Result<()> {
    if list.len() > max {
        return Err(CloudWatchError::invalid_parameter_value(format!(
            "The collection {name} must not have a size greater than {max}."
        )));
    }
    Ok(())
}

/// A namespace: 1–255 printable ASCII characters not starting with `:`; with `put`, not in
/// the `AWS/` namespaces, which only AWS's services publish to.
pub fn namespace(name: &str, value: &str, put: bool) -> Result<()> {
    length(name, value, 1, 255)?;
    let printable = value.chars().all(|c| c.is_ascii() && !c.is_ascii_control());
    if value.starts_with(':') || !printable || (put && value.starts_with("AWS/")) {
        return Err(invalid(name, value));
    }
    Ok(())
}

/// A metric name: 1–255 characters.
pub fn metric_name(name: &str, value: &str) -> Result<()> {
    length(name, value, 1, 255)
}

/// Dimensions of a metric (`Name` and `Value` required, at most 30, names unique), as
/// (name, value) pairs in the order given.
pub fn dimensions(prefix: &str, dims: &[DimensionIn]) -> Result<Vec<(String, String)>> {
    size(prefix, dims, MAX_DIMENSIONS)?;
    let mut out: Vec<(String, String)> = Vec::with_capacity(dims.len());
    for (i, d) in dims.iter().enumerate() {
        let at = format!("{prefix}.member.{}", i + 1);
        let name = required(&d.name, &format!("{at}.Name"))?;
        let value = required(&d.value, &format!("{at}.Value"))?;
        length(&format!("{at}.Name"), name, 1, 255)?;
        length(&format!("{at}.Value"), value, 1, 1024)?;
        if out.iter().any(|(n, _)| n == name) {
            return Err(CloudWatchError::invalid_parameter_value(format!(
                "No metric may have more than one dimension named {name}; {prefix} names it twice."
            )));
        }
        out.push((name.clone(), value.clone()));
    }
    Ok(out)
}

/// A `Unit`: one of CloudWatch's standard units.
pub fn unit(name: &str, value: Option<&str>) -> Result<Option<MetricUnit>> {
    value
        .map(|u| MetricUnit::parse(u).ok_or_else(|| invalid(name, u)))
        .transpose()
}

/// A `Period`: 1, 5, 10, 20, 30 or a multiple of 60 seconds.
pub fn period(name: &str, value: i64) -> Result<u32> {
    let ok = value > 0
        && value <= i64::from(u32::MAX)
        && (matches!(value, 1 | 5 | 10 | 20 | 30) || value % 60 == 0);
    if !ok {
        return Err(CloudWatchError::invalid_parameter_value(format!(
            "The parameter {name} must be a multiple of 60 or equal to 1, 5, 10, 20, or 30."
        )));
    }
    Ok(value as u32)
}

/// A statistic (`Average`, `p99`, `TM(10%:90%)`…).
pub fn statistic(name: &str, value: &str) -> Result<Statistic> {
    Statistic::parse(value).ok_or_else(|| invalid(name, value))
}

/// `StartTime` before `EndTime`.
pub fn time_range(start: u64, end: u64) -> Result<()> {
    if start >= end {
        return Err(CloudWatchError::invalid_parameter_value(
            "The parameter StartTime must be less than the parameter EndTime.",
        ));
    }
    Ok(())
}

/// A datum's value: finite, and 0 or within 2^-260..2^360 in magnitude, as CloudWatch
/// stores them.
pub fn value(name: &str, v: f64) -> Result<()> {
    let a = v.abs();
    let ok = v.is_finite() && (a == 0.0 || (a >= 2f64.powi(-260) && a <= 2f64.powi(360)));
    if !ok {
        return Err(invalid(name, v));
    }
    Ok(())
}

/// A paging token nimbus gave (`<offset>` behind a fixed prefix, tied to the operation):
/// `InvalidNextToken` for anything else.
pub fn next_token(token: Option<&str>, op: &str) -> Result<usize> {
    let Some(t) = token else {
        return Ok(0);
    };
    t.strip_prefix(op)
        .and_then(|r| r.strip_prefix(':'))
        .and_then(|n| n.parse::<usize>().ok())
        .ok_or_else(CloudWatchError::invalid_next_token)
}

/// The token that resumes `op` at `offset`.
pub fn token_for(op: &str, offset: usize) -> String {
    format!("{op}:{offset}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(namespace("Namespace", "App/Orders", true).is_ok());
        assert_eq!(
            namespace("Namespace", "AWS/SQS", true).unwrap_err().message,
            "The value AWS/SQS for parameter Namespace is invalid."
        );
        assert!(namespace("Namespace", "AWS/SQS", false).is_ok());
        assert!(namespace("Namespace", ":x", false).is_err());
        assert!(namespace("Namespace", "", false).is_err());
        assert!(period("Period", 60).is_ok());
        assert!(period("Period", 10).is_ok());
        assert!(period("Period", 90).is_err());
        assert!(period("Period", 0).is_err());
        assert!(value("Value", 1e100).is_ok());
        assert!(value("Value", 1e200).is_err());
        assert!(value("Value", f64::NAN).is_err());
        assert!(value("Value", 0.0).is_ok());
        assert_eq!(
            next_token(Some("ListMetrics:500"), "ListMetrics").unwrap(),
            500
        );
        assert!(next_token(Some("GetMetricData:5"), "ListMetrics").is_err());
        assert!(next_token(Some("junk"), "ListMetrics").is_err());
        assert!(unit("Unit", Some("Furlongs")).is_err());
        assert_eq!(
            unit("Unit", Some("Count")).unwrap(),
            Some(MetricUnit::Count)
        );
    }
}
