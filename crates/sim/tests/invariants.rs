//! A short seeded simulation (60 days, 3 SKUs) and the invariants every run keeps; then the
//! checker shown to fail on tampered records, so that a passing run means something.

use std::sync::OnceLock;

use backorder_core::{CancelReason, Date};
use backorder_sim::{
    study, violations, Fate, LineRecord, Notice, Scenario, Store, Study, Summary, Violation,
};

const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;

/// The demo store cut to three SKUs over 60 days: a steady seller, the one with the viral
/// day, and the one discontinued on day 33.
fn short_store() -> Store {
    let mut store = Store::demo(60);
    store.skus.retain(|sku| ["MUG-CLASSIC", "PHONE-CASE", "SPEAKER-V1"].contains(&sku.sku.as_str()));
    store
}

fn short_study(seed: u64) -> Study {
    study(&short_store(), seed, &[Scenario::ON_TIME, Scenario::SLIPPING])
}

/// Seed 7, computed once for the tests that only read it.
fn seven() -> &'static Study {
    static STUDY: OnceLock<Study> = OnceLock::new();
    STUDY.get_or_init(|| short_study(7))
}

fn summaries(study: &Study) -> Vec<(Scenario, Summary, Summary)> {
    let end = study.store.end();
    study
        .runs
        .iter()
        .map(|run| {
            (run.scenario, Summary::of(&run.backorder_edge, end), Summary::of(&run.static_policy, end))
        })
        .collect()
}

#[test]
fn a_short_run_keeps_every_invariant_and_meets_the_targets() {
    let study = seven();
    assert_eq!(study.violations(), vec![], "conservation, notices, the core's own invariants");
    let [(_, on_time, _), (_, slipping, slipping_static)] = &summaries(study)[..] else {
        panic!("two scenarios")
    };
    assert!(on_time.lines > 300, "the store backorders: {} lines", on_time.lines);
    assert!(on_time.kept_percent().is_some_and(|kept| kept >= 98.0), "{on_time:?}");
    // Not vacuous: suppliers slipped and lines missed the date first quoted (every one of them
    // told before it passed, or `violations` would say so); consent kept most promises.
    assert!(slipping.kept_as_quoted + 20 < slipping.decided(), "{slipping:?}");
    assert_eq!(slipping.late_noticed, slipping.late);
    assert!(slipping.cancelled_by_customer > 0 && slipping.cancelled_by_store > 0, "{slipping:?}");
    // The static policy sends nothing, so its late lines go unnoticed.
    assert!(slipping_static.late > 0 && slipping_static.late_noticed == 0);
    assert_eq!(slipping_static.delay_notices, 0);
}

#[test]
fn both_policies_see_the_same_demand_and_supply_and_ship_alike() {
    for run in &seven().runs {
        for (edge, fixed) in run.backorder_edge.iter().zip(&run.static_policy) {
            assert_eq!(edge.units, fixed.units, "{} {}: same units in and out", edge.sku, run.scenario.name);
            let shipped = |record: &backorder_sim::SkuRecord| -> Vec<(String, Option<Date>, bool)> {
                let lines = record.lines.iter();
                lines.map(|line| (line.order_id.clone(), line.shipped, line.cancelled.is_some())).collect()
            };
            assert_eq!(
                shipped(edge),
                shipped(fixed),
                "{} {}: only the promise differs",
                edge.sku,
                run.scenario.name
            );
        }
    }
}

#[test]
fn the_same_seed_makes_the_same_report_and_another_seed_another() {
    let again = short_study(7);
    let markdown = |study: &Study| study.markdown("cargo test", "chart.svg");
    assert_eq!(markdown(seven()), markdown(&again));
    assert_eq!(seven().chart_svg(), again.chart_svg());
    assert!(seven().chart_svg().is_ok_and(|svg| svg.starts_with("<svg") && svg.contains("polyline")));
    assert_ne!(markdown(seven()), markdown(&short_study(8)));
}

#[test]
fn the_checker_catches_tampered_records() {
    let run = &seven().runs[1];
    let end = seven().store.end();
    let record = &run.backorder_edge[0];
    assert_eq!(violations(record, end), vec![]);
    let kept = record.lines.iter().position(|line| line.fate(end) == Fate::Kept).expect("a kept line");

    // A line that shipped after its promise with no notice: the promise broken silently.
    let mut silent = record.clone();
    let line = &mut silent.lines[kept];
    (line.quoted, line.promise) = (line.promise, line.promise);
    line.shipped = Some(line.promise.add_days(3));
    line.notices.clear();
    let expected = Violation::LateWithoutNotice {
        sku: record.sku.clone(),
        order_id: line.order_id.clone(),
        promise: line.promise,
    };
    assert_eq!(violations(&silent, end), vec![expected]);

    // One unit allocated that no receipt supplied.
    let mut phantom = record.clone();
    phantom.units.allocated += 1;
    assert!(matches!(violations(&phantom, end)[..], [Violation::UnitsUnaccounted { .. }]));

    // The ledger counting a receipt the simulator never sent.
    let mut extra = record.clone();
    extra.units.ledger_received += 1;
    assert!(matches!(violations(&extra, end)[..], [Violation::SupplyDisagrees { .. }]));

    // A fault the core reported about itself.
    let mut faulty = record.clone();
    faulty.core_faults.push("units were created or lost".into());
    assert!(matches!(violations(&faulty, end)[..], [Violation::CoreFault { .. }]));
}

#[test]
fn lines_are_judged_by_the_end_of_their_promised_day() {
    let promise = Date::parse("2026-03-10").unwrap();
    let ordered_at = i64::from(promise.days() - 10) * DAY + 10 * HOUR;
    let end_of_promise = i64::from(promise.days() + 1) * DAY;
    let line = LineRecord {
        order_id: "L-1".into(),
        ordered_at,
        backordered: 1,
        quoted: promise,
        promise,
        notices: vec![],
        allocated: 1,
        shipped: Some(promise),
        cancelled: None,
    };
    let end = promise.add_days(30);
    assert_eq!(line.fate(end), Fate::Kept);
    let late = LineRecord { shipped: Some(promise.add_days(1)), ..line.clone() };
    assert_eq!(late.fate(end), Fate::Late);
    assert_eq!(LineRecord { shipped: None, ..line.clone() }.fate(end), Fate::Late, "still waiting after it");
    assert_eq!(LineRecord { shipped: None, ..line.clone() }.fate(promise), Fate::Waiting);
    let cancelled = LineRecord { cancelled: Some(CancelReason::Customer), ..late.clone() };
    assert_eq!(cancelled.fate(end), Fate::Cancelled(CancelReason::Customer));

    let notice = |at| Notice { at, promised: promise, revised: Some(promise.add_days(1)) };
    let told = |notices| LineRecord { notices, ..late.clone() };
    assert!(told(vec![notice(end_of_promise - 1)]).noticed_in_time(), "the last minute of the day counts");
    assert!(!told(vec![notice(end_of_promise)]).noticed_in_time(), "the next day is too late");
    // Consented to a later date, then late for that one too: the first notice was about the
    // original promise, not the one in force.
    let consented = LineRecord {
        promise: promise.add_days(5),
        shipped: Some(promise.add_days(6)),
        notices: vec![notice(ordered_at)],
        ..late
    };
    assert_eq!(consented.fate(end), Fate::Late);
    assert!(!consented.noticed_in_time(), "a notice must be about the promise in force");
}
