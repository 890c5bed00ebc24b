//! The order coordinator on map-backed SKU objects: all or nothing, idempotent, and finished
//! by whoever drives it after a crash at any point — the request, a retry or the alarm.

mod support;

use std::collections::BTreeMap;

use backorder_api::input::{parse, OrderLineRequest, OrderRequest};
use backorder_core::HoldState;
use backorder_records::{OrderRecord, OrderStateRecord};
use backorder_service::order::{place, Order, Placement, STATUS_TOKEN_BYTES};
use backorder_service::protocol::{LedgerOp, Reply};
use proptest::prelude::*;
use serde_json::{json, Value};
use support::{Object, T0};

/// The SKUs' objects, and an order's coordinator as its Durable Object runs it.
struct World {
    objects: BTreeMap<String, Object>,
    /// What each coordinator has stored, by order id.
    coordinators: BTreeMap<String, OrderRecord>,
    tokens: u8,
}

impl World {
    fn new(products: &[(&str, Value)]) -> World {
        let mut objects = BTreeMap::new();
        for (sku, product) in products {
            let mut object = Object::named(sku);
            assert_eq!(object.put(product.clone()).status, 201);
            objects.insert(sku.to_string(), object);
        }
        World { objects, coordinators: BTreeMap::new(), tokens: 0 }
    }

    /// A placement; `crash_after` ends it (the object's memory lost) after that many ledger
    /// calls. `None` answer: it crashed.
    fn place(&mut self, request: &OrderRequest, crash_after: Option<usize>) -> Option<Reply> {
        let stored = self.coordinators.get(&request.order_id).cloned();
        match place(stored, request, T0) {
            Placement::Answer(reply) => Some(reply),
            Placement::Drive(record) => self.drive(Order::new(record), crash_after),
        }
    }

    /// What the coordinator's alarm does: drives what it stored to its end.
    fn resume(&mut self, order_id: &str) -> Reply {
        let record = self.coordinators[order_id].clone();
        self.drive(Order::new(record), None).expect("no crash")
    }

    fn drive(&mut self, mut order: Order, crash_after: Option<usize>) -> Option<Reply> {
        let order_id = order.record.order_id.clone();
        let mut calls = 0;
        loop {
            self.tokens = self.tokens.wrapping_add(1);
            let created = order.advance(T0, &[self.tokens; STATUS_TOKEN_BYTES], "https://edge.test");
            self.coordinators.insert(order_id.clone(), order.record.clone());
            if let Some(first) = created {
                return Some(first);
            }
            if order.decided() {
                return Some(order.answer());
            }
            let calls_due = order.calls(None);
            assert!(
                !calls_due.is_empty(),
                "an undecided order with nothing to do is stuck: {:?}",
                order.record
            );
            for (index, call) in calls_due {
                if crash_after == Some(calls) {
                    return None;
                }
                calls += 1;
                let reply = self.objects.get_mut(&call.sku).expect("a known SKU").send(call);
                order.answered(index, &reply);
                self.coordinators.insert(order_id.clone(), order.record.clone());
            }
        }
    }

    /// Each SKU's view of the order: whether its ledger holds a line for it.
    fn confirmed(&mut self, order_id: &str) -> Vec<bool> {
        let mut confirmed = Vec::new();
        for object in self.objects.values_mut() {
            let answer = object.call(LedgerOp::GetOrder { order_id: order_id.into() }, None, None);
            confirmed.push(answer.status == 200);
        }
        confirmed
    }

    /// No hold anywhere is still prepared for an order.
    fn no_prepared_holds(&self) -> bool {
        self.objects.values().all(|object| {
            object.slot.as_ref().is_none_or(|product| {
                product.ledger.holds().all(|hold| hold.prepared.is_none() || hold.state != HoldState::Held)
            })
        })
    }
}

fn order(order_id: &str, lines: &[(&str, u32)]) -> OrderRequest {
    OrderRequest {
        order_id: order_id.into(),
        lines: lines
            .iter()
            .map(|(sku, qty)| OrderLineRequest {
                sku: sku.to_string(),
                qty: *qty,
                reservation_id: None,
                ship: None,
            })
            .collect(),
    }
}

fn products() -> World {
    World::new(&[
        ("MUG-1", json!({"on_hand": 5, "backorders": "deny"})),
        ("PHONE-1", json!({"on_hand": 1, "lead_time_days": 14})),
        ("TEE-1", json!({"on_hand": 2, "backorders": "deny"})),
    ])
}

fn body(reply: &Reply) -> Value {
    serde_json::from_str(&reply.body).unwrap()
}

#[test]
fn an_order_whose_last_line_is_refused_leaves_no_hold_anywhere() {
    let mut world = products();
    let refused = world.place(&order("1001", &[("MUG-1", 2), ("PHONE-1", 3), ("TEE-1", 3)]), None).unwrap();
    assert_eq!(refused.status, 409, "{}", refused.body);
    let error = &body(&refused)["error"];
    assert_eq!(
        (error["code"].as_str(), error["line"].clone()),
        (Some("insufficient_stock"), json!({"index": 2, "sku": "TEE-1"}))
    );
    assert!(error["message"].as_str().unwrap().starts_with("line 2 (TEE-1): "));
    assert_eq!(world.confirmed("1001"), vec![false, false, false]);
    assert!(world.no_prepared_holds());
    for (sku, free) in [("MUG-1", 5), ("PHONE-1", 1), ("TEE-1", 2)] {
        assert_eq!(world.objects[sku].slot.as_ref().unwrap().ledger.available_now(), free, "{sku}");
    }
    // The id is free again: a corrected order is placed.
    let placed = world.place(&order("1001", &[("MUG-1", 2), ("PHONE-1", 3), ("TEE-1", 2)]), None).unwrap();
    assert_eq!(placed.status, 201, "{}", placed.body);
    assert_eq!(world.confirmed("1001"), vec![true, true, true]);
    assert_eq!(world.coordinators["1001"].attempt, 2);
}

