//! `Registry`: the Durable Object for what spans SKUs — the catalog and event feed (`catalog`)
//! and idempotency claims (`claims-N`). It decodes a [`RegistryCall`], and
//! `backorder_service::registry::handle` answers it over [`SqlRegistry`]. While webhook
//! endpoints exist, the catalog nudges the webhook dispatcher when events arrive — from its
//! alarm, so that no ledger's delivery of events waits for it.

use std::cell::{Cell, RefCell};

use backorder_core::Date;
use backorder_core::Millis;
use backorder_service::analytics::{AnalyticsStore, CancelCause, LineFacts, Settled};
use backorder_service::protocol::{Claim, Fault, RegistryCall, Reply, SkuEntry, WebhookCall, WebhookOp};
use backorder_service::registry::{self, RegistryState, RegistryStore, StoredClaim};
use worker::{
    durable_object, DurableObject, Env, Request, Response, Result, SqlStorage, SqlStorageValue, State,
};

use crate::client;
use crate::sql::{exec, int, integer, rows, text};

/// Schema migrations, applied in order (see `sql::migrate`). A claim's `confirmed` is no longer
/// read — orders have their own coordinators now — but stored shards have it. Analytics' rows
/// (the second) are the catalog's only; dates are stored as days since 1970-01-01.
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE IF NOT EXISTS skus (sku TEXT PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS events (
        id INTEGER PRIMARY KEY AUTOINCREMENT, sku TEXT NOT NULL, seq INTEGER NOT NULL, event TEXT NOT NULL,
        UNIQUE (sku, seq));
    CREATE TABLE IF NOT EXISTS claims (
        key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, sku TEXT NOT NULL, at INTEGER NOT NULL,
        permanent INTEGER NOT NULL, confirmed INTEGER NOT NULL DEFAULT 0);
    CREATE INDEX IF NOT EXISTS claims_by_age ON claims (permanent, at);
",
    "
    CREATE TABLE analytics_lines (
        sku TEXT NOT NULL, order_id TEXT NOT NULL, created INTEGER NOT NULL, backordered INTEGER NOT NULL,
        outstanding INTEGER NOT NULL, promised INTEGER, agreed INTEGER, settled TEXT, settled_on INTEGER, ship_date INTEGER,
        cancelled_units INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (sku, order_id));
    CREATE INDEX analytics_by_settled_on ON analytics_lines (settled_on);
    CREATE TABLE analytics_notices (
        sku TEXT NOT NULL, day INTEGER NOT NULL, first INTEGER NOT NULL, renewed INTEGER NOT NULL,
        PRIMARY KEY (sku, day));
",
];

/// How soon to nudge the webhook dispatcher again when it could not be reached.
const RENUDGE_MS: u64 = 5_000;

#[durable_object(alarm)]
pub struct Registry {
    state: State,
    env: Env,
    ready: Cell<bool>,
    memory: RefCell<RegistryState>,
    /// An alarm to nudge the webhook dispatcher is set.
    nudging: Cell<bool>,
}

impl DurableObject for Registry {
    fn new(state: State, env: Env) -> Self {
        Registry {
            state,
            env,
            ready: Cell::new(false),
            memory: RefCell::new(RegistryState::default()),
            nudging: Cell::new(false),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let call = match client::received::<RegistryCall>(req).await? {
            Ok(call) => call,
            Err(refused) => return client::respond(refused),
        };
        let sql = self.state.storage().sql();
        if !self.ready.get() {
            if let Err(fault) = crate::sql::migrate(&sql, MIGRATIONS) {
                return client::respond(fault.into());
            }
            self.ready.set(true);
        }
        let mut store = SqlRegistry(&sql);
        let appends = matches!(call, RegistryCall::AppendEvents { .. });
        let reply =
            registry::handle(&mut store, &mut self.memory.borrow_mut(), call).unwrap_or_else(Reply::from);
        if appends && reply.status == 200 && !self.nudging.get() {
            let watched = registry::watched(&store, &mut self.memory.borrow_mut()).unwrap_or(false);
            if watched {
                self.nudge_soon(0).await;
            }
        }
        client::respond(reply)
    }

    async fn alarm(&self) -> Result<Response> {
        self.nudging.set(false);
        let nudge = WebhookCall { now: None, op: WebhookOp::Nudge };
        match client::webhooks(&self.env, &nudge).await {
            Ok(reply) if reply.status < 300 => {}
            other => {
                worker::console_warn!(
                    "could not nudge the webhook dispatcher: {:?}",
                    other.map(|r| r.status)
                );
                self.nudge_soon(RENUDGE_MS).await;
            }
        }
        Response::empty()
    }
}

impl Registry {
    async fn nudge_soon(&self, after_ms: u64) {
        self.nudging.set(true);
        if let Err(error) = self.state.storage().set_alarm(std::time::Duration::from_millis(after_ms)).await {
            self.nudging.set(false);
            worker::console_warn!("could not set the catalog's alarm: {}", error);
        }
    }
}

/// [`RegistryStore`] over the object's SQLite.
pub struct SqlRegistry<'a>(pub &'a SqlStorage);

