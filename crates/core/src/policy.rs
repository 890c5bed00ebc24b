//! What the merchant decides about selling a SKU beyond its stock.

use crate::calendar::Calendar;
use crate::date::{Date, Millis};

/// Whether shoppers may order more than is on hand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Backorders {
    Deny,
    #[default]
    Allow,
}

/// Whether waiting lines get the FTC's delay notices (16 CFR 435, the Mail, Internet, or
/// Telephone Order Merchandise Rule): a customer whose line will not ship by its promise is
/// told the revised date and may consent or cancel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DelayConsent {
    #[default]
    Ftc,
    /// Only `eta_changed`: the store handles delays itself.
    Off,
}

/// Every rule the merchant sets for one SKU. Values are checked by [`Policy::validate`]
/// before the ledger accepts them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub backorders: Backorders,
    /// Most backordered units outstanding at once; `None` = unlimited.
    pub backorder_limit: Option<u32>,
    /// Only sell backorders that scheduled purchase orders cover.
    pub limit_to_inbound: bool,
    /// Supplier lead time for demand beyond scheduled supply; `None` = date unknown.
    pub lead_time_days: Option<u32>,
    pub calendar: Calendar,
    /// `available_now` at or below this (and above zero) is "low stock"; 0 disables it.
    pub low_stock_threshold: u32,
    pub discontinued: bool,
    /// Preorder: nothing ships before this date.
    pub release_date: Option<Date>,
    /// The store's fixed offset from UTC, which decides what "today" is.
    pub utc_offset_minutes: i32,
    /// How long a reservation holds stock before it expires.
    pub hold_ttl: Millis,
    pub delay_consent: DelayConsent,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            backorders: Backorders::Allow,
            backorder_limit: None,
            limit_to_inbound: false,
            lead_time_days: Some(14),
            calendar: Calendar::default(),
            low_stock_threshold: 0,
            discontinued: false,
            release_date: None,
            utc_offset_minutes: 0,
            hold_ttl: 15 * 60 * 1000,
            delay_consent: DelayConsent::Ftc,
        }
    }
}

/// Bounds that keep every computation finite and every sum inside `u32`.
pub mod limits {
    pub const MAX_LEAD_TIME_DAYS: u32 = 3_650;
    pub const MAX_HANDLING_DAYS: u32 = 365;
    pub const MAX_HOLIDAYS: usize = 1_000;
    pub const MAX_UTC_OFFSET_MINUTES: i32 = 14 * 60;
    pub const MIN_HOLD_TTL_MS: i64 = 60_000;
    pub const MAX_HOLD_TTL_MS: i64 = 24 * 60 * 60_000;
}

impl Policy {
    /// Why this policy cannot be used, if it cannot.
    pub fn validate(&self) -> Result<(), &'static str> {
        use limits::*;
        if self.lead_time_days.is_some_and(|days| days > MAX_LEAD_TIME_DAYS) {
            return Err("lead_time_days must be at most 3650");
        }
        if self.calendar.handling_days > MAX_HANDLING_DAYS {
            return Err("handling_days must be at most 365");
        }
        if self.calendar.ship_weekdays.is_empty() {
            return Err("ship_weekdays must name at least one weekday");
        }
        if self.calendar.holidays().len() > MAX_HOLIDAYS {
            return Err("holidays may list at most 1000 dates");
        }
        if self.utc_offset_minutes.unsigned_abs() > MAX_UTC_OFFSET_MINUTES.unsigned_abs() {
            return Err("utc_offset_minutes must be within ±840");
        }
        if !(MIN_HOLD_TTL_MS..=MAX_HOLD_TTL_MS).contains(&self.hold_ttl) {
            return Err("hold_minutes must be between 1 and 1440");
        }
        Ok(())
    }

    /// Whether new backorders may be taken at all (capacity aside).
    pub fn takes_backorders(&self) -> bool {
        self.backorders == Backorders::Allow && !self.discontinued
    }

    pub fn today(&self, now: Millis) -> Date {
        Date::of_instant(now, self.utc_offset_minutes)
    }
}
