//! backorder-widget: the `<backorder-status>` element's WebAssembly.
//!
//! The loader (`crates/widget/loader.js`) defines the custom element and calls [`mount`] for
//! each one with the availability document it fetched. This crate reads that document into
//! the core's snapshot with serde-wasm-bindgen (the one mapping, `AvailabilityDoc::to_snapshot`,
//! shared with the edge and tested natively), builds the Shadow DOM with
//! `createElement`/`textContent` only, and on every quantity change quotes locally with
//! backorder-core — the same `Availability::quote` the edge answers reservations with — so
//! there is no request per keystroke. The button reserves (one Idempotency-Key per click,
//! reused on retry) with gloo-net, dispatches `backorder:reserved`, and renders the
//! availability the reservation's answer carries. If the edge cannot be reached the element
//! collapses and one warning is logged.

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests;
pub mod view;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

use backorder_api::input::ReservationRequest;
use backorder_api::output::AvailabilityDoc;
use backorder_core::{Date, Snapshot};
use gloo_events::EventListener;
use gloo_net::http::Request;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    CssStyleSheet, CustomEvent, CustomEventInit, Document, Element, HtmlButtonElement, HtmlElement,
    HtmlInputElement, RequestCache, ShadowRoot, ShadowRootInit, ShadowRootMode,
};

use crate::view::{view, Texts, View};

/// A small free-list allocator: the widget allocates little, and dlmalloc alone would be a
/// fifth of its size.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
// SAFETY: the widget runs on the page's one thread; wasm32-unknown-unknown without the
// atomics feature has no other threads that could share the allocator.
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

const STYLE: &str = ":host{display:block;min-height:var(--backorder-min-height,7.5em);color:inherit}\
:host([hidden]){display:none}\
.root{display:grid;gap:.5em;font-family:var(--backorder-font,inherit)}\
.status{margin:0;font-weight:600;color:var(--backorder-status-color,inherit)}\
[data-status=in_stock] .status{color:var(--backorder-in-stock,#166534)}\
[data-status=low_stock] .status{color:var(--backorder-low-stock,#92400e)}\
[data-status=backorder] .status,[data-status=preorder] .status{color:var(--backorder-later,#1e40af)}\
[data-status=out_of_stock] .status,[data-status=discontinued] .status{color:var(--backorder-unavailable,#4b5563)}\
.row{display:flex;gap:.5em;align-items:end;flex-wrap:wrap}\
label{display:grid;gap:.25em;font-size:.875em}\
input{width:5em;font:inherit;padding:.4em;border:1px solid var(--backorder-border,#6b7280);border-radius:var(--backorder-radius,.375em)}\
button{font:inherit;padding:.5em 1.1em;border:0;border-radius:var(--backorder-radius,.375em);background:var(--backorder-accent,#111827);color:var(--backorder-accent-text,#fff);cursor:pointer}\
button:disabled{opacity:.55;cursor:not-allowed}\
button:focus-visible,input:focus-visible{outline:2px solid var(--backorder-focus,#2563eb);outline-offset:2px}\
.split,.message{margin:0;font-size:.875em}\
.split:empty,.message:empty{display:none}";

#[wasm_bindgen]
extern "C" {
    /// What the loader hands the widget besides the document.
    pub type Helpers;
    /// Wraps JSON-LD text for Trusted Types (a TrustedScript); `undefined` when the page's
    /// policy forbids it, and the text itself where Trusted Types do not exist.
    #[wasm_bindgen(method)]
    fn trust(this: &Helpers, json: &str) -> JsValue;

    #[wasm_bindgen(js_namespace = Intl, js_name = DateTimeFormat)]
    type IntlDateFormat;
    #[wasm_bindgen(constructor, js_namespace = Intl, js_class = "DateTimeFormat", catch)]
    fn new(locale: &str, options: &JsValue) -> Result<IntlDateFormat, JsValue>;
    #[wasm_bindgen(method, js_class = "DateTimeFormat", js_name = format)]
    fn format(this: &IntlDateFormat, date: &js_sys::Date) -> String;
}

