//! `<backorder-status>`: the product widget. It renders the availability the loader fetched,
//! quotes every quantity change locally (no request per keystroke), offers to ship a split
//! quantity together, reserves with one Idempotency-Key per click (reused on retry),
//! dispatches `backorder:reserved`, and renders the availability the reservation's answer
//! carries.

use std::cell::RefCell;
use std::rc::Rc;

use backorder_api::input::ReservationRequest;
use backorder_api::output::AvailabilityDoc;
use backorder_core::{Date, Ship, Snapshot};
use gloo_events::EventListener;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    CustomEvent, CustomEventInit, Document, Element, HtmlButtonElement, HtmlElement, HtmlInputElement,
    ShadowRoot, ShadowRootInit, ShadowRootMode,
};

use crate::view::{view, Texts, View};
use crate::{adopt_style, append, locale, post_json, random_key, DateFormat, Helpers};

const STYLE: &str = ":host{display:block;min-height:var(--backorder-min-height,7.5em);color:inherit}\
:host([hidden]){display:none}\
.root{display:grid;gap:.5em;font-family:var(--backorder-font,inherit)}\
.status{margin:0;font-weight:600;color:var(--backorder-status-color,inherit)}\
[data-status=in_stock] .status{color:var(--backorder-in-stock,#166534)}\
[data-status=low_stock] .status{color:var(--backorder-low-stock,#92400e)}\
[data-status=backorder] .status,[data-status=preorder] .status{color:var(--backorder-later,#1e40af)}\
[data-status=out_of_stock] .status,[data-status=discontinued] .status{color:var(--backorder-unavailable,#4b5563)}\
.row{display:flex;gap:.5em;align-items:end;flex-wrap:wrap}\
.label{display:grid;gap:.25em;font-size:.875em}\
.together{display:flex;gap:.4em;align-items:center;font-size:.875em}\
.together[hidden]{display:none}\
.qty{width:5em;font:inherit;padding:.4em;border:1px solid var(--backorder-border,#6b7280);border-radius:var(--backorder-radius,.375em)}\
button{font:inherit;padding:.5em 1.1em;border:0;border-radius:var(--backorder-radius,.375em);background:var(--backorder-accent,#111827);color:var(--backorder-accent-text,#fff);cursor:pointer}\
button:disabled{opacity:.55;cursor:not-allowed}\
button:focus-visible,input:focus-visible{outline:2px solid var(--backorder-focus,#2563eb);outline-offset:2px}\
.split,.message{margin:0;font-size:.875em}\
.split:empty,.message:empty{display:none}";

pub(crate) struct Parts {
    root: Element,
    status: Element,
    input: HtmlInputElement,
    button: HtmlButtonElement,
    split: Element,
    together: HtmlElement,
    together_box: HtmlInputElement,
    message: Element,
    structured: Element,
}

pub(crate) struct Widget {
    host: HtmlElement,
    sku: String,
    api: String,
    helpers: Helpers,
    texts: Texts,
    locale: String,
    /// Built after the first render: a page's first `Intl.DateTimeFormat` loads locale data
    /// (tens of milliseconds), and the status should not wait for it.
    format: Option<DateFormat>,
    parts: Parts,
    snapshot: Snapshot,
    name: String,
    /// The key of a reservation attempt whose answer never arrived, reused on retry.
    pending_key: Option<String>,
    busy: bool,
    /// The last reservation's outcome, shown until the quantity changes (a quantity limit,
    /// when there is one, takes its place).
    notice: String,
}

/// The snapshot and product name an availability document describes.
pub(crate) fn read_availability(value: JsValue) -> Option<(Snapshot, String)> {
    let doc: AvailabilityDoc = serde_wasm_bindgen::from_value(value).ok()?;
    Some((doc.to_snapshot()?, doc.name))
}

pub(crate) fn start(
    host: HtmlElement,
    api: String,
    helpers: Helpers,
    availability: JsValue,
) -> Result<(), String> {
    let sku = host
        .get_attribute("sku")
        .or_else(|| host.get_attribute("data-backorder-sku"))
        .filter(|sku| backorder_api::validate::is_sku(sku))
        .ok_or("backorder-status: the sku attribute is missing or not a SKU")?;
    host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)).map_err(|_| "shadow DOM unavailable")?;
    let loaded = match availability.is_object() {
        true => read_availability(availability)
            .ok_or_else(|| format!("backorder-status: availability for {sku} is not readable")),
        false => Err(format!("backorder-status: availability for {sku} could not be loaded")),
    };
    match loaded {
        Ok((snapshot, name)) => show(host, sku, api, helpers, snapshot, name).map(drop),
        Err(problem) => {
            host.set_hidden(true);
            Err(problem)
        }
    }
}

