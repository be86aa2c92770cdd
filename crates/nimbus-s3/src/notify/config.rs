//! Bucket notification configurations: parsing `PutBucketNotificationConfiguration`'s XML,
//! validating it as S3 does, rendering it back, and matching events against it.

use serde::{Deserialize, Serialize};

use crate::error::{S3Error, S3Result};
use crate::xmlin::Element;

/// The event types S3 can notify about (`s3:` prefixed, as configured).
pub const EVENT_TYPES: &[&str] = &[
    "s3:TestEvent",
    "s3:ObjectCreated:*",
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy",
    "s3:ObjectCreated:CompleteMultipartUpload",
    "s3:ObjectRemoved:*",
    "s3:ObjectRemoved:Delete",
    "s3:ObjectRemoved:DeleteMarkerCreated",
    "s3:ObjectRestore:*",
    "s3:ObjectRestore:Post",
    "s3:ObjectRestore:Completed",
    "s3:ObjectRestore:Delete",
    "s3:ReducedRedundancyLostObject",
    "s3:Replication:*",
    "s3:Replication:OperationFailedReplication",
    "s3:Replication:OperationMissedThreshold",
    "s3:Replication:OperationReplicatedAfterThreshold",
    "s3:Replication:OperationNotTracked",
    "s3:LifecycleExpiration:*",
    "s3:LifecycleExpiration:Delete",
    "s3:LifecycleExpiration:DeleteMarkerCreated",
    "s3:LifecycleTransition",
    "s3:IntelligentTiering",
    "s3:ObjectTagging:*",
    "s3:ObjectTagging:Put",
    "s3:ObjectTagging:Delete",
    "s3:ObjectAcl:Put",
];

/// Where a configuration sends its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DestinationKind {
    /// An SQS queue (`QueueConfiguration`).
    Queue,
    /// A Lambda function (`CloudFunctionConfiguration`).
    Function,
    /// An SNS topic (`TopicConfiguration`), stored only.
    Topic,
}

impl DestinationKind {
    fn element(self) -> &'static str {
        match self {
            DestinationKind::Queue => "QueueConfiguration",
            DestinationKind::Function => "CloudFunctionConfiguration",
            DestinationKind::Topic => "TopicConfiguration",
        }
    }

    fn arn_element(self) -> &'static str {
        match self {
            DestinationKind::Queue => "Queue",
            DestinationKind::Function => "CloudFunction",
            DestinationKind::Topic => "Topic",
        }
    }
}

/// One queue, function or topic configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetConfiguration {
    /// `Id` (generated when absent, as S3 does).
    pub id: String,
    /// The destination kind.
    pub kind: DestinationKind,
    /// The destination ARN.
    pub arn: String,
    /// The event types, as given (`s3:ObjectCreated:*`).
    pub events: Vec<String>,
    /// `prefix` filter rule.
    pub prefix: Option<String>,
    /// `suffix` filter rule.
    pub suffix: Option<String>,
}

impl TargetConfiguration {
    /// Whether `event` (`s3:ObjectCreated:Put`) on `key` matches.
    pub fn matches(&self, event: &str, key: &str) -> bool {
        let type_ok = self.events.iter().any(|e| event_matches(e, event));
        type_ok
            && self.prefix.as_deref().is_none_or(|p| key.starts_with(p))
            && self.suffix.as_deref().is_none_or(|s| key.ends_with(s))
    }
}

/// Whether the configured `pattern` (possibly ending in `*`) covers `event`.
pub fn event_matches(pattern: &str, event: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => event.starts_with(prefix),
        None => pattern == event,
    }
}

/// A bucket's notification configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationConfiguration {
    /// Queue, function and topic configurations in document order.
    pub targets: Vec<TargetConfiguration>,
    /// Whether `EventBridgeConfiguration` was given (stored and returned; not delivered).
    pub event_bridge: bool,
}

