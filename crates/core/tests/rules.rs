//! One test per domain rule, each a small scenario with its expected answers worked out by
//! hand. Runs natively and, compiled to wasm32, under Node (wasm-bindgen-test).

// Case tables are tuples on purpose: one line per case reads best.
#![allow(clippy::type_complexity)]

mod support;

use backorder_core::replies::{self, MemoryReplies};
use backorder_core::*;
use support::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn some(text: &str) -> Option<Date> {
    Some(date(text))
}

#[test]
fn founding_example_three_phones_two_customers() {
    // 3 phones on hand; two customers each want 2.
    let mut shop = Shop::new(allow(Some(14)), 3);
    let first = shop.order("1001", 2).unwrap();
    assert_eq!((first.quote.now, first.quote.backorder), (2, 0));
    assert_eq!(first.quote.ship_date, some("2026-11-27"));

    let second = shop.order("1002", 2).unwrap();
    assert_eq!((second.quote.now, second.quote.backorder), (1, 1));
    assert_eq!(second.quote.ship_date, some("2026-11-27"));
    // Thu + 14 days lead time = Thu 10 Dec, + 1 handling day = Fri 11 Dec.
    assert_eq!(second.quote.backorder_ship_date, some("2026-12-11"));
    assert_eq!(second.position, Some(1));
    assert_eq!(
        shop.events(),
        vec![
            Event::BackorderCreated { order_id: "1002".into(), backorder: 1, promised: some("2026-12-11") },
            // No purchase order covers the backordered unit.
            Event::ReorderNeeded { shortfall: 1, backordered: 1, inbound: 0 },
        ]
    );

    // A receipt of 1 unit goes to the second customer.
    let (allocations, on_hand) = shop.receive(1, None).unwrap();
    assert_eq!(allocations, vec![Allocation { owner: Owner::Order("1002".into()), qty: 1 }]);
    assert_eq!(on_hand, 0);
    let second = shop.line("1002");
    assert_eq!((second.allocated, second.outstanding, second.position), (1, 0, None));
    assert_eq!(
        shop.events(),
        vec![Event::BackorderAllocated {
            order_id: "1002".into(),
            qty: 1,
            outstanding: 0,
            shipped: some("2026-11-27")
        }]
    );
}

#[test]
fn refusals_change_nothing() {
    // (policy, on_hand, setup orders, qty asked, expected refusal)
    let limited = Policy { backorder_limit: Some(2), ..allow(Some(14)) };
    let inbound_only = Policy { limit_to_inbound: true, ..allow(Some(14)) };
    let cases: Vec<(&str, Policy, u32, Vec<u32>, u32, Refusal)> = vec![
        (
            "deny",
            deny(),
            3,
            vec![],
            4,
            Refusal::InsufficientStock { available_now: 3, backorder_remaining: Some(0) },
        ),
        (
            "limit",
            limited.clone(),
            1,
            vec![],
            4,
            Refusal::InsufficientStock { available_now: 1, backorder_remaining: Some(2) },
        ),
        (
            "limit used up",
            limited,
            1,
            vec![3],
            1,
            Refusal::InsufficientStock { available_now: 0, backorder_remaining: Some(0) },
        ),
        (
            "nothing inbound",
            inbound_only,
            0,
            vec![],
            1,
            Refusal::InsufficientStock { available_now: 0, backorder_remaining: Some(0) },
        ),
        ("zero", allow(None), 5, vec![], 0, Refusal::ZeroQuantity),
    ];
    for (name, policy, on_hand, setup, qty, refusal) in cases {
        let mut shop = Shop::new(policy, on_hand);
        for (i, setup_qty) in setup.into_iter().enumerate() {
            shop.order(&format!("setup-{i}"), setup_qty).unwrap();
        }
        let before = shop.ledger.clone();
        shop.events();
        assert_eq!(shop.reserve(qty), Err(Error::Refused(refusal)), "{name}");
        assert_eq!(shop.quote(qty), Err(refusal), "{name}: the snapshot refuses alike");
        assert_eq!(shop.ledger.available_now(), before.available_now(), "{name}");
        assert_eq!(shop.ledger.holds().count(), before.holds().count(), "{name}");
        assert_eq!(shop.ledger.queue().count(), before.queue().count(), "{name}");
        assert_eq!(shop.events(), vec![], "{name}");
    }
}

#[test]
fn limit_to_inbound_sells_exactly_the_scheduled_supply() {
    let mut shop = Shop::new(Policy { limit_to_inbound: true, ..allow(Some(14)) }, 0);
    shop.purchase_order("PO-1", 5, "2026-12-07");
    let refused = Refusal::InsufficientStock { available_now: 0, backorder_remaining: Some(5) };
    assert_eq!(shop.reserve(6), Err(Error::Refused(refused)));
    let hold = shop.reserve(5).unwrap();
    // Arrives Mon 7 Dec, ships Tue 8 Dec.
    assert_eq!(hold.quote.backorder_ship_date, some("2026-12-08"));
    let availability = shop.ledger.availability(shop.today());
    assert_eq!(availability.backorder_remaining, Some(0));
    assert_eq!(availability.status(), Status::OutOfStock);
}

#[test]
fn backorder_dates_come_from_supply_then_lead_time() {
    // (lead time, purchase orders, qty, expected backorder ship date)
    let cases: Vec<(Option<u32>, Vec<(u32, &str)>, u32, Option<Date>)> = vec![
        (Some(14), vec![], 1, some("2026-12-11")),
        (None, vec![], 1, None),
        (None, vec![(2, "2026-12-03")], 2, some("2026-12-04")),
        (None, vec![(2, "2026-12-03")], 3, None),
        // Two lots: the third unit comes from the later one.
        (None, vec![(2, "2026-12-03"), (5, "2026-12-09")], 3, some("2026-12-10")),
        // Beyond supply, never before the last purchase order: Fri 15 Jan, ships Mon 18 Jan.
        (Some(14), vec![(2, "2027-01-15")], 3, some("2027-01-18")),
        // A purchase order already late counts as arriving today.
        (None, vec![(2, "2026-11-20")], 1, some("2026-11-27")),
    ];
    for (lead, purchase_orders, qty, expected) in cases {
        let mut shop = Shop::new(allow(lead), 0);
        for (i, (po_qty, when)) in purchase_orders.iter().enumerate() {
            shop.purchase_order(&format!("PO-{i}"), *po_qty, when);
        }
        let hold = shop.reserve(qty).unwrap();
        assert_eq!(hold.quote.backorder_ship_date, expected, "{lead:?} {purchase_orders:?} {qty}");
        assert_eq!(hold.quote.ship_date, None);
    }
}

#[test]
fn complete_shipping_waits_for_the_backorder() {
    let mut shop = Shop::new(allow(Some(14)), 1);
    let partial = shop.quote(3).unwrap();
    assert_eq!((partial.ship_date, partial.backorder_ship_date), (some("2026-11-27"), some("2026-12-11")));
    let hold = shop.reserve_as(Ship::Complete, 3).unwrap();
    assert_eq!((hold.quote.now, hold.quote.backorder), (1, 2));
    assert_eq!(
        (hold.quote.ship_date, hold.quote.backorder_ship_date),
        (some("2026-12-11"), some("2026-12-11"))
    );
}

