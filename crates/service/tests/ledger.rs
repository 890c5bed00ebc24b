//! The ledger service on a map-backed store, as its Durable Object runs it (`support::Object`):
//! every operation's outcome, replays, key reuse, the keep-policy and the limiter.

mod support;

use backorder_api::input::{CancelScopeDoc, PurchaseOrderRequest, ShipDoc};
use backorder_service::ledger::Records;
use backorder_service::protocol::LedgerOp;
use serde_json::{json, Value};
use support::{Answer, Object, MINUTE};

fn error_code(answer: &Answer) -> &str {
    answer.json["error"]["code"].as_str().unwrap_or_default()
}

#[test]
fn products_are_created_once_and_updated_by_field() {
    let mut object = Object::new();
    let unknown = object.call(LedgerOp::GetProduct, None, None);
    assert_eq!((unknown.status, error_code(&unknown)), (404, "not_found"));
    let missing = object.put(json!({"name": "Phone"}));
    assert_eq!(missing.status, 400);
    assert!(object.records.product.is_none(), "a refused creation stores nothing");
    let created = object.put(json!({"name": "Phone", "on_hand": 3, "lead_time_days": 10}));
    assert_eq!(created.status, 201);
    assert_eq!(
        (created.json["on_hand"].clone(), created.json["lead_time_days"].clone()),
        (json!(3), json!(10))
    );
    let updated = object.put(json!({"lead_time_days": null, "name": "Smartphone"}));
    assert_eq!(updated.status, 200);
    assert_eq!(
        (updated.json["lead_time_days"].clone(), updated.json["on_hand"].clone()),
        (Value::Null, json!(3))
    );
    let refused = object.put(json!({"ship_weekdays": []}));
    assert_eq!(refused.status, 400);
    let read = object.call(LedgerOp::GetProduct, None, None);
    assert_eq!(read.json["name"], "Smartphone");
    assert_eq!(read.json["ship_weekdays"], json!([1, 2, 3, 4, 5]), "the refused update changed nothing");
}

#[test]
fn a_reservation_answers_with_the_new_availability_and_replays_byte_for_byte() {
    let mut object = Object::new();
    object.put(json!({"on_hand": 3, "lead_time_days": 14}));
    let held = object.reserve(2, "k1");
    assert_eq!(held.status, 201, "{}", held.text);
    assert_eq!(held.json["status"], "held");
    assert_eq!(held.json["availability"]["available_now"], 1, "the snapshot after the hold");
    assert!(held.json["id"].as_str().unwrap().ends_with(".PHONE-1"));
    let again = object.reserve(2, "k1");
    assert_eq!(again.text, held.text, "the same key and request: the first reply");
    let reused = object.reserve(1, "k1");
    assert_eq!((reused.status, error_code(&reused)), (422, "idempotency_key_reused"));
    let unkeyed = object.call(LedgerOp::Reserve { qty: 1, ship: ShipDoc::Partial }, None, None);
    assert_eq!(unkeyed.status, 400);
    let availability =
        object.call(LedgerOp::Availability { qty: Some(3), ship: ShipDoc::Partial }, None, None);
    assert_eq!(availability.json["available_now"], 1, "one reservation, not two");
    assert_eq!(availability.json["quote"]["backorder"], 2);
    // A refusal is kept too: the same request answers the same even once stock has come.
    object.put(json!({"backorders": "deny"}));
    let refused = object.reserve(5, "k2");
    assert_eq!((refused.status, error_code(&refused)), (409, "insufficient_stock"));
    object.receive(10, None);
    assert_eq!(object.reserve(5, "k2").text, refused.text);
}

#[test]
fn one_client_is_limited_and_a_limited_attempt_is_not_kept() {
    let mut object = Object::new();
    object.put(json!({"on_hand": 1000}));
    let client = Some("203.0.113.5");
    let reserve = |object: &mut Object, key: &str| {
        object.call(LedgerOp::Reserve { qty: 1, ship: ShipDoc::Partial }, Some(key), client)
    };
    for i in 0..30 {
        assert_eq!(reserve(&mut object, &format!("k{i}")).status, 201, "attempt {i}");
    }
    assert_eq!(reserve(&mut object, "k0").status, 201, "a replay does not count");
    let limited = reserve(&mut object, "k30");
    assert_eq!((limited.status, error_code(&limited)), (429, "rate_limited"));
    assert!(object.records.reply("reservation:k30").unwrap().is_none(), "not kept");
    let other =
        object.call(LedgerOp::Reserve { qty: 1, ship: ShipDoc::Partial }, Some("k31"), Some("198.51.100.1"));
    assert_eq!(other.status, 201, "another client is not limited");
    object.now += 10 * MINUTE;
    assert_eq!(reserve(&mut object, "k30").status, 201, "the same key succeeds once the window moved on");
}

