//! What the widget says for a snapshot and a quantity. Pure: no DOM, no clock; dates are
//! formatted by a function the caller passes (the browser's `Intl` in the widget).

use backorder_core::{Date, Quote, Refusal, Ship, Snapshot, Status};

/// Every sentence the widget shows. Merchants override any of them with an attribute of the
/// same name (`text-low-stock="Nur noch {n}"`). Placeholders: `{n}` a count, `{date}` a
/// date, `{now}`/`{later}` the split, `{ships_now}`/`{ships_later}` "ship" or "ships".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Texts {
    pub in_stock: String,
    pub low_stock: String,
    pub backorder: String,
    pub preorder: String,
    pub out_of_stock: String,
    pub discontinued: String,
    pub quantity: String,
    pub add: String,
    pub backorder_button: String,
    pub preorder_button: String,
    pub sold_out: String,
    pub ships: String,
    pub split: String,
    pub unknown_date: String,
    pub limit: String,
    pub reserved: String,
    pub failed: String,
    pub together: String,
    pub ships_together: String,
}

/// (attribute name, default) in the order of the fields above.
pub const TEXT_ATTRIBUTES: [(&str, &str); 19] = [
    ("text-in-stock", "In stock"),
    ("text-low-stock", "Only {n} left"),
    ("text-backorder", "On backorder"),
    ("text-preorder", "Pre-order: releases {date}"),
    ("text-out-of-stock", "Out of stock"),
    ("text-discontinued", "Discontinued"),
    ("text-quantity", "Quantity"),
    ("text-add", "Add to cart"),
    ("text-backorder-button", "Backorder"),
    ("text-preorder-button", "Pre-order"),
    ("text-sold-out", "Sold out"),
    ("text-ships", "Ships by {date}"),
    ("text-split", "{now} {ships_now} now · {later} {ships_later} by {date}"),
    ("text-unknown-date", "{n} on backorder, ship date to follow"),
    ("text-limit", "Only {n} can be ordered"),
    ("text-reserved", "Reserved for you"),
    ("text-failed", "Could not reserve; please try again"),
    ("text-together", "Ship everything together"),
    ("text-ships-together", "All {n} ship together by {date}"),
];

impl Texts {
    /// Texts from `attribute(name)`, falling back to the English defaults.
    pub fn from_attributes(attribute: impl Fn(&str) -> Option<String>) -> Texts {
        let mut values = TEXT_ATTRIBUTES
            .iter()
            .map(|(name, default)| attribute(name).unwrap_or_else(|| (*default).into()));
        let mut next = || values.next().unwrap_or_default();
        Texts {
            in_stock: next(),
            low_stock: next(),
            backorder: next(),
            preorder: next(),
            out_of_stock: next(),
            discontinued: next(),
            quantity: next(),
            add: next(),
            backorder_button: next(),
            preorder_button: next(),
            sold_out: next(),
            ships: next(),
            split: next(),
            unknown_date: next(),
            limit: next(),
            reserved: next(),
            failed: next(),
            together: next(),
            ships_together: next(),
        }
    }
}

impl Default for Texts {
    fn default() -> Texts {
        Texts::from_attributes(|_| None)
    }
}

/// Everything the widget renders for one quantity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct View {
    pub status: Status,
    pub status_text: String,
    /// When and how the chosen quantity ships; empty when it cannot be ordered.
    pub split_text: String,
    /// Whether the shopper may choose to wait and ship everything together: the quantity
    /// would ship in two parts.
    pub together_offered: bool,
    pub button_label: String,
    pub button_enabled: bool,
    /// Why the chosen quantity cannot be ordered; empty otherwise.
    pub message: String,
    /// Most units one order can take; `None` = no limit.
    pub max_qty: Option<u32>,
    /// For schema.org `availabilityStarts`: when a unit not in stock would ship.
    pub available_from: Option<Date>,
    pub quote: Option<Quote>,
}

