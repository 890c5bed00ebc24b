//! Response documents, built from core values. Internal callers read them back (the edge
//! reads a SKU's summary, the widget its availability), so each is `Deserialize` too.

use std::borrow::Cow;

use backorder_core::{
    Availability, Calendar, Cancellation, Date, Delay, DelayAnswer, Event, EventRecord, HoldView, LineView,
    Lot, Millis, Owner, PurchaseOrder, QueueItem, Quote, Refusal, Snapshot, Weekdays,
};

use serde::{Deserialize, Serialize};
use serde_with::{serde_as, DisplayFromStr};

use crate::error::ApiError;
use crate::input::ShipDoc;
use crate::policy::PolicyDoc;

#[serde_as]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteDoc {
    pub qty: u32,
    pub now: u32,
    pub backorder: u32,
    #[serde_as(as = "Option<DisplayFromStr>")]
    pub ship_date: Option<Date>,
    #[serde_as(as = "Option<DisplayFromStr>")]
    pub backorder_ship_date: Option<Date>,
}

impl From<Quote> for QuoteDoc {
    fn from(q: Quote) -> QuoteDoc {
        QuoteDoc {
            qty: q.qty,
            now: q.now,
            backorder: q.backorder,
            ship_date: q.ship_date,
            backorder_ship_date: q.backorder_ship_date,
        }
    }
}

impl From<QuoteDoc> for Quote {
    fn from(q: QuoteDoc) -> Quote {
        Quote {
            qty: q.qty,
            now: q.now,
            backorder: q.backorder,
            ship_date: q.ship_date,
            backorder_ship_date: q.backorder_ship_date,
        }
    }
}

#[serde_as]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LotDoc {
    #[serde_as(as = "DisplayFromStr")]
    pub date: Date,
    pub qty: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackorderTermsDoc {
    pub allowed: bool,
    /// Units that may still be backordered; null = unlimited.
    pub remaining: Option<u32>,
    pub lead_time_days: Option<u32>,
}

#[serde_as]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarDoc {
    pub handling_days: u32,
    pub ship_weekdays: Vec<u8>,
    #[serde_as(as = "Vec<DisplayFromStr>")]
    pub holidays: Vec<Date>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteErrorDoc {
    pub code: String,
    pub message: String,
}

/// `GET /v1/skus/{sku}/availability`: everything needed to quote any quantity with the core.
#[serde_as]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvailabilityDoc {
    pub sku: String,
    pub name: String,
    pub status: String,
    /// schema.org ItemAvailability name.
    pub schema_org: String,
    pub available_now: u32,
    /// Most units one order can take; null = unlimited.
    pub max_qty: Option<u32>,
    pub backorder: BackorderTermsDoc,
    #[serde_as(as = "DisplayFromStr")]
    pub today: Date,
    pub calendar: CalendarDoc,
    #[serde_as(as = "Option<DisplayFromStr>")]
    pub release_date: Option<Date>,
    pub discontinued: bool,
    pub low_stock_threshold: u32,
    /// Scheduled supply nobody has been promised yet.
    pub supply: Vec<LotDoc>,
    /// The last scheduled purchase order's date: units beyond all supply never come sooner.
    #[serde_as(as = "Option<DisplayFromStr>")]
    pub supply_horizon: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<QuoteDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_error: Option<QuoteErrorDoc>,
}

impl AvailabilityDoc {
    pub fn new(sku: &str, name: &str, availability: &Availability<'_>) -> AvailabilityDoc {
        let published = availability.published();
        let status = published.status();
        AvailabilityDoc {
            sku: sku.into(),
            name: name.into(),
            status: status.as_str().into(),
            schema_org: status.schema_org().into(),
            available_now: published.available_now,
            max_qty: published.max_orderable(),
            backorder: BackorderTermsDoc {
                allowed: published.takes_backorders,
                remaining: published.backorder_remaining,
                lead_time_days: published.lead_time_days,
            },
            today: published.today,
            calendar: CalendarDoc {
                handling_days: published.calendar.handling_days,
                ship_weekdays: published.calendar.ship_weekdays.iter().collect(),
                holidays: published.calendar.holidays().to_vec(),
            },
            release_date: published.release_date,
            discontinued: published.discontinued,
            low_stock_threshold: published.low_stock_threshold,
            supply: published.supply.iter().map(|lot| LotDoc { date: lot.date, qty: lot.qty }).collect(),
            supply_horizon: published.supply_horizon,
            quote: None,
            quote_error: None,
        }
    }

