//! The shipping calendar: which days the store ships and how long handling takes.

use alloc::vec::Vec;

use crate::date::Date;

/// A set of ISO weekdays (1 = Monday … 7 = Sunday) as a bitmask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Weekdays(u8);

impl Weekdays {
    pub const MONDAY_TO_FRIDAY: Weekdays = Weekdays(0b0011_1110);
    pub const EMPTY: Weekdays = Weekdays(0);

    /// The set of the given ISO weekdays, or `None` if any is outside 1..=7.
    pub fn from_iso(days: &[u8]) -> Option<Weekdays> {
        days.iter()
            .try_fold(Weekdays::EMPTY, |set, &day| (1..=7).contains(&day).then(|| Weekdays(set.0 | 1 << day)))
    }

    pub fn contains(self, iso_weekday: u8) -> bool {
        iso_weekday <= 7 && self.0 & (1 << iso_weekday) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The ISO weekdays in the set, ascending.
    pub fn iter(self) -> impl Iterator<Item = u8> {
        (1..=7).filter(move |&day| self.contains(day))
    }
}

impl Default for Weekdays {
    fn default() -> Self {
        Weekdays::MONDAY_TO_FRIDAY
    }
}

/// When units that become available on some date actually ship.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calendar {
    /// Shipping days between a unit becoming available and it leaving the warehouse.
    pub handling_days: u32,
    pub ship_weekdays: Weekdays,
    /// Days the warehouse does not ship, kept sorted and without repeats.
    holidays: Vec<Date>,
}

impl Default for Calendar {
    fn default() -> Self {
        Calendar { handling_days: 1, ship_weekdays: Weekdays::default(), holidays: Vec::new() }
    }
}

impl Calendar {
    /// `holidays` in any order, repeats allowed.
    pub fn new(handling_days: u32, ship_weekdays: Weekdays, holidays: Vec<Date>) -> Calendar {
        // Insertion keeps them sorted and unique with the binary search `is_ship_day` uses: no
        // sort routine of its own in the wasm. Quadratic, so callers keep to the policy's limit
        // of 1,000 holidays (the API refuses more before it builds a calendar).
        let mut sorted: Vec<Date> = Vec::with_capacity(holidays.len());
        for date in holidays {
            if let Err(at) = sorted.binary_search(&date) {
                sorted.insert(at, date);
            }
        }
        Calendar { handling_days, ship_weekdays, holidays: sorted }
    }

    pub fn holidays(&self) -> &[Date] {
        &self.holidays
    }

    pub fn is_ship_day(&self, date: Date) -> bool {
        self.ship_weekdays.contains(date.weekday()) && self.holidays.binary_search(&date).is_err()
    }

    /// The date a unit available on `available` ships: the `handling_days`-th ship day after
    /// it, or with no handling the first ship day on or after it. `None` when the calendar has
    /// no ship day left before `Date::MAX`.
    pub fn ship_date(&self, available: Date) -> Option<Date> {
        if self.ship_weekdays.is_empty() {
            return None;
        }
        let mut day = available;
        if self.handling_days == 0 {
            return self.ship_day_from(day);
        }
        for _ in 0..self.handling_days {
            day = self.ship_day_from(next_day(day)?)?;
        }
        Some(day)
    }

    /// The `days`-th working day (Monday to Friday, not a holiday) after `from`: when a
    /// refund is due.
    pub fn working_days_after(&self, from: Date, days: u32) -> Date {
        let mut day = from;
        let mut left = days;
        while left > 0 && day < Date::MAX {
            day = day.add_days(1);
            if day.weekday() <= 5 && self.holidays.binary_search(&day).is_err() {
                left -= 1;
            }
        }
        day
    }

    /// The first ship day on or after `day`.
    fn ship_day_from(&self, mut day: Date) -> Option<Date> {
        // With at least one ship weekday, every 7 days contain a ship day unless a holiday
        // removes it, so this bound is never the reason for stopping early.
        for _ in 0..(7 * (self.holidays.len() + 1)) {
            if self.is_ship_day(day) {
                return Some(day);
            }
            day = next_day(day)?;
        }
        None
    }
}

fn next_day(day: Date) -> Option<Date> {
    (day < Date::MAX).then(|| day.add_days(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::prelude::rust_2021::*;
    use std::vec;

    fn date(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    #[test]
    fn ship_dates_follow_handling_weekdays_and_holidays() {
        let weekdays = Calendar::default();
        let christmas = Calendar::new(1, Weekdays::default(), vec![date("2026-12-25")]);
        let no_handling = Calendar::new(0, Weekdays::default(), vec![]);
        let weekends_only = Calendar::new(2, Weekdays::from_iso(&[6, 7]).unwrap(), vec![]);
        // (calendar, available, expected ship date)
        let cases = [
            (&weekdays, "2026-11-26", "2026-11-27"),      // Thu + 1 ship day = Fri
            (&weekdays, "2026-11-27", "2026-11-30"),      // Fri + 1 = Mon
            (&weekdays, "2026-11-28", "2026-11-30"),      // Sat + 1 = Mon
            (&weekdays, "2026-12-10", "2026-12-11"),      // the brief's example
            (&christmas, "2026-12-24", "2026-12-28"),     // Thu + 1 skips the holiday Fri
            (&no_handling, "2026-11-28", "2026-11-30"),   // Sat rolls to Mon
            (&no_handling, "2026-11-26", "2026-11-26"),   // a ship day ships the same day
            (&weekends_only, "2026-11-26", "2026-11-29"), // Thu + 2 weekend days = Sun
        ];
        for (calendar, available, expected) in cases {
            assert_eq!(calendar.ship_date(date(available)), Some(date(expected)), "{available}");
        }
    }

    #[test]
    fn no_ship_day_means_no_date() {
        let never = Calendar::new(1, Weekdays::EMPTY, vec![]);
        assert_eq!(never.ship_date(date("2026-11-26")), None);
        let at_the_end = Calendar::default();
        assert_eq!(at_the_end.ship_date(Date::MAX), None);
    }

    #[test]
    fn holidays_covering_every_ship_day_for_weeks_still_terminate() {
        let start = date("2026-11-26");
        let holidays: Vec<Date> = (0..60).map(|d| start.add_days(d)).collect();
        let calendar = Calendar::new(1, Weekdays::default(), holidays);
        assert_eq!(calendar.ship_date(start), Some(date("2027-01-25")));
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        let christmas = Calendar::new(1, Weekdays::default(), vec![date("2026-12-25")]);
        // Thu 26 Nov + 7 working days: Fri 27, Mon 30, Tue 1, Wed 2, Thu 3, Fri 4, Mon 7.
        assert_eq!(christmas.working_days_after(date("2026-11-26"), 7), date("2026-12-07"));
        // Over Christmas: Wed 23 + 3: Thu 24, (Fri 25 a holiday), Mon 28, Tue 29.
        assert_eq!(christmas.working_days_after(date("2026-12-23"), 3), date("2026-12-29"));
        assert_eq!(christmas.working_days_after(Date::MAX, 7), Date::MAX);
    }

    #[test]
    fn weekday_sets() {
        assert_eq!(Weekdays::from_iso(&[0]), None);
        assert_eq!(Weekdays::from_iso(&[8]), None);
        let set = Weekdays::from_iso(&[5, 1, 1]).unwrap();
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![1, 5]);
        assert_eq!(Weekdays::default().iter().collect::<Vec<_>>(), vec![1, 2, 3, 4, 5]);
    }
}
