//! The error shape every endpoint answers with: `{"error":{"code","message"}}`.

use backorder_core::{Error, HoldState, Missing, Refusal};
use serde::Serialize;

/// An error reply: HTTP status, a stable snake_case code, and a message for people; for an
/// order refused because of one line, which line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub line: Option<LineRef>,
}

/// The line of a request an error is about: its index in `lines` and its SKU.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct LineRef {
    pub index: usize,
    pub sku: String,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), line: None }
    }

    /// This error, about line `index` (SKU `sku`) of an order.
    pub fn for_line(mut self, index: usize, sku: &str) -> ApiError {
        self.message = format!("line {index} ({sku}): {}", self.message);
        self.line = Some(LineRef { index, sku: sku.into() });
        self
    }

    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "invalid_request", message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(404, "not_found", message)
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            401,
            "unauthorized",
            "a valid merchant token is required: Authorization: Bearer <token>",
        )
    }

    pub fn too_large(limit: usize) -> ApiError {
        ApiError::new(413, "payload_too_large", format!("the request body must be at most {limit} bytes"))
    }

    pub fn key_reused() -> ApiError {
        ApiError::new(
            422,
            "idempotency_key_reused",
            "this Idempotency-Key was already used with a different request",
        )
    }

    pub fn rate_limited() -> ApiError {
        ApiError::new(429, "rate_limited", "too many requests; retry shortly")
    }

    /// The error as JSON: `{"error":{"code","message"[,"line":{"index","sku"}]}}`.
    pub fn body(&self) -> String {
        #[derive(Serialize)]
        struct Detail<'a> {
            code: &'a str,
            message: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            line: Option<&'a LineRef>,
        }
        #[derive(Serialize)]
        struct Body<'a> {
            error: Detail<'a>,
        }
        let body =
            Body { error: Detail { code: self.code, message: &self.message, line: self.line.as_ref() } };
        serde_json::to_string(&body).unwrap_or_default()
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> ApiError {
        match refusal {
            Refusal::ZeroQuantity => ApiError::invalid("qty must be at least 1"),
            Refusal::Discontinued => ApiError::new(
                409,
                "discontinued",
                "this item is discontinued: only remaining stock can be ordered",
            ),
            Refusal::InsufficientStock { available_now, backorder_remaining } => {
                let beyond = match backorder_remaining {
                    Some(0) => "no backorders can be taken".to_string(),
                    Some(n) => format!("at most {n} more can be backordered"),
                    None => "backorders are unlimited".to_string(),
                };
                ApiError::new(
                    409,
                    "insufficient_stock",
                    format!("{available_now} available now and {beyond}"),
                )
            }
        }
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> ApiError {
        match error {
            Error::Refused(refusal) => refusal.into(),
            Error::NotFound(Missing::Reservation) => ApiError::not_found("no such reservation"),
            Error::NotFound(Missing::Order) => ApiError::not_found("no such order"),
            Error::NotFound(Missing::PurchaseOrder) => ApiError::not_found("no such purchase order"),
            Error::ReservationNotHeld { state } => {
                let detail = match &state {
                    HoldState::Confirmed { order_id } => format!("confirmed as order {order_id}"),
                    other => other.as_str().to_string(),
                };
                ApiError::new(409, "reservation_not_held", format!("the reservation is already {detail}"))
            }
            Error::OrderExists => {
                ApiError::new(409, "order_exists", "an order with this id exists with other lines")
            }
            Error::OrderCancelled => ApiError::new(409, "order_cancelled", "the order is cancelled"),
            Error::Invalid(message) => ApiError::invalid(message),
            Error::RateLimited => ApiError::rate_limited(),
            Error::ReservationPrepared { order_id } => ApiError::new(
                409,
                "reservation_prepared",
                format!("the reservation is held for order {order_id}, which is being placed"),
            ),
            Error::NoDelayPending => {
                ApiError::new(409, "no_delay_pending", "no delay decision is pending for this order")
            }
        }
    }
}

/// Every code a ledger refuses a request with, for passing one on from another object's answer.
const LEDGER_CODES: [&str; 11] = [
    "invalid_request",
    "not_found",
    "insufficient_stock",
    "discontinued",
    "reservation_not_held",
    "reservation_prepared",
    "order_exists",
    "order_cancelled",
    "no_delay_pending",
    "idempotency_key_reused",
    "rate_limited",
];

/// The static form of a code another object answered with, if it is one of the ledger's.
pub fn known_code(code: &str) -> Option<&'static str> {
    LEDGER_CODES.iter().copied().find(|known| *known == code)
}
