//! The stateless front: authentication, body limits, the development clock, CORS and cache
//! headers. It parses and validates each request once ([`crate::intake`]), carries out the
//! plan with typed calls to the Durable Objects ([`crate::client`]) and answers with their
//! reply.

use backorder_api::adapters::BIGCOMMERCE_SECRET_HEADER;
use backorder_api::output::{ProductListDoc, ProductSummaryDoc};
use backorder_api::{time, ApiError};
use backorder_core::Millis;
use backorder_service::protocol::{LedgerCall, LedgerOp, Reply};
use futures_util::future::join_all;
use futures_util::StreamExt;
use worker::{Env, Headers, Request, Response, Result};

use crate::auth::bearer_matches;
use crate::client::{self, wall_clock};
use crate::intake::{self, Incoming, Plan, PlatformHeaders};
use crate::routes::Route;

/// Request bodies larger than this are refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// A store platform's webhook may be larger: a Shopify order of many lines is hundreds of KB.
pub const MAX_PLATFORM_BODY_BYTES: usize = 1024 * 1024;

/// Handles one public request end to end.
pub async fn handle(mut req: Request, env: Env) -> Result<Response> {
    let path = req.path();
    // The runtime's method text: workers-rs maps methods it does not know to GET.
    let method = req.inner().method();
    if method == "OPTIONS" {
        return preflight(&path);
    }
    let route = match Route::parse(&method, &path) {
        Ok(route) => route,
        Err(error) => {
            let exposure = if public_path(&path) { Exposure::Public } else { Exposure::Merchant };
            return respond(error.into(), exposure);
        }
    };
    let exposure = Exposure::of(&route);
    match serve(&mut req, &env, route).await {
        Ok(Answer::Reply(reply)) => respond(reply, exposure),
        Ok(Answer::Relay(response)) => relay(response, exposure),
        Err(error) => {
            respond(ApiError::new(500, "internal", format!("edge error: {error}")).into(), exposure)
        }
    }
}

/// What the edge answers: its own reply, or an object's response relayed as it is.
enum Answer {
    Reply(Reply),
    Relay(web_sys::Response),
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
    let now = match dev_clock(req, env)? {
        Ok(now) => now,
        Err(error) => return Ok(error.into()),
    };
    if route == Route::DemoCheckout {
        // The demo store's backend, inside the edge: it exists only with the development flag,
        // and only for the edge's own pages (a JSON body from another origin needs a preflight,
        // which is refused).
        if !dev_clock_enabled(env) {
            return Ok(ApiError::not_found(format!("no endpoint {}", req.path())).into());
        }
        let json = req.headers().get("content-type")?.is_some_and(|t| t.starts_with("application/json"));
        if !json {
            return Ok(
                ApiError::new(415, "unsupported_media_type", "the checkout takes application/json").into()
            );
        }
    } else if !route.is_public() && !route.signed_by_platform() {
        let token = env.secret("MERCHANT_TOKEN").map(|s| s.to_string()).unwrap_or_default();
        if !bearer_matches(req.headers().get("authorization")?.as_deref(), &token) {
            return Ok(ApiError::unauthorized().into());
        }
    }
    let limit = if route.signed_by_platform() { MAX_PLATFORM_BODY_BYTES } else { MAX_BODY_BYTES };
    let body = match read_body(req, limit).await? {
        Ok(body) => body,
        Err(error) => return Ok(error.into()),
    };
    // Most routes need only the path: the others skip parsing the URL.
    let url = if route.reads_url() { Some(req.url()?) } else { None };
    let origin = url.as_ref().map(|url| url.origin().ascii_serialization()).unwrap_or_default();
    let fault = if dev_clock_enabled(env) { req.headers().get("x-backorder-fault")? } else { None };
    let key = req.headers().get("idempotency-key")?;
    let platform_header = |name: &str| -> Result<Option<String>> {
        if route.signed_by_platform() {
            req.headers().get(name)
        } else {
            Ok(None)
        }
    };
    let topic = platform_header("x-shopify-topic")?;
    let hmac = platform_header("x-shopify-hmac-sha256")?;
    let webhook_id = platform_header("x-shopify-webhook-id")?;
    let platform_secret = platform_header(BIGCOMMERCE_SECRET_HEADER)?;
    // Cloudflare sets CF-Connecting-IP to the shopper's address; local runtimes set loopback,
    // which is one developer (and every test client), not a crowd: it is not limited.
    let client =
        req.headers().get("cf-connecting-ip")?.filter(|ip| !matches!(ip.as_str(), "127.0.0.1" | "::1"));
    let incoming = Incoming {
        route,
        query: url.as_ref().and_then(|url| url.query()).unwrap_or_default(),
        key: key.as_deref(),
        client: client.as_deref(),
        body: &body,
        now,
        origin: &origin,
        fault: fault.as_deref(),
        dev: dev_clock_enabled(env),
        platform: PlatformHeaders {
            topic: topic.as_deref(),
            hmac: hmac.as_deref(),
            webhook_id: webhook_id.as_deref(),
            secret: platform_secret.as_deref(),
        },
    };
    match intake::plan(incoming, wall_clock()) {
        Ok(plan) => carry_out(env, plan, now).await,
        Err(error) => Ok(error.into()),
    }
}

