//! `cargo bench -p backorder-core`: the core's hot paths, as medians over repeated samples.
//! Each line prints ops/s and ns/op; where the foundation issue sets a target the line says
//! whether it is met. A naive unit-by-unit dating (what the reference model does) runs in the
//! same process as a baseline for the ledger's lot-walking promise date.

use std::hint::black_box;
use std::time::Instant;

use backorder_core::*;

const NOW: Millis = 1_795_687_200_000; // Thu 2026-11-26 10:00 UTC

/// Median ns per call of `run` over `samples` samples of `per_sample` calls each.
fn measure(samples: usize, per_sample: usize, mut run: impl FnMut()) -> f64 {
    let mut results: Vec<f64> = (0..samples)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..per_sample {
                run();
            }
            start.elapsed().as_nanos() as f64 / per_sample as f64
        })
        .collect();
    results.sort_by(f64::total_cmp);
    results[samples / 2]
}

fn report(name: &str, ns: f64, target: Option<(&str, bool)>) {
    let verdict = match target {
        Some((goal, met)) => format!("  target {goal}: {}", if met { "met" } else { "MISSED" }),
        None => String::new(),
    };
    println!("{name:<58} {:>14.0} ops/s {:>12.1} ns/op{verdict}", 1e9 / ns, ns);
}

fn ledger(on_hand: u32, queued_lines: u32, purchase_orders: u32) -> Ledger {
    let mut ledger = Ledger::default();
    let policy = Policy { lead_time_days: Some(14), ..Policy::default() };
    ledger.apply(NOW, Command::Configure { policy, on_hand: Some(on_hand) }).expect("valid setup");
    let start = ledger.today(NOW);
    for i in 0..purchase_orders {
        let command =
            Command::SetPurchaseOrder { id: format!("PO-{i}"), qty: 50, expected: start.add_days(7 + i) };
        ledger.apply(NOW, command).expect("valid PO");
    }
    for i in 0..queued_lines {
        let command =
            Command::Confirm { order_id: format!("order-{i}"), qty: 1, ship: None, reservation: None };
        ledger.apply(NOW, command).expect("backorders allowed");
    }
    ledger.take_events();
    ledger.take_changes();
    ledger
}

fn main() {
    let filter = std::env::args().skip(1).find(|arg| !arg.starts_with('-'));
    let wanted = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    println!("backorder-core benchmarks (median of samples; release profile with debug assertions off)");

    if wanted("reserve") {
        let short = ledger(5, 3, 2);
        let today = short.today(NOW);
        let ns = measure(31, 200_000, || {
            let quote = short.availability(black_box(today)).quote(black_box(2), Ship::Partial, today);
            black_box(quote.ok());
        });
        report("reserve decision, short queue (3 lines, 2 POs)", ns, Some((">= 20M/s", ns <= 50.0)));
        let in_stock = ledger(100, 0, 0);
        let ns = measure(31, 200_000, || {
            let quote = in_stock.availability(black_box(today)).quote(black_box(2), Ship::Partial, today);
            black_box(quote.ok());
        });
        report("reserve decision, in stock (empty queue)", ns, None);
    }

    if wanted("promise") {
        let big = ledger(0, 10_000, 100);
        let today = big.today(NOW);
        let ns = measure(31, 500, || {
            let quote = big.availability(black_box(today)).quote(black_box(3), Ship::Partial, today);
            black_box(quote.ok());
        });
        report("promise date, 10,000 queued lines + 100 POs", ns, Some(("<= 50 us", ns <= 50_000.0)));
        // Baseline: date every unit individually, as the reference model does.
        let naive = measure(11, 20, || {
            let mut units: Vec<Date> = Vec::new();
            for po in big.purchase_orders() {
                units.extend(std::iter::repeat_n(po.expected.max(today), po.qty as usize));
            }
            let waiting: usize = big.queue().map(|item| item.outstanding as usize).sum();
            black_box(units.get(waiting + 2).copied());
        });
        report("  baseline: unit-by-unit dating (reference model)", naive, None);
    }

    if wanted("quote") {
        let big = ledger(0, 10_000, 100);
        let today = big.today(NOW);
        let snapshot: Snapshot = big.availability(today).published();
        let ns = measure(31, 200_000, || {
            black_box(snapshot.quote(black_box(120), Ship::Partial, today).ok());
        });
        report("quote on a snapshot (the widget's per-keystroke work)", ns, None);
    }

    if wanted("receipt") {
        let big = ledger(0, 10_000, 0);
        let mut copies: Vec<Ledger> = (0..21).map(|_| big.clone()).collect();
        let mut samples: Vec<f64> = copies
            .iter_mut()
            .map(|copy| {
                let start = Instant::now();
                let outcome = copy.apply(NOW, Command::Receive { qty: 10_000, purchase_order: None });
                let elapsed = start.elapsed().as_nanos() as f64;
                assert!(matches!(outcome, Ok(Outcome::Received { ref allocations, .. }) if allocations.len() == 10_000));
                elapsed
            })
            .collect();
        samples.sort_by(f64::total_cmp);
        report("receipt allocated across 10,000 waiting lines", samples[samples.len() / 2], None);
    }
}
