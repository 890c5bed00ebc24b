//! What the `<backorder-order>` element says for an order's status document. Pure: no DOM, no
//! clock; dates and instants are formatted by functions the caller passes (the browser's
//! `Intl` in the widget).

use backorder_api::output::{DelayDoc, OrderStatusDoc, StatusLineDoc};
use backorder_core::{Date, Millis};

use crate::view::fill;

/// Every sentence the order element shows; merchants override any of them with an attribute
/// of the same name, as on `<backorder-status>`. An empty text hides its paragraph.
/// Placeholders: `{order}`, `{n}` a count, `{name}`, `{date}`, `{promised}`, `{revised}`,
/// `{deadline}`, `{position}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderTexts {
    pub heading: String,
    pub placed: String,
    pub decision_needed: String,
    pub line: String,
    pub from_stock: String,
    pub allocated: String,
    pub waiting: String,
    pub waiting_unknown: String,
    pub position: String,
    pub cancelled: String,
    pub delay_heading: String,
    pub delay_revised: String,
    pub delay_unknown: String,
    pub delay_deadline: String,
    pub silence_keeps: String,
    pub silence_cancels: String,
    pub accept: String,
    pub cancel: String,
    pub accepted: String,
    pub accepted_unknown: String,
    pub accepted_silence: String,
    pub cancelled_customer: String,
    pub cancelled_silence: String,
    pub answer_failed: String,
    pub not_found: String,
    pub unavailable: String,
}

/// (attribute name, default) in the order of the fields above.
pub const ORDER_TEXT_ATTRIBUTES: [(&str, &str); 26] = [
    ("text-heading", "Order {order}"),
    ("text-placed", "Placed {date}"),
    ("text-decision-needed", "An item in this order is delayed: please tell us what you would like."),
    ("text-line", "{n} × {name}"),
    ("text-from-stock", "{n} from stock"),
    ("text-allocated", "{n} from a restock, being prepared"),
    ("text-waiting", "{n} on backorder, expected to ship by {date}"),
    ("text-waiting-unknown", "{n} on backorder, ship date to follow"),
    ("text-position", "Number {position} in line"),
    ("text-cancelled", "{n} cancelled, to be refunded"),
    ("text-delay-heading", "Delayed"),
    ("text-delay-revised", "We promised to ship by {promised}. The new date is {revised}."),
    ("text-delay-unknown", "We promised to ship by {promised}. We do not know the new date yet."),
    ("text-delay-deadline", "Please choose by {deadline}."),
    ("text-silence-keeps", "If we do not hear from you, we will keep your order for the new date."),
    (
        "text-silence-cancels",
        "If we do not hear from you, we will cancel the {n} still on backorder and refund you.",
    ),
    ("text-accept", "Keep my order"),
    ("text-cancel", "Cancel and refund"),
    ("text-accepted", "You agreed to the new date, {revised}."),
    ("text-accepted-unknown", "You agreed to wait for the new date."),
    ("text-accepted-silence", "Kept for the new date, {revised}."),
    ("text-cancelled-customer", "Cancelled as you asked."),
    ("text-cancelled-silence", "Cancelled: we had no answer by the deadline."),
    ("text-answer-failed", "Your answer could not be sent; please try again."),
    ("text-not-found", "We could not find this order. Please check the link you were sent."),
    ("text-unavailable", "The order status is unavailable right now; please try again later."),
];

impl OrderTexts {
    /// Texts from `attribute(name)`, falling back to the English defaults.
    pub fn from_attributes(attribute: impl Fn(&str) -> Option<String>) -> OrderTexts {
        let mut values = ORDER_TEXT_ATTRIBUTES
            .iter()
            .map(|(name, default)| attribute(name).unwrap_or_else(|| (*default).into()));
        let mut next = || values.next().unwrap_or_default();
        OrderTexts {
            heading: next(),
            placed: next(),
            decision_needed: next(),
            line: next(),
            from_stock: next(),
            allocated: next(),
            waiting: next(),
            waiting_unknown: next(),
            position: next(),
            cancelled: next(),
            delay_heading: next(),
            delay_revised: next(),
            delay_unknown: next(),
            delay_deadline: next(),
            silence_keeps: next(),
            silence_cancels: next(),
            accept: next(),
            cancel: next(),
            accepted: next(),
            accepted_unknown: next(),
            accepted_silence: next(),
            cancelled_customer: next(),
            cancelled_silence: next(),
            answer_failed: next(),
            not_found: next(),
            unavailable: next(),
        }
    }
}

impl Default for OrderTexts {
    fn default() -> OrderTexts {
        OrderTexts::from_attributes(|_| None)
    }
}

/// The whole order, as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderShown {
    pub heading: String,
    pub placed: String,
    /// Said when a decision is pending on any line; empty otherwise.
    pub summary: String,
    pub lines: Vec<LineShown>,
}

