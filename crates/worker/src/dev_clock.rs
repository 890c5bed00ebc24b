//! An object's clock: the wall clock, shifted by the development clock's offset when a call
//! brought `now` (`X-Backorder-Now`, only with `BACKORDER_DEV_CLOCK`). The offset is kept in the
//! object's storage as well as in memory, so that an object the runtime evicted and started
//! again — for its alarm, say — keeps the time the last call set, instead of jumping back to
//! the wall clock. Without the development clock nothing is ever written.

use std::cell::Cell;

use backorder_core::Millis;
use worker::SqlStorage;

use crate::client::wall_clock;
use crate::sql::{exec, rows, text};

/// A stored offset is rewritten only when it moved by more than this: calls that carry the
/// same `now` move it by the real time between them.
const REWRITE_AFTER_MS: Millis = 1_000;

#[derive(Default)]
pub struct DevClock {
    /// The offset, once read from storage (or set by a call).
    offset: Cell<Option<Millis>>,
    /// The offset storage holds, once read or written.
    stored: Cell<Millis>,
}

impl DevClock {
    /// The object's time now.
    pub fn now(&self, sql: &SqlStorage) -> Millis {
        wall_clock() + self.offset(sql)
    }

    /// The offset from the wall clock (0 unless the development clock set one).
    pub fn offset(&self, sql: &SqlStorage) -> Millis {
        if let Some(offset) = self.offset.get() {
            return offset;
        }
        let stored = stored_offset(sql);
        self.offset.set(Some(stored));
        self.stored.set(stored);
        stored
    }

    /// Takes a call's `now`: from here on, the object's time runs from it. Kept in storage by
    /// [`Self::keep`].
    pub fn set(&self, sql: &SqlStorage, now: Millis) {
        self.offset(sql);
        self.offset.set(Some(now - wall_clock()));
    }

    /// Writes the offset to storage if it moved since it was written. An object that keeps
    /// nothing else (a SKU nobody created) calls this only once it has something to keep.
    pub fn keep(&self, sql: &SqlStorage) {
        let Some(offset) = self.offset.get() else { return };
        if (offset - self.stored.get()).abs() <= REWRITE_AFTER_MS {
            return;
        }
        let written =
            exec(sql, "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)", vec![])
                .and_then(|()| {
                    exec(
                        sql,
                        "INSERT OR REPLACE INTO meta (key, value) VALUES ('dev_clock_offset', ?)",
                        vec![offset.to_string().into()],
                    )
                });
        match written {
            Ok(()) => self.stored.set(offset),
            Err(fault) => worker::console_warn!("could not keep the development clock: {}", fault),
        }
    }
}

/// The offset in storage; none (a new object, no meta table yet) reads as 0.
fn stored_offset(sql: &SqlStorage) -> Millis {
    rows(sql, "SELECT value FROM meta WHERE key = 'dev_clock_offset'", vec![])
        .ok()
        .and_then(|found| found.first().and_then(|row| text(row, 0)).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}
