//! Drives one SKU's real [`Ledger`] through the simulated days with the commands the edge
//! sends, then replays the same demand and supply on a second ledger for the static policy.
//!
//! Time is an input, as it is to the core: every command carries the simulated `now`, and
//! the ledger is advanced wherever the edge would advance it — on each request (the
//! merchant's morning and evening reviews are requests too) and at [`Ledger::next_alarm`].

use std::collections::BTreeMap;

use backorder_core::{
    CancelReason, CancelScope, Command, Date, DelayConsent, Error, Event, Hold, Ledger, Line, Millis,
    Outcome, Ship,
};
use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::weighted::WeightedIndex;
use rand_distr::{Distribution, Poisson};

use crate::record::{at_hour, day_of, PromiseRule, SkuRecord, HOUR, MINUTE};
use crate::store::{Scenario, Shoppers, Sku, Store};

/// The ledger as the edge's Durable Object keeps it: records that leave memory are stored and
/// brought back for a command that names them, and every event goes to the feed (here, the
/// [`SkuRecord`]).
struct Edge {
    ledger: Ledger,
    resolved_holds: BTreeMap<String, Hold>,
    settled_lines: BTreeMap<String, Line>,
    record: SkuRecord,
    /// Delay notices sent since the driver last looked, for the customers to answer.
    new_notices: Vec<NoticeSent>,
    /// The demand and supply inputs, for the static policy's replay.
    tape: Vec<Step>,
}

/// A delay notice as the customer receives it.
struct NoticeSent {
    at: Millis,
    order_id: String,
    notice: u32,
    deadline: Millis,
    silence_is_consent: bool,
}

/// One input of the demand and supply streams, at its instant.
#[derive(Clone, Debug)]
struct Step {
    at: Millis,
    input: Input,
}

#[derive(Clone, Debug)]
enum Input {
    Command(Command),
    /// A request that only reads (the merchant's review): the ledger is advanced to it.
    Read,
}

impl Edge {
    fn new(sku: &str, rule: PromiseRule) -> Edge {
        Edge {
            ledger: Ledger::default(),
            resolved_holds: BTreeMap::new(),
            settled_lines: BTreeMap::new(),
            record: SkuRecord::new(sku, rule),
            new_notices: Vec::new(),
            tape: Vec::new(),
        }
    }

    fn apply(&mut self, at: Millis, command: Command) -> Result<Outcome, Error> {
        self.fire_alarms(at);
        if !matches!(command, Command::AnswerDelay { .. }) {
            self.tape.push(Step { at, input: Input::Command(command.clone()) });
        }
        self.bring_back(&command);
        match &command {
            Command::Configure { on_hand: Some(on_hand), .. } if self.record.units.initial == 0 => {
                self.record.units.initial = u64::from(*on_hand);
            }
            Command::Receive { qty, .. } => self.record.units.received += u64::from(*qty),
            _ => {}
        }
        let outcome = self.ledger.apply(at, command);
        match &outcome {
            Ok(Outcome::Confirmed(line)) => self.record.units.shipped_now += u64::from(line.quote.now),
            Err(Error::Refused(_)) => self.record.refused += 1,
            _ => {}
        }
        self.settle();
        outcome
    }

    fn read(&mut self, at: Millis) {
        self.fire_alarms(at);
        self.tape.push(Step { at, input: Input::Read });
        self.ledger.advance(at);
        self.settle();
    }

    /// Lets the ledger's own alarms (hold expiries, notice deadlines) go off up to `until`.
    fn fire_alarms(&mut self, until: Millis) {
        while let Some(alarm) = self.ledger.next_alarm().filter(|&alarm| alarm <= until) {
            self.ledger.advance(alarm);
            self.settle();
            if self.ledger.next_alarm() == Some(alarm) {
                self.record.core_faults.push(format!("the alarm at {alarm} did not clear"));
                break;
            }
        }
    }

    /// What a shell does before a command that names a record out of memory.
    fn bring_back(&mut self, command: &Command) {
        if let Some(hold) = command.reservation_id().and_then(|id| self.resolved_holds.get(id)) {
            if self.ledger.hold_view(&hold.id).is_none() {
                let _ = self.ledger.visit_hold(hold.clone());
            }
        }
        if let Some(line) = command.order_id().and_then(|id| self.settled_lines.get(id)) {
            if self.ledger.line_view(&line.order_id).is_none() {
                let _ = self.ledger.visit_line(line.clone());
            }
        }
    }