#[test]
fn orders_keep_only_successes_under_their_id() {
    let mut object = Object::new();
    object.put(json!({"on_hand": 1, "backorders": "deny"}));
    let refused = object.order("1001", 3, None);
    assert_eq!((refused.status, error_code(&refused)), (409, "insufficient_stock"));
    assert!(object.records.reply("order:1001").unwrap().is_none(), "a refused order does not use up its id");
    let confirmed = object.order("1001", 1, None);
    assert_eq!(confirmed.status, 201, "{}", confirmed.text);
    assert_eq!(confirmed.json["lines"][0]["status"], "ready");
    assert_eq!(object.order("1001", 1, None).text, confirmed.text);
    let reused = object.order("1001", 2, None);
    assert_eq!(reused.status, 422);
}

#[test]
fn confirming_a_reservation_keeps_its_quoted_dates_and_the_line_settles_to_storage() {
    let mut object = Object::new();
    object.put(json!({"on_hand": 1, "lead_time_days": 14}));
    let held = object.reserve(2, "k1");
    let id = held.json["id"].as_str().unwrap().to_string();
    let order = object.order("1001", 2, Some(&id));
    assert_eq!(order.status, 201, "{}", order.text);
    let line = &order.json["lines"][0];
    assert_eq!((line["now"].clone(), line["backorder"].clone()), (json!(1), json!(1)));
    assert_eq!(line["backorder_ship_date"], held.json["backorder_ship_date"]);
    let reservation = object.call(LedgerOp::GetReservation { id: id.clone() }, None, None);
    assert_eq!(
        (reservation.json["status"].clone(), reservation.json["order_id"].clone()),
        (json!("confirmed"), json!("1001"))
    );
    // The receipt fills the line: nothing of it waits, so it lives in storage only.
    let receipt = object.receive(1, Some("r1"));
    assert_eq!(receipt.json, json!({"allocated": [{"order_id": "1001", "qty": 1}], "on_hand": 0}));
    assert_eq!(object.receive(1, Some("r1")).text, receipt.text, "a keyed receipt replays");
    assert!(object.records.lines["1001"].1, "settled");
    assert_eq!(object.slot.as_ref().unwrap().ledger.lines().count(), 0);
    let read = object.call(LedgerOp::GetOrder { order_id: "1001".into() }, None, None);
    assert_eq!(read.json["lines"][0]["status"], "ready");
    let cancelled =
        object.call(LedgerOp::Cancel { order_id: "1001".into(), scope: CancelScopeDoc::Line }, None, None);
    assert_eq!(
        cancelled.json,
        json!({"order_id": "1001", "sku": "PHONE-1", "refund_qty": 2, "restocked": 2, "backorder_cancelled": 0})
    );
    let availability = object.call(LedgerOp::Availability { qty: None, ship: ShipDoc::Partial }, None, None);
    assert_eq!(availability.json["available_now"], 2, "its units came back, once");
}

#[test]
fn resolved_reservations_answer_from_storage_for_a_day() {
    let mut object = Object::new();
    object.put(json!({"on_hand": 3}));
    let held = object.reserve(2, "k1");
    let id = held.json["id"].as_str().unwrap().to_string();
    let released = object.call(LedgerOp::Release { id: id.clone() }, None, None);
    assert_eq!(released.json["status"], "released");
    assert!(object.records.holds[&id].1.is_some(), "stored as resolved");
    object.loaded = false; // a restart: only what was stored is left
    let read = object.call(LedgerOp::GetReservation { id: id.clone() }, None, None);
    assert_eq!(read.json, released.json);
    assert_eq!(
        object.call(LedgerOp::Release { id: id.clone() }, None, None).text,
        released.text,
        "releasing again"
    );
    object.now += 24 * 60 * MINUTE + 1;
    let forgotten = object.call(LedgerOp::GetReservation { id }, None, None);
    assert_eq!(forgotten.status, 404);
    assert_eq!(
        object.call(LedgerOp::Availability { qty: None, ship: ShipDoc::Partial }, None, None).json
            ["available_now"],
        3
    );
}

