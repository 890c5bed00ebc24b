//! Commands the ledger accepts, what they answer, and how they fail.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use crate::availability::{Quote, Refusal, Ship};
use crate::date::{Date, Millis};
use crate::policy::Policy;
use crate::replies::Keep;

/// A change to one SKU's ledger. Identifiers that must be unguessable (reservation ids)
/// are chosen by the shell, which has a source of randomness; the core has none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Hold `qty` units: from stock what is free, the rest as backorder. `client` (the
    /// shopper's address, when known) counts the attempt against [`crate::limiter`].
    Reserve {
        id: String,
        qty: u32,
        ship: Ship,
        client: Option<String>,
    },
    /// Give a held reservation back.
    Release {
        id: String,
    },
    /// Turn a reservation (or, without one, a fresh reservation) into an order line.
    /// `ship` defaults to the reservation's, or to partial.
    Confirm {
        order_id: String,
        qty: u32,
        ship: Option<Ship>,
        reservation: Option<String>,
    },
    /// Cancel an order line, or only its still-outstanding backorder.
    Cancel {
        order_id: String,
        scope: CancelScope,
    },
    /// The first phase of an order line across SKUs: hold `qty` units for order `order_id`
    /// until it is committed ([`Command::Confirm`] with the hold as its reservation) or aborted
    /// ([`Command::Abort`]). With `reservation`, the shopper's own hold is pinned for the order;
    /// without, a hold `id` is made for it. A prepared hold never expires.
    Prepare {
        order_id: String,
        id: String,
        qty: u32,
        ship: Option<Ship>,
        reservation: Option<String>,
    },
    /// Undoes a prepare: a hold made for the order is released; a shopper's pinned hold is
    /// theirs again, with its own expiry. Repeating it changes nothing.
    Abort {
        order_id: String,
        id: String,
    },
    /// The customer's answer to a pending delay notice: consent to the revised date, or cancel
    /// the waiting units (to be refunded).
    AnswerDelay {
        order_id: String,
        accept: bool,
    },
    /// Units arrived, optionally against a purchase order.
    Receive {
        qty: u32,
        purchase_order: Option<String>,
    },
    /// Create or change an inbound purchase order.
    SetPurchaseOrder {
        id: String,
        qty: u32,
        expected: Date,
    },
    CancelPurchaseOrder {
        id: String,
    },
    /// Replace the policy, and optionally set the count of units on hand.
    Configure {
        policy: Policy,
        on_hand: Option<u32>,
    },
}

impl Command {
    /// The order line the command acts on, if any: a shell brings that line back with
    /// [`crate::Ledger::visit_line`] first when it has settled out of memory.
    pub fn order_id(&self) -> Option<&str> {
        match self {
            Command::Confirm { order_id, .. }
            | Command::Cancel { order_id, .. }
            | Command::Prepare { order_id, .. }
            | Command::AnswerDelay { order_id, .. } => Some(order_id),
            _ => None,
        }
    }

    /// The reservation the command acts on, if any: a shell brings it back with
    /// [`crate::Ledger::visit_hold`] first when it was resolved out of memory.
    pub fn reservation_id(&self) -> Option<&str> {
        match self {
            Command::Confirm { reservation, .. } => reservation.as_deref(),
            Command::Prepare { id, reservation, .. } => Some(reservation.as_deref().unwrap_or(id)),
            Command::Release { id } | Command::Abort { id, .. } => Some(id),
            _ => None,
        }
    }

    /// Which outcomes an idempotency key remembers for this command.
    pub fn keep(&self) -> Keep {
        match self {
            // An order id is the merchant's own number: a refused order must not use it up.
            Command::Confirm { .. } => Keep::Successes,
            _ => Keep::Everything,
        }
    }