/// Builds the widget in `host`'s (already attached) shadow root and renders `snapshot`.
pub(crate) fn show(
    host: HtmlElement,
    sku: String,
    api: String,
    helpers: Helpers,
    snapshot: Snapshot,
    name: String,
) -> Result<Rc<RefCell<Widget>>, String> {
    let document = host.owner_document().ok_or("backorder-status: no document")?;
    let shadow = host.shadow_root().ok_or("backorder-status: no shadow root")?;
    adopt_style(&document, &shadow, STYLE)?;
    let parts = build(&document, &shadow, &host)?;
    parts.root.set_attribute("aria-label", &name).map_err(|_| "aria-label")?;
    let texts = Texts::from_attributes(|name| host.get_attribute(name));
    let widget = Rc::new(RefCell::new(Widget {
        locale: locale(&host),
        format: None,
        host,
        sku,
        api,
        helpers,
        texts,
        parts,
        snapshot,
        name,
        pending_key: None,
        busy: false,
        notice: String::new(),
    }));
    widget.borrow().render();
    listen(&widget);
    let later = widget.clone();
    wasm_bindgen_futures::spawn_local(async move {
        // A later task, so that the browser can paint what was rendered so far.
        gloo_timers::future::TimeoutFuture::new(0).await;
        let mut w = later.borrow_mut();
        w.format = Some(DateFormat::dates(&w.locale));
        w.render();
    });
    Ok(widget)
}

fn build(document: &Document, shadow: &ShadowRoot, host: &HtmlElement) -> Result<Parts, String> {
    let root = append(document, shadow.as_ref(), "div", Some("root"), "")?;
    let status = append(document, &root, "p", Some("status"), "")?;
    status.set_attribute("aria-live", "polite").map_err(|_| "aria-live")?;
    let row = append(document, &root, "div", Some("row"), "")?;
    let label = append(document, &row, "label", Some("label"), "")?;
    label.append_child(&document.create_text_node("")).map_err(|_| "label")?;
    let input: HtmlInputElement = append(document, &label, "input", Some("qty"), "")?.unchecked_into();
    input.set_type("number");
    input.set_min("1");
    input.set_value("1");
    input.set_attribute("inputmode", "numeric").map_err(|_| "inputmode")?;
    let button: HtmlButtonElement = append(document, &row, "button", Some("button"), "")?.unchecked_into();
    button.set_type("button");
    let split = append(document, &root, "p", Some("split"), "")?;
    split.set_attribute("aria-live", "polite").map_err(|_| "aria-live")?;
    let together: HtmlElement = append(document, &root, "label", Some("together"), "")?.unchecked_into();
    let together_box: HtmlInputElement =
        append(document, &together, "input", Some("together-box"), "")?.unchecked_into();
    together_box.set_type("checkbox");
    together.append_child(&document.create_text_node("")).map_err(|_| "together")?;
    let message = append(document, &root, "p", Some("message"), "")?;
    message.set_attribute("role", "status").map_err(|_| "role")?;
    // schema.org data stays in the light DOM, where crawlers read it; it renders nothing.
    let structured = document.create_element("script").map_err(|_| "script")?;
    structured.set_attribute("type", "application/ld+json").map_err(|_| "type")?;
    host.append_child(&structured).map_err(|_| "append")?;
    Ok(Parts { root, status, input, button, split, together, together_box, message, structured })
}

fn listen(widget: &Rc<RefCell<Widget>>) {
    let parts = &widget.borrow().parts;
    let rerender = |widget: &Rc<RefCell<Widget>>| {
        let widget = widget.clone();
        move |_: &web_sys::Event| {
            let mut w = widget.borrow_mut();
            w.notice.clear();
            w.render();
        }
    };
    let on_click = widget.clone();
    // The element lives as long as the page; so do its listeners.
    EventListener::new(&parts.input, "input", rerender(widget)).forget();
    EventListener::new(&parts.together_box, "change", rerender(widget)).forget();
    EventListener::new(&parts.button, "click", move |_| {
        let widget = on_click.clone();
        wasm_bindgen_futures::spawn_local(async move { reserve(&widget).await });
    })
    .forget();
}

/// schema.org `Product` with an `Offer`, as JSON-LD.
#[derive(Serialize)]
struct ProductLd<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
    sku: &'a str,
    offers: OfferLd,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OfferLd {
    #[serde(rename = "@type")]
    kind: &'static str,
    availability: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    availability_starts: Option<String>,
}

impl Widget {
    fn qty(&self) -> u32 {
        self.parts.input.value().trim().parse().unwrap_or(0)
    }

    /// How the shopper asked the quantity to ship: together only when that was offered.
    fn ship(&self) -> Ship {
        let together = self.parts.together_box.checked() && !self.parts.together.hidden();
        if together {
            Ship::Complete
        } else {
            Ship::Partial
        }
    }

