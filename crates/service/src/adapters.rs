//! The store platform adapters' service: Shopify's and BigCommerce's webhooks, verified and
//! taken in once each ([`take_in`]), then worked off by the adapters' alarm ([`next`], then
//! [`fetched`], [`placed`] or [`cancelled`] with what the platform's API or the order's
//! coordinator answered) until each is done. Sans-IO: the object stores, calls and delivers.
//!
//! An order becomes one multi-SKU order `<platform>:<order id>`; line items without a SKU, or
//! with one the ledger does not know, are skipped and reported (`adapter_skipped`); an order
//! the ledger refuses is reported (`adapter_order_refused`), not retried; a cancellation that
//! arrives before its order is remembered, so the order is never placed.

use backorder_api::adapters::{
    bigcommerce_status_cancels, BigCommerceHook, BigCommerceOrderProduct, ShopifyOrder,
};
use backorder_api::input::{OrderLineRequest, OrderRequest};
use backorder_api::output::{EventBody, EventDoc};
use backorder_api::ApiError;
use backorder_core::Millis;
use backorder_records::{
    InboundRecord, InboxRecord, PlatformLineRecord, PlatformOrderRecord, PlatformOrderStateRecord,
    SkippedLineRecord, ADAPTER_RECORD_VERSION,
};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::protocol::{AdapterOp, Fault, Reply};
use backorder_api::adapters::{AdaptersDoc, BigCommerceSummary, ShopifySummary, BIGCOMMERCE_API};
use backorder_records::AdapterConfigRecord;

/// Where the adapters' rows live.
pub trait AdapterStore {
    fn config(&self, platform: &str) -> Result<Option<AdapterConfigRecord>, Fault>;
    fn put_config(&mut self, config: &AdapterConfigRecord) -> Result<(), Fault>;
    /// Stores a new item; `false` (and nothing stored) when the platform's delivery id is known.
    fn insert_item(&mut self, item: &InboxRecord) -> Result<bool, Fault>;
    fn put_item(&mut self, item: &InboxRecord) -> Result<(), Fault>;
    /// Unfinished items due by `now`, in the order they arrived.
    fn due_items(&self, now: Millis, limit: u32) -> Result<Vec<InboxRecord>, Fault>;
    fn next_due(&self) -> Result<Option<Millis>, Fault>;
    fn order(&self, platform: &str, platform_order_id: &str) -> Result<Option<PlatformOrderRecord>, Fault>;
    fn put_order(
        &mut self,
        platform: &str,
        platform_order_id: &str,
        order: &PlatformOrderRecord,
    ) -> Result<(), Fault>;
    /// The next number in the adapters' own event sequence.
    fn next_event_seq(&mut self) -> Result<u64, Fault>;
    /// Forgets finished items received before `at` (platforms stop retrying long before).
    fn forget_finished_before(&mut self, at: Millis) -> Result<(), Fault>;
}

/// How long a finished item's delivery id is remembered, to refuse a late repeat: Shopify
/// retries for 48 hours, BigCommerce for about as long.
pub const DEDUPLICATE_FOR_MS: Millis = 7 * 86_400_000;

/// What the shell does after a call.
#[derive(Debug, PartialEq, Eq)]
pub struct Handled {
    pub reply: Reply,
    /// An item was taken in: work it off (the alarm, now).
    pub work: bool,
}

