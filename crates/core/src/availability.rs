//! The public availability snapshot and the quote computed from it.
//!
//! The ledger answers a reservation by building an [`Availability`] that borrows its own
//! state and quoting from it; the edge publishes the same [`Availability`] as a snapshot and
//! the widget quotes from that. One function, [`Availability::quote`], decides both, so the
//! page never promises what the ledger won't.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::calendar::Calendar;
use crate::date::Date;

/// Units of scheduled supply not yet promised to anyone, arriving on `date`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lot {
    pub date: Date,
    pub qty: u32,
}

/// How an order with backordered units ships.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Ship {
    /// Units on hand ship now; the rest ship when they arrive.
    #[default]
    Partial,
    /// Everything ships together, at the later date.
    Complete,
}

/// How a quantity would be fulfilled, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quote {
    pub qty: u32,
    /// Units taken from stock on hand.
    pub now: u32,
    /// Units backordered.
    pub backorder: u32,
    /// Ship date of the units on hand; `None` when there are none.
    pub ship_date: Option<Date>,
    /// Ship date of the backordered units; `None` when there are none or it is unknown.
    pub backorder_ship_date: Option<Date>,
}

/// Why a quantity cannot be sold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Zero units were asked for.
    ZeroQuantity,
    /// More than stock plus backorder capacity.
    InsufficientStock { available_now: u32, backorder_remaining: Option<u32> },
    /// Discontinued items sell their remaining stock only.
    Discontinued,
}

/// What a shopper sees on the product page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    InStock,
    LowStock,
    Backorder,
    Preorder,
    OutOfStock,
    Discontinued,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::InStock => "in_stock",
            Status::LowStock => "low_stock",
            Status::Backorder => "backorder",
            Status::Preorder => "preorder",
            Status::OutOfStock => "out_of_stock",
            Status::Discontinued => "discontinued",
        }
    }

    /// The schema.org `ItemAvailability` name.
    pub fn schema_org(self) -> &'static str {
        match self {
            Status::InStock => "InStock",
            Status::LowStock => "LimitedAvailability",
            Status::Backorder => "BackOrder",
            Status::Preorder => "PreOrder",
            Status::OutOfStock => "OutOfStock",
            Status::Discontinued => "Discontinued",
        }
    }
}

/// Everything needed to quote any quantity for one SKU on one day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Availability<'a> {
    pub today: Date,
    /// Units on hand that no one holds (always 0 while backorders are waiting).
    pub available_now: u32,
    /// Policy allows backorders and the item is not discontinued.
    pub takes_backorders: bool,
    /// Backordered units that may still be sold; `None` = unlimited.
    pub backorder_remaining: Option<u32>,
    pub lead_time_days: Option<u32>,
    pub release_date: Option<Date>,
    pub discontinued: bool,
    pub low_stock_threshold: u32,
    pub calendar: Cow<'a, Calendar>,
    /// Scheduled supply by ascending date; dates already past count as today.
    pub supply: Cow<'a, [Lot]>,
    /// Units at the front of `supply` already promised to waiting backorders.
    pub promised: u64,
    /// Date of the last scheduled purchase order, promised or not: units beyond all
    /// supply never come sooner than it.
    pub supply_horizon: Option<Date>,
}

/// An availability snapshot that owns its data, as published to the widget.
pub type Snapshot = Availability<'static>;

