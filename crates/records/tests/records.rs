//! Stored rows: this version's rows are pinned and written back byte for byte, rows from
//! earlier versions still load, and a ledger survives the round trip through its records.

use backorder_core::*;
use backorder_records::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

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
        .apply(NOW, Command::Reserve { id: "h1".into(), qty: 3, ship: Ship::Complete, client: None })
        .unwrap();
    ledger
}

/// Reads a row pinned in a test and checks it is written back byte for byte.
fn pinned<T: Serialize + DeserializeOwned>(text: &str) -> T {
    let record: T = decode(text).unwrap();
    assert_eq!(encode(&record), text, "written as before");
    record
}

fn json_of<T: Serialize>(record: &T) -> Value {
    serde_json::from_str(&encode(record)).unwrap()
}

#[test]
fn records_round_trip_a_ledger() {
    let ledger = ledger_with_supply();
    let policy = PolicyRecord::from(ledger.policy()).to_policy().unwrap();
    assert_eq!(&policy, ledger.policy());
    let holds: Vec<_> = ledger
        .holds()
        .map(|hold| {
            let (hold, waiting) = ledger.hold_record(&hold.id).unwrap();
            let text = encode(&HoldRecord::new(&hold, waiting));
            decode::<HoldRecord>(&text).unwrap().to_core(&policy).unwrap()
        })
        .collect();
    let lines: Vec<_> = ledger
        .lines()
        .map(|line| {
            let (line, waiting) = ledger.line_record(&line.order_id).unwrap();
            let text = encode(&LineRecord::new(&line, waiting));
            decode::<LineRecord>(&text).unwrap().to_core(&policy)
        })
        .collect();
    let purchase_orders = ledger
        .purchase_orders()
        .iter()
        .map(|po| {
            PurchaseOrder::from(
                &decode::<PurchaseOrderRecord>(&encode(&PurchaseOrderRecord::from(po))).unwrap(),
            )
        })
        .collect();
    let stock = Stock::from(&decode::<StockRecord>(&encode(&StockRecord::from(ledger.stock()))).unwrap());
    let restored = Ledger::restore(policy, stock, holds, lines, purchase_orders).unwrap();
    let today = ledger.today(NOW);
    assert_eq!(restored.availability(today), ledger.availability(today));
    assert_eq!(restored.hold_view("h1"), ledger.hold_view("h1"));
    assert_eq!(restored.queue().collect::<Vec<_>>(), ledger.queue().collect::<Vec<_>>());
}

/// Rows written before queue entries recorded the day they joined (`since`) still load, and
/// date the entry from its owner's creation — the day it joined, for rows of that version.
#[test]
fn records_from_before_since_existed_still_load() {
    let ledger = ledger_with_supply();
    let policy = ledger.policy().clone();
    let without_since = |mut record: Value| {
        let waiting = record["waiting"].as_object_mut().expect("the record waits in the queue");
        assert!(waiting.remove("since").is_some());
        record.to_string()
    };
    let (hold, waiting) = ledger.hold_record("h1").unwrap();
    let old = without_since(json_of(&HoldRecord::new(&hold, waiting)));
    let (_, loaded) = decode::<HoldRecord>(&old).unwrap().to_core(&policy).unwrap();
    assert_eq!(loaded, waiting);
    assert_eq!(loaded.unwrap().since, policy.today(hold.created_at));

    let (line, waiting) = ledger.line_record("o2").unwrap();
    let mut record = json_of(&LineRecord::new(&line, waiting));
    record.as_object_mut().unwrap().remove("backorder_cancellation");
    let old = without_since(record);
    let (_, loaded) = decode::<LineRecord>(&old).unwrap().to_core(&policy);
    assert_eq!(loaded, waiting);
}