/// Answers one call; a [`Fault`] means storage failed.
pub fn handle(store: &mut impl AdapterStore, op: AdapterOp, now: Millis) -> Result<Handled, Fault> {
    let reply = |reply: Reply| Ok(Handled { reply, work: false });
    match op {
        AdapterOp::ConfigureShopify { config } => {
            store.put_config(&AdapterConfigRecord::Shopify {
                shop_domain: config.shop_domain,
                client_secret: config.client_secret,
            })?;
            reply(Reply::json(200, &summary(store)?))
        }
        AdapterOp::ConfigureBigcommerce { config } => {
            store.put_config(&AdapterConfigRecord::Bigcommerce {
                store_hash: config.store_hash,
                access_token: config.access_token,
                webhook_secret: config.webhook_secret,
                api_base: config
                    .api_base
                    .unwrap_or_else(|| BIGCOMMERCE_API.into())
                    .trim_end_matches('/')
                    .into(),
            })?;
            reply(Reply::json(200, &summary(store)?))
        }
        AdapterOp::List => reply(Reply::json(200, &summary(store)?)),
        AdapterOp::ShopifyWebhook { topic, hmac, webhook_id, body } => {
            let signed = match store.config("shopify")? {
                Some(AdapterConfigRecord::Shopify { client_secret, .. }) => {
                    shopify_signed(&client_secret, body.as_bytes(), hmac.as_deref())
                }
                _ => false,
            };
            if !signed {
                return reply(unsigned());
            }
            let Some(webhook_id) = webhook_id.filter(|id| !id.is_empty() && id.len() <= 255) else {
                return reply(ApiError::invalid("X-Shopify-Webhook-Id is required").into());
            };
            let read = read_shopify(topic.as_deref().unwrap_or_default(), &webhook_id, body.as_bytes(), now);
            take(store, read)
        }
        AdapterOp::BigcommerceWebhook { secret, body } => {
            let authentic = match store.config("bigcommerce")? {
                Some(AdapterConfigRecord::Bigcommerce { webhook_secret, .. }) => {
                    secret_matches(&webhook_secret, secret.as_deref())
                }
                _ => false,
            };
            if !authentic {
                return reply(unsigned());
            }
            take(store, read_bigcommerce(body.as_bytes(), now))
        }
    }
}

fn unsigned() -> Reply {
    ApiError::new(401, "unauthorized", "the webhook's signature or secret is missing or wrong").into()
}

/// Takes an item in once: a repeated delivery is answered, and changes nothing.
fn take(
    store: &mut impl AdapterStore,
    read: Result<Option<InboxRecord>, ApiError>,
) -> Result<Handled, Fault> {
    let received = |received: &str| Reply::json(200, &serde_json::json!({ "received": received }));
    Ok(match read {
        Err(error) => Handled { reply: error.into(), work: false },
        Ok(None) => Handled { reply: received("ignored"), work: false },
        Ok(Some(item)) => match store.insert_item(&item)? {
            true => Handled { reply: received("accepted"), work: true },
            false => Handled { reply: received("duplicate"), work: false },
        },
    })
}

fn summary(store: &impl AdapterStore) -> Result<AdaptersDoc, Fault> {
    let mut doc = AdaptersDoc::default();
    if let Some(AdapterConfigRecord::Shopify { shop_domain, .. }) = store.config("shopify")? {
        doc.shopify =
            Some(ShopifySummary { shop_domain, webhook_path: "/v1/adapters/shopify/webhooks".into() });
    }
    if let Some(AdapterConfigRecord::Bigcommerce { store_hash, api_base, .. }) =
        store.config("bigcommerce")?
    {
        let webhook_path = "/v1/adapters/bigcommerce/webhooks".into();
        doc.bigcommerce = Some(BigCommerceSummary { store_hash, api_base, webhook_path });
    }
    Ok(doc)
}

/// Waits before retrying an item that failed for a passing reason (the platform's API or a
/// ledger unreachable); after the last, the order is reported refused.
pub const RETRY_MS: [Millis; 6] = [10_000, 60_000, 300_000, 1_800_000, 7_200_000, 21_600_000];

/// Whether `header` (base64) is the HMAC-SHA256 of `body` keyed with `secret`, as Shopify
/// signs its webhooks (`X-Shopify-Hmac-Sha256`); compared in constant time.
pub fn shopify_signed(secret: &str, body: &[u8], header: Option<&str>) -> bool {
    use base64::Engine;
    let Some(presented) =
        header.and_then(|h| base64::engine::general_purpose::STANDARD.decode(h.trim()).ok())
    else {
        return false;
    };
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return false };
    mac.update(body);
    mac.verify_slice(&presented).is_ok()
}