#[test]
fn preorders_never_ship_before_release() {
    let policy = Policy { release_date: some("2026-12-15"), ..allow(Some(14)) };
    let mut shop = Shop::new(policy, 5);
    assert_eq!(shop.ledger.availability(shop.today()).status(), Status::Preorder);
    let hold = shop.reserve(7).unwrap();
    // Release Tue 15 Dec + 1 handling day = Wed 16 Dec, for stock and backorder alike.
    assert_eq!(hold.quote.ship_date, some("2026-12-16"));
    assert_eq!(hold.quote.backorder_ship_date, some("2026-12-16"));
}

#[test]
fn statuses() {
    let low = Policy { low_stock_threshold: 3, ..allow(Some(14)) };
    let full = Policy { backorder_limit: Some(0), ..allow(Some(14)) };
    let gone = Policy { discontinued: true, ..allow(Some(14)) };
    let preorder_denied = Policy { release_date: some("2027-01-01"), ..deny() };
    let cases = [
        (low.clone(), 10, Status::InStock),
        (low.clone(), 3, Status::LowStock),
        (low, 0, Status::Backorder),
        (deny(), 0, Status::OutOfStock),
        (full, 0, Status::OutOfStock),
        (gone.clone(), 0, Status::Discontinued),
        (gone, 2, Status::InStock),
        (preorder_denied.clone(), 1, Status::Preorder),
        (preorder_denied, 0, Status::OutOfStock),
    ];
    for (policy, on_hand, status) in cases {
        let shop = Shop::new(policy.clone(), on_hand);
        assert_eq!(shop.ledger.availability(shop.today()).status(), status, "{policy:?} {on_hand}");
    }
}

#[test]
fn receipts_fill_the_oldest_backorders_first() {
    let mut shop = Shop::new(allow(Some(14)), 0);
    shop.order("A", 2).unwrap();
    shop.order("B", 1).unwrap();
    shop.order("C", 3).unwrap();
    let order = |id: &str, qty| Allocation { owner: Owner::Order(id.into()), qty };
    assert_eq!(shop.receive(4, None).unwrap(), (vec![order("A", 2), order("B", 1), order("C", 1)], 0));
    assert_eq!(shop.ledger.available_now(), 0, "C still waits, so nothing is free");
    assert_eq!(shop.line("C").position, Some(1));
    assert_eq!(shop.receive(5, None).unwrap(), (vec![order("C", 2)], 3));
    assert_eq!(shop.ledger.available_now(), 3);
}

#[test]
fn held_backorders_keep_their_place_and_receive_in_turn() {
    let mut shop = Shop::new(allow(Some(14)), 0);
    let hold = shop.reserve(2).unwrap();
    shop.order("B", 1).unwrap();
    let (allocations, on_hand) = shop.receive(2, None).unwrap();
    assert_eq!(allocations, vec![Allocation { owner: Owner::Reservation(hold.id.clone()), qty: 2 }]);
    assert_eq!(on_hand, 2, "the units are held for the reservation");
    assert_eq!(shop.hold(&hold.id).covered, 2);
    // Confirming keeps the promise and reports the units covered meanwhile.
    shop.events();
    let line = shop.confirm("A", &hold).unwrap();
    assert_eq!((line.allocated, line.outstanding), (2, 0));
    assert_eq!(
        shop.events(),
        vec![
            Event::BackorderCreated { order_id: "A".into(), backorder: 2, promised: some("2026-12-11") },
            Event::BackorderAllocated {
                order_id: "A".into(),
                qty: 2,
                outstanding: 0,
                shipped: some("2026-11-27")
            },
        ]
    );
}

#[test]
fn holds_expire_once_lazily_or_by_alarm_and_return_units_to_the_queue_first() {
    let mut shop = Shop::new(allow(Some(14)), 1);
    let hold = shop.reserve(1).unwrap();
    assert_eq!(shop.ledger.next_expiry(), Some(shop.now + 15 * MINUTE));
    shop.order("B", 1).unwrap();
    shop.events();
    shop.advance(15 * MINUTE - 1);
    assert_eq!(shop.hold(&hold.id).state, HoldState::Held);
    shop.advance(1);
    assert_eq!(shop.hold(&hold.id).state, HoldState::Expired);
    assert_eq!(
        shop.events(),
        vec![Event::BackorderAllocated {
            order_id: "B".into(),
            qty: 1,
            outstanding: 0,
            shipped: some("2026-11-27")
        }]
    );
    assert_eq!(shop.ledger.next_expiry(), None);
    // Expiring again is the same as once.
    shop.advance(MINUTE);
    assert_eq!(shop.ledger.available_now(), 0);
    assert_eq!(shop.events(), vec![]);

    // Lazily: a command after the expiry time sees the units back.
    let mut shop = Shop::new(allow(Some(14)), 1);
    shop.reserve(1).unwrap();
    shop.now += 20 * MINUTE;
    assert_eq!(shop.reserve(1).unwrap().quote.now, 1);
}

#[test]
fn each_resolution_happens_once() {
    let mut shop = Shop::new(allow(Some(14)), 5);
    let released = shop.reserve(2).unwrap();
    let first = shop.apply(Command::Release { id: released.id.clone() }).unwrap();
    assert_eq!(shop.ledger.available_now(), 5);
    assert_eq!(shop.apply(Command::Release { id: released.id.clone() }), Ok(first));
    assert_eq!(shop.ledger.available_now(), 5, "a second release returns nothing twice");
    assert_eq!(shop.confirm("X", &released), Err(Error::ReservationNotHeld { state: HoldState::Released }));

    let confirmed = shop.reserve(2).unwrap();
    let line = shop.confirm("1001", &confirmed).unwrap();
    assert_eq!(shop.confirm("1001", &confirmed), Ok(line), "confirming again answers the same line");
    let state = HoldState::Confirmed { order_id: "1001".into() };
    assert_eq!(
        shop.apply(Command::Release { id: confirmed.id.clone() }),
        Err(Error::ReservationNotHeld { state })
    );
    let other = Command::Confirm { order_id: "1001".into(), qty: 1, ship: None, reservation: None };
    assert_eq!(shop.apply(other), Err(Error::OrderExists));
    assert_eq!(
        shop.apply(Command::Release { id: "nope".into() }),
        Err(Error::NotFound(Missing::Reservation))
    );
}

