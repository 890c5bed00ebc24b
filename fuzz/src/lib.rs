//! Backorder Edge's fuzz targets, as plain functions of the input bytes: the AFL++ binaries
//! in `fuzz_targets/` call them, and `tests/corpus.rs` runs every committed input (seeds and
//! the regressions of crashes found) through them on stable, without AFL++.
//!
//! - [`request_decoding`]: every request body and query the edge decodes.
//! - [`record_decoding`]: every stored record type, and a SKU's rows loaded into a ledger.
//! - [`command_sequences`]: `#[derive(Arbitrary)]` operations on the ledger and on the
//!   reference model, compared after every step.

pub mod command_sequences;
pub mod record_decoding;
pub mod request_decoding;

/// The core's test support and reference model, compiled as they are (not copied).
#[path = "../../crates/core/tests/support/mod.rs"]
#[allow(dead_code, clippy::all)]
mod support;
