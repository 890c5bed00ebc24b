//! The store adapters' service on a map-backed store, worked off as the adapters' object does
//! (`Adapters::work`), against a stand-in of the orders' coordinators: signatures and
//! secrets, deduplication, a cancel before its create, unknown SKUs, refusals, retries.

use std::collections::{BTreeMap, BTreeSet};

use backorder_api::adapters::{BigCommerceConfig, BigCommerceOrderProduct, ShopifyConfig};
use backorder_api::input::OrderRequest;
use backorder_api::output::{EventBody, EventDoc};
use backorder_core::Millis;
use backorder_records::PlatformOrderStateRecord;
use backorder_service::adapters::{self, AdapterStore, Next, RETRY_MS};
use backorder_service::memory::MemoryAdapters;
use backorder_service::protocol::AdapterOp;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

const T0: Millis = 1_795_687_200_000;
const SECRET: &str = "shpss_test_client_secret_0123";
const BC_SECRET: &str = "bc-webhook-secret-0123456789";

fn fixture(name: &str) -> String {
    let path = format!("{}/../../tests/fixtures/platforms/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap()
}

fn sign(secret: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The orders' coordinators, as the adapters see them: known SKUs with stock (`None`:
/// backorders allowed), placements and cancellations.
#[derive(Default)]
struct Ledger {
    stock: BTreeMap<String, Option<u32>>,
    placed: BTreeMap<String, OrderRequest>,
    cancelled: BTreeSet<String>,
    /// Answers 503 to everything while set.
    down: bool,
}

impl Ledger {
    fn place(&mut self, request: &OrderRequest) -> (u16, String) {
        if self.down {
            return (503, json!({"error": {"code": "internal", "message": "down"}}).to_string());
        }
        for (index, line) in request.lines.iter().enumerate() {
            let error = |status: u16, code: &str| {
                let body = json!({"error": {"code": code, "message": format!("line {index}"), "line": {"index": index, "sku": line.sku}}});
                (status, body.to_string())
            };
            match self.stock.get(&line.sku) {
                None => return error(404, "not_found"),
                Some(Some(free)) if *free < line.qty => return error(409, "insufficient_stock"),
                _ => {}
            }
        }
        self.placed.insert(request.order_id.clone(), request.clone());
        (201, json!({"order_id": request.order_id}).to_string())
    }

    fn cancel(&mut self, order_id: &str) -> u16 {
        if self.down {
            return 503;
        }
        match self.placed.contains_key(order_id) && self.cancelled.insert(order_id.into()) {
            true => 200,
            false => 404,
        }
    }
}

struct Adapters {
    store: MemoryAdapters,
    now: Millis,
    ledger: Ledger,
    products: BTreeMap<String, Result<Vec<BigCommerceOrderProduct>, String>>,
    events: Vec<EventDoc>,
}

impl Adapters {
    fn new() -> Adapters {
        let mut adapters = Adapters {
            store: MemoryAdapters::default(),
            now: T0,
            ledger: Ledger::default(),
            products: BTreeMap::new(),
            events: Vec::new(),
        };
        let shopify =
            ShopifyConfig { shop_domain: "demo.myshopify.com".into(), client_secret: SECRET.into() };
        adapters.call(AdapterOp::ConfigureShopify { config: shopify });
        let bigcommerce = BigCommerceConfig {
            store_hash: "abc123".into(),
            access_token: "bc-access-token-0123456789".into(),
            webhook_secret: BC_SECRET.into(),
            api_base: None,
        };
        adapters.call(AdapterOp::ConfigureBigcommerce { config: bigcommerce });
        adapters
    }

    fn call(&mut self, op: AdapterOp) -> (u16, Value) {
        let handled = adapters::handle(&mut self.store, op, self.now).unwrap();
        let body = serde_json::from_str(&handled.reply.body).unwrap_or(Value::Null);
        (handled.reply.status, body)
    }

    fn shopify(&mut self, topic: &str, webhook_id: &str, body: &str, hmac: Option<String>) -> (u16, Value) {
        self.call(AdapterOp::ShopifyWebhook {
            topic: Some(topic.into()),
            hmac,
            webhook_id: Some(webhook_id.into()),
            body: body.into(),
        })
    }

    fn signed(&mut self, topic: &str, webhook_id: &str, body: &str) -> (u16, Value) {
        let hmac = sign(SECRET, body);
        self.shopify(topic, webhook_id, body, Some(hmac))
    }

    fn bigcommerce(&mut self, body: &str, secret: Option<&str>) -> (u16, Value) {
        self.call(AdapterOp::BigcommerceWebhook { secret: secret.map(Into::into), body: body.into() })
    }

    /// Works off what is due, as the adapters' object does on its alarm.
    fn work(&mut self) {
        for mut item in self.store.due_items(self.now, 100).unwrap() {
            let order = |store: &MemoryAdapters, item: &backorder_records::InboxRecord| {
                store.order(&item.platform, &item.platform_order_id).unwrap()
            };
            let mut next = adapters::next(&item, order(&self.store, &item).as_ref());
            loop {
                let then = match &next {
                    Next::Fetch => {
                        let products =
                            self.products.get(&item.platform_order_id).cloned().unwrap_or(Err("404".into()));
                        adapters::fetched(&mut item, products, self.now)
                    }
                    Next::Place(request) => {
                        let (status, body) = self.ledger.place(request);
                        adapters::placed(&mut item, status, &body, self.now)
                    }
                    Next::Cancel => {
                        let status = self.ledger.cancel(&adapters::order_id(&item));
                        Some(adapters::cancelled(&mut item, status, self.now))
                    }
                    Next::Later | Next::Done { .. } => break,
                };
                next = then.unwrap_or_else(|| adapters::next(&item, order(&self.store, &item).as_ref()));
            }
            let events = adapters::finish(&mut self.store, &mut item, next, self.now).unwrap();
            self.events.extend(events);
        }
    }

    fn state(&self, platform: &str, id: &str) -> Option<PlatformOrderStateRecord> {
        self.store.order(platform, id).unwrap().map(|order| order.state)
    }
}

const SHOPIFY_ID: &str = "820982911946154508";

fn stocked(adapters: &mut Adapters) {
    adapters.ledger.stock.insert("SKU2006-001".into(), None);
    adapters.ledger.stock.insert("SKU2006-020".into(), None);
}

#[test]
fn a_signed_shopify_order_becomes_one_order_and_a_repeat_changes_nothing() {
    let mut adapters = Adapters::new();
    stocked(&mut adapters);
    let reservation = backorder_api::ids::reservation_id(&[7; 12], "SKU2006-020");
    let body = fixture("shopify-orders-create.json").replace("RESERVATION", &reservation);
    assert_eq!(adapters.signed("orders/create", "wh-1", &body), (200, json!({"received": "accepted"})));
    assert_eq!(adapters.signed("orders/create", "wh-1", &body), (200, json!({"received": "duplicate"})));
    adapters.work();
    let placed = &adapters.ledger.placed[&format!("shopify:{SHOPIFY_ID}")];
    let lines: Vec<(&str, u32, Option<&str>)> =
        placed.lines.iter().map(|l| (l.sku.as_str(), l.qty, l.reservation_id.as_deref())).collect();
    assert_eq!(lines, [("SKU2006-001", 1, None), ("SKU2006-020", 2, Some(reservation.as_str()))]);
    assert_eq!(adapters.state("shopify", SHOPIFY_ID), Some(PlatformOrderStateRecord::Placed));
    // The gift card has no SKU: reported, not placed.
    let skipped: Vec<&EventBody> = adapters.events.iter().map(|e| &e.body).collect();
    assert!(
        matches!(skipped.as_slice(), [EventBody::AdapterSkipped { item_sku: None, qty: 1, reason, .. }] if reason == "no_sku"),
        "{skipped:?}"
    );
    // The same order in another delivery (Shopify retries with a new id at times): one order.
    adapters.signed("orders/create", "wh-2", &body);
    adapters.work();
    assert_eq!(adapters.ledger.placed.len(), 1);
}

#[test]
fn a_wrong_or_missing_signature_is_401_and_changes_nothing() {
    let mut adapters = Adapters::new();
    let body = fixture("shopify-orders-create.json");
    let before = adapters.store.clone();
    let tampered = body.replace("\"quantity\": 2", "\"quantity\": 20");
    let cases = [
        Some(sign("another-secret-0123456789", &body)),
        Some(sign(SECRET, &body)[..10].to_string()),
        Some("not base64!".into()),
        None,
    ];
    for hmac in cases {
        assert_eq!(adapters.shopify("orders/create", "wh-1", &body, hmac.clone()).0, 401, "{hmac:?}");
    }
    assert_eq!(adapters.shopify("orders/create", "wh-1", &tampered, Some(sign(SECRET, &body))).0, 401);
    assert_eq!(
        adapters.bigcommerce(&fixture("bigcommerce-order-created.json"), Some("wrong-secret-0123456789")).0,
        401
    );
    assert_eq!(adapters.bigcommerce(&fixture("bigcommerce-order-created.json"), None).0, 401);
    assert_eq!(adapters.store, before, "nothing was taken in");
    let unconfigured = adapters::handle(
        &mut MemoryAdapters::default(),
        AdapterOp::ShopifyWebhook {
            topic: Some("orders/create".into()),
            hmac: Some(sign(SECRET, &body)),
            webhook_id: Some("x".into()),
            body,
        },
        T0,
    )
    .unwrap();
    assert_eq!(unconfigured.reply.status, 401, "no secret to verify with");
}

#[test]
fn a_cancel_before_its_create_means_the_order_is_never_placed() {
    let mut adapters = Adapters::new();
    stocked(&mut adapters);
    adapters.signed("orders/cancelled", "wh-c", &fixture("shopify-orders-cancelled.json"));
    adapters.signed(
        "orders/create",
        "wh-o",
        &fixture("shopify-orders-create.json").replace("RESERVATION", ""),
    );
    adapters.work();
    assert!(adapters.ledger.placed.is_empty());
    assert_eq!(adapters.state("shopify", SHOPIFY_ID), Some(PlatformOrderStateRecord::CancelledEarly));
    // In the usual order: placed, then cancelled.
    let mut adapters = Adapters::new();
    stocked(&mut adapters);
    adapters.signed(
        "orders/create",
        "wh-o",
        &fixture("shopify-orders-create.json").replace("RESERVATION", ""),
    );
    adapters.work();
    adapters.signed("orders/cancelled", "wh-c", &fixture("shopify-orders-cancelled.json"));
    adapters.work();
    assert!(adapters.ledger.cancelled.contains(&format!("shopify:{SHOPIFY_ID}")));
    assert_eq!(adapters.state("shopify", SHOPIFY_ID), Some(PlatformOrderStateRecord::Cancelled));
}

#[test]
fn unknown_skus_are_skipped_and_refusals_are_reported_once() {
    let mut adapters = Adapters::new();
    adapters.ledger.stock.insert("SKU2006-020".into(), None);
    adapters.signed(
        "orders/create",
        "wh-1",
        &fixture("shopify-orders-create.json").replace("RESERVATION", ""),
    );
    adapters.work();
    let placed = &adapters.ledger.placed[&format!("shopify:{SHOPIFY_ID}")];
    assert_eq!(placed.lines.iter().map(|l| l.sku.as_str()).collect::<Vec<_>>(), ["SKU2006-020"]);
    let reasons: Vec<(Option<&str>, &str)> = adapters
        .events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::AdapterSkipped { item_sku, reason, .. } => {
                Some((item_sku.as_deref(), reason.as_str()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(reasons, [(None, "no_sku"), (Some("SKU2006-001"), "unknown_sku")]);
    // Denied backorders: the ledger refuses; reported, not retried.
    let mut adapters = Adapters::new();
    adapters.ledger.stock.insert("SKU2006-001".into(), Some(5));
    adapters.ledger.stock.insert("SKU2006-020".into(), Some(1));
    adapters.signed(
        "orders/create",
        "wh-1",
        &fixture("shopify-orders-create.json").replace("RESERVATION", ""),
    );
    adapters.work();
    assert_eq!(adapters.state("shopify", SHOPIFY_ID), Some(PlatformOrderStateRecord::Refused));
    let refused: Vec<&str> = adapters
        .events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::AdapterOrderRefused { code, .. } => Some(code.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(refused, ["insufficient_stock"]);
    adapters.now += 30 * 86_400_000;
    adapters.work();
    assert_eq!(adapters.events.len(), 2, "no retry, no second report");
}

#[test]
fn bigcommerce_orders_are_fetched_placed_and_cancelled_by_status() {
    let mut adapters = Adapters::new();
    adapters.ledger.stock.insert("SKU-BC-TOWEL".into(), None);
    adapters.ledger.stock.insert("SKU-BC-TERRARIUM".into(), None);
    let products: Vec<BigCommerceOrderProduct> =
        serde_json::from_str(&fixture("bigcommerce-order-products.json")).unwrap();
    adapters.products.insert("250".into(), Ok(products));
    let created = fixture("bigcommerce-order-created.json");
    assert_eq!(adapters.bigcommerce(&created, Some(BC_SECRET)), (200, json!({"received": "accepted"})));
    assert_eq!(
        adapters.bigcommerce(&created, Some(BC_SECRET)).1,
        json!({"received": "duplicate"}),
        "by its hash"
    );
    adapters.work();
    let placed = &adapters.ledger.placed["bigcommerce:250"];
    assert_eq!(
        placed.lines.iter().map(|l| (l.sku.as_str(), l.qty)).collect::<Vec<_>>(),
        [("SKU-BC-TOWEL", 2), ("SKU-BC-TERRARIUM", 1)]
    );
    let awaiting = fixture("bigcommerce-order-status-updated.json")
        .replace("\"new_status_id\": 5", "\"new_status_id\": 9")
        .replace("352e4a", "aaaaaa");
    assert_eq!(
        adapters.bigcommerce(&awaiting, Some(BC_SECRET)).1,
        json!({"received": "ignored"}),
        "not a cancellation"
    );
    adapters.bigcommerce(&fixture("bigcommerce-order-status-updated.json"), Some(BC_SECRET));
    adapters.work();
    assert!(adapters.ledger.cancelled.contains("bigcommerce:250"));
    assert_eq!(adapters.state("bigcommerce", "250"), Some(PlatformOrderStateRecord::Cancelled));
}

#[test]
fn passing_failures_are_retried_on_a_schedule_then_reported() {
    let mut adapters = Adapters::new();
    stocked(&mut adapters);
    adapters.ledger.down = true;
    adapters.signed(
        "orders/create",
        "wh-1",
        &fixture("shopify-orders-create.json").replace("RESERVATION", ""),
    );
    adapters.work();
    assert_eq!(adapters.state("shopify", SHOPIFY_ID), None, "not decided yet");
    adapters.now += RETRY_MS[0] - 1;
    adapters.work();
    assert!(adapters.ledger.placed.is_empty());
    adapters.ledger.down = false;
    adapters.now += 1;
    adapters.work();
    assert_eq!(
        adapters.state("shopify", SHOPIFY_ID),
        Some(PlatformOrderStateRecord::Placed),
        "placed on the retry"
    );
    // A BigCommerce order whose products cannot be fetched, ever: reported after the schedule.
    adapters.bigcommerce(&fixture("bigcommerce-order-created.json"), Some(BC_SECRET));
    for _ in 0..=RETRY_MS.len() {
        adapters.work();
        adapters.now += RETRY_MS[RETRY_MS.len() - 1];
    }
    assert_eq!(adapters.state("bigcommerce", "250"), Some(PlatformOrderStateRecord::Refused));
    let last = adapters.events.last().unwrap();
    assert!(
        matches!(&last.body, EventBody::AdapterOrderRefused { code, .. } if code == "unavailable"),
        "{last:?}"
    );
    assert!(
        adapters.store.due_items(adapters.now + 365 * 86_400_000, 10).unwrap().is_empty(),
        "nothing left to do"
    );
}

#[test]
fn the_configuration_never_shows_a_secret() {
    let mut adapters = Adapters::new();
    let (status, listed) = adapters.call(AdapterOp::List);
    assert_eq!(status, 200);
    assert_eq!(
        listed,
        json!({
            "shopify": {"shop_domain": "demo.myshopify.com", "webhook_path": "/v1/adapters/shopify/webhooks"},
            "bigcommerce": {"store_hash": "abc123", "api_base": "https://api.bigcommerce.com",
                            "webhook_path": "/v1/adapters/bigcommerce/webhooks"},
        })
    );
    assert!(!listed.to_string().contains(SECRET) && !listed.to_string().contains(BC_SECRET));
}
