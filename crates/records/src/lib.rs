//! backorder-records: how the edge stores a SKU's ledger in SQLite, one JSON record per row.
//!
//! Storage formats, not API: records are read leniently (unknown fields ignored, later
//! fields defaulted) so that rows written by older builds keep loading, and every type here is
//! a record type of its own — an API document may be renamed without touching the disk. See
//! the crate's README.

use backorder_core::{
    Backorders, Calendar, Cancellation, Date, Delay, DelayAnswer, DelayConsent, Hold, HoldState, Line,
    Millis, Policy, Prepared, PurchaseOrder, Quote, Ship, Stock, Waiting, Weekdays,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_with::{serde_as, DisplayFromStr};

/// The product record's format version.
pub const PRODUCT_RECORD_VERSION: u32 = 1;

/// A record as the text stored in its row.
pub fn encode<T: Serialize>(record: &T) -> String {
    // Records hold only strings, integers, booleans and nested records: writing one cannot fail.
    serde_json::to_string(record).unwrap_or_default()
}

/// A stored row's text as a record, or why it is not one.
pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|error| error.to_string())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackordersRecord {
    Deny,
    Allow,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShipRecord {
    Partial,
    Complete,
}

impl From<Ship> for ShipRecord {
    fn from(ship: Ship) -> ShipRecord {
        match ship {
            Ship::Partial => ShipRecord::Partial,
            Ship::Complete => ShipRecord::Complete,
        }
    }
}

impl From<ShipRecord> for Ship {
    fn from(ship: ShipRecord) -> Ship {
        match ship {
            ShipRecord::Partial => Ship::Partial,
            ShipRecord::Complete => Ship::Complete,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DelayConsentRecord {
    #[default]
    Ftc,
    Off,
}

impl DelayConsentRecord {
    /// Rows from before the setting existed read as `ftc`, and `ftc` is not written, so that
    /// they are written back as they were.
    fn is_default(&self) -> bool {
        *self == DelayConsentRecord::Ftc
    }
}

/// A SKU's policy as its product row keeps it.
#[serde_as]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRecord {
    pub backorders: BackordersRecord,
    pub backorder_limit: Option<u32>,
    pub limit_to_inbound: bool,
    pub lead_time_days: Option<u32>,
    pub handling_days: u32,
    pub ship_weekdays: Vec<u8>,
    #[serde_as(as = "Vec<DisplayFromStr>")]
    pub holidays: Vec<Date>,
    pub low_stock_threshold: u32,
    pub discontinued: bool,
    #[serde_as(as = "Option<DisplayFromStr>")]
    pub release_date: Option<Date>,
    pub utc_offset_minutes: i32,
    pub hold_minutes: u32,
    #[serde(default, skip_serializing_if = "DelayConsentRecord::is_default")]
    pub delay_consent: DelayConsentRecord,
}

impl From<&Policy> for PolicyRecord {
    fn from(policy: &Policy) -> PolicyRecord {
        PolicyRecord {
            backorders: match policy.backorders {
                Backorders::Deny => BackordersRecord::Deny,
                Backorders::Allow => BackordersRecord::Allow,
            },
            backorder_limit: policy.backorder_limit,
            limit_to_inbound: policy.limit_to_inbound,
            lead_time_days: policy.lead_time_days,
            handling_days: policy.calendar.handling_days,
            ship_weekdays: policy.calendar.ship_weekdays.iter().collect(),
            holidays: policy.calendar.holidays().to_vec(),
            low_stock_threshold: policy.low_stock_threshold,
            discontinued: policy.discontinued,
            release_date: policy.release_date,
            utc_offset_minutes: policy.utc_offset_minutes,
            hold_minutes: (policy.hold_ttl / 60_000) as u32,
            delay_consent: match policy.delay_consent {
                DelayConsent::Ftc => DelayConsentRecord::Ftc,
                DelayConsent::Off => DelayConsentRecord::Off,
            },
        }
    }
}

impl PolicyRecord {
    /// The core policy, checked as the ledger checks any policy.
    pub fn to_policy(&self) -> Result<Policy, String> {
        let ship_weekdays =
            Weekdays::from_iso(&self.ship_weekdays).ok_or("ship_weekdays are not ISO weekdays")?;
        let policy = Policy {
            backorders: match self.backorders {
                BackordersRecord::Deny => Backorders::Deny,
                BackordersRecord::Allow => Backorders::Allow,
            },
            backorder_limit: self.backorder_limit,
            limit_to_inbound: self.limit_to_inbound,
            lead_time_days: self.lead_time_days,
            calendar: Calendar::new(self.handling_days, ship_weekdays, self.holidays.clone()),
            low_stock_threshold: self.low_stock_threshold,
            discontinued: self.discontinued,
            release_date: self.release_date,
            utc_offset_minutes: self.utc_offset_minutes,
            hold_ttl: i64::from(self.hold_minutes) * 60_000,
            delay_consent: match self.delay_consent {
                DelayConsentRecord::Ftc => DelayConsent::Ftc,
                DelayConsentRecord::Off => DelayConsent::Off,
            },
        };
        policy.validate()?;
        Ok(policy)
    }
}

/// The row that holds a SKU's name and policy (rarely written).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRecord {
    pub version: u32,
    pub sku: String,
    pub name: String,
    pub policy: PolicyRecord,
}

/// The row that holds a SKU's stock counters (written by most commands).
#[serde_as]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockRecord {
    pub free: u32,
    pub received: u64,
    pub adjusted: i64,
    pub next_seq: u64,
    pub next_event_seq: u64,
    pub reorder_reported: u32,
    #[serde_as(as = "Option<DisplayFromStr>")]
    pub projected_on: Option<Date>,
    /// Rows from before lines settled out of memory read as 0: their settled lines are all
    /// still stored as open, and restoring counts them.
    #[serde(default)]
    pub settled_units: u64,
}

impl From<&Stock> for StockRecord {
    fn from(s: &Stock) -> StockRecord {
        StockRecord {
            free: s.free,
            received: s.received,
            adjusted: s.adjusted,
            next_seq: s.next_seq,
            next_event_seq: s.next_event_seq,
            reorder_reported: s.reorder_reported,
            projected_on: s.projected_on,
            settled_units: s.settled_units,
        }
    }
}

impl From<&StockRecord> for Stock {
    fn from(s: &StockRecord) -> Stock {
        Stock {
            free: s.free,
            received: s.received,
            adjusted: s.adjusted,
            next_seq: s.next_seq,
            next_event_seq: s.next_event_seq,
            reorder_reported: s.reorder_reported,
            projected_on: s.projected_on,
            settled_units: s.settled_units,
        }
    }
}

#[serde_as]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteRecord {
    pub qty: u32,
    pub now: u32,
    pub backorder: u32,
    #[serde_as(as = "Option<DisplayFromStr>")]
    pub ship_date: Option<Date>,
    #[serde_as(as = "Option<DisplayFromStr>")]
    pub backorder_ship_date: Option<Date>,
}