#[test]
fn cancelling_a_line_restocks_and_refunds_once() {
    let mut shop = Shop::new(allow(Some(14)), 1);
    shop.order("A", 3).unwrap(); // 1 now, 2 backordered
    shop.order("B", 1).unwrap(); // 1 backordered
    shop.receive(1, None).unwrap(); // A: 1 of 2 allocated
    shop.events();
    let cancel = Command::Cancel { order_id: "A".into(), scope: CancelScope::Line };
    let outcome = shop.apply(cancel.clone()).unwrap();
    let cancellation = Cancellation { refund_qty: 3, restocked: 2, backorder_cancelled: 1 };
    assert_eq!(outcome, Outcome::Cancelled { order_id: "A".into(), cancellation });
    // The 2 units go to B first, the other becomes free.
    assert_eq!(shop.line("B").outstanding, 0);
    assert_eq!(shop.ledger.available_now(), 1);
    assert_eq!(
        shop.events(),
        vec![
            Event::OrderCancelled { order_id: "A".into(), refund_qty: 3, restocked: 2 },
            // Thu 26 Nov + 7 working days.
            Event::RefundDue { order_id: "A".into(), qty: 3, due: date("2026-12-07") },
            Event::BackorderAllocated {
                order_id: "B".into(),
                qty: 1,
                outstanding: 0,
                shipped: some("2026-11-27")
            },
        ]
    );
    assert_eq!(shop.apply(cancel), Ok(outcome));
    assert_eq!(shop.ledger.available_now(), 1);
    assert_eq!(shop.events(), vec![]);
}

#[test]
fn cancelling_only_the_backorder_keeps_what_ships() {
    let mut shop = Shop::new(allow(Some(14)), 1);
    shop.order("A", 3).unwrap();
    shop.events();
    let outcome =
        shop.apply(Command::Cancel { order_id: "A".into(), scope: CancelScope::Backorder }).unwrap();
    let cancellation = Cancellation { refund_qty: 2, restocked: 0, backorder_cancelled: 2 };
    assert_eq!(outcome, Outcome::Cancelled { order_id: "A".into(), cancellation });
    let line = shop.line("A");
    assert_eq!((line.quote.now, line.outstanding, line.cancelled_backorder), (1, 0, 2));
    assert_eq!(
        shop.events(),
        vec![
            Event::BackorderCancelled {
                order_id: "A".into(),
                qty: 2,
                refund_qty: 2,
                reason: CancelReason::Merchant
            },
            Event::RefundDue { order_id: "A".into(), qty: 2, due: date("2026-12-07") },
        ]
    );
    // Cancelling the rest later refunds only what was not refunded yet.
    let rest = shop.apply(Command::Cancel { order_id: "A".into(), scope: CancelScope::Line }).unwrap();
    let cancellation = Cancellation { refund_qty: 1, restocked: 1, backorder_cancelled: 0 };
    assert_eq!(rest, Outcome::Cancelled { order_id: "A".into(), cancellation });
}

#[test]
fn discontinuing_cancels_waiting_units_and_sells_what_remains() {
    let mut shop = Shop::new(allow(Some(14)), 1);
    shop.order("A", 3).unwrap(); // 1 now, 2 waiting
    let hold = shop.reserve(2).unwrap(); // 2 waiting
    shop.events();
    let policy = Policy { discontinued: true, ..allow(Some(14)) };
    shop.apply(Command::Configure { policy, on_hand: None }).unwrap();
    assert_eq!(
        shop.events(),
        vec![
            Event::BackorderCancelled {
                order_id: "A".into(),
                qty: 2,
                refund_qty: 2,
                reason: CancelReason::Discontinued
            },
            // Nothing to consent to: the refund is due at once.
            Event::RefundDue { order_id: "A".into(), qty: 2, due: date("2026-12-07") },
        ]
    );
    assert_eq!(shop.hold(&hold.id).state, HoldState::Withdrawn);
    assert_eq!(shop.ledger.queue().count(), 0);
    assert_eq!(shop.ledger.availability(shop.today()).status(), Status::Discontinued);
    assert_eq!(shop.reserve(1), Err(Error::Refused(Refusal::Discontinued)));
    shop.receive(2, None).unwrap();
    assert_eq!(shop.reserve(2).unwrap().quote.now, 2, "remaining stock still sells");
    assert_eq!(shop.reserve(1), Err(Error::Refused(Refusal::Discontinued)));
}

#[test]
fn eta_changed_is_sent_for_exactly_the_lines_whose_date_moved() {
    // Without delay notices, which `delay_notices_*` below check.
    let mut shop = Shop::new(Policy { delay_consent: DelayConsent::Off, ..allow(Some(14)) }, 0);
    shop.purchase_order("PO-1", 3, "2026-12-03");
    let a = shop.order("A", 2).unwrap(); // PO-1: Thu 3 Dec, ships Fri 4 Dec
    let b = shop.order("B", 2).unwrap(); // 1 from PO-1, 1 beyond: Thu 10 Dec, ships Fri 11 Dec
    assert_eq!(
        (a.quote.backorder_ship_date, b.quote.backorder_ship_date),
        (some("2026-12-04"), some("2026-12-11"))
    );
    shop.events();
    // PO-1 slips to Tue 8 Dec: A now ships Wed 9 Dec; B still waits for the lead time.
    shop.purchase_order("PO-1", 3, "2026-12-08");
    assert_eq!(
        shop.events(),
        vec![Event::EtaChanged {
            order_id: "A".into(),
            promised: some("2026-12-04"),
            previous: some("2026-12-04"),
            projected: some("2026-12-09"),
        }]
    );
    assert_eq!(shop.line("A").projected, some("2026-12-09"));
    assert_eq!(shop.line("A").quote.backorder_ship_date, some("2026-12-04"), "the promise is kept on record");
    // Cancelling the purchase order moves A to the lead time too.
    shop.apply(Command::CancelPurchaseOrder { id: "PO-1".into() }).unwrap();
    let events: Vec<Event> = shop.events().into_iter().filter(|e| e.kind() == "eta_changed").collect();
    assert_eq!(events.len(), 1);
    assert!(matches!(&events[0], Event::EtaChanged { order_id, projected, .. }
        if order_id == "A" && *projected == some("2026-12-11")));
}

#[test]
fn other_shoppers_only_move_dates_earlier() {
    let mut shop = Shop::new(allow(Some(14)), 0);
    shop.purchase_order("PO-1", 2, "2026-12-03");
    let ahead = shop.reserve(2).unwrap(); // takes PO-1
    shop.order("B", 1).unwrap(); // beyond supply: ships Fri 11 Dec
    shop.reserve(3).unwrap();
    assert_eq!(shop.line("B").projected, some("2026-12-11"));
    shop.events();
    shop.apply(Command::Release { id: ahead.id }).unwrap();
    assert_eq!(shop.line("B").projected, some("2026-12-04"));
    assert_eq!(
        shop.events(),
        vec![Event::EtaChanged {
            order_id: "B".into(),
            promised: some("2026-12-11"),
            previous: some("2026-12-11"),
            projected: some("2026-12-04"),
        }]
    );
}

#[test]
fn lead_time_promises_hold_until_the_lead_time_has_passed() {
    let mut shop = Shop::new(Policy { delay_consent: DelayConsent::Off, ..allow(Some(14)) }, 0);
    shop.order("A", 1).unwrap(); // due Thu 10 Dec, ships Fri 11 Dec
    shop.events();
    shop.advance(DAY); // Fri 27 Nov: still due Thu 10 Dec
    assert_eq!(shop.line("A").projected, some("2026-12-11"));
    assert_eq!(shop.events(), vec![]);
    shop.advance(13 * DAY); // Thu 10 Dec: due today
    assert_eq!(shop.line("A").projected, some("2026-12-11"));
    shop.advance(DAY); // Fri 11 Dec: late, expected any day from today, ships Mon 14 Dec
    assert_eq!(shop.line("A").projected, some("2026-12-14"));
    assert_eq!(
        shop.events(),
        vec![Event::EtaChanged {
            order_id: "A".into(),
            promised: some("2026-12-11"),
            previous: some("2026-12-11"),
            projected: some("2026-12-14"),
        }]
    );
}

