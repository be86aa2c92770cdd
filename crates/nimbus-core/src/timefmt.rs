//! Time formats AWS puts on the wire.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn datetime(millis: u64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(millis as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// `2026-01-01T00:00:00.000Z`: ISO-8601 with milliseconds, as S3 events and IAM use.
pub fn iso8601_millis(millis: u64) -> String {
    let d = datetime(millis);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        d.year(),
        d.month() as u8,
        d.day(),
        d.hour(),
        d.minute(),
        d.second(),
        d.millisecond()
    )
}

/// `04/08/23 12:31:00`: day/month/two-digit year and the time, as CloudWatch writes the
/// datapoints of an alarm's state reason.
pub fn day_month_year_time(millis: u64) -> String {
    let d = datetime(millis);
    format!(
        "{:02}/{:02}/{:02} {:02}:{:02}:{:02}",
        d.day(),
        d.month() as u8,
        d.year().rem_euclid(100),
        d.hour(),
        d.minute(),
        d.second()
    )
}

/// `2026-01-01T00:00:00Z`: ISO-8601 without fractions.
pub fn iso8601_secs(millis: u64) -> String {
    let d = datetime(millis);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        d.year(),
        d.month() as u8,
        d.day(),
        d.hour(),
        d.minute(),
        d.second()
    )
}

/// `Thu, 01 Jan 2026 00:00:00 GMT`: the HTTP date (RFC 7231), as S3's `Last-Modified`.
pub fn http_date(millis: u64) -> String {
    let d = datetime(millis);
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[d.weekday().number_days_from_monday() as usize],
        d.day(),
        MONTHS[d.month() as usize - 1],
        d.year(),
        d.hour(),
        d.minute(),
        d.second()
    )
}

/// Parses an RFC 3339 / ISO-8601 timestamp into milliseconds since the epoch.
pub fn parse_rfc3339_millis(s: &str) -> Option<u64> {
    let d = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    u64::try_from(d.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Parses SigV4's basic format `20260101T000000Z` into milliseconds since the epoch.
pub fn parse_amz_date_millis(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> { s.get(r)?.parse().ok() };
    let date = time::Date::from_calendar_date(
        num(0..4)? as i32,
        time::Month::try_from(num(4..6)? as u8).ok()?,
        num(6..8)? as u8,
    )
    .ok()?;
    let t = time::Time::from_hms(num(9..11)? as u8, num(11..13)? as u8, num(13..15)? as u8).ok()?;
    let d = time::PrimitiveDateTime::new(date, t).assume_utc();
    u64::try_from(d.unix_timestamp()).ok().map(|s| s * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let m = 1_767_225_600_123;
        assert_eq!(iso8601_millis(m), "2026-01-01T00:00:00.123Z");
        assert_eq!(iso8601_secs(m), "2026-01-01T00:00:00Z");
        assert_eq!(http_date(m), "Thu, 01 Jan 2026 00:00:00 GMT");
        assert_eq!(parse_rfc3339_millis("2026-01-01T00:00:00.123Z"), Some(m));
        assert_eq!(
            parse_amz_date_millis("20260101T000000Z"),
            Some(1_767_225_600_000)
        );
        assert_eq!(parse_amz_date_millis("20261301T000000Z"), None);
    }
}
