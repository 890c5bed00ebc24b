//! The JSON the edge publishes carries everything the core needs, and the shapes hold.

use backorder_api::input::parse;
use backorder_api::output::{AvailabilityDoc, EventDoc};
use backorder_api::policy::{PolicyDoc, ProductInput};
use backorder_core::*;
use serde::Serialize;
use serde_json::json;

/// The JSON `doc` writes, as serde_json reads it.
fn json_of<T: Serialize>(doc: &T) -> serde_json::Value {
    serde_json::to_value(doc).unwrap()
}

const NOW: Millis = 1_795_687_200_000; // Thu 2026-11-26 10:00 UTC

fn ledger_with_supply() -> Ledger {
    let mut ledger = Ledger::default();
    let policy = Policy { backorder_limit: Some(40), low_stock_threshold: 5, ..Policy::default() };
    ledger.apply(NOW, Command::Configure { policy, on_hand: Some(3) }).unwrap();
    let today = ledger.today(NOW);
    for (i, (qty, days)) in [(4, 5), (6, 12), (2, 30)].into_iter().enumerate() {
        let command =
            Command::SetPurchaseOrder { id: format!("PO-{i}"), qty, expected: today.add_days(days) };
        ledger.apply(NOW, command).unwrap();
    }
    for i in 0..3 {
        let command = Command::Confirm { order_id: format!("o{i}"), qty: 2, ship: None, reservation: None };
        ledger.apply(NOW, command).unwrap();
    }
    ledger
}

#[test]
fn the_published_json_quotes_exactly_like_the_ledger() {
    let ledger = ledger_with_supply();
    let today = ledger.today(NOW);
    let availability = ledger.availability(today);
    // Through the text the edge writes, read back as the widget reads it.
    let text = serde_json::to_string(&AvailabilityDoc::new("PHONE-1", "Phone", &availability)).unwrap();
    let doc: AvailabilityDoc = serde_json::from_str(&text).unwrap();
    let snapshot = doc.to_snapshot().unwrap();
    assert_eq!(snapshot, availability.published());
    for qty in 1..=45 {
        for ship in [Ship::Partial, Ship::Complete] {
            assert_eq!(snapshot.quote(qty, ship, today), availability.quote(qty, ship, today), "qty {qty}");
        }
    }
}

#[test]
fn availability_shape() {
    let ledger = ledger_with_supply();
    let doc = AvailabilityDoc::new("PHONE-1", "Phone", &ledger.availability(ledger.today(NOW)));
    let doc =
        doc.with_quote(ledger.availability(ledger.today(NOW)).quote(2, Ship::Partial, ledger.today(NOW)));
    let value = json_of(&doc);
    assert_eq!(value["status"], "backorder");
    assert_eq!(value["schema_org"], "BackOrder");
    assert_eq!(value["available_now"], 0);
    assert_eq!(value["backorder"], json!({"allowed": true, "remaining": 37, "lead_time_days": 14}));
    assert_eq!(value["today"], "2026-11-26");
    assert_eq!(
        value["calendar"],
        json!({"handling_days": 1, "ship_weekdays": [1, 2, 3, 4, 5], "holidays": []})
    );
    // 3 units of PO-0 were promised to the orders; 1 + 6 + 2 remain.
    assert_eq!(
        value["supply"],
        json!([{"date": "2026-12-01", "qty": 1}, {"date": "2026-12-08", "qty": 6}, {"date": "2026-12-26", "qty": 2}])
    );
    assert_eq!(value["supply_horizon"], "2026-12-26");
    assert_eq!(
        value["quote"],
        json!({"qty": 2, "now": 0, "backorder": 2, "ship_date": null, "backorder_ship_date": "2026-12-09"})
    );
}

#[test]
fn refused_quotes_carry_the_error() {
    let mut ledger = Ledger::default();
    let policy = Policy { backorders: Backorders::Deny, ..Policy::default() };
    ledger.apply(NOW, Command::Configure { policy, on_hand: Some(1) }).unwrap();
    let today = ledger.today(NOW);
    let availability = ledger.availability(today);
    let doc =
        AvailabilityDoc::new("A", "A", &availability).with_quote(availability.quote(2, Ship::Partial, today));
    let value = json_of(&doc);
    assert_eq!(value["quote_error"]["code"], "insufficient_stock");
    assert!(value.get("quote").is_none());
}