#[test]
fn a_created_order_replays_without_its_token_and_refuses_another_request() {
    let mut world = products();
    let request = order("1001", &[("MUG-1", 1), ("PHONE-1", 2)]);
    let created = world.place(&request, None).unwrap();
    assert_eq!(created.status, 201, "{}", created.body);
    let doc = body(&created);
    let token = doc["status_token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 2 * STATUS_TOKEN_BYTES, "128 random bits, in hex");
    assert!(doc["status_url"].as_str().unwrap().starts_with("https://edge.test/order/#order=1001&token="));
    assert_eq!(doc["lines"][1]["backorder"], 1);
    let replay = world.place(&request, None).unwrap();
    let mut without_token = doc.clone();
    without_token.as_object_mut().unwrap().retain(|key, _| key != "status_token" && key != "status_url");
    assert_eq!((replay.status, body(&replay)), (201, without_token), "the same order, no token");
    let reordered = order("1001", &[("PHONE-1", 2), ("MUG-1", 1)]);
    assert_eq!(world.place(&reordered, None).unwrap().status, 201, "the same lines in another order");
    let other = world.place(&order("1001", &[("MUG-1", 2)]), None).unwrap();
    assert_eq!((other.status, body(&other)["error"]["code"].clone()), (422, json!("idempotency_key_reused")));
    let stored = Order::new(world.coordinators["1001"].clone());
    assert!(stored.token_matches(&token));
    assert!(!stored.token_matches(&token.replace(&token[..1], if &token[..1] == "a" { "b" } else { "a" })));
    assert!(!stored.record.answer.unwrap().contains(&token), "the token is stored only as its hash");
}

#[test]
fn a_shoppers_reservation_is_honoured_and_given_back_if_the_order_is_refused() {
    let mut world = products();
    let held = world.objects.get_mut("PHONE-1").unwrap().reserve(2, "k1");
    let id = held.json["id"].as_str().unwrap().to_string();
    let with = |tee| OrderRequest {
        order_id: "1002".into(),
        lines: vec![
            OrderLineRequest { sku: "PHONE-1".into(), qty: 2, reservation_id: Some(id.clone()), ship: None },
            OrderLineRequest { sku: "TEE-1".into(), qty: tee, reservation_id: None, ship: None },
        ],
    };
    assert_eq!(world.place(&with(9), None).unwrap().status, 409);
    let phone = world.objects["PHONE-1"].slot.as_ref().unwrap();
    let hold = phone.ledger.hold_view(&id).expect("still the shopper's");
    assert_eq!((hold.state, hold.prepared_for), (HoldState::Held, None));
    let created = world.place(&with(1), None).unwrap();
    assert_eq!(created.status, 201);
    assert_eq!(
        body(&created)["lines"][0]["backorder_ship_date"],
        held.json["backorder_ship_date"],
        "the quoted date holds"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    /// Crash the coordinator after any number of calls, then let its alarm finish: every
    /// order ends whole or none, no hold stays prepared, and what the ledgers hold adds up.
    #[test]
    fn a_crash_at_any_point_ends_whole_or_none(
        orders in proptest::collection::vec(
            (proptest::collection::btree_map(0usize..3, 1u32..4, 1..4), proptest::option::of(0usize..8)),
            1..6,
        ),
    ) {
        let skus = ["MUG-1", "PHONE-1", "TEE-1"];
        let mut world = products();
        for (n, (lines, crash_after)) in orders.iter().enumerate() {
            let lines: Vec<(&str, u32)> = lines.iter().map(|(sku, qty)| (skus[*sku], *qty)).collect();
            let request = order(&format!("o{n}"), &lines);
            let answer = match world.place(&request, *crash_after) {
                Some(reply) => reply,
                None => world.resume(&request.order_id),
            };
            let confirmed = world.confirmed(&request.order_id);
            let lines_confirmed = confirmed.iter().filter(|c| **c).count();
            let state = world.coordinators[&request.order_id].state;
            if answer.status == 201 {
                prop_assert_eq!(lines_confirmed, lines.len(), "{}", answer.body);
                prop_assert_eq!(state, OrderStateRecord::Committed);
            } else {
                prop_assert_eq!(lines_confirmed, 0, "{}", answer.body);
                prop_assert_eq!(state, OrderStateRecord::Aborted);
            }
            prop_assert!(world.no_prepared_holds());
            // A retry of the same request answers the same status.
            prop_assert_eq!(world.place(&request, None).unwrap().status, answer.status);
        }
        for object in world.objects.values() {
            let ledger = &object.slot.as_ref().unwrap().ledger;
            prop_assert!(ledger.check_invariants().is_ok());
        }
    }
}

#[test]
fn an_order_body_parses_strictly() {
    let request: OrderRequest =
        parse(br#"{"order_id":"1","lines":[{"sku":"A","qty":1},{"sku":"B","qty":2,"ship":"complete"}]}"#)
            .unwrap();
    assert_eq!(request.lines.len(), 2);
}
