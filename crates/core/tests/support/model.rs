//! A deliberately simple reference model of one SKU, and a harness that runs the real ledger
//! beside it, checking every reply and every invariant after every step.
//!
//! The model keeps no queue: it derives it from holds and lines each time. It dates
//! backorders unit by unit — every scheduled unit in a list, every waiting unit in another,
//! zipped — where the ledger walks lots with a cursor. Where the two disagree, one is wrong.

use std::collections::BTreeMap;

use backorder_core::replies::{self, MemoryReplies, ReplyStore};
use backorder_core::*;

use super::Stored;

/// One step of a generated scenario. Indexes pick among what exists, modulo its count.
#[derive(Clone, Debug)]
pub enum Op {
    /// `client`: the shopper's address, counted by the limiter (`None`: not limited).
    Reserve {
        qty: u32,
        complete: bool,
        client: Option<u8>,
    },
    /// Many one-unit reservations from one client at once: crosses the limit.
    Burst {
        client: u8,
        count: u32,
    },
    ConfirmHold {
        pick: usize,
    },
    OrderDirect {
        qty: u32,
    },
    Release {
        pick: usize,
    },
    Cancel {
        pick: usize,
        whole: bool,
    },
    Receive {
        qty: u32,
        against: Option<usize>,
    },
    SetPurchaseOrder {
        slot: u8,
        qty: u32,
        in_days: u32,
    },
    CancelPurchaseOrder {
        slot: u8,
    },
    Wait {
        minutes: u32,
    },
    Change(PolicyChange),
    Replay {
        pick: usize,
    },
    /// The first phase of an order line: a fresh hold, or the picked reservation pinned.
    Prepare {
        qty: u32,
        pin: Option<usize>,
    },
    /// Commits or aborts a prepared hold.
    Finish {
        pick: usize,
        commit: bool,
    },
    /// The customer answers a line's delay notice.
    AnswerDelay {
        pick: usize,
        accept: bool,
    },
}

#[derive(Clone, Debug)]
pub enum PolicyChange {
    Backorders(Backorders),
    Limit(Option<u32>),
    LimitToInbound(bool),
    LeadTime(Option<u32>),
    ReleaseInDays(Option<u32>),
    OnHand(u32),
    Discontinue,
    DelayConsent(DelayConsent),
}

#[derive(Clone, Debug, PartialEq)]
enum State {
    Held,
    Confirmed,
    Ended,
}

#[derive(Clone, Debug)]
struct ModelHold {
    seq: u64,
    qty: u32,
    ship: Ship,
    outstanding: u32,
    state: State,
    expires_at: Millis,
    resolved_at: Option<Millis>,
    since: Date,
    /// The order preparing it, and whether the order made it (else it is a shopper's).
    prepared: Option<(String, bool)>,
}

#[derive(Clone, Debug)]
struct ModelLine {
    seq: u64,
    now: u32,
    backorder: u32,
    outstanding: u32,
    cancelled_backorder: u32,
    cancelled: bool,
    /// The answer to the first backorder-only cancel, for repeats.
    backorder_cancellation: Option<Cancellation>,
    since: Date,
    /// The quote's ship date for the backorder, or 30 days after the order.
    original_promise: Date,
    delay: Option<Delay>,
}

#[derive(Clone, Debug, Default)]
struct Model {
    /// Each client's counted reservation attempts, every one ever made.
    attempts: BTreeMap<u8, Vec<Millis>>,
    policy: Policy,
    free: u32,
    holds: BTreeMap<String, ModelHold>,
    lines: BTreeMap<String, ModelLine>,
    purchase_orders: BTreeMap<String, (u32, Date)>,
    next_seq: u64,
}

impl Model {
    /// Waiting entries, oldest first: (seq, owner, outstanding).
    fn queue(&self) -> Vec<(u64, Owner, u32)> {
        self.entries().into_iter().map(|(seq, owner, outstanding, _)| (seq, owner, outstanding)).collect()
    }

    /// Waiting entries, oldest first: (seq, owner, outstanding, day they joined).
    fn entries(&self) -> Vec<(u64, Owner, u32, Date)> {
        let holds = self.holds.iter().filter(|(_, h)| h.state == State::Held && h.outstanding > 0);
        let lines = self.lines.iter().filter(|(_, l)| !l.cancelled && l.outstanding > 0);
        let mut queue: Vec<(u64, Owner, u32, Date)> = holds
            .map(|(id, h)| (h.seq, Owner::Reservation(id.clone()), h.outstanding, h.since))
            .chain(lines.map(|(id, l)| (l.seq, Owner::Order(id.clone()), l.outstanding, l.since)))
            .collect();
        queue.sort_by_key(|entry| entry.0);
        queue
    }

    /// Every scheduled unit's arrival date, in order.
    fn supply_units(&self, today: Date) -> Vec<Date> {
        let mut orders: Vec<(&String, &(u32, Date))> = self.purchase_orders.iter().collect();
        orders.sort_by_key(|(id, (_, expected))| (*expected, (*id).clone()));
        orders
            .iter()
            .flat_map(|(_, (qty, expected))| std::iter::repeat_n((*expected).max(today), *qty as usize))
            .collect()
    }

