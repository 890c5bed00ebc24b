//! Idempotency: the same key with the same request gets the first reply, failures included;
//! the same key with another request is refused.
//!
//! The rule is here: which outcomes a key remembers ([`Keep`], decided by the command, see
//! [`crate::Command::keep`]) and how a keyed request runs ([`once`]). Where replies live is the
//! shell's choice through [`ReplyStore`]: the edge keeps the exact response bytes in SQLite, the
//! tests keep outcomes in memory.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::String;
use core::convert::Infallible;

use crate::command::{Error, Outcome};
use crate::date::Millis;

/// How long a key is remembered, at least.
pub const KEY_RETENTION_MS: Millis = 24 * 60 * 60 * 1000;

/// Where replies are kept.
pub trait ReplyStore {
    type Reply;
    /// Why the store could not be read or written.
    type Fault;
    /// The fingerprint and reply stored under `key`, if any.
    fn find(&self, key: &str) -> Result<Option<(String, Self::Reply)>, Self::Fault>;
    /// Remembers a reply. Called once per key.
    fn keep(
        &mut self,
        key: &str,
        fingerprint: &str,
        reply: &Self::Reply,
        at: Millis,
    ) -> Result<(), Self::Fault>;
}

/// Which outcomes a key remembers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// Every outcome, refusals included: a retry gets exactly the first answer.
    Everything,
    /// Only successes, so that a corrected retry under the same key can still succeed (an
    /// order id is the merchant's own number, and a refused order must not use it up).
    Successes,
}

impl Keep {
    /// Whether an outcome is kept under its key. A rate-limited request never is: it did not
    /// happen, and may yet.
    pub fn keeps(self, result: &Result<Outcome, Error>) -> bool {
        match result {
            Ok(_) => true,
            Err(Error::RateLimited) => false,
            Err(_) => self == Keep::Everything,
        }
    }
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

pub fn check<S: ReplyStore>(store: &S, key: &str, fingerprint: &str) -> Result<Replay<S::Reply>, S::Fault> {
    Ok(match store.find(key)? {
        None => Replay::Fresh,
        Some((seen, reply)) if seen == fingerprint => Replay::Repeat(reply),
        Some(_) => Replay::KeyReused,
    })
}

/// Runs a keyed request once: a repeat returns the kept reply; a fresh key runs `run`, which
/// answers with the command's outcome and the reply made of it, and the reply is kept when
/// `keep` says so of the outcome. `Ok(None)` when the key was used for another request.
pub fn once<S: ReplyStore>(
    store: &mut S,
    key: &str,
    fingerprint: &str,
    keep: Keep,
    at: Millis,
    run: impl FnOnce() -> (Result<Outcome, Error>, S::Reply),
) -> Result<Option<S::Reply>, S::Fault> {
    match check(store, key, fingerprint)? {
        Replay::Repeat(kept) => Ok(Some(kept)),
        Replay::KeyReused => Ok(None),
        Replay::Fresh => {
            let (outcome, reply) = run();
            if keep.keeps(&outcome) {
                store.keep(key, fingerprint, &reply, at)?;
            }
            Ok(Some(reply))
        }
    }
}

/// `run`'s answer for a store that keeps outcomes themselves, as the tests' do.
pub fn itself(outcome: Result<Outcome, Error>) -> (Result<Outcome, Error>, Result<Outcome, Error>) {
    (outcome.clone(), outcome)
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
    type Fault = Infallible;

    fn find(&self, key: &str) -> Result<Option<(String, R)>, Infallible> {
        Ok(self.by_key.get(key).map(|(fingerprint, reply, _)| (fingerprint.clone(), reply.clone())))
    }

    fn keep(&mut self, key: &str, fingerprint: &str, reply: &R, at: Millis) -> Result<(), Infallible> {
        self.by_key.insert(key.into(), (fingerprint.into(), reply.clone(), at));
        self.by_age.push_back((at, key.into()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::Missing;
    use alloc::vec::Vec;

    type Store = MemoryReplies<Result<Outcome, Error>>;

    fn received() -> Result<Outcome, Error> {
        Ok(Outcome::Received { allocations: Vec::new(), on_hand: 1 })
    }

    fn run_once(
        store: &mut Store,
        key: &str,
        fp: &str,
        keep: Keep,
        result: Result<Outcome, Error>,
    ) -> Option<Result<Outcome, Error>> {
        let Ok(answer) = once(store, key, fp, keep, 0, || itself(result));
        answer
    }

    #[test]
    fn same_key_same_request_replays_first_reply() {
        let mut store = Store::default();
        let missing = Err(Error::NotFound(Missing::Order));
        assert_eq!(run_once(&mut store, "k", "a", Keep::Everything, missing.clone()), Some(missing.clone()));
        assert_eq!(
            run_once(&mut store, "k", "a", Keep::Everything, received()),
            Some(missing),
            "failures too"
        );
        assert_eq!(run_once(&mut store, "k", "b", Keep::Everything, received()), None, "another request");
        assert_eq!(run_once(&mut store, "other", "b", Keep::Everything, received()), Some(received()));
    }

    #[test]
    fn what_each_policy_keeps() {
        let refused = Err(Error::OrderExists);
        // (policy, outcome, kept)
        let cases = [
            (Keep::Everything, received(), true),
            (Keep::Everything, refused.clone(), true),
            (Keep::Everything, Err(Error::RateLimited), false),
            (Keep::Successes, received(), true),
            (Keep::Successes, refused, false),
            (Keep::Successes, Err(Error::RateLimited), false),
        ];
        for (keep, result, kept) in cases {
            let mut store = Store::default();
            run_once(&mut store, "k", "a", keep, result.clone());
            assert_eq!(store.len(), usize::from(kept), "{keep:?} {result:?}");
            // A forgotten refusal runs again; a kept outcome is answered as it was.
            let again = run_once(&mut store, "k", "a", keep, received());
            assert_eq!(again, Some(if kept { result } else { received() }));
        }
    }

    #[test]
    fn keys_are_kept_a_full_day_then_forgotten() {
        let mut store = Store::default();
        let Ok(()) = store.keep("k", "a", &received(), 1_000);
        store.forget_expired(1_000 + KEY_RETENTION_MS);
        assert_eq!(check(&store, "k", "b"), Ok(Replay::KeyReused));
        store.forget_expired(1_001 + KEY_RETENTION_MS);
        assert_eq!(check(&store, "k", "b"), Ok(Replay::Fresh));
        assert!(store.is_empty());
    }
}
