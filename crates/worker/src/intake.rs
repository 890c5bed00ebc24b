//! What the edge does with a public request, decided once: the request's route, query, key
//! and body are parsed and validated here, and become a [`Plan`] of typed calls to the
//! Durable Objects. Pure, and tested natively; the edge only carries the plan out.

use backorder_api::adapters::{BigCommerceConfig, ShopifyConfig};
use backorder_api::analytics::AnalyticsQuery;
use backorder_api::input::{
    parse, CancelRequest, CheckoutRequest, DelayAnswerRequest, DelayDecisionDoc, OrderRequest,
    PurchaseOrderRequest, ReceiptRequest, ReservationRequest, ShipDoc,
};
use backorder_api::policy::ProductInput;
use backorder_api::webhooks::{EndpointPatch, EndpointRequest};
use backorder_api::{validate, ApiError};
use backorder_core::{Date, Millis};
use backorder_service::protocol::{
    AdapterCall, AdapterOp, Claim, Halt, KeySpace, LedgerCall, LedgerOp, OrderCall, OrderOp, WebhookCall,
    WebhookOp,
};
use backorder_service::registry::{MAX_FEED_PAGE, MAX_PRODUCT_PAGE};

use sha2::{Digest, Sha256};

use crate::routes::{AdapterAction, EndpointAction, Route};

/// A public request, as far as the edge reads it.
#[derive(Clone, Debug)]
pub struct Incoming<'a> {
    pub route: Route,
    /// The query string, without `?`.
    pub query: &'a str,
    pub key: Option<&'a str>,
    /// The shopper's address, when it identifies one.
    pub client: Option<&'a str>,
    pub body: &'a [u8],
    /// The development clock's `now`, when one was sent.
    pub now: Option<Millis>,
    /// The edge's own origin (`https://edge.example`), for the address of a status page.
    pub origin: &'a str,
    /// `X-Backorder-Fault` (development only): where a coordinator stops on purpose.
    pub fault: Option<&'a str>,
    /// The development flag: webhook endpoints may then be `http://127.0.0.1` or `localhost`.
    pub dev: bool,
    /// The headers a store platform's webhook carries (read only for those routes).
    pub platform: PlatformHeaders<'a>,
}

/// `X-Shopify-Topic`, `X-Shopify-Hmac-Sha256`, `X-Shopify-Webhook-Id`, and the secret header a
/// BigCommerce hook is created with.
#[derive(Clone, Copy, Debug, Default)]
pub struct PlatformHeaders<'a> {
    pub topic: Option<&'a str>,
    pub hmac: Option<&'a str>,
    pub webhook_id: Option<&'a str>,
    pub secret: Option<&'a str>,
}

/// What the edge will do.
#[derive(Clone, Debug, PartialEq)]
pub enum Plan {
    /// One call to a SKU's ledger; its reply is the answer.
    Ledger(LedgerCall),
    /// Claim the key across every SKU first, then call the ledger.
    Claimed { claim: Claim, call: LedgerCall },
    /// A call to an order's coordinator; its reply is the answer.
    Order(OrderCall),
    /// A call to the webhook dispatcher; its reply is the answer.
    Webhooks(WebhookCall),
    /// A call to the store platform adapters; its reply is the answer.
    Adapters(AdapterCall),
    /// A page of the catalog with each product's summary.
    Products { after: String, limit: u32 },
    /// A page of the event feed.
    Events { after: u64, limit: u32 },
    /// The analytics report, with open lines aged as of `now`.
    Analytics { query: AnalyticsQuery, now: Millis },
}

