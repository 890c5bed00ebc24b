//! Checks on identifiers and quantities that arrive in paths, headers and bodies.

use crate::error::ApiError;

/// Most units one order line may ask for.
pub const MAX_LINE_QTY: u32 = 10_000;
/// Most units one receipt, purchase order or stock count may carry.
pub const MAX_STOCK_QTY: u32 = 1_000_000_000;

/// SKUs: 1–64 characters of `[A-Za-z0-9._-]`.
pub fn sku(text: &str) -> Result<(), ApiError> {
    identifier(text, "sku", sku_byte)
}

/// Whether `text` is a SKU (the widget's check, without the error message's formatting).
pub fn is_sku(text: &str) -> bool {
    (1..=64).contains(&text.len()) && text.bytes().all(sku_byte)
}

fn sku_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')
}

/// Order and purchase-order ids: 1–64 characters of `[A-Za-z0-9._:#-]`.
pub fn id(text: &str, what: &str) -> Result<(), ApiError> {
    identifier(text, what, id_byte)
}

/// Whether `text` is an order or purchase-order id (the widget's check, without the error
/// message's formatting).
pub fn is_id(text: &str) -> bool {
    (1..=64).contains(&text.len()) && text.bytes().all(id_byte)
}

fn id_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':' | b'#')
}

/// Whether `text` is an order's status token: 32 lowercase hex digits (128 bits).
pub fn is_status_token(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn identifier(text: &str, what: &str, allowed: impl Fn(u8) -> bool) -> Result<(), ApiError> {
    if text.is_empty() || text.len() > 64 || !text.bytes().all(allowed) {
        let shown: String = text.chars().take(64).collect();
        return Err(ApiError::invalid(format!(
            "{what} `{}` must be 1–64 characters of letters, digits{}",
            shown.escape_default(),
            if what == "sku" { " and . _ -" } else { " and . _ - : #" },
        )));
    }
    Ok(())
}

/// Idempotency keys: 1–255 visible ASCII characters.
pub fn idempotency_key(text: &str) -> Result<(), ApiError> {
    if text.is_empty() || text.len() > 255 || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::invalid("Idempotency-Key must be 1–255 visible ASCII characters"));
    }
    Ok(())
}

/// Status tokens: 32 lowercase hex digits (malformed ones are refused before any lookup).
pub fn status_token(text: &str) -> Result<(), ApiError> {
    if !is_status_token(text) {
        return Err(ApiError::invalid("token must be the order's status token (32 hex digits)"));
    }
    Ok(())
}

pub fn line_qty(qty: u32) -> Result<(), ApiError> {
    if !(1..=MAX_LINE_QTY).contains(&qty) {
        return Err(ApiError::invalid(format!("qty must be between 1 and {MAX_LINE_QTY}")));
    }
    Ok(())
}

pub fn stock_qty(qty: u32, what: &str) -> Result<(), ApiError> {
    if qty > MAX_STOCK_QTY {
        return Err(ApiError::invalid(format!("{what} must be at most {MAX_STOCK_QTY}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skus() {
        for ok in ["PHONE-1", "a", "x.y_z-9", &"A".repeat(64)] {
            assert!(is_sku(ok), "{ok}");
            assert_eq!(sku(ok), Ok(()), "{ok}");
        }
        for bad in ["", "with space", "slash/", "ünï", "<script>", &"A".repeat(65)] {
            assert!(!is_sku(bad), "{bad}");
            let error = sku(bad).unwrap_err();
            assert_eq!((error.status, error.code), (400, "invalid_request"), "{bad}");
        }
    }

    #[test]
    fn ids_keys_and_quantities() {
        assert!(id("#1001", "order_id").is_ok());
        assert!(id("1001/2", "order_id").is_err());
        assert!(idempotency_key("4f1c-9a").is_ok());
        assert!(idempotency_key("with space").is_err());
        assert!(idempotency_key(&"k".repeat(256)).is_err());
        assert!(line_qty(0).is_err());
        assert!(line_qty(10_000).is_ok());
        assert!(line_qty(10_001).is_err());
        assert!(stock_qty(MAX_STOCK_QTY + 1, "qty").is_err());
    }
}
