//! One bucket's aggregate: SampleCount, Sum, Minimum, Maximum and the value distribution, as
//! CloudWatch keeps them per period; merged across buckets to answer a longer period.

use super::sketch::{self, Dist, Reader};

/// What a bucket (a second, a minute, or a queried period) holds.
#[derive(Clone, Debug, PartialEq)]
pub struct Agg {
    /// `SampleCount` (a statistic set may make it fractional).
    pub count: f64,
    /// `Sum`.
    pub sum: f64,
    /// `Minimum`.
    pub min: f64,
    /// `Maximum`.
    pub max: f64,
    /// The values, for percentiles and the other extended statistics.
    pub dist: Dist,
}

impl Default for Agg {
    fn default() -> Agg {
        Agg {
            count: 0.0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            dist: Dist::default(),
        }
    }
}

impl Agg {
    /// Adds `count` observations of `value`.
    pub fn add_value(&mut self, value: f64, count: f64) {
        if count <= 0.0 || !value.is_finite() || !count.is_finite() {
            return;
        }
        self.count += count;
        self.sum += value * count;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        self.dist.add(value, count);
    }

    /// Adds a precomputed statistic set. Its distribution is known only when it stands for
    /// identical values (`Minimum == Maximum` and `Sum == Minimum × SampleCount`, which
    /// includes a set of one value): otherwise percentiles become unavailable, as on AWS.
    pub fn add_set(&mut self, count: f64, sum: f64, min: f64, max: f64) {
        if count <= 0.0 || ![count, sum, min, max].iter().all(|x| x.is_finite()) {
            return;
        }
        self.count += count;
        self.sum += sum;
        self.min = self.min.min(min);
        self.max = self.max.max(max);
        let identical = min == max && (sum - min * count).abs() <= 1e-9 * sum.abs().max(1.0);
        if identical {
            self.dist.add(min, count);
        } else {
            self.dist = Dist::Unavailable;
        }
    }

    /// Adds everything `other` holds (into a stored bucket).
    pub fn merge(&mut self, other: &Agg) {
        self.merge_within(other, sketch::EXACT_MAX);
    }

    /// Adds everything `other` holds into a queried period (exact for longer).
    pub fn merge_into_period(&mut self, other: &Agg) {
        self.merge_within(other, sketch::QUERY_EXACT_MAX);
    }

    fn merge_within(&mut self, other: &Agg, exact_max: usize) {
        if other.count <= 0.0 {
            return;
        }
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.dist.merge_within(&other.dist, exact_max);
    }

    /// Whether it holds any data.
    pub fn is_empty(&self) -> bool {
        self.count <= 0.0
    }

    /// `Average`: `Sum / SampleCount`.
    pub fn average(&self) -> f64 {
        if self.count > 0.0 {
            self.sum / self.count
        } else {
            0.0
        }
    }

    /// Its stored form.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(33 + self.dist.cells() * 16);
        for x in [self.count, self.sum, self.min, self.max] {
            out.extend_from_slice(&x.to_le_bytes());
        }
        self.dist.encode(&mut out);
        out
    }

    /// Reads what [`Agg::encode`] wrote; `None` when it is damaged.
    pub fn decode(bytes: &[u8]) -> Option<Agg> {
        let mut r = Reader(bytes);
        let agg = Agg {
            count: r.f64()?,
            sum: r.f64()?,
            min: r.f64()?,
            max: r.f64()?,
            dist: Dist::decode(&mut r)?,
        };
        (r.0.is_empty() && agg.count > 0.0).then_some(agg)
    }
}
