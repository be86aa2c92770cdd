//! The statistics as CloudWatch defines them ("CloudWatch statistics definitions"): the five
//! simple ones, and the extended ones parsed from their written form and computed from a
//! period's [`Agg`].
//!
//! - `pNN` (0–100, decimals allowed): the nearest-rank percentile, the smallest value with at
//!   least NN% of the data at or below it, so `p50` of 1…10 is 5 and `p0`/`p100` are the
//!   minimum and maximum.
//! - `TM(a%:b%)`, `WM`, `TC`, `TS` with percentage bounds: the data ranked between the a-th and
//!   b-th percentiles, counted fractionally at the edges (AWS: "trimmed count … can return a
//!   decimal value … an interpolated approximation"); `tmNN` is `TM(:NN%)`, `IQM` is
//!   `TM(25%:75%)`. With absolute bounds (`TM(150:1000)`): the values `v` with
//!   `a < v ≤ b`. `WM` counts the values outside the bounds as the bounds' values.
//! - `PR(a:b)`: the percentage of values with `a < v ≤ b` (the lower bound exclusive, the
//!   upper inclusive, as AWS documents).
//!
//! Extended statistics read the bucket's distribution, exact for small buckets and within 1%
//! otherwise (see `sketch`); there is none when a value was negative, and the statistic is
//! then left out of the datapoint, as AWS does.

use super::Statistic;
use super::aggregate::Agg;

/// An extended statistic, parsed.
#[derive(Clone, Debug, PartialEq)]
pub enum Extended {
    /// `pNN`: a fraction in `0..=1`.
    Percentile(f64),
    /// `TM`, `WM`, `TC`, `TS` over a range.
    Trimmed(TrimKind, Range),
    /// `PR(a:b)`.
    Rank(Option<f64>, Option<f64>),
}

/// What a trimmed statistic computes over its range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrimKind {
    /// `TM`: the mean of the values in range.
    Mean,
    /// `WM`: the mean with the values outside counted as the bounds.
    Winsorized,
    /// `TC`: how many values are in range.
    Count,
    /// `TS`: their sum.
    Sum,
}

/// The range of a trimmed statistic.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Range {
    /// Percentile bounds, fractions in `0..=1`, `lo <= hi`.
    Percent(f64, f64),
    /// Value bounds: `lo < v <= hi`.
    Absolute(Option<f64>, Option<f64>),
}

/// A bound as written: a number, with a `%` or not; `None` when empty.
fn bound(s: &str) -> Result<Option<(f64, bool)>, ()> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let (num, percent) = match s.strip_suffix('%') {
        Some(n) => (n, true),
        None => (s, false),
    };
    number(num).map(|n| Some((n, percent)))
}

/// A plain decimal number (digits, one optional point, at most 10 decimals; a leading `-`).
fn number(s: &str) -> Result<f64, ()> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let ok = !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.len() <= 10
        && frac.bytes().all(|b| b.is_ascii_digit())
        && !(digits.contains('.') && frac.is_empty())
        && s.len() <= 64;
    if !ok {
        return Err(());
    }
    s.parse::<f64>().ok().filter(|n| n.is_finite()).ok_or(())
}

fn percent(n: f64) -> Option<f64> {
    (0.0..=100.0).contains(&n).then_some(n / 100.0)
}

