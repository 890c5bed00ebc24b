//! Request bodies. Unknown fields are refused with a message naming them; every error names
//! the field it is about (`lines[0].qty: invalid value: …`).

use backorder_core::{CancelScope, Command, Date, Ship};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_with::{serde_as, DefaultOnNull, DisplayFromStr};

use crate::error::ApiError;
use crate::validate;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShipDoc {
    #[default]
    Partial,
    Complete,
}

impl From<ShipDoc> for Ship {
    fn from(ship: ShipDoc) -> Ship {
        match ship {
            ShipDoc::Partial => Ship::Partial,
            ShipDoc::Complete => Ship::Complete,
        }
    }
}

impl From<Ship> for ShipDoc {
    fn from(ship: Ship) -> ShipDoc {
        match ship {
            Ship::Partial => ShipDoc::Partial,
            Ship::Complete => ShipDoc::Complete,
        }
    }
}

/// `POST /v1/reservations`
#[serde_as]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReservationRequest {
    pub sku: String,
    pub qty: u32,
    /// Absent or `null`: partial.
    #[serde_as(as = "DefaultOnNull")]
    #[serde(default)]
    pub ship: ShipDoc,
}

/// `POST /v1/orders`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderRequest {
    pub order_id: String,
    pub lines: Vec<OrderLineRequest>,
}

/// `POST /v1/demo/checkout` (development only): the demo store's cart, turned into an order
/// by the edge as a store's backend would; the order id comes from the Idempotency-Key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    pub lines: Vec<OrderLineRequest>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderLineRequest {
    pub sku: String,
    pub qty: u32,
    #[serde(default)]
    pub reservation_id: Option<String>,
    #[serde(default)]
    pub ship: Option<ShipDoc>,
}

/// `POST /v1/orders/{id}/cancel` (the body is optional): the whole order, or one SKU's line;
/// every unit of it, or only those still waiting.
#[serde_as]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// Absent or `null`: the whole line.
    #[serde_as(as = "DefaultOnNull")]
    #[serde(default)]
    pub scope: CancelScopeDoc,
    #[serde(default)]
    pub sku: Option<String>,
}

/// `POST /v1/orders/{id}/delay`: the customer's answer to a delay notice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DelayAnswerRequest {
    /// The order's status token.
    pub token: String,
    pub decision: DelayDecisionDoc,
    /// Only this SKU's line; without it, every line with a decision pending.
    #[serde(default)]
    pub sku: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DelayDecisionDoc {
    /// Consent to the revised date.
    Accept,
    /// Cancel the waiting units, to be refunded.
    Cancel,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelScopeDoc {
    #[default]
    Line,
    Backorder,
}

impl From<CancelScopeDoc> for CancelScope {
    fn from(scope: CancelScopeDoc) -> CancelScope {
        match scope {
            CancelScopeDoc::Line => CancelScope::Line,
            CancelScopeDoc::Backorder => CancelScope::Backorder,
        }
    }
}

/// `POST /v1/skus/{sku}/receipts`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptRequest {
    pub qty: u32,
    #[serde(default)]
    pub po_id: Option<String>,
}

/// `PUT /v1/skus/{sku}/purchase-orders/{po_id}`
#[serde_as]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurchaseOrderRequest {
    pub qty: u32,
    #[serde_as(as = "DisplayFromStr")]
    pub expected_date: Date,
}

/// Parses a JSON body into `T`, turning every failure into a 400 that says which field is
/// wrong and why. A body is an object: serde would also build a struct from an array of its
/// fields in order, which no client means.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let invalid = |message: String| ApiError::invalid(format!("invalid JSON body: {message}"));
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(invalid("expected an object, found an array".into()));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        match error.path().to_string().as_str() {
            "." => invalid(error.inner().to_string()),
            path => invalid(format!("{path}: {}", error.inner())),
        }
    })?;
    deserializer.end().map_err(|error| invalid(error.to_string()))?;
    Ok(value)
}

impl ReservationRequest {
    pub fn validate(&self) -> Result<(), ApiError> {
        validate::sku(&self.sku)?;
        validate::line_qty(self.qty)
    }

    /// The core command, for the reservation `id` the shell chose and the client it came from.
    pub fn command(&self, id: String, client: Option<String>) -> Command {
        Command::Reserve { id, qty: self.qty, ship: self.ship.into(), client }
    }
}

impl ReceiptRequest {
    pub fn validate(&self) -> Result<(), ApiError> {
        validate::stock_qty(self.qty, "qty")?;
        match &self.po_id {
            Some(po_id) => validate::id(po_id, "po_id"),
            None => Ok(()),
        }
    }

    pub fn command(&self) -> Command {
        Command::Receive { qty: self.qty, purchase_order: self.po_id.clone() }
    }
}

impl PurchaseOrderRequest {
    pub fn validate(&self) -> Result<(), ApiError> {
        validate::stock_qty(self.qty, "qty")
    }
}

impl OrderLineRequest {
    /// The core command confirming this line as order `order_id`.
    pub fn command(&self, order_id: &str) -> Command {
        Command::Confirm {
            order_id: order_id.to_string(),
            qty: self.qty,
            ship: self.ship.map(Ship::from),
            reservation: self.reservation_id.clone(),
        }
    }
}

/// Most lines one order may have.
pub const MAX_ORDER_LINES: usize = 100;

