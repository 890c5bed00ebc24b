//! One SKU's authoritative ledger: stock, holds, the backorder queue, purchase orders.
//!
//! Every change goes through [`Ledger::apply`] (a command at `now`) or [`Ledger::advance`]
//! (time passing). Both first expire due holds, then act, then settle: projections are
//! recomputed where supply may have moved them, events are queued for the shell, and what is
//! no longer open leaves memory.
//!
//! Resolved reservations and settled order lines (nothing of them waits) are most of a busy
//! SKU's records, and nothing but a request naming one needs them: memory and load time stay
//! proportional to what is open. The shell stores them ([`Changes::resolved_holds`],
//! [`Changes::settled_lines`]) and hands one back ([`Ledger::visit_hold`],
//! [`Ledger::visit_line`]) before a command or view that names it; a settled line's units
//! stay counted in [`Stock::settled_units`], so conservation still adds up. Keeping resolved
//! reservations for a day ([`crate::replies::KEY_RETENTION_MS`]) is the shell's part.

use alloc::borrow::Cow;
use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;

use crate::availability::{beyond_supply, Availability, Lot, Quote, Ship};
use crate::command::{
    Allocation, CancelScope, Cancellation, Command, Delay, DelayAnswer, Error, HoldState, HoldView, LineView,
    Missing, Outcome, Owner, PurchaseOrder,
};
use crate::date::{Date, Millis};
use crate::delay::{self, Review};
use crate::event::{CancelReason, Event, EventRecord};
use crate::limiter::Limiter;
use crate::policy::{DelayConsent, Policy};

/// Working days within which a cancelled unit is to be refunded (16 CFR 435.1(c)).
pub const REFUND_WORKING_DAYS: u32 = 7;

/// A reservation. Its backordered units wait in the queue under `seq`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hold {
    pub id: String,
    pub seq: u64,
    pub quote: Quote,
    pub ship: Ship,
    pub state: HoldState,
    pub created_at: Millis,
    pub expires_at: Millis,
    /// When the hold left `Held`.
    pub resolved_at: Option<Millis>,
    /// The order being placed that holds it (kept once resolved, as history).
    pub prepared: Option<Prepared>,
}

/// An order's first phase on this SKU: the hold is the order's until it commits or aborts,
/// and it never expires meanwhile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prepared {
    pub order_id: String,
    /// The hold was made for the order (an abort releases it), not the shopper's own (an
    /// abort gives it back to them).
    pub placed: bool,
}

/// A confirmed order line. Its backordered units wait in the queue under `seq`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub order_id: String,
    pub seq: u64,
    pub quote: Quote,
    pub ship: Ship,
    pub reservation: Option<String>,
    pub created_at: Millis,
    /// Backordered units cancelled without being filled.
    pub cancelled_backorder: u32,
    pub cancellation: Option<Cancellation>,
    /// The merchant's cancellation of the waiting units only, kept to answer a repeat.
    pub backorder_cancellation: Option<Cancellation>,
    /// The latest delay notice and its answer (see [`crate::delay`]).
    pub delay: Option<Delay>,
}

impl Line {
    /// The date the waiting units were first promised: the quote's, or, for an order taken
    /// without a date, 30 days after it was ordered (the FTC rule's default).
    pub fn original_promise(&self, policy: &Policy) -> Date {
        self.quote
            .backorder_ship_date
            .unwrap_or_else(|| policy.today(self.created_at).add_days(delay::DEFAULT_SHIPPING_DAYS))
    }

    /// The date the backordered units are promised for now; `None` for a line without any, or
    /// after a consent to a delay without a date.
    pub fn promise(&self, policy: &Policy) -> Option<Date> {
        if self.quote.backorder == 0 {
            return None;
        }
        match self.delay {
            Some(Delay { answer: Some(DelayAnswer::Accepted { .. }), revised, .. }) => revised,
            Some(delay) => Some(delay.promised),
            None => Some(self.original_promise(policy)),
        }
    }

    fn view(
        &self,
        policy: &Policy,
        outstanding: u32,
        projected: Option<Date>,
        index: Option<usize>,
    ) -> LineView {
        let allocated = match self.cancellation {
            Some(_) => 0,
            None => self.quote.backorder - outstanding - self.cancelled_backorder,
        };
        LineView {
            order_id: self.order_id.clone(),
            quote: self.quote,
            ship: self.ship,
            allocated,
            outstanding,
            cancelled_backorder: self.cancelled_backorder,
            projected,
            position: index.map(|i| i as u32 + 1),
            cancellation: self.cancellation,
            reservation: self.reservation.clone(),
            created_at: self.created_at,
            promise: self.promise(policy),
            delay: self.delay,
        }
    }
}

/// A place in the backorder queue, as persisted beside its hold or line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Waiting {
    pub outstanding: u32,
    /// The ship date last computed (for lines: last announced) for the outstanding units.
    pub projected: Option<Date>,
    /// The day the units joined the queue: beyond scheduled supply they are expected
    /// `lead_time_days` after it, and only slip once that day has passed.
    pub since: Date,
}

/// Counters that, with holds, lines and purchase orders, make up the whole ledger.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stock {
    /// Units on hand that nobody holds.
    pub free: u32,
    /// Units ever received.
    pub received: u64,
    /// Net units added (or removed, negative) by stock counts.
    pub adjusted: i64,
    pub next_seq: u64,
    pub next_event_seq: u64,
    /// The shortfall last announced by `reorder_needed`.
    pub reorder_reported: u32,
    /// The day projections were last computed for.
    pub projected_on: Option<Date>,
    /// Units delivered to order lines that settled out of memory (shipped now or filled
    /// from the queue, less cancellations).
    pub settled_units: u64,
}

/// What changed since the last [`Ledger::take_changes`], for the shell to persist.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// The policy.
    pub policy: bool,
    /// The stock counters.
    pub stock: bool,
    /// Held reservations whose record must be written again ([`Ledger::hold_record`]).
    pub holds: BTreeSet<String>,
    /// Open lines whose record must be written again ([`Ledger::line_record`]).
    pub lines: BTreeSet<String>,
    pub purchase_orders: BTreeSet<String>,
    /// Reservations that were resolved (or changed while visiting) and left memory: the
    /// shell keeps their records for [`Ledger::visit_hold`].
    pub resolved_holds: Vec<Hold>,
    /// Lines that changed and left memory, settled: the shell keeps their records for
    /// [`Ledger::visit_line`].
    pub settled_lines: Vec<Line>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        !self.policy
            && !self.stock
            && self.holds.is_empty()
            && self.lines.is_empty()
            && self.purchase_orders.is_empty()
            && self.resolved_holds.is_empty()
            && self.settled_lines.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    seq: u64,
    owner: Owner,
    outstanding: u32,
    projected: Option<Date>,
    since: Date,
}

/// One waiting entry of the backorder queue, for listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueItem<'a> {
    pub position: u32,
    pub owner: &'a Owner,
    pub outstanding: u32,
    pub projected: Option<Date>,
    /// The purchase order the entry's last unit is expected from, as projected (FIFO over
    /// purchase orders by expected date); `None` beyond scheduled supply.
    pub purchase_order: Option<&'a str>,
}

