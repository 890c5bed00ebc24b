//! The one typed protocol between the edge and the Durable Objects.
//!
//! The edge parses and validates a public request once and sends the object that owns the
//! state a call: a [`LedgerCall`] to a SKU's ledger, an [`OrderCall`] to an order's
//! coordinator, a [`RegistryCall`] to the catalog or a claims shard, a [`WebhookCall`] to the
//! webhook dispatcher, an [`AdapterCall`] to the store platform adapters. Each is one JSON document; the answer is a [`Reply`], whose body is the
//! public JSON document itself (the edge relays it, adding only headers).

use std::fmt;

use backorder_api::adapters::{BigCommerceConfig, ShopifyConfig};
use backorder_api::analytics::AnalyticsQuery;
use backorder_api::input::{
    CancelScopeDoc, OrderLineRequest, OrderRequest, PurchaseOrderRequest, ReceiptRequest, ShipDoc,
};
use backorder_api::output::EventDoc;
use backorder_api::policy::ProductInput;
use backorder_api::webhooks::{EndpointPatch, EndpointRequest};
use backorder_api::ApiError;
use backorder_core::Millis;
use serde::{Deserialize, Serialize};

/// A call to one SKU's ledger.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LedgerCall {
    pub sku: String,
    /// The ledger's clock, set only by the development clock (`X-Backorder-Now`); without it
    /// the object reads its own.
    pub now: Option<Millis>,
    /// The client's idempotency key, for the operations that take one.
    pub key: Option<String>,
    /// The shopper's address, when the edge knows it: reservations are limited per client.
    pub client: Option<String>,
    pub op: LedgerOp,
}

/// What a ledger is asked to do. Every value was validated by the edge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum LedgerOp {
    /// `GET /v1/skus/{sku}/availability[?qty=&ship=]`
    Availability {
        qty: Option<u32>,
        ship: ShipDoc,
    },
    /// `POST /v1/reservations` (the key is required)
    Reserve {
        qty: u32,
        ship: ShipDoc,
    },
    GetReservation {
        id: String,
    },
    Release {
        id: String,
    },
    /// `PUT /v1/skus/{sku}`: creates or updates the product.
    PutProduct {
        input: ProductInput,
    },
    GetProduct,
    /// One row of `GET /v1/skus`.
    Summary,
    Backorders,
    /// `POST /v1/skus/{sku}/receipts` (the key is optional)
    Receive {
        receipt: ReceiptRequest,
    },
    SetPurchaseOrder {
        po_id: String,
        order: PurchaseOrderRequest,
    },
    CancelPurchaseOrder {
        po_id: String,
    },
    /// Confirms one order line on this SKU.
    Confirm {
        order_id: String,
        line: OrderLineRequest,
    },
    GetOrder {
        order_id: String,
    },
    Cancel {
        order_id: String,
        scope: CancelScopeDoc,
    },
    /// An order's first phase on this SKU: hold its line (the `attempt`th placement of the
    /// order id; a repeat answers the first answer). Committed with `Confirm`, naming the hold.
    Prepare {
        order_id: String,
        attempt: u32,
        line: OrderLineRequest,
    },
    /// Undoes a prepare.
    Abort {
        order_id: String,
        hold_id: String,
    },
    /// The customer's answer to a delay notice on this SKU's line of the order.
    AnswerDelay {
        order_id: String,
        accept: bool,
    },
}

/// Where a coordinator stops on purpose (development only: `X-Backorder-Fault`), as if it
/// crashed there; its alarm then finishes the order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Halt {
    /// Every line prepared, none committed.
    AfterPrepare,
}

/// A call to an order's coordinator (one Durable Object per order id).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderCall {
    pub order_id: String,
    /// The development clock's `now`, when one was sent.
    pub now: Option<Millis>,
    pub op: OrderOp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum OrderOp {
    /// `POST /v1/orders`; `origin` is the edge's, for the status page's address. `halt`
    /// (development only) stops the coordinator on purpose, to test its recovery.
    Place {
        request: OrderRequest,
        origin: String,
        #[serde(default)]
        halt: Option<Halt>,
    },
    /// `GET /v1/orders/{id}` (merchant).
    Get,
    /// `POST /v1/orders/{id}/cancel`: the whole order, or the line of one SKU.
    Cancel { scope: CancelScopeDoc, sku: Option<String> },
    /// `GET /v1/orders/{id}/status?token=` (the customer).
    Status { token: String },
    /// `POST /v1/orders/{id}/delay` (the customer): consent to the delays pending, or cancel.
    AnswerDelay { token: String, accept: bool, sku: Option<String> },
    /// `POST /v1/orders/{id}/status-token` (merchant): a new token, the old one revoked.
    NewStatusToken { origin: String },
}

