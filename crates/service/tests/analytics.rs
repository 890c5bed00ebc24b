//! Analytics from a scripted history of events, through the catalog's own `AppendEvents`: every
//! figure below is worked out by hand from the script.

use backorder_api::analytics::AnalyticsQuery;
use backorder_api::output::{CancelReasonDoc, EventBody, EventDoc};
use backorder_core::{Date, Millis};
use backorder_service::memory::MemoryRegistry;
use backorder_service::protocol::RegistryCall;
use backorder_service::registry::{handle, RegistryState};
use serde_json::{json, Value};

const DAY: Millis = 86_400_000;

fn date(text: &str) -> Date {
    Date::parse(text).unwrap()
}

/// Noon UTC of `day`.
fn noon(day: &str) -> Millis {
    i64::from(date(day).days()) * DAY + DAY / 2
}

fn created(order_id: &str, backorder: u32, promised: Option<&str>) -> EventBody {
    EventBody::BackorderCreated {
        order_id: order_id.into(),
        backorder,
        promised_ship_date: promised.map(date),
    }
}

fn allocated(order_id: &str, qty: u32, outstanding: u32, ship_date: Option<&str>) -> EventBody {
    EventBody::BackorderAllocated {
        order_id: order_id.into(),
        qty,
        outstanding,
        ship_date: ship_date.map(date),
    }
}

fn notice(order_id: &str, notice: u32) -> EventBody {
    EventBody::DelayNotice {
        order_id: order_id.into(),
        notice,
        promised_ship_date: date("2026-11-12"),
        revised_ship_date: None,
        deadline: noon("2026-12-30"),
        silence_is_consent: false,
    }
}

/// Two SKUs' histories, each event on the day it names.
fn script() -> Vec<(&'static str, &'static str, EventBody)> {
    vec![
        ("TEE", "2026-10-01", created("G", 1, Some("2026-10-20"))),
        ("TEE", "2026-11-02", created("A", 2, Some("2026-11-10"))),
        ("TEE", "2026-11-02", created("B", 1, Some("2026-11-10"))),
        ("TEE", "2026-11-03", created("C", 3, Some("2026-11-12"))),
        ("TEE", "2026-11-03", created("D", 1, None)),
        ("TEE", "2026-11-04", created("E", 2, Some("2026-11-20"))),
        ("TEE", "2026-11-05", created("H", 2, Some("2026-11-15"))),
        (
            "TEE",
            "2026-11-06",
            EventBody::OrderCancelled { order_id: "H".into(), refund_qty: 2, restocked: 0 },
        ),
        // A ships a day early, B on its date.
        ("TEE", "2026-11-08", allocated("A", 2, 0, Some("2026-11-09"))),
        ("TEE", "2026-11-08", allocated("B", 1, 0, Some("2026-11-10"))),
        ("TEE", "2026-11-12", notice("C", 1)),
        // C's customer consents to the 16th: that is the promise in force from now on.
        (
            "TEE",
            "2026-11-13",
            EventBody::DelayAccepted {
                order_id: "C".into(),
                revised_ship_date: Some(date("2026-11-16")),
                by: "customer".into(),
            },
        ),
        ("TEE", "2026-11-14", allocated("C", 1, 2, None)),
        // C ships 4 days after its first quote, on the date consented to; D had no promise.
        ("TEE", "2026-11-15", allocated("C", 2, 0, Some("2026-11-16"))),
        ("TEE", "2026-11-15", allocated("D", 1, 0, Some("2026-11-16"))),
        ("TEE", "2026-11-16", notice("E", 1)),
        ("TEE", "2026-11-18", notice("E", 2)),
        (
            "TEE",
            "2026-11-19",
            EventBody::BackorderCancelled {
                order_id: "E".into(),
                qty: 2,
                refund_qty: 2,
                reason: CancelReasonDoc::Customer,
            },
        ),
        ("TEE", "2026-11-20", created("F", 4, Some("2026-12-01"))),
        // Cancelling a line that already shipped changes nothing in analytics.
        (
            "TEE",
            "2026-11-21",
            EventBody::OrderCancelled { order_id: "A".into(), refund_qty: 2, restocked: 2 },
        ),
        ("MUG", "2026-11-05", created("M1", 1, Some("2026-11-07"))),
        // M1 ships 3 days late.
        ("MUG", "2026-11-09", allocated("M1", 1, 0, Some("2026-11-10"))),
    ]
}

fn catalog_with_script() -> (MemoryRegistry, RegistryState) {
    let (mut store, mut state) = (MemoryRegistry::default(), RegistryState::default());
    let mut seqs = std::collections::BTreeMap::new();
    for (sku, day, body) in script() {
        let seq = seqs.entry(sku).or_insert(0);
        *seq += 1;
        let event = EventDoc { sku: Some(sku.into()), seq: *seq, at: noon(day), body };
        let events = vec![event];
        // Every event is delivered twice: the feed skips the repeat, and so does analytics.
        for _ in 0..2 {
            let call = RegistryCall::AppendEvents { source: sku.into(), events: events.clone() };
            assert_eq!(handle(&mut store, &mut state, call).unwrap().status, 200);
        }
    }
    (store, state)
}