async fn carry_out(env: &Env, plan: Plan, now: Option<Millis>) -> Result<Answer> {
    Ok(match plan {
        Plan::Ledger(call) => Answer::Relay(client::ledger_response(env, &call).await?),
        Plan::Claimed { claim, call } => {
            if let Some(refused) = client::claim(env, &claim).await? {
                return Ok(refused.into());
            }
            Answer::Relay(client::ledger_response(env, &call).await?)
        }
        Plan::Order(call) => Answer::Relay(client::order_response(env, &call).await?),
        Plan::Webhooks(call) => Answer::Relay(client::webhooks_response(env, &call).await?),
        Plan::Adapters(call) => Answer::Relay(client::adapters_response(env, &call).await?),
        Plan::Products { after, limit } => list_products(env, after, limit, now).await?.into(),
        Plan::Events { after, limit } => client::feed(env, after, limit).await?.into(),
        Plan::Analytics { query, now } => client::analytics(env, query, now).await?.into(),
    })
}

/// A page of the catalog, each product with its summary from its own ledger.
async fn list_products(env: &Env, after: String, limit: u32, now: Option<Millis>) -> Result<Reply> {
    let page = client::products(env, after, limit).await?;
    let summaries = join_all(page.skus.iter().map(|entry| {
        let call = LedgerCall { sku: entry.sku.clone(), now, key: None, client: None, op: LedgerOp::Summary };
        async move { client::ledger(env, &call).await }
    }))
    .await;
    let mut skus = Vec::with_capacity(summaries.len());
    for summary in summaries {
        if let Ok(doc) = serde_json::from_str::<ProductSummaryDoc>(&summary?.body) {
            skus.push(doc);
        }
    }
    let next_after =
        (page.skus.len() == limit as usize).then(|| page.skus.last().map(|e| e.sku.clone())).flatten();
    Ok(Reply::json(200, &ProductListDoc { skus, next_after }))
}

/// `now` from `X-Backorder-Now` when `BACKORDER_DEV_CLOCK=1` (otherwise the header is
/// ignored and each ledger reads its own clock); a header that is not RFC 3339 is a 400.
fn dev_clock(req: &Request, env: &Env) -> Result<std::result::Result<Option<Millis>, ApiError>> {
    let header = if dev_clock_enabled(env) { req.headers().get("x-backorder-now")? } else { None };
    Ok(match header {
        None => Ok(None),
        Some(text) => time::parse_instant(&text)
            .map(Some)
            .ok_or_else(|| ApiError::invalid("X-Backorder-Now must be an RFC 3339 date-time")),
    })
}

/// `BACKORDER_DEV_CLOCK=1`: local development, where tests may set the clock and faults.
fn dev_clock_enabled(env: &Env) -> bool {
    env.var("BACKORDER_DEV_CLOCK").map(|v| v.to_string() == "1").unwrap_or(false)
}