impl From<Quote> for QuoteRecord {
    fn from(q: Quote) -> QuoteRecord {
        QuoteRecord {
            qty: q.qty,
            now: q.now,
            backorder: q.backorder,
            ship_date: q.ship_date,
            backorder_ship_date: q.backorder_ship_date,
        }
    }
}

impl From<QuoteRecord> for Quote {
    fn from(q: QuoteRecord) -> Quote {
        Quote {
            qty: q.qty,
            now: q.now,
            backorder: q.backorder,
            ship_date: q.ship_date,
            backorder_ship_date: q.backorder_ship_date,
        }
    }
}

/// A place in the backorder queue, stored inside its owner's record.
#[serde_as]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingRecord {
    pub outstanding: u32,
    #[serde_as(as = "Option<DisplayFromStr>")]
    pub projected: Option<Date>,
    /// Always written; rows from before it existed read as the owner's creation day.
    #[serde_as(as = "Option<DisplayFromStr>")]
    pub since: Option<Date>,
}

fn waiting_record(waiting: Option<Waiting>) -> Option<WaitingRecord> {
    waiting.map(|w| WaitingRecord {
        outstanding: w.outstanding,
        projected: w.projected,
        since: Some(w.since),
    })
}

/// The queue place of an owner created at `created_at`, in the store's calendar.
fn waiting(record: Option<WaitingRecord>, policy: &Policy, created_at: Millis) -> Option<Waiting> {
    record.map(|w| Waiting {
        outstanding: w.outstanding,
        projected: w.projected,
        since: w.since.unwrap_or_else(|| policy.today(created_at)),
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldStateRecord {
    Held,
    /// With the record's `order_id`.
    Confirmed,
    Released,
    Expired,
    Withdrawn,
}

/// The order a hold is prepared for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreparedRecord {
    pub order_id: String,
    pub placed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldRecord {
    pub id: String,
    pub seq: u64,
    pub quote: QuoteRecord,
    pub ship: ShipRecord,
    pub state: HoldStateRecord,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    pub created_at: Millis,
    pub expires_at: Millis,
    #[serde(default)]
    pub resolved_at: Option<Millis>,
    pub waiting: Option<WaitingRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prepared: Option<PreparedRecord>,
}

impl HoldRecord {
    pub fn new(hold: &Hold, waiting: Option<Waiting>) -> HoldRecord {
        let state = match hold.state {
            HoldState::Held => HoldStateRecord::Held,
            HoldState::Confirmed { .. } => HoldStateRecord::Confirmed,
            HoldState::Released => HoldStateRecord::Released,
            HoldState::Expired => HoldStateRecord::Expired,
            HoldState::Withdrawn => HoldStateRecord::Withdrawn,
        };
        HoldRecord {
            id: hold.id.clone(),
            seq: hold.seq,
            quote: hold.quote.into(),
            ship: hold.ship.into(),
            state,
            order_id: hold.state.order_id().map(str::to_string),
            created_at: hold.created_at,
            expires_at: hold.expires_at,
            resolved_at: hold.resolved_at,
            waiting: waiting_record(waiting),
            prepared: hold
                .prepared
                .as_ref()
                .map(|p| PreparedRecord { order_id: p.order_id.clone(), placed: p.placed }),
        }
    }

    pub fn to_core(&self, policy: &Policy) -> Result<(Hold, Option<Waiting>), String> {
        let state = match (self.state, &self.order_id) {
            (HoldStateRecord::Held, _) => HoldState::Held,
            (HoldStateRecord::Confirmed, Some(order_id)) => {
                HoldState::Confirmed { order_id: order_id.clone() }
            }
            (HoldStateRecord::Confirmed, None) => {
                return Err(format!("reservation {} is confirmed without an order", self.id))
            }
            (HoldStateRecord::Released, _) => HoldState::Released,
            (HoldStateRecord::Expired, _) => HoldState::Expired,
            (HoldStateRecord::Withdrawn, _) => HoldState::Withdrawn,
        };
        let hold = Hold {
            id: self.id.clone(),
            seq: self.seq,
            quote: self.quote.into(),
            ship: self.ship.into(),
            state,
            created_at: self.created_at,
            expires_at: self.expires_at,
            resolved_at: self.resolved_at,
            prepared: self
                .prepared
                .as_ref()
                .map(|p| Prepared { order_id: p.order_id.clone(), placed: p.placed }),
        };
        Ok((hold, waiting(self.waiting, policy, self.created_at)))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancellationRecord {
    pub refund_qty: u32,
    pub restocked: u32,
    pub backorder_cancelled: u32,
}

impl From<Cancellation> for CancellationRecord {
    fn from(c: Cancellation) -> CancellationRecord {
        CancellationRecord {
            refund_qty: c.refund_qty,
            restocked: c.restocked,
            backorder_cancelled: c.backorder_cancelled,
        }
    }
}

impl From<CancellationRecord> for Cancellation {
    fn from(c: CancellationRecord) -> Cancellation {
        Cancellation {
            refund_qty: c.refund_qty,
            restocked: c.restocked,
            backorder_cancelled: c.backorder_cancelled,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DelayAnswerRecord {
    Accepted { at: Millis, by_silence: bool },
    Cancelled { at: Millis, by_silence: bool },
}

/// A line's latest delay notice (16 CFR 435) and its answer.
#[serde_as]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelayRecord {
    pub notice: u32,
    #[serde_as(as = "DisplayFromStr")]
    pub promised: Date,
    #[serde_as(as = "Option<DisplayFromStr>")]
    pub revised: Option<Date>,
    pub noticed_at: Millis,
    pub deadline: Millis,
    pub silence_is_consent: bool,
    pub answer: Option<DelayAnswerRecord>,
}

impl From<Delay> for DelayRecord {
    fn from(d: Delay) -> DelayRecord {
        DelayRecord {
            notice: d.notice,
            promised: d.promised,
            revised: d.revised,
            noticed_at: d.noticed_at,
            deadline: d.deadline,
            silence_is_consent: d.silence_is_consent,
            answer: d.answer.map(|answer| match answer {
                DelayAnswer::Accepted { at, by_silence } => DelayAnswerRecord::Accepted { at, by_silence },
                DelayAnswer::Cancelled { at, by_silence } => DelayAnswerRecord::Cancelled { at, by_silence },
            }),
        }
    }
}

impl From<DelayRecord> for Delay {
    fn from(d: DelayRecord) -> Delay {
        Delay {
            notice: d.notice,
            promised: d.promised,
            revised: d.revised,
            noticed_at: d.noticed_at,
            deadline: d.deadline,
            silence_is_consent: d.silence_is_consent,
            answer: d.answer.map(|answer| match answer {
                DelayAnswerRecord::Accepted { at, by_silence } => DelayAnswer::Accepted { at, by_silence },
                DelayAnswerRecord::Cancelled { at, by_silence } => DelayAnswer::Cancelled { at, by_silence },
            }),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineRecord {
    pub order_id: String,
    pub seq: u64,
    pub quote: QuoteRecord,
    pub ship: ShipRecord,
    pub reservation: Option<String>,
    pub created_at: Millis,
    pub cancelled_backorder: u32,
    pub cancellation: Option<CancellationRecord>,
    #[serde(default)]
    pub backorder_cancellation: Option<CancellationRecord>,
    pub waiting: Option<WaitingRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<DelayRecord>,
}

impl LineRecord {
    pub fn new(line: &Line, waiting: Option<Waiting>) -> LineRecord {
        LineRecord {
            order_id: line.order_id.clone(),
            seq: line.seq,
            quote: line.quote.into(),
            ship: line.ship.into(),
            reservation: line.reservation.clone(),
            created_at: line.created_at,
            cancelled_backorder: line.cancelled_backorder,
            cancellation: line.cancellation.map(Into::into),
            backorder_cancellation: line.backorder_cancellation.map(Into::into),
            waiting: waiting_record(waiting),
            delay: line.delay.map(Into::into),
        }
    }

    pub fn to_core(&self, policy: &Policy) -> (Line, Option<Waiting>) {
        let line = Line {
            order_id: self.order_id.clone(),
            seq: self.seq,
            quote: self.quote.into(),
            ship: self.ship.into(),
            reservation: self.reservation.clone(),
            created_at: self.created_at,
            cancelled_backorder: self.cancelled_backorder,
            cancellation: self.cancellation.map(Into::into),
            backorder_cancellation: self.backorder_cancellation.map(Into::into),
            delay: self.delay.map(Into::into),
        };
        (line, waiting(self.waiting, policy, self.created_at))
    }
}

/// An inbound purchase order.
#[serde_as]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrderRecord {
    pub po_id: String,
    pub qty: u32,
    #[serde_as(as = "DisplayFromStr")]
    pub expected_date: Date,
}

impl From<&PurchaseOrder> for PurchaseOrderRecord {
    fn from(po: &PurchaseOrder) -> PurchaseOrderRecord {
        PurchaseOrderRecord { po_id: po.id.clone(), qty: po.qty, expected_date: po.expected }
    }
}

impl From<&PurchaseOrderRecord> for PurchaseOrder {
    fn from(record: &PurchaseOrderRecord) -> PurchaseOrder {
        PurchaseOrder { id: record.po_id.clone(), qty: record.qty, expected: record.expected_date }
    }
}

/// The order record's format version.
pub const ORDER_RECORD_VERSION: u32 = 1;

/// Where an order being placed across SKUs stands (two-phase: prepare every line, then
/// commit every line, or abort what was prepared).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStateRecord {
    Preparing,
    Committing,
    Committed,
    Aborting,
    Aborted,
}

/// Where one line of an order stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum LineStepRecord {
    Pending,
    /// Held by its SKU's ledger under `hold_id`.
    Prepared {
        hold_id: String,
    },
    /// Its ledger refused it: the refusal as answered (status and body).
    Refused {
        status: u16,
        body: String,
    },
    /// Confirmed: its line's document as the ledger answered it.
    Committed {
        hold_id: String,
        line: String,
    },
    Aborted {
        hold_id: String,
    },
}

/// One line of an order as planned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedLineRecord {
    pub sku: String,
    pub qty: u32,
    pub ship: Option<ShipRecord>,
    pub reservation_id: Option<String>,
    pub step: LineStepRecord,
}

/// What an order's coordinator keeps: the plan, each line's step, and once created, the
/// answer replays get (without the status token, which is kept only as its hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRecord {
    pub version: u32,
    pub order_id: String,
    /// Placements of this id so far: a refused (aborted) order frees its id for another.
    pub attempt: u32,
    /// The request: the same one replays, another is refused once the order exists.
    pub fingerprint: String,
    pub state: OrderStateRecord,
    pub created_at: Millis,
    pub lines: Vec<PlannedLineRecord>,
    /// SHA-256 of the status token, hex.
    #[serde(default)]
    pub token_hash: Option<String>,
    #[serde(default)]
    pub answer: Option<String>,
    /// The last sequence number of the order's own events.
    #[serde(default)]
    pub event_seq: u64,
}

/// The webhook dispatcher's records' format version.
pub const WEBHOOK_RECORD_VERSION: u32 = 1;

/// A webhook endpoint, as the dispatcher keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointRecord {
    pub version: u32,
    pub id: String,
    pub url: String,
    /// `["*"]` or event types.
    pub events: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub enabled: bool,
    /// `merchant` or `failing`, while disabled.
    #[serde(default)]
    pub disabled_reason: Option<String>,
    pub created_at: Millis,
    /// Since when every attempt has failed; `None` after a success.
    #[serde(default)]
    pub failing_since: Option<Millis>,
    /// The feed's last event when the endpoint was created: it gets only later ones.
    pub start_after: u64,
    /// Signing secrets, newest first; an old one signs beside the new one until it expires.
    pub secrets: Vec<SecretRecord>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretRecord {
    pub secret: String,
    /// When a rotated-out secret stops signing; `None` for the current one.
    #[serde(default)]
    pub expires_at: Option<Millis>,
}

/// One event to one endpoint, until it succeeds or its schedule runs out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRecord {
    pub version: u32,
    pub id: u64,
    pub endpoint_id: String,
    pub event_id: String,
    pub kind: String,
    /// The payload, exactly as sent on every attempt.
    pub body: String,
    /// Attempts made so far.
    pub attempts: u32,
    pub state: DeliveryStateRecord,
    /// When the next attempt is due, while pending.
    #[serde(default)]
    pub next_at: Option<Millis>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStateRecord {
    Pending,
    Succeeded,
    Failed,
}

/// One attempt, in its endpoint's delivery log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptRecord {
    pub delivery_id: u64,
    pub event_id: String,
    pub kind: String,
    pub attempt: u32,
    pub at: Millis,
    #[serde(default)]
    pub status: Option<u16>,
    pub latency_ms: u32,
    #[serde(default)]
    pub error: Option<String>,
    pub state: DeliveryStateRecord,
    #[serde(default)]
    pub next_at: Option<Millis>,
}

/// The store adapters' records' format version.
pub const ADAPTER_RECORD_VERSION: u32 = 1;

/// A platform's configuration, secrets included (they are never answered back).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "platform", rename_all = "snake_case")]
pub enum AdapterConfigRecord {
    Shopify { shop_domain: String, client_secret: String },
    Bigcommerce { store_hash: String, access_token: String, webhook_secret: String, api_base: String },
}

/// A platform's webhook, taken in and worked off by the adapters' alarm.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxRecord {
    pub version: u32,
    /// `shopify` or `bigcommerce`.
    pub platform: String,
    /// The platform's own id of the delivery (`X-Shopify-Webhook-Id`, BigCommerce's `hash`).
    pub delivery: String,
    pub platform_order_id: String,
    pub work: InboundRecord,
    pub received_at: Millis,
    pub attempts: u32,
    /// When the next attempt is due; `None` once done.
    #[serde(default)]
    pub next_at: Option<Millis>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InboundRecord {
    /// An order to place: its lines, and the line items that could not become lines.
    Order { lines: Vec<PlatformLineRecord>, skipped: Vec<SkippedLineRecord> },
    /// An order whose lines are still to be fetched from the platform's API (BigCommerce).
    Fetch,
    /// The order was cancelled (or refunded) on the platform.
    Cancel,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformLineRecord {
    pub sku: String,
    pub qty: u32,
    #[serde(default)]
    pub reservation_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedLineRecord {
    /// As the platform sent it (`None`: the line item had no SKU).
    #[serde(default)]
    pub sku: Option<String>,
    pub qty: u32,
    /// `no_sku`, `invalid_sku`, `unknown_sku`
    pub reason: String,
}

/// What became of a platform's order in the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformOrderRecord {
    pub version: u32,
    pub state: PlatformOrderStateRecord,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlatformOrderStateRecord {
    Placed,
    /// Cancelled on the platform before its creation reached the ledger: it is never placed.
    CancelledEarly,
    Cancelled,
    /// The ledger refused it (or none of its lines could be placed); reported, not retried.
    Refused,
}
