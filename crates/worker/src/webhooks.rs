//! `WebhookDispatcher`: the Durable Object (one for the store) that pushes events to the
//! merchant's webhook endpoints. The SKU ledgers only write events to their outboxes, as ever;
//! the catalog nudges this object when events arrive (while any endpoint exists), and on its
//! alarm it pulls the feed, takes the new events in, sends every attempt that is due (signed,
//! at most [`ATTEMPT_TIMEOUT_MS`] each, in parallel), records them, and sets the alarm at the
//! next one — and at least every 5 minutes while it follows the feed, so that an event whose
//! nudge was lost is still sent. `backorder_service::webhooks` decides everything; this object
//! stores, sends and keeps the alarm. It publishes its own events (`endpoint_disabled`) through
//! an outbox.

use std::cell::{Cell, RefCell};

use backorder_api::output::FeedDoc;
use backorder_core::Millis;
use backorder_records::{decode, encode, AttemptRecord, DeliveryRecord, EndpointRecord};
use backorder_service::protocol::{Fault, Reply, WebhookCall, WebhookOp};
use backorder_service::registry::MAX_FEED_PAGE;
use backorder_service::webhooks::{
    self, Attempted, Context, Counter, Handled, Outgoing, Wake, WebhookStore, ATTEMPT_TIMEOUT_MS, LOG_LENGTH,
};
use futures_util::future::join_all;
use worker::{durable_object, DurableObject, Env, Fetch, Request, Response, Result, SqlStorage, State};

use crate::client::{self, wall_clock};
use crate::dev_clock::DevClock;
use crate::outbox;
use crate::sql::{self, exec, int, integer, rows, text};

/// Attempts sent at once, per run: within the 50 subrequests of an invocation on the Free plan
/// (with the feed's pages and the outbox's delivery).
const ATTEMPTS_PER_RUN: u32 = 40;
/// Feed pages taken in per run.
const FEED_PAGES_PER_RUN: u32 = 4;
/// The source of the dispatcher's own events in the feed.
const SOURCE: &str = "webhooks";

