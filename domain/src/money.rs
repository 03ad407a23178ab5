//! Money: an exact decimal amount tied to an ISO-4217 currency.
//!
//! Amounts never pass through a float. On the wire a `Money` is one string, `"USD 1200.00"`,
//! always written with the currency's minor units, so payloads and history stay exact.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("unknown currency `{0}`: expected an ISO-4217 code such as USD, EUR or JPY")]
    UnknownCurrency(String),
    #[error("`{0}` is not a currency that invoices can be paid in (it has no minor units)")]
    NotPayable(String),
    #[error("`{0}` is not an amount: expected digits with an optional decimal point, e.g. 1200.50")]
    InvalidAmount(String),
    #[error("{amount} has more decimals than {currency} allows ({max})")]
    TooManyDecimals {
        amount: String,
        currency: &'static str,
        max: u32,
    },
    #[error("cannot combine {left} with {right}: the currencies differ")]
    CurrencyMismatch {
        left: &'static str,
        right: &'static str,
    },
    #[error("`{0}` is not money: expected a currency code and an amount, e.g. `USD 1200.00`")]
    Malformed(String),
    #[error("amount out of range")]
    Overflow,
}

/// An ISO-4217 currency that has minor units (so not XAU, XXX and the like).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        let code = code.trim();
        let iso = iso_currency::Currency::from_code(&code.to_ascii_uppercase())
            .ok_or_else(|| MoneyError::UnknownCurrency(code.to_owned()))?;
        if iso.exponent().is_none() {
            return Err(MoneyError::NotPayable(iso.code().to_owned()));
        }
        Ok(Self(iso))
    }

    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// Digits after the decimal point: 2 for USD, 0 for JPY, 3 for KWD.
    pub fn minor_units(self) -> u32 {
        self.0.exponent().map_or(0, u32::from)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        Self::parse(&code).map_err(serde::de::Error::custom)
    }
}

/// An amount in one currency. Fields are private: every `Money` has a known currency and no
/// more decimals than that currency allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// Refuses amounts with more decimals than the currency has (`12.345 USD`, `10.5 JPY`).
    pub fn new(amount: Decimal, currency: Currency) -> Result<Self, MoneyError> {
        let max = currency.minor_units();
        if amount.normalize().scale() > max {
            return Err(MoneyError::TooManyDecimals {
                amount: amount.to_string(),
                currency: currency.code(),
                max,
            });
        }
        let mut amount = amount;
        amount.rescale(max);
        Ok(Self { amount, currency })
    }

    /// Parses a plain decimal amount such as `1200.50` or `-3`.
    pub fn parse(amount: &str, currency: Currency) -> Result<Self, MoneyError> {
        let trimmed = amount.trim();
        let valid = !trimmed.is_empty()
            && trimmed
                .trim_start_matches(['-', '+'])
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.');
        let decimal = valid
            .then(|| Decimal::from_str_exact(trimmed).ok())
            .flatten()
            .ok_or_else(|| MoneyError::InvalidAmount(amount.to_owned()))?;
        Self::new(decimal, currency)
    }

    pub fn zero(currency: Currency) -> Self {
        let mut amount = Decimal::ZERO;
        amount.rescale(currency.minor_units());
        Self { amount, currency }
    }

    pub fn amount(&self) -> Decimal {
        self.amount
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    pub fn is_positive(&self) -> bool {
        self.amount > Decimal::ZERO
    }

    pub fn is_negative(&self) -> bool {
        self.amount < Decimal::ZERO
    }

    pub fn checked_add(&self, other: &Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let amount = self
            .amount
            .checked_add(other.amount)
            .ok_or(MoneyError::Overflow)?;
        Ok(Self { amount, ..*self })
    }

    pub fn checked_sub(&self, other: &Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let amount = self
            .amount
            .checked_sub(other.amount)
            .ok_or(MoneyError::Overflow)?;
        Ok(Self { amount, ..*self })
    }

    /// Orders two amounts of the same currency.
    pub fn checked_cmp(&self, other: &Money) -> Result<std::cmp::Ordering, MoneyError> {
        self.same_currency(other)?;
        Ok(self.amount.cmp(&other.amount))
    }

    /// `USD 1,200.00`: the amount with thousands separators, for summaries and logs.
    pub fn grouped(&self) -> String {
        let text = self.amount.abs().to_string();
        let (whole, fraction) = text
            .split_once('.')
            .map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        let sign = if self.is_negative() { "-" } else { "" };
        match fraction {
            Some(f) => format!("{} {sign}{grouped}.{f}", self.currency),
            None => format!("{} {sign}{grouped}", self.currency),
        }
    }

    fn same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                left: self.currency.code(),
                right: other.currency.code(),
            })
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.currency, self.amount)
    }
}

