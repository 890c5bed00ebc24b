//! backorder-service: what each Durable Object does per request, as plain functions over
//! storage traits — compiled and tested natively. See the crate's README.

pub mod adapters;
pub mod analytics;
pub mod ledger;
pub mod memory;
pub mod order;
pub mod protocol;
pub mod registry;
pub mod webhooks;