/// Rows exactly as this version writes them (and as every earlier one did). They must keep
/// loading in every later version: a new field needs a default, and this test fails when one
/// has none.
#[test]
fn rows_written_by_this_version_keep_loading() {
    let policy = ledger_with_supply().policy().clone();
    let product: ProductRecord = pinned(
        r#"{"version":1,"sku":"PHONE-1","name":"Phone","policy":{"backorders":"allow","backorder_limit":40,"limit_to_inbound":false,"lead_time_days":14,"handling_days":1,"ship_weekdays":[1,2,3,4,5],"holidays":[],"low_stock_threshold":5,"discontinued":false,"release_date":null,"utc_offset_minutes":0,"hold_minutes":15}}"#,
    );
    assert_eq!(product.policy.to_policy().unwrap(), policy);
    let stock: StockRecord = pinned(
        r#"{"free":0,"received":0,"adjusted":3,"next_seq":4,"next_event_seq":2,"reorder_reported":0,"projected_on":"2026-11-26","settled_units":7}"#,
    );
    assert_eq!((Stock::from(&stock).next_seq, Stock::from(&stock).settled_units), (4, 7));
    // Written before lines settled out of memory: nothing counted as settled yet.
    let stock: StockRecord = decode(
        r#"{"free":0,"received":0,"adjusted":3,"next_seq":4,"next_event_seq":2,"reorder_reported":0,"projected_on":"2026-11-26"}"#,
    )
    .unwrap();
    assert_eq!(Stock::from(&stock).settled_units, 0);
    let hold: HoldRecord = pinned(
        r#"{"id":"h1","seq":3,"quote":{"qty":3,"now":0,"backorder":3,"ship_date":null,"backorder_ship_date":"2026-12-09"},"ship":"complete","state":"held","created_at":1795687200000,"expires_at":1795688100000,"resolved_at":null,"waiting":{"outstanding":3,"projected":"2026-12-09","since":"2026-11-26"}}"#,
    );
    let (hold, waiting) = hold.to_core(&policy).unwrap();
    assert_eq!((hold.state, hold.quote.backorder), (HoldState::Held, 3));
    assert_eq!(waiting.unwrap().since, Date::parse("2026-11-26").unwrap());
    let confirmed: HoldRecord = pinned(
        r#"{"id":"h2","seq":4,"quote":{"qty":1,"now":1,"backorder":0,"ship_date":"2026-11-27","backorder_ship_date":null},"ship":"partial","state":"confirmed","order_id":"1001","created_at":1795687200000,"expires_at":1795688100000,"resolved_at":1795687260000,"waiting":null}"#,
    );
    assert_eq!(confirmed.to_core(&policy).unwrap().0.state, HoldState::Confirmed { order_id: "1001".into() });
    let line: LineRecord = pinned(
        r#"{"order_id":"o2","seq":2,"quote":{"qty":2,"now":0,"backorder":2,"ship_date":null,"backorder_ship_date":"2026-12-02"},"ship":"partial","reservation":null,"created_at":1795687200000,"cancelled_backorder":0,"cancellation":null,"backorder_cancellation":null,"waiting":{"outstanding":2,"projected":"2026-12-02","since":"2026-11-26"}}"#,
    );
    let (line, waiting) = line.to_core(&policy);
    assert_eq!((line.order_id.as_str(), waiting.unwrap().outstanding), ("o2", 2));
    let po: PurchaseOrderRecord = pinned(r#"{"po_id":"PO-0","qty":4,"expected_date":"2026-12-01"}"#);
    assert_eq!(PurchaseOrder::from(&po).qty, 4);
}

#[test]
fn records_are_lenient_but_not_careless() {
    // A field a later build added is ignored by this one.
    let future = r#"{"po_id":"PO-0","qty":4,"expected_date":"2026-12-01","supplier":"ACME"}"#;
    assert_eq!(decode::<PurchaseOrderRecord>(future).unwrap().qty, 4);
    // What cannot be read says so instead of loading something else.
    for (text, needle) in [
        (r#"{"po_id":"PO-0","qty":-4,"expected_date":"2026-12-01"}"#, "invalid value"),
        (r#"{"po_id":"PO-0","qty":4,"expected_date":"2026-13-01"}"#, "not a date"),
        (r#"{"po_id":"PO-0","qty":4}"#, "missing field `expected_date`"),
    ] {
        let error = decode::<PurchaseOrderRecord>(text).unwrap_err();
        assert!(error.contains(needle), "{text}: {error}");
    }
    let hold = r#"{"id":"h","seq":1,"quote":{"qty":1,"now":1,"backorder":0,"ship_date":null,"backorder_ship_date":null},"ship":"partial","state":"confirmed","created_at":0,"expires_at":0,"resolved_at":0,"waiting":null}"#;
    assert!(
        decode::<HoldRecord>(hold).unwrap().to_core(&Policy::default()).is_err(),
        "confirmed without an order"
    );
    let state = hold.replace("confirmed", "lost");
    assert!(decode::<HoldRecord>(&state).unwrap_err().contains("unknown variant `lost`"));
}

#[test]
fn the_webhook_dispatchers_rows_keep_loading() {
    let endpoint: EndpointRecord = pinned(concat!(
        r#"{"version":1,"id":"we_0101010101010101","url":"https://hooks.example.com/in","events":["*"],"#,
        r#""description":"ERP","enabled":false,"disabled_reason":"failing","created_at":1795687200000,"#,
        r#""failing_since":1795687260000,"start_after":7,"secrets":[{"secret":"whsec_new","expires_at":null},"#,
        r#"{"secret":"whsec_old","expires_at":1795773600000}]}"#
    ));
    assert_eq!((endpoint.start_after, endpoint.secrets.len()), (7, 2));
    let delivery: DeliveryRecord = pinned(concat!(
        r#"{"version":1,"id":3,"endpoint_id":"we_0101010101010101","event_id":"evt_9","kind":"low_stock","#,
        r#""body":"{}","attempts":2,"state":"pending","next_at":1795687500000}"#
    ));
    assert_eq!((delivery.state, delivery.next_at), (DeliveryStateRecord::Pending, Some(1_795_687_500_000)));
    let attempt: AttemptRecord = pinned(concat!(
        r#"{"delivery_id":3,"event_id":"evt_9","kind":"low_stock","attempt":2,"at":1795687260000,"#,
        r#""status":null,"latency_ms":10000,"error":"no answer within 10 s","state":"pending","#,
        r#""next_at":1795687500000}"#
    ));
    assert_eq!((attempt.status, attempt.latency_ms), (None, 10_000));
}
