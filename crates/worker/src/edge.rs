//! The stateless front: routing, authentication, CORS, body limits, the development clock,
//! and forwarding to the Durable Objects that hold state.

use backorder_api::input::{parse, OrderRequest, ReceiptRequest, ReservationRequest};
use backorder_api::json::{self, ToJson};
use backorder_api::json_object;
use backorder_api::output::ProductSummaryDoc;
use backorder_api::{time, validate, ApiError};
use backorder_core::{Command, Millis};
use futures_util::future::join_all;
use wasm_bindgen::JsCast;
use worker::{Env, Headers, Method, Request, Response, Result, Stub};

use crate::auth::bearer_matches;
use crate::limiter::fnv1a;
use crate::reply::{Exposure, Reply};
use crate::routes::{KeySpace, Route};

/// Request bodies larger than this are refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Internal path of a SKU's one-line summary, used by the product list.
pub const SUMMARY_PATH: &str = "/_summary";
const SKU_LEDGER: &str = "SKU_LEDGER";
const REGISTRY: &str = "REGISTRY";
/// Idempotency claims are spread over this many registry objects.
const CLAIM_SHARDS: u64 = 16;

const HEADER_SKU: &str = "x-backorder-sku";
const HEADER_NOW: &str = "x-backorder-now";
const HEADER_KEY: &str = "x-backorder-key";
const HEADER_CLIENT: &str = "x-backorder-client";

/// What the edge tells a Durable Object beside the original request.
pub struct Internal {
    pub sku: String,
    /// Set only when the development clock is on and the client sent `X-Backorder-Now`.
    pub now: Option<Millis>,
    pub key: Option<String>,
    /// The shopper's address (`CF-Connecting-IP`, set by Cloudflare's network), if known.
    pub client: Option<String>,
}

impl Internal {
    pub fn read(req: &Request) -> Result<Internal> {
        let headers = req.headers();
        Ok(Internal {
            sku: headers.get(HEADER_SKU)?.unwrap_or_default(),
            now: headers.get(HEADER_NOW)?.and_then(|v| v.parse().ok()),
            key: headers.get(HEADER_KEY)?,
            client: headers.get(HEADER_CLIENT)?,
        })
    }
}

/// Handles one public request end to end.
pub async fn handle(mut req: Request, env: Env) -> Result<Response> {
    let method = req.method().to_string();
    let path = req.path();
    if method == "OPTIONS" {
        return preflight(&path);
    }
    let route = match Route::parse(&method, &path) {
        Ok(route) => route,
        Err(error) => {
            let exposure = if public_path(&path) { Exposure::Public } else { Exposure::Merchant };
            return Reply::from(error).into_response(exposure);
        }
    };
    let exposure = Exposure::of(&route);
    match serve(&mut req, &env, route).await {
        Ok(Answer::Relay(response)) => Ok(Response::from(response)),
        Ok(Answer::Reply(reply)) => reply.into_response(exposure),
        Err(error) => Reply::from(ApiError::new(500, "internal", format!("edge error: {error}")))
            .into_response(exposure),
    }
}

/// What the edge answers: a Durable Object's response as it is, or its own reply.
enum Answer {
    Relay(web_sys::Response),
    Reply(Reply),
}

impl From<Reply> for Answer {
    fn from(reply: Reply) -> Answer {
        Answer::Reply(reply)
    }
}

impl From<ApiError> for Answer {
    fn from(error: ApiError) -> Answer {
        Answer::Reply(error.into())
    }
}