#[derive(Clone, Debug, Default)]
pub struct Ledger {
    policy: Policy,
    stock: Stock,
    /// Held reservations, and resolved ones visiting for a request (see the module's doc).
    holds: BTreeMap<String, Hold>,
    /// Held reservations by expiry.
    expiries: BTreeSet<(Millis, String)>,
    /// Resolved reservations brought back by `visit_hold`.
    visiting_holds: Vec<String>,
    /// Open lines, and settled ones visiting for a command (see the module's doc).
    lines: BTreeMap<String, Line>,
    /// Settled lines brought back by `visit_line`, with the units `stock.settled_units`
    /// counts for each (rarely more than one).
    visiting_lines: Vec<(String, u64)>,
    /// Waiting backordered units, oldest first (ascending `seq`).
    queue: VecDeque<Entry>,
    /// Sorted by expected date, then id.
    purchase_orders: Vec<PurchaseOrder>,
    /// The same purchase orders as supply lots, kept in step by `sync_supply`.
    supply: Vec<Lot>,
    events: Vec<EventRecord>,
    changes: Changes,
    /// Something happened that may move projected dates.
    dates_may_move: bool,
    /// Recent reservation attempts by client; in memory only (see [`crate::limiter`]).
    limiter: Limiter,
    /// Waiting lines with a pending delay notice, by its deadline.
    deadlines: BTreeSet<(Millis, String)>,
}

impl Ledger {
    /// Rebuilds a ledger from persisted parts, checking every invariant. `holds` and `lines`
    /// are the open ones; a resolved or settled one among them (stored before they left
    /// memory) is handed back in [`Changes`] to be stored as such, a line's units counted.
    pub fn restore(
        policy: Policy,
        stock: Stock,
        holds: Vec<(Hold, Option<Waiting>)>,
        lines: Vec<(Line, Option<Waiting>)>,
        purchase_orders: Vec<PurchaseOrder>,
    ) -> Result<Ledger, &'static str> {
        policy.validate()?;
        let mut ledger = Ledger { policy, stock, ..Ledger::default() };
        let mut queue = Vec::new();
        for (hold, waiting) in holds {
            if let Some(waiting) = waiting {
                queue.push(Entry::new(hold.seq, Owner::Reservation(hold.id.clone()), waiting));
            }
            match (&hold.state, hold.resolved_at) {
                (HoldState::Held, _) if hold.prepared.is_some() => false,
                (HoldState::Held, _) => ledger.expiries.insert((hold.expires_at, hold.id.clone())),
                (_, Some(_)) => {
                    ledger.changes.resolved_holds.push(hold);
                    continue;
                }
                (_, None) => return Err("a resolved reservation has no resolution time"),
            };
            if hold.seq >= ledger.stock.next_seq {
                return Err("a record is numbered after the stock's next sequence number");
            }
            if ledger.holds.insert(hold.id.clone(), hold).is_some() {
                return Err("two reservations share an id");
            }
        }
        for (line, waiting) in lines {
            check_stored_line(&line)?;
            let Some(waiting) = waiting else {
                ledger.stock.settled_units = (ledger.stock.settled_units)
                    .checked_add(settled_units(&line))
                    .ok_or("settled units overflow")?;
                ledger.changes.stock = true;
                ledger.changes.settled_lines.push(line);
                continue;
            };
            if line.seq >= ledger.stock.next_seq {
                return Err("a record is numbered after the stock's next sequence number");
            }
            queue.push(Entry::new(line.seq, Owner::Order(line.order_id.clone()), waiting));
            if let Some(delay) = line.delay.filter(Delay::pending) {
                ledger.deadlines.insert((delay.deadline, line.order_id.clone()));
            }
            if ledger.lines.insert(line.order_id.clone(), line).is_some() {
                return Err("two order lines share an id");
            }
        }
        queue.sort_unstable_by_key(|entry| entry.seq);
        ledger.queue = queue.into();
        // Inserted one by one rather than sorted: one less sort routine in the wasm, and the
        // store hands them over in order, so each lands at the end.
        for po in purchase_orders {
            insert_in_order(&mut ledger.purchase_orders, po);
        }
        ledger.sync_supply();
        ledger.check_invariants()?;
        Ok(ledger)
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub fn stock(&self) -> &Stock {
        &self.stock
    }

    pub fn today(&self, now: Millis) -> Date {
        self.policy.today(now)
    }

    /// Units nobody holds, free for new shoppers.
    pub fn available_now(&self) -> u32 {
        self.stock.free
    }

    /// Units in the warehouse not yet committed to an order: free plus held.
    pub fn on_hand(&self) -> u32 {
        let held: u64 = self
            .holds
            .values()
            .filter(|hold| hold.state == HoldState::Held)
            .map(|hold| u64::from(hold.quote.qty - self.outstanding(hold.seq)))
            .sum();
        (u64::from(self.stock.free) + held).min(u64::from(u32::MAX)) as u32
    }

    pub fn purchase_orders(&self) -> &[PurchaseOrder] {
        &self.purchase_orders
    }

    /// The reservations in memory: held ones, and any resolved one visiting for a command.
    pub fn holds(&self) -> impl Iterator<Item = &Hold> {
        self.holds.values()
    }

    /// The lines in memory: open ones, and any settled one visiting for a command.
    pub fn lines(&self) -> impl Iterator<Item = &Line> {
        self.lines.values()
    }

    /// A reservation and, while it is held, its place in the queue (once confirmed, the
    /// place belongs to the order line).
    pub fn hold_record(&self, id: &str) -> Option<(Hold, Option<Waiting>)> {
        let hold = self.holds.get(id)?;
        let waiting = if hold.state == HoldState::Held { self.waiting(hold.seq) } else { None };
        Some((hold.clone(), waiting))
    }

    pub fn line_record(&self, order_id: &str) -> Option<(Line, Option<Waiting>)> {
        self.lines.get(order_id).map(|line| (line.clone(), self.waiting(line.seq)))
    }

    pub fn hold_view(&self, id: &str) -> Option<HoldView> {
        self.holds.get(id).map(|hold| self.view_hold(hold))
    }

    /// A reservation's view: one in memory, or a resolved one from the shell's records (a
    /// confirmed one shares its place in the queue with its order line).
    pub fn view_hold(&self, hold: &Hold) -> HoldView {
        let (covered, projected) = match hold.state {
            HoldState::Held | HoldState::Confirmed { .. } => {
                let waiting = self.waiting(hold.seq);
                (hold.quote.qty - waiting.map_or(0, |w| w.outstanding), waiting.and_then(|w| w.projected))
            }
            HoldState::Released | HoldState::Expired | HoldState::Withdrawn => (0, None),
        };
        HoldView {
            id: hold.id.clone(),
            prepared_for: match (&hold.state, &hold.prepared) {
                (HoldState::Held, Some(prepared)) => Some(prepared.order_id.clone()),
                _ => None,
            },
            quote: hold.quote,
            covered,
            projected,
            ship: hold.ship,
            state: hold.state.clone(),
            created_at: hold.created_at,
            expires_at: hold.expires_at,
        }
    }

    /// An open or visiting line; a settled one is viewed with [`Ledger::settled_view`].
    pub fn line_view(&self, order_id: &str) -> Option<LineView> {
        let line = self.lines.get(order_id)?;
        let index = self.queue_index(line.seq);
        let entry = index.map(|i| &self.queue[i]);
        let (outstanding, projected) = (entry.map_or(0, |e| e.outstanding), entry.and_then(|e| e.projected));
        Some(line.view(&self.policy, outstanding, projected, index))
    }

