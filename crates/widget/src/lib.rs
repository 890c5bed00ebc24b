//! backorder-widget: the WebAssembly of the storefront's two elements.
//!
//! The loader (`crates/widget/loader.js`) defines the custom elements and calls [`mount`] for
//! each `<backorder-status>` with the availability document it fetched, and [`mount_order`]
//! for each `<backorder-order>` with the order's status document. Documents are read with
//! serde-wasm-bindgen into the API's own types; the Shadow DOM is built with
//! `createElement`/`textContent` only; requests go through gloo-net, listeners through
//! gloo-events. What each element says is pure and tested natively: [`view`] (the product,
//! quoted with backorder-core, the same `Availability::quote` the edge answers with) and
//! [`order_view`] (an order's lines and delay notices). If the edge cannot be reached an
//! element says so or collapses, and one warning is logged.

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests;
mod order;
pub mod order_view;
mod product;
pub mod view;

use std::sync::atomic::{AtomicBool, Ordering};

use backorder_core::{Date, Millis};
use gloo_net::http::Request;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use web_sys::{CssStyleSheet, Document, Element, HtmlElement, RequestCache, ShadowRoot};

/// A small free-list allocator: the widget allocates little, and dlmalloc alone would be a
/// fifth of its size.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
// SAFETY: the widget runs on the page's one thread; wasm32-unknown-unknown without the
// atomics feature has no other threads that could share the allocator.
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

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

/// Mounts the product widget on `host` (a `<backorder-status sku>` or `[data-backorder-sku]`
/// element). `api` is the edge's origin; `availability` is the document the loader fetched
/// while the wasm was loading (`null` when that request failed).
#[wasm_bindgen]
pub fn mount(host: HtmlElement, api: String, helpers: Helpers, availability: JsValue) {
    if let Err(problem) = product::start(host, api, helpers, availability) {
        warn_once(&problem);
    }
}

/// Mounts the order status on `host` (a `<backorder-order order token>` element). `status` is
/// the HTTP status of the loader's request for the order's status (0: unreachable) and `doc`
/// its JSON.
#[wasm_bindgen]
pub fn mount_order(host: HtmlElement, api: String, status: u16, doc: JsValue) {
    if let Err(problem) = order::start(host, api, status, doc) {
        warn_once(&problem);
    }
}

/// Whether a warning was logged: a page with many widgets and a dead edge logs one.
static WARNED: AtomicBool = AtomicBool::new(false);

fn warn_once(problem: &str) {
    if !WARNED.swap(true, Ordering::Relaxed) {
        web_sys::console::warn_1(&problem.into());
    }
}

/// An element's CSS as a constructed stylesheet, which a page's `style-src` CSP allows; a
/// `<style>` element where constructed sheets are unsupported.
fn adopt_style(document: &Document, shadow: &ShadowRoot, css: &str) -> Result<(), String> {
    let sheet = CssStyleSheet::new().ok().filter(|sheet| sheet.replace_sync(css).is_ok());
    match sheet {
        Some(sheet) => shadow.set_adopted_style_sheets(&js_sys::Array::of1(&sheet)),
        None => drop(append(document, shadow.as_ref(), "style", None, css)?),
    }
    Ok(())
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

/// Posts `body` as JSON; the answer's status and its JSON (parsed by the browser; `null` when
/// it is not JSON). `Err` when the edge could not be reached.
async fn post_json(url: &str, body: &impl Serialize, key: Option<&str>) -> Result<(u16, JsValue), String> {
    let unreachable = |_| format!("backorder: {url} is unreachable");
    let body = serde_wasm_bindgen::to_value(body)
        .ok()
        .and_then(|value| js_sys::JSON::stringify(&value).ok())
        .and_then(|json| json.as_string())
        .ok_or("backorder: the request could not be written")?;
    let mut request =
        Request::post(url).header("content-type", "application/json").cache(RequestCache::NoStore);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    let response = request.body(body).map_err(unreachable)?.send().await.map_err(unreachable)?;
    let json = match response.text().await {
        Ok(text) => js_sys::JSON::parse(&text).unwrap_or(JsValue::NULL),
        Err(_) => JsValue::NULL,
    };
    Ok((response.status(), json))
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

/// `Intl.DateTimeFormat`'s options: "Tue, 8 Dec" for calendar dates (at UTC midnight, in UTC,
/// so no zone shifts them); "8 Dec 2026, 14:00" for instants, in the shopper's own zone.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DateOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    weekday: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    day: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    month: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    time_zone: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_style: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    time_style: Option<&'static str>,
}

/// Dates and instants in the shopper's locale, via `Intl.DateTimeFormat`; ISO text where
/// `Intl` refuses.
struct DateFormat(Option<IntlDateFormat>);

impl DateFormat {
    fn dates(locale: &str) -> DateFormat {
        DateFormat::new(
            locale,
            DateOptions {
                weekday: Some("short"),
                day: Some("numeric"),
                month: Some("short"),
                time_zone: Some("UTC"),
                date_style: None,
                time_style: None,
            },
        )
    }

    fn instants(locale: &str) -> DateFormat {
        DateFormat::new(
            locale,
            DateOptions {
                weekday: None,
                day: None,
                month: None,
                time_zone: None,
                date_style: Some("medium"),
                time_style: Some("short"),
            },
        )
    }

    fn new(locale: &str, options: DateOptions) -> DateFormat {
        let Ok(options) = serde_wasm_bindgen::to_value(&options) else { return DateFormat(None) };
        let made = IntlDateFormat::new(locale, &options).or_else(|_| IntlDateFormat::new("en", &options));
        DateFormat(made.ok())
    }

    fn date(&self, date: Date) -> String {
        self.millis(i64::from(date.days()) * 86_400_000).unwrap_or_else(|| date.to_string())
    }

    fn instant(&self, at: Millis) -> String {
        self.millis(at)
            .unwrap_or_else(|| String::from(js_sys::Date::new(&JsValue::from_f64(at as f64)).to_iso_string()))
    }

    fn millis(&self, at: Millis) -> Option<String> {
        let intl = self.0.as_ref()?;
        Some(intl.format(&js_sys::Date::new(&JsValue::from_f64(at as f64))))
    }
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
