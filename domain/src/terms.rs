//! Payment terms: how the due date follows from the issue date, and which cadence applies.

use std::fmt;
use std::str::FromStr;

use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

const MAX_TERM_DAYS: u16 = 365;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TermsError {
    #[error(
        "terms `{0}` are not recognised: write net-N, due_on_receipt, eom+N, or custom:<label>"
    )]
    Unknown(String),
    #[error("terms `{0}` exceed {MAX_TERM_DAYS} days")]
    TooLong(String),
    #[error("terms are empty")]
    Empty,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Terms {
    /// Due N days after issue.
    Net(u16),
    DueOnReceipt,
    /// Due N days after the end of the month of issue.
    EndOfMonth(u16),
    /// Anything else; the invoice must then carry its own due date.
    Custom(String),
}

impl Terms {
    /// Reads terms as accounting tools write them (`Net 30`, `NET30`, `Due on receipt`,
    /// `EOM+15`). Anything unrecognised becomes a custom label, so imports never fail on terms.
    pub fn parse_lenient(text: &str) -> Result<Self, TermsError> {
        if text.trim().starts_with("custom:") {
            return Self::parse_strict(text);
        }
        Ok(Self::parse_known(text)?.unwrap_or_else(|| Terms::Custom(custom_label(text))))
    }

    /// Reads terms as written in the rules doc, where a custom label must be spelled
    /// `custom:<label>` so that a typo such as `nett-30` is an error, not a silent new cadence.
    pub fn parse_strict(text: &str) -> Result<Self, TermsError> {
        if let Some(label) = text.trim().strip_prefix("custom:") {
            let label = custom_label(label);
            return if label.is_empty() {
                Err(TermsError::Empty)
            } else {
                Ok(Terms::Custom(label))
            };
        }
        Self::parse_known(text)?.ok_or_else(|| TermsError::Unknown(text.to_owned()))
    }

    fn parse_known(text: &str) -> Result<Option<Self>, TermsError> {
        let squashed: String = text
            .trim()
            .to_ascii_lowercase()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '_' | '+'))
            .collect();
        if squashed.is_empty() {
            return Err(TermsError::Empty);
        }
        let days = |digits: &str| -> Result<Option<u16>, TermsError> {
            if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
                return Ok(None);
            }
            match digits.parse::<u16>() {
                Ok(n) if n <= MAX_TERM_DAYS => Ok(Some(n)),
                _ => Err(TermsError::TooLong(text.to_owned())),
            }
        };
        Ok(match squashed.as_str() {
            "dueonreceipt" | "onreceipt" | "receipt" | "uponreceipt" | "dueuponreceipt"
            | "net0" => Some(Terms::DueOnReceipt),
            "eom" => Some(Terms::EndOfMonth(0)),
            s => {
                if let Some(n) = s.strip_prefix("net") {
                    days(n)?.map(Terms::Net)
                } else if let Some(n) = s.strip_prefix("eom") {
                    days(n)?.map(Terms::EndOfMonth)
                } else {
                    None
                }
            }
        })
    }

    /// The due date these terms give for an invoice issued on `issue`; `None` for custom terms.
    pub fn due_date(&self, issue: Date) -> Option<Date> {
        match *self {
            Terms::Net(n) => issue.checked_add(i64::from(n).days()).ok(),
            Terms::DueOnReceipt => Some(issue),
            Terms::EndOfMonth(n) => issue.last_of_month().checked_add(i64::from(n).days()).ok(),
            Terms::Custom(_) => None,
        }
    }

    /// Terms and due date from whichever a source gives: the due date follows from the
    /// terms, and missing terms become net-N from the two dates.
    pub fn settle(
        terms: Option<Terms>,
        issue: Date,
        due: Option<Date>,
    ) -> Result<(Terms, Date), String> {
        match (terms, due) {
            (Some(terms), Some(due)) => Ok((terms, due)),
            (Some(terms), None) => match terms.due_date(issue) {
                Some(due) => Ok((terms, due)),
                None => Err(format!("is empty, and terms `{terms}` do not give one")),
            },
            (None, Some(due)) => {
                let days = issue.until(due).map_or(-1, |span| span.get_days());
                u16::try_from(days)
                    .map(|d| (Terms::Net(d), due))
                    .map_err(|_| format!("{due} is before the issue date {issue}"))
            }
            (None, None) => Err("is empty, and there are no terms to work it out".to_owned()),
        }
    }

    /// The fewest days these terms can leave between issue and due; `None` if unknown.
    pub fn min_days_to_due(&self) -> Option<i64> {
        match *self {
            Terms::Net(n) | Terms::EndOfMonth(n) => Some(i64::from(n)),
            Terms::DueOnReceipt => Some(0),
            Terms::Custom(_) => None,
        }
    }
}

