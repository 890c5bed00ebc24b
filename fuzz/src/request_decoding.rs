//! Every request body and query the edge decodes, from arbitrary bytes.
//!
//! The same input goes through every parser `crates/worker/src/intake.rs` applies to a body
//! (`backorder_api::input::parse` into each request type, then its `validate`), the store
//! platforms' webhook readers (`backorder_service::adapters`), the BigCommerce products list,
//! and, read as a query string, the query checks (`AnalyticsQuery::new`, the validators). None
//! may panic. Where parsing succeeds:
//!
//! - the request, written back with serde_json, parses to the same value, and validates alike
//!   (the edge forwards what it parsed: a value that does not survive its own JSON would reach
//!   the object as something else);
//! - the typed call the edge sends the object (`LedgerCall`, `OrderCall`, …) round-trips too;
//! - a product body accepted by `PUT /v1/skus/{sku}` creates a product through the real
//!   `backorder_service::ledger::handle`, whose saved rows load back into the same product.

use backorder_api::adapters::{BigCommerceConfig, BigCommerceOrderProduct, ShopifyConfig};
use backorder_api::analytics::AnalyticsQuery;
use backorder_api::input::{
    parse, CancelRequest, CheckoutRequest, DelayAnswerRequest, OrderRequest, PurchaseOrderRequest,
    ReceiptRequest, ReservationRequest, ShipDoc,
};
use backorder_api::policy::ProductInput;
use backorder_api::webhooks::{EndpointPatch, EndpointRequest};
use backorder_api::{ids, validate};
use backorder_core::{Date, Millis};
use backorder_service::ledger::{self, Context};
use backorder_service::memory::MemoryRecords;
use backorder_service::protocol::{
    AdapterCall, AdapterOp, LedgerCall, LedgerOp, OrderCall, OrderOp, WebhookCall, WebhookOp,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Thu 2026-11-26 10:00 UTC, the tests' clock.
const NOW: Millis = 1_795_687_200_000;

pub fn run(data: &[u8]) {
    bodies(data);
    platform_payloads(data);
    if let Ok(text) = std::str::from_utf8(data) {
        query(text);
        headers(text);
    }
}

/// Parses `body` as `T` as the edge does; when it parses, checks that the value written back
/// parses to itself.
fn parsed<T>(body: &[u8]) -> Option<T>
where
    T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug,
{
    let value: T = parse(body).ok()?;
    round_trips(&value);
    Some(value)
}

/// `value` written as JSON parses (as a body) to `value`.
fn round_trips<T>(value: &T)
where
    T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug,
{
    let text = serde_json::to_vec(value).expect("a parsed request can be written");
    match parse::<T>(&text) {
        Ok(again) => assert_eq!(&again, value, "written as {}", String::from_utf8_lossy(&text)),
        Err(error) => {
            panic!("{value:?} written as {} does not parse: {error:?}", String::from_utf8_lossy(&text))
        }
    }
}

/// The internal call, as JSON and back (what the object decodes is what the edge sent).
fn call_round_trips<T>(call: &T)
where
    T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug,
{
    let text = serde_json::to_string(call).expect("a call can be written");
    let again: T = serde_json::from_str(&text).unwrap_or_else(|error| panic!("{text}: {error}"));
    assert_eq!(&again, call, "the call sent as {text}");
}

fn ledger_call(op: LedgerOp) -> LedgerCall {
    LedgerCall { sku: "PHONE-1".into(), now: Some(NOW), key: Some("k-1".into()), client: None, op }
}

fn bodies(body: &[u8]) {
    if let Some(request) = parsed::<ReservationRequest>(body) {
        if request.validate().is_ok() {
            let _ = request.command(String::new(), None).fingerprint();
            call_round_trips(&ledger_call(LedgerOp::Reserve { qty: request.qty, ship: request.ship }));
        }
    }
    if let Some(request) = parsed::<OrderRequest>(body) {
        order(request);
    }
    if let Some(CheckoutRequest { lines }) = parsed::<CheckoutRequest>(body) {
        order(OrderRequest { order_id: "DEMO-0123456789ab".into(), lines });
    }
    // An empty cancel body is the whole line.
    let cancel = if body.is_empty() { Some(CancelRequest::default()) } else { parsed::<CancelRequest>(body) };
    if let Some(request) = cancel {
        if request.validate().is_ok() {
            let op = OrderOp::Cancel { scope: request.scope, sku: request.sku };
            call_round_trips(&OrderCall { order_id: "1001".into(), now: None, op });
        }
    }
    if let Some(answer) = parsed::<DelayAnswerRequest>(body) {
        if answer.validate().is_ok() {
            let op = OrderOp::AnswerDelay { token: answer.token, accept: true, sku: answer.sku };
            call_round_trips(&OrderCall { order_id: "1001".into(), now: None, op });
        }
    }
    if let Some(receipt) = parsed::<ReceiptRequest>(body) {
        if receipt.validate().is_ok() {
            let _ = receipt.command().fingerprint();
            call_round_trips(&ledger_call(LedgerOp::Receive { receipt }));
        }
    }
    if let Some(order) = parsed::<PurchaseOrderRequest>(body) {
        if order.validate().is_ok() {
            call_round_trips(&ledger_call(LedgerOp::SetPurchaseOrder { po_id: "PO-1".into(), order }));
        }
    }
    if let Some(input) = parsed::<ProductInput>(body) {
        product(input);
    }
    if let Some(request) = parsed::<EndpointRequest>(body) {
        let strict = request.validate(false);
        let dev = request.validate(true);
        // Development only widens what is allowed.
        assert!(strict.is_err() || dev.is_ok(), "{request:?}: {strict:?} but {dev:?}");
        if dev.is_ok() {
            call_round_trips(&WebhookCall { now: None, op: WebhookOp::Create { request } });
        }
    }
    if let Some(patch) = parsed::<EndpointPatch>(body) {
        let (strict, dev) = (patch.validate(false), patch.validate(true));
        assert!(strict.is_err() || dev.is_ok(), "{patch:?}: {strict:?} but {dev:?}");
        if dev.is_ok() {
            call_round_trips(&WebhookCall { now: None, op: WebhookOp::Update { id: "we_1".into(), patch } });
        }
    }
    if let Some(config) = parsed::<ShopifyConfig>(body) {
        if config.validate().is_ok() {
            call_round_trips(&AdapterCall { now: None, op: AdapterOp::ConfigureShopify { config } });
        }
    }
    if let Some(config) = parsed::<BigCommerceConfig>(body) {
        let (strict, dev) = (config.validate(false), config.validate(true));
        assert!(strict.is_err() || dev.is_ok(), "{config:?}: {strict:?} but {dev:?}");
        if dev.is_ok() {
            call_round_trips(&AdapterCall { now: None, op: AdapterOp::ConfigureBigcommerce { config } });
        }
    }
}

fn order(request: OrderRequest) {
    if request.validate().is_err() {
        return;
    }
    for line in &request.lines {
        let _ = line.command(&request.order_id).fingerprint();
        let op = LedgerOp::Confirm { order_id: request.order_id.clone(), line: line.clone() };
        call_round_trips(&ledger_call(op));
    }
    let op = OrderOp::Place { request: request.clone(), origin: "https://edge.test".into(), halt: None };
    call_round_trips(&OrderCall { order_id: request.order_id, now: None, op });
}

/// `PUT /v1/skus/{sku}` through the ledger's service: create, update with the same body, read;
/// then the saved rows load back into the same product.
fn product(input: ProductInput) {
    let _ = input.checked_name();
    call_round_trips(&ledger_call(LedgerOp::PutProduct { input: input.clone() }));
    let cx = Context { now: NOW, token: [7; ids::TOKEN_BYTES] };
    let call = |op| LedgerCall { sku: "PHONE-1".into(), now: Some(NOW), key: None, client: None, op };
    let mut records = MemoryRecords::default();
    let mut slot = None;
    let put = LedgerOp::PutProduct { input: input.clone() };
    let created = ledger::handle(&mut slot, &mut records, call(put.clone()), cx).expect("no storage fault");
    let Some(product) = slot.as_mut() else {
        assert_ne!(created.status, 201, "created without a product: {}", created.body);
        return;
    };
    assert_eq!(created.status, 201, "{}", created.body);
    product.ledger.check_invariants().expect("a new product keeps every invariant");
    ledger::save(product, &mut records).expect("no storage fault");
    let updated = ledger::handle(&mut slot, &mut records, call(put), cx).expect("no storage fault");
    assert_eq!(updated.status, 200, "the same update again: {}", updated.body);
    let product = slot.as_mut().expect("still there");
    ledger::save(product, &mut records).expect("no storage fault");
    let availability = LedgerOp::Availability { qty: Some(2), ship: ShipDoc::Complete };
    let seen = ledger::handle(&mut slot, &mut records, call(availability.clone()), cx).expect("no fault");
    let read = ledger::handle(&mut slot, &mut records, call(LedgerOp::GetProduct), cx).expect("no fault");
    // The rows as saved load back into the product that answers alike.
    let mut loaded = ledger::load(&records)
        .unwrap_or_else(|fault| panic!("saved rows do not load: {fault:?}\n{records:?}"));
    assert!(loaded.is_some(), "saved rows load");
    let again = ledger::handle(&mut loaded, &mut records, call(availability), cx).expect("no fault");
    assert_eq!(again, seen, "availability after a reload");
    let again = ledger::handle(&mut loaded, &mut records, call(LedgerOp::GetProduct), cx).expect("no fault");
    assert_eq!(again, read, "the product after a reload");
}

/// Shopify's and BigCommerce's payloads: read leniently, never a panic.
fn platform_payloads(body: &[u8]) {
    for topic in ["orders/create", "orders/cancelled", "orders/paid"] {
        if let Ok(Some(item)) = backorder_service::adapters::read_shopify(topic, "wh-1", body, NOW) {
            let _ = backorder_service::adapters::order_id(&item);
        }
    }
    if let Ok(Some(item)) = backorder_service::adapters::read_bigcommerce(body, NOW) {
        let _ = backorder_service::adapters::order_id(&item);
    }
    if let Ok(text) = std::str::from_utf8(body) {
        if let Ok(products) = serde_json::from_str::<Vec<BigCommerceOrderProduct>>(text) {
            let _ = backorder_service::adapters::bigcommerce_lines(&products);
        }
    }
    let _ = backorder_service::adapters::shopify_signed("shpss_0123456789abcdef", body, Some("x"));
}

/// The input as a query string: what the edge reads from `?…` (the parameter checks live in
/// `backorder_api`; their assembly in the worker mirrors this).
fn query(text: &str) {
    let today = Date::of_instant(NOW, 0);
    let (mut from, mut to, mut sku) = (None, None, None);
    for (name, value) in form_urlencoded::parse(text.as_bytes()) {
        match name.as_ref() {
            "from" => from = Some(value.clone()),
            "to" => to = Some(value.clone()),
            "sku" => sku = Some(value.clone()),
            "qty" => {
                if let Ok(qty) = value.parse::<u32>() {
                    let _ = validate::line_qty(qty);
                }
            }
            "token" => {
                let _ = validate::status_token(&value);
            }
            _ => {}
        }
        let _ = Date::parse(&value);
    }
    for today in [today, Date::MIN, Date::MAX] {
        if let Ok(query) = AnalyticsQuery::new(from.as_deref(), to.as_deref(), sku.as_deref(), today) {
            assert!(query.from <= query.to, "{query:?}");
            assert!(query.contains(query.from) && query.contains(query.to));
            call_round_trips(&query);
        }
    }
    if let Some(date) = Date::parse(text) {
        assert_eq!(date.to_string(), text, "a date is written as it was read");
    }
}

/// The input as a header or path value.
fn headers(text: &str) {
    let _ = validate::idempotency_key(text);
    let _ = validate::sku(text);
    let _ = validate::id(text, "order_id");
    let sku = ids::reservation_sku(text);
    if let Some(sku) = sku {
        assert!(validate::is_sku(sku), "{text}");
    }
    assert_eq!(validate::is_sku(text), validate::sku(text).is_ok());
    assert_eq!(validate::is_id(text), validate::id(text, "id").is_ok());
    assert_eq!(validate::is_status_token(text), validate::status_token(text).is_ok());
}
