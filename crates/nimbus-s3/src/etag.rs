//! The MD5 behind a single-part object's ETag, computed for many uploads at once.
//!
//! MD5 is serial within one stream (each 64-byte block depends on the one before), so one
//! core hashes about 0.6–0.8 GB/s: at 800 one-MiB PutObjects a second that is a whole core
//! of a two-core machine, for the ETag alone. Independent streams, though, can share a SIMD
//! register lane by lane (`md5_many`: 8 lanes with AVX2, 16 with AVX-512), and concurrent
//! uploads are exactly such streams. So an upload hands its body, in batches of exactly
//! [`BATCH_BYTES`], to one hashing thread (`Lanes`), which advances every upload that has
//! a batch waiting in the same pass: on this machine one stream hashes 128 KiB in ~240 µs,
//! 2–8 streams in AVX2 lanes ~315 µs, 9–16 streams in AVX-512 lanes ~420 µs.
//!
//! Batching is natural, like a group commit, with one refinement: the thread waits a moment
//! (`GATHER`) for the batches of uploads still receiving when it has fewer batches than
//! open uploads, since a pass over 2 batches costs about what a pass over 8 costs. It waits
//! less (`GATHER_FOR_LAST`) when a batch in hand is an upload's last (the upload is about
//! to answer), and not at all when it holds a batch from every open upload; one upload
//! alone is hashed at single-stream speed without waiting. An upload keeps receiving while its previous batch
//! is hashed; at most one batch per upload is with the thread, so its batches stay in
//! order. Bodies smaller than [`BATCH_BYTES`], and the last partial batch of every body, are
//! hashed in the upload's own task.

use std::collections::VecDeque;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use md5_many::{Md5Many, Md5State};
use tokio::sync::oneshot;

use crate::error::{S3Error, S3Result};

/// Bytes in each batch handed to the hashing thread: large enough that the hand-off (a
/// channel send and two wake-ups) is noise, small enough to overlap with receiving.
pub const BATCH_BYTES: usize = 128 * 1024;

/// Batches advanced in one pass at most (three AVX-512 registers' worth).
const MAX_JOBS_PER_PASS: usize = 48;

/// How long the thread waits for more uploads' batches before a pass that would leave
/// lanes empty.
const GATHER: Duration = Duration::from_micros(2000);

/// The wait when a batch in hand is an upload's last (its response waits on the pass).
const GATHER_FOR_LAST: Duration = Duration::from_micros(700);

/// Uploads that have handed the thread a batch and not yet finished.
static OPEN_UPLOADS: AtomicUsize = AtomicUsize::new(0);

/// A batch of one upload, with the upload's state, on its way to the hashing thread.
struct Job {
    state: Md5State,
    pieces: Vec<Bytes>,
    /// The upload's last batch: its response waits on it.
    last: bool,
    done: oneshot::Sender<Md5State>,
}

/// The hashing thread, started on first use and shared by every S3 service in the process.
struct Lanes {
    jobs: mpsc::Sender<Job>,
}

impl Lanes {
    /// The process's hashing thread, or `None` if it could not be started (callers then
    /// hash in their own task).
    fn get() -> Option<&'static Lanes> {
        static LANES: OnceLock<Option<Lanes>> = OnceLock::new();
        LANES
            .get_or_init(|| {
                let (jobs, rx) = mpsc::channel();
                std::thread::Builder::new()
                    .name("nimbus-md5".into())
                    .spawn(move || run(rx))
                    .ok()
                    .map(|_| Lanes { jobs })
            })
            .as_ref()
    }
}

/// The SIMD engines: the widest the CPU has, and AVX2's 8 lanes when the widest is wider
/// (2–8 batches fill 8 lanes for less than 16).
#[derive(Clone, Copy)]
struct Engines {
    wide: Md5Many,
    narrow: Option<Md5Many>,
}

impl Engines {
    fn detect() -> Engines {
        let wide = Md5Many::new();
        let narrow = fearless_simd::Level::new()
            .as_avx2()
            .map(|t| Md5Many::from_level(fearless_simd::Level::Avx2(t)))
            .filter(|n| n.lanes() < wide.lanes());
        Engines { wide, narrow }
    }
}