    fn render(&self) {
        // Until the locale's formatter exists, dates show as ISO (only a preorder's status
        // has one) and the split line waits.
        let format = |date: Date| self.format.as_ref().map_or_else(|| date.to_string(), |f| f.date(date));
        let wanted = if self.parts.together_box.checked() { Ship::Complete } else { Ship::Partial };
        let mut shown: View = view(&self.snapshot, self.qty(), wanted, &self.texts, &format);
        if self.format.is_none() {
            shown.split_text.clear();
        }
        let parts = &self.parts;
        let _ = parts.root.set_attribute("data-status", shown.status.as_str());
        // Fully rendered, dates included: for the store's scripts and for tests.
        let _ = match self.format {
            Some(_) => parts.root.set_attribute("data-ready", ""),
            None => parts.root.remove_attribute("data-ready"),
        };
        parts.status.set_text_content(Some(&shown.status_text));
        if let Some(label) = parts.input.parent_node().and_then(|label| label.first_child()) {
            label.set_text_content(Some(&self.texts.quantity));
        }
        parts.input.set_max(&shown.max_qty.unwrap_or(backorder_api::validate::MAX_LINE_QTY).to_string());
        parts.split.set_text_content(Some(&shown.split_text));
        parts.together.set_hidden(!shown.together_offered || self.format.is_none());
        if let Some(text) = parts.together.last_child() {
            text.set_text_content(Some(&self.texts.together));
        }
        // The quoted dates, machine-readable, for the store's own scripts and for tests.
        let quote = shown.quote.as_ref();
        set_date_attribute(&parts.split, "data-ship-date", quote.and_then(|q| q.ship_date));
        set_date_attribute(
            &parts.split,
            "data-backorder-ship-date",
            quote.and_then(|q| q.backorder_ship_date),
        );
        parts.input.set_disabled(shown.max_qty == Some(0));
        parts.button.set_text_content(Some(&shown.button_label));
        parts.button.set_disabled(!shown.button_enabled || self.busy);
        let message = if shown.message.is_empty() { &self.notice } else { &shown.message };
        parts.message.set_text_content(Some(message));
        self.structured_data(&shown);
    }

    fn structured_data(&self, shown: &View) {
        let product = ProductLd {
            context: "https://schema.org",
            kind: "Product",
            name: &self.name,
            sku: &self.sku,
            offers: OfferLd {
                kind: "Offer",
                availability: format!("https://schema.org/{}", shown.status.schema_org()),
                availability_starts: shown.available_from.map(|date| date.to_string()),
            },
        };
        let Ok(value) = serde_wasm_bindgen::to_value(&product) else { return };
        let Some(json) = js_sys::JSON::stringify(&value).ok().and_then(|json| json.as_string()) else {
            return;
        };
        // Under Trusted Types a script's text must be a TrustedScript; the loader's policy
        // makes one (this JSON is never executed: its type is application/ld+json).
        let text = self.helpers.trust(&json);
        if !text.is_undefined() {
            let _ = js_sys::Reflect::set(&self.parts.structured, &"textContent".into(), &text);
        }
    }
}

/// What the widget reads of a reservation's answer: the SKU's availability after it.
#[derive(Deserialize)]
struct Reserved {
    availability: Option<AvailabilityDoc>,
}

async fn reserve(widget: &Rc<RefCell<Widget>>) {
    let (url, request, key) = {
        let mut w = widget.borrow_mut();
        let qty = w.qty();
        if w.busy || qty == 0 {
            return;
        }
        w.busy = true;
        w.notice.clear();
        let key = w.pending_key.get_or_insert_with(random_key).clone();
        let request = ReservationRequest { sku: w.sku.clone(), qty, ship: w.ship().into() };
        w.render();
        (format!("{}/v1/reservations", w.api), request, key)
    };
    let outcome = post_json(&url, &request, Some(&key)).await;
    let reserved = {
        let mut w = widget.borrow_mut();
        w.busy = false;
        match outcome {
            // An answer arrived, so the next click is a new request with a new key — unless the
            // edge failed, when the hold may exist: a retry must reuse the key.
            Ok((status, reservation)) if status < 500 => {
                w.pending_key = None;
                w.notice = if status == 201 { w.texts.reserved.clone() } else { w.texts.failed.clone() };
                (status == 201).then_some(reservation)
            }
            Ok(_) | Err(_) => {
                w.notice = w.texts.failed.clone();
                None
            }
        }
    };
    if let Some(reservation) = reserved {
        let host = widget.borrow().host.clone();
        let init = CustomEventInit::new();
        init.set_bubbles(true);
        init.set_composed(true);
        init.set_detail(&reservation);
        if let Ok(event) = CustomEvent::new_with_event_init_dict("backorder:reserved", &init) {
            let _ = host.dispatch_event(&event);
        }
        // The answer carries the stock after the hold: no second request to render it.
        let fresh = serde_wasm_bindgen::from_value::<Reserved>(reservation).ok().and_then(|r| r.availability);
        if let Some((snapshot, name)) = fresh.and_then(|doc| Some((doc.to_snapshot()?, doc.name))) {
            let mut w = widget.borrow_mut();
            w.snapshot = snapshot;
            w.name = name;
        }
    }
    widget.borrow().render();
}

fn set_date_attribute(element: &Element, name: &str, date: Option<Date>) {
    let _ = match date {
        Some(date) => element.set_attribute(name, &date.to_string()),
        None => element.remove_attribute(name),
    };
}
