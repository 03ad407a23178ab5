//! The invoice as the chaser knows it: a frozen snapshot that the engine plans from.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use url::Url;

use crate::contact::{Contact, Email};
use crate::limits::{
    LimitError, MAX_CONTACTS, MAX_NAME_CHARS, MAX_TEXT_CHARS, check_count, check_len, check_link,
};
use crate::money::{Money, MoneyError};
use crate::terms::Terms;
use crate::zone::Zone;

const MAX_NUMBER_LEN: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvoiceError {
    #[error("invoice number is empty")]
    EmptyNumber,
    #[error("invoice number `{0}` is longer than {MAX_NUMBER_LEN} characters")]
    NumberTooLong(String),
    #[error("invoice number `{0}` has no letters or digits")]
    NumberWithoutDigits(String),
    #[error("invoice number contains a control character")]
    NumberControlChar,
    #[error("`{0}` is not a locale: expected a tag such as en-GB or de")]
    InvalidLocale(String),
    #[error("amount must be positive, got {0}")]
    AmountNotPositive(Money),
    #[error("balance {balance} cannot be negative")]
    NegativeBalance { balance: Money },
    #[error("balance {balance} exceeds the invoice amount {amount}")]
    BalanceAboveAmount { balance: Money, amount: Money },
    #[error("due date {due} is before the issue date {issue}")]
    DueBeforeIssue { issue: Date, due: Date },
    #[error(transparent)]
    Money(#[from] MoneyError),
    #[error(transparent)]
    Limit(#[from] LimitError),
}

/// The invoice number exactly as the accounting tool wrote it (trimmed).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InvoiceNumber(String);

impl InvoiceNumber {
    pub fn parse(text: &str) -> Result<Self, InvoiceError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(InvoiceError::EmptyNumber);
        }
        if trimmed.chars().any(char::is_control) {
            return Err(InvoiceError::NumberControlChar);
        }
        if trimmed.chars().count() > MAX_NUMBER_LEN {
            return Err(InvoiceError::NumberTooLong(trimmed.to_owned()));
        }
        if !trimmed.chars().any(char::is_alphanumeric) {
            return Err(InvoiceError::NumberWithoutDigits(trimmed.to_owned()));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form used in workflow ids: upper-case ASCII letters and digits, with every other run
    /// of characters turned into one `-` (`inv 1042` and `INV-1042` are the same invoice).
    pub fn normalized(&self) -> String {
        let mut out = String::with_capacity(self.0.len());
        for c in self.0.chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_uppercase());
            } else if !out.ends_with('-') {
                out.push('-');
            }
        }
        out.trim_matches('-').to_owned()
    }
}

impl fmt::Display for InvoiceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for InvoiceNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for InvoiceNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A BCP-47 language tag such as `en-GB`, used to format amounts and dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Locale(String);