    pub fn with_quote(mut self, quote: Result<Quote, Refusal>) -> AvailabilityDoc {
        match quote {
            Ok(quote) => self.quote = Some(quote.into()),
            Err(refusal) => {
                let error = ApiError::from(refusal);
                self.quote_error = Some(QuoteErrorDoc { code: error.code.into(), message: error.message });
            }
        }
        self
    }

    /// The snapshot this document describes, as the widget rebuilds it to quote locally.
    pub fn to_snapshot(&self) -> Option<Snapshot> {
        let weekdays = Weekdays::from_iso(&self.calendar.ship_weekdays)?;
        Some(Availability {
            today: self.today,
            available_now: self.available_now,
            takes_backorders: self.backorder.allowed,
            backorder_remaining: self.backorder.remaining,
            lead_time_days: self.backorder.lead_time_days,
            release_date: self.release_date,
            discontinued: self.discontinued,
            low_stock_threshold: self.low_stock_threshold,
            calendar: Cow::Owned(Calendar::new(
                self.calendar.handling_days,
                weekdays,
                self.calendar.holidays.clone(),
            )),
            supply: Cow::Owned(self.supply.iter().map(|lot| Lot { date: lot.date, qty: lot.qty }).collect()),
            promised: 0,
            supply_horizon: self.supply_horizon,
        })
    }
}

/// A reservation: `POST /v1/reservations` and `GET /v1/reservations/{id}`.
#[serde_as]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservationDoc {
    pub id: String,
    pub sku: String,
    pub qty: u32,
    pub now: u32,
    pub backorder: u32,
    pub ship: ShipDoc,
    #[serde_as(as = "Option<DisplayFromStr>")]
    pub ship_date: Option<Date>,
    #[serde_as(as = "Option<DisplayFromStr>")]
    pub backorder_ship_date: Option<Date>,
    pub status: String,
    #[serde(with = "crate::time::rfc3339")]
    pub expires_at: Millis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// With a new reservation: the SKU's availability after it, so a page need not ask again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<AvailabilityDoc>,
}

impl ReservationDoc {
    pub fn new(sku: &str, view: &HoldView) -> ReservationDoc {
        ReservationDoc {
            id: view.id.clone(),
            sku: sku.into(),
            qty: view.quote.qty,
            now: view.quote.now,
            backorder: view.quote.backorder,
            ship: view.ship.into(),
            ship_date: view.quote.ship_date,
            backorder_ship_date: view.quote.backorder_ship_date,
            status: view.state.as_str().into(),
            expires_at: view.expires_at,
            order_id: view.state.order_id().map(str::to_string),
            availability: None,
        }
    }
}

/// One order line as `POST /v1/orders` and the order views show it.
#[serde_as]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineDoc {
    pub sku: String,
    /// The product's name.
    #[serde(default)]
    pub name: String,
    pub qty: u32,
    pub now: u32,
    pub backorder: u32,
    pub ship: ShipDoc,
    /// Promised dates, as quoted when the units were reserved.
    #[serde_as(as = "Option<DisplayFromStr>")]
    pub ship_date: Option<Date>,
    #[serde_as(as = "Option<DisplayFromStr>")]
    pub backorder_ship_date: Option<Date>,
    /// Current projection for units still waiting.
    #[serde_as(as = "Option<DisplayFromStr>")]
    pub projected_ship_date: Option<Date>,
    pub allocated: u32,
    pub outstanding: u32,
    pub position: Option<u32>,
    /// `backordered` (units waiting), `ready` (every unit in stock) or `cancelled`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reservation_id: Option<String>,
    /// Backordered units cancelled without being filled (by the merchant, a discontinuation,
    /// or a delay decision).
    #[serde(default)]
    pub cancelled: u32,
    /// The date the waiting units are promised for now: `backorder_ship_date`, or a revised
    /// date the customer consented to; null after consent to a delay without a date.
    #[serde_as(as = "Option<DisplayFromStr>")]
    #[serde(default)]
    pub promised_ship_date: Option<Date>,
    /// The latest delay notice (16 CFR 435) and its decision, if there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<DelayDoc>,
}

