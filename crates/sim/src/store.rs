//! The simulated store: its SKUs, their demand and suppliers, the shoppers' habits, and the
//! two supply scenarios. Everything here is configuration; nothing decides anything.

use std::ops::RangeInclusive;

use backorder_core::{Calendar, Date, DelayConsent, Policy, Weekdays};

/// A store of several SKUs, each its own ledger, over `days` days from `start`.
#[derive(Clone, Debug)]
pub struct Store {
    /// The first simulated day (the store runs on UTC).
    pub start: Date,
    pub days: u32,
    pub skus: Vec<Sku>,
    /// Demand multiplier by ISO weekday, Monday first: weekends sell more.
    pub weekly: [f64; 7],
    /// Days whose demand is multiplied: holidays for every SKU, a viral day for one.
    pub bursts: Vec<Burst>,
    /// Days the warehouse does not ship (the core's calendar holidays).
    pub ship_holidays: Vec<Date>,
    pub handling_days: u32,
    /// What the static policy prints whatever the supply: "ships in N days".
    pub static_lead_days: u32,
    pub shoppers: Shoppers,
}

/// One product and the merchant's settings for it.
#[derive(Clone, Debug)]
pub struct Sku {
    pub sku: String,
    /// Mean orders per day before seasonality and bursts (Poisson).
    pub orders_per_day: f64,
    pub on_hand: u32,
    /// The lead times the supplier quotes when a purchase order is placed (drawn per order).
    pub supplier_lead_days: RangeInclusive<u32>,
    /// The store's `lead_time_days`: what the core promises beyond scheduled supply. Set at
    /// least a day beyond the supplier's longest quote, because the purchase order that
    /// covers a new backorder is placed at the evening review, not when the order comes in.
    pub promise_lead_days: u32,
    /// The reorder rule, reviewed every evening: when stock on hand plus inbound less
    /// backordered units is at or below `reorder_point`, order up to `order_up_to`.
    pub reorder_point: i64,
    pub order_up_to: i64,
    /// The day the merchant discontinues it: open purchase orders are cancelled and the core
    /// cancels its waiting backorders.
    pub discontinued_on: Option<Date>,
}

/// Demand multiplied by `factor` from `from` to `to` (inclusive), for one SKU or all.
#[derive(Clone, Debug)]
pub struct Burst {
    pub label: &'static str,
    pub from: Date,
    pub to: Date,
    pub sku: Option<String>,
    pub factor: f64,
}

/// How shoppers behave, as shares of them.
#[derive(Clone, Debug)]
pub struct Shoppers {
    /// Reserve and leave: their hold expires (the core's alarm returns the units).
    pub abandon: f64,
    /// Answers to a delay notice whose silence is consent: (accept, cancel); the rest stay
    /// silent.
    pub answers_when_silence_consents: (f64, f64),
    /// Answers to a notice that needs an explicit consent (the revised date is unknown or more
    /// than 30 days late): (accept, cancel); the rest stay silent and are cancelled.
    pub answers_when_consent_needed: (f64, f64),
}

/// How the suppliers keep their quoted dates. Each purchase order meets at most one mishap,
/// which the supplier announces on a drawn day between placing and the quoted date.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scenario {
    pub name: &'static str,
    /// Share of purchase orders that arrive late …
    pub late: f64,
    /// … by this many days on average (1 + Poisson(mean − 1)).
    pub mean_days_late: f64,
    /// Share that arrive short: 40–90 % of the quantity ordered.
    pub shrunk: f64,
    /// Share the supplier cancels.
    pub cancelled: f64,
}

impl Scenario {
    pub const ON_TIME: Scenario =
        Scenario { name: "suppliers on time", late: 0.0, mean_days_late: 1.0, shrunk: 0.0, cancelled: 0.0 };
    pub const SLIPPING: Scenario = Scenario {
        name: "suppliers slipping",
        late: 0.30,
        mean_days_late: 6.0,
        shrunk: 0.10,
        cancelled: 0.05,
    };
}