#[test]
fn product_updates_keep_absent_fields_and_clear_nulls() {
    let current = PolicyDoc::from(&Policy { backorder_limit: Some(5), ..Policy::default() });
    let update: ProductInput = parse(br#"{"lead_time_days": null, "handling_days": 2}"#).unwrap();
    let merged = update.merge(&current);
    assert_eq!(merged.lead_time_days, None);
    assert_eq!(merged.backorder_limit, Some(5), "absent keeps");
    assert_eq!(merged.handling_days, 2);
    let clear: ProductInput = parse(br#"{"backorder_limit": null, "release_date": "2027-01-05"}"#).unwrap();
    let merged = clear.merge(&current);
    assert_eq!(merged.backorder_limit, None);
    assert_eq!(merged.release_date, Date::parse("2027-01-05"));
    let policy = merged.to_policy().unwrap();
    assert_eq!(policy.release_date, Date::parse("2027-01-05"));
}

#[test]
fn invalid_products_are_refused_with_reasons() {
    let current = PolicyDoc::from(&Policy::default());
    let cases: [(&[u8], &str); 6] = [
        (br#"{"ship_weekdays": [0]}"#, "ship_weekdays"),
        (br#"{"ship_weekdays": []}"#, "ship_weekdays"),
        (br#"{"hold_minutes": 0}"#, "hold_minutes"),
        (br#"{"lead_time_days": 99999}"#, "lead_time_days"),
        (br#"{"utc_offset_minutes": 9000}"#, "utc_offset_minutes"),
        (br#"{"handling_days": 400}"#, "handling_days"),
    ];
    for (body, field) in cases {
        let input: ProductInput = parse(body).unwrap();
        let error = input.merge(&current).to_policy().unwrap_err();
        assert!(error.message.contains(field), "{}: {}", String::from_utf8_lossy(body), error.message);
    }
    let error = parse::<ProductInput>(br#"{"on_hand": 1, "colour": "red"}"#).unwrap_err();
    assert!(error.message.contains("unknown field `colour`"));
    let named: ProductInput = parse(br#"{"name": "  "}"#).unwrap();
    assert!(named.checked_name().is_err());
}

#[test]
fn null_clears_a_nullable_field_and_is_refused_on_any_other() {
    let current = PolicyDoc::from(&Policy { backorder_limit: Some(5), ..Policy::default() });
    for field in ["backorder_limit", "lead_time_days", "release_date"] {
        let body = format!(r#"{{"{field}": null}}"#);
        let merged =
            serde_json::to_value(parse::<ProductInput>(body.as_bytes()).unwrap().merge(&current)).unwrap();
        assert_eq!(merged[field], serde_json::Value::Null, "{field}");
    }
    let others = [
        "name",
        "on_hand",
        "backorders",
        "limit_to_inbound",
        "handling_days",
        "ship_weekdays",
        "holidays",
        "low_stock_threshold",
        "discontinued",
        "utc_offset_minutes",
        "hold_minutes",
    ];
    for field in others {
        let body = format!(r#"{{"{field}": null}}"#);
        let error = parse::<ProductInput>(body.as_bytes()).unwrap_err();
        assert_eq!(error.status, 400, "{field}");
        // Named, with one reason for every type, enums included.
        assert!(
            error.message.starts_with(&format!(
                "invalid JSON body: {field}: invalid type: null, expected a value (leave the field out to keep it)"
            )),
            "{field}: {}",
            error.message
        );
    }
    let absent: ProductInput = parse(b"{}").unwrap();
    assert_eq!(absent.merge(&current), current, "absent fields keep their values");
}

#[test]
fn event_json_names_its_type() {
    let record = EventRecord {
        seq: 7,
        at: NOW,
        event: Event::EtaChanged {
            order_id: "1001".into(),
            promised: Date::parse("2026-12-04"),
            previous: Date::parse("2026-12-04"),
            projected: Date::parse("2026-12-09"),
        },
    };
    let doc = EventDoc::new("PHONE-1", &record);
    let value = json_of(&doc);
    assert_eq!(serde_json::from_value::<EventDoc>(value.clone()).unwrap(), doc, "the feed reads it back");
    assert_eq!(
        value,
        json!({
            "sku": "PHONE-1", "seq": 7, "at": "2026-11-26T10:00:00Z", "type": "eta_changed", "order_id": "1001",
            "promised_ship_date": "2026-12-04", "previous_ship_date": "2026-12-04", "projected_ship_date": "2026-12-09"
        })
    );
}

/// Every kind of event, including those of the adapters and the webhook dispatcher (made
/// outside the core), is read back as written: no field of a kind may clash with the envelope's
/// (`sku`, `seq`, `at`, `type`), which flattening would write twice.
#[test]
fn every_event_kind_round_trips_through_its_envelope() {
    use backorder_api::output::EventBody;
    let bodies = [
        EventBody::AdapterSkipped {
            platform: "shopify".into(),
            platform_order_id: "1".into(),
            order_id: "shopify:1".into(),
            item_sku: Some("A".into()),
            qty: 1,
            reason: "unknown_sku".into(),
        },
        EventBody::AdapterOrderRefused {
            platform: "bigcommerce".into(),
            platform_order_id: "2".into(),
            order_id: "bigcommerce:2".into(),
            code: "insufficient_stock".into(),
            message: "no".into(),
        },
        EventBody::EndpointDisabled {
            endpoint_id: "we_1".into(),
            url: "https://a.example/".into(),
            failing_since: 0,
        },
        EventBody::LowStock { available_now: 1, threshold: 2 },
    ];
    for body in bodies {
        let doc = EventDoc { sku: Some("ENVELOPE".into()), seq: 3, at: 1_795_687_200_000, body };
        let text = serde_json::to_string(&doc).unwrap();
        assert_eq!(text.matches("\"sku\"").count(), 1, "{text}");
        assert_eq!(serde_json::from_str::<EventDoc>(&text).unwrap(), doc, "{text}");
    }
}
