//! The request time of a signed request (`x-amz-date`, `X-Amz-Date` or `Date`), HTTP dates,
//! and the skew and presigned-expiry checks against the server's clock.

use super::*;

/// Parses an RFC 1123 HTTP date (`Sun, 15 Mar 2026 10:11:12 GMT`, or with a numeric zone
/// such as `-0000` as Python's `formatdate` writes) into milliseconds since the epoch.
pub fn parse_http_date(s: &str) -> Option<u64> {
    let s = s.trim();
    // The weekday is informative only.
    let s = match s.split_once(',') {
        Some((_, rest)) => rest,
        None => s,
    };
    let mut parts = s.split_whitespace();
    let day: u32 = parts.next()?.parse().ok()?;
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let month_name = parts.next()?.to_ascii_lowercase();
    let month = MONTHS.iter().position(|m| *m == month_name)? + 1;
    let year = parts.next()?;
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hms: Vec<&str> = parts.next()?.split(':').collect();
    if hms.len() != 3
        || hms
            .iter()
            .any(|p| p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let offset_secs: i64 = match parts.next().unwrap_or("GMT") {
        "GMT" | "UTC" | "UT" | "Z" => 0,
        z if z.len() == 5 && (z.starts_with('+') || z.starts_with('-')) => {
            let digits = &z[1..];
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let h: i64 = digits[..2].parse().ok()?;
            let m: i64 = digits[2..].parse().ok()?;
            let secs = h * 3600 + m * 60;
            if z.starts_with('-') { -secs } else { secs }
        }
        _ => return None,
    };
    if parts.next().is_some() || day > 31 {
        return None;
    }
    let basic = format!("{year}{month:02}{day:02}T{}{}{}Z", hms[0], hms[1], hms[2]);
    let local = nimbus_core::timefmt::parse_amz_date_millis(&basic)? as i64;
    u64::try_from(local - offset_secs * 1000).ok()
}

/// The request time of a signed request, `YYYYMMDDTHHMMSSZ`, and the same in milliseconds:
/// the signature's `x-amz-date` / `X-Amz-Date`, else the `Date` header converted. Missing or
/// malformed → [`AuthError::Incomplete`] with AWS's message.
pub fn request_time(sig: &Signature, headers: &HeaderMap) -> Result<(String, u64), AuthError> {
    let s3 = sig.credential.service == "s3";
    if !sig.amz_date.is_empty() {
        return match nimbus_core::timefmt::parse_amz_date_millis(&sig.amz_date) {
            Some(ms) => Ok((sig.amz_date.clone(), ms)),
            None => Err(AuthError::Incomplete(match sig.location {
                Location::Query { .. } => {
                    "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""
                        .to_owned()
                }
                Location::Header if s3 => {
                    "AWS authentication requires a valid Date or x-amz-date header".to_owned()
                }
                Location::Header => format!(
                    "Date must be in ISO-8601 'basic format'. Got '{}'. See http://en.wikipedia.org/wiki/ISO_8601",
                    sig.amz_date
                ),
            })),
        };
    }
    if let Some(ms) = header_str(headers, "date").and_then(parse_http_date) {
        return Ok((amz_date(ms), ms));
    }
    Err(AuthError::Incomplete(if s3 {
        "AWS authentication requires a valid Date or x-amz-date header".to_owned()
    } else {
        format!(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={}",
            header_str(headers, "authorization").unwrap_or("")
        )
    }))
}

/// Checks the request time against the server's: the skew window for header signatures
/// (and for other services' presigned URLs), the expiry for S3 presigned URLs.
pub(super) fn check_time(
    sig: &Signature,
    amz: &str,
    request_millis: u64,
    now_millis: u64,
) -> Result<(), AuthError> {
    let s3 = sig.credential.service == "s3";
    let skew = max_skew_millis(&sig.credential.service);
    let skew_minutes = skew / 60_000;
    if let (Location::Query { expires_secs }, true) = (&sig.location, s3) {
        if request_millis > now_millis.saturating_add(skew) {
            return Err(AuthError::Expired("Request is not yet valid".into()));
        }
        if now_millis > request_millis.saturating_add(expires_secs.saturating_mul(1000)) {
            return Err(AuthError::Expired("Request has expired".into()));
        }
        return Ok(());
    }
    let too_old = now_millis.saturating_sub(request_millis) > skew;
    let too_new = request_millis.saturating_sub(now_millis) > skew;
    if !(too_old || too_new) {
        return Ok(());
    }
    if s3 {
        return Err(AuthError::TimeTooSkewed(
            "The difference between the request time and the current time is too large.".into(),
        ));
    }
    let now = amz_date(now_millis);
    Err(AuthError::TimeTooSkewed(if too_old {
        format!(
            "Signature expired: {amz} is now earlier than {} ({now} - {skew_minutes} min.)",
            amz_date(now_millis - skew)
        )
    } else {
        format!(
            "Signature not yet current: {amz} is still later than {} ({now} + {skew_minutes} min.)",
            amz_date(now_millis.saturating_add(skew))
        )
    }))
}