impl NotificationConfiguration {
    /// Parses and validates the document of `PutBucketNotificationConfiguration`.
    pub fn parse(root: &Element) -> S3Result<NotificationConfiguration> {
        if root.name != "NotificationConfiguration" {
            return Err(S3Error::MalformedXml);
        }
        let mut out = NotificationConfiguration::default();
        for child in &root.children {
            let kind = match child.name.as_str() {
                "QueueConfiguration" => DestinationKind::Queue,
                "CloudFunctionConfiguration" => DestinationKind::Function,
                "TopicConfiguration" => DestinationKind::Topic,
                "EventBridgeConfiguration" => {
                    out.event_bridge = true;
                    continue;
                }
                _ => return Err(S3Error::MalformedXml),
            };
            out.targets.push(parse_target(child, kind)?);
        }
        check_overlap(&out.targets)?;
        let mut ids = std::collections::HashSet::new();
        for t in &out.targets {
            if !ids.insert(t.id.clone()) {
                return Err(S3Error::invalid_argument_named(
                    "Configuration Id must be unique",
                    "Id",
                    t.id.clone(),
                ));
            }
        }
        Ok(out)
    }

    /// The configuration as `GetBucketNotificationConfiguration` returns it.
    pub fn to_xml(&self) -> String {
        let mut w = nimbus_wire::xml::Writer::with_declaration();
        w.open_ns(
            "NotificationConfiguration",
            "http://s3.amazonaws.com/doc/2006-03-01/",
        );
        for kind in [
            DestinationKind::Topic,
            DestinationKind::Queue,
            DestinationKind::Function,
        ] {
            for t in self.targets.iter().filter(|t| t.kind == kind) {
                w.open(kind.element());
                w.elem("Id", &t.id);
                w.elem(kind.arn_element(), &t.arn);
                for e in &t.events {
                    w.elem("Event", e);
                }
                if t.prefix.is_some() || t.suffix.is_some() {
                    w.open("Filter").open("S3Key");
                    for (name, v) in [("prefix", &t.prefix), ("suffix", &t.suffix)] {
                        if let Some(v) = v {
                            w.open("FilterRule")
                                .elem("Name", name)
                                .elem("Value", v)
                                .close("FilterRule");
                        }
                    }
                    w.close("S3Key").close("Filter");
                }
                w.close(kind.element());
            }
        }
        if self.event_bridge {
            w.empty("EventBridgeConfiguration");
        }
        w.close("NotificationConfiguration");
        w.finish()
    }
}

fn parse_target(el: &Element, kind: DestinationKind) -> S3Result<TargetConfiguration> {
    let arn = el
        .child_text(kind.arn_element())
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .ok_or(S3Error::MalformedXml)?
        .to_owned();
    let expected_service = match kind {
        DestinationKind::Queue => "sqs",
        DestinationKind::Function => "lambda",
        DestinationKind::Topic => "sns",
    };
    match arn.parse::<nimbus_core::Arn>() {
        Ok(a) if a.service == expected_service => {}
        _ => {
            return Err(S3Error::invalid_argument_named(
                "The ARN is not well formed",
                kind.arn_element(),
                arn,
            ));
        }
    }
    let mut events = Vec::new();
    for e in el.children_named("Event") {
        let name = e.text.trim();
        if !EVENT_TYPES.contains(&name) || name == "s3:TestEvent" {
            return Err(S3Error::invalid_argument_named(
                "The event is not supported for notifications",
                "Event",
                name,
            ));
        }
        events.push(name.to_owned());
    }
    if events.is_empty() {
        return Err(S3Error::MalformedXml);
    }
    let (mut prefix, mut suffix) = (None, None);
    if let Some(filter) = el.child("Filter") {
        let key = filter.child("S3Key").ok_or(S3Error::MalformedXml)?;
        for rule in key.children_named("FilterRule") {
            let name = rule.child_text("Name").unwrap_or("").trim();
            let value = rule.child_text("Value").unwrap_or("").to_owned();
            let slot = if name.eq_ignore_ascii_case("prefix") {
                &mut prefix
            } else if name.eq_ignore_ascii_case("suffix") {
                &mut suffix
            } else {
                return Err(S3Error::invalid_argument_named(
                    "filter rule name must be either prefix or suffix",
                    "FilterRule",
                    name,
                ));
            };
            if slot.is_some() {
                return Err(S3Error::invalid_argument_named(
                    format!(
                        "Cannot specify more than one {} rule in a filter.",
                        name.to_ascii_lowercase()
                    ),
                    "FilterRule",
                    name,
                ));
            }
            *slot = Some(value);
        }
    }
    let id = el
        .child_text("Id")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(random_config_id);
    Ok(TargetConfiguration {
        id,
        kind,
        arn,
        events,
        prefix,
        suffix,
    })
}