    /// What a shell does after every step: check, publish the events, store what left memory.
    fn settle(&mut self) {
        if let Err(fault) = self.ledger.check_invariants() {
            self.record.core_faults.push(fault.into());
        }
        for event in self.ledger.take_events() {
            match &event.event {
                Event::DelayNotice { order_id, notice, deadline, silence_is_consent, .. } => {
                    self.new_notices.push(NoticeSent {
                        at: event.at,
                        order_id: order_id.clone(),
                        notice: *notice,
                        deadline: *deadline,
                        silence_is_consent: *silence_is_consent,
                    });
                }
                // The customer dropped out: part of the demand stream, so the static policy's
                // replay loses the same customer at the same instant.
                Event::BackorderCancelled {
                    order_id,
                    reason: CancelReason::Customer | CancelReason::NoConsent,
                    ..
                } => {
                    let cancel =
                        Command::Cancel { order_id: order_id.clone(), scope: CancelScope::Backorder };
                    self.tape.push(Step { at: event.at, input: Input::Command(cancel) });
                }
                _ => {}
            }
            self.record.observe(&event);
        }
        let changes = self.ledger.take_changes();
        for hold in changes.resolved_holds {
            self.resolved_holds.insert(hold.id.clone(), hold);
        }
        for line in changes.settled_lines {
            self.settled_lines.insert(line.order_id.clone(), line);
        }
    }

    /// Runs the clock to `end` and takes the final counts.
    fn finish(mut self, end: Millis) -> SkuRecord {
        self.fire_alarms(end);
        let stock = self.ledger.stock();
        let units = &mut self.record.units;
        units.on_hand_at_end = u64::from(self.ledger.on_hand());
        units.ledger_received = stock.received;
        units.ledger_adjusted = stock.adjusted;
        self.record
    }
}

/// The independent random streams of one SKU, so that changing one (say, the suppliers'
/// mishaps) leaves the others (the shoppers) exactly as they were.
struct Streams {
    demand: ChaCha8Rng,
    lead_times: ChaCha8Rng,
    mishaps: ChaCha8Rng,
    answers: ChaCha8Rng,
}

impl Streams {
    fn new(seed: u64, sku_index: usize) -> Streams {
        let stream = |purpose: u64| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(sku_index as u64 * 4 + purpose);
            rng
        };
        Streams { demand: stream(0), lead_times: stream(1), mishaps: stream(2), answers: stream(3) }
    }
}

/// What happens, in time order.
enum Action {
    Shopper {
        qty: u32,
        abandons: bool,
    },
    /// 08:00: the merchant reads the SKU, enters the suppliers' news, maybe discontinues it.
    Morning,
    /// 09:00: the day's deliveries are received.
    Deliveries,
    /// 23:00: the merchant reads the SKU and applies the reorder rule.
    Review,
    Answer {
        order_id: String,
        accept: bool,
    },
}

/// Actions by instant; ties keep the order they were added in.
#[derive(Default)]
struct Agenda {
    actions: BTreeMap<(Millis, u64), Action>,
    added: u64,
}

impl Agenda {
    fn push(&mut self, at: Millis, action: Action) {
        self.added += 1;
        self.actions.insert((at, self.added), action);
    }

    fn pop(&mut self) -> Option<(Millis, Action)> {
        self.actions.pop_first().map(|((at, _), action)| (at, action))
    }
}

/// A purchase order as the supplier will really fill it.
struct SupplierOrder {
    /// Units the supplier will deliver.
    delivers: u32,
    /// The delivery day; `None` once cancelled.
    arrives: Option<Date>,
    /// The mishap, announced on the day given.
    news: Option<(Date, News)>,
}

enum News {
    Slipped { to: Date },
    Shrunk { to: u32 },
    Cancelled,
}

