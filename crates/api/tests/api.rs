//! The JSON the edge publishes carries everything the core needs, and the shapes hold.

use backorder_api::input::parse;
use backorder_api::json::{FromJson, Json, ToJson};
use backorder_api::output::{AvailabilityDoc, EventDoc, PurchaseOrderDoc, QuoteDoc};
use backorder_api::policy::{PolicyDoc, ProductInput};
use backorder_api::records::{HoldRecord, LineRecord, ProductRecord, StockRecord};
use backorder_core::*;
use serde_json::json;

/// The JSON `doc` writes, as serde_json reads it.
fn json_of(doc: &dyn ToJson) -> serde_json::Value {
    serde_json::from_str(&doc.to_json()).unwrap()
}

/// Reads a stored record as the edge does.
fn read<T: FromJson>(text: &str) -> T {
    T::from_json(&Json::parse(text.as_bytes()).unwrap()).unwrap()
}

/// Reads a row pinned in a test and checks it is written back byte for byte.
fn pinned<T: FromJson + ToJson>(text: &str) -> T {
    let record = read::<T>(text);
    assert_eq!(record.to_json(), text, "written as before");
    record
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
    let doc = AvailabilityDoc::new("PHONE-1", "Phone", &availability);
    let snapshot = doc.to_snapshot().unwrap();
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
    let value = json_of(&EventDoc::new("PHONE-1", &record));
    assert_eq!(
        value,
        json!({
            "sku": "PHONE-1", "seq": 7, "at": "2026-11-26T10:00:00Z", "type": "eta_changed", "order_id": "1001",
            "promised_ship_date": "2026-12-04", "previous_ship_date": "2026-12-04", "projected_ship_date": "2026-12-09"
        })
    );
}

#[test]
fn records_round_trip_a_ledger() {
    let mut ledger = ledger_with_supply();
    ledger.apply(NOW, Command::Reserve { id: "h1".into(), qty: 3, ship: Ship::Complete }).unwrap();
    let policy = PolicyDoc::from(ledger.policy()).to_policy().unwrap();
    let holds: Vec<_> = ledger
        .holds()
        .map(|hold| {
            let (hold, waiting) = ledger.hold_record(&hold.id).unwrap();
            let text = HoldRecord::new(&hold, waiting).to_json();
            read::<HoldRecord>(&text).to_core(&policy).unwrap()
        })
        .collect();
    let lines: Vec<_> = ledger
        .lines()
        .map(|line| {
            let (line, waiting) = ledger.line_record(&line.order_id).unwrap();
            let text = LineRecord::new(&line, waiting).to_json();
            read::<LineRecord>(&text).to_core(&policy)
        })
        .collect();
    let restored =
        Ledger::restore(policy, ledger.stock().clone(), holds, lines, ledger.purchase_orders().to_vec())
            .unwrap();
    let today = ledger.today(NOW);
    assert_eq!(restored.availability(today), ledger.availability(today));
    assert_eq!(restored.hold_view("h1"), ledger.hold_view("h1"));
    let quote: QuoteDoc = ledger.hold_view("h1").unwrap().quote.into();
    assert_eq!(quote.qty, 3);
}

/// Rows written before queue entries recorded the day they joined (`since`) still load, and
/// date the entry from its owner's creation — the day it joined, for rows of that version.
#[test]
fn records_from_before_since_existed_still_load() {
    let mut ledger = ledger_with_supply();
    ledger.apply(NOW, Command::Reserve { id: "h1".into(), qty: 3, ship: Ship::Complete }).unwrap();
    let policy = PolicyDoc::from(ledger.policy()).to_policy().unwrap();
    let without_since = |mut record: serde_json::Value| {
        let waiting = record["waiting"].as_object_mut().expect("the record waits in the queue");
        assert!(waiting.remove("since").is_some());
        record.to_string()
    };
    let (hold, waiting) = ledger.hold_record("h1").unwrap();
    let old = without_since(json_of(&HoldRecord::new(&hold, waiting)));
    let (_, loaded) = read::<HoldRecord>(&old).to_core(&policy).unwrap();
    assert_eq!(loaded, waiting);
    assert_eq!(loaded.unwrap().since, policy.today(hold.created_at));

    let (line, waiting) = ledger.line_record("o2").unwrap();
    let mut record = json_of(&LineRecord::new(&line, waiting));
    record.as_object_mut().unwrap().remove("backorder_cancellation");
    let old = without_since(record);
    let (_, loaded) = read::<LineRecord>(&old).to_core(&policy);
    assert_eq!(loaded, waiting);
}

/// Rows exactly as this version writes them (and as every earlier one did). They must keep
/// loading in every later version:
/// a new field needs a default (records.rs), and this test fails when one has none.
#[test]
fn rows_written_by_this_version_keep_loading() {
    let policy = PolicyDoc::from(ledger_with_supply().policy()).to_policy().unwrap();
    let product: ProductRecord = pinned(
        r#"{"version":1,"sku":"PHONE-1","name":"Phone","policy":{"backorders":"allow","backorder_limit":40,"limit_to_inbound":false,"lead_time_days":14,"handling_days":1,"ship_weekdays":[1,2,3,4,5],"holidays":[],"low_stock_threshold":5,"discontinued":false,"release_date":null,"utc_offset_minutes":0,"hold_minutes":15}}"#,
    );
    assert_eq!(product.policy.to_policy().unwrap(), policy);
    let stock: StockRecord = pinned(
        r#"{"free":0,"received":0,"adjusted":3,"next_seq":4,"next_event_seq":2,"reorder_reported":0,"projected_on":"2026-11-26","settled_units":7}"#,
    );
    assert_eq!((Stock::from(&stock).next_seq, Stock::from(&stock).settled_units), (4, 7));
    // Written before lines settled out of memory: nothing counted as settled yet.
    let stock: StockRecord = read(
        r#"{"free":0,"received":0,"adjusted":3,"next_seq":4,"next_event_seq":2,"reorder_reported":0,"projected_on":"2026-11-26"}"#,
    );
    assert_eq!(Stock::from(&stock).settled_units, 0);
    let hold: HoldRecord = pinned(
        r#"{"id":"h1","seq":3,"quote":{"qty":3,"now":0,"backorder":3,"ship_date":null,"backorder_ship_date":"2026-12-09"},"ship":"complete","state":"held","created_at":1795687200000,"expires_at":1795688100000,"resolved_at":null,"waiting":{"outstanding":3,"projected":"2026-12-09","since":"2026-11-26"}}"#,
    );
    let (hold, waiting) = hold.to_core(&policy).unwrap();
    assert_eq!((hold.state, hold.quote.backorder), (HoldState::Held, 3));
    assert_eq!(waiting.unwrap().since, Date::parse("2026-11-26").unwrap());
    let line: LineRecord = pinned(
        r#"{"order_id":"o2","seq":2,"quote":{"qty":2,"now":0,"backorder":2,"ship_date":null,"backorder_ship_date":"2026-12-02"},"ship":"partial","reservation":null,"created_at":1795687200000,"cancelled_backorder":0,"cancellation":null,"backorder_cancellation":null,"waiting":{"outstanding":2,"projected":"2026-12-02","since":"2026-11-26"}}"#,
    );
    let (line, waiting) = line.to_core(&policy);
    assert_eq!((line.order_id.as_str(), waiting.unwrap().outstanding), ("o2", 2));
    let po: PurchaseOrderDoc = pinned(r#"{"po_id":"PO-0","qty":4,"expected_date":"2026-12-01"}"#);
    assert_eq!(PurchaseOrder::from(&po).qty, 4);
}