async fn serve(req: &mut Request, env: &Env, route: Route) -> Result<Answer> {
    let now = dev_clock(req, env)?;
    if !route.is_public() {
        let token = env.secret("MERCHANT_TOKEN").map(|s| s.to_string()).unwrap_or_default();
        if !bearer_matches(req.headers().get("authorization")?.as_deref(), &token) {
            return Ok(ApiError::unauthorized().into());
        }
    }
    let body = match read_body(req).await? {
        Ok(body) => body,
        Err(error) => return Ok(error.into()),
    };
    let method = req.method().to_string();
    let path_and_query = match query_of(req).as_str() {
        "" => req.path(),
        query => format!("{}?{query}", req.path()),
    };
    let key = req.headers().get("idempotency-key")?;
    if let Some(key) = &key {
        if let Err(error) = validate::idempotency_key(key) {
            return Ok(error.into());
        }
    }
    // Cloudflare sets CF-Connecting-IP to the shopper's address; local runtimes set loopback,
    // which is one developer (and every test client), not a crowd: it is not limited.
    let client =
        req.headers().get("cf-connecting-ip")?.filter(|ip| !matches!(ip.as_str(), "127.0.0.1" | "::1"));
    let forward = |sku: String, key: Option<String>| Forward { sku, now, key, client: client.clone() };
    match route {
        Route::Availability { sku }
        | Route::GetReservation { sku, .. }
        | Route::ReleaseReservation { sku, .. }
        | Route::GetProduct { sku }
        | Route::PutPurchaseOrder { sku, .. }
        | Route::DeletePurchaseOrder { sku, .. }
        | Route::Backorders { sku } => forward(sku, None).send(env, &method, &path_and_query, &body).await,
        Route::Receive { sku } => {
            if let Some(key) = &key {
                let request = match parse::<ReceiptRequest>(&body).and_then(|r| r.validate().map(|()| r)) {
                    Ok(request) => request,
                    Err(error) => return Ok(error.into()),
                };
                let claimed =
                    claim(env, &Claim::new(KeySpace::Receipt, key, &sku, &request.command(), now)).await?;
                if claimed.status >= 300 {
                    return Ok(claimed.into());
                }
            }
            forward(sku, key).send(env, &method, &path_and_query, &body).await
        }
        Route::PutProduct { sku } => forward(sku, None).send(env, &method, &path_and_query, &body).await,
        Route::CreateReservation => {
            let request = match parse::<ReservationRequest>(&body).and_then(|r| r.validate().map(|()| r)) {
                Ok(request) => request,
                Err(error) => return Ok(error.into()),
            };
            let Some(key) = key else {
                return Ok(ApiError::invalid("Idempotency-Key header is required").into());
            };
            // The ledger picks the reservation's id; a retry must match whatever it picked.
            let command = request.command(String::new());
            let claimed =
                claim(env, &Claim::new(KeySpace::Reservation, &key, &request.sku, &command, now)).await?;
            if claimed.status >= 300 {
                return Ok(claimed.into());
            }
            forward(request.sku, Some(key)).send(env, &method, &path_and_query, &body).await
        }
        Route::CreateOrder => {
            let request: OrderRequest =
                match parse::<OrderRequest>(&body).and_then(|r| r.validate().map(|()| r)) {
                    Ok(request) => request,
                    Err(error) => return Ok(error.into()),
                };
            let [line] = request.lines.as_slice() else {
                return Ok(ApiError::invalid("an order carries exactly one line here").into());
            };
            let order = Claim::new(
                KeySpace::Order,
                &request.order_id,
                &line.sku,
                &line.command(&request.order_id),
                now,
            );
            let claimed = claim(env, &order).await?;
            if claimed.status >= 300 {
                return Ok(claimed.into());
            }
            let response = Forward { sku: line.sku.clone(), now, key: None, client: None }
                .call(env, &method, &path_and_query, &body)
                .await?;
            // Only a created order keeps its id; a refused one frees it for a corrected retry.
            let verb = if response.status() == 201 { "/claims/confirm" } else { "/claims/release" };
            let settled =
                registry(env, &shard_of(&order.key), "POST", verb, order.to_json().as_bytes()).await?;
            if settled.status != 200 {
                // The order's answer stands; an unsettled claim only keeps a refused order's id taken.
                worker::console_warn!(
                    "settling claim {} answered {}: {}",
                    order.key,
                    settled.status,
                    settled.body
                );
            }
            Ok(Answer::Relay(response))
        }
        Route::GetOrder { order_id } | Route::CancelOrder { order_id } => {
            let Some(sku) = order_sku(env, &order_id).await? else {
                return Ok(ApiError::not_found("no such order").into());
            };
            forward(sku, None).send(env, &method, &path_and_query, &body).await
        }
        Route::ListProducts => Ok(list_products(env, &path_and_query, now).await?.into()),
        Route::Events => {
            let query = path_and_query.split_once('?').map_or("", |(_, q)| q);
            Ok(Answer::Relay(
                call(registry_stub(env, "catalog")?, "GET", &format!("/events?{query}"), Headers::new(), &[])
                    .await?,
            ))
        }
    }
}