impl Availability<'_> {
    /// The snapshot to publish: owned, with only the supply nobody has been promised.
    /// It quotes exactly as `self` does.
    pub fn published(&self) -> Snapshot {
        Availability {
            calendar: Cow::Owned(Calendar::clone(&self.calendar)),
            supply: Cow::Owned(self.free_supply()),
            promised: 0,
            ..*self
        }
    }

    /// Scheduled units nobody has been promised, one lot per date from today on.
    pub fn free_supply(&self) -> Vec<Lot> {
        let mut skip = self.promised;
        let mut free: Vec<Lot> = Vec::new();
        for lot in self.supply.iter() {
            let taken = skip.min(u64::from(lot.qty));
            skip -= taken;
            let qty = lot.qty - taken as u32;
            let date = lot.date.max(self.today);
            match free.last_mut() {
                _ if qty == 0 => {}
                Some(last) if last.date == date => last.qty = last.qty.saturating_add(qty),
                _ => free.push(Lot { date, qty }),
            }
        }
        free
    }

    /// Whether a shopper could backorder at least one unit.
    pub fn backorder_open(&self) -> bool {
        self.takes_backorders && self.backorder_remaining != Some(0)
    }

    /// Most units one order can take right now; `None` = unlimited.
    pub fn max_orderable(&self) -> Option<u32> {
        if !self.takes_backorders {
            return Some(self.available_now);
        }
        self.backorder_remaining.map(|rest| self.available_now.saturating_add(rest))
    }

    pub fn status(&self) -> Status {
        if self.discontinued && self.available_now == 0 {
            return Status::Discontinued;
        }
        let orderable = self.available_now > 0 || self.backorder_open();
        if orderable && self.release_date.is_some_and(|release| release > self.today) {
            return Status::Preorder;
        }
        match self.available_now {
            0 if self.backorder_open() => Status::Backorder,
            0 => Status::OutOfStock,
            n if n <= self.low_stock_threshold => Status::LowStock,
            _ => Status::InStock,
        }
    }

    /// How `qty` units ordered on `today` would ship. `today` earlier than the snapshot's
    /// own day counts as the snapshot's day.
    pub fn quote(&self, qty: u32, ship: Ship, today: Date) -> Result<Quote, Refusal> {
        if qty == 0 {
            return Err(Refusal::ZeroQuantity);
        }
        let today = today.max(self.today);
        let now = qty.min(self.available_now);
        let backorder = qty - now;
        if backorder > 0 {
            if self.discontinued {
                return Err(Refusal::Discontinued);
            }
            let within_capacity = self.backorder_remaining.is_none_or(|rest| backorder <= rest);
            if !self.takes_backorders || !within_capacity {
                return Err(Refusal::InsufficientStock {
                    available_now: self.available_now,
                    backorder_remaining: if self.takes_backorders {
                        self.backorder_remaining
                    } else {
                        Some(0)
                    },
                });
            }
        }
        let ships_from = |available: Date| self.calendar.ship_date(self.not_before_release(available));
        let mut ship_date = if now > 0 { ships_from(today) } else { None };
        let backorder_ship_date = if backorder > 0 {
            let beyond = beyond_supply(today, self.lead_time_days, self.supply_horizon);
            covering_date(&self.supply, self.promised, backorder, today).or(beyond).and_then(ships_from)
        } else {
            None
        };
        if ship == Ship::Complete && now > 0 && backorder > 0 {
            ship_date = backorder_ship_date;
        }
        Ok(Quote { qty, now, backorder, ship_date, backorder_ship_date })
    }

    fn not_before_release(&self, date: Date) -> Date {
        self.release_date.map_or(date, |release| date.max(release))
    }
}

/// The date by which `units` more units are covered, walking `supply` in order after the
/// first `promised` units, or `None` when supply runs out. Late supply counts as today.
fn covering_date(supply: &[Lot], promised: u64, units: u32, today: Date) -> Option<Date> {
    let mut skip = promised;
    let mut needed = units;
    for lot in supply {
        let taken = skip.min(u64::from(lot.qty));
        skip -= taken;
        let left = lot.qty - taken as u32;
        if left >= needed {
            return Some(lot.date.max(today));
        }
        needed -= left;
    }
    None
}

/// Availability date of units beyond all scheduled supply: `lead_time_days` after `from`
/// (today for a quote; the day it joined the queue for a queued line), but never
/// before the last purchase order (units behind it in the queue cannot come sooner).
pub(crate) fn beyond_supply(from: Date, lead_time_days: Option<u32>, horizon: Option<Date>) -> Option<Date> {
    lead_time_days.map(|days| {
        let by_lead_time = from.add_days(days);
        horizon.map_or(by_lead_time, |last| by_lead_time.max(last))
    })
}