    /// A canonical text of the request, for idempotency: two commands with the same
    /// fingerprint are the same request. Ids the shell generates per attempt are left out, and
    /// so is the client's address, so a retried reservation matches its first attempt.
    pub fn fingerprint(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail. Fields are written with Display, not Debug, so
        // that no formatting machinery beyond integers and strings reaches the wasm builds.
        let _ = match self {
            Command::Reserve { qty, ship, .. } => write!(text, "reserve|{qty}|{}", ship_name(*ship)),
            Command::Release { id } => write!(text, "release|{id}"),
            Command::Confirm { order_id, qty, ship, reservation } => write!(
                text,
                "confirm|{order_id}|{qty}|{}|{}",
                ship.map_or("", ship_name),
                reservation.as_deref().unwrap_or("")
            ),
            Command::Cancel { order_id, scope } => {
                let scope = match scope {
                    CancelScope::Line => "line",
                    CancelScope::Backorder => "backorder",
                };
                write!(text, "cancel|{order_id}|{scope}")
            }
            Command::Receive { qty, purchase_order } => {
                write!(text, "receive|{qty}|{}", purchase_order.as_deref().unwrap_or(""))
            }
            Command::SetPurchaseOrder { id, qty, expected } => write!(text, "po|{id}|{qty}|{expected}"),
            Command::CancelPurchaseOrder { id } => write!(text, "po-cancel|{id}"),
            Command::Prepare { order_id, qty, ship, reservation, .. } => write!(
                text,
                "prepare|{order_id}|{qty}|{}|{}",
                ship.map_or("", ship_name),
                reservation.as_deref().unwrap_or("")
            ),
            Command::Abort { order_id, id } => write!(text, "abort|{order_id}|{id}"),
            Command::AnswerDelay { order_id, accept } => write!(text, "delay|{order_id}|{accept}"),
            Command::Configure { policy, on_hand } => {
                let _ = write!(text, "configure|");
                write_policy(&mut text, policy);
                write!(text, "|{}", on_hand.map_or(-1, i64::from))
            }
        };
        text
    }
}

fn ship_name(ship: Ship) -> &'static str {
    match ship {
        Ship::Partial => "partial",
        Ship::Complete => "complete",
    }
}

fn write_policy(text: &mut String, policy: &Policy) {
    let optional = |value: Option<u32>| value.map_or(-1, i64::from);
    let _ = write!(
        text,
        "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
        policy.backorders == crate::policy::Backorders::Allow,
        optional(policy.backorder_limit),
        policy.limit_to_inbound,
        optional(policy.lead_time_days),
        policy.calendar.handling_days,
        policy.low_stock_threshold,
        policy.discontinued,
        policy.utc_offset_minutes,
        policy.hold_ttl,
        policy.release_date.map_or(-1, |d| i64::from(d.days())),
    );
    for day in policy.calendar.ship_weekdays.iter() {
        let _ = write!(text, "|w{day}");
    }
    if policy.delay_consent == crate::policy::DelayConsent::Off {
        text.push_str("|consent-off");
    }
    for holiday in policy.calendar.holidays() {
        let _ = write!(text, "|h{}", holiday.days());
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelScope {
    /// The whole line: its units return to stock and everything is refunded.
    Line,
    /// Only the units still waiting; what shipped or was allocated stays.
    Backorder,
}

/// Where a reservation stands. Every state but `Held` is final and reached once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HoldState {
    Held,
    Confirmed {
        order_id: String,
    },
    Released,
    Expired,
    /// The item was discontinued while the reservation waited for backordered units.
    Withdrawn,
}

impl HoldState {
    pub fn as_str(&self) -> &'static str {
        match self {
            HoldState::Held => "held",
            HoldState::Confirmed { .. } => "confirmed",
            HoldState::Released => "released",
            HoldState::Expired => "expired",
            HoldState::Withdrawn => "withdrawn",
        }
    }

    /// The order a confirmed hold became.
    pub fn order_id(&self) -> Option<&str> {
        match self {
            HoldState::Confirmed { order_id } => Some(order_id),
            _ => None,
        }
    }
}

/// A reservation as the shopper sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoldView {
    pub id: String,
    /// The order it is prepared for, while that order is being placed.
    pub prepared_for: Option<String>,
    /// What was quoted when the reservation was made: the promise.
    pub quote: Quote,
    /// Units currently covered by stock (grows when a receipt reaches a held backorder).
    pub covered: u32,
    /// Projected ship date of the still-backordered units.
    pub projected: Option<Date>,
    pub ship: Ship,
    pub state: HoldState,
    pub created_at: Millis,
    pub expires_at: Millis,
}

