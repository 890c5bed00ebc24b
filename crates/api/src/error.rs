//! The error shape every endpoint answers with: `{"error":{"code","message"}}`.

use backorder_core::{Error, HoldState, Missing, Refusal};
use serde::Serialize;

/// An error reply: HTTP status, a stable snake_case code, and a message for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into() }
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

    /// The error as JSON: `{"error":{"code","message"}}`.
    pub fn body(&self) -> String {
        #[derive(Serialize)]
        struct Detail<'a> {
            code: &'a str,
            message: &'a str,
        }
        #[derive(Serialize)]
        struct Body<'a> {
            error: Detail<'a>,
        }
        let body = Body { error: Detail { code: self.code, message: &self.message } };
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
        }
    }
}
