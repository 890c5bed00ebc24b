//! Instants as RFC 3339 text (`2026-11-26T10:15:00Z`), through the `time` crate. Calendar dates
//! are the core's own [`backorder_core::Date`], written `YYYY-MM-DD`.

use backorder_core::Millis;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

fn instant(at: Millis) -> OffsetDateTime {
    // Every instant the edge handles is within years 0000–9999, which RFC 3339 can write.
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(at) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn millis(instant: OffsetDateTime) -> Millis {
    instant.unix_timestamp_nanos().div_euclid(1_000_000) as Millis
}

/// `2026-11-26T10:15:00Z`, with a fraction only when there is one.
pub fn format_instant(at: Millis) -> String {
    instant(at).format(&Rfc3339).unwrap_or_default()
}

/// An RFC 3339 date-time (`Z` or a `±HH:MM` offset, optional fraction) in milliseconds since
/// the epoch; sub-millisecond digits are dropped.
pub fn parse_instant(text: &str) -> Option<Millis> {
    OffsetDateTime::parse(text, &Rfc3339).ok().map(millis)
}

/// `#[serde(with = "rfc3339")]` on a [`Millis`] field: written and read as RFC 3339 text.
pub mod rfc3339 {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &Millis, serializer: S) -> Result<S::Ok, S::Error> {
        time::serde::rfc3339::serialize(&instant(*at), serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Millis, D::Error> {
        time::serde::rfc3339::deserialize(deserializer).map(millis)
    }

    /// `#[serde(with = "rfc3339::option")]` on an `Option<Millis>`: RFC 3339 text or `null`.
    pub mod option {
        use super::*;

        pub fn serialize<S: Serializer>(at: &Option<Millis>, serializer: S) -> Result<S::Ok, S::Error> {
            time::serde::rfc3339::option::serialize(&at.map(instant), serializer)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Millis>, D::Error> {
            time::serde::rfc3339::option::deserialize(deserializer).map(|at| at.map(millis))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_round_trip_and_accept_offsets() {
        let at = 1_795_687_200_000; // 2026-11-26T10:00:00Z
        assert_eq!(format_instant(at), "2026-11-26T10:00:00Z");
        assert_eq!(format_instant(at + 15 * 60_000 + 5), "2026-11-26T10:15:00.005Z");
        let cases = [
            ("2026-11-26T10:00:00Z", Some(at)),
            ("2026-11-26T10:00:00.5Z", Some(at + 500)),
            ("2026-11-26T10:00:00.123456Z", Some(at + 123)),
            ("2026-11-26T11:30:00+01:30", Some(at)),
            ("2026-11-26T05:00:00-05:00", Some(at)),
            ("2026-11-26T24:00:00Z", None),
            ("2026-11-26T10:00Z", None),
            ("2026-11-26T10:00:00", None),
            ("2026-11-26T10:00:00.Z", None),
            ("2026-11-26T10:00:00+1:00", None),
            ("2026-02-30T10:00:00Z", None),
            ("", None),
            ("2026-11-26T1é:00:00Z", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_instant(text), expected, "{text}");
        }
    }
}
