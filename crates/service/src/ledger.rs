//! One SKU's service: what its Durable Object does per request, over a [`Records`] store.
//!
//! The object loads the [`Product`] once per activation ([`load`]), and for each call runs
//! [`handle`] and then [`save`] inside one `transactionSync`: the core applies at most one
//! command, the reply (kept under its idempotency key when the core's keep-policy says so) and
//! every changed row are written together, or nothing is. Reservations no longer held and lines
//! with nothing waiting live only in storage; a call that names one brings it back first
//! (`Ledger::visit_hold`, `Ledger::visit_line`).

use backorder_api::ids::{reservation_id, TOKEN_BYTES};
use backorder_api::input::{OrderLineRequest, ShipDoc};
use backorder_api::output::{
    AllocationDoc, AvailabilityDoc, BackordersDoc, CancelDoc, EventDoc, LineDoc, OrderDoc, ProductDoc,
    ProductSummaryDoc, PurchaseOrderDoc, QueueItemDoc, ReceiptDoc, ReservationDoc,
};
use backorder_api::policy::{PolicyDoc, ProductInput};
use backorder_api::{validate, ApiError};
use backorder_core::replies::{self, ReplyStore, KEY_RETENTION_MS};
use backorder_core::{
    Command, Error, Hold, HoldState, Ledger, Line, LineView, Millis, Outcome, Owner, Policy,
};
use backorder_records::{
    decode, encode, HoldRecord, LineRecord, ProductRecord, PurchaseOrderRecord, StockRecord,
    PRODUCT_RECORD_VERSION,
};

use crate::protocol::{Fault, KeySpace, LedgerCall, LedgerOp, Reply};

/// A product: its SKU, name and ledger.
#[derive(Clone, Debug)]
pub struct Product {
    pub sku: String,
    pub name: String,
    pub ledger: Ledger,
    /// The name changed and the product row must be written.
    pub renamed: bool,
}

/// The rows a product is loaded from, as stored text: only what is open.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredProduct {
    pub product: String,
    pub stock: Option<String>,
    /// Reservations still held.
    pub holds: Vec<String>,
    /// Order lines with units waiting.
    pub lines: Vec<String>,
    pub purchase_orders: Vec<String>,
}

/// A kept reply: the request's fingerprint and the reply.
pub type KeptReply = (String, Reply);