    /// When units that joined the queue on `since` arrive if no purchase order covers them:
    /// the lead time after `since`, never before the last purchase order, and not in the past.
    fn beyond(&self, since: Date, today: Date) -> Option<Date> {
        let last = self.purchase_orders.values().map(|(_, expected)| (*expected).max(today)).max();
        self.policy.lead_time_days.map(|days| {
            let by_lead = since.add_days(days);
            last.map_or(by_lead, |last| by_lead.max(last)).max(today)
        })
    }

    fn ship_from(&self, available: Date) -> Option<Date> {
        let available = self.policy.release_date.map_or(available, |release| available.max(release));
        self.policy.calendar.ship_date(available)
    }

    /// Projected ship date of every waiting entry, by seq.
    fn projections(&self, today: Date) -> BTreeMap<u64, Option<Date>> {
        let supply = self.supply_units(today);
        let mut unit = 0usize;
        let mut dates = BTreeMap::new();
        for (seq, _, outstanding, since) in self.entries() {
            unit += outstanding as usize;
            let available = supply.get(unit - 1).copied().or(self.beyond(since, today));
            dates.insert(seq, available.and_then(|date| self.ship_from(date)));
        }
        dates
    }

    fn quote(&self, qty: u32, ship: Ship, today: Date) -> Result<Quote, Refusal> {
        if qty == 0 {
            return Err(Refusal::ZeroQuantity);
        }
        let now = qty.min(self.free);
        let backorder = qty - now;
        let waiting: u32 = self.queue().iter().map(|entry| entry.2).sum();
        let supply = self.supply_units(today);
        let unpromised = supply.len().saturating_sub(waiting as usize) as u32;
        if backorder > 0 {
            if self.policy.discontinued {
                return Err(Refusal::Discontinued);
            }
            let mut remaining = self.policy.backorder_limit.map(|limit| limit.saturating_sub(waiting));
            if self.policy.limit_to_inbound {
                remaining = Some(remaining.map_or(unpromised, |r| r.min(unpromised)));
            }
            let allowed = self.policy.backorders == Backorders::Allow;
            if !allowed || remaining.is_some_and(|r| backorder > r) {
                let backorder_remaining = if allowed { remaining } else { Some(0) };
                return Err(Refusal::InsufficientStock { available_now: self.free, backorder_remaining });
            }
        }
        let mut ship_date = if now > 0 { self.ship_from(today) } else { None };
        let backorder_ship_date = if backorder > 0 {
            let last_unit = waiting as usize + backorder as usize - 1;
            supply.get(last_unit).copied().or(self.beyond(today, today)).and_then(|date| self.ship_from(date))
        } else {
            None
        };
        if ship == Ship::Complete && now > 0 && backorder > 0 {
            ship_date = backorder_ship_date;
        }
        Ok(Quote { qty, now, backorder, ship_date, backorder_ship_date })
    }

    /// Units into stock: the queue first, in order; the rest is free.
    fn restock(&mut self, units: u32) -> Vec<Allocation> {
        let mut left = units;
        let mut allocations = Vec::new();
        for (_, owner, outstanding) in self.queue() {
            if left == 0 {
                break;
            }
            let qty = left.min(outstanding);
            left -= qty;
            match &owner {
                Owner::Reservation(id) => self.holds.get_mut(id).unwrap().outstanding -= qty,
                Owner::Order(id) => self.lines.get_mut(id).unwrap().outstanding -= qty,
            }
            allocations.push(Allocation { owner, qty });
        }
        self.free += left;
        allocations
    }

    fn take(&mut self, quote: &Quote) -> u64 {
        self.free -= quote.now;
        self.next_seq += 1;
        self.next_seq
    }

    fn end_hold(&mut self, id: &str, at: Millis) {
        let hold = self.holds.get_mut(id).unwrap();
        if hold.state != State::Held {
            return;
        }
        hold.state = State::Ended;
        hold.resolved_at = Some(at);
        let back = hold.qty - hold.outstanding;
        hold.outstanding = 0;
        self.restock(back);
    }