    /// The view of a settled line, from the shell's record of it: nothing of it waits.
    pub fn settled_view(&self, line: &Line) -> LineView {
        line.view(&self.policy, 0, None, None)
    }

    /// Brings back a resolved reservation from the shell's records before a command or view
    /// that names it ([`Command::reservation_id`]). It leaves memory when the next command
    /// settles.
    pub fn visit_hold(&mut self, hold: Hold) -> Result<(), &'static str> {
        if self.holds.contains_key(&hold.id) {
            return Err("the reservation is already in memory");
        }
        if hold.state == HoldState::Held || hold.resolved_at.is_none() {
            return Err("only a resolved reservation can visit");
        }
        self.visiting_holds.push(hold.id.clone());
        self.holds.insert(hold.id.clone(), hold);
        Ok(())
    }

    /// Brings back a settled line from the shell's records before a command that names it
    /// ([`Command::order_id`]). It leaves memory when the next command settles.
    pub fn visit_line(&mut self, line: Line) -> Result<(), &'static str> {
        if self.lines.contains_key(&line.order_id) {
            return Err("the line is already in memory");
        }
        if self.queue_index(line.seq).is_some() {
            return Err("a settled line cannot own a queue entry");
        }
        check_stored_line(&line)?;
        self.visiting_lines.push((line.order_id.clone(), settled_units(&line)));
        self.lines.insert(line.order_id.clone(), line);
        Ok(())
    }

    /// The backorder queue, oldest first.
    pub fn queue(&self) -> impl Iterator<Item = QueueItem<'_>> {
        // The same walk over supply as `reproject`, remembering where each entry ends.
        let mut cursor = SupplyCursor { supply: &self.supply, index: 0, used: 0, today: Date::MIN };
        self.queue.iter().enumerate().map(move |(i, entry)| {
            let covered = cursor.take(entry.outstanding).is_some();
            let purchase_order =
                covered.then(|| self.purchase_orders.get(cursor.index).map(|po| po.id.as_str())).flatten();
            QueueItem {
                position: i as u32 + 1,
                owner: &entry.owner,
                outstanding: entry.outstanding,
                projected: entry.projected,
                purchase_order,
            }
        })
    }

    /// When the next held reservation expires, for the shell's alarm.
    pub fn next_expiry(&self) -> Option<Millis> {
        self.expiries.first().map(|(at, _)| *at)
    }

    /// Events since the last call, in order.
    pub fn take_events(&mut self) -> Vec<EventRecord> {
        core::mem::take(&mut self.events)
    }

    /// What changed since the last [`Ledger::take_changes`], not yet stored: a record that
    /// left memory here is newer than the shell's copy.
    pub fn changes(&self) -> &Changes {
        &self.changes
    }

    /// What changed since the last call.
    pub fn take_changes(&mut self) -> Changes {
        core::mem::take(&mut self.changes)
    }

    /// What a shopper can be offered on `today`. Call [`Ledger::advance`] for the current
    /// time first so that expired holds are back in stock.
    pub fn availability(&self, today: Date) -> Availability<'_> {
        // Waiting entries take supply in queue order, so together they take its front.
        let promised: u64 = self.queue.iter().map(|entry| u64::from(entry.outstanding)).sum();
        let policy = &self.policy;
        let mut remaining =
            policy.backorder_limit.map(|limit| clamp_u32(u64::from(limit).saturating_sub(promised)));
        if policy.limit_to_inbound {
            let scheduled: u64 = self.supply.iter().map(|lot| u64::from(lot.qty)).sum();
            let inbound = clamp_u32(scheduled.saturating_sub(promised));
            remaining = Some(remaining.map_or(inbound, |r| r.min(inbound)));
        }
        Availability {
            today,
            available_now: self.stock.free,
            takes_backorders: policy.takes_backorders(),
            backorder_remaining: remaining,
            lead_time_days: policy.lead_time_days,
            release_date: policy.release_date,
            discontinued: policy.discontinued,
            low_stock_threshold: policy.low_stock_threshold,
            calendar: Cow::Borrowed(&policy.calendar),
            supply: Cow::Borrowed(&self.supply),
            promised,
            supply_horizon: self.supply_horizon(today),
        }
    }

    /// Lets time pass: expires due holds and refreshes projections for a new day.
    pub fn advance(&mut self, now: Millis) {
        let before = self.stock.free;
        self.expire_due(now);
        self.lapse_due(now);
        self.settle(now, before);
    }

    /// Applies one command at `now`. A failed command changes nothing (but a reservation
    /// attempt still counts against its client's limit).
    pub fn apply(&mut self, now: Millis, command: Command) -> Result<Outcome, Error> {
        let before = self.stock.free;
        self.expire_due(now);
        self.lapse_due(now);
        let today = self.today(now);
        let result = match command {
            Command::Reserve { id, qty, ship, client } => self.reserve(now, today, id, qty, ship, client),
            Command::Release { id } => self.release(now, &id),
            Command::Confirm { order_id, qty, ship, reservation } => {
                self.confirm(now, today, order_id, qty, ship, reservation)
            }
            Command::Cancel { order_id, scope } => self.cancel(now, &order_id, scope),
            Command::Receive { qty, purchase_order } => self.receive(now, qty, purchase_order),
            Command::SetPurchaseOrder { id, qty, expected } => self.set_purchase_order(id, qty, expected),
            Command::CancelPurchaseOrder { id } => self.cancel_purchase_order(&id),
            Command::Configure { policy, on_hand } => self.configure(now, policy, on_hand),
            Command::Prepare { order_id, id, qty, ship, reservation } => {
                self.prepare(now, today, order_id, id, qty, ship, reservation)
            }
            Command::Abort { order_id, id } => self.abort(now, &order_id, &id),
            Command::AnswerDelay { order_id, accept } => self.answer_delay(now, &order_id, accept),
        };
        self.settle(now, before);
        result
    }

    fn reserve(
        &mut self,
        now: Millis,
        today: Date,
        id: String,
        qty: u32,
        ship: Ship,
        client: Option<String>,
    ) -> Result<Outcome, Error> {
        if self.holds.contains_key(&id) {
            return Err(Error::Invalid("reservation id is already in use"));
        }
        if client.is_some_and(|client| !self.limiter.allow(&client, now)) {
            return Err(Error::RateLimited);
        }
        self.hold_units(now, today, id, qty, ship, None).map(Outcome::Reserved)
    }

    /// Takes a quote's units into a new hold `id`; a prepared hold (for an order being
    /// placed) does not expire.
    fn hold_units(
        &mut self,
        now: Millis,
        today: Date,
        id: String,
        qty: u32,
        ship: Ship,
        prepared: Option<Prepared>,
    ) -> Result<HoldView, Error> {
        let quote = self.availability(today).quote(qty, ship, today).map_err(Error::Refused)?;
        let seq = self.take_units(quote, Owner::Reservation(id.clone()), today);
        let hold = Hold {
            id: id.clone(),
            seq,
            quote,
            ship,
            state: HoldState::Held,
            created_at: now,
            expires_at: now.saturating_add(self.policy.hold_ttl),
            resolved_at: None,
            prepared,
        };
        if hold.prepared.is_none() {
            self.expiries.insert((hold.expires_at, id.clone()));
        }
        self.holds.insert(id.clone(), hold);
        self.changes.holds.insert(id.clone());
        self.hold_view(&id).ok_or(Error::NotFound(Missing::Reservation))
    }

    /// The first phase of an order line (see [`Command::Prepare`]). A repeat for the same
    /// order answers the hold as it is.
    #[allow(clippy::too_many_arguments)]
    fn prepare(
        &mut self,
        now: Millis,
        today: Date,
        order_id: String,
        id: String,
        qty: u32,
        ship: Option<Ship>,
        reservation: Option<String>,
    ) -> Result<Outcome, Error> {
        let target = reservation.clone().unwrap_or_else(|| id.clone());
        if let Some(hold) = self.holds.get(&target) {
            if hold.prepared.as_ref().is_some_and(|prepared| prepared.order_id == order_id) {
                return Ok(Outcome::Prepared(self.view_hold(hold)));
            }
        }
        // Refused now rather than at commit: an order must not half commit.
        if self.lines.contains_key(&order_id) {
            return Err(Error::OrderExists);
        }
        let Some(reservation) = reservation else {
            if self.holds.contains_key(&id) {
                return Err(Error::Invalid("reservation id is already in use"));
            }
            let prepared = Prepared { order_id, placed: true };
            return self
                .hold_units(now, today, id, qty, ship.unwrap_or_default(), Some(prepared))
                .map(Outcome::Prepared);
        };
        let hold = self.holds.get_mut(&reservation).ok_or(Error::NotFound(Missing::Reservation))?;
        if hold.state != HoldState::Held {
            return Err(Error::ReservationNotHeld { state: hold.state.clone() });
        }
        if let Some(prepared) = &hold.prepared {
            return Err(Error::ReservationPrepared { order_id: prepared.order_id.clone() });
        }
        if hold.quote.qty != qty {
            return Err(Error::Invalid("qty differs from the reservation's qty"));
        }
        if ship.is_some_and(|ship| ship != hold.ship) {
            return Err(Error::Invalid("ship differs from the reservation's ship"));
        }
        hold.prepared = Some(Prepared { order_id, placed: false });
        let expiry = (hold.expires_at, reservation.clone());
        self.expiries.remove(&expiry);
        self.changes.holds.insert(reservation.clone());
        Ok(Outcome::Prepared(self.hold_view(&reservation).ok_or(Error::NotFound(Missing::Reservation))?))
    }

    /// Undoes a prepare (see [`Command::Abort`]); a repeat, or a hold no longer prepared,
    /// changes nothing.
    fn abort(&mut self, now: Millis, order_id: &str, id: &str) -> Result<Outcome, Error> {
        let hold = self.holds.get_mut(id).ok_or(Error::NotFound(Missing::Reservation))?;
        match &hold.prepared {
            Some(prepared) if prepared.order_id != order_id => {
                return Err(Error::ReservationPrepared { order_id: prepared.order_id.clone() });
            }
            Some(prepared) if hold.state == HoldState::Held => {
                if prepared.placed {
                    self.end_hold(id, HoldState::Released, now);
                } else {
                    // The shopper's hold again, expiring when it would have.
                    hold.prepared = None;
                    let expires_at = hold.expires_at;
                    self.changes.holds.insert(id.into());
                    if expires_at <= now {
                        self.end_hold(id, HoldState::Expired, expires_at);
                    } else {
                        self.expiries.insert((expires_at, id.into()));
                    }
                }
            }
            _ => {}
        }
        Ok(Outcome::Aborted(self.hold_view(id).ok_or(Error::NotFound(Missing::Reservation))?))
    }

    /// Takes a quote's units: `now` from free stock, `backorder` into the queue. Returns the
    /// queue sequence number given to them.
    fn take_units(&mut self, quote: Quote, owner: Owner, today: Date) -> u64 {
        let seq = self.stock.next_seq;
        self.stock.next_seq += 1;
        self.stock.free -= quote.now;
        self.changes.stock = true;
        if quote.backorder > 0 {
            // Either queue was empty or this is the newest entry: appending keeps seq order.
            self.queue.push_back(Entry::new(
                seq,
                owner,
                Waiting { outstanding: quote.backorder, projected: quote.backorder_ship_date, since: today },
            ));
        }
        seq
    }

    fn release(&mut self, now: Millis, id: &str) -> Result<Outcome, Error> {
        let hold = self.holds.get(id).ok_or(Error::NotFound(Missing::Reservation))?;
        match &hold.state {
            HoldState::Held if hold.prepared.is_some() => {
                let order_id = hold.prepared.as_ref().map(|p| p.order_id.clone()).unwrap_or_default();
                return Err(Error::ReservationPrepared { order_id });
            }
            HoldState::Held => self.end_hold(id, HoldState::Released, now),
            HoldState::Confirmed { .. } => {
                return Err(Error::ReservationNotHeld { state: hold.state.clone() })
            }
            HoldState::Released | HoldState::Expired | HoldState::Withdrawn => {}
        }
        Ok(Outcome::Released(self.hold_view(id).ok_or(Error::NotFound(Missing::Reservation))?))
    }

    /// Ends a held reservation: its waiting units leave the queue and its covered units go
    /// back to stock (to the queue first).
    fn end_hold(&mut self, id: &str, state: HoldState, at: Millis) {
        let Some(hold) = self.holds.get_mut(id) else { return };
        if hold.state != HoldState::Held {
            return;
        }
        hold.state = state;
        hold.resolved_at = Some(at);
        let (seq, qty, expires_at) = (hold.seq, hold.quote.qty, hold.expires_at);
        self.expiries.remove(&(expires_at, String::from(id)));
        self.changes.holds.insert(String::from(id));
        let outstanding = self.leave_queue(seq);
        self.restock(at, qty - outstanding);
    }

    fn confirm(
        &mut self,
        now: Millis,
        today: Date,
        order_id: String,
        qty: u32,
        ship: Option<Ship>,
        reservation: Option<String>,
    ) -> Result<Outcome, Error> {
        if let Some(line) = self.lines.get(&order_id) {
            let same = line.quote.qty == qty
                && line.reservation == reservation
                && ship.is_none_or(|ship| ship == line.ship);
            return match (same, line.cancellation) {
                (false, _) => Err(Error::OrderExists),
                (true, Some(_)) => Err(Error::OrderCancelled),
                (true, None) => Ok(Outcome::Confirmed(self.line_view(&order_id).ok_or(Error::OrderExists)?)),
            };
        }
        let (seq, quote, ship) = match &reservation {
            Some(id) => {
                let hold = self.holds.get_mut(id).ok_or(Error::NotFound(Missing::Reservation))?;
                if hold.state != HoldState::Held {
                    return Err(Error::ReservationNotHeld { state: hold.state.clone() });
                }
                if let Some(prepared) =
                    hold.prepared.as_ref().filter(|prepared| prepared.order_id != order_id)
                {
                    return Err(Error::ReservationPrepared { order_id: prepared.order_id.clone() });
                }
                if hold.quote.qty != qty {
                    return Err(Error::Invalid("qty differs from the reservation's qty"));
                }
                if ship.is_some_and(|ship| ship != hold.ship) {
                    return Err(Error::Invalid("ship differs from the reservation's ship"));
                }
                hold.state = HoldState::Confirmed { order_id: order_id.clone() };
                hold.resolved_at = Some(now);
                let (seq, quote, ship, expires_at) = (hold.seq, hold.quote, hold.ship, hold.expires_at);
                self.expiries.remove(&(expires_at, id.clone()));
                self.changes.holds.insert(id.clone());
                (seq, quote, ship)
            }
            None => {
                let ship = ship.unwrap_or_default();
                let quote = self.availability(today).quote(qty, ship, today).map_err(Error::Refused)?;
                (self.take_units(quote, Owner::Order(order_id.clone()), today), quote, ship)
            }
        };
        let line = Line {
            order_id: order_id.clone(),
            seq,
            quote,
            ship,
            reservation,
            created_at: now,
            cancelled_backorder: 0,
            cancellation: None,
            backorder_cancellation: None,
            delay: None,
        };
        self.lines.insert(order_id.clone(), line);
        self.changes.lines.insert(order_id.clone());
        if let Some(index) = self.queue_index(seq) {
            self.queue[index].owner = Owner::Order(order_id.clone());
            // A line may be late from the start: its delay is reviewed as the command settles.
            self.dates_may_move = true;
        }
        if quote.backorder > 0 {
            let promised = quote.backorder_ship_date;
            self.emit(
                now,
                Event::BackorderCreated { order_id: order_id.clone(), backorder: quote.backorder, promised },
            );
            let waiting = self.waiting(seq);
            let outstanding = waiting.map_or(0, |w| w.outstanding);
            if outstanding < quote.backorder {
                let qty = quote.backorder - outstanding;
                let shipped = self.ship_date_when_complete(now, outstanding);
                let order_id = order_id.clone();
                self.emit(now, Event::BackorderAllocated { order_id, qty, outstanding, shipped });
            }
            if let Some(projected) = waiting.map(|w| w.projected).filter(|&p| p != promised) {
                let order_id = order_id.clone();
                self.emit(now, Event::EtaChanged { order_id, promised, previous: promised, projected });
            }
            // A prepared hold was kept for its order through a discontinuation: the waiting
            // units will never come.
            if self.policy.discontinued {
                self.drop_backorder(now, &order_id, CancelReason::Discontinued);
            }
        }
        Ok(Outcome::Confirmed(self.line_view(&order_id).ok_or(Error::NotFound(Missing::Order))?))
    }

    /// The customer's answer to a pending delay notice.
    fn answer_delay(&mut self, now: Millis, order_id: &str, accept: bool) -> Result<Outcome, Error> {
        let line = self.lines.get(order_id).ok_or(Error::NotFound(Missing::Order))?;
        let waiting = self.queue_index(line.seq).is_some();
        let Some(mut delay) = line.delay.filter(|delay| delay.pending() && waiting) else {
            return Err(Error::NoDelayPending);
        };
        self.deadlines.remove(&(delay.deadline, order_id.into()));
        delay.answer = Some(match accept {
            true => DelayAnswer::Accepted { at: now, by_silence: false },
            false => DelayAnswer::Cancelled { at: now, by_silence: false },
        });
        self.decide(now, order_id, delay);
        Ok(Outcome::DelayAnswered(self.line_view(order_id).ok_or(Error::NotFound(Missing::Order))?))
    }

    /// Records a delay notice's answer: a consent keeps the line waiting for the revised date,
    /// a cancellation drops its waiting units (to be refunded).
    fn decide(&mut self, now: Millis, order_id: &str, delay: Delay) {
        if let Some(line) = self.lines.get_mut(order_id) {
            line.delay = Some(delay);
        }
        self.changes.lines.insert(order_id.into());
        match delay.answer {
            Some(DelayAnswer::Accepted { by_silence, .. }) => {
                let order_id = order_id.into();
                self.emit(now, Event::DelayAccepted { order_id, revised: delay.revised, by_silence });
            }
            Some(DelayAnswer::Cancelled { by_silence, .. }) => {
                let reason = if by_silence { CancelReason::NoConsent } else { CancelReason::Customer };
                self.drop_backorder(now, order_id, reason);
            }
            None => {}
        }
    }

    fn cancel(&mut self, now: Millis, order_id: &str, scope: CancelScope) -> Result<Outcome, Error> {
        let line = self.lines.get(order_id).ok_or(Error::NotFound(Missing::Order))?;
        let seq = line.seq;
        // Each resolution happens once; repeating it answers what it did the first time.
        let repeated = match scope {
            CancelScope::Line => line.cancellation,
            CancelScope::Backorder if line.cancellation.is_some() => return Err(Error::OrderCancelled),
            CancelScope::Backorder => line.backorder_cancellation,
        };
        if let Some(cancellation) = repeated {
            return Ok(Outcome::Cancelled { order_id: order_id.into(), cancellation });
        }
        let cancellation = match scope {
            CancelScope::Backorder => {
                let dropped = self.drop_backorder(now, order_id, CancelReason::Merchant);
                let cancellation =
                    Cancellation { refund_qty: dropped, restocked: 0, backorder_cancelled: dropped };
                if let Some(line) = self.lines.get_mut(order_id) {
                    line.backorder_cancellation = Some(cancellation);
                }
                self.changes.lines.insert(order_id.into());
                cancellation
            }
            CancelScope::Line => {
                let outstanding = self.leave_queue(seq);
                let line = self.lines.get_mut(order_id).ok_or(Error::NotFound(Missing::Order))?;
                let allocated = line.quote.backorder - outstanding - line.cancelled_backorder;
                let restocked = line.quote.now + allocated;
                let cancellation = Cancellation {
                    refund_qty: line.quote.qty - line.cancelled_backorder,
                    restocked,
                    backorder_cancelled: outstanding,
                };
                line.cancellation = Some(cancellation);
                self.changes.lines.insert(order_id.into());
                self.emit(
                    now,
                    Event::OrderCancelled {
                        order_id: order_id.into(),
                        refund_qty: cancellation.refund_qty,
                        restocked,
                    },
                );
                self.refund_due(now, order_id, cancellation.refund_qty);
                self.restock(now, restocked);
                cancellation
            }
        };
        Ok(Outcome::Cancelled { order_id: order_id.into(), cancellation })
    }

    /// Cancels the still-waiting units of an open line; returns how many.
    fn drop_backorder(&mut self, now: Millis, order_id: &str, reason: CancelReason) -> u32 {
        let Some(seq) = self.lines.get(order_id).map(|line| line.seq) else { return 0 };
        let dropped = self.leave_queue(seq);
        if dropped > 0 {
            if let Some(line) = self.lines.get_mut(order_id) {
                line.cancelled_backorder += dropped;
            }
            self.changes.lines.insert(order_id.into());
            let event = Event::BackorderCancelled {
                order_id: order_id.into(),
                qty: dropped,
                refund_qty: dropped,
                reason,
            };
            self.emit(now, event);
            self.refund_due(now, order_id, dropped);
        }
        dropped
    }

    /// Announces that `qty` units of a line are to be refunded: within 7 working days.
    fn refund_due(&mut self, now: Millis, order_id: &str, qty: u32) {
        if qty > 0 {
            let due = self.policy.calendar.working_days_after(self.today(now), REFUND_WORKING_DAYS);
            self.emit(now, Event::RefundDue { order_id: order_id.into(), qty, due });
        }
    }

    fn receive(&mut self, now: Millis, qty: u32, purchase_order: Option<String>) -> Result<Outcome, Error> {
        if qty == 0 {
            return Err(Error::Invalid("qty must be at least 1"));
        }
        if u64::from(self.on_hand()) + u64::from(qty) > u64::from(u32::MAX) {
            return Err(Error::Invalid("stock on hand would exceed 4294967295 units"));
        }
        if let Some(id) = &purchase_order {
            let index = self.purchase_order_index(id).ok_or(Error::NotFound(Missing::PurchaseOrder))?;
            let po = &mut self.purchase_orders[index];
            po.qty -= qty.min(po.qty);
            if po.qty == 0 {
                self.purchase_orders.remove(index);
            }
            self.sync_supply();
            self.changes.purchase_orders.insert(id.clone());
        }
        self.stock.received += u64::from(qty);
        let allocations = self.restock(now, qty);
        Ok(Outcome::Received { allocations, on_hand: self.on_hand() })
    }

    fn set_purchase_order(&mut self, id: String, qty: u32, expected: Date) -> Result<Outcome, Error> {
        if qty == 0 {
            return Err(Error::Invalid("qty must be at least 1"));
        }
        if let Some(index) = self.purchase_order_index(&id) {
            self.purchase_orders.remove(index);
        }
        let po = PurchaseOrder { id: id.clone(), qty, expected };
        insert_in_order(&mut self.purchase_orders, po.clone());
        self.sync_supply();
        self.changes.purchase_orders.insert(id);
        Ok(Outcome::PurchaseOrderSet(po))
    }

    fn cancel_purchase_order(&mut self, id: &str) -> Result<Outcome, Error> {
        let index = self.purchase_order_index(id).ok_or(Error::NotFound(Missing::PurchaseOrder))?;
        let po = self.purchase_orders.remove(index);
        self.sync_supply();
        self.changes.purchase_orders.insert(id.into());
        Ok(Outcome::PurchaseOrderCancelled(po))
    }

    fn configure(&mut self, now: Millis, policy: Policy, on_hand: Option<u32>) -> Result<Outcome, Error> {
        policy.validate().map_err(Error::Invalid)?;
        let current = self.on_hand();
        let target = on_hand.unwrap_or(current);
        if current - target.min(current) > self.stock.free {
            return Err(Error::Invalid("on_hand cannot drop below the units held by reservations"));
        }
        let newly_discontinued = policy.discontinued && !self.policy.discontinued;
        self.policy = policy;
        self.changes.policy = true;
        self.changes.stock = true;
        self.dates_may_move = true;
        if newly_discontinued {
            self.withdraw_backorders(now);
        }
        let allocations = if target >= current {
            self.stock.adjusted += i64::from(target - current);
            self.restock(now, target - current)
        } else {
            self.stock.adjusted -= i64::from(current - target);
            self.stock.free -= current - target;
            Vec::new()
        };
        Ok(Outcome::Configured { on_hand: self.on_hand(), allocations })
    }

    /// Discontinuation: waiting units will never come, so lines lose them (to be refunded)
    /// and reservations waiting for them are withdrawn.
    fn withdraw_backorders(&mut self, now: Millis) {
        let owners: Vec<Owner> = self.queue.iter().map(|entry| entry.owner.clone()).collect();
        for owner in &owners {
            if let Owner::Order(order_id) = owner {
                self.drop_backorder(now, order_id, CancelReason::Discontinued);
            }
        }
        for owner in owners {
            // A prepared hold stays its order's: committed, its line's units are cancelled then.
            let prepared = |id: &String| self.holds.get(id).is_some_and(|hold| hold.prepared.is_some());
            match owner {
                Owner::Reservation(id) if !prepared(&id) => self.end_hold(&id, HoldState::Withdrawn, now),
                _ => {}
            }
        }
    }

    /// The date a line whose last units arrive now ships, for its `backorder_allocated` event.
    fn ship_date_when_complete(&self, now: Millis, outstanding: u32) -> Option<Date> {
        (outstanding == 0).then(|| self.policy.calendar.ship_date(self.today(now))).flatten()
    }

    /// Puts units into stock: waiting backorders first, oldest first; the rest becomes free.
    fn restock(&mut self, now: Millis, units: u32) -> Vec<Allocation> {
        let mut left = units;
        let mut allocations = Vec::new();
        while left > 0 {
            let Some(front) = self.queue.front_mut() else { break };
            let qty = left.min(front.outstanding);
            front.outstanding -= qty;
            left -= qty;
            let (owner, outstanding) = (front.owner.clone(), front.outstanding);
            if outstanding == 0 {
                self.queue.pop_front();
            }
            match &owner {
                Owner::Order(order_id) => {
                    self.changes.lines.insert(order_id.clone());
                    let order_id = order_id.clone();
                    let shipped = self.ship_date_when_complete(now, outstanding);
                    self.emit(now, Event::BackorderAllocated { order_id, qty, outstanding, shipped });
                }
                Owner::Reservation(id) => {
                    self.changes.holds.insert(id.clone());
                }
            }
            allocations.push(Allocation { owner, qty });
        }
        // Saturating: only billions of units could overflow, and a panic would be worse.
        self.stock.free = self.stock.free.saturating_add(left);
        self.changes.stock = true;
        self.dates_may_move = true;
        allocations
    }

    fn expire_due(&mut self, now: Millis) {
        while let Some((at, id)) = self.expiries.first().cloned() {
            if at > now {
                break;
            }
            self.end_hold(&id, HoldState::Expired, at);
        }
    }

    /// Applies the deadlines of delay notices that have passed: silence consents where the rule
    /// says it does, and otherwise the waiting units are cancelled.
    fn lapse_due(&mut self, now: Millis) {
        while let Some((deadline, order_id)) = self.deadlines.first().cloned() {
            if deadline > now {
                break;
            }
            self.deadlines.remove(&(deadline, order_id.clone()));
            // A line filled meanwhile (an expired hold's units came to it) has nothing to decide.
            let waiting = self.lines.get(&order_id).filter(|line| self.queue_index(line.seq).is_some());
            let Some(mut delay) = waiting.and_then(|line| line.delay).filter(Delay::pending) else {
                continue;
            };
            delay.answer = Some(match delay.silence_is_consent {
                true => DelayAnswer::Accepted { at: deadline, by_silence: true },
                false => DelayAnswer::Cancelled { at: deadline, by_silence: true },
            });
            self.decide(deadline, &order_id, delay);
        }
    }

    /// Sends, supersedes or withdraws delay notices for waiting lines whose projection moved
    /// past (or back within) their promise (see [`crate::delay`]).
    fn review_delays(&mut self, now: Millis) {
        if self.policy.delay_consent == DelayConsent::Off {
            return;
        }
        let offset = i64::from(self.policy.utc_offset_minutes) * 60_000;
        let end_of = |date: Date| (i64::from(date.days()) + 1) * 86_400_000 - offset;
        let waiting: Vec<(String, Option<Date>)> = self
            .queue
            .iter()
            .filter_map(|entry| match &entry.owner {
                Owner::Order(order_id) => Some((order_id.clone(), entry.projected)),
                Owner::Reservation(_) => None,
            })
            .collect();
        for (order_id, projected) in waiting {
            let Some(line) = self.lines.get(&order_id) else { continue };
            let current = line.delay;
            let next =
                match delay::review(current, line.original_promise(&self.policy), projected, now, end_of) {
                    Review::Unchanged => continue,
                    Review::Notice(notice) => Some(notice),
                    // Back on time: a first notice is withdrawn; a renewed one gives way to the
                    // consent it renewed (dated by the renewal, which is when it was last confirmed).
                    Review::Withdrawn => current.filter(|delay| delay.notice > 1).map(|delay| Delay {
                        notice: delay.notice - 1,
                        revised: Some(delay.promised),
                        answer: Some(DelayAnswer::Accepted { at: delay.noticed_at, by_silence: false }),
                        ..delay
                    }),
                };
            if let Some(pending) = current.filter(Delay::pending) {
                self.deadlines.remove(&(pending.deadline, order_id.clone()));
            }
            if let Some(line) = self.lines.get_mut(&order_id) {
                line.delay = next;
            }
            self.changes.lines.insert(order_id.clone());
            if let Some(notice) = next.filter(Delay::pending) {
                self.deadlines.insert((notice.deadline, order_id.clone()));
                self.emit(
                    now,
                    Event::DelayNotice {
                        order_id,
                        notice: notice.notice,
                        promised: notice.promised,
                        revised: notice.revised,
                        deadline: notice.deadline,
                        silence_is_consent: notice.silence_is_consent,
                    },
                );
            }
        }
    }

    /// When the next delay notice's deadline passes.
    pub fn next_deadline(&self) -> Option<Millis> {
        self.deadlines.first().map(|(at, _)| *at)
    }

    /// When time next changes something by itself (a hold expires, a notice's deadline
    /// passes), for the shell's alarm.
    pub fn next_alarm(&self) -> Option<Millis> {
        [self.next_expiry(), self.next_deadline()].into_iter().flatten().min()
    }

    /// After every command: refresh projections if they may have moved, review delay notices,
    /// announce threshold crossings, and let what is no longer open leave memory.
    fn settle(&mut self, now: Millis, free_before: u32) {
        let today = self.today(now);
        if self.dates_may_move || self.stock.projected_on != Some(today) {
            self.reproject(now, today);
            self.review_delays(now);
        }
        // A line that stopped waiting (filled, cancelled) has no decision left to make.
        let (lines, queue) = (&self.lines, &self.queue);
        let waits = |order_id: &String| {
            lines.get(order_id).is_some_and(|line| queue.binary_search_by_key(&line.seq, |e| e.seq).is_ok())
        };
        self.deadlines.retain(|(_, order_id)| waits(order_id));
        let threshold = self.policy.low_stock_threshold;
        if threshold > 0 && free_before > threshold && self.stock.free <= threshold {
            self.emit(now, Event::LowStock { available_now: self.stock.free, threshold });
        }
        let backordered: u64 = self
            .queue
            .iter()
            .filter(|entry| matches!(entry.owner, Owner::Order(_)))
            .map(|entry| u64::from(entry.outstanding))
            .sum();
        let inbound: u64 = self.purchase_orders.iter().map(|po| u64::from(po.qty)).sum();
        let shortfall = clamp_u32(backordered.saturating_sub(inbound));
        if shortfall != self.stock.reorder_reported {
            if shortfall > self.stock.reorder_reported {
                let (backordered, inbound) = (clamp_u32(backordered), clamp_u32(inbound));
                self.emit(now, Event::ReorderNeeded { shortfall, backordered, inbound });
            }
            self.stock.reorder_reported = shortfall;
            self.changes.stock = true;
        }
        self.evict_resolved_holds();
        self.evict_settled_lines();
    }

    /// Reservations that changed or visited and are no longer held leave memory; changed ones
    /// go to the shell to be stored as resolved.
    fn evict_resolved_holds(&mut self) {
        for id in core::mem::take(&mut self.changes.holds) {
            match self.holds.get(&id) {
                Some(hold) if hold.state == HoldState::Held => {
                    self.changes.holds.insert(id);
                }
                Some(_) => {
                    self.visiting_holds.retain(|visiting| *visiting != id);
                    if let Some(hold) = self.holds.remove(&id) {
                        self.changes.resolved_holds.push(hold);
                    }
                }
                None => {}
            }
        }
        // Visitors that nothing changed leave as they came: their stored record still holds.
        for id in core::mem::take(&mut self.visiting_holds) {
            self.holds.remove(&id);
        }
    }

    /// Lines that changed or visited and have nothing waiting leave memory; their units move
    /// to `stock.settled_units`, and changed ones go to the shell to be stored as settled.
    fn evict_settled_lines(&mut self) {
        let mut visiting = core::mem::take(&mut self.visiting_lines);
        for order_id in core::mem::take(&mut self.changes.lines) {
            let Some(line) = self.lines.get(&order_id) else { continue };
            if self.queue_index(line.seq).is_some() {
                self.changes.lines.insert(order_id);
                continue;
            }
            let counted = match visiting.iter().position(|(id, _)| *id == order_id) {
                Some(index) => visiting.swap_remove(index).1,
                None => 0,
            };
            if let Some(line) = self.evict_line(&order_id, counted) {
                self.changes.settled_lines.push(line);
            }
        }
        // Visitors that nothing changed leave as they came: their stored record still holds.
        for (order_id, counted) in visiting {
            self.evict_line(&order_id, counted);
        }
    }

    /// Takes a settled line out of memory; `counted` is what `settled_units` held for it.
    fn evict_line(&mut self, order_id: &str, counted: u64) -> Option<Line> {
        let line = self.lines.remove(order_id)?;
        let units = settled_units(&line);
        if units != counted {
            self.stock.settled_units = (self.stock.settled_units + units).saturating_sub(counted);
            self.changes.stock = true;
        }
        Some(line)
    }

    /// Recomputes every waiting entry's projected ship date; lines whose date moved get an
    /// `eta_changed` event.
    fn reproject(&mut self, now: Millis, today: Date) {
        self.dates_may_move = false;
        self.stock.projected_on = Some(today);
        self.changes.stock = true;
        let lead_time = self.policy.lead_time_days;
        let horizon = self.supply_horizon(today);
        let mut cursor = SupplyCursor { supply: &self.supply, index: 0, used: 0, today };
        let mut memo: Option<(Date, Option<Date>)> = None;
        let mut moved = Vec::new();
        for entry in self.queue.iter_mut() {
            // Beyond supply, units are due a lead time after they joined the queue; once that
            // day has passed they are late, expected any day from today.
            let beyond = beyond_supply(entry.since, lead_time, horizon).map(|due| due.max(today));
            let available = cursor.take(entry.outstanding).or(beyond);
            let projected = available.and_then(|date| match memo {
                Some((seen, ship)) if seen == date => ship,
                _ => {
                    let ship = self
                        .policy
                        .calendar
                        .ship_date(self.policy.release_date.map_or(date, |r| date.max(r)));
                    memo = Some((date, ship));
                    ship
                }
            });
            if projected != entry.projected {
                moved.push((entry.owner.clone(), entry.projected, projected));
                entry.projected = projected;
            }
        }
        for (owner, previous, projected) in moved {
            match owner {
                Owner::Reservation(id) => {
                    self.changes.holds.insert(id);
                }
                Owner::Order(order_id) => {
                    let promised = self.lines.get(&order_id).and_then(|line| line.quote.backorder_ship_date);
                    self.changes.lines.insert(order_id.clone());
                    self.emit(now, Event::EtaChanged { order_id, promised, previous, projected });
                }
            }
        }
    }

    fn supply_horizon(&self, today: Date) -> Option<Date> {
        self.supply.last().map(|lot| lot.date.max(today))
    }

    fn sync_supply(&mut self) {
        self.supply = self.purchase_orders.iter().map(|po| Lot { date: po.expected, qty: po.qty }).collect();
        self.dates_may_move = true;
    }

    fn emit(&mut self, at: Millis, event: Event) {
        self.stock.next_event_seq += 1;
        self.changes.stock = true;
        self.events.push(EventRecord { seq: self.stock.next_event_seq, at, event });
    }

    fn queue_index(&self, seq: u64) -> Option<usize> {
        self.queue.binary_search_by_key(&seq, |entry| entry.seq).ok()
    }

    fn waiting(&self, seq: u64) -> Option<Waiting> {
        self.queue_index(seq).map(|i| {
            let entry = &self.queue[i];
            Waiting { outstanding: entry.outstanding, projected: entry.projected, since: entry.since }
        })
    }

    fn outstanding(&self, seq: u64) -> u32 {
        self.waiting(seq).map_or(0, |waiting| waiting.outstanding)
    }

    /// Removes an entry from the queue, returning its outstanding units.
    fn leave_queue(&mut self, seq: u64) -> u32 {
        match self.queue_index(seq).and_then(|i| self.queue.remove(i)) {
            Some(entry) => {
                self.dates_may_move = true;
                entry.outstanding
            }
            None => 0,
        }
    }

    fn purchase_order_index(&self, id: &str) -> Option<usize> {
        self.purchase_orders.iter().position(|po| po.id == id)
    }

    /// Checks every invariant; the simulation calls it after each step and `restore` before
    /// accepting persisted state.
    pub fn check_invariants(&self) -> Result<(), &'static str> {
        if self.stock.free > 0 && !self.queue.is_empty() {
            return Err("units are free while backorders wait");
        }
        let mut previous_seq = None;
        for entry in &self.queue {
            if entry.outstanding == 0 {
                return Err("a queue entry waits for zero units");
            }
            if previous_seq.is_some_and(|seq| seq >= entry.seq) {
                return Err("the queue is out of order");
            }
            previous_seq = Some(entry.seq);
            let (seq, backorder) = match &entry.owner {
                Owner::Reservation(id) => match self.holds.get(id) {
                    Some(hold) if hold.state == HoldState::Held => (hold.seq, hold.quote.backorder),
                    _ => return Err("a queue entry belongs to no held reservation"),
                },
                Owner::Order(order_id) => match self.lines.get(order_id) {
                    Some(line) if line.cancellation.is_none() => {
                        (line.seq, line.quote.backorder - line.cancelled_backorder.min(line.quote.backorder))
                    }
                    _ => return Err("a queue entry belongs to no open order line"),
                },
            };
            if seq != entry.seq || entry.outstanding > backorder {
                return Err("a queue entry disagrees with its owner");
            }
        }
        let held: Vec<&Hold> = self.holds.values().filter(|hold| hold.state == HoldState::Held).collect();
        if self
            .holds
            .values()
            .any(|hold| hold.state != HoldState::Held && !self.visiting_holds.contains(&hold.id))
        {
            return Err("a resolved reservation stayed in memory");
        }
        let expiring: Vec<&&Hold> = held.iter().filter(|hold| hold.prepared.is_none()).collect();
        if expiring.len() != self.expiries.len()
            || expiring.iter().any(|h| !self.expiries.contains(&(h.expires_at, h.id.clone())))
        {
            return Err("the expiry index disagrees with held reservations");
        }
        let pending: BTreeSet<(Millis, String)> = self
            .lines
            .values()
            .filter(|line| self.queue_index(line.seq).is_some())
            .filter_map(|line| line.delay.filter(Delay::pending).map(|d| (d.deadline, line.order_id.clone())))
            .collect();
        if pending != self.deadlines {
            return Err("the deadline index disagrees with pending delay notices");
        }
        let in_step = self.supply.len() == self.purchase_orders.len()
            && self
                .supply
                .iter()
                .zip(&self.purchase_orders)
                .all(|(lot, po)| (lot.date, lot.qty) == (po.expected, po.qty));
        if !in_step {
            return Err("supply lots disagree with purchase orders");
        }
        if self.purchase_orders.iter().any(|po| po.qty == 0)
            || self.purchase_orders.windows(2).any(|w| (w[0].expected, &w[0].id) >= (w[1].expected, &w[1].id))
        {
            return Err("purchase orders are empty or out of order");
        }
        let mut accounted = i128::from(self.stock.free);
        for hold in &held {
            accounted += i128::from(hold.quote.qty) - i128::from(self.outstanding(hold.seq));
        }
        accounted += i128::from(self.stock.settled_units);
        for line in self.lines.values() {
            if let Some(&(_, counted)) = self.visiting_lines.iter().find(|(id, _)| *id == line.order_id) {
                if self.queue_index(line.seq).is_some() {
                    return Err("a settled line owns a queue entry");
                }
                // Counted in `settled_units` as it was stored, until it leaves memory again.
                accounted += i128::from(settled_units(line)) - i128::from(counted);
                continue;
            }
            // Every other line in memory waits, so none is cancelled.
            if self.queue_index(line.seq).is_none() {
                return Err("a settled line stayed in memory");
            }
            let waiting = self.outstanding(line.seq);
            let filled = line.quote.backorder.checked_sub(waiting + line.cancelled_backorder);
            accounted += i128::from(line.quote.now)
                + i128::from(filled.ok_or("a line waits for more than it ordered")?);
        }
        if accounted != i128::from(self.stock.received) + i128::from(self.stock.adjusted) {
            return Err("units were created or lost");
        }
        Ok(())
    }
}