impl OrderRequest {
    pub fn validate(&self) -> Result<(), ApiError> {
        validate::id(&self.order_id, "order_id")?;
        if self.lines.is_empty() || self.lines.len() > MAX_ORDER_LINES {
            return Err(ApiError::invalid(format!("lines must name 1 to {MAX_ORDER_LINES} lines")));
        }
        for (index, line) in self.lines.iter().enumerate() {
            let check = validate::sku(&line.sku).and_then(|()| validate::line_qty(line.qty));
            check.map_err(|error| error.for_line(index, &line.sku))?;
            if self.lines[..index].iter().any(|earlier| earlier.sku == line.sku) {
                return Err(
                    ApiError::invalid("a SKU may appear on one line of an order").for_line(index, &line.sku)
                );
            }
            let reservation = line.reservation_id.as_deref();
            if reservation.is_some_and(|id| crate::ids::reservation_sku(id) != Some(line.sku.as_str())) {
                let error = ApiError::invalid("reservation_id is not a reservation of this line's sku");
                return Err(error.for_line(index, &line.sku));
            }
        }
        Ok(())
    }
}

impl CancelRequest {
    pub fn validate(&self) -> Result<(), ApiError> {
        match &self.sku {
            Some(sku) => validate::sku(sku),
            None => Ok(()),
        }
    }
}

impl DelayAnswerRequest {
    pub fn validate(&self) -> Result<(), ApiError> {
        validate::status_token(&self.token)?;
        match &self.sku {
            Some(sku) => validate::sku(sku),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_named() {
        let error = parse::<ReservationRequest>(br#"{"sku":"A","qty":1,"colour":"red"}"#).unwrap_err();
        assert_eq!(error.code, "invalid_request");
        assert!(error.message.contains("unknown field `colour`"), "{}", error.message);
    }

    #[test]
    fn bodies_parse_with_defaults() {
        let request: ReservationRequest = parse(br#"{"sku":"PHONE-1","qty":2}"#).unwrap();
        assert_eq!(request.ship, ShipDoc::Partial);
        let cancel: CancelRequest = parse(br#"{"scope":"backorder"}"#).unwrap();
        assert_eq!(cancel.scope, CancelScopeDoc::Backorder);
        // `null` reads as absent where the docs say a field is optional.
        let request: ReservationRequest = parse(br#"{"sku":"PHONE-1","qty":2,"ship":null}"#).unwrap();
        assert_eq!(request.ship, ShipDoc::Partial);
        let cancel: CancelRequest = parse(br#"{"scope":null}"#).unwrap();
        assert_eq!(cancel.scope, CancelScopeDoc::Line);
        let po: PurchaseOrderRequest = parse(br#"{"qty":5,"expected_date":"2026-12-10"}"#).unwrap();
        assert_eq!(po.expected_date.to_string(), "2026-12-10");
    }

    #[test]
    fn bad_bodies_say_which_field_and_why() {
        let cases: [(&[u8], &str); 10] = [
            (b"", "EOF while parsing"),
            (b"{", "EOF while parsing"),
            (br#"{"sku":"A","qty":-1}"#, "qty: invalid value: integer `-1`, expected u32"),
            (br#"{"sku":"A","qty":1.5}"#, "qty: invalid type: floating point `1.5`, expected u32"),
            (br#"{"sku":"A","qty":4294967296}"#, "qty: invalid value"),
            (br#"{"sku":"A"}"#, "missing field `qty`"),
            (br#"{"sku":"A","qty":1,"ship":"later"}"#, "ship: unknown variant `later`"),
            (br#"{"sku":"A","qty":1,"qty":2}"#, "duplicate field `qty`"),
            (br#"{"sku":"A","qty":1} x"#, "trailing characters"),
            (br#" ["A",1]"#, "expected an object, found an array"),
        ];
        for (body, needle) in cases {
            let error = parse::<ReservationRequest>(body).unwrap_err();
            assert!(error.message.contains(needle), "{:?}: {}", String::from_utf8_lossy(body), error.message);
        }
        let error = parse::<PurchaseOrderRequest>(br#"{"qty":1,"expected_date":"2026-02-30"}"#).unwrap_err();
        assert!(error.message.contains("expected_date: not a date"), "{}", error.message);
        let error =
            parse::<OrderRequest>(br#"{"order_id":"1","lines":[{"sku":"A","qty":"2"}]}"#).unwrap_err();
        assert!(error.message.contains("lines[0].qty: invalid type: string"), "{}", error.message);
    }

    #[test]
    fn request_validation() {
        let request = ReservationRequest { sku: "bad sku".into(), qty: 1, ship: ShipDoc::Partial };
        assert!(request.validate().is_err());
        let request = ReservationRequest { sku: "OK".into(), qty: 10_001, ship: ShipDoc::Partial };
        assert!(request.validate().is_err());
        let order: OrderRequest = parse(br#"{"order_id":"1001","lines":[]}"#).unwrap();
        assert!(order.validate().is_err());
        let twice: OrderRequest =
            parse(br#"{"order_id":"1","lines":[{"sku":"A","qty":1},{"sku":"A","qty":2}]}"#).unwrap();
        let error = twice.validate().unwrap_err();
        assert_eq!(error.line.map(|line| line.index), Some(1), "{}", error.message);
        let lines: Vec<String> = (0..101).map(|i| format!(r#"{{"sku":"S{i}","qty":1}}"#)).collect();
        let many: OrderRequest =
            parse(format!(r#"{{"order_id":"1","lines":[{}]}}"#, lines.join(",")).as_bytes()).unwrap();
        assert!(many.validate().unwrap_err().message.contains("1 to 100 lines"));
    }
}
