//! A queue's messages and the indexes that keep every operation off a scan.
//!
//! - `messages`: every message by sequence number (O(1) lookup from a receipt handle);
//! - `ready`: visible messages in sequence (send) order, so a receive takes the oldest first;
//! - `inflight`: received messages by visibility deadline;
//! - `delayed`: delayed messages by due time;
//! - `retention`: every message by the start of its retention period.
//!
//! Moving due messages from `inflight`/`delayed` to `ready` ([`MessageSet::advance`]) and
//! expiring old ones cost O(log n) each, so the cost of a receive does not grow with the
//! queue's depth.
//!
//! FIFO queues add [`Groups`]: every message group's members in send order, how many of
//! them are in flight, and a round-robin queue of the groups that can deliver (their head
//! is visible and nothing of theirs is in flight). Every stage change goes through this
//! set's methods (`insert`, `make_ready`, `set_inflight`, `remove`), which keep the group
//! index current, so a FIFO receive pops deliverable groups in O(1) instead of scanning, and
//! a slow consumer holding one group never delays the others.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

use super::message::{Message, Stage};

/// A hasher for sequence numbers: one multiplication (Fibonacci hashing), which spreads
/// consecutive integers over the whole table.
#[derive(Default, Clone, Copy)]
pub struct SeqHasher(u64);

impl Hasher for SeqHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// A `HashMap` keyed by sequence number.
pub type SeqMap<V> = HashMap<u64, V, BuildHasherDefault<SeqHasher>>;

/// One FIFO message group.
#[derive(Default)]
struct Group {
    /// Its messages (every stage), in send order.
    members: BTreeSet<u64>,
    /// How many of them are in flight.
    inflight: u32,
    /// Whether the group is in [`Groups::ready`] (possibly stale: checked when popped).
    queued: bool,
}

/// The message groups of a FIFO queue.
#[derive(Default)]
pub struct Groups {
    groups: HashMap<Box<str>, Group>,
    /// Groups that could deliver when queued, in round-robin order.
    ready: VecDeque<Box<str>>,
}

/// The messages of one queue with their indexes.
#[derive(Default)]
pub struct MessageSet {
    messages: SeqMap<Message>,
    ready: BTreeSet<u64>,
    inflight: BTreeSet<(u64, u64)>,
    delayed: BTreeSet<(u64, u64)>,
    retention: BTreeSet<(u64, u64)>,
    /// FIFO queues only.
    groups: Option<Groups>,
}

fn group_key(msg: &Message) -> &str {
    msg.payload.group_id().unwrap_or("")
}

impl MessageSet {
    /// An empty set.
    pub fn new() -> MessageSet {
        MessageSet::default()
    }

    /// An empty set for a FIFO queue (`fifo`) or a standard one.
    pub fn with_kind(fifo: bool) -> MessageSet {
        MessageSet {
            groups: fifo.then(Groups::default),
            ..MessageSet::default()
        }
    }

    /// Whether the set orders messages by group (a FIFO queue).
    pub fn is_fifo(&self) -> bool {
        self.groups.is_some()
    }

    /// Whether `group` can deliver: nothing of it in flight and its oldest message visible.
    fn deliverable(&self, g: &Group) -> bool {
        g.inflight == 0
            && g.members
                .first()
                .and_then(|s| self.messages.get(s))
                .is_some_and(|m| m.stage == Stage::Ready)
    }

    /// Queues `group` for delivery when it can deliver and is not queued yet.
    fn refresh_group(&mut self, group: &str) {
        let Some(groups) = &self.groups else {
            return;
        };
        let Some(g) = groups.groups.get(group) else {
            return;
        };
        if g.queued || !self.deliverable(g) {
            return;
        }
        if let Some(groups) = &mut self.groups
            && let Some(g) = groups.groups.get_mut(group)
        {
            g.queued = true;
            groups.ready.push_back(Box::from(group));
        }
    }

    /// Adds `seq` to its group.
    fn group_insert(&mut self, seq: u64, group: &str, inflight: bool) {
        if let Some(groups) = &mut self.groups {
            let g = match groups.groups.get_mut(group) {
                Some(g) => g,
                None => groups.groups.entry(Box::from(group)).or_default(),
            };
            g.members.insert(seq);
            if inflight {
                g.inflight += 1;
            }
        }
    }

    /// Records a stage change of a member of `group` (in flight before / after).
    fn group_stage(&mut self, group: &str, was_inflight: bool, now_inflight: bool) {
        if let Some(groups) = &mut self.groups
            && let Some(g) = groups.groups.get_mut(group)
        {
            match (was_inflight, now_inflight) {
                (true, false) => g.inflight = g.inflight.saturating_sub(1),
                (false, true) => g.inflight += 1,
                _ => {}
            }
        }
    }

