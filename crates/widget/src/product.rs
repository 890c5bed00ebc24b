//! `<backorder-status>`: the product widget. It renders the availability the loader fetched,
//! quotes every quantity change locally (no request per keystroke), offers to ship a split
//! quantity together, reserves with one Idempotency-Key per click (reused on retry),
//! dispatches `backorder:reserved`, and renders the availability the reservation's answer
//! carries.
//!
//! Theme mode (`mode="status" form="<the theme's product form id>"`): inside a store theme that
//! has its own quantity input and "Add to cart", the widget shows only the status, the split and
//! the dates, follows the theme's quantity, and when the theme's form is submitted it reserves
//! first, puts the reservation's id in the form as the line item property
//! `properties[_backorder_reservation]`, and lets the submission go on; a refused reservation
//! stops it, and the widget says why.

use std::cell::RefCell;
use std::rc::Rc;

use backorder_api::input::ReservationRequest;
use backorder_api::output::AvailabilityDoc;
use backorder_core::{Date, Ship, Snapshot};
use gloo_events::EventListener;
use gloo_events::EventListenerOptions;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    CustomEvent, CustomEventInit, Document, Element, HtmlButtonElement, HtmlElement, HtmlFormElement,
    HtmlInputElement, ShadowRoot, ShadowRootInit, ShadowRootMode, SubmitEvent,
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
.split:empty,.message:empty{display:none}\
.row[hidden]{display:none}";

/// The form field a reservation travels in to the platform's cart, as a line item property.
const RESERVATION_FIELD: &str = "properties[_backorder_reservation]";

pub(crate) struct Parts {
    root: Element,
    status: Element,
    row: HtmlElement,
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
    /// Theme mode: the theme's product form, whose quantity and submission the widget follows.
    theme: Option<ThemeForm>,
}

/// The theme's product form and its quantity input (`name="quantity"`, if it has one).
pub(crate) struct ThemeForm {
    form: HtmlFormElement,
    quantity: Option<HtmlInputElement>,
    /// The widget's own re-submission after reserving: let it through.
    resubmitting: bool,
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
    let theme = theme_form(&host, &document);
    parts.row.set_hidden(theme.is_some());
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
        theme,
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
    let row: HtmlElement = append(document, &root, "div", Some("row"), "")?.unchecked_into();
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
    Ok(Parts { root, status, row, input, button, split, together, together_box, message, structured })
}

/// Theme mode's form: `mode="status"` and `form` naming a `<form>` of the page.
fn theme_form(host: &HtmlElement, document: &Document) -> Option<ThemeForm> {
    if host.get_attribute("mode").as_deref() != Some("status") {
        return None;
    }
    let id = host.get_attribute("form")?;
    let form: HtmlFormElement = document.get_element_by_id(&id)?.dyn_into().ok()?;
    let quantity =
        form.query_selector("[name=quantity]").ok().flatten().and_then(|input| input.dyn_into().ok());
    Some(ThemeForm { form, quantity, resubmitting: false })
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
        wasm_bindgen_futures::spawn_local(async move {
            reserve(&widget).await;
        });
    })
    .forget();
    let Some(theme) = &widget.borrow().theme else { return };
    if let Some(quantity) = &theme.quantity {
        EventListener::new(quantity, "input", rerender(widget)).forget();
        EventListener::new(quantity, "change", rerender(widget)).forget();
    }
    // On the document, in the capture phase: before the theme's own submit handler, which is
    // usually on the form itself and would otherwise add to the cart first.
    let Some(document) = theme.form.owner_document() else { return };
    let on_submit = widget.clone();
    let options = EventListenerOptions { passive: false, ..EventListenerOptions::run_in_capture_phase() };
    EventListener::new_with_options(&document, "submit", options, move |event| {
        intercept(&on_submit, event);
    })
    .forget();
}