/// One line, as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineShown {
    pub sku: String,
    /// `backordered`, `ready` or `cancelled`, for styling.
    pub status: String,
    pub title: String,
    /// Where its units are: from stock, from a restock, waiting (and where in line), cancelled.
    pub facts: Vec<String>,
    pub delay: Option<DelayShown>,
}

/// A line's delay notice and its answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DelayShown {
    /// Waiting for the customer: the element offers the two answers.
    pub pending: bool,
    pub heading: String,
    pub paragraphs: Vec<String>,
}

/// The view of `doc`.
pub fn order_view(
    doc: &OrderStatusDoc,
    texts: &OrderTexts,
    format_date: &dyn Fn(Date) -> String,
    format_instant: &dyn Fn(Millis) -> String,
) -> OrderShown {
    OrderShown {
        heading: fill(&texts.heading, &[("order", &doc.order_id)]),
        placed: fill(&texts.placed, &[("date", &format_instant(doc.placed_at))]),
        summary: if doc.decision_pending { texts.decision_needed.clone() } else { String::new() },
        lines: doc.lines.iter().map(|line| line_view(line, texts, format_date, format_instant)).collect(),
    }
}

fn line_view(
    line: &StatusLineDoc,
    texts: &OrderTexts,
    format_date: &dyn Fn(Date) -> String,
    format_instant: &dyn Fn(Millis) -> String,
) -> LineShown {
    let count = |template: &str, n: u32| fill(template, &[("n", &n.to_string())]);
    let mut facts = Vec::new();
    if line.shipped_now > 0 {
        facts.push(count(&texts.from_stock, line.shipped_now));
    }
    if line.allocated > 0 {
        facts.push(count(&texts.allocated, line.allocated));
    }
    if line.waiting > 0 {
        // The projection when it is known (it is never later than the promise unless a delay
        // notice says so, below); else the promise.
        match line.projected_ship_date.or(line.promised_ship_date) {
            Some(date) => facts.push(fill(
                &texts.waiting,
                &[("n", &line.waiting.to_string()), ("date", &format_date(date))],
            )),
            None => facts.push(count(&texts.waiting_unknown, line.waiting)),
        }
        if let Some(position) = line.position {
            facts.push(fill(&texts.position, &[("position", &position.to_string())]));
        }
    }
    if line.cancelled > 0 {
        facts.push(count(&texts.cancelled, line.cancelled));
    }
    facts.retain(|fact| !fact.is_empty());
    LineShown {
        sku: line.sku.clone(),
        status: line.status.clone(),
        title: fill(&texts.line, &[("n", &line.qty.to_string()), ("name", &line.name)]),
        facts,
        delay: line
            .delay
            .as_ref()
            .map(|delay| delay_view(delay, line.waiting, texts, format_date, format_instant)),
    }
}