/// The query string of a request (without `?`), read without a URL parser: the `url`
/// crate's IDNA tables would double the worker's size.
pub fn query_of(req: &Request) -> String {
    let url = req.inner().url();
    let without_fragment = url.split('#').next().unwrap_or_default();
    without_fragment.split_once('?').map(|(_, query)| query.to_string()).unwrap_or_default()
}

/// `now` from `X-Backorder-Now` when `BACKORDER_DEV_CLOCK=1`; otherwise `None` (the wall clock).
fn dev_clock(req: &Request, env: &Env) -> Result<Option<Millis>> {
    let enabled = env.var("BACKORDER_DEV_CLOCK").map(|v| v.to_string() == "1").unwrap_or(false);
    if !enabled {
        return Ok(None);
    }
    Ok(req.headers().get("x-backorder-now")?.and_then(|text| time::parse_instant(&text)))
}

/// The body of a POST or PUT (other methods' bodies are ignored), or 413 when it is over the
/// limit — declared or not: a body without a length is read in chunks and cut off.
async fn read_body(req: &mut Request) -> Result<std::result::Result<Vec<u8>, ApiError>> {
    if !matches!(req.method(), Method::Post | Method::Put) {
        return Ok(Ok(Vec::new()));
    }
    let too_large = || Ok(Err(ApiError::too_large(MAX_BODY_BYTES)));
    match req.headers().get("content-length")?.map(|v| v.parse::<usize>()) {
        Some(Ok(declared)) if declared > MAX_BODY_BYTES => too_large(),
        Some(Ok(_)) => {
            let body = body_bytes(req).await?;
            if body.len() > MAX_BODY_BYTES {
                return too_large();
            }
            Ok(Ok(body))
        }
        _ => {
            let Some(stream) = req.inner().body() else { return Ok(Ok(Vec::new())) };
            let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
            let mut body = Vec::new();
            loop {
                let chunk = wasm_bindgen_futures::JsFuture::from(reader.read()).await?;
                if js_sys::Reflect::get(&chunk, &"done".into())?.as_bool().unwrap_or(true) {
                    return Ok(Ok(body));
                }
                let bytes = js_sys::Uint8Array::new(&js_sys::Reflect::get(&chunk, &"value".into())?);
                if body.len() + bytes.length() as usize > MAX_BODY_BYTES {
                    let _ = reader.cancel();
                    return too_large();
                }
                body.extend(bytes.to_vec());
            }
        }
    }
}

struct Forward {
    sku: String,
    now: Option<Millis>,
    key: Option<String>,
    client: Option<String>,
}

impl Forward {
    /// Sends the request on to the SKU's ledger; its response goes back to the client as is.
    async fn send(self, env: &Env, method: &str, path_and_query: &str, body: &[u8]) -> Result<Answer> {
        Ok(Answer::Relay(self.call(env, method, path_and_query, body).await?))
    }

    async fn call(
        self,
        env: &Env,
        method: &str,
        path_and_query: &str,
        body: &[u8],
    ) -> Result<web_sys::Response> {
        let headers = Headers::new();
        headers.set(HEADER_SKU, &self.sku)?;
        if let Some(now) = self.now {
            headers.set(HEADER_NOW, &now.to_string())?;
        }
        if let Some(key) = &self.key {
            headers.set(HEADER_KEY, key)?;
        }
        if let Some(client) = &self.client {
            headers.set(HEADER_CLIENT, client)?;
        }
        let stub = env.durable_object(SKU_LEDGER)?.id_from_name(&self.sku)?.get_stub()?;
        call(stub, method, path_and_query, headers, body).await
    }
}

