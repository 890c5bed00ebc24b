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

pub struct Shop {
    pub ledger: Ledger,
    pub now: Millis,
    next_id: u32,
    /// Settled lines' records, kept as a shell keeps them.
    pub settled: std::collections::BTreeMap<String, Line>,
}

impl Shop {
    /// A store on Thursday 2026-11-26 at 10:00 with `on_hand` units and `policy`.
    pub fn new(policy: Policy, on_hand: u32) -> Shop {
        let mut shop = Shop {
            ledger: Ledger::default(),
            now: morning("2026-11-26"),
            next_id: 0,
            settled: Default::default(),
        };
        shop.apply(Command::Configure { policy, on_hand: Some(on_hand) }).expect("valid setup");
        shop.ledger.take_events();
        shop
    }

    pub fn today(&self) -> Date {
        self.ledger.today(self.now)
    }

    /// Applies `command` as a shell would: bringing back the settled line it names, and
    /// keeping the records of lines that settle.
    pub fn apply(&mut self, command: Command) -> Result<Outcome, Error> {
        if let Some(line) = command.order_id().and_then(|id| self.settled.get(id)) {
            if self.ledger.line_view(&line.order_id).is_none() {
                self.ledger.visit(line.clone()).expect("a settled line can visit");
            }
        }
        let result = self.ledger.apply(self.now, command);
        self.ledger.check_invariants().expect("invariants hold after every command");
        self.keep_settled();
        result
    }

    fn keep_settled(&mut self) {
        for line in self.ledger.take_changes().settled {
            self.settled.insert(line.order_id.clone(), line);
        }
    }

    pub fn reserve_as(&mut self, ship: Ship, qty: u32) -> Result<HoldView, Error> {
        self.next_id += 1;
        let id = format!("res_{}", self.next_id);
        match self.apply(Command::Reserve { id, qty, ship })? {
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
        self.ledger
            .line_view(order_id)
            .or_else(|| self.settled.get(order_id).map(Line::settled_view))
            .expect("line exists")
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
        self.keep_settled();
    }
}

pub fn allow(lead_time_days: Option<u32>) -> Policy {
    Policy { lead_time_days, ..Policy::default() }
}

pub fn deny() -> Policy {
    Policy { backorders: Backorders::Deny, ..Policy::default() }
}
