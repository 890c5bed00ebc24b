//! The report: a table for the terminal, the markdown page with its definitions, and the
//! SVG chart. Only sorted vectors feed it and no clock is read, so one seed gives one text.

use std::fmt::Write;

use plotters::prelude::*;

use crate::metrics::{Spread, Summary};
use crate::record::SkuRecord;
use crate::store::Scenario;
use crate::Study;

const BACKORDER_EDGE: &str = "Backorder Edge";

/// Days late (negative: early) the chart spans.
const CHART_DAYS: std::ops::RangeInclusive<i32> = -21..=28;

/// One row of the results: a scenario under one policy.
pub struct Row<'a> {
    pub scenario: Scenario,
    pub policy: String,
    pub records: &'a [SkuRecord],
    pub summary: Summary,
}

impl Study {
    /// Backorder Edge then the static policy, for each scenario in turn.
    pub fn rows(&self) -> Vec<Row<'_>> {
        let end = self.store.end();
        let fixed = format!("static \"ships in {} days\"", self.store.static_lead_days);
        self.runs
            .iter()
            .flat_map(|run| {
                [(BACKORDER_EDGE.to_string(), &run.backorder_edge), (fixed.clone(), &run.static_policy)].map(
                    |(policy, records)| Row {
                        scenario: run.scenario,
                        policy,
                        records,
                        summary: Summary::of(records, end),
                    },
                )
            })
            .collect()
    }

    /// The results as a markdown table (it reads as well in a terminal).
    pub fn table(&self) -> String {
        let mut out = String::from(
            "| scenario | policy | backordered lines | promises kept | kept as first quoted | \
             late lines noticed before their promise passed | ETA error p50 / p90 / max (days) | \
             backorder age p50 / p90 / max (days) | cancelled: customer / no consent / discontinued | \
             waiting at the end |\n|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n",
        );
        for row in self.rows() {
            let s = &row.summary;
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} / {} / {} | {} |",
                row.scenario.name,
                row.policy,
                s.lines,
                share(s.kept_percent(), s.kept, s.decided()),
                share(s.kept_as_quoted_percent(), s.kept_as_quoted, s.decided()),
                share(s.noticed_percent(), s.late_noticed, s.late),
                spread(s.eta_error),
                spread(s.age),
                s.cancelled_by_customer,
                s.cancelled_without_consent,
                s.cancelled_by_store,
                s.waiting,
            );
        }
        out
    }

    /// Whether each target was met, with the figure.
    pub fn targets(&self) -> String {
        let rows = self.rows();
        let edge = rows.iter().filter(|row| row.policy == BACKORDER_EDGE);
        let mut out = String::new();
        for row in edge.clone().filter(|row| row.scenario == Scenario::ON_TIME) {
            let kept = row.summary.kept_percent().unwrap_or(100.0);
            let verdict = if kept >= 98.0 { "met" } else { "missed" };
            let _ = writeln!(
                out,
                "- At least 98 % of promises kept with suppliers on time: **{verdict}** ({kept:.1} %)."
            );
        }
        for row in edge {
            let s = &row.summary;
            let verdict = if s.late_noticed == s.late { "met" } else { "missed" };
            let _ = writeln!(
                out,
                "- 100 % of late lines noticed before their promise passed, {}: **{verdict}** ({} of {}; \
                 and {} of the {} lines that missed the date first quoted were told before it passed).",
                row.scenario.name, s.late_noticed, s.late, s.missed_quote_noticed, s.missed_quote
            );
        }
        out
    }

    /// The report page. `command` made it; `chart` is the SVG's file name beside it.
    pub fn markdown(&self, command: &str, chart: &str) -> String {
        let store = &self.store;
        let mut out = String::new();
        let _ = write!(
            out,
            "# Promise accuracy\n\n\
             How often Backorder Edge ships a backordered line by the date it promised, and whether \
             the customer hears in time when it will not — beside a static lead-time policy like the \
             apps' (\"ships in {static_days} days\", printed whatever the supply), on the same demand \
             and supply. The real core (`backorder-core`) decided every reservation, order, receipt and \
             notice; the simulator only passed time and played the shoppers, the merchant and the \
             suppliers.\n\n\
             Made by `{command}`: seed {seed}, {days} days from {start} (to {end}). The same seed makes \
             this page and its chart byte for byte.\n\n\
             ## Results\n\n{table}\n![Days shipped after the promise, share of shipped lines]({chart})\n\n\
             ### Targets\n\n{targets}\n",
            static_days = store.static_lead_days,
            seed = self.seed,
            days = store.days,
            start = store.start,
            end = store.end(),
            table = self.table(),
            targets = self.targets(),
        );
        self.write_reading(&mut out);
        self.write_per_sku(&mut out);
        self.write_store(&mut out);
        let _ = write!(out, "{}", DEFINITIONS.replace("{static_days}", &store.static_lead_days.to_string()));
        out
    }

    /// What the figures say, in words, for the scenarios run.
    fn write_reading(&self, out: &mut String) {
        let rows = self.rows();
        let pair = |scenario: Scenario| {
            let mut of = rows.iter().filter(|row| row.scenario == scenario).map(|row| &row.summary);
            of.next().zip(of.next())
        };
        let percent = |value: Option<f64>| value.map_or("—".into(), |value| format!("{value:.1} %"));
        let median = |spread: Option<Spread>| spread.map_or("—".into(), |spread| spread.p50.to_string());
        out.push_str(
            "### Reading the results

",
        );
        if let Some((edge, fixed)) = pair(Scenario::ON_TIME) {
            let _ = writeln!(
                out,
                "- With suppliers on time, Backorder Edge keeps {} of its promises: each is a purchase \
                 order's own date plus handling, or, beyond scheduled supply, `lead_time_days` set a day \
                 past the supplier's longest quote (the evening review orders the same day). The \
                 static policy keeps {}: its 14 days are too long for quick suppliers (ETA error \
                 median {} days against {}) and too short for slow ones.",
                percent(edge.kept_percent()),
                percent(fixed.kept_percent()),
                median(fixed.eta_error),
                median(edge.eta_error),
            );
        }
        if let Some((edge, fixed)) = pair(Scenario::SLIPPING) {
            let _ = writeln!(
                out,
                "- With suppliers slipping, Backorder Edge's dates *as first quoted* hold for {} of \
                 lines against {} for the static policy: its quotes are the suppliers' dates with no \
                 slack, so a slip breaks them. What it adds is the notice: all {} of the {} lines that \
                 missed their first date were told before it passed, and could consent or cancel; \
                 {} of the promises in force were kept. None of the static policy's {} late lines was \
                 told. The ETA error stays smaller (median {} days against {}).",
                percent(edge.kept_as_quoted_percent()),
                percent(fixed.kept_percent()),
                edge.missed_quote_noticed,
                edge.missed_quote,
                percent(edge.kept_percent()),
                fixed.late,
                median(edge.eta_error),
                median(fixed.eta_error),
            );
        }
        out.push('\n');
    }

    fn write_per_sku(&self, out: &mut String) {
        let end = self.store.end();
        out.push_str(
            "### Per SKU\n\n| SKU | scenario | backordered lines | Backorder Edge kept | static kept | \
             delay notices | shoppers refused |\n|---|---|--:|--:|--:|--:|--:|\n",
        );
        for (index, sku) in self.store.skus.iter().enumerate() {
            for run in &self.runs {
                let edge = Summary::of(std::slice::from_ref(&run.backorder_edge[index]), end);
                let fixed = Summary::of(std::slice::from_ref(&run.static_policy[index]), end);
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    sku.sku,
                    run.scenario.name,
                    edge.lines,
                    share(edge.kept_percent(), edge.kept, edge.decided()),
                    share(fixed.kept_percent(), fixed.kept, fixed.decided()),
                    edge.delay_notices,
                    edge.refused,
                );
            }
        }
        out.push('\n');
    }

    fn write_store(&self, out: &mut String) {
        let store = &self.store;
        out.push_str(
            "## The store\n\n| SKU | orders a day (mean) | on hand at the start | supplier quotes (days) | \
             promised beyond supply (`lead_time_days`) | reorder at / up to | |\n\
             |---|--:|--:|--:|--:|--:|---|\n",
        );
        for sku in &store.skus {
            let note = sku.discontinued_on.map_or(String::new(), |day| format!("discontinued on {day}"));
            let _ = writeln!(
                out,
                "| {} | {} | {} | {}–{} | {} | {} / {} | {note} |",
                sku.sku,
                sku.orders_per_day,
                sku.on_hand,
                sku.supplier_lead_days.start(),
                sku.supplier_lead_days.end(),
                sku.promise_lead_days,
                sku.reorder_point,
                sku.order_up_to,
            );
        }
        let weekly: Vec<String> = store.weekly.iter().map(|factor| format!("{factor}")).collect();
        let _ = write!(
            out,
            "\nDemand: Poisson orders a day (1 unit 75 %, 2 units 18 %, 3 units 7 %), between 08:00 and \
             22:00, times a weekday factor (Monday to Sunday: {weekly}) and these bursts:\n\n",
            weekly = weekly.join(", "),
        );
        for burst in &store.bursts {
            let who = burst.sku.as_deref().unwrap_or("every SKU");
            let _ =
                writeln!(out, "- {}: {} to {}, {who}, ×{}", burst.label, burst.from, burst.to, burst.factor);
        }
        let holidays: Vec<String> = store.ship_holidays.iter().map(|day| day.to_string()).collect();
        let habits = &store.shoppers;
        let _ = write!(
            out,
            "\nShipping: Monday to Friday, {handling} handling day, not on {holidays}. \
             {abandon:.0} % of shoppers reserve and leave (their hold expires). Told of a delay, \
             customers accept / cancel / stay silent {a1:.0} / {c1:.0} / {s1:.0} % of the time when \
             silence is consent, {a2:.0} / {c2:.0} / {s2:.0} % when it is not, answering 10 minutes to \
             48 hours after the notice (after the deadline counts as silence).\n\n\
             Supply: every evening at 23:00 the merchant reviews each SKU; when on hand + inbound − \
             backordered is at or below the reorder point, a purchase order brings it up to the \
             order-up-to level, with a lead time drawn from the supplier's range. Deliveries are \
             received at 09:00 against their purchase order. On the discontinued SKU's day the \
             merchant sets its policy to discontinued (the core cancels its waiting backorders) and \
             cancels its open purchase orders; shoppers who come later are refused beyond what is \
             left in stock.\n\n",
            handling = store.handling_days,
            holidays = holidays.join(", "),
            abandon = habits.abandon * 100.0,
            a1 = habits.answers_when_silence_consents.0 * 100.0,
            c1 = habits.answers_when_silence_consents.1 * 100.0,
            s1 = (1.0 - habits.answers_when_silence_consents.0 - habits.answers_when_silence_consents.1)
                * 100.0,
            a2 = habits.answers_when_consent_needed.0 * 100.0,
            c2 = habits.answers_when_consent_needed.1 * 100.0,
            s2 = (1.0 - habits.answers_when_consent_needed.0 - habits.answers_when_consent_needed.1) * 100.0,
        );
        out.push_str("Scenarios:\n\n");
        for run in &self.runs {
            let s = run.scenario;
            let _ = if s.late + s.shrunk + s.cancelled == 0.0 {
                writeln!(out, "- {}: every purchase order arrives in full on its quoted date.", s.name)
            } else {
                writeln!(
                    out,
                    "- {}: {:.0} % of purchase orders arrive late, by 1 + Poisson({}) days; {:.0} % \
                     arrive short (40–90 % of the quantity); {:.0} % are cancelled. The supplier announces \
                     the mishap on a day drawn between the order and its quoted date, and the merchant \
                     enters it that morning (the purchase order's new date or quantity, or its \
                     cancellation).",
                    s.name,
                    s.late * 100.0,
                    s.mean_days_late - 1.0,
                    s.shrunk * 100.0,
                    s.cancelled * 100.0
                )
            };
        }
        out.push('\n');
    }

    /// The chart: for each scenario and policy, the share of shipped lines that shipped within
    /// a given number of days of their promise (at 0: the promises kept among shipped lines).
    pub fn chart_svg(&self) -> Result<String, String> {
        let colours =
            [RGBColor(31, 119, 180), RGBColor(214, 39, 40), RGBColor(23, 190, 207), RGBColor(255, 127, 14)];
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (900, 520)).into_drawing_area();
            root.fill(&WHITE).map_err(|error| error.to_string())?;
            let mut chart = ChartBuilder::on(&root)
                .caption("Lines shipped by the promised date + x days", ("sans-serif", 22))
                .margin(16)
                .x_label_area_size(44)
                .y_label_area_size(56)
                .build_cartesian_2d(*CHART_DAYS.start()..*CHART_DAYS.end(), 0f64..100f64)
                .map_err(|error| error.to_string())?;
            chart
                .configure_mesh()
                .x_desc("days shipped after the promise in force (negative: early)")
                .y_desc("% of shipped lines")
                .draw()
                .map_err(|error| error.to_string())?;
            for (row, colour) in self.rows().iter().zip(colours) {
                let mut days_late: Vec<i32> = row
                    .records
                    .iter()
                    .flat_map(|record| &record.lines)
                    .filter_map(|line| line.days_late())
                    .collect();
                days_late.sort_unstable();
                if days_late.is_empty() {
                    continue;
                }
                let total = days_late.len() as f64;
                let points: Vec<(i32, f64)> = CHART_DAYS
                    .map(|x| (x, 100.0 * days_late.partition_point(|&late| late <= x) as f64 / total))
                    .collect();
                chart
                    .draw_series(LineSeries::new(points, colour.stroke_width(2)))
                    .map_err(|error| error.to_string())?
                    .label(format!("{} — {}", row.policy, row.scenario.name))
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(2))
                    });
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .background_style(WHITE.mix(0.9))
                .border_style(BLACK)
                .draw()
                .map_err(|error| error.to_string())?;
            root.present().map_err(|error| error.to_string())?;
        }
        Ok(svg)
    }
}