/// Whether a presented secret header is the configured one, in constant time (both hashed
/// first, so that neither length nor content leaks).
pub fn secret_matches(expected: &str, presented: Option<&str>) -> bool {
    let presented = presented.unwrap_or_default();
    bool::from(Sha256::digest(presented.as_bytes()).ct_eq(&Sha256::digest(expected.as_bytes())))
        && !expected.is_empty()
}

/// A platform's webhook, read: what to work off, or `None` for a topic the adapters ignore.
pub fn read_shopify(
    topic: &str,
    webhook_id: &str,
    body: &[u8],
    now: Millis,
) -> Result<Option<InboxRecord>, ApiError> {
    let work = |order: &ShopifyOrder| match topic {
        "orders/create" => Some(order_work(order)),
        "orders/cancelled" => Some(InboundRecord::Cancel),
        _ => None,
    };
    let order: ShopifyOrder = serde_json::from_slice(body)
        .map_err(|error| ApiError::invalid(format!("the Shopify order cannot be read: {error}")))?;
    Ok(work(&order).map(|work| inbox("shopify", webhook_id, &order.id.to_string(), work, now)))
}

/// BigCommerce's hook: a created order's lines are fetched later; a status that undoes the
/// order (refunded, cancelled, declined) cancels it; other statuses and scopes are ignored.
pub fn read_bigcommerce(body: &[u8], now: Millis) -> Result<Option<InboxRecord>, ApiError> {
    let hook: BigCommerceHook = serde_json::from_slice(body)
        .map_err(|error| ApiError::invalid(format!("the BigCommerce hook cannot be read: {error}")))?;
    let work = match hook.scope.as_str() {
        "store/order/created" => Some(InboundRecord::Fetch),
        "store/order/statusUpdated" => match hook.data.status {
            Some(status) if bigcommerce_status_cancels(status.new_status_id) => Some(InboundRecord::Cancel),
            _ => None,
        },
        _ => None,
    };
    Ok(work.map(|work| inbox("bigcommerce", &hook.hash, &hook.data.id.to_string(), work, now)))
}

fn inbox(
    platform: &str,
    delivery: &str,
    platform_order_id: &str,
    work: InboundRecord,
    now: Millis,
) -> InboxRecord {
    InboxRecord {
        version: ADAPTER_RECORD_VERSION,
        platform: platform.into(),
        delivery: delivery.into(),
        platform_order_id: platform_order_id.into(),
        work,
        received_at: now,
        attempts: 0,
        next_at: Some(now),
    }
}

fn order_work(order: &ShopifyOrder) -> InboundRecord {
    let items = order.line_items.iter().map(|item| (item.sku.clone(), item.quantity, item.reservation()));
    lines(items)
}

/// BigCommerce's order products, as an order to place.
pub fn bigcommerce_lines(products: &[BigCommerceOrderProduct]) -> InboundRecord {
    lines(products.iter().map(|product| (product.sku.clone(), product.quantity, None)))
}

/// Line items as order lines: one per SKU (quantities of a repeated SKU are added, and its
/// reservations dropped — a reservation holds one line's quantity); those without a usable
/// SKU or quantity are skipped.
fn lines<'a>(items: impl Iterator<Item = (Option<String>, u32, Option<&'a str>)>) -> InboundRecord {
    let mut lines: Vec<PlatformLineRecord> = Vec::new();
    let mut skipped = Vec::new();
    for (sku, qty, reservation) in items {
        let sku = sku.map(|sku| sku.trim().to_string()).filter(|sku| !sku.is_empty());
        let reason = match &sku {
            None => Some("no_sku"),
            Some(sku) if !backorder_api::validate::is_sku(sku) => Some("invalid_sku"),
            Some(_) if qty == 0 || qty > backorder_api::validate::MAX_LINE_QTY => Some("invalid_qty"),
            Some(_) => None,
        };
        if let Some(reason) = reason {
            skipped.push(SkippedLineRecord { sku, qty, reason: reason.into() });
            continue;
        }
        let sku = sku.unwrap_or_default();
        match lines.iter_mut().find(|line| line.sku == sku) {
            Some(line) => {
                line.qty = line.qty.saturating_add(qty).min(backorder_api::validate::MAX_LINE_QTY);
                line.reservation_id = None;
            }
            None => {
                // A reservation of another SKU (or not one at all) is not this line's.
                let reservation =
                    reservation.filter(|id| backorder_api::ids::reservation_sku(id) == Some(&sku));
                lines.push(PlatformLineRecord { sku, qty, reservation_id: reservation.map(Into::into) })
            }
        }
    }
    InboundRecord::Order { lines, skipped }
}