/// A delay notice and its decision.
#[serde_as]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelayDoc {
    /// 1 for the first notice, 2 and on for renewed ones.
    pub notice: u32,
    /// The promise the notice is about.
    #[serde_as(as = "DisplayFromStr")]
    pub promised_ship_date: Date,
    /// The revised ship date offered; null when it is unknown.
    #[serde_as(as = "Option<DisplayFromStr>")]
    pub revised_ship_date: Option<Date>,
    /// Until when the customer may answer.
    #[serde(with = "crate::time::rfc3339")]
    pub deadline: Millis,
    /// Whether no answer by the deadline counts as consent.
    pub silence_is_consent: bool,
    /// `pending`, `accepted` or `cancelled`.
    pub decision: String,
    /// `customer` or `silence`, once decided.
    pub decided_by: Option<String>,
}

impl DelayDoc {
    pub fn new(delay: &Delay) -> DelayDoc {
        let (decision, decided_by) = match delay.answer {
            None => ("pending", None),
            Some(DelayAnswer::Accepted { by_silence, .. }) => ("accepted", Some(by_silence)),
            Some(DelayAnswer::Cancelled { by_silence, .. }) => ("cancelled", Some(by_silence)),
        };
        DelayDoc {
            notice: delay.notice,
            promised_ship_date: delay.promised,
            revised_ship_date: delay.revised,
            deadline: delay.deadline,
            silence_is_consent: delay.silence_is_consent,
            decision: decision.into(),
            decided_by: decided_by.map(|silence| if silence { "silence" } else { "customer" }.into()),
        }
    }
}

impl LineDoc {
    pub fn new(sku: &str, name: &str, view: &LineView, reservation_public_id: Option<String>) -> LineDoc {
        let status = if view.cancellation.is_some() {
            "cancelled"
        } else if view.outstanding > 0 {
            "backordered"
        } else {
            "ready"
        };
        LineDoc {
            sku: sku.into(),
            name: name.into(),
            qty: view.quote.qty,
            now: view.quote.now,
            backorder: view.quote.backorder,
            ship: view.ship.into(),
            ship_date: view.quote.ship_date,
            backorder_ship_date: view.quote.backorder_ship_date,
            projected_ship_date: view.projected,
            allocated: view.allocated,
            outstanding: view.outstanding,
            position: view.position,
            status: status.into(),
            reservation_id: reservation_public_id,
            cancelled: view.cancelled_backorder,
            promised_ship_date: view.promise,
            delay: view.delay.as_ref().map(DelayDoc::new),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDoc {
    pub order_id: String,
    pub lines: Vec<LineDoc>,
    /// Shown once, in the answer that created the order: the customer's key to its status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_token: Option<String>,
    /// The customer's status page, with the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_url: Option<String>,
}

/// `POST /v1/orders/{id}/cancel` on an order of several lines: the totals and each line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCancelDoc {
    pub order_id: String,
    /// The line's SKU, when one line was cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    pub refund_qty: u32,
    pub restocked: u32,
    pub backorder_cancelled: u32,
    pub lines: Vec<CancelDoc>,
}

/// `POST /v1/orders/{id}/status-token`: a new token for the customer's status page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusTokenDoc {
    pub order_id: String,
    pub status_token: String,
    pub status_url: String,
}

/// `GET /v1/orders/{id}/status?token=`: what the customer sees of their order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderStatusDoc {
    pub order_id: String,
    #[serde(with = "crate::time::rfc3339")]
    pub placed_at: Millis,
    pub lines: Vec<StatusLineDoc>,
    /// Whether a delay decision is waiting for the customer on any line.
    pub decision_pending: bool,
}

