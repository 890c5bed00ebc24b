//! backorder-worker: the Cloudflare Worker shell around backorder-core.
//!
//! - [`edge`]: the stateless fetch handler — merchant auth, body limits, the development
//!   clock, CORS and cache headers — carrying out what [`intake`] planned for a request with
//!   calls through [`client`], the one typed client of the Durable Objects.
//! - [`sku_ledger::SkuLedger`]: one SQLite-backed Durable Object per SKU; what it does per
//!   call is `backorder_service::ledger`, over [`store::SqlRecords`].
//! - [`coordinator::OrderCoordinator`]: one Durable Object per order id, placing a
//!   multi-SKU order all or nothing (`backorder_service::order`) and serving its status.
//! - [`registry::Registry`]: the product catalog, the event feed and idempotency claims;
//!   `backorder_service::registry` over [`registry::SqlRegistry`].
//! - [`webhooks::WebhookDispatcher`]: the merchant's webhook endpoints and every delivery to
//!   them (`backorder_service::webhooks` over [`webhooks::SqlWebhooks`]), driven by its alarm.
//! - [`adapters::StoreAdapters`]: Shopify's and BigCommerce's webhooks, verified, taken in once
//!   and worked off into orders by its alarm (`backorder_service::adapters`).
//!
//! Rules live in the core, per-request logic in backorder-service, wire documents in
//! backorder-api, stored records in backorder-records; this crate only does I/O.

pub mod adapters;
pub mod auth;
pub mod client;
pub mod coordinator;
pub mod dev_clock;
pub mod edge;
pub mod intake;
pub mod outbox;
pub mod registry;
pub mod routes;
pub mod sku_ledger;
pub mod sql;
pub mod store;
pub mod webhooks;

use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    edge::handle(req, env).await
}