/// A call to a registry object: the `catalog` (products and the event feed) or a claims shard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum RegistryCall {
    /// Lists (or renames) a product.
    ListProduct { entry: SkuEntry },
    /// A page of the catalog, by SKU.
    Products { after: String, limit: u32 },
    /// One source's events (a SKU, or `order:<id>` for an order's own), oldest first:
    /// appended in sequence, repeats skipped.
    AppendEvents { source: String, events: Vec<EventDoc> },
    /// The feed after a cursor.
    Feed { after: u64, limit: u32 },
    /// Claims a key for one request: the same request may claim it again, another gets 422.
    Claim { claim: Claim },
    /// Which SKU a claim belongs to: how an order placed before orders had coordinators is
    /// found (its id was claimed, for good, with its one line's SKU).
    FindClaim { key: String },
    /// The feed's last event id ([`FeedHead`]).
    FeedHead,
    /// Whether the catalog nudges the webhook dispatcher when events arrive (while any
    /// endpoint exists).
    Watch { active: bool },
    /// The analytics report; open lines are aged as of `now`.
    Analytics { query: AnalyticsQuery, now: Millis },
}

/// A call to the store platform adapters (one Durable Object for the store).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdapterCall {
    /// The development clock's `now`, when one was sent.
    pub now: Option<Millis>,
    pub op: AdapterOp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum AdapterOp {
    /// `PUT /v1/adapters/shopify`
    ConfigureShopify { config: ShopifyConfig },
    /// `PUT /v1/adapters/bigcommerce`
    ConfigureBigcommerce { config: BigCommerceConfig },
    /// `GET /v1/adapters`
    List,
    /// `POST /v1/adapters/shopify/webhooks`: the raw body and the headers that sign and name it.
    ShopifyWebhook { topic: Option<String>, hmac: Option<String>, webhook_id: Option<String>, body: String },
    /// `POST /v1/adapters/bigcommerce/webhooks`: the raw body and the secret header.
    BigcommerceWebhook { secret: Option<String>, body: String },
}

/// The answer to [`RegistryCall::FeedHead`]: 0 for an empty feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedHead {
    pub head: u64,
}

/// A call to the webhook dispatcher (one Durable Object for the store).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookCall {
    /// The development clock's `now`, when one was sent.
    pub now: Option<Millis>,
    pub op: WebhookOp,
}

/// What the dispatcher is asked to do; every request was validated by the edge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum WebhookOp {
    /// `POST /v1/webhook-endpoints`
    Create {
        request: EndpointRequest,
    },
    /// `GET /v1/webhook-endpoints`
    List,
    Get {
        id: String,
    },
    /// `PATCH /v1/webhook-endpoints/{id}`
    Update {
        id: String,
        patch: EndpointPatch,
    },
    Delete {
        id: String,
    },
    /// `POST /v1/webhook-endpoints/{id}/rotate-secret`
    RotateSecret {
        id: String,
    },
    /// `POST /v1/webhook-endpoints/{id}/test`: sends a `ping` now and answers its attempt.
    Test {
        id: String,
    },
    /// `GET /v1/webhook-endpoints/{id}/deliveries`: the last attempts.
    Deliveries {
        id: String,
    },
    /// `POST /v1/webhook-endpoints/{id}/deliveries/{delivery}/retry`: sends it again now.
    Retry {
        id: String,
        delivery_id: String,
    },
    /// From the catalog: events arrived.
    Nudge,
}

/// A product as the catalog lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkuEntry {
    pub sku: String,
    pub name: String,
}

/// The answer to [`RegistryCall::Products`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkuPage {
    pub skus: Vec<SkuEntry>,
}

/// The answer to [`RegistryCall::AppendEvents`]: the last sequence number the feed holds for
/// the SKU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivered {
    pub up_to: u64,
}