    /// Delay notices as 16 CFR 435 has them, for every waiting line (see the core's `delay`).
    fn review_delays(&mut self, now: Millis, today: Date) {
        if self.policy.delay_consent == DelayConsent::Off {
            return;
        }
        let projections = self.projections(today);
        let offset = i64::from(self.policy.utc_offset_minutes) * 60_000;
        let end_of = |date: Date| (i64::from(date.days()) + 1) * 86_400_000 - offset;
        for line in self.lines.values_mut().filter(|line| !line.cancelled && line.outstanding > 0) {
            let projected = projections[&line.seq];
            let late = |promise: Date| projected.is_none_or(|date| date > promise);
            let original = line.original_promise;
            let silent_ok = |revised: Option<Date>| revised.is_some_and(|date| date <= original.add_days(30));
            let answer_by = |promise: Date| end_of(promise).max(now + 3 * 86_400_000);
            line.delay = match line.delay {
                None if late(original) => Some(Delay {
                    notice: 1,
                    promised: original,
                    revised: projected,
                    noticed_at: now,
                    deadline: answer_by(original),
                    silence_is_consent: silent_ok(projected),
                    answer: None,
                }),
                Some(delay) if delay.answer.is_none() && !late(delay.promised) => {
                    (delay.notice > 1).then(|| Delay {
                        notice: delay.notice - 1,
                        revised: Some(delay.promised),
                        answer: Some(DelayAnswer::Accepted { at: delay.noticed_at, by_silence: false }),
                        ..delay
                    })
                }
                Some(delay) if delay.answer.is_none() && projected != delay.revised => Some(Delay {
                    revised: projected,
                    noticed_at: now,
                    deadline: delay.deadline.max(now + 3 * 86_400_000),
                    silence_is_consent: delay.notice == 1 && silent_ok(projected),
                    ..delay
                }),
                Some(Delay {
                    answer: Some(DelayAnswer::Accepted { .. }),
                    revised: Some(consented),
                    notice,
                    ..
                }) if late(consented) => Some(Delay {
                    notice: notice + 1,
                    promised: consented,
                    revised: projected,
                    noticed_at: now,
                    deadline: answer_by(consented),
                    silence_is_consent: false,
                    answer: None,
                }),
                other => other,
            };
        }
    }

    /// Deadlines that passed, in order: silence consents or cancels the waiting units.
    fn lapse(&mut self, now: Millis) {
        let mut due: Vec<(Millis, String)> = self
            .lines
            .iter()
            .filter(|(_, line)| !line.cancelled && line.outstanding > 0)
            .filter_map(|(id, line)| {
                line.delay
                    .filter(|d| d.answer.is_none() && d.deadline <= now)
                    .map(|d| (d.deadline, id.clone()))
            })
            .collect();
        due.sort();
        for (deadline, id) in due {
            let line = self.lines.get_mut(&id).unwrap();
            let mut delay = line.delay.unwrap();
            delay.answer = Some(match delay.silence_is_consent {
                true => DelayAnswer::Accepted { at: deadline, by_silence: true },
                false => DelayAnswer::Cancelled { at: deadline, by_silence: true },
            });
            line.delay = Some(delay);
            if !delay.silence_is_consent {
                line.cancelled_backorder += line.outstanding;
                line.outstanding = 0;
            }
        }
    }

    fn expire(&mut self, now: Millis) {
        let mut due: Vec<(Millis, String)> = self
            .holds
            .iter()
            .filter(|(_, h)| h.state == State::Held && h.prepared.is_none() && h.expires_at <= now)
            .map(|(id, h)| (h.expires_at, id.clone()))
            .collect();
        due.sort();
        for (at, id) in due {
            self.end_hold(&id, at);
        }
        // Resolved reservations are forgotten a day later.
        self.holds.retain(|_, h| h.resolved_at.is_none_or(|at| now - at <= replies::KEY_RETENTION_MS));
    }

    /// The limit, counted plainly: attempts within the window before this one.
    fn allow(&mut self, client: Option<u8>, now: Millis) -> bool {
        let Some(client) = client else { return true };
        let attempts = self.attempts.entry(client).or_default();
        let recent = attempts.iter().filter(|&&at| now - at < limiter::RESERVATION_WINDOW_MS).count();
        let allowed = recent < limiter::RESERVATIONS_PER_WINDOW;
        if allowed {
            attempts.push(now);
        }
        allowed
    }

    fn on_hand(&self) -> u32 {
        self.free
            + self
                .holds
                .values()
                .filter(|h| h.state == State::Held)
                .map(|h| h.qty - h.outstanding)
                .sum::<u32>()
    }
}

/// Runs `ops` against a ledger and the model side by side, panicking at the first difference.
/// Returns a digest of every reply, so that two targets can show they answered alike.
pub fn run(ops: &[Op], policy: Policy, on_hand: u32) -> u64 {
    let mut harness = Harness::new(policy, on_hand);
    for (step, op) in ops.iter().enumerate() {
        harness.step(step, op);
    }
    harness.digest
}

type Reply = Result<Outcome, Error>;

struct Harness {
    ledger: Ledger,
    stored: Stored,
    model: Model,
    replies: MemoryReplies<Reply>,
    sent: Vec<(String, Command)>,
    now: Millis,
    ids: u32,
    /// FNV-1a over the debug text of every reply.
    digest: u64,
}

