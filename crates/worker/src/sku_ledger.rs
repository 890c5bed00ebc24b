//! `SkuLedger`: the Durable Object that owns one SKU's ledger.
//!
//! Per call: decode the [`LedgerCall`], load the product (once per activation), then inside
//! one `transactionSync` let `backorder_service::ledger` handle the call and save what changed
//! — no `await` in between, so the runtime's output gate holds the reply until it is durable —
//! and after the change, list the product in the catalog, deliver new events to the feed and
//! keep the alarm at the next hold expiry.

use std::cell::{Cell, RefCell};

use backorder_api::ids::TOKEN_BYTES;
use backorder_core::Millis;
use backorder_service::ledger::{self, Context, Product};
use backorder_service::protocol::{Fault, LedgerCall, LedgerOp, Reply, SkuEntry};
use worker::{durable_object, DurableObject, Env, Request, Response, Result, SqlStorage, State};

use crate::client::{self, wall_clock};
use crate::dev_clock::DevClock;
use crate::outbox;
use crate::sql;
use crate::store::{self, SqlRecords};

/// How soon to retry delivering events when the feed could not be reached.
const RETRY_DELIVERY_MS: Millis = 5_000;

#[durable_object(alarm)]
pub struct SkuLedger {
    state: State,
    env: Env,
    /// `None` until loaded; `Some(None)` for a SKU never created.
    product: RefCell<Option<Option<Product>>>,
    /// The schema is up to date.
    migrated: Cell<bool>,
    /// The alarm currently scheduled (wall-clock ms), to avoid rewriting it needlessly.
    alarm: Cell<Option<Millis>>,
    /// Development clock: ledger time minus wall-clock time, set by a call's `now`.
    clock: DevClock,
    /// The name the catalog lists, once read from `meta`.
    listed: RefCell<Option<Option<String>>>,
    /// The outbox may hold undelivered events (unknown, so true, until first checked).
    outbox_pending: Cell<bool>,
}

impl DurableObject for SkuLedger {
    fn new(state: State, env: Env) -> Self {
        SkuLedger {
            state,
            env,
            product: RefCell::new(None),
            migrated: Cell::new(false),
            alarm: Cell::new(None),
            clock: DevClock::default(),
            listed: RefCell::new(None),
            outbox_pending: Cell::new(true),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let call = match client::received::<LedgerCall>(req).await? {
            Ok(call) => call,
            Err(refused) => return client::respond(refused),
        };
        let now = match call.now {
            Some(now) => {
                self.clock.set(&self.state.storage().sql(), now);
                now
            }
            None => self.now(),
        };
        // Only a new hold needs a fresh id.
        let token = match call.op {
            LedgerOp::Reserve { .. } | LedgerOp::Prepare { .. } => match random_token() {
                Ok(token) => token,
                Err(fault) => return client::respond(fault.into()),
            },
            _ => [0; TOKEN_BYTES],
        };
        let reply = self.run(|slot, records| ledger::handle(slot, records, call, Context { now, token }));
        // Boxed: both handlers await it, and one copy of its state machine is enough.
        Box::pin(self.after_change()).await;
        client::respond(reply)
    }

    async fn alarm(&self) -> Result<Response> {
        let now = self.now();
        let reply = self.run(|slot, _| {
            if let Some(product) = slot {
                ledger::advance(product, now);
            }
            Ok(Reply { status: 204, body: String::new() })
        });
        if reply.status >= 500 {
            worker::console_error!("alarm: {}", reply.body);
        }
        if let Err(fault) = store::forget_old(&self.state.storage().sql(), now) {
            worker::console_warn!("forgetting old replies and reservations: {}", fault);
        }
        self.alarm.set(None);
        Box::pin(self.after_change()).await;
        Response::empty()
    }
}

impl SkuLedger {
    /// Ledger time: the wall clock, shifted by the development clock when one was set.
    fn now(&self) -> Millis {
        self.clock.now(&self.state.storage().sql())
    }

