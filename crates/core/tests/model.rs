//! Property test: random command sequences against the reference model in `support/model.rs`.
//! Every reply is predicted and every invariant checked after every step (see `Harness::check`).
//! Cases: 1,000 by default; `PROPTEST_CASES` overrides.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use backorder_core::{Backorders, Calendar, DelayConsent, Policy, Weekdays};
use proptest::prelude::*;
use support::model::{run, Op, PolicyChange};

fn op() -> impl Strategy<Value = Op> {
    let change = prop_oneof![
        prop_oneof![Just(Backorders::Allow), Just(Backorders::Deny)].prop_map(PolicyChange::Backorders),
        proptest::option::of(0u32..8).prop_map(PolicyChange::Limit),
        any::<bool>().prop_map(PolicyChange::LimitToInbound),
        proptest::option::of(0u32..30).prop_map(PolicyChange::LeadTime),
        proptest::option::of(0u32..20).prop_map(PolicyChange::ReleaseInDays),
        (0u32..12).prop_map(PolicyChange::OnHand),
        Just(PolicyChange::Discontinue),
        prop_oneof![Just(DelayConsent::Ftc), Just(DelayConsent::Off)].prop_map(PolicyChange::DelayConsent),
    ];
    prop_oneof![
        6 => (1u32..6, any::<bool>(), proptest::option::of(0u8..3))
            .prop_map(|(qty, complete, client)| Op::Reserve { qty, complete, client }),
        1 => (0u8..3, 10u32..35).prop_map(|(client, count)| Op::Burst { client, count }),
        4 => any::<usize>().prop_map(|pick| Op::ConfirmHold { pick }),
        2 => (0u32..5).prop_map(|qty| Op::OrderDirect { qty }),
        2 => any::<usize>().prop_map(|pick| Op::Release { pick }),
        2 => (any::<usize>(), any::<bool>()).prop_map(|(pick, whole)| Op::Cancel { pick, whole }),
        3 => (1u32..8, proptest::option::of(any::<usize>())).prop_map(|(qty, against)| Op::Receive { qty, against }),
        3 => (0u8..3, 1u32..8, 0u32..40).prop_map(|(slot, qty, in_days)| Op::SetPurchaseOrder { slot, qty, in_days }),
        1 => (0u8..3).prop_map(|slot| Op::CancelPurchaseOrder { slot }),
        3 => prop_oneof![0u32..20, Just(1_440), Just(4 * 1_440), Just(14 * 1_440)].prop_map(|minutes| Op::Wait { minutes }),
        1 => change.prop_map(Op::Change),
        2 => any::<usize>().prop_map(|pick| Op::Replay { pick }),
        2 => (1u32..5, proptest::option::of(any::<usize>())).prop_map(|(qty, pin)| Op::Prepare { qty, pin }),
        2 => (any::<usize>(), any::<bool>()).prop_map(|(pick, commit)| Op::Finish { pick, commit }),
        3 => (any::<usize>(), any::<bool>()).prop_map(|(pick, accept)| Op::AnswerDelay { pick, accept }),
    ]
}

fn policy() -> impl Strategy<Value = Policy> {
    (
        any::<bool>(),
        proptest::option::of(0u32..10),
        any::<bool>(),
        proptest::option::of(0u32..30),
        0u32..3,
        prop_oneof![Just(vec![1u8, 2, 3, 4, 5]), Just(vec![1u8, 3, 6])],
        0u32..4,
    )
        .prop_map(|(deny, limit, inbound, lead, handling, weekdays, threshold)| Policy {
            backorders: if deny { Backorders::Deny } else { Backorders::Allow },
            backorder_limit: limit,
            limit_to_inbound: inbound,
            lead_time_days: lead,
            calendar: Calendar::new(handling, Weekdays::from_iso(&weekdays).unwrap(), vec![]),
            low_stock_threshold: threshold,
            ..Policy::default()
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn ledger_agrees_with_the_reference_model(
        policy in policy(),
        on_hand in 0u32..8,
        ops in proptest::collection::vec(op(), 1..80),
    ) {
        run(&ops, policy, on_hand);
    }
}
