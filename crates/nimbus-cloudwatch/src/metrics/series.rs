//! The series the store holds in memory: one per (account, region, metric identity, unit),
//! each with its buckets in four tiers, as CloudWatch retains data ([`TIERS`]): 1-second
//! buckets (high-resolution data) for 3 hours, 1-minute buckets (standard-resolution data)
//! for 15 days, 5-minute buckets for 63 days and 1-hour buckets for 455 days, each tier
//! rolling into the next as it ages; the bounds on series and buckets, and which buckets
//! changed since the last write.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use nimbus_core::bus::metrics::{MetricDatum, MetricUnit};

use super::aggregate::Agg;
use super::persist::{Effect, Loader};
use super::{MetricIdentity, SeriesKey};

/// One second, ms.
pub const SECOND: u64 = 1_000;
/// One minute, ms.
pub const MINUTE: u64 = 60 * SECOND;
/// One hour, ms.
pub const HOUR: u64 = 60 * MINUTE;
/// One day, ms.
pub const DAY: u64 = 24 * HOUR;
/// How long high-resolution data keeps its 1-second buckets (3 hours).
pub const HIGH_RES_RETENTION: u64 = 3 * HOUR;
/// How long 1-minute data is kept (15 days).
pub const MINUTE_RETENTION: u64 = 15 * DAY;
/// How long 5-minute data is kept (63 days).
pub const FIVE_MINUTE_RETENTION: u64 = 63 * DAY;
/// How long anything is kept (455 days, in 1-hour buckets).
pub const RETENTION: u64 = 455 * DAY;
/// The tiers, finest first: (bucket length, age up to which data stays in the tier), ms.
pub const TIERS: [(u64, u64); 4] = [
    (SECOND, HIGH_RES_RETENTION),
    (MINUTE, MINUTE_RETENTION),
    (5 * MINUTE, FIVE_MINUTE_RETENTION),
    (HOUR, RETENTION),
];
/// The tier of high-resolution data.
const HIGH_RES_TIER: usize = 0;
/// The tier of standard-resolution data.
const STANDARD_TIER: usize = 1;
/// How far ahead of the clock a datum may be (AWS accepts up to two hours).
pub const FUTURE_LIMIT: u64 = 2 * 60 * MINUTE;

/// The store's bounds on memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most series held; past it the least recently published are evicted.
    pub max_series: usize,
    /// Most buckets held over all series; past it the least recently published series are
    /// evicted.
    pub max_buckets: usize,
}

impl Default for Limits {
    /// 50,000 series and 2,000,000 buckets (a bucket is about 100 bytes with a few distinct
    /// values, at most ~9 KiB with a full histogram).
    fn default() -> Limits {
        Limits {
            max_series: 50_000,
            max_buckets: 2_000_000,
        }
    }
}

/// What names a series, owned ([`SeriesKey`]) or borrowed from a service's datum, so that a
/// datum finds its series without building a key.
pub trait SeriesName {
    /// A hash of the name, the same for every representation (dimensions in any order).
    fn fingerprint(&self) -> u64;
    /// Whether it names the series `key`.
    fn names(&self, key: &SeriesKey) -> bool;
    /// The owned key.
    fn to_key(&self) -> SeriesKey;
}

fn fingerprint<'a>(
    parts: [&str; 4],
    unit: MetricUnit,
    dimensions: impl Iterator<Item = (&'a str, &'a str)>,
) -> u64 {
    let mut h = DefaultHasher::new();
    parts.hash(&mut h);
    unit.hash(&mut h);
    let (mut sum, mut n) = (0u64, 0usize);
    for dimension in dimensions {
        let mut d = DefaultHasher::new();
        dimension.hash(&mut d);
        sum = sum.wrapping_add(d.finish());
        n += 1;
    }
    (sum, n).hash(&mut h);
    h.finish()
}

impl SeriesName for SeriesKey {
    fn fingerprint(&self) -> u64 {
        let id = &self.identity;
        fingerprint(
            [&self.account, &self.region, &id.namespace, &id.metric_name],
            self.unit,
            id.dimensions.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        )
    }

