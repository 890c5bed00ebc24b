//! backorder-api: the v1 HTTP API's wire documents, and nothing else.
//!
//! Request bodies ([`input`]: strict — unknown fields are refused by name, `null` only where a
//! field may be cleared), response documents built from core values ([`output`]), the policy
//! as merchants see it ([`policy`]), the error shape ([`error`]), checks on identifiers and
//! quantities ([`validate`]), webhook endpoints and payloads ([`webhooks`]), the analytics
//! report ([`analytics`]) and the text forms of instants ([`time`]). Everything is serde:
//! the worker reads and writes it with serde_json, the widget with serde-wasm-bindgen. What the
//! edge stores is not here: stored records are `backorder-records`, so that renaming a field
//! of the API never changes what is on disk. Nothing here decides anything.

pub mod adapters;
pub mod analytics;
pub mod error;
pub mod ids;
pub mod input;
pub mod output;
pub mod policy;
pub mod time;
pub mod validate;
pub mod webhooks;

mod fields;

pub use error::ApiError;
