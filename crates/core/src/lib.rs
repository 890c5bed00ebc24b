//! backorder-core: every rule of Backorder Edge, for one SKU at a time.
//!
//! The core is sans-IO: it never reads a clock (time is an argument), does no I/O, has no
//! async and no serde, and never panics on input — failures are [`Error`] values. Shells
//! drive it: the edge worker persists a [`Ledger`] in a Durable Object's SQLite, the
//! widget quotes from an [`Availability`] snapshot in the browser. Both reach the same
//! answer through the same [`Availability::quote`].
//!
//! - [`Ledger`]: stock, holds (pending → confirmed | released | expired, each once), the FIFO
//!   backorder queue, purchase orders, projections and [`Event`]s.
//! - [`Availability`]: the public snapshot a shopper's quote is computed from.
//! - [`replies`]: idempotency keys — same key and request, same reply — and which outcomes a
//!   key keeps.
//! - [`limiter`]: how many reservations one client may start on one SKU.
//! - [`delay`]: delay notices and consent under 16 CFR 435.
//! - [`Calendar`] and [`Date`]: ship dates over weekdays, holidays and handling time.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(test)]
extern crate std;

mod availability;
mod calendar;
mod command;
mod date;
pub mod delay;
mod event;
mod ledger;
pub mod limiter;
mod policy;
pub mod replies;

pub use availability::{Availability, Lot, Quote, Refusal, Ship, Snapshot, Status};
pub use calendar::{Calendar, Weekdays};
pub use command::{
    Allocation, CancelScope, Cancellation, Command, Delay, DelayAnswer, Error, HoldState, HoldView, LineView,
    Missing, Outcome, Owner, PurchaseOrder,
};
pub use date::{Date, Millis, NotADate};
pub use event::{CancelReason, Event, EventRecord};
pub use ledger::{Changes, Hold, Ledger, Line, Prepared, QueueItem, Stock, Waiting};
pub use policy::{limits, Backorders, DelayConsent, Policy};