impl Harness {
    fn new(policy: Policy, on_hand: u32) -> Harness {
        let now = 1_795_687_200_000; // Thu 2026-11-26 10:00 UTC
        let mut ledger = Ledger::default();
        ledger.apply(now, Command::Configure { policy: policy.clone(), on_hand: Some(on_hand) }).unwrap();
        let model = Model { policy, free: on_hand, ..Model::default() };
        let digest = 0xcbf2_9ce4_8422_2325;
        Harness {
            ledger,
            stored: Stored::default(),
            model,
            replies: MemoryReplies::default(),
            sent: Vec::new(),
            now,
            ids: 0,
            digest,
        }
    }

    fn today(&self) -> Date {
        self.ledger.today(self.now)
    }

    fn fresh_id(&mut self, prefix: &str) -> String {
        self.ids += 1;
        format!("{prefix}{}", self.ids)
    }

    /// Sends a command under a fresh idempotency key, as a shell would, with the records it
    /// stored, and checks what the key remembers: every outcome but a rate limit, and for
    /// orders only successes.
    fn send(&mut self, command: Command) -> Reply {
        let key = self.fresh_id("key-");
        self.stored.bring_back(&mut self.ledger, &command);
        let reply = self.apply_once(&key, command.clone());
        let kept =
            !matches!((&command, &reply), (_, Err(Error::RateLimited)) | (Command::Confirm { .. }, Err(_)));
        let Ok(found) = self.replies.find(&key);
        assert_eq!(found.is_some(), kept, "what {key} keeps of {command:?} answered {reply:?}");
        self.sent.push((key, command));
        self.stored.keep(&mut self.ledger);
        reply
    }

    fn apply_once(&mut self, key: &str, command: Command) -> Reply {
        let (ledger, now) = (&mut self.ledger, self.now);
        let (fingerprint, keep) = (command.fingerprint(), command.keep());
        let Ok(answer) = replies::once(&mut self.replies, key, &fingerprint, keep, now, || {
            replies::itself(ledger.apply(now, command))
        });
        let reply = answer.expect("fresh keys are never reused");
        for byte in format!("{reply:?}").bytes() {
            self.digest = (self.digest ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
        }
        reply
    }

    /// One reservation, checked against the model's limit and quote.
    fn reserve(&mut self, step: usize, qty: u32, ship: Ship, client: Option<u8>) {
        let today = self.today();
        self.check_quote(qty, ship);
        let id = self.fresh_id("res_");
        let allowed = self.model.allow(client, self.now);
        let expected = self.model.quote(qty, ship, today);
        let address = client.map(|c| format!("198.51.100.{c}"));
        let reply = self.send(Command::Reserve { id: id.clone(), qty, ship, client: address });
        if !allowed {
            assert_eq!(reply, Err(Error::RateLimited), "step {step}: over the client's limit");
            return;
        }
        match (expected, reply) {
            (Ok(quote), Ok(Outcome::Reserved(view))) => {
                assert_eq!(view.quote, quote, "step {step}: reservation quote");
                let seq = self.model.take(&quote);
                let expires_at = self.now + self.model.policy.hold_ttl;
                let hold = ModelHold {
                    seq,
                    qty,
                    ship,
                    outstanding: quote.backorder,
                    state: State::Held,
                    expires_at,
                    resolved_at: None,
                    since: today,
                    prepared: None,
                };
                self.model.holds.insert(id, hold);
            }
            (Err(refusal), Err(error)) => assert_eq!(error, Error::Refused(refusal), "step {step}"),
            (expected, reply) => panic!("step {step}: model {expected:?}, ledger {reply:?}"),
        }
    }

    /// The first phase of an order line, checked against the model.
    fn prepare(&mut self, step: usize, qty: u32, pin: Option<usize>) {
        let today = self.today();
        let order_id = self.fresh_id("order-");
        let id = self.fresh_id("res_");
        let Some(reservation) = pin.and_then(|pick| Self::pick(self.model.holds.keys(), pick)) else {
            let expected = self.model.quote(qty, Ship::Partial, today);
            let command = Command::Prepare {
                order_id: order_id.clone(),
                id: id.clone(),
                qty,
                ship: None,
                reservation: None,
            };
            match (expected, self.send(command)) {
                (Ok(quote), Ok(Outcome::Prepared(view))) => {
                    assert_eq!(
                        (view.quote, view.prepared_for.as_deref()),
                        (quote, Some(order_id.as_str())),
                        "step {step}"
                    );
                    let seq = self.model.take(&quote);
                    let hold = ModelHold {
                        seq,
                        qty,
                        ship: Ship::Partial,
                        outstanding: quote.backorder,
                        state: State::Held,
                        expires_at: self.now + self.model.policy.hold_ttl,
                        resolved_at: None,
                        since: today,
                        prepared: Some((order_id, true)),
                    };
                    self.model.holds.insert(id, hold);
                }
                (Err(refusal), Err(error)) => assert_eq!(error, Error::Refused(refusal), "step {step}"),
                (expected, reply) => panic!("step {step}: model {expected:?}, ledger {reply:?}"),
            }
            return;
        };
        let hold = self.model.holds[&reservation].clone();
        let command = Command::Prepare {
            order_id: order_id.clone(),
            id,
            qty: hold.qty,
            ship: None,
            reservation: Some(reservation.clone()),
        };
        let reply = self.send(command);
        match (&hold.state, &hold.prepared) {
            (State::Held, None) => {
                assert!(
                    matches!(&reply, Ok(Outcome::Prepared(view)) if view.id == reservation),
                    "step {step}: {reply:?}"
                );
                self.model.holds.get_mut(&reservation).unwrap().prepared = Some((order_id, false));
            }
            (State::Held, Some((other, _))) => {
                assert_eq!(reply, Err(Error::ReservationPrepared { order_id: other.clone() }), "step {step}")
            }
            _ => assert!(matches!(reply, Err(Error::ReservationNotHeld { .. })), "step {step}: {reply:?}"),
        }
    }

    /// Commits or aborts a prepared hold, checked against the model.
    fn finish(&mut self, step: usize, pick: usize, commit: bool) {
        let today = self.today();
        let prepared =
            self.model.holds.iter().filter(|(_, h)| h.state == State::Held && h.prepared.is_some());
        let Some(id) = Self::pick(prepared.map(|(id, _)| id), pick) else { return };
        let hold = self.model.holds[&id].clone();
        let (order_id, placed) = hold.prepared.clone().unwrap();
        if commit {
            let command = Command::Confirm {
                order_id: order_id.clone(),
                qty: hold.qty,
                ship: None,
                reservation: Some(id.clone()),
            };
            let reply = self.send(command);
            let Ok(Outcome::Confirmed(line)) = reply else { panic!("step {step}: commit {reply:?}") };
            let committed = self.model.holds.get_mut(&id).unwrap();
            committed.state = State::Confirmed;
            committed.resolved_at = Some(self.now);
            let mut model = model_line(hold.seq, &line.quote, hold.outstanding, hold.since, today);
            if self.model.policy.discontinued {
                model.cancelled_backorder = model.outstanding;
                model.outstanding = 0;
            }
            self.model.lines.insert(order_id, model);
        } else {
            let reply = self.send(Command::Abort { order_id, id: id.clone() });
            assert!(matches!(reply, Ok(Outcome::Aborted(_))), "step {step}: abort {reply:?}");
            if placed {
                self.model.end_hold(&id, self.now);
            } else {
                let back = self.model.holds.get_mut(&id).unwrap();
                back.prepared = None;
                let expires_at = back.expires_at;
                if expires_at <= self.now {
                    self.model.end_hold(&id, expires_at);
                }
            }
        }
    }

    fn pick<'a>(ids: impl Iterator<Item = &'a String>, pick: usize) -> Option<String> {
        let ids: Vec<&String> = ids.collect();
        (!ids.is_empty()).then(|| ids[pick % ids.len()].clone())
    }