impl Entry {
    fn new(seq: u64, owner: Owner, waiting: Waiting) -> Entry {
        Entry {
            seq,
            owner,
            outstanding: waiting.outstanding,
            projected: waiting.projected,
            since: waiting.since,
        }
    }
}

/// Walks supply lots in order, handing out their units.
struct SupplyCursor<'a> {
    supply: &'a [Lot],
    index: usize,
    used: u32,
    today: Date,
}

impl SupplyCursor<'_> {
    /// Takes `units`; the date the last of them arrives, or `None` if supply runs out.
    fn take(&mut self, units: u32) -> Option<Date> {
        let mut needed = units;
        loop {
            let lot = self.supply.get(self.index)?;
            let left = lot.qty - self.used;
            if left >= needed {
                self.used += needed;
                return Some(lot.date.max(self.today));
            }
            needed -= left;
            self.index += 1;
            self.used = 0;
        }
    }
}

/// What a stored line must say of itself before its numbers are used: it cannot have
/// cancelled more backordered units than it had.
fn check_stored_line(line: &Line) -> Result<(), &'static str> {
    if line.cancelled_backorder > line.quote.backorder {
        return Err("a line cancelled more backordered units than it had");
    }
    Ok(())
}

/// The units a settled line keeps out of stock: all it took, less what a cancellation gave back.
fn settled_units(line: &Line) -> u64 {
    match line.cancellation {
        Some(_) => 0,
        None => u64::from(line.quote.now) + u64::from(line.quote.backorder - line.cancelled_backorder),
    }
}

fn clamp_u32(value: u64) -> u32 {
    value.min(u64::from(u32::MAX)) as u32
}

/// Inserts `po` where it keeps `purchase_orders` sorted by expected date, then id.
fn insert_in_order(purchase_orders: &mut Vec<PurchaseOrder>, po: PurchaseOrder) {
    let at = purchase_orders.partition_point(|other| (other.expected, &other.id) < (po.expected, &po.id));
    purchase_orders.insert(at, po);
}
