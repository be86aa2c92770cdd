//! The two ways CloudWatch alarms write a time: `2023-08-04T12:31:29.591+0000` in state
//! reason data, history data and alarm events, and `04/08/23 12:31:00` (day/month/year) in
//! state reasons.

use time::OffsetDateTime;

fn datetime(millis: u64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(millis as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// `2023-08-04T12:31:29.591+0000`.
pub fn state_timestamp(millis: u64) -> String {
    let d = datetime(millis);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+0000",
        d.year(),
        d.month() as u8,
        d.day(),
        d.hour(),
        d.minute(),
        d.second(),
        d.millisecond()
    )
}

/// `04/08/23 12:31:00`.
pub fn reason_timestamp(millis: u64) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        // 2023-08-04T12:31:29.591Z
        let t = 1_691_152_289_591;
        assert_eq!(state_timestamp(t), "2023-08-04T12:31:29.591+0000");
        assert_eq!(reason_timestamp(t), "04/08/23 12:31:29");
    }
}