/// The answer to [`RegistryCall::FindClaim`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimedBy {
    pub sku: String,
}

/// A claim on an idempotency key (or order id), for one request across every SKU.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// The key in its [`KeySpace`].
    pub key: String,
    /// The request: a reuse of the key with another fingerprint is refused.
    pub fingerprint: String,
    pub sku: String,
    pub at: Millis,
    /// Order claims are kept for good: they also index orders by id.
    pub permanent: bool,
}

impl Claim {
    /// Keys are global, not per SKU: the fingerprint is the SKU and the core command's own.
    pub fn new(space: KeySpace, key: &str, sku: &str, fingerprint: &str, at: Millis) -> Claim {
        Claim {
            key: space.key(key),
            fingerprint: [sku, "|", fingerprint].concat(),
            sku: sku.into(),
            at,
            permanent: space.permanent(),
        }
    }
}

/// What an idempotency key (or an order id) is unique within. The registry's claims and a
/// ledger's kept replies both store keys under their space, so one client key may serve a
/// reservation and a receipt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySpace {
    Reservation,
    Receipt,
    Order,
    /// An order's prepare on one SKU, per placement: `<order id>#<attempt>`.
    Prepare,
}

impl KeySpace {
    pub fn key(self, key: &str) -> String {
        let space = match self {
            KeySpace::Reservation => "reservation:",
            KeySpace::Receipt => "receipt:",
            KeySpace::Order => "order:",
            KeySpace::Prepare => "prepare:",
        };
        [space, key].concat()
    }

    /// Order ids are the merchant's numbers and find an order's SKU: kept for good.
    pub fn permanent(self) -> bool {
        self == KeySpace::Order
    }
}

/// A status and a JSON body: what an object answers and the edge relays. Kept whole, so that
/// an idempotent replay returns it byte for byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    pub fn json<T: Serialize>(status: u16, value: &T) -> Reply {
        match serde_json::to_string(value) {
            Ok(body) => Reply { status, body },
            Err(error) => Fault::new("writing the reply", error).into(),
        }
    }
}

impl From<ApiError> for Reply {
    fn from(error: ApiError) -> Reply {
        Reply { status: error.status, body: error.body() }
    }
}

impl From<backorder_core::Error> for Reply {
    fn from(error: backorder_core::Error) -> Reply {
        ApiError::from(error).into()
    }
}

/// Storage failed, or holds what this build cannot read: the request did not happen. The
/// object rolls back and answers 500; never the answer to bad input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault(pub String);

impl Fault {
    pub fn new(context: &str, error: impl fmt::Display) -> Fault {
        Fault(format!("{context}: {error}"))
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Fault> for Reply {
    fn from(fault: Fault) -> Reply {
        ApiError::new(500, "internal", fault.0).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_spaces_keep_the_same_key_apart() {
        let spaces = [KeySpace::Reservation, KeySpace::Receipt, KeySpace::Order];
        let keys: std::collections::BTreeSet<String> = spaces.iter().map(|space| space.key("k-1")).collect();
        assert_eq!(keys.len(), spaces.len());
        assert!(spaces.iter().all(|space| space.key("k-1").ends_with(":k-1")));
    }

    #[test]
    fn calls_are_one_json_document_each_way() {
        let call = LedgerCall {
            sku: "PHONE-1".into(),
            now: Some(1_795_687_200_000),
            key: Some("k".into()),
            client: None,
            op: LedgerOp::Reserve { qty: 2, ship: ShipDoc::Complete },
        };
        let text = serde_json::to_string(&call).unwrap();
        assert_eq!(
            text,
            r#"{"sku":"PHONE-1","now":1795687200000,"key":"k","client":null,"op":{"op":"reserve","qty":2,"ship":"complete"}}"#
        );
        assert_eq!(serde_json::from_str::<LedgerCall>(&text).unwrap(), call);
        let input: ProductInput =
            backorder_api::input::parse(br#"{"lead_time_days":null,"holidays":["2026-12-25"],"on_hand":3}"#)
                .unwrap();
        let call = LedgerCall { op: LedgerOp::PutProduct { input }, ..call };
        let text = serde_json::to_string(&call).unwrap();
        assert_eq!(serde_json::from_str::<LedgerCall>(&text).unwrap(), call, "{text}");
    }
}