#[test]
fn a_quote_made_before_midnight_holds_when_confirmed_after() {
    let mut shop = Shop::new(allow(Some(14)), 0);
    shop.now = morning("2026-11-26") + 13 * 60 * MINUTE + 59 * MINUTE; // 23:59
    let hold = shop.reserve(1).unwrap();
    shop.now += 2 * MINUTE; // 00:01 the next day
    let line = shop.confirm("A", &hold).unwrap();
    assert_eq!(line.projected, hold.quote.backorder_ship_date);
    assert!(shop.events().iter().all(|e| e.kind() != "eta_changed"));
}

#[test]
fn a_repeated_backorder_cancel_answers_the_first_result() {
    let mut shop = Shop::new(allow(Some(14)), 1);
    shop.order("A", 3).unwrap();
    let cancel = Command::Cancel { order_id: "A".into(), scope: CancelScope::Backorder };
    let first = shop.apply(cancel.clone()).unwrap();
    assert_eq!(shop.apply(cancel), Ok(first));
}

#[test]
fn low_stock_is_announced_when_the_threshold_is_crossed() {
    let mut shop = Shop::new(Policy { low_stock_threshold: 3, ..allow(Some(14)) }, 5);
    shop.reserve(1).unwrap();
    assert_eq!(shop.events(), vec![]);
    shop.reserve(1).unwrap();
    assert_eq!(shop.events(), vec![Event::LowStock { available_now: 3, threshold: 3 }]);
    shop.reserve(1).unwrap();
    assert_eq!(shop.events(), vec![]);
    shop.receive(5, None).unwrap();
    shop.reserve(5).unwrap();
    assert_eq!(shop.events(), vec![Event::LowStock { available_now: 2, threshold: 3 }]);
}

#[test]
fn reorder_needed_reports_the_shortfall_as_it_grows() {
    let mut shop = Shop::new(allow(Some(14)), 0);
    shop.purchase_order("PO-1", 2, "2026-12-03");
    shop.order("A", 2).unwrap();
    assert_eq!(shop.events().iter().filter(|e| e.kind() == "reorder_needed").count(), 0);
    shop.order("B", 2).unwrap();
    let reorders =
        |events: Vec<Event>| events.into_iter().filter(|e| e.kind() == "reorder_needed").collect::<Vec<_>>();
    assert_eq!(
        reorders(shop.events()),
        vec![Event::ReorderNeeded { shortfall: 2, backordered: 4, inbound: 2 }]
    );
    shop.order("C", 1).unwrap();
    assert_eq!(
        reorders(shop.events()),
        vec![Event::ReorderNeeded { shortfall: 3, backordered: 5, inbound: 2 }]
    );
    shop.purchase_order("PO-2", 10, "2026-12-20");
    shop.order("D", 1).unwrap();
    assert_eq!(reorders(shop.events()), vec![]);
}

#[test]
fn store_time_zone_decides_today() {
    let policy = Policy { utc_offset_minutes: 60, ..allow(Some(14)) };
    let mut shop = Shop::new(policy, 5);
    shop.now = morning("2026-11-26") + 13 * 60 * MINUTE + 30 * MINUTE; // 23:30 UTC, 00:30 local Fri
    assert_eq!(shop.today(), date("2026-11-27"));
    assert_eq!(shop.reserve(1).unwrap().quote.ship_date, some("2026-11-30"));
}

#[test]
fn stock_counts_adjust_on_hand_without_touching_holds() {
    let mut shop = Shop::new(allow(Some(14)), 5);
    shop.reserve(3).unwrap();
    let policy = shop.ledger.policy().clone();
    let lower = Command::Configure { policy: policy.clone(), on_hand: Some(1) };
    assert_eq!(
        shop.apply(lower),
        Err(Error::Invalid("on_hand cannot drop below the units held by reservations"))
    );
    assert_eq!(shop.ledger.on_hand(), 5);
    let exact = Command::Configure { policy: policy.clone(), on_hand: Some(3) };
    assert_eq!(shop.apply(exact), Ok(Outcome::Configured { on_hand: 3, allocations: vec![] }));
    assert_eq!(shop.ledger.available_now(), 0);
    shop.order("B", 2).unwrap();
    let raise = Command::Configure { policy, on_hand: Some(6) };
    let allocations = vec![Allocation { owner: Owner::Order("B".into()), qty: 2 }];
    assert_eq!(shop.apply(raise), Ok(Outcome::Configured { on_hand: 4, allocations }));
}

#[test]
fn invalid_policies_are_refused() {
    let mut shop = Shop::new(allow(Some(14)), 1);
    let cases = [
        Policy { calendar: Calendar::new(1, Weekdays::EMPTY, vec![]), ..Policy::default() },
        Policy { lead_time_days: Some(5_000), ..Policy::default() },
        Policy { utc_offset_minutes: 900, ..Policy::default() },
        Policy { hold_ttl: 0, ..Policy::default() },
    ];
    for policy in cases {
        let result = shop.apply(Command::Configure { policy: policy.clone(), on_hand: Some(9) });
        assert!(matches!(result, Err(Error::Invalid(_))), "{policy:?}");
        assert_eq!(shop.ledger.on_hand(), 1);
    }
}

#[test]
fn receipts_against_purchase_orders_reduce_them() {
    let mut shop = Shop::new(allow(Some(14)), 0);
    shop.purchase_order("PO-1", 5, "2026-12-03");
    shop.receive(2, Some("PO-1")).unwrap();
    assert_eq!(shop.ledger.purchase_orders()[0].qty, 3);
    shop.receive(9, Some("PO-1")).unwrap();
    assert!(shop.ledger.purchase_orders().is_empty(), "an over-delivery closes the order");
    assert_eq!(shop.receive(1, Some("PO-1")), Err(Error::NotFound(Missing::PurchaseOrder)));
    assert_eq!(shop.ledger.on_hand(), 11);
}

#[test]
fn each_waiting_line_names_the_purchase_order_its_last_unit_comes_from() {
    let mut shop = Shop::new(allow(Some(14)), 0);
    // PO-B is expected first, so it is used first, whatever its id.
    shop.purchase_order("PO-A", 2, "2026-12-10");
    shop.purchase_order("PO-B", 3, "2026-12-03");
    for (order_id, qty) in [("1", 2), ("2", 2), ("3", 1), ("4", 1)] {
        shop.order(order_id, qty).unwrap();
    }
    let covered: Vec<_> = shop.ledger.queue().map(|item| (item.outstanding, item.purchase_order)).collect();
    // 1 takes 2 of PO-B's 3; 2 takes PO-B's last and one of PO-A's; 3 takes PO-A's last;
    // nothing is scheduled for 4.
    assert_eq!(covered, vec![(2, Some("PO-B")), (2, Some("PO-A")), (1, Some("PO-A")), (1, None)]);
}

