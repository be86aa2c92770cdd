//! The metric store in Prometheus's text format (`GET /_nimbus/metrics`), so a Grafana can
//! chart a long local run.
//!
//! Each series' **latest minute** (its last 1-minute bucket, with the high-resolution data of
//! that minute) is written as five gauges, `<namespace>_<metric>_{sum,sample_count,average,
//! minimum,maximum}`, where the namespace is lower-cased with every other character than a
//! letter or digit written `_` (`AWS/SQS` → `aws_sqs`) and the metric name is written in
//! snake case (`NumberOfMessagesSent` → `number_of_messages_sent`). The labels are the
//! dimensions, their names in snake case (`QueueName` → `queue_name`; one named `account`,
//! `region` or `unit` becomes `dimension_account`…), then `account`, `region` and `unit`
//! (CloudWatch's name: `Count`, `Bytes/Second`). For example
//! `aws_sqs_number_of_messages_sent_sum{queue_name="q",account="000000000000",region="us-east-1",unit="Count"} 10`.
//!
//! Bounded: the [`MAX_SERIES`] most recently published series, no more.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::aggregate::Agg;
use super::series::{Index, MINUTE, Series};

/// Most series written.
pub const MAX_SERIES: usize = 10_000;

/// The text for every series of `index` (see the module's documentation).
pub fn render(index: &Index) -> String {
    let mut series: Vec<&Series> = index.series.values().collect();
    if series.len() > MAX_SERIES {
        series.sort_unstable_by_key(|s| std::cmp::Reverse(s.last_publish));
        series.truncate(MAX_SERIES);
    }
    let mut families: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in series {
        let Some(agg) = latest_minute(s) else {
            continue;
        };
        let key = &s.key;
        let base = format!(
            "{}_{}",
            namespace_name(&key.identity.namespace),
            snake(&key.identity.metric_name)
        );
        let mut labels = String::new();
        for (name, value) in &key.identity.dimensions {
            let mut name = snake(name);
            if matches!(name.as_str(), "account" | "region" | "unit") {
                name = format!("dimension_{name}");
            }
            let _ = write!(labels, "{name}=\"{}\",", escape(value));
        }
        let _ = write!(
            labels,
            "account=\"{}\",region=\"{}\",unit=\"{}\"",
            escape(&key.account),
            escape(&key.region),
            key.unit.as_str()
        );
        for (suffix, value) in [
            ("sum", agg.sum),
            ("sample_count", agg.count),
            ("average", agg.average()),
            ("minimum", agg.min),
            ("maximum", agg.max),
        ] {
            families
                .entry(format!("{base}_{suffix}"))
                .or_default()
                .push(format!("{{{labels}}} {}", number(value)));
        }
    }
    let mut out = String::new();
    for (family, lines) in families {
        let _ = writeln!(out, "# TYPE {family} gauge");
        for line in lines {
            let _ = writeln!(out, "{family}{line}");
        }
    }
    out
}

/// The series' last minute with data: its minute bucket and that minute's 1-second buckets.
fn latest_minute(s: &Series) -> Option<Agg> {
    let [seconds, minutes, ..] = &s.tiers;
    let last_minute = minutes.last_key_value().map(|(t, _)| *t);
    let last_second = seconds.last_key_value().map(|(t, _)| *t / MINUTE * MINUTE);
    let minute = last_minute.max(last_second)?;
    let mut agg = minutes.get(&minute).cloned().unwrap_or_default();
    for (_, a) in seconds.range(minute..minute + MINUTE) {
        agg.merge_into_period(a);
    }
    (!agg.is_empty()).then_some(agg)
}

/// A namespace as a metric name prefix: lower case, `_` for anything but letters and digits,
/// runs of `_` folded.
pub fn namespace_name(ns: &str) -> String {
    let mut out = String::with_capacity(ns.len());
    for c in ns.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_');
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("ns_{out}")
    } else {
        out.to_string()
    }
}

/// A CloudWatch name in snake case (`NumberOfMessagesSent` → `number_of_messages_sent`,
/// `CPUUtilization` → `cpu_utilization`, `4xxErrors` → `4xx_errors`).
pub fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1);
            let boundary = prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
                || (prev.is_some_and(|p| p.is_ascii_uppercase())
                    && next.is_some_and(|n| n.is_ascii_lowercase()));
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_');
    if out.is_empty() {
        "_".to_string()
    } else {
        out.to_string()
    }
}

/// A label value with `\`, `"` and newlines escaped.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A sample value as Prometheus writes it.
fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{v}")
    }
}
