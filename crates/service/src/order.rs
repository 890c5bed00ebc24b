//! An order's coordinator: a multi-SKU order, all or nothing, in two phases.
//!
//! Its Durable Object (one per order id) records the plan, then asks each SKU's ledger to hold
//! its line (`LedgerOp::Prepare`) and, once every line holds, to confirm it
//! (`LedgerOp::Confirm` naming the hold); if any line is refused, every hold it placed is
//! released (`LedgerOp::Abort`) and the answer names the refusing line. Each step is
//! idempotent at the ledger (a prepare's reply is kept under `prepare:<order>#<attempt>`, a
//! confirm's under the order id, an abort changes nothing twice), and the record is written
//! after every answer, so whoever drives an unfinished order — the request, a retry, or the
//! object's alarm after a crash — takes it to the same end: committed if every prepare
//! succeeded, else aborted. No crash leaves part of an order confirmed and part not.
//!
//! This module is the decision, sans-IO: [`place`] decides what a request does with what is
//! stored; an [`Order`] says which calls to make ([`Order::calls`]), takes their answers
//! ([`Order::answered`]) and moves on ([`Order::advance`]).

use backorder_api::input::{OrderLineRequest, OrderRequest, ShipDoc};
use backorder_api::output::{EventBody, EventDoc, LineDoc, OrderDoc, OrderedLineDoc, ReservationDoc};
use backorder_api::ApiError;
use backorder_core::Millis;
use backorder_records::{
    LineStepRecord, OrderRecord, OrderStateRecord, PlannedLineRecord, ShipRecord, ORDER_RECORD_VERSION,
};
use sha2::{Digest, Sha256};

use crate::protocol::{LedgerCall, LedgerOp, Reply};

/// Bytes of randomness in a status token (128 bits).
pub const STATUS_TOKEN_BYTES: usize = 16;

/// What a placement request does with what the coordinator holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Drive this order (new, or unfinished and the same request) to its end.
    Drive(OrderRecord),
    /// The answer, with nothing to do.
    Answer(Reply),
}

/// The canonical text of an order request: the same lines in another order are the same order.
pub fn fingerprint(request: &OrderRequest) -> String {
    let mut lines: Vec<String> = request
        .lines
        .iter()
        .map(|line| {
            let ship = match line.ship {
                None => "",
                Some(ShipDoc::Partial) => "partial",
                Some(ShipDoc::Complete) => "complete",
            };
            format!("{}|{}|{ship}|{}", line.sku, line.qty, line.reservation_id.as_deref().unwrap_or(""))
        })
        .collect();
    lines.sort();
    lines.join(";")
}

/// Decides what a `POST /v1/orders` does given the stored record: an order once created
/// replays its answer for the same request and refuses any other with 422, for good; one being
/// placed is driven on by the same request and refused (409) to another; a refused one frees
/// its id for a new placement.
pub fn place(stored: Option<OrderRecord>, request: &OrderRequest, now: Millis) -> Placement {
    let fingerprint = fingerprint(request);
    match stored {
        Some(record) if record.state == OrderStateRecord::Committed => {
            match record.fingerprint == fingerprint {
                true => Placement::Answer(Reply { status: 201, body: record.answer.unwrap_or_default() }),
                false => Placement::Answer(ApiError::key_reused().into()),
            }
        }
        Some(record) if record.state != OrderStateRecord::Aborted => {
            match record.fingerprint == fingerprint {
                true => Placement::Drive(record),
                false => Placement::Answer(
                    ApiError::new(
                        409,
                        "order_in_progress",
                        "an order with this id is being placed; retry shortly",
                    )
                    .into(),
                ),
            }
        }
        previous => Placement::Drive(OrderRecord {
            version: ORDER_RECORD_VERSION,
            order_id: request.order_id.clone(),
            attempt: previous.as_ref().map_or(1, |record| record.attempt + 1),
            fingerprint,
            state: OrderStateRecord::Preparing,
            created_at: now,
            lines: request
                .lines
                .iter()
                .map(|line| PlannedLineRecord {
                    sku: line.sku.clone(),
                    qty: line.qty,
                    ship: line.ship.map(|ship| match ship {
                        ShipDoc::Partial => ShipRecord::Partial,
                        ShipDoc::Complete => ShipRecord::Complete,
                    }),
                    reservation_id: line.reservation_id.clone(),
                    step: LineStepRecord::Pending,
                })
                .collect(),
            token_hash: previous.as_ref().and_then(|record| record.token_hash.clone()),
            answer: None,
            event_seq: previous.map_or(0, |record| record.event_seq),
        }),
    }
}

/// An order being driven, or decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    pub record: OrderRecord,
    /// Events to put in the coordinator's outbox, with the record.
    events: Vec<EventDoc>,
}