/// The plan for a request; `wall_clock` dates claims (and ages analytics' open lines) when no
/// development clock is set.
pub fn plan(request: Incoming<'_>, wall_clock: Millis) -> Result<Plan, ApiError> {
    let Incoming { route, query, key, client, body, now, origin, fault, dev, platform } = request;
    if let Some(key) = key {
        validate::idempotency_key(key)?;
    }
    let at = now.unwrap_or(wall_clock);
    let call = |sku: String, key: Option<&str>, op: LedgerOp| LedgerCall {
        sku,
        now,
        key: key.map(str::to_string),
        client: client.map(str::to_string),
        op,
    };
    Ok(match route {
        Route::Availability { sku } => {
            let (qty, ship) = availability_query(query)?;
            Plan::Ledger(call(sku, None, LedgerOp::Availability { qty, ship }))
        }
        Route::CreateReservation => {
            let request: ReservationRequest = parse(body)?;
            request.validate()?;
            let key = key.ok_or_else(|| ApiError::invalid("Idempotency-Key header is required"))?;
            // The ledger picks the reservation's id; a retry must match whatever it picked.
            let fingerprint = request.command(String::new(), None).fingerprint();
            let claim = Claim::new(KeySpace::Reservation, key, &request.sku, &fingerprint, at);
            let op = LedgerOp::Reserve { qty: request.qty, ship: request.ship };
            Plan::Claimed { claim, call: call(request.sku, Some(key), op) }
        }
        Route::GetReservation { id, sku } => Plan::Ledger(call(sku, None, LedgerOp::GetReservation { id })),
        Route::ReleaseReservation { id, sku } => Plan::Ledger(call(sku, None, LedgerOp::Release { id })),
        Route::PutProduct { sku } => {
            let input: ProductInput = parse(body)?;
            Plan::Ledger(call(sku, None, LedgerOp::PutProduct { input }))
        }
        Route::GetProduct { sku } => Plan::Ledger(call(sku, None, LedgerOp::GetProduct)),
        Route::Backorders { sku } => Plan::Ledger(call(sku, None, LedgerOp::Backorders)),
        Route::Receive { sku } => {
            let receipt: ReceiptRequest = parse(body)?;
            receipt.validate()?;
            let fingerprint = receipt.command().fingerprint();
            let ledger = call(sku.clone(), key, LedgerOp::Receive { receipt });
            match key {
                Some(key) => Plan::Claimed {
                    claim: Claim::new(KeySpace::Receipt, key, &sku, &fingerprint, at),
                    call: ledger,
                },
                None => Plan::Ledger(ledger),
            }
        }
        Route::PutPurchaseOrder { sku, po_id } => {
            let order: PurchaseOrderRequest = parse(body)?;
            order.validate()?;
            Plan::Ledger(call(sku, None, LedgerOp::SetPurchaseOrder { po_id, order }))
        }
        Route::DeletePurchaseOrder { sku, po_id } => {
            Plan::Ledger(call(sku, None, LedgerOp::CancelPurchaseOrder { po_id }))
        }
        Route::CreateOrder => {
            let request: OrderRequest = parse(body)?;
            request.validate()?;
            let halt = match fault {
                None => None,
                Some("after-prepare") => Some(Halt::AfterPrepare),
                Some(_) => return Err(ApiError::invalid("X-Backorder-Fault must be after-prepare")),
            };
            let order_id = request.order_id.clone();
            let op = OrderOp::Place { request, origin: origin.into(), halt };
            Plan::Order(OrderCall { order_id, now, op })
        }
        Route::DemoCheckout => {
            let key = key.ok_or_else(|| ApiError::invalid("Idempotency-Key header is required"))?;
            let CheckoutRequest { lines } = parse(body)?;
            let request = OrderRequest { order_id: demo_order_id(key), lines };
            request.validate()?;
            let order_id = request.order_id.clone();
            let op = OrderOp::Place { request, origin: origin.into(), halt: None };
            Plan::Order(OrderCall { order_id, now, op })
        }
        Route::WebhookEndpoints { id, action } => {
            let id = id.unwrap_or_default();
            let op = match action {
                EndpointAction::Create => {
                    let request: EndpointRequest = parse(body)?;
                    request.validate(dev)?;
                    WebhookOp::Create { request }
                }
                EndpointAction::List => WebhookOp::List,
                EndpointAction::Get => WebhookOp::Get { id },
                EndpointAction::Update => {
                    let patch: EndpointPatch = parse(body)?;
                    patch.validate(dev)?;
                    WebhookOp::Update { id, patch }
                }
                EndpointAction::Delete => WebhookOp::Delete { id },
                EndpointAction::RotateSecret => WebhookOp::RotateSecret { id },
                EndpointAction::Test => WebhookOp::Test { id },
                EndpointAction::Deliveries => WebhookOp::Deliveries { id },
                EndpointAction::Retry { delivery_id } => WebhookOp::Retry { id, delivery_id },
            };
            Plan::Webhooks(WebhookCall { now, op })
        }
        Route::Adapters(action) => {
            let owned = |text: Option<&str>| text.map(str::to_string);
            let raw = || {
                String::from_utf8(body.to_vec())
                    .map_err(|_| ApiError::invalid("the webhook's body is not UTF-8 JSON"))
            };
            let op = match action {
                AdapterAction::List => AdapterOp::List,
                AdapterAction::ConfigureShopify => {
                    let config: ShopifyConfig = parse(body)?;
                    config.validate()?;
                    AdapterOp::ConfigureShopify { config }
                }
                AdapterAction::ConfigureBigcommerce => {
                    let config: BigCommerceConfig = parse(body)?;
                    config.validate(dev)?;
                    AdapterOp::ConfigureBigcommerce { config }
                }
                AdapterAction::ShopifyWebhook => AdapterOp::ShopifyWebhook {
                    topic: owned(platform.topic),
                    hmac: owned(platform.hmac),
                    webhook_id: owned(platform.webhook_id),
                    body: raw()?,
                },
                AdapterAction::BigcommerceWebhook => {
                    AdapterOp::BigcommerceWebhook { secret: owned(platform.secret), body: raw()? }
                }
            };
            Plan::Adapters(AdapterCall { now, op })
        }
        Route::GetOrder { order_id } => Plan::Order(OrderCall { order_id, now, op: OrderOp::Get }),
        Route::CancelOrder { order_id } => {
            let request: CancelRequest =
                if body.is_empty() { CancelRequest::default() } else { parse(body)? };
            request.validate()?;
            let op = OrderOp::Cancel { scope: request.scope, sku: request.sku };
            Plan::Order(OrderCall { order_id, now, op })
        }
        Route::OrderStatus { order_id } => {
            let token = form_urlencoded::parse(query.as_bytes())
                .find(|(name, _)| name == "token")
                .map(|(_, value)| value.into_owned())
                .ok_or_else(|| ApiError::invalid("token is required: ?token=<the order's status token>"))?;
            validate::status_token(&token)?;
            Plan::Order(OrderCall { order_id, now, op: OrderOp::Status { token } })
        }
        Route::AnswerDelay { order_id } => {
            let answer: DelayAnswerRequest = parse(body)?;
            answer.validate()?;
            let accept = answer.decision == DelayDecisionDoc::Accept;
            let op = OrderOp::AnswerDelay { token: answer.token, accept, sku: answer.sku };
            Plan::Order(OrderCall { order_id, now, op })
        }
        Route::NewStatusToken { order_id } => {
            Plan::Order(OrderCall { order_id, now, op: OrderOp::NewStatusToken { origin: origin.into() } })
        }
        Route::ListProducts => {
            let (after, limit) = page_query(query, MAX_PRODUCT_PAGE, 50)?;
            Plan::Products { after: after.unwrap_or_default(), limit }
        }
        Route::Events => {
            let (after, limit) = page_query(query, MAX_FEED_PAGE, 100)?;
            let after = match after.as_deref() {
                None | Some("") => 0,
                Some(text) => {
                    text.parse().map_err(|_| ApiError::invalid("after must be a cursor from next_cursor"))?
                }
            };
            Plan::Events { after, limit }
        }
        Route::Analytics => {
            Plan::Analytics { query: analytics_query(query, Date::of_instant(at, 0))?, now: at }
        }
    })
}