impl Extended {
    /// Parses an extended statistic as AWS writes them; `None` when it is not one.
    pub fn parse(s: &str) -> Option<Extended> {
        if s.eq_ignore_ascii_case("IQM") {
            return Some(Extended::Trimmed(
                TrimKind::Mean,
                Range::Percent(0.25, 0.75),
            ));
        }
        let split = s.find(|c: char| !c.is_ascii_alphabetic())?;
        let (name, rest) = s.split_at(split);
        let name = name.to_ascii_lowercase();
        if let Some(inner) = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
            let (lo, hi) = inner.split_once(':')?;
            let (lo, hi) = (bound(lo).ok()?, bound(hi).ok()?);
            if lo.is_none() && hi.is_none() {
                return None;
            }
            if name == "pr" {
                if lo.is_some_and(|b| b.1) || hi.is_some_and(|b| b.1) {
                    return None;
                }
                let (lo, hi) = (lo.map(|b| b.0), hi.map(|b| b.0));
                if let (Some(l), Some(h)) = (lo, hi)
                    && l > h
                {
                    return None;
                }
                return Some(Extended::Rank(lo, hi));
            }
            let kind = trim_kind(&name)?;
            let is_percent = lo.or(hi).is_some_and(|b| b.1);
            if lo.is_some_and(|b| b.1 != is_percent) || hi.is_some_and(|b| b.1 != is_percent) {
                return None;
            }
            let range = if is_percent {
                let l = percent(lo.map_or(0.0, |b| b.0))?;
                let h = percent(hi.map_or(100.0, |b| b.0))?;
                (l <= h).then_some(Range::Percent(l, h))?
            } else {
                let (l, h) = (lo.map(|b| b.0), hi.map(|b| b.0));
                if let (Some(l), Some(h)) = (l, h)
                    && l > h
                {
                    return None;
                }
                Range::Absolute(l, h)
            };
            return Some(Extended::Trimmed(kind, range));
        }
        let n = percent(number(rest).ok()?)?;
        if name == "p" {
            return Some(Extended::Percentile(n));
        }
        Some(Extended::Trimmed(trim_kind(&name)?, Range::Percent(0.0, n)))
    }

    /// Its value over `agg`; `None` when it cannot be given (no distribution, or nothing in
    /// range).
    pub fn compute(&self, agg: &Agg) -> Option<f64> {
        if agg.is_empty() {
            return None;
        }
        let values = agg.dist.weighted_values()?;
        let total: f64 = values.iter().map(|(_, w)| w).sum();
        if total <= 0.0 {
            return None;
        }
        let clamp = |v: f64| v.clamp(agg.min, agg.max);
        match *self {
            Extended::Percentile(p) => Some(clamp(rank_value(&values, p * total, false))),
            Extended::Rank(lo, hi) => {
                let inside: f64 = values
                    .iter()
                    .filter(|(v, _)| in_bounds(*v, lo, hi))
                    .map(|(_, w)| w)
                    .sum();
                Some(100.0 * inside / total)
            }
            Extended::Trimmed(kind, Range::Absolute(lo, hi)) => {
                let (mut n, mut s) = (0.0, 0.0);
                for (v, w) in &values {
                    if kind == TrimKind::Winsorized {
                        let c = v.max(lo.unwrap_or(f64::MIN)).min(hi.unwrap_or(f64::MAX));
                        n += w;
                        s += c * w;
                    } else if in_bounds(*v, lo, hi) {
                        n += w;
                        s += v * w;
                    }
                }
                finish(kind, n, s)
            }
            Extended::Trimmed(kind, Range::Percent(lo, hi)) => {
                let (from, to) = (lo * total, hi * total);
                let (mut n, mut s, mut cum) = (0.0, 0.0, 0.0);
                for (v, w) in &values {
                    let part = (cum + w).min(to) - cum.max(from);
                    if part > 0.0 {
                        n += part;
                        s += part * v;
                    }
                    cum += w;
                }
                if kind == TrimKind::Winsorized {
                    let low = clamp(rank_value(&values, from, true));
                    let high = clamp(rank_value(&values, to, false));
                    s += from * low + (total - to) * high;
                    n = total;
                }
                finish(kind, n, s)
            }
        }
    }
}

fn trim_kind(name: &str) -> Option<TrimKind> {
    Some(match name {
        "tm" => TrimKind::Mean,
        "wm" => TrimKind::Winsorized,
        "tc" => TrimKind::Count,
        "ts" => TrimKind::Sum,
        _ => return None,
    })
}

fn in_bounds(v: f64, lo: Option<f64>, hi: Option<f64>) -> bool {
    lo.is_none_or(|l| v > l) && hi.is_none_or(|h| v <= h)
}

fn finish(kind: TrimKind, n: f64, s: f64) -> Option<f64> {
    match kind {
        TrimKind::Count => Some(n),
        TrimKind::Sum => Some(s),
        TrimKind::Mean | TrimKind::Winsorized => (n > 0.0).then(|| s / n),
    }
}

/// The value at cumulative rank `target` (the first value whose cumulative count reaches it;
/// with `past`, the first that goes beyond it).
fn rank_value(values: &[(f64, f64)], target: f64, past: bool) -> f64 {
    let mut cum = 0.0;
    for (v, w) in values {
        cum += w;
        let reached = if past {
            cum > target
        } else {
            cum >= target - 1e-9 * target.abs().max(1.0)
        };
        if reached {
            return *v;
        }
    }
    values.last().map_or(0.0, |(v, _)| *v)
}

impl Statistic {
    /// Its value over a period's aggregate; `None` for an extended statistic that cannot be
    /// given for it.
    pub(crate) fn compute(&self, agg: &Agg) -> Option<f64> {
        match self {
            Statistic::SampleCount => Some(agg.count),
            Statistic::Average => Some(agg.average()),
            Statistic::Sum => Some(agg.sum),
            Statistic::Minimum => Some(agg.min),
            Statistic::Maximum => Some(agg.max),
            Statistic::Extended(s) => Extended::parse(s)?.compute(agg),
        }
    }
}
