//! `SkuLedger`: the Durable Object that owns one SKU's ledger.
//!
//! Per request: load the ledger (once per activation), let time pass to `now` (lazy hold
//! expiry), apply at most one command, write every change to SQLite — all synchronously —
//! then deliver new events to the feed and keep the alarm at the next hold expiry.

use std::cell::{Cell, RefCell};

use backorder_api::input::{
    parse, CancelRequest, OrderRequest, PurchaseOrderRequest, ReceiptRequest, ReservationRequest,
};
use backorder_api::output::{
    AvailabilityDoc, BackordersDoc, CancelDoc, LineDoc, OrderDoc, ProductDoc, ProductSummaryDoc,
    PurchaseOrderDoc, QueueItemDoc, ReceiptDoc, ReservationDoc,
};
use backorder_api::policy::{PolicyDoc, ProductInput};
use backorder_api::{validate, ApiError};
use backorder_core::replies::{self, Replay};
use backorder_core::{Command, HoldState, Ledger, Millis, Outcome, Owner, Policy, Ship};
use worker::{durable_object, DurableObject, Env, Request, Response, Result, SqlStorage, State};

use crate::edge::{self, Internal};
use crate::limiter::Limiter;
use crate::reply::{Exposure, Reply};
use crate::routes::{reservation_id, reservation_sku, KeySpace, Route};
use crate::store::{self, Product, SqlReplies};

/// How soon to retry delivering events when the feed could not be reached.
const RETRY_DELIVERY_MS: Millis = 5_000;

#[durable_object(alarm)]
pub struct SkuLedger {
    state: State,
    env: Env,
    /// `None` until loaded; `Some(None)` for a SKU never created.
    product: RefCell<Option<Option<Product>>>,
    /// The alarm currently scheduled (wall-clock ms), to avoid rewriting it needlessly.
    alarm: Cell<Option<Millis>>,
    /// Development clock: ledger time minus wall-clock time, set by `X-Backorder-Now`.
    clock_offset: Cell<Millis>,
    /// The name the catalog lists, once read from `meta`.
    listed: RefCell<Option<Option<String>>>,
    /// The outbox may hold undelivered events (unknown, so true, until first checked).
    outbox_pending: Cell<bool>,
    limiter: RefCell<Limiter>,
}

impl DurableObject for SkuLedger {
    fn new(state: State, env: Env) -> Self {
        SkuLedger {
            state,
            env,
            product: RefCell::new(None),
            alarm: Cell::new(None),
            clock_offset: Cell::new(0),
            listed: RefCell::new(None),
            outbox_pending: Cell::new(true),
            limiter: RefCell::new(Limiter::default()),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let internal = Internal::read(&req)?;
        let now = match internal.now {
            Some(now) => {
                self.clock_offset.set(now - wall_clock());
                now
            }
            None => self.now(),
        };
        let body = edge::forwarded_body(&req).await?;
        let path = req.path();
        let query = edge::query_of(&req);
        let (reply, exposure) = if path == edge::SUMMARY_PATH {
            (self.summary(now), Exposure::Merchant)
        } else {
            match Route::parse(req.method().as_ref(), &path) {
                Ok(route) => {
                    let exposure = Exposure::of(&route);
                    (self.handle(&internal, route, now, &body, &query), exposure)
                }
                Err(error) => (error.into(), Exposure::Merchant),
            }
        };
        // Boxed: both handlers await it, and one copy of its state machine is enough.
        Box::pin(self.after_change()).await;
        // The edge relays this response as it is, so it carries the client-facing headers.
        reply.into_response(exposure)
    }

    async fn alarm(&self) -> Result<Response> {
        let now = self.now();
        let sql = self.state.storage().sql();
        let outcome = self.with_product(&sql, |product| {
            product.ledger.advance(now);
            Ok(Reply { status: 204, body: String::new() })
        });
        if let Err(error) = store::forget_old(&sql, now) {
            worker::console_warn!("forgetting old replies and reservations: {}", error.message);
        }
        self.alarm.set(None);
        Box::pin(self.after_change()).await;
        if outcome.status >= 500 {
            worker::console_error!("alarm: {}", outcome.body);
        }
        Response::empty()
    }
}

impl SkuLedger {
    /// Ledger time: the wall clock, shifted by the development clock when one was set.
    fn now(&self) -> Millis {
        wall_clock() + self.clock_offset.get()
    }

