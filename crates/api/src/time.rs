//! Text forms of dates and instants: `YYYY-MM-DD` and RFC 3339.

use backorder_core::{Date, Millis};

const MILLIS_PER_DAY: i64 = 86_400_000;

/// `2026-11-26T10:15:00Z` (milliseconds shown only when not zero).
pub fn format_instant(at: Millis) -> String {
    let days = at.div_euclid(MILLIS_PER_DAY);
    let in_day = at.rem_euclid(MILLIS_PER_DAY);
    let date = Date::from_days(days).map_or_else(|| "0000-00-00".to_string(), |d| d.to_string());
    let (h, m, s, ms) = (in_day / 3_600_000, in_day / 60_000 % 60, in_day / 1000 % 60, in_day % 1000);
    if ms == 0 {
        format!("{date}T{h:02}:{m:02}:{s:02}Z")
    } else {
        format!("{date}T{h:02}:{m:02}:{s:02}.{ms:03}Z")
    }
}

/// Parses an RFC 3339 date-time (`Z` or a `±HH:MM` offset, optional fraction) into
/// milliseconds since the epoch.
pub fn parse_instant(text: &str) -> Option<Millis> {
    let (date, rest) = text.split_at_checked(10)?;
    let date = Date::parse(date)?;
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (clock, zone) = rest.split_at_checked(8)?;
    let bytes = clock.as_bytes();
    if bytes[2] != b':' || bytes[5] != b':' {
        return None;
    }
    let field = |range: core::ops::Range<usize>, max: i64| -> Option<i64> {
        let digits = clock.get(range)?;
        let value: i64 = digits.parse().ok()?;
        (digits.bytes().all(|b| b.is_ascii_digit()) && value <= max).then_some(value)
    };
    let (h, m, s) = (field(0..2, 23)?, field(3..5, 59)?, field(6..8, 59)?);
    let (fraction, zone) = match zone.strip_prefix('.') {
        Some(after) => {
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            let millis: i64 = format!("{:0<3}", &after[..digits.min(3)]).parse().ok()?;
            (millis, &after[digits..])
        }
        None => (0, zone),
    };
    let offset_minutes = match zone {
        "Z" | "z" => 0,
        _ => {
            let sign = match zone.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (oh, om) = zone.get(1..)?.split_once(':')?;
            if oh.len() != 2 || om.len() != 2 {
                return None;
            }
            let (oh, om): (i64, i64) = (oh.parse().ok()?, om.parse().ok()?);
            if oh > 23 || om > 59 {
                return None;
            }
            sign * (oh * 60 + om)
        }
    };
    let local = i64::from(date.days()) * MILLIS_PER_DAY + ((h * 60 + m) * 60 + s) * 1000 + fraction;
    Some(local - offset_minutes * 60_000)
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
            ("2026-11-26t10:00:00z", Some(at)),
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