fn report(from: &str, to: &str, sku: Option<&str>) -> Value {
    let (mut store, mut state) = catalog_with_script();
    let query = AnalyticsQuery::new(Some(from), Some(to), sku, date("2026-12-02")).unwrap();
    let call = RegistryCall::Analytics { query, now: noon("2026-12-02") };
    let reply = handle(&mut store, &mut state, call).unwrap();
    assert_eq!(reply.status, 200);
    serde_json::from_str(&reply.body).unwrap()
}

#[test]
fn a_month_of_two_skus_adds_up_to_the_figures_worked_out_by_hand() {
    let doc = report("2026-11-01", "2026-11-30", None);
    // Shipped in November: A, B, C, D (TEE) and M1 (MUG); D had no promise. Errors against
    // the first quote: A −1, B 0, C +4, M1 +3. Kept: A, B, and C by its consented date; as
    // first quoted only A and B.
    assert_eq!(
        doc["promises"],
        json!({"shipped_lines": 5, "with_promise": 4, "kept": 3, "late": 1, "kept_percent": 75.0,
               "kept_as_first_quoted": 2, "kept_as_first_quoted_percent": 50.0})
    );
    // |errors| sorted: 0 1 3 4. Nearest rank: p50 is the 2nd (1), p90 the 4th (4).
    assert_eq!(
        doc["eta_error_days"],
        json!({
            "p50": 1, "p90": 4, "max": 4, "early": 1, "on_time": 1, "late": 2, "max_late": 4, "max_early": 1,
            "histogram": [{"days": -1, "lines": 1}, {"days": 0, "lines": 1}, {"days": 3, "lines": 1}, {"days": 4, "lines": 1}]
        })
    );
    // Open on 2 December: F (4 units, 12 days old) and G (1 unit, 62 days).
    assert_eq!(
        doc["open"],
        json!({"lines": 2, "units": 5, "oldest_days": 62, "age_days": [
            {"label": "0–7", "min_days": 0, "max_days": 7, "lines": 0, "units": 0},
            {"label": "8–14", "min_days": 8, "max_days": 14, "lines": 1, "units": 4},
            {"label": "15–30", "min_days": 15, "max_days": 30, "lines": 0, "units": 0},
            {"label": "31–60", "min_days": 31, "max_days": 60, "lines": 0, "units": 0},
            {"label": "over 60", "min_days": 61, "max_days": null, "lines": 1, "units": 1}
        ]})
    );
    // E by its customer (2 units), H's whole line (2 units waiting).
    assert_eq!(
        doc["cancellations"],
        json!({"lines": 2, "units": 4, "by_reason": [
            {"reason": "merchant", "lines": 0, "units": 0},
            {"reason": "customer", "lines": 1, "units": 2},
            {"reason": "no_consent", "lines": 0, "units": 0},
            {"reason": "discontinued", "lines": 0, "units": 0},
            {"reason": "order_cancelled", "lines": 1, "units": 2}
        ]})
    );
    assert_eq!(doc["delay_notices"], json!({"first": 2, "renewed": 1}));
    let daily = doc["daily"].as_array().unwrap();
    assert_eq!(daily.len(), 30);
    let busy: Vec<&Value> = daily.iter().filter(|day| day["shipped"] != 0).collect();
    assert_eq!(
        busy,
        vec![
            &json!({"date": "2026-11-08", "shipped": 2, "kept": 2, "late": 0}),
            &json!({"date": "2026-11-09", "shipped": 1, "kept": 0, "late": 1}),
            &json!({"date": "2026-11-15", "shipped": 2, "kept": 1, "late": 0}),
        ]
    );
    assert_eq!(
        (doc["from"].as_str(), doc["to"].as_str(), doc["as_of"].as_str()),
        (Some("2026-11-01"), Some("2026-11-30"), Some("2026-12-02"))
    );
}

#[test]
fn a_report_is_of_one_sku_or_of_a_window() {
    let tee = report("2026-11-01", "2026-11-30", Some("TEE"));
    // A, B and C kept (C as consented, not as first quoted); D without a promise.
    assert_eq!(
        tee["promises"],
        json!({"shipped_lines": 4, "with_promise": 3, "kept": 3, "late": 0, "kept_percent": 100.0,
               "kept_as_first_quoted": 2, "kept_as_first_quoted_percent": 66.7})
    );
    let mug = report("2026-11-01", "2026-11-30", Some("MUG"));
    assert_eq!((mug["promises"]["late"].as_u64(), mug["open"]["lines"].as_u64()), (Some(1), Some(0)));
    // 10–20 November: C and D shipped on the 15th; E cancelled on the 19th, H before the
    // window; notices on the 12th, 16th and 18th.
    let window = report("2026-11-10", "2026-11-20", None);
    assert_eq!(
        window["promises"],
        json!({"shipped_lines": 2, "with_promise": 1, "kept": 1, "late": 0, "kept_percent": 100.0,
               "kept_as_first_quoted": 0, "kept_as_first_quoted_percent": 0.0})
    );
    assert_eq!(
        (window["cancellations"]["lines"].as_u64(), window["cancellations"]["units"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(window["delay_notices"], json!({"first": 2, "renewed": 1}));
    assert_eq!(window["open"]["lines"], 2, "open lines are as of today, whatever the window");
    // A window with nothing shipped has no percentages to give.
    let empty = report("2026-11-25", "2026-11-30", None);
    assert_eq!(empty["promises"]["kept_percent"], Value::Null);
    assert_eq!(empty["eta_error_days"]["p50"], Value::Null);
}