/// A generated configuration id (S3 generates an opaque one when `Id` is omitted).
fn random_config_id() -> String {
    use base64::Engine;
    let raw = uuid::Uuid::new_v4();
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(raw.as_bytes())
}

/// Two configurations overlap when they share an event type and their filters can match the
/// same key; S3 refuses that.
fn check_overlap(targets: &[TargetConfiguration]) -> S3Result<()> {
    for (i, a) in targets.iter().enumerate() {
        for b in &targets[i + 1..] {
            let shares_event = a.events.iter().any(|x| {
                b.events.iter().any(|y| {
                    event_matches(x, y.trim_end_matches('*'))
                        || event_matches(y, x.trim_end_matches('*'))
                })
            });
            let prefixes_overlap = match (&a.prefix, &b.prefix) {
                (Some(p), Some(q)) => p.starts_with(q.as_str()) || q.starts_with(p.as_str()),
                _ => true,
            };
            let suffixes_overlap = match (&a.suffix, &b.suffix) {
                (Some(p), Some(q)) => p.ends_with(q.as_str()) || q.ends_with(p.as_str()),
                _ => true,
            };
            if shares_event && prefixes_overlap && suffixes_overlap {
                return Err(S3Error::invalid_argument_named(
                    "Configurations overlap. Configurations on the same bucket cannot share a common event type.",
                    "Event",
                    a.events.first().cloned().unwrap_or_default(),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_matches() {
        let doc = br#"<NotificationConfiguration><QueueConfiguration><Id>c1</Id><Queue>arn:aws:sqs:us-east-1:000000000000:q</Queue><Event>s3:ObjectCreated:*</Event><Filter><S3Key><FilterRule><Name>prefix</Name><Value>in/</Value></FilterRule><FilterRule><Name>Suffix</Name><Value>.jpg</Value></FilterRule></S3Key></Filter></QueueConfiguration><QueueConfiguration><Queue>arn:aws:sqs:us-east-1:000000000000:q</Queue><Event>s3:ObjectRemoved:Delete</Event></QueueConfiguration></NotificationConfiguration>"#;
        let c = NotificationConfiguration::parse(&crate::xmlin::parse(doc).unwrap()).unwrap();
        assert_eq!(c.targets.len(), 2);
        let t = &c.targets[0];
        assert!(t.matches("s3:ObjectCreated:Put", "in/a.jpg"));
        assert!(!t.matches("s3:ObjectCreated:Put", "out/a.jpg"));
        assert!(!t.matches("s3:ObjectRemoved:Delete", "in/a.jpg"));
        assert!(!c.targets[1].id.is_empty());
        let back =
            NotificationConfiguration::parse(&crate::xmlin::parse(c.to_xml().as_bytes()).unwrap())
                .unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn rejects_bad_events_and_overlaps() {
        let bad = br#"<NotificationConfiguration><QueueConfiguration><Queue>arn:aws:sqs:us-east-1:000000000000:q</Queue><Event>s3:Nope</Event></QueueConfiguration></NotificationConfiguration>"#;
        assert!(NotificationConfiguration::parse(&crate::xmlin::parse(bad).unwrap()).is_err());
        let overlap = br#"<NotificationConfiguration><QueueConfiguration><Queue>arn:aws:sqs:us-east-1:000000000000:q</Queue><Event>s3:ObjectCreated:*</Event></QueueConfiguration><QueueConfiguration><Queue>arn:aws:sqs:us-east-1:000000000000:r</Queue><Event>s3:ObjectCreated:Put</Event></QueueConfiguration></NotificationConfiguration>"#;
        assert!(NotificationConfiguration::parse(&crate::xmlin::parse(overlap).unwrap()).is_err());
    }
}