/// One row to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Row<'a> {
    Product(&'a str),
    Stock(&'a str),
    /// `resolved_at`: when the reservation left `held`; it is then read only by id.
    Hold {
        id: &'a str,
        record: &'a str,
        resolved_at: Option<Millis>,
    },
    /// `settled`: nothing of the line waits; it is then read only by id.
    Line {
        order_id: &'a str,
        record: &'a str,
        settled: bool,
    },
    /// `record: None` deletes it.
    PurchaseOrder {
        id: &'a str,
        record: Option<&'a str>,
    },
    /// An event for the outbox, delivered to the feed after the change.
    Event {
        seq: u64,
        event: &'a str,
    },
    Reply {
        key: &'a str,
        fingerprint: &'a str,
        reply: &'a Reply,
        at: Millis,
    },
}

/// Where a SKU's records live: the Durable Object's SQLite, or maps in the tests. Reads and
/// writes of one call happen inside one transaction of the caller's.
pub trait Records {
    /// The product's open rows, or `None` if it was never created (reading writes nothing).
    fn load(&self) -> Result<Option<StoredProduct>, Fault>;
    /// A reservation's record, whatever its state.
    fn hold(&self, id: &str) -> Result<Option<String>, Fault>;
    /// An order line's record, open or settled.
    fn line(&self, order_id: &str) -> Result<Option<String>, Fault>;
    fn reply(&self, key: &str) -> Result<Option<KeptReply>, Fault>;
    fn write(&mut self, row: Row<'_>) -> Result<(), Fault>;
}

/// What a call needs from its shell besides the call: the ledger's clock, and fresh
/// randomness for a reservation id (used only by a reservation).
#[derive(Clone, Copy, Debug)]
pub struct Context {
    pub now: Millis,
    pub token: [u8; TOKEN_BYTES],
}

/// Rebuilds the product from its stored rows, checking every invariant.
pub fn load(records: &impl Records) -> Result<Option<Product>, Fault> {
    let Some(stored) = records.load()? else { return Ok(None) };
    let record: ProductRecord = decode(&stored.product).map_err(|e| Fault::new("the product record", e))?;
    let policy = record.policy.to_policy().map_err(|e| Fault::new("the stored policy", e))?;
    let stock: StockRecord =
        decode(stored.stock.as_deref().unwrap_or("")).map_err(|e| Fault::new("the stock record", e))?;
    let mut holds = Vec::with_capacity(stored.holds.len());
    for text in &stored.holds {
        holds.push(hold_record(text, &policy)?);
    }
    let mut lines = Vec::with_capacity(stored.lines.len());
    for text in &stored.lines {
        let record: LineRecord = decode(text).map_err(|e| Fault::new("a line record", e))?;
        lines.push(record.to_core(&policy));
    }
    let mut purchase_orders = Vec::with_capacity(stored.purchase_orders.len());
    for text in &stored.purchase_orders {
        let record: PurchaseOrderRecord =
            decode(text).map_err(|e| Fault::new("a purchase order record", e))?;
        purchase_orders.push((&record).into());
    }
    let ledger = Ledger::restore(policy, (&stock).into(), holds, lines, purchase_orders)
        .map_err(|broken| Fault::new("the stored ledger is inconsistent", broken))?;
    Ok(Some(Product { sku: record.sku, name: record.name, ledger, renamed: false }))
}

fn hold_record(text: &str, policy: &Policy) -> Result<(Hold, Option<backorder_core::Waiting>), Fault> {
    let record: HoldRecord = decode(text).map_err(|e| Fault::new("a reservation record", e))?;
    record.to_core(policy).map_err(|e| Fault::new("a reservation record", e))
}

/// Writes what the last command changed, and its events to the outbox; whether there were
/// events (to deliver after the transaction).
pub fn save(product: &mut Product, records: &mut impl Records) -> Result<bool, Fault> {
    let changes = product.ledger.take_changes();
    let events = product.ledger.take_events();
    let ledger = &product.ledger;
    if changes.policy || product.renamed {
        let record = ProductRecord {
            version: PRODUCT_RECORD_VERSION,
            sku: product.sku.clone(),
            name: product.name.clone(),
            policy: ledger.policy().into(),
        };
        records.write(Row::Product(&encode(&record)))?;
        product.renamed = false;
    }
    if changes.stock {
        records.write(Row::Stock(&encode(&StockRecord::from(ledger.stock()))))?;
    }
    for id in &changes.holds {
        if let Some((hold, waiting)) = ledger.hold_record(id) {
            write_hold(records, &hold, waiting)?;
        }
    }
    for hold in &changes.resolved_holds {
        write_hold(records, hold, None)?;
    }
    for order_id in &changes.lines {
        if let Some((line, waiting)) = ledger.line_record(order_id) {
            let record = encode(&LineRecord::new(&line, waiting));
            records.write(Row::Line { order_id, record: &record, settled: false })?;
        }
    }
    for line in &changes.settled_lines {
        let record = encode(&LineRecord::new(line, None));
        records.write(Row::Line { order_id: &line.order_id, record: &record, settled: true })?;
    }
    for id in &changes.purchase_orders {
        let record = ledger
            .purchase_orders()
            .iter()
            .find(|po| &po.id == id)
            .map(|po| encode(&PurchaseOrderRecord::from(po)));
        records.write(Row::PurchaseOrder { id, record: record.as_deref() })?;
    }
    for event in &events {
        let doc = encode(&EventDoc::new(&product.sku, event));
        records.write(Row::Event { seq: event.seq, event: &doc })?;
    }
    Ok(!events.is_empty())
}

fn write_hold(
    records: &mut impl Records,
    hold: &Hold,
    waiting: Option<backorder_core::Waiting>,
) -> Result<(), Fault> {
    let record = encode(&HoldRecord::new(hold, waiting));
    records.write(Row::Hold { id: &hold.id, record: &record, resolved_at: hold.resolved_at })
}

/// Lets time pass to `now` (the alarm's work): expired holds go back to stock.
pub fn advance(product: &mut Product, now: Millis) {
    product.ledger.advance(now);
}

/// Answers one call. `slot` is the loaded product (`None`: never created). A [`Fault`] means
/// storage failed: the caller rolls the transaction back and reloads.
pub fn handle(
    slot: &mut Option<Product>,
    records: &mut impl Records,
    call: LedgerCall,
    cx: Context,
) -> Result<Reply, Fault> {
    let now = cx.now;
    let LedgerCall { sku, key, client, op, .. } = call;
    let Some(product) = slot.as_mut() else {
        return Ok(match op {
            LedgerOp::PutProduct { input } => create_product(slot, &sku, &input, now),
            _ => ApiError::not_found("no such product").into(),
        });
    };
    product.ledger.advance(now);
    Ok(match op {
        LedgerOp::PutProduct { input } => update_product(product, &input, now),
        LedgerOp::Availability { qty, ship } => Reply::json(200, &availability(product, now, qty, ship)),
        LedgerOp::Reserve { qty, ship } => {
            let Some(key) = key else {
                return Ok(ApiError::invalid("Idempotency-Key header is required").into());
            };
            let command =
                Command::Reserve { id: reservation_id(&cx.token, &sku), qty, ship: ship.into(), client };
            keyed(records, &KeySpace::Reservation.key(&key), command, now, |command| {
                let outcome = product.ledger.apply(now, command);
                let reply = match &outcome {
                    Ok(Outcome::Reserved(view)) => {
                        let mut doc = ReservationDoc::new(&product.sku, view);
                        doc.availability = Some(availability(product, now, None, ShipDoc::Partial));
                        Reply::json(201, &doc)
                    }
                    other => unexpected(other),
                };
                (outcome, reply)
            })?
        }
        LedgerOp::GetReservation { id } => match reservation_view(product, records, &id, now)? {
            Some(view) => Reply::json(200, &ReservationDoc::new(&product.sku, &view)),
            None => ApiError::not_found("no such reservation").into(),
        },
        LedgerOp::Release { id } => {
            visit_hold(product, records, &id, now)?;
            match product.ledger.apply(now, Command::Release { id }) {
                Ok(Outcome::Released(view)) => Reply::json(200, &ReservationDoc::new(&product.sku, &view)),
                other => unexpected(&other),
            }
        }
        LedgerOp::GetProduct => Reply::json(200, &product_doc(product, now)),
        LedgerOp::Summary => Reply::json(200, &summary(product, now)),
        LedgerOp::Backorders => {
            Reply::json(200, &BackordersDoc { sku: product.sku.clone(), lines: queue_docs(&product.ledger) })
        }
        LedgerOp::Receive { receipt } => {
            let command = receipt.command();
            let mut run = |command| {
                let outcome = product.ledger.apply(now, command);
                let reply = match &outcome {
                    Ok(Outcome::Received { allocations, on_hand }) => {
                        let allocated =
                            allocations.iter().map(|a| AllocationDoc::new(&a.owner, a.qty)).collect();
                        Reply::json(200, &ReceiptDoc { allocated, on_hand: *on_hand })
                    }
                    other => unexpected(other),
                };
                (outcome, reply)
            };
            match key {
                Some(key) => keyed(records, &KeySpace::Receipt.key(&key), command, now, run)?,
                None => run(command).1,
            }
        }
        LedgerOp::SetPurchaseOrder { po_id, order } => {
            let existed = product.ledger.purchase_orders().iter().any(|po| po.id == po_id);
            let command =
                Command::SetPurchaseOrder { id: po_id, qty: order.qty, expected: order.expected_date };
            match product.ledger.apply(now, command) {
                Ok(Outcome::PurchaseOrderSet(po)) => {
                    Reply::json(if existed { 200 } else { 201 }, &PurchaseOrderDoc::from(&po))
                }
                other => unexpected(&other),
            }
        }
        LedgerOp::CancelPurchaseOrder { po_id } => {
            match product.ledger.apply(now, Command::CancelPurchaseOrder { id: po_id }) {
                Ok(Outcome::PurchaseOrderCancelled(po)) => Reply::json(200, &PurchaseOrderDoc::from(&po)),
                other => unexpected(&other),
            }
        }
        LedgerOp::Confirm { order_id, line } => confirm(product, records, &order_id, &line, now)?,
        LedgerOp::GetOrder { order_id } => match line_view(product, records, &order_id)? {
            Some(view) => Reply::json(200, &order_doc(product, &view)),
            None => ApiError::not_found("no such order").into(),
        },
        LedgerOp::Prepare { order_id, attempt, line } => {
            let command = Command::Prepare {
                order_id: order_id.clone(),
                id: reservation_id(&cx.token, &sku),
                qty: line.qty,
                ship: line.ship.map(Into::into),
                reservation: line.reservation_id.clone(),
            };
            if let Some(id) = command.reservation_id() {
                visit_hold(product, records, id, now)?;
            }
            let key = KeySpace::Prepare.key(&format!("{order_id}#{attempt}"));
            keyed(records, &key, command, now, |command| {
                let outcome = product.ledger.apply(now, command);
                let reply = match &outcome {
                    Ok(Outcome::Prepared(view)) => Reply::json(201, &ReservationDoc::new(&product.sku, view)),
                    other => unexpected(other),
                };
                (outcome, reply)
            })?
        }
        LedgerOp::Abort { order_id, hold_id } => {
            visit_hold(product, records, &hold_id, now)?;
            match product.ledger.apply(now, Command::Abort { order_id, id: hold_id }) {
                Ok(Outcome::Aborted(view)) => Reply::json(200, &ReservationDoc::new(&product.sku, &view)),
                other => unexpected(&other),
            }
        }
        LedgerOp::AnswerDelay { order_id, accept } => {
            visit_line(product, records, &order_id)?;
            match product.ledger.apply(now, Command::AnswerDelay { order_id, accept }) {
                Ok(Outcome::DelayAnswered(view)) => Reply::json(200, &order_doc(product, &view)),
                other => unexpected(&other),
            }
        }
        LedgerOp::Cancel { order_id, scope } => {
            visit_line(product, records, &order_id)?;
            match product
                .ledger
                .apply(now, Command::Cancel { order_id: order_id.clone(), scope: scope.into() })
            {
                Ok(Outcome::Cancelled { cancellation, .. }) => {
                    Reply::json(200, &CancelDoc::new(&order_id, &product.sku, &cancellation))
                }
                other => unexpected(&other),
            }
        }
    })
}

/// Confirms one line as order `order_id`: the reservation it names (and a settled line of the
/// same id) come back from storage first; the order id is its idempotency key.
fn confirm(
    product: &mut Product,
    records: &mut impl Records,
    order_id: &str,
    line: &OrderLineRequest,
    now: Millis,
) -> Result<Reply, Fault> {
    let command = line.command(order_id);
    if let Some(id) = command.reservation_id() {
        visit_hold(product, records, id, now)?;
    }
    visit_line(product, records, order_id)?;
    keyed(records, &KeySpace::Order.key(order_id), command, now, |command| {
        let outcome = product.ledger.apply(now, command);
        let reply = match &outcome {
            Ok(Outcome::Confirmed(view)) => Reply::json(201, &order_doc(product, view)),
            other => unexpected(other),
        };
        (outcome, reply)
    })
}

/// Creates the product: 201, with `on_hand` required.
fn create_product(slot: &mut Option<Product>, sku: &str, input: &ProductInput, now: Millis) -> Reply {
    if let Err(error) = check_product_input(input) {
        return error.into();
    }
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
    let name = input.name.clone().unwrap_or_else(|| sku.to_string());
    let product = slot.insert(Product { sku: sku.into(), name, ledger, renamed: true });
    Reply::json(201, &product_doc(product, now))
}

/// Updates the product: 200; absent fields keep their values.
fn update_product(product: &mut Product, input: &ProductInput, now: Millis) -> Reply {
    if let Err(error) = check_product_input(input) {
        return error.into();
    }
    let policy = match input.merge(&PolicyDoc::from(product.ledger.policy())).to_policy() {
        Ok(policy) => policy,
        Err(error) => return error.into(),
    };
    if let Err(error) = product.ledger.apply(now, Command::Configure { policy, on_hand: input.on_hand }) {
        return error.into();
    }
    if let Some(name) = &input.name {
        product.renamed = product.name != *name;
        product.name = name.clone();
    }
    Reply::json(200, &product_doc(product, now))
}

fn check_product_input(input: &ProductInput) -> Result<(), ApiError> {
    input.checked_name()?;
    match input.on_hand {
        Some(on_hand) => validate::stock_qty(on_hand, "on_hand"),
        None => Ok(()),
    }
}

/// The ledger's kept replies, as the core's idempotency rule sees them.
struct Replies<'a, R: Records>(&'a mut R);

impl<R: Records> ReplyStore for Replies<'_, R> {
    type Reply = Reply;
    type Fault = Fault;

    fn find(&self, key: &str) -> Result<Option<(String, Reply)>, Fault> {
        self.0.reply(key)
    }

    fn keep(&mut self, key: &str, fingerprint: &str, reply: &Reply, at: Millis) -> Result<(), Fault> {
        self.0.write(Row::Reply { key, fingerprint, reply, at })
    }
}