/// Runs one SKU under Backorder Edge's promises in `scenario`; the returned tape is its
/// demand and supply, to replay for the static policy.
fn run_backorder_edge(
    store: &Store,
    sku_index: usize,
    seed: u64,
    scenario: Scenario,
) -> (SkuRecord, Vec<Step>) {
    let sku = &store.skus[sku_index];
    let mut streams = Streams::new(seed, sku_index);
    let mut edge = Edge::new(&sku.sku, PromiseRule::Core);
    let start = at_hour(store.start, 0);
    let configured =
        edge.apply(start, Command::Configure { policy: store.policy(sku), on_hand: Some(sku.on_hand) });
    if let Err(error) = configured {
        edge.record.core_faults.push(format!("the store's policy was refused: {error:?}"));
    }
    let mut agenda = Agenda::default();
    for day in 0..store.days {
        let date = store.start.add_days(day);
        agenda.push(at_hour(date, 8), Action::Morning);
        agenda.push(at_hour(date, 9), Action::Deliveries);
        agenda.push(at_hour(date, 23), Action::Review);
    }
    for (at, action) in shoppers(store, sku, &mut streams.demand) {
        agenda.push(at, action);
    }
    let mut book: BTreeMap<String, SupplierOrder> = BTreeMap::new();
    let mut answered: Vec<(String, u32)> = Vec::new();
    let (mut next_order, mut next_po) = (0u32, 0u32);
    while let Some((at, action)) = agenda.pop() {
        let today = day_of(at);
        match action {
            Action::Shopper { qty, abandons } => {
                next_order += 1;
                let id = format!("res-{}-{next_order}", sku.sku);
                let reserve = Command::Reserve { id: id.clone(), qty, ship: Ship::Partial, client: None };
                if edge.apply(at, reserve).is_ok() && !abandons {
                    let order_id = format!("{}-{next_order}", sku.sku);
                    let confirm = Command::Confirm { order_id, qty, ship: None, reservation: Some(id) };
                    let _ = edge.apply(at + MINUTE, confirm);
                }
            }
            Action::Morning => {
                edge.read(at);
                for (id, order) in book.iter_mut().filter(|(_, order)| order.arrives.is_some()) {
                    let Some((day, news)) = &order.news else { continue };
                    if *day != today {
                        continue;
                    }
                    let expected =
                        edge.ledger.purchase_orders().iter().find(|po| po.id == *id).map(|po| po.expected);
                    let command = match (news, expected) {
                        (News::Slipped { to }, Some(_)) => {
                            Command::SetPurchaseOrder { id: id.clone(), qty: order.delivers, expected: *to }
                        }
                        (News::Shrunk { to }, Some(expected)) => {
                            Command::SetPurchaseOrder { id: id.clone(), qty: *to, expected }
                        }
                        (News::Cancelled, _) => {
                            order.arrives = None;
                            Command::CancelPurchaseOrder { id: id.clone() }
                        }
                        (_, None) => continue,
                    };
                    let _ = edge.apply(at, command);
                }
                if sku.discontinued_on == Some(today) {
                    discontinue(&mut edge, &mut book, at);
                }
            }
            Action::Deliveries => {
                for (id, order) in book.iter_mut().filter(|(_, order)| order.arrives == Some(today)) {
                    order.arrives = None;
                    let receive = Command::Receive { qty: order.delivers, purchase_order: Some(id.clone()) };
                    let _ = edge.apply(at, receive);
                }
            }
            Action::Review => {
                edge.read(at);
                let position = inventory_position(&edge.ledger);
                if !edge.ledger.policy().discontinued && position <= sku.reorder_point {
                    next_po += 1;
                    let id = format!("{}-po{next_po}", sku.sku);
                    let qty = (sku.order_up_to - position).max(1) as u32;
                    let lead = streams.lead_times.random_range(sku.supplier_lead_days.clone());
                    let expected = today.add_days(lead);
                    let placed = edge.apply(at, Command::SetPurchaseOrder { id: id.clone(), qty, expected });
                    if placed.is_ok() {
                        book.insert(id, fill(&mut streams.mishaps, scenario, today, expected, qty));
                    }
                }
            }
            Action::Answer { order_id, accept } => {
                // Answered after the line was filled or the notice withdrawn: the core says
                // no decision is pending, and nothing changes.
                let _ = edge.apply(at, Command::AnswerDelay { order_id, accept });
            }
        }
        for notice in std::mem::take(&mut edge.new_notices) {
            let key = (notice.order_id.clone(), notice.notice);
            if answered.contains(&key) {
                continue; // a superseding notice: the customer already made up their mind
            }
            answered.push(key);
            if let Some((at, accept)) = answer(&store.shoppers, &notice, &mut streams.answers) {
                agenda.push(at, Action::Answer { order_id: notice.order_id, accept });
            }
        }
    }
    let tape = std::mem::take(&mut edge.tape);
    (edge.finish(at_hour(store.end(), 0)), tape)
}

/// The same demand and supply under the static policy: delay notices off (it sends none),
/// and each line judged against its order date plus the printed lead time. The customers who
/// cancelled under Backorder Edge cancel here too, through the merchant, at the same instant:
/// both ledgers then receive and allocate every unit alike, and only the promises differ.
fn run_static_policy(store: &Store, sku: &Sku, tape: Vec<Step>) -> SkuRecord {
    let mut edge = Edge::new(&sku.sku, PromiseRule::Static { days: store.static_lead_days });
    for Step { at, input } in tape {
        match input {
            Input::Command(Command::Configure { mut policy, on_hand }) => {
                policy.delay_consent = DelayConsent::Off;
                let _ = edge.apply(at, Command::Configure { policy, on_hand });
            }
            Input::Command(command) => {
                let _ = edge.apply(at, command);
            }
            Input::Read => edge.read(at),
        }
    }
    edge.finish(at_hour(store.end(), 0))
}