/// "98.4 % (123 of 125)", or "—" when there is nothing to count.
fn share(percent: Option<f64>, part: usize, whole: usize) -> String {
    percent.map_or_else(|| "—".into(), |percent| format!("{percent:.1} % ({part} of {whole})"))
}

fn spread(spread: Option<Spread>) -> String {
    spread.map_or_else(|| "—".into(), |s| format!("{} / {} / {}", s.p50, s.p90, s.max))
}

const DEFINITIONS: &str = "## How it is measured

- **A line** is a customer order line with backordered units (some of it may have shipped at once).
  Each SKU is one core `Ledger`; shoppers reserve (`Command::Reserve`) and confirm a minute later
  (`Command::Confirm`), as the widget and the order endpoint do.
- **Its promise** under Backorder Edge is the backorder's ship date the core quoted at checkout
  (`backorder_created.promised`). It is revised only when the customer consents to a delay — by
  answering a notice (`Command::AnswerDelay`) or by silence where 16 CFR 435 lets silence consent
  (`delay_accepted`); the promise in force is then the revised date. *Kept as first quoted* judges
  every line against its checkout date instead, consent or not.
- **Its ship date** is the `ship_date` of the `backorder_allocated` event that leaves nothing
  outstanding: the SKU's calendar ship date of the day its last unit was allocated.
