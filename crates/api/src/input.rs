//! Request bodies. Unknown fields are refused with a message naming them.

use backorder_core::{CancelScope, Command, Date, Ship};

use crate::error::ApiError;
use crate::json::{self, variant, Fields, FromJson, Json, ToJson};
use crate::validate;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ShipDoc {
    #[default]
    Partial,
    Complete,
}

impl ToJson for ShipDoc {
    fn write_json(&self, out: &mut String) {
        match self {
            ShipDoc::Partial => "partial",
            ShipDoc::Complete => "complete",
        }
        .write_json(out)
    }
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

impl FromJson for ShipDoc {
    fn from_json(value: &Json) -> Result<ShipDoc, String> {
        variant(value, &[("partial", ShipDoc::Partial), ("complete", ShipDoc::Complete)])
    }
}

/// `POST /v1/reservations`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReservationRequest {
    pub sku: String,
    pub qty: u32,
    pub ship: ShipDoc,
}

impl FromJson for ReservationRequest {
    fn from_json(value: &Json) -> Result<ReservationRequest, String> {
        let fields = Fields::strict(value, &["sku", "qty", "ship"])?;
        Ok(ReservationRequest {
            sku: fields.member("sku")?,
            qty: fields.member("qty")?,
            ship: fields.present("ship")?.unwrap_or_default(),
        })
    }
}

/// `POST /v1/orders`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderRequest {
    pub order_id: String,
    pub lines: Vec<OrderLineRequest>,
}

impl FromJson for OrderRequest {
    fn from_json(value: &Json) -> Result<OrderRequest, String> {
        let fields = Fields::strict(value, &["order_id", "lines"])?;
        Ok(OrderRequest { order_id: fields.member("order_id")?, lines: fields.member("lines")? })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderLineRequest {
    pub sku: String,
    pub qty: u32,
    pub reservation_id: Option<String>,
    pub ship: Option<ShipDoc>,
}

impl FromJson for OrderLineRequest {
    fn from_json(value: &Json) -> Result<OrderLineRequest, String> {
        let fields = Fields::strict(value, &["sku", "qty", "reservation_id", "ship"])?;
        Ok(OrderLineRequest {
            sku: fields.member("sku")?,
            qty: fields.member("qty")?,
            reservation_id: fields.member("reservation_id")?,
            ship: fields.member("ship")?,
        })
    }
}

/// `POST /v1/orders/{id}/cancel` (the body is optional).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CancelRequest {
    pub scope: CancelScopeDoc,
}

impl FromJson for CancelRequest {
    fn from_json(value: &Json) -> Result<CancelRequest, String> {
        let fields = Fields::strict(value, &["scope"])?;
        Ok(CancelRequest { scope: fields.present("scope")?.unwrap_or_default() })
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CancelScopeDoc {
    #[default]
    Line,
    Backorder,
}

impl FromJson for CancelScopeDoc {
    fn from_json(value: &Json) -> Result<CancelScopeDoc, String> {
        variant(value, &[("line", CancelScopeDoc::Line), ("backorder", CancelScopeDoc::Backorder)])
    }
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptRequest {
    pub qty: u32,
    pub po_id: Option<String>,
}

impl FromJson for ReceiptRequest {
    fn from_json(value: &Json) -> Result<ReceiptRequest, String> {
        let fields = Fields::strict(value, &["qty", "po_id"])?;
        Ok(ReceiptRequest { qty: fields.member("qty")?, po_id: fields.member("po_id")? })
    }
}

/// `PUT /v1/skus/{sku}/purchase-orders/{po_id}`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurchaseOrderRequest {
    pub qty: u32,
    pub expected_date: Date,
}

impl FromJson for PurchaseOrderRequest {
    fn from_json(value: &Json) -> Result<PurchaseOrderRequest, String> {
        let fields = Fields::strict(value, &["qty", "expected_date"])?;
        Ok(PurchaseOrderRequest {
            qty: fields.member("qty")?,
            expected_date: fields.member("expected_date")?,
        })
    }
}

/// Parses a JSON body into `T`, turning every failure into a 400 that says what is wrong.
pub fn parse<T: FromJson>(body: &[u8]) -> Result<T, ApiError> {
    json::read(body).map_err(|message| ApiError::invalid(format!("invalid JSON body: {message}")))
}

impl ReservationRequest {
    pub fn validate(&self) -> Result<(), ApiError> {
        validate::sku(&self.sku)?;
        validate::line_qty(self.qty)
    }

    /// The core command, for the reservation `id` the shell chose.
    pub fn command(&self, id: String) -> Command {
        Command::Reserve { id, qty: self.qty, ship: self.ship.into() }
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

impl OrderRequest {
    pub fn validate(&self) -> Result<(), ApiError> {
        validate::id(&self.order_id, "order_id")?;
        if self.lines.is_empty() {
            return Err(ApiError::invalid("lines must name at least one line"));
        }
        for line in &self.lines {
            validate::sku(&line.sku)?;
            validate::line_qty(line.qty)?;
        }
        Ok(())
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
        let po: PurchaseOrderRequest = parse(br#"{"qty":5,"expected_date":"2026-12-10"}"#).unwrap();
        assert_eq!(po.expected_date.to_string(), "2026-12-10");
    }

    #[test]
    fn bad_bodies_say_why() {
        let cases: [(&[u8], &str); 5] = [
            (b"", "end of input"),
            (b"{", "end of input"),
            (br#"{"sku":"A","qty":-1}"#, "invalid value"),
            (br#"{"sku":"A"}"#, "missing field `qty`"),
            (br#"{"sku":"A","qty":1,"ship":"later"}"#, "unknown variant `later`"),
        ];
        for (body, needle) in cases {
            let error = parse::<ReservationRequest>(body).unwrap_err();
            assert!(error.message.contains(needle), "{:?}: {}", String::from_utf8_lossy(body), error.message);
        }
        let error = parse::<PurchaseOrderRequest>(br#"{"qty":1,"expected_date":"2026-02-30"}"#).unwrap_err();
        assert!(error.message.contains("not a date"), "{}", error.message);
    }

    #[test]
    fn request_validation() {
        let request = ReservationRequest { sku: "bad sku".into(), qty: 1, ship: ShipDoc::Partial };
        assert!(request.validate().is_err());
        let request = ReservationRequest { sku: "OK".into(), qty: 10_001, ship: ShipDoc::Partial };
        assert!(request.validate().is_err());
        let order: OrderRequest = parse(br#"{"order_id":"1001","lines":[]}"#).unwrap();
        assert!(order.validate().is_err());
    }
}