    fn names(&self, key: &SeriesKey) -> bool {
        self == key
    }

    fn to_key(&self) -> SeriesKey {
        self.clone()
    }
}

impl SeriesName for MetricDatum {
    fn fingerprint(&self) -> u64 {
        fingerprint(
            [
                &self.account,
                &self.region,
                self.namespace,
                self.metric_name,
            ],
            self.unit,
            self.dimensions.iter().map(|(n, v)| (*n, v.as_str())),
        )
    }

    fn names(&self, key: &SeriesKey) -> bool {
        let id = &key.identity;
        self.unit == key.unit
            && self.metric_name == id.metric_name
            && self.namespace == id.namespace
            && self.account == key.account
            && self.region == key.region
            && self.dimensions.len() == id.dimensions.len()
            && self.dimensions.iter().all(|(n, v)| {
                id.dimensions
                    .binary_search_by(|(kn, _)| kn.as_str().cmp(n))
                    .is_ok_and(|at| id.dimensions[at].1 == *v)
            })
    }

    fn to_key(&self) -> SeriesKey {
        let mut dimensions: Vec<(String, String)> = self
            .dimensions
            .iter()
            .map(|(n, v)| (n.to_string(), v.clone()))
            .collect();
        dimensions.sort();
        SeriesKey {
            account: self.account.clone(),
            region: self.region.clone(),
            identity: MetricIdentity {
                namespace: self.namespace.to_string(),
                metric_name: self.metric_name.to_string(),
                dimensions,
            },
            unit: self.unit,
        }
    }
}

/// One series' data.
#[derive(Debug)]
pub struct Series {
    /// Its id in storage.
    pub id: u64,
    /// Its name.
    pub key: Arc<SeriesKey>,
    /// When data was last published to it (the sandbox clock at arrival), ms.
    pub last_publish: u64,
    /// The buckets of each tier of [`TIERS`], by start.
    pub tiers: [BTreeMap<u64, Agg>; 4],
    /// The buckets of each tier changed since the last write to storage.
    dirty_buckets: [BTreeSet<u64>; 4],
    /// Whether the series row itself must be written.
    dirty_row: bool,
}

impl Series {
    /// How many buckets it holds.
    pub fn buckets(&self) -> usize {
        self.tiers.iter().map(BTreeMap::len).sum()
    }

    /// Every bucket that starts in `range`, in every tier.
    pub fn buckets_in(
        &self,
        range: std::ops::Range<u64>,
    ) -> impl Iterator<Item = (&u64, &Agg)> + '_ {
        self.tiers
            .iter()
            .flat_map(move |tier| tier.range(range.clone()))
    }
}

/// Every series, indexed.
#[derive(Debug, Default)]
pub struct Index {
    /// The series by the fingerprint of their name (see [`SeriesName`]).
    by_name: HashMap<u64, Vec<u64>>,
    /// The series last recorded to (a service records runs of the same metric).
    last: Option<u64>,
    /// The series by id.
    pub series: BTreeMap<u64, Series>,
    /// The next id to give.
    next_id: u64,
    /// The buckets held over all series.
    buckets: usize,
    /// Series with unwritten changes.
    dirty: BTreeSet<u64>,
    /// Deletions not yet handed to storage.
    pending_effects: Vec<Effect>,
    /// The bounds.
    pub limits: Limits,
}

impl Index {
    /// An empty index with `limits`.
    pub fn new(limits: Limits) -> Index {
        Index {
            limits,
            next_id: 1,
            ..Index::default()
        }
    }

    /// How many buckets are held.
    pub fn bucket_count(&self) -> usize {
        self.buckets
    }

    /// The series named `key`, if held.
    pub fn get(&self, key: &SeriesKey) -> Option<&Series> {
        self.find(key).and_then(|id| self.series.get(&id))
    }