impl Locale {
    pub fn parse(text: &str) -> Result<Self, InvoiceError> {
        let tag = text.trim().replace('_', "-");
        let mut parts = tag.split('-');
        let language_ok = parts.next().is_some_and(|l| {
            (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_alphabetic())
        });
        let rest_ok = parts
            .all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
        if language_ok && rest_ok {
            Ok(Self(tag))
        } else {
            Err(InvoiceError::InvalidLocale(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Locale {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invoice {
    pub number: InvoiceNumber,
    pub customer: Customer,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    /// When set, customer messages go to exactly these addresses, whatever the step's roles.
    #[serde(default)]
    pub contact_override: Vec<Email>,
    pub amount: Money,
    /// What is still owed after partial payments; the chase stops when it reaches zero.
    pub balance: Money,
    pub issue_date: Date,
    pub due_date: Date,
    pub terms: Terms,
    #[serde(default)]
    pub pay_url: Option<Url>,
    #[serde(default)]
    pub pdf_url: Option<Url>,
    /// The account owner on our side, who receives escalations.
    pub owner_email: Email,
    #[serde(default)]
    pub customer_time_zone: Option<Zone>,
    #[serde(default)]
    pub locale: Option<Locale>,
    /// The accounting tool already delivered the invoice itself, so `on_issue` steps are skipped.
    #[serde(default)]
    pub already_sent: bool,
    /// Exact issue and due instants, when known; sub-day offsets count from them.
    #[serde(default)]
    pub issued_at: Option<Timestamp>,
    #[serde(default)]
    pub due_at: Option<Timestamp>,
    /// The owner asked never to chase this invoice (a key account, a payment plan agreed by
    /// phone): every customer message is declined.
    #[serde(default)]
    pub do_not_chase: bool,
}

impl InvoiceError {
    /// The invoice field the error is about (`amount` for the money checks).
    pub fn field(&self) -> &str {
        match self {
            InvoiceError::EmptyNumber
            | InvoiceError::NumberTooLong(_)
            | InvoiceError::NumberWithoutDigits(_)
            | InvoiceError::NumberControlChar => "number",
            InvoiceError::InvalidLocale(_) => "locale",
            InvoiceError::DueBeforeIssue { .. } => "due_date",
            InvoiceError::NegativeBalance { .. } | InvoiceError::BalanceAboveAmount { .. } => {
                "balance"
            }
            InvoiceError::Limit(limit) => limit.field(),
            InvoiceError::AmountNotPositive(_) | InvoiceError::Money(_) => "amount",
        }
    }
}

impl Invoice {
    /// An invoice with its required facts; it owes its full amount, and every optional field
    /// (contacts, links, zone, locale, exact times) starts empty.
    pub fn new(
        number: InvoiceNumber,
        customer: Customer,
        amount: Money,
        issue_date: Date,
        due_date: Date,
        terms: Terms,
        owner_email: Email,
    ) -> Invoice {
        Invoice {
            number,
            customer,
            contacts: vec![],
            contact_override: vec![],
            amount,
            balance: amount,
            issue_date,
            due_date,
            terms,
            pay_url: None,
            pdf_url: None,
            owner_email,
            customer_time_zone: None,
            locale: None,
            already_sent: false,
            issued_at: None,
            due_at: None,
            do_not_chase: false,
        }
    }

    /// Cross-field consistency and the length of every field; each field is already valid by
    /// its type. Pay and PDF links must be web links.
    pub fn check(&self) -> Result<(), InvoiceError> {
        check_len("customer.name", &self.customer.name, MAX_NAME_CHARS)?;
        check_len("customer.id", &self.customer.id, MAX_NAME_CHARS)?;
        check_count("contacts", self.contacts.len(), MAX_CONTACTS)?;
        check_count(
            "contact_override",
            self.contact_override.len(),
            MAX_CONTACTS,
        )?;
        for (n, contact) in self.contacts.iter().enumerate() {
            check_len(
                &format!("contacts[{n}].name"),
                &contact.name,
                MAX_NAME_CHARS,
            )?;
        }
        check_len("terms", &self.terms.to_string(), MAX_TEXT_CHARS)?;
        if let Some(url) = &self.pay_url {
            check_link("pay_url", url)?;
        }
        if let Some(url) = &self.pdf_url {
            check_link("pdf_url", url)?;
        }
        if !self.amount.is_positive() {
            return Err(InvoiceError::AmountNotPositive(self.amount));
        }
        if self.balance.is_negative() {
            return Err(InvoiceError::NegativeBalance {
                balance: self.balance,
            });
        }
        if self.balance.checked_cmp(&self.amount)?.is_gt() {
            return Err(InvoiceError::BalanceAboveAmount {
                balance: self.balance,
                amount: self.amount,
            });
        }
        if self.due_date < self.issue_date {
            return Err(InvoiceError::DueBeforeIssue {
                issue: self.issue_date,
                due: self.due_date,
            });
        }
        Ok(())
    }

    pub fn is_settled(&self) -> bool {
        self.balance.is_zero()
    }

    /// Days since the due date; zero or negative while not yet late.
    pub fn days_past_due(&self, today: Date) -> i64 {
        days_between(self.due_date, today)
    }
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
pub(crate) fn days_between(from: Date, to: Date) -> i64 {
    // A date difference is always expressible in days, so this cannot fail.
    from.until(to).map_or(0, |span| i64::from(span.get_days()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_normalise_for_workflow_ids() {
        let n = InvoiceNumber::parse("  inv 1042/a ").unwrap();
        assert_eq!(n.as_str(), "inv 1042/a");
        assert_eq!(n.normalized(), "INV-1042-A");
        assert_eq!(
            InvoiceNumber::parse("INV--1042").unwrap().normalized(),
            "INV-1042"
        );
        assert!(InvoiceNumber::parse("   ").is_err());
        assert!(InvoiceNumber::parse("---").is_err());
        assert!(InvoiceNumber::parse("INV\n1").is_err());
    }

    #[test]
    fn locales_are_tags() {
        assert_eq!(Locale::parse("en_GB").unwrap().as_str(), "en-GB");
        assert!(Locale::parse("english!").is_err());
    }
}