/// Runs `command` once per idempotency key, by the core's rule: a repeat gets the first reply
/// byte for byte, another request under the key 422.
fn keyed(
    records: &mut impl Records,
    key: &str,
    command: Command,
    now: Millis,
    run: impl FnOnce(Command) -> (Result<Outcome, Error>, Reply),
) -> Result<Reply, Fault> {
    let (fingerprint, keep) = (command.fingerprint(), command.keep());
    let answer = replies::once(&mut Replies(records), key, &fingerprint, keep, now, || run(command))?;
    Ok(answer.unwrap_or_else(|| ApiError::key_reused().into()))
}

fn unexpected(result: &Result<Outcome, Error>) -> Reply {
    match result {
        Err(error) => error.clone().into(),
        Ok(_) => ApiError::new(500, "internal", "the ledger answered with an unexpected outcome").into(),
    }
}

/// A reservation resolved within the last day, from storage (held ones are all in memory).
/// The record decides, not the row's `resolved_at`: rows stored before that column existed
/// get it only when the first request after the upgrade commits.
fn resolved_hold(
    product: &Product,
    records: &impl Records,
    id: &str,
    now: Millis,
) -> Result<Option<Hold>, Fault> {
    // Resolved by this call (time passed before its command) and not yet stored.
    let unsaved = product.ledger.changes().resolved_holds.iter().rev().find(|hold| hold.id == id);
    let hold = match unsaved {
        Some(hold) => hold.clone(),
        None => {
            let Some(text) = records.hold(id)? else { return Ok(None) };
            hold_record(&text, product.ledger.policy())?.0
        }
    };
    let recent = hold.resolved_at.is_some_and(|at| at >= now - KEY_RETENTION_MS);
    Ok((recent && hold.state != HoldState::Held).then_some(hold))
}

