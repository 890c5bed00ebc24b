//! `GET /v1/analytics`: the window a merchant asks about, and the promise-quality report. The
//! definitions are in docs/api.md; `backorder-service`'s `analytics` computes the figures.

use backorder_core::Date;
use serde::{Deserialize, Serialize};
use serde_with::{serde_as, DisplayFromStr};

use crate::validate;
use crate::ApiError;

/// The longest window one report covers, in days.
pub const MAX_WINDOW_DAYS: i32 = 366;
/// The window when `from` is not given: the 30 days up to `to`.
pub const DEFAULT_WINDOW_DAYS: i32 = 30;

/// The days a report covers (both included), and the SKU it is about (all when `None`).
#[serde_as]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalyticsQuery {
    #[serde_as(as = "DisplayFromStr")]
    pub from: Date,
    #[serde_as(as = "DisplayFromStr")]
    pub to: Date,
    pub sku: Option<String>,
}

impl AnalyticsQuery {
    /// The window from the query's `from`, `to` and `sku` (`YYYY-MM-DD`; `to` defaults to
    /// `today`, `from` to 29 days before `to`).
    pub fn new(
        from: Option<&str>,
        to: Option<&str>,
        sku: Option<&str>,
        today: Date,
    ) -> Result<AnalyticsQuery, ApiError> {
        let day = |text: &str, name: &str| {
            Date::parse(text).ok_or_else(|| ApiError::invalid(format!("{name} must be a date (YYYY-MM-DD)")))
        };
        let to = to.map(|text| day(text, "to")).transpose()?.unwrap_or(today);
        let from = match from {
            Some(text) => day(text, "from")?,
            None => Date::from_days(i64::from(to.days() - (DEFAULT_WINDOW_DAYS - 1))).unwrap_or(Date::MIN),
        };
        if from > to {
            return Err(ApiError::invalid("from must not be after to"));
        }
        if to.days() - from.days() >= MAX_WINDOW_DAYS {
            return Err(ApiError::invalid(format!("a report covers at most {MAX_WINDOW_DAYS} days")));
        }
        if let Some(sku) = sku {
            validate::sku(sku)?;
        }
        Ok(AnalyticsQuery { from, to, sku: sku.map(Into::into) })
    }
}

/// The report.
#[serde_as]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnalyticsDoc {
    #[serde_as(as = "DisplayFromStr")]
    pub from: Date,
    #[serde_as(as = "DisplayFromStr")]
    pub to: Date,
    pub sku: Option<String>,
    /// The day open lines are aged on.
    #[serde_as(as = "DisplayFromStr")]
    pub as_of: Date,
    pub promises: PromisesDoc,
    pub eta_error_days: EtaErrorDoc,
    pub open: OpenDoc,
    pub cancellations: CancellationsDoc,
    pub delay_notices: DelayNoticesDoc,
    /// One entry per day of the window, oldest first.
    pub daily: Vec<DayDoc>,
}

/// Backordered lines that shipped in the window, against their promised ship dates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PromisesDoc {
    pub shipped_lines: u32,
    /// Of those, lines that were given a ship date when ordered.
    pub with_promise: u32,
    /// Shipped on or before the promise in force: the date quoted, or the revision the
    /// customer consented to after a delay notice.
    pub kept: u32,
    pub late: u32,
    /// `kept` of `with_promise`, to one decimal; null without any.
    pub kept_percent: Option<f64>,
    /// Shipped on or before the date first quoted, consent or not.
    pub kept_as_first_quoted: u32,
    pub kept_as_first_quoted_percent: Option<f64>,
}

/// Ship date minus the date first quoted, in days, of the lines in `promises.with_promise`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EtaErrorDoc {
    /// Percentiles (nearest rank) and maximum of the absolute error; null without lines.
    pub p50: Option<u32>,
    pub p90: Option<u32>,
    pub max: Option<u32>,
    pub early: u32,
    pub on_time: u32,
    pub late: u32,
    /// The most days a line shipped after its promise (0 when none was late).
    pub max_late: u32,
    /// The most days a line shipped before its promise (0 when none was early).
    pub max_early: u32,
    /// Lines per signed error, for the chart; only errors some line had, ascending.
    pub histogram: Vec<ErrorBinDoc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBinDoc {
    pub days: i32,
    pub lines: u32,
}

/// Lines with units still waiting, as of `as_of`, whatever the window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenDoc {
    pub lines: u32,
    /// Units still waiting.
    pub units: u32,
    /// Days since the oldest open line was ordered; null without any.
    pub oldest_days: Option<u32>,
    pub age_days: Vec<AgeBucketDoc>,
}

/// Open lines ordered between `min_days` and `max_days` days ago (no upper bound when null).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgeBucketDoc {
    pub label: String,
    pub min_days: u32,
    pub max_days: Option<u32>,
    pub lines: u32,
    pub units: u32,
}

/// Lines whose waiting units were cancelled in the window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancellationsDoc {
    pub lines: u32,
    /// Backordered units that will not ship.
    pub units: u32,
    /// Every reason, in a fixed order, with zeros.
    pub by_reason: Vec<ReasonDoc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonDoc {
    /// `merchant`, `customer`, `no_consent`, `discontinued`, or `order_cancelled` (the whole
    /// line was cancelled while units were waiting).
    pub reason: String,
    pub lines: u32,
    pub units: u32,
}

/// Delay notices sent in the window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelayNoticesDoc {
    pub first: u32,
    pub renewed: u32,
}

#[serde_as]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayDoc {
    #[serde_as(as = "DisplayFromStr")]
    pub date: Date,
    /// Lines that shipped that day; `kept` and `late` of those with a promise.
    pub shipped: u32,
    pub kept: u32,
    pub late: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    #[test]
    fn the_window_defaults_to_the_last_30_days_and_is_checked() {
        let today = day("2026-12-02");
        let query = AnalyticsQuery::new(None, None, None, today).unwrap();
        assert_eq!((query.from, query.to, query.sku), (day("2026-11-03"), today, None));
        let query = AnalyticsQuery::new(Some("2026-01-01"), Some("2026-12-31"), Some("TEE"), today).unwrap();
        assert_eq!((query.from, query.to), (day("2026-01-01"), day("2026-12-31")));
        let refused = [
            (Some("2026-13-01"), None, None, "from must be a date (YYYY-MM-DD)"),
            (None, Some("yesterday"), None, "to must be a date (YYYY-MM-DD)"),
            (Some("2026-12-03"), Some("2026-12-02"), None, "from must not be after to"),
            (Some("2025-12-01"), Some("2026-12-02"), None, "a report covers at most 366 days"),
            (
                None,
                None,
                Some("bad sku"),
                "sku `bad sku` must be 1–64 characters of letters, digits and . _ -",
            ),
        ];
        for (from, to, sku, message) in refused {
            let error = AnalyticsQuery::new(from, to, sku, today).unwrap_err();
            assert_eq!((error.status, error.message.as_str()), (400, message), "{from:?} {to:?} {sku:?}");
        }
    }
}