impl Order {
    pub fn new(record: OrderRecord) -> Order {
        Order { record, events: Vec::new() }
    }

    /// Whether the order has reached its end: created, or refused.
    pub fn decided(&self) -> bool {
        matches!(self.record.state, OrderStateRecord::Committed | OrderStateRecord::Aborted)
    }

    /// The ledger calls this phase still needs, with the index of the line each is for.
    pub fn calls(&self, now: Option<Millis>) -> Vec<(usize, LedgerCall)> {
        let record = &self.record;
        let call = |line: &PlannedLineRecord, op| LedgerCall {
            sku: line.sku.clone(),
            now,
            key: None,
            client: None,
            op,
        };
        record
            .lines
            .iter()
            .enumerate()
            .filter_map(|(index, line)| {
                let op = match (record.state, &line.step) {
                    (OrderStateRecord::Preparing, LineStepRecord::Pending) => LedgerOp::Prepare {
                        order_id: record.order_id.clone(),
                        attempt: record.attempt,
                        line: request_line(line, line.reservation_id.clone()),
                    },
                    (OrderStateRecord::Committing, LineStepRecord::Prepared { hold_id }) => {
                        LedgerOp::Confirm {
                            order_id: record.order_id.clone(),
                            line: request_line(line, Some(hold_id.clone())),
                        }
                    }
                    (OrderStateRecord::Aborting, LineStepRecord::Prepared { hold_id }) => {
                        LedgerOp::Abort { order_id: record.order_id.clone(), hold_id: hold_id.clone() }
                    }
                    _ => return None,
                };
                Some((index, call(line, op)))
            })
            .collect()
    }

    /// Takes a ledger's answer to the call made for line `index`. A server error changes
    /// nothing: the call is made again.
    pub fn answered(&mut self, index: usize, reply: &Reply) {
        let state = self.record.state;
        let Some(line) = self.record.lines.get_mut(index) else { return };
        if reply.status >= 500 {
            return;
        }
        line.step = match (state, &line.step) {
            (OrderStateRecord::Preparing, LineStepRecord::Pending) => {
                match serde_json::from_str::<ReservationDoc>(&reply.body) {
                    Ok(hold) if reply.status == 201 => LineStepRecord::Prepared { hold_id: hold.id },
                    _ => LineStepRecord::Refused { status: reply.status, body: reply.body.clone() },
                }
            }
            (OrderStateRecord::Committing, LineStepRecord::Prepared { hold_id }) if reply.status == 201 => {
                let committed = serde_json::from_str::<OrderDoc>(&reply.body)
                    .ok()
                    .and_then(|doc| doc.lines.into_iter().next());
                match committed.and_then(|line| serde_json::to_string(&line).ok()) {
                    Some(line) => LineStepRecord::Committed { hold_id: hold_id.clone(), line },
                    None => return,
                }
            }
            (OrderStateRecord::Aborting, LineStepRecord::Prepared { hold_id }) if reply.status == 200 => {
                LineStepRecord::Aborted { hold_id: hold_id.clone() }
            }
            // A prepared hold cannot be refused its commit or abort by the core's rules; if a
            // ledger did, the call is made again rather than the order left half done.
            _ => return,
        };
    }

    /// Moves to the next phase once every line has answered this one: all prepared → commit,
    /// any refused → abort what was prepared; all committed → created (with the answer, a new
    /// status token's hash and an `order_created` event); all aborted → refused. Returns the
    /// answer for the request that created the order, with its status token (shown only then).
    pub fn advance(&mut self, now: Millis, token: &[u8; STATUS_TOKEN_BYTES], origin: &str) -> Option<Reply> {
        loop {
            let lines = &self.record.lines;
            let all = |step: fn(&LineStepRecord) -> bool| lines.iter().all(|line| step(&line.step));
            let next = match self.record.state {
                OrderStateRecord::Preparing if all(|step| !matches!(step, LineStepRecord::Pending)) => {
                    match all(|step| matches!(step, LineStepRecord::Prepared { .. })) {
                        true => OrderStateRecord::Committing,
                        false => OrderStateRecord::Aborting,
                    }
                }
                OrderStateRecord::Committing
                    if all(|step| matches!(step, LineStepRecord::Committed { .. })) =>
                {
                    return Some(self.created(now, token, origin));
                }
                OrderStateRecord::Aborting
                    if all(|step| !matches!(step, LineStepRecord::Prepared { .. })) =>
                {
                    OrderStateRecord::Aborted
                }
                _ => return None,
            };
            self.record.state = next;
        }
    }