fn reservation_view(
    product: &Product,
    records: &impl Records,
    id: &str,
    now: Millis,
) -> Result<Option<backorder_core::HoldView>, Fault> {
    if let Some(view) = product.ledger.hold_view(id) {
        return Ok(Some(view));
    }
    Ok(resolved_hold(product, records, id, now)?.map(|hold| product.ledger.view_hold(&hold)))
}

/// Brings back the resolved reservation a command names, so the ledger can answer for it.
fn visit_hold(product: &mut Product, records: &impl Records, id: &str, now: Millis) -> Result<(), Fault> {
    if product.ledger.hold_view(id).is_some() {
        return Ok(());
    }
    match resolved_hold(product, records, id, now)? {
        Some(hold) => {
            product.ledger.visit_hold(hold).map_err(|broken| Fault::new("a stored reservation", broken))
        }
        None => Ok(()),
    }
}

/// A settled line's record, from storage (open ones are all in memory). Like
/// `resolved_hold`, the record decides, not the row's `settled` column.
fn settled_line(product: &Product, records: &impl Records, order_id: &str) -> Result<Option<Line>, Fault> {
    // Settled by this call (a delay lapsed before its command) and not yet stored.
    if let Some(line) =
        product.ledger.changes().settled_lines.iter().rev().find(|line| line.order_id == order_id)
    {
        return Ok(Some(line.clone()));
    }
    let Some(text) = records.line(order_id)? else { return Ok(None) };
    let record: LineRecord = decode(&text).map_err(|e| Fault::new("a line record", e))?;
    Ok(Some(record.to_core(product.ledger.policy()).0))
}