/// The theme's form is being submitted: stop it, reserve, and submit it again with the
/// reservation in it — unless this is that second submission.
fn intercept(widget: &Rc<RefCell<Widget>>, event: &web_sys::Event) {
    let submitter = event.dyn_ref::<SubmitEvent>().and_then(SubmitEvent::submitter);
    let mut w = widget.borrow_mut();
    let Some(theme) = w.theme.as_mut() else { return };
    let form: &web_sys::EventTarget = theme.form.as_ref();
    let ours = event.target().is_some_and(|target| target == *form);
    if !ours {
        return;
    }
    if theme.resubmitting {
        theme.resubmitting = false;
        return;
    }
    event.prevent_default();
    event.stop_immediate_propagation();
    if w.busy {
        return;
    }
    let shown = w.shown();
    if !shown.button_enabled {
        // Nothing to reserve at this quantity: say why, and add nothing to the cart.
        w.notice = match (shown.message.is_empty(), shown.max_qty) {
            (false, _) => shown.message,
            (true, Some(0)) => w.texts.sold_out.clone(),
            (true, _) => w.texts.failed.clone(),
        };
        w.render();
        return;
    }
    drop(w);
    let widget = widget.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let Some(id) = reserve(&widget).await else { return };
        let mut w = widget.borrow_mut();
        let Some(theme) = w.theme.as_mut() else { return };
        if put_reservation(&theme.form, &id).is_err() {
            return;
        }
        theme.resubmitting = true;
        let form = theme.form.clone();
        drop(w);
        let submitted = form.request_submit_with_submitter(submitter.as_ref());
        if submitted.is_err() {
            if let Some(theme) = widget.borrow_mut().theme.as_mut() {
                theme.resubmitting = false;
            }
        }
    });
}

/// Puts the reservation's id in the form as the line item property (replacing an earlier one).
fn put_reservation(form: &HtmlFormElement, id: &str) -> Result<(), JsValue> {
    let field = match form.query_selector(&format!("input[name=\"{RESERVATION_FIELD}\"]"))? {
        Some(field) => field.unchecked_into::<HtmlInputElement>(),
        None => {
            let document = form.owner_document().ok_or(JsValue::NULL)?;
            let field: HtmlInputElement = document.create_element("input")?.unchecked_into();
            field.set_type("hidden");
            field.set_name(RESERVATION_FIELD);
            form.append_child(&field)?;
            field
        }
    };
    field.set_value(id);
    Ok(())
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
        let input =
            self.theme.as_ref().and_then(|theme| theme.quantity.as_ref()).unwrap_or(&self.parts.input);
        // A theme without a quantity input adds one unit.
        match self.theme.as_ref().is_some_and(|theme| theme.quantity.is_none()) {
            true => 1,
            false => input.value().trim().parse().unwrap_or(0),
        }
    }

    /// What the widget shows now.
    fn shown(&self) -> View {
        let format = |date: Date| self.format.as_ref().map_or_else(|| date.to_string(), |f| f.date(date));
        let wanted = if self.parts.together_box.checked() { Ship::Complete } else { Ship::Partial };
        view(&self.snapshot, self.qty(), wanted, &self.texts, &format)
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
        let mut shown = self.shown();
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

/// Reserves the chosen quantity; the reservation's id when it was made.
async fn reserve(widget: &Rc<RefCell<Widget>>) -> Option<String> {
    let (url, request, key) = {
        let mut w = widget.borrow_mut();
        let qty = w.qty();
        if w.busy || qty == 0 {
            return None;
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
    let id = reserved.as_ref().and_then(|reservation| {
        js_sys::Reflect::get(reservation, &"id".into()).ok().and_then(|id| id.as_string())
    });
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
    id
}

fn set_date_attribute(element: &Element, name: &str, date: Option<Date>) {
    let _ = match date {
        Some(date) => element.set_attribute(name, &date.to_string()),
        None => element.remove_attribute(name),
    };
}