#[test]
fn holds_expire_lazily_at_the_next_call() {
    let mut object = Object::new();
    object.put(json!({"on_hand": 2, "hold_minutes": 5}));
    object.reserve(2, "k1");
    object.now += 5 * MINUTE;
    let availability = object.call(LedgerOp::Availability { qty: None, ship: ShipDoc::Partial }, None, None);
    assert_eq!(availability.json["available_now"], 2);
}

#[test]
fn a_hold_that_expires_as_it_is_read_reads_as_expired() {
    let mut object = Object::new();
    object.put(json!({"on_hand": 2, "hold_minutes": 5}));
    let id = object.reserve(2, "k1").json["id"].as_str().unwrap().to_string();
    object.now += 5 * MINUTE;
    let read = object.call(LedgerOp::GetReservation { id }, None, None);
    assert_eq!((read.status, read.json["status"].clone()), (200, json!("expired")), "{}", read.text);
}

#[test]
fn a_delay_that_lapses_as_the_order_is_read_reads_as_cancelled() {
    let mut object = Object::new();
    object.put(json!({"on_hand": 0}));
    let po = |date: &str| PurchaseOrderRequest { qty: 2, expected_date: date.parse().unwrap() };
    let set = |object: &mut Object, date| {
        object.call(LedgerOp::SetPurchaseOrder { po_id: "PO-1".into(), order: po(date) }, None, None)
    };
    set(&mut object, "2026-11-30");
    let placed = object.order("1001", 2, None);
    assert_eq!(placed.json["lines"][0]["backorder_ship_date"], "2026-12-01", "{}", placed.text);
    // More than 30 days late: silence is no consent, and the deadline ends the promised day.
    set(&mut object, "2027-01-15");
    object.now += 6 * 24 * 60 * MINUTE;
    let read = object.call(LedgerOp::GetOrder { order_id: "1001".into() }, None, None);
    let line = &read.json["lines"][0];
    assert_eq!(line["delay"]["decision"], "cancelled", "{}", read.text);
    assert_eq!((line["outstanding"].clone(), line["cancelled"].clone()), (json!(0), json!(2)));
}

#[test]
fn purchase_orders_are_created_changed_and_cancelled() {
    let mut object = Object::new();
    object.put(json!({"on_hand": 0}));
    let order = |qty, date: &str| PurchaseOrderRequest { qty, expected_date: date.parse().unwrap() };
    let set = |object: &mut Object, qty, date| {
        object.call(LedgerOp::SetPurchaseOrder { po_id: "PO-1".into(), order: order(qty, date) }, None, None)
    };
    assert_eq!(set(&mut object, 5, "2026-12-07").status, 201);
    let changed = set(&mut object, 4, "2026-12-09");
    assert_eq!(
        (changed.status, changed.json.clone()),
        (200, json!({"po_id": "PO-1", "qty": 4, "expected_date": "2026-12-09"}))
    );
    let cancel =
        |object: &mut Object| object.call(LedgerOp::CancelPurchaseOrder { po_id: "PO-1".into() }, None, None);
    assert_eq!(cancel(&mut object).status, 200);
    assert_eq!(cancel(&mut object).status, 404);
    assert!(object.records.purchase_orders.is_empty());
}

#[test]
fn events_go_to_the_outbox_in_sequence() {
    let mut object = Object::new();
    object.put(json!({"on_hand": 0, "low_stock_threshold": 1}));
    object.order("1001", 2, None);
    object.receive(3, None);
    let events: Vec<Value> =
        object.records.outbox.values().map(|text| serde_json::from_str(text).unwrap()).collect();
    let kinds: Vec<(&str, u64)> =
        events.iter().map(|e| (e["type"].as_str().unwrap(), e["seq"].as_u64().unwrap())).collect();
    assert_eq!(&kinds[..3], &[("backorder_created", 1), ("reorder_needed", 2), ("backorder_allocated", 3)]);
    assert!(events.iter().all(|e| e["sku"] == "PHONE-1"));
}

#[test]
fn a_failed_write_rolls_back_and_changes_nothing() {
    let mut object = Object::new();
    object.put(json!({"on_hand": 3}));
    let stored = object.records.clone();
    object.fail_after = Some(object.writes + 1);
    let failed = object.reserve(2, "k1");
    assert_eq!((failed.status, error_code(&failed)), (500, "internal"));
    assert_eq!(object.records, stored, "nothing of it was stored");
    object.fail_after = None;
    let retried = object.reserve(2, "k1");
    assert_eq!(retried.status, 201, "the key was not used up: {}", retried.text);
    assert_eq!(retried.json["availability"]["available_now"], 1, "memory was reloaded, not left ahead");
}
