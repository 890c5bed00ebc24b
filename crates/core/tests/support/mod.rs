//! A small store around one ledger, so that rule tests read like the scenarios they check.
#![allow(dead_code)]

pub mod model;

use backorder_core::*;

pub const MINUTE: Millis = 60_000;
pub const DAY: Millis = 86_400_000;

pub fn date(text: &str) -> Date {
    Date::parse(text).unwrap_or_else(|| panic!("bad date {text}"))
}

/// Milliseconds at 10:00 UTC on `day`.
pub fn morning(day: &str) -> Millis {
    date(day).days() as Millis * DAY + 10 * 60 * MINUTE
}

/// What a shell stores of records that left the ledger's memory, as the edge's SQLite does.
#[derive(Default)]
pub struct Stored {
    pub resolved_holds: std::collections::BTreeMap<String, Hold>,
    pub settled_lines: std::collections::BTreeMap<String, Line>,
}

impl Stored {
    /// Brings back the stored records `command` names, before it is applied.
    pub fn bring_back(&self, ledger: &mut Ledger, command: &Command) {
        if let Some(hold) = command.reservation_id().and_then(|id| self.resolved_holds.get(id)) {
            if ledger.hold_view(&hold.id).is_none() {
                ledger.visit_hold(hold.clone()).expect("a resolved reservation can visit");
            }
        }
        if let Some(line) = command.order_id().and_then(|id| self.settled_lines.get(id)) {
            if ledger.line_view(&line.order_id).is_none() {
                ledger.visit_line(line.clone()).expect("a settled line can visit");
            }
        }
    }

    /// Keeps the records that left memory since the last call.
    pub fn keep(&mut self, ledger: &mut Ledger) {
        let changes = ledger.take_changes();
        for hold in changes.resolved_holds {
            self.resolved_holds.insert(hold.id.clone(), hold);
        }
        for line in changes.settled_lines {
            self.settled_lines.insert(line.order_id.clone(), line);
        }
    }

    /// A reservation's view, in memory or from its stored record.
    pub fn hold_view(&self, ledger: &Ledger, id: &str) -> Option<HoldView> {
        ledger.hold_view(id).or_else(|| self.resolved_holds.get(id).map(|hold| ledger.view_hold(hold)))
    }

    /// A line's view, open in memory or settled from its stored record.
    pub fn line_view(&self, ledger: &Ledger, order_id: &str) -> Option<LineView> {
        ledger
            .line_view(order_id)
            .or_else(|| self.settled_lines.get(order_id).map(|line| ledger.settled_view(line)))
    }
}

pub struct Shop {
    pub ledger: Ledger,
    pub now: Millis,
    next_id: u32,
    pub stored: Stored,
}

impl Shop {
    /// A store on Thursday 2026-11-26 at 10:00 with `on_hand` units and `policy`.
    pub fn new(policy: Policy, on_hand: u32) -> Shop {
        let mut shop = Shop {
            ledger: Ledger::default(),
            now: morning("2026-11-26"),
            next_id: 0,
            stored: Stored::default(),
        };
        shop.apply(Command::Configure { policy, on_hand: Some(on_hand) }).expect("valid setup");
        shop.ledger.take_events();
        shop
    }

    pub fn today(&self) -> Date {
        self.ledger.today(self.now)
    }

    /// Applies `command` as a shell would, with the records it stored.
    pub fn apply(&mut self, command: Command) -> Result<Outcome, Error> {
        self.stored.bring_back(&mut self.ledger, &command);
        let result = self.ledger.apply(self.now, command);
        self.ledger.check_invariants().expect("invariants hold after every command");
        self.stored.keep(&mut self.ledger);
        result
    }

    /// A reservation's view, in memory or from its stored record.
    pub fn hold(&self, id: &str) -> HoldView {
        self.stored.hold_view(&self.ledger, id).expect("reservation exists")
    }

    pub fn reserve_as(&mut self, ship: Ship, qty: u32) -> Result<HoldView, Error> {
        self.next_id += 1;
        let id = format!("res_{}", self.next_id);
        match self.apply(Command::Reserve { id, qty, ship, client: None })? {
            Outcome::Reserved(view) => Ok(view),
            other => panic!("reserve answered {other:?}"),
        }
    }

    pub fn reserve(&mut self, qty: u32) -> Result<HoldView, Error> {
        self.reserve_as(Ship::Partial, qty)
    }

    /// Reserves and confirms `qty` units as order `order_id`.
    pub fn order(&mut self, order_id: &str, qty: u32) -> Result<LineView, Error> {
        let hold = self.reserve(qty)?;
        self.confirm(order_id, &hold)
    }

    pub fn confirm(&mut self, order_id: &str, hold: &HoldView) -> Result<LineView, Error> {
        let command = Command::Confirm {
            order_id: order_id.into(),
            qty: hold.quote.qty,
            ship: None,
            reservation: Some(hold.id.clone()),
        };
        match self.apply(command)? {
            Outcome::Confirmed(view) => Ok(view),
            other => panic!("confirm answered {other:?}"),
        }
    }

    pub fn receive(
        &mut self,
        qty: u32,
        purchase_order: Option<&str>,
    ) -> Result<(Vec<Allocation>, u32), Error> {
        match self.apply(Command::Receive { qty, purchase_order: purchase_order.map(Into::into) })? {
            Outcome::Received { allocations, on_hand } => Ok((allocations, on_hand)),
            other => panic!("receive answered {other:?}"),
        }
    }

    pub fn purchase_order(&mut self, id: &str, qty: u32, expected: &str) {
        self.apply(Command::SetPurchaseOrder { id: id.into(), qty, expected: date(expected) })
            .expect("valid PO");
    }

    /// An open line's view, or a settled one's from its record.
    pub fn line(&self, order_id: &str) -> LineView {
        self.stored.line_view(&self.ledger, order_id).expect("line exists")
    }

    pub fn events(&mut self) -> Vec<Event> {
        self.ledger.take_events().into_iter().map(|record| record.event).collect()
    }

    pub fn quote(&self, qty: u32) -> Result<Quote, Refusal> {
        let today = self.today();
        self.ledger.availability(today).quote(qty, Ship::Partial, today)
    }

    pub fn advance(&mut self, by: Millis) {
        self.now += by;
        self.ledger.advance(self.now);
        self.ledger.check_invariants().expect("invariants hold after time passes");
        self.stored.keep(&mut self.ledger);
    }
}

pub fn allow(lead_time_days: Option<u32>) -> Policy {
    Policy { lead_time_days, ..Policy::default() }
}

pub fn deny() -> Policy {
    Policy { backorders: Backorders::Deny, ..Policy::default() }
}