/// `from`, `to` and `sku` of an analytics request.
fn analytics_query(query: &str, today: Date) -> Result<AnalyticsQuery, ApiError> {
    let (mut from, mut to, mut sku) = (None, None, None);
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "from" => from = Some(value),
            "to" => to = Some(value),
            "sku" => sku = Some(value),
            _ => {}
        }
    }
    AnalyticsQuery::new(from.as_deref(), to.as_deref(), sku.as_deref(), today)
}

/// `qty` and `ship` of an availability request; other parameters (cache busters) are ignored.
/// The demo checkout's order id: `DEMO-` and 12 hex digits of the checkout's Idempotency-Key's
/// SHA-256, so that a retried checkout is the same order.
fn demo_order_id(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    format!("DEMO-{}", hex::encode(&digest[..6]))
}

fn availability_query(query: &str) -> Result<(Option<u32>, ShipDoc), ApiError> {
    let (mut qty, mut ship) = (None, ShipDoc::Partial);
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "qty" => {
                let parsed =
                    value.parse::<u32>().map_err(|_| ApiError::invalid("qty must be a whole number"))?;
                validate::line_qty(parsed)?;
                qty = Some(parsed);
            }
            "ship" => {
                ship = match value.as_ref() {
                    "partial" => ShipDoc::Partial,
                    "complete" => ShipDoc::Complete,
                    _ => return Err(ApiError::invalid("ship must be partial or complete")),
                }
            }
            _ => {}
        }
    }
    Ok((qty, ship))
}