/// Mounts the widget on `host` (a `<backorder-status sku>` or `[data-backorder-sku]`
/// element). `api` is the edge's origin; `availability` is the document the loader fetched
/// while the wasm was loading (`null` when that request failed).
#[wasm_bindgen]
pub fn mount(host: HtmlElement, api: String, helpers: Helpers, availability: JsValue) {
    if let Err(problem) = start(host, api, helpers, availability) {
        warn_once(&problem);
    }
}

/// Whether a warning was logged: a page with many widgets and a dead edge logs one.
static WARNED: AtomicBool = AtomicBool::new(false);

struct Parts {
    root: Element,
    status: Element,
    input: HtmlInputElement,
    button: HtmlButtonElement,
    split: Element,
    message: Element,
    structured: Element,
}

struct Widget {
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
fn read_availability(value: JsValue) -> Option<(Snapshot, String)> {
    let doc: AvailabilityDoc = serde_wasm_bindgen::from_value(value).ok()?;
    Some((doc.to_snapshot()?, doc.name))
}

fn start(host: HtmlElement, api: String, helpers: Helpers, availability: JsValue) -> Result<(), String> {
    let sku = host
        .get_attribute("sku")
        .or_else(|| host.get_attribute("data-backorder-sku"))
        .filter(|sku| backorder_api::validate::is_sku(sku))
        .ok_or("backorder-status: the sku attribute is missing or not a SKU")?;
    let shadow = host
        .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .map_err(|_| "shadow DOM unavailable")?;
    let document = host.owner_document().ok_or("backorder-status: no document")?;
    adopt_style(&document, &shadow)?;
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
fn show(
    host: HtmlElement,
    sku: String,
    api: String,
    helpers: Helpers,
    snapshot: Snapshot,
    name: String,
) -> Result<Rc<RefCell<Widget>>, String> {
    let document = host.owner_document().ok_or("backorder-status: no document")?;
    let shadow = host.shadow_root().ok_or("backorder-status: no shadow root")?;
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
        w.format = Some(DateFormat::new(&w.locale));
        w.render();
    });
    Ok(widget)
}

/// The widget's CSS as a constructed stylesheet, which a page's `style-src` CSP allows; a
/// `<style>` element where constructed sheets are unsupported.
fn adopt_style(document: &Document, shadow: &ShadowRoot) -> Result<(), String> {
    let sheet = CssStyleSheet::new().ok().filter(|sheet| sheet.replace_sync(STYLE).is_ok());
    match sheet {
        Some(sheet) => shadow.set_adopted_style_sheets(&js_sys::Array::of1(&sheet)),
        None => drop(append(document, shadow.as_ref(), "style", None, STYLE)?),
    }
    Ok(())
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
    let message = append(document, &root, "p", Some("message"), "")?;
    message.set_attribute("role", "status").map_err(|_| "role")?;
    // schema.org data stays in the light DOM, where crawlers read it; it renders nothing.
    let structured = document.create_element("script").map_err(|_| "script")?;
    structured.set_attribute("type", "application/ld+json").map_err(|_| "type")?;
    host.append_child(&structured).map_err(|_| "append")?;
    Ok(Parts { root, status, input, button, split, message, structured })
}

/// Creates `<tag class=class part=class>` with `text` under `parent`.
fn append(
    document: &Document,
    parent: &web_sys::Node,
    tag: &str,
    class: Option<&str>,
    text: &str,
) -> Result<Element, String> {
    let element = document.create_element(tag).map_err(|_| "createElement failed")?;
    if let Some(class) = class {
        element.set_class_name(class);
        element.set_attribute("part", class).map_err(|_| "part")?;
    }
    if !text.is_empty() {
        element.set_text_content(Some(text));
    }
    parent.append_child(&element).map_err(|_| "appendChild failed")?;
    Ok(element)
}

