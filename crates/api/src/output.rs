//! Response bodies, built from core values.

use std::borrow::Cow;

use backorder_core::{
    Availability, Calendar, Cancellation, Date, Event, EventRecord, HoldView, LineView, Lot, Millis, Owner,
    PurchaseOrder, QueueItem, Quote, Refusal, Snapshot, Weekdays,
};

use crate::error::ApiError;
use crate::input::ShipDoc;
use crate::json::{Fields, FromJson, Json, JsonObject, ObjectWriter, ToJson};
use crate::policy::PolicyDoc;
use crate::time::format_instant;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuoteDoc {
    pub qty: u32,
    pub now: u32,
    pub backorder: u32,
    pub ship_date: Option<Date>,
    pub backorder_ship_date: Option<Date>,
}

impl JsonObject for QuoteDoc {
    fn write_fields(&self, o: &mut ObjectWriter<'_>) {
        o.field("qty", &self.qty);
        o.field("now", &self.now);
        o.field("backorder", &self.backorder);
        o.field("ship_date", &self.ship_date);
        o.field("backorder_ship_date", &self.backorder_ship_date);
    }
}

impl FromJson for QuoteDoc {
    fn from_json(value: &Json) -> Result<QuoteDoc, String> {
        let fields = Fields::of(value)?;
        Ok(QuoteDoc {
            qty: fields.required("qty")?,
            now: fields.required("now")?,
            backorder: fields.required("backorder")?,
            ship_date: fields.optional("ship_date")?,
            backorder_ship_date: fields.optional("backorder_ship_date")?,
        })
    }
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LotDoc {
    pub date: Date,
    pub qty: u32,
}

impl JsonObject for LotDoc {
    fn write_fields(&self, o: &mut ObjectWriter<'_>) {
        o.field("date", &self.date);
        o.field("qty", &self.qty);
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackorderTermsDoc {
    pub allowed: bool,
    /// Units that may still be backordered; null = unlimited.
    pub remaining: Option<u32>,
    pub lead_time_days: Option<u32>,
}

impl JsonObject for BackorderTermsDoc {
    fn write_fields(&self, o: &mut ObjectWriter<'_>) {
        o.field("allowed", &self.allowed);
        o.field("remaining", &self.remaining);
        o.field("lead_time_days", &self.lead_time_days);
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarDoc {
    pub handling_days: u32,
    pub ship_weekdays: Vec<u8>,
    pub holidays: Vec<Date>,
}

impl JsonObject for CalendarDoc {
    fn write_fields(&self, o: &mut ObjectWriter<'_>) {
        o.field("handling_days", &self.handling_days);
        o.field("ship_weekdays", &self.ship_weekdays);
        o.field("holidays", &self.holidays);
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuoteErrorDoc {
    pub code: String,
    pub message: String,
}

impl JsonObject for QuoteErrorDoc {
    fn write_fields(&self, o: &mut ObjectWriter<'_>) {
        o.field("code", &self.code);
        o.field("message", &self.message);
    }
}

/// `GET /v1/skus/{sku}/availability`: everything needed to quote any quantity with the core.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    pub today: Date,
    pub calendar: CalendarDoc,
    pub release_date: Option<Date>,
    pub discontinued: bool,
    pub low_stock_threshold: u32,
    /// Scheduled supply nobody has been promised yet.
    pub supply: Vec<LotDoc>,
    /// The last scheduled purchase order's date: units beyond all supply never come sooner.
    pub supply_horizon: Option<Date>,
    pub quote: Option<QuoteDoc>,
    pub quote_error: Option<QuoteErrorDoc>,
}

impl JsonObject for AvailabilityDoc {
    fn write_fields(&self, o: &mut ObjectWriter<'_>) {
        o.field("sku", &self.sku);
        o.field("name", &self.name);
        o.field("status", &self.status);
        o.field("schema_org", &self.schema_org);
        o.field("available_now", &self.available_now);
        o.field("max_qty", &self.max_qty);
        o.field("backorder", &self.backorder);
        o.field("today", &self.today);
        o.field("calendar", &self.calendar);
        o.field("release_date", &self.release_date);
        o.field("discontinued", &self.discontinued);
        o.field("low_stock_threshold", &self.low_stock_threshold);
        o.field("supply", &self.supply);
        o.field("supply_horizon", &self.supply_horizon);
        o.field_if_some("quote", &self.quote);
        o.field_if_some("quote_error", &self.quote_error);
    }
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReservationDoc {
    pub id: String,
    pub sku: String,
    pub qty: u32,
    pub now: u32,
    pub backorder: u32,
    pub ship: ShipDoc,
    pub ship_date: Option<Date>,
    pub backorder_ship_date: Option<Date>,
    pub status: String,
    pub expires_at: Millis,
    pub order_id: Option<String>,
}

impl JsonObject for ReservationDoc {
    fn write_fields(&self, o: &mut ObjectWriter<'_>) {
        o.field("id", &self.id);
        o.field("sku", &self.sku);
        o.field("qty", &self.qty);
        o.field("now", &self.now);
        o.field("backorder", &self.backorder);
        o.field("ship", &self.ship);
        o.field("ship_date", &self.ship_date);
        o.field("backorder_ship_date", &self.backorder_ship_date);
        o.field("status", &self.status);
        o.field("expires_at", &format_instant(self.expires_at));
        o.field_if_some("order_id", &self.order_id);
    }
}

impl ReservationDoc {
    pub fn new(sku: &str, public_id: &str, view: &HoldView) -> ReservationDoc {
        ReservationDoc {
            id: public_id.into(),
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
        }
    }
}

/// One order line as `POST /v1/orders` and the order views show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineDoc {
    pub sku: String,
    pub qty: u32,
    pub now: u32,
    pub backorder: u32,
    pub ship: ShipDoc,
    /// Promised dates, as quoted when the units were reserved.
    pub ship_date: Option<Date>,
    pub backorder_ship_date: Option<Date>,
    /// Current projection for units still waiting.
    pub projected_ship_date: Option<Date>,
    pub allocated: u32,
    pub outstanding: u32,
    pub position: Option<u32>,
    /// `backordered` (units waiting), `ready` (every unit in stock) or `cancelled`.
    pub status: String,
    pub reservation_id: Option<String>,
}

impl JsonObject for LineDoc {
    fn write_fields(&self, o: &mut ObjectWriter<'_>) {
        o.field("sku", &self.sku);
        o.field("qty", &self.qty);
        o.field("now", &self.now);
        o.field("backorder", &self.backorder);
        o.field("ship", &self.ship);
        o.field("ship_date", &self.ship_date);
        o.field("backorder_ship_date", &self.backorder_ship_date);
        o.field("projected_ship_date", &self.projected_ship_date);
        o.field("allocated", &self.allocated);
        o.field("outstanding", &self.outstanding);
        o.field("position", &self.position);
        o.field("status", &self.status);
        o.field_if_some("reservation_id", &self.reservation_id);
    }
}

impl LineDoc {
    pub fn new(sku: &str, view: &LineView, reservation_public_id: Option<String>) -> LineDoc {
        let status = if view.cancellation.is_some() {
            "cancelled"
        } else if view.outstanding > 0 {
            "backordered"
        } else {
            "ready"
        };
        LineDoc {
            sku: sku.into(),
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
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderDoc {
    pub order_id: String,
    pub lines: Vec<LineDoc>,
}

impl JsonObject for OrderDoc {
    fn write_fields(&self, o: &mut ObjectWriter<'_>) {
        o.field("order_id", &self.order_id);
        o.field("lines", &self.lines);
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CancelDoc {
    pub order_id: String,
    pub sku: String,
    pub refund_qty: u32,
    pub restocked: u32,
    pub backorder_cancelled: u32,
}

impl JsonObject for CancelDoc {
    fn write_fields(&self, o: &mut ObjectWriter<'_>) {
        o.field("order_id", &self.order_id);
        o.field("sku", &self.sku);
        o.field("refund_qty", &self.refund_qty);
        o.field("restocked", &self.restocked);
        o.field("backorder_cancelled", &self.backorder_cancelled);
    }
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllocationDoc {
    pub order_id: Option<String>,
    pub reservation_id: Option<String>,
    pub qty: u32,
}

impl JsonObject for AllocationDoc {
    fn write_fields(&self, o: &mut ObjectWriter<'_>) {
        o.field_if_some("order_id", &self.order_id);
        o.field_if_some("reservation_id", &self.reservation_id);
        o.field("qty", &self.qty);
    }
}

impl AllocationDoc {
    /// `public_id` turns a core reservation id into the id shoppers see.
    pub fn new(owner: &Owner, qty: u32, public_id: impl Fn(&str) -> String) -> AllocationDoc {
        match owner {
            Owner::Order(id) => AllocationDoc { order_id: Some(id.clone()), reservation_id: None, qty },
            Owner::Reservation(id) => {
                AllocationDoc { order_id: None, reservation_id: Some(public_id(id)), qty }
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptDoc {
    pub allocated: Vec<AllocationDoc>,
    pub on_hand: u32,
}

impl JsonObject for ReceiptDoc {
    fn write_fields(&self, o: &mut ObjectWriter<'_>) {
        o.field("allocated", &self.allocated);
        o.field("on_hand", &self.on_hand);
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurchaseOrderDoc {
    pub po_id: String,
    pub qty: u32,
    pub expected_date: Date,
}

impl JsonObject for PurchaseOrderDoc {
    fn write_fields(&self, o: &mut ObjectWriter<'_>) {
        o.field("po_id", &self.po_id);
        o.field("qty", &self.qty);
        o.field("expected_date", &self.expected_date);
    }
}

impl FromJson for PurchaseOrderDoc {
    fn from_json(value: &Json) -> Result<PurchaseOrderDoc, String> {
        let fields = Fields::of(value)?;
        Ok(PurchaseOrderDoc {
            po_id: fields.required("po_id")?,
            qty: fields.required("qty")?,
            expected_date: fields.required("expected_date")?,
        })
    }
}

impl From<&PurchaseOrder> for PurchaseOrderDoc {
    fn from(po: &PurchaseOrder) -> PurchaseOrderDoc {
        PurchaseOrderDoc { po_id: po.id.clone(), qty: po.qty, expected_date: po.expected }
    }
}

impl From<&PurchaseOrderDoc> for PurchaseOrder {
    fn from(doc: &PurchaseOrderDoc) -> PurchaseOrder {
        PurchaseOrder { id: doc.po_id.clone(), qty: doc.qty, expected: doc.expected_date }
    }
}

/// One waiting entry of `GET /v1/skus/{sku}/backorders`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueItemDoc {
    pub order_id: Option<String>,
    pub reservation_id: Option<String>,
    /// Units still waiting.
    pub qty: u32,
    pub position: u32,
    /// The ship date promised when the units were reserved.
    pub ship_date: Option<Date>,
    pub projected_ship_date: Option<Date>,
}

impl JsonObject for QueueItemDoc {
    fn write_fields(&self, o: &mut ObjectWriter<'_>) {
        o.field_if_some("order_id", &self.order_id);
        o.field_if_some("reservation_id", &self.reservation_id);
        o.field("qty", &self.qty);
        o.field("position", &self.position);
        o.field("ship_date", &self.ship_date);
        o.field("projected_ship_date", &self.projected_ship_date);
    }
}

impl QueueItemDoc {
    pub fn new(
        item: &QueueItem<'_>,
        promised: Option<Date>,
        public_id: impl Fn(&str) -> String,
    ) -> QueueItemDoc {
        let owner = AllocationDoc::new(item.owner, item.outstanding, public_id);
        QueueItemDoc {
            order_id: owner.order_id,
            reservation_id: owner.reservation_id,
            qty: item.outstanding,
            position: item.position,
            ship_date: promised,
            projected_ship_date: item.projected,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackordersDoc {
    pub sku: String,
    pub lines: Vec<QueueItemDoc>,
}

impl JsonObject for BackordersDoc {
    fn write_fields(&self, o: &mut ObjectWriter<'_>) {
        o.field("sku", &self.sku);
        o.field("lines", &self.lines);
    }
}

/// `GET /v1/skus/{sku}`: the whole product for the merchant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductDoc {
    pub sku: String,
    pub name: String,
    pub status: String,
    pub on_hand: u32,
    pub available_now: u32,
    pub received: u64,
    pub policy: PolicyDoc,
    pub holds: Vec<ReservationDoc>,
    /// The backorder queue, oldest first.
    pub queue: Vec<QueueItemDoc>,
    pub purchase_orders: Vec<PurchaseOrderDoc>,
}

impl JsonObject for ProductDoc {
    fn write_fields(&self, o: &mut ObjectWriter<'_>) {
        o.field("sku", &self.sku);
        o.field("name", &self.name);
        o.field("status", &self.status);
        o.field("on_hand", &self.on_hand);
        o.field("available_now", &self.available_now);
        o.field("received", &self.received);
        self.policy.write_fields(o);
        o.field("holds", &self.holds);
        o.field("queue", &self.queue);
        o.field("purchase_orders", &self.purchase_orders);
    }
}

/// One row of `GET /v1/skus`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductSummaryDoc {
    pub sku: String,
    pub name: String,
    pub status: String,
    pub on_hand: u32,
    pub available_now: u32,
    /// Units waiting in the backorder queue.
    pub backordered: u32,
}

impl JsonObject for ProductSummaryDoc {
    fn write_fields(&self, o: &mut ObjectWriter<'_>) {
        o.field("sku", &self.sku);
        o.field("name", &self.name);
        o.field("status", &self.status);
        o.field("on_hand", &self.on_hand);
        o.field("available_now", &self.available_now);
        o.field("backordered", &self.backordered);
    }
}

impl FromJson for ProductSummaryDoc {
    fn from_json(value: &Json) -> Result<ProductSummaryDoc, String> {
        let fields = Fields::of(value)?;
        Ok(ProductSummaryDoc {
            sku: fields.required("sku")?,
            name: fields.required("name")?,
            status: fields.required("status")?,
            on_hand: fields.required("on_hand")?,
            available_now: fields.required("available_now")?,
            backordered: fields.required("backordered")?,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelReasonDoc {
    Merchant,
    Discontinued,
}

impl ToJson for CancelReasonDoc {
    fn write_json(&self, out: &mut String) {
        match self {
            CancelReasonDoc::Merchant => "merchant",
            CancelReasonDoc::Discontinued => "discontinued",
        }
        .write_json(out)
    }
}

/// What happened, with the fields of its kind; `type` names the kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventBody {
    BackorderCreated {
        order_id: String,
        backorder: u32,
        promised_ship_date: Option<Date>,
    },
    EtaChanged {
        order_id: String,
        promised_ship_date: Option<Date>,
        previous_ship_date: Option<Date>,
        projected_ship_date: Option<Date>,
    },
    BackorderAllocated {
        order_id: String,
        qty: u32,
        outstanding: u32,
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
}

/// `type` and the fields of this kind.
impl JsonObject for EventBody {
    fn write_fields(&self, o: &mut ObjectWriter<'_>) {
        match self {
            EventBody::BackorderCreated { order_id, backorder, promised_ship_date } => o
                .field("type", &"backorder_created")
                .field("order_id", order_id)
                .field("backorder", backorder)
                .field("promised_ship_date", promised_ship_date),
            EventBody::EtaChanged {
                order_id,
                promised_ship_date,
                previous_ship_date,
                projected_ship_date,
            } => o
                .field("type", &"eta_changed")
                .field("order_id", order_id)
                .field("promised_ship_date", promised_ship_date)
                .field("previous_ship_date", previous_ship_date)
                .field("projected_ship_date", projected_ship_date),
            EventBody::BackorderAllocated { order_id, qty, outstanding } => o
                .field("type", &"backorder_allocated")
                .field("order_id", order_id)
                .field("qty", qty)
                .field("outstanding", outstanding),
            EventBody::BackorderCancelled { order_id, qty, refund_qty, reason } => o
                .field("type", &"backorder_cancelled")
                .field("order_id", order_id)
                .field("qty", qty)
                .field("refund_qty", refund_qty)
                .field("reason", reason),
            EventBody::OrderCancelled { order_id, refund_qty, restocked } => o
                .field("type", &"order_cancelled")
                .field("order_id", order_id)
                .field("refund_qty", refund_qty)
                .field("restocked", restocked),
            EventBody::LowStock { available_now, threshold } => o
                .field("type", &"low_stock")
                .field("available_now", available_now)
                .field("threshold", threshold),
            EventBody::ReorderNeeded { shortfall, backordered, inbound } => o
                .field("type", &"reorder_needed")
                .field("shortfall", shortfall)
                .field("backordered", backordered)
                .field("inbound", inbound),
        };
    }
}

/// An event of one SKU; the feed adds its global `id` (the cursor).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventDoc {
    pub sku: String,
    /// Place in this SKU's own sequence: 1, 2, 3, … without gaps.
    pub seq: u64,
    pub at: Millis,
    pub body: EventBody,
}

impl JsonObject for EventDoc {
    fn write_fields(&self, o: &mut ObjectWriter<'_>) {
        o.field("sku", &self.sku);
        o.field("seq", &self.seq);
        o.field("at", &format_instant(self.at));
        self.body.write_fields(o);
    }
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
            Event::BackorderAllocated { order_id, qty, outstanding } => {
                EventBody::BackorderAllocated { order_id, qty, outstanding }
            }
            Event::BackorderCancelled { order_id, qty, refund_qty, reason } => {
                EventBody::BackorderCancelled {
                    order_id,
                    qty,
                    refund_qty,
                    reason: match reason {
                        CancelReason::Merchant => CancelReasonDoc::Merchant,
                        CancelReason::Discontinued => CancelReasonDoc::Discontinued,
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
        };
        EventDoc { sku: sku.into(), seq: record.seq, at: record.at, body }
    }
}

/// One entry of `GET /v1/events`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedEntryDoc {
    pub id: u64,
    pub event: EventDoc,
}

impl JsonObject for FeedEntryDoc {
    fn write_fields(&self, o: &mut ObjectWriter<'_>) {
        o.field("id", &self.id);
        self.event.write_fields(o);
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedDoc {
    pub events: Vec<FeedEntryDoc>,
    /// Pass as `after` to continue; equal to the request's `after` when nothing is new.
    pub next_cursor: u64,
}

impl JsonObject for FeedDoc {
    fn write_fields(&self, o: &mut ObjectWriter<'_>) {
        o.field("events", &self.events);
        o.field("next_cursor", &self.next_cursor);
    }
}
