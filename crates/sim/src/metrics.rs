//! The figures the report gives, and the invariants every run must keep.

use std::fmt;

use backorder_core::{CancelReason, Date};

use crate::record::{Fate, PromiseRule, SkuRecord};

/// A distribution in whole days: median, 90th percentile (nearest rank) and maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spread {
    pub p50: i32,
    pub p90: i32,
    pub max: i32,
}

impl Spread {
    /// `None` for no values.
    pub fn of(mut values: Vec<i32>) -> Option<Spread> {
        values.sort_unstable();
        let rank = |share: f64| values[((share * values.len() as f64).ceil() as usize).max(1) - 1];
        let max = *values.last()?;
        Some(Spread { p50: rank(0.5), p90: rank(0.9), max })
    }
}

/// What one policy did with one scenario's lines, over every SKU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// Customer order lines with backordered units.
    pub lines: usize,
    pub kept: usize,
    pub late: usize,
    /// Late lines told before their promise passed.
    pub late_noticed: usize,
    /// Decided lines (kept or late) shipped by the date first quoted, consent or not.
    pub kept_as_quoted: usize,
    /// Lines, not cancelled, that missed the date first quoted …
    pub missed_quote: usize,
    /// … and of those, the ones told before it passed.
    pub missed_quote_noticed: usize,
    /// The customer cancelled when told of the delay (under the static policy: the same
    /// customers, through the merchant).
    pub cancelled_by_customer: usize,
    /// The notice needed a consent the customer never gave.
    pub cancelled_without_consent: usize,
    /// The item was discontinued.
    pub cancelled_by_store: usize,
    /// Still waiting at the end, their promise not yet due.
    pub waiting: usize,
    /// |ship date − date quoted at checkout|, shipped lines.
    pub eta_error: Option<Spread>,
    /// Ship date − order date, shipped lines.
    pub age: Option<Spread>,
    pub delay_notices: u32,
    pub refused: u32,
}

impl Summary {
    pub fn of(records: &[SkuRecord], end: Date) -> Summary {
        let lines = records.iter().flat_map(|record| &record.lines);
        let mut summary = Summary {
            lines: 0,
            kept: 0,
            late: 0,
            late_noticed: 0,
            kept_as_quoted: 0,
            missed_quote: 0,
            missed_quote_noticed: 0,
            cancelled_by_customer: 0,
            cancelled_without_consent: 0,
            cancelled_by_store: 0,
            waiting: 0,
            eta_error: None,
            age: None,
            delay_notices: records.iter().map(|record| record.delay_notices).sum(),
            refused: records.iter().map(|record| record.refused).sum(),
        };
        let (mut eta_errors, mut ages) = (Vec::new(), Vec::new());
        for line in lines {
            summary.lines += 1;
            let fate = line.fate(end);
            match fate {
                Fate::Kept => summary.kept += 1,
                Fate::Late => {
                    summary.late += 1;
                    summary.late_noticed += usize::from(line.noticed_in_time());
                }
                // The merchant cancels only at a customer's request here (the static replay).
                Fate::Cancelled(CancelReason::Customer | CancelReason::Merchant) => {
                    summary.cancelled_by_customer += 1
                }
                Fate::Cancelled(CancelReason::NoConsent) => summary.cancelled_without_consent += 1,
                Fate::Cancelled(CancelReason::Discontinued) => summary.cancelled_by_store += 1,
                Fate::Waiting => summary.waiting += 1,
            }
            if line.missed(line.quoted, end) {
                summary.missed_quote += 1;
                summary.missed_quote_noticed += usize::from(line.noticed_before(line.quoted));
            }
            if let (Fate::Kept | Fate::Late, Some(shipped)) = (fate, line.shipped) {
                summary.kept_as_quoted += usize::from(shipped <= line.quoted);
                eta_errors.push((shipped.days() - line.quoted.days()).abs());
                ages.push(shipped.days() - line.ordered_on().days());
            }
        }
        summary.eta_error = Spread::of(eta_errors);
        summary.age = Spread::of(ages);
        summary
    }

