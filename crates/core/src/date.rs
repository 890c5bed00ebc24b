//! Calendar dates and timestamps without any clock.

/// Milliseconds since the Unix epoch. The core never reads a clock: every
/// command carries `now` as one of these.
pub type Millis = i64;

const MILLIS_PER_DAY: i64 = 86_400_000;

/// A calendar date, stored as days since 1970-01-01 (proleptic Gregorian).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i32);

impl Date {
    /// Smallest and largest dates the core accepts (years 1970–9999), so that
    /// date arithmetic can never overflow.
    pub const MIN: Date = Date(0);
    pub const MAX: Date = Date(2_932_896);

    /// Days since 1970-01-01, or `None` outside `MIN..=MAX`.
    pub fn from_days(days: i64) -> Option<Date> {
        if (Self::MIN.0 as i64..=Self::MAX.0 as i64).contains(&days) {
            Some(Date(days as i32))
        } else {
            None
        }
    }

    pub fn days(self) -> i32 {
        self.0
    }

    /// The date for year, month (1–12) and day, or `None` if there is no such date.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        // Howard Hinnant's days_from_civil.
        let y = if month <= 2 { year - 1 } else { year } as i64;
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = month as i64;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Date::from_days(era * 146_097 + doe - 719_468)
    }

    /// (year, month 1–12, day 1–31).
    pub fn ymd(self) -> (i32, u32, u32) {
        let z = self.0 as i64 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + if month <= 2 { 1 } else { 0 }) as i32;
        (year, month, day)
    }

    /// ISO weekday: 1 = Monday … 7 = Sunday.
    pub fn weekday(self) -> u8 {
        // 1970-01-01 was a Thursday.
        ((self.0 as i64 + 3).rem_euclid(7) + 1) as u8
    }

    /// `self + days`, saturating at `Date::MAX`.
    pub fn add_days(self, days: u32) -> Date {
        Date((self.0 as i64 + days as i64).min(Self::MAX.0 as i64) as i32)
    }

    /// The calendar date of `now` in a store whose clocks run `utc_offset_minutes` from UTC.
    /// Instants outside the supported range clamp to `MIN`/`MAX`.
    pub fn of_instant(now: Millis, utc_offset_minutes: i32) -> Date {
        let local = now.saturating_add(utc_offset_minutes as i64 * 60_000);
        let days = local.div_euclid(MILLIS_PER_DAY);
        Date(days.clamp(Self::MIN.0 as i64, Self::MAX.0 as i64) as i32)
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let number = |range: core::ops::Range<usize>| -> Option<u32> {
            bytes[range]
                .iter()
                .try_fold(0u32, |acc, &b| b.is_ascii_digit().then(|| acc * 10 + (b - b'0') as u32))
        };
        Date::from_ymd(number(0..4)? as i32, number(5..7)?, number(8..10)?)
    }

    /// Writes `YYYY-MM-DD` into `out`.
    pub fn write_iso(self, out: &mut [u8; 10]) {
        let (y, m, d) = self.ymd();
        let digits = |out: &mut [u8], mut value: u32| {
            for slot in out.iter_mut().rev() {
                *slot = b'0' + (value % 10) as u8;
                value /= 10;
            }
        };
        digits(&mut out[0..4], y as u32);
        out[4] = b'-';
        digits(&mut out[5..7], m);
        out[7] = b'-';
        digits(&mut out[8..10], d);
    }
}

impl core::fmt::Display for Date {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut buf = [0u8; 10];
        self.write_iso(&mut buf);
        // write_iso only writes ASCII digits and dashes.
        f.write_str(core::str::from_utf8(&buf).unwrap_or("????-??-??"))
    }
}

/// Why a text is not a [`Date`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotADate;

impl core::fmt::Display for NotADate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("not a date (YYYY-MM-DD, 1970-01-01 to 9999-12-31)")
    }
}

impl core::str::FromStr for Date {
    type Err = NotADate;

    fn from_str(text: &str) -> Result<Date, NotADate> {
        Date::parse(text).ok_or(NotADate)
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::prelude::rust_2021::*;

    #[test]
    fn round_trips_every_day_of_four_centuries() {
        let mut previous: Option<Date> = None;
        for days in 0..146_097 {
            let date = Date::from_days(days).unwrap();
            let (y, m, d) = date.ymd();
            assert_eq!(Date::from_ymd(y, m, d), Some(date));
            if let Some(p) = previous {
                assert_eq!(p.add_days(1), date);
                assert_eq!(p.weekday() % 7 + 1, date.weekday());
            }
            previous = Some(date);
        }
    }

    #[test]
    fn known_dates() {
        let cases = [
            ("1970-01-01", 0, 4),
            ("2026-11-26", 20_783, 4),
            ("2026-11-28", 20_785, 6),
            ("2000-02-29", 11_016, 2),
            ("9999-12-31", 2_932_896, 5),
        ];
        for (text, days, weekday) in cases {
            let date = Date::parse(text).unwrap();
            assert_eq!(date.days(), days, "{text}");
            assert_eq!(date.weekday(), weekday, "{text}");
            assert_eq!(date.to_string(), text);
        }
    }

    #[test]
    fn rejects_malformed_dates() {
        for text in [
            "",
            "2026-2-01",
            "2026-02-30",
            "2026-13-01",
            "2026-00-10",
            "1969-12-31",
            "2026/11/26",
            "2026-11-2x",
            "+026-11-26",
            "2026-11-260",
        ] {
            assert_eq!(Date::parse(text), None, "{text}");
        }
        assert_eq!(Date::parse("2024-02-29").map(|d| d.to_string()), Some("2024-02-29".into()));
    }

    #[test]
    fn instant_to_store_date_respects_offset() {
        // 2026-11-26T23:30:00Z
        let now = 1_795_735_800_000;
        assert_eq!(Date::of_instant(now, 0).to_string(), "2026-11-26");
        assert_eq!(Date::of_instant(now, 60).to_string(), "2026-11-27");
        assert_eq!(Date::of_instant(now, -600).to_string(), "2026-11-26");
        assert_eq!(Date::of_instant(i64::MIN, 0), Date::MIN);
        assert_eq!(Date::of_instant(i64::MAX, 840), Date::MAX);
    }
}