    /// The next group that can deliver, taken off the round-robin queue (stale entries are
    /// dropped on the way). The caller delivers from it with [`MessageSet::group_run`] and
    /// then calls [`MessageSet::requeue_group`].
    pub fn pop_ready_group(&mut self) -> Option<Box<str>> {
        loop {
            let name = self.groups.as_mut()?.ready.pop_front()?;
            let ok = match self.groups.as_ref().and_then(|gs| gs.groups.get(&name)) {
                Some(g) => self.deliverable(g),
                None => continue,
            };
            if let Some(g) = self.groups.as_mut().and_then(|gs| gs.groups.get_mut(&name)) {
                g.queued = false;
            }
            if ok {
                return Some(name);
            }
        }
    }

    /// The oldest messages of `group` while they are visible, up to `max`, in order.
    pub fn group_run(&self, group: &str, max: usize) -> Vec<u64> {
        let Some(g) = self.groups.as_ref().and_then(|gs| gs.groups.get(group)) else {
            return Vec::new();
        };
        g.members
            .iter()
            .copied()
            .take_while(|s| {
                self.messages
                    .get(s)
                    .is_some_and(|m| m.stage == Stage::Ready)
            })
            .take(max)
            .collect()
    }

    /// Puts `group` back in the round-robin queue if it can still deliver.
    pub fn requeue_group(&mut self, group: &str) {
        self.refresh_group(group);
    }

    /// Number of message groups with messages (FIFO queues).
    pub fn group_count(&self) -> usize {
        self.groups.as_ref().map_or(0, |g| g.groups.len())
    }

    fn build_groups(&mut self) {
        let Some(groups) = &mut self.groups else {
            return;
        };
        groups.groups.clear();
        groups.ready.clear();
        let mut seqs: Vec<u64> = self.messages.keys().copied().collect();
        seqs.sort_unstable();
        let mut names: Vec<Box<str>> = Vec::new();
        for seq in seqs {
            let m = &self.messages[&seq];
            let key = group_key(m);
            let g = match groups.groups.get_mut(key) {
                Some(g) => g,
                None => {
                    names.push(Box::from(key));
                    groups.groups.entry(Box::from(key)).or_default()
                }
            };
            g.members.insert(seq);
            if m.stage == Stage::InFlight {
                g.inflight += 1;
            }
        }
        for n in names {
            self.refresh_group(&n);
        }
    }

    /// A set holding `loaded` (messages read back from storage, in any order), with its
    /// indexes built in bulk: sorted once and packed, rather than inserted one by one.
    pub fn from_loaded(loaded: Vec<(u64, Message)>, fifo: bool) -> MessageSet {
        let n = loaded.len();
        let mut ready = Vec::new();
        let mut inflight = Vec::new();
        let mut delayed = Vec::new();
        let mut retention = Vec::with_capacity(n);
        let mut messages = SeqMap::with_capacity_and_hasher(n, Default::default());
        for (seq, msg) in loaded {
            retention.push((msg.enqueued_at, seq));
            match msg.stage {
                Stage::Ready => ready.push(seq),
                Stage::InFlight => inflight.push((msg.visible_at, seq)),
                Stage::Delayed => delayed.push((msg.visible_at, seq)),
            }
            messages.insert(seq, msg);
        }
        let mut set = MessageSet {
            messages,
            ready: ready.into_iter().collect(),
            inflight: inflight.into_iter().collect(),
            delayed: delayed.into_iter().collect(),
            retention: retention.into_iter().collect(),
            groups: fifo.then(Groups::default),
        };
        set.build_groups();
        set
    }

    /// Number of messages of every stage.
    pub fn len(&self) -> usize {
        self.messages.len()
    }

    /// Whether the set holds no message.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// (visible, in flight, delayed) counts: `ApproximateNumberOfMessages`, `…NotVisible`,
    /// `…Delayed`.
    pub fn counts(&self) -> (usize, usize, usize) {
        (self.ready.len(), self.inflight.len(), self.delayed.len())
    }

    /// The message with sequence number `seq`.
    pub fn get(&self, seq: u64) -> Option<&Message> {
        self.messages.get(&seq)
    }

    /// Adds a message; its stage decides its index.
    pub fn insert(&mut self, seq: u64, msg: Message) {
        self.retention.insert((msg.enqueued_at, seq));
        match msg.stage {
            Stage::Ready => {
                self.ready.insert(seq);
            }
            Stage::InFlight => {
                self.inflight.insert((msg.visible_at, seq));
            }
            Stage::Delayed => {
                self.delayed.insert((msg.visible_at, seq));
            }
        }
        if self.groups.is_some() {
            let payload = msg.payload.clone();
            let group = payload.group_id().unwrap_or("");
            let inflight = msg.stage == Stage::InFlight;
            self.messages.insert(seq, msg);
            self.group_insert(seq, group, inflight);
            self.refresh_group(group);
            return;
        }
        self.messages.insert(seq, msg);
    }