/// Runs `command` under an idempotency key, as a shell does.
fn keyed(
    replies: &mut MemoryReplies<Result<Outcome, Error>>,
    shop: &mut Shop,
    key: &str,
    command: Command,
) -> Option<Result<Outcome, Error>> {
    let (fingerprint, keep) = (command.fingerprint(), command.keep());
    let Ok(answer) =
        replies::once(replies, key, &fingerprint, keep, shop.now, || replies::itself(shop.apply(command)));
    answer
}

fn reserve_as(id: &str, qty: u32, client: Option<&str>) -> Command {
    Command::Reserve { id: id.into(), qty, ship: Ship::Partial, client: client.map(Into::into) }
}

#[test]
fn idempotency_keys_replay_the_first_outcome_failures_included() {
    let mut shop = Shop::new(deny(), 0);
    let mut replies = MemoryReplies::default();
    let refused = keyed(&mut replies, &mut shop, "k1", reserve_as("res_a", 1, None)).unwrap();
    assert!(refused.is_err());
    shop.receive(5, None).unwrap();
    // A retry generates a new id; it is still the same request and gets the first answer.
    assert_eq!(keyed(&mut replies, &mut shop, "k1", reserve_as("res_b", 1, None)).unwrap(), refused);
    let held = keyed(&mut replies, &mut shop, "k2", reserve_as("res_c", 1, None)).unwrap().unwrap();
    // From another address too: the client is not part of the request.
    let again = keyed(&mut replies, &mut shop, "k2", reserve_as("res_d", 1, Some("203.0.113.9")));
    assert_eq!(again.unwrap().unwrap(), held);
    assert_eq!(shop.ledger.available_now(), 4, "one reservation, not two");
    assert_eq!(
        keyed(&mut replies, &mut shop, "k2", reserve_as("res_e", 2, None)),
        None,
        "same key, different request"
    );
}

#[test]
fn a_refused_order_does_not_use_up_its_id_and_a_confirmed_one_does() {
    let mut shop = Shop::new(deny(), 1);
    let mut replies = MemoryReplies::default();
    let order = |qty| Command::Confirm { order_id: "1001".into(), qty, ship: None, reservation: None };
    let refused = keyed(&mut replies, &mut shop, "order:1001", order(3)).unwrap();
    assert!(matches!(refused, Err(Error::Refused(_))), "{refused:?}");
    assert!(replies.is_empty(), "a refusal is not kept for orders");
    // The same request again runs again (and is refused again: nothing changed).
    assert_eq!(keyed(&mut replies, &mut shop, "order:1001", order(3)).unwrap(), refused);
    // A corrected order under the same id succeeds, and then the id is taken for good.
    let confirmed = keyed(&mut replies, &mut shop, "order:1001", order(1)).unwrap().unwrap();
    assert_eq!(keyed(&mut replies, &mut shop, "order:1001", order(1)).unwrap().unwrap(), confirmed);
    assert_eq!(keyed(&mut replies, &mut shop, "order:1001", order(3)), None, "another request");
}

#[test]
fn one_client_may_start_thirty_reservations_per_ten_minutes() {
    let mut shop = Shop::new(allow(Some(14)), 1_000);
    let mut replies = MemoryReplies::default();
    let client = Some("198.51.100.7");
    for i in 0..30 {
        let reply = keyed(&mut replies, &mut shop, &format!("k{i}"), reserve_as(&format!("r{i}"), 1, client));
        assert!(matches!(reply, Some(Ok(Outcome::Reserved(_)))), "attempt {i}: {reply:?}");
    }
    // A replay is answered from its key and does not count.
    assert!(matches!(keyed(&mut replies, &mut shop, "k0", reserve_as("r0b", 1, client)), Some(Ok(_))));
    let limited = keyed(&mut replies, &mut shop, "k30", reserve_as("r30", 1, client));
    assert_eq!(limited, Some(Err(Error::RateLimited)));
    assert_eq!(shop.ledger.available_now(), 970, "the refused attempt took nothing");
    // Not kept: the same key is tried again once the window has moved on.
    shop.now += 10 * MINUTE;
    let later = keyed(&mut replies, &mut shop, "k30", reserve_as("r30", 1, client));
    assert!(matches!(later, Some(Ok(Outcome::Reserved(_)))), "{later:?}");
    // Requests without a client (local development, internal calls) are never limited.
    for i in 0..40 {
        assert!(shop.apply(reserve_as(&format!("n{i}"), 1, None)).is_ok());
    }
}

#[test]
fn restore_rebuilds_an_identical_ledger() {
    let mut shop = Shop::new(Policy { low_stock_threshold: 2, ..allow(Some(14)) }, 2);
    shop.purchase_order("PO-1", 3, "2026-12-03");
    shop.order("A", 3).unwrap();
    let hold = shop.reserve(2).unwrap();
    shop.order("B", 1).unwrap();
    shop.apply(Command::Release { id: hold.id }).unwrap();
    shop.reserve(1).unwrap();
    shop.events();
    let ledger = &shop.ledger;
    let holds = ledger.holds().map(|h| ledger.hold_record(&h.id).unwrap()).collect();
    let lines = ledger.lines().map(|l| ledger.line_record(&l.order_id).unwrap()).collect();
    let restored = Ledger::restore(
        ledger.policy().clone(),
        ledger.stock().clone(),
        holds,
        lines,
        ledger.purchase_orders().to_vec(),
    )
    .unwrap();
    let today = shop.today();
    assert_eq!(restored.availability(today), ledger.availability(today));
    assert_eq!(restored.queue().collect::<Vec<_>>(), ledger.queue().collect::<Vec<_>>());
    let (mut a, mut b) = (shop.ledger.clone(), restored);
    let command = Command::Confirm { order_id: "C".into(), qty: 4, ship: None, reservation: None };
    assert_eq!(a.apply(shop.now, command.clone()), b.apply(shop.now, command));
    assert_eq!(a.take_events(), b.take_events());
}

#[test]
fn restore_refuses_inconsistent_state() {
    let stock = Stock { free: 3, received: 1, ..Stock::default() };
    let result = Ledger::restore(Policy::default(), stock, vec![], vec![], vec![]);
    assert_eq!(result.err(), Some("units were created or lost"));
}