/// One SKU in one scenario, under both policies.
pub(crate) fn run_sku(
    store: &Store,
    sku_index: usize,
    seed: u64,
    scenario: Scenario,
) -> (SkuRecord, SkuRecord) {
    let (backorder_edge, tape) = run_backorder_edge(store, sku_index, seed, scenario);
    (backorder_edge, run_static_policy(store, &store.skus[sku_index], tape))
}

/// The shoppers of every day: Poisson arrivals between 08:00 and 22:00, one to three units.
fn shoppers(store: &Store, sku: &Sku, rng: &mut ChaCha8Rng) -> Vec<(Millis, Action)> {
    let quantities = WeightedIndex::new([75, 18, 7]).expect("constant positive weights");
    let mut arrivals = Vec::new();
    for day in 0..store.days {
        let date = store.start.add_days(day);
        let rate = sku.orders_per_day * store.demand_factor(date, &sku.sku);
        let count = Poisson::new(rate).map_or(0, |poisson| poisson.sample(rng) as u32);
        for _ in 0..count {
            let at = at_hour(date, 8) + rng.random_range(0..14 * HOUR);
            let qty = quantities.sample(rng) as u32 + 1;
            let abandons = rng.random_bool(store.shoppers.abandon);
            arrivals.push((at, Action::Shopper { qty, abandons }));
        }
    }
    arrivals
}

/// How the supplier will fill a purchase order placed on `placed` for `expected`.
fn fill(rng: &mut ChaCha8Rng, scenario: Scenario, placed: Date, expected: Date, qty: u32) -> SupplierOrder {
    let roll: f64 = rng.random();
    let announced = placed.add_days(rng.random_range(1..=(expected.days() - placed.days()).max(1) as u32));
    let on_time = SupplierOrder { delivers: qty, arrives: Some(expected), news: None };
    if roll < scenario.late {
        let extra =
            Poisson::new(scenario.mean_days_late - 1.0).map_or(0, |poisson| poisson.sample(rng) as u32);
        let to = expected.add_days(1 + extra);
        SupplierOrder { arrives: Some(to), news: Some((announced, News::Slipped { to })), ..on_time }
    } else if roll < scenario.late + scenario.shrunk {
        let to = ((f64::from(qty) * rng.random_range(0.4..0.9)) as u32).max(1);
        SupplierOrder { delivers: to, news: Some((announced, News::Shrunk { to })), ..on_time }
    } else if roll < scenario.late + scenario.shrunk + scenario.cancelled {
        SupplierOrder { news: Some((announced, News::Cancelled)), ..on_time }
    } else {
        on_time
    }
}

/// The merchant discontinues the SKU — the core cancels its waiting backorders, to be
/// refunded — then cancels the supplier's open orders. In that order: cancelling supply first
/// would send delay notices to lines about to be cancelled anyway.
fn discontinue(edge: &mut Edge, book: &mut BTreeMap<String, SupplierOrder>, at: Millis) {
    let policy = backorder_core::Policy { discontinued: true, ..edge.ledger.policy().clone() };
    let _ = edge.apply(at, Command::Configure { policy, on_hand: None });
    for (id, order) in book.iter_mut().filter(|(_, order)| order.arrives.is_some()) {
        order.arrives = None;
        let _ = edge.apply(at, Command::CancelPurchaseOrder { id: id.clone() });
    }
}

/// Stock on hand plus inbound purchase orders less backordered units still waiting.
fn inventory_position(ledger: &Ledger) -> i64 {
    let inbound: i64 = ledger.purchase_orders().iter().map(|po| i64::from(po.qty)).sum();
    let waiting: i64 = ledger.queue().map(|item| i64::from(item.outstanding)).sum();
    i64::from(ledger.on_hand()) + inbound - waiting
}

/// The customer's answer to a notice, and when, if they answer before its deadline.
fn answer(habits: &Shoppers, notice: &NoticeSent, rng: &mut impl Rng) -> Option<(Millis, bool)> {
    let (accept, cancel) = match notice.silence_is_consent {
        true => habits.answers_when_silence_consents,
        false => habits.answers_when_consent_needed,
    };
    let roll: f64 = rng.random();
    let after = rng.random_range(10 * MINUTE..=48 * HOUR);
    let accepts = match roll {
        roll if roll < accept => true,
        roll if roll < accept + cancel => false,
        _ => return None,
    };
    let at = notice.at + after;
    (at < notice.deadline).then_some((at, accepts))
}