    /// Lines whose promise came due: kept or broken.
    pub fn decided(&self) -> usize {
        self.kept + self.late
    }

    pub fn kept_percent(&self) -> Option<f64> {
        percent(self.kept, self.decided())
    }

    pub fn kept_as_quoted_percent(&self) -> Option<f64> {
        percent(self.kept_as_quoted, self.decided())
    }

    pub fn noticed_percent(&self) -> Option<f64> {
        percent(self.late_noticed, self.late)
    }

    pub fn cancelled(&self) -> usize {
        self.cancelled_by_customer + self.cancelled_without_consent + self.cancelled_by_store
    }
}

fn percent(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| 100.0 * part as f64 / whole as f64)
}

/// A broken invariant of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Violation {
    /// The core's own `check_invariants` failed after some step.
    CoreFault { sku: String, fault: String },
    /// Units counted from outcomes and events do not add up to the units supplied.
    UnitsUnaccounted { sku: String, supplied: u64, accounted: u64 },
    /// The ledger's own counters disagree with the units the simulator supplied.
    SupplyDisagrees { sku: String, sent: u64, ledger: i128 },
    /// A late line whose customer was not told before its promise passed.
    LateWithoutNotice { sku: String, order_id: String, promise: Date },
    /// A line that shipped before it was ordered, or got more units than it waited for.
    ImpossibleLine { sku: String, order_id: String },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::CoreFault { sku, fault } => write!(f, "{sku}: the core reports \"{fault}\""),
            Violation::UnitsUnaccounted { sku, supplied, accounted } => {
                write!(f, "{sku}: {supplied} units supplied but {accounted} on hand, shipped and allocated")
            }
            Violation::SupplyDisagrees { sku, sent, ledger } => {
                write!(f, "{sku}: {sent} units supplied but the ledger counts {ledger}")
            }
            Violation::LateWithoutNotice { sku, order_id, promise } => {
                write!(f, "{sku}: line {order_id} missed {promise} without a notice in time")
            }
            Violation::ImpossibleLine { sku, order_id } => {
                write!(f, "{sku}: line {order_id} shipped before it was ordered or beyond its backorder")
            }
        }
    }
}

/// Every invariant a run keeps:
/// - the core's own invariants held after every step;
/// - conservation as the core defines it: initial stock plus units received equals units on
///   hand (free and held) plus units shipped at once plus units allocated to backorders,
///   counted from what the simulator sent and the outcomes and events it got back; and the
///   same supply in the ledger's own counters (received plus adjusted);
/// - under Backorder Edge's promises, every line that missed its promise in force, or the date
///   first quoted, was told before that date passed;
/// - no line ships before it was ordered or receives more than it waited for.
pub fn violations(record: &SkuRecord, end: Date) -> Vec<Violation> {
    let sku = || record.sku.clone();
    let mut found: Vec<Violation> = record
        .core_faults
        .iter()
        .map(|fault| Violation::CoreFault { sku: sku(), fault: fault.clone() })
        .collect();
    let units = record.units;
    let supplied = units.initial + units.received;
    let accounted = units.on_hand_at_end + units.shipped_now + units.allocated;
    if supplied != accounted {
        found.push(Violation::UnitsUnaccounted { sku: sku(), supplied, accounted });
    }
    let ledger = i128::from(units.ledger_received) + i128::from(units.ledger_adjusted);
    if i128::from(supplied) != ledger {
        found.push(Violation::SupplyDisagrees { sku: sku(), sent: supplied, ledger });
    }
    for line in &record.lines {
        if record.rule == PromiseRule::Core {
            let mut promises = vec![line.quoted, line.promise];
            promises.dedup();
            for promise in promises {
                if line.missed(promise, end) && !line.noticed_before(promise) {
                    let order_id = line.order_id.clone();
                    found.push(Violation::LateWithoutNotice { sku: sku(), order_id, promise });
                }
            }
        }
        let early = line.shipped.is_some_and(|shipped| shipped < line.ordered_on());
        if early || line.allocated > line.backordered {
            found.push(Violation::ImpossibleLine { sku: sku(), order_id: line.order_id.clone() });
        }
    }
    found
}