/// The body of a POST, PUT or PATCH (other methods' bodies are ignored), or 413 when it is over the
/// limit — declared or not: a body without a length is read in chunks and cut off.
async fn read_body(req: &mut Request, limit: usize) -> Result<std::result::Result<Vec<u8>, ApiError>> {
    if !matches!(req.inner().method().as_str(), "POST" | "PUT" | "PATCH") {
        return Ok(Ok(Vec::new()));
    }
    let too_large = || Ok(Err(ApiError::too_large(limit)));
    match req.headers().get("content-length")?.map(|v| v.parse::<usize>()) {
        Some(Ok(declared)) if declared > limit => too_large(),
        Some(Ok(_)) => {
            let body = req.bytes().await?;
            if body.len() > limit {
                return too_large();
            }
            Ok(Ok(body))
        }
        _ => {
            if req.inner().body().is_none() {
                return Ok(Ok(Vec::new()));
            }
            let mut stream = req.stream()?;
            let mut body = Vec::new();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                if body.len() + chunk.len() > limit {
                    return too_large();
                }
                body.extend(chunk);
            }
            Ok(Ok(body))
        }
    }
}

/// Who may read a reply, which decides its CORS and caching headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Exposure {
    /// Merchant endpoints: no cross-origin use, no caching.
    Merchant,
    /// Public endpoints: any origin, no caching.
    Public,
    /// Public and safe to cache briefly (availability).
    PublicCacheable,
}

impl Exposure {
    fn of(route: &Route) -> Exposure {
        match route {
            Route::Availability { .. } => Exposure::PublicCacheable,
            route if route.is_public() => Exposure::Public,
            _ => Exposure::Merchant,
        }
    }
}

/// The HTTP response a client gets for the edge's own reply.
fn respond(reply: Reply, exposure: Exposure) -> Result<Response> {
    let headers = client_headers(reply.status, exposure)?;
    Ok(Response::ok(reply.body)?.with_status(reply.status).with_headers(headers))
}

/// An object's response with the headers a client gets, its body passed through untouched.
fn relay(response: web_sys::Response, exposure: Exposure) -> Result<Response> {
    let init = web_sys::ResponseInit::new();
    init.set_status(response.status());
    init.set_headers(client_headers(response.status(), exposure)?.as_ref());
    Ok(web_sys::Response::new_with_opt_readable_stream_and_init(response.body().as_ref(), &init)?.into())
}

/// Public endpoints answer any origin; a successful availability read may be cached for a few
/// seconds; nothing else may.
fn client_headers(status: u16, exposure: Exposure) -> Result<Headers> {
    let headers = Headers::new();
    headers.set("content-type", "application/json; charset=utf-8")?;
    headers.set("x-content-type-options", "nosniff")?;
    let cacheable = exposure == Exposure::PublicCacheable && status == 200;
    headers.set("cache-control", if cacheable { "public, max-age=5" } else { "no-store" })?;
    if exposure != Exposure::Merchant {
        headers.set("access-control-allow-origin", "*")?;
    }
    Ok(headers)
}

/// Public routes take any origin; merchant routes no cross-origin use at all.
fn public_path(path: &str) -> bool {
    path.starts_with("/v1/reservations")
        || (path.starts_with("/v1/skus/") && path.ends_with("/availability"))
        || (path.starts_with("/v1/orders/") && (path.ends_with("/status") || path.ends_with("/delay")))
}

fn preflight(path: &str) -> Result<Response> {
    if !public_path(path) {
        let refused =
            ApiError::new(403, "cors_forbidden", "merchant endpoints are not available cross-origin");
        return respond(refused.into(), Exposure::Merchant);
    }
    let headers = Headers::new();
    headers.set("access-control-allow-origin", "*")?;
    headers.set("access-control-allow-methods", "GET, POST, DELETE, OPTIONS")?;
    headers.set("access-control-allow-headers", "content-type, idempotency-key")?;
    headers.set("access-control-max-age", "86400")?;
    Ok(Response::empty()?.with_status(204).with_headers(headers))
}