    fn unindex(&mut self, seq: u64, msg: &Message) {
        match msg.stage {
            Stage::Ready => {
                self.ready.remove(&seq);
            }
            Stage::InFlight => {
                self.inflight.remove(&(msg.visible_at, seq));
            }
            Stage::Delayed => {
                self.delayed.remove(&(msg.visible_at, seq));
            }
        }
    }

    /// Removes a message from the set and every index.
    pub fn remove(&mut self, seq: u64) -> Option<Message> {
        let msg = self.messages.remove(&seq)?;
        self.unindex(seq, &msg);
        self.retention.remove(&(msg.enqueued_at, seq));
        if let Some(groups) = &mut self.groups {
            let key = group_key(&msg);
            if let Some(g) = groups.groups.get_mut(key) {
                g.members.remove(&seq);
                if msg.stage == Stage::InFlight {
                    g.inflight = g.inflight.saturating_sub(1);
                }
                if g.members.is_empty() {
                    groups.groups.remove(key);
                } else {
                    let key: Box<str> = Box::from(key);
                    self.refresh_group(&key);
                }
            }
        }
        Some(msg)
    }

    /// Makes an in-flight or delayed message visible now.
    pub fn make_ready(&mut self, seq: u64, now: u64) {
        let Some(msg) = self.messages.get(&seq) else {
            return;
        };
        let (stage, visible_at) = (msg.stage, msg.visible_at);
        match stage {
            Stage::Ready => return,
            Stage::InFlight => {
                self.inflight.remove(&(visible_at, seq));
            }
            Stage::Delayed => {
                self.delayed.remove(&(visible_at, seq));
            }
        }
        self.ready.insert(seq);
        if let Some(m) = self.messages.get_mut(&seq) {
            m.stage = Stage::Ready;
            m.visible_at = m.visible_at.min(now);
        }
        if self.groups.is_some()
            && let Some(m) = self.messages.get(&seq)
        {
            let group: Box<str> = Box::from(group_key(m));
            self.group_stage(&group, stage == Stage::InFlight, false);
            self.refresh_group(&group);
        }
    }

    /// Hides a message until `deadline` (a receive, or a visibility change while in flight).
    pub fn set_inflight(&mut self, seq: u64, deadline: u64) {
        let Some(msg) = self.messages.get(&seq) else {
            return;
        };
        let (stage, visible_at) = (msg.stage, msg.visible_at);
        match stage {
            Stage::Ready => {
                self.ready.remove(&seq);
            }
            Stage::InFlight => {
                self.inflight.remove(&(visible_at, seq));
            }
            Stage::Delayed => {
                self.delayed.remove(&(visible_at, seq));
            }
        }
        self.inflight.insert((deadline, seq));
        if let Some(m) = self.messages.get_mut(&seq) {
            m.stage = Stage::InFlight;
            m.visible_at = deadline;
        }
        if stage != Stage::InFlight
            && self.groups.is_some()
            && let Some(m) = self.messages.get(&seq)
        {
            let group: Box<str> = Box::from(group_key(m));
            self.group_stage(&group, false, true);
        }
    }

    /// Mutable access to a message's counters (receive count, receive times). Its stage and
    /// times that index it must change only through this set's methods.
    pub fn get_mut(&mut self, seq: u64) -> Option<&mut Message> {
        self.messages.get_mut(&seq)
    }

    /// Moves every in-flight message whose deadline passed and every delayed message that
    /// is due to `ready`; returns how many became visible.
    pub fn advance(&mut self, now: u64) -> usize {
        let mut n = 0;
        while let Some(&(at, seq)) = self.inflight.first() {
            if at > now {
                break;
            }
            self.make_ready(seq, now);
            n += 1;
        }
        while let Some(&(at, seq)) = self.delayed.first() {
            if at > now {
                break;
            }
            self.make_ready(seq, now);
            n += 1;
        }
        n
    }

    /// Removes the messages whose retention started at or before `cutoff` (that is, whose
    /// retention period has ended); returns their sequence numbers.
    pub fn expire(&mut self, cutoff: u64) -> Vec<u64> {
        let mut gone = Vec::new();
        while let Some(&(at, seq)) = self.retention.first() {
            if at > cutoff {
                break;
            }
            self.remove(seq);
            gone.push(seq);
        }
        gone
    }