/// The ledger's order id of a platform's order.
pub fn order_id(item: &InboxRecord) -> String {
    format!("{}:{}", item.platform, item.platform_order_id)
}

/// What to do next for an item, given what became of its order so far.
#[derive(Clone, Debug, PartialEq)]
pub enum Next {
    /// Fetch the order's products from the platform (BigCommerce), then [`fetched`].
    Fetch,
    /// Place this order with its coordinator, then [`placed`].
    Place(OrderRequest),
    /// Cancel the whole order with its coordinator, then [`cancelled`].
    Cancel,
    /// Try again at the item's `next_at`: something on the way was unavailable.
    Later,
    /// Nothing (more) to do: store the order's new state, if any, publish the events, and
    /// the item is finished.
    Done { state: Option<PlatformOrderStateRecord>, events: Vec<EventBody> },
}

pub fn next(item: &InboxRecord, order: Option<&PlatformOrderRecord>) -> Next {
    let state = order.map(|order| order.state);
    let done = |state| Next::Done { state, events: Vec::new() };
    match (&item.work, state) {
        // A repeat of an order already handled, or one cancelled before it arrived.
        (InboundRecord::Order { .. } | InboundRecord::Fetch, Some(_)) => done(None),
        (InboundRecord::Fetch, None) => Next::Fetch,
        (InboundRecord::Order { lines, skipped }, None) => {
            if lines.is_empty() {
                let mut events = skipped_events(item, skipped);
                events.push(refused(
                    item,
                    "no_lines",
                    "no line item of the order is a product of the ledger",
                ));
                return Next::Done { state: Some(PlatformOrderStateRecord::Refused), events };
            }
            let lines = lines
                .iter()
                .map(|line| OrderLineRequest {
                    sku: line.sku.clone(),
                    qty: line.qty,
                    reservation_id: line.reservation_id.clone(),
                    ship: None,
                })
                .collect();
            Next::Place(OrderRequest { order_id: order_id(item), lines })
        }
        (InboundRecord::Cancel, Some(PlatformOrderStateRecord::Placed)) => Next::Cancel,
        (InboundRecord::Cancel, None) => done(Some(PlatformOrderStateRecord::CancelledEarly)),
        (InboundRecord::Cancel, Some(_)) => done(None),
    }
}

/// The platform's API answered the order's products (or could not: `Err`, retried later).
pub fn fetched(
    item: &mut InboxRecord,
    products: Result<Vec<BigCommerceOrderProduct>, String>,
    now: Millis,
) -> Option<Next> {
    match products {
        Ok(products) => {
            item.work = bigcommerce_lines(&products);
            None
        }
        Err(why) => Some(retry(item, &why, now)),
    }
}

/// What a coordinator answered a placement: the order's new state, a line to drop (a SKU the
/// ledger does not know: the item is placed again without it), or a retry.
pub fn placed(item: &mut InboxRecord, status: u16, body: &str, now: Millis) -> Option<Next> {
    let error = refusal(body);
    let skipped = match &item.work {
        InboundRecord::Order { skipped, .. } => skipped.clone(),
        _ => return None,
    };
    match status {
        200 | 201 => {
            let events = skipped_events(item, &skipped);
            Some(Next::Done { state: Some(PlatformOrderStateRecord::Placed), events })
        }
        404 if error.as_ref().is_some_and(|e| e.code == "not_found" && e.line.is_some()) => {
            let index = error.as_ref().and_then(|e| e.line.as_ref()).map_or(0, |line| line.index);
            if let InboundRecord::Order { lines, skipped } = &mut item.work {
                if index < lines.len() {
                    let line = lines.remove(index);
                    let reason = "unknown_sku".into();
                    skipped.push(SkippedLineRecord { sku: Some(line.sku), qty: line.qty, reason });
                }
            }
            None
        }
        // Refused by a ledger (stock, a reservation not held, …): reported, never retried.
        400..=499 => {
            let (code, message) = error.map_or(("refused".into(), body.into()), |e| (e.code, e.message));
            let mut events = skipped_events(item, &skipped);
            events.push(refused(item, &code, &message));
            Some(Next::Done { state: Some(PlatformOrderStateRecord::Refused), events })
        }
        _ => Some(retry(item, &format!("the order's coordinator answered {status}"), now)),
    }
}

