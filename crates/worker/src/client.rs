//! The typed client for the Durable Objects, used by the edge and by the objects themselves:
//! each call is one JSON document POSTed to the object, each answer a [`Reply`].

use backorder_api::analytics::AnalyticsQuery;
use backorder_api::output::EventDoc;
use backorder_service::protocol::{
    AdapterCall, Claim, ClaimedBy, Delivered, FeedHead, KeySpace, LedgerCall, OrderCall, RegistryCall, Reply,
    SkuEntry, SkuPage, WebhookCall,
};
use backorder_service::registry::claims_shard;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsCast;
use worker::{Env, Error, Request, Response, Result, Stub};

const SKU_LEDGER: &str = "SKU_LEDGER";
const REGISTRY: &str = "REGISTRY";
const ORDERS: &str = "ORDERS";
const WEBHOOKS: &str = "WEBHOOKS";
/// The one webhook dispatcher of the store.
const DISPATCHER: &str = "webhooks";
const ADAPTERS: &str = "ADAPTERS";
/// The one store adapters object.
const PLATFORMS: &str = "adapters";
/// The registry object that lists products and keeps the event feed.
const CATALOG: &str = "catalog";

/// Calls the ledger of `call.sku`.
pub async fn ledger(env: &Env, call: &LedgerCall) -> Result<Reply> {
    read(ledger_response(env, call).await?).await
}

/// Calls the ledger of `call.sku`, for an answer the edge relays as it is: its body is never
/// copied into the wasm and back.
pub async fn ledger_response(env: &Env, call: &LedgerCall) -> Result<web_sys::Response> {
    send(env.durable_object(SKU_LEDGER)?.id_from_name(&call.sku)?.get_stub()?, call).await
}

/// Calls the coordinator of `call.order_id`, for an answer the edge relays.
pub async fn order_response(env: &Env, call: &OrderCall) -> Result<web_sys::Response> {
    send(env.durable_object(ORDERS)?.id_from_name(&call.order_id)?.get_stub()?, call).await
}

/// Calls the webhook dispatcher, for an answer the edge relays.
pub async fn webhooks_response(env: &Env, call: &WebhookCall) -> Result<web_sys::Response> {
    send(env.durable_object(WEBHOOKS)?.id_from_name(DISPATCHER)?.get_stub()?, call).await
}

/// Calls the store platform adapters, for an answer the edge relays.
pub async fn adapters_response(env: &Env, call: &AdapterCall) -> Result<web_sys::Response> {
    send(env.durable_object(ADAPTERS)?.id_from_name(PLATFORMS)?.get_stub()?, call).await
}

/// Calls the webhook dispatcher.
pub async fn webhooks(env: &Env, call: &WebhookCall) -> Result<Reply> {
    read(webhooks_response(env, call).await?).await
}

/// The feed's last event id.
pub async fn feed_head(env: &Env) -> Result<u64> {
    Ok(decode::<FeedHead>(&expect_ok(registry(env, CATALOG, &RegistryCall::FeedHead).await?)?)?.head)
}

/// Tells the catalog whether to nudge the webhook dispatcher when events arrive.
pub async fn watch_feed(env: &Env, active: bool) -> Result<()> {
    match registry(env, CATALOG, &RegistryCall::Watch { active }).await?.status {
        204 => Ok(()),
        status => Err(Error::from(format!("the catalog answered {status} to a watch"))),
    }
}

/// Calls the registry object `name`.
async fn registry(env: &Env, name: &str, call: &RegistryCall) -> Result<Reply> {
    read(send(env.durable_object(REGISTRY)?.id_from_name(name)?.get_stub()?, call).await?).await
}

/// Claims an idempotency key (or order id) for one request across every SKU: `None` when
/// claimed, else the refusal to answer (a reuse with another request is 422) — before any
/// ledger sees the request.
pub async fn claim(env: &Env, claim: &Claim) -> Result<Option<Reply>> {
    let stub = env.durable_object(REGISTRY)?.id_from_name(&claims_shard(&claim.key))?.get_stub()?;
    let response = send(stub, &RegistryCall::Claim { claim: claim.clone() }).await?;
    // A claim's answer is read only when it refuses.
    Ok(match response.status() {
        200 => None,
        _ => Some(read(response).await?),
    })
}

