//! `OrderCoordinator`: the Durable Object of one order id. It places a multi-SKU order all or
//! nothing (`backorder_service::order` decides; this object stores the record, makes the calls
//! and keeps an alarm until the order is decided, so that a crash at any point is finished by
//! it), answers the merchant's reads and cancels and the customer's status and delay decisions
//! by asking each line's SKU ledger, and delivers the order's own events (`order_created`).
//!
//! Orders placed before orders had coordinators are single-line and were indexed by the claims
//! registry: with no record here, such an order is served by its ledger, as it was.

use std::cell::Cell;

use backorder_api::input::{CancelScopeDoc, OrderRequest};
use backorder_api::output::{
    CancelDoc, LineDoc, OrderCancelDoc, OrderDoc, OrderStatusDoc, StatusLineDoc, StatusTokenDoc,
};
use backorder_api::ApiError;
use backorder_core::Millis;
use backorder_records::{decode, encode, OrderRecord, OrderStateRecord};
use backorder_service::order::{self, Order, Placement, STATUS_TOKEN_BYTES};
use backorder_service::protocol::{Fault, Halt, LedgerCall, LedgerOp, OrderCall, OrderOp, Reply};
use futures_util::future::join_all;
use worker::{durable_object, DurableObject, Env, Request, Response, Result, SqlStorage, State};

use crate::client;
use crate::dev_clock::DevClock;
use crate::outbox;
use crate::sql::{self, exec, rows, text};

/// How long after it starts (or last made progress) an unfinished order is driven on by the
/// alarm: a request that is still working on it by then is simply joined.
const RECOVERY_MS: Millis = 5_000;

