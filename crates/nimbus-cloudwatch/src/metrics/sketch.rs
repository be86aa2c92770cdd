//! The value distribution a bucket keeps for percentiles and the other extended statistics.
//!
//! A bucket keeps its values **exactly** while it holds at most [`EXACT_MAX`] distinct values
//! (each with its count, so a counter sampled once a minute, or a thousand identical sizes,
//! stays exact; a queried period merging such buckets stays exact up to [`QUERY_EXACT_MAX`]); past that it switches to a **log-bucketed histogram** (the DDSketch scheme):
//! a value `v > 0` falls in bin `ceil(ln v / ln γ)` with `γ = (1 + α) / (1 − α)`, `α = 1%`, and
//! is read back as the bin's midpoint, so every value it reports is within **1% relative
//! error** of a value that was recorded. At most [`MAX_BINS`] bins are kept: past that the
//! lowest bins are folded together, which leaves the upper percentiles (the ones alarms and
//! dashboards read) at 1% and coarsens only the lowest. Zeros are counted apart.
//!
//! CloudWatch gives no percentiles for data holding a negative value, nor for a statistic set
//! that does not stand for identical values ([`Dist::Unavailable`]), as AWS documents.

use std::cmp::Ordering;

/// Most distinct values kept exactly in one bucket.
pub const EXACT_MAX: usize = 64;
/// Most distinct values kept exactly when a query merges buckets into a period (so a period
/// of minutes with few distinct values each stays exact).
pub const QUERY_EXACT_MAX: usize = 1_024;
/// Most histogram bins kept in one bucket.
pub const MAX_BINS: usize = 512;
/// The histogram's relative accuracy.
pub const RELATIVE_ACCURACY: f64 = 0.01;
/// Values below this are counted as zero by the histogram.
const MIN_POSITIVE: f64 = 1e-9;

/// `ln γ` for [`RELATIVE_ACCURACY`].
fn ln_gamma() -> f64 {
    ((1.0 + RELATIVE_ACCURACY) / (1.0 - RELATIVE_ACCURACY)).ln()
}

/// The distribution of a bucket's values.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Distinct values with their counts, sorted by value.
    Exact(Vec<(f64, f64)>),
    /// A log-bucketed histogram.
    Hist(Box<Hist>),
    /// Percentiles cannot be given (a negative value, or a statistic set of unequal values).
    Unavailable,
}

/// A log-bucketed histogram (see the module's documentation).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Hist {
    /// How many values were (about) zero.
    pub zeros: f64,
    /// (bin index, count), sorted by index.
    pub bins: Vec<(i32, f64)>,
}

impl Default for Dist {
    fn default() -> Dist {
        Dist::Exact(Vec::new())
    }
}

impl Hist {
    fn index(v: f64) -> i32 {
        (v.ln() / ln_gamma())
            .ceil()
            .clamp(i32::MIN as f64, i32::MAX as f64) as i32
    }

    /// The value a bin stands for: the midpoint of `(γ^(i−1), γ^i]`, within
    /// [`RELATIVE_ACCURACY`] of every value in it.
    pub fn value(i: i32) -> f64 {
        let g = ln_gamma().exp();
        2.0 * g.powi(i) / (g + 1.0)
    }

    fn add(&mut self, v: f64, w: f64) {
        if v < MIN_POSITIVE {
            self.zeros += w;
            return;
        }
        let i = Hist::index(v);
        match self.bins.binary_search_by(|(b, _)| b.cmp(&i)) {
            Ok(at) => self.bins[at].1 += w,
            Err(at) => {
                self.bins.insert(at, (i, w));
                self.collapse();
            }
        }
    }

    /// Folds the lowest bins into one while more than [`MAX_BINS`] are kept.
    fn collapse(&mut self) {
        if self.bins.len() <= MAX_BINS {
            return;
        }
        let extra = self.bins.len() - MAX_BINS;
        let folded: f64 = self.bins[..=extra].iter().map(|(_, w)| w).sum();
        let into = self.bins[extra].0;
        self.bins.drain(..extra);
        self.bins[0] = (into, folded);
    }

    fn merge(&mut self, other: &Hist) {
        self.zeros += other.zeros;
        let (a, b) = (&self.bins, &other.bins);
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            let order = match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) => x.0.cmp(&y.0),
                (Some(_), None) => Ordering::Less,
                _ => Ordering::Greater,
            };
            match order {
                Ordering::Less => {
                    out.push(a[i]);
                    i += 1;
                }
                Ordering::Greater => {
                    out.push(b[j]);
                    j += 1;
                }
                Ordering::Equal => {
                    out.push((a[i].0, a[i].1 + b[j].1));
                    i += 1;
                    j += 1;
                }
            }
        }
        self.bins = out;
        self.collapse();
    }
}

impl Dist {
    /// Adds `count` observations of `value`.
    pub fn add(&mut self, value: f64, count: f64) {
        self.add_within(value, count, EXACT_MAX);
    }