impl Store {
    /// The store the report describes: five SKUs over `days` days from Monday 2026-01-05,
    /// with the 2026 US shopping holidays, one viral day at 40 % of the run and one SKU
    /// discontinued at 55 %.
    pub fn demo(days: u32) -> Store {
        let start = date(2026, 1, 5);
        let viral_day = start.add_days(days * 2 / 5);
        let sku = |name: &str, orders_per_day: f64, on_hand, lead: RangeInclusive<u32>, point, up_to| Sku {
            sku: name.into(),
            orders_per_day,
            on_hand,
            promise_lead_days: lead.end() + 1,
            supplier_lead_days: lead,
            reorder_point: point,
            order_up_to: up_to,
            discontinued_on: None,
        };
        Store {
            start,
            days,
            skus: vec![
                sku("MUG-CLASSIC", 6.0, 40, 7..=12, 20, 70),
                sku("HOODIE-WINTER", 3.0, 20, 14..=21, 12, 45),
                sku("PHONE-CASE", 9.0, 50, 5..=10, 25, 90),
                sku("LAMP-RETRO", 1.2, 8, 20..=30, 4, 18),
                Sku {
                    discontinued_on: Some(start.add_days(days * 11 / 20)),
                    ..sku("SPEAKER-V1", 2.5, 15, 10..=15, 8, 30)
                },
            ],
            weekly: [1.0, 0.95, 0.95, 1.0, 1.1, 1.3, 1.25],
            bursts: vec![
                Burst {
                    label: "Valentine's week",
                    from: date(2026, 2, 9),
                    to: date(2026, 2, 13),
                    sku: None,
                    factor: 1.4,
                },
                Burst {
                    label: "Black Friday",
                    from: date(2026, 11, 27),
                    to: date(2026, 11, 27),
                    sku: None,
                    factor: 4.0,
                },
                Burst {
                    label: "Cyber Monday",
                    from: date(2026, 11, 30),
                    to: date(2026, 11, 30),
                    sku: None,
                    factor: 3.0,
                },
                Burst {
                    label: "December gifts",
                    from: date(2026, 12, 1),
                    to: date(2026, 12, 18),
                    sku: None,
                    factor: 1.6,
                },
                Burst {
                    label: "viral video",
                    from: viral_day,
                    to: viral_day,
                    sku: Some("PHONE-CASE".into()),
                    factor: 15.0,
                },
            ],
            ship_holidays: vec![
                date(2026, 5, 25),
                date(2026, 7, 3),
                date(2026, 9, 7),
                date(2026, 11, 26),
                date(2026, 12, 25),
                date(2027, 1, 1),
            ],
            handling_days: 1,
            static_lead_days: 14,
            shoppers: Shoppers {
                abandon: 0.08,
                answers_when_silence_consents: (0.45, 0.10),
                answers_when_consent_needed: (0.50, 0.30),
            },
        }
    }

    /// The day after the last simulated day: lines are judged as they stand then.
    pub fn end(&self) -> Date {
        self.start.add_days(self.days)
    }

    /// The demand multiplier of `day` for `sku`: weekday times every burst covering it.
    pub fn demand_factor(&self, day: Date, sku: &str) -> f64 {
        let weekday = self.weekly[usize::from(day.weekday() - 1)];
        self.bursts
            .iter()
            .filter(|burst| (burst.from..=burst.to).contains(&day))
            .filter(|burst| burst.sku.as_deref().is_none_or(|only| only == sku))
            .fold(weekday, |factor, burst| factor * burst.factor)
    }

    /// The core policy for `sku`: backorders allowed, promised over the store's calendar, with
    /// the FTC delay notices (the static baseline's ledger turns them off).
    pub fn policy(&self, sku: &Sku) -> Policy {
        Policy {
            lead_time_days: Some(sku.promise_lead_days),
            calendar: Calendar::new(
                self.handling_days,
                Weekdays::MONDAY_TO_FRIDAY,
                self.ship_holidays.clone(),
            ),
            delay_consent: DelayConsent::Ftc,
            ..Policy::default()
        }
    }
}

/// A date of the store's own configuration, known to be valid.
fn date(year: i32, month: u32, day: u32) -> Date {
    Date::from_ymd(year, month, day).expect("the demo store's dates are real dates")
}