fn listen(widget: &Rc<RefCell<Widget>>) {
    let parts = &widget.borrow().parts;
    let on_input = widget.clone();
    let on_click = widget.clone();
    // The element lives as long as the page; so do its listeners.
    EventListener::new(&parts.input, "input", move |_| {
        let mut w = on_input.borrow_mut();
        w.notice.clear();
        w.render();
    })
    .forget();
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

    fn render(&self) {
        // Until the locale's formatter exists, dates show as ISO (only a preorder's status
        // has one) and the split line waits.
        let format = |date: Date| self.format.as_ref().map_or_else(|| date.to_string(), |f| f.format(date));
        let mut shown: View = view(&self.snapshot, self.qty(), &self.texts, &format);
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
    let (api, request, key) = {
        let mut w = widget.borrow_mut();
        let qty = w.qty();
        if w.busy || qty == 0 {
            return;
        }
        w.busy = true;
        w.notice.clear();
        let key = w.pending_key.get_or_insert_with(random_key).clone();
        let request = ReservationRequest { sku: w.sku.clone(), qty, ship: Default::default() };
        w.render();
        (w.api.clone(), request, key)
    };
    let outcome = post_reservation(&api, &request, &key).await;
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

/// Posts a reservation; the answer's status and its JSON (parsed by the browser).
async fn post_reservation(
    api: &str,
    request: &ReservationRequest,
    key: &str,
) -> Result<(u16, JsValue), String> {
    let unreachable = |_| format!("backorder-status: {api} is unreachable");
    let body = serde_wasm_bindgen::to_value(request)
        .ok()
        .and_then(|value| js_sys::JSON::stringify(&value).ok())
        .and_then(|json| json.as_string())
        .ok_or("backorder-status: the reservation could not be written")?;
    let response = Request::post(&format!("{api}/v1/reservations"))
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .cache(RequestCache::NoStore)
        .body(body)
        .map_err(unreachable)?
        .send()
        .await
        .map_err(unreachable)?;
    let json = match response.text().await {
        Ok(text) => js_sys::JSON::parse(&text).unwrap_or(JsValue::NULL),
        Err(_) => JsValue::NULL,
    };
    Ok((response.status(), json))
}

fn set_date_attribute(element: &Element, name: &str, date: Option<Date>) {
    let _ = match date {
        Some(date) => element.set_attribute(name, &date.to_string()),
        None => element.remove_attribute(name),
    };
}

/// A fresh Idempotency-Key: 16 random bytes in hex, from `crypto.getRandomValues` (available on
/// plain-HTTP pages too, unlike `crypto.randomUUID`). Without Web Crypto, `Math.random` — keys
/// must differ between clicks and shoppers, they need not be secret.
fn random_key() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        bytes.iter_mut().for_each(|byte| *byte = (js_sys::Math::random() * 256.0) as u8);
    }
    hex::encode(bytes)
}

/// The nearest `lang` attribute, else the browser's language.
fn locale(host: &HtmlElement) -> String {
    host.closest("[lang]")
        .ok()
        .flatten()
        .and_then(|element| element.get_attribute("lang"))
        .filter(|lang| !lang.is_empty())
        .or_else(|| web_sys::window().and_then(|w| w.navigator().language()))
        .unwrap_or_else(|| "en".to_string())
}

fn warn_once(problem: &str) {
    if !WARNED.swap(true, Ordering::Relaxed) {
        web_sys::console::warn_1(&problem.into());
    }
}

/// `Intl.DateTimeFormat`'s options for "Tue, 8 Dec".
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DateOptions {
    weekday: &'static str,
    day: &'static str,
    month: &'static str,
    time_zone: &'static str,
}

/// Calendar dates in the shopper's locale ("Tue, 8 Dec"), via `Intl.DateTimeFormat`.
struct DateFormat(Option<IntlDateFormat>);

impl DateFormat {
    fn new(locale: &str) -> DateFormat {
        // Dates are calendar dates: format them at UTC midnight in UTC so no zone shifts them.
        let options = DateOptions { weekday: "short", day: "numeric", month: "short", time_zone: "UTC" };
        let Ok(options) = serde_wasm_bindgen::to_value(&options) else { return DateFormat(None) };
        let made = IntlDateFormat::new(locale, &options).or_else(|_| IntlDateFormat::new("en", &options));
        DateFormat(made.ok())
    }

    fn format(&self, date: Date) -> String {
        match &self.0 {
            Some(intl) => {
                intl.format(&js_sys::Date::new(&JsValue::from_f64(f64::from(date.days()) * 86_400_000.0)))
            }
            None => date.to_string(),
        }
    }
}