    /// The id of the series `name` names, if held.
    fn find(&self, name: &impl SeriesName) -> Option<u64> {
        if let Some(id) = self.last
            && self.series.get(&id).is_some_and(|s| name.names(&s.key))
        {
            return Some(id);
        }
        let ids = self.by_name.get(&name.fingerprint())?;
        ids.iter()
            .copied()
            .find(|id| self.series.get(id).is_some_and(|s| name.names(&s.key)))
    }

    /// Removes the series left without data and applies the retention, after a load.
    pub fn after_load(&mut self, now: u64) {
        let empty: Vec<u64> = self
            .series
            .values()
            .filter(|s| s.buckets() == 0)
            .map(|s| s.id)
            .collect();
        for id in empty {
            self.remove(id);
        }
        self.expire(now);
    }

    /// Adds a series read from storage.
    pub fn load_series(&mut self, id: u64, key: SeriesKey, last_publish: u64) {
        let key = Arc::new(key);
        self.next_id = self.next_id.max(id + 1);
        self.by_name.entry(key.fingerprint()).or_default().push(id);
        self.series.insert(
            id,
            Series {
                id,
                key,
                last_publish,
                tiers: Default::default(),
                dirty_buckets: Default::default(),
                dirty_row: false,
            },
        );
    }

    /// Adds a bucket read from storage (`resolution`: its length in seconds).
    pub fn load_bucket(&mut self, id: u64, resolution: u32, start: u64, agg: Agg) {
        let tier = TIERS
            .iter()
            .position(|(len, _)| *len == u64::from(resolution) * SECOND);
        if let (Some(s), Some(tier)) = (self.series.get_mut(&id), tier)
            && s.tiers[tier].insert(start, agg).is_none()
        {
            self.buckets += 1;
        }
    }

    /// Records data of `name` at `timestamp` (`high_res`: in 1-second buckets while younger
    /// than 3 hours, else in 1-minute buckets while younger than 15 days, else in the tier its
    /// age falls in) published at `now`: `add` is applied to the bucket. Data older than the
    /// retention or more than 2 hours ahead of the clock is dropped.
    pub fn record(
        &mut self,
        name: &impl SeriesName,
        timestamp: u64,
        high_res: bool,
        now: u64,
        add: impl FnOnce(&mut Agg),
    ) {
        if timestamp > now + FUTURE_LIMIT {
            return;
        }
        let age = now.saturating_sub(timestamp);
        let first = if high_res {
            HIGH_RES_TIER
        } else {
            STANDARD_TIER
        };
        let Some(tier) = (first..TIERS.len()).find(|t| age < TIERS[*t].1) else {
            return;
        };
        let id = match self.find(name) {
            Some(id) => id,
            None => self.create(name.to_key(), now),
        };
        self.last = Some(id);
        let Some(s) = self.series.get_mut(&id) else {
            return;
        };
        let len = TIERS[tier].0;
        let start = timestamp / len * len;
        let (map, dirty) = (&mut s.tiers[tier], &mut s.dirty_buckets[tier]);
        let agg = map.entry(start).or_insert_with(|| {
            self.buckets += 1;
            Agg::default()
        });
        add(agg);
        dirty.insert(start);
        if now > s.last_publish {
            s.last_publish = now;
            s.dirty_row = true;
        }
        self.dirty.insert(id);
        if self.buckets > self.limits.max_buckets {
            self.evict();
        }
    }

    fn create(&mut self, key: SeriesKey, now: u64) -> u64 {
        if self.series.len() >= self.limits.max_series {
            self.evict();
        }
        let id = self.next_id;
        self.next_id += 1;
        self.load_series(id, key, now);
        if let Some(s) = self.series.get_mut(&id) {
            s.dirty_row = true;
        }
        self.dirty.insert(id);
        id
    }

    /// Evicts the least recently published series until the index is within 99% of its
    /// bounds (evicting in batches keeps the cost of a full index amortized).
    fn evict(&mut self) {
        let margin = |max: usize| max.saturating_sub((max / 100).max(1));
        let series_goal = margin(self.limits.max_series);
        let bucket_goal = margin(self.limits.max_buckets);
        let mut by_age: Vec<(u64, u64)> = self
            .series
            .values()
            .map(|s| (s.last_publish, s.id))
            .collect();
        by_age.sort_unstable();
        for (_, id) in by_age {
            if self.series.len() <= series_goal && self.buckets <= bucket_goal {
                break;
            }
            self.remove(id);
        }
    }