fn custom_label(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl fmt::Display for Terms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Terms::Net(n) => write!(f, "net-{n}"),
            Terms::DueOnReceipt => f.write_str("due_on_receipt"),
            Terms::EndOfMonth(0) => f.write_str("eom"),
            Terms::EndOfMonth(n) => write!(f, "eom+{n}"),
            Terms::Custom(label) => write!(f, "custom:{label}"),
        }
    }
}

impl FromStr for Terms {
    type Err = TermsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_lenient(s)
    }
}

impl Serialize for Terms {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Terms {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse_lenient(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn accounting_spellings_are_understood() {
        for text in ["net-30", "Net 30", "NET30", "net_30"] {
            assert_eq!(
                Terms::parse_lenient(text).unwrap(),
                Terms::Net(30),
                "{text}"
            );
        }
        assert_eq!(
            Terms::parse_lenient("Due on receipt").unwrap(),
            Terms::DueOnReceipt
        );
        assert_eq!(
            Terms::parse_lenient("EOM+15").unwrap(),
            Terms::EndOfMonth(15)
        );
        assert_eq!(
            Terms::parse_lenient("2/10 Net 30").unwrap(),
            Terms::Custom("2/10 net 30".into())
        );
        assert!(matches!(
            Terms::parse_lenient("net 900"),
            Err(TermsError::TooLong(_))
        ));
    }

    #[test]
    fn the_rules_doc_needs_custom_terms_spelled_out() {
        assert_eq!(
            Terms::parse_strict("nett-30").unwrap_err().to_string(),
            "terms `nett-30` are not recognised: write net-N, due_on_receipt, eom+N, or custom:<label>"
        );
        assert_eq!(
            Terms::parse_strict("custom:2/10 Net 30").unwrap(),
            Terms::Custom("2/10 net 30".into())
        );
    }

    #[test]
    fn due_dates_follow_the_terms() {
        assert_eq!(
            Terms::Net(30).due_date(date(2026, 1, 31)),
            Some(date(2026, 3, 2))
        );
        assert_eq!(
            Terms::EndOfMonth(15).due_date(date(2028, 2, 10)),
            Some(date(2028, 3, 15))
        );
        assert_eq!(
            Terms::DueOnReceipt.due_date(date(2026, 5, 1)),
            Some(date(2026, 5, 1))
        );
        assert_eq!(Terms::Custom("x".into()).due_date(date(2026, 5, 1)), None);
    }

    #[test]
    fn terms_and_due_dates_settle_from_either() {
        let issue = date(2026, 11, 1);
        assert_eq!(
            Terms::settle(Some(Terms::Net(30)), issue, None),
            Ok((Terms::Net(30), date(2026, 12, 1)))
        );
        assert_eq!(
            Terms::settle(None, issue, Some(date(2026, 11, 15))),
            Ok((Terms::Net(14), date(2026, 11, 15)))
        );
        assert_eq!(
            Terms::settle(None, issue, Some(date(2026, 10, 1))).unwrap_err(),
            "2026-10-01 is before the issue date 2026-11-01"
        );
        assert!(Terms::settle(Some(Terms::Custom("x".into())), issue, None).is_err());
        assert!(Terms::settle(None, issue, None).is_err());
    }

    #[test]
    fn terms_round_trip_through_their_canonical_names() {
        for terms in [
            Terms::Net(45),
            Terms::DueOnReceipt,
            Terms::EndOfMonth(0),
            Terms::EndOfMonth(10),
            Terms::Custom("milestone".into()),
        ] {
            assert_eq!(Terms::parse_strict(&terms.to_string()).unwrap(), terms);
        }
    }
}