/// The view of `snapshot` for `qty` units shipped as `ship` asks (`Complete`: everything
/// together, when the quantity would otherwise ship in two parts).
pub fn view(
    snapshot: &Snapshot,
    qty: u32,
    ship: Ship,
    texts: &Texts,
    format_date: &dyn Fn(Date) -> String,
) -> View {
    let status = snapshot.status();
    let date_text = |date: Option<Date>| date.map(format_date).unwrap_or_default();
    let status_text = match status {
        Status::InStock => texts.in_stock.clone(),
        Status::LowStock => fill(&texts.low_stock, &[("n", &snapshot.available_now.to_string())]),
        Status::Backorder => texts.backorder.clone(),
        Status::Preorder => fill(&texts.preorder, &[("date", &date_text(snapshot.release_date))]),
        Status::OutOfStock => texts.out_of_stock.clone(),
        Status::Discontinued => texts.discontinued.clone(),
    };
    let max_qty = snapshot.max_orderable();
    let today = snapshot.today;
    let available_from = match status {
        // The first unit a shopper can order ships on or after the release.
        Status::Preorder => {
            snapshot.quote(1, Ship::Partial, today).ok().and_then(|q| q.ship_date.or(q.backorder_ship_date))
        }
        // The first unit beyond stock on hand.
        Status::Backorder => {
            let first_unit =
                snapshot.quote(snapshot.available_now.saturating_add(1), Ship::Partial, today).ok();
            first_unit.and_then(|q| q.backorder_ship_date)
        }
        _ => None,
    };
    let mut shown = View {
        status,
        status_text,
        split_text: String::new(),
        together_offered: false,
        button_label: texts.add.clone(),
        button_enabled: false,
        message: String::new(),
        max_qty,
        available_from,
        quote: None,
    };
    if max_qty == Some(0) {
        shown.button_label = texts.sold_out.clone();
        return shown;
    }
    match snapshot.quote(qty, Ship::Partial, today) {
        Ok(partial) => {
            // Two parts with a known later date: the shopper may wait for one shipment.
            let offered = partial.now > 0 && partial.backorder > 0 && partial.backorder_ship_date.is_some();
            let together = offered && ship == Ship::Complete;
            let quote = if together {
                snapshot.quote(qty, Ship::Complete, today).unwrap_or(partial)
            } else {
                partial
            };
            shown.together_offered = offered;
            shown.split_text = if together {
                fill(&texts.ships_together, &[("n", &qty.to_string()), ("date", &date_text(quote.ship_date))])
            } else {
                split(&quote, texts, &date_text)
            };
            shown.button_label = if status == Status::Preorder {
                texts.preorder_button.clone()
            } else if quote.backorder > 0 {
                texts.backorder_button.clone()
            } else {
                texts.add.clone()
            };
            shown.button_enabled = true;
            shown.quote = Some(quote);
        }
        Err(Refusal::ZeroQuantity) => {}
        Err(Refusal::InsufficientStock { .. } | Refusal::Discontinued) => {
            let limit = max_qty.unwrap_or(snapshot.available_now);
            shown.message = fill(&texts.limit, &[("n", &limit.to_string())]);
        }
    }
    shown
}

fn split(quote: &Quote, texts: &Texts, date_text: &dyn Fn(Option<Date>) -> String) -> String {
    let ships = |n: u32| if n == 1 { "ships" } else { "ship" };
    match (quote.now, quote.backorder) {
        (_, 0) => fill(&texts.ships, &[("date", &date_text(quote.ship_date))]),
        (_, later) if quote.backorder_ship_date.is_none() => {
            fill(&texts.unknown_date, &[("n", &later.to_string())])
        }
        (0, _) => fill(&texts.ships, &[("date", &date_text(quote.backorder_ship_date))]),
        (now, later) => fill(
            &texts.split,
            &[
                ("now", &now.to_string()),
                ("later", &later.to_string()),
                ("ships_now", ships(now)),
                ("ships_later", ships(later)),
                ("date", &date_text(quote.backorder_ship_date)),
            ],
        ),
    }
}

