//! `<backorder-order order="…" token="…">`: the customer's order status. It renders the status
//! document the loader fetched, and for a line with a delay notice pending offers the two
//! answers the law requires (keep the order for the new date, or cancel and be refunded). An
//! answer is posted with the order's token; the edge answers with the order's new status,
//! which is rendered, and `backorder:delay-answered` is dispatched.

use std::cell::RefCell;
use std::rc::Rc;

use backorder_api::input::{DelayAnswerRequest, DelayDecisionDoc};
use backorder_api::output::OrderStatusDoc;
use gloo_events::EventListener;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    CustomEvent, CustomEventInit, Document, Element, HtmlButtonElement, HtmlElement, ShadowRootInit,
    ShadowRootMode,
};

use crate::order_view::{order_view, OrderShown, OrderTexts};
use crate::{adopt_style, append, locale, post_json, DateFormat};

const STYLE: &str = ":host{display:block;color:inherit}\
.root{display:grid;gap:.75em;font-family:var(--backorder-font,inherit)}\
.heading{margin:0;font-size:1.25em}\
.placed,.summary,.message{margin:0}\
.summary{font-weight:600;color:var(--backorder-later,#1e40af)}\
.summary:empty,.message:empty,.placed:empty,.heading:empty{display:none}\
.lines{list-style:none;margin:0;padding:0;display:grid;gap:.75em}\
.line{padding:.75em;border:1px solid var(--backorder-border,#d1d5db);border-radius:var(--backorder-radius,.375em)}\
.title{margin:0 0 .25em;font-weight:600}\
.fact{margin:0;font-size:.925em}\
[data-status=cancelled] .title{color:var(--backorder-unavailable,#4b5563)}\
.delay{margin-top:.5em;padding:.6em;border-radius:var(--backorder-radius,.375em);background:var(--backorder-delay-background,#fef3c7)}\
.delay-heading{margin:0 0 .25em;font-weight:600}\
.delay-text{margin:0 0 .25em;font-size:.925em}\
.actions{display:flex;gap:.5em;flex-wrap:wrap;margin-top:.5em}\
button{font:inherit;padding:.5em 1.1em;border:0;border-radius:var(--backorder-radius,.375em);background:var(--backorder-accent,#111827);color:var(--backorder-accent-text,#fff);cursor:pointer}\
.cancel{background:transparent;color:inherit;border:1px solid var(--backorder-border,#6b7280)}\
button:disabled{opacity:.55;cursor:not-allowed}\
button:focus-visible{outline:2px solid var(--backorder-focus,#2563eb);outline-offset:2px}";

pub(crate) struct OrderElement {
    host: HtmlElement,
    api: String,
    order_id: String,
    token: String,
    texts: OrderTexts,
    dates: DateFormat,
    instants: DateFormat,
    root: Element,
    /// Rebuilt on every render: the heading, the summary and the lines.
    content: Element,
    message: Element,
    doc: Option<OrderStatusDoc>,
    busy: bool,
}

pub(crate) fn start(host: HtmlElement, api: String, status: u16, doc: JsValue) -> Result<(), String> {
    let order_id = host.get_attribute("order").unwrap_or_default();
    let token = host.get_attribute("token").unwrap_or_default();
    if !backorder_api::validate::is_id(&order_id) || !backorder_api::validate::is_status_token(&token) {
        host.set_hidden(true);
        return Err("backorder-order: the order and token attributes are missing or malformed".into());
    }
    host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)).map_err(|_| "shadow DOM unavailable")?;
    let read = match status {
        200 => serde_wasm_bindgen::from_value::<OrderStatusDoc>(doc).ok(),
        _ => None,
    };
    let element = show(host, api, order_id, token, read)?;
    if element.borrow().doc.is_none() {
        // A wrong token is the same 404 as an unknown order: the customer's link is wrong.
        let w = element.borrow();
        let said = if status == 404 { &w.texts.not_found } else { &w.texts.unavailable };
        w.message.set_text_content(Some(said));
    }
    Ok(())
}

/// Builds the element in `host`'s (already attached) shadow root and renders `doc`.
pub(crate) fn show(
    host: HtmlElement,
    api: String,
    order_id: String,
    token: String,
    doc: Option<OrderStatusDoc>,
) -> Result<Rc<RefCell<OrderElement>>, String> {
    let document = host.owner_document().ok_or("backorder-order: no document")?;
    let shadow = host.shadow_root().ok_or("backorder-order: no shadow root")?;
    adopt_style(&document, &shadow, STYLE)?;
    let root = append(&document, shadow.as_ref(), "div", Some("root"), "")?;
    let content = append(&document, &root, "div", Some("content"), "")?;
    content.set_attribute("aria-live", "polite").map_err(|_| "aria-live")?;
    let message = append(&document, &root, "p", Some("message"), "")?;
    message.set_attribute("role", "status").map_err(|_| "role")?;
    let locale = locale(&host);
    let texts = OrderTexts::from_attributes(|name| host.get_attribute(name));
    let element = Rc::new(RefCell::new(OrderElement {
        dates: DateFormat::dates(&locale),
        instants: DateFormat::instants(&locale),
        host,
        api,
        order_id,
        token,
        texts,
        root,
        content,
        message,
        doc,
        busy: false,
    }));
    element.borrow().render()?;
    listen(&element);
    Ok(element)
}