impl FromStr for Money {
    type Err = MoneyError;

    /// Accepts `USD 1200.00` and `1200.00 USD`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.split_whitespace();
        let (Some(a), Some(b), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(MoneyError::Malformed(s.to_owned()));
        };
        let a_is_code = a.len() == 3 && a.chars().all(|c| c.is_ascii_alphabetic());
        let (code, amount) = if a_is_code { (a, b) } else { (b, a) };
        Money::parse(amount, Currency::parse(code)?)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency::parse("USD").unwrap()
    }

    #[test]
    fn amounts_are_written_with_the_currency_minor_units() {
        assert_eq!(
            Money::parse("1200", usd()).unwrap().to_string(),
            "USD 1200.00"
        );
        let jpy = Currency::parse("jpy").unwrap();
        assert_eq!(Money::parse("1200", jpy).unwrap().to_string(), "JPY 1200");
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(Money::parse("1.5", kwd).unwrap().to_string(), "KWD 1.500");
    }

    #[test]
    fn too_many_decimals_are_refused_not_rounded() {
        let err = Money::parse("12.345", usd()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "12.345 has more decimals than USD allows (2)"
        );
        let jpy = Currency::parse("JPY").unwrap();
        assert!(Money::parse("10.5", jpy).is_err());
        // Trailing zeros are not extra precision.
        assert!(Money::parse("10.500", usd()).is_ok());
    }

    #[test]
    fn garbage_amounts_and_codes_are_refused_with_the_input_named() {
        assert_eq!(
            Money::parse("1,200", usd()).unwrap_err().to_string(),
            "`1,200` is not an amount: expected digits with an optional decimal point, e.g. 1200.50"
        );
        assert!(Money::parse("", usd()).is_err());
        assert!(Money::parse("1e5", usd()).is_err());
        assert_eq!(
            Currency::parse("ABC").unwrap_err(),
            MoneyError::UnknownCurrency("ABC".into())
        );
        assert_eq!(
            Currency::parse("XAU").unwrap_err(),
            MoneyError::NotPayable("XAU".into())
        );
    }

    #[test]
    fn arithmetic_across_currencies_is_an_error() {
        let a = Money::parse("10", usd()).unwrap();
        let b: Money = "EUR 5".parse().unwrap();
        assert_eq!(
            a.checked_add(&b).unwrap_err(),
            MoneyError::CurrencyMismatch {
                left: "USD",
                right: "EUR"
            }
        );
        assert!(a.checked_sub(&b).is_err());
        assert!(a.checked_cmp(&b).is_err());
        let c: Money = "USD 2.50".parse().unwrap();
        assert_eq!(a.checked_sub(&c).unwrap().to_string(), "USD 7.50");
        assert_eq!(a.checked_add(&c).unwrap().to_string(), "USD 12.50");
    }

    #[test]
    fn grouped_amounts_for_summaries() {
        assert_eq!(
            "USD 1200".parse::<Money>().unwrap().grouped(),
            "USD 1,200.00"
        );
        assert_eq!(
            "USD -1234567.5".parse::<Money>().unwrap().grouped(),
            "USD -1,234,567.50"
        );
        assert_eq!("JPY 999".parse::<Money>().unwrap().grouped(), "JPY 999");
    }

    #[test]
    fn money_travels_as_one_string() {
        let m: Money = "1200.5 EUR".parse().unwrap();
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#""EUR 1200.50""#);
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
        assert!(serde_json::from_str::<Money>("1200.5").is_err());
    }
}
