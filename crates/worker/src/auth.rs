//! Merchant authentication: `Authorization: Bearer <MERCHANT_TOKEN>`, compared in constant time.

/// Whether `authorization` (the header's value) carries `expected` as a bearer token. An
/// empty `expected` (the secret is not configured) never matches.
pub fn bearer_matches(authorization: Option<&str>, expected: &str) -> bool {
    let Some(value) = authorization else { return false };
    let Some((scheme, token)) = value.trim().split_once(' ') else { return false };
    scheme.eq_ignore_ascii_case("bearer")
        && !expected.is_empty() & constant_time_eq(token.trim().as_bytes(), expected.as_bytes())
}

/// Compares without an early exit, so timing does not reveal how much of a guess is right.
fn constant_time_eq(presented: &[u8], expected: &[u8]) -> bool {
    let mut difference = u8::from(presented.len() != expected.len());
    for (i, byte) in expected.iter().enumerate() {
        difference |= byte ^ presented.get(i).copied().unwrap_or(!byte);
    }
    difference == 0
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
