//! Rendering and formatting in a real browser (headless Chromium through chromedriver):
//! `cargo test -p backorder-widget --target wasm32-unknown-unknown` with the runner set up by
//! scripts/test.sh. The network is not involved: snapshots are given directly.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement, HtmlInputElement, ShadowRootInit, ShadowRootMode};

use crate::product::{read_availability, show};
use crate::Helpers;

wasm_bindgen_test_configure!(run_in_browser);

const PHONE: &str = r#"{"sku":"PHONE-1","name":"Phone <b>\"1\"</b>","status":"low_stock","schema_org":"LimitedAvailability",
 "available_now":2,"max_qty":null,"backorder":{"allowed":true,"remaining":null,"lead_time_days":14},
 "today":"2026-11-26","calendar":{"handling_days":1,"ship_weekdays":[1,2,3,4,5],"holidays":[]},
 "release_date":null,"discontinued":false,"low_stock_threshold":3,
 "supply":[{"date":"2026-12-07","qty":5}],"supply_horizon":"2026-12-07"}"#;

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A `<backorder-status>` host under a container with `lang`, showing `json`, once fully
/// rendered (dates come a task after the first render).
async fn mounted(json: &str, lang: &str, attributes: &[(&str, &str)]) -> HtmlElement {
    let document = document();
    let container = document.create_element("div").unwrap();
    container.set_attribute("lang", lang).unwrap();
    let host: HtmlElement = document.create_element("backorder-status").unwrap().unchecked_into();
    host.set_attribute("sku", "PHONE-1").unwrap();
    for (name, value) in attributes {
        host.set_attribute(name, value).unwrap();
    }
    container.append_child(&host).unwrap();
    document.body().unwrap().append_child(&container).unwrap();
    host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)).unwrap();
    let (snapshot, name) =
        read_availability(js_sys::JSON::parse(json).unwrap()).expect("a readable snapshot");
    show(host.clone(), "PHONE-1".into(), "http://edge.invalid".into(), helpers(), snapshot, name).unwrap();
    for _ in 0..10 {
        if part(&host, "root").has_attribute("data-ready") {
            break;
        }
        next_task().await;
    }
    assert!(part(&host, "root").has_attribute("data-ready"), "rendered with dates");
    host
}

/// The loader's helpers where Trusted Types are not enforced: text passes as it is.
fn helpers() -> Helpers {
    let helpers = js_sys::Object::new();
    let trust = js_sys::Function::new_with_args("json", "return json");
    js_sys::Reflect::set(&helpers, &"trust".into(), &trust).unwrap();
    helpers.unchecked_into()
}

async fn next_task() {
    gloo_timers::future::TimeoutFuture::new(0).await;
}

fn part(host: &HtmlElement, name: &str) -> Element {
    let selector = ["[part=", name, "]"].concat();
    host.shadow_root().unwrap().query_selector(&selector).unwrap().expect("the part exists")
}

fn text(host: &HtmlElement, name: &str) -> String {
    part(host, name).text_content().unwrap_or_default()
}

fn set_qty(host: &HtmlElement, qty: &str) {
    let input: HtmlInputElement = part(host, "qty").unchecked_into();
    input.set_value(qty);
    input.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
}

#[wasm_bindgen_test]
async fn renders_status_split_and_button_from_the_snapshot() {
    let host = mounted(PHONE, "en-GB", &[]).await;
    assert_eq!(text(&host, "status"), "Only 2 left");
    assert_eq!(text(&host, "split"), "Ships by Fri 27 Nov");
    assert_eq!(text(&host, "button"), "Add to cart");
    assert_eq!(part(&host, "status").get_attribute("aria-live").as_deref(), Some("polite"));
    set_qty(&host, "3");
    assert_eq!(text(&host, "split"), "2 ship now · 1 ships by Tue 8 Dec");
    assert_eq!(text(&host, "button"), "Backorder");
    let split = part(&host, "split");
    assert_eq!(split.get_attribute("data-ship-date").as_deref(), Some("2026-11-27"));
    assert_eq!(split.get_attribute("data-backorder-ship-date").as_deref(), Some("2026-12-08"));
    set_qty(&host, "0");
    let button: web_sys::HtmlButtonElement = part(&host, "button").unchecked_into();
    assert!(button.disabled(), "zero units cannot be reserved");
}