/// The hashing thread's loop: take the batches waiting (gathering more for a moment when
/// lanes would stay empty), advance them together, hand each state back.
fn run(rx: mpsc::Receiver<Job>) {
    let engines = Engines::detect();
    let mut jobs: Vec<Job> = Vec::with_capacity(MAX_JOBS_PER_PASS);
    while let Ok(first) = rx.recv() {
        jobs.push(first);
        let started = Instant::now();
        let mut deadline = started + GATHER;
        loop {
            while jobs.len() < MAX_JOBS_PER_PASS {
                match rx.try_recv() {
                    Ok(j) => jobs.push(j),
                    Err(_) => break,
                }
            }
            let open = OPEN_UPLOADS.load(Ordering::Relaxed);
            if jobs.len() >= open.min(MAX_JOBS_PER_PASS) {
                break;
            }
            if jobs.iter().any(|j| j.last) {
                // A response waits on this pass: gather for less.
                deadline = deadline.min(started + GATHER_FOR_LAST);
            }
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            match rx.recv_timeout(deadline - now) {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        advance(engines, &mut jobs);
        for j in jobs.drain(..) {
            // The upload may have been abandoned (client gone); nothing waits then.
            let _ = j.done.send(j.state);
        }
    }
}

/// Where a job's pass has got to: the piece, and the offset in it.
#[derive(Clone, Copy, Default)]
struct Cursor {
    piece: usize,
    offset: usize,
}

impl Cursor {
    /// The rest of the current piece (empty once every piece is consumed).
    fn rest<'a>(&self, pieces: &'a [Bytes]) -> &'a [u8] {
        pieces
            .get(self.piece)
            .map_or(&[][..], |p| &p[self.offset..])
    }

    /// Moves past `n` bytes of the current piece.
    fn consume(&mut self, pieces: &[Bytes], n: usize) {
        self.offset += n;
        if pieces
            .get(self.piece)
            .is_some_and(|p| self.offset >= p.len())
        {
            self.piece += 1;
            self.offset = 0;
        }
    }

    fn done(&self, pieces: &[Bytes]) -> bool {
        self.piece >= pieces.len()
    }
}

/// Appends each job's pieces to its state.
///
/// `md5_many` is fast only in lockstep: a whole register width of streams, each given the
/// same whole number of 64-byte blocks, none holding a partial block (otherwise it takes a
/// general path slower than one stream alone). So each step first brings every job to a
/// block boundary in its own state (at most one block per piece boundary, hashed one stream
/// at a time), then advances the jobs together by the largest block-aligned length all of a
/// group have in their current piece, filling unused lanes with copies of a real stream
/// whose results are dropped. Groups are as wide as the widest engine; a group of 2–8 uses
/// AVX2's 8 lanes when the widest is wider; a job alone goes at single-stream speed, which
/// beats lanes mostly empty.
fn advance(engines: Engines, jobs: &mut [Job]) {
    let wide = engines.wide.lanes().max(1);
    let mut cursors = vec![Cursor::default(); jobs.len()];
    let mut active: Vec<usize> = Vec::with_capacity(jobs.len());
    let mut states: Vec<Md5State> = Vec::with_capacity(wide);
    loop {
        active.clear();
        for (i, job) in jobs.iter_mut().enumerate() {
            let c = &mut cursors[i];
            let Job { state, pieces, .. } = job;
            // To a block boundary: complete a partial block, or buffer a short rest.
            while !c.done(pieces) {
                let rest = c.rest(pieces);
                let buffered = (state.bytes_hashed() % 64) as usize;
                let take = if buffered != 0 {
                    (64 - buffered).min(rest.len())
                } else if rest.len() < 64 {
                    rest.len()
                } else {
                    break;
                };
                state.update(&rest[..take]);
                c.consume(pieces, take);
            }
            if !c.done(pieces) {
                active.push(i);
            }
        }
        if active.is_empty() {
            return;
        }
        for group in active.chunks(wide) {
            let len = group
                .iter()
                .map(|&i| cursors[i].rest(&jobs[i].pieces).len() / 64 * 64)
                .min()
                .unwrap_or(0);
            if let [i] = *group {
                let Job { state, pieces, .. } = &mut jobs[i];
                state.update(&cursors[i].rest(pieces)[..len]);
                cursors[i].consume(pieces, len);
                continue;
            }
            let engine = match engines.narrow {
                Some(n) if group.len() <= n.lanes() => n,
                _ => engines.wide,
            };
            let width = group.len().div_ceil(engine.lanes()) * engine.lanes();
            states.clear();
            let mut inputs: Vec<&[u8]> = Vec::with_capacity(width);
            for &i in group {
                states.push(jobs[i].state);
                inputs.push(&cursors[i].rest(&jobs[i].pieces)[..len]);
            }
            while states.len() < width {
                states.push(states[0]);
                inputs.push(inputs[0]);
            }
            engine.update_many(&mut states, &inputs);
            drop(inputs);
            for (k, &i) in group.iter().enumerate() {
                jobs[i].state = states[k];
                cursors[i].consume(&jobs[i].pieces, len);
            }
        }
    }
}

