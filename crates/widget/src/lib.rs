//! backorder-widget: the `<backorder-status>` element's WebAssembly.
//!
//! The loader (`crates/widget/loader.js`) defines the custom element and calls [`mount`] for
//! each one. This crate fetches the SKU's availability snapshot once, builds the Shadow DOM
//! with `createElement`/`textContent` only, and on every quantity change quotes locally with
//! backorder-core — the same `Availability::quote` the edge answers reservations with — so
//! there is no request per keystroke. The button reserves (one Idempotency-Key per click,
//! reused on retry) and dispatches `backorder:reserved`. If the edge cannot be reached the
//! element collapses and one warning is logged.

#![no_std]

extern crate alloc;
#[cfg(test)]
extern crate std;

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests;
mod snapshot;
pub mod view;

use alloc::rc::Rc;
use alloc::string::{String, ToString};
use core::cell::RefCell;
use core::sync::atomic::{AtomicBool, Ordering};

use backorder_core::{Date, Snapshot};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    CustomEvent, CustomEventInit, Document, Element, Event, HtmlButtonElement, HtmlElement, HtmlInputElement,
    Request, RequestCache, RequestInit, Response, ShadowRootInit, ShadowRootMode,
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

/// No panic is expected; if one happens, trap without formatting a message (formatting
/// would cost more bytes than the rest of the widget).
#[cfg(all(target_arch = "wasm32", not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

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

/// Mounts the widget on `host` (a `<backorder-status sku>` or `[data-backorder-sku]`
/// element). `api` is the edge's origin; `helpers` comes from the loader (`trust`: wraps
/// JSON-LD text for Trusted Types); `snapshot` is the availability document the loader
/// fetched while the wasm was loading (`null` when that request failed).
#[wasm_bindgen]
pub fn mount(host: HtmlElement, api: String, helpers: JsValue, snapshot: JsValue) {
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(problem) = start(host, api, helpers, snapshot).await {
            warn_once(&problem);
        }
    });
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
    helpers: JsValue,
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

async fn start(host: HtmlElement, api: String, helpers: JsValue, prefetched: JsValue) -> Result<(), String> {
    let sku = host
        .get_attribute("sku")
        .or_else(|| host.get_attribute("data-backorder-sku"))
        .filter(|sku| valid_sku(sku))
        .ok_or("backorder-status: the sku attribute is missing or not a SKU")?;
    let shadow = host
        .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .map_err(|_| "shadow DOM unavailable")?;
    let document = host.owner_document().ok_or("backorder-status: no document")?;
    adopt_style(&document, &shadow)?;
    // The loader passes the parsed document, or null when its request failed.
    let loaded = if prefetched.is_object() {
        snapshot::read(&prefetched)
            .ok_or_else(|| concat(&["backorder-status: availability for ", &sku, " is not readable"]))
    } else {
        Err(concat(&["backorder-status: availability for ", &sku, " could not be loaded"]))
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
    helpers: JsValue,
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
        next_task().await;
        let mut w = later.borrow_mut();
        w.format = Some(DateFormat::new(&w.locale));
        w.render();
    });
    Ok(widget)
}

/// Resolves in a later task, so that the browser can paint what was rendered so far.
async fn next_task() {
    let timeout = js_sys::Reflect::get(&js_sys::global(), &"setTimeout".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(timeout) = timeout else { return };
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = timeout.call2(&JsValue::NULL, &resolve, &JsValue::from_f64(0.0));
    });
    let _ = JsFuture::from(promise).await;
}

