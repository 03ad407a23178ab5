//! The send window: business days, holidays and quiet hours, read on one zone's clock.

use jiff::civil::{Date, Time};
use jiff::{Timestamp, ToSpan};

use crate::offset::Offset;
use crate::rules::Settings;
use crate::zone::Zone;

/// When messages may go out, on the clock of `zone` (the recipient's, or the company's).
#[derive(Debug, Clone, Copy)]
pub struct Window<'a> {
    settings: &'a Settings,
    zone: &'a Zone,
}

impl<'a> Window<'a> {
    pub fn new(settings: &'a Settings, zone: &'a Zone) -> Self {
        Window { settings, zone }
    }

    pub fn zone(&self) -> &'a Zone {
        self.zone
    }

    /// A business day that is not a holiday.
    pub fn is_working_day(&self, date: Date) -> bool {
        self.settings.business_days.contains(date.weekday())
            && !self.settings.holidays.contains(&date)
    }

    /// Whether a message may go out at `t`.
    pub fn is_open(&self, t: Timestamp) -> bool {
        let local = self.zone.tz().to_datetime(t);
        self.is_working_day(local.date())
            && !self
                .settings
                .quiet_hours
                .is_some_and(|q| q.contains(local.time()))
    }

    /// The first minute at or after `t` when a message may go out.
    pub fn next_open(&self, t: Timestamp) -> Timestamp {
        let mut t = t;
        for _ in 0..self.max_hops() {
            let local = self.zone.tz().to_datetime(t);
            let date = local.date();
            if !self.is_working_day(date) {
                match date.tomorrow() {
                    Ok(next) => t = self.at(next, Time::midnight()),
                    Err(_) => return t,
                }
                continue;
            }
            match self.settings.quiet_hours {
                Some(quiet) if quiet.contains(local.time()) => {
                    let wraps = quiet.start.0 > quiet.end.0;
                    let end_date = if wraps && local.time() >= quiet.start.0 {
                        date.tomorrow().unwrap_or(date)
                    } else {
                        date
                    };
                    let next = self.at(end_date, quiet.end.0);
                    if next <= t {
                        return t;
                    }
                    t = next;
                }
                _ => return t,
            }
        }
        t
    }

    /// The send hour on the first working day on or after `date`, then rolled into the window.
    pub fn send_time_from(&self, date: Date) -> Timestamp {
        let mut day = date;
        for _ in 0..self.max_hops() {
            if self.is_working_day(day) {
                break;
            }
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        self.next_open(self.at(day, self.settings.send_hour.0))
    }

    /// `t` moved forward by `offset`: whole days on the local calendar (so a DST change does
    /// not shift the clock time), anything finer as an exact duration.
    pub fn add(&self, t: Timestamp, offset: Offset) -> Timestamp {
        match offset {
            Offset::Days(days) => t
                .to_zoned(self.zone.tz().clone())
                .checked_add(i64::from(days).days())
                .map_or(t, |z| z.timestamp()),
            Offset::Exact(d) => t.checked_add(d).unwrap_or(t),
        }
    }

    /// The instant of a local date and time; a time that DST skips moves forward.
    pub fn at(&self, date: Date, time: Time) -> Timestamp {
        self.zone
            .tz()
            .to_ambiguous_timestamp(date.to_datetime(time))
            .compatible()
            .unwrap_or(Timestamp::MAX)
    }

    /// Enough steps to cross a week plus every holiday, twice over for quiet hours.
    fn max_hops(&self) -> usize {
        2 * (self.settings.holidays.len() + 8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{ClockTime, QuietHours};
    use jiff::civil::date;

    fn settings() -> Settings {
        Settings {
            time_zone: Zone::parse("Europe/London").unwrap(),
            ..Settings::default()
        }
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn quiet_hours_roll_to_their_end_and_weekends_to_monday() {
        let s = settings();
        let w = Window::new(&s, &s.time_zone);
        // Tuesday 20:00 -> Wednesday 08:00 (London is UTC in winter).
        assert_eq!(
            w.next_open(ts("2026-12-01T20:00:00Z")),
            ts("2026-12-02T08:00:00Z")
        );
        // Friday 19:00 -> Monday 08:00.
        assert_eq!(
            w.next_open(ts("2026-12-04T19:00:00Z")),
            ts("2026-12-07T08:00:00Z")
        );
        // Open already: unchanged.
        assert_eq!(
            w.next_open(ts("2026-12-01T10:30:00Z")),
            ts("2026-12-01T10:30:00Z")
        );
    }

    #[test]
    fn quiet_hours_that_do_not_wrap_midnight() {
        let s = Settings {
            quiet_hours: Some(QuietHours {
                start: ClockTime(Time::constant(12, 0, 0, 0)),
                end: ClockTime(Time::constant(13, 30, 0, 0)),
            }),
            ..settings()
        };
        let w = Window::new(&s, &s.time_zone);
        assert_eq!(
            w.next_open(ts("2026-12-01T12:10:00Z")),
            ts("2026-12-01T13:30:00Z")
        );
        assert_eq!(
            w.next_open(ts("2026-12-01T23:10:00Z")),
            ts("2026-12-01T23:10:00Z")
        );
    }

    #[test]
    fn day_offsets_keep_the_clock_time_across_dst() {
        let s = settings();
        let w = Window::new(&s, &s.time_zone);
        // 09:00 BST on Friday 23 Oct 2026 + 3 days = 09:00 GMT on Monday 26 Oct (73 hours).
        let friday = w.at(date(2026, 10, 23), Time::constant(9, 0, 0, 0));
        assert_eq!(w.add(friday, Offset::Days(3)), ts("2026-10-26T09:00:00Z"));
    }
}