/// An order line as the merchant sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineView {
    pub order_id: String,
    /// The split and dates promised when the units were reserved.
    pub quote: Quote,
    pub ship: Ship,
    /// Backordered units that a receipt has since covered.
    pub allocated: u32,
    /// Backordered units still waiting.
    pub outstanding: u32,
    /// Backordered units cancelled without being filled.
    pub cancelled_backorder: u32,
    /// Current projection for the outstanding units.
    pub projected: Option<Date>,
    /// 1-based place in the backorder queue, counting every waiting entry.
    pub position: Option<u32>,
    pub cancellation: Option<Cancellation>,
    pub reservation: Option<String>,
    pub created_at: Millis,
    /// The date the waiting units are promised for now: the quote's, or a revised date the
    /// customer consented to; `None` once they consented to a delay without a date.
    pub promise: Option<Date>,
    /// The latest delay notice and what became of it.
    pub delay: Option<Delay>,
}

/// A delay notice under 16 CFR 435, and its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delay {
    /// 1 for the first notice, 2 and on for renewed ones (a consented date slipped again).
    pub notice: u32,
    /// The promise the notice is about.
    pub promised: Date,
    /// The revised ship date offered; `None` when it is unknown.
    pub revised: Option<Date>,
    pub noticed_at: Millis,
    /// Until when the customer may answer.
    pub deadline: Millis,
    /// Whether no answer by the deadline counts as consent: only for a first notice with a
    /// definite date at most 30 days after the original promise.
    pub silence_is_consent: bool,
    /// `None` while the decision is pending.
    pub answer: Option<DelayAnswer>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DelayAnswer {
    /// The customer consented (or their silence did, `by_silence`).
    Accepted { at: Millis, by_silence: bool },
    /// The waiting units were cancelled: by the customer, or for want of consent.
    Cancelled { at: Millis, by_silence: bool },
}

impl Delay {
    pub fn pending(&self) -> bool {
        self.answer.is_none()
    }
}

/// The result of cancelling a line (or its backorder).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cancellation {
    /// Units to refund to the customer.
    pub refund_qty: u32,
    /// Units that went back to stock (and to the queue first).
    pub restocked: u32,
    /// Outstanding backordered units dropped.
    pub backorder_cancelled: u32,
}

/// Who received units from a receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Owner {
    Reservation(String),
    Order(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allocation {
    pub owner: Owner,
    pub qty: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurchaseOrder {
    pub id: String,
    /// Units still expected.
    pub qty: u32,
    pub expected: Date,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Reserved(HoldView),
    Released(HoldView),
    Confirmed(LineView),
    Cancelled { order_id: String, cancellation: Cancellation },
    Received { allocations: Vec<Allocation>, on_hand: u32 },
    PurchaseOrderSet(PurchaseOrder),
    PurchaseOrderCancelled(PurchaseOrder),
    Configured { on_hand: u32, allocations: Vec<Allocation> },
    Prepared(HoldView),
    Aborted(HoldView),
    DelayAnswered(LineView),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missing {
    Reservation,
    Order,
    PurchaseOrder,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The quantity cannot be sold (zero, beyond capacity, or discontinued).
    Refused(Refusal),
    NotFound(Missing),
    /// The reservation was already resolved another way.
    ReservationNotHeld {
        state: HoldState,
    },
    /// An order line with this id exists with different contents.
    OrderExists,
    /// The order was cancelled; only its cancellation can be repeated.
    OrderCancelled,
    /// The request is well-formed but breaks a rule; the text says which.
    Invalid(&'static str),
    /// The client started too many reservations of this SKU recently ([`crate::limiter`]).
    RateLimited,
    /// The reservation is pinned for an order being placed; only that order may take it.
    ReservationPrepared {
        order_id: String,
    },
    /// No delay decision is pending for this order line.
    NoDelayPending,
}