/// `template` with each `{name}` replaced; unknown placeholders stay as they are.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some((before, after)) = rest.split_once('{') {
        out.push_str(before);
        let known = after.split_once('}').and_then(|(name, tail)| {
            values.iter().find(|(key, _)| *key == name).map(|(_, value)| (*value, tail))
        });
        match known {
            Some((value, tail)) => {
                out.push_str(value);
                rest = tail;
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use backorder_core::{Availability, Calendar, Lot};
    use std::borrow::Cow;

    fn date(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    fn snapshot(available_now: u32, supply: Vec<Lot>) -> Snapshot {
        Availability {
            today: date("2026-11-26"),
            available_now,
            takes_backorders: true,
            backorder_remaining: None,
            lead_time_days: Some(14),
            release_date: None,
            discontinued: false,
            low_stock_threshold: 3,
            calendar: Cow::Owned(Calendar::default()),
            supply: Cow::Owned(supply),
            promised: 0,
            supply_horizon: None,
        }
    }

    fn iso(d: Date) -> String {
        let mut buf = [0u8; 10];
        d.write_iso(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    }

    #[test]
    fn split_and_labels_follow_the_quote() {
        let texts = Texts::default();
        let low = snapshot(2, vec![Lot { date: date("2026-12-07"), qty: 5 }]);
        let cases = [
            (1, "Only 2 left", "Ships by 2026-11-27", "Add to cart"),
            (2, "Only 2 left", "Ships by 2026-11-27", "Add to cart"),
            (3, "Only 2 left", "2 ship now · 1 ships by 2026-12-08", "Backorder"),
            (4, "Only 2 left", "2 ship now · 2 ship by 2026-12-08", "Backorder"),
            (8, "Only 2 left", "2 ship now · 6 ship by 2026-12-11", "Backorder"),
        ];
        for (qty, status, split, button) in cases {
            let shown = view(&low, qty, Ship::Partial, &texts, &iso);
            assert_eq!((shown.status_text.as_str(), shown.split_text.as_str()), (status, split), "qty {qty}");
            assert_eq!(shown.button_label, button);
            assert!(shown.button_enabled);
        }
        let one_now = view(&snapshot(1, vec![]), 2, Ship::Partial, &texts, &iso);
        assert_eq!(one_now.split_text, "1 ships now · 1 ships by 2026-12-11");
    }

    #[test]
    fn a_split_may_wait_to_ship_together() {
        let texts = Texts::default();
        let low = snapshot(2, vec![Lot { date: date("2026-12-07"), qty: 5 }]);
        let whole = view(&low, 2, Ship::Complete, &texts, &iso);
        assert_eq!((whole.together_offered, whole.split_text.as_str()), (false, "Ships by 2026-11-27"));
        let split = view(&low, 3, Ship::Partial, &texts, &iso);
        assert!(split.together_offered);
        let together = view(&low, 3, Ship::Complete, &texts, &iso);
        assert_eq!(together.split_text, "All 3 ship together by 2026-12-08");
        let quote = together.quote.unwrap();
        assert_eq!((quote.now, quote.backorder, quote.ship_date), (2, 1, Some(date("2026-12-08"))));
        let mut unknown = snapshot(1, vec![]);
        unknown.lead_time_days = None;
        assert!(!view(&unknown, 2, Ship::Partial, &texts, &iso).together_offered, "no date to wait for");
    }

    #[test]
    fn limits_unknown_dates_and_sold_out() {
        let texts = Texts::default();
        let mut limited = snapshot(1, vec![]);
        limited.backorder_remaining = Some(2);
        let over = view(&limited, 4, Ship::Partial, &texts, &iso);
        assert_eq!(
            (over.message.as_str(), over.button_enabled, over.max_qty),
            ("Only 3 can be ordered", false, Some(3))
        );
        let mut unknown = snapshot(0, vec![]);
        unknown.lead_time_days = None;
        assert_eq!(
            view(&unknown, 2, Ship::Partial, &texts, &iso).split_text,
            "2 on backorder, ship date to follow"
        );
        let mut denied = snapshot(0, vec![]);
        denied.takes_backorders = false;
        let sold_out = view(&denied, 1, Ship::Partial, &texts, &iso);
        assert_eq!(
            (sold_out.status_text.as_str(), sold_out.button_label.as_str()),
            ("Out of stock", "Sold out")
        );
        assert!(!sold_out.button_enabled);
    }

    #[test]
    fn preorders_and_schema_dates() {
        let texts = Texts::default();
        let mut preorder = snapshot(0, vec![]);
        preorder.release_date = Some(date("2026-12-15"));
        let shown = view(&preorder, 1, Ship::Partial, &texts, &iso);
        assert_eq!(shown.status, Status::Preorder);
        assert_eq!(shown.status_text, "Pre-order: releases 2026-12-15");
        assert_eq!(shown.button_label, "Pre-order");
        assert_eq!(shown.available_from, Some(date("2026-12-16")));
        assert_eq!(view(&snapshot(5, vec![]), 1, Ship::Partial, &texts, &iso).available_from, None);
    }

    #[test]
    fn merchant_texts_and_templates() {
        let texts = Texts::from_attributes(|name| {
            (name == "text-low-stock").then(|| "Nur noch {n} {oops".to_string())
        });
        assert_eq!(
            view(&snapshot(2, vec![]), 1, Ship::Partial, &texts, &iso).status_text,
            "Nur noch 2 {oops"
        );
        assert_eq!(fill("{a}{b}{a}", &[("a", "1"), ("b", "<b>")]), "1<b>1");
        assert_eq!(fill("{unknown} x", &[]), "{unknown} x");
    }
}
