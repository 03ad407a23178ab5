//! The send window: business days, holidays and quiet hours, read on one zone's clock; and
//! the company calendar they come from, which the owner may change while chases run.

use std::collections::BTreeSet;

use jiff::civil::{Date, Time};
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

use crate::offset::Offset;
use crate::rules::{ClockTime, QuietHours, Settings, Weekdays};
use crate::zone::Zone;

/// The part of the rules doc's company settings that says when messages may go out. Unlike a
/// cadence, which a chase keeps from its start, a changed calendar reaches running chases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    pub send_hour: ClockTime,
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
    pub business_days: Weekdays,
    #[serde(default)]
    pub holidays: BTreeSet<Date>,
}

impl Settings {
    /// The company calendar these settings hold.
    pub fn calendar(&self) -> Calendar {
        Calendar {
            send_hour: self.send_hour,
            quiet_hours: self.quiet_hours,
            business_days: self.business_days,
            holidays: self.holidays.clone(),
        }
    }

    /// These settings under another calendar.
    pub fn with_calendar(&self, calendar: &Calendar) -> Settings {
        Settings {
            send_hour: calendar.send_hour,
            quiet_hours: calendar.quiet_hours,
            business_days: calendar.business_days,
            holidays: calendar.holidays.clone(),
            ..self.clone()
        }
    }
}

impl Calendar {
    /// What changed from `before`, in words for the audit log (`holidays added 2026-12-24`).
    pub fn changes_from(&self, before: &Calendar) -> Vec<String> {
        let mut out = vec![];
        let dates = |d: Vec<&Date>| {
            d.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let added: Vec<&Date> = self.holidays.difference(&before.holidays).collect();
        if !added.is_empty() {
            out.push(format!("holidays added {}", dates(added)));
        }
        let removed: Vec<&Date> = before.holidays.difference(&self.holidays).collect();
        if !removed.is_empty() {
            out.push(format!("holidays removed {}", dates(removed)));
        }
        if self.send_hour != before.send_hour {
            out.push(format!("send hour {}", self.send_hour));
        }
        if self.quiet_hours != before.quiet_hours {
            let quiet = self
                .quiet_hours
                .map_or("none".to_owned(), |q| q.to_string());
            out.push(format!("quiet hours {quiet}"));
        }
        if self.business_days != before.business_days {
            out.push("business days".to_owned());
        }
        out
    }
}

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
        self.closed_because(t).is_none()
    }

    /// Why no message may go out at `t` (`a holiday`, `not a business day`, `quiet hours`),
    /// or `None` when one may.
    pub fn closed_because(&self, t: Timestamp) -> Option<&'static str> {
        let local = self.zone.tz().to_datetime(t);
        if self.settings.holidays.contains(&local.date()) {
            Some("a holiday")
        } else if !self.settings.business_days.contains(local.date().weekday()) {
            Some("not a business day")
        } else if self
            .settings
            .quiet_hours
            .is_some_and(|q| q.contains(local.time()))
        {
            Some("quiet hours")
        } else {
            None
        }
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

    #[test]
    fn a_closed_instant_says_why() {
        let mut s = settings();
        s.holidays.insert(date(2026, 12, 24));
        let zone = s.time_zone.clone();
        let w = Window::new(&s, &zone);
        assert_eq!(
            w.closed_because(ts("2026-12-24T10:00:00Z")),
            Some("a holiday")
        );
        assert_eq!(
            w.closed_because(ts("2026-12-26T10:00:00Z")),
            Some("not a business day")
        );
        assert_eq!(
            w.closed_because(ts("2026-12-23T19:00:00Z")),
            Some("quiet hours")
        );
        assert_eq!(w.closed_because(ts("2026-12-23T10:00:00Z")), None);
    }

    #[test]
    fn a_calendar_change_is_told_field_by_field() {
        let before = settings().calendar();
        let mut after = before.clone();
        assert!(after.changes_from(&before).is_empty());
        after.holidays.insert(date(2026, 12, 24));
        after.send_hour = ClockTime(Time::constant(10, 0, 0, 0));
        after.quiet_hours = None;
        after.business_days = crate::rules::Weekdays::ALL;
        assert_eq!(
            after.changes_from(&before),
            [
                "holidays added 2026-12-24",
                "send hour 10:00",
                "quiet hours none",
                "business days"
            ]
        );
        assert_eq!(
            before.changes_from(&after)[0],
            "holidays removed 2026-12-24"
        );
        // Only the calendar moves: the rest of the settings stay.
        let moved = settings().with_calendar(&after);
        assert_eq!(moved.calendar(), after);
        assert_eq!(moved.min_gap, settings().min_gap);
    }
}
