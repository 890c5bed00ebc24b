//! Idempotency: the same key with the same request gets the first reply, failures included;
//! the same key with another request is refused.
//!
//! The rule is here; where replies live is the shell's choice through [`ReplyStore`]. The
//! edge keeps the exact response bytes in SQLite, the tests keep outcomes in memory.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::String;

use crate::date::Millis;

/// How long a key is remembered, at least.
pub const KEY_RETENTION_MS: Millis = 24 * 60 * 60 * 1000;

/// Where replies are kept.
pub trait ReplyStore {
    type Reply: Clone;
    /// The fingerprint and reply stored under `key`, if any.
    fn find(&self, key: &str) -> Option<(String, Self::Reply)>;
    /// Remembers a reply. Called once per key.
    fn keep(&mut self, key: &str, fingerprint: &str, reply: &Self::Reply, at: Millis);
}

/// What to do with a keyed request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Replay<R> {
    /// First time this key is seen: run the request and keep its reply.
    Fresh,
    /// Seen with the same request: answer this.
    Repeat(R),
    /// Seen with a different request.
    KeyReused,
}

pub fn check<S: ReplyStore>(store: &S, key: &str, fingerprint: &str) -> Replay<S::Reply> {
    match store.find(key) {
        None => Replay::Fresh,
        Some((seen, reply)) if seen == fingerprint => Replay::Repeat(reply),
        Some(_) => Replay::KeyReused,
    }
}

/// Runs `run` once per key: a repeat returns the kept reply, a reused key returns `None`.
pub fn once<S: ReplyStore>(
    store: &mut S,
    key: &str,
    fingerprint: &str,
    at: Millis,
    run: impl FnOnce() -> S::Reply,
) -> Option<S::Reply> {
    match check(store, key, fingerprint) {
        Replay::Repeat(reply) => Some(reply),
        Replay::KeyReused => None,
        Replay::Fresh => {
            let reply = run();
            store.keep(key, fingerprint, &reply, at);
            Some(reply)
        }
    }
}

/// Replies in memory, forgotten once older than [`KEY_RETENTION_MS`].
#[derive(Clone, Debug)]
pub struct MemoryReplies<R> {
    by_key: BTreeMap<String, (String, R, Millis)>,
    by_age: VecDeque<(Millis, String)>,
}

impl<R> Default for MemoryReplies<R> {
    fn default() -> Self {
        MemoryReplies { by_key: BTreeMap::new(), by_age: VecDeque::new() }
    }
}

impl<R: Clone> MemoryReplies<R> {
    /// Forgets replies kept more than [`KEY_RETENTION_MS`] before `now`.
    pub fn forget_expired(&mut self, now: Millis) {
        while let Some((at, _)) = self.by_age.front() {
            if now.saturating_sub(*at) <= KEY_RETENTION_MS {
                break;
            }
            if let Some((_, key)) = self.by_age.pop_front() {
                self.by_key.remove(&key);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}

impl<R: Clone> ReplyStore for MemoryReplies<R> {
    type Reply = R;

    fn find(&self, key: &str) -> Option<(String, R)> {
        self.by_key.get(key).map(|(fingerprint, reply, _)| (fingerprint.clone(), reply.clone()))
    }

    fn keep(&mut self, key: &str, fingerprint: &str, reply: &R, at: Millis) {
        self.by_key.insert(key.into(), (fingerprint.into(), reply.clone(), at));
        self.by_age.push_back((at, key.into()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::prelude::rust_2021::*;

    #[test]
    fn same_key_same_request_replays_first_reply() {
        let mut store = MemoryReplies::default();
        let mut runs = 0;
        let mut run = |n| {
            runs += 1;
            n
        };
        assert_eq!(once(&mut store, "k", "a", 0, || run(1)), Some(1));
        assert_eq!(once(&mut store, "k", "a", 5, || run(2)), Some(1));
        assert_eq!(once(&mut store, "k", "b", 5, || run(3)), None);
        assert_eq!(once(&mut store, "other", "b", 5, || run(4)), Some(4));
        assert_eq!(runs, 2);
    }

    #[test]
    fn keys_are_kept_a_full_day_then_forgotten() {
        let mut store = MemoryReplies::default();
        store.keep("k", "a", &"first", 1_000);
        store.forget_expired(1_000 + KEY_RETENTION_MS);
        assert_eq!(check(&store, "k", "b"), Replay::KeyReused);
        store.forget_expired(1_001 + KEY_RETENTION_MS);
        assert_eq!(check(&store, "k", "b"), Replay::Fresh);
        assert!(store.is_empty());
    }
}
