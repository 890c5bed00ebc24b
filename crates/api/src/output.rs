//! Response bodies, built from core values.

use std::borrow::Cow;

use backorder_core::{
    Availability, Calendar, Cancellation, Date, Event, EventRecord, HoldView, LineView, Lot, Millis, Owner,
    PurchaseOrder, QueueItem, Quote, Refusal, Snapshot, Weekdays,
};

use crate::error::ApiError;
use crate::input::ShipDoc;
use crate::json::{JsonObject, ObjectWriter, ToJson};
use crate::json_object;
use crate::policy::PolicyDoc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuoteDoc {
    pub qty: u32,
    pub now: u32,
    pub backorder: u32,
    pub ship_date: Option<Date>,
    pub backorder_ship_date: Option<Date>,
}

json_object!(read write QuoteDoc {
    qty,
    now,
    backorder,
    ship_date,
    backorder_ship_date,
});

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

json_object!(write LotDoc {
    date,
    qty,
});

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackorderTermsDoc {
    pub allowed: bool,
    /// Units that may still be backordered; null = unlimited.
    pub remaining: Option<u32>,
    pub lead_time_days: Option<u32>,
}

json_object!(write BackorderTermsDoc {
    allowed,
    remaining,
    lead_time_days,
});

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarDoc {
    pub handling_days: u32,
    pub ship_weekdays: Vec<u8>,
    pub holidays: Vec<Date>,
}

json_object!(write CalendarDoc {
    handling_days,
    ship_weekdays,
    holidays,
});

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuoteErrorDoc {
    pub code: String,
    pub message: String,
}

json_object!(write QuoteErrorDoc {
    code,
    message,
});

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

json_object!(write AvailabilityDoc {
    sku,
    name,
    status,
    schema_org,
    available_now,
    max_qty,
    backorder,
    today,
    calendar,
    release_date,
    discontinued,
    low_stock_threshold,
    supply,
    supply_horizon,
    quote if_some,
    quote_error if_some,
});

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

json_object!(write ReservationDoc {
    id,
    sku,
    qty,
    now,
    backorder,
    ship,
    ship_date,
    backorder_ship_date,
    status,
    expires_at instant,
    order_id if_some,
});

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

json_object!(write LineDoc {
    sku,
    qty,
    now,
    backorder,
    ship,
    ship_date,
    backorder_ship_date,
    projected_ship_date,
    allocated,
    outstanding,
    position,
    status,
    reservation_id if_some,
});

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

json_object!(write OrderDoc {
    order_id,
    lines,
});

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CancelDoc {
    pub order_id: String,
    pub sku: String,
    pub refund_qty: u32,
    pub restocked: u32,
    pub backorder_cancelled: u32,
}

json_object!(write CancelDoc {
    order_id,
    sku,
    refund_qty,
    restocked,
    backorder_cancelled,
});

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

json_object!(write AllocationDoc {
    order_id if_some,
    reservation_id if_some,
    qty,
});

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

json_object!(write ReceiptDoc {
    allocated,
    on_hand,
});

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurchaseOrderDoc {
    pub po_id: String,
    pub qty: u32,
    pub expected_date: Date,
}

json_object!(read write PurchaseOrderDoc {
    po_id,
    qty,
    expected_date,
});

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

json_object!(write QueueItemDoc {
    order_id if_some,
    reservation_id if_some,
    qty,
    position,
    ship_date,
    projected_ship_date,
});

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

json_object!(write BackordersDoc {
    sku,
    lines,
});

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

json_object!(write ProductDoc {
    sku,
    name,
    status,
    on_hand,
    available_now,
    received,
    policy flatten,
    holds,
    queue,
    purchase_orders,
});

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

json_object!(read write ProductSummaryDoc {
    sku,
    name,
    status,
    on_hand,
    available_now,
    backordered,
});

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

json_object!(write EventDoc {
    sku,
    seq,
    at instant,
    body flatten,
});

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

json_object!(write FeedEntryDoc {
    id,
    event flatten,
});

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedDoc {
    pub events: Vec<FeedEntryDoc>,
    /// Pass as `after` to continue; equal to the request's `after` when nothing is new.
    pub next_cursor: u64,
}

json_object!(write FeedDoc {
    events,
    next_cursor,
});
