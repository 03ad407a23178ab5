//! Offsets in the rules doc: `3d`, `2w`, `12h`, `90s`, `1d 12h`.
//!
//! Whole days are civil days: `after_due 3d` lands on the send hour three calendar days later,
//! whatever DST does in between. Anything finer is an exact duration, which lets tests run a
//! whole cadence in seconds.

use std::fmt;
use std::str::FromStr;

use jiff::{SignedDuration, Span};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OffsetError {
    #[error("`{0}` is not a duration: write e.g. `3d`, `2w`, `12h`, `30m` or `90s`")]
    Malformed(String),
    #[error("`{0}` is negative: offsets count forward (use before_due for earlier steps)")]
    Negative(String),
    #[error("`{0}` uses months or years, which vary in length: write days or weeks instead")]
    Calendar(String),
    #[error("`{0}` is too long: at most 3650 days")]
    TooLong(String),
}

const MAX_DAYS: i64 = 3650;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Offset {
    /// Whole civil days.
    Days(u32),
    /// An exact, non-negative duration with a sub-day part.
    Exact(SignedDuration),
}

impl Offset {
    pub const ZERO: Offset = Offset::Days(0);

    /// The offset as an exact duration, counting a day as 24 hours.
    pub fn as_duration(self) -> SignedDuration {
        match self {
            Offset::Days(d) => SignedDuration::from_hours(i64::from(d) * 24),
            Offset::Exact(d) => d,
        }
    }

    /// Whole days in the offset, rounding a sub-day part down.
    pub fn whole_days(self) -> i64 {
        match self {
            Offset::Days(d) => i64::from(d),
            Offset::Exact(d) => d.as_secs() / 86_400,
        }
    }

    pub fn is_zero(self) -> bool {
        self.as_duration().is_zero()
    }

    /// Multiplies the offset by `n` (used for repeats).
    pub fn times(self, n: u32) -> Offset {
        match self {
            Offset::Days(d) => Offset::Days(d.saturating_mul(n)),
            Offset::Exact(d) => {
                Offset::Exact(d.saturating_mul(i32::try_from(n).unwrap_or(i32::MAX)))
            }
        }
    }
}

impl FromStr for Offset {
    type Err = OffsetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        let span: Span = text
            .parse()
            .map_err(|_| OffsetError::Malformed(s.to_owned()))?;
        if span.is_negative() {
            return Err(OffsetError::Negative(s.to_owned()));
        }
        if span.get_years() != 0 || span.get_months() != 0 {
            return Err(OffsetError::Calendar(s.to_owned()));
        }
        let days = i64::from(span.get_weeks()) * 7 + i64::from(span.get_days());
        let rest = SignedDuration::try_from(span.weeks(0).days(0))
            .map_err(|_| OffsetError::Malformed(s.to_owned()))?;
        let total_days = days + rest.as_secs() / 86_400;
        if total_days > MAX_DAYS {
            return Err(OffsetError::TooLong(s.to_owned()));
        }
        if rest.is_zero() {
            // Bounded by MAX_DAYS above.
            return Ok(Offset::Days(
                u32::try_from(days).map_err(|_| OffsetError::TooLong(s.to_owned()))?,
            ));
        }
        let exact = SignedDuration::from_hours(days * 24)
            .checked_add(rest)
            .ok_or_else(|| OffsetError::TooLong(s.to_owned()))?;
        Ok(Offset::Exact(exact))
    }
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Offset::Days(d) => write!(f, "{d}d"),
            Offset::Exact(d) => {
                let total = d.as_secs();
                let (days, hours, mins, secs) = (
                    total / 86_400,
                    total % 86_400 / 3600,
                    total % 3600 / 60,
                    total % 60,
                );
                let parts = [(days, "d"), (hours, "h"), (mins, "m"), (secs, "s")];
                let mut first = true;
                for (n, unit) in parts.into_iter().filter(|(n, _)| *n != 0) {
                    if !first {
                        f.write_str(" ")?;
                    }
                    write!(f, "{n}{unit}")?;
                    first = false;
                }
                if first {
                    f.write_str("0s")?;
                }
                Ok(())
            }
        }
    }
}

impl Serialize for Offset {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Offset {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_days_stay_civil_and_the_rest_is_exact() {
        assert_eq!("3d".parse::<Offset>().unwrap(), Offset::Days(3));
        assert_eq!("2w".parse::<Offset>().unwrap(), Offset::Days(14));
        assert_eq!(
            "90s".parse::<Offset>().unwrap(),
            Offset::Exact(SignedDuration::from_secs(90))
        );
        assert_eq!(
            "1d 12h".parse::<Offset>().unwrap(),
            Offset::Exact(SignedDuration::from_hours(36))
        );
        assert_eq!("1d 12h".parse::<Offset>().unwrap().to_string(), "1d 12h");
        assert_eq!("90s".parse::<Offset>().unwrap().to_string(), "1m 30s");
    }

    #[test]
    fn bad_offsets_say_why() {
        assert_eq!(
            "-3d".parse::<Offset>().unwrap_err().to_string(),
            "`-3d` is negative: offsets count forward (use before_due for earlier steps)"
        );
        assert!(matches!(
            "1 month".parse::<Offset>(),
            Err(OffsetError::Calendar(_))
        ));
        assert!(matches!(
            "three days".parse::<Offset>(),
            Err(OffsetError::Malformed(_))
        ));
        assert!(matches!(
            "4000d".parse::<Offset>(),
            Err(OffsetError::TooLong(_))
        ));
    }
}