    fn step(&mut self, step: usize, op: &Op) {
        let today_before = self.today();
        let projected_before = self.projected_lines();
        let mut supply_changed = false;
        self.model.expire(self.now);
        self.model.lapse(self.now);
        let today = self.today();
        match op {
            Op::Reserve { qty, complete, client } => {
                let ship = if *complete { Ship::Complete } else { Ship::Partial };
                self.reserve(step, *qty, ship, *client);
            }
            Op::Burst { client, count } => {
                for _ in 0..*count {
                    self.reserve(step, 1, Ship::Partial, Some(*client));
                }
            }
            Op::OrderDirect { qty } => {
                let order_id = self.fresh_id("order-");
                let expected = self.model.quote(*qty, Ship::Partial, today);
                let command =
                    Command::Confirm { order_id: order_id.clone(), qty: *qty, ship: None, reservation: None };
                match (expected, self.send(command)) {
                    (Ok(quote), Ok(Outcome::Confirmed(line))) => {
                        assert_eq!(line.quote, quote, "step {step}: direct order quote");
                        let seq = self.model.take(&quote);
                        self.model
                            .lines
                            .insert(order_id, model_line(seq, &quote, quote.backorder, today, today));
                    }
                    (Err(refusal), Err(error)) => assert_eq!(error, Error::Refused(refusal), "step {step}"),
                    (expected, reply) => panic!("step {step}: model {expected:?}, ledger {reply:?}"),
                }
            }
            Op::ConfirmHold { pick } => {
                let Some(id) = Self::pick(self.model.holds.keys(), *pick) else { return };
                let hold = self.model.holds[&id].clone();
                let order_id = self.fresh_id("order-");
                let command = Command::Confirm {
                    order_id: order_id.clone(),
                    qty: hold.qty,
                    ship: None,
                    reservation: Some(id.clone()),
                };
                let reply = self.send(command);
                if let (State::Held, Some((prepared_for, _))) = (&hold.state, &hold.prepared) {
                    let refused = Error::ReservationPrepared { order_id: prepared_for.clone() };
                    assert_eq!(reply, Err(refused), "step {step}: only its order may take it");
                } else if hold.state == State::Held {
                    let Ok(Outcome::Confirmed(line)) = reply else {
                        panic!("step {step}: confirm {reply:?}")
                    };
                    assert_eq!(line.outstanding, hold.outstanding, "step {step}");
                    assert_eq!(line.ship, hold.ship, "step {step}");
                    let confirmed = self.model.holds.get_mut(&id).unwrap();
                    confirmed.state = State::Confirmed;
                    confirmed.resolved_at = Some(self.now);
                    let quote = line.quote;
                    self.model
                        .lines
                        .insert(order_id, model_line(hold.seq, &quote, hold.outstanding, hold.since, today));
                } else {
                    assert!(matches!(reply, Err(Error::ReservationNotHeld { .. })), "step {step}: {reply:?}");
                }
            }
            Op::Release { pick } => {
                let Some(id) = Self::pick(self.model.holds.keys(), *pick) else { return };
                let (state, prepared) =
                    (self.model.holds[&id].state.clone(), self.model.holds[&id].prepared.clone());
                let reply = self.send(Command::Release { id: id.clone() });
                match state {
                    State::Held if prepared.is_some() => {
                        assert!(
                            matches!(reply, Err(Error::ReservationPrepared { .. })),
                            "step {step}: {reply:?}"
                        )
                    }
                    State::Confirmed => {
                        assert!(matches!(reply, Err(Error::ReservationNotHeld { .. })), "step {step}")
                    }
                    State::Held | State::Ended => {
                        let Ok(Outcome::Released(view)) = reply else {
                            panic!("step {step}: release {reply:?}")
                        };
                        assert_ne!(view.state, HoldState::Held, "step {step}");
                        self.model.end_hold(&id, self.now);
                    }
                }
            }
            Op::Cancel { pick, whole } => {
                let Some(order_id) = Self::pick(self.model.lines.keys(), *pick) else { return };
                let line = self.model.lines[&order_id].clone();
                let scope = if *whole { CancelScope::Line } else { CancelScope::Backorder };
                let reply = self.send(Command::Cancel { order_id: order_id.clone(), scope });
                if line.cancelled {
                    match scope {
                        CancelScope::Line => assert!(reply.is_ok(), "step {step}"),
                        CancelScope::Backorder => {
                            assert_eq!(reply, Err(Error::OrderCancelled), "step {step}")
                        }
                    }
                    return self.check(step, today_before, projected_before, supply_changed);
                }
                let Ok(Outcome::Cancelled { cancellation, .. }) = reply else {
                    panic!("step {step}: cancel {reply:?}")
                };
                if let (false, Some(first)) = (*whole, line.backorder_cancellation) {
                    assert_eq!(
                        cancellation, first,
                        "step {step}: a repeated cancel answers the first result"
                    );
                    return self.check(step, today_before, projected_before, supply_changed);
                }
                let model_line = self.model.lines.get_mut(&order_id).unwrap();
                let dropped = model_line.outstanding;
                model_line.outstanding = 0;
                model_line.cancelled_backorder += dropped;
                let expected = if *whole {
                    model_line.cancelled = true;
                    let allocated = model_line.backorder - model_line.cancelled_backorder;
                    let restocked = model_line.now + allocated;
                    let refund =
                        model_line.now + model_line.backorder - (model_line.cancelled_backorder - dropped);
                    self.model.restock(restocked);
                    Cancellation { refund_qty: refund, restocked, backorder_cancelled: dropped }
                } else {
                    let first =
                        Cancellation { refund_qty: dropped, restocked: 0, backorder_cancelled: dropped };
                    model_line.backorder_cancellation = Some(first);
                    first
                };
                assert_eq!(cancellation, expected, "step {step}");
            }
            Op::Receive { qty, against } => {
                supply_changed = true;
                let po = against.and_then(|pick| Self::pick(self.model.purchase_orders.keys(), pick));
                let reply = self.send(Command::Receive { qty: *qty, purchase_order: po.clone() });
                if let Some(po) = &po {
                    let entry = self.model.purchase_orders.get_mut(po).unwrap();
                    entry.0 -= entry.0.min(*qty);
                    if entry.0 == 0 {
                        self.model.purchase_orders.remove(po);
                    }
                }
                let expected = self.model.restock(*qty);
                let Ok(Outcome::Received { allocations, on_hand }) = reply else {
                    panic!("step {step}: {reply:?}")
                };
                assert_eq!(allocations, expected, "step {step}: receipts fill the queue in order");
                assert_eq!(on_hand, self.model.on_hand(), "step {step}");
            }
            Op::SetPurchaseOrder { slot, qty, in_days } => {
                supply_changed = true;
                let (id, expected) = (format!("PO-{slot}"), today.add_days(*in_days));
                let reply = self.send(Command::SetPurchaseOrder { id: id.clone(), qty: *qty, expected });
                assert!(reply.is_ok(), "step {step}: {reply:?}");
                self.model.purchase_orders.insert(id, (*qty, expected));
            }
            Op::CancelPurchaseOrder { slot } => {
                supply_changed = true;
                let id = format!("PO-{slot}");
                let reply = self.send(Command::CancelPurchaseOrder { id: id.clone() });
                match self.model.purchase_orders.remove(&id) {
                    Some(_) => assert!(reply.is_ok(), "step {step}"),
                    None => assert_eq!(reply, Err(Error::NotFound(Missing::PurchaseOrder)), "step {step}"),
                }
            }
            Op::Wait { minutes } => {
                self.now += Millis::from(*minutes) * 60_000;
                self.ledger.advance(self.now);
                self.stored.keep(&mut self.ledger);
                self.model.expire(self.now);
                self.model.lapse(self.now);
            }
            Op::Prepare { qty, pin } => self.prepare(step, *qty, *pin),
            Op::Finish { pick, commit } => self.finish(step, *pick, *commit),
            Op::AnswerDelay { pick, accept } => {
                let Some(order_id) = Self::pick(self.model.lines.keys(), *pick) else { return };
                let reply = self.send(Command::AnswerDelay { order_id: order_id.clone(), accept: *accept });
                let line = self.model.lines.get_mut(&order_id).unwrap();
                let pending = line.delay.filter(|delay| delay.answer.is_none());
                match pending.filter(|_| !line.cancelled && line.outstanding > 0) {
                    None => assert_eq!(reply, Err(Error::NoDelayPending), "step {step}"),
                    Some(mut delay) => {
                        delay.answer = Some(match accept {
                            true => DelayAnswer::Accepted { at: self.now, by_silence: false },
                            false => DelayAnswer::Cancelled { at: self.now, by_silence: false },
                        });
                        line.delay = Some(delay);
                        if !accept {
                            line.cancelled_backorder += line.outstanding;
                            line.outstanding = 0;
                        }
                        assert!(matches!(reply, Ok(Outcome::DelayAnswered(_))), "step {step}: {reply:?}");
                    }
                }
            }
            Op::Change(change) => {
                supply_changed = true;
                self.change_policy(step, change);
            }
            Op::Replay { pick } => {
                if self.sent.is_empty() {
                    return;
                }
                let (key, command) = self.sent[pick % self.sent.len()].clone();
                // A key that kept nothing is a fresh request again; `send` checked it kept nothing.
                let Ok(Some((_, first))) = self.replies.find(&key) else { return };
                let before = format!("{:?}", self.ledger);
                let (ledger, now) = (&mut self.ledger, self.now);
                let (fingerprint, keep) = (command.fingerprint(), command.keep());
                let Ok(again) = replies::once(&mut self.replies, &key, &fingerprint, keep, now, || {
                    replies::itself(ledger.apply(now, command.clone()))
                });
                assert_eq!(again, Some(first), "step {step}: a replay answers the first reply");
                assert_eq!(format!("{:?}", self.ledger), before, "step {step}: a replay changes nothing");
            }
        }
        self.check(step, today_before, projected_before, supply_changed);
    }

