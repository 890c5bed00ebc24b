//! backorder-sim: how well Backorder Edge keeps its ship-date promises.
//!
//! A seeded store (see [`Store::demo`]) sells several SKUs for a number of days: Poisson
//! demand with weekly seasonality and bursts, purchase orders placed by a reorder rule with
//! lead times that vary and, in one scenario, slip. The real core decides everything —
//! each SKU is a [`backorder_core::Ledger`] driven with the commands the edge sends, `now`
//! passed in — and every backordered line's promise, notices and ship date are recorded from
//! its events. The same demand and supply are then replayed for a static lead-time policy
//! ("ships in 14 days"), and both are measured the same way ([`Summary`]).
//!
//! Same seed, same store: the same report, byte for byte.

mod metrics;
mod record;
mod report;
mod run;
mod store;

pub use metrics::{violations, Spread, Summary, Violation};
pub use record::{Fate, LineRecord, Notice, PromiseRule, SkuRecord, Units};
pub use report::Row;
pub use store::{Burst, Scenario, Shoppers, Sku, Store};

/// One scenario, both policies, per SKU in the store's order.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioRun {
    pub scenario: Scenario,
    pub backorder_edge: Vec<SkuRecord>,
    pub static_policy: Vec<SkuRecord>,
}

/// Every scenario of a store under one seed.
#[derive(Clone, Debug)]
pub struct Study {
    pub seed: u64,
    pub store: Store,
    pub runs: Vec<ScenarioRun>,
}

/// Runs `store` under `seed` in each of `scenarios`. The shoppers are the same in every
/// scenario; the suppliers' quoted lead times are drawn alike, their mishaps only where the
/// scenario has them.
pub fn study(store: &Store, seed: u64, scenarios: &[Scenario]) -> Study {
    let runs = scenarios
        .iter()
        .map(|&scenario| {
            let (backorder_edge, static_policy) =
                (0..store.skus.len()).map(|index| run::run_sku(store, index, seed, scenario)).unzip();
            ScenarioRun { scenario, backorder_edge, static_policy }
        })
        .collect();
    Study { seed, store: store.clone(), runs }
}

impl Study {
    /// Every broken invariant of every run.
    pub fn violations(&self) -> Vec<Violation> {
        let end = self.store.end();
        self.runs
            .iter()
            .flat_map(|run| run.backorder_edge.iter().chain(&run.static_policy))
            .flat_map(|record| violations(record, end))
            .collect()
    }
}
