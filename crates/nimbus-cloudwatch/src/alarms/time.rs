//! The two ways CloudWatch alarms write a time: `2023-08-04T12:31:29.591+0000` in state
//! reason data, history data and alarm events, and `04/08/23 12:31:00` (day/month/year) in
//! state reasons.

use nimbus_core::timefmt;

/// `2023-08-04T12:31:29.591+0000`.
pub fn state_timestamp(millis: u64) -> String {
    let mut s = timefmt::iso8601_millis(millis);
    s.pop(); // the `Z`
    s.push_str("+0000");
    s
}

/// `04/08/23 12:31:00`.
pub fn reason_timestamp(millis: u64) -> String {
    timefmt::day_month_year_time(millis)
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