    fn change_policy(&mut self, step: usize, change: &PolicyChange) {
        let mut policy = self.ledger.policy().clone();
        let mut on_hand = None;
        match change {
            PolicyChange::Backorders(mode) => policy.backorders = *mode,
            PolicyChange::Limit(limit) => policy.backorder_limit = *limit,
            PolicyChange::LimitToInbound(on) => policy.limit_to_inbound = *on,
            PolicyChange::LeadTime(days) => policy.lead_time_days = *days,
            PolicyChange::ReleaseInDays(days) => policy.release_date = days.map(|d| self.today().add_days(d)),
            PolicyChange::OnHand(count) => on_hand = Some(*count),
            PolicyChange::Discontinue => policy.discontinued = true,
            PolicyChange::DelayConsent(consent) => policy.delay_consent = *consent,
        }
        let reply = self.send(Command::Configure { policy: policy.clone(), on_hand });
        let current = self.model.on_hand();
        if on_hand.is_some_and(|target| current - target.min(current) > self.model.free) {
            assert!(matches!(reply, Err(Error::Invalid(_))), "step {step}: {reply:?}");
            return;
        }
        let newly_discontinued = policy.discontinued && !self.model.policy.discontinued;
        self.model.policy = policy;
        if newly_discontinued {
            for (_, owner, _) in self.model.queue() {
                if let Owner::Order(id) = owner {
                    let line = self.model.lines.get_mut(&id).unwrap();
                    line.cancelled_backorder += line.outstanding;
                    line.outstanding = 0;
                }
            }
            for (_, owner, _) in self.model.queue() {
                match owner {
                    // A prepared hold stays its order's.
                    Owner::Reservation(id) if self.model.holds[&id].prepared.is_none() => {
                        self.model.end_hold(&id, self.now)
                    }
                    _ => {}
                }
            }
        }
        let expected = match on_hand {
            Some(target) if target >= current => self.model.restock(target - current),
            Some(target) => {
                self.model.free -= current - target;
                Vec::new()
            }
            None => self.model.restock(0),
        };
        let Ok(Outcome::Configured { allocations, on_hand }) = reply else {
            panic!("step {step}: {reply:?}")
        };
        assert_eq!(allocations, expected, "step {step}");
        assert_eq!(on_hand, self.model.on_hand(), "step {step}");
    }