    /// Removes a series and its buckets.
    pub fn remove(&mut self, id: u64) {
        if let Some(s) = self.series.remove(&id) {
            self.buckets -= s.buckets();
            let fingerprint = s.key.fingerprint();
            if let Some(ids) = self.by_name.get_mut(&fingerprint) {
                ids.retain(|i| *i != id);
                if ids.is_empty() {
                    self.by_name.remove(&fingerprint);
                }
            }
            self.dirty.remove(&id);
            self.pending_effects.push(Effect::DeleteSeries { id });
        }
    }

    /// Applies the retention at `now`: the buckets of each tier older than the tier's age
    /// limit are folded into the next tier's buckets (the last tier's are dropped), and a
    /// series left without data is removed.
    pub fn expire(&mut self, now: u64) {
        let mut empty = Vec::new();
        for s in self.series.values_mut() {
            let mut changed = false;
            for (tier, (_, max_age)) in TIERS.iter().enumerate() {
                let cutoff = now.saturating_sub(*max_age);
                if s.tiers[tier]
                    .first_key_value()
                    .is_none_or(|(t, _)| *t >= cutoff)
                {
                    continue;
                }
                let keep = s.tiers[tier].split_off(&cutoff);
                let old = std::mem::replace(&mut s.tiers[tier], keep);
                self.buckets -= old.len();
                for t in old.keys() {
                    s.dirty_buckets[tier].remove(t);
                }
                self.pending_effects.push(Effect::DeleteBuckets {
                    series: s.id,
                    resolution: (TIERS[tier].0 / SECOND) as u32,
                    before: cutoff,
                });
                let Some((len, _)) = TIERS.get(tier + 1) else {
                    continue;
                };
                for (t, agg) in old {
                    let start = t / len * len;
                    s.tiers[tier + 1]
                        .entry(start)
                        .or_insert_with(|| {
                            self.buckets += 1;
                            Agg::default()
                        })
                        .merge(&agg);
                    s.dirty_buckets[tier + 1].insert(start);
                    changed = true;
                }
            }
            if s.buckets() == 0 {
                empty.push(s.id);
            } else if changed {
                self.dirty.insert(s.id);
            }
        }
        for id in empty {
            self.remove(id);
        }
    }

    /// Takes what changed since the last call, as storage effects (bucket contents encoded
    /// only when `encode`: in memory nothing is written).
    pub fn take_changes(&mut self, encode: bool) -> Vec<Effect> {
        let mut effects = std::mem::take(&mut self.pending_effects);
        for id in std::mem::take(&mut self.dirty) {
            let Some(s) = self.series.get_mut(&id) else {
                continue;
            };
            let dirty = std::mem::take(&mut s.dirty_buckets);
            let row = std::mem::take(&mut s.dirty_row);
            if !encode {
                continue;
            }
            if row {
                effects.push(Effect::PutSeries {
                    id,
                    key: s.key.clone(),
                    last_publish: s.last_publish,
                });
            }
            for (tier, starts) in dirty.into_iter().enumerate() {
                for start in starts {
                    if let Some(agg) = s.tiers[tier].get(&start) {
                        effects.push(Effect::PutBucket {
                            series: id,
                            resolution: (TIERS[tier].0 / SECOND) as u32,
                            start,
                            data: agg.encode(),
                        });
                    }
                }
            }
        }
        if !encode {
            effects.clear();
        }
        effects
    }
}

impl Loader for Index {
    fn series(&mut self, id: u64, key: SeriesKey, last_publish: u64) {
        self.load_series(id, key, last_publish);
    }

    fn bucket(&mut self, series: u64, resolution: u32, start: u64, agg: Agg) {
        self.load_bucket(series, resolution, start, agg);
    }
}
