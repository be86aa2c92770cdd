//! Reading timestamp members as every protocol writes them: epoch seconds as a JSON number
//! (awsJson), ISO 8601 text (awsQuery: `2026-01-01T00:00:00Z`, `…00.000Z`), and CBOR tag 1
//! around an integer or a float of epoch seconds (Smithy RPC v2 CBOR). The type read is the
//! one written, [`Timestamp`] (milliseconds since the epoch).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

pub use crate::query::ser::Timestamp;

/// Milliseconds of `secs` epoch seconds, when it is a time since the epoch nimbus can hold.
fn millis_of_secs(secs: f64) -> Option<u64> {
    // Up to the year 10000, as AWS's own timestamps.
    (secs.is_finite() && (0.0..=253_402_300_800.0).contains(&secs))
        .then(|| (secs * 1000.0).round() as u64)
}

/// A timestamp as text: ISO 8601, or a number of epoch seconds.
fn millis_of_text(s: &str) -> Option<u64> {
    nimbus_core::timefmt::parse_rfc3339_millis(s)
        .or_else(|| s.parse::<f64>().ok().and_then(millis_of_secs))
}

struct TimestampVisitor;

impl<'de> Visitor<'de> for TimestampVisitor {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a timestamp (epoch seconds or ISO 8601)")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Timestamp, E> {
        self.visit_f64(v as f64)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Timestamp, E> {
        self.visit_f64(v as f64)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Timestamp, E> {
        millis_of_secs(v)
            .map(Timestamp)
            .ok_or_else(|| E::custom(format!("timestamp {v} is out of range")))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
        millis_of_text(v)
            .map(Timestamp)
            .ok_or_else(|| E::custom(format!("'{v}' is not a valid timestamp")))
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        if d.is_human_readable() {
            return d.deserialize_any(TimestampVisitor);
        }
        // CBOR: tag 1 (or, leniently, no tag) around an integer or a float.
        let mut v = ciborium::Value::deserialize(d)?;
        if let ciborium::Value::Tag(1, inner) = v {
            v = *inner;
        }
        match v {
            ciborium::Value::Integer(i) => TimestampVisitor.visit_f64(i128::from(i) as f64),
            ciborium::Value::Float(f) => TimestampVisitor.visit_f64(f),
            ciborium::Value::Text(t) => TimestampVisitor.visit_str(&t),
            other => Err(de::Error::custom(format!(
                "expected a timestamp (tag 1 epoch seconds), found {other:?}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_numbers_and_query_text() {
        let t: Timestamp = serde_json::from_str("1700000000").unwrap();
        assert_eq!(t, Timestamp(1_700_000_000_000));
        let t: Timestamp = serde_json::from_str("1700000000.25").unwrap();
        assert_eq!(t, Timestamp(1_700_000_000_250));
        let t: Timestamp = serde_json::from_str("\"2023-11-14T22:13:20Z\"").unwrap();
        assert_eq!(t, Timestamp(1_700_000_000_000));
        let t: Timestamp = serde_json::from_str("\"2023-11-14T22:13:20.500Z\"").unwrap();
        assert_eq!(t, Timestamp(1_700_000_000_500));
        assert!(serde_json::from_str::<Timestamp>("-5").is_err());
        assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
        assert!(serde_json::from_str::<Timestamp>("1e300").is_err());
    }
}
