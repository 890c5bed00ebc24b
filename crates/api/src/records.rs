//! How the edge stores a ledger in SQLite: one JSON record per row, versioned.
//!
//! These are storage formats, not API: fields may only be added with defaults, so that
//! rows written by an older version still load.

use backorder_core::{Cancellation, Date, Hold, HoldState, Line, Millis, Policy, Stock, Waiting};

use crate::error::ApiError;
use crate::input::ShipDoc;
use crate::json_object;
use crate::output::QuoteDoc;
use crate::policy::PolicyDoc;

pub const PRODUCT_RECORD_VERSION: u32 = 1;

/// The row that holds a SKU's name and policy (rarely written).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductRecord {
    pub version: u32,
    pub sku: String,
    pub name: String,
    pub policy: PolicyDoc,
}

json_object!(read write ProductRecord {
    version,
    sku,
    name,
    policy,
});

/// The row that holds a SKU's stock counters (written by most commands).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StockRecord {
    pub free: u32,
    pub received: u64,
    pub adjusted: i64,
    pub next_seq: u64,
    pub next_event_seq: u64,
    pub reorder_reported: u32,
    pub projected_on: Option<Date>,
    /// Rows from before lines settled out of memory read as 0: their settled lines are all
    /// still stored as open, and restoring counts them.
    pub settled_units: u64,
}

json_object!(read write StockRecord {
    free,
    received,
    adjusted,
    next_seq,
    next_event_seq,
    reorder_reported,
    projected_on,
    settled_units = 0,
});

impl From<&Stock> for StockRecord {
    fn from(s: &Stock) -> StockRecord {
        StockRecord {
            free: s.free,
            received: s.received,
            adjusted: s.adjusted,
            next_seq: s.next_seq,
            next_event_seq: s.next_event_seq,
            reorder_reported: s.reorder_reported,
            projected_on: s.projected_on,
            settled_units: s.settled_units,
        }
    }
}

