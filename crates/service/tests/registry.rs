//! The registry service on a map-backed store: claims, the catalog and the feed.

use backorder_api::output::{EventBody, EventDoc};
use backorder_core::replies::KEY_RETENTION_MS;
use backorder_core::Millis;
use backorder_service::memory::MemoryRegistry;
use backorder_service::protocol::{Claim, KeySpace, RegistryCall, SkuEntry};
use backorder_service::registry::{claims_shard, handle, RegistryState};
use serde_json::{json, Value};

const T0: Millis = 1_795_687_200_000;

struct Registry {
    store: MemoryRegistry,
    state: RegistryState,
}

impl Registry {
    fn new() -> Registry {
        Registry { store: MemoryRegistry::default(), state: RegistryState::default() }
    }

    fn call(&mut self, call: RegistryCall) -> (u16, Value) {
        let reply = handle(&mut self.store, &mut self.state, call).expect("memory never fails");
        (reply.status, serde_json::from_str(&reply.body).unwrap())
    }
}

fn claim(space: KeySpace, key: &str, fingerprint: &str, at: Millis) -> Claim {
    Claim::new(space, key, "PHONE-1", fingerprint, at)
}

#[test]
fn a_key_is_claimed_by_one_request() {
    let mut registry = Registry::new();
    let first = claim(KeySpace::Reservation, "k", "reserve|1|partial", T0);
    assert_eq!(registry.call(RegistryCall::Claim { claim: first.clone() }).0, 200);
    assert_eq!(registry.call(RegistryCall::Claim { claim: first.clone() }).0, 200, "the same request again");
    let other = claim(KeySpace::Reservation, "k", "reserve|2|partial", T0);
    let (status, body) = registry.call(RegistryCall::Claim { claim: other });
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("idempotency_key_reused")));
    let receipt = claim(KeySpace::Receipt, "k", "receive|2|", T0);
    assert_eq!(registry.call(RegistryCall::Claim { claim: receipt }).0, 200, "another key space");
}

#[test]
fn claims_are_forgotten_after_a_day_but_order_ids_of_earlier_builds_are_kept() {
    let mut registry = Registry::new();
    // An order placed before orders had coordinators: its id was claimed for good.
    let legacy = claim(KeySpace::Order, "1001", "PHONE-1|confirm|1001|1||", T0);
    registry.call(RegistryCall::Claim { claim: legacy });
    registry.call(RegistryCall::Claim { claim: claim(KeySpace::Reservation, "k1", "reserve|1|partial", T0) });
    let (status, body) = registry.call(RegistryCall::FindClaim { key: "order:1001".into() });
    assert_eq!((status, body), (200, json!({"sku": "PHONE-1"})));
    // A day later, the next claim forgets the others; the order id stays.
    let later = claim(KeySpace::Reservation, "k2", "reserve|1|partial", T0 + KEY_RETENTION_MS + 60_001);
    registry.call(RegistryCall::Claim { claim: later });
    assert!(registry.store.claims.contains_key("order:1001"));
    assert!(!registry.store.claims.contains_key("reservation:k1"));
    assert_eq!(registry.call(RegistryCall::FindClaim { key: "order:nope".into() }).0, 404);
}

fn event(seq: u64) -> EventDoc {
    EventDoc {
        sku: Some("PHONE-1".into()),
        seq,
        at: T0,
        body: EventBody::LowStock { available_now: 1, threshold: 2 },
    }
}

#[test]
fn events_are_appended_in_sequence_once() {
    let mut registry = Registry::new();
    let (_, delivered) = registry
        .call(RegistryCall::AppendEvents { source: "PHONE-1".into(), events: vec![event(1), event(2)] });
    assert_eq!(delivered, json!({"up_to": 2}));
    let (_, again) = registry
        .call(RegistryCall::AppendEvents { source: "PHONE-1".into(), events: vec![event(2), event(3)] });
    assert_eq!(again, json!({"up_to": 3}), "a redelivery skips what is there");
    let (status, gap) =
        registry.call(RegistryCall::AppendEvents { source: "PHONE-1".into(), events: vec![event(5)] });
    assert_eq!((status, gap["error"]["code"].as_str()), (409, Some("sequence_gap")));
    let (_, page) = registry.call(RegistryCall::Feed { after: 0, limit: 2 });
    assert_eq!(page["next_cursor"], 2);
    assert_eq!(
        page["events"][0],
        json!({"id": 1, "sku": "PHONE-1", "seq": 1, "at": "2026-11-26T10:00:00Z", "type": "low_stock", "available_now": 1, "threshold": 2})
    );
    let (_, rest) = registry.call(RegistryCall::Feed { after: 2, limit: 100 });
    assert_eq!(rest["events"].as_array().unwrap().len(), 1);
    let (_, empty) = registry.call(RegistryCall::Feed { after: 3, limit: 100 });
    assert_eq!(empty, json!({"events": [], "next_cursor": 3}), "nothing new: the cursor stays");
}

#[test]
fn the_catalog_pages_by_sku() {
    let mut registry = Registry::new();
    for sku in ["C", "A", "B"] {
        registry.call(RegistryCall::ListProduct {
            entry: SkuEntry { sku: sku.into(), name: sku.to_lowercase() },
        });
    }
    registry.call(RegistryCall::ListProduct { entry: SkuEntry { sku: "A".into(), name: "renamed".into() } });
    let (_, page) = registry.call(RegistryCall::Products { after: String::new(), limit: 2 });
    assert_eq!(page, json!({"skus": [{"sku": "A", "name": "renamed"}, {"sku": "B", "name": "b"}]}));
    let (_, rest) = registry.call(RegistryCall::Products { after: "B".into(), limit: 2 });
    assert_eq!(rest, json!({"skus": [{"sku": "C", "name": "c"}]}));
}

#[test]
fn claims_stay_in_the_shard_earlier_builds_put_them_in() {
    // FNV-1a of the key, mod 16, as every build has computed it: claims already stored must be
    // found again after an upgrade.
    assert_eq!(claims_shard("order:EARLY-0"), "claims-3");
    assert_eq!(claims_shard("order:1001"), claims_shard("order:1001"));
}

#[test]
fn the_feed_has_a_head_and_the_webhook_dispatcher_may_watch_it() {
    let mut registry = Registry::new();
    assert_eq!(registry.call(RegistryCall::FeedHead).1, json!({"head": 0}));
    let events = vec![event(1), event(2)];
    registry.call(RegistryCall::AppendEvents { source: "PHONE-1".into(), events });
    assert_eq!(registry.call(RegistryCall::FeedHead).1, json!({"head": 2}));
    let store = registry.store.clone();
    assert!(!backorder_service::registry::watched(&store, &mut registry.state).unwrap());
    let reply =
        handle(&mut registry.store, &mut registry.state, RegistryCall::Watch { active: true }).unwrap();
    assert_eq!(reply.status, 204);
    assert!(registry.store.watched, "stored");
    let mut fresh = RegistryState::default();
    assert!(
        backorder_service::registry::watched(&registry.store, &mut fresh).unwrap(),
        "read back after a restart"
    );
}
