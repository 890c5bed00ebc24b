//! What the ledger tells the world after a change.

use alloc::string::String;

use crate::date::{Date, Millis};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelReason {
    /// The merchant cancelled the waiting units.
    Merchant,
    /// The item was discontinued, so the waiting units will never come.
    Discontinued,
    /// The customer answered a delay notice by cancelling.
    Customer,
    /// A delay notice's deadline passed without the consent it needed.
    NoConsent,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// An order line was confirmed with backordered units.
    BackorderCreated { order_id: String, backorder: u32, promised: Option<Date> },
    /// A line's projected ship date moved (later when supply slipped, earlier when it improved).
    EtaChanged { order_id: String, promised: Option<Date>, previous: Option<Date>, projected: Option<Date> },
    /// Received units were given to a waiting line. When none are outstanding any more the
    /// line is complete, and `shipped` is the date it ships by the calendar.
    BackorderAllocated { order_id: String, qty: u32, outstanding: u32, shipped: Option<Date> },
    /// A line's waiting units were cancelled; `refund_qty` units are to be refunded.
    BackorderCancelled { order_id: String, qty: u32, refund_qty: u32, reason: CancelReason },
    /// A whole line was cancelled.
    OrderCancelled { order_id: String, refund_qty: u32, restocked: u32 },
    /// Units free for new shoppers fell to the low-stock threshold or below.
    LowStock { available_now: u32, threshold: u32 },
    /// Confirmed backorders exceed scheduled supply by `shortfall` units.
    ReorderNeeded { shortfall: u32, backordered: u32, inbound: u32 },
    /// A waiting line will not ship by its promise: the customer may consent to the revised
    /// date or cancel, by `deadline` (16 CFR 435). `notice` is 1 for the first notice and
    /// counts up for renewed ones; `revised` is `None` when the new date is unknown.
    DelayNotice {
        order_id: String,
        notice: u32,
        promised: Date,
        revised: Option<Date>,
        deadline: Millis,
        silence_is_consent: bool,
    },
    /// The customer consented to a delay, or was deemed to by their silence.
    DelayAccepted { order_id: String, revised: Option<Date>, by_silence: bool },
    /// `qty` units of a line are to be refunded, by `due` (7 working days after they were
    /// cancelled).
    RefundDue { order_id: String, qty: u32, due: Date },
}

impl Event {
    pub fn kind(&self) -> &'static str {
        match self {
            Event::BackorderCreated { .. } => "backorder_created",
            Event::EtaChanged { .. } => "eta_changed",
            Event::BackorderAllocated { .. } => "backorder_allocated",
            Event::BackorderCancelled { .. } => "backorder_cancelled",
            Event::OrderCancelled { .. } => "order_cancelled",
            Event::LowStock { .. } => "low_stock",
            Event::ReorderNeeded { .. } => "reorder_needed",
            Event::DelayNotice { .. } => "delay_notice",
            Event::DelayAccepted { .. } => "delay_accepted",
            Event::RefundDue { .. } => "refund_due",
        }
    }
}

/// An event with its place in this SKU's event sequence (1, 2, 3, … without gaps).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRecord {
    pub seq: u64,
    pub at: Millis,
    pub event: Event,
}