impl From<&StockRecord> for Stock {
    fn from(s: &StockRecord) -> Stock {
        Stock {
            free: s.free,
            received: s.received,
            adjusted: s.adjusted,
            next_seq: s.next_seq,
            next_event_seq: s.next_event_seq,
            reorder_reported: s.reorder_reported,
            projected_on: s.projected_on,
            settled_units: s.settled_units,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitingRecord {
    pub outstanding: u32,
    pub projected: Option<Date>,
    /// Always written; rows from before it existed read as the owner's creation day.
    pub since: Option<Date>,
}

json_object!(read write WaitingRecord {
    outstanding,
    projected,
    since,
});

fn waiting_record(waiting: Option<Waiting>) -> Option<WaitingRecord> {
    waiting.map(|w| WaitingRecord {
        outstanding: w.outstanding,
        projected: w.projected,
        since: Some(w.since),
    })
}

/// The queue place of an owner created at `created_at`, in the store's calendar.
fn waiting(record: Option<WaitingRecord>, policy: &Policy, created_at: Millis) -> Option<Waiting> {
    record.map(|w| Waiting {
        outstanding: w.outstanding,
        projected: w.projected,
        since: w.since.unwrap_or_else(|| policy.today(created_at)),
    })
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoldRecord {
    pub id: String,
    pub seq: u64,
    pub quote: QuoteDoc,
    pub ship: ShipDoc,
    /// held | confirmed | released | expired | withdrawn
    pub state: String,
    pub order_id: Option<String>,
    pub created_at: Millis,
    pub expires_at: Millis,
    pub resolved_at: Option<Millis>,
    pub waiting: Option<WaitingRecord>,
}

json_object!(read write HoldRecord {
    id,
    seq,
    quote,
    ship,
    state,
    order_id if_some,
    created_at,
    expires_at,
    resolved_at,
    waiting,
});

impl HoldRecord {
    pub fn new(hold: &Hold, waiting: Option<Waiting>) -> HoldRecord {
        HoldRecord {
            id: hold.id.clone(),
            seq: hold.seq,
            quote: hold.quote.into(),
            ship: hold.ship.into(),
            state: hold.state.as_str().into(),
            order_id: hold.state.order_id().map(str::to_string),
            created_at: hold.created_at,
            expires_at: hold.expires_at,
            resolved_at: hold.resolved_at,
            waiting: waiting_record(waiting),
        }
    }

    pub fn to_core(&self, policy: &Policy) -> Result<(Hold, Option<Waiting>), ApiError> {
        let state = match (self.state.as_str(), &self.order_id) {
            ("held", _) => HoldState::Held,
            ("confirmed", Some(order_id)) => HoldState::Confirmed { order_id: order_id.clone() },
            ("released", _) => HoldState::Released,
            ("expired", _) => HoldState::Expired,
            ("withdrawn", _) => HoldState::Withdrawn,
            _ => {
                return Err(ApiError::new(
                    500,
                    "corrupt_record",
                    format!("reservation {} has state {}", self.id, self.state),
                ))
            }
        };
        let hold = Hold {
            id: self.id.clone(),
            seq: self.seq,
            quote: self.quote.into(),
            ship: self.ship.into(),
            state,
            created_at: self.created_at,
            expires_at: self.expires_at,
            resolved_at: self.resolved_at,
        };
        Ok((hold, waiting(self.waiting, policy, self.created_at)))
    }
}

fn cancellation_record(c: Cancellation) -> CancellationRecord {
    CancellationRecord {
        refund_qty: c.refund_qty,
        restocked: c.restocked,
        backorder_cancelled: c.backorder_cancelled,
    }
}

fn cancellation(c: CancellationRecord) -> Cancellation {
    Cancellation {
        refund_qty: c.refund_qty,
        restocked: c.restocked,
        backorder_cancelled: c.backorder_cancelled,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CancellationRecord {
    pub refund_qty: u32,
    pub restocked: u32,
    pub backorder_cancelled: u32,
}

json_object!(read write CancellationRecord {
    refund_qty,
    restocked,
    backorder_cancelled,
});

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineRecord {
    pub order_id: String,
    pub seq: u64,
    pub quote: QuoteDoc,
    pub ship: ShipDoc,
    pub reservation: Option<String>,
    pub created_at: Millis,
    pub cancelled_backorder: u32,
    pub cancellation: Option<CancellationRecord>,
    pub backorder_cancellation: Option<CancellationRecord>,
    pub waiting: Option<WaitingRecord>,
}

json_object!(read write LineRecord {
    order_id,
    seq,
    quote,
    ship,
    reservation,
    created_at,
    cancelled_backorder,
    cancellation,
    backorder_cancellation,
    waiting,
});

impl LineRecord {
    pub fn new(line: &Line, waiting: Option<Waiting>) -> LineRecord {
        LineRecord {
            order_id: line.order_id.clone(),
            seq: line.seq,
            quote: line.quote.into(),
            ship: line.ship.into(),
            reservation: line.reservation.clone(),
            created_at: line.created_at,
            cancelled_backorder: line.cancelled_backorder,
            cancellation: line.cancellation.map(cancellation_record),
            backorder_cancellation: line.backorder_cancellation.map(cancellation_record),
            waiting: waiting_record(waiting),
        }
    }

    pub fn to_core(&self, policy: &Policy) -> (Line, Option<Waiting>) {
        let line = Line {
            order_id: self.order_id.clone(),
            seq: self.seq,
            quote: self.quote.into(),
            ship: self.ship.into(),
            reservation: self.reservation.clone(),
            created_at: self.created_at,
            cancelled_backorder: self.cancelled_backorder,
            cancellation: self.cancellation.map(cancellation),
            backorder_cancellation: self.backorder_cancellation.map(cancellation),
        };
        (line, waiting(self.waiting, policy, self.created_at))
    }
}
