//! Typed condition values, read once from the policy and again from each request: dates
//! (W3C ISO 8601 profiles or epoch seconds), IP addresses and CIDR blocks, numbers.

use std::net::IpAddr;

/// A point in time, in nanoseconds since the Unix epoch.
pub(crate) type Instant = i128;

const NANOS: i128 = 1_000_000_000;

/// Parses a date as AWS's date operators read them: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`,
/// `YYYY-MM-DDThh:mm[:ss[.s…]]` with `Z`, `±hh:mm` or no zone (UTC), or epoch seconds
/// (<https://www.w3.org/TR/NOTE-datetime>, as the IAM User Guide's date operators cite).
pub(crate) fn parse_date(s: &str) -> Option<Instant> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.') && s.len() != 4 {
        return parse_epoch(s);
    }
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = s.get(from..from + len)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let year = num(0, 4)?;
    let (mut month, mut day) = (1, 1);
    let mut secs: i64 = 0;
    let mut nanos: i128 = 0;
    let mut i = 4;
    if b.get(i) == Some(&b'-') {
        month = num(5, 2)?;
        i = 7;
        if b.get(i) == Some(&b'-') {
            day = num(8, 2)?;
            i = 10;
        }
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if matches!(b.get(i), Some(b'T' | b't' | b' ')) {
        let (h, m) = (num(i + 1, 2)?, num(i + 4, 2)?);
        if b.get(i + 3) != Some(&b':') || h > 23 || m > 59 {
            return None;
        }
        secs = h * 3600 + m * 60;
        i += 6;
        if b.get(i) == Some(&b':') {
            let sec = num(i + 1, 2)?;
            if sec > 60 {
                return None;
            }
            secs += sec;
            i += 3;
            if b.get(i) == Some(&b'.') {
                let start = i + 1;
                let mut end = start;
                while b.get(end).is_some_and(u8::is_ascii_digit) {
                    end += 1;
                }
                let frac = &s[start..end];
                if frac.is_empty() {
                    return None;
                }
                let digits: String = frac.chars().chain("000000000".chars()).take(9).collect();
                nanos = digits.parse().ok()?;
                i = end;
            }
        }
        match b.get(i) {
            None => {}
            Some(b'Z' | b'z') if i + 1 == b.len() => {}
            Some(sign @ (b'+' | b'-')) if b.len() == i + 6 && b[i + 3] == b':' => {
                let off = num(i + 1, 2)? * 3600 + num(i + 4, 2)? * 60;
                secs -= if *sign == b'+' { off } else { -off };
            }
            _ => return None,
        }
    } else if i != b.len() {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some((days * 86_400 + secs) as i128 * NANOS + nanos)
}

fn parse_epoch(s: &str) -> Option<Instant> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let secs: i128 = whole.parse().ok()?;
    let digits: String = frac.chars().chain("000000000".chars()).take(9).collect();
    secs.checked_mul(NANOS)?
        .checked_add(digits.parse::<i128>().ok()?)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// `aws:CurrentTime`'s form of `epoch_seconds`: `2026-12-03T12:56:15Z`.
pub fn format_time(epoch_seconds: i64) -> String {
    let days = epoch_seconds.div_euclid(86_400);
    let secs = epoch_seconds.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// An address range: an address and its prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cidr {
    /// IPv4 network and prefix (0–32).
    V4(u32, u8),
    /// IPv6 network and prefix (0–128).
    V6(u128, u8),
}

impl Cidr {
    /// `203.0.113.0/24`, `2001:DB8:1234:5678::/64`, or an address alone (`/32`, `/128`).
    pub(crate) fn parse(s: &str) -> Option<Cidr> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
            None => (s, None),
        };
        match addr.parse::<IpAddr>().ok()? {
            IpAddr::V4(a) => {
                let p = prefix.unwrap_or(32);
                (p <= 32).then(|| Cidr::V4(u32::from(a) & mask32(p), p))
            }
            IpAddr::V6(a) => {
                let p = prefix.unwrap_or(128);
                (p <= 128).then(|| Cidr::V6(u128::from(a) & mask128(p), p))
            }
        }
    }

    /// Whether `ip` (an address as the request carries it) lies in the range.
    pub(crate) fn contains(&self, ip: &str) -> bool {
        let Ok(ip) = ip.trim().parse::<IpAddr>() else {
            return false;
        };
        match (self, ip) {
            (Cidr::V4(net, p), IpAddr::V4(a)) => u32::from(a) & mask32(*p) == *net,
            (Cidr::V6(net, p), IpAddr::V6(a)) => u128::from(a) & mask128(*p) == *net,
            (Cidr::V4(net, p), IpAddr::V6(a)) => a
                .to_ipv4_mapped()
                .is_some_and(|a| u32::from(a) & mask32(*p) == *net),
            (Cidr::V6(..), IpAddr::V4(_)) => false,
        }
    }
}

fn mask32(p: u8) -> u32 {
    if p == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(p))
    }
}

fn mask128(p: u8) -> u128 {
    if p == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(p))
    }
}

/// A number as the numeric operators read it (integers and decimals).
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() || s.contains(['e', 'E', 'n', 'N', 'i', 'I']) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_w3c_profile_and_epoch_seconds() {
        let t = |s| parse_date(s).map(|n| (n / NANOS) as i64);
        assert_eq!(t("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(t("2019-07-16T12:00:00Z"), Some(1_563_278_400));
        assert_eq!(t("2019-07-16T12:00Z"), Some(1_563_278_400));
        assert_eq!(t("2019-07-16T14:00:00+02:00"), Some(1_563_278_400));
        assert_eq!(t("2019-07-16"), Some(1_563_235_200));
        assert_eq!(t("2019-07"), Some(1_561_939_200));
        assert_eq!(t("2019"), Some(1_546_300_800));
        assert_eq!(t("1563278400"), Some(1_563_278_400));
        assert_eq!(
            parse_date("2020-01-01T00:00:00.5Z"),
            Some(1_577_836_800 * NANOS + NANOS / 2)
        );
        for bad in [
            "",
            "2019-13-01",
            "2019-02-30",
            "2019-07-16T25:00Z",
            "yesterday",
            "2019-07-16T12:00:00Q",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(parse_date(&"9".repeat(38)), None, "overflow is no panic");
        assert_eq!(format_time(1_563_278_400), "2019-07-16T12:00:00Z");
        assert_eq!(format_time(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn cidr_blocks_v4_and_v6() {
        let c = Cidr::parse("203.0.113.0/24").unwrap();
        assert!(c.contains("203.0.113.7"));
        assert!(!c.contains("203.0.114.7"));
        assert!(!c.contains("not-an-ip"));
        assert!(Cidr::parse("10.0.0.1").unwrap().contains("10.0.0.1"));
        assert!(!Cidr::parse("10.0.0.1").unwrap().contains("10.0.0.2"));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains("8.8.8.8"));
        let v6 = Cidr::parse("2001:DB8:1234:5678::/64").unwrap();
        assert!(v6.contains("2001:db8:1234:5678::1"));
        assert!(!v6.contains("2001:db8:1234:5679::1"));
        assert!(!v6.contains("203.0.113.7"));
        assert_eq!(Cidr::parse("10.0.0.0/33"), None);
        assert_eq!(Cidr::parse("300.0.0.0/8"), None);
    }
}