/// Found by fuzzing stored rows (fuzz/regressions/record_decoding/): a settled line whose record
/// says it cancelled more backordered units than it had made `restore` subtract past zero
/// while counting its settled units (a panic in debug builds, a wrapped count in release).
#[test]
fn restore_and_visits_refuse_a_line_that_cancelled_more_than_it_backordered() {
    let mut shop = Shop::new(allow(Some(14)), 5);
    shop.order("A", 2).unwrap();
    let ledger = &shop.ledger;
    let settled = shop.stored.settled_lines["A"].clone();
    // 2 units shipped at once, none backordered: 1 backordered unit cancelled is impossible.
    assert_eq!((settled.quote.now, settled.quote.backorder), (2, 0));
    let corrupt = Line { cancelled_backorder: 1, ..settled };
    let restored = Ledger::restore(
        ledger.policy().clone(),
        Stock { settled_units: 0, ..ledger.stock().clone() },
        vec![],
        vec![(corrupt.clone(), None)],
        vec![],
    );
    assert_eq!(restored.err(), Some("a line cancelled more backordered units than it had"));
    let mut ledger = ledger.clone();
    assert_eq!(ledger.visit_line(corrupt), Err("a line cancelled more backordered units than it had"));
    // Settled units that would pass u64::MAX are refused, not wrapped.
    let stock = Stock { settled_units: u64::MAX, ..ledger.stock().clone() };
    let overflow = Ledger::restore(
        ledger.policy().clone(),
        stock,
        vec![],
        vec![(shop.stored.settled_lines["A"].clone(), None)],
        vec![],
    );
    assert_eq!(overflow.err(), Some("settled units overflow"));
}

/// Found by fuzzing stored rows (fuzz/regressions/record_decoding/): a stock row whose
/// `next_seq` is not past every open record's `seq` loaded, and the next line took a number an
/// open line already had — the queue then lost track of one of them ("a queue entry belongs to
/// no open order line" after a receipt and an order).
#[test]
fn restore_refuses_records_numbered_after_the_next_sequence_number() {
    let mut shop = Shop::new(allow(Some(14)), 0);
    shop.order("A", 2).unwrap();
    shop.reserve(1).unwrap();
    let ledger = &shop.ledger;
    let lines: Vec<_> = ledger.lines().map(|l| ledger.line_record(&l.order_id).unwrap()).collect();
    let holds: Vec<_> = ledger.holds().map(|h| ledger.hold_record(&h.id).unwrap()).collect();
    let restore = |next_seq, holds: Vec<_>, lines: Vec<_>| {
        let stock = Stock { next_seq, ..ledger.stock().clone() };
        Ledger::restore(ledger.policy().clone(), stock, holds, lines, vec![]).err()
    };
    assert_eq!(restore(ledger.stock().next_seq, holds.clone(), lines.clone()), None);
    let numbered_after = Some("a record is numbered after the stock's next sequence number");
    let line_seq = lines[0].0.seq;
    assert_eq!(restore(line_seq, vec![], lines.clone()), numbered_after);
    let hold_seq = holds[0].0.seq;
    assert_eq!(restore(hold_seq, holds, vec![]), numbered_after);
}

#[test]
fn event_sequence_numbers_have_no_gaps() {
    let mut shop = Shop::new(allow(Some(14)), 0);
    shop.order("A", 1).unwrap();
    shop.order("B", 1).unwrap();
    shop.receive(2, None).unwrap();
    let records = shop.ledger.take_events();
    let seqs: Vec<u64> = records.iter().map(|r| r.seq).collect();
    let first = seqs[0];
    assert_eq!(seqs, (first..first + seqs.len() as u64).collect::<Vec<_>>());
}

#[test]
fn settled_lines_leave_memory_and_come_back_for_a_command() {
    let mut shop = Shop::new(allow(Some(14)), 5);
    shop.order("A", 2).unwrap();
    let waiting = shop.order("B", 4).unwrap();
    assert_eq!((waiting.quote.now, waiting.quote.backorder), (3, 1));
    // A shipped at once: nothing of it waits, so only B (one unit waiting) stays in memory.
    let in_memory: Vec<&str> = shop.ledger.lines().map(|line| line.order_id.as_str()).collect();
    assert_eq!(in_memory, ["B"]);
    assert_eq!(shop.ledger.stock().settled_units, 2);
    // A receipt fills B: it settles too, and its record says what it got.
    shop.receive(1, None).unwrap();
    assert_eq!(shop.ledger.lines().count(), 0);
    assert_eq!(shop.ledger.stock().settled_units, 6);
    assert_eq!((shop.line("B").allocated, shop.line("B").outstanding), (1, 0));
    // Cancelling a settled line brings it back, restocks it, and it settles again.
    let Outcome::Cancelled { cancellation, .. } =
        shop.apply(Command::Cancel { order_id: "A".into(), scope: CancelScope::Line }).unwrap()
    else {
        panic!("cancel answered otherwise")
    };
    assert_eq!(cancellation.restocked, 2);
    assert_eq!(shop.ledger.available_now(), 2);
    assert_eq!(shop.ledger.lines().count(), 0);
    assert_eq!(shop.ledger.stock().settled_units, 4);
    assert_eq!(shop.line("A").cancellation, Some(cancellation));
}

#[test]
fn a_settled_order_confirmed_again_answers_as_before_and_takes_nothing() {
    let mut shop = Shop::new(allow(Some(14)), 5);
    let first = shop.apply(Command::Confirm { order_id: "A".into(), qty: 2, ship: None, reservation: None });
    let again = shop.apply(Command::Confirm { order_id: "A".into(), qty: 2, ship: None, reservation: None });
    assert_eq!(again, first);
    assert_eq!(shop.ledger.available_now(), 3);
    let other = shop.apply(Command::Confirm { order_id: "A".into(), qty: 3, ship: None, reservation: None });
    assert_eq!(other, Err(Error::OrderExists));
    // A visiting line that nothing changed leaves without being written again.
    assert!(shop.ledger.take_changes().settled_lines.is_empty());
    assert_eq!(shop.ledger.lines().count(), 0);
}

#[test]
fn restore_settles_lines_stored_before_lines_settled() {
    let mut shop = Shop::new(allow(Some(14)), 5);
    shop.order("A", 2).unwrap();
    shop.order("B", 6).unwrap();
    let ledger = &shop.ledger;
    // As an earlier version stored it: every line, and no settled units counted.
    let stock = Stock { settled_units: 0, ..ledger.stock().clone() };
    let a = shop.stored.settled_lines["A"].clone();
    let mut lines: Vec<(Line, Option<Waiting>)> = vec![(a.clone(), None)];
    lines.extend(ledger.lines().map(|l| ledger.line_record(&l.order_id).unwrap()));
    let holds = ledger.holds().map(|h| ledger.hold_record(&h.id).unwrap()).collect();
    let mut restored =
        Ledger::restore(ledger.policy().clone(), stock, holds, lines, ledger.purchase_orders().to_vec())
            .unwrap();
    assert_eq!(restored.stock().settled_units, 2);
    assert_eq!(restored.lines().map(|line| line.order_id.as_str()).collect::<Vec<_>>(), ["B"]);
    let changes = restored.take_changes();
    assert_eq!((changes.settled_lines, changes.stock), (vec![a], true));
}

#[test]
fn only_a_settled_line_can_visit() {
    let mut shop = Shop::new(allow(Some(14)), 0);
    shop.order("A", 1).unwrap();
    let (open, _) = shop.ledger.line_record("A").unwrap();
    assert_eq!(shop.ledger.visit_line(open.clone()), Err("the line is already in memory"));
    let other = Line { order_id: "B".into(), ..open };
    assert_eq!(shop.ledger.visit_line(other), Err("a settled line cannot own a queue entry"));
}

