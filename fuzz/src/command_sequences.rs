//! Command sequences against the reference model, the coverage-guided twin of
//! `crates/core/tests/model.rs`: the bytes are a store's setup and a list of [`Operation`]s
//! (`#[derive(Arbitrary)]`, as quinn's `fuzz/fuzz_targets/streams.rs` has it), mapped onto the
//! model's own `Op`s within the ranges the proptest uses, and run by the model's harness
//! (`crates/core/tests/support/model.rs`, compiled here unchanged), which applies each to
//! the real `Ledger` and to the model, predicts every reply and checks `check_invariants`,
//! the queue, the projected dates and every line after every step — panicking at the first
//! difference.

use arbitrary::{Arbitrary, Unstructured};
use backorder_core::{Backorders, Calendar, DelayConsent, Policy, Weekdays};

use crate::support::model::{run as run_model, Op, PolicyChange};

/// Longest sequence one input runs: long enough for holds to expire and lines to settle,
/// short enough that an execution takes milliseconds.
pub const MAX_OPS: usize = 120;

/// The store's policy and stock before the first operation.
#[derive(Arbitrary, Debug)]
pub struct Setup {
    deny: bool,
    limit: Option<u8>,
    limit_to_inbound: bool,
    lead_time_days: Option<u8>,
    handling_days: u8,
    /// A bitmask of ISO weekdays (bit 1 = Monday); no day at all means Monday to Friday.
    ship_weekdays: u8,
    low_stock_threshold: u8,
    utc_offset: Offset,
    hold: HoldMinutes,
    delay_consent: bool,
    on_hand: u8,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Offset {
    Utc,
    /// UTC−10:00 (Hawaii).
    Minus600,
    /// UTC+05:30 (India).
    Plus330,
    /// UTC+14:00, the largest offset the policy allows.
    Plus840,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum HoldMinutes {
    Fifteen,
    One,
    Hour,
    Day,
}

/// One step; every number is brought into the model's ranges by [`Operation::op`].
#[derive(Arbitrary, Debug, Clone)]
pub enum Operation {
    Reserve { qty: u8, complete: bool, client: Option<u8> },
    Burst { client: u8, count: u8 },
    ConfirmHold { pick: u16 },
    OrderDirect { qty: u8 },
    Release { pick: u16 },
    Cancel { pick: u16, whole: bool },
    Receive { qty: u8, against: Option<u16> },
    SetPurchaseOrder { slot: u8, qty: u8, in_days: u8 },
    CancelPurchaseOrder { slot: u8 },
    Wait(Wait),
    Change(Change),
    Replay { pick: u16 },
    Prepare { qty: u8, pin: Option<u16> },
    Finish { pick: u16, commit: bool },
    AnswerDelay { pick: u16, accept: bool },
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Wait {
    Minutes(u8),
    Day,
    FourDays,
    TwoWeeks,
}

#[derive(Arbitrary, Debug, Clone)]
pub enum Change {
    Backorders(bool),
    Limit(Option<u8>),
    LimitToInbound(bool),
    LeadTime(Option<u8>),
    ReleaseInDays(Option<u8>),
    OnHand(u8),
    Discontinue,
    DelayConsent(bool),
}

impl Setup {
    pub fn policy(&self) -> Policy {
        let mut weekdays: Vec<u8> = (1..=7).filter(|day| self.ship_weekdays & (1 << day) != 0).collect();
        if weekdays.is_empty() {
            weekdays = vec![1, 2, 3, 4, 5];
        }
        Policy {
            backorders: if self.deny { Backorders::Deny } else { Backorders::Allow },
            backorder_limit: self.limit.map(|limit| u32::from(limit % 10)),
            limit_to_inbound: self.limit_to_inbound,
            lead_time_days: self.lead_time_days.map(|days| u32::from(days % 30)),
            calendar: Calendar::new(
                u32::from(self.handling_days % 3),
                Weekdays::from_iso(&weekdays).expect("ISO weekdays"),
                vec![],
            ),
            low_stock_threshold: u32::from(self.low_stock_threshold % 4),
            utc_offset_minutes: match self.utc_offset {
                Offset::Utc => 0,
                Offset::Minus600 => -600,
                Offset::Plus330 => 330,
                Offset::Plus840 => 840,
            },
            hold_ttl: 60_000
                * match self.hold {
                    HoldMinutes::Fifteen => 15,
                    HoldMinutes::One => 1,
                    HoldMinutes::Hour => 60,
                    HoldMinutes::Day => 1_440,
                },
            delay_consent: if self.delay_consent { DelayConsent::Ftc } else { DelayConsent::Off },
            ..Policy::default()
        }
    }

    pub fn on_hand(&self) -> u32 {
        u32::from(self.on_hand % 8)
    }
}

impl Operation {
    /// The model's operation, in the ranges `crates/core/tests/model.rs` generates.
    pub fn op(&self) -> Op {
        let pick = |pick: u16| usize::from(pick);
        match *self {
            Operation::Reserve { qty, complete, client } => {
                Op::Reserve { qty: 1 + u32::from(qty % 5), complete, client: client.map(|c| c % 3) }
            }
            Operation::Burst { client, count } => {
                Op::Burst { client: client % 3, count: 10 + u32::from(count % 25) }
            }
            Operation::ConfirmHold { pick: p } => Op::ConfirmHold { pick: pick(p) },
            Operation::OrderDirect { qty } => Op::OrderDirect { qty: u32::from(qty % 5) },
            Operation::Release { pick: p } => Op::Release { pick: pick(p) },
            Operation::Cancel { pick: p, whole } => Op::Cancel { pick: pick(p), whole },
            Operation::Receive { qty, against } => {
                Op::Receive { qty: 1 + u32::from(qty % 7), against: against.map(pick) }
            }
            Operation::SetPurchaseOrder { slot, qty, in_days } => Op::SetPurchaseOrder {
                slot: slot % 3,
                qty: 1 + u32::from(qty % 7),
                in_days: u32::from(in_days % 40),
            },
            Operation::CancelPurchaseOrder { slot } => Op::CancelPurchaseOrder { slot: slot % 3 },
            Operation::Wait(wait) => Op::Wait {
                minutes: match wait {
                    Wait::Minutes(minutes) => u32::from(minutes % 20),
                    Wait::Day => 1_440,
                    Wait::FourDays => 4 * 1_440,
                    Wait::TwoWeeks => 14 * 1_440,
                },
            },
            Operation::Change(ref change) => Op::Change(match *change {
                Change::Backorders(deny) => {
                    PolicyChange::Backorders(if deny { Backorders::Deny } else { Backorders::Allow })
                }
                Change::Limit(limit) => PolicyChange::Limit(limit.map(|l| u32::from(l % 8))),
                Change::LimitToInbound(on) => PolicyChange::LimitToInbound(on),
                Change::LeadTime(days) => PolicyChange::LeadTime(days.map(|d| u32::from(d % 30))),
                Change::ReleaseInDays(days) => PolicyChange::ReleaseInDays(days.map(|d| u32::from(d % 20))),
                Change::OnHand(count) => PolicyChange::OnHand(u32::from(count % 12)),
                Change::Discontinue => PolicyChange::Discontinue,
                Change::DelayConsent(ftc) => {
                    PolicyChange::DelayConsent(if ftc { DelayConsent::Ftc } else { DelayConsent::Off })
                }
            }),
            Operation::Replay { pick: p } => Op::Replay { pick: pick(p) },
            Operation::Prepare { qty, pin } => {
                Op::Prepare { qty: 1 + u32::from(qty % 4), pin: pin.map(pick) }
            }
            Operation::Finish { pick: p, commit } => Op::Finish { pick: pick(p), commit },
            Operation::AnswerDelay { pick: p, accept } => Op::AnswerDelay { pick: pick(p), accept },
        }
    }
}

/// The setup and operations the bytes make, or `None` when they make no setup.
pub fn scenario(data: &[u8]) -> Option<(Setup, Vec<Op>)> {
    let mut u = Unstructured::new(data);
    let setup = Setup::arbitrary(&mut u).ok()?;
    let mut ops = Vec::new();
    while ops.len() < MAX_OPS && !u.is_empty() {
        match Operation::arbitrary(&mut u) {
            Ok(operation) => ops.push(operation.op()),
            Err(_) => break,
        }
    }
    Some((setup, ops))
}

pub fn run(data: &[u8]) {
    let Some((setup, ops)) = scenario(data) else { return };
    let policy = setup.policy();
    policy.validate().expect("the setup makes valid policies");
    run_model(&ops, policy, setup.on_hand());
}