/// The running MD5 of one upload's content.
pub struct EtagHasher {
    /// The state, when no batch is with the hashing thread.
    state: Option<Md5State>,
    /// The batch with the hashing thread: its state comes back on this channel.
    in_flight: Option<oneshot::Receiver<Md5State>>,
    /// Data received since the last batch was handed over.
    pending: VecDeque<Bytes>,
    pending_len: usize,
    /// Bytes handed over or pending so far.
    total: u64,
    /// The content length, when the request announced it: the batch that reaches it is the
    /// last, and the thread does not hold it back.
    expected: Option<u64>,
    /// Whether this upload counts in [`OPEN_UPLOADS`].
    open: bool,
}

impl Default for EtagHasher {
    fn default() -> Self {
        EtagHasher::new(None)
    }
}

impl Drop for EtagHasher {
    fn drop(&mut self) {
        if self.open {
            OPEN_UPLOADS.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

impl EtagHasher {
    /// An empty hash for content of `expected` bytes, if known.
    pub fn new(expected: Option<u64>) -> EtagHasher {
        EtagHasher {
            state: Some(Md5State::new()),
            in_flight: None,
            pending: VecDeque::new(),
            pending_len: 0,
            total: 0,
            expected,
            open: false,
        }
    }

    /// Appends `data`. Each [`BATCH_BYTES`] gathered go to the hashing thread; this waits
    /// only for the upload's previous batch to come back.
    pub async fn update(&mut self, data: Bytes) -> S3Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        self.total += data.len() as u64;
        self.pending_len += data.len();
        self.pending.push_back(data);
        while self.pending_len >= BATCH_BYTES {
            let state = self.settle().await?;
            let pieces = self.take_batch();
            // The last full batch: what follows it is hashed here, by `finish`, which waits.
            let handed = self.total - self.pending_len as u64;
            let last = self
                .expected
                .is_some_and(|e| e.saturating_sub(handed) < BATCH_BYTES as u64);
            match Lanes::get() {
                Some(lanes) => {
                    if !self.open {
                        self.open = true;
                        OPEN_UPLOADS.fetch_add(1, Ordering::Relaxed);
                    }
                    let (done, rx) = oneshot::channel();
                    let job = Job {
                        state,
                        pieces,
                        last,
                        done,
                    };
                    match lanes.jobs.send(job) {
                        Ok(()) => self.in_flight = Some(rx),
                        Err(mpsc::SendError(job)) => {
                            self.state = Some(hash_here(job.state, &job.pieces))
                        }
                    }
                }
                None => self.state = Some(hash_here(state, &pieces)),
            }
        }
        Ok(())
    }

    /// Exactly [`BATCH_BYTES`] from the front of the pending data (slicing a piece, not
    /// copying it, where the cut falls inside one). Equal lengths let every upload in a
    /// pass share the lanes to the end of its piece.
    fn take_batch(&mut self) -> Vec<Bytes> {
        let mut out = Vec::new();
        let mut need = BATCH_BYTES;
        while need > 0 {
            let Some(mut p) = self.pending.pop_front() else {
                break;
            };
            if p.len() > need {
                let head = p.split_to(need);
                self.pending.push_front(p);
                out.push(head);
                need = 0;
            } else {
                need -= p.len();
                out.push(p);
            }
        }
        self.pending_len -= BATCH_BYTES - need;
        out
    }

    /// The state once no piece is with the hashing thread.
    async fn settle(&mut self) -> S3Result<Md5State> {
        if let Some(rx) = self.in_flight.take() {
            return rx
                .await
                .map_err(|_| S3Error::internal("the MD5 hashing thread stopped"));
        }
        self.state
            .take()
            .ok_or_else(|| S3Error::internal("MD5 state used after an error"))
    }

    /// The MD5 of everything appended.
    pub async fn finish(mut self) -> S3Result<[u8; 16]> {
        let state = self.settle().await?;
        let rest: Vec<Bytes> = self.pending.drain(..).collect();
        Ok(hash_here(state, &rest).finalize())
    }
}

/// Appends `pieces` to `state` in the calling thread (one stream, no lanes).
fn hash_here(mut state: Md5State, pieces: &[Bytes]) -> Md5State {
    for p in pieces {
        state.update(p);
    }
    state
}

/// The MD5 of `data`, hashed in the calling thread.
pub fn md5_of(data: &[u8]) -> [u8; 16] {
    md5_many::md5(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::md5::{Digest, Md5};

    /// Deterministic bytes that differ per stream.
    fn content(seed: u64, len: usize) -> Vec<u8> {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    async fn hash_in_pieces(data: &[u8], piece: usize) -> [u8; 16] {
        hash_in_pieces_announced(data, piece, true).await
    }

    async fn hash_in_pieces_announced(data: &[u8], piece: usize, announced: bool) -> [u8; 16] {
        let mut h = EtagHasher::new(announced.then_some(data.len() as u64));
        for c in data.chunks(piece.max(1)) {
            h.update(Bytes::copy_from_slice(c)).await.unwrap();
        }
        h.finish().await.unwrap()
    }

    #[tokio::test]
    async fn matches_reference_md5_for_every_length_around_blocks_and_batches() {
        for len in [
            0,
            1,
            55,
            56,
            63,
            64,
            65,
            BATCH_BYTES - 1,
            BATCH_BYTES,
            BATCH_BYTES + 1,
            3 * BATCH_BYTES + 17,
        ] {
            let data = content(len as u64, len);
            let want: [u8; 16] = Md5::digest(&data).into();
            for piece in [1000, 4096, 16 * 1024 + 3, BATCH_BYTES, len] {
                if piece == 1000 && len > 200_000 {
                    continue;
                }
                assert_eq!(
                    hash_in_pieces(&data, piece).await,
                    want,
                    "len {len} piece {piece}"
                );
            }
            assert_eq!(md5_of(&data), want);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_uploads_of_different_lengths_share_lanes_and_stay_exact() {
        let mut tasks = Vec::new();
        for i in 0..40u64 {
            tasks.push(tokio::spawn(async move {
                // Lengths and piece sizes differ per upload so lanes diverge mid-pass.
                let len = 300_000 + (i as usize) * 12_345;
                let data = content(i + 1, len);
                let piece = 7_000 + (i as usize) * 1_111;
                let got = hash_in_pieces_announced(&data, piece, i % 2 == 0).await;
                let want: [u8; 16] = Md5::digest(&data).into();
                assert_eq!(got, want, "upload {i}");
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    }

    #[test]
    fn a_pass_advances_any_number_of_jobs_with_pieces_of_odd_lengths() {
        let engines = Engines::detect();
        // 2 and 3 jobs pad the lanes; 17 spans two register widths; 50 more than a group.
        for count in [2usize, 3, 17, 50] {
            let mut jobs = Vec::new();
            let mut wants = Vec::new();
            for i in 0..count {
                let data = content(count as u64 * 100 + i as u64, 5_000 + i * 3_001);
                let want: [u8; 16] = Md5::digest(&data).into();
                wants.push(want);
                // Pieces of odd lengths, including ones shorter than a block.
                let mut pieces = Vec::new();
                let mut at = 0;
                let mut k = 0;
                while at < data.len() {
                    let n = [1, 63, 64, 65, 130, 4_097, 40][(i + k) % 7].min(data.len() - at);
                    pieces.push(Bytes::copy_from_slice(&data[at..at + n]));
                    at += n;
                    k += 1;
                }
                let (done, _rx) = oneshot::channel();
                jobs.push(Job {
                    state: Md5State::new(),
                    pieces,
                    last: false,
                    done,
                });
            }
            advance(engines, &mut jobs);
            for (i, (job, want)) in jobs.iter().zip(&wants).enumerate() {
                assert_eq!(job.state.finalize(), *want, "{count} jobs, job {i}");
            }
        }
    }
}