/// What a coordinator answered a cancellation.
pub fn cancelled(item: &mut InboxRecord, status: u16, now: Millis) -> Next {
    match status {
        200 | 404 | 409 => {
            Next::Done { state: Some(PlatformOrderStateRecord::Cancelled), events: Vec::new() }
        }
        _ => retry(item, &format!("the order's coordinator answered {status}"), now),
    }
}

/// Schedules the next attempt of an item, or gives it up (reported) after the last.
fn retry(item: &mut InboxRecord, why: &str, now: Millis) -> Next {
    match RETRY_MS.get(item.attempts as usize) {
        Some(wait) => {
            item.attempts += 1;
            item.next_at = Some(now + wait);
            Next::Later
        }
        None => {
            let attempts = item.attempts + 1;
            let events =
                vec![refused(item, "unavailable", &format!("given up after {attempts} attempts: {why}"))];
            let state =
                (!matches!(item.work, InboundRecord::Cancel)).then_some(PlatformOrderStateRecord::Refused);
            Next::Done { state, events }
        }
    }
}

fn skipped_events(item: &InboxRecord, skipped: &[SkippedLineRecord]) -> Vec<EventBody> {
    skipped
        .iter()
        .map(|line| EventBody::AdapterSkipped {
            platform: item.platform.clone(),
            platform_order_id: item.platform_order_id.clone(),
            order_id: order_id(item),
            item_sku: line.sku.clone(),
            qty: line.qty,
            reason: line.reason.clone(),
        })
        .collect()
}

fn refused(item: &InboxRecord, code: &str, message: &str) -> EventBody {
    EventBody::AdapterOrderRefused {
        platform: item.platform.clone(),
        platform_order_id: item.platform_order_id.clone(),
        order_id: order_id(item),
        code: code.into(),
        message: message.into(),
    }
}

/// Stores where an item got to (`Later` or `Done`): the item, its order's new state, and the
/// events to publish, numbered in the adapters' own sequence (answered for the outbox).
pub fn finish(
    store: &mut impl AdapterStore,
    item: &mut InboxRecord,
    next: Next,
    now: Millis,
) -> Result<Vec<EventDoc>, Fault> {
    match next {
        Next::Later => {
            store.put_item(item)?;
            Ok(Vec::new())
        }
        Next::Done { state, events } => {
            if let Some(state) = state {
                store.put_order(&item.platform, &item.platform_order_id, &order_record(state))?;
            }
            item.next_at = None;
            store.put_item(item)?;
            events
                .into_iter()
                .map(|body| Ok(EventDoc { sku: None, seq: store.next_event_seq()?, at: now, body }))
                .collect()
        }
        other => Err(Fault(format!("an adapter item was stored unfinished: {other:?}"))),
    }
}

/// BigCommerce's API for an order's products.
pub fn products_url(api_base: &str, store_hash: &str, platform_order_id: &str) -> String {
    format!("{api_base}/stores/{store_hash}/v2/orders/{platform_order_id}/products")
}

#[derive(serde::Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(serde::Deserialize)]
struct ErrorDetail {
    code: String,
    message: String,
    #[serde(default)]
    line: Option<backorder_api::error::LineRef>,
}

fn refusal(body: &str) -> Option<ErrorDetail> {
    serde_json::from_str::<ErrorBody>(body).ok().map(|body| body.error)
}

/// A platform order's record in a state.
pub fn order_record(state: PlatformOrderStateRecord) -> PlatformOrderRecord {
    PlatformOrderRecord { version: ADAPTER_RECORD_VERSION, state }
}