async fn call(
    stub: Stub,
    method: &str,
    path_and_query: &str,
    headers: Headers,
    body: &[u8],
) -> Result<web_sys::Response> {
    // web_sys's own RequestInit: worker's would also encode Cloudflare's `cf` options, which
    // internal calls never set.
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_headers(headers.as_ref());
    if !body.is_empty() {
        init.set_body(&js_sys::Uint8Array::from(body));
    }
    let request =
        web_sys::Request::new_with_str_and_init(&format!("https://internal{path_and_query}"), &init)?;
    let response =
        wasm_bindgen_futures::JsFuture::from(stub.into_rpc::<ObjectStub>().fetch(&request)).await?;
    Ok(response.unchecked_into())
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// A Durable Object stub as the runtime gives it, for calling its `fetch` directly.
    type ObjectStub;
    #[wasm_bindgen(method)]
    fn fetch(this: &ObjectStub, request: &web_sys::Request) -> js_sys::Promise;
}

/// A response's status and text.
async fn read_reply(response: web_sys::Response) -> Result<Reply> {
    let status = response.status();
    let text = wasm_bindgen_futures::JsFuture::from(response.text()?).await?;
    Ok(Reply { status, body: text.as_string().unwrap_or_default() })
}

/// A whole body, read with one `arrayBuffer()` promise rather than chunk by chunk.
async fn body_bytes(req: &Request) -> Result<Vec<u8>> {
    let buffer = wasm_bindgen_futures::JsFuture::from(req.inner().array_buffer()?).await?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// The body the edge forwarded to a Durable Object: it forwards one only with POST and PUT,
/// so reads skip the await.
pub async fn forwarded_body(req: &Request) -> Result<Vec<u8>> {
    if !matches!(req.method(), Method::Post | Method::Put) {
        return Ok(Vec::new());
    }
    body_bytes(req).await
}

fn registry_stub(env: &Env, name: &str) -> Result<Stub> {
    env.durable_object(REGISTRY)?.id_from_name(name)?.get_stub()
}

/// Calls the registry object `name` (the catalog, or a claims shard).
async fn registry(env: &Env, name: &str, method: &str, path_and_query: &str, body: &[u8]) -> Result<Reply> {
    read_reply(call(registry_stub(env, name)?, method, path_and_query, Headers::new(), body).await?).await
}

pub struct SkuEntry {
    pub sku: String,
    pub name: String,
}

json_object!(read write SkuEntry {
    sku,
    name,
});

/// A claim on an idempotency key (or order id) in the registry, for one request.
pub struct Claim {
    pub key: String,
    /// The request: a reuse of the key with another fingerprint is refused.
    pub fingerprint: String,
    pub sku: String,
    pub at: Millis,
    /// Order claims are kept for good: they also index orders by id.
    pub permanent: bool,
}

json_object!(read write Claim {
    key,
    fingerprint,
    sku,
    at,
    permanent,
});

impl Claim {
    /// Keys are global, not per SKU: the fingerprint is the SKU and the core command's own.
    fn new(space: KeySpace, key: &str, sku: &str, command: &Command, now: Option<Millis>) -> Claim {
        Claim {
            key: space.key(key),
            fingerprint: [sku, "|", &command.fingerprint()].concat(),
            sku: sku.into(),
            at: now.unwrap_or_else(|| js_sys::Date::now() as Millis),
            permanent: space.permanent(),
        }
    }
}

fn shard_of(key: &str) -> String {
    format!("claims-{}", fnv1a(key) % CLAIM_SHARDS)
}

/// Claims an idempotency key (or order id) for one request across every SKU: a reuse with a
/// different request is refused with 422 before any ledger sees it.
async fn claim(env: &Env, claim: &Claim) -> Result<Reply> {
    registry(env, &shard_of(&claim.key), "POST", "/claims", claim.to_json().as_bytes()).await
}

async fn order_sku(env: &Env, order_id: &str) -> Result<Option<String>> {
    let key = KeySpace::Order.key(order_id);
    let path = format!("/claims?key={}", percent_encode(&key));
    let reply = registry(env, &shard_of(&key), "GET", &path, &[]).await?;
    if reply.status != 200 {
        return Ok(None);
    }
    Ok(json::read::<SkuEntry>(reply.body.as_bytes()).ok().map(|entry| entry.sku))
}

pub struct SkuPage {
    pub skus: Vec<SkuEntry>,
}

json_object!(read write SkuPage {
    skus,
});

struct ProductList {
    skus: Vec<ProductSummaryDoc>,
    /// Pass as `after` for the next page; null on the last.
    next_after: Option<String>,
}

json_object!(write ProductList {
    skus,
    next_after,
});

async fn list_products(env: &Env, path_and_query: &str, now: Option<Millis>) -> Result<Reply> {
    let query = path_and_query.split_once('?').map_or("", |(_, q)| q);
    let mut after = String::new();
    let mut limit = 50u32;
    for (name, value) in query.split('&').filter_map(|pair| pair.split_once('=')) {
        match name {
            "after" => after = value.to_string(),
            "limit" => match value.parse::<u32>() {
                Ok(n) if (1..=200).contains(&n) => limit = n,
                _ => return Ok(ApiError::invalid("limit must be between 1 and 200").into()),
            },
            _ => {}
        }
    }
    let page = registry(
        env,
        "catalog",
        "GET",
        &format!("/skus?after={}&limit={limit}", percent_encode(&after)),
        &[],
    )
    .await?;
    let Ok(page) = json::read::<SkuPage>(page.body.as_bytes()) else {
        return Ok(ApiError::new(500, "internal", "the catalog answered badly").into());
    };
    let summaries = join_all(page.skus.iter().map(|entry| async move {
        let forward = Forward { sku: entry.sku.clone(), now, key: None, client: None };
        read_reply(forward.call(env, "GET", SUMMARY_PATH, &[]).await?).await
    }))
    .await;
    let mut skus = Vec::with_capacity(summaries.len());
    for summary in summaries {
        if let Ok(doc) = json::read::<ProductSummaryDoc>(summary?.body.as_bytes()) {
            skus.push(doc);
        }
    }
    let next_after =
        (page.skus.len() == limit as usize).then(|| page.skus.last().map(|e| e.sku.clone())).flatten();
    Ok(Reply::json(200, &ProductList { skus, next_after }))
}

/// Sends a SKU's undelivered events (JSON texts, oldest first) to the feed; returns the
/// last sequence number the feed holds for the SKU.
pub async fn deliver_events(env: &Env, pending: &[(u64, String)]) -> Result<u64> {
    let mut body = String::from("[");
    for (i, (_, json)) in pending.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(json);
    }
    body.push(']');
    let reply = registry(env, "catalog", "POST", "/events", body.as_bytes()).await?;
    if reply.status != 200 {
        return Err(worker::Error::from(format!("feed answered {}: {}", reply.status, reply.body)));
    }
    json::read::<Delivered>(reply.body.as_bytes())
        .map(|d| d.up_to)
        .map_err(|e| worker::Error::from(format!("feed answered badly: {e}")))
}