    /// Projected date of each waiting order line.
    fn projected_lines(&self) -> BTreeMap<String, Option<Date>> {
        self.ledger
            .lines()
            .filter_map(|line| self.ledger.line_view(&line.order_id))
            .filter(|view| view.outstanding > 0)
            .map(|view| (view.order_id, view.projected))
            .collect()
    }

    fn check_quote(&self, qty: u32, ship: Ship) {
        let today = self.today();
        let availability = self.ledger.availability(today);
        assert_eq!(availability.quote(qty, ship, today), availability.published().quote(qty, ship, today));
        let from_snapshot = availability.published().quote(qty, ship, today);
        assert_eq!(from_snapshot, self.model.quote(qty, ship, today), "snapshot quote for {qty}");
    }

    fn check(
        &mut self,
        step: usize,
        today_before: Date,
        projected_before: BTreeMap<String, Option<Date>>,
        supply_changed: bool,
    ) {
        self.ledger.check_invariants().unwrap_or_else(|broken| panic!("step {step}: {broken}"));
        self.ledger.take_events();
        let today = self.today();
        self.model.review_delays(self.now, today);
        assert_eq!(self.ledger.available_now(), self.model.free, "step {step}: free units");
        assert_eq!(self.ledger.on_hand(), self.model.on_hand(), "step {step}: on hand");
        let queue: Vec<(Owner, u32)> =
            self.ledger.queue().map(|item| (item.owner.clone(), item.outstanding)).collect();
        let model_queue: Vec<(Owner, u32)> = self.model.queue().into_iter().map(|(_, o, n)| (o, n)).collect();
        assert_eq!(queue, model_queue, "step {step}: the backorder queue");
        let model_dates: Vec<Option<Date>> = self.model.projections(today).into_values().collect();
        let dates: Vec<Option<Date>> = self.ledger.queue().map(|item| item.projected).collect();
        assert_eq!(dates, model_dates, "step {step}: projected ship dates");
        // Every line is open in memory or settled in the shell's records, and only lines with
        // units waiting stay in memory.
        for (order_id, line) in &self.model.lines {
            let view = self
                .stored
                .line_view(&self.ledger, order_id)
                .unwrap_or_else(|| panic!("step {step}: {order_id} is lost"));
            assert_eq!(
                (view.outstanding, view.cancellation.is_some()),
                (line.outstanding, line.cancelled),
                "step {step}: line {order_id}"
            );
            if !line.cancelled {
                assert_eq!(view.allocated, line.backorder - line.outstanding - line.cancelled_backorder);
            }
            assert_eq!(view.delay, line.delay, "step {step}: the delay notice of {order_id}");
        }
        assert_eq!(
            self.ledger.lines().count(),
            self.model.lines.values().filter(|line| line.outstanding > 0).count(),
            "step {step}: lines in memory"
        );
        // Likewise every reservation the model remembers: held in memory, or resolved in the
        // shell's records.
        for (id, hold) in &self.model.holds {
            let view = self
                .stored
                .hold_view(&self.ledger, id)
                .unwrap_or_else(|| panic!("step {step}: reservation {id} is lost"));
            assert_eq!(
                view.state == HoldState::Held,
                hold.state == State::Held,
                "step {step}: reservation {id}"
            );
        }
        assert_eq!(
            self.ledger.holds().count(),
            self.model.holds.values().filter(|hold| hold.state == State::Held).count(),
            "step {step}: reservations in memory"
        );
        // Shoppers' actions never push an existing line's date later; only supply and time do.
        if !supply_changed && today == today_before {
            for (order_id, after) in self.projected_lines() {
                if let Some(before) = projected_before.get(&order_id) {
                    assert!(
                        no_later(*before, after),
                        "step {step}: {order_id} moved from {before:?} to {after:?}"
                    );
                }
            }
        }
        for qty in [1, 2, 5] {
            self.check_quote(qty, Ship::Partial);
        }
    }
}

/// `after` is no later than `before`, with an unknown date later than any known one.
fn no_later(before: Option<Date>, after: Option<Date>) -> bool {
    match (before, after) {
        (_, None) => before.is_none(),
        (None, Some(_)) => true,
        (Some(before), Some(after)) => after <= before,
    }
}

/// A line confirmed on `today`.
fn model_line(seq: u64, quote: &Quote, outstanding: u32, since: Date, today: Date) -> ModelLine {
    ModelLine {
        seq,
        now: quote.now,
        backorder: quote.backorder,
        outstanding,
        cancelled_backorder: 0,
        cancelled: false,
        backorder_cancellation: None,
        since,
        original_promise: quote.backorder_ship_date.unwrap_or(today.add_days(30)),
        delay: None,
    }
}
