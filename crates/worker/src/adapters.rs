//! `StoreAdapters`: the Durable Object (one for the store) that connects Shopify and
//! BigCommerce. A platform's webhook is verified and taken in once (answered at once), then its
//! alarm works the items off: fetching a BigCommerce order's products from the store's API,
//! placing or cancelling the order with its coordinator, and publishing what it skipped or the
//! ledger refused through its outbox. `backorder_service::adapters` decides everything.

use std::cell::Cell;

use backorder_api::adapters::BigCommerceOrderProduct;
use backorder_api::input::CancelScopeDoc;
use backorder_core::Millis;
use backorder_records::{decode, encode, AdapterConfigRecord, InboxRecord, PlatformOrderRecord};
use backorder_service::adapters::{self, AdapterStore, Next, DEDUPLICATE_FOR_MS};
use backorder_service::protocol::{AdapterCall, Fault, OrderCall, OrderOp};
use worker::{durable_object, DurableObject, Env, Fetch, Request, Response, Result, SqlStorage, State};

use crate::client;
use crate::dev_clock::DevClock;
use crate::outbox;
use crate::sql::{self, exec, int, integer, rows, text};

/// Items worked off per run.
const ITEMS_PER_RUN: u32 = 10;
/// How soon to try again when the outbox could not be delivered.
const RETRY_MS: Millis = 5_000;
/// The source of the adapters' own events in the feed.
const SOURCE: &str = "adapters";
/// The platform's API must answer within this long.
const FETCH_TIMEOUT_MS: u32 = 10_000;

