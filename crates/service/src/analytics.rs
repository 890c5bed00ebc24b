//! Promise-quality analytics: the catalog keeps, for every backordered line, the date it was
//! promised and, once it settles, the date it shipped or why it was cancelled — projected from
//! the event feed as each event is appended ([`project`]) — and [`report`] computes
//! `GET /v1/analytics` from those rows. Days of events are UTC days; ship dates are the
//! store's calendar dates, as promised.

use std::collections::BTreeMap;

use backorder_api::analytics::{
    AgeBucketDoc, AnalyticsDoc, AnalyticsQuery, CancellationsDoc, DayDoc, DelayNoticesDoc, ErrorBinDoc,
    EtaErrorDoc, OpenDoc, PromisesDoc, ReasonDoc,
};
use backorder_api::output::{CancelReasonDoc, EventBody, EventDoc};
use backorder_core::{Date, Millis};

use crate::protocol::Fault;

/// A backordered line, as analytics keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineFacts {
    pub sku: String,
    pub order_id: String,
    /// The day it was ordered.
    pub created: Date,
    /// Units backordered when it was ordered, and still waiting.
    pub backordered: u32,
    pub outstanding: u32,
    /// The backordered units' ship date quoted when it was ordered.
    pub promised: Option<Date>,
    /// The promise in force: the quoted date, or the revision the customer consented to.
    pub agreed: Option<Date>,
    pub settled: Option<Settled>,
}

/// How a line left the queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settled {
    /// Its last unit was allocated on `on`; it ships on `ship_date`.
    Shipped { on: Date, ship_date: Date },
    /// `units` waiting units were cancelled on `on`.
    Cancelled { on: Date, reason: CancelCause, units: u32 },
}

impl Settled {
    pub fn on(&self) -> Date {
        match self {
            Settled::Shipped { on, .. } | Settled::Cancelled { on, .. } => *on,
        }
    }
}

/// Why a line's waiting units were cancelled: a `backorder_cancelled` reason, or the whole
/// line's cancellation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CancelCause {
    Merchant,
    Customer,
    NoConsent,
    Discontinued,
    OrderCancelled,
}

impl CancelCause {
    pub const ALL: [CancelCause; 5] = [
        CancelCause::Merchant,
        CancelCause::Customer,
        CancelCause::NoConsent,
        CancelCause::Discontinued,
        CancelCause::OrderCancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CancelCause::Merchant => "merchant",
            CancelCause::Customer => "customer",
            CancelCause::NoConsent => "no_consent",
            CancelCause::Discontinued => "discontinued",
            CancelCause::OrderCancelled => "order_cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<CancelCause> {
        CancelCause::ALL.into_iter().find(|cause| cause.as_str() == text)
    }
}

/// Where the catalog keeps analytics' rows.
pub trait AnalyticsStore {
    fn analytics_line(&self, sku: &str, order_id: &str) -> Result<Option<LineFacts>, Fault>;
    fn put_analytics_line(&mut self, line: &LineFacts) -> Result<(), Fault>;
    /// Counts a delay notice of `sku` sent on `day`.
    fn count_delay_notice(&mut self, sku: &str, day: Date, renewed: bool) -> Result<(), Fault>;
    /// Lines settled on a day in `from..=to`, and every open line; of one SKU or of all.
    fn analytics_lines(&self, from: Date, to: Date, sku: Option<&str>) -> Result<Vec<LineFacts>, Fault>;
    /// Delay notices sent on days in `from..=to`: (first notices, renewed ones).
    fn delay_notices(&self, from: Date, to: Date, sku: Option<&str>) -> Result<(u32, u32), Fault>;
}

fn day_of(at: Millis) -> Date {
    Date::of_instant(at, 0)
}