/// One listener for every answer button the renders create: a click names its line and
/// decision in the button's `data-sku` and `data-decision`.
fn listen(element: &Rc<RefCell<OrderElement>>) {
    let root = element.borrow().root.clone();
    let on_click = element.clone();
    // The element lives as long as the page; so does its listener.
    EventListener::new(&root, "click", move |event| {
        let Some(button) = event
            .target()
            .and_then(|target| target.dyn_into::<Element>().ok())
            .and_then(|target| target.closest("button[data-decision]").ok().flatten())
        else {
            return;
        };
        let decision = match button.get_attribute("data-decision").as_deref() {
            Some("accept") => DelayDecisionDoc::Accept,
            Some("cancel") => DelayDecisionDoc::Cancel,
            _ => return,
        };
        let sku = button.get_attribute("data-sku");
        let element = on_click.clone();
        wasm_bindgen_futures::spawn_local(async move { answer(&element, sku, decision).await });
    })
    .forget();
}

impl OrderElement {
    fn render(&self) -> Result<(), String> {
        let document = self.host.owner_document().ok_or("backorder-order: no document")?;
        self.content.replace_children_with_node_0();
        if let Some(doc) = &self.doc {
            let dates = |date| self.dates.date(date);
            let instants = |at| self.instants.instant(at);
            let shown = order_view(doc, &self.texts, &dates, &instants);
            self.build(&document, &shown)?;
        }
        let _ = self.root.set_attribute("data-ready", "");
        Ok(())
    }

    fn build(&self, document: &Document, shown: &OrderShown) -> Result<(), String> {
        let content = &self.content;
        let paragraph = |parent: &Element, class: &str, text: &str| -> Result<(), String> {
            if !text.is_empty() {
                append(document, parent, "p", Some(class), text)?;
            }
            Ok(())
        };
        if !shown.heading.is_empty() {
            append(document, content, "h2", Some("heading"), &shown.heading)?;
        }
        paragraph(content, "placed", &shown.placed)?;
        paragraph(content, "summary", &shown.summary)?;
        let lines = append(document, content, "ul", Some("lines"), "")?;
        for line in &shown.lines {
            let item = append(document, &lines, "li", Some("line"), "")?;
            item.set_attribute("data-sku", &line.sku).map_err(|_| "data-sku")?;
            item.set_attribute("data-status", &line.status).map_err(|_| "data-status")?;
            paragraph(&item, "title", &line.title)?;
            for fact in &line.facts {
                paragraph(&item, "fact", fact)?;
            }
            let Some(delay) = &line.delay else { continue };
            let notice = append(document, &item, "div", Some("delay"), "")?;
            notice
                .set_attribute("data-pending", if delay.pending { "true" } else { "false" })
                .map_err(|_| "data")?;
            if delay.pending {
                paragraph(&notice, "delay-heading", &delay.heading)?;
            }
            for text in &delay.paragraphs {
                paragraph(&notice, "delay-text", text)?;
            }
            if delay.pending {
                let actions = append(document, &notice, "div", Some("actions"), "")?;
                for (decision, label) in [("accept", &self.texts.accept), ("cancel", &self.texts.cancel)] {
                    let button: HtmlButtonElement =
                        append(document, &actions, "button", Some(decision), label)?.unchecked_into();
                    button.set_type("button");
                    button.set_disabled(self.busy);
                    button.set_attribute("data-decision", decision).map_err(|_| "data-decision")?;
                    button.set_attribute("data-sku", &line.sku).map_err(|_| "data-sku")?;
                }
            }
        }
        Ok(())
    }
}

/// Posts the customer's answer for one line (or every pending line, without a SKU) and
/// renders the status the edge answers with.
async fn answer(element: &Rc<RefCell<OrderElement>>, sku: Option<String>, decision: DelayDecisionDoc) {
    let (url, request) = {
        let mut w = element.borrow_mut();
        if w.busy {
            return;
        }
        w.busy = true;
        w.message.set_text_content(None);
        let _ = w.render();
        let order = js_sys::encode_uri_component(&w.order_id);
        let url = format!("{}/v1/orders/{}/delay", w.api, String::from(order));
        (url, DelayAnswerRequest { token: w.token.clone(), decision, sku })
    };
    let outcome = post_json(&url, &request, None).await;
    let mut w = element.borrow_mut();
    w.busy = false;
    let answered = match outcome {
        Ok((200, json)) => {
            serde_wasm_bindgen::from_value::<OrderStatusDoc>(json.clone()).ok().map(|doc| (doc, json))
        }
        _ => None,
    };
    match answered {
        Some((doc, json)) => {
            w.doc = Some(doc);
            let init = CustomEventInit::new();
            init.set_bubbles(true);
            init.set_composed(true);
            init.set_detail(&json);
            if let Ok(event) = CustomEvent::new_with_event_init_dict("backorder:delay-answered", &init) {
                let _ = w.host.dispatch_event(&event);
            }
        }
        None => w.message.set_text_content(Some(&w.texts.answer_failed)),
    }
    let _ = w.render();
}
