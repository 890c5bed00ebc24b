//! `Registry`: the Durable Object for what spans SKUs. One instance, `catalog`, lists the
//! products and keeps the event feed; instances `claims-N` hold idempotency-key and order-id
//! claims, spread by hash so that no single object sees every reservation.

use std::cell::Cell;

use backorder_api::input::parse;
use backorder_api::json::{Fields, FromJson, Json};
use backorder_api::ApiError;
use backorder_core::replies::KEY_RETENTION_MS;
use worker::{durable_object, DurableObject, Env, Request, Response, Result, SqlStorage, State};

use crate::edge::{Claim, Delivered, SkuEntry, SkuPage};
use crate::reply::{Exposure, Reply};
use crate::sql::{exec, int, integer, rows, text};

/// Schema migrations, applied in order (see `sql::migrate`).
const MIGRATIONS: &[&str] = &["
    CREATE TABLE IF NOT EXISTS skus (sku TEXT PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS events (
        id INTEGER PRIMARY KEY AUTOINCREMENT, sku TEXT NOT NULL, seq INTEGER NOT NULL, event TEXT NOT NULL,
        UNIQUE (sku, seq));
    CREATE TABLE IF NOT EXISTS claims (
        key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, sku TEXT NOT NULL, at INTEGER NOT NULL,
        permanent INTEGER NOT NULL, confirmed INTEGER NOT NULL DEFAULT 0);
    CREATE INDEX IF NOT EXISTS claims_by_age ON claims (permanent, at);
"];

const MAX_FEED_PAGE: u32 = 500;

/// Registries from before claims were confirmed (and before `meta` versioned the schema) have
/// a `claims` table without the column, which migration 1 cannot add as it only creates what
/// is missing. Their order claims were all kept for good, which is what confirmed means now.
fn add_confirmed_to_early_claims(sql: &SqlStorage) -> std::result::Result<(), ApiError> {
    let schema = rows(
        sql,
        "SELECT instr(sql, 'confirmed') FROM sqlite_master WHERE type = 'table' AND name = 'claims'",
        vec![],
    )?;
    match schema.first().and_then(|row| integer(row, 0)) {
        Some(0) => {
            exec(sql, "ALTER TABLE claims ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 0", vec![])?;
            exec(sql, "UPDATE claims SET confirmed = 1 WHERE permanent = 1", vec![])
        }
        _ => Ok(()),
    }
}

#[durable_object(fetch)]
pub struct Registry {
    state: State,
    ready: Cell<bool>,
    /// When expired claims were last forgotten (ledger time), to do it at most once a minute.
    pruned_at: Cell<i64>,
}

impl DurableObject for Registry {
    fn new(state: State, _env: Env) -> Self {
        Registry { state, ready: Cell::new(false), pruned_at: Cell::new(i64::MIN) }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let sql = self.state.storage().sql();
        if !self.ready.get() {
            let migrated =
                add_confirmed_to_early_claims(&sql).and_then(|()| crate::sql::migrate(&sql, MIGRATIONS));
            if let Err(error) = migrated {
                return Reply::from(error).into_response(Exposure::Merchant);
            }
            self.ready.set(true);
        }
        let body = crate::edge::forwarded_body(&req).await?;
        let query = crate::edge::query_of(&req);
        let param = |name: &str| {
            query
                .split('&')
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| *k == name)
                .map(|(_, v)| decode(v))
        };
        let reply = match (req.method().as_ref(), req.path().as_str()) {
            ("POST", "/skus") => register(&sql, &body),
            ("GET", "/skus") => {
                let limit = param("limit").and_then(|v| v.parse().ok()).unwrap_or(50u32);
                list(&sql, &param("after").unwrap_or_default(), limit)
            }
            ("POST", "/events") => append_events(&sql, &body),
            ("GET", "/events") => feed(&sql, param("after").as_deref(), param("limit").as_deref()),
            ("POST", "/claims") => claim(&sql, &body, &self.pruned_at),
            ("POST", "/claims/confirm") => settle_claim(&sql, &body, true),
            ("POST", "/claims/release") => settle_claim(&sql, &body, false),
            ("GET", "/claims") => find_claim(&sql, &param("key").unwrap_or_default()),
            _ => Ok(ApiError::not_found("no such registry endpoint").into()),
        };
        reply.unwrap_or_else(Reply::from).into_response(Exposure::Merchant)
    }
}

type Answer = std::result::Result<Reply, ApiError>;

fn register(sql: &SqlStorage, body: &[u8]) -> Answer {
    let entry: SkuEntry = parse(body)?;
    exec(
        sql,
        "INSERT OR REPLACE INTO skus (sku, name) VALUES (?, ?)",
        vec![entry.sku.into(), entry.name.into()],
    )?;
    Ok(Reply { status: 200, body: "{}".into() })
}

fn list(sql: &SqlStorage, after: &str, limit: u32) -> Answer {
    let found = rows(
        sql,
        "SELECT sku, name FROM skus WHERE sku > ? ORDER BY sku LIMIT ?",
        vec![after.into(), int(i64::from(limit.min(200)))],
    )?;
    let skus = found
        .iter()
        .filter_map(|row| Some(SkuEntry { sku: text(row, 0)?.into(), name: text(row, 1)?.into() }))
        .collect();
    Ok(Reply::json(200, &SkuPage { skus }))
}

/// The part of an event the feed needs; the rest is stored and served as sent.
struct EventHead {
    sku: String,
    seq: u64,
}

impl FromJson for EventHead {
    fn from_json(value: &Json) -> std::result::Result<EventHead, String> {
        let fields = Fields::of(value)?;
        Ok(EventHead { sku: fields.member("sku")?, seq: fields.member("seq")? })
    }
}

/// Appends a SKU's events in sequence: repeats are skipped, so redelivery is harmless.
fn append_events(sql: &SqlStorage, body: &[u8]) -> Answer {
    let invalid = |message: String| ApiError::invalid(format!("invalid events: {message}"));
    let text = std::str::from_utf8(body).map_err(|_| invalid("not UTF-8".into()))?;
    let mut events = Vec::new();
    for (event, value) in Json::parse_array_items(text).map_err(invalid)? {
        events.push((event, EventHead::from_json(&value).map_err(invalid)?));
    }
    let Some(sku) = events.first().map(|(_, head)| head.sku.clone()) else {
        return Ok(Reply::json(200, &Delivered { up_to: 0 }));
    };
    let mut last = rows(sql, "SELECT MAX(seq) FROM events WHERE sku = ?", vec![sku.as_str().into()])?
        .first()
        .and_then(|row| integer(row, 0))
        .unwrap_or(0) as u64;
    for (event, head) in events {
        if head.sku != sku || head.seq <= last {
            continue;
        }
        if head.seq != last + 1 {
            return Err(ApiError::new(409, "sequence_gap", format!("{sku}: expected event {}", last + 1)));
        }
        exec(
            sql,
            "INSERT INTO events (sku, seq, event) VALUES (?, ?, ?)",
            vec![sku.as_str().into(), int(head.seq as i64), event.into()],
        )?;
        last = head.seq;
    }
    Ok(Reply::json(200, &Delivered { up_to: last }))
}

/// `{"events":[{"id":N, …event…}, …],"next_cursor":N}`, spliced from the stored texts.
fn feed(sql: &SqlStorage, after: Option<&str>, limit: Option<&str>) -> Answer {
    let after: u64 = match after {
        None | Some("") => 0,
        Some(text) => {
            text.parse().map_err(|_| ApiError::invalid("after must be a cursor from next_cursor"))?
        }
    };
    let limit: u32 = match limit {
        None | Some("") => 100,
        Some(text) => match text.parse() {
            Ok(n) if (1..=MAX_FEED_PAGE).contains(&n) => n,
            _ => return Err(ApiError::invalid(format!("limit must be between 1 and {MAX_FEED_PAGE}"))),
        },
    };
    let found = rows(
        sql,
        "SELECT id, event FROM events WHERE id > ? ORDER BY id LIMIT ?",
        vec![int(after as i64), int(i64::from(limit))],
    )?;
    let mut body = String::from("{\"events\":[");
    let mut next_cursor = after;
    for row in &found {
        let (Some(id), Some(json)) = (integer(row, 0), text(row, 1)) else { continue };
        let Some(fields) = json.strip_prefix('{') else { continue };
        if next_cursor != after {
            body.push(',');
        }
        body.push_str(&format!("{{\"id\":{id},{fields}"));
        next_cursor = id as u64;
    }
    body.push_str(&format!("],\"next_cursor\":{next_cursor}}}"));
    Ok(Reply { status: 200, body })
}

/// Claims `key` for one request: the same request may claim it again, another gets 422.
fn claim(sql: &SqlStorage, body: &[u8], pruned_at: &Cell<i64>) -> Answer {
    let request: Claim = parse(body)?;
    if request.at.saturating_sub(pruned_at.get()) > 60_000 {
        exec(
            sql,
            "DELETE FROM claims WHERE permanent = 0 AND at < ?",
            vec![int(request.at - KEY_RETENTION_MS)],
        )?;
        pruned_at.set(request.at);
    }
    // One statement when the key is new, the common case; a second only to compare.
    let inserted = rows(
        sql,
        "INSERT INTO claims (key, fingerprint, sku, at, permanent) VALUES (?, ?, ?, ?, ?) \
         ON CONFLICT (key) DO NOTHING RETURNING key",
        vec![
            request.key.as_str().into(),
            request.fingerprint.as_str().into(),
            request.sku.into(),
            int(request.at),
            int(i64::from(request.permanent)),
        ],
    )?;
    if inserted.is_empty() {
        let existing = rows(sql, "SELECT fingerprint FROM claims WHERE key = ?", vec![request.key.into()])?;
        if existing.first().and_then(|row| text(row, 0)) != Some(request.fingerprint.as_str()) {
            return Err(ApiError::key_reused());
        }
    }
    Ok(Reply { status: 200, body: "{}".into() })
}

/// Confirms a claim (its request succeeded: the key stays taken) or releases it (the request
/// was refused, so the key is free again) — release only while unconfirmed and unchanged.
fn settle_claim(sql: &SqlStorage, body: &[u8], succeeded: bool) -> Answer {
    let request: Claim = parse(body)?;
    if succeeded {
        exec(
            sql,
            "INSERT INTO claims (key, fingerprint, sku, at, permanent, confirmed) VALUES (?, ?, ?, ?, ?, 1) \
             ON CONFLICT (key) DO UPDATE SET confirmed = 1",
            vec![
                request.key.into(),
                request.fingerprint.into(),
                request.sku.into(),
                int(request.at),
                int(i64::from(request.permanent)),
            ],
        )?;
    } else {
        exec(
            sql,
            "DELETE FROM claims WHERE key = ? AND fingerprint = ? AND confirmed = 0",
            vec![request.key.into(), request.fingerprint.into()],
        )?;
    }
    Ok(Reply { status: 200, body: "{}".into() })
}

fn find_claim(sql: &SqlStorage, key: &str) -> Answer {
    let found = rows(sql, "SELECT sku FROM claims WHERE key = ?", vec![key.into()])?;
    let sku =
        found.first().and_then(|row| text(row, 0)).ok_or_else(|| ApiError::not_found("no such claim"))?;
    Ok(Reply::json(200, &SkuEntry { sku: sku.into(), name: String::new() }))
}

/// Undoes `%XX` escapes in a query value.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
