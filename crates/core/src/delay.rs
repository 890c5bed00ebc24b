//! Delay consent under the FTC's Mail, Internet, or Telephone Order Merchandise Rule
//! (16 CFR 435): what a waiting line's delay notice becomes as its projection changes.
//!
//! - When a waiting line will not ship by its promise (its projected ship date is later, or
//!   unknown), the customer gets a **first notice** with the revised date (or none), until the
//!   end of the promised day (the rule's "applicable time") to answer, and never less than
//!   [`MIN_ANSWER_MS`]. Silence is consent only when the revised date is definite and at most
//!   [`SILENCE_WINDOW_DAYS`] after the original promise; otherwise the waiting units are
//!   cancelled at the deadline unless the customer consents.
//! - A consented revised date that slips again gets a **renewed notice**, for which silence is
//!   never consent. A consent to a delay without a date needs no further notice.
//! - A pending notice follows the projection: back on time, it is withdrawn; later still, the
//!   customer is told the new date (same notice, deadline kept).
//!
//! The promise of a line whose quote had no date is 30 days after it was ordered, as the rule's
//! default shipping time.

use crate::command::{Delay, DelayAnswer};
use crate::date::{Date, Millis};

/// A customer has at least this long to answer a notice.
pub const MIN_ANSWER_MS: Millis = 3 * 86_400_000;
/// Silence is consent for a first notice whose revised date is at most this many days after
/// the original promise.
pub const SILENCE_WINDOW_DAYS: u32 = 30;
/// The shipping time the rule assumes when an order was taken without a date.
pub const DEFAULT_SHIPPING_DAYS: u32 = 30;

/// What reviewing a line's delay decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Review {
    Unchanged,
    /// A notice goes out (first, superseding or renewed): the line's delay becomes this.
    Notice(Delay),
    /// The pending notice is moot: the line ships by its promise again.
    Withdrawn,
}

/// Whether a line projected for `projected` misses `promise`; an unknown date always does.
pub(crate) fn slipped(projected: Option<Date>, promise: Date) -> bool {
    projected.is_none_or(|date| date > promise)
}

/// The delay state of a waiting line whose original promise is `original`, now projected for
/// `projected`, at `now`. `end_of` turns a date into the instant its day ends in the store.
pub(crate) fn review(
    current: Option<Delay>,
    original: Date,
    projected: Option<Date>,
    now: Millis,
    end_of: impl Fn(Date) -> Millis,
) -> Review {
    let deadline = |promise: Date| end_of(promise).max(now + MIN_ANSWER_MS);
    let within_window =
        |revised: Option<Date>| revised.is_some_and(|date| date <= original.add_days(SILENCE_WINDOW_DAYS));
    match current {
        None if slipped(projected, original) => Review::Notice(Delay {
            notice: 1,
            promised: original,
            revised: projected,
            noticed_at: now,
            deadline: deadline(original),
            silence_is_consent: within_window(projected),
            answer: None,
        }),
        None => Review::Unchanged,
        Some(delay) if delay.pending() => {
            if !slipped(projected, delay.promised) {
                Review::Withdrawn
            } else if projected != delay.revised {
                Review::Notice(Delay {
                    revised: projected,
                    noticed_at: now,
                    deadline: delay.deadline.max(now + MIN_ANSWER_MS),
                    silence_is_consent: delay.notice == 1 && within_window(projected),
                    ..delay
                })
            } else {
                Review::Unchanged
            }
        }
        Some(Delay {
            answer: Some(DelayAnswer::Accepted { .. }), revised: Some(consented), notice, ..
        }) if slipped(projected, consented) => Review::Notice(Delay {
            notice: notice + 1,
            promised: consented,
            revised: projected,
            noticed_at: now,
            deadline: deadline(consented),
            silence_is_consent: false,
            answer: None,
        }),
        Some(_) => Review::Unchanged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Millis = 86_400_000;

    fn date(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    fn end_of(date: Date) -> Millis {
        (i64::from(date.days()) + 1) * DAY
    }

    #[test]
    fn first_notices_say_whether_silence_is_consent() {
        let original = date("2026-12-10");
        let now = i64::from(date("2026-12-01").days()) * DAY;
        // (revised, silence is consent): within 30 days yes; later, or unknown, no.
        for (revised, silence) in [
            (Some("2026-12-20"), true),
            (Some("2027-01-09"), true),
            (Some("2027-01-10"), false),
            (None, false),
        ] {
            let revised = revised.map(date);
            let Review::Notice(notice) = review(None, original, revised, now, end_of) else {
                panic!("{revised:?} slipped")
            };
            assert_eq!((notice.notice, notice.revised, notice.silence_is_consent), (1, revised, silence));
            assert_eq!(notice.deadline, end_of(original), "until the end of the promised day");
        }
        assert_eq!(review(None, original, Some(original), now, end_of), Review::Unchanged);
        // Noticed late (the promise already passed): still three days to answer.
        let late = end_of(original) + DAY;
        let Review::Notice(notice) = review(None, original, None, late, end_of) else { panic!() };
        assert_eq!(notice.deadline, late + MIN_ANSWER_MS);
    }

    #[test]
    fn pending_notices_follow_the_projection_and_consented_dates_renew() {
        let original = date("2026-12-10");
        let now = i64::from(date("2026-12-01").days()) * DAY;
        let Review::Notice(first) = review(None, original, Some(date("2026-12-20")), now, end_of) else {
            panic!()
        };
        assert_eq!(review(Some(first), original, Some(date("2026-12-20")), now, end_of), Review::Unchanged);
        assert_eq!(review(Some(first), original, Some(original), now, end_of), Review::Withdrawn);
        let Review::Notice(later) =
            review(Some(first), original, Some(date("2027-02-01")), now + DAY, end_of)
        else {
            panic!()
        };
        assert_eq!((later.notice, later.silence_is_consent, later.deadline), (1, false, first.deadline));
        let accepted = Delay { answer: Some(DelayAnswer::Accepted { at: now, by_silence: false }), ..first };
        assert_eq!(
            review(Some(accepted), original, Some(date("2026-12-20")), now, end_of),
            Review::Unchanged
        );
        let Review::Notice(renewed) = review(Some(accepted), original, Some(date("2026-12-22")), now, end_of)
        else {
            panic!()
        };
        assert_eq!(
            (renewed.notice, renewed.promised, renewed.silence_is_consent),
            (2, date("2026-12-20"), false)
        );
        let indefinite = Delay { revised: None, ..accepted };
        assert_eq!(
            review(Some(indefinite), original, None, now, end_of),
            Review::Unchanged,
            "consented without a date"
        );
    }
}