#[test]
fn resolved_reservations_leave_memory_and_answer_from_their_records() {
    let mut shop = Shop::new(allow(Some(14)), 5);
    let released = shop.reserve(2).unwrap();
    let confirmed = shop.reserve(1).unwrap();
    let first = shop.apply(Command::Release { id: released.id.clone() }).unwrap();
    let in_memory: Vec<&str> = shop.ledger.holds().map(|hold| hold.id.as_str()).collect();
    assert_eq!(in_memory, [confirmed.id.as_str()]);
    assert_eq!(shop.stored.resolved_holds[&released.id].state, HoldState::Released);
    // Brought back for a command, it answers as before and leaves again unwritten.
    assert_eq!(shop.apply(Command::Release { id: released.id.clone() }), Ok(first));
    assert_eq!(shop.confirm("X", &released), Err(Error::ReservationNotHeld { state: HoldState::Released }));
    assert_eq!(shop.ledger.holds().count(), 1);
    assert!(shop.ledger.take_changes().resolved_holds.is_empty());
    // Confirmed, it leaves too; its view still follows its order line's place.
    shop.confirm("1001", &confirmed).unwrap();
    assert_eq!(shop.ledger.holds().count(), 0);
    let view = shop.hold(&confirmed.id);
    assert_eq!((view.state, view.covered), (HoldState::Confirmed { order_id: "1001".into() }, 1));
    assert_eq!(shop.ledger.available_now(), 4);
}

#[test]
fn restore_hands_back_resolved_reservations_stored_before_they_left_memory() {
    let mut shop = Shop::new(allow(Some(14)), 5);
    let kept = shop.reserve(1).unwrap();
    let released = shop.reserve(1).unwrap();
    shop.apply(Command::Release { id: released.id.clone() }).unwrap();
    let ledger = &shop.ledger;
    let old = shop.stored.resolved_holds[&released.id].clone();
    let mut holds: Vec<(Hold, Option<Waiting>)> = vec![(old.clone(), None)];
    holds.extend(ledger.holds().map(|h| ledger.hold_record(&h.id).unwrap()));
    let mut restored =
        Ledger::restore(ledger.policy().clone(), ledger.stock().clone(), holds, vec![], vec![]).unwrap();
    assert_eq!(restored.holds().map(|hold| hold.id.clone()).collect::<Vec<_>>(), [kept.id]);
    assert_eq!(restored.take_changes().resolved_holds, vec![old]);
}

#[test]
fn only_a_resolved_reservation_can_visit() {
    let mut shop = Shop::new(allow(Some(14)), 5);
    let held = shop.reserve(1).unwrap();
    let (hold, _) = shop.ledger.hold_record(&held.id).unwrap();
    assert_eq!(shop.ledger.visit_hold(hold.clone()), Err("the reservation is already in memory"));
    let elsewhere = Hold { id: "other".into(), ..hold };
    assert_eq!(shop.ledger.visit_hold(elsewhere), Err("only a resolved reservation can visit"));
}

fn prepare(order_id: &str, id: &str, qty: u32, reservation: Option<&str>) -> Command {
    Command::Prepare {
        order_id: order_id.into(),
        id: id.into(),
        qty,
        ship: None,
        reservation: reservation.map(Into::into),
    }
}

fn prepared(outcome: Result<Outcome, Error>) -> HoldView {
    match outcome {
        Ok(Outcome::Prepared(view)) => view,
        other => panic!("prepare answered {other:?}"),
    }
}

#[test]
fn a_prepared_line_holds_its_units_without_expiring_until_its_order_commits() {
    let mut shop = Shop::new(allow(Some(14)), 3);
    let hold = prepared(shop.apply(prepare("1001", "p1", 2, None)));
    assert_eq!((hold.prepared_for.as_deref(), hold.quote.now), (Some("1001"), 2));
    assert_eq!(shop.ledger.available_now(), 1);
    // A repeat answers the same hold; no second one is made.
    assert_eq!(prepared(shop.apply(prepare("1001", "p1", 2, None))), hold);
    assert_eq!(shop.ledger.available_now(), 1);
    shop.advance(DAY);
    assert_eq!(shop.hold("p1").state, HoldState::Held, "a prepared hold does not expire");
    assert_eq!(
        shop.apply(Command::Release { id: "p1".into() }),
        Err(Error::ReservationPrepared { order_id: "1001".into() }),
        "nobody but its order may take it"
    );
    let line = shop.confirm("1001", &hold).unwrap();
    assert_eq!((line.quote.now, line.outstanding), (2, 0));
    assert_eq!(shop.ledger.available_now(), 1);
    // An order id this SKU already has a line for is refused at prepare, not at commit.
    assert_eq!(shop.apply(prepare("1001", "p9", 1, None)), Err(Error::OrderExists));
}

#[test]
fn aborting_releases_what_the_order_placed_and_gives_the_shopper_their_hold_back() {
    let mut shop = Shop::new(allow(Some(14)), 4);
    let placed = prepared(shop.apply(prepare("1001", "p1", 2, None)));
    let own = shop.reserve(1).unwrap();
    let pinned = prepared(shop.apply(prepare("1001", "ignored", 1, Some(&own.id))));
    assert_eq!(pinned.id, own.id);
    assert_eq!(
        shop.apply(prepare("1002", "x", 1, Some(&own.id))),
        Err(Error::ReservationPrepared { order_id: "1001".into() }),
        "one order at a time"
    );
    assert_eq!(shop.ledger.available_now(), 1);
    let abort = |id: &str| Command::Abort { order_id: "1001".into(), id: id.into() };
    assert!(
        matches!(shop.apply(abort(&placed.id)), Ok(Outcome::Aborted(view)) if view.state == HoldState::Released)
    );
    let back = shop.apply(abort(&own.id));
    assert!(
        matches!(back, Ok(Outcome::Aborted(ref view)) if view.state == HoldState::Held && view.prepared_for.is_none())
    );
    assert_eq!(shop.ledger.available_now(), 3, "the placed hold's units are back; the shopper keeps theirs");
    // Repeating either changes nothing.
    assert!(shop.apply(abort(&placed.id)).is_ok());
    assert!(shop.apply(abort(&own.id)).is_ok());
    assert_eq!(shop.ledger.available_now(), 3);
    // The shopper's hold expires when it would have.
    shop.advance(15 * MINUTE);
    assert_eq!(shop.hold(&own.id).state, HoldState::Expired);
    assert_eq!(shop.ledger.available_now(), 4);
}

#[test]
fn a_prepared_hold_outlives_a_discontinuation_and_its_waiting_units_are_cancelled_at_commit() {
    let mut shop = Shop::new(allow(Some(14)), 1);
    let hold = prepared(shop.apply(prepare("1001", "p1", 3, None))); // 1 now, 2 waiting
    shop.events();
    shop.apply(Command::Configure {
        policy: Policy { discontinued: true, ..allow(Some(14)) },
        on_hand: None,
    })
    .unwrap();
    assert_eq!(shop.hold("p1").state, HoldState::Held, "its order may still commit it");
    let line = shop.confirm("1001", &hold).unwrap();
    assert_eq!((line.quote.now, line.outstanding, line.cancelled_backorder), (1, 0, 2));
    let events = shop.events();
    assert!(
        events.contains(&Event::RefundDue { order_id: "1001".into(), qty: 2, due: date("2026-12-07") }),
        "{events:?}"
    );
}