#[wasm_bindgen_test]
async fn a_split_quantity_may_ship_together() {
    let host = mounted(PHONE, "en-GB", &[]).await;
    let together = part(&host, "together");
    assert!(together.unchecked_ref::<HtmlElement>().hidden(), "nothing to wait for at one unit");
    set_qty(&host, "3");
    assert!(!together.unchecked_ref::<HtmlElement>().hidden(), "offered once the quantity splits");
    assert_eq!(together.text_content().unwrap_or_default(), "Ship everything together");
    let checkbox: HtmlInputElement = part(&host, "together-box").unchecked_into();
    checkbox.set_checked(true);
    checkbox.dispatch_event(&web_sys::Event::new("change").unwrap()).unwrap();
    assert_eq!(text(&host, "split"), "All 3 ship together by Tue 8 Dec");
    assert_eq!(part(&host, "split").get_attribute("data-ship-date").as_deref(), Some("2026-12-08"));
    set_qty(&host, "1");
    assert_eq!(text(&host, "split"), "Ships by Fri 27 Nov", "one unit ships at once, checked or not");
}

#[wasm_bindgen_test]
async fn dates_follow_the_nearest_lang() {
    let german = mounted(PHONE, "de-DE", &[]).await;
    set_qty(&german, "3");
    let split = text(&german, "split");
    assert!(split.ends_with("Di., 8. Dez."), "{split}");
    let bogus = mounted(PHONE, "not a locale!", &[]).await;
    assert_eq!(text(&bogus, "split"), "Ships by Fri, Nov 27", "an invalid lang falls back to English");
}

#[wasm_bindgen_test]
async fn merchant_texts_override_defaults() {
    let host = mounted(PHONE, "en", &[("text-low-stock", "Nur noch {n}!"), ("text-add", "Kaufen")]).await;
    assert_eq!(text(&host, "status"), "Nur noch 2!");
    assert_eq!(text(&host, "button"), "Kaufen");
}

#[wasm_bindgen_test]
async fn product_names_are_text_and_structured_data_is_json() {
    let host = mounted(PHONE, "en", &[]).await;
    assert_eq!(part(&host, "root").get_attribute("aria-label").as_deref(), Some("Phone <b>\"1\"</b>"));
    assert!(host.shadow_root().unwrap().query_selector("b").unwrap().is_none(), "no markup from data");
    let script = host.query_selector("script[type='application/ld+json']").unwrap().expect("JSON-LD");
    let data = js_sys::JSON::parse(&script.text_content().unwrap()).unwrap();
    let get = |object: &JsValue, key: &str| js_sys::Reflect::get(object, &key.into()).unwrap();
    assert_eq!(get(&data, "name").as_string().as_deref(), Some("Phone <b>\"1\"</b>"));
    let offer = get(&data, "offers");
    assert_eq!(
        get(&offer, "availability").as_string().as_deref(),
        Some("https://schema.org/LimitedAvailability")
    );
}