/// Lists (or renames) a product in the catalog.
pub async fn register_product(env: &Env, sku: &str, name: &str) -> Result<()> {
    let entry = SkuEntry { sku: sku.into(), name: name.into() };
    let reply = registry(env, "catalog", "POST", "/skus", entry.to_json().as_bytes()).await?;
    if reply.status != 200 {
        return Err(worker::Error::from(format!("catalog answered {}: {}", reply.status, reply.body)));
    }
    Ok(())
}

pub struct Delivered {
    pub up_to: u64,
}

json_object!(read write Delivered {
    up_to,
});

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Public routes take any origin; merchant routes no cross-origin use at all.
fn public_path(path: &str) -> bool {
    path.starts_with("/v1/reservations") || (path.starts_with("/v1/skus/") && path.ends_with("/availability"))
}

fn preflight(path: &str) -> Result<Response> {
    if !public_path(path) {
        return Reply::from(ApiError::new(
            403,
            "cors_forbidden",
            "merchant endpoints are not available cross-origin",
        ))
        .into_response(Exposure::Merchant);
    }
    let headers = Headers::new();
    headers.set("access-control-allow-origin", "*")?;
    headers.set("access-control-allow-methods", "GET, POST, DELETE, OPTIONS")?;
    headers.set("access-control-allow-headers", "content-type, idempotency-key")?;
    headers.set("access-control-max-age", "86400")?;
    Ok(Response::empty()?.with_status(204).with_headers(headers))
}