    /// [`Dist::add`], kept exact up to `exact_max` distinct values.
    fn add_within(&mut self, value: f64, count: f64, exact_max: usize) {
        if value < 0.0 {
            *self = Dist::Unavailable;
            return;
        }
        match self {
            Dist::Exact(values) => {
                match values.binary_search_by(|(v, _)| v.total_cmp(&value)) {
                    Ok(at) => values[at].1 += count,
                    Err(at) => values.insert(at, (value, count)),
                }
                if values.len() > exact_max {
                    let mut h = Hist::default();
                    for (v, w) in values.iter() {
                        h.add(*v, *w);
                    }
                    *self = Dist::Hist(Box::new(h));
                }
            }
            Dist::Hist(h) => h.add(value, count),
            Dist::Unavailable => {}
        }
    }

    /// Merges `other` into this distribution, kept exact up to `exact_max` values.
    pub fn merge_within(&mut self, other: &Dist, exact_max: usize) {
        match (&mut *self, other) {
            (Dist::Unavailable, _) => {}
            (_, Dist::Unavailable) => *self = Dist::Unavailable,
            (_, Dist::Exact(values)) => {
                for (v, w) in values {
                    self.add_within(*v, *w, exact_max);
                }
            }
            (Dist::Hist(h), Dist::Hist(o)) => h.merge(o),
            (Dist::Exact(values), Dist::Hist(o)) => {
                let mut h = (**o).clone();
                for (v, w) in values.iter() {
                    h.add(*v, *w);
                }
                *self = Dist::Hist(Box::new(h));
            }
        }
    }

    /// The values (exact, or the bins' midpoints) with their counts, in increasing order;
    /// `None` when percentiles are unavailable.
    pub fn weighted_values(&self) -> Option<Vec<(f64, f64)>> {
        match self {
            Dist::Exact(values) => Some(values.clone()),
            Dist::Hist(h) => {
                let mut out = Vec::with_capacity(h.bins.len() + 1);
                if h.zeros > 0.0 {
                    out.push((0.0, h.zeros));
                }
                out.extend(h.bins.iter().map(|(i, w)| (Hist::value(*i), *w)));
                Some(out)
            }
            Dist::Unavailable => None,
        }
    }

    /// How many entries it holds (its memory, in units of 16 bytes).
    pub fn cells(&self) -> usize {
        match self {
            Dist::Exact(v) => v.len(),
            Dist::Hist(h) => h.bins.len() + 1,
            Dist::Unavailable => 0,
        }
    }

    /// Appends its stored form to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Dist::Exact(values) => {
                out.push(0);
                out.extend_from_slice(&(values.len() as u32).to_le_bytes());
                for (v, w) in values {
                    out.extend_from_slice(&v.to_le_bytes());
                    out.extend_from_slice(&w.to_le_bytes());
                }
            }
            Dist::Hist(h) => {
                out.push(1);
                out.extend_from_slice(&h.zeros.to_le_bytes());
                out.extend_from_slice(&(h.bins.len() as u32).to_le_bytes());
                for (i, w) in &h.bins {
                    out.extend_from_slice(&i.to_le_bytes());
                    out.extend_from_slice(&w.to_le_bytes());
                }
            }
            Dist::Unavailable => out.push(2),
        }
    }

    /// Reads what [`Dist::encode`] wrote; `None` when it is damaged.
    pub fn decode(r: &mut Reader<'_>) -> Option<Dist> {
        match r.u8()? {
            0 => {
                let n = r.u32()? as usize;
                if n > QUERY_EXACT_MAX {
                    return None;
                }
                let mut values = Vec::with_capacity(n);
                for _ in 0..n {
                    values.push((r.f64()?, r.f64()?));
                }
                Some(Dist::Exact(values))
            }
            1 => {
                let zeros = r.f64()?;
                let n = r.u32()? as usize;
                if n > MAX_BINS {
                    return None;
                }
                let mut bins = Vec::with_capacity(n);
                for _ in 0..n {
                    bins.push((r.i32()?, r.f64()?));
                }
                Some(Dist::Hist(Box::new(Hist { zeros, bins })))
            }
            2 => Some(Dist::Unavailable),
            _ => None,
        }
    }
}

/// A cursor over stored bytes.
pub struct Reader<'a>(pub &'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }
    /// One byte.
    pub fn u8(&mut self) -> Option<u8> {
        self.take::<1>().map(|b| b[0])
    }
    /// A little-endian `u32`.
    pub fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_le_bytes)
    }
    /// A little-endian `i32`.
    pub fn i32(&mut self) -> Option<i32> {
        self.take().map(i32::from_le_bytes)
    }
    /// A little-endian `f64`.
    pub fn f64(&mut self) -> Option<f64> {
        self.take().map(f64::from_le_bytes)
    }
}