/// A shop on Thu 26 Nov with a purchase order of 2 units due Thu 3 Dec and order "A" for them,
/// promised to ship Fri 4 Dec; then the purchase order slips to `slipped` (or is cancelled).
fn delayed(slipped: Option<&str>, lead_time_days: Option<u32>) -> (Shop, Delay) {
    let mut shop = Shop::new(allow(lead_time_days), 0);
    shop.purchase_order("PO-1", 2, "2026-12-03");
    let line = shop.order("A", 2).unwrap();
    assert_eq!(line.quote.backorder_ship_date, some("2026-12-04"));
    shop.events();
    match slipped {
        Some(expected) => shop.purchase_order("PO-1", 2, expected),
        None => drop(shop.apply(Command::CancelPurchaseOrder { id: "PO-1".into() }).unwrap()),
    }
    let delay = shop.line("A").delay.expect("a delay notice");
    (shop, delay)
}

/// The end of a day in the store (UTC here).
fn end_of(day: &str) -> Millis {
    morning(day) - 10 * 60 * MINUTE + DAY
}

#[test]
fn delay_notices_tell_the_revised_date_and_whether_silence_is_consent() {
    // (purchase order slips to, lead time, revised ship date, silence is consent)
    let cases = [
        (Some("2026-12-21"), Some(14), some("2026-12-22"), true), // 18 days later
        (Some("2027-01-05"), Some(14), some("2027-01-06"), false), // 33 days later
        (None, None, None, false),                                // unknown: no lead time, no PO
    ];
    for (slips_to, lead, revised, silence) in cases {
        let (mut shop, delay) = delayed(slips_to, lead);
        assert_eq!(
            (delay.notice, delay.promised, delay.revised, delay.silence_is_consent),
            (1, date("2026-12-04"), revised, silence),
            "{slips_to:?}"
        );
        assert_eq!(delay.deadline, end_of("2026-12-04"), "until the promised day ends");
        let events = shop.events();
        assert!(
            events.contains(&Event::DelayNotice {
                order_id: "A".into(),
                notice: 1,
                promised: date("2026-12-04"),
                revised,
                deadline: end_of("2026-12-04"),
                silence_is_consent: silence,
            }),
            "{events:?}"
        );
    }
}

#[test]
fn silence_consents_to_a_date_within_thirty_days() {
    let (mut shop, _) = delayed(Some("2026-12-21"), Some(14));
    shop.events();
    shop.advance(8 * DAY + 14 * 60 * MINUTE); // Sat 5 Dec 00:00: the deadline has passed
    let line = shop.line("A");
    assert!(matches!(line.delay.unwrap().answer, Some(DelayAnswer::Accepted { by_silence: true, .. })));
    assert_eq!(
        (line.outstanding, line.promise),
        (2, some("2026-12-22")),
        "the revised date is the promise now"
    );
    assert_eq!(
        shop.events(),
        vec![Event::DelayAccepted { order_id: "A".into(), revised: some("2026-12-22"), by_silence: true }]
    );
}

#[test]
fn without_consent_a_longer_or_unknown_delay_cancels_the_waiting_units_at_the_deadline() {
    for (slips_to, lead) in [(Some("2027-01-05"), Some(14)), (None, None)] {
        let (mut shop, _) = delayed(slips_to, lead);
        shop.events();
        shop.advance(8 * DAY + 14 * 60 * MINUTE);
        let line = shop.line("A");
        assert!(matches!(line.delay.unwrap().answer, Some(DelayAnswer::Cancelled { by_silence: true, .. })));
        assert_eq!((line.outstanding, line.cancelled_backorder), (0, 2));
        let events = shop.events();
        assert!(events.contains(&Event::BackorderCancelled {
            order_id: "A".into(),
            qty: 2,
            refund_qty: 2,
            reason: CancelReason::NoConsent
        }));
        // Cancelled at the deadline, Sat 5 Dec 00:00: seven working days on is Tue 15 Dec.
        assert!(
            events.contains(&Event::RefundDue { order_id: "A".into(), qty: 2, due: date("2026-12-15") }),
            "{events:?}"
        );
    }
}

#[test]
fn the_customer_accepts_or_cancels_and_a_consented_date_that_slips_renews_the_notice() {
    let (mut shop, _) = delayed(Some("2027-01-05"), Some(14));
    let answered = shop.apply(Command::AnswerDelay { order_id: "A".into(), accept: true }).unwrap();
    let Outcome::DelayAnswered(line) = answered else { panic!("{answered:?}") };
    assert_eq!(line.promise, some("2027-01-06"));
    assert_eq!(
        shop.apply(Command::AnswerDelay { order_id: "A".into(), accept: false }),
        Err(Error::NoDelayPending)
    );
    shop.advance(10 * DAY);
    assert_eq!(shop.line("A").outstanding, 2, "a consent is not cancelled at the deadline");
    shop.events();
    // The consented date slips: a renewed notice, for which silence is never consent.
    shop.purchase_order("PO-1", 2, "2027-01-12");
    let delay = shop.line("A").delay.unwrap();
    assert_eq!(
        (delay.notice, delay.promised, delay.revised, delay.silence_is_consent),
        (2, date("2027-01-06"), some("2027-01-13"), false)
    );
    let cancelled = shop.apply(Command::AnswerDelay { order_id: "A".into(), accept: false }).unwrap();
    let Outcome::DelayAnswered(line) = cancelled else { panic!() };
    assert_eq!((line.outstanding, line.cancelled_backorder), (0, 2));
    let events = shop.events();
    assert!(
        events.iter().any(|e| matches!(e, Event::BackorderCancelled { reason: CancelReason::Customer, .. })),
        "{events:?}"
    );
    assert!(events.iter().any(|e| matches!(e, Event::RefundDue { qty: 2, .. })));
}

#[test]
fn a_notice_is_withdrawn_when_the_line_is_on_time_again_and_none_goes_out_with_consent_off() {
    let (mut shop, _) = delayed(Some("2026-12-21"), Some(14));
    shop.purchase_order("PO-1", 2, "2026-12-02");
    assert_eq!(shop.line("A").delay, None, "back on time: nothing to decide");
    shop.advance(10 * DAY);
    assert_eq!(shop.line("A").outstanding, 2);
    let mut off = Shop::new(Policy { delay_consent: DelayConsent::Off, ..allow(Some(14)) }, 0);
    off.purchase_order("PO-1", 2, "2026-12-03");
    off.order("A", 2).unwrap();
    off.purchase_order("PO-1", 2, "2027-02-01");
    assert_eq!(off.line("A").delay, None);
    off.advance(30 * DAY);
    assert_eq!(off.line("A").outstanding, 2, "without the rule the line just waits");
}