fn line_view(product: &Product, records: &impl Records, order_id: &str) -> Result<Option<LineView>, Fault> {
    if let Some(view) = product.ledger.line_view(order_id) {
        return Ok(Some(view));
    }
    Ok(settled_line(product, records, order_id)?.map(|line| product.ledger.settled_view(&line)))
}

/// Brings back the settled line a command names, so the ledger can act on it (or see that the
/// order exists).
fn visit_line(product: &mut Product, records: &impl Records, order_id: &str) -> Result<(), Fault> {
    if product.ledger.line_view(order_id).is_some() {
        return Ok(());
    }
    match settled_line(product, records, order_id)? {
        Some(line) => product.ledger.visit_line(line).map_err(|broken| Fault::new("a stored line", broken)),
        None => Ok(()),
    }
}

fn availability(product: &Product, now: Millis, qty: Option<u32>, ship: ShipDoc) -> AvailabilityDoc {
    let today = product.ledger.today(now);
    let availability = product.ledger.availability(today);
    let doc = AvailabilityDoc::new(&product.sku, &product.name, &availability);
    match qty {
        Some(qty) => doc.with_quote(availability.quote(qty, ship.into(), today)),
        None => doc,
    }
}

fn summary(product: &Product, now: Millis) -> ProductSummaryDoc {
    let ledger = &product.ledger;
    let queue = queue_docs(ledger);
    ProductSummaryDoc {
        sku: product.sku.clone(),
        name: product.name.clone(),
        status: ledger.availability(ledger.today(now)).status().as_str().into(),
        on_hand: ledger.on_hand(),
        available_now: ledger.available_now(),
        backordered: queue.iter().fold(0, |sum: u32, item| sum.saturating_add(item.qty)),
        slipped: queue.iter().filter(|item| item.slipped()).count() as u32,
    }
}

fn product_doc(product: &Product, now: Millis) -> ProductDoc {
    let ledger = &product.ledger;
    let holds = ledger
        .holds()
        .filter(|hold| hold.state == HoldState::Held)
        .filter_map(|hold| ledger.hold_view(&hold.id))
        .map(|view| ReservationDoc::new(&product.sku, &view))
        .collect();
    ProductDoc {
        sku: product.sku.clone(),
        name: product.name.clone(),
        status: ledger.availability(ledger.today(now)).status().as_str().into(),
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
            QueueItemDoc::new(&item, promised)
        })
        .collect()
}

fn order_doc(product: &Product, view: &LineView) -> OrderDoc {
    let line = LineDoc::new(&product.sku, &product.name, view, view.reservation.clone());
    OrderDoc { order_id: view.order_id.clone(), lines: vec![line], status_token: None, status_url: None }
}
