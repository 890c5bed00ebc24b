//! `Registry`: the Durable Object for what spans SKUs — the catalog and event feed (`catalog`)
//! and idempotency claims (`claims-N`). It decodes a [`RegistryCall`], and
//! `backorder_service::registry::handle` answers it over [`SqlRegistry`]. While webhook
//! endpoints exist, the catalog nudges the webhook dispatcher when events arrive — from its
//! alarm, so that no ledger's delivery of events waits for it.

use std::cell::{Cell, RefCell};

use backorder_core::Millis;
use backorder_service::protocol::{Claim, Fault, RegistryCall, Reply, SkuEntry, WebhookCall, WebhookOp};
use backorder_service::registry::{self, RegistryState, RegistryStore, StoredClaim};
use worker::{durable_object, DurableObject, Env, Request, Response, Result, SqlStorage, State};

use crate::client;
use crate::sql::{exec, int, integer, rows, text};

/// Schema migrations, applied in order (see `sql::migrate`). A claim's `confirmed` is no longer
/// read — orders have their own coordinators now — but stored shards have it.
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

fn claim_values(claim: &Claim) -> Vec<worker::SqlStorageValue> {
    vec![
        claim.key.as_str().into(),
        claim.fingerprint.as_str().into(),
        claim.sku.as_str().into(),
        int(claim.at),
        int(i64::from(claim.permanent)),
    ]
}
