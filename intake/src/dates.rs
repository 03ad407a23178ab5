//! Dates as exports write them: `2026-12-03`, `03/12/2026`, `12/03/2026`, `3 Dec 2026`,
//! `Dec 3, 2026`, with or without a time after them (the time is dropped).
//!
//! Numeric dates with the year last are read day first or month first for the whole file,
//! never guessed: the order comes from the `--date-format` option, or from a date in the file
//! that only reads one way (a day above 12). A file whose numeric dates all read both ways is
//! refused, and so is one whose dates contradict each other.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::FileError;

/// How the numeric dates of a file are written, when the file cannot tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateFormat {
    /// `YYYY-MM-DD` only: any other numeric date is an error.
    Iso,
    /// `DD/MM/YYYY` (also with `.` or `-`).
    DayMonthYear,
    /// `MM/DD/YYYY` (also with `.` or `-`).
    MonthDayYear,
}

impl DateFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            DateFormat::Iso => "yyyy-mm-dd",
            DateFormat::DayMonthYear => "dd/mm/yyyy",
            DateFormat::MonthDayYear => "mm/dd/yyyy",
        }
    }
}

impl fmt::Display for DateFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DateFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "yyyy-mm-dd" | "iso" => Ok(DateFormat::Iso),
            "dd/mm/yyyy" | "dmy" => Ok(DateFormat::DayMonthYear),
            "mm/dd/yyyy" | "mdy" => Ok(DateFormat::MonthDayYear),
            _ => Err(format!(
                "`{s}` is not a date format: expected dd/mm/yyyy, mm/dd/yyyy or yyyy-mm-dd"
            )),
        }
    }
}

