//! Reads the availability JSON (already parsed by the browser) into a core snapshot, field
//! by field through `Reflect` — no serde, which would triple the widget's size.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use backorder_core::{Availability, Calendar, Date, Lot, Snapshot, Weekdays};
use js_sys::{Array, Reflect};
use wasm_bindgen::JsValue;

fn get(object: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(object, &key.into()).ok().filter(|value| !value.is_undefined())
}

fn count(object: &JsValue, key: &str) -> Option<u32> {
    let value = get(object, key)?.as_f64()?;
    let whole = value as u32;
    (f64::from(whole) == value).then_some(whole)
}

/// A count or `null`; `None` when the field is missing or malformed.
fn nullable_count(object: &JsValue, key: &str) -> Option<Option<u32>> {
    match get(object, key)? {
        value if value.is_null() => Some(None),
        _ => count(object, key).map(Some),
    }
}

fn date(value: &JsValue) -> Option<Date> {
    Date::parse(&value.as_string()?)
}

fn nullable_date(object: &JsValue, key: &str) -> Option<Option<Date>> {
    match get(object, key)? {
        value if value.is_null() => Some(None),
        value => date(&value).map(Some),
    }
}

/// The snapshot and product name, or `None` if the document is not an availability snapshot.
pub fn read(json: &JsValue) -> Option<(Snapshot, String)> {
    let backorder = get(json, "backorder")?;
    let calendar = get(json, "calendar")?;
    let weekdays: Vec<u8> = Array::from(&get(&calendar, "ship_weekdays")?)
        .iter()
        .map(|day| day.as_f64().filter(|d| (1.0..=7.0).contains(d)).map(|d| d as u8))
        .collect::<Option<_>>()?;
    let holidays: Vec<Date> =
        Array::from(&get(&calendar, "holidays")?).iter().map(|d| date(&d)).collect::<Option<_>>()?;
    let supply: Vec<Lot> = Array::from(&get(json, "supply")?)
        .iter()
        .map(|lot| Some(Lot { date: date(&get(&lot, "date")?)?, qty: count(&lot, "qty")? }))
        .collect::<Option<_>>()?;
    let snapshot = Availability {
        today: date(&get(json, "today")?)?,
        available_now: count(json, "available_now")?,
        takes_backorders: get(&backorder, "allowed")?.as_bool()?,
        backorder_remaining: nullable_count(&backorder, "remaining")?,
        lead_time_days: nullable_count(&backorder, "lead_time_days")?,
        release_date: nullable_date(json, "release_date")?,
        discontinued: get(json, "discontinued")?.as_bool()?,
        low_stock_threshold: count(json, "low_stock_threshold")?,
        calendar: Cow::Owned(Calendar::new(
            count(&calendar, "handling_days")?,
            Weekdays::from_iso(&weekdays)?,
            holidays,
        )),
        supply: Cow::Owned(supply),
        promised: 0,
        supply_horizon: nullable_date(json, "supply_horizon")?,
    };
    let name = get(json, "name").and_then(|name| name.as_string()).unwrap_or_default();
    Some((snapshot, name))
}
