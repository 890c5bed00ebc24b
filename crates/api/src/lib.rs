//! backorder-api: the v1 HTTP API's JSON, and nothing else.
//!
//! Small hand-written JSON reading and writing (`json`: serde's per-type code was a fifth of
//! the worker's wasm), request bodies (with validation: SKU charset and length, quantities,
//! dates, unknown fields refused by name), response bodies built from core values, the error
//! shape, the text forms of dates and instants, and the records the edge stores in SQLite. The
//! core stays free of JSON; the worker stays free of JSON details.

pub mod error;
pub mod input;
pub mod json;
pub mod output;
pub mod policy;
pub mod records;
pub mod time;
pub mod validate;

pub use error::ApiError;