impl Serialize for DateFormat {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DateFormat {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// How this file's numeric dates are read, settled once for the whole file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateRules {
    /// Only `YYYY-MM-DD`, month names, and numeric dates whose day equals their month.
    Unsettled,
    DayFirst,
    MonthFirst,
    IsoOnly,
}

/// Settles the file's date order from its date cells (`(line, text)`), or from the option.
pub(crate) fn settle<'a>(
    file: &str,
    cells: impl Iterator<Item = (u64, &'a str)>,
    forced: Option<DateFormat>,
) -> Result<DateRules, FileError> {
    match forced {
        Some(DateFormat::Iso) => return Ok(DateRules::IsoOnly),
        Some(DateFormat::DayMonthYear) => return Ok(DateRules::DayFirst),
        Some(DateFormat::MonthDayYear) => return Ok(DateRules::MonthFirst),
        None => {}
    }
    let mut day_first: Option<(u64, &str)> = None;
    let mut month_first: Option<(u64, &str)> = None;
    let mut ambiguous: Option<(&str, Numeric)> = None;
    for (line, text) in cells {
        let Some(n) = numeric(text) else { continue };
        match (n.first > 12, n.second > 12) {
            (true, false) => {
                day_first.get_or_insert((line, text));
            }
            (false, true) => {
                month_first.get_or_insert((line, text));
            }
            (false, false) if n.first != n.second => {
                ambiguous.get_or_insert((text, n));
            }
            _ => {}
        }
    }
    match (day_first, month_first, ambiguous) {
        (Some((dl, d)), Some((ml, m)), _) => Err(FileError::ContradictoryDates {
            file: file.to_owned(),
            day_first_line: dl,
            day_first: d.to_owned(),
            month_first_line: ml,
            month_first: m.to_owned(),
        }),
        (Some(_), None, _) => Ok(DateRules::DayFirst),
        (None, Some(_), _) => Ok(DateRules::MonthFirst),
        (None, None, Some((text, n))) => Err(FileError::AmbiguousDates {
            file: file.to_owned(),
            sample: text.to_owned(),
            day_first: spoken(n.first, n.second),
            month_first: spoken(n.second, n.first),
        }),
        (None, None, None) => Ok(DateRules::Unsettled),
    }
}

/// `3 April`, for the ambiguity message.
fn spoken(day: u8, month: u8) -> String {
    let name = MONTHS
        .get(usize::from(month).wrapping_sub(1))
        .map_or("?", |(_, full)| *full);
    format!("{day} {name}")
}

const MONTHS: [(&str, &str); 12] = [
    ("jan", "January"),
    ("feb", "February"),
    ("mar", "March"),
    ("apr", "April"),
    ("may", "May"),
    ("jun", "June"),
    ("jul", "July"),
    ("aug", "August"),
    ("sep", "September"),
    ("oct", "October"),
    ("nov", "November"),
    ("dec", "December"),
];

/// A numeric date with the year last: `first/second/year`.
#[derive(Debug, Clone, Copy)]
struct Numeric {
    first: u8,
    second: u8,
    year: i16,
}

fn numeric(text: &str) -> Option<Numeric> {
    let date = without_time(text);
    let separator = date.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
    let mut parts = date.split(separator);
    let (Some(a), Some(b), Some(y), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let small = |p: &str| (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    if !(small(a) && small(b) && y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    Some(Numeric {
        first: a.parse().ok()?,
        second: b.parse().ok()?,
        year: y.parse().ok()?,
    })
}

/// The date part of `2026-11-21 10:00:00`, `2026-11-21T10:00:00Z` or `21/11/2026 10:00`.
fn without_time(text: &str) -> &str {
    let text = text.trim();
    if text.as_bytes().get(10) == Some(&b'T') {
        return text.get(..10).unwrap_or(text);
    }
    // A time is a later word with a colon in it; the date is everything before that word.
    let Some(colon) = text.find(':') else {
        return text;
    };
    match text[..colon].rfind(char::is_whitespace) {
        Some(cut) => text[..cut].trim_end(),
        None => text,
    }
}

/// Whether a cell reads as a date in either order (or the given one), for telling a
/// column's kind by its values.
pub(crate) fn is_date(text: &str, order: Option<DateFormat>) -> bool {
    let rules = match order {
        Some(DateFormat::Iso) => vec![DateRules::IsoOnly],
        Some(DateFormat::DayMonthYear) => vec![DateRules::DayFirst],
        Some(DateFormat::MonthDayYear) => vec![DateRules::MonthFirst],
        None => vec![DateRules::DayFirst, DateRules::MonthFirst],
    };
    rules.into_iter().any(|r| parse(text, r).is_ok())
}

/// Reads one date under the file's rules.
pub(crate) fn parse(text: &str, rules: DateRules) -> Result<Date, String> {
    let bad = || {
        format!("`{text}` is not a date: write YYYY-MM-DD, DD/MM/YYYY, MM/DD/YYYY or 3 Dec 2026")
    };
    let date = without_time(text);
    if let Some(n) = numeric(date) {
        let (day, month) = match rules {
            DateRules::DayFirst => (n.first, n.second),
            DateRules::MonthFirst => (n.second, n.first),
            DateRules::Unsettled if n.first == n.second => (n.first, n.second),
            DateRules::Unsettled => return Err(bad()),
            DateRules::IsoOnly => {
                return Err(format!(
                    "`{text}` is not a date in YYYY-MM-DD, as --date-format asks"
                ));
            }
        };
        if let Some(real) = real(n.year, month, day) {
            return Ok(real);
        }
        // A day the month does not have is refused, never rolled into the next month.
        if let Some(why) = no_such_day(n.year, month, day) {
            return Err(format!("`{text}` is not a real date: {why}"));
        }
        let order = if rules == DateRules::DayFirst {
            DateFormat::DayMonthYear
        } else {
            DateFormat::MonthDayYear
        };
        return Err(format!(
            "`{text}` is not a date in {order}, the order of this file's dates"
        ));
    }
    let (year, month, day) = year_first(date)
        .or_else(|| named_month(date))
        .ok_or_else(bad)?;
    real(year, month, day).ok_or_else(|| match no_such_day(year, month, day) {
        Some(why) => format!("`{text}` is not a real date: {why}"),
        None => format!("`{text}` is not a real date"),
    })
}

/// `February 2026 has 28 days`, when the month is real and the day is not in it.
fn no_such_day(year: i16, month: u8, day: u8) -> Option<String> {
    let first = real(year, month, 1)?;
    let name = MONTHS.get(usize::from(month) - 1).map(|(_, full)| *full)?;
    (day > 0).then(|| format!("{name} {year} has {} days", first.days_in_month()))
}

/// `2026-12-03` (also `2026/12/03`) as year, month and day, when shaped like one.
fn year_first(date: &str) -> Option<(i16, u8, u8)> {
    let separator = date.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
    let mut parts = date.split(separator);
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let digits =
        |p: &str, lens: &[usize]| lens.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    if !(digits(y, &[4]) && digits(m, &[1, 2]) && digits(d, &[1, 2])) {
        return None;
    }
    Some((y.parse().ok()?, m.parse().ok()?, d.parse().ok()?))
}

/// `3 Dec 2026`, `03-Dec-2026`, `3 December 2026`, `Dec 3, 2026` as year, month and day.
fn named_month(date: &str) -> Option<(i16, u8, u8)> {
    let tokens: Vec<&str> = date
        .split(|c: char| c.is_whitespace() || matches!(c, '-' | ',' | '/' | '.'))
        .filter(|t| !t.is_empty())
        .collect();
    let [a, b, y] = tokens.as_slice() else {
        return None;
    };
    let (day, month) = match (month_number(a), month_number(b)) {
        (None, Some(m)) => (*a, m),
        (Some(m), None) => (*b, m),
        _ => return None,
    };
    let day_ok = (1..=2).contains(&day.len()) && day.bytes().all(|c| c.is_ascii_digit());
    if !(day_ok && y.len() == 4 && y.bytes().all(|c| c.is_ascii_digit())) {
        return None;
    }
    Some((y.parse().ok()?, month, day.parse().ok()?))
}

/// English month names and their three-letter forms (and `Sept`), in any case.
fn month_number(token: &str) -> Option<u8> {
    let lower = token.to_ascii_lowercase();
    let index = MONTHS.iter().position(|(short, full)| {
        lower == *short
            || lower == full.to_ascii_lowercase()
            || (lower == "sept" && *short == "sep")
    })?;
    u8::try_from(index + 1).ok()
}

fn real(year: i16, month: u8, day: u8) -> Option<Date> {
    Date::new(year, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn settle_lines(cells: &[&str]) -> Result<DateRules, FileError> {
        settle(
            "invoices.csv",
            cells.iter().enumerate().map(|(i, c)| (i as u64 + 2, *c)),
            None,
        )
    }

    #[test]
    fn every_supported_spelling_reads_the_same_day() {
        for text in [
            "2026-12-03",
            "2026/12/03",
            "2026-12-03 10:00:00",
            "2026-12-03T10:00:00Z",
            "3 Dec 2026",
            "03-Dec-2026",
            "3 december 2026",
            "DEC 3, 2026",
            "December 3 2026",
        ] {
            assert_eq!(
                parse(text, DateRules::Unsettled),
                Ok(date(2026, 12, 3)),
                "{text}"
            );
        }
        assert_eq!(
            parse("03/12/2026", DateRules::DayFirst),
            Ok(date(2026, 12, 3))
        );
        assert_eq!(
            parse("12/03/2026", DateRules::MonthFirst),
            Ok(date(2026, 12, 3))
        );
        assert_eq!(
            parse("12.03.2026 09:30", DateRules::MonthFirst),
            Ok(date(2026, 12, 3))
        );
        assert_eq!(
            parse("5/5/2026", DateRules::Unsettled),
            Ok(date(2026, 5, 5))
        );
    }

    #[test]
    fn bad_dates_say_what_to_write() {
        assert_eq!(
            parse("yesterday", DateRules::Unsettled).unwrap_err(),
            "`yesterday` is not a date: write YYYY-MM-DD, DD/MM/YYYY, MM/DD/YYYY or 3 Dec 2026"
        );
        assert_eq!(
            parse("2026-02-30", DateRules::Unsettled).unwrap_err(),
            "`2026-02-30` is not a real date: February 2026 has 28 days"
        );
        assert_eq!(
            parse("2026-13-45", DateRules::Unsettled).unwrap_err(),
            "`2026-13-45` is not a real date"
        );
        assert_eq!(
            parse("31/02/2026", DateRules::DayFirst).unwrap_err(),
            "`31/02/2026` is not a real date: February 2026 has 28 days"
        );
        assert_eq!(
            parse("02/29/2026", DateRules::MonthFirst).unwrap_err(),
            "`02/29/2026` is not a real date: February 2026 has 28 days"
        );
        assert_eq!(
            parse("29 Feb 2028", DateRules::Unsettled),
            Ok(date(2028, 2, 29))
        );
        assert_eq!(
            parse("31 Apr 2026", DateRules::Unsettled).unwrap_err(),
            "`31 Apr 2026` is not a real date: April 2026 has 30 days"
        );
        assert_eq!(
            parse("13/25/2026", DateRules::DayFirst).unwrap_err(),
            "`13/25/2026` is not a date in dd/mm/yyyy, the order of this file's dates"
        );
        assert!(parse("03/12/26", DateRules::DayFirst).is_err());
        assert!(parse("03/12/2026", DateRules::IsoOnly).is_err());
        assert!(parse("3 Smarch 2026", DateRules::Unsettled).is_err());
    }

    #[test]
    fn a_file_whose_dates_all_read_both_ways_is_refused_naming_the_flag() {
        let err = settle_lines(&["03/04/2026", "05/06/2026", "2026-01-01"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invoices.csv: the dates are ambiguous (no day above 12, so 03/04/2026 could be 3 April or 4 March): pass --date-format dd/mm/yyyy or --date-format mm/dd/yyyy"
        );
    }

    #[test]
    fn one_unambiguous_date_settles_the_order_for_the_file() {
        assert_eq!(
            settle_lines(&["03/04/2026", "25/04/2026"]),
            Ok(DateRules::DayFirst)
        );
        assert_eq!(
            settle_lines(&["03/04/2026", "04/25/2026 10:00"]),
            Ok(DateRules::MonthFirst)
        );
        assert_eq!(
            settle_lines(&["2026-04-03", "5 May 2026", "07/07/2026"]),
            Ok(DateRules::Unsettled)
        );
    }

    #[test]
    fn dates_that_contradict_each_other_are_refused_with_both_lines() {
        let err = settle_lines(&["25/04/2026", "04/25/2026"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invoices.csv: the dates contradict each other: line 2 has 25/04/2026, which only reads day first, and line 3 has 04/25/2026, which only reads month first; pass --date-format dd/mm/yyyy or --date-format mm/dd/yyyy and fix the rows it rejects"
        );
    }

    #[test]
    fn the_option_overrides_the_file() {
        let forced = settle(
            "x.csv",
            [(2, "03/04/2026")].into_iter(),
            Some(DateFormat::MonthDayYear),
        );
        assert_eq!(forced, Ok(DateRules::MonthFirst));
        assert_eq!("DD/MM/YYYY".parse(), Ok(DateFormat::DayMonthYear));
        assert!("dd-mm-yy".parse::<DateFormat>().is_err());
    }
}