    /// Runs `act` on the loaded product and writes its changes, all without awaiting.
    /// A failed write drops the in-memory ledger, so the next request reloads what is durable.
    fn with_product(
        &self,
        sql: &SqlStorage,
        act: impl FnOnce(&mut Product) -> Result<Reply, ApiError>,
    ) -> Reply {
        if let Err(error) = self.ensure_loaded(sql) {
            return error.into();
        }
        let mut slot = self.product.borrow_mut();
        let Some(Some(product)) = slot.as_mut() else {
            return ApiError::not_found("no such product").into();
        };
        // Apply, keep the reply, write the changes: all in one transaction, or none of it.
        let mut act = Some(act);
        let mut outcome: Option<(Reply, bool)> = None;
        let committed = transaction_sync(self.state.storage().as_raw(), &mut || {
            let Some(act) = act.take() else { return false };
            let reply = act(product).unwrap_or_else(Reply::from);
            match store::save(sql, product) {
                Ok(wrote_events) => {
                    outcome = Some((reply, wrote_events));
                    true
                }
                Err(error) => {
                    outcome = Some((error.into(), false));
                    false
                }
            }
        });
        match outcome {
            Some((reply, wrote_events)) if committed => {
                if wrote_events {
                    self.outbox_pending.set(true);
                }
                reply
            }
            failed => {
                // Memory may be ahead of what is durable: reload on the next request.
                *slot = None;
                failed.map(|(reply, _)| reply).filter(|reply| reply.status >= 500).unwrap_or_else(|| {
                    ApiError::new(500, "internal", "the change could not be written; nothing was changed")
                        .into()
                })
            }
        }
    }

    /// Lists the product in the catalog if it is not listed under its current name; whether
    /// the catalog is up to date.
    async fn list_in_catalog(&self, sql: &SqlStorage) -> bool {
        let current = match self.product.borrow().as_ref() {
            Some(Some(product)) => (product.sku.clone(), product.name.clone()),
            _ => return true,
        };
        if self.listed.borrow().is_none() {
            match store::listed_name(sql) {
                Ok(name) => *self.listed.borrow_mut() = Some(name),
                Err(_) => return false,
            }
        }
        if self.listed.borrow().as_ref().and_then(|name| name.as_deref()) == Some(current.1.as_str()) {
            return true;
        }
        match edge::register_product(&self.env, &current.0, &current.1).await {
            Ok(()) if store::set_listed_name(sql, &current.1).is_ok() => {
                *self.listed.borrow_mut() = Some(Some(current.1));
                true
            }
            Ok(()) => false,
            Err(error) => {
                worker::console_warn!("listing in the catalog failed, will retry: {}", error);
                false
            }
        }
    }

