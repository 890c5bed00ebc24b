//! How many reservations one client may start on one SKU: enough for any shopper changing
//! their mind, too few to hold a shelf's stock by reserving over and over.
//!
//! In memory, in an open-addressed table that grows with the clients active in the window: a
//! restart forgets it, and so does a full table, which only ever lets a client in sooner. A
//! table rather than a map keyed by address because the map cost the worker's wasm more than
//! all the rest of the limiting.

use backorder_core::Millis;

const RESERVATIONS_PER_WINDOW: usize = 30;
const RESERVATION_WINDOW_MS: Millis = 10 * 60_000;
/// The table's first size and its largest (~290 KB): a quiet SKU keeps a small one.
const MIN_SLOTS: usize = 16;
const MAX_SLOTS: usize = 1024;
/// Places a client may take, starting at its hash's.
const PROBES: usize = 8;

/// A client's last attempts.
#[derive(Clone)]
struct Slot {
    /// The client's address; empty when free.
    client: String,
    /// The last attempts, a ring; `Millis::MIN` where none was made.
    attempts: [Millis; RESERVATIONS_PER_WINDOW],
    /// The oldest of them, where the next one goes.
    next: usize,
    /// When the client last tried.
    seen: Millis,
}

impl Slot {
    fn free() -> Slot {
        Slot { client: String::new(), attempts: [Millis::MIN; RESERVATIONS_PER_WINDOW], next: 0, seen: 0 }
    }

    /// Forgetting this slot changes nothing: it is free, or its client has not tried within
    /// the window, so none of its attempts still count.
    fn idle(&self, now: Millis) -> bool {
        self.client.is_empty() || now.saturating_sub(self.seen) >= RESERVATION_WINDOW_MS
    }
}

#[derive(Default)]
pub struct Limiter {
    /// Empty until the first limited request: local development never limits.
    slots: Vec<Slot>,
}

impl Limiter {
    /// Records an attempt by `client` at `now`; whether it is within the limit (a refused
    /// attempt is not counted).
    pub fn allow(&mut self, client: &str, now: Millis) -> bool {
        let index = match self.find(client) {
            Some(index) => index,
            None => {
                let index = self.place_for(client, now);
                self.slots[index] = Slot { client: client.to_string(), ..Slot::free() };
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

    /// The places `client` may take in the table as it is now.
    fn places(&self, client: &str) -> impl Iterator<Item = usize> + Clone {
        let (start, size) = (fnv1a(client) as usize, self.slots.len());
        (0..PROBES).map(move |i| start.wrapping_add(i) % size)
    }

    fn find(&self, client: &str) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        self.places(client).find(|&i| self.slots[i].client == client)
    }

    /// A place for a new client: an idle one, else one in a larger table, else the place of
    /// the client seen longest ago among its places (forgotten).
    fn place_for(&mut self, client: &str, now: Millis) -> usize {
        if self.slots.is_empty() {
            self.grow(now);
        }
        loop {
            if let Some(index) = self.places(client).find(|&i| self.slots[i].idle(now)) {
                return index;
            }
            if self.slots.len() == MAX_SLOTS {
                return self.places(client).min_by_key(|&i| self.slots[i].seen).unwrap_or(0);
            }
            self.grow(now);
        }
    }

    /// Doubles the table (or creates it), keeping the clients still active; one whose places
    /// are all taken in the new table is forgotten.
    fn grow(&mut self, now: Millis) {
        let size = (self.slots.len() * 2).clamp(MIN_SLOTS, MAX_SLOTS);
        let old = std::mem::replace(&mut self.slots, vec![Slot::free(); size]);
        for slot in old.into_iter().filter(|slot| !slot.idle(now)) {
            if let Some(index) = self.places(&slot.client).find(|&i| self.slots[i].client.is_empty()) {
                self.slots[index] = slot;
            }
        }
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

    fn tracked(limiter: &Limiter, client: &str) -> bool {
        limiter.slots.iter().any(|slot| slot.client == client)
    }

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
    fn the_table_grows_with_active_clients_and_stays_small_when_quiet() {
        let mut limiter = Limiter::default();
        for i in 0..5 {
            limiter.allow(&format!("10.0.0.{i}"), T0);
        }
        assert_eq!(limiter.slots.len(), MIN_SLOTS);
        // Clients from an earlier window are idle: their places are reused, the table stays.
        for i in 0..200 {
            limiter.allow(&format!("10.0.1.{i}"), T0 + i * RESERVATION_WINDOW_MS);
        }
        assert_eq!(limiter.slots.len(), MIN_SLOTS);
        for i in 0..500 {
            limiter.allow(&format!("10.0.2.{i}"), T0 + 300 * RESERVATION_WINDOW_MS);
        }
        assert!(limiter.slots.len() >= 512, "{} places for 500 active clients", limiter.slots.len());
        assert!((0..500).filter(|i| tracked(&limiter, &format!("10.0.2.{i}"))).count() >= 490);
    }

    #[test]
    fn a_full_table_forgets_the_client_seen_longest_ago() {
        let mut limiter = Limiter::default();
        for _ in 0..30 {
            assert!(limiter.allow("busy", T0));
        }
        // Far more active clients than places: the busy client keeps trying, so it stays
        // tracked (and limited) while others, seen longer ago, make room.
        for i in 0..(MAX_SLOTS * 4) as i64 {
            limiter.allow(&format!("10.1.{}.{}", i / 256, i % 256), T0 + i);
            if i % 64 == 0 {
                assert!(!limiter.allow("busy", T0 + i), "still limited after {i} other clients");
            }
        }
        assert_eq!(limiter.slots.len(), MAX_SLOTS);
        // Every place it could take filled by clients seen after it: forgotten, so let in.
        let newest = T0 + (MAX_SLOTS * 4) as i64;
        for n in 0..100_000 {
            if !tracked(&limiter, "busy") {
                break;
            }
            limiter.allow(&format!("filler-{n}"), newest);
        }
        assert!(!tracked(&limiter, "busy"));
        assert!(limiter.allow("busy", newest + 1));
    }

    #[test]
    fn clients_are_told_apart_by_address_not_hash() {
        let mut limiter = Limiter::default();
        // Two addresses sharing a place are still two clients.
        let first = "203.0.113.7";
        let start = fnv1a(first) as usize % MIN_SLOTS;
        let second = (0..)
            .map(|n| format!("198.51.100.{n}"))
            .find(|other| fnv1a(other) as usize % MIN_SLOTS == start)
            .unwrap();
        for _ in 0..30 {
            assert!(limiter.allow(first, T0));
        }
        assert!(!limiter.allow(first, T0));
        assert!(limiter.allow(&second, T0));
    }
}