    /// Runs `act` on the loaded product and saves its changes in one transaction, without
    /// awaiting. A fault rolls everything back and drops the in-memory ledger, so that the next
    /// call reloads what is durable.
    fn run(
        &self,
        act: impl FnOnce(&mut Option<Product>, &mut SqlRecords<'_>) -> std::result::Result<Reply, Fault>,
    ) -> Reply {
        let sql = self.state.storage().sql();
        let mut records = SqlRecords { sql: &sql, migrated: &self.migrated };
        let mut memory = self.product.borrow_mut();
        if memory.is_none() {
            match ledger::load(&records) {
                Ok(loaded) => *memory = Some(loaded),
                Err(fault) => return fault.into(),
            }
        }
        let Some(slot) = memory.as_mut() else { return Fault("the product is not loaded".into()).into() };
        let mut act = Some(act);
        let mut outcome: Option<std::result::Result<(Reply, bool), Fault>> = None;
        let committed = sql::transaction_sync(self.state.storage().as_raw(), &mut || {
            let Some(act) = act.take() else { return false };
            let result = act(slot, &mut records).and_then(|reply| match slot {
                Some(product) => ledger::save(product, &mut records).map(|events| (reply, events)),
                None => Ok((reply, false)),
            });
            let ok = result.is_ok();
            outcome = Some(result);
            ok
        });
        match outcome {
            Some(Ok((reply, events))) if committed => {
                if events {
                    self.outbox_pending.set(true);
                }
                reply
            }
            failed => {
                // Memory may be ahead of what is durable: reload on the next call.
                *memory = None;
                match failed {
                    Some(Err(fault)) => fault.into(),
                    _ => Fault("the change could not be written; nothing was changed".into()).into(),
                }
            }
        }
    }

    /// Lists the product in the catalog if it is not listed under its current name; whether
    /// the catalog is up to date.
    async fn list_in_catalog(&self, sql: &SqlStorage) -> bool {
        let current = match self.product.borrow().as_ref() {
            Some(Some(product)) => SkuEntry { sku: product.sku.clone(), name: product.name.clone() },
            _ => return true,
        };
        if self.listed.borrow().is_none() {
            match store::listed_name(sql) {
                Ok(name) => *self.listed.borrow_mut() = Some(name),
                Err(_) => return false,
            }
        }
        if self.listed.borrow().as_ref().and_then(|name| name.as_deref()) == Some(current.name.as_str()) {
            return true;
        }
        let name = current.name.clone();
        match client::list_product(&self.env, current).await {
            Ok(()) if store::set_listed_name(sql, &name).is_ok() => {
                *self.listed.borrow_mut() = Some(Some(name));
                true
            }
            Ok(()) => false,
            Err(error) => {
                worker::console_warn!("listing in the catalog failed, will retry: {}", error);
                false
            }
        }
    }

    /// After any change: list the product in the catalog (under its current name), deliver
    /// queued events to the feed, then keep the alarm at the next hold expiry (or sooner, to
    /// retry what could not be delivered).
    async fn after_change(&self) {
        if !matches!(self.product.borrow().as_ref(), Some(Some(_))) {
            return; // no product here: nothing to list, deliver or expire
        }
        let sql = self.state.storage().sql();
        let product_sku = match self.product.borrow().as_ref() {
            Some(Some(product)) => product.sku.clone(),
            _ => return,
        };
        self.clock.keep(&sql);
        let listed = self.list_in_catalog(&sql).await;
        let delivered = listed && outbox::deliver(&self.env, &sql, &self.outbox_pending, &product_sku).await;
        let next_expiry = match self.product.borrow().as_ref() {
            Some(Some(product)) => product.ledger.next_alarm(),
            _ => None,
        };
        // Alarms run on the wall clock; the development clock is ledger time shifted by an offset.
        let offset = self.clock.offset(&sql);
        let wanted =
            [next_expiry.map(|at| at - offset), (!delivered).then(|| wall_clock() + RETRY_DELIVERY_MS)]
                .into_iter()
                .flatten()
                .min();
        if wanted != self.alarm.get() {
            let storage = self.state.storage();
            let result = match wanted {
                // An integer would be read as an offset from now; a Date is an absolute time.
                Some(at) => {
                    let when =
                        js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.max(wall_clock()) as f64));
                    storage.set_alarm(worker::ScheduledTime::new(when)).await
                }
                None => storage.delete_alarm().await,
            };
            match result {
                Ok(()) => self.alarm.set(wanted),
                Err(error) => worker::console_warn!("could not schedule the alarm: {}", error),
            }
        }
    }
}

/// Unguessable bytes for a reservation id, from the runtime's CSPRNG.
fn random_token() -> std::result::Result<[u8; TOKEN_BYTES], Fault> {
    let mut token = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut token).map_err(|error| Fault::new("crypto.getRandomValues", error))?;
    Ok(token)
}