const MIGRATIONS: &[&str] = &["
    CREATE TABLE IF NOT EXISTS configs (platform TEXT PRIMARY KEY, record TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS inbox (
        n INTEGER PRIMARY KEY AUTOINCREMENT, platform TEXT NOT NULL, delivery TEXT NOT NULL,
        next_at INTEGER, received_at INTEGER NOT NULL, record TEXT NOT NULL,
        UNIQUE (platform, delivery));
    CREATE INDEX IF NOT EXISTS inbox_due ON inbox (next_at);
    CREATE TABLE IF NOT EXISTS platform_orders (
        platform TEXT NOT NULL, id TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (platform, id));
    CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, event TEXT NOT NULL);
"];

#[durable_object(alarm)]
pub struct StoreAdapters {
    state: State,
    env: Env,
    migrated: Cell<bool>,
    clock: DevClock,
    outbox_pending: Cell<bool>,
    /// The alarm is working items off: a second run waits for the next alarm.
    working: Cell<bool>,
}

impl DurableObject for StoreAdapters {
    fn new(state: State, env: Env) -> Self {
        StoreAdapters {
            state,
            env,
            migrated: Cell::new(false),
            clock: DevClock::default(),
            outbox_pending: Cell::new(true),
            working: Cell::new(false),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let call = match client::received::<AdapterCall>(req).await? {
            Ok(call) => call,
            Err(refused) => return client::respond(refused),
        };
        if let Some(now) = call.now {
            let sql = self.state.storage().sql();
            self.clock.set(&sql, now);
            self.clock.keep(&sql);
        }
        let now = self.now();
        let handled = self.transaction(|store| adapters::handle(store, call.op, now));
        match handled {
            Ok(handled) => {
                if handled.work {
                    self.wake(now).await;
                }
                client::respond(handled.reply)
            }
            Err(fault) => client::respond(fault.into()),
        }
    }

    async fn alarm(&self) -> Result<Response> {
        if !self.working.replace(true) {
            self.work().await;
            self.working.set(false);
        }
        self.deliver().await;
        let now = self.now();
        let next = self.transaction(|store| store.next_due()).unwrap_or(Some(now + RETRY_MS));
        let outbox = self.outbox_pending.get().then_some(now + RETRY_MS);
        if let Some(at) = [next, outbox].into_iter().flatten().min() {
            self.wake(at).await;
        }
        Response::empty()
    }
}

impl StoreAdapters {
    fn now(&self) -> Millis {
        self.clock.now(&self.state.storage().sql())
    }

    async fn wake(&self, at: Millis) {
        let delay = (at - self.now()).max(0) as u64;
        if let Err(error) = self.state.storage().set_alarm(std::time::Duration::from_millis(delay)).await {
            worker::console_warn!("adapters: could not set the alarm: {}", error);
        }
    }

    /// Works off the items that are due, oldest first.
    async fn work(&self) {
        let now = self.now();
        if let Err(fault) = self.transaction(|store| store.forget_finished_before(now - DEDUPLICATE_FOR_MS)) {
            worker::console_warn!("adapters: {}", fault);
        }
        let due = match self.transaction(|store| store.due_items(now, ITEMS_PER_RUN)) {
            Ok(due) => due,
            Err(fault) => return worker::console_warn!("adapters: {}", fault),
        };
        for item in due {
            if let Err(fault) = self.work_off(item).await {
                worker::console_warn!("adapters: {}", fault);
            }
        }
    }

    async fn work_off(&self, mut item: InboxRecord) -> std::result::Result<(), Fault> {
        let order = |item: &InboxRecord| {
            self.transaction(|store| store.order(&item.platform, &item.platform_order_id))
        };
        let mut next = adapters::next(&item, order(&item)?.as_ref());
        loop {
            let now = self.now();
            let then = match &next {
                Next::Fetch => {
                    let products = self.products(&item).await;
                    adapters::fetched(&mut item, products, now)
                }
                Next::Place(request) => {
                    let op = OrderOp::Place { request: request.clone(), origin: String::new(), halt: None };
                    let call = OrderCall { order_id: request.order_id.clone(), now: None, op };
                    let (status, body) = self.coordinator(&call).await;
                    adapters::placed(&mut item, status, &body, now)
                }
                Next::Cancel => {
                    let op = OrderOp::Cancel { scope: CancelScopeDoc::Line, sku: None };
                    let call = OrderCall { order_id: adapters::order_id(&item), now: None, op };
                    let (status, _) = self.coordinator(&call).await;
                    Some(adapters::cancelled(&mut item, status, now))
                }
                Next::Later | Next::Done { .. } => break,
            };
            next = match then {
                Some(then) => then,
                None => adapters::next(&item, order(&item)?.as_ref()),
            };
        }
        let now = self.now();
        let events = self.transaction(|store| {
            let events = adapters::finish(store, &mut item, next, now)?;
            for event in &events {
                outbox::put(store.sql, event.seq, &encode(event))?;
            }
            Ok(events)
        })?;
        if !events.is_empty() {
            self.outbox_pending.set(true);
        }
        Ok(())
    }

    /// An order's coordinator's answer: its status and body (503 when it could not be reached).
    async fn coordinator(&self, call: &OrderCall) -> (u16, String) {
        match client::order_response(&self.env, call).await {
            Ok(response) => match client::read(response).await {
                Ok(reply) => (reply.status, reply.body),
                Err(error) => (503, error.to_string()),
            },
            Err(error) => (503, error.to_string()),
        }
    }

    /// A BigCommerce order's products, from the store's API.
    async fn products(
        &self,
        item: &InboxRecord,
    ) -> std::result::Result<Vec<BigCommerceOrderProduct>, String> {
        let config = self.transaction(|store| store.config("bigcommerce")).map_err(|fault| fault.0)?;
        let Some(AdapterConfigRecord::Bigcommerce { store_hash, access_token, api_base, .. }) = config else {
            return Err("BigCommerce is not configured".into());
        };
        let url = adapters::products_url(&api_base, &store_hash, &item.platform_order_id);
        let fetched = async {
            let headers = web_sys::Headers::new()?;
            headers.set("x-auth-token", &access_token)?;
            headers.set("accept", "application/json")?;
            let init = web_sys::RequestInit::new();
            init.set_method("GET");
            init.set_headers(&headers);
            init.set_redirect(web_sys::RequestRedirect::Manual);
            init.set_signal(Some(&web_sys::AbortSignal::timeout_with_u32(FETCH_TIMEOUT_MS)));
            let request = web_sys::Request::new_with_str_and_init(&url, &init)?;
            let mut response = Fetch::Request(request.into()).send().await?;
            let status = response.status_code();
            let body = response.text().await?;
            Ok::<(u16, String), worker::Error>((status, body))
        };
        match fetched.await {
            Ok((200, body)) => {
                serde_json::from_str(&body).map_err(|error| format!("the order's products: {error}"))
            }
            // An order without products answers 204 (or an empty list).
            Ok((204, _)) => Ok(Vec::new()),
            Ok((status, _)) => Err(format!("the store's API answered {status}")),
            Err(error) => Err(format!("the store's API could not be reached: {error}")),
        }
    }

    async fn deliver(&self) {
        if let Ok(sql) = self.sql() {
            outbox::deliver(&self.env, &sql, &self.outbox_pending, SOURCE).await;
        }
    }

    fn sql(&self) -> std::result::Result<SqlStorage, Fault> {
        let sql = self.state.storage().sql();
        if !self.migrated.get() {
            sql::migrate(&sql, MIGRATIONS)?;
            self.migrated.set(true);
        }
        Ok(sql)
    }

    /// Runs `act` over the store in one transaction: all its writes or none.
    fn transaction<T>(
        &self,
        act: impl FnOnce(&mut SqlAdapters<'_>) -> std::result::Result<T, Fault>,
    ) -> std::result::Result<T, Fault> {
        let sql = self.sql()?;
        let mut store = SqlAdapters { sql: &sql };
        sql::in_transaction(self.state.storage().as_raw(), &mut store, act)
    }
}

/// [`AdapterStore`] over the adapters' SQLite.
pub struct SqlAdapters<'a> {
    sql: &'a SqlStorage,
}

fn read<T: serde::de::DeserializeOwned>(text: &str) -> std::result::Result<T, Fault> {
    decode(text).map_err(|error| Fault::new("an adapter record", error))
}

fn platform_of(config: &AdapterConfigRecord) -> &'static str {
    match config {
        AdapterConfigRecord::Shopify { .. } => "shopify",
        AdapterConfigRecord::Bigcommerce { .. } => "bigcommerce",
    }
}

impl SqlAdapters<'_> {
    fn items(
        &self,
        query: &str,
        bindings: Vec<worker::SqlStorageValue>,
    ) -> std::result::Result<Vec<InboxRecord>, Fault> {
        rows(self.sql, query, bindings)?.iter().filter_map(|row| text(row, 0)).map(read).collect()
    }
}

