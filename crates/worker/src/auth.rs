//! Merchant authentication: `Authorization: Bearer <MERCHANT_TOKEN>`, compared in constant time.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Whether `authorization` (the header's value) carries `expected` as a bearer token. An
/// empty `expected` (the secret is not configured) never matches.
pub fn bearer_matches(authorization: Option<&str>, expected: &str) -> bool {
    let Some(value) = authorization else { return false };
    let Some((scheme, token)) = value.trim().split_once(' ') else { return false };
    // Digests of equal length are compared, so neither the token's contents nor its length
    // show in the time the comparison takes (subtle's slice comparison stops early on length).
    let same = Sha256::digest(token.trim().as_bytes()).ct_eq(&Sha256::digest(expected.as_bytes()));
    scheme.eq_ignore_ascii_case("bearer") & !expected.is_empty() & bool::from(same)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens() {
        let secret = "s3cret-token";
        assert!(bearer_matches(Some("Bearer s3cret-token"), secret));
        assert!(bearer_matches(Some("bearer  s3cret-token "), secret));
        for wrong in [
            None,
            Some(""),
            Some("Bearer"),
            Some("Bearer s3cret-toke"),
            Some("Bearer s3cret-token2"),
            Some("Basic s3cret-token"),
            Some("Bearer S3CRET-TOKEN"),
        ] {
            assert!(!bearer_matches(wrong, secret), "{wrong:?}");
        }
        assert!(!bearer_matches(Some("Bearer "), ""), "an unset secret never matches");
    }
}