const MIGRATIONS: &[&str] = &["
    CREATE TABLE IF NOT EXISTS endpoints (id TEXT PRIMARY KEY, record TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS deliveries (
        id INTEGER PRIMARY KEY, endpoint_id TEXT NOT NULL, pending INTEGER NOT NULL, next_at INTEGER,
        record TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (pending, next_at);
    CREATE INDEX IF NOT EXISTS deliveries_by_endpoint ON deliveries (endpoint_id, pending);
    CREATE TABLE IF NOT EXISTS attempts (
        n INTEGER PRIMARY KEY AUTOINCREMENT, endpoint_id TEXT NOT NULL, record TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS attempts_by_endpoint ON attempts (endpoint_id, n);
    CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, event TEXT NOT NULL);
"];

#[durable_object(alarm)]
pub struct WebhookDispatcher {
    state: State,
    env: Env,
    migrated: Cell<bool>,
    /// Development clock: dispatcher time minus wall-clock time.
    clock: DevClock,
    /// Deliveries being sent right now (by the alarm or a merchant's test), not to send twice.
    sending: RefCell<Vec<u64>>,
    outbox_pending: Cell<bool>,
    /// A call (a nudge, say) came in since the current run began: its events may be newer than
    /// the page the run read, so the run must not end by setting the alarm later.
    called: Cell<bool>,
}

impl DurableObject for WebhookDispatcher {
    fn new(state: State, env: Env) -> Self {
        WebhookDispatcher {
            state,
            env,
            migrated: Cell::new(false),
            clock: DevClock::default(),
            sending: RefCell::new(Vec::new()),
            outbox_pending: Cell::new(true),
            called: Cell::new(false),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let call = match client::received::<WebhookCall>(req).await? {
            Ok(call) => call,
            Err(refused) => return client::respond(refused),
        };
        if let Some(now) = call.now {
            let sql = self.state.storage().sql();
            self.clock.set(&sql, now);
            self.clock.keep(&sql);
        }
        let reply = match self.answer(call.op).await {
            Ok(reply) => reply,
            Err(fault) => fault.into(),
        };
        self.deliver().await;
        // Events may be waiting (a nudge), or the development clock moved: look at once.
        self.called.set(true);
        self.schedule(Pulled::All, false).await;
        client::respond(reply)
    }

    async fn alarm(&self) -> Result<Response> {
        self.called.set(false);
        let pulled = self.pull().await;
        let more_due = self.send_due().await;
        self.deliver().await;
        self.schedule(pulled, more_due).await;
        Response::empty()
    }
}

impl WebhookDispatcher {
    fn now(&self) -> Millis {
        self.clock.now(&self.state.storage().sql())
    }

    async fn answer(&self, op: WebhookOp) -> std::result::Result<Reply, Fault> {
        let now = self.now();
        let watch = match &op {
            WebhookOp::Create { .. } => Some(true),
            WebhookOp::Delete { .. } => Some(false),
            _ => None,
        };
        let feed_head = match op {
            WebhookOp::Create { .. } => {
                client::feed_head(&self.env).await.map_err(|e| Fault::new("reading the feed's head", e))?
            }
            _ => 0,
        };
        let cx = Context { now, random: random_bytes()?, feed_head };
        let handled = self.transaction(|store| webhooks::handle(store, op, &cx))?;
        if let Some(active) = watch {
            // The catalog nudges this object only while endpoints exist.
            let active = active || !self.transaction(|store| store.endpoints())?.is_empty();
            if let Err(error) = client::watch_feed(&self.env, active).await {
                worker::console_warn!("could not tell the catalog to watch the feed: {}", error);
            }
        }
        match handled {
            Handled::Reply(reply) => Ok(reply),
            Handled::SendNow { endpoint_id, delivery_id } => {
                let outgoing = self.transaction(|store| webhooks::outgoing(store, delivery_id, now))?;
                self.send(outgoing.into_iter().collect()).await;
                self.transaction(|store| webhooks::attempt_reply(store, &endpoint_id, delivery_id))
            }
        }
    }

    /// Takes in the feed's new events, a few pages at a time.
    async fn pull(&self) -> Pulled {
        for _ in 0..FEED_PAGES_PER_RUN {
            let cursor = match self.transaction(|store| store.cursor()) {
                Ok(Some(cursor)) => cursor,
                Ok(None) => return Pulled::All,
                Err(fault) => {
                    worker::console_warn!("webhooks: {}", fault);
                    return Pulled::Failed;
                }
            };
            let page = match client::feed(&self.env, cursor, MAX_FEED_PAGE).await {
                Ok(reply) if reply.status == 200 => serde_json::from_str::<FeedDoc>(&reply.body).ok(),
                Ok(_) | Err(_) => None,
            };
            let Some(page) = page else {
                worker::console_warn!("webhooks: the feed could not be read; will retry");
                return Pulled::Failed;
            };
            let now = self.now();
            if let Err(fault) = self.transaction(|store| webhooks::intake(store, &page.events, now)) {
                worker::console_warn!("webhooks: taking events in: {}", fault);
                return Pulled::Failed;
            }
            if page.events.len() < MAX_FEED_PAGE as usize {
                return Pulled::All;
            }
        }
        Pulled::More
    }

    /// Sends the attempts that are due; whether more are due than one run sends.
    async fn send_due(&self) -> bool {
        let now = self.now();
        let busy = self.sending.borrow().clone();
        match self.transaction(|store| webhooks::due(store, now, ATTEMPTS_PER_RUN, &busy)) {
            Ok(outgoing) => {
                let full = outgoing.len() == ATTEMPTS_PER_RUN as usize;
                self.send(outgoing).await;
                full
            }
            Err(fault) => {
                worker::console_warn!("webhooks: {}", fault);
                false
            }
        }
    }

    /// Sends attempts in parallel and records each as it is answered.
    async fn send(&self, outgoing: Vec<Outgoing>) {
        self.sending.borrow_mut().extend(outgoing.iter().map(|out| out.delivery_id));
        let attempts = outgoing.iter().map(|out| async move { (out.delivery_id, attempt(out).await) });
        for (delivery_id, attempted) in join_all(attempts).await {
            self.sending.borrow_mut().retain(|id| *id != delivery_id);
            let now = self.now();
            let jitter =
                u32::from_le_bytes(random_bytes().map(|b| [b[0], b[1], b[2], b[3]]).unwrap_or_default());
            let recorded = self.transaction(|store| {
                let event = webhooks::record(store, delivery_id, &attempted, now, jitter)?;
                if let Some(event) = &event {
                    outbox::put(store.sql, event.seq, &encode(event))?;
                }
                Ok(event.is_some())
            });
            match recorded {
                Ok(true) => self.outbox_pending.set(true),
                Ok(false) => {}
                Err(fault) => worker::console_warn!("webhooks: recording an attempt: {}", fault),
            }
        }
    }

    /// Sets the alarm at [`webhooks::next_run`], after a run that took the feed in as far as
    /// `pulled` says and left more attempts due (`more_due`), or after a call.
    async fn schedule(&self, pulled: Pulled, more_due: bool) {
        let now = self.now();
        let next = self.transaction(|store| Ok((store.next_due()?, store.cursor()?.is_some())));
        let (next_due, following) = next.unwrap_or_else(|fault| {
            worker::console_warn!("webhooks: {}", fault);
            (Some(now + webhooks::RETRY_MS), false)
        });
        let wake = Wake {
            now,
            next_due,
            following,
            again: matches!(pulled, Pulled::More) || more_due || self.called.get(),
            feed_failed: matches!(pulled, Pulled::Failed),
            outbox_pending: self.outbox_pending.get(),
        };
        let at = webhooks::next_run(&wake);
        let storage = self.state.storage();
        let set = match at {
            Some(at) => storage.set_alarm(std::time::Duration::from_millis((at - now) as u64)).await,
            None => Ok(()),
        };
        if let Err(error) = set {
            worker::console_warn!("webhooks: could not set the alarm: {}", error);
        }
    }

    /// Delivers its own events to the feed; what is left is retried by [`Self::schedule`].
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
        act: impl FnOnce(&mut SqlWebhooks<'_>) -> std::result::Result<T, Fault>,
    ) -> std::result::Result<T, Fault> {
        let sql = self.sql()?;
        let mut store = SqlWebhooks { sql: &sql };
        sql::in_transaction(self.state.storage().as_raw(), &mut store, act)
    }
}

/// How far a run took the feed in.
enum Pulled {
    All,
    /// Pages are left for the next run.
    More,
    Failed,
}

/// One attempt: POSTs the payload with its signature headers, waits at most
/// [`ATTEMPT_TIMEOUT_MS`], and follows no redirect (a redirect is a failure: it could lead
/// anywhere, a private address included).
async fn attempt(out: &Outgoing) -> Attempted {
    let started = wall_clock();
    let sent = async {
        let headers = web_sys::Headers::new()?;
        for (name, value) in &out.headers {
            headers.set(name, value)?;
        }
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_headers(&headers);
        init.set_body(&out.body.as_str().into());
        init.set_redirect(web_sys::RequestRedirect::Manual);
        init.set_signal(Some(&web_sys::AbortSignal::timeout_with_u32(ATTEMPT_TIMEOUT_MS)));
        let request = web_sys::Request::new_with_str_and_init(&out.url, &init)?;
        let mut response = Fetch::Request(request.into()).send().await?;
        // The body is read (and dropped) so the connection can be reused.
        let _ = response.text().await;
        Ok::<u16, worker::Error>(response.status_code())
    };
    let outcome = sent.await;
    let latency_ms = u32::try_from(wall_clock() - started).unwrap_or(u32::MAX);
    match outcome {
        Ok(status) => {
            let error = (!(200..300).contains(&status)).then(|| format!("the receiver answered {status}"));
            Attempted { status: Some(status), latency_ms, error }
        }
        Err(error) => {
            let error = if latency_ms >= ATTEMPT_TIMEOUT_MS {
                format!("no answer within {} s", ATTEMPT_TIMEOUT_MS / 1000)
            } else {
                format!("unreachable: {error}")
            };
            Attempted { status: None, latency_ms, error: Some(error) }
        }
    }
}

fn random_bytes() -> std::result::Result<[u8; 32], Fault> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| Fault::new("crypto.getRandomValues", error))?;
    Ok(bytes)
}

/// [`WebhookStore`] over the dispatcher's SQLite.
pub struct SqlWebhooks<'a> {
    sql: &'a SqlStorage,
}

fn read<T: serde::de::DeserializeOwned>(text: &str) -> std::result::Result<T, Fault> {
    decode(text).map_err(|error| Fault::new("a webhook record", error))
}

impl SqlWebhooks<'_> {
    fn deliveries(
        &self,
        query: &str,
        bindings: Vec<worker::SqlStorageValue>,
    ) -> std::result::Result<Vec<DeliveryRecord>, Fault> {
        rows(self.sql, query, bindings)?.iter().filter_map(|row| text(row, 0)).map(read).collect()
    }

    fn meta(&self, key: &str) -> std::result::Result<Option<String>, Fault> {
        let found = rows(self.sql, "SELECT value FROM meta WHERE key = ?", vec![key.into()])?;
        Ok(found.first().and_then(|row| text(row, 0)).map(str::to_string))
    }

    fn set_meta(&self, key: &str, value: &str) -> std::result::Result<(), Fault> {
        exec(
            self.sql,
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            vec![key.into(), value.into()],
        )
    }
}

