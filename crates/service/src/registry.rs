//! The registry's service: the catalog of products, the event feed, and idempotency claims,
//! over a [`RegistryStore`]. One object, `catalog`, holds the products and the feed; objects
//! `claims-N` hold claims, spread by a hash of the key so that no single object sees every
//! reservation ([`claims_shard`]).

use backorder_api::output::{EventDoc, FeedDoc, FeedEntryDoc};
use backorder_api::ApiError;
use backorder_core::replies::KEY_RETENTION_MS;
use backorder_core::Millis;
use backorder_records::{decode, encode};
use std::hash::Hasher;

use crate::analytics::{self, AnalyticsStore};
use crate::protocol::{Claim, ClaimedBy, Delivered, Fault, FeedHead, RegistryCall, Reply, SkuEntry, SkuPage};

/// Claims are spread over this many registry objects.
pub const CLAIM_SHARDS: u64 = 16;
/// Most feed entries one page returns.
pub const MAX_FEED_PAGE: u32 = 500;
/// Most catalog entries one page returns.
pub const MAX_PRODUCT_PAGE: u32 = 200;

/// The claims object a key lives in. FNV-1a of the key: the mapping is stored state (claims
/// already written must be found again), so it may never change.
pub fn claims_shard(key: &str) -> String {
    let mut hash = fnv::FnvHasher::default();
    hash.write(key.as_bytes());
    format!("claims-{}", hash.finish() % CLAIM_SHARDS)
}

/// A stored claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredClaim {
    pub fingerprint: String,
    pub sku: String,
}

/// Where a registry object's rows live; the catalog's include analytics' rows.
pub trait RegistryStore: AnalyticsStore {
    fn put_product(&mut self, entry: &SkuEntry) -> Result<(), Fault>;
    /// Products with a SKU after `after`, by SKU.
    fn products_after(&self, after: &str, limit: u32) -> Result<Vec<SkuEntry>, Fault>;
    /// The last sequence number stored for a source (a SKU, or `order:<id>`; 0 for none).
    fn last_seq(&self, source: &str) -> Result<u64, Fault>;
    fn append_event(&mut self, source: &str, seq: u64, event: &str) -> Result<(), Fault>;
    /// Feed entries after the cursor `after`, oldest first: (id, stored event).
    fn events_after(&self, after: u64, limit: u32) -> Result<Vec<(u64, String)>, Fault>;
    /// The feed's last id (0 when empty).
    fn feed_head(&self) -> Result<u64, Fault>;
    /// Whether the webhook dispatcher is to be nudged when events arrive.
    fn watched(&self) -> Result<bool, Fault>;
    fn set_watched(&mut self, watched: bool) -> Result<(), Fault>;
    fn claim(&self, key: &str) -> Result<Option<StoredClaim>, Fault>;
    /// Stores a claim unless its key is taken; whether it was stored.
    fn insert_claim(&mut self, claim: &Claim) -> Result<bool, Fault>;
    /// Forgets claims that are not permanent and were made before `at`.
    fn forget_claims_before(&mut self, at: Millis) -> Result<(), Fault>;
}

/// What a registry object keeps in memory between calls.
#[derive(Clone, Debug)]
pub struct RegistryState {
    /// When expired claims were last forgotten (claim time), to do it at most once a minute.
    pruned_at: Millis,
    /// Whether the webhook dispatcher watches the feed, once read.
    watched: Option<bool>,
}

impl Default for RegistryState {
    fn default() -> Self {
        RegistryState { pruned_at: Millis::MIN, watched: None }
    }
}

/// Whether new events are to nudge the webhook dispatcher (read once, then kept in memory).
pub fn watched(store: &impl RegistryStore, state: &mut RegistryState) -> Result<bool, Fault> {
    if let Some(watched) = state.watched {
        return Ok(watched);
    }
    let watched = store.watched()?;
    state.watched = Some(watched);
    Ok(watched)
}

/// Answers one call. A [`Fault`] means storage failed.
pub fn handle(
    store: &mut impl RegistryStore,
    state: &mut RegistryState,
    call: RegistryCall,
) -> Result<Reply, Fault> {
    Ok(match call {
        RegistryCall::ListProduct { entry } => {
            store.put_product(&entry)?;
            Reply::json(200, &entry)
        }
        RegistryCall::Products { after, limit } => {
            let skus = store.products_after(&after, limit.clamp(1, MAX_PRODUCT_PAGE))?;
            Reply::json(200, &SkuPage { skus })
        }
        RegistryCall::AppendEvents { source, events } => append_events(store, &source, &events)?,
        RegistryCall::Feed { after, limit } => feed(store, after, limit.clamp(1, MAX_FEED_PAGE))?,
        RegistryCall::Claim { claim } => {
            if claim.at.saturating_sub(state.pruned_at) > 60_000 {
                store.forget_claims_before(claim.at - KEY_RETENTION_MS)?;
                state.pruned_at = claim.at;
            }
            if !store.insert_claim(&claim)? {
                let existing = store.claim(&claim.key)?;
                if existing.map(|c| c.fingerprint) != Some(claim.fingerprint) {
                    return Ok(ApiError::key_reused().into());
                }
            }
            Reply::json(200, &ClaimedBy { sku: claim.sku })
        }
        RegistryCall::FindClaim { key } => match store.claim(&key)? {
            Some(claim) => Reply::json(200, &ClaimedBy { sku: claim.sku }),
            None => ApiError::not_found("no such claim").into(),
        },
        RegistryCall::FeedHead => Reply::json(200, &FeedHead { head: store.feed_head()? }),
        RegistryCall::Analytics { query, now } => Reply::json(200, &analytics::report(store, &query, now)?),
        RegistryCall::Watch { active } => {
            store.set_watched(active)?;
            state.watched = Some(active);
            Reply { status: 204, body: String::new() }
        }
    })
}

/// Appends one source's events in sequence: repeats are skipped, so redelivery is harmless; a
/// gap is refused, so nothing is ever skipped.
fn append_events(store: &mut impl RegistryStore, source: &str, events: &[EventDoc]) -> Result<Reply, Fault> {
    let mut last = store.last_seq(source)?;
    for event in events {
        if event.seq <= last {
            continue;
        }
        if event.seq != last + 1 {
            let message = format!("{source}: expected event {}, got {}", last + 1, event.seq);
            return Ok(ApiError::new(409, "sequence_gap", message).into());
        }
        store.append_event(source, event.seq, &encode(event))?;
        analytics::project(store, event)?;
        last = event.seq;
    }
    Ok(Reply::json(200, &Delivered { up_to: last }))
}

fn feed(store: &impl RegistryStore, after: u64, limit: u32) -> Result<Reply, Fault> {
    let mut events = Vec::new();
    for (id, text) in store.events_after(after, limit)? {
        let event: EventDoc = decode(&text).map_err(|e| Fault::new("a stored event", e))?;
        events.push(FeedEntryDoc { id, event });
    }
    let next_cursor = events.last().map_or(after, |entry| entry.id);
    Ok(Reply::json(200, &FeedDoc { events, next_cursor }))
}
