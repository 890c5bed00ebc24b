//! backorder-worker: the Cloudflare Worker shell around backorder-core.
//!
//! - [`edge`]: the stateless fetch handler — routes, merchant auth, CORS, body limits, the
//!   development clock — forwarding to Durable Objects.
//! - [`sku_ledger::SkuLedger`]: one SQLite-backed Durable Object per SKU holding its ledger;
//!   every command is applied and written synchronously before the reply.
//! - [`registry::Registry`]: the product catalog, the event feed, and idempotency claims.
//! - [`limiter`]: how many reservations one client may start on one SKU.
//!
//! Rules live in the core; JSON lives in backorder-api; this crate only does I/O.

pub mod auth;
pub mod edge;
pub mod limiter;
pub mod registry;
pub mod reply;
pub mod routes;
pub mod sku_ledger;
pub mod sql;
pub mod store;

use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    edge::handle(req, env).await
}