    /// Delivers waiting events to the feed, a page at a time; whether the outbox is empty.
    async fn deliver_outbox(&self, sql: &SqlStorage) -> bool {
        // A bound keeps one request from delivering forever; the retry alarm does the rest.
        for _ in 0..20 {
            if !self.outbox_pending.get() {
                return true;
            }
            let pending = match store::outbox(sql) {
                Ok(pending) if pending.is_empty() => {
                    self.outbox_pending.set(false);
                    return true;
                }
                Ok(pending) => pending,
                Err(_) => return false,
            };
            let last = pending.last().map_or(0, |(seq, _)| *seq);
            match edge::deliver_events(&self.env, &pending).await {
                Ok(up_to) if up_to >= last && store::delivered(sql, up_to).is_ok() => {}
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

    /// Loads the product from SQLite on first use; whether it exists.
    fn ensure_loaded(&self, sql: &SqlStorage) -> Result<bool, ApiError> {
        let mut slot = self.product.borrow_mut();
        if slot.is_none() {
            *slot = Some(store::load(sql)?);
        }
        Ok(matches!(slot.as_ref(), Some(Some(_))))
    }

    fn handle(&self, internal: &Internal, route: Route, now: Millis, body: &[u8], query: &str) -> Reply {
        let (sku, key, client) = (internal.sku.as_str(), internal.key.as_deref(), internal.client.as_deref());
        let sql = self.state.storage().sql();
        if let Route::PutProduct { .. } = route {
            return self.put_product(&sql, sku, now, body);
        }
        self.with_product(&sql, |product| {
            product.ledger.advance(now);
            match route {
                Route::Availability { .. } => availability(product, now, query),
                Route::CreateReservation => {
                    let request: ReservationRequest = parse(body)?;
                    request.validate()?;
                    let key = key.ok_or_else(|| ApiError::invalid("Idempotency-Key header is required"))?;
                    let command = request.command(reservation_id(&random_bytes()?, sku));
                    let key = KeySpace::Reservation.key(key);
                    Ok(once(&sql, &key, &command.fingerprint(), now, Keep::Everything, || {
                        // Only a new request counts against the limit; a retry gets its reply.
                        if client.is_some_and(|client| !self.limiter.borrow_mut().allow(client, now)) {
                            return ApiError::rate_limited().into();
                        }
                        match product.ledger.apply(now, command) {
                            Ok(Outcome::Reserved(view)) => {
                                Reply::json(201, &ReservationDoc::new(sku, &view.id, &view))
                            }
                            other => unexpected(other),
                        }
                    }))
                }
                Route::GetReservation { id, .. } => {
                    let view = match product.ledger.hold_view(&id) {
                        Some(view) => view,
                        None => {
                            let hold = store::resolved_hold(&sql, &product.ledger, &id, now)?
                                .ok_or_else(|| ApiError::not_found("no such reservation"))?;
                            product.ledger.view_hold(&hold)
                        }
                    };
                    Ok(Reply::json(200, &ReservationDoc::new(sku, &id, &view)))
                }
                Route::ReleaseReservation { id, .. } => {
                    store::visit_hold(&sql, &mut product.ledger, &id, now)?;
                    match product.ledger.apply(now, Command::Release { id }) {
                        Ok(Outcome::Released(view)) => {
                            Ok(Reply::json(200, &ReservationDoc::new(sku, &view.id, &view)))
                        }
                        other => Ok(unexpected(other)),
                    }
                }
                Route::GetProduct { .. } => Ok(Reply::json(200, &product_doc(product, now))),
                Route::Receive { .. } => {
                    let request: ReceiptRequest = parse(body)?;
                    request.validate()?;
                    let command = request.command();
                    let run = |product: &mut Product| match product.ledger.apply(now, command.clone()) {
                        Ok(Outcome::Received { allocations, on_hand }) => {
                            let allocated =
                                allocations.iter().map(|a| allocation_doc(&a.owner, a.qty)).collect();
                            Reply::json(200, &ReceiptDoc { allocated, on_hand })
                        }
                        other => unexpected(other),
                    };
                    Ok(match key {
                        Some(key) => {
                            let key = KeySpace::Receipt.key(key);
                            once(&sql, &key, &command.fingerprint(), now, Keep::Everything, || run(product))
                        }
                        None => run(product),
                    })
                }
                Route::PutPurchaseOrder { po_id, .. } => {
                    let request: PurchaseOrderRequest = parse(body)?;
                    validate::stock_qty(request.qty, "qty")?;
                    let existed = product.ledger.purchase_orders().iter().any(|po| po.id == po_id);
                    let command = Command::SetPurchaseOrder {
                        id: po_id,
                        qty: request.qty,
                        expected: request.expected_date,
                    };
                    match product.ledger.apply(now, command) {
                        Ok(Outcome::PurchaseOrderSet(po)) => {
                            Ok(Reply::json(if existed { 200 } else { 201 }, &PurchaseOrderDoc::from(&po)))
                        }
                        other => Ok(unexpected(other)),
                    }
                }
                Route::DeletePurchaseOrder { po_id, .. } => {
                    match product.ledger.apply(now, Command::CancelPurchaseOrder { id: po_id }) {
                        Ok(Outcome::PurchaseOrderCancelled(po)) => {
                            Ok(Reply::json(200, &PurchaseOrderDoc::from(&po)))
                        }
                        other => Ok(unexpected(other)),
                    }
                }
                Route::Backorders { .. } => Ok(Reply::json(
                    200,
                    &BackordersDoc { sku: product.sku.clone(), lines: queue_docs(&product.ledger) },
                )),
                Route::CreateOrder => {
                    let request: OrderRequest = parse(body)?;
                    request.validate()?;
                    let [line] = request.lines.as_slice() else {
                        return Err(ApiError::invalid("an order carries exactly one line here"));
                    };
                    if let Some(id) = &line.reservation_id {
                        if reservation_sku(id) != Some(sku) {
                            return Err(ApiError::invalid("reservation_id belongs to another sku"));
                        }
                    }
                    let command = line.command(&request.order_id);
                    if let Some(id) = command.reservation_id() {
                        store::visit_hold(&sql, &mut product.ledger, id, now)?;
                    }
                    store::visit_line(&sql, &mut product.ledger, &request.order_id)?;
                    let key = KeySpace::Order.key(&request.order_id);
                    // An order id is the merchant's own number: a failed attempt must not use it up.
                    Ok(once(&sql, &key, &command.fingerprint(), now, Keep::Successes, || {
                        match product.ledger.apply(now, command) {
                            Ok(Outcome::Confirmed(view)) => Reply::json(201, &order_doc(sku, &view)),
                            other => unexpected(other),
                        }
                    }))
                }
                Route::GetOrder { order_id } => {
                    let view = match product.ledger.line_view(&order_id) {
                        Some(view) => view,
                        None => store::settled_line(&sql, &product.ledger, &order_id)?
                            .ok_or_else(|| ApiError::not_found("no such order"))?
                            .settled_view(),
                    };
                    Ok(Reply::json(200, &order_doc(sku, &view)))
                }
                Route::CancelOrder { order_id } => {
                    let request: CancelRequest =
                        if body.is_empty() { CancelRequest::default() } else { parse(body)? };
                    let command = Command::Cancel { order_id: order_id.clone(), scope: request.scope.into() };
                    store::visit_line(&sql, &mut product.ledger, &order_id)?;
                    match product.ledger.apply(now, command) {
                        Ok(Outcome::Cancelled { cancellation, .. }) => {
                            Ok(Reply::json(200, &CancelDoc::new(&order_id, sku, &cancellation)))
                        }
                        other => Ok(unexpected(other)),
                    }
                }
                Route::PutProduct { .. } | Route::ListProducts | Route::Events => {
                    Err(ApiError::not_found("not a ledger endpoint"))
                }
            }
        })
    }

    /// Creates the product (201; `on_hand` required) or updates it (200).
    fn put_product(&self, sql: &SqlStorage, sku: &str, now: Millis, body: &[u8]) -> Reply {
        let input: ProductInput = match parse(body) {
            Ok(input) => input,
            Err(error) => return error.into(),
        };
        let checked = input.checked_name().and_then(|_| match input.on_hand {
            Some(on_hand) => validate::stock_qty(on_hand, "on_hand"),
            None => Ok(()),
        });
        if let Err(error) = checked {
            return error.into();
        }
        let exists = match self.ensure_loaded(sql) {
            Ok(exists) => exists,
            Err(error) => return error.into(),
        };
        if !exists {
            if input.on_hand.is_none() {
                return ApiError::invalid("on_hand is required to create a product").into();
            }
            let policy = match input.merge(&PolicyDoc::from(&Policy::default())).to_policy() {
                Ok(policy) => policy,
                Err(error) => return error.into(),
            };
            let mut ledger = Ledger::default();
            if let Err(error) = ledger.apply(now, Command::Configure { policy, on_hand: input.on_hand }) {
                return error.into();
            }
            if let Err(error) = store::migrate(sql) {
                return error.into();
            }
            let name = input.name.clone().unwrap_or_else(|| sku.to_string());
            *self.product.borrow_mut() = Some(Some(Product { sku: sku.into(), name, ledger, renamed: true }));
            return self.with_product(sql, |product| Ok(Reply::json(201, &product_doc(product, now))));
        }
        self.with_product(sql, |product| {
            product.ledger.advance(now);
            let policy = input.merge(&PolicyDoc::from(product.ledger.policy())).to_policy()?;
            product.ledger.apply(now, Command::Configure { policy, on_hand: input.on_hand })?;
            if let Some(name) = &input.name {
                product.renamed = product.name != *name;
                product.name = name.clone();
            }
            Ok(Reply::json(200, &product_doc(product, now)))
        })
    }

    fn summary(&self, now: Millis) -> Reply {
        let sql = self.state.storage().sql();
        self.with_product(&sql, |product| {
            product.ledger.advance(now);
            let ledger = &product.ledger;
            let availability = ledger.availability(ledger.today(now));
            Ok(Reply::json(
                200,
                &ProductSummaryDoc {
                    sku: product.sku.clone(),
                    name: product.name.clone(),
                    status: availability.status().as_str().into(),
                    on_hand: ledger.on_hand(),
                    available_now: ledger.available_now(),
                    backordered: ledger
                        .queue()
                        .fold(0, |sum: u32, item| sum.saturating_add(item.outstanding)),
                },
            ))
        })
    }

    /// After any change: list the product in the catalog (under its current name), deliver
    /// queued events to the feed, then keep the alarm at the next hold expiry (or sooner, to
    /// retry what could not be delivered).
    async fn after_change(&self) {
        if !matches!(self.product.borrow().as_ref(), Some(Some(_))) {
            return; // no product here: nothing to list, deliver or expire
        }
        let sql = self.state.storage().sql();
        let listed = self.list_in_catalog(&sql).await;
        let delivered = listed && self.deliver_outbox(&sql).await;
        let next_expiry = match self.product.borrow().as_ref() {
            Some(Some(product)) => product.ledger.next_expiry(),
            _ => None,
        };
        // Alarms run on the wall clock; the development clock is ledger time shifted by an offset.
        let offset = self.clock_offset.get();
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

/// Which replies a key remembers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// Every answer, failures included: a retry gets exactly the first reply.
    Everything,
    /// Only successes, so a corrected retry can still succeed.
    Successes,
}

/// Runs `run` once per idempotency key; repeats get the first reply byte for byte. Server
/// errors and rate limits are never kept: the request did not happen, and may yet.
fn once(
    sql: &SqlStorage,
    key: &str,
    fingerprint: &str,
    now: Millis,
    keep: Keep,
    run: impl FnOnce() -> Reply,
) -> Reply {
    let mut store = SqlReplies(sql);
    match replies::check(&store, key, fingerprint) {
        Replay::Repeat(reply) => reply,
        Replay::KeyReused => ApiError::key_reused().into(),
        Replay::Fresh => {
            let reply = run();
            let kept = match keep {
                Keep::Everything => reply.status < 500 && reply.status != 429,
                Keep::Successes => reply.status < 300,
            };
            if kept {
                replies::ReplyStore::keep(&mut store, key, fingerprint, &reply, now);
            }
            reply
        }
    }
}

fn unexpected(result: std::result::Result<Outcome, backorder_core::Error>) -> Reply {
    match result {
        Err(error) => error.into(),
        Ok(_) => ApiError::new(500, "internal", "the ledger answered with an unexpected outcome").into(),
    }
}

fn availability(product: &Product, now: Millis, query: &str) -> Result<Reply, ApiError> {
    let mut qty = None;
    let mut ship = Ship::Partial;
    for (name, value) in query.split('&').filter_map(|pair| pair.split_once('=')) {
        match name {
            "qty" => {
                let parsed =
                    value.parse::<u32>().map_err(|_| ApiError::invalid("qty must be a whole number"))?;
                validate::line_qty(parsed)?;
                qty = Some(parsed);
            }
            "ship" => {
                ship = match value {
                    "partial" => Ship::Partial,
                    "complete" => Ship::Complete,
                    _ => return Err(ApiError::invalid("ship must be partial or complete")),
                }
            }
            _ => {}
        }
    }
    let today = product.ledger.today(now);
    let availability = product.ledger.availability(today);
    let doc = AvailabilityDoc::new(&product.sku, &product.name, &availability);
    let doc = match qty {
        Some(qty) => doc.with_quote(availability.quote(qty, ship, today)),
        None => doc,
    };
    Ok(Reply::json(200, &doc))
}

fn product_doc(product: &Product, now: Millis) -> ProductDoc {
    let ledger = &product.ledger;
    let availability = ledger.availability(ledger.today(now));
    let holds = ledger
        .holds()
        .filter(|hold| hold.state == HoldState::Held)
        .filter_map(|hold| ledger.hold_view(&hold.id))
        .map(|view| ReservationDoc::new(&product.sku, &view.id, &view))
        .collect();
    ProductDoc {
        sku: product.sku.clone(),
        name: product.name.clone(),
        status: availability.status().as_str().into(),
        on_hand: ledger.on_hand(),
        available_now: ledger.available_now(),
        received: ledger.stock().received,
        policy: PolicyDoc::from(ledger.policy()),
        holds,
        queue: queue_docs(ledger),
        purchase_orders: ledger.purchase_orders().iter().map(PurchaseOrderDoc::from).collect(),
    }
}

fn queue_docs(ledger: &Ledger) -> Vec<QueueItemDoc> {
    ledger
        .queue()
        .map(|item| {
            let promised = match item.owner {
                Owner::Order(id) => ledger.line_view(id).and_then(|line| line.quote.backorder_ship_date),
                Owner::Reservation(id) => {
                    ledger.hold_view(id).and_then(|hold| hold.quote.backorder_ship_date)
                }
            };
            QueueItemDoc::new(&item, promised, str::to_string)
        })
        .collect()
}

fn order_doc(sku: &str, view: &backorder_core::LineView) -> OrderDoc {
    OrderDoc {
        order_id: view.order_id.clone(),
        lines: vec![LineDoc::new(sku, view, view.reservation.clone())],
    }
}

fn allocation_doc(owner: &Owner, qty: u32) -> backorder_api::output::AllocationDoc {
    backorder_api::output::AllocationDoc::new(owner, qty, str::to_string)
}

#[wasm_bindgen::prelude::wasm_bindgen(inline_js = "
export function transaction_sync(storage, run) {
  try {
    storage.transactionSync(() => {
      if (!run()) throw new Error('rolled back');
    });
    return true;
  } catch (error) {
    return false;
  }
}")]
extern "C" {
    /// Runs `run` inside `storage.transactionSync`: its SQL writes commit together, or roll
    /// back together when it returns false.
    fn transaction_sync(storage: &wasm_bindgen::JsValue, run: &mut dyn FnMut() -> bool) -> bool;
}

fn wall_clock() -> Millis {
    js_sys::Date::now() as Millis
}

/// Unguessable bytes from the runtime's CSPRNG (`crypto.getRandomValues`).
fn random_bytes<const N: usize>() -> Result<[u8; N], ApiError> {
    let array = js_sys::Uint8Array::new_with_length(N as u32);
    let crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into())
        .map_err(|_| ApiError::new(500, "internal", "crypto is unavailable"))?;
    let fill = js_sys::Reflect::get(&crypto, &"getRandomValues".into())
        .map_err(|_| ApiError::new(500, "internal", "crypto.getRandomValues is unavailable"))?;
    js_sys::Function::from(fill)
        .call1(&crypto, &array)
        .map_err(|_| ApiError::new(500, "internal", "crypto.getRandomValues failed"))?;
    let mut bytes = [0u8; N];
    array.copy_to(&mut bytes);
    Ok(bytes)
}