/// The widget's CSS as a constructed stylesheet, which a page's `style-src` CSP allows; a
/// `<style>` element where constructed sheets are unsupported.
fn adopt_style(document: &Document, shadow: &web_sys::ShadowRoot) -> Result<(), String> {
    let method = |object: &JsValue, name: &str| {
        js_sys::Reflect::get(object, &name.into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    };
    let adopted = method(&js_sys::global(), "CSSStyleSheet")
        .and_then(|constructor| js_sys::Reflect::construct(&constructor, &js_sys::Array::new()).ok())
        .filter(|sheet| {
            method(sheet, "replaceSync").is_some_and(|replace| replace.call1(sheet, &STYLE.into()).is_ok())
        })
        .is_some_and(|sheet| {
            js_sys::Reflect::set(shadow, &"adoptedStyleSheets".into(), &js_sys::Array::of1(&sheet))
                .unwrap_or(false)
        });
    if !adopted {
        append(document, shadow.as_ref(), "style", None, STYLE)?;
    }
    Ok(())
}

fn build(document: &Document, shadow: &web_sys::ShadowRoot, host: &HtmlElement) -> Result<Parts, String> {
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
    let on_input = {
        let widget = widget.clone();
        Closure::<dyn FnMut(Event)>::new(move |_: Event| {
            let mut w = widget.borrow_mut();
            w.notice.clear();
            w.render();
        })
    };
    let on_click = {
        let widget = widget.clone();
        Closure::<dyn FnMut(Event)>::new(move |_: Event| {
            let widget = widget.clone();
            wasm_bindgen_futures::spawn_local(async move { reserve(&widget).await });
        })
    };
    let parts = &widget.borrow().parts;
    let _ = parts.input.add_event_listener_with_callback("input", on_input.as_ref().unchecked_ref());
    let _ = parts.button.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
    // The element lives as long as the page; so do its listeners.
    on_input.forget();
    on_click.forget();
}

impl Widget {
    fn qty(&self) -> u32 {
        self.parts.input.value().trim().parse().unwrap_or(0)
    }

    fn render(&self) {
        // Until the locale's formatter exists, dates show as ISO (only a preorder's status
        // has one) and the split line waits.
        let format = |date: Date| self.format.as_ref().map_or_else(|| iso(date), |f| f.format(date));
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
        parts.input.set_max(&shown.max_qty.map_or_else(|| "10000".to_string(), view::count));
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

    /// schema.org `Product` with an `Offer` (availability, availabilityStarts) as JSON-LD.
    fn structured_data(&self, shown: &View) {
        let offer = js_sys::Object::new();
        set(&offer, "@type", &"Offer".into());
        let availability = concat(&["https://schema.org/", shown.status.schema_org()]);
        set(&offer, "availability", &availability.into());
        if let Some(date) = shown.available_from {
            set(&offer, "availabilityStarts", &iso(date).into());
        }
        let product = js_sys::Object::new();
        set(&product, "@context", &"https://schema.org".into());
        set(&product, "@type", &"Product".into());
        set(&product, "name", &self.name.as_str().into());
        set(&product, "sku", &self.sku.as_str().into());
        set(&product, "offers", &offer);
        let Ok(json) = js_sys::JSON::stringify(&product) else { return };
        // Under Trusted Types a script's text must be a TrustedScript; the loader's policy
        // makes one (this JSON is never executed: its type is application/ld+json).
        let trust = js_sys::Reflect::get(&self.helpers, &"trust".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        let text = match trust {
            Some(trust) => trust.call1(&JsValue::NULL, &json).unwrap_or(JsValue::UNDEFINED),
            None => json.into(),
        };
        if !text.is_undefined() {
            let _ = js_sys::Reflect::set(&self.parts.structured, &"textContent".into(), &text);
        }
    }
}

async fn reserve(widget: &Rc<RefCell<Widget>>) {
    let (api, body, key) = {
        let mut w = widget.borrow_mut();
        let qty = w.qty();
        if w.busy || qty == 0 {
            return;
        }
        w.busy = true;
        w.notice.clear();
        let key = w.pending_key.get_or_insert_with(random_key).clone();
        // The SKU is validated to [A-Za-z0-9._-], so it needs no JSON escaping.
        let body = concat(&["{\"sku\":\"", &w.sku, "\",\"qty\":", &view::count(qty), "}"]);
        w.render();
        (w.api.clone(), body, key)
    };
    let outcome = post_reservation(&api, &body, &key).await;
    let reserved = {
        let mut w = widget.borrow_mut();
        w.busy = false;
        match &outcome {
            // An answer arrived, so the next click is a new request with a new key — unless the
            // edge failed, when the hold may exist: a retry must reuse the key.
            Ok((status, reservation)) if *status < 500 => {
                w.pending_key = None;
                w.notice = if *status == 201 { w.texts.reserved.clone() } else { w.texts.failed.clone() };
                (*status == 201).then(|| reservation.clone())
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
    }
    widget.borrow().render();
    if outcome.is_ok() {
        reload(widget).await;
    }
}

/// Fetches a fresh snapshot (the stock just changed) and renders it; on failure the widget
/// keeps the one it has.
async fn reload(widget: &Rc<RefCell<Widget>>) {
    let (api, sku) = {
        let w = widget.borrow();
        (w.api.clone(), w.sku.clone())
    };
    if let Ok((snapshot, name)) = fetch_fresh_availability(&api, &sku).await {
        let mut w = widget.borrow_mut();
        w.snapshot = snapshot;
        w.name = name;
        w.render();
    }
}

async fn fetch_fresh_availability(api: &str, sku: &str) -> Result<(Snapshot, String), String> {
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_cache(RequestCache::NoStore);
    let url = concat(&[api, "/v1/skus/", sku, "/availability"]);
    let (status, json) = fetch_json(&url, &init).await?;
    if status != 200 {
        return Err(concat(&[
            "backorder-status: availability for ",
            sku,
            " answered ",
            &view::count(status.into()),
        ]));
    }
    snapshot::read(&json)
        .ok_or_else(|| concat(&["backorder-status: availability for ", sku, " is not readable"]))
}

async fn post_reservation(api: &str, body: &str, key: &str) -> Result<(u16, JsValue), String> {
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&body.into());
    let headers = web_sys::Headers::new().map_err(|_| "headers")?;
    headers.set("content-type", "application/json").map_err(|_| "header")?;
    headers.set("idempotency-key", key).map_err(|_| "header")?;
    init.set_headers(&headers);
    fetch_json(&concat(&[api, "/v1/reservations"]), &init).await
}

async fn fetch_json(url: &str, init: &RequestInit) -> Result<(u16, JsValue), String> {
    let window = web_sys::window().ok_or("no window")?;
    let request = Request::new_with_str_and_init(url, init)
        .map_err(|_| concat(&["backorder-status: bad URL ", url]))?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|_| concat(&["backorder-status: ", url, " is unreachable"]))?
        .unchecked_into();
    let json = match response.json() {
        Ok(promise) => JsFuture::from(promise).await.unwrap_or(JsValue::NULL),
        Err(_) => JsValue::NULL,
    };
    Ok((response.status(), json))
}

fn set_date_attribute(element: &Element, name: &str, date: Option<Date>) {
    let _ = match date {
        Some(date) => element.set_attribute(name, &iso(date)),
        None => element.remove_attribute(name),
    };
}

/// Joins `parts` (string formatting machinery would add kilobytes to the wasm).
fn concat(parts: &[&str]) -> String {
    let mut joined = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        joined.push_str(part);
    }
    joined
}

fn set(object: &js_sys::Object, key: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(object, &key.into(), value);
}

fn iso(date: Date) -> String {
    let mut buf = [0u8; 10];
    date.write_iso(&mut buf);
    buf.iter().map(|&b| char::from(b)).collect()
}

fn valid_sku(sku: &str) -> bool {
    (1..=64).contains(&sku.len())
        && sku.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// A fresh Idempotency-Key: 16 bytes from `crypto.getRandomValues` (available on plain-HTTP
/// pages too, unlike `crypto.randomUUID`), in hex. Without Web Crypto, `Math.random` — keys
/// must differ between clicks and shoppers, they need not be secret.
fn random_key() -> String {
    let crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into()).unwrap_or(JsValue::UNDEFINED);
    let secure = js_sys::Reflect::get(&crypto, &"getRandomValues".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .map(|fill| {
            let bytes = js_sys::Uint8Array::new_with_length(16);
            fill.call1(&crypto, &bytes).map(|_| bytes.to_vec())
        });
    let bytes = match secure {
        Some(Ok(bytes)) => bytes,
        _ => (0..16).map(|_| (js_sys::Math::random() * 256.0) as u8).collect(),
    };
    let mut key = String::with_capacity(32);
    for byte in bytes {
        for nibble in [byte >> 4, byte & 15] {
            key.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
        }
    }
    key
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

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Intl, js_name = DateTimeFormat)]
    type IntlDateFormat;
    #[wasm_bindgen(constructor, js_namespace = Intl, js_class = "DateTimeFormat", catch)]
    fn new(locale: &str, options: &JsValue) -> Result<IntlDateFormat, JsValue>;
    #[wasm_bindgen(method, js_class = "DateTimeFormat", js_name = format)]
    fn format(this: &IntlDateFormat, date: &js_sys::Date) -> String;
}

/// Calendar dates in the shopper's locale ("Tue, 8 Dec"), via `Intl.DateTimeFormat`.
struct DateFormat(Option<IntlDateFormat>);

impl DateFormat {
    fn new(locale: &str) -> DateFormat {
        let options = js_sys::Object::new();
        set(&options, "weekday", &"short".into());
        set(&options, "day", &"numeric".into());
        set(&options, "month", &"short".into());
        // Dates are calendar dates: format them at UTC midnight in UTC so no zone shifts them.
        set(&options, "timeZone", &"UTC".into());
        let made = IntlDateFormat::new(locale, &options).or_else(|_| IntlDateFormat::new("en", &options));
        DateFormat(made.ok())
    }

    fn format(&self, date: Date) -> String {
        match &self.0 {
            Some(intl) => {
                intl.format(&js_sys::Date::new(&JsValue::from_f64(f64::from(date.days()) * 86_400_000.0)))
            }
            None => iso(date),
        }
    }
}