/// The SKU of an order placed before orders had coordinators (its id was claimed for good,
/// with its one line's SKU), if `order_id` is one.
pub async fn legacy_order_sku(env: &Env, order_id: &str) -> Result<Option<String>> {
    let key = KeySpace::Order.key(order_id);
    let reply = registry(env, &claims_shard(&key), &RegistryCall::FindClaim { key }).await?;
    Ok(match reply.status {
        200 => Some(decode::<ClaimedBy>(&reply)?.sku),
        _ => None,
    })
}

/// Lists (or renames) a product in the catalog.
pub async fn list_product(env: &Env, entry: SkuEntry) -> Result<()> {
    expect_ok(registry(env, CATALOG, &RegistryCall::ListProduct { entry }).await?).map(drop)
}

/// A page of the catalog.
pub async fn products(env: &Env, after: String, limit: u32) -> Result<SkuPage> {
    decode(&expect_ok(registry(env, CATALOG, &RegistryCall::Products { after, limit }).await?)?)
}

/// A page of the event feed, as the public document.
pub async fn feed(env: &Env, after: u64, limit: u32) -> Result<Reply> {
    registry(env, CATALOG, &RegistryCall::Feed { after, limit }).await
}

pub async fn analytics(env: &Env, query: AnalyticsQuery, now: backorder_core::Millis) -> Result<Reply> {
    registry(env, CATALOG, &RegistryCall::Analytics { query, now }).await
}

/// Sends a source's undelivered events (a SKU's, or `order:<id>`'s; oldest first) to the feed;
/// the last sequence number the feed holds for the source.
pub async fn deliver_events(env: &Env, source: String, events: Vec<EventDoc>) -> Result<u64> {
    let reply = expect_ok(registry(env, CATALOG, &RegistryCall::AppendEvents { source, events }).await?)?;
    Ok(decode::<Delivered>(&reply)?.up_to)
}

fn expect_ok(reply: Reply) -> Result<Reply> {
    match reply.status {
        200 => Ok(reply),
        status => Err(Error::from(format!("the registry answered {status}: {}", reply.body))),
    }
}

fn decode<T: DeserializeOwned>(reply: &Reply) -> Result<T> {
    serde_json::from_str(&reply.body).map_err(|e| Error::from(format!("an object answered badly: {e}")))
}

async fn send(stub: Stub, call: &impl Serialize) -> Result<web_sys::Response> {
    let body = serde_json::to_string(call)?;
    // web_sys's own Request and the stub's own fetch: worker's `RequestInit` would also encode
    // Cloudflare's `cf` options (through serde-wasm-bindgen), which internal calls never set.
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&body.into());
    let request = web_sys::Request::new_with_str_and_init("https://object/", &init)?;
    let response =
        wasm_bindgen_futures::JsFuture::from(stub.into_rpc::<ObjectStub>().fetch(&request)).await?;
    Ok(response.unchecked_into())
}

/// An object's answer as a [`Reply`].
pub async fn read(response: web_sys::Response) -> Result<Reply> {
    let text = wasm_bindgen_futures::JsFuture::from(response.text()?).await?;
    Ok(Reply { status: response.status(), body: text.as_string().unwrap_or_default() })
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// A Durable Object stub as the runtime gives it, for calling its `fetch` directly.
    type ObjectStub;
    #[wasm_bindgen(method)]
    fn fetch(this: &ObjectStub, request: &web_sys::Request) -> js_sys::Promise;
}

/// The call an object received, or the 400 it answers when the body is not one.
pub async fn received<T: DeserializeOwned>(mut request: Request) -> Result<std::result::Result<T, Reply>> {
    let text = request.text().await?;
    Ok(serde_json::from_str(&text).map_err(|error| {
        backorder_api::ApiError::invalid(format!("not a call this object takes: {error}")).into()
    }))
}

/// An object's answer: the reply's status and JSON body, nothing else (the edge adds the
/// headers a client needs).
pub fn respond(reply: Reply) -> Result<Response> {
    let headers = worker::Headers::new();
    headers.set("content-type", "application/json")?;
    Ok(Response::ok(reply.body)?.with_status(reply.status).with_headers(headers))
}

/// The runtime's clock, for what is not the ledger's time (claims, alarms).
pub fn wall_clock() -> backorder_core::Millis {
    js_sys::Date::now() as backorder_core::Millis
}