impl RegistryStore for SqlRegistry<'_> {
    fn put_product(&mut self, entry: &SkuEntry) -> std::result::Result<(), Fault> {
        exec(
            self.0,
            "INSERT OR REPLACE INTO skus (sku, name) VALUES (?, ?)",
            vec![entry.sku.as_str().into(), entry.name.as_str().into()],
        )
    }

    fn products_after(&self, after: &str, limit: u32) -> std::result::Result<Vec<SkuEntry>, Fault> {
        let found = rows(
            self.0,
            "SELECT sku, name FROM skus WHERE sku > ? ORDER BY sku LIMIT ?",
            vec![after.into(), int(i64::from(limit))],
        )?;
        Ok(found
            .iter()
            .filter_map(|row| Some(SkuEntry { sku: text(row, 0)?.into(), name: text(row, 1)?.into() }))
            .collect())
    }

    fn last_seq(&self, sku: &str) -> std::result::Result<u64, Fault> {
        let found = rows(self.0, "SELECT MAX(seq) FROM events WHERE sku = ?", vec![sku.into()])?;
        Ok(found.first().and_then(|row| integer(row, 0)).unwrap_or(0) as u64)
    }

    fn append_event(&mut self, sku: &str, seq: u64, event: &str) -> std::result::Result<(), Fault> {
        exec(
            self.0,
            "INSERT INTO events (sku, seq, event) VALUES (?, ?, ?)",
            vec![sku.into(), int(seq as i64), event.into()],
        )
    }

    fn events_after(&self, after: u64, limit: u32) -> std::result::Result<Vec<(u64, String)>, Fault> {
        let found = rows(
            self.0,
            "SELECT id, event FROM events WHERE id > ? ORDER BY id LIMIT ?",
            vec![int(after as i64), int(i64::from(limit))],
        )?;
        Ok(found
            .iter()
            .filter_map(|row| Some((integer(row, 0)? as u64, text(row, 1)?.to_string())))
            .collect())
    }

    fn feed_head(&self) -> std::result::Result<u64, Fault> {
        let found = rows(self.0, "SELECT MAX(id) FROM events", vec![])?;
        Ok(found.first().and_then(|row| integer(row, 0)).unwrap_or(0) as u64)
    }

    fn watched(&self) -> std::result::Result<bool, Fault> {
        let found = rows(self.0, "SELECT value FROM meta WHERE key = 'watched'", vec![])?;
        Ok(found.first().and_then(|row| text(row, 0)) == Some("1"))
    }

    fn set_watched(&mut self, watched: bool) -> std::result::Result<(), Fault> {
        exec(
            self.0,
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('watched', ?)",
            vec![if watched { "1" } else { "0" }.into()],
        )
    }

    fn claim(&self, key: &str) -> std::result::Result<Option<StoredClaim>, Fault> {
        let found = rows(self.0, "SELECT fingerprint, sku FROM claims WHERE key = ?", vec![key.into()])?;
        Ok(found.first().and_then(|row| {
            Some(StoredClaim { fingerprint: text(row, 0)?.into(), sku: text(row, 1)?.into() })
        }))
    }

    fn insert_claim(&mut self, claim: &Claim) -> std::result::Result<bool, Fault> {
        // One statement when the key is new, the common case.
        let inserted = rows(
            self.0,
            "INSERT INTO claims (key, fingerprint, sku, at, permanent) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (key) DO NOTHING RETURNING key",
            claim_values(claim),
        )?;
        Ok(!inserted.is_empty())
    }

    fn forget_claims_before(&mut self, at: Millis) -> std::result::Result<(), Fault> {
        exec(self.0, "DELETE FROM claims WHERE permanent = 0 AND at < ?", vec![int(at)])
    }
}

