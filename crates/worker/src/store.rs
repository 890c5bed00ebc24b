//! A SKU's records in its Durable Object's SQLite: the schema, and `backorder-service`'s
//! [`Records`] over it, one row per record. Resolved reservations (with their `resolved_at`,
//! kept a day) and settled lines (marked `settled`) are read one at a time by id: loading reads
//! only what is open. Besides: the outbox the object delivers from after a change, the name the
//! catalog lists, and the alarm's forgetting of old replies and reservations.

use std::cell::Cell;

use backorder_core::replies::KEY_RETENTION_MS;
use backorder_core::Millis;
use backorder_service::ledger::{KeptReply, Records, Row, StoredProduct};
use backorder_service::protocol::{Fault, Reply};
use worker::{SqlStorage, SqlStorageValue};

use crate::sql::{exec, int, integer, rows, text};

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

/// [`Records`] over the object's SQLite. The schema is brought up to date when an existing
/// product is loaded, or before the first write of a new one: an object that holds no
/// product is never written to by a read.
pub struct SqlRecords<'a> {
    pub sql: &'a SqlStorage,
    /// The schema is up to date (kept by the object across calls).
    pub migrated: &'a Cell<bool>,
}

impl SqlRecords<'_> {
    fn migrate(&self) -> Result<(), Fault> {
        if !self.migrated.get() {
            crate::sql::migrate(self.sql, MIGRATIONS)?;
            self.migrated.set(true);
        }
        Ok(())
    }

    fn texts(&self, query: &str) -> Result<Vec<String>, Fault> {
        Ok(rows(self.sql, query, vec![])?.iter().filter_map(|row| text(row, 0).map(str::to_string)).collect())
    }

    fn one(&self, query: &str, id: &str) -> Result<Option<String>, Fault> {
        Ok(rows(self.sql, query, vec![id.into()])?.first().and_then(|row| text(row, 0)).map(str::to_string))
    }
}

impl Records for SqlRecords<'_> {
    fn load(&self) -> Result<Option<StoredProduct>, Fault> {
        let created =
            rows(self.sql, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'product'", vec![])?;
        if created.is_empty() {
            return Ok(None);
        }
        self.migrate()?;
        let Some(product) = self.texts("SELECT record FROM product WHERE id = 1")?.into_iter().next() else {
            return Ok(None);
        };
        Ok(Some(StoredProduct {
            product,
            stock: self.texts("SELECT record FROM stock WHERE id = 1")?.into_iter().next(),
            holds: self.texts("SELECT record FROM holds WHERE resolved_at IS NULL")?,
            lines: self.texts("SELECT record FROM lines WHERE settled = 0")?,
            // In the order the ledger keeps them, so that restoring inserts each at the end.
            purchase_orders: self.texts(
                "SELECT record FROM purchase_orders \
                 ORDER BY json_extract(record, '$.expected_date'), json_extract(record, '$.po_id')",
            )?,
        }))
    }

    fn hold(&self, id: &str) -> Result<Option<String>, Fault> {
        self.one("SELECT record FROM holds WHERE id = ?", id)
    }

    fn line(&self, order_id: &str) -> Result<Option<String>, Fault> {
        self.one("SELECT record FROM lines WHERE order_id = ?", order_id)
    }

    fn reply(&self, key: &str) -> Result<Option<KeptReply>, Fault> {
        if !self.migrated.get() {
            return Ok(None); // no product was ever stored here, so no reply either
        }
        let found =
            rows(self.sql, "SELECT fingerprint, status, body FROM replies WHERE key = ?", vec![key.into()])?;
        Ok(found.first().and_then(|row| {
            let reply = Reply { status: integer(row, 1)? as u16, body: text(row, 2)?.to_string() };
            Some((text(row, 0)?.to_string(), reply))
        }))
    }

    fn write(&mut self, row: Row<'_>) -> Result<(), Fault> {
        self.migrate()?;
        let sql = self.sql;
        match row {
            Row::Product(record) => {
                exec(sql, "INSERT OR REPLACE INTO product (id, record) VALUES (1, ?)", vec![record.into()])
            }
            Row::Stock(record) => {
                exec(sql, "INSERT OR REPLACE INTO stock (id, record) VALUES (1, ?)", vec![record.into()])
            }
            Row::Hold { id, record, resolved_at } => exec(
                sql,
                "INSERT OR REPLACE INTO holds (id, record, resolved_at) VALUES (?, ?, ?)",
                vec![id.into(), record.into(), resolved_at.map_or(SqlStorageValue::Null, int)],
            ),
            Row::Line { order_id, record, settled } => exec(
                sql,
                "INSERT OR REPLACE INTO lines (order_id, record, settled) VALUES (?, ?, ?)",
                vec![order_id.into(), record.into(), int(i64::from(settled))],
            ),
            Row::PurchaseOrder { id, record: Some(record) } => exec(
                sql,
                "INSERT OR REPLACE INTO purchase_orders (id, record) VALUES (?, ?)",
                vec![id.into(), record.into()],
            ),
            Row::PurchaseOrder { id, record: None } => {
                exec(sql, "DELETE FROM purchase_orders WHERE id = ?", vec![id.into()])
            }
            Row::Event { seq, event } => crate::outbox::put(sql, seq, event),
            Row::Reply { key, fingerprint, reply, at } => exec(
                sql,
                "INSERT OR REPLACE INTO replies (key, fingerprint, status, body, at) VALUES (?, ?, ?, ?, ?)",
                vec![
                    key.into(),
                    fingerprint.into(),
                    int(i64::from(reply.status)),
                    reply.body.as_str().into(),
                    int(at),
                ],
            ),
        }
    }
}

/// The name the catalog lists this product under, if it was listed (call once loaded).
pub fn listed_name(sql: &SqlStorage) -> Result<Option<String>, Fault> {
    Ok(rows(sql, "SELECT value FROM meta WHERE key = 'listed_name'", vec![])?
        .first()
        .and_then(|row| text(row, 0))
        .map(str::to_string))
}

pub fn set_listed_name(sql: &SqlStorage, name: &str) -> Result<(), Fault> {
    exec(sql, "INSERT OR REPLACE INTO meta (key, value) VALUES ('listed_name', ?)", vec![name.into()])
}

/// Forgets replies, and reservations resolved, longer ago than the retention period.
pub fn forget_old(sql: &SqlStorage, now: Millis) -> Result<(), Fault> {
    let cutoff = now - KEY_RETENTION_MS;
    exec(sql, "DELETE FROM replies WHERE at < ?", vec![int(cutoff)])?;
    exec(sql, "DELETE FROM holds WHERE resolved_at < ?", vec![int(cutoff)])
}
