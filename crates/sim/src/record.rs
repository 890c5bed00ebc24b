//! What happened to every backordered line, read from the core's events as the edge
//! publishes them: the date promised, the delay notices, the date it shipped or why not.

use std::collections::BTreeMap;

use backorder_core::{delay, CancelReason, Date, Event, EventRecord, Millis};

pub(crate) const MINUTE: Millis = 60_000;
pub(crate) const HOUR: Millis = 60 * MINUTE;
pub(crate) const DAY: Millis = 24 * HOUR;

/// The instant `hour` o'clock on `day` (the store runs on UTC).
pub(crate) fn at_hour(day: Date, hour: i64) -> Millis {
    i64::from(day.days()) * DAY + hour * HOUR
}

/// The day of an instant.
pub(crate) fn day_of(at: Millis) -> Date {
    Date::of_instant(at, 0)
}

/// Whose promise a line is judged against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromiseRule {
    /// The ship date the core quoted at checkout, or a later one the customer consented to.
    Core,
    /// The static policy's "ships in N days": the order date plus N, whatever the supply.
    Static { days: u32 },
}

/// A delay notice the core sent for a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Notice {
    pub at: Millis,
    /// The promise it says will be missed.
    pub promised: Date,
    pub revised: Option<Date>,
}

/// One customer order line that was (partly) backordered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineRecord {
    pub order_id: String,
    pub ordered_at: Millis,
    pub backordered: u32,
    /// The backorder's date the shopper saw at checkout.
    pub quoted: Date,
    /// The promise in force: `quoted`, or the revised date of the customer's latest consent
    /// to a delay (explicit or by silence, as 16 CFR 435 allows).
    pub promise: Date,
    pub notices: Vec<Notice>,
    /// Backordered units given to the line so far.
    pub allocated: u32,
    /// The date it ships, as the `backorder_allocated` of its last unit says.
    pub shipped: Option<Date>,
    pub cancelled: Option<CancelReason>,
}

/// Where a line stands when the simulation ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    Kept,
    /// Shipped after its promise, or still waiting after it passed.
    Late,
    Cancelled(CancelReason),
    /// Still waiting, its promise not yet due: neither kept nor broken.
    Waiting,
}

impl LineRecord {
    pub fn ordered_on(&self) -> Date {
        day_of(self.ordered_at)
    }

    pub fn fate(&self, end: Date) -> Fate {
        match (self.cancelled, self.shipped) {
            (Some(reason), _) => Fate::Cancelled(reason),
            _ if self.missed(self.promise, end) => Fate::Late,
            (None, Some(_)) => Fate::Kept,
            (None, None) => Fate::Waiting,
        }
    }

    /// Whether the customer was told before the promise in force passed (by the end of its
    /// day, the rule's "applicable time") that it would be missed.
    pub fn noticed_in_time(&self) -> bool {
        self.noticed_before(self.promise)
    }

    /// Whether a delay notice about `promise` went out before that day ended.
    pub fn noticed_before(&self, promise: Date) -> bool {
        let passes = at_hour(promise, 24);
        self.notices.iter().any(|notice| notice.promised == promise && notice.at < passes)
    }

    /// Whether the line, not cancelled, shipped after `promise` or still waited when it passed
    /// before `end`.
    pub fn missed(&self, promise: Date, end: Date) -> bool {
        self.cancelled.is_none() && self.shipped.map_or(promise < end, |shipped| shipped > promise)
    }

    /// Days shipped after the promise in force (negative: early).
    pub fn days_late(&self) -> Option<i32> {
        self.shipped.map(|shipped| shipped.days() - self.promise.days())
    }
}

/// Units in and out of one SKU, counted from the commands sent and the outcomes and events
/// received, to be checked against what the ledger itself holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Units {
    /// Set by the first configuration.
    pub initial: u64,
    /// Received against purchase orders.
    pub received: u64,
    /// Taken from stock when an order was confirmed (they ship at once).
    pub shipped_now: u64,
    /// Given to backordered lines (`backorder_allocated`).
    pub allocated: u64,
    /// On hand (free and held) when the simulation ended.
    pub on_hand_at_end: u64,
    /// The ledger's own counters at the end: units received and net stock adjustments.
    pub ledger_received: u64,
    pub ledger_adjusted: i64,
}

/// Everything one SKU's run produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkuRecord {
    pub sku: String,
    pub rule: PromiseRule,
    /// In the order the core created them.
    pub lines: Vec<LineRecord>,
    pub units: Units,
    pub delay_notices: u32,
    /// Shoppers the core refused (after the discontinuation, beyond the remaining stock).
    pub refused: u32,
    /// Invariant failures the core reported about itself after some step.
    pub core_faults: Vec<String>,
    /// Where each order id's line is in `lines`.
    index: BTreeMap<String, usize>,
}

impl SkuRecord {
    pub(crate) fn new(sku: &str, rule: PromiseRule) -> SkuRecord {
        SkuRecord {
            sku: sku.into(),
            rule,
            lines: Vec::new(),
            units: Units::default(),
            delay_notices: 0,
            refused: 0,
            core_faults: Vec::new(),
            index: BTreeMap::new(),
        }
    }

    /// Takes in one event of the core's feed.
    pub(crate) fn observe(&mut self, record: &EventRecord) {
        let at = record.at;
        match &record.event {
            Event::BackorderCreated { order_id, backorder, promised, .. } => {
                // Taken without a date, a line is promised in 30 days (16 CFR 435's default).
                let quoted = match self.rule {
                    PromiseRule::Core => {
                        promised.unwrap_or_else(|| day_of(at).add_days(delay::DEFAULT_SHIPPING_DAYS))
                    }
                    PromiseRule::Static { days } => day_of(at).add_days(days),
                };
                self.index.insert(order_id.clone(), self.lines.len());
                self.lines.push(LineRecord {
                    order_id: order_id.clone(),
                    ordered_at: at,
                    backordered: *backorder,
                    quoted,
                    promise: quoted,
                    notices: Vec::new(),
                    allocated: 0,
                    shipped: None,
                    cancelled: None,
                });
            }
            Event::DelayNotice { order_id, promised, revised, .. } => {
                self.delay_notices += 1;
                let notice = Notice { at, promised: *promised, revised: *revised };
                if let Some(line) = self.line_mut(order_id) {
                    line.notices.push(notice);
                }
            }
            Event::DelayAccepted { order_id, revised: Some(revised), .. } => {
                // A consent without a date (never here: every SKU has a lead time) would leave
                // the last dated promise in force.
                if let Some(line) = self.line_mut(order_id) {
                    line.promise = *revised;
                }
            }
            Event::BackorderAllocated { order_id, qty, outstanding, shipped } => {
                self.units.allocated += u64::from(*qty);
                if let Some(line) = self.line_mut(order_id) {
                    line.allocated += qty;
                    if *outstanding == 0 {
                        line.shipped = *shipped;
                    }
                }
            }
            Event::BackorderCancelled { order_id, reason, .. } => {
                if let Some(line) = self.line_mut(order_id) {
                    line.cancelled = Some(*reason);
                }
            }
            _ => {}
        }
    }

    fn line_mut(&mut self, order_id: &str) -> Option<&mut LineRecord> {
        self.index.get(order_id).and_then(|&at| self.lines.get_mut(at))
    }
}