/// Takes one appended event into analytics' rows. Each SKU's events arrive once, in order;
/// lines ordered before analytics existed are not known, and their events are passed over.
pub fn project(store: &mut impl AnalyticsStore, event: &EventDoc) -> Result<(), Fault> {
    let Some(sku) = event.sku.as_deref() else { return Ok(()) };
    let day = day_of(event.at);
    match &event.body {
        EventBody::BackorderCreated { order_id, backorder, promised_ship_date } => {
            store.put_analytics_line(&LineFacts {
                sku: sku.into(),
                order_id: order_id.clone(),
                created: day,
                backordered: *backorder,
                outstanding: *backorder,
                promised: *promised_ship_date,
                agreed: *promised_ship_date,
                settled: None,
            })?;
        }
        EventBody::BackorderAllocated { order_id, outstanding, ship_date, .. } => {
            update_open(store, sku, order_id, |line| {
                line.outstanding = *outstanding;
                if *outstanding == 0 {
                    line.settled = Some(Settled::Shipped { on: day, ship_date: ship_date.unwrap_or(day) });
                }
            })?;
        }
        EventBody::BackorderCancelled { order_id, qty, reason, .. } => {
            let reason = match reason {
                CancelReasonDoc::Merchant => CancelCause::Merchant,
                CancelReasonDoc::Customer => CancelCause::Customer,
                CancelReasonDoc::NoConsent => CancelCause::NoConsent,
                CancelReasonDoc::Discontinued => CancelCause::Discontinued,
            };
            update_open(store, sku, order_id, |line| {
                line.outstanding = 0;
                line.settled = Some(Settled::Cancelled { on: day, reason, units: *qty });
            })?;
        }
        EventBody::OrderCancelled { order_id, .. } => {
            update_open(store, sku, order_id, |line| {
                let units = std::mem::take(&mut line.outstanding);
                line.settled =
                    Some(Settled::Cancelled { on: day, reason: CancelCause::OrderCancelled, units });
            })?;
        }
        EventBody::DelayNotice { notice, .. } => store.count_delay_notice(sku, day, *notice > 1)?,
        EventBody::DelayAccepted { order_id, revised_ship_date: Some(revised), .. } => {
            update_open(store, sku, order_id, |line| line.agreed = Some(*revised))?;
        }
        _ => {}
    }
    Ok(())
}

/// Changes a known line that is still open; settled lines stay as they settled.
fn update_open(
    store: &mut impl AnalyticsStore,
    sku: &str,
    order_id: &str,
    change: impl FnOnce(&mut LineFacts),
) -> Result<(), Fault> {
    match store.analytics_line(sku, order_id)? {
        Some(mut line) if line.settled.is_none() => {
            change(&mut line);
            store.put_analytics_line(&line)
        }
        _ => Ok(()),
    }
}

/// The report for `query`, with open lines aged as of `now`'s UTC day.
pub fn report(
    store: &impl AnalyticsStore,
    query: &AnalyticsQuery,
    now: Millis,
) -> Result<AnalyticsDoc, Fault> {
    let sku = query.sku.as_deref();
    let lines = store.analytics_lines(query.from, query.to, sku)?;
    let (first, renewed) = store.delay_notices(query.from, query.to, sku)?;
    Ok(summarize(&lines, query, day_of(now), DelayNoticesDoc { first, renewed }))
}

/// Open lines' age buckets, in days: 0–7, 8–14, 15–30, 31–60, over 60.
const AGE_BUCKETS: [(u32, Option<u32>); 5] =
    [(0, Some(7)), (8, Some(14)), (15, Some(30)), (31, Some(60)), (61, None)];