    /// The oldest visible messages, up to `max`, in order (not removed from `ready`).
    pub fn peek_ready(&self, max: usize) -> impl Iterator<Item = u64> + '_ {
        self.ready.iter().copied().take(max)
    }

    /// Whether any message has a sequence number at or below `seq`.
    pub fn any_at_or_below(&self, seq: u64) -> bool {
        self.ready.first().is_some_and(|s| *s <= seq)
            || self.inflight.iter().any(|(_, s)| *s <= seq)
            || self.delayed.iter().any(|(_, s)| *s <= seq)
    }

    /// The earliest time at which an in-flight or delayed message becomes visible.
    pub fn next_visible_at(&self) -> Option<u64> {
        let a = self.inflight.first().map(|x| x.0);
        let b = self.delayed.first().map(|x| x.0);
        match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The earliest start of retention among the messages.
    pub fn oldest_enqueued_at(&self) -> Option<u64> {
        self.retention.first().map(|x| x.0)
    }

    /// The earliest arrival (ms) among the messages received fewer than `poison_receives`
    /// times: what `ApproximateAgeOfOldestMessage` counts from. Walks the retention index
    /// from its oldest entry, skipping poison messages, and stops once no later entry can
    /// have arrived earlier (a message never arrives before its retention starts), or after
    /// `max_visits` entries.
    pub fn oldest_arrival(&self, poison_receives: u32, max_visits: usize) -> Option<u64> {
        let mut best: Option<u64> = None;
        for &(enqueued_at, seq) in self.retention.iter().take(max_visits) {
            if best.is_some_and(|b| enqueued_at >= b) {
                break;
            }
            let Some(m) = self.messages.get(&seq) else {
                continue;
            };
            if m.receive_count >= poison_receives {
                continue;
            }
            best = Some(best.map_or(m.arrived_at, |b| b.min(m.arrived_at)));
        }
        best
    }

    /// The number of FIFO message groups with a message in flight.
    pub fn groups_in_flight(&self) -> usize {
        self.groups
            .as_ref()
            .map_or(0, |g| g.groups.values().filter(|g| g.inflight > 0).count())
    }

    /// Removes every message; returns their sequence numbers.
    pub fn clear(&mut self) -> Vec<u64> {
        let seqs: Vec<u64> = self.messages.keys().copied().collect();
        *self = MessageSet::with_kind(self.is_fifo());
        seqs
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::engine::message::Payload;

    fn msg(stage: Stage, visible_at: u64, enqueued_at: u64) -> Message {
        Message {
            payload: Arc::new(Payload {
                id: uuid::Uuid::nil(),
                md5_of_body: [0; 16],
                body: "b".into(),
                sender_id: "s".into(),
                extra: None,
            }),
            sent_at: enqueued_at,
            enqueued_at,
            visible_at,
            receive_count: u32::from(stage == Stage::InFlight),
            first_receive_at: 0,
            stage,
            arrived_at: enqueued_at,
        }
    }

    #[test]
    fn bulk_load_builds_the_same_indexes() {
        let loaded = vec![
            (3, msg(Stage::Ready, 0, 12)),
            (1, msg(Stage::InFlight, 50, 10)),
            (2, msg(Stage::Delayed, 100, 11)),
            (4, msg(Stage::Ready, 0, 13)),
        ];
        let mut s = MessageSet::from_loaded(loaded, false);
        assert_eq!(s.len(), 4);
        assert_eq!(s.counts(), (2, 1, 1));
        assert_eq!(s.peek_ready(10).collect::<Vec<_>>(), vec![3, 4]);
        assert_eq!(s.next_visible_at(), Some(50));
        assert_eq!(s.oldest_enqueued_at(), Some(10));
        assert_eq!(s.advance(100), 2);
        assert_eq!(s.peek_ready(10).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
    }

    #[test]
    fn stages_move_between_indexes() {
        let mut s = MessageSet::new();
        s.insert(1, msg(Stage::Ready, 0, 10));
        s.insert(2, msg(Stage::Delayed, 100, 11));
        s.insert(3, msg(Stage::Ready, 0, 12));
        assert_eq!(s.counts(), (2, 0, 1));
        assert_eq!(s.peek_ready(10).collect::<Vec<_>>(), vec![1, 3]);
        s.set_inflight(1, 50);
        assert_eq!(s.counts(), (1, 1, 1));
        assert_eq!(s.next_visible_at(), Some(50));
        assert_eq!(s.advance(49), 0);
        assert_eq!(s.advance(100), 2);
        assert_eq!(s.counts(), (3, 0, 0));
        // Back in send order.
        assert_eq!(s.peek_ready(10).collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(s.expire(11), vec![1, 2]);
        assert_eq!(s.len(), 1);
        assert!(s.remove(3).is_some());
        assert!(s.is_empty());
        assert_eq!(s.counts(), (0, 0, 0));
    }
}
