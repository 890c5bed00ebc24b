//! An object's outbox: events written in the same transaction as the change that made them,
//! delivered to the catalog's feed after it (the feed appends each source's events in
//! sequence and skips repeats, so a redelivery is harmless). Both the SKU ledgers and the
//! order coordinators keep one, in their own SQLite.

use std::cell::Cell;

use backorder_api::output::EventDoc;
use backorder_service::protocol::Fault;
use worker::{Env, SqlStorage};

use crate::client;
use crate::sql::{exec, int, integer, rows, text};

/// Puts an event in the outbox (inside the caller's transaction).
pub fn put(sql: &SqlStorage, seq: u64, event: &str) -> Result<(), Fault> {
    exec(sql, "INSERT OR REPLACE INTO outbox (seq, event) VALUES (?, ?)", vec![int(seq as i64), event.into()])
}

/// Events not yet delivered to the feed, oldest first: (seq, JSON).
fn pending(sql: &SqlStorage) -> Result<Vec<(u64, String)>, Fault> {
    Ok(rows(sql, "SELECT seq, event FROM outbox ORDER BY seq LIMIT 500", vec![])?
        .iter()
        .filter_map(|row| Some((integer(row, 0)? as u64, text(row, 1)?.to_string())))
        .collect())
}

/// Delivers waiting events of `source` to the feed, a page at a time; whether the outbox is
/// empty. `waiting` says whether there may be any (unknown, so true, until first checked).
pub async fn deliver(env: &Env, sql: &SqlStorage, waiting: &Cell<bool>, source: &str) -> bool {
    // A bound keeps one request from delivering forever; the retry alarm does the rest.
    for _ in 0..20 {
        if !waiting.get() {
            return true;
        }
        let events = match pending(sql) {
            Ok(events) if events.is_empty() => {
                waiting.set(false);
                return true;
            }
            Ok(events) => events,
            Err(_) => return false,
        };
        let last = events.last().map_or(0, |(seq, _)| *seq);
        let docs: Result<Vec<EventDoc>, _> =
            events.iter().map(|(_, text)| serde_json::from_str(text)).collect();
        let docs = match docs {
            Ok(docs) => docs,
            Err(error) => {
                worker::console_error!("an event in the outbox cannot be read: {}", error);
                return false;
            }
        };
        match client::deliver_events(env, source.into(), docs).await {
            Ok(up_to) if up_to >= last => {
                if exec(sql, "DELETE FROM outbox WHERE seq <= ?", vec![int(up_to as i64)]).is_err() {
                    return false;
                }
            }
            Ok(up_to) => {
                worker::console_warn!("the feed took events up to {} of {}; will retry", up_to, last);
                return false;
            }
            Err(error) => {
                worker::console_warn!("event delivery failed, will retry: {}", error);
                return false;
            }
        }
    }
    false
}