/// The report's figures from the lines [`AnalyticsStore::analytics_lines`] gives for `query`
/// (already of its SKU, and settled in its window or open).
pub fn summarize(
    lines: &[LineFacts],
    query: &AnalyticsQuery,
    as_of: Date,
    delay_notices: DelayNoticesDoc,
) -> AnalyticsDoc {
    let mut daily: BTreeMap<Date, DayDoc> = BTreeMap::new();
    let mut day = query.from;
    while day <= query.to {
        daily.insert(day, DayDoc { date: day, shipped: 0, kept: 0, late: 0 });
        day = day.add_days(1);
    }
    let (mut shipped_lines, mut errors, mut kept, mut kept_as_first_quoted) = (0, Vec::new(), 0, 0);
    let mut ages = AGE_BUCKETS.map(|(min, max)| AgeBucketDoc {
        label: match max {
            Some(max) => format!("{min}–{max}"),
            None => format!("over {}", min.saturating_sub(1)),
        },
        min_days: min,
        max_days: max,
        lines: 0,
        units: 0,
    });
    let (mut open_lines, mut open_units, mut oldest) = (0, 0u32, None::<u32>);
    let mut reasons =
        CancelCause::ALL.map(|cause| ReasonDoc { reason: cause.as_str().into(), lines: 0, units: 0 });
    for line in lines {
        match &line.settled {
            None => {
                let age = (as_of.days() - line.created.days()).max(0) as u32;
                open_lines += 1;
                open_units = open_units.saturating_add(line.outstanding);
                oldest = oldest.max(Some(age));
                if let Some(bucket) =
                    ages.iter_mut().find(|b| age >= b.min_days && b.max_days.is_none_or(|max| age <= max))
                {
                    bucket.lines += 1;
                    bucket.units = bucket.units.saturating_add(line.outstanding);
                }
            }
            Some(Settled::Shipped { on, ship_date }) => {
                shipped_lines += 1;
                let (Some(promised), Some(agreed)) = (line.promised, line.agreed) else {
                    if let Some(that_day) = daily.get_mut(on) {
                        that_day.shipped += 1;
                    }
                    continue;
                };
                errors.push(ship_date.days() - promised.days());
                let in_time = ship_date <= &agreed;
                kept += u32::from(in_time);
                kept_as_first_quoted += u32::from(ship_date <= &promised);
                if let Some(that_day) = daily.get_mut(on) {
                    that_day.shipped += 1;
                    that_day.kept += u32::from(in_time);
                    that_day.late += u32::from(!in_time);
                }
            }
            Some(Settled::Cancelled { reason, units, .. }) => {
                // `ALL` lists the causes in their declared order.
                let entry = &mut reasons[*reason as usize];
                entry.lines += 1;
                entry.units = entry.units.saturating_add(*units);
            }
        }
    }
    let with_promise = errors.len() as u32;
    let percent = |count: u32| {
        (with_promise > 0).then(|| (f64::from(count) * 1000.0 / f64::from(with_promise)).round() / 10.0)
    };
    AnalyticsDoc {
        from: query.from,
        to: query.to,
        sku: query.sku.clone(),
        as_of,
        promises: PromisesDoc {
            shipped_lines,
            with_promise,
            kept,
            late: with_promise - kept,
            kept_percent: percent(kept),
            kept_as_first_quoted,
            kept_as_first_quoted_percent: percent(kept_as_first_quoted),
        },
        eta_error_days: eta_error(&errors),
        open: OpenDoc { lines: open_lines, units: open_units, oldest_days: oldest, age_days: ages.into() },
        cancellations: CancellationsDoc {
            lines: reasons.iter().map(|r| r.lines).sum(),
            units: reasons.iter().fold(0u32, |sum, r| sum.saturating_add(r.units)),
            by_reason: reasons.into(),
        },
        delay_notices,
        daily: daily.into_values().collect(),
    }
}

fn eta_error(errors: &[i32]) -> EtaErrorDoc {
    let mut absolute: Vec<u32> = errors.iter().map(|e| e.unsigned_abs()).collect();
    absolute.sort_unstable();
    // Nearest rank: the smallest value with at least p of the lines at or below it.
    let percentile =
        |p: usize| (!absolute.is_empty()).then(|| absolute[(absolute.len() * p).div_ceil(100).max(1) - 1]);
    let mut histogram: BTreeMap<i32, u32> = BTreeMap::new();
    for &error in errors {
        *histogram.entry(error).or_default() += 1;
    }
    EtaErrorDoc {
        p50: percentile(50),
        p90: percentile(90),
        max: absolute.last().copied(),
        early: errors.iter().filter(|&&e| e < 0).count() as u32,
        on_time: errors.iter().filter(|&&e| e == 0).count() as u32,
        late: errors.iter().filter(|&&e| e > 0).count() as u32,
        max_late: errors.iter().copied().max().unwrap_or(0).max(0) as u32,
        max_early: errors.iter().copied().min().unwrap_or(0).min(0).unsigned_abs(),
        histogram: histogram.into_iter().map(|(days, lines)| ErrorBinDoc { days, lines }).collect(),
    }
}