/// `after` and `limit` (1 to `max`, `default` when absent) of a paged listing.
fn page_query(query: &str, max: u32, default: u32) -> Result<(Option<String>, u32), ApiError> {
    let (mut after, mut limit) = (None, default);
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "after" => after = Some(value.into_owned()),
            "limit" => match value.parse::<u32>() {
                Ok(n) if (1..=max).contains(&n) => limit = n,
                _ => return Err(ApiError::invalid(format!("limit must be between 1 and {max}"))),
            },
            _ => {}
        }
    }
    Ok((after, limit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use backorder_api::input::CancelScopeDoc;

    const T0: Millis = 1_795_687_200_000;

    fn incoming<'a>(route: Route, query: &'a str, key: Option<&'a str>, body: &'a [u8]) -> Incoming<'a> {
        Incoming {
            route,
            query,
            key,
            client: Some("203.0.113.5"),
            body,
            now: None,
            origin: "https://edge.test",
            fault: None,
            dev: false,
            platform: PlatformHeaders::default(),
        }
    }

    #[test]
    fn a_reservation_is_claimed_then_sent_to_its_ledger() {
        let body = br#"{"sku":"PHONE-1","qty":2}"#;
        let plan = plan(incoming(Route::CreateReservation, "", Some("k-1"), body), T0).unwrap();
        let Plan::Claimed { claim, call } = plan else { panic!("{plan:?}") };
        assert_eq!(claim, Claim::new(KeySpace::Reservation, "k-1", "PHONE-1", "reserve|2|partial", T0));
        assert_eq!(
            (call.sku.as_str(), call.key.as_deref(), call.client.as_deref()),
            ("PHONE-1", Some("k-1"), Some("203.0.113.5"))
        );
        assert_eq!(call.op, LedgerOp::Reserve { qty: 2, ship: ShipDoc::Partial });
    }

    #[test]
    fn bad_requests_are_refused_before_any_object_is_called() {
        let order = |body: &'static str| incoming(Route::CreateOrder, "", None, body.as_bytes());
        let cases = [
            (
                incoming(Route::CreateReservation, "", None, br#"{"sku":"A","qty":1}"#),
                "Idempotency-Key header is required",
            ),
            (
                incoming(Route::CreateReservation, "", Some("bad key"), br#"{"sku":"A","qty":1}"#),
                "Idempotency-Key must be",
            ),
            (
                incoming(Route::CreateReservation, "", Some("k"), br#"{"sku":"A","qty":0}"#),
                "qty must be between",
            ),
            (
                incoming(Route::Availability { sku: "A".into() }, "qty=x", None, b""),
                "qty must be a whole number",
            ),
            (incoming(Route::Availability { sku: "A".into() }, "ship=later", None, b""), "ship must be"),
            (incoming(Route::Events, "limit=501", None, b""), "limit must be between 1 and 500"),
            (incoming(Route::Events, "after=-1", None, b""), "after must be a cursor"),
            (incoming(Route::ListProducts, "limit=0", None, b""), "limit must be between 1 and 200"),
            (incoming(Route::Analytics, "from=2026-11-31", None, b""), "from must be a date"),
            (
                incoming(Route::Analytics, "from=2026-12-02&to=2026-12-01", None, b""),
                "from must not be after to",
            ),
            (incoming(Route::Analytics, "sku=a%20b", None, b""), "sku `a b`"),
            (order(r#"{"order_id":"1","lines":[]}"#), "1 to 100 lines"),
            (
                order(r#"{"order_id":"1","lines":[{"sku":"A","qty":1},{"sku":"A","qty":1}]}"#),
                "one line of an order",
            ),
            (
                order(
                    r#"{"order_id":"1","lines":[{"sku":"A","qty":1,"reservation_id":"res_0123456789abcdef00010203.B"}]}"#,
                ),
                "reservation_id",
            ),
            (
                incoming(Route::Receive { sku: "A".into() }, "", None, br#"{"qty":1000000001}"#),
                "qty must be at most",
            ),
        ];
        for (request, message) in cases {
            let error = plan(request.clone(), T0).unwrap_err();
            assert_eq!(error.status, 400, "{request:?}");
            assert!(error.message.contains(message), "{request:?}: {}", error.message);
        }
    }

    #[test]
    fn queries_are_decoded() {
        let plan = plan(
            incoming(Route::Availability { sku: "A".into() }, "qty=3&ship=complete&_=123", None, b""),
            T0,
        );
        let Ok(Plan::Ledger(call)) = plan else { panic!("{plan:?}") };
        assert_eq!(call.op, LedgerOp::Availability { qty: Some(3), ship: ShipDoc::Complete });
        let plan = super::plan(incoming(Route::ListProducts, "after=A%2Eb&limit=2", None, b""), T0);
        assert_eq!(plan, Ok(Plan::Products { after: "A.b".into(), limit: 2 }));
        // T0 is 26 November 2026: the window defaults to the 30 days up to it.
        let plan = super::plan(incoming(Route::Analytics, "sku=TEE&from=2026-11-20", None, b""), T0);
        let Ok(Plan::Analytics { query, now }) = plan else { panic!("{plan:?}") };
        assert_eq!(now, T0);
        assert_eq!(
            (query.from.to_string(), query.to.to_string(), query.sku.as_deref()),
            ("2026-11-20".into(), "2026-11-26".into(), Some("TEE"))
        );
    }

    #[test]
    fn the_demo_checkout_names_its_order_by_its_key() {
        let body = br#"{"lines":[{"sku":"A","qty":1}]}"#;
        let checkout = |key| plan(incoming(Route::DemoCheckout, "", key, body), T0);
        let Ok(Plan::Order(first)) = checkout(Some("cart-1")) else { panic!() };
        let Ok(Plan::Order(again)) = checkout(Some("cart-1")) else { panic!() };
        let Ok(Plan::Order(other)) = checkout(Some("cart-2")) else { panic!() };
        assert!(first.order_id.starts_with("DEMO-") && first.order_id.len() == 17, "{}", first.order_id);
        assert_eq!(first.order_id, again.order_id, "a retried checkout is the same order");
        assert_ne!(first.order_id, other.order_id);
        assert_eq!(checkout(None).unwrap_err().status, 400);
        let empty = plan(incoming(Route::DemoCheckout, "", Some("k"), br#"{"lines":[]}"#), T0);
        assert_eq!(empty.unwrap_err().status, 400);
    }

    #[test]
    fn orders_go_to_their_coordinator() {
        let body = br##"{"order_id":"#1001","lines":[{"sku":"A","qty":1},{"sku":"B","qty":2}]}"##;
        let Ok(Plan::Order(call)) = plan(incoming(Route::CreateOrder, "", None, body), T0) else { panic!() };
        assert_eq!(call.order_id, "#1001");
        assert!(matches!(call.op, OrderOp::Place { ref request, ref origin, halt: None }
            if request.lines.len() == 2 && origin == "https://edge.test"));
        let cancel = br#"{"scope":"backorder","sku":"B"}"#;
        let Ok(Plan::Order(call)) =
            plan(incoming(Route::CancelOrder { order_id: "#1001".into() }, "", None, cancel), T0)
        else {
            panic!()
        };
        assert_eq!(call.op, OrderOp::Cancel { scope: CancelScopeDoc::Backorder, sku: Some("B".into()) });
        let token = "0123456789abcdef0123456789abcdef";
        let query = format!("token={token}");
        let Ok(Plan::Order(call)) =
            plan(incoming(Route::OrderStatus { order_id: "1".into() }, &query, None, b""), T0)
        else {
            panic!()
        };
        assert_eq!(call.op, OrderOp::Status { token: token.into() });
        let bad = plan(incoming(Route::OrderStatus { order_id: "1".into() }, "token=nope", None, b""), T0);
        assert_eq!(bad.unwrap_err().status, 400);
        let answer = format!(r#"{{"token":"{token}","decision":"cancel"}}"#);
        let Ok(Plan::Order(call)) =
            plan(incoming(Route::AnswerDelay { order_id: "1".into() }, "", None, answer.as_bytes()), T0)
        else {
            panic!()
        };
        assert_eq!(call.op, OrderOp::AnswerDelay { token: token.into(), accept: false, sku: None });
        let mut faulty = incoming(Route::CreateOrder, "", None, body);
        faulty.fault = Some("after-prepare");
        assert!(matches!(
            plan(faulty, T0),
            Ok(Plan::Order(OrderCall { op: OrderOp::Place { halt: Some(Halt::AfterPrepare), .. }, .. }))
        ));
    }
}
