//! A SKU's ledger in its Durable Object's SQLite: schema, load, and write-back of changes.
//!
//! Every row is one JSON record from `backorder_api::records`. Resolved reservations (with
//! their `resolved_at`, kept a day) and settled order lines (nothing of them waits, marked
//! `settled`) are read one at a time when a request names them: loading reads only what is
//! open. The ledger object writes a command's changes inside `transactionSync` right after
//! the core applied it — no `await` in between — so they commit together or not at all, and
//! the reply waits until they are durable.

use backorder_api::json::{self, FromJson, ToJson};
use backorder_api::output::EventDoc;
use backorder_api::records::{HoldRecord, LineRecord, ProductRecord, StockRecord, PRODUCT_RECORD_VERSION};
use backorder_api::{output::PurchaseOrderDoc, policy::PolicyDoc, ApiError};
use backorder_core::replies::{ReplyStore, KEY_RETENTION_MS};
use backorder_core::{Hold, Ledger, Line, Millis, PurchaseOrder};
use worker::{SqlStorage, SqlStorageValue};

use crate::reply::Reply;
use crate::sql::{exec, int, integer, internal, rows, text};

/// Schema migrations, applied in order (see `sql::migrate`, which also keeps `meta`).
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE IF NOT EXISTS product (id INTEGER PRIMARY KEY CHECK (id = 1), record TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS stock (id INTEGER PRIMARY KEY CHECK (id = 1), record TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS holds (id TEXT PRIMARY KEY, record TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS lines (order_id TEXT PRIMARY KEY, record TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS purchase_orders (id TEXT PRIMARY KEY, record TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS replies (
        key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL,
        at INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS replies_by_age ON replies (at);
    CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, event TEXT NOT NULL);
",
    "
    ALTER TABLE lines ADD COLUMN settled INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX IF NOT EXISTS open_lines ON lines (order_id) WHERE settled = 0;
",
    "
    ALTER TABLE holds ADD COLUMN resolved_at INTEGER;
    CREATE INDEX IF NOT EXISTS held_holds ON holds (id) WHERE resolved_at IS NULL;
    CREATE INDEX IF NOT EXISTS resolved_holds ON holds (resolved_at) WHERE resolved_at IS NOT NULL;
",
];

/// A product: its SKU, name and ledger.
pub struct Product {
    pub sku: String,
    pub name: String,
    pub ledger: Ledger,
    /// The name changed and the ledger row must be written.
    pub renamed: bool,
}

/// Brings the schema up to date; safe to call on every load.
pub fn migrate(sql: &SqlStorage) -> Result<(), ApiError> {
    crate::sql::migrate(sql, MIGRATIONS)
}

/// Loads the product, or `None` if it was never created. Reading an object that holds no
/// product writes nothing, so requests for unknown SKUs leave no storage behind.
pub fn load(sql: &SqlStorage) -> Result<Option<Product>, ApiError> {
    let created = rows(sql, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'product'", vec![])?;
    if created.is_empty() {
        return Ok(None);
    }
    migrate(sql)?;
    let Some(product_row) = rows(sql, "SELECT record FROM product WHERE id = 1", vec![])?.into_iter().next()
    else {
        return Ok(None);
    };
    let record: ProductRecord = decode(text(&product_row, 0))?;
    let policy = record.policy.to_policy().map_err(|e| internal("stored policy", e.message))?;
    let stock_row = rows(sql, "SELECT record FROM stock WHERE id = 1", vec![])?;
    let stock: StockRecord = decode(stock_row.first().and_then(|row| text(row, 0)))?;
    let mut holds = Vec::new();
    for record in records::<HoldRecord>(sql, "SELECT record FROM holds WHERE resolved_at IS NULL")? {
        holds.push(record.to_core(&policy)?);
    }
    let lines = records::<LineRecord>(sql, "SELECT record FROM lines WHERE settled = 0")?
        .iter()
        .map(|record| record.to_core(&policy))
        .collect();
    let purchase_orders = records::<PurchaseOrderDoc>(
        sql,
        "SELECT record FROM purchase_orders \
         ORDER BY json_extract(record, '$.expected_date'), json_extract(record, '$.po_id')",
    )?
    .iter()
    .map(PurchaseOrder::from)
    .collect();
    let stock = (&stock).into();
    let ledger = Ledger::restore(policy, stock, holds, lines, purchase_orders)
        .map_err(|broken| internal("stored ledger is inconsistent", broken))?;
    Ok(Some(Product { sku: record.sku, name: record.name, ledger, renamed: false }))
}

/// Writes what the last command changed, and queues its events for delivery; whether there
/// were events.
pub fn save(sql: &SqlStorage, product: &mut Product) -> Result<bool, ApiError> {
    let changes = product.ledger.take_changes();
    let events = product.ledger.take_events();
    let ledger = &product.ledger;
    if changes.policy || product.renamed {
        let record = ProductRecord {
            version: PRODUCT_RECORD_VERSION,
            sku: product.sku.clone(),
            name: product.name.clone(),
            policy: PolicyDoc::from(ledger.policy()),
        };
        exec(
            sql,
            "INSERT OR REPLACE INTO product (id, record) VALUES (1, ?)",
            vec![record.to_json().into()],
        )?;
        product.renamed = false;
    }
    if changes.stock {
        let record = StockRecord::from(ledger.stock());
        exec(sql, "INSERT OR REPLACE INTO stock (id, record) VALUES (1, ?)", vec![record.to_json().into()])?;
    }
    for id in &changes.holds {
        if let Some((hold, waiting)) = ledger.hold_record(id) {
            write_hold(sql, &HoldRecord::new(&hold, waiting))?;
        }
    }
    for hold in &changes.resolved_holds {
        write_hold(sql, &HoldRecord::new(hold, None))?;
    }
    for order_id in &changes.lines {
        if let Some((line, waiting)) = ledger.line_record(order_id) {
            write_line(sql, &LineRecord::new(&line, waiting), false)?;
        }
    }
    for line in &changes.settled_lines {
        write_line(sql, &LineRecord::new(line, None), true)?;
    }
    for id in &changes.purchase_orders {
        match ledger.purchase_orders().iter().find(|po| &po.id == id) {
            Some(po) => exec(
                sql,
                "INSERT OR REPLACE INTO purchase_orders (id, record) VALUES (?, ?)",
                vec![id.as_str().into(), PurchaseOrderDoc::from(po).to_json().into()],
            )?,
            None => exec(sql, "DELETE FROM purchase_orders WHERE id = ?", vec![id.as_str().into()])?,
        }
    }
    for record in &events {
        let doc = EventDoc::new(&product.sku, record);
        exec(
            sql,
            "INSERT OR REPLACE INTO outbox (seq, event) VALUES (?, ?)",
            vec![int(record.seq as i64), doc.to_json().into()],
        )?;
    }
    Ok(!events.is_empty())
}

fn write_hold(sql: &SqlStorage, record: &HoldRecord) -> Result<(), ApiError> {
    let resolved_at = record.resolved_at.map_or(SqlStorageValue::Null, int);
    exec(
        sql,
        "INSERT OR REPLACE INTO holds (id, record, resolved_at) VALUES (?, ?, ?)",
        vec![record.id.as_str().into(), record.to_json().into(), resolved_at],
    )
}

/// A reservation resolved within the last day, if `id` names one that is not in memory
/// (held ones all are). The record decides, not the `resolved_at` column: rows stored before
/// that column existed get it only when the first request after the upgrade commits.
pub fn resolved_hold(
    sql: &SqlStorage,
    ledger: &Ledger,
    id: &str,
    now: Millis,
) -> Result<Option<Hold>, ApiError> {
    let found = rows(sql, "SELECT record FROM holds WHERE id = ?", vec![id.into()])?;
    let Some(row) = found.first() else { return Ok(None) };
    let (hold, _) = decode::<HoldRecord>(text(row, 0))?.to_core(ledger.policy())?;
    Ok(hold.resolved_at.is_some_and(|at| at >= now - KEY_RETENTION_MS).then_some(hold))
}

/// Brings back the resolved reservation a command names, so the ledger can answer for it.
pub fn visit_hold(sql: &SqlStorage, ledger: &mut Ledger, id: &str, now: Millis) -> Result<(), ApiError> {
    if ledger.hold_view(id).is_some() {
        return Ok(());
    }
    match resolved_hold(sql, ledger, id, now)? {
        Some(hold) => ledger.visit_hold(hold).map_err(|broken| internal("stored reservation", broken)),
        None => Ok(()),
    }
}

fn write_line(sql: &SqlStorage, record: &LineRecord, settled: bool) -> Result<(), ApiError> {
    exec(
        sql,
        "INSERT OR REPLACE INTO lines (order_id, record, settled) VALUES (?, ?, ?)",
        vec![record.order_id.as_str().into(), record.to_json().into(), int(i64::from(settled))],
    )
}

/// A settled order line's record, if `order_id` names a line that is not in memory (open
/// ones all are). Like `resolved_hold`, it does not rely on the `settled` column.
pub fn settled_line(sql: &SqlStorage, ledger: &Ledger, order_id: &str) -> Result<Option<Line>, ApiError> {
    let found = rows(sql, "SELECT record FROM lines WHERE order_id = ?", vec![order_id.into()])?;
    let Some(row) = found.first() else { return Ok(None) };
    Ok(Some(decode::<LineRecord>(text(row, 0))?.to_core(ledger.policy()).0))
}

/// Brings back the settled line a command names, so the ledger can act on it (or see that
/// the order exists).
pub fn visit_line(sql: &SqlStorage, ledger: &mut Ledger, order_id: &str) -> Result<(), ApiError> {
    if ledger.line_view(order_id).is_some() {
        return Ok(());
    }
    match settled_line(sql, ledger, order_id)? {
        Some(line) => ledger.visit_line(line).map_err(|broken| internal("stored line", broken)),
        None => Ok(()),
    }
}

/// The name the catalog lists this product under, if it was listed (call once loaded).
pub fn listed_name(sql: &SqlStorage) -> Result<Option<String>, ApiError> {
    Ok(rows(sql, "SELECT value FROM meta WHERE key = 'listed_name'", vec![])?
        .first()
        .and_then(|row| text(row, 0))
        .map(str::to_string))
}

pub fn set_listed_name(sql: &SqlStorage, name: &str) -> Result<(), ApiError> {
    exec(sql, "INSERT OR REPLACE INTO meta (key, value) VALUES ('listed_name', ?)", vec![name.into()])
}

/// Events not yet delivered to the event feed, oldest first: (seq, JSON).
pub fn outbox(sql: &SqlStorage) -> Result<Vec<(u64, String)>, ApiError> {
    Ok(rows(sql, "SELECT seq, event FROM outbox ORDER BY seq LIMIT 500", vec![])?
        .iter()
        .filter_map(|row| Some((integer(row, 0)? as u64, text(row, 1)?.to_string())))
        .collect())
}

pub fn delivered(sql: &SqlStorage, up_to: u64) -> Result<(), ApiError> {
    exec(sql, "DELETE FROM outbox WHERE seq <= ?", vec![int(up_to as i64)])
}

/// Idempotent replies, kept in the `replies` table.
pub struct SqlReplies<'a>(pub &'a SqlStorage);

impl ReplyStore for SqlReplies<'_> {
    type Reply = Reply;

    fn find(&self, key: &str) -> Option<(String, Reply)> {
        let found =
            rows(self.0, "SELECT fingerprint, status, body FROM replies WHERE key = ?", vec![key.into()])
                .ok()?;
        let row = found.first()?;
        let reply = Reply { status: integer(row, 1)? as u16, body: text(row, 2)?.to_string() };
        Some((text(row, 0)?.to_string(), reply))
    }

    fn keep(&mut self, key: &str, fingerprint: &str, reply: &Reply, at: Millis) {
        // A reply that cannot be kept is answered anyway; a retry then runs again, which
        // the core's own once-only resolutions make harmless.
        let _ = exec(
            self.0,
            "INSERT OR REPLACE INTO replies (key, fingerprint, status, body, at) VALUES (?, ?, ?, ?, ?)",
            vec![
                key.into(),
                fingerprint.into(),
                int(i64::from(reply.status)),
                reply.body.as_str().into(),
                int(at),
            ],
        );
    }
}

/// Forgets replies, and reservations resolved, longer ago than the retention period.
pub fn forget_old(sql: &SqlStorage, now: Millis) -> Result<(), ApiError> {
    let cutoff = now - KEY_RETENTION_MS;
    exec(sql, "DELETE FROM replies WHERE at < ?", vec![int(cutoff)])?;
    exec(sql, "DELETE FROM holds WHERE resolved_at < ?", vec![int(cutoff)])
}

fn records<T: FromJson>(sql: &SqlStorage, query: &str) -> Result<Vec<T>, ApiError> {
    let mut records = Vec::new();
    for row in rows(sql, query, vec![])? {
        records.push(decode(text(&row, 0))?);
    }
    Ok(records)
}

fn decode<T: FromJson>(json: Option<&str>) -> Result<T, ApiError> {
    json::read(json.unwrap_or("").as_bytes()).map_err(|e| internal("decoding a stored record", e))
}