impl AdapterStore for SqlAdapters<'_> {
    fn config(&self, platform: &str) -> std::result::Result<Option<AdapterConfigRecord>, Fault> {
        let found = rows(self.sql, "SELECT record FROM configs WHERE platform = ?", vec![platform.into()])?;
        found.first().and_then(|row| text(row, 0)).map(read).transpose()
    }

    fn put_config(&mut self, config: &AdapterConfigRecord) -> std::result::Result<(), Fault> {
        exec(
            self.sql,
            "INSERT OR REPLACE INTO configs (platform, record) VALUES (?, ?)",
            vec![platform_of(config).into(), encode(config).into()],
        )
    }

    fn insert_item(&mut self, item: &InboxRecord) -> std::result::Result<bool, Fault> {
        let inserted = rows(
            self.sql,
            "INSERT INTO inbox (platform, delivery, next_at, received_at, record) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (platform, delivery) DO NOTHING RETURNING n",
            item_values(item),
        )?;
        Ok(!inserted.is_empty())
    }

    fn put_item(&mut self, item: &InboxRecord) -> std::result::Result<(), Fault> {
        exec(
            self.sql,
            "INSERT INTO inbox (platform, delivery, next_at, received_at, record) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (platform, delivery) DO UPDATE SET next_at = excluded.next_at, record = excluded.record",
            item_values(item),
        )
    }

    fn due_items(&self, now: Millis, limit: u32) -> std::result::Result<Vec<InboxRecord>, Fault> {
        self.items(
            "SELECT record FROM inbox WHERE next_at IS NOT NULL AND next_at <= ? ORDER BY n LIMIT ?",
            vec![int(now), int(i64::from(limit))],
        )
    }

    fn next_due(&self) -> std::result::Result<Option<Millis>, Fault> {
        let found = rows(self.sql, "SELECT MIN(next_at) FROM inbox WHERE next_at IS NOT NULL", vec![])?;
        Ok(found.first().and_then(|row| integer(row, 0)))
    }

    fn order(
        &self,
        platform: &str,
        platform_order_id: &str,
    ) -> std::result::Result<Option<PlatformOrderRecord>, Fault> {
        let found = rows(
            self.sql,
            "SELECT record FROM platform_orders WHERE platform = ? AND id = ?",
            vec![platform.into(), platform_order_id.into()],
        )?;
        found.first().and_then(|row| text(row, 0)).map(read).transpose()
    }

    fn put_order(
        &mut self,
        platform: &str,
        platform_order_id: &str,
        order: &PlatformOrderRecord,
    ) -> std::result::Result<(), Fault> {
        exec(
            self.sql,
            "INSERT OR REPLACE INTO platform_orders (platform, id, record) VALUES (?, ?, ?)",
            vec![platform.into(), platform_order_id.into(), encode(order).into()],
        )
    }

    fn next_event_seq(&mut self) -> std::result::Result<u64, Fault> {
        let found = rows(self.sql, "SELECT value FROM meta WHERE key = 'last_event'", vec![])?;
        let next =
            found.first().and_then(|row| text(row, 0)).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0) + 1;
        exec(
            self.sql,
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('last_event', ?)",
            vec![next.to_string().into()],
        )?;
        Ok(next)
    }

    fn forget_finished_before(&mut self, at: Millis) -> std::result::Result<(), Fault> {
        exec(self.sql, "DELETE FROM inbox WHERE next_at IS NULL AND received_at < ?", vec![int(at)])
    }
}

fn item_values(item: &InboxRecord) -> Vec<worker::SqlStorageValue> {
    vec![
        item.platform.as_str().into(),
        item.delivery.as_str().into(),
        item.next_at.map_or(worker::SqlStorageValue::Null, int),
        int(item.received_at),
        encode(item).into(),
    ]
}
