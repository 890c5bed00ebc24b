//! How many reservations one client may start on one SKU: enough for any shopper changing
//! their mind, too few to hold a shelf's stock by reserving over and over.
//!
//! Attempts are remembered in memory only: a restart forgets them, and so does a full table,
//! which only ever lets a client in sooner. Replays of an idempotency key never reach the
//! ledger, so they never count; an attempt refused by the limit does not count either.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::String;

use crate::date::Millis;

/// Reservations one client may start per window.
pub const RESERVATIONS_PER_WINDOW: usize = 30;
/// The sliding window the limit counts over.
pub const RESERVATION_WINDOW_MS: Millis = 10 * 60_000;
/// Clients tracked at once per SKU (about 1 MB at most); past that, idle clients are forgotten
/// first, then the one seen longest ago.
pub const MAX_CLIENTS: usize = 4_096;

/// Recent reservation attempts by client.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Limiter {
    attempts: BTreeMap<String, VecDeque<Millis>>,
}

impl Limiter {
    /// Records an attempt by `client` at `now`; whether it is within the limit.
    pub fn allow(&mut self, client: &str, now: Millis) -> bool {
        if let Some(attempts) = self.attempts.get_mut(client) {
            while attempts.front().is_some_and(|&at| now.saturating_sub(at) >= RESERVATION_WINDOW_MS) {
                attempts.pop_front();
            }
            if attempts.len() >= RESERVATIONS_PER_WINDOW {
                return false;
            }
            attempts.push_back(now);
            return true;
        }
        if self.attempts.len() >= MAX_CLIENTS {
            self.make_room(now);
        }
        let mut attempts = VecDeque::with_capacity(1);
        attempts.push_back(now);
        self.attempts.insert(client.into(), attempts);
        true
    }

    /// Clients currently remembered.
    pub fn clients(&self) -> usize {
        self.attempts.len()
    }

    /// Forgets clients with no attempt in the window (nothing of theirs still counts), and if
    /// none is idle, the one whose last attempt is oldest.
    fn make_room(&mut self, now: Millis) {
        let last = |attempts: &VecDeque<Millis>| attempts.back().copied().unwrap_or(Millis::MIN);
        self.attempts.retain(|_, attempts| now.saturating_sub(last(attempts)) < RESERVATION_WINDOW_MS);
        if self.attempts.len() >= MAX_CLIENTS {
            let oldest =
                self.attempts.iter().min_by_key(|(_, attempts)| last(attempts)).map(|(c, _)| c.clone());
            if let Some(client) = oldest {
                self.attempts.remove(&client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    const T0: Millis = 1_795_687_200_000;
    const MINUTE: Millis = 60_000;

    #[test]
    fn thirty_per_sliding_ten_minutes_and_refusals_do_not_count() {
        let mut limiter = Limiter::default();
        for i in 0..30 {
            assert!(limiter.allow("a", T0 + i * 1_000), "attempt {i}");
        }
        assert!(!limiter.allow("a", T0 + 30_000), "the 31st within the window");
        assert!(limiter.allow("b", T0 + 30_000), "another client is not affected");
        // The first attempt leaves the window 10 minutes after it was made, and only it:
        // the refused one did not count.
        assert!(!limiter.allow("a", T0 + 10 * MINUTE - 1));
        assert!(limiter.allow("a", T0 + 10 * MINUTE));
        assert!(!limiter.allow("a", T0 + 10 * MINUTE));
    }

    #[test]
    fn a_full_table_forgets_idle_clients_first_then_the_oldest() {
        let mut limiter = Limiter::default();
        for i in 0..MAX_CLIENTS as i64 {
            assert!(limiter.allow(&format!("c{i}"), T0 + i));
        }
        for _ in 1..RESERVATIONS_PER_WINDOW {
            assert!(limiter.allow("c1", T0 + 100_000));
        }
        assert!(!limiter.allow("c1", T0 + 100_000), "c1 is at its limit");
        // Nobody is idle yet: the newcomer takes the place of c0, seen longest ago.
        assert!(limiter.allow("new", T0 + 200_000));
        assert_eq!(limiter.clients(), MAX_CLIENTS);
        assert!(!limiter.allow("c1", T0 + 200_000), "a busy client is kept");
        // Later every client but c1 and the newcomer is idle: all of them are forgotten at once.
        assert!(limiter.allow("late", T0 + 100_000 + 9 * MINUTE));
        assert!(limiter.allow("later", T0 + 100_000 + 10 * MINUTE - 1));
        assert!(limiter.clients() < MAX_CLIENTS);
    }
}