    fn created(&mut self, now: Millis, token: &[u8; STATUS_TOKEN_BYTES], origin: &str) -> Reply {
        let lines: Vec<LineDoc> = self
            .record
            .lines
            .iter()
            .filter_map(|line| match &line.step {
                LineStepRecord::Committed { line, .. } => serde_json::from_str(line).ok(),
                _ => None,
            })
            .collect();
        let ordered = lines
            .iter()
            .map(|line| OrderedLineDoc {
                sku: line.sku.clone(),
                qty: line.qty,
                now: line.now,
                backorder: line.backorder,
            })
            .collect();
        let mut doc =
            OrderDoc { order_id: self.record.order_id.clone(), lines, status_token: None, status_url: None };
        self.record.state = OrderStateRecord::Committed;
        self.record.answer = serde_json::to_string(&doc).ok();
        self.record.event_seq += 1;
        self.events.push(EventDoc {
            sku: None,
            seq: self.record.event_seq,
            at: now,
            body: EventBody::OrderCreated { order_id: self.record.order_id.clone(), lines: ordered },
        });
        let (token, url) = self.issue_token(token, origin);
        doc.status_token = Some(token);
        doc.status_url = Some(url);
        Reply::json(201, &doc)
    }

    /// A new status token (its hash replaces the old one's) and the status page's address.
    pub fn issue_token(&mut self, token: &[u8; STATUS_TOKEN_BYTES], origin: &str) -> (String, String) {
        let token = hex::encode(token);
        self.record.token_hash = Some(hex::encode(Sha256::digest(token.as_bytes())));
        let url = status_url(origin, &self.record.order_id, &token);
        (token, url)
    }

    /// The answer of a decided order that did not just get created: its document (without a
    /// token) or the refusal naming the refusing line.
    pub fn answer(&self) -> Reply {
        match self.record.state {
            OrderStateRecord::Committed => {
                Reply { status: 201, body: self.record.answer.clone().unwrap_or_default() }
            }
            OrderStateRecord::Aborted => self.refusal(),
            _ => ApiError::new(503, "order_unfinished", "the order is being placed; retry shortly").into(),
        }
    }

    /// The first refused line's answer, naming the line.
    fn refusal(&self) -> Reply {
        for (index, line) in self.record.lines.iter().enumerate() {
            if let LineStepRecord::Refused { status, body } = &line.step {
                let error = refused(*status, body).for_line(index, &line.sku);
                return error.into();
            }
        }
        ApiError::new(409, "order_refused", "the order was refused").into()
    }

    /// Events made since the last call, for the coordinator's outbox.
    pub fn take_events(&mut self) -> Vec<EventDoc> {
        std::mem::take(&mut self.events)
    }

    /// Whether `token` is the order's status token (compared as hashes, in constant time).
    pub fn token_matches(&self, token: &str) -> bool {
        use subtle::ConstantTimeEq;
        let presented = hex::encode(Sha256::digest(token.as_bytes()));
        self.record
            .token_hash
            .as_ref()
            .is_some_and(|stored| bool::from(presented.as_bytes().ct_eq(stored.as_bytes())))
    }

    /// The lines of a created order: (SKU) for each, in the order placed.
    pub fn skus(&self) -> impl Iterator<Item = &str> {
        self.record.lines.iter().map(|line| line.sku.as_str())
    }
}

/// The customer's status page: the edge's `/order/` page, the order and token in the
/// fragment (never sent to a server, never in a Referer).
pub fn status_url(origin: &str, order_id: &str, token: &str) -> String {
    let order: String = form_urlencoded::byte_serialize(order_id.as_bytes()).collect();
    format!("{origin}/order/#order={order}&token={token}")
}

/// A ledger's refusal as an error to pass on.
fn refused(status: u16, body: &str) -> ApiError {
    #[derive(serde::Deserialize)]
    struct Body {
        error: Detail,
    }
    #[derive(serde::Deserialize)]
    struct Detail {
        code: String,
        message: String,
    }
    match serde_json::from_str::<Body>(body) {
        Ok(Body { error }) => {
            // The codes a ledger answers with are the API's own, from a fixed set.
            let code = backorder_api::error::known_code(&error.code).unwrap_or("order_refused");
            ApiError::new(status, code, error.message)
        }
        Err(_) => ApiError::new(status, "order_refused", "the line was refused"),
    }
}

fn request_line(line: &PlannedLineRecord, reservation_id: Option<String>) -> OrderLineRequest {
    OrderLineRequest {
        sku: line.sku.clone(),
        qty: line.qty,
        reservation_id,
        ship: line.ship.map(|ship| match ship {
            ShipRecord::Partial => ShipDoc::Partial,
            ShipRecord::Complete => ShipDoc::Complete,
        }),
    }
}