impl AnalyticsStore for SqlRegistry<'_> {
    fn analytics_line(&self, sku: &str, order_id: &str) -> std::result::Result<Option<LineFacts>, Fault> {
        let found = rows(
            self.0,
            &format!("SELECT {LINE_COLUMNS} FROM analytics_lines WHERE sku = ? AND order_id = ?"),
            vec![sku.into(), order_id.into()],
        )?;
        found.first().map(|row| line_facts(row)).transpose()
    }

    fn put_analytics_line(&mut self, line: &LineFacts) -> std::result::Result<(), Fault> {
        let (settled, settled_on, ship_date, cancelled_units) = match &line.settled {
            None => (None, None, None, 0),
            Some(Settled::Shipped { on, ship_date }) => (Some("shipped"), Some(*on), Some(*ship_date), 0),
            Some(Settled::Cancelled { on, reason, units }) => {
                (Some(reason.as_str()), Some(*on), None, *units)
            }
        };
        exec(
            self.0,
            &format!("INSERT OR REPLACE INTO analytics_lines ({LINE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
            vec![
                line.sku.as_str().into(),
                line.order_id.as_str().into(),
                day(line.created),
                int(i64::from(line.backordered)),
                int(i64::from(line.outstanding)),
                line.promised.map_or(SqlStorageValue::Null, day),
                line.agreed.map_or(SqlStorageValue::Null, day),
                settled.map_or(SqlStorageValue::Null, Into::into),
                settled_on.map_or(SqlStorageValue::Null, day),
                ship_date.map_or(SqlStorageValue::Null, day),
                int(i64::from(cancelled_units)),
            ],
        )
    }

    fn count_delay_notice(&mut self, sku: &str, on: Date, renewed: bool) -> std::result::Result<(), Fault> {
        let (first, renewed) = if renewed { (0, 1) } else { (1, 0) };
        exec(
            self.0,
            "INSERT INTO analytics_notices (sku, day, first, renewed) VALUES (?, ?, ?, ?) ON CONFLICT (sku, day) \
             DO UPDATE SET first = first + excluded.first, renewed = renewed + excluded.renewed",
            vec![sku.into(), day(on), int(first), int(renewed)],
        )
    }

    fn analytics_lines(
        &self,
        from: Date,
        to: Date,
        sku: Option<&str>,
    ) -> std::result::Result<Vec<LineFacts>, Fault> {
        let found = rows(
            self.0,
            &format!(
                "SELECT {LINE_COLUMNS} FROM analytics_lines \
                 WHERE (settled_on IS NULL OR settled_on BETWEEN ? AND ?) AND (?3 IS NULL OR sku = ?3)"
            ),
            vec![day(from), day(to), sku.map_or(SqlStorageValue::Null, Into::into)],
        )?;
        found.iter().map(|row| line_facts(row)).collect()
    }

    fn delay_notices(
        &self,
        from: Date,
        to: Date,
        sku: Option<&str>,
    ) -> std::result::Result<(u32, u32), Fault> {
        let found = rows(
            self.0,
            "SELECT TOTAL(first), TOTAL(renewed) FROM analytics_notices \
             WHERE day BETWEEN ? AND ? AND (?3 IS NULL OR sku = ?3)",
            vec![day(from), day(to), sku.map_or(SqlStorageValue::Null, Into::into)],
        )?;
        let count = |column| found.first().and_then(|row| integer(row, column)).unwrap_or(0) as u32;
        Ok((count(0), count(1)))
    }
}

const LINE_COLUMNS: &str =
    "sku, order_id, created, backordered, outstanding, promised, agreed, settled, settled_on, \
                            ship_date, cancelled_units";

fn day(date: Date) -> SqlStorageValue {
    int(i64::from(date.days()))
}

fn line_facts(row: &[SqlStorageValue]) -> std::result::Result<LineFacts, Fault> {
    let bad = || Fault::new("an analytics line", "a column is missing or out of range");
    let date = |column| integer(row, column).and_then(Date::from_days);
    let count = |column| integer(row, column).and_then(|n| u32::try_from(n).ok()).ok_or_else(bad);
    let settled = match (text(row, 7), date(8)) {
        (None, _) => None,
        (Some("shipped"), Some(on)) => Some(Settled::Shipped { on, ship_date: date(9).unwrap_or(on) }),
        (Some(cause), Some(on)) => {
            let reason = CancelCause::parse(cause).ok_or_else(bad)?;
            Some(Settled::Cancelled { on, reason, units: count(10)? })
        }
        (Some(_), None) => return Err(bad()),
    };
    Ok(LineFacts {
        sku: text(row, 0).ok_or_else(bad)?.into(),
        order_id: text(row, 1).ok_or_else(bad)?.into(),
        created: date(2).ok_or_else(bad)?,
        backordered: count(3)?,
        outstanding: count(4)?,
        promised: date(5),
        agreed: date(6),
        settled,
    })
}

fn claim_values(claim: &Claim) -> Vec<worker::SqlStorageValue> {
    vec![
        claim.key.as_str().into(),
        claim.fingerprint.as_str().into(),
        claim.sku.as_str().into(),
        int(claim.at),
        int(i64::from(claim.permanent)),
    ]
}