fn delay_view(
    delay: &DelayDoc,
    waiting: u32,
    texts: &OrderTexts,
    format_date: &dyn Fn(Date) -> String,
    format_instant: &dyn Fn(Millis) -> String,
) -> DelayShown {
    let promised = format_date(delay.promised_ship_date);
    let revised = delay.revised_ship_date.map(format_date);
    let dates = [("promised", promised.as_str()), ("revised", revised.as_deref().unwrap_or_default())];
    let by_silence = delay.decided_by.as_deref() == Some("silence");
    // Pending only while units still wait: a line filled meanwhile has nothing to decide.
    let pending = delay.decision == "pending" && waiting > 0;
    let mut paragraphs = Vec::new();
    match delay.decision.as_str() {
        "accepted" => paragraphs.push(match (by_silence, &revised) {
            (true, _) => fill(&texts.accepted_silence, &dates),
            (false, Some(_)) => fill(&texts.accepted, &dates),
            (false, None) => texts.accepted_unknown.clone(),
        }),
        "cancelled" => paragraphs.push(if by_silence {
            texts.cancelled_silence.clone()
        } else {
            texts.cancelled_customer.clone()
        }),
        _ if pending => {
            let about = if revised.is_some() { &texts.delay_revised } else { &texts.delay_unknown };
            paragraphs.push(fill(about, &dates));
            // The deadline is the first instant an answer is no longer taken (the end of a day):
            // the customer is shown the last minute that still counts.
            let last_minute = format_instant(delay.deadline - 60_000);
            paragraphs.push(fill(&texts.delay_deadline, &[("deadline", &last_minute)]));
            let silence =
                if delay.silence_is_consent { &texts.silence_keeps } else { &texts.silence_cancels };
            paragraphs.push(fill(silence, &[("n", &waiting.to_string())]));
        }
        _ => {}
    }
    paragraphs.retain(|paragraph| !paragraph.is_empty());
    DelayShown { pending, heading: texts.delay_heading.clone(), paragraphs }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    /// A status document as the edge writes it.
    fn doc(lines: serde_json::Value) -> OrderStatusDoc {
        let pending = lines.as_array().unwrap().iter().any(|line| line["delay"]["decision"] == "pending");
        serde_json::from_value(serde_json::json!({
            "order_id": "1001",
            "placed_at": "2026-11-26T10:00:00Z",
            "lines": lines,
            "decision_pending": pending,
        }))
        .unwrap()
    }

    fn line(extra: serde_json::Value) -> serde_json::Value {
        let mut line = serde_json::json!({
            "sku": "LAMP-1", "name": "Desk <lamp>", "qty": 3, "shipped_now": 1, "waiting": 2,
            "allocated": 0, "cancelled": 0, "position": 4, "promised_ship_date": "2026-12-04",
            "projected_ship_date": "2026-12-04", "status": "backordered", "delay": null,
        });
        line.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        line
    }

    fn delay(
        decision: &str,
        revised: Option<&str>,
        silence_is_consent: bool,
        by: Option<&str>,
    ) -> serde_json::Value {
        serde_json::json!({ "delay": {
            "notice": 1, "promised_ship_date": "2026-12-04", "revised_ship_date": revised,
            "deadline": "2026-12-05T00:00:00Z", "silence_is_consent": silence_is_consent,
            "decision": decision, "decided_by": by,
        }})
    }

    fn shown(doc: &OrderStatusDoc) -> OrderShown {
        let instant = |at: Millis| backorder_api::time::format_instant(at);
        order_view(doc, &OrderTexts::default(), &|date: Date| date.to_string(), &instant)
    }

    #[test]
    fn each_line_says_where_its_units_are() {
        let order = shown(&doc(serde_json::json!([
            line(serde_json::json!({})),
            line(serde_json::json!({"sku": "MUG-1", "name": "Mug", "qty": 2, "shipped_now": 0, "waiting": 0,
                "allocated": 1, "cancelled": 1, "position": null, "status": "ready"})),
        ])));
        assert_eq!(
            (order.heading.as_str(), order.placed.as_str()),
            ("Order 1001", "Placed 2026-11-26T10:00:00Z")
        );
        assert_eq!(order.summary, "");
        assert_eq!(order.lines[0].title, "3 × Desk <lamp>");
        assert_eq!(
            order.lines[0].facts,
            ["1 from stock", "2 on backorder, expected to ship by 2026-12-04", "Number 4 in line"]
        );
        assert_eq!(order.lines[1].facts, ["1 from a restock, being prepared", "1 cancelled, to be refunded"]);
        assert_eq!(order.lines[1].delay, None);
    }

    #[test]
    fn a_pending_delay_says_what_silence_means() {
        let within = shown(&doc(serde_json::json!([line(delay("pending", Some("2026-12-21"), true, None))])));
        assert_eq!(within.summary, OrderTexts::default().decision_needed);
        let notice = within.lines[0].delay.clone().unwrap();
        assert!(notice.pending);
        assert_eq!(
            notice.paragraphs,
            [
                "We promised to ship by 2026-12-04. The new date is 2026-12-21.",
                "Please choose by 2026-12-04T23:59:00Z.",
                "If we do not hear from you, we will keep your order for the new date.",
            ]
        );
        let unknown = shown(&doc(serde_json::json!([line(delay("pending", None, false, None))])));
        let notice = unknown.lines[0].delay.clone().unwrap();
        assert_eq!(
            notice.paragraphs[0],
            "We promised to ship by 2026-12-04. We do not know the new date yet."
        );
        assert_eq!(
            notice.paragraphs[2],
            "If we do not hear from you, we will cancel the 2 still on backorder and refund you."
        );
    }

    #[test]
    fn a_decided_delay_says_who_decided() {
        let cases = [
            (
                delay("accepted", Some("2026-12-21"), true, Some("silence")),
                "Kept for the new date, 2026-12-21.",
            ),
            (
                delay("accepted", Some("2027-01-15"), false, Some("customer")),
                "You agreed to the new date, 2027-01-15.",
            ),
            (delay("accepted", None, false, Some("customer")), "You agreed to wait for the new date."),
            (delay("cancelled", None, false, Some("customer")), "Cancelled as you asked."),
            (
                delay("cancelled", None, false, Some("silence")),
                "Cancelled: we had no answer by the deadline.",
            ),
        ];
        for (delay, said) in cases {
            let order = shown(&doc(serde_json::json!([line(delay)])));
            let shown = order.lines[0].delay.clone().unwrap();
            assert_eq!((shown.pending, shown.paragraphs.as_slice()), (false, [said.to_string()].as_slice()));
            assert_eq!(order.summary, "");
        }
    }

    #[test]
    fn merchant_texts_replace_and_empty_texts_hide() {
        let texts = OrderTexts::from_attributes(|name| match name {
            "text-heading" => Some("Bestellung {order}".into()),
            "text-position" => Some(String::new()),
            _ => None,
        });
        let order = order_view(
            &doc(serde_json::json!([line(serde_json::json!({}))])),
            &texts,
            &|date: Date| date.to_string(),
            &|_| "then".into(),
        );
        assert_eq!(order.heading, "Bestellung 1001");
        assert_eq!(order.lines[0].facts.len(), 2, "the position is hidden");
    }
}