/// One line of the customer's status.
#[serde_as]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusLineDoc {
    pub sku: String,
    pub name: String,
    pub qty: u32,
    /// Units that shipped (or ship) from stock at once.
    pub shipped_now: u32,
    /// Backordered units still waiting.
    pub waiting: u32,
    /// Backordered units since filled from a restock.
    pub allocated: u32,
    /// Units cancelled (and to be refunded).
    pub cancelled: u32,
    pub position: Option<u32>,
    /// The date the waiting units are promised for now.
    #[serde_as(as = "Option<DisplayFromStr>")]
    pub promised_ship_date: Option<Date>,
    #[serde_as(as = "Option<DisplayFromStr>")]
    pub projected_ship_date: Option<Date>,
    /// `backordered`, `ready` or `cancelled`.
    pub status: String,
    pub delay: Option<DelayDoc>,
}

impl StatusLineDoc {
    pub fn new(line: &LineDoc) -> StatusLineDoc {
        let cancelled = if line.status == "cancelled" { line.qty } else { line.cancelled };
        StatusLineDoc {
            sku: line.sku.clone(),
            name: line.name.clone(),
            qty: line.qty,
            shipped_now: line.now,
            waiting: line.outstanding,
            allocated: line.allocated,
            cancelled,
            position: line.position,
            promised_ship_date: line.promised_ship_date,
            projected_ship_date: line.projected_ship_date,
            status: line.status.clone(),
            delay: line.delay.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelDoc {
    pub order_id: String,
    pub sku: String,
    pub refund_qty: u32,
    pub restocked: u32,
    pub backorder_cancelled: u32,
}

impl CancelDoc {
    pub fn new(order_id: &str, sku: &str, c: &Cancellation) -> CancelDoc {
        CancelDoc {
            order_id: order_id.into(),
            sku: sku.into(),
            refund_qty: c.refund_qty,
            restocked: c.restocked,
            backorder_cancelled: c.backorder_cancelled,
        }
    }
}

/// Who got units: exactly one of `order_id` and `reservation_id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllocationDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reservation_id: Option<String>,
    pub qty: u32,
}

impl AllocationDoc {
    pub fn new(owner: &Owner, qty: u32) -> AllocationDoc {
        match owner {
            Owner::Order(id) => AllocationDoc { order_id: Some(id.clone()), reservation_id: None, qty },
            Owner::Reservation(id) => AllocationDoc { order_id: None, reservation_id: Some(id.clone()), qty },
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptDoc {
    pub allocated: Vec<AllocationDoc>,
    pub on_hand: u32,
}

#[serde_as]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrderDoc {
    pub po_id: String,
    pub qty: u32,
    #[serde_as(as = "DisplayFromStr")]
    pub expected_date: Date,
}

impl From<&PurchaseOrder> for PurchaseOrderDoc {
    fn from(po: &PurchaseOrder) -> PurchaseOrderDoc {
        PurchaseOrderDoc { po_id: po.id.clone(), qty: po.qty, expected_date: po.expected }
    }
}

/// One waiting entry of `GET /v1/skus/{sku}/backorders`.
#[serde_as]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueItemDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reservation_id: Option<String>,
    /// Units still waiting.
    pub qty: u32,
    pub position: u32,
    /// The ship date promised when the units were reserved.
    #[serde_as(as = "Option<DisplayFromStr>")]
    pub ship_date: Option<Date>,
    #[serde_as(as = "Option<DisplayFromStr>")]
    pub projected_ship_date: Option<Date>,
    /// The purchase order the last of these units is expected from; null beyond scheduled
    /// supply.
    pub purchase_order_id: Option<String>,
}

impl QueueItemDoc {
    /// Whether the units are now projected to ship after their promised date (or at no known
    /// date, having had one).
    pub fn slipped(&self) -> bool {
        match (self.ship_date, self.projected_ship_date) {
            (Some(promised), Some(projected)) => projected > promised,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    pub fn new(item: &QueueItem<'_>, promised: Option<Date>) -> QueueItemDoc {
        let owner = AllocationDoc::new(item.owner, item.outstanding);
        QueueItemDoc {
            order_id: owner.order_id,
            reservation_id: owner.reservation_id,
            qty: item.outstanding,
            position: item.position,
            ship_date: promised,
            projected_ship_date: item.projected,
            purchase_order_id: item.purchase_order.map(Into::into),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackordersDoc {
    pub sku: String,
    pub lines: Vec<QueueItemDoc>,
}

/// `GET /v1/skus/{sku}`: the whole product for the merchant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductDoc {
    pub sku: String,
    pub name: String,
    pub status: String,
    pub on_hand: u32,
    pub available_now: u32,
    pub received: u64,
    #[serde(flatten)]
    pub policy: PolicyDoc,
    pub holds: Vec<ReservationDoc>,
    /// The backorder queue, oldest first.
    pub queue: Vec<QueueItemDoc>,
    pub purchase_orders: Vec<PurchaseOrderDoc>,
}

/// One row of `GET /v1/skus`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSummaryDoc {
    pub sku: String,
    pub name: String,
    pub status: String,
    pub on_hand: u32,
    pub available_now: u32,
    /// Units waiting in the backorder queue.
    pub backordered: u32,
    /// Waiting lines and reservations now projected to ship after the date they were promised.
    pub slipped: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelReasonDoc {
    Merchant,
    Discontinued,
    Customer,
    NoConsent,
}

/// One line of an `order_created` event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderedLineDoc {
    pub sku: String,
    pub qty: u32,
    pub now: u32,
    pub backorder: u32,
}

/// What happened, with the fields of its kind; `type` names the kind.
#[serde_as]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventBody {
    BackorderCreated {
        order_id: String,
        backorder: u32,
        #[serde_as(as = "Option<DisplayFromStr>")]
        promised_ship_date: Option<Date>,
    },
    EtaChanged {
        order_id: String,
        #[serde_as(as = "Option<DisplayFromStr>")]
        promised_ship_date: Option<Date>,
        #[serde_as(as = "Option<DisplayFromStr>")]
        previous_ship_date: Option<Date>,
        #[serde_as(as = "Option<DisplayFromStr>")]
        projected_ship_date: Option<Date>,
    },
    BackorderAllocated {
        order_id: String,
        qty: u32,
        outstanding: u32,
        /// When the line is complete (`outstanding` 0), the date it ships; absent otherwise
        /// (and in events published before it existed).
        #[serde_as(as = "Option<DisplayFromStr>")]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ship_date: Option<Date>,
    },
    BackorderCancelled {
        order_id: String,
        qty: u32,
        refund_qty: u32,
        reason: CancelReasonDoc,
    },
    OrderCancelled {
        order_id: String,
        refund_qty: u32,
        restocked: u32,
    },
    LowStock {
        available_now: u32,
        threshold: u32,
    },
    ReorderNeeded {
        shortfall: u32,
        backordered: u32,
        inbound: u32,
    },
    /// An order was created (all its lines at once); `sku` is null on this event.
    OrderCreated {
        order_id: String,
        lines: Vec<OrderedLineDoc>,
    },
    DelayNotice {
        order_id: String,
        notice: u32,
        #[serde_as(as = "DisplayFromStr")]
        promised_ship_date: Date,
        #[serde_as(as = "Option<DisplayFromStr>")]
        revised_ship_date: Option<Date>,
        #[serde(with = "crate::time::rfc3339")]
        deadline: Millis,
        silence_is_consent: bool,
    },
    DelayAccepted {
        order_id: String,
        #[serde_as(as = "Option<DisplayFromStr>")]
        revised_ship_date: Option<Date>,
        /// `customer` or `silence`.
        by: String,
    },
    RefundDue {
        order_id: String,
        qty: u32,
        #[serde_as(as = "DisplayFromStr")]
        due_date: Date,
    },
    /// A store platform's line item that did not become an order line; the event's `sku` is
    /// null, `item_sku` is the line item's, if it had one.
    AdapterSkipped {
        platform: String,
        platform_order_id: String,
        order_id: String,
        item_sku: Option<String>,
        qty: u32,
        /// `no_sku`, `invalid_sku`, `invalid_qty` or `unknown_sku`.
        reason: String,
    },
    /// A store platform's order the ledger refused (or that could not be placed at all).
    AdapterOrderRefused {
        platform: String,
        platform_order_id: String,
        order_id: String,
        code: String,
        message: String,
    },
    /// A webhook endpoint was disabled after every attempt failed for 3 days; `sku` is null.
    EndpointDisabled {
        endpoint_id: String,
        url: String,
        #[serde(with = "crate::time::rfc3339")]
        failing_since: Millis,
    },
}

/// An event of one SKU; the feed adds its global `id` (the cursor).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDoc {
    /// The SKU the event is about; null for an order's own events (`order_created`).
    pub sku: Option<String>,
    /// Place in this SKU's own sequence: 1, 2, 3, … without gaps.
    pub seq: u64,
    #[serde(with = "crate::time::rfc3339")]
    pub at: Millis,
    #[serde(flatten)]
    pub body: EventBody,
}

impl EventDoc {
    pub fn new(sku: &str, record: &EventRecord) -> EventDoc {
        use backorder_core::CancelReason;
        let body = match record.event.clone() {
            Event::BackorderCreated { order_id, backorder, promised } => {
                EventBody::BackorderCreated { order_id, backorder, promised_ship_date: promised }
            }
            Event::EtaChanged { order_id, promised, previous, projected } => EventBody::EtaChanged {
                order_id,
                promised_ship_date: promised,
                previous_ship_date: previous,
                projected_ship_date: projected,
            },
            Event::BackorderAllocated { order_id, qty, outstanding, shipped } => {
                EventBody::BackorderAllocated { order_id, qty, outstanding, ship_date: shipped }
            }
            Event::BackorderCancelled { order_id, qty, refund_qty, reason } => {
                EventBody::BackorderCancelled {
                    order_id,
                    qty,
                    refund_qty,
                    reason: match reason {
                        CancelReason::Merchant => CancelReasonDoc::Merchant,
                        CancelReason::Discontinued => CancelReasonDoc::Discontinued,
                        CancelReason::Customer => CancelReasonDoc::Customer,
                        CancelReason::NoConsent => CancelReasonDoc::NoConsent,
                    },
                }
            }
            Event::OrderCancelled { order_id, refund_qty, restocked } => {
                EventBody::OrderCancelled { order_id, refund_qty, restocked }
            }
            Event::LowStock { available_now, threshold } => EventBody::LowStock { available_now, threshold },
            Event::ReorderNeeded { shortfall, backordered, inbound } => {
                EventBody::ReorderNeeded { shortfall, backordered, inbound }
            }
            Event::DelayNotice { order_id, notice, promised, revised, deadline, silence_is_consent } => {
                EventBody::DelayNotice {
                    order_id,
                    notice,
                    promised_ship_date: promised,
                    revised_ship_date: revised,
                    deadline,
                    silence_is_consent,
                }
            }
            Event::DelayAccepted { order_id, revised, by_silence } => EventBody::DelayAccepted {
                order_id,
                revised_ship_date: revised,
                by: if by_silence { "silence" } else { "customer" }.into(),
            },
            Event::RefundDue { order_id, qty, due } => EventBody::RefundDue { order_id, qty, due_date: due },
        };
        EventDoc { sku: Some(sku.into()), seq: record.seq, at: record.at, body }
    }
}

/// One entry of `GET /v1/events`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedEntryDoc {
    pub id: u64,
    #[serde(flatten)]
    pub event: EventDoc,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedDoc {
    pub events: Vec<FeedEntryDoc>,
    /// Pass as `after` to continue; equal to the request's `after` when nothing is new.
    pub next_cursor: u64,
}

/// `GET /v1/skus`: a page of the catalog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductListDoc {
    pub skus: Vec<ProductSummaryDoc>,
    /// Pass as `after` for the next page; null on the last.
    pub next_after: Option<String>,
}