const MIGRATIONS: &[&str] = &["
    CREATE TABLE IF NOT EXISTS order_record (id INTEGER PRIMARY KEY CHECK (id = 1), record TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, event TEXT NOT NULL);
"];

#[durable_object(alarm)]
pub struct OrderCoordinator {
    state: State,
    env: Env,
    migrated: Cell<bool>,
    /// A request or the alarm is driving the order: another waits its turn.
    driving: Cell<bool>,
    /// Development clock: order time minus wall-clock time.
    clock: DevClock,
    outbox_pending: Cell<bool>,
}

impl DurableObject for OrderCoordinator {
    fn new(state: State, env: Env) -> Self {
        OrderCoordinator {
            state,
            env,
            migrated: Cell::new(false),
            driving: Cell::new(false),
            clock: DevClock::default(),
            outbox_pending: Cell::new(true),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let call = match client::received::<OrderCall>(req).await? {
            Ok(call) => call,
            Err(refused) => return client::respond(refused),
        };
        if let Some(now) = call.now {
            let sql = self.state.storage().sql();
            self.clock.set(&sql, now);
            self.clock.keep(&sql);
        }
        let reply = match self.answer(call).await {
            Ok(reply) => reply,
            Err(fault) => fault.into(),
        };
        self.deliver().await;
        client::respond(reply)
    }

    async fn alarm(&self) -> Result<Response> {
        let stored = if self.driving.get() { Ok(None) } else { self.stored() };
        if let Ok(Some(record)) = stored {
            if record.state != OrderStateRecord::Committed && record.state != OrderStateRecord::Aborted {
                if let Err(fault) = self.drive(Order::new(record), None, "", None).await {
                    worker::console_warn!("driving an unfinished order: {}", fault);
                }
            }
        }
        self.deliver().await;
        Response::empty()
    }
}

impl OrderCoordinator {
    fn now(&self) -> Millis {
        self.clock.now(&self.state.storage().sql())
    }

    async fn answer(&self, call: OrderCall) -> std::result::Result<Reply, Fault> {
        let OrderCall { order_id, now, op } = call;
        let stored = self.stored()?;
        if stored.is_none() && !matches!(op, OrderOp::Status { .. } | OrderOp::AnswerDelay { .. }) {
            if let Some(sku) = self.legacy_sku(&order_id).await? {
                return self.legacy(order_id, sku, now, op).await;
            }
        }
        Ok(match op {
            OrderOp::Place { request, origin, halt } => {
                self.place(stored, request, now, &origin, halt).await?
            }
            OrderOp::Get => match created(stored) {
                Some(order) => match self.lines(&order, now).await? {
                    Ok(lines) => {
                        Reply::json(200, &OrderDoc { order_id, lines, status_token: None, status_url: None })
                    }
                    Err(reply) => reply,
                },
                None => not_found(),
            },
            OrderOp::Cancel { scope, sku } => match created(stored) {
                Some(order) => self.cancel(&order, scope, sku, now).await?,
                None => not_found(),
            },
            OrderOp::Status { token } => match created(stored).filter(|order| order.token_matches(&token)) {
                Some(order) => self.status(&order, now).await?,
                None => not_found(),
            },
            OrderOp::AnswerDelay { token, accept, sku } => {
                match created(stored).filter(|order| order.token_matches(&token)) {
                    Some(order) => self.answer_delay(&order, accept, sku, now).await?,
                    None => not_found(),
                }
            }
            OrderOp::NewStatusToken { origin } => match created(stored) {
                Some(mut order) => {
                    let (token, url) = order.issue_token(&random_token()?, &origin);
                    self.save(&mut order)?;
                    Reply::json(200, &StatusTokenDoc { order_id, status_token: token, status_url: url })
                }
                None => not_found(),
            },
        })
    }

    async fn place(
        &self,
        stored: Option<OrderRecord>,
        request: OrderRequest,
        now: Option<Millis>,
        origin: &str,
        halt: Option<Halt>,
    ) -> std::result::Result<Reply, Fault> {
        let order = match order::place(stored, &request, now.unwrap_or_else(|| self.now())) {
            Placement::Answer(reply) => return Ok(reply),
            Placement::Drive(record) => Order::new(record),
        };
        if self.driving.get() {
            let busy = "an order with this id is being placed; retry shortly";
            return Ok(ApiError::new(409, "order_in_progress", busy).into());
        }
        self.drive(order, now, origin, halt).await
    }

    /// Drives an order to its end: each phase's calls in parallel, the record written after
    /// every answer. Stops (leaving the alarm to go on) when a round makes no progress.
    async fn drive(
        &self,
        mut order: Order,
        now: Option<Millis>,
        origin: &str,
        halt: Option<Halt>,
    ) -> std::result::Result<Reply, Fault> {
        self.driving.set(true);
        let result = self.rounds(&mut order, now, origin, halt).await;
        self.driving.set(false);
        let storage = self.state.storage();
        let alarm = match order.decided() {
            true => storage.delete_alarm().await,
            false => storage.set_alarm(std::time::Duration::from_millis(RECOVERY_MS as u64)).await,
        };
        if let Err(error) = alarm {
            worker::console_warn!("could not set the order's alarm: {}", error);
        }
        result
    }

    async fn rounds(
        &self,
        order: &mut Order,
        now: Option<Millis>,
        origin: &str,
        halt: Option<Halt>,
    ) -> std::result::Result<Reply, Fault> {
        // Recorded first: a crash from here on is finished by the alarm.
        self.save(order)?;
        if let Err(error) =
            self.state.storage().set_alarm(std::time::Duration::from_millis(RECOVERY_MS as u64)).await
        {
            worker::console_warn!("could not set the order's alarm: {}", error);
        }
        loop {
            let created = order.advance(now.unwrap_or_else(|| self.now()), &random_token()?, origin);
            self.save(order)?;
            if let Some(first) = created {
                return Ok(first);
            }
            if order.decided() {
                return Ok(order.answer());
            }
            if halt == Some(Halt::AfterPrepare) && order.record.state == OrderStateRecord::Committing {
                let halted =
                    "halted after every line was prepared (X-Backorder-Fault); the alarm finishes it";
                return Ok(ApiError::new(503, "order_halted", halted).into());
            }
            let calls = order.calls(now);
            let before = order.record.clone();
            let answers = join_all(calls.iter().map(|(_, call)| client::ledger(&self.env, call))).await;
            for ((index, _), answer) in calls.iter().zip(answers) {
                match answer {
                    Ok(reply) => order.answered(*index, &reply),
                    Err(error) => worker::console_warn!(
                        "order {}: a ledger call failed: {}",
                        order.record.order_id,
                        error
                    ),
                }
            }
            self.save(order)?;
            if order.record == before {
                return Ok(order.answer());
            }
        }
    }

    /// Each line's current view from its ledger, in the order placed; an error reply if a
    /// ledger could not answer.
    async fn lines(
        &self,
        order: &Order,
        now: Option<Millis>,
    ) -> std::result::Result<std::result::Result<Vec<LineDoc>, Reply>, Fault> {
        let calls: Vec<LedgerCall> = order
            .skus()
            .map(|sku| ledger_call(sku, now, LedgerOp::GetOrder { order_id: order.record.order_id.clone() }))
            .collect();
        let answers = join_all(calls.iter().map(|call| client::ledger(&self.env, call))).await;
        let mut lines = Vec::with_capacity(answers.len());
        for answer in answers {
            let reply = answer.map_err(|e| Fault::new("reading a line", e))?;
            match serde_json::from_str::<OrderDoc>(&reply.body)
                .ok()
                .and_then(|doc| doc.lines.into_iter().next())
            {
                Some(line) if reply.status == 200 => lines.push(line),
                _ => return Ok(Err(reply)),
            }
        }
        Ok(Ok(lines))
    }

    async fn cancel(
        &self,
        order: &Order,
        scope: CancelScopeDoc,
        sku: Option<String>,
        now: Option<Millis>,
    ) -> std::result::Result<Reply, Fault> {
        let skus: Vec<&str> =
            order.skus().filter(|line| sku.as_deref().is_none_or(|sku| sku == *line)).collect();
        if skus.is_empty() {
            return Ok(ApiError::not_found("the order has no line for this sku").into());
        }
        let calls: Vec<LedgerCall> = skus
            .iter()
            .map(|sku| {
                ledger_call(sku, now, LedgerOp::Cancel { order_id: order.record.order_id.clone(), scope })
            })
            .collect();
        let answers = join_all(calls.iter().map(|call| client::ledger(&self.env, call))).await;
        let mut lines = Vec::new();
        for answer in answers {
            let reply = answer.map_err(|e| Fault::new("cancelling a line", e))?;
            match serde_json::from_str::<CancelDoc>(&reply.body) {
                Ok(line) if reply.status == 200 => lines.push(line),
                _ => return Ok(reply),
            }
        }
        let total = |field: fn(&CancelDoc) -> u32| lines.iter().map(field).sum();
        Ok(Reply::json(
            200,
            &OrderCancelDoc {
                order_id: order.record.order_id.clone(),
                sku: match lines.as_slice() {
                    [line] => Some(line.sku.clone()),
                    _ => None,
                },
                refund_qty: total(|line| line.refund_qty),
                restocked: total(|line| line.restocked),
                backorder_cancelled: total(|line| line.backorder_cancelled),
                lines,
            },
        ))
    }

    async fn status(&self, order: &Order, now: Option<Millis>) -> std::result::Result<Reply, Fault> {
        Ok(match self.lines(order, now).await? {
            Ok(lines) => {
                let lines: Vec<StatusLineDoc> = lines.iter().map(StatusLineDoc::new).collect();
                let decision_pending = lines.iter().any(pending);
                let placed_at = order.record.created_at;
                let order_id = order.record.order_id.clone();
                Reply::json(200, &OrderStatusDoc { order_id, placed_at, lines, decision_pending })
            }
            Err(reply) => reply,
        })
    }

    async fn answer_delay(
        &self,
        order: &Order,
        accept: bool,
        sku: Option<String>,
        now: Option<Millis>,
    ) -> std::result::Result<Reply, Fault> {
        let lines = match self.lines(order, now).await? {
            Ok(lines) => lines,
            Err(reply) => return Ok(reply),
        };
        let due: Vec<LedgerCall> = lines
            .iter()
            .filter(|line| sku.as_deref().is_none_or(|sku| sku == line.sku))
            .filter(|line| pending(&StatusLineDoc::new(line)))
            .map(|line| {
                ledger_call(
                    &line.sku,
                    now,
                    LedgerOp::AnswerDelay { order_id: order.record.order_id.clone(), accept },
                )
            })
            .collect();
        if due.is_empty() {
            return Ok(
                ApiError::new(409, "no_delay_pending", "no delay decision is pending for this order").into()
            );
        }
        for answer in join_all(due.iter().map(|call| client::ledger(&self.env, call))).await {
            let reply = answer.map_err(|e| Fault::new("answering a delay", e))?;
            if reply.status != 200 {
                return Ok(reply);
            }
        }
        self.status(order, now).await
    }

    /// An order placed before coordinators: served by its one ledger, as it always was.
    async fn legacy(
        &self,
        order_id: String,
        sku: String,
        now: Option<Millis>,
        op: OrderOp,
    ) -> std::result::Result<Reply, Fault> {
        let op = match op {
            OrderOp::Place { request, .. } => match request.lines.as_slice() {
                [line] if line.sku == sku => LedgerOp::Confirm { order_id, line: line.clone() },
                _ => return Ok(ApiError::key_reused().into()),
            },
            OrderOp::Get => LedgerOp::GetOrder { order_id },
            OrderOp::Cancel { scope, sku: None } => LedgerOp::Cancel { order_id, scope },
            OrderOp::Cancel { scope, sku: Some(line) } if line == sku => LedgerOp::Cancel { order_id, scope },
            OrderOp::Cancel { .. } => {
                return Ok(ApiError::not_found("the order has no line for this sku").into())
            }
            OrderOp::Status { .. } | OrderOp::AnswerDelay { .. } | OrderOp::NewStatusToken { .. } => {
                return Ok(ApiError::not_found("this order was placed before orders had status pages").into());
            }
        };
        client::ledger(&self.env, &ledger_call(&sku, now, op))
            .await
            .map_err(|e| Fault::new("an earlier order's ledger", e))
    }

    async fn legacy_sku(&self, order_id: &str) -> std::result::Result<Option<String>, Fault> {
        client::legacy_order_sku(&self.env, order_id).await.map_err(|e| Fault::new("the claims registry", e))
    }

    fn sql(&self) -> std::result::Result<SqlStorage, Fault> {
        let sql = self.state.storage().sql();
        if !self.migrated.get() {
            sql::migrate(&sql, MIGRATIONS)?;
            self.migrated.set(true);
        }
        Ok(sql)
    }

    fn stored(&self) -> std::result::Result<Option<OrderRecord>, Fault> {
        let sql = self.sql()?;
        let found = rows(&sql, "SELECT record FROM order_record WHERE id = 1", vec![])?;
        match found.first().and_then(|row| text(row, 0)) {
            Some(text) => decode(text).map(Some).map_err(|e| Fault::new("the order record", e)),
            None => Ok(None),
        }
    }

    /// Writes the record and the events it made, together.
    fn save(&self, order: &mut Order) -> std::result::Result<(), Fault> {
        let sql = self.sql()?;
        let record = encode(&order.record);
        let events = order.take_events();
        let mut result = Ok(());
        let committed = sql::transaction_sync(self.state.storage().as_raw(), &mut || {
            result = exec(
                &sql,
                "INSERT OR REPLACE INTO order_record (id, record) VALUES (1, ?)",
                vec![record.as_str().into()],
            )
            .and_then(|()| events.iter().try_for_each(|event| outbox::put(&sql, event.seq, &encode(event))));
            result.is_ok()
        });
        if !events.is_empty() {
            self.outbox_pending.set(true);
        }
        match (committed, result) {
            (true, Ok(())) => Ok(()),
            (_, Err(fault)) => Err(fault),
            (false, Ok(())) => Err(Fault("the order could not be written".into())),
        }
    }

    async fn deliver(&self) {
        let (Ok(sql), Ok(Some(record))) = (self.sql(), self.stored()) else { return };
        let source = format!("order:{}", record.order_id);
        if !outbox::deliver(&self.env, &sql, &self.outbox_pending, &source).await {
            let retry = std::time::Duration::from_millis(RECOVERY_MS as u64);
            if let Err(error) = self.state.storage().set_alarm(retry).await {
                worker::console_warn!("could not set the order's alarm: {}", error);
            }
        }
    }
}

/// The order, if it was created.
fn created(stored: Option<OrderRecord>) -> Option<Order> {
    stored.filter(|record| record.state == OrderStateRecord::Committed).map(Order::new)
}

fn pending(line: &StatusLineDoc) -> bool {
    line.waiting > 0 && line.delay.as_ref().is_some_and(|delay| delay.decision == "pending")
}

fn not_found() -> Reply {
    ApiError::not_found("no such order").into()
}

fn ledger_call(sku: &str, now: Option<Millis>, op: LedgerOp) -> LedgerCall {
    LedgerCall { sku: sku.into(), now, key: None, client: None, op }
}

fn random_token() -> std::result::Result<[u8; STATUS_TOKEN_BYTES], Fault> {
    let mut token = [0u8; STATUS_TOKEN_BYTES];
    getrandom::fill(&mut token).map_err(|error| Fault::new("crypto.getRandomValues", error))?;
    Ok(token)
}