impl WebhookStore for SqlWebhooks<'_> {
    fn endpoints(&self) -> std::result::Result<Vec<EndpointRecord>, Fault> {
        let found = rows(self.sql, "SELECT record FROM endpoints ORDER BY id", vec![])?;
        found.iter().filter_map(|row| text(row, 0)).map(read).collect()
    }

    fn put_endpoint(&mut self, endpoint: &EndpointRecord) -> std::result::Result<(), Fault> {
        exec(
            self.sql,
            "INSERT OR REPLACE INTO endpoints (id, record) VALUES (?, ?)",
            vec![endpoint.id.as_str().into(), encode(endpoint).into()],
        )
    }

    fn delete_endpoint(&mut self, id: &str) -> std::result::Result<(), Fault> {
        for table in ["endpoints WHERE id", "deliveries WHERE endpoint_id", "attempts WHERE endpoint_id"] {
            exec(self.sql, &format!("DELETE FROM {table} = ?"), vec![id.into()])?;
        }
        Ok(())
    }

    fn cursor(&self) -> std::result::Result<Option<u64>, Fault> {
        Ok(self.meta("cursor")?.and_then(|value| value.parse().ok()))
    }

    fn set_cursor(&mut self, cursor: Option<u64>) -> std::result::Result<(), Fault> {
        match cursor {
            Some(cursor) => self.set_meta("cursor", &cursor.to_string()),
            None => exec(self.sql, "DELETE FROM meta WHERE key = 'cursor'", vec![]),
        }
    }

    fn next_number(&mut self, counter: Counter) -> std::result::Result<u64, Fault> {
        let key = match counter {
            Counter::Delivery => "last_delivery",
            Counter::Event => "last_event",
        };
        let next = self.meta(key)?.and_then(|value| value.parse::<u64>().ok()).unwrap_or(0) + 1;
        self.set_meta(key, &next.to_string())?;
        Ok(next)
    }

    fn put_delivery(&mut self, delivery: &DeliveryRecord) -> std::result::Result<(), Fault> {
        let pending = delivery.state == backorder_records::DeliveryStateRecord::Pending;
        exec(
            self.sql,
            "INSERT OR REPLACE INTO deliveries (id, endpoint_id, pending, next_at, record) VALUES (?, ?, ?, ?, ?)",
            vec![
                int(delivery.id as i64),
                delivery.endpoint_id.as_str().into(),
                int(i64::from(pending)),
                delivery.next_at.map_or(worker::SqlStorageValue::Null, int),
                encode(delivery).into(),
            ],
        )
    }

    fn delivery(&self, id: u64) -> std::result::Result<Option<DeliveryRecord>, Fault> {
        Ok(self.deliveries("SELECT record FROM deliveries WHERE id = ?", vec![int(id as i64)])?.pop())
    }

    fn due(&self, now: Millis, limit: u32) -> std::result::Result<Vec<DeliveryRecord>, Fault> {
        self.deliveries(
            "SELECT record FROM deliveries WHERE pending = 1 AND next_at <= ? ORDER BY next_at, id LIMIT ?",
            vec![int(now), int(i64::from(limit))],
        )
    }

    fn pending_of(&self, endpoint_id: &str) -> std::result::Result<Vec<DeliveryRecord>, Fault> {
        self.deliveries(
            "SELECT record FROM deliveries WHERE endpoint_id = ? AND pending = 1",
            vec![endpoint_id.into()],
        )
    }

    fn next_due(&self) -> std::result::Result<Option<Millis>, Fault> {
        let found = rows(self.sql, "SELECT MIN(next_at) FROM deliveries WHERE pending = 1", vec![])?;
        Ok(found.first().and_then(|row| integer(row, 0)))
    }

    fn log_attempt(&mut self, endpoint_id: &str, attempt: &AttemptRecord) -> std::result::Result<(), Fault> {
        exec(
            self.sql,
            "INSERT INTO attempts (endpoint_id, record) VALUES (?, ?)",
            vec![endpoint_id.into(), encode(attempt).into()],
        )?;
        exec(
            self.sql,
            "DELETE FROM attempts WHERE endpoint_id = ?1 AND n <= \
             (SELECT n FROM attempts WHERE endpoint_id = ?1 ORDER BY n DESC LIMIT 1 OFFSET ?2)",
            vec![endpoint_id.into(), int(LOG_LENGTH as i64)],
        )
    }

    fn attempts(&self, endpoint_id: &str) -> std::result::Result<Vec<AttemptRecord>, Fault> {
        let found = rows(
            self.sql,
            "SELECT record FROM attempts WHERE endpoint_id = ? ORDER BY n DESC",
            vec![endpoint_id.into()],
        )?;
        found.iter().filter_map(|row| text(row, 0)).map(read).collect()
    }
}
