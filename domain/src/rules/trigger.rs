//! When a step fires, written as a short phrase in the rules doc:
//! `on_issue`, `after_issue 14d`, `before_due 3d`, `after_due 3d`, `on_due`,
//! `on_date 2026-12-24`, `repeat every 7d, at most 3 times`.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::MAX_REPEATS;
use crate::offset::{Offset, OffsetError};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TriggerError {
    #[error(
        "`{0}` is not a trigger: write on_issue, after_issue N, before_due N, after_due N, on_due, on_date YYYY-MM-DD, or repeat every N, at most M times"
    )]
    Unknown(String),
    #[error("`{0}` needs an offset, e.g. `{0} 3d`")]
    MissingOffset(String),
    #[error("`{trigger}`: {source}")]
    Offset {
        trigger: String,
        source: OffsetError,
    },
    #[error("`{0}` is not a date: write YYYY-MM-DD")]
    BadDate(String),
    #[error("`{0}` has no bound: write e.g. `repeat every 7d, at most 3 times`")]
    UnboundedRepeat(String),
    #[error("`{0}`: the repeat count must be a whole number from 1 to {MAX_REPEATS}")]
    BadRepeatCount(String),
    #[error("`{0}`: a repeat interval must be longer than zero")]
    ZeroInterval(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trigger {
    OnIssue,
    AfterIssue(Offset),
    BeforeDue(Offset),
    AfterDue(Offset),
    OnDate(Date),
    /// Fires `times` more times, `every` apart, after the cadence's last other step.
    Repeat {
        every: Offset,
        times: u32,
    },
}

impl FromStr for Trigger {
    type Err = TriggerError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let (word, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
        let rest = rest.trim();
        let offset = |kind: fn(Offset) -> Trigger| {
            if rest.is_empty() {
                return Err(TriggerError::MissingOffset(word.to_owned()));
            }
            rest.parse()
                .map(kind)
                .map_err(|source| TriggerError::Offset {
                    trigger: text.to_owned(),
                    source,
                })
        };
        let no_argument = |trigger: Trigger| {
            if rest.is_empty() {
                Ok(trigger)
            } else {
                Err(TriggerError::Unknown(text.to_owned()))
            }
        };
        match word.to_ascii_lowercase().as_str() {
            "on_issue" => no_argument(Trigger::OnIssue),
            "on_due" => no_argument(Trigger::AfterDue(Offset::ZERO)),
            "after_issue" => offset(Trigger::AfterIssue),
            "before_due" => offset(Trigger::BeforeDue),
            "after_due" => offset(Trigger::AfterDue),
            "on_date" => rest
                .parse::<Date>()
                .ok()
                .filter(|_| rest.len() == 10)
                .map(Trigger::OnDate)
                .ok_or_else(|| TriggerError::BadDate(rest.to_owned())),
            "repeat" => parse_repeat(text, rest),
            _ => Err(TriggerError::Unknown(text.to_owned())),
        }
    }
}

fn parse_repeat(text: &str, rest: &str) -> Result<Trigger, TriggerError> {
    let Some(after_every) = rest.strip_prefix("every") else {
        return Err(TriggerError::Unknown(text.to_owned()));
    };
    let Some((interval, bound)) = after_every.split_once("at most") else {
        return Err(TriggerError::UnboundedRepeat(text.to_owned()));
    };
    let interval = interval.trim().trim_end_matches(',').trim();
    if interval.is_empty() {
        return Err(TriggerError::MissingOffset("repeat every".to_owned()));
    }
    let every: Offset = interval.parse().map_err(|source| TriggerError::Offset {
        trigger: text.to_owned(),
        source,
    })?;
    if every.is_zero() {
        return Err(TriggerError::ZeroInterval(text.to_owned()));
    }
    let count = bound.trim();
    let count = count
        .strip_suffix("times")
        .or_else(|| count.strip_suffix("time"))
        .unwrap_or(count);
    let times = count
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_REPEATS).contains(n))
        .ok_or_else(|| TriggerError::BadRepeatCount(text.to_owned()))?;
    Ok(Trigger::Repeat { every, times })
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Trigger::OnIssue => f.write_str("on_issue"),
            Trigger::AfterIssue(o) => write!(f, "after_issue {o}"),
            Trigger::BeforeDue(o) => write!(f, "before_due {o}"),
            Trigger::AfterDue(o) => write!(f, "after_due {o}"),
            Trigger::OnDate(d) => write!(f, "on_date {d}"),
            Trigger::Repeat { every, times } => {
                write!(f, "repeat every {every}, at most {times} times")
            }
        }
    }
}

impl Serialize for Trigger {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Trigger {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn every_trigger_form_parses_and_prints_back() {
        let cases = [
            ("on_issue", Trigger::OnIssue),
            ("after_issue 14d", Trigger::AfterIssue(Offset::Days(14))),
            ("before_due 3d", Trigger::BeforeDue(Offset::Days(3))),
            ("after_due 3d", Trigger::AfterDue(Offset::Days(3))),
            ("on_date 2026-12-24", Trigger::OnDate(date(2026, 12, 24))),
            (
                "repeat every 7d, at most 3 times",
                Trigger::Repeat {
                    every: Offset::Days(7),
                    times: 3,
                },
            ),
        ];
        for (text, trigger) in cases {
            assert_eq!(text.parse::<Trigger>().unwrap(), trigger, "{text}");
            assert_eq!(trigger.to_string(), text);
        }
        assert_eq!(
            "on_due".parse::<Trigger>().unwrap(),
            Trigger::AfterDue(Offset::ZERO)
        );
        assert_eq!(
            "repeat every 1d 12h at most 2".parse::<Trigger>().unwrap(),
            Trigger::Repeat {
                every: "36h".parse().unwrap(),
                times: 2
            }
        );
    }

    #[test]
    fn malformed_triggers_say_what_to_write() {
        let err = |t: &str| t.parse::<Trigger>().unwrap_err().to_string();
        assert_eq!(
            err("repeat every 7d"),
            "`repeat every 7d` has no bound: write e.g. `repeat every 7d, at most 3 times`"
        );
        assert_eq!(
            err("after_due"),
            "`after_due` needs an offset, e.g. `after_due 3d`"
        );
        assert_eq!(
            err("repeat every 7d, at most 11 times"),
            "`repeat every 7d, at most 11 times`: the repeat count must be a whole number from 1 to 10"
        );
        assert_eq!(
            err("on_date 2026-02-30"),
            "`2026-02-30` is not a date: write YYYY-MM-DD"
        );
        assert!(err("when_late 3d").starts_with("`when_late 3d` is not a trigger"));
        assert_eq!(
            err("after_due -3d"),
            "`after_due -3d`: `-3d` is negative: offsets count forward (use before_due for earlier steps)"
        );
        assert_eq!(
            err("repeat every 0d, at most 2 times"),
            "`repeat every 0d, at most 2 times`: a repeat interval must be longer than zero"
        );
    }
}
