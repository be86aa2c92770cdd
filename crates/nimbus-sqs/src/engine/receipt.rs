//! Receipt handles: opaque, tamper-evident tokens that name one receive of one message.
//!
//! A handle carries what the engine needs to find the message in O(1) — the queue's id, the
//! message's sequence number, which receive of the message it was issued for and when — and
//! an HMAC-SHA256 tag (truncated to 128 bits) under a secret kept in the data directory, so a
//! forged or altered handle is recognised and refused as `ReceiptHandleIsInvalid`. Handles
//! stay valid across restarts because the secret is persisted with the queues.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The version byte at the start of every handle.
const VERSION: u8 = 1;
/// Bytes before the tag: version, queue id, sequence, receive count, receive time.
const BODY_LEN: usize = 1 + 8 + 8 + 4 + 8;
/// Bytes of the truncated HMAC tag.
const TAG_LEN: usize = 16;

/// What a receipt handle names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The queue's internal id (unique for the lifetime of the data directory, so a queue
    /// deleted and created again under the same name does not accept old handles).
    pub queue_id: u64,
    /// The message's sequence number.
    pub seq: u64,
    /// Which receive of the message issued the handle (its `ApproximateReceiveCount` then).
    pub receive_count: u32,
    /// When that receive happened, in milliseconds since the epoch.
    pub received_at: u64,
}

/// Signs and verifies receipt handles with one secret.
#[derive(Clone)]
pub struct ReceiptKey {
    secret: [u8; 32],
}

impl std::fmt::Debug for ReceiptKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReceiptKey(..)")
    }
}

impl ReceiptKey {
    /// A key with this secret.
    pub fn new(secret: [u8; 32]) -> ReceiptKey {
        ReceiptKey { secret }
    }

    /// A key with a fresh random secret.
    pub fn random() -> ReceiptKey {
        let mut secret = [0u8; 32];
        rand::Rng::fill(&mut rand::rng(), &mut secret[..]);
        ReceiptKey { secret }
    }

    /// The secret, for persisting.
    pub fn secret(&self) -> &[u8; 32] {
        &self.secret
    }

    fn tag(&self, body: &[u8]) -> [u8; TAG_LEN] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.secret)
            .expect("HMAC accepts keys of any length");
        mac.update(body);
        let full = mac.finalize().into_bytes();
        let mut tag = [0u8; TAG_LEN];
        tag.copy_from_slice(&full[..TAG_LEN]);
        tag
    }

    /// The handle for `r`.
    pub fn encode(&self, r: &Receipt) -> String {
        let mut buf = [0u8; BODY_LEN + TAG_LEN];
        buf[0] = VERSION;
        buf[1..9].copy_from_slice(&r.queue_id.to_be_bytes());
        buf[9..17].copy_from_slice(&r.seq.to_be_bytes());
        buf[17..21].copy_from_slice(&r.receive_count.to_be_bytes());
        buf[21..29].copy_from_slice(&r.received_at.to_be_bytes());
        let tag = self.tag(&buf[..BODY_LEN]);
        buf[BODY_LEN..].copy_from_slice(&tag);
        URL_SAFE_NO_PAD.encode(buf)
    }

    /// What `handle` names, or `None` when it was not issued with this key (garbage, altered,
    /// or from another sandbox).
    pub fn decode(&self, handle: &str) -> Option<Receipt> {
        if handle.len() > 128 {
            return None;
        }
        let buf = URL_SAFE_NO_PAD.decode(handle.as_bytes()).ok()?;
        if buf.len() != BODY_LEN + TAG_LEN || buf[0] != VERSION {
            return None;
        }
        let expected = self.tag(&buf[..BODY_LEN]);
        // Constant-time comparison of the tags.
        let diff = expected
            .iter()
            .zip(&buf[BODY_LEN..])
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if diff != 0 {
            return None;
        }
        let u64_at = |i: usize| u64::from_be_bytes(buf[i..i + 8].try_into().unwrap_or([0; 8]));
        Some(Receipt {
            queue_id: u64_at(1),
            seq: u64_at(9),
            receive_count: u32::from_be_bytes(buf[17..21].try_into().unwrap_or([0; 4])),
            received_at: u64_at(21),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper_evidence() {
        let k = ReceiptKey::random();
        let r = Receipt {
            queue_id: 7,
            seq: 123_456,
            receive_count: 3,
            received_at: 1_767_225_600_000,
        };
        let h = k.encode(&r);
        assert_eq!(k.decode(&h), Some(r));
        // A different key does not accept it.
        assert_eq!(ReceiptKey::random().decode(&h), None);
        // Any altered character is refused.
        for i in 0..h.len() {
            let mut b = h.clone().into_bytes();
            b[i] = if b[i] == b'A' { b'B' } else { b'A' };
            let s = String::from_utf8(b).unwrap();
            if s != h {
                assert_eq!(k.decode(&s), None, "altered at {i}");
            }
        }
        assert_eq!(k.decode(""), None);
        assert_eq!(k.decode("not a handle!"), None);
        assert_eq!(k.decode(&"A".repeat(10_000)), None);
    }

    #[test]
    fn handles_differ_per_receive() {
        let k = ReceiptKey::new([9; 32]);
        let mut r = Receipt {
            queue_id: 1,
            seq: 1,
            receive_count: 1,
            received_at: 5,
        };
        let a = k.encode(&r);
        r.receive_count = 2;
        assert_ne!(a, k.encode(&r));
    }
}