- **Kept**: shipped on or before the promise in force. **Late**: shipped after it, or still waiting
  when it passed before the simulation ended. Lines still waiting with their promise ahead are
  *waiting at the end*; cancelled lines count as cancellations, neither kept nor late.
- **Noticed**: the core sent a `delay_notice` about that very promise before its day ended (the
  rule's \"applicable time\").
- **ETA error**: |ship date − date quoted at checkout|, in days, over shipped lines.
  **Backorder age**: ship date − order date.
- **Cancellations**: the customer cancelled when told of the delay; the notice needed an explicit
  consent that never came (`no_consent`); or the SKU was discontinued.
- **The static policy** sees exactly the same commands — the same shoppers at the same instants,
  the same purchase orders, supplier news and receipts — on a second ledger with delay notices off.
  Its promise is the order date + {static_days} days; its ship date is what the same FIFO
  allocation produced. It sends no notices, so none of its late lines is noticed (0 %). The
  customers who cancelled under Backorder Edge (told of a delay, or cancelled for want of
  consent) drop out here too, at the same instant, through the merchant (`Command::Cancel`,
  waiting units only), and are counted as the customer's: so both ledgers receive and allocate
  every unit alike, every line ships on the same day in both, and only the promise differs.
  (Without this, the static ledger would keep waiting lines the reorder rule never ordered for,
  and its lateness would grow from starved supply rather than from its promises.)
- **Time**: the core never reads a clock. The simulator passes `now` with every command and
  advances the ledger where the edge would: on every request (the merchant's 08:00 and 23:00
  reviews are requests) and at `Ledger::next_alarm` (hold expiries, notice deadlines).
- **Invariants** checked on every run (the run fails otherwise): the core's own `check_invariants`
  after every step; initial stock + received = on hand + shipped at once + allocated to
  backorders, counted from the simulator's commands and the core's outcomes and events, and equal
  to the ledger's own received + adjusted; every late line under Backorder Edge noticed before
  its promise passed; no line shipped before it was ordered.

## What the core does not expose, and how the simulator works around it

- The core reprojects a line only when it is touched — a command, a read, or an alarm — and its
  `next_alarm` covers hold expiries and notice deadlines, not the moment a line beyond scheduled
  supply becomes late by time alone. The edge has the same property. The simulator's merchant reads
  every SKU at 08:00 and 23:00 (as a console or a cron job would), so such a line is reviewed the
  day it slips; a SKU nobody touches all day would get its notice at the next request.
- Settled lines and resolved reservations leave the ledger's memory; like the edge, the
  simulator stores them and hands one back (`visit_line`, `visit_hold`) before a command that
  names it.
";
