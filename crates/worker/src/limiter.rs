//! How many reservations one client may start on one SKU: enough for any shopper changing
//! their mind, too few to hold a shelf's stock by reserving over and over.
//!
//! In memory, in a fixed table: a restart forgets it, and so does a full table, which only
//! ever lets a client in sooner. Fixed rather than a map of clients because a map keyed by
//! address cost the worker's wasm more than all the rest of the limiting.

use backorder_core::Millis;

const RESERVATIONS_PER_WINDOW: usize = 30;
const RESERVATION_WINDOW_MS: Millis = 10 * 60_000;
/// Clients tracked at once per SKU (~270 KB).
const SLOTS: usize = 1024;
/// Places a client's hash may take, starting at its own.
const PROBES: usize = 8;

/// A client's last attempts.
#[derive(Clone, Copy)]
struct Slot {
    /// Hash of the client's address; 0 when free.
    client: u64,
    /// The last attempts, a ring; `Millis::MIN` where none was made.
    attempts: [Millis; RESERVATIONS_PER_WINDOW],
    /// The oldest of them, where the next one goes.
    next: usize,
    /// When the client last tried, to forget the one seen longest ago when places run out.
    seen: Millis,
}

const FREE: Slot = Slot { client: 0, attempts: [Millis::MIN; RESERVATIONS_PER_WINDOW], next: 0, seen: 0 };

#[derive(Default)]
pub struct Limiter {
    /// Allocated on the first limited request: local development never limits.
    slots: Vec<Slot>,
}

impl Limiter {
    /// Records an attempt by `client` at `now`; whether it is within the limit (a refused
    /// attempt is not counted).
    pub fn allow(&mut self, client: &str, now: Millis) -> bool {
        if self.slots.is_empty() {
            self.slots = vec![FREE; SLOTS];
        }
        let hash = fnv1a(client).max(1);
        let places = (0..PROBES).map(|i| (hash as usize).wrapping_add(i) % SLOTS);
        let index = match places.clone().find(|&i| self.slots[i].client == hash) {
            Some(index) => index,
            None => {
                let index = places
                    .min_by_key(|&i| if self.slots[i].client == 0 { Millis::MIN } else { self.slots[i].seen })
                    .unwrap_or(0);
                self.slots[index] = Slot { client: hash, ..FREE };
                index
            }
        };
        let slot = &mut self.slots[index];
        slot.seen = now;
        // Allowed when the 30th attempt back is outside the window.
        if now.saturating_sub(slot.attempts[slot.next]) < RESERVATION_WINDOW_MS {
            return false;
        }
        slot.attempts[slot.next] = now;
        slot.next = (slot.next + 1) % RESERVATIONS_PER_WINDOW;
        true
    }
}

/// 64-bit FNV-1a: spreads addresses and keys over table places and shards.
pub fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Millis = 1_795_687_200_000;
    const MINUTE: Millis = 60_000;

    #[test]
    fn thirty_per_ten_minutes_sliding() {
        let mut limiter = Limiter::default();
        for i in 0..30 {
            assert!(limiter.allow("203.0.113.7", T0 + i * MINUTE / 10), "attempt {}", i + 1);
        }
        assert!(!limiter.allow("203.0.113.7", T0 + 3 * MINUTE));
        assert!(limiter.allow("198.51.100.2", T0 + 3 * MINUTE), "another client is not affected");
        // The first attempt leaves the window at T0 + 10 min, the second 6 s later.
        assert!(!limiter.allow("203.0.113.7", T0 + 10 * MINUTE - 1));
        assert!(limiter.allow("203.0.113.7", T0 + 10 * MINUTE));
        assert!(!limiter.allow("203.0.113.7", T0 + 10 * MINUTE + 1));
        assert!(limiter.allow("203.0.113.7", T0 + 10 * MINUTE + MINUTE / 10));
    }

    #[test]
    fn a_full_table_forgets_the_client_seen_longest_ago() {
        let mut limiter = Limiter::default();
        for _ in 0..30 {
            assert!(limiter.allow("busy", T0));
        }
        // Far more clients than places: the busy client keeps trying, so it stays tracked
        // as long as its places are not all taken by clients seen more recently.
        for i in 0..(SLOTS * 4) as i64 {
            limiter.allow(&format!("10.0.{}.{}", i / 256, i % 256), T0 + i);
            if i % 64 == 0 {
                assert!(!limiter.allow("busy", T0 + i), "still limited after {i} other clients");
            }
        }
        // Every place it could take filled by clients seen after it: forgotten, so let in.
        let newest = T0 + (SLOTS * 4) as i64;
        let tracked = |limiter: &Limiter| limiter.slots.iter().any(|slot| slot.client == fnv1a("busy"));
        for n in 0..100_000 {
            if !tracked(&limiter) {
                break;
            }
            limiter.allow(&format!("filler-{n}"), newest);
        }
        assert!(!tracked(&limiter));
        assert!(limiter.allow("busy", newest + 1));
    }
}