#[wasm_bindgen_test]
async fn sold_out_disables_the_form_and_preorders_name_the_release() {
    let sold_out = PHONE
        .replace(r#""available_now":2"#, r#""available_now":0"#)
        .replace(r#""allowed":true"#, r#""allowed":false"#);
    let host = mounted(&sold_out, "en-GB", &[]).await;
    assert_eq!(
        (text(&host, "status"), text(&host, "button")),
        ("Out of stock".to_string(), "Sold out".to_string())
    );
    let input: HtmlInputElement = part(&host, "qty").unchecked_into();
    assert!(input.disabled());
    let preorder = PHONE
        .replace(r#""release_date":null"#, r#""release_date":"2026-12-15""#)
        .replace(r#""available_now":2"#, r#""available_now":0"#);
    let host = mounted(&preorder, "en-GB", &[]).await;
    assert_eq!(text(&host, "status"), "Pre-order: releases Tue 15 Dec");
    assert_eq!(text(&host, "button"), "Pre-order");
    let script = host.query_selector("script").unwrap().unwrap().text_content().unwrap();
    assert!(script.contains("\"availabilityStarts\":\"2026-12-16\""), "{script}");
    // Early stock for a preorder, backorders denied: the release still dates the offer.
    let stocked = PHONE
        .replace(r#""release_date":null"#, r#""release_date":"2026-12-15""#)
        .replace(r#""allowed":true"#, r#""allowed":false"#);
    let host = mounted(&stocked, "en-GB", &[]).await;
    let script = host.query_selector("script").unwrap().unwrap().text_content().unwrap();
    assert!(script.contains("\"availabilityStarts\":\"2026-12-16\""), "{script}");
}

#[wasm_bindgen_test]
async fn unreadable_snapshots_are_refused() {
    let unreadable = [
        "{}",
        "null",
        r#"{"backorder":{},"calendar":{}}"#,
        &PHONE.replace("2026-11-26", "26/11/2026"),
        &PHONE.replace("[1,2,3,4,5]", "[0]"),
        &PHONE.replace(r#""available_now":2"#, r#""available_now":-2"#),
    ];
    for json in unreadable {
        assert!(read_availability(js_sys::JSON::parse(json).unwrap()).is_none(), "{json}");
    }
    let (snapshot, name) = read_availability(js_sys::JSON::parse(PHONE).unwrap()).expect("readable");
    assert_eq!((snapshot.available_now, name.as_str()), (2, "Phone <b>\"1\"</b>"));
}

#[wasm_bindgen_test]
async fn the_status_comes_first_and_the_dates_a_task_later() {
    let document = document();
    let host: HtmlElement = document.create_element("backorder-status").unwrap().unchecked_into();
    host.set_attribute("sku", "PHONE-1").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)).unwrap();
    let (snapshot, name) = read_availability(js_sys::JSON::parse(PHONE).unwrap()).unwrap();
    show(host.clone(), "PHONE-1".into(), "http://edge.invalid".into(), helpers(), snapshot, name).unwrap();
    assert_eq!(text(&host, "status"), "Only 2 left");
    assert_eq!(text(&host, "split"), "");
    assert!(!part(&host, "root").has_attribute("data-ready"));
    next_task().await;
    next_task().await;
    assert!(part(&host, "root").has_attribute("data-ready"));
    assert!(text(&host, "split").starts_with("Ships by "));
}

const ORDER: &str = r#"{"order_id":"1001","placed_at":"2026-11-26T10:00:00Z","decision_pending":true,"lines":[
 {"sku":"LAMP-1","name":"Lamp <i>x</i>","qty":3,"shipped_now":1,"waiting":2,"allocated":0,"cancelled":0,"position":1,
  "promised_ship_date":"2026-12-04","projected_ship_date":"2026-12-21","status":"backordered",
  "delay":{"notice":1,"promised_ship_date":"2026-12-04","revised_ship_date":"2026-12-21","deadline":"2026-12-05T00:00:00Z",
   "silence_is_consent":true,"decision":"pending","decided_by":null}},
 {"sku":"MUG-1","name":"Mug","qty":1,"shipped_now":1,"waiting":0,"allocated":0,"cancelled":0,"position":null,
  "promised_ship_date":null,"projected_ship_date":null,"status":"ready","delay":null}]}"#;

/// A `<backorder-order>` host showing `json` (answered with `status`).
fn order_host(status: u16, json: &str, attributes: &[(&str, &str)]) -> HtmlElement {
    let document = document();
    let container = document.create_element("div").unwrap();
    container.set_attribute("lang", "en-GB").unwrap();
    let host: HtmlElement = document.create_element("backorder-order").unwrap().unchecked_into();
    host.set_attribute("order", "1001").unwrap();
    host.set_attribute("token", &"ab".repeat(16)).unwrap();
    for (name, value) in attributes {
        host.set_attribute(name, value).unwrap();
    }
    container.append_child(&host).unwrap();
    document.body().unwrap().append_child(&container).unwrap();
    crate::order::start(
        host.clone(),
        "http://edge.invalid".into(),
        status,
        js_sys::JSON::parse(json).unwrap(),
    )
    .unwrap();
    host
}

fn all(host: &HtmlElement, selector: &str) -> Vec<Element> {
    let found = host.shadow_root().unwrap().query_selector_all(selector).unwrap();
    (0..found.length()).filter_map(|i| found.item(i)?.dyn_into().ok()).collect()
}

#[wasm_bindgen_test]
async fn an_order_shows_each_line_and_offers_the_delay_answers() {
    let host = order_host(200, ORDER, &[]);
    assert_eq!(text(&host, "heading"), "Order 1001");
    assert!(text(&host, "placed").starts_with("Placed 26 Nov 2026"), "{}", text(&host, "placed"));
    assert_eq!(part(&host, "content").get_attribute("aria-live").as_deref(), Some("polite"));
    let lines = all(&host, "[part=line]");
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].get_attribute("data-status").as_deref(), Some("backordered"));
    let title = lines[0].query_selector("[part=title]").unwrap().unwrap();
    assert_eq!(title.text_content().unwrap(), "3 × Lamp <i>x</i>");
    assert!(host.shadow_root().unwrap().query_selector("i").unwrap().is_none(), "no markup from data");
    let facts: Vec<String> =
        all(&host, "[data-sku=LAMP-1] [part=fact]").iter().map(|f| f.text_content().unwrap()).collect();
    assert_eq!(facts, ["1 from stock", "2 on backorder, expected to ship by Mon 21 Dec", "Number 1 in line"]);
    let delay: Vec<String> =
        all(&host, "[part=delay-text]").iter().map(|f| f.text_content().unwrap()).collect();
    assert_eq!(delay[0], "We promised to ship by Fri 4 Dec. The new date is Mon 21 Dec.");
    // The last minute before the deadline (2026-12-05T00:00:00Z), in the browser's own zone.
    let last_minute = crate::DateFormat::instants("en-GB").instant(1_796_428_800_000 - 60_000);
    assert!(last_minute.contains(":59"), "{last_minute}");
    assert_eq!(delay[1], format!("Please choose by {last_minute}."));
    let buttons = all(&host, "button[data-decision]");
    let labels: Vec<String> = buttons.iter().map(|b| b.text_content().unwrap()).collect();
    assert_eq!(labels, ["Keep my order", "Cancel and refund"]);
    assert!(buttons.iter().all(|b| b.get_attribute("data-sku").as_deref() == Some("LAMP-1")));
    assert!(
        all(&host, "[data-sku=MUG-1] button").is_empty(),
        "a line without a notice has nothing to answer"
    );
}

#[wasm_bindgen_test]
async fn an_order_that_cannot_be_read_says_so() {
    let unknown = order_host(404, r#"{"error":{"code":"not_found"}}"#, &[]);
    assert_eq!(
        text(&unknown, "message"),
        "We could not find this order. Please check the link you were sent."
    );
    assert!(all(&unknown, "[part=line]").is_empty());
    let down = order_host(0, "null", &[("text-unavailable", "Später erneut versuchen")]);
    assert_eq!(text(&down, "message"), "Später erneut versuchen");
    let document = document();
    let bad: HtmlElement = document.create_element("backorder-order").unwrap().unchecked_into();
    bad.set_attribute("order", "1001").unwrap();
    bad.set_attribute("token", "short").unwrap();
    document.body().unwrap().append_child(&bad).unwrap();
    assert!(crate::order::start(bad.clone(), "http://edge.invalid".into(), 200, JsValue::NULL).is_err());
    assert!(bad.hidden(), "a malformed token hides the element");
}

#[wasm_bindgen_test]
async fn order_texts_are_the_merchants() {
    let host = order_host(200, ORDER, &[("text-accept", "Warten"), ("text-heading", "")]);
    assert!(host.shadow_root().unwrap().query_selector("[part=heading]").unwrap().is_none(), "hidden");
    assert_eq!(all(&host, "button[data-decision=accept]")[0].text_content().unwrap(), "Warten");
}
