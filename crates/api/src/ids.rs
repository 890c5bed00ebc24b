//! Reservation ids: `res_<24 hex digits>.<sku>`. The random part makes them unguessable (the
//! shell draws it from the runtime's CSPRNG); the SKU travels in the id, so a read or a release
//! finds its ledger without a lookup.

use crate::validate;

/// Bytes of randomness in a reservation id.
pub const TOKEN_BYTES: usize = 12;

pub fn reservation_id(token: &[u8; TOKEN_BYTES], sku: &str) -> String {
    format!("res_{}.{sku}", hex::encode(token))
}

/// The SKU a reservation id belongs to, if the id is well-formed.
pub fn reservation_sku(id: &str) -> Option<&str> {
    let rest = id.strip_prefix("res_")?;
    let token = rest.get(..TOKEN_BYTES * 2)?;
    let sku = rest.get(TOKEN_BYTES * 2..)?.strip_prefix('.')?;
    let lower_hex = token.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    (lower_hex && validate::sku(sku).is_ok()).then_some(sku)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservation_ids_carry_their_sku() {
        let id = reservation_id(&[0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0, 1, 2, 3], "X.y");
        assert_eq!(id, "res_0123456789abcdef00010203.X.y");
        assert_eq!(reservation_sku(&id), Some("X.y"));
        assert_eq!(reservation_sku("res_0123456789ABCDEF00010203.X"), None);
        assert_eq!(reservation_sku("res_short.X"), None);
        assert_eq!(reservation_sku("res_0123456789abcdef00010203."), None);
        assert_eq!(reservation_sku("res_0123456789abcdef00010203.bad sku"), None);
    }
}
